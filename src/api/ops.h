/* ops: the routes of the operations listener (CHATLINGS_OPS_LISTEN, loopback by default):
 * Prometheus /metrics and a liveness probe. Never served on the public listener, so scrapes
 * need no authentication: keep the listener off the internet. */
#ifndef CHATLINGS_OPS_H
#define CHATLINGS_OPS_H
#include <stddef.h>

#include "http/http.h"

extern const route_t APP_OPS_ROUTES[];
extern const size_t APP_OPS_ROUTES_COUNT;

/* GET /metrics: everything metrics_render() knows plus the live state of the pools, Redis
 * (server INFO), the cache counters and the job streams' lengths. */
void api_metrics(http_ctx_t *ctx);

/* For http_server_opts_t.on_response: counts the request (and hands it to the Application
 * Insights exporter when one is running). */
struct app;
void ops_on_response(struct app *app, const http_req_t *req, int status, double duration_ms);

#endif
