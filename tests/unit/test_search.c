/* test_search.c - the grid parser (values and errors), the search's folds
 * (no row both fitted and tested; stratification keeps the anomaly share;
 * rolling origin never fits on a later row), the lineage refitted per fold
 * (a scaler fitted on exactly the fold's training rows), the silhouette
 * against scikit-learn, and the search itself: a planted number of clusters
 * is found, scores do not depend on the thread count, on sampling or on
 * which configurations ran before. */
#include "config.h"
#include "oddity.h"
#include "../od_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ grid */

static const od_param_spec P_INT = { "k", OD_P_INT, "8", 1, 1e6, NULL, "" };
static const od_param_spec P_REAL = { "lr", OD_P_REAL, "0.001", 0, 1, NULL, "" };
static const od_param_spec P_CHOICE = { "init", OD_P_CHOICE, "a", 0, -1, "a|b|c", "" };

static void axis_is(od_ctx *ctx, const od_param_spec *sp, const char *val, const char *want)
{
    od_grid_axis a;
    int rc = od_grid_axis_parse(ctx, sp, sp->name, val, &a);
    char got[1024] = "";
    for (size_t i = 0; !rc && i < a.n; i++) snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", a.vals[i]);
    od_test_str(rc ? od_ctx_errmsg(ctx) : got, want, "grid %s=%s", sp->name, val);
    od_grid_axis_done(&a);
}

static void axis_err(od_ctx *ctx, const od_param_spec *sp, const char *val, const char *want_part)
{
    od_grid_axis a;
    int rc = od_grid_axis_parse(ctx, sp, sp->name, val, &a);
    char pre[128];
    snprintf(pre, sizeof pre, "%s=%s: ", sp->name, val);
    const char *m = od_ctx_errmsg(ctx);
    od_test_true(rc == OD_EINVAL && !strncmp(m, pre, strlen(pre)) && strstr(m, want_part),
                 "grid %s=%s is refused naming the option and '%s' (got: %s)", sp->name, val, want_part, rc ? m : "accepted");
    if (!rc) od_grid_axis_done(&a);
}

static void test_grid(od_ctx *ctx)
{
    axis_is(ctx, &P_INT, "4", "4");
    axis_is(ctx, &P_INT, "2,5,3", "2 5 3");
    axis_is(ctx, &P_INT, "2..6", "2 3 4 5 6");
    axis_is(ctx, &P_INT, "2..12:5", "2 7 12");
    axis_is(ctx, &P_INT, "2..11:5", "2 7");
    axis_is(ctx, &P_INT, "2..4,8,16", "2 3 4 8 16");
    axis_is(ctx, &P_INT, "log(1..100)", "1 3 10 32 100");
    axis_is(ctx, &P_INT, "log(1..4):10", "1 2 3 4");   /* rounded repeats dropped */
    axis_is(ctx, &P_REAL, "log(1e-4..1e-2)", "0.0001 0.000316228 0.001 0.00316228 0.01");
    axis_is(ctx, &P_REAL, "log(1e-3..1e-1):3", "0.001 0.01 0.1");
    axis_is(ctx, &P_REAL, "0.1..0.5:0.1", "0.1 0.2 0.3 0.4 0.5");
    axis_is(ctx, &P_REAL, "0.5..2.5", "0.5 1.5 2.5");
    axis_is(ctx, &P_CHOICE, "a,c", "a c");
    axis_err(ctx, &P_INT, "5..3", "runs backwards");
    axis_err(ctx, &P_INT, "2..8:0", "step must be > 0");
    axis_err(ctx, &P_INT, "2..8:-1", "step must be > 0");
    axis_err(ctx, &P_INT, "2..8:1.5", "whole numbers");
    axis_err(ctx, &P_INT, "2.5..8", "whole numbers");
    axis_err(ctx, &P_REAL, "log(0..1)", "LO > 0");
    axis_err(ctx, &P_REAL, "log(1e-3..1e-1):1", "2..1000");
    axis_err(ctx, &P_REAL, "log(1e-3..1e-1):x", "after ':'");
    axis_err(ctx, &P_REAL, "log(1e-3..1e-1", "log(LO..HI)");
    axis_err(ctx, &P_REAL, "log(1e-3..1e-1)x", "unexpected");
    axis_err(ctx, &P_REAL, "a..2", "expected numbers");
    axis_err(ctx, &P_INT, "2,3,2", "given twice");
    axis_err(ctx, &P_INT, "2..4,3", "given twice");
    axis_err(ctx, &P_INT, "2,,3", "empty value");
    axis_err(ctx, &P_INT, "1..20000", "more than");
    axis_err(ctx, &P_CHOICE, "a..c", "takes words");
    axis_err(ctx, &P_CHOICE, "log(1..2)", "takes words");

    /* od_grid_add: a detector's parameters, each value validated */
    const od_detector_type *km = od_detector_find("kmeans");
    od_grid g = {0};
    od_test_int(od_grid_add(ctx, &g, km, "k", "2..4"), OD_OK, "grid: kmeans k=2..4");
    od_test_int(od_grid_add(ctx, &g, km, "init", "random,k-means++"), OD_OK, "grid: kmeans init=random,k-means++");
    od_test_int(od_grid_add(ctx, &g, km, "k", "5"), OD_EINVAL, "grid: k given twice is refused");
    od_test_int(od_grid_add(ctx, &g, km, "bogus", "1"), OD_EINVAL, "grid: an unknown parameter is refused");
    od_test_true(!strncmp(od_ctx_errmsg(ctx), "unknown option 'bogus'", 22), "... naming it (%s)", od_ctx_errmsg(ctx));
    od_test_int(od_grid_add(ctx, &g, km, "init", "nope"), OD_EINVAL, "grid: a value the parameter refuses is refused");
    od_test_int(od_grid_add(ctx, &g, km, "k", "0..2"), OD_EINVAL, "grid: k=0 (below the range) is refused");
    od_test_int((long long)od_grid_size(&g), 6, "grid: 3 x 2 configurations");
    size_t vi[2];
    od_grid_config(&g, 0, vi);
    od_test_true(vi[0] == 0 && vi[1] == 0, "grid: configuration 0 is the first of every axis");
    od_grid_config(&g, 1, vi);
    od_test_true(vi[0] == 0 && vi[1] == 1, "grid: the last axis varies fastest");
    od_grid_config(&g, 5, vi);
    od_test_true(vi[0] == 2 && vi[1] == 1, "grid: configuration 5 is the last of every axis");
    od_grid_done(&g);
}

/* ----------------------------------------------------------------- folds */

/* n rows: x, label (anomaly every 13th row), optional time column. */
static od_dataset *make_data(od_ctx *ctx, od_workspace *ws, size_t n, int labels, int series)
{
    od_frame *f = od_frame_new(ctx, n);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *t = malloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++) {
        y[i] = i % 13 == 5;
        x[i] = sin(0.37 * (double)i) + 3.0 * y[i] + (double)(i % 7);
        t[i] = 1000.0 + 60.0 * (double)i;
    }
    od_frame_add_num_donate(ctx, f, "x", x, OD_COL_NUM, OD_ROLE_FEATURE);
    if (labels) od_frame_add_num_donate(ctx, f, "label", y, OD_COL_NUM, OD_ROLE_LABEL);
    else free(y);
    if (series) od_frame_add_num_donate(ctx, f, "time", t, OD_COL_NUM, OD_ROLE_TIME);
    else free(t);
    od_ws_add_dataset_donate(ctx, ws, "d", "mem", f, "load");
    return od_ws_dataset(ws, "d");
}

/* Split the top version: the first 70% of rows (every 10th row excepted) train. */
static void add_split(od_ctx *ctx, od_workspace *ws, od_dataset *d)
{
    od_version *v = od_ds_top(d);
    od_frame *f = od_frame_copy(ctx, v->frame);
    size_t n = f->nrow;
    od_ds_push_donate(ctx, ws, d, f, "split train=0.7 test=0.3");
    v = od_ds_top(d);
    v->part = malloc(n);
    for (size_t i = 0; i < n; i++) v->part[i] = i < n * 7 / 10 && i % 10 != 3 ? OD_PART_TRAIN : OD_PART_TEST;
    v->recipe = od_prep_step_new(ctx, OD_STEP_KEEP, NULL, 0);
}

static void check_folds(od_ctx *ctx, const char *what, const od_version *v, size_t k, int series)
{
    od_folds *fo = NULL;
    int rc = od_search_folds(ctx, v, k, 7, &fo);
    od_test_int(rc, OD_OK, "%s: folds made", what);
    if (rc) return;
    size_t n = v->frame->nrow;
    unsigned char *tr = malloc(n), *te = malloc(n);
    size_t *tested = calloc(n, sizeof *tested);
    const double *lab = od_frame_role(v->frame, OD_ROLE_LABEL) >= 0 ? v->frame->cols[od_frame_role(v->frame, OD_ROLE_LABEL)].num : NULL;
    const double *time = od_frame_role(v->frame, OD_ROLE_TIME) >= 0 ? v->frame->cols[od_frame_role(v->frame, OD_ROLE_TIME)].num : NULL;
    size_t ntrain = 0, A = 0;
    for (size_t i = 0; i < n; i++)
        if (!v->part || v->part[i] == OD_PART_TRAIN) { ntrain++; A += lab && lab[i] != 0; }
    int leak = 0, outside = 0, future = 0, strat = 0;
    for (size_t j = 0; j < k; j++) {
        od_folds_masks(fo, j, tr, te);
        size_t a = 0, m = 0;
        double last_train = -INFINITY, first_test = INFINITY;
        for (size_t i = 0; i < n; i++) {
            leak += tr[i] && te[i];
            outside += (tr[i] || te[i]) && v->part && v->part[i] != OD_PART_TRAIN;
            tested[i] += te[i];
            if (te[i]) { m++; a += lab && lab[i] != 0; }
            if (time && tr[i] && time[i] > last_train) last_train = time[i];
            if (time && te[i] && time[i] < first_test) first_test = time[i];
        }
        if (series) future += !(last_train < first_test);
        /* stratified: every test fold holds floor or ceil of A*m/ntrain anomalies */
        if (!series && lab) {
            double want = (double)A * (double)m / (double)ntrain;
            strat += fabs((double)a - want) > 1.0;
        }
    }
    od_test_int(leak, 0, "%s: no row is both fitted and tested in any fold", what);
    od_test_int(outside, 0, "%s: only training rows take part (the test part is never used)", what);
    if (series) od_test_int(future, 0, "%s: every fold fits only on rows before its test rows (rolling origin)", what);
    else {
        size_t once = 0;
        for (size_t i = 0; i < n; i++) once += (!v->part || v->part[i] == OD_PART_TRAIN) && tested[i] == 1;
        od_test_int((long long)once, (long long)ntrain, "%s: every training row is tested exactly once", what);
    }
    if (!series && lab) od_test_int(strat, 0, "%s: every fold keeps the anomaly share (within one row)", what);
    free(tr);
    free(te);
    free(tested);
    od_folds_free(fo);
}

static void test_folds(od_ctx *ctx)
{
    od_workspace *ws = od_ws_new();
    od_dataset *d = make_data(ctx, ws, 500, 1, 0);
    check_folds(ctx, "stratified 5-fold", od_ds_top(d), 5, 0);
    add_split(ctx, ws, d);
    check_folds(ctx, "stratified 4-fold of the training part", od_ds_top(d), 4, 0);
    od_folds *fo = NULL;
    od_search_folds(ctx, od_ds_top(d), 4, 7, &fo);
    od_test_true(fo && fo->order == OD_ORDER_RANDOM, "tabular data: k-fold");
    od_folds_free(fo);
    d = make_data(ctx, ws, 500, 0, 0);
    check_folds(ctx, "plain 5-fold (no labels)", od_ds_top(d), 5, 0);
    d = make_data(ctx, ws, 500, 1, 1);
    fo = NULL;
    od_search_folds(ctx, od_ds_top(d), 3, 7, &fo);
    od_test_true(fo && fo->order == OD_ORDER_TIME, "a series (time column): rolling origin");
    od_folds_free(fo);
    check_folds(ctx, "rolling origin 3 folds", od_ds_top(d), 3, 1);
    add_split(ctx, ws, d);
    check_folds(ctx, "rolling origin 4 folds of the training part", od_ds_top(d), 4, 1);
    od_test_int(od_search_folds(ctx, od_ds_top(d), 400, 7, &fo), OD_EINVAL, "too many folds for the rows are refused");
    od_test_true(!strncmp(od_ctx_errmsg(ctx), "folds=400: ", 11), "... naming folds= (%s)", od_ctx_errmsg(ctx));
    od_ws_free(ws);
}

/* ------------------------------------------------- the lineage, per fold */

static void test_refit(od_ctx *ctx)
{
    od_workspace *ws = od_ws_new();
    od_dataset *d = make_data(ctx, ws, 300, 1, 0);
    add_split(ctx, ws, d);
    size_t n = 300;
    unsigned char *fm = malloc(n);
    for (size_t i = 0; i < n; i++) fm[i] = od_ds_top(d)->part[i] == OD_PART_TRAIN;
    od_frame *sc = NULL;
    od_prep_scale(ctx, od_ds_top(d)->frame, OD_SCALE_ZSCORE, NULL, 0, fm, &sc, NULL, NULL);
    od_ds_push_donate(ctx, ws, d, sc, "scale zscore");
    od_ds_top(d)->recipe = od_prep_step_new(ctx, OD_STEP_SCALE, NULL, 0);
    od_ds_top(d)->recipe->scale = OD_SCALE_ZSCORE;
    od_folds *fo = NULL;
    od_search_folds(ctx, od_ds_top(d), 3, 11, &fo);
    unsigned char *tr = malloc(n), *te = malloc(n);
    for (size_t j = 0; fo && j < 3; j++) {
        od_folds_masks(fo, j, tr, te);
        od_frame *f = NULL;
        char *steps = NULL;
        int rc = od_search_refit(ctx, d, tr, &f, &steps);
        od_test_int(rc, OD_OK, "refit fold %zu", j);
        if (rc) continue;
        od_test_str(steps, "scale zscore", "fold %zu: the scaler is fitted again", j);
        /* fitted on exactly the fold's training rows: there they have mean 0, sd 1 */
        double s = 0, ss = 0, st = 0;
        size_t m = 0, mt = 0;
        const double *x = f->cols[0].num;
        for (size_t i = 0; i < n; i++) {
            if (tr[i]) { s += x[i]; ss += x[i] * x[i]; m++; }
            if (te[i]) { st += x[i]; mt++; }
        }
        od_test_abs(s / (double)m, 0, 1e-12, "fold %zu: the scaled column has mean 0 over the fold's training rows", j);
        od_test_abs(ss / (double)m, 1, 1e-12, "fold %zu: ... and variance 1 (the test rows took no part)", j);
        od_test_true(fabs(st / (double)mt) > 1e-6, "fold %zu: the test rows' mean is not forced to 0", j);
        od_frame_free(f);
        free(steps);
    }
    od_folds_free(fo);
    /* a step that cannot be replayed after a fitted one is refused, naming both */
    od_ds_push_donate(ctx, ws, d, od_frame_copy(ctx, od_ds_top(d)->frame), "pseudolabel mean k=3");
    od_frame *f = NULL;
    int rc = od_search_refit(ctx, d, fm, &f, NULL);
    od_test_int(rc, OD_ESTATE, "a fitted step followed by one without a recipe is refused");
    od_test_true(strstr(od_ctx_errmsg(ctx), "'scale zscore'") && strstr(od_ctx_errmsg(ctx), "'pseudolabel mean k=3'"),
                 "... naming both steps (%s)", od_ctx_errmsg(ctx));
    od_frame_free(f);
    free(tr);
    free(te);
    free(fm);
    od_ws_free(ws);
}

/* ------------------------------------------------------------ silhouette */

static void test_silhouette(void)
{
    FILE *fp = fopen(od_test_path("tests/fixtures/search/silhouette.txt"), "r");
    if (!fp) { od_test_skip("tests/fixtures/search/silhouette.txt not found"); return; }
    size_t n, d, cases = 0;
    while (fscanf(fp, "%zu %zu", &n, &d) == 2) {
        double *X = malloc(n * d * sizeof *X), want;
        long *cl = malloc(n * sizeof *cl);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < d; j++)
                if (fscanf(fp, "%lf", &X[i * d + j]) != 1) break;
            if (fscanf(fp, "%ld", &cl[i]) != 1) break;
        }
        if (fscanf(fp, " silhouette %lf", &want) != 1) break;
        od_test_rel(od_silhouette(X, n, d, cl), want, 1e-12, "silhouette equals scikit-learn's silhouette_score (case %zu)", ++cases);
        free(X);
        free(cl);
    }
    fclose(fp);
    od_test_true(cases == 2, "both fixture cases read");
    double X[4] = { 0, 1, 2, 3 };
    long one[4] = { 0, 0, 0, 0 };
    od_test_true(isnan(od_silhouette(X, 4, 1, one)), "silhouette of one cluster is undefined (NaN)");
}

/* ---------------------------------------------------------------- search */

/* 3 well separated blobs of 2-d points and 10 outliers scattered around them (labelled). */
static od_dataset *blobs3(od_ctx *ctx, od_workspace *ws)
{
    size_t n = 330;
    od_frame *f = od_frame_new(ctx, n);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *y = malloc(n * sizeof *y);
    static const double cx[3] = { 0, 10, 0 }, cy[3] = { 0, 0, 10 };
    gsl_rng *g = od_rng_stream(99, 0);
    for (size_t i = 0; i < n; i++) {
        int out = i % 33 == 7;
        size_t c = i % 3;
        double th = 2 * M_PI * gsl_rng_uniform(g), r = 8 + 4 * gsl_rng_uniform(g);   /* outliers scattered on a ring */
        a[i] = out ? 3.3 + r * cos(th) : cx[c] + gsl_rng_uniform(g) - 0.5;
        b[i] = out ? 3.3 + r * sin(th) : cy[c] + gsl_rng_uniform(g) - 0.5;
        y[i] = out;
    }
    gsl_rng_free(g);
    od_frame_add_num_donate(ctx, f, "a", a, OD_COL_NUM, OD_ROLE_FEATURE);
    od_frame_add_num_donate(ctx, f, "b", b, OD_COL_NUM, OD_ROLE_FEATURE);
    od_frame_add_num_donate(ctx, f, "label", y, OD_COL_NUM, OD_ROLE_LABEL);
    od_ws_add_dataset_donate(ctx, ws, "blobs3", "mem", f, "load");
    return od_ws_dataset(ws, "blobs3");
}

static od_search *run_search(od_ctx *ctx, od_dataset *d, const char *algo, const char *k, const char *v,
                             const char *metric, size_t sample, size_t first, int threads)
{
    const od_detector_type *t = od_detector_find(algo);
    od_grid g = {0};
    od_grid_add(ctx, &g, t, k, v);
    od_search_opts o = { .folds = 3, .metric = metric, .sample = sample, .first = first };
    od_ctx_set_seed(ctx, 5);
    od_ctx_set_threads(ctx, threads);
    od_search *s = NULL;
    int rc = od_search_run(ctx, d, t, &g, &o, &s);
    if (rc) od_test_true(0, "search %s %s=%s: %s", algo, k, v, od_ctx_errmsg(ctx));
    od_grid_done(&g);
    return s;
}

static int same_scores(const od_search *a, size_t ra, const od_search *b, size_t rb)
{
    return a->rows[ra].config == b->rows[rb].config && !memcmp(a->rows[ra].fold, b->rows[rb].fold, a->nfolds * sizeof(double));
}

static void test_search(od_ctx *ctx)
{
    od_workspace *ws = od_ws_new();
    od_dataset *d = blobs3(ctx, ws);
    od_search *s1 = run_search(ctx, d, "kmeans", "k", "2..6", "silhouette", 0, 0, 1);
    od_search *s2 = run_search(ctx, d, "kmeans", "k", "2..6", "silhouette", 0, 0, 2);
    if (s1 && s2) {
        const od_search_row *b = od_search_best(s1);
        od_test_str(b ? b->params : "-", "k=3", "search kmeans k=2..6 metric=silhouette finds the 3 planted blobs");
        int same = s1->ndone == s2->ndone;
        for (size_t i = 0; same && i < s1->ndone; i++) same = same_scores(s1, i, s2, i);
        od_test_true(same, "threads=1 and threads=2 give bit-identical scores on every fold");
        od_test_true(s1->order[0] == s2->order[0], "... and the same leaderboard");
    }
    /* the same configuration scores the same whatever else ran: first= and n= */
    od_search *s3 = run_search(ctx, d, "kmeans", "k", "2..6", "silhouette", 0, 2, 1);
    od_search *s4 = run_search(ctx, d, "kmeans", "k", "2..6", "silhouette", 3, 0, 1);
    od_search *s5 = run_search(ctx, d, "kmeans", "k", "2..6", "silhouette", 3, 0, 1);
    if (s1 && s3 && s4 && s5) {
        od_test_true(s3->nrows == 2 && same_scores(s1, 0, s3, 0) && same_scores(s1, 1, s3, 1),
                     "first=2 evaluates the first 2 configurations to the same scores");
        int ok = s4->nrows == 3, rep = s5->nrows == 3;
        for (size_t i = 0; ok && i < 3; i++) {
            ok = same_scores(s4, i, s1, s4->rows[i].config);
            rep = rep && s4->rows[i].config == s5->rows[i].config;
            if (i) ok = ok && s4->rows[i].config > s4->rows[i - 1].config;
        }
        od_test_true(ok, "n=3 samples 3 distinct configurations, each scoring as in the full grid");
        od_test_true(rep, "n=3 with the same seed samples the same configurations");
    }
    od_search_free(s1);
    od_search_free(s2);
    od_search_free(s3);
    od_search_free(s4);
    od_search_free(s5);
    /* labelled: ap; gmm without labels would use bic; a detector without a label-free criterion is refused */
    od_search_crit cr;
    od_test_int(od_search_crit_pick(ctx, od_detector_find("kmeans"), NULL, 1, 0, &cr), OD_OK, "crit: kmeans with labels");
    od_test_str(cr.name, "ap", "... defaults to ap");
    od_search_crit_pick(ctx, od_detector_find("kmeans"), NULL, 0, 0, &cr);
    od_test_str(cr.name, "silhouette", "kmeans without labels: silhouette");
    od_search_crit_pick(ctx, od_detector_find("gmm"), NULL, 0, 0, &cr);
    od_test_str(cr.name, "bic", "gmm without labels: bic");
    od_search_crit_pick(ctx, od_detector_find("lstm"), NULL, 0, 1, &cr);
    od_test_str(cr.name, "val-loss", "lstm without labels: val-loss");
    od_test_int(od_search_crit_pick(ctx, od_detector_find("iforest"), NULL, 0, 0, &cr), OD_EDATA,
                "iforest without labels is refused");
    od_test_true(strstr(od_ctx_errmsg(ctx), "no labels") != NULL, "... saying labels are needed (%s)", od_ctx_errmsg(ctx));
    od_test_int(od_search_crit_pick(ctx, od_detector_find("kmeans"), "best-f1", 1, 0, &cr), OD_OK, "metric=best-f1 is best_f1");
    od_test_str(cr.name, "best_f1", "... by its table key");
    od_test_int(od_search_crit_pick(ctx, od_detector_find("kmeans"), "roc", 1, 0, &cr), OD_OK, "metric=roc");
    od_test_str(cr.name, "roc_auc", "... is roc_auc");
    od_test_int(od_search_crit_pick(ctx, od_detector_find("kmeans"), "f1", 1, 0, &cr), OD_OK, "metric=f1 (at a threshold)");
    od_test_int(od_search_rule(ctx, NULL, &cr), OD_OK, "... takes the default rule");
    od_test_str(cr.rule ? cr.rule->name : "-", OD_SEARCH_RULE, "... which is " OD_SEARCH_RULE);
    od_test_int(od_search_rule(ctx, "contamination:0.02", &cr), OD_OK, "rule=contamination:0.02");
    od_test_true(cr.rule && !strcmp(cr.rule_key, "c") && !strcmp(cr.rule_val, "0.02"), "... sets c=0.02 (%s=%s)", cr.rule_key,
                 cr.rule_val);
    od_test_int(od_search_rule(ctx, "best-f1", &cr), OD_EINVAL, "an oracle rule is refused");
    od_test_int(od_search_rule(ctx, "percentile", &cr), OD_EINVAL, "rule=percentile without q is refused");
    od_test_int(od_search_crit_pick(ctx, od_detector_find("kmeans"), "ap", 1, 0, &cr), OD_OK, "metric=ap");
    od_test_int(od_search_rule(ctx, "mad", &cr), OD_EINVAL, "... takes no rule");
    od_test_int(od_search_rule(ctx, NULL, &cr), OD_OK, "... and none is set");
    od_test_true(cr.rule == NULL, "... (no rule)");
    od_test_int(od_search_crit_pick(ctx, od_detector_find("kmeans"), "vus-pr", 1, 0, &cr), OD_EINVAL, "metric=vus-pr off a series is refused");
    od_test_int(od_search_crit_pick(ctx, od_detector_find("kmeans"), "bic", 1, 0, &cr), OD_EINVAL, "metric=bic is for gmm only");

    /* elbow: kneedle finds the 3 blobs; gmm: the least BIC */
    od_grid_axis ax;
    const od_param_spec *ks = &od_detector_find("kmeans")->params[0];
    od_grid_axis_parse(ctx, ks, "k", "1..8", &ax);
    od_elbow e;
    od_ctx_set_seed(ctx, 5);
    int rc = od_elbow_run(ctx, d, od_detector_find("kmeans"), &ax, 1, &e);
    od_test_int(rc, OD_OK, "elbow kmeans k=1..8");
    if (!rc) {
        od_test_true(e.chosen != SIZE_MAX && e.k[e.chosen] == 3, "elbow kmeans: kneedle picks k=3 (got %g)", e.chosen == SIZE_MAX ? -1 : e.k[e.chosen]);
        od_test_true(e.chosen != SIZE_MAX && e.sse[e.chosen] < e.sse[0] / 10, "elbow kmeans: at the chosen k the SSE fell tenfold from k=1");
        od_test_true(isnan(e.silhouette[0]) && e.sil_best != SIZE_MAX && e.k[e.sil_best] == 3,
                     "elbow kmeans: silhouette undefined at k=1, best at k=3");
        od_elbow_done(&e);
    }
    rc = od_elbow_run(ctx, d, od_detector_find("gmm"), &ax, 0, &e);
    od_test_int(rc, OD_OK, "elbow gmm k=1..8");
    if (!rc) {
        size_t m = 0;
        for (size_t i = 1; i < e.n; i++)
            if (e.bic[i] < e.bic[m]) m = i;
        od_test_true(e.chosen == m, "elbow gmm: the chosen k has the least BIC");
        od_test_true(!isnan(e.aic[0]) && e.aic[0] < e.bic[0], "elbow gmm: AIC < BIC (ln n > 2)");
        od_elbow_done(&e);
    }
    od_test_int(od_elbow_run(ctx, d, od_detector_find("iforest"), &ax, 0, &e), OD_EINVAL, "elbow iforest is refused");
    od_grid_axis_done(&ax);
    od_ws_free(ws);
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(1);
    test_grid(ctx);
    test_folds(ctx);
    test_refit(ctx);
    test_silhouette();
    test_search(ctx);
    od_ctx_free(ctx);
    return od_test_done();
}
