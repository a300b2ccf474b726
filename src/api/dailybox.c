/* dailybox: GET /api/daily-box/status and POST /api/daily-box/claim. One box per rolling 24 h:
 * the claim is one conditional UPDATE of the player's row (cooldown passed -> stamp it, pay
 * +5 motes, advance the streak, record the box), so of two concurrent claims exactly one gets
 * the row back and the other answers 409. The grant and the achievement check (finds and the
 * box streak) run in the same transaction. Concurrent claims of different players are
 * combined into one transaction (core/combiner.h: group commit), so that under load the
 * database does a few set-based statements per batch instead of per claim. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/combiner.h"

#include "api/api.h"
#include "api/handlers.h"
#include "api/rewards.h"
#include "game/dailybox.h"
#include "game/odds.h"
#include "store/achievements.h"
#include "store/leaderboard.h"

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

/* A batch of claims (distinct players): $1 players, $2 each one's today (UTC), $3 motes,
 * $4 and $5 each box's creature and its rarity. The claim and the record of the box are one
 * statement: nothing is recorded unless the claim won; the players' rows are locked in id
 * order (as the grant does), so batches that share a player queue instead of deadlocking.
 * Same streak rule as dailybox_streak_next(). */
static const db_stmt_t STMT_CLAIM = {
    "dailybox_claim",
    "WITH q AS (SELECT * FROM unnest($1::uuid[], $2::date[], $4::uuid[], $5::text[])"
    "           WITH ORDINALITY q(user_id, day, creature_id, rarity, i)),"
    " lk AS (SELECT id FROM users WHERE id IN (SELECT user_id FROM q) ORDER BY id FOR UPDATE),"
    " c AS (UPDATE users u SET box_last_claimed_at = now(), motes = u.motes + $3::int,"
    "   box_streak = CASE WHEN u.box_streak_day = q.day - 1 THEN u.box_streak + 1"
    "                     WHEN u.box_streak_day = q.day THEN greatest(u.box_streak, 1) ELSE 1 END,"
    "   box_streak_day = q.day"
    "   FROM lk JOIN q ON q.user_id = lk.id"
    "   WHERE u.id = lk.id AND u.deleted_at IS NULL"
    "     AND (u.box_last_claimed_at IS NULL OR u.box_last_claimed_at <= now() - interval '24 hours')"
    "   RETURNING q.i, u.id, u.motes, u.box_streak, u.box_last_claimed_at, q.creature_id, q.rarity),"
    " rec AS (INSERT INTO daily_box_claims (user_id, kind, creature_id, rarity, motes, claimed_at)"
    "         SELECT id, 'daily', creature_id, rarity, $3::int, box_last_claimed_at FROM c)"
    " SELECT i, motes, box_streak, " ISO("(box_last_claimed_at + interval '24 hours')") " FROM c",
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

/* One claim in a batch: its inputs, then what the batch made of it. */
enum { CLAIM_FAILED, CLAIM_WON, CLAIM_NOT_READY, CLAIM_EMPTY, CLAIM_NO_CREATURES };
typedef struct box_claim {
    combiner_item_t item; /* first: the combiner hands back &item; key = the player */
    char day[11];
    picked_t pick;
    int status;
    PGresult *err; /* a failed claim's own error (a batch of one), for api_check */
    long motes;
    int streak;
    char next_at[32];
    grant_t grant;
    effects_t fx;
} box_claim_t;

/* The claim statement: winners get CLAIM_WON and their balance, the others CLAIM_NOT_READY.
 * How many won, or -1 with *err. */
static int claim_rows(db_conn_t *db, box_claim_t **claims, int n, PGresult **err)
{
    char motes_s[16];
    snprintf(motes_s, sizeof motes_s, "%d", DAILYBOX_MOTES);
    const char *users[COMBINER_MAX_ITEMS], *days[COMBINER_MAX_ITEMS], *creatures[COMBINER_MAX_ITEMS],
        *rarities[COMBINER_MAX_ITEMS];
    for (int i = 0; i < n; i++) {
        users[i] = claims[i]->item.key;
        days[i] = claims[i]->day;
        creatures[i] = claims[i]->pick.id;
        rarities[i] = claims[i]->pick.rarity;
    }
    PGresult *r = db_exec_arrays(db, &STMT_CLAIM,
                                 (db_param_t[]){{.items = users, .n = n}, {.items = days, .n = n}, {.value = motes_s},
                                                {.items = creatures, .n = n}, {.items = rarities, .n = n}});
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        *err = r;
        return -1;
    }
    int won = PQntuples(r);
    for (int i = 0; i < won; i++) {
        int k = db_row_index(r, i, 0, n);
        if (k < 0)
            continue;
        box_claim_t *c = claims[k];
        c->status = CLAIM_WON;
        c->motes = atol(PQgetvalue(r, i, 1));
        c->streak = atoi(PQgetvalue(r, i, 2));
        snprintf(c->next_at, sizeof c->next_at, "%s", PQgetvalue(r, i, 3));
    }
    PQclear(r);
    return won;
}

/* The winners' boxes (the box streak moved with the claim: checked together with the finds'
 * achievements). 0 all granted, 1 some box's creature was deactivated since it was picked,
 * -1 with *err. */
static int grant_winners(db_conn_t *db, box_claim_t **claims, int n, PGresult **err)
{
    grant_req_t reqs[COMBINER_MAX_ITEMS];
    int k = 0;
    for (int i = 0; i < n; i++)
        if (claims[i]->status == CLAIM_WON) {
            claims[i]->fx.motes = 1;
            reqs[k++] = (grant_req_t){.user_id = claims[i]->item.key, .creature_id = claims[i]->pick.id,
                                      .out = &claims[i]->grant, .fx = &claims[i]->fx};
        }
    int granted = k ? collection_grant_many(db, reqs, k, "daily_box", ACH_METRIC_BOX, err) : 0;
    return granted < 0 ? -1 : granted < k;
}

/* The boards' new scores of the winners whose finds moved them, read before COMMIT (in the
 * batch's transaction of generic plans) and written by the caller after it. */
static int read_scores(db_conn_t *db, box_claim_t **claims, int n, lb_scores_t *scores)
{
    const char *changed[COMBINER_MAX_ITEMS];
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (claims[i]->status == CLAIM_WON && claims[i]->fx.leaderboard)
            changed[m++] = claims[i]->item.key;
        claims[i]->fx.leaderboard = 0;
    }
    return m ? leaderboard_read_scores(db, changed, m, scores) : 0;
}

/* One transaction for the whole batch: claim, grant the winners their boxes, read their board
 * scores into *scores, COMMIT. 0 done; -1 failed (rolled back, *err); 1 rolled back because a
 * box's creature was deactivated since it was picked. */
static int claim_batch(db_conn_t *db, box_claim_t **claims, int n, lb_scores_t *scores, PGresult **err)
{
    *err = NULL;
    scores->n = 0;
    for (int i = 0; i < n; i++) {
        claims[i]->status = CLAIM_NOT_READY;
        effects_init(&claims[i]->fx);
    }
    /* Generic plans: PostgreSQL would otherwise re-plan the batch statements for nearly every
     * batch size (a custom plan looks cheaper for a short array), which costs more than running
     * them (measured: 2.3 ms of planning per achievements check). */
    if (db_command(db, "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan"))
        return -1;
    int rc = claim_rows(db, claims, n, err) < 0 ? -1 : grant_winners(db, claims, n, err);
    if (rc == 0 && read_scores(db, claims, n, scores) < 0)
        rc = -1;
    if (rc == 0 && db_command(db, "COMMIT"))
        rc = -1;
    if (rc != 0)
        db_command(db, "ROLLBACK");
    return rc;
}

/* After COMMIT, before anyone answers: the won claims' cache keys in one pipeline, their
 * telemetry lines, their board scores. */
static void effects_after(redis_t *redis, db_conn_t *db, box_claim_t **claims, int n, lb_scores_t *scores)
{
    const char *users[COMBINER_MAX_ITEMS];
    effects_t *fx[COMBINER_MAX_ITEMS];
    int won = 0;
    for (int i = 0; i < n; i++)
        if (claims[i]->status == CLAIM_WON) {
            users[won] = claims[i]->item.key;
            fx[won++] = &claims[i]->fx;
        }
    if (won)
        effects_apply_many(db, redis, users, fx, won);
    leaderboard_write_scores(redis, scores);
}

/* The batch, and when it fails as a whole, each claim on its own (so one claim's trouble is
 * only its own). */
static void run_batch(db_conn_t *db, redis_t *redis, box_claim_t **claims, int n, lb_scores_t *scores)
{
    PGresult *err = NULL;
    int rc = claim_batch(db, claims, n, scores, &err);
    if (rc == 0) {
        effects_after(redis, db, claims, n, scores);
        return;
    }
    if (n > 1) {
        PQclear(err);
        for (int i = 0; i < n; i++)
            run_batch(db, redis, &claims[i], 1, scores);
        return;
    }
    claims[0]->status = rc > 0 ? CLAIM_EMPTY : CLAIM_FAILED;
    claims[0]->err = err;
}

/* The combiner's run, by the request that leads the batch, on its connections: what is in
 * each box is decided first (a read, outside the transaction, one statement for the batch),
 * then the batch's transaction and its effects. */
static void run_claims(void *leader_ctx, combiner_item_t **items, int n)
{
    http_ctx_t *ctx = leader_ctx;
    box_claim_t *claims[COMBINER_MAX_ITEMS];
    picked_t *picks[COMBINER_MAX_ITEMS];
    for (int i = 0; i < n; i++) {
        claims[i] = (box_claim_t *)items[i]; /* item is each claim's first member */
        picks[i] = &claims[i]->pick;
    }
    db_conn_t *db = api_db_try(ctx);
    PGresult *err = NULL;
    int rc = db ? rewards_pick_boxes(db, rng_thread(), picks, n, &err) : -1;
    if (rc <= 0) {
        for (int i = 0; i < n; i++)
            claims[i]->status = rc == 0 ? CLAIM_NO_CREATURES : CLAIM_FAILED;
        claims[0]->err = err; /* the others answer with the plain 503 */
        return;
    }
    lb_scores_t *scores = malloc(sizeof *scores);
    if (!scores) {
        for (int i = 0; i < n; i++)
            claims[i]->status = CLAIM_FAILED;
        return;
    }
    run_batch(db, ctx->thread->redis, claims, n, scores);
    free(scores);
}

/* Concurrent claims share transactions: three batches at most run at once, each on the
 * connection of the request that leads it. (Measured on 2 cores: with two, claims at 16
 * connections ran ~15 % slower; with more, batches get smaller and the peak rate drops.) */
static combiner_t claims_combiner = COMBINER_INITIALIZER(3, COMBINER_MAX_ITEMS, run_claims);

void api_dailybox_claim(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    /* No connection is held while waiting: only the request that leads a batch uses one. */
    box_claim_t c = {.item.key = uid, .status = CLAIM_FAILED};
    rewards_today(c.day);
    combiner_submit(&claims_combiner, &c.item, ctx);
    db_conn_t *db;
    switch (c.status) {
    case CLAIM_NOT_READY:
        if ((db = api_db(ctx)))
            not_ready(ctx, db, uid);
        return;
    case CLAIM_EMPTY:
        http_res_error(ctx->res, 503, "unavailable", "the box could not be filled, try again");
        return;
    case CLAIM_NO_CREATURES:
        http_res_error(ctx->res, 503, "unavailable", "there are no creatures to give right now");
        return;
    case CLAIM_FAILED:
        api_check(ctx, c.err);
        return;
    }
    /* the balance after achievements paid out, if any did */
    long motes = c.motes;
    for (int i = 0; i < c.grant.unlocked.n; i++)
        motes += c.grant.unlocked.items[i].points;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{");
    rewards_render_grant(b, &c.pick, &c.grant);
    buf_printf(b, ",\"motes_awarded\":%d,\"motes\":%ld,\"streak\":%d,\"next_at\":", DAILYBOX_MOTES, motes, c.streak);
    buf_json_cstr(b, c.next_at);
    buf_puts(b, ",\"achievements\":");
    rewards_render_unlocks(b, &c.grant.unlocked, NULL);
    buf_puts(b, "}");
}
