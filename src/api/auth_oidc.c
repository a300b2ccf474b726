/* auth_oidc: sign-in with an OpenID Connect provider. The flow's secrets (nonce, PKCE verifier)
 * never leave the server: api/oauth_flow.c keeps them in Redis under oidc:flow:{state} for ten
 * minutes, bound to the browser by a short-lived cookie, and the callback consumes them once.
 * Redirect targets are fixed paths, never taken from the request. */
#include "api/auth_oidc.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/oidc_signin.h"
#include "core/log.h"
#include "store/session.h"

#define GENERIC_FAIL "sign-in failed, please try again"

static const db_stmt_t STMT_USER_BY_GOOGLE_ID = {
    "auth_user_by_google_id",
    "SELECT id FROM users WHERE google_id = $1 AND deleted_at IS NULL AND suspended_at IS NULL", 1};

/* A refused callback: the player is told what they can act on, the log gets the real reason. */
static void refuse(http_ctx_t *ctx, oidc_refusal_t refusal, const char *why)
{
    log_warn("oidc_callback", "request %s: %s", ctx->req->request_id, why);
    const char *message = refusal == OIDC_SIGNIN_CANCELLED    ? "sign-in was cancelled or refused by the provider"
                          : refusal == OIDC_SIGNIN_NO_STATE    ? "this sign-in link is invalid, please start again"
                          : refusal == OIDC_SIGNIN_EXPIRED     ? "this sign-in link has expired, please start again"
                          : refusal == OIDC_SIGNIN_OTHER_BROWSER ? "this sign-in was started in another browser"
                                                                 : GENERIC_FAIL;
    http_res_error(ctx->res, 400, "bad_request", message);
}

static oidc_origin_t ORIGIN = OIDC_ORIGIN_INIT("oidc:flow:", AUTH_OIDC_COOKIE, AUTH_OIDC_FLOW_TTL_S, 0, refuse);

void api_auth_login(http_ctx_t *ctx)
{
    oidc_origin_begin(ctx, &ORIGIN);
}

void api_auth_callback(http_ctx_t *ctx)
{
    oidc_identity_t id;
    if (oidc_origin_finish(ctx, &ORIGIN, &id))
        return;
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    const char *params[] = {id.subject};
    PGresult *r = db_exec(db, &STMT_USER_BY_GOOGLE_ID, params);
    if (api_check(ctx, r))
        return;
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
        return;
    }
    api_set_session_cookie(ctx, token);
    sodium_memzero(token, sizeof token);
    log_info("signin", "request %s: %s session via %s", ctx->req->request_id,
             s.kind == SESSION_USER ? "player" : "pending", id.provider);
    oauth_flow_redirect(ctx, s.kind == SESSION_USER ? "/" : "/signup");
}
