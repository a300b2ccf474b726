/* idle: the formulas of GAME.md "Idle game" ("affection"): every owned chatling can be run as a
 * business. Pure: no I/O, no clock (callers pass the server's time), no floating point. Every
 * amount is an exact integer number of affection points; amounts saturate at IDLE_MAX_POINTS,
 * and a price above it is IDLE_UNREACHABLE (no balance can ever pay it). */
#ifndef CHATLINGS_IDLE_H
#define CHATLINGS_IDLE_H
#include <stdint.h>

#define IDLE_MAX_POINTS 1000000000000000000LL /* 10^18: sums of two still fit in int64 */
#define IDLE_UNREACHABLE (-1LL)
#define IDLE_OFFLINE_CAP_MS (8LL * 3600 * 1000)
#define IDLE_START_POINTS 50 /* buys the first unit of the first business whatever its rarity */
#define IDLE_UNITS_PER_LEVEL 10

/* The inputs the formulas use, as sums of two traits (each 0..100) so that the means
 * (Ability = mean(Creativity, Curiosity), ...) stay exact. */
typedef struct idle_stats {
    int ability_sum;    /* Creativity + Curiosity */
    int uniqueness_sum; /* Playfulness + Humor */
    int strength_sum;   /* Energy + Confidence */
    int rarity;         /* rarity_t, 0..5 */
} idle_stats_t;

/* floor(Ability × Uniqueness / 200) + 1 */
int64_t idle_base_revenue(const idle_stats_t *s);
/* max(1, 10 − Strength/10) seconds, in milliseconds */
int64_t idle_cycle_ms(const idle_stats_t *s);
/* level = floor(owned / 10): every 10 units owned add 10 % to the revenue */
int64_t idle_level(int64_t owned);
/* floor(base × owned × (1 + 0.1 × level)) per cycle; 0 when nothing is owned */
int64_t idle_revenue(const idle_stats_t *s, int64_t owned);
/* floor(10 × 1.5^index × rarity multiplier × 1.15^owned), or IDLE_UNREACHABLE */
int64_t idle_unit_cost(int64_t index, int rarity, int64_t owned);
/* floor(1000 × 2^index), or IDLE_UNREACHABLE */
int64_t idle_manager_cost(int64_t index);
/* a + b, saturating at IDLE_MAX_POINTS (both >= 0) */
int64_t idle_add(int64_t a, int64_t b);

/* Earnings of a managed business from last_ms to now_ms: whole cycles only (the part of a
 * cycle in progress is kept by moving the timestamp forward by whole cycles), at most
 * IDLE_OFFLINE_CAP_MS worth (then the timestamp jumps to now). A clock that went back earns
 * nothing and leaves the timestamp alone. */
void idle_settle_managed(int64_t revenue, int64_t cycle_ms, int64_t last_ms, int64_t now_ms, int64_t *earned,
                         int64_t *new_last_ms);

/* An unmanaged business runs one cycle and waits to be collected: 1 when that cycle is done. */
int idle_cycle_ready(int64_t cycle_ms, int64_t last_ms, int64_t now_ms);

#endif
