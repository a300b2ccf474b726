/* db: a bounded pool of libpq connections shared by the handler threads, with per-connection
 * prepared statements. Connecting happens outside the mutex with a hard deadline, so a
 * PostgreSQL outage turns into fast NULLs (503s), never into hung threads. A small
 * maintenance thread keeps `min` connections warm and closes idle ones above it. */
#include "store/db.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "store/metrics.h"

#define DB_MAX_PREPARED 4096   /* per connection; beyond it we DEALLOCATE ALL and start over */
#define DB_MAX_POOL 1000       /* sanity bound on opts->max */
#define DB_RETRY_MIN_MS 250    /* maintenance back-off after a failed connect ... */
#define DB_RETRY_MAX_MS 5000   /* ... doubling up to this */

struct db_conn {
    PGconn *pg;
    int broken;                 /* last use failed at the connection level: close on release */
    int64_t idle_since_ms;      /* monotonic time it went back to the pool */
    /* Open-addressing set of the db_stmt_t pointers prepared on this connection.
     * Pointers, not names: statements are static objects, and a pointer compare is free. */
    const db_stmt_t **prep;
    unsigned prep_cap, prep_n;  /* cap is 0 or a power of two */
};

struct db_pool {
    pthread_mutex_t mu;
    pthread_cond_t freed;       /* a connection went idle, or a slot opened up */
    pthread_cond_t wake;        /* maintenance thread: refill / trim / stop */
    pthread_t thread;
    db_pool_opts_t opts;

    /* libpq connection parameters, built once (the conninfo string itself is expanded by libpq). */
    char *conninfo;
    char connect_timeout[16];
    char *options;

    db_conn_t **idle;           /* stack: idle[nidle-1] is the most recently used (hot) one */
    int nidle;
    int open;                   /* established connections (idle + in use) */
    int connecting;             /* connects in progress: they hold a slot against max */
    int in_use, waiting;
    long acquire_timeouts;
    int stopping;
    int bad_url;                /* conninfo does not parse: never try (its error echoes the URL) */
    int down;                   /* last connect failed: log the outage once, not per attempt */
    char last_error[256];
};

/* Monotonic microseconds, for the query-duration histogram (/metrics). */
static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ms_to_timespec(int64_t ms, struct timespec *ts)
{
    ts->tv_sec = ms / 1000;
    ts->tv_nsec = (long)(ms % 1000) * 1000000L;
}

static void trim_newline(char *s)
{
    size_t l = strlen(s);
    while (l && (s[l - 1] == '\n' || s[l - 1] == '\r' || s[l - 1] == ' '))
        s[--l] = '\0';
}

/* ---- connections ---------------------------------------------------------------------- */

static void conn_close(db_conn_t *c)
{
    if (!c)
        return;
    PQfinish(c->pg);
    free(c->prep);
    free(c);
}

/* Server notices and warnings go to the JSON log, not raw onto stderr. */
static void log_notice(void *arg, const char *message)
{
    (void)arg;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", message);
    trim_newline(msg);
    log_warn("db_notice", "%s", msg);
}

/* Records the outcome of a connect attempt; logs only on up/down transitions. */
static void note_connect(db_pool_t *p, int ok, const char *msg)
{
    pthread_mutex_lock(&p->mu);
    int was_down = p->down;
    p->down = !ok;
    if (!ok)
        snprintf(p->last_error, sizeof p->last_error, "%s", msg);
    pthread_mutex_unlock(&p->mu);
    if (!ok && !was_down)
        log_warn("db_down", "cannot connect to PostgreSQL: %s", msg);
    else if (ok && was_down)
        log_info("db_up", "PostgreSQL reachable again");
}

/* Opens one connection, giving up at deadline (monotonic ms). Non-blocking connect plus
 * poll(), because libpq's own connect_timeout counts whole seconds, at least 2, per address.
 * (Name resolution inside PQconnectStartParams is still blocking; use IPs or a local resolver.)
 * Must be called without the pool mutex held. */
static db_conn_t *conn_open(db_pool_t *p, int64_t deadline)
{
    if (p->bad_url) {
        note_connect(p, 0, "malformed database URL");
        return NULL;
    }
    const char *keys[] = {"dbname", "connect_timeout", "options", "application_name", NULL};
    const char *vals[] = {p->conninfo, p->connect_timeout, p->options, "chatlings", NULL};
    /* dbname comes first and is expanded as a URL / conninfo; the later keys override it. */
    PGconn *pg = PQconnectStartParams(keys, vals, 1);
    if (!pg) {
        note_connect(p, 0, "out of memory");
        return NULL;
    }
    char msg[256] = "";
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    if (PQstatus(pg) == CONNECTION_BAD)
        st = PGRES_POLLING_FAILED;
    while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            snprintf(msg, sizeof msg, "connect timed out after %d ms", p->opts.connect_timeout_ms);
            break;
        }
        struct pollfd pfd = {.fd = PQsocket(pg), .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT};
        if (pfd.fd < 0) {
            st = PGRES_POLLING_FAILED;
            break;
        }
        int r = poll(&pfd, 1, (int)(left > INT32_MAX ? INT32_MAX : left));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(msg, sizeof msg, "poll: %s", strerror(errno));
            break;
        }
        if (r == 0)
            continue; /* the loop re-checks the deadline */
        st = PQconnectPoll(pg);
    }
    if (st != PGRES_POLLING_OK) {
        if (!msg[0]) {
            snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg));
            trim_newline(msg);
        }
        PQfinish(pg);
        note_connect(p, 0, msg);
        return NULL;
    }
    db_conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        PQfinish(pg);
        note_connect(p, 0, "out of memory");
        return NULL;
    }
    c->pg = pg;
    PQsetNoticeProcessor(pg, log_notice, NULL);
    note_connect(p, 1, NULL);
    return c;
}

/* An idle connection the server has closed (restart, pg_terminate_backend, idle timeout,
 * failover) shows up as a readable socket: a FATAL message and/or EOF. Nothing legitimate
 * arrives unasked on a pool connection (no LISTEN here), so readable = dead. One poll()
 * spares the borrower a failed first query. Returns 1 when the connection looks usable. */
static int conn_alive(db_conn_t *c)
{
    if (PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        return 0;
    struct pollfd pfd = {.fd = PQsocket(c->pg), .events = POLLIN};
    if (pfd.fd < 0)
        return 0;
    return poll(&pfd, 1, 0) == 0;
}

/* ---- prepared statement set ----------------------------------------------------------- */

static unsigned ptr_hash(const void *ptr, unsigned mask)
{
    uint64_t x = (uint64_t)(uintptr_t)ptr;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (unsigned)x & mask;
}

static int prep_has(const db_conn_t *c, const db_stmt_t *s)
{
    if (!c->prep_cap)
        return 0;
    unsigned mask = c->prep_cap - 1;
    for (unsigned i = ptr_hash(s, mask);; i = (i + 1) & mask) {
        if (c->prep[i] == s)
            return 1;
        if (!c->prep[i])
            return 0;
    }
}

static void prep_insert_nogrow(db_conn_t *c, const db_stmt_t *s)
{
    unsigned mask = c->prep_cap - 1;
    unsigned i = ptr_hash(s, mask);
    while (c->prep[i])
        i = (i + 1) & mask;
    c->prep[i] = s;
    c->prep_n++;
}

/* Remembers s as prepared; grows the table to keep it at most half full. -1 on OOM. */
static int prep_add(db_conn_t *c, const db_stmt_t *s)
{
    if ((c->prep_n + 1) * 2 > c->prep_cap) {
        unsigned ncap = c->prep_cap ? c->prep_cap * 2 : 32;
        const db_stmt_t **old = c->prep;
        unsigned ocap = c->prep_cap;
        c->prep = calloc(ncap, sizeof *c->prep);
        if (!c->prep) {
            c->prep = old;
            return -1;
        }
        c->prep_cap = ncap;
        c->prep_n = 0;
        for (unsigned i = 0; i < ocap; i++)
            if (old[i])
                prep_insert_nogrow(c, old[i]);
        free(old);
    }
    prep_insert_nogrow(c, s);
    return 0;
}

static void prep_clear(db_conn_t *c)
{
    if (c->prep)
        memset(c->prep, 0, c->prep_cap * sizeof *c->prep);
    c->prep_n = 0;
}

/* ---- maintenance thread --------------------------------------------------------------- */

static void *maintain(void *arg)
{
    db_pool_t *p = arg;
    int64_t next_connect_at = 0; /* back-off while PostgreSQL keeps failing */
    int backoff_ms = 0;
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        int64_t now = now_ms();

        /* Close idle connections above min that sat unused for idle_timeout; the oldest idle
         * ones are at the bottom of the stack. Closed outside the lock. */
        db_conn_t *doomed[16];
        int ndoomed = 0;
        while (p->nidle > 0 && p->open > p->opts.min && ndoomed < 16 &&
               now - p->idle[0]->idle_since_ms >= p->opts.idle_timeout_ms) {
            doomed[ndoomed++] = p->idle[0];
            memmove(p->idle, p->idle + 1, (size_t)(p->nidle - 1) * sizeof *p->idle);
            p->nidle--;
            p->open--;
        }
        if (ndoomed) {
            pthread_cond_broadcast(&p->freed); /* slots opened up for waiters */
            pthread_mutex_unlock(&p->mu);
            for (int i = 0; i < ndoomed; i++)
                conn_close(doomed[i]);
            pthread_mutex_lock(&p->mu);
            continue;
        }

        /* Keep min connections warm so requests after a quiet spell don't pay for a connect. */
        int need = p->open + p->connecting < p->opts.min;
        if (need && now >= next_connect_at) {
            p->connecting++;
            pthread_mutex_unlock(&p->mu);
            db_conn_t *c = conn_open(p, now_ms() + p->opts.connect_timeout_ms);
            pthread_mutex_lock(&p->mu);
            p->connecting--;
            if (c) {
                c->idle_since_ms = now_ms();
                p->idle[p->nidle++] = c;
                p->open++;
                backoff_ms = 0;
                next_connect_at = 0;
            } else {
                backoff_ms = backoff_ms ? backoff_ms * 2 : DB_RETRY_MIN_MS;
                if (backoff_ms > DB_RETRY_MAX_MS)
                    backoff_ms = DB_RETRY_MAX_MS;
                next_connect_at = now_ms() + backoff_ms;
            }
            pthread_cond_signal(&p->freed);
            continue;
        }

        /* Sleep until an idle connection may expire, a connect retry is due, or we are woken. */
        int64_t wait_ms = 1000;
        if (p->nidle > 0 && p->open > p->opts.min) {
            int64_t due = p->idle[0]->idle_since_ms + p->opts.idle_timeout_ms - now;
            if (due < wait_ms)
                wait_ms = due;
        }
        if (need && next_connect_at - now < wait_ms)
            wait_ms = next_connect_at - now;
        if (wait_ms < 1)
            wait_ms = 1;
        struct timespec ts;
        ms_to_timespec(now + wait_ms, &ts);
        pthread_cond_timedwait(&p->wake, &p->mu, &ts);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- public API ----------------------------------------------------------------------- */

db_pool_t *db_pool_create(const char *conninfo, const db_pool_opts_t *opts)
{
    db_pool_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->opts = *opts;
    if (p->opts.max < 1)
        p->opts.max = 1;
    if (p->opts.max > DB_MAX_POOL)
        p->opts.max = DB_MAX_POOL;
    if (p->opts.min < 0)
        p->opts.min = 0;
    if (p->opts.min > p->opts.max)
        p->opts.min = p->opts.max;
    if (p->opts.connect_timeout_ms < 1)
        p->opts.connect_timeout_ms = 2000;
    if (p->opts.idle_timeout_ms < 1)
        p->opts.idle_timeout_ms = 30000;
    if (p->opts.statement_timeout_ms < 0)
        p->opts.statement_timeout_ms = 0;

    /* libpq's connect_timeout is only the backstop (whole seconds, rounded up); conn_open's
     * poll loop enforces the millisecond deadline. */
    snprintf(p->connect_timeout, sizeof p->connect_timeout, "%d", (p->opts.connect_timeout_ms + 999) / 1000);

    /* Keep any options= the URL already carries (e.g. a search_path) and add ours. (Behind
     * PgBouncer, list "options" in its ignore_startup_parameters or connect to PostgreSQL.) */
    const char *url_opts = "";
    char *perr = NULL;
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &perr);
    if (parsed) {
        for (PQconninfoOption *o = parsed; o->keyword; o++)
            if (strcmp(o->keyword, "options") == 0 && o->val)
                url_opts = o->val;
    } else {
        /* libpq's parse error quotes the whole URL, password included: don't keep it. */
        p->bad_url = 1;
        snprintf(p->last_error, sizeof p->last_error, "malformed database URL");
    }
    PQfreemem(perr);
    size_t olen = strlen(url_opts) + 64;
    p->options = malloc(olen);
    if (p->options)
        snprintf(p->options, olen, "%s%s-c statement_timeout=%d", url_opts, url_opts[0] ? " " : "",
                 p->opts.statement_timeout_ms);
    if (parsed)
        PQconninfoFree(parsed);

    p->conninfo = strdup(conninfo);
    p->idle = calloc((size_t)p->opts.max, sizeof *p->idle);
    if (!p->options || !p->conninfo || !p->idle)
        goto oom;

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->freed, &ca);
    pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&p->thread, NULL, maintain, p) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_cond_destroy(&p->freed);
        pthread_mutex_destroy(&p->mu);
        goto oom;
    }
    return p;
oom:
    free(p->options);
    free(p->conninfo);
    free(p->idle);
    free(p);
    return NULL;
}

void db_pool_destroy(db_pool_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_cond_broadcast(&p->freed);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    /* Connections still held by callers would point into freed memory: a caller bug. */
    assert(p->in_use == 0 && "release every connection before db_pool_destroy");
    for (int i = 0; i < p->nidle; i++)
        conn_close(p->idle[i]);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->mu);
    free(p->options);
    free(p->conninfo);
    free(p->idle);
    free(p);
}

db_conn_t *db_acquire(db_pool_t *p)
{
    int64_t deadline = now_ms() + p->opts.connect_timeout_ms;
    struct timespec dl;
    ms_to_timespec(deadline, &dl);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->stopping)
            break;
        if (p->nidle > 0) {
            db_conn_t *c = p->idle[--p->nidle];
            if (conn_alive(c)) {
                p->in_use++;
                pthread_mutex_unlock(&p->mu);
                return c;
            }
            /* Died while idle: drop it, let the maintenance thread refill, look again. */
            p->open--;
            pthread_cond_signal(&p->wake);
            pthread_mutex_unlock(&p->mu);
            conn_close(c);
            pthread_mutex_lock(&p->mu);
            continue;
        }
        if (p->open + p->connecting < p->opts.max && now_ms() < deadline) {
            /* Reserve the slot, then connect without the lock so other threads keep going. */
            p->connecting++;
            pthread_mutex_unlock(&p->mu);
            db_conn_t *c = conn_open(p, deadline);
            pthread_mutex_lock(&p->mu);
            p->connecting--;
            if (c) {
                p->open++;
                p->in_use++;
                pthread_mutex_unlock(&p->mu);
                return c;
            }
            /* PostgreSQL is unreachable: fail now rather than retry in a tight loop; the
             * maintenance thread keeps trying in the background with back-off. */
            pthread_cond_signal(&p->freed);
            break;
        }
        p->waiting++;
        int rc = pthread_cond_timedwait(&p->freed, &p->mu, &dl);
        p->waiting--;
        if (rc == ETIMEDOUT && p->nidle == 0)
            break;
    }
    p->acquire_timeouts++;
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

void db_release(db_pool_t *p, db_conn_t *c)
{
    if (!c)
        return;
    /* Anything but a clean, idle session is closed: an open or failed transaction, a query
     * still running, or a dead socket would poison the next borrower. */
    int keep = !c->broken && PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    pthread_mutex_lock(&p->mu);
    p->in_use--;
    if (keep && !p->stopping) {
        c->idle_since_ms = now_ms();
        p->idle[p->nidle++] = c;
        c = NULL;
    } else {
        p->open--;
        pthread_cond_signal(&p->wake); /* below min now? the maintenance thread refills */
    }
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->mu);
    conn_close(c);
}

PGconn *db_pgconn(db_conn_t *c)
{
    return c ? c->pg : NULL;
}

/* Connection-level failure: the server went away, or libpq could not talk to it. */
static int conn_failed(db_conn_t *c, const PGresult *r)
{
    if (!r || PQstatus(c->pg) != CONNECTION_OK) {
        c->broken = 1;
        return 1;
    }
    return 0;
}

/* Prepares s on this connection unless it already is. */
static int ensure_prepared(db_conn_t *c, const db_stmt_t *s, PGresult **err_out)
{
    *err_out = NULL;
    if (prep_has(c, s))
        return 0;
    if (c->prep_n >= DB_MAX_PREPARED) {
        /* Bounded memory: more distinct statements than any sane program has. */
        PGresult *r = PQexec(c->pg, "DEALLOCATE ALL");
        int failed = conn_failed(c, r);
        PQclear(r);
        if (failed)
            return -1;
        prep_clear(c);
    }
    PGresult *r = PQprepare(c->pg, s->name, s->sql, s->nparams, NULL);
    if (conn_failed(c, r)) {
        PQclear(r);
        return -1;
    }
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        *err_out = r; /* an SQL error in the statement: the caller sees it like an exec error */
        return -1;
    }
    PQclear(r);
    if (prep_add(c, s) < 0) {
        /* Out of memory: the server has it prepared but we can't remember that, so a later
         * PREPARE would collide. Retire the connection (db_exec reports NULL). */
        c->broken = 1;
        return -1;
    }
    return 0;
}

PGresult *db_exec(db_conn_t *c, const db_stmt_t *s, const char *const *params)
{
    if (!c || c->broken)
        return NULL;
    for (int attempt = 0;; attempt++) {
        PGresult *err = NULL;
        if (ensure_prepared(c, s, &err) < 0)
            return err; /* NULL when the connection failed */
        int64_t t0 = now_us();
        PGresult *r = PQexecPrepared(c->pg, s->name, s->nparams, params, NULL, NULL, 0);
        ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        metrics_db_query(s->name, (double)(now_us() - t0) / 1e6, st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK);
        if (conn_failed(c, r)) {
            PQclear(r);
            return NULL;
        }
        /* Someone ran DEALLOCATE/DISCARD ALL behind our back: forget and prepare once more,
         * unless we are inside a transaction, which that error has already aborted. */
        const char *state = PQresultStatus(r) == PGRES_FATAL_ERROR ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        if (attempt == 0 && state && strcmp(state, "26000") == 0 && PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
            PQclear(r);
            prep_clear(c);
            continue;
        }
        return r;
    }
}

int db_array_literal(buf_t *b, const char *const *items, int n)
{
    buf_puts(b, "{");
    for (int i = 0; i < n; i++) {
        if (i)
            buf_puts(b, ",");
        if (!items[i]) {
            buf_puts(b, "NULL");
            continue;
        }
        buf_puts(b, "\"");
        for (const char *p = items[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_append(b, "\\", 1);
            buf_append(b, p, 1);
        }
        buf_puts(b, "\"");
    }
    buf_puts(b, "}");
    return b->overflow ? -1 : 0;
}

#define DB_MAX_PARAMS 16

/* values[i]: params[i].value, or the array literal of its items built into lit[i] (freed by
 * free_values). 0, or -1 when a literal could not be built. */
static int bind_values(const db_stmt_t *s, const db_param_t *params, buf_t *lit, const char **values)
{
    int bad = 0;
    for (int i = 0; i < s->nparams; i++) {
        buf_init(&lit[i], BUF_DEFAULT_MAX);
        values[i] = params[i].value;
        if (params[i].items) {
            bad |= db_array_literal(&lit[i], params[i].items, params[i].n);
            values[i] = lit[i].data;
        }
    }
    return bad ? -1 : 0;
}

static void free_values(const db_stmt_t *s, buf_t *lit)
{
    for (int i = 0; i < s->nparams; i++)
        buf_free(&lit[i]);
}

PGresult *db_exec_arrays(db_conn_t *c, const db_stmt_t *s, const db_param_t *params)
{
    if (s->nparams > DB_MAX_PARAMS)
        return NULL;
    buf_t lit[DB_MAX_PARAMS];
    const char *values[DB_MAX_PARAMS];
    PGresult *r = bind_values(s, params, lit, values) ? NULL : db_exec(c, s, values);
    free_values(s, lit);
    return r;
}

/* Queues one call in pipeline mode. 0, or -1 (nothing more can be sent). */
static int pipeline_send(db_conn_t *c, const db_call_t *call)
{
    const db_stmt_t *s = call->stmt;
    if (s->nparams > DB_MAX_PARAMS || (s->nparams > 0 && !call->params))
        return -1;
    buf_t lit[DB_MAX_PARAMS];
    const char *values[DB_MAX_PARAMS];
    int rc = bind_values(s, call->params, lit, values) == 0 &&
                     PQsendQueryPrepared(c->pg, s->name, s->nparams, values, NULL, NULL, 0)
                 ? 0
                 : -1;
    free_values(s, lit);
    return rc;
}

/* Reads one queued statement's result (and the NULL that ends it). */
static PGresult *pipeline_result(db_conn_t *c)
{
    PGresult *r = PQgetResult(c->pg);
    if (r && PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
        PGresult *end;
        while ((end = PQgetResult(c->pg)) != NULL) /* a statement has one result */
            PQclear(end);
    }
    return r;
}

/* The connection went away mid-pipeline (a shutdown's FATAL may have arrived as a result): no
 * results at all, like db_exec's NULL, so that callers answer 503. */
static int pipeline_lost(db_conn_t *c, db_call_t *calls, int n)
{
    c->broken = 1;
    for (int i = 0; i < n; i++) {
        PQclear(calls[i].result);
        calls[i].result = NULL;
    }
    return -1;
}

int db_pipeline(db_conn_t *c, db_call_t *calls, int n)
{
    for (int i = 0; i < n; i++)
        calls[i].result = NULL;
    if (!c || c->broken || n < 1 || n > DB_MAX_PIPELINE)
        return -1;
    /* prepared first, outside the pipeline (each a round trip, once per connection) */
    for (int i = 0; i < n; i++)
        if (ensure_prepared(c, calls[i].stmt, &calls[i].result) < 0)
            return -1;
    int64_t t0 = now_us();
    if (!PQenterPipelineMode(c->pg)) {
        c->broken = 1;
        return -1;
    }
    int sent = 0;
    while (sent < n && pipeline_send(c, &calls[sent]) == 0)
        sent++;
    if (!PQpipelineSync(c->pg))
        return pipeline_lost(c, calls, n); /* not to be trusted with a half-sent pipeline */
    int rc = sent == n ? 0 : -1;
    for (int i = 0; i < sent; i++) {
        PGresult *r = pipeline_result(c);
        if (conn_failed(c, r) || PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            return pipeline_lost(c, calls, n);
        }
        ExecStatusType st = PQresultStatus(r);
        int ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
        metrics_db_query(calls[i].stmt->name, (double)(now_us() - t0) / 1e6, ok);
        rc |= ok ? 0 : -1;
        calls[i].result = r;
    }
    PGresult *sync = pipeline_result(c);
    int synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!synced || !PQexitPipelineMode(c->pg))
        return pipeline_lost(c, calls, n);
    return rc;
}

void db_pipeline_done(db_call_t *calls, int n, PGresult **err)
{
    for (int i = 0; i < n; i++) {
        if (!*err && calls[i].result && PQresultStatus(calls[i].result) == PGRES_FATAL_ERROR)
            *err = calls[i].result;
        else
            PQclear(calls[i].result);
        calls[i].result = NULL;
    }
}

int db_row_index(const PGresult *r, int row, int col, int n)
{
    long i = strtol(PQgetvalue(r, row, col), NULL, 10) - 1;
    return i >= 0 && i < n ? (int)i : -1;
}

int db_command(db_conn_t *c, const char *sql)
{
    if (!c || c->broken)
        return -1;
    PGresult *r = PQexec(c->pg, sql);
    if (conn_failed(c, r)) {
        PQclear(r);
        return -1;
    }
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
}

void db_pool_stats(db_pool_t *p, db_pool_stats_t *out)
{
    pthread_mutex_lock(&p->mu);
    out->open = p->open;
    out->idle = p->nidle;
    out->in_use = p->in_use;
    out->waiting = p->waiting;
    out->acquire_timeouts = p->acquire_timeouts;
    pthread_mutex_unlock(&p->mu);
}

void db_pool_last_error(db_pool_t *p, char *buf, size_t len)
{
    if (!len)
        return;
    pthread_mutex_lock(&p->mu);
    snprintf(buf, len, "%s", p->last_error);
    pthread_mutex_unlock(&p->mu);
}
