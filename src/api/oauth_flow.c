/* oauth_flow: flow storage in Redis ("binding:secrets" under {prefix}{state}) and the binding
 * cookie. Shared by api/auth_oidc.c (sign-in) and api/youtube.c (connecting YouTube). */
#include "api/oauth_flow.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"

#define SECRETS_MAX 512

/* The binding cookie. Secure even in development, like the session cookie: browsers refuse a
 * __Host- cookie without it, and accept Secure cookies from http://localhost and 127.0.0.1. */
static void set_binding_cookie(http_ctx_t *ctx, const oauth_flow_kind_t *k, const char *value, int max_age)
{
    char h[256];
    snprintf(h, sizeof h, "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d; Secure", k->cookie, value, max_age);
    http_res_header(ctx->res, "set-cookie", h);
}

void oauth_flow_redirect(http_ctx_t *ctx, const char *location)
{
    ctx->res->status = 302;
    buf_reset(&ctx->res->body);
    http_res_header(ctx->res, "location", location);
}

/* The value of cookie name in the request's Cookie header into out; 0 found, -1 absent/too long. */
static int cookie_value(const http_req_t *req, const char *name, char *out, size_t outlen)
{
    size_t len = 0;
    const char *c = http_req_header(req, "cookie", &len);
    size_t nlen = strlen(name), i = 0;
    while (c && i < len) {
        while (i < len && (c[i] == ' ' || c[i] == ';'))
            i++;
        size_t start = i;
        while (i < len && c[i] != ';')
            i++;
        if (i - start > nlen && !memcmp(c + start, name, nlen) && c[start + nlen] == '=') {
            size_t vs = start + nlen + 1, vl = i - vs;
            while (vl && c[vs + vl - 1] == ' ')
                vl--;
            if (vl + 1 > outlen)
                return -1;
            memcpy(out, c + vs, vl);
            out[vl] = '\0';
            return 0;
        }
    }
    return -1;
}

int oauth_flow_save(http_ctx_t *ctx, const oauth_flow_kind_t *k, const char *state, const char *secrets)
{
    char binding[OAUTH_RANDOM_LEN + 1];
    if (strlen(secrets) > SECRETS_MAX || oauth_random(binding)) {
        http_res_error(ctx->res, 500, "internal", "something went wrong on our side");
        return -1;
    }
    redisReply *rep = redis_command(ctx->thread->redis, "SET %s%s %s:%s EX %d", k->key_prefix, state, binding,
                                    secrets, k->ttl_s);
    int ok = rep && rep->type == REDIS_REPLY_STATUS;
    redis_reply_free(rep);
    if (!ok) {
        http_res_error(ctx->res, 503, "unavailable", "this is unavailable right now, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return -1;
    }
    set_binding_cookie(ctx, k, binding, k->ttl_s);
    sodium_memzero(binding, sizeof binding);
    return 0;
}

oauth_flow_rc_t oauth_flow_take(http_ctx_t *ctx, const oauth_flow_kind_t *k, char *state_out, char *secrets,
                                size_t secretslen)
{
    set_binding_cookie(ctx, k, "", 0);
    secrets[0] = '\0';
    char state[64] = "";
    if (http_req_query(ctx->req, "state", state, sizeof state) != 1 || !oauth_valid_random(state))
        return OAUTH_FLOW_NO_STATE;
    redisReply *rep = redis_command(ctx->thread->redis, "GETDEL %s%s", k->key_prefix, state);
    if (!rep || rep->type == REDIS_REPLY_ERROR) {
        redis_reply_free(rep);
        http_res_error(ctx->res, 503, "unavailable", "this is unavailable right now, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return OAUTH_FLOW_UNAVAILABLE;
    }
    oauth_flow_rc_t rc = OAUTH_FLOW_UNKNOWN;
    char binding[OAUTH_RANDOM_LEN + 1];
    if (rep->type == REDIS_REPLY_STRING && rep->len > OAUTH_RANDOM_LEN && rep->str[OAUTH_RANDOM_LEN] == ':' &&
        rep->len - OAUTH_RANDOM_LEN - 1 < secretslen) {
        memcpy(binding, rep->str, OAUTH_RANDOM_LEN);
        binding[OAUTH_RANDOM_LEN] = '\0';
        size_t n = rep->len - OAUTH_RANDOM_LEN - 1;
        memcpy(secrets, rep->str + OAUTH_RANDOM_LEN + 1, n);
        secrets[n] = '\0';
        char cookie[OAUTH_RANDOM_LEN + 8];
        if (cookie_value(ctx->req, k->cookie, cookie, sizeof cookie) || strlen(cookie) != OAUTH_RANDOM_LEN ||
            sodium_memcmp(cookie, binding, OAUTH_RANDOM_LEN)) {
            rc = OAUTH_FLOW_OTHER_BROWSER;
            sodium_memzero(secrets, secretslen);
            secrets[0] = '\0';
        } else {
            rc = OAUTH_FLOW_OK;
            memcpy(state_out, state, strlen(state) + 1);
        }
        sodium_memzero(binding, sizeof binding);
    }
    if (rep->type == REDIS_REPLY_STRING)
        sodium_memzero(rep->str, rep->len);
    redis_reply_free(rep);
    return rc;
}
