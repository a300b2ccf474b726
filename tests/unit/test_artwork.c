/* artwork: the SVG generator is deterministic, well-formed (balanced tags, quoted attributes,
 * nothing scriptable), draws 20 different silhouettes, lets traits and palettes show, and gives
 * each player nine different avatar candidates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "game/artwork.h"

static void make(artwork_creature_t *c, const char *id, int body, int rarity, const char *scheme, int trait)
{
    memset(c, 0, sizeof *c);
    c->id = id;
    c->body_type = body;
    c->rarity = rarity;
    c->colour_scheme = scheme;
    for (int i = 0; i < TRAIT_COUNT; i++)
        c->traits[i] = trait;
}

static char *svg_of(const artwork_creature_t *c)
{
    buf_t b;
    buf_init(&b, 1 << 20);
    assert_int_equal(artwork_creature_svg(c, &b), 0);
    return b.data; /* caller frees */
}

/* A small well-formedness check: every tag closes in order, attributes are quoted, no text
 * content outside tags, and nothing that could run script. */
static void assert_wellformed(const char *s)
{
    const char *stack[64];
    size_t lens[64];
    int depth = 0, seen_root = 0;
    assert_true(!strncmp(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39));
    assert_null(strstr(s, "<script"));
    assert_null(strstr(s, "javascript:"));
    assert_null(strstr(s, " on"));
    assert_null(strstr(s, "href"));
    assert_null(strstr(s, "nan"));
    assert_null(strstr(s, "inf"));
    const char *p = s;
    while (*p) {
        assert_int_equal(*p, '<'); /* no stray text */
        const char *end = strchr(p, '>');
        assert_non_null(end);
        int closing = p[1] == '/';
        int selfclose = end[-1] == '/';
        const char *name = p + (closing ? 2 : 1);
        size_t nl = strcspn(name, " />");
        assert_true(nl > 0);
        /* attributes: name="value" pairs */
        int quotes = 0;
        for (const char *q = name + nl; q < end; q++)
            if (*q == '"')
                quotes++;
        assert_int_equal(quotes % 2, 0);
        if (closing) {
            assert_true(depth > 0);
            depth--;
            assert_int_equal(lens[depth], nl);
            assert_memory_equal(stack[depth], name, nl);
        } else if (!selfclose) {
            assert_true(depth < 64);
            stack[depth] = name;
            lens[depth] = nl;
            depth++;
            seen_root = 1;
        }
        p = end + 1;
        if (depth == 0 && seen_root) {
            assert_int_equal(*p, '\0');
            break;
        }
    }
    assert_int_equal(depth, 0);
}

static void test_deterministic(void **state)
{
    (void)state;
    artwork_creature_t c;
    make(&c, "4f1c2d9e-0000-4000-8000-000000000001", 3, RARITY_EPIC, "Mint Julep", 60);
    char *a = svg_of(&c), *b = svg_of(&c);
    assert_string_equal(a, b);
    /* a different id varies the details, not the species */
    c.id = "4f1c2d9e-0000-4000-8000-000000000002";
    char *d = svg_of(&c);
    assert_string_not_equal(a, d);
    free(a);
    free(b);
    free(d);
    /* avatars too */
    buf_t x, y;
    buf_init(&x, 1 << 20);
    buf_init(&y, 1 << 20);
    assert_int_equal(artwork_avatar_svg("u-1", 4, &x), 0);
    assert_int_equal(artwork_avatar_svg("u-1", 4, &y), 0);
    assert_string_equal(x.data, y.data);
    buf_free(&x);
    buf_free(&y);
}

/* The part of the picture inside the pose group: the creature itself. */
static char *creature_part(const char *svg)
{
    const char *s = strstr(svg, "<g transform=\"rotate(");
    assert_non_null(s);
    s = strchr(s, '>') + 1;
    const char *e = strstr(s, "</g>");
    /* nested groups are not used inside bodies */
    assert_non_null(e);
    return strndup(s, (size_t)(e - s));
}

static void test_twenty_silhouettes(void **state)
{
    (void)state;
    char *parts[BODY_TYPE_COUNT];
    for (int bt = 0; bt < BODY_TYPE_COUNT; bt++) {
        artwork_creature_t c;
        make(&c, "same-id-for-all", bt, RARITY_COMMON, "Sky Blue", 50);
        char *svg = svg_of(&c);
        assert_wellformed(svg);
        assert_true(strlen(svg) < 12000); /* small enough to serve uncompressed */
        parts[bt] = creature_part(svg);
        assert_true(strlen(parts[bt]) > 300);
        free(svg);
    }
    for (int i = 0; i < BODY_TYPE_COUNT; i++)
        for (int j = i + 1; j < BODY_TYPE_COUNT; j++)
            assert_string_not_equal(parts[i], parts[j]);
    for (int i = 0; i < BODY_TYPE_COUNT; i++)
        free(parts[i]);
}

static void test_every_combination_wellformed(void **state)
{
    (void)state;
    static const char *const SCHEMES[] = {"Peach Sorbet", "Midnight Teal", "Charcoal Neon", "Ruby Glow",
                                          "Arctic Frost", "no such scheme", NULL};
    char id[64];
    for (int bt = 0; bt < BODY_TYPE_COUNT; bt++)
        for (int r = 0; r < RARITY_COUNT; r++)
            for (int s = 0; s < 7; s++)
                for (int t = 0; t <= 100; t += 50) {
                    artwork_creature_t c;
                    snprintf(id, sizeof id, "id-%d-%d-%d-%d", bt, r, s, t);
                    make(&c, id, bt, r, SCHEMES[s], t);
                    char *svg = svg_of(&c);
                    assert_wellformed(svg);
                    free(svg);
                }
    /* out-of-range input is clamped, not refused */
    artwork_creature_t c;
    make(&c, NULL, 99, 42, NULL, 500);
    c.traits[2] = -7;
    char *svg = svg_of(&c);
    assert_wellformed(svg);
    free(svg);
    buf_t tiny;
    buf_init(&tiny, 100);
    make(&c, "x", 0, 0, "Sky Blue", 50);
    assert_int_equal(artwork_creature_svg(&c, &tiny), -1);
    buf_free(&tiny);
}

static void test_traits_show(void **state)
{
    (void)state;
    artwork_creature_t c;
    make(&c, "trait-test", 0, RARITY_COMMON, "Lemon Drop", 20);
    char *dull = svg_of(&c);
    /* Curiosity makes the eyes bigger: the eye ellipse's ry grows */
    c.traits[TRAIT_CURIOSITY] = 100;
    char *curious = svg_of(&c);
    assert_string_not_equal(dull, curious);
    /* Humor opens the mouth (a tongue appears) */
    make(&c, "trait-test", 0, RARITY_COMMON, "Lemon Drop", 20);
    c.traits[TRAIT_HUMOR] = 90;
    char *funny = svg_of(&c);
    assert_null(strstr(dull, "#FF8FA3"));
    assert_non_null(strstr(funny, "#FF8FA3"));
    /* Empathy deepens the blush */
    make(&c, "trait-test", 0, RARITY_COMMON, "Lemon Drop", 20);
    c.traits[TRAIT_EMPATHY] = 100;
    char *kind = svg_of(&c);
    assert_non_null(strstr(dull, "fill=\"#FF6F91\" opacity=\"0.24\""));
    assert_non_null(strstr(kind, "fill=\"#FF6F91\" opacity=\"0.74\""));
    /* Energy tilts the pose */
    assert_non_null(strstr(dull, "rotate(1.2 128 216)") ? strstr(dull, "rotate(1.2 128 216)")
                                                        : strstr(dull, "rotate(-1.2 128 216)"));
    /* the palette reaches the body */
    assert_non_null(strstr(dull, artwork_scheme_colour("Lemon Drop")));
    assert_null(artwork_scheme_colour("Nope"));
    /* rarity frames: Mythical has the rainbow, Common none */
    make(&c, "trait-test", 0, RARITY_MYTHICAL, "Lemon Drop", 20);
    char *myth = svg_of(&c);
    assert_non_null(strstr(myth, "linearGradient"));
    assert_null(strstr(dull, "linearGradient"));
    free(dull);
    free(curious);
    free(funny);
    free(kind);
    free(myth);
}

static void test_avatars(void **state)
{
    (void)state;
    char *svgs[ARTWORK_AVATAR_CANDIDATES];
    for (int n = 0; n < ARTWORK_AVATAR_CANDIDATES; n++) {
        buf_t b;
        buf_init(&b, 1 << 20);
        assert_int_equal(artwork_avatar_svg("8a7f0c4e-1111-4222-8333-444455556666", n, &b), 0);
        assert_wellformed(b.data);
        svgs[n] = b.data;
    }
    for (int i = 0; i < ARTWORK_AVATAR_CANDIDATES; i++)
        for (int j = i + 1; j < ARTWORK_AVATAR_CANDIDATES; j++)
            assert_string_not_equal(svgs[i], svgs[j]);
    /* another player gets other candidates */
    buf_t b;
    buf_init(&b, 1 << 20);
    assert_int_equal(artwork_avatar_svg("another-player", 0, &b), 0);
    assert_string_not_equal(b.data, svgs[0]);
    buf_free(&b);
    for (int i = 0; i < ARTWORK_AVATAR_CANDIDATES; i++)
        free(svgs[i]);
    buf_init(&b, 1 << 20);
    assert_int_equal(artwork_avatar_svg("u", -1, &b), -1);
    assert_int_equal(artwork_avatar_svg("u", ARTWORK_AVATAR_CANDIDATES, &b), -1);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_twenty_silhouettes),
        cmocka_unit_test(test_every_combination_wellformed),
        cmocka_unit_test(test_traits_show),
        cmocka_unit_test(test_avatars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
