/* test_cluster.c - k-means, GMM and Gaussian/MCD detectors against
 * scikit-learn fixtures (tests/fixtures/cluster/gen_cluster.py), plus
 * properties: thread-count determinism, row order, scaling, duplicates,
 * errors, save/load. */
#include "config.h"
#include "../od_test.h"
#include "test_cluster_fx.h"
#include "detect/cl_cluster.h"


/* ----------------------------------------------------------------- k-means */

static void test_kmeans(void)
{
    fx_file f;
    if (fx_load(&f, "tests/fixtures/cluster/kmeans.txt")) {
        od_test_skip("kmeans fixture missing");
        return;
    }
    const fx_array *X = fx_get(&f, "X");
    size_t n = X->rows, d = X->cols, k = 4;
    od_ctx *ctx = od_ctx_new(1);
    double C[64], in;
    long *lab = malloc(n * sizeof *lab);
    int it, conv;
    const char *cases[3][6] = { { "init1", "labels1", "centers1", "inertia1", "niter1", "300" },
                                { "init2", "labels2", "centers2", "inertia2", "niter2", "300" },
                                { "init1", "labels3", "centers3", "inertia3", "niter3", "2" } };
    const int algos[2] = { OD_KM_LLOYD, OD_KM_HAMERLY };
    const char *anames[2] = { "lloyd", "hamerly" };
    for (int ca = 0; ca < 6; ca++) {
        int c = ca % 3, al = ca / 3;
        int rc = od_kmeans_run_algo(ctx, X->v, n, d, d, k, fx_get(&f, cases[c][0])->v, atoi(cases[c][5]), 1e-4,
                                    algos[al], C, lab, &in, &it, &conv);
        const fx_array *wl = fx_get(&f, cases[c][1]);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) bad += lab[i] != (long)wl->v[i];
        double ea, er;
        fx_err(C, fx_get(&f, cases[c][2])->v, k * d, &ea, &er);
        od_test_true(rc == 0 && bad == 0, "kmeans %s case %d: labels equal sklearn's (%zu differ)", anames[al], c + 1, bad);
        od_test_true(er < 1e-12, "kmeans %s case %d: centroids max rel err %.3g", anames[al], c + 1, er);
        od_test_rel(in, fx_num(&f, cases[c][3]), 1e-12, "kmeans %s case %d: inertia", anames[al], c + 1);
        od_test_int(it, (long long)fx_num(&f, cases[c][4]), "kmeans %s case %d: n_iter", anames[al], c + 1);
    }
    /* row order: permuting the rows permutes the labels and keeps the centroids */
    {
        double *P = malloc(n * d * sizeof *P);
        long *lp = malloc(n * sizeof *lp);
        for (size_t i = 0; i < n; i++) memcpy(P + i * d, X->v + ((i * 7919) % n) * d, d * sizeof *P);
        double C2[64], in2;
        od_kmeans_run(ctx, X->v, n, d, d, k, fx_get(&f, "init1")->v, 300, 1e-4, C, lab, &in, &it, &conv);
        od_kmeans_run(ctx, P, n, d, d, k, fx_get(&f, "init1")->v, 300, 1e-4, C2, lp, &in2, &it, &conv);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) bad += lp[i] != lab[(i * 7919) % n];
        double ea, er;
        fx_err(C2, C, k * d, &ea, &er);
        od_test_true(bad == 0 && er < 1e-12 && fabs(in2 - in) < 1e-9 * in,
                     "kmeans: row order invariance (labels %zu differ, centroid rel err %.2g)", bad, er);
        free(P), free(lp);
    }
    /* k-means++ with 10 runs reaches the best of 20 sklearn k-means++ runs */
    {
        double *s = fit_score("kmeans", "k=4 n_init=10", X->v, n, d, 2, 5, NULL);
        double inert = 0;
        for (size_t i = 0; i < n; i++) inert += s[i] * s[i];
        od_test_true(inert <= fx_num(&f, "best_inertia") * (1 + 1e-9),
                     "kmeans k-means++ x10: inertia %.10g <= sklearn best-of-20 %.10g", inert,
                     fx_num(&f, "best_inertia"));
        free(s);
    }
    /* CBLOF against a PyOD-style computation */
    {
        const fx_array *Q = fx_get(&f, "Q6"), *want = fx_get(&f, "cblof6");
        od_ctx *c2 = od_ctx_new(1);
        void *st = NULL;
        int rc = fx_fit(c2, "kmeans", "k=6 init=first score=cblof", X->v, n, d, &st, NULL);
        double *sc = malloc(Q->rows * sizeof *sc);
        od_data q = { Q->v, Q->rows, d, d };
        if (!rc) rc = od_detector_find("kmeans")->score(c2, st, &q, sc, NULL);
        double ea = 1, er = 1;
        if (!rc) fx_err(sc, want->v, Q->rows, &ea, &er);
        od_test_true(!rc && er < 1e-10, "kmeans cblof: scores match PyOD's rule, max rel err %.3g", er);
        od_out *o = od_out_buffer();
        if (!rc) od_detector_find("kmeans")->describe(st, o);
        size_t nl = 0;
        for (const char *s = od_out_str(o); (s = strstr(s, " rows large")); s++) nl++;   /* the cluster lines */
        od_test_int((long long)nl, (long long)fx_num(&f, "nlarge6"), "kmeans cblof: number of large clusters");
        od_out_free(o);
        if (st) od_detector_find("kmeans")->free(st);
        free(sc);
        od_ctx_free(c2);
    }
    /* scaling: x10 data -> x10 scores (same seed) */
    {
        double *S = malloc(n * d * sizeof *S);
        for (size_t i = 0; i < n * d; i++) S[i] = 10 * X->v[i];
        double *a = fit_score("kmeans", "k=4", X->v, n, d, 2, 9, NULL), *b = fit_score("kmeans", "k=4", S, n, d, 2, 9, NULL);
        double e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs(b[i] - 10 * a[i]) / (10 * a[i] + 1e-12));
        od_test_true(e < 1e-9, "kmeans: scaling the data by 10 scales the scores (rel err %.2g)", e);
        free(S), free(a), free(b);
    }
    /* k=1: the score is the distance to the mean */
    {
        double *s = fit_score("kmeans", "k=1", X->v, n, d, 2, 1, NULL);
        double mu[3] = { 0 }, e = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++) mu[j] += X->v[i * d + j] / (double)n;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs(s[i] - sqrt(od_cl_sqdist(X->v + i * d, mu, d))));
        od_test_true(e < 1e-9, "kmeans k=1: score = distance to the mean (max err %.2g)", e);
        free(s);
    }
    /* duplicates: 10 identical rows, k=3 */
    {
        double D[30];
        for (int i = 0; i < 30; i++) D[i] = (i % 3) + 0.5;
        double *s = fit_score("kmeans", "k=3", D, 10, 3, 1, 1, NULL);
        int ok = s != NULL;
        for (int i = 0; ok && i < 10; i++) ok = s[i] == 0;
        od_test_true(ok, "kmeans: identical rows with k=3 fit and score 0");
        free(s);
    }
    check_error("kmeans", "k=400", X->v, n, d, OD_EINVAL, "k=400 exceeds the 312 training rows");
    check_error("kmeans", "k=2", X->v, 0, d, OD_EDATA, "empty");
    check_error("kmeans", "k=2", X->v, n, 0, OD_EDATA, "no feature columns");
    check_describe("kmeans", "k=4", X->v, n, d, "inertia");
    check_save_load("kmeans", "k=4 score=cblof", X->v, n, d);
    double *B = rand_blobs(3, 30000, 5, 6, 8);
    check_threads("kmeans", "k=6", B, 30000, 5);
    check_threads("kmeans", "k=5 init=random", B, 30000, 5);
    check_threads("kmeans", "k=6 algorithm=hamerly", B, 30000, 5);
    check_threads("kmeans", "k=6 algorithm=lloyd", B, 30000, 5);
    free(B);
    /* d = 8 has its own kernel: the same steps, bit for bit, as the general one
       (d = 9 with a zero last column adds (0 - 0)^2 = 0 to every distance), on
       every kernel, with a partial last group of rows; and threads=1 vs 2 */
    {
        size_t n8 = 20003, k8 = 7;
        double *B8 = rand_blobs(11, n8, 8, k8, 6), *B9 = malloc(n8 * 9 * sizeof *B9);
        double Ca[8 * 7], Cb[9 * 7], ina, inb;
        long *la = malloc(n8 * sizeof *la), *lb = malloc(n8 * sizeof *lb);
        for (size_t i = 0; i < n8; i++) {
            memcpy(B9 + i * 9, B8 + i * 8, 8 * sizeof *B9);
            B9[i * 9 + 8] = 0;
        }
        double init9[9 * 7];
        for (size_t c = 0; c < k8; c++) memcpy(init9 + c * 9, B9 + c * 9, 9 * sizeof *init9);
        const char *kn[] = { "avx512", "avx2", "sse2" };
        for (int q = 0; q < 3; q++) {
            if (od_kmeans_use_kernel(kn[q])) continue;   /* not on this CPU */
            int ita, itb, same = 1;
            int rca = od_kmeans_run(ctx, B8, n8, 8, 8, k8, B8, 40, 0, Ca, la, &ina, &ita, NULL);
            int rcb = od_kmeans_run(ctx, B9, n8, 9, 9, k8, init9, 40, 0, Cb, lb, &inb, &itb, NULL);
            for (size_t i = 0; i < n8; i++) same &= la[i] == lb[i];
            for (size_t c = 0; c < k8; c++)
                for (size_t j = 0; j < 8; j++) same &= Ca[c * 8 + j] == Cb[c * 9 + j];
            od_test_true(rca == 0 && rcb == 0 && same && ina == inb && ita == itb,
                         "kmeans %s: the d=8 kernel gives the general kernel's labels, centres, inertia bit for bit (%d iterations)",
                         kn[q], ita);
        }
        od_kmeans_use_kernel(NULL);
        check_threads("kmeans", "k=7 init=first", B8, n8, 8);
        free(B8), free(B9), free(la), free(lb);
    }
    free(lab);
    od_ctx_free(ctx);
    fx_free(&f);
}

/* Hamerly against Lloyd, bit for bit, on data full of exact and near ties:
 * integer grid points (many rows equidistant from two or more centres), the
 * same points nudged by a few ulps, and duplicated centres; every kernel. */
static void test_kmeans_hamerly(void)
{
    const char *names[] = { "avx512", "avx2", "sse2" };
    const size_t ks[] = { 1, 2, 5, 8, 13 }, ds[] = { 1, 2, 3, 8, 11 };
    size_t n = 4099;
    double *X = malloc(n * 11 * sizeof *X), *init = malloc(13 * 11 * sizeof *init);
    double C1[13 * 11], C2[13 * 11];
    long *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2);
    unsigned long long r = 777;
    int ran = 0, cases = 0, fails = 0, pruned_any = 0;
    for (int q = 0; q < 3; q++) {
        if (od_kmeans_use_kernel(names[q])) continue;
        ran++;
        for (int kind = 0; kind < 3; kind++)
            for (size_t a = 0; a < 5; a++)
                for (size_t b = 0; b < 5; b++) {
                    size_t k = ks[a], d = ds[b];
                    for (size_t i = 0; i < n * d; i++) {
                        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
                        double v = (double)((r >> 33) % 7);          /* grid 0..6: exact ties */
                        if (kind == 1) v += ((double)((r >> 20) % 5) - 2) * 1e-15 * (v + 1);
                        if (kind == 2) v = (double)(r >> 11) / 9007199254740992.0 * 100;
                        X[i] = v;
                    }
                    for (size_t c = 0; c < k; c++)   /* first rows; centre 2 repeats centre 1 */
                        memcpy(init + c * d, X + (c == 2 ? 1 : c) * d, d * sizeof *init);
                    od_ctx *ctx = od_ctx_new(1);
                    double in1 = 0, in2 = 1;
                    int it1 = 0, it2 = -1, cv1 = 0, cv2 = -1;
                    double tol = kind == 2 ? 0 : 1e-4;
                    int rc1 = od_kmeans_run_algo(ctx, X, n, d, d, k, init, 60, tol, OD_KM_LLOYD, C1, l1, &in1, &it1, &cv1);
                    int rc2 = od_kmeans_run_algo(ctx, X, n, d, d, k, init, 60, tol, OD_KM_HAMERLY, C2, l2, &in2, &it2, &cv2);
                    int same = rc1 == 0 && rc2 == 0 && it1 == it2 && cv1 == cv2 && in1 == in2 &&
                               !memcmp(C1, C2, k * d * sizeof *C1) && !memcmp(l1, l2, n * sizeof *l1);
                    cases++;
                    if (!same) {
                        fails++;
                        od_test_true(0, "kmeans hamerly = lloyd: kernel %s kind %d k=%zu d=%zu (it %d/%d, inertia %.17g/%.17g)",
                                     names[q], kind, k, d, it1, it2, in1, in2);
                    }
                    pruned_any |= it1 > 2;
                    od_ctx_free(ctx);
                }
    }
    od_test_true(ran >= 1 && fails == 0 && pruned_any,
                 "kmeans hamerly = lloyd bit for bit (labels, centres, inertia, n_iter): %d cases on %d kernels, %d differ",
                 cases, ran, fails);
    od_kmeans_use_kernel(NULL);
    free(X), free(init), free(l1), free(l2);
}

/* --------------------------------------------------------------------- GMM */

static void test_gmm(void)
{
    fx_file f;
    if (fx_load(&f, "tests/fixtures/cluster/gmm.txt")) {
        od_test_skip("gmm fixture missing");
        return;
    }
    const fx_array *X = fx_get(&f, "X"), *Q = fx_get(&f, "Q");
    size_t n = X->rows, d = X->cols, k = 3;
    od_ctx *ctx = od_ctx_new(1);
    const char *cts[4] = { "full", "tied", "diag", "spherical" };
    const int ctv[4] = { OD_GMM_FULL, OD_GMM_TIED, OD_GMM_DIAG, OD_GMM_SPHERICAL };
    double worst_lb = 0, worst_par = 0, worst_ss = 0;
    for (int c = 0; c < 4; c++)
        for (int in = 0; in < 2; in++) {
            char tag[64], key[96];
            snprintf(tag, sizeof tag, "%s_%s", cts[c], in ? "random" : "kmeans");
#define K(pfx) (snprintf(key, sizeof key, "%s_%s", pfx, tag), key)
            od_gmm_model m;
            int rc = od_gmm_run(ctx, X->v, n, d, d, k, ctv[c], fx_get(&f, K("resp"))->v, 100, 1e-3, 1e-6, &m);
            if (rc) {
                od_test_true(0, "gmm %s: %s", tag, od_ctx_errmsg(ctx));
                continue;
            }
            double lb = fx_num(&f, K("lb"));
            od_test_abs(m.lower_bound, lb, 1e-8, "gmm %s: lower bound equals sklearn's (err %.2g)", tag,
                        fabs(m.lower_bound - lb));
            worst_lb = fmax(worst_lb, fabs(m.lower_bound - lb));
            od_test_int(m.n_iter, (long long)fx_num(&f, K("niter")), "gmm %s: n_iter", tag);
            od_test_int(m.converged, (long long)fx_num(&f, K("conv")), "gmm %s: converged", tag);
            double ea, er, e = 0;
            fx_err(m.weights, fx_get(&f, K("w"))->v, k, &ea, &er);
            e = fmax(e, er);
            fx_err(m.means, fx_get(&f, K("mu"))->v, k * d, &ea, &er);
            e = fmax(e, ea);
            const fx_array *cv = fx_get(&f, K("cov"));
            fx_err(m.covs, cv->v, cv->rows, &ea, &er);
            e = fmax(e, ea);
            worst_par = fmax(worst_par, e);
            od_test_true(e < 1e-9, "gmm %s: weights, means, covariances match (max err %.2g)", tag, e);
            double *lp = malloc(Q->rows * sizeof *lp);
            od_gmm_logpdf(ctx, &m, Q->v, Q->rows, d, lp, NULL);
            fx_err(lp, fx_get(&f, K("ss"))->v, Q->rows, &ea, &er);
            worst_ss = fmax(worst_ss, er);
            od_test_true(er < 1e-9, "gmm %s: score_samples match (max rel err %.2g)", tag, er);
            double *lx = malloc(n * sizeof *lx), tot = 0;
            od_gmm_logpdf(ctx, &m, X->v, n, d, lx, NULL);
            for (size_t i = 0; i < n; i++) tot += lx[i];
            double np = (double)od_gmm_nparams(&m);
            od_test_rel(-2 * tot + np * log((double)n), fx_num(&f, K("bic")), 1e-10, "gmm %s: BIC", tag);
            od_test_rel(-2 * tot + 2 * np, fx_num(&f, K("aic")), 1e-10, "gmm %s: AIC", tag);
            free(lp), free(lx);
            od_gmm_model_done(&m);
#undef K
        }
    printf("# gmm vs sklearn: max |lower bound err| %.3g, max param err %.3g, max score_samples rel err %.3g\n",
           worst_lb, worst_par, worst_ss);
    /* a singular covariance (duplicated column, reg=0) is regularised with a warning, never NaN */
    {
        double *S = malloc(n * 4 * sizeof *S);
        for (size_t i = 0; i < n; i++) {
            memcpy(S + i * 4, X->v + i * d, 3 * sizeof *S);
            S[i * 4 + 3] = X->v[i * d];
        }
        od_ctx *c2 = od_ctx_new(1);
        void *st = NULL;
        int rc = fx_fit(c2, "gmm", "k=3 reg=0", S, n, 4, &st, NULL);
        double *sc = malloc(n * sizeof *sc);
        od_data dd = { S, n, 4, 4 };
        int ok = rc == 0 && od_detector_find("gmm")->score(c2, st, &dd, sc, NULL) == 0;
        for (size_t i = 0; ok && i < n; i++) ok = isfinite(sc[i]);
        od_test_true(ok, "gmm: singular covariance (collinear column, reg=0) gives finite scores");
        od_test_true(od_ctx_nwarnings(c2) > 0 && strstr(od_ctx_warning(c2, 0), "singular"),
                     "gmm: ... with a warning: %s", od_ctx_nwarnings(c2) ? od_ctx_warning(c2, 0) : "(none)");
        if (st) od_detector_find("gmm")->free(st);
        free(S), free(sc);
        od_ctx_free(c2);
    }
    /* k=1 full: score = -log N(x | mean, cov + reg) */
    {
        double *s = fit_score("gmm", "k=1", X->v, n, d, 2, 1, NULL);
        od_gmm_model m;
        double *r = malloc(n * sizeof *r);
        for (size_t i = 0; i < n; i++) r[i] = 1;
        od_gmm_run(ctx, X->v, n, d, d, 1, OD_GMM_FULL, r, 100, 1e-3, 1e-6, &m);
        double *lp = malloc(n * sizeof *lp), e = 0;
        od_gmm_logpdf(ctx, &m, X->v, n, d, lp, NULL);
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs(s[i] + lp[i]));
        od_test_true(e < 1e-12, "gmm k=1: detector score = -log pdf (err %.2g)", e);
        od_gmm_model_done(&m);
        free(s), free(r), free(lp);
    }
    /* scaling x10 shifts -log p by d*log(10) (k-means init is scale-equivariant) */
    {
        double *S = malloc(n * d * sizeof *S);
        for (size_t i = 0; i < n * d; i++) S[i] = 10 * X->v[i];
        double *a = fit_score("gmm", "k=3 reg=0", X->v, n, d, 1, 4, NULL);
        double *b = fit_score("gmm", "k=3 reg=0", S, n, d, 1, 4, NULL);
        double e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs(b[i] - a[i] - 3 * log(10.0)));
        od_test_true(e < 1e-6, "gmm: x10 data adds d*log(10) to every score (err %.2g)", e);
        free(S), free(a), free(b);
    }
    check_error("gmm", "k=400", X->v, n, d, OD_EINVAL, "k=400 exceeds the 306 training rows");
    check_error("gmm", "k=2", X->v, 0, d, OD_EDATA, "empty");
    check_describe("gmm", "k=3", X->v, n, d, "BIC");
    check_save_load("gmm", "k=3 covariance=diag", X->v, n, d);
    check_save_load("gmm", "k=2 covariance=full", X->v, n, d);
    double *B = rand_blobs(5, 20000, 4, 4, 6);
    check_threads("gmm", "k=4", B, 20000, 4);
    check_threads("gmm", "k=3 covariance=tied init=random", B, 20000, 4);
    free(B);
    /* k=auto: four well-separated blobs -> the lowest BIC is k=4, reported by describe */
    B = malloc(2000 * 4 * sizeof *B);
    {
        gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(g, 7);
        for (size_t i = 0; i < 2000; i++)
            for (size_t j = 0; j < 4; j++) B[i * 4 + j] = (j + 1 == i % 4 ? 12.0 : 0.0) + gsl_ran_gaussian(g, 1.0);
        gsl_rng_free(g);
    }
    check_describe("gmm", "k=auto", B, 2000, 4, "k=auto: k=4 has the lowest BIC of k = 1..8");
    check_describe("gmm", "k=auto", B, 2000, 4, "Gaussian mixture: k=4,");
    check_threads("gmm", "k=auto", B, 2000, 4);
    check_save_load("gmm", "k=auto", B, 2000, 4);
    check_describe("gmm", "k=auto", B, 5, 4, "k = 1..5");   /* no more components than rows */
    free(B);
    od_ctx_free(ctx);
    fx_free(&f);
}

/* The assignment kernels (one per instruction set, issue 19): every instance
 * the CPU has gives the labels of the plain argmin over od_cl_sqdist (ties to
 * the lowest index) and distances within a few ulps, for k and d that are
 * and are not multiples of the vector width (padding), with duplicated
 * centres (exact ties); and each runs the sklearn fixture to the same labels,
 * inertia and n_iter. */
static void test_kmeans_kernels(void)
{
    const char *names[] = { "avx512", "avx2", "sse2" };
    const size_t ks[] = { 1, 3, 8, 13 }, ds[] = { 1, 3, 8, 17 };
    size_t n = 1003;
    double *X = malloc(n * 17 * sizeof *X), *C = malloc(13 * 17 * sizeof *C), *dist = malloc(n * sizeof *dist);
    long *lab = malloc(n * sizeof *lab);
    unsigned long long r = 12345;
    for (size_t i = 0; i < n * 17; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        X[i] = (double)(r >> 11) / 9007199254740992.0 * 20 - 10;
    }
    int ran = 0;
    for (int q = 0; q < 3; q++) {
        if (od_kmeans_use_kernel(names[q])) {
            od_test_true(q > 0, "kmeans kernel %s: the CPU has it (AVX-512 machines only)", names[q]);
            continue;
        }
        od_test_true(!strcmp(od_kmeans_kernel(), names[q]), "kmeans kernel %s selected", names[q]);
        ran++;
        for (size_t a = 0; a < 4; a++)
            for (size_t b = 0; b < 4; b++) {
                size_t k = ks[a], d = ds[b];
                for (size_t c = 0; c < k; c++)   /* centres: rows 0, 1, ...; centre 2 repeats centre 1 */
                    memcpy(C + c * d, X + (c == 2 ? 1 : c) * d, d * sizeof *C);
                int rc = od_kmeans_assign(X, n, d, d, C, k, lab, dist);
                size_t badl = 0;
                double worst = 0;
                for (size_t i = 0; i < n; i++) {
                    size_t bi = 0;
                    double bd = od_cl_sqdist(X + i * d, C, d);
                    for (size_t c = 1; c < k; c++) {
                        double v = od_cl_sqdist(X + i * d, C + c * d, d);
                        if (v < bd) bd = v, bi = c;
                    }
                    badl += (size_t)lab[i] != bi;
                    double e = fabs(dist[i] - sqrt(bd)) / (sqrt(bd) > 1 ? sqrt(bd) : 1);
                    if (e > worst) worst = e;
                }
                od_test_true(rc == 0 && badl == 0 && worst < 1e-14,
                             "kmeans kernel %s k=%zu d=%zu: labels equal the scalar argmin (%zu differ), "
                             "distances rel err %.2g", names[q], k, d, badl, worst);
            }
        fx_file f;
        if (!fx_load(&f, "tests/fixtures/cluster/kmeans.txt")) {
            const fx_array *F = fx_get(&f, "X");
            size_t fn = F->rows, fd = F->cols;
            od_ctx *ctx = od_ctx_new(1);
            long *fl = malloc(fn * sizeof *fl);
            double FC[64], in;
            int it;
            int rc = od_kmeans_run(ctx, F->v, fn, fd, fd, 4, fx_get(&f, "init1")->v, 300, 1e-4, FC, fl, &in, &it, NULL);
            const fx_array *wl = fx_get(&f, "labels1");
            size_t bad = 0;
            for (size_t i = 0; i < fn; i++) bad += fl[i] != (long)wl->v[i];
            od_test_true(rc == 0 && bad == 0, "kmeans kernel %s: sklearn fixture labels (%zu differ)", names[q], bad);
            od_test_rel(in, fx_num(&f, "inertia1"), 1e-12, "kmeans kernel %s: sklearn fixture inertia", names[q]);
            od_test_int(it, (long long)fx_num(&f, "niter1"), "kmeans kernel %s: sklearn fixture n_iter", names[q]);
            free(fl);
            od_ctx_free(ctx);
            fx_free(&f);
        }
    }
    od_test_true(ran >= 1 && od_kmeans_use_kernel("avx1024") == -1, "kmeans kernels: %d ran, unknown names refused", ran);
    od_kmeans_use_kernel(NULL);
    free(X), free(C), free(dist), free(lab);
}

int main(void)
{
    test_kmeans();
    test_kmeans_kernels();
    test_kmeans_hamerly();
    test_gmm();
    return od_test_done();
}
