/* presence: the guarded last_seen_at update. It reuses the request's primary connection when
 * the handler already holds one; otherwise it borrows one from the pool just for the UPDATE
 * (never through api_db, which would turn a database outage into this request's 503). */
#include "api/presence.h"

#include "api/api.h"
#include "core/log.h"

static const db_stmt_t STMT_SEEN = {
    "presence_seen", "UPDATE users SET last_seen_at = now() WHERE id = $1 AND deleted_at IS NULL", 1};

int presence_marker_send(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    if (!uid || !ctx->thread->redis)
        return 0;
    return redis_append(ctx->thread->redis, "SET seen:%s 1 NX EX %d", uid, PRESENCE_EVERY_S) == 0;
}

int presence_marker_due(const redisReply *rep)
{
    return rep && rep->type == REDIS_REPLY_STATUS;
}

void presence_write(http_ctx_t *ctx)
{
    app_thread_t *t = ctx->thread;
    const char *uid = api_user_id(ctx);
    if (!uid)
        return;
    int own = t->conn && t->conn_pool == ctx->app->db;
    db_conn_t *db = own ? t->conn : db_acquire(ctx->app->db);
    if (!db)
        return;
    const char *p[] = {uid};
    PGresult *r = db_exec(db, &STMT_SEEN, p);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        log_warn("presence", "request %s: last_seen_at not updated", ctx->req->request_id);
        /* try again on the next request rather than in 10 minutes */
        redis_reply_free(redis_command(t->redis, "DEL seen:%s", uid));
    }
    PQclear(r);
    if (!own)
        db_release(ctx->app->db, db);
}
