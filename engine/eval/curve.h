/* curve.h - the sorted evaluation object: ROC and PR curves, ROC-AUC, AP,
 * PR-AUC, best F1, precision@n and the O(log n) confusion matrix at any
 * threshold (the "live threshold move").
 *
 * Build one od_curve per (scores, labels) pair; everything else reads it.
 *
 *   int err;
 *   od_curve *c = od_curve_new(ctx, scores, labels, n, &err);
 *   od_metric auc = od_curve_roc_auc(c), ap = od_curve_ap(c);
 *   od_confusion cm = od_curve_confusion(c, 0.73, OD_RULE_GE);   // microseconds
 *   od_curve_free(c);
 *
 * Rows: a row with a NaN score or the label -1 (unlabelled) is left out and
 * counted (od_curve_info: n_nan, n_unlabelled); labels other than 0, 1, -1
 * are an error.  +-Inf scores are ordinary values.  -0.0 equals 0.0.
 *
 * Conventions (sklearn 1.2 `_binary_clf_curve`, see docs/algorithms.md sections 1-4):
 *   The scores are sorted descending once (radix sort on the bit pattern,
 *   O(n)) and collapsed to the m distinct values t_0 > t_1 > ... > t_{m-1};
 *   at t_k, TP_k = #{y=1, s >= t_k} and FP_k = #{y=0, s >= t_k}.
 *   ROC-AUC  trapezoid over (0,0), (FP_k/N, TP_k/P): ties form one diagonal
 *            segment, so AUC = P(s+ > s-) + P(s+ = s-)/2 (Mann-Whitney).  It is
 *            summed in exact integer arithmetic and divided once.  Equal to
 *            roc_auc_score.  Undefined unless both classes are present.
 *   AP(step) sum_k (R_k - R_{k-1}) * P_k over the distinct thresholds, P_k the
 *            precision at the end of a tied block: average_precision_score.
 *            Undefined without anomalous rows.  With no normal rows it is 1
 *            (as sklearn), which is also the prevalence baseline.
 *   PR-AUC(trapz)  trapezoid rule over sklearn's precision_recall_curve points,
 *            including its final (recall 0, precision 1) point, i.e.
 *            sklearn.metrics.auc(recall, precision) (TimeEval's PR_AUC).  Kept
 *            apart from AP: it is more optimistic.
 */
#ifndef OD_EVAL_CURVE_H
#define OD_EVAL_CURVE_H

#include <stddef.h>
#include "../core/ctx.h"
#include "metrics.h"

typedef struct od_curve od_curve;

typedef struct {
    size_t n_total;       /* rows given */
    size_t n_used;        /* rows with a score and a 0/1 label */
    size_t n_nan;         /* rows left out: NaN score */
    size_t n_unlabelled;  /* rows left out: label -1 (and a non-NaN score) */
    size_t n_pos, n_neg;  /* anomalous (1) and normal (0) rows used: P, N */
    size_t n_thresholds;  /* m, the number of distinct scores */
} od_curve_info;

/* Sorts once: O(n) time (in-place radix sort on the bit patterns, on
 * od_ctx_threads() threads) and 8 bytes per usable row, which is all the
 * object keeps (the sorted scores of each class); the distinct thresholds and
 * their counts are produced by merge walks (O(n)) or binary searches
 * (O(log n)) when asked for.  Returns NULL with *err set (OD_ENOMEM, or
 * OD_EDATA for a label other than 0/1/-1, naming the row).  A curve with no
 * usable rows is valid: every metric is then undefined with a reason. */
od_curve *od_curve_new(od_ctx *ctx, const double *scores, const int *labels, size_t n, int *err);
void od_curve_free(od_curve *c);

void od_curve_get_info(const od_curve *c, od_curve_info *info);

/* The m distinct thresholds in descending order with the cumulative counts
 * TP_k, FP_k of rows with s >= thr[k]; arrays of m entries, any may be NULL. */
void od_curve_points(const od_curve *c, double *thr, size_t *tp, size_t *fp);

od_metric od_curve_roc_auc(const od_curve *c);      /* "ROC-AUC" */
od_metric od_curve_ap(const od_curve *c);           /* "AP(step)" */
od_metric od_curve_pr_auc_trapz(const od_curve *c); /* "PR-AUC(trapz)" */

/* Full ROC curve over the distinct thresholds (sklearn roc_curve with
 * drop_intermediate=False): m+1 points, first (0,0) with threshold +Inf
 * (sklearn >= 1.3; sklearn 1.2 stores max(s)+1 there), then one point per
 * distinct threshold in descending order.  Dropping collinear points (sklearn's
 * default drop_intermediate=True) is a display choice and changes no AUC.
 * Arrays need m+1 entries; any of them may be NULL.
 * Returns OD_EDATA when only one class is present: the arrays are still
 * filled, with NaN for the undefined rate (FPR without normal rows, TPR
 * without anomalous rows), and the reason is in ctx. */
int od_curve_roc(od_ctx *ctx, const od_curve *c, double *fpr, double *tpr, double *thr);

/* Full precision-recall curve exactly as sklearn 1.2 precision_recall_curve:
 * thresholds increasing (m entries), precision and recall with m+1 entries,
 * entry i for the rule s >= thr[i], plus the final (precision 1, recall 0)
 * point that has no threshold.  The first point is (prevalence, 1).  NULL
 * arrays are skipped.  Without anomalous rows recall is NaN (sklearn 1.2 sets
 * it to 1 with a warning) and OD_EDATA is returned with the arrays filled. */
int od_curve_pr(od_ctx *ctx, const od_curve *c, double *precision, double *recall, double *thr);

/* Best F1 over the distinct thresholds, rule s >= threshold (an oracle: it
 * uses the labels).  F1 = 2TP/(2TP+FP+FN) exactly (TSB-AD adds 1e-5 to the
 * denominator; oddity does not).  Ties: the highest threshold wins (fewest
 * rows flagged).  Name "best-F1(oracle)". */
typedef struct {
    od_metric f1;
    double threshold;    /* NaN when f1 is undefined */
    od_rule rule;        /* OD_RULE_GE */
    od_confusion cm;     /* counts at that threshold */
} od_best_f1;
od_best_f1 od_curve_best_f1(const od_curve *c);

/* Precision among the top k scores: t = the k-th highest score (counting
 * ties), rule s >= t, so ties at t may flag more than k rows (*n_flagged says
 * how many; may be NULL).  k = 0 means k = P, the number of anomalous rows
 * (then it is R-precision).  Name "P@k(k=K,>=)": the rule is in the name because
 * PyOD's precision_n_scores uses s > its percentile threshold (fewer rows on ties).  Undefined when k > n_used or
 * k = 0 with P = 0. */
od_metric od_curve_precision_at(const od_curve *c, size_t k, size_t *n_flagged);

/* Confusion matrix at threshold t with the given rule, O(log m) by binary
 * search over the distinct thresholds.  t = NaN flags nothing; left-out rows
 * are not counted. */
od_confusion od_curve_confusion(const od_curve *c, double t, od_rule rule);

#endif
