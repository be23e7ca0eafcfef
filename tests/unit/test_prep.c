/* test_prep.c - engine/prep against scikit-learn / pandas / numpy reference
 * values (tests/fixtures/prep/gen_prep.py -> prep_ref.txt) and properties. */
#include "config.h"
#include "../od_test.h"
#include "prep/prep.h"
#include "prep/util.h"

#include <float.h>
#include <gsl/gsl_rng.h>

/* ------------------------------------------------------------ fixtures */

typedef struct {
    char name[64];
    size_t r, c;
    double *v;   /* row-major */
} mat;

static mat fx[128];
static size_t nfx;

static int load_fixtures(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return -1;
    char line[1 << 16];
    mat *cur = NULL;
    size_t got = 0;
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#') continue;
        if (line[0] == '@') {
            if (nfx == sizeof fx / sizeof fx[0]) break;
            cur = &fx[nfx++];
            if (sscanf(line + 1, "%63s %zu %zu", cur->name, &cur->r, &cur->c) != 3) return -1;
            cur->v = malloc(cur->r * cur->c * sizeof(double));
            got = 0;
            continue;
        }
        if (!cur) continue;
        char *p = line, *e;
        while (got < cur->r * cur->c) {
            double x = strtod(p, &e);
            if (e == p) break;
            cur->v[got++] = x;
            p = e;
        }
    }
    fclose(fp);
    return 0;
}

static const mat *F(const char *name)
{
    for (size_t i = 0; i < nfx; i++)
        if (strcmp(fx[i].name, name) == 0) return &fx[i];
    printf("# missing fixture %s\n", name);
    exit(99);
}

static unsigned char *mask_of(const mat *m)
{
    unsigned char *k = malloc(m->c);
    for (size_t i = 0; i < m->c; i++) k[i] = m->v[i] != 0;
    return k;
}

/* Frame from a row-major matrix; columns x0.., optional label column. */
static od_frame *frame_of(od_ctx *ctx, const double *X, size_t n, size_t d, const double *label)
{
    od_frame *f = od_frame_new(ctx, n);
    for (size_t j = 0; j < d; j++) {
        double *c = malloc((n ? n : 1) * sizeof *c);
        for (size_t i = 0; i < n; i++) c[i] = X[i * d + j];
        char nm[32];
        snprintf(nm, sizeof nm, "x%zu", j);
        od_frame_add_num_donate(ctx, f, nm, c, OD_COL_NUM, OD_ROLE_FEATURE);
    }
    if (label) {
        double *c = malloc((n ? n : 1) * sizeof *c);
        memcpy(c, label, n * sizeof *c);
        od_frame_add_num_donate(ctx, f, "label", c, OD_COL_NUM, OD_ROLE_LABEL);
    }
    return f;
}

/* max |got - want| over a frame's first d columns vs a row-major matrix;
 * NaN must match NaN.  rel: relative to max(1,|want|). */
static double frame_err(const od_frame *f, size_t col0, const mat *want, int *nan_mismatch)
{
    double e = 0;
    *nan_mismatch = 0;
    for (size_t j = 0; j < want->c; j++)
        for (size_t i = 0; i < want->r; i++) {
            double g = f->cols[col0 + j].num[i], w = want->v[i * want->c + j];
            if (isnan(w) || isnan(g)) {
                if (isnan(w) != isnan(g)) (*nan_mismatch)++;
                continue;
            }
            double s = fabs(w) > 1 ? fabs(w) : 1;
            if (fabs(g - w) / s > e) e = fabs(g - w) / s;
        }
    return e;
}

static void check_frame(const od_frame *f, size_t col0, const mat *want, double tol, const char *what)
{
    int nm;
    double e = frame_err(f, col0, want, &nm);
    od_test_true(f->nrow == want->r && e <= tol && nm == 0, "%s: %zux%zu values match (max rel err %.3g, NaN mismatches %d)",
                 what, want->r, want->c, e, nm);
}

static double vec_err(const double *got, const double *want, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++) {
        double s = fabs(want[i]) > 1 ? fabs(want[i]) : 1;
        double d = fabs(got[i] - want[i]) / s;
        if (isnan(got[i]) != isnan(want[i])) d = INFINITY;
        if (!isnan(got[i]) && d > e) e = d;
        if (isnan(got[i]) && !isnan(want[i])) e = INFINITY;
    }
    return e;
}

static int frames_equal(const od_frame *a, const od_frame *b)
{
    if (a->nrow != b->nrow || a->ncol != b->ncol) return 0;
    for (size_t j = 0; j < a->ncol; j++) {
        if (strcmp(a->cols[j].name, b->cols[j].name)) return 0;
        if (a->cols[j].num)
            for (size_t i = 0; i < a->nrow; i++) {
                double x = a->cols[j].num[i], y = b->cols[j].num[i];
                if (!(x == y || (isnan(x) && isnan(y)))) return 0;
            }
    }
    return 1;
}

static int has(const od_out *o, const char *s) { return strstr(od_out_str(o), s) != NULL; }

/* ------------------------------------------------------------ scale */

static void test_scale(od_ctx *ctx)
{
    const mat *X = F("scale_X");
    unsigned char *fit = mask_of(F("scale_fit"));
    od_frame *f = frame_of(ctx, X->v, X->r, X->c, NULL), *before = od_frame_copy(ctx, f);
    static const char *nm[3] = { "zscore", "minmax", "robust" };
    static const od_scale_method m[3] = { OD_SCALE_ZSCORE, OD_SCALE_MINMAX, OD_SCALE_ROBUST };
    for (int k = 0; k < 3; k++) {
        char key[64];
        od_frame *g = NULL;
        od_scaler *s = NULL;
        od_out *rep = od_out_buffer();
        od_ctx_clear_warnings(ctx);
        int rc = od_prep_scale(ctx, f, m[k], NULL, 0, fit, &g, &s, rep);
        od_test_int(rc, OD_OK, "scale %s succeeds", nm[k]);
        if (rc) { od_out_free(rep); continue; }
        snprintf(key, sizeof key, "%s_center", nm[k]);
        od_test_true(vec_err(s->center, F(key)->v, 5) < 1e-12, "scale %s: fitted centres match sklearn (err %.3g)", nm[k],
                     vec_err(s->center, F(key)->v, 5));
        snprintf(key, sizeof key, k == 1 ? "%s_scale_used" : "%s_scale", nm[k]);
        od_test_true(vec_err(s->scale, F(key)->v, 5) < 1e-12, "scale %s: fitted scales match sklearn (err %.3g)", nm[k],
                     vec_err(s->scale, F(key)->v, 5));
        snprintf(key, sizeof key, "%s_out", nm[k]);
        check_frame(g, 0, F(key), 1e-12, nm[k]);
        od_test_int((long long)s->nfit, 92, "scale %s: fitted on the 92 fit rows", nm[k]);
        od_test_true(s->scale[3] == 1 && od_ctx_nwarnings(ctx) >= 1, "scale %s: constant column gets scale 1 and a warning", nm[k]);
        od_test_true(has(rep, "x4") && has(rep, "constant") && has(rep, "missing values left as NaN"),
                     "scale %s: report lists parameters, the constant column and the kept NaN", nm[k]);
        od_frame *h = NULL;
        od_test_int(od_scaler_apply(ctx, s, f, &h), OD_OK, "scale %s: apply succeeds", nm[k]);
        od_test_true(h && frames_equal(g, h), "scale %s: apply reproduces the transform", nm[k]);
        od_frame_free(h);
        od_frame_free(g);
        od_scaler_free(s);
        od_out_free(rep);
    }
    od_test_true(frames_equal(f, before), "scale never modifies its input");

    /* only some columns; fit rows without a value */
    const char *cols[] = { "x4", "x0" };
    od_frame *g = NULL;
    od_test_int(od_prep_scale(ctx, f, OD_SCALE_ZSCORE, cols, 2, fit, &g, NULL, NULL), OD_OK, "scale named columns");
    int same1 = 1;
    for (size_t i = 0; i < f->nrow; i++)
        if (!(g->cols[1].num[i] == f->cols[1].num[i] || (isnan(g->cols[1].num[i]) && isnan(f->cols[1].num[i]))))
            same1 = 0;
    od_test_true(same1 && fabs(g->cols[4].num[0] - F("zscore_out")->v[4]) < 1e-12,
                 "scale named columns: others untouched, named ones scaled");
    od_frame_free(g);
    const char *bad[] = { "nope" };
    g = (od_frame *)1;
    od_test_int(od_prep_scale(ctx, f, OD_SCALE_ZSCORE, bad, 1, fit, &g, NULL, NULL), OD_ENOTFOUND,
                "scale: unknown column is an error");
    od_test_true(g == NULL && strstr(od_ctx_errmsg(ctx), "nope"), "scale: the error names the column, no output");
    unsigned char none[120] = { 0 };
    od_test_int(od_prep_scale(ctx, f, OD_SCALE_ZSCORE, NULL, 0, none, &g, NULL, NULL), OD_EDATA,
                "scale: empty fit part is an error");
    /* column entirely NaN in the fit rows */
    double *allnan = malloc(120 * sizeof *allnan);
    for (int i = 0; i < 120; i++) allnan[i] = i < 100 ? NAN : 1;
    unsigned char first[120];
    for (int i = 0; i < 120; i++) first[i] = i < 100;
    od_frame_add_num_donate(ctx, f, "hole", allnan, OD_COL_NUM, OD_ROLE_FEATURE);
    od_test_int(od_prep_scale(ctx, f, OD_SCALE_ROBUST, NULL, 0, first, &g, NULL, NULL), OD_EDATA,
                "scale: a column without value in the fit rows is an error");
    od_test_true(strstr(od_ctx_errmsg(ctx), "hole") != NULL, "scale: ... naming it");
    od_frame_free(f);
    od_frame_free(before);
    free(fit);
}

/* ------------------------------------------------------------ quantiles */

static void test_quantile(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    int ok = 1;
    for (int t = 0; t < 200 && ok; t++) {
        size_t n = 1 + gsl_rng_uniform_int(r, 300);
        double *a = malloc(n * sizeof *a), *s = malloc(n * sizeof *s);
        int dup = t % 3;
        for (size_t i = 0; i < n; i++) a[i] = dup ? (double)gsl_rng_uniform_int(r, 5) : gsl_rng_uniform(r);
        memcpy(s, a, n * sizeof *s);
        for (size_t i = 1; i < n; i++)   /* insertion sort: the reference */
            for (size_t j = i; j > 0 && s[j - 1] > s[j]; j--) { double x = s[j]; s[j] = s[j - 1]; s[j - 1] = x; }
        double p[5] = { 0, 0.01, 0.25 + 0.001 * t, 0.5, 1 }, q[5];
        od_quantiles_select(a, n, p, 5, q);
        for (int k = 0; k < 5; k++) {
            double h = (double)(n - 1) * p[k];
            size_t i = (size_t)floor(h);
            double want = i + 1 < n ? s[i] + (h - (double)i) * (s[i + 1] - s[i]) : s[i];
            if (fabs(q[k] - want) > 1e-12) ok = 0;
        }
        free(a);
        free(s);
    }
    od_test_true(ok, "quantiles (selection) equal sorted-array linear interpolation on 200 random arrays");
    gsl_rng_free(r);
}

/* ------------------------------------------------------------ clean */

static void test_clean(od_ctx *ctx)
{
    od_frame *g = NULL;
    size_t *kept = NULL;
    od_out *rep = od_out_buffer();

    /* imputation vs SimpleImputer, fit on the fit rows */
    const mat *Xi = F("impute_X");
    unsigned char *fit = mask_of(F("impute_fit"));
    od_frame *f = frame_of(ctx, Xi->v, Xi->r, Xi->c, NULL), *before = od_frame_copy(ctx, f);
    od_clean_opts o = { .missing = OD_MISSING_MEAN };
    od_test_int(od_prep_clean(ctx, f, &o, fit, &g, NULL, rep), OD_OK, "clean missing=mean");
    check_frame(g, 0, F("impute_mean_out"), 1e-13, "missing=mean vs SimpleImputer(mean), fit rows only");
    od_test_true(has(rep, "filled 20 cells in 3 columns"), "missing=mean report counts the cells");
    od_frame_free(g);
    o.missing = OD_MISSING_MEDIAN;
    od_test_int(od_prep_clean(ctx, f, &o, fit, &g, NULL, NULL), OD_OK, "clean missing=median");
    check_frame(g, 0, F("impute_median_out"), 1e-13, "missing=median vs SimpleImputer(median), fit rows only");
    od_frame_free(g);
    od_test_true(frames_equal(f, before), "clean never modifies its input");
    od_frame_free(f);
    od_frame_free(before);
    free(fit);

    /* interpolation and ffill vs pandas */
    const mat *S = F("interp_X");
    f = frame_of(ctx, S->v, S->r, S->c, NULL);
    o = (od_clean_opts){ .missing = OD_MISSING_INTERPOLATE };
    od_test_int(od_prep_clean(ctx, f, &o, NULL, &g, NULL, NULL), OD_OK, "clean missing=interpolate");
    check_frame(g, 0, F("interp_linear"), 1e-13, "interpolate (gaps at start, middle, end) vs pandas limit_direction=both");
    od_frame_free(g);
    o.missing = OD_MISSING_FFILL;
    od_test_int(od_prep_clean(ctx, f, &o, NULL, &g, NULL, NULL), OD_OK, "clean missing=ffill");
    check_frame(g, 0, F("interp_ffill"), 0, "ffill (leading gap backfilled) vs pandas ffill().bfill()");
    od_frame_free(g);
    const mat *T = F("interp_time_t");
    double *tc = malloc(T->c * sizeof *tc);
    memcpy(tc, T->v, T->c * sizeof *tc);
    od_frame_add_num_donate(ctx, f, "t", tc, OD_COL_TIME, OD_ROLE_TIME);
    o.missing = OD_MISSING_INTERPOLATE;
    od_out_reset(rep);
    od_test_int(od_prep_clean(ctx, f, &o, NULL, &g, NULL, rep), OD_OK, "clean missing=interpolate with a time column");
    check_frame(g, 0, F("interp_time"), 1e-12, "interpolate in time vs pandas method=time");
    od_test_true(has(rep, "linear in time"), "report says the interpolation is in time");
    od_frame_free(g);
    od_frame_free(f);

    /* clipping vs numpy */
    const mat *Xc = F("clip_X");
    fit = mask_of(F("clip_fit"));
    f = frame_of(ctx, Xc->v, Xc->r, Xc->c, NULL);
    o = (od_clean_opts){ .clip = OD_CLIP_SD, .clip_k = 2 };
    od_test_int(od_prep_clean(ctx, f, &o, fit, &g, NULL, NULL), OD_OK, "clean clip=2 (sd)");
    check_frame(g, 0, F("clip_sd2"), 1e-13, "clip at mean +- 2 sd of the fit rows vs numpy");
    od_frame_free(g);
    o = (od_clean_opts){ .clip = OD_CLIP_QUANTILE, .clip_lo = 0.05, .clip_hi = 0.95 };
    od_test_int(od_prep_clean(ctx, f, &o, fit, &g, NULL, NULL), OD_OK, "clean clip=0.05,0.95");
    check_frame(g, 0, F("clip_q05_95"), 1e-13, "clip at fit-row quantiles vs numpy.quantile");
    od_frame_free(g);
    od_frame_free(f);
    free(fit);

    /* anomalies are never removed silently; kept rows; duplicates; constant */
    double X[10 * 3] = {
        1, 2, 5,   NAN, 1, 5,   3, 4, 5,   1, 2, 5,   9, 9, 5,
        3, 4, 5,   NAN, 7, 5,   1, NAN, 5, 2, 2, 5,   9, 9, 5,
    };
    double lab[10] = { 0, 1, 0, 0, 1, 1, 0, 1, 0, 1 };
    f = frame_of(ctx, X, 10, 3, lab);
    o = (od_clean_opts){ .missing = OD_MISSING_DROP };
    od_out_reset(rep);
    od_ctx_clear_warnings(ctx);
    od_test_int(od_prep_clean(ctx, f, &o, NULL, &g, &kept, rep), OD_OK, "clean missing=drop");
    od_test_int((long long)g->nrow, 7, "missing=drop keeps 7 of 10 rows");
    od_test_true(kept[0] == 0 && kept[1] == 2 && kept[2] == 3 && kept[6] == 9, "kept lists the surviving input rows");
    od_test_true(has(rep, "dropped 3 rows with missing values, 2 of them labelled anomalies"),
                 "report: 'dropped 3 rows ..., 2 of them labelled anomalies'");
    od_test_true(od_ctx_nwarnings(ctx) == 1, "dropping labelled anomalies raises a warning");
    od_frame_free(g);
    free(kept);
    o = (od_clean_opts){ .drop_duplicates = 1, .drop_constant = 1 };
    od_out_reset(rep);
    od_test_int(od_prep_clean(ctx, f, &o, NULL, &g, &kept, rep), OD_OK, "clean duplicates constant");
    od_test_true(g->nrow == 7 && g->ncol == 3 && od_frame_find(g, "x2") < 0, "constant column x2 dropped, 3 duplicate rows dropped");
    od_test_true(kept[0] == 0 && kept[1] == 1 && kept[2] == 2 && kept[3] == 4 && kept[4] == 6 && kept[5] == 7 &&
                 kept[6] == 8, "duplicates: the first copy is the one kept");
    od_test_true(has(rep, "dropped 3 repeated rows (the first copy kept), 2 of them labelled anomalies") &&
                 has(rep, "constant: dropped 1 column: x2"), "report counts duplicates, their anomalies, constant columns");
    od_frame_free(g);
    free(kept);
    o = (od_clean_opts){ .missing = OD_MISSING_MEDIAN, .clip = OD_CLIP_QUANTILE, .clip_lo = 0.1, .clip_hi = 0.9 };
    od_out_reset(rep);
    od_test_int(od_prep_clean(ctx, f, &o, NULL, &g, NULL, rep), OD_OK, "clean median + clip");
    od_test_true(has(rep, "labelled-anomaly row"), "clip report says how many labelled anomalies were clipped");
    od_frame_free(g);

    /* NaN policy: unselected columns keep their NaN, clipping keeps NaN */
    {
        const char *c0[] = { "x0" };
        o = (od_clean_opts){ .cols = c0, .ncols = 1, .missing = OD_MISSING_MEAN, .clip = OD_CLIP_SD, .clip_k = 0.5 };
        od_test_int(od_prep_clean(ctx, f, &o, NULL, &g, NULL, NULL), OD_OK, "clean cols=x0 missing=mean clip=0.5");
        od_test_true(!isnan(g->cols[0].num[1]) && isnan(g->cols[1].num[7]) && g->cols[1].num[4] == 9,
                     "NaN policy: only the selected column is filled or clipped; x1 keeps its NaN and values");
        od_frame_free(g);
        o = (od_clean_opts){ .clip = OD_CLIP_QUANTILE, .clip_lo = 0.2, .clip_hi = 0.8 };
        od_test_int(od_prep_clean(ctx, f, &o, NULL, &g, NULL, NULL), OD_OK, "clean clip=0.2,0.8 alone");
        od_test_true(isnan(g->cols[0].num[1]) && isnan(g->cols[1].num[7]) && g->cols[0].num[4] < 9,
                     "NaN policy: clipping leaves NaN as NaN (and ignores it in the quantiles)");
        od_frame_free(g);
        /* a time column that goes backwards: row order, with a warning */
        double *tback = malloc(10 * sizeof *tback);
        for (int i = 0; i < 10; i++) tback[i] = i == 5 ? 0 : i;
        od_frame *ft = od_frame_copy(ctx, f);
        od_frame_add_num_donate(ctx, ft, "t", tback, OD_COL_TIME, OD_ROLE_TIME);
        od_ctx_clear_warnings(ctx);
        o = (od_clean_opts){ .missing = OD_MISSING_INTERPOLATE };
        od_test_int(od_prep_clean(ctx, ft, &o, NULL, &g, NULL, NULL), OD_OK, "interpolate with a decreasing time column");
        od_test_true(od_ctx_nwarnings(ctx) == 1 && g->cols[0].num[1] == 2 && g->cols[1].num[7] == 4.5,
                     "... falls back to row order with a warning");
        od_frame_free(g);
        od_frame_free(ft);
    }

    /* bad options change nothing */
    g = (od_frame *)1;
    o = (od_clean_opts){ .clip = OD_CLIP_QUANTILE, .clip_lo = 0.9, .clip_hi = 0.1 };
    od_test_int(od_prep_clean(ctx, f, &o, NULL, &g, NULL, NULL), OD_EINVAL, "clip lo >= hi is an error");
    od_test_true(g == NULL && strstr(od_ctx_errmsg(ctx), "0.9"), "... naming the values, no output");
    o = (od_clean_opts){ .clip = OD_CLIP_SD, .clip_k = -1 };
    od_test_int(od_prep_clean(ctx, f, &o, NULL, &g, NULL, NULL), OD_EINVAL, "clip=-1 is an error");
    o = (od_clean_opts){ 0 };
    od_test_int(od_prep_clean(ctx, f, &o, NULL, &g, NULL, NULL), OD_EINVAL, "clean with nothing to do is an error");
    double allnan[4] = { NAN, NAN, NAN, NAN };
    od_frame *h = frame_of(ctx, allnan, 4, 1, NULL);
    o = (od_clean_opts){ .missing = OD_MISSING_INTERPOLATE };
    od_test_int(od_prep_clean(ctx, h, &o, NULL, &g, NULL, NULL), OD_EDATA, "interpolating an all-NaN column is an error");
    o = (od_clean_opts){ .missing = OD_MISSING_DROP };
    od_test_int(od_prep_clean(ctx, h, &o, NULL, &g, NULL, NULL), OD_EDATA, "missing=drop dropping every row is an error");
    od_frame_free(h);
    od_frame_free(f);
    od_out_free(rep);
}

/* ------------------------------------------------------------ pca */

static void test_pca(od_ctx *ctx)
{
    const mat *X = F("pca_X");
    unsigned char *fit = mask_of(F("pca_fit"));
    double *lab = calloc(X->r, sizeof *lab);
    lab[3] = 1;
    od_frame *f = frame_of(ctx, X->v, X->r, X->c, lab), *before = od_frame_copy(ctx, f);
    free(lab);
    for (int k = 3; k <= 6; k += 3) {
        char key[64];
        od_pca_opts o = { .k = (size_t)k };
        od_frame *g = NULL;
        od_pca *p = NULL;
        od_out *rep = od_out_buffer();
        od_test_int(od_prep_pca(ctx, f, &o, fit, &g, &p, rep), OD_OK, "pca k=%d", k);
        if (!p) continue;
        snprintf(key, sizeof key, "pca%d_components", k);
        const mat *C = F(key);
        double e_abs = 0, e_sign = 0;
        int sign[6];
        for (int c = 0; c < k; c++) {
            double dot = 0;
            for (int j = 0; j < 6; j++) dot += p->components[c * 6 + j] * C->v[c * 6 + j];
            sign[c] = dot < 0 ? -1 : 1;
            for (int j = 0; j < 6; j++) {
                e_abs = fmax(e_abs, fabs(sign[c] * p->components[c * 6 + j] - C->v[c * 6 + j]));
                e_sign = fmax(e_sign, fabs(p->components[c * 6 + j] - C->v[c * 6 + j]));
            }
        }
        od_test_true(e_abs < 1e-9, "pca k=%d: components match sklearn up to sign (err %.3g)", k, e_abs);
        od_test_true(e_sign < 1e-9, "pca k=%d: signs follow sklearn 1.2's svd_flip (err %.3g)", k, e_sign);
        snprintf(key, sizeof key, "pca%d_ev", k);
        od_test_true(vec_err(p->explained_variance, F(key)->v, (size_t)k) < 1e-11, "pca k=%d: explained_variance_ (err %.3g)",
                     k, vec_err(p->explained_variance, F(key)->v, (size_t)k));
        snprintf(key, sizeof key, "pca%d_evr", k);
        od_test_true(vec_err(p->explained_variance_ratio, F(key)->v, (size_t)k) < 1e-12,
                     "pca k=%d: explained_variance_ratio_ (err %.3g)", k, vec_err(p->explained_variance_ratio, F(key)->v, (size_t)k));
        snprintf(key, sizeof key, "pca%d_sv", k);
        od_test_true(vec_err(p->singular_values, F(key)->v, (size_t)k) < 1e-11, "pca k=%d: singular_values_", k);
        snprintf(key, sizeof key, "pca%d_mean", k);
        od_test_true(vec_err(p->mean, F(key)->v, 6) < 1e-13, "pca k=%d: mean_ of the fit rows", k);
        snprintf(key, sizeof key, "pca%d_out", k);
        check_frame(g, 0, F(key), 1e-9, k == 3 ? "pca k=3 transform of all rows" : "pca k=6 transform of all rows");
        od_test_true(g->ncol == (size_t)k + 1 && strcmp(g->cols[0].name, "PC1") == 0 &&
                     g->cols[k].role == OD_ROLE_LABEL && g->cols[k].num[3] == 1,
                     "pca k=%d: features replaced by PC1..PC%d, label column kept", k, k);
        od_test_true(has(rep, "cumulative") && has(rep, "PC1") && has(rep, "fit part"), "pca report: variance table");
        od_frame *h = NULL;
        od_test_int(od_pca_apply(ctx, p, f, &h), OD_OK, "pca apply");
        od_test_true(h && frames_equal(g, h), "pca apply reproduces the transform");
        od_frame_free(h);
        od_frame_free(g);
        od_pca_free(p);
        od_out_free(rep);
    }
    od_pca_opts o = { .k = 3, .whiten = 1 };
    od_frame *g = NULL;
    od_test_int(od_prep_pca(ctx, f, &o, fit, &g, NULL, NULL), OD_OK, "pca k=3 whiten=yes");
    check_frame(g, 0, F("pca3w_out"), 1e-9, "pca whiten transform vs sklearn");
    od_frame_free(g);
    static const double fr[4] = { 0.5, 0.9, 0.99, 0.999 };
    static const char *frk[4] = { "pca_var0.5", "pca_var0.9", "pca_var0.99", "pca_var0.999" };
    for (int i = 0; i < 4; i++) {
        od_pca *p = NULL;
        o = (od_pca_opts){ .variance = fr[i] };
        od_test_int(od_prep_pca(ctx, f, &o, fit, &g, &p, NULL), OD_OK, "pca variance=%g", fr[i]);
        od_test_int(p ? (long long)p->k : -1, (long long)F(frk[i])->v[0], "pca variance=%g picks sklearn's n_components_", fr[i]);
        od_frame_free(g);
        od_pca_free(p);
    }
    od_test_true(frames_equal(f, before), "pca never modifies its input");
    /* errors */
    g = (od_frame *)1;
    o = (od_pca_opts){ .k = 7 };
    od_test_int(od_prep_pca(ctx, f, &o, fit, &g, NULL, NULL), OD_EINVAL, "pca k=7 > 6 columns is an error");
    od_test_true(g == NULL && strstr(od_ctx_errmsg(ctx), "k=7") && strstr(od_ctx_errmsg(ctx), "6"),
                 "... naming k and the column count");
    o = (od_pca_opts){ .variance = 1.5 };
    od_test_int(od_prep_pca(ctx, f, &o, fit, &g, NULL, NULL), OD_EINVAL, "pca variance=1.5 is an error");
    f->cols[2].num[17] = NAN;
    o = (od_pca_opts){ .k = 2 };
    od_test_int(od_prep_pca(ctx, f, &o, fit, &g, NULL, NULL), OD_EDATA, "pca with NaN is an error");
    od_test_true(strstr(od_ctx_errmsg(ctx), "clean first") && strstr(od_ctx_errmsg(ctx), "x2"), "... saying 'clean first'");
    od_frame_free(f);
    od_frame_free(before);
    free(fit);
}

/* ------------------------------------------------------------ pseudolabel */

static void test_pseudo(od_ctx *ctx)
{
    const mat *X = F("pca_X"), *D = F("maha_dist");
    unsigned char *fit = mask_of(F("pca_fit"));
    od_frame *f = frame_of(ctx, X->v, X->r, X->c, NULL);
    unsigned char *flag = malloc(X->r);
    double *dist = malloc(X->r * sizeof *dist);
    od_pseudo_opts o = { .k = 3 };
    od_out *rep = od_out_buffer();
    od_test_int(od_prep_pseudolabel(ctx, f, &o, fit, flag, dist, rep), OD_OK, "pseudolabel k=3");
    od_test_true(vec_err(dist, D->v, X->r) < 1e-10, "Mahalanobis distances match sklearn EmpiricalCovariance (err %.3g)",
                 vec_err(dist, D->v, X->r));
    size_t want = 0, got = 0;
    for (size_t i = 0; i < X->r; i++) {
        want += D->v[i] > 3;
        got += flag[i];
    }
    od_test_int((long long)got, (long long)want, "pseudolabel flags the rows beyond k (%zu)", want);
    char line[64];
    snprintf(line, sizeof line, "%zu of 300 rows", want);
    od_test_true(has(rep, line) && has(rep, "chi-square"), "pseudolabel report says how many");
    /* singular covariance: a duplicated column */
    double *dup = malloc(X->r * sizeof *dup);
    memcpy(dup, f->cols[0].num, X->r * sizeof *dup);
    od_frame_add_num_donate(ctx, f, "x0copy", dup, OD_COL_NUM, OD_ROLE_FEATURE);
    od_ctx_clear_warnings(ctx);
    od_test_int(od_prep_pseudolabel(ctx, f, &o, fit, flag, dist, NULL), OD_OK, "pseudolabel on a singular covariance");
    od_test_true(od_ctx_nwarnings(ctx) == 1 && strstr(od_ctx_warning(ctx, 0), "singular"), "... regularised, with a warning");
    int finite = 1;
    for (size_t i = 0; i < X->r; i++) finite &= isfinite(dist[i]);
    od_test_true(finite, "... and every distance is finite");
    o.k = 0;
    od_test_int(od_prep_pseudolabel(ctx, f, &o, fit, flag, dist, NULL), OD_EINVAL, "pseudolabel k=0 is an error");
    f->cols[1].num[0] = NAN;
    o.k = 3;
    od_test_int(od_prep_pseudolabel(ctx, f, &o, fit, flag, dist, NULL), OD_EDATA, "pseudolabel refuses NaN");
    od_frame_free(f);
    od_out_free(rep);
    free(flag);
    free(dist);
    free(fit);
}

/* ------------------------------------------------------------ window */

static void test_window(od_ctx *ctx)
{
    size_t n = 50;
    double *X = malloc(n * 2 * sizeof *X), lab[50] = { 0 };
    for (size_t i = 0; i < n; i++) {
        X[2 * i] = (double)i;
        X[2 * i + 1] = 1000.0 + (double)i;
    }
    lab[49] = 1;
    od_frame *f = frame_of(ctx, X, n, 2, lab);
    od_window *w = NULL;
    od_out *rep = od_out_buffer();
    od_test_int(od_window_new(ctx, f, 8, 3, NULL, 0, &w, rep), OD_OK, "window size=8 stride=3 on 2 channels");
    od_data v = od_window_view(w);
    od_test_true(w->nwin == 15 && v.n == 15 && v.d == 16 && v.ld == 6 && v.X == w->series,
                 "view: 15 windows of 16 values, ld = stride*channels, no copy");
    int ok = 1;
    for (size_t i = 0; i < v.n; i++)
        for (size_t l = 0; l < 8; l++)
            for (size_t c = 0; c < 2; c++)
                if (v.X[i * v.ld + l * 2 + c] != X[(i * 3 + l) * 2 + c]) ok = 0;
    od_test_true(ok, "view row i = points i*S .. i*S+W-1, channels interleaved");
    od_test_int((long long)od_window_end(w, 14), 14 * 3 + 7, "window 14 ends at point 49");
    od_test_true(has(rep, "15 windows") && has(rep, "memory"), "window report: windows and memory");
    double ws[15], ps[50];
    for (int i = 0; i < 15; i++) ws[i] = 100 + i;
    od_window_to_points(w, ws, ps);
    ok = 1;
    for (size_t p = 0; p < n; p++) {
        /* brute force: first window whose end >= p and that covers p */
        double want = NAN;
        for (size_t i = 0; i < w->nwin; i++) {
            size_t s = i * 3, e = s + 7;
            if (e >= p && s <= p) { want = ws[i]; break; }
            if (e >= p) break;
        }
        if (p < 7) want = NAN;
        if (!((isnan(want) && isnan(ps[p])) || want == ps[p])) ok = 0;
    }
    od_test_true(ok && isnan(ps[6]) && ps[7] == 100 && ps[8] == 101 && ps[10] == 101 && ps[49] == 114,
                 "scores to points: window ending at or first after each point; warm-up NaN");
    od_frame *m = NULL;
    od_test_int(od_window_materialise(ctx, w, f, &m), OD_OK, "materialise");
    ok = m && m->nrow == 15 && m->ncol == 17 && strcmp(m->cols[0].name, "x0_t-7") == 0 &&
         strcmp(m->cols[15].name, "x1_t") == 0 && strcmp(m->cols[16].name, "label") == 0;
    for (size_t i = 0; ok && i < 15; i++) {
        for (size_t j = 0; j < 16; j++)
            if (m->cols[j].num[i] != v.X[i * v.ld + j]) ok = 0;
        if (m->cols[16].num[i] != lab[od_window_end(w, i)]) ok = 0;
    }
    od_test_true(ok, "materialised frame = the view (x0_t-7 .. x1_t) + label at the window end");
    od_frame_free(m);
    od_window_free(w);

    /* stride 1: exactly the last W-1 warm-up rule; stride > size leaves gaps */
    od_test_int(od_window_new(ctx, f, 5, 1, NULL, 0, &w, NULL), OD_OK, "window size=5 stride=1");
    double ws1[46], ps1[50];
    for (int i = 0; i < 46; i++) ws1[i] = i;
    od_window_to_points(w, ws1, ps1);
    ok = 1;
    for (size_t p = 0; p < 50; p++) ok &= p < 4 ? isnan(ps1[p]) : ps1[p] == (double)(p - 4);
    od_test_true(ok, "stride 1: point p gets window p-W+1, the first W-1 are NaN");
    od_window_free(w);
    const char *one[] = { "x1" };
    od_test_int(od_window_new(ctx, f, 2, 5, one, 1, &w, NULL), OD_OK, "window size=2 stride=5 on one channel");
    double ws2[10], ps2[50];
    for (int i = 0; i < 10; i++) ws2[i] = i;
    od_window_to_points(w, ws2, ps2);
    od_test_true(w->c == 1 && w->series[3] == 1003 && isnan(ps2[0]) && ps2[1] == 0 && isnan(ps2[2]) && isnan(ps2[4]) &&
                 ps2[5] == 1 && ps2[6] == 1 && isnan(ps2[7]) && ps2[46] == 9 && isnan(ps2[47]),
                 "stride > size: points outside every window are NaN");
    od_window_free(w);

    /* errors */
    w = (od_window *)1;
    od_test_int(od_window_new(ctx, f, 51, 1, NULL, 0, &w, NULL), OD_EINVAL, "window longer than the series is an error");
    od_test_true(w == NULL && strstr(od_ctx_errmsg(ctx), "51") && strstr(od_ctx_errmsg(ctx), "50"), "... naming both lengths");
    od_test_int(od_window_new(ctx, f, 0, 1, NULL, 0, &w, NULL), OD_EINVAL, "window size=0 is an error");
    od_test_int(od_window_new(ctx, f, 4, 0, NULL, 0, &w, NULL), OD_EINVAL, "window stride=0 is an error");
    f->cols[0].num[9] = NAN;
    od_test_int(od_window_new(ctx, f, 4, 1, NULL, 0, &w, NULL), OD_EDATA, "window refuses NaN");
    od_test_true(strstr(od_ctx_errmsg(ctx), "clean first") != NULL, "... saying 'clean first'");
    od_frame_free(f);
    od_out_free(rep);
    free(X);
}

/* ------------------------------------------------------------ split */

static void test_split(od_ctx *ctx)
{
    const mat *S = F("split_sizes"), *S2 = F("split_sizes2");
    int ok = 1;
    for (size_t r = 0; r < S->r; r++) {
        size_t n = (size_t)S->v[r * 4];
        od_frame *f = od_frame_new(ctx, n);
        unsigned char *part = malloc(n);
        od_split_opts o = { .train = OD_SPLIT_REST, .test = S->v[r * 4 + 1], .order = OD_ORDER_RANDOM };
        if (od_prep_split(ctx, f, &o, part, NULL)) ok = 0;
        size_t c[4] = { 0 };
        for (size_t i = 0; i < n; i++) c[part[i]]++;
        if (c[0] != (size_t)S->v[r * 4 + 2] || c[2] != (size_t)S->v[r * 4 + 3] || c[1] || c[3]) ok = 0;
        free(part);
        od_frame_free(f);
    }
    od_test_true(ok, "split test=F: sizes equal sklearn train_test_split on %zu cases", S->r);
    ok = 1;
    for (size_t r = 0; r < S2->r; r++) {
        size_t n = (size_t)S2->v[r * 5];
        od_frame *f = od_frame_new(ctx, n);
        unsigned char *part = malloc(n);
        od_split_opts o = { .train = S2->v[r * 5 + 2], .test = S2->v[r * 5 + 1], .order = OD_ORDER_RANDOM };
        if (od_prep_split(ctx, f, &o, part, NULL)) ok = 0;
        size_t c[4] = { 0 };
        for (size_t i = 0; i < n; i++) c[part[i]]++;
        if (c[0] != (size_t)S2->v[r * 5 + 3] || c[2] != (size_t)S2->v[r * 5 + 4] || c[0] + c[2] + c[3] != n) ok = 0;
        free(part);
        od_frame_free(f);
    }
    od_test_true(ok, "split train=F test=G (sum < 1): sizes equal sklearn on %zu cases, the rest unused", S2->r);

    /* stratified: every part within one row of its share of anomalies */
    static const size_t ns[] = { 37, 100, 101, 999, 5000 };
    static const double ratio[] = { 0.01, 0.05, 0.1, 0.33 };
    static const double parts[][3] = { { 0.7, 0, 0.3 }, { 0.6, 0.2, 0.2 }, { 0.5, 0.1, 0.25 } };
    ok = 1;
    int cases = 0;
    for (size_t a = 0; a < 5; a++)
        for (size_t b = 0; b < 4; b++)
            for (size_t q = 0; q < 3; q++) {
                size_t n = ns[a];
                double *lab = malloc(n * sizeof *lab);
                size_t A = 0;
                for (size_t i = 0; i < n; i++) {
                    lab[i] = (double)((i * 7919) % 1000) < ratio[b] * 1000;
                    A += lab[i] != 0;
                }
                od_frame *f = frame_of(ctx, lab, n, 1, lab);
                unsigned char *part = malloc(n);
                od_split_opts o = { .train = parts[q][0], .val = parts[q][1], .test = parts[q][2],
                                    .order = OD_ORDER_RANDOM, .stratify = 1, .use_seed = 1, .seed = a * 10 + b };
                if (od_prep_split(ctx, f, &o, part, NULL)) {
                    printf("# n=%zu: %s\n", n, od_ctx_errmsg(ctx));
                    ok = 0;
                    memset(part, 3, n);
                }
                size_t sz[4] = { 0 }, an[4] = { 0 };
                for (size_t i = 0; i < n; i++) {
                    sz[part[i]]++;
                    an[part[i]] += lab[i] != 0;
                }
                for (int p = 0; p < 4; p++)
                    if (fabs((double)an[p] - (double)sz[p] * (double)A / (double)n) >= 1) ok = 0;
                cases++;
                free(part);
                free(lab);
                od_frame_free(f);
            }
    od_test_true(ok, "stratified split: every part's anomaly count within one row of its share (%d cases)", cases);

    /* time order, determinism, errors */
    size_t n = 20;
    double t[20], lab[20] = { 0 };
    for (size_t i = 0; i < n; i++) t[i] = (double)((i * 7) % 20);   /* a permutation of 0..19 */
    lab[3] = 1;
    od_frame *f = frame_of(ctx, t, n, 1, lab);
    double *tc = malloc(n * sizeof *tc);
    memcpy(tc, t, sizeof t);
    od_frame_add_num_donate(ctx, f, "when", tc, OD_COL_TIME, OD_ROLE_TIME);
    unsigned char part[20], part2[20];
    od_split_opts o = { .train = 0.5, .val = 0.25, .test = 0.25, .order = OD_ORDER_TIME };
    od_out *rep = od_out_buffer();
    od_test_int(od_prep_split(ctx, f, &o, part, rep), OD_OK, "split order=time");
    ok = 1;
    for (size_t i = 0; i < n; i++) ok &= part[i] == (t[i] < 10 ? 0 : t[i] < 15 ? 1 : 2);
    od_test_true(ok, "order=time: the earliest half trains, then val, then test (by the time column)");
    od_test_true(has(rep, "train 10, val 5, test 5"), "split report gives the sizes");
    o = (od_split_opts){ .train = 0.6, .test = 0.4, .order = OD_ORDER_RANDOM, .use_seed = 1, .seed = 7 };
    od_prep_split(ctx, f, &o, part, NULL);
    od_prep_split(ctx, f, &o, part2, NULL);
    od_test_true(memcmp(part, part2, n) == 0, "split with a seed is reproducible");
    o.seed = 8;
    od_prep_split(ctx, f, &o, part2, NULL);
    od_test_true(memcmp(part, part2, n) != 0, "another seed gives another split");
    o = (od_split_opts){ .train = 0.8, .test = 0.3, .order = OD_ORDER_RANDOM };
    memset(part, 9, n);
    od_test_int(od_prep_split(ctx, f, &o, part, NULL), OD_EINVAL, "train + test > 1 is an error");
    od_test_true(strstr(od_ctx_errmsg(ctx), "train + test") && strstr(od_ctx_errmsg(ctx), "0.8") &&
                 strstr(od_ctx_errmsg(ctx), "0.3") && part[0] == 9, "... naming the values, nothing assigned");
    {
        /* NaN labels count as normal when stratifying */
        double l2[40];
        size_t A = 0;
        for (int i = 0; i < 40; i++) {
            l2[i] = i % 5 == 0 ? 1 : i % 7 == 0 ? NAN : 0;
            A += l2[i] == 1;
        }
        od_frame *g = frame_of(ctx, l2, 40, 1, l2);
        unsigned char p2[40];
        o = (od_split_opts){ .train = 0.75, .test = 0.25, .order = OD_ORDER_RANDOM, .stratify = 1 };
        od_test_int(od_prep_split(ctx, g, &o, p2, NULL), OD_OK, "stratified split with missing labels");
        size_t at = 0;
        for (int i = 0; i < 40; i++) at += p2[i] == OD_PART_TEST && l2[i] == 1;
        od_test_int((long long)at, 2, "NaN policy: missing labels stratified with the normals (8 anomalies -> 2 in test)");
        od_frame_free(g);
        (void)A;
    }
    od_frame *nolab = od_frame_new(ctx, 10);
    o = (od_split_opts){ .train = 0.5, .test = 0.5, .order = OD_ORDER_RANDOM, .stratify = 1 };
    od_test_int(od_prep_split(ctx, nolab, &o, part, NULL), OD_EINVAL, "stratify=yes without labels is an error");
    od_test_true(strstr(od_ctx_errmsg(ctx), "label") != NULL, "... saying labels are needed");
    o = (od_split_opts){ .train = 0.5, .test = 0.5, .order = OD_ORDER_TIME, .stratify = 1 };
    od_test_int(od_prep_split(ctx, f, &o, part, NULL), OD_EINVAL, "stratify with order=time is an error");

    /* folds */
    const mat *T = F("tss_folds"), *K = F("kfold_sizes");
    ok = 1;
    for (size_t r = 0; r < T->r; r++) {
        const double *row = T->v + r * 7;
        size_t nn = (size_t)row[0], k = (size_t)row[1], j = (size_t)row[2];
        od_frame *g = od_frame_new(ctx, nn);
        od_folds *fo = NULL;
        od_folds_opts fo_o = { .k = k, .order = OD_ORDER_TIME };
        if (od_prep_folds(ctx, g, &fo_o, NULL, &fo, NULL)) { ok = 0; od_frame_free(g); continue; }
        unsigned char *tr = malloc(nn), *te = malloc(nn);
        od_folds_masks(fo, j, tr, te);
        for (size_t i = 0; i < nn; i++) {
            ok &= tr[i] == (i >= row[3] && i <= row[4]);
            ok &= te[i] == (i >= row[5] && i <= row[6]);
        }
        free(tr);
        free(te);
        od_folds_free(fo);
        od_frame_free(g);
    }
    od_test_true(ok, "rolling-origin folds equal sklearn TimeSeriesSplit (%zu folds)", T->r);
    ok = 1;
    for (size_t r = 0; r < K->r; r++) {
        const double *row = K->v + r * 7;
        size_t nn = (size_t)row[0], k = (size_t)row[1];
        od_frame *g = od_frame_new(ctx, nn);
        od_folds *fo = NULL;
        od_folds_opts fo_o = { .k = k, .order = OD_ORDER_RANDOM, .use_seed = 1, .seed = 3 };
        if (od_prep_folds(ctx, g, &fo_o, NULL, &fo, NULL)) { ok = 0; od_frame_free(g); continue; }
        size_t sz[5];
        for (size_t j = 0; j < k; j++) sz[j] = od_folds_masks(fo, j, NULL, NULL);
        for (size_t a = 1; a < k; a++)   /* sort ascending like the fixture */
            for (size_t b = a; b > 0 && sz[b - 1] > sz[b]; b--) { size_t x = sz[b]; sz[b] = sz[b - 1]; sz[b - 1] = x; }
        for (size_t j = 0; j < k; j++) ok &= sz[j] == (size_t)row[2 + j];
        od_folds_free(fo);
        od_frame_free(g);
    }
    od_test_true(ok, "k-fold sizes equal sklearn KFold (%zu cases)", K->r);
    {
        size_t nn = 103;
        double *l = calloc(nn, sizeof *l);
        for (size_t i = 0; i < nn; i += 9) l[i] = 1;   /* 12 anomalies */
        od_frame *g = frame_of(ctx, l, nn, 1, l);
        od_folds *fo = NULL;
        od_folds_opts fo_o = { .k = 5, .order = OD_ORDER_RANDOM, .stratify = 1 };
        od_test_int(od_prep_folds(ctx, g, &fo_o, NULL, &fo, NULL), OD_OK, "stratified 5-fold");
        ok = 1;
        unsigned char *te = malloc(nn), *tr = malloc(nn);
        size_t tot = 0;
        for (size_t j = 0; j < 5; j++) {
            size_t c = od_folds_masks(fo, j, tr, te), a = 0;
            for (size_t i = 0; i < nn; i++) {
                a += te[i] && l[i];
                ok &= !(te[i] && tr[i]);
            }
            ok &= (a == 2 || a == 3) && (c == 20 || c == 21);
            tot += c;
        }
        od_test_true(ok && tot == nn, "stratified folds: 2-3 anomalies and 20-21 rows per fold, disjoint train/test");
        od_folds_free(fo);
        unsigned char *only = malloc(nn);
        for (size_t i = 0; i < nn; i++) only[i] = i < 60;
        fo_o = (od_folds_opts){ .k = 4, .order = OD_ORDER_TIME };
        od_test_int(od_prep_folds(ctx, g, &fo_o, only, &fo, NULL), OD_OK, "rolling folds over the first 60 rows only");
        size_t c0 = od_folds_masks(fo, 0, tr, te), c3 = od_folds_masks(fo, 3, tr, te);
        od_test_true(c0 == 12 && c3 == 12 && tr[47] && !tr[48] && te[48] && te[59] && !te[60] && fo->block[102] == -1,
                     "rows outside the mask take no part (block -1); fold 3 trains on 0..47, tests on 48..59");
        od_folds_free(fo);
        free(only);
        fo_o = (od_folds_opts){ .k = 1 };
        od_test_int(od_prep_folds(ctx, g, &fo_o, NULL, &fo, NULL), OD_EINVAL, "folds k=1 is an error");
        od_frame_free(g);
        free(l);
        free(te);
        free(tr);
    }
    od_frame_free(nolab);
    od_frame_free(f);
    od_out_free(rep);
}

int main(void)
{
    if (load_fixtures(od_test_path("tests/fixtures/prep/prep_ref.txt"))) {
        printf("Bail out! cannot read tests/fixtures/prep/prep_ref.txt\n");
        return 1;
    }
    od_ctx *ctx = od_ctx_new(42);
    od_ctx_set_threads(ctx, 2);
    test_quantile();
    test_scale(ctx);
    test_clean(ctx);
    test_pca(ctx);
    test_pseudo(ctx);
    test_window(ctx);
    test_split(ctx);
    od_ctx_free(ctx);
    for (size_t i = 0; i < nfx; i++) free(fx[i].v);
    return od_test_done();
}
