#include "engine/activation_codes.h"

#include "core/rng.h"

/* Sum of the four nibbles of a 16-bit value, centred: mean 0, variance 4 * (16^2 - 1) / 12 = 85. */
static int32_t centred_nibble_sum(uint32_t v)
{
    return (int32_t)((v & 0xf) + (v >> 4 & 0xf) + (v >> 8 & 0xf) + (v >> 12 & 0xf)) - 30;
}

static uint64_t stream_of(const aimc_codes_key *key)
{
    uint64_t stream = aimc_seed_mix(key->seed, key->token);
    stream = aimc_seed_mix(stream, ((uint64_t)key->layer << 32) | key->unit);
    return aimc_seed_mix(stream, ((uint64_t)key->phase << 32) | key->in_block);
}

/* Scale so that std = full / 4: code = v * full / (4 * sqrt(85)), as a 32.32 fixed-point multiply. */
static int64_t scale_of(uint32_t b_in)
{
    int64_t full = (1 << (b_in - 1)) - 1;
    return (int64_t)(((double)full / 36.878177829171548) * 4294967296.0 + 0.5);
}

/* The codes of one key, in row order: four codes per 64-bit hash of (stream, first row of the four). */
typedef struct {
    uint64_t stream, bits;
    int64_t scale;
    uint32_t row;
} code_source;

static void source_init(code_source *src, const aimc_codes_key *key, uint32_t b_in)
{
    *src = (code_source){.stream = stream_of(key), .scale = scale_of(b_in)};
}

static inline int16_t source_next(code_source *src)
{
    uint32_t lane = src->row & 3;
    if (lane == 0)
        src->bits = aimc_seed_mix(src->stream, src->row);
    src->row++;
    int32_t v = centred_nibble_sum((uint32_t)(src->bits >> (16 * lane)) & 0xffff);
    return (int16_t)(((int64_t)v * src->scale) / 4294967296LL);
}

void aimc_activation_codes(const aimc_codes_key *key, uint32_t rows, uint32_t b_in, int16_t *codes)
{
    code_source src;
    source_init(&src, key, b_in);
    for (uint32_t r = 0; r < rows; r++)
        codes[r] = source_next(&src);
}

/* Set bits of a 16-bit value, branch-free (the baseline x86-64 target has no popcount instruction, and the
 * builtin becomes a library call). */
static inline uint32_t popcount16(uint32_t v)
{
    v = v - ((v >> 1) & 0x5555);
    v = (v & 0x3333) + ((v >> 2) & 0x3333);
    v = (v + (v >> 4)) & 0x0f0f;
    return (v + (v >> 8)) & 0x1f;
}

static inline void add_to_summary(aimc_codes_summary *s, int16_t code)
{
    uint32_t m = (uint32_t)(code < 0 ? -code : code);
    if (m > s->max_abs)
        s->max_abs = m;
    s->sum_abs += m;
    s->ones += popcount16(m);
    s->nonzero += m != 0;
}

void aimc_codes_summarise(const int16_t *codes, uint32_t rows, aimc_codes_summary *out)
{
    *out = (aimc_codes_summary){0};
    for (uint32_t r = 0; r < rows; r++)
        add_to_summary(out, codes[r]);
}

void aimc_activation_codes_summary(const aimc_codes_key *key, uint32_t rows, uint32_t b_in, aimc_codes_summary *out)
{
    code_source src;
    source_init(&src, key, b_in);
    *out = (aimc_codes_summary){0};
    for (uint32_t r = 0; r < rows; r++)
        add_to_summary(out, source_next(&src));
}
