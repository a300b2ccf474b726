/* server: libh2o (libuv flavour) loop threads that parse HTTP and route, and a pool of
 * handler threads that run the synchronous handlers (which may block on PostgreSQL/Redis).
 * The loop never blocks; responses come back to it through libh2o's multithread queue. */
#ifndef CHATLINGS_SERVER_H
#define CHATLINGS_SERVER_H
#include <stddef.h>

#include "http/http.h"

#define HTTP_MAX_LISTENERS 4

struct app;

typedef struct http_listener {
    const char *name;       /* "public", "admin", "ops" (for logs) */
    const char *addr;       /* "host:port"; NULL or "" = disabled */
    const route_t *routes;
    size_t nroutes;
    const char *static_dir; /* files served for GET/HEAD that no route matches (http/static.c); NULL = none */
    /* When set, static files go only to requests it admits (the admin allow-list); others get the 404. */
    int (*static_admit)(struct app *app, const http_req_t *req);
} http_listener_t;

typedef struct http_server_opts {
    http_listener_t listeners[HTTP_MAX_LISTENERS];
    int nlisteners;
    int loop_threads;
    int handler_threads;
    size_t body_limit;
    int header_timeout_ms;
    int max_queue;          /* requests waiting for a handler thread before 503; default 4096 */
    /* A request that waited longer than this for a handler thread is answered 503 instead of
     * run: when every thread is stuck (a full database pool, a locked table), the queue drains
     * fast instead of holding clients for the sum of everyone's waits. 0 = no limit. */
    int queue_timeout_ms;
    struct app *app;
    /* Creates / frees the state one handler thread owns (its Redis connection). */
    struct app_thread *(*thread_init)(struct app *app);
    void (*thread_free)(struct app_thread *t);
    /* Runs on a handler thread for every routed request: authorisation, limits, then
     * ctx->req->match.route->handler. When NULL the route handler is called directly. */
    void (*dispatch)(http_ctx_t *ctx);
    /* name, value, name, value, ..., NULL: added to every response, including the 404/405/503
     * answered on the loop thread (security headers). */
    const char *const *common_headers;
    /* The same for static files (the pages' own CSP); NULL = common_headers. */
    const char *const *static_headers;
    /* WebSockets: a routed GET on ws_path that is a WebSocket handshake is upgraded when its
     * handler sets res->ws.accept; each text frame then runs ws_message on a handler thread. */
    const char *ws_path;
    http_handler_fn ws_message;
    /* Handles OPTIONS on any path that some route serves (CORS preflight); NULL = 405. */
    http_handler_fn preflight;
    /* Called on the loop thread just before a response is sent (for metrics); may be NULL. */
    void (*on_response)(struct app *app, const http_req_t *req, int status, double duration_ms);
} http_server_opts_t;

/* Binds every listener, then serves until SIGTERM or SIGINT, then stops accepting,
 * lets in-flight requests finish (up to 10 s) and returns 0. Returns -1 if a listener
 * cannot be bound (message logged). */
int http_server_run(const http_server_opts_t *opts);

/* Asks a running server to stop as if it got SIGTERM (thread-safe). */
void http_server_request_stop(void);

/* Sends payload as a text frame to every WebSocket of this process subscribed to topic
 * (thread-safe; the pub/sub subscriber calls it for messages from any instance). */
void http_server_deliver(const char *topic, const char *payload, size_t len);
/* Whether a WebSocket of this process may hold topic (0: certainly none; thread-safe), so that
 * a delivery nobody here listens to costs nothing more. */
int http_server_has_topic(const char *topic);

/* Closes (1008 "session ended") every WebSocket of this process opened by user_id
 * (thread-safe; for a player whose sessions ended: suspended or deleted). */
void http_server_close_user(const char *user_id);

/* Open WebSockets in this process (for /metrics and tests). */
long http_server_ws_connections(void);

#endif
