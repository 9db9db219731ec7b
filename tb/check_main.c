#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"

unsigned long aimc_test_seed(const char *test_name, unsigned long fallback)
{
    const char *env = getenv("AIMC_TEST_SEED");
    unsigned long seed = env && env[0] ? strtoul(env, NULL, 0) : fallback;
    printf("%s: seed %lu (replay with AIMC_TEST_SEED=%lu)\n", test_name, seed, seed);
    fflush(stdout);
    return seed;
}

int main(void)
{
    SRunner *runner = srunner_create(aimc_test_suite());
    srunner_run_all(runner, CK_ENV);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
