/* cache: read-through JSON cache in Redis with the seed's keys and TTLs.
 * Every key written here has a TTL (Redis runs with volatile-lru, see docs). Failures are
 * never fatal: a Redis error is a miss, and a failed set is ignored. */
#ifndef CHATLINGS_CACHE_H
#define CHATLINGS_CACHE_H
#include <stddef.h>
#include "store/redis.h"

#define CACHE_TTL_USER_PROFILE     (15 * 60)
#define CACHE_TTL_USER_COLLECTION  (5 * 60)
#define CACHE_TTL_CREATURE         (60 * 60)
#define CACHE_TTL_YOUTUBE_VIDEO    (24 * 60 * 60)
#define CACHE_TTL_LEADERBOARD      60

/* 1 hit (*out malloc'd, NUL-terminated, *len set), 0 miss, -1 Redis unavailable. */
int cache_get(redis_t *r, const char *key, char **out, size_t *len);
/* 0 stored, -1 not stored. */
int cache_set(redis_t *r, const char *key, const char *val, size_t len, int ttl_s);
/* 0 deleted or absent, -1 Redis unavailable. */
int cache_del(redis_t *r, const char *key);

/* Hit / miss counters for /metrics (process-wide, atomic). */
void cache_counts(long *hits, long *misses);

#endif
