/* One tier of a 3D tile: an R x C analog crossbar holding one weight block, computing y = W x.
 * This is the accuracy model of the 3D AIMC paper: weights programmed once with additive Gaussian noise of
 * standard deviation sigma * max|W| (Buechel et al. 2025, IBM analog-moe); the device-level physics
 * (conductance pairs, drift, read noise) is in analog_tier.h. */
#ifndef AIMC_CROSSBAR_H
#define AIMC_CROSSBAR_H

#include <stdint.h>

typedef struct aimc_crossbar aimc_crossbar;

/* rows = inputs (word lines), cols = outputs (bit lines). Weights start at zero. NULL on out-of-memory. */
aimc_crossbar *aimc_crossbar_create(uint32_t rows, uint32_t cols);
void aimc_crossbar_destroy(aimc_crossbar *xb);

uint32_t aimc_crossbar_rows(const aimc_crossbar *xb);
uint32_t aimc_crossbar_cols(const aimc_crossbar *xb);

/* Programs W (cols x rows, row-major: W[out * rows + in]) with Gaussian noise of std noise_rel * max|W|,
 * drawn from `seed` (noise_rel = 0 programs exactly). */
void aimc_crossbar_program(aimc_crossbar *xb, const float *weights, double noise_rel, uint64_t seed);
/* The weights as programmed (with their noise), cols x rows row-major. */
const float *aimc_crossbar_weights(const aimc_crossbar *xb);

/* y[cols] = W x[rows] (OpenBLAS sgemv). */
void aimc_crossbar_mvm(const aimc_crossbar *xb, const float *x, float *y);

#endif
