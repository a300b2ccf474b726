/* health: liveness (the process answers) and readiness (PostgreSQL and Redis answer). */
#include "api/api.h"
#include "api/handlers.h"

void api_healthz(http_ctx_t *ctx)
{
    http_res_json(ctx->res, 200, "{\"status\":\"ok\"}", 15);
}

static const db_stmt_t STMT_PING = {"health_ping", "SELECT 1", 0};

void api_readyz(http_ctx_t *ctx)
{
    int pg_ok = 0, redis_ok = 0;
    db_conn_t *conn = db_acquire(ctx->app->db);
    if (conn) {
        PGresult *r = db_exec(conn, &STMT_PING, NULL);
        pg_ok = r && PQresultStatus(r) == PGRES_TUPLES_OK;
        if (r)
            PQclear(r);
        db_release(ctx->app->db, conn);
    }
    redisReply *reply = ctx->thread->redis ? redis_command(ctx->thread->redis, "PING") : NULL;
    redis_ok = reply && reply->type == REDIS_REPLY_STATUS;
    if (reply)
        freeReplyObject(reply);
    int ready = pg_ok && redis_ok;
    buf_t *b = &ctx->res->body;
    ctx->res->status = ready ? 200 : 503;
    buf_printf(b, "{\"status\":\"%s\",\"checks\":{\"postgres\":\"%s\",\"redis\":\"%s\"}}", ready ? "ready" : "unavailable",
               pg_ok ? "ok" : "down", redis_ok ? "ok" : "down");
    if (!ready)
        http_res_header(ctx->res, "retry-after", "2");
}
