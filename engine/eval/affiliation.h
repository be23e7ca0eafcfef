/* affiliation.h - the affiliation metrics of Huet, Navarro and Rossi, "Local
 * Evaluation of Time Series Anomaly Detection Algorithms", KDD 2022.
 *
 * Time is continuous: a labelled point i is the interval [i, i+1), an event
 * is a run of such points, the series is [0, n).  Each ground-truth event J
 * owns its zone of affiliation E (the points closer to J than to any other
 * event: boundaries halfway between neighbouring events, the series' ends
 * outside the first and last).  Within each zone:
 *   precision_J = mean over the predicted points x in E of
 *                 P(dist(X, J) >= dist(x, J)), X uniform on E;
 *                 undefined when nothing is predicted in E;
 *   recall_J    = mean over the points y of J of
 *                 P(dist(y, X) >= dist(y, P_E)), X uniform on E, where
 *                 P_E is the prediction inside E (0 when P_E is empty).
 * Precision = mean of the defined precision_J, recall = mean of recall_J,
 * F1 = 2PR/(P+R).  The distances (mean directed distances, in points) are
 * reported beside them.  Every integrand is piecewise linear in the point, so
 * each integral is computed exactly (up to rounding) on its linear pieces;
 * tests/unit/test_eval_affiliation.c checks it against the authors' code
 * (tests/fixtures/eval/affiliation.txt and its generator). */
#ifndef OD_EVAL_AFFILIATION_H
#define OD_EVAL_AFFILIATION_H

#include <stddef.h>
#include "../core/ctx.h"
#include "metrics.h"
#include "tsmetrics.h"

typedef struct {
    double a, b;   /* [a, b), a < b */
} od_interval;

/* Per ground-truth event (arrays of ng entries, each may be NULL):
 * precision probability (NaN: undefined), recall probability, precision
 * distance (NaN: undefined), recall distance (inf: nothing predicted). */
typedef struct {
    double *p_precision, *p_recall, *d_precision, *d_recall;
} od_affil_detail;

/* Events as sorted, disjoint intervals inside [t0, t1); ng >= 1.  Fills the
 * overall precision (NaN when undefined) and recall, and the details. */
int od_affiliation_events(od_ctx *ctx, const od_interval *pred, size_t np, const od_interval *gt, size_t ng, double t0,
                          double t1, double *precision, double *recall, od_affil_detail *detail);

/* From 0/1 label and prediction vectors of n points: names
 * "affiliation-precision", "affiliation-recall", "affiliation-F1";
 * n_events, n_pred_ranges set.  No labelled event: every metric undefined
 * (with the reason); no prediction: precision undefined, recall and F1 0. */
int od_ts_affiliation(od_ctx *ctx, const int *labels, const int *pred, size_t n, od_ts_prf *out);

#endif
