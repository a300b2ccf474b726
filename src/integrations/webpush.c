/* webpush: RFC 8291 message encryption, RFC 8292 VAPID and delivery to a push service.
 * Only OpenSSL 3 APIs that are not deprecated (EVP, EC_POINT for deriving a public key from a
 * raw scalar, ECDSA_SIG for the JWS signature format), so -Werror builds stay clean. */
#include "integrations/webpush.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/log.h"
#include "integrations/httpc.h"
#include "integrations/jwt.h"

#define GROUP "prime256v1"
#define DEV_KEY_FILE "var/vapid-dev.pem"
#define DEFAULT_PUSH_HOSTS \
    "fcm.googleapis.com,updates.push.services.mozilla.com,push.services.mozilla.com,notify.windows.com,push.apple.com"
#define SEND_TIMEOUT_MS 10000
#define JWT_LIFETIME_S (12 * 3600)

struct webpush_vapid {
    EVP_PKEY *key;
    uint8_t pub[WEBPUSH_PUBLIC_KEY_LEN];
    char pub_b64[WEBPUSH_B64_KEY_MAX];
    char subject[512];
};

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

/* ---- keys ---- */

/* A P-256 public key from its 65-byte uncompressed encoding (the point is checked to be on
 * the curve while it is decoded). */
static EVP_PKEY *public_from_octets(const uint8_t pub[WEBPUSH_PUBLIC_KEY_LEN])
{
    if (pub[0] != 0x04)
        return NULL;
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)GROUP, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, WEBPUSH_PUBLIC_KEY_LEN),
        OSSL_PARAM_construct_end(),
    };
    if (!pc || EVP_PKEY_fromdata_init(pc) <= 0 || EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pk = NULL;
    EVP_PKEY_CTX_free(pc);
    return pk;
}

/* A P-256 key pair from a 32-byte private scalar; its public point goes to pub_out. */
static EVP_PKEY *private_from_scalar(const uint8_t d[32], uint8_t pub_out[WEBPUSH_PUBLIC_KEY_LEN])
{
    EVP_PKEY *pk = NULL;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *bn = BN_bin2bn(d, 32, NULL);
    EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pc = NULL;
    if (!g || !bn || !pt || !bld || BN_is_zero(bn) || BN_cmp(bn, EC_GROUP_get0_order(g)) >= 0)
        goto out;
    if (!EC_POINT_mul(g, pt, bn, NULL, NULL, NULL) ||
        EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub_out, WEBPUSH_PUBLIC_KEY_LEN, NULL) !=
            WEBPUSH_PUBLIC_KEY_LEN)
        goto out;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, GROUP, 0) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub_out, WEBPUSH_PUBLIC_KEY_LEN))
        goto out;
    params = OSSL_PARAM_BLD_to_param(bld);
    pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!params || !pc || EVP_PKEY_fromdata_init(pc) <= 0 || EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_KEYPAIR, params) <= 0)
        pk = NULL;
out:
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EC_POINT_free(pt);
    BN_clear_free(bn);
    EC_GROUP_free(g);
    return pk;
}

static int public_octets(EVP_PKEY *pk, uint8_t out[WEBPUSH_PUBLIC_KEY_LEN])
{
    size_t n = 0;
    if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, out, WEBPUSH_PUBLIC_KEY_LEN, &n) != 1 ||
        n != WEBPUSH_PUBLIC_KEY_LEN || out[0] != 0x04)
        return -1;
    return 0;
}

static int is_p256(EVP_PKEY *pk)
{
    char name[64];
    if (!EVP_PKEY_is_a(pk, "EC"))
        return 0;
    if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, NULL) != 1)
        return 0;
    return !strcmp(name, "prime256v1") || !strcmp(name, "P-256") || !strcmp(name, "secp256r1");
}

/* base64url with or without padding: the browsers' keys come unpadded, but some libraries pad. */
static int b64url_decode_exact(const char *in, uint8_t *out, size_t want)
{
    if (!in)
        return -1;
    size_t len = strlen(in);
    while (len && in[len - 1] == '=')
        len--;
    uint8_t tmp[128];
    if (len == 0 || len > 170)
        return -1;
    int n = jwt_b64url_decode(in, len, tmp, sizeof tmp);
    if (n != (int)want)
        return -1;
    memcpy(out, tmp, want);
    return 0;
}

int webpush_decode_keys(const char *p256dh, const char *auth, uint8_t ua_public[WEBPUSH_PUBLIC_KEY_LEN],
                        uint8_t auth_out[WEBPUSH_AUTH_LEN])
{
    if (b64url_decode_exact(p256dh, ua_public, WEBPUSH_PUBLIC_KEY_LEN) || ua_public[0] != 0x04)
        return -1;
    return b64url_decode_exact(auth, auth_out, WEBPUSH_AUTH_LEN);
}

/* ---- RFC 8291 ---- */

static int hmac256(const uint8_t *key, size_t keylen, const uint8_t *data, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    return HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &n) && n == 32 ? 0 : -1;
}

/* HKDF-Expand for one block (L <= 32): HMAC(PRK, info || 0x01). */
static int hkdf_expand1(const uint8_t prk[32], const uint8_t *info, size_t infolen, uint8_t *out, size_t outlen)
{
    uint8_t in[256], t[32];
    if (infolen + 1 > sizeof in || outlen > 32)
        return -1;
    memcpy(in, info, infolen);
    in[infolen] = 0x01;
    if (hmac256(prk, 32, in, infolen + 1, t))
        return -1;
    memcpy(out, t, outlen);
    OPENSSL_cleanse(t, sizeof t);
    return 0;
}

static int ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t secret[32])
{
    size_t n = 32;
    EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(priv, NULL);
    int ok = dc && EVP_PKEY_derive_init(dc) > 0 && EVP_PKEY_derive_set_peer(dc, peer) > 0 &&
             EVP_PKEY_derive(dc, secret, &n) > 0 && n == 32;
    EVP_PKEY_CTX_free(dc);
    return ok ? 0 : -1;
}

static int aes128gcm(const uint8_t key[16], const uint8_t nonce[12], const uint8_t *in, size_t len, uint8_t *out,
                     uint8_t tag[16])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;
    int ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
             EVP_EncryptInit_ex(c, NULL, NULL, key, nonce) == 1 && EVP_EncryptUpdate(c, out, &n, in, (int)len) == 1 &&
             EVP_EncryptFinal_ex(c, out + n, &fin) == 1 && (size_t)(n + fin) == len &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

int webpush_encrypt(const uint8_t *plaintext, size_t len, const uint8_t ua_public[WEBPUSH_PUBLIC_KEY_LEN],
                    const uint8_t auth[WEBPUSH_AUTH_LEN], const uint8_t *as_private, const uint8_t *salt_in, buf_t *out,
                    char *err, size_t errlen)
{
    int rc = -1;
    EVP_PKEY *peer = NULL, *as = NULL;
    uint8_t as_pub[WEBPUSH_PUBLIC_KEY_LEN], salt[WEBPUSH_SALT_LEN], secret[32], prk_key[32], ikm[32], prk[32];
    uint8_t cek[16], nonce[12], tag[16];
    uint8_t *rec = NULL;
    if (len > WEBPUSH_MAX_PLAINTEXT) {
        set_err(err, errlen, "push payload too large");
        return -1;
    }
    if (!(peer = public_from_octets(ua_public))) {
        set_err(err, errlen, "the subscription's p256dh is not a P-256 public key");
        goto out;
    }
    if (as_private) {
        as = private_from_scalar(as_private, as_pub);
    } else {
        as = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        if (as && public_octets(as, as_pub)) {
            EVP_PKEY_free(as);
            as = NULL;
        }
    }
    if (!as) {
        set_err(err, errlen, "cannot make the sender's key");
        goto out;
    }
    if (salt_in)
        memcpy(salt, salt_in, sizeof salt);
    else if (RAND_bytes(salt, sizeof salt) != 1) {
        set_err(err, errlen, "no randomness for the salt");
        goto out;
    }
    if (ecdh(as, peer, secret)) {
        set_err(err, errlen, "ECDH failed");
        goto out;
    }
    /* PRK_key = HMAC(auth_secret, ecdh_secret); IKM = HKDF-Expand(PRK_key, key_info, 32) */
    uint8_t key_info[14 + 2 * WEBPUSH_PUBLIC_KEY_LEN];
    memcpy(key_info, "WebPush: info", 14); /* with its NUL */
    memcpy(key_info + 14, ua_public, WEBPUSH_PUBLIC_KEY_LEN);
    memcpy(key_info + 14 + WEBPUSH_PUBLIC_KEY_LEN, as_pub, WEBPUSH_PUBLIC_KEY_LEN);
    static const char cek_info[] = "Content-Encoding: aes128gcm"; /* sizeof includes the NUL */
    static const char nonce_info[] = "Content-Encoding: nonce";
    if (hmac256(auth, WEBPUSH_AUTH_LEN, secret, 32, prk_key) || hkdf_expand1(prk_key, key_info, sizeof key_info, ikm, 32) ||
        hmac256(salt, sizeof salt, ikm, 32, prk) ||
        hkdf_expand1(prk, (const uint8_t *)cek_info, sizeof cek_info, cek, sizeof cek) ||
        hkdf_expand1(prk, (const uint8_t *)nonce_info, sizeof nonce_info, nonce, sizeof nonce)) {
        set_err(err, errlen, "key derivation failed");
        goto out;
    }
    /* one record: plaintext || 0x02 (the last record's delimiter, no padding) */
    rec = malloc(len + 1);
    uint8_t *ct = malloc(len + 1);
    if (!rec || !ct) {
        free(ct);
        set_err(err, errlen, "out of memory");
        goto out;
    }
    if (len)
        memcpy(rec, plaintext, len);
    rec[len] = 0x02;
    if (aes128gcm(cek, nonce, rec, len + 1, ct, tag)) {
        free(ct);
        set_err(err, errlen, "AES-128-GCM failed");
        goto out;
    }
    uint8_t header[WEBPUSH_HEADER_LEN];
    memcpy(header, salt, WEBPUSH_SALT_LEN);
    header[16] = (WEBPUSH_RECORD_SIZE >> 24) & 0xff;
    header[17] = (WEBPUSH_RECORD_SIZE >> 16) & 0xff;
    header[18] = (WEBPUSH_RECORD_SIZE >> 8) & 0xff;
    header[19] = WEBPUSH_RECORD_SIZE & 0xff;
    header[20] = WEBPUSH_PUBLIC_KEY_LEN;
    memcpy(header + 21, as_pub, WEBPUSH_PUBLIC_KEY_LEN);
    buf_append(out, header, sizeof header);
    buf_append(out, ct, len + 1);
    buf_append(out, tag, sizeof tag);
    free(ct);
    if (out->overflow) {
        set_err(err, errlen, "push body buffer too small");
        goto out;
    }
    rc = 0;
out:
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(prk_key, sizeof prk_key);
    OPENSSL_cleanse(ikm, sizeof ikm);
    OPENSSL_cleanse(prk, sizeof prk);
    OPENSSL_cleanse(cek, sizeof cek);
    if (rec) {
        OPENSSL_cleanse(rec, len + 1);
        free(rec);
    }
    EVP_PKEY_free(peer);
    EVP_PKEY_free(as);
    return rc;
}

/* ---- VAPID ---- */

static webpush_vapid_t *vapid_wrap(EVP_PKEY *pk, const char *subject, char *err, size_t errlen)
{
    webpush_vapid_t *v = calloc(1, sizeof *v);
    if (!v) {
        EVP_PKEY_free(pk);
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    v->key = pk;
    if (public_octets(pk, v->pub) ||
        jwt_b64url_encode(v->pub, WEBPUSH_PUBLIC_KEY_LEN, v->pub_b64, sizeof v->pub_b64) < 0) {
        webpush_vapid_free(v);
        set_err(err, errlen, "the VAPID key has no usable public key");
        return NULL;
    }
    snprintf(v->subject, sizeof v->subject, "%s", subject && subject[0] ? subject : "mailto:webpush@localhost");
    return v;
}

webpush_vapid_t *webpush_vapid_from_text(const char *text, const char *subject, char *err, size_t errlen)
{
    if (!text || !text[0]) {
        set_err(err, errlen, "empty VAPID key");
        return NULL;
    }
    EVP_PKEY *pk = NULL;
    if (strstr(text, "-----BEGIN")) {
        BIO *bio = BIO_new_mem_buf(text, -1);
        pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        if (!pk || !is_p256(pk)) {
            EVP_PKEY_free(pk);
            set_err(err, errlen, "the VAPID key must be an EC P-256 private key (PEM)");
            return NULL;
        }
    } else {
        uint8_t d[32], pub[WEBPUSH_PUBLIC_KEY_LEN];
        char trimmed[128];
        snprintf(trimmed, sizeof trimmed, "%s", text);
        trimmed[strcspn(trimmed, " \r\n\t")] = '\0';
        if (b64url_decode_exact(trimmed, d, sizeof d) || !(pk = private_from_scalar(d, pub))) {
            OPENSSL_cleanse(d, sizeof d);
            set_err(err, errlen, "the VAPID key must be PEM or the base64url 32-byte private key");
            return NULL;
        }
        OPENSSL_cleanse(d, sizeof d);
    }
    return vapid_wrap(pk, subject, err, errlen);
}

void webpush_vapid_free(webpush_vapid_t *v)
{
    if (!v)
        return;
    EVP_PKEY_free(v->key);
    free(v);
}

const char *webpush_vapid_public_b64(const webpush_vapid_t *v)
{
    return v->pub_b64;
}

int webpush_vapid_jwt(const webpush_vapid_t *v, const char *audience, long long exp, char *out, size_t outlen)
{
    buf_t claims;
    buf_init(&claims, 2048);
    buf_puts(&claims, "{\"aud\":");
    buf_json_cstr(&claims, audience);
    buf_printf(&claims, ",\"exp\":%lld,\"sub\":", exp);
    buf_json_cstr(&claims, v->subject);
    buf_puts(&claims, "}");
    static const char header[] = "{\"typ\":\"JWT\",\"alg\":\"ES256\"}";
    char input[2048];
    int rc = -1;
    int h = jwt_b64url_encode((const unsigned char *)header, sizeof header - 1, input, sizeof input);
    if (claims.overflow || h < 0)
        goto out;
    input[h] = '.';
    int c = jwt_b64url_encode((const unsigned char *)claims.data, claims.len, input + h + 1, sizeof input - (size_t)h - 1);
    if (c < 0)
        goto out;
    size_t inlen = (size_t)h + 1 + (size_t)c;

    uint8_t der[80], raw[64];
    size_t derlen = sizeof der;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int signed_ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, v->key) == 1 &&
                    EVP_DigestSign(md, der, &derlen, (const unsigned char *)input, inlen) == 1;
    EVP_MD_CTX_free(md);
    if (!signed_ok)
        goto out;
    /* JWS wants r || s (32 bytes each), OpenSSL gives DER */
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    if (!sig)
        goto out;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    int ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    if (!ok)
        goto out;
    char sigb64[100];
    if (jwt_b64url_encode(raw, sizeof raw, sigb64, sizeof sigb64) < 0)
        goto out;
    if ((size_t)snprintf(out, outlen, "%.*s.%s", (int)inlen, input, sigb64) >= outlen)
        goto out;
    rc = 0;
out:
    buf_free(&claims);
    return rc;
}

/* ---- the process-wide key ---- */

static pthread_mutex_t VAPID_LOCK = PTHREAD_MUTEX_INITIALIZER;
static webpush_vapid_t *VAPID;

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err)
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = calloc(1, 16385);
    size_t n = text ? fread(text, 1, 16384, f) : 0;
    fclose(f);
    if (!text || n == 0) {
        free(text);
        if (err)
            snprintf(err, errlen, "%s is empty", path);
        return NULL;
    }
    return text;
}

/* Development only: a key generated once and kept in var/ (every process of the checkout,
 * serve and worker alike, then shares it). Written to a temporary file and linked into place,
 * so two processes starting together never read a half-written key. */
static char *dev_key(char *err, size_t errlen)
{
    const char *path = getenv("CHATLINGS_VAPID_DEV_FILE");
    if (!path || !path[0])
        path = DEV_KEY_FILE;
    if (access(path, R_OK) == 0)
        return read_file(path, err, errlen);
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    if (pk && bio && PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) == 1) {
        char *data;
        long n = BIO_get_mem_data(bio, &data);
        pem = calloc(1, (size_t)n + 1);
        if (pem)
            memcpy(pem, data, (size_t)n);
    }
    BIO_free(bio);
    EVP_PKEY_free(pk);
    if (!pem) {
        set_err(err, errlen, "cannot generate a development VAPID key");
        return NULL;
    }
    char dir[1024], tmp[1100];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        mkdir(dir, 0700);
    }
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        size_t len = strlen(pem);
        int ok = write(fd, pem, len) == (ssize_t)len;
        close(fd);
        if (ok && link(tmp, path) == 0)
            log_info("webpush", "generated a development VAPID key in %s", path);
        unlink(tmp);
    }
    if (access(path, R_OK) == 0) {
        /* whoever linked first wins: use the file, not necessarily our key */
        free(pem);
        return read_file(path, err, errlen);
    }
    log_warn("webpush", "could not save the development VAPID key to %s; it lasts until exit", path);
    return pem;
}

const webpush_vapid_t *webpush_vapid_get(const config_t *cfg, char *err, size_t errlen)
{
    pthread_mutex_lock(&VAPID_LOCK);
    if (VAPID) {
        pthread_mutex_unlock(&VAPID_LOCK);
        return VAPID;
    }
    char *text = NULL;
    const char *env = getenv("CHATLINGS_VAPID_PRIVATE_KEY");
    const char *file = getenv("CHATLINGS_VAPID_PRIVATE_KEY_FILE");
    if (env && env[0])
        text = strdup(env);
    else if (file && file[0])
        text = read_file(file, err, errlen);
    else if (!cfg->production)
        text = dev_key(err, errlen);
    else
        set_err(err, errlen, "CHATLINGS_VAPID_PRIVATE_KEY (or _FILE) is required in production");
    if (text) {
        char subject[512];
        const char *s = getenv("CHATLINGS_VAPID_SUBJECT");
        if (s && s[0])
            snprintf(subject, sizeof subject, "%s", s);
        else if (!strncmp(cfg->public_url, "https://", 8))
            snprintf(subject, sizeof subject, "%s", cfg->public_url);
        else
            snprintf(subject, sizeof subject, "mailto:webpush@localhost");
        VAPID = webpush_vapid_from_text(text, subject, err, errlen);
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    webpush_vapid_t *v = VAPID;
    pthread_mutex_unlock(&VAPID_LOCK);
    return v;
}

/* ---- endpoints ---- */

/* Splits "scheme://host[:port]/..." (lower-cases scheme and host). 0 or -1. */
static int split_url(const char *url, char *scheme, size_t sl, char *host, size_t hl, char *hostport, size_t hpl)
{
    const char *sep = strstr(url, "://");
    if (!sep || (size_t)(sep - url) >= sl)
        return -1;
    for (size_t i = 0; url + i < sep; i++)
        scheme[i] = (char)(url[i] >= 'A' && url[i] <= 'Z' ? url[i] + 32 : url[i]);
    scheme[sep - url] = '\0';
    const char *h = sep + 3;
    size_t n = strcspn(h, "/?#");
    if (n == 0 || n >= hpl || memchr(h, '@', n))
        return -1;
    for (size_t i = 0; i < n; i++)
        hostport[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
    hostport[n] = '\0';
    size_t hn = n;
    if (hostport[0] == '[') {
        const char *end = strchr(hostport, ']');
        if (!end)
            return -1;
        hn = (size_t)(end - hostport) + 1;
    } else {
        const char *colon = strchr(hostport, ':');
        if (colon)
            hn = (size_t)(colon - hostport);
    }
    if (hn == 0 || hn >= hl)
        return -1;
    memcpy(host, hostport, hn);
    host[hn] = '\0';
    return 0;
}

int webpush_origin(const char *endpoint, char *out, size_t outlen)
{
    char scheme[16], host[256], hostport[300];
    if (split_url(endpoint, scheme, sizeof scheme, host, sizeof host, hostport, sizeof hostport))
        return -1;
    return (size_t)snprintf(out, outlen, "%s://%s", scheme, hostport) < outlen ? 0 : -1;
}

static int host_is_ip_or_local(const char *host)
{
    if (host[0] == '[' || !strcmp(host, "localhost") || strstr(host, ".localhost"))
        return 1;
    for (const char *p = host; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return 0;
    return 1; /* digits and dots only: an IPv4 literal */
}

static int host_matches(const char *host, const char *list)
{
    size_t hlen = strlen(host);
    while (*list) {
        size_t n = strcspn(list, ",");
        while (n && *list == ' ') {
            list++;
            n--;
        }
        /* "push.apple.com" admits push.apple.com and *.push.apple.com, never evilpush.apple.com */
        if (n && hlen >= n && !strncasecmp(host + hlen - n, list, n) && (hlen == n || host[hlen - n - 1] == '.'))
            return 1;
        list += n;
        if (*list == ',')
            list++;
    }
    return 0;
}

int webpush_endpoint_allowed(const config_t *cfg, const char *endpoint, char *err, size_t errlen)
{
    char scheme[16], host[256], hostport[300];
    if (!endpoint || strlen(endpoint) > 2048 ||
        split_url(endpoint, scheme, sizeof scheme, host, sizeof host, hostport, sizeof hostport)) {
        set_err(err, errlen, "endpoint must be an absolute http(s) URL");
        return 0;
    }
    for (const char *p = endpoint; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
            set_err(err, errlen, "endpoint must not contain spaces or control characters");
            return 0;
        }
    if (!cfg->production) {
        if (!strcmp(scheme, "https") || !strcmp(scheme, "http"))
            return 1;
        set_err(err, errlen, "endpoint must be http(s)");
        return 0;
    }
    if (strcmp(scheme, "https")) {
        set_err(err, errlen, "endpoint must be https");
        return 0;
    }
    const char *hosts = getenv("CHATLINGS_PUSH_HOSTS");
    if (host_is_ip_or_local(host) || !host_matches(host, hosts && hosts[0] ? hosts : DEFAULT_PUSH_HOSTS)) {
        set_err(err, errlen, "endpoint is not a known push service");
        return 0;
    }
    return 1;
}

/* ---- delivery ---- */

webpush_result_t webpush_send(const webpush_vapid_t *v, const webpush_sub_t *sub, const char *payload, size_t len,
                              int ttl, long *status, char *err, size_t errlen)
{
    *status = 0;
    uint8_t ua[WEBPUSH_PUBLIC_KEY_LEN], auth[WEBPUSH_AUTH_LEN];
    if (webpush_decode_keys(sub->p256dh, sub->auth, ua, auth)) {
        set_err(err, errlen, "the subscription's keys are malformed");
        return WEBPUSH_GONE; /* it can never receive anything: drop it */
    }
    char audience[320], jwt[1024];
    if (webpush_origin(sub->endpoint, audience, sizeof audience) ||
        webpush_vapid_jwt(v, audience, (long long)time(NULL) + JWT_LIFETIME_S, jwt, sizeof jwt)) {
        set_err(err, errlen, "cannot sign the VAPID token for this endpoint");
        return WEBPUSH_REJECTED;
    }
    buf_t body;
    buf_init(&body, WEBPUSH_HEADER_LEN + WEBPUSH_MAX_PLAINTEXT + 64);
    if (webpush_encrypt((const uint8_t *)payload, len, ua, auth, NULL, NULL, &body, err, errlen)) {
        buf_free(&body);
        return WEBPUSH_REJECTED;
    }
    char h_auth[1400], h_ttl[32];
    snprintf(h_auth, sizeof h_auth, "Authorization: vapid t=%s, k=%s", jwt, v->pub_b64);
    snprintf(h_ttl, sizeof h_ttl, "TTL: %d", ttl < 0 ? 0 : ttl);
    const char *headers[] = {"Content-Type: application/octet-stream", "Content-Encoding: aes128gcm", h_ttl,
                             "Urgency: normal", h_auth, NULL};
    buf_t resp;
    buf_init(&resp, 64 * 1024);
    int rc = httpc_request("POST", sub->endpoint, headers, body.data, body.len, SEND_TIMEOUT_MS, status, &resp, err,
                           errlen);
    buf_free(&body);
    buf_free(&resp);
    if (rc)
        return WEBPUSH_RETRY;
    if (*status >= 200 && *status < 300)
        return WEBPUSH_SENT;
    if (*status == 404 || *status == 410) {
        set_err(err, errlen, "the subscription is gone");
        return WEBPUSH_GONE;
    }
    if (*status == 429 || *status >= 500) {
        snprintf(err, errlen, "push service answered %ld", *status);
        return WEBPUSH_RETRY;
    }
    snprintf(err, errlen, "push service refused the message (%ld)", *status);
    return WEBPUSH_REJECTED;
}
