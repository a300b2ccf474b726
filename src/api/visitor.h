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

/* Called by app_dispatch for every authorised request; acts only on AUTH_SESSION routes.
 * Costs one Redis SET NX (visitor:{user}:{yyyy-mm-dd}) except on the first request of the day;
 * the roll itself is guarded by PostgreSQL (INSERT ... ON CONFLICT DO NOTHING), so a Redis that
 * lost the key never causes a second roll. Never fails the request: on a database problem it
 * leaves the response untouched and tries again a minute later. */
void visitor_hook(http_ctx_t *ctx);

#endif
