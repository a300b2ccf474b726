/* redis: one Redis connection over TCP or TLS, with the seed's retry strategy.
 * hiredis 0.14 has no TLS, so this module owns the socket (plain or OpenSSL) and uses
 * hiredis only to format commands and parse replies.
 * Not thread-safe: each thread owns its own redis_t. */
#ifndef CHATLINGS_REDIS_H
#define CHATLINGS_REDIS_H
#include <hiredis/hiredis.h>
#include <stddef.h>

typedef struct redis redis_t;

typedef struct redis_opts {
    const char *url;       /* redis://[[user]:password@]host[:port][/db] or rediss://... (TLS);
                            * user and password may be %-encoded */
    const char *ca_file;   /* CA bundle for rediss://, NULL = system default */
    int tls_insecure;      /* skip certificate verification (tests only; refused in production) */
    int connect_timeout_ms;  /* default 2000 */
    int command_timeout_ms;  /* default 2000 */
} redis_opts_t;

/* Never fails for a server that is down: the first command connects.
 * Returns NULL on a malformed URL (message in err). */
redis_t *redis_create(const redis_opts_t *opts, char *err, size_t errlen);
void redis_destroy(redis_t *r);

/* Runs one command. Returns the reply (caller frees it; error replies are replies) or
 * NULL when Redis is unreachable or timed out (command_timeout_ms covers the round trip).
 * After a failure the connection is dropped and reconnect attempts are spaced
 * min(attempt * 50, 2000) ms apart; within that wait, commands return NULL at once so
 * callers bypass the cache instead of blocking. */
redisReply *redis_command(redis_t *r, const char *fmt, ...);
redisReply *redis_command_argv(redis_t *r, int argc, const char **argv, const size_t *argvlen);

/* freeReplyObject() that accepts NULL (hiredis 0.14's own dereferences it). */
void redis_reply_free(redisReply *rep);

/* Pipelining: append several commands then read their replies in order.
 * redis_append returns 0 or -1 (unreachable / backing off: nothing was queued).
 * redis_get_reply returns NULL after a failure, which also drops the replies still owed.
 * A redis_command issued while replies are owed reads and discards them first. */
int redis_append(redis_t *r, const char *fmt, ...);
int redis_append_argv(redis_t *r, int argc, const char **argv, const size_t *argvlen);
redisReply *redis_get_reply(redis_t *r);

/* An idle connection the server closed is noticed before the next command and replaced
 * without counting as a failure. */
int redis_is_connected(const redis_t *r);

/* For a connection in subscribe mode (after SUBSCRIBE/PSUBSCRIBE): waits up to timeout_ms for
 * the next pushed message. 1 with *out set, 0 when nothing arrived (the connection is fine),
 * -1 when the connection failed (dropped; subscribe again after reconnecting). */
int redis_read_push(redis_t *r, int timeout_ms, redisReply **out);

/* Counters for /metrics and tests; read by the owning thread. */
typedef struct redis_stats {
    unsigned long connect_attempts;  /* TCP (+TLS, AUTH, SELECT) attempts */
    unsigned long connects;          /* of which succeeded */
    unsigned long failures;          /* I/O errors, timeouts, failed connects */
    unsigned long skipped;           /* commands refused at once during a backoff wait */
    unsigned attempt;                /* consecutive failures now (0 = healthy) */
    long retry_in_ms;                /* > 0 while commands are being refused */
} redis_stats_t;
void redis_stats(const redis_t *r, redis_stats_t *out);

/* Why the last call returned NULL / -1; meaningful right after such a call only. */
const char *redis_last_error(const redis_t *r);

/* The reply parser the transport uses (hiredis's reader with bounded allocations: at most
 * REDIS_MAX_REPLY_ELEMENTS array slots per reply and REDIS_MAX_BUFFERED_INPUT unparsed bytes).
 * Exposed for tests/fuzz/fuzz_redis_reply.c. */
#define REDIS_MAX_REPLY_ELEMENTS (1u << 20)
#define REDIS_MAX_BUFFERED_INPUT ((size_t)128 << 20)
redisReader *redis_reader_create(void);
void redis_reader_free(redisReader *rd);
/* 0 fed, -1 limit exceeded or reader already failed. */
int redis_reader_feed(redisReader *rd, const char *buf, size_t len);
/* 1 reply in *out (caller frees), 0 needs more input, -1 protocol error (reader is dead). */
int redis_reader_next(redisReader *rd, redisReply **out);

#endif
