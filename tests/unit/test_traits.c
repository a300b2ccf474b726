/* test_traits: the re-roll rule: deterministic for a seeded generator, always within 0..100,
 * centred on base + rarity bonus with noise never beyond +-12, and clamped at both ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "game/traits.h"

static void test_deterministic(void **state)
{
    (void)state;
    int base[TRAIT_COUNT] = {50, 40, 60, 30, 70, 20, 80, 55};
    int a[TRAIT_COUNT], b[TRAIT_COUNT], c[TRAIT_COUNT];
    rng_t r1, r2, r3;
    rng_seed(&r1, 42);
    rng_seed(&r2, 42);
    rng_seed(&r3, 43);
    traits_roll(&r1, base, RARITY_RARE, a);
    traits_roll(&r2, base, RARITY_RARE, b);
    traits_roll(&r3, base, RARITY_RARE, c);
    assert_memory_equal(a, b, sizeof a);
    assert_true(memcmp(a, c, sizeof a) != 0); /* another seed, other noise */
}

static void test_bounds_and_centre(void **state)
{
    (void)state;
    int base[TRAIT_COUNT] = {50, 40, 60, 30, 70, 20, 80, 55};
    rng_t r;
    rng_seed(&r, 7);
    for (int rarity = 0; rarity < RARITY_COUNT; rarity++) {
        long sum[TRAIT_COUNT] = {0};
        const int n = 4000;
        for (int i = 0; i < n; i++) {
            int out[TRAIT_COUNT];
            traits_roll(&r, base, rarity, out);
            for (int t = 0; t < TRAIT_COUNT; t++) {
                int want = base[t] + RARITY_TRAIT_BONUS[rarity];
                assert_true(out[t] >= 0 && out[t] <= 100);
                if (want + TRAITS_NOISE_MAX <= 100) {
                    assert_true(out[t] >= want - TRAITS_NOISE_MAX && out[t] <= want + TRAITS_NOISE_MAX);
                }
                sum[t] += out[t];
            }
        }
        for (int t = 0; t < TRAIT_COUNT; t++) {
            int want = base[t] + RARITY_TRAIT_BONUS[rarity];
            if (want + TRAITS_NOISE_MAX > 100)
                continue; /* clamped: the mean is pulled down */
            double mean = (double)sum[t] / n;
            assert_true(mean > want - 0.5 && mean < want + 0.5);
        }
    }
}

static void test_clamped(void **state)
{
    (void)state;
    int high[TRAIT_COUNT] = {100, 100, 100, 100, 100, 100, 100, 100};
    int low[TRAIT_COUNT] = {0, 0, 0, 0, 0, 0, 0, 0};
    int silly[TRAIT_COUNT] = {-50, 500, 0, 100, 0, 100, 0, 100};
    rng_t r;
    rng_seed(&r, 1);
    int seen_100 = 0, seen_0 = 0;
    for (int i = 0; i < 200; i++) {
        int out[TRAIT_COUNT];
        traits_roll(&r, high, RARITY_MYTHICAL, out);
        for (int t = 0; t < TRAIT_COUNT; t++) {
            assert_int_equal(out[t], 100); /* 100 + 25 - 12 > 100 */
            seen_100++;
        }
        traits_roll(&r, low, RARITY_COMMON, out);
        for (int t = 0; t < TRAIT_COUNT; t++) {
            assert_true(out[t] >= 0 && out[t] <= TRAITS_NOISE_MAX);
            seen_0 += out[t] == 0;
        }
        traits_roll(&r, silly, -1, out); /* unknown rarity = Common; bases clamped first */
        assert_true(out[0] >= 0 && out[0] <= TRAITS_NOISE_MAX);
        assert_true(out[1] >= 100 - TRAITS_NOISE_MAX && out[1] <= 100);
    }
    assert_true(seen_100 > 0 && seen_0 > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_bounds_and_centre),
        cmocka_unit_test(test_clamped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
