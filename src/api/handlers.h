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

/* live_chat.c */
void api_ws_connect(http_ctx_t *ctx);
void api_ws_message(http_ctx_t *ctx);

#endif
