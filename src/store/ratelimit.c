/* ratelimit: fixed windows are coarse at the edges (up to 2x in a burst across a boundary)
 * but cost one pipelined round trip and one small key per subject and window. */
#include "store/ratelimit.h"

#include <string.h>
#include <time.h>

int ratelimit_hit(redis_t *r, const char *class_name, const char *subject, long limit, long window_s,
                  ratelimit_result_t *out)
{
    long now = (long)time(NULL);
    long window = now / window_s;
    memset(out, 0, sizeof *out);
    out->allowed = 1;
    out->limit = limit;
    out->remaining = limit;
    out->reset_s = (window + 1) * window_s - now;
    if (redis_append(r, "INCR rl:%s:%s:%ld", class_name, subject, window) ||
        redis_append(r, "EXPIRE rl:%s:%s:%ld %ld NX", class_name, subject, window, window_s + 1))
        return -1;
    redisReply *count = redis_get_reply(r);
    redisReply *exp = count ? redis_get_reply(r) : NULL;
    int rc = -1;
    if (count && count->type == REDIS_REPLY_INTEGER) {
        long n = (long)count->integer;
        out->remaining = n >= limit ? 0 : limit - n;
        out->allowed = n <= limit;
        rc = 0;
    }
    redis_reply_free(count);
    redis_reply_free(exp);
    return rc;
}
