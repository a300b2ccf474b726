/* jobs: the job types the worker knows and the recurring schedule that enqueues some of them.
 * Every handler is idempotent: delivery is at least once, so a second run after a crash must
 * change nothing (PostgreSQL unique keys and conditional writes see to it). */
#ifndef CHATLINGS_JOBS_H
#define CHATLINGS_JOBS_H
#include <stddef.h>

#include "worker/scheduler.h"
#include "worker/worker.h"

extern const job_def_t JOBS[];
extern const size_t JOBS_COUNT;

/* The recurring jobs: name (= job type) and its default schedule text (scheduler_parse). */
typedef struct job_schedule_def {
    const char *name;
    const char *every;
    int at_start;   /* also enqueued once whenever a worker starts (cheap checks that must not
                     * wait for their slot: a worker that starts after an outage rebuilds now) */
} job_schedule_def_t;
extern const job_schedule_def_t JOB_SCHEDULE[];
extern const size_t JOB_SCHEDULE_COUNT;

/* The definition of a type, or NULL. In production the dev_only types do not exist. */
const job_def_t *jobs_find(const char *type, int production);

#endif
