/* buf: a growable byte buffer with a hard maximum, plus JSON string escaping.
 * Owner: whoever calls buf_init frees with buf_free (or takes .data). */
#ifndef CHATLINGS_BUF_H
#define CHATLINGS_BUF_H
#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data;   /* always NUL-terminated when len > 0 or after any append */
    size_t len, cap, max;
    int overflow; /* set once an append would exceed max; later appends are dropped */
} buf_t;

#define BUF_DEFAULT_MAX (16u << 20)

void buf_init(buf_t *b, size_t max);
void buf_free(buf_t *b);
void buf_reset(buf_t *b);
int buf_append(buf_t *b, const void *data, size_t len);
int buf_puts(buf_t *b, const char *s);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s (len bytes) as a JSON string literal with quotes; escapes control characters,
 * quotes, backslashes and <, >, & (so JSON is safe inside HTML too). Invalid UTF-8 becomes U+FFFD. */
int buf_json_str(buf_t *b, const char *s, size_t len);
/* Same, for a NUL-terminated string (NULL -> null). */
int buf_json_cstr(buf_t *b, const char *s);

#endif
