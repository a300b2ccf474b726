/* creatures: the fixed reference data of GAME.md (rarities, body types, traits) and the
 * derived-score formulas. Pure: no I/O. */
#ifndef CHATLINGS_CREATURES_H
#define CHATLINGS_CREATURES_H

#define RARITY_COUNT 6
#define BODY_TYPE_COUNT 20
#define TRAIT_COUNT 8

typedef enum { RARITY_COMMON, RARITY_UNCOMMON, RARITY_RARE, RARITY_EPIC, RARITY_LEGENDARY, RARITY_MYTHICAL } rarity_t;

/* Traits in their canonical order (also trait_categories.id - 1). */
typedef enum {
    TRAIT_FRIENDLINESS, TRAIT_PLAYFULNESS, TRAIT_CREATIVITY, TRAIT_EMPATHY,
    TRAIT_ENERGY, TRAIT_CONFIDENCE, TRAIT_HUMOR, TRAIT_CURIOSITY
} trait_t;

extern const char *const RARITY_NAMES[RARITY_COUNT];       /* "Common" .. "Mythical" */
extern const char *const BODY_TYPE_NAMES[BODY_TYPE_COUNT]; /* "Floof" .. "Gothic" (body_types.id - 1) */
extern const char *const TRAIT_NAMES[TRAIT_COUNT];         /* "Friendliness" .. "Curiosity" */
extern const char *const TRAIT_DESCRIPTIONS[TRAIT_COUNT];
extern const char *const BODY_TYPE_DESCRIPTIONS[BODY_TYPE_COUNT];
/* Each body type's base trait profile (before rarity bonus and noise). */
extern const unsigned char BODY_TYPE_PROFILE[BODY_TYPE_COUNT][TRAIT_COUNT];

extern const int RARITY_TRAIT_BONUS[RARITY_COUNT];        /* 0 5 10 15 20 25 */
extern const double RARITY_TEAM_MULTIPLIER[RARITY_COUNT]; /* 1 1.2 1.5 2 3 5 */
extern const int RARITY_WEIGHT[RARITY_COUNT];             /* 1 2 4 8 16 32 */

/* -1 when unknown; matching is exact (one spelling everywhere). */
int rarity_from_name(const char *name);
int body_type_from_name(const char *name);

typedef struct derived_scores {
    double ability, strength, affection, uniqueness, overall; /* rounded to 1 decimal */
} derived_scores_t;

void creatures_derive(const int traits[TRAIT_COUNT], derived_scores_t *out);

#endif
