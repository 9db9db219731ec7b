/* The MVM backends by name (Ramulator-style: implementations chosen from configuration): "fast" is always
 * there; "cosim" in programs that link the Verilated chip (libaimc3d_cosim registers it from a constructor). */
#ifndef AIMC_BACKENDS_H
#define AIMC_BACKENDS_H

#include <stdbool.h>

#include "core/aimc_error.h"
#include "engine/mvm_backend.h"

/* Unknown or absent names fail with one line listing the engines this program has. */
aimc_mvm_backend *aimc_mvm_backend_create(const char *engine, const aimc_mvm_backend_params *p, aimc_error *err);
/* Whether this program has the engine; the engines it has, comma-separated ("cosim, fast"). */
bool aimc_mvm_backend_available(const char *engine);
const char *aimc_mvm_backend_names(void);

typedef struct {
    const char *name;
    aimc_mvm_backend *(*create)(const aimc_mvm_backend_params *p, aimc_error *err);
} aimc_mvm_backend_kind;

/* Makes an engine available by name (the cosim library calls it from a constructor). */
void aimc_mvm_backend_register(const aimc_mvm_backend_kind *kind);

#endif
