/* test_cluster_fx.h - reader for the fixture files written by
 * tests/fixtures/cluster/gen_cluster.py, plus helpers shared by the
 * test_cluster*.c programs.  Format: blocks "NAME ROWS COLS" followed by ROWS
 * lines of COLS numbers; '#' lines are comments. */
#ifndef TEST_CLUSTER_FX_H
#define TEST_CLUSTER_FX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "core/ctx.h"
#include "core/out.h"
#include "detect/detector.h"

#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>

typedef struct {
    char name[64];
    size_t rows, cols;
    double *v;
} fx_array;

typedef struct {
    fx_array *a;
    size_t n;
} fx_file;

static void fx_free(fx_file *f)
{
    for (size_t i = 0; i < f->n; i++) free(f->a[i].v);
    free(f->a);
    f->a = NULL;
    f->n = 0;
}

static int fx_load(fx_file *f, const char *rel)
{
    f->a = NULL;
    f->n = 0;
    FILE *fp = fopen(od_test_path(rel), "r");
    if (!fp) return -1;
    char line[256];
    size_t cap = 0;
    for (;;) {
        int c = fgetc(fp);
        if (c == EOF) break;
        if (c == '#') {
            if (!fgets(line, sizeof line, fp)) break;
            while (!strchr(line, '\n') && fgets(line, sizeof line, fp)) {}
            continue;
        }
        if (c == '\n' || c == ' ') continue;
        ungetc(c, fp);
        fx_array a;
        if (fscanf(fp, "%63s %zu %zu", a.name, &a.rows, &a.cols) != 3) break;
        a.v = malloc((a.rows * a.cols + 1) * sizeof *a.v);
        if (!a.v) break;
        for (size_t i = 0; i < a.rows * a.cols; i++)
            if (fscanf(fp, "%lf", &a.v[i]) != 1) a.v[i] = NAN;
        if (f->n == cap) {
            cap = cap ? 2 * cap : 16;
            fx_array *na = realloc(f->a, cap * sizeof *na);
            if (!na) {
                free(a.v);
                break;
            }
            f->a = na;
        }
        f->a[f->n++] = a;
    }
    fclose(fp);
    return f->n ? 0 : -1;
}

static const fx_array *fx_get(const fx_file *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->a[i].name, name)) return &f->a[i];
    printf("# fixture array %s missing\n", name);
    return NULL;
}

static double fx_num(const fx_file *f, const char *name)
{
    const fx_array *a = fx_get(f, name);
    return a ? a->v[0] : NAN;
}

/* max |got - want| and max relative error over m values */
static void fx_err(const double *got, const double *want, size_t m, double *abs_err, double *rel_err)
{
    double ea = 0, er = 0;
    for (size_t i = 0; i < m; i++) {
        double e = fabs(got[i] - want[i]);
        if (isnan(e)) e = INFINITY;
        if (e > ea) ea = e;
        double r = e / (fabs(want[i]) > 1e-300 ? fabs(want[i]) : 1e-300);
        if (fabs(want[i]) < 1e-12) r = e;
        if (r > er) er = r;
    }
    *abs_err = ea;
    *rel_err = er;
}

/* Do two labelings describe the same partition? (bijection between labels;
 * -1 must map to -1) */
__attribute__((unused)) static int fx_same_partition(const long *a, const long *b, size_t n)
{
    long ma = -1, mb = -1;
    for (size_t i = 0; i < n; i++) {
        if (a[i] > ma) ma = a[i];
        if (b[i] > mb) mb = b[i];
    }
    long *ab = malloc((size_t)(ma + 2) * sizeof *ab), *ba = malloc((size_t)(mb + 2) * sizeof *ba);
    int ok = ab && ba;
    for (long i = 0; ok && i < ma + 2; i++) ab[i] = -2;
    for (long i = 0; ok && i < mb + 2; i++) ba[i] = -2;
    for (size_t i = 0; ok && i < n; i++) {
        if ((a[i] < 0) != (b[i] < 0)) { ok = 0; break; }
        size_t x = (size_t)(a[i] + 1), y = (size_t)(b[i] + 1);
        if (ab[x] == -2 && ba[y] == -2) { ab[x] = (long)y; ba[y] = (long)x; }
        else if (ab[x] != (long)y || ba[y] != (long)x) ok = 0;
    }
    free(ab);
    free(ba);
    return ok;
}

/* Fit + score through the detector interface with key=value options. */
static int fx_fit(od_ctx *ctx, const char *det, const char *opts, const double *X, size_t n, size_t d,
                  void **state, od_params **pp)
{
    const od_detector_type *t = od_detector_find(det);
    if (!t) return -100;
    const char *keys[16], *vals[16];
    char buf[512], *save = NULL;
    size_t m = 0;
    snprintf(buf, sizeof buf, "%s", opts ? opts : "");
    for (char *tok = strtok_r(buf, " ", &save); tok && m < 16; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = 0;
        keys[m] = tok;
        vals[m++] = eq + 1;
    }
    od_params *p = od_params_parse(ctx, t->params, t->nparams, keys, vals, m);
    if (!p) return OD_EINVAL;
    od_data data = { X, n, d, d };
    int rc = t->fit(ctx, p, &data, NULL, state);
    if (pp) *pp = p;
    else od_params_free(p);
    return rc;
}

/* ------------------------------------------------------------ shared checks */

__attribute__((unused)) static double *rand_blobs(unsigned long seed, size_t n, size_t d, size_t k, double spread)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    double *X = malloc(n * d * sizeof *X), *C = malloc(k * d * sizeof *C);
    for (size_t i = 0; i < k * d; i++) C[i] = gsl_ran_flat(r, -spread, spread);
    for (size_t i = 0; i < n; i++) {
        size_t c = gsl_rng_uniform_int(r, k);
        for (size_t j = 0; j < d; j++) X[i * d + j] = C[c * d + j] + gsl_ran_gaussian(r, 1.0);
        if (i % 97 == 0)
            for (size_t j = 0; j < d; j++) X[i * d + j] = gsl_ran_flat(r, -2 * spread, 2 * spread);
    }
    free(C);
    gsl_rng_free(r);
    return X;
}

/* fit+score with the given thread count and seed; returns scores (malloc'd) */
__attribute__((unused)) static double *fit_score(const char *det, const char *opts, const double *X, size_t n, size_t d,
                         int threads, unsigned long seed, long *cl)
{
    od_ctx *ctx = od_ctx_new(seed);
    od_ctx_set_threads(ctx, threads);
    void *st = NULL;
    double *s = NULL;
    int rc = fx_fit(ctx, det, opts, X, n, d, &st, NULL);
    if (rc == OD_OK) {
        const od_detector_type *t = od_detector_find(det);
        s = malloc(n * sizeof *s);
        od_data data = { X, n, d, d };
        if (t->score(ctx, st, &data, s, cl) != OD_OK) {
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

__attribute__((unused)) static void check_threads(const char *det, const char *opts, const double *X, size_t n, size_t d)
{
    long *c1 = malloc(n * sizeof *c1), *c2 = malloc(n * sizeof *c2);
    double *a = fit_score(det, opts, X, n, d, 1, 42, c1);
    double *b = fit_score(det, opts, X, n, d, 2, 42, c2);
    od_test_true(a && b && !memcmp(a, b, n * sizeof *a) && !memcmp(c1, c2, n * sizeof *c1),
                 "%s %s: 1 and 2 threads give bit-identical scores and clusters", det, opts);
    free(a), free(b), free(c1), free(c2);
}

/* save -> load -> same scores; truncated file -> OD_EFORMAT */
__attribute__((unused)) static void check_save_load(const char *det, const char *opts, const double *X, size_t n, size_t d)
{
    od_ctx *ctx = od_ctx_new(7);
    const od_detector_type *t = od_detector_find(det);
    void *st = NULL, *st2 = NULL;
    od_params *p = NULL;
    int rc = fx_fit(ctx, det, opts, X, n, d, &st, &p);
    if (rc) {
        od_test_true(0, "%s save/load: fit failed: %s", det, od_ctx_errmsg(ctx));
        od_params_free(p);
        od_ctx_free(ctx);
        return;
    }
    FILE *fp = tmpfile();
    rc = t->save(ctx, st, fp);
    long len = ftell(fp);
    rewind(fp);
    int rc2 = t->load(ctx, p, fp, &st2);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    od_data data = { X, n, d, d };
    int ok = rc == 0 && rc2 == 0 && t->score(ctx, st, &data, a, NULL) == 0 &&
             t->score(ctx, st2, &data, b, NULL) == 0 && !memcmp(a, b, n * sizeof *a);
    od_test_true(ok, "%s: save/load round trip gives identical scores (%ld bytes)", det, len);
    if (st2) t->free(st2);
    /* truncated copies */
    int all_fmt = 1;
    char *buf = malloc((size_t)len);
    rewind(fp);
    if (fread(buf, 1, (size_t)len, fp) != (size_t)len) all_fmt = 0;
    long cuts[4] = { 3, 20, len / 2, len - 1 };
    for (int c = 0; c < 4 && all_fmt; c++) {
        FILE *tf = tmpfile();
        fwrite(buf, 1, (size_t)cuts[c], tf);
        rewind(tf);
        void *s3 = NULL;
        int r3 = t->load(ctx, p, tf, &s3);
        if (r3 != OD_EFORMAT || s3 || !strstr(od_ctx_errmsg(ctx), "truncated")) {
            printf("# cut %ld: rc %d msg %s\n", cuts[c], r3, od_ctx_errmsg(ctx));
            all_fmt = 0;
        }
        if (s3) t->free(s3);
        fclose(tf);
    }
    od_test_true(all_fmt, "%s: truncated model files give OD_EFORMAT 'truncated'", det);
    /* wrong magic */
    buf[0] ^= 0x55;
    FILE *tf = tmpfile();
    fwrite(buf, 1, (size_t)len, tf);
    rewind(tf);
    void *s4 = NULL;
    od_test_int(t->load(ctx, p, tf, &s4), OD_EFORMAT, "%s: foreign file gives OD_EFORMAT", det);
    fclose(tf);
    free(buf);
    fclose(fp);
    free(a), free(b);
    t->free(st);
    od_params_free(p);
    od_ctx_free(ctx);
}

__attribute__((unused)) static void check_describe(const char *det, const char *opts, const double *X, size_t n, size_t d,
                           const char *want)
{
    od_ctx *ctx = od_ctx_new(3);
    void *st = NULL;
    int rc = fx_fit(ctx, det, opts, X, n, d, &st, NULL);
    od_out *o = od_out_buffer();
    if (!rc) od_detector_find(det)->describe(st, o);
    od_test_true(!rc && strstr(od_out_str(o), want), "%s describe mentions '%s'", det, want);
    if (rc == 0 && !strstr(od_out_str(o), want)) printf("# %s\n", od_out_str(o));
    od_out_free(o);
    if (st) od_detector_find(det)->free(st);
    od_ctx_free(ctx);
}

__attribute__((unused)) static void check_error(const char *det, const char *opts, const double *X, size_t n, size_t d,
                        int want, const char *msg)
{
    od_ctx *ctx = od_ctx_new(3);
    void *st = NULL;
    int rc = fx_fit(ctx, det, opts, X, n, d, &st, NULL);
    od_test_true(rc == want && strstr(od_ctx_errmsg(ctx), msg), "%s %s (n=%zu, d=%zu) fails: %s", det,
                 opts, n, d, od_ctx_errmsg(ctx));
    if (rc == 0 && st) od_detector_find(det)->free(st);
    od_ctx_free(ctx);
}

#endif
