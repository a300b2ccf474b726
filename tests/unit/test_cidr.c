/* test_cidr: the admin allow-list's address ranges: IPv4 and IPv6 prefixes on and off byte
 * edges, IPv4-mapped IPv6 addresses, /0, single hosts, lists, and every kind of bad input
 * (which must be refused, never matched loosely). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/cidr.h"

static int allows(const char *spec, const char *addr)
{
    cidr_list_t l;
    char err[256];
    if (cidr_list_parse(spec, &l, err, sizeof err)) {
        print_error("unexpected parse error for %s: %s\n", spec, err);
        return -1;
    }
    return cidr_list_allows(&l, addr);
}

static void test_ipv4(void **state)
{
    (void)state;
    assert_int_equal(allows("10.0.0.0/8", "10.0.0.1"), 1);
    assert_int_equal(allows("10.0.0.0/8", "10.255.255.255"), 1);
    assert_int_equal(allows("10.0.0.0/8", "11.0.0.0"), 0);
    assert_int_equal(allows("10.0.0.0/8", "9.255.255.255"), 0);
    /* not a substring match: "10.0.0.1" is a prefix of "10.0.0.12" as text only */
    assert_int_equal(allows("10.0.0.1/32", "10.0.0.12"), 0);
    assert_int_equal(allows("10.0.0.1/32", "10.0.0.1"), 1);
    assert_int_equal(allows("1.2.3.4", "1.2.3.4"), 1); /* bare address = one host */
    assert_int_equal(allows("1.2.3.4", "1.2.3.5"), 0);
    /* prefixes that do not fall on a byte edge */
    assert_int_equal(allows("192.168.4.0/22", "192.168.7.255"), 1);
    assert_int_equal(allows("192.168.4.0/22", "192.168.8.0"), 0);
    assert_int_equal(allows("192.168.4.0/22", "192.168.3.255"), 0);
    assert_int_equal(allows("172.16.0.0/12", "172.31.1.1"), 1);
    assert_int_equal(allows("172.16.0.0/12", "172.32.0.1"), 0);
    assert_int_equal(allows("128.0.0.0/1", "127.255.255.255"), 0);
    assert_int_equal(allows("128.0.0.0/1", "200.1.1.1"), 1);
}

static void test_ipv6(void **state)
{
    (void)state;
    assert_int_equal(allows("::1/128", "::1"), 1);
    assert_int_equal(allows("::1/128", "::2"), 0);
    assert_int_equal(allows("2001:db8::/32", "2001:db8:ffff::1"), 1);
    assert_int_equal(allows("2001:db8::/32", "2001:db9::1"), 0);
    assert_int_equal(allows("2001:db8::/33", "2001:db8:7fff::1"), 1);
    assert_int_equal(allows("2001:db8::/33", "2001:db8:8000::1"), 0);
    assert_int_equal(allows("fd00::/8", "FD12:3456::1"), 1); /* case does not matter */
    /* an IPv6 range never admits an IPv4 peer unless it covers the mapped block */
    assert_int_equal(allows("::1/128", "127.0.0.1"), 0);
    assert_int_equal(allows("127.0.0.1/32", "::1"), 0);
}

static void test_ipv4_mapped(void **state)
{
    (void)state;
    /* a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d: same address */
    assert_int_equal(allows("127.0.0.1/32", "::ffff:127.0.0.1"), 1);
    assert_int_equal(allows("10.0.0.0/8", "::ffff:10.9.8.7"), 1);
    assert_int_equal(allows("10.0.0.0/8", "::ffff:11.9.8.7"), 0);
    assert_int_equal(allows("10.0.0.0/8", "::ffff:a09:807"), 1); /* hex spelling of 10.9.8.7 */
    /* and a range written in mapped form admits the plain IPv4 address */
    assert_int_equal(allows("::ffff:10.0.0.0/104", "10.1.2.3"), 1);
    assert_int_equal(allows("::ffff:10.0.0.0/104", "11.1.2.3"), 0);
    /* IPv4-compatible (deprecated ::a.b.c.d) is not the same address */
    assert_int_equal(allows("10.0.0.0/8", "::10.1.2.3"), 0);
}

static void test_zero_prefix(void **state)
{
    (void)state;
    assert_int_equal(allows("0.0.0.0/0", "1.2.3.4"), 1);
    assert_int_equal(allows("0.0.0.0/0", "255.255.255.255"), 1);
    assert_int_equal(allows("0.0.0.0/0", "::ffff:8.8.8.8"), 1);
    assert_int_equal(allows("0.0.0.0/0", "2001:db8::1"), 0); /* all of IPv4, no IPv6 */
    assert_int_equal(allows("::/0", "2001:db8::1"), 1);
    assert_int_equal(allows("::/0", "1.2.3.4"), 1);          /* everything */
}

static void test_lists(void **state)
{
    (void)state;
    const char *def = "127.0.0.1/32,::1/128";
    assert_int_equal(allows(def, "127.0.0.1"), 1);
    assert_int_equal(allows(def, "::1"), 1);
    assert_int_equal(allows(def, "127.0.0.2"), 0);
    assert_int_equal(allows(def, "10.0.0.1"), 0);
    assert_int_equal(allows(" 10.0.0.0/8 ,\t192.168.0.0/16 ", "192.168.1.1"), 1);
    assert_int_equal(allows(" 10.0.0.0/8 ,\t192.168.0.0/16 ", "172.16.0.1"), 0);
    cidr_list_t l;
    char err[256];
    assert_int_equal(cidr_list_parse("10.0.0.0/8,::1", &l, err, sizeof err), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.items[0].prefix, 104);
    assert_int_equal(l.items[1].prefix, 128);
}

static void test_bad_addresses_never_match(void **state)
{
    (void)state;
    const char *everything = "0.0.0.0/0,::/0";
    const char *bad[] = {"", "localhost", "127.0.0", "127.0.0.1.", "127.0.0.1 ", " 127.0.0.1", "0127.0.0.1",
                         "127.0.0.256", "1.2.3.4/32", "[::1]", "::1%lo", "fe80::1%eth0", "::g", "1:2:3:4:5:6:7:8:9",
                         "0x7f.0.0.1", "127.1", NULL};
    for (int i = 0; bad[i]; i++) {
        if (allows(everything, bad[i]) != 0)
            fail_msg("\"%s\" was taken for an address", bad[i]);
    }
    cidr_list_t l;
    char err[256];
    assert_int_equal(cidr_list_parse("0.0.0.0/0", &l, err, sizeof err), 0);
    assert_int_equal(cidr_list_allows(&l, NULL), 0);
}

static void test_bad_ranges_refused(void **state)
{
    (void)state;
    const char *bad[] = {"",            ",",           "10.0.0.0/8,",  ",10.0.0.0/8", "10.0.0.0/8,,::1/128",
                         "10.0.0.0/",   "/8",          "10.0.0.0/33",  "::/129",      "10.0.0.0/-1",
                         "10.0.0.0/+8", "10.0.0.0/8x", "10.0.0.0/ 8",  "10.0.0.0/0008", "10.0.0.0//8",
                         "10.0.0.1/8",  "::1/64",      "example.com/8", "10.0.0.0/8/8", "256.0.0.0/8",
                         "10.0.0.0-10.0.0.9", "*", "10.*", NULL};
    for (int i = 0; bad[i]; i++) {
        cidr_list_t l;
        char err[256] = "";
        if (cidr_list_parse(bad[i], &l, err, sizeof err) != -1)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_true(err[0] != '\0');
    }
    cidr_list_t l;
    char err[256];
    char many[64 * 16 + 32] = "";
    for (int i = 0; i <= CIDR_LIST_MAX; i++)
        strcat(many, i ? ",10.0.0.0/8" : "10.0.0.0/8");
    assert_int_equal(cidr_list_parse(many, &l, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4),          cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_ipv4_mapped),   cmocka_unit_test(test_zero_prefix),
        cmocka_unit_test(test_lists),         cmocka_unit_test(test_bad_addresses_never_match),
        cmocka_unit_test(test_bad_ranges_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
