/* density.c - histograms and Gaussian kernel density estimates, and the
 * score-distribution plot (od_plot_pdf) built on them.
 *
 * Bin counts follow numpy.histogram_bin_edges ('fd', 'sturges') and the
 * binning follows numpy.histogram, so tests can compare counts exactly.
 * The bandwidth is Silverman's rule of thumb, h = 0.9 min(sd, IQR/1.34)
 * n^(-1/5).  The KDE is an exact sum for small inputs and a linearly binned
 * sum (bin width h/16, kernel cut at 8h) for large ones.  Nothing sorts the
 * data (issue 19: 10M scores): quartiles come from selection, the range from
 * one scan, and the binned KDE accumulates the weights on a dense grid of
 * cells; only a range too wide for that grid falls back to a sort. */
#include "config.h"
#include "plot_int.h"
#include "../core/num.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KDE_EXACT_MAX 2000
#define KDE_BINS_PER_H 16
#define KDE_CUT 8.0

/* Copy of the finite values of x, in their order; *m gets their count. */
static double *finite_copy(od_ctx *ctx, const double *x, size_t n, size_t *m)
{
    double *s = od_mallocn(ctx, n ? n : 1, sizeof *s);
    if (!s) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) s[k++] = x[i];
    *m = k;
    return s;
}

/* Rearranges a[0..n) so that a[k] is its k-th smallest value, everything
 * before it <= a[k] and everything after >= a[k] (quickselect with a
 * median-of-3 pivot; a sort when the pivots keep going wrong). */
static void select_kth(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;   /* the k-th smallest lies in [lo, hi) */
    int budget = 2 * 64;
    while (hi - lo > 16) {
        if (budget-- <= 0) {
            qsort(a + lo, hi - lo, sizeof *a, od_cmp_double);
            return;
        }
        double x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi - 1];
        double p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t lt = lo, i = lo, gt = hi;   /* [lo,lt) < p, [lt,i) == p, [gt,hi) > p */
        while (i < gt) {
            double v = a[i];
            if (v < p) { a[i] = a[lt]; a[lt++] = v; i++; }
            else if (v > p) { a[i] = a[--gt]; a[gt] = v; }
            else i++;
        }
        if (k < lt) hi = lt;
        else if (k >= gt) lo = gt;
        else return;
    }
    qsort(a + lo, hi - lo, sizeof *a, od_cmp_double);
}

/* od_quantile_sorted(sorted copy of a, n, p), by selection (a is rearranged). */
static double quantile_select(double *a, size_t n, double p)
{
    double v = (double)(n - 1) * p;
    size_t top = n - 1;
    if (v >= (double)top) {
        double mx = a[0];
        for (size_t i = 1; i < n; i++) mx = a[i] > mx ? a[i] : mx;
        return mx;
    }
    if (!(v >= 0)) {
        double mn = a[0];
        for (size_t i = 1; i < n; i++) mn = a[i] < mn ? a[i] : mn;
        return mn;
    }
    double fl = floor(v);
    size_t lo = (size_t)fl;
    select_kth(a, n, lo);
    if (v == fl) return a[lo];
    double nx = a[lo + 1];
    for (size_t i = lo + 2; i < n; i++) nx = a[i] < nx ? a[i] : nx;
    return od_lerp(a[lo], nx, v - fl);
}

/* What the bin rules and the bandwidth need of a sample: range, quartiles,
 * mean and sd (n - 1), without sorting it (a is rearranged). */
typedef struct {
    size_t m;
    double min, max, q25, q75, sd;
} sample_stats;

static void sample_summary(double *a, size_t m, sample_stats *st)
{
    st->m = m;
    double mn = a[0], mx = a[0], mean = 0;
    for (size_t i = 0; i < m; i++) {
        mn = a[i] < mn ? a[i] : mn;
        mx = a[i] > mx ? a[i] : mx;
        mean += a[i];
    }
    st->min = mn;
    st->max = mx;
    st->sd = 0;
    if (m > 1) {
        mean /= (double)m;
        double ss = 0;
        for (size_t i = 0; i < m; i++) ss += (a[i] - mean) * (a[i] - mean);
        st->sd = sqrt(ss / (double)(m - 1));
    }
    st->q25 = quantile_select(a, m, 0.25);
    st->q75 = quantile_select(a, m, 0.75);
}

static size_t bins_from_width(double range, double width)
{
    if (!(width > 0) || !(range > 0)) return 1;
    double b = ceil(range / width);
    if (!(b >= 1)) return 1;
    if (b > OD_PLOT_MAXBINS) return OD_PLOT_MAXBINS;
    return (size_t)b;
}

static size_t bins_of(const sample_stats *st, od_plot_bin_rule rule)
{
    double range = st->max - st->min;
    size_t m = st->m;
    if (!(range > 0)) return 1;
    if (rule == OD_PLOT_BINS_FD) {
        double iqr = st->q75 - st->q25;
        if (iqr > 0) return bins_from_width(range, 2.0 * iqr * pow((double)m, -1.0 / 3.0));
    }
    return bins_from_width(range, range / (log2((double)m) + 1.0));
}

int od_plot_hist_bins(od_ctx *ctx, const double *x, size_t n, od_plot_bin_rule rule, size_t *nbins)
{
    if (rule != OD_PLOT_BINS_FD && rule != OD_PLOT_BINS_STURGES)
        return od_error(ctx, OD_EINVAL, "histogram: unknown bin rule %d", (int)rule);
    size_t m;
    double *s = finite_copy(ctx, x, n, &m);
    if (!s) return OD_ENOMEM;
    if (m == 0) {
        free(s);
        return od_error(ctx, OD_EDATA, "histogram: no finite value");
    }
    sample_stats st;
    sample_summary(s, m, &st);
    *nbins = bins_of(&st, rule);
    free(s);
    return 0;
}

/* numpy.histogram's binning of one value: edges are lo + i*step with the
 * last edge exactly hi; -1 when outside [lo, hi]. */
static long bin_of(double v, double lo, double hi, size_t nb, double step)
{
    if (!(v >= lo && v <= hi)) return -1;
    double f = (v - lo) / (hi - lo) * (double)nb;
    long i = (long)f;
    if (i >= (long)nb) i = (long)nb - 1;
    if (i < 0) i = 0;
    double e0 = lo + (double)i * step;
    double e1 = (size_t)i + 1 == nb ? hi : lo + (double)(i + 1) * step;
    if (v < e0) i--;
    else if (v >= e1 && (size_t)i != nb - 1) i++;
    return i;
}

int od_plot_hist_counts(od_ctx *ctx, const double *x, size_t n, double lo, double hi,
                        size_t nbins, double *counts)
{
    if (nbins == 0) return od_error(ctx, OD_EINVAL, "histogram: no bins");
    if (!(isfinite(lo) && isfinite(hi) && hi > lo))
        return od_error(ctx, OD_EINVAL, "histogram: range [%g, %g] is empty", lo, hi);
    memset(counts, 0, nbins * sizeof *counts);
    double step = (hi - lo) / (double)nbins;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) continue;
        long b = bin_of(x[i], lo, hi, nbins, step);
        if (b >= 0) counts[b] += 1;
    }
    return 0;
}

static double bandwidth_of(const sample_stats *st)
{
    double sd = st->sd;
    double iqr = (st->q75 - st->q25) / 1.34;
    double a = sd < iqr ? sd : iqr;
    if (!(a > 0)) a = sd > iqr ? sd : iqr;
    if (!(a > 0)) {
        double ax = fabs(st->min);
        return 1e-3 * (ax > 1 ? ax : 1);
    }
    return 0.9 * a * pow((double)st->m, -0.2);
}

int od_plot_bandwidth(od_ctx *ctx, const double *x, size_t n, double *h)
{
    size_t m;
    double *s = finite_copy(ctx, x, n, &m);
    if (!s) return OD_ENOMEM;
    if (m == 0) {
        free(s);
        return od_error(ctx, OD_EDATA, "kde: no finite value");
    }
    sample_stats st;
    sample_summary(s, m, &st);
    *h = bandwidth_of(&st);
    free(s);
    return 0;
}

/* KDE of sorted finite values s[0..m) into dens (m > 0, h > 0). */
static int kde_sorted(od_ctx *ctx, const double *s, size_t m, double h, const double *grid,
                      size_t ng, double *dens)
{
    const double norm = 1.0 / ((double)m * h * sqrt(2.0 * M_PI));
    double delta = h / KDE_BINS_PER_H;
    if (m <= KDE_EXACT_MAX || (s[m - 1] - s[0]) / delta > 1e12) {
        for (size_t j = 0; j < ng; j++) {
            double g = grid[j], acc = 0;
            for (size_t i = 0; i < m; i++) {
                double u = (g - s[i]) / h;
                acc += exp(-0.5 * u * u);
            }
            dens[j] = acc * norm;
        }
        return 0;
    }
    /* linear binning onto the occupied cells of a grid of spacing delta
     * starting at s[0]; keys are non-decreasing because s is sorted */
    long long *key = od_mallocn(ctx, 2 * m, sizeof *key);
    double *wt = od_mallocn(ctx, 2 * m, sizeof *wt);
    if (!key || !wt) {
        free(key);
        free(wt);
        return OD_ENOMEM;
    }
    size_t nk = 0;
    for (size_t i = 0; i < m; i++) {
        double pos = (s[i] - s[0]) / delta;
        long long k = (long long)floor(pos);
        double f = pos - (double)k;
        for (int side = 0; side < 2; side++) {
            long long kk = k + side;
            double ww = side ? f : 1 - f;
            if (nk > 0 && key[nk - 1] == kk) wt[nk - 1] += ww;
            else if (nk > 1 && key[nk - 2] == kk) wt[nk - 2] += ww;
            else {
                key[nk] = kk;
                wt[nk] = ww;
                nk++;
            }
        }
    }
    const double reach = KDE_CUT * KDE_BINS_PER_H;
    for (size_t j = 0; j < ng; j++) {
        double pg = (grid[j] - s[0]) / delta;
        double kmin = ceil(pg - reach);
        /* first key >= kmin */
        size_t a = 0, b = nk;
        while (a < b) {
            size_t mid = a + (b - a) / 2;
            if ((double)key[mid] < kmin) a = mid + 1;
            else b = mid;
        }
        double acc = 0;
        for (size_t i = a; i < nk && (double)key[i] <= pg + reach; i++) {
            double u = (pg - (double)key[i]) / KDE_BINS_PER_H;
            acc += wt[i] * exp(-0.5 * u * u);
        }
        dens[j] = acc * norm;
    }
    free(key);
    free(wt);
    return 0;
}

#define KDE_DENSE_MAX ((size_t)1 << 22)   /* cells of the dense grid (32 MB of weights) */

/* KDE of the finite values s[0..m) in any order (m > 0, h > 0): the exact
 * sum for small samples, else the same linear binning as kde_sorted (cells
 * of width h/16 from the minimum, the same weights and the same kernel cut)
 * accumulated on a dense array of cells, so that no sort is needed; a range
 * too wide for KDE_DENSE_MAX cells is sorted and binned sparsely.  s may be
 * sorted in place. */
static int kde_any(od_ctx *ctx, double *s, size_t m, double h, const double *grid, size_t ng, double *dens)
{
    double mn = s[0], mx = s[0];
    for (size_t i = 1; i < m; i++) {
        mn = s[i] < mn ? s[i] : mn;
        mx = s[i] > mx ? s[i] : mx;
    }
    double delta = h / KDE_BINS_PER_H, cells = (mx - mn) / delta + 2;
    if (m <= KDE_EXACT_MAX || !(cells <= (double)KDE_DENSE_MAX)) {
        if (m > KDE_EXACT_MAX) qsort(s, m, sizeof *s, od_cmp_double);
        return kde_sorted(ctx, s, m, h, grid, ng, dens);
    }
    size_t nc = (size_t)cells + 1;
    double *wt = od_calloc(ctx, nc, sizeof *wt);
    if (!wt) return OD_ENOMEM;
    for (size_t i = 0; i < m; i++) {
        double pos = (s[i] - mn) / delta;
        size_t k = (size_t)floor(pos);
        double f = pos - (double)k;
        wt[k] += 1 - f;
        wt[k + 1] += f;
    }
    const double norm = 1.0 / ((double)m * h * sqrt(2.0 * M_PI));
    const double reach = KDE_CUT * KDE_BINS_PER_H;
    for (size_t j = 0; j < ng; j++) {
        double pg = (grid[j] - mn) / delta;
        double k0 = ceil(pg - reach), k1 = floor(pg + reach);
        if (k0 < 0) k0 = 0;
        if (k1 > (double)(nc - 1)) k1 = (double)(nc - 1);
        double acc = 0;
        for (double kk = k0; kk <= k1; kk++) {
            double w = wt[(size_t)kk];
            if (w == 0) continue;
            double u = (pg - kk) / KDE_BINS_PER_H;
            acc += w * exp(-0.5 * u * u);
        }
        dens[j] = acc * norm;
    }
    free(wt);
    return 0;
}

int od_plot_kde(od_ctx *ctx, const double *x, size_t n, double h, const double *grid, size_t m,
                double *dens)
{
    if (!(h > 0) || !isfinite(h)) return od_error(ctx, OD_EINVAL, "kde: bandwidth h=%g is not positive", h);
    size_t k;
    double *s = finite_copy(ctx, x, n, &k);
    if (!s) return OD_ENOMEM;
    if (k == 0) {
        free(s);
        return od_error(ctx, OD_EDATA, "kde: no finite value");
    }
    int rc = kde_any(ctx, s, k, h, grid, m, dens);
    free(s);
    return rc;
}

/* ------------------------------------------------------------------ pdf plot */

/* Interpolate the curve (gx, gy) at x (gx increasing, x inside). */
static double interp(const double *gx, const double *gy, size_t m, double x)
{
    if (x <= gx[0]) return gy[0];
    for (size_t j = 1; j < m; j++)
        if (x <= gx[j]) {
            double t = (x - gx[j - 1]) / (gx[j] - gx[j - 1]);
            return gy[j - 1] + t * (gy[j] - gy[j - 1]);
        }
    return gy[m - 1];
}

/* What the score-distribution plot is drawn from: the finite scores by class
 * (one class when unlabelled) and all together, sorted; the histogram counts
 * (nb bins over [lo, hi], per class); the KDE grid gx with the densities gy
 * and bandwidths h per class; false positives and negatives at thr.  The
 * score arrays are in no particular order (selection rearranges them).
 * logx: the arrays hold log10 of the scores > 0 (nonpos: the ones left
 * out), thr is log10 of the threshold thr0 (has_thr: only when thr0 > 0). */
typedef struct {
    int labelled, ncls, has_thr, logx;
    double thr, thr0;
    size_t nonpos;
    double *cls[2], *all;
    size_t ncl[2], nall;
    double lo, hi, *counts;
    size_t nb;
    double h[2], *gx, *gy[2];
    size_t ng;
    size_t fp, fn;
} pdf_parts;

static void pdf_parts_free(pdf_parts *P)
{
    for (int c = 0; c < 2; c++) {
        free(P->cls[c]);
        free(P->gy[c]);
    }
    free(P->all);
    free(P->counts);
    free(P->gx);
}

/* Row i is drawn (finite score, label 0 or 1 when labelled); *c its class. */
static int pdf_row(const od_plot_pdf_data *d, size_t i, int *c)
{
    *c = 0;
    if (!isfinite(d->score[i])) return 0;
    if (d->label) {
        if (d->label[i] != 0 && d->label[i] != 1) return 0;
        *c = d->label[i];
    }
    return 1;
}

size_t od_plot_pdf_nonpositive(const od_plot_pdf_data *d)
{
    size_t k = 0;
    int c;
    for (size_t i = 0; d && d->score && i < d->n; i++) k += pdf_row(d, i, &c) && d->score[i] <= 0;
    return k;
}

/* rows by class: finite scores only (> 0 for logx), other labels skipped */
static int pdf_split(od_ctx *ctx, const od_plot_pdf_data *d, pdf_parts *P)
{
    size_t n = d->n;
    for (int c = 0; c < P->ncls; c++)
        if (!(P->cls[c] = od_mallocn(ctx, n, sizeof(double)))) return OD_ENOMEM;
    if (!(P->all = od_mallocn(ctx, n, sizeof *P->all))) return OD_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        double v = d->score[i];
        int c;
        if (!pdf_row(d, i, &c)) continue;
        if (P->logx && v <= 0) {
            P->nonpos++;
            continue;
        }
        /* counted on the scores themselves: the rule is score >= threshold */
        if (P->has_thr && P->labelled) {
            if (c == 0 && v >= P->thr0) P->fp++;
            if (c == 1 && v < P->thr0) P->fn++;
        }
        if (P->logx) v = log10(v);
        P->cls[c][P->ncl[c]++] = v;
        P->all[P->nall++] = v;
    }
    if (P->nall == 0 && P->nonpos)
        return od_error(ctx, OD_EDATA, "plot pdf: log=x: no score is > 0 (all %zu are <= 0), a log axis cannot show them (use log=none)",
                        P->nonpos);
    if (P->nall == 0)
        return od_error(ctx, OD_EDATA, "plot pdf: no %sfinite score", P->labelled ? "labelled row with a " : "");
    return OD_OK;
}

/* the histogram over all rows, then the KDE grid over the data +- 3
 * bandwidths, stretched to hold the threshold */
static int pdf_density(od_ctx *ctx, const od_plot_pdf_data *d, pdf_parts *P)
{
    int rc;
    sample_stats all, sc[2];
    /* the three summaries (all rows, each class) are independent: side by
     * side on two threads, each the same computation as alone */
    #pragma omp parallel for schedule(dynamic, 1)
    for (int t = 0; t <= P->ncls; t++) {
        if (t == 0) sample_summary(P->all, P->nall, &all);
        else if (P->ncl[t - 1]) sample_summary(P->cls[t - 1], P->ncl[t - 1], &sc[t - 1]);
    }
    P->lo = all.min;
    P->hi = all.max;
    if (!(P->hi > P->lo)) { P->lo -= 0.5; P->hi += 0.5; }
    P->nb = d->bins > 0 ? (size_t)d->bins : bins_of(&all, d->rule);
    if (!(P->counts = od_mallocn(ctx, P->nb * 2, sizeof *P->counts))) return OD_ENOMEM;
    for (int c = 0; c < P->ncls; c++)
        if ((rc = od_plot_hist_counts(ctx, P->cls[c], P->ncl[c], P->lo, P->hi, P->nb, P->counts + (size_t)c * P->nb)))
            return rc;

    double hmax = 0;
    for (int c = 0; c < P->ncls; c++)
        if (P->ncl[c]) {
            P->h[c] = bandwidth_of(&sc[c]);
            if (P->h[c] > hmax) hmax = P->h[c];
        }
    double g0 = all.min - 3 * hmax, g1 = all.max + 3 * hmax;
    if (P->has_thr) {
        double pad = 0.05 * (g1 - g0);
        if (P->thr <= g0) g0 = P->thr - pad;
        if (P->thr >= g1) g1 = P->thr + pad;
    }
    size_t ng = P->ng;
    if (!(P->gx = od_mallocn(ctx, ng, sizeof *P->gx))) return OD_ENOMEM;
    for (size_t j = 0; j < ng; j++) P->gx[j] = g0 + (g1 - g0) * (double)j / (double)(ng - 1);
    P->gx[ng - 1] = g1;
    for (int c = 0; c < P->ncls; c++) {
        if (!(P->gy[c] = od_mallocn(ctx, ng, sizeof(double)))) return OD_ENOMEM;
        if (P->ncl[c]) {
            if ((rc = kde_any(ctx, P->cls[c], P->ncl[c], P->h[c], P->gx, ng, P->gy[c]))) return rc;
        } else {
            for (size_t j = 0; j < ng; j++) P->gy[c][j] = NAN;
        }
    }
    return OD_OK;
}

static void xy_line(od_plotw *w, double x, double y)
{
    od_plotw_num(w, x);
    od_plotw_printf(w, " ");
    od_plotw_num(w, y);
    od_plotw_printf(w, "\n");
}

/* $hist (centre, width, density per class), $kde (x, density per class) and,
 * with labels and a threshold, $fp / $fn: the normal density right of the
 * threshold, the anomalous density left of it */
static void pdf_blocks(od_plotw *w, const pdf_parts *P, int shade)
{
    size_t nb = P->nb, ng = P->ng;
    double lo = P->lo, hi = P->hi, thr = P->thr, width = (hi - lo) / (double)nb;
    od_plotw_printf(w, "$hist << EOD\n");
    for (size_t b = 0; b < nb; b++) {
        double e0 = lo + (double)b * width, e1 = b + 1 == nb ? hi : lo + (double)(b + 1) * width;
        od_plotw_num(w, 0.5 * (e0 + e1));
        od_plotw_printf(w, " ");
        od_plotw_num(w, e1 - e0);
        for (int c = 0; c < P->ncls; c++) {
            od_plotw_printf(w, " ");
            od_plotw_num(w, P->ncl[c] ? P->counts[(size_t)c * nb + b] / ((double)P->ncl[c] * (e1 - e0)) : NAN);
        }
        od_plotw_printf(w, "\n");
    }
    od_plotw_printf(w, "EOD\n$kde << EOD\n");
    for (size_t j = 0; j < ng; j++) {
        od_plotw_num(w, P->gx[j]);
        for (int c = 0; c < P->ncls; c++) {
            od_plotw_printf(w, " ");
            od_plotw_num(w, P->gy[c][j]);
        }
        od_plotw_printf(w, "\n");
    }
    od_plotw_printf(w, "EOD\n");
    if (!shade) return;
    od_plotw_printf(w, "$fp << EOD\n");
    if (P->ncl[0]) {
        xy_line(w, thr, interp(P->gx, P->gy[0], ng, thr));
        for (size_t j = 0; j < ng; j++)
            if (P->gx[j] > thr) xy_line(w, P->gx[j], P->gy[0][j]);
    }
    od_plotw_printf(w, "EOD\n$fn << EOD\n");
    if (P->ncl[1]) {
        for (size_t j = 0; j < ng; j++)
            if (P->gx[j] < thr) xy_line(w, P->gx[j], P->gy[1][j]);
        xy_line(w, thr, interp(P->gx, P->gy[1], ng, thr));
    }
    od_plotw_printf(w, "EOD\n");
}

static void pdf_plot_cmd(od_plotw *w, const pdf_parts *P, int shade)
{
    const char *sep = "";
    od_plotw_printf(w, "plot ");
    if (!P->labelled) {
        od_plotw_printf(w, "$hist using 1:3:2 with boxes lc rgb " OD_PLOTW_NORMAL " title ");
        od_plotw_quotef(w, "histogram (n=%zu)", P->ncl[0]);
        od_plotw_printf(w, ", \\\n     $kde using 1:2 with lines lw 2 lc rgb " OD_PLOTW_NORMAL " title 'density'\n");
        return;
    }
    static const char *const name[2] = { "normal", "anomalous" };
    static const char *const col[2] = { OD_PLOTW_NORMAL, OD_PLOTW_ANOMAL };
    for (int c = 0; c < 2; c++) {
        if (!P->ncl[c]) continue;
        od_plotw_printf(w, "%s$hist using 1:%d:2 with boxes lc rgb %s title ", sep, 3 + c, col[c]);
        od_plotw_quotef(w, "%s (n=%zu)", name[c], P->ncl[c]);
        sep = ", \\\n     ";
    }
    if (shade && P->ncl[0]) {
        od_plotw_printf(w, "%s$fp using 1:2 with filledcurves y=0 fs transparent solid 0.5 lc rgb '#ff7f0e' title ", sep);
        od_plotw_quotef(w, "false positives: %zu of %zu normal", P->fp, P->ncl[0]);
    }
    if (shade && P->ncl[1]) {
        od_plotw_printf(w, "%s$fn using 1:2 with filledcurves y=0 fs transparent solid 0.5 lc rgb '#9467bd' title ", sep);
        od_plotw_quotef(w, "false negatives: %zu of %zu anomalous", P->fn, P->ncl[1]);
    }
    for (int c = 0; c < 2; c++) {
        if (!P->ncl[c]) continue;
        od_plotw_printf(w, "%s$kde using 1:%d with lines lw 2 lc rgb %s title '%s density'", sep, 2 + c, col[c],
                        name[c]);
    }
    od_plotw_printf(w, "\n");
}

/* log=x: one x tic, at log10 of a score value, labelled with that value
 * (minor: no label); *sep is "" for the first. */
static void log_tic(od_plotw *w, const char **sep, const char *label, double pos, int minor)
{
    od_plotw_printf(w, "%s'%s' %.10g%s", *sep, label, pos, minor ? " 1" : "");
    *sep = ", ";
}

/* m x 10^e as a tic label: 0.002, 50, 1e-5, 2e6 */
static void log_label(char *buf, size_t size, int m, int e)
{
    if (e >= -3 && e <= 4) snprintf(buf, size, "%.6g", m * pow(10, e));
    else snprintf(buf, size, "%de%d", m, e);
}

/* Tics at m x 10^e for the mantissas m in `ms` (a bit set over 1..9) within
 * [g0, g1]: their count, written as major tics when w is not NULL. */
static int log_mantissa_tics(od_plotw *w, const char **sep, double g0, double g1, unsigned ms, int minor)
{
    int k = 0;
    for (int e = (int)floor(g0); e <= (int)floor(g1); e++)
        for (int m = 1; m <= 9; m++) {
            double pos = e + log10((double)m);
            if (!(ms >> m & 1) || pos < g0 - 1e-9 || pos > g1 + 1e-9) continue;
            k++;
            if (!w) continue;
            char lab[32] = "";
            if (!minor) log_label(lab, sizeof lab, m, e);
            log_tic(w, sep, lab, pos, minor);
        }
    return k;
}

/* log=x: `set xtics (...)` over [g0, g1] (log10 of scores), at most maxt
 * labelled: every decade (or every k-th when there are many), else 1-2-5,
 * else 1..9 times a power of 10, else plain round steps over a narrow range;
 * unlabelled minor tics at the other 1..9 multiples when they are not
 * crowded. */
static void pdf_log_tics(od_plotw *w, double g0, double g1, int maxt)
{
    const char *sep = "";
    int e0 = (int)ceil(g0 - 1e-9), e1 = (int)floor(g1 + 1e-9), ndec = e1 - e0 + 1;
    const unsigned ONE = 1u << 1, OTO5 = ONE | 1u << 2 | 1u << 5, ALL = 0x3FEu;
    int n125, n19;   /* how many 1-2-5 and 1..9 tics the range holds */
    od_plotw_printf(w, "set xtics (");
    if (ndec >= 3) {
        static const int nice[] = { 1, 2, 3, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500 };
        int step = (ndec + maxt - 1) / maxt;
        for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
            if (nice[i] >= step) { step = nice[i]; break; }
        for (int e = e0; e <= e1; e++) {
            if (((e % step) + step) % step) continue;
            char lab[32];
            log_label(lab, sizeof lab, 1, e);
            log_tic(w, &sep, lab, e, 0);
        }
        if (step == 1 && ndec <= 12) log_mantissa_tics(w, &sep, g0, g1, ALL & ~ONE, 1);
    } else if ((n125 = log_mantissa_tics(NULL, NULL, g0, g1, OTO5, 0)) >= 3 && n125 <= maxt) {
        log_mantissa_tics(w, &sep, g0, g1, OTO5, 0);
        log_mantissa_tics(w, &sep, g0, g1, ALL & ~OTO5, 1);
    } else if (ndec == 2) {
        log_mantissa_tics(w, &sep, g0, g1, ONE, 0);
        log_mantissa_tics(w, &sep, g0, g1, ALL & ~ONE, 1);
    } else if ((n19 = log_mantissa_tics(NULL, NULL, g0, g1, ALL, 0)) >= 3 && n19 <= maxt) {
        log_mantissa_tics(w, &sep, g0, g1, ALL, 0);
    } else if (!(pow(10, g1) - pow(10, g0) > 0) || !isfinite(pow(10, g1))) {
        log_mantissa_tics(w, &sep, g0, g1, ALL, 0);   /* beyond the doubles: what fits */
    } else {
        /* a narrow range: round steps of 1, 2 or 5 x 10^k in score units */
        double a = pow(10, g0), b = pow(10, g1), raw = (b - a) / 5, p = pow(10, floor(log10(raw))), step = p;
        if (step < raw) step = 2 * p;
        if (step < raw) step = 5 * p;
        if (step < raw) step = 10 * p;
        for (double i = ceil(a / step); i * step <= b && i - ceil(a / step) < 50; i++) {
            double v = i * step;
            if (!(v > 0)) continue;
            char lab[32];
            snprintf(lab, sizeof lab, "%.6g", v);
            log_tic(w, &sep, lab, log10(v), 0);
        }
    }
    od_plotw_printf(w, ")\n");
}

int od_plot_pdf(od_ctx *ctx, od_out *out, const od_plot_opts *o, const od_plot_pdf_data *d)
{
    if (!d || d->n == 0 || !d->score) return od_error(ctx, OD_EINVAL, "plot pdf: no scores");
    if (d->bins < 0 || d->bins > OD_PLOT_MAXBINS)
        return od_error(ctx, OD_EINVAL, "plot pdf: bins=%d is outside 0..%d", d->bins, OD_PLOT_MAXBINS);
    if (d->rule != OD_PLOT_BINS_FD && d->rule != OD_PLOT_BINS_STURGES)
        return od_error(ctx, OD_EINVAL, "plot pdf: unknown bin rule %d", (int)d->rule);
    if (d->grid < 0 || d->grid == 1 || d->grid > 10000)
        return od_error(ctx, OD_EINVAL, "plot pdf: grid=%d is outside 2..10000", d->grid);
    int logx = d->logx != 0;
    pdf_parts P = { .labelled = d->label != NULL, .ncls = d->label ? 2 : 1, .logx = logx, .thr0 = d->threshold,
                    .thr = logx ? log10(d->threshold) : d->threshold,
                    .has_thr = isfinite(d->threshold) && (!logx || d->threshold > 0), .ng = d->grid ? (size_t)d->grid : 256 };
    if (logx && isfinite(d->threshold) && d->threshold <= 0)
        od_warn(ctx, "plot pdf: log=x: the threshold %.4g is <= 0 and not drawn (every score shown is above it)", d->threshold);
    int rc = pdf_split(ctx, d, &P);
    if (!rc) rc = pdf_density(ctx, d, &P);
    if (rc) goto done;

    od_plotw w = { out, 0 };
    const char *xl = d->name && *d->name ? d->name : "score";
    char xlog[160];
    if (logx) snprintf(xlog, sizeof xlog, "%.140s (log scale)", xl);
    if ((rc = od_plotw_begin(ctx, &w, o, "pdf", "Score distribution", logx ? xlog : xl,
                             logx ? "density per decade" : "density")))
        goto done;
    od_plotw_printf(&w, "set key below\nset yrange [0:*]\nset style fill transparent solid 0.25 noborder\n");
    if (logx) {
        /* the data are log10(score); the tics name the scores */
        int wd = od_plotw_width(o), maxt = o->term == OD_PLOT_TERM_DUMB ? wd / 10 : wd / 90;
        od_plotw_printf(&w, "# log=x: densities of log10(score); %zu score%s <= 0 left out\nset autoscale xfix\n",
                        P.nonpos, P.nonpos == 1 ? "" : "s");
        pdf_log_tics(&w, P.gx[0], P.gx[P.ng - 1], maxt < 3 ? 3 : maxt > 12 ? 12 : maxt);
    }
    if (P.has_thr) {
        od_plotw_printf(&w, "set arrow 1 from first %.10g, graph 0 to first %.10g, graph 1 nohead dt 2 lw 2 lc rgb "
                        OD_PLOTW_DARK "\nset label 1 ", P.thr, P.thr);
        od_plotw_quotef(&w, "threshold=%.4g", P.thr0);
        od_plotw_printf(&w, " at first %.10g, graph 0.97 left offset character 1,0 noenhanced\n", P.thr);
    }
    od_plotw_printf(&w, "# bins: %zu (%s), bandwidth:", P.nb,
                    d->bins > 0 ? "given" : d->rule == OD_PLOT_BINS_FD ? "Freedman-Diaconis" : "Sturges");
    for (int c = 0; c < P.ncls; c++) {
        od_plotw_printf(&w, " ");
        od_plotw_num(&w, P.h[c]);
    }
    od_plotw_printf(&w, " (Silverman)\n");
    int shade = P.has_thr && P.labelled;
    pdf_blocks(&w, &P, shade);
    pdf_plot_cmd(&w, &P, shade);
    rc = od_plotw_end(ctx, &w, o);
done:
    pdf_parts_free(&P);
    return rc;
}
