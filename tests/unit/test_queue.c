/* test_queue: the backoff schedule (pure), and the queue's moves against a real redis-server
 * (TEST_REDIS_URL, else skipped): enqueue/read/ack, retry through the delayed set and its
 * promotion, dead letters and their retry, reclaiming a dead consumer's job, touch keeping a
 * live one's, release on shutdown, the delivery cap. Each test uses its own queue name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/queue.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- pure ---- */

static void test_backoff_schedule(void **state)
{
    (void)state;
    /* no jitter: 2 s, 8 s, 32 s, 128 s, 512 s, then capped at 30 min */
    assert_int_equal(queue_backoff_ms(1, 0), 2000);
    assert_int_equal(queue_backoff_ms(2, 0), 8000);
    assert_int_equal(queue_backoff_ms(3, 0), 32000);
    assert_int_equal(queue_backoff_ms(4, 0), 128000);
    assert_int_equal(queue_backoff_ms(5, 0), 512000);
    assert_int_equal(queue_backoff_ms(6, 0), QUEUE_BACKOFF_MAX_MS);
    assert_int_equal(queue_backoff_ms(60, 0), QUEUE_BACKOFF_MAX_MS);
    assert_int_equal(queue_backoff_ms(0, 0), 2000);  /* nonsense attempts read as the first */
    assert_int_equal(queue_backoff_ms(-3, 0), 2000);
    /* jitter adds at most 20 %, never takes away */
    for (int a = 1; a <= 8; a++) {
        int64_t base = queue_backoff_ms(a, 0);
        int64_t hi = queue_backoff_ms(a, UINT32_MAX);
        assert_true(hi >= base);
        assert_true(hi < base + base / 5 + 1);
        assert_true(queue_backoff_ms(a, UINT32_MAX / 2) > base);
    }
    /* each step at least doubles until the cap */
    for (int a = 1; a < 6; a++)
        assert_true(queue_backoff_ms(a + 1, 0) >= 2 * queue_backoff_ms(a, 0));
}

static void test_new_id(void **state)
{
    (void)state;
    char a[QUEUE_ID_LEN + 1], b[QUEUE_ID_LEN + 1];
    queue_new_id(a);
    queue_new_id(b);
    assert_int_equal(strlen(a), QUEUE_ID_LEN);
    assert_string_not_equal(a, b);
    for (int i = 0; i < QUEUE_ID_LEN; i++)
        assert_non_null(strchr("0123456789abcdef", a[i]));
}

/* ---- against Redis ---- */

typedef struct fixture {
    redis_t *r;
    char queue[64];
} fixture_t;

static int setup(void **state)
{
    const char *url = getenv("TEST_REDIS_URL");
    if (!url || !*url) {
        *state = NULL;
        return 0;
    }
    fixture_t *f = calloc(1, sizeof *f);
    char err[256];
    redis_opts_t o = {.url = url, .connect_timeout_ms = 2000, .command_timeout_ms = 5000};
    f->r = redis_create(&o, err, sizeof err);
    assert_non_null(f->r);
    static int n;
    snprintf(f->queue, sizeof f->queue, "test%d_%d_%ld", (int)getpid(), ++n, (long)now_ms() % 100000);
    assert_int_equal(queue_ensure(f->r, f->queue), 0);
    assert_int_equal(queue_ensure(f->r, f->queue), 0); /* idempotent */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    if (!f)
        return 0;
    redisReply *rep = redis_command(f->r, "DEL queue:{%s} queue:{%s}:delayed queue:{%s}:dead", f->queue, f->queue, f->queue);
    redis_reply_free(rep);
    redis_destroy(f->r);
    free(f);
    return 0;
}

#define NEED_REDIS(f)                                                                      \
    fixture_t *f = *state;                                                                 \
    if (!f) {                                                                              \
        skip();                                                                            \
        return;                                                                            \
    }

static queue_opts_t opts(fixture_t *f, const char *consumer, long idle_ms)
{
    return (queue_opts_t){.name = f->queue, .consumer = consumer, .reclaim_idle_ms = idle_ms, .max_deliveries = 3};
}

static void stats(fixture_t *f, queue_stats_t *st)
{
    assert_int_equal(queue_stats(f->r, f->queue, st), 0);
}

static void test_enqueue_read_ack(void **state)
{
    NEED_REDIS(f);
    char id[QUEUE_ID_LEN + 1];
    assert_int_equal(queue_enqueue(f->r, f->queue, "noop", "{\"n\":1,\"s\":\"<b>\\u00e9</b> \\\"q\\\"\"}", id), 0);
    assert_int_equal(queue_enqueue(f->r, f->queue, "other", NULL, NULL), 0);
    assert_int_equal(queue_enqueue(f->r, f->queue, "", "{}", NULL), -1); /* no type */
    queue_opts_t o = opts(f, "c1", 60000);
    queue_job_t jobs[8];
    int n = queue_read(f->r, &o, jobs, 8, 0);
    assert_int_equal(n, 2);
    assert_string_equal(jobs[0].id, id);
    assert_string_equal(jobs[0].type, "noop");
    assert_string_equal(jobs[0].payload, "{\"n\":1,\"s\":\"<b>\\u00e9</b> \\\"q\\\"\"}");
    assert_int_equal(jobs[0].attempt, 1);
    assert_true(jobs[0].enqueued_ms > now_ms() - 60000);
    assert_string_equal(jobs[1].payload, "{}");
    queue_stats_t st;
    stats(f, &st);
    assert_int_equal(st.ready, 2);
    assert_int_equal(st.pending, 2);
    /* nothing new for anyone until acknowledged */
    queue_job_t more[2];
    assert_int_equal(queue_read(f->r, &o, more, 2, 0), 0);
    for (int i = 0; i < n; i++) {
        assert_int_equal(queue_ack(f->r, f->queue, &jobs[i]), 0);
        queue_job_free(&jobs[i]);
    }
    stats(f, &st);
    assert_int_equal(st.ready, 0);
    assert_int_equal(st.pending, 0);
    /* a blocking read with nothing there waits and returns 0 */
    int64_t t0 = now_ms();
    assert_int_equal(queue_read(f->r, &o, more, 2, 200), 0);
    assert_true(now_ms() - t0 >= 150);
}

static void test_enqueue_many(void **state)
{
    NEED_REDIS(f);
    assert_int_equal(queue_enqueue_many(f->r, f->queue, "noop", "{}", 1234), 1234);
    queue_stats_t st;
    stats(f, &st);
    assert_int_equal(st.ready, 1234);
}

static void test_retry_promote(void **state)
{
    NEED_REDIS(f);
    queue_opts_t o = opts(f, "c1", 60000);
    assert_int_equal(queue_enqueue(f->r, f->queue, "flaky", "{\"k\":\"v\"}", NULL), 0);
    queue_job_t j;
    assert_int_equal(queue_read(f->r, &o, &j, 1, 0), 1);
    char id[QUEUE_ID_LEN + 1];
    strcpy(id, j.id);
    int64_t due = now_ms() + 300;
    assert_int_equal(queue_retry(f->r, f->queue, &j, due, "boom \"quoted\" <error>"), 0);
    queue_job_free(&j);
    queue_stats_t st;
    stats(f, &st);
    assert_int_equal(st.ready, 0);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.delayed, 1);
    /* not yet due */
    assert_int_equal(queue_promote(f->r, f->queue, now_ms(), 100), 0);
    assert_int_equal(queue_read(f->r, &o, &j, 1, 0), 0);
    /* due */
    assert_int_equal(queue_promote(f->r, f->queue, due + 1, 100), 1);
    stats(f, &st);
    assert_int_equal(st.delayed, 0);
    assert_int_equal(queue_read(f->r, &o, &j, 1, 0), 1);
    assert_string_equal(j.id, id); /* the same job, one attempt further */
    assert_int_equal(j.attempt, 2);
    assert_string_equal(j.type, "flaky");
    assert_string_equal(j.payload, "{\"k\":\"v\"}");
    assert_int_equal(queue_ack(f->r, f->queue, &j), 0);
    queue_job_free(&j);
}

static void test_enqueue_at(void **state)
{
    NEED_REDIS(f);
    assert_int_equal(queue_enqueue_at(f->r, f->queue, "later", "{\"a\":[1,2]}", now_ms() + 100000, NULL), 0);
    assert_int_equal(queue_enqueue_at(f->r, f->queue, "soon", NULL, now_ms() - 1, NULL), 0);
    assert_int_equal(queue_promote(f->r, f->queue, now_ms(), 100), 1);
    queue_opts_t o = opts(f, "c1", 60000);
    queue_job_t j;
    assert_int_equal(queue_read(f->r, &o, &j, 1, 0), 1);
    assert_string_equal(j.type, "soon");
    assert_int_equal(j.attempt, 1);
    queue_ack(f->r, f->queue, &j);
    queue_job_free(&j);
    queue_stats_t st;
    stats(f, &st);
    assert_int_equal(st.delayed, 1);
}

static void test_dead_and_retry_dead(void **state)
{
    NEED_REDIS(f);
    queue_opts_t o = opts(f, "c1", 60000);
    assert_int_equal(queue_enqueue(f->r, f->queue, "hopeless", "{\"x\":1}", NULL), 0);
    queue_job_t j;
    assert_int_equal(queue_read(f->r, &o, &j, 1, 0), 1);
    j.attempt = 5;
    assert_int_equal(queue_dead(f->r, f->queue, &j, "malformed answer"), 0);
    queue_job_free(&j);
    queue_stats_t st;
    stats(f, &st);
    assert_int_equal(st.ready, 0);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.dead, 1);
    redisReply *rep = redis_command(f->r, "XRANGE queue:{%s}:dead - +", f->queue);
    assert_non_null(rep);
    assert_int_equal(rep->elements, 1);
    char dead_id[48];
    snprintf(dead_id, sizeof dead_id, "%s", rep->element[0]->element[0]->str);
    const redisReply *fields = rep->element[0]->element[1];
    int saw_error = 0;
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
        if (!strcmp(fields->element[i]->str, "error"))
            saw_error = !strcmp(fields->element[i + 1]->str, "malformed answer");
    assert_true(saw_error);
    redis_reply_free(rep);
    assert_int_equal(queue_dead_retry(f->r, f->queue, "1-1"), 0); /* no such dead letter */
    assert_int_equal(queue_dead_retry(f->r, f->queue, dead_id), 1);
    stats(f, &st);
    assert_int_equal(st.dead, 0);
    assert_int_equal(queue_read(f->r, &o, &j, 1, 0), 1);
    assert_string_equal(j.type, "hopeless");
    assert_int_equal(j.attempt, 1);
    queue_ack(f->r, f->queue, &j);
    queue_job_free(&j);
}

static void test_reclaim_touch_release(void **state)
{
    NEED_REDIS(f);
    queue_opts_t a = opts(f, "dies", 300), b = opts(f, "lives", 300);
    assert_int_equal(queue_enqueue(f->r, f->queue, "long", "{}", NULL), 0);
    assert_int_equal(queue_enqueue(f->r, f->queue, "long2", "{}", NULL), 0);
    queue_job_t ja[2], jb[2];
    assert_int_equal(queue_read(f->r, &a, ja, 2, 0), 2);
    /* too early: nothing idle long enough */
    assert_int_equal(queue_reclaim(f->r, &b, jb, 2), 0);
    usleep(200 * 1000);
    /* "dies" still works on its first job: it renews its claim; the second goes silent */
    assert_int_equal(queue_touch(f->r, &a, &ja[0]), 0);
    usleep(200 * 1000);
    int n = queue_reclaim(f->r, &b, jb, 2);
    assert_int_equal(n, 1);
    assert_string_equal(jb[0].type, "long2");
    assert_int_equal(jb[0].deliveries, 2);
    /* the old owner's late ack of the reclaimed job is harmless; the new owner's counts */
    assert_int_equal(queue_ack(f->r, f->queue, &jb[0]), 0);
    queue_job_free(&jb[0]);
    /* stopping: the first job goes back to the stream for someone else, at once */
    assert_int_equal(queue_release(f->r, f->queue, &ja[0]), 0);
    queue_job_free(&ja[0]);
    queue_job_free(&ja[1]);
    assert_int_equal(queue_read(f->r, &b, jb, 2, 0), 1);
    assert_string_equal(jb[0].type, "long");
    assert_int_equal(jb[0].attempt, 1);
    queue_ack(f->r, f->queue, &jb[0]);
    queue_job_free(&jb[0]);
    queue_stats_t st;
    stats(f, &st);
    assert_int_equal(st.ready, 0);
    assert_int_equal(st.pending, 0);
    /* consumers with nothing pending can be pruned */
    assert_true(queue_prune_consumers(f->r, f->queue, 0) >= 2);
}

static void test_delivery_cap(void **state)
{
    NEED_REDIS(f);
    assert_int_equal(queue_enqueue(f->r, f->queue, "poison", "{}", NULL), 0);
    queue_job_t j;
    /* max_deliveries 3: delivered once, reclaimed twice (3 deliveries) and then dead */
    queue_opts_t first = opts(f, "w0", 50);
    assert_int_equal(queue_read(f->r, &first, &j, 1, 0), 1);
    queue_job_free(&j);
    for (int i = 1; i <= 2; i++) {
        char name[16];
        snprintf(name, sizeof name, "w%d", i);
        queue_opts_t o = opts(f, name, 50);
        usleep(80 * 1000);
        assert_int_equal(queue_reclaim(f->r, &o, &j, 1), 1);
        assert_int_equal(j.deliveries, i + 1);
        queue_job_free(&j);
    }
    queue_opts_t last = opts(f, "w3", 50);
    usleep(80 * 1000);
    assert_int_equal(queue_reclaim(f->r, &last, &j, 1), 0);
    queue_stats_t st;
    stats(f, &st);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.dead, 1);
}

static void test_group_recreated(void **state)
{
    NEED_REDIS(f);
    /* Redis lost everything (restart without persistence): the next read recreates the group */
    redisReply *rep = redis_command(f->r, "DEL queue:{%s}", f->queue);
    redis_reply_free(rep);
    queue_opts_t o = opts(f, "c1", 60000);
    queue_job_t j;
    assert_int_equal(queue_read(f->r, &o, &j, 1, 0), 0);
    assert_int_equal(queue_enqueue(f->r, f->queue, "after", "{}", NULL), 0);
    assert_int_equal(queue_read(f->r, &o, &j, 1, 0), 1);
    queue_ack(f->r, f->queue, &j);
    queue_job_free(&j);
}

static void test_streams_have_no_ttl(void **state)
{
    NEED_REDIS(f);
    /* volatile-lru only evicts keys with a TTL: the queue's keys must never get one */
    assert_int_equal(queue_enqueue(f->r, f->queue, "x", "{}", NULL), 0);
    assert_int_equal(queue_enqueue_at(f->r, f->queue, "y", "{}", now_ms() + 60000, NULL), 0);
    const char *suffix[] = {"", ":delayed"};
    for (int i = 0; i < 2; i++) {
        redisReply *rep = redis_command(f->r, "TTL queue:{%s}%s", f->queue, suffix[i]);
        assert_non_null(rep);
        assert_int_equal(rep->integer, -1);
        redis_reply_free(rep);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_schedule),
        cmocka_unit_test(test_new_id),
        cmocka_unit_test_setup_teardown(test_enqueue_read_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enqueue_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_promote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enqueue_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_and_retry_dead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_touch_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delivery_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_recreated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streams_have_no_ttl, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
