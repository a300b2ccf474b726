/* Router and request helpers: matching, 405 Allow lists, params, query decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"
#include "http/router.h"

static void h(struct http_ctx *ctx) { (void)ctx; }

static const route_t ROUTES[] = {
    {"GET", "/api/creatures", h, AUTH_PUBLIC, RATE_READ, 1, 0},
    {"GET", "/api/creature/:id/details", h, AUTH_PUBLIC, RATE_READ, 1, 0},
    {"POST", "/api/chatrooms/:id/read", h, AUTH_SESSION, RATE_WRITE, 1, 0},
    {"GET", "/api/chatrooms/:id/messages", h, AUTH_SESSION, RATE_READ, 1, 0},
    {"POST", "/api/chatrooms/:id/messages", h, AUTH_SESSION, RATE_CHAT, 1, 0},
};
#define N (sizeof ROUTES / sizeof ROUTES[0])

static int match(const char *m, const char *p, route_match_t *out)
{
    return router_match(ROUTES, N, m, strlen(m), p, strlen(p), out);
}

static void test_static_and_params(void **state)
{
    route_match_t m;
    assert_int_equal(match("GET", "/api/creatures", &m), 0);
    assert_ptr_equal(m.route, &ROUTES[0]);
    assert_int_equal(match("GET", "/api/creature/abc/details", &m), 0);
    assert_ptr_equal(m.route, &ROUTES[1]);
    assert_int_equal(m.nparams, 1);
    assert_int_equal(m.params[0].len, 3);
    assert_memory_equal(m.params[0].start, "abc", 3);
}

static void test_no_match(void **state)
{
    route_match_t m;
    assert_int_equal(match("GET", "/api/creatures/", &m), -1);
    assert_false(m.path_matched);
    assert_int_equal(match("GET", "/api/creature//details", &m), -1);
    assert_int_equal(match("GET", "/api", &m), -1);
    assert_int_equal(match("GET", "", &m), -1);
    assert_int_equal(match("GET", "api/creatures", &m), -1);
    assert_int_equal(match("GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o", &m), -1);
}

static void test_method_not_allowed(void **state)
{
    route_match_t m;
    assert_int_equal(match("DELETE", "/api/chatrooms/x/messages", &m), -1);
    assert_true(m.path_matched);
    assert_string_equal(m.allow, "GET, POST, HEAD");
    assert_int_equal(match("POST", "/api/creatures", &m), -1);
    assert_string_equal(m.allow, "GET, HEAD");
    assert_int_equal(match("DELETE", "/api/chatrooms/x/read", &m), -1);
    assert_string_equal(m.allow, "POST");
    /* HEAD is served by the GET route; it is not a POST */
    assert_int_equal(match("HEAD", "/api/creature/abc/details", &m), 0);
    assert_ptr_equal(m.route, &ROUTES[1]);
    assert_int_equal(match("HEAD", "/api/chatrooms/x/read", &m), -1);
    assert_string_equal(m.allow, "POST");
    /* same path, the right method wins even when another method is listed first */
    assert_int_equal(match("POST", "/api/chatrooms/x/messages", &m), 0);
    assert_ptr_equal(m.route, &ROUTES[4]);
}

static void test_query(void **state)
{
    http_req_t r;
    memset(&r, 0, sizeof r);
    r.query = "rarity=Epic&q=red+fox%21&empty=&flag&bad=%zz&page=2";
    r.query_len = strlen(r.query);
    char out[16];
    assert_int_equal(http_req_query(&r, "rarity", out, sizeof out), 1);
    assert_string_equal(out, "Epic");
    assert_int_equal(http_req_query(&r, "q", out, sizeof out), 1);
    assert_string_equal(out, "red fox!");
    assert_int_equal(http_req_query(&r, "empty", out, sizeof out), 1);
    assert_string_equal(out, "");
    assert_int_equal(http_req_query(&r, "flag", out, sizeof out), 1);
    assert_int_equal(http_req_query(&r, "bad", out, sizeof out), -1);
    assert_int_equal(http_req_query(&r, "missing", out, sizeof out), 0);
    assert_int_equal(http_req_query(&r, "page", out, sizeof out), 1);
    assert_string_equal(out, "2");
    char tiny[3];
    assert_int_equal(http_req_query(&r, "rarity", tiny, sizeof tiny), -1);
}

static void test_url_decode_edges(void **state)
{
    char out[8];
    assert_int_equal(http_url_decode("%4", 2, out, sizeof out, 0), -1);
    assert_int_equal(http_url_decode("%", 1, out, sizeof out, 0), -1);
    assert_int_equal(http_url_decode("a%41", 4, out, sizeof out, 0), 2);
    assert_string_equal(out, "aA");
    assert_int_equal(http_url_decode("a+b", 3, out, sizeof out, 0), 3);
    assert_string_equal(out, "a+b");
}

static void test_error_envelope(void **state)
{
    http_res_t res;
    http_res_init(&res);
    http_res_error(&res, 404, NULL, "no \"such\" <thing>");
    assert_int_equal(res.status, 404);
    assert_string_equal(res.body.data,
                        "{\"error\":{\"code\":\"not_found\",\"message\":\"no \\\"such\\\" \\u003cthing\\u003e\"}}");
    http_res_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_and_params), cmocka_unit_test(test_no_match),
        cmocka_unit_test(test_method_not_allowed), cmocka_unit_test(test_query),
        cmocka_unit_test(test_url_decode_edges), cmocka_unit_test(test_error_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
