/* Engine core: context (errors, warnings, RNG streams, cancel), output sinks,
 * number formatting, detector parameter tables, and the workspace's version
 * chain (undo, memory bound). */
#include "config.h"
#include "oddity.h"
#include "core/num.h"
#include "../od_test.h"

#include <math.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>

static const od_param_spec spec[] = {
    { "k", OD_P_INT, "8", 1, 100, NULL, "clusters" },
    { "tol", OD_P_REAL, "1e-4", 0, INFINITY, NULL, "tolerance" },
    { "eps", OD_P_REAL, "auto", 0, INFINITY, "auto", "radius" },
    { "init", OD_P_CHOICE, "k-means++", 0, -1, "k-means++|random", "init" },
    { "robust", OD_P_BOOL, "no", 0, -1, NULL, "robust" },
};

static od_frame *tiny_frame(od_ctx *ctx, size_t n)
{
    od_frame *f = od_frame_new(ctx, n);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) { x[i] = (double)i; y[i] = i == 3; }
    od_frame_add_num_donate(ctx, f, "x", x, OD_COL_NUM, OD_ROLE_FEATURE);
    od_frame_add_num_donate(ctx, f, "label", y, OD_COL_NUM, OD_ROLE_LABEL);
    return f;
}

/* od_cmp_double: ascending, NaN last, a total order qsort can rely on. */
static void test_cmp_double(void)
{
    double nan = NAN, one = 1, two = 2, pz = 0.0, nz = -0.0, inf = INFINITY;
    od_test_true(od_cmp_double(&one, &two) < 0 && od_cmp_double(&two, &one) > 0, "cmp: 1 < 2");
    od_test_int(od_cmp_double(&one, &one), 0, "cmp: 1 == 1");
    od_test_int(od_cmp_double(&nz, &pz), 0, "cmp: -0.0 == +0.0");
    od_test_true(od_cmp_double(&nan, &inf) > 0 && od_cmp_double(&inf, &nan) < 0, "cmp: NaN after +inf");
    double ninf = -INFINITY;
    od_test_true(od_cmp_double(&nan, &ninf) > 0, "cmp: NaN after -inf");
    od_test_int(od_cmp_double(&nan, &nan), 0, "cmp: NaN == NaN");
    double a[] = { 3, NAN, -INFINITY, 0.5, NAN, INFINITY, -2, 0.5, NAN, 1e-300 };
    size_t n = sizeof a / sizeof *a;
    qsort(a, n, sizeof *a, od_cmp_double);
    const double want[] = { -INFINITY, -2, 1e-300, 0.5, 0.5, 3, INFINITY };
    int ok = 1;
    for (size_t i = 0; i < 7; i++) ok &= a[i] == want[i];
    for (size_t i = 7; i < n; i++) ok &= isnan(a[i]) != 0;
    od_test_true(ok, "qsort with od_cmp_double: numbers ascending, the three NaNs last");
}

/* The linear quantile against numpy.quantile (method="linear"), by hand. */
static void test_quantile(void)
{
    const double a4[] = { 1, 2, 3, 4 }, a5[] = { 1, 2, 3, 4, 5 };
    od_test_true(od_quantile_sorted(a4, 4, 0.25) == 1.75, "np.quantile([1,2,3,4], 0.25) = 1.75");
    od_test_true(od_quantile_sorted(a4, 4, 0.5) == 2.5, "np.quantile([1,2,3,4], 0.5) = 2.5");
    od_test_true(od_quantile_sorted(a5, 5, 0.5) == 3, "np.quantile([1..5], 0.5) = 3");
    od_test_true(od_quantile_sorted(a5, 5, 0) == 1, "p=0: the minimum");
    od_test_true(od_quantile_sorted(a5, 5, 1) == 5, "p=1: the maximum");
    const double one[] = { 7 };
    od_test_true(od_quantile_sorted(one, 1, 0.3) == 7, "one value: every quantile is it");
    /* numpy's _lerp uses b - (b-a)*(1-t) for t >= 0.5: np.quantile([0.1, 0.4], 0.75)
     * is 0.325, where a + (b-a)*t would give 0.32500000000000007 */
    const double s2[] = { 0.1, 0.4 };
    volatile double t = 0.75;
    od_test_true(0.1 + (0.4 - 0.1) * t != 0.325, "(the naive form differs in the last bit here)");
    od_test_true(od_quantile_sorted(s2, 2, 0.75) == 0.325, "np.quantile([0.1, 0.4], 0.75) = 0.325 (symmetric _lerp)");
    const double s3[] = { 0.1, 0.5 };
    od_test_true(od_quantile_sorted(s3, 2, 0.5) == 0.3, "np.quantile([0.1, 0.5], 0.5) = 0.3 (t = 0.5 takes the symmetric form)");
    od_test_true(od_quantile_sorted(a4, 4, 0.1) == 1.3, "np.quantile([1,2,3,4], 0.1) = 1.3 (t < 0.5: a + (b-a)t)");
    od_test_true(od_lerp(0.1, 0.2, 0.7) == 0.17, "od_lerp(0.1, 0.2, 0.7) = 0.17 like numpy's _lerp");
    const double wi[] = { 1, 5, INFINITY };
    od_test_true(od_quantile_sorted(wi, 3, 0.5) == 5, "an exact order statistic is returned as is, even before inf (numpy: 5 + inf*0 = NaN)");
    double wis[] = { INFINITY, 5, 1 };
    od_test_true(od_quantile_select(wis, 3, 0.5) == 5, "... by selection too");
    double u[] = { 4, 1, 3, 2 };
    od_test_true(od_quantile_select(u, 4, 0.25) == 1.75, "selection: np.quantile([4,1,3,2], 0.25) = 1.75");
    double w[] = { 0.4, 0.1 };
    od_test_true(od_quantile_select(w, 2, 0.75) == 0.325, "selection: symmetric _lerp as well");

    /* selection == sorted, bit for bit, on random arrays with and without ties,
     * p in ascending and in mixed order */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    int ok = 1, ok_sel = 1;
    for (int it = 0; it < 300; it++) {
        size_t n = 1 + gsl_rng_uniform_int(r, it < 200 ? 40 : 3000);
        double *x = malloc(n * sizeof *x), *s = malloc(n * sizeof *s), *c = malloc(n * sizeof *c);
        for (size_t i = 0; i < n; i++)
            x[i] = it % 3 ? gsl_rng_uniform(r) - 0.5 : (double)gsl_rng_uniform_int(r, 4);
        memcpy(s, x, n * sizeof *s);
        qsort(s, n, sizeof *s, od_cmp_double);
        const double p[] = { 0, 0.01, 0.25, 0.5, 0.5, 0.75, 0.98, 1, 0.3, 0.001 * it };
        size_t np = sizeof p / sizeof *p;
        double q[sizeof p / sizeof *p];
        memcpy(c, x, n * sizeof *c);
        od_quantiles_select(c, n, p, np, q);
        for (size_t k = 0; k < np; k++) {
            if (q[k] != od_quantile_sorted(s, n, p[k])) ok = 0;
            memcpy(c, x, n * sizeof *c);
            if (od_quantile_select(c, n, p[k]) != q[k]) ok = 0;
        }
        size_t k = gsl_rng_uniform_int(r, n);
        memcpy(c, x, n * sizeof *c);
        double v = od_select(c, n, k);
        if (v != s[k] || c[k] != v) ok_sel = 0;
        for (size_t i = 0; i < n; i++)
            if ((i < k && c[i] > v) || (i > k && c[i] < v)) ok_sel = 0;
        free(x), free(s), free(c);
    }
    gsl_rng_free(r);
    od_test_true(ok, "od_quantiles_select == od_quantile_select == od_quantile_sorted bit for bit (300 arrays)");
    od_test_true(ok_sel, "od_select puts the k-th smallest at k, smaller before, larger after");
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(42);
    od_test_true(ctx != NULL, "context created");

    /* errors and warnings */
    int rc = od_error(ctx, OD_EINVAL, "option k=%d: must be at least 1", 0);
    od_test_int(rc, OD_EINVAL, "od_error returns its code");
    od_test_str(od_ctx_errmsg(ctx), "option k=0: must be at least 1", "message kept in the context");
    od_error(ctx, OD_EDATA, "outer: %s", od_ctx_errmsg(ctx));
    od_test_str(od_ctx_errmsg(ctx), "outer: option k=0: must be at least 1",
                "od_error can wrap the context's own message (no overlapping vsnprintf)");
    od_error(ctx, OD_EINVAL, "option k=%d: must be at least 1", 0);
    od_ctx_clear_error(ctx);
    od_test_str(od_ctx_errmsg(ctx), "", "message cleared");
    od_warn(ctx, "covariance regularised by %g", 1e-6);
    od_warn(ctx, "covariance regularised by %g", 1e-6);
    od_test_int((long long)od_ctx_nwarnings(ctx), 1, "a repeated warning is kept once");
    od_ctx_clear_warnings(ctx);
    od_test_int((long long)od_ctx_nwarnings(ctx), 0, "warnings cleared");
    od_test_true(strcmp(od_strerror(OD_EFORMAT), "bad file format") == 0, "od_strerror");

    /* GSL's abort handler is replaced: a singular LU solve returns a code */
    {
        gsl_matrix *A = gsl_matrix_calloc(2, 2);
        gsl_permutation *p = gsl_permutation_alloc(2);
        gsl_vector *b = gsl_vector_calloc(2), *x = gsl_vector_alloc(2);
        int sg;
        gsl_linalg_LU_decomp(A, p, &sg);
        int st = gsl_linalg_LU_solve(A, p, b, x);
        od_test_true(st != GSL_SUCCESS, "GSL error returns a status instead of aborting (%d)", st);
        gsl_matrix_free(A);
        gsl_permutation_free(p);
        gsl_vector_free(b);
        gsl_vector_free(x);
    }

    /* RNG: the same seed gives the same draws; streams depend only on seed and task */
    double a1 = gsl_rng_uniform(od_ctx_rng(ctx));
    od_ctx_set_seed(ctx, 42);
    double a2 = gsl_rng_uniform(od_ctx_rng(ctx));
    od_test_true(a1 == a2, "reseeding repeats the draws");
    od_ctx_set_seed(ctx, 42);
    uint64_t k1 = od_ctx_next_stream(ctx);
    od_ctx_set_seed(ctx, 42);
    uint64_t k2 = od_ctx_next_stream(ctx);
    od_test_true(k1 == k2, "stream keys depend only on the seed");
    gsl_rng *r1 = od_rng_stream(k1, 3), *r2 = od_rng_stream(k1, 3), *r3 = od_rng_stream(k1, 4);
    unsigned long u1 = gsl_rng_get(r1), u2 = gsl_rng_get(r2), u3 = gsl_rng_get(r3);
    od_test_true(u1 == u2, "same key and task: same stream");
    od_test_true(u1 != u3, "another task: another stream");
    gsl_rng_free(r1);
    gsl_rng_free(r2);
    gsl_rng_free(r3);
    od_ctx_set_seed(ctx, 43);
    od_test_true(od_ctx_next_stream(ctx) != k1, "another seed: another stream key");

    /* cancel flag */
    od_test_int(od_cancelled(ctx), 0, "not cancelled");
    *od_ctx_cancel_flag(ctx) = 1;
    od_test_int(od_cancelled(ctx), 1, "cancel flag seen");
    od_ctx_clear_cancel(ctx);
    od_test_int(od_cancelled(ctx), 0, "cancel flag cleared");

    /* output sinks and number formatting */
    od_out *o = od_out_buffer();
    for (int i = 0; i < 1000; i++) od_printf(o, "%d,", i % 10);
    od_test_int((long long)od_out_len(o), 2000, "buffer sink grows");
    od_out_reset(o);
    od_puts(o, "abc");
    od_test_str(od_out_str(o), "abc", "reset then write");
    od_out_free(o);
    char b[48];
    od_test_str(od_fmt_num(b, sizeof b, 0.123456789, 4), "0.1235", "4 significant digits");
    od_test_str(od_fmt_num(b, sizeof b, 1234.5, 6), "1234.5", "no trailing zeros");
    od_test_str(od_fmt_num(b, sizeof b, 2.0, 6), "2", "integer value");
    od_test_str(od_fmt_num(b, sizeof b, 1.5e-7, 3), "1.5e-07", "tiny values in exponent form");
    od_test_str(od_fmt_num(b, sizeof b, NAN, 3), "nan", "NaN spelled out");
    od_test_str(od_fmt_num(b, sizeof b, -INFINITY, 3), "-inf", "-inf spelled out");
    od_test_str(od_fmt_num(b, sizeof b, -0.00001, 2), "-1e-05", "small negative");

    /* parameter tables */
    od_params *p = od_params_parse(ctx, spec, 5, NULL, NULL, 0);
    od_test_true(p != NULL, "defaults parse");
    od_test_int(od_params_int(p, "k"), 8, "int default");
    od_test_true(isnan(od_params_real(p, "eps")) && od_params_is(p, "eps", "auto"), "a word allowed for a real");
    od_test_int(od_params_choice(p, "init"), 0, "choice default index");
    od_test_int(od_params_given(p, "k"), 0, "defaults are not 'given'");
    char *fmt = od_params_format(p);
    od_test_str(fmt, "k=8 tol=1e-4 eps=auto init=k-means++ robust=no", "formatted in table order");
    free(fmt);
    od_params_free(p);
    const char *keys[] = { "k", "init", "robust", "eps" }, *vals[] = { "3", "random", "yes", "0.5" };
    p = od_params_parse(ctx, spec, 5, keys, vals, 4);
    od_test_true(p && od_params_int(p, "k") == 3 && od_params_choice(p, "init") == 1 && od_params_bool(p, "robust") &&
                     od_params_real(p, "eps") == 0.5 && od_params_given(p, "k"),
                 "given values parsed");
    od_params *q = p ? od_params_copy(ctx, p) : NULL;
    od_test_true(q && od_params_int(q, "k") == 3 && od_params_given(q, "init"), "copy keeps values and 'given'");
    od_params_free(q);
    od_params_free(p);
    struct { const char *k, *v, *msg; } bad[] = {
        { "k", "0", "option k=0: must be between 1 and 100" },
        { "k", "2.5", "option k=2.5: expected an integer" },
        { "k", "x", "option k=x: expected an integer" },
        { "tol", "-1", "option tol=-1: must be at least 0" },
        { "eps", "far", "option eps=far: expected a number or auto" },
        { "init", "best", "option init=best: expected one of k-means++|random" },
        { "robust", "maybe", "option robust=maybe: expected yes or no" },
        { "wibble", "1", "unknown option 'wibble' (options: k, tol, eps, init, robust)" },
        { "tol", "nan", "option tol=nan: expected a number" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = od_params_parse(ctx, spec, 5, &bad[i].k, &bad[i].v, 1);
        od_test_true(p == NULL, "rejects %s=%s", bad[i].k, bad[i].v);
        od_test_str(od_ctx_errmsg(ctx), bad[i].msg, "message for %s=%s", bad[i].k, bad[i].v);
        od_params_free(p);
    }

    /* fit log */
    od_fitlog lg = {0};
    for (int i = 0; i < 100; i++) od_fitlog_add(&lg, i, NAN, 0.1);
    od_test_int((long long)lg.n, 100, "fit log grows");
    od_test_true(lg.train[99] == 99 && isnan(lg.val[0]), "fit log keeps values");
    od_fitlog_done(&lg);

    /* frame helpers */
    od_frame *f = tiny_frame(ctx, 6);
    od_test_int(od_frame_find(f, "label"), 1, "find a column");
    od_test_int(od_frame_role(f, OD_ROLE_LABEL), 1, "find the label column");
    rc = od_frame_add_num_donate(ctx, f, "x", calloc(6, sizeof(double)), OD_COL_NUM, OD_ROLE_FEATURE);
    od_test_int(rc, OD_EINVAL, "duplicate column name refused");
    size_t rows[] = { 5, 3 }, d;
    od_frame *g = od_frame_take_rows(ctx, f, rows, 2);
    od_test_true(g && g->nrow == 2 && g->cols[0].num[0] == 5 && g->cols[1].num[1] == 1, "take rows in the given order");
    double *X = od_frame_features(ctx, f, NULL, 0, &d);
    od_test_true(X && d == 1 && X[4] == 4, "feature matrix");
    free(X);
    int *y = od_frame_labels(ctx, f);
    od_test_true(y && y[3] == 1 && y[0] == 0, "labels as 0/1");
    free(y);
    od_frame_free(g);

    /* workspace: versions, undo, memory bound */
    od_workspace *ws = od_ws_new();
    rc = od_ws_add_dataset_donate(ctx, ws, "d", "d.csv", f, "load d.csv");
    od_test_int(rc, 0, "dataset added");
    od_dataset *ds = od_ws_current(ws);
    od_test_true(ds && !strcmp(ds->name, "d"), "it is current");
    rc = od_ds_undo(ctx, ds);
    od_test_int(rc, OD_ESTATE, "nothing to undo at first");
    for (int i = 0; i < 20; i++) {
        char step[32];
        snprintf(step, sizeof step, "step %d", i);
        od_ds_push_donate(ctx, ws, ds, tiny_frame(ctx, 6), step);
    }
    size_t kept = 0;
    for (size_t i = 0; i < ds->nv; i++) kept += ds->v[i].frame != NULL;
    od_test_int((long long)ds->nv, 21, "every step is listed in the lineage");
    od_test_int((long long)kept, OD_WS_MAX_VERSIONS, "only the newest versions keep their data");
    od_test_true(ds->v[ds->nv - 1].frame != NULL, "the current version always keeps its data");
    int undos = 0;
    while (od_ds_undo(ctx, ds) == OD_OK) undos++;
    od_test_int(undos, OD_WS_MAX_VERSIONS - 1, "undo walks back until the released versions");
    od_test_true(strstr(od_ctx_errmsg(ctx), "released to bound memory") != NULL, "and says why it stops");
    ws->byte_cap = 1;  /* a tiny cap releases every old version at the next push */
    od_ds_push_donate(ctx, ws, ds, tiny_frame(ctx, 6), "capped");
    kept = 0;
    for (size_t i = 0; i < ds->nv; i++) kept += ds->v[i].frame != NULL;
    od_test_int((long long)kept, 1, "the byte cap keeps only the current version");
    od_run *r = calloc(1, sizeof *r);
    r->name = strdup("km");
    od_ws_add_run_donate(ctx, ws, r);
    od_test_true(od_ws_run(ws, "km") == r, "run registered");
    od_test_int(od_ws_drop_run(ws, "km"), OD_OK, "run dropped");
    od_test_int(od_ws_drop_dataset(ws, "d"), OD_OK, "dataset dropped");
    od_test_true(od_ws_current(ws) == NULL, "no current dataset left");
    od_ws_free(ws);
    od_ctx_free(ctx);
    test_cmp_double();
    test_quantile();
    /* an allocation failure names the size (issue 14); a product that
     * overflows size_t is refused before malloc is asked */
    ctx = od_ctx_new(1);
    od_test_true(od_mallocn(ctx, SIZE_MAX / 4, 8) == NULL, "an overflowing allocation fails");
    od_test_str(od_ctx_errmsg(ctx), "out of memory allocating 37 EB", "... and the message names its size");
    od_test_true(od_mallocn(ctx, (size_t)1 << 62, 1 << 4) == NULL, "(1<<62) x 16 overflows");
    od_ctx_free(ctx);
    return od_test_done();
}
