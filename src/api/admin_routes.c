/* admin_routes: the admin listener's route table (CHATLINGS_ADMIN_LISTEN). Every admin action
 * lives here and only here: dispatch refuses AUTH_ADMIN routes on any other listener, and every
 * request on this one must come from an address in CHATLINGS_ADMIN_ALLOW (api/admin_gate.c).
 * Sign-in, the session and dev login are AUTH_PUBLIC (still behind the allow-list); everything
 * under /api/admin/ except the session itself is AUTH_ADMIN. `chatlings routes` lists it. */
#include "api/admin.h"
#include "api/app.h"
#include "api/handlers.h"

const route_t APP_ADMIN_ROUTES[] = {
    {"GET", "/healthz", api_healthz, AUTH_PUBLIC, RATE_NONE, 0, 0},
    /* signing in on the admin origin (api/admin_auth.c) */
    {"GET", "/auth/login", api_admin_auth_login, AUTH_PUBLIC, RATE_SIGNIN, 0, 0},
    {"GET", "/auth/callback", api_admin_auth_callback, AUTH_PUBLIC, RATE_SIGNIN, 1, 0},
    {"POST", "/api/dev/login", api_admin_dev_login, AUTH_PUBLIC, RATE_SIGNIN, 1, 1},
    {"GET", "/api/admin/session", api_admin_session, AUTH_PUBLIC, RATE_READ, 1, 0},
    {"POST", "/api/admin/logout", api_admin_logout, AUTH_SESSION, RATE_WRITE, 0, 0},
    /* dashboard */
    {"GET", "/api/admin/dashboard", api_admin_dashboard, AUTH_ADMIN, RATE_READ, 1, 0},
    /* creatures and body types (api/admin_creatures.c) */
    {"GET", "/api/admin/creatures", api_admin_creatures_list, AUTH_ADMIN, RATE_READ, 1, 0},
    {"GET", "/api/admin/creatures/:id", api_admin_creature_get, AUTH_ADMIN, RATE_READ, 1, 0},
    {"PATCH", "/api/admin/creatures/:id", api_admin_creature_patch, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"DELETE", "/api/admin/creatures/:id", api_admin_creature_delete, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"POST", "/api/admin/creatures/:id/reroll-traits", api_admin_creature_reroll, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"GET", "/api/admin/creatures/:id/affected", api_admin_creature_affected, AUTH_ADMIN, RATE_READ, 1, 0},
    {"POST", "/api/admin/creatures/:id/restore", api_admin_creature_restore, AUTH_ADMIN, RATE_WRITE, 1, 0},
    /* the pictures (api/artwork.c), so the portal shows them from its own origin (its pages'
     * CSP allows images from 'self' only); the upload is further down */
    {"GET", "/artwork/:creature_id", api_artwork_get, AUTH_ADMIN, RATE_NONE, 1, 0},
    {"GET", "/thumbs/:creature_id", api_thumbs_get, AUTH_ADMIN, RATE_NONE, 1, 0},
    {"GET", "/api/admin/body-types", api_admin_body_types, AUTH_ADMIN, RATE_READ, 1, 0},
    {"PATCH", "/api/admin/body-types/:id", api_admin_body_type_patch, AUTH_ADMIN, RATE_WRITE, 1, 0},
    /* creator chatlings and chatrooms (api/admin_content.c) */
    {"GET", "/api/admin/creators", api_admin_creators_list, AUTH_ADMIN, RATE_READ, 1, 0},
    {"PUT", "/api/admin/creators/:channel_id", api_admin_creator_put, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"DELETE", "/api/admin/creators/:channel_id", api_admin_creator_delete, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"GET", "/api/admin/chatrooms", api_admin_chatrooms_list, AUTH_ADMIN, RATE_READ, 1, 0},
    {"POST", "/api/admin/chatrooms", api_admin_chatroom_open, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"PATCH", "/api/admin/chatrooms/:id", api_admin_chatroom_patch, AUTH_ADMIN, RATE_WRITE, 1, 0},
    /* players (api/admin_players.c) */
    {"GET", "/api/admin/players", api_admin_players_list, AUTH_ADMIN, RATE_READ, 1, 0},
    {"GET", "/api/admin/players/:id", api_admin_player_get, AUTH_ADMIN, RATE_READ, 1, 0},
    {"POST", "/api/admin/players/:id/suspend", api_admin_player_suspend, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"POST", "/api/admin/players/:id/unsuspend", api_admin_player_unsuspend, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"PUT", "/api/admin/players/:id/admin", api_admin_player_set_admin, AUTH_ADMIN, RATE_WRITE, 1, 0},
    /* jobs and the audit log (api/admin_ops.c) */
    {"GET", "/api/admin/jobs", api_admin_jobs, AUTH_ADMIN, RATE_READ, 1, 0},
    {"POST", "/api/admin/jobs/dead/:dead_id/retry", api_admin_job_retry, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"GET", "/api/admin/audit", api_admin_audit_list, AUTH_ADMIN, RATE_READ, 1, 0},
    /* live-chat moderation and featured chatroom topics (api/chat_admin.c) */
    {"POST", "/api/admin/chat/messages/:id/hide", api_admin_chat_hide, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"GET", "/api/admin/chat/mutes", api_admin_chat_mutes, AUTH_ADMIN, RATE_READ, 1, 0},
    {"POST", "/api/admin/chat/mutes", api_admin_chat_mute, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"DELETE", "/api/admin/chat/mutes/:user_id", api_admin_chat_unmute, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"GET", "/api/admin/chat/reports", api_admin_chat_reports, AUTH_ADMIN, RATE_READ, 1, 0},
    {"GET", "/api/admin/chat/features", api_admin_chat_features, AUTH_ADMIN, RATE_READ, 1, 0},
    {"POST", "/api/admin/chat/features", api_admin_chat_feature_add, AUTH_ADMIN, RATE_WRITE, 1, 0},
    {"DELETE", "/api/admin/chat/features/:id", api_admin_chat_feature_delete, AUTH_ADMIN, RATE_WRITE, 1, 0},
    /* replacement artwork: the body is the image itself (api/artwork.c) */
    {"POST", "/api/admin/creatures/:id/artwork", api_admin_creature_artwork, AUTH_ADMIN, RATE_WRITE, 1, 0},
    /* other areas' admin endpoints go here too, never on the public table */
};
const size_t APP_ADMIN_ROUTES_COUNT = sizeof APP_ADMIN_ROUTES / sizeof APP_ADMIN_ROUTES[0];
