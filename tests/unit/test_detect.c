/* test_detect.c - the detectors of issue 15 (iforest, knn, lof, pca, hbos,
 * ecod) against scikit-learn / numpy fixtures (tests/fixtures/detect/
 * gen_detect.py), plus thread-count determinism, save/load, describe and
 * errors. */
#include "config.h"
#include "../od_test.h"
#include "test_cluster_fx.h"
#include "detect/nbr.h"
#include "detect/iforest.h"

/* fit on X (n x d) with opts, score Z (m x d); NULL on failure */
static double *fit_on(const char *det, const char *opts, const fx_array *X, const fx_array *Z, int threads,
                      unsigned long seed)
{
    od_ctx *ctx = od_ctx_new(seed);
    od_ctx_set_threads(ctx, threads);
    void *st = NULL;
    double *s = NULL;
    int rc = fx_fit(ctx, det, opts, X->v, X->rows, X->cols, &st, NULL);
    if (rc == OD_OK) {
        const od_detector_type *t = od_detector_find(det);
        s = malloc(Z->rows * sizeof *s);
        od_data data = { Z->v, Z->rows, Z->cols, Z->cols };
        if (t->score(ctx, st, &data, s, NULL) != OD_OK) {
            printf("# %s %s score: %s\n", det, opts, od_ctx_errmsg(ctx));
            free(s);
            s = NULL;
        }
        t->free(st);
    } else {
        printf("# %s %s: %s\n", det, opts, od_ctx_errmsg(ctx));
    }
    od_ctx_free(ctx);
    return s;
}

/* threads=1 and threads=2 give bit-identical scores */
static void same_threads(const char *det, const char *opts, const double *X, size_t n, size_t d)
{
    fx_array A = { "X", n, d, (double *)X };
    double *a = fit_on(det, opts, &A, &A, 1, 42), *b = fit_on(det, opts, &A, &A, 2, 42);
    od_test_true(a && b && !memcmp(a, b, n * sizeof *a), "%s %s: threads=1 and threads=2 give bit-identical scores",
                 det, opts);
    free(a), free(b);
}

/* scores equal the fixture array `want` to tol x max(1, |want|) */
static void expect(const char *det, const char *opts, const fx_file *f, const char *xname, const char *zname,
                   const char *want, double tol)
{
    const fx_array *X = fx_get(f, xname), *Z = fx_get(f, zname), *W = fx_get(f, want);
    if (!X || !Z || !W) {
        od_test_true(0, "%s %s: fixture arrays present", det, opts);
        return;
    }
    double *s = fit_on(det, opts, X, Z, 2, 1);
    double e = s ? 0 : INFINITY;
    size_t worst = 0;
    for (size_t i = 0; s && i < Z->rows; i++) {
        double r = fabs(s[i] - W->v[i]) / fmax(1.0, fabs(W->v[i]));
        if (!(r <= e)) e = r, worst = i;
    }
    od_test_true(e <= tol, "%s %s fit on %s, scores of %s = %s (max rel err %.2g at row %zu)", det, opts, xname,
                 zname, want, e, worst);
    free(s);
}

/* ------------------------------------------------------------ knn / lof */

static void test_neighbours(void)
{
    fx_file f;
    if (fx_load(&f, "tests/fixtures/detect/neighbours.txt")) {
        od_test_skip("neighbours fixture missing");
        return;
    }
    static const char *const sets[2] = { "A", "B" }, *const meth[3] = { "largest", "mean", "median" };
    static const int ks[3] = { 1, 5, 20 };
    static const char *const algos[2] = { "kdtree", "brute" };
    for (int a = 0; a < 2; a++)
        for (int si = 0; si < 2; si++)
            for (int ki = 0; ki < 3; ki++) {
                char X[8], Q[8], opts[96], want[64];
                snprintf(X, sizeof X, "X%s", sets[si]);
                snprintf(Q, sizeof Q, "Q%s", sets[si]);
                for (int m = 0; m < 3; m++) {
                    snprintf(opts, sizeof opts, "k=%d method=%s algorithm=%s", ks[ki], meth[m], algos[a]);
                    snprintf(want, sizeof want, "knn_%s_k%d_%s", meth[m], ks[ki], sets[si]);
                    expect("knn", opts, &f, X, X, want, 1e-10);
                    snprintf(want, sizeof want, "knnq_%s_k%d_%s", meth[m], ks[ki], sets[si]);
                    expect("knn", opts, &f, X, Q, want, 1e-10);
                }
                snprintf(opts, sizeof opts, "k=%d algorithm=%s", ks[ki], algos[a]);
                snprintf(want, sizeof want, "lof_k%d_%s", ks[ki], sets[si]);
                expect("lof", opts, &f, X, X, want, 1e-10);
                snprintf(want, sizeof want, "lofq_k%d_%s", ks[ki], sets[si]);
                expect("lof", opts, &f, X, Q, want, 1e-10);
            }
    /* the kd-tree and brute force give the same neighbour lists, ties included */
    const fx_array *B = fx_get(&f, "XB");
    od_ctx *ctx = od_ctx_new(1);
    od_nbr *t1 = od_nbr_new(ctx, B->v, B->rows, B->cols, B->cols, OD_NBR_KDTREE);
    od_nbr *t2 = od_nbr_new(ctx, B->v, B->rows, B->cols, B->cols, OD_NBR_BRUTE);
    size_t k = 20, n = B->rows;
    double *d1 = malloc(n * k * sizeof *d1), *d2 = malloc(n * k * sizeof *d2);
    size_t *i1 = malloc(n * k * sizeof *i1), *i2 = malloc(n * k * sizeof *i2);
    int ok = t1 && t2 && !od_nbr_query_train(ctx, t1, k, d1, i1) && !od_nbr_query_train(ctx, t2, k, d2, i2);
    od_test_true(ok && !memcmp(d1, d2, n * k * sizeof *d1) && !memcmp(i1, i2, n * k * sizeof *i1),
                 "kd-tree and brute force: identical neighbour lists on a grid full of ties");
    free(d1), free(d2), free(i1), free(i2);
    od_nbr_free(t1), od_nbr_free(t2);
    od_ctx_free(ctx);
    const fx_array *A = fx_get(&f, "XA");
    same_threads("knn", "k=5", A->v, A->rows, A->cols);
    same_threads("lof", "k=20", A->v, A->rows, A->cols);
    same_threads("knn", "k=5 algorithm=brute method=median", B->v, B->rows, B->cols);
    check_save_load("knn", "k=5 method=mean", A->v, A->rows, A->cols);
    check_save_load("lof", "k=20", A->v, A->rows, A->cols);
    check_describe("knn", "k=7", A->v, A->rows, A->cols, "k=7, method=largest");
    check_describe("lof", "k=20", A->v, A->rows, A->cols, "local outlier factor: k=20");
    /* a new row equal to a training row scores as that training row (itself left out) */
    {
        fx_array Q1 = { "Q1", 2, A->cols, NULL };
        double q[6] = { 0 };
        memcpy(q, A->v + 60 * A->cols, A->cols * sizeof *q);
        memcpy(q + A->cols, A->v + 3 * A->cols, A->cols * sizeof *q);
        Q1.v = q;
        double *s1 = fit_on("lof", "k=5", A, &Q1, 2, 1), *s2 = fit_on("lof", "k=5", A, A, 2, 1);
        double *s3 = fit_on("knn", "k=5", A, &Q1, 2, 1), *s4 = fit_on("knn", "k=5", A, A, 2, 1);
        od_test_true(s1 && s2 && s3 && s4 && s1[0] == s2[60] && s1[1] == s2[3] && s3[0] == s4[60] && s3[1] == s4[3],
                     "knn, lof: a new row equal to a training row gets that training row's score");
        free(s1), free(s2), free(s3), free(s4);
    }
    check_error("knn", "k=5", A->v, 5, A->cols, OD_EINVAL, "k=5 needs more than 5 training rows");
    check_error("lof", "k=5", A->v, 1, A->cols, OD_EDATA, "at least 2 training rows");
    /* lof with k >= rows uses rows - 1 (as scikit-learn), with a warning */
    ctx = od_ctx_new(1);
    void *st = NULL;
    int rc = fx_fit(ctx, "lof", "k=50", A->v, 30, A->cols, &st, NULL);
    od_test_true(rc == 0 && od_ctx_nwarnings(ctx) == 1 && strstr(od_ctx_warning(ctx, 0), "using k=29"),
                 "lof k=50 on 30 rows uses k=29 with a warning");
    if (st) od_detector_find("lof")->free(st);
    od_ctx_free(ctx);
    fx_free(&f);
}

/* ------------------------------------------------------------------ pca */

/* a 64-bit LCG's top 53 bits as a double in [0, 1): test data without libc's rand */
static double nbr_lcg(unsigned long long *st)
{
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*st >> 11) / 9007199254740992.0;
}

/* The kd-tree search (leaves cut into blocks with their own boxes, nodes
 * pruned by the k-th distance) against the brute-force scan on data big
 * enough for many leaves: integer grids full of ties and duplicate rows, and
 * Gaussian-like data in 8 columns; training rows and new rows (some equal to
 * training rows), k below and above a leaf's size, threads=1 and 2.  The lists must be identical bit for bit. */
static void test_nbr_tree_vs_brute(void)
{
    static const size_t ns[5] = { 3000, 5000, 4000, 4000, 3000 }, ds[5] = { 3, 8, 2, 8, 5 };
    /* cases 3 and 4 are for the single-precision filter of the leaf scan
     * (nbr.c): clusters far from the origin (1e8 and -1e15 with spreads of
     * 1e-3 and 1e3: float cannot tell their rows apart but for the leaf's
     * centre), below float's range (1e-35: subnormal or zero in float) and
     * beyond it (1e33: squares overflow), and new rows far from every leaf */
    static const double scale[4] = { 1e-35, 1e-3, 1e3, 1e33 }, shift[4] = { 0, 1e8, -1e15, 0 };
    unsigned long long st = 12345;
    for (int c = 0; c < 5; c++) {
        size_t n = ns[c], d = ds[c], m = 500;
        double *X = malloc(n * d * sizeof *X), *Q = malloc(m * d * sizeof *Q);
        for (size_t i = 0; i < n * d; i++) {
            if (c == 1) {   /* sums of uniforms: a bump, clusters at two centres */
                double u = nbr_lcg(&st) + nbr_lcg(&st) + nbr_lcg(&st) - 1.5;
                X[i] = u + ((i / d) % 2 ? 4 : 0);
            } else if (c >= 3) {   /* four clusters of very different magnitude */
                size_t g = (i / d) % 4;
                X[i] = shift[g] + scale[g] * (nbr_lcg(&st) + nbr_lcg(&st) - 1);
                if (c == 4 && i % 7 == 0) X[i] = shift[g] + scale[g] * (double)(int)(nbr_lcg(&st) * 3);   /* ties too */
            } else X[i] = (double)(int)(nbr_lcg(&st) * (c == 0 ? 8 : 20));   /* a grid: ties everywhere */
        }
        for (size_t i = 0; i < m; i++) {
            if (i % 3 == 0) memcpy(Q + i * d, X + ((i * 7919) % n) * d, d * sizeof *Q);
            else
                for (size_t j = 0; j < d; j++)
                    Q[i * d + j] = c == 1   ? 6 * nbr_lcg(&st) - 1
                                   : c >= 3 ? (i % 3 == 1 ? X[((i * 131) % n) * d + j] * (1 + 1e-9 * nbr_lcg(&st))
                                                          : (nbr_lcg(&st) - 0.5) * 1e36)
                                            : (double)(int)(nbr_lcg(&st) * 10) + 0.5 * (i % 2);
        }
        for (int nt = 1; nt <= 2; nt++) {
            od_ctx *ctx = od_ctx_new(1);
            od_ctx_set_threads(ctx, nt);
            od_nbr *t1 = od_nbr_new(ctx, X, n, d, d, OD_NBR_KDTREE), *t2 = od_nbr_new(ctx, X, n, d, d, OD_NBR_BRUTE);
            /* k=150: the list fills only after several leaves, empty lanes of
             * the last group of a leaf are met while it is not full */
            static const size_t ks[4] = { 1, 5, 20, 150 };
            for (int ki = 0; ki < 4; ki++) {
                size_t k = ks[ki], r = n > m ? n : m;
                double *d1 = malloc(r * k * sizeof *d1), *d2 = malloc(r * k * sizeof *d2);
                size_t *i1 = malloc(r * k * sizeof *i1), *i2 = malloc(r * k * sizeof *i2);
                int ok = t1 && t2 && !od_nbr_query_train(ctx, t1, k, d1, i1) && !od_nbr_query_train(ctx, t2, k, d2, i2);
                ok = ok && !memcmp(d1, d2, n * k * sizeof *d1) && !memcmp(i1, i2, n * k * sizeof *i1);
                int okq = t1 && t2 && !od_nbr_query(ctx, t1, Q, m, d, k, d1, i1) && !od_nbr_query(ctx, t2, Q, m, d, k, d2, i2);
                okq = okq && !memcmp(d1, d2, m * k * sizeof *d1) && !memcmp(i1, i2, m * k * sizeof *i1);
                od_test_true(ok && okq, "kd-tree = brute force, %s n=%zu d=%zu k=%zu threads=%d: training rows and new rows",
                             c == 1 ? "clusters" : c >= 3 ? "magnitudes 1e-35 to 1e33" : "grid with ties", n, d, k, nt);
                free(d1), free(d2), free(i1), free(i2);
            }
            od_nbr_free(t1), od_nbr_free(t2);
            od_ctx_free(ctx);
        }
        free(X), free(Q);
    }
}

/* The naive reference for brute force: every training row's od_cl_sqdist,
 * the k+1 smallest by (d2, row), one copy of the query (distance 0) left out,
 * as nbr.h states.  q: m query rows; dist, idx: m x k. */
static const double *nbr_ref_d2;   /* what qsort's comparison reads */
static int nbr_ref_cmp(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = nbr_ref_d2[i], y = nbr_ref_d2[j];
    return x < y ? -1 : x > y ? 1 : i < j ? -1 : i > j;
}

static void nbr_ref(const double *X, size_t n, size_t d, const double *q, size_t m, size_t k, double *dist,
                    size_t *idx)
{
    double *d2 = malloc(n * sizeof *d2);
    size_t *o = malloc(n * sizeof *o), K = k + 1 <= n ? k + 1 : n;
    for (size_t r = 0; r < m; r++) {
        for (size_t i = 0; i < n; i++) d2[i] = od_cl_sqdist(q + r * d, X + i * d, d), o[i] = i;
        nbr_ref_d2 = d2;
        qsort(o, n, sizeof *o, nbr_ref_cmp);
        size_t off = d2[o[0]] == 0;
        for (size_t j = 0; j < k; j++) {
            size_t s = j + off < K ? j + off : K - 1;
            dist[r * k + j] = sqrt(d2[o[s]]);
            idx[r * k + j] = o[s];
        }
    }
    free(d2), free(o);
}

/* The blocked brute-force scan (a dgemm filter, then exact distances: nbr.c)
 * against a naive scan, bit for bit: rows far from the mean next to their
 * near neighbours (two clusters at +-1e6 with spreads of 1e-3, where the
 * product form |q|^2 + |x|^2 - 2 q.x is off by far more than the
 * neighbours' distances), an integer grid full of ties and duplicates, and
 * values whose squares overflow (a query: its plain scan; a training row:
 * the plain scan for all); d about the vector widths,
 * n and m not multiples of the blocks (1024 training rows, 256 queries),
 * k = 1, 7 and n - 1; training rows and new rows, threads=1 and 2 (the
 * latter on a saved and loaded copy). */
static void test_nbr_brute_exact(void)
{
    static const size_t ds[4] = { 16, 17, 32, 33 };
    unsigned long long st = 777;
    for (int c = 0; c < 4; c++)
        for (int di = 0; di < 4; di++) {
            size_t n = 1300 + 7 * (size_t)di, d = ds[di], m = 301;
            if (c >= 2 && di > 0) continue;   /* one size is enough for the overflow cases */
            double *X = malloc(n * d * sizeof *X), *Q = malloc(m * d * sizeof *Q);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < d; j++) {
                    double *x = X + i * d + j;
                    if (c == 0) *x = (i % 3 == 0 ? -1e6 : 1e6 + (i % 3 == 2)) + 1e-3 * nbr_lcg(&st);
                    else *x = (double)(int)(nbr_lcg(&st) * 3) + (c == 3 && i == 5 && j == 1 ? 1e160 : 0);
                }
            for (size_t r = 0; r < m; r++)
                for (size_t j = 0; j < d; j++) {
                    const double *x = X + ((r * 7919) % n) * d;
                    if (r % 3 == 0) Q[r * d + j] = x[j];   /* a training row */
                    else if (c == 0) Q[r * d + j] = x[j] + 1e-3 * (nbr_lcg(&st) - 0.5);
                    else Q[r * d + j] = (double)(int)(nbr_lcg(&st) * 4) - 0.5 * (r % 2) + (c == 2 && r == 4 ? 1e200 : 0);
                }
            const size_t ks[3] = { 1, 7, n - 1 };
            for (int ki = 0; ki < 3; ki++) {
                size_t k = ks[ki];
                double *rt = malloc(n * k * sizeof *rt), *rq = malloc(m * k * sizeof *rq);
                size_t *it = malloc(n * k * sizeof *it), *iq = malloc(m * k * sizeof *iq);
                nbr_ref(X, n, d, X, n, k, rt, it);
                nbr_ref(X, n, d, Q, m, k, rq, iq);
                for (int nt = 1; nt <= 2; nt++) {
                    od_ctx *ctx = od_ctx_new(1);
                    od_ctx_set_threads(ctx, nt);
                    od_nbr *b = od_nbr_new(ctx, X, n, d, d, OD_NBR_BRUTE);
                    if (nt == 2 && b) {   /* a model file's copy must rebuild the centred rows */
                        FILE *fp = tmpfile();
                        od_nbr *b2 = NULL;
                        if (fp && !od_nbr_save(ctx, fp, "knn", b) && !fseek(fp, 0, SEEK_SET)) od_nbr_load(ctx, fp, "knn", &b2);
                        if (fp) fclose(fp);
                        od_nbr_free(b);
                        b = b2;
                    }
                    double *dd = malloc(n * k * sizeof *dd);
                    size_t *ii = malloc(n * k * sizeof *ii);
                    int ok = b && !od_nbr_query_train(ctx, b, k, dd, ii) && !memcmp(dd, rt, n * k * sizeof *dd) &&
                             !memcmp(ii, it, n * k * sizeof *ii);
                    int okq = b && !od_nbr_query(ctx, b, Q, m, d, k, dd, ii) && !memcmp(dd, rq, m * k * sizeof *dd) &&
                              !memcmp(ii, iq, m * k * sizeof *ii);
                    od_test_true(ok && okq, "brute force = naive scan, %s n=%zu d=%zu k=%zu threads=%d%s: training rows and new rows",
                                 c == 0 ? "clusters at +-1e6" : c == 1 ? "grid with ties" : c == 2 ? "a query's squares overflow" : "a row's squares overflow", n, d, k, nt,
                                 nt == 2 ? " (saved and loaded)" : "");
                    free(dd), free(ii);
                    od_nbr_free(b);
                    od_ctx_free(ctx);
                }
                free(rt), free(rq), free(it), free(iq);
            }
            free(X), free(Q);
        }
}

static void test_pca(void)
{
    fx_file f;
    if (fx_load(&f, "tests/fixtures/detect/pca.txt")) {
        od_test_skip("pca fixture missing");
        return;
    }
    static const int ks[3] = { 1, 2, 4 };
    char opts[64], want[64];
    for (int i = 0; i < 3; i++) {
        snprintf(opts, sizeof opts, "k=%d", ks[i]);
        snprintf(want, sizeof want, "recon_k%d", ks[i]);
        expect("pca", opts, &f, "X", "X", want, 1e-10);
        snprintf(want, sizeof want, "reconq_k%d", ks[i]);
        expect("pca", opts, &f, "X", "Q", want, 1e-10);
    }
    int ak = (int)fx_num(&f, "auto_k");
    snprintf(want, sizeof want, "recon_k%d", ak);
    od_test_true(ak == 1 || ak == 2 || ak == 4, "pca fixture: auto k=%d is one of the tabulated k", ak);
    expect("pca", "variance=0.9", &f, "X", "X", want, 1e-10);
    expect("pca", "score=weighted", &f, "S", "S", "weighted_k0", 1e-10);
    expect("pca", "score=weighted", &f, "S", "SQ", "weightedq_k0", 1e-10);
    expect("pca", "score=weighted k=2", &f, "S", "S", "weighted_k2", 1e-10);
    expect("pca", "score=weighted k=2", &f, "S", "SQ", "weightedq_k2", 1e-10);
    const fx_array *X = fx_get(&f, "X");
    same_threads("pca", "k=2", X->v, X->rows, X->cols);
    check_save_load("pca", "k=2", X->v, X->rows, X->cols);
    check_save_load("pca", "score=weighted", X->v, X->rows, X->cols);
    check_describe("pca", "k=2", X->v, X->rows, X->cols, "2 of 5 components");
    check_error("pca", "k=5", X->v, X->rows, X->cols, OD_EINVAL, "leaves no residual");
    check_error("pca", "k=9", X->v, X->rows, X->cols, OD_EINVAL, "exceeds the 5 components");
    fx_free(&f);
}

/* ----------------------------------------------------------------- hbos */

static void test_hbos(void)
{
    fx_file f;
    if (fx_load(&f, "tests/fixtures/detect/hbos.txt")) {
        od_test_skip("hbos fixture missing");
        return;
    }
    expect("hbos", "", &f, "X", "X", "static_b10", 1e-10);
    expect("hbos", "bins=10 mode=static", &f, "X", "Q", "staticq_b10", 1e-10);
    expect("hbos", "bins=7 alpha=0.5 tol=0.2", &f, "X", "X", "static_b7_a0.5_t0.2", 1e-10);
    expect("hbos", "bins=auto", &f, "X", "X", "static_auto", 1e-10);
    expect("hbos", "mode=dynamic", &f, "X", "X", "dynamic_b10", 1e-10);
    expect("hbos", "mode=dynamic", &f, "X", "Q", "dynamicq_b10", 1e-10);
    expect("hbos", "mode=dynamic bins=25", &f, "X", "X", "dynamic_b25", 1e-10);
    const fx_array *X = fx_get(&f, "X");
    same_threads("hbos", "bins=auto", X->v, X->rows, X->cols);
    check_save_load("hbos", "", X->v, X->rows, X->cols);
    check_save_load("hbos", "mode=dynamic", X->v, X->rows, X->cols);
    check_describe("hbos", "mode=dynamic", X->v, X->rows, X->cols, "dynamic bins");
    fx_free(&f);
}

/* ----------------------------------------------------------------- ecod */

static void test_ecod(void)
{
    fx_file f;
    if (fx_load(&f, "tests/fixtures/detect/ecod.txt")) {
        od_test_skip("ecod fixture missing");
        return;
    }
    expect("ecod", "", &f, "X", "X", "train", 1e-10);
    expect("ecod", "", &f, "X", "Q", "new", 1e-10);
    const fx_array *X = fx_get(&f, "X");
    same_threads("ecod", "", X->v, X->rows, X->cols);
    check_save_load("ecod", "", X->v, X->rows, X->cols);
    check_describe("ecod", "", X->v, X->rows, X->cols, "right tail");
    /* a constant column: both tails, a warning, finite scores */
    double C[40];
    for (int i = 0; i < 20; i++) C[2 * i] = i * 0.5, C[2 * i + 1] = 3;
    od_ctx *ctx = od_ctx_new(1);
    void *st = NULL;
    int rc = fx_fit(ctx, "ecod", "", C, 20, 2, &st, NULL);
    double s[20];
    od_data data = { C, 20, 2, 2 };
    int ok = rc == 0 && od_detector_find("ecod")->score(ctx, st, &data, s, NULL) == 0;
    for (int i = 0; ok && i < 20; i++) ok = isfinite(s[i]);
    od_test_true(ok && od_ctx_nwarnings(ctx) == 1, "ecod: a constant column gives finite scores and a warning");
    if (st) od_detector_find("ecod")->free(st);
    od_ctx_free(ctx);
    fx_free(&f);
}

/* -------------------------------------------------------------- iforest */

static double auc(const double *s, const double *y, size_t n)
{
    double num = 0, P = 0, N = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 1) continue;
        P++;
        for (size_t j = 0; j < n; j++)
            if (y[j] == 0) num += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
    }
    for (size_t j = 0; j < n; j++) N += y[j] == 0;
    return num / (P * N);
}

static void test_iforest(void)
{
    fx_file f;
    if (fx_load(&f, "tests/fixtures/detect/iforest.txt")) {
        od_test_skip("iforest fixture missing");
        return;
    }
    const fx_array *cn = fx_get(&f, "c_n"), *cv = fx_get(&f, "c");
    double e = 0;
    for (size_t i = 0; i < cn->rows; i++) e = fmax(e, fabs(od_iforest_c(cn->v[i]) - cv->v[i]) / fmax(1, cv->v[i]));
    od_test_true(e <= 1e-15, "iforest c(n) = scikit-learn's _average_path_length (max rel err %.2g)", e);
    const fx_array *X = fx_get(&f, "X"), *y = fx_get(&f, "y");
    double mean = 0, lo = 1, want = fx_num(&f, "auc_mean");
    for (int seed = 0; seed < 10; seed++) {
        double *s = fit_on("iforest", "", X, X, 2, (unsigned long)seed);
        double a = s ? auc(s, y->v, X->rows) : 0;
        mean += a / 10;
        lo = fmin(lo, a);
        free(s);
    }
    od_test_true(fabs(mean - want) <= 0.01, "iforest: mean ROC-AUC over 10 seeds %.4f, scikit-learn's %.4f (lowest %.4f)",
                 mean, want, lo);
    /* the score formula on trees whose paths are known */
    double C[64];
    for (int i = 0; i < 64; i++) C[i] = 2.5;
    fx_array Cx = { "C", 32, 2, C };
    double *s = fit_on("iforest", "samples=16 trees=10", &Cx, &Cx, 1, 3);
    int ok = s != NULL;
    for (int i = 0; ok && i < 32; i++) ok = fabs(s[i] - 0.5) <= 1e-15;   /* root is a leaf of 16: h = c(16) */
    od_test_true(ok, "iforest: identical rows all score 2^(-c(16)/c(16)) = 0.5");
    free(s);
    double T[2] = { 0, 1 };
    fx_array Tx = { "T", 2, 1, T };
    double Qv[3] = { -5, 0.5, 7 };
    fx_array Qx = { "Q", 3, 1, Qv };
    s = fit_on("iforest", "trees=7", &Tx, &Qx, 2, 5);
    od_test_true(s && s[0] == 0.5 && s[1] == 0.5 && s[2] == 0.5,
                 "iforest: two rows, every path has length 1 = c(2): scores 0.5");
    free(s);
    same_threads("iforest", "trees=50", X->v, X->rows, X->cols);
    same_threads("iforest", "trees=30 samples=64 max_features=0.5", X->v, X->rows, X->cols);
    check_save_load("iforest", "trees=20", X->v, X->rows, X->cols);
    check_describe("iforest", "trees=20 samples=100", X->v, X->rows, X->cols, "20 trees on 100 of 500 rows");
    /* different seeds differ; the same seed repeats */
    double *a = fit_on("iforest", "", X, X, 1, 11), *b = fit_on("iforest", "", X, X, 2, 11), *c = fit_on("iforest", "", X, X, 1, 12);
    od_test_true(a && b && c && !memcmp(a, b, X->rows * sizeof *a) && memcmp(a, c, X->rows * sizeof *a),
                 "iforest: same seed -> same scores, another seed -> other scores");
    free(a), free(b), free(c);
    fx_free(&f);
}

int main(void)
{
    (void)fx_err;   /* shared header helper this program does not need */
    test_neighbours();
    test_nbr_tree_vs_brute();
    test_nbr_brute_exact();
    test_pca();
    test_hbos();
    test_ecod();
    test_iforest();
    return od_test_done();
}
