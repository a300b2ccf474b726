/* encounter: the rules of a wild encounter (GAME.md): three distinct traits are drawn at random
 * and the player's chatling must beat the wild one on at least two of them, strictly (a tie is
 * not a win). Pure: the caller passes the random source and both creatures' traits. */
#ifndef CHATLINGS_ENCOUNTER_H
#define CHATLINGS_ENCOUNTER_H
#include "game/creatures.h"
#include "game/rng.h"

#define ENCOUNTERS_PER_DAY 3
#define ENCOUNTER_TRAITS 3
#define ENCOUNTER_WINS_NEEDED 2

typedef struct encounter_outcome {
    int traits[ENCOUNTER_TRAITS];       /* trait_t, distinct, in the order drawn */
    int player[ENCOUNTER_TRAITS];       /* the player's chatling's score on each */
    int wild[ENCOUNTER_TRAITS];         /* the wild creature's score on each */
    int player_wins[ENCOUNTER_TRAITS];  /* 1 when player > wild on that trait */
    int wins;                           /* how many of the three the player won */
    int won;                            /* wins >= ENCOUNTER_WINS_NEEDED */
} encounter_outcome_t;

/* Three distinct traits, uniformly among the 8 (a partial Fisher-Yates shuffle). */
void encounter_draw_traits(rng_t *r, int out[ENCOUNTER_TRAITS]);

/* Compares the two creatures on the given traits. */
void encounter_resolve(const int player[TRAIT_COUNT], const int wild[TRAIT_COUNT],
                       const int traits[ENCOUNTER_TRAITS], encounter_outcome_t *out);

#endif
