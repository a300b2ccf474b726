/* admin_dashboard: the figures on the portal's first screen, live: players (all, active today
 * and this week, new, suspended, admins), finds per source (last 24 h and 7 days), chatrooms and
 * open chat reports, the job queue's depths and dead letters, and this instance's HTTP figures
 * (requests, 5xx, p95 latency) from its own /metrics counters. The portal polls it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/admin.h"
#include "api/admin_figures.h"
#include "api/api.h"
#include "store/metrics.h"
#include "store/queue.h"

static const db_stmt_t STMT_PLAYERS = {
    "admin_dashboard_players",
    "SELECT (SELECT count(*) FROM users WHERE deleted_at IS NULL),"
    " (SELECT count(*) FROM users WHERE deleted_at IS NULL AND last_seen_at >= now() - interval '24 hours'),"
    " (SELECT count(*) FROM users WHERE deleted_at IS NULL AND last_seen_at >= now() - interval '7 days'),"
    " (SELECT count(*) FROM users WHERE deleted_at IS NULL AND created_at >= now() - interval '24 hours'),"
    " (SELECT count(*) FROM users WHERE deleted_at IS NULL AND suspended_at IS NOT NULL),"
    " (SELECT count(*) FROM users WHERE deleted_at IS NULL AND is_admin),"
    " (SELECT count(*) FROM creatures WHERE deleted_at IS NULL AND is_active),"
    " (SELECT count(*) FROM creatures WHERE deleted_at IS NULL),"
    " (SELECT count(*) FROM chatrooms WHERE is_active AND (closes_at IS NULL OR closes_at > now())),"
    " (SELECT count(*) FROM chat_reports WHERE resolved_at IS NULL)",
    0};

/* New creatures in collections by how they were first found (the source of a first find). */
static const db_stmt_t STMT_FINDS = {
    "admin_dashboard_finds",
    "SELECT source, count(*) FILTER (WHERE first_found_at >= now() - interval '24 hours'), count(*)"
    " FROM user_collections WHERE first_found_at >= now() - interval '7 days' GROUP BY source ORDER BY source",
    0};

static const char *const SOURCES[] = {"starter", "daily_box", "visitor", "encounter", "youtube", "event", "admin"};

void api_admin_dashboard(http_ctx_t *ctx)
{
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    PGresult *p = db_exec(db, &STMT_PLAYERS, NULL);
    if (api_check(ctx, p))
        return;
    PGresult *f = db_exec(db, &STMT_FINDS, NULL);
    if (api_check(ctx, f)) {
        PQclear(p);
        return;
    }
    buf_t *b = &ctx->res->body;
    buf_printf(b,
               "{\"players\":{\"total\":%s,\"active_24h\":%s,\"active_7d\":%s,\"new_24h\":%s,\"suspended\":%s,"
               "\"admins\":%s},\"creatures\":{\"active\":%s,\"total\":%s},\"chat\":{\"open_rooms\":%s,"
               "\"open_reports\":%s},\"finds\":{",
               PQgetvalue(p, 0, 0), PQgetvalue(p, 0, 1), PQgetvalue(p, 0, 2), PQgetvalue(p, 0, 3), PQgetvalue(p, 0, 4),
               PQgetvalue(p, 0, 5), PQgetvalue(p, 0, 6), PQgetvalue(p, 0, 7), PQgetvalue(p, 0, 8), PQgetvalue(p, 0, 9));
    PQclear(p);
    /* every source, zeros included, so the chart keeps its shape */
    for (size_t s = 0; s < sizeof SOURCES / sizeof SOURCES[0]; s++) {
        const char *d1 = "0", *d7 = "0";
        for (int i = 0; i < PQntuples(f); i++)
            if (!strcmp(PQgetvalue(f, i, 0), SOURCES[s])) {
                d1 = PQgetvalue(f, i, 1);
                d7 = PQgetvalue(f, i, 2);
            }
        buf_printf(b, "%s\"%s\":{\"last_24h\":%s,\"last_7d\":%s}", s ? "," : "", SOURCES[s], d1, d7);
    }
    PQclear(f);

    queue_stats_t qs;
    if (queue_stats(ctx->thread->redis, QUEUE_DEFAULT, &qs) == 0)
        buf_printf(b, "},\"queue\":{\"name\":\"%s\",\"ready\":%lld,\"pending\":%lld,\"delayed\":%lld,\"dead\":%lld}",
                   QUEUE_DEFAULT, qs.ready, qs.pending, qs.delayed, qs.dead);
    else
        buf_puts(b, "},\"queue\":null");

    buf_t m;
    buf_init(&m, 8u << 20);
    metrics_render(&m);
    admin_http_figures_t h;
    admin_figures_parse(m.data ? m.data : "", m.len, &h);
    buf_free(&m);
    buf_printf(b, ",\"http\":{\"scope\":\"this instance since it started\",\"requests\":%.0f,\"errors_5xx\":%.0f,"
                  "\"errors_4xx\":%.0f,\"error_rate\":%.6f,\"p95_ms\":",
               h.requests, h.errors_5xx, h.errors_4xx, h.requests > 0 ? h.errors_5xx / h.requests : 0.0);
    if (h.p95_s < 0)
        buf_puts(b, "null");
    else
        buf_printf(b, "%.1f", h.p95_s * 1000.0);
    /* the histogram too, so the portal can work out p95 and the error rate between two polls */
    buf_puts(b, ",\"buckets\":[");
    for (int i = 0; i < h.nbuckets; i++) {
        if (h.le[i] > 1e300)
            buf_printf(b, "%s{\"le\":null,\"count\":%.0f}", i ? "," : "", h.count[i]);
        else
            buf_printf(b, "%s{\"le\":%g,\"count\":%.0f}", i ? "," : "", h.le[i], h.count[i]);
    }
    buf_puts(b, "]},\"generated_at\":");
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_json_cstr(b, now);
    buf_puts(b, "}");
}
