/* presence: users.last_seen_at, the "active in the last 24 h" the YouTube sweep selects by.
 * Written at most once per PRESENCE_EVERY_S per player: a Redis SET NX guard (seen:{user})
 * decides, so a busy player costs one pipelined Redis command per request and one UPDATE per
 * 10 min. */
#ifndef CHATLINGS_PRESENCE_H
#define CHATLINGS_PRESENCE_H
#include "http/http.h"
#include "store/redis.h"

#define PRESENCE_EVERY_S 600

/* In three steps, so that the guard shares a round trip with the other per-request markers
 * (api/visitor.h): app_dispatch queues the SET NX before the handler, reads its reply, and
 * writes after the handler when it was due. Never changes the response: a Redis or database
 * problem only postpones the update. */
int presence_marker_send(http_ctx_t *ctx);          /* 1 when the SET NX was queued */
int presence_marker_due(const redisReply *rep);     /* 1 when this request is to write */
void presence_write(http_ctx_t *ctx);

#endif
