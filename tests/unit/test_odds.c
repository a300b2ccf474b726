/* test_odds: the box odds of GAME.md over a million seeded draws: each rarity lands within 0.1
 * percentage point of Common 75 %, Uncommon 20 %, Rare 4.2 %, Epic 0.7 %, Legendary 0.1 %,
 * and Mythical never comes from a box. Plus the visitor's 1 in 7 and the edge cases of
 * odds_one_in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "game/odds.h"

#define DRAWS 1000000

static void test_box_odds(void **state)
{
    (void)state;
    static const double WANT[RARITY_COUNT] = {75.0, 20.0, 4.2, 0.7, 0.1, 0.0};
    int sum = 0;
    for (int i = 0; i < RARITY_COUNT; i++)
        sum += ODDS_BOX_PERMILLE[i];
    assert_int_equal(sum, 1000);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        rng_t r;
        rng_seed(&r, seed);
        long counts[RARITY_COUNT] = {0};
        for (int i = 0; i < DRAWS; i++) {
            rarity_t x = odds_box_rarity(&r);
            assert_true(x >= RARITY_COMMON && x <= RARITY_MYTHICAL);
            counts[x]++;
        }
        for (int i = 0; i < RARITY_COUNT; i++) {
            double pct = 100.0 * (double)counts[i] / DRAWS;
            printf("seed %llu %-9s %7.3f %% (want %.1f)\n", (unsigned long long)seed, RARITY_NAMES[i], pct, WANT[i]);
            assert_true(pct > WANT[i] - 0.1 && pct < WANT[i] + 0.1);
        }
        assert_int_equal(counts[RARITY_MYTHICAL], 0);
        assert_true(counts[RARITY_LEGENDARY] > 0);
    }
}

static void test_one_in(void **state)
{
    (void)state;
    rng_t r;
    rng_seed(&r, 77);
    long hits = 0;
    for (int i = 0; i < DRAWS; i++)
        hits += odds_one_in(&r, ODDS_VISITOR_ONE_IN);
    double pct = 100.0 * (double)hits / DRAWS;
    assert_true(pct > 100.0 / 7 - 0.1 && pct < 100.0 / 7 + 0.1);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(odds_one_in(&r, 0), 0);
        assert_int_equal(odds_one_in(&r, -3), 0);
        assert_int_equal(odds_one_in(&r, 1), 1);
    }
}

static void test_seeded_replay(void **state)
{
    (void)state;
    rng_t a, b;
    rng_seed(&a, 2026);
    rng_seed(&b, 2026);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(odds_box_rarity(&a), odds_box_rarity(&b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_box_odds),
        cmocka_unit_test(test_one_in),
        cmocka_unit_test(test_seeded_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
