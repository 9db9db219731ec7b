/* The boundary between the token sequencer (shared by both engines: digital units, routing, dataflow of a
 * token through the layers) and what runs the tier MVMs: the Verilated dispatcher and tiles (cosim
 * backend) or the analytic model of the same RTL (fast backend).  Both backends must produce the same group
 * completion cycles and book the same MVM energies; tb/engine's cross-validation test holds them together.
 *
 * Time: integer clock cycles from 0.  A backend's `now` is the first cycle it has not simulated yet.
 *
 * A command is one *group*: for one token, one layer and one phase, the list of mapping units whose blocks
 * must all be computed (e.g. phase 0 of an MoE layer: up/gate of the k routed experts and the shared expert;
 * phase 1: their down projections).  The dispatcher expands it into one job per block, in command order: the
 * units as listed, each unit's blocks in mapping-table order.  The group completes when all its jobs have.
 *
 * Exact timing shared by the RTL (hw/token_dispatcher.sv, hw/chip.sv) and the fast backend
 * (docs/architecture.md, "Dispatcher timing"):
 *  1. Commands wait in a FIFO in submission order; the one at the head is presented from the cycle it was
 *     submitted in (or the cycle after the previous one was accepted, if later).  The dispatcher accepts a
 *     command in a cycle it is IDLE: accept cycle c = max(presented, previous command's last push + 1).
 *  2. It pushes one job per cycle, from cycle c + 1 on: job j of the command is pushed in cycle
 *     p_j = max(p_{j-1} + 1, pop(tile queue slot it needs) + 1), where a job may be pushed into tile T's queue
 *     (depth Q) in cycle p only if fewer than Q of T's earlier jobs are still queued at the start of cycle p:
 *     with n the job's position in T's queue order (0-based), p >= accept_T(n - Q) + 1 when n >= Q.
 *     A stall (a cycle the dispatcher holds a job because the queue is full) is counted per tile.
 *  3. A job pushed in cycle p is visible to its tile from cycle p + 1.  Tile T accepts its n-th job in cycle
 *     a_n = max(p_n + 1, ready_n), where ready_0 = 0 and ready_n = a_{n-1} + S_{n-1} + K_{n-1}
 *     (the last compute cycle of the previous job: see the tile's timing in docs/architecture.md), S the
 *     switch cycles when the job's tier differs from the previous job's on that tile (or it is the tile's
 *     first job), K the compute phase of the job.  done_valid of the job: a_n + S_n + K_n + 1.
 *     A job that becomes visible while its tile is busy counts as an OTT conflict (cycles it waited).
 *  4. The group completes in the cycle after its last job's done_valid: group_done = max_j(done_j) + 1.
 *     The sequencer sees the completion in that cycle and may act from the next cycle on.
 */
#ifndef AIMC_MVM_BACKEND_H
#define AIMC_MVM_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "core/energy_ledger.h"
#include "core/stats.h"
#include "engine/dispatch_table.h"
#include "system/chip_config.h"

#define AIMC_MAX_GROUP_UNITS 16 /* units in one command: top-k routed + shared experts, or q/k/v */

typedef struct {
    uint32_t slot;        /* group slot, 0..slots-1, chosen by the sequencer; reusable after completion */
    uint32_t token;       /* global token id (ledger row) */
    uint32_t layer;
    uint32_t phase;
    uint32_t nunits;
    uint32_t unit[AIMC_MAX_GROUP_UNITS]; /* mapping units of this layer and phase */
} aimc_mvm_command;

/* Per-run statistics both backends fill the same way. */
typedef struct {
    uint64_t jobs;
    uint64_t tier_switches;
    uint64_t *busy_cycles;       /* per tile: cycles from accept to last compute cycle of its jobs */
    uint64_t *conflict_cycles;   /* per tile: cycles jobs waited visible in the queue while the tile was busy */
    uint64_t *stall_cycles;      /* per tile: cycles the dispatcher held a job for that tile's full queue */
} aimc_backend_stats;

/* What every backend's own checks found (the cosim's scoreboard, RTL assertions and energy monitor; a backend
 * without checks reports none). */
typedef struct {
    bool checked;                 /* false: the backend has no checks of its own (the fast engine) */
    uint64_t scoreboard_errors;   /* lost, duplicated or reordered jobs, unknown tags */
    char first_error[256];
    uint64_t ott_violation_cycles;
    uint64_t rtl_assertion_failures;
    int64_t energy_monitor_delta_fJ; /* RTL energy monitor minus the energy the backend booked */
    uint64_t setup_cycles;        /* simulated before cycle 0 (reset, mapping-memory load) */
    const char *trace_format;     /* "fst" / "vcd" when a waveform is written, else NULL */
} aimc_mvm_backend_checks;

/* What a backend is built from; the engine is chosen by name (aimc_mvm_backend_create). */
typedef struct {
    const aimc_chip_config *chip;       /* the engine chip (copied where needed) */
    const aimc_dispatch_table *table;   /* finished; must outlive the backend */
    uint64_t codes_seed;                /* activation codes of every job (activation_codes.h) */
    aimc_ledger *ledger;                /* where MVM energy is booked (not owned) */
    const char *trace_path;             /* waveform to write (cosim), or NULL */
    const char *record_path;            /* stimulus record to write (cosim), or NULL */
} aimc_mvm_backend_params;

typedef struct aimc_mvm_backend aimc_mvm_backend;

int aimc_mvm_backend_submit(aimc_mvm_backend *b, uint64_t cycle, const aimc_mvm_command *cmd, aimc_error *err);
int aimc_mvm_backend_advance(aimc_mvm_backend *b, uint64_t until, uint32_t *done_slots, uint32_t *ndone,
                             uint64_t *done_cycle, aimc_error *err);
/* A no-op (0) for backends that write no waveform. */
int aimc_mvm_backend_mark_token(aimc_mvm_backend *b, uint64_t cycle, uint32_t seq, bool end, aimc_error *err);
uint64_t aimc_mvm_backend_now(const aimc_mvm_backend *b);
const aimc_backend_stats *aimc_mvm_backend_stats(const aimc_mvm_backend *b);
void aimc_mvm_backend_checks_of(aimc_mvm_backend *b, aimc_mvm_backend_checks *out);
/* Registers the backend's run counters (tier MVMs, tier switches) with their units. */
int aimc_mvm_backend_register_stats(const aimc_mvm_backend *b, aimc_stats *s);
/* Closes what the backend writes (its waveform, its record) and frees it.  Safe on NULL. */
void aimc_mvm_backend_destroy(aimc_mvm_backend *b);

/* ---- for backend implementations only: callers use the functions above ---- */

typedef struct {
    int (*submit)(aimc_mvm_backend *b, uint64_t cycle, const aimc_mvm_command *cmd, aimc_error *err);
    /* Simulates cycles [now, until) in order; stops after the first cycle in which one or more groups
     * complete, returning their slots (ascending) in done_slots / *ndone and that cycle in *done_cycle.
     * On return now is done_cycle + 1, or `until` when nothing completed. */
    int (*advance)(aimc_mvm_backend *b, uint64_t until, uint32_t *done_slots, uint32_t *ndone,
                   uint64_t *done_cycle, aimc_error *err);
    /* Optional: sequence `seq` starts (end false) or finishes (end true) a token in cycle `cycle` (>= now).  The
     * cosim drives these into the chip's token-marker ports, so every token's window shows in the trace; they
     * change no timing. */
    int (*mark_token)(aimc_mvm_backend *b, uint64_t cycle, uint32_t seq, bool end, aimc_error *err);
    uint64_t (*now)(const aimc_mvm_backend *b);
    const aimc_backend_stats *(*stats)(const aimc_mvm_backend *b);
    void (*checks)(aimc_mvm_backend *b, aimc_mvm_backend_checks *out); /* optional */
    void (*destroy)(aimc_mvm_backend *b);
} aimc_mvm_backend_ops;

struct aimc_mvm_backend {
    const aimc_mvm_backend_ops *ops;
};

#endif
