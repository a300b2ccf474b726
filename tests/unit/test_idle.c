/* test_idle: the idle-game formulas at their edges: the 1-second cycle floor, the 8-hour
 * offline cap, exact unit costs against a table computed with exact rationals (Python
 * fractions) up to and past the 10^18 ceiling, and huge indexes without overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "game/idle.h"

static idle_stats_t stats(int ability_sum, int uniqueness_sum, int strength_sum, int rarity)
{
    idle_stats_t s = {ability_sum, uniqueness_sum, strength_sum, rarity};
    return s;
}

static void test_base_and_cycle(void **state)
{
    (void)state;
    idle_stats_t s = stats(0, 0, 0, 0);
    assert_int_equal(idle_base_revenue(&s), 1);     /* floor(0) + 1 */
    assert_int_equal(idle_cycle_ms(&s), 10000);     /* 10 − 0 */
    s = stats(200, 200, 200, 0);
    assert_int_equal(idle_base_revenue(&s), 51);    /* 100 × 100 / 200 + 1 */
    assert_int_equal(idle_cycle_ms(&s), 1000);      /* max(1, 10 − 10) = 1 s: the floor */
    s = stats(181, 3, 181, 0);                     /* Ability 90.5, Uniqueness 1.5 */
    assert_int_equal(idle_base_revenue(&s), 1);     /* floor(135.75 / 200) + 1 */
    assert_int_equal(idle_cycle_ms(&s), 1000);      /* Strength 90.5: 10 − 9.05 = 0.95 s -> the 1 s floor */
    s = stats(100, 160, 179, 0);                    /* Strength 89.5 -> 10 − 8.95 = 1.05 s */
    assert_int_equal(idle_cycle_ms(&s), 1050);
    assert_int_equal(idle_base_revenue(&s), 21);    /* 50 × 80 / 200 + 1 */
    s = stats(0, 0, 180, 0);                        /* Strength 90: exactly 1 s */
    assert_int_equal(idle_cycle_ms(&s), 1000);
    s = stats(0, 0, 179, 0);
    assert_int_equal(idle_cycle_ms(&s), 1050);
    s = stats(0, 0, 99, 0);                         /* Strength 49.5: 5.05 s */
    assert_int_equal(idle_cycle_ms(&s), 5050);
}

static void test_revenue_and_level(void **state)
{
    (void)state;
    idle_stats_t s = stats(100, 100, 100, 0);      /* base = 50 × 50 / 200 + 1 = 13 */
    assert_int_equal(idle_base_revenue(&s), 13);
    assert_int_equal(idle_revenue(&s, 0), 0);
    assert_int_equal(idle_revenue(&s, 1), 13);
    assert_int_equal(idle_level(9), 0);
    assert_int_equal(idle_level(10), 1);
    assert_int_equal(idle_revenue(&s, 9), 117);
    assert_int_equal(idle_revenue(&s, 10), 143);   /* 13 × 10 × 1.1 */
    assert_int_equal(idle_revenue(&s, 15), 214);   /* floor(13 × 15 × 1.1) = floor(214.5) */
    assert_int_equal(idle_revenue(&s, 100), 2600); /* 13 × 100 × 2 */
    /* absurd unit counts saturate instead of overflowing */
    assert_int_equal(idle_revenue(&s, INT64_MAX), IDLE_MAX_POINTS);
    assert_int_equal(idle_revenue(&s, 1000000000000LL), IDLE_MAX_POINTS);
}

static const struct { int64_t index; int rarity; int64_t owned; long long want; } COSTS[] = {
{0, 0, 0, 10LL},
{0, 5, 0, 50LL},
{1, 0, 0, 15LL},
{0, 0, 1, 11LL},
{96, 0, 0, 803083807476968370LL},
{97, 0, 0, -1LL},
{0, 0, 280, 989453294807576858LL},
{0, 0, 281, -1LL},
{92, 5, 0, 793169192569845303LL},
{93, 5, 0, -1LL},
{10, 2, 25, 28474LL},
{60, 4, 50, 1195332742222542LL},
{5, 5, 150, 483172660677LL},
{41, 3, 18, 4105185094LL},
{68, 2, 64, 108382373485008311LL},
{27, 0, 17, 6114025LL},
{30, 4, 144, 3164812879410831LL},
{15, 5, 15, 178158LL},
{73, 3, 28, 7165251465558956LL},
{5, 1, 73, 2457988LL},
{69, 4, 23, 1055524838885300LL},
{13, 4, 95, 3408807337LL},
{12, 5, 15, 52787LL},
{79, 3, 27, 70971036934680422LL},
{99, 3, 0, -1LL},
{46, 1, 153, -1LL},
{89, 0, 16, 439832686971130016LL},
{63, 5, 77, 292720428398400178LL},
{9, 4, 175, 48313071444219LL},
{19, 3, 171, 1061926890221342LL},
{9, 4, 285, -1LL},
{40, 5, 127, 28264811370249559LL},
{74, 0, 233, -1LL},
{34, 5, 15, 394948453LL},
{93, 5, 10, -1LL},
{57, 5, 85, 78611883263906484LL},
{44, 3, 29, 64458881361LL},
{63, 1, 30, 98597471368374LL},
{16, 3, 223, 450929387286238276LL},
{63, 1, 70, 26410668330507380LL},
{35, 3, 70, 516503046374LL},
{35, 2, 97, 16864592054686LL},
{29, 0, 59, 4873254511LL},
{84, 0, 37, -1LL},
{23, 2, 107, 525846678646LL},
{68, 4, 16, 264540588997225LL},
{88, 4, 23, -1LL},
{6, 5, 233, 79088686171557616LL},
{50, 3, 123, 372758291003164800LL},
{81, 0, 13, 11284021581595797LL},
{56, 0, 6, 167995461533LL},
{13, 4, 25, 192200LL},
{46, 0, 13, 7749431454LL},
{78, 1, 22, 14114059377567500LL},
{77, 3, 54, -1LL},
{62, 3, 10, 6693703337156LL},
{18, 5, 67, 861723568LL},
{61, 4, 67, 19294936818540043LL},
{46, 5, 6, 14566491609LL},
{97, 2, 270, -1LL},
{11, 4, 42, 919251LL},
{45, 4, 128, 148098778826554490LL},
{42, 4, 114, 6201659751390410LL},
{97, 1, 99, -1LL},
{94, 1, 5, 861487140444622171LL},
{93, 0, 14, -1LL},
{60, 1, 44, 206710132303775LL},
{57, 2, 13, 1005460351891LL},
{29, 1, 123, 44839640516326LL},
{79, 3, 0, 1630194640742728LL},
{44, 5, 99, 2858061684621669LL},
{100, 3, 102, -1LL},
{55, 0, 170, -1LL}
};

static void test_unit_cost(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof COSTS / sizeof COSTS[0]; i++) {
        int64_t got = idle_unit_cost(COSTS[i].index, COSTS[i].rarity, COSTS[i].owned);
        if (got != COSTS[i].want)
            fail_msg("cost(index %lld, rarity %d, owned %lld) = %lld, want %lld", (long long)COSTS[i].index,
                     COSTS[i].rarity, (long long)COSTS[i].owned, (long long)got, COSTS[i].want);
    }
    /* big indexes: no overflow, no time */
    assert_int_equal(idle_unit_cost(199999, 5, 0), IDLE_UNREACHABLE);
    assert_int_equal(idle_unit_cost(INT64_MAX, 0, INT64_MAX), IDLE_UNREACHABLE);
    assert_int_equal(idle_unit_cost(0, 0, INT64_MAX), IDLE_UNREACHABLE);
    assert_int_equal(idle_unit_cost(-1, 0, 0), IDLE_UNREACHABLE);
    assert_int_equal(idle_unit_cost(0, 6, 0), IDLE_UNREACHABLE);
    /* costs never go down as units are bought */
    for (int r = 0; r < 6; r++)
        for (int64_t o = 0; o < 300; o++) {
            int64_t a = idle_unit_cost(3, r, o), b = idle_unit_cost(3, r, o + 1);
            if (a == IDLE_UNREACHABLE)
                assert_int_equal(b, IDLE_UNREACHABLE);
            else if (b != IDLE_UNREACHABLE)
                assert_true(b >= a);
        }
}

static void test_manager_cost(void **state)
{
    (void)state;
    assert_int_equal(idle_manager_cost(0), 1000);
    assert_int_equal(idle_manager_cost(1), 2000);
    assert_int_equal(idle_manager_cost(10), 1024000);
    assert_int_equal(idle_manager_cost(49), 562949953421312000LL);
    assert_int_equal(idle_manager_cost(50), IDLE_UNREACHABLE); /* 1.13e18 > 10^18 */
    assert_int_equal(idle_manager_cost(64), IDLE_UNREACHABLE);
    assert_int_equal(idle_manager_cost(INT64_MAX), IDLE_UNREACHABLE);
    assert_int_equal(idle_manager_cost(-3), IDLE_UNREACHABLE);
}

static void test_settle(void **state)
{
    (void)state;
    int64_t earned, last;
    /* 10 s and a half at 2 s a cycle: 5 cycles, the half cycle kept */
    idle_settle_managed(7, 2000, 1000000, 1010500, &earned, &last);
    assert_int_equal(earned, 35);
    assert_int_equal(last, 1010000);
    /* not a whole cycle yet */
    idle_settle_managed(7, 2000, 1000000, 1001999, &earned, &last);
    assert_int_equal(earned, 0);
    assert_int_equal(last, 1000000);
    /* exactly 8 h: all of it counts */
    idle_settle_managed(3, 1000, 0, IDLE_OFFLINE_CAP_MS, &earned, &last);
    assert_int_equal(earned, 3 * 28800);
    assert_int_equal(last, IDLE_OFFLINE_CAP_MS);
    /* three days away: 8 h of cycles, and the clock restarts now */
    idle_settle_managed(3, 1000, 0, 3 * 86400000LL, &earned, &last);
    assert_int_equal(earned, 3 * 28800);
    assert_int_equal(last, 3 * 86400000LL);
    /* 8 h and 1 ms, 7 s cycles: floor(28800 / 7) cycles */
    idle_settle_managed(10, 7000, 0, IDLE_OFFLINE_CAP_MS + 1, &earned, &last);
    assert_int_equal(earned, 10 * (28800000 / 7000));
    /* the clock went backwards: nothing, timestamp untouched */
    idle_settle_managed(10, 1000, 5000, 1000, &earned, &last);
    assert_int_equal(earned, 0);
    assert_int_equal(last, 5000);
    /* huge revenue saturates */
    idle_settle_managed(IDLE_MAX_POINTS, 1000, 0, 10000, &earned, &last);
    assert_int_equal(earned, IDLE_MAX_POINTS);
    assert_int_equal(idle_add(IDLE_MAX_POINTS, IDLE_MAX_POINTS), IDLE_MAX_POINTS);
    assert_int_equal(idle_add(40, 2), 42);
    /* an unmanaged business: one cycle, then it waits */
    assert_false(idle_cycle_ready(2000, 1000, 2999));
    assert_true(idle_cycle_ready(2000, 1000, 3000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_and_cycle),
        cmocka_unit_test(test_revenue_and_level),
        cmocka_unit_test(test_unit_cost),
        cmocka_unit_test(test_manager_cost),
        cmocka_unit_test(test_settle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
