/* rewards: the shared steps of every random reward (daily box, extra box, visitor, wild
 * encounter creature): draw a rarity with the box odds, pick a uniformly random active
 * creature of it, open a box (pick + grant + record), and render what was granted as JSON. */
#ifndef CHATLINGS_REWARDS_H
#define CHATLINGS_REWARDS_H
#include <libpq-fe.h>

#include "core/buf.h"
#include "game/creatures.h"
#include "game/rng.h"
#include "store/collection.h"
#include "store/db.h"
#include "store/effects.h"
#include "store/pick.h"

/* A random active creature of exactly this rarity: 1, 0 (none active), -1 (*err). */
int rewards_pick_rarity(db_conn_t *db, rng_t *rng, rarity_t rarity, picked_t *out, PGresult **err);

/* A rarity rolled with the box odds, then a creature of it; when the catalogue has no active
 * creature of the rolled rarity, the nearest more common one (then any). 1, 0 (the catalogue
 * has no active creature at all), -1 (*err). */
int rewards_pick_box(db_conn_t *db, rng_t *rng, picked_t *out, PGresult **err);
/* The same for up to PICK_MAX_BATCH boxes at once (one statement unless probes miss): 1 all
 * filled, 0 (no active creature at all), -1 (*err). */
int rewards_pick_boxes(db_conn_t *db, rng_t *rng, picked_t *const *out, int n, PGresult **err);

/* For a box picked in SQL (store/pick.h's PICK_PROBES_SQL and PICK_WALK_SQL): the k-th
 * rarity to try when the box rolled `want` (k = 0: want; then the more common ones, nearest
 * first; then the rarer ones), -1 past the last; and a rarity's draws (appended to `draws`
 * as an array literal) and the walk's draw, with the same counts as rewards_pick_box. */
int rewards_fallback_rarity(rarity_t want, int k);
void rewards_draws(rng_t *rng, rarity_t rarity, buf_t *draws, char fallback[16]);

/* Opens one mystery box for the player inside the caller's transaction: pick (box odds),
 * grant (source daily_box; extra_metrics are re-checked with the grant's achievements), and a
 * daily_box_claims row of `kind` ("daily" or "extra") with the motes it paid.
 * 1, 0 (no creature to give), -1 (*err). */
int rewards_open_box(db_conn_t *db, rng_t *rng, const char *user_id, const char *kind, int motes,
                     unsigned extra_metrics, picked_t *picked, grant_t *granted, effects_t *fx, PGresult **err);

/* "creature":{...},"new":..,"found_count":..,"rizz":.. (members, no braces) */
void rewards_render_grant(buf_t *b, const picked_t *c, const grant_t *g);
/* [{"id","name","points"},...] of two unlock lists (either may be NULL) */
void rewards_render_unlocks(buf_t *b, const ach_unlocks_t *a, const ach_unlocks_t *c);

/* Today's UTC date as YYYY-MM-DD (the day of visitors, encounters and streaks). */
void rewards_today(char out[11]);

#endif
