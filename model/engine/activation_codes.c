#include "activation_codes.h"

#include "rng.h"

/* Sum of four uniform 8-bit values, centred: mean 0, variance 4 * (256^2 - 1) / 12 ~ 21845, i.e. std ~147.8;
 * close enough to Gaussian for drive statistics, and cheap (one 64-bit hash per two codes). */
static int32_t pseudo_gaussian(uint64_t bits)
{
    return (int32_t)(bits & 0xff) + (int32_t)((bits >> 8) & 0xff) + (int32_t)((bits >> 16) & 0xff) +
           (int32_t)((bits >> 24) & 0xff) - 510;
}

void aimc_activation_codes(const aimc_codes_key *key, uint32_t rows, uint32_t b_in, int16_t *codes)
{
    uint64_t stream = aimc_seed_mix(key->seed, key->token);
    stream = aimc_seed_mix(stream, ((uint64_t)key->layer << 32) | key->unit);
    stream = aimc_seed_mix(stream, ((uint64_t)key->phase << 32) | key->in_block);
    int32_t full = (1 << (b_in - 1)) - 1;
    for (uint32_t r = 0; r < rows; r += 2) {
        uint64_t bits = aimc_seed_mix(stream, r);
        for (uint32_t k = 0; k < 2 && r + k < rows; k++) {
            /* scale so std = full / 4: value * full / (4 * 147.8) */
            int64_t v = (int64_t)pseudo_gaussian(bits >> (32 * k)) * full / 591;
            codes[r + k] = (int16_t)(v > full ? full : v < -full ? -full : v);
        }
    }
}

void aimc_codes_summarise(const int16_t *codes, uint32_t rows, aimc_codes_summary *out)
{
    *out = (aimc_codes_summary){0};
    for (uint32_t r = 0; r < rows; r++) {
        uint32_t m = (uint32_t)(codes[r] < 0 ? -codes[r] : codes[r]);
        if (m > out->max_abs)
            out->max_abs = m;
        out->sum_abs += m;
        out->ones += (uint64_t)__builtin_popcount(m);
        out->nonzero += m != 0;
    }
}
