/* `chatlings routes`: the route table as JSON lines, so tests (and operators) can walk every
 * route with its authorisation level and rate-limit class without reading the source. */
#include <stdio.h>

#include "api/app.h"
#include "cmd/cmd.h"

static const char *const AUTH_NAMES[] = {"public", "pending", "session", "admin"};
static const char *const RATE_NAMES[] = {"read", "write", "signin", "chat", "none"};

int cmd_routes(int argc, char **argv, const config_t *cfg)
{
    for (size_t i = 0; i < APP_PUBLIC_ROUTES_COUNT; i++) {
        const route_t *r = &APP_PUBLIC_ROUTES[i];
        printf("{\"listener\":\"public\",\"method\":\"%s\",\"pattern\":\"%s\",\"auth\":\"%s\",\"rate\":\"%s\"}\n", r->method,
               r->pattern, AUTH_NAMES[r->auth], RATE_NAMES[r->rate]);
    }
    for (size_t i = 0; i < APP_ADMIN_ROUTES_COUNT; i++) {
        const route_t *r = &APP_ADMIN_ROUTES[i];
        printf("{\"listener\":\"admin\",\"method\":\"%s\",\"pattern\":\"%s\",\"auth\":\"%s\",\"rate\":\"%s\","
               "\"dev_only\":%s}\n",
               r->method, r->pattern, AUTH_NAMES[r->auth], RATE_NAMES[r->rate], r->dev_only ? "true" : "false");
    }
    return 0;
}
