/* pubsub: fan-out across every instance through Redis pub/sub. Handlers publish to a topic
 * ("room:{id}", "user:{id}"); one subscriber thread per process receives every topic and hands
 * each message to a delivery callback (the WebSocket layer), so a chat line posted on one
 * instance reaches the players connected to all of them. */
#ifndef CHATLINGS_PUBSUB_H
#define CHATLINGS_PUBSUB_H
#include <stddef.h>

#include "store/redis.h"

#define PUBSUB_TOPIC_MAX 64

typedef void (*pubsub_deliver_fn)(const char *topic, const char *payload, size_t len, void *arg);

/* Starts the subscriber thread on its own connection (opts as for redis_create). It
 * resubscribes by itself after Redis comes back. 0, or -1 on a bad URL. */
int pubsub_start(const redis_opts_t *opts, pubsub_deliver_fn deliver, void *arg);
void pubsub_stop(void);

/* Publishes payload to topic on every instance. 0, or -1 when Redis is unavailable. */
int pubsub_publish(redis_t *r, const char *topic, const char *payload, size_t len);
/* The same PUBLISH appended to r's pipeline (its reply, an integer, read by the caller). */
int pubsub_append_publish(redis_t *r, const char *topic, const char *payload, size_t len);

/* 1 once the subscriber is subscribed (tests and readiness). */
int pubsub_ready(void);

#endif
