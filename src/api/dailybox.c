/* dailybox: GET /api/daily-box/status and POST /api/daily-box/claim. One box per rolling 24 h:
 * the claim is one conditional UPDATE of the player's row (cooldown passed -> stamp it, pay
 * +5 motes, advance the streak, record the box), so of two concurrent claims exactly one gets
 * the row back and the other answers 409. The grant and the achievement check (finds and the
 * box streak) run in the same transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/rewards.h"
#include "game/dailybox.h"
#include "game/odds.h"
#include "store/achievements.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The streak shown is the running one: a streak whose last box day is before yesterday is over. */
static const db_stmt_t STMT_STATUS = {
    "dailybox_status",
    "SELECT " ISO("box_last_claimed_at") ", " ISO("(box_last_claimed_at + interval '24 hours')") ","
    " GREATEST(0, ceil(extract(epoch FROM box_last_claimed_at + interval '24 hours' - now())))::bigint,"
    " CASE WHEN box_streak_day >= $2::date - 1 THEN box_streak ELSE 0 END"
    " FROM users WHERE id = $1 AND deleted_at IS NULL",
    2};

static void render_odds(buf_t *b)
{
    buf_puts(b, "{");
    for (int i = 0; i < RARITY_COUNT; i++)
        buf_printf(b, "%s\"%s\":%.1f", i ? "," : "", RARITY_NAMES[i], ODDS_BOX_PERMILLE[i] / 10.0);
    buf_puts(b, "}");
}

void api_dailybox_status(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    char day[11];
    rewards_today(day);
    db_conn_t *db = api_db(ctx); /* read-your-writes right after a claim */
    if (!db)
        return;
    const char *params[] = {uid, day};
    PGresult *r = db_exec(db, &STMT_STATUS, params);
    if (api_check(ctx, r))
        return;
    if (PQntuples(r) == 0) {
        PQclear(r);
        http_res_error(ctx->res, 401, "unauthorized", "sign in first");
        return;
    }
    int never = PQgetisnull(r, 0, 0);
    long long left = never ? 0 : atoll(PQgetvalue(r, 0, 2));
    buf_t *b = &ctx->res->body;
    buf_printf(b, "{\"ready\":%s,\"seconds_left\":%lld,\"next_at\":", left <= 0 ? "true" : "false",
               left > 0 ? left : 0);
    if (left > 0)
        api_json_time(b, r, 0, 1);
    else
        buf_puts(b, "null");
    buf_puts(b, ",\"last_claimed_at\":");
    api_json_time(b, r, 0, 0);
    buf_printf(b, ",\"streak\":%s,\"motes_reward\":%d,\"cooldown_seconds\":%d,\"odds\":", PQgetvalue(r, 0, 3),
               DAILYBOX_MOTES, DAILYBOX_COOLDOWN_S);
    render_odds(b);
    buf_puts(b, "}");
    PQclear(r);
}

/* $1 user, $2 today (UTC), $3 motes, $4 and $5 the box's creature and its rarity. The claim
 * and the record of the box are one statement: nothing is recorded unless the claim won.
 * Same streak rule as dailybox_streak_next(). */
static const db_stmt_t STMT_CLAIM = {
    "dailybox_claim",
    "WITH c AS (UPDATE users SET box_last_claimed_at = now(), motes = motes + $3::int,"
    "   box_streak = CASE WHEN box_streak_day = $2::date - 1 THEN box_streak + 1"
    "                     WHEN box_streak_day = $2::date THEN greatest(box_streak, 1) ELSE 1 END,"
    "   box_streak_day = $2::date"
    "   WHERE id = $1 AND deleted_at IS NULL"
    "     AND (box_last_claimed_at IS NULL OR box_last_claimed_at <= now() - interval '24 hours')"
    "   RETURNING id, motes, box_streak, box_last_claimed_at),"
    " rec AS (INSERT INTO daily_box_claims (user_id, kind, creature_id, rarity, motes, claimed_at)"
    "         SELECT id, 'daily', $4, $5, $3::int, box_last_claimed_at FROM c)"
    " SELECT motes, box_streak, " ISO("(box_last_claimed_at + interval '24 hours')") " FROM c",
    5};

static const db_stmt_t STMT_NEXT = {
    "dailybox_next",
    "SELECT " ISO("(box_last_claimed_at + interval '24 hours')") ","
    " GREATEST(1, ceil(extract(epoch FROM box_last_claimed_at + interval '24 hours' - now())))::bigint"
    " FROM users WHERE id = $1",
    1};

/* The 409 of a claim within the cooldown, naming when the next box is ready. */
static void not_ready(http_ctx_t *ctx, db_conn_t *db, const char *uid)
{
    const char *params[] = {uid};
    PGresult *r = db_exec(db, &STMT_NEXT, params);
    char msg[128] = "your box is not ready yet", retry[24];
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
        snprintf(msg, sizeof msg, "your next box is ready at %s", PQgetvalue(r, 0, 0));
        snprintf(retry, sizeof retry, "%s", PQgetvalue(r, 0, 1));
        http_res_header(ctx->res, "retry-after", retry);
    }
    PQclear(r);
    http_res_error(ctx->res, 409, "conflict", msg);
}

void api_dailybox_claim(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    char day[11], motes_s[16];
    rewards_today(day);
    snprintf(motes_s, sizeof motes_s, "%d", DAILYBOX_MOTES);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    /* What is in the box is decided first (a read, outside the transaction): the transaction
     * then only holds the player's row for the claim and the grant. */
    PGresult *err = NULL;
    picked_t pick;
    int rc = rewards_pick_box(db, rng_thread(), &pick, &err);
    if (rc < 0) {
        api_check(ctx, err);
        return;
    }
    if (rc == 0) {
        http_res_error(ctx->res, 503, "unavailable", "there are no creatures to give right now");
        return;
    }
    if (db_command(db, "BEGIN")) {
        api_check(ctx, NULL);
        return;
    }
    const char *params[] = {uid, day, motes_s, pick.id, pick.rarity};
    PGresult *r = db_exec(db, &STMT_CLAIM, params);
    if (api_check(ctx, r))
        goto rollback;
    if (PQntuples(r) == 0) {
        PQclear(r);
        db_command(db, "ROLLBACK");
        not_ready(ctx, db, uid);
        return;
    }
    long motes = atol(PQgetvalue(r, 0, 0));
    int streak = atoi(PQgetvalue(r, 0, 1));
    char next_at[32];
    snprintf(next_at, sizeof next_at, "%s", PQgetvalue(r, 0, 2));
    PQclear(r);

    effects_t fx;
    effects_init(&fx);
    fx.motes = 1;
    grant_t g;
    /* the box streak moved with the claim: checked together with the find's achievements */
    rc = collection_grant_with(db, uid, pick.id, "daily_box", ACH_METRIC_BOX, &g, &fx, &err);
    if (rc < 0) {
        api_check(ctx, err);
        goto rollback;
    }
    if (rc == 0) { /* deactivated between the pick and the grant */
        http_res_error(ctx->res, 503, "unavailable", "the box could not be filled, try again");
        goto rollback;
    }
    if (db_command(db, "COMMIT")) {
        api_check(ctx, NULL);
        goto rollback;
    }
    effects_apply(db, ctx->thread->redis, uid, &fx);

    /* the balance after achievements paid out, if any did */
    for (int i = 0; i < g.unlocked.n; i++)
        motes += g.unlocked.items[i].points;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{");
    rewards_render_grant(b, &pick, &g);
    buf_printf(b, ",\"motes_awarded\":%d,\"motes\":%ld,\"streak\":%d,\"next_at\":", DAILYBOX_MOTES, motes, streak);
    buf_json_cstr(b, next_at);
    buf_puts(b, ",\"achievements\":");
    rewards_render_unlocks(b, &g.unlocked, NULL);
    buf_puts(b, "}");
    return;
rollback:
    db_command(db, "ROLLBACK");
}
