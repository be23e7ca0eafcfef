/* test_tune.c - the threshold tuner's model (app/tui/tune_model.c) against
 * brute-force recounts: at every position the flagged rows, TP/FP/FN/TN,
 * precision, recall and F1 equal a direct count of "score >= value"; the
 * position of a value inverts the value of a position (both rules); steps
 * by rows move monotonically; best F1 equals the brute-force maximum (ties:
 * highest threshold); NaN scores and unknown labels are left out. */
#include "config.h"
#include "../od_test.h"
#include "tune_model.h"

#include <math.h>

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static void brute(const double *sc, const int *lab, size_t n, double t, size_t *fl, size_t *tp, size_t *fp,
                  size_t *fn, size_t *tn)
{
    *fl = *tp = *fp = *fn = *tn = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(sc[i]) || (lab && lab[i] < 0)) continue;
        int f = sc[i] >= t, y = lab ? lab[i] : 0;
        *fl += (size_t)f;
        if (!lab) continue;
        if (y && f) (*tp)++;
        else if (y) (*fn)++;
        else if (f) (*fp)++;
        else (*tn)++;
    }
}

static void check_case(const char *name, const double *sc, const int *lab, size_t n)
{
    tune_model tm;
    if (tune_model_build(&tm, sc, lab, n)) { od_test_true(0, "%s: build", name); return; }
    size_t bad = 0, badinv = 0, nrows = 0;
    double bestf = -1;
    size_t bestp = 0;
    for (size_t p = 0; p <= tm.m; p++) {
        double t = tune_model_value(&tm, p);
        tune_counts c = tune_model_counts(&tm, p);
        size_t fl, tp, fp, fn, tn;
        brute(sc, lab, n, t, &fl, &tp, &fp, &fn, &tn);
        if (c.flagged != fl) bad++;
        if (lab && (c.tp != tp || c.fp != fp || c.fn != fn || c.tn != tn)) bad++;
        if (lab && tp + fp + fn > 0) {
            double f1 = 2.0 * (double)tp / (double)(2 * tp + fp + fn);
            if (fabs(c.f1 - f1) > 1e-15) bad++;
            if (f1 > bestf && tp + fn > 0) { bestf = f1; bestp = p; }
        }
        if (lab && tp + fp > 0 && fabs(c.precision - (double)tp / (double)(tp + fp)) > 1e-15) bad++;
        if (lab && tp + fp == 0 && !isnan(c.precision)) bad++;
        if (tune_model_position(&tm, t, 0) != p) badinv++;
        if (p > 0 && tune_model_position(&tm, tm.thr[p - 1], 1) != p - 1) badinv++;
        if (p > 0 && tm.thr[p - 1] <= (p < tm.m ? tm.thr[p] : -INFINITY)) bad++;   /* strictly decreasing */
    }
    for (size_t i = 0; i < n; i++) nrows += !isnan(sc[i]) && !(lab && lab[i] < 0);
    od_test_true(bad == 0 && tm.n == nrows, "%s: counts at all %zu positions equal a brute-force recount (%zu bad)",
                 name, tm.m + 1, bad);
    od_test_true(badinv == 0, "%s: position(value(p)) == p for rules >= and > (%zu bad)", name, badinv);
    size_t mono = 0, p = 0, steps = 0;
    while (p < tm.m && steps < 10000) {
        size_t q = tune_model_step_rows(&tm, p, 7);
        tune_counts a = tune_model_counts(&tm, p), b = tune_model_counts(&tm, q);
        if (q <= p || (b.flagged < a.flagged + 7 && q != tm.m) || (q > p + 1 && tune_model_counts(&tm, q - 1).flagged >= a.flagged + 7))
            mono++;
        /* and back: the highest position flagging at most 7 fewer than q */
        size_t back = tune_model_step_rows(&tm, q, -7), want = b.flagged >= 7 ? b.flagged - 7 : 0;
        if (tune_model_counts(&tm, back).flagged > want || (back < q && tune_model_counts(&tm, back + 1).flagged <= want))
            mono++;
        p = q;
        steps++;
    }
    od_test_true(mono == 0 && p == tm.m, "%s: steps of 7 rows reach the end, each the first position flagging 7 more, and back (%zu bad)", name, mono);
    if (lab) {
        size_t bp = tune_model_best_f1(&tm);
        od_test_true(bp == bestp, "%s: best F1 at position %zu (brute force %zu, F1 %.4f)", name, bp, bestp, bestf);
    }
    tune_model_free(&tm);
}

int main(void)
{
    enum { N = 3000 };
    static double sc[N];
    static int lab[N];
    unsigned s = 3;
    for (size_t i = 0; i < N; i++) {
        sc[i] = (double)(rnd(&s) % 400) / 40.0;   /* many ties */
        lab[i] = rnd(&s) % 10 == 0 || sc[i] > 9.0;
        if (i % 97 == 0) sc[i] = NAN;
        if (i % 89 == 0) lab[i] = -1;
    }
    check_case("ties, NaN, unknown labels", sc, lab, N);
    check_case("unlabelled", sc, NULL, N);
    for (size_t i = 0; i < N; i++) sc[i] = (double)rnd(&s) / 7.0 - 2000.0 + 1e-3 * (double)i;
    check_case("distinct scores, negative too", sc, lab, N);
    double one[1] = {2.5};
    int l1[1] = {1};
    check_case("one row", one, l1, 1);
    int l0[4] = {0, 0, 0, 0};
    double four[4] = {1, 2, 2, 3};
    tune_model tm;
    tune_model_build(&tm, four, l0, 4);
    od_test_int((int)tune_model_best_f1(&tm), 0, "no anomalies: no best F1 position");
    tune_counts c = tune_model_counts(&tm, 2);
    od_test_true(c.flagged == 3 && c.fp == 3 && isnan(c.recall) && c.f1 == 0, "no anomalies: recall undefined, F1 0 (flagged %zu)",
                 c.flagged);
    od_test_true(tune_model_value(&tm, 0) > 3 && tune_model_counts(&tm, 0).flagged == 0, "position 0 flags nothing");
    tune_model_free(&tm);
    double nan1[2] = {NAN, NAN};
    tune_model_build(&tm, nan1, NULL, 2);
    od_test_true(tm.m == 0 && tune_model_counts(&tm, 0).flagged == 0 && isinf(tune_model_value(&tm, 0)),
                 "only NaN scores: an empty model");
    tune_model_free(&tm);
    return od_test_done();
}
