/* cl_kdtree.h - a static kd-tree over n points in d dimensions for range,
 * k-nearest-neighbour and kernel-sum queries (DBSCAN, KDE).
 *
 * The points are copied in tree order (pts, row p is original row idx[p]);
 * every node covers the contiguous range [start, end) and carries its tight
 * bounding box.  Splits are on the dimension of largest spread at the median
 * (a node of identical points is halved by position), so leaves hold at most
 * `leaf` points.  Building is deterministic; queries are
 * read-only and may run concurrently. */
#ifndef OD_CL_KDTREE_H
#define OD_CL_KDTREE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "cl_cluster.h"

typedef struct {
    size_t start, end;
    int32_t left, right;   /* children, -1 for a leaf */
} od_kdnode;

struct od_kdtree {
    size_t n, d, leaf;
    double *pts;      /* n x d in tree order */
    size_t *idx;      /* original row of each tree position */
    od_kdnode *nodes; /* nodes[0] is the root */
    size_t nnodes;
    double *lo, *hi;  /* nnodes x d bounding boxes */
    double *ptsT;     /* the points again, transposed leaf by leaf: the leaf
                         [s, e) holds coordinate j of point p at
                         ptsT[s*d + j*(e-s) + (p-s)] (vectorised leaf scans) */
    size_t maxleaf;   /* most points in one leaf */
};

/* Builds a tree over the rows of X (n x d, leading dimension ld); n >= 1. */
od_kdtree *od_kdtree_new(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, size_t leaf);
void od_kdtree_free(od_kdtree *t);

/* Squared distance from q to the box of node i: smallest and largest. */
static inline double od_kdtree_mind2(const od_kdtree *t, size_t i, const double *q)
{
    const double *lo = t->lo + i * t->d, *hi = t->hi + i * t->d;
    double s = 0;
    for (size_t j = 0; j < t->d; j++) {
        double v = 0;
        if (q[j] < lo[j]) v = lo[j] - q[j];
        else if (q[j] > hi[j]) v = q[j] - hi[j];
        s += v * v;
    }
    return s;
}

static inline double od_kdtree_maxd2(const od_kdtree *t, size_t i, const double *q)
{
    const double *lo = t->lo + i * t->d, *hi = t->hi + i * t->d;
    double s = 0;
    for (size_t j = 0; j < t->d; j++) {
        double a = fabs(q[j] - lo[j]), b = fabs(q[j] - hi[j]);
        double v = a > b ? a : b;
        s += v * v;
    }
    return s;
}

/* Squared distances from q to every point of the leaf node N into
 * out[0 .. N->end - N->start - 1] (out holds at least t->maxleaf values).
 * Same operations, in the same order, as od_cl_sqdist. */
void od_kdtree_leaf_d2(const od_kdtree *t, const od_kdnode *N, const double *q, double *out);

/* The k nearest points to q: squared distances ascending in d2[k] and tree
 * positions in pos[k] (pos may be NULL when k <= 64).  k <= n. */
void od_kdtree_knn(const od_kdtree *t, const double *q, size_t k, double *d2, size_t *pos);

#endif
