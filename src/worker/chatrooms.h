/* chatrooms: the worker's side of GAME.md "Chatrooms": opening each UTC day's rooms (featured
 * topics and videos first, then the built-in topics), writing their conversations (an
 * OpenAI-compatible endpoint when configured and under its daily cost cap, else the built-in
 * generator), and closing rooms whose time is up. Idempotent per day: any number of runs, on any
 * number of workers, open each (day, slot) once. */
#ifndef CHATLINGS_WORKER_CHATROOMS_H
#define CHATLINGS_WORKER_CHATROOMS_H
#include <stdint.h>

#include "core/config.h"
#include "store/db.h"
#include "worker/worker.h"

#define CHATROOMS_PER_DAY 3
#define CHATROOM_OPEN_HOURS 26 /* a day's rooms stay open until 02:00 UTC the next day */

typedef struct chatrooms_open_stats {
    int opened;       /* rooms this run opened */
    int existing;     /* rooms of the day that were already there */
    int closed;       /* expired rooms closed */
    int featured;     /* of the opened ones, from the admins' list */
    int llm;          /* conversations written by the LLM */
    int llm_failed;   /* LLM calls that failed (the built-in generator stood in) */
    int llm_capped;   /* rooms that did not call the LLM because the day's cap was spent */
} chatrooms_open_stats_t;

/* Opens the rooms of the UTC day of now_ms (epoch milliseconds) and closes expired ones.
 * cfg supplies the LLM settings (NULL = built-in generator only). 0, or -1 (logged) when the
 * database failed; a rerun finishes what a failed run left. st may be NULL. */
int chatrooms_open_daily(db_conn_t *conn, int64_t now_ms, const config_t *cfg, chatrooms_open_stats_t *st);

/* The same for an explicit UTC day (days since 1970-01-01): an operator's backfill, and tests.
 * Rooms of a day already over are opened closed. */
int chatrooms_open_day(db_conn_t *conn, int64_t day, int64_t now_ms, const config_t *cfg, chatrooms_open_stats_t *st);

/* The job "chatrooms_open_daily" (no payload). */
job_status_t chatrooms_job_open_daily(job_ctx_t *jc);

#endif
