/* telemetry: event rows and their log lines. */
#include "store/telemetry.h"

#include "store/metrics.h"

#include "core/buf.h"
#include "core/log.h"

static const db_stmt_t STMT_TELEMETRY_INSERT = {
    "telemetry_insert",
    "INSERT INTO telemetry_events (name, user_id, properties) VALUES ($2, $1, $3::jsonb) RETURNING properties::text", 3};

int telemetry_record(db_conn_t *db, const char *user_id, const char *name, const char *props_json, effects_t *fx,
                     PGresult **err)
{
    const char *params[] = {user_id, name, props_json};
    PGresult *r = db_exec(db, &STMT_TELEMETRY_INSERT, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        *err = r;
        return -1;
    }
    effects_event(fx, name, PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

void telemetry_log(const char *user_id, const char *name, const char *props_json)
{
    metrics_event(name);
    buf_t b;
    buf_init(&b, 16 * 1024);
    buf_puts(&b, "\"name\":");
    buf_json_cstr(&b, name);
    buf_puts(&b, ",\"user_id\":");
    buf_json_cstr(&b, user_id);
    /* props come from PostgreSQL's jsonb output (or our own renderer): already valid JSON */
    buf_puts(&b, ",\"properties\":");
    buf_puts(&b, props_json && *props_json ? props_json : "{}");
    if (!b.overflow)
        log_json(LOG_INFO, "telemetry", b.data);
    buf_free(&b);
}
