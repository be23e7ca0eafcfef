/* iforest.c - Isolation Forest (Liu, Ting, Zhou 2008) as scikit-learn's
 * IsolationForest: trees on random subsamples of psi rows, random feature and
 * uniform random threshold at each node, depth limit ceil(log2 psi); score =
 * 2^(-E[h(x)] / c(psi)) with h = leaf depth + c(rows in the leaf).
 *
 * Each tree is stored as a perfect binary tree of L = ceil(log2 psi) levels
 * (a leaf above the bottom becomes a chain of "always left" nodes, +inf
 * thresholds, ending in a bottom slot holding its path length), so scoring
 * is a branch-free walk of exactly L steps, done for a block of rows at once
 * so the walks overlap.  Trees are built in parallel, tree t from its own RNG
 * stream od_rng_stream(key, t): scores do not depend on the thread count. */
#include "config.h"
#include "cl_cluster.h"
#include "iforest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define IF_NAME "iforest"
#define IF_VERSION 1u
#define IF_MAX_SAMPLES 16384   /* 2^14 leaves per tree */
#define IF_BLOCK 64            /* rows walked together */
#define IF_CONST 1e-7          /* scikit-learn's FEATURE_THRESHOLD: a smaller range is constant */

typedef struct {
    size_t trees, psi, L, d, nf;
    size_t ni, nl;          /* 2^L - 1 internal slots, 2^L bottom slots per tree */
    int32_t *feat;          /* trees x ni */
    double *thr;            /* trees x ni (+inf: go left) */
    double *val;            /* trees x nl: path length of the leaf ending there */
    double cpsi;            /* c(psi) */
    size_t n_train;
    double mean_leaves;     /* leaves per tree, averaged */
} if_state;

static const od_param_spec if_params[] = {
    { "trees", OD_P_INT, "100", 1, 100000, NULL, "number of trees" },
    { "samples", OD_P_INT, "256", 2, IF_MAX_SAMPLES, NULL,
      "rows drawn (without replacement) for each tree; min(samples, rows) is used" },
    { "max_features", OD_P_REAL, "1.0", 1e-9, 1, NULL,
      "share of the columns each tree may split on: max(1, int(share x columns)) drawn per tree" },
};

double od_iforest_c(double n)
{
    if (n <= 1) return 0.0;
    if (n <= 2) return 1.0;
    return 2.0 * (log(n - 1.0) + 0.5772156649015329) - 2.0 * (n - 1.0) / n;
}

static void if_free(void *state)
{
    if_state *s = state;
    if (!s) return;
    free(s->feat), free(s->thr), free(s->val);
    free(s);
}

static int if_alloc(od_ctx *ctx, if_state *s)
{
    s->ni = ((size_t)1 << s->L) - 1;
    s->nl = (size_t)1 << s->L;
    s->feat = od_mallocn(ctx, s->trees * s->ni + 1, sizeof *s->feat);
    s->thr = od_mallocn(ctx, s->trees * s->ni + 1, sizeof *s->thr);
    s->val = od_mallocn(ctx, s->trees * s->nl, sizeof *s->val);
    return s->feat && s->thr && s->val ? OD_OK : OD_ENOMEM;
}

/* per-thread work space for building one tree */
typedef struct {
    double *rows;     /* psi x d sample */
    size_t *ord;      /* psi: row order, partitioned in place */
    size_t *slot;     /* hash set of drawn rows (2 x next pow2 of psi) */
    size_t nslot;
    int32_t *fsub;    /* d: this tree's features */
    int32_t *cand;    /* d: non-constant candidates at a node */
    double *lo, *hi;  /* d */
    size_t leaves;
} if_ws;

static void if_leaf(const if_state *s, int32_t *F, double *T, double *V, size_t i, size_t dep, size_t m, if_ws *w)
{
    (void)F, (void)T;
    size_t j = i;
    for (size_t l = dep; l < s->L; l++) j = 2 * j + 1;
    V[j - s->ni] = (double)dep + od_iforest_c((double)m);
    w->leaves++;
}

static void if_grow(const if_state *s, gsl_rng *r, int32_t *F, double *T, double *V, size_t i, size_t dep,
                    size_t a, size_t b, if_ws *w)
{
    size_t d = s->d, m = b - a;
    if (dep >= s->L || m <= 1) {
        if_leaf(s, F, T, V, i, dep, m, w);
        return;
    }
    size_t nc = 0;
    for (size_t q = 0; q < s->nf; q++) {
        size_t f = (size_t)w->fsub[q];
        double lo = w->rows[w->ord[a] * d + f], hi = lo;
        for (size_t p = a + 1; p < b; p++) {
            double v = w->rows[w->ord[p] * d + f];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        if (hi > lo + IF_CONST) {
            w->lo[nc] = lo;
            w->hi[nc] = hi;
            w->cand[nc++] = (int32_t)f;
        }
    }
    if (nc == 0) {
        if_leaf(s, F, T, V, i, dep, m, w);
        return;
    }
    size_t c = nc > 1 ? (size_t)gsl_rng_uniform_int(r, nc) : 0;
    int32_t f = w->cand[c];
    double lo = w->lo[c], hi = w->hi[c];
    double t = (hi - lo) * gsl_rng_uniform(r) + lo;
    if (t >= hi) t = lo;
    F[i] = f;
    T[i] = t;
    /* partition: x <= t to the left */
    size_t p = a, q = b;
    while (p < q) {
        if (w->rows[w->ord[p] * d + (size_t)f] <= t) p++;
        else {
            size_t v = w->ord[p];
            w->ord[p] = w->ord[--q];
            w->ord[q] = v;
        }
    }
    if_grow(s, r, F, T, V, 2 * i + 1, dep + 1, a, p, w);
    if_grow(s, r, F, T, V, 2 * i + 2, dep + 1, p, b, w);
}

static void if_build(if_state *s, const od_data *X, uint64_t key, size_t t, if_ws *w)
{
    size_t n = X->n, d = s->d, psi = s->psi;
    int32_t *F = s->feat + t * s->ni;
    double *T = s->thr + t * s->ni, *V = s->val + t * s->nl;
    for (size_t i = 0; i < s->ni; i++) F[i] = 0, T[i] = INFINITY;
    for (size_t i = 0; i < s->nl; i++) V[i] = 0;
    gsl_rng *r = od_rng_stream(key, t);
    /* psi distinct rows, uniformly (rejection with a hash set; psi <= n) */
    for (size_t i = 0; i < w->nslot; i++) w->slot[i] = SIZE_MAX;
    for (size_t got = 0; got < psi;) {
        size_t row = psi == n ? got : (size_t)gsl_rng_uniform_int(r, n);
        size_t h = (size_t)od_hash64(row) & (w->nslot - 1);
        while (w->slot[h] != SIZE_MAX && w->slot[h] != row) h = (h + 1) & (w->nslot - 1);
        if (w->slot[h] == row) continue;
        w->slot[h] = row;
        memcpy(w->rows + got * d, X->X + row * X->ld, d * sizeof *w->rows);
        w->ord[got] = got;
        got++;
    }
    /* this tree's features: max(1, int(max_features * d)) without replacement */
    for (size_t j = 0; j < d; j++) w->fsub[j] = (int32_t)j;
    if (s->nf < d)
        for (size_t j = 0; j < s->nf; j++) {
            size_t q = j + (size_t)gsl_rng_uniform_int(r, d - j);
            int32_t v = w->fsub[j];
            w->fsub[j] = w->fsub[q];
            w->fsub[q] = v;
        }
    if_grow(s, r, F, T, V, 0, 0, 0, psi, w);
    gsl_rng_free(r);
}

static int if_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    (void)log;
    int rc = od_cl_check_train(ctx, IF_NAME, train);
    if (rc) return rc;
    size_t n = train->n, d = train->d;
    if (n < 2) return od_error(ctx, OD_EDATA, "iforest: needs at least 2 training rows, got %zu", n);
    if (d > INT32_MAX) return od_error(ctx, OD_EDATA, "iforest: too many columns (%zu)", d);
    if_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->trees = (size_t)od_params_int(p, "trees");
    size_t asked = (size_t)od_params_int(p, "samples");
    s->psi = asked < n ? asked : n;
    if (s->psi < asked && od_params_given(p, "samples"))
        od_warn(ctx, "iforest: samples=%zu exceeds the %zu training rows; each tree uses all of them", asked, n);
    s->L = 0;
    while (((size_t)1 << s->L) < s->psi) s->L++;   /* ceil(log2 psi), psi >= 2 */
    double mf = od_params_real(p, "max_features");
    s->nf = (size_t)(mf * (double)d);
    if (s->nf < 1) s->nf = 1;
    if (s->nf > d) s->nf = d;
    s->d = d;
    s->n_train = n;
    s->cpsi = od_iforest_c((double)s->psi);
    if ((rc = if_alloc(ctx, s))) {
        if_free(s);
        return rc;
    }
    uint64_t key = od_ctx_next_stream(ctx);
    size_t nslot = 2;
    while (nslot < 2 * s->psi) nslot *= 2;
    int nt = 1;
#ifdef _OPENMP
    nt = omp_get_max_threads();
#endif
    if_ws *ws = od_calloc(ctx, (size_t)nt, sizeof *ws);
    int bad = !ws;
    for (int q = 0; q < nt && !bad; q++) {
        if_ws *w = &ws[q];
        w->nslot = nslot;
        w->rows = od_mallocn(ctx, s->psi * d, sizeof *w->rows);
        w->ord = od_mallocn(ctx, s->psi, sizeof *w->ord);
        w->slot = od_mallocn(ctx, nslot, sizeof *w->slot);
        w->fsub = od_mallocn(ctx, d, sizeof *w->fsub);
        w->cand = od_mallocn(ctx, d, sizeof *w->cand);
        w->lo = od_mallocn(ctx, d, sizeof *w->lo);
        w->hi = od_mallocn(ctx, d, sizeof *w->hi);
        bad = !w->rows || !w->ord || !w->slot || !w->fsub || !w->cand || !w->lo || !w->hi;
    }
    if (!bad) {
        #pragma omp parallel for schedule(static) num_threads(nt)
        for (size_t t = 0; t < s->trees; t++) {
            int me = 0;
#ifdef _OPENMP
            me = omp_get_thread_num();
#endif
            if_build(s, train, key, t, &ws[me]);
        }
        size_t leaves = 0;
        for (int q = 0; q < nt; q++) leaves += ws[q].leaves;
        s->mean_leaves = (double)leaves / (double)s->trees;
    }
    for (int q = 0; ws && q < nt; q++) {
        if_ws *w = &ws[q];
        free(w->rows), free(w->ord), free(w->slot), free(w->fsub), free(w->cand), free(w->lo), free(w->hi);
    }
    free(ws);
    if (bad) {
        if_free(s);
        return OD_ENOMEM;
    }
    *state = s;
    return OD_OK;
}

static int if_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    (void)cluster;
    const if_state *s = state;
    int rc = od_cl_check_score(ctx, IF_NAME, data, s->d);
    if (rc || data->n == 0) return rc;
    size_t n = data->n, ld = data->ld, L = s->L, ni = s->ni, nl = s->nl;
    double norm = -1.0 / ((double)s->trees * s->cpsi);
    size_t nblk = (n + IF_BLOCK - 1) / IF_BLOCK;
    #pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nblk; b++) {
        size_t r0 = b * IF_BLOCK, m = n - r0 < IF_BLOCK ? n - r0 : IF_BLOCK;
        const double *X = data->X + r0 * ld;
        double acc[IF_BLOCK];
        size_t pos[IF_BLOCK];
        for (size_t r = 0; r < m; r++) acc[r] = 0;
        for (size_t t = 0; t < s->trees; t++) {
            const int32_t *F = s->feat + t * ni;
            const double *T = s->thr + t * ni, *V = s->val + t * nl;
            for (size_t r = 0; r < m; r++) pos[r] = 0;
            for (size_t l = 0; l < L; l++)
                for (size_t r = 0; r < m; r++) {
                    size_t i = pos[r];
                    pos[r] = 2 * i + 1 + (X[r * ld + (size_t)F[i]] > T[i]);
                }
            for (size_t r = 0; r < m; r++) acc[r] += V[pos[r] - ni];
        }
        for (size_t r = 0; r < m; r++) scores[r0 + r] = exp2(acc[r] * norm);
    }
    return OD_OK;
}

static void if_describe(const void *state, od_out *out)
{
    const if_state *s = state;
    char b1[32], b2[32];
    od_printf(out, "isolation forest: %zu trees on %zu of %zu rows each, %zu of %zu columns per tree\n", s->trees,
              s->psi, s->n_train, s->nf, s->d);
    od_printf(out, "depth limit %zu, %s leaves per tree on average, c(%zu) = %s\n", s->L,
              od_fmt_num(b1, sizeof b1, s->mean_leaves, 4), s->psi, od_fmt_num(b2, sizeof b2, s->cpsi, 8));
    od_printf(out, "score 2^(-mean path / c(samples)): 0.5 = average, near 1 = isolated at once\n");
}

static int if_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const if_state *s = state;
    int rc;
    uint64_t h[6] = { s->trees, s->psi, s->L, s->d, s->nf, s->n_train };
    if ((rc = od_cl_write_header(ctx, fp, IF_NAME, IF_VERSION))) return rc;
    for (int i = 0; i < 6; i++)
        if ((rc = od_cl_write_u64(ctx, fp, IF_NAME, h[i]))) return rc;
    if ((rc = od_cl_write(ctx, fp, IF_NAME, &s->mean_leaves, sizeof(double), 1))) return rc;
    if ((rc = od_cl_write(ctx, fp, IF_NAME, s->feat, sizeof *s->feat, s->trees * s->ni))) return rc;
    if ((rc = od_cl_write(ctx, fp, IF_NAME, s->thr, sizeof *s->thr, s->trees * s->ni))) return rc;
    return od_cl_write(ctx, fp, IF_NAME, s->val, sizeof *s->val, s->trees * s->nl);
}

static int if_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    (void)p;
    int rc;
    uint64_t h[6];
    static const uint64_t mx[6] = { 100000, IF_MAX_SAMPLES, 14, INT32_MAX, INT32_MAX, UINT64_MAX };
    if ((rc = od_cl_read_header(ctx, fp, IF_NAME, IF_VERSION, NULL))) return rc;
    for (int i = 0; i < 6; i++)
        if ((rc = od_cl_read_u64(ctx, fp, IF_NAME, &h[i], mx[i]))) return rc;
    if (h[0] < 1 || h[1] < 2 || h[3] < 1 || h[4] < 1 || h[4] > h[3] || ((uint64_t)1 << h[2]) < h[1] ||
        (h[2] > 0 && ((uint64_t)1 << (h[2] - 1)) >= h[1]))
        return od_error(ctx, OD_EFORMAT, "iforest model file is corrupt");
    if_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->trees = h[0], s->psi = h[1], s->L = h[2], s->d = h[3], s->nf = h[4], s->n_train = h[5];
    s->cpsi = od_iforest_c((double)s->psi);
    /* per tree: 2^L - 1 inner nodes (feature, threshold) and 2^L leaves */
    uint64_t per_tree = (((uint64_t)1 << s->L) - 1) * (sizeof *s->feat + sizeof *s->thr) + ((uint64_t)1 << s->L) * sizeof *s->val;
    if ((rc = od_cl_need(ctx, fp, IF_NAME, s->trees, per_tree, "trees"))) goto fail;
    if ((rc = if_alloc(ctx, s))) goto fail;
    if ((rc = od_cl_read(ctx, fp, IF_NAME, &s->mean_leaves, sizeof(double), 1))) goto fail;
    if ((rc = od_cl_read(ctx, fp, IF_NAME, s->feat, sizeof *s->feat, s->trees * s->ni))) goto fail;
    if ((rc = od_cl_read(ctx, fp, IF_NAME, s->thr, sizeof *s->thr, s->trees * s->ni))) goto fail;
    if ((rc = od_cl_read(ctx, fp, IF_NAME, s->val, sizeof *s->val, s->trees * s->nl))) goto fail;
    for (size_t i = 0; i < s->trees * s->ni; i++)
        if (s->feat[i] < 0 || (size_t)s->feat[i] >= s->d) {
            rc = od_error(ctx, OD_EFORMAT, "iforest model file is corrupt (feature %d)", (int)s->feat[i]);
            goto fail;
        }
    *state = s;
    return OD_OK;
fail:
    if_free(s);
    return rc;
}

/* explain: in each tree, every split on x's path credits its feature with
 * 1 / (the path length of x in that tree, with the leaf's c(size)); the
 * credits are averaged over the trees.  A feature that isolates the row
 * early (short paths) gets much credit; one used deep in long paths little.
 * Not an exact decomposition of the score. */
static int if_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    const if_state *s = state;
    int rc = od_cl_check_score(ctx, IF_NAME, data, s->d);
    if (rc) return rc;
    if ((rc = od_explain_alloc_contrib(ctx, ex, s->d))) return rc;
    const double *x = data->X + row * data->ld;
    size_t *path = od_mallocn(ctx, s->L + 1, sizeof *path);
    if (!path) return OD_ENOMEM;
    for (size_t t = 0; t < s->trees; t++) {
        const int32_t *F = s->feat + t * s->ni;
        const double *T = s->thr + t * s->ni, *V = s->val + t * s->nl;
        size_t i = 0, np = 0;
        for (size_t l = 0; l < s->L; l++) {
            if (isfinite(T[i])) path[np++] = i;
            i = 2 * i + 1 + (x[(size_t)F[i]] > T[i]);
        }
        double len = V[i - s->ni];
        for (size_t q = 0; q < np && len > 0; q++) ex->contrib[F[path[q]]] += 1.0 / (len * (double)s->trees);
    }
    free(path);
    ex->exact = 0;
    snprintf(ex->method, sizeof ex->method, "iforest: depth-weighted split counts: each split on the row's path credits its feature "
             "with 1/path length of that tree, averaged over %zu trees (early isolation = large)", s->trees);
    return OD_OK;
}

const od_detector_type od_detector_iforest = {
    .name = IF_NAME,
    .family = "ensemble",
    .summary = "Isolation Forest: how quickly random splits isolate a row",
    .help =
        "Isolation Forest (Liu, Ting & Zhou 2008) as scikit-learn's IsolationForest.\n"
        "Each tree is grown on `samples` rows drawn without replacement: at each node a\n"
        "random column (among those not constant there) is split at a uniform random\n"
        "value between its min and max, until a row is alone or the depth reaches\n"
        "ceil(log2 samples).  A row's path length h = depth of its leaf + c(rows in that\n"
        "leaf), where c(m) = 2(ln(m-1) + 0.5772...) - 2(m-1)/m (c(2) = 1) is the average\n"
        "path length of m points.  score = 2^(-mean h over the trees / c(samples)):\n"
        "about 0.5 for ordinary rows, towards 1 for rows isolated after few splits.  This\n"
        "is scikit-learn's -score_samples().  Tree t draws from its own random stream\n"
        "(set seed=...), so the scores do not depend on the number of threads.\n"
        "\n"
        "Example:  detect iforest trees=200 samples=256 as if\n"
        "          detect iforest max_features=0.5 as if_half",
    .params = if_params,
    .nparams = sizeof if_params / sizeof if_params[0],
    .seq = 0,
    .fit = if_fit,
    .score = if_score,
    .describe = if_describe,
    .save = if_save,
    .load = if_load,
    .free = if_free,
    .explain = if_explain,
};
