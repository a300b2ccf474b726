/* cidr: parsing and matching of CIDR ranges (see cidr.h). inet_pton does the address syntax
 * (glibc's is strict: dotted quads only, no octal or short forms); the prefix is read here. */
#include "core/cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int cidr_parse_addr(const char *s, unsigned char out[16])
{
    unsigned char v4[4];
    if (inet_pton(AF_INET, s, v4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, v4, 4);
        return 0;
    }
    return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

/* Decimal 0..max with no sign, no spaces and at most 3 digits. -1 otherwise. */
static int read_prefix(const char *s, int max)
{
    size_t n = strlen(s);
    if (n == 0 || n > 3)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= max ? v : -1;
}

int cidr_parse(const char *s, cidr_t *out, char *err, size_t errlen)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof addr) {
        snprintf(err, errlen, "\"%s\" is not an address range (want address/prefix)", s);
        return -1;
    }
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    unsigned char v4[4];
    int is_v4 = inet_pton(AF_INET, addr, v4) == 1;
    if (cidr_parse_addr(addr, out->addr)) {
        snprintf(err, errlen, "\"%s\" is not an IPv4 or IPv6 address", addr);
        return -1;
    }
    int max = is_v4 ? 32 : 128;
    int prefix = max;
    if (slash && (prefix = read_prefix(slash + 1, max)) < 0) {
        snprintf(err, errlen, "\"%s\": the prefix must be a number from 0 to %d", s, max);
        return -1;
    }
    out->prefix = is_v4 ? 96 + prefix : prefix;
    for (int bit = out->prefix; bit < 128; bit++) {
        if (out->addr[bit / 8] & (0x80 >> (bit % 8))) {
            snprintf(err, errlen, "\"%s\" has bits set past its /%d prefix (did you mean the network address?)", s,
                     prefix);
            return -1;
        }
    }
    return 0;
}

int cidr_list_parse(const char *spec, cidr_list_t *out, char *err, size_t errlen)
{
    out->n = 0;
    const char *p = spec;
    for (;;) {
        size_t n = strcspn(p, ",");
        const char *start = p, *end = p + n;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        char item[96];
        if (end == start) {
            snprintf(err, errlen, "empty entry in the address list \"%s\"", spec);
            return -1;
        }
        if ((size_t)(end - start) >= sizeof item) {
            snprintf(err, errlen, "address range too long in \"%s\"", spec);
            return -1;
        }
        if (out->n == CIDR_LIST_MAX) {
            snprintf(err, errlen, "more than %d address ranges", CIDR_LIST_MAX);
            return -1;
        }
        memcpy(item, start, (size_t)(end - start));
        item[end - start] = '\0';
        if (cidr_parse(item, &out->items[out->n], err, errlen))
            return -1;
        out->n++;
        if (!p[n])
            return 0;
        p += n + 1;
    }
}

int cidr_contains(const cidr_t *c, const unsigned char addr[16])
{
    int full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->addr, addr, (size_t)full))
        return 0;
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        if ((c->addr[full] & mask) != (addr[full] & mask))
            return 0;
    }
    return 1;
}

int cidr_list_allows(const cidr_list_t *l, const char *addr)
{
    unsigned char a[16];
    if (!addr || cidr_parse_addr(addr, a))
        return 0;
    for (int i = 0; i < l->n; i++)
        if (cidr_contains(&l->items[i], a))
            return 1;
    return 0;
}
