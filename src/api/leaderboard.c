/* leaderboard: GET /api/leaderboard/:board?period=all|week[&week=YYYY-Www]. The top 100 (rank,
 * username, score; public data only) is cached for a minute (leaderboard:cache:...); the
 * caller's own rank and score are always read live. Finished weeks come from
 * leaderboard_archive. Equal scores are ordered by user id, as Redis orders them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "core/clock.h"
#include "store/cache.h"
#include "store/leaderboard.h"

#define TOP_N 100

static void unavailable(http_ctx_t *ctx)
{
    http_res_error(ctx->res, 503, "unavailable", "leaderboards are unavailable, try again shortly");
    http_res_header(ctx->res, "retry-after", "2");
}

/* A Redis score as the board shows it: an integer, or two decimals for the team score. */
static void render_score(buf_t *b, int board, double score)
{
    if (leaderboard_has_decimals(board)) {
        long long x100 = llround(score * 100);
        buf_printf(b, "%lld.%02lld", x100 / 100, x100 % 100);
    } else {
        buf_printf(b, "%lld", llround(score));
    }
}

/* A numeric(20,2) text from the archive ("123.00") the same way. */
static void render_numeric(buf_t *b, int board, const char *v)
{
    if (leaderboard_has_decimals(board))
        buf_puts(b, v);
    else
        buf_printf(b, "%lld", strtoll(v, NULL, 10));
}

static const db_stmt_t STMT_NAMES = {
    "leaderboard_names",
    "SELECT id, username FROM users WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL AND suspended_at IS NULL", 1};

/* The top 100 of a live board as a JSON array into out. 0, or -1 with the response set. */
static int live_top(http_ctx_t *ctx, int board, int weekly, buf_t *out)
{
    redisReply *rep = redis_command(ctx->thread->redis, "ZREVRANGE %s 0 %d WITHSCORES", leaderboard_key(board, weekly),
                                    TOP_N - 1);
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        redis_reply_free(rep);
        unavailable(ctx);
        return -1;
    }
    size_t n = rep->elements / 2;
    PGresult *names = NULL;
    if (n > 0) {
        buf_t ids;
        buf_init(&ids, 8192);
        buf_puts(&ids, "{");
        for (size_t i = 0; i < n; i++) {
            if (!api_is_uuid(rep->element[2 * i]->str))
                continue; /* not ours: never sent to PostgreSQL */
            buf_printf(&ids, "%s%s", ids.len > 1 ? "," : "", rep->element[2 * i]->str);
        }
        buf_puts(&ids, "}");
        db_conn_t *db = api_db_read(ctx);
        if (!db) {
            buf_free(&ids);
            redis_reply_free(rep);
            return -1;
        }
        const char *params[] = {ids.data};
        names = db_exec(db, &STMT_NAMES, params);
        buf_free(&ids);
        if (api_check(ctx, names)) {
            redis_reply_free(rep);
            return -1;
        }
    }
    buf_puts(out, "[");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        const char *id = rep->element[2 * i]->str;
        const char *username = NULL;
        for (int k = 0; names && k < PQntuples(names); k++)
            if (!strcmp(PQgetvalue(names, k, 0), id)) {
                username = PQgetvalue(names, k, 1);
                break;
            }
        if (!username)
            continue; /* deleted or suspended since: not shown (the next rebuild drops them) */
        buf_printf(out, "%s{\"rank\":%zu,\"username\":", first ? "" : ",", i + 1);
        buf_json_cstr(out, username);
        buf_puts(out, ",\"score\":");
        render_score(out, board, strtod(rep->element[2 * i + 1]->str, NULL));
        buf_puts(out, "}");
        first = 0;
    }
    buf_puts(out, "]");
    PQclear(names);
    redis_reply_free(rep);
    return 0;
}

/* The caller's live rank: {"rank":n,"score":s}, rank null when not on the board. */
static int live_me(http_ctx_t *ctx, int board, int weekly, const char *uid, buf_t *out)
{
    redis_t *r = ctx->thread->redis;
    const char *key = leaderboard_key(board, weekly);
    if (redis_append(r, "ZREVRANK %s %s", key, uid) || redis_append(r, "ZSCORE %s %s", key, uid)) {
        unavailable(ctx);
        return -1;
    }
    redisReply *rank = redis_get_reply(r);
    redisReply *score = rank ? redis_get_reply(r) : NULL;
    int rc = 0;
    if (!rank || !score || rank->type == REDIS_REPLY_ERROR || score->type == REDIS_REPLY_ERROR) {
        unavailable(ctx);
        rc = -1;
    } else if (rank->type == REDIS_REPLY_INTEGER && score->type == REDIS_REPLY_STRING) {
        buf_printf(out, "{\"rank\":%lld,\"score\":", rank->integer + 1);
        render_score(out, board, strtod(score->str, NULL));
        buf_puts(out, "}");
    } else {
        buf_puts(out, "{\"rank\":null,\"score\":0}");
    }
    redis_reply_free(rank);
    redis_reply_free(score);
    return rc;
}

static const db_stmt_t STMT_ARCHIVE_TOP = {
    "leaderboard_archive_top",
    "SELECT rank, username, score FROM leaderboard_archive WHERE board = $1 AND week = $2 ORDER BY rank LIMIT 100", 2};
static const db_stmt_t STMT_ARCHIVE_ME = {
    "leaderboard_archive_me",
    "SELECT rank, score FROM leaderboard_archive WHERE user_id = $1 AND board = $2 AND week = $3", 3};

static int archived_top(http_ctx_t *ctx, int board, const char *week, buf_t *out)
{
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return -1;
    const char *params[] = {LEADERBOARD_NAMES[board], week};
    PGresult *res = db_exec(db, &STMT_ARCHIVE_TOP, params);
    if (api_check(ctx, res))
        return -1;
    buf_puts(out, "[");
    for (int i = 0; i < PQntuples(res); i++) {
        buf_printf(out, "%s{\"rank\":%s,\"username\":", i ? "," : "", PQgetvalue(res, i, 0));
        buf_json_cstr(out, PQgetvalue(res, i, 1));
        buf_puts(out, ",\"score\":");
        render_numeric(out, board, PQgetvalue(res, i, 2));
        buf_puts(out, "}");
    }
    buf_puts(out, "]");
    PQclear(res);
    return 0;
}

static int archived_me(http_ctx_t *ctx, int board, const char *week, const char *uid, buf_t *out)
{
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return -1;
    const char *params[] = {uid, LEADERBOARD_NAMES[board], week};
    PGresult *res = db_exec(db, &STMT_ARCHIVE_ME, params);
    if (api_check(ctx, res))
        return -1;
    if (PQntuples(res) == 1) {
        buf_printf(out, "{\"rank\":%s,\"score\":", PQgetvalue(res, 0, 0));
        render_numeric(out, board, PQgetvalue(res, 0, 1));
        buf_puts(out, "}");
    } else {
        buf_puts(out, "{\"rank\":null,\"score\":0}");
    }
    PQclear(res);
    return 0;
}

/* The caller's rank from the pipelined ZREVRANK / ZSCORE replies. */
static void me_from_replies(buf_t *out, int board, redisReply *rank, redisReply *score)
{
    if (rank && score && rank->type == REDIS_REPLY_INTEGER && score->type == REDIS_REPLY_STRING) {
        buf_printf(out, "{\"rank\":%lld,\"score\":", rank->integer + 1);
        render_score(out, board, strtod(score->str, NULL));
        buf_puts(out, "}");
    } else {
        buf_puts(out, "{\"rank\":null,\"score\":0}");
    }
}

void api_leaderboard(http_ctx_t *ctx)
{
    char name[32], period[16], week[16] = "";
    int board = http_req_param(ctx->req, 0, name, sizeof name) == 0 ? leaderboard_board_from_name(name) : -1;
    if (board < 0) {
        http_res_error(ctx->res, 404, "not_found", "no such leaderboard (achievements, collection, rarity, team)");
        return;
    }
    int got = http_req_query(ctx->req, "period", period, sizeof period);
    if (got <= 0 || !period[0])
        snprintf(period, sizeof period, "all");
    if (got < 0 || (strcmp(period, "all") && strcmp(period, "week"))) {
        http_res_error(ctx->res, 400, "bad_request", "period must be all or week");
        return;
    }
    int weekly = !strcmp(period, "week");
    int has_week = http_req_query(ctx->req, "week", week, sizeof week);
    clock_week_t asked;
    if (has_week != 0 && (!weekly || has_week < 0 || clock_week_parse(week, &asked))) {
        http_res_error(ctx->res, 400, "bad_request",
                       weekly ? "week must be an ISO week such as 2026-W48" : "week goes with period=week");
        return;
    }
    redis_t *r = ctx->thread->redis;
    const char *uid = api_user_id(ctx);

    /* One round trip when the top 100 is cached: the cached part, and (signed in) the caller's
     * live rank on the live board, pipelined. The cached part starts with L (live board) or A
     * (archived week), then "week":...,"archived":...,"entries":[...]. The rollover drops the
     * weekly cache entries, so a cached live part never outlives its week. */
    char key[96];
    snprintf(key, sizeof key, "leaderboard:{lb}:cache:%s:%s%s%s", name, period, week[0] ? ":" : "", week);
    const char *live_key = leaderboard_key(board, weekly);
    int queued = redis_append(r, "GET %s", key) == 0;
    int ranked = queued && uid && redis_append(r, "ZREVRANK %s %s", live_key, uid) == 0 &&
                 redis_append(r, "ZSCORE %s %s", live_key, uid) == 0;
    redisReply *cached = queued ? redis_get_reply(r) : NULL;
    redisReply *rank = ranked && cached ? redis_get_reply(r) : NULL;
    redisReply *score = rank ? redis_get_reply(r) : NULL;
    if (uid && (!rank || !score)) /* Redis is away: the live boards are too */
        ranked = 0;

    buf_t part, me;
    buf_init(&part, 256 * 1024);
    buf_init(&me, 1024);
    int archived = 0, empty = 0, rc = 0;
    if (cached && cached->type == REDIS_REPLY_STRING && cached->len > 1 &&
        (cached->str[0] == 'L' || cached->str[0] == 'A')) {
        archived = cached->str[0] == 'A';
        buf_append(&part, cached->str + 1, cached->len - 1);
    } else {
        /* Which week, and is it live (Redis) or finished (archive)? The live weekly boards hold
         * leaderboard:meta:week; between Monday 00:00 and the rollover a week may be current
         * by the clock but have no board yet: it reads as empty (and is not cached). */
        if (weekly) {
            char live[16];
            leaderboard_live_week(r, live, sizeof live);
            clock_week_t lw;
            clock_week_parse(live, &lw);
            if (!week[0]) {
                snprintf(week, sizeof week, "%s", live);
            } else if (clock_week_cmp(asked, lw) < 0) {
                archived = 1;
            } else if (clock_week_cmp(asked, lw) > 0) {
                if (clock_week_cmp(asked, clock_week_of(clock_now())) > 0) {
                    http_res_error(ctx->res, 404, "not_found", "that week has not started yet");
                    rc = -1;
                    goto out;
                }
                empty = 1;
            }
        }
        buf_puts(&part, "\"week\":");
        buf_json_cstr(&part, weekly ? week : NULL);
        buf_printf(&part, ",\"archived\":%s,\"entries\":", archived ? "true" : "false");
        if (empty)
            buf_puts(&part, "[]");
        else if ((rc = archived ? archived_top(ctx, board, week, &part) : live_top(ctx, board, weekly, &part)))
            goto out;
        if (!empty && !part.overflow) {
            buf_t v;
            buf_init(&v, part.len + 2);
            buf_puts(&v, archived ? "A" : "L");
            buf_append(&v, part.data, part.len);
            cache_set(r, key, v.data, v.len, CACHE_TTL_LEADERBOARD);
            buf_free(&v);
        }
    }

    if (!uid)
        buf_puts(&me, "null");
    else if (empty)
        buf_puts(&me, "{\"rank\":null,\"score\":0}");
    else if (archived)
        rc = archived_me(ctx, board, week, uid, &me);
    else if (ranked)
        me_from_replies(&me, board, rank, score);
    else
        rc = live_me(ctx, board, weekly, uid, &me);
    if (rc)
        goto out;

    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"board\":");
    buf_json_cstr(b, name);
    buf_printf(b, ",\"period\":\"%s\",", period);
    buf_append(b, part.data, part.len);
    buf_puts(b, ",\"me\":");
    buf_append(b, me.data, me.len);
    buf_puts(b, "}");
out:
    redis_reply_free(cached);
    redis_reply_free(rank);
    redis_reply_free(score);
    buf_free(&part);
    buf_free(&me);
}
