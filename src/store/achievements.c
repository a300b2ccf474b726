/* achievements: one statement checks, unlocks, pays, notifies and records telemetry, so an
 * unlock is all or nothing and needs a single round trip; the statement takes a batch of
 * players (one player is a batch of one). */
#include "store/achievements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each metric's current value for player `u` (an SQL expression). The CASE runs only the
 * subquery of the row's own metric. */
#define OWN_RARITY(u, r)                                                                             \
    "(SELECT count(*) FROM (SELECT 1 FROM user_collections uc JOIN creatures c ON c.id = uc.creature_id" \
    " WHERE uc.user_id = " u " AND c.rarity = '" r "' LIMIT 1) x)"
#define METRIC_VALUE(a, u)                                                                           \
    "CASE " a ".metric"                                                                              \
    " WHEN 'unique_creatures' THEN (SELECT count(*) FROM user_collections WHERE user_id = " u ")"    \
    " WHEN 'own_epic' THEN " OWN_RARITY(u, "Epic")                                                   \
    " WHEN 'own_legendary' THEN " OWN_RARITY(u, "Legendary")                                         \
    " WHEN 'own_mythical' THEN " OWN_RARITY(u, "Mythical")                                           \
    " WHEN 'login_streak' THEN (SELECT login_streak::bigint FROM users WHERE id = " u ")"            \
    " WHEN 'box_streak' THEN (SELECT box_streak::bigint FROM users WHERE id = " u ")"                \
    " WHEN 'youtube_rewards' THEN (SELECT count(*) FROM youtube_likes WHERE user_id = " u            \
    " AND rewarded_at IS NOT NULL)"                                                                  \
    " WHEN 'encounter_wins' THEN (SELECT count(*) FROM encounters WHERE user_id = " u " AND status = 'won')" \
    " END"

/* $1 players (uuid[], distinct), $2 each one's metrics and $3 each one's forced achievement
 * ids (text[], comma-separated lists). Achievements a player has already unlocked are left
 * out before any metric is computed (one index range per player, not one probe per
 * achievement), and each (player, metric) is computed once (the five
 * collect_N share one count). The upsert only "returns" rows that were not unlocked
 * before, so concurrent checks pay each achievement once. */
static const db_stmt_t STMT_CHECK = {
    "achievements_check",
    "WITH q AS (SELECT q.i, q.user_id, string_to_array(q.metrics, ',') AS metrics,"
    "                  string_to_array(q.forced, ',') AS forced"
    "           FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY q(user_id, metrics, forced, i)),"
    " done AS MATERIALIZED (SELECT ua.user_id, array_agg(ua.achievement_id) AS ids FROM user_achievements ua"
    "       WHERE ua.user_id IN (SELECT user_id FROM q) AND ua.unlocked_at IS NOT NULL GROUP BY ua.user_id),"
    " a AS (SELECT q.i, q.user_id, x.id, x.name, x.points, x.threshold, x.metric, x.id = ANY(q.forced) AS forced"
    "       FROM q JOIN achievements x ON x.metric = ANY(q.metrics) OR x.id = ANY(q.forced)"
    "       LEFT JOIN done ON done.user_id = q.user_id WHERE NOT coalesce(x.id = ANY(done.ids), false)),"
    " m AS (SELECT DISTINCT user_id, metric FROM a WHERE NOT forced),"
    " mv AS MATERIALIZED (SELECT m.user_id, m.metric, " METRIC_VALUE("m", "m.user_id") " AS value FROM m),"
    " v AS (SELECT a.*, CASE WHEN a.forced THEN a.threshold::bigint ELSE mv.value END AS value"
    "       FROM a LEFT JOIN mv ON mv.user_id = a.user_id AND mv.metric = a.metric),"
    " ins AS (INSERT INTO user_achievements AS ua (user_id, achievement_id, progress, unlocked_at)"
    "         SELECT user_id, id, LEAST(value, threshold)::int, now() FROM v WHERE value >= threshold"
    "         ON CONFLICT (user_id, achievement_id) DO UPDATE"
    "           SET progress = EXCLUDED.progress, unlocked_at = EXCLUDED.unlocked_at"
    "           WHERE ua.unlocked_at IS NULL"
    "         RETURNING ua.user_id, ua.achievement_id),"
    " got AS (SELECT a.i, a.user_id, a.id, a.name, a.points FROM ins JOIN a ON a.user_id = ins.user_id AND a.id = ins.achievement_id),"
    " pay AS (UPDATE users SET motes = motes + g.total"
    "         FROM (SELECT user_id, sum(points)::int AS total FROM got GROUP BY user_id) g"
    "         WHERE users.id = g.user_id AND g.total > 0 RETURNING users.motes),"
    " note AS (INSERT INTO notifications (user_id, category, title, body, data)"
    "          SELECT user_id, 'achievement', 'Achievement unlocked: ' || name,"
    "                 CASE WHEN points > 0 THEN 'You earned ' || points || ' motes.' ELSE '' END,"
    "                 jsonb_build_object('achievement_id', id, 'points', points) FROM got"
    "          RETURNING user_id, data->>'achievement_id' AS aid, " EFFECTS_ANNOUNCE_SQL " AS announce),"
    " tel AS (INSERT INTO telemetry_events (name, user_id, properties)"
    "         SELECT 'achievement_unlocked', user_id, jsonb_build_object('achievement_id', id, 'name', name, 'points', points)"
    "         FROM got RETURNING user_id, properties->>'achievement_id' AS aid, properties::text AS props)"
    " SELECT got.i, got.id, got.name, got.points, tel.props, note.announce"
    " FROM got JOIN tel ON tel.user_id = got.user_id AND tel.aid = got.id"
    " JOIN note ON note.user_id = got.user_id AND note.aid = got.id ORDER BY got.i, got.id",
    3};

static const struct {
    unsigned bit;
    const char *names;
} METRICS[] = {
    {ACH_METRIC_COLLECTION, "unique_creatures,own_epic,own_legendary,own_mythical"},
    {ACH_METRIC_LOGIN, "login_streak"},
    {ACH_METRIC_YOUTUBE, "youtube_rewards"},
    {ACH_METRIC_BOX, "box_streak"},
    {ACH_METRIC_ENCOUNTER, "encounter_wins"},
};

/* "a,b,c": the metric names of a bit set */
static void metric_list(unsigned metrics, char *out, size_t outlen)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof METRICS / sizeof METRICS[0]; i++)
        if (metrics & METRICS[i].bit)
            len += (size_t)snprintf(out + len, outlen - len, "%s%s", len ? "," : "", METRICS[i].names);
}

/* ids are [a-z0-9_]+ (a CHECK on the table): anything else cannot name an achievement */
static int valid_id(const char *id)
{
    return id && *id && strlen(id) < 64 && strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(id);
}

int achievements_check_call(ach_call_t *ac, const ach_check_t *checks, int n, db_call_t *call)
{
    if (n > ACH_MAX_BATCH)
        return -1;
    int asked = 0;
    for (int i = 0; i < n; i++) {
        metric_list(checks[i].metrics, ac->names[i], sizeof ac->names[i]);
        ac->users[i] = checks[i].user_id;
        ac->lists[i] = ac->names[i];
        ac->forced[i] = valid_id(checks[i].force_id) ? checks[i].force_id : "";
        asked |= ac->names[i][0] || ac->forced[i][0];
    }
    if (!asked)
        return 0;
    ac->params[0] = (db_param_t){.items = ac->users, .n = n};
    ac->params[1] = (db_param_t){.items = ac->lists, .n = n};
    ac->params[2] = (db_param_t){.items = ac->forced, .n = n};
    *call = (db_call_t){.stmt = &STMT_CHECK, .params = ac->params};
    return 1;
}

int achievements_take(PGresult *r, ach_check_t *checks, int n)
{
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        int k = db_row_index(r, i, 0, n);
        if (k < 0)
            continue;
        ach_check_t *c = &checks[k];
        ach_unlocks_t *got = c->got;
        if (got && got->n < ACH_MAX_UNLOCKS) {
            snprintf(got->items[got->n].id, sizeof got->items[0].id, "%s", PQgetvalue(r, i, 1));
            snprintf(got->items[got->n].name, sizeof got->items[0].name, "%s", PQgetvalue(r, i, 2));
            got->items[got->n].points = atoi(PQgetvalue(r, i, 3));
            got->n++;
        }
        effects_event(c->fx, "achievement_unlocked", PQgetvalue(r, i, 4));
        if (!PQgetisnull(r, i, 5))
            effects_announce(c->fx, PQgetvalue(r, i, 5));
        c->fx->motes = 1;
        c->fx->leaderboard = 1;
    }
    return rows;
}

int achievements_check_many(db_conn_t *db, ach_check_t *checks, int n, PGresult **err)
{
    *err = NULL;
    ach_call_t ac;
    db_call_t call;
    int asked = achievements_check_call(&ac, checks, n, &call);
    if (asked <= 0)
        return asked;
    PGresult *r = db_exec_arrays(db, call.stmt, call.params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        *err = r;
        return -1;
    }
    int rows = achievements_take(r, checks, n);
    PQclear(r);
    return rows;
}

int achievements_check(db_conn_t *db, const char *user_id, unsigned metrics, const char *force_id,
                       ach_unlocks_t *got, effects_t *fx, PGresult **err)
{
    ach_check_t one = {.user_id = user_id, .metrics = metrics, .force_id = force_id, .got = got, .fx = fx};
    return achievements_check_many(db, &one, 1, err);
}

static const db_stmt_t STMT_LIST = {
    "achievements_list",
    "SELECT a.id, a.name, a.description, a.category, a.points, a.threshold,"
    " LEAST(a.threshold, CASE WHEN ua.unlocked_at IS NOT NULL THEN a.threshold"
    "                    ELSE coalesce(" METRIC_VALUE("a", "$1") ", ua.progress, 0) END),"
    " to_char(ua.unlocked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM achievements a LEFT JOIN user_achievements ua ON ua.achievement_id = a.id AND ua.user_id = $1"
    " ORDER BY a.sort_order, a.id",
    1};

PGresult *achievements_list(db_conn_t *db, const char *user_id)
{
    const char *params[] = {user_id};
    return db_exec(db, &STMT_LIST, params);
}
