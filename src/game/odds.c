/* odds: box rarity and "1 in n" rolls. Integer thresholds over rng_below, so a seeded run is the
 * same everywhere and the long-run shares are exact (tests/unit/test_odds.c draws a million). */
#include "game/odds.h"

const int ODDS_BOX_PERMILLE[RARITY_COUNT] = {750, 200, 42, 7, 1, 0};

rarity_t odds_box_rarity(rng_t *r)
{
    int x = (int)rng_below(r, 1000);
    for (int i = 0; i < RARITY_COUNT; i++) {
        if (x < ODDS_BOX_PERMILLE[i])
            return (rarity_t)i;
        x -= ODDS_BOX_PERMILLE[i];
    }
    return RARITY_COMMON; /* unreachable: the shares sum to 1000 */
}

int odds_one_in(rng_t *r, int n)
{
    if (n <= 0)
        return 0;
    return rng_below(r, (uint32_t)n) == 0;
}
