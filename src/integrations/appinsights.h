/* appinsights: an optional exporter of requests, dependencies (PostgreSQL statements),
 * exceptions and custom events to Application Insights' ingestion API
 * (POST {IngestionEndpoint}/v2/track, JSON array of envelopes). Recording only copies the item
 * into a bounded in-memory queue; a background thread sends batches every interval_ms.
 * When the queue is full, or the endpoint keeps failing, items are dropped and counted:
 * telemetry never slows down or breaks a request. Owner: one exporter per process, started
 * by serve/worker after the configuration is loaded and stopped (flushed) at exit. */
#ifndef CHATLINGS_APPINSIGHTS_H
#define CHATLINGS_APPINSIGHTS_H
#include <stddef.h>

#include "core/buf.h"

#define APPINSIGHTS_QUEUE_MAX 10000 /* items waiting to be sent */
#define APPINSIGHTS_BATCH_MAX 500   /* items per POST */

typedef struct appinsights_opts {
    const char *connection_string; /* "InstrumentationKey=...;IngestionEndpoint=https://..." */
    const char *role;              /* ai.cloud.role: "chatlings-web", "chatlings-worker" */
    int interval_ms;               /* between sends; default 5000 */
    long timeout_ms;               /* per POST; default 5000 */
} appinsights_opts_t;

/* Parses a connection string. The endpoint defaults to the global ingestion endpoint when the
 * string names none; a trailing '/' is removed. 0, or -1 with a message (no key, bad URL). */
int appinsights_parse_connection_string(const char *cs, char *ikey, size_t ikeylen, char *endpoint,
                                        size_t endpointlen, char *err, size_t errlen);

/* Starts the sender thread and becomes the metrics sink (dependencies, events, exceptions).
 * 0, or -1 with a message. A second start without a stop is an error. */
int appinsights_start(const appinsights_opts_t *opts, char *err, size_t errlen);
/* The start of serve and worker: nothing when connection_string is empty (not configured),
 * else appinsights_start() with the role and interval. */
int appinsights_start_role(const char *connection_string, const char *role, int interval_ms, char *err,
                           size_t errlen);
/* Sends what is queued (one last attempt) and stops the thread. Harmless when not started. */
void appinsights_stop(void);
int appinsights_enabled(void);

/* No-ops when the exporter is not running. Strings are copied (and cut) at once. */
void appinsights_track_request(const char *method, const char *pattern, const char *request_id, int status,
                               double duration_ms);
void appinsights_track_dependency(const char *type, const char *name, double duration_ms, int ok);
void appinsights_track_event(const char *name);
void appinsights_track_exception(const char *kind, const char *message);

/* Counters for tests and logs. */
typedef struct appinsights_stats { unsigned long queued, sent, dropped, failed_posts; } appinsights_stats_t;
void appinsights_stats(appinsights_stats_t *out);

/* Formats a duration as Application Insights wants it: "d.hh:mm:ss.fff" (pure; unit-tested). */
void appinsights_fmt_duration(double ms, char *out, size_t outlen);

#endif
