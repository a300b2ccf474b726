/* artwork: draws creatures and avatars as small SVG documents (about 3-6 KB each).
 * Style: thick dark outlines, round shapes, big glossy eyes, soft pastel backgrounds; each
 * body type draws its own silhouette and calls face() and arm() where its anatomy wants them.
 * Coordinates are in a 256 x 256 box with the ground at y ~ 216. Numbers are printed with one
 * decimal so the output is byte-identical everywhere (no locale: SVG wants '.' anyway). */
#include "game/artwork.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SW 5.0 /* outline width */
#define INK "#2B2135"
#define PI 3.14159265358979323846

typedef struct palette {
    const char *name, *main, *light, *dark, *accent, *bg;
} palette_t;

/* One palette per catalogue colour scheme (game/catalogue.c COLOUR_SCHEMES). */
static const palette_t PALETTES[] = {
    {"Peach Sorbet", "#FFB38A", "#FFE3D1", "#A8552F", "#FF6F91", "#FFF1E8"},
    {"Midnight Teal", "#2A9D9F", "#A6E6E1", "#0E4A56", "#F4C95D", "#DDF4F2"},
    {"Mint Julep", "#8FE3B5", "#DDF8E8", "#2F7F56", "#FF9AA2", "#EEFBF3"},
    {"Lavender Haze", "#B9A3F0", "#EAE2FF", "#55428F", "#FFB8DF", "#F4F0FF"},
    {"Bubblegum Pop", "#FF8FC7", "#FFD9EE", "#A8346F", "#6ED3FF", "#FFEFF7"},
    {"Lemon Drop", "#FFE066", "#FFF6C7", "#9C7A00", "#FF8C42", "#FFFBE3"},
    {"Ocean Breeze", "#5BC0EB", "#C9EDFB", "#1B6590", "#FDE74C", "#E8F7FD"},
    {"Forest Moss", "#7FB069", "#D5ECC8", "#355428", "#E6AA68", "#EFF6E9"},
    {"Sunset Ember", "#FF7B54", "#FFD3C2", "#9A3418", "#FFC15E", "#FFEDE4"},
    {"Cotton Candy", "#FFB7E0", "#D9F2FF", "#A5527F", "#86CFFF", "#F3F6FF"},
    {"Storm Grey", "#9AA5B1", "#DFE5EC", "#434D59", "#FFD166", "#EEF1F4"},
    {"Cherry Blossom", "#FFC4D6", "#FFEAF1", "#AE4F72", "#8BC34A", "#FFF4F7"},
    {"Golden Honey", "#F4B942", "#FCE6B0", "#94650F", "#A0522D", "#FFF6DF"},
    {"Arctic Frost", "#CDEBFF", "#F4FBFF", "#41739B", "#7FC4EA", "#F5FBFF"},
    {"Plum Velvet", "#8E4585", "#DDAAD5", "#421A3D", "#F7B2D9", "#F6E8F3"},
    {"Coral Reef", "#FF7F6E", "#FFD6CE", "#9E3A33", "#3FC1C9", "#FFEFEC"},
    {"Autumn Spice", "#D2691E", "#F4CCA6", "#6E350D", "#E9B949", "#FBEEDF"},
    {"Galaxy Violet", "#6C4AB6", "#BDA9F2", "#2A1A5C", "#FFD166", "#E9E3FA"},
    {"Seafoam", "#71DFBE", "#D4F7ED", "#1F7A61", "#FF9F80", "#EBFBF6"},
    {"Rose Quartz", "#F7CAC9", "#FCECEB", "#9E6166", "#92A8D1", "#FDF3F3"},
    {"Charcoal Neon", "#3A3F4B", "#8D95A5", "#14161B", "#39FF88", "#E3F8EC"},
    {"Butterscotch", "#E3A857", "#F8DFB8", "#7F5217", "#FF7E67", "#FCF1E0"},
    {"Sky Blue", "#87CEEB", "#DAF2FC", "#2A7598", "#FFB703", "#EEF9FE"},
    {"Ruby Glow", "#E0115F", "#FFA3C6", "#6E052E", "#FFD23F", "#FFE8F0"},
};
#define NPALETTES (sizeof PALETTES / sizeof PALETTES[0])

/* Frame colours by rarity; Mythical uses a rainbow gradient. */
static const char *const RARITY_FRAME[RARITY_COUNT] = {NULL, "#5DBB63", "#3D9BFF", "#A855F7", "#F5B400", NULL};

typedef struct ctx {
    buf_t *b;
    const palette_t *p;
    uint64_t h;         /* hash of the id: the small variations */
    char uid[12];       /* suffix for gradient ids (unique per picture when several share a page) */
    int tr[TRAIT_COUNT];
    int dark_body;      /* main colour too dark for dark eyes: draw white eyes */
    int rarity;
} ctx_t;

typedef struct face_opts {
    double x, y, s;
    int lashes, fangs, droopy, screen, wide;
} face_opts_t;

/* ---- hashing and colour ---- */

static uint64_t fnv1a(const char *s, uint64_t salt)
{
    uint64_t h = 1469598103934665603ULL ^ salt;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    /* splitmix64 finaliser: FNV's low bits are weak on similar inputs */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

/* Bits [shift, shift+bits) of the hash as an integer below n. */
static int pick(const ctx_t *c, int shift, int n)
{
    return (int)((c->h >> shift) % (uint64_t)n);
}

static double luminance(const char *hex)
{
    unsigned r = 0, g = 0, b = 0;
    if (sscanf(hex, "#%02x%02x%02x", &r, &g, &b) != 3)
        return 1;
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0;
}

static const palette_t *palette_for(const char *scheme, uint64_t h)
{
    for (size_t i = 0; scheme && i < NPALETTES; i++)
        if (!strcmp(PALETTES[i].name, scheme))
            return &PALETTES[i];
    return &PALETTES[h % NPALETTES];
}

const char *artwork_scheme_colour(const char *scheme)
{
    for (size_t i = 0; scheme && i < NPALETTES; i++)
        if (!strcmp(PALETTES[i].name, scheme))
            return PALETTES[i].main;
    return NULL;
}

/* ---- drawing primitives ---- */

#define P(c, ...) buf_printf((c)->b, __VA_ARGS__)

static void ellipse(ctx_t *c, double x, double y, double rx, double ry, const char *fill, const char *stroke, double sw)
{
    P(c, "<ellipse cx=\"%.1f\" cy=\"%.1f\" rx=\"%.1f\" ry=\"%.1f\" fill=\"%s\"", x, y, rx, ry, fill);
    if (stroke)
        P(c, " stroke=\"%s\" stroke-width=\"%.1f\"", stroke, sw);
    P(c, "/>");
}

static void circle(ctx_t *c, double x, double y, double r, const char *fill, const char *stroke, double sw)
{
    ellipse(c, x, y, r, r, fill, stroke, sw);
}

/* A filled, outlined path; d is a complete path string. */
static void path(ctx_t *c, const char *d, const char *fill, const char *stroke, double sw)
{
    P(c, "<path d=\"%s\" fill=\"%s\"", d, fill);
    if (stroke)
        P(c, " stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\" stroke-linecap=\"round\"", stroke, sw);
    P(c, "/>");
}

/* An open stroked line (no fill). */
static void line(ctx_t *c, const char *d, const char *stroke, double sw, double opacity)
{
    P(c, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-linecap=\"round\" "
         "stroke-linejoin=\"round\"",
      d, stroke, sw);
    if (opacity < 1)
        P(c, " opacity=\"%.2f\"", opacity);
    P(c, "/>");
}

static void rect(ctx_t *c, double x, double y, double w, double h, double r, const char *fill, const char *stroke,
                 double sw)
{
    P(c, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"%.1f\" fill=\"%s\"", x, y, w, h, r, fill);
    if (stroke)
        P(c, " stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"", stroke, sw);
    P(c, "/>");
}

/* A four-pointed twinkle. */
static void sparkle(ctx_t *c, double x, double y, double r, const char *fill, double opacity)
{
    P(c, "<path d=\"M%.1f %.1fQ%.1f %.1f %.1f %.1fQ%.1f %.1f %.1f %.1fQ%.1f %.1f %.1f %.1fQ%.1f %.1f %.1f %.1fZ\" "
         "fill=\"%s\" opacity=\"%.2f\"/>",
      x, y - r, x, y, x + r, y, x, y, x, y + r, x, y, x - r, y, x, y, x, y - r, fill, opacity);
}

/* ---- face, arms, feet ---- */

static void face(ctx_t *c, const face_opts_t *f)
{
    const int *t = c->tr;
    double s = f->s;
    double er = (9.0 + t[TRAIT_CURIOSITY] * 0.075) * s; /* Curiosity: 9..16.5 */
    double ex = (f->wide ? 27.0 : 22.0) * s + er * 0.35;
    double ey = f->y - 4 * s;
    double look = (pick(c, 8, 5) - 2) * 0.7 * s;
    const char *ink = f->screen ? "#7DF9FF" : INK;
    const char *mouth_ink = (c->dark_body && !f->screen) ? "#FFFFFF" : ink;
    int wink = t[TRAIT_PLAYFULNESS] >= 80;
    char d[256];

    /* Confidence: determined brows when high, worried ones when low */
    if (!f->screen && (t[TRAIT_CONFIDENCE] >= 70 || t[TRAIT_CONFIDENCE] <= 22)) {
        int bold = t[TRAIT_CONFIDENCE] >= 70;
        for (int side = -1; side <= 1; side += 2) {
            double x = f->x + side * ex, y = ey - er - 5 * s;
            double outer = bold ? -3 * s : 2 * s, inner = bold ? 3 * s : -4 * s;
            snprintf(d, sizeof d, "M%.1f %.1fL%.1f %.1f", x + side * er * 0.9, y + outer, x - side * er * 0.5,
                     y + inner);
            line(c, d, mouth_ink, 3.5 * s, 1);
        }
    }
    for (int side = -1; side <= 1; side += 2) {
        double x = f->x + side * ex;
        if (wink && side == 1) {
            snprintf(d, sizeof d, "M%.1f %.1fQ%.1f %.1f %.1f %.1f", x - er * 0.9, ey + er * 0.2, x, ey - er * 0.9,
                     x + er * 0.9, ey + er * 0.2);
            line(c, d, mouth_ink, 4 * s, 1);
            continue;
        }
        if (f->screen) {
            ellipse(c, x, ey, er * 0.75, er * 0.9, "#7DF9FF", NULL, 0);
            circle(c, x - er * 0.2 + look, ey - er * 0.3, er * 0.28, "#FFFFFF", NULL, 0);
            continue;
        }
        if (c->dark_body) {
            ellipse(c, x, ey, er * 0.95, er * 1.08, "#FFFFFF", INK, 2.5 * s);
            ellipse(c, x + look, ey + er * 0.12, er * 0.62, er * 0.75, INK, NULL, 0);
        } else {
            ellipse(c, x, ey, er * 0.82, er, INK, NULL, 0);
        }
        circle(c, x - er * 0.28 + look, ey - er * 0.36, er * 0.3, "#FFFFFF", NULL, 0);
        circle(c, x + er * 0.3 + look * 0.5, ey + er * 0.38, er * 0.13, "#FFFFFF", NULL, 0);
        if (f->droopy && side == -1) {
            /* a heavy, sleepy lid over the top half of one eye */
            snprintf(d, sizeof d, "M%.1f %.1fA%.1f %.1f 0 0 1 %.1f %.1fZ", x - er * 1.05, ey + er * 0.05,
                     er * 1.05, er * 1.1, x + er * 1.05, ey + er * 0.05);
            path(c, d, c->p->main, NULL, 0);
            snprintf(d, sizeof d, "M%.1f %.1fL%.1f %.1f", x - er * 1.05, ey + er * 0.05, x + er * 1.05,
                     ey + er * 0.05);
            line(c, d, mouth_ink, 3 * s, 1);
        }
        if (f->lashes) {
            for (int k = 0; k < 3; k++) {
                double a = (-150 + k * 25) * PI / 180;
                if (side == 1)
                    a = PI - a;
                double x1 = x + cos(a) * er * 0.9, y1 = ey + sin(a) * er * 1.0;
                snprintf(d, sizeof d, "M%.1f %.1fL%.1f %.1f", x1, y1, x1 + cos(a) * 6 * s, y1 + sin(a) * 6 * s);
                line(c, d, mouth_ink, 2.5 * s, 1);
            }
        }
    }
    /* Empathy: blush */
    if (!f->screen) {
        double op = 0.12 + t[TRAIT_EMPATHY] * 0.0062;
        for (int side = -1; side <= 1; side += 2)
            P(c, "<ellipse cx=\"%.1f\" cy=\"%.1f\" rx=\"%.1f\" ry=\"%.1f\" fill=\"#FF6F91\" opacity=\"%.2f\"/>",
              f->x + side * (ex + er * 0.45), f->y + er * 0.9, 8.5 * s, 5 * s, op);
    }
    /* Friendliness and Humor: the smile; Humor opens it into a laugh */
    double smile = (t[TRAIT_FRIENDLINESS] + t[TRAIT_HUMOR]) / 2.0;
    double my = f->y + er * 0.6 + 8 * s;
    double w;
    if (t[TRAIT_HUMOR] >= 72) {
        w = (7 + smile * 0.05) * s;
        snprintf(d, sizeof d, "M%.1f %.1fQ%.1f %.1f %.1f %.1fZ", f->x - w, my, f->x, my + w * 1.7, f->x + w, my);
        path(c, d, f->screen ? "#7DF9FF" : "#6B2637", f->screen ? NULL : INK, 2.5 * s);
        if (!f->screen)
            ellipse(c, f->x, my + w * 0.62, w * 0.48, w * 0.26, "#FF8FA3", NULL, 0);
    } else if (smile >= 36) {
        w = (5 + smile * 0.07) * s;
        double dy = (2 + smile * 0.07) * s;
        snprintf(d, sizeof d, "M%.1f %.1fQ%.1f %.1f %.1f %.1f", f->x - w, my, f->x, my + dy * 1.6, f->x + w, my);
        line(c, d, mouth_ink, 3.2 * s, 1);
    } else {
        w = 4 * s;
        ellipse(c, f->x, my + 2 * s, 3.6 * s, 3.2 * s, mouth_ink, NULL, 0);
    }
    if (f->fangs) {
        for (int side = -1; side <= 1; side += 2) {
            double x = f->x + side * w * 0.5;
            snprintf(d, sizeof d, "M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x - 2.6 * s, my + 0.5 * s, x, my + 7 * s,
                     x + 2.6 * s, my + 0.5 * s);
            path(c, d, "#FFFFFF", INK, 1.5 * s);
        }
    }
}

static int arms_up(const ctx_t *c)
{
    return c->tr[TRAIT_ENERGY] >= 62;
}

/* A stubby arm from (x, y) on side -1 (left) or 1 (right); Energy raises it. */
static void arm(ctx_t *c, double x, double y, int side, const char *fill)
{
    double a = arms_up(c) ? -side * 42.0 : side * 38.0;
    P(c, "<ellipse cx=\"%.1f\" cy=\"%.1f\" rx=\"17\" ry=\"9.5\" transform=\"rotate(%.1f %.1f %.1f)\" fill=\"%s\" "
         "stroke=\"%s\" stroke-width=\"%.1f\"/>",
      x + side * 11, y, a, x, y, fill, c->p->dark, SW);
}

static void feet(ctx_t *c, double y, double spread, const char *fill)
{
    ellipse(c, 128 - spread, y, 16, 10, fill, c->p->dark, SW);
    ellipse(c, 128 + spread, y, 16, 10, fill, c->p->dark, SW);
}

/* A path mirrored about x = 128 (for symmetric wings, ears, collars). d_left uses %s-free coords. */
static void mirrored(ctx_t *c, const double *pts, int npts, const char *cmds, const char *fill, const char *stroke,
                     double sw)
{
    /* cmds: one letter per point ('M', 'L', 'Q' takes 2 points, 'C' takes 3), then 'Z' */
    for (int side = 0; side < 2; side++) {
        buf_t *b = c->b;
        buf_puts(b, "<path d=\"");
        int k = 0;
        for (const char *m = cmds; *m; m++) {
            int n = *m == 'C' ? 3 : *m == 'Q' ? 2 : *m == 'Z' ? 0 : 1;
            buf_printf(b, "%c", *m);
            for (int i = 0; i < n && k < npts; i++, k++) {
                double x = pts[2 * k], y = pts[2 * k + 1];
                buf_printf(b, "%s%.1f %.1f", i ? " " : "", side ? 256 - x : x, y);
            }
        }
        buf_printf(b, "\" fill=\"%s\"", fill);
        if (stroke)
            buf_printf(b, " stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"", stroke, sw);
        buf_puts(b, "/>");
    }
}

/* ---- the 20 body types ---- */

static void body_floof(ctx_t *c)
{
    const palette_t *p = c->p;
    double cx = 128, cy = 142;
    feet(c, 204, 24, p->main);
    /* outline pass then fill pass: the union of many circles gets one clean outline */
    for (int pass = 0; pass < 2; pass++) {
        const char *fill = pass ? p->main : p->dark;
        double grow = pass ? 0 : SW;
        for (int i = 0; i < 14; i++) {
            double a = i * 2 * PI / 14;
            circle(c, cx + cos(a) * 56, cy + sin(a) * 52, 17 + grow, fill, NULL, 0);
        }
        circle(c, cx, cy, 60 + grow, fill, NULL, 0);
        circle(c, 118, 86, 10 + grow, fill, NULL, 0);
        circle(c, 134, 82, 12 + grow, fill, NULL, 0);
    }
    ellipse(c, 128, 168, 34, 24, p->light, NULL, 0);
    arm(c, 76, 160, -1, p->main);
    arm(c, 180, 160, 1, p->main);
    face(c, &(face_opts_t){128, 134, 1.0, 0, 0, 0, 0, 0});
}

static void body_beanie(ctx_t *c)
{
    const palette_t *p = c->p;
    feet(c, 208, 20, p->main);
    arm(c, 78, 166, -1, p->main);
    arm(c, 178, 166, 1, p->main);
    ellipse(c, 128, 152, 54, 62, p->main, p->dark, SW);
    ellipse(c, 128, 178, 30, 26, p->light, NULL, 0);
    face(c, &(face_opts_t){128, 152, 1.0, 0, 0, 0, 0, 0});
    path(c, "M72 118C72 56 184 56 184 118Z", p->accent, p->dark, SW);
    rect(c, 68, 108, 120, 22, 11, p->accent, p->dark, SW);
    for (int x = 80; x <= 176; x += 12) {
        char d[64];
        snprintf(d, sizeof d, "M%d 112L%d 126", x, x);
        line(c, d, p->dark, 2.5, 0.35);
    }
    circle(c, 128, 60, 14, p->light, p->dark, SW);
}

static void body_blob(ctx_t *c)
{
    const palette_t *p = c->p;
    arm(c, 64, 164, -1, p->main);
    arm(c, 192, 164, 1, p->main);
    path(c,
         "M58 205C40 150 70 80 128 80C186 80 216 150 198 205C192 213 182 206 177 213C173 226 160 227 158 214"
         "C150 208 122 212 112 212C104 231 88 231 88 213C78 210 66 214 58 205Z",
         p->main, p->dark, SW);
    P(c, "<ellipse cx=\"98\" cy=\"110\" rx=\"15\" ry=\"8\" transform=\"rotate(-35 98 110)\" fill=\"#FFFFFF\" "
         "opacity=\"0.55\"/>");
    circle(c, 84, 132, 4, "#FFFFFF", NULL, 0);
    face(c, &(face_opts_t){128, 146, 1.05, 0, 0, 0, 0, 1});
}

static void body_noodle(ctx_t *c)
{
    const palette_t *p = c->p;
    const char *d = "M66 210C36 190 58 160 100 165C150 170 194 150 172 118C160 100 130 108 128 92";
    line(c, d, p->dark, 44, 1);
    line(c, d, p->main, 34, 1);
    P(c, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"30\" stroke-dasharray=\"7 17\" opacity=\"0.9\"/>",
      d, p->light);
    circle(c, 128, 78, 42, p->main, p->dark, SW);
    line(c, "M124 38C118 24 132 20 134 30", p->dark, 4, 1);
    face(c, &(face_opts_t){128, 80, 0.9, 0, 0, 0, 0, 0});
}

static void body_squishy(ctx_t *c)
{
    const palette_t *p = c->p;
    arm(c, 54, 176, -1, p->main);
    arm(c, 202, 176, 1, p->main);
    path(c, "M46 196C38 130 80 102 128 102C176 102 218 130 210 196C208 216 48 216 46 196Z", p->main, p->dark, SW);
    P(c, "<ellipse cx=\"100\" cy=\"122\" rx=\"20\" ry=\"7\" transform=\"rotate(-12 100 122)\" fill=\"#FFFFFF\" "
         "opacity=\"0.5\"/>");
    line(c, "M30 160Q24 170 30 180", p->dark, 3, 0.5);
    line(c, "M226 160Q232 170 226 180", p->dark, 3, 0.5);
    face(c, &(face_opts_t){128, 158, 1.05, 0, 0, 0, 0, 1});
}

static void body_spike(ctx_t *c)
{
    const palette_t *p = c->p;
    buf_t *b = c->b;
    buf_puts(b, "<path d=\"");
    for (int i = 0; i < 28; i++) {
        double a = -PI / 2 + i * PI / 14;
        double r = (i % 2) ? 56 : 86;
        buf_printf(b, "%c%.1f %.1f", i ? 'L' : 'M', 128 + cos(a) * r, 150 + sin(a) * r * 0.95);
    }
    buf_printf(b, "Z\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"/>", p->accent,
               p->dark, SW);
    feet(c, 208, 22, p->main);
    circle(c, 128, 150, 60, p->main, p->dark, SW);
    ellipse(c, 128, 176, 32, 22, p->light, NULL, 0);
    arm(c, 72, 166, -1, p->main);
    arm(c, 184, 166, 1, p->main);
    face(c, &(face_opts_t){128, 146, 1.0, 0, 0, 0, 0, 0});
}

static void body_athlete(ctx_t *c)
{
    const palette_t *p = c->p;
    /* sneakers */
    for (int side = -1; side <= 1; side += 2) {
        rect(c, 128 + side * 22 - 17, 198, 34, 18, 9, "#FFFFFF", p->dark, SW);
        char d[64];
        snprintf(d, sizeof d, "M%d 208L%d 204", 128 + side * 22 - 8, 128 + side * 22 + 8);
        line(c, d, p->accent, 4, 1);
    }
    /* flexing arms: upper arm up, fist on top */
    for (int side = -1; side <= 1; side += 2) {
        char d[128];
        double sx = 128 + side * 44, fx = 128 + side * 70;
        snprintf(d, sizeof d, "M%.1f 158Q%.1f 150 %.1f 118", sx, fx, fx);
        line(c, d, p->dark, 22, 1);
        line(c, d, p->main, 12, 1);
        circle(c, fx, 112, 12, p->main, p->dark, SW);
    }
    ellipse(c, 128, 150, 52, 62, p->main, p->dark, SW);
    path(c, "M82 156L174 156L176 184C176 214 80 214 80 184Z", p->accent, p->dark, 4);
    sparkle(c, 128, 182, 10, "#FFFFFF", 0.9);
    face(c, &(face_opts_t){128, 132, 1.0, 0, 0, 0, 0, 0});
    rect(c, 78, 96, 100, 14, 7, p->accent, p->dark, 4);
    line(c, "M178 102L196 92", p->accent, 6, 1);
    line(c, "M178 106L198 112", p->accent, 6, 1);
    path(c, "M190 64C184 74 182 80 190 82C198 80 196 74 190 64Z", "#8FD3FF", p->dark, 2);
}

static void body_sleek(ctx_t *c)
{
    const palette_t *p = c->p;
    path(c, "M84 112L46 92L66 140Z", p->accent, p->dark, SW);
    path(c, "M128 64C198 80 214 180 152 208C110 226 60 202 62 158C64 112 92 68 128 64Z", p->main, p->dark, SW);
    line(c, "M90 184C120 202 164 194 190 158", p->light, 8, 1);
    P(c, "<ellipse cx=\"104\" cy=\"92\" rx=\"16\" ry=\"5\" transform=\"rotate(-30 104 92)\" fill=\"#FFFFFF\" "
         "opacity=\"0.6\"/>");
    ellipse(c, 78, 176, 14, 8, p->main, p->dark, SW);
    ellipse(c, 196, 168, 14, 8, p->main, p->dark, SW);
    face(c, &(face_opts_t){132, 132, 1.0, 1, 0, 0, 0, 0});
    sparkle(c, 186, 92, 9, p->accent, 1);
}

static void body_knight(ctx_t *c)
{
    const palette_t *p = c->p;
    const char *steel = "#C9D3DE";
    /* a plume of three feathers */
    line(c, "M130 70C132 44 150 30 174 34", p->dark, 13, 1);
    line(c, "M130 70C132 44 150 30 174 34", p->accent, 6, 1);
    line(c, "M130 70C136 52 156 44 180 50", p->dark, 13, 1);
    line(c, "M130 70C136 52 156 44 180 50", p->accent, 6, 1);
    line(c, "M130 70C128 50 136 36 152 28", p->dark, 13, 1);
    line(c, "M130 70C128 50 136 36 152 28", p->accent, 6, 1);
    feet(c, 210, 22, steel);
    arm(c, 80, 172, -1, steel);
    arm(c, 176, 172, 1, steel);
    ellipse(c, 128, 164, 52, 52, p->main, p->dark, SW);
    path(c, "M86 164C86 140 170 140 170 164L166 194C150 210 106 210 90 194Z", steel, p->dark, 4);
    path(c, "M128 164L138 176L128 188L118 176Z", p->accent, p->dark, 2.5);
    path(c, "M72 130C72 64 184 64 184 130L184 140C184 152 72 152 72 140Z", steel, p->dark, SW);
    line(c, "M128 68L128 96", p->dark, 3, 1);
    rect(c, 90, 100, 76, 44, 20, p->main, p->dark, 3.5);
    face(c, &(face_opts_t){128, 120, 0.78, 0, 0, 0, 0, 0});
    circle(c, 80, 124, 3.5, p->dark, NULL, 0);
    circle(c, 176, 124, 3.5, p->dark, NULL, 0);
}

static void body_guardian(ctx_t *c)
{
    const palette_t *p = c->p;
    feet(c, 210, 24, p->main);
    arm(c, 74, 170, -1, p->main);
    ellipse(c, 128, 150, 58, 64, p->main, p->dark, SW);
    ellipse(c, 118, 176, 28, 26, p->light, NULL, 0);
    circle(c, 74, 124, 16, p->accent, p->dark, SW);
    circle(c, 182, 124, 16, p->accent, p->dark, SW);
    face(c, &(face_opts_t){128, 126, 1.0, 0, 0, 0, 0, 0});
    path(c, "M130 148L200 148L200 180C200 204 180 216 165 224C150 216 130 204 130 180Z", p->accent, p->dark, SW);
    path(c, "M140 156L190 156L190 180C190 198 176 208 165 213C154 208 140 198 140 180Z", p->light, NULL, 0);
    path(c, "M165 162L165 204M150 178L180 178", "none", p->dark, 5);
}

static void body_ranger(ctx_t *c)
{
    const palette_t *p = c->p;
    feet(c, 214, 20, p->main);
    path(c, "M128 36C150 52 190 92 186 140L206 212C170 224 86 224 50 212L70 140C66 92 106 52 128 36Z", p->dark,
         INK, 4);
    path(c, "M88 150C100 170 156 170 168 150", "none", p->main, 3);
    ellipse(c, 128, 122, 46, 40, p->main, INK, 3);
    face(c, &(face_opts_t){128, 124, 0.85, 0, 0, 0, 0, 0});
    circle(c, 128, 170, 8, p->accent, INK, 3);
    path(c, "M150 66C168 52 186 58 186 58C180 74 164 80 150 66Z", "#7FB069", INK, 2.5);
    line(c, "M152 66L182 60", INK, 1.5, 0.6);
}

static void body_mage(ctx_t *c)
{
    const palette_t *p = c->p;
    feet(c, 210, 20, p->main);
    arm(c, 76, 176, -1, p->main);
    /* the wand arm is always raised */
    P(c, "<ellipse cx=\"193\" cy=\"166\" rx=\"17\" ry=\"9.5\" transform=\"rotate(-40 182 170)\" fill=\"%s\" "
         "stroke=\"%s\" stroke-width=\"%.1f\"/>",
      p->main, p->dark, SW);
    line(c, "M196 158L218 124", "#8B5A2B", 5, 1);
    sparkle(c, 220, 118, 13, "#FFD54F", 1);
    ellipse(c, 128, 166, 56, 50, p->main, p->dark, SW);
    ellipse(c, 128, 186, 30, 20, p->light, NULL, 0);
    face(c, &(face_opts_t){128, 156, 1.0, 0, 0, 0, 0, 0});
    ellipse(c, 128, 116, 64, 14, p->accent, p->dark, SW);
    path(c, "M82 114C100 80 112 52 156 26C150 56 162 86 174 114Z", p->accent, p->dark, SW);
    path(c, "M88 104C110 112 146 112 168 104L172 114C146 120 110 120 84 114Z", p->light, NULL, 0);
    sparkle(c, 120, 78, 8, p->light, 1);
    sparkle(c, 142, 58, 5, p->light, 1);
    path(c, "M146 86A9 9 0 1 0 152 100A7 7 0 1 1 146 86Z", p->light, NULL, 0);
}

static void body_dragon(ctx_t *c)
{
    const palette_t *p = c->p;
    static const double wing[] = {92, 128, 62, 96, 30, 92, 16, 108, 28, 114, 28, 128, 38, 132,
                                  44, 140, 54, 138, 60, 148, 70, 150, 78, 148, 92, 160};
    mirrored(c, wing, 13, "MCLLLLLLLLLZ", p->accent, p->dark, SW);
    line(c, "M168 200C206 210 218 180 206 160", p->dark, 20, 1);
    line(c, "M168 200C206 210 218 180 206 160", p->main, 11, 1);
    path(c, "M206 164L196 148L218 150Z", p->accent, p->dark, 3);
    feet(c, 210, 24, p->main);
    ellipse(c, 128, 156, 56, 58, p->main, p->dark, SW);
    ellipse(c, 128, 180, 30, 28, p->light, NULL, 0);
    for (int y = 166; y <= 196; y += 10) {
        char d[64];
        snprintf(d, sizeof d, "M%d %dL%d %d", 110, y, 146, y);
        line(c, d, p->dark, 2, 0.3);
    }
    static const double horn[] = {100, 106, 92, 76, 114, 100};
    mirrored(c, horn, 3, "MLLZ", p->light, p->dark, 4);
    arm(c, 78, 168, -1, p->main);
    arm(c, 178, 168, 1, p->main);
    face(c, &(face_opts_t){128, 146, 1.0, 0, 0, 0, 0, 0});
}

static void body_beast(ctx_t *c)
{
    const palette_t *p = c->p;
    buf_t *b = c->b;
    static const double ear[] = {80, 120, 66, 58, 114, 98};
    mirrored(c, ear, 3, "MLLZ", p->main, p->dark, SW);
    static const double inner[] = {84, 110, 76, 74, 104, 98};
    mirrored(c, inner, 3, "MLLZ", p->accent, NULL, 0);
    /* shaggy outline: a soft zigzag around an ellipse */
    buf_puts(b, "<path d=\"");
    for (int i = 0; i < 32; i++) {
        double a = i * 2 * PI / 32, a2 = (i + 0.5) * 2 * PI / 32;
        double x = 128 + cos(a) * 62, y = 152 + sin(a) * 60;
        double qx = 128 + cos(a2) * 72, qy = 152 + sin(a2) * 69;
        double nx = 128 + cos(a + 2 * PI / 32) * 62, ny = 152 + sin(a + 2 * PI / 32) * 60;
        if (i == 0)
            buf_printf(b, "M%.1f %.1f", x, y);
        buf_printf(b, "Q%.1f %.1f %.1f %.1f", qx, qy, nx, ny);
    }
    buf_printf(b, "Z\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"/>", p->main, p->dark,
               SW);
    ellipse(c, 128, 176, 32, 26, p->light, NULL, 0);
    for (int side = -1; side <= 1; side += 2) {
        double x = 128 + side * 26;
        ellipse(c, x, 212, 18, 11, p->main, p->dark, SW);
        for (int k = -1; k <= 1; k++) {
            char d[64];
            snprintf(d, sizeof d, "M%.1f 206L%.1f 214", x + k * 6, x + k * 6);
            line(c, d, p->dark, 2, 0.7);
        }
    }
    face(c, &(face_opts_t){128, 144, 1.0, 0, 1, 0, 0, 0});
}

static void body_mech(ctx_t *c)
{
    const palette_t *p = c->p;
    const char *metal = "#9AA5B1";
    rect(c, 92, 196, 26, 20, 6, metal, p->dark, SW);
    rect(c, 138, 196, 26, 20, 6, metal, p->dark, SW);
    for (int side = -1; side <= 1; side += 2) {
        double x = side < 0 ? 48 : 192;
        rect(c, x, 142, 16, 46, 8, metal, p->dark, SW);
        char d[96];
        snprintf(d, sizeof d, "M%.1f 190Q%.1f 204 %.1f 196", x + 2, x + 8, x + 16);
        line(c, d, p->dark, 4, 1);
    }
    rect(c, 66, 126, 124, 76, 20, p->main, p->dark, SW);
    rect(c, 96, 148, 64, 38, 9, p->light, p->dark, 3);
    circle(c, 112, 167, 7, p->accent, p->dark, 2.5);
    circle(c, 134, 167, 5, "#FF6F61", p->dark, 2.5);
    circle(c, 148, 167, 5, "#7DF9FF", p->dark, 2.5);
    for (int i = 0; i < 4; i++)
        circle(c, i % 2 ? 180 : 76, i < 2 ? 136 : 192, 3, p->dark, NULL, 0);
    circle(c, 66, 138, 15, p->accent, p->dark, SW);
    circle(c, 190, 138, 15, p->accent, p->dark, SW);
    line(c, "M128 52L128 38", p->dark, 4, 1);
    circle(c, 128, 34, 6, p->accent, p->dark, 3);
    circle(c, 128, 96, 44, "#E4F6FF", p->dark, SW);
    circle(c, 128, 104, 32, p->main, p->dark, 3);
    face(c, &(face_opts_t){128, 104, 0.75, 0, 0, 0, 0, 0});
    path(c, "M98 76A40 40 0 0 1 132 56", "none", "#FFFFFF", 5);
}

static void body_spirit(ctx_t *c)
{
    const palette_t *p = c->p;
    P(c, "<radialGradient id=\"glow%s\"><stop offset=\"0\" stop-color=\"%s\" stop-opacity=\"0.9\"/>"
         "<stop offset=\"1\" stop-color=\"%s\" stop-opacity=\"0\"/></radialGradient>",
      c->uid, p->light, p->light);
    P(c, "<circle cx=\"128\" cy=\"130\" r=\"96\" fill=\"url(#glow%s)\"/>", c->uid);
    line(c, "M72 150C52 148 44 134 50 120", p->dark, 15, 1);
    line(c, "M72 150C52 148 44 134 50 120", p->main, 7, 1);
    line(c, "M184 150C204 148 212 134 206 120", p->dark, 15, 1);
    line(c, "M184 150C204 148 212 134 206 120", p->main, 7, 1);
    P(c, "<path d=\"M70 128C70 68 186 68 186 128L186 186C176 198 170 182 160 194C150 208 142 188 128 202C114 188 106 "
         "208 96 194C86 182 80 198 70 186Z\" fill=\"%s\" fill-opacity=\"0.93\" stroke=\"%s\" stroke-width=\"%.1f\" "
         "stroke-linejoin=\"round\"/>",
      p->main, p->dark, SW);
    path(c, "M128 44C110 62 116 76 128 80C140 76 146 62 128 44Z", p->accent, p->dark, 3);
    path(c, "M128 58C122 66 124 72 128 74C132 72 134 66 128 58Z", "#FFFFFF", NULL, 0);
    face(c, &(face_opts_t){128, 124, 1.0, 0, 0, 0, 0, 0});
    sparkle(c, 52, 78, 7, "#FFFFFF", 0.9);
    sparkle(c, 206, 190, 6, "#FFFFFF", 0.9);
    sparkle(c, 200, 72, 4, p->accent, 0.9);
}

static void body_titan(ctx_t *c)
{
    const palette_t *p = c->p;
    for (int side = -1; side <= 1; side += 2) {
        char d[96];
        double sx = 128 + side * 68, fx = 128 + side * 92;
        snprintf(d, sizeof d, "M%.1f 110Q%.1f 130 %.1f 172", sx, fx, fx);
        line(c, d, p->dark, 34, 1);
        line(c, d, p->main, 24, 1);
    }
    path(c, "M56 100C56 84 70 78 86 78L170 78C186 78 200 84 200 100L190 198C188 210 178 214 166 214L90 214C78 214 68 "
            "210 66 198Z",
         p->main, p->dark, SW);
    rect(c, 94, 164, 68, 40, 14, p->light, NULL, 0);
    line(c, "M74 128L84 138L80 150", p->dark, 2.5, 0.35);
    line(c, "M184 176L174 186L178 196", p->dark, 2.5, 0.35);
    circle(c, 60, 102, 20, p->main, p->dark, SW);
    circle(c, 196, 102, 20, p->main, p->dark, SW);
    for (int side = -1; side <= 1; side += 2) {
        double fx = 128 + side * 92;
        circle(c, fx, 184, 24, p->main, p->dark, SW);
        char d[96];
        snprintf(d, sizeof d, "M%.1f 174L%.1f 174M%.1f 184L%.1f 184", fx - 10, fx + 10, fx - 10, fx + 10);
        line(c, d, p->dark, 2.5, 0.5);
    }
    line(c, "M90 104L166 104", p->dark, 6, 0.5);
    face(c, &(face_opts_t){128, 132, 1.0, 0, 0, 0, 0, 1});
}

static void body_robot(ctx_t *c)
{
    const palette_t *p = c->p;
    rect(c, 100, 202, 20, 14, 4, p->dark, NULL, 0);
    rect(c, 136, 202, 20, 14, 4, p->dark, NULL, 0);
    for (int side = -1; side <= 1; side += 2) {
        char d[96];
        double sx = 128 + side * 42, ex = 128 + side * 62, hy = arms_up(c) ? 126 : 196;
        snprintf(d, sizeof d, "M%.1f 160L%.1f 176L%.1f %.1f", sx, ex, ex + side * 2, hy);
        line(c, d, p->dark, 10, 1);
        line(c, d, p->light, 4, 1);
        snprintf(d, sizeof d, "M%.1f %.1fA8 8 0 1 %d %.1f %.1f", ex - 8 + side * 2, hy + (arms_up(c) ? -2 : 6),
                 arms_up(c) ? 1 : 0, ex + 8 + side * 2, hy + (arms_up(c) ? -2 : 6));
        line(c, d, p->dark, 5, 1);
        circle(c, ex, 176, 5, p->accent, p->dark, 2);
    }
    rect(c, 86, 146, 84, 60, 12, p->main, p->dark, SW);
    rect(c, 100, 158, 56, 32, 8, p->light, p->dark, 3);
    circle(c, 114, 174, 6, p->accent, p->dark, 2.5);
    circle(c, 130, 174, 6, "#FF6F61", p->dark, 2.5);
    circle(c, 146, 174, 6, "#7DF9FF", p->dark, 2.5);
    rect(c, 116, 136, 24, 12, 3, p->dark, NULL, 0);
    line(c, "M128 62L128 40", p->dark, 4, 1);
    circle(c, 128, 36, 7, p->accent, p->dark, 3);
    rect(c, 66, 84, 12, 28, 4, p->accent, p->dark, 3);
    rect(c, 178, 84, 12, 28, 4, p->accent, p->dark, 3);
    rect(c, 76, 60, 104, 80, 16, p->main, p->dark, SW);
    rect(c, 88, 72, 80, 56, 12, "#22313F", p->dark, 3);
    face(c, &(face_opts_t){128, 98, 0.82, 0, 0, 0, 1, 0});
}

static void body_zombie(ctx_t *c)
{
    const palette_t *p = c->p;
    feet(c, 210, 22, p->main);
    path(c, "M84 120C84 84 172 84 172 120L178 196C178 216 78 216 78 196Z", p->main, p->dark, SW);
    rect(c, 96, 164, 26, 24, 4, p->accent, p->dark, 3);
    line(c, "M100 168L118 184M118 168L100 184", p->dark, 1.5, 0.6);
    /* both arms reach forward (to the right), as zombies do */
    ellipse(c, 178, 150, 26, 10, p->main, p->dark, SW);
    ellipse(c, 170, 172, 26, 10, p->main, p->dark, SW);
    face(c, &(face_opts_t){126, 130, 1.0, 0, 0, 1, 0, 0});
    line(c, "M96 100L134 94", p->dark, 2.5, 1);
    for (int i = 0; i < 4; i++) {
        char d[64];
        double x = 101 + i * 10, y = 99.2 - i * 1.6;
        snprintf(d, sizeof d, "M%.1f %.1fL%.1f %.1f", x, y - 5, x + 1, y + 5);
        line(c, d, p->dark, 2, 1);
    }
    P(c, "<rect x=\"136\" y=\"84\" width=\"38\" height=\"12\" rx=\"3\" transform=\"rotate(22 155 90)\" "
         "fill=\"#F4F1E8\" stroke=\"%s\" stroke-width=\"2.5\"/>",
      p->dark);
    line(c, "M188 58h12l-12 12h12", p->dark, 3, 0.7);
    line(c, "M206 40h8l-8 8h8", p->dark, 2.5, 0.55);
}

static void body_gothic(ctx_t *c)
{
    const palette_t *p = c->p;
    const char *cape = "#2A1F33";
    path(c, "M46 30A20 20 0 1 0 64 62A16 16 0 1 1 46 30Z", p->dark, NULL, 0);
    /* a high, flared collar framing the head, lined with the accent colour */
    static const double collar[] = {100, 132, 62, 120, 52, 84, 70, 92, 84, 96, 96, 112, 104, 124};
    mirrored(c, collar, 7, "MQLQLZ", cape, INK, 4);
    static const double lining[] = {100, 128, 70, 118, 62, 94, 74, 100, 86, 104, 96, 116, 102, 124};
    mirrored(c, lining, 7, "MQLQLZ", "#8B1E3F", NULL, 0);
    path(c, "M70 128C50 170 52 200 58 214L198 214C204 200 206 170 186 128Z", cape, INK, 4);
    path(c, "M82 136C70 170 72 196 76 210L180 210C184 196 186 170 174 136Z", "#8B1E3F", NULL, 0);
    ellipse(c, 128, 160, 50, 54, p->main, p->dark, SW);
    path(c, "M128 176L116 170L116 184ZM128 176L140 170L140 184Z", "#FFFFFF", INK, 2.5);
    circle(c, 128, 177, 4, p->accent, INK, 2);
    face(c, &(face_opts_t){128, 146, 1.0, 1, 1, 0, 0, 0});
    sparkle(c, 206, 60, 6, p->dark, 0.8);
    sparkle(c, 190, 40, 4, p->dark, 0.6);
}

typedef void (*body_fn)(ctx_t *c);
static const body_fn BODIES[BODY_TYPE_COUNT] = {
    body_floof,  body_beanie, body_blob,   body_noodle, body_squishy, body_spike,  body_athlete,
    body_sleek,  body_knight, body_guardian, body_ranger, body_mage,  body_dragon, body_beast,
    body_mech,   body_spirit, body_titan,  body_robot,  body_zombie,  body_gothic,
};

/* ---- frame, background, rarity ---- */

static void background(ctx_t *c)
{
    const palette_t *p = c->p;
    int r = c->rarity;
    P(c, "<rect x=\"4\" y=\"4\" width=\"248\" height=\"248\" rx=\"40\" fill=\"%s\"/>", p->bg);
    P(c, "<circle cx=\"128\" cy=\"124\" r=\"100\" fill=\"%s\" opacity=\"0.6\"/>", p->light);
    if (r >= RARITY_LEGENDARY) {
        /* rays behind the creature */
        const char *col = r == RARITY_MYTHICAL ? "#FF7AC6" : RARITY_FRAME[r];
        buf_t *b = c->b;
        buf_printf(b, "<path d=\"");
        for (int i = 0; i < 12; i++) {
            double a = i * PI / 6 + (pick(c, 20, 6) * PI / 36), w = PI / 26;
            buf_printf(b, "M128 124L%.1f %.1fL%.1f %.1fZ", 128 + cos(a - w) * 180, 124 + sin(a - w) * 180,
                       128 + cos(a + w) * 180, 124 + sin(a + w) * 180);
        }
        buf_printf(b, "\" fill=\"%s\" opacity=\"0.22\" clip-path=\"url(#clip%s)\"/>", col, c->uid);
    }
    if (r == RARITY_UNCOMMON || r == RARITY_RARE) {
        for (int i = 0; i < 6; i++) {
            double a = (i * 60 + pick(c, 24, 60)) * PI / 180;
            circle(c, 128 + cos(a) * 104, 124 + sin(a) * 98, 3 + (i % 2) * 2, RARITY_FRAME[r], NULL, 0);
        }
    }
}

static void frame(ctx_t *c)
{
    int r = c->rarity;
    if (r == RARITY_COMMON) {
        P(c, "<rect x=\"6\" y=\"6\" width=\"244\" height=\"244\" rx=\"38\" fill=\"none\" stroke=\"%s\" "
             "stroke-width=\"4\"/>",
          c->p->dark);
        return;
    }
    P(c, "<rect x=\"6\" y=\"6\" width=\"244\" height=\"244\" rx=\"38\" fill=\"none\" stroke=\"%s%s%s\" "
         "stroke-width=\"8\"/>",
      r == RARITY_MYTHICAL ? "url(#rb" : RARITY_FRAME[r], r == RARITY_MYTHICAL ? c->uid : "",
      r == RARITY_MYTHICAL ? ")" : "");
    if (r >= RARITY_EPIC) {
        int n = r == RARITY_EPIC ? 3 : r == RARITY_LEGENDARY ? 4 : 6;
        static const double SPOTS[][2] = {{36, 44}, {218, 52}, {30, 198}, {224, 206}, {206, 118}, {46, 120}};
        for (int i = 0; i < n; i++) {
            double sz = 7 + ((c->h >> (30 + i * 3)) & 7);
            sparkle(c, SPOTS[i][0], SPOTS[i][1], sz, r == RARITY_EPIC ? "#FFFFFF" : "#FFE27A", 0.95);
        }
    }
}

static void defs(ctx_t *c)
{
    P(c, "<defs><clipPath id=\"clip%s\"><rect x=\"4\" y=\"4\" width=\"248\" height=\"248\" rx=\"40\"/></clipPath>",
      c->uid);
    if (c->rarity == RARITY_MYTHICAL)
        P(c, "<linearGradient id=\"rb%s\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"1\">"
             "<stop offset=\"0\" stop-color=\"#FF5E7E\"/><stop offset=\"0.25\" stop-color=\"#FFC94A\"/>"
             "<stop offset=\"0.5\" stop-color=\"#5EE08A\"/><stop offset=\"0.75\" stop-color=\"#4DB8FF\"/>"
             "<stop offset=\"1\" stop-color=\"#B46BFF\"/></linearGradient>",
          c->uid);
    P(c, "</defs>");
}

int artwork_creature_svg(const artwork_creature_t *cr, buf_t *out)
{
    ctx_t c;
    memset(&c, 0, sizeof c);
    c.b = out;
    c.h = fnv1a(cr->id, 0x61727477u);
    c.p = palette_for(cr->colour_scheme, c.h);
    snprintf(c.uid, sizeof c.uid, "%08x", (unsigned)(c.h >> 32));
    for (int i = 0; i < TRAIT_COUNT; i++)
        c.tr[i] = cr->traits[i] < 0 ? 0 : cr->traits[i] > 100 ? 100 : cr->traits[i];
    c.rarity = cr->rarity < 0 ? 0 : cr->rarity >= RARITY_COUNT ? RARITY_COUNT - 1 : cr->rarity;
    c.dark_body = luminance(c.p->main) < 0.3;
    int bt = cr->body_type < 0 ? 0 : cr->body_type % BODY_TYPE_COUNT;

    P(&c, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 256 256\" width=\"256\" height=\"256\">");
    defs(&c);
    background(&c);
    /* ground shadow (a spirit floats: a smaller, fainter one) */
    P(&c, "<ellipse cx=\"128\" cy=\"220\" rx=\"%d\" ry=\"%d\" fill=\"%s\" opacity=\"%s\"/>", bt == 15 ? 40 : 64,
      bt == 15 ? 6 : 9, c.p->dark, bt == 15 ? "0.12" : "0.2");
    /* Energy: a lively tilt (direction from the id) and motion lines */
    double tilt = (pick(&c, 12, 2) ? 1 : -1) * c.tr[TRAIT_ENERGY] / 100.0 * 6.0;
    if (c.tr[TRAIT_ENERGY] >= 80) {
        double x = tilt > 0 ? 34 : 222, dir = tilt > 0 ? 1 : -1;
        for (int i = 0; i < 3; i++) {
            char d[64];
            snprintf(d, sizeof d, "M%.1f %dL%.1f %d", x, 120 + i * 22, x + dir * 14, 116 + i * 22);
            line(&c, d, c.p->dark, 4, 0.35);
        }
    }
    P(&c, "<g transform=\"rotate(%.1f 128 216)\">", tilt);
    BODIES[bt](&c);
    P(&c, "</g>");
    /* Creativity: an idea sparkle */
    if (c.tr[TRAIT_CREATIVITY] >= 70)
        sparkle(&c, 196 - pick(&c, 40, 3) * 6, 66 + pick(&c, 44, 3) * 5, 11, c.p->accent, 1);
    frame(&c);
    P(&c, "</svg>");
    return out->overflow ? -1 : 0;
}

/* ---- avatars ---- */

static const char *const SKINS[] = {"#FFD9B8", "#F1C27D", "#C68642", "#8D5524", "#FFE0EC",
                                    "#CDEBFF", "#D5F5C8", "#E8DAFF"};
static const char *const HAIRS[] = {"#2B2135", "#6B3E26", "#D9A441", "#E2583E", "#FF8FC7",
                                    "#5BC0EB", "#7FB069", "#F4F4F4"};
static const char *const AVATAR_BG[] = {"#FFE3D1", "#DDF4F2", "#EAE2FF", "#FFF6C7", "#C9EDFB",
                                        "#FFD9EE", "#D5ECC8", "#FCE6B0"};

static void avatar_hair(ctx_t *c, int style, const char *hair, int back)
{
    switch (style) {
    case 0: /* short crop */
        if (!back)
            path(c, "M68 118C64 70 100 52 128 52C160 52 194 72 188 118C174 96 150 88 128 90C104 88 82 98 68 118Z",
                 hair, INK, 4);
        break;
    case 1: /* spiky */
        if (!back)
            path(c, "M66 120L60 84L84 92L86 60L108 78L124 48L140 76L164 56L166 88L194 82L190 120C170 98 86 98 66 120Z",
                 hair, INK, 4);
        break;
    case 2: /* bob */
        if (back)
            path(c, "M58 130C54 70 96 50 128 50C160 50 202 70 198 130L198 170C180 176 76 176 58 170Z", hair, INK, 4);
        else
            path(c, "M70 118C74 80 100 66 128 66C150 66 170 76 182 96C160 100 118 96 96 84C92 98 82 110 70 118Z",
                 hair, INK, 4);
        break;
    case 3: /* long */
        if (back)
            path(c, "M56 130C50 68 96 48 128 48C160 48 206 68 200 130L206 214L50 214Z", hair, INK, 4);
        else
            path(c, "M68 124C70 78 100 60 128 60C156 60 186 78 188 124C176 96 156 84 140 82C128 96 96 104 68 124Z",
                 hair, INK, 4);
        break;
    case 4: /* bun */
        if (back)
            circle(c, 128, 50, 24, hair, INK, 4);
        else
            path(c, "M66 120C64 76 100 60 128 60C156 60 192 76 190 120C176 96 150 86 128 86C106 86 80 96 66 120Z",
                 hair, INK, 4);
        break;
    case 5: /* curly */
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < 9; i++) {
                double a = PI + i * PI / 8;
                circle(c, 128 + cos(a) * 62, 112 + sin(a) * 58, pass ? 20 : 24, pass ? hair : INK, NULL, 0);
            }
        break;
    case 6: /* mohawk */
        if (!back)
            path(c, "M112 96L106 60L120 70L128 40L136 70L150 60L144 96Z", hair, INK, 4);
        break;
    default: /* cap */
        if (!back) {
            path(c, "M66 112C66 66 98 52 128 52C158 52 190 66 190 112Z", hair, INK, 4);
            path(c, "M128 104C160 98 200 100 214 112C196 118 160 116 128 112Z", hair, INK, 4);
            circle(c, 128, 54, 6, "#FFFFFF", INK, 3);
        }
        break;
    }
}

int artwork_avatar_svg(const char *user_id, int n, buf_t *out)
{
    if (n < 0 || n >= ARTWORK_AVATAR_CANDIDATES)
        return -1;
    ctx_t c;
    memset(&c, 0, sizeof c);
    c.b = out;
    uint64_t base = fnv1a(user_id, 0x61766174u);
    c.h = fnv1a(user_id, 0x61766100u + (uint64_t)n);
    snprintf(c.uid, sizeof c.uid, "a%07x", (unsigned)(c.h >> 36));
    /* the nine candidates of one player always differ in hair style and background */
    int style = (int)((base + (uint64_t)n) % 8);
    const char *bg = AVATAR_BG[(base / 8 + (uint64_t)n * 3) % 8];
    const char *skin = SKINS[pick(&c, 0, 8)];
    const char *hair = HAIRS[pick(&c, 4, 8)];
    palette_t p = {"avatar", skin, "#FFFFFF", INK, "#FF6F91", bg};
    c.p = &p;
    for (int i = 0; i < TRAIT_COUNT; i++)
        c.tr[i] = 30 + pick(&c, 8 + i * 4, 60);
    c.tr[TRAIT_ENERGY] = 0;
    c.dark_body = 0;

    P(&c, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 256 256\" width=\"256\" height=\"256\">");
    P(&c, "<defs><clipPath id=\"clip%s\"><circle cx=\"128\" cy=\"128\" r=\"124\"/></clipPath></defs>", c.uid);
    P(&c, "<circle cx=\"128\" cy=\"128\" r=\"124\" fill=\"%s\"/><g clip-path=\"url(#clip%s)\">", bg, c.uid);
    P(&c, "<circle cx=\"128\" cy=\"128\" r=\"104\" fill=\"#FFFFFF\" opacity=\"0.35\"/>");
    /* shoulders */
    path(&c, "M50 240C54 196 90 182 128 182C166 182 202 196 206 240Z", HAIRS[pick(&c, 40, 8)], INK, 4);
    avatar_hair(&c, style, hair, 1);
    ellipse(&c, 128, 128, 60, 58, skin, INK, 4);
    ellipse(&c, 68, 132, 9, 13, skin, INK, 4);
    ellipse(&c, 188, 132, 9, 13, skin, INK, 4);
    face(&c, &(face_opts_t){128, 134, 0.95, pick(&c, 44, 3) == 0, 0, 0, 0, 0});
    avatar_hair(&c, style, hair, 0);
    switch (pick(&c, 48, 6)) {
    case 0: /* round glasses */
        circle(&c, 100, 128, 15, "none", INK, 3.5);
        circle(&c, 156, 128, 15, "none", INK, 3.5);
        line(&c, "M115 128L141 128", INK, 3.5, 1);
        break;
    case 1: /* star clip */
        sparkle(&c, 176, 88, 12, "#FFD54F", 1);
        break;
    case 2: /* headphones */
        path(&c, "M66 124C62 60 194 60 190 124", "none", INK, 7);
        rect(&c, 54, 114, 18, 32, 8, "#FF6F91", INK, 3);
        rect(&c, 184, 114, 18, 32, 8, "#FF6F91", INK, 3);
        break;
    case 3: /* flower */
        for (int i = 0; i < 5; i++) {
            double a = i * 2 * PI / 5;
            circle(&c, 80 + cos(a) * 8, 84 + sin(a) * 8, 7, "#FFFFFF", INK, 2);
        }
        circle(&c, 80, 84, 5, "#FFD54F", INK, 2);
        break;
    default:
        break;
    }
    P(&c, "</g></svg>");
    return out->overflow ? -1 : 0;
}
