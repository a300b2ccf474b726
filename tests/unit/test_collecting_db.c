/* test_collecting_db: the collecting store modules against a real, migrated and seeded
 * PostgreSQL (TEST_DATABASE_URL): the random pick (right rarity, active only, every creature of
 * a rarity reachable and about equally likely, the exact walk when probes miss), the grant
 * (one row per creature, found_count and rizz capped at 10, telemetry on every find, a
 * notification on new finds, inactive creatures refused), idempotent achievement unlocks that
 * pay their points once, and the "box ready" notification once per box cycle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "game/rng.h"
#include "store/achievements.h"
#include "store/collection.h"
#include "store/db.h"
#include "store/notify.h"
#include "store/pick.h"

static db_pool_t *pool;
static db_conn_t *conn;
static char user_id[37];

static const char *test_url(void)
{
    const char *u = getenv("TEST_DATABASE_URL");
    return u && *u ? u : NULL;
}

/* Runs SQL and returns the first value of the first row (static buffer; "" for none). */
static const char *sql1(const char *fmt, ...)
{
    static char out[256];
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    PGresult *r = PQexec(db_pgconn(conn), sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    snprintf(out, sizeof out, "%s", st == PGRES_TUPLES_OK && PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return out;
}

static int setup(void **state)
{
    (void)state;
    if (!test_url())
        return 0;
    db_pool_opts_t o = {.max = 2, .min = 1, .idle_timeout_ms = 30000, .connect_timeout_ms = 2000,
                        .statement_timeout_ms = 10000};
    pool = db_pool_create(test_url(), &o);
    conn = pool ? db_acquire(pool) : NULL;
    if (!conn)
        return -1;
    char name[48];
    rng_t r;
    rng_seed_os(&r);
    snprintf(name, sizeof name, "unit_coll_%08x", (unsigned)rng_next(&r));
    snprintf(user_id, sizeof user_id, "%s", sql1("INSERT INTO users (username) VALUES ('%s') RETURNING id", name));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (conn) {
        sql1("DELETE FROM users WHERE id = '%s'", user_id);
        db_release(pool, conn);
    }
    if (pool)
        db_pool_destroy(pool);
    return 0;
}

#define NEED_DB()                                                     \
    do {                                                              \
        if (!conn) {                                                  \
            fprintf(stderr, "TEST_DATABASE_URL unset: skipped\n");    \
            skip();                                                   \
        }                                                             \
        if (atoi(sql1("SELECT count(*) FROM creatures")) == 0) {      \
            fprintf(stderr, "catalogue not seeded: skipped\n");       \
            skip();                                                   \
        }                                                             \
    } while (0)

static int pick(rng_t *r, const char *rarity, int n, picked_t *out)
{
    uint32_t draws[PICK_MAX_DRAWS];
    for (int i = 0; i < n; i++)
        draws[i] = (uint32_t)(rng_next(r) >> 32);
    PGresult *err = NULL;
    int rc = pick_creature(conn, rarity, draws, n, (uint32_t)(rng_next(r) >> 32), out, &err);
    if (rc < 0)
        fail_msg("pick_creature: %s", err ? PQresultErrorMessage(err) : "connection lost");
    return rc;
}

static void test_pick_rarity_and_uniformity(void **state)
{
    (void)state;
    NEED_DB();
    rng_t r;
    rng_seed(&r, 99);
    picked_t p;
    const char *rarities[] = {"Common", "Rare", "Legendary", "Mythical"};
    for (size_t k = 0; k < 4; k++)
        for (int i = 0; i < 50; i++) {
            int n = atoi(sql1("SELECT count(*) FROM creatures WHERE rarity = '%s' AND is_active AND deleted_at IS NULL",
                              rarities[k]));
            int rc = pick(&r, rarities[k], i % 2 ? 0 : 64, &p);
            assert_int_equal(rc, n > 0);
            if (!rc)
                break;
            assert_string_equal(p.rarity, rarities[k]);
            assert_string_equal(sql1("SELECT is_active AND deleted_at IS NULL FROM creatures WHERE id = '%s'", p.id), "t");
        }

    /* Legendary: every one reachable, none more than ~2x as likely as the mean, by both paths */
    int n = atoi(sql1("SELECT count(*) FROM creatures WHERE rarity = 'Legendary' AND is_active AND deleted_at IS NULL"));
    if (n < 5 || n > 200)
        return;
    sql1("CREATE TEMP TABLE IF NOT EXISTS picks (id uuid)");
    sql1("TRUNCATE picks");
    int draws = n * 60;
    for (int i = 0; i < draws; i++) {
        assert_int_equal(pick(&r, "Legendary", i % 4 == 0 ? 0 : 256, &p), 1);
        sql1("INSERT INTO picks VALUES ('%s')", p.id);
    }
    assert_int_equal(atoi(sql1("SELECT count(DISTINCT id) FROM picks")), n);
    int most = atoi(sql1("SELECT max(c) FROM (SELECT count(*) c FROM picks GROUP BY id) x"));
    int least = atoi(sql1("SELECT min(c) FROM (SELECT count(*) c FROM picks GROUP BY id) x"));
    assert_true(most < 60 * 2 && least > 60 / 3);
}

static void test_pick_fallback_walk(void **state)
{
    (void)state;
    NEED_DB();
    /* one probe aimed at the lowest seq, which is not a Mythical in the seeded catalogue:
     * the probe misses and the exact walk answers */
    const char *low_rarity = sql1("SELECT rarity FROM creatures ORDER BY seq LIMIT 1");
    const char *want = strcmp(low_rarity, "Mythical") ? "Mythical" : "Common";
    char want_s[16];
    snprintf(want_s, sizeof want_s, "%s", want);
    uint32_t draws[1] = {0};
    picked_t p;
    PGresult *err = NULL;
    int rc = pick_creature(conn, want_s, draws, 1, 0, &p, &err);
    int n = atoi(sql1("SELECT count(*) FROM creatures WHERE rarity = '%s' AND is_active AND deleted_at IS NULL", want_s));
    assert_int_equal(rc, n > 0);
    if (rc) {
        assert_string_equal(p.rarity, want_s);
        /* fallback 0 skips nothing: the first of the rarity by seq */
        assert_string_equal(p.id, sql1("SELECT id FROM creatures WHERE rarity = '%s' AND is_active AND deleted_at IS NULL"
                                       " ORDER BY seq LIMIT 1",
                                       want_s));
    }
    assert_int_equal(pick_creature(conn, "Nonexistent", draws, 1, 0, &p, &err), 0);
}

static void test_grant(void **state)
{
    (void)state;
    NEED_DB();
    char cid[37], inactive[37];
    snprintf(cid, sizeof cid, "%s", sql1("SELECT id FROM creatures WHERE rarity = 'Common' AND is_active ORDER BY seq LIMIT 1"));
    int motes0 = atoi(sql1("SELECT motes FROM users WHERE id = '%s'", user_id));
    effects_t fx;
    effects_init(&fx);
    grant_t g;
    PGresult *err = NULL;
    for (int i = 1; i <= 12; i++) {
        assert_int_equal(db_command(conn, "BEGIN"), 0);
        int rc = collection_grant(conn, user_id, cid, "admin", &g, &fx, &err);
        if (rc < 0)
            fail_msg("grant: %s", err ? PQresultErrorMessage(err) : "connection lost");
        assert_int_equal(rc, 1);
        assert_int_equal(db_command(conn, "COMMIT"), 0);
        assert_int_equal(g.found_count, i);
        assert_int_equal(g.rizz, i < 10 ? i : 10);
        assert_int_equal(g.is_new, i == 1);
        assert_string_equal(g.creature_id, cid);
        /* the first find unlocks collect_1, and only the first */
        assert_int_equal(g.unlocked.n, i == 1 ? 1 : 0);
        if (i == 1)
            assert_string_equal(g.unlocked.items[0].id, "collect_1");
    }
    assert_true(fx.collection && fx.leaderboard && fx.motes);
    assert_string_equal(sql1("SELECT count(*) FROM user_collections WHERE user_id = '%s'", user_id), "1");
    assert_string_equal(sql1("SELECT found_count || '/' || rizz FROM user_collections WHERE user_id = '%s'", user_id),
                        "12/10");
    assert_string_equal(sql1("SELECT count(*) FROM telemetry_events WHERE user_id = '%s' AND name = 'creature_collected'",
                             user_id),
                        "12");
    assert_string_equal(sql1("SELECT count(*) FROM notifications WHERE user_id = '%s' AND category = 'creature_found'",
                             user_id),
                        "1");
    int points = atoi(sql1("SELECT points FROM achievements WHERE id = 'collect_1'"));
    assert_int_equal(atoi(sql1("SELECT motes FROM users WHERE id = '%s'", user_id)), motes0 + points);

    /* inactive creatures are never handed out */
    snprintf(inactive, sizeof inactive, "%s",
             sql1("SELECT id FROM creatures WHERE id <> '%s' AND is_active ORDER BY seq LIMIT 1", cid));
    sql1("UPDATE creatures SET is_active = false WHERE id = '%s'", inactive);
    assert_int_equal(db_command(conn, "BEGIN"), 0);
    int rc = collection_grant(conn, user_id, inactive, "admin", &g, &fx, &err);
    db_command(conn, "ROLLBACK");
    sql1("UPDATE creatures SET is_active = true WHERE id = '%s'", inactive);
    assert_int_equal(rc, 0);
}

static void test_achievements_idempotent(void **state)
{
    (void)state;
    NEED_DB();
    effects_t fx;
    effects_init(&fx);
    PGresult *err = NULL;
    ach_unlocks_t got = {0};
    sql1("UPDATE users SET login_streak = 7 WHERE id = '%s'", user_id);
    int motes0 = atoi(sql1("SELECT motes FROM users WHERE id = '%s'", user_id));
    assert_int_equal(achievements_check(conn, user_id, ACH_METRIC_LOGIN, NULL, &got, &fx, &err), 2);
    assert_int_equal(got.n, 2);
    assert_int_equal(achievements_check(conn, user_id, ACH_METRIC_LOGIN, NULL, &got, &fx, &err), 0);
    int paid = atoi(sql1("SELECT sum(points) FROM achievements WHERE id IN ('login_streak_3', 'login_streak_7')"));
    assert_int_equal(atoi(sql1("SELECT motes FROM users WHERE id = '%s'", user_id)), motes0 + paid);
    assert_string_equal(sql1("SELECT count(*) FROM notifications WHERE user_id = '%s' AND category = 'achievement'"
                             " AND data->>'achievement_id' LIKE 'login_streak_%%'",
                             user_id),
                        "2");
    assert_string_equal(sql1("SELECT count(*) FROM telemetry_events WHERE user_id = '%s' AND name = 'achievement_unlocked'"
                             " AND properties->>'achievement_id' = 'login_streak_7'",
                             user_id),
                        "1");
    /* a manual one, forced by the code path that knows (a runaway recovered): once */
    assert_int_equal(achievements_check(conn, user_id, 0, "recover_runaway", NULL, &fx, &err), 1);
    assert_int_equal(achievements_check(conn, user_id, 0, "recover_runaway", NULL, &fx, &err), 0);
    /* a streak that falls back never takes an unlock away */
    sql1("UPDATE users SET login_streak = 1 WHERE id = '%s'", user_id);
    assert_int_equal(achievements_check(conn, user_id, ACH_METRIC_LOGIN, NULL, NULL, &fx, &err), 0);
    assert_string_equal(sql1("SELECT count(*) FROM user_achievements WHERE user_id = '%s' AND unlocked_at IS NOT NULL"
                             " AND achievement_id LIKE 'login_streak_%%'",
                             user_id),
                        "2");
    PGresult *r = achievements_list(conn, user_id);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_true(PQntuples(r) >= 17);
    PQclear(r);
}

/* A batch: three players at once, one of them offered an inactive creature (not granted, the
 * others are); each gets its own rows and its own unlocks; the probe of a batch keeps each
 * item's rarity. */
static void test_grant_many_and_probe_many(void **state)
{
    (void)state;
    NEED_DB();
    char ids[3][37], cids[3][37];
    for (int i = 0; i < 3; i++) {
        snprintf(ids[i], sizeof ids[i], "%s",
                 sql1("INSERT INTO users (username) VALUES ('unit_many_%d_' || substr(md5(random()::text), 1, 8))"
                      " RETURNING id",
                      i));
        snprintf(cids[i], sizeof cids[i], "%s",
                 sql1("SELECT id FROM creatures WHERE rarity = 'Epic' AND is_active ORDER BY seq OFFSET %d LIMIT 1", i));
    }
    sql1("UPDATE creatures SET is_active = false WHERE id = '%s'", cids[2]);
    grant_t g[3];
    effects_t fx[3];
    grant_req_t reqs[3];
    for (int i = 0; i < 3; i++) {
        effects_init(&fx[i]);
        reqs[i] = (grant_req_t){.user_id = ids[i], .creature_id = cids[i], .out = &g[i], .fx = &fx[i]};
    }
    PGresult *err = NULL;
    assert_int_equal(db_command(conn, "BEGIN"), 0);
    int rc = collection_grant_many(conn, reqs, 3, "admin", 0, &err);
    if (rc < 0)
        fail_msg("grant_many: %s", err ? PQresultErrorMessage(err) : "connection lost");
    assert_int_equal(db_command(conn, "COMMIT"), 0);
    sql1("UPDATE creatures SET is_active = true WHERE id = '%s'", cids[2]);
    assert_int_equal(rc, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(reqs[i].granted, 1);
        assert_string_equal(g[i].creature_id, cids[i]);
        assert_true(g[i].is_new);
        /* a first find that is an Epic: collect_1 and own_epic, for this player only */
        assert_int_equal(g[i].unlocked.n, 2);
        assert_string_equal(g[i].unlocked.items[0].id, "collect_1");
        assert_string_equal(g[i].unlocked.items[1].id, "own_epic");
        assert_true(fx[i].collection && fx[i].leaderboard && fx[i].motes);
        assert_int_equal(fx[i].nevents, 3);
        char want[48];
        snprintf(want, sizeof want, "1/%s", cids[i]);
        assert_string_equal(sql1("SELECT count(*) || '/' || min(creature_id::text) FROM user_collections"
                                 " WHERE user_id = '%s'", ids[i]),
                            want);
        assert_string_equal(sql1("SELECT count(*) FROM notifications WHERE user_id = '%s'", ids[i]), "3");
    }
    assert_int_equal(reqs[2].granted, 0);
    assert_int_equal(g[2].unlocked.n, 0);
    assert_int_equal(fx[2].nevents, 0);
    assert_string_equal(sql1("SELECT count(*) FROM user_collections WHERE user_id = '%s'", ids[2]), "0");

    /* the batch probe: each item keeps its own rarity and gets the creature its draw names
     * (draws made to hit a known creature of each rarity: the catalogue's seq may be sparse
     * here, where random draws would miss) */
    static const char *const RAR[3] = {"Common", "Rare", "Epic"};
    uint32_t draws[3][1];
    char want_id[3][37];
    picked_t out[3];
    pick_req_t preqs[3];
    for (int i = 0; i < 3; i++) {
        const char *row = sql1("WITH b AS (SELECT min(seq) AS lo, max(seq) AS hi FROM creatures),"
                               " c AS (SELECT id, seq FROM creatures WHERE rarity = '%s' AND is_active"
                               " AND deleted_at IS NULL ORDER BY seq LIMIT 1)"
                               " SELECT ceil((c.seq - b.lo)::numeric * 4294967296 / (b.hi - b.lo + 1))::bigint"
                               " || ' ' || c.id FROM b, c",
                               RAR[i]);
        unsigned long u = 0;
        assert_int_equal(sscanf(row, "%lu %36s", &u, want_id[i]), 2);
        draws[i][0] = (uint32_t)u;
        preqs[i] = (pick_req_t){.rarity = RAR[i], .draws = draws[i], .n = 1, .out = &out[i]};
    }
    assert_int_equal(pick_probe_many(conn, preqs, 3, &err), 3);
    for (int i = 0; i < 3; i++) {
        assert_true(preqs[i].found);
        assert_string_equal(out[i].rarity, RAR[i]);
        assert_string_equal(out[i].id, want_id[i]);
    }
    /* a draw that names a creature of another rarity misses: no row, found stays 0 */
    preqs[0].rarity = "Mythical";
    assert_int_equal(pick_probe_many(conn, preqs, 1, &err), 0);
    assert_false(preqs[0].found);
    for (int i = 0; i < 3; i++)
        sql1("DELETE FROM users WHERE id = '%s'", ids[i]);
}

static void test_box_ready_once_per_cycle(void **state)
{
    (void)state;
    NEED_DB();
    PGresult *err = NULL;
    const char *count_sql = "SELECT count(*) FROM notifications WHERE user_id = '%s' AND category = 'daily_box_ready'";
    /* never claimed: nothing to announce */
    assert_int_equal(notify_box_ready(conn, user_id, &err), 0);
    /* claimed 2 hours ago: not ready yet */
    sql1("UPDATE users SET box_last_claimed_at = now() - interval '2 hours' WHERE id = '%s'", user_id);
    assert_int_equal(notify_box_ready(conn, user_id, &err), 0);
    /* claimed 25 hours ago: ready, announced once however often asked */
    sql1("UPDATE users SET box_last_claimed_at = now() - interval '25 hours' WHERE id = '%s'", user_id);
    assert_int_equal(notify_box_ready(conn, user_id, &err), 1);
    assert_int_equal(notify_box_ready(conn, user_id, &err), 0);
    assert_int_equal(notify_box_ready_sweep(conn, 1000, &err) >= 0, 1);
    assert_string_equal(sql1(count_sql, user_id), "1");
    /* the next cycle (a later claim, ready again) gets its own */
    sql1("UPDATE users SET box_last_claimed_at = now() - interval '24 hours 1 second',"
         " box_ready_notified_at = now() - interval '30 hours' WHERE id = '%s'",
         user_id);
    assert_int_equal(notify_box_ready(conn, user_id, &err), 1);
    assert_string_equal(sql1(count_sql, user_id), "2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick_rarity_and_uniformity),
        cmocka_unit_test(test_pick_fallback_walk),
        cmocka_unit_test(test_grant),
        cmocka_unit_test(test_achievements_idempotent),
        cmocka_unit_test(test_grant_many_and_probe_many),
        cmocka_unit_test(test_box_ready_once_per_cycle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
