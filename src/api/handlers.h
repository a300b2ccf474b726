/* handlers: every route handler, one line each, so the route table reads in one place. */
#ifndef CHATLINGS_HANDLERS_H
#define CHATLINGS_HANDLERS_H
#include "http/http.h"

/* health.c */
void api_healthz(http_ctx_t *ctx);
void api_readyz(http_ctx_t *ctx);
/* catalogue.c */
void api_creatures_list(http_ctx_t *ctx);
void api_creature_details(http_ctx_t *ctx);
void api_body_types(http_ctx_t *ctx);
void api_traits(http_ctx_t *ctx);

/* users.c */
void api_auth_status(http_ctx_t *ctx);
void api_auth_signup(http_ctx_t *ctx);
void api_auth_logout(http_ctx_t *ctx);
void api_dev_login(http_ctx_t *ctx);
void api_user_me(http_ctx_t *ctx);
void api_user_rename(http_ctx_t *ctx);
void api_user_delete(http_ctx_t *ctx);
void api_user_export(http_ctx_t *ctx);

/* collecting: collection.c, dailybox.c, visitor.c, encounters.c, shop.c, achievements.c,
 * notifications.c */
void api_collection_list(http_ctx_t *ctx);
void api_user_stats(http_ctx_t *ctx);
void api_current_chatling(http_ctx_t *ctx);
void api_dailybox_status(http_ctx_t *ctx);
void api_dailybox_claim(http_ctx_t *ctx);
void api_daily_visitor(http_ctx_t *ctx);
void api_encounter_current(http_ctx_t *ctx);
void api_encounter_meet(http_ctx_t *ctx);
void api_shop_items(http_ctx_t *ctx);
void api_shop_purchase(http_ctx_t *ctx);
void api_achievements_list(http_ctx_t *ctx);
void api_notifications_list(http_ctx_t *ctx);
void api_notifications_read(http_ctx_t *ctx);

/* live_chat.c */
void api_ws_connect(http_ctx_t *ctx);
void api_ws_message(http_ctx_t *ctx);

/* chatrooms.c: rooms, voiced threads, readings, attitude, runaways */
void api_chatrooms_list(http_ctx_t *ctx);
void api_chatroom_thread(http_ctx_t *ctx);
void api_chatroom_read(http_ctx_t *ctx);
void api_chat_attitude_get(http_ctx_t *ctx);
void api_chat_attitude_put(http_ctx_t *ctx);
void api_runaways_list(http_ctx_t *ctx);
void api_runaway_recover(http_ctx_t *ctx);
/* chat_messages.c: live chat over HTTP */
void api_chat_messages_list(http_ctx_t *ctx);
void api_chat_messages_post(http_ctx_t *ctx);
void api_chat_message_report(http_ctx_t *ctx);
/* chat_admin.c: moderation and featured topics (APP_ADMIN_ROUTES) */
void api_admin_chat_hide(http_ctx_t *ctx);
void api_admin_chat_mute(http_ctx_t *ctx);
void api_admin_chat_unmute(http_ctx_t *ctx);
void api_admin_chat_mutes(http_ctx_t *ctx);
void api_admin_chat_reports(http_ctx_t *ctx);
void api_admin_chat_features(http_ctx_t *ctx);
void api_admin_chat_feature_add(http_ctx_t *ctx);
void api_admin_chat_feature_delete(http_ctx_t *ctx);

/* leaderboard.c, team.c, idle.c */
void api_leaderboard(http_ctx_t *ctx);
void api_team_get(http_ctx_t *ctx);
void api_team_put(http_ctx_t *ctx);
void api_idle_state(http_ctx_t *ctx);
void api_idle_buy(http_ctx_t *ctx);
void api_idle_hire(http_ctx_t *ctx);
void api_idle_collect(http_ctx_t *ctx);

/* youtube.c */
void api_youtube_connect(http_ctx_t *ctx);
void api_youtube_callback(http_ctx_t *ctx);
void api_youtube_connection(http_ctx_t *ctx);
void api_youtube_disconnect(http_ctx_t *ctx);
void api_youtube_likes(http_ctx_t *ctx);
void api_youtube_sync(http_ctx_t *ctx);

/* artwork.c: pictures (public) and the admin upload (APP_ADMIN_ROUTES) */
void api_artwork_get(http_ctx_t *ctx);
void api_thumbs_get(http_ctx_t *ctx);
void api_avatar_get(http_ctx_t *ctx);
void api_admin_creature_artwork(http_ctx_t *ctx);

/* push.c */
void api_push_vapid_key(http_ctx_t *ctx);
void api_push_subscribe(http_ctx_t *ctx);
void api_push_unsubscribe(http_ctx_t *ctx);
void api_push_prefs_get(http_ctx_t *ctx);
void api_push_prefs_put(http_ctx_t *ctx);

/* avatar.c */
void api_avatar_candidates(http_ctx_t *ctx);
void api_avatar_set(http_ctx_t *ctx);

#endif
