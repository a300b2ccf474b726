/* rewards: random picks and box opening shared by the box, shop, visitor and encounter
 * handlers, so that there is one implementation of "a random creature" and of "a box". */
#include "api/rewards.h"
#include "api/creature_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "game/odds.h"

/* Probes per pick: about 1/share of the rarity in the catalogue times ~12, so that all probes
 * miss (and the exact walk runs) well under 0.1 % of the time for Common..Epic and about 0.15 %
 * for Legendary; Mythical (0.5 %) goes straight to the walk, which is short for it. */
static const int DRAWS[RARITY_COUNT] = {24, 40, 64, 128, 256, 0};

int rewards_pick_rarity(db_conn_t *db, rng_t *rng, rarity_t rarity, picked_t *out, PGresult **err)
{
    uint32_t draws[PICK_MAX_DRAWS];
    int n = DRAWS[rarity];
    for (int i = 0; i < n; i++)
        draws[i] = (uint32_t)(rng_next(rng) >> 32);
    return pick_creature(db, RARITY_NAMES[rarity], draws, n, (uint32_t)(rng_next(rng) >> 32), out, err);
}

int rewards_fallback_rarity(rarity_t want, int k)
{
    if (k < 0 || k >= RARITY_COUNT)
        return -1;
    return k == 0 ? (int)want : k <= (int)want ? (int)want - k : k;
}

void rewards_draws(rng_t *rng, rarity_t rarity, buf_t *draws, char fallback[16])
{
    uint32_t d[PICK_MAX_DRAWS];
    for (int i = 0; i < DRAWS[rarity]; i++)
        d[i] = (uint32_t)(rng_next(rng) >> 32);
    pick_draws_literal(draws, d, DRAWS[rarity]);
    snprintf(fallback, 16, "%u", (uint32_t)(rng_next(rng) >> 32));
}

/* After want's probes missed: its exact walk, then, when an admin has deactivated the whole
 * rarity, the others in rewards_fallback_rarity's order. */
static int pick_after_probes(db_conn_t *db, rng_t *rng, rarity_t want, picked_t *out, PGresult **err)
{
    int rc = pick_creature(db, RARITY_NAMES[want], NULL, 0, (uint32_t)(rng_next(rng) >> 32), out, err);
    for (int k = 1, r; rc == 0 && (r = rewards_fallback_rarity(want, k)) >= 0; k++)
        rc = rewards_pick_rarity(db, rng, (rarity_t)r, out, err);
    return rc;
}

int rewards_pick_boxes(db_conn_t *db, rng_t *rng, picked_t *const *out, int n, PGresult **err)
{
    *err = NULL;
    if (n < 1 || n > PICK_MAX_BATCH)
        return -1;
    uint32_t(*draws)[PICK_MAX_DRAWS] = malloc((size_t)n * sizeof *draws);
    if (!draws)
        return -1;
    rarity_t want[PICK_MAX_BATCH];
    pick_req_t reqs[PICK_MAX_BATCH];
    for (int i = 0; i < n; i++) {
        want[i] = odds_box_rarity(rng);
        reqs[i] = (pick_req_t){.rarity = RARITY_NAMES[want[i]], .draws = draws[i], .n = DRAWS[want[i]], .out = out[i]};
        for (int k = 0; k < reqs[i].n; k++)
            draws[i][k] = (uint32_t)(rng_next(rng) >> 32);
    }
    int rc = pick_probe_many(db, reqs, n, err) < 0 ? -1 : 1;
    for (int i = 0; i < n && rc == 1; i++)
        if (!reqs[i].found)
            rc = pick_after_probes(db, rng, want[i], out[i], err);
    free(draws);
    return rc;
}

int rewards_pick_box(db_conn_t *db, rng_t *rng, picked_t *out, PGresult **err)
{
    return rewards_pick_boxes(db, rng, &out, 1, err);
}

static const db_stmt_t STMT_BOX_RECORD = {
    "rewards_box_record",
    "INSERT INTO daily_box_claims (user_id, kind, creature_id, rarity, motes) VALUES ($1, $2, $3, $4, $5)", 5};

int rewards_open_box(db_conn_t *db, rng_t *rng, const char *user_id, const char *kind, int motes,
                     unsigned extra_metrics, picked_t *picked, grant_t *granted, effects_t *fx, PGresult **err)
{
    int rc = rewards_pick_box(db, rng, picked, err);
    if (rc <= 0)
        return rc;
    rc = collection_grant_with(db, user_id, picked->id, "daily_box", extra_metrics, granted, fx, err);
    if (rc <= 0)
        return rc;
    char m[16];
    snprintf(m, sizeof m, "%d", motes);
    const char *params[] = {user_id, kind, picked->id, picked->rarity, m};
    PGresult *r = db_exec(db, &STMT_BOX_RECORD, params);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        *err = r;
        return -1;
    }
    PQclear(r);
    return 1;
}

void rewards_render_grant(buf_t *b, const picked_t *c, const grant_t *g)
{
    buf_puts(b, "\"creature\":");
    creature_json_summary(b, c);
    buf_printf(b, ",\"new\":%s,\"found_count\":%d,\"rizz\":%d", g->is_new ? "true" : "false", g->found_count,
               g->rizz);
}

static void render_list(buf_t *b, const ach_unlocks_t *a, int *first)
{
    for (int i = 0; a && i < a->n; i++) {
        buf_puts(b, *first ? "{\"id\":" : ",{\"id\":");
        *first = 0;
        buf_json_cstr(b, a->items[i].id);
        buf_puts(b, ",\"name\":");
        buf_json_cstr(b, a->items[i].name);
        buf_printf(b, ",\"points\":%d}", a->items[i].points);
    }
}

void rewards_render_unlocks(buf_t *b, const ach_unlocks_t *a, const ach_unlocks_t *c)
{
    int first = 1;
    buf_puts(b, "[");
    render_list(b, a, &first);
    render_list(b, c, &first);
    buf_puts(b, "]");
}

void rewards_today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}
