/* chat_admin: moderating live chat, and the admins' list of featured chatroom topics.
 *   POST   /api/admin/chat/messages/:id/hide    hide a line (and tell open pages to drop it)
 *   POST   /api/admin/chat/mutes                {username, minutes|null, reason}
 *   DELETE /api/admin/chat/mutes/:user_id
 *   GET    /api/admin/chat/mutes                current mutes
 *   GET    /api/admin/chat/reports?all=1&page=&limit=   reported lines, open ones by default
 *   GET    /api/admin/chat/features             featured topics and videos, waiting and used
 *   POST   /api/admin/chat/features             {title, topic?, youtube_video_id?, open_on?}
 *   DELETE /api/admin/chat/features/:id         a waiting one
 * Every change is one transaction that also writes its audit_log row (admin_audit: actor,
 * action, target, before, after, client address); the before/after JSON is built by
 * PostgreSQL from the rows themselves. The audit rows name players by id only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "api/api.h"
#include "api/handlers.h"
#include "store/pubsub.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define MUTE_MAX_MINUTES (366 * 24 * 60)

/* A positive bigint path parameter; -1 after a 400. */
static int id_param(http_ctx_t *ctx, int i, char out[24])
{
    char *end;
    if (http_req_param(ctx->req, i, out, 24) || !out[0] || strtoll(out, &end, 10) <= 0 || *end) {
        http_res_error(ctx->res, 400, "bad_request", "the id must be a positive number");
        return -1;
    }
    return 0;
}

/* ---- hide ---- */

static const db_stmt_t STMT_MSG_LOCK = {
    "chat_admin_msg_lock",
    "SELECT room_id, hidden_at IS NOT NULL,"
    " jsonb_build_object('hidden', hidden_at IS NOT NULL, 'room_id', room_id, 'user_id', user_id)::text"
    " FROM chat_messages WHERE id = $1::bigint FOR UPDATE",
    1};

static const db_stmt_t STMT_MSG_HIDE = {
    "chat_admin_msg_hide",
    "WITH m AS (UPDATE chat_messages SET hidden_at = now(), hidden_by = $2 WHERE id = $1::bigint"
    "           RETURNING id, room_id, user_id, hidden_at),"
    " r AS (UPDATE chat_reports SET resolved_at = now() WHERE message_id = $1::bigint AND resolved_at IS NULL"
    "       RETURNING 1)"
    " SELECT jsonb_build_object('hidden', true, 'room_id', m.room_id, 'user_id', m.user_id,"
    "        'reports_resolved', (SELECT count(*) FROM r))::text FROM m",
    2};

void api_admin_chat_hide(http_ctx_t *ctx)
{
    char id[24];
    if (id_param(ctx, 0, id))
        return;
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    PGresult *r = admin_fetch_one(ctx, db, &STMT_MSG_LOCK, id, "no such message");
    if (!r)
        goto rollback;
    char room[40], before[300];
    snprintf(room, sizeof room, "%s", PQgetvalue(r, 0, 0));
    int already = PQgetvalue(r, 0, 1)[0] == 't';
    snprintf(before, sizeof before, "%s", PQgetvalue(r, 0, 2));
    PQclear(r);
    if (already) {
        admin_rollback(db);
        buf_printf(&ctx->res->body, "{\"hidden\":true,\"already\":true,\"message_id\":%s}", id);
        return;
    }
    const char *p2[] = {id, api_user_id(ctx)};
    r = db_exec(db, &STMT_MSG_HIDE, p2);
    if (api_check(ctx, r))
        goto rollback;
    char after[300], target[48];
    snprintf(after, sizeof after, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    snprintf(target, sizeof target, "chat_message:%s", id);
    if (admin_audit(ctx, db, "chat_message_hide", target, before, after) || admin_commit(ctx, db))
        goto rollback;
    /* open pages drop the line at once, on every instance */
    char msg[160], topic[PUBSUB_TOPIC_MAX];
    int n = snprintf(msg, sizeof msg, "{\"type\":\"message_hidden\",\"room\":\"%s\",\"message_id\":%s}", room, id);
    snprintf(topic, sizeof topic, "room:%s", room);
    pubsub_publish(ctx->thread->redis, topic, msg, (size_t)n);
    buf_printf(&ctx->res->body, "{\"hidden\":true,\"already\":false,\"message_id\":%s}", id);
    return;
rollback:
    admin_rollback(db);
}

/* ---- mutes ---- */

static const db_stmt_t STMT_USER_BY_NAME = {
    "chat_admin_user_by_name", "SELECT id, username FROM users WHERE lower(username) = lower($1) AND deleted_at IS NULL",
    1};

#define MUTE_JSON(t)                                                                                          \
    "jsonb_build_object('muted_until', " ISO(t ".muted_until") ", 'reason', " t ".reason, 'muted_by', " t \
    ".muted_by)::text"

static const db_stmt_t STMT_MUTE_LOCK = {
    "chat_admin_mute_lock", "SELECT " MUTE_JSON("m") " FROM chat_mutes m WHERE m.user_id = $1 FOR UPDATE", 1};

/* $3 minutes (NULL = until lifted) */
static const db_stmt_t STMT_MUTE = {
    "chat_admin_mute",
    "INSERT INTO chat_mutes AS m (user_id, muted_until, muted_by, reason)"
    " VALUES ($1, now() + make_interval(mins => $3::int), $2, $4)"
    " ON CONFLICT (user_id) DO UPDATE SET muted_until = excluded.muted_until, muted_by = excluded.muted_by,"
    "  reason = excluded.reason, created_at = now()"
    " RETURNING " ISO("m.muted_until") ", " MUTE_JSON("m"),
    4};

void api_admin_chat_mute(http_ctx_t *ctx)
{
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    char username[128], reason[2048] = "";
    json_t *jm = json_object_get(doc, "minutes");
    int rc = admin_text_field(ctx, doc, "username", 64, 0, username, sizeof username);
    if (rc == 0)
        http_res_error(ctx->res, 400, "bad_request", "username is required");
    if (rc == 1 && admin_text_field(ctx, doc, "reason", 500, 1, reason, sizeof reason) < 0)
        rc = -1;
    if (rc == 1 && jm && !json_is_null(jm) &&
        (!json_is_integer(jm) || json_integer_value(jm) < 1 || json_integer_value(jm) > MUTE_MAX_MINUTES)) {
        http_res_error(ctx->res, 400, "bad_request", "minutes must be a whole number from 1 to 527040, or null");
        rc = -1;
    }
    char minutes[24] = "";
    int forever = !jm || json_is_null(jm);
    if (rc == 1 && !forever)
        snprintf(minutes, sizeof minutes, "%lld", (long long)json_integer_value(jm));
    json_decref(doc);
    if (rc != 1)
        return;
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    PGresult *r = admin_fetch_one(ctx, db, &STMT_USER_BY_NAME, username, "no player has this username");
    if (!r)
        goto rollback;
    char uid[40], name[128];
    snprintf(uid, sizeof uid, "%s", PQgetvalue(r, 0, 0));
    snprintf(name, sizeof name, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    const char *p2[] = {uid};
    r = db_exec(db, &STMT_MUTE_LOCK, p2);
    if (api_check(ctx, r))
        goto rollback;
    char before[1200] = "";
    if (PQntuples(r))
        snprintf(before, sizeof before, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *p3[] = {uid, api_user_id(ctx), forever ? NULL : minutes, reason};
    r = db_exec(db, &STMT_MUTE, p3);
    if (api_check(ctx, r))
        goto rollback;
    char target[48];
    snprintf(target, sizeof target, "user:%s", uid);
    if (admin_audit(ctx, db, "chat_mute", target, before[0] ? before : NULL, PQgetvalue(r, 0, 1))) {
        PQclear(r);
        goto rollback;
    }
    if (admin_commit(ctx, db)) {
        PQclear(r);
        return;
    }
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"mute\":{\"user_id\":");
    buf_json_cstr(b, uid);
    buf_puts(b, ",\"username\":");
    buf_json_cstr(b, name);
    buf_puts(b, ",\"muted_until\":");
    api_json_time(b, r, 0, 0);
    buf_puts(b, ",\"reason\":");
    buf_json_cstr(b, reason);
    buf_puts(b, "}}");
    PQclear(r);
    return;
rollback:
    admin_rollback(db);
}

static const db_stmt_t STMT_UNMUTE = {
    "chat_admin_unmute", "DELETE FROM chat_mutes m WHERE m.user_id = $1 RETURNING " MUTE_JSON("m"), 1};

void api_admin_chat_unmute(http_ctx_t *ctx)
{
    char uid[37], target[48];
    if (admin_param_uuid(ctx, 0, uid))
        return;
    snprintf(target, sizeof target, "user:%s", uid);
    if (admin_delete_audited(ctx, &STMT_UNMUTE, uid, "this player is not muted", "chat_unmute", target))
        return;
    buf_printf(&ctx->res->body, "{\"unmuted\":true,\"user_id\":\"%s\"}", uid);
}

static const db_stmt_t STMT_MUTES = {
    "chat_admin_mutes",
    "SELECT m.user_id, u.username, " ISO("m.muted_until") ", m.reason, " ISO("m.created_at") ", mb.username"
    " FROM chat_mutes m JOIN users u ON u.id = m.user_id LEFT JOIN users mb ON mb.id = m.muted_by"
    " WHERE m.muted_until IS NULL OR m.muted_until > now() ORDER BY m.created_at DESC LIMIT 500",
    0};

void api_admin_chat_mutes(http_ctx_t *ctx)
{
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    PGresult *r = db_exec(db, &STMT_MUTES, NULL);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"mutes\":[");
    for (int i = 0; i < PQntuples(r); i++) {
        buf_puts(b, i ? ",{\"user_id\":" : "{\"user_id\":");
        buf_json_cstr(b, PQgetvalue(r, i, 0));
        buf_puts(b, ",\"username\":");
        buf_json_cstr(b, PQgetvalue(r, i, 1));
        buf_puts(b, ",\"muted_until\":");
        api_json_time(b, r, i, 2);
        buf_puts(b, ",\"reason\":");
        buf_json_cstr(b, PQgetvalue(r, i, 3));
        buf_puts(b, ",\"created_at\":");
        api_json_time(b, r, i, 4);
        buf_puts(b, ",\"muted_by\":");
        buf_json_cstr(b, PQgetisnull(r, i, 5) ? NULL : PQgetvalue(r, i, 5));
        buf_puts(b, "}");
    }
    buf_puts(b, "]}");
    PQclear(r);
}

/* ---- reports ---- */

static const db_stmt_t STMT_REPORTS = {
    "chat_admin_reports",
    "SELECT r.message_id, m.room_id, m.body, m.user_id, mu.username, " ISO("m.created_at") ","
    " m.hidden_at IS NOT NULL, ru.username, r.reason, " ISO("r.created_at") ", " ISO("r.resolved_at") ","
    " count(*) OVER ()"
    " FROM chat_reports r JOIN chat_messages m ON m.id = r.message_id"
    " JOIN users mu ON mu.id = m.user_id JOIN users ru ON ru.id = r.reporter_id"
    " WHERE $1::boolean OR r.resolved_at IS NULL"
    " ORDER BY r.created_at DESC, r.message_id DESC LIMIT $2::int OFFSET $3::int",
    3};

void api_admin_chat_reports(http_ctx_t *ctx)
{
    long all, page, limit;
    if (api_query_int(ctx, "all", 0, 0, 1, &all) || api_query_int(ctx, "page", 1, 1, 100000, &page) ||
        api_query_int(ctx, "limit", 50, 1, 200, &limit))
        return;
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    char lim[16], off[24];
    snprintf(lim, sizeof lim, "%ld", limit);
    snprintf(off, sizeof off, "%ld", (page - 1) * limit);
    const char *p[] = {all ? "true" : "false", lim, off};
    PGresult *r = db_exec(db, &STMT_REPORTS, p);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"reports\":[");
    for (int i = 0; i < PQntuples(r); i++) {
        buf_printf(b, "%s{\"message\":{\"id\":%s,\"room_id\":", i ? "," : "", PQgetvalue(r, i, 0));
        buf_json_cstr(b, PQgetvalue(r, i, 1));
        buf_puts(b, ",\"text\":");
        buf_json_cstr(b, PQgetvalue(r, i, 2));
        buf_puts(b, ",\"user_id\":");
        buf_json_cstr(b, PQgetvalue(r, i, 3));
        buf_puts(b, ",\"username\":");
        buf_json_cstr(b, PQgetvalue(r, i, 4));
        buf_puts(b, ",\"created_at\":");
        api_json_time(b, r, i, 5);
        buf_printf(b, ",\"hidden\":%s},\"reporter\":", PQgetvalue(r, i, 6)[0] == 't' ? "true" : "false");
        buf_json_cstr(b, PQgetvalue(r, i, 7));
        buf_puts(b, ",\"reason\":");
        buf_json_cstr(b, PQgetvalue(r, i, 8));
        buf_puts(b, ",\"created_at\":");
        api_json_time(b, r, i, 9);
        buf_puts(b, ",\"resolved_at\":");
        api_json_time(b, r, i, 10);
        buf_puts(b, "}");
    }
    buf_printf(b, "],\"page\":%ld,\"limit\":%ld,\"total\":%s}", page, limit,
               PQntuples(r) ? PQgetvalue(r, 0, 11) : "0");
    PQclear(r);
}

/* ---- featured topics ---- */

#define FEATURE_COLS                                                                                   \
    "f.id, f.title, f.topic, f.youtube_video_id, to_char(f.open_on, 'YYYY-MM-DD'), " ISO("f.created_at") \
    ", " ISO("f.used_at") ", f.room_id"

static void render_feature(buf_t *b, PGresult *r, int i)
{
    buf_printf(b, "{\"id\":%s,\"title\":", PQgetvalue(r, i, 0));
    buf_json_cstr(b, PQgetvalue(r, i, 1));
    buf_puts(b, ",\"topic\":");
    buf_json_cstr(b, PQgetvalue(r, i, 2));
    buf_puts(b, ",\"youtube_video_id\":");
    buf_json_cstr(b, PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3));
    buf_puts(b, ",\"open_on\":");
    buf_json_cstr(b, PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4));
    buf_puts(b, ",\"created_at\":");
    api_json_time(b, r, i, 5);
    buf_puts(b, ",\"used_at\":");
    api_json_time(b, r, i, 6);
    buf_puts(b, ",\"room_id\":");
    buf_json_cstr(b, PQgetisnull(r, i, 7) ? NULL : PQgetvalue(r, i, 7));
    buf_puts(b, "}");
}

static const db_stmt_t STMT_FEATURES = {
    "chat_admin_features",
    "SELECT " FEATURE_COLS " FROM chatroom_features f"
    " WHERE f.used_at IS NULL OR f.used_at > now() - interval '30 days'"
    " ORDER BY f.used_at IS NOT NULL, f.open_on NULLS LAST, f.created_at, f.id LIMIT 500",
    0};

void api_admin_chat_features(http_ctx_t *ctx)
{
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    PGresult *r = db_exec(db, &STMT_FEATURES, NULL);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"features\":[");
    for (int i = 0; i < PQntuples(r); i++) {
        if (i)
            buf_puts(b, ",");
        render_feature(b, r, i);
    }
    buf_puts(b, "]}");
    PQclear(r);
}

static const db_stmt_t STMT_FEATURE_ADD = {
    "chat_admin_feature_add",
    "WITH f AS (INSERT INTO chatroom_features (title, topic, youtube_video_id, open_on, created_by)"
    "           VALUES ($1, $2, $3, $4::date, $5) RETURNING *)"
    " SELECT " FEATURE_COLS ", row_to_json(f)::text FROM f",
    5};

static int valid_video_id(const char *v)
{
    if (strlen(v) != 11)
        return 0;
    for (const char *p = v; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-'))
            return 0;
    return 1;
}

static int valid_date(const char *d)
{
    int y;
    unsigned m, dd;
    char tail;
    return strlen(d) == 10 && sscanf(d, "%4d-%2u-%2u%c", &y, &m, &dd, &tail) == 3 && y >= 1970 && y <= 9999 &&
           m >= 1 && m <= 12 && dd >= 1 && dd <= 31 && d[4] == '-' && d[7] == '-';
}

void api_admin_chat_feature_add(http_ctx_t *ctx)
{
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    char title[512], topic[2048] = "", video[64] = "", open_on[32] = "";
    int rc = admin_text_field(ctx, doc, "title", 120, 0, title, sizeof title);
    if (rc == 0)
        http_res_error(ctx->res, 400, "bad_request", "title is required");
    if (rc == 1 && admin_text_field(ctx, doc, "topic", 500, 1, topic, sizeof topic) < 0)
        rc = -1;
    if (rc == 1 && admin_text_field(ctx, doc, "youtube_video_id", 11, 1, video, sizeof video) < 0)
        rc = -1;
    if (rc == 1 && video[0] && !valid_video_id(video)) {
        http_res_error(ctx->res, 400, "bad_request", "youtube_video_id must be an 11-character YouTube video id");
        rc = -1;
    }
    if (rc == 1 && admin_text_field(ctx, doc, "open_on", 10, 1, open_on, sizeof open_on) < 0)
        rc = -1;
    if (rc == 1 && open_on[0] && !valid_date(open_on)) {
        http_res_error(ctx->res, 400, "bad_request", "open_on must be a date as YYYY-MM-DD");
        rc = -1;
    }
    json_decref(doc);
    if (rc != 1)
        return;
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    const char *p[] = {title, topic, video[0] ? video : NULL, open_on[0] ? open_on : NULL, api_user_id(ctx)};
    PGresult *r = db_exec(db, &STMT_FEATURE_ADD, p);
    if (r && PQresultStatus(r) == PGRES_FATAL_ERROR && PQresultErrorField(r, PG_DIAG_SQLSTATE) &&
        !strncmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "22", 2)) {
        PQclear(r); /* a date PostgreSQL refuses (2026-02-30) */
        http_res_error(ctx->res, 400, "bad_request", "open_on is not a valid date");
        goto rollback;
    }
    if (api_check(ctx, r))
        goto rollback;
    char target[48];
    snprintf(target, sizeof target, "chatroom_feature:%s", PQgetvalue(r, 0, 0));
    if (admin_audit(ctx, db, "chatroom_feature_add", target, NULL, PQgetvalue(r, 0, 8))) {
        PQclear(r);
        goto rollback;
    }
    if (admin_commit(ctx, db)) {
        PQclear(r);
        return;
    }
    ctx->res->status = 201;
    buf_puts(&ctx->res->body, "{\"feature\":");
    render_feature(&ctx->res->body, r, 0);
    buf_puts(&ctx->res->body, "}");
    PQclear(r);
    return;
rollback:
    admin_rollback(db);
}

static const db_stmt_t STMT_FEATURE_DEL = {
    "chat_admin_feature_del",
    "DELETE FROM chatroom_features f WHERE f.id = $1::bigint AND f.used_at IS NULL RETURNING row_to_json(f)::text", 1};

void api_admin_chat_feature_delete(http_ctx_t *ctx)
{
    char id[24], target[48];
    if (id_param(ctx, 0, id))
        return;
    snprintf(target, sizeof target, "chatroom_feature:%s", id);
    if (admin_delete_audited(ctx, &STMT_FEATURE_DEL, id, "no waiting feature with this id (used ones stay on record)",
                             "chatroom_feature_delete", target))
        return;
    buf_printf(&ctx->res->body, "{\"deleted\":true,\"id\":%s}", id);
}
