#include "report/gpu_comparison.h"

#include <stdio.h>
#include <string.h>

#include "core/json_config.h"

void aimc_gpu_model_from(const aimc_moe_model *m, const aimc_param_counts *pc, aimc_gpu_moe_model *out)
{
    uint32_t moe_layers = aimc_moe_model_moe_layers(m);
    double lm_head = m->tied_embeddings ? (double)m->vocab * m->d_model : (double)pc->total[AIMC_MODULE_LM_HEAD];
    memset(out, 0, sizeof *out);
    out->dense_params = (double)pc->total[AIMC_MODULE_ATTENTION] + (double)pc->total[AIMC_MODULE_ROUTER] +
                        (double)pc->total[AIMC_MODULE_SHARED_EXPERT] + (double)pc->total[AIMC_MODULE_DENSE_FFN] +
                        lm_head;
    out->moe_layers = moe_layers;
    out->experts = moe_layers ? m->experts : 0;
    out->top_k = moe_layers ? m->top_k : 0;
    out->expert_params = moe_layers && m->experts
                             ? (double)pc->total[AIMC_MODULE_EXPERT] / ((double)moe_layers * m->experts)
                             : 0;
    out->attention_layers = m->layers;
    out->d_model = m->d_model;
    out->kv_dim = m->kv_heads * m->head_dim;
    out->lm_head_params = lm_head;
}

static double ratio(double a, double b) { return b > 0 ? a / b : 0; }

/* Sums the roofline over the sequencer's passes: the prefill pass, then one step per generated token. */
static int run_steps(const aimc_gpu_config *gpu, aimc_gpu_comparison *c, aimc_error *err)
{
    const aimc_gpu_decode *w = &c->work;
    bool prefill = w->prefill && w->prompt > 0;
    c->steps = w->tokens + (prefill ? 1 : 0);
    c->seq_len_first = w->prompt + 1;
    c->seq_len_last = w->prompt + w->tokens;
    aimc_gpu_pass_workload pass = {.batch = w->batch, .weight_bytes_per_param = w->weight_bytes_per_param};
    aimc_gpu_workload step = {.batch = w->batch, .weight_bytes_per_param = w->weight_bytes_per_param};
    for (uint32_t k = 0; k < c->steps; k++) {
        aimc_gpu_result r;
        bool is_prefill = prefill && k == 0;
        uint32_t i = k - (prefill ? 1 : 0); /* the generated token */
        int rc;
        if (is_prefill || w->no_kv_cache) {
            pass.positions = is_prefill ? w->prompt : w->prompt + i + 1;
            pass.write_kv = is_prefill && !w->no_kv_cache;
            rc = aimc_gpu_pass_roofline(gpu, &c->model, &pass, &r, err);
        } else {
            step.seq_len = w->prompt + i + 1;
            rc = aimc_gpu_roofline(gpu, &c->model, &step, &r, err);
        }
        if (rc)
            return -1;
        if (k == 0) {
            c->unique_experts = r.unique_experts;
            c->bytes_per_step_first = r.total_bytes;
            c->flops_per_step_first = r.flops;
        }
        if (is_prefill) {
            c->prefill_seconds = r.step_time_s;
            c->prefill_energy_nJ = gpu->board_power_W * r.step_time_s * 1e9;
            c->prefill_compute_bound = r.compute_bound;
        }
        c->seconds += r.step_time_s;
        c->compute_bound_steps += r.compute_bound ? 1 : 0;
    }
    return 0;
}

int aimc_gpu_comparison_of(const aimc_gpu_config *gpu, const aimc_moe_model *m, const aimc_gpu_decode *work,
                           const aimc_run_figures *aimc, aimc_gpu_comparison *out, aimc_error *err)
{
    memset(out, 0, sizeof *out);
    if (work->batch == 0 || work->tokens == 0)
        return aimc_fail(err, "GPU comparison: expected at least 1 sequence and 1 token, found batch %u, %u tokens",
                         work->batch, work->tokens);
    aimc_param_counts pc;
    aimc_moe_model_params(m, &pc);
    out->gpu = *gpu;
    out->work = *work;
    aimc_gpu_model_from(m, &pc, &out->model);
    out->weight_bytes_per_param = work->weight_bytes_per_param > 0 ? work->weight_bytes_per_param
                                                                   : gpu->weight_bytes_per_param;
    out->kv_bytes_per_element = gpu->kv_bytes_per_element;
    if (run_steps(gpu, out, err))
        return -1;
    double tokens = (double)work->batch * (work->tokens + (work->prefill ? work->prompt : 0));
    out->tokens_per_s = tokens / out->seconds;
    out->energy_per_token_nJ = gpu->board_power_W * out->seconds / tokens * 1e9;
    out->power_W = gpu->board_power_W;
    out->tokens_per_s_per_W = out->tokens_per_s / gpu->board_power_W;
    out->area_mm2 = gpu->die_area_mm2;
    out->tokens_per_s_per_mm2 = out->tokens_per_s / gpu->die_area_mm2;
    out->ratio_tokens_per_s = ratio(aimc->tokens_per_s, out->tokens_per_s);
    out->ratio_tokens_per_s_per_W = ratio(aimc->tokens_per_s_per_W, out->tokens_per_s_per_W);
    out->ratio_tokens_per_s_per_mm2 = ratio(aimc->tokens_per_s_per_mm2, out->tokens_per_s_per_mm2);
    return 0;
}

static void add_double(json_object *o, const char *key, double v, int decimals)
{
    json_object_object_add(o, key, aimc_json_double(v, decimals));
}

/* Figures span many decades (seconds of 1e-7, tokens/s of 1e7): 10 significant digits, printed as such. */
static void add_sig(json_object *o, const char *key, double v)
{
    char text[32];
    snprintf(text, sizeof text, "%.10g", v);
    json_object_object_add(o, key, json_object_new_double_s(v, text));
}

static json_object *inputs_json(const aimc_gpu_comparison *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "gpu", json_object_new_string(c->gpu.name));
    json_object_object_add(o, "gpu_file", json_object_new_string(c->gpu.path));
    add_double(o, "memory_bandwidth_GBps", c->gpu.memory_bandwidth_GBps, 3);
    add_double(o, "peak_TFLOPs", c->gpu.peak_TFLOPs, 3);
    add_double(o, "board_power_W", c->gpu.board_power_W, 3);
    add_double(o, "die_area_mm2", c->gpu.die_area_mm2, 3);
    add_double(o, "weight_bytes_per_param", c->weight_bytes_per_param, 4);
    add_double(o, "kv_bytes_per_element", c->kv_bytes_per_element, 4);
    add_double(o, "dense_params", c->model.dense_params, 0);
    add_double(o, "expert_params", c->model.expert_params, 0);
    json_object_object_add(o, "moe_layers", json_object_new_int64(c->model.moe_layers));
    json_object_object_add(o, "experts", json_object_new_int64(c->model.experts));
    json_object_object_add(o, "top_k", json_object_new_int64(c->model.top_k));
    json_object_object_add(o, "attention_layers", json_object_new_int64(c->model.attention_layers));
    json_object_object_add(o, "d_model", json_object_new_int64(c->model.d_model));
    json_object_object_add(o, "kv_dim", json_object_new_int64(c->model.kv_dim));
    json_object_object_add(o, "batch", json_object_new_int64(c->work.batch));
    json_object_object_add(o, "steps", json_object_new_int64(c->steps));
    json_object_object_add(o, "prefill", json_object_new_boolean(c->work.prefill && c->work.prompt > 0));
    json_object_object_add(o, "kv_cache", json_object_new_boolean(!c->work.no_kv_cache));
    json_object_object_add(o, "seq_len_first", json_object_new_int64(c->seq_len_first));
    json_object_object_add(o, "seq_len_last", json_object_new_int64(c->seq_len_last));
    return o;
}

json_object *aimc_gpu_comparison_json(const aimc_gpu_comparison *c)
{
    json_object *fig = json_object_new_object();
    add_sig(fig, "simulated_time_s", c->seconds);
    json_object_object_add(fig, "compute_bound_steps", json_object_new_int64(c->compute_bound_steps));
    add_sig(fig, "time_to_first_token_s", c->prefill_seconds);
    add_sig(fig, "prefill_energy_nJ", c->prefill_energy_nJ);
    json_object_object_add(fig, "prefill_compute_bound", json_object_new_boolean(c->prefill_compute_bound));
    add_sig(fig, "unique_experts_per_moe_layer", c->unique_experts);
    add_sig(fig, "bytes_first_step", c->bytes_per_step_first);
    add_sig(fig, "flops_first_step", c->flops_per_step_first);
    add_sig(fig, "tokens_per_s", c->tokens_per_s);
    add_sig(fig, "energy_per_token_nJ", c->energy_per_token_nJ);
    add_sig(fig, "average_power_W", c->power_W);
    add_sig(fig, "tokens_per_s_per_W", c->tokens_per_s_per_W);
    add_sig(fig, "area_mm2", c->area_mm2);
    add_sig(fig, "tokens_per_s_per_mm2", c->tokens_per_s_per_mm2);
    json_object *ratios = json_object_new_object();
    add_sig(ratios, "tokens_per_s", c->ratio_tokens_per_s);
    add_sig(ratios, "tokens_per_s_per_mm2", c->ratio_tokens_per_s_per_mm2);
    add_sig(ratios, "tokens_per_s_per_W", c->ratio_tokens_per_s_per_W);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "inputs", inputs_json(c));
    json_object_object_add(o, "figures", fig);
    json_object_object_add(o, "ratios_aimc_over_gpu", ratios);
    return o;
}

void aimc_gpu_comparison_print(FILE *f, const aimc_gpu_comparison *c, const aimc_run_figures *a)
{
    fprintf(f, "GPU baseline: %s roofline (%.0f GB/s, %.0f TFLOP/s, %.0f W, %.0f mm2), %.3g bytes per weight, "
               "%u of %u steps compute bound\n",
            c->gpu.name, c->gpu.memory_bandwidth_GBps, c->gpu.peak_TFLOPs, c->gpu.board_power_W, c->gpu.die_area_mm2,
            c->weight_bytes_per_param, c->compute_bound_steps, c->steps);
    fprintf(f, "%-26s %16s %16s %12s\n", "", "AIMC chip", c->gpu.name, "AIMC/GPU");
    fprintf(f, "%-26s %16.1f %16.1f %12.3f\n", "throughput (tokens/s)", a->tokens_per_s, c->tokens_per_s,
            c->ratio_tokens_per_s);
    fprintf(f, "%-26s %16.3f %16.3f %12s\n", "energy (nJ/token)", a->energy_per_token_nJ, c->energy_per_token_nJ,
            "");
    fprintf(f, "%-26s %16.4g %16.4g %12.3f\n", "tokens/s/W", a->tokens_per_s_per_W, c->tokens_per_s_per_W,
            c->ratio_tokens_per_s_per_W);
    fprintf(f, "%-26s %16.3f %16.3f %12s\n", "area (mm2)", a->area_mm2, c->area_mm2, "");
    fprintf(f, "%-26s %16.4g %16.4g %12.3f\n", "tokens/s/mm2", a->tokens_per_s_per_mm2, c->tokens_per_s_per_mm2,
            c->ratio_tokens_per_s_per_mm2);
}
