/* test_admin_figures: the dashboard's reading of /metrics text: request and error counts
 * summed over routes, bucket counts summed per bound, the p95 estimate (interpolated like
 * Prometheus's histogram_quantile), and the real output of store/metrics.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "api/admin_figures.h"
#include "core/buf.h"
#include "store/metrics.h"

static void test_parse_text(void **state)
{
    (void)state;
    const char *text =
        "# HELP chatlings_http_requests_total HTTP responses\n"
        "# TYPE chatlings_http_requests_total counter\n"
        "chatlings_http_requests_total{route=\"/a\",method=\"GET\",status=\"200\"} 90\n"
        "chatlings_http_requests_total{route=\"/b\",method=\"POST\",status=\"503\"} 6\n"
        "chatlings_http_requests_total{route=\"/b\",method=\"POST\",status=\"404\"} 4\n"
        "chatlings_http_requests_total{route=\"/b\",method=\"POST\",status=\"oops\"} x\n"
        "chatlings_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"0.1\"} 50\n"
        "chatlings_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"1\"} 90\n"
        "chatlings_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"+Inf\"} 90\n"
        "chatlings_http_request_duration_seconds_sum{route=\"/a\",method=\"GET\"} 12.5\n"
        "chatlings_http_request_duration_seconds_count{route=\"/a\",method=\"GET\"} 90\n"
        "chatlings_http_request_duration_seconds_bucket{route=\"/b\",method=\"POST\",le=\"1\"} 10\n"
        "chatlings_http_request_duration_seconds_bucket{route=\"/b\",method=\"POST\",le=\"0.1\"} 0\n"
        "chatlings_http_request_duration_seconds_bucket{route=\"/b\",method=\"POST\",le=\"+Inf\"} 10\n"
        "chatlings_db_queries_total{outcome=\"ok\"} 1000\n"
        "chatlings_http_requests_total{status=\"500\"} -5\n" /* never negative */
        "chatlings_http_requests_total{broken 5\n";
    admin_http_figures_t f;
    assert_int_equal(admin_figures_parse(text, strlen(text), &f), 0);
    assert_true(f.requests == 100);
    assert_true(f.errors_5xx == 6);
    assert_true(f.errors_4xx == 4);
    assert_int_equal(f.nbuckets, 3);
    assert_true(f.le[0] == 0.1 && f.count[0] == 50);
    assert_true(f.le[1] == 1 && f.count[1] == 100);
    assert_true(isinf(f.le[2]) && f.count[2] == 100);
    /* rank 95 of 100 lies in (0.1, 1]: 0.1 + 0.9 * (95 - 50) / 50 */
    assert_true(fabs(f.p95_s - (0.1 + 0.9 * 45.0 / 50.0)) < 1e-9);
}

static void test_quantile_edges(void **state)
{
    (void)state;
    double le[] = {0.005, 0.01, INFINITY};
    double empty[] = {0, 0, 0};
    assert_true(admin_figures_quantile(0.95, le, empty, 3) == -1);
    assert_true(admin_figures_quantile(0.95, le, empty, 0) == -1);
    double first[] = {100, 100, 100};
    assert_true(fabs(admin_figures_quantile(0.95, le, first, 3) - 0.005 * 0.95) < 1e-12);
    double slow[] = {0, 0, 10}; /* everything past the last finite bound */
    assert_true(admin_figures_quantile(0.95, le, slow, 3) == 0.01);
}

static void test_real_metrics_output(void **state)
{
    (void)state;
    metrics_reset();
    for (int i = 0; i < 95; i++)
        metrics_http_request("GET", "/api/creatures", 200, 0.002);
    for (int i = 0; i < 5; i++)
        metrics_http_request("POST", "/api/x", 500, 3.0);
    metrics_http_request(NULL, NULL, 404, 0.001);
    buf_t b;
    buf_init(&b, 8u << 20);
    metrics_render(&b);
    admin_http_figures_t f;
    assert_int_equal(admin_figures_parse(b.data, b.len, &f), 0);
    assert_true(f.requests == 101);
    assert_true(f.errors_5xx == 5);
    assert_true(f.errors_4xx == 1);
    assert_true(f.nbuckets == METRICS_NBUCKETS + 1);
    assert_true(f.count[f.nbuckets - 1] == 101);
    /* 96 of 101 answered within a few ms: the 95th percentile is small */
    assert_true(f.p95_s > 0 && f.p95_s <= 0.005);
    buf_free(&b);
    metrics_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_text),
        cmocka_unit_test(test_quantile_edges),
        cmocka_unit_test(test_real_metrics_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
