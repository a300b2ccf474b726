/* cidr: IP address ranges in CIDR notation ("10.0.0.0/8", "2001:db8::/32") and lists of them,
 * for the admin listener's allow-list. Every address is held as 16 bytes: IPv4 as its
 * IPv4-mapped IPv6 form (::ffff:a.b.c.d), so "127.0.0.1" and "::ffff:127.0.0.1" are the same
 * address and an IPv4 prefix /n is the IPv6 prefix /96+n. Matching compares prefix bits, never
 * text. Pure: no I/O. */
#ifndef CHATLINGS_CIDR_H
#define CHATLINGS_CIDR_H
#include <stddef.h>

#define CIDR_LIST_MAX 64

typedef struct cidr {
    unsigned char addr[16]; /* network address, host bits zero */
    int prefix;             /* 0..128, in IPv6 terms */
} cidr_t;

typedef struct cidr_list {
    cidr_t items[CIDR_LIST_MAX];
    int n;
} cidr_list_t;

/* An IPv4 or IPv6 address in text (no brackets, no zone, no prefix) into 16 bytes.
 * 0, or -1 when s is not an address. */
int cidr_parse_addr(const char *s, unsigned char out[16]);

/* "address/prefix" (IPv4 prefix 0..32, IPv6 0..128) or a bare address (a single host).
 * Host bits set beyond the prefix ("10.0.0.1/8") are refused as a likely typo.
 * 0, or -1 with a reason in err. */
int cidr_parse(const char *s, cidr_t *out, char *err, size_t errlen);

/* A comma-separated list ("127.0.0.1/32, ::1/128"); spaces around items are ignored.
 * An empty list or an empty item is an error. 0, or -1 with a reason in err. */
int cidr_list_parse(const char *spec, cidr_list_t *out, char *err, size_t errlen);

/* 1 when addr (16 bytes) lies inside c. */
int cidr_contains(const cidr_t *c, const unsigned char addr[16]);

/* 1 when the address in text lies inside one of the list's ranges; 0 otherwise, also when
 * the text is not an address (fail closed). */
int cidr_list_allows(const cidr_list_t *l, const char *addr);

#endif
