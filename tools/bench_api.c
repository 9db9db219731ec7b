/* Calls per second of one small fast-engine run through the library's facade (aimc3d_call "run"), the C side of
 * the Python binding's overhead (tools/python/bench_api.py makes the same calls through ctypes;
 * docs/PERFORMANCE.md).  Usage: bench_api [CALLS] (default 200). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "api/aimc3d.h"

#define REQUEST "{\"model\": \"tiny-moe\", \"chip\": \"paper\", \"tokens\": 2}"

int main(int argc, char **argv)
{
    long calls = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
    char err[AIMC3D_ERROR_SIZE];
    struct timespec t0, t1;
    size_t bytes = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < calls; i++) {
        char *report = aimc3d_call("run", REQUEST, err, sizeof err);
        if (!report) {
            fprintf(stderr, "bench_api: %s\n", err);
            return 2;
        }
        for (const char *c = report; *c; c++)
            bytes++;
        aimc3d_free(report);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("C: %ld calls in %.3f s: %.1f calls/s (%zu report bytes a call)\n", calls, s, (double)calls / s,
           bytes / (size_t)calls);
    return 0;
}
