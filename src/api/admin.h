/* admin: the admin portal's listener (CHATLINGS_ADMIN_LISTEN): its gate, its own sign-in and
 * session cookie, the handlers of APP_ADMIN_ROUTES (api/admin_routes.c), and the small helpers
 * every admin action shares (one transaction, one audit row, then cache invalidation).
 *
 * Access needs both: a client address inside CHATLINGS_ADMIN_ALLOW (checked by admin_gate for
 * every request on the admin listener, before any session or database work) and, for
 * AUTH_ADMIN routes, users.is_admin (checked by app_dispatch's authorisation). AUTH_ADMIN
 * routes are refused on every other listener. The admin origin has its own session cookie
 * (ADMIN_SESSION_COOKIE), so a player's cookie from the public origin never authenticates
 * anything here, and the admin listener sends no CORS headers and accepts state-changing
 * requests only from its own origin. */
#ifndef CHATLINGS_ADMIN_H
#define CHATLINGS_ADMIN_H
#include <jansson.h>

#include "api/app.h"

#define ADMIN_LISTENER "admin"
#define ADMIN_SESSION_COOKIE "__Host-chatlings-admin"
#define ADMIN_OIDC_COOKIE "__Host-chatlings-admin-oidc"
#define ADMIN_COOKIE_MAX_AGE_S (12 * 3600) /* the browser forgets the admin cookie after 12 h */

/* ---- admin_gate.c: listener setup and gate ---- */

/* Parses CHATLINGS_ADMIN_ALLOW and CHATLINGS_ADMIN_URL into app and builds app->admin_routes
 * (dev-only routes left out in production). 0, or -1 with a message. */
int admin_init(app_t *app, char *err, size_t errlen);
/* 1 when the request arrived on the admin listener. */
int admin_on_listener(const http_req_t *req);
/* Runs first in app_dispatch for every request. On the admin listener: the allow-list and
 * no CORS preflight. Elsewhere: refuses AUTH_ADMIN routes. 0 = go on; otherwise the 403 is set. */
int admin_gate(http_ctx_t *ctx);
/* The origin half of CSRF on the admin listener (app_dispatch's csrf check uses it there): a
 * state change must come from the admin origin itself (CHATLINGS_ADMIN_URL, or outside
 * production the Host it was sent to), never the players' origin nor a CORS origin. */
int admin_own_origin(http_ctx_t *ctx);
/* For the admin listener's static files (http_listener_t.static_admit, on the loop thread):
 * 1 when the client address is inside the allow-list. */
int admin_static_admit(struct app *app, const http_req_t *req);
/* The admin session token from a Cookie header (ADMIN_SESSION_COOKIE); 0 found, -1 absent. */
int admin_session_token(const char *cookie, size_t len, char *token_out);
/* Sets (token) or clears (NULL) the admin session cookie: HttpOnly, Secure, SameSite=Strict. */
void admin_set_session_cookie(http_ctx_t *ctx, const char *token);

/* ---- admin_gate.c: helpers for handlers ---- */

/* The primary connection with a transaction begun; NULL with the response set. */
db_conn_t *admin_begin(http_ctx_t *ctx);
/* Runs stmt with id as its one parameter, expecting one row: the result, or NULL after setting
 * 404 (missing_message) or 5xx. The caller PQclear()s. */
PGresult *admin_fetch_one(http_ctx_t *ctx, db_conn_t *db, const db_stmt_t *stmt, const char *id,
                          const char *missing_message);
/* Inside the admin transaction: runs stmt, which locks the row named by id and returns its
 * JSON before-image. The malloc'd image, or NULL after setting 404 (missing_message) or 5xx. */
char *admin_lock_before(http_ctx_t *ctx, db_conn_t *db, const db_stmt_t *stmt, const char *id,
                        const char *missing_message);
/* One audited deletion in a transaction of its own: stmt (DELETE ... RETURNING the row's JSON
 * before-image) with id, 404 (missing_message) when nothing matched, the audit row of action on
 * target, COMMIT. 0 when done (the caller writes its answer), -1 with the response set. */
int admin_delete_audited(http_ctx_t *ctx, const db_stmt_t *stmt, const char *id, const char *missing_message,
                         const char *action, const char *target);
void admin_rollback(db_conn_t *db);
/* COMMIT; 0, or -1 with a 503 set. */
int admin_commit(http_ctx_t *ctx, db_conn_t *db);
/* The audit row of this request's action (actor = the signed-in admin, ip = the client's).
 * 0, or -1 with a 500 set (the caller rolls back). */
int admin_audit(http_ctx_t *ctx, db_conn_t *db, const char *action, const char *target, const char *before,
                const char *after);
/* Path parameter i as a UUID into out; -1 after a 400. */
int admin_param_uuid(http_ctx_t *ctx, int i, char out[37]);
/* 1 when r failed with a unique violation (the caller PQclear()s). */
int admin_unique_violation(const PGresult *r);
/* A string member of doc, trimmed, 1..max_chars characters, no control characters.
 * 1 present (copied to out), 0 absent (or null when null_ok), -1 after a 400 naming key. */
int admin_text_field(http_ctx_t *ctx, json_t *doc, const char *key, size_t max_chars, int null_ok, char *out,
                     size_t outlen);
/* Writes PQgetvalue(r,row,col) (a json/jsonb column) into b as raw JSON; null when SQL NULL. */
void admin_json_raw(buf_t *b, const PGresult *r, int row, int col);
/* Drops creature:{id}:metadata (best effort: the TTL bounds staleness when Redis is down). */
void admin_creature_cache_del(http_ctx_t *ctx, const char *creature_id);

/* ---- admin_auth.c: signing in on the admin origin ---- */
void api_admin_auth_login(http_ctx_t *ctx);    /* GET /auth/login */
void api_admin_auth_callback(http_ctx_t *ctx); /* GET /auth/callback */
void api_admin_dev_login(http_ctx_t *ctx);     /* POST /api/dev/login (development only) */
void api_admin_session(http_ctx_t *ctx);       /* GET /api/admin/session */
void api_admin_logout(http_ctx_t *ctx);        /* POST /api/admin/logout */

/* ---- admin_dashboard.c ---- */
void api_admin_dashboard(http_ctx_t *ctx);

/* ---- admin_creatures.c: creatures and body types ---- */
void api_admin_creatures_list(http_ctx_t *ctx);
void api_admin_creature_get(http_ctx_t *ctx);
void api_admin_creature_patch(http_ctx_t *ctx);
void api_admin_creature_reroll(http_ctx_t *ctx);
void api_admin_creature_affected(http_ctx_t *ctx);
void api_admin_creature_delete(http_ctx_t *ctx);
void api_admin_creature_restore(http_ctx_t *ctx);
void api_admin_body_types(http_ctx_t *ctx);
void api_admin_body_type_patch(http_ctx_t *ctx);

/* ---- admin_players.c ---- */
void api_admin_players_list(http_ctx_t *ctx);
void api_admin_player_get(http_ctx_t *ctx);
void api_admin_player_suspend(http_ctx_t *ctx);
void api_admin_player_unsuspend(http_ctx_t *ctx);
void api_admin_player_set_admin(http_ctx_t *ctx);

/* ---- admin_content.c: creator chatlings and chatrooms ---- */
void api_admin_creators_list(http_ctx_t *ctx);
void api_admin_creator_put(http_ctx_t *ctx);
void api_admin_creator_delete(http_ctx_t *ctx);
void api_admin_chatrooms_list(http_ctx_t *ctx);
void api_admin_chatroom_open(http_ctx_t *ctx);
void api_admin_chatroom_patch(http_ctx_t *ctx);

/* ---- admin_ops.c: jobs and the audit log ---- */
void api_admin_jobs(http_ctx_t *ctx);
void api_admin_job_retry(http_ctx_t *ctx);
void api_admin_audit_list(http_ctx_t *ctx);

#endif
