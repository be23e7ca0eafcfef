/* test_eval_affiliation.c - affiliation metrics (engine/eval/affiliation.c)
 * against the authors' implementation (tests/fixtures/eval/affiliation.txt,
 * made by gen_affiliation.py: their tests' interval examples, the paper's
 * example, the README vector and 40 seeded random series), and hand-worked
 * cases.  Tolerance 1e-12 relative: both sides integrate the same piecewise
 * linear functions in double precision, by different (exact) formulas, so
 * they differ only by rounding (a few ulps per term, tens of terms). */
#include "config.h"
#include "../od_test.h"
#include "eval/affiliation.h"
#include "test_eval_fixture.h"

#include <math.h>

#define TOL 1e-12

static int same(double got, double want)
{
    if (isnan(want)) return isnan(got);
    if (isinf(want)) return isinf(got) && (got > 0) == (want > 0);
    return fabs(got - want) <= TOL * fmax(1, fabs(want));
}

static size_t to_intervals(const double *v, size_t n, od_interval *out)
{
    for (size_t i = 0; i + 1 < n; i += 2) out[i / 2] = (od_interval){ v[i], v[i + 1] };
    return n / 2;
}

static void test_fixture(od_ctx *ctx)
{
    fx_file f;
    if (fx_open(&f, od_test_path("tests/fixtures/eval/affiliation.txt"))) {
        od_test_true(0, "open affiliation.txt");
        return;
    }
    static double buf[40000];
    static od_interval gt[10000], pr[10000];
    double t[2] = { 0, 0 }, want[4][2000], PR[2], pp[2000], rp[2000], pd[2000], rd[2000];
    size_t ng = 0, np = 0, nw[4] = { 0 };
    int cases = 0, bad = 0, bad_vec = 0;
    char name[64] = "";
    while (fx_next(&f)) {
        if (fx_is(&f, "case")) snprintf(name, sizeof name, "%s", f.rest);
        else if (fx_is(&f, "t")) fx_nums(f.rest, t, 2);
        else if (fx_is(&f, "gt")) ng = to_intervals(buf, fx_nums(f.rest, buf, 40000), gt);
        else if (fx_is(&f, "pr")) np = to_intervals(buf, fx_nums(f.rest, buf, 40000), pr);
        else if (fx_is(&f, "pp")) nw[0] = fx_nums(f.rest, want[0], 2000);
        else if (fx_is(&f, "rp")) nw[1] = fx_nums(f.rest, want[1], 2000);
        else if (fx_is(&f, "pd")) nw[2] = fx_nums(f.rest, want[2], 2000);
        else if (fx_is(&f, "rd")) nw[3] = fx_nums(f.rest, want[3], 2000);
        else if (fx_is(&f, "PR")) fx_nums(f.rest, PR, 2);
        else if (fx_is(&f, "end")) {
            double P, R;
            od_affil_detail det = { pp, rp, pd, rd };
            int rc = od_affiliation_events(ctx, pr, np, gt, ng, t[0], t[1], &P, &R, &det);
            int ok = rc == 0 && same(P, PR[0]) && same(R, PR[1]) && nw[0] == ng;
            for (size_t j = 0; ok && j < ng; j++)
                ok = same(pp[j], want[0][j]) && same(rp[j], want[1][j]) && same(pd[j], want[2][j]) && same(rd[j], want[3][j]);
            if (!ok) {
                bad++;
                od_test_true(0, "case %s: P %.17g (want %.17g) R %.17g (want %.17g)", name, P, PR[0], R, PR[1]);
            }
            /* the vector form: integer events over [0, n) */
            if (t[0] == 0 && !strncmp(name, "random", 6)) {
                size_t n = (size_t)t[1];
                int *lab = calloc(n, sizeof *lab), *pre = calloc(n, sizeof *pre);
                for (size_t j = 0; j < ng; j++)
                    for (size_t i = (size_t)gt[j].a; i < (size_t)gt[j].b; i++) lab[i] = 1;
                for (size_t j = 0; j < np; j++)
                    for (size_t i = (size_t)pr[j].a; i < (size_t)pr[j].b; i++) pre[i] = 1;
                od_ts_prf m;
                od_ts_affiliation(ctx, lab, pre, n, &m);
                /* adjacent predicted runs of the reference merge in a vector: compare only when none touch */
                if (m.n_pred_ranges == np && (!same(m.recall.value, PR[1]) || (m.precision.defined && !same(m.precision.value, PR[0]))))
                    bad_vec++;
                free(lab);
                free(pre);
            }
            cases++;
        }
    }
    fx_close(&f);
    od_test_true(cases >= 46, "%d fixture cases read", cases);
    od_test_int(bad, 0, "per-event precision/recall probabilities and distances, and the averages, equal the authors' code to 1e-12");
    od_test_int(bad_vec, 0, "the vector form (0/1 labels and predictions) gives the same precision and recall");
}

static void test_hand(od_ctx *ctx)
{
    /* one event J = [4, 6) in [0, 10): E = [0, 10), m = 4 */
    od_interval J = { 4, 6 }, I1 = { 4, 6 }, I2 = { 8, 9 };
    double P, R, pp, rp, pd, rd;
    od_affil_detail det = { &pp, &rp, &pd, &rd };
    od_affiliation_events(ctx, &I1, 1, &J, 1, 0, 10, &P, &R, &det);
    od_test_true(P == 1 && R == 1 && pd == 0 && rd == 0, "a prediction equal to the event: precision = recall = 1, distances 0");
    /* I2 = [8, 9): d(x, J) = x - 6 on [8, 9): mean 2.5; P(dist(X,J) >= d) = 1 - (2 + min(d,4) + d)/10:
     * at d in [2, 3]: 1 - (2 + 2d)/10, mean over d = 2.5: 1 - 7/10 = 0.3 */
    od_affiliation_events(ctx, &I2, 1, &J, 1, 0, 10, &P, &R, &det);
    od_test_abs(pd, 2.5, 1e-15, "precision distance of [8,9) to [4,6) is 2.5 (by hand)");
    od_test_abs(P, 0.3, 1e-15, "precision probability 0.3 (by hand: 1 - (|J| + 2 d)/|E| at the mean d)");
    /* recall: y in [4, 6), d = 8 - y in (2, 4]; P(|X - y| >= d) = 1 - (min(d, y) + min(d, 10 - y))/10
     * = 1 - (d + d)/10 while d <= y and d <= 10 - y, i.e. y >= 4: 1 - (16 - 2y)/10, mean over y in [4,6): y = 5 -> 0.4 */
    od_test_abs(R, 0.4, 1e-15, "recall probability 0.4 (by hand)");
    od_test_abs(rd, 3, 1e-15, "recall distance: mean of 8 - y over [4, 6) is 3");
    /* nothing predicted */
    od_affiliation_events(ctx, NULL, 0, &J, 1, 0, 10, &P, &R, &det);
    od_test_true(isnan(P) && R == 0 && isinf(rd), "no prediction: precision undefined, recall 0, recall distance infinite");
    int lab[10] = { 0, 0, 0, 0, 1, 1, 0, 0, 0, 0 }, none[10] = { 0 };
    od_ts_prf m;
    od_ts_affiliation(ctx, lab, none, 10, &m);
    od_test_true(!m.precision.defined && m.recall.defined && m.recall.value == 0 && m.f.value == 0,
                 "vector form, nothing flagged: precision undefined, recall 0, F1 0");
    od_ts_affiliation(ctx, none, lab, 10, &m);
    od_test_true(!m.precision.defined && !m.recall.defined && !m.f.defined, "no labelled event: undefined, with a reason");
    od_test_str(m.recall.reason, "no labelled event", "... named");
    od_interval bad[2] = { { 1, 3 }, { 3, 5 } };
    od_test_int(od_affiliation_events(ctx, bad, 2, &J, 1, 0, 10, &P, &R, NULL), OD_EINVAL, "touching events are refused");
    od_ctx_clear_error(ctx);
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(1);
    test_hand(ctx);
    test_fixture(ctx);
    od_ctx_free(ctx);
    return od_test_done();
}
