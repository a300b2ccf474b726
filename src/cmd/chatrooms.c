/* `chatlings admin open-rooms [--day YYYY-MM-DD]`: opens the rooms of today (UTC, by clock_now)
 * or of the given day now, exactly as the worker's daily job does, and prints what it did. Safe
 * to run any number of times: a day's rooms are opened once. A past day is a backfill: its
 * rooms are opened already closed (readable, not for live chat). */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/clock.h"
#include "store/db.h"
#include "worker/chatrooms.h"

static int parse_day(const char *s, int64_t *day)
{
    int y;
    unsigned m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3 || y < 1970 || y > 9999 || m < 1 ||
        m > 12 || d < 1 || d > 31)
        return -1;
    int64_t z = clock_days_from_civil(y, m, d);
    int y2;
    unsigned m2, d2;
    clock_civil_from_days(z, &y2, &m2, &d2);
    if (y2 != y || m2 != m || d2 != d)
        return -1; /* 2026-02-30 */
    *day = z;
    return 0;
}

int cmd_admin_chatrooms(int argc, char **argv, const config_t *cfg)
{
    int64_t now = clock_now();
    int64_t day = now / CLOCK_MS_PER_DAY;
    if (argc == 3 && !strcmp(argv[1], "--day")) {
        if (parse_day(argv[2], &day)) {
            fprintf(stderr, "chatlings admin: --day wants a date as YYYY-MM-DD (got \"%s\")\n", argv[2]);
            return 2;
        }
    } else if (argc != 1) {
        fprintf(stderr, "usage: chatlings admin open-rooms [--day YYYY-MM-DD]\n");
        return 2;
    }
    db_pool_opts_t po = {.max = 1, .min = 0, .idle_timeout_ms = 60000,
                         .connect_timeout_ms = cfg->db_connect_timeout_ms, .statement_timeout_ms = 0};
    db_pool_t *pool = db_pool_create(cfg->database_url, &po);
    db_conn_t *conn = pool ? db_acquire(pool) : NULL;
    int rc = 1;
    if (!conn) {
        char why[256] = "";
        if (pool)
            db_pool_last_error(pool, why, sizeof why);
        fprintf(stderr, "chatlings admin: database unavailable: %s\n", why[0] ? why : "no connection");
        goto out;
    }
    chatrooms_open_stats_t st;
    if (chatrooms_open_day(conn, day, now, cfg, &st)) {
        fprintf(stderr, "chatlings admin: opening the rooms failed (see the log above)\n");
        goto out;
    }
    int y;
    unsigned m, d;
    clock_civil_from_days(day, &y, &m, &d);
    printf("{\"day\":\"%04d-%02u-%02u\",\"opened\":%d,\"existing\":%d,\"closed\":%d,\"featured\":%d,\"llm\":%d,"
           "\"llm_failed\":%d,\"llm_capped\":%d}\n",
           y, m, d, st.opened, st.existing, st.closed, st.featured, st.llm, st.llm_failed, st.llm_capped);
    rc = 0;
out:
    if (conn)
        db_release(pool, conn);
    if (pool)
        db_pool_destroy(pool);
    return rc;
}
