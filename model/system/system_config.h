/* The system sections of a chip preset: digital units (DPUs and MHA units with their per-op cost tables),
 * the interconnect and the KV-cache DRAM.  Every calibrated constant is {"value": ..., "source": "..."};
 * a value may be a number or, for cost tables, an array (of arrays) of numbers.
 *
 * The struct is plain data (no heap), so it can be embedded in aimc_chip_config and copied freely.
 * The cost functions that read it live in digital_units.h; the formats are documented in
 * docs/system-models.md. */
#ifndef AIMC_SYSTEM_CONFIG_H
#define AIMC_SYSTEM_CONFIG_H

#include <json-c/json.h>
#include <stdint.h>

#include "core/aimc_error.h"

#define AIMC_OP_TABLE_MAX_POINTS 16
#define AIMC_ATTN_TABLE_MAX_POINTS 16

/* Element-wise / vector ops that run on a DPU.  Each has a cost table indexed by the vector length in
 * elements (the calibration's columns d_model = 256/512/768/1024 are read as element counts). */
typedef enum {
    AIMC_VOP_LAYERNORM, /* LayerNorm (or RMSNorm) of a vector */
    AIMC_VOP_ADD,       /* element-wise add (residual, expert combine) */
    AIMC_VOP_GELU,
    AIMC_VOP_RELU,
    AIMC_VOP_SILU_MUL,  /* SwiGLU: SiLU(gate) * up */
    AIMC_VOP_GATING,    /* router softmax + top-k over the E expert logits (n = E) */
    AIMC_VOP_PSUM_ADD,  /* adding the partial sums of one crossbar's C output columns (n = C) */
    AIMC_VOP_COUNT
} aimc_vector_op;

/* Preset key of each op ("layernorm", "add", "gelu", "relu", "silu_mul", "gating", "psum_add"). */
const char *aimc_vector_op_name(aimc_vector_op op);

/* Piecewise-linear in the element count between points; proportional to the element count beyond the
 * first and last points (see digital_units.h). */
typedef struct {
    uint32_t points;
    uint32_t elements[AIMC_OP_TABLE_MAX_POINTS]; /* strictly increasing, >= 1 */
    double latency_ns[AIMC_OP_TABLE_MAX_POINTS]; /* >= 0 */
    double energy_pJ[AIMC_OP_TABLE_MAX_POINTS];  /* >= 0 */
} aimc_vector_op_table;

/* Attention of a whole sequence (seq_len queries over seq_len keys) on one MHA unit, by d_model (columns)
 * and sequence length (rows).  Interpolated bilinearly in log-log space (see digital_units.h). */
typedef struct {
    uint32_t d_points, seq_points;
    uint32_t d_model[AIMC_ATTN_TABLE_MAX_POINTS]; /* strictly increasing, >= 1; at least 2 points */
    uint32_t seq_len[AIMC_ATTN_TABLE_MAX_POINTS]; /* strictly increasing, >= 1; at least 2 points */
    double latency_ns[AIMC_ATTN_TABLE_MAX_POINTS][AIMC_ATTN_TABLE_MAX_POINTS]; /* [seq][d], > 0 */
    double energy_pJ[AIMC_ATTN_TABLE_MAX_POINTS][AIMC_ATTN_TABLE_MAX_POINTS];  /* [seq][d], > 0 */
} aimc_attention_table;

typedef struct {
    uint32_t dpus;      /* DPUs: norms, activations, adds, partial sums, router top-k and gating */
    uint32_t mha_units; /* MHA units: attention over the KV cache */
    double dpu_passive_power_W; /* per unit, drawn whenever the chip runs */
    double mha_passive_power_W;
    double dpu_area_mm2;        /* per unit */
    double mha_area_mm2;
    aimc_vector_op_table op[AIMC_VOP_COUNT];
    aimc_attention_table attention;
} aimc_digital_units_config;

typedef struct {
    double latency_per_vector_ns; /* one activation vector from one unit to another */
    double energy_per_bit_pJ;
} aimc_interconnect_config;

typedef struct {
    double bandwidth_GBps;         /* 1 GB/s = 1 byte/ns */
    double active_power_W;         /* while transferring */
    double idle_power_W;           /* otherwise */
    uint32_t kv_bytes_per_element; /* KV bytes per token and layer = 2 * seq_len * kv_dim * this */
} aimc_dram_config;

typedef struct {
    aimc_digital_units_config digital;
    aimc_interconnect_config interconnect;
    aimc_dram_config dram;
} aimc_system_config;

/* Reads the "digital_units", "interconnect" and "dram" sections of a chip preset's root object.  file names
 * the preset in messages.  Returns 0, or -1 with one line "<file>: <field>: expected ..." and *out zeroed. */
int aimc_system_config_load(json_object *root, const char *file, aimc_system_config *out, aimc_error *err);

/* Area of the digital units: dpus * dpu_area_mm2 + mha_units * mha_area_mm2. */
double aimc_digital_units_area_mm2(const aimc_system_config *cfg);

#endif
