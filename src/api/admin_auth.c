/* admin_auth: signing in on the admin origin itself. The admin portal is another origin (host
 * or port) than the players' app, and its session cookie is its own (ADMIN_SESSION_COOKIE), so
 * it runs its own OpenID Connect flow with its own redirect URI, CHATLINGS_ADMIN_URL +
 * "/auth/callback" (register it at the provider next to the public one; same client id).
 * Only existing, unsuspended administrators get a session from it: nobody signs up here.
 * The flow's secrets stay in Redis (oidc:admin:{state}, 10 minutes) bound to the browser by a
 * cookie of its own, through api/oauth_flow.c exactly as the players' sign-in does; the
 * callback consumes the flow once. In development, POST /api/dev/login signs any existing player in (so that
 * tests can show a player is refused by every admin route). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/admin.h"
#include "api/api.h"
#include "api/oidc_signin.h"
#include "core/log.h"
#include "integrations/oidc.h"
#include "store/audit.h"
#include "store/session.h"

static void unavailable(http_ctx_t *ctx, const char *message)
{
    http_res_error(ctx->res, 503, "unavailable", message);
    http_res_header(ctx->res, "retry-after", "2");
}

/* A failed sign-in goes back to the portal's page with a fixed reason it can show; the real
 * reason goes to the log only. */
static void fail(http_ctx_t *ctx, const char *why, const char *reason)
{
    log_warn("admin_signin_refused", "request %s: %s", ctx->req->request_id, why);
    char loc[64];
    snprintf(loc, sizeof loc, "/?signin=%s", reason);
    oauth_flow_redirect(ctx, loc);
}

static const db_stmt_t STMT_ADMIN_BY_GOOGLE_ID = {
    "admin_auth_by_google_id",
    "SELECT id, is_admin, suspended_at IS NOT NULL FROM users WHERE google_id = $1 AND deleted_at IS NULL", 1};

/* Starts the admin-origin session of user_id (ending the one the browser had). 0, or -1 with a
 * 503 set. */
static int start_session(http_ctx_t *ctx, const char *user_id, session_t *s)
{
    memset(s, 0, sizeof *s);
    s->kind = SESSION_USER;
    snprintf(s->user_id, sizeof s->user_id, "%s", user_id);
    char token[SESSION_TOKEN_LEN + 1];
    if (session_create(ctx->thread->redis, s, token)) {
        unavailable(ctx, "sessions are unavailable, try again shortly");
        return -1;
    }
    if (ctx->thread->has_session)
        session_destroy(ctx->thread->redis, &ctx->thread->session);
    admin_set_session_cookie(ctx, token);
    sodium_memzero(token, sizeof token);
    return 0;
}

/* Admin sign-ins are audited (who, from where); a failure to write the row is logged but does
 * not undo the sign-in, which changed nothing. */
static void audit_sign_in(http_ctx_t *ctx, db_conn_t *db, const char *user_id, const char *how)
{
    char after[64];
    snprintf(after, sizeof after, "{\"method\":\"%s\"}", how);
    char target[48];
    snprintf(target, sizeof target, "user:%s", user_id);
    audit_record(db, user_id, "admin_sign_in", target, NULL, after, ctx->thread->client_ip);
}

/* A refused callback goes back to the portal's page with a fixed reason it can show. */
static void refuse(http_ctx_t *ctx, oidc_refusal_t refusal, const char *why)
{
    fail(ctx, why,
         refusal == OIDC_SIGNIN_CANCELLED                                     ? "cancelled"
         : refusal == OIDC_SIGNIN_NO_STATE || refusal == OIDC_SIGNIN_EXPIRED ? "expired"
                                                                              : "failed");
}

static oidc_origin_t ORIGIN = OIDC_ORIGIN_INIT("oidc:admin:", ADMIN_OIDC_COOKIE, 600, 1, refuse);

void api_admin_auth_login(http_ctx_t *ctx)
{
    oidc_origin_begin(ctx, &ORIGIN);
}

void api_admin_auth_callback(http_ctx_t *ctx)
{
    oidc_identity_t id;
    if (oidc_origin_finish(ctx, &ORIGIN, &id))
        return;
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    const char *params[] = {id.subject};
    PGresult *r = db_exec(db, &STMT_ADMIN_BY_GOOGLE_ID, params);
    if (api_check(ctx, r))
        return;
    int found = PQntuples(r) == 1;
    char uid[37] = "";
    int is_admin = found && PQgetvalue(r, 0, 1)[0] == 't', suspended = found && PQgetvalue(r, 0, 2)[0] == 't';
    if (found)
        snprintf(uid, sizeof uid, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!found || !is_admin || suspended) {
        fail(ctx, !found ? "no player has this identity" : suspended ? "the account is suspended" : "not an administrator",
             "not_admin");
        return;
    }
    session_t s;
    if (start_session(ctx, uid, &s))
        return;
    audit_sign_in(ctx, db, uid, "oidc");
    log_info("admin_signin", "request %s: administrator signed in via %s", ctx->req->request_id, id.provider);
    oauth_flow_redirect(ctx, "/");
}

/* ---- the session as the portal sees it ---- */

static const db_stmt_t STMT_WHO = {
    "admin_auth_who",
    "SELECT id, username, is_admin FROM users WHERE id = $1 AND deleted_at IS NULL AND suspended_at IS NULL", 1};

/* {"signed_in":..,"user":{"id","username","is_admin"}|null,"csrf_token":..,"sign_in":{...}}.
 * 0, or -1 with the response set (database down). */
static int render_session(http_ctx_t *ctx, const session_t *s)
{
    buf_t *b = &ctx->res->body;
    PGresult *r = NULL;
    if (s) {
        db_conn_t *db = api_db_read(ctx);
        if (!db)
            return -1;
        const char *params[] = {s->user_id};
        r = db_exec(db, &STMT_WHO, params);
        if (api_check(ctx, r))
            return -1;
        if (PQntuples(r) != 1) { /* suspended or deleted since: this session is over */
            PQclear(r);
            r = NULL;
            session_destroy(ctx->thread->redis, s);
            admin_set_session_cookie(ctx, NULL);
            s = NULL;
        }
    }
    buf_reset(b);
    buf_printf(b, "{\"signed_in\":%s,\"user\":", s ? "true" : "false");
    if (s) {
        buf_puts(b, "{\"id\":");
        buf_json_cstr(b, PQgetvalue(r, 0, 0));
        buf_puts(b, ",\"username\":");
        buf_json_cstr(b, PQgetvalue(r, 0, 1));
        buf_printf(b, ",\"is_admin\":%s}", PQgetvalue(r, 0, 2)[0] == 't' ? "true" : "false");
    } else {
        buf_puts(b, "null");
    }
    buf_puts(b, ",\"csrf_token\":");
    buf_json_cstr(b, s ? s->csrf : NULL);
    buf_printf(b, ",\"sign_in\":{\"oidc\":%s,\"dev\":%s}}", ctx->app->cfg->oidc_client_id[0] ? "true" : "false",
               ctx->app->cfg->production ? "false" : "true");
    PQclear(r);
    return 0;
}

void api_admin_session(http_ctx_t *ctx)
{
    render_session(ctx, api_session(ctx));
}

static const db_stmt_t STMT_BY_NAME = {
    "admin_auth_by_name",
    "SELECT id, is_admin, suspended_at IS NOT NULL FROM users WHERE lower(username) = lower($1) AND deleted_at IS NULL",
    1};

void api_admin_dev_login(http_ctx_t *ctx)
{
    if (ctx->app->cfg->production) {
        http_res_error(ctx->res, 404, "not_found", "no such resource");
        return;
    }
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    char name[96];
    int got = admin_text_field(ctx, doc, "username", 64, 0, name, sizeof name);
    json_decref(doc);
    if (got < 0)
        return;
    if (got == 0) {
        http_res_error(ctx->res, 400, "bad_request", "username is required");
        return;
    }
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    const char *params[] = {name};
    PGresult *r = db_exec(db, &STMT_BY_NAME, params);
    if (api_check(ctx, r))
        return;
    if (PQntuples(r) != 1) {
        PQclear(r);
        http_res_error(ctx->res, 404, "not_found", "no player has that name (sign up in the players' app first)");
        return;
    }
    char uid[37];
    snprintf(uid, sizeof uid, "%s", PQgetvalue(r, 0, 0));
    int is_admin = PQgetvalue(r, 0, 1)[0] == 't', suspended = PQgetvalue(r, 0, 2)[0] == 't';
    PQclear(r);
    if (suspended) {
        http_res_error(ctx->res, 403, "forbidden", "this account is suspended");
        return;
    }
    session_t s;
    if (start_session(ctx, uid, &s))
        return;
    if (is_admin)
        audit_sign_in(ctx, db, uid, "dev");
    render_session(ctx, &s);
}

void api_admin_logout(http_ctx_t *ctx)
{
    if (session_destroy(ctx->thread->redis, &ctx->thread->session)) {
        unavailable(ctx, "sessions are unavailable, try again shortly");
        return;
    }
    admin_set_session_cookie(ctx, NULL);
    ctx->res->status = 204;
    ctx->res->content_type = NULL;
}
