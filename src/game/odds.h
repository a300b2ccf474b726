/* odds: the weighted rolls of GAME.md: a box-weighted rarity (daily mystery box, visitors, wild
 * encounter creatures) and "1 in n" chances. Pure: the caller passes the random source. */
#ifndef CHATLINGS_ODDS_H
#define CHATLINGS_ODDS_H
#include "game/creatures.h"
#include "game/rng.h"

/* Box odds in parts per thousand: Common 750, Uncommon 200, Rare 42, Epic 7, Legendary 1,
 * Mythical 0 (never from a box). */
extern const int ODDS_BOX_PERMILLE[RARITY_COUNT];

/* The daily visitor comes 1 time in 7. */
#define ODDS_VISITOR_ONE_IN 7

/* A rarity drawn with the box odds. */
rarity_t odds_box_rarity(rng_t *r);
/* 1 with probability 1/n, else 0; n <= 0 never, n == 1 always. */
int odds_one_in(rng_t *r, int n);

#endif
