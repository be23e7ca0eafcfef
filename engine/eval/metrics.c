/* metrics.c - od_metric values and the point-wise metrics of a confusion matrix. */
#include "config.h"
#include "metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *od_rule_str(od_rule rule)
{
    return rule == OD_RULE_GT ? ">" : ">=";
}

int od_rule_parse(od_ctx *ctx, const char *s, od_rule *rule)
{
    if (s && (!strcmp(s, ">=") || !strcmp(s, "ge"))) {
        *rule = OD_RULE_GE;
        return OD_OK;
    }
    if (s && (!strcmp(s, ">") || !strcmp(s, "gt"))) {
        *rule = OD_RULE_GT;
        return OD_OK;
    }
    return od_error(ctx, OD_EINVAL, "rule=%s: expected >= (ge) or > (gt)", s ? s : "(null)");
}

static void copy_name(char *dst, const char *name)
{
    snprintf(dst, OD_METRIC_NAME_MAX, "%s", name ? name : "");
}

od_metric od_metric_make(const char *name, double value)
{
    od_metric m;
    m.value = value;
    m.defined = 1;
    copy_name(m.name, name);
    m.reason[0] = '\0';
    return m;
}

od_metric od_metric_undefined(const char *name, const char *fmt, ...)
{
    od_metric m;
    m.value = NAN;
    m.defined = 0;
    copy_name(m.name, name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m.reason, sizeof m.reason, fmt, ap);
    va_end(ap);
    return m;
}

od_metric od_metric_precision(const od_confusion *cm)
{
    size_t flagged = cm->tp + cm->fp;
    if (flagged == 0)
        return od_metric_undefined("precision", "nothing flagged (TP+FP = 0)");
    return od_metric_make("precision", (double)cm->tp / (double)flagged);
}

od_metric od_metric_recall(const od_confusion *cm)
{
    size_t pos = cm->tp + cm->fn;
    if (pos == 0)
        return od_metric_undefined("recall", "no anomalous rows in the labels (TP+FN = 0)");
    return od_metric_make("recall", (double)cm->tp / (double)pos);
}

static od_metric fbeta_named(const od_confusion *cm, double beta, const char *name)
{
    if (!(beta > 0) || !isfinite(beta))
        return od_metric_undefined(name, "beta=%g: beta must be a positive number", beta);
    double b2 = beta * beta;
    double tp = (double)cm->tp, fp = (double)cm->fp, fn = (double)cm->fn;
    double den = (1 + b2) * tp + b2 * fn + fp;
    if (cm->tp + cm->fp + cm->fn == 0)
        return od_metric_undefined(name, "no anomalous rows and nothing flagged (TP+FP+FN = 0)");
    return od_metric_make(name, (1 + b2) * tp / den);
}

od_metric od_metric_f1(const od_confusion *cm)
{
    /* 2TP/(2TP+FP+FN), computed in that form so it matches sklearn's f1_score. */
    if (cm->tp + cm->fp + cm->fn == 0)
        return od_metric_undefined("F1", "no anomalous rows and nothing flagged (TP+FP+FN = 0)");
    double tp = (double)cm->tp;
    return od_metric_make("F1", 2 * tp / (2 * tp + (double)cm->fp + (double)cm->fn));
}

od_metric od_metric_fbeta(const od_confusion *cm, double beta)
{
    char name[OD_METRIC_NAME_MAX];
    snprintf(name, sizeof name, "F(beta=%g)", beta);
    return fbeta_named(cm, beta, name);
}

od_metric od_metric_accuracy(const od_confusion *cm)
{
    size_t n = cm->tp + cm->fp + cm->tn + cm->fn;
    if (n == 0) return od_metric_undefined("accuracy", "no rows");
    return od_metric_make("accuracy", (double)(cm->tp + cm->tn) / (double)n);
}

od_metric od_metric_specificity(const od_confusion *cm)
{
    size_t neg = cm->tn + cm->fp;
    if (neg == 0)
        return od_metric_undefined("specificity", "no normal rows in the labels (TN+FP = 0)");
    return od_metric_make("specificity", (double)cm->tn / (double)neg);
}

od_metric od_metric_mcc(const od_confusion *cm)
{
    double tp = (double)cm->tp, fp = (double)cm->fp, tn = (double)cm->tn, fn = (double)cm->fn;
    if (cm->tp + cm->fp == 0)
        return od_metric_undefined("MCC", "nothing flagged (TP+FP = 0)");
    if (cm->tp + cm->fn == 0)
        return od_metric_undefined("MCC", "no anomalous rows in the labels (TP+FN = 0)");
    if (cm->tn + cm->fp == 0)
        return od_metric_undefined("MCC", "no normal rows in the labels (TN+FP = 0)");
    if (cm->tn + cm->fn == 0)
        return od_metric_undefined("MCC", "everything flagged (TN+FN = 0)");
    /* sqrt of each factor separately: the product of four counts overflows
     * nothing in double, but this keeps the rounding symmetric. */
    double den = sqrt(tp + fp) * sqrt(tp + fn) * sqrt(tn + fp) * sqrt(tn + fn);
    return od_metric_make("MCC", (tp * tn - fp * fn) / den);
}

int od_confusion_from_pred(od_ctx *ctx, const int *labels, const int *pred, size_t n,
                           od_confusion *cm, size_t *n_skipped)
{
    od_confusion c = {0, 0, 0, 0};
    size_t skipped = 0;
    for (size_t i = 0; i < n; i++) {
        int y = labels[i], p = pred[i];
        if (y == -1) {
            skipped++;
            continue;
        }
        if (y != 0 && y != 1)
            return od_error(ctx, OD_EDATA, "label %d at row %zu: labels must be 0, 1 or -1 (unlabelled)", y, i);
        if (p != 0 && p != 1)
            return od_error(ctx, OD_EDATA, "prediction %d at row %zu: predictions must be 0 or 1", p, i);
        if (y) {
            if (p) c.tp++;
            else c.fn++;
        } else {
            if (p) c.fp++;
            else c.tn++;
        }
    }
    *cm = c;
    if (n_skipped) *n_skipped = skipped;
    return OD_OK;
}
