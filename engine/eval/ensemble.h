/* ensemble.h - normalising the scores of several runs and combining them.
 *
 * Normalisations (one run at a time, NaN stays NaN):
 *   zscore  (s - mean)/sd, mean and population sd of the training rows
 *   minmax  (s - min)/(max - min), min and max of the training rows (test
 *           rows may fall outside [0, 1])
 *   rank    average rank (ties share the mean of their ranks, 1-based) among
 *           all non-NaN rows, divided by their count: (0, 1]
 *   none    copy
 * A constant training part (sd = 0, max = min) cannot be scaled: the scores
 * are only shifted (divided by 1) and a warning is left in the ctx.
 *
 * Combinations (row by row over k members, NaN in any member -> NaN):
 *   mean, max, median (mean of the two middle values for even k), weighted
 *   (sum w_j s_j / sum w_j, weights >= 0 with a positive sum).
 */
#ifndef OD_EVAL_ENSEMBLE_H
#define OD_EVAL_ENSEMBLE_H

#include <stddef.h>
#include "../core/ctx.h"

typedef enum { OD_NORM_NONE = 0, OD_NORM_ZSCORE, OD_NORM_MINMAX, OD_NORM_RANK } od_norm;
typedef enum { OD_COMBINE_MEAN = 0, OD_COMBINE_MAX, OD_COMBINE_MEDIAN, OD_COMBINE_WEIGHTED } od_combine;

const char *od_norm_name(od_norm norm);        /* "none" "zscore" "minmax" "rank" */
const char *od_combine_name(od_combine how);   /* "mean" "max" "median" "weighted" */
/* Accept the names above (and "z" for zscore); OD_EINVAL naming the word. */
int od_norm_parse(od_ctx *ctx, const char *s, od_norm *norm);
int od_combine_parse(od_ctx *ctx, const char *s, od_combine *how);

/* Normalise s[0..n) into out[0..n) (out may equal s).  train (may be NULL =
 * every row) marks the rows whose statistics define zscore/minmax.
 * OD_EDATA when no training row has a score. */
int od_ensemble_normalize(od_ctx *ctx, const double *s, size_t n, const unsigned char *train, od_norm norm,
                          double *out);

/* The two halves of zscore/minmax: the shift and scale of the training rows
 * (shift 0, scale 1 for the other normalisations; the constant-scores
 * warning as above), and out[i] = (s[i] - shift) / scale.  A saved bag keeps
 * its members' shift and scale, so a loaded one scores new rows as it did. */
int od_ensemble_norm_stats(od_ctx *ctx, const double *s, size_t n, const unsigned char *train, od_norm norm,
                           double *shift, double *scale);
void od_ensemble_norm_apply(const double *s, size_t n, double shift, double scale, double *out);

/* Combine k >= 1 members (members[j] has n scores) into out[0..n).
 * weights (k entries) is required for OD_COMBINE_WEIGHTED and ignored otherwise. */
int od_ensemble_combine(od_ctx *ctx, const double *const *members, size_t k, size_t n, od_combine how,
                        const double *weights, double *out);

#endif
