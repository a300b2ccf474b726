/* admin_gate: what makes the admin listener different from the public one (the allow-list,
 * its own origin and cookie, its route table) and the helpers admin handlers share so that
 * each action reads as: begin, lock and snapshot, change, audit row, commit, invalidate. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "api/api.h"
#include "core/log.h"
#include "store/audit.h"
#include "store/cache.h"

/* scheme://host[:port] of url, lower-cased, without the path. */
static void origin_of(const char *url, char *out, size_t outlen)
{
    const char *sep = strstr(url, "://");
    size_t n = strlen(url);
    if (sep) {
        const char *slash = strchr(sep + 3, '/');
        if (slash)
            n = (size_t)(slash - url);
    }
    if (n >= outlen)
        n = outlen - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)url[i]);
    out[n] = '\0';
}

/* 1 when host[:port] names this machine's loopback. */
static int loopback(const char *hostport)
{
    size_t n = hostport[0] == '[' ? strcspn(hostport, "]") + 1 : strcspn(hostport, ":");
    return (n == 9 && !strncmp(hostport, "127.0.0.1", 9)) || (n == 9 && !strncmp(hostport, "localhost", 9)) ||
           (n == 5 && !strncmp(hostport, "[::1]", 5));
}

int admin_init(app_t *app, char *err, size_t errlen)
{
    const config_t *cfg = app->cfg;
    char why[256];
    if (cidr_list_parse(cfg->admin_allow, &app->admin_allow, why, sizeof why)) {
        snprintf(err, errlen, "CHATLINGS_ADMIN_ALLOW: %s", why);
        return -1;
    }
    if (strncmp(cfg->admin_url, "http://", 7) && strncmp(cfg->admin_url, "https://", 8)) {
        snprintf(err, errlen, "CHATLINGS_ADMIN_URL must start with http:// or https:// (got \"%s\")", cfg->admin_url);
        return -1;
    }
    origin_of(cfg->admin_url, app->admin_origin, sizeof app->admin_origin);
    /* the admin cookie is Secure: over plain http a browser keeps it for loopback only (an SSH
     * tunnel to the admin listener); anything else in production needs TLS in front */
    if (cfg->production && !strncmp(app->admin_origin, "http://", 7) && !loopback(app->admin_origin + 7)) {
        snprintf(err, errlen, "production: CHATLINGS_ADMIN_URL must be https:// (or a loopback address), got \"%s\"",
                 cfg->admin_url);
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < APP_ADMIN_ROUTES_COUNT && n < APP_MAX_ROUTES; i++)
        if (!(cfg->production && APP_ADMIN_ROUTES[i].dev_only))
            app->admin_routes[n++] = APP_ADMIN_ROUTES[i];
    app->nadmin_routes = n;
    return 0;
}

int admin_on_listener(const http_req_t *req)
{
    return req->listener && !strcmp(req->listener, ADMIN_LISTENER);
}

/* Both the peer and, behind our own proxy (CHATLINGS_TRUST_PROXY=1), the client it forwards
 * for (the last X-Forwarded-For hop, as app_dispatch reads it) must be inside the list: a
 * forged X-Forwarded-For from a peer outside the list gets nowhere, so the proxy's own address
 * has to be listed too. */
static int admitted(const app_t *app, const http_req_t *req)
{
    if (!cidr_list_allows(&app->admin_allow, req->remote_addr))
        return 0;
    size_t len;
    const char *xff = app->cfg->trust_proxy ? http_req_header(req, "x-forwarded-for", &len) : NULL;
    if (!xff || !len)
        return 1;
    char ip[64];
    size_t start = len;
    while (start > 0 && xff[start - 1] != ',')
        start--;
    while (start < len && xff[start] == ' ')
        start++;
    snprintf(ip, sizeof ip, "%.*s", (int)(len - start), xff + start);
    return cidr_list_allows(&app->admin_allow, ip);
}

int admin_static_admit(struct app *app, const http_req_t *req)
{
    return admitted(app, req);
}

/* A state change must come from a page of the admin origin itself: the configured admin URL,
 * or (plain http only outside production) the Host it was sent to. Never the public origin
 * and never a CORS origin: those serve players' pages, not this portal. */
int admin_own_origin(http_ctx_t *ctx)
{
    size_t len;
    const char *origin = http_req_header(ctx->req, "origin", &len);
    if (!origin) {
        const char *site = http_req_header(ctx->req, "sec-fetch-site", &len);
        return site && len == 11 && !memcmp(site, "same-origin", 11);
    }
    char o[256];
    if (len == 0 || len >= sizeof o)
        return 0;
    for (size_t i = 0; i < len; i++)
        o[i] = (char)tolower((unsigned char)origin[i]);
    o[len] = '\0';
    if (!strcmp(o, ctx->app->admin_origin))
        return 1;
    size_t hlen;
    const char *host = http_req_header(ctx->req, "host", &hlen);
    const char *sep = strstr(o, "://");
    return host && sep && strlen(sep + 3) == hlen && !strncasecmp(sep + 3, host, hlen) &&
           (!strncmp(o, "https://", 8) || (!ctx->app->cfg->production && !strncmp(o, "http://", 7)));
}

int admin_gate(http_ctx_t *ctx)
{
    const route_t *route = ctx->req->match.route;
    if (!admin_on_listener(ctx->req)) {
        if (route && route->auth == AUTH_ADMIN) {
            /* belt and braces: an admin route put on another table by mistake stays shut */
            http_res_error(ctx->res, 403, "forbidden", "administration is only available on the admin listener");
            return -1;
        }
        return 0;
    }
    app_thread_t *t = ctx->thread;
    if (!admitted(ctx->app, ctx->req)) {
        log_warn("admin_refused", "request %s: %s is outside CHATLINGS_ADMIN_ALLOW", ctx->req->request_id,
                 t->client_ip);
        http_res_error(ctx->res, 403, "forbidden", "the admin portal is not available from this address");
        return -1;
    }
    if (route && route->handler == app_preflight) {
        http_res_error(ctx->res, 403, "forbidden", "cross-origin requests are not accepted by the admin portal");
        return -1;
    }
    http_res_header(ctx->res, "x-frame-options", "DENY");
    return 0;
}

int admin_session_token(const char *cookie, size_t len, char *token_out)
{
    return session_token_from_named_cookie(cookie, len, ADMIN_SESSION_COOKIE, token_out);
}

void admin_set_session_cookie(http_ctx_t *ctx, const char *token)
{
    /* Strict: no other site can make a browser send it, not even by a top-level link; the
     * portal's pages fetch the API from its own origin, where Strict cookies always go. */
    char v[256];
    snprintf(v, sizeof v, ADMIN_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d; Secure",
             token ? token : "", token ? ADMIN_COOKIE_MAX_AGE_S : 0);
    http_res_header(ctx->res, "set-cookie", v);
}

/* ---- helpers for handlers ---- */

db_conn_t *admin_begin(http_ctx_t *ctx)
{
    db_conn_t *db = api_db(ctx);
    if (!db)
        return NULL;
    if (db_command(db, "BEGIN")) {
        http_res_error(ctx->res, 503, "unavailable", "the database is unavailable, try again shortly");
        http_res_header(ctx->res, "retry-after", "2");
        return NULL;
    }
    return db;
}

void admin_rollback(db_conn_t *db)
{
    if (db)
        db_command(db, "ROLLBACK");
}

int admin_commit(http_ctx_t *ctx, db_conn_t *db)
{
    if (db_command(db, "COMMIT") == 0)
        return 0;
    admin_rollback(db);
    http_res_error(ctx->res, 503, "unavailable", "the change could not be saved, try again shortly");
    http_res_header(ctx->res, "retry-after", "2");
    return -1;
}

int admin_audit(http_ctx_t *ctx, db_conn_t *db, const char *action, const char *target, const char *before,
                const char *after)
{
    if (audit_record(db, api_user_id(ctx), action, target, before, after, ctx->thread->client_ip) == 0)
        return 0;
    http_res_error(ctx->res, 500, "internal", "the action could not be recorded, so it was not made");
    return -1;
}

int admin_param_uuid(http_ctx_t *ctx, int i, char out[37])
{
    if (http_req_param(ctx->req, i, out, 37) || !api_is_uuid(out)) {
        http_res_error(ctx->res, 400, "bad_request", "the id must be a UUID");
        return -1;
    }
    for (int k = 0; k < 36; k++)
        out[k] = (char)tolower((unsigned char)out[k]);
    return 0;
}

int admin_unique_violation(const PGresult *r)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return st && !strcmp(st, "23505");
}

/* Characters (not bytes) of a UTF-8 string. */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

int admin_text_field(http_ctx_t *ctx, json_t *doc, const char *key, size_t max_chars, int null_ok, char *out,
                     size_t outlen)
{
    json_t *v = json_object_get(doc, key);
    char msg[160];
    if (!v || (null_ok && json_is_null(v)))
        return 0;
    if (!json_is_string(v)) {
        snprintf(msg, sizeof msg, "%s must be a string", key);
        http_res_error(ctx->res, 400, "bad_request", msg);
        return -1;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    int bad = n == 0 || n >= outlen || utf8_chars(s, n) > max_chars;
    for (size_t i = 0; i < n && !bad; i++)
        bad = (unsigned char)s[i] < 0x20 || s[i] == 0x7f;
    if (bad) {
        snprintf(msg, sizeof msg, "%s must be 1 to %zu characters of text", key, max_chars);
        http_res_error(ctx->res, 400, "bad_request", msg);
        return -1;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return 1;
}

void admin_json_raw(buf_t *b, const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        buf_puts(b, "null");
    else
        buf_puts(b, PQgetvalue(r, row, col));
}

void admin_creature_cache_del(http_ctx_t *ctx, const char *creature_id)
{
    char key[80];
    snprintf(key, sizeof key, "creature:%s:metadata", creature_id);
    if (cache_del(ctx->thread->redis, key))
        log_warn("admin_cache", "request %s: %s not dropped (Redis unavailable); it expires within %d s",
                 ctx->req->request_id, key, CACHE_TTL_CREATURE);
}

PGresult *admin_fetch_one(http_ctx_t *ctx, db_conn_t *db, const db_stmt_t *stmt, const char *id,
                          const char *missing_message)
{
    const char *params[] = {id};
    PGresult *r = db_exec(db, stmt, params);
    if (api_check(ctx, r))
        return NULL;
    if (PQntuples(r) != 1) {
        PQclear(r);
        http_res_error(ctx->res, 404, "not_found", missing_message);
        return NULL;
    }
    return r;
}

char *admin_lock_before(http_ctx_t *ctx, db_conn_t *db, const db_stmt_t *stmt, const char *id,
                        const char *missing_message)
{
    PGresult *r = admin_fetch_one(ctx, db, stmt, id, missing_message);
    if (!r)
        return NULL;
    char *before = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return before;
}

int admin_delete_audited(http_ctx_t *ctx, const db_stmt_t *stmt, const char *id, const char *missing_message,
                         const char *action, const char *target)
{
    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return -1;
    char *before = admin_lock_before(ctx, db, stmt, id, missing_message);
    int bad = !before || admin_audit(ctx, db, action, target, before, NULL);
    free(before);
    if (bad) {
        admin_rollback(db);
        return -1;
    }
    return admin_commit(ctx, db);
}
