/* aimc3d's logits against Hugging Face transformers': for the fixture folder given as argument
 * (tb/numeric/fixtures/hf-<family>/: config.json, model.safetensors (or shards) written by transformers' own
 * <Family>ForCausalLM with random weights, reference.json with its float32 logits and losses on a few
 * windows; tools/fixtures/ has the script), every window's logits within 1e-4 of the reference relative to the
 * window's largest |logit|, every loss within 1e-4 relative (to max(loss, 1 nat)).  The trained fixture (austen-olmoe) keeps only a
 * few logits (logits_windows x logits_positions) and adds its perplexity and a bigram's: the perplexity must
 * match within 1e-4 relative and be below the bigram's. */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_config.h"
#include "numeric/lm_config.h"
#include "numeric/lm_eval.h"

static int fail(const char *what)
{
    fprintf(stderr, "test_hf_reference: %s\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return fail("usage: test_hf_reference FIXTURE_DIR");
    const char *dir = argv[1];
    char path[1024];
    aimc_error err;
    aimc_moe_model m;
    aimc_lm_config lm;
    if (aimc_lm_config_load(dir, &m, &lm, &err))
        return fail(err.msg);
    aimc_weights *w = aimc_weights_open(dir, &err); /* every *.safetensors of the folder: one file or shards */
    if (!w)
        return fail(err.msg);
    snprintf(path, sizeof path, "%s/reference.json", dir);
    json_object *ref = aimc_json_load_file(path, &err), *v, *windows, *logits, *nll;
    if (!ref)
        return fail(err.msg);
    if (!json_object_object_get_ex(ref, "format", &v) ||
        strcmp(json_object_get_string(v), "aimc3d-numeric-reference/1") != 0 ||
        !json_object_object_get_ex(ref, "windows", &windows) || !json_object_object_get_ex(ref, "logits", &logits) ||
        !json_object_object_get_ex(ref, "nll", &nll))
        return fail("reference.json: expected format aimc3d-numeric-reference/1 with windows, logits, nll");
    const size_t nw = json_object_array_length(windows);
    /* Which windows and positions `logits` holds: all of them (hf-*), or the listed ones (austen-olmoe). */
    json_object *lwin = NULL, *lpos = NULL;
    json_object_object_get_ex(ref, "logits_windows", &lwin);
    json_object_object_get_ex(ref, "logits_positions", &lpos);
    if ((lwin == NULL) != (lpos == NULL))
        return fail("reference.json: logits_windows and logits_positions come together");
    const uint32_t W = (uint32_t)json_object_array_length(json_object_array_get_idx(windows, 0));
    const size_t V = m.vocab;
    uint32_t *tok = malloc(nw * W * sizeof *tok);
    float *out = malloc((lwin ? 1 : nw) * W * V * sizeof *out); /* subset: one window at a time */
    double *loss = malloc(nw * (W - 1) * sizeof *loss);
    for (size_t i = 0; i < nw; i++) {
        json_object *win = json_object_array_get_idx(windows, i);
        if (json_object_array_length(win) != W)
            return fail("reference.json: windows of different lengths");
        for (uint32_t t = 0; t < W; t++)
            tok[i * W + t] = (uint32_t)json_object_get_int64(json_object_array_get_idx(win, t));
    }
    aimc_lm_setup s = {.model = &m, .lm = &lm, .weights = w};
    aimc_lm_result r;
    if (aimc_lm_eval(&s, tok, nw, W, loss, lwin ? NULL : out, &r, &err))
        return fail(err.msg);
    const size_t n_lw = lwin ? json_object_array_length(lwin) : nw;
    const size_t n_lp = lpos ? json_object_array_length(lpos) : W;
    if (json_object_array_length(logits) != n_lw)
        return fail("reference.json: logits has not one entry per logits window");
    int bad = 0;
    double worst = 0, worst_nll = 0;
    for (size_t li = 0; li < n_lw; li++) {
        size_t i = li;
        if (lwin) {
            i = (size_t)json_object_get_int64(json_object_array_get_idx(lwin, li));
            if (i >= nw)
                return fail("reference.json: a logits window beyond the windows");
            aimc_lm_result r1;
            if (aimc_lm_eval(&s, tok + i * W, 1, W, NULL, out, &r1, &err))
                return fail(err.msg);
        }
        json_object *lw = json_object_array_get_idx(logits, li);
        if (json_object_array_length(lw) != n_lp)
            return fail("reference.json: a logits window has not one row per logits position");
        const float *win_out = out + (lwin ? 0 : i * W * V);
        double mx = 0, dmax = 0;
        for (size_t lj = 0; lj < n_lp; lj++) {
            size_t t = lpos ? (size_t)json_object_get_int64(json_object_array_get_idx(lpos, lj)) : lj;
            if (t >= W)
                return fail("reference.json: a logits position beyond the window");
            json_object *row = json_object_array_get_idx(lw, lj);
            if (json_object_array_length(row) != V)
                return fail("reference.json: a logits row is not vocab_size long");
            for (size_t k = 0; k < V; k++) {
                double b = json_object_get_double(json_object_array_get_idx(row, k));
                double d = fabs(win_out[t * V + k] - b);
                mx = fabs(b) > mx ? fabs(b) : mx;
                dmax = d > dmax ? d : dmax;
            }
        }
        double rel = dmax / mx;
        worst = rel > worst ? rel : worst;
        if (rel > 1e-4) {
            fprintf(stderr, "window %zu: logits differ by %.3g of the largest |logit| %.4g (limit 1e-4)\n", i, rel, mx);
            bad = 1;
        }
    }
    for (size_t i = 0; i < nw; i++) {
        json_object *nw_ = json_object_array_get_idx(nll, i);
        for (uint32_t t = 0; t + 1 < W; t++) {
            double b = json_object_get_double(json_object_array_get_idx(nw_, t)), a = loss[i * (W - 1) + t];
            /* relative to the loss, or to 1 nat below it: a confident prediction's loss of 0.004 nats is
             * logsumexp - logit of logits ~10, whose float32 rounding alone is ~1e-6 nats */
            double rel_n = fabs(a - b) / fmax(fabs(b), 1.0);
            worst_nll = rel_n > worst_nll ? rel_n : worst_nll;
            if (rel_n > 1e-4) {
                fprintf(stderr, "window %zu target %u: loss %.8g, transformers %.8g\n", i, t + 1, a, b);
                bad = 1;
            }
        }
    }
    if (json_object_object_get_ex(ref, "mean_nll", &v)) {
        double b = json_object_get_double(v);
        if (fabs(r.mean_nll - b) > 1e-4 * fabs(b)) {
            fprintf(stderr, "mean loss %.8g, transformers %.8g\n", r.mean_nll, b);
            bad = 1;
        }
    }
    if (json_object_object_get_ex(ref, "perplexity", &v)) {
        double b = json_object_get_double(v);
        int ok = fabs(r.perplexity - b) <= 1e-4 * b;
        printf("perplexity %.6f, PyTorch %.6f (relative difference %.3g, limit 1e-4): %s\n", r.perplexity, b,
               fabs(r.perplexity - b) / b, ok ? "ok" : "FAIL");
        bad |= !ok;
    }
    json_object *bg, *bp;
    if (json_object_object_get_ex(ref, "bigram", &bg) && json_object_object_get_ex(bg, "perplexity", &bp)) {
        double b = json_object_get_double(bp);
        int ok = r.perplexity < b;
        printf("perplexity %.4f against the bigram's %.4f on the same targets: %s\n", r.perplexity, b,
               ok ? "ok (below)" : "FAIL (not below)");
        bad |= !ok;
    }
    printf("%s (%s): %zu windows of %u tokens, vocab %zu: largest logit difference %.3g of the window's largest "
           "|logit|, largest loss difference %.3g relative (to max(loss, 1 nat)); mean loss %.6f nats (limit 1e-4): %s\n",
           dir, aimc_model_family_name(m.family), nw, W, V, worst, worst_nll, r.mean_nll, bad ? "FAIL" : "ok");
    json_object_put(ref);
    aimc_weights_close(w);
    free(tok);
    free(out);
    free(loss);
    return bad;
}
