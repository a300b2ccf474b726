/* test_clock: ISO weeks at the year edges (week 53, weeks belonging to the neighbouring year),
 * the Monday 00:00 UTC boundary, parsing "YYYY-Www", and the clock offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"

static int64_t ms_of(int y, unsigned m, unsigned d, int hh, int mm, int ss)
{
    return (clock_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss) * 1000LL;
}

static void assert_week(int64_t ms, const char *want)
{
    char got[16];
    clock_week_format(clock_week_of(ms), got, sizeof got);
    assert_string_equal(got, want);
}

static void test_civil_roundtrip(void **state)
{
    (void)state;
    assert_int_equal(clock_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(clock_days_from_civil(2000, 3, 1), 11017);
    for (int64_t z = -800000; z < 800000; z += 97) {
        int y;
        unsigned m, d;
        clock_civil_from_days(z, &y, &m, &d);
        assert_int_equal(clock_days_from_civil(y, m, d), z);
    }
    /* agrees with the C library for a sample of instants */
    for (time_t t = 0; t < 4000000000; t += 86400 * 37 + 3601) {
        struct tm tm;
        gmtime_r(&t, &tm);
        int y;
        unsigned m, d;
        clock_civil_from_days(t / 86400, &y, &m, &d);
        assert_int_equal(y, tm.tm_year + 1900);
        assert_int_equal(m, (unsigned)tm.tm_mon + 1);
        assert_int_equal(d, (unsigned)tm.tm_mday);
    }
}

static void test_iso_weeks(void **state)
{
    (void)state;
    assert_week(0, "1970-W01");                                 /* Thursday 1 January 1970 */
    assert_week(ms_of(2026, 11, 27, 2, 8, 0), "2026-W48");
    assert_week(ms_of(2021, 1, 3, 12, 0, 0), "2020-W53");       /* Sunday: last week of 2020 */
    assert_week(ms_of(2021, 1, 4, 0, 0, 0), "2021-W01");
    assert_week(ms_of(2024, 12, 30, 0, 0, 0), "2025-W01");      /* Monday of 2025's week 1 */
    assert_week(ms_of(2026, 12, 31, 23, 59, 59), "2026-W53");   /* 2026 has 53 weeks */
    assert_week(ms_of(2027, 1, 3, 23, 59, 59), "2026-W53");
    assert_week(ms_of(2027, 1, 4, 0, 0, 0), "2027-W01");
    assert_int_equal(clock_weeks_in_year(2026), 53);
    assert_int_equal(clock_weeks_in_year(2020), 53);
    assert_int_equal(clock_weeks_in_year(2025), 52);
    /* the boundary: Sunday 23:59:59.999 and Monday 00:00:00.000 */
    int64_t monday = ms_of(2026, 11, 30, 0, 0, 0);
    assert_week(monday - 1, "2026-W48");
    assert_week(monday, "2026-W49");
    clock_week_t w = clock_week_of(monday + 5000);
    assert_int_equal(clock_week_start(w), monday);
    /* every week start maps back to its own week, and weeks are 7 days apart */
    for (int y = 1970; y < 2100; y++) {
        int n = clock_weeks_in_year(y);
        for (int k = 1; k <= n; k++) {
            clock_week_t a = {y, k};
            int64_t s = clock_week_start(a);
            clock_week_t b = clock_week_of(s);
            assert_int_equal(b.year, y);
            assert_int_equal(b.week, k);
            assert_int_equal(clock_week_of(s - 1).week, k == 1 ? clock_weeks_in_year(y - 1) : k - 1);
        }
    }
}

static void test_parse(void **state)
{
    (void)state;
    clock_week_t w;
    assert_int_equal(clock_week_parse("2026-W48", &w), 0);
    assert_int_equal(w.year, 2026);
    assert_int_equal(w.week, 48);
    assert_int_equal(clock_week_parse("2026-W53", &w), 0);
    assert_int_equal(clock_week_parse("2025-W53", &w), -1); /* 2025 has 52 weeks */
    assert_int_equal(clock_week_parse("2026-W00", &w), -1);
    assert_int_equal(clock_week_parse("2026-W5", &w), -1);
    assert_int_equal(clock_week_parse("2026W48", &w), -1);
    assert_int_equal(clock_week_parse("2026-w48", &w), -1);
    assert_int_equal(clock_week_parse("2026-W48x", &w), -1);
    assert_int_equal(clock_week_parse("1969-W10", &w), -1);
    assert_int_equal(clock_week_parse("", &w), -1);
    assert_int_equal(clock_week_parse(NULL, &w), -1);
    clock_week_t a = {2026, 48}, b = {2026, 49}, c = {2027, 1};
    assert_true(clock_week_cmp(a, b) < 0);
    assert_true(clock_week_cmp(c, b) > 0);
    assert_int_equal(clock_week_cmp(a, a), 0);
}

static void test_offset_and_format(void **state)
{
    (void)state;
    int64_t before = clock_now();
    clock_set_offset_s(7 * 86400);
    int64_t moved = clock_now();
    clock_set_offset_s(0);
    assert_true(moved - before >= 7 * 86400 * 1000LL);
    assert_true(moved - before < 7 * 86400 * 1000LL + 5000);
    char s[32];
    clock_format_iso(ms_of(2026, 11, 27, 2, 8, 0) + 999, s, sizeof s);
    assert_string_equal(s, "2026-11-27T02:08:00Z");
    clock_format_iso(0, s, sizeof s);
    assert_string_equal(s, "1970-01-01T00:00:00Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_roundtrip),
        cmocka_unit_test(test_iso_weeks),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_offset_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
