/* test_nn_detect.c - the neural detectors end to end: trained on a noiseless
 * sine wave they forecast/reconstruct it almost exactly, and a spike injected
 * later gets the top score; NaN warm-up; save/load gives identical scores;
 * truncated/foreign model files are OD_EFORMAT; retraining with the same
 * seed is bit-identical; cancel keeps the best weights; progress lines. */
#include "config.h"
#include "../od_test.h"
#include "detect/detector.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const od_detector_type od_detector_tsn, od_detector_cnn, od_detector_lstm, od_detector_gru,
    od_detector_attn;

static od_ctx *ctx;

#define N 600
#define NTRAIN 400
#define SPIKE 500

static double series[N * 2];

static void make_series(size_t c)
{
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < c; j++)
            series[i * c + j] = 2.0 + sin(2 * M_PI * (double)i / 25.0 + (double)j) * (1 + 0.5 * (double)j);
}

static od_params *params(const od_detector_type *t, const char *spec)
{
    char buf[512], *keys[32], *vals[32];
    snprintf(buf, sizeof buf, "%s", spec);
    size_t n = 0;
    for (char *s = strtok(buf, " "); s && n < 32; s = strtok(NULL, " ")) {
        char *e = strchr(s, '=');
        *e = 0;
        keys[n] = s;
        vals[n++] = e + 1;
    }
    od_params *p = od_params_parse(ctx, t->params, t->nparams, (const char *const *)keys,
                                   (const char *const *)vals, n);
    if (!p) printf("# params: %s\n", od_ctx_errmsg(ctx));
    return p;
}

static int nprogress, cancel_after;
static char last_line[256];

static void progress(void *user, const char *what, double frac, const char *detail)
{
    (void)user; (void)frac;
    if (strcmp(what, "train")) return;
    nprogress++;
    if (detail) snprintf(last_line, sizeof last_line, "%s", detail);
    if (cancel_after && nprogress == cancel_after) *od_ctx_cancel_flag(ctx) = 1;
}

static size_t argmax(const double *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(s[i]) && (isnan(s[k]) || s[i] > s[k])) k = i;
    return k;
}

/* fits on the clean first NTRAIN points, scores the series with a spike */
static void *fit_score(const od_detector_type *t, od_params *p, size_t c, double *scores, od_fitlog *log)
{
    od_ctx_set_seed(ctx, 7);
    void *state = NULL;
    od_data tr = {series, NTRAIN, c, c};
    int rc = t->fit(ctx, p, &tr, log, &state);
    if (rc) {
        printf("# fit: %s\n", od_ctx_errmsg(ctx));
        return NULL;
    }
    static double spiked[N * 2];
    memcpy(spiked, series, sizeof spiked);
    spiked[SPIKE * c] += 3.0;
    od_data all = {spiked, N, c, c};
    rc = t->score(ctx, state, &all, scores, NULL);
    if (rc) printf("# score: %s\n", od_ctx_errmsg(ctx));
    return state;
}

static void check_detector(const od_detector_type *t, const char *spec, size_t c, size_t warmup,
                           size_t top_lo, size_t top_hi, double max_normal)
{
    static double s1[N], s2[N], s3[N];
    make_series(c);
    od_params *p = params(t, spec);
    if (!p) { od_test_true(0, "%s %s: options", t->name, spec); return; }
    od_fitlog log = {0};
    nprogress = 0;
    void *m = fit_score(t, p, c, s1, &log);
    od_test_true(m != NULL, "%s %s (%zu channel%s): fit and score", t->name, spec, c, c > 1 ? "s" : "");
    if (!m) { od_params_free(p); od_fitlog_done(&log); return; }
    od_test_true(log.n >= 1 && (size_t)nprogress == log.n, "%s: one fit-log entry and one progress line per epoch (%zu)",
                 t->name, log.n);
    int nan_ok = 1;
    for (size_t i = 0; i < N; i++) nan_ok &= (i < warmup) == (isnan(s1[i]) != 0);
    od_test_true(nan_ok, "%s: exactly the first %zu points score NaN", t->name, warmup);
    /* error on the clean part after training, in z-score units */
    double normal = 0;
    for (size_t i = warmup; i < NTRAIN; i++) normal = fmax(normal, s1[i]);
    od_test_true(normal < max_normal, "%s: largest error on the clean part %.3g < %g", t->name, normal, max_normal);
    size_t k = argmax(s1, N);
    od_test_true(k >= top_lo && k <= top_hi, "%s: top score at %zu (spike at %d; accepted %zu..%zu), %.3g vs clean %.3g",
                 t->name, k, SPIKE, top_lo, top_hi, s1[k], normal);

    /* save / load round trip */
    char path[] = "/tmp/od_test_nnd_XXXXXX";
    int fd = mkstemp(path);
    FILE *fp = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    if (fp) {
        od_test_int(t->save(ctx, m, fp), OD_OK, "%s: save", t->name);
        long size = ftell(fp);
        rewind(fp);
        void *m2 = NULL;
        od_test_int(t->load(ctx, p, fp, &m2), OD_OK, "%s: load (%s)", t->name, od_ctx_errmsg(ctx));
        if (m2) {
            static double spiked[N * 2];
            memcpy(spiked, series, sizeof spiked);
            spiked[SPIKE * c] += 3.0;
            od_data all = {spiked, N, c, c};
            t->score(ctx, m2, &all, s2, NULL);
            od_test_true(memcmp(s1, s2, sizeof s1) == 0, "%s: loaded model gives identical scores", t->name);
            od_out *o = od_out_buffer();
            t->describe(m2, o);
            od_test_true(strstr(od_out_str(o), "parameters") && strstr(od_out_str(o), "epoch"),
                         "%s: describe", t->name);
            od_out_free(o);
            t->free(m2);
        }
        fflush(fp);
        long cuts[] = {size - 1, size - 9, 2 * size / 3, size / 3, 40, 5};
        for (size_t ci = 0; ci < sizeof cuts / sizeof cuts[0]; ci++) {
            long cut = cuts[ci];
            if (ftruncate(fd, cut)) break;
            rewind(fp);
            m2 = NULL;
            int rc = t->load(ctx, p, fp, &m2);
            od_test_true(rc == OD_EFORMAT && !m2, "%s: file cut at %ld of %ld bytes -> OD_EFORMAT (%s)", t->name,
                         cut, size, od_ctx_errmsg(ctx));
        }
        rewind(fp);
        if (ftruncate(fd, 0)) printf("# ftruncate failed\n");
        static const char foreign[] = "ODDCLST\0 a model file of another kind, long enough to read a header";
        fwrite(foreign, 1, sizeof foreign, fp);
        fflush(fp);
        rewind(fp);
        m2 = NULL;
        od_test_int(t->load(ctx, p, fp, &m2), OD_EFORMAT, "%s: foreign file -> OD_EFORMAT (%s)", t->name,
                    od_ctx_errmsg(ctx));
        fclose(fp);
        unlink(path);
    }
    t->free(m);

    /* same seed, same threads -> bit-identical scores (a short training twice) */
    char spec3[512];
    snprintf(spec3, sizeof spec3, "%s epochs=3", spec);
    od_params *p3 = params(t, spec3);
    void *m3 = p3 ? fit_score(t, p3, c, s3, NULL) : NULL;
    void *m4 = p3 ? fit_score(t, p3, c, s2, NULL) : NULL;
    od_test_true(m3 && m4 && memcmp(s2, s3, sizeof s3) == 0, "%s: retraining with the same seed is bit-identical",
                 t->name);
    if (m3) t->free(m3);
    if (m4) t->free(m4);
    od_params_free(p3);
    od_params_free(p);
    od_fitlog_done(&log);
}

static void test_cancel(void)
{
    make_series(1);
    od_params *p = params(&od_detector_tsn, "window=16 hidden=16 epochs=50 patience=0 val=0.2");
    od_fitlog log = {0};
    nprogress = 0;
    cancel_after = 3;
    od_ctx_clear_warnings(ctx);
    void *m = NULL;
    od_data tr = {series, NTRAIN, 1, 1};
    int rc = od_detector_tsn.fit(ctx, p, &tr, &log, &m);
    cancel_after = 0;
    od_ctx_clear_cancel(ctx);
    od_test_int(rc, OD_OK, "cancelled fit returns OD_OK");
    od_test_true(m != NULL, "cancelled training still returns a model");
    od_test_int((long long)log.n, 3, "three epochs logged before the cancel");
    const char *w = od_ctx_nwarnings(ctx) ? od_ctx_warning(ctx, 0) : "";
    od_test_true(strstr(w, "training interrupted at epoch 4; keeping the best weights (epoch") != NULL,
                 "warning: \"%s\"", w);
    od_test_true(strncmp(last_line, "epoch 3/50  train ", 18) == 0 && strstr(last_line, "  val ") &&
                 strstr(last_line, "ETA "), "progress line \"%s\"", last_line);
    if (m) od_detector_tsn.free(m);
    od_params_free(p);
    od_fitlog_done(&log);
    od_ctx_clear_warnings(ctx);
}

static void test_errors(void)
{
    make_series(1);
    od_params *p = params(&od_detector_lstm, "window=500");
    void *m = NULL;
    od_data tr = {series, NTRAIN, 1, 1};
    od_test_int(od_detector_lstm.fit(ctx, p, &tr, NULL, &m), OD_EDATA, "window longer than the data (%s)",
                od_ctx_errmsg(ctx));
    od_params_free(p);
    p = params(&od_detector_attn, "hidden=10 heads=4");
    od_test_int(p ? od_detector_attn.fit(ctx, p, &tr, NULL, &m) : -99, OD_EINVAL, "heads must divide hidden (%s)",
                od_ctx_errmsg(ctx));
    od_test_true(strstr(od_ctx_errmsg(ctx), "heads=4") && strstr(od_ctx_errmsg(ctx), "hidden=10"),
                 "the message names both options");
    od_params_free(p);
    static double s[N];
    p = params(&od_detector_lstm, "window=16 epochs=1");
    m = NULL;
    od_test_int(od_detector_lstm.fit(ctx, p, &tr, NULL, &m), OD_OK, "fit");
    od_data shortd = {series, 10, 1, 1};
    od_ctx_clear_warnings(ctx);
    od_test_int(m ? od_detector_lstm.score(ctx, m, &shortd, s, NULL) : -99, OD_OK, "scoring fewer points than a window");
    od_test_true(isnan(s[0]) && isnan(s[9]) && od_ctx_nwarnings(ctx) == 1, "all NaN, with a warning (%s)",
                 od_ctx_nwarnings(ctx) ? od_ctx_warning(ctx, 0) : "none");
    od_data two = {series, 50, 2, 2};
    od_test_int(m ? od_detector_lstm.score(ctx, m, &two, s, NULL) : -99, OD_EDATA, "channel count must match (%s)",
                od_ctx_errmsg(ctx));
    /* issue 13: NaN or inf in the data is an error before training or
     * scoring starts (the float32 engine's behaviour on them is undefined) */
    static double holey[NTRAIN];
    for (size_t i = 0; i < NTRAIN; i++) holey[i] = series[i];
    holey[37] = NAN;
    od_data bad = {holey, NTRAIN, 1, 1};
    const od_detector_type *const nnd[] = {&od_detector_tsn, &od_detector_cnn, &od_detector_lstm, &od_detector_gru,
                                           &od_detector_attn};
    for (size_t i = 0; i < sizeof nnd / sizeof *nnd; i++) {
        od_params *q = params(nnd[i], "window=8 hidden=4 epochs=1");
        void *mq = NULL;
        od_ctx_clear_warnings(ctx);
        int rc = q ? nnd[i]->fit(ctx, q, &bad, NULL, &mq) : -99;
        od_test_true(rc == OD_EDATA && !mq && strstr(od_ctx_errmsg(ctx), "1 missing or non-finite value (first at point 38")
                         && strstr(od_ctx_errmsg(ctx), "clean missing="),
                     "%s: NaN in the training part is an error before training (%s)", nnd[i]->name, od_ctx_errmsg(ctx));
        od_test_int((long long)od_ctx_nwarnings(ctx), 0, "%s: ... and no epoch ran (no warning, no progress)", nnd[i]->name);
        od_params_free(q);
    }
    holey[37] = INFINITY;
    od_test_int(m ? od_detector_lstm.score(ctx, m, &bad, s, NULL) : -99, OD_EDATA,
                "inf in the data to score is an error (%s)", od_ctx_errmsg(ctx));
    if (m) od_detector_lstm.free(m);
    od_params_free(p);
}

/* Every detector with the less common options: finite scores after the
 * warm-up, the right number of NaN. */
static void test_options(void)
{
    static const od_detector_type *const types[] = {&od_detector_tsn, &od_detector_cnn, &od_detector_lstm,
                                                    &od_detector_gru, &od_detector_attn};
    static const char *const specs[] = {
        "mode=reconstruct layers=2 dropout=0.2 optimizer=sgd schedule=cosine loss=mae error=mae",
        "horizon=3 stride=2 optimizer=adamw weight_decay=0.01 schedule=step clip=0 error=max val=0",
        "layers=2 dropout=0.1 patience=1 batch=7 lr=0.01",
    };
    static double s[N];
    make_series(2);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
            char spec[256];
            snprintf(spec, sizeof spec, "window=12 hidden=8 epochs=3 %s%s", specs[k],
                     types[i] == &od_detector_attn ? " heads=2 ff=8" : types[i] == &od_detector_cnn ? " kernel=3" : "");
            od_params *p = params(types[i], spec);
            void *m = NULL;
            od_data tr = {series, 200, 2, 2}, all = {series, 260, 2, 2};
            int rc = p ? types[i]->fit(ctx, p, &tr, NULL, &m) : -99;
            if (rc == OD_OK) rc = types[i]->score(ctx, m, &all, s, NULL);
            size_t warm = 11 + (strstr(spec, "reconstruct") ? 0 : strstr(spec, "horizon=3") ? 3 : 1), bad = 0;
            for (size_t t = 0; t < 260; t++) bad += t < warm ? !isnan(s[t]) : !isfinite(s[t]);
            od_test_true(rc == OD_OK && bad == 0, "%s %s: fits, %zu NaN then finite scores (%s)", types[i]->name, specs[k],
                         warm, rc ? od_ctx_errmsg(ctx) : "ok");
            if (m) types[i]->free(m);
            od_params_free(p);
        }
    od_ctx_clear_warnings(ctx);
}

/* smooth=S: the scores are the exponentially weighted mean (alpha = 2/(S+1),
 * past points only) of the raw window errors of the same network; NaN
 * warm-up kept; the smoothed spike still peaks at or after the spike. */
static void test_smooth(void)
{
    static double raw[N], sm[N];
    make_series(1);
    od_params *p0 = params(&od_detector_cnn, "window=16 hidden=8 layers=2 kernel=3 epochs=3 batch=32");
    od_params *p1 = params(&od_detector_cnn, "window=16 hidden=8 layers=2 kernel=3 epochs=3 batch=32 smooth=9");
    void *m0 = p0 ? fit_score(&od_detector_cnn, p0, 1, raw, NULL) : NULL;
    void *m1 = p1 ? fit_score(&od_detector_cnn, p1, 1, sm, NULL) : NULL;
    double worst = 0, prev = 0, a = 2.0 / 10.0;
    size_t nan_ok = 0;
    for (size_t t = 0; t < N; t++) {
        if (t < 16) { nan_ok += isnan(raw[t]) && isnan(sm[t]); continue; }
        double want = t == 16 ? raw[t] : a * raw[t] + (1 - a) * prev;
        double e = fabs(sm[t] - want) / (fabs(want) + 1e-300);
        if (!(e <= worst)) worst = e;
        prev = want;
    }
    od_test_true(m0 && m1 && nan_ok == 16 && worst < 1e-12,
                 "cnn smooth=9: EWMA of the raw errors (worst rel diff %.2g), 16 NaN kept", worst);
    size_t k = argmax(sm, N);
    od_test_true(k >= SPIKE && k < SPIKE + 16, "cnn smooth=9: top score at %zu, at or just after the spike at %d", k, SPIKE);
    if (m0) od_detector_cnn.free(m0);
    if (m1) od_detector_cnn.free(m1);
    od_params_free(p0);
    od_params_free(p1);
}

int main(void)
{
    ctx = od_ctx_new(7);
    od_ctx_set_progress(ctx, progress, NULL);
    check_detector(&od_detector_tsn, "window=16 hidden=32 epochs=30 lr=0.005 batch=32", 1, 16, SPIKE, SPIKE, 0.02);
    check_detector(&od_detector_tsn, "mode=reconstruct window=20 hidden=32 bottleneck=4 epochs=80 lr=0.003 batch=32 error=max",
                   2, 19, SPIKE, SPIKE + 19, 0.5);
    check_detector(&od_detector_lstm, "window=16 hidden=16 epochs=15 lr=0.01 batch=32", 1, 16, SPIKE, SPIKE, 0.05);
    check_detector(&od_detector_gru, "window=16 hidden=16 epochs=20 lr=0.01 batch=32 horizon=2 error=mae", 2, 17, SPIKE, SPIKE + 1, 0.1);
    check_detector(&od_detector_cnn, "window=16 hidden=8 layers=2 kernel=3 epochs=15 lr=0.005 batch=32", 1, 16, SPIKE, SPIKE, 0.05);
    check_detector(&od_detector_attn, "window=16 hidden=8 heads=2 ff=16 epochs=15 lr=0.005 batch=32", 1, 16, SPIKE, SPIKE, 0.05);
    test_cancel();
    test_options();
    test_smooth();
    test_errors();
    od_ctx_free(ctx);
    return od_test_done();
}
