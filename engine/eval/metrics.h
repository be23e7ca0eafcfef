/* metrics.h - metric values with an explicit "undefined" state, confusion
 * matrices and the point-wise metrics computed from them.
 *
 * Every metric the eval module returns is an od_metric: a value, a flag that
 * says whether the value means anything, the name of the convention that
 * produced it ("AP(step)", "PR-AUC(trapz)", "PA-F1", ...) and, when it is
 * undefined, a one-line reason ("only one class in the labels: 40 normal,
 * 0 anomalous").  An undefined metric has value NaN; it is never silently 0.
 *
 * Decision rules: a threshold t flags a score s as anomalous by s >= t
 * (OD_RULE_GE, the rule of sklearn's curves) or s > t (OD_RULE_GT, the rule of
 * PyOD's contamination threshold).  Every threshold carries its rule.
 *
 * Conventions for the point-wise metrics (TP, FP, TN, FN counts):
 *   precision   TP/(TP+FP)            undefined when nothing is flagged
 *   recall      TP/(TP+FN)            undefined when there are no anomalies
 *   F-beta      (1+b^2)TP / ((1+b^2)TP + b^2 FN + FP)
 *               undefined only when TP+FN+FP = 0; this equals the harmonic
 *               mean of precision and recall when both are defined and is 0
 *               when either one is defined and 0 (sklearn's value as well).
 *   accuracy    (TP+TN)/n             undefined when n = 0
 *   specificity TN/(TN+FP)            undefined when there are no normal rows
 *   MCC         (TP*TN-FP*FN)/sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))
 *               undefined when any factor is 0 (sklearn returns 0 there)
 */
#ifndef OD_EVAL_METRICS_H
#define OD_EVAL_METRICS_H

#include <stddef.h>
#include "../core/ctx.h"

typedef enum { OD_RULE_GE = 0, OD_RULE_GT = 1 } od_rule;

/* ">=" or ">". */
const char *od_rule_str(od_rule rule);
/* Parses ">=", "ge", ">" or "gt"; returns 0 or OD_EINVAL (message in ctx). */
int od_rule_parse(od_ctx *ctx, const char *s, od_rule *rule);

#define OD_METRIC_NAME_MAX 64
#define OD_METRIC_REASON_MAX 160

typedef struct {
    double value;                       /* NaN when !defined */
    int defined;                        /* 1: value is meaningful */
    char name[OD_METRIC_NAME_MAX];      /* convention, e.g. "AP(step)" */
    char reason[OD_METRIC_REASON_MAX];  /* why undefined; "" when defined */
} od_metric;

/* A defined metric (name is truncated to fit). */
od_metric od_metric_make(const char *name, double value);
/* An undefined metric: value NaN, reason formatted printf-style. */
od_metric od_metric_undefined(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Counts of one binary decision against labels. */
typedef struct {
    size_t tp, fp, tn, fn;
} od_confusion;

od_metric od_metric_precision(const od_confusion *cm);          /* "precision" */
od_metric od_metric_recall(const od_confusion *cm);             /* "recall" */
od_metric od_metric_f1(const od_confusion *cm);                 /* "F1" */
od_metric od_metric_fbeta(const od_confusion *cm, double beta); /* "F(beta=B)"; beta > 0 */
od_metric od_metric_accuracy(const od_confusion *cm);           /* "accuracy" */
od_metric od_metric_specificity(const od_confusion *cm);        /* "specificity" */
od_metric od_metric_mcc(const od_confusion *cm);                /* "MCC" */

/* Confusion matrix of a 0/1 prediction against 0/1 labels (labels -1 are
 * left out and counted in *n_skipped, which may be NULL).  Other label or
 * prediction values: OD_EDATA naming the row. */
int od_confusion_from_pred(od_ctx *ctx, const int *labels, const int *pred, size_t n,
                           od_confusion *cm, size_t *n_skipped);

#endif
