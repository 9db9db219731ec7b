/* Shared entry point of the Check unit-test programs: each test file defines aimc_test_suite(). */
#ifndef AIMC_CHECK_MAIN_H
#define AIMC_CHECK_MAIN_H

#include <check.h>

Suite *aimc_test_suite(void);

/* The seed of a randomized test: $AIMC_TEST_SEED if set, else `fallback`; printed so a failure can be
 * replayed. */
unsigned long aimc_test_seed(const char *test_name, unsigned long fallback);

#endif
