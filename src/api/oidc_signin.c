/* oidc_signin: see the header. The flow's secrets are "nonce:verifier" in Redis (api/oauth_flow.c);
 * every copy of them on the stack is wiped before returning. */
#include "api/oidc_signin.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/log.h"

oidc_t *oidc_origin_client(oidc_origin_t *o, const config_t *cfg)
{
    pthread_mutex_lock(&o->mu);
    if (!o->client && cfg->oidc_client_id[0]) {
        const char *base = o->admin ? cfg->admin_url : cfg->public_url;
        char redirect[600], err[256];
        size_t n = strlen(base);
        while (n > 0 && base[n - 1] == '/')
            n--;
        snprintf(redirect, sizeof redirect, "%.*s/auth/callback", (int)n, base);
        oidc_opts_t opts = {.issuer = cfg->oidc_issuer,
                            .client_id = cfg->oidc_client_id,
                            .client_secret = cfg->oidc_client_secret,
                            .redirect_uri = redirect,
                            .production = cfg->production};
        o->client = oidc_create(&opts, err, sizeof err);
        if (!o->client)
            log_error("oidc_config", "%s sign-in unavailable: %s", o->admin ? "admin" : "player", err);
    }
    oidc_t *c = o->client;
    pthread_mutex_unlock(&o->mu);
    return c;
}

static void unavailable(http_ctx_t *ctx, const char *message)
{
    http_res_error(ctx->res, 503, "unavailable", message);
    http_res_header(ctx->res, "retry-after", "2");
}

void oidc_origin_begin(http_ctx_t *ctx, oidc_origin_t *o)
{
    oidc_t *c = oidc_origin_client(o, ctx->app->cfg);
    if (!c) {
        http_res_error(ctx->res, 503, "unavailable", "sign-in is not configured");
        return;
    }
    oidc_flow_t flow;
    char url[2048], err[512];
    if (oidc_begin(c, &flow, url, sizeof url, err, sizeof err)) {
        log_warn("oidc_begin", "request %s: %s", ctx->req->request_id, err);
        unavailable(ctx, "the sign-in provider is unreachable, try again shortly");
        return;
    }
    char secrets[2 * OIDC_RANDOM_LEN + 2];
    snprintf(secrets, sizeof secrets, "%s:%s", flow.nonce, flow.verifier);
    int rc = oauth_flow_save(ctx, &o->flow, flow.state, secrets);
    sodium_memzero(&flow, sizeof flow);
    sodium_memzero(secrets, sizeof secrets);
    if (rc)
        return;
    oauth_flow_redirect(ctx, url);
}

/* The stored "nonce:verifier" back into flow; OAUTH_FLOW_UNKNOWN when it is not in that shape. */
static oauth_flow_rc_t take_flow(http_ctx_t *ctx, oidc_origin_t *o, oidc_flow_t *flow)
{
    char secrets[2 * OIDC_RANDOM_LEN + 2];
    oauth_flow_rc_t got = oauth_flow_take(ctx, &o->flow, flow->state, secrets, sizeof secrets);
    if (got == OAUTH_FLOW_OK) {
        if (strlen(secrets) != 2 * OIDC_RANDOM_LEN + 1 || secrets[OIDC_RANDOM_LEN] != ':') {
            got = OAUTH_FLOW_UNKNOWN; /* not a flow this code stored */
        } else {
            memcpy(flow->nonce, secrets, OIDC_RANDOM_LEN);
            memcpy(flow->verifier, secrets + OIDC_RANDOM_LEN + 1, OIDC_RANDOM_LEN);
        }
    }
    sodium_memzero(secrets, sizeof secrets);
    return got;
}

/* The flow's checks up to the identity: 0 with it, -1 with a 503 set, else the refusal with
 * why for the log. */
static int check_callback(http_ctx_t *ctx, oidc_origin_t *o, oidc_identity_t *id, char *why, size_t whylen)
{
    const config_t *cfg = ctx->app->cfg;
    char code[4096] = "", perr[64] = "";
    oidc_flow_t flow;
    memset(&flow, 0, sizeof flow);
    int rc = OIDC_SIGNIN_FAILED;
    oauth_flow_rc_t got = take_flow(ctx, o, &flow);
    if (got == OAUTH_FLOW_UNAVAILABLE) {
        rc = -1;
        goto out;
    }
    if (http_req_query(ctx->req, "error", perr, sizeof perr) != 0) {
        /* the flow (if any) is consumed all the same */
        snprintf(why, whylen, "provider returned error %s", perr[0] ? perr : "(unreadable)");
        rc = OIDC_SIGNIN_CANCELLED;
        goto out;
    }
    if (got != OAUTH_FLOW_OK) {
        rc = got == OAUTH_FLOW_NO_STATE ? OIDC_SIGNIN_NO_STATE
             : got == OAUTH_FLOW_UNKNOWN ? OIDC_SIGNIN_EXPIRED
                                         : OIDC_SIGNIN_OTHER_BROWSER;
        snprintf(why, whylen, "%s",
                 got == OAUTH_FLOW_NO_STATE ? "missing or malformed state"
                 : got == OAUTH_FLOW_UNKNOWN ? "unknown, expired or replayed state"
                                             : "browser binding cookie missing or different");
        goto out;
    }
    /* RFC 9207: a provider that names itself in the response must be the one we sent the
     * player to (defeats mix-up attacks when several providers are configured later) */
    char iss[sizeof cfg->oidc_issuer];
    int has_iss = http_req_query(ctx->req, "iss", iss, sizeof iss);
    if (has_iss < 0 || (has_iss == 1 && strcmp(iss, cfg->oidc_issuer))) {
        snprintf(why, whylen, "iss response parameter names another issuer");
        goto out;
    }
    if (http_req_query(ctx->req, "code", code, sizeof code) != 1 || !code[0]) {
        snprintf(why, whylen, "missing code");
        goto out;
    }
    oidc_t *c = oidc_origin_client(o, cfg);
    if (!c) {
        http_res_error(ctx->res, 503, "unavailable", "sign-in is not configured");
        rc = -1;
        goto out;
    }
    rc = oidc_finish(c, code, &flow, id, why, whylen) ? OIDC_SIGNIN_FAILED : 0;
out:
    sodium_memzero(&flow, sizeof flow);
    sodium_memzero(code, sizeof code);
    return rc;
}

int oidc_origin_finish(http_ctx_t *ctx, oidc_origin_t *o, oidc_identity_t *id)
{
    char why[512] = "";
    int rc = check_callback(ctx, o, id, why, sizeof why);
    if (rc > 0)
        o->refuse(ctx, (oidc_refusal_t)rc, why);
    return rc ? -1 : 0;
}
