/* Seeded random numbers (GSL's MT19937 underneath).  Wrapped so that modules doing matrix work with
 * OpenBLAS's cblas.h never include GSL headers, whose gsl_cblas.h declares the same names. */
#ifndef AIMC_RNG_H
#define AIMC_RNG_H

#include <stdint.h>

typedef struct aimc_rng aimc_rng;

aimc_rng *aimc_rng_create(uint64_t seed);
void aimc_rng_destroy(aimc_rng *r);
double aimc_rng_uniform(aimc_rng *r);                   /* [0, 1) */
uint32_t aimc_rng_uniform_int(aimc_rng *r, uint32_t n); /* [0, n), n >= 1 */
double aimc_rng_gaussian(aimc_rng *r, double sigma);    /* N(0, sigma^2), ziggurat */

/* A 64-bit mix of two values (splitmix64 finaliser), to derive independent per-item seeds that do not
 * depend on the order items are visited in.  Inline: the activation-code source calls it per four codes. */
static inline uint64_t aimc_seed_mix(uint64_t a, uint64_t b)
{
    uint64_t z = a + 0x9e3779b97f4a7c15ull * (b + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#endif
