/* aimc3d model: `model show M` prints a model's shape and its parameter counts by module, total and active per
 * token; `model list` lists the model presets. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "system/chip_config.h"
#include "workload/moe_model.h"
#include "workload/model_load.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: aimc3d model show MODEL   shape and parameter counts (MODEL: preset name, model JSON,\n"
               "                                 Hugging Face config.json, or a family spec such as\n"
               "                                 paper-moe:d_model=1024,experts=128,layers=48)\n"
               "       aimc3d model list         the model presets\n");
}

/* 6919028736 -> "6,919,028,736" */
static const char *grouped(uint64_t v, char *buf, size_t size)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    size_t k = 0;
    for (int i = 0; i < n && k + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

static void print_shape(const aimc_moe_model *m)
{
    printf("model %s (family %s), from %s\n", m->name, aimc_model_family_name(m->family), m->path);
    printf("  %u layers (%u dense, %u MoE), d_model %u, %u query heads and %u KV heads of width %u, vocabulary %u\n",
           m->layers, m->dense_layers, aimc_moe_model_moe_layers(m), m->d_model, m->heads, m->kv_heads, m->head_dim,
           m->vocab);
    const char *ffn = m->gated ? "gated (gate, up, down)" : "two-matrix (up, down)";
    if (m->experts > 0)
        printf("  %u routed experts of width %u, top-%u; %s FFNs, activation %s\n", m->experts, m->expert_hidden,
               m->top_k, ffn, aimc_activation_name(m->activation));
    else
        printf("  dense FFNs of width %u; %s, activation %s\n", m->dense_hidden, ffn, aimc_activation_name(m->activation));
    if (m->shared_hidden > 0)
        printf("  %u shared expert(s) fused into one MLP of width %u%s\n", m->shared_experts, m->shared_hidden,
               m->shared_gate ? ", scaled by a sigmoid gate" : "");
    if (m->experts > 0 && m->dense_layers > 0)
        printf("  first %u layer(s) dense, FFN width %u\n", m->dense_layers, m->dense_hidden);
    printf("  LM head %s\n", m->tied_embeddings ? "tied to the embedding" : "separate from the embedding");
}

static void print_params(const aimc_moe_model *m)
{
    aimc_param_counts c;
    aimc_moe_model_params(m, &c);
    char a[32], b[32];
    printf("\n%-18s %22s %22s\n", "parameters", "total", "active per token");
    for (int i = 0; i < AIMC_MODULE_COUNT; i++)
        printf("  %-16s %22s %22s\n", aimc_module_name((aimc_module)i), grouped(c.total[i], a, sizeof a),
               grouped(c.active[i], b, sizeof b));
    printf("  %-16s %22s %22s\n", "total", grouped(c.total_all, a, sizeof a), grouped(c.active_all, b, sizeof b));
    bool billions = c.total_all >= 1000000000;
    double unit = billions ? 1e9 : 1e6;
    const char *u = billions ? "B" : "M";
    printf("  (%.2f %s total, %.2f %s active per token; norm gains and biases are not counted)\n",
           (double)c.total_all / unit, u, (double)c.active_all / unit, u);
}

static int list_presets(void)
{
    char **names;
    size_t n;
    aimc_error err;
    if (aimc_preset_names("models", &names, &n, &err))
        return aimc_cli_error(&err);
    for (size_t i = 0; i < n; i++)
        printf("%s\n", names[i]);
    aimc_preset_names_free(names, n);
    return 0;
}

int aimc_cli_model(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return list_presets();
    if (argc != 3 || strcmp(argv[1], "show") != 0) {
        aimc_error err;
        aimc_fail(&err, "model: expected \"show MODEL\" or \"list\" (see aimc3d model --help)");
        return aimc_cli_error(&err);
    }
    aimc_moe_model m;
    aimc_error err;
    if (aimc_moe_model_load(argv[2], &m, &err))
        return aimc_cli_error(&err);
    print_shape(&m);
    print_params(&m);
    return 0;
}
