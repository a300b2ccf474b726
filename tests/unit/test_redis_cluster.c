/* test_redis_cluster: the pure parts of Redis Cluster routing (CRC16 slots, {hash tags},
 * which arguments of a command are keys, MOVED/ASK parsing, cluster URLs), and, when
 * TEST_REDIS_CLUSTER_URL names a running cluster (scripts/redis-cluster.sh), routing for real. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/redis.h"
#include "store/redis_cluster.h"

static void test_crc16(void **state)
{
    (void)state;
    assert_int_equal(redis_cluster_crc16("123456789", 9), 0x31C3);
    assert_int_equal(redis_cluster_crc16("", 0), 0);
}

static unsigned slot(const char *key)
{
    return redis_cluster_key_slot(key, strlen(key));
}

static void test_key_slot(void **state)
{
    (void)state;
    /* values from CLUSTER KEYSLOT on redis-server 7 */
    assert_int_equal(slot("foo"), 12182);
    assert_int_equal(slot("bar"), 5061);
    assert_int_equal(slot("hello"), 866);
    assert_int_equal(slot("somekey"), 11058);
    /* hash tags: only the first {...} with something inside counts */
    assert_int_equal(slot("{user1000}.following"), slot("{user1000}.followers"));
    assert_int_equal(slot("{user1000}.following"), slot("user1000"));
    assert_int_equal(slot("foo{}{bar}"), redis_cluster_crc16("foo{}{bar}", 10) & 16383);
    assert_int_equal(slot("foo{{bar}}zap"), slot("{bar"));
    assert_int_equal(slot("foo{bar}{zap}"), slot("bar"));
    assert_int_equal(slot("queue:{default}"), slot("queue:{default}:delayed"));
    assert_int_equal(slot("queue:{default}:dead"), slot("default"));
    assert_int_equal(slot("no{close"), redis_cluster_crc16("no{close", 8) & 16383);
}

/* The slot redis_cluster_command_slot finds for a command formatted like redis_command's. */
static int cmd_slot(const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    assert_true(len > 0);
    int s = redis_cluster_command_slot(cmd, (size_t)len);
    free(cmd);
    return s;
}

static void test_command_slot(void **state)
{
    (void)state;
    assert_int_equal(cmd_slot("GET foo"), 12182);
    assert_int_equal(cmd_slot("SET foo %s EX %d", "v", 10), 12182);
    assert_int_equal(cmd_slot("PING"), -1);
    assert_int_equal(cmd_slot("multi"), -1);
    assert_int_equal(cmd_slot("PUBLISH chatlings:topic:x %s", "hi"), -1);
    assert_int_equal(cmd_slot("DEL foo bar"), -2);
    assert_int_equal(cmd_slot("DEL {a}x {a}y"), (int)slot("a"));
    assert_int_equal(cmd_slot("EVAL %s 2 %s %s 1 2", "return 1", "queue:{q}:delayed", "queue:{q}"), (int)slot("q"));
    assert_int_equal(cmd_slot("EVAL %s 2 %s %s", "return 1", "foo", "bar"), -2);
    assert_int_equal(cmd_slot("EVAL %s 0 foo", "return 1"), -1);  /* ARGV are not keys */
    assert_int_equal(cmd_slot("XREADGROUP GROUP g c COUNT 1 STREAMS queue:{q} >"), (int)slot("q"));
    assert_int_equal(cmd_slot("XGROUP CREATE foo g 0 MKSTREAM"), 12182);
    assert_int_equal(cmd_slot("XINFO CONSUMERS foo g"), 12182);
    assert_int_equal(cmd_slot("MSET foo 1 bar 2"), -2);
    assert_int_equal(cmd_slot("ZUNIONSTORE {t}d 2 {t}a {t}b"), (int)slot("t"));
    assert_int_equal(cmd_slot("ZUNIONSTORE d 2 a b"), -2);
    /* malformed input never crashes */
    assert_int_equal(redis_cluster_command_slot("*2\r\n$3\r\nGET\r\n$9\r\nfoo\r\n", 24), -3);
    assert_int_equal(redis_cluster_command_slot("PING\r\n", 6), -3);
}

static void test_redirect(void **state)
{
    (void)state;
    char host[64];
    int s = -1, port = 0;
    assert_int_equal(redis_cluster_parse_redirect("MOVED 3999 127.0.0.1:6381", &s, host, sizeof host, &port), 1);
    assert_int_equal(s, 3999);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 6381);
    assert_int_equal(redis_cluster_parse_redirect("ASK 12182 redis-2.internal:24302", &s, host, sizeof host, &port), 2);
    assert_int_equal(s, 12182);
    assert_string_equal(host, "redis-2.internal");
    assert_int_equal(port, 24302);
    assert_int_equal(redis_cluster_parse_redirect("MOVED 1 :6380", &s, host, sizeof host, &port), 1);
    assert_string_equal(host, "");
    assert_int_equal(redis_cluster_parse_redirect("MOVED 7 [::1]:7000", &s, host, sizeof host, &port), 1);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 7000);
    assert_int_equal(redis_cluster_parse_redirect("ERR wrong type", &s, host, sizeof host, &port), 0);
    assert_int_equal(redis_cluster_parse_redirect("MOVED 99999 h:1", &s, host, sizeof host, &port), 0);
    assert_int_equal(redis_cluster_parse_redirect("MOVED 1 h:0", &s, host, sizeof host, &port), 0);
    assert_int_equal(redis_cluster_parse_redirect("MOVED x h:1", &s, host, sizeof host, &port), 0);
    assert_int_equal(redis_cluster_parse_redirect("MOVED 1 nohostport", &s, host, sizeof host, &port), 0);
}

static void test_cluster_urls(void **state)
{
    (void)state;
    char err[256];
    const char *good[] = {"redis+cluster://127.0.0.1:24300,127.0.0.1:24301", "redis+cluster://:pw@h1:1,h2:2",
                          "rediss+cluster://u:p@h:6380", "redis+cluster://[::1]:7000,h:7001"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        redis_opts_t o = {.url = good[i]};
        redis_t *r = redis_create(&o, err, sizeof err);
        assert_non_null(r);
        redis_destroy(r);
    }
    const char *bad[] = {"redis+cluster://h:1/2", "redis+cluster://h:1,,h:2", "redis+cluster://h:x", "redis+cluster://"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        redis_opts_t o = {.url = bad[i]};
        redis_t *r = redis_create(&o, err, sizeof err);
        if (r)
            fail_msg("accepted %s", bad[i]);
    }
}

/* Against a running cluster: keys in every slot range, pipelines across masters, MULTI. */
static void test_live_cluster(void **state)
{
    (void)state;
    const char *url = getenv("TEST_REDIS_CLUSTER_URL");
    if (!url || !*url)
        skip();
    char err[256];
    redis_opts_t o = {.url = url};
    redis_t *r = redis_create(&o, err, sizeof err);
    assert_non_null(r);
    for (int i = 0; i < 200; i++) {
        redisReply *rep = redis_command(r, "SET test:cluster:%d %d EX 60", i, i);
        assert_non_null(rep);
        assert_int_equal(rep->type, REDIS_REPLY_STATUS);
        redis_reply_free(rep);
    }
    for (int i = 0; i < 200; i++)
        assert_int_equal(redis_append(r, "GET test:cluster:%d", i), 0);
    for (int i = 0; i < 200; i++) {
        redisReply *rep = redis_get_reply(r);
        assert_non_null(rep);
        assert_int_equal(rep->type, REDIS_REPLY_STRING);
        assert_int_equal(atoi(rep->str), i);
        redis_reply_free(rep);
    }
    assert_null(redis_get_reply(r));
    /* a transaction on one slot, between commands for other masters */
    assert_int_equal(redis_append(r, "GET test:cluster:1"), 0);
    assert_int_equal(redis_append(r, "MULTI"), 0);
    assert_int_equal(redis_append(r, "SET test:{cl}:a 1 EX 60"), 0);
    assert_int_equal(redis_append(r, "SET test:{cl}:b 2 EX 60"), 0);
    assert_int_equal(redis_append(r, "EXEC"), 0);
    assert_int_equal(redis_append(r, "GET test:cluster:2"), 0);
    const int types[] = {REDIS_REPLY_STRING, REDIS_REPLY_STATUS, REDIS_REPLY_STATUS, REDIS_REPLY_STATUS,
                         REDIS_REPLY_ARRAY, REDIS_REPLY_STRING};
    for (int i = 0; i < 6; i++) {
        redisReply *rep = redis_get_reply(r);
        assert_non_null(rep);
        assert_int_equal(rep->type, types[i]);
        redis_reply_free(rep);
    }
    redisReply *rep = redis_command(r, "DEL test:{cl}:a test:{cl}:b");
    assert_non_null(rep);
    assert_int_equal(rep->integer, 2);
    redis_reply_free(rep);
    rep = redis_command(r, "DEL test:cluster:1 test:cluster:2");  /* refused before sending */
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(rep->str, "CROSSSLOT"));
    redis_reply_free(rep);
    rep = redis_command(r, "PING");
    assert_non_null(rep);
    redis_reply_free(rep);
    redis_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16),        cmocka_unit_test(test_key_slot),     cmocka_unit_test(test_command_slot),
        cmocka_unit_test(test_redirect),     cmocka_unit_test(test_cluster_urls), cmocka_unit_test(test_live_cluster),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
