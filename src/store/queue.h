/* queue: the job queue on Redis Streams with one consumer group ("workers"). Delivery is
 * at least once: a job is acknowledged only after its handler finished, so every handler must
 * be idempotent (PostgreSQL constraints make a second run harmless). A failed job waits in a
 * delayed set (sorted by due time, exponential backoff) and is promoted back into the stream;
 * after its last attempt it goes to a dead-letter stream. A consumer that died with jobs in
 * hand loses them to XAUTOCLAIM once they were idle for reclaim_idle_ms.
 *
 * Keys (none carries a TTL, so Redis's volatile-lru policy never evicts them):
 *   queue:{name}           stream of ready jobs, consumer group "workers"
 *   queue:{name}:delayed   sorted set: score = due time (epoch ms), member = the job as JSON
 *   queue:{name}:dead      stream of jobs that failed for good (capped at QUEUE_DEAD_MAX)
 * Not thread-safe beyond redis_t's own rule: each thread passes its own connection. */
#ifndef CHATLINGS_QUEUE_H
#define CHATLINGS_QUEUE_H
#include <stdint.h>

#include "store/redis.h"

#define QUEUE_DEFAULT "default"
#define QUEUE_GROUP "workers"
#define QUEUE_TYPE_MAX 64
#define QUEUE_ID_LEN 32            /* job ids: 32 hex characters */
#define QUEUE_PAYLOAD_MAX (64 * 1024)
#define QUEUE_DEAD_MAX 10000       /* dead letters kept (oldest trimmed past this) */
#define QUEUE_DEFAULT_MAX_ATTEMPTS 5
#define QUEUE_DEFAULT_RECLAIM_IDLE_MS 120000
#define QUEUE_DEFAULT_MAX_DELIVERIES 5
#define QUEUE_BACKOFF_BASE_MS 2000LL      /* first retry after ~2 s */
#define QUEUE_BACKOFF_MAX_MS (30 * 60 * 1000LL)

typedef struct queue_opts {
    const char *name;        /* QUEUE_DEFAULT unless a caller wants its own queue */
    const char *consumer;    /* unique per consumer (host:pid:thread:random) */
    long reclaim_idle_ms;    /* XAUTOCLAIM min-idle time; must exceed a job's longest silence */
    int max_deliveries;      /* a job reclaimed from dead consumers this often is dead-lettered */
} queue_opts_t;

typedef struct queue_job {
    char stream_id[48];      /* entry id in queue:{name} (changes when a retry re-enters it) */
    char id[QUEUE_ID_LEN + 1]; /* the job's own id, stable across retries */
    char type[QUEUE_TYPE_MAX];
    char *payload;           /* JSON text (malloc'd; "{}" when none) */
    int attempt;             /* 1 on the first run, 2 on the first retry, ... */
    int64_t enqueued_ms;     /* when the job was first enqueued */
    int deliveries;          /* > 1 when reclaimed from a consumer that stopped answering */
} queue_job_t;

/* Creates the stream and the consumer group if missing (idempotent). 0 or -1. */
int queue_ensure(redis_t *r, const char *queue);

/* Adds a job (payload_json a JSON object text, NULL = "{}"). id_out (QUEUE_ID_LEN + 1, may be
 * NULL) receives the job id. 0, or -1 (Redis unavailable, or payload too large). */
int queue_enqueue(redis_t *r, const char *queue, const char *type, const char *payload_json, char *id_out);
/* count copies of one job (pipelined; for benchmarks and bulk work). Returns how many were
 * added, or -1 when none could be. */
long queue_enqueue_many(redis_t *r, const char *queue, const char *type, const char *payload_json, long count);
/* The same, due at due_ms (epoch ms): it waits in the delayed set until then. */
int queue_enqueue_at(redis_t *r, const char *queue, const char *type, const char *payload_json, int64_t due_ms,
                     char *id_out);

/* Reads up to max new jobs for this consumer, blocking up to block_ms (0 = do not block).
 * Returns how many were read into jobs[] (free each with queue_job_free), or -1. */
int queue_read(redis_t *r, const queue_opts_t *o, queue_job_t *jobs, int max, int block_ms);

/* Takes over up to max jobs that other consumers left unacknowledged for reclaim_idle_ms.
 * A job delivered more than max_deliveries times is dead-lettered here instead of returned
 * (it keeps killing its workers). Returns how many were put into jobs[], or -1. */
int queue_reclaim(redis_t *r, const queue_opts_t *o, queue_job_t *jobs, int max);

/* Moves up to max delayed jobs whose time has come back into the stream (atomic: a Lua
 * script, safe with many workers at once). Returns how many moved, or -1. */
int queue_promote(redis_t *r, const char *queue, int64_t now_ms, int max);

/* Done: acknowledged and deleted from the stream. 0 or -1. */
int queue_ack(redis_t *r, const char *queue, const queue_job_t *job);
/* queue_ack for several jobs at once (one XACK and one XDEL for all of them). 0 or -1. */
int queue_ack_many(redis_t *r, const char *queue, const char *const *stream_ids, int n);
/* Failed, try again at due_ms: into the delayed set with attempt + 1, and acknowledged, in one
 * MULTI/EXEC. 0 or -1 (then the job stays pending and is reclaimed later). */
int queue_retry(redis_t *r, const char *queue, const queue_job_t *job, int64_t due_ms, const char *error);
/* Failed for good: into the dead-letter stream with the error, and acknowledged (MULTI/EXEC). */
int queue_dead(redis_t *r, const char *queue, const queue_job_t *job, const char *error);

/* Not started after all (the worker is stopping): back into the stream as a new entry with the
 * same id and attempt, and acknowledged, in one MULTI/EXEC, so another worker takes it now
 * rather than after reclaim_idle_ms. 0 or -1. */
int queue_release(redis_t *r, const char *queue, const queue_job_t *job);

/* Tells the group this consumer still works on job (resets its idle time, so that a long job
 * is not reclaimed under a live worker). Call between the slow steps of a long handler. */
int queue_touch(redis_t *r, const queue_opts_t *o, const queue_job_t *job);

/* Moves one dead letter (by its id in the dead stream) back into the queue with attempt 1.
 * 1 moved, 0 no such dead letter, -1 error. */
int queue_dead_retry(redis_t *r, const char *queue, const char *dead_id);

typedef struct queue_stats {
    long long ready;     /* entries in the stream (including pending ones) */
    long long pending;   /* delivered, not yet acknowledged */
    long long delayed;   /* waiting for a retry */
    long long dead;      /* dead letters */
} queue_stats_t;
int queue_stats(redis_t *r, const char *queue, queue_stats_t *out);
/* Delayed jobs due by until_ms, or -1. */
long long queue_delayed_due(redis_t *r, const char *queue, int64_t until_ms);

/* Removes consumers of the group that hold no jobs and were idle for at least idle_ms
 * (every worker start adds one). Returns how many were removed, or -1. */
int queue_prune_consumers(redis_t *r, const char *queue, long long idle_ms);

void queue_job_free(queue_job_t *job);

/* The wait before attempt `attempt + 1` after attempt `attempt` failed: BASE * 4^(attempt-1)
 * (2 s, 8 s, 32 s, ~2 min, ~8.5 min, ...) capped at QUEUE_BACKOFF_MAX_MS, plus a jitter of up
 * to 20 % drawn from jitter (0..UINT32_MAX) so that jobs failing together do not return
 * together. Pure. */
int64_t queue_backoff_ms(int attempt, uint32_t jitter);

/* A fresh job id (32 hex characters from libsodium randombytes). */
void queue_new_id(char out[QUEUE_ID_LEN + 1]);

#endif
