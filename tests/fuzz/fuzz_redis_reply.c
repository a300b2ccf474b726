/* fuzz_redis_reply: arbitrary server bytes through the reply parser the Redis transport
 * uses (redis_reader_*: hiredis's reader with our bounded reply objects), fed in chunks
 * the input chooses, the way socket reads would split them. Every reply is walked. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store/redis.h"

/* Touches every byte and checks the invariants callers rely on. */
static size_t walk(const redisReply *rep, int depth)
{
    assert(depth <= 8);
    size_t sum = 0;
    switch (rep->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        assert(rep->str && rep->str[rep->len] == '\0');
        for (size_t i = 0; i < rep->len; i++)
            sum += (unsigned char)rep->str[i];
        break;
    case REDIS_REPLY_ARRAY:
        assert(rep->elements <= REDIS_MAX_REPLY_ELEMENTS);
        assert(rep->elements == 0 || rep->element);
        for (size_t i = 0; i < rep->elements; i++) {
            assert(rep->element[i]);
            sum += walk(rep->element[i], depth + 1);
        }
        break;
    case REDIS_REPLY_INTEGER:
        sum += (size_t)rep->integer;
        break;
    case REDIS_REPLY_NIL:
        break;
    default:
        assert(!"unknown reply type");
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    redisReader *rd = redis_reader_create();
    if (!rd)
        return 0;
    /* First byte picks the read size (1..256 bytes, 0 = all at once). */
    size_t chunk = size ? data[0] : 0;
    if (size) {
        data++;
        size--;
    }
    if (chunk == 0)
        chunk = size ? size : 1;
    volatile size_t sink = 0;
    size_t off = 0;
    int dead = 0;
    while (off < size && !dead) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (redis_reader_feed(rd, (const char *)data + off, n) < 0)
            break;
        off += n;
        for (;;) {
            redisReply *rep;
            int rc = redis_reader_next(rd, &rep);
            if (rc < 0) {
                dead = 1;
                /* A failed reader must stay failed, as the transport assumes. */
                assert(redis_reader_feed(rd, "+OK\r\n", 5) < 0);
                break;
            }
            if (rc == 0)
                break;
            sink += walk(rep, 0);
            redis_reply_free(rep);
        }
    }
    (void)sink;
    redis_reader_free(rd);
    return 0;
}
