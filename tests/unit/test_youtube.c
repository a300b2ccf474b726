/* test_youtube: the pure parts of the YouTube integration: the authorization URL, token and
 * list parsing (including hostile and malformed answers), error classification, RFC 3339
 * times, and quota accounting (UTC day keys, the reset time, the per-sweep budget). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrations/youtube.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define T0 1795737600000LL /* 2026-11-27T00:00:00Z */

static void test_auth_url(void **state)
{
    (void)state;
    youtube_client_t c = {.client_id = "id with space", .oauth_base = "http://127.0.0.1:9/base/"};
    char url[2048];
    assert_int_equal(youtube_auth_url(&c, "http://127.0.0.1:8080/api/youtube/callback", "STATE", "CHAL", url,
                                      sizeof url),
                     0);
    assert_non_null(strstr(url, "http://127.0.0.1:9/base/o/oauth2/v2/auth?response_type=code&"));
    assert_non_null(strstr(url, "client_id=id%20with%20space"));
    assert_non_null(strstr(url, "redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fapi%2Fyoutube%2Fcallback"));
    assert_non_null(strstr(url, "scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fyoutube.readonly"));
    assert_non_null(strstr(url, "access_type=offline"));
    assert_non_null(strstr(url, "prompt=consent"));
    assert_non_null(strstr(url, "state=STATE"));
    assert_non_null(strstr(url, "code_challenge=CHAL&code_challenge_method=S256"));
    char small[40];
    assert_int_equal(youtube_auth_url(&c, "x", "s", "c", small, sizeof small), -1);
}

static void test_tokens(void **state)
{
    (void)state;
    youtube_tokens_t t;
    char err[256];
    const char *ok = "{\"access_token\":\"at1\",\"expires_in\":3599,\"refresh_token\":\"rt1\","
                     "\"scope\":\"https://www.googleapis.com/auth/youtube.readonly\",\"token_type\":\"Bearer\"}";
    assert_int_equal(youtube_parse_tokens(200, ok, strlen(ok), &t, err, sizeof err), YT_OK);
    assert_string_equal(t.access_token, "at1");
    assert_string_equal(t.refresh_token, "rt1");
    assert_int_equal(t.expires_in, 3599);
    assert_true(youtube_scope_ok(t.scope));
    const char *refresh = "{\"access_token\":\"at2\",\"expires_in\":\"soon\"}";
    assert_int_equal(youtube_parse_tokens(200, refresh, strlen(refresh), &t, err, sizeof err), YT_OK);
    assert_string_equal(t.refresh_token, "");
    assert_int_equal(t.expires_in, 3600); /* not a number: the usual hour */
    const char *revoked = "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"}";
    assert_int_equal(youtube_parse_tokens(400, revoked, strlen(revoked), &t, err, sizeof err), YT_INVALID_GRANT);
    const char *client = "{\"error\":\"invalid_client\"}";
    assert_int_equal(youtube_parse_tokens(401, client, strlen(client), &t, err, sizeof err), YT_CONFIG);
    assert_int_equal(youtube_parse_tokens(503, "oops", 4, &t, err, sizeof err), YT_TRANSIENT);
    assert_int_equal(youtube_parse_tokens(200, "{\"access_token\":", 16, &t, err, sizeof err), YT_BAD_RESPONSE);
    assert_int_equal(youtube_parse_tokens(200, "[1,2]", 5, &t, err, sizeof err), YT_BAD_RESPONSE);
    assert_int_equal(youtube_parse_tokens(200, "{\"access_token\":\"\"}", 19, &t, err, sizeof err), YT_BAD_RESPONSE);
    assert_false(youtube_scope_ok("openid email"));
    assert_false(youtube_scope_ok("https://www.googleapis.com/auth/youtube.readonlyX"));
    assert_true(youtube_scope_ok("email https://www.googleapis.com/auth/youtube"));
    assert_false(youtube_scope_ok(NULL));
}

static void test_time(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(youtube_parse_time("2026-11-27T00:00:00Z", &ms), 0);
    assert_int_equal(ms, T0);
    assert_int_equal(youtube_parse_time("2026-11-27T02:08:05.123Z", &ms), 0);
    assert_int_equal(ms, T0 + 2 * HOUR + 8 * MIN + 5123);
    assert_int_equal(youtube_parse_time("2026-11-27T02:08:05.1234567Z", &ms), 0);
    assert_int_equal(ms, T0 + 2 * HOUR + 8 * MIN + 5123);
    assert_int_equal(youtube_parse_time("2026-11-27T01:00:00+01:00", &ms), 0);
    assert_int_equal(ms, T0);
    assert_int_equal(youtube_parse_time("2026-11-26T23:30:00-00:30", &ms), 0);
    assert_int_equal(ms, T0);
    const char *bad[] = {"", "2026-11-27", "2026-11-27T00:00:00", "2026-13-01T00:00:00Z", "2026-11-27T24:00:00Z",
                         "2026-11-27T00:00:00.Z", "2026-11-27T00:00:00Zjunk", "2026-11-27 00:00:00Z",
                         "yyyy-11-27T00:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(youtube_parse_time(bad[i], &ms), -1);
    assert_int_equal(youtube_parse_time(NULL, &ms), -1);
}

static void test_liked_page(void **state)
{
    (void)state;
    static youtube_page_t p;
    char err[256];
    const char *body =
        "{\"nextPageToken\":\"CAUQAA\",\"items\":["
        "{\"snippet\":{\"publishedAt\":\"2026-11-27T01:00:00Z\",\"title\":\"<script>alert(1)</script> & \\\"x\\\"\","
        "  \"videoOwnerChannelId\":\"UC_abc-1\",\"resourceId\":{\"kind\":\"youtube#video\",\"videoId\":\"dQw4w9WgXcQ\"}}},"
        "{\"snippet\":{\"publishedAt\":\"2026-11-27T00:30:00Z\",\"title\":\"Deleted video\","
        "  \"resourceId\":{\"videoId\":\"abcdefghijk\"}}},"
        "{\"snippet\":{\"publishedAt\":\"2026-11-27T00:20:00Z\",\"resourceId\":{\"videoId\":\"../../etc\"}}},"
        "{\"snippet\":{\"publishedAt\":\"yesterday\",\"resourceId\":{\"videoId\":\"zzzzzzzzzzz\"}}},"
        "{\"snippet\":{\"publishedAt\":\"2026-11-27T00:10:00Z\",\"videoOwnerChannelId\":\"bad channel\","
        "  \"resourceId\":{\"videoId\":\"yyyyyyyyyyy\"}}},"
        "\"not an object\", 42]}";
    assert_int_equal(youtube_parse_liked_page(200, body, strlen(body), &p, err, sizeof err), YT_OK);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.next_page_token, "CAUQAA");
    assert_string_equal(p.items[0].video_id, "dQw4w9WgXcQ");
    assert_string_equal(p.items[0].title, "<script>alert(1)</script> & \"x\""); /* kept as text */
    assert_string_equal(p.items[0].channel_id, "UC_abc-1");
    assert_int_equal(p.items[0].liked_ms, T0 + HOUR);
    assert_string_equal(p.items[1].channel_id, "");
    assert_string_equal(p.items[2].video_id, "yyyyyyyyyyy");
    assert_string_equal(p.items[2].channel_id, ""); /* not a channel id: dropped */
    const char *last = "{\"items\":[]}";
    assert_int_equal(youtube_parse_liked_page(200, last, strlen(last), &p, err, sizeof err), YT_OK);
    assert_int_equal(p.n, 0);
    assert_string_equal(p.next_page_token, "");
    /* malformed answers */
    const char *bad[] = {"{\"items\": [", "<html>502</html>", "{\"items\":{}}", "[]", "", "{\"kind\":\"x\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(youtube_parse_liked_page(200, bad[i], strlen(bad[i]), &p, err, sizeof err), YT_BAD_RESPONSE);
    /* a very long title is cut on a character boundary */
    char *big = malloc(8000);
    strcpy(big, "{\"items\":[{\"snippet\":{\"publishedAt\":\"2026-11-27T00:00:00Z\",\"title\":\"");
    for (int i = 0; i < 1500; i++)
        strcat(big, "\xc3\xa9"); /* é */
    strcat(big, "\",\"resourceId\":{\"videoId\":\"aaaaaaaaaaa\"}}}]}");
    assert_int_equal(youtube_parse_liked_page(200, big, strlen(big), &p, err, sizeof err), YT_OK);
    size_t n = strlen(p.items[0].title);
    assert_true(n < YOUTUBE_TITLE_MAX && n % 2 == 0);
    free(big);
}

static void test_videos(void **state)
{
    (void)state;
    youtube_video_t v[4];
    int n;
    char err[256];
    const char *body = "{\"items\":[{\"id\":\"dQw4w9WgXcQ\",\"snippet\":{\"title\":\"T1\",\"channelId\":\"UCx\","
                       "\"channelTitle\":\"<b>Chan</b>\"}},{\"id\":\"bad id!\"},{\"id\":\"k2\"}]}";
    assert_int_equal(youtube_parse_videos(200, body, strlen(body), v, 4, &n, err, sizeof err), YT_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].title, "T1");
    assert_string_equal(v[0].channel_id, "UCx");
    assert_string_equal(v[0].channel_title, "<b>Chan</b>");
    assert_string_equal(v[1].id, "k2");
    assert_string_equal(v[1].title, "");
    assert_int_equal(youtube_parse_videos(200, "nope", 4, v, 4, &n, err, sizeof err), YT_BAD_RESPONSE);
    assert_int_equal(n, 0);
}

static void test_classify(void **state)
{
    (void)state;
    const char *quota = "{\"error\":{\"code\":403,\"message\":\"The request cannot be completed because you have "
                        "exceeded your quota.\",\"errors\":[{\"domain\":\"youtube.quota\",\"reason\":\"quotaExceeded\"}]}}";
    assert_int_equal(youtube_classify_error(403, quota, strlen(quota)), YT_QUOTA);
    const char *daily = "{\"error\":{\"errors\":[{\"reason\":\"dailyLimitExceeded\"}]}}";
    assert_int_equal(youtube_classify_error(403, daily, strlen(daily)), YT_QUOTA);
    const char *rate = "{\"error\":{\"errors\":[{\"reason\":\"userRateLimitExceeded\"}]}}";
    assert_int_equal(youtube_classify_error(403, rate, strlen(rate)), YT_TRANSIENT);
    const char *perm = "{\"error\":{\"errors\":[{\"reason\":\"insufficientPermissions\"}]}}";
    assert_int_equal(youtube_classify_error(403, perm, strlen(perm)), YT_FORBIDDEN);
    assert_int_equal(youtube_classify_error(403, "garbage", 7), YT_FORBIDDEN);
    assert_int_equal(youtube_classify_error(401, "", 0), YT_UNAUTHORIZED);
    assert_int_equal(youtube_classify_error(404, "", 0), YT_NOT_FOUND);
    assert_int_equal(youtube_classify_error(429, "", 0), YT_TRANSIENT);
    assert_int_equal(youtube_classify_error(500, "", 0), YT_TRANSIENT);
    assert_int_equal(youtube_classify_error(503, NULL, 0), YT_TRANSIENT);
    assert_int_equal(youtube_classify_error(400, "", 0), YT_BAD_RESPONSE);
    static youtube_page_t p;
    char err[64];
    assert_int_equal(youtube_parse_liked_page(403, quota, strlen(quota), &p, err, sizeof err), YT_QUOTA);
}

static void test_quota(void **state)
{
    (void)state;
    char day[11];
    youtube_quota_day(T0, day);
    assert_string_equal(day, "2026-11-27");
    youtube_quota_day(T0 - 1, day);
    assert_string_equal(day, "2026-11-26");
    youtube_quota_day(T0 + DAY - 1, day);
    assert_string_equal(day, "2026-11-27");
    youtube_quota_day(0, day);
    assert_string_equal(day, "1970-01-01");
    assert_int_equal(youtube_quota_reset_ms(T0), T0 + DAY);
    assert_int_equal(youtube_quota_reset_ms(T0 + 5 * HOUR), T0 + DAY);
    assert_int_equal(youtube_quota_reset_ms(T0 - 1), T0);

    /* 10,000 units at midnight over 96 sweeps of 15 minutes: 105 players each (rounded up) */
    assert_int_equal(youtube_round_budget(10000, T0, 15 * MIN), 105);
    /* late in the day what is left goes to the few sweeps remaining */
    assert_int_equal(youtube_round_budget(1000, T0 + DAY - 30 * MIN, 15 * MIN), 500);
    assert_int_equal(youtube_round_budget(1000, T0 + DAY - 1, 15 * MIN), 1000);
    assert_int_equal(youtube_round_budget(1, T0, 15 * MIN), 1);
    assert_int_equal(youtube_round_budget(0, T0, 15 * MIN), 0);
    assert_int_equal(youtube_round_budget(-5, T0, 15 * MIN), 0);
    /* the budgets of a whole day never add up to more than the quota (give or take rounding up
     * of the last sweeps) and spend it all */
    long left = 10000, spent = 0;
    for (int64_t t = T0; t < T0 + DAY; t += 15 * MIN) {
        long b = youtube_round_budget(left, t, 15 * MIN);
        spent += b;
        left -= b;
    }
    assert_int_equal(spent, 10000);
    assert_int_equal(left, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_url),  cmocka_unit_test(test_tokens),  cmocka_unit_test(test_time),
        cmocka_unit_test(test_liked_page), cmocka_unit_test(test_videos), cmocka_unit_test(test_classify),
        cmocka_unit_test(test_quota),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
