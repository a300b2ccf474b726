/* oidc: OpenID Connect sign-in as a confidential client (authorization code flow with PKCE
 * S256, state and nonce). Discovery document and JWKS are fetched from the configured issuer
 * and cached in memory; the id_token from the token endpoint is verified with jwt.h.
 * Thread-safe: one oidc_t per process, shared by the handler threads.
 * Owner: whoever calls oidc_create (api/auth_oidc.c keeps one for the process's life). */
#ifndef CHATLINGS_OIDC_H
#define CHATLINGS_OIDC_H
#include <stddef.h>

#define OIDC_CACHE_TTL_S 3600        /* discovery and JWKS are refetched after an hour */
#define OIDC_RANDOM_LEN 43           /* base64url of 32 random bytes */
#define OIDC_GOOGLE_ISSUER "https://accounts.google.com"

typedef struct oidc oidc_t;

typedef struct oidc_opts {
    const char *issuer;          /* e.g. https://accounts.google.com (exact, as the provider names itself) */
    const char *client_id;
    const char *client_secret;
    const char *redirect_uri;    /* our callback, registered at the provider */
    int production;              /* refuses plain-http issuers and endpoints even on loopback */
    long timeout_ms;             /* per HTTP call to the provider; 0 = 5000 */
} oidc_opts_t;

/* Copies the options; no network traffic yet. NULL with err on bad options
 * (empty client id, issuer not https:// - or http:// on loopback outside production). */
oidc_t *oidc_create(const oidc_opts_t *opts, char *err, size_t errlen);
void oidc_destroy(oidc_t *o);

/* The secrets of one sign-in attempt; the caller keeps them server-side until the callback. */
typedef struct oidc_flow {
    char state[OIDC_RANDOM_LEN + 1];
    char nonce[OIDC_RANDOM_LEN + 1];
    char verifier[OIDC_RANDOM_LEN + 1];   /* PKCE code_verifier */
} oidc_flow_t;

/* Starts a sign-in: fresh state, nonce and code_verifier in *flow, and the provider's
 * authorization URL (code flow, scope "openid email profile", S256 challenge) in url.
 * 0, or -1 with err (discovery failed, url too small). */
int oidc_begin(oidc_t *o, oidc_flow_t *flow, char *url, size_t urllen, char *err, size_t errlen);

typedef struct oidc_identity {
    char subject[256];     /* sub: stable per provider */
    char email[256];       /* "" when absent */
    int email_verified;
    char provider[32];     /* "google" for Google, otherwise the issuer's host (truncated) */
} oidc_identity_t;

/* Ends a sign-in: exchanges code (with the flow's code_verifier) at the token endpoint and
 * verifies the id_token (RS256 against the JWKS, iss, aud, azp, exp, iat, nonce).
 * 0, or -1 with err (a reason for the log, not for the player). */
int oidc_finish(oidc_t *o, const char *code, const oidc_flow_t *flow, oidc_identity_t *out, char *err,
                size_t errlen);

/* The provider label for an issuer ("google", or its host). */
void oidc_provider_name(const char *issuer, char *out, size_t outlen);

/* application/x-www-form-urlencoded / RFC 3986 encoding of s (everything but ALPHA DIGIT
 * "-._~" as %XX) written to out. Returns 0, or -1 when out is too small. */
int oidc_url_encode(const char *s, char *out, size_t outlen);

#endif
