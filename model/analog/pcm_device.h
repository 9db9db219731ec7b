/* The PCM device statistics of IBM aihwkit's PCMLikeNoiseModel (pcm_inference documentation; CALIBRATION.md
 * section 3).  Conductances are in microsiemens; g_T is the target conductance normalised to g_max.
 *
 *   programming noise  sigma_prog(g_T) = c * (g_max / 25 uS) * max(-1.1731 g_T^2 + 1.9650 g_T + 0.2635, 0) uS
 *                      g_prog = max(g_target + sigma_prog * z, 0)
 *   drift              nu = drift_scale * |mu_nu(g_T) + sigma_nu(g_T) * z|
 *                      mu_nu    = min(max(-0.0155 ln g_T + 0.0244, 0.049), 0.1)
 *                      sigma_nu = min(max(-0.0125 ln g_T - 0.0059, 0.008), 0.045)
 *                      g(t) = g_prog * (t / t_c)^-nu,  t >= t_c = 20 s
 *   read noise         sigma_read = read_scale * g(t) * Q_s(g_T) * sqrt(ln((t + t_read) / (2 t_read)))
 *                      Q_s = min(0.0088 / max(g_T^0.65, 1e-3), 0.2),  t_read = 250 ns
 *
 * The random draws use GSL (mt19937 streams owned by the caller, Gaussian by the ziggurat method). */
#ifndef AIMC_PCM_DEVICE_H
#define AIMC_PCM_DEVICE_H

#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stddef.h>

#define AIMC_PCM_T_C_S 20.0          /* drift reference time t_c (aihwkit t_0) */
#define AIMC_PCM_T_READ_S 250e-9     /* read pulse duration t_read (aihwkit) */
#define AIMC_PCM_G_MAX_REF_US 25.0   /* g_max the programming-noise polynomial was fitted at (aihwkit) */

typedef struct {
    double g_max_uS;
    bool programming_noise;
    double programming_noise_scale; /* c */
    bool drift;
    double drift_scale;
    bool read_noise;
    double read_noise_scale;
    double t_s;                     /* time since programming, >= t_c */
} aimc_pcm_params;

/* The deterministic laws (no randomness), each a function of the normalised target g_T in [0, 1]. */
double aimc_pcm_prog_sigma_uS(const aimc_pcm_params *p, double g_t); /* includes c and the g_max scaling */
double aimc_pcm_drift_mu(double g_t);
double aimc_pcm_drift_sigma(double g_t);
double aimc_pcm_read_q_s(double g_t);
/* sqrt(ln((t + t_read) / (2 t_read))): the 1/f noise accumulated between t_read and t. */
double aimc_pcm_read_time_factor(double t_s);
/* Read-noise sigma (uS) of a device whose target is g_t and whose conductance now is g_now_uS. */
double aimc_pcm_read_sigma_uS(const aimc_pcm_params *p, double g_t, double g_now_uS);

/* One device programmed to g_target_uS and read at time p->t_s: draws programming noise, then nu (two
 * Gaussians from rng, in that order, each only when its effect is on) and returns g(t) in uS.  When the
 * caller wants the intermediate values, g_prog_uS and nu receive them (either may be NULL). */
double aimc_pcm_program_device(const aimc_pcm_params *p, gsl_rng *rng, double g_target_uS, double *g_prog_uS,
                               double *nu);

#endif
