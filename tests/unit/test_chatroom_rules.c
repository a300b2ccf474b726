/* test_chatroom_rules: glow per line and its clamp, mood from glow, the unhappy count, the 10 %
 * runaway chance (at its edge and over a seeded run), the 80/50/20 % recovery odds, attitude
 * bounds and how roles are shared among a player's chatlings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "game/chatroom_rules.h"
#include "game/rng.h"

static void test_glow_and_mood(void **state)
{
    (void)state;
    assert_int_equal(chatroom_line_glow(SENTIMENT_POSITIVE), 2);
    assert_int_equal(chatroom_line_glow(SENTIMENT_NEUTRAL), 1);
    assert_int_equal(chatroom_line_glow(SENTIMENT_NEGATIVE), -1);
    assert_int_equal(chatroom_mood_for_glow(3), MOOD_HAPPY);
    assert_int_equal(chatroom_mood_for_glow(2), MOOD_NEUTRAL);
    assert_int_equal(chatroom_mood_for_glow(-2), MOOD_NEUTRAL);
    assert_int_equal(chatroom_mood_for_glow(-3), MOOD_UNHAPPY);
    assert_int_equal(chatroom_mood_for_glow(10), MOOD_HAPPY);
    assert_string_equal(MOOD_NAMES[chatroom_mood_from_name("unhappy")], "unhappy");
    assert_int_equal(chatroom_mood_from_name("sad"), -1);

    chatling_state_t s = {0, MOOD_NEUTRAL, 0};
    assert_int_equal(chatroom_apply_reading(&s, 25), 0);
    assert_int_equal(s.glow, 10); /* clamped */
    assert_int_equal(s.mood, MOOD_HAPPY);
    assert_int_equal(chatroom_apply_reading(&s, -13), 1); /* 10 -> -3: became unhappy */
    assert_int_equal(s.glow, -3);
    assert_int_equal(s.mood, MOOD_UNHAPPY);
    assert_int_equal(s.unhappy_count, 1);
    assert_int_equal(chatroom_apply_reading(&s, -20), 0); /* still unhappy: not counted again */
    assert_int_equal(s.glow, -10);
    assert_int_equal(s.unhappy_count, 1);
    chatroom_apply_reading(&s, 8); /* -2: neutral */
    assert_int_equal(s.mood, MOOD_NEUTRAL);
    assert_int_equal(chatroom_apply_reading(&s, -1), 1); /* unhappy again: second time */
    assert_int_equal(s.unhappy_count, 2);
}

static void test_runaway(void **state)
{
    (void)state;
    /* the edge: 10 % means draws below 0.10 */
    assert_false(chatroom_runs_away(2, 0.0));
    assert_true(chatroom_runs_away(3, 0.0));
    assert_true(chatroom_runs_away(3, 0.0999));
    assert_false(chatroom_runs_away(3, 0.10));
    assert_true(chatroom_runs_away(7, 0.05));
    /* a seeded run: about one read in ten */
    rng_t r;
    rng_seed(&r, 2026);
    int ran = 0;
    for (int i = 0; i < 100000; i++)
        ran += chatroom_runs_away(3, rng_unit(&r));
    assert_in_range(ran, 9500, 10500);
}

static void test_recovery(void **state)
{
    (void)state;
    assert_int_equal(chatroom_recovery_percent(1), 80);
    assert_int_equal(chatroom_recovery_percent(2), 50);
    assert_int_equal(chatroom_recovery_percent(3), 20);
    assert_int_equal(chatroom_recovery_percent(9), 20);
    assert_true(chatroom_recovery_succeeds(1, 0.7999));
    assert_false(chatroom_recovery_succeeds(1, 0.80));
    assert_true(chatroom_recovery_succeeds(2, 0.4999));
    assert_false(chatroom_recovery_succeeds(2, 0.50));
    assert_true(chatroom_recovery_succeeds(3, 0.1999));
    assert_false(chatroom_recovery_succeeds(3, 0.20));
    /* the odds sequence with a seeded generator: each attempt number at its own rate */
    rng_t r;
    rng_seed(&r, 7);
    int won[4] = {0};
    for (int i = 0; i < 50000; i++)
        for (int a = 1; a <= 3; a++)
            won[a] += chatroom_recovery_succeeds(a, rng_unit(&r));
    assert_in_range(won[1], 39500, 40500);
    assert_in_range(won[2], 24500, 25500);
    assert_in_range(won[3], 9500, 10500);
    /* and the same seed gives the same outcomes */
    rng_t a, b;
    rng_seed(&a, 99);
    rng_seed(&b, 99);
    for (int i = 0; i < 100; i++)
        assert_int_equal(chatroom_recovery_succeeds(1 + i % 3, rng_unit(&a)),
                         chatroom_recovery_succeeds(1 + i % 3, rng_unit(&b)));
}

static void test_attitude_and_roles(void **state)
{
    (void)state;
    assert_false(chatroom_attitude_valid(0));
    assert_true(chatroom_attitude_valid(1));
    assert_true(chatroom_attitude_valid(10));
    assert_false(chatroom_attitude_valid(11));
    assert_false(chatroom_attitude_valid(-5));

    int o[CONV_MAX_ROLES];
    chatroom_role_owners(4, 10, o);
    assert_int_equal(o[0], 0);
    assert_int_equal(o[3], 3);
    chatroom_role_owners(4, 2, o); /* two chatlings share four roles */
    assert_int_equal(o[0], 0);
    assert_int_equal(o[1], 1);
    assert_int_equal(o[2], 0);
    assert_int_equal(o[3], 1);
    chatroom_role_owners(3, 5, o);
    assert_int_equal(o[3], -1); /* no role D */
    chatroom_role_owners(4, 0, o);
    for (int r = 0; r < CONV_MAX_ROLES; r++)
        assert_int_equal(o[r], -1);

    static conversation_t c;
    memset(&c, 0, sizeof c);
    c.nroles = 2;
    c.nlines = 4;
    c.lines[0] = (conv_line_t){.role = 0, .sentiment = SENTIMENT_POSITIVE};
    c.lines[1] = (conv_line_t){.role = 1, .sentiment = SENTIMENT_NEGATIVE};
    c.lines[2] = (conv_line_t){.role = 0, .sentiment = SENTIMENT_NEUTRAL};
    c.lines[3] = (conv_line_t){.role = 1, .sentiment = SENTIMENT_NEGATIVE};
    int delta[CONV_MAX_ROLES], lines[CONV_MAX_ROLES];
    chatroom_role_glow(&c, delta, lines);
    assert_int_equal(delta[0], 3);
    assert_int_equal(delta[1], -2);
    assert_int_equal(lines[0], 2);
    assert_int_equal(lines[2], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glow_and_mood),
        cmocka_unit_test(test_runaway),
        cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_attitude_and_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
