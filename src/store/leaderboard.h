/* leaderboard: the four boards of GAME.md (achievement points, unique creatures, rarity score,
 * team score) as Redis sorted sets, all-time and weekly, derived from PostgreSQL; the weekly
 * rollover (Monday 00:00 UTC by clock_now()) with its archive in leaderboard_archive; and the
 * rebuild from PostgreSQL when Redis has lost them.
 *
 * Redis keys (none has a TTL, so volatile-lru never evicts them):
 *   leaderboard:{global|collection|rarity|team}:{alltime|weekly}   the boards; members are user
 *       ids, scores are points / creatures / Σ rarity weight / team score (2 decimals).
 *       leaderboard:global:weekly is the weekly points board.
 *   leaderboard:meta:week      the ISO week the weekly boards hold ("2026-W48")
 *   leaderboard:meta:built     sentinel written by a completed rebuild; missing = rebuild needed
 *   leaderboard:meta:rebuilding  present (value = week) while a rebuild fills
 *       leaderboard:rebuild:{board}:{period}; writers then update those too
 *   leaderboard:meta:archive_pending  weeks renamed away by a rollover, not yet in PostgreSQL
 *   leaderboard:archive:{board}:{week}  a finished week waiting for its archive
 *   leaderboard:lock           one maintenance run (rebuild or rollover) at a time
 * Equal scores rank by member (user id, descending, as ZREVRANGE orders them): the same order
 * on every read and after every rebuild. */
#ifndef CHATLINGS_LEADERBOARD_H
#define CHATLINGS_LEADERBOARD_H
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "store/redis.h"

typedef enum { LB_ACHIEVEMENTS, LB_COLLECTION, LB_RARITY, LB_TEAM, LB_BOARDS } lb_board_t;

/* "achievements", "collection", "rarity", "team": the API's and the archive's names. */
extern const char *const LEADERBOARD_NAMES[LB_BOARDS];
/* -1 when unknown. */
int leaderboard_board_from_name(const char *name);
/* The live key of a board ("leaderboard:global:weekly", ...). */
const char *leaderboard_key(int board, int weekly);
/* 1 when the board's scores carry two decimals (the team score). */
int leaderboard_has_decimals(int board);

/* Recomputes one player's scores from PostgreSQL and writes them to every board.
 * Call it after each committed change to a player's collection, achievements or team
 * (and after a suspension or its end: suspended and deleted players are taken off).
 * One query, one Redis round trip (a script, so the weekly writes are atomic against the
 * rollover). Never fatal: a failure is logged, and the worker's presence check rebuilds
 * lost boards. */
void leaderboard_player_changed(db_conn_t *conn, redis_t *r, const char *user_id);
/* The same in two halves, for a batch of up to LB_MAX_CHANGED distinct players committed
 * together: read their scores inside the writing transaction (one statement, best run under
 * generic plans: plan_cache_mode = force_generic_plan; an SQL error aborts the caller's
 * transaction), then after COMMIT write them to the boards (in a Redis pipeline). */
#define LB_MAX_CHANGED 64
typedef char score_text_t[LB_BOARDS][2][32]; /* [board][weekly] as Redis score text; "0": off */
typedef struct lb_scores {
    int n;
    char week[16];
    char user_id[LB_MAX_CHANGED][37];
    score_text_t scores[LB_MAX_CHANGED];
} lb_scores_t;
/* The read is a db_call_t (for db_pipeline; it points into lc and user_ids, which must outlive
 * it), then the reading of its result into out (logged when it failed). 0, or -1. */
typedef struct lb_read_call {
    char week[16], start[32], end[32];
    const char *const *user_ids;
    int n;
    db_param_t params[3];
} lb_read_call_t;
int leaderboard_read_call(lb_read_call_t *lc, const char *const *user_ids, int n, db_call_t *call);
int leaderboard_read_take(PGresult *res, const lb_read_call_t *lc, lb_scores_t *out);
/* The writes in two halves, so that they share a pipeline with other commands (effects.h):
 * append them (returns how many replies they owe), then read those replies. */
int leaderboard_append_scores(redis_t *r, lb_scores_t *scores);
void leaderboard_scores_replies(redis_t *r, int owed);

/* Takes a player off every board at once (account deleted). Best effort. */
void leaderboard_player_removed(redis_t *r, const char *user_id);

typedef struct leaderboard_stats {
    long players;          /* players read from PostgreSQL */
    long members[LB_BOARDS][2]; /* members written per board, [all-time, weekly] */
    double seconds;
} leaderboard_stats_t;

/* Rebuilds every board from PostgreSQL, streaming players in batches (keyset by id) into
 * shadow keys that are swapped in at the end; writers running meanwhile update the shadow
 * keys too, so nothing they write is lost. 0 done, 1 another rebuild or rollover is running,
 * -1 error (logged). */
int leaderboard_rebuild(db_conn_t *conn, redis_t *r, leaderboard_stats_t *st);

/* The presence check: rebuilds when leaderboard:meta:built is missing (Redis flushed or
 * replaced). 0 nothing to do, 1 rebuilt, 2 busy elsewhere, -1 error. */
int leaderboard_ensure(db_conn_t *conn, redis_t *r);

typedef struct leaderboard_rollover_stats {
    char week[16];        /* the week archived */
    long archived;        /* rows written to leaderboard_archive */
    double rename_ms, archive_ms, total_ms;
} leaderboard_rollover_stats_t;

/* When clock_now() is past the week the weekly boards hold: renames them away (one atomic
 * script: readers and writers see either the old week or an empty new one), re-adds what
 * was earned since Monday 00:00, archives the finished week into leaderboard_archive with
 * COPY, then drops the renamed keys. Also finishes an archive an earlier run left half done.
 * 0 nothing to do, 1 rolled over, 2 busy elsewhere, -1 error. st may be NULL. */
int leaderboard_rollover(db_conn_t *conn, redis_t *r, leaderboard_rollover_stats_t *st);

/* The week the live weekly boards hold (leaderboard:meta:week), else the current week of
 * clock_now(). out >= 16 bytes. */
void leaderboard_live_week(redis_t *r, char *out, size_t outlen);

#endif
