/* nbr.c - exact k-nearest-neighbour queries (see nbr.h). */
#include "config.h"
#include "nbr.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <gsl/gsl_cblas.h>
#include "nn/nn_impl.h"   /* od_nn_blas_enter/leave: the engine's one switch for BLAS's own threads */

#ifndef NB_LEAF
#define NB_LEAF 128  /* points in a leaf at most (leaves hold 65-128; each is cut into blocks of at most NB_BLK) */
#endif
#ifndef NB_BLK
#define NB_BLK 16      /* most points in one of a leaf's blocks (each has its own box; 8 to 16) */
#endif
#if NB_BLK < 8 || NB_BLK > 16
#error "NB_BLK: the block kernel takes 8 to 16 points"
#endif
#define NB_CHUNK 8192   /* query rows between cancel polls */

const char *od_nbr_algo_name(int algo)
{
#define OD_NBR_NAME(e, s) s,
    static const char *const names[] = { OD_NBR_ALGOS(OD_NBR_NAME) };
#undef OD_NBR_NAME
    return algo >= 0 && algo < OD_NBR_NALGO ? names[algo] : "?";
}

void od_nbr_free(od_nbr *nb)
{
    if (!nb) return;
    od_kdtree_free(nb->tree);
    free(nb->split);
    free(nb->loff);
    free(nb->lng);
    free(nb->gbox);
    free(nb->btoff);
    free(nb->broff);
    free(nb->bn);
    free(nb->brow);
    free(nb->leafT);
    free(nb->lc);
    free(nb->lw);
    free(nb->lfok);
    free(nb->lfoff);
    free(nb->fbox);
    free(nb->bfoff);
    free(nb->leafF);
    free(nb->mu);
    free(nb->Xc);
    free(nb->xn);
    free(nb->X);
    free(nb);
}

/* Cuts the tree positions P[s, e) of one leaf into blocks of at most NB_BLK
 * points: halves on the coordinate of widest spread at a multiple of 4 near
 * the median (so that blocks but the last of a leaf fill their vectors),
 * recursively; the blocks' ends go to cut[] in order. */
static void nb_blocks(const od_kdtree *t, size_t *P, size_t s, size_t e, size_t *cut, size_t *ncut)
{
    size_t d = t->d;
    if (e - s <= NB_BLK) {
        cut[(*ncut)++] = e;
        return;
    }
    size_t bj = 0;
    double bw = -1;
    for (size_t j = 0; j < d; j++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t p = s; p < e; p++) {
            double v = t->pts[P[p] * d + j];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        if (hi - lo > bw) bw = hi - lo, bj = j;
    }
    /* insertion sort on coordinate bj (ties keep their order: deterministic) */
    for (size_t a = s + 1; a < e; a++) {
        size_t v = P[a], b = a;
        double x = t->pts[v * d + bj];
        while (b > s && t->pts[P[b - 1] * d + bj] > x) {
            P[b] = P[b - 1];
            b--;
        }
        P[b] = v;
    }
    size_t m = s + (((e - s) / 2) & ~(size_t)3);
    nb_blocks(t, P, s, m, cut, ncut);
    nb_blocks(t, P, m, e, cut, ncut);
}

/* The float copy of the leaves (nbr.h): centres, offset bounds, boxes of
 * eight blocks at a time and the points, from the blocks already built. */
static int nb_float_new(od_ctx *ctx, od_nbr *nb)
{
    const od_kdtree *t = nb->tree;
    size_t d = nb->d, nfg = 0, npad = 0, nbk = 0;
    for (size_t i = 0; i < t->nnodes; i++) {
        if (nb->split[i].left >= 0) continue;
        nfg += (nb->lng[i] + 1) / 2;
        for (size_t b = 4 * nb->loff[i]; b < 4 * (nb->loff[i] + nb->lng[i]); b++) npad += (nb->bn[b] + 7) & ~(size_t)7;
        if (4 * (nb->loff[i] + nb->lng[i]) > nbk) nbk = 4 * (nb->loff[i] + nb->lng[i]);
    }
    nb->lc = od_calloc(ctx, t->nnodes * d, sizeof *nb->lc);
    nb->lw = od_calloc(ctx, t->nnodes, sizeof *nb->lw);
    nb->lfok = od_calloc(ctx, t->nnodes, sizeof *nb->lfok);
    nb->lfoff = od_calloc(ctx, t->nnodes, sizeof *nb->lfoff);
    nb->fbox = od_mallocn(ctx, (nfg ? nfg : 1) * 16 * d, sizeof *nb->fbox);
    nb->bfoff = od_calloc(ctx, nbk ? nbk : 1, sizeof *nb->bfoff);
    nb->leafF = od_mallocn(ctx, (npad ? npad : 1) * d, sizeof *nb->leafF);
    if (!nb->lc || !nb->lw || !nb->lfok || !nb->lfoff || !nb->fbox || !nb->bfoff || !nb->leafF) return OD_ENOMEM;
    size_t f = 0, foff = 0;
    for (size_t i = 0; i < t->nnodes; i++) {
        if (nb->split[i].left >= 0) continue;
        const double *lo = t->lo + i * d, *hi = t->hi + i * d;
        double *c = nb->lc + i * d, w2 = 0;
        int ok = 1;
        for (size_t j = 0; j < d; j++) {
            c[j] = 0.5 * lo[j] + 0.5 * hi[j];
            double w = hi[j] - c[j] > c[j] - lo[j] ? hi[j] - c[j] : c[j] - lo[j];
            if (!(w <= 1e30) || d > 32) ok = 0;
            w2 += w * w;
        }
        nb->lw[i] = sqrt(w2) * (1 + 1e-10);
        nb->lfok[i] = (unsigned char)ok;
        nb->lfoff[i] = f;
        size_t b0 = 4 * nb->loff[i], nbl = 4 * (size_t)nb->lng[i];
        for (size_t g = 0; g < (nbl + 7) / 8; g++, f++) {
            float *flo = nb->fbox + f * 16 * d, *fhi = flo + 8 * d;
            for (size_t l = 0; l < 8; l++) {
                size_t b = b0 + 8 * g + l, L = 8 * g + l < nbl ? nb->bn[b] : 0;
                for (size_t j = 0; j < d; j++) flo[8 * j + l] = INFINITY, fhi[8 * j + l] = -INFINITY;
                if (!L) continue;
                size_t Lp = (L + 3) & ~(size_t)3, Lp8 = (L + 7) & ~(size_t)7;
                const double *T = nb->leafT + nb->btoff[b];
                nb->bfoff[b] = foff;
                for (size_t j = 0; j < d; j++)
                    for (size_t p = 0; p < Lp8; p++) {
                        float v = (float)(T[j * Lp + (p < L ? p : L - 1)] - c[j]);
                        nb->leafF[foff + j * Lp8 + p] = v;
                        if (v < flo[8 * j + l]) flo[8 * j + l] = v;
                        if (v > fhi[8 * j + l]) fhi[8 * j + l] = v;
                    }
                foff += Lp8 * d;
            }
        }
    }
    return OD_OK;
}

/* x less mu into xc; returns its squared norm (the same operations for the
 * training rows and the queries) */
static double nb_centre(const double *x, const double *mu, double *xc, size_t d)
{
    double s = 0;
    for (size_t j = 0; j < d; j++) {
        double v = x[j] - mu[j];
        xc[j] = v;
        s += v * v;
    }
    return s;
}

/* rows whose centred squared norm exceeds this take the plain scan (so that
 * no sum, product or margin of nb_gemm_scan can overflow) */
#define NB_NMAX 0x1p1000

/* the centred copy of the training rows for the blocked brute-force scan */
static int nb_brute_new(od_ctx *ctx, od_nbr *nb)
{
    size_t n = nb->n, d = nb->d;
    nb->mu = od_calloc(ctx, d, sizeof *nb->mu);
    nb->Xc = od_mallocn(ctx, n * d, sizeof *nb->Xc);
    nb->xn = od_mallocn(ctx, n, sizeof *nb->xn);
    if (!nb->mu || !nb->Xc || !nb->xn) return OD_ENOMEM;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) nb->mu[j] += nb->X[i * d + j];
    for (size_t j = 0; j < d; j++) nb->mu[j] /= (double)n;
    for (size_t i = 0; i < n; i++) {
        nb->xn[i] = nb_centre(nb->X + i * d, nb->mu, nb->Xc + i * d, d);
        /* NaN or Inf anywhere (the training data may hold NaN: missing
         * values), or huge values: the plain scan for all, which treats them
         * as before (a NaN distance never gets in) */
        if (!(nb->xn[i] <= NB_NMAX)) {
            free(nb->mu), free(nb->Xc), free(nb->xn);
            nb->mu = nb->Xc = nb->xn = NULL;
            break;
        }
    }
    return OD_OK;
}

od_nbr *od_nbr_new(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, int algo)
{
    od_nbr *nb = od_calloc(ctx, 1, sizeof *nb);
    if (!nb) return NULL;
    nb->n = n;
    nb->d = d;
    if (algo == OD_NBR_AUTO) algo = d > OD_NBR_AUTO_MAXD ? OD_NBR_BRUTE : OD_NBR_KDTREE;
    nb->algo = algo;
    nb->X = od_mallocn(ctx, n * d, sizeof *nb->X);
    if (!nb->X) {
        od_nbr_free(nb);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) memcpy(nb->X + i * d, X + i * ld, d * sizeof *X);
    if (algo != OD_NBR_KDTREE) {
        if (nb_brute_new(ctx, nb)) {
            od_nbr_free(nb);
            return NULL;
        }
        return nb;
    }
    od_kdtree *t = nb->tree = od_kdtree_new(ctx, nb->X, n, d, d, NB_LEAF);
    if (!t) {
        od_nbr_free(nb);
        return NULL;
    }
    /* the blocks of every leaf (each block ends at one cut; at most n cuts) */
    size_t *P = od_mallocn(ctx, n, sizeof *P), *cut = od_mallocn(ctx, n, sizeof *cut);
    size_t *c0 = od_mallocn(ctx, t->nnodes + 1, sizeof *c0);
    if (!P || !cut || !c0) {
        free(P), free(cut), free(c0);
        od_nbr_free(nb);
        return NULL;
    }
    size_t nc = 0, ng = 0, npad = 0;
    for (size_t i = 0; i < t->nnodes; i++) {
        const od_kdnode *N = &t->nodes[i];
        c0[i] = nc;
        if (N->left >= 0) continue;
        for (size_t p = N->start; p < N->end; p++) P[p] = p;
        nb_blocks(t, P, N->start, N->end, cut, &nc);
        ng += (nc - c0[i] + 3) / 4;
        for (size_t c = c0[i], s = N->start; c < nc; s = cut[c++]) npad += (cut[c] - s + 3) & ~(size_t)3;
    }
    c0[t->nnodes] = nc;
    nb->split = od_calloc(ctx, t->nnodes, sizeof *nb->split);
    nb->loff = od_calloc(ctx, t->nnodes, sizeof *nb->loff);
    nb->lng = od_calloc(ctx, t->nnodes, sizeof *nb->lng);
    nb->gbox = od_mallocn(ctx, ng * 8 * d, sizeof *nb->gbox);
    nb->btoff = od_calloc(ctx, ng * 4, sizeof *nb->btoff);
    nb->broff = od_calloc(ctx, ng * 4, sizeof *nb->broff);
    nb->bn = od_calloc(ctx, ng * 4, sizeof *nb->bn);
    nb->brow = od_mallocn(ctx, n, sizeof *nb->brow);
    nb->leafT = od_mallocn(ctx, npad * d, sizeof *nb->leafT);
    if (!nb->split || !nb->loff || !nb->lng || !nb->gbox || !nb->btoff || !nb->broff || !nb->bn || !nb->brow ||
        !nb->leafT) {
        free(P), free(cut), free(c0);
        od_nbr_free(nb);
        return NULL;
    }
    size_t g = 0, toff = 0, roff = 0;   /* groups, leafT and brow used so far */
    for (size_t i = 0; i < t->nnodes; i++) {
        const od_kdnode *N = &t->nodes[i];
        struct od_nbr_split *sp = &nb->split[i];
        sp->left = N->left;
        sp->right = N->right;
        if (N->left < 0) {
            size_t s = N->start, lnc = c0[i + 1] - c0[i];
            const size_t *lcut = cut + c0[i];
            nb->loff[i] = g;
            nb->lng[i] = (uint32_t)((lnc + 3) / 4);
            g += nb->lng[i];
            for (size_t c = 0; c < 4 * (size_t)nb->lng[i]; c++) {
                size_t b = 4 * nb->loff[i] + c;
                double *lo = nb->gbox + (nb->loff[i] + c / 4) * 8 * d + c % 4, *hi = lo + 4 * d;
                if (c >= lnc) {   /* an empty lane: a box no query reaches */
                    for (size_t j = 0; j < d; j++) lo[4 * j] = INFINITY, hi[4 * j] = -INFINITY;
                    continue;
                }
                if (c > 0) s = lcut[c - 1];
                size_t L = lcut[c] - s, Lp = (L + 3) & ~(size_t)3;
                nb->btoff[b] = toff;
                nb->broff[b] = roff;
                nb->bn[b] = (uint32_t)L;
                for (size_t j = 0; j < d; j++) {
                    lo[4 * j] = INFINITY, hi[4 * j] = -INFINITY;
                    /* transposed, padded with copies of the block's last point */
                    for (size_t p = 0; p < Lp; p++) {
                        double v = t->pts[P[s + (p < L ? p : L - 1)] * d + j];
                        nb->leafT[toff + j * Lp + p] = v;
                        if (v < lo[4 * j]) lo[4 * j] = v;
                        if (v > hi[4 * j]) hi[4 * j] = v;
                    }
                }
                for (size_t p = 0; p < L; p++) nb->brow[roff + p] = t->idx[P[s + p]];
                toff += Lp * d;
                roff += L;
            }
            continue;
        }
        /* the coordinate each node was split on: the children's ranges meet
         * there (the build splits the widest coordinate at the median; nodes
         * of identical points are split by position, any coordinate will do) */
        const double *lo = t->lo + i * d, *hi = t->hi + i * d;
        double bw = -1;
        for (size_t j = 0; j < d; j++)
            if (hi[j] - lo[j] > bw) {
                bw = hi[j] - lo[j];
                sp->j = (int32_t)j;
            }
        sp->lhi = t->hi[(size_t)N->left * d + (size_t)sp->j];
        sp->rlo = t->lo[(size_t)N->right * d + (size_t)sp->j];
    }
    free(P), free(cut), free(c0);
    if (nb_float_new(ctx, nb)) {
        od_nbr_free(nb);
        return NULL;
    }
    return nb;
}

int od_nbr_same_row(const od_nbr *nb, size_t i, const double *q)
{
    return i < nb->n && !memcmp(nb->X + i * nb->d, q, nb->d * sizeof *q);
}

/* ------------------------------------------ the k+1 best (d2, row) of a query
 *
 * Up to NB_LISTMAX pairs: a sorted list, ascending, a new pair inserted from
 * the back.  In several dimensions most rows that get in are near the current
 * k-th distance (the volume of a ball grows as r^d), so an insertion moves a
 * few entries: cheaper than a heap's sift from the root, and no sort at the
 * end.  More pairs: a max-heap (an insertion into a long list moves too many),
 * sorted at the end. */

#define NB_LISTMAX 64

typedef struct {
    double *d2;
    size_t *row;
    size_t cap, m;
    double top;   /* the squared distance a row must not exceed to get in (INFINITY until full) */
    int heap;
    double rtof, rt;   /* the float filter's sqrt(top) (nb_tf): of which top, and its value */
} nb_list;

static inline void nb_list_init(nb_list *h, double *d2, size_t *row, size_t cap)
{
    *h = (nb_list){ d2, row, cap, 0, INFINITY, cap > NB_LISTMAX, -1, 0 };
}

static inline double nb_top(const nb_list *h)
{
    return h->top;
}

static inline int nb_less(double da, size_t ra, double db, size_t rb)
{
    return da < db || (da == db && ra < rb);
}

/* (d2, row) into the root of the max-heap h->d2/row[0 .. m), sifted down */
static inline void nb_sift_down(nb_list *h, size_t m, double d2, size_t row)
{
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;   /* the larger child */
        if (c >= m) break;
        if (c + 1 < m && nb_less(h->d2[c], h->row[c], h->d2[c + 1], h->row[c + 1])) c++;
        if (!nb_less(d2, row, h->d2[c], h->row[c])) break;
        h->d2[i] = h->d2[c];
        h->row[i] = h->row[c];
        i = c;
    }
    h->d2[i] = d2;
    h->row[i] = row;
}

static inline __attribute__((always_inline)) void nb_heap_push(nb_list *h, double d2, size_t row)
{
    if (h->m < h->cap) {
        size_t i = h->m++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!nb_less(h->d2[p], h->row[p], d2, row)) break;
            h->d2[i] = h->d2[p];
            h->row[i] = h->row[p];
            i = p;
        }
        h->d2[i] = d2;
        h->row[i] = row;
        return;
    }
    if (!nb_less(d2, row, h->d2[0], h->row[0])) return;
    nb_sift_down(h, h->m, d2, row);
}

static inline __attribute__((always_inline)) void nb_push(nb_list *h, double d2, size_t row)
{
    if (__builtin_expect(h->heap, 0)) {
        nb_heap_push(h, d2, row);
        if (h->m == h->cap) h->top = h->d2[0];
        return;
    }
    /* the list in locals (the stores below could alias h's fields otherwise) */
    double *D = h->d2;
    size_t *R = h->row, cap = h->cap, i = h->m;
    if (i < cap) {
        h->m = i + 1;
    } else {   /* full: the new pair takes the last one's place */
        i = cap - 1;
        if (d2 > D[i] || (d2 == D[i] && row >= R[i])) return;
    }
    /* move up the pairs after it: those farther, then those as far with a
     * higher row (nb_less in two loops: ties are rare) */
    for (; i > 0 && D[i - 1] > d2; i--) {
        D[i] = D[i - 1];
        R[i] = R[i - 1];
    }
    for (; i > 0 && D[i - 1] == d2 && R[i - 1] > row; i--) {
        D[i] = D[i - 1];
        R[i] = R[i - 1];
    }
    D[i] = d2;
    R[i] = row;
    if (h->m == cap) h->top = D[cap - 1];
}

/* the pairs ascending by (d2, row), in place: a heap's by heapsort (an
 * insertion sort of a max-heap is quadratic, ~70% of a brute-force k=n-1
 * query's time); a list is sorted already */
static void nb_sort(nb_list *h)
{
    if (!h->heap) return;
    for (size_t e = h->m; e > 1; e--) {
        /* the largest to position e-1, the pair there sifted down from the root of the e-1 before it */
        double v = h->d2[e - 1];
        size_t r = h->row[e - 1];
        h->d2[e - 1] = h->d2[0];
        h->row[e - 1] = h->row[0];
        nb_sift_down(h, e - 1, v, r);
    }
}

/* ------------------------------------------------ kd-tree search
 *
 * Depth-first, nearer child first, with the distance to a node's cell kept
 * incrementally (Arya & Mount 1993): off[j] is the query's distance along
 * coordinate j to the cell's range, and only the split coordinate changes
 * between a node and its far child, so a node costs O(1) instead of O(d).  The
 * ranges are the children's tight extents along the split coordinate.  The
 * incremental sum can round up by a few ulps (each step adds non-negative
 * terms and removes one, so the error stays below ~3 eps x depth of the
 * value), so a node is pruned only when its bound exceeds the k-th distance by
 * the factor NB_SLACK: every point that ties the k-th distance is still seen
 * and the lower training row wins, so the lists are exactly those of a scan of
 * every row.  A leaf's blocks are tested by their own boxes (nb_leaf_any) and
 * scanned row by row with the operations of od_cl_sqdist, so the distances
 * are bitwise those of the brute-force path.
 *
 * Where the time goes (lof k=20 on blobs 100k x 8, one thread): the k-th
 * distance is about one cluster standard deviation, so a query's ball meets
 * ~90 of the ~1000 leaves; whole leaves of 64 meant ~5800 rows scanned per
 * query, the blocks' boxes cut that to ~2400 (knn k=5: ~3300 -> ~1350).  The
 * blocks' tests and scans are ~60% of the search, the walk ~11%.  A query
 * pushes ~91 rows into its list (~21 to fill it, ~70 that beat its k-th
 * distance); the push is inlined into the leaf function (nb_leaf_any): called
 * out of line from the AVX2 instance it cost ~40% of the search (a baseline
 * function: vzeroupper and every live vector register spilled at each call). */

#define NB_SLACK (1 + 1e-12)

/* Tried and measured slower or no faster (knn k=5, lof k=20 on blobs 100k x 8,
 * threads=1, user CPU seconds on a loaded 2-core machine; base 1.0-1.1 / 1.8):
 * - leaf-batch search of the training rows (each leaf's queries share one list
 *   of candidate leaves, found by box-to-box distance within the leaf's largest
 *   k-th distance after scanning the leaf itself): 2.4 / 3.5.  In 8 dimensions
 *   a 64-point leaf has ~470 candidate leaves of 2048 and a query still scans
 *   ~58 of them; testing each candidate's box costs more than the walk.
 * - partial-distance exit in the leaf scan (first d/2 coordinates, then skip
 *   the 4 lanes if all exceed the bound): 1.7-2.0 / 3.3 (branches).
 * With blocks (base 0.78 / 1.24, min of 4 runs, quieter machine):
 * - blocks of at most 8 rows: more box tests than rows saved (~10% slower).
 * - leaves of 64 or 256 instead of 128: 5-10% slower.
 * - a first bound from the previous query's k+1 rows (their farthest from
 *   this query): rows scanned unchanged, pushes 91 -> 85; the own leaf's
 *   blocks nearest first: pushes 91 -> 78; neither measurably faster.
 * - one all-lanes test per block before the per-lane tests: no faster.
 * - every query's list filled first with the k+1 neighbours of the query before
 *   it (their exact distances, duplicates dropped when the scan meets them
 *   again): pushes 91 -> 95 with the 21 seeds, ~20% slower (the push then
 *   still out of line).  Consecutive rows of a leaf share few of their 20
 *   neighbours in 8 dimensions.
 * With the push inlined (base 1.17 s user, lof k=20, load ~3):
 * - an AVX-512 instance (a block in one or two 8-lane registers, masks for the
 *   lanes within reach, products kept from fusing into FMA): 1.21-1.24 s.
 * - the blocks and lanes within reach as branch-free bit masks: no faster.
 * - every block computed 16 lanes wide (no switch on its width): 1.24-1.30 s.
 * - blocks of at most 8 or 12 rows, leaves of 64 or 256: 1.12-1.44 s, none
 *   clearly faster than 16 and 128.
 * - software prefetch of every block within reach after the box test: slower.
 * - box sums in two chains (odd and even coordinates, then compared with
 *   top * NB_SLACK to stay conservative): no faster.
 * Neither vector width nor branch shape nor prefetch moved it: what is left
 * looks like latency (each block's sums are a chain of d dependent adds that
 * a branch waits for), which only fewer blocks would cut.
 * The walk already visits the query's own leaf first (nearer child first), and
 * the training rows are queried in tree order. */

typedef double nb_v4 __attribute__((vector_size(32)));
typedef long long nb_l4 __attribute__((vector_size(32)));

/* One block: T holds its L points transposed and padded to a multiple of 4
 * (coordinate j of point p at T[j*Lp + p]); four points at a time, one per
 * vector lane, each summed in od_cl_sqdist's order with separate multiplies
 * and adds (no instance is compiled with FMA), so the distances are bitwise
 * those of the brute-force path.  Inlined with a constant d below (nb_leaf_D),
 * once for the baseline instruction set (two SSE2 halves) and once for AVX2
 * (one register), picked at run time. */
/* a block of at most 16 points, NV vectors of four: NV independent sums
 * (the adds of one point's sum form a chain; several chains keep the adder
 * busy), each point's sum still in coordinate order.  The sums go to out[];
 * returns whether any lane is within top (a padding lane may say yes: it
 * repeats a real point) */
static inline __attribute__((always_inline)) int nb_blk_any(const double *T, const double *q, double top,
                                                             double *out, size_t d, size_t NV)
{
    size_t Lp = 4 * NV;
    /* four named sums (an array indexed in a loop would live in memory) */
    nb_v4 a0 = { 0, 0, 0, 0 }, a1 = a0, a2 = a0, a3 = a0;
    const double *c = T;
    for (size_t j = 0; j < d; j++, c += Lp) {
        nb_v4 c0, c1, c2, c3;
        memcpy(&c0, c, sizeof c0);
        c0 = q[j] - c0;
        a0 += c0 * c0;
        if (NV > 1) {
            memcpy(&c1, c + 4, sizeof c1);
            c1 = q[j] - c1;
            a1 += c1 * c1;
        }
        if (NV > 2) {
            memcpy(&c2, c + 8, sizeof c2);
            c2 = q[j] - c2;
            a2 += c2 * c2;
        }
        if (NV > 3) {
            memcpy(&c3, c + 12, sizeof c3);
            c3 = q[j] - c3;
            a3 += c3 * c3;
        }
    }
    nb_v4 t = { top, top, top, top };
    nb_l4 in = a0 <= t;
    memcpy(out, &a0, sizeof a0);
    if (NV > 1) in |= a1 <= t, memcpy(out + 4, &a1, sizeof a1);
    if (NV > 2) in |= a2 <= t, memcpy(out + 8, &a2, sizeof a2);
    if (NV > 3) in |= a3 <= t, memcpy(out + 12, &a3, sizeof a3);
    return (in[0] | in[1] | in[2] | in[3]) != 0;
}

static inline __attribute__((always_inline)) int nb_scan_any(const double *T, size_t L, const double *q, double top,
                                                              double *out, size_t d)
{
    switch ((L + 3) / 4) {
    case 0: return 0;   /* an empty lane of a group (reached while the list is not full) */
    case 1: return nb_blk_any(T, q, top, out, d, 1);
    case 2: return nb_blk_any(T, q, top, out, d, 2);
    case 3: return nb_blk_any(T, q, top, out, d, 3);
    default: return nb_blk_any(T, q, top, out, d, 4);
    }
}

/* One leaf: the squared distances from q to the boxes of four blocks at a
 * time, one per lane, then the blocks within reach.  Per coordinate one of the
 * two terms lo - q, q - hi is <= 0 and is dropped; the other is at most the
 * computed |q - x| of any row x in the box (rounding is monotonic), and the
 * squares are summed in od_cl_sqdist's order, so a box's distance never
 * exceeds the computed distance of a row in it: a block beyond the k-th
 * distance holds no row that could get in. */
static inline __attribute__((always_inline)) void nb_leaf_any(const od_nbr *nb, size_t nd, const double *q,
                                                               nb_list *h, size_t d)
{
    size_t g = nb->loff[nd], ge = g + nb->lng[nd];
    for (; g < ge; g++) {
        const double *B = nb->gbox + g * 8 * d;
        nb_v4 s = { 0, 0, 0, 0 }, z = s;
        for (size_t j = 0; j < d; j++) {
            nb_v4 lo, hi;
            memcpy(&lo, B + 4 * j, sizeof lo);
            memcpy(&hi, B + 4 * (d + j), sizeof hi);
            nb_v4 a = lo - q[j], b = q[j] - hi;
            a = (nb_v4)((nb_l4)a & (a > z));
            b = (nb_v4)((nb_l4)b & (b > z));
            a += b;
            s += a * a;
        }
        for (size_t c = 0; c < 4; c++) {
            size_t bk = 4 * g + c;
            double top = nb_top(h), a[16];   /* a block's sums, padding included */
            if (s[c] > top || !nb_scan_any(nb->leafT + nb->btoff[bk], nb->bn[bk], q, top, a, d)) continue;
            /* the one place a leaf pushes: nb_push is inlined here, in this
             * instruction set (a call from the AVX2 instance to a baseline
             * function costs a vzeroupper and the spill of every vector
             * register: measured 40% of the search time) */
            const size_t *rows = nb->brow + nb->broff[bk];
            for (size_t p = 0, L = nb->bn[bk]; p < L; p++)
                if (a[p] <= top) {
                    nb_push(h, a[p], rows[p]);
                    top = nb_top(h);
                }
        }
    }
}

/* ------------------------------------------------ the single-precision filter
 *
 * Most blocks whose box is within the k-th distance hold no row within it
 * (lof k=20 on blobs 100k x 8: ~196 blocks pass their box test per query,
 * ~30 have a row that does).  So the boxes and points are first tested in
 * float, eight lanes to a vector, relative to the leaf's centre c, and only
 * the blocks with a float distance within a bound Tf are scanned exactly
 * (nb_scan_any, double: the lists and distances are unchanged).
 *
 * Why no row within the k-th distance is lost: let u = 2^-24.  With
 * qf = fl(q - c), xf = fl(x - c) and A = |q - c|, W = the largest |x - c| in
 * the leaf, |(qf - xf) - (q - x)| <= 1.0001 u (A + W) + 2^-148 sqrt(d) =: e
 * (coordinate-wise vector norm; the last term covers subnormals).  The float
 * sum of d squares is at most (1 + (d+2)u) times the exact sum of the squares
 * of the float differences (plus d 2^-150 for subnormal squares), and each
 * float difference carries one more rounding (1 + u).  The double distance of
 * nb_scan_any is at least (1 - (d+2) 2^-53) |q - x|^2.  So with
 * R = sqrt(top)(1 + 2^-40) + e and Tf = (R / (1 - (d+4)u))^2 (1 + 2^-20) +
 * 1e-38, rounded up to float, a float distance above Tf means a double
 * distance above top.  A float box distance is at most the float distance of
 * every point in the box (the box is of the float values; rounding is
 * monotonic, the terms are summed in the same order), so a box above Tf holds
 * no row that could get in.  A leaf whose points are farther than 1e30 from
 * its centre is scanned by nb_leaf_any alone; a query so far from a leaf that
 * the bound overflows gets Tf = inf there (nothing filtered).  NaN compares
 * false and is never filtered. */

typedef float nb_f8 __attribute__((vector_size(32)));
typedef float nb_f4 __attribute__((vector_size(16)));
typedef int nb_i8 __attribute__((vector_size(32)));
typedef double nb_v2 __attribute__((vector_size(16)));

/* the lanes of a comparison's result as bits (movmskps / movmskpd on halves: SSE,
 * so the same code serves the baseline and the AVX2 instances).  The mask is
 * passed by address: a 32-byte vector by value draws GCC's -Wpsabi note. */
static inline __attribute__((always_inline)) unsigned nb_bits8p(const nb_i8 *m)
{
    nb_f4 lo, hi;
    memcpy(&lo, m, sizeof lo);
    memcpy(&hi, (const char *)m + sizeof lo, sizeof hi);
    return (unsigned)__builtin_ia32_movmskps(lo) | (unsigned)__builtin_ia32_movmskps(hi) << 4;
}
#define nb_bits8(mask) __extension__({ nb_i8 nb_m_ = (mask); nb_bits8p(&nb_m_); })

static inline __attribute__((always_inline)) unsigned nb_bits4p(const nb_l4 *m)
{
    nb_v2 lo, hi;
    memcpy(&lo, m, sizeof lo);
    memcpy(&hi, (const char *)m + sizeof lo, sizeof hi);
    return (unsigned)__builtin_ia32_movmskpd(lo) | (unsigned)__builtin_ia32_movmskpd(hi) << 2;
}
#define nb_bits4(mask) __extension__({ nb_l4 nb_m_ = (mask); nb_bits4p(&nb_m_); })

static inline float nb_tf(nb_list *h, double top, double e, size_t d)
{
    if (h->rtof != top) {   /* sqrt(top), cached: top changes far less often than leaves are entered */
        h->rtof = top;
        h->rt = sqrt(top) * (1 + 0x1p-40);
    }
    double T = (h->rt + e) * (1 / (1 - (double)(d + 4) * 0x1p-24));
    double x = T * T * (1 + 0x1p-20) + 1e-38;
    return x < 3e38 ? (float)x : INFINITY;   /* (float) rounds by less than the 2^-20 added */
}

/* a block's float distances (L points, padded to 8 or 16), the even and the
 * odd coordinates summed apart (shorter chains; the boxes are summed the same
 * way): is any within Tf? */
static inline __attribute__((always_inline)) unsigned nb_fblk_any(const float *F, size_t L, const float *qf,
                                                                   float Tf, size_t d)
{
    nb_f8 a0 = { 0 }, a1 = a0, b0 = a0, b1 = a0;
    nb_f8 t = { Tf, Tf, Tf, Tf, Tf, Tf, Tf, Tf };
    if (L <= 8) {
        for (size_t j = 0; j < d; j++) {
            nb_f8 c0;
            memcpy(&c0, F + 8 * j, sizeof c0);
            c0 = qf[j] - c0;
            if (j & 1) b0 += c0 * c0;
            else a0 += c0 * c0;
        }
        return nb_bits8((a0 + b0) <= t);
    }
    for (size_t j = 0; j < d; j++) {
        nb_f8 c0, c1;
        memcpy(&c0, F + 16 * j, sizeof c0);
        memcpy(&c1, F + 16 * j + 8, sizeof c1);
        c0 = qf[j] - c0;
        c1 = qf[j] - c1;
        if (j & 1) b0 += c0 * c0, b1 += c1 * c1;
        else a0 += c0 * c0, a1 += c1 * c1;
    }
    return nb_bits8(((a0 + b0) <= t) | ((a1 + b1) <= t));
}

/* one block scanned exactly (nb_blk_any's sums): the lanes p < L within top as bits */
static inline __attribute__((always_inline)) unsigned nb_scan_bits(const double *T, size_t L, const double *q,
                                                                    double top, double *out, size_t d)
{
    nb_scan_any(T, L, q, top, out, d);
    nb_v4 t = { top, top, top, top }, a;
    unsigned m = 0;
    for (size_t v = 0; v < (L + 3) / 4; v++) {
        memcpy(&a, out + 4 * v, sizeof a);
        m |= nb_bits4(a <= t) << (4 * v);
    }
    return m & ((1u << L) - 1);
}

static inline __attribute__((always_inline)) void nb_leaf_f_any(const od_nbr *nb, size_t nd, const double *q,
                                                                 nb_list *h, size_t d)
{
    if (d > 32 || !nb->lfok[nd]) {   /* (nb_float_new leaves lfok 0 above 32 columns) */
        nb_leaf_any(nb, nd, q, h, d);
        return;
    }
    /* qf = q - c in float; |q - c| bounded above without a square root:
     * sqrt(A2) <= (A2 / w + w) / 2 for any w > 0 (w: the leaf's size) */
    const double *c = nb->lc + nd * d;
    float qf[32];
    nb_v4 a2 = { 0, 0, 0, 0 };
    size_t j, d4 = d & ~(size_t)3;
    for (j = 0; j < d4; j += 4) {
        nb_v4 qv, cv;
        memcpy(&qv, q + j, sizeof qv);
        memcpy(&cv, c + j, sizeof cv);
        qv -= cv;
        a2 += qv * qv;
        nb_f4 f4 = __builtin_convertvector(qv, nb_f4);
        memcpy(qf + j, &f4, sizeof f4);
    }
    double A2 = (a2[0] + a2[1]) + (a2[2] + a2[3]);
    for (j = d4; j < d; j++) {
        double v = q[j] - c[j];
        A2 += v * v;
        qf[j & 31] = (float)v;
    }
    double w = nb->lw[nd] > 1e-300 ? nb->lw[nd] : 1e-300;
    double e = 1.0001 * 0x1p-24 * ((A2 / w + w) * 0.5 * (1 + 1e-10) + nb->lw[nd]) + 1e-40;
    double top = nb_top(h);
    float Tf = nb_tf(h, top, e, d);
    size_t b0 = 4 * nb->loff[nd], nbl = 4 * (size_t)nb->lng[nd], f = nb->lfoff[nd];
    for (size_t g = 0; g < nbl; g += 8, f++) {
        const float *B = nb->fbox + f * 16 * d;
        nb_f8 s = { 0 }, s1 = s, z = s;
        for (j = 0; j < d; j++) {
            nb_f8 lo, hi;
            memcpy(&lo, B + 8 * j, sizeof lo);
            memcpy(&hi, B + 8 * (d + j), sizeof hi);
            nb_f8 a = lo - qf[j], b = qf[j] - hi;
            a = (nb_f8)((nb_i8)a & (a > z));
            b = (nb_f8)((nb_i8)b & (b > z));
            a += b;
            if (j & 1) s1 += a * a;
            else s += a * a;
        }
        nb_f8 t = { Tf, Tf, Tf, Tf, Tf, Tf, Tf, Tf };
        unsigned bm = nb_bits8((s + s1) <= t), cm = 0;
        if (nbl - g < 8) bm &= (1u << (nbl - g)) - 1;
        for (unsigned m = bm; m; m &= m - 1) {
            const char *P = (const char *)(nb->leafF + nb->bfoff[b0 + g + (unsigned)__builtin_ctz(m)]);
            for (size_t o = 0; o < 16 * d * sizeof(float); o += 64) __builtin_prefetch(P + o);
        }
        for (; bm; bm &= bm - 1) {   /* the blocks within reach in float */
            unsigned l = (unsigned)__builtin_ctz(bm);
            size_t bk = b0 + g + l, L = nb->bn[bk];
            if (L) cm |= (nb_fblk_any(nb->leafF + nb->bfoff[bk], L, qf, Tf, d) != 0) << l;
        }
        for (; cm; cm &= cm - 1) {   /* the blocks with a point within reach in float: exactly */
            unsigned l = (unsigned)__builtin_ctz(cm);
            size_t bk = b0 + g + l, L = nb->bn[bk];
            double a[16];
            unsigned pm = nb_scan_bits(nb->leafT + nb->btoff[bk], L, q, top, a, d);
            const size_t *rows = nb->brow + nb->broff[bk];
            for (; pm; pm &= pm - 1) {
                unsigned p = (unsigned)__builtin_ctz(pm);
                if (a[p] <= top) {
                    nb_push(h, a[p], rows[p]);
                    top = nb_top(h);
                }
            }
            Tf = nb_tf(h, top, e, d);
        }
    }
}

typedef void (*nb_leaf_fn)(const od_nbr *nb, size_t nd, const double *q, nb_list *h, size_t d);

static void nb_leaf_gen(const od_nbr *nb, size_t nd, const double *q, nb_list *h, size_t d)
{
    nb_leaf_f_any(nb, nd, q, h, d);
}

__attribute__((target("avx2")))
static void nb_leaf_gen_avx2(const od_nbr *nb, size_t nd, const double *q, nb_list *h, size_t d)
{
    nb_leaf_f_any(nb, nd, q, h, d);
}

#define NB_LEAF_D(D) \
    static void nb_leaf_##D(const od_nbr *nb, size_t nd, const double *q, nb_list *h, size_t d) \
    { \
        (void)d; \
        nb_leaf_f_any(nb, nd, q, h, D); \
    } \
    __attribute__((target("avx2"))) \
    static void nb_leaf_##D##_avx2(const od_nbr *nb, size_t nd, const double *q, nb_list *h, size_t d) \
    { \
        (void)d; \
        nb_leaf_f_any(nb, nd, q, h, D); \
    }
NB_LEAF_D(1)
NB_LEAF_D(2)
NB_LEAF_D(3)
NB_LEAF_D(4)
NB_LEAF_D(5)
NB_LEAF_D(6)
NB_LEAF_D(7)
NB_LEAF_D(8)
NB_LEAF_D(9)
NB_LEAF_D(10)
NB_LEAF_D(11)
NB_LEAF_D(12)
NB_LEAF_D(13)
NB_LEAF_D(14)
NB_LEAF_D(15)
NB_LEAF_D(16)

static nb_leaf_fn nb_leaf_for(size_t d)
{
    static const nb_leaf_fn f[] = { nb_leaf_gen, nb_leaf_1, nb_leaf_2, nb_leaf_3, nb_leaf_4, nb_leaf_5,
                                    nb_leaf_6, nb_leaf_7, nb_leaf_8, nb_leaf_9, nb_leaf_10, nb_leaf_11,
                                    nb_leaf_12, nb_leaf_13, nb_leaf_14, nb_leaf_15, nb_leaf_16 };
    static const nb_leaf_fn f2[] = { nb_leaf_gen_avx2, nb_leaf_1_avx2, nb_leaf_2_avx2, nb_leaf_3_avx2,
                                     nb_leaf_4_avx2, nb_leaf_5_avx2, nb_leaf_6_avx2, nb_leaf_7_avx2,
                                     nb_leaf_8_avx2, nb_leaf_9_avx2, nb_leaf_10_avx2, nb_leaf_11_avx2,
                                     nb_leaf_12_avx2, nb_leaf_13_avx2, nb_leaf_14_avx2, nb_leaf_15_avx2,
                                     nb_leaf_16_avx2 };
    __builtin_cpu_init();
    const nb_leaf_fn *t = __builtin_cpu_supports("avx2") ? f2 : f;
    return d <= 16 ? t[d] : t[0];
}

typedef struct {
    const od_nbr *nb;
    nb_leaf_fn leaf;
    size_t d;
    const double *q;
    nb_list *h;
    double *off;           /* d: the query's distance to the cell along each coordinate */
} nb_srch;

static void nb_srch_rec(nb_srch *S, size_t nd, double mind)
{
    const struct od_nbr_split *N = &S->nb->split[nd];
    nb_list *h = S->h;
    size_t d = S->d;
    const double *q = S->q;
    if (N->left < 0) {
        S->leaf(S->nb, nd, q, h, d);
        return;
    }
    size_t j = (size_t)N->j, l = (size_t)N->left, r = (size_t)N->right;
    double lhi = N->lhi, rlo = N->rlo, qj = q[j];
    size_t near, far;
    double cut;
    if (qj - lhi < rlo - qj) {   /* nearer the left child's range */
        near = l, far = r;
        cut = rlo > qj ? rlo - qj : 0;
    } else {
        near = r, far = l;
        cut = qj > lhi ? qj - lhi : 0;
    }
    nb_srch_rec(S, near, mind);
    double old = S->off[j], fd = mind - old * old + cut * cut;
    if (fd <= nb_top(h) * NB_SLACK) {
        S->off[j] = cut;
        nb_srch_rec(S, far, fd);
        S->off[j] = old;
    }
}

/* one query: the k+1 nearest into h */
static void nb_search(const od_nbr *nb, nb_leaf_fn leaf, const double *q, nb_list *h, double *off)
{
    const od_kdtree *t = nb->tree;
    size_t d = nb->d;
    double mind = 0;
    for (size_t j = 0; j < d; j++) {   /* the root's box (a query outside it) */
        double v = q[j] < t->lo[j] ? t->lo[j] - q[j] : q[j] > t->hi[j] ? q[j] - t->hi[j] : 0;
        off[j] = v;
        mind += v * v;
    }
    nb_srch S = { nb, leaf, d, q, h, off };
    nb_srch_rec(&S, 0, mind);
}

/* the sorted list of one query into its output row, one copy of the query left out */
static void nb_emit(nb_list *h, size_t k, double *dist, size_t *idx)
{
    nb_sort(h);
    size_t off = h->m > 0 && h->d2[0] == 0 ? 1 : 0;   /* leave one copy of the query out */
    for (size_t j = 0; j < k; j++) {
        size_t s = j + off < h->m ? j + off : h->m - 1;
        dist[j] = sqrt(h->d2[s]);
        if (idx) idx[j] = h->row[s];
    }
}

/* brute force, one query */
static void nb_one(const od_nbr *nb, const double *q, size_t k, double *dist, size_t *idx, double *hd, size_t *hr)
{
    size_t want = k + 1 <= nb->n ? k + 1 : nb->n, d = nb->d;
    nb_list h;
    nb_list_init(&h, hd, hr, want);
    for (size_t i = 0; i < nb->n; i++) {
        double v = od_cl_sqdist(q, nb->X + i * d, d);
        if (v <= nb_top(&h)) nb_push(&h, v, i);
    }
    nb_emit(&h, k, dist, idx);
}

/* ------------------------------------------------ blocked brute force
 *
 * A block of qb queries against blocks of tb training rows: G = Qc Xc^T (one
 * dgemm on the rows less the training means mu) gives every pair's squared
 * distance as a2 = |qc|^2 + |xc|^2 - 2 qc.xc, which can be far off the exact
 * distance when the rows are far from the mean compared with their distance
 * (cancellation), but never by more than a bound: a training row is scanned
 * exactly (od_cl_sqdist on the original rows, as the plain scan) only when
 * a2 - margin <= the query's current (k+1)-th distance.  A row of the final
 * list has its exact distance v <= that distance at any time, and
 * a2 - margin <= v, so it is scanned and pushed; nb_push keeps the k+1
 * smallest (v, row) of whatever it is given, so the lists are bitwise those
 * of the plain scan, whatever the block sizes, the BLAS or the threads.
 *
 * The margin.  u = DBL_EPSILON/2, S = |qc|^2 + |xc|^2, q and x the original
 * rows, D = |q - x|^2 exactly; qc and xc are the rounded differences
 * (q - mu)(1 + e) (|e| <= u), any mu.  Then
 * - centring: |(qc - xc) - (q - x)| <= u (|qc| + |xc|) (1 + u), so
 *   | |qc - xc|^2 - D | <= ~2u (|qc| + |xc|)^2 <= 4u S;
 * - the two norms, each a sum of d squares: error <= gamma_d S ~ d u S;
 * - the dot product in any order (BLAS blocks and fuses as it likes):
 *   <= gamma_d |qc| |xc| <= d u S / 2, doubled: d u S;
 * - the filter's own three or four roundings on values <= 2S: <= ~8u S;
 * - the exact distance v that the list compares: |v - D| <= gamma_{d+2} D,
 *   D <= ~2S: ~2(d + 2) u S.
 * In all about (4d + 16) u S = 2(d + 4) eps S; the margin is twice that,
 * 4 (d + 4) eps S (a too large margin costs only a few exact scans), plus
 * 2^-1000 for products that fall into the subnormal range (each off by at
 * most 2^-1075 absolute).  Rows and queries with S beyond NB_NMAX (or NaN,
 * Inf) never come here (nb_brute_new, nb_gemm_block): nothing overflows.
 *
 * Threads: the query blocks are shared out over OpenMP threads (static),
 * each with its own lists and its own dgemm, BLAS held to one thread meanwhile
 * (od_nn_blas_enter, as engine/nn does: no oversubscription, and threads=1
 * means one core).  Every query's list is its own, so the thread count
 * changes nothing.
 *
 * Where the time goes (blobs 100k x 32, release build, OpenBLAS 0.3.21
 * picking its Haswell kernel on this AVX-512 machine, medians of 3
 * interleaved runs, load ~1-1.7 on 2 cores): the plain scan spent ~5.5 ns a
 * pair of 32 columns; knn k=5 fit 122 s -> 17.7 s at one thread, 77 s ->
 * 10.3 s at two; lof k=20 138 s -> 22.1 s and 85 s -> 11.5 s; knn k=5
 * algorithm=brute on 100k x 8, one thread, 33.5 s -> 7.8 s.  Of the blocked
 * scan (perf, knn on 20k x 32): dgemm ~55% (~48 GFLOP/s), the filter and the
 * exact distances of the rows that pass ~21% (about 40% of that in
 * od_cl_sqdist, mostly waiting for the rows it reads), the rest loading the
 * data.  Blocks of 128 x 1024, 256 x 512, 256 x 2048, 512 x 1024 and
 * 64 x 2048 were 0-10% slower than 256 x 1024 (G, 2 MB a thread); the filter
 * as a plain scalar loop cost 30% more in all.  What is left is the dgemm:
 * the training rows' own lists could use each product twice (G is symmetric
 * there), but a pair's two lists then belong to two threads. */

#ifndef NB_QB
#define NB_QB 256     /* queries per block (rows of one dgemm) */
#endif
#ifndef NB_TB
#define NB_TB 1024    /* training rows per block (columns of one dgemm) */
#endif
#define NB_LISTS ((size_t)1 << 22)   /* most list entries a thread holds at once (qb x (k+1)) */

/* one query's pass over a block of training rows t0 .. t0 + nt - 1 (g: its
 * row of G); the filter eight rows at a time, the rows that pass one by one */
static inline __attribute__((always_inline)) void nb_gemm_scan_any(const od_nbr *nb, const double *q, double qn,
                                                                    const double *g, size_t t0, size_t nt, nb_list *h)
{
    size_t d = nb->d, i = 0;
    const double *xn = nb->xn + t0, *X = nb->X + t0 * d;
    const double c = 4.0 * (double)(d + 4) * DBL_EPSILON, tiny = 0x1p-1000;
    double top = nb_top(h);
    nb_v4 Qv = { qn, qn, qn, qn }, cv = { c, c, c, c }, ev = { tiny, tiny, tiny, tiny };
    nb_v4 tv = { top, top, top, top };
    for (; i + 8 <= nt; i += 8) {
        nb_v4 x0, x1, g0, g1;
        memcpy(&x0, xn + i, sizeof x0);
        memcpy(&x1, xn + i + 4, sizeof x1);
        memcpy(&g0, g + i, sizeof g0);
        memcpy(&g1, g + i + 4, sizeof g1);
        nb_v4 s0 = Qv + x0, s1 = Qv + x1;
        nb_l4 m0 = (s0 - 2 * g0) - (cv * s0 + ev) <= tv, m1 = (s1 - 2 * g1) - (cv * s1 + ev) <= tv;
        if (__builtin_expect(!nb_bits4(m0 | m1), 1)) continue;
        for (unsigned m = nb_bits4(m0) | nb_bits4(m1) << 4; m; m &= m - 1) {
            size_t r = i + (unsigned)__builtin_ctz(m);
            double v = od_cl_sqdist(q, X + r * d, d);
            if (v <= top) {
                nb_push(h, v, t0 + r);
                top = nb_top(h);
            }
        }
        tv = (nb_v4){ top, top, top, top };
    }
    for (; i < nt; i++) {
        double s = qn + xn[i];
        if ((s - 2 * g[i]) - (c * s + tiny) <= top) {
            double v = od_cl_sqdist(q, X + i * d, d);
            if (v <= top) {
                nb_push(h, v, t0 + i);
                top = nb_top(h);
            }
        }
    }
}

static void nb_gemm_scan(const od_nbr *nb, const double *q, double qn, const double *g, size_t t0, size_t nt,
                         nb_list *h)
{
    nb_gemm_scan_any(nb, q, qn, g, t0, nt, h);
}

__attribute__((target("avx2")))
static void nb_gemm_scan_avx2(const od_nbr *nb, const double *q, double qn, const double *g, size_t t0, size_t nt,
                              nb_list *h)
{
    nb_gemm_scan_any(nb, q, qn, g, t0, nt, h);
}

typedef void (*nb_scan_fn)(const od_nbr *nb, const double *q, double qn, const double *g, size_t t0, size_t nt,
                           nb_list *h);

/* query p: a training row (train) or row p of Q */
static inline const double *nb_query(const od_nbr *nb, const double *Q, size_t ldq, int train, size_t p)
{
    return train ? nb->X + p * nb->d : Q + p * ldq;
}

/* queries p0 .. p0 + mq - 1 (mq <= qb): their k nearest into dist, idx.
 * Work space: Qc qb x d, qn qb, G qb x tb, hd and hr qb x K, L qb. */
static void nb_gemm_block(const od_nbr *nb, nb_scan_fn scan, const double *Q, size_t ldq, int train, size_t p0,
                          size_t mq, size_t k, size_t K, size_t tb, double *dist, size_t *idx, double *Qc, double *qn,
                          double *G, double *hd, size_t *hr, nb_list *L)
{
    size_t n = nb->n, d = nb->d;
    for (size_t r = 0; r < mq; r++) {
        qn[r] = nb_centre(nb_query(nb, Q, ldq, train, p0 + r), nb->mu, Qc + r * d, d);
        nb_list_init(&L[r], hd + r * K, hr + r * K, K);
    }
    for (size_t t0 = 0; t0 < n; t0 += tb) {
        size_t nt = n - t0 < tb ? n - t0 : tb;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)mq, (int)nt, (int)d, 1.0, Qc, (int)d,
                    nb->Xc + t0 * d, (int)d, 0.0, G, (int)tb);
        for (size_t r = 0; r < mq; r++) {
            if (!(qn[r] <= NB_NMAX)) continue;   /* a query with NaN, Inf or huge values: the plain scan below */
            scan(nb, nb_query(nb, Q, ldq, train, p0 + r), qn[r], G + r * tb, t0, nt, &L[r]);
        }
    }
    for (size_t r = 0; r < mq; r++) {
        size_t p = p0 + r;
        if (qn[r] <= NB_NMAX) nb_emit(&L[r], k, dist + p * k, idx ? idx + p * k : NULL);
        else nb_one(nb, nb_query(nb, Q, ldq, train, p), k, dist + p * k, idx ? idx + p * k : NULL, hd + r * K,
                    hr + r * K);
    }
}

static int nb_run_gemm(od_ctx *ctx, const od_nbr *nb, const double *Q, size_t m, size_t ldq, size_t k, double *dist,
                       size_t *idx, int train)
{
    size_t n = nb->n, d = nb->d, K = k + 1 <= n ? k + 1 : n;
    size_t qb = NB_QB, tb = n < NB_TB ? n : NB_TB;
    while (qb > 8 && qb * K > NB_LISTS) qb /= 2;
    __builtin_cpu_init();
    nb_scan_fn scan = __builtin_cpu_supports("avx2") ? nb_gemm_scan_avx2 : nb_gemm_scan;
    int nt = 1;
#ifdef _OPENMP
    nt = omp_get_max_threads();
#endif
    /* per thread: Qc, qn, G, hd */
    size_t per = qb * d + qb + qb * tb + qb * K;
    double *buf = od_mallocn(ctx, (size_t)nt * per, sizeof *buf);
    size_t *hr = od_mallocn(ctx, (size_t)nt * qb * K, sizeof *hr);
    nb_list *L = od_mallocn(ctx, (size_t)nt * qb, sizeof *L);
    int rc = OD_OK;
    if (!buf || !hr || !L) rc = OD_ENOMEM;
    /* each thread runs its own single-threaded dgemm on its queries */
    od_nn_blas_enter();
    for (size_t c0 = 0; c0 < m && !rc; c0 += NB_CHUNK) {
        size_t c1 = m - c0 < NB_CHUNK ? m : c0 + NB_CHUNK, nblk = (c1 - c0 + qb - 1) / qb;
        #pragma omp parallel num_threads(nt)
        {
            int me = 0;
#ifdef _OPENMP
            me = omp_get_thread_num();
#endif
            double *Qc = buf + (size_t)me * per, *qn = Qc + qb * d, *G = qn + qb, *hd = G + qb * tb;
            #pragma omp for schedule(static)
            for (size_t b = 0; b < nblk; b++) {
                size_t p0 = c0 + b * qb, mq = c1 - p0 < qb ? c1 - p0 : qb;
                nb_gemm_block(nb, scan, Q, ldq, train, p0, mq, k, K, tb, dist, idx, Qc, qn, G, hd,
                              hr + (size_t)me * qb * K, L + (size_t)me * qb);
            }
        }
        if (od_cancelled(ctx)) rc = od_error(ctx, OD_ECANCEL, "interrupted");
    }
    od_nn_blas_leave();
    free(buf), free(hr), free(L);
    return rc;
}

/* the leaf node a query falls in (the nearer child at every level) */
static size_t nb_leaf_of(const od_kdtree *t, const double *q)
{
    size_t nd = 0;
    while (t->nodes[nd].left >= 0) {
        size_t l = (size_t)t->nodes[nd].left, r = (size_t)t->nodes[nd].right;
        nd = od_kdtree_mind2(t, l, q) <= od_kdtree_mind2(t, r, q) ? l : r;
    }
    return nd;
}

static int nb_run_tree(od_ctx *ctx, const od_nbr *nb, const double *Q, size_t m, size_t ldq, size_t k, double *dist,
                       size_t *idx, int train)
{
    const od_kdtree *t = nb->tree;
    size_t d = nb->d, K = k + 1 <= nb->n ? k + 1 : nb->n;
    /* the queries in processing order: the training rows in tree order, other
     * rows grouped by the leaf they fall in (neighbouring queries walk the same
     * nodes one after the other) */
    size_t *order = od_mallocn(ctx, m ? m : 1, sizeof *order);
    if (!order) return OD_ENOMEM;
    if (train) {
        for (size_t p = 0; p < m; p++) order[p] = p;
    } else {
        size_t *leaf = od_mallocn(ctx, m ? m : 1, sizeof *leaf), *cnt = od_calloc(ctx, t->nnodes + 1, sizeof *cnt);
        if (!leaf || !cnt) {
            free(leaf), free(cnt), free(order);
            return OD_ENOMEM;
        }
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < m; i++) leaf[i] = nb_leaf_of(t, Q + i * ldq);
        for (size_t i = 0; i < m; i++) cnt[leaf[i] + 1]++;
        for (size_t i = 0; i < t->nnodes; i++) cnt[i + 1] += cnt[i];
        for (size_t i = 0; i < m; i++) order[cnt[leaf[i]]++] = i;   /* stable counting sort */
        free(leaf), free(cnt);
    }
    int nt = 1;
#ifdef _OPENMP
    nt = omp_get_max_threads();
#endif
    nb_leaf_fn leaf = nb_leaf_for(d);
    double *hd = od_mallocn(ctx, (size_t)nt * (K + d), sizeof *hd);
    size_t *hr = od_mallocn(ctx, (size_t)nt * K, sizeof *hr);
    int rc = OD_OK;
    if (!hd || !hr) rc = OD_ENOMEM;
    for (size_t c0 = 0; c0 < m && !rc; c0 += NB_CHUNK) {
        size_t c1 = m - c0 < NB_CHUNK ? m : c0 + NB_CHUNK;
        #pragma omp parallel num_threads(nt)
        {
            int me = 0;
#ifdef _OPENMP
            me = omp_get_thread_num();
#endif
            double *mhd = hd + (size_t)me * (K + d);
            size_t *mhr = hr + (size_t)me * K;
            #pragma omp for schedule(dynamic, 64)
            for (size_t i = c0; i < c1; i++) {
                const double *q = train ? t->pts + order[i] * d : Q + order[i] * ldq;
                nb_list h;
                nb_list_init(&h, mhd, mhr, K);
                nb_search(nb, leaf, q, &h, mhd + K);
                size_t row = train ? t->idx[order[i]] : order[i];
                nb_emit(&h, k, dist + row * k, idx ? idx + row * k : NULL);
            }
        }
        if (od_cancelled(ctx)) rc = od_error(ctx, OD_ECANCEL, "interrupted");
    }
    free(hd), free(hr), free(order);
    return rc;
}

static int nb_run(od_ctx *ctx, const od_nbr *nb, const double *Q, size_t m, size_t ldq, size_t k, double *dist,
                  size_t *idx, int train)
{
    if (k == 0 || nb->n == 0) return od_error(ctx, OD_EINVAL, "neighbours: k=%zu with %zu training rows", k, nb->n);
    if (nb->tree) return nb_run_tree(ctx, nb, Q, m, ldq, k, dist, idx, train);
    if (nb->Xc) return nb_run_gemm(ctx, nb, Q, m, ldq, k, dist, idx, train);
    size_t K = k + 1;
    int nt = 1;
#ifdef _OPENMP
    nt = omp_get_max_threads();
#endif
    double *hd = od_mallocn(ctx, (size_t)nt * K, sizeof *hd);
    size_t *hr = od_mallocn(ctx, (size_t)nt * K, sizeof *hr);
    if (!hd || !hr) {
        free(hd), free(hr);
        return OD_ENOMEM;
    }
    int rc = OD_OK;
    for (size_t c0 = 0; c0 < m && !rc; c0 += NB_CHUNK) {
        size_t c1 = m - c0 < NB_CHUNK ? m : c0 + NB_CHUNK;
        #pragma omp parallel num_threads(nt)
        {
            int me = 0;
#ifdef _OPENMP
            me = omp_get_thread_num();
#endif
            double *mhd = hd + (size_t)me * K;
            size_t *mhr = hr + (size_t)me * K;
            #pragma omp for schedule(static)
            for (size_t p = c0; p < c1; p++) {
                const double *q = train ? nb->X + p * nb->d : Q + p * ldq;
                nb_one(nb, q, k, dist + p * k, idx ? idx + p * k : NULL, mhd, mhr);
            }
        }
        if (od_cancelled(ctx)) rc = od_error(ctx, OD_ECANCEL, "interrupted");
    }
    free(hd), free(hr);
    return rc;
}

int od_nbr_query(od_ctx *ctx, const od_nbr *nb, const double *Q, size_t m, size_t ldq, size_t k, double *dist,
                 size_t *idx)
{
    return nb_run(ctx, nb, Q, m, ldq, k, dist, idx, 0);
}

int od_nbr_query_train(od_ctx *ctx, const od_nbr *nb, size_t k, double *dist, size_t *idx)
{
    return nb_run(ctx, nb, NULL, nb->n, nb->d, k, dist, idx, 1);
}

int od_nbr_save(od_ctx *ctx, FILE *fp, const char *name, const od_nbr *nb)
{
    int rc;
    if ((rc = od_cl_write_u64(ctx, fp, name, nb->n))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, name, nb->d))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, name, (uint64_t)nb->algo))) return rc;
    return od_cl_write(ctx, fp, name, nb->X, sizeof *nb->X, nb->n * nb->d);
}

int od_nbr_load(od_ctx *ctx, FILE *fp, const char *name, od_nbr **out)
{
    uint64_t n, d, algo;
    int rc;
    *out = NULL;
    if ((rc = od_cl_read_u64(ctx, fp, name, &n, (uint64_t)1 << 40))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, name, &d, 1u << 24))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, name, &algo, OD_NBR_NALGO - 1))) return rc;
    if (n == 0 || d == 0 || n > ((uint64_t)1 << 40) / d || algo == OD_NBR_AUTO)
        return od_error(ctx, OD_EFORMAT, "%s model file is corrupt (n=%llu, d=%llu)", name, (unsigned long long)n,
                        (unsigned long long)d);
    double *X;
    if ((rc = od_cl_read_doubles(ctx, fp, name, &X, n * d))) return rc;
    *out = od_nbr_new(ctx, X, n, d, d, (int)algo);
    free(X);
    return *out ? OD_OK : OD_ENOMEM;
}
