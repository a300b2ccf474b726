/* `chatlings admin rebuild-leaderboards | rollover-leaderboards`: the operator's handles on
 * store/leaderboard.c. rebuild refills every board from PostgreSQL (the worker does the same by
 * itself when it finds them missing); rollover closes the week now if clock_now() has passed
 * Monday 00:00 UTC (the worker checks every few seconds; this is for operators and benches). */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "store/db.h"
#include "store/leaderboard.h"
#include "store/redis.h"

int cmd_admin_leaderboards(int argc, char **argv, const config_t *cfg)
{
    int rebuild = !strcmp(argv[0], "rebuild-leaderboards");
    if (argc != 1) {
        fprintf(stderr, "chatlings admin: %s takes no arguments\n", argv[0]);
        return 2;
    }
    db_pool_opts_t po = {.max = 1, .min = 0, .idle_timeout_ms = 60000,
                         .connect_timeout_ms = cfg->db_connect_timeout_ms, .statement_timeout_ms = 0};
    db_pool_t *pool = db_pool_create(cfg->database_url, &po);
    char err[256];
    redis_opts_t ro = {.url = cfg->redis_url,
                       .ca_file = cfg->redis_ca_file[0] ? cfg->redis_ca_file : NULL,
                       .connect_timeout_ms = 2000,
                       .command_timeout_ms = 30000};
    redis_t *redis = redis_create(&ro, err, sizeof err);
    db_conn_t *conn = pool ? db_acquire(pool) : NULL;
    int rc = 1;
    if (!redis) {
        fprintf(stderr, "chatlings admin: %s\n", err);
        goto out;
    }
    if (!conn) {
        char why[256];
        db_pool_last_error(pool, why, sizeof why);
        fprintf(stderr, "chatlings admin: database unavailable: %s\n", why[0] ? why : "no connection");
        goto out;
    }
    if (rebuild) {
        leaderboard_stats_t st;
        int r = leaderboard_rebuild(conn, redis, &st);
        if (r == 1) {
            fprintf(stderr, "chatlings admin: another rebuild or rollover is running; try again shortly\n");
        } else if (r == 0) {
            printf("rebuilt leaderboards from %ld players in %.2fs\n", st.players, st.seconds);
            for (int b = 0; b < LB_BOARDS; b++)
                printf("  %-12s all-time %ld, this week %ld\n", LEADERBOARD_NAMES[b], st.members[b][0],
                       st.members[b][1]);
            rc = 0;
        } else {
            fprintf(stderr, "chatlings admin: rebuild failed (see the log above)\n");
        }
    } else {
        leaderboard_rollover_stats_t st;
        int r = leaderboard_rollover(conn, redis, &st);
        if (r == 2) {
            fprintf(stderr, "chatlings admin: another rebuild or rollover is running; try again shortly\n");
        } else if (r == 1) {
            printf("closed week %s: %ld rows archived in %.0f ms (rename %.1f ms, archive %.0f ms)\n", st.week,
                   st.archived, st.total_ms, st.rename_ms, st.archive_ms);
            rc = 0;
        } else if (r == 0) {
            printf("nothing to roll over: the weekly boards hold the current week\n");
            rc = 0;
        } else {
            fprintf(stderr, "chatlings admin: rollover failed (see the log above)\n");
        }
    }
out:
    if (conn)
        db_release(pool, conn);
    if (pool)
        db_pool_destroy(pool);
    redis_destroy(redis);
    return rc;
}
