/* gen.c - writes the synthetic sample datasets (see sample-data/README.md).
 *
 *   make sample-data/gen && sample-data/gen sample-data
 *
 * Everything comes from the engine context's mt19937 seeded with a fixed
 * number and is written with od_csv_write, so the same build writes the same
 * bytes every time (the committed files are checked against a fresh run by
 * scripts or by hand: sample-data/gen /tmp/x && cmp /tmp/x/blobs.csv ...). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "core/ctx.h"
#include "data/csv.h"

#define SEED 20240601UL

enum { D = 6, K = 4, NOUT_GLOBAL = 45, NOUT_LOCAL = 15 };

static const double centre[K][D] = {
    { 0, 0, 0, 0, 0, 0 },
    { 6, 6, -2, 1, 0, 3 },
    { -5, 4, 3, -3, 2, -1 },
    { 3, -6, 5, 4, -4, 2 },
};
static const double spread[K] = { 1.0, 0.6, 1.5, 0.35 };
static const size_t size[K] = { 1200, 900, 540, 300 };
/* per-dimension stretch, so clusters are elongated rather than round */
static const double stretch[K][D] = {
    { 1.0, 1.0, 1.0, 1.0, 1.0, 1.0 },
    { 1.8, 0.6, 1.0, 1.0, 0.8, 1.2 },
    { 0.7, 0.7, 1.6, 1.0, 1.3, 0.9 },
    { 1.0, 1.0, 1.0, 2.0, 0.5, 1.0 },
};

static double round4(double x) { return round(x * 1e4) / 1e4; }

/* Smallest distance of x to a cluster centre, in units of that cluster's spread. */
static double nearest(const double *x)
{
    double best = INFINITY;
    for (int k = 0; k < K; k++) {
        double s = 0;
        for (int j = 0; j < D; j++) {
            double z = (x[j] - centre[k][j]) / (spread[k] * stretch[k][j]);
            s += z * z;
        }
        if (sqrt(s) < best) best = sqrt(s);
    }
    return best;
}

static int write_blobs(od_ctx *ctx, const char *dir)
{
    gsl_rng *r = od_ctx_rng(ctx);
    size_t nin = 0;
    for (int k = 0; k < K; k++) nin += size[k];
    size_t n = nin + NOUT_GLOBAL + NOUT_LOCAL;
    double *X = malloc(n * D * sizeof *X), *y = malloc(n * sizeof *y);
    size_t *perm = malloc(n * sizeof *perm);
    if (!X || !y || !perm) {
        free(X);
        free(y);
        free(perm);
        return od_error(ctx, OD_ENOMEM, "out of memory");
    }
    size_t i = 0;
    for (int k = 0; k < K; k++)
        for (size_t t = 0; t < size[k]; t++, i++) {
            for (int j = 0; j < D; j++) X[i * D + j] = centre[k][j] + gsl_ran_gaussian(r, spread[k] * stretch[k][j]);
            y[i] = 0;
        }
    /* global outliers: uniform in a box around all clusters, far from each */
    for (int t = 0; t < NOUT_GLOBAL; t++, i++) {
        do
            for (int j = 0; j < D; j++) X[i * D + j] = gsl_ran_flat(r, -12, 12);
        while (nearest(&X[i * D]) < 5);
        y[i] = 1;
    }
    /* local outliers: just outside one cluster (5 to 7 spreads away) */
    for (int t = 0; t < NOUT_LOCAL; t++, i++) {
        int k = (int)gsl_rng_uniform_int(r, K);
        double dir_[D], norm = 0, rad = gsl_ran_flat(r, 5, 7);
        for (int j = 0; j < D; j++) {
            dir_[j] = gsl_ran_gaussian(r, 1);
            norm += dir_[j] * dir_[j];
        }
        norm = sqrt(norm);
        for (int j = 0; j < D; j++) X[i * D + j] = centre[k][j] + rad * spread[k] * stretch[k][j] * dir_[j] / norm;
        y[i] = 1;
    }
    for (size_t t = 0; t < n; t++) perm[t] = t;
    gsl_ran_shuffle(r, perm, n, sizeof *perm);
    od_frame *f = od_frame_new(ctx, n);
    int rc = f ? OD_OK : OD_ENOMEM;
    for (int j = 0; j < D && !rc; j++) {
        double *c = malloc(n * sizeof *c);
        char name[8];
        if (!c) {
            rc = OD_ENOMEM;
            break;
        }
        for (size_t t = 0; t < n; t++) c[t] = round4(X[perm[t] * D + j]);
        snprintf(name, sizeof name, "x%d", j + 1);
        rc = od_frame_add_num_donate(ctx, f, name, c, OD_COL_NUM, OD_ROLE_FEATURE);
    }
    double *lab = malloc(n * sizeof *lab);
    if (!rc && lab) {
        for (size_t t = 0; t < n; t++) lab[t] = y[perm[t]];
        rc = od_frame_add_num_donate(ctx, f, "label", lab, OD_COL_NUM, OD_ROLE_LABEL);
    } else if (!rc) {
        rc = OD_ENOMEM;
    } else
        free(lab);
    char path[4096];
    snprintf(path, sizeof path, "%s/blobs.csv", dir);
    if (!rc) rc = od_csv_write(ctx, f, path);
    od_frame_free(f);
    free(X);
    free(y);
    free(perm);
    return rc;
}

static int write_series(od_ctx *ctx, const char *dir)
{
    enum { N = 10000, SPIKES = 10, FLAT_AT = 3000, FLAT_LEN = 72, SHIFT_AT = 6500, SHIFT_LABEL = 24 };
    gsl_rng *r = od_ctx_rng(ctx);
    double *t = malloc(N * sizeof *t), *v = malloc(N * sizeof *v), *lab = calloc(N, sizeof *lab);
    if (!t || !v || !lab) {
        free(t);
        free(v);
        free(lab);
        return od_error(ctx, OD_ENOMEM, "out of memory");
    }
    const double t0 = 1704067200; /* 2024-01-01 00:00:00 UTC */
    double ar = 0;
    for (int i = 0; i < N; i++) {
        double daily = 3.0 * sin(2 * M_PI * (i % 24) / 24.0 - M_PI / 2);
        double weekly = 1.5 * sin(2 * M_PI * (i % 168) / 168.0);
        ar = 0.6 * ar + gsl_ran_gaussian(r, 0.25);
        /* collective anomaly: the daily cycle vanishes for three days */
        if (i >= FLAT_AT && i < FLAT_AT + FLAT_LEN) {
            daily = 0;
            lab[i] = 1;
        }
        double level = i >= SHIFT_AT ? 4.0 : 0.0; /* level shift, labelled for its first day */
        if (i >= SHIFT_AT && i < SHIFT_AT + SHIFT_LABEL) lab[i] = 1;
        t[i] = t0 + 3600.0 * i;
        v[i] = 20 + daily + weekly + level + ar;
    }
    /* spikes: isolated points, away from the other anomalies */
    for (int s = 0; s < SPIKES;) {
        int i = 200 + (int)gsl_rng_uniform_int(r, N - 400);
        if (lab[i] || (i > FLAT_AT - 48 && i < FLAT_AT + FLAT_LEN + 48) || (i > SHIFT_AT - 48 && i < SHIFT_AT + 48)) continue;
        int near = 0;
        for (int k = i - 24; k <= i + 24; k++) near |= lab[k] != 0;
        if (near) continue;
        v[i] += (gsl_rng_uniform(r) < 0.5 ? -1 : 1) * gsl_ran_flat(r, 4, 7);
        lab[i] = 1;
        s++;
    }
    for (int i = 0; i < N; i++) v[i] = round(v[i] * 1e3) / 1e3;
    od_frame *f = od_frame_new(ctx, N);
    int rc = f ? OD_OK : OD_ENOMEM;
    if (!rc) rc = od_frame_add_num_donate(ctx, f, "timestamp", t, OD_COL_TIME, OD_ROLE_TIME);
    else free(t);
    if (!rc) rc = od_frame_add_num_donate(ctx, f, "value", v, OD_COL_NUM, OD_ROLE_FEATURE);
    else free(v);
    if (!rc) rc = od_frame_add_num_donate(ctx, f, "label", lab, OD_COL_NUM, OD_ROLE_LABEL);
    else free(lab);
    char path[4096];
    snprintf(path, sizeof path, "%s/series.csv", dir);
    if (!rc) rc = od_csv_write(ctx, f, path);
    od_frame_free(f);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR   (writes OUTDIR/blobs.csv and OUTDIR/series.csv)\n", argv[0]);
        return 2;
    }
    od_ctx *ctx = od_ctx_new(SEED);
    if (!ctx) return 1;
    int rc = write_blobs(ctx, argv[1]);
    if (!rc) rc = write_series(ctx, argv[1]);
    if (rc) fprintf(stderr, "%s: %s\n", argv[0], od_ctx_errmsg(ctx));
    od_ctx_free(ctx);
    return rc ? 1 : 0;
}
