/* auth_oidc: the two HTTP ends of OpenID Connect sign-in (Google by default).
 * GET /auth/login     -> 302 to the provider (flow secrets kept in Redis, 10 minutes)
 * GET /auth/callback  -> verifies everything, starts a session, 302 to "/" or "/signup" */
#ifndef CHATLINGS_AUTH_OIDC_H
#define CHATLINGS_AUTH_OIDC_H
#include "http/http.h"

#define AUTH_OIDC_COOKIE "__Host-chatlings-oidc"
#define AUTH_OIDC_FLOW_TTL_S 600

void api_auth_login(http_ctx_t *ctx);
void api_auth_callback(http_ctx_t *ctx);

#endif
