#include "crossbar.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

struct aimc_crossbar {
    uint32_t rows, cols;
    float *w; /* cols x rows */
};

aimc_crossbar *aimc_crossbar_create(uint32_t rows, uint32_t cols)
{
    aimc_crossbar *xb = calloc(1, sizeof *xb);
    if (!xb)
        return NULL;
    xb->rows = rows;
    xb->cols = cols;
    xb->w = calloc((size_t)rows * cols, sizeof *xb->w);
    if (!xb->w) {
        free(xb);
        return NULL;
    }
    return xb;
}

void aimc_crossbar_destroy(aimc_crossbar *xb)
{
    if (!xb)
        return;
    free(xb->w);
    free(xb);
}

uint32_t aimc_crossbar_rows(const aimc_crossbar *xb) { return xb->rows; }
uint32_t aimc_crossbar_cols(const aimc_crossbar *xb) { return xb->cols; }
const float *aimc_crossbar_weights(const aimc_crossbar *xb) { return xb->w; }

void aimc_crossbar_program(aimc_crossbar *xb, const float *weights, double noise_rel, uint64_t seed)
{
    size_t n = (size_t)xb->rows * xb->cols;
    memcpy(xb->w, weights, n * sizeof *xb->w);
    if (noise_rel <= 0)
        return;
    float max_abs = 0;
    for (size_t i = 0; i < n; i++)
        max_abs = fmaxf(max_abs, fabsf(weights[i]));
    double sigma = noise_rel * max_abs;
    aimc_rng *rng = aimc_rng_create(seed);
    for (size_t i = 0; i < n; i++)
        xb->w[i] += (float)aimc_rng_gaussian(rng, sigma);
    aimc_rng_destroy(rng);
}

void aimc_crossbar_mvm(const aimc_crossbar *xb, const float *x, float *y)
{
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)xb->cols, (int)xb->rows, 1.0f, xb->w, (int)xb->rows, x, 1, 0.0f,
                y, 1);
}
