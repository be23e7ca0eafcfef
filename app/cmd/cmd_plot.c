/* cmd_plot.c - plot roc|pr|pdf|series|scatter|metrics|loss through gnuplot. */
#include "config.h"
#include "cmd.h"
#include "eval/curve.h"
#include "plot/plot.h"
#include "prep/prep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

size_t cmd_run_part(const od_run *r, int part, double **sc, int **lab);
int cmd_parse_on(od_session *s, const cmd_line *c, const od_run *r, int *part);


static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcasecmp(s + a - b, suf);
}

/* Terminal and size from to=, the session's terminal and the window size. */
static int plot_opts(od_session *s, const cmd_line *c, od_plot_opts *o)
{
    od_plot_opts_init(o);
    const char *to = cmd_optval(c, "to");
    const char *term = to ? NULL : s->terminal;
    if (to) {
        if (ends_with(to, ".png")) o->term = OD_PLOT_TERM_PNG;
        else if (ends_with(to, ".svg")) o->term = OD_PLOT_TERM_SVG;
        else if (ends_with(to, ".pdf")) o->term = OD_PLOT_TERM_PDF;
        else return cmd_error_at(s, cmd_opt_entry(c, "to")->vcol, "plot: to=%s: expected a .png, .svg or .pdf file", to);
        o->output = to;
    } else if (!strcmp(term, "qt") || !strcmp(term, "wxt") || !strcmp(term, "x11")) {
        o->term = OD_PLOT_TERM_WINDOW;
        o->window = term;
    } else if (!strcmp(term, "png") || !strcmp(term, "svg") || !strcmp(term, "pdf")) {
        return cmd_error_at(s, 0, "plot: the terminal is %s: give the file with to=FILE.%s", term, term);
    } else {
        o->term = OD_PLOT_TERM_DUMB;
        struct winsize ws;
        if (isatty(fileno(s->outfp)) && ioctl(fileno(s->outfp), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) {
            o->width = ws.ws_col - 1;
            o->height = ws.ws_row > 12 ? ws.ws_row - 3 : 20;
        } else {
            o->width = 79;
            o->height = 24;
        }
        o->color = od_plot_color_auto(isatty(fileno(s->outfp)), getenv("TERM"), getenv("COLORTERM"), getenv("NO_COLOR"));
    }
    long w = 0, h = 0;
    if (cmd_opt_long(s, c, "width", &w) < 0 || cmd_opt_long(s, c, "height", &h) < 0) return OD_EINVAL;
    if (w) {
        if (w < 10 || w > 10000) return cmd_error_at(s, cmd_opt_entry(c, "width")->vcol, "plot: width=%ld: must be 10..10000", w);
        o->width = (int)w;
    }
    if (h) {
        if (h < 5 || h > 10000) return cmd_error_at(s, cmd_opt_entry(c, "height")->vcol, "plot: height=%ld: must be 5..10000", h);
        o->height = (int)h;
    }
    o->title = cmd_optval(c, "title");
    int logy = 0;
    if (cmd_opt_bool(s, c, "logy", &logy) < 0) return OD_EINVAL;
    o->logy = logy;
    return 0;
}

/* Runs named by words[2..] (all runs when none). */
static od_run **plot_runs(od_session *s, const cmd_line *c, size_t *nr, int need)
{
    size_t first = 2, n = 0;
    for (size_t i = first; i < c->nwords; i++)
        if (strcmp(c->words[i].text, "commands")) n++;
    if (!n && need) {
        if (!s->ws->nruns) { cmd_error_at(s, 0, "plot %s: no runs yet (try: detect kmeans k=4)", c->words[1].text); return NULL; }
    }
    od_run **r = calloc((n ? n : s->ws->nruns) + 1, sizeof *r);
    size_t k = 0;
    for (size_t i = first; i < c->nwords; i++) {
        if (!strcmp(c->words[i].text, "commands")) continue;
        r[k] = cmd_run(s, c, i);
        if (!r[k]) { free(r); return NULL; }
        k++;
    }
    if (!n)
        for (size_t i = 0; i < s->ws->nruns; i++) r[k++] = s->ws->runs[i];
    *nr = k;
    return r;
}

static int wants_commands(const cmd_line *c)
{
    for (size_t i = 2; i < c->nwords; i++)
        if (!strcmp(c->words[i].text, "commands")) return 1;
    return 0;
}

static od_curve *run_curve(od_session *s, const od_run *r, int part)
{
    double *sc;
    int *lab;
    size_t k = cmd_run_part(r, part, &sc, &lab);
    int err;
    od_curve *cv = od_curve_new(s->ctx, sc, lab, k, &err);
    free(sc);
    free(lab);
    return cv;
}

static int need_labels(od_session *s, const od_run *r, const char *kind)
{
    if (r->labels) return 0;
    return cmd_fail(s, od_error(s->ctx, OD_EDATA, "plot %s: %s has no labels (a %s curve needs them; plot pdf works without)", kind, r->name, kind));
}

static int build_curves(od_session *s, const cmd_line *c, od_out *script, const od_plot_opts *o, int pr)
{
    size_t nr;
    od_run **runs = plot_runs(s, c, &nr, 1);
    if (!runs) return OD_EINVAL;
    od_plot_curve *cv = calloc(nr, sizeof *cv);
    double **bufs = calloc(2 * nr, sizeof *bufs);
    double prev = NAN;
    int rc = 0;
    for (size_t k = 0; k < nr && !rc; k++) {
        od_run *r = runs[k];
        int part;
        if ((rc = need_labels(s, r, pr ? "pr" : "roc"))) break;
        if ((rc = cmd_parse_on(s, c, r, &part))) break;
        od_curve *cu = run_curve(s, r, part);
        if (!cu) { rc = cmd_fail(s, OD_EINVAL); break; }
        od_curve_info info0;
        od_curve_get_info(cu, &info0);
        size_t m = info0.n_thresholds;
        double *x = malloc((m + 2) * sizeof *x), *y = malloc((m + 2) * sizeof *y);
        bufs[2 * k] = x;
        bufs[2 * k + 1] = y;
        od_curve_info info;
        od_curve_get_info(cu, &info);
        int e = pr ? od_curve_pr(s->ctx, cu, y, x, NULL) : od_curve_roc(s->ctx, cu, x, y, NULL);
        if (e) { od_curve_free(cu); rc = cmd_fail(s, e); break; }
        od_metric a = pr ? od_curve_ap(cu) : od_curve_roc_auc(cu);
        cv[k].name = r->name;
        cv[k].x = x;
        cv[k].y = y;
        cv[k].n = m + 1;
        cv[k].area = a.defined ? a.value : NAN;
        cv[k].op_x = cv[k].op_y = NAN;
        if (r->thr.set && !r->thr.point) {
            od_confusion cm = od_curve_confusion(cu, r->thr.value, r->thr.strict ? OD_RULE_GT : OD_RULE_GE);
            double P = (double)(cm.tp + cm.fn), N = (double)(cm.fp + cm.tn);
            if (pr) {
                cv[k].op_x = P > 0 ? cm.tp / P : NAN;
                cv[k].op_y = cm.tp + cm.fp ? (double)cm.tp / (double)(cm.tp + cm.fp) : NAN;
            } else {
                cv[k].op_x = N > 0 ? cm.fp / N : NAN;
                cv[k].op_y = P > 0 ? cm.tp / P : NAN;
            }
        }
        if (k == 0 && info.n_used) prev = (double)info.n_pos / (double)info.n_used;
        od_curve_free(cu);
    }
    if (!rc) {
        rc = pr ? od_plot_pr(s->ctx, script, o, cv, nr, prev) : od_plot_roc(s->ctx, script, o, cv, nr);
        if (rc) rc = cmd_fail(s, rc);
    }
    for (size_t k = 0; k < 2 * nr; k++) free(bufs[k]);
    free(bufs);
    free(cv);
    free(runs);
    return rc;
}

static int build_pdf(od_session *s, const cmd_line *c, od_out *script, const od_plot_opts *o)
{
    size_t nr;
    od_run **runs = plot_runs(s, c, &nr, 1);
    if (!runs) return OD_EINVAL;
    od_run *r = runs[0];
    free(runs);
    int part;
    if (cmd_parse_on(s, c, r, &part)) return OD_EINVAL;
    double *sc;
    int *lab;
    size_t k = cmd_run_part(r, part, &sc, &lab);
    od_plot_pdf_data d = { .score = sc, .n = k, .label = r->labels ? lab : NULL,
                           .threshold = r->thr.set && !r->thr.point ? r->thr.value : NAN, .name = r->name };
    long bins = 0;
    if (cmd_opt_long(s, c, "bins", &bins) < 0) { free(sc); free(lab); return OD_EINVAL; }
    d.bins = (int)bins;
    int rc = od_plot_pdf(s->ctx, script, o, &d);
    free(sc);
    free(lab);
    return rc ? cmd_fail(s, rc) : 0;
}

/* The dataset version a run was made on (same name, same row count), else NULL. */
static od_version *run_version(od_session *s, const od_run *r)
{
    od_dataset *d = od_ws_dataset(s->ws, r->dataset);
    if (!d) return NULL;
    for (size_t k = d->nv; k-- > 0;)
        if (d->v[k].frame && d->v[k].frame->nrow == r->n) return &d->v[k];
    return NULL;
}

static int build_series(od_session *s, const cmd_line *c, od_out *script, const od_plot_opts *o)
{
    size_t nr = 0;
    od_run **runs = NULL;
    od_run *r = NULL;
    if (c->nwords > 2 || s->ws->nruns) {
        runs = plot_runs(s, c, &nr, 0);
        if (!runs) return OD_EINVAL;
        r = nr ? runs[0] : NULL;
        if (c->nwords <= 2 || (c->nwords == 3 && wants_commands(c))) r = nr ? runs[nr - 1] : NULL; /* newest run */
    }
    free(runs);
    od_version *v = r ? run_version(s, r) : NULL;
    if (!v) {
        od_dataset *d = cmd_dataset(s);
        if (!d) return OD_ESTATE;
        v = od_ds_top(d);
        if (r && v->frame->nrow != r->n) r = NULL;
    }
    const od_frame *f = v->frame;
    size_t idx[64], nch = 0;
    const char *on = cmd_optval(c, "columns");
    if (on) {
        size_t k;
        char **names = cmd_list_split(on, &k);
        for (size_t i = 0; i < k && nch < 64; i++) {
            long j = od_frame_find(f, names[i]);
            if (j < 0 || !f->cols[j].num) {
                int e = cmd_error_at(s, cmd_opt_entry(c, "columns")->vcol, "plot series: no numeric column named '%s'", names[i]);
                free(names);
                return e;
            }
            idx[nch++] = (size_t)j;
        }
        free(names);
    } else {
        for (size_t j = 0; j < f->ncol && nch < 8; j++)
            if (f->cols[j].role == OD_ROLE_FEATURE && f->cols[j].type == OD_COL_NUM) idx[nch++] = j;
    }
    const double *y[64];
    const char *names[64];
    for (size_t k = 0; k < nch; k++) { y[k] = f->cols[idx[k]].num; names[k] = f->cols[idx[k]].name; }
    long tcol = od_frame_role(f, OD_ROLE_TIME);
    int *lab = NULL;
    long lc = od_frame_role(f, OD_ROLE_LABEL);
    if (lc >= 0) {
        lab = malloc((f->nrow ? f->nrow : 1) * sizeof *lab);
        for (size_t i = 0; i < f->nrow; i++) lab[i] = f->cols[lc].num[i] == 1;
    }
    od_plot_series_data d = { .n = f->nrow, .t = tcol >= 0 ? f->cols[tcol].num : NULL, .t_epoch = tcol >= 0,
                              .nch = nch, .y = y, .names = names, .label = lab,
                              .score = r ? r->scores : NULL, .score_name = r ? r->name : NULL,
                              .threshold = r && r->thr.set && !r->thr.point ? r->thr.value : NAN };
    int rc = od_plot_series(s->ctx, script, o, &d);
    free(lab);
    return rc ? cmd_fail(s, rc) : 0;
}

static int build_scatter(od_session *s, const cmd_line *c, od_out *script, const od_plot_opts *o)
{
    od_run *r = NULL;
    for (size_t i = 2; i < c->nwords; i++)
        if (strcmp(c->words[i].text, "commands")) {
            r = cmd_run(s, c, i);
            if (!r) return OD_ENOTFOUND;
        }
    od_version *v = r ? run_version(s, r) : NULL;
    if (!v) {
        v = cmd_version(s, NULL);
        if (!v) return OD_ESTATE;
        if (r && v->frame->nrow != r->n)
            return cmd_fail(s, od_error(s->ctx, OD_EDATA, "plot scatter: %s was made on other rows than the current data", r->name));
    }
    const od_frame *f = v->frame;
    const char *xn = cmd_optval(c, "x"), *yn = cmd_optval(c, "y");
    od_frame *pcs = NULL;
    const double *x, *y;
    if (!!xn != !!yn) return cmd_error_at(s, 0, "plot scatter: give both x=COL and y=COL (or neither for the first two principal components)");
    if (xn) {
        long a = od_frame_find(f, xn), b = od_frame_find(f, yn);
        if (a < 0 || !f->cols[a].num) return cmd_error_at(s, cmd_opt_entry(c, "x")->vcol, "plot scatter: no numeric column named '%s'", xn);
        if (b < 0 || !f->cols[b].num) return cmd_error_at(s, cmd_opt_entry(c, "y")->vcol, "plot scatter: no numeric column named '%s'", yn);
        x = f->cols[a].num;
        y = f->cols[b].num;
    } else {
        size_t idx[4096];
        size_t d = f->ncol < 4096 ? od_frame_feature_cols(f, idx) : 3;
        if (d < 2) return cmd_fail(s, od_error(s->ctx, OD_EDATA, "plot scatter: need at least two feature columns"));
        if (d == 2) {
            x = f->cols[idx[0]].num;
            y = f->cols[idx[1]].num;
            xn = f->cols[idx[0]].name;
            yn = f->cols[idx[1]].name;
        } else {
            od_pca_opts po = { .k = 2 };
            int rc = od_prep_pca(s->ctx, f, &po, NULL, &pcs, NULL, NULL);
            if (rc) return cmd_fail(s, rc);
            long a = od_frame_find(pcs, "PC1"), b = od_frame_find(pcs, "PC2");
            x = pcs->cols[a].num;
            y = pcs->cols[b].num;
            xn = "PC1";
            yn = "PC2";
        }
    }
    const char *by = cmd_optval(c, "by");
    od_plot_scatter_data d = { .n = f->nrow, .x = x, .y = y, .xname = xn, .yname = yn };
    int *lab = NULL, *cl = NULL;
    if (!by) by = r ? (r->cluster ? "cluster" : "score") : (od_frame_role(f, OD_ROLE_LABEL) >= 0 ? "label" : "none");
    if (!strcmp(by, "label")) {
        long lc = od_frame_role(f, OD_ROLE_LABEL);
        if (lc < 0) { od_frame_free(pcs); return cmd_error_at(s, 0, "plot scatter: by=label but the data has no label column"); }
        lab = malloc(f->nrow * sizeof *lab + 1);
        for (size_t i = 0; i < f->nrow; i++) lab[i] = isnan(f->cols[lc].num[i]) ? -1 : f->cols[lc].num[i] != 0;
        d.by = OD_PLOT_BY_LABEL;
        d.label = lab;
    } else if (!strcmp(by, "cluster")) {
        if (!r || !r->cluster) { od_frame_free(pcs); return cmd_error_at(s, 0, "plot scatter: by=cluster needs a clustering run (plot scatter RUN by=cluster)"); }
        cl = malloc(f->nrow * sizeof *cl + 1);
        for (size_t i = 0; i < f->nrow; i++) cl[i] = (int)r->cluster[i];
        d.by = OD_PLOT_BY_CLUSTER;
        d.cluster = cl;
    } else if (!strcmp(by, "score")) {
        if (!r) { od_frame_free(pcs); return cmd_error_at(s, 0, "plot scatter: by=score needs a run (plot scatter RUN by=score)"); }
        d.by = OD_PLOT_BY_SCORE;
        d.score = r->scores;
        d.cname = r->name;
    } else
        d.by = OD_PLOT_BY_NONE;
    int rc = od_plot_scatter(s->ctx, script, o, &d);
    free(lab);
    free(cl);
    od_frame_free(pcs);
    return rc ? cmd_fail(s, rc) : 0;
}

static int build_metrics(od_session *s, const cmd_line *c, od_out *script, const od_plot_opts *o)
{
    size_t nr;
    od_run **runs = plot_runs(s, c, &nr, 1);
    if (!runs) return OD_EINVAL;
    od_run *r = runs[0];
    free(runs);
    int part, rc;
    if ((rc = need_labels(s, r, "metrics"))) return rc;
    if (cmd_parse_on(s, c, r, &part)) return OD_EINVAL;
    od_curve *cu = run_curve(s, r, part);
    if (!cu) return cmd_fail(s, OD_EINVAL);
    od_curve_info info;
    od_curve_get_info(cu, &info);
    size_t m = info.n_thresholds;
    size_t k = 0;
    double *t = malloc((m + 1) * sizeof *t), *p = malloc((m + 1) * sizeof *p), *re = malloc((m + 1) * sizeof *re);
    double *th = malloc((m + 1) * sizeof *th);
    size_t *tpa = malloc((m + 1) * sizeof *tpa), *fpa = malloc((m + 1) * sizeof *fpa);
    od_curve_points(cu, th, tpa, fpa);
    for (size_t i = 0; i < m; i++) {
        size_t tp = tpa[i], fp = fpa[i];
        t[k] = th[i];
        p[k] = tp + fp ? (double)tp / (double)(tp + fp) : NAN;
        re[k] = info.n_pos ? (double)tp / (double)info.n_pos : NAN;
        k++;
    }
    od_plot_metrics_data d = { .n = k, .threshold = t, .precision = p, .recall = re,
                               .current = r->thr.set && !r->thr.point ? r->thr.value : NAN };
    rc = od_plot_metrics(s->ctx, script, o, &d);
    free(t);
    free(p);
    free(re);
    free(th);
    free(tpa);
    free(fpa);
    od_curve_free(cu);
    return rc ? cmd_fail(s, rc) : 0;
}

static int build_loss(od_session *s, const cmd_line *c, od_out *script, const od_plot_opts *o)
{
    size_t nr;
    od_run **runs = plot_runs(s, c, &nr, 1);
    if (!runs) return OD_EINVAL;
    od_run *r = runs[0];
    free(runs);
    if (r->log.n == 0)
        return cmd_fail(s, od_error(s->ctx, OD_EDATA, "plot loss: %s has no training history (only neural detectors keep one)", r->name));
    od_plot_loss_data d = { .n = r->log.n, .train = r->log.train, .val = r->log.val };
    int rc = od_plot_loss(s->ctx, script, o, &d);
    return rc ? cmd_fail(s, rc) : 0;
}

void cmd_plot_close(od_session *s)
{
    if (s->plot) od_gnuplot_close(s->plot);
    s->plot = NULL;
}

static int cmd_plot(od_session *s, const cmd_line *c)
{
    const char *kind = c->words[1].text;
    od_plot_opts o;
    if (plot_opts(s, c, &o)) return OD_EINVAL;
    od_out *script = od_out_buffer();
    int rc;
    if (!strcmp(kind, "roc")) rc = build_curves(s, c, script, &o, 0);
    else if (!strcmp(kind, "pr")) rc = build_curves(s, c, script, &o, 1);
    else if (!strcmp(kind, "pdf")) rc = build_pdf(s, c, script, &o);
    else if (!strcmp(kind, "series")) rc = build_series(s, c, script, &o);
    else if (!strcmp(kind, "scatter")) rc = build_scatter(s, c, script, &o);
    else if (!strcmp(kind, "metrics")) rc = build_metrics(s, c, script, &o);
    else if (!strcmp(kind, "loss")) rc = build_loss(s, c, script, &o);
    else rc = cmd_error_at(s, c->words[1].col, "plot: unknown kind '%s' (roc, pr, pdf, series, scatter, metrics, loss)", kind);
    if (rc) { od_out_free(script); return rc; }
    if (wants_commands(c)) {
        fputs(od_out_str(script), s->outfp);
        od_out_free(script);
        return 0;
    }
    if (!s->plot) {
        od_gnuplot *gp;
        rc = od_gnuplot_open(s->ctx, NULL, &gp);
        if (rc) {
            od_out_free(script);
            return cmd_fail(s, rc);
        }
        s->plot = gp;
    }
    if (o.term == OD_PLOT_TERM_WINDOW && !od_gnuplot_has_terminal(s->plot, o.window)) {
        od_out_free(script);
        return cmd_fail(s, od_error(s->ctx, OD_ENOTFOUND, "plot: this gnuplot has no %s terminal (apt-get install gnuplot-qt), or use the terminal (set terminal=dumb) or to=FILE.png", o.window));
    }
    od_out *text = od_out_buffer();
    rc = od_gnuplot_run(s->ctx, s->plot, od_out_str(script), text, 60);
    od_out_free(script);
    if (rc) { od_out_free(text); return cmd_fail(s, rc); }
    if (o.term == OD_PLOT_TERM_DUMB) fputs(od_out_str(text), s->outfp);
    else if (o.output) fprintf(s->outfp, "wrote %s\n", o.output);
    od_out_free(text);
    return 0;
}

static const cmd_optspec plot_opts_spec[] = {
    { "to", NULL, COMPL_FILE, "write a file instead: .png, .svg or .pdf" },
    { "on", "train|val|test|all", COMPL_NONE, "rows (default: test when split, else all)" },
    { "title", NULL, COMPL_NONE, "plot title" },
    { "width", NULL, COMPL_NONE, "width (characters in the terminal, pixels or points in files)" },
    { "height", NULL, COMPL_NONE, "height" },
    { "x", NULL, COMPL_COLUMN, "scatter: x column" },
    { "y", NULL, COMPL_COLUMN, "scatter: y column" },
    { "by", "label|cluster|score|none", COMPL_NONE, "scatter: colour by" },
    { "columns", NULL, COMPL_COLUMN, "series: channels to draw (default: up to 8 features)" },
    { "bins", NULL, COMPL_NONE, "pdf: number of histogram bins (default Freedman-Diaconis)" },
    { "logy", "yes|no", COMPL_NONE, "loss: logarithmic y axis" },
    { NULL, NULL, COMPL_NONE, NULL }
};

const od_command cmd_plot_entry = {
    .name = "plot", .usage = "plot roc|pr|pdf|series|scatter|metrics|loss [RUN..] [to=FILE.png|svg|pdf] [commands] [options]",
    .topic = "evaluate", .summary = "plot curves, score densities, the series or a scatter through gnuplot",
    .help = "roc      ROC curves of the runs, AUC in the legend, chance diagonal, threshold point\n"
            "pr       precision-recall curves, AP in the legend, prevalence baseline\n"
            "pdf      score densities of normal and anomalous rows (histogram + KDE), the\n"
            "         threshold and the false-positive / false-negative areas shaded\n"
            "series   the series with labelled anomalies shaded, flagged points marked and\n"
            "         the run's score on the second axis\n"
            "scatter  two columns (x= y=) or the first two principal components, coloured by\n"
            "         label, a run's clusters or its score\n"
            "metrics  precision, recall and F1 against the threshold\n"
            "loss     training and validation loss per epoch of a neural run\n"
            "Plots draw in the terminal (gnuplot's dumb terminal, sized to the window, in\n"
            "colour unless NO_COLOR is set), in a window after `set terminal=qt`, or to a\n"
            "file with to=.  The word `commands` prints the gnuplot script instead, to keep\n"
            "or edit.  Names from data files are quoted so they cannot run gnuplot commands.\n\n"
            "examples:\n  plot roc km gmm\n  plot pr km to=pr.png\n  plot pdf km\n  plot scatter km by=cluster\n"
            "  plot series lstm to=series.svg width=1200 height=400\n  plot roc km commands",
    .min_words = 1, .max_words = -1, .opts = plot_opts_spec, .fn = cmd_plot, .words = COMPL_WORDS,
    .word_values = "roc|pr|pdf|series|scatter|metrics|loss",
};
