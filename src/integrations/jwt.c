/* jwt: RS256 id_token verification. The RSA public key is rebuilt from the JWK's n and e with
 * OpenSSL 3's EVP_PKEY_fromdata, and the signature checked with EVP_DigestVerify (SHA-256,
 * PKCS#1 v1.5). Every check fails closed: a missing claim is a failed claim. */
#include "integrations/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAIL(...) (snprintf(err, errlen, __VA_ARGS__), JWT_ERR)

int jwt_b64url_encode(const unsigned char *in, size_t len, char *out, size_t outlen)
{
    size_t need = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (outlen < need)
        return -1;
    sodium_bin2base64(out, outlen, in, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return (int)strlen(out);
}

int jwt_b64url_decode(const char *in, size_t len, unsigned char *out, size_t outlen)
{
    /* the alphabet is checked here: libsodium 1.0.18's constant-time character mapping lets
     * some bytes >= 0x80 through as digits (found by fuzz_jwt) */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return -1;
    }
    size_t n = 0;
    /* libsodium refuses impossible lengths and non-zero trailing bits, so each value has
     * exactly one encoding (no padding either: '=' failed the check above) */
    if (sodium_base642bin(out, outlen, in, len, NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
        return -1;
    return (int)n;
}

/* Decodes one segment into a fresh heap buffer (NUL-terminated for convenience). */
static unsigned char *decode_segment(const char *s, size_t len, size_t *out_len)
{
    size_t cap = len * 3 / 4 + 2;
    unsigned char *p = malloc(cap);
    if (!p)
        return NULL;
    int n = jwt_b64url_decode(s, len, p, cap - 1);
    if (n < 0) {
        free(p);
        return NULL;
    }
    p[n] = '\0';
    *out_len = (size_t)n;
    return p;
}

static json_t *decode_json_segment(const char *s, size_t len)
{
    size_t n;
    unsigned char *raw = decode_segment(s, len, &n);
    if (!raw)
        return NULL;
    json_t *j = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

void jwt_free(jwt_t *jwt)
{
    if (!jwt)
        return;
    json_decref(jwt->header);
    json_decref(jwt->claims);
    free(jwt->signing_input);
    free(jwt->sig);
    memset(jwt, 0, sizeof *jwt);
}

int jwt_parse(const char *token, size_t len, jwt_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!token || len == 0)
        return FAIL("empty token");
    if (len > JWT_MAX_TOKEN)
        return FAIL("token longer than %d bytes", JWT_MAX_TOKEN);
    const char *d1 = memchr(token, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (!d1 || !d2)
        return FAIL("token does not have three segments");
    const char *end = token + len;
    if (memchr(d2 + 1, '.', (size_t)(end - d2 - 1)))
        return FAIL("token has more than three segments (JWE is not accepted)");
    if (d1 == token || d2 == d1 + 1 || d2 + 1 == end)
        return FAIL("token has an empty segment");

    out->header = decode_json_segment(token, (size_t)(d1 - token));
    if (!out->header) {
        jwt_free(out);
        return FAIL("token header is not base64url JSON object");
    }
    out->claims = decode_json_segment(d1 + 1, (size_t)(d2 - d1 - 1));
    if (!out->claims) {
        jwt_free(out);
        return FAIL("token payload is not a base64url JSON object");
    }
    out->sig = decode_segment(d2 + 1, (size_t)(end - d2 - 1), &out->sig_len);
    if (!out->sig || out->sig_len == 0) {
        jwt_free(out);
        return FAIL("token signature is not base64url");
    }
    out->signing_input_len = (size_t)(d2 - token);
    out->signing_input = malloc(out->signing_input_len + 1);
    if (!out->signing_input) {
        jwt_free(out);
        return FAIL("out of memory");
    }
    memcpy(out->signing_input, token, out->signing_input_len);
    out->signing_input[out->signing_input_len] = '\0';
    return 0;
}

/* A BIGNUM from a base64url JWK member, or NULL. */
static BIGNUM *jwk_bn(const json_t *jwk, const char *name)
{
    const char *s = json_string_value(json_object_get(jwk, name));
    if (!s)
        return NULL;
    size_t n;
    unsigned char *raw = decode_segment(s, strlen(s), &n);
    if (!raw)
        return NULL;
    BIGNUM *bn = n ? BN_bin2bn(raw, (int)n, NULL) : NULL;
    free(raw);
    return bn;
}

/* The RSA public key of a JWK, or NULL (with err) when it is not a usable RS256 key. */
static EVP_PKEY *jwk_to_pkey(const json_t *jwk, char *err, size_t errlen)
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    BIGNUM *n = jwk_bn(jwk, "n"), *e = jwk_bn(jwk, "e");
    if (!n || !e) {
        snprintf(err, errlen, "JWK has no valid n/e");
        goto out;
    }
    if (BN_num_bits(n) < JWT_MIN_RSA_BITS || BN_num_bits(n) > 16384 || !BN_is_odd(e) || BN_is_one(e) ||
        BN_num_bits(e) > 64) {
        snprintf(err, errlen, "JWK RSA parameters out of range (%d-bit modulus)", BN_num_bits(n));
        goto out;
    }
    bld = OSSL_PARAM_BLD_new();
    if (!bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) || !(params = OSSL_PARAM_BLD_to_param(bld))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        snprintf(err, errlen, "cannot build an RSA key from the JWK");
        pkey = NULL;
    }
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    ERR_clear_error(); /* see verify_with */
    return pkey;
}

/* 1 when the JWK may verify RS256 signatures at all. */
static int jwk_usable(const json_t *jwk)
{
    if (!json_is_object(jwk))
        return 0;
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    if (!kty || strcmp(kty, "RSA"))
        return 0;
    const json_t *use = json_object_get(jwk, "use");
    if (use && (!json_is_string(use) || strcmp(json_string_value(use), "sig")))
        return 0;
    const json_t *alg = json_object_get(jwk, "alg");
    if (alg && (!json_is_string(alg) || strcmp(json_string_value(alg), "RS256")))
        return 0;
    return 1;
}

/* 1 valid, 0 invalid, -1 key unusable (err set). */
static int verify_with(const jwt_t *jwt, const json_t *jwk, char *err, size_t errlen)
{
    EVP_PKEY *pkey = jwk_to_pkey(jwk, err, errlen);
    if (!pkey)
        return -1;
    int ok = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
        (size_t)EVP_PKEY_get_size(pkey) == jwt->sig_len)
        ok = EVP_DigestVerify(md, jwt->sig, jwt->sig_len, (const unsigned char *)jwt->signing_input,
                              jwt->signing_input_len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    /* a failed verification leaves entries on this thread's OpenSSL error queue, which would
     * confuse the next SSL_get_error() of the Redis TLS transport on the same thread */
    ERR_clear_error();
    return ok;
}

int jwt_verify_rs256(const jwt_t *jwt, const json_t *jwks, char *err, size_t errlen)
{
    const char *alg = json_string_value(json_object_get(jwt->header, "alg"));
    if (!alg)
        return FAIL("token header has no alg");
    if (strcmp(alg, "RS256"))
        return FAIL("token alg %.16s is not accepted (RS256 only)", alg);
    if (json_object_get(jwt->header, "crit"))
        return FAIL("token has critical header parameters we do not understand");
    const json_t *kid_j = json_object_get(jwt->header, "kid");
    if (kid_j && !json_is_string(kid_j))
        return FAIL("token kid is not a string");
    const char *kid = json_string_value(kid_j);

    const json_t *keys = json_object_get(jwks, "keys");
    if (!json_is_array(keys))
        return FAIL("JWKS has no keys array");
    size_t i;
    const json_t *jwk;
    int candidates = 0;
    char kerr[128] = "";
    json_array_foreach(keys, i, jwk) {
        if (kid) {
            const char *k = json_string_value(json_object_get(jwk, "kid"));
            if (!k || strcmp(k, kid))
                continue;
        }
        if (!jwk_usable(jwk))
            continue;
        candidates++;
        int v = verify_with(jwt, jwk, kerr, sizeof kerr);
        if (v == 1)
            return JWT_OK;
    }
    if (candidates == 0) {
        if (kid) {
            snprintf(err, errlen, "no RS256 key with kid %.64s in the JWKS", kid);
            return JWT_ERR_UNKNOWN_KID;
        }
        return FAIL("no RS256 key in the JWKS");
    }
    if (kerr[0])
        return FAIL("signature not verified: %s", kerr);
    return FAIL("bad token signature");
}

static int claim_time(const json_t *claims, const char *name, long long *out)
{
    const json_t *v = json_object_get(claims, name);
    if (!v || !json_is_number(v))
        return -1;
    double d = json_number_value(v);
    if (!(d > -1e15 && d < 1e15)) /* NaN/inf cannot come from JSON, but huge values can */
        return -1;
    *out = (long long)d;
    return 0;
}

static int str_eq(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

int jwt_check_claims(const json_t *claims, const jwt_expect_t *x, char *err, size_t errlen)
{
    long long now = x->now ? x->now : (long long)time(NULL);

    const char *iss = json_string_value(json_object_get(claims, "iss"));
    if (!iss || !(str_eq(iss, x->issuer) || (x->issuer_alt && str_eq(iss, x->issuer_alt))))
        return FAIL("iss does not match the issuer");

    const json_t *aud = json_object_get(claims, "aud");
    if (json_is_string(aud)) {
        if (!str_eq(json_string_value(aud), x->client_id))
            return FAIL("aud is not our client id");
    } else if (json_is_array(aud)) {
        size_t i, n = json_array_size(aud);
        int found = 0;
        const json_t *a;
        json_array_foreach(aud, i, a) {
            if (!json_is_string(a))
                return FAIL("aud holds a non-string");
            if (str_eq(json_string_value(a), x->client_id))
                found = 1;
        }
        if (!found)
            return FAIL("aud does not contain our client id");
        /* several audiences: azp names the party the token was issued to, and that must be us */
        if (n > 1 && !json_object_get(claims, "azp"))
            return FAIL("aud has several entries but no azp");
    } else {
        return FAIL("aud missing");
    }
    const json_t *azp = json_object_get(claims, "azp");
    if (azp && !str_eq(json_string_value(azp), x->client_id))
        return FAIL("azp is not our client id");

    long long exp, iat, nbf;
    if (claim_time(claims, "exp", &exp))
        return FAIL("exp missing");
    if (now >= exp + JWT_LEEWAY_S)
        return FAIL("token expired");
    if (claim_time(claims, "iat", &iat))
        return FAIL("iat missing");
    if (iat > now + JWT_LEEWAY_S)
        return FAIL("iat is in the future");
    if (json_object_get(claims, "nbf")) {
        if (claim_time(claims, "nbf", &nbf))
            return FAIL("nbf is not a number");
        if (nbf > now + JWT_LEEWAY_S)
            return FAIL("token not valid yet (nbf)");
    }

    if (x->nonce) {
        const char *nonce = json_string_value(json_object_get(claims, "nonce"));
        size_t a = nonce ? strlen(nonce) : 0, b = strlen(x->nonce);
        if (!nonce || a != b || sodium_memcmp(nonce, x->nonce, b))
            return FAIL("nonce does not match");
    }

    const char *sub = json_string_value(json_object_get(claims, "sub"));
    if (!sub || !sub[0] || strlen(sub) > 255)
        return FAIL("sub missing or too long");
    return 0;
}

int jwt_verify_id_token(const char *token, size_t len, const json_t *jwks, const jwt_expect_t *expect,
                        json_t **claims_out, char *err, size_t errlen)
{
    *claims_out = NULL;
    jwt_t jwt;
    if (jwt_parse(token, len, &jwt, err, errlen))
        return JWT_ERR;
    int rc = jwt_verify_rs256(&jwt, jwks, err, errlen);
    if (rc == JWT_OK)
        rc = jwt_check_claims(jwt.claims, expect, err, errlen) ? JWT_ERR : JWT_OK;
    if (rc == JWT_OK)
        *claims_out = json_incref(jwt.claims);
    jwt_free(&jwt);
    return rc;
}
