/* cl_cluster.h - the clustering and density detectors' shared machinery and
 * their exported algorithm entry points (used by the detectors in kmeans.c,
 * gmm.c, hclust.c, dbscan.c, gauss.c, kde.c, by tests/unit/test_cluster*.c and
 * by bench/bench_cluster.c).
 *
 * Conventions: matrices are row-major with a leading dimension (row i of X
 * starts at X + i*ld, ld >= d); every function that can fail returns OD_OK or
 * a negative OD_E* code with a message in ctx; output arrays are
 * caller-allocated unless a function's comment says otherwise.
 *
 * Determinism: all reductions over rows are done in fixed blocks of
 * OD_CL_BLOCK rows whose partial results are added in block order, so results
 * are bit-identical for any number of OpenMP threads.
 */
#ifndef OD_CL_CLUSTER_H
#define OD_CL_CLUSTER_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include "detector.h"

#define OD_CL_BLOCK 2048

/* ---------------------------------------------------------------- helpers */

/* A contiguous (ld == d) copy of `data` when it is not already contiguous.
 * *buf receives the copy (free it) or NULL; returns the matrix to use, NULL on
 * ENOMEM. */
const double *od_cl_contig(od_ctx *ctx, const od_data *data, double **buf);

/* Common fit-time checks: n >= 1, d >= 1, finite values; `what` names the
 * detector in the message. */
int od_cl_check_train(od_ctx *ctx, const char *what, const od_data *data);
/* score-time check: d matches the fitted model. */
int od_cl_check_score(od_ctx *ctx, const char *what, const od_data *data, size_t d);

/* Cholesky factorisation of the symmetric positive-definite d x d matrix A
 * (lower triangle used) in place: A = L L^T, L in the lower triangle, the
 * strict upper triangle is zeroed.  Returns 0, or -1 if A is not positive
 * definite (A is then garbage). */
int od_cl_cholesky(double *A, size_t d);
/* Inverse of a lower-triangular L (d x d) into Linv (lower; upper zeroed). */
void od_cl_trinv_lower(const double *L, double *Linv, size_t d);
/* Cholesky with automatic regularisation: on failure adds ridge*I with
 * ridge = max(1e-10 * trace/d, 1e-300) growing by 10x until it succeeds (A is
 * restored from `work` each time).  *added gets the total ridge added (0 if
 * none).  Returns 0 or -1 if it never succeeded. */
int od_cl_cholesky_reg(double *A, double *work, size_t d, double *added);

/* log(sum(exp(v[0..m-1]))) computed stably. */
double od_cl_logsumexp(const double *v, size_t m);

/* Squared Euclidean distance. */
static inline double od_cl_sqdist(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t j = 0; j < d; j++) {
        double t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

/* Model files: every detector state starts with an 8-byte magic "ODDCLST\0",
 * a 16-byte zero-padded detector name and a uint32 format version. */
int od_cl_write_header(od_ctx *ctx, FILE *fp, const char *name, uint32_t version);
/* Checks magic and name, and that the version is <= `version`; *got receives it. */
int od_cl_read_header(od_ctx *ctx, FILE *fp, const char *name, uint32_t version, uint32_t *got);
/* Checked fwrite/fread of count items of size bytes; a short read is
 * OD_EFORMAT "NAME model file is truncated". */
int od_cl_write(od_ctx *ctx, FILE *fp, const char *name, const void *p, size_t size, size_t count);
int od_cl_read(od_ctx *ctx, FILE *fp, const char *name, void *p, size_t size, size_t count);
int od_cl_write_u64(od_ctx *ctx, FILE *fp, const char *name, uint64_t v);
int od_cl_read_u64(od_ctx *ctx, FILE *fp, const char *name, uint64_t *v, uint64_t max);
/* Reads count doubles into a fresh array (*out, caller frees). */
/* Bytes from fp's position to its end (UINT64_MAX when it cannot tell: a pipe). */
uint64_t od_cl_bytes_left(FILE *fp);
/* A model file declares count items of size bytes (what: "trees", "numbers"):
 * refuse, naming the counts, when fewer bytes follow, before allocating for them. */
int od_cl_need(od_ctx *ctx, FILE *fp, const char *name, uint64_t count, uint64_t size, const char *what);
/* count doubles into a new array (checked against the bytes left first) */
int od_cl_read_doubles(od_ctx *ctx, FILE *fp, const char *name, double **out, size_t count);

/* ----------------------------------------------------------------- k-means */

/* k-means++ seeding as scikit-learn does it (greedy, 2 + floor(ln k) local
 * trials per centre, the candidate that lowers the potential most wins),
 * with randomness from the ctx RNG.  centers: k x d. */
int od_kmeans_plusplus(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld,
                       size_t k, double *centers);

/* Lloyd iterations from the given initial centroids (init: k x d), exactly as
 * scikit-learn's KMeans(algorithm='lloyd', init=array, n_init=1): stop when
 * the labels do not change ("strict convergence") or when the summed squared
 * centre shift <= tol * mean(feature variance); empty clusters are relocated
 * to the points farthest from their centres; if not strictly converged the
 * labels are recomputed against the final centres.
 * Outputs: centroids (k x d), labels (n, may be NULL), inertia, n_iter (the
 * number of Lloyd iterations run, as sklearn's n_iter_), converged (may be
 * NULL).  Polls the cancel flag each iteration (returns OD_ECANCEL).
 * tol < 0 runs exactly max_iter iterations (no convergence test; for timing). */
int od_kmeans_run(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, size_t k,
                  const double *init, int max_iter, double tol,
                  double *centroids, long *labels, double *inertia, int *n_iter,
                  int *converged);

/* od_kmeans_run with a choice of algorithm (od_kmeans_run is OD_KM_LLOYD):
 * OD_KM_HAMERLY (and OD_KM_AUTO) prunes distance computations with Hamerly's
 * bounds and gives the same labels, centres, inertia and iterations as Lloyd,
 * bit for bit. */
enum { OD_KM_AUTO, OD_KM_LLOYD, OD_KM_HAMERLY };
int od_kmeans_run_algo(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, size_t k,
                       const double *init, int max_iter, double tol, int algo,
                       double *centroids, long *labels, double *inertia, int *n_iter,
                       int *converged);

/* Nearest centroid of every row: label and Euclidean distance (either may be
 * NULL).  Ties go to the lowest centroid index.  OD_OK or OD_ENOMEM (no
 * message: the caller names itself). */
int od_kmeans_assign(const double *X, size_t n, size_t d, size_t ld, const double *C,
                      size_t k, long *label, double *dist);

/* The instance of the assignment kernel the Lloyd iterations and
 * od_kmeans_assign use: "avx512", "avx2" or "sse2", picked at the first call
 * from what the CPU supports (GCC's __builtin_cpu_supports, which also checks
 * that the OS saves the wide registers). */
const char *od_kmeans_kernel(void);
/* Use the named instance from now on (tests, benchmarks); NULL returns to the
 * automatic choice.  -1 if the name is unknown or the CPU lacks it. */
int od_kmeans_use_kernel(const char *name);

/* -------------------------------------------------------------------- GMM */

/* covariance= values (choice index = enum value = the number in model files) */
#define OD_GMM_COVS(X) X(OD_GMM_FULL, "full") X(OD_GMM_TIED, "tied") X(OD_GMM_DIAG, "diag") X(OD_GMM_SPHERICAL, "spherical")
enum { OD_GMM_COVS(OD_X_ENUM) OD_GMM_NCOV };

typedef struct {
    size_t k, d;
    int cov;            /* OD_GMM_* */
    double *weights;    /* k */
    double *means;      /* k x d */
    double *covs;       /* full: k x d x d; tied: d x d; diag: k x d; spherical: k */
    double *prec;       /* full: k x (d x d) inverse Cholesky factor L^-1 (lower);
                           tied: d x d; diag: k x d 1/sd; spherical: k 1/sd */
    double *logdet;     /* k: sum log of the precision Cholesky diagonal */
    double lower_bound; /* mean log-likelihood of the last E-step (sklearn lower_bound_) */
    double loglik;      /* total log-likelihood of the training rows under the final model */
    int n_iter, converged;
    size_t n_train;
    double reg_added;   /* extra ridge added to a singular covariance (0 if none) */
} od_gmm_model;

void od_gmm_model_done(od_gmm_model *m);
/* Allocates the model arrays for k, d, cov (zeroed). */
int od_gmm_model_alloc(od_ctx *ctx, od_gmm_model *m, size_t k, size_t d, int cov);

/* EM from initial responsibilities resp0 (n x k, rows summing to 1), as
 * scikit-learn's GaussianMixture: parameters from resp0, then E/M steps until
 * |lower bound change| < tol or max_iter; reg added to the covariance
 * diagonals.  Writes the fitted model into *m (allocated here; free with
 * od_gmm_model_done).  A covariance that is still singular is regularised
 * further with an od_warn. */
int od_gmm_run(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, size_t k,
               int cov, const double *resp0, int max_iter, double tol, double reg,
               od_gmm_model *m);

/* log p(x) of each row under the mixture (logp may be NULL) and the most
 * responsible component (label may be NULL). */
int od_gmm_logpdf(od_ctx *ctx, const od_gmm_model *m, const double *X, size_t n, size_t ld,
                  double *logp, long *label);
/* Number of free parameters (as sklearn's _n_parameters). */
size_t od_gmm_nparams(const od_gmm_model *m);

/* ------------------------------------------------------------ hierarchical */

/* linkage= values (choice index = enum value) */
#define OD_LINKAGES(X) X(OD_LINK_SINGLE, "single") X(OD_LINK_COMPLETE, "complete") X(OD_LINK_AVERAGE, "average") X(OD_LINK_WARD, "ward")
enum { OD_LINKAGES(OD_X_ENUM) OD_LINK_COUNT };

/* Agglomerative clustering with Euclidean distances; Z gets (n-1) x 4 rows in
 * scipy.cluster.hierarchy.linkage's format (cluster a, cluster b, height,
 * size; a < b; sorted by height, stable; clusters >= n are earlier merges).
 * single: Prim's MST, O(n^2) time, O(n) memory; ward: nearest-neighbour chain
 * on centroids, O(n^2 d) time, O(n d) memory; complete/average:
 * nearest-neighbour chain over the condensed distance matrix (n(n-1)/2
 * doubles). */
int od_hclust_linkage(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld,
                      int method, double *Z);
/* Flat clusters from a linkage: k > 0 cuts into (at most) k clusters (the
 * last k-1 merges undone); otherwise clusters are joined while their merge
 * height <= height (scipy fcluster 'distance').  labels are numbered 0.. in
 * order of the first row of each cluster; returns the number of clusters. */
size_t od_hclust_cut(const double *Z, size_t n, size_t k, double height, long *labels);

/* ------------------------------------------------------------------ kd-tree */

typedef struct od_kdtree od_kdtree;   /* defined in cl_kdtree.h */

/* ------------------------------------------------------------------ DBSCAN */

/* DBSCAN as scikit-learn: a row is core when at least minpts rows (itself
 * included) lie within distance eps (<=); clusters are the connected
 * components of core rows, numbered in order of their lowest row index; a
 * non-core row within eps of core rows takes the lowest cluster number among
 * them (what sklearn's depth-first expansion gives); others are noise (-1).
 * labels: n; is_core: n (may be NULL); core_dist: n, distance to the
 * minpts-th nearest row counting the row itself (may be NULL, then not
 * computed).  Returns the number of clusters in *nclusters. */
int od_dbscan_run(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, double eps,
                  size_t minpts, long *labels, unsigned char *is_core, double *core_dist,
                  size_t *nclusters);
/* eps=auto: the knee of the sorted (ascending) curve of distances to the
 * minpts-th nearest row (itself included): after scaling both axes to [0,1],
 * the point farthest below the chord from the first to the last point. */
int od_dbscan_auto_eps(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld,
                       size_t minpts, double *eps);

/* --------------------------------------------------------------------- KDE */

/* Log density of a Gaussian KDE with bandwidth h over the rows of the tree's
 * points, at each row of Q (m x d, leading dimension ldq):
 *   log( 1/N sum_i (2 pi h^2)^(-d/2) exp(-|q - x_i|^2 / (2 h^2)) ).
 * With rtol = atol = 0 the sum is exact; otherwise tree nodes whose
 * contribution is known to within atol + rtol * (density so far) are
 * approximated (scikit-learn KernelDensity's rtol/atol meaning). */
int od_kde_logdens(od_ctx *ctx, const od_kdtree *t, double h, double rtol, double atol,
                   const double *Q, size_t m, size_t ldq, double *out);

/* --------------------------------------------------------------------- MCD */

typedef struct {
    double *location, *cov;          /* reweighted (final) estimates: d, d x d */
    double *raw_location, *raw_cov;  /* raw MCD estimates */
    double raw_logdet;               /* log det of raw_cov (the MCD objective) */
    size_t h;                        /* support size */
    size_t n_support;                /* rows kept by the reweighting step */
} od_mcd_result;

/* FAST-MCD (Rousseeuw & Van Driessen 1999) as scikit-learn's MinCovDet:
 * support h = ceil((n+d+1)/2) unless support_fraction in (0,1] is given
 * (h = floor(fraction*n)); random subsets and C-steps (subsets of ~300 rows
 * when n > 500), the best determinant; consistency correction by
 * median(dist)/chi2_d.isf(0.5) and reweighting on dist < chi2_d.isf(0.025).
 * The result arrays are allocated here; free with od_mcd_result_done. */
int od_mcd_fit(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld,
               double support_fraction, od_mcd_result *r);
void od_mcd_result_done(od_mcd_result *r);

#endif
