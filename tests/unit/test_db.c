/* test_db: the connection pool against a real PostgreSQL (TEST_DATABASE_URL): session settings,
 * prepared statement reuse, the max bound and its timeout, hand-over to waiters, broken
 * connections replaced, warm/idle upkeep, and bounded failure when the server is unreachable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "store/db.h"

static const db_stmt_t ECHO = {"test_db_echo", "SELECT $1::text || '!'", 1};
static const db_stmt_t IS_NULL = {"test_db_is_null", "SELECT ($1::text IS NULL)::int", 1};
static const db_stmt_t DIVIDE = {"test_db_divide", "SELECT 10 / $1::int", 1};
static const db_stmt_t ARRAY_ITEMS = {"test_db_array_items",
                                      "SELECT coalesce(x, '<null>') FROM unnest($1::text[]) WITH ORDINALITY u(x, i) ORDER BY i",
                                      1};
static const db_stmt_t PID = {"test_db_pid", "SELECT pg_backend_pid()", 0};
static const db_stmt_t PREPARED_COUNT = {"test_db_prepared_count",
                                         "SELECT count(*) FROM pg_prepared_statements WHERE name = $1", 1};

static const char *test_url(void)
{
    const char *u = getenv("TEST_DATABASE_URL");
    return u && *u ? u : NULL;
}

#define NEED_DB()                                         \
    do {                                                  \
        if (!test_url()) {                                \
            fprintf(stderr, "TEST_DATABASE_URL unset\n"); \
            skip();                                       \
        }                                                 \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static db_pool_t *make_pool(const char *url, int max, int min, int idle_ms, int connect_ms)
{
    db_pool_opts_t o = {.max = max, .min = min, .idle_timeout_ms = idle_ms,
                        .connect_timeout_ms = connect_ms, .statement_timeout_ms = 5000};
    db_pool_t *p = db_pool_create(url, &o);
    assert_non_null(p);
    return p;
}

/* Runs stmt and returns the single value as a string (static buffer). */
static const char *one_value(db_conn_t *c, const db_stmt_t *s, const char *const *params)
{
    static char out[256];
    PGresult *r = db_exec(c, s, params);
    assert_non_null(r);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", s->name, PQresultErrorMessage(r));
    snprintf(out, sizeof out, "%s", PQgetisnull(r, 0, 0) ? "(null)" : PQgetvalue(r, 0, 0));
    PQclear(r);
    return out;
}

static int backend_pid(db_conn_t *c)
{
    return atoi(one_value(c, &PID, NULL));
}

static const char *show(db_conn_t *c, const char *sql)
{
    static char out[128];
    PGresult *r = PQexec(db_pgconn(c), sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    snprintf(out, sizeof out, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return out;
}

/* Kills a backend from a separate connection and waits until it is really gone. */
static void terminate(int pid)
{
    PGconn *admin = PQconnectdb(test_url());
    assert_int_equal(PQstatus(admin), CONNECTION_OK);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", pid);
    PGresult *r = PQexec(admin, sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "t");
    PQclear(r);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = %d", pid);
    for (int i = 0; i < 100; i++) {
        r = PQexec(admin, sql);
        int gone = strcmp(PQgetvalue(r, 0, 0), "0") == 0;
        PQclear(r);
        if (gone)
            break;
        usleep(50 * 1000);
    }
    PQfinish(admin);
}

static int wait_for_open(db_pool_t *p, int want, int ms)
{
    db_pool_stats_t st;
    for (int waited = 0;; waited += 20) {
        db_pool_stats(p, &st);
        if (st.open == want || waited >= ms)
            return st.open;
        usleep(20 * 1000);
    }
}

/* Thread body for test_threads: returns the number of failed operations. */
static void *hammer(void *arg)
{
    db_pool_t *p = arg;
    intptr_t failures = 0;
    for (int i = 0; i < 50; i++) {
        db_conn_t *c = db_acquire(p);
        if (!c) {
            failures++;
            continue;
        }
        char n[16];
        snprintf(n, sizeof n, "%d", i);
        const char *params[] = {n};
        PGresult *r = db_exec(c, &ECHO, params);
        char want[20];
        snprintf(want, sizeof want, "%d!", i);
        if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || strcmp(PQgetvalue(r, 0, 0), want) != 0)
            failures++;
        PQclear(r);
        db_release(p, c);
    }
    return (void *)failures;
}

static void test_acquire_release(void **state)
{
    (void)state;
    NEED_DB();
    db_pool_t *p = make_pool(test_url(), 2, 0, 30000, 2000);
    db_conn_t *c = db_acquire(p);
    assert_non_null(c);
    assert_non_null(db_pgconn(c));
    assert_string_equal(show(c, "SHOW application_name"), "chatlings");
    assert_string_equal(show(c, "SHOW statement_timeout"), "5s");
    assert_int_equal(db_command(c, "SELECT 1"), 0);
    assert_int_equal(db_command(c, "SELEC 1"), -1); /* SQL error: -1, connection still fine */
    db_pool_stats_t st;
    db_pool_stats(p, &st);
    assert_int_equal(st.open, 1);
    assert_int_equal(st.in_use, 1);
    assert_int_equal(st.idle, 0);
    int pid = backend_pid(c);
    db_release(p, c);
    db_pool_stats(p, &st);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.idle, 1);
    /* The same (hot) connection comes back. */
    c = db_acquire(p);
    assert_int_equal(backend_pid(c), pid);
    db_release(p, c);
    db_release(p, NULL); /* harmless */
    db_pool_destroy(p);
}

static void test_prepared_reuse(void **state)
{
    (void)state;
    NEED_DB();
    db_pool_t *p = make_pool(test_url(), 1, 0, 30000, 2000);
    db_conn_t *c = db_acquire(p);
    assert_non_null(c);
    const char *hello[] = {"hello"};
    assert_string_equal(one_value(c, &ECHO, hello), "hello!");
    const char *again[] = {"again"};
    assert_string_equal(one_value(c, &ECHO, again), "again!");
    const char *name[] = {"test_db_echo"};
    assert_string_equal(one_value(c, &PREPARED_COUNT, name), "1");

    /* NULL parameter = SQL NULL. */
    const char *null_param[] = {NULL};
    assert_string_equal(one_value(c, &IS_NULL, null_param), "1");
    assert_string_equal(one_value(c, &IS_NULL, hello), "0");

    /* An SQL error is a result, not a dead connection. */
    const char *zero[] = {"0"};
    PGresult *r = db_exec(c, &DIVIDE, zero);
    assert_non_null(r);
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "22012");
    PQclear(r);
    const char *five[] = {"5"};
    assert_string_equal(one_value(c, &DIVIDE, five), "2");

    /* A statement with broken SQL reports the error as a result too. */
    static const db_stmt_t BAD = {"test_db_bad", "SELEC nothing", 0};
    r = db_exec(c, &BAD, NULL);
    assert_non_null(r);
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    PQclear(r);

    /* Prepared statements dropped behind the pool's back are prepared again. */
    assert_int_equal(db_command(c, "DEALLOCATE ALL"), 0);
    assert_string_equal(one_value(c, &ECHO, hello), "hello!");

    int pid = backend_pid(c);
    db_release(p, c);
    /* Still the same connection, still prepared: no second PREPARE. */
    c = db_acquire(p);
    assert_int_equal(backend_pid(c), pid);
    assert_string_equal(one_value(c, &ECHO, hello), "hello!");
    assert_string_equal(one_value(c, &PREPARED_COUNT, name), "1");
    db_release(p, c);
    db_pool_destroy(p);
}

typedef struct {
    db_pool_t *pool;
    db_conn_t *got;
    double elapsed;
} waiter_t;

static void *waiter(void *arg)
{
    waiter_t *w = arg;
    double t0 = now_s();
    w->got = db_acquire(w->pool);
    w->elapsed = now_s() - t0;
    return NULL;
}

static void test_pool_max(void **state)
{
    (void)state;
    NEED_DB();
    db_pool_t *p = make_pool(test_url(), 2, 0, 30000, 800);
    db_conn_t *a = db_acquire(p), *b = db_acquire(p);
    assert_non_null(a);
    assert_non_null(b);

    /* max+1: waits the connect timeout, then NULL. */
    double t0 = now_s();
    db_conn_t *c = db_acquire(p);
    double took = now_s() - t0;
    assert_null(c);
    if (took < 0.7 || took > 1.5)
        fail_msg("third acquire took %.3f s, want ~0.8", took);
    db_pool_stats_t st;
    db_pool_stats(p, &st);
    assert_int_equal(st.open, 2);
    assert_int_equal(st.in_use, 2);
    assert_int_equal(st.waiting, 0);
    assert_int_equal(st.acquire_timeouts, 1);

    /* A waiter gets the connection as soon as one is released. */
    waiter_t w = {.pool = p};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, waiter, &w), 0);
    for (int i = 0; i < 50; i++) {
        db_pool_stats(p, &st);
        if (st.waiting == 1)
            break;
        usleep(10 * 1000);
    }
    assert_int_equal(st.waiting, 1);
    int pid_a = backend_pid(a);
    db_release(p, a);
    pthread_join(th, NULL);
    assert_non_null(w.got);
    assert_true(w.elapsed < 0.7);
    assert_int_equal(backend_pid(w.got), pid_a);
    a = w.got;

    /* A connection released inside a transaction is closed; its slot goes to a waiter,
     * who gets a fresh connection. */
    int pid_b = backend_pid(b);
    waiter_t w2 = {.pool = p};
    assert_int_equal(pthread_create(&th, NULL, waiter, &w2), 0);
    usleep(100 * 1000);
    assert_int_equal(db_command(b, "BEGIN"), 0);
    db_release(p, b);
    pthread_join(th, NULL);
    assert_non_null(w2.got);
    assert_int_not_equal(backend_pid(w2.got), pid_b);
    db_pool_stats(p, &st);
    assert_int_equal(st.open, 2);
    assert_int_equal(st.acquire_timeouts, 1);

    db_release(p, a);
    db_release(p, w2.got);
    db_pool_stats(p, &st);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.idle, 2);
    db_pool_destroy(p);
}

static void test_broken_replaced(void **state)
{
    (void)state;
    NEED_DB();
    db_pool_t *p = make_pool(test_url(), 2, 0, 30000, 2000);
    db_pool_stats_t st;

    /* Killed while idle in the pool: the next acquire notices and hands out a live one. */
    db_conn_t *c = db_acquire(p);
    assert_non_null(c);
    int pid1 = backend_pid(c);
    db_release(p, c);
    terminate(pid1);
    c = db_acquire(p);
    assert_non_null(c);
    int pid2 = backend_pid(c);
    assert_int_not_equal(pid2, pid1);
    db_pool_stats(p, &st);
    assert_int_equal(st.open, 1);

    /* Killed while in use: db_exec returns NULL, release closes it, the next one works. */
    terminate(pid2);
    const char *x[] = {"x"};
    assert_null(db_exec(c, &ECHO, x));
    assert_null(db_exec(c, &ECHO, x)); /* stays failed */
    assert_int_equal(db_command(c, "SELECT 1"), -1);
    db_release(p, c);
    db_pool_stats(p, &st);
    assert_int_equal(st.open, 0);
    c = db_acquire(p);
    assert_non_null(c);
    assert_string_equal(one_value(c, &ECHO, x), "x!");
    db_release(p, c);
    db_pool_destroy(p);
}

static void test_warm_and_idle(void **state)
{
    (void)state;
    NEED_DB();
    /* min 2 opened in the background without anyone asking. */
    db_pool_t *p = make_pool(test_url(), 4, 2, 300, 2000);
    assert_int_equal(wait_for_open(p, 2, 3000), 2);

    /* Grow to max, then idle ones above min are closed after the idle timeout. */
    db_conn_t *c[4];
    for (int i = 0; i < 4; i++)
        assert_non_null(c[i] = db_acquire(p));
    db_pool_stats_t st;
    db_pool_stats(p, &st);
    assert_int_equal(st.open, 4);
    for (int i = 0; i < 4; i++)
        db_release(p, c[i]);
    assert_int_equal(wait_for_open(p, 2, 3000), 2);
    db_pool_stats(p, &st);
    assert_int_equal(st.idle, 2);

    /* A connection closed on release (left in a transaction) is replaced to keep min. */
    c[0] = db_acquire(p);
    c[1] = db_acquire(p);
    assert_int_equal(db_command(c[0], "BEGIN"), 0);
    db_release(p, c[0]);
    db_pool_stats(p, &st);
    assert_int_equal(st.open, 1);
    assert_int_equal(wait_for_open(p, 2, 3000), 2);
    db_release(p, c[1]);
    db_pool_destroy(p);
}

static void test_unreachable(void **state)
{
    (void)state;
    /* Nothing listens on port 1: refused at once. No TEST_DATABASE_URL needed. */
    db_pool_t *p = make_pool("postgresql://nobody@127.0.0.1:1/nothing", 4, 2, 30000, 2000);
    double t0 = now_s();
    db_conn_t *c = db_acquire(p);
    double took = now_s() - t0;
    assert_null(c);
    if (took > 3.0)
        fail_msg("acquire took %.3f s", took);
    char err[256];
    db_pool_last_error(p, err, sizeof err);
    assert_true(err[0] != '\0');
    db_pool_stats_t st;
    db_pool_stats(p, &st);
    assert_int_equal(st.open, 0);
    assert_int_equal(st.acquire_timeouts, 1);
    db_pool_destroy(p);

    /* A server that accepts TCP but never answers (a hung or blackholed host): the deadline,
     * not libpq's whole-second connect_timeout, bounds the wait. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(s, 16), 0);
    socklen_t sl = sizeof sa;
    assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
    char url[128];
    snprintf(url, sizeof url, "postgresql://nobody@127.0.0.1:%d/nothing?sslmode=disable", ntohs(sa.sin_port));
    p = make_pool(url, 2, 0, 30000, 700);
    t0 = now_s();
    c = db_acquire(p);
    took = now_s() - t0;
    assert_null(c);
    if (took < 0.6 || took > 1.5)
        fail_msg("acquire against a silent server took %.3f s, want ~0.7", took);
    db_pool_destroy(p);
    close(s);

    /* A malformed URL fails the same way, never crashes. */
    p = make_pool("postgresql://u:secret@[broken", 1, 1, 30000, 500);
    assert_null(db_acquire(p));
    db_pool_last_error(p, err, sizeof err);
    assert_null(strstr(err, "secret")); /* the password never reaches logs */
    db_pool_destroy(p);
}

static void test_threads(void **state)
{
    (void)state;
    NEED_DB();
    /* Many threads hammering a small pool: every acquire succeeds (the hold time is short)
     * and the counters come back to rest. */
    db_pool_t *p = make_pool(test_url(), 3, 1, 30000, 5000);
    enum { T = 8 };
    pthread_t th[T];
    for (int i = 0; i < T; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer, p), 0);
    long failures = 0;
    for (int i = 0; i < T; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        failures += (long)(intptr_t)ret;
    }
    assert_int_equal(failures, 0);
    db_pool_stats_t st;
    db_pool_stats(p, &st);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.waiting, 0);
    assert_true(st.open <= 3);
    db_pool_destroy(p);
}

/* An array literal reaches PostgreSQL element for element, whatever the elements hold. */
static void test_array_literal(void **state)
{
    (void)state;
    NEED_DB();
    db_pool_t *p = make_pool(test_url(), 1, 0, 30000, 2000);
    db_conn_t *c = db_acquire(p);
    assert_non_null(c);
    const char *items[] = {"plain", "", "with,comma", "{braces}", "quote\"d", "back\\slash", NULL, "NULL", " sp ace "};
    int n = (int)(sizeof items / sizeof items[0]);
    buf_t b;
    buf_init(&b, 4096);
    assert_int_equal(db_array_literal(&b, items, n), 0);
    const char *params[] = {b.data};
    PGresult *r = db_exec(c, &ARRAY_ITEMS, params);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), n);
    for (int i = 0; i < n; i++)
        assert_string_equal(PQgetvalue(r, i, 0), items[i] ? items[i] : "<null>");
    PQclear(r);
    /* an empty batch is an empty array; a literal past the buffer's limit is refused */
    buf_reset(&b);
    assert_int_equal(db_array_literal(&b, items, 0), 0);
    assert_string_equal(b.data, "{}");
    buf_free(&b);
    buf_init(&b, 8);
    assert_int_equal(db_array_literal(&b, items, n), -1);
    buf_free(&b);
    db_release(p, c);
    db_pool_destroy(p);
}

static const db_stmt_t PIPE_BEGIN = {"test_db_pipe_begin", "BEGIN", 0};
static const db_stmt_t PIPE_INSERT = {"test_db_pipe_insert", "INSERT INTO pipe_t SELECT unnest($1::text[]) RETURNING v", 1};
static const db_stmt_t PIPE_COUNT = {"test_db_pipe_count", "SELECT count(*) FROM pipe_t WHERE v = $1", 1};
static const db_stmt_t PIPE_FAIL = {"test_db_pipe_fail", "SELECT 1 / 0", 0};
static const db_stmt_t PIPE_COMMIT = {"test_db_pipe_commit", "COMMIT", 0};

/* Several statements in one round trip: each one's result, in order; after a failure the rest
 * are skipped (a COMMIT among them never runs) and the connection goes on working. (Each is
 * prepared before the pipeline runs, so the table exists beforehand.) */
static void test_pipeline(void **state)
{
    (void)state;
    NEED_DB();
    db_pool_t *p = make_pool(test_url(), 1, 0, 30000, 2000);
    db_conn_t *c = db_acquire(p);
    assert_non_null(c);
    assert_int_equal(db_command(c, "CREATE TEMP TABLE pipe_t (v text)"), 0);
    const char *items[] = {"a", "b,c", "a"};
    const char *a = "a";
    db_param_t ins[] = {{.items = items, .n = 3}}, cnt[] = {{.value = a}};
    db_call_t ok[] = {{.stmt = &PIPE_BEGIN}, {.stmt = &PIPE_INSERT, .params = ins},
                      {.stmt = &PIPE_COUNT, .params = cnt}, {.stmt = &PIPE_COMMIT}};
    assert_int_equal(db_pipeline(c, ok, 4), 0);
    assert_int_equal(PQresultStatus(ok[1].result), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(ok[1].result), 3);
    assert_string_equal(PQgetvalue(ok[1].result, 1, 0), "b,c");
    assert_string_equal(PQgetvalue(ok[2].result, 0, 0), "2"); /* sees the insert before it */
    for (int i = 0; i < 4; i++)
        PQclear(ok[i].result);
    assert_int_equal(PQtransactionStatus(db_pgconn(c)), PQTRANS_IDLE);

    db_call_t bad[] = {{.stmt = &PIPE_BEGIN}, {.stmt = &PIPE_INSERT, .params = ins}, {.stmt = &PIPE_FAIL},
                       {.stmt = &PIPE_COUNT, .params = cnt}, {.stmt = &PIPE_COMMIT}};
    assert_int_equal(db_pipeline(c, bad, 5), -1);
    assert_int_equal(PQresultStatus(bad[1].result), PGRES_TUPLES_OK);
    assert_int_equal(PQresultStatus(bad[2].result), PGRES_FATAL_ERROR);
    assert_string_equal(PQresultErrorField(bad[2].result, PG_DIAG_SQLSTATE), "22012");
    assert_int_equal(PQresultStatus(bad[3].result), PGRES_PIPELINE_ABORTED);
    assert_int_equal(PQresultStatus(bad[4].result), PGRES_PIPELINE_ABORTED);
    for (int i = 0; i < 5; i++)
        PQclear(bad[i].result);
    assert_int_equal(PQtransactionStatus(db_pgconn(c)), PQTRANS_INERROR); /* not committed */
    assert_int_equal(db_command(c, "ROLLBACK"), 0);
    const char *params[] = {a};
    assert_string_equal(one_value(c, &PIPE_COUNT, params), "2"); /* back to plain statements */
    assert_int_equal(db_pipeline(c, ok, 0), -1);
    db_release(p, c);
    db_pool_destroy(p);
}

static const db_stmt_t BACKEND_PID = {"test_db_backend_pid", "SELECT pg_backend_pid()::text", 0};
static const db_stmt_t TERMINATE = {"test_db_terminate", "SELECT pg_terminate_backend($1::int)", 1};
static const db_stmt_t PIPE_SLEEP = {"test_db_pipe_sleep", "SELECT pg_sleep(2)", 0};

typedef struct terminator {
    db_conn_t *conn;
    const char *pid;
} terminator_t;

static void *terminate_soon(void *arg)
{
    terminator_t *t = arg;
    usleep(300000); /* while the victim's pipeline sleeps */
    const char *params[] = {t->pid};
    PQclear(db_exec(t->conn, &TERMINATE, params));
    return NULL;
}

/* The server ends the connection in the middle of a pipeline (a shutdown, an operator's
 * pg_terminate_backend): its FATAL arrives as the running statement's result, then the
 * connection closes. The pipeline fails with no result at all, the same as db_exec's NULL (so
 * the caller answers 503, not 500 for an "SQL error"), and the pool replaces the connection. */
static void test_pipeline_connection_lost(void **state)
{
    (void)state;
    NEED_DB();
    db_pool_t *p = make_pool(test_url(), 2, 0, 30000, 2000);
    db_conn_t *victim = db_acquire(p), *other = db_acquire(p);
    assert_non_null(victim);
    assert_non_null(other);
    char pid[16];
    snprintf(pid, sizeof pid, "%s", one_value(victim, &BACKEND_PID, NULL));
    terminator_t t = {.conn = other, .pid = pid};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, terminate_soon, &t), 0);
    db_call_t calls[] = {{.stmt = &PIPE_BEGIN}, {.stmt = &PIPE_SLEEP}, {.stmt = &PIPE_COMMIT}};
    assert_int_equal(db_pipeline(victim, calls, 3), -1);
    pthread_join(th, NULL);
    for (int i = 0; i < 3; i++)
        assert_null(calls[i].result);
    db_release(p, victim);
    db_release(p, other);
    db_conn_t *again = db_acquire(p);
    assert_non_null(again);
    assert_non_null(one_value(again, &BACKEND_PID, NULL));
    db_release(p, again);
    db_pool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acquire_release),
        cmocka_unit_test(test_prepared_reuse),
        cmocka_unit_test(test_array_literal),
        cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_pipeline_connection_lost),
        cmocka_unit_test(test_pool_max),
        cmocka_unit_test(test_broken_replaced),
        cmocka_unit_test(test_warm_and_idle),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
