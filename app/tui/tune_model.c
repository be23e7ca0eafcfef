/* tune_model.c - see tune_model.h. */
#include "config.h"
#include "tune_model.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double s;
    int y;
} pair;

static int by_score_desc(const void *a, const void *b)
{
    double x = ((const pair *)a)->s, y = ((const pair *)b)->s;
    return x > y ? -1 : x < y ? 1 : 0;
}

int tune_model_build(tune_model *tm, const double *scores, const int *labels, size_t n)
{
    *tm = (tune_model){0};
    tm->labelled = labels != NULL;
    pair *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(scores[i])) continue;
        if (labels && labels[i] < 0) continue;
        v[k].s = scores[i];
        v[k].y = labels ? labels[i] != 0 : 0;
        tm->npos += (size_t)v[k].y;
        k++;
    }
    tm->n = k;
    qsort(v, k, sizeof *v, by_score_desc);
    tm->thr = malloc((k ? k : 1) * sizeof *tm->thr);
    tm->cnt = malloc((k ? k : 1) * sizeof *tm->cnt);
    tm->tp = malloc((k ? k : 1) * sizeof *tm->tp);
    if (!tm->thr || !tm->cnt || !tm->tp) {
        free(v);
        tune_model_free(tm);
        return -1;
    }
    size_t tp = 0;
    for (size_t i = 0; i < k; i++) {
        tp += (size_t)v[i].y;
        if (i + 1 < k && v[i + 1].s == v[i].s) continue;   /* ties: one position for the group */
        tm->thr[tm->m] = v[i].s;
        tm->cnt[tm->m] = i + 1;
        tm->tp[tm->m] = tp;
        tm->m++;
    }
    free(v);
    return 0;
}

void tune_model_free(tune_model *tm)
{
    free(tm->thr);
    free(tm->cnt);
    free(tm->tp);
    *tm = (tune_model){0};
}

static double ratio(size_t a, size_t b) { return b ? (double)a / (double)b : NAN; }

tune_counts tune_model_counts(const tune_model *tm, size_t p)
{
    tune_counts c = {0};
    if (p > tm->m) p = tm->m;
    c.flagged = p ? tm->cnt[p - 1] : 0;
    if (!tm->labelled) {
        c.precision = c.recall = c.f1 = c.fpr = NAN;
        return c;
    }
    c.tp = p ? tm->tp[p - 1] : 0;
    c.fp = c.flagged - c.tp;
    c.fn = tm->npos - c.tp;
    c.tn = tm->n - tm->npos - c.fp;
    c.precision = ratio(c.tp, c.tp + c.fp);
    c.recall = ratio(c.tp, c.tp + c.fn);
    c.f1 = ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
    c.fpr = ratio(c.fp, c.fp + c.tn);
    return c;
}

double tune_model_value(const tune_model *tm, size_t p)
{
    if (tm->m == 0) return INFINITY;
    if (p == 0) return nextafter(tm->thr[0], INFINITY);
    return tm->thr[(p > tm->m ? tm->m : p) - 1];
}

size_t tune_model_position(const tune_model *tm, double v, int strict)
{
    /* number of distinct scores s with s >= v (s > v): thr is decreasing */
    size_t lo = 0, hi = tm->m;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int flagged = strict ? tm->thr[mid] > v : tm->thr[mid] >= v;
        if (flagged) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

size_t tune_model_step_rows(const tune_model *tm, size_t p, long delta)
{
    size_t now = p ? tm->cnt[p - 1] : 0;
    if (delta > 0) {
        size_t want = now + (size_t)delta;
        while (p < tm->m && (p ? tm->cnt[p - 1] : 0) < want) p++;
    } else if (delta < 0) {
        size_t d = (size_t)(-delta), want = now > d ? now - d : 0;
        while (p > 0 && (p ? tm->cnt[p - 1] : 0) > want) p--;
    }
    return p;
}

size_t tune_model_best_f1(const tune_model *tm)
{
    if (!tm->labelled || tm->npos == 0) return 0;
    size_t best = 0;
    double bf = -1;
    for (size_t p = 1; p <= tm->m; p++) {
        /* F1 = 2 TP / (flagged + positives): equal fractions give equal doubles */
        double f = 2.0 * (double)tm->tp[p - 1] / (double)(tm->cnt[p - 1] + tm->npos);
        if (f > bf) { bf = f; best = p; }
    }
    return best;
}
