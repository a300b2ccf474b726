/* effects: the after-COMMIT half of every player write. */
#include "store/effects.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "store/collection_cache.h"
#include "store/leaderboard.h"
#include "store/pubsub.h"
#include "store/telemetry.h"

void effects_init(effects_t *fx)
{
    /* not the texts (~25 KB): only the first nevents events and nannounces announcements are read */
    fx->motes = fx->profile = fx->collection = fx->leaderboard = fx->nevents = fx->nannounces = 0;
}

void effects_announce(effects_t *fx, const char *notification_json)
{
    /* a notification left out is still in the player's list: only the live nudge is missed */
    if (fx->nannounces >= EFFECTS_MAX_ANNOUNCES || strlen(notification_json) >= EFFECTS_ANNOUNCE_MAX) {
        log_warn("notify", "a notification was not announced (%d queued, %zu bytes)", fx->nannounces,
                 strlen(notification_json));
        return;
    }
    snprintf(fx->announces[fx->nannounces++], EFFECTS_ANNOUNCE_MAX, "%s", notification_json);
}

/* The player's announcements, appended to the pipeline (counted in *sent: integer replies). */
static void append_announces(redis_t *r, const char *user_id, const effects_t *fx, int *sent, int *failed)
{
    char topic[PUBSUB_TOPIC_MAX];
    snprintf(topic, sizeof topic, "user:%s", user_id);
    for (int a = 0; a < fx->nannounces; a++) {
        char msg[EFFECTS_ANNOUNCE_MAX + 48];
        int len = snprintf(msg, sizeof msg, "{\"type\":\"notification\",\"notification\":%s}", fx->announces[a]);
        if (pubsub_append_publish(r, topic, msg, (size_t)len) == 0)
            (*sent)++;
        else
            *failed = 1;
    }
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

static void append_del(redis_t *r, const char *key, int *sent, int *failed)
{
    const char *argv[2] = {"DEL", key};
    if (redis_append_argv(r, 2, argv, NULL) == 0)
        (*sent)++;
    else
        *failed = 1;
}

void effects_apply(db_conn_t *db, redis_t *r, const char *user_id, effects_t *fx)
{
    effects_apply_many(db, r, &user_id, &fx, 1, NULL);
}

void effects_apply_many(db_conn_t *db, redis_t *r, const char *const *user_ids, effects_t *const *fx, int n,
                        lb_scores_t *scores)
{
    if (n < 1 || n > EFFECTS_MAX_BATCH)
        return;
    /* one DEL per key (keys of different players live in different cluster slots), the
     * announcements and the board writes, all in one pipeline: one round trip */
    char key[96];
    int sent = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        if (fx[i]->motes || fx[i]->profile) {
            snprintf(key, sizeof key, "user:%s:profile", user_ids[i]);
            append_del(r, key, &sent, &failed);
        }
        if (fx[i]->collection) {
            collection_cache_key(key, sizeof key, user_ids[i]);
            append_del(r, key, &sent, &failed);
        }
        /* after the player's DELs: a page that reloads on the nudge reads fresh data */
        append_announces(r, user_ids[i], fx[i], &sent, &failed);
    }
    int board_writes = scores ? leaderboard_append_scores(r, scores) : 0;
    int broken = 0;
    for (int i = 0; i < sent && !broken; i++) {
        redisReply *rep = redis_get_reply(r);
        failed |= !rep || rep->type != REDIS_REPLY_INTEGER;
        broken = !rep; /* a failed pipeline owes no more replies */
        redis_reply_free(rep);
    }
    leaderboard_scores_replies(r, broken ? 0 : board_writes);
    if (failed)
        log_warn("cache", "could not drop the cache of (or announce to) %d player(s) from %s (the TTL will)", n,
                 user_ids[0]);
    for (int i = 0; i < n; i++) {
        for (int e = 0; e < fx[i]->nevents; e++)
            telemetry_log(user_ids[i], fx[i]->events[e].name, fx[i]->events[e].props);
        if (fx[i]->leaderboard)
            leaderboard_player_changed(db, r, user_ids[i]);
        effects_init(fx[i]);
    }
}
