#include "tile3d.h"

#include <stdlib.h>

struct aimc_tile3d {
    uint32_t tiers;
    int selected;
    uint64_t switches, mvms;
    aimc_crossbar **tier;
};

aimc_tile3d *aimc_tile3d_create(uint32_t tiers, uint32_t rows, uint32_t cols)
{
    aimc_tile3d *t = calloc(1, sizeof *t);
    if (!t || !(t->tier = calloc(tiers, sizeof *t->tier))) {
        free(t);
        return NULL;
    }
    t->tiers = tiers;
    t->selected = -1;
    for (uint32_t i = 0; i < tiers; i++) {
        if (!(t->tier[i] = aimc_crossbar_create(rows, cols))) {
            aimc_tile3d_destroy(t);
            return NULL;
        }
    }
    return t;
}

void aimc_tile3d_destroy(aimc_tile3d *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->tiers; i++)
        aimc_crossbar_destroy(t->tier[i]);
    free(t->tier);
    free(t);
}

uint32_t aimc_tile3d_tiers(const aimc_tile3d *t) { return t->tiers; }
aimc_crossbar *aimc_tile3d_tier(aimc_tile3d *t, uint32_t tier) { return tier < t->tiers ? t->tier[tier] : NULL; }
int aimc_tile3d_selected(const aimc_tile3d *t) { return t->selected; }
uint64_t aimc_tile3d_switches(const aimc_tile3d *t) { return t->switches; }
uint64_t aimc_tile3d_mvms(const aimc_tile3d *t) { return t->mvms; }

bool aimc_tile3d_select(aimc_tile3d *t, uint32_t tier)
{
    if (t->selected == (int)tier)
        return false;
    t->selected = (int)tier;
    t->switches++;
    return true;
}

int aimc_tile3d_mvm(aimc_tile3d *t, uint32_t tier, const float *x, float *y, aimc_error *err)
{
    if (tier >= t->tiers)
        return aimc_fail(err, "tile MVM on tier %u: the tile has %u tiers", tier, t->tiers);
    if (t->selected != (int)tier)
        return aimc_fail(err, "OTT violated: MVM on tier %u while tier %d is selected", tier, t->selected);
    aimc_crossbar_mvm(t->tier[tier], x, y);
    t->mvms++;
    return 0;
}
