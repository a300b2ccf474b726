/* buf: bounds and JSON escaping (the escaping is what keeps player text inert in pages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"

static void test_append_and_max(void **state)
{
    buf_t b;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "1234567"), 0);
    assert_int_equal(buf_puts(&b, "8"), -1);
    assert_true(b.overflow);
    assert_string_equal(b.data, "1234567");
    buf_reset(&b);
    assert_int_equal(buf_printf(&b, "%d", 42), 0);
    assert_string_equal(b.data, "42");
    buf_free(&b);
}

static void test_printf_long(void **state)
{
    buf_t b;
    buf_init(&b, 0);
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(buf_printf(&b, "<%s>", big), 0);
    assert_int_equal(b.len, 1001);
    buf_free(&b);
}

static void test_json_escape(void **state)
{
    buf_t b;
    buf_init(&b, 0);
    const char in[] = "a\"b\\c\n<script>&\x01\xc3\xa9\xff\xed\xa0\x80";
    buf_json_str(&b, in, sizeof in - 1);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u003cscript\\u003e\\u0026\\u0001\xc3\xa9\\ufffd\\ufffd\\ufffd\\ufffd\"");
    buf_reset(&b);
    buf_json_cstr(&b, NULL);
    assert_string_equal(b.data, "null");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_max),
        cmocka_unit_test(test_printf_long),
        cmocka_unit_test(test_json_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
