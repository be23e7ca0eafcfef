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
static int fx_same_partition(const long *a, const long *b, size_t n)
{
    long ma = -1, mb = -1;
    for (size_t i = 0; i < n; i++) {
        if (a[i] > ma) ma = a[i];
        if (b[i] > mb) mb = b[i];
    }
    if (ma != mb) return 0;
    size_t m = (size_t)(ma + 2);
    long *ab = malloc(m * sizeof *ab), *ba = malloc(m * sizeof *ba);
    int ok = ab && ba;
    for (size_t i = 0; ok && i < m; i++) ab[i] = ba[i] = -2;
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

#endif
