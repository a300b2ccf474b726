/* rng: xoshiro256** (Blackman & Vigna) with splitmix64 seeding. Integer arithmetic only, so the
 * same seed gives the same stream on every machine and compiler; the catalogue test pins it. */
#include "game/rng.h"

#include <sodium.h>
#include <string.h>

uint64_t rng_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t mix64(uint64_t v)
{
    uint64_t x = v;
    return rng_splitmix64(&x);
}

void rng_seed(rng_t *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&x); /* four outputs of a bijection cannot all be zero */
}

void rng_seed_stream(rng_t *r, uint64_t seed, uint64_t index, uint64_t stream)
{
    /* Hashing (not adding) index and stream: splitmix64 walks its state by a fixed step, so
     * seed + index would make stream i a shifted copy of stream i + 1. */
    uint64_t x = mix64(seed) ^ mix64(index ^ 0xA0761D6478BD642FULL) ^ mix64(stream * 0xE7037ED1A0B428DBULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&x);
}

void rng_seed_os(rng_t *r)
{
    uint64_t b[4];
    randombytes_buf(b, sizeof b);
    /* Through splitmix64 so that even an all-zero draw leaves a valid (non-zero) state. */
    uint64_t x = b[0] ^ mix64(b[1]) ^ mix64(b[2] ^ 0xA0761D6478BD642FULL) ^ mix64(b[3] ^ 0xE7037ED1A0B428DBULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&x) ^ b[i];
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1;
    sodium_memzero(b, sizeof b);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t rng_below(rng_t *r, uint32_t n)
{
    uint32_t x = (uint32_t)(rng_next(r) >> 32);
    uint64_t m = (uint64_t)x * n;
    uint32_t l = (uint32_t)m;
    if (l < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while (l < t) {
            x = (uint32_t)(rng_next(r) >> 32);
            m = (uint64_t)x * n;
            l = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

double rng_unit(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

rng_t *rng_thread(void)
{
    static __thread rng_t state;
    static __thread int seeded;
    if (!seeded) {
        rng_seed_os(&state);
        seeded = 1;
    }
    return &state;
}
