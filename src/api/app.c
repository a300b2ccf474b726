/* app: per-thread state and the dispatch step every routed request goes through. */
#include "api/app.h"

#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/log.h"

app_thread_t *app_thread_init(app_t *app)
{
    app_thread_t *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->app = app;
    char err[256];
    redis_opts_t ro = {.url = app->cfg->redis_url,
                       .ca_file = app->cfg->redis_ca_file[0] ? app->cfg->redis_ca_file : NULL,
                       .connect_timeout_ms = 2000,
                       .command_timeout_ms = 2000};
    t->redis = redis_create(&ro, err, sizeof err);
    if (!t->redis)
        log_error("redis", "%s", err); /* config was validated at start-up; this is unexpected */
    return t;
}

void app_thread_free(app_thread_t *t)
{
    if (t->redis)
        redis_destroy(t->redis);
    free(t);
}

static void release_db(app_thread_t *t)
{
    if (t->conn) {
        db_release(t->conn_pool, t->conn);
        t->conn = NULL;
        t->conn_pool = NULL;
    }
}

void app_dispatch(http_ctx_t *ctx)
{
    const route_t *route = ctx->req->match.route;
    http_res_t *res = ctx->res;
    http_res_header(res, "cache-control", "no-store");
    http_res_header(res, "x-content-type-options", "nosniff");
    http_res_header(res, "referrer-policy", "strict-origin-when-cross-origin");
    http_res_header(res, "content-security-policy", "default-src 'none'; frame-ancestors 'none'");

    switch (route->auth) {
    case AUTH_PUBLIC:
        break;
    case AUTH_PENDING:
    case AUTH_SESSION:
        /* sessions arrive with the accounts issue; until then nobody is signed in */
        http_res_error(res, 401, "unauthorized", "sign in first");
        return;
    case AUTH_ADMIN:
        http_res_error(res, 401, "unauthorized", "sign in first");
        return;
    }
    route->handler(ctx);
    release_db(ctx->thread);
}

static db_conn_t *acquire(http_ctx_t *ctx, db_pool_t *pool)
{
    app_thread_t *t = ctx->thread;
    if (t->conn && t->conn_pool == pool)
        return t->conn;
    release_db(t);
    t->conn = db_acquire(pool);
    if (!t->conn) {
        http_res_error(ctx->res, 503, "unavailable", "the database is unavailable, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return NULL;
    }
    t->conn_pool = pool;
    return t->conn;
}

db_conn_t *api_db(http_ctx_t *ctx)
{
    return acquire(ctx, ctx->app->db);
}

db_conn_t *api_db_read(http_ctx_t *ctx)
{
    /* a request that already writes through the primary keeps reading there (read-your-writes) */
    if (ctx->thread->conn)
        return ctx->thread->conn;
    return acquire(ctx, ctx->app->db_read);
}

int api_check(http_ctx_t *ctx, PGresult *res)
{
    if (!res) {
        http_res_error(ctx->res, 503, "unavailable", "the database is unavailable, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return -1;
    }
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return 0;
    const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    /* 57014: statement timeout; class 08: connection exceptions; 53: insufficient resources */
    if (sqlstate && (!strcmp(sqlstate, "57014") || !strncmp(sqlstate, "08", 2) || !strncmp(sqlstate, "53", 2))) {
        log_warn("db_unavailable", "request %s: %s", ctx->req->request_id, PQresultErrorMessage(res));
        http_res_error(ctx->res, 503, "unavailable", "the database is busy, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
    } else {
        log_error("db_error", "request %s: %s", ctx->req->request_id, PQresultErrorMessage(res));
        http_res_error(ctx->res, 500, "internal", "something went wrong on our side");
    }
    PQclear(res);
    return -1;
}

int api_is_uuid(const char *s)
{
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return s[36] == '\0';
}

int api_query_int(http_ctx_t *ctx, const char *name, long def, long min, long max, long *out)
{
    char v[32], msg[160];
    int got = http_req_query(ctx->req, name, v, sizeof v);
    if (got == 0 || (got == 1 && v[0] == '\0')) {
        *out = def;
        return 0;
    }
    char *end = NULL;
    long n = got == 1 ? strtol(v, &end, 10) : 0;
    if (got < 0 || !end || *end || end == v || n < min || n > max) {
        snprintf(msg, sizeof msg, "%s must be an integer between %ld and %ld", name, min, max);
        http_res_error(ctx->res, 400, "bad_request", msg);
        return -1;
    }
    *out = n;
    return 0;
}
