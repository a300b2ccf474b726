/* jwt: id_token verification against a JWKS built in the test from a freshly generated RSA
 * key. Every way a token can be wrong must be refused; only the one right token passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "integrations/jwt.h"

#define ISS "https://issuer.example"
#define CID "client-123"
#define NONCE "n-0S6_WzA2Mj"

static EVP_PKEY *g_key, *g_other_key, *g_small_key;
static json_t *g_jwks;     /* g_key as kid "k1", g_small_key as kid "small" */
static char g_n_b64[1024]; /* g_key's modulus, base64url: the "secret" an HS256 confusion attack would use */

static void b64(const unsigned char *in, size_t len, char *out, size_t outlen)
{
    assert_true(jwt_b64url_encode(in, len, out, outlen) >= 0);
}

static json_t *jwk_of(EVP_PKEY *k, const char *kid, char *n_out, size_t n_outlen)
{
    BIGNUM *n = NULL, *e = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    unsigned char nb[1024], eb[16];
    int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
    char ns[1400], es[32];
    b64(nb, (size_t)nl, ns, sizeof ns);
    b64(eb, (size_t)el, es, sizeof es);
    if (n_out) {
        size_t len = strlen(ns);
        assert_true(len < n_outlen);
        memcpy(n_out, ns, len + 1);
    }
    BN_free(n);
    BN_free(e);
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "kid", kid, "use", "sig", "n", ns, "e", es);
}

static int setup(void **state)
{
    g_key = EVP_RSA_gen(2048);
    g_other_key = EVP_RSA_gen(2048);
    g_small_key = EVP_RSA_gen(1024);
    assert_non_null(g_key);
    json_t *keys = json_array();
    json_array_append_new(keys, jwk_of(g_key, "k1", g_n_b64, sizeof g_n_b64));
    json_array_append_new(keys, jwk_of(g_small_key, "small", NULL, 0));
    json_t *enc = jwk_of(g_other_key, "enc1", NULL, 0);
    json_object_set_new(enc, "use", json_string("enc")); /* an encryption key never verifies */
    json_array_append_new(keys, enc);
    g_jwks = json_pack("{s:o}", "keys", keys);
    return 0;
}

static int teardown(void **state)
{
    EVP_PKEY_free(g_key);
    EVP_PKEY_free(g_other_key);
    EVP_PKEY_free(g_small_key);
    json_decref(g_jwks);
    return 0;
}

/* header.payload.signature, signed with key (RS256), or with HMAC-SHA256 over hmac_secret,
 * or unsigned (alg none) when both are NULL. Returns a malloc'd token. */
static char *make_token(json_t *header, json_t *claims, EVP_PKEY *key, const char *hmac_secret)
{
    char *h = json_dumps(header, JSON_COMPACT), *c = json_dumps(claims, JSON_COMPACT);
    size_t cap = 8192;
    char *tok = malloc(cap);
    char hs[2048], cs[4096];
    b64((unsigned char *)h, strlen(h), hs, sizeof hs);
    b64((unsigned char *)c, strlen(c), cs, sizeof cs);
    snprintf(tok, cap, "%s.%s", hs, cs);
    unsigned char sig[1024];
    size_t siglen = 0;
    if (key) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
        siglen = sizeof sig;
        assert_int_equal(EVP_DigestSign(md, sig, &siglen, (unsigned char *)tok, strlen(tok)), 1);
        EVP_MD_CTX_free(md);
    } else if (hmac_secret) {
        unsigned int l = 0;
        HMAC(EVP_sha256(), hmac_secret, (int)strlen(hmac_secret), (unsigned char *)tok, strlen(tok), sig, &l);
        siglen = l;
    }
    char ss[1400] = "";
    if (siglen)
        b64(sig, siglen, ss, sizeof ss);
    strcat(tok, ".");
    strcat(tok, ss);
    free(h);
    free(c);
    json_decref(header);
    json_decref(claims);
    return tok;
}

static json_t *good_claims(void)
{
    long long now = (long long)time(NULL);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:b}", "iss", ISS, "aud", CID, "sub", "1234567890",
                     "exp", (json_int_t)(now + 300), "iat", (json_int_t)now, "nonce", NONCE, "email", "a@example.com",
                     "email_verified", 1);
}

static json_t *hdr(const char *alg, const char *kid)
{
    json_t *h = json_pack("{s:s, s:s}", "alg", alg, "typ", "JWT");
    if (kid)
        json_object_set_new(h, "kid", json_string(kid));
    return h;
}

static const jwt_expect_t EXPECT = {.issuer = ISS, .client_id = CID, .nonce = NONCE};

/* Verifies tok (and frees it); returns the jwt_verify_id_token result. */
static int verify(char *tok)
{
    json_t *claims = NULL;
    char err[256] = "";
    int rc = jwt_verify_id_token(tok, strlen(tok), g_jwks, &EXPECT, &claims, err, sizeof err);
    if (rc == JWT_OK) {
        assert_non_null(claims);
        assert_string_equal(json_string_value(json_object_get(claims, "sub")), "1234567890");
        json_decref(claims);
    } else {
        assert_null(claims);
        assert_true(err[0] != '\0'); /* every refusal says why */
        if (getenv("JWT_TEST_VERBOSE"))
            fprintf(stderr, "    refused: %s\n", err);
    }
    free(tok);
    return rc;
}

static json_t *claims_with(const char *key, json_t *value)
{
    json_t *c = good_claims();
    if (value)
        json_object_set_new(c, key, value);
    else
        json_object_del(c, key);
    return c;
}

static void test_valid_token(void **state)
{
    char *tok = make_token(hdr("RS256", "k1"), good_claims(), g_key, NULL);
    json_t *claims = NULL;
    char err[256] = "";
    assert_int_equal(jwt_verify_id_token(tok, strlen(tok), g_jwks, &EXPECT, &claims, err, sizeof err), JWT_OK);
    assert_string_equal(json_string_value(json_object_get(claims, "email")), "a@example.com");
    assert_true(json_is_true(json_object_get(claims, "email_verified")));
    json_decref(claims);
    free(tok);
    /* no kid: any usable RS256 key in the set may verify it */
    assert_int_equal(verify(make_token(hdr("RS256", NULL), good_claims(), g_key, NULL)), JWT_OK);
}

static void test_bad_signature(void **state)
{
    char *tok = make_token(hdr("RS256", "k1"), good_claims(), g_key, NULL);
    char *sig = strrchr(tok, '.') + 1;
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    assert_int_equal(verify(tok), JWT_ERR);
    /* signed by another key that claims our kid */
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), good_claims(), g_other_key, NULL)), JWT_ERR);
    /* a valid signature moved onto another payload */
    char *a = make_token(hdr("RS256", "k1"), good_claims(), g_key, NULL);
    char *b = make_token(hdr("RS256", "k1"), claims_with("sub", json_string("attacker")), g_other_key, NULL);
    char *mixed = malloc(strlen(a) + strlen(b) + 1);
    size_t head = (size_t)(strrchr(b, '.') - b);
    memcpy(mixed, b, head);
    strcpy(mixed + head, strrchr(a, '.'));
    assert_int_equal(verify(mixed), JWT_ERR);
    free(a);
    free(b);
    /* truncated signature */
    tok = make_token(hdr("RS256", "k1"), good_claims(), g_key, NULL);
    tok[strlen(tok) - 4] = '\0'; /* three bytes short: still base64url, wrong length */
    assert_int_equal(verify(tok), JWT_ERR);
}

static void test_wrong_kid(void **state)
{
    assert_int_equal(verify(make_token(hdr("RS256", "k2"), good_claims(), g_key, NULL)), JWT_ERR_UNKNOWN_KID);
    /* a key marked for encryption is not a signing key */
    assert_int_equal(verify(make_token(hdr("RS256", "enc1"), good_claims(), g_other_key, NULL)), JWT_ERR_UNKNOWN_KID);
    /* a kid that is not a string */
    json_t *h = hdr("RS256", NULL);
    json_object_set_new(h, "kid", json_integer(1));
    assert_int_equal(verify(make_token(h, good_claims(), g_key, NULL)), JWT_ERR);
}

static void test_small_key_refused(void **state)
{
    assert_int_equal(verify(make_token(hdr("RS256", "small"), good_claims(), g_small_key, NULL)), JWT_ERR);
}

static void test_alg_none(void **state)
{
    assert_int_equal(verify(make_token(hdr("none", "k1"), good_claims(), NULL, NULL)), JWT_ERR);
    /* alg none with a signature segment present */
    char *tok = make_token(hdr("none", "k1"), good_claims(), NULL, NULL);
    char *t2 = malloc(strlen(tok) + 8);
    sprintf(t2, "%sAAAA", tok);
    free(tok);
    assert_int_equal(verify(t2), JWT_ERR);
    assert_int_equal(verify(make_token(hdr("None", "k1"), good_claims(), g_key, NULL)), JWT_ERR);
    json_t *h = json_pack("{s:s}", "kid", "k1"); /* no alg at all */
    assert_int_equal(verify(make_token(h, good_claims(), g_key, NULL)), JWT_ERR);
}

static void test_alg_hs256(void **state)
{
    /* the classic confusion: HMAC keyed with the public key's bytes */
    assert_int_equal(verify(make_token(hdr("HS256", "k1"), good_claims(), NULL, g_n_b64)), JWT_ERR);
    assert_int_equal(verify(make_token(hdr("HS512", "k1"), good_claims(), NULL, g_n_b64)), JWT_ERR);
    assert_int_equal(verify(make_token(hdr("RS512", "k1"), good_claims(), g_key, NULL)), JWT_ERR);
    assert_int_equal(verify(make_token(hdr("PS256", "k1"), good_claims(), g_key, NULL)), JWT_ERR);
}

static void test_crit_header(void **state)
{
    json_t *h = hdr("RS256", "k1");
    json_object_set_new(h, "crit", json_pack("[s]", "exp"));
    assert_int_equal(verify(make_token(h, good_claims(), g_key, NULL)), JWT_ERR);
}

static void test_wrong_iss(void **state)
{
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("iss", json_string("https://evil.example")),
                                       g_key, NULL)),
                     JWT_ERR);
    assert_int_equal(
        verify(make_token(hdr("RS256", "k1"), claims_with("iss", json_string(ISS "/")), g_key, NULL)), JWT_ERR);
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("iss", NULL), g_key, NULL)), JWT_ERR);
    /* the alternative spelling is accepted only when the caller names it */
    char *tok = make_token(hdr("RS256", "k1"), claims_with("iss", json_string("issuer.example")), g_key, NULL);
    jwt_expect_t x = EXPECT;
    x.issuer_alt = "issuer.example";
    json_t *claims = NULL;
    char err[256];
    assert_int_equal(jwt_verify_id_token(tok, strlen(tok), g_jwks, &x, &claims, err, sizeof err), JWT_OK);
    json_decref(claims);
    assert_int_equal(verify(tok), JWT_ERR); /* frees tok */
}

static void test_wrong_aud(void **state)
{
    assert_int_equal(
        verify(make_token(hdr("RS256", "k1"), claims_with("aud", json_string("other-client")), g_key, NULL)), JWT_ERR);
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("aud", NULL), g_key, NULL)), JWT_ERR);
    assert_int_equal(
        verify(make_token(hdr("RS256", "k1"), claims_with("aud", json_pack("[s]", "other")), g_key, NULL)), JWT_ERR);
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("aud", json_integer(5)), g_key, NULL)), JWT_ERR);
    /* an array with us alone is fine */
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("aud", json_pack("[s]", CID)), g_key, NULL)),
                     JWT_OK);
    /* several audiences: azp must be present and be us */
    assert_int_equal(
        verify(make_token(hdr("RS256", "k1"), claims_with("aud", json_pack("[s,s]", CID, "other")), g_key, NULL)),
        JWT_ERR);
    json_t *c = claims_with("aud", json_pack("[s,s]", "other", CID));
    json_object_set_new(c, "azp", json_string(CID));
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), c, g_key, NULL)), JWT_OK);
    c = claims_with("aud", json_pack("[s,s]", "other", CID));
    json_object_set_new(c, "azp", json_string("other"));
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), c, g_key, NULL)), JWT_ERR);
    /* azp naming someone else is refused even with a single audience */
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("azp", json_string("other")), g_key, NULL)),
                     JWT_ERR);
}

static void test_expired(void **state)
{
    json_int_t now = (json_int_t)time(NULL);
    assert_int_equal(
        verify(make_token(hdr("RS256", "k1"), claims_with("exp", json_integer(now - 61)), g_key, NULL)), JWT_ERR);
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("exp", json_integer(now - 3600)), g_key, NULL)),
                     JWT_ERR);
    /* within the 60 s leeway */
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("exp", json_integer(now - 30)), g_key, NULL)),
                     JWT_OK);
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("exp", NULL), g_key, NULL)), JWT_ERR);
    assert_int_equal(
        verify(make_token(hdr("RS256", "k1"), claims_with("exp", json_string("9999999999")), g_key, NULL)), JWT_ERR);
    /* not valid yet */
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("nbf", json_integer(now + 600)), g_key, NULL)),
                     JWT_ERR);
}

static void test_iat_in_future(void **state)
{
    json_int_t now = (json_int_t)time(NULL);
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("iat", json_integer(now + 120)), g_key, NULL)),
                     JWT_ERR);
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("iat", json_integer(now + 30)), g_key, NULL)),
                     JWT_OK);
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("iat", NULL), g_key, NULL)), JWT_ERR);
}

static void test_wrong_nonce(void **state)
{
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("nonce", json_string("other")), g_key, NULL)),
                     JWT_ERR);
    assert_int_equal(
        verify(make_token(hdr("RS256", "k1"), claims_with("nonce", json_string(NONCE "x")), g_key, NULL)), JWT_ERR);
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("nonce", NULL), g_key, NULL)), JWT_ERR);
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("nonce", json_integer(1)), g_key, NULL)),
                     JWT_ERR);
}

static void test_missing_sub(void **state)
{
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("sub", NULL), g_key, NULL)), JWT_ERR);
    assert_int_equal(verify(make_token(hdr("RS256", "k1"), claims_with("sub", json_string("")), g_key, NULL)), JWT_ERR);
}

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        "", ".", "..", "a", "a.b", "a.b.c.d", "eyJhbGciOiJSUzI1NiJ9..c2ln", ".e30.c2ln", "eyJhbGciOiJSUzI1NiJ9.e30.",
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln=", /* padding is not base64url-in-JWS */
        "eyJhbGciOiJSUzI1NiJ9.e30.c2l+",  /* '+' is plain base64 */
        "e30=.e30.c2ln", "bm90IGpzb24.e30.c2ln", /* header "not json" */
        "eyJhbGciOiJSUzI1NiJ9.WzFd.c2ln",        /* payload is an array */
        "eyJhbGciOiJSUzI1NiJ9.bnVsbA.c2ln",      /* payload null */
        "eyJhbGciOiJSUzI1NiIsImFsZyI6Im5vbmUifQ.e30.c2ln", /* duplicate alg */
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln.", "A.B.C",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *claims = NULL;
        char err[256];
        assert_int_not_equal(jwt_verify_id_token(bad[i], strlen(bad[i]), g_jwks, &EXPECT, &claims, err, sizeof err),
                             JWT_OK);
        assert_null(claims);
    }
    /* oversized */
    size_t n = JWT_MAX_TOKEN + 10;
    char *big = malloc(n + 1);
    memset(big, 'A', n);
    big[100] = '.';
    big[200] = '.';
    big[n] = '\0';
    json_t *claims = NULL;
    char err[256];
    assert_int_equal(jwt_verify_id_token(big, n, g_jwks, &EXPECT, &claims, err, sizeof err), JWT_ERR);
    free(big);
    /* a JWKS that is not a JWKS */
    char *tok = make_token(hdr("RS256", "k1"), good_claims(), g_key, NULL);
    json_t *notjwks = json_object();
    assert_int_equal(jwt_verify_id_token(tok, strlen(tok), notjwks, &EXPECT, &claims, err, sizeof err), JWT_ERR);
    json_decref(notjwks);
    free(tok);
}

static void test_duplicate_claims(void **state)
{
    /* {"sub":"a","sub":"b"} signed properly: parsers disagree on duplicates, so we refuse them */
    const char *h = "{\"alg\":\"RS256\",\"kid\":\"k1\"}";
    char body[512];
    long long now = (long long)time(NULL);
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "\",\"aud\":\"" CID "\",\"sub\":\"a\",\"sub\":\"b\",\"exp\":%lld,\"iat\":%lld,"
             "\"nonce\":\"" NONCE "\"}",
             now + 300, now);
    char hs[256], cs[1024], tok[4096];
    b64((const unsigned char *)h, strlen(h), hs, sizeof hs);
    b64((const unsigned char *)body, strlen(body), cs, sizeof cs);
    snprintf(tok, sizeof tok, "%s.%s", hs, cs);
    unsigned char sig[512];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, g_key);
    EVP_DigestSign(md, sig, &siglen, (unsigned char *)tok, strlen(tok));
    EVP_MD_CTX_free(md);
    char ss[800];
    b64(sig, siglen, ss, sizeof ss);
    strcat(tok, ".");
    strcat(tok, ss);
    json_t *claims = NULL;
    char err[256];
    assert_int_equal(jwt_verify_id_token(tok, strlen(tok), g_jwks, &EXPECT, &claims, err, sizeof err), JWT_ERR);
}

static void test_b64url(void **state)
{
    unsigned char raw[256], back[256];
    for (int i = 0; i < 256; i++)
        raw[i] = (unsigned char)i;
    for (size_t len = 0; len < 40; len++) {
        char enc[400];
        int n = jwt_b64url_encode(raw + 200, len, enc, sizeof enc);
        assert_int_equal(n, (int)((len * 4 + 2) / 3));
        assert_null(strchr(enc, '='));
        assert_null(strchr(enc, '+'));
        assert_null(strchr(enc, '/'));
        assert_int_equal(jwt_b64url_decode(enc, (size_t)n, back, sizeof back), (int)len);
        assert_memory_equal(back, raw + 200, len);
    }
    char small[4];
    assert_int_equal(jwt_b64url_encode(raw, 10, small, sizeof small), -1);
    assert_int_equal(jwt_b64url_decode("AB", 2, back, 0), -1);
    assert_int_equal(jwt_b64url_decode("A", 1, back, sizeof back), -1);   /* impossible length */
    assert_int_equal(jwt_b64url_decode("AB==", 4, back, sizeof back), -1); /* padding */
    assert_int_equal(jwt_b64url_decode("A/", 2, back, sizeof back), -1);
    assert_int_equal(jwt_b64url_decode("AB", 2, back, sizeof back), -1);   /* non-zero trailing bits */
    assert_int_equal(jwt_b64url_decode("AQ", 2, back, sizeof back), 1);
    assert_int_equal(jwt_b64url_decode("A\xff", 2, back, sizeof back), -1); /* libsodium alone takes it */
    assert_int_equal(jwt_b64url_decode("AA\x80" "A", 4, back, sizeof back), -1);
    assert_int_equal(jwt_b64url_decode("_-8", 3, back, sizeof back), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_token),   cmocka_unit_test(test_bad_signature),
        cmocka_unit_test(test_wrong_kid),     cmocka_unit_test(test_small_key_refused),
        cmocka_unit_test(test_alg_none),      cmocka_unit_test(test_alg_hs256),
        cmocka_unit_test(test_crit_header),   cmocka_unit_test(test_wrong_iss),
        cmocka_unit_test(test_wrong_aud),     cmocka_unit_test(test_expired),
        cmocka_unit_test(test_iat_in_future), cmocka_unit_test(test_wrong_nonce),
        cmocka_unit_test(test_missing_sub),   cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_duplicate_claims), cmocka_unit_test(test_b64url),
    };
    return cmocka_run_group_tests_name("jwt", tests, setup, teardown);
}
