/* test_rng: the shared PRNG: a pinned stream for a pinned seed (any change would also change
 * the catalogue, which test_catalogue pins separately), bounds of rng_below and rng_unit,
 * rough uniformity, and that OS seeding gives different streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "game/rng.h"

static void test_pinned_stream(void **state)
{
    (void)state;
    rng_t a, b;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++)
        assert_true(rng_next(&a) == rng_next(&b));
    /* splitmix64(42) seeding then xoshiro256**: the values are a property of the algorithms */
    rng_seed(&a, 42);
    assert_true(rng_next(&a) == 0x15780b2e0c2ec716ULL);
    assert_true(rng_next(&a) == 0x6104d9866d113a7eULL);
    rng_seed(&a, 42);
    uint64_t first = rng_next(&a);
    rng_seed(&b, 43);
    assert_true(first != rng_next(&b));
    rng_seed_stream(&a, 1, 2, 3);
    rng_seed_stream(&b, 1, 2, 4);
    assert_true(rng_next(&a) != rng_next(&b));
}

static void test_below_bounds(void **state)
{
    (void)state;
    rng_t r;
    rng_seed(&r, 7);
    for (int i = 0; i < 100000; i++) {
        assert_true(rng_below(&r, 1) == 0);
        assert_true(rng_below(&r, 3) < 3);
        assert_true(rng_below(&r, 0xFFFFFFFFu) < 0xFFFFFFFFu);
    }
    int counts[10] = {0};
    for (int i = 0; i < 1000000; i++)
        counts[rng_below(&r, 10)]++;
    for (int i = 0; i < 10; i++)
        assert_in_range(counts[i], 99000, 101000); /* ~3.3 sigma either side of 100,000 */
}

static void test_unit_range(void **state)
{
    (void)state;
    rng_t r;
    rng_seed(&r, 9);
    double sum = 0;
    for (int i = 0; i < 1000000; i++) {
        double u = rng_unit(&r);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
    }
    assert_true(sum / 1000000 > 0.499 && sum / 1000000 < 0.501);
}

static void test_os_seeding(void **state)
{
    (void)state;
    rng_t a, b;
    rng_seed_os(&a);
    rng_seed_os(&b);
    assert_true(a.s[0] | a.s[1] | a.s[2] | a.s[3]);
    assert_true(memcmp(&a, &b, sizeof a) != 0);
    rng_t *t = rng_thread();
    assert_non_null(t);
    assert_ptr_equal(t, rng_thread());
    rng_next(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinned_stream),
        cmocka_unit_test(test_below_bounds),
        cmocka_unit_test(test_unit_range),
        cmocka_unit_test(test_os_seeding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
