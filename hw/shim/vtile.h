/* C interface to the Verilated `tile` (tier-select controller + compute phase).  Opaque handle, plain
 * types only.  One call = one clock cycle: inputs are applied for the cycle, the outputs returned are the
 * values seen during that cycle (before the rising edge that ends it), then the edge is taken. */
#ifndef AIMC_VTILE_H
#define AIMC_VTILE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aimc_vtile aimc_vtile;

typedef struct {
    bool rst_n;
    uint16_t switch_cycles;
    uint16_t compute_cycles;
    bool req_valid;
    uint8_t req_tier;
    uint16_t req_tag;
} aimc_vtile_in;

typedef struct {
    bool req_ready;
    bool mvm_start;
    bool done_valid;
    uint16_t done_tag;
    uint32_t tier_en;
    bool busy;
    bool switching;
    uint8_t active_tier;
    uint16_t active_tag;
    uint8_t state; /* 0 IDLE, 1 SWITCH, 2 COMPUTE */
    uint32_t switch_count;
    uint32_t mvm_count;
} aimc_vtile_out;

/* Number of tiers the RTL was built with (the TIERS parameter). */
uint32_t aimc_vtile_tiers(void);
aimc_vtile *aimc_vtile_create(uint32_t clock_period_ps);
/* Finishes the simulation (final blocks) and closes the trace. */
void aimc_vtile_destroy(aimc_vtile *t);
/* Opens an FST or VCD trace (the format the build chose); returns false if it cannot be created. */
bool aimc_vtile_trace_open(aimc_vtile *t, const char *path);
/* "fst" or "vcd": the trace format compiled in. */
const char *aimc_vtile_trace_format(void);
void aimc_vtile_cycle(aimc_vtile *t, const aimc_vtile_in *in, aimc_vtile_out *out);
uint64_t aimc_vtile_cycles(const aimc_vtile *t);
/* Number of RTL assertion failures ($error) so far. */
uint64_t aimc_vtile_rtl_errors(const aimc_vtile *t);

#ifdef __cplusplus
}
#endif

#endif
