/* test_score.c - model files with their pipeline and the streaming scorer
 * (issue 20), through the engine API:
 *  - a run behind scale zscore saves the scaler the scale step fitted (the
 *    same centres and scales, bit for bit) and its input columns; a
 *    threshold set on the run comes back with the model;
 *  - every truncation of the file's pipeline block is refused (OD_EFORMAT)
 *    without a crash or leak (the sanitizer build checks the latter);
 *  - od_score_stream on the dataset's rows, written as CSV with %.17g,
 *    gives the run's scores bit for bit for tabular kmeans and for kmeans on
 *    window views of every stride 1..W (max and mean aggregates), at chunk
 *    sizes 1..5 and 1000, so window state across chunk boundaries is right
 *    wherever a boundary falls. */
#include "config.h"
#include "../od_test.h"
#include "oddity.h"
#include "run/score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static od_dataset *two_col(od_ctx *ctx, od_workspace *ws, size_t n)
{
    od_frame *f = od_frame_new(ctx, n);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++) {
        a[i] = 3.0 * sin(1.3 * (double)i) + ((i % 37) == 20 ? 9.0 : 0.0) + 10.0;
        b[i] = cos(0.7 * (double)i) / 3.0 - 2.0;
    }
    od_frame_add_num_donate(ctx, f, "a", a, OD_COL_NUM, OD_ROLE_FEATURE);
    od_frame_add_num_donate(ctx, f, "b", b, OD_COL_NUM, OD_ROLE_FEATURE);
    od_ws_add_dataset_donate(ctx, ws, "d", "mem", f, "load");
    return od_ws_dataset(ws, "d");
}

/* scale zscore as the command does: a new version with its recipe. */
static od_scaler *scale(od_ctx *ctx, od_workspace *ws, od_dataset *d)
{
    od_frame *out = NULL;
    od_scaler *sc = NULL;
    od_prep_scale(ctx, od_ds_top(d)->frame, OD_SCALE_ZSCORE, NULL, 0, NULL, &out, &sc, NULL);
    od_ds_push_donate(ctx, ws, d, out, "scale zscore");
    od_prep_step *st = od_prep_step_new(ctx, OD_STEP_SCALE, NULL, 0);
    st->scale = OD_SCALE_ZSCORE;
    od_ds_top(d)->recipe = st;
    return sc;
}

static od_run *fit(od_ctx *ctx, od_workspace *ws, od_dataset *d, const char *name)
{
    const od_detector_type *t = od_detector_find("kmeans");
    const char *k[] = { "k" }, *v[] = { "3" };
    od_params *p = od_params_parse(ctx, t->params, t->nparams, k, v, 1);
    od_fit_opts o = { .name = name };
    od_run *r = NULL;
    od_run_fit(ctx, ws, d, t, p, &o, &r);
    od_params_free(p);
    return r;
}

/* The dataset's first version as CSV text. */
static char *csv_of(const od_frame *f, size_t *len)
{
    char *buf = NULL;
    FILE *fp = open_memstream(&buf, len);
    fputs("a,b\n", fp);
    for (size_t i = 0; i < f->nrow; i++) fprintf(fp, "%.17g,%.17g\n", f->cols[0].num[i], f->cols[1].num[i]);
    fclose(fp);
    return buf;
}

/* Score text with model m; 1 when every row's score equals want bit for bit. */
static int stream_equals(od_ctx *ctx, od_model *m, const char *text, size_t len, size_t chunk, const double *want, size_t n)
{
    FILE *in = fmemopen((void *)text, len, "r");
    char *obuf = NULL;
    size_t olen = 0;
    FILE *out = open_memstream(&obuf, &olen);
    od_score_opts o = { .chunk = chunk };
    od_score_report rep;
    int rc = od_score_stream(ctx, m, "m.oddm", in, "mem", out, &o, &rep);
    fclose(in);
    fclose(out);
    int same = !rc && rep.written == n;
    char *line = obuf, *e;
    size_t i = 0;
    line = strchr(line, '\n') + 1;   /* header */
    while (same && (e = strchr(line, '\n'))) {
        *e = 0;
        char *comma = strchr(line, ',');
        size_t row = strtoul(line, NULL, 10);
        double s = comma[1] ? strtod(comma + 1, NULL) : NAN;
        if (row != i + 1 || !(isnan(s) ? isnan(want[i]) : memcmp(&s, &want[i], sizeof s) == 0)) same = 0;
        i++;
        line = e + 1;
    }
    free(obuf);
    if (rc) od_ctx_clear_error(ctx);
    return same && i == n;
}

static void test_pipeline_file(od_ctx *ctx)
{
    od_workspace *ws = od_ws_new();
    od_dataset *d = two_col(ctx, ws, 120);
    od_scaler *sc = scale(ctx, ws, d);
    od_run *r = fit(ctx, ws, d, "km");
    const char *k[] = { "q" }, *v[] = { "90" };
    od_thr_report rep;
    od_run_threshold(ctx, r, "percentile", k, v, 1, &rep);
    od_thr_report_clear(&rep);
    char path[] = "/tmp/od_test_score_XXXXXX";
    close(mkstemp(path));
    od_test_int(od_model_save_ws(ctx, ws, r, path), 0, "save model with its pipeline");
    od_model m;
    od_test_int(od_model_load(ctx, path, &m), 0, "load it back");
    const od_pipeline *p = m.pipe;
    od_test_true(p && !p->note && p->nsteps == 1 && p->steps[0].scaler && p->nin == 2 && !strcmp(p->in[0], "a") &&
                     !strcmp(p->in[1], "b"), "the pipeline: one scale step, input columns a,b");
    int same = p && p->nsteps == 1 && p->steps[0].scaler->d == 2;
    for (size_t j = 0; same && j < 2; j++)
        same = !memcmp(&p->steps[0].scaler->center[j], &sc->center[j], sizeof(double)) &&
               !memcmp(&p->steps[0].scaler->scale[j], &sc->scale[j], sizeof(double));
    od_test_true(same, "the saved scaler is the one the scale step fitted, bit for bit");
    od_test_true(p && p->has_thr && !memcmp(&p->thr, &r->thr.value, sizeof(double)) && p->strict == r->thr.strict,
                 "the run's threshold is saved");
    /* the stream: the raw rows, through the scaler, equal the run's scores */
    size_t len;
    char *text = csv_of(d->v[0].frame, &len);
    int ok = 1;
    for (size_t c = 1; c <= 5; c++) ok &= stream_equals(ctx, &m, text, len, c, r->scores, r->n);
    ok &= stream_equals(ctx, &m, text, len, 1000, r->scores, r->n);
    od_test_true(ok, "od_score_stream of the raw rows equals the run's scores bit for bit (chunks 1..5, 1000)");
    od_model_free(&m);
    /* every truncation inside the file is refused cleanly */
    FILE *fp = fopen(path, "rb");
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    rewind(fp);
    unsigned char *all = malloc((size_t)size);
    size_t got = fread(all, 1, (size_t)size, fp);
    fclose(fp);
    int refused = got == (size_t)size;
    for (long cut = 12; cut < size && refused; cut++) {
        FILE *mf = fmemopen(all, (size_t)cut, "rb");
        od_model t;
        int rc = od_model_load_stream(ctx, mf, "cut.oddm", &t);
        fclose(mf);
        if (rc == OD_OK) { refused = 0; od_model_free(&t); }
        od_ctx_clear_error(ctx);
    }
    od_test_true(refused, "every truncation of a %ld-byte model file is refused", size);
    free(all);
    free(text);
    unlink(path);
    od_scaler_free(sc);
    od_ws_free(ws);
}

static void test_windows(od_ctx *ctx)
{
    const size_t W = 5, n = 83;
    int bad = 0, cases = 0;
    for (int agg = 0; agg < 2; agg++)
        for (size_t S = 1; S <= W + 1; S++) {
            od_workspace *ws = od_ws_new();
            od_dataset *d = two_col(ctx, ws, n);
            od_frame *f = od_frame_copy(ctx, od_ds_top(d)->frame);
            od_ds_push_donate(ctx, ws, d, f, "window");
            od_version *v = od_ds_top(d);
            v->win = W;
            v->stride = S;
            v->wagg = agg;
            v->recipe = od_prep_step_new(ctx, OD_STEP_KEEP, NULL, 0);
            od_run *r = fit(ctx, ws, d, "wk");
            char path[] = "/tmp/od_test_score_XXXXXX";
            close(mkstemp(path));
            od_model m;
            if (!r || od_model_save_ws(ctx, ws, r, path) || od_model_load(ctx, path, &m)) {
                bad++;
                unlink(path);
                od_ws_free(ws);
                continue;
            }
            size_t len;
            char *text = csv_of(d->v[0].frame, &len);
            for (size_t c = 1; c <= 5; c++) { cases++; bad += !stream_equals(ctx, &m, text, len, c, r->scores, r->n); }
            cases++;
            bad += !stream_equals(ctx, &m, text, len, 1000, r->scores, r->n);
            free(text);
            od_model_free(&m);
            unlink(path);
            od_ws_free(ws);
        }
    od_test_int(bad, 0, "kmeans on window views (size 5, strides 1..6, max and mean): the stream equals the run in %d cases", cases);
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(7);
    test_pipeline_file(ctx);
    test_windows(ctx);
    od_ctx_free(ctx);
    return od_test_done();
}
