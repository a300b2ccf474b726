/* metrics: process-wide counters and histograms for /metrics (Prometheus text format 0.0.4).
 * Every update is a relaxed atomic add into a fixed table (no locks, no allocation), so any
 * thread may record at any time; label sets are fixed at the call site (route patterns, status
 * codes, statement kinds), never taken from request data. Owner: static storage, lives as long
 * as the process; metrics_reset() exists for unit tests only. */
#ifndef CHATLINGS_METRICS_H
#define CHATLINGS_METRICS_H
#include <stddef.h>

#include "core/buf.h"

/* Histogram upper bounds in seconds (the alert thresholds 2 s and 5 s are bucket edges). */
#define METRICS_NBUCKETS 13
extern const double METRICS_BUCKETS[METRICS_NBUCKETS];

#define METRICS_MAX_REQUEST_SERIES 1024 /* (route, method, status) counters */
#define METRICS_MAX_ROUTE_SERIES 512    /* (route, method) histograms */
#define METRICS_MAX_EVENTS 128          /* custom event names */
#define METRICS_MAX_EVENT_NAME 48
#define METRICS_MAX_THREAD_SHARDS 256   /* threads that report Redis transport counters */

/* One finished HTTP request. pattern is the route pattern (a string that lives as long as the
 * process, e.g. route_t.pattern) or NULL for "no route matched"; method likewise (static).
 * Status >= 500 also counts as an exception of kind "http_5xx". */
void metrics_http_request(const char *method, const char *pattern, int status, double seconds);

/* One PostgreSQL statement (db_exec): its duration and whether it succeeded at the SQL level.
 * name is the statement's static name; it goes to the telemetry sink, not into a label. */
void metrics_db_query(const char *name, double seconds, int ok);

/* A named business event ("creature_collected", "achievement_unlocked"). Names are cut to
 * METRICS_MAX_EVENT_NAME characters of [a-z0-9_]; past METRICS_MAX_EVENTS distinct names,
 * further names count as "other". */
void metrics_event(const char *name);

/* An error worth an alert that is not an HTTP 5xx (a failed job, a crashed worker loop).
 * kind is a short static word ("job", "worker", "scheduler"). */
void metrics_exception(const char *kind, const char *message);

/* WebSocket connections: opened / closed (a gauge and a total). */
void metrics_ws_opened(void);
void metrics_ws_closed(void);

/* The calling thread's Redis transport counters (redis_stats of the connection it owns),
 * stored in that thread's own shard; /metrics sums the shards. Call it after each use. */
struct redis_stats;
void metrics_redis_sample(const struct redis_stats *st);

/* Where telemetry goes besides the counters (the Application Insights exporter). Set once
 * at start-up before any thread records; callbacks run on the recording thread and must be
 * quick and never block (enqueue and return). Any callback may be NULL. */
typedef struct metrics_sink {
    void (*dependency)(const char *type, const char *name, double ms, int ok);
    void (*event)(const char *name);
    void (*exception)(const char *kind, const char *message);
} metrics_sink_t;
void metrics_set_sink(const metrics_sink_t *sink);

/* Renders everything recorded here (requests, durations, queries, events, exceptions,
 * WebSockets, Redis transport, process CPU / memory / start time) into b. */
void metrics_render(buf_t *b);

/* ---- Prometheus text formatting (pure; unit-tested) ---- */

/* "# HELP name help\n# TYPE name type\n" (help escaped: backslash and newline). */
void metrics_fmt_header(buf_t *b, const char *name, const char *type, const char *help);
/* name{k="v",...} value\n. labels: NULL or {"k", "v", ..., NULL}; values escaped. */
void metrics_fmt_sample(buf_t *b, const char *name, const char *const *labels, double value);
/* A label value escaped: \ -> \\, " -> \", newline -> \n. */
void metrics_fmt_label_value(buf_t *b, const char *v);
/* A sample value: integers without a fraction, +Inf / -Inf / NaN spelled as Prometheus does. */
void metrics_fmt_value(buf_t *b, double v);
/* A histogram: cumulative _bucket{le=...} lines from per-bucket counts (counts has
 * METRICS_NBUCKETS + 1 entries, the last for +Inf), then _sum and _count. */
void metrics_fmt_histogram(buf_t *b, const char *name, const char *const *labels, const unsigned long *counts,
                           double sum);

/* Forgets everything (tests). Not safe while other threads record. */
void metrics_reset(void);

#endif
