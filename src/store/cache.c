/* cache: read-through cache entries in Redis (GET / SET EX / DEL) and hit-miss counters.
 * A cache never decides an outcome: every Redis problem reads as a miss and every failed
 * write is only reported, so callers fall back to PostgreSQL. */
#include "store/cache.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_long cache_hits;
static atomic_long cache_misses;

static void count(atomic_long *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

int cache_get(redis_t *r, const char *key, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const char *argv[2] = { "GET", key };
    redisReply *rep = key ? redis_command_argv(r, 2, argv, NULL) : NULL;
    if (!rep) {
        /* The caller goes to the database either way; count it so the hit ratio is honest. */
        count(&cache_misses);
        return -1;
    }
    int rc = 0;
    if (rep->type == REDIS_REPLY_STRING) {
        /* Copied so the caller owns a plain NUL-terminated buffer, not a hiredis object. */
        char *buf = malloc(rep->len + 1);
        if (buf) {
            memcpy(buf, rep->str, rep->len);
            buf[rep->len] = '\0';
            *out = buf;
            *len = rep->len;
            rc = 1;
        }
    }
    /* NIL is the ordinary miss; an error reply (e.g. WRONGTYPE) is a miss as well. */
    count(rc == 1 ? &cache_hits : &cache_misses);
    freeReplyObject(rep);
    return rc;
}

int cache_set(redis_t *r, const char *key, const char *val, size_t len, int ttl_s)
{
    /* Every cache key expires: the eviction policy and stale-data bounds rely on it. */
    if (!key || (!val && len) || ttl_s <= 0)
        return -1;
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    const char *argv[5] = { "SET", key, val ? val : "", "EX", ttl };
    size_t argvlen[5] = { 3, strlen(key), len, 2, strlen(ttl) };
    redisReply *rep = redis_command_argv(r, 5, argv, argvlen);
    int rc = rep && rep->type == REDIS_REPLY_STATUS ? 0 : -1;
    redis_reply_free(rep);
    return rc;
}

int cache_del(redis_t *r, const char *key)
{
    if (!key)
        return -1;
    const char *argv[2] = { "DEL", key };
    redisReply *rep = redis_command_argv(r, 2, argv, NULL);
    int rc = rep && rep->type == REDIS_REPLY_INTEGER ? 0 : -1;
    redis_reply_free(rep);
    return rc;
}

void cache_counts(long *hits, long *misses)
{
    *hits = atomic_load_explicit(&cache_hits, memory_order_relaxed);
    *misses = atomic_load_explicit(&cache_misses, memory_order_relaxed);
}
