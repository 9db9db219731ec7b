/* A 3D tile on the C side: T tiers (crossbars) stacked over one shared periphery, with the
 * One-Tier-at-a-Time state: one tier is selected at a time, and an MVM may only use the selected tier. */
#ifndef AIMC_TILE3D_H
#define AIMC_TILE3D_H

#include <stdbool.h>
#include <stdint.h>

#include "aimc_error.h"
#include "crossbar.h"

typedef struct aimc_tile3d aimc_tile3d;

aimc_tile3d *aimc_tile3d_create(uint32_t tiers, uint32_t rows, uint32_t cols);
void aimc_tile3d_destroy(aimc_tile3d *t);

uint32_t aimc_tile3d_tiers(const aimc_tile3d *t);
aimc_crossbar *aimc_tile3d_tier(aimc_tile3d *t, uint32_t tier);

/* Connects `tier` to the periphery; returns true when that was a switch (another tier, or none, was selected). */
bool aimc_tile3d_select(aimc_tile3d *t, uint32_t tier);
/* -1 while no tier is selected. */
int aimc_tile3d_selected(const aimc_tile3d *t);
/* Computes y = W_tier x on the selected tier; fails (OTT violation) if `tier` is not the selected one. */
int aimc_tile3d_mvm(aimc_tile3d *t, uint32_t tier, const float *x, float *y, aimc_error *err);

uint64_t aimc_tile3d_switches(const aimc_tile3d *t);
uint64_t aimc_tile3d_mvms(const aimc_tile3d *t);

#endif
