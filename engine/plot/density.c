/* density.c - histograms and Gaussian kernel density estimates, and the
 * score-distribution plot (od_plot_pdf) built on them.
 *
 * Bin counts follow numpy.histogram_bin_edges ('fd', 'sturges') and the
 * binning follows numpy.histogram, so tests can compare counts exactly.
 * The bandwidth is Silverman's rule of thumb, h = 0.9 min(sd, IQR/1.34)
 * n^(-1/5).  The KDE is an exact sum for small inputs and a linearly binned
 * sum (bin width h/16, kernel cut at 8h) for large ones. */
#include "config.h"
#include "plot_int.h"
#include "../core/num.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KDE_EXACT_MAX 2000
#define KDE_BINS_PER_H 16
#define KDE_CUT 8.0

/* Sorted copy of the finite values of x; *m gets their count. */
static double *finite_sorted(od_ctx *ctx, const double *x, size_t n, size_t *m)
{
    double *s = od_mallocn(ctx, n ? n : 1, sizeof *s);
    if (!s) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) s[k++] = x[i];
    qsort(s, k, sizeof *s, od_cmp_double);
    *m = k;
    return s;
}

static size_t bins_from_width(double range, double width)
{
    if (!(width > 0) || !(range > 0)) return 1;
    double b = ceil(range / width);
    if (!(b >= 1)) return 1;
    if (b > OD_PLOT_MAXBINS) return OD_PLOT_MAXBINS;
    return (size_t)b;
}

static size_t bins_sorted(const double *s, size_t m, od_plot_bin_rule rule)
{
    double range = s[m - 1] - s[0];
    if (!(range > 0)) return 1;
    if (rule == OD_PLOT_BINS_FD) {
        double iqr = od_quantile_sorted(s, m, 0.75) - od_quantile_sorted(s, m, 0.25);
        if (iqr > 0) return bins_from_width(range, 2.0 * iqr * pow((double)m, -1.0 / 3.0));
    }
    return bins_from_width(range, range / (log2((double)m) + 1.0));
}

int od_plot_hist_bins(od_ctx *ctx, const double *x, size_t n, od_plot_bin_rule rule, size_t *nbins)
{
    if (rule != OD_PLOT_BINS_FD && rule != OD_PLOT_BINS_STURGES)
        return od_error(ctx, OD_EINVAL, "histogram: unknown bin rule %d", (int)rule);
    size_t m;
    double *s = finite_sorted(ctx, x, n, &m);
    if (!s) return OD_ENOMEM;
    if (m == 0) {
        free(s);
        return od_error(ctx, OD_EDATA, "histogram: no finite value");
    }
    *nbins = bins_sorted(s, m, rule);
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

static double bandwidth_sorted(const double *s, size_t m)
{
    double sd = 0;
    if (m > 1) {
        double mean = 0;
        for (size_t i = 0; i < m; i++) mean += s[i];
        mean /= (double)m;
        double ss = 0;
        for (size_t i = 0; i < m; i++) ss += (s[i] - mean) * (s[i] - mean);
        sd = sqrt(ss / (double)(m - 1));
    }
    double iqr = (od_quantile_sorted(s, m, 0.75) - od_quantile_sorted(s, m, 0.25)) / 1.34;
    double a = sd < iqr ? sd : iqr;
    if (!(a > 0)) a = sd > iqr ? sd : iqr;
    if (!(a > 0)) {
        double ax = fabs(s[0]);
        return 1e-3 * (ax > 1 ? ax : 1);
    }
    return 0.9 * a * pow((double)m, -0.2);
}

int od_plot_bandwidth(od_ctx *ctx, const double *x, size_t n, double *h)
{
    size_t m;
    double *s = finite_sorted(ctx, x, n, &m);
    if (!s) return OD_ENOMEM;
    if (m == 0) {
        free(s);
        return od_error(ctx, OD_EDATA, "kde: no finite value");
    }
    *h = bandwidth_sorted(s, m);
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

int od_plot_kde(od_ctx *ctx, const double *x, size_t n, double h, const double *grid, size_t m,
                double *dens)
{
    if (!(h > 0) || !isfinite(h)) return od_error(ctx, OD_EINVAL, "kde: bandwidth h=%g is not positive", h);
    size_t k;
    double *s = finite_sorted(ctx, x, n, &k);
    if (!s) return OD_ENOMEM;
    if (k == 0) {
        free(s);
        return od_error(ctx, OD_EDATA, "kde: no finite value");
    }
    int rc = kde_sorted(ctx, s, k, h, grid, m, dens);
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

int od_plot_pdf(od_ctx *ctx, od_out *out, const od_plot_opts *o, const od_plot_pdf_data *d)
{
    if (!d || d->n == 0 || !d->score) return od_error(ctx, OD_EINVAL, "plot pdf: no scores");
    if (d->bins < 0 || d->bins > OD_PLOT_MAXBINS)
        return od_error(ctx, OD_EINVAL, "plot pdf: bins=%d is outside 0..%d", d->bins, OD_PLOT_MAXBINS);
    if (d->rule != OD_PLOT_BINS_FD && d->rule != OD_PLOT_BINS_STURGES)
        return od_error(ctx, OD_EINVAL, "plot pdf: unknown bin rule %d", (int)d->rule);
    if (d->grid < 0 || d->grid == 1 || d->grid > 10000)
        return od_error(ctx, OD_EINVAL, "plot pdf: grid=%d is outside 2..10000", d->grid);
    size_t n = d->n, ng = d->grid ? (size_t)d->grid : 256;
    int labelled = d->label != NULL, ncls = labelled ? 2 : 1;
    double thr = d->threshold;
    int has_thr = isfinite(thr);
    int rc = 0;

    double *cls[2] = { NULL, NULL }, *all = NULL, *counts = NULL, *gx = NULL, *gy[2] = { NULL, NULL };
    size_t ncl[2] = { 0, 0 }, nall = 0, nb = 0;
    double h[2] = { 0, 0 };
    size_t fp = 0, fn = 0;

    /* rows by class: finite scores only, other labels skipped */
    for (int c = 0; c < ncls; c++) {
        cls[c] = od_mallocn(ctx, n, sizeof(double));
        if (!cls[c]) { rc = OD_ENOMEM; goto done; }
    }
    all = od_mallocn(ctx, n, sizeof *all);
    if (!all) { rc = OD_ENOMEM; goto done; }
    for (size_t i = 0; i < n; i++) {
        double v = d->score[i];
        if (!isfinite(v)) continue;
        int c = 0;
        if (labelled) {
            if (d->label[i] != 0 && d->label[i] != 1) continue;
            c = d->label[i];
        }
        cls[c][ncl[c]++] = v;
        all[nall++] = v;
        if (has_thr && labelled) {
            if (c == 0 && v >= thr) fp++;
            if (c == 1 && v < thr) fn++;
        }
    }
    if (nall == 0) {
        rc = od_error(ctx, OD_EDATA, "plot pdf: no %sfinite score", labelled ? "labelled row with a " : "");
        goto done;
    }
    qsort(all, nall, sizeof *all, od_cmp_double);
    for (int c = 0; c < ncls; c++) qsort(cls[c], ncl[c], sizeof(double), od_cmp_double);

    /* histogram over all rows */
    double lo = all[0], hi = all[nall - 1];
    if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
    nb = d->bins > 0 ? (size_t)d->bins : bins_sorted(all, nall, d->rule);
    counts = od_mallocn(ctx, nb * 2, sizeof *counts);
    if (!counts) { rc = OD_ENOMEM; goto done; }
    for (int c = 0; c < ncls; c++)
        if ((rc = od_plot_hist_counts(ctx, cls[c], ncl[c], lo, hi, nb, counts + (size_t)c * nb))) goto done;

    /* KDE grid over the data +- 3 bandwidths, stretched to hold the threshold */
    double hmax = 0;
    for (int c = 0; c < ncls; c++)
        if (ncl[c]) {
            h[c] = bandwidth_sorted(cls[c], ncl[c]);
            if (h[c] > hmax) hmax = h[c];
        }
    double g0 = all[0] - 3 * hmax, g1 = all[nall - 1] + 3 * hmax;
    if (has_thr) {
        double pad = 0.05 * (g1 - g0);
        if (thr <= g0) g0 = thr - pad;
        if (thr >= g1) g1 = thr + pad;
    }
    gx = od_mallocn(ctx, ng, sizeof *gx);
    if (!gx) { rc = OD_ENOMEM; goto done; }
    for (size_t j = 0; j < ng; j++) gx[j] = g0 + (g1 - g0) * (double)j / (double)(ng - 1);
    gx[ng - 1] = g1;
    for (int c = 0; c < ncls; c++) {
        gy[c] = od_mallocn(ctx, ng, sizeof(double));
        if (!gy[c]) { rc = OD_ENOMEM; goto done; }
        if (ncl[c]) {
            if ((rc = kde_sorted(ctx, cls[c], ncl[c], h[c], gx, ng, gy[c]))) goto done;
        } else {
            for (size_t j = 0; j < ng; j++) gy[c][j] = NAN;
        }
    }

    od_plotw w = { out, 0 };
    const char *xl = d->name && *d->name ? d->name : "score";
    if ((rc = od_plotw_begin(ctx, &w, o, "pdf", "Score distribution", xl, "density"))) goto done;
    od_plotw_printf(&w, "set key below\nset yrange [0:*]\nset style fill transparent solid 0.25 noborder\n");
    if (has_thr) {
        od_plotw_printf(&w, "set arrow 1 from first %.10g, graph 0 to first %.10g, graph 1 nohead dt 2 lw 2 lc rgb "
                        OD_PLOTW_DARK "\nset label 1 ", thr, thr);
        od_plotw_quotef(&w, "threshold=%.4g", thr);
        od_plotw_printf(&w, " at first %.10g, graph 0.97 left offset character 1,0 noenhanced\n", thr);
    }
    od_plotw_printf(&w, "# bins: %zu (%s), bandwidth:", nb,
                    d->bins > 0 ? "given" : d->rule == OD_PLOT_BINS_FD ? "Freedman-Diaconis" : "Sturges");
    for (int c = 0; c < ncls; c++) {
        od_plotw_printf(&w, " ");
        od_plotw_num(&w, h[c]);
    }
    od_plotw_printf(&w, " (Silverman)\n");

    double width = (hi - lo) / (double)nb;
    od_plotw_printf(&w, "$hist << EOD\n");
    for (size_t b = 0; b < nb; b++) {
        double e0 = lo + (double)b * width, e1 = b + 1 == nb ? hi : lo + (double)(b + 1) * width;
        od_plotw_num(&w, 0.5 * (e0 + e1));
        od_plotw_printf(&w, " ");
        od_plotw_num(&w, e1 - e0);
        for (int c = 0; c < ncls; c++) {
            od_plotw_printf(&w, " ");
            od_plotw_num(&w, ncl[c] ? counts[(size_t)c * nb + b] / ((double)ncl[c] * (e1 - e0)) : NAN);
        }
        od_plotw_printf(&w, "\n");
    }
    od_plotw_printf(&w, "EOD\n$kde << EOD\n");
    for (size_t j = 0; j < ng; j++) {
        od_plotw_num(&w, gx[j]);
        for (int c = 0; c < ncls; c++) {
            od_plotw_printf(&w, " ");
            od_plotw_num(&w, gy[c][j]);
        }
        od_plotw_printf(&w, "\n");
    }
    od_plotw_printf(&w, "EOD\n");
    int shade = has_thr && labelled;
    if (shade) {
        /* normal density right of the threshold, anomalous density left of it */
        od_plotw_printf(&w, "$fp << EOD\n");
        if (ncl[0]) {
            od_plotw_num(&w, thr);
            od_plotw_printf(&w, " ");
            od_plotw_num(&w, interp(gx, gy[0], ng, thr));
            od_plotw_printf(&w, "\n");
            for (size_t j = 0; j < ng; j++)
                if (gx[j] > thr) {
                    od_plotw_num(&w, gx[j]);
                    od_plotw_printf(&w, " ");
                    od_plotw_num(&w, gy[0][j]);
                    od_plotw_printf(&w, "\n");
                }
        }
        od_plotw_printf(&w, "EOD\n$fn << EOD\n");
        if (ncl[1]) {
            for (size_t j = 0; j < ng; j++)
                if (gx[j] < thr) {
                    od_plotw_num(&w, gx[j]);
                    od_plotw_printf(&w, " ");
                    od_plotw_num(&w, gy[1][j]);
                    od_plotw_printf(&w, "\n");
                }
            od_plotw_num(&w, thr);
            od_plotw_printf(&w, " ");
            od_plotw_num(&w, interp(gx, gy[1], ng, thr));
            od_plotw_printf(&w, "\n");
        }
        od_plotw_printf(&w, "EOD\n");
    }

    const char *sep = "";
    od_plotw_printf(&w, "plot ");
    if (!labelled) {
        od_plotw_printf(&w, "$hist using 1:3:2 with boxes lc rgb " OD_PLOTW_NORMAL " title ");
        od_plotw_quotef(&w, "histogram (n=%zu)", ncl[0]);
        od_plotw_printf(&w, ", \\\n     $kde using 1:2 with lines lw 2 lc rgb " OD_PLOTW_NORMAL " title 'density'\n");
    } else {
        static const char *const name[2] = { "normal", "anomalous" };
        static const char *const col[2] = { OD_PLOTW_NORMAL, OD_PLOTW_ANOMAL };
        for (int c = 0; c < 2; c++) {
            if (!ncl[c]) continue;
            od_plotw_printf(&w, "%s$hist using 1:%d:2 with boxes lc rgb %s title ", sep, 3 + c, col[c]);
            od_plotw_quotef(&w, "%s (n=%zu)", name[c], ncl[c]);
            sep = ", \\\n     ";
        }
        if (shade && ncl[0]) {
            od_plotw_printf(&w, "%s$fp using 1:2 with filledcurves y=0 fs transparent solid 0.5 lc rgb '#ff7f0e' title ", sep);
            od_plotw_quotef(&w, "false positives: %zu of %zu normal", fp, ncl[0]);
        }
        if (shade && ncl[1]) {
            od_plotw_printf(&w, "%s$fn using 1:2 with filledcurves y=0 fs transparent solid 0.5 lc rgb '#9467bd' title ", sep);
            od_plotw_quotef(&w, "false negatives: %zu of %zu anomalous", fn, ncl[1]);
        }
        for (int c = 0; c < 2; c++) {
            if (!ncl[c]) continue;
            od_plotw_printf(&w, "%s$kde using 1:%d with lines lw 2 lc rgb %s title '%s density'", sep, 2 + c, col[c],
                            name[c]);
        }
        od_plotw_printf(&w, "\n");
    }
    rc = od_plotw_end(ctx, &w, o);

done:
    for (int c = 0; c < 2; c++) {
        free(cls[c]);
        free(gy[c]);
    }
    free(all);
    free(counts);
    free(gx);
    return rc;
}
