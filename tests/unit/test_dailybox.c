/* test_dailybox: the 24 h cooldown arithmetic and the box-streak rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "game/dailybox.h"
#include "game/shop.h"

static void test_cooldown(void **state)
{
    (void)state;
    assert_true(dailybox_seconds_left(-1, 1000) == 0);
    assert_true(dailybox_seconds_left(1000, 1000) == DAILYBOX_COOLDOWN_S);
    assert_true(dailybox_seconds_left(1000, 1000 + DAILYBOX_COOLDOWN_S - 1) == 1);
    assert_true(dailybox_seconds_left(1000, 1000 + DAILYBOX_COOLDOWN_S) == 0);
    assert_true(dailybox_seconds_left(1000, 1000 + 25 * 3600) == 0);
    assert_int_equal(DAILYBOX_MOTES, 5);
}

static void test_streak(void **state)
{
    (void)state;
    assert_int_equal(dailybox_streak_next(0, -1, 100), 1);
    assert_int_equal(dailybox_streak_next(3, 99, 100), 4);
    assert_int_equal(dailybox_streak_next(3, 100, 100), 3);
    assert_int_equal(dailybox_streak_next(6, 98, 100), 1);
    int s = 0;
    long prev = -1;
    for (long d = 10; d < 17; d++) {
        s = dailybox_streak_next(s, prev, d);
        prev = d;
    }
    assert_int_equal(s, 7);
}

static void test_shop_items(void **state)
{
    (void)state;
    assert_int_equal(shop_find("avatar_reset")->price, 299);
    assert_int_equal(shop_find("extra_box")->price, 150);
    assert_int_equal(shop_find("encounter_refresh")->price, 50);
    assert_null(shop_find("free_motes"));
    assert_null(shop_find(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cooldown),
        cmocka_unit_test(test_streak),
        cmocka_unit_test(test_shop_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
