/* rng: the one pseudo-random source of the game rules: xoshiro256** seeded through splitmix64.
 * Deterministic for a given seed (the catalogue generator and unit tests rely on it); production
 * code paths seed it from the OS (libsodium randombytes) through rng_thread(). Not for secrets. */
#ifndef CHATLINGS_RNG_H
#define CHATLINGS_RNG_H
#include <stdint.h>

typedef struct rng {
    uint64_t s[4];
} rng_t;

/* One splitmix64 step (advances *x): also a good 64-bit mixer. */
uint64_t rng_splitmix64(uint64_t *x);

/* Seeds from one 64-bit value. */
void rng_seed(rng_t *r, uint64_t seed);
/* Seeds an independent stream per (seed, index, stream): the catalogue generator's scheme. */
void rng_seed_stream(rng_t *r, uint64_t seed, uint64_t index, uint64_t stream);
/* Seeds from 32 bytes of libsodium randombytes. */
void rng_seed_os(rng_t *r);

uint64_t rng_next(rng_t *r);
/* Unbiased integer in [0, n), n >= 1 (Lemire's multiply-and-reject). */
uint32_t rng_below(rng_t *r, uint32_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double rng_unit(rng_t *r);

/* The calling thread's generator, seeded from the OS on first use (handler threads, worker). */
rng_t *rng_thread(void);

#endif
