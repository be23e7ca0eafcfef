#include "config.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>


void od_pca_free(od_pca *p)
{
    if (!p) return;
    if (p->names)
        for (size_t j = 0; j < p->d; j++) free(p->names[j]);
    free(p->names);
    free(p->mean);
    free(p->components);
    free(p->explained_variance);
    free(p->explained_variance_ratio);
    free(p->singular_values);
    free(p);
}

static od_pca *pca_alloc(od_ctx *ctx, size_t d)
{
    od_pca *p = od_calloc(ctx, 1, sizeof *p);
    if (!p) return NULL;
    p->d = d;
    p->names = od_calloc(ctx, d, sizeof *p->names);
    p->mean = od_mallocn(ctx, d, sizeof(double));
    p->components = od_mallocn(ctx, d * d, sizeof(double));
    p->explained_variance = od_mallocn(ctx, d, sizeof(double));
    p->explained_variance_ratio = od_mallocn(ctx, d, sizeof(double));
    p->singular_values = od_mallocn(ctx, d, sizeof(double));
    if (!p->names || !p->mean || !p->components || !p->explained_variance ||
        !p->explained_variance_ratio || !p->singular_values) {
        od_pca_free(p);
        return NULL;
    }
    return p;
}

static int check_nan(od_ctx *ctx, const od_frame *f, const size_t *idx, size_t d, const char *what)
{
    for (size_t k = 0; k < d; k++) {
        const double *x = f->cols[idx[k]].num;
        size_t c = od_prep_count_nan(x, f->nrow);
        if (c)
            return od_error(ctx, OD_EDATA, "%s: column '%s' has %zu missing value%s: clean first (clean missing=...)",
                            what, f->cols[idx[k]].name, c, c == 1 ? "" : "s");
    }
    return OD_OK;
}

/* y[c][i] = (x_i - mean) . comp_c for all rows; when argmax != NULL also the
 * fit row of largest |y| per component (first one on ties, in row order). */
static int transform(od_ctx *ctx, const od_pca *p, const double *const *x, size_t n,
                     double **y, const unsigned char *fit_mask, size_t *argmax)
{
    size_t d = p->d, k = p->k, B = od_prep_block_rows(d);
    if (B > n) B = n ? n : 1;
    double *Z = od_mallocn(ctx, B * d, sizeof *Z);
    double *Y = od_mallocn(ctx, B * k, sizeof *Y);
    double *best = od_mallocn(ctx, k, sizeof *best);
    if (!Z || !Y || !best) {
        free(Z);
        free(Y);
        free(best);
        return OD_ENOMEM;
    }
    for (size_t c = 0; c < k; c++) {
        best[c] = -1;
        if (argmax) argmax[c] = (size_t)-1;
    }
    for (size_t r0 = 0; r0 < n; r0 += B) {
        size_t b = n - r0 < B ? n - r0 : B;
        od_prep_gather(x, d, NULL, r0, b, p->mean, Z);
        /* Y (b x k) = Z (b x d) * components^T; components row-major k x d
         * is column-major d x k with ld d. */
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)b, (int)k, (int)d, 1.0, Z, (int)b,
                    p->components, (int)d, 0.0, Y, (int)b);
        for (size_t c = 0; c < k; c++) {
            memcpy(y[c] + r0, Y + c * b, b * sizeof(double));
            if (argmax) {
                const double *yc = Y + c * b;
                for (size_t r = 0; r < b; r++)
                    if ((!fit_mask || fit_mask[r0 + r]) && fabs(yc[r]) > best[c]) {
                        best[c] = fabs(yc[r]);
                        argmax[c] = r0 + r;
                    }
            }
        }
        if (od_cancelled(ctx)) {
            free(Z);
            free(Y);
            free(best);
            return od_error(ctx, OD_ECANCEL, "pca interrupted");
        }
    }
    free(Z);
    free(Y);
    free(best);
    return OD_OK;
}

/* Fit: mean and covariance of the fit rows, eigen-decomposition. */
static int fit(od_ctx *ctx, od_pca *p, const double *const *x, size_t n, const unsigned char *fit_mask,
               size_t nfit)
{
    int rc = OD_ENOMEM;
    size_t d = p->d;
    double *C = NULL;
    gsl_eigen_symmv_workspace *ws = NULL;
    gsl_vector *eval = NULL;
    gsl_matrix *evec = NULL;
    C = od_mallocn(ctx, d * d, sizeof *C);
    if (!C) goto done;
    if ((rc = od_prep_scatter(ctx, x, d, n, fit_mask, nfit, p->mean, C))) goto done;
    rc = OD_ENOMEM;
    ws = gsl_eigen_symmv_alloc(d);
    eval = gsl_vector_alloc(d);
    evec = gsl_matrix_alloc(d, d);
    if (!ws || !eval || !evec) {
        rc = od_error(ctx, OD_ENOMEM, "out of memory in the eigensolver");
        goto done;
    }
    gsl_matrix_view Cv = gsl_matrix_view_array(C, d, d);
    double tr = 0, inv = 1.0 / (double)(nfit - 1);
    for (size_t a = 0; a < d * d; a++) C[a] *= inv;
    for (size_t a = 0; a < d; a++) tr += gsl_matrix_get(&Cv.matrix, a, a);
    if (gsl_eigen_symmv(&Cv.matrix, eval, evec, ws) != GSL_SUCCESS) {
        rc = od_error(ctx, OD_ENOCONV, "pca: the eigensolver did not converge");
        goto done;
    }
    gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC);
    p->total_variance = tr;
    for (size_t c = 0; c < d; c++) {
        double ev = gsl_vector_get(eval, c);
        if (ev < 0) ev = 0;
        p->explained_variance[c] = ev;
        p->explained_variance_ratio[c] = tr > 0 ? ev / tr : 0;
        p->singular_values[c] = sqrt(ev * (double)(nfit - 1));
        for (size_t j = 0; j < d; j++) p->components[c * d + j] = gsl_matrix_get(evec, j, c);
    }
    rc = OD_OK;
done:
    if (ws) gsl_eigen_symmv_free(ws);
    if (eval) gsl_vector_free(eval);
    if (evec) gsl_matrix_free(evec);
    free(C);
    return rc;
}

/* Output frame: selected columns replaced by PC1..PCk at the first one's place. */
static int build(od_ctx *ctx, const od_frame *in, const size_t *idx, size_t d, double **y, size_t k,
                 od_frame **out)
{
    int rc = OD_OK;
    unsigned char *sel = od_calloc(ctx, in->ncol ? in->ncol : 1, 1);
    od_frame *g = od_frame_new(ctx, in->nrow);
    if (!sel || !g) rc = OD_ENOMEM;
    for (size_t q = 0; q < d && !rc; q++) sel[idx[q]] = 1;
    size_t first = idx[0];
    for (size_t q = 1; q < d; q++)
        if (idx[q] < first) first = idx[q];
    for (size_t j = 0; j < in->ncol && !rc; j++) {
        if (j == first) {
            for (size_t c = 0; c < k && !rc; c++) {
                char nm[32];
                snprintf(nm, sizeof nm, "PC%zu", c + 1);
                double *col = y[c];
                y[c] = NULL;
                rc = od_frame_add_num_donate(ctx, g, nm, col, OD_COL_NUM, OD_ROLE_FEATURE);
            }
        }
        if (!sel[j] && !rc) rc = od_prep_copy_col(ctx, g, &in->cols[j], in->nrow);
    }
    free(sel);
    if (rc) {
        od_frame_free(g);
        return rc;
    }
    *out = g;
    return OD_OK;
}

static int name_clash(od_ctx *ctx, const od_frame *in, const size_t *idx, size_t d, size_t k)
{
    for (size_t j = 0; j < in->ncol; j++) {
        int s = 0;
        for (size_t q = 0; q < d; q++) s |= idx[q] == j;
        const char *nm = in->cols[j].name;
        size_t c;
        char tail;
        if (!s && sscanf(nm, "PC%zu%c", &c, &tail) == 1 && c >= 1 && c <= k)
            return od_error(ctx, OD_EINVAL, "pca: the dataset already has a column '%s' that is kept; rename or drop it",
                            nm);
    }
    return OD_OK;
}

static void report_pca(od_out *r, const od_pca *p, size_t nrow, int masked)
{
    if (!r) return;
    od_printf(r, "pca: %zu column%s -> %zu component%s (PC1..PC%zu), fitted on %zu of %zu rows%s, whiten=%s\n",
              p->d, p->d == 1 ? "" : "s", p->k, p->k == 1 ? "" : "s", p->k, p->nfit, nrow,
              masked ? " (fit part)" : "", p->whiten ? "yes" : "no");
    od_printf(r, "  %-9s %12s %9s %10s  %s\n", "component", "variance", "ratio", "cumulative", "top loadings");
    double cum = 0;
    for (size_t c = 0; c < p->k; c++) {
        cum += p->explained_variance_ratio[c];
        char nm[32];
        snprintf(nm, sizeof nm, "PC%zu", c + 1);
        od_printf(r, "  %-9s %12s %9s %10s ", nm, od_prep_num(p->explained_variance[c]),
                  od_prep_num(p->explained_variance_ratio[c]), od_prep_num(cum));
        /* up to three largest |loadings| */
        size_t top[3] = { (size_t)-1, (size_t)-1, (size_t)-1 };
        for (int t = 0; t < 3 && (size_t)t < p->d; t++) {
            double bv = -1;
            for (size_t j = 0; j < p->d; j++) {
                double v = fabs(p->components[c * p->d + j]);
                int used = 0;
                for (int u = 0; u < t; u++) used |= top[u] == j;
                if (!used && v > bv) { bv = v; top[t] = j; }
            }
            od_printf(r, " %s*%s", od_prep_num(p->components[c * p->d + top[t]]), p->names[top[t]]);
        }
        od_printf(r, "\n");
    }
    if (p->k < p->d)
        od_printf(r, "  the %zu dropped component%s held %s of the variance\n", p->d - p->k,
                  p->d - p->k == 1 ? "" : "s", od_prep_num(1 - cum < 0 ? 0 : 1 - cum));
}

int od_prep_pca(od_ctx *ctx, const od_frame *in, const od_pca_opts *opt,
                const unsigned char *fit_mask, od_frame **out, od_pca **model, od_out *report)
{
    int rc;
    size_t *idx = NULL, d = 0, nfit = 0, n = in->nrow;
    od_pca *p = NULL;
    const double **x = NULL;
    double **y = NULL;
    size_t *argmax = NULL, ny = 0;
    *out = NULL;
    if (model) *model = NULL;
    if (opt->k == 0 && !(opt->variance > 0 && opt->variance <= 1))
        return od_error(ctx, OD_EINVAL, "pca: variance=%g must be in (0, 1] (or give k=N)", opt->variance);
    if ((rc = od_prep_columns(ctx, in, opt->cols, opt->ncols, &idx, &d))) return rc;
    if ((rc = od_prep_fit_count(ctx, in, fit_mask, &nfit))) goto done;
    if (opt->k > d) {
        rc = od_error(ctx, OD_EINVAL, "pca: k=%zu exceeds the %zu feature column%s", opt->k, d, d == 1 ? "" : "s");
        goto done;
    }
    if (opt->k > nfit) {
        rc = od_error(ctx, OD_EINVAL, "pca: k=%zu exceeds the %zu fit rows", opt->k, nfit);
        goto done;
    }
    if (nfit < 2) {
        rc = od_error(ctx, OD_EDATA, "pca needs at least 2 fit rows");
        goto done;
    }
    if ((rc = check_nan(ctx, in, idx, d, "pca"))) goto done;
    rc = OD_ENOMEM;
    if (!(p = pca_alloc(ctx, d))) goto done;
    if (!(x = od_mallocn(ctx, d, sizeof *x))) goto done;
    for (size_t j = 0; j < d; j++) {
        x[j] = in->cols[idx[j]].num;
        if (!(p->names[j] = od_strdup(ctx, in->cols[idx[j]].name))) goto done;
    }
    p->nfit = nfit;
    p->whiten = opt->whiten != 0;
    if ((rc = fit(ctx, p, x, n, fit_mask, nfit))) goto done;
    size_t k = opt->k;
    if (k == 0) {
        /* sklearn: searchsorted(cumsum, F, side='right') + 1 */
        double cum = 0;
        k = d;
        for (size_t c = 0; c < d; c++) {
            cum += p->explained_variance_ratio[c];
            if (cum > opt->variance) { k = c + 1; break; }
        }
        if (k > nfit) k = nfit;
    }
    p->k = k;
    if ((rc = name_clash(ctx, in, idx, d, k))) goto done;
    if (p->whiten)
        for (size_t c = 0; c < k; c++)
            if (!(p->explained_variance[c] > 0)) {
                rc = od_error(ctx, OD_EDATA, "pca: PC%zu has zero variance and cannot be whitened; use a smaller k", c + 1);
                goto done;
            }
    rc = OD_ENOMEM;
    if (!(y = od_calloc(ctx, k, sizeof *y)) || !(argmax = od_mallocn(ctx, k, sizeof *argmax))) goto done;
    ny = k;
    for (size_t c = 0; c < k; c++)
        if (!(y[c] = od_mallocn(ctx, n ? n : 1, sizeof(double)))) goto done;
    if ((rc = transform(ctx, p, x, n, y, fit_mask, argmax))) goto done;
    /* svd_flip (sklearn 1.2, u-based): the largest |score| of the fit rows is positive */
    for (size_t c = 0; c < k; c++) {
        int flip = argmax[c] != (size_t)-1 && y[c][argmax[c]] < 0;
        double s = flip ? -1 : 1;
        if (flip)
            for (size_t j = 0; j < d; j++) p->components[c * d + j] = -p->components[c * d + j];
        if (p->whiten) s /= sqrt(p->explained_variance[c]);
        if (s != 1)
            for (size_t i = 0; i < n; i++) y[c][i] *= s;
    }
    if ((rc = build(ctx, in, idx, d, y, k, out))) goto done;
    report_pca(report, p, n, fit_mask != NULL);
    if (model) {
        *model = p;
        p = NULL;
    }
done:
    if (y)
        for (size_t c = 0; c < ny; c++) free(y[c]);
    free(y);
    free(argmax);
    free(x);
    free(idx);
    od_pca_free(p);
    return rc;
}

int od_pca_apply(od_ctx *ctx, const od_pca *p, const od_frame *in, od_frame **out)
{
    int rc = OD_ENOMEM;
    size_t n = in->nrow, *idx = NULL;
    const double **x = NULL;
    double **y = NULL;
    *out = NULL;
    if (!(idx = od_mallocn(ctx, p->d, sizeof *idx)) || !(x = od_mallocn(ctx, p->d, sizeof *x)) ||
        !(y = od_calloc(ctx, p->k, sizeof *y)))
        goto done;
    for (size_t j = 0; j < p->d; j++) {
        long c = od_frame_find(in, p->names[j]);
        if (c < 0 || in->cols[c].type != OD_COL_NUM) {
            rc = od_error(ctx, OD_ENOTFOUND, "the pca needs a numeric column '%s'", p->names[j]);
            goto done;
        }
        idx[j] = (size_t)c;
        x[j] = in->cols[c].num;
    }
    if ((rc = check_nan(ctx, in, idx, p->d, "pca"))) goto done;
    if ((rc = name_clash(ctx, in, idx, p->d, p->k))) goto done;
    rc = OD_ENOMEM;
    for (size_t c = 0; c < p->k; c++)
        if (!(y[c] = od_mallocn(ctx, n ? n : 1, sizeof(double)))) goto done;
    if ((rc = transform(ctx, p, x, n, y, NULL, NULL))) goto done;
    if (p->whiten)
        for (size_t c = 0; c < p->k; c++) {
            double s = 1 / sqrt(p->explained_variance[c]);
            for (size_t i = 0; i < n; i++) y[c][i] *= s;
        }
    rc = build(ctx, in, idx, p->d, y, p->k, out);
done:
    if (y)
        for (size_t c = 0; c < p->k; c++) free(y[c]);
    free(y);
    free(x);
    free(idx);
    return rc;
}
