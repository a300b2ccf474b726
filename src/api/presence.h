/* presence: users.last_seen_at, the "active in the last 24 h" the YouTube sweep selects by.
 * Written at most once per PRESENCE_EVERY_S per player: a Redis SET NX guard (seen:{user})
 * decides, so a busy player costs one Redis command per request and one UPDATE per 10 min. */
#ifndef CHATLINGS_PRESENCE_H
#define CHATLINGS_PRESENCE_H
#include "http/http.h"

#define PRESENCE_EVERY_S 600

/* Called by app_dispatch after the handler of a signed-in player's request. Never changes the
 * response: a Redis or database problem only postpones the update. */
void api_presence_hook(http_ctx_t *ctx);

#endif
