/* routes: the one table that declares every route with its authorisation level and its
 * rate-limit class. Tests walk this table (`chatlings routes`); a route missing here does
 * not exist. Anonymous catalogue reads carry no per-IP limit here: they are cached and
 * cheap, and the edge (Front Door WAF rate rules, deploy/nginx limit_req) throttles them
 * without costing every request a Redis round trip. */
#include "api/app.h"
#include "api/handlers.h"

const route_t APP_PUBLIC_ROUTES[] = {
    {"GET", "/healthz", api_healthz, AUTH_PUBLIC, RATE_NONE, 0},
    {"GET", "/readyz", api_readyz, AUTH_PUBLIC, RATE_NONE, 0},
    {"GET", "/api/creatures", api_creatures_list, AUTH_PUBLIC, RATE_NONE, 1},
    {"GET", "/api/creature/:id/details", api_creature_details, AUTH_PUBLIC, RATE_NONE, 1},
    {"GET", "/api/body-types", api_body_types, AUTH_PUBLIC, RATE_NONE, 1},
    {"GET", "/api/traits", api_traits, AUTH_PUBLIC, RATE_NONE, 1},
};
const size_t APP_PUBLIC_ROUTES_COUNT = sizeof APP_PUBLIC_ROUTES / sizeof APP_PUBLIC_ROUTES[0];
