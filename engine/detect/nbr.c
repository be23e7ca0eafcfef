/* nbr.c - exact k-nearest-neighbour queries (see nbr.h). */
#include "config.h"
#include "nbr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define NB_LEAF 32
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
    free(nb->X);
    free(nb);
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
    if (algo == OD_NBR_KDTREE && !(nb->tree = od_kdtree_new(ctx, nb->X, n, d, d, NB_LEAF))) {
        od_nbr_free(nb);
        return NULL;
    }
    return nb;
}

int od_nbr_same_row(const od_nbr *nb, size_t i, const double *q)
{
    return i < nb->n && !memcmp(nb->X + i * nb->d, q, nb->d * sizeof *q);
}

/* ------------------------------------------------- bounded max-heap on (d2, row) */

typedef struct {
    double *d2;
    size_t *row;
    size_t cap, m;
} nb_heap;

static inline int nb_less(double da, size_t ra, double db, size_t rb)
{
    return da < db || (da == db && ra < rb);
}

static inline void nb_push(nb_heap *h, double d2, size_t row)
{
    size_t i;
    if (h->m < h->cap) {
        i = h->m++;
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
    i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, b = i;
        double bd = d2;
        size_t br = row;
        if (l < h->m && nb_less(bd, br, h->d2[l], h->row[l])) b = l, bd = h->d2[l], br = h->row[l];
        if (r < h->m && nb_less(bd, br, h->d2[r], h->row[r])) b = r;
        if (b == i) break;
        h->d2[i] = h->d2[b];
        h->row[i] = h->row[b];
        i = b;
    }
    h->d2[i] = d2;
    h->row[i] = row;
}

/* the heap's items sorted ascending by (d2, row), in place */
static void nb_sort(nb_heap *h)
{
    for (size_t a = 1; a < h->m; a++) {
        double v = h->d2[a];
        size_t r = h->row[a], b = a;
        while (b > 0 && nb_less(v, r, h->d2[b - 1], h->row[b - 1])) {
            h->d2[b] = h->d2[b - 1];
            h->row[b] = h->row[b - 1];
            b--;
        }
        h->d2[b] = v;
        h->row[b] = r;
    }
}

static void nb_kd_rec(const od_kdtree *t, size_t nd, const double *q, nb_heap *h, double *buf)
{
    const od_kdnode *N = &t->nodes[nd];
    if (N->left < 0) {
        od_kdtree_leaf_d2(t, N, q, buf);
        size_t m = N->end - N->start;
        for (size_t p = 0; p < m; p++) {
            double v = buf[p];
            if (h->m < h->cap || v <= h->d2[0]) nb_push(h, v, t->idx[N->start + p]);
        }
        return;
    }
    size_t a = (size_t)N->left, b = (size_t)N->right;
    double da = od_kdtree_mind2(t, a, q), db = od_kdtree_mind2(t, b, q);
    if (db < da) {
        size_t s = a;
        a = b, b = s;
        double v = da;
        da = db, db = v;
    }
    /* a node at the same distance as the current k-th may hold a tie with a lower row */
    if (h->m < h->cap || da <= h->d2[0]) nb_kd_rec(t, a, q, h, buf);
    if (h->m < h->cap || db <= h->d2[0]) nb_kd_rec(t, b, q, h, buf);
}

/* One query: fills dist[k], idx[k] (idx may be NULL). hd/hr hold k+1 items, buf maxleaf. */
static void nb_one(const od_nbr *nb, const double *q, size_t k, double *dist, size_t *idx, double *hd, size_t *hr,
                   double *buf)
{
    size_t want = k + 1 <= nb->n ? k + 1 : nb->n;
    nb_heap h = { hd, hr, want, 0 };
    if (nb->tree) {
        nb_kd_rec(nb->tree, 0, q, &h, buf);
    } else {
        size_t d = nb->d;
        for (size_t i = 0; i < nb->n; i++) {
            double v = od_cl_sqdist(q, nb->X + i * d, d);
            if (h.m < h.cap || v <= h.d2[0]) nb_push(&h, v, i);
        }
    }
    nb_sort(&h);
    size_t off = h.m > 0 && h.d2[0] == 0 ? 1 : 0;   /* leave one copy of the query out */
    for (size_t j = 0; j < k; j++) {
        size_t s = j + off < h.m ? j + off : h.m - 1;
        dist[j] = sqrt(h.d2[s]);
        if (idx) idx[j] = h.row[s];
    }
}

static int nb_run(od_ctx *ctx, const od_nbr *nb, const double *Q, size_t m, size_t ldq, size_t k, double *dist,
                  size_t *idx, int train)
{
    if (k == 0 || nb->n == 0) return od_error(ctx, OD_EINVAL, "neighbours: k=%zu with %zu training rows", k, nb->n);
    size_t K = k + 1, leafcap = nb->tree ? nb->tree->maxleaf : 1;
    int nt = 1;
#ifdef _OPENMP
    nt = omp_get_max_threads();
#endif
    double *hd = od_mallocn(ctx, (size_t)nt * (K + leafcap), sizeof *hd);
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
            double *mhd = hd + (size_t)me * (K + leafcap), *buf = mhd + K;
            size_t *mhr = hr + (size_t)me * K;
            #pragma omp for schedule(static)
            for (size_t p = c0; p < c1; p++) {
                size_t row = p;
                const double *q;
                if (train && nb->tree) {
                    row = nb->tree->idx[p];
                    q = nb->tree->pts + p * nb->d;
                } else {
                    q = (train ? nb->X + p * nb->d : Q + p * ldq);
                }
                nb_one(nb, q, k, dist + row * k, idx ? idx + row * k : NULL, mhd, mhr, buf);
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
