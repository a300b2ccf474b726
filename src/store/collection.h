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

/* A grant's writes as SQL, for a statement that grants together with writes of its own (the
 * daily box claims and grants in one): CTEs up, tel and note, which read
 * cr(i, user_id, id, name, rarity) (the players' rows locked, the creatures checked active),
 * with SOURCE, TITLE (NULL: "New chatling: <name>") and BODY (after the creature's name) as
 * SQL expressions (collection_source_texts has the texts). The result's first columns are
 * COLLECTION_GRANT_COLUMNS (NULLs for a request not granted), which collection_grant_take reads
 * into each request's granted, out and fx; it returns how many were granted. */
#define COLLECTION_GRANT_WRITES(SOURCE, TITLE, BODY)                                                             \
    " up AS (INSERT INTO user_collections AS uc (user_id, creature_id, source) SELECT user_id, id, " SOURCE " FROM cr" \
    "        ON CONFLICT (user_id, creature_id)"                                                                   \
    "        DO UPDATE SET found_count = uc.found_count + 1, last_found_at = now()"                                \
    "        RETURNING uc.user_id, uc.creature_id, uc.found_count, uc.rizz),"                                      \
    " tel AS (INSERT INTO telemetry_events (name, user_id, properties)"                                            \
    "         SELECT 'creature_collected', cr.user_id, jsonb_build_object('creature_id', cr.id,"                   \
    "                'source', " SOURCE "::text, 'rarity', cr.rarity, 'new', up.found_count = 1,"                   \
    "                'found_count', up.found_count)"                                                               \
    "         FROM up JOIN cr ON cr.user_id = up.user_id RETURNING user_id, properties::text AS props),"           \
    " note AS (INSERT INTO notifications (user_id, category, title, body, data)"                                   \
    "          SELECT cr.user_id, 'creature_found', coalesce(" TITLE ", 'New chatling: ' || cr.name),"             \
    "                 cr.name || " BODY ","                                                                        \
    "                 jsonb_build_object('creature_id', cr.id, 'source', " SOURCE "::text, 'rarity', cr.rarity)"   \
    "          FROM up JOIN cr ON cr.user_id = up.user_id WHERE up.found_count = 1"                          \
    "          RETURNING user_id, " EFFECTS_ANNOUNCE_SQL " AS announce)"
#define COLLECTION_GRANT_COLUMNS "cr.i, cr.id, cr.name, cr.rarity, up.found_count, up.rizz, tel.props"
int collection_source_texts(const char *source, const char **title, const char **body);
int collection_grant_take(PGresult *r, grant_req_t *reqs, int n);

/* The whole thing for callers with nothing else to write (admin grants, the worker): BEGIN,
 * grant, COMMIT, effects_apply. Same returns; on -1 it has rolled back. */
int collection_grant_one(db_conn_t *db, redis_t *r, const char *user_id, const char *creature_id, const char *source,
                         grant_t *out, PGresult **err);

#endif
