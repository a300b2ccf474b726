/* encounter: drawing the three traits and deciding the meeting. */
#include "game/encounter.h"

#include <string.h>

void encounter_draw_traits(rng_t *r, int out[ENCOUNTER_TRAITS])
{
    int pool[TRAIT_COUNT];
    for (int i = 0; i < TRAIT_COUNT; i++)
        pool[i] = i;
    for (int i = 0; i < ENCOUNTER_TRAITS; i++) {
        int j = i + (int)rng_below(r, (uint32_t)(TRAIT_COUNT - i));
        int t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
        out[i] = pool[i];
    }
}

void encounter_resolve(const int player[TRAIT_COUNT], const int wild[TRAIT_COUNT],
                       const int traits[ENCOUNTER_TRAITS], encounter_outcome_t *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < ENCOUNTER_TRAITS; i++) {
        int t = traits[i];
        out->traits[i] = t;
        out->player[i] = player[t];
        out->wild[i] = wild[t];
        out->player_wins[i] = player[t] > wild[t];
        out->wins += out->player_wins[i];
    }
    out->won = out->wins >= ENCOUNTER_WINS_NEEDED;
}
