/* metrics: fixed-size, lock-free tables of counters and histograms, rendered in the Prometheus
 * text format. A series is claimed once with a compare-and-swap and then only incremented, so
 * recording costs a hash, a short probe and a few relaxed atomic adds. */
#include "store/metrics.h"

#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/redis.h"

const double METRICS_BUCKETS[METRICS_NBUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                  1,     2,    5,     10,   30,  60};

enum { SLOT_EMPTY, SLOT_CLAIMING, SLOT_READY };

typedef struct histogram {
    atomic_ulong buckets[METRICS_NBUCKETS + 1]; /* per bucket, not cumulative; last = +Inf */
    atomic_ulong sum_us;
} histogram_t;

typedef struct req_series {
    atomic_int state;
    const char *method, *pattern;
    int status;
    atomic_ulong count;
} req_series_t;

typedef struct route_series {
    atomic_int state;
    const char *method, *pattern;
    histogram_t h;
} route_series_t;

typedef struct named_counter {
    atomic_int state;
    char name[METRICS_MAX_EVENT_NAME + 1];
    atomic_ulong count;
} named_counter_t;

typedef struct redis_shard {
    atomic_ulong connect_attempts, connects, failures, skipped;
    atomic_uint attempt;
} redis_shard_t;

#define MAX_EXCEPTION_KINDS 32

static struct {
    req_series_t req[METRICS_MAX_REQUEST_SERIES];
    req_series_t req_overflow;
    route_series_t route[METRICS_MAX_ROUTE_SERIES];
    route_series_t route_overflow;
    histogram_t db;
    atomic_ulong db_ok, db_errors;
    named_counter_t events[METRICS_MAX_EVENTS];
    atomic_ulong events_other;
    named_counter_t exceptions[MAX_EXCEPTION_KINDS];
    atomic_ulong exceptions_other;
    atomic_long ws_open;
    atomic_ulong ws_total;
    redis_shard_t redis[METRICS_MAX_THREAD_SHARDS];
    atomic_int redis_shards;
    atomic_ulong redis_unsharded; /* samples from threads beyond METRICS_MAX_THREAD_SHARDS */
} M;

static _Atomic(const metrics_sink_t *) sink;
static _Thread_local int my_shard = -1;

static const char UNMATCHED[] = "(unmatched)";
static const char OVERFLOW_LABEL[] = "(overflow)";

/* FNV-1a over a string, continuing from h. */
static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h * 1099511628211ULL;
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* Waits out another thread's claim of a slot (a handful of stores; practically never seen). */
static int settled_state(atomic_int *st)
{
    int s;
    while ((s = atomic_load_explicit(st, memory_order_acquire)) == SLOT_CLAIMING)
        sched_yield();
    return s;
}

/* Claims an empty slot: 1 claimed (caller fills, then publishes), 0 someone else got it. */
static int claim(atomic_int *st)
{
    int expect = SLOT_EMPTY;
    return atomic_compare_exchange_strong_explicit(st, &expect, SLOT_CLAIMING, memory_order_acq_rel,
                                                   memory_order_acquire);
}

static void publish(atomic_int *st)
{
    atomic_store_explicit(st, SLOT_READY, memory_order_release);
}

static req_series_t *req_series(const char *method, const char *pattern, int status)
{
    uint64_t h = hash_str(hash_str(14695981039346656037ULL, method), pattern) ^ (uint64_t)status * 0x9E3779B97F4A7C15ULL;
    for (unsigned i = 0; i < METRICS_MAX_REQUEST_SERIES; i++) {
        req_series_t *s = &M.req[(h + i) & (METRICS_MAX_REQUEST_SERIES - 1)];
        for (;;) {
            int st = settled_state(&s->state);
            if (st == SLOT_READY) {
                if (s->status == status && same(s->pattern, pattern) && same(s->method, method))
                    return s;
                break;
            }
            if (claim(&s->state)) {
                s->method = method;
                s->pattern = pattern;
                s->status = status;
                publish(&s->state);
                return s;
            }
        }
    }
    return &M.req_overflow;
}

static route_series_t *route_series(const char *method, const char *pattern)
{
    uint64_t h = hash_str(hash_str(14695981039346656037ULL, method), pattern);
    for (unsigned i = 0; i < METRICS_MAX_ROUTE_SERIES; i++) {
        route_series_t *s = &M.route[(h + i) & (METRICS_MAX_ROUTE_SERIES - 1)];
        for (;;) {
            int st = settled_state(&s->state);
            if (st == SLOT_READY) {
                if (same(s->pattern, pattern) && same(s->method, method))
                    return s;
                break;
            }
            if (claim(&s->state)) {
                s->method = method;
                s->pattern = pattern;
                publish(&s->state);
                return s;
            }
        }
    }
    return &M.route_overflow;
}

/* name reduced to [a-z0-9_] (upper case folded, anything else '_'), cut to the maximum. */
static void clean_name(const char *in, char *out)
{
    size_t n = 0;
    for (; in && *in && n < METRICS_MAX_EVENT_NAME; in++) {
        char c = *in;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        out[n++] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_';
    }
    out[n] = '\0';
    if (!n)
        strcpy(out, "unnamed");
}

static void count_named(named_counter_t *table, unsigned size, atomic_ulong *other, const char *raw)
{
    char name[METRICS_MAX_EVENT_NAME + 1];
    clean_name(raw, name);
    uint64_t h = hash_str(14695981039346656037ULL, name);
    for (unsigned i = 0; i < size; i++) {
        named_counter_t *s = &table[(h + i) % size];
        for (;;) {
            int st = settled_state(&s->state);
            if (st == SLOT_READY) {
                if (!strcmp(s->name, name)) {
                    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
                    return;
                }
                break;
            }
            if (claim(&s->state)) {
                memcpy(s->name, name, sizeof name);
                atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
                publish(&s->state);
                return;
            }
        }
    }
    atomic_fetch_add_explicit(other, 1, memory_order_relaxed);
}

static void observe(histogram_t *h, double seconds)
{
    if (!(seconds >= 0)) /* also NaN */
        seconds = 0;
    int b = 0;
    while (b < METRICS_NBUCKETS && seconds > METRICS_BUCKETS[b])
        b++;
    atomic_fetch_add_explicit(&h->buckets[b], 1, memory_order_relaxed);
    double us = seconds * 1e6;
    atomic_fetch_add_explicit(&h->sum_us, us > 1e15 ? (unsigned long)1e15 : (unsigned long)us, memory_order_relaxed);
}

void metrics_http_request(const char *method, const char *pattern, int status, double seconds)
{
    if (!pattern) {
        /* 404 / 405: the request's own method and path are not ours to keep as labels */
        pattern = UNMATCHED;
        method = "";
    }
    if (status < 100 || status > 599)
        status = 0;
    atomic_fetch_add_explicit(&req_series(method, pattern, status)->count, 1, memory_order_relaxed);
    observe(&route_series(method, pattern)->h, seconds);
    if (status >= 500)
        count_named(M.exceptions, MAX_EXCEPTION_KINDS, &M.exceptions_other, "http_5xx");
}

void metrics_db_query(const char *name, double seconds, int ok)
{
    observe(&M.db, seconds);
    atomic_fetch_add_explicit(ok ? &M.db_ok : &M.db_errors, 1, memory_order_relaxed);
    const metrics_sink_t *s = atomic_load_explicit(&sink, memory_order_acquire);
    if (s && s->dependency)
        s->dependency("PostgreSQL", name, seconds * 1000.0, ok);
}

void metrics_event(const char *name)
{
    count_named(M.events, METRICS_MAX_EVENTS, &M.events_other, name);
    const metrics_sink_t *s = atomic_load_explicit(&sink, memory_order_acquire);
    if (s && s->event)
        s->event(name);
}

void metrics_exception(const char *kind, const char *message)
{
    count_named(M.exceptions, MAX_EXCEPTION_KINDS, &M.exceptions_other, kind);
    const metrics_sink_t *s = atomic_load_explicit(&sink, memory_order_acquire);
    if (s && s->exception)
        s->exception(kind, message);
}

void metrics_ws_opened(void)
{
    atomic_fetch_add_explicit(&M.ws_open, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&M.ws_total, 1, memory_order_relaxed);
}

void metrics_ws_closed(void)
{
    atomic_fetch_sub_explicit(&M.ws_open, 1, memory_order_relaxed);
}

void metrics_redis_sample(const struct redis_stats *st)
{
    if (!st)
        return;
    if (my_shard < 0) {
        int i = atomic_fetch_add(&M.redis_shards, 1);
        my_shard = i < METRICS_MAX_THREAD_SHARDS ? i : METRICS_MAX_THREAD_SHARDS;
    }
    if (my_shard >= METRICS_MAX_THREAD_SHARDS) {
        atomic_fetch_add_explicit(&M.redis_unsharded, 1, memory_order_relaxed);
        return;
    }
    /* Only this thread writes its shard: plain stores of its connection's running totals. */
    redis_shard_t *r = &M.redis[my_shard];
    atomic_store_explicit(&r->connect_attempts, st->connect_attempts, memory_order_relaxed);
    atomic_store_explicit(&r->connects, st->connects, memory_order_relaxed);
    atomic_store_explicit(&r->failures, st->failures, memory_order_relaxed);
    atomic_store_explicit(&r->skipped, st->skipped, memory_order_relaxed);
    atomic_store_explicit(&r->attempt, st->attempt, memory_order_relaxed);
}

void metrics_set_sink(const metrics_sink_t *s)
{
    atomic_store_explicit(&sink, s, memory_order_release);
}

void metrics_reset(void)
{
    memset(&M, 0, sizeof M);
    atomic_store(&sink, NULL);
    my_shard = -1;
}

/* ---- formatting ---- */

void metrics_fmt_value(buf_t *b, double v)
{
    if (isnan(v))
        buf_puts(b, "NaN");
    else if (isinf(v))
        buf_puts(b, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 1e15)
        buf_printf(b, "%.0f", v);
    else {
        /* the shortest text that reads back as the same double */
        char t[40];
        for (int prec = 6; prec <= 17; prec++) {
            snprintf(t, sizeof t, "%.*g", prec, v);
            if (strtod(t, NULL) == v)
                break;
        }
        buf_puts(b, t);
    }
}

void metrics_fmt_label_value(buf_t *b, const char *v)
{
    for (; v && *v; v++) {
        if (*v == '\\')
            buf_puts(b, "\\\\");
        else if (*v == '"')
            buf_puts(b, "\\\"");
        else if (*v == '\n')
            buf_puts(b, "\\n");
        else
            buf_append(b, v, 1);
    }
}

void metrics_fmt_header(buf_t *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s ", name);
    for (const char *p = help; p && *p; p++) {
        if (*p == '\\')
            buf_puts(b, "\\\\");
        else if (*p == '\n')
            buf_puts(b, "\\n");
        else
            buf_append(b, p, 1);
    }
    buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

static void fmt_labels(buf_t *b, const char *const *labels, const char *extra_k, const char *extra_v)
{
    int any = 0;
    for (const char *const *l = labels; l && l[0]; l += 2) {
        buf_puts(b, any ? "," : "{");
        buf_printf(b, "%s=\"", l[0]);
        metrics_fmt_label_value(b, l[1]);
        buf_puts(b, "\"");
        any = 1;
    }
    if (extra_k) {
        buf_puts(b, any ? "," : "{");
        buf_printf(b, "%s=\"%s\"", extra_k, extra_v);
        any = 1;
    }
    if (any)
        buf_puts(b, "}");
}

void metrics_fmt_sample(buf_t *b, const char *name, const char *const *labels, double value)
{
    buf_puts(b, name);
    fmt_labels(b, labels, NULL, NULL);
    buf_puts(b, " ");
    metrics_fmt_value(b, value);
    buf_puts(b, "\n");
}

void metrics_fmt_histogram(buf_t *b, const char *name, const char *const *labels, const unsigned long *counts,
                           double sum)
{
    unsigned long cum = 0;
    for (int i = 0; i <= METRICS_NBUCKETS; i++) {
        cum += counts[i];
        char le[32];
        if (i == METRICS_NBUCKETS)
            snprintf(le, sizeof le, "+Inf");
        else
            snprintf(le, sizeof le, "%g", METRICS_BUCKETS[i]);
        buf_printf(b, "%s_bucket", name);
        fmt_labels(b, labels, "le", le);
        buf_printf(b, " %lu\n", cum);
    }
    buf_printf(b, "%s_sum", name);
    fmt_labels(b, labels, NULL, NULL);
    buf_puts(b, " ");
    metrics_fmt_value(b, sum);
    buf_printf(b, "\n%s_count", name);
    fmt_labels(b, labels, NULL, NULL);
    buf_printf(b, " %lu\n", cum);
}

/* ---- rendering ---- */

static void load_histogram(histogram_t *h, unsigned long *counts, double *sum)
{
    for (int i = 0; i <= METRICS_NBUCKETS; i++)
        counts[i] = atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
    *sum = (double)atomic_load_explicit(&h->sum_us, memory_order_relaxed) / 1e6;
}

static void render_requests(buf_t *b)
{
    char status[8];
    metrics_fmt_header(b, "chatlings_http_requests_total", "counter",
                       "HTTP responses by route pattern, method and status");
    for (unsigned i = 0; i <= METRICS_MAX_REQUEST_SERIES; i++) {
        req_series_t *s = i < METRICS_MAX_REQUEST_SERIES ? &M.req[i] : &M.req_overflow;
        unsigned long n = atomic_load_explicit(&s->count, memory_order_relaxed);
        if (i == METRICS_MAX_REQUEST_SERIES) {
            if (!n)
                continue;
        } else if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_READY) {
            continue;
        }
        snprintf(status, sizeof status, "%d", s->status);
        const char *labels[] = {"route", s->pattern ? s->pattern : OVERFLOW_LABEL, "method", s->method ? s->method : "",
                                "status", status, NULL};
        metrics_fmt_sample(b, "chatlings_http_requests_total", labels, (double)n);
    }
    metrics_fmt_header(b, "chatlings_http_request_duration_seconds", "histogram",
                       "Time from request received to response sent, by route pattern and method");
    for (unsigned i = 0; i <= METRICS_MAX_ROUTE_SERIES; i++) {
        route_series_t *s = i < METRICS_MAX_ROUTE_SERIES ? &M.route[i] : &M.route_overflow;
        unsigned long counts[METRICS_NBUCKETS + 1];
        double sum;
        if (i < METRICS_MAX_ROUTE_SERIES && atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_READY)
            continue;
        load_histogram(&s->h, counts, &sum);
        if (i == METRICS_MAX_ROUTE_SERIES) {
            unsigned long total = 0;
            for (int k = 0; k <= METRICS_NBUCKETS; k++)
                total += counts[k];
            if (!total)
                continue;
        }
        const char *labels[] = {"route", s->pattern ? s->pattern : OVERFLOW_LABEL, "method", s->method ? s->method : "",
                                NULL};
        metrics_fmt_histogram(b, "chatlings_http_request_duration_seconds", labels, counts, sum);
    }
}

static void render_named(buf_t *b, const char *metric, const char *help, const char *label, named_counter_t *table,
                         unsigned size, atomic_ulong *other)
{
    metrics_fmt_header(b, metric, "counter", help);
    for (unsigned i = 0; i < size; i++) {
        if (atomic_load_explicit(&table[i].state, memory_order_acquire) != SLOT_READY)
            continue;
        const char *labels[] = {label, table[i].name, NULL};
        metrics_fmt_sample(b, metric, labels, (double)atomic_load_explicit(&table[i].count, memory_order_relaxed));
    }
    unsigned long n = atomic_load_explicit(other, memory_order_relaxed);
    if (n) {
        const char *labels[] = {label, "other", NULL};
        metrics_fmt_sample(b, metric, labels, (double)n);
    }
}

static void render_redis_client(buf_t *b)
{
    unsigned long attempts = 0, connects = 0, failures = 0, skipped = 0, failing = 0;
    int n = atomic_load(&M.redis_shards);
    if (n > METRICS_MAX_THREAD_SHARDS)
        n = METRICS_MAX_THREAD_SHARDS;
    for (int i = 0; i < n; i++) {
        redis_shard_t *r = &M.redis[i];
        attempts += atomic_load_explicit(&r->connect_attempts, memory_order_relaxed);
        connects += atomic_load_explicit(&r->connects, memory_order_relaxed);
        failures += atomic_load_explicit(&r->failures, memory_order_relaxed);
        skipped += atomic_load_explicit(&r->skipped, memory_order_relaxed);
        failing += atomic_load_explicit(&r->attempt, memory_order_relaxed) > 0;
    }
    static const struct { const char *name, *help; } C[] = {
        {"chatlings_redis_client_connect_attempts_total", "Redis connect attempts (TCP, TLS, AUTH, SELECT)"},
        {"chatlings_redis_client_connects_total", "Redis connects that succeeded"},
        {"chatlings_redis_client_failures_total", "Redis I/O errors, timeouts and failed connects"},
        {"chatlings_redis_client_skipped_total", "Redis commands refused at once during a reconnect back-off"},
    };
    unsigned long v[] = {attempts, connects, failures, skipped};
    for (int i = 0; i < 4; i++) {
        metrics_fmt_header(b, C[i].name, "counter", C[i].help);
        metrics_fmt_sample(b, C[i].name, NULL, (double)v[i]);
    }
    metrics_fmt_header(b, "chatlings_redis_client_failing_connections", "gauge",
                       "Handler-thread Redis connections currently failing (in back-off)");
    metrics_fmt_sample(b, "chatlings_redis_client_failing_connections", NULL, (double)failing);
}

/* CPU seconds, resident bytes and start time of this process from /proc (Linux). */
static void render_process(buf_t *b)
{
    long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    FILE *f = fopen("/proc/self/stat", "r");
    unsigned long utime = 0, stime = 0;
    unsigned long long start = 0;
    if (f) {
        char line[1024];
        if (fgets(line, sizeof line, f)) {
            /* fields after the ")" that closes the command name: state is field 3 */
            char *p = strrchr(line, ')');
            if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d %*d %llu",
                            &utime, &stime, &start) != 3)
                utime = stime = 0;
        }
        fclose(f);
    }
    long rss_pages = 0;
    f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%*d %ld", &rss_pages) != 1)
            rss_pages = 0;
        fclose(f);
    }
    unsigned long long btime = 0;
    f = fopen("/proc/stat", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "btime %llu", &btime) == 1)
                break;
        fclose(f);
    }
    metrics_fmt_header(b, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds");
    metrics_fmt_sample(b, "process_cpu_seconds_total", NULL, ticks > 0 ? (double)(utime + stime) / (double)ticks : 0);
    metrics_fmt_header(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes");
    metrics_fmt_sample(b, "process_resident_memory_bytes", NULL, (double)rss_pages * (double)page);
    metrics_fmt_header(b, "process_start_time_seconds", "gauge", "Start time of the process since the epoch in seconds");
    metrics_fmt_sample(b, "process_start_time_seconds", NULL,
                       ticks > 0 ? (double)btime + (double)start / (double)ticks : 0);

    /* What "CPU > 80 %" and "memory > 85 %" are measured against: the cores we may use and
     * the memory limit of our cgroup (or of the machine when there is none). */
    metrics_fmt_header(b, "chatlings_cpu_cores", "gauge", "CPU cores available to this process");
    metrics_fmt_sample(b, "chatlings_cpu_cores", NULL, (double)sysconf(_SC_NPROCESSORS_ONLN));
    double limit = 0;
    f = fopen("/sys/fs/cgroup/memory.max", "r");
    if (f) {
        unsigned long long v;
        if (fscanf(f, "%llu", &v) == 1)
            limit = (double)v;
        fclose(f);
    }
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)page;
    if (limit <= 0 || limit > phys)
        limit = phys;
    metrics_fmt_header(b, "chatlings_memory_limit_bytes", "gauge", "Memory this process may use (cgroup limit or RAM)");
    metrics_fmt_sample(b, "chatlings_memory_limit_bytes", NULL, limit);
}

void metrics_render(buf_t *b)
{
    render_requests(b);

    unsigned long counts[METRICS_NBUCKETS + 1];
    double sum;
    load_histogram(&M.db, counts, &sum);
    metrics_fmt_header(b, "chatlings_db_query_duration_seconds", "histogram", "PostgreSQL statement durations");
    metrics_fmt_histogram(b, "chatlings_db_query_duration_seconds", NULL, counts, sum);
    metrics_fmt_header(b, "chatlings_db_queries_total", "counter", "PostgreSQL statements by outcome");
    const char *ok[] = {"outcome", "ok", NULL}, *err[] = {"outcome", "error", NULL};
    metrics_fmt_sample(b, "chatlings_db_queries_total", ok, (double)atomic_load(&M.db_ok));
    metrics_fmt_sample(b, "chatlings_db_queries_total", err, (double)atomic_load(&M.db_errors));

    render_named(b, "chatlings_events_total", "Custom business events by name", "name", M.events, METRICS_MAX_EVENTS,
                 &M.events_other);
    render_named(b, "chatlings_exceptions_total", "Errors by kind (http_5xx = responses with status 500-599)", "kind",
                 M.exceptions, MAX_EXCEPTION_KINDS, &M.exceptions_other);

    metrics_fmt_header(b, "chatlings_websocket_connections", "gauge", "Open WebSocket connections");
    metrics_fmt_sample(b, "chatlings_websocket_connections", NULL, (double)atomic_load(&M.ws_open));
    metrics_fmt_header(b, "chatlings_websocket_connections_total", "counter", "WebSocket connections opened");
    metrics_fmt_sample(b, "chatlings_websocket_connections_total", NULL, (double)atomic_load(&M.ws_total));

    render_redis_client(b);
    render_process(b);
}
