/* bench_eval.c - speed of the eval module's curves and threshold moves.
 *
 *   bench/bench_eval [--n N] [--moves-n M] [--repeats R] [--dump FILE] [--threads T]
 *
 * Data (deterministic, same in bench/anchor_eval.py through --dump): n scores,
 * labels Bernoulli(0.01) and scores N(0,1) + 2*label, drawn from GSL's mt19937
 * seeded with 7 (labels first, then scores).
 *
 * Timed (median of R runs, wall clock):
 *   curve_build   od_curve_new on n scores (the one sort)
 *   roc_auc       od_curve_new + od_curve_roc_auc      (what roc_auc_score does)
 *   ap            od_curve_new + od_curve_ap           (average_precision_score)
 *   pr_curve      od_curve_new + od_curve_pr into arrays (precision_recall_curve)
 *   all_three     one od_curve_new + AUC + AP + PR curve
 *   move_us       one od_curve_confusion at a random threshold on M scores,
 *                 averaged over 10,000 moves
 * The PR-curve output arrays (3 x 8 bytes per distinct score) are allocated
 * with od_eval_big_alloc (huge-page advice), as numpy does for sklearn's.
 * Prints one JSON object on stdout.  --dump FILE writes the n scores and labels
 * (int64 n, n float64 scores, n int8 labels, little-endian) and exits. */
#include "config.h"
#include "eval/curve.h"
#include "eval/evsort.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void make_data(size_t n, double *s, int *y)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    for (size_t i = 0; i < n; i++) y[i] = gsl_rng_uniform(r) < 0.01;
    for (size_t i = 0; i < n; i++) s[i] = gsl_ran_gaussian_ziggurat(r, 1.0) + 2.0 * y[i];
    gsl_rng_free(r);
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

int main(int argc, char **argv)
{
    size_t n = 10000000, nm = 1000000;
    int reps = 3, threads = 2;
    const char *dump = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc) n = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--moves-n") && i + 1 < argc) nm = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc) dump = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--n N] [--moves-n M] [--repeats R] [--threads T] [--dump FILE]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1 || reps > 50) reps = 3;
    double *s = malloc(n * sizeof *s);
    int *y = malloc(n * sizeof *y);
    if (!s || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    make_data(n, s, y);
    if (dump) {
        FILE *fp = fopen(dump, "wb");
        if (!fp) {
            perror(dump);
            return 1;
        }
        int64_t nn = (int64_t)n;
        int8_t *y8 = malloc(n);
        for (size_t i = 0; i < n; i++) y8[i] = (int8_t)y[i];
        int ok = fwrite(&nn, sizeof nn, 1, fp) == 1 && fwrite(s, sizeof *s, n, fp) == n && fwrite(y8, 1, n, fp) == n;
        ok &= fclose(fp) == 0;
        free(y8);
        free(s);
        free(y);
        if (!ok) {
            fprintf(stderr, "%s: write failed\n", dump);
            return 1;
        }
        return 0;
    }

    od_ctx *ctx = od_ctx_new(7);
    od_ctx_set_threads(ctx, threads);
    double tb[50], ta[50], tp[50], tr[50], t3[50];
    double auc = 0, ap = 0;
    size_t m = 0;
    int err;
    for (int r = 0; r < reps; r++) {
        double t0 = od_now();
        od_curve *c = od_curve_new(ctx, s, y, n, &err);
        tb[r] = od_now() - t0;
        od_curve_free(c);

        t0 = od_now();
        c = od_curve_new(ctx, s, y, n, &err);
        auc = od_curve_roc_auc(c).value;
        ta[r] = od_now() - t0;
        od_curve_free(c);

        t0 = od_now();
        c = od_curve_new(ctx, s, y, n, &err);
        ap = od_curve_ap(c).value;
        tp[r] = od_now() - t0;
        od_curve_free(c);

        t0 = od_now();
        c = od_curve_new(ctx, s, y, n, &err);
        od_curve_info info;
        od_curve_get_info(c, &info);
        m = info.n_thresholds;
        double *pp = od_eval_big_alloc(NULL, m + 1, sizeof *pp), *rr = od_eval_big_alloc(NULL, m + 1, sizeof *rr),
               *th = od_eval_big_alloc(NULL, m, sizeof *th);
        od_curve_pr(ctx, c, pp, rr, th);
        tr[r] = od_now() - t0;
        free(pp);
        free(rr);
        free(th);
        od_curve_free(c);

        t0 = od_now();
        c = od_curve_new(ctx, s, y, n, &err);
        double a1 = od_curve_roc_auc(c).value, a2 = od_curve_ap(c).value;
        pp = od_eval_big_alloc(NULL, m + 1, sizeof *pp);
        rr = od_eval_big_alloc(NULL, m + 1, sizeof *rr);
        th = od_eval_big_alloc(NULL, m, sizeof *th);
        od_curve_pr(ctx, c, pp, rr, th);
        t3[r] = od_now() - t0;
        if (a1 != auc || a2 != ap) fprintf(stderr, "results differ between runs\n");
        free(pp);
        free(rr);
        free(th);
        od_curve_free(c);
    }

    /* threshold moves on the first nm scores */
    if (nm > n) nm = n;
    od_curve *c = od_curve_new(ctx, s, y, nm, &err);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    enum { MOVES = 10000 };
    double *ts = malloc(MOVES * sizeof *ts);
    for (int i = 0; i < MOVES; i++) ts[i] = gsl_ran_gaussian_ziggurat(rng, 1.5);
    double tm[50];
    size_t check = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = od_now();
        for (int i = 0; i < MOVES; i++) check += od_curve_confusion(c, ts[i], OD_RULE_GE).tp;
        tm[r] = (od_now() - t0) / MOVES;
    }
    od_curve_free(c);
    gsl_rng_free(rng);
    free(ts);

    printf("{\"n\": %zu, \"repeats\": %d, \"threads\": %d, \"distinct_thresholds\": %zu,\n", n, reps, threads, m);
    printf(" \"roc_auc\": %.17g, \"ap\": %.17g,\n", auc, ap);
    printf(" \"curve_build_s\": %.6f, \"roc_auc_s\": %.6f, \"ap_s\": %.6f, \"pr_curve_s\": %.6f, \"all_three_s\": %.6f,\n",
           median(tb, reps), median(ta, reps), median(tp, reps), median(tr, reps), median(t3, reps));
    printf(" \"moves_n\": %zu, \"moves\": %d, \"move_us\": %.4f, \"checksum\": %zu}\n", nm, MOVES,
           median(tm, reps) * 1e6, check);
    od_ctx_free(ctx);
    free(s);
    free(y);
    return 0;
}
