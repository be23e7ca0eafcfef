/* curve.c - sorted evaluation object: distinct thresholds with cumulative counts. */
#include "config.h"
#include "curve.h"
#include "evsort.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

struct od_curve {
    size_t n_total, n_nan, n_unlabelled;
    size_t P, N;
    size_t m;
    double *thr; /* m distinct scores, descending */
    size_t *tp;  /* m cumulative anomalous counts with s >= thr[k] */
    size_t *fp;  /* m cumulative normal counts with s >= thr[k] */
};

/* Merge the two descending-sorted key lists into distinct thresholds with
 * cumulative counts.  With out == NULL only counts the distinct values. */
static size_t merge_counts(const uint64_t *kp, size_t P, const uint64_t *kn, size_t N,
                           double *thr, size_t *tp, size_t *fp)
{
    size_t i = 0, j = 0, m = 0, ctp = 0, cfp = 0;
    while (i < P || j < N) {
        uint64_t k;
        if (i < P && j < N) k = kp[i] < kn[j] ? kp[i] : kn[j];
        else if (i < P) k = kp[i];
        else k = kn[j];
        while (i < P && kp[i] == k) i++;
        while (j < N && kn[j] == k) j++;
        if (thr) {
            ctp = i;
            cfp = j;
            thr[m] = od_eval_key_desc_value(k);
            tp[m] = ctp;
            fp[m] = cfp;
        }
        m++;
    }
    return m;
}

static void sort_keys(uint64_t *kp, size_t P, uint64_t *kn, size_t N, uint64_t *tmp)
{
    /* The two lists are independent: sort them on two threads when both are
     * big enough to be worth it (deterministic either way). */
#ifdef _OPENMP
    if (P >= 100000 && N >= 100000) {
        uint64_t *tmp2 = malloc(P * sizeof *tmp2);
        if (tmp2) {
#pragma omp parallel sections num_threads(2)
            {
#pragma omp section
                od_eval_radix_sort(kp, tmp2, P);
#pragma omp section
                od_eval_radix_sort(kn, tmp, N);
            }
            free(tmp2);
            return;
        }
    }
#endif
    od_eval_radix_sort(kp, tmp, P);
    od_eval_radix_sort(kn, tmp, N);
}

od_curve *od_curve_new(od_ctx *ctx, const double *scores, const int *labels, size_t n, int *err)
{
    int dummy;
    if (!err) err = &dummy;
    *err = OD_OK;
    if (n > 0 && (!scores || !labels)) {
        *err = od_error(ctx, OD_EINVAL, "curve: scores and labels are required");
        return NULL;
    }
    size_t P = 0, N = 0, nnan = 0, nunl = 0;
    for (size_t i = 0; i < n; i++) {
        int y = labels[i];
        if (y != 0 && y != 1 && y != -1) {
            *err = od_error(ctx, OD_EDATA, "label %d at row %zu: labels must be 0, 1 or -1 (unlabelled)", y, i);
            return NULL;
        }
        if (isnan(scores[i])) nnan++;
        else if (y == -1) nunl++;
        else if (y == 1) P++;
        else N++;
    }
    od_curve *c = od_calloc(ctx, 1, sizeof *c);
    if (!c) {
        *err = OD_ENOMEM;
        return NULL;
    }
    c->n_total = n;
    c->n_nan = nnan;
    c->n_unlabelled = nunl;
    c->P = P;
    c->N = N;
    size_t used = P + N;
    if (used == 0) return c;

    uint64_t *keys = od_mallocn(ctx, used, sizeof *keys);
    uint64_t *tmp = od_mallocn(ctx, P > N ? P : N, sizeof *tmp);
    if (!keys || !tmp) {
        free(keys);
        free(tmp);
        free(c);
        *err = OD_ENOMEM;
        return NULL;
    }
    uint64_t *kp = keys, *kn = keys + P;
    size_t ip = 0, in = 0;
    for (size_t i = 0; i < n; i++) {
        double s = scores[i];
        int y = labels[i];
        if (isnan(s) || y < 0) continue;
        if (y) kp[ip++] = od_eval_key_desc(s);
        else kn[in++] = od_eval_key_desc(s);
    }
    sort_keys(kp, P, kn, N, tmp);
    free(tmp);

    size_t m = merge_counts(kp, P, kn, N, NULL, NULL, NULL);
    c->thr = od_mallocn(ctx, m, sizeof *c->thr);
    c->tp = od_mallocn(ctx, m, sizeof *c->tp);
    c->fp = od_mallocn(ctx, m, sizeof *c->fp);
    if (!c->thr || !c->tp || !c->fp) {
        free(keys);
        od_curve_free(c);
        *err = OD_ENOMEM;
        return NULL;
    }
    c->m = merge_counts(kp, P, kn, N, c->thr, c->tp, c->fp);
    free(keys);
    return c;
}

void od_curve_free(od_curve *c)
{
    if (!c) return;
    free(c->thr);
    free(c->tp);
    free(c->fp);
    free(c);
}

void od_curve_get_info(const od_curve *c, od_curve_info *info)
{
    info->n_total = c->n_total;
    info->n_used = c->P + c->N;
    info->n_nan = c->n_nan;
    info->n_unlabelled = c->n_unlabelled;
    info->n_pos = c->P;
    info->n_neg = c->N;
    info->n_thresholds = c->m;
}

const double *od_curve_thresholds(const od_curve *c, size_t *m)
{
    if (m) *m = c->m;
    return c->thr;
}

void od_curve_counts(const od_curve *c, size_t k, size_t *tp, size_t *fp)
{
    if (k >= c->m) {
        if (tp) *tp = c->P;
        if (fp) *fp = c->N;
        return;
    }
    if (tp) *tp = c->tp[k];
    if (fp) *fp = c->fp[k];
}

/* The undefined-state reasons shared by the metrics. */
static int no_rows(const od_curve *c, const char *name, od_metric *out)
{
    if (c->P + c->N > 0) return 0;
    *out = od_metric_undefined(name, "no rows with both a score and a label (%zu NaN scores, %zu unlabelled)",
                               c->n_nan, c->n_unlabelled);
    return 1;
}

static od_metric one_class(const od_curve *c, const char *name)
{
    return od_metric_undefined(name, "only one class in the labels: %zu normal, %zu anomalous", c->N, c->P);
}

/* Neumaier compensated sum. */
typedef struct {
    double s, c;
} ksum;

static inline void ksum_add(ksum *k, double x)
{
    double t = k->s + x;
    if (fabs(k->s) >= fabs(x)) k->c += (k->s - t) + x;
    else k->c += (x - t) + k->s;
    k->s = t;
}

od_metric od_curve_roc_auc(const od_curve *c)
{
    od_metric m;
    if (no_rows(c, "ROC-AUC", &m)) return m;
    if (c->P == 0 || c->N == 0) return one_class(c, "ROC-AUC");
    /* 2 * area * P * N = sum (fp_k - fp_{k-1}) (tp_k + tp_{k-1}), an integer. */
    unsigned __int128 acc = 0;
    size_t ptp = 0, pfp = 0;
    for (size_t k = 0; k < c->m; k++) {
        acc += (unsigned __int128)(c->fp[k] - pfp) * (unsigned __int128)(c->tp[k] + ptp);
        ptp = c->tp[k];
        pfp = c->fp[k];
    }
    double den = 2.0 * (double)c->P * (double)c->N;
    return od_metric_make("ROC-AUC", (double)acc / den);
}

od_metric od_curve_ap(const od_curve *c)
{
    od_metric m;
    if (no_rows(c, "AP(step)", &m)) return m;
    if (c->P == 0) return one_class(c, "AP(step)");
    ksum s = {0, 0};
    size_t ptp = 0;
    for (size_t k = 0; k < c->m; k++) {
        size_t tp = c->tp[k];
        if (tp != ptp) {
            ksum_add(&s, (double)(tp - ptp) * ((double)tp / (double)(tp + c->fp[k])));
            ptp = tp;
        }
    }
    return od_metric_make("AP(step)", (s.s + s.c) / (double)c->P);
}

od_metric od_curve_pr_auc_trapz(const od_curve *c)
{
    od_metric m;
    if (no_rows(c, "PR-AUC(trapz)", &m)) return m;
    if (c->P == 0) return one_class(c, "PR-AUC(trapz)");
    double P = (double)c->P;
    /* the artificial end point (recall 0, precision 1), then each threshold in
     * descending order: recall grows monotonically */
    double pr = 0, pp = 1;
    ksum s = {0, 0};
    for (size_t k = 0; k < c->m; k++) {
        double r = (double)c->tp[k] / P;
        double p = (double)c->tp[k] / (double)(c->tp[k] + c->fp[k]);
        if (r != pr) ksum_add(&s, (r - pr) * (p + pp) / 2);
        pr = r;
        pp = p;
    }
    return od_metric_make("PR-AUC(trapz)", s.s + s.c);
}

int od_curve_roc(od_ctx *ctx, const od_curve *c, double *fpr, double *tpr, double *thr)
{
    double P = (double)c->P, N = (double)c->N;
    if (fpr) fpr[0] = c->N ? 0.0 : NAN;
    if (tpr) tpr[0] = c->P ? 0.0 : NAN;
    if (thr) thr[0] = INFINITY;
    for (size_t k = 0; k < c->m; k++) {
        if (fpr) fpr[k + 1] = c->N ? (double)c->fp[k] / N : NAN;
        if (tpr) tpr[k + 1] = c->P ? (double)c->tp[k] / P : NAN;
        if (thr) thr[k + 1] = c->thr[k];
    }
    if (c->P == 0 || c->N == 0)
        return od_error(ctx, OD_EDATA, "ROC curve undefined: only one class in the labels: %zu normal, %zu anomalous",
                        c->N, c->P);
    return OD_OK;
}

int od_curve_pr(od_ctx *ctx, const od_curve *c, double *precision, double *recall, double *thr)
{
    size_t m = c->m;
    double P = (double)c->P;
    for (size_t i = 0; i < m; i++) {
        size_t k = m - 1 - i;
        if (precision) precision[i] = (double)c->tp[k] / (double)(c->tp[k] + c->fp[k]);
        if (recall) recall[i] = c->P ? (double)c->tp[k] / P : NAN;
        if (thr) thr[i] = c->thr[k];
    }
    if (precision) precision[m] = 1.0;
    if (recall) recall[m] = 0.0;
    if (c->P == 0)
        return od_error(ctx, OD_EDATA, "precision-recall curve: recall undefined: no anomalous rows (%zu normal)",
                        c->N);
    return OD_OK;
}

od_best_f1 od_curve_best_f1(const od_curve *c)
{
    od_best_f1 b;
    b.threshold = NAN;
    b.rule = OD_RULE_GE;
    b.cm = (od_confusion){0, 0, c->N, c->P};
    if (no_rows(c, "best-F1(oracle)", &b.f1)) return b;
    if (c->P == 0) {
        b.f1 = one_class(c, "best-F1(oracle)");
        return b;
    }
    /* F1_k = 2 tp / (tp + fp + P); compare fractions exactly:
     * a/b > c/d  <=>  a*d > c*b  (128-bit products). */
    size_t best = 0, btp = 0, bden = 1;
    int found = 0;
    for (size_t k = 0; k < c->m; k++) {
        size_t tp = c->tp[k], den = tp + c->fp[k] + c->P;
        if (!found || (unsigned __int128)tp * bden > (unsigned __int128)btp * den) {
            best = k;
            btp = tp;
            bden = den;
            found = 1;
        }
    }
    size_t tp = c->tp[best], fp = c->fp[best];
    b.threshold = c->thr[best];
    b.cm = (od_confusion){tp, fp, c->N - fp, c->P - tp};
    b.f1 = od_metric_make("best-F1(oracle)", 2.0 * (double)tp / (double)(tp + fp + c->P));
    return b;
}

od_metric od_curve_precision_at(const od_curve *c, size_t k, size_t *n_flagged)
{
    char name[OD_METRIC_NAME_MAX];
    od_metric m;
    if (n_flagged) *n_flagged = 0;
    size_t kk = k ? k : c->P;
    snprintf(name, sizeof name, "P@k(k=%zu)", kk);
    if (no_rows(c, name, &m)) return m;
    if (kk == 0) return od_metric_undefined(name, "k = P = 0: no anomalous rows in the labels (%zu normal)", c->N);
    if (kk > c->P + c->N) return od_metric_undefined(name, "k=%zu exceeds the %zu scored rows", kk, c->P + c->N);
    /* first distinct threshold whose cumulative count reaches kk */
    size_t lo = 0, hi = c->m - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->tp[mid] + c->fp[mid] >= kk) hi = mid;
        else lo = mid + 1;
    }
    size_t flagged = c->tp[lo] + c->fp[lo];
    if (n_flagged) *n_flagged = flagged;
    return od_metric_make(name, (double)c->tp[lo] / (double)flagged);
}

od_confusion od_curve_confusion(const od_curve *c, double t, od_rule rule)
{
    /* number of distinct thresholds that pass: thr[k] >= t (or > t); thr is
     * descending, so they form a prefix */
    size_t lo = 0, hi = c->m;
    if (isnan(t)) hi = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int pass = rule == OD_RULE_GT ? c->thr[mid] > t : c->thr[mid] >= t;
        if (pass) lo = mid + 1;
        else hi = mid;
    }
    od_confusion cm;
    size_t tp = lo ? c->tp[lo - 1] : 0, fp = lo ? c->fp[lo - 1] : 0;
    cm.tp = tp;
    cm.fp = fp;
    cm.fn = c->P - tp;
    cm.tn = c->N - fp;
    return cm;
}
