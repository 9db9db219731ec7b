/* Chip-level random differential traffic: the Verilated chip (cosim backend: token dispatcher + tiles) against the
 * C reference of the same timing contract (the fast backend, model/engine/fast_backend.c, with the shared tile
 * cost), driven with identical random traffic.
 *
 * The independent expectation: the fast backend computes every group's completion cycle, the per-tile busy,
 * conflict and stall cycles, the tier switches and the booked energies analytically from the rules written in
 * model/engine/mvm_backend.h and the tile cost (tile_cost.c: compute cycles and event counts of a job from its DAC
 * codes); it shares no code with the RTL, and test_fast_backend holds it against a third, brute-force cycle-by-cycle
 * model of the same rules.  The RTL derives each MVM's length from the codes it is given, cycle by cycle.  Both see
 * the same commands at the same cycles; every advance must return the same completions in the same cycle, and
 * at the end of a trial the statistics and the ledgers must be equal.  On top, the cosim's own checks (scoreboard,
 * tier enables against the mapping, OTT monitor, RTL assertions, RTL energy monitor) must find nothing.
 *
 * Each trial draws a chip configuration (tiles, tiers, switch time, DAC mode and bits, ADC bits and mux,
 * integration), a mapping table (random tile and tier per block), and random commands (slots, tokens, layers,
 * phases, unit lists) with random idle gaps and a random bound on the groups in flight. */
#ifndef AIMC_TB_CHIP_RANDOM_H
#define AIMC_TB_CHIP_RANDOM_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    unsigned long seed;
    uint64_t cycles;     /* simulate at least this many chip cycles (summed over trials) */
    uint32_t max_tiles;  /* trials draw 1 .. max_tiles tiles */
    const char *chip;    /* base chip configuration (the periphery's energies and analog fields) */
    bool verbose;        /* one line per trial */
} chip_random_options;

typedef struct {
    uint64_t cycles, trials, commands, jobs, switches;
    uint64_t mismatches;         /* comparisons in which the RTL and the reference differ */
    char first_mismatch[512];
    uint64_t scoreboard_errors, ott_violation_cycles, rtl_assertion_failures;
    uint64_t energy_monitor_errors; /* trials whose RTL energy monitor disagrees with the booked energy */
    char first_error[1100];
} chip_random_result;

/* Runs the trials; returns 0, or -1 with a message in result->first_error when a run could not be set up. */
int chip_random_run(const chip_random_options *o, chip_random_result *r);

#endif
