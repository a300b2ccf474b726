/* collection: the grant. One statement writes the rows, the telemetry events and the
 * notifications of a batch of players (one round trip, all or nothing; a single grant is a
 * batch of one); a second one checks achievements, because it must see the rows the first
 * one wrote (statements in one WITH share a snapshot).
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

/* $1 players (uuid[], distinct), $2 their creatures (uuid[]), $3 source, $4 title (NULL:
 * "New chatling: <name>"), $5 the body after the creature's name. The players' rows are
 * locked in id order, so two batches that share players queue instead of deadlocking. */
static const db_stmt_t STMT_GRANT = {
    "collection_grant",
    "WITH q AS (SELECT * FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY q(user_id, creature_id, i)),"
    " lk AS (SELECT id FROM users WHERE id IN (SELECT user_id FROM q) ORDER BY id FOR UPDATE),"
    " cr AS (SELECT q.i, q.user_id, c.id, c.name, c.rarity FROM q JOIN lk ON lk.id = q.user_id"
    "        JOIN creatures c ON c.id = q.creature_id WHERE c.deleted_at IS NULL AND c.is_active),"
    COLLECTION_GRANT_WRITES("$3", "$4", "$5")
    " SELECT " COLLECTION_GRANT_COLUMNS
    " FROM up JOIN cr ON cr.user_id = up.user_id JOIN tel ON tel.user_id = up.user_id",
    5};

int collection_grant(db_conn_t *db, const char *user_id, const char *creature_id, const char *source, grant_t *out,
                     effects_t *fx, PGresult **err)
{
    return collection_grant_with(db, user_id, creature_id, source, 0, out, fx, err);
}

int collection_grant_with(db_conn_t *db, const char *user_id, const char *creature_id, const char *source,
                          unsigned extra_metrics, grant_t *out, effects_t *fx, PGresult **err)
{
    grant_req_t one = {.user_id = user_id, .creature_id = creature_id, .out = out, .fx = fx};
    int rc = collection_grant_many(db, &one, 1, source, extra_metrics, err);
    return rc < 0 ? -1 : one.granted;
}

int collection_source_texts(const char *source, const char **title, const char **body)
{
    for (size_t i = 0; i < sizeof SOURCES / sizeof SOURCES[0]; i++)
        if (!strcmp(SOURCES[i].source, source)) {
            *title = SOURCES[i].title;
            *body = SOURCES[i].body;
            return 0;
        }
    return -1;
}

int collection_grant_take(PGresult *r, grant_req_t *reqs, int n)
{
    for (int i = 0; i < n; i++) {
        memset(reqs[i].out, 0, sizeof *reqs[i].out);
        reqs[i].granted = 0;
    }
    int granted = 0, rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        int k = db_row_index(r, i, 0, n);
        if (k < 0 || PQgetisnull(r, i, 1))
            continue; /* not granted */
        grant_req_t *q = &reqs[k];
        grant_t *out = q->out;
        snprintf(out->creature_id, sizeof out->creature_id, "%s", PQgetvalue(r, i, 1));
        snprintf(out->name, sizeof out->name, "%s", PQgetvalue(r, i, 2));
        snprintf(out->rarity, sizeof out->rarity, "%s", PQgetvalue(r, i, 3));
        out->found_count = atoi(PQgetvalue(r, i, 4));
        out->rizz = atoi(PQgetvalue(r, i, 5));
        out->is_new = out->found_count == 1;
        effects_event(q->fx, "creature_collected", PQgetvalue(r, i, 6));
        q->fx->collection = 1;
        if (out->is_new)
            q->fx->leaderboard = 1;
        q->granted = 1;
        granted++;
    }
    return granted;
}

int collection_grant_many(db_conn_t *db, grant_req_t *reqs, int n, const char *source, unsigned extra_metrics,
                          PGresult **err)
{
    *err = NULL;
    const char *title, *body;
    /* an unknown source is a programming error (the table's CHECK would refuse it anyway) */
    if (collection_source_texts(source, &title, &body) || n < 1 || n > COLLECTION_MAX_BATCH)
        return -1;
    const char *users[COLLECTION_MAX_BATCH], *creatures[COLLECTION_MAX_BATCH];
    for (int i = 0; i < n; i++) {
        users[i] = reqs[i].user_id;
        creatures[i] = reqs[i].creature_id;
    }
    PGresult *r = db_exec_arrays(db, &STMT_GRANT,
                                 (db_param_t[]){{.items = users, .n = n}, {.items = creatures, .n = n}, {.value = source},
                                                {.value = title}, {.value = body}});
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        *err = r;
        return -1;
    }
    int granted = collection_grant_take(r, reqs, n);
    PQclear(r);
    if (granted <= 0)
        return granted;

    /* Only what each find can move: the unique count and rarities when it is new, and the
     * source's own counters (YouTube rewards, encounter wins) either way. */
    unsigned by_source = !strcmp(source, "youtube") ? ACH_METRIC_YOUTUBE : !strcmp(source, "encounter") ? ACH_METRIC_ENCOUNTER : 0;
    ach_check_t checks[COLLECTION_MAX_BATCH];
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!reqs[i].granted)
            continue;
        unsigned metrics = extra_metrics | by_source | (reqs[i].out->is_new ? ACH_METRIC_COLLECTION : 0);
        if (metrics)
            checks[k++] = (ach_check_t){.user_id = reqs[i].user_id, .metrics = metrics,
                                        .got = &reqs[i].out->unlocked, .fx = reqs[i].fx};
    }
    if (k && achievements_check_many(db, checks, k, err) < 0)
        return -1;
    return granted;
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
