/* leaderboard: the four boards of GAME.md (achievement points, unique creatures, rarity score,
 * team score) as Redis sorted sets, all-time and weekly, derived from PostgreSQL. */
#ifndef CHATLINGS_LEADERBOARD_H
#define CHATLINGS_LEADERBOARD_H
#include "store/db.h"
#include "store/redis.h"

/* Recomputes one player's scores from PostgreSQL and writes them to every board.
 * Call it after each committed change to a player's collection, achievements or team.
 * Never fatal: a failure is logged, and the worker's presence check rebuilds lost boards. */
void leaderboard_player_changed(db_conn_t *conn, redis_t *r, const char *user_id);

#endif
