/* test_plot.c - engine/plot: quoting, densities against numpy/scipy,
 * golden scripts for every kind, and (when gnuplot is installed) real
 * renders to PNG/SVG/PDF/dumb, an injection test and the process's error,
 * death and timeout paths.
 *
 * OD_UPDATE_GOLDEN=1 rewrites the golden scripts in tests/fixtures/plot from
 * the current generators (then review the diff). */
#include "config.h"
#include "plot/plot.h"
#include "../od_test.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------ helpers */

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += r;
        if (n == cap) {
            char *p = realloc(buf, 2 * cap + 1);
            if (!p) { free(buf); buf = NULL; break; }
            buf = p;
            cap *= 2;
        }
    }
    fclose(fp);
    if (buf) buf[n] = 0;
    if (len) *len = n;
    return buf;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Compare a generated script with tests/fixtures/plot/NAME.gp. */
static void golden(const char *name, const char *got)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/fixtures/plot/%s.gp", name);
    const char *path = od_test_path(rel);
    const char *upd = getenv("OD_UPDATE_GOLDEN");
    if (upd && *upd && strcmp(upd, "0")) {
        FILE *fp = fopen(path, "wb");
        int ok = fp && fputs(got, fp) >= 0;
        if (fp) ok = fclose(fp) == 0 && ok;
        od_test_true(ok, "golden %s rewritten", name);
        return;
    }
    char *want = slurp(path, NULL);
    if (!want) {
        od_test_true(0, "golden %s: cannot read %s", name, path);
        return;
    }
    int same = strcmp(want, got) == 0;
    od_test_true(same, "golden %s.gp matches", name);
    if (!same) {
        int line = 1;
        const char *a = want, *b = got;
        while (*a && *a == *b) {
            if (*a == '\n') line++;
            a++;
            b++;
        }
        const char *ae = strchr(a, '\n'), *be = strchr(b, '\n');
        printf("#   first difference on line %d\n#   want: %.*s\n#   got:  %.*s\n", line,
               (int)(ae ? ae - a : (long)strlen(a)), a, (int)(be ? be - b : (long)strlen(b)), b);
    }
    free(want);
}

/* ------------------------------------------------------------------ sample data */

static double roc_x1[] = { 0, 0, 0.25, 0.5, 1 }, roc_y1[] = { 0, 0.5, 0.75, 1, 1 };
static double roc_x2[] = { 0, 0.5, 1 }, roc_y2[] = { 0, 0.5, 1 };
static od_plot_curve roc_curves[2];
static double pr_x[] = { 0, 0.25, 0.5, 0.75, 1 }, pr_y[] = { 1, 1, 0.8, 0.5, 0.2 };
static od_plot_curve pr_curve;

#define PDF_N 60
static double pdf_score[PDF_N];
static int pdf_label[PDF_N];
#define SER_N 24
static double ser_t[SER_N], ser_a[SER_N], ser_b[SER_N], ser_s[SER_N];
static int ser_l[SER_N];
static const double *ser_y[2] = { ser_a, ser_b };
static const char *ser_names[2] = { "cpu", "memory" };
#define SC_N 30
static double sc_x[SC_N], sc_y[SC_N], sc_s[SC_N];
static int sc_l[SC_N], sc_c[SC_N];
static double met_t[] = { 0.9, 0.1, 0.3, 0.5, 0.7 }, met_p[] = { 1, 0.2, 0.4, 0.6, 0.9 }, met_r[] = { 0.1, 1, 0.9, 0.7, 0.4 };
static double loss_tr[] = { 1.2, 0.8, 0.5, 0.0, 0.3 }, loss_va[] = { 1.3, NAN, 0.7, 0.6, 0.55 };

static void make_data(void)
{
    roc_curves[0] = (od_plot_curve){ "iforest", roc_x1, roc_y1, 5, 0.84375, 0.25, 0.75 };
    roc_curves[1] = (od_plot_curve){ "it's \"knn\" {x}", roc_x2, roc_y2, 3, NAN, NAN, NAN };
    pr_curve = (od_plot_curve){ "lof", pr_x, pr_y, 5, 0.7, 0.5, 0.8 };
    for (int i = 0; i < PDF_N; i++) {
        int anom = i % 6 == 5;
        pdf_label[i] = anom ? 1 : 0;
        pdf_score[i] = anom ? 2.5 + 0.4 * sin(i * 1.3) : 1.0 + 0.5 * sin(i * 0.7) + 0.1 * cos(i * 2.1);
    }
    pdf_label[7] = -1;
    pdf_score[8] = NAN;
    for (int i = 0; i < SER_N; i++) {
        ser_t[i] = 1700000000 + 60.0 * i;
        ser_a[i] = 10 + 3 * sin(i * 0.5);
        ser_b[i] = 5 + cos(i * 0.3);
        ser_l[i] = i >= 10 && i <= 12;
        ser_s[i] = ser_l[i] ? 0.9 - 0.05 * (i - 10) : 0.2 + 0.1 * sin(i);
    }
    ser_b[4] = NAN;
    ser_l[SER_N - 1] = 1;
    ser_s[0] = NAN;
    for (int i = 0; i < SC_N; i++) {
        sc_x[i] = cos(i * 0.9) * (1 + i % 3);
        sc_y[i] = sin(i * 0.9) * (1 + i % 3);
        sc_l[i] = i % 3 == 2 ? 1 : 0;
        sc_c[i] = i % 4 - 1;
        sc_s[i] = 0.1 * i;
    }
    sc_l[0] = -1;
    sc_s[3] = NAN;
}

static od_plot_pdf_data pdf_data(int labelled)
{
    od_plot_pdf_data d = { pdf_score, PDF_N, labelled ? pdf_label : NULL, 2.1, 0, OD_PLOT_BINS_FD, 40, "iforest", 0 };
    return d;
}

static od_plot_series_data series_data(void)
{
    od_plot_series_data d = { SER_N, ser_t, 1, 2, ser_y, ser_names, ser_l, ser_s, "iforest score", 0.6, NULL, 0, NULL };
    return d;
}

static od_plot_scatter_data scatter_data(od_plot_colour_by by)
{
    od_plot_scatter_data d = { SC_N, sc_x, sc_y, "pc1", "pc2", by, sc_l, sc_c, sc_s, "kmeans score" };
    return d;
}

static od_plot_metrics_data metrics_data(void)
{
    od_plot_metrics_data d = { 5, met_t, met_p, met_r, NULL, 0.62 };
    return d;
}

static od_plot_loss_data loss_data(void)
{
    od_plot_loss_data d = { 5, loss_tr, loss_va };
    return d;
}

enum { K_ROC, K_PR, K_PDF, K_PDF_ALL, K_SERIES, K_SCATTER_LABEL, K_SCATTER_CLUSTER, K_SCATTER_SCORE,
       K_METRICS, K_LOSS, K_COUNT };
static const char *const kind_name[K_COUNT] = { "roc", "pr", "pdf", "pdf_unlabelled", "series", "scatter_label",
                                                 "scatter_cluster", "scatter_score", "metrics", "loss" };

static int gen(od_ctx *ctx, od_out *out, const od_plot_opts *o, int k)
{
    od_plot_pdf_data pd;
    od_plot_series_data sd;
    od_plot_scatter_data cd;
    od_plot_metrics_data md;
    od_plot_loss_data ld;
    switch (k) {
    case K_ROC: return od_plot_roc(ctx, out, o, roc_curves, 2);
    case K_PR: return od_plot_pr(ctx, out, o, &pr_curve, 1, 0.2);
    case K_PDF: pd = pdf_data(1); return od_plot_pdf(ctx, out, o, &pd);
    case K_PDF_ALL: pd = pdf_data(0); return od_plot_pdf(ctx, out, o, &pd);
    case K_SERIES: sd = series_data(); return od_plot_series(ctx, out, o, &sd);
    case K_SCATTER_LABEL: cd = scatter_data(OD_PLOT_BY_LABEL); return od_plot_scatter(ctx, out, o, &cd);
    case K_SCATTER_CLUSTER: cd = scatter_data(OD_PLOT_BY_CLUSTER); return od_plot_scatter(ctx, out, o, &cd);
    case K_SCATTER_SCORE: cd = scatter_data(OD_PLOT_BY_SCORE); return od_plot_scatter(ctx, out, o, &cd);
    case K_METRICS: md = metrics_data(); return od_plot_metrics(ctx, out, o, &md);
    default: ld = loss_data(); return od_plot_loss(ctx, out, o, &ld);
    }
}

/* ------------------------------------------------------------------ quoting */

static void test_quote(void)
{
    static const struct { const char *in, *want; } cases[] = {
        { "abc", "'abc'" },
        { "", "''" },
        { "it's", "'it'.sprintf('%c',39).'s'" },
        { "'", "sprintf('%c',39)" },
        { "''x", "sprintf('%c',39).sprintf('%c',39).'x'" },
        { "a\"b", "'a'.sprintf('%c',34).'b'" },
        { "a\nb\tc\x1b[0m", "'a b c [0m'" },
        { "`touch x` @m $v {b} \\", "'`touch x` @m $v {b} \\'" },
        { "caf\xc3\xa9", "'caf\xc3\xa9'" },
    };
    od_out *o = od_out_buffer();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        od_out_reset(o);
        od_test_int(od_plot_quote(o, cases[i].in), 0, "quote case %zu returns 0", i);
        od_test_str(od_out_str(o), cases[i].want, "quote case %zu", i);
    }
    od_out_reset(o);
    od_plot_quote(o, NULL);
    od_test_str(od_out_str(o), "''", "quote NULL");
    od_out_free(o);

    od_test_int(od_plot_color_auto(1, "xterm-256color", NULL, NULL), OD_PLOT_COLOR_ANSI256, "colour: 256color term");
    od_test_int(od_plot_color_auto(1, "xterm", "truecolor", NULL), OD_PLOT_COLOR_ANSIRGB, "colour: truecolor");
    od_test_int(od_plot_color_auto(1, "xterm", NULL, NULL), OD_PLOT_COLOR_ANSI, "colour: xterm");
    od_test_int(od_plot_color_auto(1, "xterm-256color", "truecolor", "1"), OD_PLOT_COLOR_NONE, "colour: NO_COLOR");
    od_test_int(od_plot_color_auto(1, "xterm", NULL, ""), OD_PLOT_COLOR_ANSI, "colour: empty NO_COLOR ignored");
    od_test_int(od_plot_color_auto(0, "xterm-256color", NULL, NULL), OD_PLOT_COLOR_NONE, "colour: not a tty");
    od_test_int(od_plot_color_auto(1, "dumb", NULL, NULL), OD_PLOT_COLOR_NONE, "colour: TERM=dumb");
    od_test_int(od_plot_color_auto(1, NULL, NULL, NULL), OD_PLOT_COLOR_NONE, "colour: TERM unset");
}

/* ------------------------------------------------------------------ pdf log=x */

/* log=x: the densities of log10(score): the bandwidths in the script are
 * Silverman's of log10 of each class's positive scores, scores <= 0 are left
 * out (and counted the same by od_plot_pdf_nonpositive), the false
 * positives/negatives are counted on the scores, the threshold sits at
 * log10(thr) labelled with thr, the tics are labelled in score units; every
 * score <= 0 is an error naming log=x; a threshold <= 0 is not drawn. */
static void test_pdf_log(od_ctx *ctx)
{
    double sc[PDF_N];
    memcpy(sc, pdf_score, sizeof sc);
    sc[0] = 0;
    sc[1] = -1;
    sc[7] = -5;          /* label -1: not drawn at all, not counted */
    sc[2] = 5;           /* a normal row above the threshold, an anomalous one below */
    sc[5] = 0.3;
    od_plot_pdf_data d = pdf_data(1);
    d.score = sc;
    d.logx = 1;
    od_test_int((long long)od_plot_pdf_nonpositive(&d), 2, "log=x: 2 drawn scores <= 0 (the NaN and the label -1 row aside)");
    double lg[2][PDF_N];
    size_t nl[2] = { 0, 0 }, fp = 0, fn = 0;
    for (int i = 0; i < PDF_N; i++) {
        if (!(sc[i] > 0) || !isfinite(sc[i]) || (pdf_label[i] != 0 && pdf_label[i] != 1)) continue;
        int c = pdf_label[i];
        lg[c][nl[c]++] = log10(sc[i]);
        fp += c == 0 && sc[i] >= 2.1;
        fn += c == 1 && sc[i] < 2.1;
    }
    od_out *o = od_out_buffer();
    od_plot_opts op;
    od_plot_opts_init(&op);
    od_ctx_clear_warnings(ctx);
    if (od_test_int(od_plot_pdf(ctx, o, &op, &d), 0, "log=x generates")) {
        const char *t = od_out_str(o);
        double h0, h1;
        od_plot_bandwidth(ctx, lg[0], nl[0], &h0);
        od_plot_bandwidth(ctx, lg[1], nl[1], &h1);
        char want[256];
        snprintf(want, sizeof want, "bandwidth: %.10g %.10g (Silverman)\n", h0, h1);
        od_test_true(strstr(t, want) != NULL, "log=x: bandwidths of log10(score) per class: %s", want);
        od_test_true(strstr(t, "# log=x: densities of log10(score); 2 scores <= 0 left out\n") != NULL, "log=x: the script says what it left out");
        snprintf(want, sizeof want, "set arrow 1 from first %.10g, graph 0", log10(2.1));
        od_test_true(strstr(t, want) != NULL, "log=x: the threshold line at log10(2.1)");
        od_test_true(strstr(t, "set label 1 'threshold=2.1'") != NULL, "log=x: the threshold labelled in score units");
        od_test_true(strstr(t, "set xtics (") && strstr(t, "'0.5' -0.3010299957, '1' 0, '2' 0.3010299957, '5' 0.6989700043") != NULL,
                     "log=x: tics at log10 of 0.5, 1, 2 labelled with the scores");
        od_test_true(strstr(t, "set xlabel 'iforest (log scale)'") != NULL && strstr(t, "set ylabel 'density per decade'") != NULL,
                     "log=x: axis labels");
        snprintf(want, sizeof want, "'false positives: %zu of %zu normal'", fp, nl[0]);
        od_test_true(fp && fn && strstr(t, want) != NULL, "log=x: %s (counted on the scores > 0)", want);
        snprintf(want, sizeof want, "'false negatives: %zu of %zu anomalous'", fn, nl[1]);
        od_test_true(strstr(t, want) != NULL, "log=x: %s", want);
        od_test_int((long long)od_ctx_nwarnings(ctx), 0, "log=x with a positive threshold: no warning");
    }
    /* a threshold <= 0: a warning, no line */
    od_out_reset(o);
    d.threshold = 0;
    od_test_int(od_plot_pdf(ctx, o, &op, &d), 0, "log=x with threshold 0 generates");
    od_test_true(od_ctx_nwarnings(ctx) == 1 && strstr(od_ctx_warning(ctx, 0), "log=x") != NULL && !strstr(od_out_str(o), "set arrow 1"),
                 "log=x: a threshold <= 0 warns and is not drawn");
    od_ctx_clear_warnings(ctx);
    /* log=none ignores the sign */
    od_out_reset(o);
    d.logx = 0;
    od_test_int((long long)od_plot_pdf_nonpositive(&d), 2, "nonpositive counts the same without logx");
    od_test_int(od_plot_pdf(ctx, o, &op, &d), 0, "log=none draws scores <= 0");
    od_test_true(strstr(od_out_str(o), "set xtics (") == NULL && strstr(od_out_str(o), "log=x") == NULL, "log=none: no log tics");
    /* every score <= 0 */
    double neg[4] = { 0, -1, -2.5, NAN };
    od_plot_pdf_data dn = { neg, 4, NULL, NAN, 0, OD_PLOT_BINS_FD, 0, NULL, 1 };
    od_out_reset(o);
    od_test_int(od_plot_pdf(ctx, o, &op, &dn), OD_EDATA, "log=x with every score <= 0: OD_EDATA");
    od_test_true(strstr(od_ctx_errmsg(ctx), "log=x") && strstr(od_ctx_errmsg(ctx), "all 3 are <= 0") && !strchr(od_ctx_errmsg(ctx), '\n'),
                 "... one line naming log=x: %s", od_ctx_errmsg(ctx));
    /* many decades: every k-th decade, k a round step */
    double wide[40];
    for (int i = 0; i < 40; i++) wide[i] = pow(10, -20 + i);
    od_plot_pdf_data dw = { wide, 40, NULL, NAN, 0, OD_PLOT_BINS_FD, 0, NULL, 1 };
    od_out_reset(o);
    od_test_int(od_plot_pdf(ctx, o, &op, &dw), 0, "log=x over 40 decades generates");
    od_test_true(strstr(od_out_str(o), "'1e-20' -20, '1e-10' -10, '1' 0, '1e10' 10") != NULL, "... tics every 10 decades: %.80s",
                 strstr(od_out_str(o), "set xtics") ? strstr(od_out_str(o), "set xtics") : "(none)");
    /* the ends of the doubles: subnormal and huge scores still get tics */
    double tiny[4] = { 1e-310, 1.1e-310, 1.05e-310, 1.2e-310 }, huge[4] = { 1e300, 1.1e300, 1.2e300, 1.3e300 };
    for (int k = 0; k < 2; k++) {
        od_plot_pdf_data de = { k ? huge : tiny, 4, NULL, NAN, 0, OD_PLOT_BINS_FD, 0, NULL, 1 };
        od_out_reset(o);
        int rc = od_plot_pdf(ctx, o, &op, &de);
        const char *x = strstr(od_out_str(o), "set xtics (");
        od_test_true(rc == 0 && x && x[11] == '\'' && !strstr(od_out_str(o), "inf"), "log=x near %s: tics %.60s", k ? "1e300" : "1e-310",
                     x ? x : "(none)");
    }
    od_out_free(o);
}

/* ------------------------------------------------------------------ options */

static void test_options(od_ctx *ctx)
{
    od_out *o = od_out_buffer();
    od_plot_opts op;
    od_plot_opts_init(&op);
    op.term = OD_PLOT_TERM_PNG;
    od_test_int(od_plot_roc(ctx, o, &op, roc_curves, 2), OD_EINVAL, "png without output file is rejected");
    od_test_true(strstr(od_ctx_errmsg(ctx), "output file") != NULL, "message names the output file: %s", od_ctx_errmsg(ctx));
    od_plot_opts_init(&op);
    op.width = 5;
    od_test_int(od_plot_roc(ctx, o, &op, roc_curves, 2), OD_EINVAL, "width=5 is rejected");
    od_test_true(strstr(od_ctx_errmsg(ctx), "width=5") != NULL, "message names width: %s", od_ctx_errmsg(ctx));
    od_plot_opts_init(&op);
    op.term = OD_PLOT_TERM_WINDOW;
    op.window = "aqua";
    od_test_int(od_plot_roc(ctx, o, &op, roc_curves, 2), OD_EINVAL, "unknown window terminal rejected");
    od_plot_opts_init(&op);
    od_test_int(od_plot_roc(ctx, o, &op, roc_curves, 0), OD_EINVAL, "roc without curves rejected");
    od_test_int(od_plot_pr(ctx, o, &op, &pr_curve, 1, 1.5), OD_EINVAL, "prevalence 1.5 rejected");
    od_plot_pdf_data pd = pdf_data(1);
    pd.bins = -3;
    od_test_int(od_plot_pdf(ctx, o, &op, &pd), OD_EINVAL, "bins=-3 rejected");
    double nan3[3] = { NAN, NAN, NAN };
    pd = (od_plot_pdf_data){ nan3, 3, NULL, NAN, 0, OD_PLOT_BINS_FD, 0, NULL, 0 };
    od_test_int(od_plot_pdf(ctx, o, &op, &pd), OD_EDATA, "pdf of only NaN scores: OD_EDATA");
    od_plot_series_data sd = { 3, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, NAN, NULL, 0, NULL };
    od_test_int(od_plot_series(ctx, o, &op, &sd), OD_EINVAL, "series with nothing to draw rejected");
    od_plot_scatter_data cd = scatter_data(OD_PLOT_BY_CLUSTER);
    cd.cluster = NULL;
    od_test_int(od_plot_scatter(ctx, o, &op, &cd), OD_EINVAL, "scatter by cluster without ids rejected");
    od_plot_loss_data ld = { 2, nan3, NULL };
    od_test_int(od_plot_loss(ctx, o, &op, &ld), OD_EDATA, "loss with no finite value: OD_EDATA");

    /* log-scale loss: the 0.0 training loss becomes a gap and a warning */
    od_ctx_clear_warnings(ctx);
    od_out_reset(o);
    op.logy = 1;
    ld = loss_data();
    od_test_int(od_plot_loss(ctx, o, &op, &ld), 0, "log loss generates");
    od_test_int((long long)od_ctx_nwarnings(ctx), 1, "log loss warns about the non-positive value");
    od_test_true(strstr(od_out_str(o), "4 NaN 0.6\n") != NULL, "non-positive loss written as NaN");
    od_ctx_clear_warnings(ctx);

    /* every datablock line is numbers only */
    for (int k = 0; k < K_COUNT; k++) {
        od_plot_opts_init(&op);
        od_out_reset(o);
        gen(ctx, o, &op, k);
        const char *s = od_out_str(o);
        int bad = 0, inblock = 0;
        for (const char *l = s; *l;) {
            const char *e = strchr(l, '\n');
            size_t len = e ? (size_t)(e - l) : strlen(l);
            if (inblock) {
                if (len == 3 && memcmp(l, "EOD", 3) == 0) inblock = 0;
                else
                    for (size_t i = 0; i < len; i++)
                        if (!strchr("0123456789.-+e NaN", l[i])) bad++;
            } else if (l[0] == '$' && len > 7 && memcmp(l + len - 6, "<< EOD", 6) == 0) {
                inblock = 1;
            }
            l += len + (e ? 1 : 0);
        }
        od_test_true(bad == 0 && inblock == 0, "%s: datablocks hold numbers only and are closed", kind_name[k]);
    }
    od_out_free(o);
}

/* ------------------------------------------------------------------ densities */

typedef struct {
    char name[32];
    size_t n, fd, sturges, nb;
    double *x, *counts, h, *grid, *kde;
} dset;

static double *parse_nums(const char *line, size_t *n)
{
    size_t cap = 64, k = 0;
    double *v = malloc(cap * sizeof *v);
    char *end;
    const char *p = line;
    while (v) {
        double d = strtod(p, &end);
        if (end == p) break;
        if (k == cap) {
            double *q = realloc(v, 2 * cap * sizeof *v);
            if (!q) { free(v); return NULL; }
            v = q;
            cap *= 2;
        }
        v[k++] = d;
        p = end;
    }
    *n = k;
    return v;
}

static size_t load_density(dset *ds, size_t max)
{
    char *text = slurp(od_test_path("tests/fixtures/plot/density.txt"), NULL);
    if (!text) return 0;
    size_t nd = 0;
    dset *cur = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *sp = strchr(line, ' ');
        if (!sp) continue;
        *sp = 0;
        const char *rest = sp + 1;
        size_t n = 0;
        if (strcmp(line, "set") == 0) {
            if (nd == max) break;
            cur = &ds[nd++];
            memset(cur, 0, sizeof *cur);
            sscanf(rest, "%31s %zu", cur->name, &cur->n);
        } else if (!cur) {
            continue;
        } else if (strcmp(line, "x") == 0) cur->x = parse_nums(rest, &n);
        else if (strcmp(line, "fd") == 0) cur->fd = strtoul(rest, NULL, 10);
        else if (strcmp(line, "sturges") == 0) cur->sturges = strtoul(rest, NULL, 10);
        else if (strcmp(line, "counts") == 0) cur->counts = parse_nums(rest, &cur->nb);
        else if (strcmp(line, "h") == 0) cur->h = strtod(rest, NULL);
        else if (strcmp(line, "grid") == 0) cur->grid = parse_nums(rest, &n);
        else if (strcmp(line, "kde") == 0) cur->kde = parse_nums(rest, &n);
    }
    free(text);
    return nd;
}

static void test_density(od_ctx *ctx)
{
    dset ds[8];
    size_t nd = load_density(ds, 8);
    od_test_int((long long)nd, 4, "density fixture has 4 data sets");
    for (size_t s = 0; s < nd; s++) {
        dset *d = &ds[s];
        size_t fd = 0, st = 0;
        od_test_int(od_plot_hist_bins(ctx, d->x, d->n, OD_PLOT_BINS_FD, &fd), 0, "%s: fd bins ok", d->name);
        od_test_int((long long)fd, (long long)d->fd, "%s: Freedman-Diaconis bins = numpy", d->name);
        od_plot_hist_bins(ctx, d->x, d->n, OD_PLOT_BINS_STURGES, &st);
        od_test_int((long long)st, (long long)d->sturges, "%s: Sturges bins = numpy", d->name);
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < d->n; i++) {
            if (d->x[i] < lo) lo = d->x[i];
            if (d->x[i] > hi) hi = d->x[i];
        }
        double *c = calloc(d->nb, sizeof *c);
        od_plot_hist_counts(ctx, d->x, d->n, lo, hi, d->nb, c);
        int same = 1;
        double tot = 0;
        for (size_t b = 0; b < d->nb; b++) {
            same &= c[b] == d->counts[b];
            tot += c[b];
        }
        od_test_true(same, "%s: histogram counts = numpy.histogram (%zu bins)", d->name, d->nb);
        od_test_int((long long)tot, (long long)d->n, "%s: counts add up to n", d->name);
        free(c);
        double h = 0;
        od_test_int(od_plot_bandwidth(ctx, d->x, d->n, &h), 0, "%s: bandwidth ok", d->name);
        od_test_rel(h, d->h, 1e-12, "%s: Silverman bandwidth", d->name);
        double dens[50];
        od_plot_kde(ctx, d->x, d->n, d->h, d->grid, 50, dens);
        double maxerr = 0, peak = 0;
        for (int j = 0; j < 50; j++) {
            if (fabs(dens[j] - d->kde[j]) > maxerr) maxerr = fabs(dens[j] - d->kde[j]);
            if (d->kde[j] > peak) peak = d->kde[j];
        }
        od_test_true(maxerr <= 1e-12 * peak, "%s: KDE = scipy gaussian_kde (max err %.3g, peak %.3g)", d->name,
                     maxerr, peak);
        free(d->x);
        free(d->counts);
        free(d->grid);
        free(d->kde);
    }

    /* the binned KDE (large n) against the exact sum, and its area */
    size_t n = 20000;
    double *x = malloc(n * sizeof *x);
    uint64_t st = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        double u1, u2;
        st ^= st << 13; st ^= st >> 7; st ^= st << 17;
        u1 = ((st >> 11) + 0.5) / 9007199254740992.0;
        st ^= st << 13; st ^= st >> 7; st ^= st << 17;
        u2 = ((st >> 11) + 0.5) / 9007199254740992.0;
        x[i] = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2) * (i % 4 == 0 ? 0.3 : 1.0) + (i % 4 == 0 ? 4 : 0);
    }
    x[5] = NAN;
    double h;
    od_plot_bandwidth(ctx, x, n, &h);
    enum { M = 301 };
    double grid[M], fast[M], exact[M];
    for (int j = 0; j < M; j++) grid[j] = -6 + 12.0 * j / (M - 1);
    double t0 = od_now();
    od_test_int(od_plot_kde(ctx, x, n, h, grid, M, fast), 0, "binned KDE runs");
    double t_fast = od_now() - t0;
    double peak = 0, err = 0, area = 0;
    for (int j = 0; j < M; j++) {
        double acc = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(x[i])) acc += exp(-0.5 * ((grid[j] - x[i]) / h) * ((grid[j] - x[i]) / h));
        exact[j] = acc / ((n - 1) * h * sqrt(2 * M_PI));
        if (exact[j] > peak) peak = exact[j];
        if (fabs(fast[j] - exact[j]) > err) err = fabs(fast[j] - exact[j]);
        if (j) area += 0.5 * (fast[j] + fast[j - 1]) * (grid[j] - grid[j - 1]);
    }
    od_test_true(err <= 1e-3 * peak, "binned KDE within 1e-3 of the peak of the exact sum (err/peak %.2g, %.1f ms)",
                 err / peak, 1e3 * t_fast);
    od_test_abs(area, 1.0, 2e-3, "binned KDE integrates to 1 over [-6, 6]");
    /* unsorted input on the dense grid of cells, and a range too wide for it
     * (one far value: the sorted sparse fallback): both within 1e-3 of the
     * peak of the exact sum (issue 19: no sort on the dense path) */
    for (int wide = 0; wide < 2; wide++) {
        double keep = x[7];
        if (wide) x[7] = 1e9;
        od_test_int(od_plot_kde(ctx, x, n, h, grid, M, fast), 0, "binned KDE runs (%s)", wide ? "wide range" : "dense");
        double e2 = 0, pk = 0;
        for (int j = 0; j < M; j++) {
            double acc = 0;
            for (size_t i = 0; i < n; i++)
                if (isfinite(x[i])) acc += exp(-0.5 * ((grid[j] - x[i]) / h) * ((grid[j] - x[i]) / h));
            acc /= (n - 1) * h * sqrt(2 * M_PI);
            if (acc > pk) pk = acc;
            if (fabs(fast[j] - acc) > e2) e2 = fabs(fast[j] - acc);
        }
        od_test_true(e2 <= 1e-3 * pk, "binned KDE (%s) within 1e-3 of the exact sum's peak (err/peak %.2g)",
                     wide ? "wide range, sorted fallback" : "dense cells", e2 / pk);
        x[7] = keep;
    }
    free(x);

    double one = 3.0;
    od_plot_bandwidth(ctx, &one, 1, &h);
    od_test_rel(h, 3e-3, 1e-15, "one value: fallback bandwidth 1e-3*|x|");
    od_test_int(od_plot_kde(ctx, &one, 1, 0, grid, 1, fast), OD_EINVAL, "kde with h=0 rejected");
}

/* ------------------------------------------------------------------ thinning */

static size_t count_block_rows(const char *s, const char *block)
{
    const char *p = strstr(s, block);
    if (!p) return 0;
    p = strchr(p, '\n') + 1;
    size_t rows = 0;
    while (*p && strncmp(p, "EOD\n", 4) != 0) {
        rows++;
        p = strchr(p, '\n');
        if (!p) break;
        p++;
    }
    return rows;
}

static void test_thinning(od_ctx *ctx)
{
    size_t n = 100000;
    double *a = malloc(n * sizeof *a), *sc = malloc(n * sizeof *sc);
    int *l = calloc(n, sizeof *l);
    for (size_t i = 0; i < n; i++) {
        a[i] = sin(i * 0.001);
        sc[i] = 0.1;
    }
    a[54321] = 42.5;      /* one spike */
    a[777] = -17.25;      /* one dip */
    sc[60000] = 0.99;     /* one flagged row */
    for (size_t i = 1000; i <= 1010; i++) l[i] = 1;
    for (size_t i = 1100; i <= 1110; i++) l[i] = 1;   /* 89 rows later: merges (bucket 250 rows) */
    for (size_t i = 9000; i <= 9001; i++) l[i] = 1;   /* far away: its own run */
    const double *y[1] = { a };
    od_plot_series_data d = { n, NULL, 0, 1, y, NULL, l, sc, NULL, 0.5, NULL, 0, NULL };
    od_plot_opts op;
    od_plot_opts_init(&op);
    op.term = OD_PLOT_TERM_PNG;
    op.output = "thin.png";
    op.width = 200;
    od_out *o = od_out_buffer();
    od_test_int(od_plot_series(ctx, o, &op, &d), 0, "thinned series generated");
    const char *s = od_out_str(o);
    od_test_int((long long)count_block_rows(s, "$series << EOD"), 801,
                "100000 rows thinned to 2 x 400 buckets plus the flagged row");
    od_test_true(strstr(s, " 42.5 ") != NULL, "the spike survives thinning");
    od_test_true(strstr(s, " -17.25 ") != NULL, "the dip survives thinning");
    size_t flagged = 0;
    for (const char *p = s; (p = strstr(p, " 0.99 1\n")); p++) flagged++;
    od_test_int((long long)flagged, 1, "the flagged row is kept and marked once");
    od_test_true(strstr(s, "set object 2 rect") && !strstr(s, "set object 3 rect"),
                 "labelled runs closer than a bucket merge (3 runs -> 2 rectangles)");
    double r0 = 0, r1 = 0;
    const char *ob = strstr(s, "set object 1 rect from ");
    od_test_true(ob && sscanf(ob, "set object 1 rect from %lf, graph 0 to %lf", &r0, &r1) == 2,
                 "first rectangle readable");
    od_test_abs(0.5 * (r0 + r1), 1055, 1e-9, "merged run centred on both runs (999.5 .. 1110.5)");
    od_test_abs(r1 - r0, 2 * 99999.0 / 200, 1e-9, "and two pixels wide at least (2 span / width)");
    char want[64];
    snprintf(want, sizeof want, "%.10g 0.99 1\n", sin(60000 * 0.001));
    od_test_true(strstr(s, want) != NULL, "the flagged row keeps its own channel value");
    od_out_reset(o);
    op.full = 1;
    od_test_int(od_plot_series(ctx, o, &op, &d), 0, "full-resolution series generated");
    od_test_int((long long)count_block_rows(od_out_str(o), "$series << EOD"), (long long)n, "full keeps every row");
    od_test_true(strstr(od_out_str(o), "set object 3 rect") != NULL, "full: three runs");

    /* a 100000-point ROC staircase: thinned, same area within a pixel */
    size_t m = 100000;
    double *fx = malloc(m * sizeof *fx), *fy = malloc(m * sizeof *fy);
    uint64_t st = 12345;
    size_t pos = 0, neg = 0;
    for (size_t i = 0; i < m; i++) {
        st ^= st << 13; st ^= st >> 7; st ^= st << 17;
        /* a positive with probability falling along the ranking */
        int positive = (double)(st >> 11) / 9007199254740992.0 < 0.5 * exp(-3.0 * i / m);
        pos += positive;
        neg += !positive;
        fx[i] = (double)neg;
        fy[i] = (double)pos;
    }
    for (size_t i = 0; i < m; i++) {
        fx[i] /= (double)neg;
        fy[i] /= (double)pos;
    }
    od_plot_curve c = { "big", fx, fy, m, NAN, NAN, NAN };
    od_plot_opts_init(&op);
    op.term = OD_PLOT_TERM_PNG;
    op.output = "roc.png";
    op.width = 400;
    op.height = 300;
    od_out_reset(o);
    od_test_int(od_plot_roc(ctx, o, &op, &c, 1), 0, "ROC of 100000 points generated");
    s = od_out_str(o);
    size_t rows = count_block_rows(s, "$curve1 << EOD");
    od_test_true(rows > 100 && rows <= 4 * (400 + 300), "ROC thinned to %zu rows (<= 4 (w + h))", rows);
    double full_area = 0, thin_area = 0, px = 0, py = 0;
    for (size_t i = 1; i < m; i++) full_area += (fx[i] - fx[i - 1]) * 0.5 * (fy[i] + fy[i - 1]);
    const char *q = strchr(strstr(s, "$curve1 << EOD"), '\n') + 1;
    int first = 1;
    while (strncmp(q, "EOD", 3) != 0) {
        double cx, cy;
        sscanf(q, "%lf %lf", &cx, &cy);
        if (!first) thin_area += (cx - px) * 0.5 * (cy + py);
        px = cx;
        py = cy;
        first = 0;
        q = strchr(q, '\n') + 1;
    }
    od_test_abs(thin_area, full_area, 1.0 / 300, "thinned ROC keeps the area within a pixel (%.6f vs %.6f)",
                thin_area, full_area);
    od_test_true(px == fx[m - 1] && py == fy[m - 1], "the last point is kept");
    od_out_reset(o);
    op.full = 1;
    od_plot_roc(ctx, o, &op, &c, 1);
    od_test_int((long long)count_block_rows(od_out_str(o), "$curve1 << EOD"), (long long)m, "full: every ROC point");

    /* 100000 metric rows */
    od_plot_metrics_data md = { m, fx, fy, fx, NULL, 0.5 };
    op.full = 0;
    od_out_reset(o);
    od_test_int(od_plot_metrics(ctx, o, &op, &md), 0, "metrics of 100000 thresholds generated");
    rows = count_block_rows(od_out_str(o), "$metrics << EOD");
    od_test_true(rows > 50 && rows <= 4 * (400 + 300), "metrics thinned to %zu rows", rows);

    /* 50000 scatter points coloured by score: one per pixel, the highest kept, drawn last */
    size_t ns = 50000;
    double *sx = malloc(ns * sizeof *sx), *sy = malloc(ns * sizeof *sy), *ss = malloc(ns * sizeof *ss);
    for (size_t i = 0; i < ns; i++) {
        st ^= st << 13; st ^= st >> 7; st ^= st << 17;
        sx[i] = (double)(st >> 11) / 9007199254740992.0;
        st ^= st << 13; st ^= st >> 7; st ^= st << 17;
        sy[i] = (double)(st >> 11) / 9007199254740992.0;
        ss[i] = sx[i] * sy[i];
    }
    ss[31337] = 7.5;
    od_plot_scatter_data sd = { ns, sx, sy, "a", "b", OD_PLOT_BY_SCORE, NULL, NULL, ss, NULL };
    op.width = 100;
    op.height = 80;
    od_out_reset(o);
    od_test_int(od_plot_scatter(ctx, o, &op, &sd), 0, "scatter of 50000 points generated");
    s = od_out_str(o);
    rows = count_block_rows(s, "$points << EOD");
    od_test_true(rows <= 34 * 27 && rows > 500, "scatter thinned to %zu points (one per 3x3 pixels)", rows);
    const char *blk = strstr(s, "$points << EOD");
    const char *eod = blk ? strstr(blk, "\nEOD\n") : NULL;
    od_test_true(eod && eod - 5 > blk && strncmp(eod - 4, " 7.5", 4) == 0, "the highest score is kept and drawn last");
    od_out_free(o);
    free(a);
    free(sc);
    free(l);
    free(fx);
    free(fy);
    free(sx);
    free(sy);
    free(ss);
}

/* ------------------------------------------------------------------ goldens */

static void test_golden(od_ctx *ctx)
{
    od_out *o = od_out_buffer();
    for (int k = 0; k < K_COUNT; k++) {
        od_plot_opts op;
        od_plot_opts_init(&op);
        switch (k) {
        case K_PR: op.term = OD_PLOT_TERM_PNG; op.output = "pr.png"; break;
        case K_PDF: op.term = OD_PLOT_TERM_SVG; op.output = "pdf.svg"; op.width = 640; op.height = 400; break;
        case K_SERIES: op.color = OD_PLOT_COLOR_ANSI256; op.width = 100; op.height = 30; break;
        case K_METRICS: op.term = OD_PLOT_TERM_PDF; op.output = "it's \"metrics\".pdf"; break;
        case K_LOSS: op.term = OD_PLOT_TERM_WINDOW; op.window = "x11"; op.logy = 1; break;
        case K_SCATTER_SCORE: op.title = "scores of `run 2` @x"; op.xlabel = ""; break;
        default: break;
        }
        od_out_reset(o);
        int rc = gen(ctx, o, &op, k);
        od_test_int(rc, 0, "%s: script generated", kind_name[k]);
        if (rc) printf("#   %s\n", od_ctx_errmsg(ctx));
        golden(kind_name[k], od_out_str(o));
    }
    od_ctx_clear_warnings(ctx);
    od_out_free(o);
}

/* ------------------------------------------------------------------ gnuplot */

static unsigned be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

static void test_render(od_ctx *ctx, od_gnuplot *gp, const char *dir)
{
    od_out *script = od_out_buffer(), *text = od_out_buffer();
    char path[4096];
    for (int k = 0; k < K_COUNT; k++) {
        od_plot_opts op;
        /* PNG */
        od_plot_opts_init(&op);
        op.term = OD_PLOT_TERM_PNG;
        op.width = 640 + k;
        op.height = 400 + 2 * k;
        snprintf(path, sizeof path, "%s/%s.png", dir, kind_name[k]);
        op.output = path;
        od_out_reset(script);
        gen(ctx, script, &op, k);
        int rc = od_gnuplot_run(ctx, gp, od_out_str(script), NULL, 20);
        od_test_int(rc, 0, "%s: PNG rendered%s%s", kind_name[k], rc ? ": " : "", rc ? od_ctx_errmsg(ctx) : "");
        size_t len = 0;
        unsigned char *png = (unsigned char *)slurp(path, &len);
        int sig = png && len > 24 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(png + 12, "IHDR", 4) == 0;
        od_test_true(sig, "%s: PNG signature and IHDR", kind_name[k]);
        if (sig) {
            od_test_int(be32(png + 16), op.width, "%s: PNG width", kind_name[k]);
            od_test_int(be32(png + 20), op.height, "%s: PNG height", kind_name[k]);
        }
        od_test_true(len > 8000, "%s: PNG has %zu bytes (> 8000)", kind_name[k], len);
        free(png);

        /* SVG */
        od_plot_opts_init(&op);
        op.term = OD_PLOT_TERM_SVG;
        op.width = 500;
        op.height = 300 + k;
        snprintf(path, sizeof path, "%s/%s.svg", dir, kind_name[k]);
        op.output = path;
        od_out_reset(script);
        gen(ctx, script, &op, k);
        rc = od_gnuplot_run(ctx, gp, od_out_str(script), NULL, 20);
        od_test_int(rc, 0, "%s: SVG rendered", kind_name[k]);
        char *svg = slurp(path, &len);
        char want[64];
        snprintf(want, sizeof want, "width=\"%d\" height=\"%d\"", op.width, op.height);
        od_test_true(svg && (strncmp(svg, "<?xml", 5) == 0 || strncmp(svg, "<svg", 4) == 0) && strstr(svg, want),
                     "%s: SVG header with %s", kind_name[k], want);
        od_test_true(svg && strstr(svg, "</svg>") != NULL, "%s: SVG complete", kind_name[k]);
        free(svg);

        /* dumb */
        od_plot_opts_init(&op);
        op.width = 90;
        op.height = 28;
        op.title = "TITLE-ON-TOP";
        od_out_reset(script);
        od_out_reset(text);
        gen(ctx, script, &op, k);
        rc = od_gnuplot_run(ctx, gp, od_out_str(script), text, 20);
        od_test_int(rc, 0, "%s: dumb rendered", kind_name[k]);
        const char *t = od_out_str(text);
        int lines = 0;
        for (const char *p = t; *p; p++) lines += *p == '\n';
        od_test_int(lines, op.height, "%s: dumb output has %d lines", kind_name[k], op.height);
        od_test_true(strstr(t, "TITLE-ON-TOP") != NULL, "%s: dumb output shows the title", kind_name[k]);
    }
    od_ctx_clear_warnings(ctx);

    /* PDF and an ANSI-coloured dumb plot once */
    od_plot_opts op;
    od_plot_opts_init(&op);
    op.term = OD_PLOT_TERM_PDF;
    snprintf(path, sizeof path, "%s/roc.pdf", dir);
    op.output = path;
    od_out_reset(script);
    gen(ctx, script, &op, K_ROC);
    od_test_int(od_gnuplot_run(ctx, gp, od_out_str(script), NULL, 20), 0, "roc: PDF rendered");
    char *pdf = slurp(path, NULL);
    od_test_true(pdf && strncmp(pdf, "%PDF", 4) == 0 && file_size(path) > 3000, "roc: PDF signature, %ld bytes",
                 file_size(path));
    free(pdf);
    od_plot_opts_init(&op);
    op.color = od_gnuplot_color(gp, OD_PLOT_COLOR_ANSI);
    od_out_reset(script);
    od_out_reset(text);
    gen(ctx, script, &op, K_SERIES);
    od_test_int(od_gnuplot_run(ctx, gp, od_out_str(script), text, 20), 0, "series: ANSI dumb rendered");
    od_test_true(strstr(od_out_str(text), "\x1b[") != NULL, "ANSI dumb output has escape sequences");
    od_out_free(script);
    od_out_free(text);
}

static void test_injection(od_ctx *ctx, od_gnuplot *gp, const char *dir)
{
    if (strlen(dir) > 100) {
        od_test_skip("temporary directory name too long");
        return;
    }
    char f[6][256], evil[6][1024];
    for (int i = 0; i < 6; i++) {
        snprintf(f[i], sizeof f[i], "%s/pwned%d", dir, i);
        unlink(f[i]);
    }
    snprintf(evil[0], sizeof evil[0], "\"; system(\"touch %s\"); \"", f[0]);
    snprintf(evil[1], sizeof evil[1], "`touch %s`", f[1]);
    snprintf(evil[2], sizeof evil[2], "'.system('touch %s').'", f[2]);
    snprintf(evil[3], sizeof evil[3], "x'\nsystem('touch %s')\n!touch %s\nEOD\n", f[3], f[3]);
    snprintf(evil[4], sizeof evil[4], "''`touch %s`''\"@GPVAL_PWD\\", f[4]);
    snprintf(evil[5], sizeof evil[5], "\"`touch %s`\" @GPVAL_TERM {/Symbol a} ^2 _x", f[5]);
    char outname[512];
    const char *rel = "od_test_plot_pwned_out";   /* relative: the output name holds no '/' of its own */
    unlink(rel);
    snprintf(outname, sizeof outname, "%s/out'; system('touch %s'); '`touch %s`\"`touch %s`\".png", dir, rel, rel, rel);

    od_out *s = od_out_buffer(), *text = od_out_buffer();
    int all_ok = 1;
    for (int e = 0; e < 6; e++) {
        od_plot_curve c[2] = { roc_curves[0], roc_curves[1] };
        c[0].name = evil[e];
        c[1].name = evil[(e + 1) % 6];
        const char *names[2] = { evil[e], evil[(e + 2) % 6] };
        od_plot_series_data sd = series_data();
        sd.names = names;
        sd.score_name = evil[(e + 3) % 6];
        od_plot_scatter_data cd = scatter_data(OD_PLOT_BY_SCORE);
        cd.xname = evil[e];
        cd.yname = evil[(e + 4) % 6];
        cd.cname = evil[(e + 5) % 6];
        od_plot_pdf_data pd = pdf_data(1);
        pd.name = evil[e];
        od_plot_opts op;
        od_plot_opts_init(&op);
        op.title = evil[e];
        op.xlabel = evil[(e + 1) % 6];
        op.ylabel = evil[(e + 2) % 6];
        for (int k = 0; k < 4; k++) {
            od_out_reset(s);
            od_out_reset(text);
            int rc = k == 0 ? od_plot_roc(ctx, s, &op, c, 2)
                   : k == 1 ? od_plot_series(ctx, s, &op, &sd)
                   : k == 2 ? od_plot_scatter(ctx, s, &op, &cd)
                            : od_plot_pdf(ctx, s, &op, &pd);
            if (!rc) rc = od_gnuplot_run(ctx, gp, od_out_str(s), text, 20);
            if (rc) {
                all_ok = 0;
                printf("#   evil %d kind %d: %s\n", e, k, od_ctx_errmsg(ctx));
            }
        }
        if (e == 5)
            od_test_true(strstr(od_out_str(text), "@GPVAL_TERM {/Symbol a} ^2 _x") != NULL,
                         "macro and enhanced markup printed literally");
    }
    od_test_true(all_ok, "hostile names: every plot renders without a gnuplot error");
    /* a hostile output file name is just a file name */
    od_plot_opts op;
    od_plot_opts_init(&op);
    op.term = OD_PLOT_TERM_PNG;
    op.output = outname;
    od_out_reset(s);
    od_plot_roc(ctx, s, &op, roc_curves, 2);
    od_test_int(od_gnuplot_run(ctx, gp, od_out_str(s), NULL, 20), 0, "hostile output file name renders");
    od_test_true(file_size(outname) > 1000, "the PNG has exactly the hostile name");
    /* gnuplot runs `set output '|cmd'` as a command: such a name must stay a name */
    const char *piped = "od_test_plot_pwned_pipe";
    unlink(piped);
    op.output = "|touch od_test_plot_pwned_pipe";
    od_out_reset(s);
    od_plot_roc(ctx, s, &op, roc_curves, 2);
    od_test_int(od_gnuplot_run(ctx, gp, od_out_str(s), NULL, 20), 0, "output name starting with '|' renders");
    od_test_true(file_size(op.output) > 1000, "into a file of that name");
    unlink(op.output);
    int created = 0;
    for (int i = 0; i < 6; i++) created += file_exists(f[i]);
    created += file_exists(rel);
    created += file_exists(piped);
    od_test_int(created, 0, "no injected command ran (no pwned file created)");
    /* positive control: the check can see a command that does run (gnuplot
     * expands backquotes inside double quotes) */
    char ctl[256], script[512];
    snprintf(ctl, sizeof ctl, "%s/control", dir);
    snprintf(script, sizeof script, "print \"`touch %s`\"\n", ctl);
    od_gnuplot_run(ctx, gp, script, NULL, 20);
    od_test_true(file_exists(ctl), "control: a double-quoted backquote does run, and the check sees it");
    unlink(outname);
    od_ctx_clear_warnings(ctx);
    od_out_free(s);
    od_out_free(text);
}

static void test_errors(od_ctx *ctx, od_gnuplot *gp)
{
    od_out *text = od_out_buffer();
    int starts = od_gnuplot_starts(gp);
    int rc = od_gnuplot_run(ctx, gp, "set terminal dumb\nplot no_such_function(x)\n", text, 10);
    od_test_int(rc, OD_EINVAL, "a gnuplot error is returned as OD_EINVAL");
    od_test_str(od_ctx_errmsg(ctx), "gnuplot: undefined function: no_such_function", "gnuplot's message, one line");
    od_out *s = od_out_buffer();
    od_plot_opts op;
    od_plot_opts_init(&op);
    gen(ctx, s, &op, K_ROC);
    od_out_reset(text);
    od_test_int(od_gnuplot_run(ctx, gp, od_out_str(s), text, 10), 0, "the next plot works");
    od_test_int(od_gnuplot_starts(gp), starts, "gnuplot survived the error (no restart)");

    od_ctx_clear_warnings(ctx);
    rc = od_gnuplot_run(ctx, gp, "set terminal dumb\n$e << EOD\nEOD\nplot x, $e using 1:2\n", NULL, 10);
    od_test_int(rc, 0, "a warning is not an error");
    od_test_true(od_ctx_nwarnings(ctx) >= 1 && strstr(od_ctx_warning(ctx, 0), "no valid points"),
                 "the warning is passed on: %s", od_ctx_nwarnings(ctx) ? od_ctx_warning(ctx, 0) : "(none)");
    od_ctx_clear_warnings(ctx);

    rc = od_gnuplot_run(ctx, gp, "print 'bye'\nexit gnuplot\n", NULL, 10);
    od_test_int(rc, OD_EIO, "gnuplot exiting mid-script: OD_EIO");
    od_test_true(strstr(od_ctx_errmsg(ctx), "gnuplot exited") != NULL, "message: %s", od_ctx_errmsg(ctx));
    od_out_reset(text);
    od_test_int(od_gnuplot_run(ctx, gp, od_out_str(s), text, 10), 0, "the next plot restarts gnuplot and works");
    od_test_int(od_gnuplot_starts(gp), starts + 1, "one restart");

    /* gnuplot killed between two plots: the next plot notices and restarts */
    rc = od_gnuplot_run(ctx, gp, "system '(sleep 0.2; kill -9 $PPID) >/dev/null 2>&1 &'\n", NULL, 10);
    od_test_int(rc, 0, "script that kills gnuplot shortly after it returns");
    usleep(600000);
    od_out_reset(text);
    od_test_int(od_gnuplot_run(ctx, gp, od_out_str(s), text, 10), 0, "plot after gnuplot was killed works");
    od_test_int(od_gnuplot_starts(gp), starts + 2, "a second restart, without an error shown to the caller");

    double t0 = od_now();
    rc = od_gnuplot_run(ctx, gp, "pause 30\n", NULL, 0.5);
    double dt = od_now() - t0;
    od_test_int(rc, OD_EIO, "a hanging script times out: OD_EIO");
    od_test_true(dt < 3, "timeout honoured (%.2f s)", dt);
    od_out_reset(text);
    od_test_int(od_gnuplot_run(ctx, gp, od_out_str(s), text, 10), 0, "after the timeout the next plot works");
    od_test_true(strstr(od_out_str(text), "ROC curve") != NULL, "and shows the plot");

    *od_ctx_cancel_flag(ctx) = 1;
    rc = od_gnuplot_run(ctx, gp, "pause 30\n", NULL, 10);
    od_test_int(rc, OD_ECANCEL, "cancel flag stops a plot: OD_ECANCEL");
    od_ctx_clear_cancel(ctx);
    od_test_int(od_gnuplot_run(ctx, gp, od_out_str(s), NULL, 10), 0, "after a cancel the next plot works");
    od_out_free(s);
    od_out_free(text);
}

static void test_notfound(od_ctx *ctx)
{
    od_gnuplot *gp = NULL;
    int rc = od_gnuplot_open(ctx, "/nonexistent/dir/gnuplot", &gp);
    od_test_int(rc, OD_ENOTFOUND, "missing gnuplot program: OD_ENOTFOUND");
    od_test_true(gp == NULL, "no handle on failure");
    const char *old = getenv("PATH");
    char *save = old ? strdup(old) : NULL;
    setenv("PATH", "/nonexistent-dir-for-oddity", 1);
    rc = od_gnuplot_open(ctx, NULL, &gp);
    od_test_int(rc, OD_ENOTFOUND, "no gnuplot in PATH: OD_ENOTFOUND");
    od_test_str(od_ctx_errmsg(ctx), "gnuplot is not installed: apt-get install gnuplot-nox (or gnuplot-qt for windows)",
                "install hint");
    if (save) setenv("PATH", save, 1);
    else unsetenv("PATH");
    free(save);
    /* a program that is not gnuplot */
    rc = od_gnuplot_open(ctx, "/bin/true", &gp);
    od_test_true(rc == OD_EIO || rc == OD_EFORMAT, "a program that is not gnuplot is refused (%s)", od_ctx_errmsg(ctx));
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(1);
    make_data();
    test_quote();
    test_options(ctx);
    test_pdf_log(ctx);
    test_density(ctx);
    test_thinning(ctx);
    test_golden(ctx);
    test_notfound(ctx);

    od_gnuplot *gp = NULL;
    int rc = od_gnuplot_open(ctx, NULL, &gp);
    if (rc == OD_ENOTFOUND) {
        od_test_skip("gnuplot is not installed: rendering, injection and process tests skipped");
    } else if (rc == OD_EFORMAT) {
        printf("# %s\n", od_ctx_errmsg(ctx));
        od_test_skip("gnuplot is older than 5.2: rendering, injection and process tests skipped");
    } else if (od_test_int(rc, 0, "gnuplot opens (%s)", rc ? od_ctx_errmsg(ctx) : od_gnuplot_version_str(gp))) {
        od_test_true(od_gnuplot_version(gp) >= 502, "version %d >= 5.2", od_gnuplot_version(gp));
        od_test_true(od_gnuplot_has_terminal(gp, "dumb") && od_gnuplot_has_terminal(gp, "svg"),
                     "terminals include dumb and svg");
        od_test_true(!od_gnuplot_has_terminal(gp, "dum") && !od_gnuplot_has_terminal(gp, "umb"),
                     "terminal names match whole words");
        char dir[] = "/tmp/od_test_plot_XXXXXX";
        if (od_test_true(mkdtemp(dir) != NULL, "temporary directory")) {
            if (od_gnuplot_has_terminal(gp, "pngcairo") && od_gnuplot_has_terminal(gp, "pdfcairo"))
                test_render(ctx, gp, dir);
            else
                od_test_skip("gnuplot lacks pngcairo/pdfcairo");
            test_injection(ctx, gp, dir);
            test_errors(ctx, gp);
            char cmd[4200];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
            if (system(cmd) != 0) printf("# could not remove %s\n", dir);
        }
        od_gnuplot_close(gp);
    }
    od_ctx_free(ctx);
    return od_test_done();
}
