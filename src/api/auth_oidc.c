/* auth_oidc: sign-in with an OpenID Connect provider. The flow's secrets (nonce, PKCE verifier)
 * never leave the server: api/oauth_flow.c keeps them in Redis under oidc:flow:{state} for ten
 * minutes, bound to the browser by a short-lived cookie, and the callback consumes them once.
 * Redirect targets are fixed paths, never taken from the request. */
#include "api/auth_oidc.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/oauth_flow.h"
#include "core/log.h"
#include "integrations/oidc.h"
#include "store/session.h"

#define GENERIC_FAIL "sign-in failed, please try again"

static const oauth_flow_kind_t FLOW = {"oidc:flow:", AUTH_OIDC_COOKIE, AUTH_OIDC_FLOW_TTL_S};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static oidc_t *g_oidc; /* one per process, created on first use, lives until exit */

/* The process's OIDC client, or NULL (logged) when the configuration cannot make one. */
static oidc_t *get_oidc(const config_t *cfg)
{
    pthread_mutex_lock(&g_mu);
    if (!g_oidc) {
        char redirect[600], err[256];
        size_t n = strlen(cfg->public_url);
        while (n > 0 && cfg->public_url[n - 1] == '/')
            n--;
        snprintf(redirect, sizeof redirect, "%.*s/auth/callback", (int)n, cfg->public_url);
        oidc_opts_t o = {.issuer = cfg->oidc_issuer,
                         .client_id = cfg->oidc_client_id,
                         .client_secret = cfg->oidc_client_secret,
                         .redirect_uri = redirect,
                         .production = cfg->production};
        g_oidc = oidc_create(&o, err, sizeof err);
        if (!g_oidc)
            log_error("oidc_config", "sign-in unavailable: %s", err);
    }
    oidc_t *o = g_oidc;
    pthread_mutex_unlock(&g_mu);
    return o;
}

void api_auth_login(http_ctx_t *ctx)
{
    const config_t *cfg = ctx->app->cfg;
    oidc_t *o = get_oidc(cfg);
    if (!o) {
        http_res_error(ctx->res, 503, "unavailable", "sign-in is not configured");
        return;
    }
    oidc_flow_t flow;
    char url[2048], err[512];
    if (oidc_begin(o, &flow, url, sizeof url, err, sizeof err)) {
        log_warn("oidc_begin", "request %s: %s", ctx->req->request_id, err);
        http_res_error(ctx->res, 503, "unavailable", "the sign-in provider is unreachable, try again shortly");
        return;
    }
    char secrets[2 * OIDC_RANDOM_LEN + 2];
    snprintf(secrets, sizeof secrets, "%s:%s", flow.nonce, flow.verifier);
    int rc = oauth_flow_save(ctx, &FLOW, flow.state, secrets);
    sodium_memzero(&flow, sizeof flow);
    sodium_memzero(secrets, sizeof secrets);
    if (rc)
        return;
    oauth_flow_redirect(ctx, url);
}

static const db_stmt_t STMT_USER_BY_GOOGLE_ID = {
    "auth_user_by_google_id",
    "SELECT id FROM users WHERE google_id = $1 AND deleted_at IS NULL AND suspended_at IS NULL", 1};

static void fail(http_ctx_t *ctx, const char *why, const char *message)
{
    log_warn("oidc_callback", "request %s: %s", ctx->req->request_id, why);
    http_res_error(ctx->res, 400, "bad_request", message);
}

void api_auth_callback(http_ctx_t *ctx)
{
    const config_t *cfg = ctx->app->cfg;
    char code[4096] = "", perr[64] = "", secrets[2 * OIDC_RANDOM_LEN + 2];
    oidc_flow_t flow;
    memset(&flow, 0, sizeof flow);
    oauth_flow_rc_t got = oauth_flow_take(ctx, &FLOW, flow.state, secrets, sizeof secrets);
    if (got == OAUTH_FLOW_UNAVAILABLE)
        return;
    if (got == OAUTH_FLOW_OK) {
        if (strlen(secrets) != 2 * OIDC_RANDOM_LEN + 1 || secrets[OIDC_RANDOM_LEN] != ':') {
            got = OAUTH_FLOW_UNKNOWN; /* not a flow this code stored */
        } else {
            memcpy(flow.nonce, secrets, OIDC_RANDOM_LEN);
            memcpy(flow.verifier, secrets + OIDC_RANDOM_LEN + 1, OIDC_RANDOM_LEN);
        }
        sodium_memzero(secrets, sizeof secrets);
    }
    if (http_req_query(ctx->req, "error", perr, sizeof perr) != 0) {
        /* the player declined or the provider refused; the flow (if any) is already consumed */
        char why[128];
        snprintf(why, sizeof why, "provider returned error %s", perr[0] ? perr : "(unreadable)");
        fail(ctx, why, "sign-in was cancelled or refused by the provider");
        goto out;
    }
    if (got == OAUTH_FLOW_NO_STATE) {
        fail(ctx, "missing or malformed state", "this sign-in link is invalid, please start again");
        goto out;
    }
    if (got == OAUTH_FLOW_UNKNOWN) {
        fail(ctx, "unknown, expired or replayed state", "this sign-in link has expired, please start again");
        goto out;
    }
    if (got == OAUTH_FLOW_OTHER_BROWSER) {
        fail(ctx, "browser binding cookie missing or different", "this sign-in was started in another browser");
        goto out;
    }
    /* RFC 9207: a provider that names itself in the response must be the one we sent the
     * player to (defeats mix-up attacks when several providers are configured later) */
    char iss[sizeof cfg->oidc_issuer];
    int has_iss = http_req_query(ctx->req, "iss", iss, sizeof iss);
    if (has_iss < 0 || (has_iss == 1 && strcmp(iss, cfg->oidc_issuer))) {
        fail(ctx, "iss response parameter names another issuer", GENERIC_FAIL);
        goto out;
    }
    if (http_req_query(ctx->req, "code", code, sizeof code) != 1 || !code[0]) {
        fail(ctx, "missing code", GENERIC_FAIL);
        goto out;
    }
    oidc_t *o = get_oidc(cfg);
    if (!o) {
        http_res_error(ctx->res, 503, "unavailable", "sign-in is not configured");
        goto out;
    }
    oidc_identity_t id;
    char err[512];
    if (oidc_finish(o, code, &flow, &id, err, sizeof err)) {
        fail(ctx, err, GENERIC_FAIL);
        goto out;
    }

    db_conn_t *db = api_db(ctx);
    if (!db)
        goto out;
    const char *params[] = {id.subject};
    PGresult *r = db_exec(db, &STMT_USER_BY_GOOGLE_ID, params);
    if (api_check(ctx, r))
        goto out;
    session_t s;
    memset(&s, 0, sizeof s);
    if (PQntuples(r) > 0) {
        s.kind = SESSION_USER;
        snprintf(s.user_id, sizeof s.user_id, "%s", PQgetvalue(r, 0, 0));
    } else {
        s.kind = SESSION_PENDING;
        snprintf(s.provider, sizeof s.provider, "%s", id.provider);
        snprintf(s.subject, sizeof s.subject, "%s", id.subject);
        /* an address the provider has not verified could claim someone else's mailbox */
        if (id.email_verified)
            snprintf(s.email, sizeof s.email, "%s", id.email);
    }
    PQclear(r);

    /* a session the browser already had (app_dispatch loaded it) ends here: a fresh sign-in
     * gets a fresh token, so a token planted before sign-in is worth nothing after it */
    if (ctx->thread->has_session)
        session_destroy(ctx->thread->redis, &ctx->thread->session);

    char token[SESSION_TOKEN_LEN + 1];
    if (session_create(ctx->thread->redis, &s, token)) {
        http_res_error(ctx->res, 503, "unavailable", "sign-in is unavailable right now, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        goto out;
    }
    api_set_session_cookie(ctx, token);
    sodium_memzero(token, sizeof token);
    log_info("signin", "request %s: %s session via %s", ctx->req->request_id,
             s.kind == SESSION_USER ? "player" : "pending", id.provider);
    oauth_flow_redirect(ctx, s.kind == SESSION_USER ? "/" : "/signup");
out:
    sodium_memzero(&flow, sizeof flow);
    sodium_memzero(code, sizeof code);
}
