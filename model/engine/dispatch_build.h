/* Builds the dispatch table (what the dispatcher RTL and the fast backend expand commands with) from a
 * mapping.  Numbering of a model layer's units:
 *   0 .. E-1   routed expert e     phase 0: gate and up (or up), phase 1: down
 *   E          shared expert       same phases
 *   E+1        attention           phase 0: q, k, v          phase 1: o
 *   E+2        dense FFN           phase 0: gate and up      phase 1: down
 *   E+3        router              phase 0
 * plus one pseudo-layer L (after the model's last) for the output side:
 *   unit 0     LM head             phase 0
 *   unit 1+r   embedding row block r (one-hot MVM, when the embedding is analog)   phase 0
 * Only ANALOG matrices have blocks; an entry of a digital unit is empty.  Block order within an entry: the
 * entry's matrices in model order, each row block by row block, column blocks within. */
#ifndef AIMC_DISPATCH_BUILD_H
#define AIMC_DISPATCH_BUILD_H

#include "engine/dispatch_table.h"
#include "workload/mapping.h"

enum { AIMC_PHASE_IN = 0, AIMC_PHASE_OUT = 1, AIMC_PHASES = 2 };

typedef struct {
    uint32_t experts; /* E */
    uint32_t shared, attention, dense, router; /* unit numbers within a layer */
    uint32_t output_layer;                     /* L */
    uint32_t lm_head, embedding_first;         /* unit numbers within the output layer */
    uint32_t units;                            /* units per layer in the table */
} aimc_unit_numbering;

void aimc_unit_numbering_of(const aimc_moe_model *m, uint32_t rows, aimc_unit_numbering *out);
/* NULL with an error only on out-of-memory or a table too large to index. */
aimc_dispatch_table *aimc_dispatch_table_from_mapping(const aimc_mapping *mp, aimc_error *err);

#endif
