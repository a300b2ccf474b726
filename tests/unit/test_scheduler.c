/* test_scheduler: parsing schedules, due times (a missed run after downtime runs once, not once
 * per missed slot), overrides; and against a real Redis + PostgreSQL when TEST_REDIS_URL and
 * TEST_DATABASE_URL are set: the owner-only lock, and two schedulers ticking the same
 * schedules enqueue each run once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker/scheduler.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* 2026-11-27T00:00:00Z */
#define T0 1795737600000LL

static sched_spec_t spec(const char *name, const char *text)
{
    sched_spec_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "%s", name);
    assert_int_equal(scheduler_parse(text, &s), 0);
    return s;
}

static void test_parse(void **state)
{
    (void)state;
    sched_spec_t s = spec("a", "15m");
    assert_int_equal(s.kind, SCHED_EVERY);
    assert_int_equal(s.every_ms, 15 * MIN);
    assert_int_equal(spec("a", "30s").every_ms, 30000);
    assert_int_equal(spec("a", "2h").every_ms, 2 * HOUR);
    assert_int_equal(spec("a", "1d").every_ms, DAY);
    s = spec("a", "daily@03:30");
    assert_int_equal(s.kind, SCHED_DAILY);
    assert_int_equal(s.daily_minute, 210);
    assert_int_equal(spec("a", "daily@00:00").daily_minute, 0);
    assert_int_equal(spec("a", "daily@23:59").daily_minute, 1439);
    assert_int_equal(spec("a", "off").kind, SCHED_OFF);
    const char *bad[] = {"", "15", "m", "0m", "-5m", "15x", "15mm", "daily@24:00", "daily@3:30", "daily@03:60",
                         "daily@03-30", "daily@", "every 5m", "9999999m"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sched_spec_t t;
        assert_int_equal(scheduler_parse(bad[i], &t), -1);
    }
    assert_int_equal(scheduler_parse(NULL, &s), -1);
}

static void test_every_due(void **state)
{
    (void)state;
    sched_spec_t s = spec("sweep", "15m");
    assert_true(scheduler_is_due(&s, -1, T0)); /* never ran: due at once */
    assert_false(scheduler_is_due(&s, T0, T0));
    assert_false(scheduler_is_due(&s, T0, T0 + 15 * MIN - 1));
    assert_true(scheduler_is_due(&s, T0, T0 + 15 * MIN));
    assert_int_equal(scheduler_slot(&s, T0, T0 + 20 * MIN), T0 + 15 * MIN);
    /* a last run in the future (the clock was set back) does not stall the schedule for days */
    assert_false(scheduler_is_due(&s, T0 + 30000, T0));
    assert_true(scheduler_is_due(&s, T0 + 3 * DAY, T0));
    sched_spec_t d = spec("cleanup", "daily@03:30");
    assert_true(scheduler_is_due(&d, T0 + 3 * DAY, T0 + 4 * HOUR));
}

/* A worker fleet down for 10 hours: the 15-minute job runs once when they come back, and
 * then again 15 minutes after that run, not 40 times in a row. */
static void test_missed_runs_run_once(void **state)
{
    (void)state;
    sched_spec_t s = spec("sweep", "15m");
    int64_t last = T0, now = T0 + 10 * HOUR;
    int runs = 0;
    for (int64_t t = now; t < now + 14 * MIN; t += 1000) { /* ticking every second */
        if (scheduler_is_due(&s, last, t)) {
            runs++;
            last = t;
        }
    }
    assert_int_equal(runs, 1);
    assert_false(scheduler_is_due(&s, last, now + 14 * MIN));
    assert_true(scheduler_is_due(&s, last, now + 15 * MIN));

    /* the same for a daily job: down for three days, one run on return */
    sched_spec_t d = spec("cleanup", "daily@03:30");
    last = T0 + 3 * HOUR + 30 * MIN; /* ran on the 27th at 03:30 */
    runs = 0;
    int64_t back = T0 + 3 * DAY + 12 * HOUR;
    for (int64_t t = back; t < back + 10 * HOUR; t += 60000) {
        if (scheduler_is_due(&d, last, t)) {
            runs++;
            last = t;
        }
    }
    assert_int_equal(runs, 1);
    /* and the next one at 03:30 the following day */
    assert_false(scheduler_is_due(&d, last, T0 + 4 * DAY + 3 * HOUR + 29 * MIN));
    assert_true(scheduler_is_due(&d, last, T0 + 4 * DAY + 3 * HOUR + 30 * MIN));
}

static void test_daily_slots(void **state)
{
    (void)state;
    sched_spec_t d = spec("cleanup", "daily@03:30");
    int64_t slot = T0 + 3 * HOUR + 30 * MIN;
    /* before 03:30 the latest slot is yesterday's */
    assert_int_equal(scheduler_slot(&d, -1, T0 + HOUR), slot - DAY);
    assert_int_equal(scheduler_slot(&d, -1, slot), slot);
    assert_int_equal(scheduler_slot(&d, -1, slot + 5 * HOUR), slot);
    /* ran yesterday after its slot: due again at today's 03:30, not before */
    assert_false(scheduler_is_due(&d, slot - DAY + MIN, slot - 1));
    assert_true(scheduler_is_due(&d, slot - DAY + MIN, slot));
    /* ran today after 03:30: not again today */
    assert_false(scheduler_is_due(&d, slot + MIN, T0 + DAY - 1));
    assert_true(scheduler_is_due(&d, -1, T0)); /* never ran */
    sched_spec_t off = spec("x", "off");
    assert_false(scheduler_is_due(&off, -1, T0));
}

static void test_override(void **state)
{
    (void)state;
    sched_spec_t specs[3] = {spec("youtube_sweep", "15m"), spec("cleanup", "daily@03:30"), spec("lb", "1m")};
    char err[256];
    assert_int_equal(scheduler_override(specs, 3, "", err, sizeof err), 0);
    assert_int_equal(scheduler_override(specs, 3, NULL, err, sizeof err), 0);
    assert_int_equal(scheduler_override(specs, 3, "youtube_sweep=2s,cleanup=off", err, sizeof err), 0);
    assert_int_equal(specs[0].every_ms, 2000);
    assert_int_equal(specs[1].kind, SCHED_OFF);
    assert_int_equal(specs[2].every_ms, MIN);
    assert_int_equal(scheduler_override(specs, 3, "nope=5m", err, sizeof err), -1);
    assert_non_null(strstr(err, "nope"));
    assert_int_equal(scheduler_override(specs, 3, "lb=5", err, sizeof err), -1);
    assert_int_equal(specs[2].every_ms, MIN); /* a bad override changes nothing */
    assert_int_equal(scheduler_override(specs, 3, "lb", err, sizeof err), -1);
}

/* ---- with Redis and PostgreSQL ---- */

typedef struct env {
    redis_t *r;
    db_pool_t *pool;
} env_t;

static int setup(void **state)
{
    const char *ru = getenv("TEST_REDIS_URL"), *du = getenv("TEST_DATABASE_URL");
    *state = NULL;
    if (!ru || !*ru)
        return 0;
    env_t *e = calloc(1, sizeof *e);
    char err[256];
    redis_opts_t o = {.url = ru};
    e->r = redis_create(&o, err, sizeof err);
    assert_non_null(e->r);
    if (du && *du) {
        db_pool_opts_t po = {.max = 2, .min = 0, .idle_timeout_ms = 10000, .connect_timeout_ms = 2000,
                             .statement_timeout_ms = 5000};
        e->pool = db_pool_create(du, &po);
    }
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env_t *e = *state;
    if (!e)
        return 0;
    redis_destroy(e->r);
    if (e->pool)
        db_pool_destroy(e->pool);
    free(e);
    return 0;
}

static void test_lock_owner_only(void **state)
{
    env_t *e = *state;
    if (!e) {
        skip();
        return;
    }
    char key[64], t1[33], t2[33];
    snprintf(key, sizeof key, "test:sched:lock:%d", (int)getpid());
    assert_int_equal(scheduler_lock(e->r, key, 5000, t1), 1);
    assert_int_equal(scheduler_lock(e->r, key, 5000, t2), 0);      /* held */
    assert_int_equal(scheduler_unlock(e->r, key, "not-the-token"), 0); /* only its owner releases */
    assert_int_equal(scheduler_lock(e->r, key, 5000, t2), 0);
    assert_int_equal(scheduler_unlock(e->r, key, t1), 1);
    assert_int_equal(scheduler_lock(e->r, key, 100, t2), 1);
    usleep(200 * 1000);                                            /* expired... */
    assert_int_equal(scheduler_lock(e->r, key, 5000, t1), 1);      /* ...and taken by another */
    assert_int_equal(scheduler_unlock(e->r, key, t2), 0);          /* the late owner cannot free it */
    assert_int_equal(scheduler_unlock(e->r, key, t1), 1);
}

static int enqueued;
static int count_enqueue(void *arg, redis_t *r, const char *type, int64_t slot)
{
    (void)arg;
    (void)r;
    (void)type;
    (void)slot;
    enqueued++;
    return 0;
}

static void test_two_schedulers_run_once(void **state)
{
    env_t *e = *state;
    if (!e || !e->pool) {
        skip();
        return;
    }
    db_conn_t *db = db_acquire(e->pool);
    assert_non_null(db);
    PGresult *res = PQexec(db_pgconn(db), "SELECT 1 FROM pg_tables WHERE tablename = 'job_schedules'");
    int ok = PQntuples(res) == 1;
    PQclear(res);
    char name[48];
    snprintf(name, sizeof name, "test_sched_%d", (int)getpid());
    char sql[160];
    snprintf(sql, sizeof sql, "DELETE FROM job_schedules WHERE name = '%s'", name);
    if (ok)
        PQclear(PQexec(db_pgconn(db), sql));
    db_release(e->pool, db);
    if (!ok) {
        skip(); /* not migrated */
        return;
    }
    sched_spec_t s = spec(name, "15m");
    scheduler_t *a = scheduler_create(&s, 1, count_enqueue, NULL);
    scheduler_t *b = scheduler_create(&s, 1, count_enqueue, NULL);
    enqueued = 0;
    int64_t now = T0 + 100 * DAY;
    /* the two workers tick in turn for ten minutes: one run */
    for (int i = 0; i < 600; i += 5) {
        assert_true(scheduler_tick(a, e->r, e->pool, now + i * 1000) >= 0);
        assert_true(scheduler_tick(b, e->r, e->pool, now + i * 1000 + 1) >= 0);
    }
    assert_int_equal(enqueued, 1);
    /* fifteen minutes later: the next run, by whichever comes first, once */
    assert_int_equal(scheduler_tick(b, e->r, e->pool, now + 15 * MIN + 2000), 1);
    assert_int_equal(scheduler_tick(a, e->r, e->pool, now + 15 * MIN + 2500), 0);
    assert_int_equal(enqueued, 2);
    /* a fresh process (no memory of the last run) reads it from PostgreSQL and waits */
    scheduler_t *c = scheduler_create(&s, 1, count_enqueue, NULL);
    assert_int_equal(scheduler_tick(c, e->r, e->pool, now + 16 * MIN), 0);
    assert_int_equal(enqueued, 2);
    scheduler_destroy(a);
    scheduler_destroy(b);
    scheduler_destroy(c);
    db = db_acquire(e->pool);
    PQclear(PQexec(db_pgconn(db), sql));
    db_release(e->pool, db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_every_due),
        cmocka_unit_test(test_missed_runs_run_once),
        cmocka_unit_test(test_daily_slots),
        cmocka_unit_test(test_override),
        cmocka_unit_test_setup_teardown(test_lock_owner_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_schedulers_run_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
