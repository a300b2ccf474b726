/* creatures: the fixed reference data of GAME.md — rarity, body type and trait names with their
 * descriptions, each body type's base trait profile — and the derived-score formulas.
 * Pure data and arithmetic: these tables are what `chatlings seed` writes to the database. */
#include "game/creatures.h"

#include <string.h>

const char *const RARITY_NAMES[RARITY_COUNT] = {
    "Common", "Uncommon", "Rare", "Epic", "Legendary", "Mythical",
};

/* GAME.md order; body_types.id = index + 1. */
const char *const BODY_TYPE_NAMES[BODY_TYPE_COUNT] = {
    "Floof", "Beanie", "Blob",    "Noodle", "Squishy", "Spike", "Athlete", "Sleek", "Knight", "Guardian",
    "Ranger", "Mage",  "Dragon",  "Beast",  "Mech",    "Spirit", "Titan",  "Robot", "Zombie", "Gothic",
};

const char *const TRAIT_NAMES[TRAIT_COUNT] = {
    "Friendliness", "Playfulness", "Creativity", "Empathy", "Energy", "Confidence", "Humor", "Curiosity",
};

const char *const TRAIT_DESCRIPTIONS[TRAIT_COUNT] = {
    "How warmly it greets others and how easily it makes friends.",
    "Its love of games, pranks and silly fun.",
    "Imagination: inventing, dreaming up and making new things.",
    "How well it senses and cares about the feelings of others.",
    "Get-up-and-go: stamina, speed and restlessness.",
    "Boldness and self-belief when facing something new.",
    "Its knack for jokes, timing and making others laugh.",
    "The urge to explore, ask questions and poke at mysteries.",
};

const char *const BODY_TYPE_DESCRIPTIONS[BODY_TYPE_COUNT] = {
    "A cloud of soft fur that lives for hugs and company.",
    "A tiny bean-shaped creature, shy at first but endlessly curious.",
    "A wobbly, easy-going blob with a big laugh and little hurry.",
    "A long, wiggly creature that gets into everything and loves a game.",
    "A soft, squeezable friend who feels what everyone else feels.",
    "A prickly little critter with a bold streak and a soft centre.",
    "A sporty go-getter who is always training for something.",
    "A streamlined stunner: fast, stylish and a little bit vain.",
    "A small knight in shining armour, loyal and brave.",
    "A steady protector who keeps watch over its friends.",
    "A wanderer of forests and hills, happiest on an unknown trail.",
    "A spellcaster full of ideas and questions about how magic works.",
    "A proud young dragon with fire in its belly and treasure on its mind.",
    "A wild, strong-limbed beast that runs and romps all day.",
    "A clanking construct built for tinkering and problem-solving.",
    "A drifting, glowing spirit, gentle and wise beyond its years.",
    "A towering giant: immensely strong, slow to play, hard to topple.",
    "A gadget-packed robot that wants to know how everything works.",
    "A sleepy, shuffling zombie with an excellent sense of humour.",
    "A dark-clad dreamer with a taste for poetry and deadpan jokes.",
};

/* Columns: Friendliness, Playfulness, Creativity, Empathy, Energy, Confidence, Humor, Curiosity.
 * Values stay within 15..85 so the rarity bonus (up to +25) and noise still leave room to move. */
const unsigned char BODY_TYPE_PROFILE[BODY_TYPE_COUNT][TRAIT_COUNT] = {
    /* Floof    */ {80, 65, 45, 78, 45, 40, 55, 50},
    /* Beanie   */ {60, 70, 50, 55, 55, 30, 60, 68},
    /* Blob     */ {65, 55, 40, 60, 25, 40, 72, 40},
    /* Noodle   */ {55, 78, 60, 45, 65, 40, 65, 70},
    /* Squishy  */ {72, 60, 45, 80, 40, 32, 50, 45},
    /* Spike    */ {30, 45, 45, 30, 65, 72, 48, 50},
    /* Athlete  */ {55, 55, 30, 40, 85, 80, 45, 40},
    /* Sleek    */ {40, 40, 65, 35, 72, 78, 40, 60},
    /* Knight   */ {62, 30, 35, 62, 60, 76, 30, 42},
    /* Guardian */ {66, 30, 35, 76, 50, 66, 30, 40},
    /* Ranger   */ {45, 45, 50, 50, 72, 55, 35, 82},
    /* Mage     */ {45, 40, 85, 45, 40, 55, 40, 84},
    /* Dragon   */ {35, 45, 55, 30, 72, 85, 40, 55},
    /* Beast    */ {40, 66, 30, 35, 82, 65, 45, 45},
    /* Mech     */ {35, 30, 72, 25, 65, 60, 30, 72},
    /* Spirit   */ {55, 45, 72, 78, 30, 35, 40, 70},
    /* Titan    */ {45, 25, 35, 45, 76, 82, 30, 30},
    /* Robot    */ {40, 35, 62, 25, 60, 50, 56, 82},
    /* Zombie   */ {50, 55, 45, 40, 15, 35, 82, 35},
    /* Gothic   */ {25, 30, 78, 58, 35, 55, 66, 60},
};

const int RARITY_TRAIT_BONUS[RARITY_COUNT] = {0, 5, 10, 15, 20, 25};
const double RARITY_TEAM_MULTIPLIER[RARITY_COUNT] = {1.0, 1.2, 1.5, 2.0, 3.0, 5.0};
const int RARITY_WEIGHT[RARITY_COUNT] = {1, 2, 4, 8, 16, 32};

static int lookup(const char *const *table, int n, const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(table[i], name) == 0)
            return i;
    return -1;
}

int rarity_from_name(const char *name) { return lookup(RARITY_NAMES, RARITY_COUNT, name); }

int body_type_from_name(const char *name) { return lookup(BODY_TYPE_NAMES, BODY_TYPE_COUNT, name); }

/* sum / count rounded to one decimal, half away from zero. Done in integers (tenths) so that
 * e.g. 50.25 -> 50.3 exactly, which floating-point round(x * 10) / 10 does not guarantee. */
static double mean_1dp(long sum, long count)
{
    long num = sum * 10, tenths;
    if (num >= 0)
        tenths = (2 * num + count) / (2 * count);
    else
        tenths = -((-2 * num + count) / (2 * count));
    return (double)tenths / 10.0;
}

void creatures_derive(const int traits[TRAIT_COUNT], derived_scores_t *out)
{
    long all = 0;
    for (int i = 0; i < TRAIT_COUNT; i++)
        all += traits[i];
    out->ability = mean_1dp((long)traits[TRAIT_CREATIVITY] + traits[TRAIT_CURIOSITY], 2);
    out->strength = mean_1dp((long)traits[TRAIT_ENERGY] + traits[TRAIT_CONFIDENCE], 2);
    out->affection = mean_1dp((long)traits[TRAIT_FRIENDLINESS] + traits[TRAIT_EMPATHY], 2);
    out->uniqueness = mean_1dp((long)traits[TRAIT_PLAYFULNESS] + traits[TRAIT_HUMOR], 2);
    out->overall = mean_1dp(all, TRAIT_COUNT);
}
