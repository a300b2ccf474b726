/* thumbs: libvips wrappers. Untrusted loaders are blocked and only the four kinds we sniff
 * ever reach libvips; the operation cache is off (every input is a one-off buffer). */
#include "integrations/thumbs.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <vips/vips.h>

#include "core/log.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_rc = -1;

/* libvips reports damaged input through GLib warnings on stderr; they become our JSON log
 * lines instead (the caller also gets the error itself). */
static void on_glib_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer user)
{
    (void)user;
    log_msg((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) ? LOG_WARN : LOG_DEBUG, "libvips", "%s: %s",
            domain ? domain : "glib", message ? message : "");
}

static void init_once(void)
{
    g_log_set_handler("VIPS", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION, on_glib_log, NULL);
    if (VIPS_INIT("chatlings")) {
        g_init_rc = -1;
        return;
    }
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    /* libvips counts its SVG loader as untrusted: unblock it alone. SVG only ever comes from
     * our own generator; uploads must sniff as JPEG, PNG or WebP before reaching libvips. */
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoadSvg", FALSE);
    g_init_rc = 0;
}

int thumbs_init(void)
{
    pthread_once(&g_once, init_once);
    return g_init_rc;
}

image_kind_t thumbs_sniff(const void *data, size_t len)
{
    const unsigned char *p = data;
    if (len >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
        return IMAGE_PNG;
    if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return IMAGE_JPEG;
    if (len >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
        return IMAGE_WEBP;
    /* SVG: optional BOM/whitespace, optional <?xml ...?> and comments, then "<svg" */
    size_t i = 0;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    for (int guard = 0; guard < 8; guard++) {
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
            i++;
        if (i + 4 <= len && !memcmp(p + i, "<svg", 4) && (i + 4 == len || strchr(" \t\r\n>/", p[i + 4])))
            return IMAGE_SVG;
        const char *close = NULL;
        if (i + 5 <= len && !memcmp(p + i, "<?xml", 5))
            close = "?>";
        else if (i + 4 <= len && !memcmp(p + i, "<!--", 4))
            close = "-->";
        if (!close)
            break;
        const unsigned char *e = memmem(p + i, len - i, close, strlen(close));
        if (!e)
            break;
        i = (size_t)(e - p) + strlen(close);
    }
    return IMAGE_UNKNOWN;
}

const char *thumbs_mime(image_kind_t kind)
{
    switch (kind) {
    case IMAGE_PNG: return "image/png";
    case IMAGE_JPEG: return "image/jpeg";
    case IMAGE_WEBP: return "image/webp";
    case IMAGE_SVG: return "image/svg+xml";
    default: return NULL;
    }
}

const char *thumbs_ext(image_kind_t kind)
{
    switch (kind) {
    case IMAGE_PNG: return "png";
    case IMAGE_JPEG: return "jpg";
    case IMAGE_WEBP: return "webp";
    case IMAGE_SVG: return "svg";
    default: return NULL;
    }
}

static void vips_err(char *err, size_t errlen, const char *what)
{
    const char *v = vips_error_buffer();
    snprintf(err, errlen, "%s%s%.*s", what, v && *v ? ": " : "", (int)strcspn(v ? v : "", "\n"), v ? v : "");
    vips_error_clear();
}

int thumbs_validate_upload(const void *data, size_t len, image_kind_t *kind, int *width, int *height, char *err,
                           size_t errlen)
{
    if (thumbs_init()) {
        snprintf(err, errlen, "image support is unavailable");
        return -1;
    }
    if (len == 0) {
        snprintf(err, errlen, "the image is empty");
        return -1;
    }
    if (len > THUMBS_UPLOAD_MAX_BYTES) {
        snprintf(err, errlen, "the image is larger than %u bytes", THUMBS_UPLOAD_MAX_BYTES);
        return -1;
    }
    image_kind_t k = thumbs_sniff(data, len);
    if (k != IMAGE_PNG && k != IMAGE_JPEG && k != IMAGE_WEBP) {
        snprintf(err, errlen, "the content is not a JPEG, PNG or WebP image");
        return -1;
    }
    /* the header first: refuse huge dimensions before any pixel is decoded */
    VipsImage *img = vips_image_new_from_buffer(data, len, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                                VIPS_FAIL_ON_ERROR, NULL);
    if (!img) {
        vips_err(err, errlen, "the image cannot be decoded");
        return -1;
    }
    int w = vips_image_get_width(img), h = vips_image_get_height(img);
    int rc = -1;
    if (w > THUMBS_UPLOAD_MAX_SIDE || h > THUMBS_UPLOAD_MAX_SIDE || w < THUMBS_UPLOAD_MIN_SIDE ||
        h < THUMBS_UPLOAD_MIN_SIDE) {
        snprintf(err, errlen, "the image is %dx%d; each side must be %d..%d pixels", w, h, THUMBS_UPLOAD_MIN_SIDE,
                 THUMBS_UPLOAD_MAX_SIDE);
        goto out;
    }
    /* then every pixel: a truncated or corrupt file fails here */
    double avg;
    if (vips_avg(img, &avg, NULL)) {
        vips_err(err, errlen, "the image is damaged");
        goto out;
    }
    *kind = k;
    if (width)
        *width = w;
    if (height)
        *height = h;
    rc = 0;
out:
    g_object_unref(img);
    return rc;
}

/* Decodes and scales once; the result is copied to memory so that each encoder reads pixels
 * instead of re-running the pipeline (an SVG would be rendered again for every format). */
static VipsImage *scaled(const void *data, size_t len, char *err, size_t errlen)
{
    if (thumbs_init()) {
        snprintf(err, errlen, "image support is unavailable");
        return NULL;
    }
    if (thumbs_sniff(data, len) == IMAGE_UNKNOWN) {
        snprintf(err, errlen, "not an SVG, PNG, JPEG or WebP image");
        return NULL;
    }
    VipsImage *thumb = NULL;
    if (vips_thumbnail_buffer((void *)data, len, &thumb, THUMBS_SIZE, "height", THUMBS_SIZE, "crop",
                              VIPS_INTERESTING_CENTRE, NULL)) {
        vips_err(err, errlen, "cannot render the thumbnail");
        return NULL;
    }
    VipsImage *mem = vips_image_copy_memory(thumb);
    g_object_unref(thumb);
    if (!mem)
        vips_err(err, errlen, "cannot render the thumbnail");
    return mem;
}

static int encode(VipsImage *img, thumbs_format_t fmt, buf_t *out, char *err, size_t errlen)
{
    void *enc = NULL;
    size_t enc_len = 0;
    /* zlib level 3 and WebP effort 2: a few % larger files than the defaults at about half
     * the CPU (WebP effort 0 would double the size) */
    int r = fmt == THUMBS_WEBP ? vips_webpsave_buffer(img, &enc, &enc_len, "Q", 82, "effort", 2, NULL)
                               : vips_pngsave_buffer(img, &enc, &enc_len, "compression", 3, NULL);
    if (r) {
        vips_err(err, errlen, "cannot encode the thumbnail");
        return -1;
    }
    int rc = buf_append(out, enc, enc_len);
    g_free(enc);
    if (rc) {
        snprintf(err, errlen, "thumbnail larger than the buffer");
        return -1;
    }
    return 0;
}

int thumbs_render(const void *data, size_t len, thumbs_format_t fmt, buf_t *out, char *err, size_t errlen)
{
    VipsImage *img = scaled(data, len, err, errlen);
    if (!img)
        return -1;
    int rc = encode(img, fmt, out, err, errlen);
    g_object_unref(img);
    return rc;
}

int thumbs_render_pair(const void *data, size_t len, buf_t *png, buf_t *webp, char *err, size_t errlen)
{
    VipsImage *img = scaled(data, len, err, errlen);
    if (!img)
        return -1;
    int rc = encode(img, THUMBS_PNG, png, err, errlen) || encode(img, THUMBS_WEBP, webp, err, errlen) ? -1 : 0;
    g_object_unref(img);
    return rc;
}
