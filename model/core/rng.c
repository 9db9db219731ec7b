#include "core/rng.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>

struct aimc_rng {
    gsl_rng *g;
};

aimc_rng *aimc_rng_create(uint64_t seed)
{
    aimc_rng *r = malloc(sizeof *r);
    if (!r)
        return NULL;
    r->g = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r->g) {
        free(r);
        return NULL;
    }
    /* MT19937 takes an unsigned long seed; fold the high half in so 64-bit seeds stay distinct. */
    gsl_rng_set(r->g, (unsigned long)(seed ^ (seed >> 32)));
    return r;
}

void aimc_rng_destroy(aimc_rng *r)
{
    if (!r)
        return;
    gsl_rng_free(r->g);
    free(r);
}

double aimc_rng_uniform(aimc_rng *r) { return gsl_rng_uniform(r->g); }
uint32_t aimc_rng_uniform_int(aimc_rng *r, uint32_t n) { return (uint32_t)gsl_rng_uniform_int(r->g, n); }
double aimc_rng_gaussian(aimc_rng *r, double sigma) { return gsl_ran_gaussian_ziggurat(r->g, sigma); }
