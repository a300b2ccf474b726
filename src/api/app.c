/* app: per-thread state and the dispatch step every routed request goes through. */
#include "api/app.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/admin.h"
#include "api/api.h"
#include "api/presence.h"
#include "api/visitor.h"
#include "core/log.h"
#include "core/secretbox.h"
#include "store/metrics.h"
#include "store/ratelimit.h"

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

static const char *const RATE_CLASS_NAMES[RATE_NONE] = {"read", "write", "signin", "chat"};

/* "signin=20/60,write=120/60,..." -> app->rates; unknown classes or bad numbers are errors. */
static int parse_rate_limits(app_t *app, const char *spec, char *err, size_t errlen)
{
    for (int i = 0; i < RATE_NONE; i++)
        app->rates[i] = (rate_rule_t){600, 60};
    const char *p = spec;
    while (*p) {
        char name[16];
        long limit, window;
        int used = 0;
        if (sscanf(p, "%15[a-z]=%ld/%ld%n", name, &limit, &window, &used) != 3 || limit < 1 || window < 1) {
            snprintf(err, errlen, "CHATLINGS_RATE_LIMITS: cannot read \"%s\" (want class=limit/seconds,...)", p);
            return -1;
        }
        int found = -1;
        for (int i = 0; i < RATE_NONE; i++)
            if (!strcmp(name, RATE_CLASS_NAMES[i]))
                found = i;
        if (found < 0) {
            snprintf(err, errlen, "CHATLINGS_RATE_LIMITS: unknown class \"%s\" (read, write, signin, chat)", name);
            return -1;
        }
        app->rates[found] = (rate_rule_t){limit, window};
        p += used;
        if (*p == ',')
            p++;
        else if (*p) {
            snprintf(err, errlen, "CHATLINGS_RATE_LIMITS: unexpected \"%s\"", p);
            return -1;
        }
    }
    return 0;
}

/* scheme://host[:port] of a URL, lower-cased, without path. */
static void origin_of(const char *url, char *out, size_t outlen)
{
    const char *sep = strstr(url, "://");
    size_t n = strlen(url);
    if (sep) {
        const char *slash = strchr(sep + 3, '/');
        if (slash)
            n = (size_t)(slash - url);
    }
    if (n >= outlen)
        n = outlen - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)url[i]);
    out[n] = '\0';
}

/* Security headers of every response (API JSON; the PWA's pages get their own CSP). */
static const char *const COMMON_HEADERS[] = {
    "x-content-type-options", "nosniff",
    "referrer-policy", "strict-origin-when-cross-origin",
    "content-security-policy", "default-src 'none'; frame-ancestors 'none'",
    NULL};
static const char *const COMMON_HEADERS_PRODUCTION[] = {
    "x-content-type-options", "nosniff",
    "referrer-policy", "strict-origin-when-cross-origin",
    "content-security-policy", "default-src 'none'; frame-ancestors 'none'",
    "strict-transport-security", "max-age=31536000; includeSubDomains",
    NULL};

const char *const *app_common_headers(const app_t *app)
{
    return app->cfg->production ? COMMON_HEADERS_PRODUCTION : COMMON_HEADERS;
}

/* The PWA's files (http/static.c) replace the API's "default-src 'none'" with a page policy:
 * everything from our own origin, images also as data:/blob: URLs, no inline script, no
 * framing, no <base>, forms only to us. Static responses never get the API policy too: two
 * CSP headers would intersect. */
#define PAGE_CSP                                                                                             \
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; " \
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
static const char *const STATIC_HEADERS[] = {
    "x-content-type-options", "nosniff",
    "referrer-policy", "strict-origin-when-cross-origin",
    "content-security-policy", PAGE_CSP,
    NULL};
static const char *const STATIC_HEADERS_PRODUCTION[] = {
    "x-content-type-options", "nosniff",
    "referrer-policy", "strict-origin-when-cross-origin",
    "content-security-policy", PAGE_CSP,
    "strict-transport-security", "max-age=31536000; includeSubDomains",
    NULL};

const char *const *app_static_headers(const app_t *app)
{
    return app->cfg->production ? STATIC_HEADERS_PRODUCTION : STATIC_HEADERS;
}

int app_init(app_t *app, const config_t *cfg, char *err, size_t errlen)
{
    app->cfg = cfg;
    origin_of(cfg->public_url, app->public_origin, sizeof app->public_origin);
    /* a bad token key must stop the start, not the first YouTube connection hours later */
    secretbox_t keys;
    if (secretbox_init(&keys, cfg->token_key, cfg->token_key_old[0] ? cfg->token_key_old : NULL, err, errlen))
        return -1;
    secretbox_wipe(&keys);
    size_t n = 0;
    for (size_t i = 0; i < APP_PUBLIC_ROUTES_COUNT; i++)
        if (!(cfg->production && APP_PUBLIC_ROUTES[i].dev_only))
            app->public_routes[n++] = APP_PUBLIC_ROUTES[i];
    app->npublic_routes = n;
    if (admin_init(app, err, errlen))
        return -1;
    return parse_rate_limits(app, cfg->rate_limits, err, errlen);
}

/* Is this Origin one of ours: the public URL, the Host the request was sent to, or a
 * configured CORS origin. */
static int origin_is_ours(const app_t *app, const http_req_t *req, const char *origin, size_t len)
{
    char o[256];
    if (len == 0 || len >= sizeof o)
        return 0;
    for (size_t i = 0; i < len; i++)
        o[i] = (char)tolower((unsigned char)origin[i]);
    o[len] = '\0';
    if (!strcmp(o, app->public_origin))
        return 1;
    size_t hlen;
    const char *host = http_req_header(req, "host", &hlen);
    const char *sep = strstr(o, "://");
    /* plain http to our own Host only outside production (local runs, tests) */
    if (host && sep && strlen(sep + 3) == hlen && !strncasecmp(sep + 3, host, hlen) &&
        (!strncmp(o, "https://", 8) || !app->cfg->production))
        return 1;
    return 0;
}

static int cors_allowed(const app_t *app, const char *origin, size_t len)
{
    const char *list = app->cfg->cors_origins;
    while (*list) {
        size_t n = strcspn(list, ",");
        if (n == len && !strncasecmp(list, origin, len))
            return 1;
        list += n;
        if (*list == ',')
            list++;
    }
    return 0;
}

static void add_cors_headers(http_ctx_t *ctx)
{
    size_t len;
    const char *origin = http_req_header(ctx->req, "origin", &len);
    if (!origin || !cors_allowed(ctx->app, origin, len))
        return;
    char o[256];
    snprintf(o, sizeof o, "%.*s", (int)len, origin);
    http_res_header(ctx->res, "access-control-allow-origin", o);
    http_res_header(ctx->res, "access-control-allow-credentials", "true");
    http_res_header(ctx->res, "vary", "Origin");
}

void app_preflight(http_ctx_t *ctx)
{
    size_t len;
    const char *origin = http_req_header(ctx->req, "origin", &len);
    if (!origin || !cors_allowed(ctx->app, origin, len)) {
        http_res_error(ctx->res, 403, "forbidden", "origin not allowed");
        return;
    }
    /* the allow-origin headers were already added by app_dispatch */
    http_res_header(ctx->res, "access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE");
    http_res_header(ctx->res, "access-control-allow-headers", "content-type, x-csrf-token");
    http_res_header(ctx->res, "access-control-max-age", "600");
    ctx->res->status = 204;
    ctx->res->content_type = NULL;
}

static void client_ip(http_ctx_t *ctx, char *out, size_t outlen)
{
    size_t len;
    const char *xff = ctx->app->cfg->trust_proxy ? http_req_header(ctx->req, "x-forwarded-for", &len) : NULL;
    if (xff && len) {
        /* the last hop was added by our own proxy; earlier entries are the client's word */
        size_t start = len;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        while (start < len && xff[start] == ' ')
            start++;
        snprintf(out, outlen, "%.*s", (int)(len - start), xff + start);
        return;
    }
    snprintf(out, outlen, "%s", ctx->req->remote_addr);
}

static int is_state_changing(const http_req_t *req)
{
    return !(req->method_len == 3 && !memcmp(req->method, "GET", 3)) &&
           !(req->method_len == 4 && !memcmp(req->method, "HEAD", 4));
}

/* Same-origin proof for a state-changing request: Origin, or Sec-Fetch-Site when a browser
 * sends no Origin. */
int app_same_origin(http_ctx_t *ctx)
{
    size_t len;
    const char *origin = http_req_header(ctx->req, "origin", &len);
    if (origin)
        return origin_is_ours(ctx->app, ctx->req, origin, len) || cors_allowed(ctx->app, origin, len);
    const char *site = http_req_header(ctx->req, "sec-fetch-site", &len);
    return site && len == 11 && !memcmp(site, "same-origin", 11);
}

static int csrf_ok(http_ctx_t *ctx)
{
    /* the admin portal accepts only its own origin, never the players' (api/admin_gate.c) */
    if (!(admin_on_listener(ctx->req) ? admin_own_origin(ctx) : app_same_origin(ctx)))
        return 0;
    if (!ctx->thread->has_session)
        return 1; /* no session to ride on: the origin check is the whole defence (login CSRF) */
    size_t len;
    const char *token = http_req_header(ctx->req, "x-csrf-token", &len);
    const char *want = ctx->thread->session.csrf;
    return token && len == strlen(want) && len > 0 && sodium_memcmp(token, want, len) == 0;
}

/* Loads the session named by the cookie, if any. -1 when Redis is unavailable. */
static int load_session(http_ctx_t *ctx)
{
    app_thread_t *t = ctx->thread;
    size_t len;
    const char *cookie = http_req_header(ctx->req, "cookie", &len);
    char token[SESSION_TOKEN_LEN + 1];
    /* the admin origin has a cookie of its own: a player's cookie never counts there */
    int rc_token = !cookie ? -1
                   : admin_on_listener(ctx->req) ? admin_session_token(cookie, len, token)
                                                 : session_token_from_cookie(cookie, len, token);
    if (rc_token)
        return 0;
    int rc = session_load(t->redis, token, &t->session);
    sodium_memzero(token, sizeof token);
    if (rc < 0)
        return -1;
    t->has_session = rc == 1;
    return 0;
}

static int rate_limited(http_ctx_t *ctx, route_rate_t cls)
{
    if (cls >= RATE_NONE)
        return 0;
    const rate_rule_t *rule = &ctx->app->rates[cls];
    app_thread_t *t = ctx->thread;
    /* per IP, and per player when signed in: both counters in one round trip */
    char by_ip[96], by_user[96];
    snprintf(by_ip, sizeof by_ip, "ip:%s", t->client_ip);
    const char *subjects[2] = {by_ip, by_user};
    int n = 1;
    if (t->has_session && t->session.kind == SESSION_USER) {
        snprintf(by_user, sizeof by_user, "u:%s", t->session.user_id);
        n = 2;
    }
    ratelimit_result_t got[2];
    if (ratelimit_hit_many(t->redis, RATE_CLASS_NAMES[cls], subjects, n, rule->limit, rule->window_s, got))
        return 0; /* Redis unavailable: fail open */
    const ratelimit_result_t ip = got[0];
    const ratelimit_result_t user = n == 2 ? got[1] : (ratelimit_result_t){.allowed = 1, .remaining = rule->limit};
    const ratelimit_result_t *tight = user.remaining < ip.remaining ? &user : &ip;
    char v[32];
    snprintf(v, sizeof v, "%ld", rule->limit);
    http_res_header(ctx->res, "ratelimit-limit", v);
    snprintf(v, sizeof v, "%ld", tight->remaining);
    http_res_header(ctx->res, "ratelimit-remaining", v);
    snprintf(v, sizeof v, "%ld", ip.reset_s);
    http_res_header(ctx->res, "ratelimit-reset", v);
    if (ip.allowed && user.allowed)
        return 0;
    http_res_header(ctx->res, "retry-after", v);
    http_res_error(ctx->res, 429, "rate_limited", "too many requests, slow down");
    return 1;
}

static const db_stmt_t STMT_IS_ADMIN = {
    "dispatch_is_admin",
    "SELECT is_admin FROM users WHERE id = $1 AND deleted_at IS NULL AND suspended_at IS NULL", 1};

/* 0 when the caller may use the route; otherwise the error response is set. */
static int authorize(http_ctx_t *ctx, route_auth_t level)
{
    app_thread_t *t = ctx->thread;
    int user = t->has_session && t->session.kind == SESSION_USER;
    switch (level) {
    case AUTH_PUBLIC:
        return 0;
    case AUTH_PENDING:
        if (t->has_session && t->session.kind == SESSION_PENDING)
            return 0;
        http_res_error(ctx->res, 401, "unauthorized", "sign in with your provider first");
        return -1;
    case AUTH_SESSION:
        if (user)
            return 0;
        http_res_error(ctx->res, 401, "unauthorized", "sign in first");
        return -1;
    case AUTH_ADMIN: {
        if (!user) {
            http_res_error(ctx->res, 401, "unauthorized", "sign in first");
            return -1;
        }
        db_conn_t *db = api_db(ctx);
        if (!db)
            return -1;
        const char *params[] = {t->session.user_id};
        PGresult *r = db_exec(db, &STMT_IS_ADMIN, params);
        if (api_check(ctx, r))
            return -1;
        int admin = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        if (admin)
            return 0;
        http_res_error(ctx->res, 403, "forbidden", "administrators only");
        return -1;
    }
    }
    return -1;
}

/* A signed-in player's per-request markers in one pipelined round trip: the daily visitor and
 * login day (the roll on the first request of a UTC day; not on the admin listener: working in
 * the portal is not playing) and users.last_seen_at (at most every 10 min). 1 when
 * last_seen_at is to be written after the handler. */
static int first_request_markers(http_ctx_t *ctx)
{
    redis_t *r = ctx->thread->redis;
    visitor_marker_t visit = {.key = ""};
    int v = !admin_on_listener(ctx->req) && visitor_marker_send(ctx, &visit);
    int p = presence_marker_send(ctx);
    redisReply *vrep = v ? redis_get_reply(r) : NULL;
    redisReply *prep = p && (!v || vrep) ? redis_get_reply(r) : NULL; /* not after a broken reply */
    int due = presence_marker_due(prep);
    redis_reply_free(prep);
    visitor_marker_done(ctx, &visit, vrep); /* after every reply is in: the roll talks to Redis too */
    redis_reply_free(vrep);
    return due;
}

void app_dispatch(http_ctx_t *ctx)
{
    const route_t *route = ctx->req->match.route;
    app_thread_t *t = ctx->thread;
    http_res_t *res = ctx->res;
    t->has_session = 0;
    memset(&t->session, 0, sizeof t->session);
    client_ip(ctx, t->client_ip, sizeof t->client_ip);

    if (ctx->req->ws_user_id) {
        /* a frame on a WebSocket that was authorised when it opened: no cookies, no CSRF */
        route->handler(ctx);
        release_db(t);
        return;
    }

    http_res_header(res, "cache-control", "no-store");
    if (admin_gate(ctx)) /* the admin listener's allow-list and origin rules (api/admin_gate.c) */
        goto out;
    if (!admin_on_listener(ctx->req))
        add_cors_headers(ctx);

    if (route->auth != AUTH_PUBLIC || route->rate != RATE_NONE || is_state_changing(ctx->req)) {
        if (load_session(ctx) < 0 && route->auth != AUTH_PUBLIC) {
            http_res_error(res, 503, "unavailable", "sessions are unavailable, try again shortly");
            http_res_header(res, "retry-after", "2");
            goto out;
        }
    }
    if (rate_limited(ctx, route->rate))
        goto out;
    if (authorize(ctx, route->auth))
        goto out;
    if (is_state_changing(ctx->req) && route->handler != app_preflight && !csrf_ok(ctx)) {
        http_res_error(res, 403, "forbidden", "cross-site request refused (Origin and X-CSRF-Token required)");
        goto out;
    }
    int seen_due = first_request_markers(ctx);
    route->handler(ctx);
    if (seen_due)
        presence_write(ctx);
out:
    release_db(t);
    if (t->redis) {
        redis_stats_t rs;
        redis_stats(t->redis, &rs);
        metrics_redis_sample(&rs); /* this thread's connection, into its own /metrics shard */
    }
}

/* answer: on failure, answer the request 503 (or leave the response to the caller) */
static db_conn_t *acquire(http_ctx_t *ctx, db_pool_t *pool, int answer)
{
    app_thread_t *t = ctx->thread;
    if (t->conn && t->conn_pool == pool)
        return t->conn;
    release_db(t);
    t->conn = db_acquire(pool);
    if (!t->conn) {
        if (!answer)
            return NULL;
        http_res_error(ctx->res, 503, "unavailable", "the database is unavailable, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return NULL;
    }
    t->conn_pool = pool;
    return t->conn;
}

db_conn_t *api_db(http_ctx_t *ctx)
{
    return acquire(ctx, ctx->app->db, 1);
}

db_conn_t *api_db_try(http_ctx_t *ctx)
{
    return acquire(ctx, ctx->app->db, 0);
}

/* After the replica failed to hand out a connection, reads go to the primary for this long
 * before the replica is tried again: an outage costs one failed acquire, not one per read. */
#define REPLICA_RETRY_MS 5000
static _Atomic long long replica_down_until_ms;

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

db_conn_t *api_db_read(http_ctx_t *ctx)
{
    app_thread_t *t = ctx->thread;
    /* a request that already writes through the primary keeps reading there (read-your-writes) */
    if (t->conn)
        return t->conn;
    if (ctx->app->db_read != ctx->app->db && mono_ms() >= replica_down_until_ms) {
        t->conn = db_acquire(ctx->app->db_read);
        if (t->conn) {
            t->conn_pool = ctx->app->db_read;
            return t->conn;
        }
        /* replica down or saturated: the primary answers reads too */
        replica_down_until_ms = mono_ms() + REPLICA_RETRY_MS;
        log_warn("db_replica", "read replica unavailable: reading from the primary for %d ms", REPLICA_RETRY_MS);
    }
    return acquire(ctx, ctx->app->db, 1);
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
    /* 57014: statement timeout; 57P0x: the server is shutting down or starting up; class 08:
     * connection exceptions; 53: insufficient resources */
    if (sqlstate && (!strcmp(sqlstate, "57014") || !strncmp(sqlstate, "57P0", 4) || !strncmp(sqlstate, "08", 2) ||
                     !strncmp(sqlstate, "53", 2))) {
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

static const db_stmt_t STMT_BODY_TYPE_BY_NAME = {
    "api_body_type_by_name", "SELECT id FROM body_types WHERE lower(name) = lower($1)", 1};

int api_query_body_type(http_ctx_t *ctx, int *index_out)
{
    char name[64];
    *index_out = -1;
    int got = http_req_query(ctx->req, "body_type", name, sizeof name);
    if (got == 0 || (got == 1 && !name[0]))
        return 0;
    if (got == 1) {
        db_conn_t *db = api_db_read(ctx);
        if (!db)
            return -1;
        const char *params[] = {name};
        PGresult *r = db_exec(db, &STMT_BODY_TYPE_BY_NAME, params);
        if (api_check(ctx, r))
            return -1;
        if (PQntuples(r) == 1)
            *index_out = atoi(PQgetvalue(r, 0, 0)) - 1;
        PQclear(r);
        if (*index_out >= 0)
            return 0;
    }
    http_res_error(ctx->res, 400, "bad_request", "body_type is not a known body type (see /api/body-types)");
    return -1;
}

const session_t *api_session(http_ctx_t *ctx)
{
    app_thread_t *t = ctx->thread;
    return t->has_session && t->session.kind == SESSION_USER ? &t->session : NULL;
}

const char *api_user_id(http_ctx_t *ctx)
{
    const session_t *s = api_session(ctx);
    return s ? s->user_id : NULL;
}

json_t *api_json_body(http_ctx_t *ctx)
{
    size_t len;
    const char *ct = http_req_header(ctx->req, "content-type", &len);
    if (!ct || len < 16 || strncasecmp(ct, "application/json", 16) || (len > 16 && ct[16] != ';' && ct[16] != ' ')) {
        http_res_error(ctx->res, 415, "unsupported_media_type", "send the body as application/json");
        return NULL;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(ctx->req->body, ctx->req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        http_res_error(ctx->res, 400, "bad_request", "the body must be a JSON object");
        return NULL;
    }
    return doc;
}

void api_set_session_cookie(http_ctx_t *ctx, const char *token)
{
    /* Secure even in development: browsers refuse a __Host- cookie without it, and they
     * accept Secure cookies from http://localhost and http://127.0.0.1. */
    char v[256];
    snprintf(v, sizeof v, "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d; Secure", SESSION_COOKIE,
             token ? token : "", token ? SESSION_TTL_S : 0);
    http_res_header(ctx->res, "set-cookie", v);
}

void api_json_time(buf_t *b, PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col) || !PQgetvalue(r, row, col)[0])
        buf_puts(b, "null");
    else
        buf_json_cstr(b, PQgetvalue(r, row, col));
}
