/* `chatlings serve`: the web app. Builds the app state, the pools, and runs the server. */
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "cmd/cmd.h"
#include "core/log.h"
#include "http/server.h"
#include "api/handlers.h"
#include "store/pubsub.h"

static db_pool_t *make_pool(const config_t *cfg, const char *url)
{
    db_pool_opts_t o = {.max = cfg->db_pool_max,
                        .min = cfg->db_pool_min,
                        .idle_timeout_ms = cfg->db_idle_timeout_ms,
                        .connect_timeout_ms = cfg->db_connect_timeout_ms,
                        .statement_timeout_ms = cfg->db_statement_timeout_ms};
    return db_pool_create(url, &o);
}

/* Messages for a topic, from any instance, go to this process's sockets. */
static void deliver_topic(const char *topic, const char *payload, size_t len, void *arg)
{
    (void)arg;
    http_server_deliver(topic, payload, len);
}

int cmd_serve(int argc, char **argv, const config_t *cfg)
{
    app_t app;
    memset(&app, 0, sizeof app);
    char err[512];
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
    http_server_opts_t opts = {
        .listeners = {{.name = "public", .addr = cfg->listen, .routes = app.public_routes,
                       .nroutes = app.npublic_routes}},
        .nlisteners = 1,
        .loop_threads = cfg->loop_threads,
        .handler_threads = cfg->handler_threads,
        .body_limit = cfg->body_limit,
        .header_timeout_ms = cfg->header_timeout_ms,
        .app = &app,
        .thread_init = app_thread_init,
        .thread_free = app_thread_free,
        .dispatch = app_dispatch,
        .preflight = app_preflight,
        .common_headers = app_common_headers(&app),
        .ws_path = "/ws",
        .ws_message = api_ws_message,
    };
    log_info("startup", "chatlings serve (%s) starting", cfg->env);
    redis_opts_t ro = {.url = cfg->redis_url, .ca_file = cfg->redis_ca_file[0] ? cfg->redis_ca_file : NULL};
    if (pubsub_start(&ro, deliver_topic, NULL)) {
        log_error("startup", "cannot start the pub/sub subscriber");
        return 1;
    }
    int rc = http_server_run(&opts);
    pubsub_stop();
    if (app.db_read != app.db)
        db_pool_destroy(app.db_read);
    db_pool_destroy(app.db);
    return rc ? 1 : 0;
}
