/* effects: what one transaction changed for a player that needs work after COMMIT: cache keys
 * to drop, telemetry lines to log, the leaderboards to refresh. Writers (grants, achievements,
 * purchases) note their effects while inside the transaction; the handler applies them once
 * after COMMIT and before it responds, so the player's next read is never stale. After a
 * ROLLBACK the effects are simply dropped. Owner: a stack variable of the handler. */
#ifndef CHATLINGS_EFFECTS_H
#define CHATLINGS_EFFECTS_H
#include "store/db.h"
#include "store/leaderboard.h"
#include "store/redis.h"

#define EFFECTS_MAX_EVENTS 24
#define EFFECTS_PROPS_MAX 512
#define EFFECTS_MAX_ANNOUNCES 6
#define EFFECTS_ANNOUNCE_MAX 2048

/* Notifications announced by the application (migration 0016): a transaction that sets
 * EFFECTS_APP_ANNOUNCES_SQL (a statement) has its new notifications announced not by the
 * trigger's NOTIFY (which serialises commits) but by effects_apply, after COMMIT; a statement
 * that inserts notifications in it returns EFFECTS_ANNOUNCE_SQL (NULL outside such a
 * transaction: the trigger announced the row) and hands it to effects_announce. */
#define EFFECTS_APP_ANNOUNCES_SQL "set_config('chatlings.app_announces', 'on', true)"
#define EFFECTS_ANNOUNCE_SQL                                                                     \
    "CASE WHEN current_setting('chatlings.app_announces', true) = 'on'"                         \
    " THEN notification_announcement(id, category, title, body, data, created_at)::text END"

typedef struct effects {
    int motes;        /* users.motes changed: user:{id}:profile */
    int profile;      /* other profile fields changed (current chatling): user:{id}:profile */
    int collection;   /* user_collections changed: user:{id}:collection */
    int leaderboard;  /* anything a board counts changed: leaderboard_player_changed() */
    int nevents;
    struct {
        char name[40];
        char props[EFFECTS_PROPS_MAX]; /* a JSON object */
    } events[EFFECTS_MAX_EVENTS];
    int nannounces;
    char announces[EFFECTS_MAX_ANNOUNCES][EFFECTS_ANNOUNCE_MAX]; /* notification JSON objects */
} effects_t;

void effects_init(effects_t *fx);
/* Notes a telemetry event that was written to telemetry_events; its JSON log line is written
 * by effects_apply (so a rolled-back event is never logged). Extra events beyond the maximum
 * are logged at once instead. */
void effects_event(effects_t *fx, const char *name, const char *props_json);
/* Notes a notification (EFFECTS_ANNOUNCE_SQL's JSON) for the player's open pages: published
 * as {"type":"notification","notification":...} to topic user:{id} by effects_apply. */
void effects_announce(effects_t *fx, const char *notification_json);
/* After COMMIT: drops the changed cache keys, announces the notifications, logs the events,
 * refreshes the leaderboards.
 * Never fails the request (cache and board failures are logged and heal by TTL / rebuild). */
void effects_apply(db_conn_t *db, redis_t *r, const char *user_id, effects_t *fx);
/* The same for up to EFFECTS_MAX_BATCH distinct players committed together: the cache keys
 * of all, and the board scores the batch read before COMMIT (leaderboard_read_call; may be
 * NULL; their players' fx->leaderboard is then cleared), in one pipeline. */
#define EFFECTS_MAX_BATCH 64
void effects_apply_many(db_conn_t *db, redis_t *r, const char *const *user_ids, effects_t *const *fx, int n,
                        lb_scores_t *scores);

#endif
