/* app: the process-wide state handlers share (configuration, database pools) and the
 * state each handler thread owns (its Redis connection, the database connection it holds
 * during one request). Owner: cmd/serve.c creates both and frees them at shutdown. */
#ifndef CHATLINGS_APP_H
#define CHATLINGS_APP_H
#include "core/config.h"
#include "http/http.h"
#include "store/db.h"
#include "store/redis.h"

typedef struct app {
    const config_t *cfg;
    db_pool_t *db;        /* primary */
    db_pool_t *db_read;   /* read replica, or the primary when none is configured */
} app_t;

typedef struct app_thread {
    app_t *app;
    redis_t *redis;
    db_conn_t *conn;      /* held for the current request only; released by app_dispatch */
    db_pool_t *conn_pool;
} app_thread_t;

app_thread_t *app_thread_init(app_t *app);
void app_thread_free(app_thread_t *t);

/* Runs on a handler thread: common headers, authorisation by the route's level, the
 * handler, then releases whatever the handler held. */
void app_dispatch(http_ctx_t *ctx);

/* The routes of each listener. */
extern const route_t APP_PUBLIC_ROUTES[];
extern const size_t APP_PUBLIC_ROUTES_COUNT;

#endif
