/* collection: the grant. One statement writes the row, the telemetry event and the
 * notification (one round trip, all or nothing); a second one checks achievements, because it
 * must see the row the first one wrote (statements in one WITH share a snapshot).
 * Lock order: every transaction that writes a player's rows locks the player's users row first
 * (the grant does it too, a no-op when the caller already holds it), so two writers of the same
 * player queue up instead of deadlocking on collection rows against the motes update. */
#include "store/collection.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The notification of a new find says where it came from. */
static const struct {
    const char *source;
    const char *title; /* NULL: "New chatling: <name>" */
    const char *body;  /* follows the creature's name */
} SOURCES[] = {
    {"starter", "Your first chatling", " joined you as your starter chatling."},
    {"daily_box", NULL, " was waiting in your mystery box."},
    {"visitor", NULL, " came to visit and decided to stay."},
    {"encounter", NULL, " joined you after your encounter."},
    {"youtube", NULL, " came to you from a video you liked."},
    {"event", NULL, " joined you at an event."},
    {"admin", NULL, " was given to you by the Chatlings team."},
};

static const db_stmt_t STMT_GRANT = {
    "collection_grant",
    "WITH lk AS (SELECT id FROM users WHERE id = $1 FOR UPDATE),"
    " cr AS (SELECT c.id, c.name, c.rarity FROM creatures c, lk"
    "        WHERE c.id = $2 AND c.deleted_at IS NULL AND c.is_active),"
    " up AS (INSERT INTO user_collections AS uc (user_id, creature_id, source) SELECT $1, id, $3 FROM cr"
    "        ON CONFLICT (user_id, creature_id)"
    "        DO UPDATE SET found_count = uc.found_count + 1, last_found_at = now()"
    "        RETURNING uc.creature_id, uc.found_count, uc.rizz),"
    " tel AS (INSERT INTO telemetry_events (name, user_id, properties)"
    "         SELECT 'creature_collected', $1, jsonb_build_object('creature_id', cr.id, 'source', $3::text,"
    "                'rarity', cr.rarity, 'new', up.found_count = 1, 'found_count', up.found_count)"
    "         FROM up, cr RETURNING properties::text AS props),"
    " note AS (INSERT INTO notifications (user_id, category, title, body, data)"
    "          SELECT $1, 'creature_found', coalesce($4, 'New chatling: ' || cr.name), cr.name || $5,"
    "                 jsonb_build_object('creature_id', cr.id, 'source', $3::text, 'rarity', cr.rarity)"
    "          FROM up, cr WHERE up.found_count = 1)"
    " SELECT cr.id, cr.name, cr.rarity, up.found_count, up.rizz, tel.props FROM up, cr, tel",
    5};

int collection_grant(db_conn_t *db, const char *user_id, const char *creature_id, const char *source, grant_t *out,
                     effects_t *fx, PGresult **err)
{
    return collection_grant_with(db, user_id, creature_id, source, 0, out, fx, err);
}

int collection_grant_with(db_conn_t *db, const char *user_id, const char *creature_id, const char *source,
                          unsigned extra_metrics, grant_t *out, effects_t *fx, PGresult **err)
{
    memset(out, 0, sizeof *out);
    const char *title = NULL, *body = NULL;
    for (size_t i = 0; i < sizeof SOURCES / sizeof SOURCES[0]; i++)
        if (!strcmp(SOURCES[i].source, source)) {
            title = SOURCES[i].title;
            body = SOURCES[i].body;
        }
    if (!body) {
        /* a programming error; the table's CHECK would refuse it anyway */
        *err = NULL;
        return -1;
    }
    const char *params[] = {user_id, creature_id, source, title, body};
    PGresult *r = db_exec(db, &STMT_GRANT, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        *err = r;
        return -1;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    snprintf(out->creature_id, sizeof out->creature_id, "%s", PQgetvalue(r, 0, 0));
    snprintf(out->name, sizeof out->name, "%s", PQgetvalue(r, 0, 1));
    snprintf(out->rarity, sizeof out->rarity, "%s", PQgetvalue(r, 0, 2));
    out->found_count = atoi(PQgetvalue(r, 0, 3));
    out->rizz = atoi(PQgetvalue(r, 0, 4));
    out->is_new = out->found_count == 1;
    effects_event(fx, "creature_collected", PQgetvalue(r, 0, 5));
    PQclear(r);
    fx->collection = 1;
    if (out->is_new)
        fx->leaderboard = 1;

    /* Only what this find can move: the unique count and rarities when it is new, and the
     * source's own counters (YouTube rewards, encounter wins) either way. */
    unsigned metrics = extra_metrics | (out->is_new ? ACH_METRIC_COLLECTION : 0);
    if (!strcmp(source, "youtube"))
        metrics |= ACH_METRIC_YOUTUBE;
    if (!strcmp(source, "encounter"))
        metrics |= ACH_METRIC_ENCOUNTER;
    if (metrics && achievements_check(db, user_id, metrics, NULL, &out->unlocked, fx, err) < 0)
        return -1;
    return 1;
}

int collection_grant_one(db_conn_t *db, redis_t *r, const char *user_id, const char *creature_id, const char *source,
                         grant_t *out, PGresult **err)
{
    effects_t fx;
    effects_init(&fx);
    if (db_command(db, "BEGIN")) {
        *err = NULL;
        return -1;
    }
    int rc = collection_grant(db, user_id, creature_id, source, out, &fx, err);
    if (rc <= 0) {
        db_command(db, "ROLLBACK");
        return rc;
    }
    if (db_command(db, "COMMIT")) {
        *err = NULL;
        db_command(db, "ROLLBACK");
        return -1;
    }
    effects_apply(db, r, user_id, &fx);
    return 1;
}
