/* The chip sizes the RTL is built for (hw/meson.build), behind one handle: the smallest that fits is used. */
#include "vchip.h"

#include <stddef.h>
#include <stdlib.h>

#include "vchip_build.h"

#ifdef AIMC_VCHIP_FAULT /* the fault-injected chip only (hw/meson.build 'Vchip_fault'), for the fault tests */
extern const aimc_vchip_build aimc_vchip_fault_build;

static const aimc_vchip_build *const builds[] = {&aimc_vchip_fault_build};
#else
extern const aimc_vchip_build aimc_vchip16_build;
extern const aimc_vchip_build aimc_vchip64_build;

static const aimc_vchip_build *const builds[] = {&aimc_vchip16_build, &aimc_vchip64_build};
#endif

struct aimc_vchip {
    const aimc_vchip_build *build;
    aimc_vchip_model *model;
};

static const aimc_vchip_build *build_for(uint32_t tiles)
{
    for (size_t i = 0; i < sizeof builds / sizeof builds[0]; i++)
        if (builds[i]->params->tiles >= tiles)
            return builds[i];
    return NULL;
}

const aimc_vchip_params *aimc_vchip_params_for(uint32_t tiles)
{
    const aimc_vchip_build *b = build_for(tiles);
    return b ? b->params : NULL;
}

uint32_t aimc_vchip_max_tiles(void) { return builds[sizeof builds / sizeof builds[0] - 1]->params->tiles; }

const char *aimc_vchip_trace_format(void) { return AIMC_TRACE_FORMAT_NAME; }

aimc_vchip *aimc_vchip_create(uint32_t tiles, uint32_t clock_period_ps, const aimc_vchip_config *cfg)
{
    const aimc_vchip_build *b = build_for(tiles);
    aimc_vchip *c = b ? malloc(sizeof *c) : NULL;
    if (!c)
        return NULL;
    c->build = b;
    if (!(c->model = b->create(clock_period_ps, cfg))) {
        free(c);
        return NULL;
    }
    return c;
}

void aimc_vchip_destroy(aimc_vchip *c)
{
    if (!c)
        return;
    c->build->destroy(c->model);
    free(c);
}

const aimc_vchip_params *aimc_vchip_params_of(const aimc_vchip *c) { return c->build->params; }
bool aimc_vchip_trace_open(aimc_vchip *c, const char *path) { return c->build->trace_open(c->model, path); }
void aimc_vchip_eval(aimc_vchip *c, const aimc_vchip_in *in, aimc_vchip_out *out) { c->build->eval(c->model, in, out); }
void aimc_vchip_set_codes(aimc_vchip *c, uint32_t tile, const int16_t *codes, uint32_t n)
{
    c->build->set_codes(c->model, tile, codes, n);
}
void aimc_vchip_edge(aimc_vchip *c) { c->build->edge(c->model); }
uint32_t aimc_vchip_done_tag(const aimc_vchip *c, uint32_t tile) { return c->build->done_tag(c->model, tile); }
uint32_t aimc_vchip_active_tag(const aimc_vchip *c, uint32_t tile) { return c->build->active_tag(c->model, tile); }
uint32_t aimc_vchip_tier_en(const aimc_vchip *c, uint32_t tile) { return c->build->tier_en(c->model, tile); }
void aimc_vchip_get_totals(const aimc_vchip *c, aimc_vchip_totals *out) { c->build->totals(c->model, out); }
void aimc_vchip_get_tile_counters(const aimc_vchip *c, uint32_t tile, aimc_vchip_tile_counters *out)
{
    c->build->tile_counters(c->model, tile, out);
}
