/* cl_kdtree.c - static kd-tree (see cl_kdtree.h). */
#include "config.h"
#include <math.h>
#include "cl_kdtree.h"

#include <stdlib.h>
#include <string.h>

void od_kdtree_free(od_kdtree *t)
{
    if (!t) return;
    free(t->pts);
    free(t->idx);
    free(t->nodes);
    free(t->lo);
    free(t->hi);
    free(t->ptsT);
    free(t);
}

typedef struct {
    const double *X;
    size_t ld, d;
} kd_src;

/* Bounding box of tree positions [s, e) (points already in t->pts). */
static void kd_box(od_kdtree *t, size_t node, size_t s, size_t e)
{
    size_t d = t->d;
    double *lo = t->lo + node * d, *hi = t->hi + node * d;
    for (size_t j = 0; j < d; j++) lo[j] = hi[j] = t->pts[s * d + j];
    for (size_t p = s + 1; p < e; p++) {
        const double *x = t->pts + p * d;
        for (size_t j = 0; j < d; j++) {
            if (x[j] < lo[j]) lo[j] = x[j];
            if (x[j] > hi[j]) hi[j] = x[j];
        }
    }
}

/* Partially order positions [s, e) on coordinate j so that position m holds
 * the median value, smaller-or-equal before it and larger-or-equal after
 * (Hoare quickselect with a median-of-three pivot; deterministic). */
static void kd_swap(od_kdtree *t, size_t a, size_t b)
{
    if (a == b) return;
    size_t d = t->d;
    double *pa = t->pts + a * d, *pb = t->pts + b * d;
    for (size_t j = 0; j < d; j++) {
        double v = pa[j];
        pa[j] = pb[j];
        pb[j] = v;
    }
    size_t v = t->idx[a];
    t->idx[a] = t->idx[b];
    t->idx[b] = v;
}

static void kd_select(od_kdtree *t, size_t s, size_t e, size_t m, size_t j)
{
    size_t d = t->d;
#define KV(p) (t->pts[(p) * d + j])
    while (e - s > 3) {
        size_t mid = s + (e - s) / 2;
        double a = KV(s), b = KV(mid), c = KV(e - 1);
        double piv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = s, k = e - 1;
        for (;;) {
            while (KV(i) < piv) i++;
            while (KV(k) > piv) k--;
            if (i >= k) break;
            kd_swap(t, i, k);
            i++;
            k--;
        }
        /* [s, k] <= piv <= [k+1, e) */
        if (m <= k) e = k + 1;
        else s = k + 1;
    }
    for (size_t a = s + 1; a < e; a++)          /* insertion sort of <= 3 points */
        for (size_t b = a; b > s && KV(b - 1) > KV(b); b--) kd_swap(t, b - 1, b);
#undef KV
}

od_kdtree *od_kdtree_new(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, size_t leaf)
{
    if (n == 0 || d == 0) {
        od_error(ctx, OD_EINVAL, "kd-tree: no points");
        return NULL;
    }
    if (leaf < 1) leaf = 1;
    od_kdtree *t = od_calloc(ctx, 1, sizeof *t);
    if (!t) return NULL;
    t->n = n;
    t->d = d;
    t->leaf = leaf;
    /* a node splits only when it holds more than `leaf` points, so leaves
     * hold at least leaf/2 points: at most 2n/leaf + 1 leaves */
    size_t cap = 2 * (2 * n / leaf + 2);
    t->pts = od_mallocn(ctx, n * d, sizeof *t->pts);
    t->idx = od_mallocn(ctx, n, sizeof *t->idx);
    t->nodes = od_mallocn(ctx, cap, sizeof *t->nodes);
    t->lo = od_mallocn(ctx, cap * d, sizeof *t->lo);
    t->hi = od_mallocn(ctx, cap * d, sizeof *t->hi);
    size_t *stack = od_mallocn(ctx, 2 * 64 + 2 * cap, sizeof *stack);
    if (!t->pts || !t->idx || !t->nodes || !t->lo || !t->hi || !stack) {
        free(stack);
        od_kdtree_free(t);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(t->pts + i * d, X + i * ld, d * sizeof *X);
        t->idx[i] = i;
    }
    /* breadth-first construction with an explicit queue of node ids */
    t->nnodes = 1;
    t->nodes[0] = (od_kdnode){ 0, n, -1, -1 };
    size_t qh = 0, qt = 0;
    stack[qt++] = 0;
    while (qh < qt) {
        size_t nd = stack[qh++];
        size_t s = t->nodes[nd].start, e = t->nodes[nd].end;
        kd_box(t, nd, s, e);
        if (e - s <= leaf || t->nnodes + 2 > cap) continue;
        const double *lo = t->lo + nd * d, *hi = t->hi + nd * d;
        size_t bj = 0;
        double bw = -1;
        for (size_t j = 0; j < d; j++)
            if (hi[j] - lo[j] > bw) {
                bw = hi[j] - lo[j];
                bj = j;
            }
        size_t m = s + (e - s) / 2;
        /* identical points are split by position, so leaves stay small */
        if (bw > 0) kd_select(t, s, e, m, bj);
        size_t l = t->nnodes++, r = t->nnodes++;
        t->nodes[l] = (od_kdnode){ s, m, -1, -1 };
        t->nodes[r] = (od_kdnode){ m, e, -1, -1 };
        t->nodes[nd].left = (int32_t)l;
        t->nodes[nd].right = (int32_t)r;
        stack[qt++] = l;
        stack[qt++] = r;
    }
    free(stack);
    t->ptsT = od_mallocn(ctx, n * d, sizeof *t->ptsT);
    if (!t->ptsT) {
        od_kdtree_free(t);
        return NULL;
    }
    for (size_t i = 0; i < t->nnodes; i++) {
        const od_kdnode *N = &t->nodes[i];
        if (N->left >= 0) continue;
        size_t s = N->start, m = N->end - N->start;
        if (m > t->maxleaf) t->maxleaf = m;
        for (size_t p = 0; p < m; p++)
            for (size_t j = 0; j < d; j++) t->ptsT[s * d + j * m + p] = t->pts[(s + p) * d + j];
    }
    return t;
}

void od_kdtree_leaf_d2(const od_kdtree *t, const od_kdnode *N, const double *q, double *out)
{
    size_t s = N->start, m = N->end - N->start, d = t->d;
    const double *T = t->ptsT + s * d;
    for (size_t p = 0; p < m; p++) out[p] = 0;
    for (size_t j = 0; j < d; j++) {
        const double *c = T + j * m;
        double qj = q[j];
        #pragma omp simd
        for (size_t p = 0; p < m; p++) {
            double v = qj - c[p];
            out[p] += v * v;
        }
    }
}

/* ------------------------------------------------------------------ kNN */

typedef struct {
    double *d2;
    size_t *pos;
    size_t k, m;   /* heap capacity, current size (max-heap on d2, then pos) */
} kd_heap;

static int kd_heap_less(const kd_heap *h, size_t a, size_t b)
{
    /* "a is below b" in the max-heap order: smaller distance, or equal distance and smaller pos */
    return h->d2[a] < h->d2[b] || (h->d2[a] == h->d2[b] && h->pos[a] < h->pos[b]);
}

static void kd_heap_swap(kd_heap *h, size_t a, size_t b)
{
    double v = h->d2[a];
    h->d2[a] = h->d2[b];
    h->d2[b] = v;
    size_t p = h->pos[a];
    h->pos[a] = h->pos[b];
    h->pos[b] = p;
}

static void kd_heap_push(kd_heap *h, double d2, size_t pos)
{
    if (h->m < h->k) {
        size_t i = h->m++;
        h->d2[i] = d2;
        h->pos[i] = pos;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!kd_heap_less(h, p, i)) break;
            kd_heap_swap(h, p, i);
            i = p;
        }
        return;
    }
    if (d2 > h->d2[0] || (d2 == h->d2[0] && pos >= h->pos[0])) return;
    h->d2[0] = d2;
    h->pos[0] = pos;
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, b = i;
        if (l < h->m && kd_heap_less(h, b, l)) b = l;
        if (r < h->m && kd_heap_less(h, b, r)) b = r;
        if (b == i) break;
        kd_heap_swap(h, i, b);
        i = b;
    }
}

static void kd_knn_rec(const od_kdtree *t, size_t nd, const double *q, kd_heap *h, double mind2)
{
    if (h->m == h->k && mind2 > h->d2[0]) return;
    const od_kdnode *N = &t->nodes[nd];
    if (N->left < 0) {
        double buf[N->end - N->start];
        od_kdtree_leaf_d2(t, N, q, buf);
        for (size_t p = N->start; p < N->end; p++) {
            double v = buf[p - N->start];
            if (h->m < h->k || v <= h->d2[0]) kd_heap_push(h, v, p);
        }
        return;
    }
    double dl = od_kdtree_mind2(t, (size_t)N->left, q), dr = od_kdtree_mind2(t, (size_t)N->right, q);
    if (dl <= dr) {
        kd_knn_rec(t, (size_t)N->left, q, h, dl);
        kd_knn_rec(t, (size_t)N->right, q, h, dr);
    } else {
        kd_knn_rec(t, (size_t)N->right, q, h, dr);
        kd_knn_rec(t, (size_t)N->left, q, h, dl);
    }
}

void od_kdtree_knn(const od_kdtree *t, const double *q, size_t k, double *d2, size_t *pos)
{
    if (k > t->n) k = t->n;
    if (k == 0) return;
    size_t pbuf[64];
    size_t *pp = pos ? pos : (k <= 64 ? pbuf : NULL);
    if (!pp) return; /* callers asking for k > 64 pass pos */
    kd_heap h = { d2, pp, k, 0 };
    kd_knn_rec(t, 0, q, &h, 0);
    /* heap sort ascending */
    for (size_t m = h.m; m > 1; m--) {
        kd_heap_swap(&h, 0, m - 1);
        h.m = m - 1;
        size_t i = 0;
        for (;;) {
            size_t l = 2 * i + 1, r = l + 1, b = i;
            if (l < h.m && kd_heap_less(&h, b, l)) b = l;
            if (r < h.m && kd_heap_less(&h, b, r)) b = r;
            if (b == i) break;
            kd_heap_swap(&h, i, b);
            i = b;
        }
    }
}
