/* Internal to routing.c: the per-decision random stream.  SplitMix64 (Steele, Lea & Flood, OOPSLA 2014)
 * presented to GSL as a generator type, so GSL's samplers run on it.  Its state is one 64-bit word: opening a
 * stream costs nothing and uses the full 64-bit key (GSL's MT19937 keeps 32 bits of a seed and initialises
 * 624 words), which makes a fresh stream per routing decision cheap and collision-free in practice.
 * Kept apart from routing.c because GSL's headers and OpenBLAS's cblas.h declare the same names. */
#ifndef AIMC_ROUTE_STREAM_H
#define AIMC_ROUTE_STREAM_H

#include <stdint.h>

typedef struct {
    uint64_t s;
} aimc_route_stream;

static inline aimc_route_stream aimc_route_stream_open(uint64_t key) { return (aimc_route_stream){key}; }
double aimc_route_stream_uniform(aimc_route_stream *st);                   /* [0, 1), 53 bits */
uint32_t aimc_route_stream_uniform_int(aimc_route_stream *st, uint32_t n); /* [0, n), n >= 1 (gsl_rng_uniform_int) */
double aimc_route_stream_gaussian(aimc_route_stream *st);                  /* N(0, 1) (GSL ziggurat) */

#endif
