/* test_ratelimit: the fixed-window counters against a real redis-server (TEST_REDIS_URL, else
 * skipped): counting and refusing past the limit, several subjects in one round trip, the
 * window's expiry, and failing open (an error, every request allowed) when Redis is away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "store/ratelimit.h"
#include "redis_fixture.h"

static void test_counts_then_refuses(void **state)
{
    NEED_REDIS(r);
    char subject[64];
    snprintf(subject, sizeof subject, "t%d:one", (int)getpid());
    ratelimit_result_t res;
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(ratelimit_hit(r, "test", subject, 3, 60, &res), 0);
        assert_true(res.allowed);
        assert_int_equal(res.remaining, 3 - i);
        assert_int_equal(res.limit, 3);
        assert_true(res.reset_s >= 1 && res.reset_s <= 60);
    }
    assert_int_equal(ratelimit_hit(r, "test", subject, 3, 60, &res), 0);
    assert_false(res.allowed);
    assert_int_equal(res.remaining, 0);
}

static void test_many_subjects_are_counted_apart(void **state)
{
    NEED_REDIS(r);
    char a[64], b[64];
    snprintf(a, sizeof a, "t%d:ip", (int)getpid());
    snprintf(b, sizeof b, "t%d:user", (int)getpid());
    const char *both[] = {a, b};
    ratelimit_result_t res[2];
    assert_int_equal(ratelimit_hit(r, "test", a, 10, 60, res), 0); /* a: 1 */
    assert_int_equal(ratelimit_hit_many(r, "test", both, 2, 10, 60, res), 0);
    assert_int_equal(res[0].remaining, 8); /* a: 2 */
    assert_int_equal(res[1].remaining, 9); /* b: 1 */
    /* the keys expire just after their window */
    redisReply *ttl = redis_command(r, "TTL rl:test:%s:%ld", b, (long)(time(NULL) / 60));
    assert_non_null(ttl);
    assert_int_equal(ttl->type, REDIS_REPLY_INTEGER);
    assert_true(ttl->integer > 0 && ttl->integer <= 61);
    redis_reply_free(ttl);
}

static void test_fails_open_without_redis(void **state)
{
    (void)state;
    redis_t *down = fixture_redis_open("redis://127.0.0.1:9/0"); /* nothing listens on the discard port */
    const char *subjects[] = {"x", "y"};
    ratelimit_result_t res[2];
    assert_int_equal(ratelimit_hit_many(down, "test", subjects, 2, 1, 60, res), -1);
    assert_true(res[0].allowed);
    assert_true(res[1].allowed);
    redis_destroy(down);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_then_refuses),
        cmocka_unit_test(test_many_subjects_are_counted_apart),
        cmocka_unit_test(test_fails_open_without_redis),
    };
    return cmocka_run_group_tests(tests, fixture_redis_setup, fixture_redis_teardown);
}
