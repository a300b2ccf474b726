/* ops: /metrics for Prometheus on the ops listener, and the hook that counts every response.
 * The process-wide counters live in store/metrics.c; this file adds what has to be asked for
 * at scrape time: pool occupancy, PostgreSQL and Redis reachability, Redis memory, job streams. */
#include "api/ops.h"

#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "api/app.h"
#include "api/handlers.h"
#include "integrations/appinsights.h"
#include "store/cache.h"
#include "store/metrics.h"
#include "store/queue.h"

const route_t APP_OPS_ROUTES[] = {
    {"GET", "/metrics", api_metrics, AUTH_PUBLIC, RATE_NONE, 0, 0},
    {"GET", "/healthz", api_healthz, AUTH_PUBLIC, RATE_NONE, 0, 0},
};
const size_t APP_OPS_ROUTES_COUNT = sizeof APP_OPS_ROUTES / sizeof APP_OPS_ROUTES[0];

void ops_on_response(struct app *app, const http_req_t *req, int status, double duration_ms)
{
    const route_t *route = req->match.route;
    metrics_http_request(route ? route->method : NULL, route ? route->pattern : NULL, status, duration_ms / 1000.0);
    appinsights_track_request(route ? route->method : NULL, route ? route->pattern : NULL, req->request_id, status,
                              duration_ms);
}

static void gauge(buf_t *b, const char *name, const char *help, const char *const *labels, double v)
{
    metrics_fmt_header(b, name, "gauge", help);
    metrics_fmt_sample(b, name, labels, v);
}

static void render_pool(buf_t *b, db_pool_t *primary, db_pool_t *replica)
{
    static const char *const FIELDS[][2] = {
        {"chatlings_db_pool_open_connections", "Open PostgreSQL connections (idle + in use)"},
        {"chatlings_db_pool_idle_connections", "Idle PostgreSQL connections"},
        {"chatlings_db_pool_in_use_connections", "PostgreSQL connections held by requests"},
        {"chatlings_db_pool_waiting", "Requests waiting for a PostgreSQL connection"},
    };
    db_pool_t *pools[2] = {primary, replica != primary ? replica : NULL};
    const char *names[2] = {"primary", "replica"};
    db_pool_stats_t st[2];
    memset(st, 0, sizeof st);
    for (int p = 0; p < 2; p++)
        if (pools[p])
            db_pool_stats(pools[p], &st[p]);
    for (int f = 0; f < 5; f++) {
        const char *name = f < 4 ? FIELDS[f][0] : "chatlings_db_pool_acquire_timeouts_total";
        metrics_fmt_header(b, name, f < 4 ? "gauge" : "counter",
                           f < 4 ? FIELDS[f][1] : "Waits for a PostgreSQL connection that ended in a 503");
        for (int p = 0; p < 2; p++) {
            if (!pools[p])
                continue;
            double v = f == 0 ? st[p].open : f == 1 ? st[p].idle : f == 2 ? st[p].in_use : f == 3 ? st[p].waiting
                                                                                               : (double)st[p].acquire_timeouts;
            const char *labels[] = {"pool", names[p], NULL};
            metrics_fmt_sample(b, name, labels, v);
        }
    }
}

static const db_stmt_t STMT_OPS_PING = {"ops_ping", "SELECT 1", 0};

/* 1 when a pooled connection answers SELECT 1 (waits at most the pool's connect timeout).
 * A pool with every connection busy counts as up: PostgreSQL answers, we are only saturated
 * (chatlings_db_pool_waiting tells that story, not the "database unavailable" alert). */
static int pg_up(db_pool_t *pool)
{
    db_conn_t *c = db_acquire(pool);
    if (!c) {
        db_pool_stats_t st;
        db_pool_stats(pool, &st);
        return st.open > 0 && st.in_use >= st.open;
    }
    PGresult *r = db_exec(c, &STMT_OPS_PING, NULL);
    int ok = r && PQresultStatus(r) == PGRES_TUPLES_OK;
    if (r)
        PQclear(r);
    db_release(pool, c);
    return ok;
}

/* The number after "key:" in an INFO reply, or -1. */
static double info_field(const char *info, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = info; p && *p;) {
        if (!strncmp(p, key, kl) && p[kl] == ':')
            return strtod(p + kl + 1, NULL);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

static void render_redis(buf_t *b, redis_t *r)
{
    redisReply *rep = r ? redis_command(r, "INFO") : NULL;
    int up = rep && rep->type == REDIS_REPLY_STRING;
    gauge(b, "chatlings_redis_up", "1 when Redis answered INFO for this scrape", NULL, up);
    if (up) {
        static const char *const G[][3] = {
            {"chatlings_redis_used_memory_bytes", "used_memory", "Memory Redis uses"},
            {"chatlings_redis_maxmemory_bytes", "maxmemory", "Redis maxmemory (0 = no limit)"},
            {"chatlings_redis_connected_clients", "connected_clients", "Clients connected to Redis"},
        };
        static const char *const C[][3] = {
            {"chatlings_redis_evicted_keys_total", "evicted_keys", "Keys Redis evicted under maxmemory"},
            {"chatlings_redis_keyspace_hits_total", "keyspace_hits", "Redis key lookups that found a key (all clients)"},
            {"chatlings_redis_keyspace_misses_total", "keyspace_misses", "Redis key lookups that found nothing"},
        };
        for (size_t i = 0; i < 3; i++) {
            double v = info_field(rep->str, G[i][1]);
            if (v >= 0)
                gauge(b, G[i][0], G[i][2], NULL, v);
        }
        for (size_t i = 0; i < 3; i++) {
            double v = info_field(rep->str, C[i][1]);
            if (v >= 0) {
                metrics_fmt_header(b, C[i][0], "counter", C[i][2]);
                metrics_fmt_sample(b, C[i][0], NULL, v);
            }
        }
    }
    redis_reply_free(rep);
    if (r) {
        redis_stats_t st;
        redis_stats(r, &st);
        metrics_redis_sample(&st);
    }
}

static void render_cache(buf_t *b)
{
    long hits = 0, misses = 0;
    cache_counts(&hits, &misses);
    metrics_fmt_header(b, "chatlings_cache_hits_total", "counter", "Cache lookups answered from Redis");
    metrics_fmt_sample(b, "chatlings_cache_hits_total", NULL, (double)hits);
    metrics_fmt_header(b, "chatlings_cache_misses_total", "counter",
                       "Cache lookups that went to PostgreSQL (absent key or Redis unavailable)");
    metrics_fmt_sample(b, "chatlings_cache_misses_total", NULL, (double)misses);
}

/* The job queue's backlog (store/queue.h), so the web's /metrics shows how far the workers
 * are behind without scraping the workers themselves. */
static void render_queues(buf_t *b, redis_t *r)
{
    static const char *const QUEUES[] = {QUEUE_DEFAULT};
    queue_stats_t st[sizeof QUEUES / sizeof QUEUES[0]];
    int ok[sizeof QUEUES / sizeof QUEUES[0]];
    for (size_t i = 0; i < sizeof QUEUES / sizeof QUEUES[0]; i++)
        ok[i] = r && queue_stats(r, QUEUES[i], &st[i]) == 0;
    metrics_fmt_header(b, "chatlings_queue_jobs", "gauge",
                       "Jobs by queue and state: ready (in the stream, pending included), pending (delivered, not "
                       "acknowledged), delayed (waiting for a retry), dead (failed for good)");
    for (size_t i = 0; i < sizeof QUEUES / sizeof QUEUES[0]; i++) {
        if (!ok[i])
            continue;
        const char *states[] = {"ready", "pending", "delayed", "dead"};
        long long v[] = {st[i].ready, st[i].pending, st[i].delayed, st[i].dead};
        for (int k = 0; k < 4; k++) {
            const char *labels[] = {"queue", QUEUES[i], "state", states[k], NULL};
            metrics_fmt_sample(b, "chatlings_queue_jobs", labels, (double)v[k]);
        }
    }
}

/* Free space where this process keeps data (its working directory, the blob store's root on
 * the filesystem driver): what the "storage over 80 %" alert watches on a self-hosted box. */
static void render_filesystems(buf_t *b, const config_t *cfg)
{
    const char *paths[2] = {".", !strcmp(cfg->blob_driver, "fs") && cfg->blob_dir[0] ? cfg->blob_dir : NULL};
    struct statvfs fs[2];
    int ok[2];
    for (int i = 0; i < 2; i++)
        ok[i] = paths[i] && statvfs(paths[i], &fs[i]) == 0;
    metrics_fmt_header(b, "chatlings_filesystem_avail_bytes", "gauge", "Bytes available to unprivileged users");
    for (int i = 0; i < 2; i++)
        if (ok[i]) {
            const char *labels[] = {"path", paths[i], NULL};
            metrics_fmt_sample(b, "chatlings_filesystem_avail_bytes", labels, (double)fs[i].f_bavail * (double)fs[i].f_frsize);
        }
    metrics_fmt_header(b, "chatlings_filesystem_size_bytes", "gauge", "Size of the filesystem");
    for (int i = 0; i < 2; i++)
        if (ok[i]) {
            const char *labels[] = {"path", paths[i], NULL};
            metrics_fmt_sample(b, "chatlings_filesystem_size_bytes", labels, (double)fs[i].f_blocks * (double)fs[i].f_frsize);
        }
}

void api_metrics(http_ctx_t *ctx)
{
    buf_t *b = &ctx->res->body;
    ctx->res->status = 200;
    ctx->res->content_type = "text/plain; version=0.0.4; charset=utf-8";
    metrics_render(b);
    render_pool(b, ctx->app->db, ctx->app->db_read);
    gauge(b, "chatlings_postgres_up", "1 when the primary answered SELECT 1 for this scrape", NULL,
          pg_up(ctx->app->db));
    render_cache(b);
    render_redis(b, ctx->thread ? ctx->thread->redis : NULL);
    render_queues(b, ctx->thread ? ctx->thread->redis : NULL);
    render_filesystems(b, ctx->app->cfg);
}
