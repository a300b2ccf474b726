/* achievements: one statement checks, unlocks, pays, notifies and records telemetry, so an
 * unlock is all or nothing and needs a single round trip. */
#include "store/achievements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each metric's current value for player $1. The subqueries do not depend on the row, so
 * PostgreSQL runs each as an InitPlan at most once per statement, and only when some row of
 * that metric asks for it. */
#define OWN_RARITY(r)                                                                                \
    "(SELECT count(*) FROM (SELECT 1 FROM user_collections uc JOIN creatures c ON c.id = uc.creature_id" \
    " WHERE uc.user_id = $1 AND c.rarity = '" r "' LIMIT 1) x)"
#define METRIC_VALUE(a)                                                                              \
    "CASE " a ".metric"                                                                              \
    " WHEN 'unique_creatures' THEN (SELECT count(*) FROM user_collections WHERE user_id = $1)"       \
    " WHEN 'own_epic' THEN " OWN_RARITY("Epic")                                                      \
    " WHEN 'own_legendary' THEN " OWN_RARITY("Legendary")                                            \
    " WHEN 'own_mythical' THEN " OWN_RARITY("Mythical")                                              \
    " WHEN 'login_streak' THEN (SELECT login_streak::bigint FROM users WHERE id = $1)"               \
    " WHEN 'box_streak' THEN (SELECT box_streak::bigint FROM users WHERE id = $1)"                   \
    " WHEN 'youtube_rewards' THEN (SELECT count(*) FROM youtube_likes WHERE user_id = $1 AND rewarded_at IS NOT NULL)" \
    " WHEN 'encounter_wins' THEN (SELECT count(*) FROM encounters WHERE user_id = $1 AND status = 'won')" \
    " END"

/* $1 user, $2 metrics (text[]), $3 forced achievement ids (text[]). The upsert only "returns"
 * rows that were not unlocked before, so concurrent checks pay each achievement once. */
static const db_stmt_t STMT_CHECK = {
    "achievements_check",
    "WITH a AS (SELECT id, name, points, threshold, metric FROM achievements"
    "           WHERE metric = ANY($2::text[]) OR id = ANY($3::text[])),"
    " v AS (SELECT a.*, CASE WHEN a.id = ANY($3::text[]) THEN a.threshold::bigint ELSE " METRIC_VALUE("a") " END AS value"
    "       FROM a),"
    " ins AS (INSERT INTO user_achievements AS ua (user_id, achievement_id, progress, unlocked_at)"
    "         SELECT $1, id, LEAST(value, threshold)::int, now() FROM v WHERE value >= threshold"
    "         ON CONFLICT (user_id, achievement_id) DO UPDATE"
    "           SET progress = EXCLUDED.progress, unlocked_at = EXCLUDED.unlocked_at"
    "           WHERE ua.unlocked_at IS NULL"
    "         RETURNING ua.achievement_id),"
    " got AS (SELECT a.id, a.name, a.points FROM ins JOIN a ON a.id = ins.achievement_id),"
    " pay AS (UPDATE users SET motes = motes + g.total FROM (SELECT sum(points)::int AS total FROM got) g"
    "         WHERE users.id = $1 AND g.total > 0 RETURNING users.motes),"
    " note AS (INSERT INTO notifications (user_id, category, title, body, data)"
    "          SELECT $1, 'achievement', 'Achievement unlocked: ' || name,"
    "                 CASE WHEN points > 0 THEN 'You earned ' || points || ' motes.' ELSE '' END,"
    "                 jsonb_build_object('achievement_id', id, 'points', points) FROM got),"
    " tel AS (INSERT INTO telemetry_events (name, user_id, properties)"
    "         SELECT 'achievement_unlocked', $1, jsonb_build_object('achievement_id', id, 'name', name, 'points', points)"
    "         FROM got RETURNING properties->>'achievement_id' AS aid, properties::text AS props)"
    " SELECT got.id, got.name, got.points, tel.props FROM got JOIN tel ON tel.aid = got.id ORDER BY got.id",
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

int achievements_check(db_conn_t *db, const char *user_id, unsigned metrics, const char *force_id,
                       ach_unlocks_t *got, effects_t *fx, PGresult **err)
{
    char list[256] = "{", forced[96] = "{}";
    size_t len = 1;
    for (size_t i = 0; i < sizeof METRICS / sizeof METRICS[0]; i++)
        if (metrics & METRICS[i].bit)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", len > 1 ? "," : "", METRICS[i].names);
    snprintf(list + len, sizeof list - len, "}");
    /* ids are [a-z0-9_]+ (a CHECK on the table), so they need no quoting inside the array */
    if (force_id && strspn(force_id, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(force_id) && *force_id &&
        strlen(force_id) < 64)
        snprintf(forced, sizeof forced, "{%s}", force_id);
    if (len == 1 && !strcmp(forced, "{}"))
        return 0;
    const char *params[] = {user_id, list, forced};
    PGresult *r = db_exec(db, &STMT_CHECK, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        *err = r;
        return -1;
    }
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        if (got && got->n < ACH_MAX_UNLOCKS) {
            snprintf(got->items[got->n].id, sizeof got->items[0].id, "%s", PQgetvalue(r, i, 0));
            snprintf(got->items[got->n].name, sizeof got->items[0].name, "%s", PQgetvalue(r, i, 1));
            got->items[got->n].points = atoi(PQgetvalue(r, i, 2));
            got->n++;
        }
        effects_event(fx, "achievement_unlocked", PQgetvalue(r, i, 3));
    }
    if (n > 0) {
        fx->motes = 1;
        fx->leaderboard = 1;
    }
    PQclear(r);
    return n;
}

static const db_stmt_t STMT_LIST = {
    "achievements_list",
    "SELECT a.id, a.name, a.description, a.category, a.points, a.threshold,"
    " LEAST(a.threshold, CASE WHEN ua.unlocked_at IS NOT NULL THEN a.threshold"
    "                    ELSE coalesce(" METRIC_VALUE("a") ", ua.progress, 0) END),"
    " to_char(ua.unlocked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM achievements a LEFT JOIN user_achievements ua ON ua.achievement_id = a.id AND ua.user_id = $1"
    " ORDER BY a.sort_order, a.id",
    1};

PGresult *achievements_list(db_conn_t *db, const char *user_id)
{
    const char *params[] = {user_id};
    return db_exec(db, &STMT_LIST, params);
}
