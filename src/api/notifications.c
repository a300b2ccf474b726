/* notifications: GET /api/user/notifications (newest first, paged, with the unread count) and
 * POST /api/user/notifications/read ({"ids":[...]} or {"all":true}). Only the player's own
 * notifications are ever listed or marked: every statement is keyed by the session's user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define MAX_IDS 500

/* The page, the total and the unread count in one statement ($4: only unread ones). */
static const db_stmt_t STMT_LIST = {
    "notifications_list",
    "SELECT (SELECT count(*) FROM notifications WHERE user_id = $1 AND (NOT $4::bool OR read_at IS NULL)),"
    " (SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL),"
    " p.id, p.category, p.title, p.body, p.data::text, " ISO("p.created_at") ", " ISO("p.read_at")
    " FROM (SELECT 1) one LEFT JOIN LATERAL"
    " (SELECT * FROM notifications WHERE user_id = $1 AND (NOT $4::bool OR read_at IS NULL)"
    "  ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3) p ON true"
    " ORDER BY p.created_at DESC, p.id DESC",
    4};

/* Appends jsonb text (valid JSON from PostgreSQL) with <, > and & written as \u escapes, like
 * every other string this API renders, so that the JSON stays safe inside HTML. The three
 * characters can only occur inside JSON strings, where the escapes mean the same thing. */
static void json_safe(buf_t *b, const char *json)
{
    const char *run = json;
    for (const char *p = json; *p; p++) {
        if (*p != '<' && *p != '>' && *p != '&')
            continue;
        buf_append(b, run, (size_t)(p - run));
        buf_printf(b, "\\u%04x", (unsigned char)*p);
        run = p + 1;
    }
    buf_puts(b, run);
}

void api_notifications_list(http_ctx_t *ctx)
{
    long page, limit, unread_only;
    if (api_query_int(ctx, "page", 1, 1, 100000, &page) || api_query_int(ctx, "limit", 20, 1, 100, &limit) ||
        api_query_int(ctx, "unread", 0, 0, 1, &unread_only))
        return;
    char limit_s[16], offset_s[24];
    snprintf(limit_s, sizeof limit_s, "%ld", limit);
    snprintf(offset_s, sizeof offset_s, "%ld", (page - 1) * limit);
    db_conn_t *db = api_db(ctx); /* marked read a moment ago must show as read */
    if (!db)
        return;
    const char *params[] = {api_user_id(ctx), limit_s, offset_s, unread_only ? "true" : "false"};
    PGresult *r = db_exec(db, &STMT_LIST, params);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"notifications\":[");
    int n = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        if (PQgetisnull(r, i, 2))
            continue;
        buf_printf(b, "%s{\"id\":%s,\"category\":", n++ ? "," : "", PQgetvalue(r, i, 2));
        buf_json_cstr(b, PQgetvalue(r, i, 3));
        buf_puts(b, ",\"title\":");
        buf_json_cstr(b, PQgetvalue(r, i, 4));
        buf_puts(b, ",\"body\":");
        buf_json_cstr(b, PQgetvalue(r, i, 5));
        buf_puts(b, ",\"data\":");
        json_safe(b, PQgetvalue(r, i, 6));
        buf_puts(b, ",\"created_at\":");
        api_json_time(b, r, i, 7);
        buf_puts(b, ",\"read_at\":");
        api_json_time(b, r, i, 8);
        buf_puts(b, "}");
    }
    buf_printf(b, "],\"page\":%ld,\"limit\":%ld,\"total\":%s,\"unread\":%s}", page, limit, PQgetvalue(r, 0, 0),
               PQgetvalue(r, 0, 1));
    PQclear(r);
}

static const db_stmt_t STMT_READ_IDS = {
    "notifications_read_ids",
    "WITH m AS (UPDATE notifications SET read_at = now()"
    "           WHERE user_id = $1 AND id = ANY($2::bigint[]) AND read_at IS NULL RETURNING id)"
    " SELECT (SELECT count(*) FROM m),"
    " (SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL) - (SELECT count(*) FROM m)",
    2};

static const db_stmt_t STMT_READ_ALL = {
    "notifications_read_all",
    "WITH m AS (UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL RETURNING id)"
    " SELECT (SELECT count(*) FROM m), 0",
    1};

void api_notifications_read(http_ctx_t *ctx)
{
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    json_t *ids = json_object_get(doc, "ids");
    json_t *all = json_object_get(doc, "all");
    int mark_all = json_is_true(all);
    if ((all && !json_is_boolean(all)) || (!mark_all && !json_is_array(ids)) || (mark_all && ids)) {
        json_decref(doc);
        http_res_error(ctx->res, 400, "bad_request", "send {\"ids\":[notification ids]} or {\"all\":true}");
        return;
    }
    buf_t list;
    buf_init(&list, 16 * 1024);
    if (!mark_all) {
        size_t n = json_array_size(ids);
        if (n > MAX_IDS) {
            json_decref(doc);
            buf_free(&list);
            http_res_error(ctx->res, 400, "bad_request", "at most 500 ids at a time");
            return;
        }
        buf_puts(&list, "{");
        for (size_t i = 0; i < n; i++) {
            json_t *v = json_array_get(ids, i);
            if (!json_is_integer(v) || json_integer_value(v) < 1) {
                json_decref(doc);
                buf_free(&list);
                http_res_error(ctx->res, 400, "bad_request", "ids must be positive integers");
                return;
            }
            buf_printf(&list, "%s%lld", i ? "," : "", (long long)json_integer_value(v));
        }
        buf_puts(&list, "}");
    }
    json_decref(doc);
    db_conn_t *db = api_db(ctx);
    if (!db) {
        buf_free(&list);
        return;
    }
    const char *params[] = {api_user_id(ctx), list.data};
    PGresult *r = db_exec(db, mark_all ? &STMT_READ_ALL : &STMT_READ_IDS, params);
    buf_free(&list);
    if (api_check(ctx, r))
        return;
    buf_printf(&ctx->res->body, "{\"marked\":%s,\"unread\":%s}", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
    PQclear(r);
}
