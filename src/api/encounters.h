/* encounters: wild encounters (GAME.md "Collecting" 4): GET /api/encounters/current shows
 * today's wild creature (picked by the server with the box odds and stored, so it stays the
 * same until met); POST /api/encounters/meet sends one of the player's chatlings to meet it.
 * Up to 3 meetings per UTC day; an unmet wild creature of an earlier day goes away. */
#ifndef CHATLINGS_ENCOUNTERS_H
#define CHATLINGS_ENCOUNTERS_H
#include <libpq-fe.h>

#include "game/rng.h"
#include "store/db.h"
#include "store/pick.h"

/* The shop's "Encounter refresh", inside the caller's transaction: today's wild creature is
 * replaced by a new pick (or, when none is on show yet, today's next one is created with it).
 * 1 done (*wild is the new creature, *slot its slot), 0 nothing to refresh (all of today's
 * encounters are used), -1 (*err: failed result, NULL when the connection broke). */
int encounters_refresh(db_conn_t *db, rng_t *rng, const char *user_id, const char *day, picked_t *wild, int *slot,
                       PGresult **err);

#endif
