/* worker: consumer threads, the maintenance duties of thread 0 (promote due retries, reclaim
 * jobs of dead workers, tick the scheduler), the stop protocol and the small CLI around the
 * queue. Signals are blocked in every thread and taken by the main thread with sigtimedwait,
 * so a handler is never interrupted half-way: stopping is a flag the threads check between
 * jobs, and XREADGROUP blocks at most READ_BLOCK_MS. */
#include "worker/worker.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "integrations/appinsights.h"
#include "store/metrics.h"
#include "worker/jobs.h"
#include "worker/scheduler.h"
#include "worker/youtube_sync.h"

#define READ_BLOCK_MS 1000
#define READ_BATCH_MAX 64
#define ACK_FLUSH_MS 50     /* finished jobs are acknowledged together, at most this late */
#define MAINT_EVERY_MS 1000
#define RECLAIM_BATCH 16
#define PROMOTE_BATCH 500
#define MAX_THREADS 64

static atomic_int g_stop;
static atomic_llong g_done, g_retried, g_dead, g_reclaimed, g_released;

void worker_counts(worker_counts_t *out)
{
    out->done = atomic_load(&g_done);
    out->retried = atomic_load(&g_retried);
    out->dead = atomic_load(&g_dead);
    out->reclaimed = atomic_load(&g_reclaimed);
    out->released = atomic_load(&g_released);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* ---- the handler's helpers ---- */

db_conn_t *job_db(job_ctx_t *jc)
{
    if (!jc->db)
        jc->db = db_acquire(jc->pool);
    return jc->db;
}

void job_touch(job_ctx_t *jc)
{
    if (queue_touch(jc->redis, jc->queue, jc->job))
        log_warn("job_touch", "job %s: could not renew the claim", jc->job->id);
}

job_status_t job_error(job_ctx_t *jc, job_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(jc->err, sizeof jc->err, fmt, ap);
    va_end(ap);
    return status;
}

/* ---- the process ---- */

typedef struct worker worker_t;

typedef struct wthread {
    int index;
    pthread_t tid;
    redis_t *redis;
    char consumer[128];
    queue_opts_t qo;
    worker_t *w;
    int finished;          /* atomic via __atomic builtins: the thread has left its loop */
    double avg_ms;         /* moving average of this thread's job durations */
    int nacks;             /* finished jobs not yet acknowledged */
    char acks[READ_BATCH_MAX + 1][48];
    int64_t first_ack_ms;
} wthread_t;

struct worker {
    const config_t *cfg;
    secretbox_t keys;
    db_pool_t *pool;
    scheduler_t *sched;
    int drain;             /* leave when the queue is empty */
    int nthreads;
    wthread_t threads[MAX_THREADS];
};

static redis_t *make_redis(const config_t *cfg, char *err, size_t errlen)
{
    redis_opts_t ro = {.url = cfg->redis_url,
                       .ca_file = cfg->redis_ca_file[0] ? cfg->redis_ca_file : NULL,
                       .connect_timeout_ms = 2000,
                       /* a blocking read takes READ_BLOCK_MS by itself */
                       .command_timeout_ms = READ_BLOCK_MS + 5000};
    return redis_create(&ro, err, errlen);
}

static void log_job(log_level_t level, const char *event, const queue_job_t *job, int64_t ms, const char *extra)
{
    log_msg(level, event, "job %s type=%s attempt=%d %lld ms%s%s", job->id, job->type, job->attempt, (long long)ms,
            extra && *extra ? ": " : "", extra ? extra : "");
}

/* Acknowledges the finished jobs collected so far (one round trip for many cheap jobs). A crash
 * before this runs them again, which handlers tolerate; ACK_FLUSH_MS bounds how much. */
static void flush_acks(wthread_t *t)
{
    if (t->nacks == 0)
        return;
    const char *ids[READ_BATCH_MAX + 1];
    for (int i = 0; i < t->nacks; i++)
        ids[i] = t->acks[i];
    if (queue_ack_many(t->redis, t->qo.name, ids, t->nacks) == 0)
        atomic_fetch_add(&g_done, t->nacks);
    else
        log_warn("queue", "could not acknowledge %d finished jobs (%s): they will run again", t->nacks,
                 redis_last_error(t->redis));
    t->nacks = 0;
}

static void ack_later(wthread_t *t, const queue_job_t *job)
{
    if (t->nacks == 0)
        t->first_ack_ms = mono_ms();
    snprintf(t->acks[t->nacks++], sizeof t->acks[0], "%s", job->stream_id);
    if (t->nacks > READ_BATCH_MAX || mono_ms() - t->first_ack_ms >= ACK_FLUSH_MS)
        flush_acks(t);
}

static void run_job(wthread_t *t, queue_job_t *job)
{
    worker_t *w = t->w;
    redis_t *r = t->redis;
    const job_def_t *def = jobs_find(job->type, w->cfg->production);
    if (!def) {
        if (queue_dead(r, t->qo.name, job, "unknown job type") == 0)
            atomic_fetch_add(&g_dead, 1);
        log_job(LOG_ERROR, "job_dead", job, 0, "unknown job type");
        return;
    }
    json_error_t jerr;
    json_t *payload = json_loads(job->payload ? job->payload : "{}", JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(payload)) {
        json_decref(payload);
        if (queue_dead(r, t->qo.name, job, "payload is not a JSON object") == 0)
            atomic_fetch_add(&g_dead, 1);
        log_job(LOG_ERROR, "job_dead", job, 0, "payload is not a JSON object");
        return;
    }
    job_ctx_t jc = {.cfg = w->cfg, .keys = &w->keys, .pool = w->pool, .redis = r, .queue = &t->qo, .job = job,
                    .payload = payload};
    int64_t t0 = mono_ms();
    job_status_t st = def->fn(&jc);
    int64_t took = mono_ms() - t0;
    t->avg_ms = t->avg_ms <= 0 ? (double)took : 0.8 * t->avg_ms + 0.2 * (double)took;
    if (jc.db)
        db_release(w->pool, jc.db);
    json_decref(payload);

    int max_attempts = def->max_attempts > 0 ? def->max_attempts : QUEUE_DEFAULT_MAX_ATTEMPTS;
    if (st == JOB_RETRY && job->attempt >= max_attempts) {
        char why[sizeof jc.err];
        snprintf(why, sizeof why, "gave up after %d attempts: %.250s", job->attempt, jc.err);
        memcpy(jc.err, why, sizeof why);
        st = JOB_FAIL;
    }
    /* Application Insights sees each job as an operation of the worker role: "JOB <type>",
     * 200 done, 503 to be retried, 500 dead (also an exception) */
    appinsights_track_request("JOB", job->type, job->id, st == JOB_OK ? 200 : st == JOB_RETRY ? 503 : 500, (double)took);
    if (st != JOB_OK && st != JOB_RETRY)
        metrics_exception("job_dead", job->type);
    int rc = 0;
    switch (st) {
    case JOB_OK:
        ack_later(t, job);
        log_job(LOG_DEBUG, "job_done", job, took, NULL);
        break;
    case JOB_RETRY: {
        int64_t due = jc.retry_at_ms > 0 ? jc.retry_at_ms
                                          : wall_ms() + queue_backoff_ms(job->attempt, randombytes_random());
        rc = queue_retry(r, t->qo.name, job, due, jc.err);
        if (!rc)
            atomic_fetch_add(&g_retried, 1);
        char extra[420];
        snprintf(extra, sizeof extra, "%s (retry in %lld s)", jc.err, (long long)((due - wall_ms()) / 1000));
        log_job(LOG_WARN, "job_retry", job, took, extra);
        break;
    }
    default:
        rc = queue_dead(r, t->qo.name, job, jc.err);
        if (!rc)
            atomic_fetch_add(&g_dead, 1);
        log_job(LOG_ERROR, "job_dead", job, took, jc.err);
        break;
    }
    if (rc)
        /* the job stays pending under our name and is reclaimed later: it runs again (idempotent) */
        log_warn("queue", "job %s: could not record its outcome (%s)", job->id, redis_last_error(r));
}

static int enqueue_scheduled(void *arg, redis_t *r, const char *job_type, int64_t slot_ms)
{
    (void)arg;
    char payload[128];
    snprintf(payload, sizeof payload, "{\"schedule\":\"%s\",\"slot_ms\":%lld}", job_type, (long long)slot_ms);
    return queue_enqueue(r, QUEUE_DEFAULT, job_type, payload, NULL);
}

/* Thread 0's duties, at most once per MAINT_EVERY_MS. */
static void maintenance(wthread_t *t)
{
    worker_t *w = t->w;
    if (queue_promote(t->redis, t->qo.name, wall_ms(), PROMOTE_BATCH) < 0)
        return; /* Redis unavailable: the read loop will notice too */
    queue_job_t jobs[RECLAIM_BATCH];
    int n = queue_reclaim(t->redis, &t->qo, jobs, RECLAIM_BATCH);
    for (int i = 0; i < n; i++) {
        atomic_fetch_add(&g_reclaimed, 1);
        log_msg(LOG_WARN, "job_reclaimed", "job %s type=%s: taken over from a worker that stopped answering",
                jobs[i].id, jobs[i].type);
        if (!atomic_load(&g_stop))
            run_job(t, &jobs[i]);
        else if (queue_release(t->redis, t->qo.name, &jobs[i]) == 0)
            atomic_fetch_add(&g_released, 1);
        queue_job_free(&jobs[i]);
    }
    flush_acks(t);
    if (w->sched && !atomic_load(&g_stop))
        /* real time, not clock_now(): a development clock offset moves the game's calendar, and
         * must not write last runs days ahead into the table every worker shares */
        scheduler_tick(w->sched, t->redis, w->pool, wall_ms());
}

/* The queue is empty for --drain: nothing ready, in hand, or waiting for a retry due within a
 * few seconds (jobs delayed for longer are left for a regular worker). */
static int queue_empty(redis_t *r, const char *queue)
{
    queue_stats_t st;
    return queue_stats(r, queue, &st) == 0 && st.ready == 0 && st.pending == 0 &&
           queue_delayed_due(r, queue, wall_ms() + 5000) == 0;
}

static void *thread_main(void *arg)
{
    wthread_t *t = arg;
    int64_t next_maint = 0;
    int redis_down = 0;
    queue_ensure(t->redis, t->qo.name);
    while (!atomic_load(&g_stop)) {
        if (t->index == 0 && mono_ms() >= next_maint) {
            maintenance(t);
            next_maint = mono_ms() + MAINT_EVERY_MS;
        }
        /* as many jobs as this thread finishes in a quarter of the reclaim time: quick jobs
         * come 64 at a time, slow ones one by one (a job waiting in our hands ages too) */
        int want = READ_BATCH_MAX;
        if (t->avg_ms > 0) {
            double fit = (double)t->qo.reclaim_idle_ms / 4.0 / t->avg_ms;
            want = fit < 1 ? 1 : fit > READ_BATCH_MAX ? READ_BATCH_MAX : (int)fit;
        }
        queue_job_t jobs[READ_BATCH_MAX];
        int n = queue_read(t->redis, &t->qo, jobs, want, t->w->drain ? 200 : READ_BLOCK_MS);
        int64_t read_at = mono_ms();
        if (n < 0) {
            if (!redis_down)
                log_warn("queue", "thread %d: Redis unavailable (%s); retrying", t->index, redis_last_error(t->redis));
            redis_down = 1;
            sleep_ms(500);
            continue;
        }
        if (redis_down)
            log_info("queue", "thread %d: Redis is back", t->index);
        redis_down = 0;
        int i = 0;
        for (; i < n && !atomic_load(&g_stop); i++) {
            /* the batch took longer than expected: hand the rest back before it looks abandoned */
            if (i > 0 && mono_ms() - read_at > t->qo.reclaim_idle_ms / 3)
                break;
            /* deferring acknowledgements only pays for tiny jobs; before anything slower the
             * finished ones are acknowledged, so a long job never holds them past their time */
            if (t->nacks && (t->avg_ms >= 2 || mono_ms() - t->first_ack_ms >= ACK_FLUSH_MS))
                flush_acks(t);
            run_job(t, &jobs[i]);
            queue_job_free(&jobs[i]);
        }
        flush_acks(t);
        /* stopping (or slow): what was read but not started goes back for another worker */
        for (; i < n; i++) {
            if (queue_release(t->redis, t->qo.name, &jobs[i]) == 0)
                atomic_fetch_add(&g_released, 1);
            queue_job_free(&jobs[i]);
        }
        if (n == 0 && t->w->drain && queue_empty(t->redis, t->qo.name))
            break;
    }
    __atomic_store_n(&t->finished, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void consumer_name(char *out, size_t n, int index)
{
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    unsigned char raw[4];
    randombytes_buf(raw, sizeof raw);
    snprintf(out, n, "%s:%d:%d:%02x%02x%02x%02x", host, (int)getpid(), index, raw[0], raw[1], raw[2], raw[3]);
}

static int all_finished(worker_t *w)
{
    for (int i = 0; i < w->nthreads; i++)
        if (!__atomic_load_n(&w->threads[i].finished, __ATOMIC_ACQUIRE))
            return 0;
    return 1;
}

static scheduler_t *make_scheduler(const config_t *cfg)
{
    sched_spec_t specs[SCHED_MAX];
    int n = 0;
    for (size_t i = 0; i < JOB_SCHEDULE_COUNT && n < SCHED_MAX; i++) {
        memset(&specs[n], 0, sizeof specs[n]);
        snprintf(specs[n].name, sizeof specs[n].name, "%s", JOB_SCHEDULE[i].name);
        if (scheduler_parse(JOB_SCHEDULE[i].every, &specs[n])) {
            log_error("startup", "schedule %s: bad default \"%s\"", JOB_SCHEDULE[i].name, JOB_SCHEDULE[i].every);
            return NULL;
        }
        n++;
    }
    char err[256];
    if (scheduler_override(specs, n, cfg->worker_schedule, err, sizeof err)) {
        log_error("startup", "CHATLINGS_WORKER_SCHEDULE: %s", err);
        return NULL;
    }
    return scheduler_create(specs, n, enqueue_scheduled, NULL);
}

static int run(const config_t *cfg, int drain, int schedule)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by every thread started below */

    worker_t *w = calloc(1, sizeof *w);
    if (!w)
        return 1;
    w->cfg = cfg;
    w->drain = drain;
    w->nthreads = cfg->worker_threads < MAX_THREADS ? cfg->worker_threads : MAX_THREADS;
    char err[512];
    int rc = 1;
    if (secretbox_init(&w->keys, cfg->token_key, cfg->token_key_old[0] ? cfg->token_key_old : NULL, err,
                       sizeof err)) {
        log_error("startup", "%s", err);
        free(w);
        return 78;
    }
    if (appinsights_start_role(cfg->appinsights_connection_string, "chatlings-worker", cfg->appinsights_interval_ms,
                               err, sizeof err)) {
        log_error("startup", "%s", err);
        secretbox_wipe(&w->keys);
        free(w);
        return 78;
    }
    if (schedule && !(w->sched = make_scheduler(cfg))) {
        appinsights_stop();
        secretbox_wipe(&w->keys);
        free(w);
        return 78;
    }
    /* Leaderboard rebuilds and archives are long statements: no statement timeout here; every
     * job statement is bounded by its own work instead. */
    db_pool_opts_t po = {.max = w->nthreads + 2, .min = 0, .idle_timeout_ms = cfg->db_idle_timeout_ms,
                         .connect_timeout_ms = cfg->db_connect_timeout_ms, .statement_timeout_ms = 0};
    w->pool = db_pool_create(cfg->database_url, &po);
    if (!w->pool) {
        log_error("startup", "cannot create the database pool");
        goto out;
    }
    int started = 0;
    for (int i = 0; i < w->nthreads; i++) {
        wthread_t *t = &w->threads[i];
        t->index = i;
        t->w = w;
        if (!(t->redis = make_redis(cfg, err, sizeof err))) {
            log_error("startup", "redis: %s", err);
            break;
        }
        consumer_name(t->consumer, sizeof t->consumer, i);
        t->qo = (queue_opts_t){.name = QUEUE_DEFAULT,
                               .consumer = t->consumer,
                               .reclaim_idle_ms = cfg->queue_reclaim_idle_ms,
                               .max_deliveries = QUEUE_DEFAULT_MAX_DELIVERIES};
        if (pthread_create(&t->tid, NULL, thread_main, t)) {
            log_error("startup", "cannot start worker thread %d", i);
            redis_destroy(t->redis);
            t->redis = NULL;
            break;
        }
        started++;
    }
    w->nthreads = started;
    if (started == 0)
        goto out;
    if (schedule && !drain) {
        /* the start-up checks, whatever the schedule's last run says (they are idempotent) */
        redis_t *r = make_redis(cfg, err, sizeof err);
        for (size_t i = 0; r && i < JOB_SCHEDULE_COUNT; i++) {
            sched_spec_t s;
            if (JOB_SCHEDULE[i].at_start && scheduler_spec_of(w->sched, JOB_SCHEDULE[i].name, &s) == 0 &&
                s.kind != SCHED_OFF && queue_enqueue(r, QUEUE_DEFAULT, JOB_SCHEDULE[i].name, "{}", NULL))
                log_warn("startup", "%s not enqueued at start (Redis unavailable)", JOB_SCHEDULE[i].name);
        }
        redis_destroy(r);
    }
    if (clock_offset_s())
        log_warn("startup", "clock offset %lld s (development only)", (long long)clock_offset_s());
    log_info("startup", "chatlings worker (%s) running: %d threads, reclaim after %d ms%s%s", cfg->env, started,
             cfg->queue_reclaim_idle_ms, schedule ? "" : ", no schedule", drain ? ", drain" : "");

    int64_t t0 = mono_ms(), next_report = mono_ms() + 60000;
    int sig = 0;
    while (!all_finished(w)) {
        struct timespec tick = {0, 200 * 1000000L};
        sig = sigtimedwait(&set, NULL, &tick);
        if (sig > 0) {
            log_info("shutdown", "signal %d: finishing the jobs in hand", sig);
            atomic_store(&g_stop, 1);
            break;
        }
        if (mono_ms() >= next_report) {
            worker_counts_t c;
            worker_counts(&c);
            log_info("worker_stats", "done=%lld retried=%lld dead=%lld reclaimed=%lld", c.done, c.retried, c.dead,
                     c.reclaimed);
            next_report = mono_ms() + 60000;
        }
    }
    atomic_store(&g_stop, 1);
    for (int i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i].tid, NULL);
    worker_counts_t c;
    worker_counts(&c);
    int64_t took = mono_ms() - t0;
    log_info("shutdown", "worker stopped: done=%lld retried=%lld dead=%lld reclaimed=%lld released=%lld in %lld ms",
             c.done, c.retried, c.dead, c.reclaimed, c.released, (long long)took);
    if (drain)
        printf("{\"done\":%lld,\"retried\":%lld,\"dead\":%lld,\"ms\":%lld}\n", c.done, c.retried, c.dead,
               (long long)took);
    rc = 0;
out:
    for (int i = 0; i < MAX_THREADS; i++)
        redis_destroy(w->threads[i].redis);
    if (w->pool)
        db_pool_destroy(w->pool);
    scheduler_destroy(w->sched);
    appinsights_stop(); /* after the threads: their last jobs are in the final batch */
    secretbox_wipe(&w->keys);
    free(w);
    return rc;
}

/* ---- the CLI around the queue ---- */

static int cli_enqueue(const config_t *cfg, int argc, char **argv)
{
    const char *type = NULL, *payload = "{}";
    long count = 1, delay_ms = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = atol(argv[++i]);
        else if (!strcmp(argv[i], "--delay-ms") && i + 1 < argc)
            delay_ms = atol(argv[++i]);
        else if (!type)
            type = argv[i];
        else
            payload = argv[i];
    }
    json_t *doc = json_loads(payload, 0, NULL);
    int ok = json_is_object(doc);
    json_decref(doc);
    if (!type || !ok || count < 1 || count > 10000000 || delay_ms < 0) {
        fprintf(stderr, "usage: chatlings worker enqueue TYPE [JSON-OBJECT] [--count N] [--delay-ms MS]\n");
        return 2;
    }
    char err[256];
    redis_t *r = make_redis(cfg, err, sizeof err);
    if (!r) {
        fprintf(stderr, "chatlings: %s\n", err);
        return 1;
    }
    queue_ensure(r, QUEUE_DEFAULT);
    long added;
    if (delay_ms > 0) {
        added = 0;
        for (long i = 0; i < count; i++)
            added += queue_enqueue_at(r, QUEUE_DEFAULT, type, payload, wall_ms() + delay_ms, NULL) == 0;
    } else {
        added = queue_enqueue_many(r, QUEUE_DEFAULT, type, payload, count);
    }
    redis_destroy(r);
    if (added < count) {
        fprintf(stderr, "chatlings: enqueued %ld of %ld jobs (Redis unavailable?)\n", added < 0 ? 0 : added, count);
        return 1;
    }
    printf("{\"enqueued\":%ld,\"type\":\"%s\"}\n", added, type);
    return 0;
}

static int cli_stats(const config_t *cfg)
{
    char err[256];
    redis_t *r = make_redis(cfg, err, sizeof err);
    if (!r) {
        fprintf(stderr, "chatlings: %s\n", err);
        return 1;
    }
    queue_stats_t st;
    int rc = queue_stats(r, QUEUE_DEFAULT, &st);
    redis_destroy(r);
    if (rc) {
        fprintf(stderr, "chatlings: Redis unavailable\n");
        return 1;
    }
    printf("{\"queue\":\"%s\",\"ready\":%lld,\"pending\":%lld,\"delayed\":%lld,\"dead\":%lld}\n", QUEUE_DEFAULT,
           st.ready, st.pending, st.delayed, st.dead);
    return 0;
}

static int cli_retry_dead(const config_t *cfg, const char *id)
{
    char err[256];
    redis_t *r = make_redis(cfg, err, sizeof err);
    if (!r) {
        fprintf(stderr, "chatlings: %s\n", err);
        return 1;
    }
    int rc = queue_dead_retry(r, QUEUE_DEFAULT, id);
    redis_destroy(r);
    if (rc < 0) {
        fprintf(stderr, "chatlings: Redis unavailable, or \"%s\" is not a stream entry id\n", id);
        return 1;
    }
    printf("{\"retried\":%s}\n", rc ? "true" : "false");
    return rc ? 0 : 1;
}

int worker_main(int argc, char **argv, const config_t *cfg)
{
    if (argc >= 2 && !strcmp(argv[1], "enqueue"))
        return cli_enqueue(cfg, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "stats"))
        return cli_stats(cfg);
    if (argc == 3 && !strcmp(argv[1], "retry-dead"))
        return cli_retry_dead(cfg, argv[2]);
    if (argc >= 2 && !strcmp(argv[1], "youtube-bench-setup")) {
        if (cfg->production || argc < 3) {
            fprintf(stderr, "usage: chatlings worker youtube-bench-setup N   (development only)\n");
            return 2;
        }
        return youtube_bench_setup(cfg, atol(argv[2]));
    }
    int drain = 0, schedule = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--drain"))
            drain = 1;
        else if (!strcmp(argv[i], "--no-schedule"))
            schedule = 0;
        else {
            fprintf(stderr,
                    "usage: chatlings worker [--drain] [--no-schedule]\n"
                    "       chatlings worker enqueue TYPE [JSON] [--count N] [--delay-ms MS]\n"
                    "       chatlings worker stats | retry-dead ID | youtube-bench-setup N\n");
            return 2;
        }
    }
    return run(cfg, drain, schedule);
}
