/* test_explain.c - the explain entries of every detector, `top` and the SSE
 * rule through the run layer.
 *
 * Planted anomalies (tests/data/good/gen_planted.py): planted.csv has row 151
 * with x3 = mean + 8 sd; every tabular detector must rank x3 first for that
 * row.  spike.csv is a sine with a spike at point 301; every neural detector
 * (forecast and reconstruct) must rank that step's error first.  Properties:
 * the exact decompositions add up to what the score is made of (hbos, ecod,
 * pca: the score; kmeans: the squared score; gauss: differences of scores
 * are half the differences of the sums; knn: the mean squared distance). */
#include "config.h"
#include "../od_test.h"
#include "oddity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static od_dataset *load(od_ctx *ctx, od_workspace *ws, const char *rel, const char *name)
{
    od_csv_opts o;
    memset(&o, 0, sizeof o);
    o.header = -1;
    int err = 0;
    od_frame *f = od_data_load(ctx, od_test_path(rel), &o, &err);
    if (!f) {
        printf("# load %s: %s\n", rel, od_ctx_errmsg(ctx));
        return NULL;
    }
    od_ws_add_dataset_donate(ctx, ws, name, rel, f, "load");
    return od_ws_dataset(ws, name);
}

static od_run *fit(od_ctx *ctx, od_workspace *ws, od_dataset *d, const char *algo, const char *const *k,
                   const char *const *v, size_t n)
{
    const od_detector_type *t = od_detector_find(algo);
    od_params *p = od_params_parse(ctx, t->params, t->nparams, k, v, n);
    od_fit_opts o = { .name = NULL, .fit = OD_FIT_TRAIN };
    od_run *r = NULL;
    int rc = p ? od_run_fit(ctx, ws, d, t, p, &o, &r) : OD_EINVAL;
    od_params_free(p);
    if (rc) printf("# fit %s: %s\n", algo, od_ctx_errmsg(ctx));
    return rc ? NULL : r;
}

static size_t argmax(const double *v, size_t n)
{
    size_t b = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return b;
}

static void test_tabular(od_ctx *ctx, od_workspace *ws)
{
    od_dataset *d = load(ctx, ws, "tests/data/good/planted.csv", "planted");
    if (!od_test_true(d != NULL, "planted.csv loads")) return;
    static const struct { const char *algo, *k, *v; } cases[] = {
        { "kmeans", "k", "2" }, { "kmeans", "score", "cblof" }, { "hclust", "k", "2" }, { "gmm", "k", "2" },
        { "gmm", "covariance", "diag" }, { "gauss", NULL, NULL }, { "gauss", "robust", "yes" }, { "kde", NULL, NULL },
        { "dbscan", NULL, NULL }, { "knn", NULL, NULL }, { "lof", NULL, NULL }, { "iforest", NULL, NULL },
        { "hbos", NULL, NULL }, { "ecod", NULL, NULL }, { "pca", NULL, NULL },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *k[1] = { cases[c].k }, *v[1] = { cases[c].v };
        od_run *r = fit(ctx, ws, d, cases[c].algo, k, v, cases[c].k ? 1 : 0);
        if (!od_test_true(r != NULL, "%s %s=%s fits", cases[c].algo, cases[c].k, cases[c].v)) continue;
        od_run_explanation e;
        int rc = od_run_explain(ctx, ws, r, 150, &e);
        if (!od_test_int(rc, OD_OK, "%s %s=%s explains row 151", cases[c].algo, cases[c].k, cases[c].v)) {
            printf("#   %s\n", od_ctx_errmsg(ctx));
            continue;
        }
        od_test_true(e.ex.d == 5 && e.ex.contrib && argmax(e.ex.contrib, 5) == 2 && !strcmp(e.names[2], "x3"),
                     "%s %s=%s ranks the planted feature x3 first", cases[c].algo, cases[c].k, cases[c].v);
        od_test_true(strlen(e.ex.method) > 10 && strchr(e.ex.method, '\n') == NULL, "%s names its method in one line",
                     cases[c].algo);
        double sum = 0;
        for (size_t j = 0; j < 5; j++) sum += e.ex.contrib[j];
        const char *a = cases[c].algo;
        if (!strcmp(a, "hbos") || !strcmp(a, "ecod") || !strcmp(a, "pca"))
            od_test_rel(sum, r->scores[150], 1e-9, "%s: the terms sum to the score", a);
        if (!strcmp(a, "kmeans") && !cases[c].k) od_test_rel(sum, r->scores[150] * r->scores[150], 1e-9, "kmeans: terms sum to score^2");
        if (!strcmp(a, "knn")) {
            double m = 0;
            for (size_t q = 0; q < e.ex.nnb; q++) m += e.ex.nb_dist[q] * e.ex.nb_dist[q] / (double)e.ex.nnb;
            od_test_rel(sum, m, 1e-9, "knn: terms sum to the mean squared neighbour distance");
            od_test_rel(e.ex.nb_dist[e.ex.nnb - 1], r->scores[150], 1e-9, "knn largest: the k-th neighbour's distance is the score");
            int rows_ok = 1;
            for (size_t q = 0; q < e.ex.nnb; q++) rows_ok &= e.nb_row[q] >= 0 && e.nb_row[q] != 150;
            od_test_true(rows_ok, "knn: every neighbour found by row, the row itself left out");
        }
        if (!strcmp(a, "gauss") && !cases[c].k) {
            od_run_explanation e2;
            if (od_test_int(od_run_explain(ctx, ws, r, 7, &e2), OD_OK, "gauss explains row 8")) {
                double s2 = 0;
                for (size_t j = 0; j < 5; j++) s2 += e2.ex.contrib[j];
                od_test_rel(r->scores[150] - r->scores[7], (sum - s2) / 2, 1e-9,
                            "gauss: score differences are half the Mahalanobis differences");
                od_run_explanation_done(&e2);
            }
        }
        od_run_explanation_done(&e);
    }
    /* errors: a row out of range, an ensemble */
    od_run *a = fit(ctx, ws, d, "kmeans", NULL, NULL, 0), *b = fit(ctx, ws, d, "ecod", NULL, NULL, 0);
    od_run_explanation e;
    od_test_int(od_run_explain(ctx, ws, a, 300, &e), OD_EINVAL, "row beyond the data is an error");
    od_run *m[2] = { a, b }, *en = NULL;
    od_run_ensemble(ctx, ws, m, 2, OD_NORM_RANK, OD_COMBINE_MEAN, NULL, "ens", &en);
    od_test_int(od_run_explain(ctx, ws, en, 3, &e), OD_EINVAL, "an ensemble cannot be explained");
    /* top: descending, ties by row, n clipped */
    od_run_top_result t;
    b = fit(ctx, ws, d, "gauss", NULL, NULL, 0);
    od_test_int(od_run_top(ctx, ws, b, 1000, OD_PART_ALL, &t), OD_OK, "top runs");
    int desc = t.n == 300 && t.rows[0] == 150;
    for (size_t k = 1; k < t.n; k++)
        desc &= b->scores[t.rows[k - 1]] > b->scores[t.rows[k]] ||
                (b->scores[t.rows[k - 1]] == b->scores[t.rows[k]] && t.rows[k - 1] < t.rows[k]);
    od_test_true(desc, "top: every row, the planted one first, scores descending (ties: lower row first)");
    od_test_true(t.view.ncols == 5 && t.view.time_col == -1 && strstr(t.view.note, "original units"), "top: the five columns, as loaded");
    od_run_top_done(&t);
    od_test_int(od_run_top(ctx, ws, b, 5, OD_PART_TEST, &t), OD_EINVAL, "top part=test without a split is an error");
    od_run_top_done(&t);
    /* the SSE rule through the table: the planted row is flagged */
    od_thr_report rep;
    od_test_int(od_run_threshold(ctx, b, "sse", NULL, NULL, 0, &rep), OD_OK, "threshold method=sse");
    od_test_true(od_run_flags(b, 150) && rep.flagged >= 1 && rep.flagged < 150 && !rep.th.is_oracle,
                 "sse flags the planted row, and fewer than half the rows, without labels");
    od_thr_report_clear(&rep);
}

static void test_neural(od_ctx *ctx, od_workspace *ws)
{
    od_dataset *d = load(ctx, ws, "tests/data/good/spike.csv", "spike");
    if (!od_test_true(d != NULL, "spike.csv loads")) return;
    static const char *const algos[] = { "tsn", "cnn", "lstm", "gru", "attn" };
    static const char *const modes[] = { "forecast", "reconstruct" };
    for (size_t a = 0; a < 5; a++)
        for (size_t m = 0; m < 2; m++) {
            const char *k[3] = { "window", "epochs", "mode" }, *v[3] = { "20", a < 2 ? "10" : "4", modes[m] };
            od_run *r = fit(ctx, ws, d, algos[a], k, v, 3);
            if (!od_test_true(r != NULL, "%s mode=%s fits", algos[a], modes[m])) continue;
            od_run_explanation e;
            int rc = od_run_explain(ctx, ws, r, 300, &e);
            if (!od_test_int(rc, OD_OK, "%s mode=%s explains row 301", algos[a], modes[m])) {
                printf("#   %s\n", od_ctx_errmsg(ctx));
                continue;
            }
            int ok = e.ex.steps == 20 && e.ex.chans == 1 && e.ex.step0 == 281 &&
                     argmax(e.ex.err, e.ex.steps) == (size_t)(300 - e.ex.step0);
            od_test_true(ok, "%s mode=%s: the spike's step error ranks first", algos[a], modes[m]);
            od_run_explanation_done(&e);
            rc = od_run_explain(ctx, ws, r, 5, &e);
            od_test_int(rc, OD_EDATA, "%s mode=%s: a warm-up row is an error", algos[a], modes[m]);
            od_test_true(strstr(od_ctx_errmsg(ctx), "warm-up") != NULL, "... that says warm-up");
        }
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(16);
    od_workspace *ws = od_ws_new();
    test_tabular(ctx, ws);
    test_neural(ctx, ws);
    od_ws_free(ws);
    od_ctx_free(ctx);
    return od_test_done();
}
