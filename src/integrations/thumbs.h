/* thumbs: image work through libvips: 200x200 thumbnails as PNG or WebP, and the checks an
 * uploaded image must pass (kind by magic bytes, then a full decode within size limits).
 * Thread-safe after thumbs_init; each call works on the calling thread only (libvips
 * concurrency 1), so the handler pool and the worker bound the CPU it takes. */
#ifndef CHATLINGS_THUMBS_H
#define CHATLINGS_THUMBS_H
#include <stddef.h>

#include "core/buf.h"

#define THUMBS_SIZE 200
#define THUMBS_UPLOAD_MAX_BYTES (8u << 20)
#define THUMBS_UPLOAD_MAX_SIDE 4096
#define THUMBS_UPLOAD_MIN_SIDE 16

typedef enum { IMAGE_UNKNOWN, IMAGE_PNG, IMAGE_JPEG, IMAGE_WEBP, IMAGE_SVG } image_kind_t;
typedef enum { THUMBS_PNG, THUMBS_WEBP } thumbs_format_t;

/* Starts libvips once per process (safe to call from any thread, any number of times). 0 or -1. */
int thumbs_init(void);

/* The kind of image by its first bytes; never by a name or a declared type. SVG is recognised
 * only as XML whose root element is <svg>. */
image_kind_t thumbs_sniff(const void *data, size_t len);
/* "image/png", "image/jpeg", "image/webp", "image/svg+xml"; NULL for IMAGE_UNKNOWN. */
const char *thumbs_mime(image_kind_t kind);
/* "png", "jpg", "webp", "svg"; NULL for IMAGE_UNKNOWN. */
const char *thumbs_ext(image_kind_t kind);

/* Checks an uploaded raster image: JPEG, PNG or WebP by content, at most
 * THUMBS_UPLOAD_MAX_BYTES, each side within [MIN_SIDE, MAX_SIDE], and every pixel decodes.
 * 0 with *kind (and *width, *height when not NULL), or -1 with a message fit for the uploader. */
int thumbs_validate_upload(const void *data, size_t len, image_kind_t *kind, int *width, int *height, char *err,
                           size_t errlen);

/* Renders a THUMBS_SIZE x THUMBS_SIZE thumbnail (centre-cropped when not square) of an SVG,
 * PNG, JPEG or WebP image and appends the encoded PNG or WebP to out. 0, or -1 with a message. */
int thumbs_render(const void *data, size_t len, thumbs_format_t fmt, buf_t *out, char *err, size_t errlen);

/* Both at once (what the thumbnail job stores): the source is decoded and scaled once. */
int thumbs_render_pair(const void *data, size_t len, buf_t *png, buf_t *webp, char *err, size_t errlen);

#endif
