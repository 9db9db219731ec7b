/* The fast engine's MVM backend: an analytic, event-driven model of hw/token_dispatcher.sv and the tiles that
 * evaluates the four timing rules of mvm_backend.h in closed form, job by job, with no per-cycle loop.
 *
 * Because the dispatcher and the tile queues are FIFOs, a later command can never delay an earlier one, so the
 * whole timeline of a command (accept cycle, one push and one tile accept cycle per job, its done cycle) is
 * computed when it is submitted; advance() then pops group completions from a min-heap.  Per tile it keeps only
 * what the rules need: the accept cycles of its last Q jobs (the queue-space rule), the tier of its last job
 * and the cycle it is ready again.  Memory O(tiles * Q + slots + largest in_block); time O(1) per job plus the
 * job's tile cost (activation codes + aimc_tile_job_cost_compute) and O(log slots) per command.
 *
 * Energy: every job's aimc_tile_job_cost energies, plus the tier-switch energy when the job switches tiers
 * (also when the switch takes 0 cycles: the RTL counts it), are summed per group and booked to the ledger,
 * to the command's token and layer, when advance() reports the group complete.  The ledger's token time
 * window is the sequencer's business and is not touched here.
 *
 * As the cosim backend: submit refuses a cycle before now; commands may be submitted for cycles out of order (the
 * FIFO presents them in submission order, rule 1); advance() to a cycle <= now completes nothing and leaves now. */
#ifndef AIMC_FAST_BACKEND_H
#define AIMC_FAST_BACKEND_H

#include <stdint.h>

#include "core/energy_ledger.h"
#include "engine/dispatch_table.h"
#include "engine/mvm_backend.h"
#include "system/chip_config.h"

/* chip: tile count, tiers, rows, switch cycles and the tile cost's constants (copied).
 * table: the dispatch table after aimc_dispatch_table_finish; it must outlive the backend.  Every block must
 *   name a tile < chip tiles and a tier < chip tiers (checked here).
 * queue_depth: Q, the depth of every tile's job queue (>= 1).
 * slots: group slots (>= 1); advance()'s done_slots must hold `slots` entries.
 * codes_seed, codes_bits: the seed and b_in (2..16) of the activation codes each job's tile cost is computed
 *   from (activation_codes.h; key = seed, token, layer, unit, phase, in_block; chip rows codes per job).
 * ledger: where energies are booked (not owned; NULL books nothing).
 * Returns NULL with one error line on bad arguments. */
aimc_mvm_backend *aimc_fast_backend_create(const aimc_chip_config *chip, const aimc_dispatch_table *table,
                                           uint32_t queue_depth, uint32_t slots, uint64_t codes_seed,
                                           uint32_t codes_bits, aimc_ledger *ledger, aimc_error *err);

#endif
