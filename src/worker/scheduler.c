/* scheduler: due-time arithmetic (pure), the Redis lock, and the tick that turns due
 * schedules into queued jobs. Order within one run: enqueue, then record the run. A crash
 * between the two enqueues the run again on the next tick (jobs are idempotent); the other
 * order could lose a run. */
#include "worker/scheduler.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define DAY_MS 86400000LL
#define LOCK_RETRY_MS 2000
#define DB_RETRY_MS 5000

/* ---- pure ---- */

int scheduler_parse(const char *text, sched_spec_t *s)
{
    if (!text || !*text)
        return -1;
    if (!strcmp(text, "off")) {
        s->kind = SCHED_OFF;
        return 0;
    }
    if (!strncmp(text, "daily@", 6)) {
        const char *t = text + 6;
        if (strlen(t) != 5 || !isdigit((unsigned char)t[0]) || !isdigit((unsigned char)t[1]) || t[2] != ':' ||
            !isdigit((unsigned char)t[3]) || !isdigit((unsigned char)t[4]))
            return -1;
        int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
        if (h > 23 || m > 59)
            return -1;
        s->kind = SCHED_DAILY;
        s->daily_minute = h * 60 + m;
        return 0;
    }
    char *end = NULL;
    long long n = strtoll(text, &end, 10);
    if (end == text || n <= 0 || n > 1000000 || !end[0] || end[1])
        return -1;
    long long unit;
    switch (end[0]) {
    case 's': unit = 1000; break;
    case 'm': unit = 60000; break;
    case 'h': unit = 3600000; break;
    case 'd': unit = DAY_MS; break;
    default: return -1;
    }
    s->kind = SCHED_EVERY;
    s->every_ms = n * unit;
    return 0;
}

/* floor division that is right for negative instants too */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t scheduler_slot(const sched_spec_t *s, int64_t last_run_ms, int64_t now_ms)
{
    switch (s->kind) {
    case SCHED_EVERY:
        return last_run_ms < 0 ? now_ms : last_run_ms + s->every_ms;
    case SCHED_DAILY: {
        int64_t slot = floor_div(now_ms, DAY_MS) * DAY_MS + (int64_t)s->daily_minute * 60000;
        return slot > now_ms ? slot - DAY_MS : slot;
    }
    case SCHED_OFF:
        break;
    }
    return INT64_MAX;
}

int scheduler_is_due(const sched_spec_t *s, int64_t last_run_ms, int64_t now_ms)
{
    if (s->kind == SCHED_OFF)
        return 0;
    /* never ran, or "ran" in the future (a clock that was set back): due now */
    if (last_run_ms < 0 || last_run_ms > now_ms + SCHED_FUTURE_SLACK_MS)
        return 1;
    if (s->kind == SCHED_EVERY)
        return now_ms >= last_run_ms + s->every_ms;
    /* daily: the latest slot has not been served by the last run */
    return last_run_ms < scheduler_slot(s, last_run_ms, now_ms);
}

int scheduler_override(sched_spec_t *specs, int n, const char *overrides, char *err, size_t errlen)
{
    const char *p = overrides ? overrides : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        char item[128];
        if (len >= sizeof item) {
            snprintf(err, errlen, "schedule override too long: %.40s...", p);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        char *eq = strchr(item, '=');
        if (!eq) {
            snprintf(err, errlen, "schedule override \"%s\": want name=spec", item);
            return -1;
        }
        *eq = '\0';
        int found = 0;
        for (int i = 0; i < n; i++) {
            if (strcmp(specs[i].name, item))
                continue;
            found = 1;
            sched_spec_t tmp = specs[i];
            if (scheduler_parse(eq + 1, &tmp)) {
                snprintf(err, errlen, "schedule override %s=%s: want 30s, 15m, 2h, 1d, daily@HH:MM or off", item,
                         eq + 1);
                return -1;
            }
            specs[i] = tmp;
        }
        if (!found) {
            snprintf(err, errlen, "schedule override: no schedule named \"%s\"", item);
            return -1;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* ---- the lock ---- */

int scheduler_lock(redis_t *r, const char *key, long ttl_ms, char token_out[33])
{
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(token_out, 33, raw, sizeof raw);
    redisReply *rep = redis_command(r, "SET %s %s NX PX %ld", key, token_out, ttl_ms);
    if (!rep || rep->type == REDIS_REPLY_ERROR) {
        redis_reply_free(rep);
        return -1;
    }
    int got = rep->type == REDIS_REPLY_STATUS;
    redis_reply_free(rep);
    return got;
}

static const char UNLOCK_LUA[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

int scheduler_unlock(redis_t *r, const char *key, const char *token)
{
    redisReply *rep = redis_command(r, "EVAL %s 1 %s %s", UNLOCK_LUA, key, token);
    int rc = rep && rep->type == REDIS_REPLY_INTEGER ? (int)rep->integer : -1;
    redis_reply_free(rep);
    return rc;
}

/* ---- running ---- */

typedef struct sched_item {
    sched_spec_t spec;
    int64_t last_seen;   /* last run as this process last read it (-1 never / unknown) */
    int known;           /* last_seen was read from PostgreSQL at least once */
    int64_t not_before;  /* back off after a lost lock race or an error */
} sched_item_t;

struct scheduler {
    int n;
    sched_item_t items[SCHED_MAX];
    scheduler_enqueue_fn enqueue;
    void *arg;
};

scheduler_t *scheduler_create(const sched_spec_t *specs, int n, scheduler_enqueue_fn enqueue, void *arg)
{
    if (n < 0 || n > SCHED_MAX)
        return NULL;
    scheduler_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->n = n;
    for (int i = 0; i < n; i++) {
        s->items[i].spec = specs[i];
        s->items[i].last_seen = -1;
    }
    s->enqueue = enqueue;
    s->arg = arg;
    return s;
}

void scheduler_destroy(scheduler_t *s)
{
    free(s);
}

int scheduler_spec_of(const scheduler_t *s, const char *name, sched_spec_t *out)
{
    for (int i = 0; s && i < s->n; i++) {
        if (!strcmp(s->items[i].spec.name, name)) {
            *out = s->items[i].spec;
            return 0;
        }
    }
    return -1;
}

static const db_stmt_t STMT_LAST_RUN = {
    "sched_last_run", "SELECT last_run_ms FROM job_schedules WHERE name = $1", 1};

/* Records the run only if nobody recorded another since we read prev (compare-and-set). */
static const db_stmt_t STMT_RECORD_RUN = {
    "sched_record_run",
    "INSERT INTO job_schedules AS s (name, last_run_ms, last_run_at, runs)"
    " VALUES ($1, $2::bigint, to_timestamp($2::bigint / 1000.0), 1)"
    " ON CONFLICT (name) DO UPDATE SET last_run_ms = EXCLUDED.last_run_ms, last_run_at = EXCLUDED.last_run_at,"
    "   runs = s.runs + 1"
    " WHERE s.last_run_ms IS NOT DISTINCT FROM $3::bigint",
    3};

/* Reads the last run from PostgreSQL: 0 (into *out, -1 = never), or -1 on error. */
static int read_last(db_conn_t *db, const char *name, int64_t *out)
{
    const char *p[] = {name};
    PGresult *res = db_exec(db, &STMT_LAST_RUN, p);
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        if (res)
            log_warn("scheduler", "reading the last run of %s: %s", name, PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    *out = PQntuples(res) && !PQgetisnull(res, 0, 0) ? atoll(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    return 0;
}

static int record_run(db_conn_t *db, const char *name, int64_t now_ms, int64_t prev)
{
    char now[24], pv[24];
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    snprintf(pv, sizeof pv, "%lld", (long long)prev);
    const char *p[] = {name, now, prev < 0 ? NULL : pv};
    PGresult *res = db_exec(db, &STMT_RECORD_RUN, p);
    int rc = -1;
    if (res && PQresultStatus(res) == PGRES_COMMAND_OK)
        rc = atoi(PQcmdTuples(res)) == 1 ? 1 : 0;
    else if (res)
        log_warn("scheduler", "recording the run of %s: %s", name, PQresultErrorMessage(res));
    PQclear(res);
    return rc;
}

int scheduler_tick(scheduler_t *s, redis_t *r, db_pool_t *pool, int64_t now_ms)
{
    int runs = 0, failed = 0;
    db_conn_t *db = NULL;
    for (int i = 0; i < s->n; i++) {
        sched_item_t *it = &s->items[i];
        /* the remembered last run is never newer than the truth, so "not due" is certain */
        if (now_ms < it->not_before || (it->known && !scheduler_is_due(&it->spec, it->last_seen, now_ms)) ||
            it->spec.kind == SCHED_OFF)
            continue;
        char key[96], token[33];
        snprintf(key, sizeof key, "sched:lock:%s", it->spec.name);
        int got = scheduler_lock(r, key, SCHED_LOCK_TTL_MS, token);
        if (got <= 0) {
            it->not_before = now_ms + LOCK_RETRY_MS;
            failed |= got < 0;
            continue;
        }
        if (!db && !(db = db_acquire(pool))) {
            scheduler_unlock(r, key, token);
            it->not_before = now_ms + DB_RETRY_MS;
            failed = 1;
            continue;
        }
        int64_t last;
        if (read_last(db, it->spec.name, &last)) {
            it->not_before = now_ms + DB_RETRY_MS;
            failed = 1;
        } else {
            it->last_seen = last;
            it->known = 1;
            if (scheduler_is_due(&it->spec, last, now_ms)) {
                int64_t slot = scheduler_slot(&it->spec, last, now_ms);
                if (s->enqueue(s->arg, r, it->spec.name, slot)) {
                    it->not_before = now_ms + LOCK_RETRY_MS;
                    failed = 1;
                } else {
                    int rec = record_run(db, it->spec.name, now_ms, last);
                    if (rec < 0) {
                        /* enqueued but not recorded: the next tick enqueues it again (harmless) */
                        it->not_before = now_ms + DB_RETRY_MS;
                        failed = 1;
                    } else {
                        if (rec == 1)
                            it->last_seen = now_ms;
                        runs++;
                        log_msg(LOG_DEBUG, "schedule_run", "%s enqueued", it->spec.name);
                    }
                }
            }
        }
        scheduler_unlock(r, key, token);
    }
    if (db)
        db_release(pool, db);
    return failed && runs == 0 ? -1 : runs;
}
