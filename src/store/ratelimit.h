/* ratelimit: fixed-window counters in Redis, shared by every instance.
 * Keys rl:{class}:{subject}:{window} expire with their window. When Redis is down the
 * limiter lets requests through (fail open) rather than take the site down with it. */
#ifndef CHATLINGS_RATELIMIT_H
#define CHATLINGS_RATELIMIT_H
#include "store/redis.h"

typedef struct ratelimit_result {
    int allowed;        /* 1 = go ahead */
    long limit;
    long remaining;
    long reset_s;       /* seconds until the window resets */
} ratelimit_result_t;

/* Counts one hit for each of n subjects in class (one round trip); limit per window_s seconds.
 * 0, or -1 when Redis did not answer for them all (what did answer is in out). */
int ratelimit_hit_many(redis_t *r, const char *class_name, const char *const *subjects, int n, long limit,
                       long window_s, ratelimit_result_t *out);
/* Counts one hit for subject in class; limit per window_s seconds. */
int ratelimit_hit(redis_t *r, const char *class_name, const char *subject, long limit, long window_s,
                  ratelimit_result_t *out);

#endif
