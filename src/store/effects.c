/* effects: the after-COMMIT half of every player write. */
#include "store/effects.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "store/collection_cache.h"
#include "store/leaderboard.h"
#include "store/telemetry.h"

void effects_init(effects_t *fx)
{
    memset(fx, 0, sizeof *fx);
}

void effects_event(effects_t *fx, const char *name, const char *props_json)
{
    if (fx->nevents >= EFFECTS_MAX_EVENTS) {
        telemetry_log(NULL, name, props_json);
        return;
    }
    snprintf(fx->events[fx->nevents].name, sizeof fx->events[0].name, "%s", name);
    /* a JSON object cut short would not parse: keep it whole or record it as {} */
    if (strlen(props_json) < EFFECTS_PROPS_MAX)
        snprintf(fx->events[fx->nevents].props, EFFECTS_PROPS_MAX, "%s", props_json);
    else
        snprintf(fx->events[fx->nevents].props, EFFECTS_PROPS_MAX, "{}");
    fx->nevents++;
}

void effects_apply(db_conn_t *db, redis_t *r, const char *user_id, effects_t *fx)
{
    /* one DEL for every key, one round trip */
    char profile[96], collection[96];
    const char *argv[3] = {"DEL"};
    int argc = 1;
    if (fx->motes || fx->profile) {
        snprintf(profile, sizeof profile, "user:%s:profile", user_id);
        argv[argc++] = profile;
    }
    if (fx->collection) {
        collection_cache_key(collection, sizeof collection, user_id);
        argv[argc++] = collection;
    }
    if (argc > 1) {
        redisReply *rep = redis_command_argv(r, argc, argv, NULL);
        if (!rep || rep->type != REDIS_REPLY_INTEGER)
            log_warn("cache", "could not drop the cache of player %s (the TTL will)", user_id);
        redis_reply_free(rep);
    }
    for (int i = 0; i < fx->nevents; i++)
        telemetry_log(user_id, fx->events[i].name, fx->events[i].props);
    if (fx->leaderboard)
        leaderboard_player_changed(db, r, user_id);
    effects_init(fx);
}
