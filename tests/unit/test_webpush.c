/* test_webpush: RFC 8291 appendix A (the published example: fixed sender key and salt, so
 * the body must match byte for byte), the VAPID JWT (ES256, verified with the public key),
 * key loading (PEM and raw), and which endpoints the server may send to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "integrations/jwt.h"
#include "integrations/webpush.h"

/* RFC 8291, section 5 and appendix A */
#define RFC_PLAINTEXT "When I grow up, I want to be a watermelon"
#define RFC_AS_PRIVATE "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
#define RFC_AS_PUBLIC "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
#define RFC_UA_PUBLIC "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
#define RFC_AUTH "BTBZMqHH6r4Tts7J_aSIgg"
#define RFC_SALT "DGv6ra1nlYgDCS1FRnbzlw"
#define RFC_BODY                                                                                              \
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PB" \
    "ru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"

static size_t b64d(const char *in, uint8_t *out, size_t cap)
{
    int n = jwt_b64url_decode(in, strlen(in), out, cap);
    assert_true(n > 0);
    return (size_t)n;
}

static void test_rfc8291_vector(void **state)
{
    (void)state;
    uint8_t as_priv[32], ua[WEBPUSH_PUBLIC_KEY_LEN], auth[16], salt[16];
    assert_int_equal(b64d(RFC_AS_PRIVATE, as_priv, sizeof as_priv), 32);
    assert_int_equal(b64d(RFC_SALT, salt, sizeof salt), 16);
    assert_int_equal(webpush_decode_keys(RFC_UA_PUBLIC, RFC_AUTH, ua, auth), 0);
    buf_t out;
    buf_init(&out, 8192);
    char err[200] = "";
    assert_int_equal(webpush_encrypt((const uint8_t *)RFC_PLAINTEXT, strlen(RFC_PLAINTEXT), ua, auth, as_priv, salt, &out,
                                     err, sizeof err),
                     0);
    char got[512];
    assert_true(jwt_b64url_encode((const unsigned char *)out.data, out.len, got, sizeof got) > 0);
    assert_string_equal(got, RFC_BODY);
    /* the header names the sender's public key of the RFC */
    char as_pub[128];
    jwt_b64url_encode((const unsigned char *)out.data + 21, WEBPUSH_PUBLIC_KEY_LEN, as_pub, sizeof as_pub);
    assert_string_equal(as_pub, RFC_AS_PUBLIC);
    buf_free(&out);
}

static void test_random_messages_differ(void **state)
{
    (void)state;
    uint8_t ua[WEBPUSH_PUBLIC_KEY_LEN], auth[16];
    assert_int_equal(webpush_decode_keys(RFC_UA_PUBLIC, RFC_AUTH, ua, auth), 0);
    buf_t a, b;
    buf_init(&a, 8192);
    buf_init(&b, 8192);
    char err[200];
    assert_int_equal(webpush_encrypt((const uint8_t *)"hi", 2, ua, auth, NULL, NULL, &a, err, sizeof err), 0);
    assert_int_equal(webpush_encrypt((const uint8_t *)"hi", 2, ua, auth, NULL, NULL, &b, err, sizeof err), 0);
    assert_int_equal(a.len, WEBPUSH_HEADER_LEN + 2 + 1 + 16);
    assert_int_equal(a.len, b.len);
    assert_memory_not_equal(a.data, b.data, 16);            /* fresh salt */
    assert_memory_not_equal(a.data + 21, b.data + 21, 65);  /* fresh sender key */
    buf_free(&a);
    buf_free(&b);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    uint8_t ua[WEBPUSH_PUBLIC_KEY_LEN], auth[16];
    assert_int_equal(webpush_decode_keys("short", RFC_AUTH, ua, auth), -1);
    assert_int_equal(webpush_decode_keys(RFC_UA_PUBLIC, "toolongtoolongtoolongtoolong", ua, auth), -1);
    assert_int_equal(webpush_decode_keys(RFC_UA_PUBLIC "==", RFC_AUTH "==", ua, auth), 0); /* padded is fine */
    /* a point that is not on the curve */
    uint8_t bad[WEBPUSH_PUBLIC_KEY_LEN];
    memset(bad, 0x11, sizeof bad);
    bad[0] = 0x04;
    buf_t out;
    buf_init(&out, 8192);
    char err[200] = "";
    assert_int_equal(webpush_encrypt((const uint8_t *)"x", 1, bad, auth, NULL, NULL, &out, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    /* too long for one record */
    static uint8_t big[WEBPUSH_MAX_PLAINTEXT + 1];
    assert_int_equal(webpush_decode_keys(RFC_UA_PUBLIC, RFC_AUTH, ua, auth), 0);
    assert_int_equal(webpush_encrypt(big, sizeof big, ua, auth, NULL, NULL, &out, err, sizeof err), -1);
    assert_int_equal(webpush_encrypt(big, WEBPUSH_MAX_PLAINTEXT, ua, auth, NULL, NULL, &out, err, sizeof err), 0);
    assert_true(out.len <= 4096);
    buf_free(&out);
}

/* Verifies an ES256 JWS with the raw public key (r || s converted back to DER). */
static int verify_es256(const char *token, const uint8_t pub[65])
{
    const char *dot2 = strrchr(token, '.');
    uint8_t raw[64];
    if (jwt_b64url_decode(dot2 + 1, strlen(dot2 + 1), raw, sizeof raw) != 64)
        return -1;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32, NULL));
    unsigned char *der = NULL;
    int derlen = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0),
                           OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, 65),
                           OSSL_PARAM_construct_end()};
    EVP_PKEY_fromdata_init(pc);
    EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(pc);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) == 1 &&
             EVP_DigestVerify(md, der, (size_t)derlen, (const unsigned char *)token, (size_t)(dot2 - token)) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    OPENSSL_free(der);
    return ok ? 0 : -1;
}

static void test_vapid_raw_key_and_jwt(void **state)
{
    (void)state;
    char err[200] = "";
    webpush_vapid_t *v = webpush_vapid_from_text(RFC_AS_PRIVATE, "mailto:ops@example.test", err, sizeof err);
    assert_non_null(v);
    assert_string_equal(webpush_vapid_public_b64(v), RFC_AS_PUBLIC);
    char jwt[1024];
    assert_int_equal(webpush_vapid_jwt(v, "https://push.example.net", 1900000000LL, jwt, sizeof jwt), 0);
    uint8_t pub[65];
    b64d(RFC_AS_PUBLIC, pub, sizeof pub);
    assert_int_equal(verify_es256(jwt, pub), 0);
    /* tampering breaks it */
    jwt[5] = jwt[5] == 'A' ? 'B' : 'A';
    assert_int_equal(verify_es256(jwt, pub), -1);
    jwt[5] = jwt[5] == 'A' ? 'B' : 'A';
    /* header and claims */
    const char *dot = strchr(jwt, '.');
    char claims[512] = "";
    int n = jwt_b64url_decode(dot + 1, (size_t)(strrchr(jwt, '.') - dot - 1), (unsigned char *)claims, sizeof claims - 1);
    assert_true(n > 0);
    claims[n] = '\0';
    json_t *c = json_loads(claims, 0, NULL);
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "aud")), "https://push.example.net");
    assert_string_equal(json_string_value(json_object_get(c, "sub")), "mailto:ops@example.test");
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), 1900000000LL);
    json_decref(c);
    char header[128] = "";
    n = jwt_b64url_decode(jwt, (size_t)(dot - jwt), (unsigned char *)header, sizeof header - 1);
    header[n] = '\0';
    assert_non_null(strstr(header, "\"alg\":\"ES256\""));
    webpush_vapid_free(v);
}

static void test_vapid_pem_and_refusals(void **state)
{
    (void)state;
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL);
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    char *pem = strndup(data, (size_t)len);
    BIO_free(bio);
    EVP_PKEY_free(pk);
    char err[200];
    webpush_vapid_t *v = webpush_vapid_from_text(pem, NULL, err, sizeof err);
    assert_non_null(v);
    assert_int_equal(strlen(webpush_vapid_public_b64(v)), 87);
    webpush_vapid_free(v);
    free(pem);
    /* an RSA key, garbage, a wrong-length raw key, zero */
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, rsa, NULL, NULL, 0, NULL, NULL);
    len = BIO_get_mem_data(bio, &data);
    pem = strndup(data, (size_t)len);
    BIO_free(bio);
    EVP_PKEY_free(rsa);
    assert_null(webpush_vapid_from_text(pem, NULL, err, sizeof err));
    free(pem);
    assert_null(webpush_vapid_from_text("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n", NULL, err, sizeof err));
    assert_null(webpush_vapid_from_text("AAAA", NULL, err, sizeof err));
    assert_null(webpush_vapid_from_text("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, err, sizeof err));
    assert_null(webpush_vapid_from_text("", NULL, err, sizeof err));
}

static void test_endpoints(void **state)
{
    (void)state;
    config_t dev = {0}, prod = {0};
    prod.production = 1;
    char err[200], o[300];
    assert_int_equal(webpush_origin("https://FCM.googleapis.com/fcm/send/abc", o, sizeof o), 0);
    assert_string_equal(o, "https://fcm.googleapis.com");
    assert_int_equal(webpush_origin("http://127.0.0.1:9999/push/x", o, sizeof o), 0);
    assert_string_equal(o, "http://127.0.0.1:9999");
    assert_int_equal(webpush_origin("nonsense", o, sizeof o), -1);

    assert_int_equal(webpush_endpoint_allowed(&dev, "http://127.0.0.1:9999/push/x", err, sizeof err), 1);
    assert_int_equal(webpush_endpoint_allowed(&dev, "ftp://127.0.0.1/x", err, sizeof err), 0);
    assert_int_equal(webpush_endpoint_allowed(&dev, "http://user@127.0.0.1/x", err, sizeof err), 0);
    assert_int_equal(webpush_endpoint_allowed(&dev, "http://127.0.0.1/a b", err, sizeof err), 0);
    unsetenv("CHATLINGS_PUSH_HOSTS");
    assert_int_equal(webpush_endpoint_allowed(&prod, "https://fcm.googleapis.com/fcm/send/abc", err, sizeof err), 1);
    assert_int_equal(webpush_endpoint_allowed(&prod, "https://updates.push.services.mozilla.com/wpush/v2/x", err, sizeof err), 1);
    assert_int_equal(webpush_endpoint_allowed(&prod, "https://wns2-par02p.notify.windows.com/w/?token=x", err, sizeof err), 1);
    assert_int_equal(webpush_endpoint_allowed(&prod, "https://web.push.apple.com/QGuQ", err, sizeof err), 1);
    assert_int_equal(webpush_endpoint_allowed(&prod, "http://fcm.googleapis.com/fcm/send/abc", err, sizeof err), 0);
    assert_int_equal(webpush_endpoint_allowed(&prod, "https://evilpush.apple.com/x", err, sizeof err), 0);
    assert_int_equal(webpush_endpoint_allowed(&prod, "https://fcm.googleapis.com.evil.test/x", err, sizeof err), 0);
    assert_int_equal(webpush_endpoint_allowed(&prod, "https://127.0.0.1/x", err, sizeof err), 0);
    assert_int_equal(webpush_endpoint_allowed(&prod, "https://localhost/x", err, sizeof err), 0);
    assert_int_equal(webpush_endpoint_allowed(&prod, "https://169.254.169.254/latest", err, sizeof err), 0);
    setenv("CHATLINGS_PUSH_HOSTS", "push.example.test", 1);
    assert_int_equal(webpush_endpoint_allowed(&prod, "https://a.push.example.test/x", err, sizeof err), 1);
    assert_int_equal(webpush_endpoint_allowed(&prod, "https://fcm.googleapis.com/x", err, sizeof err), 0);
    unsetenv("CHATLINGS_PUSH_HOSTS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8291_vector),
        cmocka_unit_test(test_random_messages_differ),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_vapid_raw_key_and_jwt),
        cmocka_unit_test(test_vapid_pem_and_refusals),
        cmocka_unit_test(test_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
