#include "config.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_rng.h>

int od_prep_columns(od_ctx *ctx, const od_frame *f, const char *const *cols, size_t ncols,
                    size_t **idx, size_t *d)
{
    *idx = NULL;
    *d = 0;
    size_t *ix = od_mallocn(ctx, f->ncol ? f->ncol : 1, sizeof *ix);
    if (!ix) return OD_ENOMEM;
    size_t m = 0;
    if (!cols || ncols == 0) {
        m = od_frame_feature_cols(f, ix);
        if (m == 0) {
            free(ix);
            return od_error(ctx, OD_EDATA, "the dataset has no numeric feature columns");
        }
    } else {
        if (ncols > f->ncol) {
            free(ix);
            return od_error(ctx, OD_EINVAL, "%zu columns named but the dataset has only %zu", ncols, f->ncol);
        }
        for (size_t k = 0; k < ncols; k++) {
            long j = od_frame_find(f, cols[k]);
            if (j < 0) {
                free(ix);
                return od_error(ctx, OD_ENOTFOUND, "no column named '%s'", cols[k]);
            }
            if (f->cols[j].type != OD_COL_NUM) {
                free(ix);
                return od_error(ctx, OD_EINVAL, "column '%s' is not numeric", cols[k]);
            }
            for (size_t q = 0; q < m; q++)
                if (ix[q] == (size_t)j) {
                    free(ix);
                    return od_error(ctx, OD_EINVAL, "column '%s' is named twice", cols[k]);
                }
            ix[m++] = (size_t)j;
        }
    }
    *idx = ix;
    *d = m;
    return OD_OK;
}

int od_prep_fit_count(od_ctx *ctx, const od_frame *f, const unsigned char *mask, size_t *nfit)
{
    size_t m = f->nrow;
    if (mask) {
        m = 0;
        for (size_t i = 0; i < f->nrow; i++) m += mask[i] != 0;
    }
    *nfit = m;
    if (m == 0)
        return od_error(ctx, OD_EDATA, mask ? "the fit part (training rows) is empty" : "the dataset has no rows");
    return OD_OK;
}

const double *od_prep_label_col(const od_frame *f)
{
    long j = od_frame_role(f, OD_ROLE_LABEL);
    if (j < 0 || !f->cols[j].num) return NULL;
    return f->cols[j].num;
}

int od_prep_copy_col(od_ctx *ctx, od_frame *g, const od_column *src, size_t nrow)
{
    if (src->text) {
        char **t = od_calloc(ctx, nrow ? nrow : 1, sizeof *t);
        if (!t) return OD_ENOMEM;
        for (size_t i = 0; i < nrow; i++)
            if (src->text[i] && !(t[i] = od_strdup(ctx, src->text[i]))) {
                for (size_t q = 0; q < i; q++) free(t[q]);
                free(t);
                return OD_ENOMEM;
            }
        return od_frame_add_text_donate(ctx, g, src->name, t, src->role);
    }
    double *x = od_mallocn(ctx, nrow ? nrow : 1, sizeof *x);
    if (!x) return OD_ENOMEM;
    if (nrow) memcpy(x, src->num, nrow * sizeof *x);
    return od_frame_add_num_donate(ctx, g, src->name, x, src->type, src->role);
}

int od_prep_frame_with(od_ctx *ctx, const od_frame *in, double **repl, od_frame **out)
{
    int rc = OD_ENOMEM;
    size_t j = 0;
    *out = NULL;
    od_frame *g = od_frame_new(ctx, in->nrow);
    if (!g) goto fail;
    for (j = 0; j < in->ncol; j++) {
        const od_column *c = &in->cols[j];
        if (repl[j]) {
            double *x = repl[j];
            repl[j] = NULL;
            rc = od_frame_add_num_donate(ctx, g, c->name, x, c->type, c->role);
        } else {
            rc = od_prep_copy_col(ctx, g, c, in->nrow);
        }
        if (rc) goto fail;
    }
    *out = g;
    return OD_OK;
fail:
    for (; j < in->ncol; j++) {
        free(repl[j]);
        repl[j] = NULL;
    }
    od_frame_free(g);
    return rc;
}

size_t od_prep_first_nan(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i])) return i;
    return n;
}

size_t od_prep_count_nan(const double *x, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += isnan(x[i]) != 0;
    return c;
}

const char *od_prep_num(double x)
{
    static _Thread_local char buf[8][40];
    static _Thread_local int k;
    char *b = buf[k++ & 7];
    return od_fmt_num(b, sizeof buf[0], x, 6);
}

const char *od_prep_pct(double part, double whole)
{
    static _Thread_local char buf[8][40];
    static _Thread_local int k;
    char *b = buf[k++ & 7];
    return od_fmt_num(b, sizeof buf[0], whole > 0 ? 100.0 * part / whole : 0, 3);
}

static int cmp_time(const void *a, const void *b, void *arg)
{
    const double *t = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = t[i], y = t[j];
    int xn = isnan(x), yn = isnan(y);
    if (xn != yn) return xn - yn;
    if (!xn && x != y) return x < y ? -1 : 1;
    return (i > j) - (i < j);
}

size_t *od_prep_time_order(od_ctx *ctx, const od_frame *f)
{
    size_t n = f->nrow;
    size_t *o = od_mallocn(ctx, n ? n : 1, sizeof *o);
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++) o[i] = i;
    long tj = od_frame_role(f, OD_ROLE_TIME);
    if (tj < 0 || !f->cols[tj].num) return o;
    const double *t = f->cols[tj].num;
    int sorted = 1;
    for (size_t i = 1; i < n && sorted; i++)
        if (!(t[i] >= t[i - 1]) && !isnan(t[i])) sorted = 0;
    if (sorted && od_prep_first_nan(t, n) == n) return o;
    /* qsort with the row index as tie-break is stable and deterministic. */
    qsort_r(o, n, sizeof *o, cmp_time, (void *)t);
    return o;
}

void od_prep_shuffle(gsl_rng *r, size_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)gsl_rng_uniform_int(r, (unsigned long)i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

size_t od_prep_block_rows(size_t d)
{
    size_t b = ((size_t)1 << 20) / (d ? d : 1);
    return b < 256 ? 256 : b;
}

void od_prep_gather(const double *const *x, size_t d, const size_t *rows, size_t r0, size_t b,
                    const double *mean, double *Z)
{
    /* Single-threaded on purpose: it alternates with multi-threaded BLAS
     * calls, and OpenMP workers running while OpenBLAS's threads still spin
     * after a call slow both down several-fold on a small machine. */
    for (size_t j = 0; j < d; j++) {
        const double *c = x[j];
        double m = mean[j], *z = Z + j * b;
        if (rows)
            for (size_t r = 0; r < b; r++) z[r] = c[rows[r0 + r]] - m;
        else
            for (size_t r = 0; r < b; r++) z[r] = c[r0 + r] - m;
    }
}

int od_prep_scatter(od_ctx *ctx, const double *const *x, size_t d, size_t n, const unsigned char *fit_mask,
                    size_t nfit, double *mean, double *S)
{
    int rc = OD_ENOMEM;
    size_t B = od_prep_block_rows(d), *rows = NULL;
    double *Z = NULL, *C = NULL;
    int nt = od_ctx_threads(ctx);
    if (nt < 1) nt = 1;
    if (B > nfit) B = nfit;
    if (fit_mask) {
        if (!(rows = od_mallocn(ctx, nfit, sizeof *rows))) goto done;
        for (size_t i = 0, m = 0; i < n; i++)
            if (fit_mask[i]) rows[m++] = i;
    }
    #pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t j = 0; j < d; j++) {
        const double *c = x[j];
        double s = 0;
        if (rows)
            for (size_t r = 0; r < nfit; r++) s += c[rows[r]];
        else
            for (size_t i = 0; i < n; i++) s += c[i];
        mean[j] = s / (double)nfit;
    }
    Z = od_mallocn(ctx, B * d, sizeof *Z);
    C = od_calloc(ctx, d * d, sizeof *C);
    if (!Z || !C) goto done;
    for (size_t r0 = 0; r0 < nfit; r0 += B) {
        size_t b = nfit - r0 < B ? nfit - r0 : B;
        od_prep_gather(x, d, rows, r0, b, mean, Z);
        /* C (upper, column-major) += Z^T Z */
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)d, (int)b, 1.0, Z, (int)b, 1.0, C, (int)d);
        if (od_cancelled(ctx)) {
            rc = od_error(ctx, OD_ECANCEL, "interrupted");
            goto done;
        }
    }
    /* column-major upper: C[a*d + b] holds (b, a) for b <= a */
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b <= a; b++) {
            double v = C[a * d + b];
            S[a * d + b] = v;
            S[b * d + a] = v;
        }
    rc = OD_OK;
done:
    free(rows);
    free(Z);
    free(C);
    return rc;
}
