/* youtube: connecting a player's YouTube account (read-only OAuth) and the rewards it brings.
 *   GET    /api/youtube/connect     302 to Google (code flow, PKCE S256, state bound to this
 *                                   browser and this player; access_type=offline, prompt=consent)
 *   GET    /api/youtube/callback    exchanges the code; the refresh and access tokens are sealed
 *                                   (core/secretbox) into youtube_connections and never reach
 *                                   the browser; a first sync is queued; 302 to /?youtube=connected
 *   GET    /api/youtube/connection  the connection's state
 *   DELETE /api/youtube/connection  forgets the tokens (rewards already given stay)
 *   GET    /api/youtube/likes       my rewards from likes, newest first (?limit, ?before)
 *   POST   /api/youtube/sync        asks for a sync soon: one queued job, at most every 5 minutes
 * Reconnecting keeps the original connected_at: likes made while a connection was broken still
 * count, and the unique key of youtube_likes keeps every reward single. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/oauth_flow.h"
#include "core/log.h"
#include "core/secretbox.h"
#include "integrations/youtube.h"
#include "store/queue.h"

#define FLOW_TTL_S 600
#define SYNC_REQUEST_EVERY_S 300
#define LIKES_PAGE_DEFAULT 20
#define LIKES_PAGE_MAX 100
#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const oauth_flow_kind_t FLOW = {"ytflow:", "__Host-chatlings-yt", FLOW_TTL_S};

static void redirect_uri(const config_t *cfg, char *out, size_t n)
{
    size_t len = strlen(cfg->public_url);
    while (len > 0 && cfg->public_url[len - 1] == '/')
        len--;
    snprintf(out, n, "%.*s/api/youtube/callback", (int)len, cfg->public_url);
}

static int not_configured(http_ctx_t *ctx)
{
    if (youtube_configured(ctx->app->cfg))
        return 0;
    http_res_error(ctx->res, 503, "unavailable", "YouTube is not set up on this server");
    return 1;
}

void api_youtube_connect(http_ctx_t *ctx)
{
    if (not_configured(ctx))
        return;
    const config_t *cfg = ctx->app->cfg;
    char state[OAUTH_RANDOM_LEN + 1], verifier[OAUTH_RANDOM_LEN + 1], challenge[OAUTH_RANDOM_LEN + 1];
    if (oauth_random(state) || oauth_random(verifier)) {
        http_res_error(ctx->res, 500, "internal", "something went wrong on our side");
        return;
    }
    oauth_pkce_challenge(verifier, challenge);
    /* the flow remembers which player started it: the callback must come back to the same one */
    char secrets[OAUTH_RANDOM_LEN + 40];
    snprintf(secrets, sizeof secrets, "%s:%s", verifier, api_user_id(ctx));
    int rc = oauth_flow_save(ctx, &FLOW, state, secrets);
    sodium_memzero(secrets, sizeof secrets);
    sodium_memzero(verifier, sizeof verifier);
    if (rc)
        return;
    youtube_client_t c;
    youtube_client_from_config(cfg, &c);
    char cb[600], url[4096];
    redirect_uri(cfg, cb, sizeof cb);
    if (youtube_auth_url(&c, cb, state, challenge, url, sizeof url)) {
        http_res_error(ctx->res, 500, "internal", "something went wrong on our side");
        return;
    }
    oauth_flow_redirect(ctx, url);
}

static void refuse(http_ctx_t *ctx, const char *why, const char *message)
{
    log_warn("youtube_callback", "request %s: %s", ctx->req->request_id, why);
    http_res_error(ctx->res, 400, "bad_request", message);
}

static const db_stmt_t STMT_CONNECT = {
    "yt_connect",
    "INSERT INTO youtube_connections AS y (user_id, refresh_token_enc, access_token_enc, access_token_expires_at,"
    "                                     connected_at, status)"
    " VALUES ($1, $2, $3, now() + make_interval(secs => $4::int), now(), 'active')"
    " ON CONFLICT (user_id) DO UPDATE SET refresh_token_enc = EXCLUDED.refresh_token_enc,"
    "   access_token_enc = EXCLUDED.access_token_enc, access_token_expires_at = EXCLUDED.access_token_expires_at,"
    "   status = 'active', broken_at = NULL, last_error = NULL",
    4};

/* Seals both tokens and stores the connection. 0, or -1 with the response set. */
static int store_connection(http_ctx_t *ctx, const youtube_tokens_t *t)
{
    secretbox_t keys;
    char err[256];
    const config_t *cfg = ctx->app->cfg;
    if (secretbox_init(&keys, cfg->token_key, cfg->token_key_old[0] ? cfg->token_key_old : NULL, err, sizeof err)) {
        log_error("youtube_callback", "%s", err);
        http_res_error(ctx->res, 500, "internal", "something went wrong on our side");
        return -1;
    }
    size_t rlen = secretbox_sealed_size(strlen(t->refresh_token)), alen = secretbox_sealed_size(strlen(t->access_token));
    char *rs = malloc(rlen), *as = malloc(alen);
    int rc = -1;
    if (!rs || !as || secretbox_seal(&keys, t->refresh_token, strlen(t->refresh_token), rs, rlen) ||
        secretbox_seal(&keys, t->access_token, strlen(t->access_token), as, alen)) {
        http_res_error(ctx->res, 500, "internal", "something went wrong on our side");
        goto out;
    }
    db_conn_t *db = api_db(ctx);
    if (!db)
        goto out;
    char secs[16];
    snprintf(secs, sizeof secs, "%ld", t->expires_in);
    const char *p[] = {api_user_id(ctx), rs, as, secs};
    PGresult *r = db_exec(db, &STMT_CONNECT, p);
    if (api_check(ctx, r))
        goto out;
    PQclear(r);
    rc = 0;
out:
    free(rs);
    free(as);
    secretbox_wipe(&keys);
    return rc;
}

void api_youtube_callback(http_ctx_t *ctx)
{
    char state[OAUTH_RANDOM_LEN + 1], secrets[OAUTH_RANDOM_LEN + 40], code[4096] = "", perr[64] = "";
    oauth_flow_rc_t got = oauth_flow_take(ctx, &FLOW, state, secrets, sizeof secrets);
    if (got == OAUTH_FLOW_UNAVAILABLE)
        return;
    char verifier[OAUTH_RANDOM_LEN + 1] = "";
    const char *uid = api_user_id(ctx);
    if (got == OAUTH_FLOW_OK) {
        if (strlen(secrets) != OAUTH_RANDOM_LEN + 37 || secrets[OAUTH_RANDOM_LEN] != ':') {
            got = OAUTH_FLOW_UNKNOWN;
        } else if (strcmp(secrets + OAUTH_RANDOM_LEN + 1, uid)) {
            sodium_memzero(secrets, sizeof secrets);
            refuse(ctx, "flow started by another player", "this YouTube connection was started by another player");
            return;
        } else {
            memcpy(verifier, secrets, OAUTH_RANDOM_LEN);
            verifier[OAUTH_RANDOM_LEN] = '\0';
        }
        sodium_memzero(secrets, sizeof secrets);
    }
    if (http_req_query(ctx->req, "error", perr, sizeof perr) != 0) {
        char why[128];
        snprintf(why, sizeof why, "Google returned error %s", perr[0] ? perr : "(unreadable)");
        refuse(ctx, why, "YouTube access was not granted");
        goto out;
    }
    if (got == OAUTH_FLOW_NO_STATE) {
        refuse(ctx, "missing or malformed state", "this link is invalid, please connect YouTube again");
        goto out;
    }
    if (got == OAUTH_FLOW_UNKNOWN) {
        refuse(ctx, "unknown, expired or replayed state", "this link has expired, please connect YouTube again");
        goto out;
    }
    if (got == OAUTH_FLOW_OTHER_BROWSER) {
        refuse(ctx, "browser binding cookie missing or different", "this connection was started in another browser");
        goto out;
    }
    if (not_configured(ctx))
        goto out;
    if (http_req_query(ctx->req, "code", code, sizeof code) != 1 || !code[0]) {
        refuse(ctx, "missing code", "YouTube access was not granted");
        goto out;
    }
    youtube_client_t c;
    youtube_client_from_config(ctx->app->cfg, &c);
    char cb[600], err[300] = "";
    redirect_uri(ctx->app->cfg, cb, sizeof cb);
    youtube_tokens_t *t = calloc(1, sizeof *t);
    if (!t) {
        http_res_error(ctx->res, 500, "internal", "something went wrong on our side");
        goto out;
    }
    yt_status_t st = youtube_exchange_code(&c, code, verifier, cb, t, err, sizeof err);
    if (st == YT_TRANSIENT || st == YT_CONFIG) {
        log_warn("youtube_callback", "request %s: %s", ctx->req->request_id, err);
        http_res_error(ctx->res, 503, "unavailable", "Google could not be reached, please try again shortly");
    } else if (st != YT_OK) {
        refuse(ctx, err, "connecting YouTube failed, please try again");
    } else if (!t->refresh_token[0]) {
        refuse(ctx, "no refresh token in the answer", "Google did not grant lasting access, please try again");
    } else if (!youtube_scope_ok(t->scope)) {
        refuse(ctx, "youtube.readonly not among the granted scopes",
               "permission to see your liked videos was not granted");
    } else if (store_connection(ctx, t) == 0) {
        /* a first sync right away, so that likes show up without waiting for the sweep */
        char payload[80];
        snprintf(payload, sizeof payload, "{\"user_id\":\"%s\"}", uid);
        if (queue_enqueue(ctx->thread->redis, QUEUE_DEFAULT, "youtube_sync", payload, NULL))
            log_warn("youtube_callback", "request %s: first sync not queued (Redis unavailable)", ctx->req->request_id);
        log_info("youtube_connected", "request %s: player connected YouTube", ctx->req->request_id);
        oauth_flow_redirect(ctx, "/?youtube=connected");
    }
    sodium_memzero(t, sizeof *t);
    free(t);
out:
    sodium_memzero(code, sizeof code);
    sodium_memzero(verifier, sizeof verifier);
}

static const db_stmt_t STMT_CONNECTION = {
    "yt_connection",
    "SELECT c.status, " ISO("c.connected_at") ", " ISO("c.last_checked_at") ", " ISO("c.broken_at") ", c.last_error,"
    " (SELECT count(*) FROM youtube_likes l WHERE l.user_id = c.user_id AND l.rewarded_at IS NOT NULL)"
    " FROM youtube_connections c WHERE c.user_id = $1",
    1};

void api_youtube_connection(http_ctx_t *ctx)
{
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    const char *p[] = {api_user_id(ctx)};
    PGresult *r = db_exec(db, &STMT_CONNECTION, p);
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    buf_printf(b, "{\"configured\":%s,\"connected\":%s", youtube_configured(ctx->app->cfg) ? "true" : "false",
               PQntuples(r) ? "true" : "false");
    if (PQntuples(r)) {
        buf_puts(b, ",\"status\":");
        buf_json_cstr(b, PQgetvalue(r, 0, 0));
        buf_puts(b, ",\"connected_at\":");
        api_json_time(b, r, 0, 1);
        buf_puts(b, ",\"last_checked_at\":");
        api_json_time(b, r, 0, 2);
        buf_puts(b, ",\"broken_at\":");
        api_json_time(b, r, 0, 3);
        buf_puts(b, ",\"last_error\":");
        buf_json_cstr(b, PQgetisnull(r, 0, 4) ? NULL : PQgetvalue(r, 0, 4));
        buf_printf(b, ",\"rewards\":%lld", atoll(PQgetvalue(r, 0, 5)));
    }
    buf_puts(b, "}");
    PQclear(r);
    ctx->res->status = 200;
}

static const db_stmt_t STMT_DISCONNECT = {
    "yt_disconnect", "DELETE FROM youtube_connections WHERE user_id = $1", 1};

void api_youtube_disconnect(http_ctx_t *ctx)
{
    db_conn_t *db = api_db(ctx);
    if (!db)
        return;
    const char *p[] = {api_user_id(ctx)};
    PGresult *r = db_exec(db, &STMT_DISCONNECT, p);
    if (api_check(ctx, r))
        return;
    PQclear(r);
    /* the tokens are gone from our side; revoking them at Google is left to the player's
     * Google account page (https://myaccount.google.com/permissions) */
    ctx->res->status = 204;
    ctx->res->content_type = NULL;
    buf_reset(&ctx->res->body);
}

static const db_stmt_t STMT_LIKES = {
    "yt_likes",
    "SELECT l.id, l.video_id, l.channel_id, l.title, " ISO("l.liked_at") ", " ISO("l.rewarded_at") ","
    "       c.id, c.name, c.short_name, b.name, c.rarity, c.colour_scheme"
    " FROM youtube_likes l LEFT JOIN creatures c ON c.id = l.creature_id"
    " LEFT JOIN body_types b ON b.id = c.body_type_id"
    " WHERE l.user_id = $1 AND ($2::bigint IS NULL OR l.id < $2::bigint)"
    " ORDER BY l.id DESC LIMIT $3",
    3};

void api_youtube_likes(http_ctx_t *ctx)
{
    long limit, before;
    if (api_query_int(ctx, "limit", LIKES_PAGE_DEFAULT, 1, LIKES_PAGE_MAX, &limit) ||
        api_query_int(ctx, "before", 0, 0, 9223372036854775807L, &before))
        return;
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    char lim[24], bef[24];
    snprintf(lim, sizeof lim, "%ld", limit + 1); /* one more: is there a next page? */
    snprintf(bef, sizeof bef, "%ld", before);
    const char *p[] = {api_user_id(ctx), before > 0 ? bef : NULL, lim};
    PGresult *r = db_exec(db, &STMT_LIKES, p);
    if (api_check(ctx, r))
        return;
    int n = PQntuples(r), shown = n > limit ? (int)limit : n;
    buf_t *b = &ctx->res->body;
    buf_puts(b, "{\"items\":[");
    for (int i = 0; i < shown; i++) {
        /* titles are untrusted text: buf_json_cstr escapes them (also <, > and &) */
        buf_puts(b, i ? ",{\"video_id\":" : "{\"video_id\":");
        buf_json_cstr(b, PQgetvalue(r, i, 1));
        buf_puts(b, ",\"channel_id\":");
        buf_json_cstr(b, PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2));
        buf_puts(b, ",\"title\":");
        buf_json_cstr(b, PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3));
        buf_puts(b, ",\"liked_at\":");
        api_json_time(b, r, i, 4);
        buf_puts(b, ",\"rewarded_at\":");
        api_json_time(b, r, i, 5);
        buf_puts(b, ",\"creature\":");
        if (PQgetisnull(r, i, 6)) {
            buf_puts(b, "null");
        } else {
            static const char *const keys[] = {"id", "name", "short_name", "body_type", "rarity", "colour_scheme"};
            for (int k = 0; k < 6; k++) {
                buf_printf(b, "%s\"%s\":", k ? "," : "{", keys[k]);
                buf_json_cstr(b, PQgetvalue(r, i, 6 + k));
            }
            buf_puts(b, "}");
        }
        buf_puts(b, "}");
    }
    buf_puts(b, "],\"next_before\":");
    if (n > limit)
        buf_puts(b, PQgetvalue(r, shown - 1, 0));
    else
        buf_puts(b, "null");
    buf_puts(b, "}");
    PQclear(r);
    ctx->res->status = 200;
}

static const db_stmt_t STMT_SYNC_ALLOWED = {
    "yt_sync_allowed", "SELECT status FROM youtube_connections WHERE user_id = $1", 1};

void api_youtube_sync(http_ctx_t *ctx)
{
    if (not_configured(ctx))
        return;
    const char *uid = api_user_id(ctx);
    db_conn_t *db = api_db_read(ctx);
    if (!db)
        return;
    const char *p[] = {uid};
    PGresult *r = db_exec(db, &STMT_SYNC_ALLOWED, p);
    if (api_check(ctx, r))
        return;
    int found = PQntuples(r) == 1, active = found && !strcmp(PQgetvalue(r, 0, 0), "active");
    PQclear(r);
    if (!found) {
        http_res_error(ctx->res, 404, "not_found", "connect YouTube first");
        return;
    }
    if (!active) {
        http_res_error(ctx->res, 409, "conflict", "the YouTube connection is broken: connect YouTube again");
        return;
    }
    redis_t *rd = ctx->thread->redis;
    redisReply *rep = redis_command(rd, "SET yt:syncreq:%s 1 NX EX %d", uid, SYNC_REQUEST_EVERY_S);
    if (!rep || rep->type == REDIS_REPLY_ERROR) {
        redis_reply_free(rep);
        http_res_error(ctx->res, 503, "unavailable", "syncing is unavailable right now, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return;
    }
    int allowed = rep->type == REDIS_REPLY_STATUS;
    redis_reply_free(rep);
    if (!allowed) {
        rep = redis_command(rd, "TTL yt:syncreq:%s", uid);
        long ttl = rep && rep->type == REDIS_REPLY_INTEGER && rep->integer > 0 ? (long)rep->integer : 1;
        redis_reply_free(rep);
        char v[24];
        snprintf(v, sizeof v, "%ld", ttl);
        http_res_header(ctx->res, "retry-after", v);
        http_res_error(ctx->res, 429, "rate_limited", "a sync was asked for recently; try again later");
        return;
    }
    char payload[96];
    snprintf(payload, sizeof payload, "{\"user_id\":\"%s\",\"manual\":true}", uid);
    if (queue_enqueue(rd, QUEUE_DEFAULT, "youtube_sync", payload, NULL)) {
        rep = redis_command(rd, "DEL yt:syncreq:%s", uid);
        redis_reply_free(rep);
        http_res_error(ctx->res, 503, "unavailable", "syncing is unavailable right now, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return;
    }
    buf_puts(&ctx->res->body, "{\"queued\":true}");
    ctx->res->status = 202;
}
