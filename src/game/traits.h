/* traits: rolling a creature's 8 trait scores by GAME.md's rule: body-type base + rarity bonus
 * + noise, clamped to 0..100. The catalogue generator draws its own noise per (seed, index);
 * this is the same rule for an admin's "re-roll traits", from the body type's current profile
 * (which an admin may have edited) and the creature's current rarity. Pure: no I/O. */
#ifndef CHATLINGS_TRAITS_H
#define CHATLINGS_TRAITS_H
#include "game/creatures.h"
#include "game/rng.h"

#define TRAITS_NOISE_MAX 12 /* noise is the sum of three draws in -4..4: a bell over -12..12 */

/* out[t] = clamp(base[t] + RARITY_TRAIT_BONUS[rarity] + noise, 0, 100) for each trait.
 * base values outside 0..100 are clamped first; an unknown rarity counts as Common. */
void traits_roll(rng_t *r, const int base[TRAIT_COUNT], int rarity, int out[TRAIT_COUNT]);

#endif
