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
/* The summary of the codes aimc_activation_codes would give for key, without storing them: identical to
 * generating then summarising (a summariser made for b_in, then used once). */
void aimc_activation_codes_summary(const aimc_codes_key *key, uint32_t rows, uint32_t b_in, aimc_codes_summary *out);

/* The fast engine's path, fused generate-and-summarise for one b_in: a code is a function of its centred nibble
 * sum alone (61 values), so the summariser holds, per nibble sum, the code's |code|, its set bits and whether it
 * is non-zero packed in one word, adds one word per code, marks which sums occurred (for max |code|), and
 * never stores the codes.  A value type (about 0.5 kB): make one per b_in and reuse it for every key. */
#define AIMC_CODES_NIBBLE_SUMS 61
typedef struct {
    uint64_t packed[AIMC_CODES_NIBBLE_SUMS]; /* |code| | set bits << 32 | (|code| != 0) << 48, by nibble sum */
    uint32_t magnitude[AIMC_CODES_NIBBLE_SUMS]; /* |code| by nibble sum */
} aimc_codes_summariser;

void aimc_codes_summariser_init(aimc_codes_summariser *s, uint32_t b_in);
void aimc_codes_summariser_run(const aimc_codes_summariser *s, const aimc_codes_key *key, uint32_t rows,
                               aimc_codes_summary *out);

#endif
