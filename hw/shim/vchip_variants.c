/* The chip sizes the RTL is built for (hw/meson.build): the smallest that fits a run is used. */
#include <stddef.h>

#include "vchip.h"

extern const aimc_vchip_api aimc_vchip16_api;
extern const aimc_vchip_api aimc_vchip64_api;

static const aimc_vchip_api *const variants[] = {&aimc_vchip16_api, &aimc_vchip64_api};

const aimc_vchip_api *aimc_vchip_api_for(uint32_t tiles)
{
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        if (variants[i]->params->tiles >= tiles)
            return variants[i];
    return NULL;
}

uint32_t aimc_vchip_max_tiles(void) { return variants[sizeof variants / sizeof variants[0] - 1]->params->tiles; }

const char *aimc_vchip_trace_format(void) { return AIMC_TRACE_FORMAT_NAME; }
