/* pubsub: one PSUBSCRIBE connection per process. Messages published while the subscriber is
 * reconnecting are lost (Redis pub/sub keeps nothing); chat history lives in PostgreSQL, so a
 * client that reconnects reloads it, and notifications stay in their table. */
#include "store/pubsub.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

#define CHANNEL_PREFIX "chatlings:topic:"

static struct {
    pthread_t tid;
    redis_t *r;
    pubsub_deliver_fn deliver;
    void *arg;
    atomic_int stop;
    atomic_int ready;
    int started;
} P;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void handle(redisReply *rep)
{
    /* pmessage: ["pmessage", pattern, channel, payload] */
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 4 || rep->element[0]->type != REDIS_REPLY_STRING ||
        strcmp(rep->element[0]->str, "pmessage") || rep->element[2]->type != REDIS_REPLY_STRING ||
        rep->element[3]->type != REDIS_REPLY_STRING)
        return;
    const char *channel = rep->element[2]->str;
    size_t plen = sizeof CHANNEL_PREFIX - 1;
    if (strncmp(channel, CHANNEL_PREFIX, plen) || strlen(channel + plen) >= PUBSUB_TOPIC_MAX)
        return;
    P.deliver(channel + plen, rep->element[3]->str, rep->element[3]->len, P.arg);
}

static void *subscriber_main(void *unused)
{
    (void)unused;
    while (!atomic_load(&P.stop)) {
        redisReply *rep = redis_command(P.r, "PSUBSCRIBE " CHANNEL_PREFIX "*");
        if (!rep) {
            atomic_store(&P.ready, 0);
            sleep_ms(100); /* redis.c spaces the reconnects itself; this only avoids a hot loop */
            continue;
        }
        redis_reply_free(rep);
        atomic_store(&P.ready, 1);
        log_info("pubsub", "subscribed to %s*", CHANNEL_PREFIX);
        while (!atomic_load(&P.stop)) {
            int rc = redis_read_push(P.r, 500, &rep);
            if (rc < 0) {
                atomic_store(&P.ready, 0);
                log_warn("pubsub", "subscriber connection lost; resubscribing");
                break;
            }
            if (rc == 1) {
                handle(rep);
                redis_reply_free(rep);
            }
        }
    }
    return NULL;
}

int pubsub_start(const redis_opts_t *opts, pubsub_deliver_fn deliver, void *arg)
{
    char err[256];
    redis_opts_t o = *opts;
    o.command_timeout_ms = o.command_timeout_ms ? o.command_timeout_ms : 2000;
    P.r = redis_create(&o, err, sizeof err);
    if (!P.r) {
        log_error("pubsub", "%s", err);
        return -1;
    }
    P.deliver = deliver;
    P.arg = arg;
    atomic_store(&P.stop, 0);
    if (pthread_create(&P.tid, NULL, subscriber_main, NULL)) {
        redis_destroy(P.r);
        return -1;
    }
    P.started = 1;
    return 0;
}

void pubsub_stop(void)
{
    if (!P.started)
        return;
    atomic_store(&P.stop, 1);
    pthread_join(P.tid, NULL);
    redis_destroy(P.r);
    P.started = 0;
}

int pubsub_ready(void)
{
    return atomic_load(&P.ready);
}

int pubsub_append_publish(redis_t *r, const char *topic, const char *payload, size_t len)
{
    return redis_append(r, "PUBLISH " CHANNEL_PREFIX "%s %b", topic, payload, len);
}

int pubsub_publish(redis_t *r, const char *topic, const char *payload, size_t len)
{
    redisReply *rep = pubsub_append_publish(r, topic, payload, len) ? NULL : redis_get_reply(r);
    if (!rep)
        return -1;
    int rc = rep->type == REDIS_REPLY_INTEGER ? 0 : -1;
    redis_reply_free(rep);
    return rc;
}
