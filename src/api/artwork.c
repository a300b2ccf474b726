/* artwork: creature pictures, thumbnails and avatar candidates over HTTP, and the admin upload
 * of replacement artwork. Pictures come from the blob store (an upload) or are drawn on the
 * fly (game/artwork); with CHATLINGS_CDN_BASE_URL set, stored blobs are a 302 to the CDN
 * (their names carry a content hash, so the CDN may keep them forever). Every answer has an
 * ETag and a matching If-None-Match gets 304. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/admin.h"
#include "api/api.h"
#include "api/handlers.h"
#include "core/log.h"
#include "integrations/thumbs.h"
#include "store/blob.h"
#include "worker/artwork_jobs.h"

#define ART_CACHE "public, max-age=86400"
#define REDIRECT_CACHE "public, max-age=300"

/* Replaces every header called name in the response with one name: value (dispatch has
 * already set cache-control: no-store, which pictures must not keep). */
static void res_header_set(http_res_t *res, const char *name, const char *value)
{
    buf_t kept;
    buf_init(&kept, res->headers.max);
    for (size_t off = 0; off < res->headers.len;) {
        const char *n = res->headers.data + off;
        const char *v = n + strlen(n) + 1;
        if (strcmp(n, name)) {
            buf_append(&kept, n, strlen(n) + 1);
            buf_append(&kept, v, strlen(v) + 1);
        }
        off = (size_t)(v + strlen(v) + 1 - res->headers.data);
    }
    buf_free(&res->headers);
    res->headers = kept;
    http_res_header(res, name, value);
}

/* RFC 9110 If-None-Match: "*" or a list of (possibly weak) entity tags, compared weakly. */
static int etag_matches(const char *inm, size_t len, const char *etag)
{
    const char *e = etag;
    if (!strncmp(e, "W/", 2))
        e += 2;
    size_t el = strlen(e);
    const char *p = inm, *end = inm + len;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
            p++;
        const char *s = p;
        while (p < end && *p != ',')
            p++;
        const char *t = p;
        while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if (t - s == 1 && *s == '*')
            return 1;
        if (t - s > 2 && !strncmp(s, "W/", 2))
            s += 2;
        if ((size_t)(t - s) == el && !memcmp(s, e, el))
            return 1;
    }
    return 0;
}

/* Sets the caching headers; 1 when the client's copy is current (304 set, body emptied). */
static int not_modified(http_ctx_t *ctx, const char *etag, const char *cache_control)
{
    res_header_set(ctx->res, "cache-control", cache_control);
    http_res_header(ctx->res, "etag", etag);
    size_t len;
    const char *inm = http_req_header(ctx->req, "if-none-match", &len);
    if (!inm || !etag_matches(inm, len, etag))
        return 0;
    ctx->res->status = 304;
    ctx->res->content_type = NULL;
    buf_reset(&ctx->res->body);
    return 1;
}

/* A content type that outlives the handler (the loop thread sends it later), by content. */
static const char *static_type(const void *data, size_t len)
{
    const char *t = thumbs_mime(thumbs_sniff(data, len));
    return t ? t : "application/octet-stream";
}

static int creature_id_param(http_ctx_t *ctx, char id[37])
{
    if (http_req_param(ctx->req, 0, id, 37) || !api_is_uuid(id)) {
        http_res_error(ctx->res, 400, "bad_request", "creature id must be a UUID");
        return -1;
    }
    for (char *p = id; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return 0;
}

static int load_row(http_ctx_t *ctx, db_conn_t *db, const char *id, artwork_row_t *row)
{
    char err[256];
    int rc = artwork_jobs_load(db_pgconn(db), id, row, err, sizeof err);
    if (rc == BLOB_NOT_FOUND) {
        http_res_error(ctx->res, 404, "not_found", "no creature with this id");
        return -1;
    }
    if (rc) {
        log_error("artwork", "request %s: %s", ctx->req->request_id, err);
        http_res_error(ctx->res, 503, "unavailable", "the catalogue is unavailable, try again shortly");
        return -1;
    }
    return 0;
}

static void redirect(http_ctx_t *ctx, const char *container, const char *name, const char *suffix)
{
    char url[1200];
    const char *base = ctx->app->cfg->cdn_base_url;
    size_t bl = strlen(base);
    snprintf(url, sizeof url, "%.*s/%s/%s%s", (int)(bl && base[bl - 1] == '/' ? bl - 1 : bl), base, container, name,
             suffix);
    ctx->res->status = 302;
    ctx->res->content_type = NULL;
    buf_reset(&ctx->res->body);
    http_res_header(ctx->res, "location", url);
    res_header_set(ctx->res, "cache-control", REDIRECT_CACHE);
}

static void blob_failure(http_ctx_t *ctx, const char *err)
{
    log_error("blob", "request %s: %s", ctx->req->request_id, err);
    http_res_error(ctx->res, 503, "unavailable", "pictures are unavailable, try again shortly");
    http_res_header(ctx->res, "retry-after", "2");
}

void api_artwork_get(http_ctx_t *ctx)
{
    char id[37], err[256], type[128], etag[96];
    artwork_row_t row;
    if (creature_id_param(ctx, id))
        return;
    db_conn_t *db = api_db_read(ctx);
    if (!db || load_row(ctx, db, id, &row))
        return;
    if (ctx->app->cfg->cdn_base_url[0] && row.art_key[0]) {
        redirect(ctx, "artwork", row.art_key, "");
        return;
    }
    buf_t *body = &ctx->res->body;
    if (artwork_jobs_source(ctx->app->blob, &row, body, type, sizeof type, etag, sizeof etag, err, sizeof err)) {
        buf_reset(body);
        blob_failure(ctx, err);
        return;
    }
    ctx->res->content_type = static_type(body->data, body->len);
    not_modified(ctx, etag, ART_CACHE);
}

void api_thumbs_get(http_ctx_t *ctx)
{
    char id[37], err[256], name[ARTWORK_KEY_MAX + 8];
    artwork_row_t row;
    if (creature_id_param(ctx, id))
        return;
    size_t alen = 0;
    const char *accept = http_req_header(ctx->req, "accept", &alen);
    int webp = accept && memmem(accept, alen, "image/webp", 10);
    const char *ext = webp ? ".webp" : ".png";
    db_conn_t *db = api_db_read(ctx);
    if (!db || load_row(ctx, db, id, &row))
        return;
    http_res_header(ctx->res, "vary", "Accept");
    if (ctx->app->cfg->cdn_base_url[0] && row.thumb_key[0]) {
        redirect(ctx, "thumbs", row.thumb_key, ext);
        return;
    }
    blob_info_t info;
    buf_t *body = &ctx->res->body;
    int rc = BLOB_NOT_FOUND;
    if (row.thumb_key[0]) {
        snprintf(name, sizeof name, "%s%s", row.thumb_key, ext);
        rc = blob_get(ctx->app->blob, "thumbs", name, body, &info, err, sizeof err);
    }
    if (rc == BLOB_NOT_FOUND) {
        /* not rendered yet (or lost): render now on this handler thread, for everyone after */
        db = api_db(ctx);
        if (!db)
            return;
        if (artwork_jobs_render_thumbs(db_pgconn(db), ctx->app->blob, &row, err, sizeof err)) {
            blob_failure(ctx, err);
            return;
        }
        snprintf(name, sizeof name, "%s%s", row.thumb_key, ext);
        buf_reset(body);
        rc = blob_get(ctx->app->blob, "thumbs", name, body, &info, err, sizeof err);
    }
    if (rc) {
        buf_reset(body);
        blob_failure(ctx, rc == BLOB_NOT_FOUND ? "thumbnail vanished after rendering" : err);
        return;
    }
    ctx->res->content_type = webp ? "image/webp" : "image/png";
    not_modified(ctx, info.etag, ART_CACHE);
}

void api_avatar_get(http_ctx_t *ctx)
{
    char uid[40], n_text[8];
    if (http_req_param(ctx->req, 0, uid, sizeof uid) || !api_is_uuid(uid)) {
        http_res_error(ctx->res, 400, "bad_request", "user id must be a UUID");
        return;
    }
    for (char *p = uid; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char *end = NULL;
    long n = http_req_param(ctx->req, 1, n_text, sizeof n_text) ? -1 : strtol(n_text, &end, 10);
    if (n < 0 || n >= ARTWORK_AVATAR_CANDIDATES || !end || *end || end == n_text) {
        http_res_error(ctx->res, 400, "bad_request", "avatar number must be 0..8");
        return;
    }
    buf_t *body = &ctx->res->body;
    if (artwork_avatar_svg(uid, (int)n, body)) {
        buf_reset(body);
        http_res_error(ctx->res, 500, "internal", "the avatar could not be drawn");
        return;
    }
    char h[17], etag[40];
    artwork_jobs_hash(body->data, body->len, h);
    snprintf(etag, sizeof etag, "\"a%d-%s\"", ARTWORK_VERSION, h);
    ctx->res->content_type = "image/svg+xml";
    not_modified(ctx, etag, ART_CACHE);
}

static const db_stmt_t STMT_ART_LOCK = {
    "artwork_lock", "SELECT coalesce(art_key, ''), coalesce(thumb_key, '') FROM creatures WHERE id = $1 FOR UPDATE",
    1};
static const db_stmt_t STMT_ART_SET = {
    "artwork_set", "UPDATE creatures SET art_key = $2, thumb_key = $3, updated_at = now() WHERE id = $1", 3};

/* POST /api/admin/creatures/:id/artwork: the body is the image itself. What it is comes from
 * its bytes (magic number, then a full decode by libvips), never from a file name; the
 * Content-Type must only claim some image. */
void api_admin_creature_artwork(http_ctx_t *ctx)
{
    char id[37], err[256];
    if (creature_id_param(ctx, id))
        return;
    size_t ctl;
    const char *ct = http_req_header(ctx->req, "content-type", &ctl);
    int claims_image = ct && ((ctl >= 6 && !strncasecmp(ct, "image/", 6)) ||
                              (ctl >= 24 && !strncasecmp(ct, "application/octet-stream", 24)));
    if (!claims_image) {
        http_res_error(ctx->res, 415, "unsupported_media_type", "send the image bytes with an image/* Content-Type");
        return;
    }
    const char *data = ctx->req->body;
    size_t len = ctx->req->body_len;
    if (len > THUMBS_UPLOAD_MAX_BYTES) {
        http_res_error(ctx->res, 413, "payload_too_large", "the image is too large");
        return;
    }
    image_kind_t kind;
    int w = 0, h = 0;
    if (thumbs_validate_upload(data, len, &kind, &w, &h, err, sizeof err)) {
        int not_image = thumbs_sniff(data, len) == IMAGE_UNKNOWN || thumbs_sniff(data, len) == IMAGE_SVG;
        http_res_error(ctx->res, not_image ? 415 : 400, not_image ? "unsupported_media_type" : "bad_request", err);
        return;
    }

    /* store the bytes and their thumbnails first: names are content-addressed, so a failure
     * after this leaves harmless orphans, never a row pointing at nothing */
    char hash[17], art_key[ARTWORK_KEY_MAX], thumb_key[ARTWORK_KEY_MAX], name[ARTWORK_KEY_MAX + 8];
    artwork_jobs_hash(data, len, hash);
    snprintf(art_key, sizeof art_key, "creatures/%s/upload-%s.%s", id, hash, thumbs_ext(kind));
    snprintf(thumb_key, sizeof thumb_key, "creatures/%s/%s", id, hash);
    buf_t png, webp;
    buf_init(&png, 4u << 20);
    buf_init(&webp, 4u << 20);
    int rc = blob_put(ctx->app->blob, "artwork", art_key, data, len, thumbs_mime(kind), NULL, err, sizeof err);
    if (rc == 0 && thumbs_render_pair(data, len, &png, &webp, err, sizeof err))
        rc = BLOB_ERR;
    if (rc == 0) {
        snprintf(name, sizeof name, "%s.png", thumb_key);
        rc = blob_put(ctx->app->blob, "thumbs", name, png.data, png.len, "image/png", NULL, err, sizeof err);
    }
    if (rc == 0) {
        snprintf(name, sizeof name, "%s.webp", thumb_key);
        rc = blob_put(ctx->app->blob, "thumbs", name, webp.data, webp.len, "image/webp", NULL, err, sizeof err);
    }
    buf_free(&png);
    buf_free(&webp);
    if (rc) {
        blob_failure(ctx, err);
        return;
    }

    db_conn_t *db = admin_begin(ctx);
    if (!db)
        return;
    const char *lock_params[] = {id};
    PGresult *r = db_exec(db, &STMT_ART_LOCK, lock_params);
    if (api_check(ctx, r)) {
        admin_rollback(db);
        return;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        admin_rollback(db);
        http_res_error(ctx->res, 404, "not_found", "no creature with this id");
        return;
    }
    char old_art[ARTWORK_KEY_MAX], old_thumb[ARTWORK_KEY_MAX];
    snprintf(old_art, sizeof old_art, "%s", PQgetvalue(r, 0, 0));
    snprintf(old_thumb, sizeof old_thumb, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    const char *set_params[] = {id, art_key, thumb_key};
    r = db_exec(db, &STMT_ART_SET, set_params);
    if (api_check(ctx, r)) {
        admin_rollback(db);
        return;
    }
    PQclear(r);
    buf_t before, after;
    buf_init(&before, 4096);
    buf_init(&after, 4096);
    buf_puts(&before, "{\"art_key\":");
    buf_json_cstr(&before, old_art[0] ? old_art : NULL);
    buf_puts(&before, ",\"thumb_key\":");
    buf_json_cstr(&before, old_thumb[0] ? old_thumb : NULL);
    buf_puts(&before, "}");
    buf_puts(&after, "{\"art_key\":");
    buf_json_cstr(&after, art_key);
    buf_puts(&after, ",\"thumb_key\":");
    buf_json_cstr(&after, thumb_key);
    buf_printf(&after, ",\"content_type\":\"%s\",\"width\":%d,\"height\":%d,\"bytes\":%zu}", thumbs_mime(kind), w, h,
               len);
    int failed = 0;
    if (admin_audit(ctx, db, "creature.artwork", id, before.data, after.data)) {
        admin_rollback(db); /* admin_audit leaves the rollback to its caller */
        failed = 1;
    } else if (admin_commit(ctx, db)) {
        failed = 1; /* admin_commit rolled back itself */
    }
    if (failed) {
        buf_free(&before);
        buf_free(&after);
        return;
    }
    /* the replaced upload stays restorable for the soft-delete retention */
    if (old_art[0] && strcmp(old_art, art_key))
        blob_delete(ctx->app->blob, "artwork", old_art, err, sizeof err);
    if (old_thumb[0] && strcmp(old_thumb, thumb_key)) {
        snprintf(name, sizeof name, "%s.png", old_thumb);
        blob_delete(ctx->app->blob, "thumbs", name, err, sizeof err);
        snprintf(name, sizeof name, "%s.webp", old_thumb);
        blob_delete(ctx->app->blob, "thumbs", name, err, sizeof err);
    }
    buf_t *out = &ctx->res->body;
    ctx->res->status = 201;
    buf_puts(out, "{\"creature_id\":");
    buf_json_cstr(out, id);
    buf_puts(out, ",\"artwork\":");
    buf_append(out, after.data, after.len);
    buf_puts(out, "}");
    buf_free(&before);
    buf_free(&after);
}
