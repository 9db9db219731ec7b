#include "analog/pcm_device.h"

#include <gsl/gsl_randist.h>
#include <math.h>

/* Coefficients of aihwkit's PCMLikeNoiseModel (CALIBRATION.md section 3, "PCM device model (IBM aihwkit,
 * pcm_inference documentation)"). */
static const double prog_c0 = 0.2635, prog_c1 = 1.9650, prog_c2 = -1.1731;
/* ln g_T of a zero target: aihwkit clamps g_T at 1e-7 before taking the logarithm. */
static const double g_t_floor = 1e-7;

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

double aimc_pcm_prog_sigma_uS(const aimc_pcm_params *p, double g_t)
{
    double poly = prog_c0 + prog_c1 * g_t + prog_c2 * g_t * g_t;
    return p->programming_noise_scale * (p->g_max_uS / AIMC_PCM_G_MAX_REF_US) * (poly > 0 ? poly : 0);
}

double aimc_pcm_drift_mu(double g_t)
{
    return clamp(-0.0155 * log(g_t > g_t_floor ? g_t : g_t_floor) + 0.0244, 0.049, 0.1);
}

double aimc_pcm_drift_sigma(double g_t)
{
    return clamp(-0.0125 * log(g_t > g_t_floor ? g_t : g_t_floor) - 0.0059, 0.008, 0.045);
}

double aimc_pcm_read_q_s(double g_t)
{
    double d = pow(g_t > 0 ? g_t : 0, 0.65);
    double q = 0.0088 / (d > 1e-3 ? d : 1e-3);
    return q < 0.2 ? q : 0.2;
}

double aimc_pcm_read_time_factor(double t_s)
{
    return sqrt(log((t_s + AIMC_PCM_T_READ_S) / (2 * AIMC_PCM_T_READ_S)));
}

double aimc_pcm_read_sigma_uS(const aimc_pcm_params *p, double g_t, double g_now_uS)
{
    return p->read_noise_scale * fabs(g_now_uS) * aimc_pcm_read_q_s(g_t) * aimc_pcm_read_time_factor(p->t_s);
}

double aimc_pcm_program_device(const aimc_pcm_params *p, gsl_rng *rng, double g_target_uS, double *g_prog_uS,
                               double *nu_out)
{
    double g_t = g_target_uS / p->g_max_uS;
    double g = g_target_uS;
    if (p->programming_noise) {
        g += aimc_pcm_prog_sigma_uS(p, g_t) * gsl_ran_gaussian_ziggurat(rng, 1.0);
        if (g < 0) /* a conductance cannot be negative: aihwkit clamps at 0 */
            g = 0;
    }
    if (g_prog_uS)
        *g_prog_uS = g;
    double nu = 0;
    if (p->drift) {
        nu = p->drift_scale * fabs(aimc_pcm_drift_mu(g_t) + aimc_pcm_drift_sigma(g_t) *
                                                                gsl_ran_gaussian_ziggurat(rng, 1.0));
        g *= pow(p->t_s / AIMC_PCM_T_C_S, -nu);
    }
    if (nu_out)
        *nu_out = nu;
    return g;
}
