/* push_deliver: sends what push_outbox holds (notifications of players with a Web Push
 * subscription, queued by a trigger of db/migrations/0009_push.sql) to each of the player's
 * browsers, and keeps the subscriptions tidy: a push service's 404/410 deletes one. Runs as the
 * worker's "push_deliver" job (scheduled every few seconds), or synchronously from anywhere
 * that holds a primary connection. */
#ifndef CHATLINGS_PUSH_DELIVER_H
#define CHATLINGS_PUSH_DELIVER_H
#include "core/config.h"
#include "store/db.h"
#include "worker/worker.h"

#define PUSH_DELIVER_BATCH 100
#define PUSH_MAX_ATTEMPTS 5

typedef struct push_stats {
    long messages;   /* outbox entries handled */
    long sent;       /* deliveries a push service accepted */
    long gone;       /* subscriptions deleted (404/410, malformed) */
    long retried;    /* entries put back for later */
    long failed;     /* deliveries refused for good */
} push_stats_t;

/* Delivers up to max due outbox entries. Returns how many were claimed (0: nothing due), or -1
 * when the database failed (message in err). A missing VAPID key is -1 too: nothing is sent
 * and the entries stay queued. */
int push_deliver_pending(db_conn_t *db, const config_t *cfg, int max, push_stats_t *st, char *err, size_t errlen);

/* The worker job: drains the outbox in batches. */
job_status_t push_job_deliver(job_ctx_t *jc);

#endif
