/* dbscan.c - DBSCAN with scikit-learn's labels; continuous score = the
 * reachability distance from the nearest core point (> eps exactly for noise). */
#include "config.h"
#include "cl_kdtree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DB_NAME "dbscan"
#define DB_VERSION 1u
#define DB_LEAF 128  /* measured on 100k x 8 blobs: kNN 5x faster than with 16 */

/* ------------------------------------------------- concurrent union-find */

static size_t uf_find(size_t *par, size_t x)
{
    for (;;) {
        size_t p = __atomic_load_n(&par[x], __ATOMIC_RELAXED);
        if (p == x) return x;
        size_t g = __atomic_load_n(&par[p], __ATOMIC_RELAXED);
        if (g != p) __atomic_compare_exchange_n(&par[x], &p, g, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
        x = g;
    }
}

/* links the larger root under the smaller, so a component's root is its
 * smallest member whatever the order of the unions */
static void uf_union(size_t *par, size_t a, size_t b)
{
    for (;;) {
        a = uf_find(par, a);
        b = uf_find(par, b);
        if (a == b) return;
        if (a < b) {
            size_t t = a;
            a = b;
            b = t;
        }
        size_t expect = a;
        if (__atomic_compare_exchange_n(&par[a], &expect, b, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return;
    }
}

/* Union core point p (tree position pp) with every core point within eps.
 * uni[node] = 1 once all points of the node are known to be in one
 * component (components only grow, so this stays true): a later query that
 * covers the node whole needs one union with its first point. */
static void db_union_rec(const od_kdtree *t, size_t nd, const double *q, double r2, size_t pp, size_t *par,
                         unsigned char *uni)
{
    if (od_kdtree_mind2(t, nd, q) > r2) return;
    const od_kdnode *N = &t->nodes[nd];
    if (od_kdtree_maxd2(t, nd, q) <= r2) {
        if (__atomic_load_n(&uni[nd], __ATOMIC_RELAXED)) {
            uf_union(par, pp, N->start);
            return;
        }
        for (size_t p = N->start; p < N->end; p++) uf_union(par, pp, p);
        __atomic_store_n(&uni[nd], 1, __ATOMIC_RELAXED);
        return;
    }
    if (N->left < 0) {
        if (N->end <= pp + 1) return;   /* each pair once: only positions > pp */
        double buf[N->end - N->start];
        od_kdtree_leaf_d2(t, N, q, buf);
        for (size_t p = N->start > pp + 1 ? N->start : pp + 1; p < N->end; p++)
            if (buf[p - N->start] <= r2) uf_union(par, pp, p);
        return;
    }
    db_union_rec(t, (size_t)N->left, q, r2, pp, par, uni);
    db_union_rec(t, (size_t)N->right, q, r2, pp, par, uni);
}

/* ------------------------------------------------------ the scoring tree */

typedef struct {
    od_kdtree *t;     /* over the core points */
    double *cd;       /* core distance per tree position */
    long *lab;        /* cluster per tree position */
    double *mincd;    /* per node */
    long *minlab;     /* per node */
} db_core;

static void db_core_done(db_core *c)
{
    od_kdtree_free(c->t);
    free(c->cd), free(c->lab), free(c->mincd), free(c->minlab);
    memset(c, 0, sizeof *c);
}

/* Builds the tree over ncore points P (ncore x d) with their core distances
 * and labels (in the order of P). */
static int db_core_build(od_ctx *ctx, db_core *c, const double *P, size_t ncore, size_t d, const double *cd,
                         const long *lab)
{
    memset(c, 0, sizeof *c);
    if (ncore == 0) return OD_OK;
    c->t = od_kdtree_new(ctx, P, ncore, d, d, DB_LEAF);
    if (!c->t) return OD_ENOMEM;
    size_t nn = c->t->nnodes;
    c->cd = od_mallocn(ctx, ncore, sizeof *c->cd);
    c->lab = od_mallocn(ctx, ncore, sizeof *c->lab);
    c->mincd = od_mallocn(ctx, nn, sizeof *c->mincd);
    c->minlab = od_mallocn(ctx, nn, sizeof *c->minlab);
    if (!c->cd || !c->lab || !c->mincd || !c->minlab) {
        db_core_done(c);
        return OD_ENOMEM;
    }
    for (size_t p = 0; p < ncore; p++) {
        c->cd[p] = cd[c->t->idx[p]];
        c->lab[p] = lab[c->t->idx[p]];
    }
    /* children have larger ids than their parent: fill bottom-up */
    for (size_t i = nn; i-- > 0;) {
        const od_kdnode *N = &c->t->nodes[i];
        if (N->left < 0) {
            double m = INFINITY;
            long l = -1;
            for (size_t p = N->start; p < N->end; p++) {
                if (c->cd[p] < m) m = c->cd[p];
                if (l < 0 || c->lab[p] < l) l = c->lab[p];
            }
            c->mincd[i] = m;
            c->minlab[i] = l;
        } else {
            size_t a = (size_t)N->left, b = (size_t)N->right;
            c->mincd[i] = c->mincd[a] < c->mincd[b] ? c->mincd[a] : c->mincd[b];
            c->minlab[i] = c->minlab[a] < c->minlab[b] ? c->minlab[a] : c->minlab[b];
        }
    }
    return OD_OK;
}

typedef struct {
    double r2;       /* eps^2 */
    long lab;        /* smallest cluster among core points within eps (-1: none) */
    double reach;    /* min over core p of max(cd(p), |x - p|) */
} db_query;

static void db_label_rec(const db_core *c, size_t nd, const double *q, db_query *Q)
{
    if (Q->lab >= 0 && c->minlab[nd] >= Q->lab) return;
    const od_kdtree *t = c->t;
    if (od_kdtree_mind2(t, nd, q) > Q->r2) return;
    const od_kdnode *N = &t->nodes[nd];
    if (od_kdtree_maxd2(t, nd, q) <= Q->r2) {
        Q->lab = c->minlab[nd];
        return;
    }
    if (N->left < 0) {
        double buf[N->end - N->start];
        od_kdtree_leaf_d2(t, N, q, buf);
        for (size_t p = N->start; p < N->end; p++)
            if ((Q->lab < 0 || c->lab[p] < Q->lab) && buf[p - N->start] <= Q->r2) Q->lab = c->lab[p];
        return;
    }
    db_label_rec(c, (size_t)N->left, q, Q);
    db_label_rec(c, (size_t)N->right, q, Q);
}

static void db_reach_rec(const db_core *c, size_t nd, const double *q, db_query *Q, double bound)
{
    if (bound >= Q->reach) return;
    const od_kdtree *t = c->t;
    const od_kdnode *N = &t->nodes[nd];
    if (N->left < 0) {
        double buf[N->end - N->start];
        od_kdtree_leaf_d2(t, N, q, buf);
        for (size_t p = N->start; p < N->end; p++) {
            if (c->cd[p] >= Q->reach) continue;
            double v = sqrt(buf[p - N->start]);
            if (v < c->cd[p]) v = c->cd[p];
            if (v < Q->reach) Q->reach = v;
        }
        return;
    }
    size_t a = (size_t)N->left, b = (size_t)N->right;
    double ba = sqrt(od_kdtree_mind2(t, a, q)), bb = sqrt(od_kdtree_mind2(t, b, q));
    if (ba < c->mincd[a]) ba = c->mincd[a];
    if (bb < c->mincd[b]) bb = c->mincd[b];
    if (ba <= bb) {
        db_reach_rec(c, a, q, Q, ba);
        db_reach_rec(c, b, q, Q, bb);
    } else {
        db_reach_rec(c, b, q, Q, bb);
        db_reach_rec(c, a, q, Q, ba);
    }
}

/* ------------------------------------------------------------ algorithm */

static int db_kdist(od_ctx *ctx, const od_kdtree *t, const double *X, size_t n, size_t ld, size_t k,
                    double *kd)
{
    int fail = 0;
    #pragma omp parallel
    {
        double *d2 = malloc(k * sizeof *d2);
        size_t *pos = malloc(k * sizeof *pos);
        if (!d2 || !pos) {
            #pragma omp atomic write
            fail = 1;
        }
        #pragma omp for schedule(static, 256)
        for (size_t i = 0; i < n; i++) {
            if (!d2 || !pos) continue;
            od_kdtree_knn(t, X + i * ld, k, d2, pos);
            kd[i] = d2[k - 1];   /* squared */
        }
        free(d2), free(pos);
    }
    return fail ? od_error(ctx, OD_ENOMEM, "dbscan: out of memory") : OD_OK;
}

int od_dbscan_run(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, double eps,
                  size_t minpts, long *labels, unsigned char *is_core, double *core_dist,
                  size_t *nclusters)
{
    if (n == 0 || d == 0) return od_error(ctx, OD_EDATA, "dbscan: no data");
    if (!(eps > 0)) return od_error(ctx, OD_EINVAL, "dbscan: eps=%g must be positive", eps);
    if (minpts < 1) return od_error(ctx, OD_EINVAL, "dbscan: minpts=%zu must be at least 1", minpts);
    int rc = OD_OK;
    double r2 = eps * eps;
    od_kdtree *t = od_kdtree_new(ctx, X, n, d, ld, DB_LEAF);
    unsigned char *core = od_calloc(ctx, n, 1);
    size_t *par = od_mallocn(ctx, n, sizeof *par);
    size_t *cpos = od_mallocn(ctx, n, sizeof *cpos);
    double *cd = core_dist ? core_dist : od_mallocn(ctx, n, sizeof *cd);
    double *P = NULL;
    long *clab = NULL;
    od_kdtree *ct = NULL;
    db_core cc = { 0 };
    if (!t || !core || !par || !cpos || !cd) {
        rc = OD_ENOMEM;
        goto done;
    }
    /* 1. core points: the minpts-th nearest row (itself included) within eps */
    size_t kk = minpts < n ? minpts : n;
    od_progress(ctx, "dbscan", 0.0, "core points");
    if ((rc = db_kdist(ctx, t, X, n, ld, kk, cd))) goto done;
    size_t ncore = 0;
    for (size_t i = 0; i < n; i++) {
        if (minpts > n) cd[i] = INFINITY;
        core[i] = cd[i] <= r2;   /* cd holds squared distances here */
        cd[i] = sqrt(cd[i]);
        if (core[i]) cpos[ncore++] = i;
    }
    if (od_cancelled(ctx)) {
        rc = od_error(ctx, OD_ECANCEL, "dbscan: interrupted");
        goto done;
    }
    /* 2. connected components of the core points (tree over core points only) */
    od_progress(ctx, "dbscan", 0.3, "clusters");
    size_t ncl = 0;
    for (size_t i = 0; i < n; i++) labels[i] = -1;
    if (ncore > 0) {
        P = od_mallocn(ctx, ncore * d, sizeof *P);
        clab = od_mallocn(ctx, ncore, sizeof *clab);
        if (!P || !clab) {
            rc = OD_ENOMEM;
            goto done;
        }
        for (size_t c = 0; c < ncore; c++) memcpy(P + c * d, X + cpos[c] * ld, d * sizeof *P);
        ct = od_kdtree_new(ctx, P, ncore, d, d, DB_LEAF);
        if (!ct) {
            rc = OD_ENOMEM;
            goto done;
        }
        /* union-find over tree positions; the root of a component is its
         * smallest tree position, mapped below to the smallest row */
        for (size_t p = 0; p < ncore; p++) par[p] = p;
        unsigned char *uni = od_calloc(ctx, ct->nnodes, 1);
        if (!uni) {
            rc = OD_ENOMEM;
            goto done;
        }
        for (size_t c0 = 0; c0 < ncore; c0 += 16384) {   /* in chunks: cancel and progress between them */
            if (od_cancelled(ctx)) {
                free(uni);
                rc = od_error(ctx, OD_ECANCEL, "dbscan: interrupted");
                goto done;
            }
            size_t c1 = ncore - c0 < 16384 ? ncore : c0 + 16384;
            #pragma omp parallel for schedule(dynamic, 64)
            for (size_t p = c0; p < c1; p++) db_union_rec(ct, 0, ct->pts + p * d, r2, p, par, uni);
            od_progress(ctx, "dbscan", 0.3 + 0.4 * (double)c1 / (double)ncore, "clusters");
        }
        free(uni);
        /* label components in order of their smallest row index */
        size_t *root_lab = cpos;   /* reuse: cpos no longer needed after the copy */
        size_t *pos_of = od_mallocn(ctx, ncore, sizeof *pos_of);
        if (!pos_of) {
            rc = OD_ENOMEM;
            goto done;
        }
        for (size_t p = 0; p < ncore; p++) pos_of[ct->idx[p]] = p;   /* core ordinal -> tree position */
        for (size_t p = 0; p < ncore; p++) root_lab[p] = SIZE_MAX;
        /* core ordinals are in row order, so scanning them in order meets
         * each component first at its smallest row */
        for (size_t c = 0; c < ncore; c++) {
            size_t r = uf_find(par, pos_of[c]);
            if (root_lab[r] == SIZE_MAX) root_lab[r] = ncl++;
            clab[c] = (long)root_lab[r];
        }
        free(pos_of);
        /* core rows get their component; others the smallest adjacent cluster */
        size_t ci = 0;
        for (size_t i = 0; i < n; i++)
            if (core[i]) labels[i] = clab[ci++];
        double *ccd = od_mallocn(ctx, ncore, sizeof *ccd);
        if (!ccd) {
            rc = OD_ENOMEM;
            goto done;
        }
        ci = 0;
        for (size_t i = 0; i < n; i++)
            if (core[i]) ccd[ci++] = cd[i];
        rc = db_core_build(ctx, &cc, P, ncore, d, ccd, clab);
        free(ccd);
        if (rc) goto done;
        od_progress(ctx, "dbscan", 0.7, "border points");
        #pragma omp parallel for schedule(dynamic, 256)
        for (size_t i = 0; i < n; i++) {
            if (core[i]) continue;
            db_query Q = { r2, -1, INFINITY };
            db_label_rec(&cc, 0, X + i * ld, &Q);
            labels[i] = Q.lab;
        }
    }
    if (is_core) memcpy(is_core, core, n);
    if (nclusters) *nclusters = ncl;
done:
    od_kdtree_free(t);
    od_kdtree_free(ct);
    db_core_done(&cc);
    free(core), free(par), free(cpos), free(P), free(clab);
    if (cd != core_dist) free(cd);
    return rc;
}

int od_dbscan_auto_eps(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld,
                       size_t minpts, double *eps)
{
    if (n < 3) return od_error(ctx, OD_EDATA, "dbscan: eps=auto needs at least 3 rows");
    size_t k = minpts < n ? minpts : n;
    od_kdtree *t = od_kdtree_new(ctx, X, n, d, ld, DB_LEAF);
    double *kd = od_mallocn(ctx, n, sizeof *kd);
    int rc = OD_OK;
    if (!t || !kd) {
        rc = OD_ENOMEM;
        goto done;
    }
    if ((rc = db_kdist(ctx, t, X, n, ld, k, kd))) goto done;
    for (size_t i = 0; i < n; i++) kd[i] = sqrt(kd[i]);
    /* sort ascending (heap sort: deterministic, in place) */
    for (size_t s = n / 2; s-- > 0;)
        for (size_t i = s;;) {
            size_t l = 2 * i + 1, r = l + 1, b = i;
            if (l < n && kd[l] > kd[b]) b = l;
            if (r < n && kd[r] > kd[b]) b = r;
            if (b == i) break;
            double v = kd[i]; kd[i] = kd[b]; kd[b] = v;
            i = b;
        }
    for (size_t m = n; m > 1; m--) {
        double v = kd[0]; kd[0] = kd[m - 1]; kd[m - 1] = v;
        for (size_t i = 0;;) {
            size_t l = 2 * i + 1, r = l + 1, b = i;
            if (l < m - 1 && kd[l] > kd[b]) b = l;
            if (r < m - 1 && kd[r] > kd[b]) b = r;
            if (b == i) break;
            double w = kd[i]; kd[i] = kd[b]; kd[b] = w;
            i = b;
        }
    }
    double y0 = kd[0], span = kd[n - 1] - kd[0];
    size_t best = n - 1;
    if (span > 0) {
        double bv = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            double v = (double)i / (double)(n - 1) - (kd[i] - y0) / span;
            if (v > bv) {
                bv = v;
                best = i;
            }
        }
    }
    *eps = kd[best];
    if (!(*eps > 0))
        rc = od_error(ctx, OD_EDATA, "dbscan: eps=auto found eps=0 (more than minpts=%zu duplicate rows); "
                      "give eps= explicitly", minpts);
done:
    od_kdtree_free(t);
    free(kd);
    return rc;
}

/* ---------------------------------------------------------------- detector */

typedef struct {
    size_t d, n_train, minpts, ncore, nclusters, nnoise;
    double eps;
    int eps_auto;
    double *P;         /* ncore x d core points (row order) */
    double *cd;        /* ncore core distances */
    long *lab;         /* ncore cluster labels */
    double *csize;     /* nclusters: rows (core + border) per cluster */
    db_core cc;
} db_state;

static void db_free(void *state)
{
    db_state *s = state;
    if (!s) return;
    free(s->P), free(s->cd), free(s->lab), free(s->csize);
    db_core_done(&s->cc);
    free(s);
}

static const od_param_spec db_params[] = {
    { "eps", OD_P_REAL, "auto", 0, HUGE_VAL, "auto",
      "neighbourhood radius (auto: knee of the sorted minpts-distance curve)" },
    { "minpts", OD_P_INT, "5", 1, 1e9, NULL, "rows within eps (itself included) that make a row core" },
};

static int db_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    (void)log;
    int rc = od_cl_check_train(ctx, DB_NAME, train);
    if (rc) return rc;
    size_t n = train->n, d = train->d, ld = train->ld;
    long mp = od_params_int(p, "minpts");
    if (mp < 1) return od_error(ctx, OD_EINVAL, "dbscan: minpts=%ld must be at least 1", mp);
    int eps_auto = od_params_is(p, "eps", "auto");
    double eps = eps_auto ? NAN : od_params_real(p, "eps");
    if (!eps_auto && !(eps > 0)) return od_error(ctx, OD_EINVAL, "dbscan: eps=%g must be positive", eps);
    if (eps_auto && (rc = od_dbscan_auto_eps(ctx, train->X, n, d, ld, (size_t)mp, &eps))) return rc;
    db_state *s = od_calloc(ctx, 1, sizeof *s);
    long *lab = od_mallocn(ctx, n, sizeof *lab);
    unsigned char *core = od_mallocn(ctx, n, 1);
    double *cd = od_mallocn(ctx, n, sizeof *cd);
    if (!s || !lab || !core || !cd) {
        rc = OD_ENOMEM;
        goto fail;
    }
    s->d = d;
    s->n_train = n;
    s->minpts = (size_t)mp;
    s->eps = eps;
    s->eps_auto = eps_auto;
    if ((rc = od_dbscan_run(ctx, train->X, n, d, ld, eps, (size_t)mp, lab, core, cd, &s->nclusters))) goto fail;
    for (size_t i = 0; i < n; i++) {
        s->ncore += core[i];
        s->nnoise += lab[i] < 0;
    }
    s->P = od_mallocn(ctx, (s->ncore ? s->ncore : 1) * d, sizeof *s->P);
    s->cd = od_mallocn(ctx, s->ncore ? s->ncore : 1, sizeof *s->cd);
    s->lab = od_mallocn(ctx, s->ncore ? s->ncore : 1, sizeof *s->lab);
    s->csize = od_calloc(ctx, s->nclusters ? s->nclusters : 1, sizeof *s->csize);
    if (!s->P || !s->cd || !s->lab || !s->csize) {
        rc = OD_ENOMEM;
        goto fail;
    }
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (lab[i] >= 0) s->csize[lab[i]] += 1;
        if (!core[i]) continue;
        memcpy(s->P + c * d, train->X + i * ld, d * sizeof *s->P);
        s->cd[c] = cd[i];
        s->lab[c] = lab[i];
        c++;
    }
    if ((rc = db_core_build(ctx, &s->cc, s->P, s->ncore, d, s->cd, s->lab))) goto fail;
    if (s->ncore == 0)
        od_warn(ctx, "dbscan: no core points (no row has minpts=%ld rows within eps=%g); every row is noise "
                "and scores +inf", mp, eps);
    free(lab), free(core), free(cd);
    *state = s;
    return OD_OK;
fail:
    free(lab), free(core), free(cd);
    db_free(s);
    return rc;
}

static int db_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    const db_state *s = state;
    int rc = od_cl_check_score(ctx, DB_NAME, data, s->d);
    if (rc) return rc;
    double r2 = s->eps * s->eps;
    #pragma omp parallel for schedule(dynamic, 256)
    for (size_t i = 0; i < data->n; i++) {
        db_query Q = { r2, -1, INFINITY };
        if (s->ncore > 0) {
            const double *x = data->X + i * data->ld;
            db_label_rec(&s->cc, 0, x, &Q);
            double b = sqrt(od_kdtree_mind2(s->cc.t, 0, x));
            db_reach_rec(&s->cc, 0, x, &Q, b > s->cc.mincd[0] ? b : s->cc.mincd[0]);
        }
        scores[i] = Q.reach;
        if (cluster) cluster[i] = Q.lab;
    }
    return OD_OK;
}

static void db_describe(const void *state, od_out *out)
{
    const db_state *s = state;
    char a[32];
    od_printf(out, "DBSCAN on %zu rows x %zu columns: eps=%s%s, minpts=%zu\n", s->n_train, s->d,
              od_fmt_num(a, sizeof a, s->eps, 6), s->eps_auto ? " (auto: knee of the k-distance curve)" : "",
              s->minpts);
    od_printf(out, "%zu clusters, %zu core rows, %zu border rows, %zu noise rows (%.2f%%)\n", s->nclusters,
              s->ncore, s->n_train - s->ncore - s->nnoise, s->nnoise, 100.0 * (double)s->nnoise / (double)s->n_train);
    size_t shown = s->nclusters < 20 ? s->nclusters : 20;
    if (shown) od_printf(out, "cluster sizes:");
    for (size_t c = 0; c < shown; c++) od_printf(out, " %.0f", s->csize[c]);
    if (s->nclusters > shown) od_printf(out, " ... (%zu more)", s->nclusters - shown);
    if (shown) od_printf(out, "\n");
    od_printf(out, "score: reachability from the nearest core point; > eps exactly for noise\n");
}

static int db_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const db_state *s = state;
    int rc;
    uint64_t u[6] = { s->d, s->n_train, s->minpts, s->ncore, s->nclusters, s->nnoise };
    double e = s->eps;
    int32_t ea = s->eps_auto;
    if ((rc = od_cl_write_header(ctx, fp, DB_NAME, DB_VERSION))) return rc;
    if ((rc = od_cl_write(ctx, fp, DB_NAME, u, sizeof u[0], 6))) return rc;
    if ((rc = od_cl_write(ctx, fp, DB_NAME, &e, sizeof e, 1))) return rc;
    if ((rc = od_cl_write(ctx, fp, DB_NAME, &ea, sizeof ea, 1))) return rc;
    if ((rc = od_cl_write(ctx, fp, DB_NAME, s->P, sizeof(double), s->ncore * s->d))) return rc;
    if ((rc = od_cl_write(ctx, fp, DB_NAME, s->cd, sizeof(double), s->ncore))) return rc;
    if ((rc = od_cl_write(ctx, fp, DB_NAME, s->lab, sizeof(long), s->ncore))) return rc;
    return od_cl_write(ctx, fp, DB_NAME, s->csize, sizeof(double), s->nclusters);
}

static int db_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    (void)p;
    int rc;
    uint64_t u[6];
    double e;
    int32_t ea;
    if ((rc = od_cl_read_header(ctx, fp, DB_NAME, DB_VERSION, NULL))) return rc;
    if ((rc = od_cl_read(ctx, fp, DB_NAME, u, sizeof u[0], 6))) return rc;
    if ((rc = od_cl_read(ctx, fp, DB_NAME, &e, sizeof e, 1))) return rc;
    if ((rc = od_cl_read(ctx, fp, DB_NAME, &ea, sizeof ea, 1))) return rc;
    if (u[0] == 0 || u[0] > (1u << 20) || u[3] > u[1] || u[4] > u[1] || u[3] * u[0] > ((uint64_t)1 << 34) || !(e > 0))
        return od_error(ctx, OD_EFORMAT, "dbscan model file is corrupt");
    db_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->d = u[0], s->n_train = u[1], s->minpts = u[2], s->ncore = u[3], s->nclusters = u[4], s->nnoise = u[5];
    s->eps = e;
    s->eps_auto = ea;
    if ((rc = od_cl_read_doubles(ctx, fp, DB_NAME, &s->P, s->ncore * s->d)) ||
        (rc = od_cl_read_doubles(ctx, fp, DB_NAME, &s->cd, s->ncore)))
        goto fail;
    if (!(s->lab = od_mallocn(ctx, s->ncore ? s->ncore : 1, sizeof *s->lab))) {
        rc = OD_ENOMEM;
        goto fail;
    }
    if ((rc = od_cl_read(ctx, fp, DB_NAME, s->lab, sizeof(long), s->ncore))) goto fail;
    if ((rc = od_cl_read_doubles(ctx, fp, DB_NAME, &s->csize, s->nclusters))) goto fail;
    for (size_t c = 0; c < s->ncore; c++)
        if (s->lab[c] < 0 || (uint64_t)s->lab[c] >= s->nclusters) {
            rc = od_error(ctx, OD_EFORMAT, "dbscan model file is corrupt");
            goto fail;
        }
    if ((rc = db_core_build(ctx, &s->cc, s->P, s->ncore, s->d, s->cd, s->lab))) goto fail;
    *state = s;
    return OD_OK;
fail:
    db_free(s);
    return rc;
}

/* explain: the nearest core points (minpts of them) and the per-feature
 * share of the mean squared distance to them. */
static int db_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    const db_state *s = state;
    int rc = od_cl_check_score(ctx, "dbscan", data, s->d);
    if (rc) return rc;
    if ((rc = od_explain_neighbours(ctx, s->P, s->ncore, s->d, s->d, data->X + row * data->ld, s->minpts, ex))) return rc;
    snprintf(ex->method, sizeof ex->method, "dbscan: the %zu nearest core points (eps %.4g, minpts %zu) and the per-feature share "
             "of the mean squared distance to them", ex->nnb, s->eps, s->minpts);
    return OD_OK;
}

const od_detector_type od_detector_dbscan = {
    .name = DB_NAME,
    .family = "cluster",
    .summary = "DBSCAN density clustering: reachability distance from the nearest core point",
    .help =
        "DBSCAN with kd-tree range queries.  A row is core when at least minpts rows\n"
        "(itself included, scikit-learn's min_samples) lie within distance eps; clusters are\n"
        "the connected components of core rows, numbered in order of their first row.  A\n"
        "border row (within eps of core rows of several clusters) joins the one with the\n"
        "lowest number, which is what scikit-learn's depth-first expansion does, so the\n"
        "labels equal sklearn.cluster.DBSCAN's.  Rows near no core row are noise (-1).\n"
        "eps=auto takes the knee of the sorted curve of distances to the minpts-th nearest\n"
        "row: with both axes scaled to [0,1], the point farthest below the chord from the\n"
        "first to the last point; describe reports the eps chosen.\n"
        "\n"
        "score(x) = min over core rows p of max(core_distance(p), |x - p|), where\n"
        "core_distance(p) is the distance from p to its minpts-th nearest row: the\n"
        "reachability distance of OPTICS.  It is <= eps for core and border rows and > eps\n"
        "for noise, so thresholding it at eps gives DBSCAN's noise, and it keeps ranking\n"
        "noise rows by how far they are from any dense region.\n"
        "\n"
        "Example:  detect dbscan eps=auto minpts=10 as db\n"
        "          detect dbscan eps=0.8 minpts=5 as db2",
    .params = db_params,
    .nparams = sizeof db_params / sizeof db_params[0],
    .seq = 0,
    .fit = db_fit,
    .score = db_score,
    .describe = db_describe,
    .save = db_save,
    .load = db_load,
    .free = db_free,
    .explain = db_explain,
};
