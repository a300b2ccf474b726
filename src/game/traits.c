/* traits: see traits.h. The noise matches the catalogue generator's (game/catalogue.c), so a
 * re-rolled creature looks like one the generator could have made. */
#include "game/traits.h"

static int clamp100(int v)
{
    return v < 0 ? 0 : v > 100 ? 100 : v;
}

void traits_roll(rng_t *r, const int base[TRAIT_COUNT], int rarity, int out[TRAIT_COUNT])
{
    int bonus = rarity >= 0 && rarity < RARITY_COUNT ? RARITY_TRAIT_BONUS[rarity] : 0;
    for (int t = 0; t < TRAIT_COUNT; t++) {
        int noise = (int)rng_below(r, 9) + (int)rng_below(r, 9) + (int)rng_below(r, 9) - TRAITS_NOISE_MAX;
        out[t] = clamp100(clamp100(base[t]) + bonus + noise);
    }
}
