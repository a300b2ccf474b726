/* admin_ops: the worker's queue as admins see it (depths, jobs waiting for a retry, dead
 * letters, the recurring schedules) with a retry for dead letters, and the audit log with its
 * filters (actor, action, target, date range), newest first, paged by id. The queue's keys
 * and fields are the ones store/queue.h documents; moving a dead letter back is queue.c's. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/admin.h"
#include "api/api.h"
#include "core/log.h"
#include "store/queue.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define LIST_MAX 50

static const char *const QUEUES[] = {QUEUE_DEFAULT};

/* epoch milliseconds (text) -> "2026-01-02T03:04:05Z", or null. */
static void json_ms(buf_t *b, const char *ms)
{
    char *end;
    long long v = ms ? strtoll(ms, &end, 10) : 0;
    if (!ms || *end || v <= 0) {
        buf_puts(b, "null");
        return;
    }
    time_t t = (time_t)(v / 1000);
    struct tm tm;
    char out[32];
    gmtime_r(&t, &tm);
    strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_json_cstr(b, out);
}

/* The value of field name in a stream entry's field/value array, or NULL. */
static const char *field(const redisReply *fv, const char *name)
{
    if (!fv || fv->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < fv->elements; i += 2)
        if (fv->element[i]->type == REDIS_REPLY_STRING && !strcmp(fv->element[i]->str, name) &&
            fv->element[i + 1]->type == REDIS_REPLY_STRING)
            return fv->element[i + 1]->str;
    return NULL;
}

/* Payloads are shown cut short: enough to recognise a job, never a whole blob. */
static void json_cut(buf_t *b, const char *s, size_t max)
{
    if (!s) {
        buf_puts(b, "null");
        return;
    }
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) /* not inside a UTF-8 sequence */
            n--;
    }
    buf_json_str(b, s, n);
}

static void render_dead(buf_t *b, redis_t *rd, const char *queue)
{
    redisReply *rep = redis_command(rd, "XREVRANGE queue:{%s}:dead + - COUNT %d", queue, LIST_MAX);
    buf_puts(b, "[");
    for (size_t i = 0; rep && rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
        const redisReply *e = rep->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING)
            continue;
        const redisReply *fv = e->element[1];
        buf_printf(b, "%s{\"dead_id\":", i ? "," : "");
        buf_json_cstr(b, e->element[0]->str);
        buf_puts(b, ",\"queue\":");
        buf_json_cstr(b, queue);
        buf_puts(b, ",\"job_id\":");
        buf_json_cstr(b, field(fv, "id"));
        buf_puts(b, ",\"type\":");
        buf_json_cstr(b, field(fv, "type"));
        const char *att = field(fv, "attempt");
        buf_printf(b, ",\"attempt\":%d,\"error\":", att ? atoi(att) : 0);
        json_cut(b, field(fv, "error"), 500);
        buf_puts(b, ",\"failed_at\":");
        json_ms(b, field(fv, "failed_at"));
        buf_puts(b, ",\"enqueued_at\":");
        json_ms(b, field(fv, "enqueued_at"));
        buf_puts(b, ",\"payload\":");
        json_cut(b, field(fv, "payload"), 300);
        buf_puts(b, "}");
    }
    buf_puts(b, "]");
    redis_reply_free(rep);
}

static void render_retrying(buf_t *b, redis_t *rd, const char *queue)
{
    redisReply *rep = redis_command(rd, "ZRANGE queue:{%s}:delayed 0 %d WITHSCORES", queue, LIST_MAX - 1);
    buf_puts(b, "[");
    int first = 1;
    for (size_t i = 0; rep && rep->type == REDIS_REPLY_ARRAY && i + 1 < rep->elements; i += 2) {
        const redisReply *m = rep->element[i], *score = rep->element[i + 1];
        if (m->type != REDIS_REPLY_STRING || score->type != REDIS_REPLY_STRING)
            continue;
        json_t *doc = json_loadb(m->str, m->len, 0, NULL);
        if (!json_is_object(doc)) {
            json_decref(doc);
            continue;
        }
        buf_printf(b, "%s{\"queue\":", first ? "" : ",");
        first = 0;
        buf_json_cstr(b, queue);
        buf_puts(b, ",\"job_id\":");
        buf_json_cstr(b, json_string_value(json_object_get(doc, "id")));
        buf_puts(b, ",\"type\":");
        buf_json_cstr(b, json_string_value(json_object_get(doc, "type")));
        const char *att = json_string_value(json_object_get(doc, "attempt"));
        buf_printf(b, ",\"attempt\":%d,\"last_error\":", att ? atoi(att) : 0);
        json_cut(b, json_string_value(json_object_get(doc, "last_error")), 500);
        char due[32];
        snprintf(due, sizeof due, "%lld", (long long)strtod(score->str, NULL));
        buf_puts(b, ",\"due_at\":");
        json_ms(b, due);
        buf_puts(b, "}");
        json_decref(doc);
    }
    buf_puts(b, "]");
    redis_reply_free(rep);
}

static const db_stmt_t STMT_SCHEDULES = {
    "admin_job_schedules", "SELECT name, " ISO("last_run_at") ", runs FROM job_schedules ORDER BY name", 0};

void api_admin_jobs(http_ctx_t *ctx)
{
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    PGresult *r = db_exec(db, &STMT_SCHEDULES, NULL);
    if (api_check(ctx, r))
        return;
    redis_t *rd = ctx->thread->redis;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"queues\":[");
    int redis_ok = 1;
    for (size_t q = 0; q < sizeof QUEUES / sizeof QUEUES[0]; q++) {
        queue_stats_t st;
        if (queue_stats(rd, QUEUES[q], &st)) {
            redis_ok = 0;
            break;
        }
        buf_printf(b, "%s{\"name\":", q ? "," : "");
        buf_json_cstr(b, QUEUES[q]);
        buf_printf(b, ",\"ready\":%lld,\"pending\":%lld,\"delayed\":%lld,\"dead\":%lld}", st.ready, st.pending,
                   st.delayed, st.dead);
    }
    buf_puts(b, "],\"retrying\":");
    if (redis_ok)
        render_retrying(b, rd, QUEUE_DEFAULT);
    else
        buf_puts(b, "[]");
    buf_puts(b, ",\"dead\":");
    if (redis_ok)
        render_dead(b, rd, QUEUE_DEFAULT);
    else
        buf_puts(b, "[]");
    buf_printf(b, ",\"redis_available\":%s,\"schedules\":[", redis_ok ? "true" : "false");
    for (int i = 0; i < PQntuples(r); i++) {
        buf_printf(b, "%s{\"name\":", i ? "," : "");
        buf_json_cstr(b, PQgetvalue(r, i, 0));
        buf_puts(b, ",\"last_run_at\":");
        api_json_time(b, r, i, 1);
        buf_printf(b, ",\"runs\":%s}", PQgetvalue(r, i, 2));
    }
    buf_puts(b, "]}");
    PQclear(r);
}

/* "1700000000000-0": a stream entry id. */
static int stream_id_ok(const char *s)
{
    const char *dash = strchr(s, '-');
    size_t a = dash ? (size_t)(dash - s) : 0, n = strlen(s);
    if (!dash || a < 1 || a > 20 || n - a - 1 < 1 || n - a - 1 > 20)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (i != a && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

/* POST /api/admin/jobs/dead/:dead_id/retry: the audit row is written in a transaction that
 * commits only once Redis has moved the job, so the log never claims a retry that did not
 * happen (a COMMIT failing after the move is logged). */
void api_admin_job_retry(http_ctx_t *ctx)
{
    char dead_id[48];
    if (http_req_param(ctx->req, 0, dead_id, sizeof dead_id) || !stream_id_ok(dead_id)) {
        http_res_error(ctx->res, 400, "bad_request", "the dead letter id must look like 1700000000000-0");
        return;
    }
    redis_t *rd = ctx->thread->redis;
    redisReply *rep = redis_command(rd, "XRANGE queue:{%s}:dead %s %s", QUEUE_DEFAULT, dead_id, dead_id);
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        redis_reply_free(rep);
        http_res_error(ctx->res, 503, "unavailable", "the job queue is unavailable, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return;
    }
    if (rep->elements != 1 || rep->element[0]->type != REDIS_REPLY_ARRAY || rep->element[0]->elements != 2) {
        redis_reply_free(rep);
        http_res_error(ctx->res, 404, "not_found", "no such dead letter (already retried?)");
        return;
    }
    const redisReply *fv = rep->element[0]->element[1];
    buf_t before;
    buf_init(&before, 4096);
    buf_puts(&before, "{\"dead_id\":");
    buf_json_cstr(&before, dead_id);
    buf_puts(&before, ",\"job_id\":");
    buf_json_cstr(&before, field(fv, "id"));
    buf_puts(&before, ",\"type\":");
    buf_json_cstr(&before, field(fv, "type"));
    buf_puts(&before, ",\"error\":");
    json_cut(&before, field(fv, "error"), 300);
    buf_puts(&before, "}");
    char target[QUEUE_ID_LEN + 16];
    snprintf(target, sizeof target, "job:%s", field(fv, "id") ? field(fv, "id") : "-");
    redis_reply_free(rep);

    db_conn_t *db = admin_begin(ctx);
    if (!db)
        goto out;
    if (admin_audit(ctx, db, "job_retry", target, before.data, "{\"attempt\":1}")) {
        admin_rollback(db);
        goto out;
    }
    int moved = queue_dead_retry(rd, QUEUE_DEFAULT, dead_id);
    if (moved != 1) {
        admin_rollback(db);
        if (moved == 0)
            http_res_error(ctx->res, 404, "not_found", "no such dead letter (already retried?)");
        else {
            http_res_error(ctx->res, 503, "unavailable", "the job queue is unavailable, try again shortly");
            http_res_header(ctx->res, "retry-after", "2");
        }
        goto out;
    }
    if (db_command(db, "COMMIT")) {
        admin_rollback(db);
        log_error("admin_audit", "request %s: dead letter %s retried but its audit row was lost", ctx->req->request_id,
                  dead_id);
    }
    buf_puts(&ctx->res->body, "{\"retried\":true}");
out:
    buf_free(&before);
}

/* ---- GET /api/admin/audit ---- */

static const db_stmt_t STMT_AUDIT = {
    "admin_audit_list",
    "SELECT a.id, a.actor_user_id, u.username, a.action, a.target, a.before, a.after, host(a.ip), "
    ISO("a.created_at")
    " FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id"
    " WHERE ($1::text IS NULL OR ($1 = 'cli' AND a.actor_user_id IS NULL) OR a.actor_user_id::text = $1"
    "        OR lower(u.username) = $1)"
    "   AND ($2::text IS NULL OR a.action LIKE $2 || '%' ESCAPE '\\')"
    "   AND ($3::text IS NULL OR a.target = $3)"
    "   AND ($4::timestamptz IS NULL OR a.created_at >= $4::timestamptz)"
    "   AND ($5::timestamptz IS NULL OR a.created_at < $5::timestamptz + CASE WHEN $6::boolean"
    "        THEN interval '1 day' ELSE interval '1 second' END)"
    "   AND ($7::bigint = 0 OR a.id < $7::bigint)"
    " ORDER BY a.id DESC LIMIT $8::int",
    8};

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC) -> "YYYY-MM-DD HH:MM:SS+00" in out;
 * *date_only set for the first form. 0, or -1 when it is not a real date and time. */
static int parse_when(const char *s, char *out, size_t n, int *date_only)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
    size_t len = strlen(s);
    if (len == 10) {
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10)
            return -1;
        *date_only = 1;
    } else {
        char tail[4] = "";
        int k = sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &used);
        if (k != 5 || used != 16)
            return -1;
        const char *rest = s + 16;
        if (rest[0] == ':') {
            if (sscanf(rest, ":%2d%n", &sec, &used) != 1 || used != 3)
                return -1;
            rest += 3;
        }
        snprintf(tail, sizeof tail, "%s", rest);
        if (strcmp(tail, "") && strcmp(tail, "Z"))
            return -1;
        *date_only = 0;
    }
    for (size_t i = 0; i < len; i++) /* sscanf's %d takes signs and spaces; the format does not */
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == ':' || s[i] == 'T' || s[i] == 'Z'))
            return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
    time_t t = timegm(&tm);
    struct tm back;
    gmtime_r(&t, &back);
    if (y < 1970 || y > 9999 || back.tm_year != y - 1900 || back.tm_mon != mo - 1 || back.tm_mday != d ||
        back.tm_hour != h || back.tm_min != mi || back.tm_sec != sec)
        return -1;
    snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d+00", y, mo, d, h, mi, sec);
    return 0;
}

void api_admin_audit_list(http_ctx_t *ctx)
{
    char actor[80] = "", action[80] = "", action_like[160], target[120] = "", from[40] = "", to[40] = "";
    char from_ts[40], to_ts[40], before_s[24], limit_s[16];
    long before, limit;
    if (http_req_query(ctx->req, "actor", actor, sizeof actor) < 0 ||
        http_req_query(ctx->req, "action", action, sizeof action) < 0 ||
        http_req_query(ctx->req, "target", target, sizeof target) < 0 ||
        http_req_query(ctx->req, "from", from, sizeof from) < 0 || http_req_query(ctx->req, "to", to, sizeof to) < 0) {
        http_res_error(ctx->res, 400, "bad_request", "a filter is malformed or too long");
        return;
    }
    if (api_query_int(ctx, "before", 0, 0, 9223372036854775807L, &before) ||
        api_query_int(ctx, "limit", 50, 1, 200, &limit))
        return;
    int from_day = 0, to_day = 0;
    if ((from[0] && parse_when(from, from_ts, sizeof from_ts, &from_day)) ||
        (to[0] && parse_when(to, to_ts, sizeof to_ts, &to_day))) {
        http_res_error(ctx->res, 400, "bad_request", "from and to must be dates (2026-01-31) or UTC times (2026-01-31T13:45Z)");
        return;
    }
    for (char *p = actor; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    size_t n = 0;
    for (const char *p = action; *p; p++) { /* a literal prefix: "creature_" finds every creature action */
        if (*p == '%' || *p == '_' || *p == '\\')
            action_like[n++] = '\\';
        action_like[n++] = *p;
    }
    action_like[n] = '\0';
    snprintf(before_s, sizeof before_s, "%ld", before);
    snprintf(limit_s, sizeof limit_s, "%ld", limit);
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    const char *params[] = {actor[0] ? actor : NULL,   action[0] ? action_like : NULL, target[0] ? target : NULL,
                            from[0] ? from_ts : NULL,  to[0] ? to_ts : NULL,          to_day ? "true" : "false",
                            before_s,                  limit_s};
    PGresult *r = db_exec(db, &STMT_AUDIT, params);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"entries\":[");
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        buf_printf(b, "%s{\"id\":%s,\"actor\":", i ? "," : "", PQgetvalue(r, i, 0));
        if (PQgetisnull(r, i, 1)) {
            buf_puts(b, "null");
        } else {
            buf_puts(b, "{\"id\":");
            buf_json_cstr(b, PQgetvalue(r, i, 1));
            buf_puts(b, ",\"username\":");
            buf_json_cstr(b, PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2));
            buf_puts(b, "}");
        }
        buf_puts(b, ",\"action\":");
        buf_json_cstr(b, PQgetvalue(r, i, 3));
        buf_puts(b, ",\"target\":");
        buf_json_cstr(b, PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4));
        buf_puts(b, ",\"before\":");
        admin_json_raw(b, r, i, 5);
        buf_puts(b, ",\"after\":");
        admin_json_raw(b, r, i, 6);
        buf_puts(b, ",\"ip\":");
        buf_json_cstr(b, PQgetisnull(r, i, 7) ? NULL : PQgetvalue(r, i, 7));
        buf_puts(b, ",\"created_at\":");
        api_json_time(b, r, i, 8);
        buf_puts(b, "}");
    }
    buf_puts(b, "],\"next_before\":");
    if (rows == limit)
        buf_puts(b, PQgetvalue(r, rows - 1, 0));
    else
        buf_puts(b, "null");
    buf_puts(b, "}");
    PQclear(r);
}
