/* fuzz_jwt: arbitrary bytes as a compact JWS through the id_token verifier with a fixed JWKS
 * (one 2048-bit RSA key, kid "k1"). The signature can never verify, so the parsed claims also
 * go through the claim checks directly, and the payload bytes through the base64url decoder. */
#include <assert.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "integrations/jwt.h"

static const char JWKS[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"use\":\"sig\",\"alg\":\"RS256\",\"e\":\"AQAB\",\"n\":"
    "\"5JZOAKZGuQ-6jJDqy6-RTZfrxhuB9Gl1ee6i8lvxI1D_AWJ0D_CSqtO_ZVAjgz5mNR1HptHtH6H5E_YllekJYHW1WHgX76MRoPs5cPI-wbD7XDbAk"
    "54Qzq3xqatZJ1Y6DVPj8IXfyrx-l__Icwfq_Eqidxat0d1Y3W46Fu5voqxMXZaLNCIhMqRKQFak0UyfsmLU27-sC7vgz3lkoH4g5X_HIM0t0-TfGb2Z"
    "j_f6Lk2Si-8zpyudkDWzD3nbzi5EsDx1USx1n0ZqNiyvLpMMgqpZC8ZFuzFQuDBSsTXg-RO4D7aEFkFMOzRmuuWQ518Sre3_sDSunfkxWVOxM-lFjw\"},"
    "{\"kty\":\"RSA\",\"kid\":\"bad\",\"n\":\"AQAB\",\"e\":\"AQAB\"},{\"kty\":\"EC\",\"kid\":\"ec\"}]}";

static json_t *g_jwks;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_jwks) {
        g_jwks = json_loads(JWKS, 0, NULL);
        assert(g_jwks);
    }
    const char *tok = (const char *)data;
    char err[256];
    json_t *claims = NULL;
    jwt_expect_t x = {.issuer = "https://issuer.example", .client_id = "client", .nonce = "nonce", .now = 1700000000};
    int rc = jwt_verify_id_token(tok, size, g_jwks, &x, &claims, err, sizeof err);
    assert(rc != JWT_OK); /* nobody has the private key */
    assert(claims == NULL);

    jwt_t jwt;
    if (jwt_parse(tok, size, &jwt, err, sizeof err) == 0) {
        assert(json_is_object(jwt.header) && json_is_object(jwt.claims));
        assert(jwt.sig_len > 0 && jwt.signing_input_len < size);
        assert(jwt_verify_rs256(&jwt, g_jwks, err, sizeof err) != JWT_OK);
        (void)jwt_check_claims(jwt.claims, &x, err, sizeof err);
        jwt_free(&jwt);
    }

    unsigned char out[512];
    int n = jwt_b64url_decode(tok, size, out, sizeof out);
    if (n >= 0) {
        char back[1024];
        int m = jwt_b64url_encode(out, (size_t)n, back, sizeof back);
        /* canonical: what decodes re-encodes to the same text */
        assert(m == (int)size && memcmp(back, tok, size) == 0);
    }
    return 0;
}
