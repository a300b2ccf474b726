/* chat_messages: the live chat's HTTP side.
 *   GET  /api/chatrooms/:id/messages?before_id=&limit=   history, newest first, hidden ones left out
 *   POST /api/chatrooms/:id/messages {text}              say a line (same rules as the WebSocket)
 *   POST /api/chatrooms/:id/messages/:message_id/report {reason}   flag a line for the moderators
 * History pages by message id (before_id = the last id of the previous page), which stays right
 * while new lines arrive, unlike offsets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/live_chat.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define REPORT_REASON_MAX 500

static int room_param(http_ctx_t *ctx, char id[37])
{
    if (http_req_param(ctx->req, 0, id, 37) || !api_is_uuid(id)) {
        http_res_error(ctx->res, 400, "bad_request", "the chatroom id must be a UUID");
        return -1;
    }
    return 0;
}

static const db_stmt_t STMT_ROOM_EXISTS = {"chat_messages_room", "SELECT 1 FROM chatrooms WHERE id = $1", 1};

#define HISTORY_SQL(extra)                                                                          \
    "SELECT m.id, u.username, m.creature_id, c.name, m.body, " ISO("m.created_at")                 \
    " FROM chat_messages m JOIN users u ON u.id = m.user_id LEFT JOIN creatures c ON c.id = m.creature_id" \
    " WHERE m.room_id = $1 AND m.hidden_at IS NULL" extra " ORDER BY m.id DESC LIMIT $2::int"

/* Two statements rather than "$3 IS NULL OR m.id < $3": each keeps its own tight plan. */
static const db_stmt_t STMT_HISTORY = {"chat_messages_history", HISTORY_SQL(""), 2};
static const db_stmt_t STMT_HISTORY_BEFORE = {"chat_messages_history_before",
                                              HISTORY_SQL(" AND m.id < $3::bigint"), 3};

void api_chat_messages_list(http_ctx_t *ctx)
{
    char room[37];
    if (room_param(ctx, room))
        return;
    long limit, before;
    if (api_query_int(ctx, "limit", 50, 1, 100, &limit) ||
        api_query_int(ctx, "before_id", 0, 1, 9000000000000000000L, &before))
        return;
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    const char *p1[] = {room};
    PGresult *r = db_exec(db, &STMT_ROOM_EXISTS, p1);
    if (api_check(ctx, r))
        return;
    int exists = PQntuples(r) == 1;
    PQclear(r);
    if (!exists) {
        http_res_error(ctx->res, 404, "not_found", "no chatroom with this id");
        return;
    }
    char lim[16], bef[24];
    snprintf(lim, sizeof lim, "%ld", limit);
    snprintf(bef, sizeof bef, "%ld", before);
    const char *p2[] = {room, lim, bef};
    r = db_exec(db, before ? &STMT_HISTORY_BEFORE : &STMT_HISTORY, p2);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    int n = PQntuples(r);
    buf_puts(b, "{\"messages\":[");
    for (int i = 0; i < n; i++) {
        buf_printf(b, "%s{\"id\":%s,\"username\":", i ? "," : "", PQgetvalue(r, i, 0));
        buf_json_cstr(b, PQgetvalue(r, i, 1));
        buf_puts(b, ",\"chatling\":");
        if (PQgetisnull(r, i, 2)) {
            buf_puts(b, "null");
        } else {
            buf_puts(b, "{\"id\":");
            buf_json_cstr(b, PQgetvalue(r, i, 2));
            buf_puts(b, ",\"name\":");
            buf_json_cstr(b, PQgetvalue(r, i, 3));
            buf_puts(b, "}");
        }
        buf_puts(b, ",\"text\":");
        buf_json_cstr(b, PQgetvalue(r, i, 4));
        buf_puts(b, ",\"created_at\":");
        api_json_time(b, r, i, 5);
        buf_puts(b, "}");
    }
    buf_puts(b, "],\"next_before_id\":");
    if (n == limit)
        buf_puts(b, PQgetvalue(r, n - 1, 0));
    else
        buf_puts(b, "null");
    buf_puts(b, "}");
    PQclear(r);
}

void api_chat_messages_post(http_ctx_t *ctx)
{
    char room[37];
    if (room_param(ctx, room))
        return;
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    const char *text = json_string_value(json_object_get(doc, "text"));
    if (!text) {
        json_decref(doc);
        http_res_error(ctx->res, 400, "bad_request", "text must be a string of 1 to 500 characters");
        return;
    }
    say_result_t res;
    buf_t msg;
    buf_init(&msg, 16 * 1024);
    say_status_t st = live_chat_say(ctx, api_user_id(ctx), room, text, &msg, &res);
    json_decref(doc);
    const char *why = live_chat_say_message(st);
    switch (st) {
    case SAY_OK:
        ctx->res->status = 201;
        buf_reset(&ctx->res->body);
        buf_puts(&ctx->res->body, "{\"message\":");
        buf_append(&ctx->res->body, msg.data, msg.len);
        buf_puts(&ctx->res->body, "}");
        break;
    case SAY_BAD_LENGTH:
        http_res_error(ctx->res, 400, "bad_request", why);
        break;
    case SAY_BAD_WORDS:
        http_res_error(ctx->res, 400, "message_refused", why);
        break;
    case SAY_RATE_LIMITED: {
        char retry[24];
        snprintf(retry, sizeof retry, "%ld", res.retry_after_s);
        http_res_header(ctx->res, "retry-after", retry);
        http_res_error(ctx->res, 429, "rate_limited", why);
        break;
    }
    case SAY_NO_ROOM:
        http_res_error(ctx->res, 404, "not_found", why);
        break;
    case SAY_CLOSED:
        http_res_error(ctx->res, 409, "conflict", why);
        break;
    case SAY_MUTED:
    case SAY_FORBIDDEN:
        http_res_error(ctx->res, 403, "forbidden", why);
        break;
    case SAY_UNAVAILABLE:
        if (ctx->res->status != 503) {
            http_res_error(ctx->res, 503, "unavailable", why);
            http_res_header(ctx->res, "retry-after", "2");
        }
        break;
    }
    buf_free(&msg);
}

static const db_stmt_t STMT_MESSAGE = {
    "chat_messages_get", "SELECT user_id FROM chat_messages WHERE id = $1::bigint AND room_id = $2 AND hidden_at IS NULL",
    2};

static const db_stmt_t STMT_REPORT = {
    "chat_messages_report",
    "INSERT INTO chat_reports (message_id, reporter_id, reason) VALUES ($1::bigint, $2, $3)"
    " ON CONFLICT (message_id, reporter_id) DO NOTHING RETURNING message_id",
    3};

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

void api_chat_message_report(http_ctx_t *ctx)
{
    char room[37], mid[24];
    if (room_param(ctx, room))
        return;
    char *end;
    if (http_req_param(ctx->req, 1, mid, sizeof mid) || !mid[0] || strtoll(mid, &end, 10) <= 0 || *end) {
        http_res_error(ctx->res, 400, "bad_request", "the message id must be a positive number");
        return;
    }
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    json_t *jr = json_object_get(doc, "reason");
    if (jr && !json_is_null(jr) && (!json_is_string(jr) || utf8_chars(json_string_value(jr)) > REPORT_REASON_MAX)) {
        json_decref(doc);
        http_res_error(ctx->res, 400, "bad_request", "reason must be text of at most 500 characters");
        return;
    }
    char reason[REPORT_REASON_MAX * 4 + 1];
    snprintf(reason, sizeof reason, "%s", json_is_string(jr) ? json_string_value(jr) : "");
    json_decref(doc);
    const char *uid = api_user_id(ctx);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    const char *p1[] = {mid, room};
    PGresult *r = db_exec(db, &STMT_MESSAGE, p1);
    if (api_check(ctx, r))
        return;
    if (PQntuples(r) == 0) {
        PQclear(r);
        http_res_error(ctx->res, 404, "not_found", "no such message in this chatroom");
        return;
    }
    int own = !strcmp(PQgetvalue(r, 0, 0), uid);
    PQclear(r);
    if (own) {
        http_res_error(ctx->res, 400, "bad_request", "you cannot report your own message");
        return;
    }
    const char *p2[] = {mid, uid, reason};
    r = db_exec(db, &STMT_REPORT, p2);
    if (api_check(ctx, r))
        return;
    int fresh = PQntuples(r) == 1;
    PQclear(r);
    ctx->res->status = fresh ? 201 : 200;
    buf_printf(&ctx->res->body, "{\"reported\":true,\"message_id\":%s,\"already\":%s}", mid, fresh ? "false" : "true");
}
