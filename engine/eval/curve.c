/* curve.c - sorted evaluation object: distinct thresholds with cumulative counts. */
#include "config.h"
#include "curve.h"
#include "evsort.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct od_curve {
    size_t n_total, n_nan, n_unlabelled;
    size_t P, N;
    size_t m;       /* number of distinct scores */
    uint64_t *keys; /* descending-order keys: anomalous rows [0,P), normal rows [P,P+N), each sorted */
};

/* Merge walk over the two sorted key lists, one distinct threshold per step:
 * after walk_next, tp/fp are the cumulative counts of rows with s >= t. */
typedef struct {
    const uint64_t *kp, *kn;
    size_t P, N, i, j;
} walk;

static inline void walk_init(walk *w, const od_curve *c)
{
    w->kp = c->keys;
    w->kn = c->keys + c->P;
    w->P = c->P;
    w->N = c->N;
    w->i = w->j = 0;
}

static inline int walk_next(walk *w, uint64_t *key)
{
    size_t i = w->i, j = w->j;
    if (i >= w->P && j >= w->N) return 0;
    uint64_t k;
    if (i < w->P && j < w->N) k = w->kp[i] < w->kn[j] ? w->kp[i] : w->kn[j];
    else if (i < w->P) k = w->kp[i];
    else k = w->kn[j];
    while (i < w->P && w->kp[i] == k) i++;
    while (j < w->N && w->kn[j] == k) j++;
    w->i = i;
    w->j = j;
    *key = k;
    return 1;
}

/* Number of keys in a[0..n) (ascending) that are <= key, or < key when strict. */
static size_t count_upto(const uint64_t *a, size_t n, uint64_t key, int strict)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int in = strict ? a[mid] < key : a[mid] <= key;
        if (in) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Per-thread share of the counting pass over rows [lo, hi). */
typedef struct {
    size_t P, N, nnan, nunl, bad; /* bad: first row with an invalid label, or SIZE_MAX */
    size_t hist[2 * 2048];        /* top-digit counts: anomalous [0,2048), normal [2048,4096) */
} fill_part;

static void count_part(const double *scores, const int *labels, size_t lo, size_t hi, fill_part *fp)
{
    memset(fp, 0, sizeof *fp);
    fp->bad = SIZE_MAX;
    for (size_t i = lo; i < hi; i++) {
        int y = labels[i];
        double s = scores[i];
        if ((unsigned)(y + 1) > 2u) { /* not -1, 0 or 1 */
            fp->bad = i;
            return;
        }
        if (isnan(s)) fp->nnan++;
        else if (y < 0) fp->nunl++;
        else {
            fp->P += (size_t)y;
            fp->hist[(size_t)(1 - y) * 2048 + od_eval_key_top(od_eval_key_desc(s))]++;
        }
    }
    fp->N = hi - lo - fp->nnan - fp->nunl - fp->P;
}

static void scatter_part(const double *scores, const int *labels, size_t lo, size_t hi, size_t *pos, uint64_t *keys)
{
    for (size_t i = lo; i < hi; i++) {
        double s = scores[i];
        int y = labels[i];
        if (isnan(s) || y < 0) continue;
        uint64_t k = od_eval_key_desc(s);
        keys[pos[(size_t)(1 - y) * 2048 + od_eval_key_top(k)]++] = k;
    }
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
    /* Pass 1 counts classes and top digits; pass 2 writes each key straight
     * into its top-digit bucket, so the first radix pass costs nothing.  Both
     * run on T threads over T contiguous row ranges; thread t's keys follow
     * thread t-1's in every bucket, the same layout as one thread produces. */
    int T = od_ctx_threads(ctx);
    if (T < 1 || n < ((size_t)1 << 18)) T = 1;
    if (T > 16) T = 16;
    fill_part *parts = od_mallocn(ctx, (size_t)T, sizeof *parts);
    if (!parts) {
        *err = OD_ENOMEM;
        return NULL;
    }
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(T)
#endif
    for (int t = 0; t < T; t++)
        count_part(scores, labels, n / (size_t)T * (size_t)t, t == T - 1 ? n : n / (size_t)T * (size_t)(t + 1),
                   &parts[t]);
    size_t P = 0, N = 0, nnan = 0, nunl = 0, bad = SIZE_MAX;
    for (int t = 0; t < T; t++) {
        if (parts[t].bad < bad) bad = parts[t].bad;
        P += parts[t].P;
        N += parts[t].N;
        nnan += parts[t].nnan;
        nunl += parts[t].nunl;
    }
    if (bad != SIZE_MAX) {
        free(parts);
        *err = od_error(ctx, OD_EDATA, "label %d at row %zu: labels must be 0, 1 or -1 (unlabelled)", labels[bad], bad);
        return NULL;
    }
    od_curve *c = od_calloc(ctx, 1, sizeof *c);
    size_t *pos = od_mallocn(ctx, (size_t)T * 2 * 2048, sizeof *pos);
    size_t *hist = od_calloc(ctx, 2 * 2048, sizeof *hist);
    if (!c || !pos || !hist) {
        free(parts);
        free(pos);
        free(hist);
        free(c);
        *err = OD_ENOMEM;
        return NULL;
    }
    c->n_total = n;
    c->n_nan = nnan;
    c->n_unlabelled = nunl;
    c->P = P;
    c->N = N;
    if (P + N > 0) c->keys = od_eval_big_alloc(ctx, P + N, sizeof *c->keys);
    if (P + N > 0 && !c->keys) {
        free(parts);
        free(pos);
        free(hist);
        free(c);
        *err = OD_ENOMEM;
        return NULL;
    }
    /* bucket b of class c starts after every earlier bucket of the class
     * (anomalous keys first, then normal ones) and after earlier threads */
    size_t o = 0;
    for (size_t cb = 0; cb < 2 * 2048; cb++) {
        for (int t = 0; t < T; t++) {
            pos[(size_t)t * 4096 + cb] = o;
            o += parts[t].hist[cb];
            hist[cb] += parts[t].hist[cb];
        }
    }
    free(parts);
    if (P + N > 0) {
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(T)
#endif
        for (int t = 0; t < T; t++)
            scatter_part(scores, labels, n / (size_t)T * (size_t)t,
                         t == T - 1 ? n : n / (size_t)T * (size_t)(t + 1), pos + (size_t)t * 4096, c->keys);
        int threads = od_ctx_threads(ctx);
        od_eval_sort_buckets(c->keys, hist, threads);
        od_eval_sort_buckets(c->keys + P, hist + 2048, threads);
    }
    free(pos);
    free(hist);

    walk w;
    uint64_t k;
    walk_init(&w, c);
    size_t m = 0;
    while (walk_next(&w, &k)) m++;
    c->m = m;
    return c;
}

void od_curve_free(od_curve *c)
{
    if (!c) return;
    free(c->keys);
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

void od_curve_points(const od_curve *c, double *thr, size_t *tp, size_t *fp)
{
    walk w;
    uint64_t k;
    size_t idx = 0;
    walk_init(&w, c);
    while (walk_next(&w, &k)) {
        if (thr) thr[idx] = od_eval_key_desc_value(k);
        if (tp) tp[idx] = w.i;
        if (fp) fp[idx] = w.j;
        idx++;
    }
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
    walk w;
    uint64_t key;
    walk_init(&w, c);
    while (walk_next(&w, &key)) {
        acc += (unsigned __int128)(w.j - pfp) * (unsigned __int128)(w.i + ptp);
        ptp = w.i;
        pfp = w.j;
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
    walk w;
    uint64_t key;
    walk_init(&w, c);
    while (walk_next(&w, &key)) {
        size_t tp = w.i;
        if (tp != ptp) {
            ksum_add(&s, (double)(tp - ptp) * ((double)tp / (double)(tp + w.j)));
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
    walk w;
    uint64_t key;
    walk_init(&w, c);
    while (walk_next(&w, &key)) {
        double r = (double)w.i / P;
        double p = (double)w.i / (double)(w.i + w.j);
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
    walk w;
    uint64_t key;
    size_t k = 1;
    walk_init(&w, c);
    while (walk_next(&w, &key)) {
        if (fpr) fpr[k] = c->N ? (double)w.j / N : NAN;
        if (tpr) tpr[k] = c->P ? (double)w.i / P : NAN;
        if (thr) thr[k] = od_eval_key_desc_value(key);
        k++;
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
    /* sklearn's order is increasing thresholds: fill from the end */
    walk w;
    uint64_t key;
    size_t i = m;
    walk_init(&w, c);
    while (walk_next(&w, &key)) {
        i--;
        if (precision) precision[i] = (double)w.i / (double)(w.i + w.j);
        if (recall) recall[i] = c->P ? (double)w.i / P : NAN;
        if (thr) thr[i] = od_eval_key_desc_value(key);
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
    size_t btp = 0, bfp = 0, bden = 1;
    uint64_t bkey = 0, key;
    int found = 0;
    walk w;
    walk_init(&w, c);
    while (walk_next(&w, &key)) {
        size_t tp = w.i, den = tp + w.j + c->P;
        if (!found || (unsigned __int128)tp * bden > (unsigned __int128)btp * den) {
            bkey = key;
            btp = tp;
            bfp = w.j;
            bden = den;
            found = 1;
        }
    }
    size_t tp = btp, fp = bfp;
    b.threshold = od_eval_key_desc_value(bkey);
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
    /* ">=": the convention in the name (issue 13).  Rows scoring >= the k-th
     * highest score are flagged, so ties at it are all in.  PyOD's
     * precision_n_scores flags s > numpy.percentile(s, 100 (1 - k/n)) instead,
     * which is the same set when the k-th and (k+1)-th scores differ and
     * flags fewer rows when they tie. */
    snprintf(name, sizeof name, "P@k(k=%zu,>=)", kk);
    if (no_rows(c, name, &m)) return m;
    if (kk == 0) return od_metric_undefined(name, "k = P = 0: no anomalous rows in the labels (%zu normal)", c->N);
    if (kk > c->P + c->N) return od_metric_undefined(name, "k=%zu exceeds the %zu scored rows", kk, c->P + c->N);
    /* the kk-th smallest key of the two sorted lists (kk-th highest score):
     * binary search on how many of them come from the anomalous list */
    const uint64_t *kp = c->keys, *kn = c->keys + c->P;
    size_t lo = kk > c->N ? kk - c->N : 0, hi = kk < c->P ? kk : c->P;
    while (lo < hi) { /* largest a with kp[a-1] <= kn[kk-a]: a keys from kp, kk-a from kn */
        size_t a = lo + (hi - lo + 1) / 2;
        if (kp[a - 1] > kn[kk - a]) hi = a - 1;
        else lo = a;
    }
    size_t a = lo, bcount = kk - a;
    uint64_t kth;
    if (a == 0) kth = kn[bcount - 1];
    else if (bcount == 0) kth = kp[a - 1];
    else kth = kp[a - 1] > kn[bcount - 1] ? kp[a - 1] : kn[bcount - 1];
    size_t tp = count_upto(kp, c->P, kth, 0), fp = count_upto(kn, c->N, kth, 0);
    size_t flagged = tp + fp;
    if (n_flagged) *n_flagged = flagged;
    return od_metric_make(name, (double)tp / (double)flagged);
}

od_confusion od_curve_confusion(const od_curve *c, double t, od_rule rule)
{
    /* s >= t  <=>  key(s) <= key(t) for descending keys; two binary searches */
    size_t tp = 0, fp = 0;
    if (!isnan(t) && c->P + c->N > 0) {
        uint64_t kt = od_eval_key_desc(t);
        int strict = rule == OD_RULE_GT;
        tp = count_upto(c->keys, c->P, kt, strict);
        fp = count_upto(c->keys + c->P, c->N, kt, strict);
    }
    od_confusion cm;
    cm.tp = tp;
    cm.fp = fp;
    cm.fn = c->P - tp;
    cm.tn = c->N - fp;
    return cm;
}
