/* ratelimit: fixed windows are coarse at the edges (up to 2x in a burst across a boundary)
 * but cost one pipelined round trip and one small key per subject and window. */
#include "store/ratelimit.h"

#include <string.h>
#include <time.h>

int ratelimit_hit_many(redis_t *r, const char *class_name, const char *const *subjects, int n, long limit,
                       long window_s, ratelimit_result_t *out)
{
    long now = (long)time(NULL);
    long window = now / window_s;
    for (int i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].allowed = 1;
        out[i].limit = limit;
        out[i].remaining = limit;
        out[i].reset_s = (window + 1) * window_s - now;
    }
    /* every subject's INCR and EXPIRE in one round trip */
    for (int i = 0; i < n; i++)
        if (redis_append(r, "INCR rl:%s:%s:%ld", class_name, subjects[i], window) ||
            redis_append(r, "EXPIRE rl:%s:%s:%ld %ld NX", class_name, subjects[i], window, window_s + 1))
            return -1;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        redisReply *count = redis_get_reply(r);
        redisReply *exp = count ? redis_get_reply(r) : NULL;
        if (count && count->type == REDIS_REPLY_INTEGER) {
            long hits = (long)count->integer;
            out[i].remaining = hits >= limit ? 0 : limit - hits;
            out[i].allowed = hits <= limit;
        } else {
            rc = -1;
        }
        redis_reply_free(count);
        redis_reply_free(exp);
        if (!count)
            return -1; /* the connection broke: the other replies are gone with it */
    }
    return rc;
}

int ratelimit_hit(redis_t *r, const char *class_name, const char *subject, long limit, long window_s,
                  ratelimit_result_t *out)
{
    return ratelimit_hit_many(r, class_name, &subject, 1, limit, window_s, out);
}
