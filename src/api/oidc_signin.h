/* oidc_signin: the OpenID Connect steps the players' app (api/auth_oidc.c) and the admin portal
 * (api/admin_auth.c) share. Each origin has its own client (redirect URI under its own URL),
 * its own flow keys and binding cookie; both redirect the same way and check a callback the
 * same way, up to a verified identity. What an origin does with the identity (sign-up, the
 * admin check) and how it words a refusal stay with the caller. */
#ifndef CHATLINGS_OIDC_SIGNIN_H
#define CHATLINGS_OIDC_SIGNIN_H
#include <pthread.h>
#include <stddef.h>

#include "api/oauth_flow.h"
#include "core/config.h"
#include "http/http.h"
#include "integrations/oidc.h"

typedef enum {
    OIDC_SIGNIN_CANCELLED = 1,  /* ?error=: the player declined or the provider refused */
    OIDC_SIGNIN_NO_STATE,       /* ?state= missing or malformed */
    OIDC_SIGNIN_EXPIRED,        /* unknown, expired or replayed state */
    OIDC_SIGNIN_OTHER_BROWSER,  /* the binding cookie is missing or another browser's */
    OIDC_SIGNIN_FAILED,         /* another issuer, no code, or an id_token that does not verify */
} oidc_refusal_t;

/* How an origin answers a refused callback; why is for the log, never for the player. */
typedef void (*oidc_refuse_fn)(http_ctx_t *ctx, oidc_refusal_t refusal, const char *why);

typedef struct oidc_origin {
    oauth_flow_kind_t flow;
    int admin;             /* redirect URI under CHATLINGS_ADMIN_URL, else CHATLINGS_PUBLIC_URL */
    oidc_refuse_fn refuse;
    pthread_mutex_t mu;
    oidc_t *client;        /* created on first use, lives until exit */
} oidc_origin_t;

#define OIDC_ORIGIN_INIT(key_prefix, cookie, ttl_s, admin, refuse)                                  \
    { {key_prefix, cookie, ttl_s}, admin, refuse, PTHREAD_MUTEX_INITIALIZER, NULL }

/* The origin's client, or NULL (logged) when the configuration cannot make one. */
oidc_t *oidc_origin_client(oidc_origin_t *o, const config_t *cfg);

/* GET /auth/login: stores the flow's secrets and answers 302 to the provider (or a 503). */
void oidc_origin_begin(http_ctx_t *ctx, oidc_origin_t *o);

/* GET /auth/callback up to the identity: consumes the flow (once, whatever the outcome), then
 * checks the provider's answer and verifies the id_token. 0 with the identity, or -1 with the
 * response set: a 503 (Redis unavailable, sign-in not configured) or the origin's refusal. */
int oidc_origin_finish(http_ctx_t *ctx, oidc_origin_t *o, oidc_identity_t *id);

#endif
