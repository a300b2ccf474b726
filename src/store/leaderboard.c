/* leaderboard: placeholder until the leaderboards land (issue 4/11); callers are wired now. */
#include "store/leaderboard.h"

void leaderboard_player_changed(db_conn_t *conn, redis_t *r, const char *user_id)
{
    (void)conn;
    (void)r;
    (void)user_id;
}
