/* test_redis: the Redis transport against a real redis-server, plain and TLS, plus the
 * parser limits and the retry backoff against ports where nothing (useful) listens.
 * Server tests read TEST_REDIS_URL, TEST_REDIS_TLS_URL and TEST_REDIS_CA_FILE and skip without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "store/redis.h"

typedef struct target {
    const char *name;
    const char *url_env;
    int tls;
} target_t;

static target_t plain = { "plain", "TEST_REDIS_URL", 0 };
static target_t tls = { "tls", "TEST_REDIS_TLS_URL", 1 };

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static redis_t *make(const char *url, const char *ca, int insecure, int cto, int cmdto)
{
    char err[256] = "";
    redis_opts_t o = { .url = url, .ca_file = ca, .tls_insecure = insecure,
                       .connect_timeout_ms = cto, .command_timeout_ms = cmdto };
    redis_t *r = redis_create(&o, err, sizeof err);
    if (!r)
        print_error("redis_create(%s): %s\n", url, err);
    return r;
}

/* The server URL for a target, or NULL after skip(). */
static const char *target_url(const target_t *t)
{
    const char *url = getenv(t->url_env);
    if (!url || !*url)
        return NULL;
    if (t->tls && !getenv("TEST_REDIS_CA_FILE"))
        return NULL;
    return url;
}

#define NEED_URL(t, url)                                                                  \
    const char *url = target_url(t);                                                      \
    if (!url) {                                                                           \
        skip();                                                                           \
        return;                                                                           \
    }

static redis_t *connect_target(const target_t *t, int cmdto)
{
    const char *url = target_url(t);
    redis_t *r = make(url, t->tls ? getenv("TEST_REDIS_CA_FILE") : NULL, 0, 2000, cmdto);
    assert_non_null(r);
    return r;
}

/* Keys unique to this process and target, so parallel test runs do not collide. */
static void key(char *buf, size_t n, const target_t *t, const char *name)
{
    snprintf(buf, n, "test_redis:%d:%s:%s", (int)getpid(), t->name, name);
}

static void expect_status(redisReply *rep, const char *status)
{
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STATUS);
    assert_string_equal(rep->str, status);
    freeReplyObject(rep);
}

/* A TCP port on 127.0.0.1 where nothing listens (bound then released). */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* ---- no server needed ----------------------------------------------------------------- */

static void test_url_parsing(void **state)
{
    const char *good[] = {
        "redis://127.0.0.1:6379", "redis://localhost", "redis://localhost/", "redis://h:1/15",
        "redis://:pw@h:6379/0", "redis://user:pw@h:6379", "redis://u:p%40ss@h", "redis://:a@b/c@h:1/2",
        "redis://[::1]:6379/3", "rediss://127.0.0.1:6380",
    };
    const char *bad[] = {
        "", "http://h:1", "redis://", "redis://h:0", "redis://h:65536", "redis://h:x", "redis://h:1/x",
        "redis://h:1/2/3", "redis://h:1?ssl=true", "redis://nopassword@h:1", "redis://[::1:6379",
        "redis://h:1/-1",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        redis_t *r = make(good[i], NULL, 0, 0, 0);
        assert_non_null(r);
        assert_false(redis_is_connected(r));
        redis_destroy(r);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[256] = "";
        redis_opts_t o = { .url = bad[i] };
        redis_t *r = redis_create(&o, err, sizeof err);
        if (r)
            fail_msg("accepted bad URL %s", bad[i]);
        assert_true(err[0] != '\0');
    }
    char err[256] = "";
    redis_opts_t o = { .url = "rediss://h:1", .ca_file = "/nonexistent/ca.crt" };
    assert_null(redis_create(&o, err, sizeof err));
    assert_non_null(strstr(err, "CA file"));
    redis_destroy(NULL);
    redis_reply_free(NULL);
}

static void test_reader(void **state)
{
    /* Byte by byte, a nested reply with every type. */
    const char msg[] = "*4\r\n$5\r\na\0b\r\n\r\n:-42\r\n*2\r\n+OK\r\n-ERR x\r\n$-1\r\n";
    redisReader *rd = redis_reader_create();
    assert_non_null(rd);
    redisReply *rep = NULL;
    for (size_t i = 0; i < sizeof msg - 1; i++) {
        assert_int_equal(redis_reader_next(rd, &rep), 0);
        assert_int_equal(redis_reader_feed(rd, msg + i, 1), 0);
    }
    assert_int_equal(redis_reader_next(rd, &rep), 1);
    assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
    assert_int_equal(rep->elements, 4);
    assert_int_equal(rep->element[0]->len, 5);
    assert_memory_equal(rep->element[0]->str, "a\0b\r\n", 5);
    assert_int_equal(rep->element[1]->integer, -42);
    assert_int_equal(rep->element[2]->element[0]->type, REDIS_REPLY_STATUS);
    assert_int_equal(rep->element[2]->element[1]->type, REDIS_REPLY_ERROR);
    assert_string_equal(rep->element[2]->element[1]->str, "ERR x");
    assert_int_equal(rep->element[3]->type, REDIS_REPLY_NIL);
    freeReplyObject(rep);
    assert_int_equal(redis_reader_next(rd, &rep), 0);

    /* The element budget is per reply: two replies of 600k elements each fit alone,
     * though together they pass it. */
    size_t half = 600000, n = 0;
    char *many = malloc(2 * (half * 4 + 16));
    for (int i = 0; i < 2; i++) {
        n += (size_t)sprintf(many + n, "*%zu\r\n", half);
        for (size_t k = 0; k < half; k++, n += 4)
            memcpy(many + n, ":7\r\n", 4);
    }
    assert_int_equal(redis_reader_feed(rd, many, n), 0);
    free(many);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(redis_reader_next(rd, &rep), 1);
        assert_int_equal(rep->elements, half);
        assert_int_equal(rep->element[half - 1]->integer, 7);
        freeReplyObject(rep);
    }
    assert_int_equal(redis_reader_next(rd, &rep), 0);
    redis_reader_free(rd);

    /* Counts past the budget, alone or added up over nested arrays, and negative counts,
     * fail cleanly instead of allocating (hiredis itself would abort on a failed calloc). */
    const char *hostile[] = { "*2000000000\r\n", "*-5\r\n", "*1048577\r\n",
                              "*2\r\n*1048576\r\n", "*3\r\n*524288\r\n" };
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        rd = redis_reader_create();
        assert_int_equal(redis_reader_feed(rd, hostile[i], strlen(hostile[i])), 0);
        int rc = redis_reader_next(rd, &rep);
        if (i == 4) {  /* first half fits; fill it with nils, then the second half overflows */
            assert_int_equal(rc, 0);
            char *nils = malloc(524288 * 5 + 16);
            for (size_t k = 0; k < 524288; k++)
                memcpy(nils + k * 5, "$-1\r\n", 5);
            memcpy(nils + 524288 * 5, "*524289\r\n", 9);
            assert_int_equal(redis_reader_feed(rd, nils, 524288 * 5 + 9), 0);
            free(nils);
            rc = redis_reader_next(rd, &rep);
        }
        assert_int_equal(rc, -1);
        assert_null(rep);
        assert_int_equal(redis_reader_feed(rd, "+OK\r\n", 5), -1);  /* dead stays dead */
        redis_reader_free(rd);
    }

    /* Unparsed input is bounded too (a bulk string that claims to be huge). */
    rd = redis_reader_create();
    assert_int_equal(redis_reader_feed(rd, "$999999999999\r\n", 16), 0);
    assert_int_equal(redis_reader_next(rd, &rep), 0);
    size_t chunk = 16 << 20, fed = 16;  /* big chunks: ASan's realloc always copies */
    char *big = calloc(1, chunk);
    while (fed + chunk <= REDIS_MAX_BUFFERED_INPUT) {
        assert_int_equal(redis_reader_feed(rd, big, chunk), 0);
        fed += chunk;
    }
    assert_int_equal(redis_reader_feed(rd, big, chunk), -1);
    free(big);
    redis_reader_free(rd);
}

/* Checks the wait after failure number `attempts` is about wait_ms, and that every command
 * issued during it returns NULL at once without trying to connect; returns once it is over. */
static void check_backoff_window(redis_t *r, unsigned long attempts, long wait_ms)
{
    redis_stats_t st;
    redis_stats(r, &st);
    assert_int_equal(st.connect_attempts, attempts);
    assert_int_equal(st.attempt, attempts);
    assert_true(st.retry_in_ms > wait_ms - 30 && st.retry_in_ms <= wait_ms);
    unsigned long skipped = st.skipped;
    int calls = 0;
    for (;;) {
        redis_stats(r, &st);
        if (st.retry_in_ms <= 20)  /* leave slack so no call lands just past the wait */
            break;
        int64_t t0 = now_ms();
        assert_null(redis_command(r, "GET %s", "k"));
        assert_true(now_ms() - t0 < 100);
        assert_non_null(strstr(redis_last_error(r), "backing off"));
        calls++;
        sleep_ms(2);
    }
    redis_stats(r, &st);
    assert_int_equal(st.connect_attempts, attempts);
    assert_int_equal(st.skipped, skipped + (unsigned long)calls);
    sleep_ms((int)st.retry_in_ms + 2);
}

/* Nothing listens: every call returns NULL fast, and connects are spaced by the backoff. */
static void test_down_backoff(void **state)
{
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", closed_port());
    redis_t *r = make(url, NULL, 0, 2000, 2000);
    assert_non_null(r);

    int64_t t0 = now_ms();
    assert_null(redis_command(r, "PING"));
    assert_true(now_ms() - t0 < 100);
    assert_non_null(strstr(redis_last_error(r), "refused"));
    /* The pipeline calls refuse during the wait too. */
    assert_int_equal(redis_append(r, "PING"), -1);
    assert_null(redis_get_reply(r));
    check_backoff_window(r, 1, 50);

    for (unsigned long n = 2; n <= 4; n++) {
        t0 = now_ms();
        assert_null(redis_command(r, "PING"));
        assert_true(now_ms() - t0 < 100);
        check_backoff_window(r, n, (long)n * 50);
    }
    redis_stats_t st;
    redis_stats(r, &st);
    assert_int_equal(st.failures, 4);
    assert_int_equal(st.connects, 0);
    redis_destroy(r);
}

/* Something accepts TCP but never answers: command and TLS handshake timeouts hold. */
static void test_silent_server_timeouts(void **state)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(ls, 16), 0);
    assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &al), 0);
    char url[64];

    snprintf(url, sizeof url, "redis://127.0.0.1:%d", ntohs(a.sin_port));
    redis_t *r = make(url, NULL, 0, 1000, 150);
    int64_t t0 = now_ms();
    assert_null(redis_command(r, "PING"));
    int64_t dt = now_ms() - t0;
    assert_true(dt >= 140 && dt < 600);
    assert_non_null(strstr(redis_last_error(r), "timed out"));
    assert_false(redis_is_connected(r));
    redis_destroy(r);

    snprintf(url, sizeof url, "rediss://127.0.0.1:%d", ntohs(a.sin_port));
    r = make(url, NULL, 1, 150, 1000);
    t0 = now_ms();
    assert_null(redis_command(r, "PING"));
    dt = now_ms() - t0;
    assert_true(dt >= 140 && dt < 600);
    assert_non_null(strstr(redis_last_error(r), "timed out"));
    redis_destroy(r);
    close(ls);
}

/* ---- against the real server, plain and TLS ------------------------------------------- */

static void test_set_get_del(void **state)
{
    const target_t *t = *state;
    NEED_URL(t, url);
    (void)url;
    redis_t *r = connect_target(t, 2000);
    char k[128];
    key(k, sizeof k, t, "basic");

    expect_status(redis_command(r, "SET %s %s", k, "hello"), "OK");
    assert_true(redis_is_connected(r));
    redisReply *rep = redis_command(r, "GET %s", k);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STRING);
    assert_string_equal(rep->str, "hello");
    freeReplyObject(rep);

    /* Binary-safe both ways: NUL, CR LF and high bytes, via %b and via argv. */
    const char bin[] = "a\0b\r\n$3\r\n\xff\x80z";
    size_t blen = sizeof bin - 1;
    expect_status(redis_command(r, "SET %s %b", k, bin, blen), "OK");
    rep = redis_command(r, "GET %s", k);
    assert_int_equal(rep->len, blen);
    assert_memory_equal(rep->str, bin, blen);
    freeReplyObject(rep);
    const char *argv[] = { "SET", k, bin };
    size_t argvlen[] = { 3, strlen(k), blen - 1 };
    expect_status(redis_command_argv(r, 3, argv, argvlen), "OK");
    rep = redis_command(r, "STRLEN %s", k);
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    assert_int_equal(rep->integer, blen - 1);
    freeReplyObject(rep);

    rep = redis_command(r, "DEL %s", k);
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    assert_int_equal(rep->integer, 1);
    freeReplyObject(rep);
    rep = redis_command(r, "GET %s", k);
    assert_int_equal(rep->type, REDIS_REPLY_NIL);
    freeReplyObject(rep);

    redis_stats_t st;
    redis_stats(r, &st);
    assert_int_equal(st.connects, 1);
    assert_int_equal(st.failures, 0);
    redis_destroy(r);
}

static void test_pipeline_and_errors(void **state)
{
    const target_t *t = *state;
    NEED_URL(t, url);
    (void)url;
    redis_t *r = connect_target(t, 2000);
    char k[128];
    key(k, sizeof k, t, "pipe");

    assert_int_equal(redis_append(r, "DEL %s", k), 0);
    for (int i = 0; i < 500; i++)
        assert_int_equal(redis_append(r, "INCR %s", k), 0);
    assert_int_equal(redis_append(r, "NOSUCHCOMMAND %s", k), 0);
    assert_int_equal(redis_append(r, "GET %s", k), 0);
    redisReply *rep = redis_get_reply(r);
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    freeReplyObject(rep);
    for (int i = 1; i <= 500; i++) {
        rep = redis_get_reply(r);
        assert_non_null(rep);
        assert_int_equal(rep->integer, i);
        freeReplyObject(rep);
    }
    rep = redis_get_reply(r);  /* an error reply is a reply, not a broken connection */
    assert_int_equal(rep->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(rep->str, "unknown command"));
    freeReplyObject(rep);
    rep = redis_get_reply(r);
    assert_string_equal(rep->str, "500");
    freeReplyObject(rep);
    assert_null(redis_get_reply(r));  /* nothing owed */

    /* WRONGTYPE and a syntax error, then the connection is still fine. */
    rep = redis_command(r, "LPUSH %s x", k);
    assert_int_equal(rep->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(rep->str, "WRONGTYPE"));
    freeReplyObject(rep);
    rep = redis_command(r, "SET %s", k);
    assert_int_equal(rep->type, REDIS_REPLY_ERROR);
    freeReplyObject(rep);

    /* A command issued with replies still owed gets its own reply. */
    assert_int_equal(redis_append(r, "PING"), 0);
    assert_int_equal(redis_append(r, "PING"), 0);
    rep = redis_command(r, "ECHO %s", "mine");
    assert_string_equal(rep->str, "mine");
    freeReplyObject(rep);
    redis_reply_free(redis_command(r, "DEL %s", k));

    redis_stats_t st;
    redis_stats(r, &st);
    assert_int_equal(st.connects, 1);
    assert_int_equal(st.failures, 0);
    assert_true(redis_is_connected(r));
    redis_destroy(r);
}

static void test_large_values(void **state)
{
    const target_t *t = *state;
    NEED_URL(t, url);
    (void)url;
    redis_t *r = connect_target(t, 5000);
    char k[128];
    key(k, sizeof k, t, "large");
    size_t n = 1 << 20;
    char *v = malloc(n);
    for (size_t i = 0; i < n; i++)
        v[i] = (char)(i * 131 + (i >> 8));
    expect_status(redis_command(r, "SET %s %b", k, v, n), "OK");
    redisReply *rep = redis_command(r, "GET %s", k);
    assert_non_null(rep);
    assert_int_equal(rep->len, n);
    assert_memory_equal(rep->str, v, n);
    freeReplyObject(rep);

    /* Eight 1 MB values in one pipeline, both directions at once. */
    for (int i = 0; i < 8; i++) {
        assert_int_equal(redis_append(r, "SET %s:%d %b", k, i, v, n), 0);
        assert_int_equal(redis_append(r, "GET %s:%d", k, i), 0);
    }
    for (int i = 0; i < 8; i++) {
        rep = redis_get_reply(r);
        assert_int_equal(rep->type, REDIS_REPLY_STATUS);
        freeReplyObject(rep);
        rep = redis_get_reply(r);
        assert_int_equal(rep->len, n);
        assert_memory_equal(rep->str, v, n);
        freeReplyObject(rep);
    }
    for (int i = 0; i < 8; i++)
        redis_reply_free(redis_command(r, "DEL %s:%d", k, i));
    redis_reply_free(redis_command(r, "DEL %s", k));
    free(v);
    redis_destroy(r);
}

/* The server drops an idle connection: the next command reconnects by itself. */
static void test_reconnect_after_kill(void **state)
{
    const target_t *t = *state;
    NEED_URL(t, url);
    (void)url;
    redis_t *r = connect_target(t, 2000);
    redis_t *killer = connect_target(t, 2000);
    redisReply *rep = redis_command(r, "CLIENT ID");
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    long long id = rep->integer;
    freeReplyObject(rep);

    /* By id rather than TYPE normal: other tests may share this server. */
    rep = redis_command(killer, "CLIENT KILL ID %lld", id);
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    assert_int_equal(rep->integer, 1);
    freeReplyObject(rep);
    sleep_ms(20);

    rep = redis_command(r, "PING");
    assert_non_null(rep);
    assert_string_equal(rep->str, "PONG");
    freeReplyObject(rep);
    rep = redis_command(r, "CLIENT ID");
    assert_true(rep->integer != id);
    freeReplyObject(rep);
    redis_stats_t st;
    redis_stats(r, &st);
    assert_int_equal(st.connects, 2);
    assert_int_equal(st.failures, 0);

    /* Killed while a command is in flight: that command fails, the backoff starts, and the
     * first command after it succeeds. The server holds BLPOP past our 150 ms timeout. */
    redis_destroy(r);
    r = connect_target(t, 150);
    char k[128];
    key(k, sizeof k, t, "blpop");
    int64_t t0 = now_ms();
    assert_null(redis_command(r, "BLPOP %s 1", k));
    assert_true(now_ms() - t0 < 500);
    assert_false(redis_is_connected(r));
    redis_stats(r, &st);
    assert_int_equal(st.failures, 1);
    assert_int_equal(st.attempt, 1);
    t0 = now_ms();
    assert_null(redis_command(r, "PING"));  /* inside the 50 ms wait */
    assert_true(now_ms() - t0 < 40);
    sleep_ms(60);
    rep = redis_command(r, "PING");
    assert_non_null(rep);
    assert_string_equal(rep->str, "PONG");
    freeReplyObject(rep);
    redis_stats(r, &st);
    assert_int_equal(st.attempt, 0);
    assert_int_equal(st.connects, 2);
    redis_destroy(r);
    redis_destroy(killer);
}

/* AUTH with user and password (an ACL user made for the test) and SELECT from the URL. */
static void test_auth_and_select(void **state)
{
    const target_t *t = *state;
    NEED_URL(t, url);
    redis_t *admin = connect_target(t, 2000);
    char user[64], k[128], u[512];
    snprintf(user, sizeof user, "test_redis_%d_%s", (int)getpid(), t->name);
    key(k, sizeof k, t, "db");
    expect_status(redis_command(admin, "ACL SETUSER %s reset on >p@ss/w:rd ~* &* +@all", user), "OK");

    /* host:port only: the URL given to the tests may already name a database */
    char hostport[128];
    snprintf(hostport, sizeof hostport, "%s", strstr(url, "://") + 3);
    hostport[strcspn(hostport, "/")] = '\0';
    snprintf(u, sizeof u, "%s://%s:p%%40ss/w:rd@%s/5", t->tls ? "rediss" : "redis", user, hostport);
    redis_t *r = make(u, t->tls ? getenv("TEST_REDIS_CA_FILE") : NULL, 0, 2000, 2000);
    redisReply *rep = redis_command(r, "ACL WHOAMI");
    assert_non_null(rep);
    assert_string_equal(rep->str, user);
    freeReplyObject(rep);
    expect_status(redis_command(r, "SET %s five", k), "OK");
    expect_status(redis_command(admin, "SELECT 5"), "OK");
    rep = redis_command(admin, "GET %s", k);
    assert_string_equal(rep->str, "five");
    freeReplyObject(rep);
    redis_reply_free(redis_command(admin, "DEL %s", k));
    redis_destroy(r);

    /* A wrong password is a failed connect: NULL, with the server's reason. */
    snprintf(u, sizeof u, "%s://%s:wrong@%s", t->tls ? "rediss" : "redis", user, hostport);
    r = make(u, t->tls ? getenv("TEST_REDIS_CA_FILE") : NULL, 0, 2000, 2000);
    assert_null(redis_command(r, "PING"));
    assert_non_null(strstr(redis_last_error(r), "AUTH failed"));
    redis_stats_t st;
    redis_stats(r, &st);
    assert_int_equal(st.attempt, 1);
    redis_destroy(r);

    rep = redis_command(admin, "ACL DELUSER %s", user);
    assert_int_equal(rep->integer, 1);
    freeReplyObject(rep);
    redis_destroy(admin);
}

/* ---- TLS verification ------------------------------------------------------------------ */

static void test_tls_verification(void **state)
{
    NEED_URL(&tls, url);
    const char *ca = getenv("TEST_REDIS_CA_FILE");
    const char *hostport = strstr(url, "://") + 3;
    const char *port = strrchr(hostport, ':');
    assert_non_null(port);
    char u[256];

    /* A CA that did not sign the server's certificate, and the system store. */
    const char *wrong_cas[] = { "/etc/ssl/certs/ca-certificates.crt", NULL };
    for (size_t i = 0; i < 2; i++) {
        if (wrong_cas[i] && access(wrong_cas[i], R_OK) != 0)
            continue;
        redis_t *r = make(url, wrong_cas[i], 0, 2000, 2000);
        assert_non_null(r);
        assert_null(redis_command(r, "PING"));
        assert_non_null(strstr(redis_last_error(r), "certificate verify failed"));
        assert_false(redis_is_connected(r));
        redis_destroy(r);
        /* tls_insecure is the only way past it. */
        r = make(url, wrong_cas[i], 1, 2000, 2000);
        redisReply *rep = redis_command(r, "PING");
        assert_non_null(rep);
        assert_string_equal(rep->str, "PONG");
        freeReplyObject(rep);
        redis_destroy(r);
    }

    /* Right CA, wrong name: the certificate names localhost, 127.0.0.1 and ::1 only. */
    snprintf(u, sizeof u, "rediss://127.0.0.2%s", port);
    redis_t *r = make(u, ca, 0, 2000, 2000);
    assert_null(redis_command(r, "PING"));
    if (!strstr(redis_last_error(r), "refused"))  /* server may listen on 127.0.0.1 only */
        assert_non_null(strstr(redis_last_error(r), "certificate verify failed"));
    redis_destroy(r);

    /* Right CA, by DNS name (SNI + host name check). */
    snprintf(u, sizeof u, "rediss://localhost%s", port);
    r = make(u, ca, 0, 2000, 2000);
    redisReply *rep = redis_command(r, "PING");
    if (rep)
        assert_string_equal(rep->str, "PONG");
    else  /* localhost may resolve to ::1 where the server does not listen */
        assert_null(strstr(redis_last_error(r), "certificate"));
    redis_reply_free(rep);
    redis_destroy(r);

    /* Plain Redis spoken to a TLS port (and vice versa) fails, never hangs. */
    snprintf(u, sizeof u, "redis://127.0.0.1%s", port);
    r = make(u, NULL, 0, 500, 500);
    int64_t t0 = now_ms();
    assert_null(redis_command(r, "PING"));
    assert_true(now_ms() - t0 < 1000);
    redis_destroy(r);
    const char *purl = getenv("TEST_REDIS_URL");
    if (purl && strstr(purl, "://")) {
        snprintf(u, sizeof u, "rediss://%s", strstr(purl, "://") + 3);
        r = make(u, ca, 0, 500, 500);
        t0 = now_ms();
        assert_null(redis_command(r, "PING"));
        assert_true(now_ms() - t0 < 1000);
        redis_destroy(r);
    }
}

/* One cmocka test per transport, so the report names which one failed. */
#define ON_BOTH(fn)                                                                        \
    static void fn##_plain(void **state) { void *t = &plain; fn(&t); }                    \
    static void fn##_tls(void **state) { void *t = &tls; fn(&t); }
ON_BOTH(test_set_get_del)
ON_BOTH(test_pipeline_and_errors)
ON_BOTH(test_large_values)
ON_BOTH(test_reconnect_after_kill)
ON_BOTH(test_auth_and_select)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_parsing),
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_down_backoff),
        cmocka_unit_test(test_silent_server_timeouts),
        cmocka_unit_test(test_set_get_del_plain),
        cmocka_unit_test(test_set_get_del_tls),
        cmocka_unit_test(test_pipeline_and_errors_plain),
        cmocka_unit_test(test_pipeline_and_errors_tls),
        cmocka_unit_test(test_large_values_plain),
        cmocka_unit_test(test_large_values_tls),
        cmocka_unit_test(test_reconnect_after_kill_plain),
        cmocka_unit_test(test_reconnect_after_kill_tls),
        cmocka_unit_test(test_auth_and_select_plain),
        cmocka_unit_test(test_auth_and_select_tls),
        cmocka_unit_test(test_tls_verification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
