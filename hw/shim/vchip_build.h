/* Private to the chip shim: what each size's build (vchip.cpp compiled once per size) exposes to vchip.c,
 * which hides the choice behind the public functions of vchip.h. */
#ifndef AIMC_VCHIP_BUILD_H
#define AIMC_VCHIP_BUILD_H

#include "vchip.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aimc_vchip_model aimc_vchip_model; /* one build's Verilated chip with its harness */

typedef struct {
    const aimc_vchip_params *params;
    aimc_vchip_model *(*create)(uint32_t clock_period_ps, const aimc_vchip_config *cfg);
    void (*destroy)(aimc_vchip_model *m);
    bool (*trace_open)(aimc_vchip_model *m, const char *path);
    void (*eval)(aimc_vchip_model *m, const aimc_vchip_in *in, aimc_vchip_out *out);
    void (*set_codes)(aimc_vchip_model *m, uint32_t tile, const int16_t *codes, uint32_t n);
    void (*edge)(aimc_vchip_model *m);
    uint32_t (*done_tag)(const aimc_vchip_model *m, uint32_t tile);
    uint32_t (*active_tag)(const aimc_vchip_model *m, uint32_t tile);
    uint32_t (*tier_en)(const aimc_vchip_model *m, uint32_t tile);
    void (*totals)(const aimc_vchip_model *m, aimc_vchip_totals *out);
    void (*tile_counters)(const aimc_vchip_model *m, uint32_t tile, aimc_vchip_tile_counters *out);
} aimc_vchip_build;

#ifdef __cplusplus
}
#endif

#endif
