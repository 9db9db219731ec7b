#include "system/digital_units.h"

#include <math.h>

uint64_t aimc_ns_to_cycles(double ns, uint32_t clock_period_ps)
{
    if (!(ns > 0) || clock_period_ps == 0)
        return 0;
    uint64_t ps = (uint64_t)llround(ns * 1e3);
    return (ps + clock_period_ps - 1) / clock_period_ps;
}

static aimc_op_cost cost_of(double latency_ns, double energy_pJ, uint32_t clock_period_ps)
{
    return (aimc_op_cost){aimc_ns_to_cycles(latency_ns, clock_period_ps), aimc_pJ_to_fJ(energy_pJ)};
}

/* Piecewise linear through the points, proportional to x outside them; exact at the points. */
static double interp_linear(const uint32_t *x, const double *y, uint32_t n, uint32_t q)
{
    if (q == 0)
        return 0;
    for (uint32_t i = 0; i < n; i++)
        if (q == x[i])
            return y[i];
    if (q < x[0])
        return y[0] * q / x[0];
    if (q > x[n - 1])
        return y[n - 1] * q / x[n - 1];
    uint32_t i = 0;
    while (q > x[i + 1])
        i++;
    double t = (double)(q - x[i]) / (double)(x[i + 1] - x[i]);
    return y[i] + t * (y[i + 1] - y[i]);
}

void aimc_vector_op_table_eval(const aimc_vector_op_table *t, uint32_t elements, double *latency_ns,
                               double *energy_pJ)
{
    *latency_ns = interp_linear(t->elements, t->latency_ns, t->points, elements);
    *energy_pJ = interp_linear(t->elements, t->energy_pJ, t->points, elements);
}

aimc_op_cost aimc_vector_op_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, aimc_vector_op op,
                                 uint32_t elements)
{
    if ((unsigned)op >= AIMC_VOP_COUNT)
        return (aimc_op_cost){0, 0};
    double ns, pJ;
    aimc_vector_op_table_eval(&cfg->digital.op[op], elements, &ns, &pJ);
    return cost_of(ns, pJ, clock_period_ps);
}

/* The segment of a log axis used for q (the enclosing one, or the edge one outside the axis) and q's
 * position t in it, in log space: t is exactly 0 or 1 at the segment's points. */
static void log_segment(const uint32_t *x, uint32_t n, uint32_t q, uint32_t *seg, double *t)
{
    uint32_t i = 0;
    while (i + 2 < n && q > x[i + 1])
        i++;
    *seg = i;
    if (q == x[i])
        *t = 0;
    else if (q == x[i + 1])
        *t = 1;
    else
        *t = (log((double)q) - log((double)x[i])) / (log((double)x[i + 1]) - log((double)x[i]));
}

/* Power-law interpolation between a and b (> 0), exact at t = 0 and t = 1. */
static double log_lerp(double a, double b, double t)
{
    if (t == 0)
        return a;
    if (t == 1)
        return b;
    return exp((1 - t) * log(a) + t * log(b));
}

static double attention_eval(const aimc_attention_table *t, const double (*v)[AIMC_ATTN_TABLE_MAX_POINTS],
                             uint32_t d_model, uint32_t seq_len)
{
    uint32_t i, j;
    double td, ts;
    log_segment(t->d_model, t->d_points, d_model, &i, &td);
    log_segment(t->seq_len, t->seq_points, seq_len, &j, &ts);
    double lo = log_lerp(v[j][i], v[j][i + 1], td);
    if (ts == 0)
        return lo;
    double hi = log_lerp(v[j + 1][i], v[j + 1][i + 1], td);
    return log_lerp(lo, hi, ts);
}

void aimc_attention_table_eval(const aimc_attention_table *t, uint32_t d_model, uint32_t seq_len,
                               double *latency_ns, double *energy_pJ)
{
    if (d_model == 0 || seq_len == 0) {
        *latency_ns = *energy_pJ = 0;
        return;
    }
    *latency_ns = attention_eval(t, t->latency_ns, d_model, seq_len);
    *energy_pJ = attention_eval(t, t->energy_pJ, d_model, seq_len);
}

aimc_op_cost aimc_attention_sequence_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint32_t d_model,
                                          uint32_t seq_len)
{
    double ns, pJ;
    aimc_attention_table_eval(&cfg->digital.attention, d_model, seq_len, &ns, &pJ);
    return cost_of(ns, pJ, clock_period_ps);
}

aimc_op_cost aimc_attention_decode_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint32_t d_model,
                                        uint32_t seq_len)
{
    if (seq_len == 0)
        return (aimc_op_cost){0, 0};
    double ns, pJ;
    aimc_attention_table_eval(&cfg->digital.attention, d_model, seq_len, &ns, &pJ);
    return cost_of(ns / seq_len, pJ / seq_len, clock_period_ps);
}

aimc_op_cost aimc_interconnect_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint32_t elements)
{
    if (elements == 0)
        return (aimc_op_cost){0, 0};
    return cost_of(cfg->interconnect.latency_per_vector_ns, 8.0 * elements * cfg->interconnect.energy_per_bit_pJ,
                   clock_period_ps);
}

uint64_t aimc_dram_kv_bytes(const aimc_system_config *cfg, uint32_t kv_dim, uint32_t seq_len)
{
    return 2u * (uint64_t)seq_len * kv_dim * cfg->dram.kv_bytes_per_element;
}

aimc_fJ aimc_power_to_fJ_per_cycle(double power_W, uint32_t clock_period_ps)
{
    /* 1 W for 1 ps is 1 pJ = 1000 fJ. */
    return (aimc_fJ)llround(power_W * clock_period_ps * 1e3);
}

aimc_op_cost aimc_dram_transfer_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint64_t bytes)
{
    if (bytes == 0)
        return (aimc_op_cost){0, 0};
    /* 1 GB/s moves one byte per ns. */
    uint64_t cycles = aimc_ns_to_cycles((double)bytes / cfg->dram.bandwidth_GBps, clock_period_ps);
    return (aimc_op_cost){cycles,
                          aimc_fJ_times(aimc_power_to_fJ_per_cycle(cfg->dram.active_power_W, clock_period_ps), cycles)};
}

aimc_op_cost aimc_dram_kv_read_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint32_t kv_dim,
                                    uint32_t seq_len)
{
    return aimc_dram_transfer_cost(cfg, clock_period_ps, aimc_dram_kv_bytes(cfg, kv_dim, seq_len));
}

aimc_op_cost aimc_dram_kv_write_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint32_t kv_dim)
{
    return aimc_dram_transfer_cost(cfg, clock_period_ps, aimc_dram_kv_bytes(cfg, kv_dim, 1));
}

aimc_fJ aimc_digital_passive_energy(const aimc_system_config *cfg, uint32_t clock_period_ps, uint64_t cycles)
{
    const aimc_digital_units_config *d = &cfg->digital;
    double watts = d->dpus * d->dpu_passive_power_W + d->mha_units * d->mha_passive_power_W;
    return aimc_fJ_times(aimc_power_to_fJ_per_cycle(watts, clock_period_ps), cycles);
}

aimc_fJ aimc_dram_idle_energy(const aimc_system_config *cfg, uint32_t clock_period_ps, uint64_t cycles)
{
    return aimc_fJ_times(aimc_power_to_fJ_per_cycle(cfg->dram.idle_power_W, clock_period_ps), cycles);
}
