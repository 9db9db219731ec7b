/* PCM device laws: values of the aihwkit polynomials worked out by hand, then sampled programming noise and
 * drift against those laws with tolerances derived from the sample size. */
#include <check.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "analog/pcm_device.h"
#include "check_main.h"

static const double PI = 3.14159265358979323846;

static aimc_pcm_params params(double c)
{
    return (aimc_pcm_params){.g_max_uS = 25.0, .programming_noise = true, .programming_noise_scale = c,
                             .drift = false, .drift_scale = 1.0, .read_noise = false, .read_noise_scale = 1.0,
                             .t_s = 20.0};
}

START_TEST(laws_by_hand)
{
    aimc_pcm_params p = params(1.0);
    /* -1.1731 g^2 + 1.9650 g + 0.2635 */
    ck_assert_double_eq_tol(aimc_pcm_prog_sigma_uS(&p, 0.0), 0.2635, 1e-12);
    ck_assert_double_eq_tol(aimc_pcm_prog_sigma_uS(&p, 0.5), 0.952725, 1e-12);
    ck_assert_double_eq_tol(aimc_pcm_prog_sigma_uS(&p, 1.0), 1.0554, 1e-12);
    p.programming_noise_scale = 2.5;
    ck_assert_double_eq_tol(aimc_pcm_prog_sigma_uS(&p, 1.0), 2.6385, 1e-12);
    p.g_max_uS = 50; /* sigma scales with g_max / 25 uS */
    ck_assert_double_eq_tol(aimc_pcm_prog_sigma_uS(&p, 1.0), 5.277, 1e-12);
    /* drift: mu = clip(-0.0155 ln g + 0.0244, 0.049, 0.1), sigma = clip(-0.0125 ln g - 0.0059, 0.008, 0.045) */
    ck_assert_double_eq_tol(aimc_pcm_drift_mu(1.0), 0.049, 1e-12);
    ck_assert_double_eq_tol(aimc_pcm_drift_sigma(1.0), 0.008, 1e-12);
    ck_assert_double_eq_tol(aimc_pcm_drift_mu(0.1), 0.0155 * 2.302585093 + 0.0244, 1e-9);    /* 0.060090 */
    ck_assert_double_eq_tol(aimc_pcm_drift_sigma(0.1), 0.0125 * 2.302585093 - 0.0059, 1e-9); /* 0.022882 */
    ck_assert_double_eq_tol(aimc_pcm_drift_mu(0.01), 0.0155 * 4.605170186 + 0.0244, 1e-9);   /* 0.095780 */
    ck_assert_double_eq_tol(aimc_pcm_drift_sigma(0.01), 0.045, 1e-12);                      /* 0.0517 clipped */
    ck_assert_double_eq_tol(aimc_pcm_drift_mu(0.0), 0.1, 1e-12);                             /* ln 1e-7 */
    /* read noise: Q_s = min(0.0088 / g^0.65, 0.2) */
    ck_assert_double_eq_tol(aimc_pcm_read_q_s(1.0), 0.0088, 1e-12);
    ck_assert_double_eq_tol(aimc_pcm_read_q_s(0.5), 0.0088 / 0.637280314, 1e-9); /* 0.5^0.65 */
    ck_assert_double_eq_tol(aimc_pcm_read_q_s(0.001), 0.2, 1e-12);
    ck_assert_double_eq_tol(aimc_pcm_read_q_s(0.0), 0.2, 1e-12);
    /* sqrt(ln((86400 s + 250 ns) / 500 ns)) = sqrt(ln 1.728e11) = sqrt(0.546965 + 25.328436) */
    ck_assert_double_eq_tol(aimc_pcm_read_time_factor(86400.0), 5.086787, 1e-5);
    p = params(1.0);
    p.read_noise = true;
    p.t_s = 86400.0;
    ck_assert_double_eq_tol(aimc_pcm_read_sigma_uS(&p, 1.0, 25.0), 25.0 * 0.0088 * 5.086787, 1e-4);
    ck_assert_double_eq_tol(aimc_pcm_read_sigma_uS(&p, 0.0, 0.0), 0.0, 1e-15);
}
END_TEST

START_TEST(switched_off_effects_leave_the_target)
{
    aimc_pcm_params p = params(1.0);
    p.programming_noise = false;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    double gp, nu;
    ck_assert_double_eq(aimc_pcm_program_device(&p, r, 12.5, &gp, &nu), 12.5);
    ck_assert_double_eq(gp, 12.5);
    ck_assert_double_eq(nu, 0.0);
    /* drift on at t = t_c: no decay yet */
    p.drift = true;
    ck_assert_double_eq_tol(aimc_pcm_program_device(&p, r, 12.5, NULL, &nu), 12.5, 1e-12);
    ck_assert(nu > 0);
    gsl_rng_free(r);
}
END_TEST

/* Programming noise: the error g_prog - g_target of N devices has standard deviation sigma_prog(g_T).  The
 * sample standard deviation of N normal draws has relative standard error 1/sqrt(2N) (0.16% at N = 200000);
 * tolerance 5 of them.  Targets sit >= 5 sigma above 0 so the clamp at 0 is negligible (< 3e-7 of draws). */
START_TEST(programming_noise_follows_the_polynomial)
{
    unsigned long seed = aimc_test_seed("programming_noise_follows_the_polynomial", 21);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    const int n = 200000;
    const double cases[][2] = {{0.5, 1.0}, {1.0, 1.0}, {0.75, 1.5}, {0.5, 2.5}, {1.0, 2.5}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        aimc_pcm_params p = params(cases[c][1]);
        double target = cases[c][0] * 25.0, s1 = 0, s2 = 0;
        for (int k = 0; k < n; k++) {
            double e = aimc_pcm_program_device(&p, r, target, NULL, NULL) - target;
            s1 += e;
            s2 += e * e;
        }
        double sd = sqrt(s2 / n - (s1 / n) * (s1 / n));
        double want = cases[c][1] * (-1.1731 * cases[c][0] * cases[c][0] + 1.9650 * cases[c][0] + 0.2635);
        ck_assert_msg(fabs(sd / want - 1) < 5 / sqrt(2.0 * n), "g_T %g c %g: sd %g, polynomial %g", cases[c][0],
                      cases[c][1], sd, want);
        ck_assert_msg(fabs(s1 / n) < 5 * want / sqrt(n), "mean error %g", s1 / n);
    }
    /* A zero target is clamped: g = max(sigma z, 0), a point mass 1/2 at 0 and mean sigma / sqrt(2 pi).
     * Standard errors: sqrt(0.25 / N) for the fraction, sigma sqrt(1/2 - 1/(2 pi)) / sqrt(N) for the mean. */
    aimc_pcm_params p = params(1.0);
    double s1 = 0;
    int zeros = 0;
    for (int k = 0; k < n; k++) {
        double g = aimc_pcm_program_device(&p, r, 0.0, NULL, NULL);
        ck_assert(g >= 0);
        zeros += g == 0;
        s1 += g;
    }
    ck_assert_msg(fabs((double)zeros / n - 0.5) < 5 * sqrt(0.25 / n), "zero fraction %g", (double)zeros / n);
    double want_mean = 0.2635 / sqrt(2 * PI);
    ck_assert_msg(fabs(s1 / n - want_mean) < 5 * 0.2635 * sqrt(0.5 - 0.5 / PI) / sqrt(n), "mean %g vs %g",
                  s1 / n, want_mean);
    gsl_rng_free(r);
}
END_TEST

/* Drift: ln(g(t) / g_prog) = -nu L with L = ln(t / t_c) and nu = |N(mu, sigma)|.  Its mean is -L E|X| with the
 * folded-normal mean E|X| = mu (1 - 2 Phi(-mu/sigma)) + 2 sigma phi(mu/sigma); its standard deviation is
 * L sd|X| (sd|X| = sqrt(mu^2 + sigma^2 - E|X|^2)).  Standard errors: L sd|X| / sqrt(N) for the mean,
 * relative 1/sqrt(2N) for the sd (nu is nearly normal); tolerances 5 of them. */
START_TEST(drift_mean_follows_the_power_law)
{
    unsigned long seed = aimc_test_seed("drift_mean_follows_the_power_law", 22);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    const int n = 200000;
    const double g_ts[] = {1.0, 0.1, 0.01};
    const double times[] = {3600.0, 86400.0, 3.15e7};
    for (size_t gi = 0; gi < 3; gi++) {
        for (size_t ti = 0; ti < 3; ti++) {
            aimc_pcm_params p = params(1.0);
            p.programming_noise = false;
            p.drift = true;
            p.t_s = times[ti];
            double g_t = g_ts[gi], target = g_t * 25.0;
            double mu = aimc_pcm_drift_mu(g_t), sg = aimc_pcm_drift_sigma(g_t), L = log(times[ti] / 20.0);
            double fold_mean = mu * (1 - 2 * gsl_cdf_ugaussian_P(-mu / sg)) + 2 * sg * gsl_ran_ugaussian_pdf(mu / sg);
            double fold_sd = sqrt(mu * mu + sg * sg - fold_mean * fold_mean);
            double s1 = 0, s2 = 0, ratio = 0;
            for (int k = 0; k < n; k++) {
                double g = aimc_pcm_program_device(&p, r, target, NULL, NULL);
                double l = log(g / target);
                s1 += l;
                s2 += l * l;
                ratio += g / target;
            }
            double mean = s1 / n, sd = sqrt(s2 / n - mean * mean);
            ck_assert_msg(fabs(mean + L * fold_mean) < 5 * L * fold_sd / sqrt(n), "g_T %g t %g: mean ln %g vs %g",
                          g_t, times[ti], mean, -L * fold_mean);
            ck_assert_msg(fabs(sd / (L * fold_sd) - 1) < 5 / sqrt(2.0 * n), "sd %g vs %g", sd, L * fold_sd);
            if (gi == 0) {
                /* g_T = 1: mu/sigma = 6.1, the fold is immaterial and nu is normal, so the mean decay factor is
                 * the log-normal mean E[(t/t_c)^-nu] = exp(-mu L + sigma^2 L^2 / 2); its standard error is
                 * about that times sigma L / sqrt(N). */
                double want = exp(-mu * L + sg * sg * L * L / 2);
                ck_assert_msg(fabs(ratio / n - want) < 5 * want * sg * L / sqrt(n), "t %g: mean g/g0 %g vs %g",
                              times[ti], ratio / n, want);
            }
        }
    }
    gsl_rng_free(r);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("pcm_device");
    TCase *tc = tcase_create("pcm_device");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, laws_by_hand);
    tcase_add_test(tc, switched_off_effects_leave_the_target);
    tcase_add_test(tc, programming_noise_follows_the_polynomial);
    tcase_add_test(tc, drift_mean_follows_the_power_law);
    suite_add_tcase(s, tc);
    return s;
}
