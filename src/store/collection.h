/* collection: "grant a creature to a player", the one way a creature joins a collection (the
 * starter, the daily box, visitors, encounters, YouTube rewards, events and admin grants).
 * A grant upserts the (player, creature) row (a repeat find raises found_count and so rizz,
 * never a second row), records telemetry "creature_collected" (every find), notifies a new
 * find (category creature_found), and runs the achievement check. After COMMIT the caller runs
 * effects_apply (cache invalidation, the telemetry log lines, leaderboard_player_changed). */
#ifndef CHATLINGS_COLLECTION_H
#define CHATLINGS_COLLECTION_H
#include <libpq-fe.h>

#include "store/achievements.h"
#include "store/db.h"
#include "store/effects.h"
#include "store/redis.h"

typedef struct grant {
    char creature_id[37];
    char name[64];
    char rarity[16];
    int is_new;        /* first time this player found it */
    int found_count;
    int rizz;
    ach_unlocks_t unlocked; /* achievements this grant unlocked */
} grant_t;

/* Inside the caller's transaction. source: starter, daily_box, visitor, encounter, youtube,
 * event or admin. Inactive or deleted creatures are never handed out. Returns 1 granted,
 * 0 no such active creature (nothing written), -1 with *err the failed result (NULL when the
 * connection broke): the caller rolls back. A YouTube grant also re-checks the YouTube reward
 * achievements, so mark the like rewarded (youtube_likes.rewarded_at) before granting; an
 * encounter grant re-checks encounter wins, so resolve the encounter first. */
int collection_grant(db_conn_t *db, const char *user_id, const char *creature_id, const char *source, grant_t *out,
                     effects_t *fx, PGresult **err);
/* The same, also re-checking the achievement metrics in extra_metrics (ACH_METRIC_*) in the
 * same statement as the grant's own check: a caller whose transaction moved another metric
 * (the daily box's streak) saves a round trip. */
int collection_grant_with(db_conn_t *db, const char *user_id, const char *creature_id, const char *source,
                          unsigned extra_metrics, grant_t *out, effects_t *fx, PGresult **err);

/* One player's grant in a batch: out and fx are filled like collection_grant's; granted is
 * set to 1 when the creature was granted, 0 when it was not active (nothing written). */
#define COLLECTION_MAX_BATCH ACH_MAX_BATCH
typedef struct grant_req {
    const char *user_id;
    const char *creature_id;
    grant_t *out;
    effects_t *fx;
    int granted;
} grant_req_t;
/* collection_grant_with for up to COLLECTION_MAX_BATCH distinct players in one transaction of
 * the caller, with two statements in all. Returns how many were granted, or -1 with *err. */
int collection_grant_many(db_conn_t *db, grant_req_t *reqs, int n, const char *source, unsigned extra_metrics,
                          PGresult **err);

/* The grant statement of a batch as a db_call_t, for a caller that pipelines it with the
 * statements that follow it (db_pipeline), and the reading of its result: granted, out and fx
 * of each request, as collection_grant_many; the achievement check is then the caller's.
 * require_active 0: the caller has already checked, in its transaction, that every creature is
 * active (a deactivation since then does not undo the grant). The call points into gc, which
 * must outlive it. collection_grant_call returns 0, or -1 for an unknown source or batch size. */
typedef struct grant_call {
    const char *users[COLLECTION_MAX_BATCH], *creatures[COLLECTION_MAX_BATCH];
    db_param_t params[6];
} grant_call_t;
int collection_grant_call(grant_call_t *gc, grant_req_t *reqs, int n, const char *source, int require_active,
                          db_call_t *call);
int collection_grant_take(PGresult *r, grant_req_t *reqs, int n);

/* The whole thing for callers with nothing else to write (admin grants, the worker): BEGIN,
 * grant, COMMIT, effects_apply. Same returns; on -1 it has rolled back. */
int collection_grant_one(db_conn_t *db, redis_t *r, const char *user_id, const char *creature_id, const char *source,
                         grant_t *out, PGresult **err);

#endif
