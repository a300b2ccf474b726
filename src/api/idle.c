/* idle: the idle game ("affection", GAME.md). GET /api/idle-game/state and POST
 * /api/idle-game/buy, /hire, /collect {creature_id}. The server owns every number: the client
 * names a business (a creature id) and an action, nothing else; amounts come from game/idle.c
 * and time from clock_now(). Every request settles the managed businesses first (whole cycles
 * since their timestamp, at most 8 hours' worth), all inside one transaction that holds the
 * player's wallet row (FOR UPDATE), and every spend is a conditional UPDATE that cannot
 * overdraw. GET settles too: the state shown is the state stored, and settling is idempotent
 * in time, so the 8-hour cap measures time away from the game. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "core/clock.h"
#include "game/creatures.h"
#include "game/idle.h"

typedef enum { ACT_STATE, ACT_BUY, ACT_HIRE, ACT_COLLECT } idle_action_t;

typedef struct business {
    int row;              /* in the load result: id, name, rarity */
    int64_t index, owned, last_ms;
    int manager, exists, dirty;
    idle_stats_t stats;
} business_t;

static const db_stmt_t STMT_WALLET_INIT = {
    "idle_wallet_init",
    "INSERT INTO idle_wallets (user_id, affection_points) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING", 2};
static const db_stmt_t STMT_WALLET_LOCK = {
    "idle_wallet_lock", "SELECT affection_points FROM idle_wallets WHERE user_id = $1 FOR UPDATE", 1};

/* Every owned creature is a business; index = position in the collection by first find. The
 * trait sums are those of the formulas: Ability = Creativity (3) + Curiosity (8), Uniqueness =
 * Playfulness (2) + Humor (7), Strength = Energy (5) + Confidence (6) (trait_categories ids). */
static const db_stmt_t STMT_LOAD = {
    "idle_load",
    "SELECT uc.creature_id, c.name, c.rarity, row_number() OVER (ORDER BY uc.first_found_at, uc.id) - 1,"
    " coalesce(b.owned, 0), coalesce(b.has_manager, false), coalesce(b.last_collected_ms, 0), b.user_id IS NOT NULL,"
    " tr.ability, tr.uniqueness, tr.strength"
    " FROM user_collections uc JOIN creatures c ON c.id = uc.creature_id"
    " LEFT JOIN idle_businesses b ON b.user_id = uc.user_id AND b.creature_id = uc.creature_id"
    " CROSS JOIN LATERAL (SELECT coalesce(sum(score) FILTER (WHERE trait_id IN (3, 8)), 0)::int AS ability,"
    "   coalesce(sum(score) FILTER (WHERE trait_id IN (2, 7)), 0)::int AS uniqueness,"
    "   coalesce(sum(score) FILTER (WHERE trait_id IN (5, 6)), 0)::int AS strength"
    "   FROM creature_traits WHERE creature_id = uc.creature_id) tr"
    " WHERE uc.user_id = $1 ORDER BY 4",
    1};
static const db_stmt_t STMT_SAVE = {
    "idle_save",
    "INSERT INTO idle_businesses (user_id, creature_id, owned, has_manager, last_collected_ms)"
    " SELECT $1, v.cid, v.owned, v.manager, v.last"
    " FROM unnest($2::uuid[], $3::int[], $4::boolean[], $5::bigint[]) v(cid, owned, manager, last)"
    " ON CONFLICT (user_id, creature_id) DO UPDATE SET owned = EXCLUDED.owned, has_manager = EXCLUDED.has_manager,"
    " last_collected_ms = EXCLUDED.last_collected_ms",
    5};
static const db_stmt_t STMT_CREDIT = {
    "idle_credit",
    "UPDATE idle_wallets SET affection_points = LEAST(affection_points + $2::bigint, 1000000000000000000),"
    " updated_at = now() WHERE user_id = $1 RETURNING affection_points",
    2};
static const db_stmt_t STMT_SPEND = {
    "idle_spend",
    "UPDATE idle_wallets SET affection_points = affection_points - $2::bigint, updated_at = now()"
    " WHERE user_id = $1 AND affection_points >= $2::bigint RETURNING affection_points",
    2};

static void rollback(db_conn_t *db)
{
    db_command(db, "ROLLBACK");
}

/* Runs a one-row "RETURNING affection_points" statement. 1 updated (*points set), 0 no row,
 * -1 error (response set). */
static int points_stmt(http_ctx_t *ctx, db_conn_t *db, const db_stmt_t *st, const char *uid, int64_t amount,
                       int64_t *points)
{
    char a[24];
    snprintf(a, sizeof a, "%lld", (long long)amount);
    const char *p[] = {uid, a};
    PGresult *res = db_exec(db, st, p);
    if (api_check(ctx, res))
        return -1;
    int n = PQntuples(res);
    if (n == 1)
        *points = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n == 1;
}

/* Writes the businesses marked dirty in one statement. 0 or -1 (response set). */
static int save(http_ctx_t *ctx, db_conn_t *db, const char *uid, PGresult *rows, business_t *b, int n)
{
    buf_t ids, owned, mgr, last;
    buf_init(&ids, 1 << 22);
    buf_init(&owned, 1 << 20);
    buf_init(&mgr, 1 << 20);
    buf_init(&last, 1 << 20);
    int count = 0;
    for (int i = 0; i < n; i++) {
        if (!b[i].dirty)
            continue;
        const char *sep = count++ ? "," : "{";
        buf_printf(&ids, "%s%s", sep, PQgetvalue(rows, b[i].row, 0));
        buf_printf(&owned, "%s%lld", sep, (long long)b[i].owned);
        buf_printf(&mgr, "%s%s", sep, b[i].manager ? "t" : "f");
        buf_printf(&last, "%s%lld", sep, (long long)b[i].last_ms);
    }
    int rc = 0;
    if (count) {
        buf_puts(&ids, "}");
        buf_puts(&owned, "}");
        buf_puts(&mgr, "}");
        buf_puts(&last, "}");
        if (ids.overflow || owned.overflow || mgr.overflow || last.overflow) {
            http_res_error(ctx->res, 500, "internal", "too many businesses");
            rc = -1;
        } else {
            const char *p[] = {uid, ids.data, owned.data, mgr.data, last.data};
            PGresult *res = db_exec(db, &STMT_SAVE, p);
            rc = api_check(ctx, res);
            if (rc == 0)
                PQclear(res);
        }
    }
    buf_free(&ids);
    buf_free(&owned);
    buf_free(&mgr);
    buf_free(&last);
    return rc;
}

static void render_amount(buf_t *b, int64_t v)
{
    if (v == IDLE_UNREACHABLE)
        buf_puts(b, "null");
    else
        buf_printf(b, "%lld", (long long)v);
}

static void render(http_ctx_t *ctx, PGresult *rows, business_t *b, int n, int64_t points, int64_t now,
                   int64_t settled, const char *action, const char *target, int64_t spent, int64_t collected)
{
    buf_t *out = &ctx->res->body;
    char ts[32];
    clock_format_iso(now, ts, sizeof ts);
    buf_printf(out,
               "{\"affection_points\":%lld,\"server_time\":\"%s\",\"server_time_ms\":%lld,\"offline_cap_s\":%lld,"
               "\"settled\":%lld",
               (long long)points, ts, (long long)now, IDLE_OFFLINE_CAP_MS / 1000, (long long)settled);
    if (action) {
        buf_printf(out, ",\"action\":{\"type\":\"%s\",\"creature_id\":", action);
        buf_json_cstr(out, target);
        buf_printf(out, ",\"spent\":%lld,\"collected\":%lld}", (long long)spent, (long long)collected);
    }
    buf_puts(out, ",\"businesses\":[");
    for (int i = 0; i < n; i++) {
        const business_t *x = &b[i];
        int64_t cycle = idle_cycle_ms(&x->stats), revenue = idle_revenue(&x->stats, x->owned);
        int64_t into = x->owned > 0 && now > x->last_ms ? now - x->last_ms : 0;
        int ready = x->owned > 0 && !x->manager && idle_cycle_ready(cycle, x->last_ms, now);
        buf_puts(out, i ? ",{\"creature_id\":" : "{\"creature_id\":");
        buf_json_cstr(out, PQgetvalue(rows, x->row, 0));
        buf_puts(out, ",\"name\":");
        buf_json_cstr(out, PQgetvalue(rows, x->row, 1));
        buf_puts(out, ",\"rarity\":");
        buf_json_cstr(out, PQgetvalue(rows, x->row, 2));
        buf_printf(out,
                   ",\"index\":%lld,\"owned\":%lld,\"level\":%lld,\"has_manager\":%s,\"base_revenue\":%lld,"
                   "\"revenue_per_cycle\":%lld,\"cycle_ms\":%lld,\"cycle_progress_ms\":%lld,\"ready\":%s,"
                   "\"pending\":%lld,\"next_unit_cost\":",
                   (long long)x->index, (long long)x->owned, (long long)idle_level(x->owned),
                   x->manager ? "true" : "false", (long long)idle_base_revenue(&x->stats), (long long)revenue,
                   (long long)cycle, (long long)(ready ? cycle : cycle > 0 ? into % cycle : 0), ready ? "true" : "false",
                   (long long)(ready ? revenue : 0));
        render_amount(out, idle_unit_cost(x->index, x->stats.rarity, x->owned));
        buf_puts(out, ",\"manager_cost\":");
        render_amount(out, x->manager ? IDLE_UNREACHABLE : idle_manager_cost(x->index));
        buf_puts(out, "}");
    }
    buf_puts(out, "]}");
}

static void run(http_ctx_t *ctx, idle_action_t act)
{
    const char *uid = api_user_id(ctx);
    char target[37] = "";
    if (act != ACT_STATE) {
        /* only creature_id is read: any other member (points, levels, costs) is ignored */
        json_t *doc = api_json_body(ctx);
        if (!doc)
            return;
        const char *s = json_string_value(json_object_get(doc, "creature_id"));
        if (!s || !api_is_uuid(s)) {
            json_decref(doc);
            http_res_error(ctx->res, 400, "bad_request", "creature_id (a creature id) is required");
            return;
        }
        for (int i = 0; i < 37; i++)
            target[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
        json_decref(doc);
    }
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    if (db_command(db, "BEGIN")) {
        api_check(ctx, NULL);
        return;
    }
    char start[24];
    snprintf(start, sizeof start, "%d", IDLE_START_POINTS);
    const char *wp[] = {uid, start};
    PGresult *res = db_exec(db, &STMT_WALLET_INIT, wp);
    if (api_check(ctx, res)) {
        rollback(db);
        return;
    }
    PQclear(res);
    res = db_exec(db, &STMT_WALLET_LOCK, wp);
    if (api_check(ctx, res)) {
        rollback(db);
        return;
    }
    int64_t points = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    PGresult *rows = db_exec(db, &STMT_LOAD, wp);
    if (api_check(ctx, rows)) {
        rollback(db);
        return;
    }
    int n = PQntuples(rows);
    business_t *b = calloc((size_t)(n ? n : 1), sizeof *b);
    if (!b) {
        PQclear(rows);
        rollback(db);
        http_res_error(ctx->res, 500, "internal", "out of memory");
        return;
    }
    int64_t now = clock_now(), settled = 0, spent = 0, collected = 0;
    business_t *t = NULL;
    for (int i = 0; i < n; i++) {
        business_t *x = &b[i];
        x->row = i;
        x->index = strtoll(PQgetvalue(rows, i, 3), NULL, 10);
        x->owned = strtoll(PQgetvalue(rows, i, 4), NULL, 10);
        x->manager = PQgetvalue(rows, i, 5)[0] == 't';
        x->last_ms = strtoll(PQgetvalue(rows, i, 6), NULL, 10);
        x->exists = PQgetvalue(rows, i, 7)[0] == 't';
        x->stats.ability_sum = atoi(PQgetvalue(rows, i, 8));
        x->stats.uniqueness_sum = atoi(PQgetvalue(rows, i, 9));
        x->stats.strength_sum = atoi(PQgetvalue(rows, i, 10));
        x->stats.rarity = rarity_from_name(PQgetvalue(rows, i, 2));
        if (x->stats.rarity < 0)
            x->stats.rarity = RARITY_COMMON;
        if (act != ACT_STATE && !strcmp(PQgetvalue(rows, i, 0), target))
            t = x;
        /* managers collect by themselves: settle every managed business first */
        if (x->owned > 0 && x->manager) {
            int64_t earned, last;
            idle_settle_managed(idle_revenue(&x->stats, x->owned), idle_cycle_ms(&x->stats), x->last_ms, now, &earned,
                                &last);
            if (last != x->last_ms) {
                x->last_ms = last;
                x->dirty = 1;
            }
            settled = idle_add(settled, earned);
            if (t == x)
                collected = earned;
        }
    }
    const char *conflict = NULL, *action = NULL;
    if (act != ACT_STATE && !t) {
        free(b);
        PQclear(rows);
        rollback(db);
        http_res_error(ctx->res, 404, "not_found", "that chatling is not in your collection");
        return;
    }
    int64_t credit = settled;
    if (act == ACT_BUY) {
        action = "buy";
        spent = idle_unit_cost(t->index, t->stats.rarity, t->owned);
        if (spent == IDLE_UNREACHABLE)
            conflict = "the next unit costs more affection points than anyone can hold";
    } else if (act == ACT_HIRE) {
        action = "hire";
        if (t->owned == 0)
            conflict = "buy a unit of this business first";
        else if (t->manager)
            conflict = "this business already has a manager";
        else if ((spent = idle_manager_cost(t->index)) == IDLE_UNREACHABLE)
            conflict = "this manager costs more affection points than anyone can hold";
    } else if (act == ACT_COLLECT) {
        action = "collect";
        if (t->owned == 0)
            conflict = "buy a unit of this business first";
    }
    if (!conflict && t && !t->manager && t->owned > 0 && (act == ACT_COLLECT || act == ACT_HIRE) &&
        idle_cycle_ready(idle_cycle_ms(&t->stats), t->last_ms, now)) {
        /* the finished cycle of an unmanaged business: collected, or handed over at a hire */
        collected = idle_revenue(&t->stats, t->owned);
        credit = idle_add(credit, collected);
        t->last_ms = now;
        t->dirty = 1;
    }
    if (conflict) {
        free(b);
        PQclear(rows);
        rollback(db);
        http_res_error(ctx->res, 409, "conflict", conflict);
        return;
    }
    int rc = 0;
    if (credit > 0)
        rc = points_stmt(ctx, db, &STMT_CREDIT, uid, credit, &points) < 0 ? -1 : 0;
    if (rc == 0 && spent > 0) {
        rc = points_stmt(ctx, db, &STMT_SPEND, uid, spent, &points);
        if (rc == 0) {
            free(b);
            PQclear(rows);
            rollback(db);
            http_res_error(ctx->res, 409, "conflict", "not enough affection points");
            return;
        }
        rc = rc < 0 ? -1 : 0;
    }
    if (rc == 0 && act == ACT_BUY) {
        if (t->owned == 0)
            t->last_ms = now; /* the first unit starts the first cycle */
        t->owned++;
        t->dirty = 1;
    } else if (rc == 0 && act == ACT_HIRE) {
        t->manager = 1;
        t->last_ms = now; /* the manager's first cycle starts now */
        t->dirty = 1;
    }
    if (rc == 0)
        rc = save(ctx, db, uid, rows, b, n);
    if (rc == 0 && db_command(db, "COMMIT")) {
        api_check(ctx, NULL);
        rc = -1;
    }
    if (rc) {
        rollback(db);
    } else {
        render(ctx, rows, b, n, points, now, settled, action, t ? target : NULL, spent, collected);
    }
    free(b);
    PQclear(rows);
}

void api_idle_state(http_ctx_t *ctx)
{
    run(ctx, ACT_STATE);
}

void api_idle_buy(http_ctx_t *ctx)
{
    run(ctx, ACT_BUY);
}

void api_idle_hire(http_ctx_t *ctx)
{
    run(ctx, ACT_HIRE);
}

void api_idle_collect(http_ctx_t *ctx)
{
    run(ctx, ACT_COLLECT);
}
