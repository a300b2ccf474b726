/* routes: the one table that declares every route with its authorisation level and its
 * rate-limit class. Tests walk this table (`chatlings routes`); a route missing here does
 * not exist. Anonymous catalogue reads carry no per-IP limit here: they are cached and
 * cheap, and the edge (Front Door WAF rate rules, deploy/nginx limit_req) throttles them
 * without costing every request a Redis round trip. */
#include "api/app.h"
#include "api/auth_oidc.h"
#include "api/handlers.h"

const route_t APP_PUBLIC_ROUTES[] = {
    {"GET", "/healthz", api_healthz, AUTH_PUBLIC, RATE_NONE, 0, 0},
    {"GET", "/readyz", api_readyz, AUTH_PUBLIC, RATE_NONE, 0, 0},
    {"GET", "/api/creatures", api_creatures_list, AUTH_PUBLIC, RATE_NONE, 1, 0},
    {"GET", "/api/creature/:id/details", api_creature_details, AUTH_PUBLIC, RATE_NONE, 1, 0},
    {"GET", "/api/body-types", api_body_types, AUTH_PUBLIC, RATE_NONE, 1, 0},
    {"GET", "/api/traits", api_traits, AUTH_PUBLIC, RATE_NONE, 1, 0},
    {"GET", "/auth/login", api_auth_login, AUTH_PUBLIC, RATE_SIGNIN, 0, 0},
    {"GET", "/auth/callback", api_auth_callback, AUTH_PUBLIC, RATE_SIGNIN, 1, 0},
    {"GET", "/api/auth/status", api_auth_status, AUTH_PUBLIC, RATE_READ, 1, 0},
    {"POST", "/api/auth/signup", api_auth_signup, AUTH_PENDING, RATE_SIGNIN, 1, 0},
    {"POST", "/api/auth/logout", api_auth_logout, AUTH_SESSION, RATE_WRITE, 0, 0},
    {"POST", "/api/dev/login", api_dev_login, AUTH_PUBLIC, RATE_SIGNIN, 1, 1},
    {"GET", "/api/user/me", api_user_me, AUTH_SESSION, RATE_READ, 1, 0},
    {"PATCH", "/api/user/me", api_user_rename, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"DELETE", "/api/user/me", api_user_delete, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/user/export", api_user_export, AUTH_SESSION, RATE_READ, 1, 0},
    {"GET", "/ws", api_ws_connect, AUTH_SESSION, RATE_READ, 1, 0},
};
const size_t APP_PUBLIC_ROUTES_COUNT = sizeof APP_PUBLIC_ROUTES / sizeof APP_PUBLIC_ROUTES[0];
