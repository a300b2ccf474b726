/* achievements: checking and unlocking (GAME.md "Achievements"). Definitions live in the
 * achievements table (seeded by 0004_collecting.sql), each with the metric its progress is
 * measured by. Progress is computed from the rows it describes (collection, streak counters,
 * YouTube rewards, encounter wins), so it is never out of step; a row in user_achievements
 * records the unlock. Unlocking is idempotent and, in the same statement, pays the points in
 * motes, notifies (category achievement) and records telemetry "achievement_unlocked". */
#ifndef CHATLINGS_ACHIEVEMENTS_H
#define CHATLINGS_ACHIEVEMENTS_H
#include <libpq-fe.h>

#include "store/db.h"
#include "store/effects.h"

/* Which metrics to re-check (a bit set): only what the caller's change can move. */
enum {
    ACH_METRIC_COLLECTION = 1 << 0, /* unique creatures (collect_N) and own an Epic/Legendary/Mythical */
    ACH_METRIC_LOGIN = 1 << 1,      /* users.login_streak */
    ACH_METRIC_YOUTUBE = 1 << 2,    /* youtube_likes rewarded (rewarded_at set) */
    ACH_METRIC_BOX = 1 << 3,        /* users.box_streak */
    ACH_METRIC_ENCOUNTER = 1 << 4,  /* encounters won */
};

#define ACH_MAX_UNLOCKS 24

typedef struct ach_unlocks {
    int n;
    struct {
        char id[48];
        char name[96];
        int points;
    } items[ACH_MAX_UNLOCKS];
} ach_unlocks_t;

/* Inside the caller's transaction: unlocks every achievement of the given metrics that the
 * player has reached, plus force_id when not NULL (a 'manual' achievement such as
 * "recover_runaway", unlocked by the code path that knows it happened). Newly unlocked ones are
 * appended to *got (may be NULL) and noted in fx. Returns how many were unlocked now, or -1
 * with *err the failed result (NULL when the connection broke). */
int achievements_check(db_conn_t *db, const char *user_id, unsigned metrics, const char *force_id,
                       ach_unlocks_t *got, effects_t *fx, PGresult **err);

/* One player's check in a batch. got may be NULL; fx may not. */
#define ACH_MAX_BATCH 64
typedef struct ach_check {
    const char *user_id;
    unsigned metrics;
    const char *force_id;
    ach_unlocks_t *got;
    effects_t *fx;
} ach_check_t;
/* achievements_check for up to ACH_MAX_BATCH players at once (distinct user ids), in one
 * statement. Returns how many were unlocked in all, or -1 with *err like achievements_check. */
int achievements_check_many(db_conn_t *db, ach_check_t *checks, int n, PGresult **err);
/* The same statement as a db_call_t (for db_pipeline; it points into ac, which must outlive
 * it), and the reading of its result. call returns 1, 0 when there is nothing to check (no
 * call then), or -1 for a batch too big; take returns how many were unlocked. */
typedef struct ach_call {
    const char *users[ACH_MAX_BATCH], *lists[ACH_MAX_BATCH], *forced[ACH_MAX_BATCH];
    char names[ACH_MAX_BATCH][160];
    db_param_t params[3];
} ach_call_t;
int achievements_check_call(ach_call_t *ac, const ach_check_t *checks, int n, db_call_t *call);
int achievements_take(PGresult *r, ach_check_t *checks, int n);

/* Every achievement with the player's progress: columns id, name, description, category,
 * points, threshold, progress, unlocked_at (ISO-8601 text or NULL), in display order.
 * Returns the result (caller PQclear()s) or NULL / an error result, like db_exec. */
PGresult *achievements_list(db_conn_t *db, const char *user_id);

#endif
