/* Benchmark of the fast engine (issue 6): whole-model decode of OLMoE-1B-7B (no weights: timing and energy only,
 * all analog, the paper preset sized to the model, prompt 64) at batch 1 and 32, as `aimc3d study` runs a point:
 * tier-MVM events per second and simulated tokens per second of CPU time, and the peak memory of the case's own
 * process; then the fast engine against the cosim engine on the demo workload of bench_chip (small-moe, all
 * analog, batch 4, 8 tokens, 16 tiles).  Prints figures; asserts nothing.
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

/* One OLMoE decode, in its own process so that the peak memory is this case's. */
static int olmoe_case(uint32_t batch, uint32_t tokens)
{
    aimc_point_args a = {.batch = batch, .tokens = tokens, .prompt = 64};
    aimc_plan_args_defaults(&a.plan, "bench");
    a.plan.model = "olmoe-1b-7b";
    a.plan.chip = "paper";
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
    printf("OLMoE-1B-7B batch %2u: %6llu tokens, %10llu tier MVMs, decode %6.3f s CPU (plan + mapping %5.3f s): "
           "%6.2f M tier-MVM events/s, %8.1f simulated tokens/s, %7.1f simulated tokens/s of simulated time; "
           "peak %.1f MB\n",
           batch, (unsigned long long)r.fig.tokens, (unsigned long long)r.tier_mvms, decode, total - decode,
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
static int in_child(int which, uint32_t batch, uint32_t tokens)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        int rc = which == 0 ? olmoe_case(batch, tokens) : speedup();
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
    int rc = in_child(0, 1, (uint32_t)tokens);
    rc |= in_child(0, 32, (uint32_t)(tokens / 16 > 0 ? tokens / 16 : 1));
    rc |= in_child(1, 0, 0);
    return rc ? 1 : 0;
}
