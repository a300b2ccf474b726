/* telemetry: custom events ("creature_collected", "achievement_unlocked", "shop_purchase", ...)
 * stored in telemetry_events for the dashboard and the App Insights exporter, and written as one
 * JSON log line each ({"event":"telemetry","name":..,"user_id":..,"properties":{..}}). */
#ifndef CHATLINGS_TELEMETRY_H
#define CHATLINGS_TELEMETRY_H
#include <libpq-fe.h>

#include "store/db.h"
#include "store/effects.h"

/* Inserts the event inside the caller's transaction and notes its log line in fx (written after
 * COMMIT). props_json must be a JSON object. 0, or -1 with *err the failed result (or NULL when
 * the connection broke) for api_check. */
int telemetry_record(db_conn_t *db, const char *user_id, const char *name, const char *props_json, effects_t *fx,
                     PGresult **err);

/* Writes the JSON log line of an event (user_id may be NULL; props_json a JSON object). */
void telemetry_log(const char *user_id, const char *name, const char *props_json);

#endif
