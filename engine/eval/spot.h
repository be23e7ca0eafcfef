/* spot.h - SPOT and DSPOT streaming thresholds from extreme value theory
 * (Siffer, Fouque, Termier, Largouet, KDD 2017; docs/algorithms.md section 10).
 *
 * Calibration on n initial scores: t = the `level` quantile (spot.py's
 * convention: sorted[floor(level*n)]), peaks Y = x - t for x > t, a
 * generalized Pareto distribution GPD(gamma, sigma) fitted to the peaks, and
 * the alarm threshold for risk q:
 *     z_q = t + sigma/gamma * ((q n / N_t)^(-gamma) - 1)     (gamma != 0)
 *     z_q = t - sigma * ln(q n / N_t)                        (gamma == 0)
 * Streaming, per value x: x > z_q -> alarm (the value is not added, n is not
 * incremented); else x > t -> new peak, N_t++, n++, refit, new z_q; else n++.
 * DSPOT works on x - M, M the mean of the last `depth` values that raised no
 * alarm, and reports z_q + M.
 *
 * The GPD fit keeps the candidate with the highest log-likelihood among
 * Grimshaw's maximum-likelihood roots (roots of w(x) = u(x)v(x) - 1 with
 * u = mean 1/(1+xY), v = 1 + mean log(1+xY), searched on
 * (-1/Ymax, 0) and (0, 2(mean-Ymin)/Ymin^2], gamma = v(x*) - 1,
 * sigma = gamma/x*), the gamma = 0 (exponential) candidate sigma = mean, and
 * the method of moments (gamma = (1 - E^2/V)/2, sigma = E(1 + E^2/V)/2), as
 * libspot does.  Log-likelihood: -N ln sigma - (1 + 1/gamma) sum ln(1 + gamma Y/sigma),
 * or -N ln sigma - sum Y / sigma for gamma = 0 (libspot's formula; spot.py's
 * gamma = 0 branch has a sign error).
 *
 * Cost: calibration is one sort and one full fit (~150 passes over the peaks).
 * Each streamed peak refits: Newton steps from the previous root (2-4 passes)
 * plus the moment candidate, and a full root search after every
 * max(64, N_t/8) peaks.  Without max_excess a long stream costs O(N_t) per
 * peak (about 7 s for 900k streamed points adding 18k peaks on a loaded 2-core VM);
 * max_excess (libspot and TimeEval use 200) bounds it.
 */
#ifndef OD_EVAL_SPOT_H
#define OD_EVAL_SPOT_H

#include <stddef.h>
#include "../core/ctx.h"
#include "threshold.h"

typedef struct {
    double q;           /* risk per point, 0 < q < 1 - level (default 1e-4) */
    double level;       /* quantile of the initial threshold, in (0, 1) (default 0.98) */
    size_t depth;       /* DSPOT moving-average window; 0 = SPOT (default 0) */
    size_t max_excess;  /* fit on the last max_excess peaks only; 0 = all (default 0) */
} od_spot_opts;

void od_spot_opts_default(od_spot_opts *o);

typedef struct {
    double gamma, sigma, loglik;
    const char *method;  /* "grimshaw", "mom" or "exponential" (static string) */
} od_gpd;

/* Fit a GPD to k > 0 positive peaks.  OD_EDATA when a peak is not a positive
 * finite number. */
int od_gpd_fit(od_ctx *ctx, const double *peaks, size_t k, od_gpd *out);

/* z_q from the closed form above (n values seen, nt peaks). */
double od_spot_quantile(double t, const od_gpd *fit, double q, size_t n, size_t nt);

typedef struct od_spot od_spot;

typedef struct {
    double t;           /* initial threshold (in drift-removed units for DSPOT) */
    double z;           /* current z_q (DSPOT: without the drift) */
    double drift;       /* current M (0 for SPOT) */
    od_gpd fit;         /* current GPD fit */
    size_t n, nt;       /* values counted, peaks counted (all, also beyond max_excess) */
    size_t n_alarms;    /* alarms raised while streaming */
} od_spot_state;

/* Calibrate on calib[0..n) (NaN values left out).  DSPOT needs more than
 * `depth` values.  Returns NULL with *err set: OD_EINVAL for bad options
 * (naming the option), OD_EDATA when no calibration value exceeds t. */
od_spot *od_spot_new(od_ctx *ctx, const od_spot_opts *o, const double *calib, size_t n, int *err);
void od_spot_free(od_spot *s);

/* One streaming step.  *threshold (may be NULL) receives the threshold in
 * force when x arrived, the one it was compared with (spot.py records the
 * threshold after the update instead).  Returns 1 for an alarm (x > threshold),
 * 0 otherwise, negative OD_E* on failure.  NaN x: 0, no update. */
int od_spot_step(od_ctx *ctx, od_spot *s, double x, double *threshold);

void od_spot_get_state(const od_spot *s, od_spot_state *st);

/* Calibrate on calib, stream over test, and fill th: method "spot" or "dspot",
 * rule ">", value = the last threshold, per_point[i] = the threshold in force
 * at test point i, alarms[i] = x_i > per_point[i]. */
int od_threshold_spot(od_ctx *ctx, const double *calib, size_t n_calib, const double *test, size_t n_test,
                      const od_spot_opts *o, od_threshold *th);

#endif
