/* `chatlings serve`: the web app. Builds the app state, the pools, and runs the server. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "api/app.h"
#include "api/admin.h"
#include "cmd/cmd.h"
#include "core/log.h"
#include "http/server.h"
#include "api/handlers.h"
#include "api/ops.h"
#include "integrations/appinsights.h"
#include "store/pglisten.h"
#include "store/pubsub.h"
#include "store/session.h"
#include "store/blob.h"
#include "integrations/thumbs.h"

static db_pool_t *make_pool(const config_t *cfg, const char *url)
{
    db_pool_opts_t o = {.max = cfg->db_pool_max,
                        .min = cfg->db_pool_min,
                        .idle_timeout_ms = cfg->db_idle_timeout_ms,
                        .connect_timeout_ms = cfg->db_connect_timeout_ms,
                        .statement_timeout_ms = cfg->db_statement_timeout_ms};
    return db_pool_create(url, &o);
}

/* Every open WebSocket holds a descriptor, and 10,000 of them do not fit the usual soft limit
 * of 1024: raise the soft limit to the hard one (what the operator allows). */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max == RLIM_INFINITY ? 1048576 : rl.rlim_max; /* fs.nr_open's default */
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl))
            log_warn("startup", "cannot raise the open-files limit to %llu", (unsigned long long)want);
    }
}

/* Messages for a topic, from any instance, go to this process's sockets. */
static void deliver_topic(const char *topic, const char *payload, size_t len, void *arg)
{
    (void)arg;
    const size_t n = sizeof SESSION_CLOSE_TOPIC_PREFIX - 1;
    if (!strncmp(topic, SESSION_CLOSE_TOPIC_PREFIX, n)) {
        http_server_close_user(topic + n); /* the player's sessions ended somewhere */
        return;
    }
    http_server_deliver(topic, payload, len);
}

/* A notification row was inserted (trigger of 0013): {"user_id":..,"notification":{..}} goes to
 * that player's sockets here as {"type":"notification","notification":{..}}. */
static void announce_notification(const char *payload, void *arg)
{
    (void)arg;
    json_t *doc = json_loads(payload, 0, NULL);
    const char *uid = json_string_value(json_object_get(doc, "user_id"));
    json_t *note = json_object_get(doc, "notification");
    char topic[PUBSUB_TOPIC_MAX];
    snprintf(topic, sizeof topic, "user:%s", uid ? uid : "");
    if (uid && json_is_object(note) && http_server_has_topic(topic)) {
        json_t *msg = json_pack("{s:s, s:O}", "type", "notification", "notification", note);
        char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
        if (text)
            http_server_deliver(topic, text, strlen(text));
        free(text);
        json_decref(msg);
    }
    json_decref(doc);
}

int cmd_serve(int argc, char **argv, const config_t *cfg)
{
    app_t app;
    memset(&app, 0, sizeof app);
    char err[512];
    raise_fd_limit();
    if (app_init(&app, cfg, err, sizeof err)) {
        log_error("startup", "%s", err);
        return 78;
    }
    app.db = make_pool(cfg, cfg->database_url);
    app.db_read = cfg->database_read_url[0] ? make_pool(cfg, cfg->database_read_url) : app.db;
    if (!app.db || !app.db_read) {
        log_error("startup", "cannot create the database pool");
        return 1;
    }
    /* artwork and thumbnails: the blob store, and libvips started before any thread uses it */
    app.blob = blob_open_config(cfg, err, sizeof err);
    if (!app.blob || thumbs_init()) {
        log_error("startup", "blob storage / image support: %s", app.blob ? "libvips failed to start" : err);
        return 78;
    }
    /* best effort: storage that is down at start must not keep the API down */
    if (blob_ensure_containers(app.blob, err, sizeof err))
        log_warn("startup", "blob containers: %s", err);
    http_server_opts_t opts = {
        .listeners = {{.name = "public", .addr = cfg->listen, .routes = app.public_routes,
                       .nroutes = app.npublic_routes, .static_dir = cfg->static_dir},
                      /* the admin portal: its own routes, front end and allow-list (api/admin.h) */
                      {.name = "admin", .addr = cfg->admin_listen, .routes = app.admin_routes,
                       .nroutes = app.nadmin_routes, .static_dir = cfg->admin_static_dir,
                       .static_admit = admin_static_admit},
                      /* /metrics: a listener of its own, loopback by default, never the public one */
                      {.name = "ops", .addr = cfg->ops_listen, .routes = APP_OPS_ROUTES,
                       .nroutes = APP_OPS_ROUTES_COUNT}},
        .nlisteners = 3,
        .loop_threads = cfg->loop_threads,
        .handler_threads = cfg->handler_threads,
        .body_limit = cfg->body_limit,
        .header_timeout_ms = cfg->header_timeout_ms,
        .queue_timeout_ms = cfg->queue_timeout_ms,
        .app = &app,
        .thread_init = app_thread_init,
        .thread_free = app_thread_free,
        .dispatch = app_dispatch,
        .preflight = app_preflight,
        .common_headers = app_common_headers(&app),
        .static_headers = app_static_headers(&app),
        .on_response = ops_on_response,
        .ws_path = "/ws",
        .ws_message = api_ws_message,
    };
    log_info("startup", "chatlings serve (%s) starting", cfg->env);
    redis_opts_t ro = {.url = cfg->redis_url, .ca_file = cfg->redis_ca_file[0] ? cfg->redis_ca_file : NULL};
    if (pubsub_start(&ro, deliver_topic, NULL)) {
        log_error("startup", "cannot start the pub/sub subscriber");
        return 1;
    }
    if (appinsights_start_role(cfg->appinsights_connection_string, "chatlings-web", cfg->appinsights_interval_ms, err,
                               sizeof err)) {
        log_error("startup", "%s", err);
        return 78;
    }
    if (pglisten_start(cfg->database_url, "chatlings_notifications", announce_notification, NULL)) {
        log_error("startup", "cannot start the notification listener");
        return 1;
    }
    int rc = http_server_run(&opts);
    pglisten_stop();
    appinsights_stop();
    pubsub_stop();
    blob_close(app.blob);
    if (app.db_read != app.db)
        db_pool_destroy(app.db_read);
    db_pool_destroy(app.db);
    return rc ? 1 : 0;
}
