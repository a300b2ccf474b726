/* jobs: the job table, the schedule, and the small handlers (the YouTube ones live in
 * youtube_sync.c). Handlers report JOB_RETRY for anything that may pass (database or Redis
 * unavailable) and JOB_FAIL only for what never will. */
#include "worker/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "store/leaderboard.h"
#include "store/notify.h"
#include "worker/push_deliver.h"
#include "worker/chatrooms.h"
#include "worker/youtube_sync.h"

#define CLEANUP_BATCH 5000
#define CLEANUP_MAX_BATCHES 200
#define BOX_READY_BATCH 1000
#define BOX_READY_MAX_BATCHES 50
#define IDLE_CONSUMER_MS (24 * 3600 * 1000LL)
#define TEST_KEY_TTL_S 600

/* ---- trivial and test jobs ---- */

static job_status_t job_noop(job_ctx_t *jc)
{
    (void)jc;
    return JOB_OK;
}

/* "key" from the payload, limited to a safe alphabet (it becomes part of a Redis key). */
static const char *test_key(job_ctx_t *jc)
{
    const char *k = json_string_value(json_object_get(jc->payload, "key"));
    if (!k || !*k || strlen(k) > 64)
        return NULL;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-'))
            return NULL;
    return k;
}

static long long test_incr(job_ctx_t *jc, const char *key, const char *what)
{
    redisReply *r = redis_command(jc->redis, "INCR test:job:%s:%s", key, what);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    redis_reply_free(r);
    r = redis_command(jc->redis, "EXPIRE test:job:%s:%s %d", key, what, TEST_KEY_TTL_S);
    redis_reply_free(r);
    return v;
}

/* Development only: {"key","ms","touch"}: counts its start, sleeps (renewing its claim every
 * 500 ms when "touch" is true), counts its end. For the reclaim and shutdown tests. */
static job_status_t job_test_sleep(job_ctx_t *jc)
{
    const char *key = test_key(jc);
    long ms = (long)json_integer_value(json_object_get(jc->payload, "ms"));
    int touch = json_is_true(json_object_get(jc->payload, "touch"));
    if (!key || ms < 0 || ms > 60000)
        return job_error(jc, JOB_FAIL, "test.sleep needs key and ms (0..60000)");
    if (test_incr(jc, key, "started") < 0)
        return job_error(jc, JOB_RETRY, "Redis unavailable");
    for (long slept = 0; slept < ms; slept += 100) {
        struct timespec ts = {0, (ms - slept < 100 ? ms - slept : 100) * 1000000L};
        nanosleep(&ts, NULL);
        if (touch && slept % 500 == 400)
            job_touch(jc);
    }
    if (test_incr(jc, key, "done") < 0)
        return job_error(jc, JOB_RETRY, "Redis unavailable");
    return JOB_OK;
}

/* Development only: {"key","fail","permanent","retry_ms"}: fails its first `fail` runs (JOB_FAIL
 * when permanent, else JOB_RETRY, after retry_ms when given, else the normal backoff) and
 * records the time of every run in the list test:job:{key}:times. */
static job_status_t job_test_fail(job_ctx_t *jc)
{
    const char *key = test_key(jc);
    if (!key)
        return job_error(jc, JOB_FAIL, "test.fail needs a key");
    long long runs = test_incr(jc, key, "runs");
    if (runs < 0)
        return job_error(jc, JOB_RETRY, "Redis unavailable");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    redisReply *r = redis_command(jc->redis, "RPUSH test:job:%s:times %lld", key, ms);
    redis_reply_free(r);
    r = redis_command(jc->redis, "EXPIRE test:job:%s:times %d", key, TEST_KEY_TTL_S);
    redis_reply_free(r);
    long long fail = json_integer_value(json_object_get(jc->payload, "fail"));
    if (runs > fail)
        return JOB_OK;
    if (json_is_true(json_object_get(jc->payload, "permanent")))
        return job_error(jc, JOB_FAIL, "test.fail: failing for good as asked");
    long long retry_ms = json_integer_value(json_object_get(jc->payload, "retry_ms"));
    if (retry_ms > 0)
        jc->retry_at_ms = ms + retry_ms;
    return job_error(jc, JOB_RETRY, "test.fail: failing run %lld of %lld as asked", runs, fail);
}

/* ---- recurring duties ---- */

static job_status_t db_unavailable(job_ctx_t *jc)
{
    return job_error(jc, JOB_RETRY, "database unavailable");
}

/* Deletes in batches so that one run never holds a big lock; returns rows deleted or -1. */
static long delete_batches(job_ctx_t *jc, db_conn_t *db, const db_stmt_t *st)
{
    long total = 0;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", CLEANUP_BATCH);
    const char *p[] = {lim};
    for (int i = 0; i < CLEANUP_MAX_BATCHES; i++) {
        PGresult *r = db_exec(db, st, p);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
            job_error(jc, JOB_RETRY, "%s: %s", st->name, r ? PQresultErrorMessage(r) : "connection lost");
            PQclear(r);
            return -1;
        }
        long n = atol(PQcmdTuples(r));
        PQclear(r);
        total += n;
        if (n < CLEANUP_BATCH)
            break;
        job_touch(jc);
    }
    return total;
}

static const db_stmt_t STMT_CLEAN_PINS = {
    "job_clean_pins",
    "DELETE FROM youtube_video_pins WHERE video_id IN"
    " (SELECT video_id FROM youtube_video_pins WHERE expires_at < now() - interval '1 hour' LIMIT $1)",
    1};

/* Read notifications older than 90 days; unread ones stay until the player has seen them. */
static const db_stmt_t STMT_CLEAN_NOTIFICATIONS = {
    "job_clean_notifications",
    "DELETE FROM notifications WHERE id IN (SELECT id FROM notifications"
    " WHERE read_at IS NOT NULL AND created_at < now() - interval '90 days' LIMIT $1)",
    1};

static job_status_t job_cleanup(job_ctx_t *jc)
{
    db_conn_t *db = job_db(jc);
    if (!db)
        return db_unavailable(jc);
    long pins = delete_batches(jc, db, &STMT_CLEAN_PINS);
    if (pins < 0)
        return JOB_RETRY;
    long notes = delete_batches(jc, db, &STMT_CLEAN_NOTIFICATIONS);
    if (notes < 0)
        return JOB_RETRY;
    /* every worker start adds a consumer name to the group; forget the long-gone ones */
    int consumers = queue_prune_consumers(jc->redis, jc->queue->name, IDLE_CONSUMER_MS);
    log_info("cleanup", "removed %ld expired video pins, %ld old read notifications, %d idle queue consumers", pins,
             notes, consumers < 0 ? 0 : consumers);
    return JOB_OK;
}

static job_status_t job_leaderboard_ensure(job_ctx_t *jc)
{
    db_conn_t *db = job_db(jc);
    if (!db)
        return db_unavailable(jc);
    int rc = leaderboard_ensure(db, jc->redis);
    if (rc < 0)
        return job_error(jc, JOB_RETRY, "leaderboard presence check failed");
    if (rc == 1)
        log_info("leaderboard", "boards were missing from Redis: rebuilt from PostgreSQL");
    return JOB_OK;
}

static job_status_t job_leaderboard_rollover(job_ctx_t *jc)
{
    db_conn_t *db = job_db(jc);
    if (!db)
        return db_unavailable(jc);
    if (leaderboard_rollover(db, jc->redis, NULL) < 0)
        return job_error(jc, JOB_RETRY, "leaderboard rollover failed");
    return JOB_OK;
}

static job_status_t job_daily_box_ready(job_ctx_t *jc)
{
    db_conn_t *db = job_db(jc);
    if (!db)
        return db_unavailable(jc);
    long total = 0;
    for (int i = 0; i < BOX_READY_MAX_BATCHES; i++) {
        PGresult *err = NULL;
        int n = notify_box_ready_sweep(db, BOX_READY_BATCH, &err);
        if (n < 0) {
            job_error(jc, JOB_RETRY, "box-ready sweep: %s", err ? PQresultErrorMessage(err) : "connection lost");
            PQclear(err);
            return JOB_RETRY;
        }
        total += n;
        if (n < BOX_READY_BATCH)
            break;
        job_touch(jc);
    }
    if (total)
        log_info("daily_box_ready", "%ld players told their box is ready", total);
    return JOB_OK;
}

/* ---- the tables ---- */

const job_def_t JOBS[] = {
    {"noop", job_noop, 1, 0},
    {"youtube_sweep", youtube_job_sweep, 3, 0},
    {"youtube_sync", youtube_job_sync, 5, 0},
    {"cleanup", job_cleanup, 3, 0},
    {"leaderboard_ensure", job_leaderboard_ensure, 2, 0},
    {"leaderboard_rollover", job_leaderboard_rollover, 2, 0},
    {"daily_box_ready", job_daily_box_ready, 2, 0},
    {"chatrooms_open_daily", chatrooms_job_open_daily, 3, 0},
    {"push_deliver", push_job_deliver, 3, 0},
    {"test.sleep", job_test_sleep, 3, 1},
    {"test.fail", job_test_fail, 3, 1},
};
const size_t JOBS_COUNT = sizeof JOBS / sizeof JOBS[0];

/* Recurring jobs that are re-checked often (rollover, presence) are cheap when there is
 * nothing to do: one Redis read each. */
const job_schedule_def_t JOB_SCHEDULE[] = {
    {"youtube_sweep", "15m", 0},
    {"leaderboard_ensure", "1m", 1},
    {"leaderboard_rollover", "2s", 0},
    {"daily_box_ready", "5m", 0},
    {"chatrooms_open_daily", "10m", 0}, /* idempotent per UTC day: opens the day's rooms soon after midnight */
    /* Web Push: the outbox is one indexed probe when empty */
    {"push_deliver", "10s", 0},
    {"cleanup", "daily@03:30", 0},
};
const size_t JOB_SCHEDULE_COUNT = sizeof JOB_SCHEDULE / sizeof JOB_SCHEDULE[0];

const job_def_t *jobs_find(const char *type, int production)
{
    for (size_t i = 0; i < JOBS_COUNT; i++)
        if (!strcmp(JOBS[i].type, type))
            return JOBS[i].dev_only && production ? NULL : &JOBS[i];
    return NULL;
}
