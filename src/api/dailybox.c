/* dailybox: GET /api/daily-box/status and POST /api/daily-box/claim. One box per rolling 24 h:
 * the claim is one conditional UPDATE of the player's row (cooldown passed -> stamp it, pay
 * +5 motes, advance the streak, record the box), so of two concurrent claims exactly one gets
 * the row back and the other answers 409. The pick and the grant (in the same statement) and
 * the achievement check (finds and the box streak) run in the same transaction. Concurrent
 * claims of different players are combined into one transaction (core/combiner.h: group
 * commit), so that under load the database does a few set-based statements per batch instead
 * of per claim, sent in two round trips: BEGIN, pick-claim-grant, achievements, board scores
 * and COMMIT in one (db_pipeline); then Redis. */
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
#include "store/collection.h"
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

/* A batch of claims (distinct players), picked, claimed and granted in one statement: $1
 * players, $2 each one's today (UTC), $3 motes, $4..$6 each box's rarity, probe draws and walk
 * draw (store/pick.h), $7..$9 the grant's source, notification title and body. Nothing is
 * recorded or granted unless the claim won; a box whose rarity has no active creature claims
 * nothing (the caller tries the next rarity). The players' rows are locked in id order (as
 * every grant does), so batches that share a player queue instead of deadlocking. One row per
 * item: the grant's columns (NULLs unless it won), the item's index, whether it won, whether
 * its box was filled, a winner's balance, streak and next box, the picked creature, and the
 * announcement of its notification (store/effects.h). Same streak rule as
 * dailybox_streak_next(). */
static const db_stmt_t STMT_CLAIM = {
    "dailybox_claim",
    "WITH q AS (SELECT * FROM unnest($1::uuid[], $2::date[], $4::text[], $5::text[], $6::bigint[])"
    "           WITH ORDINALITY q(user_id, day, want, draws, fallback, i)),"
    " pk AS (SELECT q.i, c.* FROM " PICK_BOUNDS_SQL " b, q,"
    "        LATERAL (" PICK_PROBES_SQL("b", "q.want", "q.draws::bigint[]") " UNION ALL "
    PICK_WALK_SQL("q.want", "q.fallback") " LIMIT 1) c WHERE b.lo IS NOT NULL),"
    " live AS (SELECT q.user_id, q.day, q.i, pk.id AS creature_id, pk.rarity, pk.name FROM q JOIN pk ON pk.i = q.i),"
    " lk AS (SELECT id FROM users WHERE id IN (SELECT user_id FROM live) ORDER BY id FOR UPDATE),"
    " c AS (UPDATE users u SET box_last_claimed_at = now(), motes = u.motes + $3::int,"
    "   box_streak = CASE WHEN u.box_streak_day = q.day - 1 THEN u.box_streak + 1"
    "                     WHEN u.box_streak_day = q.day THEN greatest(u.box_streak, 1) ELSE 1 END,"
    "   box_streak_day = q.day"
    "   FROM lk JOIN live q ON q.user_id = lk.id"
    "   WHERE u.id = lk.id AND u.deleted_at IS NULL"
    "     AND (u.box_last_claimed_at IS NULL OR u.box_last_claimed_at <= now() - interval '24 hours')"
    "   RETURNING q.i, u.id, u.motes, u.box_streak, u.box_last_claimed_at, q.creature_id, q.rarity, q.name),"
    " rec AS (INSERT INTO daily_box_claims (user_id, kind, creature_id, rarity, motes, claimed_at)"
    "         SELECT id, 'daily', creature_id, rarity, $3::int, box_last_claimed_at FROM c),"
    " cr AS (SELECT i, id AS user_id, creature_id AS id, name, rarity FROM c),"
    COLLECTION_GRANT_WRITES("$7", "$8", "$9")
    " SELECT " COLLECTION_GRANT_COLUMNS ", q.i, c.i IS NOT NULL, pk.i IS NOT NULL, c.motes, c.box_streak, "
    ISO("(c.box_last_claimed_at + interval '24 hours')") ", " PICK_COLUMNS_SQL("pk") ", note.announce"
    " FROM q LEFT JOIN pk ON pk.i = q.i LEFT JOIN c ON c.i = q.i LEFT JOIN cr ON cr.i = q.i"
    " LEFT JOIN up ON up.user_id = c.id LEFT JOIN tel ON tel.user_id = c.id LEFT JOIN note ON note.user_id = c.id",
    9};

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

/* One claim in a batch: its inputs, then what the batch made of it. CLAIM_UNPICKED: its box's
 * rarity had no active creature (the next rarity is tried). */
enum { CLAIM_FAILED, CLAIM_WON, CLAIM_NOT_READY, CLAIM_UNPICKED, CLAIM_NO_CREATURES };
typedef struct box_claim {
    combiner_item_t item; /* first: the combiner hands back &item; key = the player */
    char day[11];
    rarity_t want; /* rolled with the box odds */
    int tries;     /* rewards_fallback_rarity(want, tries) is the rarity of this attempt */
    picked_t pick;
    int status;
    PGresult *err; /* a failed claim's own error (a batch of one), for api_check */
    long motes;
    int streak;
    char next_at[32];
    grant_t grant;
    effects_t fx;
} box_claim_t;

/* The statuses in the claim statement's result: CLAIM_WON with the balance and the creature,
 * CLAIM_NOT_READY, or CLAIM_UNPICKED. */
static void claim_statuses(PGresult *r, box_claim_t **claims, int n)
{
    for (int row = 0; row < PQntuples(r); row++) {
        int k = db_row_index(r, row, 7, n);
        if (k < 0)
            continue;
        box_claim_t *c = claims[k];
        if (PQgetvalue(r, row, 9)[0] != 't') {
            c->status = CLAIM_UNPICKED;
            continue;
        }
        if (PQgetvalue(r, row, 8)[0] != 't')
            continue; /* CLAIM_NOT_READY */
        c->status = CLAIM_WON;
        c->fx.motes = 1;
        c->motes = atol(PQgetvalue(r, row, 10));
        c->streak = atoi(PQgetvalue(r, row, 11));
        snprintf(c->next_at, sizeof c->next_at, "%s", PQgetvalue(r, row, 12));
        pick_take(r, row, 13, &c->pick);
        if (!PQgetisnull(r, row, 13 + PICK_COLUMN_COUNT))
            effects_announce(&c->fx, PQgetvalue(r, row, 13 + PICK_COLUMN_COUNT));
    }
}

/* The batch's transaction: generic plans (PostgreSQL would otherwise re-plan the batch
 * statements for nearly every batch size, a custom plan looking cheaper for a short array,
 * which costs more than running them: measured 2.3 ms of planning per achievements check);
 * its notifications announced by effects after COMMIT, not by NOTIFY (store/effects.h). */
static const db_stmt_t STMT_BEGIN = {"dailybox_begin", "BEGIN", 0};
static const db_stmt_t STMT_SETTINGS = {
    "dailybox_settings",
    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), " EFFECTS_APP_ANNOUNCES_SQL, 0};
static const db_stmt_t STMT_COMMIT = {"dailybox_commit", "COMMIT", 0};

/* The board scores that the batch's finds and unlocks moved (they were read for every player
 * in it, before it was known whose moved): the others are dropped, and nobody's fx asks for
 * another read. */
static void keep_moved_scores(box_claim_t **claims, int n, lb_scores_t *scores)
{
    int kept = 0;
    for (int i = 0; i < n && i < scores->n; i++) {
        if (claims[i]->fx.leaderboard && kept != i) {
            memcpy(scores->user_id[kept], scores->user_id[i], sizeof scores->user_id[0]);
            memcpy(scores->scores[kept], scores->scores[i], sizeof scores->scores[0]);
        }
        kept += claims[i]->fx.leaderboard;
        claims[i]->fx.leaderboard = 0;
    }
    scores->n = kept;
}

/* The batch's transaction in one round trip: BEGIN; pick, claim and grant; check achievements
 * (the box streak moved, and the find may be new: whose is not known yet, so every player's
 * finds metrics are checked, which changes nothing for those who did not win); read the board
 * scores; COMMIT. 0 committed; -1 failed (rolled back, *err). */
static int claim_batch(db_conn_t *db, box_claim_t **claims, int n, lb_scores_t *scores, PGresult **err)
{
    *err = NULL;
    scores->n = 0;
    char motes_s[16];
    snprintf(motes_s, sizeof motes_s, "%d", DAILYBOX_MOTES);
    const char *title, *body;
    if (collection_source_texts("daily_box", &title, &body))
        return -1;
    const char *users[COMBINER_MAX_ITEMS], *days[COMBINER_MAX_ITEMS], *rarities[COMBINER_MAX_ITEMS],
        *draws[COMBINER_MAX_ITEMS], *fallbacks[COMBINER_MAX_ITEMS];
    char fallback[COMBINER_MAX_ITEMS][16];
    buf_t draw_lists[COMBINER_MAX_ITEMS];
    grant_req_t reqs[COMBINER_MAX_ITEMS];
    ach_check_t checks[COMBINER_MAX_ITEMS];
    for (int i = 0; i < n; i++) {
        box_claim_t *c = claims[i];
        c->status = CLAIM_NOT_READY;
        effects_init(&c->fx);
        rarity_t rarity = (rarity_t)rewards_fallback_rarity(c->want, c->tries);
        buf_init(&draw_lists[i], PICK_DRAWS_LITERAL_MAX);
        rewards_draws(rng_thread(), rarity, &draw_lists[i], fallback[i]);
        users[i] = c->item.key;
        days[i] = c->day;
        rarities[i] = RARITY_NAMES[rarity];
        draws[i] = draw_lists[i].data;
        fallbacks[i] = fallback[i];
        reqs[i] = (grant_req_t){.user_id = users[i], .out = &c->grant, .fx = &c->fx};
        checks[i] = (ach_check_t){.user_id = users[i], .metrics = ACH_METRIC_BOX | ACH_METRIC_COLLECTION,
                                  .got = &c->grant.unlocked, .fx = &c->fx};
    }
    db_param_t claim_params[] = {{.items = users, .n = n},     {.items = days, .n = n},
                                 {.value = motes_s},           {.items = rarities, .n = n},
                                 {.items = draws, .n = n},     {.items = fallbacks, .n = n},
                                 {.value = "daily_box"},       {.value = title},
                                 {.value = body}};
    ach_call_t ac;
    lb_read_call_t lc;
    db_call_t calls[6] = {{.stmt = &STMT_BEGIN}, {.stmt = &STMT_SETTINGS},
                          {.stmt = &STMT_CLAIM, .params = claim_params}, {0}, {0}, {.stmt = &STMT_COMMIT}};
    int rc = -1;
    if (achievements_check_call(&ac, checks, n, &calls[3]) == 1 && leaderboard_read_call(&lc, users, n, &calls[4]) == 0)
        rc = db_pipeline(db, calls, 6);
    for (int i = 0; i < n; i++)
        buf_free(&draw_lists[i]);
    if (rc == 0) {
        collection_grant_take(calls[2].result, reqs, n); /* the grant's columns come first */
        claim_statuses(calls[2].result, claims, n);
        achievements_take(calls[3].result, checks, n);
        if (leaderboard_read_take(calls[4].result, &lc, scores) == 0)
            keep_moved_scores(claims, n, scores);
    }
    db_pipeline_done(calls, 6, err);
    if (rc != 0)
        db_command(db, "ROLLBACK");
    return rc;
}

/* After COMMIT, before anyone answers: the cache keys and board scores the batch changed in one
 * pipeline, its telemetry lines (a player whose claim lost has none, unless the achievement
 * check caught up on an unlock). */
static void effects_after(redis_t *redis, db_conn_t *db, box_claim_t **claims, int n, lb_scores_t *scores)
{
    const char *users[COMBINER_MAX_ITEMS];
    effects_t *fx[COMBINER_MAX_ITEMS];
    for (int i = 0; i < n; i++) {
        users[i] = claims[i]->item.key;
        fx[i] = &claims[i]->fx;
    }
    effects_apply_many(db, redis, users, fx, n, scores);
}

static combiner_t claims_combiner; /* defined below */

/* The batch, and when it fails as a whole, each claim on its own (so one claim's trouble is
 * only its own). Once a transaction has committed, the combiner's slot (of the batch `slot`)
 * goes to the next batch: what is left (Redis) does not need the database. */
static void run_batch(db_conn_t *db, redis_t *redis, box_claim_t **claims, int n, lb_scores_t *scores,
                      combiner_item_t *const *slot)
{
    PGresult *err = NULL;
    if (claim_batch(db, claims, n, scores, &err) == 0) {
        combiner_release(&claims_combiner, slot);
        effects_after(redis, db, claims, n, scores);
        return;
    }
    if (n > 1) {
        PQclear(err);
        for (int i = 0; i < n; i++)
            run_batch(db, redis, &claims[i], 1, scores, slot);
        return;
    }
    claims[0]->status = CLAIM_FAILED;
    claims[0]->err = err;
}

/* The combiner's run, by the request that leads the batch, on its connection: one transaction
 * picks, claims and grants; its effects follow the COMMIT. A box whose rarity has no active
 * creature (an admin deactivated them all) goes round again with the next rarity. */
static void run_claims(void *leader_ctx, combiner_item_t **items, int n)
{
    http_ctx_t *ctx = leader_ctx;
    box_claim_t *todo[COMBINER_MAX_ITEMS];
    for (int i = 0; i < n; i++)
        todo[i] = (box_claim_t *)items[i]; /* item is each claim's first member */
    db_conn_t *db = api_db_try(ctx);
    lb_scores_t *scores = db ? malloc(sizeof *scores) : NULL;
    if (!scores)
        n = 0; /* each answers with the plain 503 of CLAIM_FAILED */
    while (n > 0) {
        run_batch(db, ctx->thread->redis, todo, n, scores, items);
        int again = 0;
        for (int i = 0; i < n; i++) {
            if (todo[i]->status != CLAIM_UNPICKED)
                continue;
            if (rewards_fallback_rarity(todo[i]->want, ++todo[i]->tries) < 0)
                todo[i]->status = CLAIM_NO_CREATURES;
            else
                todo[again++] = todo[i];
        }
        n = again;
    }
    free(scores);
}

/* Concurrent claims share transactions: one batch at a time in the database, on the connection
 * of the request that leads it; once it has committed the next batch starts while this one
 * finishes in Redis (combiner_release). Measured on 2 cores at 16 connections: two or three
 * batches in the database at once make the batches smaller, and PostgreSQL's CPU per claim
 * grows with it (+25 % for two, +40 % for three) for no more claims a second. */
static combiner_t claims_combiner = COMBINER_INITIALIZER(1, COMBINER_MAX_ITEMS, run_claims);

void api_dailybox_claim(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    /* No connection is held while waiting: only the request that leads a batch uses one. */
    box_claim_t c = {.item.key = uid, .status = CLAIM_FAILED, .want = odds_box_rarity(rng_thread())};
    rewards_today(c.day);
    combiner_submit(&claims_combiner, &c.item, ctx);
    db_conn_t *db;
    switch (c.status) {
    case CLAIM_NOT_READY:
        if ((db = api_db(ctx)))
            not_ready(ctx, db, uid);
        return;
    case CLAIM_UNPICKED: /* run_claims leaves none: it tries every rarity */
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
