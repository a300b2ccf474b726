/* encounters: today's wild creature and the meeting. The rules (three distinct random traits,
 * at least two strictly won) are game/encounter; this file keeps the state. A meeting locks
 * the open encounter row (SELECT ... FOR UPDATE), so two meetings sent at once resolve it
 * exactly once: the second finds it no longer open and answers 409. */
#include "api/encounters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/creature_json.h"
#include "api/handlers.h"
#include "api/rewards.h"
#include "game/encounter.h"
#include "store/collection.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define CREATURE_COLS "c.id, c.name, c.short_name, b.name, c.rarity, c.colour_scheme"
#define TRAITS_OF(id) \
    "(SELECT string_agg(t.score::text, ',' ORDER BY t.trait_id) FROM creature_traits t WHERE t.creature_id = " id ")"

/* An unmet wild creature of an earlier day expires (its slot belonged to that day). */
static const db_stmt_t STMT_EXPIRE = {
    "encounters_expire",
    "UPDATE encounters SET status = 'expired', resolved_at = now()"
    " WHERE user_id = $1 AND status = 'open' AND day < $2::date",
    2};

/* Today's slots used (any status) and the open encounter, if any. */
static const db_stmt_t STMT_TODAY = {
    "encounters_today",
    "SELECT (SELECT count(*) FROM encounters WHERE user_id = $1 AND day = $2::date),"
    " e.id, e.slot, e.refreshes, " ISO("e.created_at") ", " CREATURE_COLS ", " TRAITS_OF("c.id")
    " FROM (SELECT 1) one"
    " LEFT JOIN encounters e ON e.user_id = $1 AND e.day = $2::date AND e.status = 'open'"
    " LEFT JOIN creatures c ON c.id = e.wild_creature_id LEFT JOIN body_types b ON b.id = c.body_type_id",
    2};

/* Concurrent creators race for the same slot (and for the one open row): the loser inserts
 * nothing and reads the winner's. */
static const db_stmt_t STMT_CREATE = {
    "encounters_create",
    "INSERT INTO encounters (user_id, day, slot, wild_creature_id)"
    " SELECT $1, $2::date, count(*) + 1, $3 FROM encounters WHERE user_id = $1 AND day = $2::date"
    " HAVING count(*) < 3"
    " ON CONFLICT DO NOTHING RETURNING slot",
    3};

static const db_stmt_t STMT_REPLACE = {
    "encounters_replace",
    "UPDATE encounters SET wild_creature_id = $3, refreshes = refreshes + 1, created_at = now()"
    " WHERE user_id = $1 AND day = $2::date AND status = 'open' RETURNING slot",
    3};

static int exec_ok(PGresult *r, ExecStatusType want, PGresult **err)
{
    if (!r || PQresultStatus(r) != want) {
        *err = r;
        return -1;
    }
    return 0;
}

static int expire_old(db_conn_t *db, const char *const *params, PGresult **err)
{
    PGresult *r = db_exec(db, &STMT_EXPIRE, params);
    if (exec_ok(r, PGRES_COMMAND_OK, err))
        return -1;
    PQclear(r);
    return 0;
}

/* Inserts today's next encounter with this wild creature: 1 created (*slot), 0 not (today's
 * three are used, or a concurrent request created one first), -1 error. */
static int create_slot(db_conn_t *db, const char *user_id, const char *day, const char *creature_id, int *slot,
                       PGresult **err)
{
    const char *params[] = {user_id, day, creature_id};
    PGresult *r = db_exec(db, &STMT_CREATE, params);
    if (exec_ok(r, PGRES_TUPLES_OK, err))
        return -1;
    int n = PQntuples(r);
    if (n && slot)
        *slot = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return n;
}

int encounters_refresh(db_conn_t *db, rng_t *rng, const char *user_id, const char *day, picked_t *wild, int *slot,
                       PGresult **err)
{
    const char *params[] = {user_id, day, NULL};
    if (expire_old(db, params, err))
        return -1;
    int rc = rewards_pick_box(db, rng, wild, err);
    if (rc <= 0)
        return rc;
    params[2] = wild->id;
    PGresult *r = db_exec(db, &STMT_REPLACE, params);
    if (exec_ok(r, PGRES_TUPLES_OK, err))
        return -1;
    int replaced = PQntuples(r);
    if (replaced)
        *slot = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (replaced)
        return 1;
    return create_slot(db, user_id, day, wild->id, slot, err);
}

/* ---- GET /api/encounters/current ---- */

static void render_wild(buf_t *b, PGresult *r, int c0)
{
    picked_t c;
    const char *cols[6];
    int traits[TRAIT_COUNT];
    for (int i = 0; i < 6; i++)
        cols[i] = PQgetvalue(r, 0, c0 + i);
    creature_json_from_row(&c, cols);
    buf_puts(b, "{");
    creature_json_members(b, &c);
    if (creature_json_parse_traits(PQgetvalue(r, 0, c0 + 6), traits) == 0) {
        buf_puts(b, ",");
        creature_json_scores(b, traits);
    }
    buf_puts(b, "}");
}

static void tomorrow(const char *day, char out[32])
{
    struct tm tm = {0};
    strptime(day, "%Y-%m-%d", &tm);
    time_t t = timegm(&tm) + 24 * 3600;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT00:00:00Z", &tm);
}

void api_encounter_current(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    char day[11];
    rewards_today(day);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    const char *params[] = {uid, day};
    PGresult *err = NULL;
    if (expire_old(db, params, &err)) {
        api_check(ctx, err);
        return;
    }
    PGresult *r = NULL;
    /* Two rounds at most: read; when nothing is on show and a slot is free, create, read again. */
    for (int round = 0; round < 2; round++) {
        r = db_exec(db, &STMT_TODAY, params);
        if (api_check(ctx, r))
            return;
        long slots = atol(PQgetvalue(r, 0, 0));
        if (!PQgetisnull(r, 0, 1) || slots >= ENCOUNTERS_PER_DAY || round == 1)
            break;
        PQclear(r);
        r = NULL;
        picked_t wild;
        int rc = rewards_pick_box(db, rng_thread(), &wild, &err);
        if (rc < 0) {
            api_check(ctx, err);
            return;
        }
        if (rc == 0) {
            http_res_error(ctx->res, 503, "unavailable", "there are no creatures in the wild right now");
            return;
        }
        if (create_slot(db, uid, day, wild.id, NULL, &err) < 0) {
            api_check(ctx, err);
            return;
        }
    }
    long slots = atol(PQgetvalue(r, 0, 0));
    int open = !PQgetisnull(r, 0, 1);
    long used = open ? slots - 1 : slots;
    char resets[32];
    tomorrow(day, resets);
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"day\":");
    buf_json_cstr(b, day);
    buf_printf(b, ",\"per_day\":%d,\"used\":%ld,\"remaining\":%ld,\"resets_at\":", ENCOUNTERS_PER_DAY, used,
               ENCOUNTERS_PER_DAY - used);
    buf_json_cstr(b, resets);
    buf_puts(b, ",\"encounter\":");
    if (open) {
        buf_printf(b, "{\"id\":%s,\"slot\":%s,\"refreshes\":%s,\"created_at\":", PQgetvalue(r, 0, 1),
                   PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3));
        api_json_time(b, r, 0, 4);
        buf_puts(b, ",\"wild\":");
        render_wild(b, r, 5);
        buf_puts(b, "}");
    } else {
        buf_puts(b, "null");
    }
    buf_puts(b, "}");
    PQclear(r);
}

/* ---- POST /api/encounters/meet ---- */

static const db_stmt_t STMT_MINE = {
    "encounters_mine",
    "SELECT uc.status, " CREATURE_COLS ", " TRAITS_OF("c.id")
    " FROM user_collections uc JOIN creatures c ON c.id = uc.creature_id JOIN body_types b ON b.id = c.body_type_id"
    " WHERE uc.user_id = $1 AND uc.creature_id = $2",
    2};

/* The player's row first: the lock order of every player write (see store/collection.c). */
static const db_stmt_t STMT_LOCK_PLAYER = {
    "encounters_lock_player", "SELECT 1 FROM users WHERE id = $1 FOR UPDATE", 1};

static const db_stmt_t STMT_LOCK = {
    "encounters_lock",
    "SELECT e.id, e.slot, " CREATURE_COLS ", " TRAITS_OF("c.id")
    " FROM encounters e JOIN creatures c ON c.id = e.wild_creature_id JOIN body_types b ON b.id = c.body_type_id"
    " WHERE e.user_id = $1 AND e.day = $2::date AND e.status = 'open' FOR UPDATE OF e",
    2};

static const db_stmt_t STMT_RESOLVE = {
    "encounters_resolve",
    "UPDATE encounters SET status = $2, player_creature_id = $3, traits = $4::smallint[],"
    " player_scores = $5::smallint[], wild_scores = $6::smallint[], resolved_at = now() WHERE id = $1",
    6};

static void int_array(char *out, size_t n, const int *v, int add)
{
    snprintf(out, n, "{%d,%d,%d}", v[0] + add, v[1] + add, v[2] + add);
}

/* The chosen chatling, validated: 0 with *mine filled, -1 after setting the response. */
static int load_mine(http_ctx_t *ctx, db_conn_t *db, const char *uid, const char *creature_id, picked_t *mine,
                     int traits[TRAIT_COUNT])
{
    const char *params[] = {uid, creature_id};
    PGresult *r = db_exec(db, &STMT_MINE, params);
    if (api_check(ctx, r))
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        http_res_error(ctx->res, 403, "forbidden", "you can only send a chatling you own");
        return -1;
    }
    if (strcmp(PQgetvalue(r, 0, 0), "with_player")) {
        PQclear(r);
        http_res_error(ctx->res, 409, "conflict", "that chatling has run away; win it back first");
        return -1;
    }
    const char *cols[6];
    for (int i = 0; i < 6; i++)
        cols[i] = PQgetvalue(r, 0, 1 + i);
    creature_json_from_row(mine, cols);
    int bad = creature_json_parse_traits(PQgetvalue(r, 0, 7), traits);
    PQclear(r);
    if (bad) {
        http_res_error(ctx->res, 500, "internal", "creature data is incomplete");
        return -1;
    }
    return 0;
}

static void render_outcome(buf_t *b, const encounter_outcome_t *o, const picked_t *mine, const picked_t *wild,
                           const grant_t *g, int remaining)
{
    buf_printf(b, "{\"result\":\"%s\",\"won\":%s,\"wins\":%d,\"needed\":%d,\"traits\":[", o->won ? "won" : "lost",
               o->won ? "true" : "false", o->wins, ENCOUNTER_WINS_NEEDED);
    for (int i = 0; i < ENCOUNTER_TRAITS; i++) {
        const char *winner = o->player[i] > o->wild[i] ? "player" : o->player[i] < o->wild[i] ? "wild" : "tie";
        buf_printf(b, "%s{\"trait\":\"%s\",\"player\":%d,\"wild\":%d,\"winner\":\"%s\"}", i ? "," : "",
                   creature_json_trait_key(o->traits[i]), o->player[i], o->wild[i], winner);
    }
    buf_puts(b, "],\"player_creature\":");
    creature_json_summary(b, mine);
    buf_puts(b, ",\"wild_creature\":");
    creature_json_summary(b, wild);
    buf_puts(b, ",\"collected\":");
    if (o->won)
        buf_printf(b, "{\"new\":%s,\"found_count\":%d,\"rizz\":%d}", g->is_new ? "true" : "false", g->found_count,
                   g->rizz);
    else
        buf_puts(b, "null");
    buf_puts(b, ",\"achievements\":");
    rewards_render_unlocks(b, o->won ? &g->unlocked : NULL, NULL);
    buf_printf(b, ",\"remaining\":%d}", remaining);
}

void api_encounter_meet(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    const char *cid = json_string_value(json_object_get(doc, "creature_id"));
    char creature_id[37];
    if (!cid || strlen(cid) != 36 || !api_is_uuid(cid)) {
        json_decref(doc);
        http_res_error(ctx->res, 400, "bad_request", "creature_id must be the UUID of one of your chatlings");
        return;
    }
    for (int i = 0; i < 37; i++)
        creature_id[i] = (char)(cid[i] >= 'A' && cid[i] <= 'F' ? cid[i] + 32 : cid[i]);
    json_decref(doc);

    char day[11];
    rewards_today(day);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    picked_t mine, wild;
    int my_traits[TRAIT_COUNT], wild_traits[TRAIT_COUNT];
    if (load_mine(ctx, db, uid, creature_id, &mine, my_traits))
        return;
    if (db_command(db, "BEGIN")) {
        api_check(ctx, NULL);
        return;
    }
    const char *params[] = {uid, day};
    PGresult *r = db_exec(db, &STMT_LOCK_PLAYER, params);
    if (api_check(ctx, r))
        goto rollback;
    PQclear(r);
    r = db_exec(db, &STMT_LOCK, params);
    if (api_check(ctx, r))
        goto rollback;
    if (PQntuples(r) == 0) {
        PQclear(r);
        http_res_error(ctx->res, 409, "conflict",
                       "no wild creature is waiting: look with GET /api/encounters/current (3 encounters a day)");
        goto rollback;
    }
    char enc_id[24];
    snprintf(enc_id, sizeof enc_id, "%s", PQgetvalue(r, 0, 0));
    int slot = atoi(PQgetvalue(r, 0, 1));
    const char *cols[6];
    for (int i = 0; i < 6; i++)
        cols[i] = PQgetvalue(r, 0, 2 + i);
    creature_json_from_row(&wild, cols);
    int bad = creature_json_parse_traits(PQgetvalue(r, 0, 8), wild_traits);
    PQclear(r);
    if (bad) {
        http_res_error(ctx->res, 500, "internal", "creature data is incomplete");
        goto rollback;
    }

    encounter_outcome_t o;
    int drawn[ENCOUNTER_TRAITS];
    encounter_draw_traits(rng_thread(), drawn);
    encounter_resolve(my_traits, wild_traits, drawn, &o);
    char traits_s[48], mine_s[48], wild_s[48];
    int_array(traits_s, sizeof traits_s, o.traits, 1); /* trait_categories.id = trait + 1 */
    int_array(mine_s, sizeof mine_s, o.player, 0);
    int_array(wild_s, sizeof wild_s, o.wild, 0);
    const char *rp[] = {enc_id, o.won ? "won" : "lost", creature_id, traits_s, mine_s, wild_s};
    r = db_exec(db, &STMT_RESOLVE, rp);
    if (api_check(ctx, r))
        goto rollback;
    PQclear(r);

    effects_t fx;
    effects_init(&fx);
    grant_t g;
    memset(&g, 0, sizeof g);
    PGresult *err = NULL;
    if (o.won) {
        int rc = collection_grant(db, uid, wild.id, "encounter", &g, &fx, &err);
        if (rc < 0) {
            api_check(ctx, err);
            goto rollback;
        }
        if (rc == 0) {
            http_res_error(ctx->res, 409, "conflict", "this wild creature has wandered off (it is no longer active)");
            goto rollback;
        }
    }
    if (db_command(db, "COMMIT")) {
        api_check(ctx, NULL);
        goto rollback;
    }
    effects_apply(db, ctx->thread->redis, uid, &fx);
    render_outcome(&ctx->res->body, &o, &mine, &wild, &g, ENCOUNTERS_PER_DAY - slot);
    return;
rollback:
    db_command(db, "ROLLBACK");
}
