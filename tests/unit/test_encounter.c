/* test_encounter: the meeting rules at their edges (a tie is not a win, 2 of 3 wins, 1 of 3
 * loses) and the trait draw (three distinct traits, every trait and every set reachable,
 * roughly uniform). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "game/encounter.h"

static void fill(int t[TRAIT_COUNT], int v)
{
    for (int i = 0; i < TRAIT_COUNT; i++)
        t[i] = v;
}

static const int TRIO[ENCOUNTER_TRAITS] = {TRAIT_ENERGY, TRAIT_HUMOR, TRAIT_EMPATHY};

/* Player scores on the three drawn traits against a wild creature with 50 everywhere. */
static encounter_outcome_t meet(int a, int b, int c)
{
    int player[TRAIT_COUNT], wild[TRAIT_COUNT];
    fill(player, 0);
    fill(wild, 50);
    player[TRIO[0]] = a;
    player[TRIO[1]] = b;
    player[TRIO[2]] = c;
    encounter_outcome_t o;
    encounter_resolve(player, wild, TRIO, &o);
    return o;
}

static void test_edges(void **state)
{
    (void)state;
    encounter_outcome_t o;
    o = meet(50, 50, 50); /* all ties */
    assert_int_equal(o.wins, 0);
    assert_false(o.won);
    o = meet(51, 50, 50); /* one win, two ties */
    assert_int_equal(o.wins, 1);
    assert_false(o.won);
    o = meet(51, 51, 50); /* two wins and a tie */
    assert_int_equal(o.wins, 2);
    assert_true(o.won);
    o = meet(51, 51, 0); /* two wins and a loss */
    assert_true(o.won);
    o = meet(100, 0, 0); /* one win, two losses */
    assert_false(o.won);
    o = meet(100, 100, 100);
    assert_int_equal(o.wins, 3);
    assert_true(o.won);
    o = meet(49, 49, 100);
    assert_false(o.won);
    /* the outcome names the traits and both scores */
    o = meet(60, 40, 50);
    assert_memory_equal(o.traits, TRIO, sizeof TRIO);
    assert_int_equal(o.player[0], 60);
    assert_int_equal(o.wild[0], 50);
    assert_int_equal(o.player_wins[0], 1);
    assert_int_equal(o.player_wins[1], 0);
    assert_int_equal(o.player_wins[2], 0);
    /* only the drawn traits count: a player better everywhere else still loses */
    int player[TRAIT_COUNT], wild[TRAIT_COUNT];
    fill(player, 100);
    fill(wild, 50);
    player[TRAIT_ENERGY] = player[TRAIT_HUMOR] = 50;
    encounter_resolve(player, wild, TRIO, &o);
    assert_false(o.won);
}

static void test_draw(void **state)
{
    (void)state;
    rng_t r;
    rng_seed(&r, 5);
    long per_trait[TRAIT_COUNT] = {0};
    static long per_set[256];
    memset(per_set, 0, sizeof per_set);
    const int N = 560000;
    for (int i = 0; i < N; i++) {
        int t[ENCOUNTER_TRAITS];
        encounter_draw_traits(&r, t);
        int mask = 0;
        for (int k = 0; k < ENCOUNTER_TRAITS; k++) {
            assert_in_range(t[k], 0, TRAIT_COUNT - 1);
            assert_false(mask & (1 << t[k]));
            mask |= 1 << t[k];
            per_trait[t[k]]++;
        }
        per_set[mask]++;
    }
    /* each trait is in 3/8 of the draws; each of the 56 sets in 1/56 */
    for (int i = 0; i < TRAIT_COUNT; i++)
        assert_in_range(per_trait[i], N * 3 / 8 - 3000, N * 3 / 8 + 3000);
    int sets = 0;
    for (int m = 0; m < 256; m++)
        if (per_set[m]) {
            sets++;
            assert_in_range(per_set[m], N / 56 - 500, N / 56 + 500);
        }
    assert_int_equal(sets, 56);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_draw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
