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
    /* collecting (collection.c, dailybox.c, visitor.c, encounters.c, shop.c, achievements.c, notifications.c) */
    {"GET", "/api/user/collection", api_collection_list, AUTH_SESSION, RATE_READ, 1, 0},
    {"GET", "/api/user/stats", api_user_stats, AUTH_SESSION, RATE_READ, 1, 0},
    {"PUT", "/api/user/current-chatling", api_current_chatling, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/daily-box/status", api_dailybox_status, AUTH_SESSION, RATE_READ, 1, 0},
    {"POST", "/api/daily-box/claim", api_dailybox_claim, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/daily-visitor", api_daily_visitor, AUTH_SESSION, RATE_READ, 1, 0},
    {"GET", "/api/encounters/current", api_encounter_current, AUTH_SESSION, RATE_READ, 1, 0},
    {"POST", "/api/encounters/meet", api_encounter_meet, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/shop/items", api_shop_items, AUTH_SESSION, RATE_READ, 1, 0},
    {"POST", "/api/shop/purchase", api_shop_purchase, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/user/achievements", api_achievements_list, AUTH_SESSION, RATE_READ, 1, 0},
    {"GET", "/api/user/notifications", api_notifications_list, AUTH_SESSION, RATE_READ, 1, 0},
    {"POST", "/api/user/notifications/read", api_notifications_read, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/user/avatar/candidates", api_avatar_candidates, AUTH_SESSION, RATE_READ, 1, 0},
    {"PUT", "/api/user/avatar", api_avatar_set, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/ws", api_ws_connect, AUTH_SESSION, RATE_READ, 1, 0},
    /* chatrooms (chatrooms.c, chat_messages.c); a chat line's own limit is applied by live_chat_say */
    {"GET", "/api/chatrooms", api_chatrooms_list, AUTH_SESSION, RATE_READ, 1, 0},
    {"GET", "/api/chatrooms/:id", api_chatroom_thread, AUTH_SESSION, RATE_READ, 1, 0},
    {"POST", "/api/chatrooms/:id/read", api_chatroom_read, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/chatrooms/:id/messages", api_chat_messages_list, AUTH_SESSION, RATE_READ, 1, 0},
    {"POST", "/api/chatrooms/:id/messages", api_chat_messages_post, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"POST", "/api/chatrooms/:id/messages/:message_id/report", api_chat_message_report, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/user/chat-attitude", api_chat_attitude_get, AUTH_SESSION, RATE_READ, 1, 0},
    {"PUT", "/api/user/chat-attitude", api_chat_attitude_put, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/user/runaways", api_runaways_list, AUTH_SESSION, RATE_READ, 1, 0},
    {"POST", "/api/user/runaways/:creature_id/recover", api_runaway_recover, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/leaderboard/:board", api_leaderboard, AUTH_PUBLIC, RATE_READ, 1, 0},
    {"GET", "/api/user/team", api_team_get, AUTH_SESSION, RATE_READ, 1, 0},
    {"PUT", "/api/user/team", api_team_put, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/idle-game/state", api_idle_state, AUTH_SESSION, RATE_READ, 1, 0},
    {"POST", "/api/idle-game/buy", api_idle_buy, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"POST", "/api/idle-game/hire", api_idle_hire, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"POST", "/api/idle-game/collect", api_idle_collect, AUTH_SESSION, RATE_WRITE, 1, 0},
    /* YouTube likes (youtube.c); connect/callback are a browser redirect flow, limited like sign-in */
    {"GET", "/api/youtube/connect", api_youtube_connect, AUTH_SESSION, RATE_SIGNIN, 0, 0},
    {"GET", "/api/youtube/callback", api_youtube_callback, AUTH_SESSION, RATE_SIGNIN, 1, 0},
    {"GET", "/api/youtube/connection", api_youtube_connection, AUTH_SESSION, RATE_READ, 1, 0},
    {"DELETE", "/api/youtube/connection", api_youtube_disconnect, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/youtube/likes", api_youtube_likes, AUTH_SESSION, RATE_READ, 1, 0},
    /* pictures (artwork.c): public and cacheable; the edge rate-limits them like the catalogue */
    {"GET", "/artwork/:creature_id", api_artwork_get, AUTH_PUBLIC, RATE_NONE, 1, 0},
    {"GET", "/thumbs/:creature_id", api_thumbs_get, AUTH_PUBLIC, RATE_NONE, 1, 0},
    {"GET", "/avatars/:user_id/:n", api_avatar_get, AUTH_PUBLIC, RATE_NONE, 0, 0},
    {"POST", "/api/youtube/sync", api_youtube_sync, AUTH_SESSION, RATE_WRITE, 1, 0},
    /* Web Push (push.c) */
    {"GET", "/api/push/vapid-public-key", api_push_vapid_key, AUTH_PUBLIC, RATE_READ, 0, 0},
    {"POST", "/api/push/subscription", api_push_subscribe, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"DELETE", "/api/push/subscription", api_push_unsubscribe, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/push/preferences", api_push_prefs_get, AUTH_SESSION, RATE_READ, 1, 0},
    {"PUT", "/api/push/preferences", api_push_prefs_put, AUTH_SESSION, RATE_WRITE, 1, 0},
};
const size_t APP_PUBLIC_ROUTES_COUNT = sizeof APP_PUBLIC_ROUTES / sizeof APP_PUBLIC_ROUTES[0];
