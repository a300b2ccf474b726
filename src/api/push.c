/* push: the Web Push API of the PWA. GET /api/push/vapid-public-key (the applicationServerKey
 * browsers subscribe with), POST/DELETE /api/push/subscription (register or drop this browser's
 * PushSubscription), GET/PUT /api/push/preferences (which notification categories may ring the
 * player's devices). Delivery is the worker's (worker/push_deliver.c): a database trigger puts
 * every notification a subscribed player should hear about into push_outbox. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "core/log.h"
#include "integrations/webpush.h"

/* A player rarely has more browsers than this; past it the oldest subscription goes. */
#define MAX_SUBSCRIPTIONS_PER_USER 10

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The categories of notifications, in the column order of push_preferences. */
static const char *const CATEGORIES[] = {"creature_found", "achievement", "daily_box_ready",
                                         "new_chatroom",   "runaway",     "system"};
#define NCATEGORIES (sizeof CATEGORIES / sizeof CATEGORIES[0])

/* ---- GET /api/push/vapid-public-key ---- */

void api_push_vapid_key(http_ctx_t *ctx)
{
    char err[256] = "";
    const webpush_vapid_t *v = webpush_vapid_get(ctx->app->cfg, err, sizeof err);
    if (!v) {
        log_error("webpush", "no VAPID key: %s", err);
        http_res_error(ctx->res, 503, "unavailable", "push notifications are not configured on this server");
        return;
    }
    buf_puts(&ctx->res->body, "{\"public_key\":");
    buf_json_cstr(&ctx->res->body, webpush_vapid_public_b64(v));
    buf_puts(&ctx->res->body, "}");
}

/* ---- POST /api/push/subscription ---- */

/* Insert or take over (the same browser, now signed in as this player) in one statement, and
 * keep at most MAX_SUBSCRIPTIONS_PER_USER per player by dropping the oldest. */
static const db_stmt_t STMT_SUBSCRIBE = {
    "push_subscribe",
    "WITH up AS (INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, user_agent)"
    "            VALUES ($1, $2, $3, $4, $5)"
    "            ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh,"
    "              auth = EXCLUDED.auth, user_agent = EXCLUDED.user_agent, failures = 0"
    "            RETURNING id, created_at),"
    " old AS (DELETE FROM push_subscriptions WHERE id IN ("
    "           SELECT id FROM push_subscriptions WHERE user_id = $1 AND endpoint <> $2"
    "           ORDER BY created_at DESC, id DESC OFFSET $6))"
    " SELECT id, " ISO("created_at") " FROM up",
    6};

void api_push_subscribe(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    json_t *keys = json_object_get(doc, "keys");
    const char *endpoint = json_string_value(json_object_get(doc, "endpoint"));
    const char *p256dh = json_string_value(json_object_get(keys, "p256dh"));
    const char *auth = json_string_value(json_object_get(keys, "auth"));
    char err[200];
    uint8_t ua[WEBPUSH_PUBLIC_KEY_LEN], secret[WEBPUSH_AUTH_LEN];
    if (!endpoint || !p256dh || !auth) {
        json_decref(doc);
        http_res_error(ctx->res, 400, "bad_request", "send the PushSubscription: {endpoint, keys: {p256dh, auth}}");
        return;
    }
    if (!webpush_endpoint_allowed(ctx->app->cfg, endpoint, err, sizeof err)) {
        json_decref(doc);
        http_res_error(ctx->res, 400, "bad_request", err);
        return;
    }
    if (webpush_decode_keys(p256dh, auth, ua, secret)) {
        json_decref(doc);
        http_res_error(ctx->res, 400, "bad_request", "keys.p256dh must be a P-256 public key and keys.auth 16 bytes (base64url)");
        return;
    }
    char ua_text[301] = "";
    size_t ualen;
    const char *agent = http_req_header(ctx->req, "user-agent", &ualen);
    if (agent)
        snprintf(ua_text, sizeof ua_text, "%.*s", (int)(ualen > 300 ? 300 : ualen), agent);
    /* a valid UTF-8 cut is not guaranteed at 300 bytes: keep ASCII only */
    for (char *p = ua_text; *p; p++)
        if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
            *p = '?';
    char keep[16];
    snprintf(keep, sizeof keep, "%d", MAX_SUBSCRIPTIONS_PER_USER - 1);
    db_conn_t *db = api_db(ctx);
    if (!db) {
        json_decref(doc);
        return;
    }
    const char *params[] = {uid, endpoint, p256dh, auth, ua_text[0] ? ua_text : NULL, keep};
    PGresult *r = db_exec(db, &STMT_SUBSCRIBE, params);
    json_decref(doc);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_printf(b, "{\"subscription\":{\"id\":%s,\"created_at\":", PQgetvalue(r, 0, 0));
    api_json_time(b, r, 0, 1);
    buf_puts(b, "}}");
    PQclear(r);
    ctx->res->status = 201;
}

/* ---- DELETE /api/push/subscription ---- */

static const db_stmt_t STMT_UNSUBSCRIBE_ONE = {
    "push_unsubscribe_one", "DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2", 2};
static const db_stmt_t STMT_UNSUBSCRIBE_ALL = {"push_unsubscribe_all",
                                               "DELETE FROM push_subscriptions WHERE user_id = $1", 1};

/* With {"endpoint"} this browser's subscription; with no body, every one of the player's. */
void api_push_unsubscribe(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    json_t *doc = NULL;
    const char *endpoint = NULL;
    if (ctx->req->body_len > 0) {
        doc = api_json_body(ctx);
        if (!doc)
            return;
        endpoint = json_string_value(json_object_get(doc, "endpoint"));
        if (!endpoint) {
            json_decref(doc);
            http_res_error(ctx->res, 400, "bad_request", "endpoint must be a string (or send no body to drop all)");
            return;
        }
    }
    db_conn_t *db = api_db(ctx);
    if (!db) {
        json_decref(doc);
        return;
    }
    const char *params[] = {uid, endpoint};
    PGresult *r = db_exec(db, endpoint ? &STMT_UNSUBSCRIBE_ONE : &STMT_UNSUBSCRIBE_ALL, params);
    json_decref(doc);
    if (api_check(ctx, r))
        return;
    buf_printf(&ctx->res->body, "{\"deleted\":%s}", PQcmdTuples(r));
    PQclear(r);
}

/* ---- GET, PUT /api/push/preferences ---- */

static const db_stmt_t STMT_PREFS = {
    "push_prefs",
    "SELECT coalesce(p.creature_found, true), coalesce(p.achievement, true), coalesce(p.daily_box_ready, true),"
    " coalesce(p.new_chatroom, true), coalesce(p.runaway, true), coalesce(p.system, true),"
    " (SELECT count(*) FROM push_subscriptions s WHERE s.user_id = $1)"
    " FROM (SELECT 1) one LEFT JOIN push_preferences p ON p.user_id = $1",
    1};

/* A NULL parameter keeps the stored (or default) value: PUT may send only what changed. */
static const db_stmt_t STMT_PREFS_PUT = {
    "push_prefs_put",
    "INSERT INTO push_preferences AS p (user_id, creature_found, achievement, daily_box_ready, new_chatroom, runaway,"
    " system, updated_at)"
    " VALUES ($1, coalesce($2::boolean, true), coalesce($3::boolean, true), coalesce($4::boolean, true),"
    "         coalesce($5::boolean, true), coalesce($6::boolean, true), coalesce($7::boolean, true), now())"
    " ON CONFLICT (user_id) DO UPDATE SET creature_found = coalesce($2::boolean, p.creature_found),"
    "   achievement = coalesce($3::boolean, p.achievement), daily_box_ready = coalesce($4::boolean, p.daily_box_ready),"
    "   new_chatroom = coalesce($5::boolean, p.new_chatroom), runaway = coalesce($6::boolean, p.runaway),"
    "   system = coalesce($7::boolean, p.system), updated_at = now()",
    7};

static void respond_prefs(http_ctx_t *ctx, db_conn_t *db, const char *uid)
{
    const char *params[] = {uid};
    PGresult *r = db_exec(db, &STMT_PREFS, params);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"preferences\":{");
    for (size_t i = 0; i < NCATEGORIES; i++)
        buf_printf(b, "%s\"%s\":%s", i ? "," : "", CATEGORIES[i], PQgetvalue(r, 0, (int)i)[0] == 't' ? "true" : "false");
    buf_printf(b, "},\"subscriptions\":%s}", PQgetvalue(r, 0, (int)NCATEGORIES));
    PQclear(r);
}

void api_push_prefs_get(http_ctx_t *ctx)
{
    db_conn_t *db = api_db_read(ctx);
    if (db)
        respond_prefs(ctx, db, api_user_id(ctx));
}

void api_push_prefs_put(http_ctx_t *ctx)
{
    const char *uid = api_user_id(ctx);
    json_t *doc = api_json_body(ctx);
    if (!doc)
        return;
    /* {"preferences": {...}} or the object itself */
    json_t *obj = json_object_get(doc, "preferences");
    if (!json_is_object(obj))
        obj = doc;
    const char *params[1 + NCATEGORIES] = {uid};
    int any = 0;
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        size_t i = 0;
        while (i < NCATEGORIES && strcmp(key, CATEGORIES[i]))
            i++;
        if (i == NCATEGORIES || !json_is_boolean(val)) {
            json_decref(doc);
            http_res_error(ctx->res, 400, "bad_request",
                           "preferences are booleans named creature_found, achievement, daily_box_ready, new_chatroom, "
                           "runaway, system");
            return;
        }
        params[1 + i] = json_is_true(val) ? "true" : "false";
        any = 1;
    }
    json_decref(doc);
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    if (any) {
        PGresult *r = db_exec(db, &STMT_PREFS_PUT, params);
        if (api_check(ctx, r))
            return;
        PQclear(r);
    }
    respond_prefs(ctx, db, uid);
}
