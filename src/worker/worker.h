/* worker: the `chatlings worker` process. N consumer threads (CHATLINGS_WORKER_THREADS) each
 * read jobs from the queue with XREADGROUP BLOCK and run their handlers; the first thread also
 * promotes due retries, reclaims jobs of dead workers and ticks the scheduler. SIGTERM/SIGINT
 * stop it cleanly: every thread finishes the job in hand, jobs read but not started go back to
 * the queue, and the process exits 0. Any number of worker processes may run at once.
 *
 *   chatlings worker                          run (jobs and schedules)
 *   chatlings worker --drain [--no-schedule]  run until the queue is empty, then exit (bench, scripts)
 *   chatlings worker enqueue TYPE [JSON] [--count N]   add jobs and exit
 *   chatlings worker stats                    queue depths as JSON
 *   chatlings worker retry-dead ID            put a dead letter back in the queue
 *   chatlings worker youtube-bench-setup N    (development) N players with fake YouTube connections
 */
#ifndef CHATLINGS_WORKER_H
#define CHATLINGS_WORKER_H
#include <jansson.h>
#include <stdint.h>

#include "core/config.h"
#include "core/secretbox.h"
#include "store/db.h"
#include "store/queue.h"
#include "store/redis.h"

typedef enum {
    JOB_OK = 0,   /* done: acknowledged */
    JOB_RETRY,    /* failed, may work later: retried with backoff until max_attempts, then dead */
    JOB_FAIL,     /* cannot ever work (bad payload, malformed answer): dead letter at once */
} job_status_t;

/* What a handler gets. Everything is borrowed for the duration of one call. */
typedef struct job_ctx {
    const config_t *cfg;
    const secretbox_t *keys;   /* token encryption (YouTube) */
    db_pool_t *pool;
    redis_t *redis;            /* this thread's connection */
    const queue_opts_t *queue;
    const queue_job_t *job;
    json_t *payload;           /* the payload object */
    db_conn_t *db;             /* held by job_db() until the handler returns */
    int64_t retry_at_ms;       /* a handler may choose when its retry runs (0 = backoff) */
    char err[300];             /* why the handler returned JOB_RETRY / JOB_FAIL */
} job_ctx_t;

typedef job_status_t (*job_fn)(job_ctx_t *jc);

typedef struct job_def {
    const char *type;
    job_fn fn;
    int max_attempts;          /* 0 = QUEUE_DEFAULT_MAX_ATTEMPTS */
    int dev_only;              /* development only (the test job types) */
} job_def_t;

/* The primary database connection for this job (acquired on first use, released after the
 * handler). NULL when PostgreSQL is unavailable: return JOB_RETRY. */
db_conn_t *job_db(job_ctx_t *jc);
/* Keeps a long job from being reclaimed by other workers: call between slow steps. */
void job_touch(job_ctx_t *jc);
/* Formats jc->err and returns status (for `return job_error(jc, JOB_RETRY, "...")`). */
job_status_t job_error(job_ctx_t *jc, job_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The `chatlings worker` subcommand (argv[0] = "worker"). Returns the exit code. */
int worker_main(int argc, char **argv, const config_t *cfg);

/* Counters since start (all threads), for logs and tests. */
typedef struct worker_counts {
    long long done, retried, dead, reclaimed, released;
} worker_counts_t;
void worker_counts(worker_counts_t *out);

#endif
