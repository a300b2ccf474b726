/* http: the request and response a handler sees. The loop thread copies everything a
 * handler needs into one http_req_t (so the handler never touches libh2o or its memory),
 * and a handler fills one http_res_t that the loop thread sends.
 * Owner: the server allocates both per request and frees them after the response. */
#ifndef CHATLINGS_HTTP_H
#define CHATLINGS_HTTP_H
#include <stddef.h>

#include "core/buf.h"
#include "http/router.h"

#define HTTP_MAX_RES_HEADER_BYTES (64 * 1024)

typedef struct http_header {
    const char *name;   /* lower-case */
    size_t name_len;
    const char *value;
    size_t value_len;
} http_header_t;

typedef struct http_req {
    const char *method;
    size_t method_len;
    const char *path;      /* without the query string, NUL-terminated, not decoded */
    size_t path_len;
    const char *query;     /* after '?', NUL-terminated, or "" */
    size_t query_len;
    http_header_t *headers;
    size_t nheaders;
    const char *body;      /* NUL-terminated copy, or "" */
    size_t body_len;
    char remote_addr[64];  /* peer IP as text */
    const char *listener;  /* name of the listener it arrived on ("public", "admin", "ops"); NULL for WebSocket frames */
    char request_id[24];
    route_match_t match;
    int websocket_handshake;     /* a valid WebSocket upgrade request (GET + Upgrade + key) */
    /* For a message received on a WebSocket (method "WS", body = the text frame): */
    const char *ws_user_id;      /* the player the socket was opened for */
    unsigned long ws_client_id;  /* unique per socket within the process */
} http_req_t;

typedef struct http_res {
    int status;
    const char *content_type;  /* static string; default application/json */
    buf_t body;
    buf_t headers;             /* "name\0value\0" pairs, in order; see http_res_header */
    /* WebSocket instructions for the loop thread. On the upgrade request: accept + user_id.
     * On a message: body (if any) is sent back on the socket as a text frame; subscribe /
     * unsubscribe change the socket's topics; close_code closes it. */
    struct {
        int accept;
        char user_id[40];
        char subscribe[64];
        char unsubscribe[64];
        int close_code;
    } ws;
} http_res_t;

struct app;
struct app_thread;

/* What a handler receives: the request, the response to fill, the process-wide app state
 * and the state its own handler thread owns (its Redis connection). */
typedef struct http_ctx {
    http_req_t *req;
    http_res_t *res;
    struct app *app;
    struct app_thread *thread;
} http_ctx_t;

/* Header value by lower-case name (first match), NULL when absent. *len receives the length. */
const char *http_req_header(const http_req_t *req, const char *name, size_t *len);
/* Path parameter i (0-based) copied NUL-terminated into out; -1 when it does not fit. */
int http_req_param(const http_req_t *req, int i, char *out, size_t outlen);
/* Query parameter by name, URL-decoded into out. 1 found, 0 absent, -1 malformed or too long. */
int http_req_query(const http_req_t *req, const char *name, char *out, size_t outlen);
/* Decodes %XX and '+' (as space when plus_space). Returns length or -1 on bad escapes / overflow. */
int http_url_decode(const char *in, size_t len, char *out, size_t outlen, int plus_space);

void http_res_init(http_res_t *res);
void http_res_free(http_res_t *res);
/* Adds a header (name lower-case). All headers together are bounded by
 * HTTP_MAX_RES_HEADER_BYTES; past that the response becomes a 500. */
void http_res_header(http_res_t *res, const char *name, const char *value);
/* Sets status and replaces the body with the given JSON text. */
void http_res_json(http_res_t *res, int status, const char *json, size_t len);
/* The JSON error envelope {"error":{"code":..,"message":..}}. */
void http_res_error(http_res_t *res, int status, const char *code, const char *message);
/* The error code that goes with a status (400 -> bad_request, ...). */
const char *http_status_code_name(int status);

#endif
