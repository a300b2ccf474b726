/* auth_oidc: sign-in with an OpenID Connect provider. The flow's secrets (nonce, PKCE verifier)
 * never leave the server: Redis holds them under oidc:flow:{state} for ten minutes, together
 * with a random browser binding that is also set as a short-lived cookie, so a state lifted
 * from one browser cannot be completed in another. The callback consumes the flow with GETDEL,
 * so each state works once. Redirect targets are fixed paths, never taken from the request. */
#include "api/auth_oidc.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/log.h"
#include "integrations/jwt.h"
#include "integrations/oidc.h"
#include "store/session.h"

#define FLOW_KEY_FMT "oidc:flow:%s"
#define GENERIC_FAIL "sign-in failed, please try again"

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

/* The binding cookie. Secure even in development, like the session cookie: browsers refuse a
 * __Host- cookie without it, and accept Secure cookies from http://localhost and 127.0.0.1. */
static void set_binding_cookie(http_ctx_t *ctx, const char *value, int max_age)
{
    char h[256];
    snprintf(h, sizeof h, AUTH_OIDC_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d; Secure", value, max_age);
    http_res_header(ctx->res, "set-cookie", h);
}

static void redirect_to(http_ctx_t *ctx, const char *location)
{
    ctx->res->status = 302;
    buf_reset(&ctx->res->body);
    http_res_header(ctx->res, "location", location);
}

/* 1 when s is exactly OIDC_RANDOM_LEN base64url characters (what we hand out). */
static int valid_random(const char *s)
{
    size_t n = strlen(s);
    if (n != OIDC_RANDOM_LEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* The value of cookie name in the request's Cookie header into out; 0 found, -1 absent/too long. */
static int cookie_value(const http_req_t *req, const char *name, char *out, size_t outlen)
{
    size_t len = 0;
    const char *c = http_req_header(req, "cookie", &len);
    size_t nlen = strlen(name), i = 0;
    while (c && i < len) {
        while (i < len && (c[i] == ' ' || c[i] == ';'))
            i++;
        size_t start = i;
        while (i < len && c[i] != ';')
            i++;
        if (i - start > nlen && !memcmp(c + start, name, nlen) && c[start + nlen] == '=') {
            size_t vs = start + nlen + 1, vl = i - vs;
            while (vl && c[vs + vl - 1] == ' ')
                vl--;
            if (vl + 1 > outlen)
                return -1;
            memcpy(out, c + vs, vl);
            out[vl] = '\0';
            return 0;
        }
    }
    return -1;
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
    char url[2048], err[512], binding[OIDC_RANDOM_LEN + 1];
    if (oidc_begin(o, &flow, url, sizeof url, err, sizeof err)) {
        log_warn("oidc_begin", "request %s: %s", ctx->req->request_id, err);
        http_res_error(ctx->res, 503, "unavailable", "the sign-in provider is unreachable, try again shortly");
        return;
    }
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    jwt_b64url_encode(raw, sizeof raw, binding, sizeof binding);

    redisReply *rep = redis_command(ctx->thread->redis, "SET " FLOW_KEY_FMT " %s:%s:%s EX %d", flow.state, flow.nonce,
                                    flow.verifier, binding, AUTH_OIDC_FLOW_TTL_S);
    int ok = rep && rep->type == REDIS_REPLY_STATUS;
    redis_reply_free(rep);
    sodium_memzero(&flow, sizeof flow);
    if (!ok) {
        http_res_error(ctx->res, 503, "unavailable", "sign-in is unavailable right now, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return;
    }
    set_binding_cookie(ctx, binding, AUTH_OIDC_FLOW_TTL_S);
    redirect_to(ctx, url);
}

static const db_stmt_t STMT_USER_BY_GOOGLE_ID = {
    "auth_user_by_google_id", "SELECT id FROM users WHERE google_id = $1 AND deleted_at IS NULL", 1};

static void fail(http_ctx_t *ctx, const char *why, const char *message)
{
    log_warn("oidc_callback", "request %s: %s", ctx->req->request_id, why);
    http_res_error(ctx->res, 400, "bad_request", message);
}

/* Takes the flow for state out of Redis (once). 1 found, 0 unknown/expired, -1 Redis down. */
static int take_flow(http_ctx_t *ctx, const char *state, oidc_flow_t *flow, char *binding)
{
    redisReply *rep = redis_command(ctx->thread->redis, "GETDEL " FLOW_KEY_FMT, state);
    if (!rep)
        return -1;
    int rc = 0;
    if (rep->type == REDIS_REPLY_STRING && rep->len == 3 * OIDC_RANDOM_LEN + 2 && rep->str[OIDC_RANDOM_LEN] == ':' &&
        rep->str[2 * OIDC_RANDOM_LEN + 1] == ':') {
        memset(flow, 0, sizeof *flow);
        snprintf(flow->state, sizeof flow->state, "%s", state);
        memcpy(flow->nonce, rep->str, OIDC_RANDOM_LEN);
        memcpy(flow->verifier, rep->str + OIDC_RANDOM_LEN + 1, OIDC_RANDOM_LEN);
        memcpy(binding, rep->str + 2 * OIDC_RANDOM_LEN + 2, OIDC_RANDOM_LEN);
        binding[OIDC_RANDOM_LEN] = '\0';
        rc = 1;
    } else if (rep->type != REDIS_REPLY_NIL) {
        rc = rep->type == REDIS_REPLY_ERROR ? -1 : 0;
    }
    redis_reply_free(rep);
    return rc;
}

void api_auth_callback(http_ctx_t *ctx)
{
    const config_t *cfg = ctx->app->cfg;
    /* whatever happens next, this attempt is over: drop the binding cookie */
    set_binding_cookie(ctx, "", 0);

    char state[64] = "", code[4096] = "", perr[64] = "";
    int has_state = http_req_query(ctx->req, "state", state, sizeof state) == 1 && valid_random(state);
    oidc_flow_t flow;
    char binding[OIDC_RANDOM_LEN + 1];
    int got = has_state ? take_flow(ctx, state, &flow, binding) : 0;
    if (got < 0) {
        http_res_error(ctx->res, 503, "unavailable", "sign-in is unavailable right now, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return;
    }
    if (http_req_query(ctx->req, "error", perr, sizeof perr) != 0) {
        /* the player declined or the provider refused; the flow (if any) is already consumed */
        char why[128];
        snprintf(why, sizeof why, "provider returned error %s", perr[0] ? perr : "(unreadable)");
        fail(ctx, why, "sign-in was cancelled or refused by the provider");
        goto out;
    }
    if (!has_state) {
        fail(ctx, "missing or malformed state", "this sign-in link is invalid, please start again");
        goto out;
    }
    if (!got) {
        fail(ctx, "unknown, expired or replayed state", "this sign-in link has expired, please start again");
        goto out;
    }
    char cookie[OIDC_RANDOM_LEN + 8];
    if (cookie_value(ctx->req, AUTH_OIDC_COOKIE, cookie, sizeof cookie) || strlen(cookie) != OIDC_RANDOM_LEN ||
        sodium_memcmp(cookie, binding, OIDC_RANDOM_LEN)) {
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
    redirect_to(ctx, s.kind == SESSION_USER ? "/" : "/signup");
out:
    sodium_memzero(&flow, sizeof flow);
    sodium_memzero(code, sizeof code);
}
