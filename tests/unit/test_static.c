/* static: path normalisation refuses every traversal trick (dot segments plain and encoded,
 * encoded slashes and backslashes, NUL and control bytes, dotfiles) and keeps ordinary paths;
 * the cache rules and the SPA fallback rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/static.h"

static const char *norm(const char *raw, char *out, size_t outlen)
{
    return static_normalize_path(raw, strlen(raw), out, outlen) == 0 ? out : NULL;
}

static void test_normalize_ok(void **state)
{
    (void)state;
    static const char *const CASES[][2] = {
        {"/", "/"},
        {"/index.html", "/index.html"},
        {"/assets/app.3f9a1c.js", "/assets/app.3f9a1c.js"},
        {"/user/components/", "/user/components/"},
        {"//assets///a.js", "/assets/a.js"},
        {"/a%20b.txt", "/a b.txt"},
        {"/%61ssets/x.css", "/assets/x.css"},
        {"/collection/42", "/collection/42"},
        {"/caf%C3%A9", "/caf\xc3\xa9"},
        {"/a/b/", "/a/b/"},
        {"/a..b", "/a..b"},
        {"/x.", "/x."},
    };
    char out[STATIC_PATH_MAX];
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const char *got = norm(CASES[i][0], out, sizeof out);
        if (!got || strcmp(got, CASES[i][1]))
            fail_msg("%s -> %s, want %s", CASES[i][0], got ? got : "(refused)", CASES[i][1]);
    }
}

static void test_normalize_refused(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "",
        "index.html",
        "/..",
        "/../etc/passwd",
        "/assets/../../etc/passwd",
        "/assets/..",
        "/./index.html",
        "/%2e%2e/etc/passwd",
        "/%2E%2E/%2e%2E/etc/passwd",
        "/.%2e/x",
        "/assets%2f..%2f..%2fetc%2fpasswd",
        "/assets%2Fx.js",
        "/%2f",
        "/a%5c..%5cb",
        "/a\\..\\b",
        "/index.html%00.js",
        "/index%00",
        "/a%0d%0aSet-Cookie:x",
        "/a%7f",
        "/.env",
        "/.git/config",
        "/assets/.hidden",
        "/%2egit/HEAD",
        "/a%",
        "/a%2",
        "/a%zz",
    };
    char out[STATIC_PATH_MAX];
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        if (norm(BAD[i], out, sizeof out))
            fail_msg("%s was accepted as %s", BAD[i], out);
    /* a NUL in the raw bytes */
    assert_int_equal(static_normalize_path("/a\0b", 4, out, sizeof out), -1);
    /* too long for the buffer */
    char longp[STATIC_PATH_MAX + 10];
    longp[0] = '/';
    memset(longp + 1, 'a', sizeof longp - 2);
    longp[sizeof longp - 1] = '\0';
    assert_null(norm(longp, out, sizeof out));
}

static void test_cache_rules(void **state)
{
    (void)state;
    assert_string_equal(static_cache_control("/assets/app.3f9a1c.js"), "public, max-age=31536000, immutable");
    assert_string_equal(static_cache_control("/user/components/card.js"), "public, max-age=86400");
    assert_string_equal(static_cache_control("/index.html"), "public, max-age=3600");
    assert_string_equal(static_cache_control("/about/index.html"), "public, max-age=3600");
    assert_string_equal(static_cache_control("/sw.js"), "no-cache");
    assert_string_equal(static_cache_control("/manifest.webmanifest"), "no-cache");
    assert_string_equal(static_cache_control("/assetsx/a.js"), "no-cache");
}

static void test_wants_index(void **state)
{
    (void)state;
    const char *html = "text/html,application/xhtml+xml,*/*;q=0.8";
    assert_true(static_wants_index("/collection/42", html, strlen(html)));
    assert_true(static_wants_index("/settings", html, strlen(html)));
    assert_false(static_wants_index("/assets/missing.js", html, strlen(html)));
    assert_true(static_wants_index("/v1.2/thing", html, strlen(html))); /* only the last segment counts */
    assert_false(static_wants_index("/collection/42", "application/json", 16));
    assert_false(static_wants_index("/collection/42", NULL, 0));
    assert_false(static_wants_index("/api/nope", html, strlen(html)));
    assert_false(static_wants_index("/auth/whatever", html, strlen(html)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_ok),
        cmocka_unit_test(test_normalize_refused),
        cmocka_unit_test(test_cache_rules),
        cmocka_unit_test(test_wants_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
