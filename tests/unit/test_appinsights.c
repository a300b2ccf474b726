/* test_appinsights: connection-string parsing and the duration format of the exporter
 * (the sending itself is tested black-box against tests/integration/fake-appinsights.mjs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "integrations/appinsights.h"

static void test_connection_string(void **state)
{
    (void)state;
    char key[64], ep[256], err[256];
    assert_int_equal(appinsights_parse_connection_string(
                         "InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint=https://westeurope-5."
                         "in.applicationinsights.azure.com/;LiveEndpoint=https://x/",
                         key, sizeof key, ep, sizeof ep, err, sizeof err),
                     0);
    assert_string_equal(key, "00000000-1111-2222-3333-444444444444");
    assert_string_equal(ep, "https://westeurope-5.in.applicationinsights.azure.com");
    /* no endpoint: the global one; keys in any case and order */
    assert_int_equal(appinsights_parse_connection_string("instrumentationkey=abcdef01-0000-0000-0000-000000000000", key,
                                                         sizeof key, ep, sizeof ep, err, sizeof err),
                     0);
    assert_string_equal(ep, "https://dc.services.visualstudio.com");
    assert_int_equal(appinsights_parse_connection_string("IngestionEndpoint=https://x/", key, sizeof key, ep, sizeof ep,
                                                         err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "InstrumentationKey"));
    assert_int_equal(appinsights_parse_connection_string("InstrumentationKey=not a guid!", key, sizeof key, ep,
                                                         sizeof ep, err, sizeof err),
                     -1);
    assert_int_equal(appinsights_parse_connection_string(
                         "InstrumentationKey=abcdef01-0000-0000-0000-000000000000;IngestionEndpoint=ftp://x", key,
                         sizeof key, ep, sizeof ep, err, sizeof err),
                     -1);
}

static void test_duration(void **state)
{
    (void)state;
    char d[48];
    appinsights_fmt_duration(0, d, sizeof d);
    assert_string_equal(d, "0.00:00:00.000");
    appinsights_fmt_duration(1234.4, d, sizeof d);
    assert_string_equal(d, "0.00:00:01.234");
    appinsights_fmt_duration(3723004, d, sizeof d); /* 1 h 2 min 3.004 s */
    assert_string_equal(d, "0.01:02:03.004");
    appinsights_fmt_duration(90000000, d, sizeof d); /* 25 h */
    assert_string_equal(d, "1.01:00:00.000");
    appinsights_fmt_duration(-5, d, sizeof d);
    assert_string_equal(d, "0.00:00:00.000");
}

static void test_disabled_is_a_no_op(void **state)
{
    (void)state;
    assert_int_equal(appinsights_enabled(), 0);
    appinsights_track_request("GET", "/x", "id", 200, 1.0);
    appinsights_track_event("e");
    appinsights_stop();
    appinsights_stats_t st;
    appinsights_stats(&st);
    assert_int_equal(st.queued, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connection_string),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_disabled_is_a_no_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
