/* thumbs: kinds by magic bytes, upload validation (content decides, damage and bombs refused),
 * 200x200 PNG/WebP renders of the generated SVGs, and the 20 silhouettes differ as pictures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <vips/vips.h>

#include "game/artwork.h"
#include "integrations/thumbs.h"

/* An encoded test image of w x h made with libvips itself. */
static void encode(int w, int h, const char *suffix, void **out, size_t *len)
{
    VipsImage *img = NULL, *col = NULL;
    assert_int_equal(vips_black(&img, w, h, "bands", 3, NULL), 0);
    assert_int_equal(vips_linear1(img, &col, 1.0, 120.0, NULL), 0);
    assert_int_equal(vips_image_write_to_buffer(col, suffix, out, len, NULL), 0);
    g_object_unref(img);
    g_object_unref(col);
}

static void test_sniff(void **state)
{
    (void)state;
    assert_int_equal(thumbs_sniff("\x89PNG\r\n\x1a\n....", 12), IMAGE_PNG);
    assert_int_equal(thumbs_sniff("\xff\xd8\xff\xe0", 4), IMAGE_JPEG);
    assert_int_equal(thumbs_sniff("RIFF\0\0\0\0WEBPVP8 ", 16), IMAGE_WEBP);
    assert_int_equal(thumbs_sniff("<svg xmlns=\"x\"/>", 16), IMAGE_SVG);
    const char *decl = "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- c -->\n<svg>";
    assert_int_equal(thumbs_sniff(decl, strlen(decl)), IMAGE_SVG);
    assert_int_equal(thumbs_sniff("<svgx>", 6), IMAGE_UNKNOWN);
    assert_int_equal(thumbs_sniff("<html><svg>", 11), IMAGE_UNKNOWN);
    assert_int_equal(thumbs_sniff("GIF89a", 6), IMAGE_UNKNOWN);
    assert_int_equal(thumbs_sniff("", 0), IMAGE_UNKNOWN);
    assert_int_equal(thumbs_sniff("\x89PN", 3), IMAGE_UNKNOWN);
    assert_string_equal(thumbs_mime(IMAGE_WEBP), "image/webp");
    assert_string_equal(thumbs_ext(IMAGE_JPEG), "jpg");
    assert_null(thumbs_mime(IMAGE_UNKNOWN));
}

static void test_validate_upload(void **state)
{
    (void)state;
    char err[256];
    image_kind_t k;
    int w, h;
    static const struct { const char *suffix; image_kind_t kind; } KINDS[] = {
        {".png", IMAGE_PNG}, {".jpg", IMAGE_JPEG}, {".webp", IMAGE_WEBP}};
    for (size_t i = 0; i < 3; i++) {
        void *img;
        size_t len;
        encode(300, 200, KINDS[i].suffix, &img, &len);
        assert_int_equal(thumbs_validate_upload(img, len, &k, &w, &h, err, sizeof err), 0);
        assert_int_equal(k, KINDS[i].kind);
        assert_int_equal(w, 300);
        assert_int_equal(h, 200);
        /* truncated: the header still parses, the pixels do not */
        assert_int_equal(thumbs_validate_upload(img, len * 2 / 3, &k, NULL, NULL, err, sizeof err), -1);
        g_free(img);
    }
    const char *html = "<!doctype html><html><script>alert(1)</script></html>";
    assert_int_equal(thumbs_validate_upload(html, strlen(html), &k, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a JPEG, PNG or WebP"));
    /* SVG is never accepted as an upload (it can carry script) */
    const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\"/>";
    assert_int_equal(thumbs_validate_upload(svg, strlen(svg), &k, NULL, NULL, err, sizeof err), -1);
    /* too small, too large */
    void *img;
    size_t len;
    encode(8, 8, ".png", &img, &len);
    assert_int_equal(thumbs_validate_upload(img, len, &k, NULL, NULL, err, sizeof err), -1);
    g_free(img);
    encode(5000, 20, ".png", &img, &len);
    assert_int_equal(thumbs_validate_upload(img, len, &k, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "5000x20"));
    g_free(img);
    assert_int_equal(thumbs_validate_upload("", 0, &k, NULL, NULL, err, sizeof err), -1);
}

static VipsImage *decode(const buf_t *b)
{
    VipsImage *img = vips_image_new_from_buffer(b->data, b->len, "", NULL);
    assert_non_null(img);
    return img;
}

static void test_render(void **state)
{
    (void)state;
    char err[256];
    artwork_creature_t c = {.id = "render-1", .body_type = 12, .rarity = RARITY_LEGENDARY,
                            .colour_scheme = "Sunset Ember"};
    for (int i = 0; i < TRAIT_COUNT; i++)
        c.traits[i] = 70;
    buf_t svg, png, webp;
    buf_init(&svg, 1 << 20);
    buf_init(&png, 4 << 20);
    buf_init(&webp, 4 << 20);
    assert_int_equal(artwork_creature_svg(&c, &svg), 0);
    assert_int_equal(thumbs_render(svg.data, svg.len, THUMBS_PNG, &png, err, sizeof err), 0);
    assert_int_equal(thumbs_render(svg.data, svg.len, THUMBS_WEBP, &webp, err, sizeof err), 0);
    assert_int_equal(thumbs_sniff(png.data, png.len), IMAGE_PNG);
    assert_int_equal(thumbs_sniff(webp.data, webp.len), IMAGE_WEBP);
    assert_true(webp.len < png.len);
    VipsImage *a = decode(&png), *b = decode(&webp);
    assert_int_equal(vips_image_get_width(a), THUMBS_SIZE);
    assert_int_equal(vips_image_get_height(a), THUMBS_SIZE);
    assert_int_equal(vips_image_get_width(b), THUMBS_SIZE);
    g_object_unref(a);
    g_object_unref(b);
    /* a non-square raster is centre-cropped to a square */
    void *img;
    size_t len;
    encode(640, 320, ".jpg", &img, &len);
    buf_reset(&png);
    assert_int_equal(thumbs_render(img, len, THUMBS_PNG, &png, err, sizeof err), 0);
    a = decode(&png);
    assert_int_equal(vips_image_get_width(a), THUMBS_SIZE);
    assert_int_equal(vips_image_get_height(a), THUMBS_SIZE);
    g_object_unref(a);
    g_free(img);
    assert_int_equal(thumbs_render("hello", 5, THUMBS_PNG, &png, err, sizeof err), -1);
    /* both formats from one decode, the same as one at a time */
    buf_t p2, w2;
    buf_init(&p2, 4 << 20);
    buf_init(&w2, 4 << 20);
    assert_int_equal(thumbs_render_pair(svg.data, svg.len, &p2, &w2, err, sizeof err), 0);
    assert_int_equal(thumbs_sniff(p2.data, p2.len), IMAGE_PNG);
    assert_int_equal(thumbs_sniff(w2.data, w2.len), IMAGE_WEBP);
    buf_reset(&png);
    assert_int_equal(thumbs_render(svg.data, svg.len, THUMBS_PNG, &png, err, sizeof err), 0);
    assert_int_equal(png.len, p2.len);
    assert_memory_equal(png.data, p2.data, png.len);
    assert_int_equal(thumbs_render_pair("nope", 4, &p2, &w2, err, sizeof err), -1);
    buf_free(&p2);
    buf_free(&w2);
    buf_free(&svg);
    buf_free(&png);
    buf_free(&webp);
}

/* Renders every body type with the same id, palette and traits, and compares the pictures:
 * each pair must differ clearly (mean absolute difference of the RGB pixels). */
static void test_silhouettes_differ_as_pictures(void **state)
{
    (void)state;
    char err[256];
    unsigned char *px[BODY_TYPE_COUNT];
    size_t size = 0;
    for (int bt = 0; bt < BODY_TYPE_COUNT; bt++) {
        artwork_creature_t c = {.id = "same", .body_type = bt, .rarity = RARITY_COMMON, .colour_scheme = "Sky Blue"};
        for (int i = 0; i < TRAIT_COUNT; i++)
            c.traits[i] = 50;
        buf_t svg, png;
        buf_init(&svg, 1 << 20);
        buf_init(&png, 4 << 20);
        assert_int_equal(artwork_creature_svg(&c, &svg), 0);
        assert_int_equal(thumbs_render(svg.data, svg.len, THUMBS_PNG, &png, err, sizeof err), 0);
        VipsImage *img = decode(&png), *rgb = NULL;
        assert_int_equal(vips_extract_band(img, &rgb, 0, "n", 3, NULL), 0);
        px[bt] = vips_image_write_to_memory(rgb, &size);
        assert_non_null(px[bt]);
        g_object_unref(img);
        g_object_unref(rgb);
        buf_free(&svg);
        buf_free(&png);
    }
    double least = 1e9;
    for (int i = 0; i < BODY_TYPE_COUNT; i++)
        for (int j = i + 1; j < BODY_TYPE_COUNT; j++) {
            double sum = 0;
            for (size_t k = 0; k < size; k++)
                sum += abs((int)px[i][k] - (int)px[j][k]);
            double mean = sum / (double)size;
            if (mean < least)
                least = mean;
            if (mean < 6.0)
                fail_msg("body types %s and %s look too alike (mean difference %.2f)", BODY_TYPE_NAMES[i],
                         BODY_TYPE_NAMES[j], mean);
        }
    print_message("closest pair of silhouettes differs by %.2f / 255 per channel\n", least);
    for (int i = 0; i < BODY_TYPE_COUNT; i++)
        g_free(px[i]);
}

int main(void)
{
    if (thumbs_init())
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_validate_upload),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_silhouettes_differ_as_pictures),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    vips_shutdown();
    return rc;
}
