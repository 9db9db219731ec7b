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

/* The code of a centred nibble sum v (truncated toward zero, so |code| depends on |v| only). */
static inline int16_t code_of(int32_t v, int64_t scale) { return (int16_t)(((int64_t)v * scale) / 4294967296LL); }

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
    return code_of(centred_nibble_sum((uint32_t)(src->bits >> (16 * lane)) & 0xffff), src->scale);
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

/* The fused path.  A code depends on its hash lane only through the lane's four-nibble sum (centred_nibble_sum
 * + 30, in 0..60), so the summariser tabulates, per sum, what add_to_summary would add. */
void aimc_codes_summariser_init(aimc_codes_summariser *s, uint32_t b_in)
{
    int64_t scale = scale_of(b_in);
    for (int32_t sum = 0; sum < AIMC_CODES_NIBBLE_SUMS; sum++) {
        int16_t code = code_of(sum - 30, scale);
        uint32_t m = (uint32_t)(code < 0 ? -code : code);
        s->magnitude[sum] = m;
        s->packed[sum] = m | (uint64_t)popcount16(m) << 32 | (uint64_t)(m != 0) << 48;
    }
}

/* The four lanes' nibble sums of one hash, each in its own 16-bit lane (SWAR: nibbles to bytes to lanes). */
static inline uint64_t lane_nibble_sums(uint64_t h)
{
    const uint64_t nibbles = 0x0f0f0f0f0f0f0f0full, bytes = 0x00ff00ff00ff00ffull;
    uint64_t x = (h & nibbles) + (h >> 4 & nibbles);
    return (x & bytes) + (x >> 8 & bytes);
}

/* Codes a packed accumulator may take before a field could carry into the next: set bits <= 15 per code in a
 * 16-bit field (15 x 1024 < 65536), |code| <= 26,655 per code in a 32-bit one. */
#define PACKED_CODES 1024u

static inline void unpack_into(aimc_codes_summary *out, uint64_t acc)
{
    out->sum_abs += acc & 0xffffffffu;
    out->ones += acc >> 32 & 0xffff;
    out->nonzero += (uint32_t)(acc >> 48);
}

void aimc_codes_summariser_run(const aimc_codes_summariser *s, const aimc_codes_key *key, uint32_t rows,
                               aimc_codes_summary *out)
{
    const uint64_t *t = s->packed;
    uint64_t stream = stream_of(key), seen = 0; /* bit k: nibble sum k occurred */
    uint32_t whole = rows & ~3u, r = 0;
    *out = (aimc_codes_summary){0};
    while (r < whole) {
        uint32_t end = whole - r > PACKED_CODES ? r + PACKED_CODES : whole;
        uint64_t acc0 = 0, acc1 = 0; /* two chains, half the codes each */
        for (; r < end; r += 4) {
            uint64_t y = lane_nibble_sums(aimc_seed_mix(stream, r));
            uint32_t s0 = (uint32_t)y & 0xff, s1 = (uint32_t)(y >> 16) & 0xff, s2 = (uint32_t)(y >> 32) & 0xff,
                     s3 = (uint32_t)(y >> 48);
            acc0 += t[s0] + t[s1];
            acc1 += t[s2] + t[s3];
            seen |= 1ull << s0 | 1ull << s1 | 1ull << s2 | 1ull << s3;
        }
        unpack_into(out, acc0 + acc1);
    }
    if (r < rows) { /* the last, partial hash */
        uint64_t y = lane_nibble_sums(aimc_seed_mix(stream, r)), acc = 0;
        for (uint32_t lane = 0; r < rows; r++, lane++) {
            uint32_t sum = (uint32_t)(y >> (16 * lane)) & 0xff;
            acc += t[sum];
            seen |= 1ull << sum;
        }
        unpack_into(out, acc);
    }
    if (seen) { /* |code| grows with |sum - 30|: the farthest sum seen on either side gives max |code| */
        int32_t hi = 63 - __builtin_clzll(seen) - 30, lo = 30 - __builtin_ctzll(seen);
        out->max_abs = s->magnitude[30 + (hi > lo ? hi : lo)];
    }
}

void aimc_activation_codes_summary(const aimc_codes_key *key, uint32_t rows, uint32_t b_in, aimc_codes_summary *out)
{
    aimc_codes_summariser s;
    aimc_codes_summariser_init(&s, b_in);
    aimc_codes_summariser_run(&s, key, rows, out);
}
