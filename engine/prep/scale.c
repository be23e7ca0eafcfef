#include "config.h"
#include "util.h"
#include "../core/num.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

const char *od_scale_method_name(od_scale_method m)
{
    switch (m) {
    case OD_SCALE_ZSCORE: return "zscore";
    case OD_SCALE_MINMAX: return "minmax";
    case OD_SCALE_ROBUST: return "robust";
    }
    return "?";
}

void od_scaler_free(od_scaler *s)
{
    if (!s) return;
    if (s->names)
        for (size_t j = 0; j < s->d; j++) free(s->names[j]);
    free(s->names);
    free(s->center);
    free(s->scale);
    free(s);
}

static od_scaler *scaler_alloc(od_ctx *ctx, od_scale_method m, size_t d)
{
    od_scaler *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return NULL;
    s->method = m;
    s->d = d;
    s->names = od_calloc(ctx, d, sizeof *s->names);
    s->center = od_mallocn(ctx, d, sizeof *s->center);
    s->scale = od_mallocn(ctx, d, sizeof *s->scale);
    if (!s->names || !s->center || !s->scale) {
        od_scaler_free(s);
        return NULL;
    }
    return s;
}

/* Fit one column.  buf: scratch of nrow doubles (robust only).  Returns the
 * number of non-NaN fit values; sets *constant when the scale was replaced
 * by 1. */
static size_t fit_col(od_scale_method m, const double *x, size_t n, const unsigned char *mask,
                      double *buf, double *center, double *scale, int *constant)
{
    size_t cnt = 0;
    double mn = INFINITY, mx = -INFINITY;
    *constant = 0;
    if (m == OD_SCALE_ROBUST) {
        for (size_t i = 0; i < n; i++)
            if ((!mask || mask[i]) && !isnan(x[i])) buf[cnt++] = x[i];
        if (!cnt) return 0;
        static const double p[3] = { 0.25, 0.5, 0.75 };
        double q[3];
        od_quantiles_select(buf, cnt, p, 3, q);
        *center = q[1];
        *scale = q[2] - q[0];
        if (*scale < 10 * DBL_EPSILON) { *scale = 1; *constant = 1; }
        return cnt;
    }
    double sum = 0;
    if (!mask) {
        for (size_t i = 0; i < n; i++) {
            double v = x[i];
            if (v != v) continue;
            sum += v;
            cnt++;
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            double v = x[i];
            if (!mask[i] || v != v) continue;
            sum += v;
            cnt++;
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
        }
    }
    if (!cnt) return 0;
    if (m == OD_SCALE_MINMAX) {
        *center = mn;
        *scale = mx - mn;
        if (mx == mn || *scale < 10 * DBL_EPSILON) { *scale = 1; *constant = 1; }
        return cnt;
    }
    double mean = sum / (double)cnt, ss = 0, corr = 0;
    for (size_t i = 0; i < n; i++) {
        double t = x[i] - mean;
        if (t != t || (mask && !mask[i])) continue;
        ss += t * t;
        corr += t;
    }
    double var = (ss - corr * corr / (double)cnt) / (double)cnt;
    if (var < 0) var = 0;
    *center = mean;
    /* sklearn's _is_constant_feature: var below what rounding can produce. */
    double eps = DBL_EPSILON, nn = (double)cnt;
    double bound = nn * eps * var + (nn * mean * eps) * (nn * mean * eps);
    if (mx == mn || var <= bound) { *scale = 1; *constant = 1; }
    else *scale = sqrt(var);
    return cnt;
}

/* y = (x - c) / s; returns the number of NaN in x (they stay NaN).  *big
 * (may be NULL) counts the values the result puts beyond +-1e100 or makes
 * non-finite (a tiny scale next to large values; engine/core/num.h). */
static size_t apply_col(const double *x, double *y, size_t n, double c, double s, size_t *big)
{
    size_t nan = 0, nb = 0;
    for (size_t i = 0; i < n; i++) {
        double v = (x[i] - c) / s;
        nan += x[i] != x[i];
        nb += x[i] == x[i] && !od_value_ok(v);
        y[i] = v;
    }
    if (big) *big = nb;
    return nan;
}

static void report_scaler(od_out *r, const od_scaler *s, size_t nrow, int masked, const size_t *nan_cnt)
{
    static const char *hdr[3][2] = { { "mean", "sd" }, { "min", "max-min" }, { "median", "IQR" } };
    if (!r) return;
    od_printf(r, "scale %s: %zu column%s fitted on %zu of %zu rows%s, applied to all rows\n",
              od_scale_method_name(s->method), s->d, s->d == 1 ? "" : "s", s->nfit, nrow,
              masked ? " (fit part)" : "");
    size_t w = 6;
    for (size_t j = 0; j < s->d; j++)
        if (strlen(s->names[j]) > w) w = strlen(s->names[j]);
    od_printf(r, "  %-*s  %14s  %14s\n", (int)w, "column", hdr[s->method][0], hdr[s->method][1]);
    for (size_t j = 0; j < s->d; j++)
        od_printf(r, "  %-*s  %14s  %14s\n", (int)w, s->names[j], od_prep_num(s->center[j]),
                  od_prep_num(s->scale[j]));
    size_t tot = 0;
    for (size_t j = 0; j < s->d && nan_cnt; j++) tot += nan_cnt[j];
    if (tot) od_printf(r, "  %zu missing value%s left as NaN\n", tot, tot == 1 ? "" : "s");
}

int od_prep_scale(od_ctx *ctx, const od_frame *in, od_scale_method method,
                  const char *const *cols, size_t ncols, const unsigned char *fit_mask,
                  od_frame **out, od_scaler **model, od_out *report)
{
    int rc;
    size_t *idx = NULL, d = 0, nfit = 0, n = in->nrow;
    double **repl = NULL, *buf = NULL;
    size_t *cnt = NULL, *nans = NULL, *big = NULL;
    int *constant = NULL;
    od_scaler *s = NULL;
    *out = NULL;
    if (model) *model = NULL;
    if (method != OD_SCALE_ZSCORE && method != OD_SCALE_MINMAX && method != OD_SCALE_ROBUST)
        return od_error(ctx, OD_EINVAL, "unknown scaling method %d (zscore, minmax, robust)", (int)method);
    if ((rc = od_prep_columns(ctx, in, cols, ncols, &idx, &d))) return rc;
    if ((rc = od_prep_fit_count(ctx, in, fit_mask, &nfit))) goto done;
    rc = OD_ENOMEM;
    s = scaler_alloc(ctx, method, d);
    repl = od_calloc(ctx, in->ncol, sizeof *repl);
    cnt = od_calloc(ctx, d, sizeof *cnt);
    nans = od_calloc(ctx, d, sizeof *nans);
    big = od_calloc(ctx, d ? d : 1, sizeof *big);
    constant = od_calloc(ctx, d, sizeof *constant);
    if (!s || !repl || !cnt || !nans || !big || !constant) goto done;
    s->nfit = nfit;
    for (size_t j = 0; j < d; j++) {
        if (!(s->names[j] = od_strdup(ctx, in->cols[idx[j]].name))) goto done;
        if (!(repl[idx[j]] = od_mallocn(ctx, n ? n : 1, sizeof(double)))) goto done;
    }
    int nt = od_ctx_threads(ctx);
    if (nt < 1) nt = 1;
    if ((size_t)nt > d) nt = (int)d;
    if (method == OD_SCALE_ROBUST && !(buf = od_mallocn(ctx, (size_t)nt * (nfit ? nfit : 1), sizeof *buf)))
        goto done;

    #pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t j = 0; j < d; j++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        const double *x = in->cols[idx[j]].num;
        cnt[j] = fit_col(method, x, n, fit_mask, buf ? buf + (size_t)tid * nfit : NULL,
                         &s->center[j], &s->scale[j], &constant[j]);
        if (cnt[j]) nans[j] = apply_col(x, repl[idx[j]], n, s->center[j], s->scale[j], &big[j]);
    }
    /* issue 13: no column becomes NaN or infinite silently */
    for (size_t j = 0; j < d; j++)
        if (cnt[j] && big[j]) {
            rc = od_error(ctx, OD_EDATA, "scale %s: column '%s' would get %zu value%s beyond +-1e100 (its scale %g is "
                          "tiny next to its values); use another method or clip the column first",
                          od_scale_method_name(method), s->names[j], big[j], big[j] == 1 ? "" : "s", s->scale[j]);
            goto done;
        }
    for (size_t j = 0; j < d; j++)
        if (!cnt[j]) {
            rc = od_error(ctx, OD_EDATA, "column '%s' has no value in the %s: clean it or drop it first",
                          s->names[j], fit_mask ? "fit part" : "data");
            goto done;
        }
    if ((rc = od_prep_frame_with(ctx, in, repl, out))) goto done;
    for (size_t j = 0; j < d; j++)
        if (constant[j])
            od_warn(ctx, "column '%s' is constant in the fit rows: scale set to 1 (only centred)", s->names[j]);
    report_scaler(report, s, n, fit_mask != NULL, nans);
    for (size_t j = 0; j < d && report; j++)
        if (constant[j]) od_printf(report, "  column '%s' is constant: scale set to 1\n", s->names[j]);
    if (model) {
        *model = s;
        s = NULL;
    }
done:
    if (repl) {
        for (size_t j = 0; j < in->ncol; j++) free(repl[j]);
        free(repl);
    }
    free(buf);
    free(cnt);
    free(nans);
    free(big);
    free(constant);
    free(idx);
    od_scaler_free(s);
    return rc;
}

int od_scaler_apply(od_ctx *ctx, const od_scaler *s, const od_frame *in, od_frame **out)
{
    *out = NULL;
    double **repl = od_calloc(ctx, in->ncol ? in->ncol : 1, sizeof *repl);
    if (!repl) return OD_ENOMEM;
    int rc = OD_OK;
    for (size_t j = 0; j < s->d; j++) {
        long c = od_frame_find(in, s->names[j]);
        if (c < 0 || in->cols[c].type != OD_COL_NUM) {
            rc = od_error(ctx, OD_ENOTFOUND, "the scaler needs a numeric column '%s'", s->names[j]);
            break;
        }
        if (repl[c]) continue;
        if (!(repl[c] = od_mallocn(ctx, in->nrow ? in->nrow : 1, sizeof(double)))) { rc = OD_ENOMEM; break; }
        size_t big = 0;
        apply_col(in->cols[c].num, repl[c], in->nrow, s->center[j], s->scale[j], &big);
        if (big) {
            rc = od_error(ctx, OD_EDATA, "the scaler puts %zu value%s of column '%s' beyond +-1e100 (scale %g)",
                          big, big == 1 ? "" : "s", s->names[j], s->scale[j]);
            break;
        }
    }
    if (!rc) rc = od_prep_frame_with(ctx, in, repl, out);
    for (size_t j = 0; j < in->ncol; j++) free(repl[j]);
    free(repl);
    return rc;
}
