/* team: the rules of GAME.md "Team": five slots of owned, present chatlings, slot 1 being the
 * current chatling, and the team score. Pure: no I/O. Scores are kept in exact integer
 * hundredths (overall is in tenths and every rarity multiplier is a whole number of tenths). */
#ifndef CHATLINGS_TEAM_H
#define CHATLINGS_TEAM_H
#include <stdint.h>

#define TEAM_SLOTS 5

/* Rarity multipliers 1, 1.2, 1.5, 2, 3, 5 in tenths. */
extern const int TEAM_MULTIPLIER_TENTHS[6];

typedef struct team_member {
    int overall_tenths; /* Overall x 10 (0..1000), as creatures_derive rounds it */
    int rarity;         /* rarity_t */
    int rizz;           /* 0..10 */
} team_member_t;

/* Overall x 10 from the sum of the 8 traits: mean rounded half away from zero to 1 decimal,
 * exactly as creatures_derive (sum 0..800). */
int team_overall_tenths(int trait_sum);

/* Σ overall × multiplier + 2 × Σ rizz, in hundredths. n <= TEAM_SLOTS; a member with an
 * unknown rarity counts with multiplier 1. */
int64_t team_score_x100(const team_member_t *members, int n);

/* One member's part of the score, in hundredths. */
int64_t team_member_score_x100(const team_member_t *m);

/* Writes a hundredths value as a decimal number ("123.45", "7.00"). */
void team_format_x100(int64_t x100, char *out, unsigned long outlen);

typedef enum {
    TEAM_OK = 0,
    TEAM_EMPTY,      /* no creature ids */
    TEAM_TOO_MANY,   /* more than TEAM_SLOTS */
    TEAM_DUPLICATE,  /* the same creature twice */
} team_check_t;

/* Shape checks of a requested team (ids compared as given, case-insensitively). */
team_check_t team_check_ids(const char *const *ids, int n);
const char *team_check_message(team_check_t c);

#endif
