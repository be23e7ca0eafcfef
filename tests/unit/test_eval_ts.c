/* test_eval_ts.c - engine/eval time-series metrics: point adjustment, revised
 * PA, event-F1, range-based P/R and VUS, by hand-worked cases (arithmetic in
 * the comments) and against the direct Python transcriptions in
 * tests/fixtures/eval/ts.txt (gen_eval.py). */
#include "config.h"
#include "../od_test.h"
#include "eval/curve.h"
#include "eval/tsmetrics.h"
#include "test_eval_fixture.h"

#include <gsl/gsl_randist.h>

#define TOL 1e-12

/* ------------------------------------------------------------ by hand */

/* n = 10, events A = [0,1] (at index 0), B = [4,6], C = [9,9] (at the end);
 * flagged points 1, 3, 9. */
static const int hl[10] = {1, 1, 0, 0, 1, 1, 1, 0, 0, 1};
static const int hp[10] = {0, 1, 0, 1, 0, 0, 0, 0, 0, 1};

static void test_pa_by_hand(od_ctx *ctx)
{
    od_ts_prf r;
    int adj[10];
    od_test_int(od_ts_point_adjust(ctx, hl, hp, 10, adj, &r), OD_OK, "PA runs");
    /* A hit (point 1) -> 0,1 flagged, index 0 included (TSB-AD's back-fill
     * loop stops at 1); B missed; C hit.  TP = 2 + 1 = 3, FN = 3 (B),
     * FP = 1 (point 3), TN = 3 (points 2, 7, 8).
     * P = 3/4, R = 3/6, F1 = 2*3/(2*3 + 1 + 3) = 0.6 */
    od_test_true(adj[0] == 1 && adj[1] == 1 && adj[4] == 0 && adj[9] == 1 && adj[3] == 1,
                 "PA fills the event at index 0 and the one at the end");
    od_test_true(r.cm.tp == 3 && r.cm.fn == 3 && r.cm.fp == 1 && r.cm.tn == 3, "PA counts 3/1/3/3");
    od_test_rel(r.precision.value, 0.75, TOL, "PA precision 3/4");
    od_test_rel(r.recall.value, 0.5, TOL, "PA recall 3/6");
    od_test_rel(r.f.value, 0.6, TOL, "PA-F1 0.6");
    od_test_str(r.f.name, "PA-F1", "PA-F1 name");
    od_test_true(r.n_events == 3 && r.events_hit == 2 && r.n_pred_ranges == 3, "PA event counts 3, 2 hit, 3 ranges");

    /* revised PA: TP = events hit = 2, FN = 1, FP = 1 -> P = 2/3, R = 2/3,
     * F1 = 2*2/(4 + 1 + 1) = 2/3 */
    od_test_int(od_ts_revised_pa(ctx, hl, hp, 10, &r), OD_OK, "revised PA runs");
    od_test_true(r.cm.tp == 2 && r.cm.fn == 1 && r.cm.fp == 1, "RPA counts events, not points");
    od_test_rel(r.precision.value, 2.0 / 3, TOL, "RPA precision 2/3");
    od_test_rel(r.recall.value, 2.0 / 3, TOL, "RPA recall 2/3");
    od_test_rel(r.f.value, 2.0 / 3, TOL, "RPA-F1 2/3");
    od_test_str(r.f.name, "RPA-F1", "RPA-F1 name");

    /* event-F1: point precision = 2 of 3 flagged points are anomalous = 2/3,
     * event recall = 2/3, F = 2/3 */
    od_test_int(od_ts_event_f1(ctx, hl, hp, 10, &r), OD_OK, "event-F1 runs");
    od_test_rel(r.precision.value, 2.0 / 3, TOL, "point precision 2/3");
    od_test_rel(r.recall.value, 2.0 / 3, TOL, "event recall 2/3");
    od_test_rel(r.f.value, 2.0 / 3, TOL, "event-F1 2/3");
    od_test_str(r.f.name, "event-F1", "event-F1 name");

    /* nothing flagged: recall-type values 0, precision undefined, F 0 */
    int none[10] = {0};
    od_ts_point_adjust(ctx, hl, none, 10, NULL, &r);
    od_test_true(!r.precision.defined && r.recall.value == 0 && r.f.defined && r.f.value == 0,
                 "PA with nothing flagged: precision undefined (%s), recall 0, F1 0", r.precision.reason);
    /* no events: recall undefined; F 0 because precision is defined and 0 */
    int zero[10] = {0};
    od_ts_event_f1(ctx, zero, hp, 10, &r);
    od_test_true(!r.recall.defined && r.precision.value == 0 && r.f.value == 0,
                 "event-F1 without events: recall undefined (%s), F 0", r.recall.reason);
    od_ts_event_f1(ctx, zero, none, 10, &r);
    od_test_true(!r.f.defined, "event-F1 without events and flags: undefined (%s)", r.f.reason);

    /* errors name the row */
    int bad[3] = {0, -1, 1}, p3[3] = {0, 0, 1};
    od_test_int(od_ts_point_adjust(ctx, bad, p3, 3, NULL, &r), OD_EDATA, "label -1 refused");
    od_test_true(strstr(od_ctx_errmsg(ctx), "row 1") != NULL, "error names the row: %s", od_ctx_errmsg(ctx));
    int p2[3] = {0, 2, 1}, l3[3] = {0, 1, 1};
    od_test_int(od_ts_revised_pa(ctx, l3, p2, 3, &r), OD_EDATA, "prediction 2 refused");
}

static void range(od_ctx *ctx, const int *l, const int *p, size_t n, double alpha, od_cardinality g, od_bias b,
                  od_ts_prf *r)
{
    od_range_opts o;
    od_range_opts_default(&o);
    o.alpha = alpha;
    o.gamma = g;
    o.bias_recall = o.bias_precision = b;
    od_ts_range_prf(ctx, l, p, n, &o, r);
}

static void test_range_by_hand(od_ctx *ctx)
{
    od_ts_prf r;
    /* Same series.  Real ranges A=[0,1], B=[4,6], C=[9,9]; predicted [1,1],
     * [3,3], [9,9].  Recall (alpha 0, one, flat): A overlaps at 1 of 2 points
     * -> 1/2, B 0, C 1 -> (0.5+0+1)/3 = 0.5.  Precision: [1,1] inside A -> 1,
     * [3,3] -> 0, [9,9] -> 1 -> 2/3.  F1 = 2(2/3)(1/2)/(2/3+1/2) = 4/7. */
    range(ctx, hl, hp, 10, 0, OD_GAMMA_ONE, OD_BIAS_FLAT, &r);
    od_test_rel(r.recall.value, 0.5, TOL, "range recall flat 0.5");
    od_test_rel(r.precision.value, 2.0 / 3, TOL, "range precision flat 2/3");
    od_test_rel(r.f.value, 4.0 / 7, TOL, "range F1 4/7");
    od_test_str(r.f.name, "range-F1(a=0,gamma=one,bias=flat)", "range-F1 name");
    od_test_str(r.recall.name, "range-R(a=0,gamma=one,bias=flat)", "range-R name");
    /* alpha 0.5: A 0.5*1 + 0.5*0.5 = 0.75, B 0, C 1 -> 1.75/3 */
    range(ctx, hl, hp, 10, 0.5, OD_GAMMA_ONE, OD_BIAS_FLAT, &r);
    od_test_rel(r.recall.value, 1.75 / 3, TOL, "range recall alpha 0.5 = 1.75/3");
    /* A has length 2, overlap at its 2nd point (k=2): front delta = (2,1) ->
     * 1/3; back delta = (1,2) -> 2/3; middle: floor(2/2)=1, delta = (1,1) -> 1/2.
     * recall = (w_A + 0 + 1)/3. */
    range(ctx, hl, hp, 10, 0, OD_GAMMA_ONE, OD_BIAS_FRONT, &r);
    od_test_rel(r.recall.value, (1.0 / 3 + 1) / 3, TOL, "range recall front (1/3 + 1)/3");
    range(ctx, hl, hp, 10, 0, OD_GAMMA_ONE, OD_BIAS_BACK, &r);
    od_test_rel(r.recall.value, (2.0 / 3 + 1) / 3, TOL, "range recall back (2/3 + 1)/3");
    range(ctx, hl, hp, 10, 0, OD_GAMMA_ONE, OD_BIAS_MIDDLE, &r);
    od_test_rel(r.recall.value, (0.5 + 1) / 3, TOL, "range recall middle (1/2 + 1)/3");

    /* Cardinality: one event [2,7] (length 6) hit by two ranges [2,3] and
     * [6,7].  flat: 2/6 + 2/6 = 2/3 (one), 1/2 * 2/3 = 1/3 (reciprocal).
     * middle, length 6: delta = 1,2,3,3,2,1 (sum 12); overlap k = 1,2,5,6 ->
     * 6/12 = 1/2.  back: delta = k (sum 21), k = 1,2,5,6 -> 14/21.
     * Precision: both predicted ranges lie inside the event -> 1. */
    int l2[10] = {0, 0, 1, 1, 1, 1, 1, 1, 0, 0}, p2[10] = {0, 0, 1, 1, 0, 0, 1, 1, 0, 0};
    range(ctx, l2, p2, 10, 0, OD_GAMMA_ONE, OD_BIAS_FLAT, &r);
    od_test_rel(r.recall.value, 2.0 / 3, TOL, "two ranges in one event, gamma one: 2/3");
    od_test_rel(r.precision.value, 1.0, TOL, "both predicted ranges inside: precision 1");
    range(ctx, l2, p2, 10, 0, OD_GAMMA_RECIPROCAL, OD_BIAS_FLAT, &r);
    od_test_rel(r.recall.value, 1.0 / 3, TOL, "gamma reciprocal halves it: 1/3");
    od_test_str(r.f.name, "range-F1(a=0,gamma=reciprocal,bias=flat)", "reciprocal name");
    range(ctx, l2, p2, 10, 0, OD_GAMMA_ONE, OD_BIAS_MIDDLE, &r);
    od_test_rel(r.recall.value, 0.5, TOL, "middle bias: 6/12");
    range(ctx, l2, p2, 10, 0, OD_GAMMA_ONE, OD_BIAS_BACK, &r);
    od_test_rel(r.recall.value, 14.0 / 21, TOL, "back bias: 14/21");
    /* alpha 1: existence only -> 1 */
    range(ctx, l2, p2, 10, 1, OD_GAMMA_RECIPROCAL, OD_BIAS_FLAT, &r);
    od_test_rel(r.recall.value, 1.0, TOL, "alpha 1: existence reward only");

    /* front-heavy event [0,3] (length 4, at index 0), flagged at 0 only:
     * flat 1/4, front 4/10, back 1/10, middle (1,2,2,1) 1/6 */
    int l3[6] = {1, 1, 1, 1, 0, 0}, p3[6] = {1, 0, 0, 0, 0, 0};
    double want[4] = {0.25, 0.4, 0.1, 1.0 / 6};
    for (int b = 0; b < 4; b++) {
        range(ctx, l3, p3, 6, 0, OD_GAMMA_ONE, (od_bias)b, &r);
        od_test_rel(r.recall.value, want[b], TOL, "event at 0 flagged at its first point, bias %s", od_bias_name((od_bias)b));
    }
    /* TSB-AD preset and F-beta naming */
    od_range_opts o;
    od_range_opts_tsb_ad(&o);
    o.beta = 2;
    od_ts_range_prf(ctx, hl, hp, 10, &o, &r);
    od_test_str(r.f.name, "range-F(beta=2,a=0.2,gamma=reciprocal,bias=flat)", "F-beta range name");
    o.alpha = 1.5;
    od_test_int(od_ts_range_prf(ctx, hl, hp, 10, &o, &r), OD_EINVAL, "alpha=1.5 refused");
    od_bias b;
    od_test_int(od_bias_parse(ctx, "sideways", &b), OD_EINVAL, "unknown bias refused");
    od_test_true(od_bias_parse(ctx, "middle", &b) == OD_OK && b == OD_BIAS_MIDDLE, "bias parse");
}

static void test_vus_by_hand(od_ctx *ctx)
{
    /* labels 0 1 1 0 0 0 (one event [1,2], P = 2), scores
     * 0.1 0.9 0.4 0.8 0.2 0.3, K = 6 = n: thresholds are every sorted score.
     * Buffer l = 0 (and 1: floor(1/2) = 0) has no ramps, so with one event
     * TPR = recall and VUS-ROC = ROC-AUC = 7/8 (pairs: 0.9 beats 4 normals,
     * 0.4 beats 3), VUS-PR = AP = 0.5*1 + 0.5*(2/3) = 5/6. */
    int y[6] = {0, 1, 1, 0, 0, 0};
    double s[6] = {0.1, 0.9, 0.4, 0.8, 0.2, 0.3};
    od_vus v;
    od_test_int(od_ts_vus(ctx, s, y, 6, 0, 6, &v), OD_OK, "VUS runs");
    od_test_rel(v.vus_roc.value, 0.875, TOL, "VUS-ROC(L=0) = 7/8");
    od_test_rel(v.vus_pr.value, 5.0 / 6, TOL, "VUS-PR(L=0) = 5/6");
    od_test_str(v.vus_pr.name, "VUS-PR(L=0,K=6)", "VUS name with K");
    /* l = 2: ramp of floor(2/2) = 1 point each side with weight
     * w = sqrt(1 - 1/2) = 0.70711 at rows 0 (score 0.1) and 3 (score 0.8).
     * Per threshold (npred, TP = event points + w*buffer points flagged,
     * P~ = (2 + 2 + B)/2, TPR = min(TP/P~, 1), FPR = (npred - TP)/(6 - P~)):
     *   t=0.9: 1, 1,      P~ 2      -> TPR .5,     FPR 0,       prec 1
     *   t=0.8: 2, 1+w,    P~ 2+w/2  -> TPR .72533, FPR .080323, prec .85355
     *   t=0.4: 3, 2+w,    P~ 2+w/2  -> TPR 1,      FPR .080323, prec .90237
     *   t=0.3: 4, 2+w                -> TPR 1,      FPR .35456,  prec .67678
     *   t=0.2: 5, 2+w                -> TPR 1,      FPR .62880,  prec .54142
     *   t=0.1: 6, 2+2w,   P~ 2+w    -> TPR 1,      FPR .78526,  prec .56904
     * trapezoid with (0,0) and (1,1): 0.9688881905139592; step PR:
     * .5*1 + .22533*.85355 + .27467*.90237 = 0.9401847777998096.
     * VUS over l = 0, 1, 2: (0.875*2 + 0.96889)/3, (5/6*2 + 0.94018)/3. */
    od_test_int(od_ts_vus(ctx, s, y, 6, 2, 6, &v), OD_OK, "VUS L=2 runs");
    od_test_rel(v.vus_roc.value, (0.875 * 2 + 0.9688881905139592) / 3, TOL, "VUS-ROC(L=2) by hand");
    od_test_rel(v.vus_pr.value, (5.0 / 6 * 2 + 0.9401847777998096) / 3, TOL, "VUS-PR(L=2) by hand");

    /* undefined and refused inputs */
    int z[6] = {0};
    od_ts_vus(ctx, s, z, 6, 2, 6, &v);
    od_test_true(!v.vus_roc.defined && strstr(v.vus_roc.reason, "no anomalous events"), "VUS without events: %s",
                 v.vus_roc.reason);
    double sn[6] = {0.1, NAN, 0.4, 0.8, 0.2, 0.3};
    od_test_int(od_ts_vus(ctx, sn, y, 6, 2, 6, &v), OD_EDATA, "VUS refuses NaN scores");
    od_test_true(strstr(od_ctx_errmsg(ctx), "row 1") != NULL, "and names the row: %s", od_ctx_errmsg(ctx));
    od_ts_vus(ctx, s, y, 6, 100, 250, &v);
    od_test_str(v.vus_roc.name, "VUS-ROC(L=100)", "VUS-ROC name");
}

/* Properties: one event, L = 0, K = n (every sorted position a threshold):
 * VUS-ROC = ROC-AUC and VUS-PR = AP (sklearn's conventions) from od_curve. */
static void test_vus_properties(od_ctx *ctx)
{
    gsl_rng *rng = od_ctx_rng(ctx);
    int bad = 0;
    for (int rep = 0; rep < 30; rep++) {
        size_t n = 20 + gsl_rng_uniform_int(rng, 200);
        double *s = malloc(n * sizeof *s);
        int *y = calloc(n, sizeof *y);
        size_t a = gsl_rng_uniform_int(rng, n - 5), len = 1 + gsl_rng_uniform_int(rng, 5);
        if (rep % 5 == 0) a = 0;
        if (rep % 5 == 1) a = n - len;
        for (size_t i = a; i < a + len; i++) y[i] = 1;
        for (size_t i = 0; i < n; i++) {
            double g = gsl_ran_gaussian_ziggurat(rng, 1.0) + y[i];
            s[i] = rep % 2 ? round(g * 4) / 4 : g;
        }
        od_vus v;
        int err;
        od_ts_vus(ctx, s, y, n, 0, n, &v);
        od_curve *c = od_curve_new(ctx, s, y, n, &err);
        if (!od_test_close(v.vus_roc.value, od_curve_roc_auc(c).value, 1e-12, 0) ||
            !od_test_close(v.vus_pr.value, od_curve_ap(c).value, 1e-12, 0)) {
            bad++;
            printf("#   rep %d: VUS %.17g %.17g vs %.17g %.17g\n", rep, v.vus_roc.value, v.vus_pr.value,
                   od_curve_roc_auc(c).value, od_curve_ap(c).value);
        }
        od_curve_free(c);
        free(s);
        free(y);
    }
    od_test_int(bad, 0, "one event, L=0, K=n: VUS-ROC = ROC-AUC, VUS-PR = AP (30 random series, ties too)");
}

/* --------------------------------------------------------- fixtures */

static int *to_int(const double *v, size_t n)
{
    int *x = malloc((n ? n : 1) * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = (int)v[i];
    return x;
}

static int same(const od_metric *m, double want)
{
    if (isnan(want)) return !m->defined && isnan(m->value) && m->reason[0];
    return m->defined && od_test_close(m->value, want, TOL, 1);
}

static void test_fixture(od_ctx *ctx)
{
    fx_file f;
    if (fx_open(&f, od_test_path("tests/fixtures/eval/ts.txt"))) {
        od_test_true(0, "open ts.txt");
        return;
    }
    double *yv = NULL, *pv = NULL, *sv = NULL;
    size_t n = 0, np = 0, ns = 0;
    int *y = NULL, *p = NULL, id = -1;
    int nbad_pa = 0, nbad_range = 0, nrange = 0, ncases = 0, nvus = 0;
    while (fx_next(&f)) {
        if (fx_is(&f, "case") || fx_is(&f, "vcase")) {
            id = atoi(f.rest);
        } else if (fx_is(&f, "y")) {
            free(yv);
            free(y);
            yv = fx_nums_alloc(f.rest, &n);
            y = to_int(yv, n);
        } else if (fx_is(&f, "p")) {
            free(pv);
            free(p);
            pv = fx_nums_alloc(f.rest, &np);
            p = to_int(pv, np);
        } else if (fx_is(&f, "s")) {
            free(sv);
            sv = fx_nums_alloc(f.rest, &ns);
        } else if (fx_is(&f, "pa") || fx_is(&f, "rpa") || fx_is(&f, "ef1")) {
            double w[3];
            fx_nums(f.rest, w, 3);
            od_ts_prf r;
            if (fx_is(&f, "pa")) od_ts_point_adjust(ctx, y, p, n, NULL, &r);
            else if (fx_is(&f, "rpa")) od_ts_revised_pa(ctx, y, p, n, &r);
            else od_ts_event_f1(ctx, y, p, n, &r);
            if (!same(&r.precision, w[0]) || !same(&r.recall, w[1]) || !same(&r.f, w[2])) {
                nbad_pa++;
                printf("#   case %d %s: got %.17g %.17g %.17g want %.17g %.17g %.17g\n", id, f.tag,
                       r.precision.value, r.recall.value, r.f.value, w[0], w[1], w[2]);
            }
        } else if (fx_is(&f, "range")) {
            char card[16], bias[16];
            double alpha, w[3];
            char *rest = f.rest;
            alpha = strtod(rest, &rest);
            sscanf(rest, "%15s %15s", card, bias);
            rest = strstr(rest, bias) + strlen(bias);
            fx_nums(rest, w, 3);
            od_range_opts o;
            od_range_opts_default(&o);
            o.alpha = alpha;
            od_cardinality_parse(ctx, card, &o.gamma);
            od_bias_parse(ctx, bias, &o.bias_recall);
            o.bias_precision = o.bias_recall;
            od_ts_prf r;
            od_ts_range_prf(ctx, y, p, n, &o, &r);
            nrange++;
            if (!same(&r.precision, w[0]) || !same(&r.recall, w[1]) || !same(&r.f, w[2])) {
                nbad_range++;
                printf("#   case %d range a=%g %s %s: got %.17g %.17g %.17g want %.17g %.17g %.17g\n", id, alpha,
                       card, bias, r.precision.value, r.recall.value, r.f.value, w[0], w[1], w[2]);
            }
        } else if (fx_is(&f, "vus")) {
            double w[4];
            fx_nums(f.rest, w, 4);
            od_vus v;
            int rc = od_ts_vus(ctx, sv, y, n, (size_t)w[0], (size_t)w[1], &v);
            od_test_true(rc == OD_OK && od_test_close(v.vus_roc.value, w[2], TOL, 1),
                         "vcase %d VUS-ROC(L=%g, K=%g) = %.15g (want %.15g)", id, w[0], w[1], v.vus_roc.value, w[2]);
            od_test_true(rc == OD_OK && od_test_close(v.vus_pr.value, w[3], TOL, 1),
                         "vcase %d VUS-PR(L=%g, K=%g) = %.15g (want %.15g)", id, w[0], w[1], v.vus_pr.value, w[3]);
            nvus++;
        } else if (fx_is(&f, "end")) {
            ncases++;
        }
    }
    od_test_int(nbad_pa, 0, "PA, revised PA, event-F1 vs the Python transcription (%d series x 3)", ncases - nvus);
    od_test_int(nbad_range, 0, "range P/R/F vs the Python transcription (%d settings: alpha x gamma x bias)", nrange);
    od_test_true(nvus >= 10, "%d VUS fixture cases", nvus);
    free(yv);
    free(pv);
    free(sv);
    free(y);
    free(p);
    fx_close(&f);
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(7);
    test_pa_by_hand(ctx);
    test_range_by_hand(ctx);
    test_vus_by_hand(ctx);
    test_vus_properties(ctx);
    test_fixture(ctx);
    od_ctx_free(ctx);
    return od_test_done();
}
