/* oauth_flow: the server side of a browser redirect flow (OIDC sign-in, connecting YouTube).
 * The flow's secrets never leave the server: Redis keeps them under {prefix}{state} for the
 * flow's lifetime together with a random browser binding that is also set as a short-lived
 * __Host- cookie, so a state lifted from one browser cannot be completed in another. The
 * callback takes the flow with GETDEL, so each state works once (even a failed attempt
 * consumes it). Redirect targets are fixed by the caller, never taken from the request. */
#ifndef CHATLINGS_OAUTH_FLOW_H
#define CHATLINGS_OAUTH_FLOW_H
#include <stddef.h>

#include "http/http.h"
#include "integrations/oauth.h"

typedef struct oauth_flow_kind {
    const char *key_prefix;  /* "oidc:flow:" */
    const char *cookie;      /* "__Host-chatlings-oidc" */
    int ttl_s;               /* how long the player has to come back */
} oauth_flow_kind_t;

/* Stores secrets (text without NUL; at most 512 bytes) for state and sets the binding cookie.
 * 0, or -1 with a 503 response set (Redis unavailable). */
int oauth_flow_save(http_ctx_t *ctx, const oauth_flow_kind_t *k, const char *state, const char *secrets);

typedef enum {
    OAUTH_FLOW_OK = 0,
    OAUTH_FLOW_NO_STATE,       /* ?state= missing or not one of ours in shape */
    OAUTH_FLOW_UNKNOWN,        /* unknown, expired or already used */
    OAUTH_FLOW_OTHER_BROWSER,  /* binding cookie missing or different */
    OAUTH_FLOW_UNAVAILABLE,    /* Redis down: a 503 response is set */
} oauth_flow_rc_t;

/* The callback's first step: drops the binding cookie (whatever happens next, this attempt is
 * over), takes the flow named by ?state= and checks the browser binding. On OAUTH_FLOW_OK the
 * stored secrets are in secrets (NUL-terminated) and state in state_out (OAUTH_RANDOM_LEN + 1). */
oauth_flow_rc_t oauth_flow_take(http_ctx_t *ctx, const oauth_flow_kind_t *k, char *state_out, char *secrets,
                                size_t secretslen);

/* 302 to a fixed location, empty body. */
void oauth_flow_redirect(http_ctx_t *ctx, const char *location);

#endif
