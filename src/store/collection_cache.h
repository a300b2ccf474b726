/* collection_cache: user:{id}:collection (5 min), one Redis hash per player whose fields are the
 * rendered views of the collection (each filter/sort/page variant, and the stats), so that one
 * DEL after any write drops them all. A fill that raced a write is refused: a miss plants a
 * "_live" marker, the write's DEL removes it, and the fill only lands while the marker is
 * still there (a response built from a snapshot older than the write is never cached). */
#ifndef CHATLINGS_COLLECTION_CACHE_H
#define CHATLINGS_COLLECTION_CACHE_H
#include <stddef.h>

#include "core/buf.h"
#include "store/redis.h"

#define COLLECTION_CACHE_MAX_FIELDS 64 /* views kept per player; more are served uncached */

/* 1 hit (the view appended to out), 0 miss (fill with _put), -1 Redis unavailable (do not
 * bother filling). */
int collection_cache_get(redis_t *r, const char *user_id, const char *field, buf_t *out);
/* Stores a view unless the collection changed since the missing _get. Failures are ignored. */
void collection_cache_put(redis_t *r, const char *user_id, const char *field, const char *val, size_t len);
/* The key: user:{id}:collection. */
void collection_cache_key(char *key, size_t n, const char *user_id);
/* Drops every view of the player's collection. 0, or -1 when Redis is unavailable. */
int collection_cache_invalidate(redis_t *r, const char *user_id);

#endif
