/* combiner: leader/follower batching; see combiner.h. */
#include "core/combiner.h"

#include <string.h>

enum { ITEM_QUEUED, ITEM_TAKEN, ITEM_DONE };

int combiner_init(combiner_t *c, int max_running, int max_items, combiner_run_fn run)
{
    memset(c, 0, sizeof *c);
    c->max_running = max_running > 0 ? max_running : 1;
    c->max_items = max_items > 0 && max_items <= COMBINER_MAX_ITEMS ? max_items : COMBINER_MAX_ITEMS;
    c->run = run;
    return pthread_mutex_init(&c->mu, NULL) ? -1 : 0;
}

void combiner_destroy(combiner_t *c)
{
    pthread_mutex_destroy(&c->mu);
}

static int key_taken(combiner_item_t **batch, int n, const char *key)
{
    if (!key)
        return 0;
    for (int i = 0; i < n; i++)
        if (batch[i]->key && !strcmp(batch[i]->key, key))
            return 1;
    return 0;
}

/* Under the lock: moves up to max_items queued items with distinct keys into batch. */
static int take(combiner_t *c, combiner_item_t **batch)
{
    int n = 0;
    combiner_item_t **link = &c->head;
    while (*link && n < c->max_items) {
        combiner_item_t *it = *link;
        if (key_taken(batch, n, it->key)) {
            link = &it->next;
            continue;
        }
        *link = it->next;
        it->state = ITEM_TAKEN;
        batch[n++] = it;
    }
    c->tail = NULL; /* the queue left behind is short: as many as the callers waiting */
    for (combiner_item_t *it = c->head; it; it = it->next)
        c->tail = it;
    return n;
}

/* Under the lock, when a batch has finished: the oldest queued caller is woken to lead the next
 * one. (Its caller cannot return, and so take its condition variable away, while we hold the
 * lock.) Only then: a queue left waiting meanwhile grows into a bigger batch. */
static void wake_next_leader(combiner_t *c)
{
    if (c->head && c->running < c->max_running)
        pthread_cond_signal(&c->head->wake);
}

void combiner_release(combiner_t *c, combiner_item_t *const *items)
{
    pthread_mutex_lock(&c->mu);
    if (!items[0]->released) {
        items[0]->released = 1;
        c->running--;
        wake_next_leader(c);
    }
    pthread_mutex_unlock(&c->mu);
}

void combiner_submit(combiner_t *c, combiner_item_t *item, void *leader_ctx)
{
    pthread_cond_init(&item->wake, NULL);
    pthread_mutex_lock(&c->mu);
    item->next = NULL;
    item->state = ITEM_QUEUED;
    item->released = 0;
    if (c->tail)
        c->tail->next = item;
    else
        c->head = item;
    c->tail = item;
    while (item->state != ITEM_DONE) {
        if (item->state == ITEM_QUEUED && c->running < c->max_running) {
            combiner_item_t *batch[COMBINER_MAX_ITEMS];
            int n = take(c, batch);
            c->running++;
            pthread_mutex_unlock(&c->mu);
            c->run(leader_ctx, batch, n);
            pthread_mutex_lock(&c->mu);
            if (!batch[0]->released)
                c->running--;
            for (int i = 0; i < n; i++) {
                batch[i]->state = ITEM_DONE;
                if (batch[i] != item)
                    pthread_cond_signal(&batch[i]->wake);
            }
            wake_next_leader(c);
            continue;
        }
        pthread_cond_wait(&item->wake, &c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    pthread_cond_destroy(&item->wake);
}
