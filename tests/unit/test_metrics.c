/* test_metrics: the Prometheus text format (escaping, values, cumulative histograms), the
 * fixed label sets, and counts that stay exact when several threads record at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/metrics.h"
#include "store/redis.h"

static int reset(void **state)
{
    (void)state;
    metrics_reset();
    return 0;
}

static char *render(void)
{
    static buf_t b;
    buf_free(&b);
    buf_init(&b, 8u << 20);
    metrics_render(&b);
    assert_false(b.overflow);
    return b.data;
}

/* The value of the sample line that starts with prefix (name plus labels), or NAN. */
static double sample(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p;) {
        if (!strncmp(p, prefix, n) && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NAN;
}

static void test_values(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 4096);
    metrics_fmt_value(&b, 42);
    buf_puts(&b, " ");
    metrics_fmt_value(&b, 0.25);
    buf_puts(&b, " ");
    metrics_fmt_value(&b, 0.1);
    buf_puts(&b, " ");
    metrics_fmt_value(&b, INFINITY);
    buf_puts(&b, " ");
    metrics_fmt_value(&b, -INFINITY);
    buf_puts(&b, " ");
    metrics_fmt_value(&b, NAN);
    buf_puts(&b, " ");
    metrics_fmt_value(&b, 1e20);
    assert_string_equal(b.data, "42 0.25 0.1 +Inf -Inf NaN 1e+20");
    buf_free(&b);
}

static void test_escaping(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 4096);
    const char *labels[] = {"route", "/a\"b\\c\nd", "method", "GET", NULL};
    metrics_fmt_sample(&b, "x_total", labels, 3);
    assert_string_equal(b.data, "x_total{route=\"/a\\\"b\\\\c\\nd\",method=\"GET\"} 3\n");
    buf_reset(&b);
    metrics_fmt_sample(&b, "y", NULL, 1.5);
    assert_string_equal(b.data, "y 1.5\n");
    buf_reset(&b);
    metrics_fmt_header(&b, "z", "gauge", "two\nlines \\ here");
    assert_string_equal(b.data, "# HELP z two\\nlines \\\\ here\n# TYPE z gauge\n");
    buf_free(&b);
}

static void test_histogram_cumulative(void **state)
{
    (void)state;
    unsigned long counts[METRICS_NBUCKETS + 1] = {0};
    counts[0] = 2;                /* <= 5 ms */
    counts[8] = 1;                /* <= 2 s */
    counts[METRICS_NBUCKETS] = 1; /* > 60 s */
    buf_t b;
    buf_init(&b, 1 << 16);
    const char *labels[] = {"route", "/r", NULL};
    metrics_fmt_histogram(&b, "h", labels, counts, 75.5);
    assert_non_null(strstr(b.data, "h_bucket{route=\"/r\",le=\"0.005\"} 2\n"));
    assert_non_null(strstr(b.data, "h_bucket{route=\"/r\",le=\"1\"} 2\n"));
    assert_non_null(strstr(b.data, "h_bucket{route=\"/r\",le=\"2\"} 3\n"));
    assert_non_null(strstr(b.data, "h_bucket{route=\"/r\",le=\"60\"} 3\n"));
    assert_non_null(strstr(b.data, "h_bucket{route=\"/r\",le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(b.data, "h_sum{route=\"/r\"} 75.5\n"));
    assert_non_null(strstr(b.data, "h_count{route=\"/r\"} 4\n"));
    buf_free(&b);
}

static void test_requests_by_route_and_status(void **state)
{
    (void)state;
    static const char pattern[] = "/api/creature/:id/details";
    metrics_http_request("GET", pattern, 200, 0.003);
    metrics_http_request("GET", pattern, 200, 0.004);
    metrics_http_request("GET", pattern, 404, 0.001);
    metrics_http_request("POST", pattern, 503, 3.0);
    /* a copy of the pattern (another route table's string) is the same series */
    char copy[64];
    strcpy(copy, pattern);
    metrics_http_request("GET", copy, 200, 0.5);
    metrics_http_request("DELETE", NULL, 404, 0.0001); /* no route: one label set for all */
    metrics_http_request("GET", NULL, 405, 0.0001);
    const char *t = render();
    assert_true(sample(t, "chatlings_http_requests_total{route=\"/api/creature/:id/details\",method=\"GET\",status=\"200\"}") == 3);
    assert_true(sample(t, "chatlings_http_requests_total{route=\"/api/creature/:id/details\",method=\"GET\",status=\"404\"}") == 1);
    assert_true(sample(t, "chatlings_http_requests_total{route=\"/api/creature/:id/details\",method=\"POST\",status=\"503\"}") == 1);
    assert_true(sample(t, "chatlings_http_requests_total{route=\"(unmatched)\",method=\"\",status=\"404\"}") == 1);
    assert_true(sample(t, "chatlings_http_requests_total{route=\"(unmatched)\",method=\"\",status=\"405\"}") == 1);
    assert_true(sample(t, "chatlings_http_request_duration_seconds_count{route=\"/api/creature/:id/details\",method=\"GET\"}") == 4);
    assert_true(sample(t, "chatlings_http_request_duration_seconds_bucket{route=\"/api/creature/:id/details\",method=\"GET\",le=\"0.005\"}") == 3);
    assert_true(sample(t, "chatlings_http_request_duration_seconds_bucket{route=\"/api/creature/:id/details\",method=\"POST\",le=\"2\"}") == 0);
    assert_true(sample(t, "chatlings_http_request_duration_seconds_bucket{route=\"/api/creature/:id/details\",method=\"POST\",le=\"5\"}") == 1);
    assert_true(fabs(sample(t, "chatlings_http_request_duration_seconds_sum{route=\"/api/creature/:id/details\",method=\"GET\"}") - 0.508) < 1e-5);
    assert_true(sample(t, "chatlings_exceptions_total{kind=\"http_5xx\"}") == 1);
}

static void test_events_and_exceptions(void **state)
{
    (void)state;
    metrics_event("creature_collected");
    metrics_event("Creature-Collected"); /* folded to the same name */
    metrics_event("achievement_unlocked");
    metrics_event("");
    metrics_event("x\"y\nz");
    metrics_exception("job", "boom");
    metrics_ws_opened();
    metrics_ws_opened();
    metrics_ws_closed();
    const char *t = render();
    assert_true(sample(t, "chatlings_events_total{name=\"creature_collected\"}") == 2);
    assert_true(sample(t, "chatlings_events_total{name=\"achievement_unlocked\"}") == 1);
    assert_true(sample(t, "chatlings_events_total{name=\"unnamed\"}") == 1);
    assert_true(sample(t, "chatlings_events_total{name=\"x_y_z\"}") == 1);
    assert_true(sample(t, "chatlings_exceptions_total{kind=\"job\"}") == 1);
    assert_true(sample(t, "chatlings_websocket_connections") == 1);
    assert_true(sample(t, "chatlings_websocket_connections_total") == 2);
}

static void test_event_table_overflow(void **state)
{
    (void)state;
    char name[32];
    for (int i = 0; i < METRICS_MAX_EVENTS + 10; i++) {
        snprintf(name, sizeof name, "ev_%d", i);
        metrics_event(name);
    }
    const char *t = render();
    assert_true(sample(t, "chatlings_events_total{name=\"other\"}") == 10);
}

static int sink_deps, sink_events;
static void on_dep(const char *type, const char *name, double ms, int ok)
{
    (void)ms;
    assert_string_equal(type, "PostgreSQL");
    assert_string_equal(name, "stmt_x");
    assert_false(ok);
    sink_deps++;
}
static void on_event(const char *name)
{
    (void)name;
    sink_events++;
}

static void test_db_queries_and_sink(void **state)
{
    (void)state;
    metrics_db_query("stmt_a", 0.002, 1);
    static const metrics_sink_t sink = {.dependency = on_dep, .event = on_event};
    metrics_set_sink(&sink);
    metrics_db_query("stmt_x", 0.2, 0);
    metrics_event("e");
    metrics_set_sink(NULL);
    metrics_event("e");
    assert_int_equal(sink_deps, 1);
    assert_int_equal(sink_events, 1);
    const char *t = render();
    assert_true(sample(t, "chatlings_db_queries_total{outcome=\"ok\"}") == 1);
    assert_true(sample(t, "chatlings_db_queries_total{outcome=\"error\"}") == 1);
    assert_true(sample(t, "chatlings_db_query_duration_seconds_count") == 2);
    assert_true(sample(t, "chatlings_db_query_duration_seconds_bucket{le=\"0.005\"}") == 1);
    assert_true(sample(t, "chatlings_db_query_duration_seconds_bucket{le=\"0.25\"}") == 2);
}

#define THREADS 4
#define PER_THREAD 20000
static const char *const ROUTES[] = {"/a", "/b", "/c", "/d", "/e"};

static void *hammer(void *arg)
{
    int id = (int)(intptr_t)arg;
    redis_stats_t rs = {.connect_attempts = 1, .connects = 1, .failures = (unsigned long)id};
    for (int i = 0; i < PER_THREAD; i++) {
        metrics_http_request("GET", ROUTES[i % 5], i % 2 ? 200 : 500, 0.001 * (i % 7));
        if (i % 100 == 0)
            metrics_event("tick");
    }
    metrics_redis_sample(&rs);
    return NULL;
}

static void test_concurrent_counts_exact(void **state)
{
    (void)state;
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, hammer, (void *)(intptr_t)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    const char *t = render();
    double total = 0;
    char prefix[160];
    for (int r = 0; r < 5; r++)
        for (int s = 0; s < 2; s++) {
            snprintf(prefix, sizeof prefix, "chatlings_http_requests_total{route=\"%s\",method=\"GET\",status=\"%d\"}",
                     ROUTES[r], s ? 200 : 500);
            double v = sample(t, prefix);
            assert_false(isnan(v));
            total += v;
        }
    assert_true(total == THREADS * PER_THREAD);
    assert_true(sample(t, "chatlings_exceptions_total{kind=\"http_5xx\"}") == THREADS * PER_THREAD / 2);
    assert_true(sample(t, "chatlings_events_total{name=\"tick\"}") == THREADS * PER_THREAD / 100);
    assert_true(sample(t, "chatlings_redis_client_connects_total") == THREADS);
    assert_true(sample(t, "chatlings_redis_client_failures_total") == 0 + 1 + 2 + 3);
}

/* Every line is a comment (# HELP / # TYPE) or `name{labels} value`, and every sample's
 * family was declared by a # TYPE line before it. */
static void test_exposition_parses(void **state)
{
    (void)state;
    metrics_http_request("GET", "/x", 200, 0.01);
    metrics_event("a");
    const char *t = render();
    regex_t sample_re, type_re;
    assert_int_equal(regcomp(&sample_re,
                             "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\\})? "
                             "(-?[0-9.e+]+|\\+Inf|-Inf|NaN)$",
                             REG_EXTENDED),
                     0);
    assert_int_equal(regcomp(&type_re, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$", REG_EXTENDED), 0);
    char *copy = strdup(t), *save = NULL;
    char families[200][96];
    int nf = 0, lines = 0;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save), lines++) {
        regmatch_t m[3];
        if (!strncmp(line, "# HELP ", 7))
            continue;
        if (!strncmp(line, "# TYPE ", 7)) {
            assert_int_equal(regexec(&type_re, line, 3, m, 0), 0);
            assert_true(nf < 200);
            snprintf(families[nf++], sizeof families[0], "%.*s", (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
            continue;
        }
        if (regexec(&sample_re, line, 2, m, 0))
            fail_msg("not a sample line: %s", line);
        char name[96];
        snprintf(name, sizeof name, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
        int declared = 0;
        for (int i = 0; i < nf && !declared; i++) {
            size_t fl = strlen(families[i]);
            declared = !strcmp(name, families[i]) ||
                       (!strncmp(name, families[i], fl) &&
                        (!strcmp(name + fl, "_bucket") || !strcmp(name + fl, "_sum") || !strcmp(name + fl, "_count")));
        }
        if (!declared)
            fail_msg("sample without # TYPE: %s", line);
    }
    assert_true(lines > 40);
    free(copy);
    regfree(&sample_re);
    regfree(&type_re);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_histogram_cumulative),
        cmocka_unit_test_setup(test_requests_by_route_and_status, reset),
        cmocka_unit_test_setup(test_events_and_exceptions, reset),
        cmocka_unit_test_setup(test_event_table_overflow, reset),
        cmocka_unit_test_setup(test_db_queries_and_sink, reset),
        cmocka_unit_test_setup(test_concurrent_counts_exact, reset),
        cmocka_unit_test_setup(test_exposition_parses, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
