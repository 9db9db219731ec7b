#include "system/gpu_roofline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/json_config.h"
#include "system/chip_config.h"

int aimc_gpu_config_load(const char *name_or_path, aimc_gpu_config *gpu, aimc_error *err)
{
    memset(gpu, 0, sizeof *gpu);
    aimc_preset_path("gpus", name_or_path, gpu->path, sizeof gpu->path);
    json_object *root = aimc_json_load_file(gpu->path, err);
    if (!root)
        return -1;
    const char *file = gpu->path;
    aimc_json_where top = {file, ""};
    const char *format, *name;
    int rc = -1;
    if (aimc_json_get_string(root, top, "format", &format, err))
        goto out;
    if (strcmp(format, "aimc3d-gpu/1") != 0) {
        aimc_fail_field(err, file, "format", "\"aimc3d-gpu/1\", found \"%s\"", format);
        goto out;
    }
    if (aimc_json_get_string(root, top, "name", &name, err) ||
        aimc_json_get_param(root, top, "memory_bandwidth_GBps", 1e-3, 1e7, &gpu->memory_bandwidth_GBps, NULL, err) ||
        aimc_json_get_param(root, top, "dense_bf16_TFLOPs", 1e-3, 1e7, &gpu->peak_TFLOPs, NULL, err) ||
        aimc_json_get_param(root, top, "board_power_W", 1e-3, 1e6, &gpu->board_power_W, NULL, err) ||
        aimc_json_get_param(root, top, "die_area_mm2", 1e-3, 1e6, &gpu->die_area_mm2, NULL, err) ||
        aimc_json_get_param(root, top, "weight_bytes_per_param", 0.0625, 16, &gpu->weight_bytes_per_param, NULL, err) ||
        aimc_json_get_param(root, top, "kv_bytes_per_element", 0.0625, 16, &gpu->kv_bytes_per_element, NULL, err))
        goto out;
    snprintf(gpu->name, sizeof gpu->name, "%s", name);
    rc = 0;
out:
    json_object_put(root);
    if (rc)
        memset(gpu, 0, sizeof *gpu);
    return rc;
}

double aimc_gpu_expected_unique_experts(uint32_t experts, uint32_t top_k, uint32_t batch)
{
    if (experts == 0)
        return 0;
    double E = experts;
    /* pow(1 - k/E, B) loses nothing for the sizes here; when k == E every expert is touched. */
    return E * (1.0 - pow(1.0 - (double)top_k / E, (double)batch));
}

static int check_model(const aimc_gpu_moe_model *m, const aimc_gpu_workload *w, aimc_error *err)
{
    const char *where = "GPU roofline";
    if (!(m->dense_params >= 0) || !(m->expert_params >= 0))
        return aimc_fail_field(err, where, "model.dense_params/expert_params", "non-negative parameter counts");
    if (m->moe_layers > 0 && (m->experts == 0 || m->top_k == 0 || !(m->expert_params > 0)))
        return aimc_fail_field(err, where, "model.experts", "experts >= 1, top_k >= 1 and expert_params > 0 when "
                                                            "moe_layers > 0, found %u experts, top_k %u",
                               m->experts, m->top_k);
    if (m->top_k > m->experts)
        return aimc_fail_field(err, where, "model.top_k", "at most the %u experts, found %u", m->experts, m->top_k);
    if (m->d_model == 0)
        return aimc_fail_field(err, where, "model.d_model", "at least 1, found 0");
    if (w->batch == 0)
        return aimc_fail_field(err, where, "batch", "at least 1 sequence, found 0");
    return 0;
}

/* The roofline from the step's bytes and FLOPs: time, and the figures per token of the `tokens` it computes. */
static void finish(const aimc_gpu_config *gpu, double tokens, aimc_gpu_result *out)
{
    out->memory_time_s = out->total_bytes / (gpu->memory_bandwidth_GBps * 1e9);
    out->compute_time_s = out->flops / (gpu->peak_TFLOPs * 1e12);
    out->compute_bound = out->compute_time_s > out->memory_time_s;
    out->step_time_s = out->compute_bound ? out->compute_time_s : out->memory_time_s;
    out->tokens_per_s = tokens / out->step_time_s;
    out->energy_per_token_J = gpu->board_power_W * out->step_time_s / tokens;
    out->tokens_per_s_per_W = out->tokens_per_s / gpu->board_power_W;
    out->tokens_per_s_per_mm2 = out->tokens_per_s / gpu->die_area_mm2;
}

int aimc_gpu_roofline(const aimc_gpu_config *gpu, const aimc_gpu_moe_model *model, const aimc_gpu_workload *work,
                      aimc_gpu_result *out, aimc_error *err)
{
    memset(out, 0, sizeof *out);
    if (check_model(model, work, err))
        return -1;
    double wb = work->weight_bytes_per_param > 0 ? work->weight_bytes_per_param : gpu->weight_bytes_per_param;
    double kvb = work->kv_bytes_per_element > 0 ? work->kv_bytes_per_element : gpu->kv_bytes_per_element;
    double B = work->batch;
    uint32_t moe_layers = model->moe_layers;

    out->unique_experts = aimc_gpu_expected_unique_experts(model->experts, model->top_k, work->batch);
    double params_read = model->dense_params + moe_layers * out->unique_experts * model->expert_params;
    out->weight_bytes = wb * (params_read + B * model->d_model);
    out->kv_bytes = B * model->attention_layers * 2.0 * work->seq_len * model->kv_dim * kvb;
    out->total_bytes = out->weight_bytes + out->kv_bytes;

    double active_params = model->dense_params + (double)moe_layers * model->top_k * model->expert_params;
    out->flops = 2.0 * B * active_params + B * model->attention_layers * 4.0 * work->seq_len * model->d_model;

    finish(gpu, B, out);
    return 0;
}

int aimc_gpu_pass_roofline(const aimc_gpu_config *gpu, const aimc_gpu_moe_model *model,
                           const aimc_gpu_pass_workload *work, aimc_gpu_result *out, aimc_error *err)
{
    memset(out, 0, sizeof *out);
    aimc_gpu_workload w = {.batch = work->batch};
    if (check_model(model, &w, err))
        return -1;
    if (work->positions == 0)
        return aimc_fail_field(err, "GPU roofline", "positions", "at least 1 token per pass, found 0");
    double wb = work->weight_bytes_per_param > 0 ? work->weight_bytes_per_param : gpu->weight_bytes_per_param;
    double kvb = work->kv_bytes_per_element > 0 ? work->kv_bytes_per_element : gpu->kv_bytes_per_element;
    double B = work->batch, P = work->positions, N = B * P;
    uint64_t tokens = (uint64_t)work->batch * work->positions;
    out->unique_experts = aimc_gpu_expected_unique_experts(model->experts, model->top_k,
                                                           tokens > UINT32_MAX ? UINT32_MAX : (uint32_t)tokens);
    double params_read = model->dense_params + model->moe_layers * out->unique_experts * model->expert_params;
    out->weight_bytes = wb * (params_read + N * model->d_model);
    out->kv_bytes = work->write_kv ? B * model->attention_layers * 2.0 * P * model->kv_dim * kvb : 0;
    out->total_bytes = out->weight_bytes + out->kv_bytes;
    double active = model->dense_params + (double)model->moe_layers * model->top_k * model->expert_params;
    out->flops = 2.0 * (N * (active - model->lm_head_params) + B * model->lm_head_params) +
                 B * model->attention_layers * 4.0 * model->d_model * P * (P + 1) / 2;
    finish(gpu, N, out);
    return 0;
}

uint32_t aimc_gpu_crossover_batch(const aimc_gpu_config *gpu, const aimc_gpu_moe_model *model,
                                  const aimc_gpu_workload *work, uint32_t max_batch)
{
    aimc_gpu_result r;
    aimc_error err;
    aimc_gpu_workload w = *work;
    w.batch = max_batch;
    if (max_batch == 0 || aimc_gpu_roofline(gpu, model, &w, &r, &err) || !r.compute_bound)
        return 0;
    /* Compute-boundness is monotone in B (FLOPs are linear in B, bytes concave with a non-negative intercept),
     * so bisect for the first compute-bound batch. */
    uint32_t lo = 1, hi = max_batch;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        w.batch = mid;
        aimc_gpu_roofline(gpu, model, &w, &r, &err);
        if (r.compute_bound)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}
