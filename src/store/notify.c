/* notify: notification rows. The "box ready" one is made idempotent per cycle by a conditional
 * UPDATE of users.box_ready_notified_at in the same statement: only the call that moves the
 * marker past the cycle's claim time inserts. */
#include "store/notify.h"

#include <stdio.h>
#include <stdlib.h>

static const db_stmt_t STMT_NOTIFY_INSERT = {
    "notify_insert",
    "INSERT INTO notifications (user_id, category, title, body, data)"
    " VALUES ($1, $2, $3, coalesce($4, ''), coalesce($5::jsonb, '{}'))",
    5};

int notify_create(db_conn_t *db, const char *user_id, const char *category, const char *title, const char *body,
                  const char *data_json, PGresult **err)
{
    const char *params[] = {user_id, category, title, body, data_json};
    PGresult *r = db_exec(db, &STMT_NOTIFY_INSERT, params);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        *err = r;
        return -1;
    }
    PQclear(r);
    return 0;
}

#define BOX_READY_WHERE                                                                               \
    " u.deleted_at IS NULL AND u.box_last_claimed_at IS NOT NULL"                                     \
    " AND u.box_last_claimed_at <= now() - interval '24 hours'"                                       \
    " AND (u.box_ready_notified_at IS NULL OR u.box_ready_notified_at < u.box_last_claimed_at)"

#define BOX_READY_INSERT                                                                              \
    " INSERT INTO notifications (user_id, category, title, body, data)"                              \
    " SELECT id, 'daily_box_ready', 'Your mystery box is ready',"                                    \
    "        'A new daily mystery box is waiting for you.',"                                         \
    "        jsonb_build_object('cycle', to_char(claimed AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))" \
    " FROM marked RETURNING id"

static const db_stmt_t STMT_BOX_READY = {
    "notify_box_ready",
    "WITH marked AS (UPDATE users u SET box_ready_notified_at = now() WHERE u.id = $1 AND" BOX_READY_WHERE
    "                RETURNING u.id, u.box_last_claimed_at AS claimed)" BOX_READY_INSERT,
    1};

static const db_stmt_t STMT_BOX_READY_SWEEP = {
    "notify_box_ready_sweep",
    "WITH due AS (SELECT u.id FROM users u WHERE" BOX_READY_WHERE " LIMIT $1 FOR UPDATE SKIP LOCKED),"
    " marked AS (UPDATE users u SET box_ready_notified_at = now() FROM due WHERE u.id = due.id"
    "            RETURNING u.id, u.box_last_claimed_at AS claimed)" BOX_READY_INSERT,
    1};

static int run(db_conn_t *db, const db_stmt_t *stmt, const char *const *params, PGresult **err)
{
    PGresult *r = db_exec(db, stmt, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        *err = r;
        return -1;
    }
    int n = PQntuples(r);
    PQclear(r);
    return n;
}

int notify_box_ready(db_conn_t *db, const char *user_id, PGresult **err)
{
    const char *params[] = {user_id};
    return run(db, &STMT_BOX_READY, params, err);
}

int notify_box_ready_sweep(db_conn_t *db, int max, PGresult **err)
{
    char n[16];
    snprintf(n, sizeof n, "%d", max > 0 ? max : 1);
    const char *params[] = {n};
    return run(db, &STMT_BOX_READY_SWEEP, params, err);
}
