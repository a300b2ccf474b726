/* live_chat: the WebSocket protocol. GET /ws opens a socket for a signed-in player (Origin
 * checked); frames are JSON objects:
 *   {"type":"join","room":ID}   {"type":"leave","room":ID}   {"type":"ping"}
 *   {"type":"say","room":ID,"text":"...","ref":"client tag"}
 * A said line is checked (length, rate limit, mute, bad words), stored in PostgreSQL, then
 * published to the room's topic so every instance delivers it to the room's sockets; the HTTP
 * POST /api/chatrooms/:id/messages goes through the same live_chat_say. */
#include "api/live_chat.h"

#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "core/log.h"
#include "game/username.h"
#include "store/pubsub.h"
#include "store/ratelimit.h"

void api_ws_connect(http_ctx_t *ctx)
{
    if (!ctx->req->websocket_handshake) {
        http_res_error(ctx->res, 400, "bad_request", "this endpoint speaks WebSocket only");
        return;
    }
    if (!app_same_origin(ctx)) {
        http_res_error(ctx->res, 403, "forbidden", "cross-site WebSocket refused");
        return;
    }
    ctx->res->ws.accept = 1;
    snprintf(ctx->res->ws.user_id, sizeof ctx->res->ws.user_id, "%s", api_user_id(ctx));
    snprintf(ctx->res->ws.subscribe, sizeof ctx->res->ws.subscribe, "user:%s", api_user_id(ctx));
}

static void ws_error(http_ctx_t *ctx, const char *code, const char *message, const char *ref)
{
    buf_t *b = &ctx->res->body;
    buf_reset(b);
    buf_puts(b, "{\"type\":\"error\",\"code\":");
    buf_json_cstr(b, code);
    buf_puts(b, ",\"message\":");
    buf_json_cstr(b, message);
    if (ref) {
        buf_puts(b, ",\"ref\":");
        buf_json_cstr(b, ref);
    }
    buf_puts(b, "}");
}

/* Counts UTF-8 code points (the 500-character limit is in characters, not bytes). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static const db_stmt_t STMT_ROOM_OPEN = {
    "chat_room_open",
    "SELECT 1 FROM chatrooms WHERE id = $1 AND is_active AND (closes_at IS NULL OR closes_at > now())", 1};

static int room_open(http_ctx_t *ctx, const char *room)
{
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return -1;
    const char *params[] = {room};
    PGresult *r = db_exec(db, &STMT_ROOM_OPEN, params);
    if (api_check(ctx, r))
        return -1;
    int open = PQntuples(r) == 1;
    PQclear(r);
    return open;
}

/* A chat line commits without waiting for its WAL flush (synchronous_commit off, for this
 * statement's transaction only): a crash of PostgreSQL may lose the last fraction of a second of
 * chat, never corrupt anything, and no other write is affected; in exchange a line does not wait
 * for an fsync before it is published, which is most of its latency on a busy disk. */
static const db_stmt_t STMT_SAY = {
    "chat_say",
    "WITH async AS (SELECT set_config('synchronous_commit', 'off', true)),"
    " speaker AS ("
    "  SELECT u.id, u.username, u.current_creature_id FROM users u"
    "  WHERE u.id = $1 AND u.deleted_at IS NULL AND u.suspended_at IS NULL"
    "  AND NOT EXISTS (SELECT 1 FROM chat_mutes m WHERE m.user_id = u.id"
    "                  AND (m.muted_until IS NULL OR m.muted_until > now()))),"
    " room AS (SELECT id FROM chatrooms WHERE id = $2 AND is_active AND (closes_at IS NULL OR closes_at > now())),"
    " ins AS (INSERT INTO chat_messages (room_id, user_id, creature_id, body)"
    "  SELECT room.id, speaker.id, speaker.current_creature_id, $3 FROM speaker, room, async"
    "  RETURNING id, creature_id, created_at)"
    " SELECT ins.id, speaker.username, ins.creature_id, c.name,"
    "  to_char(ins.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    "  (SELECT count(*) FROM room), (SELECT count(*) FROM speaker)"
    " FROM ins CROSS JOIN speaker LEFT JOIN creatures c ON c.id = ins.creature_id",
    3};

/* Why nothing was inserted: does the room exist, is it open, is the speaker muted. */
static const db_stmt_t STMT_SAY_WHY = {
    "chat_say_why",
    "SELECT (SELECT count(*) FROM chatrooms WHERE id = $2 AND is_active AND (closes_at IS NULL OR closes_at > now())),"
    " (SELECT count(*) FROM chat_mutes m WHERE m.user_id = $1 AND (m.muted_until IS NULL OR m.muted_until > now())),"
    " (SELECT count(*) FROM chatrooms WHERE id = $2)",
    2};

const char *live_chat_say_message(say_status_t s)
{
    switch (s) {
    case SAY_OK: return "sent";
    case SAY_BAD_LENGTH: return "a message is 1 to 500 characters";
    case SAY_RATE_LIMITED: return "you are sending messages too fast";
    case SAY_BAD_WORDS: return "that message contains words we do not allow";
    case SAY_NO_ROOM: return "no chatroom with this id";
    case SAY_CLOSED: return "this chatroom is closed";
    case SAY_MUTED: return "you are muted in chat";
    case SAY_FORBIDDEN: return "you cannot post";
    case SAY_UNAVAILABLE: return "chat is unavailable, try again shortly";
    }
    return "you cannot post";
}

say_status_t live_chat_say(http_ctx_t *ctx, const char *user_id, const char *room, const char *text, buf_t *message,
                           say_result_t *res)
{
    memset(res, 0, sizeof *res);
    size_t chars = utf8_chars(text);
    if (chars == 0 || chars > CHAT_MAX_CHARS)
        return res->status = SAY_BAD_LENGTH;
    const rate_rule_t *rule = &ctx->app->rates[RATE_CHAT];
    ratelimit_result_t rl;
    char subject[64];
    snprintf(subject, sizeof subject, "u:%s", user_id);
    if (ratelimit_hit(ctx->thread->redis, "chat", subject, rule->limit, rule->window_s, &rl) == 0 && !rl.allowed) {
        res->retry_after_s = rl.reset_s > 0 ? rl.reset_s : 1;
        return res->status = SAY_RATE_LIMITED;
    }
    if (username_has_bad_word(text))
        return res->status = SAY_BAD_WORDS;
    db_conn_t *db = api_db(ctx);
    if (!db)
        return res->status = SAY_UNAVAILABLE;
    const char *params[] = {user_id, room, text};
    PGresult *r = db_exec(db, &STMT_SAY, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        if (r)
            log_error("chat_say", "request %s: %s", ctx->req->request_id, PQresultErrorMessage(r));
        PQclear(r);
        return res->status = SAY_UNAVAILABLE;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        const char *why_params[] = {user_id, room};
        PGresult *w = db_exec(db, &STMT_SAY_WHY, why_params);
        if (!w || PQresultStatus(w) != PGRES_TUPLES_OK) {
            PQclear(w);
            return res->status = SAY_UNAVAILABLE;
        }
        int room_ok = atoi(PQgetvalue(w, 0, 0)) == 1;
        int muted = atoi(PQgetvalue(w, 0, 1)) > 0;
        int exists = atoi(PQgetvalue(w, 0, 2)) == 1;
        PQclear(w);
        return res->status = !exists ? SAY_NO_ROOM : !room_ok ? SAY_CLOSED : muted ? SAY_MUTED : SAY_FORBIDDEN;
    }
    res->id = atoll(PQgetvalue(r, 0, 0));
    buf_t msg;
    buf_init(&msg, 16 * 1024);
    buf_puts(&msg, "{\"type\":\"message\",\"room\":");
    buf_json_cstr(&msg, room);
    buf_puts(&msg, ",\"message\":");
    size_t obj = msg.len;
    buf_printf(&msg, "{\"id\":%s,\"username\":", PQgetvalue(r, 0, 0));
    buf_json_cstr(&msg, PQgetvalue(r, 0, 1));
    buf_puts(&msg, ",\"chatling\":");
    if (PQgetisnull(r, 0, 2)) {
        buf_puts(&msg, "null");
    } else {
        buf_puts(&msg, "{\"id\":");
        buf_json_cstr(&msg, PQgetvalue(r, 0, 2));
        buf_puts(&msg, ",\"name\":");
        buf_json_cstr(&msg, PQgetvalue(r, 0, 3));
        buf_puts(&msg, "}");
    }
    buf_puts(&msg, ",\"text\":");
    buf_json_cstr(&msg, text);
    buf_puts(&msg, ",\"created_at\":");
    buf_json_cstr(&msg, PQgetvalue(r, 0, 4));
    buf_puts(&msg, "}");
    if (message)
        buf_append(message, msg.data + obj, msg.len - obj);
    buf_puts(&msg, "}");
    char topic[PUBSUB_TOPIC_MAX];
    snprintf(topic, sizeof topic, "room:%s", room);
    pubsub_publish(ctx->thread->redis, topic, msg.data, msg.len);
    buf_free(&msg);
    PQclear(r);
    return res->status = SAY_OK;
}

/* The WebSocket "say": the shared rules, answered as frames ("not_found" for closed rooms too:
 * the page only offers open ones). */
static void say(http_ctx_t *ctx, const char *room, const char *text, const char *ref)
{
    say_result_t res;
    static const char *const CODES[] = {
        [SAY_OK] = "sent",           [SAY_BAD_LENGTH] = "bad_request", [SAY_RATE_LIMITED] = "rate_limited",
        [SAY_BAD_WORDS] = "message_refused", [SAY_NO_ROOM] = "not_found", [SAY_CLOSED] = "not_found",
        [SAY_MUTED] = "forbidden",   [SAY_FORBIDDEN] = "forbidden",    [SAY_UNAVAILABLE] = "unavailable",
    };
    say_status_t st = live_chat_say(ctx, ctx->req->ws_user_id, room, text, NULL, &res);
    if (st != SAY_OK) {
        ws_error(ctx, CODES[st], st == SAY_CLOSED ? "no open chatroom with this id" : live_chat_say_message(st), ref);
        return;
    }
    buf_t *b = &ctx->res->body;
    buf_reset(b);
    buf_printf(b, "{\"type\":\"sent\",\"id\":%lld", res.id);
    if (ref) {
        buf_puts(b, ",\"ref\":");
        buf_json_cstr(b, ref);
    }
    buf_puts(b, "}");
}

void api_ws_message(http_ctx_t *ctx)
{
    json_error_t jerr;
    json_t *doc = json_loadb(ctx->req->body, ctx->req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        ws_error(ctx, "bad_request", "frames are JSON objects", NULL);
        return;
    }
    const char *type = json_string_value(json_object_get(doc, "type"));
    const char *room = json_string_value(json_object_get(doc, "room"));
    const char *ref = json_string_value(json_object_get(doc, "ref"));
    if (ref && strlen(ref) > 64)
        ref = NULL;
    if (!type) {
        ws_error(ctx, "bad_request", "a frame needs a type", ref);
    } else if (!strcmp(type, "ping")) {
        buf_puts(&ctx->res->body, "{\"type\":\"pong\"}");
    } else if (strcmp(type, "join") && strcmp(type, "leave") && strcmp(type, "say")) {
        ws_error(ctx, "bad_request", "unknown frame type", ref);
    } else if (!room || !api_is_uuid(room)) {
        ws_error(ctx, "bad_request", "room must be a chatroom id", ref);
    } else if (!strcmp(type, "leave")) {
        snprintf(ctx->res->ws.unsubscribe, sizeof ctx->res->ws.unsubscribe, "room:%s", room);
        buf_puts(&ctx->res->body, "{\"type\":\"left\",\"room\":");
        buf_json_cstr(&ctx->res->body, room);
        buf_puts(&ctx->res->body, "}");
    } else if (!strcmp(type, "join")) {
        int open = room_open(ctx, room);
        buf_reset(&ctx->res->body);
        if (open < 0) {
            ws_error(ctx, "unavailable", "chat is unavailable, try again shortly", ref);
        } else if (!open) {
            ws_error(ctx, "not_found", "no open chatroom with this id", ref);
        } else {
            snprintf(ctx->res->ws.subscribe, sizeof ctx->res->ws.subscribe, "room:%s", room);
            buf_puts(&ctx->res->body, "{\"type\":\"joined\",\"room\":");
            buf_json_cstr(&ctx->res->body, room);
            buf_puts(&ctx->res->body, "}");
        }
    } else {
        const char *text = json_string_value(json_object_get(doc, "text"));
        if (!text)
            ws_error(ctx, "bad_request", "say needs a text", ref);
        else
            say(ctx, room, text, ref);
    }
    json_decref(doc);
}
