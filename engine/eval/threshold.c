/* threshold.c - thresholds from training-score statistics and the best-F1 oracle. */
#include "config.h"
#include "threshold.h"
#include "../core/num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void od_threshold_init(od_threshold *th)
{
    memset(th, 0, sizeof *th);
    th->value = NAN;
}

void od_threshold_clear(od_threshold *th)
{
    free(th->per_point);
    free(th->alarms);
    od_threshold_init(th);
}

static void set_head(od_threshold *th, const char *method, od_rule rule, double value)
{
    od_threshold_clear(th);
    snprintf(th->method, sizeof th->method, "%s", method);
    th->rule = rule;
    th->value = value;
}

/* the non-NaN values of x in a fresh array */
static double *finite_copy(od_ctx *ctx, const double *x, size_t n, size_t *m, int *err)
{
    *err = OD_OK;
    *m = 0;
    if (n == 0 || !x) {
        *err = od_error(ctx, OD_EDATA, "no training scores");
        return NULL;
    }
    double *a = od_mallocn(ctx, n, sizeof *a);
    if (!a) {
        *err = OD_ENOMEM;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) a[k++] = x[i];
    if (k == 0) {
        free(a);
        *err = od_error(ctx, OD_EDATA, "all %zu training scores are NaN", n);
        return NULL;
    }
    *m = k;
    return a;
}

/* linear percentile of a[0..m) (reordered), q in [0,100]: numpy's
 * percentile(a, q), the shared quantile of core/num.h */
static double percentile_of(double *a, size_t m, double q)
{
    return od_quantile_select(a, m, q / 100.0);
}

/* numpy.median: middle value, or the mean of the two middle values */
static double median_of(double *a, size_t m)
{
    if (m % 2) return od_select(a, m, m / 2);
    double x0 = od_select(a, m, m / 2 - 1);
    double x1 = od_min(a + m / 2, m - m / 2);
    return (x0 + x1) / 2;
}

int od_percentile(od_ctx *ctx, const double *x, size_t n, double q, double *out, size_t *n_used)
{
    if (!(q >= 0 && q <= 100)) return od_error(ctx, OD_EINVAL, "q=%g: a percentile must be in [0, 100]", q);
    size_t m;
    int err;
    double *a = finite_copy(ctx, x, n, &m, &err);
    if (!a) return err;
    *out = percentile_of(a, m, q);
    if (n_used) *n_used = m;
    free(a);
    return OD_OK;
}

int od_threshold_value(od_ctx *ctx, double v, od_rule rule, od_threshold *th)
{
    if (isnan(v)) return od_error(ctx, OD_EINVAL, "value=nan: a threshold must be a number");
    set_head(th, "value", rule, v);
    snprintf(th->params, sizeof th->params, "value=%.17g", v);
    return OD_OK;
}

static int percentile_threshold(od_ctx *ctx, const double *train, size_t n, double q, od_threshold *th,
                                const char *method)
{
    size_t m;
    int err;
    double *a = finite_copy(ctx, train, n, &m, &err);
    if (!a) return err;
    double t = percentile_of(a, m, q);
    free(a);
    set_head(th, method, OD_RULE_GT, t);
    th->n_used = m;
    th->n_nan = n - m;
    return OD_OK;
}

int od_threshold_percentile_ranked(od_ctx *ctx, size_t n, size_t m, double (*kth)(void *arg, size_t k), void *arg,
                                   double q, int c, od_threshold *th)
{
    double p = c ? 100 * (1 - q) : q;
    if (c ? !(q > 0 && q <= 0.5) : !(q >= 0 && q <= 100)) return 1;   /* the functions above say why */
    p /= 100.0;
    /* od_quantiles_select (core/num.c) for one p, on the order statistics */
    double v = (double)(m - 1) * p, t;
    if (v >= (double)(m - 1)) {
        t = kth(arg, m - 1);
    } else if (!(v >= 0)) {
        t = kth(arg, 0);
    } else {
        double fl = floor(v);
        size_t lo = (size_t)fl;
        double x0 = kth(arg, lo);
        if (x0 == 0) return 1;
        if (v == fl) {
            t = x0;
        } else {
            double x1 = kth(arg, lo + 1);
            if (x1 == 0) return 1;
            t = od_lerp(x0, x1, v - fl);
        }
    }
    if (t == 0) return 1;
    set_head(th, c ? "contamination" : "percentile", OD_RULE_GT, t);
    th->n_used = m;
    th->n_nan = n - m;
    if (c) snprintf(th->params, sizeof th->params, "c=%g", q);
    else snprintf(th->params, sizeof th->params, "q=%g", q);
    (void)ctx;
    return OD_OK;
}

int od_threshold_contamination(od_ctx *ctx, const double *train, size_t n, double c, od_threshold *th)
{
    if (!(c > 0 && c <= 0.5))
        return od_error(ctx, OD_EINVAL, "contamination=%g: must be in (0, 0.5] (the share of anomalies expected)", c);
    int rc = percentile_threshold(ctx, train, n, 100 * (1 - c), th, "contamination");
    if (rc) return rc;
    snprintf(th->params, sizeof th->params, "c=%g", c);
    return OD_OK;
}

int od_threshold_percentile(od_ctx *ctx, const double *train, size_t n, double q, od_threshold *th)
{
    if (!(q >= 0 && q <= 100)) return od_error(ctx, OD_EINVAL, "q=%g: a percentile must be in [0, 100]", q);
    int rc = percentile_threshold(ctx, train, n, q, th, "percentile");
    if (rc) return rc;
    snprintf(th->params, sizeof th->params, "q=%g", q);
    return OD_OK;
}

int od_threshold_sigma(od_ctx *ctx, const double *train, size_t n, double k, od_sd_kind sd, od_threshold *th)
{
    if (!isfinite(k)) return od_error(ctx, OD_EINVAL, "k=%g: must be a finite number", k);
    size_t m;
    int err;
    double *a = finite_copy(ctx, train, n, &m, &err);
    if (!a) return err;
    if (sd == OD_SD_SAMPLE && m < 2) {
        free(a);
        return od_error(ctx, OD_EDATA, "sd=sample needs at least 2 training scores (have %zu)", m);
    }
    /* two passes with compensated sums: mean, then squared deviations */
    long double s = 0;
    for (size_t i = 0; i < m; i++) s += a[i];
    double mean = (double)(s / (long double)m);
    long double ss = 0;
    for (size_t i = 0; i < m; i++) ss += ((long double)a[i] - mean) * ((long double)a[i] - mean);
    free(a);
    double var = (double)(ss / (long double)(sd == OD_SD_SAMPLE ? m - 1 : m));
    double sdv = sqrt(var);
    set_head(th, "sigma", OD_RULE_GT, mean + k * sdv);
    snprintf(th->params, sizeof th->params, "k=%g,sd=%s,mean=%.10g,sdev=%.10g", k,
             sd == OD_SD_SAMPLE ? "sample" : "population", mean, sdv);
    th->n_used = m;
    th->n_nan = n - m;
    return OD_OK;
}

int od_threshold_iqr(od_ctx *ctx, const double *train, size_t n, double k, od_threshold *th)
{
    if (!isfinite(k)) return od_error(ctx, OD_EINVAL, "k=%g: must be a finite number", k);
    size_t m;
    int err;
    double *a = finite_copy(ctx, train, n, &m, &err);
    if (!a) return err;
    double q1 = percentile_of(a, m, 25), q3 = percentile_of(a, m, 75);
    free(a);
    set_head(th, "iqr", OD_RULE_GT, q3 + k * (q3 - q1));
    snprintf(th->params, sizeof th->params, "k=%g,q1=%.10g,q3=%.10g", k, q1, q3);
    th->n_used = m;
    th->n_nan = n - m;
    return OD_OK;
}

int od_threshold_mad(od_ctx *ctx, const double *train, size_t n, double k, od_threshold *th)
{
    if (!isfinite(k)) return od_error(ctx, OD_EINVAL, "k=%g: must be a finite number", k);
    size_t m;
    int err;
    double *a = finite_copy(ctx, train, n, &m, &err);
    if (!a) return err;
    double med = median_of(a, m);
    for (size_t i = 0; i < m; i++) a[i] = fabs(a[i] - med);
    double mad = median_of(a, m);
    free(a);
    set_head(th, "mad", OD_RULE_GT, med + k * 1.4826 * mad);
    snprintf(th->params, sizeof th->params, "k=%g,scale=1.4826,median=%.10g,mad=%.10g", k, med, mad);
    th->n_used = m;
    th->n_nan = n - m;
    return OD_OK;
}

int od_sse_cut(od_ctx *ctx, const double *x, size_t n, double *t, double *sse, size_t *nlow)
{
    size_t m;
    int err;
    double *a = finite_copy(ctx, x, n, &m, &err);
    if (!a) return err;
    qsort(a, m, sizeof *a, od_cmp_double);
    if (a[0] == a[m - 1]) {
        double v = a[0];
        free(a);
        return od_error(ctx, OD_EDATA, "sse: all %zu scores equal %g: no cut splits them into two groups", m, v);
    }
    /* centre on the mean so the sums of squares do not cancel */
    double mean = 0, tot = 0, sq = 0;
    for (size_t i = 0; i < m; i++) mean += a[i];
    mean /= (double)m;
    for (size_t i = 0; i < m; i++) {
        double c = a[i] - mean;
        tot += c;
        sq += c * c;
    }
    /* SSE(i) = sq - S_lo^2/i - S_hi^2/(m-i): minimise = maximise the between term */
    double best = -INFINITY, s_lo = 0;
    size_t bi = 0;
    for (size_t i = 1; i < m; i++) {
        s_lo += a[i - 1] - mean;
        if (a[i - 1] == a[i]) continue;          /* ties stay together */
        double s_hi = tot - s_lo;
        double between = s_lo * s_lo / (double)i + s_hi * s_hi / (double)(m - i);
        if (between > best) { best = between; bi = i; }
    }
    *t = a[bi - 1];
    *nlow = bi;
    /* the minimum SSE, recomputed directly from the two groups' means */
    double ml = 0, mh = 0, e = 0;
    for (size_t i = 0; i < bi; i++) ml += a[i];
    for (size_t i = bi; i < m; i++) mh += a[i];
    ml /= (double)bi;
    mh /= (double)(m - bi);
    for (size_t i = 0; i < m; i++) {
        double c = a[i] - (i < bi ? ml : mh);
        e += c * c;
    }
    *sse = e;
    free(a);
    return OD_OK;
}

int od_threshold_sse(od_ctx *ctx, const double *train, size_t n, od_threshold *th)
{
    double t, sse;
    size_t nlow;
    int rc = od_sse_cut(ctx, train, n, &t, &sse, &nlow);
    if (rc) return rc;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += !isnan(train[i]);
    set_head(th, "sse", OD_RULE_GT, t);
    snprintf(th->params, sizeof th->params, "low=%zu,high=%zu,sse=%.10g", nlow, m - nlow, sse);
    th->n_used = m;
    th->n_nan = n - m;
    return OD_OK;
}

int od_threshold_best_f1(od_ctx *ctx, const od_curve *c, od_threshold *th)
{
    od_best_f1 b = od_curve_best_f1(c);
    if (!b.f1.defined) return od_error(ctx, OD_EDATA, "best-f1: %s", b.f1.reason);
    od_curve_info in;
    od_curve_get_info(c, &in);
    set_head(th, "best-f1", OD_RULE_GE, b.threshold);
    th->is_oracle = 1;
    th->n_used = in.n_used;
    th->n_nan = in.n_nan;
    snprintf(th->params, sizeof th->params, "F1=%.6g,tp=%zu,fp=%zu", b.f1.value, b.cm.tp, b.cm.fp);
    return OD_OK;
}

size_t od_threshold_apply(const od_threshold *th, const double *s, size_t n, int *pred)
{
    size_t flagged = 0;
    int per = th->per_point && th->n_points == n;
    for (size_t i = 0; i < n; i++) {
        double t = per ? th->per_point[i] : th->value;
        int f = !isnan(s[i]) && (th->rule == OD_RULE_GT ? s[i] > t : s[i] >= t);
        pred[i] = f;
        flagged += (size_t)f;
    }
    return flagged;
}
