/* admin_players: finding and looking at players, suspending them (which ends every session at
 * once: a suspended player's next request is a 401), lifting a suspension, and granting or
 * revoking the admin role. An admin cannot suspend or demote themselves (no lock-out by a slip
 * of the mouse; another admin or the CLI can). Every change has its audit row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "api/api.h"
#include "core/log.h"
#include "store/cache.h"
#include "store/leaderboard.h"
#include "store/session.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define Q_MAX 64
#define REASON_MAX_CHARS 500

#define SNAPSHOT(u)                                                                                       \
    "jsonb_build_object('is_admin', " u ".is_admin, 'suspended_at', " ISO(u ".suspended_at") ","          \
    " 'suspended_reason', " u ".suspended_reason)::text"

/* ---- GET /api/admin/players?q=&status=&page=&limit= ---- */

static const db_stmt_t STMT_LIST = {
    "admin_players_list",
    "SELECT u.id, u.username, u.is_admin, " ISO("u.created_at") ", " ISO("u.last_seen_at") ", "
    ISO("u.suspended_at") ","
    " (SELECT count(*) FROM user_collections uc WHERE uc.user_id = u.id), count(*) OVER ()"
    " FROM users u"
    " WHERE u.deleted_at IS NULL"
    "   AND ($1 = '' OR lower(u.username) LIKE '%' || $1 || '%' ESCAPE '\\' OR u.id::text = $1"
    "        OR lower(u.email) = $2)"
    "   AND CASE $3 WHEN 'suspended' THEN u.suspended_at IS NOT NULL"
    "               WHEN 'active' THEN u.suspended_at IS NULL"
    "               WHEN 'admins' THEN u.is_admin"
    "               ELSE true END"
    " ORDER BY u.created_at DESC, u.id LIMIT $4::int OFFSET $5::int",
    5};

void api_admin_players_list(http_ctx_t *ctx)
{
    char q[Q_MAX + 1] = "", q_like[2 * Q_MAX + 1], q_lower[Q_MAX + 1], status[16] = "", limit_s[16], off_s[24];
    long page, limit;
    if (http_req_query(ctx->req, "q", q, sizeof q) < 0 || http_req_query(ctx->req, "status", status, sizeof status) < 0) {
        http_res_error(ctx->res, 400, "bad_request", "q or status is malformed or too long");
        return;
    }
    if (status[0] && strcmp(status, "suspended") && strcmp(status, "active") && strcmp(status, "admins") &&
        strcmp(status, "all")) {
        http_res_error(ctx->res, 400, "bad_request", "status must be active, suspended, admins or all");
        return;
    }
    if (api_query_int(ctx, "page", 1, 1, 100000, &page) || api_query_int(ctx, "limit", 25, 1, 100, &limit))
        return;
    size_t n = 0, k = 0;
    for (const char *p = q; *p; p++) {
        char c = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p;
        q_lower[k++] = c;
        if (c == '%' || c == '_' || c == '\\')
            q_like[n++] = '\\';
        q_like[n++] = c;
    }
    q_like[n] = q_lower[k] = '\0';
    snprintf(limit_s, sizeof limit_s, "%ld", limit);
    snprintf(off_s, sizeof off_s, "%ld", (page - 1) * limit);
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    const char *params[] = {q_like, q_lower, status, limit_s, off_s};
    PGresult *r = db_exec(db, &STMT_LIST, params);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"players\":[");
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        buf_printf(b, "%s{\"id\":", i ? "," : "");
        buf_json_cstr(b, PQgetvalue(r, i, 0));
        buf_puts(b, ",\"username\":");
        buf_json_cstr(b, PQgetvalue(r, i, 1));
        buf_printf(b, ",\"is_admin\":%s,\"created_at\":", PQgetvalue(r, i, 2)[0] == 't' ? "true" : "false");
        api_json_time(b, r, i, 3);
        buf_puts(b, ",\"last_seen_at\":");
        api_json_time(b, r, i, 4);
        buf_puts(b, ",\"suspended_at\":");
        api_json_time(b, r, i, 5);
        buf_printf(b, ",\"creatures\":%s}", PQgetvalue(r, i, 6));
    }
    buf_printf(b, "],\"page\":%ld,\"limit\":%ld,\"total\":%s}", page, limit, rows ? PQgetvalue(r, 0, 7) : "0");
    PQclear(r);
}

/* ---- GET /api/admin/players/:id ---- */

static const db_stmt_t STMT_GET = {
    "admin_player_get",
    "SELECT u.id, u.username, u.email, u.google_id IS NOT NULL, u.is_admin, u.motes, " ISO("u.created_at") ", "
    ISO("u.last_seen_at") ", " ISO("u.suspended_at") ", u.suspended_reason,"
    " (SELECT count(*) FROM user_collections uc WHERE uc.user_id = u.id),"
    " (SELECT count(*) FROM user_achievements ua WHERE ua.user_id = u.id AND ua.unlocked_at IS NOT NULL),"
    " (SELECT coalesce(jsonb_object_agg(s.source, s.n), '{}'::jsonb) FROM (SELECT source, count(*) AS n"
    "   FROM user_collections WHERE user_id = u.id GROUP BY source) s),"
    " c.id, c.name, c.rarity,"
    " (SELECT coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'action', a.action, 'actor', au.username,"
    "   'created_at', " ISO("a.created_at") ") ORDER BY a.id DESC), '[]'::jsonb)"
    "   FROM (SELECT * FROM audit_log WHERE target = 'user:' || u.id::text ORDER BY id DESC LIMIT 20) a"
    "   LEFT JOIN users au ON au.id = a.actor_user_id)"
    " FROM users u LEFT JOIN creatures c ON c.id = u.current_creature_id"
    " WHERE u.id = $1 AND u.deleted_at IS NULL",
    1};

static void respond_player(http_ctx_t *ctx, db_conn_t *db, const char *id)
{
    PGresult *r = admin_fetch_one(ctx, db, &STMT_GET, id, "no such player");
    if (!r)
        return;
    buf_t *b = &ctx->res->body;
    buf_reset(b);
    buf_puts(b, "{\"player\":{\"id\":");
    buf_json_cstr(b, PQgetvalue(r, 0, 0));
    buf_puts(b, ",\"username\":");
    buf_json_cstr(b, PQgetvalue(r, 0, 1));
    buf_puts(b, ",\"email\":");
    buf_json_cstr(b, PQgetisnull(r, 0, 2) ? NULL : PQgetvalue(r, 0, 2));
    buf_printf(b, ",\"google_linked\":%s,\"is_admin\":%s,\"motes\":%s,\"created_at\":",
               PQgetvalue(r, 0, 3)[0] == 't' ? "true" : "false", PQgetvalue(r, 0, 4)[0] == 't' ? "true" : "false",
               PQgetvalue(r, 0, 5));
    api_json_time(b, r, 0, 6);
    buf_puts(b, ",\"last_seen_at\":");
    api_json_time(b, r, 0, 7);
    buf_puts(b, ",\"suspended_at\":");
    api_json_time(b, r, 0, 8);
    buf_puts(b, ",\"suspended_reason\":");
    buf_json_cstr(b, PQgetisnull(r, 0, 9) ? NULL : PQgetvalue(r, 0, 9));
    buf_printf(b, ",\"creatures\":%s,\"achievements\":%s,\"finds_by_source\":", PQgetvalue(r, 0, 10),
               PQgetvalue(r, 0, 11));
    admin_json_raw(b, r, 0, 12);
    buf_puts(b, ",\"current_chatling\":");
    if (PQgetisnull(r, 0, 13)) {
        buf_puts(b, "null");
    } else {
        buf_puts(b, "{\"id\":");
        buf_json_cstr(b, PQgetvalue(r, 0, 13));
        buf_puts(b, ",\"name\":");
        buf_json_cstr(b, PQgetvalue(r, 0, 14));
        buf_puts(b, ",\"rarity\":");
        buf_json_cstr(b, PQgetvalue(r, 0, 15));
        buf_puts(b, "}");
    }
    buf_puts(b, ",\"recent_admin_actions\":");
    admin_json_raw(b, r, 0, 16);
    buf_puts(b, "}}");
    PQclear(r);
}

void api_admin_player_get(http_ctx_t *ctx)
{
    char id[37];
    if (admin_param_uuid(ctx, 0, id))
        return;
    db_conn_t *db = api_db_read(ctx);
    if (db)
        respond_player(ctx, db, id);
}

/* ---- suspend, unsuspend, admin role ---- */

static const db_stmt_t STMT_LOCK = {
    "admin_player_lock",
    "SELECT " SNAPSHOT("u") ", u.suspended_at IS NOT NULL, u.is_admin FROM users u"
    " WHERE u.id = $1 AND u.deleted_at IS NULL FOR UPDATE",
    1};
static const db_stmt_t STMT_SUSPEND = {
    "admin_player_suspend",
    "UPDATE users u SET suspended_at = now(), suspended_reason = $2 WHERE u.id = $1 RETURNING " SNAPSHOT("u"), 2};
static const db_stmt_t STMT_UNSUSPEND = {
    "admin_player_unsuspend",
    "UPDATE users u SET suspended_at = NULL, suspended_reason = NULL WHERE u.id = $1 RETURNING " SNAPSHOT("u"), 1};
static const db_stmt_t STMT_SET_ADMIN = {
    "admin_player_set_admin",
    "UPDATE users u SET is_admin = $2::boolean WHERE u.id = $1 RETURNING " SNAPSHOT("u"), 2};

typedef enum { OP_SUSPEND, OP_UNSUSPEND, OP_GRANT, OP_REVOKE } op_t;

static void drop_profile(http_ctx_t *ctx, const char *id)
{
    char key[80];
    snprintf(key, sizeof key, "user:%s:profile", id);
    cache_del(ctx->thread->redis, key);
}

/* Ends every session of the player. 0, or -1 with a 503 set: the suspension is committed and
 * the same request repeated finishes the job (suspending twice only ends sessions again). */
static int end_sessions(http_ctx_t *ctx, const char *id)
{
    if (session_destroy_user(ctx->thread->redis, id) == 0)
        return 0;
    log_error("admin_suspend", "request %s: player %s suspended but sessions not ended (Redis unavailable)",
              ctx->req->request_id, id);
    http_res_error(ctx->res, 503, "unavailable",
                   "the player is suspended but their sessions could not be ended yet: repeat the suspension shortly");
    http_res_header(ctx->res, "retry-after", "2");
    return -1;
}

static void change_player(http_ctx_t *ctx, op_t op, const char *reason)
{
    char id[37];
    if (admin_param_uuid(ctx, 0, id))
        return;
    if ((op == OP_SUSPEND || op == OP_REVOKE) && !strcmp(id, api_user_id(ctx))) {
        http_res_error(ctx->res, 409, "conflict",
                       op == OP_SUSPEND ? "you cannot suspend yourself" : "you cannot take away your own admin role");
        return;
    }
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    PGresult *r = admin_fetch_one(ctx, db, &STMT_LOCK, id, "no such player");
    if (!r)
        goto rollback;
    int suspended = PQgetvalue(r, 0, 1)[0] == 't', is_admin = PQgetvalue(r, 0, 2)[0] == 't';
    int noop = (op == OP_SUSPEND && suspended) || (op == OP_UNSUSPEND && !suspended) || (op == OP_GRANT && is_admin) ||
               (op == OP_REVOKE && !is_admin);
    if (noop) {
        /* already so: nothing to record; a repeated suspension still ends the sessions (the
         * first attempt may have found Redis down after committing) */
        PQclear(r);
        admin_rollback(db);
        if (op == OP_SUSPEND && end_sessions(ctx, id))
            return;
        respond_player(ctx, db, id);
        return;
    }
    char *before = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *p2[] = {id, op == OP_SUSPEND ? reason : op == OP_GRANT ? "true" : "false"};
    const db_stmt_t *st = op == OP_SUSPEND ? &STMT_SUSPEND : op == OP_UNSUSPEND ? &STMT_UNSUSPEND : &STMT_SET_ADMIN;
    r = db_exec(db, st, p2);
    if (api_check(ctx, r)) {
        free(before);
        goto rollback;
    }
    static const char *const ACTIONS[] = {"player_suspend", "player_unsuspend", "grant_admin", "revoke_admin"};
    char target[48];
    snprintf(target, sizeof target, "user:%s", id);
    int rc = admin_audit(ctx, db, ACTIONS[op], target, before, PQgetvalue(r, 0, 0));
    PQclear(r);
    free(before);
    if (rc || admin_commit(ctx, db))
        goto rollback;
    drop_profile(ctx, id);
    if (op == OP_SUSPEND && end_sessions(ctx, id))
        return;
    if (op == OP_SUSPEND || op == OP_UNSUSPEND)
        leaderboard_player_changed(db, ctx->thread->redis, id); /* suspended players are off the boards */
    respond_player(ctx, db, id);
    return;
rollback:
    admin_rollback(db);
}

void api_admin_player_suspend(http_ctx_t *ctx)
{
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    char reason[4 * REASON_MAX_CHARS + 1] = "";
    int got = admin_text_field(ctx, doc, "reason", REASON_MAX_CHARS, 1, reason, sizeof reason);
    json_decref(doc);
    if (got < 0)
        return;
    if (got == 0) {
        http_res_error(ctx->res, 400, "bad_request", "reason is required (it is shown in the audit log)");
        return;
    }
    change_player(ctx, OP_SUSPEND, reason);
}

void api_admin_player_unsuspend(http_ctx_t *ctx)
{
    change_player(ctx, OP_UNSUSPEND, NULL);
}

void api_admin_player_set_admin(http_ctx_t *ctx)
{
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    json_t *v = json_object_get(doc, "is_admin");
    int ok = json_is_boolean(v), grant = json_is_true(v);
    json_decref(doc);
    if (!ok) {
        http_res_error(ctx->res, 400, "bad_request", "is_admin must be true or false");
        return;
    }
    change_player(ctx, grant ? OP_GRANT : OP_REVOKE, NULL);
}
