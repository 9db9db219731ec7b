#define _POSIX_C_SOURCE 200809L /* mkdtemp */
/* Benchmark of the fast engine (issue 6): whole-model decode of OLMoE-1B-7B (no weights: timing and energy only,
 * all analog, the paper preset sized to the model, prompt 64) at batch 1 and 32, as `aimc3d study` runs a point:
 * tier-MVM events per second and simulated tokens per second of CPU time, and the peak memory of the case's own
 * process; then the fast engine against the cosim engine on the demo workload of bench_chip (small-moe, all
 * analog, batch 4, 8 tokens, 16 tiles).  The OLMoE cases run twice: the paper preset (bit-serial DAC, codes do
 * not matter) and the paper preset with a PWM DAC (the codes set the drive length: the fused code summariser).
 * Prints figures; asserts nothing.
 * usage: bench_fast [tokens at batch 1 (default 1024; batch 32 runs 1/16 of them per sequence)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_demo.h"
#include "study_run.h"
#include "system/chip_config.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double peak_MB(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

/* The paper preset with its DAC switched to PWM (no shipped preset drives PWM, where the codes set the drive
 * length): the preset's text with "mode": "bit_serial" replaced, written to a temporary file; "" on failure. */
static char pwm_dir[64], pwm_chip[96];

static int write_pwm_chip(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/chips/paper.json", aimc_presets_dir());
    FILE *in = fopen(path, "rb");
    if (!in)
        return 1;
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = 0;
    const char *from = "\"mode\": \"bit_serial\"";
    char *at = strstr(text, from);
    if (!at || n == sizeof text - 1)
        return 1;
    snprintf(pwm_dir, sizeof pwm_dir, "/tmp/bench_fast_XXXXXX");
    if (!mkdtemp(pwm_dir))
        return 1;
    snprintf(pwm_chip, sizeof pwm_chip, "%s/paper-pwm.json", pwm_dir);
    FILE *out = fopen(pwm_chip, "wb");
    int bad = !out || fwrite(text, 1, (size_t)(at - text), out) != (size_t)(at - text) ||
              fputs("\"mode\": \"pwm\"", out) < 0 || fputs(at + strlen(from), out) < 0;
    bad |= out && fclose(out) != 0;
    return bad;
}

/* One OLMoE decode, in its own process so that the peak memory is this case's. */
static int olmoe_case(uint32_t batch, uint32_t tokens, const char *chip)
{
    aimc_point_args a = {.batch = batch, .tokens = tokens, .prompt = 64};
    aimc_plan_args_defaults(&a.plan, "bench");
    a.plan.model = "olmoe-1b-7b";
    a.plan.chip = chip ? chip : "paper";
    a.plan.setting = "all-analog";
    a.plan.fit = true;
    aimc_point_result r;
    aimc_error err;
    double t0 = cpu_s();
    if (aimc_point_run(&a, &r, &err)) {
        fprintf(stderr, "bench_fast: %s\n", err.msg);
        return 1;
    }
    double total = cpu_s() - t0, decode = r.decode_cpu_s;
    printf("OLMoE-1B-7B %s batch %2u: %6llu tokens, %10llu tier MVMs, decode %6.3f s CPU (plan + mapping %5.3f s): "
           "%6.2f M tier-MVM events/s, %8.1f simulated tokens/s, %7.1f simulated tokens/s of simulated time; "
           "peak %.1f MB\n",
           chip ? "paper+PWM DAC" : "paper (bit-serial DAC)", batch, (unsigned long long)r.fig.tokens,
           (unsigned long long)r.tier_mvms, decode, total - decode,
           r.tier_mvms / decode / 1e6, r.fig.tokens / decode, r.fig.tokens_per_s, peak_MB());
    return 0;
}

/* The demo workload on 16 tiles through one engine; returns the CPU seconds of the decode and its cycles. */
static int demo(const char *engine, double *seconds, uint64_t *cycles, uint64_t *jobs)
{
    aimc_bench_demo_result r;
    if (aimc_bench_demo("bench_fast", engine, 16, NULL, &r))
        return 1;
    *seconds = r.decode_cpu_s;
    *cycles = r.cycles;
    *jobs = r.tier_mvms;
    return 0;
}

static int speedup(void)
{
    double t_cosim = 0, t_fast = 0;
    uint64_t c_cosim = 0, c_fast = 0, j_cosim = 0, j_fast = 0;
    if (demo("cosim", &t_cosim, &c_cosim, &j_cosim))
        return 1;
    /* the fast decode is short: repeat it for a stable time */
    int reps = 0;
    double total = 0, t;
    do {
        if (demo("fast", &t, &c_fast, &j_fast))
            return 1;
        total += t;
        reps++;
    } while (total < 1.0 && reps < 1000);
    t_fast = total / reps;
    printf("demo (small-moe, all analog, batch 4, 8 tokens, 16 tiles): cosim %.3f s CPU, fast %.6f s CPU (mean of "
           "%d): fast/cosim speed-up %.0fx; both %llu cycles%s, %llu tier MVMs\n",
           t_cosim, t_fast, reps, t_cosim / t_fast, (unsigned long long)c_fast,
           c_fast == c_cosim && j_fast == j_cosim ? " (identical)" : " (DIFFERENT: a bug)", (unsigned long long)j_fast);
    return c_fast == c_cosim ? 0 : 1;
}

/* Runs a case in a child process: each case's peak memory is its own. */
static int in_child(int which, uint32_t batch, uint32_t tokens, const char *chip)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        int rc = which == 0 ? olmoe_case(batch, tokens, chip) : speedup();
        fflush(stdout); /* _exit does not flush */
        _exit(rc);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
    long tokens = argc > 1 ? atol(argv[1]) : 1024;
    if (tokens < 1) {
        fprintf(stderr, "usage: bench_fast [tokens at batch 1, >= 1]\n");
        return 2;
    }
    uint32_t per_seq = (uint32_t)(tokens / 16 > 0 ? tokens / 16 : 1);
    int rc = in_child(0, 1, (uint32_t)tokens, NULL);
    rc |= in_child(0, 32, per_seq, NULL);
    if (write_pwm_chip()) {
        fprintf(stderr, "bench_fast: cannot write a PWM variant of %s/chips/paper.json\n", aimc_presets_dir());
        rc = 1;
    } else {
        rc |= in_child(0, 1, (uint32_t)tokens, pwm_chip);
        rc |= in_child(0, 32, per_seq, pwm_chip);
        remove(pwm_chip);
        rmdir(pwm_dir);
    }
    rc |= in_child(1, 0, 0, NULL);
    return rc ? 1 : 0;
}
