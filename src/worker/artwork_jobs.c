/* artwork_jobs: see the header. SQL runs through plain PQexecParams so the same code works on
 * a pooled connection (API), the worker's and the CLI's single connection. */
#include "worker/artwork_jobs.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrations/thumbs.h"

#define THUMB_MAX (4u << 20)

void artwork_jobs_hash(const void *data, size_t len, char out[17])
{
    unsigned char h[8];
    crypto_generichash(h, sizeof h, data, len, NULL, 0);
    sodium_bin2hex(out, 17, h, sizeof h);
}

static int db_failed(PGresult *r, PGconn *db, char *err, size_t errlen)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return 0;
    snprintf(err, errlen, "database: %s", r ? PQresultErrorMessage(r) : PQerrorMessage(db));
    err[strcspn(err, "\n")] = '\0';
    PQclear(r);
    return 1;
}

int artwork_jobs_load(PGconn *db, const char *id, artwork_row_t *row, char *err, size_t errlen)
{
    const char *params[] = {id};
    PGresult *r = PQexecParams(db,
                               "SELECT c.id, c.body_type_id, c.rarity, c.colour_scheme, coalesce(c.art_key, ''),"
                               " coalesce(c.thumb_key, ''),"
                               " (SELECT string_agg(t.score::text, ',' ORDER BY t.trait_id) FROM creature_traits t"
                               "  WHERE t.creature_id = c.id)"
                               " FROM creatures c WHERE c.id = $1",
                               1, NULL, params, NULL, NULL, 0);
    if (db_failed(r, db, err, errlen))
        return BLOB_ERR;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return BLOB_NOT_FOUND;
    }
    memset(row, 0, sizeof *row);
    snprintf(row->id, sizeof row->id, "%s", PQgetvalue(r, 0, 0));
    snprintf(row->scheme, sizeof row->scheme, "%s", PQgetvalue(r, 0, 3));
    snprintf(row->art_key, sizeof row->art_key, "%s", PQgetvalue(r, 0, 4));
    snprintf(row->thumb_key, sizeof row->thumb_key, "%s", PQgetvalue(r, 0, 5));
    row->art.id = row->id;
    row->art.colour_scheme = row->scheme;
    row->art.body_type = atoi(PQgetvalue(r, 0, 1)) - 1; /* body_types.id is 1-based */
    row->art.rarity = rarity_from_name(PQgetvalue(r, 0, 2));
    if (row->art.rarity < 0)
        row->art.rarity = RARITY_COMMON;
    const char *p = PQgetvalue(r, 0, 6);
    for (int i = 0; i < TRAIT_COUNT; i++) {
        char *end;
        row->art.traits[i] = (int)strtol(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
    }
    PQclear(r);
    return 0;
}

int artwork_jobs_source(blob_store_t *bs, const artwork_row_t *row, buf_t *out, char *content_type, size_t ctlen,
                        char *etag, size_t etaglen, char *err, size_t errlen)
{
    if (row->art_key[0]) {
        blob_info_t info;
        int rc = blob_get(bs, "artwork", row->art_key, out, &info, err, errlen);
        if (rc == 0) {
            snprintf(content_type, ctlen, "%s", info.content_type);
            snprintf(etag, etaglen, "%s", info.etag);
            return 0;
        }
        if (rc != BLOB_NOT_FOUND)
            return BLOB_ERR;
        /* the upload is gone (deleted by hand?): fall back to the drawing rather than a broken image */
    }
    size_t start = out->len;
    if (artwork_creature_svg(&row->art, out)) {
        snprintf(err, errlen, "the drawing did not fit its buffer");
        return BLOB_ERR;
    }
    char h[17];
    artwork_jobs_hash(out->data + start, out->len - start, h);
    snprintf(content_type, ctlen, "image/svg+xml");
    snprintf(etag, etaglen, "\"g%d-%s\"", ARTWORK_VERSION, h);
    return 0;
}

int artwork_jobs_render_thumbs(PGconn *db, blob_store_t *bs, artwork_row_t *row, char *err, size_t errlen)
{
    buf_t src, png, webp;
    buf_init(&src, THUMBS_UPLOAD_MAX_BYTES + 1024);
    buf_init(&png, THUMB_MAX);
    buf_init(&webp, THUMB_MAX);
    char type[128], etag[96], hash[17], key[ARTWORK_KEY_MAX], name[ARTWORK_KEY_MAX + 8];
    int rc = artwork_jobs_source(bs, row, &src, type, sizeof type, etag, sizeof etag, err, errlen);
    if (rc)
        goto out;
    rc = BLOB_ERR;
    if (thumbs_render_pair(src.data, src.len, &png, &webp, err, errlen))
        goto out;
    /* the source's own hash names the thumbnails: same picture, same names */
    artwork_jobs_hash(src.data, src.len, hash);
    snprintf(key, sizeof key, "creatures/%s/%s", row->id, hash);
    snprintf(name, sizeof name, "%s.png", key);
    if (blob_put(bs, "thumbs", name, png.data, png.len, "image/png", NULL, err, errlen))
        goto out;
    snprintf(name, sizeof name, "%s.webp", key);
    if (blob_put(bs, "thumbs", name, webp.data, webp.len, "image/webp", NULL, err, errlen))
        goto out;
    const char *params[] = {row->id, key};
    PGresult *r = PQexecParams(db, "UPDATE creatures SET thumb_key = $2 WHERE id = $1", 2, NULL, params, NULL, NULL, 0);
    if (db_failed(r, db, err, errlen))
        goto out;
    PQclear(r);
    snprintf(row->thumb_key, sizeof row->thumb_key, "%s", key);
    rc = 0;
out:
    buf_free(&src);
    buf_free(&png);
    buf_free(&webp);
    return rc;
}

int artwork_jobs_render_missing(PGconn *db, blob_store_t *bs, int limit, int *done, int *failed, char *err,
                                size_t errlen)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = {lim};
    *done = *failed = 0;
    PGresult *r = PQexecParams(db, "SELECT id FROM creatures WHERE thumb_key IS NULL ORDER BY seq LIMIT $1", 1, NULL,
                               params, NULL, NULL, 0);
    if (db_failed(r, db, err, errlen))
        return BLOB_ERR;
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        artwork_row_t row;
        char e[256];
        if (artwork_jobs_load(db, PQgetvalue(r, i, 0), &row, e, sizeof e) ||
            artwork_jobs_render_thumbs(db, bs, &row, e, sizeof e)) {
            (*failed)++;
            snprintf(err, errlen, "%s: %s", PQgetvalue(r, i, 0), e);
            continue;
        }
        (*done)++;
    }
    PQclear(r);
    return 0;
}
