/* test_combiner: the group-commit combiner under real threads: every submitted item runs
 * exactly once and its caller returns only after that; no batch holds two items of one key;
 * no more batches run at once than allowed; a lone caller runs its own item at once (a batch
 * of one); under contention batches do grow; and a batch that gives its slot back early lets
 * the next one start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/combiner.h"

#define THREADS 16
#define ROUNDS 200

typedef struct job {
    combiner_item_t item; /* first */
    int runs;             /* set by the run, read by the caller after submit */
    int leader_was_me;
} job_t;

static combiner_t comb;
static pthread_mutex_t stats_mu = PTHREAD_MUTEX_INITIALIZER;
static int running_now, running_max, batches, items_seen, biggest, dup_keys;

static void sleep_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

/* each item's result: it ran (once, the caller checks), and whether its caller led the batch */
static void mark_ran(void *leader_ctx, combiner_item_t **items, int n)
{
    for (int i = 0; i < n; i++) {
        job_t *j = (job_t *)items[i];
        j->runs++;
        j->leader_was_me = leader_ctx == (void *)j;
    }
}

static void run(void *leader_ctx, combiner_item_t **items, int n)
{
    pthread_mutex_lock(&stats_mu);
    running_now++;
    if (running_now > running_max)
        running_max = running_now;
    batches++;
    items_seen += n;
    if (n > biggest)
        biggest = n;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (items[i]->key && items[j]->key && !strcmp(items[i]->key, items[j]->key))
                dup_keys++;
    pthread_mutex_unlock(&stats_mu);
    sleep_us(300); /* a batch takes a while: others queue meanwhile */
    mark_ran(leader_ctx, items, n);
    pthread_mutex_lock(&stats_mu);
    running_now--;
    pthread_mutex_unlock(&stats_mu);
}

static const char *KEYS[] = {"a", "b", "c", "d"}; /* 16 threads over 4 keys: many duplicates */
static int lost;

/* arg: the thread's number, or -1 for items without a key */
static void *worker(void *arg)
{
    long id = (long)arg;
    for (int r = 0; r < ROUNDS; r++) {
        job_t j = {.item.key = id < 0 ? NULL : KEYS[(id + r) % 4]};
        combiner_submit(&comb, &j.item, &j);
        if (j.runs != 1) {
            pthread_mutex_lock(&stats_mu);
            lost++;
            pthread_mutex_unlock(&stats_mu);
        }
    }
    return NULL;
}

/* THREADS workers to the end, with keyed items or not */
static void run_workers(int keyed)
{
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)(keyed ? i : -1L)), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
}

static void reset_stats(void)
{
    running_now = running_max = batches = items_seen = biggest = dup_keys = lost = 0;
}

static void test_every_item_once_keys_apart_bounded(void **state)
{
    (void)state;
    reset_stats();
    assert_int_equal(combiner_init(&comb, 2, 8, run), 0);
    run_workers(1);
    combiner_destroy(&comb);
    assert_int_equal(lost, 0);
    assert_int_equal(items_seen, THREADS * ROUNDS);
    assert_int_equal(dup_keys, 0);
    assert_true(running_max <= 2);
    assert_true(biggest <= 4); /* 4 distinct keys, and max_items 8 */
    assert_true(biggest > 1);  /* contention did combine items */
    assert_true(batches < THREADS * ROUNDS);
}

static void test_lone_caller_runs_its_own_item(void **state)
{
    (void)state;
    reset_stats();
    assert_int_equal(combiner_init(&comb, 1, 64, run), 0);
    for (int r = 0; r < 5; r++) {
        job_t j = {.item.key = NULL};
        combiner_submit(&comb, &j.item, &j);
        assert_int_equal(j.runs, 1);
        assert_true(j.leader_was_me);
    }
    combiner_destroy(&comb);
    assert_int_equal(batches, 5);
    assert_int_equal(biggest, 1);
}

static void test_batches_capped_at_max_items(void **state)
{
    (void)state;
    reset_stats();
    assert_int_equal(combiner_init(&comb, 1, 3, run), 0);
    run_workers(0);
    combiner_destroy(&comb);
    assert_int_equal(lost, 0);
    assert_int_equal(items_seen, THREADS * ROUNDS);
    assert_int_equal(running_max, 1);
    assert_true(biggest > 1 && biggest <= 3);
}

/* combiner_release: the part of a batch before it is bounded by max_running; the part after
 * overlaps the next batch's; a second release changes nothing. */
static int in_slot_now, in_slot_max, after_now, overlaps;

static void run_releasing(void *leader_ctx, combiner_item_t **items, int n)
{
    pthread_mutex_lock(&stats_mu);
    if (after_now > 0)
        overlaps++; /* a batch entered while another was still finishing */
    in_slot_now++;
    if (in_slot_now > in_slot_max)
        in_slot_max = in_slot_now;
    batches++;
    items_seen += n;
    pthread_mutex_unlock(&stats_mu);
    sleep_us(200);
    pthread_mutex_lock(&stats_mu);
    in_slot_now--;
    after_now++;
    pthread_mutex_unlock(&stats_mu);
    combiner_release(&comb, items);
    combiner_release(&comb, items); /* once per batch: the second does nothing */
    sleep_us(300);
    mark_ran(leader_ctx, items, n);
    pthread_mutex_lock(&stats_mu);
    after_now--;
    pthread_mutex_unlock(&stats_mu);
}

static void test_release_lets_the_next_batch_start(void **state)
{
    (void)state;
    reset_stats();
    in_slot_now = in_slot_max = after_now = overlaps = 0;
    assert_int_equal(combiner_init(&comb, 1, 64, run_releasing), 0);
    run_workers(0);
    assert_int_equal(lost, 0);
    assert_int_equal(items_seen, THREADS * ROUNDS);
    assert_int_equal(in_slot_max, 1); /* before the release, one batch at a time */
    assert_true(overlaps > 0);        /* after it, the next one did not wait */
    /* the slots are all back: a lone caller runs at once */
    job_t j = {.item.key = NULL};
    combiner_submit(&comb, &j.item, &j);
    assert_int_equal(j.runs, 1);
    assert_true(j.leader_was_me);
    combiner_destroy(&comb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_item_once_keys_apart_bounded),
        cmocka_unit_test(test_lone_caller_runs_its_own_item),
        cmocka_unit_test(test_batches_capped_at_max_items),
        cmocka_unit_test(test_release_lets_the_next_batch_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
