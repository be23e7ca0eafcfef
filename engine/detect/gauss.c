/* gauss.c - one multivariate Gaussian (empirical or robust Minimum Covariance
 * Determinant estimate, FAST-MCD as scikit-learn's MinCovDet); score =
 * -log pdf. */
#include "config.h"
#include "cl_cluster.h"
#include "../core/num.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_rng.h>

#define GA_NAME "gauss"
#define GA_VERSION 1u
#define GA_LOG2PI 1.8378770664093454836

/* ------------------------------------------------------------- MCD core */

typedef struct {
    const double *X;
    size_t ld, d;
} mcd_src;

typedef struct {
    double *loc, *cov;   /* d, d x d */
    double det;          /* log det (-inf if singular) */
    size_t *sup;         /* h row numbers (into the subset) */
    double *dist;        /* m squared Mahalanobis distances */
} mcd_est;

typedef struct {
    double v;
    size_t i;
} mcd_pair;

static int mcd_pair_cmp(const void *a, const void *b)
{
    const mcd_pair *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* mean and MLE covariance of the rows rows[sup[0..h-1]] */
static void mcd_moments(const mcd_src *S, const size_t *rows, const size_t *sup, size_t h, double *loc, double *cov)
{
    size_t d = S->d;
    memset(loc, 0, d * sizeof *loc);
    memset(cov, 0, d * d * sizeof *cov);
    for (size_t q = 0; q < h; q++) {
        const double *x = S->X + rows[sup[q]] * S->ld;
        for (size_t j = 0; j < d; j++) loc[j] += x[j];
    }
    for (size_t j = 0; j < d; j++) loc[j] /= (double)h;
    for (size_t q = 0; q < h; q++) {
        const double *x = S->X + rows[sup[q]] * S->ld;
        for (size_t a = 0; a < d; a++) {
            double da = x[a] - loc[a];
            for (size_t b = a; b < d; b++) cov[a * d + b] += da * (x[b] - loc[b]);
        }
    }
    for (size_t a = 0; a < d; a++)
        for (size_t b = a; b < d; b++) cov[b * d + a] = cov[a * d + b] /= (double)h;
}

/* log det of cov via Cholesky into L (d x d); -inf if not positive definite */
static double mcd_logdet(const double *cov, double *L, size_t d)
{
    memcpy(L, cov, d * d * sizeof *L);
    if (od_cl_cholesky(L, d)) return -INFINITY;
    double s = 0;
    for (size_t j = 0; j < d; j++) s += 2 * log(L[j * d + j]);
    return s;
}

/* pinvh distances: squared Mahalanobis distances of the n rows from loc under
 * the pseudo-inverse of cov, eigen-directions with eigenvalue <= d eps x the
 * largest left out (scipy's pinvh default cut-off).  Returns the rank kept. */
static size_t mcd_pinv_dist(const double *X, const size_t *rows, size_t n, size_t d, size_t ld, const double *loc,
                            const double *cov, double *dist, int *err)
{
    *err = 0;
    double *A = malloc(d * d * sizeof *A), *z = malloc(d * sizeof *z);
    gsl_vector *ev = gsl_vector_alloc(d);
    gsl_matrix *V = gsl_matrix_alloc(d, d);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(d);
    size_t r = 0;
    if (!A || !z || !ev || !V || !ws) {
        *err = OD_ENOMEM;
        goto out;
    }
    memcpy(A, cov, d * d * sizeof *A);
    gsl_matrix_view M = gsl_matrix_view_array(A, d, d);
    if (gsl_eigen_symmv(&M.matrix, ev, V, ws) || gsl_eigen_symmv_sort(ev, V, GSL_EIGEN_SORT_VAL_DESC)) {
        *err = OD_EDATA;
        goto out;
    }
    double top = gsl_vector_get(ev, 0), tol = (double)d * DBL_EPSILON * top;
    if (!(top > 0) || !isfinite(top)) {
        *err = OD_EDATA;
        goto out;
    }
    while (r < d && gsl_vector_get(ev, r) > tol) r++;
    for (size_t i = 0; i < n; i++) {
        const double *x = X + (rows ? rows[i] : i) * ld;
        for (size_t j = 0; j < d; j++) z[j] = x[j] - loc[j];
        double q = 0;
        for (size_t a = 0; a < r; a++) {
            double y = 0;
            for (size_t j = 0; j < d; j++) y += gsl_matrix_get(V, j, a) * z[j];
            q += y * y / gsl_vector_get(ev, a);
        }
        dist[i] = q;
    }
out:
    free(A), free(z), gsl_vector_free(ev), gsl_matrix_free(V), gsl_eigen_symmv_free(ws);
    return r;
}

/* squared Mahalanobis distances of the m rows to (loc, cov); L is a work
 * matrix.  A singular cov is regularised slightly for this purpose. */
static void mcd_dist(const mcd_src *S, const size_t *rows, size_t m, const double *loc, const double *cov, double *L,
                     double *Linv, double *dist, int par)
{
    size_t d = S->d;
    double added;
    memcpy(L, cov, d * d * sizeof *L);
    if (od_cl_cholesky_reg(L, Linv, d, &added)) {
        for (size_t i = 0; i < m; i++) dist[i] = INFINITY;
        return;
    }
    /* numerically singular (a pivot^2 at rounding level of the largest
     * variance): distances under the pseudo-inverse, as scikit-learn's
     * C-steps use pinvh, so a support on a hyperplane up to rounding is not
     * pulled further onto it by a rounding-level direction */
    double vmax = 0;
    for (size_t j = 0; j < d; j++) vmax = cov[j * d + j] > vmax ? cov[j * d + j] : vmax;
    for (size_t j = 0; added == 0 && j < d; j++)
        if (!(L[j * d + j] * L[j * d + j] > (double)d * DBL_EPSILON * vmax)) {
            int err;
            mcd_pinv_dist(S->X, rows, m, d, S->ld, loc, cov, dist, &err);
            if (err)
                for (size_t i = 0; i < m; i++) dist[i] = INFINITY;
            return;
        }
    od_cl_trinv_lower(L, Linv, d);
    #pragma omp parallel for schedule(static) if (par && m > 4096)
    for (size_t i = 0; i < m; i++) {
        const double *x = S->X + rows[i] * S->ld;
        double q = 0;
        for (size_t a = 0; a < d; a++) {
            double y = 0;
            for (size_t b = 0; b <= a; b++) y += Linv[a * d + b] * (x[b] - loc[b]);
            q += y * y;
        }
        dist[i] = q;
    }
}

static inline int mcd_less(mcd_pair a, mcd_pair b) { return a.v < b.v || (a.v == b.v && a.i < b.i); }

/* the h rows with the smallest distances (ties by row number): quickselect
 * on (distance, row), O(m); the rows come out in a deterministic order */
static void mcd_select(const double *dist, size_t m, size_t h, size_t *sup, mcd_pair *work)
{
    for (size_t i = 0; i < m; i++) work[i] = (mcd_pair){ isnan(dist[i]) ? INFINITY : dist[i], i };
    size_t lo = 0, hi = m;   /* find the h smallest in work[0..h) */
    while (h < m && hi - lo > 1) {
        mcd_pair a = work[lo], b = work[lo + (hi - lo) / 2], c = work[hi - 1];
        mcd_pair piv = mcd_less(a, b) ? (mcd_less(b, c) ? b : (mcd_less(a, c) ? c : a))
                                      : (mcd_less(a, c) ? a : (mcd_less(b, c) ? c : b));
        /* three-way partition: < piv | == piv | > piv (pairs are distinct, so == is one element) */
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            if (mcd_less(work[i], piv)) {
                mcd_pair t = work[lt];
                work[lt++] = work[i];
                work[i++] = t;
            } else if (mcd_less(piv, work[i])) {
                mcd_pair t = work[--gt];
                work[gt] = work[i];
                work[i] = t;
            } else {
                i++;
            }
        }
        if (h < lt) hi = lt;
        else if (h > gt) lo = gt;
        else break;
    }
    for (size_t q = 0; q < h; q++) sup[q] = work[q].i;
}

typedef struct {
    size_t d, m, h;
    double *loc, *cov, *L, *Linv, *dist;
    size_t *sup;
    mcd_pair *pairs;
    double *ploc, *pcov, *pdist;
    size_t *psup;
} mcd_ws;

static void mcd_ws_done(mcd_ws *w)
{
    free(w->loc), free(w->cov), free(w->L), free(w->Linv), free(w->dist), free(w->sup), free(w->pairs);
    free(w->ploc), free(w->pcov), free(w->pdist), free(w->psup);
}

static int mcd_ws_init(mcd_ws *w, size_t d, size_t m, size_t h)
{
    memset(w, 0, sizeof *w);
    w->d = d, w->m = m, w->h = h;
    w->loc = malloc(d * sizeof(double));
    w->cov = malloc(d * d * sizeof(double));
    w->L = malloc(d * d * sizeof(double));
    w->Linv = malloc(d * d * sizeof(double));
    w->dist = malloc(m * sizeof(double));
    w->sup = malloc(h * sizeof(size_t));
    w->pairs = malloc(m * sizeof(mcd_pair));
    w->ploc = malloc(d * sizeof(double));
    w->pcov = malloc(d * d * sizeof(double));
    w->pdist = malloc(m * sizeof(double));
    w->psup = malloc(h * sizeof(size_t));
    if (!w->loc || !w->cov || !w->L || !w->Linv || !w->dist || !w->sup || !w->pairs || !w->ploc || !w->pcov ||
        !w->pdist || !w->psup) {
        mcd_ws_done(w);
        return -1;
    }
    return 0;
}

/* scikit-learn's _c_step on the m rows `rows`: from a random h-subset (rng)
 * or from (loc0, cov0); at most n_iter concentration steps.  Results in
 * w->loc, w->cov, w->dist; returns the log determinant. */
static double mcd_cstep(const mcd_src *S, const size_t *rows, mcd_ws *w, gsl_rng *rng, const double *loc0,
                        const double *cov0, int n_iter, int par)
{
    size_t d = w->d, m = w->m, h = w->h;
    if (!loc0) {
        /* random h-subset: partial Fisher-Yates over 0..m-1 */
        size_t *perm = (size_t *)w->pairs;   /* m size_t fit in m pairs */
        for (size_t i = 0; i < m; i++) perm[i] = i;
        for (size_t i = 0; i < h; i++) {
            size_t j = i + (size_t)gsl_rng_uniform_int(rng, m - i);
            size_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        memcpy(w->sup, perm, h * sizeof *w->sup);
    } else {
        mcd_dist(S, rows, m, loc0, cov0, w->L, w->Linv, w->dist, par);
        mcd_select(w->dist, m, h, w->sup, w->pairs);
    }
    mcd_moments(S, rows, w->sup, h, w->loc, w->cov);
    double det = mcd_logdet(w->cov, w->L, d), prev = INFINITY;
    int remaining = n_iter;
    while (det < prev && remaining > 0 && isfinite(det)) {
        memcpy(w->ploc, w->loc, d * sizeof(double));
        memcpy(w->pcov, w->cov, d * d * sizeof(double));
        memcpy(w->psup, w->sup, h * sizeof(size_t));
        prev = det;
        mcd_dist(S, rows, m, w->loc, w->cov, w->L, w->Linv, w->dist, par);
        mcd_select(w->dist, m, h, w->sup, w->pairs);
        mcd_moments(S, rows, w->sup, h, w->loc, w->cov);
        det = mcd_logdet(w->cov, w->L, d);
        remaining--;
    }
    if (det > prev && remaining > 0) {
        /* the determinant increased (sklearn warns and keeps the previous estimate) */
        memcpy(w->loc, w->ploc, d * sizeof(double));
        memcpy(w->cov, w->pcov, d * d * sizeof(double));
        memcpy(w->sup, w->psup, h * sizeof(size_t));
        det = prev;
    }
    mcd_dist(S, rows, m, w->loc, w->cov, w->L, w->Linv, w->dist, par);
    return det;
}

typedef struct {
    double det;
    size_t i;
} mcd_cand;

/* lowest determinant first, but a singular one (log det -inf: the h rows lie
 * on a hyperplane, an "exact fit") only after every regular one.  An exact
 * fit is the MCD in theory, but with tied or discrete columns whether a
 * random subset finds one is luck (shuttle: 4 seeds of 10), and its pseudo-
 * inverse distances ignore the direction that makes the other rows odd.  It
 * wins only when every candidate is one (then od_mcd_fit warns). */
static int mcd_cand_cmp(const void *a, const void *b)
{
    const mcd_cand *x = a, *y = b;
    int sx = x->det == -INFINITY, sy = y->det == -INFINITY;
    if (sx != sy) return sx - sy;
    if (x->det != y->det) return x->det < y->det ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* select_candidates: ntr trials (random if locs == NULL, else from the given
 * estimates), keep the `select` lowest determinants: their loc/cov into
 * out_loc/out_cov (select x d, select x d x d).  Trial t draws from stream
 * (key, task0 + t).  If out_sup/out_dist are given, the best trial's support
 * (h) and distances (m) are copied there. */
static int mcd_select_candidates(const mcd_src *S, const size_t *rows, size_t m, size_t h, size_t ntr,
                                 const double *locs, const double *covs, int n_iter, size_t select, uint64_t key,
                                 uint64_t task0, double *out_loc, double *out_cov, size_t *out_sup,
                                 double *out_dist)
{
    size_t d = S->d;
    double *L = malloc(ntr * d * sizeof *L), *C = malloc(ntr * d * d * sizeof *C);
    mcd_cand *cand = malloc(ntr * sizeof *cand);
    int fail = !L || !C || !cand;
    int par_rows = ntr == 1 || m > 20000;   /* big data: parallel over rows, not trials */
    if (!fail) {
        #pragma omp parallel if (!par_rows)
        {
            mcd_ws w;
            int ok = mcd_ws_init(&w, d, m, h) == 0;
            if (!ok) {
                #pragma omp atomic write
                fail = 1;
            }
            #pragma omp for schedule(dynamic, 1)
            for (size_t t = 0; t < ntr; t++) {
                if (!ok) continue;
                gsl_rng *rng = locs ? NULL : od_rng_stream(key, task0 + t);
                if (!locs && !rng) {
                    #pragma omp atomic write
                    fail = 1;
                    continue;
                }
                double det = mcd_cstep(S, rows, &w, rng, locs ? locs + t * d : NULL, locs ? covs + t * d * d : NULL,
                                       n_iter, par_rows);
                if (rng) gsl_rng_free(rng);
                memcpy(L + t * d, w.loc, d * sizeof *L);
                memcpy(C + t * d * d, w.cov, d * d * sizeof *C);
                cand[t] = (mcd_cand){ isnan(det) ? INFINITY : det, t };
            }
            if (ok) mcd_ws_done(&w);
        }
    }
    if (!fail) {
        qsort(cand, ntr, sizeof *cand, mcd_cand_cmp);
        if (select > ntr) select = ntr;
        for (size_t q = 0; q < select; q++) {
            memcpy(out_loc + q * d, L + cand[q].i * d, d * sizeof *L);
            memcpy(out_cov + q * d * d, C + cand[q].i * d * d, d * d * sizeof *C);
        }
        if (out_sup || out_dist) {
            /* rerun the winner to get its support and distances (deterministic) */
            mcd_ws w;
            if (mcd_ws_init(&w, d, m, h)) fail = 1;
            else {
                size_t t = cand[0].i;
                gsl_rng *rng = locs ? NULL : od_rng_stream(key, task0 + t);
                mcd_cstep(S, rows, &w, rng, locs ? locs + t * d : NULL, locs ? covs + t * d * d : NULL, n_iter, 1);
                if (rng) gsl_rng_free(rng);
                if (out_sup) memcpy(out_sup, w.sup, h * sizeof *out_sup);
                if (out_dist) memcpy(out_dist, w.dist, m * sizeof *out_dist);
                memcpy(out_loc, w.loc, d * sizeof *out_loc);
                memcpy(out_cov, w.cov, d * d * sizeof *out_cov);
                mcd_ws_done(&w);
            }
        }
    }
    free(L), free(C), free(cand);
    return fail ? -1 : 0;
}

void od_mcd_result_done(od_mcd_result *r)
{
    if (!r) return;
    free(r->location), free(r->cov), free(r->raw_location), free(r->raw_cov);
    memset(r, 0, sizeof *r);
}

/* No more rows than columns: every subset of h > d rows would be all of them
 * and singular, so, as scikit-learn's MinCovDet does there (its h-subsets are
 * then the whole sample and its C-steps stop at once on log det = -inf), the
 * raw estimate is the mean and covariance of all rows with pinvh distances,
 * followed by the same consistency correction and reweighting. */
static int mcd_fit_wide(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, od_mcd_result *r)
{
    r->h = n;
    r->location = od_mallocn(ctx, d, sizeof(double));
    r->cov = od_mallocn(ctx, d * d, sizeof(double));
    r->raw_location = od_mallocn(ctx, d, sizeof(double));
    r->raw_cov = od_mallocn(ctx, d * d, sizeof(double));
    size_t *all = od_mallocn(ctx, n, sizeof *all);
    double *dist = od_mallocn(ctx, 2 * n, sizeof *dist);
    int rc = OD_OK, err;
    if (!r->location || !r->cov || !r->raw_location || !r->raw_cov || !all || !dist) {
        rc = OD_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) all[i] = i;
    mcd_src S = { X, ld, d };
    mcd_moments(&S, all, all, n, r->raw_location, r->raw_cov);
    r->raw_logdet = -INFINITY;
    size_t rank = mcd_pinv_dist(X, NULL, n, d, ld, r->raw_location, r->raw_cov, dist, &err);
    if (err) {
        rc = od_error(ctx, err, err == OD_ENOMEM ? "gauss: out of memory"
                                                 : "gauss: the covariance of the training rows is zero or not finite");
        goto done;
    }
    double *sd = dist + n;
    memcpy(sd, dist, n * sizeof *sd);
    qsort(sd, n, sizeof *sd, od_cmp_double);
    double med = n % 2 ? sd[n / 2] : 0.5 * (sd[n / 2 - 1] + sd[n / 2]);
    double corr = med / gsl_cdf_chisq_Qinv(0.5, (double)d);
    if (!(corr > 0) || !isfinite(corr)) {
        rc = od_error(ctx, OD_EDATA, "gauss: the covariance of the training rows is 0 (identical rows)");
        goto done;
    }
    double cut = gsl_cdf_chisq_Qinv(0.025, (double)d);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (dist[i] / corr < cut) all[m++] = i;
    if (m < 2) {
        rc = od_error(ctx, OD_EDATA, "gauss: only %zu rows survive the MCD reweighting; use robust=no", m);
        goto done;
    }
    r->n_support = m;
    {
        size_t *ix = od_mallocn(ctx, m, sizeof *ix);
        if (!ix) {
            rc = OD_ENOMEM;
            goto done;
        }
        for (size_t q = 0; q < m; q++) ix[q] = q;
        mcd_moments(&S, all, ix, m, r->location, r->cov);
        free(ix);
    }
    od_warn(ctx, "gauss: robust=yes on %zu rows x %zu columns (no more rows than columns): no subset of the rows "
            "has a regular covariance, so, as scikit-learn's MinCovDet, the support is all rows (rank %zu) "
            "and only the reweighting step is robust; %zu rows kept", n, d, rank, m);
done:
    free(all), free(dist);
    if (rc) od_mcd_result_done(r);
    return rc;
}

int od_mcd_fit(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld,
               double support_fraction, od_mcd_result *r)
{
    memset(r, 0, sizeof *r);
    if (n < 2 || d == 0) return od_error(ctx, OD_EDATA, "gauss: robust=yes needs at least 2 rows");
    size_t h = isnan(support_fraction) ? (size_t)ceil(0.5 * (double)(n + d + 1))
                                       : (size_t)floor(support_fraction * (double)n);
    if (h > n) h = n;
    if (n <= d) return mcd_fit_wide(ctx, X, n, d, ld, r);
    if (h <= d) {
        return od_error(ctx, OD_EDATA, "gauss: robust=yes needs a support of more than %zu rows (d); "
                        "it is %zu of %zu rows: raise support_fraction= or use robust=no", d, h, n);
    }
    /* a column that takes one value on at least h rows makes the MCD an exact
     * fit on those rows (their covariance is singular): say so before fitting */
    {
        double *col = od_mallocn(ctx, n, sizeof *col);
        if (!col) return OD_ENOMEM;
        size_t worst = 0, wj = 0;
        for (size_t j = 0; j < d; j++) {
            for (size_t i = 0; i < n; i++) col[i] = X[i * ld + j];
            qsort(col, n, sizeof *col, od_cmp_double);
            for (size_t i = 0, run = 1; i < n; i++, run++) {
                if (i + 1 < n && col[i + 1] == col[i]) continue;
                if (run > worst) worst = run, wj = j;
                run = 0;
            }
        }
        free(col);
        if (worst >= h)
            od_warn(ctx, "gauss: robust=yes: column %zu takes one value on %zu of %zu rows, at least the MCD "
                    "support h=%zu, so the MCD fits those rows exactly and rows with other values there score "
                    "very high; use robust=no or drop that column", wj + 1, worst, n, h);
    }
    r->h = h;
    r->location = od_mallocn(ctx, d, sizeof(double));
    r->cov = od_mallocn(ctx, d * d, sizeof(double));
    r->raw_location = od_mallocn(ctx, d, sizeof(double));
    r->raw_cov = od_mallocn(ctx, d * d, sizeof(double));
    size_t *all = od_mallocn(ctx, n, sizeof *all);
    double *dist = od_mallocn(ctx, n, sizeof *dist);
    double *work = od_mallocn(ctx, 2 * d * d + n, sizeof *work);
    size_t *sup = od_mallocn(ctx, n, sizeof *sup);
    int rc = OD_OK;
    double *bl = NULL, *bc = NULL, *ml = NULL, *mc = NULL;
    size_t *shuf = NULL;
    if (!r->location || !r->cov || !r->raw_location || !r->raw_cov || !all || !dist || !work || !sup) {
        rc = OD_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) all[i] = i;
    mcd_src S = { X, ld, d };
    uint64_t key = od_ctx_next_stream(ctx);
    if (d == 1) {
        /* exact: the shortest half (sklearn's 1-d case) */
        double *xs = work + 2 * d * d;
        for (size_t i = 0; i < n; i++) xs[i] = X[i * ld];
        qsort(xs, n, sizeof *xs, od_cmp_double);
        double loc;
        if (h < n) {
            double best = INFINITY, acc = 0;
            size_t cnt = 0;
            for (size_t i = 0; i + h < n; i++) {
                double df = xs[i + h] - xs[i];
                if (df < best) {
                    best = df;
                    acc = 0;
                    cnt = 0;
                }
                if (df == best) {
                    acc += 0.5 * (xs[i + h] + xs[i]);
                    cnt++;
                }
            }
            loc = acc / (double)cnt;
        } else {
            loc = 0;
            for (size_t i = 0; i < n; i++) loc += X[i * ld];
            loc /= (double)n;
        }
        mcd_pair *pr = od_mallocn(ctx, n, sizeof *pr);
        if (!pr) {
            rc = OD_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < n; i++) pr[i] = (mcd_pair){ fabs(X[i * ld] - loc), i };
        qsort(pr, n, sizeof *pr, mcd_pair_cmp);
        for (size_t q = 0; q < h; q++) sup[q] = pr[q].i;
        free(pr);
        mcd_moments(&S, all, sup, h, r->raw_location, r->raw_cov);
        r->raw_location[0] = loc;   /* sklearn keeps the shortest-half centre as the location */
        /* variance of the support (np.var) */
        double mu = 0, v = 0;
        for (size_t q = 0; q < h; q++) mu += X[sup[q] * ld];
        mu /= (double)h;
        for (size_t q = 0; q < h; q++) v += (X[sup[q] * ld] - mu) * (X[sup[q] * ld] - mu);
        r->raw_cov[0] = v / (double)h;
        for (size_t i = 0; i < n; i++) {
            double t = X[i * ld] - loc;
            dist[i] = r->raw_cov[0] > 0 ? t * t / r->raw_cov[0] : (t == 0 ? 0 : INFINITY);
        }
    } else if (n > 500) {
        size_t nsub = n / 300, nss = n / nsub;
        size_t hsub = (size_t)ceil((double)nss * ((double)h / (double)n));
        size_t ntr = 500 / nsub > 10 ? 500 / nsub : 10, nbest_sub = 10, nbest_tot = nsub * nbest_sub;
        shuf = od_mallocn(ctx, n, sizeof *shuf);
        bl = od_mallocn(ctx, nbest_tot * d, sizeof *bl);
        bc = od_mallocn(ctx, nbest_tot * d * d, sizeof *bc);
        if (!shuf || !bl || !bc) {
            rc = OD_ENOMEM;
            goto done;
        }
        gsl_rng *rs = od_rng_stream(key, 0);
        if (!rs) {
            rc = OD_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < n; i++) shuf[i] = i;
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)gsl_rng_uniform_int(rs, i), t = shuf[i - 1];
            shuf[i - 1] = shuf[j];
            shuf[j] = t;
        }
        for (size_t s = 0; s < nsub; s++) {
            if (od_cancelled(ctx)) {
                gsl_rng_free(rs);
                rc = od_error(ctx, OD_ECANCEL, "gauss: interrupted");
                goto done;
            }
            if (mcd_select_candidates(&S, shuf + s * nss, nss, hsub, ntr, NULL, NULL, 2, nbest_sub, key,
                                      1000 + s * ntr, bl + s * nbest_sub * d, bc + s * nbest_sub * d * d, NULL, NULL)) {
                gsl_rng_free(rs);
                rc = od_error(ctx, OD_ENOMEM, "gauss: out of memory");
                goto done;
            }
            od_progress(ctx, "gauss", 0.6 * (double)(s + 1) / (double)nsub, "MCD subsets");
        }
        /* merged set */
        size_t nm = n < 1500 ? n : 1500;
        size_t hm = (size_t)ceil((double)nm * ((double)h / (double)n));
        size_t nbm = n > 1500 ? 10 : 1;
        for (size_t i = 0; i < n; i++) shuf[i] = i;
        for (size_t i = 0; i < nm; i++) {
            size_t j = i + (size_t)gsl_rng_uniform_int(rs, n - i), t = shuf[i];
            shuf[i] = shuf[j];
            shuf[j] = t;
        }
        gsl_rng_free(rs);
        ml = od_mallocn(ctx, nbm * d, sizeof *ml);
        mc = od_mallocn(ctx, nbm * d * d, sizeof *mc);
        if (!ml || !mc) {
            rc = OD_ENOMEM;
            goto done;
        }
        size_t *msup = n < 1500 ? sup : NULL;
        double *mdist = n < 1500 ? work + 2 * d * d : NULL;
        if (mcd_select_candidates(&S, shuf, nm, hm, nbest_tot, bl, bc, 30, nbm, key, 0, ml, mc, msup, mdist)) {
            rc = od_error(ctx, OD_ENOMEM, "gauss: out of memory");
            goto done;
        }
        od_progress(ctx, "gauss", 0.8, "MCD merged set");
        if (n < 1500) {
            memcpy(r->raw_location, ml, d * sizeof(double));
            memcpy(r->raw_cov, mc, d * d * sizeof(double));
            for (size_t q = 0; q < nm; q++) dist[shuf[q]] = mdist[q];
        } else {
            if (mcd_select_candidates(&S, all, n, h, nbm, ml, mc, 30, 1, key, 0, r->raw_location, r->raw_cov, NULL,
                                      dist)) {
                rc = od_error(ctx, OD_ENOMEM, "gauss: out of memory");
                goto done;
            }
        }
    } else {
        bl = od_mallocn(ctx, 10 * d, sizeof *bl);
        bc = od_mallocn(ctx, 10 * d * d, sizeof *bc);
        if (!bl || !bc) {
            rc = OD_ENOMEM;
            goto done;
        }
        if (mcd_select_candidates(&S, all, n, h, 30, NULL, NULL, 2, 10, key, 1000, bl, bc, NULL, NULL) ||
            mcd_select_candidates(&S, all, n, h, 10, bl, bc, 30, 1, key, 0, r->raw_location, r->raw_cov, NULL,
                                  dist)) {
            rc = od_error(ctx, OD_ENOMEM, "gauss: out of memory");
            goto done;
        }
    }
    r->raw_logdet = mcd_logdet(r->raw_cov, work, d);
    if (r->raw_logdet == -INFINITY) {
        size_t zc = 0, z1 = 0;
        for (size_t j = 0; j < d; j++)
            if (!(r->raw_cov[j * d + j] > 0)) z1 = zc++ ? z1 : j;
        if (zc)
            od_warn(ctx, "gauss: robust=yes: degenerate fit: %zu column%s (first: column %zu) constant on the MCD "
                    "support of %zu rows, so the robust covariance is singular (an exact fit); every candidate "
                    "subset was singular.  Use robust=no, or drop or jitter tied columns",
                    zc, zc == 1 ? " is" : "s are", z1 + 1, h);
        else
            od_warn(ctx, "gauss: robust=yes: degenerate fit: the %zu rows of the MCD support lie on a hyperplane "
                    "(singular covariance, an exact fit; every candidate subset was singular).  Use robust=no, "
                    "or remove collinear columns (e.g. with pca)", h);
    }
    else {
        /* near-singular: a Cholesky pivot^2 / variance is 1 - R^2 of a column
         * on the columns before it over the support; at rounding level the
         * support lies on a hyperplane up to rounding (exactly related
         * columns after scaling) and the distances follow the rounding */
        double worst = INFINITY;
        size_t wj = 0;
        for (size_t j = 0; j < d; j++) {
            double v = r->raw_cov[j * d + j], q = work[j * d + j] * work[j * d + j] / v;
            if (v > 0 && q < worst) worst = q, wj = j;
        }
        if (worst < 1e-10)
            od_warn(ctx, "gauss: robust=yes: near-singular fit: on the MCD support of %zu rows column %zu is a "
                    "linear function of columns 1..%zu up to 1 - R^2 = %.1e (raw log det %.1f), so the distances "
                    "and scores follow rounding error and the seed.  Use robust=no, or remove collinear or tied "
                    "columns (e.g. with pca)", h, wj + 1, wj, worst, r->raw_logdet);
    }
    /* consistency correction: median(dist) / chi2_d.isf(0.5) */
    double *sd = work + 2 * d * d;
    memcpy(sd, dist, n * sizeof *sd);
    qsort(sd, n, sizeof *sd, od_cmp_double);
    double med = n % 2 ? sd[n / 2] : 0.5 * (sd[n / 2 - 1] + sd[n / 2]);
    double corr = med / gsl_cdf_chisq_Qinv(0.5, (double)d);
    if (!(corr > 0) || !isfinite(corr)) {
        rc = od_error(ctx, OD_EDATA, "gauss: the covariance of the MCD support is 0 (too many identical rows); "
                      "raise support_fraction= or use robust=no");
        goto done;
    }
    double cut = gsl_cdf_chisq_Qinv(0.025, (double)d);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (dist[i] / corr < cut) sup[m++] = i;
    if (m <= d) {
        rc = od_error(ctx, OD_EDATA, "gauss: only %zu rows survive the MCD reweighting; use robust=no", m);
        goto done;
    }
    r->n_support = m;
    mcd_moments(&S, all, sup, m, r->location, r->cov);
done:
    free(all), free(dist), free(work), free(sup), free(bl), free(bc), free(ml), free(mc), free(shuf);
    if (rc) od_mcd_result_done(r);
    return rc;
}

/* ---------------------------------------------------------------- detector */

typedef struct {
    size_t d, n_train;
    int robust;
    double *loc, *cov, *Linv;   /* d, d x d, rank x d whitening: |Linv (x - loc)|^2 is the
                                   squared Mahalanobis distance (L^-1, lower triangular,
                                   when cov is positive definite) */
    size_t rank;                /* d, or the directions kept of a singular covariance */
    double logdet;              /* log det cov (after any regularisation) */
    double reg_added, raw_logdet;
    size_t h, n_support;
} ga_state;

static void ga_free(void *state)
{
    ga_state *s = state;
    if (!s) return;
    free(s->loc), free(s->cov), free(s->Linv);
    free(s);
}

static const od_param_spec ga_params[] = {
    { "robust", OD_P_BOOL, "no", 0, -1, NULL, "yes: Minimum Covariance Determinant (FAST-MCD) estimate" },
    { "support_fraction", OD_P_REAL, "auto", 0.01, 1, "auto",
      "robust=yes: share of rows in the MCD support (auto: (n+d+1)/2n)" },
};

/* Whitening matrix and log determinant of s->cov.  Positive definite: the
 * inverse Cholesky factor.  Singular (constant or collinear columns, fewer
 * rows than columns): as scikit-learn's pinvh, eigen-directions with
 * eigenvalue <= d * eps * (largest) are left out, so the distance and the log
 * determinant are those of the Gaussian on the subspace the training rows
 * span. */
static int ga_factor(od_ctx *ctx, ga_state *s)
{
    size_t d = s->d;
    double *A = od_mallocn(ctx, d * d, sizeof *A);
    if (!A) return OD_ENOMEM;
    memcpy(A, s->cov, d * d * sizeof *A);
    s->rank = d;
    /* positive definite in working precision: every pivot^2 above d eps x the largest variance
     * (a pivot near rounding noise would blow up the distances, even to inf - inf) */
    double vmax = 0;
    for (size_t j = 0; j < d; j++) vmax = s->cov[j * d + j] > vmax ? s->cov[j * d + j] : vmax;
    int pd = od_cl_cholesky(A, d) == 0;
    for (size_t j = 0; pd && j < d; j++) pd = A[j * d + j] * A[j * d + j] > (double)d * DBL_EPSILON * vmax;
    if (pd) {
        od_cl_trinv_lower(A, s->Linv, d);
        s->logdet = 0;
        for (size_t j = 0; j < d; j++) s->logdet += 2 * log(A[j * d + j]);
        free(A);
        return OD_OK;
    }
    memcpy(A, s->cov, d * d * sizeof *A);
    gsl_matrix_view M = gsl_matrix_view_array(A, d, d);
    gsl_vector *ev = gsl_vector_alloc(d);
    gsl_matrix *V = gsl_matrix_alloc(d, d);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(d);
    if (!ev || !V || !ws) {
        gsl_vector_free(ev), gsl_matrix_free(V), gsl_eigen_symmv_free(ws), free(A);
        return od_error(ctx, OD_ENOMEM, "gauss: out of memory");
    }
    int st = gsl_eigen_symmv(&M.matrix, ev, V, ws);
    gsl_eigen_symmv_free(ws);
    if (!st) st = gsl_eigen_symmv_sort(ev, V, GSL_EIGEN_SORT_VAL_DESC);
    double top = gsl_vector_get(ev, 0);
    if (st || !(top > 0) || !isfinite(top)) {
        gsl_vector_free(ev), gsl_matrix_free(V), free(A);
        return od_error(ctx, OD_EDATA, "gauss: the covariance matrix is zero or not finite (all rows identical?)");
    }
    double tol = (double)d * DBL_EPSILON * top;
    size_t r = 0;
    s->logdet = 0;
    for (size_t q = 0; q < d; q++) {
        double lam = gsl_vector_get(ev, q);
        if (!(lam > tol)) break;
        double sc = 1.0 / sqrt(lam);
        for (size_t j = 0; j < d; j++) s->Linv[r * d + j] = gsl_matrix_get(V, j, q) * sc;
        s->logdet += log(lam);
        r++;
    }
    s->rank = r;
    od_warn(ctx, "gauss: the covariance matrix is singular (constant or collinear columns, or fewer rows than "
            "columns); %zu of %zu directions have no variance and are ignored, as scikit-learn's pinvh does",
            d - r, d);
    gsl_vector_free(ev), gsl_matrix_free(V), free(A);
    return OD_OK;
}

static int ga_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    (void)log;
    int rc = od_cl_check_train(ctx, GA_NAME, train);
    if (rc) return rc;
    size_t n = train->n, d = train->d, ld = train->ld;
    ga_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->d = d;
    s->n_train = n;
    s->robust = od_params_bool(p, "robust");
    s->Linv = od_mallocn(ctx, d * d, sizeof *s->Linv);
    if (!s->Linv) {
        ga_free(s);
        return OD_ENOMEM;
    }
    if (s->robust) {
        od_mcd_result r;
        double sf = od_params_is(p, "support_fraction", "auto") ? NAN : od_params_real(p, "support_fraction");
        if ((rc = od_mcd_fit(ctx, train->X, n, d, ld, sf, &r))) {
            ga_free(s);
            return rc;
        }
        s->loc = r.location;
        s->cov = r.cov;
        r.location = r.cov = NULL;
        s->raw_logdet = r.raw_logdet;
        s->h = r.h;
        s->n_support = r.n_support;
        od_mcd_result_done(&r);
    } else {
        s->loc = od_calloc(ctx, d, sizeof *s->loc);
        s->cov = od_calloc(ctx, d * d, sizeof *s->cov);
        if (!s->loc || !s->cov) {
            ga_free(s);
            return OD_ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++) s->loc[j] += train->X[i * ld + j];
        for (size_t j = 0; j < d; j++) s->loc[j] /= (double)n;
        for (size_t i = 0; i < n; i++) {
            const double *x = train->X + i * ld;
            for (size_t a = 0; a < d; a++) {
                double da = x[a] - s->loc[a];
                for (size_t b = a; b < d; b++) s->cov[a * d + b] += da * (x[b] - s->loc[b]);
            }
        }
        for (size_t a = 0; a < d; a++)
            for (size_t b = a; b < d; b++) s->cov[b * d + a] = s->cov[a * d + b] /= (double)n;
    }
    if ((rc = ga_factor(ctx, s))) {
        ga_free(s);
        return rc;
    }
    *state = s;
    return OD_OK;
}

static int ga_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    const ga_state *s = state;
    int rc = od_cl_check_score(ctx, GA_NAME, data, s->d);
    if (rc) return rc;
    size_t d = s->d;
    double cst = 0.5 * ((double)s->rank * GA_LOG2PI + s->logdet);
    int tri = s->rank == d;   /* inverse Cholesky factor: lower triangular */
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < data->n; i++) {
        const double *x = data->X + i * data->ld;
        double q = 0;
        for (size_t a = 0; a < s->rank; a++) {
            double y = 0;
            size_t bend = tri ? a + 1 : d;
            for (size_t b = 0; b < bend; b++) y += s->Linv[a * d + b] * (x[b] - s->loc[b]);
            q += y * y;
        }
        scores[i] = cst + 0.5 * q;
        if (cluster) cluster[i] = 0;
    }
    return OD_OK;
}

static void ga_describe(const void *state, od_out *out)
{
    const ga_state *s = state;
    char a[32], b[32];
    od_printf(out, "%s Gaussian (robust=%s) on %zu rows x %zu columns\n", s->robust ? "robust (MCD)" : "empirical",
              s->robust ? "yes" : "no", s->n_train, s->d);
    if (s->robust)
        od_printf(out, "MCD support h=%zu rows%s, raw log det %s; %zu rows kept by reweighting\n", s->h,
                  s->h == s->n_train && s->n_train <= s->d ? " (all: no more rows than columns, as scikit-learn)" : "",
                  od_fmt_num(a, sizeof a, s->raw_logdet, 8), s->n_support);
    if (s->rank < s->d)
        od_printf(out, "covariance singular: %zu of %zu directions without variance are ignored\n", s->d - s->rank,
                  s->d);
    od_printf(out, "log det covariance: %s%s\n", od_fmt_num(a, sizeof a, s->logdet, 8),
              s->rank < s->d ? " (over the directions kept)" : "");
    od_printf(out, "location: (");
    for (size_t j = 0; j < s->d && j < 8; j++) od_printf(out, "%s%s", j ? ", " : "", od_fmt_num(b, sizeof b, s->loc[j], 4));
    od_printf(out, "%s)\nscore: -log pdf = (d log 2pi + log det + squared Mahalanobis distance) / 2\n",
              s->d > 8 ? ", ..." : "");
}

static int ga_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const ga_state *s = state;
    int rc;
    uint64_t u[5] = { s->d, s->n_train, s->h, s->n_support, s->rank };
    double dv[3] = { s->logdet, s->reg_added, s->raw_logdet };
    int32_t rb = s->robust;
    if ((rc = od_cl_write_header(ctx, fp, GA_NAME, GA_VERSION))) return rc;
    if ((rc = od_cl_write(ctx, fp, GA_NAME, u, sizeof u[0], 5))) return rc;
    if ((rc = od_cl_write(ctx, fp, GA_NAME, dv, sizeof dv[0], 3))) return rc;
    if ((rc = od_cl_write(ctx, fp, GA_NAME, &rb, sizeof rb, 1))) return rc;
    if ((rc = od_cl_write(ctx, fp, GA_NAME, s->loc, sizeof(double), s->d))) return rc;
    if ((rc = od_cl_write(ctx, fp, GA_NAME, s->cov, sizeof(double), s->d * s->d))) return rc;
    return od_cl_write(ctx, fp, GA_NAME, s->Linv, sizeof(double), s->rank * s->d);
}

static int ga_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    (void)p;
    int rc;
    uint64_t u[5];
    double dv[3];
    int32_t rb;
    if ((rc = od_cl_read_header(ctx, fp, GA_NAME, GA_VERSION, NULL))) return rc;
    if ((rc = od_cl_read(ctx, fp, GA_NAME, u, sizeof u[0], 5))) return rc;
    if ((rc = od_cl_read(ctx, fp, GA_NAME, dv, sizeof dv[0], 3))) return rc;
    if ((rc = od_cl_read(ctx, fp, GA_NAME, &rb, sizeof rb, 1))) return rc;
    if (u[0] == 0 || u[0] > (1u << 14) || u[4] > u[0]) return od_error(ctx, OD_EFORMAT, "gauss model file is corrupt");
    ga_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->d = u[0], s->n_train = u[1], s->h = u[2], s->n_support = u[3], s->rank = u[4];
    s->logdet = dv[0], s->reg_added = dv[1], s->raw_logdet = dv[2];
    s->robust = rb;
    if ((rc = od_cl_read_doubles(ctx, fp, GA_NAME, &s->loc, s->d)) ||
        (rc = od_cl_read_doubles(ctx, fp, GA_NAME, &s->cov, s->d * s->d)) ||
        (rc = od_cl_read_doubles(ctx, fp, GA_NAME, &s->Linv, s->rank * s->d))) {
        ga_free(s);
        return rc;
    }
    *state = s;
    return OD_OK;
}

/* explain: terms z_j (Sigma^-1 z)_j of the squared Mahalanobis distance,
 * z = x - location, Sigma^-1 = Linv^T Linv (over the directions kept). */
static int ga_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    const ga_state *s = state;
    int rc = od_cl_check_score(ctx, GA_NAME, data, s->d);
    if (rc) return rc;
    size_t d = s->d;
    const double *x = data->X + row * data->ld;
    if ((rc = od_explain_alloc_contrib(ctx, ex, d))) return rc;
    double *z = od_mallocn(ctx, d + s->rank + 1, sizeof *z);
    if (!z) return OD_ENOMEM;
    double *y = z + d;
    for (size_t j = 0; j < d; j++) z[j] = x[j] - s->loc[j];
    for (size_t a = 0; a < s->rank; a++) {
        y[a] = 0;
        for (size_t b = 0; b < d; b++) y[a] += s->Linv[a * d + b] * z[b];
    }
    for (size_t j = 0; j < d; j++) {
        double u = 0;
        for (size_t a = 0; a < s->rank; a++) u += s->Linv[a * d + j] * y[a];
        ex->contrib[j] = z[j] * u;
    }
    free(z);
    ex->exact = 1;
    snprintf(ex->method, sizeof ex->method, "gauss%s: terms z_j (Sigma^-1 z)_j of the squared Mahalanobis distance, z = x - %slocation; "
             "they sum to the distance (score = (d log 2pi + log det + distance) / 2)", s->robust ? " (robust MCD)" : "",
             s->robust ? "MCD " : "");
    return OD_OK;
}

const od_detector_type od_detector_gauss = {
    .name = GA_NAME,
    .family = "density",
    .summary = "multivariate Gaussian (optionally robust MCD): score = -log pdf",
    .help =
        "One multivariate normal distribution fitted to the training rows.  robust=no uses\n"
        "the mean and the maximum-likelihood covariance (divided by n, as scikit-learn's\n"
        "EmpiricalCovariance).  robust=yes uses the Minimum Covariance Determinant estimate\n"
        "(FAST-MCD, Rousseeuw & Van Driessen 1999, organised as scikit-learn's MinCovDet:\n"
        "random h-subsets refined by C-steps, subsets of ~300 rows when n > 500, support\n"
        "h = ceil((n+d+1)/2) unless support_fraction= is given, then the consistency\n"
        "correction and the reweighting step keeping rows with squared distance below the\n"
        "chi-square 97.5% quantile), so outliers in the training data do not inflate the\n"
        "covariance.  A singular covariance (constant or collinear columns, fewer rows\n"
        "than columns) is handled as scikit-learn's pinvh: directions without variance in\n"
        "the training rows are ignored (a warning says how many).  With no more rows than\n"
        "columns no subset has a regular covariance: robust=yes then does what\n"
        "scikit-learn's MinCovDet does, the support is all rows (pinvh distances) and\n"
        "only the reweighting is robust, with a warning (reducing the columns with pca\n"
        "first is often better).  robust=yes prefers regular subsets to singular ones\n"
        "(exact fits), and warns when a column takes one value on at least h rows or the\n"
        "MCD is an exact fit.\n"
        "\n"
        "score = -log pdf(x) = (d log 2pi + log det S + (x-m)' S^-1 (x-m)) / 2: up to a\n"
        "constant, half the squared Mahalanobis distance.\n"
        "\n"
        "Example:  detect gauss as g\n"
        "          detect gauss robust=yes as mcd",
    .params = ga_params,
    .nparams = sizeof ga_params / sizeof ga_params[0],
    .seq = 0,
    .fit = ga_fit,
    .score = ga_score,
    .describe = ga_describe,
    .save = ga_save,
    .load = ga_load,
    .free = ga_free,
    .explain = ga_explain,
};
