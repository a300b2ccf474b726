/* oauth: the OAuth 2.0 client pieces shared by OpenID Connect sign-in (oidc.c) and the YouTube
 * connection (youtube.c): random values for state / nonce / PKCE, the S256 code challenge,
 * form and query encoding, and the token-endpoint request with client authentication.
 * Thread-safe; no state. */
#ifndef CHATLINGS_OAUTH_H
#define CHATLINGS_OAUTH_H
#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"

#define OAUTH_RANDOM_LEN 43          /* base64url of 32 random bytes */
#define OAUTH_TOKEN_MAX (64u << 10)  /* largest token-endpoint response we read */

/* 32 random bytes as base64url (state, nonce, PKCE code_verifier). 0 or -1. */
int oauth_random(char out[OAUTH_RANDOM_LEN + 1]);

/* PKCE S256 (RFC 7636 4.2): base64url(SHA-256(verifier)). */
void oauth_pkce_challenge(const char *verifier, char out[OAUTH_RANDOM_LEN + 1]);

/* 1 when s is exactly OAUTH_RANDOM_LEN base64url characters (what oauth_random hands out). */
int oauth_valid_random(const char *s);

/* Appends s percent-encoded (everything but ALPHA DIGIT "-._~" as %XX) to b. */
void oauth_url_append(buf_t *b, const char *s);

/* How the client proves itself at the token endpoint (RFC 6749 2.3.1). */
typedef enum { OAUTH_AUTH_BASIC, OAUTH_AUTH_POST } oauth_auth_t;

/* POSTs form (application/x-www-form-urlencoded, without client credentials) to url, adding
 * client_id/client_secret as HTTP Basic or as form fields. On a response, returns 0 with
 * *status set and *out the parsed JSON body (NULL when it is not JSON; caller json_decref()s).
 * -1 with err when no response came (network, timeout, oversized). Secrets that passed
 * through temporary buffers are wiped. */
int oauth_token_request(const char *url, const char *client_id, const char *client_secret, oauth_auth_t auth,
                        const char *form, size_t form_len, long timeout_ms, long *status, json_t **out, char *err,
                        size_t errlen);

#endif
