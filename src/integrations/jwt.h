/* jwt: compact JWS parsing and RS256 verification of OpenID Connect id_tokens against a
 * JWKS, plus the claim checks OIDC Core 3.1.3.7 asks of a client (iss, aud, azp, exp, iat,
 * nonce). Only RS256 is accepted: "none" and the HMAC algorithms are refused outright, so a
 * public key can never be misused as an HMAC secret. Pure functions, thread-safe. */
#ifndef CHATLINGS_JWT_H
#define CHATLINGS_JWT_H
#include <jansson.h>
#include <stddef.h>

#define JWT_MAX_TOKEN 16384        /* longer tokens are refused before any decoding */
#define JWT_LEEWAY_S 60            /* clock skew allowed on exp, iat and nbf */
#define JWT_MIN_RSA_BITS 2048

enum {
    JWT_OK = 0,
    JWT_ERR = -1,             /* malformed, bad signature, or a claim check failed */
    JWT_ERR_UNKNOWN_KID = -2, /* no key in the JWKS has the token's kid: refetch the JWKS once */
};

/* base64url without padding. encode returns the length written (NUL-terminated) or -1 when
 * out is too small; decode returns the byte count or -1 on bad input / small out. */
int jwt_b64url_encode(const unsigned char *in, size_t len, char *out, size_t outlen);
int jwt_b64url_decode(const char *in, size_t len, unsigned char *out, size_t outlen);

/* A parsed (not yet verified) compact JWS. Owner: the caller, freed with jwt_free. */
typedef struct jwt {
    json_t *header;            /* JSON object */
    json_t *claims;            /* JSON object */
    char *signing_input;       /* "header.payload" as received */
    size_t signing_input_len;
    unsigned char *sig;
    size_t sig_len;
} jwt_t;

/* Splits and decodes token (exactly three non-empty base64url segments, JSON objects without
 * duplicate keys). 0 or -1 with err. On failure *out holds nothing to free. */
int jwt_parse(const char *token, size_t len, jwt_t *out, char *err, size_t errlen);
void jwt_free(jwt_t *jwt);

/* Verifies the signature: header alg must be RS256 and no "crit" header may be present; the
 * key is the JWKS entry (kty RSA, use sig or absent, alg RS256 or absent) whose kid matches,
 * or any such entry when the token names no kid. JWT_OK, JWT_ERR or JWT_ERR_UNKNOWN_KID. */
int jwt_verify_rs256(const jwt_t *jwt, const json_t *jwks, char *err, size_t errlen);

typedef struct jwt_expect {
    const char *issuer;        /* iss must equal this exactly */
    const char *issuer_alt;    /* or this one (Google also issues "accounts.google.com"); may be NULL */
    const char *client_id;     /* aud must be or contain it; azp, when present, must equal it */
    const char *nonce;         /* nonce must equal it; NULL skips the check (never for id_tokens) */
    long long now;             /* unix seconds; 0 = the current time */
} jwt_expect_t;

/* Checks the claims of an already verified token. 0 or -1 with err. */
int jwt_check_claims(const json_t *claims, const jwt_expect_t *expect, char *err, size_t errlen);

/* All of the above: parse, verify, check. On JWT_OK *claims_out receives a new reference to
 * the claims object (the caller json_decref()s it); it includes at least a non-empty "sub". */
int jwt_verify_id_token(const char *token, size_t len, const json_t *jwks, const jwt_expect_t *expect,
                        json_t **claims_out, char *err, size_t errlen);

#endif
