/* hbos.c - Histogram-Based Outlier Score (Goldstein & Dengel 2012) in PyOD's
 * form: one histogram per column, score = -sum_j log2(density_j(x_j) + alpha).
 *
 * mode=static: PyOD's HBOS exactly - numpy.histogram(bins, density=True)
 *   (equal widths from min to max, numpy's bin assignment), and a value is
 *   looked up with numpy.digitize(right=True), i.e. in the bin (e[b-1], e[b]].
 * mode=dynamic: the paper's dynamic bin widths: the sorted values are cut into
 *   bins of ceil(n / bins) values (a run of equal values is never split, and a
 *   last bin of one repeated value joins the previous bin); bin b is
 *   [e_b, e_{b+1}) with e_b its first value (the last bin closed at the
 *   maximum); density = count / (n x width).  Values are looked up in the same
 *   half-open bins.
 * Both: a value below the first or above the last edge by at most tol x the
 *   width of the nearest bin counts in that bin; farther out it gets the lowest
 *   log density of the column (PyOD's rule). */
#include "config.h"
#include "cl_cluster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HB_NAME "hbos"
#define HB_VERSION 1u

#define HB_MODES(X) \
    X(STATIC, "static") \
    X(DYNAMIC, "dynamic")
#define HB_ENUM(e, s) HB_##e,
enum { HB_MODES(HB_ENUM) HB_NMODE };
#define HB_BAR(e, s) "|" s
#define HB_STR(e, s) s,
static const char *const hb_mode_names[] = { HB_MODES(HB_STR) };

typedef struct {
    size_t d, n_train;
    int mode, bins_auto;
    double alpha, tol;
    size_t *off;     /* d + 1: column j's bins are [off[j], off[j+1]) */
    double *edge;    /* per column nb+1 edges: edge[off[j] + j + b] */
    double *lg;      /* per column nb values log2(density + alpha): lg[off[j] + b] */
    double *lgmin;   /* d */
} hb_state;

static const od_param_spec hb_params[] = {
    { "bins", OD_P_INT, "10", 1, 1e6, "auto", "bins per column (auto: floor(sqrt(rows)), the paper's rule)" },
    { "mode", OD_P_CHOICE, "static", 0, -1, HB_MODES(HB_BAR) + 1,
      "equal-width bins (PyOD), or dynamic widths holding equal numbers of rows (the paper)" },
    { "alpha", OD_P_REAL, "0.1", 0, HUGE_VAL, NULL, "added to each density before the log (keeps empty bins finite)" },
    { "tol", OD_P_REAL, "0.5", 0, HUGE_VAL, NULL,
      "a value this many bin widths outside the range still counts in the end bin" },
};

static void hb_free(void *state)
{
    hb_state *s = state;
    if (!s) return;
    free(s->off), free(s->edge), free(s->lg), free(s->lgmin);
    free(s);
}

static int hb_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* column values v (n, sorted for dynamic) -> nb, edges e[nb+1], counts c[nb] */
static size_t hb_static(const double *v, size_t n, size_t bins, double *e, double *c)
{
    double lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) {
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
    }
    if (lo == hi) lo -= 0.5, hi += 0.5;
    /* numpy.linspace(lo, hi, bins + 1) */
    double step = (hi - lo) / (double)bins;
    for (size_t b = 0; b <= bins; b++) e[b] = (double)b * step + lo;
    if (step == 0)
        for (size_t b = 0; b <= bins; b++) e[b] = (double)b / (double)bins * (hi - lo) + lo;
    e[bins] = hi;
    for (size_t b = 0; b < bins; b++) c[b] = 0;
    /* numpy.histogram's assignment for equal bins */
    double norm = (double)bins / (hi - lo);
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        long b = (long)((x - lo) * norm);
        if (b >= (long)bins) b = (long)bins - 1;
        if (b < 0) b = 0;
        if (x < e[b] && b > 0) b--;
        if (x >= e[b + 1] && b != (long)bins - 1) b++;
        c[b] += 1;
    }
    return bins;
}

static size_t hb_dynamic(const double *v, size_t n, size_t bins, double *e, double *c)
{
    size_t per = (n + bins - 1) / bins, nb = 0, i = 0;
    while (i < n) {
        size_t end = i + per < n ? i + per : n;
        while (end < n && v[end] == v[end - 1]) end++;
        e[nb] = v[i];
        c[nb++] = (double)(end - i);
        i = end;
    }
    e[nb] = v[n - 1];
    if (nb > 1 && e[nb] == e[nb - 1]) {   /* a last bin of one repeated value joins the previous */
        c[nb - 2] += c[nb - 1];
        nb--;
        e[nb] = v[n - 1];
    }
    if (nb == 1 && e[0] == e[1]) e[0] -= 0.5, e[1] += 0.5;
    return nb;
}

/* bin of x in column j: [0, nb) or -1 / nb for below / above */
static long hb_find(const hb_state *s, const double *e, size_t nb, double x)
{
    size_t lo = 0, hi = nb + 1;
    if (s->mode == HB_STATIC) {
        /* numpy.digitize(right=True) = number of edges < x */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (e[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        return (long)lo - 1;
    }
    if (x < e[0]) return -1;
    if (x > e[nb]) return (long)nb;
    if (x == e[nb]) return (long)nb - 1;
    while (lo < hi) {   /* number of edges <= x */
        size_t mid = (lo + hi) / 2;
        if (e[mid] <= x) lo = mid + 1;
        else hi = mid;
    }
    return (long)lo - 1;
}

static double hb_col(const hb_state *s, size_t j, double x)
{
    size_t nb = s->off[j + 1] - s->off[j];
    const double *e = s->edge + s->off[j] + j, *lg = s->lg + s->off[j];
    long b = hb_find(s, e, nb, x);
    if (b < 0) return e[0] - x <= (e[1] - e[0]) * s->tol ? lg[0] : s->lgmin[j];
    if (b >= (long)nb) return x - e[nb] <= (e[nb] - e[nb - 1]) * s->tol ? lg[nb - 1] : s->lgmin[j];
    return lg[b];
}

static int hb_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    (void)log;
    int rc = od_cl_check_train(ctx, HB_NAME, train);
    if (rc) return rc;
    size_t n = train->n, d = train->d;
    hb_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->d = d;
    s->n_train = n;
    s->mode = od_params_choice(p, "mode");
    s->alpha = od_params_real(p, "alpha");
    s->tol = od_params_real(p, "tol");
    s->bins_auto = od_params_is(p, "bins", "auto");
    size_t bins = s->bins_auto ? (size_t)floor(sqrt((double)n)) : (size_t)od_params_int(p, "bins");
    if (bins < 1) bins = 1;
    if (s->mode == HB_DYNAMIC && bins > n) bins = n;
    s->off = od_mallocn(ctx, d + 1, sizeof *s->off);
    s->edge = od_mallocn(ctx, d * (bins + 1), sizeof *s->edge);
    s->lg = od_mallocn(ctx, d * bins, sizeof *s->lg);
    s->lgmin = od_mallocn(ctx, d, sizeof *s->lgmin);
    double *v = od_mallocn(ctx, n, sizeof *v), *c = od_mallocn(ctx, bins, sizeof *c);
    if (!s->off || !s->edge || !s->lg || !s->lgmin || !v || !c) {
        free(v), free(c);
        hb_free(s);
        return OD_ENOMEM;
    }
    s->off[0] = 0;
    for (size_t j = 0; j < d; j++) {
        for (size_t i = 0; i < n; i++) v[i] = train->X[i * train->ld + j];
        if (s->mode == HB_DYNAMIC) qsort(v, n, sizeof *v, hb_cmp);
        double *e = s->edge + s->off[j] + j;
        size_t nb = s->mode == HB_DYNAMIC ? hb_dynamic(v, n, bins, e, c) : hb_static(v, n, bins, e, c);
        double *lg = s->lg + s->off[j], mn = INFINITY;
        for (size_t b = 0; b < nb; b++) {
            double dens = c[b] / (e[b + 1] - e[b]) / (double)n;   /* numpy: n / db / n.sum() */
            lg[b] = log2(dens + s->alpha);
            if (lg[b] < mn) mn = lg[b];
        }
        s->lgmin[j] = mn;
        s->off[j + 1] = s->off[j] + nb;
    }
    free(v), free(c);
    *state = s;
    return OD_OK;
}

static int hb_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    (void)cluster;
    const hb_state *s = state;
    int rc = od_cl_check_score(ctx, HB_NAME, data, s->d);
    if (rc || data->n == 0) return rc;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < data->n; i++) {
        const double *x = data->X + i * data->ld;
        double t = 0;
        for (size_t j = 0; j < s->d; j++) t += hb_col(s, j, x[j]);
        scores[i] = -t;
    }
    return OD_OK;
}

static void hb_describe(const void *state, od_out *out)
{
    const hb_state *s = state;
    size_t mn = SIZE_MAX, mx = 0;
    for (size_t j = 0; j < s->d; j++) {
        size_t nb = s->off[j + 1] - s->off[j];
        if (nb < mn) mn = nb;
        if (nb > mx) mx = nb;
    }
    char b1[32], b2[32];
    od_printf(out, "histogram-based outlier score: mode=%s bins, %zu columns, %zu rows\n", hb_mode_names[s->mode], s->d,
              s->n_train);
    if (mn == mx) od_printf(out, "bins per column: %zu%s\n", mn, s->bins_auto ? " (auto: floor(sqrt(rows)))" : "");
    else od_printf(out, "bins per column: %zu to %zu (runs of equal values kept together)\n", mn, mx);
    od_printf(out, "alpha=%s, tol=%s; score = -sum of log2(density + alpha) over the columns\n",
              od_fmt_num(b1, sizeof b1, s->alpha, 4), od_fmt_num(b2, sizeof b2, s->tol, 4));
}

static int hb_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const hb_state *s = state;
    int rc;
    uint64_t h[4] = { s->d, s->n_train, (uint64_t)s->mode, (uint64_t)s->bins_auto };
    double r[2] = { s->alpha, s->tol };
    if ((rc = od_cl_write_header(ctx, fp, HB_NAME, HB_VERSION))) return rc;
    for (int i = 0; i < 4; i++)
        if ((rc = od_cl_write_u64(ctx, fp, HB_NAME, h[i]))) return rc;
    if ((rc = od_cl_write(ctx, fp, HB_NAME, r, sizeof(double), 2))) return rc;
    for (size_t j = 0; j < s->d; j++)
        if ((rc = od_cl_write_u64(ctx, fp, HB_NAME, s->off[j + 1] - s->off[j]))) return rc;
    size_t tot = s->off[s->d];
    if ((rc = od_cl_write(ctx, fp, HB_NAME, s->edge, sizeof(double), tot + s->d))) return rc;
    return od_cl_write(ctx, fp, HB_NAME, s->lg, sizeof(double), tot);
}

static int hb_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    (void)p;
    int rc;
    uint64_t h[4];
    static const uint64_t mx[4] = { 1u << 24, UINT64_MAX, HB_NMODE - 1, 1 };
    if ((rc = od_cl_read_header(ctx, fp, HB_NAME, HB_VERSION, NULL))) return rc;
    for (int i = 0; i < 4; i++)
        if ((rc = od_cl_read_u64(ctx, fp, HB_NAME, &h[i], mx[i]))) return rc;
    if (h[0] == 0) return od_error(ctx, OD_EFORMAT, "hbos model file is corrupt (no columns)");
    /* two numbers, then per column its bin count and at least two edges and one density */
    if ((rc = od_cl_need(ctx, fp, HB_NAME, h[0], 4 * sizeof(double), "columns"))) return rc;
    hb_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->d = h[0], s->n_train = h[1], s->mode = (int)h[2], s->bins_auto = (int)h[3];
    double r[2];
    if ((rc = od_cl_read(ctx, fp, HB_NAME, r, sizeof(double), 2))) goto fail;
    s->alpha = r[0], s->tol = r[1];
    if (!(s->off = od_mallocn(ctx, s->d + 1, sizeof *s->off)) || !(s->lgmin = od_mallocn(ctx, s->d, sizeof *s->lgmin))) {
        rc = OD_ENOMEM;
        goto fail;
    }
    s->off[0] = 0;
    for (size_t j = 0; j < s->d; j++) {
        uint64_t nb;
        if ((rc = od_cl_read_u64(ctx, fp, HB_NAME, &nb, 1u << 24))) goto fail;
        if (nb == 0) {
            rc = od_error(ctx, OD_EFORMAT, "hbos model file is corrupt (a column without bins)");
            goto fail;
        }
        s->off[j + 1] = s->off[j] + nb;
    }
    size_t tot = s->off[s->d];
    if ((rc = od_cl_read_doubles(ctx, fp, HB_NAME, &s->edge, tot + s->d))) goto fail;
    if ((rc = od_cl_read_doubles(ctx, fp, HB_NAME, &s->lg, tot))) goto fail;
    for (size_t j = 0; j < s->d; j++) {
        double mn = INFINITY;
        for (size_t b = s->off[j]; b < s->off[j + 1]; b++) mn = s->lg[b] < mn ? s->lg[b] : mn;
        s->lgmin[j] = mn;
    }
    *state = s;
    return OD_OK;
fail:
    hb_free(s);
    return rc;
}

/* explain: the per-feature terms -log2(density + alpha) the score sums. */
static int hb_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    const hb_state *s = state;
    int rc = od_cl_check_score(ctx, HB_NAME, data, s->d);
    if (rc) return rc;
    if ((rc = od_explain_alloc_contrib(ctx, ex, s->d))) return rc;
    const double *x = data->X + row * data->ld;
    for (size_t j = 0; j < s->d; j++) ex->contrib[j] = -hb_col(s, j, x[j]);
    ex->exact = 1;
    snprintf(ex->method, sizeof ex->method, "hbos: per-feature terms -log2(histogram density + alpha); the score is their sum");
    return OD_OK;
}

const od_detector_type od_detector_hbos = {
    .name = HB_NAME,
    .family = "density",
    .summary = "Histogram-Based Outlier Score: one histogram per column, log densities summed",
    .help =
        "HBOS (Goldstein & Dengel 2012) as PyOD computes it: a histogram per column,\n"
        "score = -sum over the columns of log2(density of the row's bin + alpha), so a\n"
        "row whose values fall in rare bins scores high.  Columns are treated as\n"
        "independent: fast (linear in rows) and good on many benchmarks, blind to\n"
        "unusual combinations of usual values.\n"
        "mode=static: equal-width bins from min to max (numpy.histogram, density=True),\n"
        "  a value looked up in (e[b-1], e[b]] as PyOD's numpy.digitize(right=True).\n"
        "mode=dynamic: the paper's variable widths: the sorted values are cut into\n"
        "  bins of ceil(rows/bins) values (equal values never split); density =\n"
        "  count / (rows x width); bins are [first value, next bin's first value).\n"
        "alpha keeps empty bins finite; a value within tol bin widths outside the\n"
        "training range counts in the end bin, farther out it gets the column's lowest\n"
        "log density.  bins=auto: floor(sqrt(rows)) (the paper's rule).\n"
        "\n"
        "Example:  detect hbos bins=20 as hb\n"
        "          detect hbos mode=dynamic bins=auto as hbd",
    .params = hb_params,
    .nparams = sizeof hb_params / sizeof hb_params[0],
    .seq = 0,
    .fit = hb_fit,
    .score = hb_score,
    .describe = hb_describe,
    .save = hb_save,
    .load = hb_load,
    .free = hb_free,
    .explain = hb_explain,
};
