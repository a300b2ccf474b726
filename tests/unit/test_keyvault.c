/* test_keyvault: the VAR=secret-name mapping (the HTTP side is tested black-box against
 * tests/integration/fake-keyvault.mjs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "integrations/keyvault.h"

static void test_mapping(void **state)
{
    (void)state;
    keyvault_mapping_t m[KEYVAULT_MAX_MAPPINGS];
    char err[256];
    int n = keyvault_parse_mapping("DATABASE_URL=database-url,REDIS_URL=redis-url", m, KEYVAULT_MAX_MAPPINGS, err,
                                   sizeof err);
    assert_int_equal(n, 2);
    assert_string_equal(m[1].env, "REDIS_URL");
    assert_string_equal(m[1].secret, "redis-url");
    assert_int_equal(keyvault_parse_mapping("", m, KEYVAULT_MAX_MAPPINGS, err, sizeof err), 0);
    /* the default mapping parses and names the main secrets */
    n = keyvault_parse_mapping(KEYVAULT_DEFAULT_SECRETS, m, KEYVAULT_MAX_MAPPINGS, err, sizeof err);
    assert_true(n >= 8);
    int found = 0;
    for (int i = 0; i < n; i++)
        found += !strcmp(m[i].env, "CHATLINGS_SESSION_SECRET") && !strcmp(m[i].secret, "session-secret");
    assert_int_equal(found, 1);
}

static void test_mapping_errors(void **state)
{
    (void)state;
    keyvault_mapping_t m[2];
    char err[256];
    assert_int_equal(keyvault_parse_mapping("DATABASE_URL", m, 2, err, sizeof err), -1);
    assert_int_equal(keyvault_parse_mapping("=x", m, 2, err, sizeof err), -1);
    assert_int_equal(keyvault_parse_mapping("lower=x", m, 2, err, sizeof err), -1);
    assert_int_equal(keyvault_parse_mapping("A=under_score", m, 2, err, sizeof err), -1); /* not a vault name */
    assert_int_equal(keyvault_parse_mapping("A=../x", m, 2, err, sizeof err), -1);
    assert_int_equal(keyvault_parse_mapping("A=a,B=b,C=c", m, 2, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than 2"));
}

static void test_no_vault_no_op(void **state)
{
    (void)state;
    unsetenv("CHATLINGS_KEYVAULT_URL");
    char err[256] = "";
    assert_int_equal(keyvault_load_env(err, sizeof err), 0);
    setenv("CHATLINGS_KEYVAULT_URL", "ftp://vault", 1);
    assert_int_equal(keyvault_load_env(err, sizeof err), -1);
    unsetenv("CHATLINGS_KEYVAULT_URL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapping),
        cmocka_unit_test(test_mapping_errors),
        cmocka_unit_test(test_no_vault_no_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
