/* idle: exact integer versions of the idle-game formulas. 1.5^i and 1.15^o are rationals
 * (3^i / 2^i and 23^o / 20^o), so the unit cost is computed as one big fraction with a small
 * fixed-size big integer and floored once: no float drift at any index. */
#include "game/idle.h"

#include <string.h>

static const int MULTIPLIER_TENTHS[6] = {10, 12, 15, 20, 30, 50}; /* 1, 1.2, 1.5, 2, 3, 5 */

static int64_t clamp_points(__int128 v)
{
    return v > IDLE_MAX_POINTS ? IDLE_MAX_POINTS : v < 0 ? 0 : (int64_t)v;
}

int64_t idle_add(int64_t a, int64_t b)
{
    return clamp_points((__int128)a + b);
}

int64_t idle_base_revenue(const idle_stats_t *s)
{
    /* (a/2) × (u/2) / 200 = a × u / 800, floored; sums are never negative */
    return (int64_t)s->ability_sum * s->uniqueness_sum / 800 + 1;
}

int64_t idle_cycle_ms(const idle_stats_t *s)
{
    /* 10 s − (strength_sum / 2) / 10 s = 10000 − 50 × strength_sum ms */
    int64_t ms = 10000 - 50 * (int64_t)s->strength_sum;
    return ms < 1000 ? 1000 : ms;
}

int64_t idle_level(int64_t owned)
{
    return owned > 0 ? owned / IDLE_UNITS_PER_LEVEL : 0;
}

int64_t idle_revenue(const idle_stats_t *s, int64_t owned)
{
    if (owned <= 0)
        return 0;
    /* base × owned × (10 + level) / 10; owned < 2^31 in practice, __int128 holds any int64 */
    __int128 v = (__int128)idle_base_revenue(s) * owned;
    if (v > IDLE_MAX_POINTS)
        return IDLE_MAX_POINTS;
    v = v * (10 + idle_level(owned)) / 10;
    return clamp_points(v);
}

/* ---- a tiny unsigned big integer: just what the cost fraction needs ---- */

#define BIG_LIMBS 64 /* 2048 bits: the cost pre-check keeps every numerator under ~1300 bits */

typedef struct big { uint32_t limb[BIG_LIMBS]; int n; } big_t;

static void big_set(big_t *b, uint32_t v)
{
    memset(b, 0, sizeof *b);
    b->limb[0] = v;
    b->n = 1;
}

static void big_mul(big_t *b, uint32_t k)
{
    uint64_t carry = 0;
    for (int i = 0; i < b->n; i++) {
        uint64_t v = (uint64_t)b->limb[i] * k + carry;
        b->limb[i] = (uint32_t)v;
        carry = v >> 32;
    }
    if (carry && b->n < BIG_LIMBS)
        b->limb[b->n++] = (uint32_t)carry;
}

static void big_div(big_t *b, uint32_t k)
{
    uint64_t rem = 0;
    for (int i = b->n - 1; i >= 0; i--) {
        uint64_t cur = (rem << 32) | b->limb[i];
        b->limb[i] = (uint32_t)(cur / k);
        rem = cur % k;
    }
    while (b->n > 1 && b->limb[b->n - 1] == 0)
        b->n--;
}

static void big_shr(big_t *b, int64_t bits)
{
    int64_t words = bits / 32;
    int s = (int)(bits % 32);
    if (words >= b->n) {
        big_set(b, 0);
        return;
    }
    for (int i = 0; i < b->n - words; i++) {
        uint64_t lo = b->limb[i + words];
        uint64_t hi = (i + words + 1 < b->n) ? b->limb[i + words + 1] : 0;
        b->limb[i] = (uint32_t)(((hi << 32) | lo) >> s);
    }
    for (int i = b->n - (int)words; i < b->n; i++)
        b->limb[i] = 0;
    b->n -= (int)words;
    while (b->n > 1 && b->limb[b->n - 1] == 0)
        b->n--;
}

int64_t idle_unit_cost(int64_t index, int rarity, int64_t owned)
{
    if (index < 0 || owned < 0 || rarity < 0 || rarity > 5)
        return IDLE_UNREACHABLE;
    /* Lower bound: cost >= 10 × 1.5^i × 1.15^o. With log2(1.5) > 0.5849 and log2(1.15) > 0.2016,
     * 0.5849 i + 0.2016 o > 57 means cost > 10 × 2^57 > 10^18: out of reach, no big maths. */
    if (index > 100000 || owned > 100000 || 5849 * index + 2016 * owned > 570000)
        return IDLE_UNREACHABLE;
    /* cost = floor(3^i × m × 23^o / (2^(i + 2o) × 5^o)), m the multiplier in tenths:
     * 10 × (3/2)^i × (m/10) × (23/20)^o with 20 = 2^2 × 5 */
    big_t b;
    big_set(&b, (uint32_t)MULTIPLIER_TENTHS[rarity]);
    for (int64_t k = 0; k < index; k++)
        big_mul(&b, 3);
    for (int64_t k = 0; k < owned; k++)
        big_mul(&b, 23);
    for (int64_t k = 0; k < owned; k++)
        big_div(&b, 5); /* floor(floor(x / a) / b) = floor(x / ab) for positive integers */
    big_shr(&b, index + 2 * owned);
    if (b.n > 2)
        return IDLE_UNREACHABLE;
    uint64_t v = (uint64_t)b.limb[0] | ((uint64_t)(b.n > 1 ? b.limb[1] : 0) << 32);
    return v > (uint64_t)IDLE_MAX_POINTS ? IDLE_UNREACHABLE : (int64_t)v;
}

int64_t idle_manager_cost(int64_t index)
{
    /* 1000 × 2^49 < 10^18 < 1000 × 2^50 */
    if (index < 0 || index > 49)
        return IDLE_UNREACHABLE;
    return 1000LL << index;
}

void idle_settle_managed(int64_t revenue, int64_t cycle_ms, int64_t last_ms, int64_t now_ms, int64_t *earned,
                         int64_t *new_last_ms)
{
    *earned = 0;
    *new_last_ms = last_ms;
    if (cycle_ms <= 0 || revenue <= 0 || now_ms <= last_ms)
        return;
    int64_t elapsed = now_ms - last_ms, cycles;
    if (elapsed > IDLE_OFFLINE_CAP_MS) {
        cycles = IDLE_OFFLINE_CAP_MS / cycle_ms;
        *new_last_ms = now_ms; /* time beyond the cap is forfeited */
    } else {
        cycles = elapsed / cycle_ms;
        *new_last_ms = last_ms + cycles * cycle_ms;
    }
    *earned = clamp_points((__int128)cycles * revenue);
}

int idle_cycle_ready(int64_t cycle_ms, int64_t last_ms, int64_t now_ms)
{
    return now_ms - last_ms >= cycle_ms;
}
