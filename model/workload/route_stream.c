#include "workload/route_stream.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

static uint64_t next(aimc_route_stream *st)
{
    uint64_t z = (st->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void type_set(void *state, unsigned long seed) { ((aimc_route_stream *)state)->s = seed; }
static unsigned long type_get(void *state) { return (unsigned long)(next(state) >> 32); }
static double type_get_double(void *state) { return (double)(next(state) >> 11) * 0x1.0p-53; }

static const gsl_rng_type stream_type = {"aimc-splitmix64", 0xffffffffUL, 0, sizeof(aimc_route_stream), &type_set,
                                         &type_get, &type_get_double};

double aimc_route_stream_uniform(aimc_route_stream *st)
{
    gsl_rng g = {&stream_type, st};
    return gsl_rng_uniform(&g);
}

uint32_t aimc_route_stream_uniform_int(aimc_route_stream *st, uint32_t n)
{
    gsl_rng g = {&stream_type, st};
    return (uint32_t)gsl_rng_uniform_int(&g, n);
}

double aimc_route_stream_gaussian(aimc_route_stream *st)
{
    gsl_rng g = {&stream_type, st};
    return gsl_ran_gaussian_ziggurat(&g, 1.0);
}
