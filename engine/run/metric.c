/* metric.c - the metric table and od_run_eval_part.
 *
 * od_run_eval_part computes, once, everything the metrics of one run on one
 * part are read from (the sorted curve, the confusion at the run's
 * threshold, the series metrics); each table entry reads its value from
 * there.  `metrics` prints the entries in table order, `compare` shows the
 * entries that have a title as columns and sorts by any key, `export
 * metrics` writes one column per key.  Adding a metric is one entry here
 * (and, if it needs new work, one field filled in od_run_eval_part). */
#include "config.h"
#include "run.h"
#include "../eval/curve.h"
#include "../eval/affiliation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { VUS_L = 100, VUS_K = 250 };

static od_metric m_roc(const od_run_eval *e) { return e->auc; }
static od_metric m_ap(const od_run_eval *e) { return e->ap; }
static od_metric m_prtrapz(const od_run_eval *e) { return e->prtrapz; }
static od_metric m_patn(const od_run_eval *e) { return e->patn; }
static od_metric m_bestf1(const od_run_eval *e) { return e->bestf1; }
static od_metric m_prec(const od_run_eval *e) { return od_metric_precision(&e->cm); }
static od_metric m_rec(const od_run_eval *e) { return od_metric_recall(&e->cm); }
static od_metric m_f1(const od_run_eval *e) { return od_metric_f1(&e->cm); }
static od_metric m_acc(const od_run_eval *e) { return od_metric_accuracy(&e->cm); }
static od_metric m_spec(const od_run_eval *e) { return od_metric_specificity(&e->cm); }
static od_metric m_mcc(const od_run_eval *e) { return od_metric_mcc(&e->cm); }
static od_metric m_pa_p(const od_run_eval *e) { return e->pa.precision; }
static od_metric m_pa_r(const od_run_eval *e) { return e->pa.recall; }
static od_metric m_pa_f(const od_run_eval *e) { return e->pa.f; }
static od_metric m_rpa_f(const od_run_eval *e) { return e->rpa.f; }
static od_metric m_ev_f(const od_run_eval *e) { return e->ev.f; }
static od_metric m_rg_p(const od_run_eval *e) { return e->rg.precision; }
static od_metric m_rg_r(const od_run_eval *e) { return e->rg.recall; }
static od_metric m_rg_f(const od_run_eval *e) { return e->rg.f; }
static od_metric m_af_p(const od_run_eval *e) { return e->af.precision; }
static od_metric m_af_r(const od_run_eval *e) { return e->af.recall; }
static od_metric m_af_f(const od_run_eval *e) { return e->af.f; }
static od_metric m_vus_roc(const od_run_eval *e) { return e->vus.vus_roc; }
static od_metric m_vus_pr(const od_run_eval *e) { return e->vus.vus_pr; }

#define T OD_NEEDS_THRESHOLD
#define S OD_NEEDS_SERIES
const od_metric_def od_metric_defs[] = {
    { "precision", "P@thr", 5, T, "TP/(TP+FP) at the run's threshold; undefined when nothing is flagged", m_prec },
    { "recall", "R@thr", 6, T, "TP/(TP+FN) at the run's threshold; undefined without anomalies", m_rec },
    { "f1", "F1@thr", 4, T, "harmonic mean of precision and recall at the run's threshold", m_f1 },
    { "accuracy", NULL, 0, T, "(TP+TN)/n at the run's threshold", m_acc },
    { "specificity", NULL, 0, T, "TN/(TN+FP) at the run's threshold", m_spec },
    { "mcc", NULL, 0, T, "Matthews correlation at the run's threshold; undefined when a margin is 0", m_mcc },
    { "roc_auc", "ROC-AUC", 1, 0, "area under the ROC curve; tied scores count half (scikit-learn)", m_roc },
    { "ap", "AP(step)", 2, 0, "average precision, the step sum of scikit-learn's average_precision_score", m_ap },
    { "pr_auc_trapz", NULL, 0, 0, "area under the PR curve by the trapezoid rule (optimistic; AP is preferred)", m_prtrapz },
    { "p_at_n", NULL, 0, 0, "precision of the rows scoring >= the n-th highest score, n = the number of anomalies (ties at it all count; PyOD uses >, fewer on ties)", m_patn },
    { "best_f1", "best-F1", 3, 0, "the best F1 over every threshold: an ORACLE, it uses the labels", m_bestf1 },
    { "pa_precision", NULL, 0, T | S, "point-adjusted precision: an event with one flagged point counts as found", m_pa_p },
    { "pa_recall", NULL, 0, T | S, "point-adjusted recall", m_pa_r },
    { "pa_f1", "PA-F1", 7, T | S, "point-adjusted F1 (Xu et al. 2018; optimistic)", m_pa_f },
    { "rpa_f1", NULL, 0, T | S, "revised point-adjusted F1 (Merlion): events hit vs. points flagged outside events", m_rpa_f },
    { "event_f1", NULL, 0, T | S, "event recall with point-wise precision (TSB-AD EventF1PA): recall counts events hit; every flagged point outside an event is one false positive (a 50-point false alarm costs 50), flagged points inside events are not point-adjusted", m_ev_f },
    { "range_precision", NULL, 0, T | S, "range-based precision (Tatbul et al. 2018)", m_rg_p },
    { "range_recall", NULL, 0, T | S, "range-based recall (Tatbul et al. 2018)", m_rg_r },
    { "range_f1", NULL, 0, T | S, "range-based F1 (Tatbul et al. 2018)", m_rg_f },
    { "aff_precision", NULL, 0, T | S, "affiliation precision (Huet et al. 2022): closeness of each flagged point to its event", m_af_p },
    { "aff_recall", NULL, 0, T | S, "affiliation recall (Huet et al. 2022): closeness of each event's points to the flags", m_af_r },
    { "aff_f1", NULL, 0, T | S, "affiliation F1 (0 when nothing is flagged)", m_af_f },
    { "vus_roc", NULL, 0, S, "volume under the range-ROC surface over buffers 0..L (TSB-AD)", m_vus_roc },
    { "vus_pr", "VUS-PR", 8, S, "volume under the range-PR surface over buffers 0..L (TSB-AD)", m_vus_pr },
};
#undef T
#undef S
const size_t od_nmetric_defs = sizeof od_metric_defs / sizeof od_metric_defs[0];

const od_metric_def *od_metric_def_find(const char *key)
{
    for (size_t i = 0; i < od_nmetric_defs; i++)
        if (!strcmp(od_metric_defs[i].key, key)) return &od_metric_defs[i];
    if (!strcmp(key, "pr_auc")) return od_metric_def_find("ap");   /* the older name of AP */
    return NULL;
}

od_metric od_run_metric(const od_run_eval *ev, const od_metric_def *d)
{
    if ((d->needs & OD_NEEDS_SERIES) && !ev->series) return od_metric_undefined(d->key, "not a series");
    if ((d->needs & OD_NEEDS_SERIES) && !ev->ts_ok) return od_metric_undefined(d->key, "%s", ev->ts_err);
    if ((d->needs & OD_NEEDS_THRESHOLD) && !ev->has_thr) return od_metric_undefined(d->key, "no threshold set");
    return d->fn(ev);
}

/* Confusion at the run's threshold over the labelled, scored rows of part. */
static void confusion(const od_run *r, int part, const int *L, od_confusion *cm)
{
    memset(cm, 0, sizeof *cm);
    for (size_t i = 0; i < r->n; i++) {
        if (!od_run_in_part(r, part, i) || isnan(r->scores[i]) || L[i] < 0) continue;
        int f = od_run_flags(r, i);
        if (L[i]) { if (f) cm->tp++; else cm->fn++; }
        else { if (f) cm->fp++; else cm->tn++; }
    }
}

static int curve_metrics(od_ctx *ctx, const od_run *r, int part, od_run_eval *ev)
{
    double *sc;
    int *lab, err = 0;
    size_t k = od_run_part_vs(ctx, r, part, ev->labels, &sc, &lab);
    if (k == (size_t)-1) return OD_ENOMEM;
    od_curve *cv = od_curve_new(ctx, sc, lab, k, &err);
    free(sc);
    free(lab);
    if (!cv) return err ? err : OD_EINVAL;
    od_curve_info info;
    od_curve_get_info(cv, &info);
    ev->rows = k;
    ev->used = info.n_used;
    ev->nan = info.n_nan;
    ev->unlabelled = info.n_unlabelled;
    ev->pos = info.n_pos;
    ev->neg = info.n_neg;
    ev->auc = od_curve_roc_auc(cv);
    ev->ap = od_curve_ap(cv);
    ev->prtrapz = od_curve_pr_auc_trapz(cv);
    od_best_f1 bf = od_curve_best_f1(cv);
    ev->bestf1 = bf.f1;
    ev->bestf1_t = bf.threshold;
    ev->patn = od_curve_precision_at(cv, 0, NULL);
    od_curve_free(cv);
    return OD_OK;
}

/* The series metrics on the scored, labelled rows of part in row order. */
static int series_metrics(od_ctx *ctx, const od_run *r, int part, const od_eval_opts *o, od_run_eval *ev)
{
    size_t n = 0;
    double *sc = od_mallocn(ctx, r->n ? r->n : 1, sizeof *sc);
    int *lab = od_mallocn(ctx, r->n ? r->n : 1, sizeof *lab), *pred = od_mallocn(ctx, r->n ? r->n : 1, sizeof *pred);
    int rc = sc && lab && pred ? OD_OK : OD_ENOMEM;
    for (size_t i = 0; !rc && i < r->n; i++) {
        if (!od_run_in_part(r, part, i) || isnan(r->scores[i]) || ev->lab[i] < 0) continue;
        sc[n] = r->scores[i];
        lab[n] = ev->lab[i];
        pred[n++] = od_run_flags(r, i);
    }
    ev->ts_rows = n;
    ev->range = o->range;
    if (!rc && ev->has_thr && !(rc = od_ts_point_adjust(ctx, lab, pred, n, NULL, &ev->pa)) &&
        !(rc = od_ts_revised_pa(ctx, lab, pred, n, &ev->rpa)) && !(rc = od_ts_event_f1(ctx, lab, pred, n, &ev->ev)) &&
        !(rc = od_ts_range_prf(ctx, lab, pred, n, &ev->range, &ev->rg)))
        rc = od_ts_affiliation(ctx, lab, pred, n, &ev->af);
    if (!rc) {
        ev->vus_L = VUS_L;
        rc = od_ts_vus(ctx, sc, lab, n, VUS_L, VUS_K, &ev->vus);
    }
    free(sc);
    free(lab);
    free(pred);
    return rc;
}

void od_eval_opts_init(od_eval_opts *o)
{
    memset(o, 0, sizeof *o);
    o->series = 1;
    od_range_opts_default(&o->range);
}

int od_eval_opts_set(od_ctx *ctx, od_eval_opts *o, const char *key, const char *val)
{
    if (!strcmp(key, "alpha")) {
        char *end;
        double a = strtod(val, &end);
        if (end == val || *end || !(a >= 0 && a <= 1)) return od_error(ctx, OD_EINVAL, "alpha=%s: expected a number in [0, 1]", val);
        o->range.alpha = a;
    } else if (!strcmp(key, "cardinality")) {
        if (od_cardinality_parse(ctx, val, &o->range.gamma)) return od_error(ctx, OD_EINVAL, "cardinality=%s: expected one or reciprocal", val);
    } else if (!strcmp(key, "bias")) {
        od_bias b;
        if (od_bias_parse(ctx, val, &b)) return od_error(ctx, OD_EINVAL, "bias=%s: expected flat, front, back or middle", val);
        o->range.bias_recall = o->range.bias_precision = b;
    } else if (!strcmp(key, "labels")) {
        int k = 0;
        while (od_labels_names[k] && strcmp(od_labels_names[k], val)) k++;
        if (!od_labels_names[k] || !k) return od_error(ctx, OD_EINVAL, "labels=%s: expected truth or pseudo", val);
        o->labels = k;
    }
    return OD_OK;
}

int od_run_eval_part(od_ctx *ctx, const od_run *r, int part, const od_eval_opts *o, od_run_eval *ev)
{
    od_eval_opts def;
    if (!o) {
        od_eval_opts_init(&def);
        o = &def;
    }
    memset(ev, 0, sizeof *ev);
    ev->run = r;
    ev->part = part;
    int rc = od_run_need_labels(ctx, r, o->labels, &ev->lab, &ev->labels);
    if (!rc) rc = od_run_check_part(ctx, r, part);
    if (!rc) rc = curve_metrics(ctx, r, part, ev);
    if (rc) return rc;
    ev->has_thr = r->thr.set;
    if (ev->has_thr) confusion(r, part, ev->lab, &ev->cm);
    ev->series = o->series && r->is_series;
    if (ev->series) {
        rc = series_metrics(ctx, r, part, o, ev);
        ev->ts_ok = rc == OD_OK;
        if (rc == OD_ENOMEM) return rc;
        if (rc) {
            snprintf(ev->ts_err, sizeof ev->ts_err, "%s", od_ctx_errmsg(ctx));
            od_ctx_clear_error(ctx);
        }
        ev->events = ev->pa.n_events;
        ev->events_hit = ev->pa.events_hit;
        ev->pred_ranges = ev->rg.n_pred_ranges;
    }
    return OD_OK;
}
