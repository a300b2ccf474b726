/* test_team: the team score (Σ overall × rarity multiplier + 2 × Σ rizz) in exact hundredths,
 * overall rounding identical to creatures_derive, and the shape checks of a team request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "game/creatures.h"
#include "game/team.h"

static void test_overall_matches_creatures(void **state)
{
    (void)state;
    /* every possible trait sum: the same tenths creatures_derive produces */
    for (int sum = 0; sum <= 800; sum++) {
        int t[TRAIT_COUNT];
        int rest = sum;
        for (int i = 0; i < TRAIT_COUNT; i++) {
            t[i] = rest > 100 ? 100 : rest;
            rest -= t[i];
        }
        derived_scores_t d;
        creatures_derive(t, &d);
        int want = (int)(d.overall * 10 + 0.5);
        if (team_overall_tenths(sum) != want)
            fail_msg("sum %d: %d tenths, creatures_derive says %.1f", sum, team_overall_tenths(sum), d.overall);
    }
}

static void test_score(void **state)
{
    (void)state;
    assert_int_equal(team_score_x100(NULL, 0), 0);
    /* one Common, overall 50.0, rizz 1: 50 × 1 + 2 × 1 = 52 */
    team_member_t a = {500, RARITY_COMMON, 1};
    assert_int_equal(team_score_x100(&a, 1), 5200);
    /* Uncommon 56.3 × 1.2 = 67.56, rizz 10 -> + 20 */
    team_member_t b = {563, RARITY_UNCOMMON, 10};
    assert_int_equal(team_member_score_x100(&b), 6756 + 2000);
    /* the multipliers 1, 1.2, 1.5, 2, 3, 5 on overall 100 */
    int64_t want[6] = {10000, 12000, 15000, 20000, 30000, 50000};
    for (int r = 0; r < 6; r++) {
        team_member_t m = {1000, r, 0};
        assert_int_equal(team_member_score_x100(&m), want[r]);
    }
    /* five slots; a sixth is never counted */
    team_member_t five[6] = {{500, 0, 1}, {563, 1, 10}, {771, 2, 3}, {1000, 5, 10}, {0, 3, 0}, {999, 5, 10}};
    int64_t sum = 5200 + 8756 + (771 * 15 + 600) + (50000 + 2000) + 0;
    assert_int_equal(team_score_x100(five, 5), sum);
    assert_int_equal(team_score_x100(five, 6), sum);
    char s[32];
    team_format_x100(sum, s, sizeof s);
    assert_string_equal(s, "781.21");
    team_format_x100(700, s, sizeof s);
    assert_string_equal(s, "7.00");
    team_format_x100(5, s, sizeof s);
    assert_string_equal(s, "0.05");
    /* a multiplier table in agreement with creatures.c */
    for (int r = 0; r < 6; r++)
        assert_int_equal(TEAM_MULTIPLIER_TENTHS[r], (int)(RARITY_TEAM_MULTIPLIER[r] * 10 + 0.5));
}

static void test_check_ids(void **state)
{
    (void)state;
    const char *one[] = {"a"};
    const char *dup[] = {"0f8fad5b-d9cb-469f-a165-70867728950e", "x", "0F8FAD5B-D9CB-469F-A165-70867728950E"};
    const char *six[] = {"a", "b", "c", "d", "e", "f"};
    const char *five[] = {"a", "b", "c", "d", "e"};
    assert_int_equal(team_check_ids(one, 0), TEAM_EMPTY);
    assert_int_equal(team_check_ids(one, 1), TEAM_OK);
    assert_int_equal(team_check_ids(dup, 3), TEAM_DUPLICATE);
    assert_int_equal(team_check_ids(six, 6), TEAM_TOO_MANY);
    assert_int_equal(team_check_ids(five, 5), TEAM_OK);
    assert_non_null(strstr(team_check_message(TEAM_TOO_MANY), "5"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overall_matches_creatures),
        cmocka_unit_test(test_score),
        cmocka_unit_test(test_check_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
