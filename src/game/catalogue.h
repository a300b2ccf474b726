/* catalogue: the deterministic creature generator behind `chatlings seed`.
 * Same (seed, index) -> same creature, on every machine. Pure: no I/O. */
#ifndef CHATLINGS_CATALOGUE_H
#define CHATLINGS_CATALOGUE_H
#include <stdint.h>
#include "game/creatures.h"

#define CATALOGUE_DEFAULT_SIZE 2000
#define CATALOGUE_MAX_SIZE 200000

typedef struct catalogue_creature {
    char id[37];            /* UUID (v4 layout) derived from seed and index */
    char name[48];          /* unique within one catalogue, pronounceable */
    char short_name[24];
    int body_type;          /* 0..19, index into BODY_TYPE_NAMES */
    int rarity;             /* rarity_t */
    int traits[TRAIT_COUNT];/* 0..100 */
    char colour_scheme[32];
    char vibe[160];
} catalogue_creature_t;

typedef struct catalogue catalogue_t;

/* Generates n creatures for seed. Names are unique across the whole catalogue.
 * The rarity mix is exact to the nearest creature (50/25/15/7/2.5/0.5 %). NULL on OOM. */
catalogue_t *catalogue_generate(uint64_t seed, int n);
int catalogue_size(const catalogue_t *c);
const catalogue_creature_t *catalogue_get(const catalogue_t *c, int index);
void catalogue_free(catalogue_t *c);

#endif
