/* artwork_jobs: creature pictures between the catalogue (PostgreSQL), the drawing rules
 * (game/artwork) and storage (store/blob): which image a creature shows, and its 200x200 PNG
 * and WebP thumbnails. The worker runs artwork_jobs_render_missing as a job; the API calls
 * the single-creature functions when a thumbnail is asked for before the job got to it.
 * Blob names carry a content hash, so a CDN may cache them forever:
 *   artwork/creatures/ID/upload-HASH.EXT   an uploaded replacement (creatures.art_key)
 *   thumbs/creatures/ID/HASH.png|.webp     thumbnails (creatures.thumb_key = "creatures/ID/HASH") */
#ifndef CHATLINGS_ARTWORK_JOBS_H
#define CHATLINGS_ARTWORK_JOBS_H
#include <libpq-fe.h>
#include <stddef.h>

#include "core/buf.h"
#include "game/artwork.h"
#include "store/blob.h"

#define ARTWORK_KEY_MAX 256

typedef struct artwork_row {
    char id[37];
    char scheme[64];
    artwork_creature_t art;       /* drawing inputs; art.id and art.colour_scheme point into this row */
    char art_key[ARTWORK_KEY_MAX];   /* "" = none: the generated SVG is the artwork */
    char thumb_key[ARTWORK_KEY_MAX]; /* "" = no thumbnails yet */
} artwork_row_t;

/* Loads a creature (soft-deleted ones too: collections keep them). 0, BLOB_NOT_FOUND when no
 * such creature, BLOB_ERR on a database error (message in err). */
int artwork_jobs_load(PGconn *db, const char *id, artwork_row_t *row, char *err, size_t errlen);

/* The creature's picture: the uploaded artwork when there is one, else the generated SVG.
 * Appends its bytes to out and sets *content_type (static string, or info's) and etag
 * (quoted, for HTTP). 0 or BLOB_ERR. */
int artwork_jobs_source(blob_store_t *bs, const artwork_row_t *row, buf_t *out, char *content_type, size_t ctlen,
                        char *etag, size_t etaglen, char *err, size_t errlen);

/* Renders PNG and WebP thumbnails from the source, stores both and records thumb_key (also in
 * row). 0 or BLOB_ERR. */
int artwork_jobs_render_thumbs(PGconn *db, blob_store_t *bs, artwork_row_t *row, char *err, size_t errlen);

/* Renders thumbnails for up to limit creatures that have none (catalogue order). *done and
 * *failed count them. 0, or BLOB_ERR when the database could not be read. */
int artwork_jobs_render_missing(PGconn *db, blob_store_t *bs, int limit, int *done, int *failed, char *err,
                                size_t errlen);

/* Lower-case hex of a 64-bit BLAKE2b of data (names and ETags of content). */
void artwork_jobs_hash(const void *data, size_t len, char out[17]);

#endif
