/* tsmetrics.h - time-series anomaly metrics: point adjustment (PA), revised
 * (event-level) PA, event-F1, range-based precision/recall (Tatbul et al.) and
 * VUS-ROC / VUS-PR (Paparrizos et al.).  Definitions: docs/algorithms.md 5-7.
 *
 * Inputs are 0/1 arrays in time order: labels (ground truth) and pred (the
 * decision of a threshold, see od_ts_predict).  An "event" is a maximal run of
 * 1s in labels, a "range" a maximal run of 1s in either array, both inclusive
 * [start, end].  Labels must be 0 or 1 here (an unlabelled row, -1, would cut
 * the time axis: OD_EDATA naming the row).
 *
 * Every result carries its convention in the metric names, e.g. "PA-F1",
 * "range-F1(a=0,gamma=one,bias=flat)", "VUS-PR(L=100)".  Undefined states:
 * recall-type values without events, precision-type values with nothing
 * flagged; an F-score is 0 when either side is defined and 0, undefined when a
 * side is undefined and the other is not 0.
 */
#ifndef OD_EVAL_TSMETRICS_H
#define OD_EVAL_TSMETRICS_H

#include <stddef.h>
#include "../core/ctx.h"
#include "metrics.h"

typedef struct {
    size_t start, end; /* inclusive */
} od_event;

/* Maximal runs of 1s in x[0..n) (any non-zero counts as 1).  Writes up to cap
 * of them to ev (may be NULL) and returns how many there are. */
size_t od_ts_events(const int *x, size_t n, od_event *ev, size_t cap);

/* Result of the point-adjust family and the range metrics. */
typedef struct {
    od_metric precision, recall, f;  /* names carry the convention */
    od_confusion cm;                 /* the counts behind them (see each function) */
    size_t n_events;                 /* ground-truth events (real ranges) */
    size_t events_hit;               /* events with at least one flagged point */
    size_t n_pred_ranges;            /* runs of flagged points */
} od_ts_prf;

/* Point-adjusted P/R/F1 (TSB-AD `_adjust_predicts`, Xu et al. 2018): an event
 * with any flagged point is flagged entirely, [start, end] filled explicitly
 * (also an event at index 0, which TSB-AD's back-fill loop misses); points
 * outside events keep their prediction; then point-wise counts (cm).  Names
 * "PA-precision", "PA-recall", "PA-F1".  adjusted (may be NULL) receives the
 * adjusted prediction. */
int od_ts_point_adjust(od_ctx *ctx, const int *labels, const int *pred, size_t n, int *adjusted,
                       od_ts_prf *out);

/* Revised point adjustment (Merlion RevisedPointAdjusted, its default):
 * cm.tp = events hit, cm.fn = events missed, cm.fp = flagged points outside
 * events, cm.tn = unflagged points outside events.  Names "RPA-precision",
 * "RPA-recall", "RPA-F1". */
int od_ts_revised_pa(od_ctx *ctx, const int *labels, const int *pred, size_t n, od_ts_prf *out);

/* Event-F1 (TSB-AD EventF1PA, without its 1e-15 in the denominator):
 * recall = events hit / events, precision = point-wise precision of pred (cm
 * is the point-wise matrix), F = harmonic mean.
 * False positives: counted per POINT, not per range: every flagged point
 * outside a labelled event is one FP, so one false alarm lasting 50 points
 * costs as much as 50 one-point alarms; flagged points inside events count
 * as TP point by point (no point adjustment on the precision side), so
 * precision = flagged-inside / flagged.  Contrast: RPA (above) also counts FP
 * per point but TP per event; range-based precision (below) scores each
 * flagged range by its overlap.  Names "point-precision",
 * "event-recall", "event-F1". */
int od_ts_event_f1(od_ctx *ctx, const int *labels, const int *pred, size_t n, od_ts_prf *out);

/* Range-based precision and recall (Tatbul et al., NeurIPS 2018). */
typedef enum { OD_GAMMA_ONE = 0, OD_GAMMA_RECIPROCAL = 1 } od_cardinality;
typedef enum { OD_BIAS_FLAT = 0, OD_BIAS_FRONT = 1, OD_BIAS_BACK = 2, OD_BIAS_MIDDLE = 3 } od_bias;

typedef struct {
    double alpha;               /* existence-reward weight in recall, in [0,1] */
    od_cardinality gamma;       /* one: 1; reciprocal: 1/c for c > 1 overlapping ranges */
    od_bias bias_recall;        /* positional bias delta of the recall side */
    od_bias bias_precision;     /* positional bias delta of the precision side */
    double beta;                /* F-beta, > 0 */
} od_range_opts;

/* alpha 0, gamma one, flat/flat, beta 1: TSAD-Evaluator's CLI and prts defaults. */
void od_range_opts_default(od_range_opts *o);
/* alpha 0.2, gamma reciprocal, flat/flat, beta 1: TSB-AD's R-based-F1. */
void od_range_opts_tsb_ad(od_range_opts *o);

const char *od_bias_name(od_bias b);          /* "flat" "front" "back" "middle" */
const char *od_cardinality_name(od_cardinality g); /* "one" "reciprocal" */
int od_bias_parse(od_ctx *ctx, const char *s, od_bias *b);
int od_cardinality_parse(od_ctx *ctx, const char *s, od_cardinality *g);

/* Recall_T = (1/Nr) sum_i [alpha*ER_i + (1-alpha)*gamma(c_i)*sum_j w(R_i, R_i^P_j)],
 * Precision_T the same over predicted ranges with alpha 0 and bias_precision,
 * F_beta = (1+b^2)PR/(b^2 P + R).  O(n).  Names e.g. "range-P(gamma=one,bias=flat)",
 * "range-R(a=0,gamma=one,bias=flat)", "range-F1(a=0,gamma=one,bias=flat)" (the
 * bias is written "recall/precision" when they differ; "range-F(beta=B,...)"
 * for beta != 1).  cm is zero; n_events, events_hit, n_pred_ranges are set. */
int od_ts_range_prf(od_ctx *ctx, const int *labels, const int *pred, size_t n, const od_range_opts *o,
                    od_ts_prf *out);

/* VUS-ROC and VUS-PR (TSB-AD RangeAUC_volume_opt, current version: PR height
 * is the step Prec_k, commit 51c9649).  K thresholds t_k = the scores sorted
 * descending at positions floor(linspace(0, n-1, K)) (numpy's float linspace),
 * rule s >= t_k; buffers l = 0..L, ramp sqrt(1 - d/l) on floor(l/2) points each
 * side of every event, clipped to 1; per l the range-ROC-AUC (trapezoid over
 * (0,0), the K points, (1,1)) and range-AP (step sum); VUS = their means over
 * the L+1 buffers.  Scores must all be non-NaN (OD_EDATA names the row: fill
 * or trim warm-up NaNs first).  Cost O(n log K + K L + events * L^2).
 * Names "VUS-ROC(L=..)" and "VUS-PR(L=..)" (",K=.." added when K != 250). */
typedef struct {
    od_metric vus_roc, vus_pr;
    size_t L, K;
} od_vus;

int od_ts_vus(od_ctx *ctx, const double *scores, const int *labels, size_t n, size_t L, size_t K, od_vus *out);

#endif
