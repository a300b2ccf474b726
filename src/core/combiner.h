/* combiner: concurrent calls of one operation combined into batches (group commit).
 * A caller's item joins the open batch. While fewer than max_running batches run, a waiting
 * caller becomes the leader: it takes the open batch (up to max_items) and runs it with its own
 * resources (leader_ctx, e.g. its database connection), then wakes the others. At low load a
 * batch is one item, run at once by its own caller (no added latency); under load the batch
 * grows with the queue, so per-batch costs (a transaction, statement starts, round trips) are
 * shared by every item in it. Items with equal keys never share a batch (the next one takes
 * them). Thread-safe; the items live on their callers' stacks until combiner_submit returns. */
#ifndef CHATLINGS_COMBINER_H
#define CHATLINGS_COMBINER_H
#include <pthread.h>

typedef struct combiner_item {
    struct combiner_item *next; /* private */
    int state;                  /* private */
    pthread_cond_t wake;        /* private */
    int released;               /* private: its batch gave its slot back early */
    const char *key;            /* items with equal keys go in different batches; NULL: any */
} combiner_item_t;

/* Runs one batch of n >= 1 items and sets their results; leader_ctx is the leader's. */
typedef void (*combiner_run_fn)(void *leader_ctx, combiner_item_t **items, int n);

typedef struct combiner {
    pthread_mutex_t mu;
    combiner_item_t *head, *tail; /* the open batch, oldest first */
    int running, max_running, max_items;
    combiner_run_fn run;
} combiner_t;

#define COMBINER_MAX_ITEMS 64
/* A combiner with static storage, ready without combiner_init (max_items <= COMBINER_MAX_ITEMS). */
#define COMBINER_INITIALIZER(max_running, max_items, run)                                           \
    {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0, (max_running), (max_items), (run)}
/* max_items is capped at COMBINER_MAX_ITEMS. 0, or -1 when the mutex could not be made. */
int combiner_init(combiner_t *c, int max_running, int max_items, combiner_run_fn run);
void combiner_destroy(combiner_t *c);
/* Returns once item's batch has run (by this caller or another). */
void combiner_submit(combiner_t *c, combiner_item_t *item, void *leader_ctx);
/* From a run: the batch (items as given to run) no longer counts against max_running, so the
 * next batch starts while this one finishes work that does not need the slot (what follows a
 * COMMIT, say). Once per batch; later calls do nothing. */
void combiner_release(combiner_t *c, combiner_item_t *const *items);

#endif
