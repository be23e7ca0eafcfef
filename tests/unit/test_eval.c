/* test_eval.c - engine/eval: curves (ROC, PR, AUC, AP, best F1, P@k, confusion
 * at any threshold) against scikit-learn 1.2 fixtures, and the confusion-matrix
 * metrics against sklearn.  Fixtures: tests/fixtures/eval/gen_eval.py. */
#include "config.h"
#include "../od_test.h"
#include "eval/curve.h"
#include "eval/metrics.h"
#include "eval/evsort.h"
#include "test_eval_fixture.h"

#include <stdint.h>
#include <gsl/gsl_randist.h>

#define TOL 1e-12

/* ------------------------------------------------------------ fixtures */

typedef struct {
    int id;
    double *s;
    int *y;
    size_t n;
    od_curve *c;
    size_t P, N, m;
    double *a, *b, *t; /* scratch arrays of m+1 */
} curve_case;

static void case_free(curve_case *cc)
{
    free(cc->s);
    free(cc->y);
    od_curve_free(cc->c);
    free(cc->a);
    free(cc->b);
    free(cc->t);
    memset(cc, 0, sizeof *cc);
}

static void check_undef(const od_metric *m, const char *what, int id)
{
    od_test_true(!m->defined && isnan(m->value) && strstr(m->reason, "only one class") != NULL,
                 "case %d %s undefined with a reason (%s)", id, what, m->reason);
}

static void check_metric(const od_metric *m, const char *rest, const char *what, const char *name, int id)
{
    if (!strncmp(rest, "undef", 5)) {
        check_undef(m, what, id);
        return;
    }
    double want = strtod(rest, NULL);
    if (!od_test_rel(m->value, want, TOL, "case %d %s", id, what) || !m->defined)
        printf("#   defined=%d reason=%s\n", m->defined, m->reason);
    if (strcmp(m->name, name)) od_test_str(m->name, name, "case %d %s convention name", id, what);
}

static int run_curve_file(od_ctx *ctx, const char *rel)
{
    fx_file f;
    if (fx_open(&f, od_test_path(rel))) {
        od_test_true(0, "open %s", rel);
        return 0;
    }
    curve_case cc;
    memset(&cc, 0, sizeof cc);
    int ncases = 0;
    size_t cm_bad = 0, cm_count = 0;
    while (fx_next(&f)) {
        if (fx_is(&f, "case")) {
            case_free(&cc);
            cc.id = atoi(f.rest);
            cm_bad = cm_count = 0;
        } else if (fx_is(&f, "s")) {
            cc.s = fx_nums_alloc(f.rest, &cc.n);
        } else if (fx_is(&f, "y")) {
            size_t ny;
            double *yy = fx_nums_alloc(f.rest, &ny);
            cc.y = malloc((ny ? ny : 1) * sizeof *cc.y);
            for (size_t i = 0; i < ny; i++) cc.y[i] = (int)yy[i];
            free(yy);
            int err;
            cc.c = od_curve_new(ctx, cc.s, cc.y, cc.n, &err);
            od_test_true(cc.c != NULL && err == OD_OK, "case %d curve built (n=%zu)", cc.id, cc.n);
        } else if (fx_is(&f, "info")) {
            double v[7];
            fx_nums(f.rest, v, 7);
            od_curve_info in;
            od_curve_get_info(cc.c, &in);
            int ok = in.n_total == (size_t)v[0] && in.n_used == (size_t)v[1] && in.n_nan == (size_t)v[2] &&
                     in.n_unlabelled == (size_t)v[3] && in.n_pos == (size_t)v[4] && in.n_neg == (size_t)v[5] &&
                     in.n_thresholds == (size_t)v[6];
            od_test_true(ok, "case %d counts (used %zu, NaN %zu, unlabelled %zu, P %zu, N %zu, m %zu)", cc.id,
                         in.n_used, in.n_nan, in.n_unlabelled, in.n_pos, in.n_neg, in.n_thresholds);
            cc.P = in.n_pos;
            cc.N = in.n_neg;
            cc.m = in.n_thresholds;
            cc.a = malloc((cc.m + 1) * sizeof(double));
            cc.b = malloc((cc.m + 1) * sizeof(double));
            cc.t = malloc((cc.m + 1) * sizeof(double));
        } else if (fx_is(&f, "auc")) {
            od_metric m = od_curve_roc_auc(cc.c);
            check_metric(&m, f.rest, "ROC-AUC", "ROC-AUC", cc.id);
        } else if (fx_is(&f, "ap")) {
            od_metric m = od_curve_ap(cc.c);
            check_metric(&m, f.rest, "AP", "AP(step)", cc.id);
        } else if (fx_is(&f, "prauc")) {
            od_metric m = od_curve_pr_auc_trapz(cc.c);
            check_metric(&m, f.rest, "PR-AUC(trapz)", "PR-AUC(trapz)", cc.id);
        } else if (fx_is(&f, "rocfpr") || fx_is(&f, "roctpr") || fx_is(&f, "rocthr")) {
            size_t n;
            double *want = fx_nums_alloc(f.rest, &n);
            od_test_int((long long)n, (long long)(cc.m + 1), "case %d %s length", cc.id, f.tag);
            int rc = od_curve_roc(ctx, cc.c, cc.a, cc.b, cc.t);
            char what[64];
            snprintf(what, sizeof what, "case %d %s", cc.id, f.tag);
            if (fx_is(&f, "rocfpr")) {
                od_test_int(rc, (cc.P && cc.N) ? OD_OK : OD_EDATA, "case %d roc return code", cc.id);
                fx_check_array(cc.a, want, n, TOL, what);
            } else if (fx_is(&f, "roctpr")) {
                fx_check_array(cc.b, want, n, TOL, what);
            } else {
                /* sklearn 1.2 stores max(s)+1 as the first threshold; oddity +Inf (sklearn >= 1.3) */
                od_test_true(isinf(cc.t[0]) && cc.t[0] > 0, "case %d roc threshold[0] = +inf", cc.id);
                fx_check_array(cc.t + 1, want + 1, n - 1, TOL, what);
            }
            free(want);
        } else if (fx_is(&f, "prp") || fx_is(&f, "prr") || fx_is(&f, "prt")) {
            size_t n;
            double *want = fx_nums_alloc(f.rest, &n);
            int rc = od_curve_pr(ctx, cc.c, cc.a, cc.b, cc.t);
            char what[64];
            snprintf(what, sizeof what, "case %d %s", cc.id, f.tag);
            if (fx_is(&f, "prp")) {
                od_test_int(rc, cc.P ? OD_OK : OD_EDATA, "case %d pr return code", cc.id);
                od_test_int((long long)n, (long long)(cc.m + 1), "case %d precision length", cc.id);
                fx_check_array(cc.a, want, n, TOL, what);
            } else if (fx_is(&f, "prr")) {
                if (cc.P) {
                    fx_check_array(cc.b, want, n, TOL, what);
                } else { /* documented difference: sklearn 1.2 recall 1, oddity NaN */
                    int ok = 1;
                    for (size_t i = 0; i < cc.m; i++) ok &= isnan(cc.b[i]) && want[i] == 1.0;
                    od_test_true(ok && cc.b[cc.m] == 0.0, "case %d recall NaN without anomalies (sklearn: 1)",
                                 cc.id);
                }
            } else {
                od_test_int((long long)n, (long long)cc.m, "case %d pr thresholds length", cc.id);
                fx_check_array(cc.t, want, n, TOL, what);
            }
            free(want);
        } else if (fx_is(&f, "cm")) {
            char *end;
            double t = strtod(f.rest, &end);
            while (*end == ' ') end++;
            od_rule rule = end[1] == '=' ? OD_RULE_GE : OD_RULE_GT;
            end += rule == OD_RULE_GE ? 2 : 1;
            double v[4];
            fx_nums(end, v, 4);
            od_confusion cm = od_curve_confusion(cc.c, t, rule);
            cm_count++;
            if (cm.tp != (size_t)v[0] || cm.fp != (size_t)v[1] || cm.tn != (size_t)v[2] || cm.fn != (size_t)v[3]) {
                if (!cm_bad)
                    printf("#   case %d t=%.17g %s: got %zu %zu %zu %zu want %g %g %g %g\n", cc.id, t,
                           od_rule_str(rule), cm.tp, cm.fp, cm.tn, cm.fn, v[0], v[1], v[2], v[3]);
                cm_bad++;
            }
        } else if (fx_is(&f, "bestf1")) {
            double v[4];
            fx_nums(f.rest, v, 4);
            od_best_f1 b = od_curve_best_f1(cc.c);
            od_test_rel(b.f1.value, v[0], TOL, "case %d best F1", cc.id);
            od_test_true(b.threshold == v[1] && b.cm.tp == (size_t)v[2] && b.cm.fp == (size_t)v[3] &&
                             b.rule == OD_RULE_GE,
                         "case %d best F1 threshold %.17g (tp %zu fp %zu)", cc.id, b.threshold, b.cm.tp, b.cm.fp);
        } else if (fx_is(&f, "pat")) {
            double v[3];
            size_t k = (size_t)strtod(f.rest, NULL);
            const char *r = strchr(f.rest, ' ') + 1;
            size_t flagged;
            od_metric m = od_curve_precision_at(cc.c, k, &flagged);
            if (!strncmp(r, "undef", 5)) {
                od_test_true(!m.defined, "case %d P@%zu undefined (%s)", cc.id, k, m.reason);
            } else {
                fx_nums(r, v, 2);
                od_test_true(m.defined && flagged == (size_t)v[0] && od_test_close(m.value, v[1], TOL, 1),
                             "case %d P@%zu = %g (%zu flagged)", cc.id, k, m.value, flagged);
            }
        } else if (fx_is(&f, "end")) {
            if (cm_count)
                od_test_true(cm_bad == 0, "case %d confusion at %zu thresholds (both rules)", cc.id, cm_count);
            ncases++;
        }
    }
    case_free(&cc);
    fx_close(&f);
    return ncases;
}

static void test_confusion_metrics(void)
{
    fx_file f;
    if (fx_open(&f, od_test_path("tests/fixtures/eval/metrics.txt"))) {
        od_test_true(0, "open metrics.txt");
        return;
    }
    int ncases = 0, nbad = 0;
    while (fx_next(&f)) {
        if (!fx_is(&f, "cm")) continue;
        double v[12];
        size_t k = fx_nums(f.rest, v, 12);
        if (k != 12) {
            nbad++;
            continue;
        }
        od_confusion cm = {(size_t)v[0], (size_t)v[1], (size_t)v[2], (size_t)v[3]};
        od_metric got[8] = {od_metric_precision(&cm), od_metric_recall(&cm), od_metric_f1(&cm),
                            od_metric_fbeta(&cm, 0.5), od_metric_fbeta(&cm, 2.0), od_metric_accuracy(&cm),
                            od_metric_specificity(&cm), od_metric_mcc(&cm)};
        for (int j = 0; j < 8; j++) {
            double want = v[4 + j];
            int ok = isnan(want) ? (!got[j].defined && isnan(got[j].value) && got[j].reason[0])
                                 : (got[j].defined && od_test_close(got[j].value, want, TOL, 1));
            if (!ok) {
                printf("#   cm %zu %zu %zu %zu %s: got %.17g (defined %d) want %.17g\n", cm.tp, cm.fp, cm.tn,
                       cm.fn, got[j].name, got[j].value, got[j].defined, want);
                nbad++;
            }
        }
        ncases++;
    }
    fx_close(&f);
    od_test_true(ncases >= 60 && nbad == 0, "confusion-matrix metrics vs sklearn: %d matrices x 8 metrics, %d bad",
                 ncases, nbad);
    od_confusion cm = {3, 1, 5, 2};
    od_test_str(od_metric_fbeta(&cm, 2).name, "F(beta=2)", "F-beta name");
    od_test_true(!od_metric_fbeta(&cm, 0).defined, "beta=0 refused");
}

/* ------------------------------------------------------- hand examples */

static void test_docstring_examples(od_ctx *ctx)
{
    /* sklearn docstrings: y=[0,0,1,1], s=[0.1,0.4,0.35,0.8] -> AUC 0.75,
     * precision [0.5, 2/3, 0.5, 1, 1], recall [1, 1, .5, .5, 0],
     * thresholds [0.1, 0.35, 0.4, 0.8]; AP = 0.5*1 + 0*0.5 + 0.5*2/3 = 0.8333. */
    double s[] = {0.1, 0.4, 0.35, 0.8};
    int y[] = {0, 0, 1, 1};
    int err;
    od_curve *c = od_curve_new(ctx, s, y, 4, &err);
    od_test_rel(od_curve_roc_auc(c).value, 0.75, TOL, "docstring ROC-AUC 0.75");
    od_test_rel(od_curve_ap(c).value, 0.5 + 0.5 * 2.0 / 3.0, TOL, "docstring AP 0.8333");
    double p[5], r[5], t[4];
    od_curve_pr(ctx, c, p, r, t);
    double wp[5] = {0.5, 2.0 / 3.0, 0.5, 1, 1}, wr[5] = {1, 1, 0.5, 0.5, 0}, wt[4] = {0.1, 0.35, 0.4, 0.8};
    fx_check_array(p, wp, 5, TOL, "docstring precision");
    fx_check_array(r, wr, 5, TOL, "docstring recall");
    fx_check_array(t, wt, 4, TOL, "docstring thresholds");
    /* PR-AUC(trapz): points (R,P): (0,1) (.5,1) (.5,.5) (1,2/3) (1,.5):
     * 0.5*(1+1)/2 + 0 + 0.5*(0.5+2/3)/2 = 0.5 + 0.291666.. */
    od_test_rel(od_curve_pr_auc_trapz(c).value, 0.5 + 0.5 * (0.5 + 2.0 / 3.0) / 2, TOL, "docstring PR-AUC(trapz)");
    /* best F1: t=0.8 -> tp1 fp0: 2/(1+0+2)=2/3; t=0.4: tp1 fp1: 2/4; t=0.35: tp2 fp1: 4/5; t=0.1: 4/6 */
    od_best_f1 b = od_curve_best_f1(c);
    od_test_rel(b.f1.value, 0.8, TOL, "docstring best F1 0.8");
    od_test_true(b.threshold == 0.35 && b.rule == OD_RULE_GE, "docstring best F1 at s >= 0.35");
    od_test_str(b.f1.name, "best-F1(oracle)", "best F1 is named an oracle");
    od_curve_free(c);

    /* the tie rule: y=[1,0], s=[0.5,0.5] -> 0.5 */
    double s2[] = {0.5, 0.5};
    int y2[] = {1, 0};
    c = od_curve_new(ctx, s2, y2, 2, &err);
    od_test_rel(od_curve_roc_auc(c).value, 0.5, TOL, "tied pair ROC-AUC 0.5");
    od_test_rel(od_curve_ap(c).value, 0.5, TOL, "tied pair AP 0.5 (one block)");
    od_curve_free(c);
}

static void test_edge_cases(od_ctx *ctx)
{
    int err;
    /* bad label */
    double s[] = {1, 2, 3};
    int y[] = {0, 2, 1};
    od_curve *c = od_curve_new(ctx, s, y, 3, &err);
    od_test_true(c == NULL && err == OD_EDATA && strstr(od_ctx_errmsg(ctx), "row 1"),
                 "label 2 refused, row named: %s", od_ctx_errmsg(ctx));

    /* all NaN: a valid curve whose metrics are undefined with a reason */
    double sn[] = {NAN, NAN};
    int yn[] = {0, 1};
    c = od_curve_new(ctx, sn, yn, 2, &err);
    od_metric m = od_curve_roc_auc(c);
    od_test_true(c && !m.defined && strstr(m.reason, "2 NaN"), "all-NaN scores: %s", m.reason);
    od_confusion cm = od_curve_confusion(c, 0, OD_RULE_GE);
    od_test_true(cm.tp + cm.fp + cm.tn + cm.fn == 0, "all-NaN: empty confusion matrix");
    od_curve_free(c);

    /* n = 0 */
    c = od_curve_new(ctx, NULL, NULL, 0, &err);
    od_test_true(c && err == OD_OK && !od_curve_ap(c).defined, "n = 0: curve with undefined metrics");
    od_curve_free(c);

    /* one class: the exact message of the brief */
    double s1[] = {0.1, 0.2, 0.3};
    int y1[] = {0, 0, 0};
    c = od_curve_new(ctx, s1, y1, 3, &err);
    od_test_str(od_curve_roc_auc(c).reason, "only one class in the labels: 3 normal, 0 anomalous",
                "one-class reason");
    od_curve_free(c);

    /* infinities are ordinary values; -0.0 == 0.0 */
    double si[] = {INFINITY, -INFINITY, 0.0, -0.0, 1.0, INFINITY};
    int yi[] = {1, 0, 1, 0, 0, 0};
    c = od_curve_new(ctx, si, yi, 6, &err);
    od_curve_info in;
    od_curve_get_info(c, &in);
    od_test_int((long long)in.n_thresholds, 4, "inf, 1, 0, -inf: 4 distinct thresholds (-0 == 0)");
    /* pairs (pos, neg): inf vs {-inf,-0,1,inf}: 1+1+1+.5; 0 vs {-inf,-0,1,inf}: 1+.5+0+0 -> 5/8 */
    od_test_rel(od_curve_roc_auc(c).value, 5.0 / 8.0, TOL, "ROC-AUC with infinities and signed zeros");
    cm = od_curve_confusion(c, INFINITY, OD_RULE_GE);
    od_test_true(cm.tp == 1 && cm.fp == 1, "s >= inf flags the two infinities");
    cm = od_curve_confusion(c, NAN, OD_RULE_GE);
    od_test_true(cm.tp == 0 && cm.fp == 0 && cm.tn == 4 && cm.fn == 2, "t = NaN flags nothing");
    od_curve_free(c);
}

/* AUC = Mann-Whitney U/(P N) by brute force; random thresholds vs brute-force
 * counts (the O(log n) move), on data big enough for the radix path. */
static void test_properties(od_ctx *ctx)
{
    gsl_rng *rng = od_ctx_rng(ctx);
    int bad_auc = 0;
    for (int rep = 0; rep < 40; rep++) {
        size_t n = 2 + gsl_rng_uniform_int(rng, 300);
        double *s = malloc(n * sizeof *s);
        int *y = malloc(n * sizeof *y);
        unsigned levels = 1 + (unsigned)gsl_rng_uniform_int(rng, 12);
        for (size_t i = 0; i < n; i++) {
            s[i] = rep % 2 ? (double)gsl_rng_uniform_int(rng, levels) : gsl_ran_gaussian_ziggurat(rng, 1.0);
            y[i] = gsl_rng_uniform(rng) < 0.3;
        }
        y[0] = 0;
        y[1] = 1;
        double u = 0;
        size_t P = 0, N = 0;
        for (size_t i = 0; i < n; i++) {
            if (y[i]) P++;
            else N++;
            if (!y[i]) continue;
            for (size_t j = 0; j < n; j++) {
                if (y[j]) continue;
                u += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
            }
        }
        int err;
        od_curve *c = od_curve_new(ctx, s, y, n, &err);
        if (!od_test_close(od_curve_roc_auc(c).value, u / ((double)P * (double)N), 1e-13, 0)) bad_auc++;
        od_curve_free(c);
        free(s);
        free(y);
    }
    od_test_int(bad_auc, 0, "ROC-AUC = Mann-Whitney U/(PN) on 40 random sets (ties and continuous)");

    size_t n = 300000; /* above the parallel-sort cut-off (2^18) */
    double *s = malloc(n * sizeof *s);
    int *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        double g = gsl_ran_gaussian_ziggurat(rng, 1.0);
        s[i] = i % 3 ? g : floor(g * 8) / 8; /* a third heavily tied */
        y[i] = gsl_rng_uniform(rng) < 0.05 ? 1 : (i % 97 == 0 ? -1 : 0);
        if (i % 1013 == 0) s[i] = NAN;
    }
    int err;
    /* a bad label deep in the second thread's half is still found and named */
    int keep = y[250000];
    y[250000] = 5;
    od_curve *c = od_curve_new(ctx, s, y, n, &err);
    od_test_true(!c && err == OD_EDATA && strstr(od_ctx_errmsg(ctx), "row 250000"), "parallel fill names the bad row: %s",
                 od_ctx_errmsg(ctx));
    y[250000] = keep;
    c = od_curve_new(ctx, s, y, n, &err);
    /* the same curve on one thread */
    od_ctx_set_threads(ctx, 1);
    od_curve *c1 = od_curve_new(ctx, s, y, n, &err);
    od_ctx_set_threads(ctx, 2);
    od_test_true(od_curve_roc_auc(c).value == od_curve_roc_auc(c1).value &&
                     od_curve_ap(c).value == od_curve_ap(c1).value,
                 "1 and 2 threads give bit-identical AUC and AP");
    od_curve_free(c1);
    int bad = 0;
    for (int rep = 0; rep < 120; rep++) {
        double t = rep % 2 ? s[gsl_rng_uniform_int(rng, n)] : gsl_ran_gaussian_ziggurat(rng, 1.5);
        od_rule rule = rep % 4 < 2 ? OD_RULE_GE : OD_RULE_GT;
        od_confusion cm = od_curve_confusion(c, t, rule);
        size_t tp = 0, fp = 0, tn = 0, fn = 0;
        for (size_t i = 0; i < n; i++) {
            if (isnan(s[i]) || y[i] < 0) continue;
            int f = rule == OD_RULE_GE ? s[i] >= t : s[i] > t;
            if (y[i]) {
                if (f) tp++;
                else fn++;
            } else {
                if (f) fp++;
                else tn++;
            }
        }
        if (cm.tp != tp || cm.fp != fp || cm.tn != tn || cm.fn != fn) bad++;
    }
    od_test_int(bad, 0, "120 random threshold moves on 300k scores = brute-force counts");
    /* AP as a brute-force step sum over sorted distinct thresholds */
    od_curve_info in;
    od_curve_get_info(c, &in);
    size_t m = in.n_thresholds;
    double *thr = malloc(m * sizeof *thr);
    size_t *tp = malloc(m * sizeof *tp), *fp = malloc(m * sizeof *fp);
    od_curve_points(c, thr, tp, fp);
    int mono = 1;
    for (size_t k = 1; k < m; k++) mono &= thr[k] < thr[k - 1] && tp[k] >= tp[k - 1] && fp[k] >= fp[k - 1];
    od_test_true(mono && m > 1000 && tp[m - 1] == in.n_pos && fp[m - 1] == in.n_neg,
                 "points: thresholds strictly descending, counts cumulative (%zu distinct)", m);
    /* each point agrees with the confusion matrix at its threshold */
    int agree = 1;
    for (size_t k = 0; k < m; k += 97) {
        od_confusion cm = od_curve_confusion(c, thr[k], OD_RULE_GE);
        agree &= cm.tp == tp[k] && cm.fp == fp[k];
    }
    od_test_true(agree, "points agree with od_curve_confusion");
    free(thr);
    free(tp);
    free(fp);
    /* timing of one move, reported only (the bench measures it properly) */
    double t0 = od_now();
    size_t acc = 0;
    for (int rep = 0; rep < 10000; rep++) acc += od_curve_confusion(c, (rep % 200) / 50.0 - 2, OD_RULE_GE).tp;
    printf("# 10000 threshold moves on %zu scores: %.3f us each (checksum %zu)\n", n,
           (od_now() - t0) / 10000 * 1e6, acc);
    od_curve_free(c);
    free(s);
    free(y);
}

/* The radix sorts behind the curve: sorted output that is a permutation of
 * the input, for sizes around every cut-off and awkward key distributions. */
static int sorted_perm(const uint64_t *a, const uint64_t *orig, size_t n)
{
    uint64_t xs = 0, xo = 0, ss = 0, so = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && a[i] < a[i - 1]) return 0;
        xs ^= od_hash64(a[i]);
        xo ^= od_hash64(orig[i]);
        ss += od_hash64(a[i] + 1);
        so += od_hash64(orig[i] + 1);
    }
    return xs == xo && ss == so;
}

static void test_sorts(od_ctx *ctx)
{
    gsl_rng *rng = od_ctx_rng(ctx);
    size_t sizes[] = {0, 1, 2, 31, 32, 33, 48, 49, 200, 2049, 32768, 32769, 70000, 300000};
    int bad_ip = 0, bad_lsd = 0, bad_idx = 0, runs = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        uint64_t *a = malloc((n + 1) * sizeof *a), *o = malloc((n + 1) * sizeof *o), *t = malloc((n + 1) * sizeof *t);
        uint32_t *ix = malloc((n + 1) * sizeof *ix), *tx = malloc((n + 1) * sizeof *tx);
        for (int kind = 0; kind < 5; kind++) {
            for (size_t i = 0; i < n; i++) {
                switch (kind) {
                case 0: o[i] = ((uint64_t)gsl_rng_get(rng) << 32) ^ gsl_rng_get(rng); break; /* full 64 bits */
                case 1: o[i] = od_eval_key_desc(gsl_ran_gaussian_ziggurat(rng, 1.0)); break;
                case 2: o[i] = od_eval_key_desc(floor(gsl_ran_gaussian_ziggurat(rng, 1.0) * 4)); break; /* ties */
                case 3: o[i] = UINT64_C(0x8000000000000000); break;                                  /* all equal */
                default: o[i] = od_eval_key_asc(0.5 + gsl_rng_uniform(rng) * 1e-9); break; /* one top bucket */
                }
            }
            memcpy(a, o, n * sizeof *a);
            od_eval_radix_sort_inplace(a, n, 2);
            bad_ip += !sorted_perm(a, o, n);
            memcpy(a, o, n * sizeof *a);
            od_eval_radix_sort(a, t, n);
            bad_lsd += !sorted_perm(a, o, n);
            memcpy(a, o, n * sizeof *a);
            for (size_t i = 0; i < n; i++) ix[i] = (uint32_t)i;
            od_eval_radix_sort_idx(a, ix, t, tx, n);
            int ok = sorted_perm(a, o, n);
            for (size_t i = 0; i < n && ok; i++) ok = o[ix[i]] == a[i] && (i == 0 || a[i] != a[i - 1] || ix[i] > ix[i - 1]);
            bad_idx += !ok;
            runs++;
        }
        free(a);
        free(o);
        free(t);
        free(ix);
        free(tx);
    }
    od_test_int(bad_ip, 0, "in-place MSD radix sort: sorted permutation (%d inputs)", runs);
    od_test_int(bad_lsd, 0, "LSD radix sort: sorted permutation (%d inputs)", runs);
    od_test_int(bad_idx, 0, "LSD radix sort with payload: stable, payload follows (%d inputs)", runs);
    /* key order = numeric order, round trip */
    double v[] = {-INFINITY, -1e300, -2.5, -1e-310, -0.0, 0.0, 1e-310, 3.0, 1e300, INFINITY};
    int ok = 1;
    for (int i = 0; i < 10; i++) {
        ok &= od_eval_key_asc_value(od_eval_key_asc(v[i])) == v[i];
        ok &= od_eval_key_desc_value(od_eval_key_desc(v[i])) == v[i];
        if (i) ok &= v[i] == v[i - 1] ? od_eval_key_asc(v[i]) == od_eval_key_asc(v[i - 1])
                                      : od_eval_key_asc(v[i]) > od_eval_key_asc(v[i - 1]);
    }
    od_test_true(ok, "keys: order of doubles (subnormals, infinities, -0 == 0), round trip");
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(42);
    od_ctx_set_threads(ctx, 2);
    int nc = 0;
    nc += run_curve_file(ctx, "tests/fixtures/eval/curves_a.txt");
    nc += run_curve_file(ctx, "tests/fixtures/eval/curves_b.txt");
    nc += run_curve_file(ctx, "tests/fixtures/eval/curves_c.txt");
    od_test_true(nc >= 350, "%d sklearn curve cases read", nc);
    test_confusion_metrics();
    test_docstring_examples(ctx);
    test_edge_cases(ctx);
    test_properties(ctx);
    test_sorts(ctx);
    od_ctx_free(ctx);
    return od_test_done();
}
