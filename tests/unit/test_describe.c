/* test_describe.c - od_frame_describe (engine/run/describe.c): hand/numpy
 * reference values, missing values, constant / one-row / text / empty
 * columns, selections, and the selection-based quantiles against GSL's
 * sorted-data quantiles on many shapes of input, bit for bit. */
#include "config.h"
#include "../od_test.h"
#include "run/describe.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

static double *dup_vals(const double *v, size_t n)
{
    double *p = malloc((n ? n : 1) * sizeof *p);
    if (!p) abort();
    if (n) memcpy(p, v, n * sizeof *p);
    return p;
}

static void add_num(od_ctx *ctx, od_frame *f, const char *name, const double *v, od_coltype type, od_role role)
{
    if (od_frame_add_num_donate(ctx, f, name, dup_vals(v, f->nrow), type, role)) abort();
}

static const od_col_stats *find(const od_col_stats *st, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(st[i].name, name)) return &st[i];
    return NULL;
}

/* A 12-row frame: x (one NaN), c (constant), t (time), s (text), e (all NaN), y (label). */
static od_frame *small_frame(od_ctx *ctx)
{
    const double x[12] = { 3, -1, 4, 1, 5, 9, 2, 6, NAN, 5, 3, 5 };
    const double c[12] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };
    const double t[12] = { 1609459200, 1609545600, 1609718400, 1610064000, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN };
    const double e[12] = { NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN };
    const double y[12] = { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1 };
    od_frame *f = od_frame_new(ctx, 12);
    if (!f) abort();
    add_num(ctx, f, "x", x, OD_COL_NUM, OD_ROLE_FEATURE);
    add_num(ctx, f, "c", c, OD_COL_NUM, OD_ROLE_FEATURE);
    add_num(ctx, f, "t", t, OD_COL_TIME, OD_ROLE_TIME);
    char **s = calloc(12, sizeof *s);
    if (!s) abort();
    const char *words[12] = { "a", "b", NULL, "a", "c", NULL, "a", "b", "b", "a", NULL, "d" };
    for (int i = 0; i < 12; i++) s[i] = words[i] ? strdup(words[i]) : NULL;
    if (od_frame_add_text_donate(ctx, f, "s", s, OD_ROLE_IGNORED)) abort();
    add_num(ctx, f, "e", e, OD_COL_NUM, OD_ROLE_FEATURE);
    add_num(ctx, f, "y", y, OD_COL_NUM, OD_ROLE_LABEL);
    return f;
}

static void test_reference_values(od_ctx *ctx)
{
    od_frame *f = small_frame(ctx);
    od_col_stats *st;
    size_t n;
    int rc = od_frame_describe(ctx, f, NULL, 0, &st, &n, NULL);
    od_test_int(rc, OD_OK, "describe all columns");
    od_test_int((long long)n, 6, "one entry per column");
    for (size_t i = 0; i < n; i++) od_test_int((long long)st[i].col, (long long)i, "frame order, entry %zu", i);
    od_frame_free(f);   /* the names live in the returned block */

    /* x without its NaN: [3, -1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
     *   np.mean(x) = 3.8181818181818183, np.std(x, ddof=1) = 2.6764970322487494,
     *   np.quantile(x, [0.25, 0.5, 0.75]) = [2.5, 4.0, 5.0], len(np.unique(x)) = 8 */
    const od_col_stats *x = find(st, n, "x");
    od_test_true(x && x->numeric && x->type == OD_COL_NUM && x->role == OD_ROLE_FEATURE, "x: numeric feature");
    od_test_int((long long)x->n, 11, "x: n");
    od_test_int((long long)x->missing, 1, "x: the NaN is missing");
    od_test_rel(x->mean, 3.8181818181818183, 1e-15, "x: mean");
    od_test_rel(x->sd, 2.6764970322487494, 1e-15, "x: sd (n-1)");
    od_test_abs(x->min, -1, 0, "x: min");
    od_test_abs(x->q25, 2.5, 0, "x: q25");
    od_test_abs(x->median, 4, 0, "x: median");
    od_test_abs(x->q75, 5, 0, "x: q75");
    od_test_abs(x->max, 9, 0, "x: max");
    od_test_int((long long)x->distinct, 8, "x: distinct");

    /* a constant column: sd 0, every quantile the constant, one distinct value */
    const od_col_stats *c = find(st, n, "c");
    od_test_true(c->mean == 7 && c->sd == 0 && c->min == 7 && c->q25 == 7 && c->median == 7 && c->q75 == 7 && c->max == 7,
                 "c: constant column");
    od_test_int((long long)c->distinct, 1, "c: one distinct value");

    /* time column, 4 present: np.quantile(t, [0.25, 0.5, 0.75]) =
     *   [1609524000.0, 1609632000.0, 1609804800.0]  (2021-01-01 18:00, 2021-01-03 00:00, 2021-01-05 00:00) */
    const od_col_stats *t = find(st, n, "t");
    od_test_true(t->numeric && t->type == OD_COL_TIME && t->role == OD_ROLE_TIME, "t: time column keeps its type and role");
    od_test_int((long long)t->missing, 8, "t: missing");
    od_test_abs(t->min, 1609459200, 0, "t: min");
    od_test_abs(t->q25, 1609524000, 0, "t: q25");
    od_test_abs(t->median, 1609632000, 0, "t: median");
    od_test_abs(t->q75, 1609804800, 0, "t: q75");
    od_test_abs(t->max, 1610064000, 0, "t: max");
    od_test_abs(t->mean, 1609696800, 0, "t: mean");

    /* text: counted, no statistics */
    const od_col_stats *s = find(st, n, "s");
    od_test_true(!s->numeric && s->type == OD_COL_TEXT && s->role == OD_ROLE_IGNORED, "s: text column, not numeric");
    od_test_int((long long)s->n, 9, "s: present cells");
    od_test_int((long long)s->missing, 3, "s: NULL cells are missing");
    od_test_true(isnan(s->mean) && isnan(s->sd) && isnan(s->min) && isnan(s->median) && isnan(s->max) && s->distinct == 0,
                 "s: statistics NaN, distinct 0");

    /* a numeric column without values */
    const od_col_stats *e = find(st, n, "e");
    od_test_true(!e->numeric && e->n == 0 && e->missing == 12 && isnan(e->mean) && isnan(e->q25) && e->distinct == 0,
                 "e: all missing -> no statistics");

    /* the label: np.mean = 1/6, np.std(ddof=1) = sqrt(10/66) = 0.38924947208076144 */
    const od_col_stats *y = find(st, n, "y");
    od_test_true(y->role == OD_ROLE_LABEL, "y: label role");
    od_test_rel(y->mean, 1.0 / 6.0, 1e-15, "y: mean");
    od_test_rel(y->sd, 0.38924947208076144, 1e-15, "y: sd");
    od_test_abs(y->q75, 0, 0, "y: q75");
    od_test_int((long long)y->distinct, 2, "y: distinct");
    free(st);
}

static void test_small_shapes(od_ctx *ctx)
{
    /* one row: sd undefined, every quantile the value */
    const double one[1] = { -2.5 };
    od_frame *f = od_frame_new(ctx, 1);
    add_num(ctx, f, "v", one, OD_COL_NUM, OD_ROLE_FEATURE);
    od_col_stats *st;
    size_t n;
    od_test_int(od_frame_describe(ctx, f, NULL, 0, &st, &n, NULL), OD_OK, "one row");
    od_test_true(st[0].n == 1 && st[0].mean == -2.5 && isnan(st[0].sd) && st[0].min == -2.5 && st[0].q25 == -2.5 &&
                 st[0].median == -2.5 && st[0].q75 == -2.5 && st[0].max == -2.5 && st[0].distinct == 1,
                 "one row: mean/quantiles the value, sd NaN");
    free(st);
    od_frame_free(f);

    /* four values, interpolation on both sides:
     *   y = [0.5, 2.25, -7.0, 10.0]; np.quantile(y, [0.25, 0.5, 0.75]) = [-1.375, 1.375, 4.1875],
     *   np.mean(y) = 1.4375, np.std(y, ddof=1) = 6.977269642680199 */
    const double y[4] = { 0.5, 2.25, -7.0, 10.0 };
    f = od_frame_new(ctx, 4);
    add_num(ctx, f, "y", y, OD_COL_NUM, OD_ROLE_FEATURE);
    const double z[4] = { 0.0, -0.0, 1, 0.0 };
    add_num(ctx, f, "z", z, OD_COL_NUM, OD_ROLE_FEATURE);
    od_test_int(od_frame_describe(ctx, f, NULL, 0, &st, &n, NULL), OD_OK, "four rows");
    od_test_abs(st[0].q25, -1.375, 0, "y: q25");
    od_test_abs(st[0].median, 1.375, 0, "y: median");
    od_test_abs(st[0].q75, 4.1875, 0, "y: q75");
    od_test_rel(st[0].mean, 1.4375, 1e-15, "y: mean");
    od_test_rel(st[0].sd, 6.977269642680199, 1e-15, "y: sd");
    od_test_int((long long)st[1].distinct, 2, "z: -0 and +0 count as one value");
    free(st);
    od_frame_free(f);

    /* a frame without rows */
    f = od_frame_new(ctx, 0);
    add_num(ctx, f, "w", NULL, OD_COL_NUM, OD_ROLE_FEATURE);
    od_test_int(od_frame_describe(ctx, f, NULL, 0, &st, &n, NULL), OD_OK, "no rows");
    od_test_true(n == 1 && st[0].n == 0 && st[0].missing == 0 && !st[0].numeric, "no rows: n 0, not numeric");
    free(st);
    od_frame_free(f);
}

static void test_selection(od_ctx *ctx)
{
    od_frame *f = small_frame(ctx);
    od_col_stats *st;
    size_t n, bad = 99;
    const char *sel[] = { "y", "x", "y" };
    od_test_int(od_frame_describe(ctx, f, sel, 3, &st, &n, &bad), OD_OK, "selection");
    od_test_int((long long)n, 2, "selection: each column once");
    od_test_true(n == 2 && !strcmp(st[0].name, "x") && !strcmp(st[1].name, "y") && st[0].col == 0 && st[1].col == 5,
                 "selection: in frame order");
    od_test_int((long long)bad, 99, "selection: bad untouched on success");
    free(st);

    const char *unk[] = { "x", "nope", "zz" };
    od_col_stats dummy;
    st = &dummy;
    n = 42;
    int rc = od_frame_describe(ctx, f, unk, 3, &st, &n, &bad);
    od_test_int(rc, OD_ENOTFOUND, "unknown column: OD_ENOTFOUND");
    od_test_int((long long)bad, 1, "unknown column: its index in the selection");
    od_test_true(st == NULL && n == 0, "unknown column: nothing returned");
    od_test_true(strstr(od_ctx_errmsg(ctx), "'nope'") != NULL, "unknown column: the message names it (%s)", od_ctx_errmsg(ctx));
    od_ctx_clear_error(ctx);
    rc = od_frame_describe(ctx, f, unk + 1, 1, &st, &n, NULL);
    od_test_int(rc, OD_ENOTFOUND, "unknown column without a bad pointer");
    od_ctx_clear_error(ctx);
    od_frame_free(f);
}

/* GSL on a fully sorted copy: the numbers `describe` printed before. */
static int same_as_gsl(const double *v, size_t n, const od_col_stats *st)
{
    double *s = dup_vals(v, n);
    gsl_sort(s, 1, n);
    size_t d = 1;
    for (size_t i = 1; i < n; i++) d += s[i] != s[i - 1];
    int ok = st->min == s[0] && st->max == s[n - 1] && st->distinct == d &&
             st->q25 == gsl_stats_quantile_from_sorted_data(s, 1, n, 0.25) &&
             st->median == gsl_stats_median_from_sorted_data(s, 1, n) &&
             st->q75 == gsl_stats_quantile_from_sorted_data(s, 1, n, 0.75);
    double mean = gsl_stats_mean(s, 1, n);
    ok = ok && od_test_close(st->mean, mean, 1e-13, 1);
    if (n > 1) ok = ok && od_test_close(st->sd, gsl_stats_sd_m(s, 1, n, mean), 1e-13, 1);
    if (!ok)
        printf("#   n=%zu min %g/%g q25 %.17g/%.17g med %.17g/%.17g q75 %.17g/%.17g distinct %zu/%zu\n", n, st->min, s[0], st->q25,
               gsl_stats_quantile_from_sorted_data(s, 1, n, 0.25), st->median, gsl_stats_median_from_sorted_data(s, 1, n), st->q75,
               gsl_stats_quantile_from_sorted_data(s, 1, n, 0.75), st->distinct, d);
    free(s);
    return ok;
}

static int check_shape(od_ctx *ctx, const double *v, size_t n)
{
    od_frame *f = od_frame_new(ctx, n);
    add_num(ctx, f, "v", v, OD_COL_NUM, OD_ROLE_FEATURE);
    od_col_stats *st;
    size_t k;
    int ok = od_frame_describe(ctx, f, NULL, 0, &st, &k, NULL) == OD_OK && same_as_gsl(v, n, &st[0]);
    free(st);
    od_frame_free(f);
    return ok;
}

/* Quickselect against a full sort: every n up to 300 in several shapes (random,
 * sorted, reversed, organ pipe, few distinct values, constant), then large n. */
static void test_against_sort(od_ctx *ctx)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12);
    const char *shape[6] = { "random", "sorted", "reversed", "organ pipe", "few values", "constant" };
    for (int sh = 0; sh < 6; sh++) {
        int ok = 1;
        for (size_t n = 1; n <= 300 && ok; n++) {
            double *v = malloc(n * sizeof *v);
            for (size_t i = 0; i < n; i++) {
                switch (sh) {
                case 0: v[i] = gsl_rng_uniform(r) * 200 - 100; break;
                case 1: v[i] = (double)i * 0.5; break;
                case 2: v[i] = (double)(n - i); break;
                case 3: v[i] = (double)(i < n / 2 ? i : n - i); break;
                case 4: v[i] = (double)gsl_rng_uniform_int(r, 4) - 1.5; break;
                default: v[i] = 3.25; break;
                }
            }
            ok = check_shape(ctx, v, n);
            if (!ok) printf("#   shape %s, n=%zu\n", shape[sh], n);
            free(v);
        }
        od_test_true(ok, "selection == sorted quantiles, %s, n = 1..300", shape[sh]);
    }
    size_t big[3] = { 100000, 100001, 65537 };
    for (int b = 0; b < 3; b++) {
        size_t n = big[b];
        double *v = malloc(n * sizeof *v);
        for (size_t i = 0; i < n; i++)
            v[i] = b == 2 ? (double)(i % 97) : gsl_rng_uniform(r) * 1e6;
        od_test_true(check_shape(ctx, v, n), "selection == sorted quantiles, n = %zu%s", n, b == 2 ? " (97 values)" : "");
        free(v);
    }
    /* the binned pass (issue 19): shapes that put most values in one bin or
     * spread them over every bin, values on bin edges, signed zeros, a
     * subnormal range */
    const char *skew[6] = { "one huge outlier (all but 2 values in one bin)", "Gaussian rounded to 6 decimals (many ties)",
                            "-0 and +0 with a few values", "exponential (long right tail)", "subnormal range",
                            "integers 0..4095 scaled to fall on bin edges" };
    for (int b = 0; b < 6; b++) {
        size_t n = 200003;
        double *v = malloc(n * sizeof *v);
        for (size_t i = 0; i < n; i++) {
            switch (b) {
            case 0: v[i] = i == 7 ? 1e100 : i == 11 ? -1e99 : gsl_rng_uniform(r); break;
            case 1: v[i] = round(gsl_ran_gaussian(r, 3.0) * 1e6) / 1e6; break;
            case 2: v[i] = i % 3 == 0 ? -0.0 : i % 3 == 1 ? 0.0 : (double)(i % 5); break;
            case 3: v[i] = gsl_ran_exponential(r, 1.0); break;
            case 4: v[i] = 4.9e-324 * (double)(i % 5); break;
            default: v[i] = (double)(i % 4096) * 0.1; break;
            }
        }
        od_test_true(check_shape(ctx, v, n), "binned pass == sorted quantiles and distinct count: %s", skew[b]);
        free(v);
    }
    gsl_rng_free(r);
}

/* The bins span the range of a fixed sample (every (n / 4096)-th row) and
 * values outside it go to the end bins: data the sample misrepresents,
 * infinities, NaN, and samples without two different finite values (then
 * the exact min and max set the bins). */
static void test_sampled_range(od_ctx *ctx)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 21);
    const char *what[6] = { "the sampled rows in [0, 1), the others over +-1e6", "+-inf, NaN and values",
                            "the sampled rows NaN (sample empty)", "the sampled rows one value (sample constant)",
                            "mostly NaN, ties, -0 and +0", "one value and +inf" };
    const size_t n = 300007, step = n / 4096;
    for (int b = 0; b < 6; b++) {
        double *v = malloc(n * sizeof *v), *p = malloc(n * sizeof *p);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            int sampled = i % step == 0;
            double u = gsl_rng_uniform(r);
            switch (b) {
            case 0: v[i] = sampled ? u : u * 2e6 - 1e6; break;
            case 1: v[i] = i % 101 == 0 ? INFINITY : i % 103 == 0 ? -INFINITY : i % 7 == 0 ? NAN : u - 0.5; break;
            case 2: v[i] = sampled ? NAN : round(u * 1000) - 500; break;
            case 3: v[i] = sampled ? 5 : u < 0.5 ? 5 : u * 10; break;
            case 4: v[i] = u < 0.9 ? NAN : u < 0.93 ? -0.0 : u < 0.96 ? 0.0 : round(u * 100); break;
            default: v[i] = i == n - 2 ? INFINITY : 2.5; break;
            }
            if (!isnan(v[i])) p[m++] = v[i];
        }
        od_frame *f = od_frame_new(ctx, n);
        add_num(ctx, f, "v", v, OD_COL_NUM, OD_ROLE_FEATURE);
        od_col_stats *st;
        size_t k;
        int ok = od_frame_describe(ctx, f, NULL, 0, &st, &k, NULL) == OD_OK && st[0].n == m && st[0].missing == n - m;
        if (ok && b == 1) {   /* infinite mean and sd: compare the order statistics only */
            double *s = dup_vals(p, m);
            gsl_sort(s, 1, m);
            size_t d = 1;
            for (size_t i = 1; i < m; i++) d += s[i] != s[i - 1];
            ok = st[0].min == s[0] && st[0].max == s[m - 1] && st[0].distinct == d &&
                 st[0].q25 == gsl_stats_quantile_from_sorted_data(s, 1, m, 0.25) &&
                 st[0].median == gsl_stats_median_from_sorted_data(s, 1, m) &&
                 st[0].q75 == gsl_stats_quantile_from_sorted_data(s, 1, m, 0.75);
            free(s);
        } else if (ok && b == 5) {
            ok = st[0].min == 2.5 && st[0].max == INFINITY && st[0].distinct == 2 && st[0].q25 == 2.5 &&
                 st[0].median == 2.5 && st[0].q75 == 2.5;
        } else if (ok) {
            ok = same_as_gsl(p, m, &st[0]);
        }
        od_test_true(ok, "sampled bins == sorted quantiles and distinct count: %s", what[b]);
        if (ok) free(st);
        od_frame_free(f);
        free(v);
        free(p);
    }
    gsl_rng_free(r);
}

/* The same numbers whatever the thread count. */
static void test_threads(od_ctx *ctx)
{
    size_t n = 5000, d = 9;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    od_frame *f = od_frame_new(ctx, n);
    double *v = malloc(n * sizeof *v);
    for (size_t j = 0; j < d; j++) {
        char nm[8];
        snprintf(nm, sizeof nm, "c%zu", j);
        for (size_t i = 0; i < n; i++) v[i] = gsl_rng_uniform(r) < 0.05 ? NAN : gsl_ran_gaussian(r, 1.0 + (double)j) + (double)j;
        add_num(ctx, f, nm, v, OD_COL_NUM, OD_ROLE_FEATURE);
    }
    free(v);
    gsl_rng_free(r);
    od_col_stats *a, *b;
    size_t na, nb;
    od_ctx_set_threads(ctx, 1);
    int rc = od_frame_describe(ctx, f, NULL, 0, &a, &na, NULL);
    od_ctx_set_threads(ctx, 3);
    rc |= od_frame_describe(ctx, f, NULL, 0, &b, &nb, NULL);
    int same = !rc && na == nb;
    for (size_t j = 0; same && j < na; j++)
        same = a[j].n == b[j].n && a[j].missing == b[j].missing && a[j].distinct == b[j].distinct &&
               !memcmp(&a[j].mean, &b[j].mean, 7 * sizeof(double));
    od_test_true(same, "1 and 3 threads give the same bits");
    free(a);
    free(b);
    od_frame_free(f);
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(1);
    test_reference_values(ctx);
    test_small_shapes(ctx);
    test_selection(ctx);
    test_against_sort(ctx);
    test_sampled_range(ctx);
    test_threads(ctx);
    od_ctx_free(ctx);
    return od_test_done();
}
