/* config: defaults, validation, *_FILE secrets, production refusals, masking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"

static const char *VARS[] = {"CHATLINGS_ENV", "DATABASE_URL", "REDIS_URL", "CHATLINGS_SESSION_SECRET",
                             "CHATLINGS_SESSION_SECRET_FILE", "DB_POOL_MAX", "DB_POOL_MIN", "DATABASE_URL_FILE",
                             "CHATLINGS_TOKEN_KEY", "CHATLINGS_PUBLIC_URL"};

static int clear_env(void **state)
{
    for (size_t i = 0; i < sizeof VARS / sizeof VARS[0]; i++)
        unsetenv(VARS[i]);
    return 0;
}

static void test_defaults(void **state)
{
    config_t c;
    char err[256];
    assert_int_equal(config_load(&c, err, sizeof err), 0);
    assert_string_equal(c.env, "development");
    assert_int_equal(c.db_pool_max, 20);
    assert_int_equal(c.db_pool_min, 5);
    assert_int_equal(c.db_idle_timeout_ms, 30000);
    assert_int_equal(c.db_connect_timeout_ms, 2000);
    assert_string_equal(c.listen, "127.0.0.1:8080");
}

static void test_bad_values(void **state)
{
    config_t c;
    char err[256];
    setenv("DB_POOL_MAX", "lots", 1);
    assert_int_equal(config_load(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "DB_POOL_MAX"));
    setenv("DB_POOL_MAX", "3", 1);
    setenv("DB_POOL_MIN", "4", 1);
    assert_int_equal(config_load(&c, err, sizeof err), -1);
    setenv("CHATLINGS_ENV", "staging", 1);
    assert_int_equal(config_load(&c, err, sizeof err), -1);
}

static void test_production_refuses_defaults(void **state)
{
    config_t c;
    char err[256];
    setenv("CHATLINGS_ENV", "production", 1);
    assert_int_equal(config_load(&c, err, sizeof err), -1);
    setenv("DATABASE_URL", "postgresql://app:pw@db.example/chatlings?sslmode=require", 1);
    setenv("REDIS_URL", "rediss://:key@cache.example:6380/0", 1);
    assert_int_equal(config_load(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "SESSION_SECRET"));

    char path[] = "/tmp/chatlings-secret-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("0123456789abcdef0123456789abcdef-from-file\n", f);
    fclose(f);
    setenv("CHATLINGS_SESSION_SECRET_FILE", path, 1);
    assert_int_equal(config_load(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "TOKEN_KEY"));
    setenv("CHATLINGS_TOKEN_KEY", "cHJvZHVjdGlvbi1rZXktMzItYnl0ZXMtbG9uZy4uLi4=", 1);
    assert_int_equal(config_load(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "PUBLIC_URL"));
    setenv("CHATLINGS_PUBLIC_URL", "https://chatlings.example", 1);
    assert_int_equal(config_load(&c, err, sizeof err), 0);
    assert_string_equal(c.session_secret, "0123456789abcdef0123456789abcdef-from-file");
    assert_true(c.production);
    unlink(path);
    setenv("CHATLINGS_SESSION_SECRET_FILE", "/nonexistent/secret", 1);
    assert_int_equal(config_load(&c, err, sizeof err), -1);
}

static void test_mask(void **state)
{
    char out[256];
    config_mask_url("postgresql://app:s3cret@db/x", out, sizeof out);
    assert_string_equal(out, "postgresql://app:***@db/x");
    config_mask_url("rediss://:key@cache:6380/0", out, sizeof out);
    assert_string_equal(out, "rediss://:***@cache:6380/0");
    config_mask_url("host=db password=abc user=x", out, sizeof out);
    assert_string_equal(out, "host=db password=*** user=x");
    config_mask_url("redis://127.0.0.1:6379/0", out, sizeof out);
    assert_string_equal(out, "redis://127.0.0.1:6379/0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, clear_env),
        cmocka_unit_test_setup(test_bad_values, clear_env),
        cmocka_unit_test_setup(test_production_refuses_defaults, clear_env),
        cmocka_unit_test_setup(test_mask, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
