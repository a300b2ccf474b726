/* scheduler: recurring jobs ("every 15 min", "daily at 03:30 UTC"). Any number of workers tick
 * it; a Redis lock (SET NX PX with a random token, released only by its holder) lets one of
 * them decide a run, and the last run of each schedule is kept in PostgreSQL (job_schedules),
 * updated with a compare-and-set, so a run is enqueued once across all workers even if the
 * lock were lost. A run is due when its latest slot is newer than the last run: after downtime
 * that is one run, never one per missed slot.
 * Owner: each worker process creates one scheduler_t for its ticking thread. */
#ifndef CHATLINGS_SCHEDULER_H
#define CHATLINGS_SCHEDULER_H
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "store/redis.h"

#define SCHED_NAME_MAX 48
#define SCHED_MAX 32
#define SCHED_LOCK_TTL_MS 30000
#define SCHED_FUTURE_SLACK_MS 60000  /* a last run further ahead than this is treated as none */

typedef enum { SCHED_EVERY, SCHED_DAILY, SCHED_OFF } sched_kind_t;

typedef struct sched_spec {
    char name[SCHED_NAME_MAX];  /* the schedule's name, and the job type it enqueues */
    sched_kind_t kind;
    int64_t every_ms;           /* SCHED_EVERY: the interval */
    int daily_minute;           /* SCHED_DAILY: minute of the UTC day, 0..1439 */
} sched_spec_t;

/* ---- pure ---- */

/* Parses "30s", "15m", "2h", "1d", "daily@HH:MM" (UTC) or "off" into s (name untouched).
 * 0 or -1. */
int scheduler_parse(const char *text, sched_spec_t *s);

/* The slot a run at now_ms belongs to: for SCHED_EVERY, last_run + every (or now when it never
 * ran); for SCHED_DAILY, the latest HH:MM at or before now. */
int64_t scheduler_slot(const sched_spec_t *s, int64_t last_run_ms, int64_t now_ms);

/* 1 when a run is due at now_ms given the last run (last_run_ms < 0: never ran, so due now;
 * a last run more than SCHED_FUTURE_SLACK_MS in the future counts as none: clocks move back).
 * However many slots were missed, once the run happens (last_run = now) it is not due again
 * until the next slot. */
int scheduler_is_due(const sched_spec_t *s, int64_t last_run_ms, int64_t now_ms);

/* Applies "name=spec,name=spec" (CHATLINGS_WORKER_SCHEDULE) to specs[0..n). Unknown names and
 * bad specs are errors. 0, or -1 with err. */
int scheduler_override(sched_spec_t *specs, int n, const char *overrides, char *err, size_t errlen);

/* ---- running ---- */

typedef struct scheduler scheduler_t;

/* enqueue is called once per run decided (returns 0 when the job was enqueued). */
typedef int (*scheduler_enqueue_fn)(void *arg, redis_t *r, const char *job_type, int64_t slot_ms);

scheduler_t *scheduler_create(const sched_spec_t *specs, int n, scheduler_enqueue_fn enqueue, void *arg);
void scheduler_destroy(scheduler_t *s);
/* The effective spec of a schedule (after overrides). 0, or -1 when there is no such name. */
int scheduler_spec_of(const scheduler_t *s, const char *name, sched_spec_t *out);

/* Enqueues every run that is due at now_ms (epoch ms). PostgreSQL is only touched when a
 * schedule looks due from what this process last saw. Returns the number of runs enqueued by
 * this call, or -1 when Redis or PostgreSQL was unavailable (the next tick tries again). */
int scheduler_tick(scheduler_t *s, redis_t *r, db_pool_t *db, int64_t now_ms);

/* ---- the lock (exposed for tests and other singletons) ---- */

/* 1 acquired (token written to token_out, 33 bytes), 0 held by someone else, -1 Redis down. */
int scheduler_lock(redis_t *r, const char *key, long ttl_ms, char token_out[33]);
/* Releases the lock only when token still holds it. 1 released, 0 not ours (expired and
 * taken by another), -1 Redis down. */
int scheduler_unlock(redis_t *r, const char *key, const char *token);

#endif
