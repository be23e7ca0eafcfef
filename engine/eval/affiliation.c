/* affiliation.c - affiliation precision/recall (Huet et al., KDD 2022).
 * See affiliation.h.  Every integral below is of a function that is linear
 * between known breakpoints, so it is the sum of exact trapezoids. */
#include "config.h"
#include "affiliation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------- piecewise integration */

typedef double (*piece_fn)(double x, int region, const void *arg);
typedef int (*region_fn)(double x, const void *arg);

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Integral of f over [u, v] where f is linear between the breakpoints bp[]
 * (and may jump at them): each segment takes its region from its midpoint
 * and integrates that region's linear formula exactly. */
static double integrate(double u, double v, double *bp, size_t nbp, region_fn region, piece_fn f, const void *arg)
{
    double pts[16];
    size_t k = 0;
    pts[k++] = u;
    for (size_t i = 0; i < nbp && k < 15; i++)
        if (bp[i] > u && bp[i] < v) pts[k++] = bp[i];
    pts[k++] = v;
    qsort(pts, k, sizeof *pts, cmp_dbl);
    double s = 0;
    for (size_t i = 0; i + 1 < k; i++) {
        double a = pts[i], b = pts[i + 1];
        if (b <= a) continue;
        int reg = region(0.5 * (a + b), arg);
        s += 0.5 * (f(a, reg, arg) + f(b, reg, arg)) * (b - a);
    }
    return s;
}

/* ---------------------------------------------------------- precision */

/* The integrands below all measure the distance to one interval [lo, hi]
 * (the event for precision, a prediction piece for recall) inside the zone
 * [e0, e1]; m = min(lo - e0, e1 - hi) is used by the precision side. */
typedef struct {
    double lo, hi, e0, e1, m;
} span;

enum { LEFT = 0, INSIDE = 1, RIGHT = 2 };

static int span_region(double x, const void *p)
{
    const span *a = p;
    return x < a->lo ? LEFT : x > a->hi ? RIGHT : INSIDE;
}

static double span_dist(double x, int reg, const void *p)
{
    const span *a = p;
    return reg == LEFT ? a->lo - x : reg == RIGHT ? x - a->hi : 0;
}

/* ---------------------------------------------------------- precision */

/* P(dist(X, J) >= d(x)) for X uniform on E: 1 - (|J| + min(d, m) + d)/|E|
 * outside J (d never exceeds the far side of E there), 1 inside. */
static double prec_survival(double x, int reg, const void *p)
{
    const span *a = p;
    if (reg == INSIDE) return 1;
    double d = span_dist(x, reg, a);
    return 1 - ((a->hi - a->lo) + fmin(d, a->m) + d) / (a->e1 - a->e0);
}

/* ------------------------------------------------------------- recall */

/* P(|X - y| >= d(y)) for X uniform on E: 1 - (min(d, y - e0) + min(d, e1 - y))/|E|. */
static double rec_survival(double y, int reg, const void *p)
{
    const span *a = p;
    double d = span_dist(y, reg, a);
    return 1 - (fmin(d, y - a->e0) + fmin(d, a->e1 - y)) / (a->e1 - a->e0);
}


/* ----------------------------------------------------------- one event */

static double lo_of(const od_interval *v, size_t k, size_t n, double t0)
{
    return k == 0 ? t0 : 0.5 * (v[k - 1].b + v[k].a);
}

static double hi_of(const od_interval *v, size_t k, size_t n, double t1)
{
    return k + 1 == n ? t1 : 0.5 * (v[k].b + v[k + 1].a);
}

/* Precision probability and distance of event J in zone E over the
 * prediction pieces P (already clipped to E): NaN when P is empty. */
static void event_precision(const od_interval *J, double e0, double e1, const od_interval *P, size_t np, double *prob,
                            double *dist)
{
    span a = { J->a, J->b, e0, e1, fmin(J->a - e0, e1 - J->b) };
    double bp[4] = { a.lo, a.hi, a.lo - a.m, a.hi + a.m }, len = 0, sp = 0, sd = 0;
    for (size_t k = 0; k < np; k++) {
        len += P[k].b - P[k].a;
        sp += integrate(P[k].a, P[k].b, bp, 4, span_region, prec_survival, &a);
        sd += integrate(P[k].a, P[k].b, bp, 2, span_region, span_dist, &a);
    }
    *prob = np ? sp / len : NAN;
    *dist = np ? sd / len : NAN;
}

/* Recall probability and distance: J is cut by the zones of the pieces
 * inside E, and each part is compared with its own piece. */
static void event_recall(const od_interval *J, double e0, double e1, const od_interval *P, size_t np, double *prob,
                         double *dist)
{
    if (!np) {
        *prob = 0;
        *dist = INFINITY;
        return;
    }
    double sp = 0, sd = 0;
    for (size_t k = 0; k < np; k++) {
        double lo = fmax(J->a, lo_of(P, k, np, e0)), hi = fmin(J->b, hi_of(P, k, np, e1));
        if (hi <= lo) continue;
        span a = { P[k].a, P[k].b, e0, e1, 0 };
        double bp[6] = { a.lo, a.hi, 0.5 * (a.lo + e0), 0.5 * (a.lo + e1), 0.5 * (a.hi + e0), 0.5 * (a.hi + e1) };
        sp += integrate(lo, hi, bp, 6, span_region, rec_survival, &a);
        sd += integrate(lo, hi, bp, 2, span_region, span_dist, &a);
    }
    *prob = sp / (J->b - J->a);
    *dist = sd / (J->b - J->a);
}

static int check_events(od_ctx *ctx, const char *what, const od_interval *v, size_t n, double t0, double t1)
{
    for (size_t i = 0; i < n; i++) {
        if (!(v[i].a < v[i].b)) return od_error(ctx, OD_EINVAL, "affiliation: %s event %zu is empty or reversed", what, i + 1);
        if (v[i].a < t0 || v[i].b > t1) return od_error(ctx, OD_EINVAL, "affiliation: %s event %zu is outside the series", what, i + 1);
        if (i && !(v[i - 1].b < v[i].a))
            return od_error(ctx, OD_EINVAL, "affiliation: %s events %zu and %zu overlap or touch", what, i, i + 1);
    }
    return OD_OK;
}

int od_affiliation_events(od_ctx *ctx, const od_interval *pred, size_t np, const od_interval *gt, size_t ng, double t0,
                          double t1, double *precision, double *recall, od_affil_detail *det)
{
    int rc;
    if (!ng) return od_error(ctx, OD_EDATA, "affiliation: no labelled event");
    if ((rc = check_events(ctx, "predicted", pred, np, t0, t1)) || (rc = check_events(ctx, "labelled", gt, ng, t0, t1))) return rc;
    od_interval *P = od_mallocn(ctx, np + 1, sizeof *P);
    if (!P) return OD_ENOMEM;
    double psum = 0, rsum = 0;
    size_t pdef = 0, first = 0;
    for (size_t j = 0; j < ng; j++) {
        double e0 = lo_of(gt, j, ng, t0), e1 = hi_of(gt, j, ng, t1), pp, pd, rp, rd;
        size_t k = 0;
        while (first < np && pred[first].b <= e0) first++;
        for (size_t i = first; i < np && pred[i].a < e1; i++) {
            double a = fmax(pred[i].a, e0), b = fmin(pred[i].b, e1);
            if (b > a) P[k++] = (od_interval){ a, b };
        }
        event_precision(&gt[j], e0, e1, P, k, &pp, &pd);
        event_recall(&gt[j], e0, e1, P, k, &rp, &rd);
        if (!isnan(pp)) { psum += pp; pdef++; }
        rsum += rp;
        if (det && det->p_precision) det->p_precision[j] = pp;
        if (det && det->p_recall) det->p_recall[j] = rp;
        if (det && det->d_precision) det->d_precision[j] = pd;
        if (det && det->d_recall) det->d_recall[j] = rd;
    }
    free(P);
    *precision = pdef ? psum / (double)pdef : NAN;
    *recall = rsum / (double)ng;
    return OD_OK;
}

/* Runs of 1s of x as intervals [i, j+1); returns the count. */
static size_t runs(const int *x, size_t n, od_interval *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (!x[i]) { i++; continue; }
        size_t j = i;
        while (j < n && x[j]) j++;
        out[k++] = (od_interval){ (double)i, (double)j };
        i = j;
    }
    return k;
}

int od_ts_affiliation(od_ctx *ctx, const int *labels, const int *pred, size_t n, od_ts_prf *out)
{
    memset(out, 0, sizeof *out);
    od_interval *g = od_mallocn(ctx, n / 2 + 1, sizeof *g), *p = od_mallocn(ctx, n / 2 + 1, sizeof *p);
    if (!g || !p) {
        free(g);
        free(p);
        return OD_ENOMEM;
    }
    size_t ng = runs(labels, n, g), np = runs(pred, n, p);
    out->n_events = ng;
    out->n_pred_ranges = np;
    int rc = OD_OK;
    if (!ng) {
        out->precision = od_metric_undefined("affiliation-precision", "no labelled event");
        out->recall = od_metric_undefined("affiliation-recall", "no labelled event");
        out->f = od_metric_undefined("affiliation-F1", "no labelled event");
    } else {
        double P, R;
        rc = od_affiliation_events(ctx, p, np, g, ng, 0, (double)n, &P, &R, NULL);
        if (!rc) {
            out->precision = isnan(P) ? od_metric_undefined("affiliation-precision", "nothing is flagged")
                                      : od_metric_make("affiliation-precision", P);
            out->recall = od_metric_make("affiliation-recall", R);
            out->f = isnan(P) ? od_metric_make("affiliation-F1", 0)
                     : P + R > 0 ? od_metric_make("affiliation-F1", 2 * P * R / (P + R))
                                 : od_metric_make("affiliation-F1", 0);
        }
    }
    free(g);
    free(p);
    return rc;
}
