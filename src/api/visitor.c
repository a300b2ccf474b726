/* visitor: the first-request-of-the-day hook and GET /api/daily-visitor. */
#include "api/visitor.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/creature_json.h"
#include "api/handlers.h"
#include "api/rewards.h"
#include "core/log.h"
#include "game/odds.h"
#include "store/achievements.h"

#define MARKER_TTL_S (26 * 3600) /* outlives the UTC day it names, wherever in the day it was set */
#define RETRY_AFTER_S 60

/* The primary connection for the roll, held by the request as if the handler had asked for it
 * (dispatch releases it; the handler reuses it). Unlike api_db it sets no 503: the hook must
 * never fail the request it rides on. */
static db_conn_t *hook_db(http_ctx_t *ctx)
{
    app_thread_t *t = ctx->thread;
    if (t->conn)
        return t->conn_pool == ctx->app->db ? t->conn : NULL;
    t->conn = db_acquire(ctx->app->db);
    if (t->conn)
        t->conn_pool = ctx->app->db;
    return t->conn;
}

static const db_stmt_t STMT_SEEN = {
    "visitor_seen", "SELECT 1 FROM daily_visitors WHERE user_id = $1 AND day = $2::date", 2};

/* Records today's roll (a loss until proven otherwise) and counts the login day, only for the
 * request that inserted the row. */
static const db_stmt_t STMT_ROLL = {
    "visitor_roll",
    "WITH ins AS (INSERT INTO daily_visitors (user_id, day, visited)"
    "             SELECT id, $2::date, false FROM users WHERE id = $1 AND deleted_at IS NULL"
    "             ON CONFLICT (user_id, day) DO NOTHING RETURNING user_id)"
    " UPDATE users SET login_streak = CASE WHEN last_login_day = $2::date - 1 THEN login_streak + 1"
    "                                      WHEN last_login_day = $2::date THEN login_streak ELSE 1 END,"
    "                  last_login_day = $2::date, last_seen_at = now()"
    " FROM ins WHERE users.id = ins.user_id RETURNING users.login_streak",
    2};

static const db_stmt_t STMT_VISITED = {
    "visitor_visited",
    "UPDATE daily_visitors SET visited = true, creature_id = $3 WHERE user_id = $1 AND day = $2::date", 3};

static void log_failure(http_ctx_t *ctx, PGresult *err)
{
    log_warn("visitor", "request %s: daily visitor roll failed: %s", ctx->req->request_id,
             err ? PQresultErrorMessage(err) : "connection lost");
    PQclear(err);
}

/* 1 rolled now, 0 already rolled today, -1 failed (nothing written). */
static int roll(http_ctx_t *ctx, db_conn_t *db, const char *uid, const char *day)
{
    PGresult *err = NULL;
    if (db_command(db, "BEGIN")) {
        log_failure(ctx, NULL);
        return -1;
    }
    const char *params[] = {uid, day, NULL};
    PGresult *r = db_exec(db, &STMT_ROLL, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        err = r;
        goto fail;
    }
    int first = PQntuples(r) == 1;
    PQclear(r);
    if (!first) {
        db_command(db, "ROLLBACK");
        return 0;
    }
    effects_t fx;
    effects_init(&fx);
    rng_t *rng = rng_thread();
    if (odds_one_in(rng, ctx->app->cfg->visitor_one_in)) {
        picked_t pick;
        grant_t g;
        int rc = rewards_pick_box(db, rng, &pick, &err);
        if (rc < 0)
            goto fail;
        if (rc == 1) {
            rc = collection_grant(db, uid, pick.id, "visitor", &g, &fx, &err);
            if (rc < 0)
                goto fail;
        }
        if (rc == 1) {
            params[2] = pick.id;
            r = db_exec(db, &STMT_VISITED, params);
            if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
                err = r;
                goto fail;
            }
            PQclear(r);
        }
    }
    if (achievements_check(db, uid, ACH_METRIC_LOGIN, NULL, NULL, &fx, &err) < 0)
        goto fail;
    if (db_command(db, "COMMIT")) {
        err = NULL;
        goto fail;
    }
    effects_apply(db, ctx->thread->redis, uid, &fx);
    return 1;
fail:
    db_command(db, "ROLLBACK");
    log_failure(ctx, err);
    return -1;
}

/* The roll could not be made (the database is away): a later request tries again, but not
 * every request, since each attempt waits for a connection that is not coming. */
static void retry_later(redis_t *rds, const char *key, int marked)
{
    if (marked)
        redis_reply_free(redis_command(rds, "EXPIRE %s %d", key, RETRY_AFTER_S));
}

int visitor_marker_send(http_ctx_t *ctx, visitor_marker_t *m)
{
    m->key[0] = '\0';
    if (ctx->req->match.route->auth != AUTH_SESSION)
        return 0;
    const char *uid = api_user_id(ctx);
    if (!uid)
        return 0;
    rewards_today(m->day);
    snprintf(m->key, sizeof m->key, "visitor:%s:%s", uid, m->day);
    return redis_append(ctx->thread->redis, "SET %s 1 NX EX %d", m->key, MARKER_TTL_S) == 0;
}

void visitor_marker_done(http_ctx_t *ctx, const visitor_marker_t *m, const redisReply *rep)
{
    const char *uid = api_user_id(ctx);
    if (!m->key[0] || !uid)
        return;
    const char *key = m->key, *day = m->day;
    redis_t *rds = ctx->thread->redis;
    int marked = rep && rep->type == REDIS_REPLY_STATUS;
    int seen = rep && rep->type == REDIS_REPLY_NIL;
    if (seen)
        return;
    db_conn_t *db = hook_db(ctx);
    if (!db) {
        retry_later(rds, key, marked);
        return;
    }
    if (!marked) {
        /* Redis is away: one cheap lookup instead of a transaction on every request */
        const char *params[] = {uid, day};
        PGresult *r = db_exec(db, &STMT_SEEN, params);
        int done = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
        PQclear(r);
        if (done)
            return;
    }
    if (roll(ctx, db, uid, day) < 0)
        retry_later(rds, key, marked);
}

/* ---- GET /api/daily-visitor ---- */

static const db_stmt_t STMT_TODAY = {
    "visitor_today",
    "SELECT v.visited, to_char(v.rolled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " c.id, c.name, c.short_name, b.name, c.rarity, c.colour_scheme, u.login_streak"
    " FROM users u LEFT JOIN daily_visitors v ON v.user_id = u.id AND v.day = $2::date"
    " LEFT JOIN creatures c ON c.id = v.creature_id LEFT JOIN body_types b ON b.id = c.body_type_id"
    " WHERE u.id = $1",
    2};

void api_daily_visitor(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    char day[11];
    rewards_today(day);
    db_conn_t *db = api_db(ctx); /* the roll may have been written by this very request */
    if (!db)
        return;
    const char *params[] = {uid, day};
    PGresult *r = db_exec(db, &STMT_TODAY, params);
    if (api_check(ctx, r))
        return;
    if (PQntuples(r) == 0) {
        PQclear(r);
        http_res_error(ctx->res, 401, "unauthorized", "sign in first");
        return;
    }
    buf_t *b = &ctx->res->body;
    int rolled = !PQgetisnull(r, 0, 0);
    int visited = rolled && PQgetvalue(r, 0, 0)[0] == 't';
    buf_puts(b, "{\"day\":");
    buf_json_cstr(b, day);
    buf_printf(b, ",\"rolled\":%s,\"visited\":%s,\"creature\":", rolled ? "true" : "false",
               visited ? "true" : "false");
    if (visited && !PQgetisnull(r, 0, 2)) {
        picked_t c;
        const char *cols[6];
        for (int i = 0; i < 6; i++)
            cols[i] = PQgetvalue(r, 0, 2 + i);
        creature_json_from_row(&c, cols);
        creature_json_summary(b, &c);
    } else {
        buf_puts(b, "null");
    }
    buf_puts(b, ",\"rolled_at\":");
    api_json_time(b, r, 0, 1);
    buf_printf(b, ",\"login_streak\":%s}", PQgetvalue(r, 0, 8));
    PQclear(r);
}
