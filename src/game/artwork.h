/* artwork: procedural creature and avatar pictures as SVG. Pure: the same creature (id, body
 * type, colour scheme, traits, rarity) always gives the same bytes, on every machine.
 * The body type picks one of 20 silhouettes; the catalogue's colour scheme names map to
 * palettes; traits shape the face and pose (eye size = Curiosity, smile = Friendliness and
 * Humor, blush = Empathy, tilt and raised arms = Energy, brows = Confidence, wink =
 * Playfulness, a sparkle = Creativity); rarity frames the picture. */
#ifndef CHATLINGS_ARTWORK_H
#define CHATLINGS_ARTWORK_H
#include "core/buf.h"
#include "game/creatures.h"

#define ARTWORK_SIZE 256        /* the SVG's width and height (viewBox 0 0 256 256) */
#define ARTWORK_AVATAR_CANDIDATES 9
#define ARTWORK_VERSION 1       /* bump when the drawing changes: it is part of ETags and blob names */

typedef struct artwork_creature {
    const char *id;             /* UUID text; seeds the small variations */
    int body_type;              /* 0..BODY_TYPE_COUNT-1 (BODY_TYPE_NAMES order) */
    int rarity;                 /* rarity_t */
    const char *colour_scheme;  /* a catalogue scheme name ("Peach Sorbet"); unknown = picked by id */
    int traits[TRAIT_COUNT];    /* 0..100 in trait_t order */
} artwork_creature_t;

/* Appends the creature's SVG document to out. 0, or -1 when out overflowed. Out-of-range
 * body types and rarities are clamped, never refused. */
int artwork_creature_svg(const artwork_creature_t *c, buf_t *out);

/* Appends avatar candidate n (0..ARTWORK_AVATAR_CANDIDATES-1) of a player. 0, or -1 when n is
 * out of range or out overflowed. */
int artwork_avatar_svg(const char *user_id, int n, buf_t *out);

/* The palette behind a colour scheme name, as "#rrggbb" (main body colour); NULL if unknown. */
const char *artwork_scheme_colour(const char *scheme);

#endif
