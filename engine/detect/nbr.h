/* nbr.h - exact k-nearest-neighbour queries for the neighbour detectors (knn,
 * lof): a kd-tree (the one DBSCAN uses, cl_kdtree.h) in low dimension, a
 * blocked brute-force scan otherwise: blocks of queries against blocks of
 * training rows, one matrix product (BLAS dgemm) giving every pair's distance
 * to within a rounding bound, and only the pairs that may be among the k+1
 * nearest computed exactly (the same od_cl_sqdist as a plain scan).
 *
 * Ties are broken by the lower training-row number, on either path, so the
 * neighbour lists are a function of the data alone (scikit-learn's brute-force
 * search keeps the earlier row on ties too).
 *
 * Leave-one-out rule: a query row that is bitwise equal to a training row is
 * scored as that training row, i.e. one copy of itself is left out: the k+1
 * nearest rows are found and one row at distance 0 is dropped.  For the
 * training rows this gives exactly scikit-learn's kneighbors() with X=None
 * (which drops the query row itself, or the first column when k+1 duplicates
 * of it come earlier); rows that equal no training row get their k nearest
 * training rows (scikit-learn's kneighbors(X)). */
#ifndef OD_NBR_H
#define OD_NBR_H

#include <stddef.h>
#include <stdint.h>
#include "cl_kdtree.h"

#define OD_NBR_ALGOS(X) \
    X(AUTO, "auto") \
    X(KDTREE, "kdtree") \
    X(BRUTE, "brute")

#define OD_NBR_ENUM(e, s) OD_NBR_##e,
enum { OD_NBR_ALGOS(OD_NBR_ENUM) OD_NBR_NALGO };
#undef OD_NBR_ENUM
/* "auto|kdtree|brute" in enum order, a constant expression for a parameter
 * spec's choices (the names exist only in OD_NBR_ALGOS) */
#define OD_NBR_BAR(e, s) "|" s
#define OD_NBR_CHOICES (OD_NBR_ALGOS(OD_NBR_BAR) + 1)
const char *od_nbr_algo_name(int algo);

/* dimension above which algorithm=auto scans by brute force (as scikit-learn's
 * 'auto' rule: trees lose to brute force beyond ~15 dimensions) */
#define OD_NBR_AUTO_MAXD 15

typedef struct {
    size_t n, d;
    int algo;            /* OD_NBR_KDTREE or OD_NBR_BRUTE (never AUTO) */
    double *X;           /* n x d training rows, contiguous, original order */
    od_kdtree *tree;     /* NULL for brute force */
    /* per node, what the search walk reads of it in one 32-byte record (the
     * node array and the n x d boxes are two more cache lines a node) */
    struct od_nbr_split {
        double lhi, rlo;       /* the left child's upper, the right child's lower end on the split coordinate */
        int32_t left, right;   /* children, -1 for a leaf */
        int32_t j, pad;        /* the split coordinate */
    } *split;
    /* each leaf is cut into blocks of at most 16 points (NB_BLK), four blocks
     * to a group; the search tests the four blocks' boxes at once and scans
     * only the blocks the k-th distance reaches */
    size_t *loff;        /* each leaf's first group */
    uint32_t *lng;       /* each leaf's number of groups */
    double *gbox;        /* per group: lo[d][4] then hi[d][4] of its four blocks (empty lane: +inf, -inf) */
    size_t *btoff;       /* per block (4 per group): offset of its points in leafT */
    size_t *broff;       /* per block: offset of its training-row numbers in brow */
    uint32_t *bn;        /* per block: its number of points (0 for an empty lane) */
    size_t *brow;        /* the training-row number of every point, block by block */
    double *leafT;       /* the blocks' points transposed, each padded to a multiple of 4 */
    /* a single-precision copy that filters the blocks before the exact scan
     * (see nbr.c): per leaf, the centre of its box and a bound on its
     * points' distance to it; the points relative to the centre in float,
     * each block transposed and padded to a multiple of 8; per eight blocks
     * of a leaf, their float boxes */
    double *lc;          /* per node: d (leaves only) */
    double *lw;          /* per node: the length of the largest offsets from the centre, rounded up */
    unsigned char *lfok; /* per node: the float filter is usable (offsets far inside float's range) */
    size_t *lfoff;       /* per node: the leaf's first group of eight in fbox */
    float *fbox;         /* per group of eight blocks: lo[d][8] then hi[d][8] */
    size_t *bfoff;       /* per block: offset of its points in leafF */
    float *leafF;
    /* brute force (nbr.c, nb_gemm_block): the training rows less the column
     * means mu, and their squared norms; all NULL when some row's norm is not
     * far inside double's range (NaN, Inf, huge values: the plain scan) */
    double *mu;          /* d */
    double *Xc;          /* n x d */
    double *xn;          /* n */
} od_nbr;

/* Index of the n x d training rows (leading dimension ld); copies them. */
od_nbr *od_nbr_new(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, int algo);
void od_nbr_free(od_nbr *nb);

/* For each of the m query rows Q (leading dimension ldq): the k nearest
 * training rows with the leave-one-out rule above, Euclidean distances
 * ascending into dist[i*k ..] and training-row numbers into idx[i*k ..] (idx
 * may be NULL).  Requires k + 1 <= n when a query may equal a training row;
 * with k == n a query equal to a training row gets only n-1 real neighbours
 * and the last slot repeats the (n-1)-th.  Parallel over query rows (OpenMP,
 * static schedule); results do not depend on the thread count.  Polls the
 * cancel flag. */
int od_nbr_query(od_ctx *ctx, const od_nbr *nb, const double *Q, size_t m, size_t ldq, size_t k,
                 double *dist, size_t *idx);

/* Same, over the training rows themselves (in tree order for locality). */
int od_nbr_query_train(od_ctx *ctx, const od_nbr *nb, size_t k, double *dist, size_t *idx);

/* Is the query row q bitwise equal to training row i? */
int od_nbr_same_row(const od_nbr *nb, size_t i, const double *q);

/* Model files: the training rows (the tree is rebuilt on load). */
int od_nbr_save(od_ctx *ctx, FILE *fp, const char *name, const od_nbr *nb);
int od_nbr_load(od_ctx *ctx, FILE *fp, const char *name, od_nbr **out);

#endif
