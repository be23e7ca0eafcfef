#include "config.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

/* Cholesky factor of S (d x d, row-major, full); on a singular S adds a
 * ridge (1e-10, 1e-9, ... times the mean variance) until it factors.
 * L receives the factor (lower triangle, row-major).  *ridge: what was added. */
static int chol_ridge(od_ctx *ctx, const double *S, size_t d, double *L, double *ridge)
{
    double tr = 0;
    for (size_t j = 0; j < d; j++) tr += S[j * d + j];
    double base = tr > 0 ? tr / (double)d : 1.0;
    *ridge = 0;
    for (int step = 0; step < 16; step++) {
        double lam = step == 0 ? 0 : base * pow(10.0, -11 + step);
        memcpy(L, S, d * d * sizeof *L);
        for (size_t j = 0; j < d; j++) L[j * d + j] += lam;
        gsl_matrix_view Lv = gsl_matrix_view_array(L, d, d);
        if (gsl_linalg_cholesky_decomp1(&Lv.matrix) == GSL_SUCCESS) {
            /* a positive but tiny pivot still counts as singular */
            int ok = 1;
            for (size_t j = 0; j < d && ok; j++)
                if (!(L[j * d + j] > 1e-12 * sqrt(base))) ok = 0;
            if (ok) {
                *ridge = lam;
                return OD_OK;
            }
        }
    }
    return od_error(ctx, OD_ENOCONV, "pseudolabel: the covariance could not be regularised");
}

int od_prep_pseudolabel(od_ctx *ctx, const od_frame *f, const od_pseudo_opts *opt,
                        const unsigned char *fit_mask, unsigned char *flag, double *dist, od_out *report)
{
    int rc;
    size_t *idx = NULL, d = 0, nfit = 0, n = f->nrow;
    const double **x = NULL;
    double *mean = NULL, *S = NULL, *L = NULL, *Z = NULL, *D = NULL;
    if (!(opt->k > 0) || !isfinite(opt->k))
        return od_error(ctx, OD_EINVAL, "pseudolabel: k=%g must be a distance > 0", opt->k);
    if ((rc = od_prep_columns(ctx, f, opt->cols, opt->ncols, &idx, &d))) return rc;
    if ((rc = od_prep_fit_count(ctx, f, fit_mask, &nfit))) goto done;
    for (size_t k = 0; k < d; k++) {
        size_t c = od_prep_count_nan(f->cols[idx[k]].num, n);
        if (c) {
            rc = od_error(ctx, OD_EDATA, "pseudolabel: column '%s' has %zu missing value%s: clean first (clean missing=...)",
                          f->cols[idx[k]].name, c, c == 1 ? "" : "s");
            goto done;
        }
    }
    rc = OD_ENOMEM;
    size_t B = od_prep_block_rows(d);
    if (B > n) B = n ? n : 1;
    x = od_mallocn(ctx, d, sizeof *x);
    mean = od_mallocn(ctx, d, sizeof *mean);
    S = od_mallocn(ctx, d * d, sizeof *S);
    L = od_mallocn(ctx, d * d, sizeof *L);
    Z = od_mallocn(ctx, B * d, sizeof *Z);
    D = dist ? dist : od_mallocn(ctx, n ? n : 1, sizeof *D);
    if (!x || !mean || !S || !L || !Z || !D) goto done;
    for (size_t j = 0; j < d; j++) x[j] = f->cols[idx[j]].num;
    if ((rc = od_prep_scatter(ctx, x, d, n, fit_mask, nfit, mean, S))) goto done;
    for (size_t a = 0; a < d * d; a++) S[a] /= (double)nfit;   /* ddof 0 */
    double ridge;
    if ((rc = chol_ridge(ctx, S, d, L, &ridge))) goto done;
    if (ridge > 0)
        od_warn(ctx, "pseudolabel: the covariance of the fit rows is singular (constant or collinear columns); "
                     "added %s to its diagonal", od_prep_num(ridge));
    for (size_t r0 = 0; r0 < n; r0 += B) {
        size_t b = n - r0 < B ? n - r0 : B;
        od_prep_gather(x, d, NULL, r0, b, mean, Z);
        /* rows z solve y L^T = z; row-major lower L is column-major upper U = L^T */
        cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)b, (int)d, 1.0, L,
                    (int)d, Z, (int)b);
        for (size_t r = 0; r < b; r++) D[r0 + r] = 0;
        for (size_t j = 0; j < d; j++) {
            const double *z = Z + j * b;
            double *o = D + r0;
            for (size_t r = 0; r < b; r++) o[r] += z[r] * z[r];
        }
        for (size_t r = 0; r < b; r++) D[r0 + r] = sqrt(D[r0 + r]);
        if (od_cancelled(ctx)) {
            rc = od_error(ctx, OD_ECANCEL, "pseudolabel interrupted");
            goto done;
        }
    }
    size_t nflag = 0, nflag_fit = 0, nflag_anom = 0, nanom = 0;
    const double *lab = od_prep_label_col(f);
    for (size_t i = 0; i < n; i++) {
        flag[i] = D[i] > opt->k;
        nflag += flag[i];
        if (!fit_mask || fit_mask[i]) nflag_fit += flag[i];
        nanom += od_prep_is_anom(lab, i);
        nflag_anom += flag[i] && od_prep_is_anom(lab, i);
    }
    if (report) {
        od_printf(report, "pseudolabel mean k=%s: %zu of %zu rows (%s%%) lie farther than %s from the mean (Mahalanobis)\n",
                  od_prep_num(opt->k), nflag, n, od_prep_pct((double)nflag, (double)n),
                  od_prep_num(opt->k));
        od_printf(report, "  mean and covariance of %zu%s rows over %zu column%s; %zu flagged among them\n", nfit,
                  fit_mask ? " fit" : "", d, d == 1 ? "" : "s", nflag_fit);
        od_printf(report, "  a Gaussian would put %s%% of the rows beyond that distance (chi-square, %zu degrees of freedom)\n",
                  od_prep_pct(gsl_cdf_chisq_Q(opt->k * opt->k, (double)d), 1), d);
        if (ridge > 0) od_printf(report, "  covariance regularised: %s added to its diagonal\n", od_prep_num(ridge));
        if (lab)
            od_printf(report, "  %zu of the flagged rows are labelled anomalies (of %zu labelled)\n", nflag_anom, nanom);
    }
    rc = OD_OK;
done:
    free(idx);
    free(x);
    free(mean);
    free(S);
    free(L);
    free(Z);
    if (D != dist) free(D);
    return rc;
}
