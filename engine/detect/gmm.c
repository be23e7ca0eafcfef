/* gmm.c - Gaussian mixture fitted by EM (as scikit-learn's GaussianMixture);
 * score = -log p(x). */
#include "config.h"
#include "cl_cluster.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>

#define GM_NAME "gmm"
#define GM_VERSION 1u
#define GM_LOG2PI 1.8378770664093454836

static size_t gm_cov_size(int cov, size_t k, size_t d)
{
    switch (cov) {
    case OD_GMM_FULL: return k * d * d;
    case OD_GMM_TIED: return d * d;
    case OD_GMM_DIAG: return k * d;
    default: return k;
    }
}

void od_gmm_model_done(od_gmm_model *m)
{
    if (!m) return;
    free(m->weights);
    free(m->means);
    free(m->covs);
    free(m->prec);
    free(m->logdet);
    memset(m, 0, sizeof *m);
}

int od_gmm_model_alloc(od_ctx *ctx, od_gmm_model *m, size_t k, size_t d, int cov)
{
    memset(m, 0, sizeof *m);
    m->k = k;
    m->d = d;
    m->cov = cov;
    size_t cs = gm_cov_size(cov, k, d);
    m->weights = od_calloc(ctx, k, sizeof *m->weights);
    m->means = od_calloc(ctx, k * d, sizeof *m->means);
    m->covs = od_calloc(ctx, cs, sizeof *m->covs);
    m->prec = od_calloc(ctx, cs, sizeof *m->prec);
    m->logdet = od_calloc(ctx, k, sizeof *m->logdet);
    if (!m->weights || !m->means || !m->covs || !m->prec || !m->logdet) {
        od_gmm_model_done(m);
        return OD_ENOMEM;
    }
    return OD_OK;
}

size_t od_gmm_nparams(const od_gmm_model *m)
{
    size_t k = m->k, d = m->d, cp;
    switch (m->cov) {
    case OD_GMM_FULL: cp = k * d * (d + 1) / 2; break;
    case OD_GMM_TIED: cp = d * (d + 1) / 2; break;
    case OD_GMM_DIAG: cp = k * d; break;
    default: cp = k; break;
    }
    return cp + k * d + k - 1;
}

/* Precision factors and log-determinants from the covariances; regularises
 * a covariance that is not positive definite (warns once). */
static int gm_precisions(od_ctx *ctx, od_gmm_model *m)
{
    size_t k = m->k, d = m->d;
    if (m->cov == OD_GMM_FULL || m->cov == OD_GMM_TIED) {
        size_t nm = m->cov == OD_GMM_FULL ? k : 1;
        double *A = od_mallocn(ctx, 2 * d * d, sizeof *A);
        if (!A) return OD_ENOMEM;
        for (size_t c = 0; c < nm; c++) {
            double *S = m->covs + c * d * d, added;
            memcpy(A, S, d * d * sizeof *A);
            if (od_cl_cholesky_reg(A, A + d * d, d, &added)) {
                free(A);
                return od_error(ctx, OD_ENOCONV, "gmm: the covariance of component %zu is not finite", c);
            }
            if (added > 0) {
                for (size_t j = 0; j < d; j++) S[j * d + j] += added;
                if (added > m->reg_added) {
                    if (m->reg_added == 0)
                        od_warn(ctx, "gmm: a covariance matrix is singular (too few rows in a component, or "
                                     "collinear columns); added %.3g to its diagonal (raise reg= to silence)", added);
                    m->reg_added = added;
                }
            }
            double *P = m->prec + c * d * d;
            od_cl_trinv_lower(A, P, d);
            double ld = 0;
            for (size_t j = 0; j < d; j++) ld += log(P[j * d + j]);
            if (m->cov == OD_GMM_FULL) m->logdet[c] = ld;
            else
                for (size_t q = 0; q < k; q++) m->logdet[q] = ld;
        }
        free(A);
    } else {
        size_t nv = m->cov == OD_GMM_DIAG ? k * d : k;
        for (size_t q = 0; q < nv; q++) {
            double v = m->covs[q];
            if (!(v > 0)) {
                double add = 1e-10;
                od_warn(ctx, "gmm: a variance is zero; added %.3g (raise reg= to silence)", add);
                if (add > m->reg_added) m->reg_added = add;
                v = m->covs[q] = v + add > 0 ? v + add : add;
            }
            m->prec[q] = 1.0 / sqrt(v);
        }
        for (size_t c = 0; c < k; c++) {
            if (m->cov == OD_GMM_DIAG) {
                double ld = 0;
                for (size_t j = 0; j < d; j++) ld += log(m->prec[c * d + j]);
                m->logdet[c] = ld;
            } else {
                m->logdet[c] = (double)d * log(m->prec[c]);
            }
        }
    }
    return OD_OK;
}

/* Per-call evaluation tables: the precision factors transposed (column b of
 * L^-1 is contiguous, so y = L^-1 (x - mu) is d vector updates) and the log
 * weights. */
typedef struct {
    const od_gmm_model *m;
    double *Pt;     /* full: k x d x d; tied: d x d */
    double *logw;   /* k */
} gm_eval;

static void gm_eval_done(gm_eval *e)
{
    free(e->Pt);
    free(e->logw);
}

static int gm_eval_init(gm_eval *e, const od_gmm_model *m)
{
    size_t k = m->k, d = m->d, nm = m->cov == OD_GMM_FULL ? k : m->cov == OD_GMM_TIED ? 1 : 0;
    e->m = m;
    e->Pt = nm ? malloc(nm * d * d * sizeof *e->Pt) : NULL;
    e->logw = malloc(k * sizeof *e->logw);
    if ((nm && !e->Pt) || !e->logw) {
        gm_eval_done(e);
        return -1;
    }
    for (size_t c = 0; c < nm; c++)
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++) e->Pt[c * d * d + b * d + a] = m->prec[c * d * d + a * d + b];
    for (size_t c = 0; c < k; c++) e->logw[c] = log(m->weights[c]);
    return 0;
}

/* Weighted log-probabilities log w_c + log N(x | c) of one row into lp[k];
 * scratch: diff[d], y[d]. */
static void gm_row_logprob(const gm_eval *e, const double *x, double *lp, double *diff, double *y)
{
    const od_gmm_model *m = e->m;
    size_t k = m->k, d = m->d;
    double cst = -0.5 * (double)d * GM_LOG2PI;
    for (size_t c = 0; c < k; c++) {
        const double *mu = m->means + c * d;
        double q = 0;
        if (m->cov == OD_GMM_FULL || m->cov == OD_GMM_TIED) {
            const double *P = e->Pt + (m->cov == OD_GMM_FULL ? c * d * d : 0);
            for (size_t j = 0; j < d; j++) {
                diff[j] = x[j] - mu[j];
                y[j] = 0;
            }
            for (size_t b = 0; b < d; b++) {
                double db = diff[b];
                const double *col = P + b * d;
                #pragma omp simd
                for (size_t a = 0; a < d; a++) y[a] += db * col[a];
            }
            #pragma omp simd reduction(+ : q)
            for (size_t a = 0; a < d; a++) q += y[a] * y[a];
        } else if (m->cov == OD_GMM_DIAG) {
            const double *p = m->prec + c * d;
            #pragma omp simd reduction(+ : q)
            for (size_t j = 0; j < d; j++) {
                double t = (x[j] - mu[j]) * p[j];
                q += t * t;
            }
        } else {
            double p2 = m->prec[c] * m->prec[c];
            #pragma omp simd reduction(+ : q)
            for (size_t j = 0; j < d; j++) {
                double t = x[j] - mu[j];
                q += t * t;
            }
            q *= p2;
        }
        lp[c] = cst - 0.5 * q + m->logdet[c] + e->logw[c];
    }
}

/* Full/tied covariances, 8 rows at a time with the rows in the vector lanes:
 * y_a = sum_{b<=a} L^-1[a][b] (x_b - mu_b) accumulates in registers, so the
 * d(d+1)/2 multiply-adds per component serve 8 rows.  lp: nr x k (nr <= 8).
 * Compiled for several instruction sets, picked at run time. */
typedef double gm_v8 __attribute__((vector_size(64)));
#define GM_VEC_MAXD 256   /* the 8-row kernels keep 3 d-vectors on the stack */

__attribute__((target_clones("avx512f", "avx2", "default")))
static void gm_block_full(const gm_eval *e, const double *X, size_t ld, size_t nr, double *lp)
{
    const od_gmm_model *m = e->m;
    size_t k = m->k, d = m->d;
    double cst = -0.5 * (double)d * GM_LOG2PI;
    gm_v8 xt[d], D[d];
    for (size_t j = 0; j < d; j++)
        for (size_t r = 0; r < 8; r++) xt[j][r] = X[(r < nr ? r : nr - 1) * ld + j];
    for (size_t c = 0; c < k; c++) {
        const double *mu = m->means + c * d;
        const double *P = m->prec + (m->cov == OD_GMM_FULL ? c * d * d : 0);
        for (size_t j = 0; j < d; j++) D[j] = xt[j] - mu[j];
        gm_v8 q = { 0, 0, 0, 0, 0, 0, 0, 0 };
        for (size_t a = 0; a < d; a++) {
            const double *pa = P + a * d;
            gm_v8 acc = { 0, 0, 0, 0, 0, 0, 0, 0 };
            for (size_t b = 0; b <= a; b++) acc += pa[b] * D[b];
            q += acc * acc;
        }
        double base = cst + m->logdet[c] + e->logw[c];
        for (size_t r = 0; r < nr; r++) lp[r * k + c] = base - 0.5 * q[r];
    }
}

/* Per-block weighted scatter sum_i r_ic (x_i - mu_c)(x_i - mu_c)^T (upper
 * triangle) of rows [r0, r1) into p (k x d x d), 8 rows per vector; S8 is
 * scratch of k x d x d vectors. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void gm_block_cov(const double *X, size_t ld, size_t r0, size_t r1, const double *resp, const double *means,
                         size_t k, size_t d, gm_v8 *S8, double *p)
{
    gm_v8 zero = { 0, 0, 0, 0, 0, 0, 0, 0 };
    for (size_t q = 0; q < k * d * d; q++) S8[q] = zero;
    gm_v8 xt[d], D[d], W[d];
    for (size_t g = r0; g < r1; g += 8) {
        size_t nr = r1 - g < 8 ? r1 - g : 8;
        for (size_t j = 0; j < d; j++)
            for (size_t r = 0; r < 8; r++) xt[j][r] = X[(g + (r < nr ? r : 0)) * ld + j];
        for (size_t c = 0; c < k; c++) {
            gm_v8 rc;
            for (size_t r = 0; r < 8; r++) rc[r] = r < nr ? resp[(g + r) * k + c] : 0;
            const double *mu = means + c * d;
            for (size_t j = 0; j < d; j++) {
                D[j] = xt[j] - mu[j];
                W[j] = rc * D[j];
            }
            gm_v8 *S = S8 + c * d * d;
            for (size_t a = 0; a < d; a++)
                for (size_t bb = a; bb < d; bb++) S[a * d + bb] += W[a] * D[bb];
        }
    }
    for (size_t c = 0; c < k; c++)
        for (size_t a = 0; a < d; a++)
            for (size_t bb = a; bb < d; bb++) {
                gm_v8 v = S8[c * d * d + a * d + bb];
                double t = 0;
                for (int r = 0; r < 8; r++) t += v[r];
                p[c * d * d + a * d + bb] = t;
            }
}

/* log w_c + log N(x_i | c) for rows [0, nr) of X into lp (nr x k) */
static void gm_rows_logprob(const gm_eval *e, const double *X, size_t ld, size_t nr, double *lp, double *scratch)
{
    const od_gmm_model *m = e->m;
    if ((m->cov == OD_GMM_FULL || m->cov == OD_GMM_TIED) && m->d <= GM_VEC_MAXD) {
        for (size_t r0 = 0; r0 < nr; r0 += 8)
            gm_block_full(e, X + r0 * ld, ld, nr - r0 < 8 ? nr - r0 : 8, lp + r0 * m->k);
    } else {
        for (size_t r = 0; r < nr; r++) gm_row_logprob(e, X + r * ld, lp + r * m->k, scratch, scratch + m->d);
    }
}

int od_gmm_logpdf(od_ctx *ctx, const od_gmm_model *m, const double *X, size_t n, size_t ld,
                  double *logp, long *label)
{
    size_t k = m->k, d = m->d;
    int fail = 0;
    gm_eval e;
    if (gm_eval_init(&e, m)) return od_error(ctx, OD_ENOMEM, "gmm: out of memory");
    #pragma omp parallel
    {
        double *lp = malloc((8 * k + 2 * d) * sizeof *lp);
        if (!lp) {
            #pragma omp atomic write
            fail = 1;
        }
        size_t nb8 = (n + 7) / 8;
        #pragma omp for schedule(static)
        for (size_t g = 0; g < nb8; g++) {
            if (!lp) continue;
            size_t r0 = g * 8, nr = n - r0 < 8 ? n - r0 : 8;
            gm_rows_logprob(&e, X + r0 * ld, ld, nr, lp, lp + 8 * k);
            for (size_t r = 0; r < nr; r++) {
                const double *l = lp + r * k;
                if (logp) logp[r0 + r] = od_cl_logsumexp(l, k);
                if (label) {
                    size_t b = 0;
                    for (size_t c = 1; c < k; c++)
                        if (l[c] > l[b]) b = c;
                    label[r0 + r] = (long)b;
                }
            }
        }
        free(lp);
    }
    gm_eval_done(&e);
    if (fail) return od_error(ctx, OD_ENOMEM, "gmm: out of memory");
    return OD_OK;
}

/* ------------------------------------------------------------------- EM */

typedef struct {
    const double *X;
    size_t n, d, ld, k, nb;
    int cov;
    double reg;
    double *resp;    /* n x k */
    double *part;    /* nb x pstride */
    size_t pstride;
    double *acc;     /* pstride */
    double *xtx;     /* tied: X^T X (d x d) */
} gm_work;

/* Parameters (weights, means, covariances) from the responsibilities, as
 * sklearn's _estimate_gaussian_parameters; weights are normalised by their
 * sum (m-step) or by n (initialisation). */
static int gm_params(od_ctx *ctx, gm_work *w, od_gmm_model *m, int by_n, int have_pass1)
{
    int fail = 0;
    size_t n = w->n, d = w->d, k = w->k, ld = w->ld, nb = w->nb;
    const double *X = w->X;
    int diag2 = w->cov == OD_GMM_DIAG || w->cov == OD_GMM_SPHERICAL;
    size_t s1 = k + k * d + (diag2 ? k * d : 0);
    /* pass 1: nk, sum r x, (diag/spherical) sum r x^2 (fused into the E-step in the EM loop) */
    #pragma omp parallel for schedule(static) if (!have_pass1)
    for (size_t b = 0; b < nb; b++) {
        if (have_pass1) continue;
        size_t r0 = b * OD_CL_BLOCK, r1 = r0 + OD_CL_BLOCK < n ? r0 + OD_CL_BLOCK : n;
        double *p = w->part + b * w->pstride;
        memset(p, 0, s1 * sizeof *p);
        for (size_t i = r0; i < r1; i++) {
            const double *x = X + i * ld, *r = w->resp + i * k;
            for (size_t c = 0; c < k; c++) {
                double rc = r[c];
                p[c] += rc;
                double *sx = p + k + c * d;
                for (size_t j = 0; j < d; j++) sx[j] += rc * x[j];
                if (diag2) {
                    double *sxx = p + k + k * d + c * d;
                    for (size_t j = 0; j < d; j++) sxx[j] += rc * x[j] * x[j];
                }
            }
        }
    }
    double *acc = w->acc;
    memset(acc, 0, s1 * sizeof *acc);
    for (size_t b = 0; b < nb; b++)
        for (size_t q = 0; q < s1; q++) acc[q] += w->part[b * w->pstride + q];
    double *nk = acc;
    double tot = 0;
    for (size_t c = 0; c < k; c++) {
        nk[c] += 10 * DBL_EPSILON;
        tot += nk[c];
        for (size_t j = 0; j < d; j++) m->means[c * d + j] = acc[k + c * d + j] / nk[c];
    }
    for (size_t c = 0; c < k; c++) m->weights[c] = by_n ? nk[c] / (double)n : nk[c];
    if (!by_n) {
        double ws = 0;
        for (size_t c = 0; c < k; c++) ws += m->weights[c];
        for (size_t c = 0; c < k; c++) m->weights[c] /= ws;
    }
    if (w->cov == OD_GMM_FULL) {
        size_t s2 = k * d * d;
        #pragma omp parallel
        {
            /* 8-row vectors up to GM_VEC_MAXD columns; a plain row loop beyond */
            gm_v8 *S8 = d <= GM_VEC_MAXD ? aligned_alloc(64, k * d * d * sizeof *S8) : NULL;
            double *diff = d > GM_VEC_MAXD ? malloc(d * sizeof *diff) : NULL;
            #pragma omp for schedule(static)
            for (size_t b = 0; b < nb; b++) {
                size_t r0 = b * OD_CL_BLOCK, r1 = r0 + OD_CL_BLOCK < n ? r0 + OD_CL_BLOCK : n;
                double *p = w->part + b * w->pstride;
                memset(p, 0, s2 * sizeof *p);
                if (!S8 && !diff) {
                    #pragma omp atomic write
                    fail = 1;
                    continue;
                }
                if (S8) {
                    gm_block_cov(X, ld, r0, r1, w->resp, m->means, k, d, S8, p);
                    continue;
                }
                for (size_t i = r0; i < r1; i++) {
                    const double *x = X + i * ld, *r = w->resp + i * k;
                    for (size_t c = 0; c < k; c++) {
                        const double *mu = m->means + c * d;
                        for (size_t j = 0; j < d; j++) diff[j] = x[j] - mu[j];
                        double *S = p + c * d * d;
                        for (size_t a = 0; a < d; a++) {
                            double wa = r[c] * diff[a];
                            double *Sa = S + a * d;
                            #pragma omp simd
                            for (size_t bb = a; bb < d; bb++) Sa[bb] += wa * diff[bb];
                        }
                    }
                }
            }
            free(S8);
            free(diff);
        }
        if (fail) return od_error(ctx, OD_ENOMEM, "gmm: out of memory");
        for (size_t c = 0; c < k; c++) {
            double *S = m->covs + c * d * d;
            memset(S, 0, d * d * sizeof *S);
            for (size_t b = 0; b < nb; b++) {
                const double *p = w->part + b * w->pstride + c * d * d;
                for (size_t a = 0; a < d; a++)
                    for (size_t bb = a; bb < d; bb++) S[a * d + bb] += p[a * d + bb];
            }
            for (size_t a = 0; a < d; a++) {
                for (size_t bb = a; bb < d; bb++) S[a * d + bb] /= nk[c];
                for (size_t bb = a + 1; bb < d; bb++) S[bb * d + a] = S[a * d + bb];
                S[a * d + a] += w->reg;
            }
        }
    } else if (w->cov == OD_GMM_TIED) {
        double *S = m->covs;
        for (size_t a = 0; a < d; a++)
            for (size_t bb = 0; bb < d; bb++) {
                double mm = 0;
                for (size_t c = 0; c < k; c++) mm += nk[c] * m->means[c * d + a] * m->means[c * d + bb];
                S[a * d + bb] = (w->xtx[a * d + bb] - mm) / tot;
            }
        for (size_t a = 0; a < d; a++) S[a * d + a] += w->reg;
    } else {
        for (size_t c = 0; c < k; c++) {
            double sph = 0;
            for (size_t j = 0; j < d; j++) {
                double mu = m->means[c * d + j];
                double ax2 = acc[k + k * d + c * d + j] / nk[c];
                double axm = mu * (acc[k + c * d + j] / nk[c]);
                double v = ax2 - 2 * axm + mu * mu + w->reg;
                if (w->cov == OD_GMM_DIAG) m->covs[c * d + j] = v;
                sph += v;
            }
            if (w->cov == OD_GMM_SPHERICAL) m->covs[c] = sph / (double)d;
        }
    }
    return gm_precisions(ctx, m);
}

/* E-step: responsibilities into w->resp, fused with the first pass of the
 * M-step (per-block sums of r, r x and, for diag/spherical, r x^2 in the
 * block partials); returns the mean log-likelihood. */
static double gm_estep(gm_work *w, const od_gmm_model *m, int *fail)
{
    size_t n = w->n, k = w->k, d = w->d, nb = w->nb, ld = w->ld;
    int diag2 = w->cov == OD_GMM_DIAG || w->cov == OD_GMM_SPHERICAL;
    size_t s1 = k + k * d + (diag2 ? k * d : 0);
    gm_eval e;
    if (gm_eval_init(&e, m)) {
        *fail = 1;
        return NAN;
    }
    #pragma omp parallel
    {
        double *lp = malloc(2 * d * sizeof *lp);
        if (!lp) {
            #pragma omp atomic write
            *fail = 1;
        }
        #pragma omp for schedule(static)
        for (size_t b = 0; b < nb; b++) {
            size_t r0 = b * OD_CL_BLOCK, r1 = r0 + OD_CL_BLOCK < n ? r0 + OD_CL_BLOCK : n;
            double *p = w->part + b * w->pstride;
            memset(p, 0, s1 * sizeof *p);
            double s = 0;
            if (lp)
                gm_rows_logprob(&e, w->X + r0 * ld, ld, r1 - r0, w->resp + r0 * k, lp);
            if (lp)
                for (size_t i = r0; i < r1; i++) {
                    double *r = w->resp + i * k;
                    const double *x = w->X + i * ld;
                    /* log-sum-exp, reusing the exponentials for the responsibilities */
                    double mx = r[0];
                    for (size_t c = 1; c < k; c++) mx = r[c] > mx ? r[c] : mx;
                    double se = 0;
                    for (size_t c = 0; c < k; c++) se += r[c] = exp(r[c] - mx);
                    double l = mx + log(se), inv = 1.0 / se;
                    for (size_t c = 0; c < k; c++) {
                        double rc = r[c] *= inv;
                        p[c] += rc;
                        double *sx = p + k + c * d;
                        #pragma omp simd
                        for (size_t j = 0; j < d; j++) sx[j] += rc * x[j];
                        if (diag2) {
                            double *sxx = p + k + k * d + c * d;
                            #pragma omp simd
                            for (size_t j = 0; j < d; j++) sxx[j] += rc * x[j] * x[j];
                        }
                    }
                    s += l;
                }
            p[s1] = s;
        }
        free(lp);
    }
    gm_eval_done(&e);
    double tot = 0;
    for (size_t b = 0; b < nb; b++) tot += w->part[b * w->pstride + s1];
    return tot / (double)n;
}

static void gm_work_done(gm_work *w)
{
    free(w->resp);
    free(w->part);
    free(w->acc);
    free(w->xtx);
}

static int gm_work_init(od_ctx *ctx, gm_work *w, const double *X, size_t n, size_t d, size_t ld,
                        size_t k, int cov, double reg)
{
    memset(w, 0, sizeof *w);
    w->X = X;
    w->n = n;
    w->d = d;
    w->ld = ld;
    w->k = k;
    w->cov = cov;
    w->reg = reg;
    w->nb = (n + OD_CL_BLOCK - 1) / OD_CL_BLOCK;
    size_t s1 = k + 2 * k * d + 1, s2 = cov == OD_GMM_FULL ? k * d * d : 0;
    w->pstride = s1 > s2 ? s1 : s2;
    w->resp = od_mallocn(ctx, n * k, sizeof *w->resp);
    w->part = od_mallocn(ctx, w->nb * w->pstride, sizeof *w->part);
    w->acc = od_mallocn(ctx, w->pstride, sizeof *w->acc);
    if (cov == OD_GMM_TIED) w->xtx = od_calloc(ctx, d * d, sizeof *w->xtx);
    if (!w->resp || !w->part || !w->acc || (cov == OD_GMM_TIED && !w->xtx)) {
        gm_work_done(w);
        return OD_ENOMEM;
    }
    if (cov == OD_GMM_TIED) {
        /* X^T X in fixed blocks */
        size_t nb = w->nb;
        double *tmp = od_calloc(ctx, nb * d * d, sizeof *tmp);
        if (!tmp) {
            gm_work_done(w);
            return OD_ENOMEM;
        }
        #pragma omp parallel for schedule(static)
        for (size_t b = 0; b < nb; b++) {
            size_t r0 = b * OD_CL_BLOCK, r1 = r0 + OD_CL_BLOCK < n ? r0 + OD_CL_BLOCK : n;
            double *p = tmp + b * d * d;
            for (size_t i = r0; i < r1; i++)
                for (size_t a = 0; a < d; a++)
                    for (size_t c = 0; c < d; c++) p[a * d + c] += X[i * ld + a] * X[i * ld + c];
        }
        for (size_t b = 0; b < nb; b++)
            for (size_t q = 0; q < d * d; q++) w->xtx[q] += tmp[b * d * d + q];
        free(tmp);
    }
    return OD_OK;
}

int od_gmm_run(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, size_t k,
               int cov, const double *resp0, int max_iter, double tol, double reg,
               od_gmm_model *m)
{
    if (n == 0 || d == 0) return od_error(ctx, OD_EDATA, "gmm: no data");
    if (k == 0 || k > n) return od_error(ctx, OD_EINVAL, "gmm: k=%zu exceeds the %zu training rows", k, n);
    gm_work w;
    int rc = gm_work_init(ctx, &w, X, n, d, ld, k, cov, reg);
    if (rc) return rc;
    if ((rc = od_gmm_model_alloc(ctx, m, k, d, cov))) {
        gm_work_done(&w);
        return rc;
    }
    m->n_train = n;
    memcpy(w.resp, resp0, n * k * sizeof *w.resp);
    if ((rc = gm_params(ctx, &w, m, 1, 0))) goto fail;
    double lb = -INFINITY;
    int it, fail = 0;
    m->converged = 0;
    for (it = 1; it <= max_iter; it++) {
        if (od_cancelled(ctx)) {
            if (it > 1) {
                od_warn(ctx, "gmm: interrupted after %d EM iterations; keeping that model", it - 1);
                it--;
                break;
            }
            rc = od_error(ctx, OD_ECANCEL, "gmm: interrupted");
            goto fail;
        }
        double prev = lb;
        lb = gm_estep(&w, m, &fail);
        if (fail) {
            rc = od_error(ctx, OD_ENOMEM, "gmm: out of memory");
            goto fail;
        }
        if ((rc = gm_params(ctx, &w, m, 0, 1))) goto fail;
        od_progress(ctx, "gmm", (double)it / max_iter, NULL);
        if (fabs(lb - prev) < tol) {
            m->converged = 1;
            break;
        }
    }
    if (it > max_iter) it = max_iter;
    m->n_iter = it;
    m->lower_bound = lb;
    gm_work_done(&w);
    return OD_OK;
fail:
    gm_work_done(&w);
    od_gmm_model_done(m);
    return rc;
}

/* ---------------------------------------------------------------- detector */

#define GM_AUTO_KMAX 8   /* k=auto tries k = 1 .. this */

typedef struct {
    od_gmm_model m;
    int n_init;
    int init;       /* GM_INIT_* (not in the payload: re-read from the model file's options) */
    size_t auto_n;  /* k=auto: the k tried (0: k was given); not saved */
    double auto_bic[GM_AUTO_KMAX];
} gm_state;

static void gm_stats(const void *state, od_fit_stats *o)
{
    const gm_state *s = state;
    *o = (od_fit_stats){ .inertia = NAN, .loglik = s->m.loglik, .nparams = (double)od_gmm_nparams(&s->m),
                         .ntrain = (double)s->m.n_train };
}

static void gm_free(void *state)
{
    gm_state *s = state;
    if (!s) return;
    od_gmm_model_done(&s->m);
    free(s);
}

/* init= values (choice index = enum value) */
#define GM_INITS(X) X(GM_INIT_KMEANS, "kmeans") X(GM_INIT_RANDOM, "random")
enum { GM_INITS(OD_X_ENUM) GM_NINIT };
static const char *const gm_init_names[] = { GM_INITS(OD_X_NAME) };
static const char *const gm_cov_names[] = { OD_GMM_COVS(OD_X_NAME) };

static const od_param_spec gm_params_spec[] = {
    { "k", OD_P_INT, "4", 1, 10000, "auto", "number of mixture components (auto: the lowest BIC of k = 1..8)" },
    { "covariance", OD_P_CHOICE, "full", 0, -1, OD_CHOICES(OD_GMM_COVS), "covariance type of the components" },
    { "max_iter", OD_P_INT, "100", 1, 1e6, NULL, "maximum EM iterations" },
    { "tol", OD_P_REAL, "1e-3", 0, HUGE_VAL, NULL, "stop when the mean log-likelihood gains less than this" },
    { "reg", OD_P_REAL, "1e-6", 0, HUGE_VAL, NULL, "added to the covariance diagonals (sklearn reg_covar)" },
    { "init", OD_P_CHOICE, "kmeans", 0, -1, OD_CHOICES(GM_INITS), "initial responsibilities: k-means labels or random" },
    { "n_init", OD_P_INT, "1", 1, 1000, NULL, "EM runs from different initialisations; the best lower bound wins" },
};

/* the mixture with k components (n_init runs, the best lower bound) */
static int gm_fit_k(od_ctx *ctx, const od_params *p, const od_data *train, size_t k, gm_state **out)
{
    int rc = OD_OK;
    size_t n = train->n, d = train->d;
    int cov = od_params_choice(p, "covariance");
    int max_iter = (int)od_params_int(p, "max_iter");
    double tol = od_params_real(p, "tol"), reg = od_params_real(p, "reg");
    int init = od_params_choice(p, "init"), init_random = init == GM_INIT_RANDOM;
    long n_init = od_params_int(p, "n_init");
    double *buf;
    const double *X = od_cl_contig(ctx, train, &buf);
    if (!X) return OD_ENOMEM;
    gm_state *s = od_calloc(ctx, 1, sizeof *s);
    double *resp = od_mallocn(ctx, n * k, sizeof *resp);
    double *C = od_mallocn(ctx, k * d, sizeof *C);
    long *lab = od_mallocn(ctx, n, sizeof *lab);
    if (!s || !resp || !C || !lab) {
        rc = OD_ENOMEM;
        goto done;
    }
    s->n_init = (int)n_init;
    s->init = init;
    double best = -INFINITY;
    for (long r = 0; r < n_init; r++) {
        if (init_random) {
            gsl_rng *rng = od_ctx_rng(ctx);
            for (size_t i = 0; i < n; i++) {
                double t = 0;
                for (size_t c = 0; c < k; c++) t += resp[i * k + c] = gsl_rng_uniform(rng);
                for (size_t c = 0; c < k; c++) resp[i * k + c] /= t;
            }
        } else {
            double in;
            int it, conv;
            if ((rc = od_kmeans_plusplus(ctx, X, n, d, d, k, C))) goto done;
            if ((rc = od_kmeans_run(ctx, X, n, d, d, k, C, 300, 1e-4, C, lab, &in, &it, &conv))) goto done;
            memset(resp, 0, n * k * sizeof *resp);
            for (size_t i = 0; i < n; i++) resp[i * k + (size_t)lab[i]] = 1;
        }
        od_gmm_model m;
        rc = od_gmm_run(ctx, X, n, d, d, k, cov, resp, max_iter, tol, reg, &m);
        if (rc == OD_ECANCEL && r > 0) {
            rc = OD_OK;
            break;
        }
        if (rc) goto done;
        if (m.lower_bound > best || r == 0) {
            best = m.lower_bound;
            od_gmm_model_done(&s->m);
            s->m = m;
        } else {
            od_gmm_model_done(&m);
        }
    }
    /* log-likelihood of the training rows under the final model (for BIC/AIC) */
    double *lp = od_mallocn(ctx, n, sizeof *lp);
    if (!lp) {
        rc = OD_ENOMEM;
        goto done;
    }
    if ((rc = od_gmm_logpdf(ctx, &s->m, X, n, d, lp, NULL))) {
        free(lp);
        goto done;
    }
    double tot = 0;
    size_t nb = (n + OD_CL_BLOCK - 1) / OD_CL_BLOCK;
    for (size_t b = 0; b < nb; b++) {
        double t = 0;
        for (size_t i = b * OD_CL_BLOCK; i < n && i < (b + 1) * OD_CL_BLOCK; i++) t += lp[i];
        tot += t;
    }
    free(lp);
    s->m.loglik = tot;
    if (!s->m.converged)
        od_warn(ctx, "gmm: EM did not converge in max_iter=%d iterations (tol=%g)%s", max_iter, tol,
                od_params_is(p, "k", "auto") ? " (k=auto)" : "");
done:
    free(buf), free(resp), free(C), free(lab);
    if (rc) {
        gm_free(s);
        return rc;
    }
    *out = s;
    return OD_OK;
}

static double gm_bic(const od_gmm_model *m)
{
    return -2 * m->loglik + (double)od_gmm_nparams(m) * log((double)m->n_train);
}

static int gm_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    (void)log;
    int rc = od_cl_check_train(ctx, GM_NAME, train);
    if (rc) return rc;
    size_t n = train->n;
    if (!od_params_is(p, "k", "auto")) {
        long kl = od_params_int(p, "k");
        if (kl < 1 || (size_t)kl > n)
            return od_error(ctx, OD_EINVAL, "gmm: k=%ld exceeds the %zu training rows", kl, n);
        return gm_fit_k(ctx, p, train, (size_t)kl, (gm_state **)state);
    }
    /* k=auto: the lowest BIC (-2 log-likelihood + free parameters x log n) of
     * k = 1 .. GM_AUTO_KMAX (and at most the rows); each k seeded from the
     * context's generator in turn, so the choice is reproducible */
    gm_state *best = NULL;
    double bic[GM_AUTO_KMAX];
    size_t kmax = n < GM_AUTO_KMAX ? n : GM_AUTO_KMAX, tried = 0;
    for (size_t k = 1; k <= kmax; k++) {
        gm_state *s = NULL;
        if ((rc = gm_fit_k(ctx, p, train, k, &s))) break;
        bic[tried++] = gm_bic(&s->m);
        if (!best || bic[tried - 1] < gm_bic(&best->m)) {
            gm_free(best);
            best = s;
        } else {
            gm_free(s);
        }
        od_progress(ctx, GM_NAME, (double)k / (double)kmax, "k=auto");
    }
    if (rc && (rc != OD_ECANCEL || !best)) {
        gm_free(best);
        return rc;
    }
    best->auto_n = tried;
    memcpy(best->auto_bic, bic, tried * sizeof *bic);
    *state = best;
    return OD_OK;
}

static int gm_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    const gm_state *s = state;
    int rc = od_cl_check_score(ctx, GM_NAME, data, s->m.d);
    if (rc || data->n == 0) return rc;
    if ((rc = od_gmm_logpdf(ctx, &s->m, data->X, data->n, data->ld, scores, cluster))) return rc;
    for (size_t i = 0; i < data->n; i++) scores[i] = -scores[i];
    return OD_OK;
}


static void gm_describe(const void *state, od_out *out)
{
    const gm_state *s = state;
    const od_gmm_model *m = &s->m;
    char a[32], b[32], c[32];
    double n = (double)m->n_train, np = (double)od_gmm_nparams(m);
    od_printf(out, "Gaussian mixture: k=%zu, covariance=%s, init=%s, %zu rows x %zu columns, %d run(s)\n", m->k,
              gm_cov_names[m->cov], gm_init_names[s->init], m->n_train, m->d, s->n_init);
    od_printf(out, "log-likelihood: %s (mean %s per row)\n", od_fmt_num(a, sizeof a, m->loglik, 10),
              od_fmt_num(b, sizeof b, m->loglik / n, 10));
    od_printf(out, "BIC: %s  AIC: %s  (%.0f free parameters)\n",
              od_fmt_num(a, sizeof a, -2 * m->loglik + np * log(n), 10),
              od_fmt_num(b, sizeof b, -2 * m->loglik + 2 * np, 10), np);
    od_printf(out, "EM: %d iterations, %s; lower bound %s\n", m->n_iter, m->converged ? "converged" : "not converged",
              od_fmt_num(c, sizeof c, m->lower_bound, 10));
    if (m->reg_added > 0) od_printf(out, "a singular covariance was regularised by %.3g\n", m->reg_added);
    if (s->auto_n) {
        od_printf(out, "k=auto: k=%zu has the lowest BIC of k = 1..%zu (BIC", m->k, s->auto_n);
        for (size_t q = 0; q < s->auto_n; q++) od_printf(out, " %s", od_fmt_num(a, sizeof a, s->auto_bic[q], 7));
        od_printf(out, ")\n");
    }
    for (size_t q = 0; q < m->k; q++) {
        od_printf(out, "component %zu: weight %s  mean (", q, od_fmt_num(a, sizeof a, m->weights[q], 4));
        for (size_t j = 0; j < m->d && j < 8; j++)
            od_printf(out, "%s%s", j ? ", " : "", od_fmt_num(b, sizeof b, m->means[q * m->d + j], 4));
        od_printf(out, "%s)\n", m->d > 8 ? ", ..." : "");
    }
}

static int gm_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const gm_state *s = state;
    const od_gmm_model *m = &s->m;
    int rc;
    int32_t iv[4] = { m->cov, m->n_iter, m->converged, s->n_init };
    double dv[3] = { m->lower_bound, m->loglik, m->reg_added };
    size_t cs = gm_cov_size(m->cov, m->k, m->d);
    if ((rc = od_cl_write_header(ctx, fp, GM_NAME, GM_VERSION))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, GM_NAME, m->k))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, GM_NAME, m->d))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, GM_NAME, m->n_train))) return rc;
    if ((rc = od_cl_write(ctx, fp, GM_NAME, iv, sizeof iv[0], 4))) return rc;
    if ((rc = od_cl_write(ctx, fp, GM_NAME, dv, sizeof dv[0], 3))) return rc;
    if ((rc = od_cl_write(ctx, fp, GM_NAME, m->weights, sizeof(double), m->k))) return rc;
    if ((rc = od_cl_write(ctx, fp, GM_NAME, m->means, sizeof(double), m->k * m->d))) return rc;
    if ((rc = od_cl_write(ctx, fp, GM_NAME, m->covs, sizeof(double), cs))) return rc;
    if ((rc = od_cl_write(ctx, fp, GM_NAME, m->prec, sizeof(double), cs))) return rc;
    return od_cl_write(ctx, fp, GM_NAME, m->logdet, sizeof(double), m->k);
}

static int gm_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    int rc;
    uint64_t k, d, nt;
    int32_t iv[4];
    double dv[3];
    if ((rc = od_cl_read_header(ctx, fp, GM_NAME, GM_VERSION, NULL))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, GM_NAME, &k, 1u << 20))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, GM_NAME, &d, 1u << 16))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, GM_NAME, &nt, UINT64_MAX))) return rc;
    if ((rc = od_cl_read(ctx, fp, GM_NAME, iv, sizeof iv[0], 4))) return rc;
    if ((rc = od_cl_read(ctx, fp, GM_NAME, dv, sizeof dv[0], 3))) return rc;
    if (k == 0 || d == 0 || iv[0] < 0 || iv[0] >= OD_GMM_NCOV || k * d * d > (1u << 28))
        return od_error(ctx, OD_EFORMAT, "gmm model file is corrupt");
    /* weights, means, covariances, precisions, log-determinants */
    if ((rc = od_cl_need(ctx, fp, GM_NAME, 2 * k + k * d + 2 * gm_cov_size(iv[0], k, d), sizeof(double), "numbers")))
        return rc;
    gm_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    if ((rc = od_gmm_model_alloc(ctx, &s->m, k, d, iv[0]))) {
        free(s);
        return rc;
    }
    od_gmm_model *m = &s->m;
    m->n_train = nt;
    m->n_iter = iv[1];
    m->converged = iv[2];
    s->n_init = iv[3];
    s->init = p ? od_params_choice(p, "init") : 0;
    if (s->init < 0 || s->init >= GM_NINIT) s->init = 0;
    m->lower_bound = dv[0];
    m->loglik = dv[1];
    m->reg_added = dv[2];
    size_t cs = gm_cov_size(m->cov, k, d);
    if ((rc = od_cl_read(ctx, fp, GM_NAME, m->weights, sizeof(double), k)) ||
        (rc = od_cl_read(ctx, fp, GM_NAME, m->means, sizeof(double), k * d)) ||
        (rc = od_cl_read(ctx, fp, GM_NAME, m->covs, sizeof(double), cs)) ||
        (rc = od_cl_read(ctx, fp, GM_NAME, m->prec, sizeof(double), cs)) ||
        (rc = od_cl_read(ctx, fp, GM_NAME, m->logdet, sizeof(double), k))) {
        gm_free(s);
        return rc;
    }
    *state = s;
    return OD_OK;
}

/* explain: the most responsible component c and the terms z_j (P^T P z)_j of
 * its squared Mahalanobis distance, z = x - mu_c, P the precision factor
 * (P^T P = Sigma_c^-1): they sum to the distance exactly. */
static int gm_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    const gm_state *s = state;
    const od_gmm_model *m = &s->m;
    int rc = od_cl_check_score(ctx, GM_NAME, data, m->d);
    if (rc) return rc;
    const double *x = data->X + row * data->ld;
    long c;
    double lp;
    if ((rc = od_gmm_logpdf(ctx, m, x, 1, data->ld, &lp, &c))) return rc;
    size_t d = m->d;
    if ((rc = od_explain_alloc_contrib(ctx, ex, d))) return rc;
    double *z = od_mallocn(ctx, 2 * d, sizeof *z);
    if (!z) return OD_ENOMEM;
    double *y = z + d;
    for (size_t j = 0; j < d; j++) z[j] = x[j] - m->means[(size_t)c * d + j];
    if (m->cov == OD_GMM_FULL || m->cov == OD_GMM_TIED) {
        const double *P = m->prec + (m->cov == OD_GMM_FULL ? (size_t)c * d * d : 0);
        for (size_t a = 0; a < d; a++) {
            y[a] = 0;
            for (size_t b = 0; b <= a; b++) y[a] += P[a * d + b] * z[b];
        }
        for (size_t j = 0; j < d; j++) {
            double u = 0;   /* (P^T y)_j */
            for (size_t a = j; a < d; a++) u += P[a * d + j] * y[a];
            ex->contrib[j] = z[j] * u;
        }
    } else {
        for (size_t j = 0; j < d; j++) {
            double p = m->cov == OD_GMM_DIAG ? m->prec[(size_t)c * d + j] : m->prec[c];
            ex->contrib[j] = z[j] * z[j] * p * p;
        }
    }
    free(z);
    ex->exact = 1;
    ex->cluster = c;
    snprintf(ex->method, sizeof ex->method, "gmm: terms z_j (Sigma^-1 z)_j of the squared Mahalanobis distance to component %ld "
             "(the most responsible one), z = x - mean; they sum to the distance", c);
    return OD_OK;
}

const od_detector_type od_detector_gmm = {
    .name = GM_NAME,
    .family = "density",
    .summary = "Gaussian mixture (EM): score = -log p(x)",
    .help =
        "A mixture of k Gaussians fitted by expectation-maximisation, as scikit-learn's\n"
        "GaussianMixture: initial responsibilities from k-means labels (init=kmeans) or\n"
        "random (init=random); E-step in log space (log-sum-exp); covariances full, diag,\n"
        "tied or spherical with reg added to their diagonals; stop when the mean\n"
        "log-likelihood changes by less than tol.  From the same initialisation it reaches\n"
        "scikit-learn's lower bound.  A covariance that is still singular is regularised\n"
        "further (a warning says by how much).\n"
        "\n"
        "score = -log p(x), the negative log density of the mixture at the row (higher =\n"
        "less likely); the cluster of a row is its most responsible component.\n"
        "describe shows the log-likelihood, BIC, AIC and whether EM converged.\n"
        "k=auto fits k = 1..8 (at most the rows) and keeps the lowest BIC\n"
        "(-2 log-likelihood + free parameters x log n); describe lists the BIC of each k.\n"
        "\n"
        "Example:  detect gmm k=4 covariance=full as gm\n"
        "          detect gmm k=auto covariance=diag as gma\n"
        "          detect gmm k=8 covariance=diag n_init=3 as gmd",
    .params = gm_params_spec,
    .nparams = sizeof gm_params_spec / sizeof gm_params_spec[0],
    .seq = 0,
    .fit = gm_fit,
    .score = gm_score,
    .describe = gm_describe,
    .save = gm_save,
    .load = gm_load,
    .free = gm_free,
    .explain = gm_explain,
    .stats = gm_stats,
};
