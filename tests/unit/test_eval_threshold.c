/* test_eval_threshold.c - engine/eval thresholds (percentile, contamination,
 * sigma, IQR, MAD against numpy in tests/fixtures/eval/thresholds.txt; value,
 * best-F1, apply) and SPOT/DSPOT (GPD fits on samples drawn from the GSL RNG
 * with known gamma and sigma, z_q against the closed form, streaming). */
#include "config.h"
#include "../od_test.h"
#include "eval/curve.h"
#include "eval/spot.h"
#include "eval/threshold.h"
#include "test_eval_fixture.h"

#include <gsl/gsl_randist.h>

#define TOL 1e-12

static void test_fixture(od_ctx *ctx)
{
    fx_file f;
    if (fx_open(&f, od_test_path("tests/fixtures/eval/thresholds.txt"))) {
        od_test_true(0, "open thresholds.txt");
        return;
    }
    double *x = NULL, qs[32], cs[32], st[3], rb[4];
    size_t n = 0, nq = 0, nc = 0, nnan = 0;
    int id = -1, ncases = 0, bad_p = 0, bad_c = 0, bad_s = 0, bad_r = 0, nchecks = 0;
    while (fx_next(&f)) {
        if (fx_is(&f, "case")) {
            id = atoi(f.rest);
        } else if (fx_is(&f, "x")) {
            free(x);
            x = fx_nums_alloc(f.rest, &n);
            nnan = 0;
            for (size_t i = 0; i < n; i++) nnan += isnan(x[i]) != 0;
        } else if (fx_is(&f, "pq")) {
            nq = fx_nums(f.rest, qs, 32);
        } else if (fx_is(&f, "pv")) {
            double want[32], got;
            fx_nums(f.rest, want, 32);
            for (size_t j = 0; j < nq; j++) {
                size_t used;
                int rc = od_percentile(ctx, x, n, qs[j], &got, &used);
                nchecks++;
                if (rc || used != n - nnan || !od_test_close(got, want[j], TOL, 1)) {
                    bad_p++;
                    printf("#   case %d q=%g: got %.17g want %.17g\n", id, qs[j], got, want[j]);
                }
            }
        } else if (fx_is(&f, "cc")) {
            nc = fx_nums(f.rest, cs, 32);
        } else if (fx_is(&f, "cv")) {
            double want[32];
            fx_nums(f.rest, want, 32);
            for (size_t j = 0; j < nc; j++) {
                od_threshold th;
                od_threshold_init(&th);
                int rc = od_threshold_contamination(ctx, x, n, cs[j], &th);
                nchecks++;
                if (rc || th.rule != OD_RULE_GT || th.n_nan != nnan || !od_test_close(th.value, want[j], TOL, 1)) {
                    bad_c++;
                    printf("#   case %d c=%g: got %.17g want %.17g\n", id, cs[j], th.value, want[j]);
                }
            }
        } else if (fx_is(&f, "stats")) {
            fx_nums(f.rest, st, 3);
            double ks[3] = {0, 1, 3};
            for (int j = 0; j < 3; j++) {
                od_threshold th;
                od_threshold_init(&th);
                od_threshold_sigma(ctx, x, n, ks[j], OD_SD_POPULATION, &th);
                nchecks += 2;
                if (!od_test_close(th.value, st[0] + ks[j] * st[1], TOL, 1)) {
                    bad_s++;
                    printf("#   case %d sigma k=%g: got %.17g want %.17g\n", id, ks[j], th.value, st[0] + ks[j] * st[1]);
                }
                int rc = od_threshold_sigma(ctx, x, n, ks[j], OD_SD_SAMPLE, &th);
                if (isnan(st[2]) ? rc != OD_EDATA : (rc || !od_test_close(th.value, st[0] + ks[j] * st[2], TOL, 1))) {
                    bad_s++;
                    printf("#   case %d sample sigma k=%g: rc %d got %.17g want %.17g\n", id, ks[j], rc, th.value,
                           st[0] + ks[j] * st[2]);
                }
            }
        } else if (fx_is(&f, "robust")) {
            fx_nums(f.rest, rb, 4);
            od_threshold th;
            od_threshold_init(&th);
            od_threshold_iqr(ctx, x, n, 1.5, &th);
            double want = rb[1] + 1.5 * (rb[1] - rb[0]);
            nchecks += 2;
            if (!od_test_close(th.value, want, TOL, 1)) {
                bad_r++;
                printf("#   case %d iqr: got %.17g want %.17g\n", id, th.value, want);
            }
            od_threshold_mad(ctx, x, n, 3, &th);
            want = rb[2] + 3 * 1.4826 * rb[3];
            if (!od_test_close(th.value, want, TOL, 1)) {
                bad_r++;
                printf("#   case %d mad: got %.17g want %.17g\n", id, th.value, want);
            }
        } else if (fx_is(&f, "end")) {
            ncases++;
        }
    }
    free(x);
    fx_close(&f);
    od_test_true(ncases >= 60, "%d numpy threshold cases (%d checks)", ncases, nchecks);
    od_test_int(bad_p, 0, "percentile = numpy.nanpercentile (linear) to 1e-12, 11 q per case");
    od_test_int(bad_c, 0, "contamination = nanpercentile(100(1-c)), rule >, 5 c per case");
    od_test_int(bad_s, 0, "sigma = mean + k sd (population and sample), k = 0, 1, 3");
    od_test_int(bad_r, 0, "iqr (Q3 + 1.5 IQR) and mad (median + 3*1.4826*MAD)");
}

static void test_methods(od_ctx *ctx)
{
    od_threshold th;
    od_threshold_init(&th);
    double x[] = {1, 2, 3, 4, NAN, 5, 6, 7, 8, 9, 10};
    od_test_int(od_threshold_contamination(ctx, x, 11, 0.1, &th), OD_OK, "contamination runs");
    /* numpy: percentile([1..10], 90) = 9 + 0.1*(10-9) computed as 10 - 1*(1-0.1)... = 9.1 */
    od_test_rel(th.value, 9.1, TOL, "contamination c=0.1 on 1..10: 9.1");
    od_test_str(th.method, "contamination", "method name");
    od_test_str(th.params, "c=0.1", "params text");
    od_test_true(th.rule == OD_RULE_GT && !th.is_oracle && th.n_used == 10 && th.n_nan == 1,
                 "rule >, not an oracle, 10 used, 1 NaN left out");
    int pred[11];
    od_test_int((long long)od_threshold_apply(&th, x, 11, pred), 1, "apply: only 10 > 9.1");
    od_test_int(od_threshold_contamination(ctx, x, 11, 0.6, &th), OD_EINVAL, "c=0.6 refused");
    od_test_true(strstr(od_ctx_errmsg(ctx), "contamination=0.6") != NULL, "message names it: %s", od_ctx_errmsg(ctx));
    od_test_int(od_threshold_percentile(ctx, x, 11, 101, &th), OD_EINVAL, "q=101 refused");
    double nn[3] = {NAN, NAN, NAN};
    od_test_int(od_threshold_sigma(ctx, nn, 3, 3, OD_SD_POPULATION, &th), OD_EDATA, "all-NaN training refused");
    od_test_int(od_threshold_value(ctx, 2.5, OD_RULE_GE, &th), OD_OK, "value threshold");
    od_test_true(th.value == 2.5 && th.rule == OD_RULE_GE, "value keeps its rule");

    /* best-f1 is an oracle */
    double s[] = {0.1, 0.4, 0.35, 0.8};
    int y[] = {0, 0, 1, 1};
    int err;
    od_curve *c = od_curve_new(ctx, s, y, 4, &err);
    od_test_int(od_threshold_best_f1(ctx, c, &th), OD_OK, "best-f1 threshold");
    od_test_true(th.is_oracle && th.rule == OD_RULE_GE && th.value == 0.35, "best-f1: oracle, s >= 0.35");
    od_curve_free(c);
    int y0[] = {0, 0, 0, 0};
    c = od_curve_new(ctx, s, y0, 4, &err);
    od_test_int(od_threshold_best_f1(ctx, c, &th), OD_EDATA, "best-f1 without anomalies refused: %s",
                od_ctx_errmsg(ctx));
    od_curve_free(c);
    od_threshold_clear(&th);
}

/* ------------------------------------------------------------------ SPOT */

static void test_gpd_fit(od_ctx *ctx)
{
    gsl_rng *r = od_ctx_rng(ctx);
    struct {
        double g, s;
    } cases[] = {{0.5, 1.0}, {-0.2, 2.0}, {0.25, 0.3}};
    size_t k = 50000;
    double *y = malloc(k * sizeof *y);
    for (int c = 0; c < 3; c++) {
        double g = cases[c].g, s = cases[c].s;
        /* inverse CDF: Y = s/g (U^-g - 1) */
        for (size_t i = 0; i < k; i++) y[i] = s / g * (pow(gsl_rng_uniform_pos(r), -g) - 1);
        od_gpd fit;
        od_test_int(od_gpd_fit(ctx, y, k, &fit), OD_OK, "GPD fit runs (gamma %g)", g);
        od_test_true(fabs(fit.gamma - g) <= 0.05 * fabs(g), "GPD(%g, %g), %zu draws: gamma %.4f within 5%% (%s)", g, s, k,
                     fit.gamma, fit.method);
        od_test_true(fabs(fit.sigma - s) <= 0.05 * s, "GPD(%g, %g): sigma %.4f within 5%%", g, s, fit.sigma);
    }
    /* exponential tail: gamma near 0 */
    for (size_t i = 0; i < k; i++) y[i] = gsl_ran_exponential(r, 1.5);
    od_gpd fit;
    od_gpd_fit(ctx, y, k, &fit);
    od_test_true(fabs(fit.gamma) < 0.02 && fabs(fit.sigma - 1.5) < 0.05 * 1.5,
                 "exponential(1.5) draws: gamma %.4f ~ 0, sigma %.4f (%s)", fit.gamma, fit.sigma, fit.method);
    y[3] = -1;
    od_test_int(od_gpd_fit(ctx, y, k, &fit), OD_EDATA, "a negative peak is refused");
    free(y);
}

static void test_spot(od_ctx *ctx)
{
    gsl_rng *r = od_ctx_rng(ctx);
    /* Pareto(alpha = 2, xm = 1): the excess over any t >= 1 is exactly
     * GPD(gamma = 1/alpha = 0.5, sigma = t/alpha). 500k calibration values,
     * level 0.9 -> t ~ 10^(1/2), 50k peaks. */
    size_t n = 500000;
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = pow(gsl_rng_uniform_pos(r), -0.5);
    od_spot_opts o;
    od_spot_opts_default(&o);
    o.level = 0.9;
    o.q = 1e-4;
    int err;
    od_spot *sp = od_spot_new(ctx, &o, x, n, &err);
    od_test_true(sp != NULL, "SPOT calibrates on Pareto draws");
    od_spot_state st;
    od_spot_get_state(sp, &st);
    /* t = sorted[450000]; the peaks are the values strictly above it */
    od_test_true(st.nt == 49999 && st.n == n, "t = sorted[floor(0.9 n)]: %zu peaks of %zu", st.nt, st.n);
    od_test_true(fabs(st.fit.gamma - 0.5) <= 0.025, "Pareto tail: gamma %.4f within 5%% of 0.5 (%s)", st.fit.gamma,
                 st.fit.method);
    od_test_true(fabs(st.fit.sigma - st.t / 2) <= 0.05 * st.t / 2, "Pareto tail: sigma %.4f within 5%% of t/2 = %.4f",
                 st.fit.sigma, st.t / 2);
    /* z_q, closed form: t + sigma/gamma ((q n/Nt)^-gamma - 1) */
    double zq = st.t + st.fit.sigma / st.fit.gamma * (pow(o.q * (double)n / (double)st.nt, -st.fit.gamma) - 1);
    od_test_rel(st.z, zq, TOL, "z_q = closed form (%.6g)", zq);
    /* the true quantile of the Pareto at risk 1e-4 is 1e-4^(-1/2) = 100 */
    od_test_true(fabs(st.z - 100) < 10, "z_q %.3g near the true 1e-4 quantile 100", st.z);
    od_spot_free(sp);

    od_gpd g0 = {0, 2, 0, "exponential"};
    od_test_rel(od_spot_quantile(1.0, &g0, 1e-3, 1000, 20), 1.0 - 2 * log(1e-3 * 1000 / 20), TOL,
                "gamma = 0 case: t - sigma log(q n/Nt)");

    /* streaming: alarm exactly when x > the threshold in force; NaN skipped */
    size_t nc = 20000, nt = 20000;
    double *cal = malloc(nc * sizeof *cal), *test = malloc(nt * sizeof *test);
    for (size_t i = 0; i < nc; i++) cal[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
    for (size_t i = 0; i < nt; i++) test[i] = gsl_ran_gaussian_ziggurat(r, 1.0) + (i % 1000 == 999 ? 8 : 0);
    test[5] = NAN;
    od_spot_opts_default(&o);
    od_threshold th;
    od_threshold_init(&th);
    double t0 = od_now();
    od_test_int(od_threshold_spot(ctx, cal, nc, test, nt, &o, &th), OD_OK, "SPOT over 20k test points");
    double dt = od_now() - t0;
    int consistent = 1;
    size_t nal = 0, planted = 0;
    for (size_t i = 0; i < nt; i++) {
        int a = !isnan(test[i]) && test[i] > th.per_point[i];
        consistent &= a == th.alarms[i];
        nal += th.alarms[i];
        planted += th.alarms[i] && i % 1000 == 999;
    }
    od_test_true(consistent, "alarm[i] == (x_i > per_point[i]) for every point");
    od_test_true(planted == 20 && nal < 40, "the 20 planted +8 spikes raise alarms (%zu alarms in all)", nal);
    od_test_true(th.rule == OD_RULE_GT && !strcmp(th.method, "spot") && th.alarms[5] == 0, "method spot, rule >, NaN no alarm");
    printf("# SPOT 20k calibration + 20k streaming points with refits: %.3f s\n", dt);
    od_threshold_clear(&th);

    /* DSPOT follows a drift that makes plain SPOT alarm everywhere */
    for (size_t i = 0; i < nc; i++) cal[i] = gsl_ran_gaussian_ziggurat(r, 1.0) + 0.001 * (double)i;
    for (size_t i = 0; i < nt; i++) test[i] = gsl_ran_gaussian_ziggurat(r, 1.0) + 0.001 * (double)(nc + i);
    o.depth = 50;
    od_test_int(od_threshold_spot(ctx, cal, nc, test, nt, &o, &th), OD_OK, "DSPOT runs");
    size_t nd = 0;
    for (size_t i = 0; i < nt; i++) nd += th.alarms[i];
    od_test_true(!strcmp(th.method, "dspot") && th.per_point[nt - 1] > th.per_point[0] + 15,
                 "DSPOT threshold rises with the drift (%.3g -> %.3g)", th.per_point[0], th.per_point[nt - 1]);
    od_threshold_clear(&th);
    o.depth = 0;
    od_threshold_spot(ctx, cal, nc, test, nt, &o, &th);
    size_t ns = 0;
    for (size_t i = 0; i < nt; i++) ns += th.alarms[i];
    od_test_true(nd < 50 && ns > 10 * nd, "drift: DSPOT %zu alarms, plain SPOT %zu", nd, ns);
    od_threshold_clear(&th);

    /* max_excess keeps memory bounded and still calibrates */
    o.max_excess = 200;
    od_test_int(od_threshold_spot(ctx, cal, nc, test, nt / 4, &o, &th), OD_OK, "SPOT with max_excess=200");
    od_threshold_clear(&th);

    /* refusals */
    od_spot_opts_default(&o);
    o.q = 0.05;
    od_test_int(od_threshold_spot(ctx, cal, nc, test, 10, &o, &th), OD_EINVAL, "q >= 1 - level refused");
    od_test_true(strstr(od_ctx_errmsg(ctx), "q=0.05") != NULL, "names q: %s", od_ctx_errmsg(ctx));
    od_spot_opts_default(&o);
    double flat[100];
    for (int i = 0; i < 100; i++) flat[i] = 1.0;
    od_test_int(od_threshold_spot(ctx, flat, 100, test, 10, &o, &th), OD_EDATA, "constant calibration: no peaks");
    o.depth = 200;
    od_test_int(od_threshold_spot(ctx, cal, 100, test, 10, &o, &th), OD_EDATA, "DSPOT needs more than depth values");
    free(cal);
    free(test);
    free(x);
}

/* The SSE (Otsu) cut against the brute-force numpy reference (gen_sse.py):
 * the threshold is a data value and must match exactly; ties fall in one
 * group; constant scores are an error. */
static void test_sse(od_ctx *ctx)
{
    fx_file f;
    if (fx_open(&f, od_test_path("tests/fixtures/eval/sse.txt"))) {
        od_test_true(0, "open sse.txt");
        return;
    }
    double *x = NULL;
    size_t n = 0;
    int id = -1, cases = 0;
    while (fx_next(&f)) {
        if (fx_is(&f, "case")) id = atoi(f.rest);
        else if (fx_is(&f, "x")) {
            free(x);
            x = fx_nums_alloc(f.rest, &n);
        } else if (fx_is(&f, "sse")) {
            double t = NAN, sse = NAN;
            size_t nlow = 0;
            int rc = od_sse_cut(ctx, x, n, &t, &sse, &nlow);
            cases++;
            if (!strncmp(f.rest, "error", 5)) {
                od_test_int(rc, OD_EDATA, "sse case %d: fewer than two distinct values is an error", id);
                continue;
            }
            double want[3];
            fx_nums(f.rest, want, 3);
            od_test_int(rc, OD_OK, "sse case %d runs", id);
            od_test_true(t == want[0], "sse case %d: threshold %.17g == numpy %.17g", id, t, want[0]);
            od_test_int((long long)nlow, (long long)want[2], "sse case %d: low group size", id);
            if (want[1] == 0) od_test_true(fabs(sse) < 1e-12, "sse case %d: SSE 0", id);
            else od_test_rel(sse, want[1], 1e-9, "sse case %d: SSE", id);
            od_threshold th;
            od_threshold_init(&th);
            rc = od_threshold_sse(ctx, x, n, &th);
            od_test_true(!rc && th.value == t && th.rule == OD_RULE_GT && !strcmp(th.method, "sse"),
                         "sse case %d: od_threshold_sse keeps the cut, rule s > t", id);
            od_threshold_clear(&th);
        }
    }
    free(x);
    fx_close(&f);
    od_test_int(cases, 10, "sse fixture: every case read");
    /* property: the cut beats every other cut between distinct values */
    double y[60];
    for (int i = 0; i < 60; i++) y[i] = sin(i * 1.3) * 3 + (i % 7 == 0) * 9;
    double t, best;
    size_t nl;
    od_sse_cut(ctx, y, 60, &t, &best, &nl);
    int worse = 1;
    for (int c = 0; c < 60; c++) {
        double tt = y[c], ml = 0, mh = 0, e = 0;
        size_t kl = 0, kh = 0;
        for (int i = 0; i < 60; i++) { if (y[i] <= tt) { ml += y[i]; kl++; } else { mh += y[i]; kh++; } }
        if (!kh) continue;
        ml /= (double)kl;
        mh /= (double)kh;
        for (int i = 0; i < 60; i++) e += (y[i] - (y[i] <= tt ? ml : mh)) * (y[i] - (y[i] <= tt ? ml : mh));
        if (e < best - 1e-9) worse = 0;
    }
    od_test_true(worse, "sse: no cut between distinct values has a smaller SSE");
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(2017);
    test_fixture(ctx);
    test_methods(ctx);
    test_gpd_fit(ctx);
    test_spot(ctx);
    test_sse(ctx);
    od_ctx_free(ctx);
    return od_test_done();
}
