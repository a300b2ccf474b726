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

#endif
