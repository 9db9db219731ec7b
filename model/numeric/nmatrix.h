/* One matrix of a numeric forward pass, prepared where the assignment puts it, computing Y = X W^T for a
 * batch of rows (W as a checkpoint stores it: out_dim x in_dim, row-major).
 *
 *   digital  exact float32, one OpenBLAS SGEMM.
 *   analog   cut into ceil(in/R) x ceil(out/C) blocks of the chip's R x C tier (the mapping's blocks), each
 *            programmed through the analog tier model (analog/analog_tier.h: programming noise scaled by c,
 *            drift to t, IR drop; read noise as per-MVM variances), driven by the DAC (input range: the
 *            calibrated bound of the matrix's inputs), converted by the ADC (quantization, saturation, ADC
 *            noise), rescaled and the partial sums of the row blocks added digitally.
 * Without IR drop a device does not depend on its neighbours, so an edge block is programmed as a tier of just
 * its used cells; with IR drop on, as the whole R x C crossbar, its unused cells at target 0.
 * Device draws are keyed by (seed, draw, matrix, block) only: the same block of the same matrix gets the same
 * devices whatever else is analog, so comparisons between assignments are paired.
 *
 * With no per-MVM effect (read noise, ADC noise) and ADC quantization off, the output is linear in the
 * inputs, so the blocks' effective weights W_eff x max|W| are assembled into one matrix and an MVM batch is
 * one SGEMM (the static noise is in the weights).  With programming noise, drift and IR drop off too, the
 * devices hold their targets exactly: the assembled matrix is W and, with DAC quantization off, an analog
 * matrix gives bit for bit the digital result. */
#ifndef AIMC_NMATRIX_H
#define AIMC_NMATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analog/periphery_config.h"
#include "core/aimc_error.h"

typedef struct {
    aimc_periphery_config periphery; /* the chip's tier (rows x cols) and which non-idealities are on */
    bool dac_quantization;           /* off: rows driven with the exact input value, unclipped */
    bool adc_quantization;           /* off: columns read without quantization or saturation (noise still) */
    uint64_t seed;                   /* device draws: (seed, draw, matrix, block) */
    uint32_t draw;
} aimc_analog_setup;

typedef struct {
    uint64_t rows;              /* input vectors applied (X rows) */
    uint64_t block_mvms;        /* analog: tier MVMs (rows x blocks) */
    uint64_t inputs_clipped;    /* DAC inputs beyond the input bound */
    uint64_t conversions;       /* ADC conversions */
    uint64_t outputs_saturated; /* ADC end codes */
    double macs;                /* multiply-accumulates of X W^T (2 flops each) */
    double program_s;           /* wall time programming the blocks (static non-idealities) */
    double apply_s;             /* wall time of the MVMs (DAC, SGEMMs, conversions, partial sums) */
} aimc_nmatrix_stats;

typedef struct aimc_nmatrix aimc_nmatrix;

/* Both take ownership of w (malloc'ed, out_dim x in_dim), also on failure. */
aimc_nmatrix *aimc_nmatrix_digital(float *w, uint32_t out_dim, uint32_t in_dim, aimc_error *err);
/* matrix: the matrix's index (matrices.h order), the device-draw key.  input_bound: the activation value of
 * the largest DAC code before the preset's periphery.dac input_bound scaling (> 0). */
aimc_nmatrix *aimc_nmatrix_analog(float *w, uint32_t out_dim, uint32_t in_dim, const aimc_analog_setup *a,
                                  uint64_t matrix, double input_bound, aimc_error *err);
void aimc_nmatrix_destroy(aimc_nmatrix *m);

/* Y (n x out_dim, row stride ldy) = X (n x in_dim, row stride ldx) W^T.  Read noise and ADC noise continue
 * their streams from call to call. */
int aimc_nmatrix_apply(aimc_nmatrix *m, const float *x, size_t n, size_t ldx, float *y, size_t ldy,
                       aimc_error *err);

/* Restarts the per-MVM noise streams and clears the statistics: the matrix then computes exactly as a freshly
 * prepared one (programming is the costly part; a cache of prepared matrices reuses it). */
void aimc_nmatrix_reset(aimc_nmatrix *m);

uint32_t aimc_nmatrix_blocks(const aimc_nmatrix *m); /* 0 when digital */
bool aimc_nmatrix_is_analog(const aimc_nmatrix *m);
void aimc_nmatrix_stats_add(const aimc_nmatrix *m, aimc_nmatrix_stats *sum);

/* The device-draw key of block `block` of matrix `matrix` (exposed for tests). */
uint64_t aimc_nmatrix_block_seed(uint64_t seed, uint32_t draw, uint64_t matrix, uint64_t block);

#endif
