/* appinsights: bounded queue + one sender thread. Items are small fixed structs copied under a
 * mutex (no allocation on the recording thread); the sender renders the envelopes as JSON and
 * POSTs them in batches. A batch that fails with a network error, 408, 429 or 5xx is kept and
 * tried again at the next interval, at most three times; anything else is dropped and counted. */
#include "integrations/appinsights.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "integrations/httpc.h"
#include "store/metrics.h"

#define DEFAULT_ENDPOINT "https://dc.services.visualstudio.com"
#define MAX_ATTEMPTS 3

typedef enum { ITEM_REQUEST, ITEM_DEPENDENCY, ITEM_EVENT, ITEM_EXCEPTION } item_kind_t;

typedef struct item {
    item_kind_t kind;
    int64_t time_ms;   /* epoch ms when it happened (end of the request, start is derived) */
    double duration_ms;
    int status;
    int ok;
    char name[160];    /* "GET /api/x", statement name, event name, exception kind */
    char id[32];       /* request id */
    char detail[256];  /* exception message / dependency type */
} item_t;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    pthread_t thread;
    int running, stopping;
    atomic_int enabled;
    item_t *ring;
    size_t head, count;
    char ikey[64];
    char url[600];
    char role[64];
    char instance[128];
    int interval_ms;
    long timeout_ms;
    appinsights_stats_t stats;
} A = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static int64_t now_epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int appinsights_parse_connection_string(const char *cs, char *ikey, size_t ikeylen, char *endpoint,
                                        size_t endpointlen, char *err, size_t errlen)
{
    ikey[0] = '\0';
    snprintf(endpoint, endpointlen, "%s", DEFAULT_ENDPOINT);
    for (const char *p = cs ? cs : ""; *p;) {
        size_t n = strcspn(p, ";");
        const char *eq = memchr(p, '=', n);
        if (eq) {
            size_t kl = (size_t)(eq - p), vl = n - kl - 1;
            const char *v = eq + 1;
            while (kl && p[kl - 1] == ' ')
                kl--;
            if (kl == 18 && !strncasecmp(p, "InstrumentationKey", 18)) {
                if (vl >= ikeylen) {
                    snprintf(err, errlen, "appinsights: InstrumentationKey is too long");
                    return -1;
                }
                snprintf(ikey, ikeylen, "%.*s", (int)vl, v);
            } else if (kl == 17 && !strncasecmp(p, "IngestionEndpoint", 17)) {
                if (vl >= endpointlen) {
                    snprintf(err, errlen, "appinsights: IngestionEndpoint is too long");
                    return -1;
                }
                snprintf(endpoint, endpointlen, "%.*s", (int)vl, v);
            }
        }
        p += n;
        if (*p == ';')
            p++;
    }
    size_t el = strlen(endpoint);
    while (el && endpoint[el - 1] == '/')
        endpoint[--el] = '\0';
    if (!ikey[0]) {
        snprintf(err, errlen, "appinsights: the connection string has no InstrumentationKey");
        return -1;
    }
    for (const char *k = ikey; *k; k++) {
        if (!((*k >= '0' && *k <= '9') || (*k >= 'a' && *k <= 'f') || (*k >= 'A' && *k <= 'F') || *k == '-')) {
            snprintf(err, errlen, "appinsights: InstrumentationKey is not a GUID");
            return -1;
        }
    }
    if (strncmp(endpoint, "https://", 8) && strncmp(endpoint, "http://", 7)) {
        snprintf(err, errlen, "appinsights: IngestionEndpoint must be an http(s) URL");
        return -1;
    }
    return 0;
}

void appinsights_fmt_duration(double ms, char *out, size_t outlen)
{
    if (!(ms >= 0))
        ms = 0;
    unsigned long long total = (unsigned long long)(ms + 0.5);
    unsigned long long days = total / 86400000ULL;
    total %= 86400000ULL;
    snprintf(out, outlen, "%llu.%02llu:%02llu:%02llu.%03llu", days, total / 3600000ULL, total / 60000ULL % 60,
             total / 1000ULL % 60, total % 1000ULL);
}

static void fmt_time(buf_t *b, int64_t ms)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char t[64];
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
    buf_printf(b, "\"%s.%03dZ\"", t, (int)(ms % 1000));
}

/* ---- recording ---- */

static void push(const item_t *it)
{
    pthread_mutex_lock(&A.mu);
    if (!A.running || A.stopping) {
        pthread_mutex_unlock(&A.mu);
        return;
    }
    if (A.count >= APPINSIGHTS_QUEUE_MAX) {
        A.stats.dropped++;
    } else {
        A.ring[(A.head + A.count) % APPINSIGHTS_QUEUE_MAX] = *it;
        A.count++;
        A.stats.queued++;
    }
    pthread_mutex_unlock(&A.mu);
}

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

void appinsights_track_request(const char *method, const char *pattern, const char *request_id, int status,
                               double duration_ms)
{
    if (!atomic_load_explicit(&A.enabled, memory_order_relaxed))
        return;
    item_t it = {.kind = ITEM_REQUEST, .time_ms = now_epoch_ms(), .duration_ms = duration_ms, .status = status,
                 .ok = status > 0 && status < 500};
    /* the route pattern, never the raw path: ids in paths would make every request a new name */
    snprintf(it.name, sizeof it.name, "%s %s", method ? method : "", pattern ? pattern : "(unmatched)");
    copy(it.id, sizeof it.id, request_id);
    push(&it);
}

void appinsights_track_dependency(const char *type, const char *name, double duration_ms, int ok)
{
    if (!atomic_load_explicit(&A.enabled, memory_order_relaxed))
        return;
    item_t it = {.kind = ITEM_DEPENDENCY, .time_ms = now_epoch_ms(), .duration_ms = duration_ms, .ok = ok};
    copy(it.name, sizeof it.name, name);
    copy(it.detail, sizeof it.detail, type);
    push(&it);
}

void appinsights_track_event(const char *name)
{
    if (!atomic_load_explicit(&A.enabled, memory_order_relaxed))
        return;
    item_t it = {.kind = ITEM_EVENT, .time_ms = now_epoch_ms()};
    copy(it.name, sizeof it.name, name);
    push(&it);
}

void appinsights_track_exception(const char *kind, const char *message)
{
    if (!atomic_load_explicit(&A.enabled, memory_order_relaxed))
        return;
    item_t it = {.kind = ITEM_EXCEPTION, .time_ms = now_epoch_ms()};
    copy(it.name, sizeof it.name, kind);
    copy(it.detail, sizeof it.detail, message);
    push(&it);
}

/* ---- rendering and sending (sender thread) ---- */

static void render(buf_t *b, const item_t *it)
{
    static const char *const NAMES[] = {"Request", "RemoteDependency", "Event", "Exception"};
    static const char *const BASE[] = {"RequestData", "RemoteDependencyData", "EventData", "ExceptionData"};
    char dur[48];
    appinsights_fmt_duration(it->duration_ms, dur, sizeof dur);
    int64_t start = it->time_ms - (int64_t)it->duration_ms;
    buf_printf(b, "{\"name\":\"Microsoft.ApplicationInsights.%s\",\"time\":", NAMES[it->kind]);
    fmt_time(b, it->kind == ITEM_REQUEST || it->kind == ITEM_DEPENDENCY ? start : it->time_ms);
    buf_puts(b, ",\"iKey\":");
    buf_json_cstr(b, A.ikey);
    buf_puts(b, ",\"tags\":{\"ai.cloud.role\":");
    buf_json_cstr(b, A.role);
    buf_puts(b, ",\"ai.cloud.roleInstance\":");
    buf_json_cstr(b, A.instance);
    if (it->kind == ITEM_REQUEST) {
        buf_puts(b, ",\"ai.operation.id\":");
        buf_json_cstr(b, it->id);
        buf_puts(b, ",\"ai.operation.name\":");
        buf_json_cstr(b, it->name);
    }
    buf_printf(b, "},\"data\":{\"baseType\":\"%s\",\"baseData\":{\"ver\":2", BASE[it->kind]);
    switch (it->kind) {
    case ITEM_REQUEST:
        buf_puts(b, ",\"id\":");
        buf_json_cstr(b, it->id);
        buf_puts(b, ",\"name\":");
        buf_json_cstr(b, it->name);
        buf_printf(b, ",\"duration\":\"%s\",\"responseCode\":\"%d\",\"success\":%s", dur, it->status,
                   it->ok ? "true" : "false");
        break;
    case ITEM_DEPENDENCY:
        buf_puts(b, ",\"name\":");
        buf_json_cstr(b, it->name);
        buf_puts(b, ",\"type\":");
        buf_json_cstr(b, it->detail);
        buf_printf(b, ",\"duration\":\"%s\",\"success\":%s,\"resultCode\":\"%s\"", dur, it->ok ? "true" : "false",
                   it->ok ? "0" : "error");
        break;
    case ITEM_EVENT:
        buf_puts(b, ",\"name\":");
        buf_json_cstr(b, it->name);
        break;
    case ITEM_EXCEPTION:
        buf_puts(b, ",\"severityLevel\":3,\"exceptions\":[{\"typeName\":");
        buf_json_cstr(b, it->name);
        buf_puts(b, ",\"message\":");
        buf_json_cstr(b, it->detail[0] ? it->detail : it->name);
        buf_puts(b, ",\"hasFullStack\":false}]");
        break;
    }
    buf_puts(b, "}}}");
}

/* 1 sent (or given up), 0 keep for a retry. */
static int post_batch(const item_t *items, size_t n, int attempt)
{
    buf_t body, resp;
    buf_init(&body, 64u << 20);
    buf_init(&resp, 1u << 20);
    buf_puts(&body, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_puts(&body, ",");
        render(&body, &items[i]);
    }
    buf_puts(&body, "]");
    static const char *const headers[] = {"Content-Type: application/json", NULL};
    long status = 0;
    char err[256] = "";
    int rc = httpc_request("POST", A.url, headers, body.data, body.len, A.timeout_ms, &status, &resp, err, sizeof err);
    buf_free(&body);
    buf_free(&resp);
    int retry = rc != 0 || status == 408 || status == 429 || status >= 500;
    pthread_mutex_lock(&A.mu);
    if (!retry && status >= 200 && status < 300) {
        A.stats.sent += n;
    } else {
        A.stats.failed_posts++;
        if (!retry || attempt + 1 >= MAX_ATTEMPTS)
            A.stats.dropped += n;
    }
    pthread_mutex_unlock(&A.mu);
    if (retry && attempt + 1 < MAX_ATTEMPTS) {
        log_warn("appinsights", "send failed (%s), will retry", rc ? err : "server busy");
        return 0;
    }
    if (rc || status < 200 || status >= 300)
        log_warn("appinsights", "dropped %zu items (%s%ld)", n, rc ? err : "status ", rc ? 0L : status);
    return 1;
}

static void *sender_main(void *arg)
{
    (void)arg;
    item_t *batch = malloc(sizeof(item_t) * APPINSIGHTS_BATCH_MAX);
    size_t n = 0;
    int attempt = 0;
    pthread_mutex_lock(&A.mu);
    for (;;) {
        if (!A.stopping && n == 0) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += A.interval_ms / 1000;
            until.tv_nsec += (long)(A.interval_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            while (!A.stopping && pthread_cond_timedwait(&A.wake, &A.mu, &until) == 0)
                ;
        }
        int stopping = A.stopping;
        /* a batch kept for a retry goes first; otherwise take what is queued */
        if (n == 0 && batch) {
            while (n < APPINSIGHTS_BATCH_MAX && A.count) {
                batch[n++] = A.ring[A.head];
                A.head = (A.head + 1) % APPINSIGHTS_QUEUE_MAX;
                A.count--;
            }
            attempt = 0;
        }
        if (n == 0) {
            if (stopping)
                break;
            continue;
        }
        pthread_mutex_unlock(&A.mu);
        int done = post_batch(batch, n, stopping ? MAX_ATTEMPTS - 1 : attempt);
        pthread_mutex_lock(&A.mu);
        if (done)
            n = 0;
        else
            attempt++;
        if (!done && !stopping) {
            /* wait a full interval before the retry */
            pthread_mutex_unlock(&A.mu);
            usleep((useconds_t)A.interval_ms * 1000);
            pthread_mutex_lock(&A.mu);
        }
        if (stopping && n == 0 && A.count == 0)
            break;
    }
    pthread_mutex_unlock(&A.mu);
    free(batch);
    return NULL;
}

static const metrics_sink_t SINK = {
    .dependency = appinsights_track_dependency,
    .event = appinsights_track_event,
    .exception = appinsights_track_exception,
};

int appinsights_start_role(const char *connection_string, const char *role, int interval_ms, char *err,
                           size_t errlen)
{
    if (!connection_string || !connection_string[0])
        return 0;
    appinsights_opts_t ai = {.connection_string = connection_string, .role = role, .interval_ms = interval_ms};
    return appinsights_start(&ai, err, errlen);
}

int appinsights_start(const appinsights_opts_t *o, char *err, size_t errlen)
{
    char endpoint[512];
    if (appinsights_parse_connection_string(o->connection_string, A.ikey, sizeof A.ikey, endpoint, sizeof endpoint, err,
                                            errlen))
        return -1;
    if (httpc_global_init()) {
        snprintf(err, errlen, "appinsights: libcurl failed to initialise");
        return -1;
    }
    pthread_mutex_lock(&A.mu);
    if (A.running) {
        pthread_mutex_unlock(&A.mu);
        snprintf(err, errlen, "appinsights: already started");
        return -1;
    }
    snprintf(A.url, sizeof A.url, "%s/v2/track", endpoint);
    copy(A.role, sizeof A.role, o->role ? o->role : "chatlings");
    if (gethostname(A.instance, sizeof A.instance))
        copy(A.instance, sizeof A.instance, "unknown");
    A.instance[sizeof A.instance - 1] = '\0';
    A.interval_ms = o->interval_ms > 0 ? o->interval_ms : 5000;
    A.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
    A.ring = calloc(APPINSIGHTS_QUEUE_MAX, sizeof(item_t));
    A.head = A.count = 0;
    memset(&A.stats, 0, sizeof A.stats);
    if (!A.ring) {
        pthread_mutex_unlock(&A.mu);
        snprintf(err, errlen, "appinsights: out of memory");
        return -1;
    }
    A.running = 1;
    A.stopping = 0;
    if (pthread_create(&A.thread, NULL, sender_main, NULL)) {
        A.running = 0;
        free(A.ring);
        A.ring = NULL;
        pthread_mutex_unlock(&A.mu);
        snprintf(err, errlen, "appinsights: cannot start the sender thread");
        return -1;
    }
    pthread_mutex_unlock(&A.mu);
    atomic_store(&A.enabled, 1);
    metrics_set_sink(&SINK);
    log_info("appinsights", "exporting telemetry to %s every %d ms", endpoint, A.interval_ms);
    return 0;
}

void appinsights_stop(void)
{
    pthread_mutex_lock(&A.mu);
    if (!A.running) {
        pthread_mutex_unlock(&A.mu);
        return;
    }
    A.stopping = 1;
    pthread_cond_signal(&A.wake);
    pthread_mutex_unlock(&A.mu);
    metrics_set_sink(NULL);
    atomic_store(&A.enabled, 0);
    pthread_join(A.thread, NULL);
    pthread_mutex_lock(&A.mu);
    A.stats.dropped += A.count;
    A.count = 0;
    free(A.ring);
    A.ring = NULL;
    A.running = 0;
    pthread_mutex_unlock(&A.mu);
    log_info("appinsights", "stopped: %lu sent, %lu dropped", A.stats.sent, A.stats.dropped);
}

int appinsights_enabled(void)
{
    return atomic_load(&A.enabled);
}

void appinsights_stats(appinsights_stats_t *out)
{
    pthread_mutex_lock(&A.mu);
    *out = A.stats;
    pthread_mutex_unlock(&A.mu);
}
