/* app: the process-wide state handlers share (configuration, database pools) and the
 * state each handler thread owns (its Redis connection, the database connection it holds
 * during one request). Owner: cmd/serve.c creates both and frees them at shutdown. */
#ifndef CHATLINGS_APP_H
#define CHATLINGS_APP_H
#include "core/cidr.h"
#include "core/config.h"
#include "http/http.h"
#include "store/db.h"
#include "store/redis.h"
#include "store/session.h"

#define APP_MAX_ROUTES 256

typedef struct rate_rule { long limit, window_s; } rate_rule_t;

typedef struct app {
    const config_t *cfg;
    db_pool_t *db;        /* primary */
    db_pool_t *db_read;   /* read replica, or the primary when none is configured */
    rate_rule_t rates[RATE_NONE]; /* per route class, parsed from CHATLINGS_RATE_LIMITS */
    char public_origin[256];      /* scheme://host[:port] of cfg->public_url */
    route_t public_routes[APP_MAX_ROUTES]; /* APP_PUBLIC_ROUTES less dev-only routes in production */
    size_t npublic_routes;
    /* the admin listener (api/admin_gate.c: admin_init) */
    cidr_list_t admin_allow;               /* CHATLINGS_ADMIN_ALLOW */
    char admin_origin[256];                /* scheme://host[:port] of cfg->admin_url */
    route_t admin_routes[APP_MAX_ROUTES];  /* APP_ADMIN_ROUTES less dev-only routes in production */
    size_t nadmin_routes;
    struct blob_store *blob;      /* artwork, thumbnails, uploads (store/blob.h); opened by cmd/serve.c */
} app_t;

typedef struct app_thread {
    app_t *app;
    redis_t *redis;
    db_conn_t *conn;      /* held for the current request only; released by app_dispatch */
    db_pool_t *conn_pool;
    /* The rest describes the request this thread is handling; app_dispatch resets it. */
    session_t session;
    int has_session;      /* a valid session cookie came with the request */
    char client_ip[64];
} app_thread_t;

/* Fills the parts of app_t derived from the configuration. -1 with a message on bad settings. */
int app_init(app_t *app, const config_t *cfg, char *err, size_t errlen);

app_thread_t *app_thread_init(app_t *app);
void app_thread_free(app_thread_t *t);

/* Runs on a handler thread: common headers, authorisation by the route's level, the
 * handler, then releases whatever the handler held. */
void app_dispatch(http_ctx_t *ctx);

/* 1 when the request's Origin (or Sec-Fetch-Site) says it came from our own pages. */
int app_same_origin(http_ctx_t *ctx);

/* The headers every response carries (for http_server_opts_t.common_headers). */
const char *const *app_common_headers(const app_t *app);
/* The headers of the front end's static files: the same, with the pages' CSP instead. */
const char *const *app_static_headers(const app_t *app);

/* Answers CORS preflight requests (OPTIONS on a known path). */
void app_preflight(http_ctx_t *ctx);

/* The routes of each listener. */
extern const route_t APP_PUBLIC_ROUTES[];
extern const size_t APP_PUBLIC_ROUTES_COUNT;
/* The admin portal's listener (api/admin_routes.c). */
extern const route_t APP_ADMIN_ROUTES[];
extern const size_t APP_ADMIN_ROUTES_COUNT;

#endif
