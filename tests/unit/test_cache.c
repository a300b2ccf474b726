/* test_cache: GET / SET EX / DEL against a real redis-server (TEST_REDIS_URL, else skipped),
 * the hit-miss counters, and the "Redis down reads as a miss" contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/cache.h"
#include "redis_fixture.h"

/* Keys unique to this process so parallel runs against one server do not collide. */
static void key(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "test_cache:%d:%s", (int)getpid(), name);
}

static long long ttl_of(redis_t *r, const char *k)
{
    redisReply *rep = redis_command(r, "TTL %s", k);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    long long ttl = rep->integer;
    freeReplyObject(rep);
    return ttl;
}

static void test_miss_set_hit_del(void **state)
{
    NEED_REDIS(r);
    char k[96], *out = (char *)1;
    size_t len = 99;
    long h0, m0, h, m;
    key(k, sizeof k, "profile");
    cache_del(r, k);
    cache_counts(&h0, &m0);

    assert_int_equal(cache_get(r, k, &out, &len), 0);
    assert_null(out);
    assert_int_equal(len, 0);
    cache_counts(&h, &m);
    assert_int_equal(h - h0, 0);
    assert_int_equal(m - m0, 1);

    const char *json = "{\"id\":7,\"name\":\"Pip\"}";
    assert_int_equal(cache_set(r, k, json, strlen(json), CACHE_TTL_USER_PROFILE), 0);
    assert_int_equal(cache_get(r, k, &out, &len), 1);
    assert_int_equal(len, strlen(json));
    assert_string_equal(out, json);
    free(out);
    cache_counts(&h, &m);
    assert_int_equal(h - h0, 1);
    assert_int_equal(m - m0, 1);

    /* The TTL set is the one asked for (a second may have passed). */
    long long ttl = ttl_of(r, k);
    assert_true(ttl <= CACHE_TTL_USER_PROFILE && ttl >= CACHE_TTL_USER_PROFILE - 2);
    assert_int_equal(cache_set(r, k, json, strlen(json), CACHE_TTL_LEADERBOARD), 0);
    ttl = ttl_of(r, k);
    assert_true(ttl <= CACHE_TTL_LEADERBOARD && ttl >= CACHE_TTL_LEADERBOARD - 2);

    assert_int_equal(cache_del(r, k), 0);
    assert_int_equal(ttl_of(r, k), -2);  /* gone */
    assert_int_equal(cache_get(r, k, &out, &len), 0);
    assert_int_equal(cache_del(r, k), 0);  /* absent is fine */
}

static void test_binary_and_empty_values(void **state)
{
    NEED_REDIS(r);
    char k[96], *out;
    size_t len;
    key(k, sizeof k, "bin");
    const char val[] = "a\0b\r\n\xff";
    assert_int_equal(cache_set(r, k, val, sizeof val - 1, CACHE_TTL_CREATURE), 0);
    assert_int_equal(cache_get(r, k, &out, &len), 1);
    assert_int_equal(len, sizeof val - 1);
    assert_memory_equal(out, val, len);
    assert_int_equal(out[len], '\0');
    free(out);

    /* An empty value is a hit, not a miss. */
    assert_int_equal(cache_set(r, k, "", 0, CACHE_TTL_CREATURE), 0);
    assert_int_equal(cache_get(r, k, &out, &len), 1);
    assert_int_equal(len, 0);
    assert_string_equal(out, "");
    free(out);

    /* 1 MB round trip. */
    size_t n = 1 << 20;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i % 251);
    assert_int_equal(cache_set(r, k, big, n, CACHE_TTL_YOUTUBE_VIDEO), 0);
    assert_int_equal(cache_get(r, k, &out, &len), 1);
    assert_int_equal(len, n);
    assert_memory_equal(out, big, n);
    free(out);
    free(big);
    long long ttl = ttl_of(r, k);
    assert_true(ttl <= CACHE_TTL_YOUTUBE_VIDEO && ttl >= CACHE_TTL_YOUTUBE_VIDEO - 2);
    assert_int_equal(cache_del(r, k), 0);
}

static void test_expiry_and_bad_input(void **state)
{
    NEED_REDIS(r);
    char k[96], *out;
    size_t len;
    key(k, sizeof k, "expire");
    assert_int_equal(cache_set(r, k, "x", 1, 1), 0);
    assert_int_equal(cache_get(r, k, &out, &len), 1);
    free(out);
    usleep(2100 * 1000);
    assert_int_equal(cache_get(r, k, &out, &len), 0);

    /* No key without a TTL is ever written. */
    assert_int_equal(cache_set(r, k, "x", 1, 0), -1);
    assert_int_equal(cache_set(r, k, "x", 1, -5), -1);
    assert_int_equal(ttl_of(r, k), -2);
    assert_int_equal(cache_set(r, NULL, "x", 1, 60), -1);

    /* A key of the wrong type answers with an error reply: a miss, not a failure. */
    redisReply *rep = redis_command(r, "RPUSH %s a", k);
    assert_non_null(rep);
    freeReplyObject(rep);
    rep = redis_command(r, "EXPIRE %s 60", k);
    freeReplyObject(rep);
    long h0, m0, h, m;
    cache_counts(&h0, &m0);
    assert_int_equal(cache_get(r, k, &out, &len), 0);
    cache_counts(&h, &m);
    assert_int_equal(m - m0, 1);
    assert_int_equal(cache_set(r, k, "v", 1, 60), 0);  /* SET replaces any type */
    assert_int_equal(cache_del(r, k), 0);
    assert_true(redis_is_connected(r));
}

/* Redis unreachable: -1 at once from all three, and the lookup still counts as a miss. */
static void test_unavailable(void **state)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", ntohs(a.sin_port));
    redis_t *r = fixture_redis_open(url);
    char *out = (char *)1;
    size_t len = 5;
    long h0, m0, h, m;
    cache_counts(&h0, &m0);
    assert_int_equal(cache_get(r, "k", &out, &len), -1);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_int_equal(cache_set(r, "k", "v", 1, 60), -1);
    assert_int_equal(cache_del(r, "k"), -1);
    cache_counts(&h, &m);
    assert_int_equal(h, h0);
    assert_int_equal(m - m0, 1);
    redis_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_miss_set_hit_del),
        cmocka_unit_test(test_binary_and_empty_values),
        cmocka_unit_test(test_expiry_and_bad_input),
        cmocka_unit_test(test_unavailable),
    };
    return cmocka_run_group_tests(tests, fixture_redis_setup, fixture_redis_teardown);
}
