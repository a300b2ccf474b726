/* admin_content: creator chatlings (a YouTube channel's own creature: everyone who likes one of
 * its videos gets it; table creator_chatlings, migration 0006) and chatrooms (open one, close or
 * reopen it, feature a video). Live-chat moderation (hiding messages, muting, reports) has its
 * own endpoints under /api/admin/chat/ (api/live_chat.c); the portal links to them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "api/api.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define Q_MAX 64

/* YouTube ids are [A-Za-z0-9_-]: a channel id is at most 64 of them here (the table's limit),
 * a video id exactly 11. */
static int id_chars_ok(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

static void like_escape(const char *q, char *out)
{
    size_t n = 0;
    for (; *q; q++) {
        char c = *q >= 'A' && *q <= 'Z' ? (char)(*q + 32) : *q;
        if (c == '%' || c == '_' || c == '\\')
            out[n++] = '\\';
        out[n++] = c;
    }
    out[n] = '\0';
}

/* ---- creator chatlings ---- */

#define CREATOR_SNAPSHOT(cc)                                                                             \
    "jsonb_build_object('channel_id', " cc ".channel_id, 'creature_id', " cc ".creature_id,"             \
    " 'channel_title', " cc ".channel_title)::text"

static const db_stmt_t STMT_CREATORS = {
    "admin_creators_list",
    "SELECT cc.channel_id, cc.channel_title, c.id, c.name, c.rarity, c.deleted_at IS NOT NULL, c.is_active,"
    " u.username, " ISO("cc.created_at") ", count(*) OVER ()"
    " FROM creator_chatlings cc JOIN creatures c ON c.id = cc.creature_id LEFT JOIN users u ON u.id = cc.created_by"
    " WHERE $1 = '' OR lower(cc.channel_id) LIKE '%' || $1 || '%' ESCAPE '\\'"
    "    OR lower(coalesce(cc.channel_title, '')) LIKE '%' || $1 || '%' ESCAPE '\\'"
    "    OR lower(c.name) LIKE '%' || $1 || '%' ESCAPE '\\'"
    " ORDER BY cc.created_at DESC, cc.channel_id LIMIT $2::int OFFSET $3::int",
    3};

void api_admin_creators_list(http_ctx_t *ctx)
{
    char q[Q_MAX + 1] = "", q_like[2 * Q_MAX + 1], limit_s[16], off_s[24];
    long page, limit;
    if (http_req_query(ctx->req, "q", q, sizeof q) < 0) {
        http_res_error(ctx->res, 400, "bad_request", "q is malformed or too long");
        return;
    }
    if (api_query_int(ctx, "page", 1, 1, 100000, &page) || api_query_int(ctx, "limit", 50, 1, 200, &limit))
        return;
    like_escape(q, q_like);
    snprintf(limit_s, sizeof limit_s, "%ld", limit);
    snprintf(off_s, sizeof off_s, "%ld", (page - 1) * limit);
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    const char *params[] = {q_like, limit_s, off_s};
    PGresult *r = db_exec(db, &STMT_CREATORS, params);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"creators\":[");
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        buf_printf(b, "%s{\"channel_id\":", i ? "," : "");
        buf_json_cstr(b, PQgetvalue(r, i, 0));
        buf_puts(b, ",\"channel_title\":");
        buf_json_cstr(b, PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1));
        buf_puts(b, ",\"creature\":{\"id\":");
        buf_json_cstr(b, PQgetvalue(r, i, 2));
        buf_puts(b, ",\"name\":");
        buf_json_cstr(b, PQgetvalue(r, i, 3));
        buf_puts(b, ",\"rarity\":");
        buf_json_cstr(b, PQgetvalue(r, i, 4));
        buf_printf(b, ",\"deleted\":%s,\"is_active\":%s},\"created_by\":", PQgetvalue(r, i, 5)[0] == 't' ? "true" : "false",
                   PQgetvalue(r, i, 6)[0] == 't' ? "true" : "false");
        buf_json_cstr(b, PQgetisnull(r, i, 7) ? NULL : PQgetvalue(r, i, 7));
        buf_puts(b, ",\"created_at\":");
        api_json_time(b, r, i, 8);
        buf_puts(b, "}");
    }
    buf_printf(b, "],\"page\":%ld,\"limit\":%ld,\"total\":%s}", page, limit, n ? PQgetvalue(r, 0, 9) : "0");
    PQclear(r);
}

static const db_stmt_t STMT_CREATOR_LOCK = {
    "admin_creator_lock", "SELECT " CREATOR_SNAPSHOT("cc") " FROM creator_chatlings cc WHERE channel_id = $1 FOR UPDATE", 1};
static const db_stmt_t STMT_CREATURE_USABLE = {
    "admin_creator_creature", "SELECT deleted_at IS NULL FROM creatures WHERE id = $1 FOR SHARE", 1};
static const db_stmt_t STMT_CREATOR_UPSERT = {
    "admin_creator_upsert",
    "INSERT INTO creator_chatlings AS cc (channel_id, creature_id, channel_title, created_by) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (channel_id) DO UPDATE SET creature_id = excluded.creature_id,"
    "   channel_title = coalesce(excluded.channel_title, cc.channel_title)"
    " RETURNING " CREATOR_SNAPSHOT("cc"),
    4};
static const db_stmt_t STMT_CREATOR_DELETE = {
    "admin_creator_delete",
    "DELETE FROM creator_chatlings cc WHERE channel_id = $1 RETURNING " CREATOR_SNAPSHOT("cc"), 1};

static int channel_param(http_ctx_t *ctx, char *out, size_t n)
{
    if (http_req_param(ctx->req, 0, out, n) || !id_chars_ok(out, 1, 64)) {
        http_res_error(ctx->res, 400, "bad_request", "the channel id must be 1 to 64 of A-Z a-z 0-9 _ -");
        return -1;
    }
    return 0;
}

void api_admin_creator_put(http_ctx_t *ctx)
{
    char channel[80], creature[64], title[4 * 200 + 1];
    if (channel_param(ctx, channel, sizeof channel))
        return;
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    int has_creature = admin_text_field(ctx, doc, "creature_id", 36, 0, creature, sizeof creature);
    int has_title = has_creature < 0 ? -1 : admin_text_field(ctx, doc, "channel_title", 200, 1, title, sizeof title);
    json_decref(doc);
    if (has_creature < 0 || has_title < 0)
        return;
    if (has_creature == 0 || !api_is_uuid(creature)) {
        http_res_error(ctx->res, 400, "bad_request", "creature_id must be a creature's UUID");
        return;
    }
    for (char *p = creature; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p + 32);
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    const char *pc[] = {creature};
    PGresult *r = db_exec(db, &STMT_CREATURE_USABLE, pc);
    if (api_check(ctx, r))
        goto rollback;
    if (PQntuples(r) != 1 || PQgetvalue(r, 0, 0)[0] != 't') {
        int missing = PQntuples(r) != 1;
        PQclear(r);
        http_res_error(ctx->res, missing ? 404 : 409, missing ? "not_found" : "conflict",
                       missing ? "no such creature" : "that creature is deleted: restore it or pick another");
        goto rollback;
    }
    PQclear(r);
    const char *p1[] = {channel};
    r = db_exec(db, &STMT_CREATOR_LOCK, p1);
    if (api_check(ctx, r))
        goto rollback;
    char *before = PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    const char *p2[] = {channel, creature, has_title == 1 ? title : NULL, api_user_id(ctx)};
    r = db_exec(db, &STMT_CREATOR_UPSERT, p2);
    if (api_check(ctx, r)) {
        free(before);
        goto rollback;
    }
    char target[96];
    snprintf(target, sizeof target, "channel:%s", channel);
    int rc = admin_audit(ctx, db, "creator_map", target, before, PQgetvalue(r, 0, 0));
    free(before);
    char *after = rc ? NULL : strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (rc || admin_commit(ctx, db)) {
        free(after);
        goto rollback;
    }
    buf_printf(&ctx->res->body, "{\"creator\":%s}", after ? after : "null");
    free(after);
    return;
rollback:
    admin_rollback(db);
}

void api_admin_creator_delete(http_ctx_t *ctx)
{
    char channel[80], target[96];
    if (channel_param(ctx, channel, sizeof channel))
        return;
    snprintf(target, sizeof target, "channel:%s", channel);
    if (admin_delete_audited(ctx, &STMT_CREATOR_DELETE, channel, "that channel has no creator chatling", "creator_unmap",
                             target))
        return;
    ctx->res->status = 204;
    ctx->res->content_type = NULL;
}

/* ---- chatrooms ---- */

#define ROOM_SNAPSHOT(r)                                                                                  \
    "jsonb_build_object('title', " r ".title, 'topic', " r ".topic, 'youtube_video_id', " r ".youtube_video_id," \
    " 'is_active', " r ".is_active, 'closes_at', " ISO(r ".closes_at") ")::text"

static const db_stmt_t STMT_ROOMS = {
    "admin_chatrooms_list",
    "SELECT r.id, r.title, r.topic, r.youtube_video_id, r.is_active, " ISO("r.created_at") ", " ISO("r.closes_at") ","
    " r.is_active AND (r.closes_at IS NULL OR r.closes_at > now()),"
    " (SELECT count(*) FROM chat_messages m WHERE m.room_id = r.id),"
    " (SELECT count(*) FROM chat_reports rep JOIN chat_messages m ON m.id = rep.message_id"
    "   WHERE m.room_id = r.id AND rep.resolved_at IS NULL),"
    " count(*) OVER ()"
    " FROM chatrooms r"
    " WHERE CASE $1 WHEN 'open' THEN r.is_active AND (r.closes_at IS NULL OR r.closes_at > now())"
    "               WHEN 'closed' THEN NOT (r.is_active AND (r.closes_at IS NULL OR r.closes_at > now()))"
    "               ELSE true END"
    " ORDER BY r.created_at DESC, r.id LIMIT $2::int OFFSET $3::int",
    3};

static const db_stmt_t STMT_ROOM_GET = {
    "admin_chatroom_get",
    "SELECT r.id, r.title, r.topic, r.youtube_video_id, r.is_active, " ISO("r.created_at") ", " ISO("r.closes_at") ","
    " r.is_active AND (r.closes_at IS NULL OR r.closes_at > now()),"
    " (SELECT count(*) FROM chat_messages m WHERE m.room_id = r.id),"
    " (SELECT count(*) FROM chat_reports rep JOIN chat_messages m ON m.id = rep.message_id"
    "   WHERE m.room_id = r.id AND rep.resolved_at IS NULL), 1"
    " FROM chatrooms r WHERE r.id = $1",
    1};

static void render_room(buf_t *b, PGresult *r, int i)
{
    buf_puts(b, "{\"id\":");
    buf_json_cstr(b, PQgetvalue(r, i, 0));
    buf_puts(b, ",\"title\":");
    buf_json_cstr(b, PQgetvalue(r, i, 1));
    buf_puts(b, ",\"topic\":");
    buf_json_cstr(b, PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2));
    buf_puts(b, ",\"youtube_video_id\":");
    buf_json_cstr(b, PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3));
    buf_printf(b, ",\"is_active\":%s,\"created_at\":", PQgetvalue(r, i, 4)[0] == 't' ? "true" : "false");
    api_json_time(b, r, i, 5);
    buf_puts(b, ",\"closes_at\":");
    api_json_time(b, r, i, 6);
    buf_printf(b, ",\"open\":%s,\"messages\":%s,\"open_reports\":%s}", PQgetvalue(r, i, 7)[0] == 't' ? "true" : "false",
               PQgetvalue(r, i, 8), PQgetvalue(r, i, 9));
}

void api_admin_chatrooms_list(http_ctx_t *ctx)
{
    char status[16] = "", limit_s[16], off_s[24];
    long page, limit;
    if (http_req_query(ctx->req, "status", status, sizeof status) < 0 ||
        (status[0] && strcmp(status, "open") && strcmp(status, "closed") && strcmp(status, "all"))) {
        http_res_error(ctx->res, 400, "bad_request", "status must be open, closed or all");
        return;
    }
    if (api_query_int(ctx, "page", 1, 1, 100000, &page) || api_query_int(ctx, "limit", 25, 1, 100, &limit))
        return;
    snprintf(limit_s, sizeof limit_s, "%ld", limit);
    snprintf(off_s, sizeof off_s, "%ld", (page - 1) * limit);
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    const char *params[] = {status, limit_s, off_s};
    PGresult *r = db_exec(db, &STMT_ROOMS, params);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"chatrooms\":[");
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        if (i)
            buf_puts(b, ",");
        render_room(b, r, i);
    }
    buf_printf(b, "],\"page\":%ld,\"limit\":%ld,\"total\":%s}", page, limit, n ? PQgetvalue(r, 0, 10) : "0");
    PQclear(r);
}

static void respond_room(http_ctx_t *ctx, db_conn_t *db, const char *id)
{
    PGresult *r = admin_fetch_one(ctx, db, &STMT_ROOM_GET, id, "no such chatroom");
    if (!r)
        return;
    buf_t *b = &ctx->res->body;
    buf_reset(b);
    buf_puts(b, "{\"chatroom\":");
    render_room(b, r, 0);
    buf_puts(b, "}");
    PQclear(r);
}

/* youtube_video_id of doc: 1 set (out = id, or "" for null = none), 0 absent, -1 after a 400. */
static int video_field(http_ctx_t *ctx, json_t *doc, char *out, size_t n)
{
    json_t *v = json_object_get(doc, "youtube_video_id");
    if (!v)
        return 0;
    if (json_is_null(v)) {
        out[0] = '\0';
        return 1;
    }
    if (!json_is_string(v) || !id_chars_ok(json_string_value(v), 11, 11) || strlen(json_string_value(v)) >= n) {
        http_res_error(ctx->res, 400, "bad_request", "youtube_video_id must be an 11-character YouTube video id or null");
        return -1;
    }
    snprintf(out, n, "%s", json_string_value(v));
    return 1;
}

static const db_stmt_t STMT_ROOM_INSERT = {
    "admin_chatroom_insert",
    "INSERT INTO chatrooms AS r (title, topic, youtube_video_id, closes_at)"
    " VALUES ($1, $2, $3, CASE WHEN $4::int > 0 THEN now() + make_interval(hours => $4::int) END)"
    " RETURNING r.id, " ROOM_SNAPSHOT("r"),
    4};

void api_admin_chatroom_open(http_ctx_t *ctx)
{
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    char title[4 * 120 + 1], topic[4 * 500 + 1], video[16], hours_s[16];
    int has_title = admin_text_field(ctx, doc, "title", 120, 0, title, sizeof title);
    int has_topic = has_title < 0 ? -1 : admin_text_field(ctx, doc, "topic", 500, 1, topic, sizeof topic);
    int has_video = has_topic < 0 ? -1 : video_field(ctx, doc, video, sizeof video);
    json_t *hours = json_object_get(doc, "closes_in_hours");
    int bad = has_title < 0 || has_topic < 0 || has_video < 0;
    if (!bad && has_title == 0) {
        http_res_error(ctx->res, 400, "bad_request", "title is required");
        bad = 1;
    }
    if (!bad && hours && !json_is_null(hours) &&
        (!json_is_integer(hours) || json_integer_value(hours) < 1 || json_integer_value(hours) > 24 * 30)) {
        http_res_error(ctx->res, 400, "bad_request", "closes_in_hours must be a whole number from 1 to 720, or null");
        bad = 1;
    }
    snprintf(hours_s, sizeof hours_s, "%d", json_is_integer(hours) ? (int)json_integer_value(hours) : 0);
    json_decref(doc);
    if (bad)
        return;
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    const char *p[] = {title, has_topic == 1 ? topic : NULL, has_video == 1 && video[0] ? video : NULL, hours_s};
    PGresult *r = db_exec(db, &STMT_ROOM_INSERT, p);
    if (api_check(ctx, r))
        goto rollback;
    char id[37], target[64];
    snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
    snprintf(target, sizeof target, "chatroom:%s", id);
    int rc = admin_audit(ctx, db, "chatroom_open", target, NULL, PQgetvalue(r, 0, 1));
    PQclear(r);
    if (rc || admin_commit(ctx, db))
        goto rollback;
    respond_room(ctx, db, id);
    if (ctx->res->status == 200)
        ctx->res->status = 201;
    return;
rollback:
    admin_rollback(db);
}

static const db_stmt_t STMT_ROOM_LOCK = {
    "admin_chatroom_lock", "SELECT " ROOM_SNAPSHOT("r") " FROM chatrooms r WHERE r.id = $1 FOR UPDATE", 1};

/* Reopening a room whose closing time has passed also clears that time (it would be closed
 * again at once otherwise). */
static const db_stmt_t STMT_ROOM_UPDATE = {
    "admin_chatroom_update",
    "UPDATE chatrooms r SET is_active = coalesce($2::boolean, r.is_active), title = coalesce($3, r.title),"
    " topic = CASE WHEN $4::boolean THEN $5 ELSE r.topic END,"
    " youtube_video_id = CASE WHEN $6::boolean THEN $7 ELSE r.youtube_video_id END,"
    " closes_at = CASE WHEN $2::boolean AND r.closes_at <= now() THEN NULL ELSE r.closes_at END"
    " WHERE r.id = $1 RETURNING " ROOM_SNAPSHOT("r"),
    7};

void api_admin_chatroom_patch(http_ctx_t *ctx)
{
    char id[37];
    if (admin_param_uuid(ctx, 0, id))
        return;
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    char title[4 * 120 + 1], topic[4 * 500 + 1], video[16];
    int has_title = admin_text_field(ctx, doc, "title", 120, 0, title, sizeof title);
    json_t *topic_v = json_object_get(doc, "topic");
    int has_topic = has_title < 0 ? -1 : admin_text_field(ctx, doc, "topic", 500, 1, topic, sizeof topic);
    int has_video = has_topic < 0 ? -1 : video_field(ctx, doc, video, sizeof video);
    json_t *active = json_object_get(doc, "is_active");
    int bad = has_title < 0 || has_topic < 0 || has_video < 0;
    if (!bad && active && !json_is_boolean(active)) {
        http_res_error(ctx->res, 400, "bad_request", "is_active must be true or false");
        bad = 1;
    }
    int topic_set = topic_v != NULL; /* null clears the topic */
    int nfields = (has_title == 1) + topic_set + (has_video == 1) + (active != NULL);
    if (!bad && nfields == 0) {
        http_res_error(ctx->res, 400, "bad_request", "send at least one of title, topic, youtube_video_id, is_active");
        bad = 1;
    }
    const char *action = nfields > 1      ? "chatroom_update"
                         : active         ? (json_is_true(active) ? "chatroom_reopen" : "chatroom_close")
                         : has_video == 1 ? "chatroom_feature_video"
                                          : "chatroom_update";
    const char *active_s = active ? (json_is_true(active) ? "true" : "false") : NULL;
    json_decref(doc);
    if (bad)
        return;
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    char *before = admin_lock_before(ctx, db, &STMT_ROOM_LOCK, id, "no such chatroom");
    if (!before)
        goto rollback;
    PGresult *r;
    const char *p2[] = {id,
                        active_s,
                        has_title == 1 ? title : NULL,
                        topic_set ? "true" : "false",
                        has_topic == 1 ? topic : NULL,
                        has_video == 1 ? "true" : "false",
                        has_video == 1 && video[0] ? video : NULL};
    r = db_exec(db, &STMT_ROOM_UPDATE, p2);
    if (api_check(ctx, r)) {
        free(before);
        goto rollback;
    }
    char target[64];
    snprintf(target, sizeof target, "chatroom:%s", id);
    int rc = admin_audit(ctx, db, action, target, before, PQgetvalue(r, 0, 0));
    PQclear(r);
    free(before);
    if (rc || admin_commit(ctx, db))
        goto rollback;
    respond_room(ctx, db, id);
    return;
rollback:
    admin_rollback(db);
}
