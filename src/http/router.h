/* router: the one route table of the API. Each route declares its method, path pattern
 * (":name" segments capture), handler, the authorisation level and the rate-limit class,
 * so that authorisation and limits are decided in one place, not inside handlers. */
#ifndef CHATLINGS_ROUTER_H
#define CHATLINGS_ROUTER_H
#include <stddef.h>

#define ROUTER_MAX_PARAMS 4
#define ROUTER_MAX_SEGMENTS 12

struct http_ctx;
typedef void (*http_handler_fn)(struct http_ctx *ctx);

typedef enum { AUTH_PUBLIC, AUTH_PENDING, AUTH_SESSION, AUTH_ADMIN } route_auth_t;
typedef enum { RATE_READ, RATE_WRITE, RATE_SIGNIN, RATE_CHAT, RATE_NONE } route_rate_t;

typedef struct route {
    const char *method;    /* "GET", "POST", ... */
    const char *pattern;   /* "/api/creature/:id/details" */
    http_handler_fn handler;
    route_auth_t auth;
    route_rate_t rate;
    int needs_db;          /* 0 = handler never touches PostgreSQL (healthz) */
    int dev_only;          /* exists only in development: left out of the table in production */
} route_t;

typedef struct route_match {
    const route_t *route;  /* NULL when nothing matched */
    int path_matched;      /* a route had this path but another method: answer 405 */
    char allow[64];        /* "GET, POST" for the Allow header when path_matched */
    int nparams;
    struct { const char *start; size_t len; } params[ROUTER_MAX_PARAMS];
} route_match_t;

/* Matches method + path (no query string; path must start with '/').
 * Captured params point into path. Returns 0 if a route matched, -1 otherwise. */
int router_match(const route_t *routes, size_t nroutes, const char *method, size_t method_len, const char *path,
                 size_t path_len, route_match_t *out);

#endif
