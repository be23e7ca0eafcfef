/* bench_cluster.c - timing of the clustering and density detectors on the data
 * written by ../shared/bench/gen_data.py (relative to the repository; the .npy files), for comparison
 * with the scikit-learn anchors (anchors_sklearn.py --groups kmeans,gmm,dbscan,agglo
 * and bench/anchor_cluster.py for KDE and MCD) run in the same session.
 *
 *   bench_cluster [--data DIR] [--repeats R] [--threads T] [--eps E] [--only a,b]
 *
 * Cases (medians of R runs after one warm-up):
 *   kmeans   1M x 8, k=8, exactly 100 Lloyd iterations from the first 8 rows
 *   gmm      100k x 8, full, k=4, 100 EM iterations (tol=0) incl. k-means init
 *   dbscan   100k x 8, min_samples=10, eps as the anchor's (--eps) or its rule
 *   hclust   ward on the first 20k rows of the 100k x 8 blobs, cut k=8
 *   kde      fit 100k x 8, score the first 10k rows, scott bandwidth, rtol=1e-4
 *   mcd      gauss robust=yes on 100k x 8
 * Also prints the machine's read bandwidth and kmeans' bandwidth bound. */
#include "config.h"
#include "detect/cl_cluster.h"
#include "detect/cl_kdtree.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

static double *npy_read(const char *path, size_t *rows, size_t *cols)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    unsigned char pre[10];
    double *X = NULL;
    if (fread(pre, 1, 10, fp) != 10 || memcmp(pre, "\x93NUMPY", 6)) goto out;
    size_t hl = pre[8] | (pre[9] << 8);
    if (pre[6] >= 2) {
        unsigned char e[2];
        if (fread(e, 1, 2, fp) != 2) goto out;
        hl = pre[8] | (pre[9] << 8) | ((size_t)e[0] << 16) | ((size_t)e[1] << 24);
    }
    char *h = calloc(hl + 1, 1);
    if (!h || fread(h, 1, hl, fp) != hl) {
        free(h);
        goto out;
    }
    if (!strstr(h, "'<f8'") || strstr(h, "'fortran_order': True")) {
        free(h);
        goto out;
    }
    char *s = strstr(h, "'shape': (");
    if (!s || sscanf(s + 10, "%zu, %zu", rows, cols) != 2) {
        free(h);
        goto out;
    }
    free(h);
    X = malloc(*rows * *cols * sizeof *X);
    if (X && fread(X, sizeof *X, *rows * *cols, fp) != *rows * *cols) {
        free(X);
        X = NULL;
    }
out:
    fclose(fp);
    return X;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int r)
{
    qsort(t, (size_t)r, sizeof *t, cmpd);
    return r % 2 ? t[r / 2] : 0.5 * (t[r / 2 - 1] + t[r / 2]);
}

static int want(const char *only, const char *name)
{
    if (!only) return 1;
    const char *p = strstr(only, name);
    return p && (p == only || p[-1] == ',') && (p[strlen(name)] == 0 || p[strlen(name)] == ',');
}

/* read bandwidth: sum of a 512 MB array, T threads */
static double read_bw(void)
{
    size_t n = (size_t)64 << 20;
    double *a = malloc(n * sizeof *a);
    if (!a) return NAN;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) a[i] = (double)(i & 1023);
    double best = 0, s = 0;
    for (int r = 0; r < 5; r++) {
        double t0 = od_now();
        #pragma omp parallel for schedule(static) reduction(+ : s)
        for (size_t i = 0; i < n; i++) s += a[i];
        double t = od_now() - t0;
        double bw = (double)n * 8 / t / 1e9;
        if (bw > best) best = bw;
    }
    free(a);
    return s > 0 ? best : best;
}

int main(int argc, char **argv)
{
    const char *dir = "/tmp/odd-bench", *only = NULL;
    int R = 3, T = 2;
    double eps = NAN;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc) dir = argv[++i];
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc) R = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) T = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--eps") && i + 1 < argc) eps = atof(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--data DIR] [--repeats R] [--threads T] [--eps E] [--only kmeans,gmm,...]\n", argv[0]);
            return 2;
        }
    }
    if (R < 1) R = 1;
    od_ctx *ctx = od_ctx_new(42);
    od_ctx_set_threads(ctx, T);
    char path[4096];
    size_t n1, d1, n2, d2;
    snprintf(path, sizeof path, "%s/blobs_n1000000_d8.npy", dir);
    double *X1 = want(only, "kmeans") ? npy_read(path, &n1, &d1) : NULL;
    snprintf(path, sizeof path, "%s/blobs_n100000_d8.npy", dir);
    double *X2 = npy_read(path, &n2, &d2);
    if (!X2 || (want(only, "kmeans") && !X1)) {
        fprintf(stderr, "cannot read the blobs .npy files in %s: run /usr/bin/python3 gen_data.py --out %s\n", dir, dir);
        return 1;
    }
    printf("bench_cluster: %d threads, median of %d runs (after a warm-up)\n", T, R);
    double t[64];
    if (want(only, "kmeans")) {
        double bw = read_bw();
        size_t k = 8;
        double *C = malloc(k * d1 * sizeof *C), in;
        int it;
        for (int r = -1; r < R; r++) {
            double t0 = od_now();
            /* tol < 0: no convergence test, exactly max_iter iterations */
            od_kmeans_run(ctx, X1, n1, d1, d1, k, X1, 100, -1, C, NULL, &in, &it, NULL);
            if (r >= 0) t[r] = od_now() - t0;
        }
        double m = median(t, R);
        double bound = (double)n1 * d1 * 8 / (bw * 1e9);
        printf("kmeans  %zu x %zu, k=8, 100 Lloyd iterations: %.3f s = %.2f ms/iteration (inertia %.6g, %d iters)\n", n1, d1, m,
               m * 10, in, it);
        printf("        read bandwidth %.1f GB/s -> bound %.2f ms/iteration; kmeans at %.2fx the bound\n", bw,
               bound * 1e3, m / 100 / bound);
        free(C);
    }
    if (want(only, "gmm")) {
        const od_detector_type *g = od_detector_find("gmm");
        const char *keys[3] = { "k", "max_iter", "tol" }, *vals[3] = { "4", "100", "0" };
        od_params *p = od_params_parse(ctx, g->params, g->nparams, keys, vals, 3);
        od_data data = { X2, n2, d2, d2 };
        void *st = NULL;
        for (int r = -1; r < R; r++) {
            if (st) g->free(st);
            st = NULL;
            double t0 = od_now();
            if (g->fit(ctx, p, &data, NULL, &st)) fprintf(stderr, "gmm: %s\n", od_ctx_errmsg(ctx));
            if (r >= 0) t[r] = od_now() - t0;
        }
        od_out *o = od_out_buffer();
        g->describe(st, o);
        const char *l = strstr(od_out_str(o), "EM:");
        printf("gmm     %zu x %zu, full, k=4, 100 EM iterations (k-means init included): %.3f s  [%.*s]\n", n2, d2, median(t, R),
               l ? (int)(strchr(l, '\n') - l) : 0, l ? l : "");
        od_out_free(o);
        g->free(st);
        od_params_free(p);
    }
    if (want(only, "dbscan")) {
        if (isnan(eps)) {
            /* the anchor's rule: 0.98-quantile of the 10-NN distance over 4000 random rows */
            od_kdtree *tr = od_kdtree_new(ctx, X2, n2, d2, d2, 16);
            gsl_rng *rng = od_ctx_rng(ctx);
            double *q = malloc(4000 * sizeof *q), dd[10];
            for (int i = 0; i < 4000; i++) {
                size_t row = gsl_rng_uniform_int(rng, n2);
                od_kdtree_knn(tr, X2 + row * d2, 10, dd, NULL);
                q[i] = sqrt(dd[9]);
            }
            qsort(q, 4000, sizeof *q, cmpd);
            eps = q[(int)(0.98 * 3999)];
            free(q);
            od_kdtree_free(tr);
        }
        long *lab = malloc(n2 * sizeof *lab);
        size_t ncl = 0;
        for (int r = -1; r < R; r++) {
            double t0 = od_now();
            od_dbscan_run(ctx, X2, n2, d2, d2, eps, 10, lab, NULL, NULL, &ncl);
            if (r >= 0) t[r] = od_now() - t0;
        }
        size_t noise = 0;
        for (size_t i = 0; i < n2; i++) noise += lab[i] < 0;
        printf("dbscan  %zu x %zu, min_samples=10, eps=%.6g: %.3f s (%zu clusters, %.2f%% noise)\n", n2, d2, eps, median(t, R),
               ncl, 100.0 * (double)noise / (double)n2);
        /* fit + score through the detector (the continuous score) */
        const od_detector_type *g = od_detector_find("dbscan");
        char ev[32];
        snprintf(ev, sizeof ev, "%.17g", eps);
        const char *keys[2] = { "eps", "minpts" }, *vals[2] = { ev, "10" };
        od_params *p = od_params_parse(ctx, g->params, g->nparams, keys, vals, 2);
        od_data data = { X2, n2, d2, d2 };
        double *sc = malloc(n2 * sizeof *sc);
        void *st = NULL;
        double t0 = od_now();
        g->fit(ctx, p, &data, NULL, &st);
        double tf = od_now() - t0;
        t0 = od_now();
        g->score(ctx, st, &data, sc, lab);
        printf("        detector: fit %.3f s, score all rows %.3f s\n", tf, od_now() - t0);
        g->free(st);
        od_params_free(p);
        free(sc), free(lab);
    }
    if (want(only, "hclust")) {
        size_t n = 20000 < n2 ? 20000 : n2;
        double *Z = malloc((n - 1) * 4 * sizeof *Z);
        long *lab = malloc(n * sizeof *lab);
        for (int r = -1; r < R; r++) {
            double t0 = od_now();
            od_hclust_linkage(ctx, X2, n, d2, d2, OD_LINK_WARD, Z);
            od_hclust_cut(Z, n, 8, 0, lab);
            if (r >= 0) t[r] = od_now() - t0;
        }
        size_t sz[8] = { 0 };
        for (size_t i = 0; i < n; i++) sz[lab[i]]++;
        qsort(sz, 8, sizeof sz[0], cmpd) ;
        printf("hclust  ward, first %zu rows of %zu x %zu, k=8: %.3f s (top merge height %.6g)\n", n, n2, d2, median(t, R),
               Z[(n - 2) * 4 + 2]);
        free(Z), free(lab);
    }
    if (want(only, "kde")) {
        const od_detector_type *g = od_detector_find("kde");
        const char *keys[2] = { "bandwidth", "rtol" }, *vals[2] = { "scott", "1e-4" };
        od_params *p = od_params_parse(ctx, g->params, g->nparams, keys, vals, 2);
        size_t nq = n2 < 10000 ? n2 : 10000; /* the smoke test's data has 2000 rows */
        od_data data = { X2, n2, d2, d2 }, q = { X2, nq, d2, d2 };
        double *sc = malloc(nq * sizeof *sc);
        void *st = NULL;
        for (int r = -1; r < R; r++) {
            if (st) g->free(st);
            double t0 = od_now();
            g->fit(ctx, p, &data, NULL, &st);
            g->score(ctx, st, &q, sc, NULL);
            if (r >= 0) t[r] = od_now() - t0;
        }
        od_out *o = od_out_buffer();
        g->describe(st, o);
        const char *l = strstr(od_out_str(o), "bandwidth=");
        printf("kde     fit %zu x %zu + score %zu rows, scott, rtol=1e-4: %.3f s  [%.*s]  score[0]=%.10g\n", n2, d2, nq, median(t, R),
               l ? (int)(strchr(l, '\n') - l) : 0, l ? l : "", sc[0]);
        od_out_free(o);
        g->free(st);
        od_params_free(p);
        free(sc);
    }
    if (want(only, "mcd")) {
        od_mcd_result res;
        for (int r = -1; r < R; r++) {
            double t0 = od_now();
            od_mcd_fit(ctx, X2, n2, d2, d2, NAN, &res);
            if (r >= 0) t[r] = od_now() - t0;
            if (r < R - 1) od_mcd_result_done(&res);
        }
        printf("mcd     gauss robust=yes on %zu x %zu: %.3f s (raw log det %.10g, %zu rows kept)\n", n2, d2, median(t, R),
               res.raw_logdet, res.n_support);
        od_mcd_result_done(&res);
    }
    free(X1), free(X2);
    od_ctx_free(ctx);
    return 0;
}
