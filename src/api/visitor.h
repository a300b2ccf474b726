/* visitor: the daily visitor (GAME.md "Collecting" 3). On a player's first authenticated
 * request of a UTC day one roll is made: 1 in 7 a random active creature (box-weighted rarity)
 * visits and joins the collection. The roll is recorded win or lose in daily_visitors, one row
 * per (player, day), and can never be made twice. The same first request of the day also
 * counts the day for the login streak (achievements login_streak_3/7/30).
 * CHATLINGS_VISITOR_ONE_IN (default 7; 0 = never, 1 = always) changes the odds, for tests
 * and events. */
#ifndef CHATLINGS_VISITOR_H
#define CHATLINGS_VISITOR_H
#include "http/http.h"
#include "store/redis.h"

/* Run by app_dispatch for every authorised request in two halves, so that its Redis command
 * shares a round trip with the other per-request markers (api/presence.h). It acts only on
 * AUTH_SESSION routes: one SET NX of visitor:{user}:{yyyy-mm-dd}, and on the first request of
 * the day the roll. The roll itself is guarded by PostgreSQL (INSERT ... ON CONFLICT DO
 * NOTHING), so a Redis that lost the key never causes a second roll. Never fails the request:
 * on a database problem it leaves the response untouched and tries again a minute later. */
typedef struct visitor_marker {
    char key[96]; /* "" when this request does not count */
    char day[11];
} visitor_marker_t;

/* Queues the SET NX on the thread's Redis connection (redis_append); 1 when it did. */
int visitor_marker_send(http_ctx_t *ctx, visitor_marker_t *m);
/* With that command's reply (NULL: Redis unavailable): the roll when the marker was new. */
void visitor_marker_done(http_ctx_t *ctx, const visitor_marker_t *m, const redisReply *rep);

#endif
