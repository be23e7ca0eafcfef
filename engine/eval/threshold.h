/* threshold.h - turning scores into decisions: thresholds from training
 * scores (value, contamination, percentile, k-sigma, IQR, MAD), the best-F1
 * oracle, and (spot.h) SPOT / DSPOT streaming thresholds.
 *
 * Every threshold is an od_threshold that says what it is: the method, its
 * parameters as text, the rule (s >= t or s > t), the value, whether it is an
 * oracle (chosen with the labels of the data it is evaluated on), and how many
 * training scores it used (NaN scores are left out and counted).
 *
 * Rules: PyOD's contamination threshold flags s > t (strict); oddity uses the
 * same strict rule for every threshold derived from training-score statistics
 * (contamination, percentile, sigma, iqr, mad) and for SPOT (x > z_q, as in
 * Siffer et al.).  value and best-f1 use s >= t (the rule of the curves).
 * The rule is a field: a caller may change it before applying.
 *
 * Percentiles are numpy's default ("linear", type 7): with the non-NaN values
 * sorted, v = (n-1)*q/100, result = a[floor v] + frac(v)*(a[floor v + 1] - a[floor v]),
 * computed exactly like numpy's _lerp so the result matches to the last bit
 * (od_quantile_select in core/num.h, which says where it parts from numpy).
 */
#ifndef OD_EVAL_THRESHOLD_H
#define OD_EVAL_THRESHOLD_H

#include <stddef.h>
#include "../core/ctx.h"
#include "metrics.h"
#include "curve.h"

typedef struct {
    char method[24];      /* "value" "contamination" "percentile" "sigma" "iqr" "mad" "best-f1" "spot" "dspot" */
    char params[160];     /* e.g. "c=0.05", "k=3,sd=population,..." */
    od_rule rule;
    double value;         /* the threshold (SPOT/DSPOT: the one in force after the last test point) */
    int is_oracle;        /* 1: chosen with the evaluation labels (best-f1) */
    size_t n_used;        /* training (calibration) scores used */
    size_t n_nan;         /* training scores left out because NaN */
    /* SPOT/DSPOT only (NULL/0 otherwise), owned by the struct: */
    double *per_point;    /* threshold in force when test point i arrived */
    unsigned char *alarms;/* 1 where test point i raised an alarm (x > per_point[i]) */
    size_t n_points;
} od_threshold;

/* Zero a threshold (no arrays). */
void od_threshold_init(od_threshold *th);
/* Free the per-point arrays and zero the struct. */
void od_threshold_clear(od_threshold *th);

/* numpy.nanpercentile(x, q) with the linear method, q in [0, 100].
 * *n_used (may be NULL) gets the count of non-NaN values.  OD_EDATA when every
 * value is NaN (or n = 0); OD_EINVAL for q outside [0, 100]. */
int od_percentile(od_ctx *ctx, const double *x, size_t n, double q, double *out, size_t *n_used);

/* A fixed value with the given rule. */
int od_threshold_value(od_ctx *ctx, double v, od_rule rule, od_threshold *th);

/* PyOD: t = percentile(train, 100*(1-c)), rule s > t; c in (0, 0.5]. */
int od_threshold_contamination(od_ctx *ctx, const double *train, size_t n, double c, od_threshold *th);

/* t = percentile(train, q), q in [0, 100], rule s > t. */
int od_threshold_percentile(od_ctx *ctx, const double *train, size_t n, double q, od_threshold *th);

/* The same two rules (contamination when `c` is set, with c in place of q)
 * from the order statistics of the training scores instead of the scores:
 * kth(arg, k) is the k-th smallest (0-based) of the m > 0 non-NaN scores of
 * the n.  The same threshold, bit for bit, for callers that hold the sorted
 * scores already.  1 (nothing done) when the value would be a zero: the sign
 * of a zero order statistic depends on which zero the selection keeps, so
 * the caller then uses the functions above. */
int od_threshold_percentile_ranked(od_ctx *ctx, size_t n, size_t m, double (*kth)(void *arg, size_t k), void *arg,
                                   double q, int c, od_threshold *th);

typedef enum { OD_SD_POPULATION = 0, OD_SD_SAMPLE = 1 } od_sd_kind;

/* t = mean + k*sd of the training scores, rule s > t.  sd population (ddof 0:
 * numpy.std, TimeEval's nanstd, Orion) or sample (ddof 1; needs 2 scores). */
int od_threshold_sigma(od_ctx *ctx, const double *train, size_t n, double k, od_sd_kind sd, od_threshold *th);

/* Tukey: t = Q3 + k*(Q3 - Q1), quartiles by the linear percentile, rule s > t. */
int od_threshold_iqr(od_ctx *ctx, const double *train, size_t n, double k, od_threshold *th);

/* t = median + k * 1.4826 * MAD, MAD = median |x - median| (1.4826 makes MAD
 * estimate the standard deviation of a normal), medians as numpy.median
 * (mean of the two middle values for even n), rule s > t. */
int od_threshold_mad(od_ctx *ctx, const double *train, size_t n, double k, od_threshold *th);

/* Otsu's criterion on scores: sort the non-NaN values a[0] <= ... <= a[m-1]
 * and cut between two DISTINCT neighbouring values a[i-1] < a[i] (tied values
 * always fall in the same group); the cut minimises the total within-group
 * sum of squared errors SSE(i) = sum_{j<i} (a_j - mean_lo)^2 + sum_{j>=i}
 * (a_j - mean_hi)^2, computed exactly from prefix sums of the centred values
 * (O(m log m): the sort).  Among cuts with equal SSE the lowest one wins.
 * *t = a[i-1] (the largest value of the low group: s > t flags the high
 * group), *sse the minimum, *nlow = i.  OD_EDATA when fewer than two distinct
 * values remain (constant scores: no cut splits them). */
int od_sse_cut(od_ctx *ctx, const double *x, size_t n, double *t, double *sse, size_t *nlow);

/* The SSE (Otsu) cut of the training scores, rule s > t (see od_sse_cut). */
int od_threshold_sse(od_ctx *ctx, const double *train, size_t n, od_threshold *th);

/* The threshold of the best F1 on the curve (od_curve_best_f1), rule s >= t,
 * is_oracle = 1.  OD_EDATA when F1 is undefined (reason in ctx). */
int od_threshold_best_f1(od_ctx *ctx, const od_curve *c, od_threshold *th);

/* Apply: pred[i] = 1 when s[i] passes (NaN never does).  When th has a
 * per-point array of exactly n entries (SPOT), point i uses per_point[i].
 * Returns the number of points flagged. */
size_t od_threshold_apply(const od_threshold *th, const double *s, size_t n, int *pred);

#endif
