/* A design-space sweep spec (JSON, "format": "aimc3d-sweep/1", docs/sweeps.md): a base run (model, chip, run
 * options) and axes over chip preset fields by path (chip.tile.tiers), model fields (model.experts), run options
 * (run.batch) or whole presets (chip, model); grids multiply, zipped lists advance together.  Loading resolves
 * every point into a complete configuration: the chip and model JSON edited field by field and validated by the
 * chip's and the model's own readers, and the run options with every default filled in.
 *
 * A value the chip, model or run refuses on the base configuration is a bad spec (one error line naming the spec
 * field); a combination of valid values that is refused together is kept as an infeasible point with its reason. */
#ifndef AIMC_SWEEP_SPEC_H
#define AIMC_SWEEP_SPEC_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "core/aimc_error.h"

#define AIMC_SWEEP_FORMAT "aimc3d-sweep/1"
#define AIMC_SWEEP_PLAN_FORMAT "aimc3d-sweep-plan/1"

typedef struct aimc_sweep aimc_sweep;

/* Reads, validates and resolves a spec; NULL with one error line "<spec>: <field>: ..." on any fault. */
aimc_sweep *aimc_sweep_load(const char *spec_path, aimc_error *err);
/* The same with run options that replace the spec's base.run ones (a study's --tokens, --seed): an object
 * option -> value, checked like the spec's; NULL for none. */
aimc_sweep *aimc_sweep_load_with(const char *spec_path, json_object *run_overrides, aimc_error *err);
void aimc_sweep_destroy(aimc_sweep *s);

size_t aimc_sweep_points(const aimc_sweep *s);
/* Point i as written to points.jsonl (index, id, axes, model, chip, run, status, reason); borrowed. */
json_object *aimc_sweep_point(const aimc_sweep *s, size_t i);
size_t aimc_sweep_infeasible(const aimc_sweep *s);

/* Writes the resolved plan into dir (created when missing): sweep.json, points.jsonl, chips/ and models/ (the
 * edited presets, named by the hash of their content) and an empty points/ for the results.  Every file is
 * written atomically; results already in points/ stay (a point whose configuration is unchanged keeps its id). */
int aimc_sweep_write_plan(const aimc_sweep *s, const char *dir, aimc_error *err);

/* FNV-1a, 64 bits: the point ids and the content names of the edited presets. */
uint64_t aimc_sweep_hash(const char *text);

#endif
