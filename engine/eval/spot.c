/* spot.c - GPD fitting (Grimshaw's trick, method of moments) and SPOT/DSPOT. */
#include "config.h"
#include "spot.h"
#include "../core/num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void od_spot_opts_default(od_spot_opts *o)
{
    o->q = 1e-4;
    o->level = 0.98;
    o->depth = 0;
    o->max_excess = 0;
}

/* ------------------------------------------------------------ GPD fit */

static double gpd_loglik(const double *Y, size_t k, double g, double s)
{
    if (!(s > 0) || !isfinite(s) || !isfinite(g)) return -INFINITY;
    double sum = 0;
    if (g == 0) {
        for (size_t i = 0; i < k; i++) sum += Y[i];
        return -(double)k * log(s) - sum / s;
    }
    for (size_t i = 0; i < k; i++) {
        double z = 1 + g * Y[i] / s;
        if (!(z > 0)) return -INFINITY;
        sum += log(z);
    }
    return -(double)k * log(s) - (1 + 1 / g) * sum;
}

/* w(x) = u(x) v(x) - 1; also v(x) - 1 = mean log(1 + xY) in *vm1 */
static double grim_w(const double *Y, size_t k, double x, double *vm1)
{
    double su = 0, sv = 0;
    for (size_t i = 0; i < k; i++) {
        double z = x * Y[i];
        su += 1 / (1 + z);
        sv += log1p(z);
    }
    double u = su / (double)k, v1 = sv / (double)k;
    if (vm1) *vm1 = v1;
    return u * (1 + v1) - 1;
}

/* Brent's method on [a, b] with w(a), w(b) of opposite signs. */
static double brent_root(const double *Y, size_t k, double a, double b, double fa, double fb)
{
    double c = a, fc = fa, d = b - a, e = d;
    for (int it = 0; it < 100; it++) {
        if ((fb > 0) == (fc > 0)) {
            c = a;
            fc = fa;
            d = e = b - a;
        }
        if (fabs(fc) < fabs(fb)) {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        double tol = 2 * 2.220446049250313e-16 * fabs(b) + 1e-300, m = (c - b) / 2;
        if (fabs(m) <= tol || fb == 0) return b;
        if (fabs(e) >= tol && fabs(fa) > fabs(fb)) {
            double s = fb / fa, p, q;
            if (a == c) {
                p = 2 * m * s;
                q = 1 - s;
            } else {
                double qq = fa / fc, r = fb / fc;
                p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
                q = (qq - 1) * (r - 1) * (s - 1);
            }
            if (p > 0) q = -q;
            else p = -p;
            if (2 * p < fmin(3 * m * q - fabs(tol * q), fabs(e * q))) {
                e = d;
                d = p / q;
            } else {
                d = m;
                e = m;
            }
        } else {
            d = m;
            e = m;
        }
        a = b;
        fa = fb;
        b += fabs(d) > tol ? d : (m > 0 ? tol : -tol);
        fb = grim_w(Y, k, b, NULL);
    }
    return b;
}

typedef struct {
    od_gpd best;
    double root, root_ll; /* the Grimshaw root with the highest likelihood (0: none) */
} fit_state;

static void consider_ll(fit_state *fs, double g, double s, double ll, const char *method, double root)
{
    if (root != 0 && ll > fs->root_ll) {
        fs->root = root;
        fs->root_ll = ll;
    }
    if (ll > fs->best.loglik) {
        fs->best.gamma = g;
        fs->best.sigma = s;
        fs->best.loglik = ll;
        fs->best.method = method;
    }
}

static void consider(fit_state *fs, const double *Y, size_t k, double g, double s, const char *method, double root)
{
    consider_ll(fs, g, s, gpd_loglik(Y, k, g, s), method, root);
}

/* A Grimshaw root x with vm1 = mean log(1 + xY): gamma = vm1, sigma = gamma/x,
 * and since gamma/sigma = x, sum log(1 + gamma Y/sigma) = k gamma, so the
 * log-likelihood is -k ln sigma - k (1 + gamma) without another pass. */
static void consider_root_v(fit_state *fs, size_t k, double x, double vm1)
{
    double g = vm1, s = g / x;
    if (g == 0 || !(s > 0) || !isfinite(s)) return;
    consider_ll(fs, g, s, -(double)k * log(s) - (double)k * (1 + g), "grimshaw", x);
}

static void consider_root(fit_state *fs, const double *Y, size_t k, double x)
{
    double vm1;
    grim_w(Y, k, x, &vm1);
    consider_root_v(fs, k, x, vm1);
}

/* Newton's method on w from x0 (u, v and their derivatives in one pass),
 * staying inside (pole, 0) or (0, inf).  Returns 1 with the root and its vm1. */
static int newton_root(const double *Y, size_t k, double x0, double pole, double *root, double *vm1)
{
    double x = x0;
    for (int it = 0; it < 16; it++) {
        double su = 0, sv = 0, sdu = 0, sdv = 0;
        for (size_t i = 0; i < k; i++) {
            double xy = x * Y[i], z = 1 / (1 + xy), t = Y[i] * z;
            su += z;
            sv += log1p(xy);
            sdv += t;
            sdu += t * z;
        }
        double dk = (double)k, u = su / dk, v = 1 + sv / dk;
        double w = u * v - 1, dw = -sdu / dk * v + u * (sdv / dk);
        if (!isfinite(w) || !isfinite(dw) || dw == 0) return 0;
        double nx = x - w / dw;
        if (x < 0 ? !(nx > pole && nx < 0) : !(nx > 0)) return 0;
        if (fabs(nx - x) <= 1e-12 * fabs(x)) {
            *root = x;
            *vm1 = sv / dk;
            return 1;
        }
        x = nx;
    }
    return 0;
}

/* scan the increasing grid xs[0..m) for sign changes of w and polish each root */
static void scan_roots(fit_state *fs, const double *Y, size_t k, const double *xs, size_t m)
{
    double px = xs[0], pw = grim_w(Y, k, px, NULL);
    for (size_t i = 1; i < m; i++) {
        double x = xs[i], w = grim_w(Y, k, x, NULL);
        if (w == 0) consider_root(fs, Y, k, x);
        else if (pw != 0 && (w > 0) != (pw > 0) && isfinite(w) && isfinite(pw))
            consider_root(fs, Y, k, brent_root(Y, k, px, x, pw, w));
        px = x;
        pw = w;
    }
}

#define GRID 48

enum { FIT_FULL = 0, FIT_TRACK = 1, FIT_NOROOTS = 2 };

/* Candidates: the exponential, Grimshaw's roots, the method of moments.
 * FIT_FULL scans both root intervals on a log-spaced grid (3*GRID-1 points,
 * Brent on each sign change); FIT_TRACK brackets the previous root `hint`
 * (a refit after one new peak moves it little) and falls back to the full
 * scan; FIT_NOROOTS skips the roots. */
static void gpd_fit_impl(const double *Y, size_t k, double hint, int mode, fit_state *fs)
{
    double mean = 0, ymin = Y[0], ymax = Y[0];
    for (size_t i = 0; i < k; i++) {
        mean += Y[i];
        if (Y[i] < ymin) ymin = Y[i];
        if (Y[i] > ymax) ymax = Y[i];
    }
    mean /= (double)k;
    fs->best.gamma = 0;
    fs->best.sigma = mean;
    fs->best.loglik = -INFINITY;
    fs->best.method = "exponential";
    fs->root = 0;
    fs->root_ll = -INFINITY;
    /* exponential: sigma = mean, log-likelihood -k ln mean - k */
    consider_ll(fs, 0.0, mean, -(double)k * log(mean) - (double)k, "exponential", 0);

    int tracked = 0;
    if (mode == FIT_TRACK && hint != 0) { /* Newton from the previous root */
        double root, vm1;
        if (newton_root(Y, k, hint, -1 / ymax, &root, &vm1)) {
            consider_root_v(fs, k, root, vm1);
            tracked = 1;
        }
    }
    if (mode == FIT_TRACK && hint != 0 && !tracked) { /* else bracket it, widening a few times */
        double pole = -1 / ymax;
        for (double d = 0.02; d < 0.7 && !tracked; d *= 2) {
            double a = hint * (1 - d), b = hint * (1 + d);
            if (hint < 0 && b <= pole) b = pole + (hint - pole) * 1e-3;
            if (a > b) {
                double t = a;
                a = b;
                b = t;
            }
            double fa = grim_w(Y, k, a, NULL), fb = grim_w(Y, k, b, NULL);
            if (isfinite(fa) && isfinite(fb) && fa != 0 && fb != 0 && (fa > 0) != (fb > 0)) {
                consider_root(fs, Y, k, brent_root(Y, k, a, b, fa, fb));
                tracked = 1;
            }
        }
    }
    if (mode != FIT_NOROOTS && !tracked) {
        double xs[3 * GRID];
        size_t m = 0;
        double L1 = 1 / ymax, near0 = 1e-8 / mean;
        if (near0 < L1 / 2) { /* interval 1: (-1/Ymax, 0), log-spaced towards both ends */
            for (int i = 0; i < GRID; i++) { /* from next to the pole to the middle */
                double f = 1 - 0.5 * pow(10.0, -10.0 * (1.0 - (double)i / (GRID - 1)));
                xs[m++] = -L1 * f;
            }
            for (int i = 1; i < GRID; i++) { /* from the middle to next to 0 */
                double f = 0.5 * pow(near0 / (0.5 * L1), (double)i / (GRID - 1));
                xs[m++] = -L1 * f;
            }
            scan_roots(fs, Y, k, xs, m);
        }
        double B = 2 * (mean - ymin) / (ymin * ymin); /* interval 2: (0, B], log-spaced */
        m = 0;
        if (isfinite(B) && B > near0) {
            for (int i = 0; i < GRID; i++) xs[m++] = near0 * pow(B / near0, (double)i / (GRID - 1));
            scan_roots(fs, Y, k, xs, m);
        }
    }
    double var = 0; /* method of moments */
    for (size_t i = 0; i < k; i++) var += (Y[i] - mean) * (Y[i] - mean);
    var /= (double)k;
    if (var > 0) {
        double r = mean * mean / var;
        consider(fs, Y, k, 0.5 * (1 - r), 0.5 * mean * (1 + r), "mom", 0);
    }
}

int od_gpd_fit(od_ctx *ctx, const double *peaks, size_t k, od_gpd *out)
{
    if (k == 0 || !peaks) return od_error(ctx, OD_EDATA, "GPD fit: no peaks");
    for (size_t i = 0; i < k; i++)
        if (!(peaks[i] > 0) || !isfinite(peaks[i]))
            return od_error(ctx, OD_EDATA, "GPD fit: peak %zu is %g; peaks must be positive finite numbers", i,
                            peaks[i]);
    fit_state fs;
    gpd_fit_impl(peaks, k, 0, FIT_FULL, &fs);
    *out = fs.best;
    return OD_OK;
}

double od_spot_quantile(double t, const od_gpd *fit, double q, size_t n, size_t nt)
{
    double r = q * (double)n / (double)nt;
    if (fit->gamma == 0) return t - fit->sigma * log(r);
    return t + fit->sigma / fit->gamma * (pow(r, -fit->gamma) - 1);
}

/* ---------------------------------------------------------- SPOT state */

struct od_spot {
    od_spot_opts o;
    double t, z;
    od_gpd fit;
    double root;
    size_t n, nt, n_alarms, since_full;
    double *pk;        /* peaks: growable (max_excess 0) or a ring of max_excess */
    size_t npk, cap, ring;
    double *win;       /* DSPOT: ring of the last depth non-alarm values */
    size_t wpos;
};

static int push_peak(od_ctx *ctx, od_spot *s, double y)
{
    if (s->o.max_excess) {
        if (s->npk < s->o.max_excess) s->pk[s->npk++] = y;
        else {
            s->pk[s->ring] = y;
            s->ring = (s->ring + 1) % s->o.max_excess;
        }
        return OD_OK;
    }
    if (s->npk == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 64;
        double *p = realloc(s->pk, nc * sizeof *p);
        if (!p) return od_error(ctx, OD_ENOMEM, "SPOT: out of memory for %zu peaks", nc);
        s->pk = p;
        s->cap = nc;
    }
    s->pk[s->npk++] = y;
    return OD_OK;
}

static void refit(od_spot *s, int mode)
{
    fit_state fs;
    gpd_fit_impl(s->pk, s->npk, s->root, mode, &fs);
    s->fit = fs.best;
    s->root = fs.root;
    s->z = od_spot_quantile(s->t, &s->fit, s->o.q, s->n, s->nt);
}

static double window_mean(const od_spot *s)
{
    double sum = 0;
    for (size_t i = 0; i < s->o.depth; i++) sum += s->win[i];
    return sum / (double)s->o.depth;
}

od_spot *od_spot_new(od_ctx *ctx, const od_spot_opts *o, const double *calib, size_t n, int *err)
{
    int dummy;
    if (!err) err = &dummy;
    od_spot_opts def;
    if (!o) {
        od_spot_opts_default(&def);
        o = &def;
    }
    *err = OD_OK;
    if (!(o->level > 0 && o->level < 1)) {
        *err = od_error(ctx, OD_EINVAL, "level=%g: must be in (0, 1)", o->level);
        return NULL;
    }
    if (!(o->q > 0 && o->q < 1 - o->level)) {
        *err = od_error(ctx, OD_EINVAL, "q=%g: the risk must be in (0, 1 - level) = (0, %g)", o->q, 1 - o->level);
        return NULL;
    }
    od_spot *s = od_calloc(ctx, 1, sizeof *s);
    double *vals = od_mallocn(ctx, n ? n : 1, sizeof *vals);
    if (!s || !vals) {
        free(s);
        free(vals);
        *err = OD_ENOMEM;
        return NULL;
    }
    s->o = *o;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(calib[i])) vals[m++] = calib[i];
    size_t d = o->depth;
    if (m <= d || m == 0) {
        *err = od_error(ctx, OD_EDATA, "%s calibration needs more than %zu scores (have %zu non-NaN)",
                        d ? "DSPOT" : "SPOT", d, m);
        goto fail;
    }
    if (d) { /* DSPOT: the window of the last d values, drift-removed calibration values */
        s->win = od_mallocn(ctx, d, sizeof *s->win);
        if (!s->win) {
            *err = OD_ENOMEM;
            goto fail;
        }
        double *tv = od_mallocn(ctx, m - d, sizeof *tv);
        if (!tv) {
            *err = OD_ENOMEM;
            goto fail;
        }
        for (size_t j = d; j < m; j++) {
            double sum = 0;
            for (size_t i = j - d; i < j; i++) sum += vals[i];
            tv[j - d] = vals[j] - sum / (double)d;
        }
        memcpy(s->win, vals + m - d, d * sizeof *s->win);
        free(vals);
        vals = tv;
        m -= d;
    }
    double *sorted = od_mallocn(ctx, m, sizeof *sorted);
    if (!sorted) {
        *err = OD_ENOMEM;
        goto fail;
    }
    memcpy(sorted, vals, m * sizeof *sorted);
    qsort(sorted, m, sizeof *sorted, od_cmp_double);
    size_t it = (size_t)(o->level * (double)m);
    if (it >= m) it = m - 1;
    s->t = sorted[it];
    free(sorted);
    s->n = m;
    if (o->max_excess) {
        s->pk = od_mallocn(ctx, o->max_excess, sizeof *s->pk);
        if (!s->pk) {
            *err = OD_ENOMEM;
            goto fail;
        }
    }
    for (size_t i = 0; i < m; i++) {
        if (vals[i] > s->t) {
            s->nt++;
            if ((*err = push_peak(ctx, s, vals[i] - s->t))) goto fail;
        }
    }
    if (s->nt == 0) {
        *err = od_error(ctx, OD_EDATA,
                        "%s calibration: no score is above the initial threshold t=%g (level=%g): "
                        "use more calibration scores or a lower level",
                        d ? "DSPOT" : "SPOT", s->t, o->level);
        goto fail;
    }
    free(vals);
    refit(s, FIT_FULL);
    return s;
fail:
    free(vals);
    od_spot_free(s);
    return NULL;
}

void od_spot_free(od_spot *s)
{
    if (!s) return;
    free(s->pk);
    free(s->win);
    free(s);
}

int od_spot_step(od_ctx *ctx, od_spot *s, double x, double *threshold)
{
    double M = s->o.depth ? window_mean(s) : 0;
    if (threshold) *threshold = s->z + M;
    if (isnan(x)) return 0;
    double v = x - M;
    if (v > s->z) {
        s->n_alarms++;
        return 1;
    }
    if (v > s->t) {
        s->nt++;
        s->n++;
        int rc = push_peak(ctx, s, v - s->t);
        if (rc) return rc;
        /* refits follow the previous root (Newton); a full root search after
         * max(64, N_t/8) peaks (deterministic: depends only on the values) */
        size_t every = s->npk / 8 > 64 ? s->npk / 8 : 64;
        int mode = ++s->since_full >= every ? FIT_FULL : s->root != 0 ? FIT_TRACK : FIT_NOROOTS;
        if (mode == FIT_FULL) s->since_full = 0;
        refit(s, mode);
    } else {
        s->n++;
    }
    if (s->o.depth) {
        s->win[s->wpos] = x;
        s->wpos = (s->wpos + 1) % s->o.depth;
    }
    return 0;
}

void od_spot_get_state(const od_spot *s, od_spot_state *st)
{
    st->t = s->t;
    st->z = s->z;
    st->drift = s->o.depth ? window_mean(s) : 0;
    st->fit = s->fit;
    st->n = s->n;
    st->nt = s->nt;
    st->n_alarms = s->n_alarms;
}

int od_threshold_spot(od_ctx *ctx, const double *calib, size_t n_calib, const double *test, size_t n_test,
                      const od_spot_opts *o, od_threshold *th)
{
    od_spot_opts def;
    if (!o) {
        od_spot_opts_default(&def);
        o = &def;
    }
    int err;
    od_spot *s = od_spot_new(ctx, o, calib, n_calib, &err);
    if (!s) return err;
    double *pp = od_mallocn(ctx, n_test ? n_test : 1, sizeof *pp);
    unsigned char *al = od_calloc(ctx, n_test ? n_test : 1, 1);
    if (!pp || !al) {
        free(pp);
        free(al);
        od_spot_free(s);
        return OD_ENOMEM;
    }
    for (size_t i = 0; i < n_test; i++) {
        int r = od_spot_step(ctx, s, test[i], &pp[i]);
        if (r < 0) {
            free(pp);
            free(al);
            od_spot_free(s);
            return r;
        }
        al[i] = (unsigned char)r;
    }
    od_spot_state st;
    od_spot_get_state(s, &st);
    size_t ncal = 0;
    for (size_t i = 0; i < n_calib; i++) ncal += !isnan(calib[i]);
    od_threshold_clear(th);
    snprintf(th->method, sizeof th->method, "%s", o->depth ? "dspot" : "spot");
    if (o->depth)
        snprintf(th->params, sizeof th->params, "q=%g,level=%g,depth=%zu,max_excess=%zu,gamma=%.4g,sigma=%.4g,fit=%s",
                 o->q, o->level, o->depth, o->max_excess, st.fit.gamma, st.fit.sigma, st.fit.method);
    else
        snprintf(th->params, sizeof th->params, "q=%g,level=%g,max_excess=%zu,gamma=%.4g,sigma=%.4g,fit=%s", o->q,
                 o->level, o->max_excess, st.fit.gamma, st.fit.sigma, st.fit.method);
    th->rule = OD_RULE_GT;
    th->value = st.z + st.drift;
    th->n_used = ncal;
    th->n_nan = n_calib - ncal;
    th->per_point = pp;
    th->alarms = al;
    th->n_points = n_test;
    od_spot_free(s);
    return OD_OK;
}
