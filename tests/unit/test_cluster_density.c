/* test_cluster_density.c - hclust, DBSCAN, KDE and Gaussian/MCD detectors
 * against scipy/scikit-learn fixtures (tests/fixtures/cluster/gen_cluster.py)
 * plus properties (thread-count determinism, row order, scaling, duplicates,
 * errors, save/load). */
#include "config.h"
#include "../od_test.h"
#include "test_cluster_fx.h"
#include "detect/cl_cluster.h"
#include "detect/cl_kdtree.h"

/* ------------------------------------------------------------------ hclust */

static void test_hclust(void)
{
    fx_file f;
    if (fx_load(&f, "tests/fixtures/cluster/hclust.txt")) {
        od_test_skip("hclust fixture missing");
        return;
    }
    const fx_array *X = fx_get(&f, "X");
    size_t n = X->rows, d = X->cols;
    od_ctx *ctx = od_ctx_new(1);
    const char *names[4] = { "single", "complete", "average", "ward" };
    const int meth[4] = { OD_LINK_SINGLE, OD_LINK_COMPLETE, OD_LINK_AVERAGE, OD_LINK_WARD };
    double *Z = malloc((n - 1) * 4 * sizeof *Z);
    long *lab = malloc(n * sizeof *lab), *want = malloc(n * sizeof *want);
    for (int m = 0; m < 4; m++) {
        char key[64];
        int rc = od_hclust_linkage(ctx, X->v, n, d, d, meth[m], Z);
        snprintf(key, sizeof key, "Z_%s", names[m]);
        const fx_array *W = fx_get(&f, key);
        size_t bad = 0;
        double eh = 0;
        for (size_t r = 0; r + 1 < n; r++) {
            bad += Z[r * 4] != W->v[r * 4] || Z[r * 4 + 1] != W->v[r * 4 + 1] || Z[r * 4 + 3] != W->v[r * 4 + 3];
            eh = fmax(eh, fabs(Z[r * 4 + 2] - W->v[r * 4 + 2]) / W->v[r * 4 + 2]);
        }
        od_test_true(rc == 0 && bad == 0, "hclust %s: merged clusters and sizes equal scipy's (%zu rows differ)",
                     names[m], bad);
        od_test_true(eh < 1e-12, "hclust %s: merge heights equal scipy's (max rel err %.2g)", names[m], eh);
        snprintf(key, sizeof key, "cut4_%s", names[m]);
        const fx_array *C = fx_get(&f, key);
        for (size_t i = 0; i < n; i++) want[i] = (long)C->v[i];
        size_t nc = od_hclust_cut(Z, n, 4, 0, lab);
        od_test_true(nc == 4 && fx_same_partition(lab, want, n), "hclust %s: k=4 cut equals fcluster maxclust",
                     names[m]);
        snprintf(key, sizeof key, "cutt_%s", names[m]);
        C = fx_get(&f, key);
        for (size_t i = 0; i < n; i++) want[i] = (long)C->v[i];
        snprintf(key, sizeof key, "t_%s", names[m]);
        od_hclust_cut(Z, n, 0, fx_num(&f, key), lab);
        od_test_true(fx_same_partition(lab, want, n), "hclust %s: height cut equals fcluster distance", names[m]);
    }
    /* row order: the merge heights do not depend on it */
    {
        double *P = malloc(n * d * sizeof *P), *Z2 = malloc((n - 1) * 4 * sizeof *Z2);
        for (size_t i = 0; i < n; i++) memcpy(P + i * d, X->v + ((i * 37) % n) * d, d * sizeof *P);
        int ok = 1;
        for (int m = 0; m < 4; m++) {
            od_hclust_linkage(ctx, X->v, n, d, d, meth[m], Z);
            od_hclust_linkage(ctx, P, n, d, d, meth[m], Z2);
            for (size_t r = 0; r + 1 < n; r++) ok &= fabs(Z[r * 4 + 2] - Z2[r * 4 + 2]) <= 1e-12 * Z[r * 4 + 2];
        }
        od_test_true(ok, "hclust: permuting the rows leaves every merge height unchanged");
        free(P), free(Z2);
    }
    /* scores are scale-invariant (distances in cluster radii) */
    {
        double *S = malloc(n * d * sizeof *S);
        for (size_t i = 0; i < n * d; i++) S[i] = 7 * X->v[i];
        double *a = fit_score("hclust", "k=4", X->v, n, d, 2, 1, NULL), *b = fit_score("hclust", "k=4", S, n, d, 2, 1, NULL);
        double e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs(a[i] - b[i]) / a[i]);
        od_test_true(e < 1e-9, "hclust: x7 data gives the same scores (max rel err %.2g)", e);
        /* the 5 uniform outliers rank among the top scores */
        free(S), free(a), free(b);
    }
    /* small clusters: every row of a small cluster scores against large clusters */
    {
        long *cl = malloc(n * sizeof *cl);
        double *s = fit_score("hclust", "k=8 min_size=10", X->v, n, d, 1, 1, cl);
        int ok = s != NULL;
        for (size_t i = 0; ok && i < n; i++) ok = isfinite(s[i]) && s[i] >= 0 && cl[i] >= 0;
        od_test_true(ok, "hclust k=8 min_size=10: finite scores, every row assigned to a large cluster");
        free(s), free(cl);
    }
    /* duplicates: identical rows merge at height 0 */
    {
        double D[12] = { 1, 1, 1, 1, 1, 1, 1, 1, 5, 5, 5, 5 };
        int ok = 1;
        for (int m = 0; m < 4; m++) {
            double Zd[20];
            ok &= od_hclust_linkage(ctx, D, 6, 2, 2, meth[m], Zd) == 0 && Zd[2] == 0 && Zd[6] == 0 && Zd[10] == 0 &&
                  Zd[14] == 0 && Zd[18] > 5;
        }
        od_test_true(ok, "hclust: duplicate rows merge at height 0 for every linkage");
    }
    check_error("hclust", "k=400", X->v, n, d, OD_EINVAL, "k=400 exceeds the 155 training rows");
    check_error("hclust", "max_rows=100", X->v, n, d, OD_EINVAL, "max_rows=100");
    check_error("hclust", "k=2", X->v, 0, d, OD_EDATA, "empty");
    check_describe("hclust", "linkage=average k=3", X->v, n, d, "highest merge heights");
    check_save_load("hclust", "k=5", X->v, n, d);
    double *B = rand_blobs(13, 2000, 4, 5, 6);
    check_threads("hclust", "linkage=ward k=5", B, 2000, 4);
    check_threads("hclust", "linkage=single k=5", B, 1500, 4);
    check_threads("hclust", "linkage=average k=5", B, 1500, 4);
    free(B);
    free(Z), free(lab), free(want);
    od_ctx_free(ctx);
    fx_free(&f);
}

/* Ward merge heights by the textbook method, independent of the engine's
 * NN-chain on centroids: a full matrix of squared Ward distances, the global
 * minimum merged each step, Lance-Williams updates (as scipy's ward on the
 * condensed matrix).  Heights returned in merge order (non-decreasing for
 * Ward, which is reducible). */
static void ward_reference(const double *X, size_t n, size_t d, double *h)
{
    double *D = malloc(n * n * sizeof *D), *sz = malloc(n * sizeof *sz);
    unsigned char *dead = calloc(n, 1);
    for (size_t i = 0; i < n; i++) {
        sz[i] = 1;
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t c = 0; c < d; c++) s += (X[i * d + c] - X[j * d + c]) * (X[i * d + c] - X[j * d + c]);
            D[i * n + j] = s;   /* squared Euclidean = squared Ward distance for singletons / 2 * 2 */
        }
    }
    for (size_t k = 0; k + 1 < n; k++) {
        size_t a = 0, b = 0;
        double m = INFINITY;
        for (size_t i = 0; i < n; i++)
            if (!dead[i])
                for (size_t j = i + 1; j < n; j++)
                    if (!dead[j] && D[i * n + j] < m) m = D[i * n + j], a = i, b = j;
        h[k] = sqrt(m);
        for (size_t i = 0; i < n; i++) {
            if (dead[i] || i == a || i == b) continue;
            double t = sz[i] + sz[a] + sz[b];
            double v = ((sz[i] + sz[a]) * D[i * n + a] + (sz[i] + sz[b]) * D[i * n + b] - sz[i] * m) / t;
            D[i * n + b] = D[b * n + i] = v;
        }
        sz[b] += sz[a];
        dead[a] = 1;
    }
    free(D), free(sz), free(dead);
}

/* the engine's ward on data where its vector scan's ranges, tails and the
 * skipped chain head fall everywhere, against the reference: blobs, then
 * integer points full of exact duplicates and equal distances */
static void test_hclust_ward_reference(void)
{
    od_ctx *ctx = od_ctx_new(1);
    const size_t dims[3] = { 1, 5, 9 };
    for (int t = 0; t < 4; t++) {
        size_t n = t == 3 ? 301 : 403, d = t == 3 ? 3 : dims[t];
        double *X = t == 3 ? malloc(n * d * sizeof *X) : rand_blobs(41 + (unsigned long)t, n, d, 5, 8);
        if (t == 3)
            for (size_t i = 0; i < n * d; i++) X[i] = (double)((i * 2654435761u) % 5);
        double *Z = malloc((n - 1) * 4 * sizeof *Z), *h = malloc((n - 1) * sizeof *h);
        int rc = od_hclust_linkage(ctx, X, n, d, d, OD_LINK_WARD, Z);
        ward_reference(X, n, d, h);
        double e = 0;
        size_t bad = 0;
        for (size_t r = 0; r + 1 < n; r++) {
            double a = Z[r * 4 + 2], b = h[r];
            if (b == 0) bad += a != 0;
            else e = fmax(e, fabs(a - b) / b);
        }
        od_test_true(rc == 0 && bad == 0 && e < 1e-9,
                     "hclust ward %zu x %zu %s: merge heights equal the Lance-Williams reference (max rel err %.2g, "
                     "%zu zero heights differ)", n, d, t == 3 ? "integer points with duplicates" : "blobs", e, bad);
        free(X), free(Z), free(h);
    }
    od_ctx_free(ctx);
}

/* ------------------------------------------------------------------ DBSCAN */

static void test_dbscan(void)
{
    fx_file f;
    if (fx_load(&f, "tests/fixtures/cluster/dbscan.txt")) {
        od_test_skip("dbscan fixture missing");
        return;
    }
    const fx_array *X = fx_get(&f, "X");
    size_t n = X->rows, d = X->cols;
    od_ctx *ctx = od_ctx_new(1);
    long *lab = malloc(n * sizeof *lab);
    unsigned char *core = malloc(n);
    for (int c = 0; c < 4; c++) {
        char k1[32], k2[32], k3[32], k4[32];
        snprintf(k1, sizeof k1, "eps%d", c);
        snprintf(k2, sizeof k2, "ms%d", c);
        snprintf(k3, sizeof k3, "labels%d", c);
        snprintf(k4, sizeof k4, "core%d", c);
        size_t ncl;
        int rc = od_dbscan_run(ctx, X->v, n, d, d, fx_num(&f, k1), (size_t)fx_num(&f, k2), lab, core, NULL, &ncl);
        const fx_array *L = fx_get(&f, k3), *C = fx_get(&f, k4);
        size_t bl = 0, bc = 0;
        for (size_t i = 0; i < n; i++) {
            bl += lab[i] != (long)L->v[i];
            bc += core[i] != (unsigned char)C->v[i];
        }
        od_test_true(rc == 0 && bc == 0, "dbscan eps=%g minpts=%g: core rows equal sklearn's (%zu differ)",
                     fx_num(&f, k1), fx_num(&f, k2), bc);
        od_test_true(rc == 0 && bl == 0, "dbscan eps=%g minpts=%g: labels identical to sklearn's (%zu differ, %zu clusters)",
                     fx_num(&f, k1), fx_num(&f, k2), bl, ncl);
    }
    /* border row between two clusters: sklearn's first-cluster rule */
    {
        const fx_array *B = fx_get(&f, "B"), *L = fx_get(&f, "labelsB");
        long lb[16];
        od_dbscan_run(ctx, B->v, B->rows, 2, 2, 0.85, 4, lb, NULL, NULL, NULL);
        size_t bad = 0;
        for (size_t i = 0; i < B->rows; i++) bad += lb[i] != (long)L->v[i];
        od_test_true(bad == 0 && lb[3] == 0, "dbscan: a border row touching two clusters joins the first (%zu differ)",
                     bad);
        /* through the detector interface: score() reproduces the fit labels */
        long cl[16];
        double *s = fit_score("dbscan", "eps=0.85 minpts=4", B->v, B->rows, 2, 1, 1, cl);
        bad = 0;
        for (size_t i = 0; i < B->rows; i++) bad += cl[i] != (long)L->v[i];
        od_test_true(s && bad == 0, "dbscan: score() clusters equal sklearn's labels on the training rows");
        free(s);
    }
    /* continuous score against the reference computed from sklearn's core samples */
    {
        const fx_array *Q = fx_get(&f, "Q"), *W = fx_get(&f, "score0");
        void *st = NULL;
        od_ctx *c2 = od_ctx_new(1);
        int rc = fx_fit(c2, "dbscan", "eps=0.5 minpts=5", X->v, n, d, &st, NULL);
        double *s = malloc(Q->rows * sizeof *s);
        long *cl = malloc(Q->rows * sizeof *cl);
        od_data q = { Q->v, Q->rows, d, d };
        if (!rc) rc = od_detector_find("dbscan")->score(c2, st, &q, s, cl);
        double ea = 1, er = 1;
        if (!rc) fx_err(s, W->v, Q->rows, &ea, &er);
        od_test_true(!rc && er < 1e-12, "dbscan: score = reachability from the nearest core row (max rel err %.2g)", er);
        /* noise <=> score > eps, on the training rows */
        const fx_array *L0 = fx_get(&f, "labels0");
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) bad += (L0->v[i] < 0) != (s[i] > 0.5) || cl[i] != (long)L0->v[i];
        od_test_true(bad == 0, "dbscan: score > eps exactly for sklearn's noise rows, clusters equal (%zu differ)", bad);
        if (st) od_detector_find("dbscan")->free(st);
        free(s), free(cl);
        od_ctx_free(c2);
    }
    /* eps=auto: the knee is reported and gives a sensible noise share */
    {
        od_ctx *c2 = od_ctx_new(1);
        void *st = NULL;
        int rc = fx_fit(c2, "dbscan", "minpts=5", X->v, n, d, &st, NULL);
        od_out *o = od_out_buffer();
        if (!rc) od_detector_find("dbscan")->describe(st, o);
        double eps = 0;
        const char *p = strstr(od_out_str(o), "eps=");
        if (p) eps = atof(p + 4);
        od_test_true(!rc && strstr(od_out_str(o), "auto") && eps > 0.1 && eps < 2,
                     "dbscan eps=auto: knee eps=%g reported by describe", eps);
        double want;
        od_dbscan_auto_eps(c2, X->v, n, d, d, 5, &want);
        od_test_rel(eps, want, 1e-5, "dbscan eps=auto: describe shows the knee");
        od_out_free(o);
        if (st) od_detector_find("dbscan")->free(st);
        od_ctx_free(c2);
    }
    /* row order: permuting rows keeps core flags and the partition */
    {
        double *P = malloc(n * d * sizeof *P);
        long *lp = malloc(n * sizeof *lp), *lo = malloc(n * sizeof *lo);
        for (size_t i = 0; i < n; i++) memcpy(P + i * d, X->v + ((i * 101) % n) * d, d * sizeof *P);
        od_dbscan_run(ctx, X->v, n, d, d, 0.5, 5, lab, core, NULL, NULL);
        unsigned char *cp = malloc(n);
        od_dbscan_run(ctx, P, n, d, d, 0.5, 5, lp, cp, NULL, NULL);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) {
            lo[i] = lab[(i * 101) % n];
            bad += cp[i] != core[(i * 101) % n];
        }
        /* border rows may switch cluster with the order (as in sklearn); core rows may not */
        for (size_t i = 0; i < n; i++)
            if (!cp[i]) lo[i] = lp[i] = lo[i] < 0 ? -1 : 0;
        od_test_true(bad == 0, "dbscan: row order does not change the core rows");
        free(P), free(lp), free(lo), free(cp);
    }
    /* scaling x3 with eps x3: same labels, scores x3 */
    {
        double *S = malloc(n * d * sizeof *S);
        for (size_t i = 0; i < n * d; i++) S[i] = 3 * X->v[i];
        long *c1 = malloc(n * sizeof *c1), *c2 = malloc(n * sizeof *c2);
        double *a = fit_score("dbscan", "eps=0.5 minpts=5", X->v, n, d, 1, 1, c1);
        double *b = fit_score("dbscan", "eps=1.5 minpts=5", S, n, d, 1, 1, c2);
        double e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs(b[i] - 3 * a[i]) / (3 * a[i]));
        od_test_true(!memcmp(c1, c2, n * sizeof *c1) && e < 1e-12, "dbscan: x3 data with x3 eps: same clusters, x3 scores");
        free(S), free(c1), free(c2), free(a), free(b);
    }
    /* minpts=1: every row is core; duplicates */
    {
        double D[20] = { 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 5, 9, 9, 0, 0, 9, 9 };
        long l[10];
        unsigned char cr[10];
        size_t ncl;
        od_dbscan_run(ctx, D, 10, 2, 2, 0.1, 1, l, cr, NULL, &ncl);
        od_test_true(ncl == 3 && l[0] == 0 && l[4] == 1 && l[7] == 2 && l[8] == 0 && cr[9],
                     "dbscan minpts=1: duplicates form 3 clusters, all rows core");
        od_dbscan_run(ctx, D, 10, 2, 2, 0.1, 6, l, cr, NULL, &ncl);
        od_test_true(ncl == 0 && l[0] == -1, "dbscan minpts=6 > largest group: all noise");
    }
    check_error("dbscan", "eps=0", X->v, n, d, OD_EINVAL, "eps");
    check_error("dbscan", "eps=0.5", X->v, 0, d, OD_EDATA, "empty");
    check_error("dbscan", "eps=0.5 minpts=0", X->v, n, d, OD_EINVAL, "minpts");
    check_save_load("dbscan", "eps=0.5 minpts=5", X->v, n, d);
    double *B = rand_blobs(17, 10000, 4, 5, 6);
    check_threads("dbscan", "minpts=10", B, 10000, 4);
    free(B);
    free(lab), free(core);
    od_ctx_free(ctx);
    fx_free(&f);
}

/* --------------------------------------------------------------------- KDE */

static void test_kde(void)
{
    fx_file f;
    if (fx_load(&f, "tests/fixtures/cluster/kde.txt")) {
        od_test_skip("kde fixture missing");
        return;
    }
    const fx_array *X = fx_get(&f, "X"), *Q = fx_get(&f, "Q");
    size_t n = X->rows, d = X->cols, m = Q->rows;
    od_ctx *ctx = od_ctx_new(1);
    od_kdtree *t = od_kdtree_new(ctx, X->v, n, d, d, 32);
    double *ld = malloc(m * sizeof *ld);
    for (int c = 0; c < 3; c++) {
        char k1[16], k2[16];
        snprintf(k1, sizeof k1, "h%d", c);
        snprintf(k2, sizeof k2, "ld%d", c);
        double h = fx_num(&f, k1);
        od_kde_logdens(ctx, t, h, 0, 0, Q->v, m, d, ld);
        double ea, er;
        /* sklearn on the 20 training rows; brute-force log-sum-exp everywhere */
        fx_err(ld, fx_get(&f, k2)->v, 20, &ea, &er);
        od_test_true(er < 1e-12, "kde h=%g rtol=0: equals sklearn score_samples near the data (max rel err %.2g)", h, er);
        snprintf(k2, sizeof k2, "lse%d", c);
        fx_err(ld, fx_get(&f, k2)->v, m, &ea, &er);
        od_test_true(er < 1e-12, "kde h=%g rtol=0: equals brute-force log-sum-exp at all %zu points (max rel err %.2g)",
                     h, m, er);
        /* with rtol the log density is within log(1+rtol) */
        for (int r = 0; r < 2; r++) {
            double rt = r ? 1e-2 : 1e-6;
            od_kde_logdens(ctx, t, h, rt, 0, Q->v, m, d, ld);
            fx_err(ld, fx_get(&f, k2)->v, m, &ea, &er);
            od_test_true(ea <= log1p(rt) + 1e-12, "kde h=%g rtol=%g: |log p error| %.2g <= log(1+rtol)", h, rt, ea);
        }
        /* atol: absolute density error */
        od_kde_logdens(ctx, t, h, 0, 1e-4, Q->v, m, d, ld);
        double ed = 0;
        const fx_array *W = fx_get(&f, k2);
        for (size_t i = 0; i < m; i++) ed = fmax(ed, fabs(exp(ld[i]) - exp(W->v[i])));
        od_test_true(ed <= 1e-4, "kde h=%g atol=1e-4: density error %.2g", h, ed);
    }
    od_kdtree_free(t);
    /* bandwidth rules on z-scored data equal sklearn 1.2's scott/silverman */
    {
        const fx_array *Z = fx_get(&f, "Z");
        const char *bw[2] = { "scott", "silverman" };
        for (int b = 0; b < 2; b++) {
            char opts[64], key[32];
            snprintf(opts, sizeof opts, "bandwidth=%s rtol=0", bw[b]);
            double *s = fit_score("kde", opts, Z->v, n, d, 2, 1, NULL);
            snprintf(key, sizeof key, "ldz_%s", bw[b]);
            const fx_array *W = fx_get(&f, key);
            double e = 0;
            for (size_t i = 0; i < W->rows; i++) e = fmax(e, fabs(-s[i] - W->v[i]) / fabs(W->v[i]));
            od_test_true(e < 1e-10, "kde bandwidth=%s on z-scored data equals sklearn's (max rel err %.2g)", bw[b], e);
            free(s);
        }
        check_describe("kde", "bandwidth=scott", Z->v, n, d, "bandwidth=scott: h = 0.42339");
    }
    /* a far query point: finite score (log-sum-exp, no underflow to -inf) */
    {
        double *s = fit_score("kde", "bandwidth=0.3", X->v, n, d, 1, 1, NULL);
        od_data q = { Q->v + (m - 1) * d, 1, d, d };
        od_ctx *c2 = od_ctx_new(1);
        void *st = NULL;
        fx_fit(c2, "kde", "bandwidth=0.3", X->v, n, d, &st, NULL);
        double sf;
        od_detector_find("kde")->score(c2, st, &q, &sf, NULL);
        od_test_true(isfinite(sf) && sf > 1e4, "kde: a point 60 sd away gets a finite score %.6g", sf);
        od_detector_find("kde")->free(st);
        od_ctx_free(c2);
        free(s);
    }
    /* row order of the training data does not change the scores beyond rounding */
    {
        double *P = malloc(n * d * sizeof *P);
        for (size_t i = 0; i < n; i++) memcpy(P + i * d, X->v + ((i * 13) % n) * d, d * sizeof *P);
        double *a = fit_score("kde", "bandwidth=1 rtol=0", X->v, n, d, 1, 1, NULL);
        double *b = fit_score("kde", "bandwidth=1 rtol=0", P, n, d, 1, 1, NULL);
        double e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs(a[(i * 13) % n] - b[i]));
        od_test_true(e < 1e-12, "kde: permuted training rows give the same scores (err %.2g)", e);
        free(P), free(a), free(b);
    }
    check_error("kde", "bandwidth=0", X->v, n, d, OD_EINVAL, "bandwidth");
    check_error("kde", "", X->v, 0, d, OD_EDATA, "empty");
    check_save_load("kde", "bandwidth=scott", X->v, n, d);
    double *B = rand_blobs(19, 8000, 4, 5, 6);
    check_threads("kde", "bandwidth=scott", B, 8000, 4);
    free(B);
    free(ld);
    od_ctx_free(ctx);
    fx_free(&f);
}

/* ------------------------------------------------------------ Gaussian/MCD */

static void test_gauss(void)
{
    fx_file f;
    if (fx_load(&f, "tests/fixtures/cluster/gauss.txt")) {
        od_test_skip("gauss fixture missing");
        return;
    }
    od_ctx *ctx = od_ctx_new(1);
    const char *tags[3] = { "s", "m", "l" };
    for (int c = 0; c < 3; c++) {
        char k[32];
        snprintf(k, sizeof k, "X%s", tags[c]);
        const fx_array *X = fx_get(&f, k);
        size_t n = X->rows, d = X->cols;
        od_mcd_result r;
        int rc = od_mcd_fit(ctx, X->v, n, d, d, NAN, &r);
        if (rc) {
            od_test_true(0, "mcd n=%zu: %s", n, od_ctx_errmsg(ctx));
            continue;
        }
        /* MCD is randomised: the h-subset inside the inliers is a local optimum,
         * so the estimates agree closely (outliers excluded) but not bit for bit */
        double ea, er, e1, e2;
        snprintf(k, sizeof k, "loc%s", tags[c]);
        fx_err(r.location, fx_get(&f, k)->v, d, &ea, &er);
        e1 = ea;
        snprintf(k, sizeof k, "cov%s", tags[c]);
        fx_err(r.cov, fx_get(&f, k)->v, d * d, &ea, &er);
        e2 = ea;
        od_test_true(e1 < 0.02 && e2 < 0.02, "mcd n=%zu: reweighted location and covariance agree with sklearn "
                     "MinCovDet (max err %.2g, %.2g)", n, e1, e2);
        printf("# mcd n=%zu: location max err %.3g, covariance max err %.3g\n", n, e1, e2);
        snprintf(k, sizeof k, "nsup%s", tags[c]);
        double ns = fx_num(&f, k);
        od_test_true(fabs((double)r.n_support - ns) <= 0.005 * (double)n && r.n_support <= n - n / 10,
                     "mcd n=%zu: %zu rows kept by reweighting (sklearn %.0f), at most the %zu inliers", n,
                     r.n_support, ns, n - n / 10);
        snprintf(k, sizeof k, "rawcov%s", tags[c]);
        /* the raw MCD objective: our determinant is not larger than sklearn's */
        double *Lw = malloc(d * d * sizeof *Lw);
        memcpy(Lw, fx_get(&f, k)->v, d * d * sizeof *Lw);
        od_cl_cholesky(Lw, d);
        double skdet = 0;
        for (size_t j = 0; j < d; j++) skdet += 2 * log(Lw[j * d + j]);
        od_test_true(r.raw_logdet <= skdet + 1e-3, "mcd n=%zu: raw log det (the MCD objective) %.9g vs sklearn's %.9g",
                     n, r.raw_logdet, skdet);
        free(Lw);
        /* detector score = -log pdf under the robust estimate */
        snprintf(k, sizeof k, "nlp%s", tags[c]);
        const fx_array *W = fx_get(&f, k);
        double *s = fit_score("gauss", "robust=yes", X->v, n, d, 2, 1, NULL);
        fx_err(s, W->v, W->rows, &ea, &er);
        od_test_true(er < (e1 + e2 > 1e-12 ? 1e-2 : 1e-10), "gauss robust=yes n=%zu: -log pdf matches (max rel err %.2g)",
                     n, er);
        free(s);
        od_mcd_result_done(&r);
    }
    {
        const fx_array *X = fx_get(&f, "Xs"), *W = fx_get(&f, "nlp_emp");
        double *s = fit_score("gauss", "", X->v, X->rows, 3, 1, 1, NULL);
        double ea, er;
        fx_err(s, W->v, W->rows, &ea, &er);
        od_test_true(er < 1e-12, "gauss robust=no: -log pdf equals scipy's (max rel err %.2g)", er);
        free(s);
        /* scaling x10: scores shift by d log 10 */
        double *S = malloc(X->rows * 3 * sizeof *S);
        for (size_t i = 0; i < X->rows * 3; i++) S[i] = 10 * X->v[i];
        double *a = fit_score("gauss", "robust=yes", X->v, X->rows, 3, 1, 5, NULL);
        double *b = fit_score("gauss", "robust=yes", S, X->rows, 3, 1, 5, NULL);
        double e = 0;
        for (size_t i = 0; i < X->rows; i++) e = fmax(e, fabs(b[i] - a[i] - 3 * log(10.0)));
        od_test_true(e < 1e-9, "gauss robust=yes: x10 data adds d log 10 to every score (err %.2g)", e);
        free(S), free(a), free(b);
        check_save_load("gauss", "robust=yes", X->v, X->rows, 3);
        check_describe("gauss", "robust=yes", X->v, X->rows, 3, "MCD support h=152");
        check_threads("gauss", "robust=yes", X->v, X->rows, 3);
    }
    {
        /* fewer rows than columns (30 x 40): as sklearn's MinCovDet, support =
         * all rows, reweighting keeps them all, pinvh distances; with a warning */
        const fx_array *X = fx_get(&f, "Xw"), *L = fx_get(&f, "locw"), *C = fx_get(&f, "covw");
        const fx_array *Q = fx_get(&f, "Qw"), *W = fx_get(&f, "mahaw");
        size_t n = X->rows, d = X->cols;
        od_ctx *wc = od_ctx_new(3);
        od_mcd_result r;
        int rc = od_mcd_fit(wc, X->v, n, d, d, NAN, &r);
        double e1 = 0, e2 = 0;
        for (size_t j = 0; !rc && j < d; j++) e1 = fmax(e1, fabs(r.location[j] - L->v[j]));
        for (size_t j = 0; !rc && j < d * d; j++) e2 = fmax(e2, fabs(r.cov[j] - C->v[j]));
        od_test_true(!rc && e1 < 1e-12 && e2 < 1e-12 && r.n_support == (size_t)fx_num(&f, "nsupw") && r.h == n,
                     "mcd n<d: location and covariance equal sklearn MinCovDet's (err %.2g, %.2g), %zu rows kept", e1,
                     e2, rc ? 0 : r.n_support);
        od_test_true(!rc && od_ctx_nwarnings(wc) == 1 && strstr(od_ctx_warning(wc, 0), "no more rows than columns"),
                     "mcd n<d: one warning saying so");
        if (!rc) od_mcd_result_done(&r);
        od_ctx_free(wc);
        od_ctx *c2 = od_ctx_new(1);
        void *st = NULL;
        rc = fx_fit(c2, "gauss", "robust=yes", X->v, n, d, &st, NULL);
        double *sc = malloc(Q->rows * sizeof *sc);
        od_data q = { Q->v, Q->rows, Q->cols, Q->cols };
        if (!rc) rc = od_detector_find("gauss")->score(c2, st, &q, sc, NULL);
        double e = 0;
        for (size_t i = 1; !rc && i < Q->rows; i++)
            e = fmax(e, fabs(2 * (sc[i] - sc[0]) - (W->v[i] - W->v[0])) / W->v[i]);
        od_test_true(!rc && e < 1e-8, "gauss robust=yes n<d: distances equal sklearn MinCovDet.mahalanobis "
                     "(max rel err of differences %.2g)", e);
        if (st) od_detector_find("gauss")->free(st);
        free(sc);
        od_ctx_free(c2);
        check_threads("gauss", "robust=yes", X->v, n, d);
        check_save_load("gauss", "robust=yes", X->v, n, d);
    }
    {
        /* a column with one value on more than h rows: the MCD is an exact fit,
         * said before fitting (column 2, 150 of 200 rows) and after it (singular) */
        size_t n = 200;
        double *T = malloc(n * 2 * sizeof *T);
        for (size_t i = 0; i < n; i++) {
            T[i * 2] = sin(0.37 * (double)i) + 0.01 * (double)i;
            T[i * 2 + 1] = i < 150 ? 0 : cos(0.21 * (double)i);
        }
        od_ctx *wc = od_ctx_new(3);
        od_mcd_result r;
        int rc = od_mcd_fit(wc, T, n, 2, 2, NAN, &r);
        int tie = 0, degen = 0;
        for (size_t w = 0; w < od_ctx_nwarnings(wc); w++) {
            tie |= strstr(od_ctx_warning(wc, w), "column 2 takes one value on 150 of 200 rows") != NULL;
            degen |= strstr(od_ctx_warning(wc, w), "degenerate fit: 1 column is (first: column 2) constant") != NULL;
        }
        od_test_true(!rc && tie, "gauss robust=yes warns that a tied column holds more rows than the support");
        od_test_true(!rc && degen && r.raw_logdet == -INFINITY, "gauss robust=yes warns that the MCD is an exact fit");
        if (!rc) od_mcd_result_done(&r);
        /* the same data without ties: no warning */
        for (size_t i = 0; i < 150; i++) T[i * 2 + 1] = cos(0.21 * (double)i);
        od_ctx_clear_warnings(wc);
        rc = od_mcd_fit(wc, T, n, 2, 2, NAN, &r);
        od_test_true(!rc && od_ctx_nwarnings(wc) == 0 && isfinite(r.raw_logdet),
                     "gauss robust=yes: no warning on untied data (%zu warnings)", od_ctx_nwarnings(wc));
        if (!rc) od_mcd_result_done(&r);
        od_ctx_free(wc);
        free(T);
    }
    {
        /* near-singular support: column 3 = column 1 + column 2 up to 1e-9: a
         * one-line warning naming the column; with 1e-2 noise, none */
        size_t n = 200;
        double *T = malloc(n * 3 * sizeof *T);
        od_ctx *wc = od_ctx_new(3);
        for (int pass = 0; pass < 2; pass++) {
            double eps = pass ? 1e-2 : 1e-9;
            for (size_t i = 0; i < n; i++) {
                T[i * 3] = sin(0.37 * (double)i) + 0.01 * (double)i;
                T[i * 3 + 1] = cos(0.21 * (double)i * (double)i);
                T[i * 3 + 2] = T[i * 3] + T[i * 3 + 1] + eps * sin(1.7 * (double)i);
            }
            od_ctx_clear_warnings(wc);
            od_mcd_result r;
            int rc = od_mcd_fit(wc, T, n, 3, 3, NAN, &r);
            int near = 0;
            for (size_t w = 0; w < od_ctx_nwarnings(wc); w++)
                near |= strstr(od_ctx_warning(wc, w), "near-singular fit: on the MCD support of 102 rows column 3") != NULL;
            if (pass == 0)
                od_test_true(!rc && near && isfinite(r.raw_logdet), "gauss robust=yes warns of a near-singular MCD: %s",
                             od_ctx_nwarnings(wc) ? od_ctx_warning(wc, 0) : "no warning");
            else
                od_test_true(!rc && od_ctx_nwarnings(wc) == 0, "gauss robust=yes: no near-singular warning at 1e-2 "
                             "(%zu warnings)", od_ctx_nwarnings(wc));
            if (!rc) od_mcd_result_done(&r);
        }
        od_ctx_free(wc);
        free(T);
    }
    {
        const fx_array *X = fx_get(&f, "X1");
        od_mcd_result r;
        int rc = od_mcd_fit(ctx, X->v, X->rows, 1, 1, NAN, &r);
        od_test_true(!rc && fabs(r.location[0] - fx_num(&f, "loc1")) < 1e-12 &&
                     fabs(r.cov[0] - fx_num(&f, "cov1")) < 1e-12, "mcd 1-d: location and variance equal sklearn's");
        if (!rc) od_mcd_result_done(&r);
        const fx_array *L = fx_get(&f, "Xl");
        check_threads("gauss", "robust=yes", L->v, L->rows, 3);
    }
    /* a constant column: singular covariance regularised with a warning */
    {
        double D[60];
        for (int i = 0; i < 20; i++) {
            D[i * 3] = i;
            D[i * 3 + 1] = 1.5;
            D[i * 3 + 2] = (i * 7) % 5;
        }
        od_ctx *c2 = od_ctx_new(1);
        void *st = NULL;
        int rc = fx_fit(c2, "gauss", "", D, 20, 3, &st, NULL);
        double s[20];
        od_data dd = { D, 20, 3, 3 };
        int ok = !rc && od_detector_find("gauss")->score(c2, st, &dd, s, NULL) == 0;
        for (int i = 0; ok && i < 20; i++) ok = isfinite(s[i]);
        od_test_true(ok && od_ctx_nwarnings(c2) > 0, "gauss: constant column -> finite scores and a warning");
        if (st) od_detector_find("gauss")->free(st);
        od_ctx_free(c2);
    }
    /* singular covariance against sklearn's pinvh-based Mahalanobis distance:
     * score differences are half the squared-distance differences */
    {
        const fx_array *S = fx_get(&f, "Xsing"), *Q = fx_get(&f, "Qsing"), *W = fx_get(&f, "maha_sing");
        od_ctx *c2 = od_ctx_new(1);
        void *st = NULL;
        int rc = fx_fit(c2, "gauss", "", S->v, S->rows, S->cols, &st, NULL);
        double *sc = malloc(Q->rows * sizeof *sc);
        od_data q = { Q->v, Q->rows, Q->cols, Q->cols };
        if (!rc) rc = od_detector_find("gauss")->score(c2, st, &q, sc, NULL);
        double e = 0;
        for (size_t i = 1; !rc && i < Q->rows; i++)
            e = fmax(e, fabs(2 * (sc[i] - sc[0]) - (W->v[i] - W->v[0])) / W->v[i]);
        od_test_true(!rc && e < 1e-8 && od_ctx_nwarnings(c2) && strstr(od_ctx_warning(c2, 0), "2 of 5 directions"),
                     "gauss: singular covariance handled as sklearn's pinvh (max rel err %.2g): %s", e,
                     od_ctx_nwarnings(c2) ? od_ctx_warning(c2, 0) : "no warning");
        if (st) od_detector_find("gauss")->free(st);
        free(sc);
        od_ctx_free(c2);
        check_save_load("gauss", "", S->v, S->rows, S->cols);
    }
    check_error("gauss", "", NULL, 0, 3, OD_EDATA, "empty");
    od_ctx_free(ctx);
    fx_free(&f);
}

int main(void)
{
    test_hclust();
    test_hclust_ward_reference();
    test_dbscan();
    test_kde();
    test_gauss();
    return od_test_done();
}
