/* The activation codes a tier MVM's DAC drives, for runs without real activations (timing and energy
 * studies): each job's input slice gets b_in-bit signed codes from its own seeded stream, keyed by
 * (seed, token, layer, unit, phase, in_block), so the cosim (which hands the codes to the DAC RTL) and the fast
 * engine (which needs only their summary) see the same codes in any order of evaluation.
 * Distribution: close to a Gaussian with std = full scale / 4 (activations after a norm): each code is the sum
 * of four uniform 4-bit values, centred (variance 85), scaled to that std; |code| <= 0.81 full scale, and the
 * largest of 512 codes is typically above half of full scale.  Four codes come from one 64-bit hash. */
#ifndef AIMC_ACTIVATION_CODES_H
#define AIMC_ACTIVATION_CODES_H

#include <stdint.h>

typedef struct {
    uint64_t seed;
    uint32_t token, layer, unit, phase, in_block;
} aimc_codes_key;

/* What the periphery's timing and energy depend on. */
typedef struct {
    uint32_t max_abs;   /* largest |code|: the PWM drive phase length in cycles */
    uint64_t sum_abs;   /* sum of |code|: PWM row-drive events (row x cycle pulses) */
    uint64_t ones;      /* set bits of all |code|: bit-serial row-drive events */
    uint32_t nonzero;   /* rows driven at all */
} aimc_codes_summary;

/* Fills codes[0..rows) with b_in-bit signed codes in [-(2^(b_in-1)-1), 2^(b_in-1)-1] (2 <= b_in <= 16). */
void aimc_activation_codes(const aimc_codes_key *key, uint32_t rows, uint32_t b_in, int16_t *codes);
void aimc_codes_summarise(const int16_t *codes, uint32_t rows, aimc_codes_summary *out);
/* The summary of the codes aimc_activation_codes would give for key, without storing them (the fast engine's
 * path: identical to generating then summarising). */
void aimc_activation_codes_summary(const aimc_codes_key *key, uint32_t rows, uint32_t b_in, aimc_codes_summary *out);

#endif
