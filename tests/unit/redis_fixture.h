/* redis_fixture: the real-Redis fixture shared by unit tests: the cmocka group state is a
 * connection to TEST_REDIS_URL, or NULL (and every NEED_REDIS test skipped) when it is unset.
 * Include after <cmocka.h>. */
#ifndef CHATLINGS_TEST_REDIS_FIXTURE_H
#define CHATLINGS_TEST_REDIS_FIXTURE_H
#include <stdlib.h>

#include "store/redis.h"

static inline redis_t *fixture_redis_open(const char *url)
{
    char err[256] = "";
    redis_opts_t o = {.url = url, .connect_timeout_ms = 2000, .command_timeout_ms = 2000};
    redis_t *r = redis_create(&o, err, sizeof err);
    if (!r)
        fail_msg("redis_create(%s): %s", url, err);
    return r;
}

static inline int fixture_redis_setup(void **state)
{
    const char *url = getenv("TEST_REDIS_URL");
    *state = url && *url ? fixture_redis_open(url) : NULL;
    return 0;
}

static inline int fixture_redis_teardown(void **state)
{
    redis_destroy(*state);
    return 0;
}

#define NEED_REDIS(r)                                                                              \
    redis_t *r = *state;                                                                           \
    if (!r) {                                                                                      \
        skip();                                                                                    \
        return;                                                                                    \
    }

#endif
