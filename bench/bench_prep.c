/* bench_prep.c - speed of the prep module: zscore + PCA on a table, sliding
 * windows on a long series.
 *
 *   bench/bench_prep [--n N] [--d D] [--k K] [--series M] [--window W]
 *                    [--repeats R] [--threads T] [--dump PREFIX]
 *
 * Data (deterministic, shared with bench/anchor_prep.py through --dump):
 *   table  N x D (default 1,000,000 x 32): X = Z A + 0.5 E, Z (N x 4) and E
 *          standard normal, A (4 x D) uniform(-1, 1) + column offsets j/4,
 *          all from GSL mt19937 seeded with 11 (A first, then Z and E row by row);
 *   series M points (default 1,000,000): sin(2 pi t / 100) + 0.3 N(0,1), seed 12.
 * --dump PREFIX writes PREFIX.table (int64 N, int64 D, N*D float64 row-major)
 * and PREFIX.series (int64 M, M float64), little-endian, and exits.
 *
 * Timed (median of R runs, wall clock, everything a command would do):
 *   zscore      od_prep_scale zscore (fit + apply + new frame)
 *   pca         od_prep_pca k=K (fit + transform + new frame)
 *   window      od_window_new size=W stride=1 (series matrix) + od_window_view
 *   to_points   od_window_to_points on M-W+1 window scores
 * Memory of the window: the bytes the window holds (none for one channel:
 * the view reads the frame's column) against a copied window matrix, and
 * the resident-set increase over od_window_new (/proc/self/statm).  One JSON
 * object on stdout. */
#include "config.h"
#include "prep/prep.h"

#include <math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NLAT 4

static double *make_table(size_t n, size_t d)
{
    double *X = malloc(n * d * sizeof *X), A[NLAT * 512];
    if (!X || d > 512) return NULL;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    for (size_t l = 0; l < NLAT; l++)
        for (size_t j = 0; j < d; j++) A[l * d + j] = 2 * gsl_rng_uniform(r) - 1;
    for (size_t i = 0; i < n; i++) {
        double z[NLAT];
        for (size_t l = 0; l < NLAT; l++) z[l] = gsl_ran_gaussian_ziggurat(r, 1.0);
        for (size_t j = 0; j < d; j++) {
            double v = 0.25 * (double)j + 0.5 * gsl_ran_gaussian_ziggurat(r, 1.0);
            for (size_t l = 0; l < NLAT; l++) v += z[l] * A[l * d + j];
            X[i * d + j] = v;
        }
    }
    gsl_rng_free(r);
    return X;
}

static double *make_series(size_t m)
{
    double *x = malloc(m * sizeof *x);
    if (!x) return NULL;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12);
    for (size_t t = 0; t < m; t++) x[t] = sin(2 * M_PI * (double)t / 100.0) + 0.3 * gsl_ran_gaussian_ziggurat(r, 1.0);
    gsl_rng_free(r);
    return x;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int k)
{
    qsort(t, (size_t)k, sizeof *t, cmpd);
    return k % 2 ? t[k / 2] : (t[k / 2 - 1] + t[k / 2]) / 2;
}

/* resident set size now, in KB (/proc/self/statm) */
static long rss_kb(void)
{
    long pages = 0, res = 0;
    FILE *fp = fopen("/proc/self/statm", "r");
    if (!fp) return -1;
    if (fscanf(fp, "%ld %ld", &pages, &res) != 2) res = -1;
    fclose(fp);
    return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

static int dump(const char *prefix, const double *X, size_t n, size_t d, const double *s, size_t m)
{
    char path[4096];
    snprintf(path, sizeof path, "%s.table", prefix);
    FILE *fp = fopen(path, "wb");
    int64_t h[2] = { (int64_t)n, (int64_t)d };
    if (!fp || fwrite(h, 8, 2, fp) != 2 || fwrite(X, sizeof *X, n * d, fp) != n * d || fclose(fp)) return -1;
    snprintf(path, sizeof path, "%s.series", prefix);
    fp = fopen(path, "wb");
    int64_t hm = (int64_t)m;
    if (!fp || fwrite(&hm, 8, 1, fp) != 1 || fwrite(s, sizeof *s, m, fp) != m || fclose(fp)) return -1;
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = 1000000, d = 32, k = 8, m = 1000000, W = 64;
    int reps = 5, threads = 2;
    const char *dumpto = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc) n = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--d") && i + 1 < argc) d = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--k") && i + 1 < argc) k = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--series") && i + 1 < argc) m = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--window") && i + 1 < argc) W = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc) dumpto = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--n N] [--d D] [--k K] [--series M] [--window W] [--repeats R] [--threads T] "
                            "[--dump PREFIX]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    if (d < 1 || d > 512 || k < 1 || k > d || W < 1 || W > m) {
        fprintf(stderr, "bench_prep: need 1 <= k <= d <= 512 and 1 <= window <= series\n");
        return 2;
    }
    od_ctx *ctx = od_ctx_new(1);
    od_ctx_set_threads(ctx, threads);
    double *t = calloc((size_t)reps, sizeof *t);
    double *s = make_series(m);
    if (!ctx || !t || !s) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }

    /* --- windows first, so the RSS increase is the window's alone */
    od_frame *sf = od_frame_new(ctx, m);
    double *sc = malloc(m * sizeof *sc);
    memcpy(sc, s, m * sizeof *sc);
    od_frame_add_num_donate(ctx, sf, "value", sc, OD_COL_NUM, OD_ROLE_FEATURE);
    size_t nwin = m - W + 1;
    double *wsc = malloc(nwin * sizeof *wsc), *psc = malloc(m * sizeof *psc);
    for (size_t i = 0; i < nwin; i++) wsc[i] = (double)(i % 997);
    double tw[64], tp[64], vsum = 0;
    size_t view_bytes = 0;
    long rss_win = 0;
    int wr = reps > 64 ? 64 : reps;
    for (int r = 0; r < wr; r++) {
        od_window *w = NULL;
        long rss0 = rss_kb();
        double t0 = od_now();
        if (od_window_new(ctx, sf, W, 1, NULL, 0, &w, NULL)) {
            fprintf(stderr, "bench_prep: %s\n", od_ctx_errmsg(ctx));
            return 1;
        }
        od_data v = od_window_view(w);
        tw[r] = od_now() - t0;
        vsum += v.X[(v.n - 1) * v.ld + v.d - 1];
        view_bytes = w->owned ? w->n * w->c * sizeof(double) : 0;
        rss_win = rss_kb() - rss0;
        t0 = od_now();
        od_window_to_points(w, wsc, psc);
        tp[r] = od_now() - t0;
        od_window_free(w);
    }
    od_frame_free(sf);

    /* --- table */
    double *X = make_table(n, d);
    if (!X) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    if (dumpto) {
        int rc = dump(dumpto, X, n, d, s, m);
        if (rc) fprintf(stderr, "bench_prep: cannot write %s.*\n", dumpto);
        return rc ? 1 : 0;
    }
    od_frame *f = od_frame_new(ctx, n);
    for (size_t j = 0; j < d; j++) {
        double *c = malloc(n * sizeof *c);
        for (size_t i = 0; i < n; i++) c[i] = X[i * d + j];
        char nm[32];
        snprintf(nm, sizeof nm, "x%zu", j);
        od_frame_add_num_donate(ctx, f, nm, c, OD_COL_NUM, OD_ROLE_FEATURE);
    }
    free(X);
    double tz[64], tpca[64], chk = 0, ev0 = 0, evr_sum = 0;
    int tr = reps > 64 ? 64 : reps;
    for (int r = 0; r < tr; r++) {
        od_frame *g = NULL;
        double t0 = od_now();
        if (od_prep_scale(ctx, f, OD_SCALE_ZSCORE, NULL, 0, NULL, &g, NULL, NULL)) {
            fprintf(stderr, "bench_prep: %s\n", od_ctx_errmsg(ctx));
            return 1;
        }
        tz[r] = od_now() - t0;
        chk += g->cols[d - 1].num[n - 1];
        od_frame_free(g);
        od_ctx_clear_warnings(ctx);
        od_pca *p = NULL;
        od_pca_opts o = { .k = k };
        t0 = od_now();
        if (od_prep_pca(ctx, f, &o, NULL, &g, &p, NULL)) {
            fprintf(stderr, "bench_prep: %s\n", od_ctx_errmsg(ctx));
            return 1;
        }
        tpca[r] = od_now() - t0;
        ev0 = p->explained_variance[0];
        evr_sum = 0;
        for (size_t c = 0; c < k; c++) evr_sum += p->explained_variance_ratio[c];
        chk += g->cols[0].num[0];
        od_pca_free(p);
        od_frame_free(g);
    }
    (void)t;
    printf("{\"n\": %zu, \"d\": %zu, \"k\": %zu, \"series\": %zu, \"window\": %zu, \"repeats\": %d, \"threads\": %d,\n",
           n, d, k, m, W, reps, threads);
    printf(" \"zscore_s\": %.6f, \"pca_s\": %.6f, \"zscore_pca_s\": %.6f,\n", median(tz, tr), median(tpca, tr),
           median(tz, tr) + median(tpca, tr));
    printf(" \"pca_explained_variance_0\": %.12g, \"pca_evr_sum\": %.12g,\n", ev0, evr_sum);
    printf(" \"window_view_s\": %.6f, \"to_points_s\": %.6f, \"window_total_s\": %.6f,\n", median(tw, wr), median(tp, wr),
           median(tw, wr) + median(tp, wr));
    printf(" \"window_view_bytes\": %zu, \"window_copy_bytes\": %zu, \"window_rss_increase_kb\": %ld,\n", view_bytes,
           nwin * W * sizeof(double), rss_win);
    printf(" \"checksum\": %.6g}\n", chk + vsum + psc[m - 1]);
    od_frame_free(f);
    free(t);
    free(s);
    free(wsc);
    free(psc);
    od_ctx_free(ctx);
    return 0;
}
