/* server: libh2o on libuv. Loop threads accept, parse and route; a job carrying a private
 * copy of the request goes to the handler pool; the finished job comes back to its loop
 * through h2o's multithread queue and is sent there. Only loop threads touch h2o objects. */
#include "http/server.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>
#include <h2o/websocket.h>
#include <uv.h>

#include "core/buf.h"
#include "core/log.h"
#include "store/metrics.h"
#include "http/static.h"

#define DRAIN_LIMIT_MS 10000
#define WS_MAX_TOPICS 16
#define WS_TOPIC_BUCKETS 4096
#define WS_TOPIC_LEN 64
#define WS_MAX_MESSAGE 4096          /* a chat line is at most 500 characters; frames past this close with 1009 */
#define WS_MAX_QUEUED (256 * 1024)   /* bytes waiting for a slow client before it is cut off */
#define WS_MAX_INFLIGHT 8            /* frames of one socket being handled at once */
#define WS_PING_MS 20000
#define WS_IDLE_MS 60000             /* no frame (not even a pong) for this long: the client is gone */

typedef struct loop_thread loop_thread_t;

typedef struct listener_state {
    const http_listener_t *conf;
    uv_tcp_t handle;
    int fd;
    uint16_t port;
    h2o_accept_ctx_t accept_ctx;
    static_files_t *statics;   /* this loop thread's view of conf->static_dir, or NULL */
} listener_state_t;

struct loop_thread {
    int index;
    pthread_t tid;
    uv_loop_t loop;
    h2o_context_t ctx;
    listener_state_t listeners[HTTP_MAX_LISTENERS];
    int nlisteners;
    h2o_multithread_receiver_t receiver;
    uv_async_t stop_async;
    uv_timer_t drain_timer;
    uv_signal_t sigterm, sigint;
    long inflight;       /* requests handed to the pool and not yet answered (loop thread only) */
    h2o_multithread_receiver_t ws_receiver; /* topic deliveries from the pub/sub thread */
    h2o_linklist_t ws_clients;
    uv_timer_t ws_timer;
    int stopping;
    uint64_t stop_started_ms;
};

/* One WebSocket. Owned by its loop thread; freed when the socket is closed and no frame of
 * it is still being handled in the pool (refs). */
typedef struct ws_client {
    h2o_websocket_conn_t *conn;   /* NULL once closed */
    loop_thread_t *lt;
    h2o_linklist_t link;
    unsigned long id;
    char user_id[40];
    char topics[WS_MAX_TOPICS][WS_TOPIC_LEN];
    int ntopics;
    int inflight;
    int refs;
    uint64_t last_seen_ms;
} ws_client_t;

typedef struct ws_delivery {
    h2o_multithread_message_t super;
    size_t len;
    int close_user;            /* not a message: close the sockets of the user id in payload */
    char topic[WS_TOPIC_LEN];
    char payload[];
} ws_delivery_t;

typedef struct job {
    h2o_multithread_message_t super;
    struct job *next;          /* work queue link */
    loop_thread_t *lt;
    const listener_state_t *ls; /* the listener it came in on (one getsockname per request) */
    h2o_req_t *req;            /* NULL once h2o disposed of the request (client gone) */
    struct job **slot;         /* lives in req->pool; lets the pool's dispose find this job */
    ws_client_t *ws;           /* a frame of this socket (then req is NULL) */
    char ws_key[32];           /* Sec-WebSocket-Key of an upgrade request */
    uint64_t start_ns;
    http_req_t hreq;
    http_res_t hres;
    http_header_t headers[];   /* followed by the copied strings */
} job_t;

static struct {
    const http_server_opts_t *opts;
    h2o_globalconf_t globalconf;
    loop_thread_t *loops;
    int nloops;
    /* handler pool */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    job_t *head, *tail;
    int queued;
    int stop_handlers;
    pthread_t *handler_tids;
    atomic_int stop_requested;
    atomic_ulong request_counter;
    char id_prefix[9];
    route_t preflight_route;   /* OPTIONS on any served path goes to opts->preflight */
    route_t ws_message_route;  /* WebSocket frames go to opts->ws_message */
    atomic_long ws_open;
    atomic_ulong ws_next_id;
    /* How many sockets here hold a topic of each hash bucket, so that a delivery nobody here
     * listens to (most notifications: their players have no page open) wakes no loop thread.
     * Two topics sharing a bucket only cost the full path. */
    atomic_int topic_sockets[WS_TOPIC_BUCKETS];
} S;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

/* ---- access log ---- */

static void log_access(const http_req_t *r, const char *listener, int status, double ms)
{
    buf_t b;
    buf_init(&b, 8192);
    buf_puts(&b, "\"request_id\":");
    buf_json_cstr(&b, r->request_id);
    buf_puts(&b, ",\"listener\":");
    buf_json_cstr(&b, listener);
    buf_puts(&b, ",\"method\":");
    buf_json_str(&b, r->method, r->method_len);
    buf_puts(&b, ",\"path\":");
    buf_json_str(&b, r->path, r->path_len > 512 ? 512 : r->path_len);
    buf_puts(&b, ",\"route\":");
    buf_json_cstr(&b, r->match.route ? r->match.route->pattern : NULL);
    buf_printf(&b, ",\"status\":%d,\"duration_ms\":%.3f,\"remote\":", status, ms);
    buf_json_cstr(&b, r->remote_addr);
    log_json(status >= 500 ? LOG_WARN : LOG_INFO, "request", b.data);
    buf_free(&b);
}

/* ---- sending (loop thread) ---- */

static void add_header(h2o_req_t *req, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    h2o_iovec_t n = h2o_strdup(&req->pool, name, nl);
    h2o_iovec_t v = h2o_strdup(&req->pool, value, vl);
    h2o_add_header_by_str(&req->pool, &req->res.headers, n.base, n.len, 1, NULL, v.base, v.len);
}

static void send_response(h2o_req_t *req, const http_res_t *res, const char *request_id)
{
    req->res.status = res->status;
    req->res.reason = reason_phrase(res->status);
    if (res->content_type)
        add_header(req, "content-type", res->content_type);
    add_header(req, "x-request-id", request_id);
    for (const char *const *h = S.opts->common_headers; h && h[0]; h += 2)
        add_header(req, h[0], h[1]);
    for (size_t off = 0; off < res->headers.len;) {
        const char *name = res->headers.data + off;
        const char *value = name + strlen(name) + 1;
        add_header(req, name, value);
        off = (size_t)(value + strlen(value) + 1 - res->headers.data);
    }
    req->res.content_length = res->body.len; /* lets h2o skip chunked encoding */
    h2o_send_inline(req, res->body.data ? res->body.data : "", res->body.len);
}

/* Answers on the loop thread without the pool (404, 405, 503 when the queue is full). */
static void send_direct_error(h2o_req_t *req, http_req_t *hreq, const char *listener, int status, const char *message,
                              const char *allow, uint64_t start_ns)
{
    http_res_t res;
    http_res_init(&res);
    http_res_error(&res, status, NULL, message);
    http_res_header(&res, "cache-control", "no-store");
    if (allow)
        http_res_header(&res, "allow", allow);
    if (status == 503)
        http_res_header(&res, "retry-after", "1");
    send_response(req, &res, hreq->request_id);
    double ms = (double)(now_ns() - start_ns) / 1e6;
    log_access(hreq, listener, status, ms);
    if (S.opts->on_response)
        S.opts->on_response(S.opts->app, hreq, status, ms);
    http_res_free(&res);
}

/* ---- the handler pool ---- */

static void queue_push(job_t *job)
{
    job->next = NULL;
    if (S.tail)
        S.tail->next = job;
    else
        S.head = job;
    S.tail = job;
    S.queued++;
}

static job_t *queue_pop_wait(void)
{
    pthread_mutex_lock(&S.mu);
    while (!S.head && !S.stop_handlers)
        pthread_cond_wait(&S.cond, &S.mu);
    job_t *job = S.head;
    if (job) {
        S.head = job->next;
        if (!S.head)
            S.tail = NULL;
        S.queued--;
    }
    pthread_mutex_unlock(&S.mu);
    return job;
}

static void *handler_main(void *arg)
{
    (void)arg;
    struct app_thread *t = S.opts->thread_init ? S.opts->thread_init(S.opts->app) : NULL;
    job_t *job;
    while ((job = queue_pop_wait()) != NULL) {
        http_ctx_t ctx = {.req = &job->hreq, .res = &job->hres, .app = S.opts->app, .thread = t};
        /* WebSocket frames are always run: a chat line is not dropped for being late */
        uint64_t waited_ms = (now_ns() - job->start_ns) / 1000000u;
        if (!job->ws && S.opts->queue_timeout_ms > 0 && waited_ms > (uint64_t)S.opts->queue_timeout_ms) {
            http_res_error(&job->hres, 503, "unavailable", "the server is busy, try again shortly");
            http_res_header(&job->hres, "cache-control", "no-store");
            http_res_header(&job->hres, "retry-after", "1");
        } else if (S.opts->dispatch)
            S.opts->dispatch(&ctx);
        else
            job->hreq.match.route->handler(&ctx);
        if (job->hres.body.overflow || job->hres.headers.overflow) {
            buf_reset(&job->hres.headers);
            http_res_error(&job->hres, 500, "internal", "the response was too large");
        }
        h2o_multithread_send_message(&job->lt->receiver, &job->super);
    }
    if (S.opts->thread_free && t)
        S.opts->thread_free(t);
    return NULL;
}

/* Hands a job to the pool; 1 (and nothing queued) when the queue is full. */
static int job_enqueue(job_t *job)
{
    pthread_mutex_lock(&S.mu);
    int full = S.queued >= S.opts->max_queue;
    if (!full) {
        queue_push(job);
        pthread_cond_signal(&S.cond);
    }
    pthread_mutex_unlock(&S.mu);
    return full;
}

/* ---- request intake (loop thread) ---- */

static void on_req_dispose(void *p)
{
    job_t **slot = p;
    if (*slot)
        (*slot)->req = NULL;
}

static const listener_state_t *listener_of(loop_thread_t *lt, h2o_req_t *req)
{
    struct sockaddr_storage ss;
    socklen_t len = req->conn->callbacks->get_sockname(req->conn, (struct sockaddr *)&ss);
    uint16_t port = 0;
    if (len && ss.ss_family == AF_INET)
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    else if (len && ss.ss_family == AF_INET6)
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    for (int i = 0; i < lt->nlisteners; i++)
        if (lt->listeners[i].port == port)
            return &lt->listeners[i];
    return &lt->listeners[0];
}

static void peer_address(h2o_req_t *req, char *out, size_t outlen)
{
    struct sockaddr_storage ss;
    socklen_t len = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    out[0] = '\0';
    if (!len || getnameinfo((struct sockaddr *)&ss, len, out, (socklen_t)outlen, NULL, 0, NI_NUMERICHOST))
        snprintf(out, outlen, "unknown");
}

/* Copies everything a handler may read out of h2o memory into one allocation. */
static job_t *job_create(loop_thread_t *lt, h2o_req_t *req, uint64_t start_ns)
{
    size_t path_len = req->path.len, query_len = 0;
    if (req->query_at != SIZE_MAX) {
        path_len = req->query_at;
        query_len = req->path.len - req->query_at - 1;
    }
    /* h2o keeps Host out of req->headers (it is the authority); handlers see it as "host" */
    size_t nh = req->headers.size + 1;
    size_t bytes = sizeof(job_t) + nh * sizeof(http_header_t) + req->method.len + 1 + path_len + 1 + query_len + 1 +
                   req->entity.len + 1;
    for (size_t i = 0; i < nh; i++)
        bytes += i + 1 < nh ? req->headers.entries[i].name->len + 1 + req->headers.entries[i].value.len + 1
                            : sizeof "host" + req->input.authority.len + 1;
    job_t *job = calloc(1, bytes);
    if (!job)
        return NULL;
    job->lt = lt;
    job->req = req;
    job->start_ns = start_ns;
    char *p = (char *)(job->headers + nh);
#define COPY(dst, src, n)            \
    do {                             \
        memcpy(p, (src), (n));       \
        p[(n)] = '\0';               \
        (dst) = p;                   \
        p += (n) + 1;                \
    } while (0)
    http_req_t *h = &job->hreq;
    COPY(h->method, req->method.base, req->method.len);
    h->method_len = req->method.len;
    COPY(h->path, req->path.base, path_len);
    h->path_len = path_len;
    COPY(h->query, query_len ? req->path.base + req->query_at + 1 : "", query_len);
    h->query_len = query_len;
    COPY(h->body, req->entity.base ? req->entity.base : "", req->entity.base ? req->entity.len : 0);
    h->body_len = req->entity.base ? req->entity.len : 0;
    h->headers = job->headers;
    h->nheaders = nh;
    COPY(job->headers[nh - 1].name, "host", 4);
    job->headers[nh - 1].name_len = 4;
    COPY(job->headers[nh - 1].value, req->input.authority.base ? req->input.authority.base : "", req->input.authority.len);
    job->headers[nh - 1].value_len = req->input.authority.len;
    for (size_t i = 0; i + 1 < nh; i++) {
        const h2o_header_t *src = &req->headers.entries[i];
        http_header_t *dst = &job->headers[i];
        char *name = p;
        COPY(dst->name, src->name->base, src->name->len);
        for (size_t k = 0; k < src->name->len; k++)
            if (name[k] >= 'A' && name[k] <= 'Z')
                name[k] = (char)(name[k] + 32);
        dst->name_len = src->name->len;
        COPY(dst->value, src->value.base, src->value.len);
        dst->value_len = src->value.len;
    }
#undef COPY
    http_res_init(&job->hres);
    return job;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    loop_thread_t *lt = H2O_STRUCT_FROM_MEMBER(loop_thread_t, ctx, req->conn->ctx);
    uint64_t start = now_ns();
    const listener_state_t *ls = listener_of(lt, req);

    job_t *job = job_create(lt, req, start);
    if (!job) {
        static const char oom[] = "{\"error\":{\"code\":\"unavailable\",\"message\":\"out of memory\"}}";
        req->res.status = 503;
        req->res.reason = "Service Unavailable";
        h2o_send_inline(req, oom, sizeof oom - 1);
        return 0;
    }
    job->ls = ls;
    http_req_t *h = &job->hreq;
    snprintf(h->request_id, sizeof h->request_id, "%s%012lx", S.id_prefix,
             (unsigned long)atomic_fetch_add(&S.request_counter, 1) & 0xffffffffffffUL);
    peer_address(req, h->remote_addr, sizeof h->remote_addr);

    const http_listener_t *lc = ls->conf;
    h->listener = lc->name; /* dispatch applies the admin listener's own rules (api/admin_gate.c) */
    int routed = router_match(lc->routes, lc->nroutes, h->method, h->method_len, h->path, h->path_len, &h->match);
    if (routed != 0 && h->match.path_matched && S.opts->preflight && h->method_len == 7 &&
        !memcmp(h->method, "OPTIONS", 7)) {
        h->match.route = &S.preflight_route;
        routed = 0;
    }
    /* no route: a GET or HEAD may be a file of the front end */
    if (routed != 0 && !h->match.path_matched && ls->statics &&
        (!lc->static_admit || lc->static_admit(S.opts->app, h)) &&
        ((h->method_len == 3 && !memcmp(h->method, "GET", 3)) || (h->method_len == 4 && !memcmp(h->method, "HEAD", 4))) &&
        static_serve(ls->statics, req, h->request_id) == 0) {
        double ms = (double)(now_ns() - start) / 1e6;
        log_access(h, lc->name, req->res.status, ms);
        if (S.opts->on_response)
            S.opts->on_response(S.opts->app, h, req->res.status, ms);
        http_res_free(&job->hres);
        free(job);
        return 0;
    }
    if (routed != 0) {
        if (h->match.path_matched)
            send_direct_error(req, h, lc->name, 405, "method not allowed", h->match.allow, start);
        else
            send_direct_error(req, h, lc->name, 404, "no such resource", NULL, start);
        http_res_free(&job->hres);
        free(job);
        return 0;
    }

    if (S.opts->ws_path && h->path_len == strlen(S.opts->ws_path) && !memcmp(h->path, S.opts->ws_path, h->path_len)) {
        const char *key = NULL;
        if (h2o_is_websocket_handshake(req, &key) == 0 && key && req->version < 0x200) {
            memcpy(job->ws_key, key, 24);
            h->websocket_handshake = 1;
        }
    }
    job->slot = h2o_mem_alloc_shared(&req->pool, sizeof(job_t *), on_req_dispose);
    *job->slot = job;
    int full = job_enqueue(job);
    if (full) {
        *job->slot = NULL;
        send_direct_error(req, h, lc->name, 503, "the server is busy, try again", NULL, start);
        http_res_free(&job->hres);
        free(job);
        return 0;
    }
    lt->inflight++;
    return 0;
}

static void ws_frame_done(job_t *job);
static void ws_upgrade(loop_thread_t *lt, job_t *job);

/* Finished jobs arrive here on their loop thread. */
static void on_jobs_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    loop_thread_t *lt = H2O_STRUCT_FROM_MEMBER(loop_thread_t, receiver, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&msg->link);
        job_t *job = (job_t *)msg;
        double ms = (double)(now_ns() - job->start_ns) / 1e6;
        if (job->ws) {
            ws_frame_done(job);
            http_res_free(&job->hres);
            free(job);
            continue;
        }
        if (job->req) {
            *job->slot = NULL;
            const listener_state_t *ls = job->ls;
            if (job->hres.ws.accept && job->hreq.websocket_handshake)
                ws_upgrade(lt, job);
            else
                send_response(job->req, &job->hres, job->hreq.request_id);
            log_access(&job->hreq, ls->conf->name, job->hres.ws.accept ? 101 : job->hres.status, ms);
        } else {
            log_access(&job->hreq, "gone", 499, ms);
        }
        if (S.opts->on_response)
            S.opts->on_response(S.opts->app, &job->hreq, job->req ? job->hres.status : 499, ms);
        lt->inflight--;
        http_res_free(&job->hres);
        free(job);
    }
}

/* ---- WebSockets (loop thread) ---- */

static uint64_t now_ms(void);

/* noinline: inlined into callers that hold another reference, GCC's -Wuse-after-free cannot
 * see that the count never reaches zero there (a false positive). */
__attribute__((noinline)) static void ws_unref(ws_client_t *c)
{
    if (--c->refs == 0)
        free(c);
}

/* Closes the socket at once (no close frame) and drops the connection's reference; the
 * caller holds another, so c stays valid until the caller's ws_unref. */
/* libh2o hands out the connection before the 101 has been written: until then its socket is
 * NULL and h2o_websocket_proceed would dereference it. Frames queued meanwhile are sent by
 * libh2o itself once the upgrade completes. */
static int ws_upgraded(const ws_client_t *c)
{
    return c->conn && c->conn->sock;
}

static void ws_detach(ws_client_t *c);

static void ws_close_now(ws_client_t *c)
{
    ws_detach(c);
    c->refs--;
}

/* For a dead or hopelessly slow peer. Not before the upgrade is done: libh2o still holds the
 * connection then and would complete the upgrade on freed memory. */
static void ws_drop(ws_client_t *c)
{
    if (!ws_upgraded(c))
        return;
    c->refs++;
    ws_close_now(c);
    ws_unref(c);
}

/* Runs wslay until it can make no progress; the socket may be closed (and c->conn NULL) after. */
static void ws_proceed(ws_client_t *c)
{
    if (!ws_upgraded(c))
        return;
    c->refs++; /* h2o may close the socket inside proceed, which drops the connection's ref */
    h2o_websocket_proceed(c->conn);
    if (c->conn && wslay_event_get_queued_msg_length(c->conn->ws_ctx) > WS_MAX_QUEUED)
        ws_close_now(c); /* never buffer without bound for a client that does not read */
    ws_unref(c);
}

static void ws_send_text(ws_client_t *c, const char *text, size_t len)
{
    if (!c->conn || len == 0)
        return;
    struct wslay_event_msg m = {.opcode = WSLAY_TEXT_FRAME, .msg = (const uint8_t *)text, .msg_length = len};
    wslay_event_queue_msg(c->conn->ws_ctx, &m);
    ws_proceed(c);
}

static void ws_close(ws_client_t *c, int code, const char *reason)
{
    if (!c->conn)
        return;
    wslay_event_queue_close(c->conn->ws_ctx, (uint16_t)code, (const uint8_t *)reason, strlen(reason));
    ws_proceed(c);
}

static int ws_topic_index(const ws_client_t *c, const char *topic)
{
    for (int i = 0; i < c->ntopics; i++)
        if (!strcmp(c->topics[i], topic))
            return i;
    return -1;
}

/* FNV-1a */
static atomic_int *topic_bucket(const char *topic)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)topic; *p; p++)
        h = (h ^ *p) * 16777619u;
    return &S.topic_sockets[h % WS_TOPIC_BUCKETS];
}

static void ws_subscribe(ws_client_t *c, const char *topic)
{
    if (!topic[0] || ws_topic_index(c, topic) >= 0 || c->ntopics == WS_MAX_TOPICS)
        return;
    snprintf(c->topics[c->ntopics++], WS_TOPIC_LEN, "%s", topic);
    atomic_fetch_add(topic_bucket(topic), 1);
}

static void ws_unsubscribe(ws_client_t *c, const char *topic)
{
    int i = ws_topic_index(c, topic);
    if (i < 0)
        return;
    atomic_fetch_sub(topic_bucket(c->topics[i]), 1);
    memcpy(c->topics[i], c->topics[c->ntopics - 1], WS_TOPIC_LEN);
    c->ntopics--;
}

/* The socket leaves its loop's list (closed): nothing is delivered to it any more. */
static void ws_detach(ws_client_t *c)
{
    h2o_websocket_conn_t *conn = c->conn;
    c->conn = NULL;
    h2o_linklist_unlink(&c->link);
    while (c->ntopics > 0)
        ws_unsubscribe(c, c->topics[c->ntopics - 1]);
    atomic_fetch_sub(&S.ws_open, 1);
    metrics_ws_closed();
    h2o_websocket_close(conn);
}

/* A text frame becomes a job for the pool, like a request. */
static void ws_frame_to_job(ws_client_t *c, const uint8_t *data, size_t len)
{
    if (c->inflight >= WS_MAX_INFLIGHT) {
        static const char busy[] = "{\"type\":\"error\",\"code\":\"rate_limited\",\"message\":\"slow down\"}";
        ws_send_text(c, busy, sizeof busy - 1);
        return;
    }
    job_t *job = calloc(1, sizeof(job_t) + len + 1);
    if (!job)
        return;
    char *body = (char *)(job->headers);
    memcpy(body, data, len);
    body[len] = '\0';
    job->lt = c->lt;
    job->ws = c;
    job->start_ns = now_ns();
    http_req_t *h = &job->hreq;
    h->method = "WS";
    h->method_len = 2;
    h->path = S.opts->ws_path;
    h->path_len = strlen(S.opts->ws_path);
    h->query = "";
    h->body = body;
    h->body_len = len;
    h->ws_user_id = c->user_id;
    h->ws_client_id = c->id;
    h->match.route = &S.ws_message_route;
    snprintf(h->request_id, sizeof h->request_id, "%s%012lx", S.id_prefix,
             (unsigned long)atomic_fetch_add(&S.request_counter, 1) & 0xffffffffffffUL);
    http_res_init(&job->hres);
    if (job_enqueue(job)) {
        http_res_free(&job->hres);
        free(job);
        static const char busy[] = "{\"type\":\"error\",\"code\":\"unavailable\",\"message\":\"the server is busy\"}";
        ws_send_text(c, busy, sizeof busy - 1);
        return;
    }
    c->inflight++;
    c->refs++;
    c->lt->inflight++;
}

static void on_ws_message(h2o_websocket_conn_t *conn, const struct wslay_event_on_msg_recv_arg *arg)
{
    ws_client_t *c = conn->data;
    if (!arg) { /* closed by the peer, an error, or after our close handshake */
        if (c->conn) {
            ws_detach(c);
            ws_unref(c);
        }
        return;
    }
    c->last_seen_ms = now_ms();
    if (arg->opcode == WSLAY_TEXT_FRAME)
        ws_frame_to_job(c, arg->msg, arg->msg_length);
    else if (arg->opcode == WSLAY_BINARY_FRAME)
        ws_close(c, 1003, "text frames only");
}

static void ws_upgrade(loop_thread_t *lt, job_t *job)
{
    ws_client_t *c = calloc(1, sizeof *c);
    if (!c) {
        send_response(job->req, &job->hres, job->hreq.request_id);
        return;
    }
    c->lt = lt;
    c->refs = 1;
    c->id = atomic_fetch_add(&S.ws_next_id, 1) + 1;
    c->last_seen_ms = now_ms();
    snprintf(c->user_id, sizeof c->user_id, "%s", job->hres.ws.user_id);
    if (job->hres.ws.subscribe[0])
        ws_subscribe(c, job->hres.ws.subscribe);
    /* A small send buffer keeps the kernel from soaking up megabytes for a client that
     * stopped reading, so WS_MAX_QUEUED notices it; chat frames are small anyway. */
    h2o_socket_t *sock = job->req->conn->callbacks->get_socket ? job->req->conn->callbacks->get_socket(job->req->conn) : NULL;
    int fd = sock ? h2o_socket_get_fd(sock) : -1;
    if (fd >= 0) {
        int sndbuf = 64 * 1024;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    }
    c->conn = h2o_upgrade_to_websocket(job->req, job->ws_key, c, on_ws_message);
    wslay_event_config_set_max_recv_msg_length(c->conn->ws_ctx, WS_MAX_MESSAGE);
    h2o_linklist_insert(&lt->ws_clients, &c->link);
    atomic_fetch_add(&S.ws_open, 1);
    metrics_ws_opened();
}

/* A frame's job came back from the pool: reply, change topics, maybe close. */
static void ws_frame_done(job_t *job)
{
    ws_client_t *c = job->ws;
    c->inflight--;
    job->lt->inflight--;
    if (c->conn) {
        const http_res_t *r = &job->hres;
        if (r->ws.unsubscribe[0])
            ws_unsubscribe(c, r->ws.unsubscribe);
        if (r->ws.subscribe[0])
            ws_subscribe(c, r->ws.subscribe);
        if (r->body.len)
            ws_send_text(c, r->body.data, r->body.len);
        if (r->ws.close_code)
            ws_close(c, r->ws.close_code, "closing");
    }
    ws_unref(c);
}

static void on_ws_deliveries(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    loop_thread_t *lt = H2O_STRUCT_FROM_MEMBER(loop_thread_t, ws_receiver, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&msg->link);
        ws_delivery_t *d = (ws_delivery_t *)msg;
        h2o_linklist_t *node = lt->ws_clients.next;
        while (node != &lt->ws_clients) {
            ws_client_t *c = H2O_STRUCT_FROM_MEMBER(ws_client_t, link, node);
            node = node->next; /* c may be dropped below */
            if (d->close_user) {
                if (!strcmp(c->user_id, d->payload))
                    ws_close(c, 1008, "session ended");
            } else if (ws_topic_index(c, d->topic) >= 0) {
                ws_send_text(c, d->payload, d->len);
            }
        }
        free(d);
    }
}

static void to_every_loop(const char *topic, const char *payload, size_t len, int close_user)
{
    for (int i = 0; i < S.nloops; i++) {
        ws_delivery_t *d = malloc(sizeof *d + len + 1);
        if (!d)
            return;
        memset(&d->super, 0, sizeof d->super);
        d->close_user = close_user;
        snprintf(d->topic, sizeof d->topic, "%s", topic);
        memcpy(d->payload, payload, len);
        d->payload[len] = '\0';
        d->len = len;
        h2o_multithread_send_message(&S.loops[i].ws_receiver, &d->super);
    }
}

int http_server_has_topic(const char *topic)
{
    return strlen(topic) < WS_TOPIC_LEN && atomic_load(topic_bucket(topic)) > 0;
}

void http_server_deliver(const char *topic, const char *payload, size_t len)
{
    if (http_server_has_topic(topic))
        to_every_loop(topic, payload, len, 0);
}

void http_server_close_user(const char *user_id)
{
    if (user_id && user_id[0])
        to_every_loop("", user_id, strlen(user_id), 1);
}

long http_server_ws_connections(void)
{
    return atomic_load(&S.ws_open);
}

/* Pings every socket; drops the ones that have been silent too long. */
static void on_ws_timer(uv_timer_t *t)
{
    loop_thread_t *lt = H2O_STRUCT_FROM_MEMBER(loop_thread_t, ws_timer, t);
    uint64_t now = now_ms();
    h2o_linklist_t *node = lt->ws_clients.next;
    while (node != &lt->ws_clients) {
        ws_client_t *c = H2O_STRUCT_FROM_MEMBER(ws_client_t, link, node);
        node = node->next;
        if (now - c->last_seen_ms > WS_IDLE_MS) {
            ws_drop(c);
            continue;
        }
        struct wslay_event_msg ping = {.opcode = WSLAY_PING, .msg = NULL, .msg_length = 0};
        wslay_event_queue_msg(c->conn->ws_ctx, &ping);
        ws_proceed(c);
    }
}

/* Going away: every socket gets a 1001 close frame. */
static void ws_close_all(loop_thread_t *lt)
{
    h2o_linklist_t *node = lt->ws_clients.next;
    while (node != &lt->ws_clients) {
        ws_client_t *c = H2O_STRUCT_FROM_MEMBER(ws_client_t, link, node);
        node = node->next;
        ws_close(c, 1001, "server shutting down");
    }
}

/* ---- listeners ---- */

static int parse_addr(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || !colon[1])
        return -1;
    const char *h = addr;
    size_t hl = (size_t)(colon - addr);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl + 1 > hostlen || strlen(colon + 1) + 1 > portlen)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, portlen, "%s", colon + 1);
    return 0;
}

/* SO_REUSEPORT lets every loop thread own an accept socket on the same port
 * (libuv 1.44 has no flag for it, so the socket is made here and handed to uv_tcp_open). */
static int bind_socket(const char *addr, uint16_t *bound_port)
{
    char host[256], port[16];
    if (parse_addr(addr, host, sizeof host, port, sizeof port))
        return -1;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai;
    if (getaddrinfo(host, port, &hints, &ai))
        return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) || bind(fd, ai->ai_addr, ai->ai_addrlen) ||
        listen(fd, 4096)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        errno = e;
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static void on_conn_close(uv_handle_t *h)
{
    free(h);
}

static void on_accept(uv_stream_t *server, int status)
{
    if (status != 0)
        return;
    listener_state_t *ls = H2O_STRUCT_FROM_MEMBER(listener_state_t, handle, (uv_tcp_t *)server);
    uv_tcp_t *conn = malloc(sizeof *conn);
    if (!conn)
        return;
    uv_tcp_init(server->loop, conn);
    if (uv_accept(server, (uv_stream_t *)conn) != 0) {
        uv_close((uv_handle_t *)conn, on_conn_close);
        return;
    }
    uv_tcp_nodelay(conn, 1);
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)conn, on_conn_close);
    h2o_accept(&ls->accept_ctx, sock);
}

/* ---- stopping ---- */

static uint64_t now_ms(void)
{
    return now_ns() / 1000000u;
}

static void on_drain_tick(uv_timer_t *t)
{
    loop_thread_t *lt = H2O_STRUCT_FROM_MEMBER(loop_thread_t, drain_timer, t);
    if (lt->inflight == 0 || now_ms() - lt->stop_started_ms > DRAIN_LIMIT_MS) {
        if (lt->inflight)
            log_warn("shutdown", "gave up waiting for %ld in-flight requests", lt->inflight);
        uv_stop(&lt->loop);
    }
}

static void begin_stop(loop_thread_t *lt)
{
    if (lt->stopping)
        return;
    lt->stopping = 1;
    lt->stop_started_ms = now_ms();
    for (int i = 0; i < lt->nlisteners; i++)
        uv_close((uv_handle_t *)&lt->listeners[i].handle, NULL);
    h2o_context_request_shutdown(&lt->ctx);
    ws_close_all(lt);
    /* keep ticking for a little while after the last response so its bytes get written */
    uv_timer_start(&lt->drain_timer, on_drain_tick, 50, 50);
}

static void on_stop_async(uv_async_t *a)
{
    begin_stop(H2O_STRUCT_FROM_MEMBER(loop_thread_t, stop_async, a));
}

void http_server_request_stop(void)
{
    if (atomic_exchange(&S.stop_requested, 1))
        return;
    for (int i = 0; i < S.nloops; i++)
        uv_async_send(&S.loops[i].stop_async);
}

static void on_signal(uv_signal_t *s, int signum)
{
    log_info("shutdown", "signal %d: finishing in-flight requests", signum);
    http_server_request_stop();
}

static void *loop_main(void *arg)
{
    loop_thread_t *lt = arg;
    uv_run(&lt->loop, UV_RUN_DEFAULT);
    return NULL;
}

static int loop_setup(loop_thread_t *lt, int index)
{
    const http_server_opts_t *o = S.opts;
    lt->index = index;
    uv_loop_init(&lt->loop);
    h2o_context_init(&lt->ctx, &lt->loop, &S.globalconf);
    h2o_multithread_register_receiver(lt->ctx.queue, &lt->receiver, on_jobs_done);
    h2o_multithread_register_receiver(lt->ctx.queue, &lt->ws_receiver, on_ws_deliveries);
    h2o_linklist_init_anchor(&lt->ws_clients);
    uv_timer_init(&lt->loop, &lt->ws_timer);
    uv_timer_start(&lt->ws_timer, on_ws_timer, WS_PING_MS, WS_PING_MS);
    uv_async_init(&lt->loop, &lt->stop_async, on_stop_async);
    uv_timer_init(&lt->loop, &lt->drain_timer);
    if (index == 0) {
        uv_signal_init(&lt->loop, &lt->sigterm);
        uv_signal_start(&lt->sigterm, on_signal, SIGTERM);
        uv_signal_init(&lt->loop, &lt->sigint);
        uv_signal_start(&lt->sigint, on_signal, SIGINT);
    }
    for (int i = 0; i < o->nlisteners; i++) {
        const http_listener_t *l = &o->listeners[i];
        if (!l->addr || !*l->addr)
            continue;
        listener_state_t *ls = &lt->listeners[lt->nlisteners];
        ls->conf = l;
        ls->fd = bind_socket(l->addr, &ls->port);
        if (ls->fd < 0) {
            log_error("listen", "cannot listen on %s (%s): %s", l->addr, l->name, strerror(errno));
            return -1;
        }
        if (l->static_dir && *l->static_dir)
            ls->statics = static_create(&S.globalconf, l->static_dir,
                                        o->static_headers ? o->static_headers : o->common_headers);
        ls->accept_ctx.ctx = &lt->ctx;
        ls->accept_ctx.hosts = S.globalconf.hosts;
        uv_tcp_init(&lt->loop, &ls->handle);
        if (uv_tcp_open(&ls->handle, ls->fd) || uv_listen((uv_stream_t *)&ls->handle, 4096, on_accept)) {
            log_error("listen", "cannot listen on %s", l->addr);
            return -1;
        }
        if (index == 0)
            log_info("listen", "%s listener on %s", l->name, l->addr);
        lt->nlisteners++;
    }
    return 0;
}

/* Closes what is ours on a stopped loop. The h2o context itself is deliberately not disposed:
 * h2o 2.2.5 asserts that no connection is left when a context is disposed and offers no way
 * to close idle keep-alive connections, so they stay open (and reachable from S.loops) until
 * the process exits a moment later and the kernel closes them. */
static void loop_teardown(loop_thread_t *lt)
{
    for (int i = 0; i < lt->nlisteners; i++)
        static_destroy(lt->listeners[i].statics);
    h2o_multithread_unregister_receiver(lt->ctx.queue, &lt->receiver);
    h2o_multithread_unregister_receiver(lt->ctx.queue, &lt->ws_receiver);
    uv_close((uv_handle_t *)&lt->ws_timer, NULL);
    uv_close((uv_handle_t *)&lt->stop_async, NULL);
    uv_close((uv_handle_t *)&lt->drain_timer, NULL);
    if (lt->index == 0) {
        uv_close((uv_handle_t *)&lt->sigterm, NULL);
        uv_close((uv_handle_t *)&lt->sigint, NULL);
    }
    uv_run(&lt->loop, UV_RUN_NOWAIT);
}

int http_server_run(const http_server_opts_t *opts)
{
    memset(&S, 0, sizeof S);
    S.opts = opts;
    pthread_mutex_init(&S.mu, NULL);
    pthread_cond_init(&S.cond, NULL);
    signal(SIGPIPE, SIG_IGN);
    snprintf(S.id_prefix, sizeof S.id_prefix, "%08x", (unsigned)(now_ns() ^ ((uint64_t)getpid() << 16)));

    S.preflight_route = (route_t){"OPTIONS", "*", opts->preflight, AUTH_PUBLIC, RATE_NONE, 0, 0};
    S.ws_message_route = (route_t){"WS", "/ws", opts->ws_message, AUTH_PUBLIC, RATE_NONE, 1, 0};
    http_server_opts_t *mo = (http_server_opts_t *)opts; /* fill defaults once */
    if (mo->max_queue <= 0)
        mo->max_queue = 4096;
    if (mo->loop_threads <= 0)
        mo->loop_threads = 1;
    if (mo->handler_threads <= 0)
        mo->handler_threads = 4;

    h2o_config_init(&S.globalconf);
    S.globalconf.max_request_entity_size = opts->body_limit;
    S.globalconf.http1.req_timeout = (uint64_t)opts->header_timeout_ms;
    S.globalconf.server_name = h2o_iovec_init(H2O_STRLIT("chatlings"));
    S.globalconf.filecache.capacity = 256; /* open static files, kept for a second (http/static.c) */
    h2o_hostconf_t *host = h2o_config_register_host(&S.globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof *handler);
    handler->on_req = on_req;

    S.nloops = opts->loop_threads;
    S.loops = calloc((size_t)S.nloops, sizeof *S.loops);
    int rc = 0;
    int nset = 0;
    for (; nset < S.nloops; nset++)
        if (loop_setup(&S.loops[nset], nset)) {
            rc = -1;
            nset++;
            break;
        }

    if (rc == 0) {
        S.handler_tids = calloc((size_t)opts->handler_threads, sizeof *S.handler_tids);
        for (int i = 0; i < opts->handler_threads; i++)
            pthread_create(&S.handler_tids[i], NULL, handler_main, NULL);
        for (int i = 1; i < S.nloops; i++)
            pthread_create(&S.loops[i].tid, NULL, loop_main, &S.loops[i]);
        loop_main(&S.loops[0]);
        for (int i = 1; i < S.nloops; i++)
            pthread_join(S.loops[i].tid, NULL);

        pthread_mutex_lock(&S.mu);
        S.stop_handlers = 1;
        pthread_cond_broadcast(&S.cond);
        pthread_mutex_unlock(&S.mu);
        for (int i = 0; i < opts->handler_threads; i++)
            pthread_join(S.handler_tids[i], NULL);
        free(S.handler_tids);
        /* answers that arrived after the drain ended belong to requests we gave up on */
        for (int i = 0; i < S.nloops; i++)
            uv_run(&S.loops[i].loop, UV_RUN_NOWAIT);
    }
    for (int i = 0; i < nset; i++)
        loop_teardown(&S.loops[i]);
    pthread_mutex_destroy(&S.mu);
    pthread_cond_destroy(&S.cond);
    log_info("shutdown", "server stopped");
    return rc;
}
