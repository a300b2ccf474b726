/* test_creatures: the GAME.md reference tables and the derived-score formulas,
 * including the half-away-from-zero rounding at one decimal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "game/creatures.h"

/* Exact comparison is intended: the derived scores are tenths divided by 10.0, which is the
 * double closest to the decimal literal. */
#define assert_score(actual, expected)                                                                   \
    do {                                                                                                 \
        if ((actual) != (expected))                                                                      \
            fail_msg("%s = %.17g, want %.17g", #actual, (double)(actual), (double)(expected));         \
    } while (0)

static void set_all(int t[TRAIT_COUNT], int v)
{
    for (int i = 0; i < TRAIT_COUNT; i++)
        t[i] = v;
}

static void test_derive_formulas(void **state)
{
    (void)state;
    int t[TRAIT_COUNT];
    derived_scores_t d;
    t[TRAIT_FRIENDLINESS] = 80;
    t[TRAIT_PLAYFULNESS] = 61;
    t[TRAIT_CREATIVITY] = 40;
    t[TRAIT_EMPATHY] = 71;
    t[TRAIT_ENERGY] = 90;
    t[TRAIT_CONFIDENCE] = 33;
    t[TRAIT_HUMOR] = 20;
    t[TRAIT_CURIOSITY] = 55;
    creatures_derive(t, &d);
    assert_score(d.ability, 47.5);    /* (40 + 55) / 2 */
    assert_score(d.strength, 61.5);   /* (90 + 33) / 2 */
    assert_score(d.affection, 75.5);  /* (80 + 71) / 2 */
    assert_score(d.uniqueness, 40.5); /* (61 + 20) / 2 */
    assert_score(d.overall, 56.3);    /* 450 / 8 = 56.25 -> 56.3 */
}

static void test_derive_rounding(void **state)
{
    (void)state;
    int t[TRAIT_COUNT];
    derived_scores_t d;
    /* Overall = sum / 8: every eighth in turn. Ties (.25, .75) round away from zero. */
    static const struct {
        int extra;
        double want;
    } cases[] = {
        {0, 50.0}, {1, 50.1}, {2, 50.3}, {3, 50.4}, {4, 50.5}, {5, 50.6}, {6, 50.8}, {7, 50.9},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        set_all(t, 50);
        t[TRAIT_HUMOR] += cases[i].extra;
        creatures_derive(t, &d);
        assert_score(d.overall, cases[i].want);
    }
    set_all(t, 0);
    creatures_derive(t, &d);
    assert_score(d.overall, 0.0);
    assert_score(d.ability, 0.0);
    set_all(t, 100);
    creatures_derive(t, &d);
    assert_score(d.overall, 100.0);
    assert_score(d.strength, 100.0);
    /* 0 and 1 -> 0.5, and 99 + 100 -> 99.5: halves are kept, not rounded away. */
    set_all(t, 0);
    t[TRAIT_CREATIVITY] = 1;
    t[TRAIT_ENERGY] = 99;
    t[TRAIT_CONFIDENCE] = 100;
    creatures_derive(t, &d);
    assert_score(d.ability, 0.5);
    assert_score(d.strength, 99.5);
    assert_score(d.overall, 25.0); /* 200 / 8 */
    /* Negative inputs never occur, but the rounding stays symmetric if they do. */
    set_all(t, 0);
    t[TRAIT_HUMOR] = -2;
    creatures_derive(t, &d);
    assert_score(d.overall, -0.3); /* -0.25 -> -0.3 */
    assert_score(d.uniqueness, -1.0);
}

static void test_name_lookups(void **state)
{
    (void)state;
    static const char *const bodies[BODY_TYPE_COUNT] = {
        "Floof", "Beanie", "Blob", "Noodle", "Squishy", "Spike", "Athlete", "Sleek", "Knight", "Guardian",
        "Ranger", "Mage", "Dragon", "Beast", "Mech", "Spirit", "Titan", "Robot", "Zombie", "Gothic",
    };
    static const char *const rarities[RARITY_COUNT] = {"Common", "Uncommon", "Rare", "Epic", "Legendary", "Mythical"};
    static const char *const traits[TRAIT_COUNT] = {"Friendliness", "Playfulness", "Creativity", "Empathy",
                                                    "Energy",       "Confidence",  "Humor",      "Curiosity"};
    for (int i = 0; i < BODY_TYPE_COUNT; i++) {
        assert_string_equal(BODY_TYPE_NAMES[i], bodies[i]);
        assert_int_equal(body_type_from_name(bodies[i]), i);
    }
    for (int i = 0; i < RARITY_COUNT; i++) {
        assert_string_equal(RARITY_NAMES[i], rarities[i]);
        assert_int_equal(rarity_from_name(rarities[i]), i);
    }
    for (int i = 0; i < TRAIT_COUNT; i++)
        assert_string_equal(TRAIT_NAMES[i], traits[i]);
    /* One spelling everywhere: no case folding, no trimming. */
    assert_int_equal(rarity_from_name("common"), -1);
    assert_int_equal(rarity_from_name("Mythic"), -1);
    assert_int_equal(rarity_from_name(""), -1);
    assert_int_equal(rarity_from_name(NULL), -1);
    assert_int_equal(body_type_from_name("floof"), -1);
    assert_int_equal(body_type_from_name("Floof "), -1);
    assert_int_equal(body_type_from_name(NULL), -1);
}

static void test_rarity_tables(void **state)
{
    (void)state;
    static const int bonus[RARITY_COUNT] = {0, 5, 10, 15, 20, 25};
    static const double mult[RARITY_COUNT] = {1, 1.2, 1.5, 2, 3, 5};
    static const int weight[RARITY_COUNT] = {1, 2, 4, 8, 16, 32};
    for (int i = 0; i < RARITY_COUNT; i++) {
        assert_int_equal(RARITY_TRAIT_BONUS[i], bonus[i]);
        assert_score(RARITY_TEAM_MULTIPLIER[i], mult[i]);
        assert_int_equal(RARITY_WEIGHT[i], weight[i]);
    }
}

/* Every profile is in range and body types really differ (each has a distinct strongest pair). */
static void test_profiles(void **state)
{
    (void)state;
    for (int b = 0; b < BODY_TYPE_COUNT; b++) {
        assert_non_null(BODY_TYPE_DESCRIPTIONS[b]);
        assert_true(strlen(BODY_TYPE_DESCRIPTIONS[b]) > 10);
        for (int t = 0; t < TRAIT_COUNT; t++)
            assert_in_range(BODY_TYPE_PROFILE[b][t], 0, 100);
        for (int o = 0; o < b; o++)
            assert_memory_not_equal(BODY_TYPE_PROFILE[b], BODY_TYPE_PROFILE[o], TRAIT_COUNT);
    }
    for (int t = 0; t < TRAIT_COUNT; t++)
        assert_true(strlen(TRAIT_DESCRIPTIONS[t]) > 10);
    /* The characterful ones GAME.md's brief calls out. */
    const unsigned char *ath = BODY_TYPE_PROFILE[body_type_from_name("Athlete")];
    const unsigned char *mage = BODY_TYPE_PROFILE[body_type_from_name("Mage")];
    const unsigned char *floof = BODY_TYPE_PROFILE[body_type_from_name("Floof")];
    const unsigned char *zombie = BODY_TYPE_PROFILE[body_type_from_name("Zombie")];
    assert_true(ath[TRAIT_ENERGY] >= 75 && ath[TRAIT_CONFIDENCE] >= 75);
    assert_true(mage[TRAIT_CREATIVITY] >= 75 && mage[TRAIT_CURIOSITY] >= 75);
    assert_true(floof[TRAIT_FRIENDLINESS] >= 75 && floof[TRAIT_EMPATHY] >= 75);
    assert_true(zombie[TRAIT_ENERGY] <= 25 && zombie[TRAIT_HUMOR] >= 75);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derive_formulas), cmocka_unit_test(test_derive_rounding),
        cmocka_unit_test(test_name_lookups),    cmocka_unit_test(test_rarity_tables),
        cmocka_unit_test(test_profiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
