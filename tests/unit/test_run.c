/* test_run.c - the run layer: the window -> point map against brute force
 * for every stride, fit rows and fit modes, sequence and tabular detectors
 * on windowed series, the threshold and metric tables, model-file round
 * trips and damaged files, column runs and ensembles. */
#include "config.h"
#include "../od_test.h"
#include "oddity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------- window map */

/* The definition, point by point: the aggregate of every covering window. */
static void brute_map(size_t n, size_t W, size_t S, const double *ws, od_wagg agg, double *ps)
{
    size_t nw = W <= n ? (n - W) / S + 1 : 0;
    for (size_t p = 0; p < n; p++) {
        double acc = agg == OD_WAGG_MAX ? -INFINITY : 0;
        size_t cnt = 0;
        for (size_t i = 0; i < nw; i++)
            if (i * S <= p && p <= i * S + W - 1) {
                cnt++;
                acc = agg == OD_WAGG_MAX ? fmax(acc, ws[i]) : acc + ws[i];
            }
        ps[p] = !cnt ? NAN : agg == OD_WAGG_MAX ? acc : acc / (double)cnt;
    }
}

static void test_window_map(void)
{
    static const size_t Ws[] = { 1, 2, 3, 4, 7, 24 }, ns[] = { 1, 5, 23, 50, 101 };
    int bad = 0, cases = 0, bad_cover = 0, bad_cl = 0;
    double ws[200], ps[200], want[200];
    long wcl[200], pcl[200];
    for (size_t a = 0; a < sizeof Ws / sizeof Ws[0]; a++)
        for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++)
            for (size_t S = 1; S <= Ws[a]; S++)
                for (int agg = 0; agg < 2; agg++) {
                    size_t W = Ws[a], n = ns[b];
                    if (W > n) continue;
                    size_t nw = (n - W) / S + 1;
                    for (size_t i = 0; i < nw; i++) {
                        ws[i] = sin(0.7 * (double)i) + 0.01 * (double)(i % 5);
                        wcl[i] = (long)(i % 3);
                    }
                    size_t left = od_window_map(n, W, S, ws, wcl, (od_wagg)agg, ps, pcl);
                    brute_map(n, W, S, ws, (od_wagg)agg, want);
                    size_t tail = n - ((nw - 1) * S + W), nn = 0;
                    for (size_t p = 0; p < n; p++) {
                        if (isnan(want[p]) != isnan(ps[p]) || (!isnan(want[p]) && fabs(want[p] - ps[p]) > 1e-15)) bad++;
                        nn += isnan(ps[p]);
                        /* max: the cluster of the first covering window with the largest score */
                        size_t arg = nw;
                        for (size_t i = 0; i < nw; i++)
                            if (i * S <= p && p <= i * S + W - 1 && (arg == nw || ws[i] > ws[arg])) arg = i;
                        if (agg == OD_WAGG_MAX && arg < nw && pcl[p] != wcl[arg]) bad_cl++;
                        if (arg == nw && pcl[p] != -1) bad_cl++;
                    }
                    /* with stride <= size, only the tail after the last window is uncovered */
                    if (nn != tail || left != tail) bad_cover++;
                    cases++;
                }
    od_test_true(cases > 100, "window map: %d (size, n, stride, aggregate) cases", cases);
    od_test_int(bad, 0, "window map equals the brute-force aggregate of the covering windows (max and mean)");
    od_test_int(bad_cover, 0, "every stride 1..size: only the points after the last full window are unscored");
    od_test_int(bad_cl, 0, "max: a point's cluster is the one of the window it took its score from");
    /* NaN window scores propagate; a stride larger than the window leaves gaps */
    ws[0] = 1;
    ws[1] = NAN;
    ws[2] = 3;
    od_window_map(6, 2, 2, ws, NULL, OD_WAGG_MAX, ps, NULL);
    od_test_true(ps[0] == 1 && isnan(ps[2]) && ps[4] == 3 && ps[5] == 3, "window map: a NaN window score stays NaN");
    ws[1] = 5;
    size_t left = od_window_map(7, 2, 3, ws, NULL, OD_WAGG_MEAN, ps, NULL);
    od_test_true(left == 3 && isnan(ps[2]) && isnan(ps[5]) && isnan(ps[6]) && ps[0] == 1 && ps[3] == 5 && ps[4] == 5,
                 "stride 3 > size 2: the points between windows are counted as unscored");
}

/* ------------------------------------------------------------ fixtures */

/* A series of n points (a sine with spikes), label and an optional split. */
static od_dataset *series_dataset(od_ctx *ctx, od_workspace *ws, size_t n, int with_label)
{
    od_frame *f = od_frame_new(ctx, n);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        x[i] = sin(2 * M_PI * (double)i / 25.0) + ((i % 97) == 50 ? 4.0 : 0.0);
        y[i] = (i % 97) == 50;
    }
    od_frame_add_num_donate(ctx, f, "value", x, OD_COL_NUM, OD_ROLE_FEATURE);
    if (with_label) od_frame_add_num_donate(ctx, f, "label", y, OD_COL_NUM, OD_ROLE_LABEL);
    else free(y);
    od_ws_add_dataset_donate(ctx, ws, "s", "mem", f, "load");
    return od_ws_dataset(ws, "s");
}

/* Tabular blobs: 2 columns, 200 rows, the last 10 far away and labelled 1. */
static od_dataset *blob_dataset(od_ctx *ctx, od_workspace *ws)
{
    size_t n = 200;
    od_frame *f = od_frame_new(ctx, n);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *y = malloc(n * sizeof *y), *sc = malloc(n * sizeof *sc);
    for (size_t i = 0; i < n; i++) {
        int out = i >= 190;
        a[i] = (out ? 8.0 : 0.0) + sin(1.3 * (double)i);
        b[i] = (out ? -6.0 : 0.0) + cos(0.7 * (double)i);
        y[i] = out;
        sc[i] = (double)i;
    }
    od_frame_add_num_donate(ctx, f, "a", a, OD_COL_NUM, OD_ROLE_FEATURE);
    od_frame_add_num_donate(ctx, f, "b", b, OD_COL_NUM, OD_ROLE_FEATURE);
    od_frame_add_num_donate(ctx, f, "label", y, OD_COL_NUM, OD_ROLE_LABEL);
    od_frame_add_num_donate(ctx, f, "ext", sc, OD_COL_NUM, OD_ROLE_IGNORED);
    od_ws_add_dataset_donate(ctx, ws, "b", "mem", f, "load");
    return od_ws_dataset(ws, "b");
}

static od_params *params(od_ctx *ctx, const char *algo, const char *const *k, const char *const *v, size_t n)
{
    const od_detector_type *t = od_detector_find(algo);
    return od_params_parse(ctx, t->params, t->nparams, k, v, n);
}

static size_t count_nan(const od_run *r)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) k += isnan(r->scores[i]);
    return k;
}

/* Split the top version: the first `ntrain` rows train, the rest test. */
static void split_first(od_dataset *d, size_t ntrain)
{
    od_version *v = od_ds_top(d);
    free(v->part);
    v->part = malloc(v->frame->nrow);
    for (size_t i = 0; i < v->frame->nrow; i++) v->part[i] = i < ntrain ? OD_PART_TRAIN : OD_PART_TEST;
}

/* ------------------------------------------------- windowed fits, all strides */

static void test_windowed_strides(od_ctx *ctx)
{
    od_workspace *ws = od_ws_new();
    od_dataset *d = series_dataset(ctx, ws, 203, 1);
    const char *k[] = { "k" }, *v[] = { "3" };
    od_params *p = params(ctx, "kmeans", k, v, 1);
    const size_t W = 8;
    int bad_tab = 0, bad_seq = 0, bad_reason = 0;
    for (size_t S = 1; S <= W; S++)
        for (int agg = 0; agg < 2; agg++) {
            od_version *ver = od_ds_top(d);
            ver->win = W;
            ver->stride = S;
            ver->wagg = agg;
            od_fit_opts o = { .name = "km" };
            od_run *r = NULL;
            if (od_run_fit(ctx, ws, d, od_detector_find("kmeans"), p, &o, &r)) { bad_tab++; continue; }
            size_t nw = (203 - W) / S + 1, tail = 203 - ((nw - 1) * S + W);
            char why[200];
            if (count_nan(r) != tail || od_run_unscored(r, why, sizeof why) != tail) bad_tab++;
            if (tail && !strstr(why, "after the last full window")) bad_reason++;
            /* the window scores, mapped by hand, give the same point scores */
            if (!r->cluster) bad_tab++;
        }
    od_test_int(bad_tab, 0, "kmeans on windows, every stride 1..8, max and mean: only the tail after the last window is unscored");
    od_test_int(bad_reason, 0, "the unscored points are named with their reason");
    /* a sequence detector windows the series itself: the dataset's stride does not matter */
    const char *tk[] = { "window", "epochs", "hidden" }, *tv[] = { "8", "1", "4" };
    od_params *tp = params(ctx, "tsn", tk, tv, 3);
    size_t warm = 0;
    for (size_t S = 1; S <= W; S += 3) {
        od_version *ver = od_ds_top(d);
        ver->win = W;
        ver->stride = S;
        od_fit_opts o = { .name = "t" };
        od_run *r = NULL;
        if (od_run_fit(ctx, ws, d, od_detector_find("tsn"), tp, &o, &r)) { bad_seq++; continue; }
        size_t lead = 0;
        while (lead < r->n && isnan(r->scores[lead])) lead++;
        if (count_nan(r) != lead || lead < 7 || lead > 9) bad_seq++;
        if (S == 1) warm = lead;
        else if (lead != warm) bad_seq++;
        if (!r->is_series) bad_seq++;
        od_ctx_clear_warnings(ctx);
    }
    od_test_int(bad_seq, 0, "tsn window=8 on a windowed series, strides 1, 4, 7: only its warm-up is unscored, and it is a series run");
    od_params_free(p);
    od_params_free(tp);
    od_ws_free(ws);
}

/* ------------------------------------------------------------ fit rows */

static void test_fit_rows(od_ctx *ctx)
{
    od_workspace *ws = od_ws_new();
    od_dataset *d = blob_dataset(ctx, ws);
    od_params *p = params(ctx, "gauss", NULL, NULL, 0);
    const od_detector_type *g = od_detector_find("gauss");
    od_run *r = NULL;
    od_fit_opts o = { .name = "g", .fit = OD_FIT_TRAIN };
    od_test_int(od_run_fit(ctx, ws, d, g, p, &o, &r), 0, "fit without a split");
    od_test_str(r->fit_on, "all (200 rows)", "no split: fit=train fits every row");
    split_first(d, 150);
    od_run_fit(ctx, ws, d, g, p, &o, &r);
    od_test_str(r->fit_on, "train (150 rows)", "fit=train: the training part");
    o.fit = OD_FIT_ALL;
    od_run_fit(ctx, ws, d, g, p, &o, &r);
    od_test_str(r->fit_on, "all (200 rows)", "fit=all ignores the split");
    o.fit = OD_FIT_NORMAL;
    od_version *v = od_ds_top(d);
    for (size_t i = 0; i < 200; i++) v->part[i] = i % 2 ? OD_PART_TRAIN : OD_PART_TEST;   /* outliers 191..199 odd: 5 in train */
    od_run_fit(ctx, ws, d, g, p, &o, &r);
    od_test_str(r->fit_on, "normal by truth (95 rows)", "fit=normal: training rows labelled 0 only (100 - 5)");
    od_test_int(od_run_default_part(r), OD_PART_TEST, "a split run is judged on test by default");
    const char *cols[] = { "a" };
    od_fit_opts o1 = { .name = "g1", .fit = OD_FIT_ALL, .cols = cols, .ncols = 1 };
    od_test_int(od_run_fit(ctx, ws, d, g, p, &o1, &r), 0, "on=a");
    od_test_true(strstr(r->params, "robust=no") != NULL, "the run keeps its parameters");
    const char *nocol[] = { "zz" };
    od_fit_opts o2 = { .name = "g2", .cols = nocol, .ncols = 1 };
    od_test_int(od_run_fit(ctx, ws, d, g, p, &o2, &r), OD_EINVAL, "on=zz: unknown column");
    od_test_true(strstr(od_ctx_errmsg(ctx), "'zz'") != NULL, "the error names the column");
    od_ctx_clear_error(ctx);
    od_test_true(od_ws_run(ws, "g2") == NULL, "a failed fit adds no run");
    /* fit=normal without labels */
    od_workspace *ws2 = od_ws_new();
    od_dataset *d2 = series_dataset(ctx, ws2, 50, 0);
    od_fit_opts o3 = { .fit = OD_FIT_NORMAL };
    od_test_int(od_run_fit(ctx, ws2, d2, g, p, &o3, &r), OD_EINVAL, "fit=normal without labels is an error");
    od_ctx_clear_error(ctx);
    od_fit_opts o4 = { 0 };
    od_run_fit(ctx, ws2, d2, g, p, &o4, &r);
    od_test_str(r->name, "gauss1", "an unnamed run is called <algo>N");
    od_run_fit(ctx, ws2, d2, g, p, &o4, &r);
    od_test_str(r->name, "gauss2", "... with the first free N");
    od_params_free(p);
    od_ws_free(ws);
    od_ws_free(ws2);
}

/* -------------------------------------------------------- thresholds */

static void test_thresholds(od_ctx *ctx)
{
    od_workspace *ws = od_ws_new();
    od_dataset *d = blob_dataset(ctx, ws);
    split_first(d, 120);
    od_params *p = params(ctx, "gauss", NULL, NULL, 0);
    od_run *r = NULL;
    od_fit_opts o = { .name = "g" };
    od_run_fit(ctx, ws, d, od_detector_find("gauss"), p, &o, &r);
    od_thr_report rep;
    const char *k[4], *v[4];
    /* every rule in the table runs through od_run_threshold */
    int bad = 0;
    for (size_t i = 0; i < od_nthr_rules; i++) {
        const od_thr_rule *t = &od_thr_rules[i];
        size_t n = 0;
        if (!strcmp(t->name, "value")) { k[n] = "value"; v[n++] = "2"; }
        if (!strcmp(t->name, "contamination")) { k[n] = "c"; v[n++] = "0.05"; }
        if (!strcmp(t->name, "percentile")) { k[n] = "q"; v[n++] = "95"; }
        if (!strcmp(t->name, "spot") || !strcmp(t->name, "dspot")) { k[n] = "level"; v[n++] = "0.9"; k[n] = "q"; v[n++] = "1e-2"; }
        int rc = od_run_threshold(ctx, r, t->name, k, v, n, &rep);
        if (rc || !r->thr.set || strncmp(r->thr.desc, t->name, strlen(t->name)) || (t->streaming != (r->thr.point != NULL)) ||
            (t->oracle != r->thr.oracle)) {
            bad++;
            od_test_true(0, "rule %s: %s", t->name, od_ctx_errmsg(ctx));
            od_ctx_clear_error(ctx);
        }
        od_thr_report_clear(&rep);
    }
    od_test_int(bad, 0, "every rule of the threshold table (%zu) sets the run's threshold", od_nthr_rules);
    /* percentile: the numpy percentile of the training scores, rule > */
    k[0] = "q";
    v[0] = "90";
    od_run_threshold(ctx, r, "percentile", k, v, 1, &rep);
    double want;
    od_percentile(ctx, r->scores, 120, 90, &want, NULL);
    od_test_true(r->thr.value == want && r->thr.strict, "percentile q=90 = numpy's percentile of the 120 training scores, flag >");
    size_t fl = 0;
    for (size_t i = 0; i < r->n; i++) fl += od_run_flags(r, i);
    od_test_int((long long)rep.flagged, (long long)fl, "the report counts the flagged rows");
    od_test_int((long long)(rep.cm.tp + rep.cm.fp + rep.cm.tn + rep.cm.fn), 80, "its confusion is on the test part (80 rows)");
    od_thr_report_clear(&rep);
    /* errors name the option */
    od_test_int(od_run_threshold(ctx, r, "percentile", NULL, NULL, 0, &rep), OD_EINVAL, "percentile without q=");
    od_test_str(od_ctx_errmsg(ctx), "method=percentile needs q=", "... says what it needs");
    k[0] = "k";
    v[0] = "2";
    od_test_int(od_run_threshold(ctx, r, "percentile", k, v, 1, &rep), OD_EINVAL, "k= is not an option of percentile");
    od_test_true(!strncmp(od_ctx_errmsg(ctx), "k=2: not an option of method=percentile", 39), "... named: %s", od_ctx_errmsg(ctx));
    od_test_int(od_run_threshold(ctx, r, "nosuch", NULL, NULL, 0, &rep), OD_EINVAL, "unknown rule");
    od_test_true(strstr(od_ctx_errmsg(ctx), "dspot") != NULL, "the error lists the rules from the table");
    k[0] = "q";
    v[0] = "abc";
    od_test_int(od_run_threshold(ctx, r, "percentile", k, v, 1, &rep), OD_EINVAL, "q=abc");
    od_test_str(od_ctx_errmsg(ctx), "q=abc: expected a number", "... is not a number");
    od_ctx_clear_error(ctx);
    od_test_true(od_thr_rule_find("iqr") && !od_thr_rule_find("IQR"), "rule lookup by exact name");
    od_params_free(p);
    od_ws_free(ws);
}

/* ----------------------------------------------------------- metrics */

static void test_metrics(od_ctx *ctx)
{
    int dup = 0, cols = 0;
    for (size_t i = 0; i < od_nmetric_defs; i++) {
        for (size_t j = 0; j < i; j++) dup += !strcmp(od_metric_defs[i].key, od_metric_defs[j].key);
        cols += od_metric_defs[i].column > 0;
        if (od_metric_defs[i].column && !od_metric_defs[i].title) dup++;
    }
    od_test_int(dup, 0, "metric keys are unique and every compare column has a title");
    od_test_int(cols, 8, "compare shows 8 metric columns");
    od_test_true(od_metric_def_find("pr_auc") == od_metric_def_find("ap"), "sort=pr_auc is AP");
    od_workspace *ws = od_ws_new();
    od_dataset *d = blob_dataset(ctx, ws);
    od_run *r = NULL;
    od_test_int(od_run_from_column(ctx, ws, d, "label", NULL, &r), OD_EINVAL, "the label column is not a detector");
    od_ctx_clear_error(ctx);
    od_test_int(od_run_from_column(ctx, ws, d, "ext", "ext", &r), 0, "a column of scores as a run");
    od_run_eval ev;
    od_test_int(od_run_eval_part(ctx, r, OD_PART_ALL, NULL, &ev), 0, "eval on all rows");
    /* scores = row index: the 10 outliers are the 10 highest scores */
    od_test_true(ev.auc.defined && ev.auc.value == 1 && ev.ap.value == 1, "ROC-AUC = AP = 1 when the anomalies score highest");
    od_metric f1 = od_run_metric(&ev, od_metric_def_find("f1"));
    od_test_true(!f1.defined && strstr(f1.reason, "threshold"), "F1 without a threshold is undefined and says why");
    od_metric vus = od_run_metric(&ev, od_metric_def_find("vus_pr"));
    od_test_true(!vus.defined, "VUS-PR of a tabular run is undefined");
    od_test_int(od_run_eval_part(ctx, r, OD_PART_TEST, NULL, &ev), OD_EINVAL, "on=test of unsplit data is an error");
    od_ctx_clear_error(ctx);
    /* ensemble of a run with itself = its rank-normalised scores, same ranking */
    od_run *m[2] = { r, r }, *e = NULL;
    od_test_int(od_run_ensemble(ctx, ws, m, 2, OD_NORM_RANK, OD_COMBINE_MEAN, NULL, "e", &e), 0, "ensemble");
    od_run_eval ee;
    od_run_eval_part(ctx, e, OD_PART_ALL, NULL, &ee);
    od_test_true(ee.auc.value == 1, "ensemble of a perfect run stays perfect");
    od_test_int(od_run_ensemble(ctx, ws, m, 2, OD_NORM_RANK, OD_COMBINE_MEAN, NULL, "ext", &e), OD_EINVAL,
                "an ensemble cannot replace its member");
    od_ctx_clear_error(ctx);
    od_ws_free(ws);
}

/* -------------------------------------------------------- model files */

static void test_models(od_ctx *ctx)
{
    od_workspace *ws = od_ws_new();
    od_dataset *d = blob_dataset(ctx, ws);
    const char *k[] = { "k", "init" }, *v[] = { "3", "k-means++" };
    od_params *p = params(ctx, "kmeans", k, v, 2);
    od_run *r = NULL;
    od_fit_opts o = { .name = "km" };
    od_run_fit(ctx, ws, d, od_detector_find("kmeans"), p, &o, &r);
    char path[] = "/tmp/od_test_run_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    od_test_int(od_model_save(ctx, r, path), 0, "save model");
    od_model m;
    od_test_int(od_model_load(ctx, path, &m), 0, "load it back");
    od_test_true(m.type == r->type && !strcmp(m.params, r->params), "type and parameters round-trip");
    od_run *r2 = NULL;
    od_test_int(od_run_score(ctx, ws, d, &m, "km2", "file", &r2), 0, "score with the loaded model");
    od_model_free(&m);
    r = od_ws_run(ws, "km");
    od_test_true(!memcmp(r->scores, r2->scores, r->n * sizeof *r->scores), "the loaded model scores every row to the same bits");
    /* damaged files */
    FILE *fp = fopen(path, "r+b");
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fclose(fp);
    od_test_int(truncate(path, len / 2), 0, "truncate the file");
    od_test_true(od_model_load(ctx, path, &m) != 0, "a truncated model is refused: %s", od_ctx_errmsg(ctx));
    od_ctx_clear_error(ctx);
    fp = fopen(path, "wb");
    fputs("hello, world, this is not a model", fp);
    fclose(fp);
    od_test_int(od_model_load(ctx, path, &m), OD_EFORMAT, "a foreign file is refused");
    od_test_true(strstr(od_ctx_errmsg(ctx), "bad magic") != NULL, "... by its magic number");
    od_ctx_clear_error(ctx);
    fp = fopen(path, "wb");
    unsigned ver = 99;
    fwrite("ODDMODEL", 1, 8, fp);
    fwrite(&ver, 4, 1, fp);
    fclose(fp);
    od_test_int(od_model_load(ctx, path, &m), OD_EFORMAT, "a newer format version is refused");
    od_test_true(strstr(od_ctx_errmsg(ctx), "version 99") != NULL, "... naming the version");
    od_ctx_clear_error(ctx);
    unlink(path);
    od_test_int(od_model_load(ctx, path, &m), OD_EIO, "a missing file");
    od_ctx_clear_error(ctx);
    /* an ensemble has no model */
    od_run *mm[2] = { r, r2 }, *e;
    od_run_ensemble(ctx, ws, mm, 2, OD_NORM_RANK, OD_COMBINE_MEAN, NULL, "e", &e);
    od_test_int(od_model_save(ctx, e, path), OD_EINVAL, "an ensemble cannot be saved as a model");
    od_test_true(access(path, F_OK) != 0, "... and no file is left behind");
    od_ctx_clear_error(ctx);
    od_params_free(p);
    od_ws_free(ws);
}

/* ------------------------------------------- counts at a threshold, sorted */

static uint64_t lcg(uint64_t *st)
{
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return *st >> 11;
}

/* The counts at a threshold (sorted keys, binary searches; the keys bucketed
 * by the digit below the prefix they share) and the percentile and
 * contamination read from them, against a row-by-row count and the
 * selection (od_percentile) bit for bit: ties, NaN, -0 and +0, +-inf, all
 * equal, 1..3 rows, scores within a few powers of two or over many,
 * unlabelled rows, labels or none; 1 and 2 threads. */
static void test_threshold_counts(od_ctx *ctx)
{
    static const size_t ns[] = { 1, 2, 3, 1000, 300007 };
    const char *shape[6] = { "rounded to 2 decimals (ties, -0 and +0)", "NaN and +-inf", "all equal", "exp(0..100)",
                             "in [8, 64)", "in [-1, 1] times 1e-310 (subnormal)" };
    int bad_counts = 0, bad_q = 0, cases = 0;
    for (int threads = 1; threads <= 2; threads++)
        for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
            for (int sh = 0; sh < 6; sh++)
                for (int lab = 0; lab < 3; lab++) {   /* no labels, some rows unlabelled, every row labelled */
                    size_t n = ns[a];
                    uint64_t st = 7 + n + (uint64_t)sh * 1000 + (uint64_t)lab;
                    od_ctx_set_threads(ctx, threads);
                    od_workspace *ws = od_ws_new();
                    size_t nf = n < 50 ? 50 : n;   /* gauss needs rows to fit; the run then keeps n */
                    od_frame *f = od_frame_new(ctx, nf);
                    double *x = malloc(nf * sizeof *x), *y = malloc(nf * sizeof *y), *sc = malloc(n * sizeof *sc);
                    for (size_t i = n; i < nf; i++) x[i] = (double)(i % 7), y[i] = 0;
                    for (size_t i = 0; i < n; i++) {
                        x[i] = (double)(lcg(&st) % 1000) / 100.0;
                        y[i] = lab == 1 && i % 13 == 5 ? NAN : (double)(i % 17 == 3 || i % 19 == 0);
                        double u = (double)lcg(&st) / 9007199254740992.0;   /* [0, 1) */
                        switch (sh) {
                        case 0: sc[i] = round(u * 1000 - 500) / 100; if (i % 11 == 0) sc[i] = i % 2 ? -0.0 : 0.0; break;
                        case 1: sc[i] = i % 7 == 1 ? NAN : i % 101 == 0 ? INFINITY : i % 103 == 0 ? -INFINITY : u; break;
                        case 2: sc[i] = 2.5; break;
                        case 3: sc[i] = exp(u * 100); break;
                        case 4: sc[i] = 8 + 56 * u; break;
                        default: sc[i] = (2 * u - 1) * 1e-310; break;
                        }
                    }
                    od_frame_add_num_donate(ctx, f, "x", x, OD_COL_NUM, OD_ROLE_FEATURE);
                    if (lab) od_frame_add_num_donate(ctx, f, "label", y, OD_COL_NUM, OD_ROLE_LABEL);
                    else free(y), y = NULL;
                    od_ws_add_dataset_donate(ctx, ws, "s", "mem", f, "load");
                    od_dataset *d = od_ws_dataset(ws, "s");
                    od_params *p = params(ctx, "gauss", NULL, NULL, 0);
                    od_run *r = NULL;
                    od_fit_opts o = { .name = "g" };
                    if (od_run_fit(ctx, ws, d, od_detector_find("gauss"), p, &o, &r) || !r || r->n != nf) {
                        od_test_true(0, "fit for the counts test (n=%zu): %s", n, od_ctx_errmsg(ctx));
                        od_ctx_clear_error(ctx);
                        free(sc);
                        od_params_free(p);
                        od_ws_free(ws);
                        continue;
                    }
                    const double *lab_col = lab ? od_ds_top(d)->frame->cols[1].num : NULL;
                    double *orig = r->scores;
                    r->scores = sc;
                    r->n = n;
                    cases++;
                    /* thresholds: scores of the data (every one for small n) and values between */
                    size_t nt = n <= 1000 ? n + 3 : 203;
                    for (size_t t = 0; t < nt; t++) {
                        double v = t < n && n <= 1000 ? sc[t] : t < 200 ? sc[lcg(&st) % n] : t == 200 ? -1e300 : t == 201 ? 1e300 : 0.0;
                        if (!isfinite(v) || fpclassify(v) == FP_SUBNORMAL) continue;   /* value= reads normal numbers */
                        char buf[40];
                        snprintf(buf, sizeof buf, "%.17g", v);
                        const char *k[1] = { "value" }, *vv[1] = { buf };
                        od_thr_report rep;
                        if (od_run_threshold(ctx, r, "value", k, vv, 1, &rep)) {
                            if (!bad_counts) printf("#   value=%s: %s\n", buf, od_ctx_errmsg(ctx));
                            bad_counts++;
                            od_ctx_clear_error(ctx);
                            continue;
                        }
                        size_t m = 0, fl = 0, tp = 0, fp = 0, tn = 0, fn = 0;
                        for (size_t i = 0; i < n; i++) {
                            if (isnan(sc[i])) continue;
                            m++;
                            int fg = sc[i] >= v;
                            fl += (size_t)fg;
                            if (!lab_col || isnan(lab_col[i])) continue;
                            if (lab_col[i]) { if (fg) tp++; else fn++; }
                            else { if (fg) fp++; else tn++; }
                        }
                        if (rep.scored != m || rep.flagged != fl || rep.cm.tp != tp || rep.cm.fp != fp || rep.cm.tn != tn ||
                            rep.cm.fn != fn) {
                            if (!bad_counts)
                                printf("#   %s n=%zu labels %d threads %d t=%s: flagged %zu/%zu tp %zu/%zu fp %zu/%zu\n", shape[sh], n, lab,
                                       threads, buf, rep.flagged, fl, rep.cm.tp, tp, rep.cm.fp, fp);
                            bad_counts++;
                        }
                        od_thr_report_clear(&rep);
                    }
                    /* percentile and contamination against the selection */
                    static const double qs[] = { 0, 0.5, 1, 25, 50, 90, 99, 99.9, 100 }, cs[] = { 0.001, 0.01, 0.1, 0.5 };
                    for (size_t qi = 0; qi < 13; qi++) {
                        int isc = qi >= 9;
                        double q = isc ? cs[qi - 9] : qs[qi], want;
                        char buf[40];
                        snprintf(buf, sizeof buf, "%g", q);
                        const char *k[1] = { isc ? "c" : "q" }, *vv[1] = { buf };
                        od_thr_report rep;
                        int rc = od_run_threshold(ctx, r, isc ? "contamination" : "percentile", k, vv, 1, &rep);
                        int rw = od_percentile(ctx, sc, n, isc ? 100 * (1 - q) : q, &want, NULL);
                        if (rc != rw || (!rc && memcmp(&r->thr.value, &want, sizeof want))) {
                            if (!bad_q)
                                printf("#   %s n=%zu labels %d threads %d %s=%g: %.17g (rc %d), selection %.17g (rc %d)\n", shape[sh], n,
                                       lab, threads, k[0], q, r->thr.value, rc, want, rw);
                            bad_q++;
                        }
                        od_ctx_clear_error(ctx);
                        if (!rc) od_thr_report_clear(&rep);
                    }
                    r->scores = orig;
                    r->n = nf;
                    free(sc);
                    od_params_free(p);
                    od_ws_free(ws);
                }
    od_ctx_set_threads(ctx, 1);
    od_test_true(cases == 2 * 5 * 6 * 3, "counts test: every case fitted (%d)", cases);
    od_test_int(bad_counts, 0, "flagged, TP, FP, TN, FN from the sorted keys == a row-by-row count");
    od_test_int(bad_q, 0, "percentile and contamination from the sorted keys == the selection, bit for bit");
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(42);
    od_ctx_set_threads(ctx, 1);
    test_window_map();
    test_windowed_strides(ctx);
    test_fit_rows(ctx);
    test_thresholds(ctx);
    test_threshold_counts(ctx);
    test_metrics(ctx);
    test_models(ctx);
    od_ctx_free(ctx);
    return od_test_done();
}
