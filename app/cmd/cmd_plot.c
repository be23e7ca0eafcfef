/* cmd_plot.c - `plot KIND`: one table of plot kinds (below), each a builder
 * of gnuplot script text, and the gnuplot process that draws it. */
#include "config.h"
#include "cmd.h"
#include "eval/curve.h"
#include "plot/plot.h"
#include "prep/prep.h"
#include "run/run.h"
#include "run/search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

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
    } else if (!strcmp(term, "sixel")) {
        o->term = OD_PLOT_TERM_SIXEL;
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
            /* plot series RUN1 RUN2 ...: about ten rows a panel */
            size_t nr = 0;
            for (size_t i = 2; i < c->nwords; i++) nr += strcmp(c->words[i].text, "commands") != 0;
            if (!strcmp(c->words[1].text, "series") && nr > 1 && o->height < (int)(10 * (nr + 1) + 2))
                o->height = (int)(10 * (nr + 1) + 2);
        }
        o->color = od_plot_color_auto(isatty(fileno(s->outfp)), getenv("TERM"), getenv("COLORTERM"), getenv("NO_COLOR"));
    }
    long w = 0, h = 0, fs = 0;
    const char *size = cmd_optval(c, "size");
    if (size && (cmd_opt_entry(c, "width") || cmd_opt_entry(c, "height")))
        return cmd_error_at(s, cmd_opt_entry(c, "size")->vcol, "plot: size= or width=/height=, not both");
    if (size && !strcmp(size, "slide")) {   /* a 16:9 slide, its text readable from the back of a room */
        w = 1280, h = 720, fs = 18;
        if (o->term == OD_PLOT_TERM_DUMB)
            return cmd_error_at(s, cmd_opt_entry(c, "size")->vcol, "plot: size=slide is for files (to=FILE.png|svg|pdf)");
    } else if (size) {
        char *e;
        w = strtol(size, &e, 10);
        if (e == size || (*e != 'x' && *e != 'X') || (h = strtol(e + 1, &e, 10), *e) || w <= 0 || h <= 0)
            return cmd_error_at(s, cmd_opt_entry(c, "size")->vcol, "plot: size=%s: expected WIDTHxHEIGHT (e.g. 1200x800) or slide", size);
    }
    if (cmd_opt_long(s, c, "width", &w) < 0 || cmd_opt_long(s, c, "height", &h) < 0 || cmd_opt_long(s, c, "font", &fs) < 0)
        return OD_EINVAL;
    if (cmd_opt_entry(c, "font")) {
        if (fs < 4 || fs > 200) return cmd_error_at(s, cmd_opt_entry(c, "font")->vcol, "plot: font=%ld: must be 4..200 (points)", fs);
        if (o->term == OD_PLOT_TERM_DUMB)
            return cmd_error_at(s, cmd_opt_entry(c, "font")->vcol, "plot: font= is for files and graphics terminals, not text");
    }
    o->fontsize = (int)fs;
    if (w) {
        if (w < 10 || w > 10000)
            return cmd_error_at(s, cmd_opt_entry(c, size ? "size" : "width")->vcol, "plot: width=%ld: must be 10..10000", w);
        o->width = (int)w;
    }
    if (h) {
        if (h < 5 || h > 10000)
            return cmd_error_at(s, cmd_opt_entry(c, size ? "size" : "height")->vcol, "plot: height=%ld: must be 5..10000", h);
        o->height = (int)h;
    }
    o->title = cmd_optval(c, "title");
    int logy = 0;
    if (cmd_opt_bool(s, c, "logy", &logy) < 0) return OD_EINVAL;
    o->logy = logy;
    return 0;
}

/* A plot request: what every builder gets.  runs: for kinds that need runs,
 * the named runs or every run (only the first for ONE_RUN kinds); for the
 * others, the named runs only (possibly none). */
typedef struct {
    od_session *s;
    const cmd_line *c;
    od_out *script;
    const od_plot_opts *o;
    od_run **runs;
    size_t nr;
} plot_req;

/* What a kind needs: runs (at least one must exist), labels on those runs,
 * only one run (the first named). */
enum { NEED_RUNS = 1, NEED_LABELS = 2, ONE_RUN = 4, OWN_WORDS = 8 /* the builder reads its words (plot explain RUN ROW, plot elbow ALGO) */ };

static int wants_commands(const cmd_line *c)
{
    for (size_t i = 2; i < c->nwords; i++)
        if (!strcmp(c->words[i].text, "commands")) return 1;
    return 0;
}

/* Runs named by words[2..] (the word `commands` aside); with none named,
 * every run when all_if_none.  NULL after a reported error. */
static od_run **plot_runs(od_session *s, const cmd_line *c, size_t *nr, int all_if_none)
{
    size_t n = 0, k = 0;
    for (size_t i = 2; i < c->nwords; i++) n += strcmp(c->words[i].text, "commands") != 0;
    size_t total = n ? n : all_if_none ? s->ws->nruns : 0;
    od_run **r = od_calloc(s->ctx, total + 1, sizeof *r);
    if (!r) { cmd_fail(s, OD_ENOMEM); return NULL; }
    for (size_t i = 2; i < c->nwords; i++) {
        if (!strcmp(c->words[i].text, "commands")) continue;
        if (!(r[k++] = cmd_run(s, c, i))) { free(r); return NULL; }
    }
    for (size_t i = 0; !n && i < total; i++) r[k++] = s->ws->runs[i];
    *nr = k;
    return r;
}

static od_curve *run_curve(od_session *s, const od_run *r, int part)
{
    double *sc;
    int *lab;
    size_t k = od_run_part(s->ctx, r, part, &sc, &lab);
    if (k == (size_t)-1) return NULL;
    int err;
    od_curve *cv = od_curve_new(s->ctx, sc, lab, k, &err);
    free(sc);
    free(lab);
    return cv;
}

/* The operating point of the run's threshold on its ROC or PR curve. */
static void operating_point(const od_curve *cu, const od_run *r, int pr, od_plot_curve *cv)
{
    od_confusion cm = od_curve_confusion(cu, r->thr.value, r->thr.strict ? OD_RULE_GT : OD_RULE_GE);
    double P = (double)(cm.tp + cm.fn), N = (double)(cm.fp + cm.tn);
    if (pr) {
        cv->op_x = P > 0 ? cm.tp / P : NAN;
        cv->op_y = cm.tp + cm.fp ? (double)cm.tp / (double)(cm.tp + cm.fp) : NAN;
    } else {
        cv->op_x = N > 0 ? cm.fp / N : NAN;
        cv->op_y = P > 0 ? cm.tp / P : NAN;
    }
}

/* One run's ROC or PR curve into cv (cv->x and cv->y are the caller's to
 * free, also after an error); *prev gets the positive share when not NULL. */
static int curve_points(plot_req *q, od_run *r, int pr, od_plot_curve *cv, double *prev)
{
    od_session *s = q->s;
    int part, rc;
    if ((rc = cmd_parse_on(s, q->c, r, &part))) return rc;
    od_curve *cu = run_curve(s, r, part);
    if (!cu) return cmd_fail(s, OD_EINVAL);
    od_curve_info info;
    od_curve_get_info(cu, &info);
    size_t m = info.n_thresholds;
    double *x = od_mallocn(s->ctx, m + 2, sizeof *x), *y = x ? od_mallocn(s->ctx, m + 2, sizeof *y) : NULL;
    cv->x = x;
    cv->y = y;
    rc = !y ? OD_ENOMEM : pr ? od_curve_pr(s->ctx, cu, y, x, NULL) : od_curve_roc(s->ctx, cu, x, y, NULL);
    if (rc) { od_curve_free(cu); return cmd_fail(s, rc); }
    od_metric a = pr ? od_curve_ap(cu) : od_curve_roc_auc(cu);
    cv->name = r->name;
    cv->n = m + 1;
    cv->area = a.defined ? a.value : NAN;
    cv->op_x = cv->op_y = NAN;
    if (r->thr.set && !r->thr.point) operating_point(cu, r, pr, cv);
    if (prev && info.n_used) *prev = (double)info.n_pos / (double)info.n_used;
    od_curve_free(cu);
    return 0;
}

static int build_curves(plot_req *q, int pr)
{
    od_plot_curve *cv = od_calloc(q->s->ctx, q->nr, sizeof *cv);
    if (!cv) return cmd_fail(q->s, OD_ENOMEM);
    double prev = NAN;
    int rc = 0;
    for (size_t k = 0; k < q->nr && !rc; k++) rc = curve_points(q, q->runs[k], pr, &cv[k], k == 0 ? &prev : NULL);
    if (!rc) {
        rc = pr ? od_plot_pr(q->s->ctx, q->script, q->o, cv, q->nr, prev) : od_plot_roc(q->s->ctx, q->script, q->o, cv, q->nr);
        if (rc) rc = cmd_fail(q->s, rc);
    }
    for (size_t k = 0; k < q->nr; k++) {
        free((void *)cv[k].x);
        free((void *)cv[k].y);
    }
    free(cv);
    return rc;
}

static int build_roc(plot_req *q) { return build_curves(q, 0); }
static int build_pr(plot_req *q) { return build_curves(q, 1); }

static int build_pdf(plot_req *q)
{
    od_session *s = q->s;
    od_run *r = q->runs[0];
    int part;
    long bins = 0;
    if (cmd_parse_on(s, q->c, r, &part)) return OD_EINVAL;
    if (cmd_opt_long(s, q->c, "bins", &bins) < 0) return OD_EINVAL;
    double *sc;
    int *lab;
    size_t k = od_run_part(s->ctx, r, part, &sc, &lab);
    if (k == (size_t)-1) return cmd_fail(s, OD_ENOMEM);
    /* log=x|none (the option table holds the values; exec.c checked them) */
    const char *lg = cmd_optval(q->c, "log");
    od_plot_pdf_data d = { .score = sc, .n = k, .label = r->labels ? lab : NULL, .bins = (int)bins,
                           .threshold = r->thr.set && !r->thr.point ? r->thr.value : NAN, .name = r->name,
                           .logx = lg && !strcmp(lg, "x") };
    size_t np = d.logx ? od_plot_pdf_nonpositive(&d) : 0;
    int rc = od_plot_pdf(s->ctx, q->script, q->o, &d);
    if (!rc && np)
        fprintf(s->errfp, "note: %zu score%s <= 0 left out of log=x (a log axis cannot show them)\n", np, np == 1 ? "" : "s");
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

/* series: the channels to draw, from columns= or up to 8 numeric features. */
static int series_channels(plot_req *q, const od_frame *f, size_t *idx, size_t *nch)
{
    const char *on = cmd_optval(q->c, "columns");
    *nch = 0;
    if (!on) {
        for (size_t j = 0; j < f->ncol && *nch < 8; j++)
            if (f->cols[j].role == OD_ROLE_FEATURE && f->cols[j].type == OD_COL_NUM) idx[(*nch)++] = j;
        return 0;
    }
    size_t k;
    char **names = cmd_list_split(on, &k);
    if (!names) return cmd_fail(q->s, od_error(q->s->ctx, OD_ENOMEM, "plot series: out of memory"));
    for (size_t i = 0; i < k && *nch < 64; i++) {
        long j = od_frame_find(f, names[i]);
        if (j < 0 || !f->cols[j].num) {
            int e = cmd_error_at(q->s, cmd_opt_entry(q->c, "columns")->vcol, "plot series: no numeric column named '%s'", names[i]);
            free(names);
            return e;
        }
        idx[(*nch)++] = (size_t)j;
    }
    free(names);
    return 0;
}

/* series: the run drawn (the first named, else the newest; NULL when it was
 * made on other rows than the data drawn) and the data version. */
static od_version *series_source(plot_req *q, od_run **r)
{
    *r = q->nr ? q->runs[0] : q->s->ws->nruns ? q->s->ws->runs[q->s->ws->nruns - 1] : NULL;
    od_version *v = *r ? run_version(q->s, *r) : NULL;
    if (v) return v;
    od_dataset *d = cmd_dataset(q->s);
    if (!d) return NULL;
    v = od_ds_top(d);
    if (*r && v->frame->nrow != (*r)->n) *r = NULL;
    return v;
}

/* The column of the word that named the k-th run (for errors). */
static int run_word_col(od_session *s, const cmd_line *c, size_t k)
{
    for (size_t i = 2; i < c->nwords; i++) {
        if (!strcmp(c->words[i].text, "commands")) continue;
        if (k-- == 0) return c->words[i].col + s->cur_col0 - 1;
    }
    return 0;
}

/* series with several runs: every one on the first one's dataset and rows. */
static int series_check_runs(plot_req *q, const od_run *r, const od_frame *f)
{
    od_session *s = q->s;
    const od_run *r0 = q->runs[0];
    if (!r)
        return cmd_error_at(s, run_word_col(s, q->c, 0), "plot series: %s was made on %zu rows of %s, not on the %zu rows drawn",
                            r0->name, r0->n, r0->dataset, f->nrow);
    for (size_t k = 1; k < q->nr; k++) {
        const od_run *rk = q->runs[k];
        if (strcmp(rk->dataset, r0->dataset) || rk->n != f->nrow)
            return cmd_error_at(s, run_word_col(s, q->c, k), "plot series: %s was made on %s (%zu rows), not on %s (%zu rows) like %s",
                                rk->name, rk->dataset, rk->n, r0->dataset, f->nrow, r0->name);
    }
    return 0;
}

static int build_series(plot_req *q)
{
    od_run *r;
    od_version *v = series_source(q, &r);
    if (!v) return OD_ESTATE;
    const od_frame *f = v->frame;
    int rc = q->nr > 1 ? series_check_runs(q, r, f) : 0;
    if (rc) return rc;
    size_t idx[64], nch;
    if ((rc = series_channels(q, f, idx, &nch))) return rc;
    const double *y[64];
    const char *names[64];
    for (size_t k = 0; k < nch; k++) { y[k] = f->cols[idx[k]].num; names[k] = f->cols[idx[k]].name; }
    long tcol = od_frame_role(f, OD_ROLE_TIME), lc = od_frame_role(f, OD_ROLE_LABEL);
    int *lab = NULL;
    od_plot_series_panel *pan = NULL;
    size_t np = q->nr > 1 ? q->nr : 0;
    if (np && !(pan = od_calloc(q->s->ctx, np, sizeof *pan))) return cmd_fail(q->s, OD_ENOMEM);
    if (lc >= 0 && !(lab = od_mallocn(q->s->ctx, f->nrow ? f->nrow : 1, sizeof *lab))) {
        free(pan);
        return cmd_fail(q->s, OD_ENOMEM);
    }
    for (size_t i = 0; lab && i < f->nrow; i++) lab[i] = f->cols[lc].num[i] == 1;
    /* the title names the dataset and the runs */
    const od_dataset *ds = r ? od_ws_dataset(q->s->ws, r->dataset) : od_ws_current(q->s->ws);
    const char *dname = ds ? ds->name : "series";
    char title[512];
    int tl = snprintf(title, sizeof title, "%s", dname);
    for (size_t k = 0; k < (np ? np : r ? 1 : 0) && tl >= 0 && (size_t)tl < sizeof title; k++) {
        const od_run *rk = np ? q->runs[k] : r;
        tl += snprintf(title + tl, sizeof title - (size_t)tl, "%s%s", k ? ", " : ": scores of ", rk->name);
    }
    for (size_t k = 0; k < np; k++) {
        const od_run *rk = q->runs[k];
        pan[k] = (od_plot_series_panel){ .score = rk->scores, .name = rk->name,
                                         .threshold = rk->thr.set && !rk->thr.point ? rk->thr.value : NAN };
    }
    od_plot_series_data d = { .n = f->nrow, .t = tcol >= 0 ? f->cols[tcol].num : NULL, .t_epoch = tcol >= 0,
                              .nch = nch, .y = y, .names = names, .label = lab,
                              .score = r && !np ? r->scores : NULL, .score_name = r ? r->name : NULL,
                              .threshold = r && r->thr.set && !r->thr.point ? r->thr.value : NAN,
                              .panels = pan, .npanels = np, .title = title };
    rc = od_plot_series(q->s->ctx, q->script, q->o, &d);
    free(lab);
    free(pan);
    return rc ? cmd_fail(q->s, rc) : 0;
}

/* scatter: the axes, x= and y= or the two features or the first two
 * principal components (*pcs, freed by the caller). */
static int scatter_axes(plot_req *q, const od_frame *f, od_plot_scatter_data *d, od_frame **pcs)
{
    od_session *s = q->s;
    const char *xn = cmd_optval(q->c, "x"), *yn = cmd_optval(q->c, "y");
    if (!!xn != !!yn) return cmd_error_at(s, 0, "plot scatter: give both x=COL and y=COL (or neither for the first two principal components)");
    long a, b;
    if (xn) {
        a = od_frame_find(f, xn);
        b = od_frame_find(f, yn);
        if (a < 0 || !f->cols[a].num) return cmd_error_at(s, cmd_opt_entry(q->c, "x")->vcol, "plot scatter: no numeric column named '%s'", xn);
        if (b < 0 || !f->cols[b].num) return cmd_error_at(s, cmd_opt_entry(q->c, "y")->vcol, "plot scatter: no numeric column named '%s'", yn);
    } else {
        size_t idx[4096];
        size_t nd = f->ncol < 4096 ? od_frame_feature_cols(f, idx) : 3;
        if (nd < 2) return cmd_fail(s, od_error(s->ctx, OD_EDATA, "plot scatter: need at least two feature columns"));
        if (nd == 2) {
            a = (long)idx[0];
            b = (long)idx[1];
        } else {
            od_pca_opts po = { .k = 2 };
            int rc = od_prep_pca(s->ctx, f, &po, NULL, pcs, NULL, NULL);
            if (rc) return cmd_fail(s, rc);
            f = *pcs;
            a = od_frame_find(f, "PC1");
            b = od_frame_find(f, "PC2");
        }
    }
    d->x = f->cols[a].num;
    d->y = f->cols[b].num;
    d->xname = f->cols[a].name;
    d->yname = f->cols[b].name;
    return 0;
}

/* scatter: the colouring (by=, default: the run's clusters or score, else the
 * label); *lab and *cl are the caller's to free. */
static int scatter_by(plot_req *q, const od_frame *f, const od_run *r, od_plot_scatter_data *d, int **lab, int **cl)
{
    od_session *s = q->s;
    const char *by = cmd_optval(q->c, "by");
    if (!by) by = r ? (r->cluster ? "cluster" : "score") : (od_frame_role(f, OD_ROLE_LABEL) >= 0 ? "label" : "none");
    d->by = OD_PLOT_BY_NONE;
    if (!strcmp(by, "label")) {
        long lc = od_frame_role(f, OD_ROLE_LABEL);
        if (lc < 0) return cmd_error_at(s, 0, "plot scatter: by=label but the data has no label column");
        if (!(*lab = od_mallocn(s->ctx, f->nrow + 1, sizeof **lab))) return cmd_fail(s, OD_ENOMEM);
        for (size_t i = 0; i < f->nrow; i++) (*lab)[i] = isnan(f->cols[lc].num[i]) ? -1 : f->cols[lc].num[i] != 0;
        d->by = OD_PLOT_BY_LABEL;
        d->label = *lab;
    } else if (!strcmp(by, "cluster")) {
        if (!r || !r->cluster) return cmd_error_at(s, 0, "plot scatter: by=cluster needs a clustering run (plot scatter RUN by=cluster)");
        if (!(*cl = od_mallocn(s->ctx, f->nrow + 1, sizeof **cl))) return cmd_fail(s, OD_ENOMEM);
        for (size_t i = 0; i < f->nrow; i++) (*cl)[i] = (int)r->cluster[i];
        d->by = OD_PLOT_BY_CLUSTER;
        d->cluster = *cl;
    } else if (!strcmp(by, "score")) {
        if (!r) return cmd_error_at(s, 0, "plot scatter: by=score needs a run (plot scatter RUN by=score)");
        d->by = OD_PLOT_BY_SCORE;
        d->score = r->scores;
        d->cname = r->name;
    }
    return 0;
}

static int build_scatter(plot_req *q)
{
    od_session *s = q->s;
    od_run *r = q->nr ? q->runs[q->nr - 1] : NULL;
    od_version *v = r ? run_version(s, r) : NULL;
    if (!v) {
        if (!(v = cmd_version(s, NULL))) return OD_ESTATE;
        if (r && v->frame->nrow != r->n)
            return cmd_fail(s, od_error(s->ctx, OD_EDATA, "plot scatter: %s was made on other rows than the current data", r->name));
    }
    const od_frame *f = v->frame;
    od_plot_scatter_data d = { .n = f->nrow };
    od_frame *pcs = NULL;
    int *lab = NULL, *cl = NULL;
    int rc = scatter_axes(q, f, &d, &pcs);
    if (!rc) rc = scatter_by(q, f, r, &d, &lab, &cl);
    if (!rc && (rc = od_plot_scatter(s->ctx, q->script, q->o, &d))) rc = cmd_fail(s, rc);
    free(lab);
    free(cl);
    od_frame_free(pcs);
    return rc;
}

static int build_metrics(plot_req *q)
{
    od_session *s = q->s;
    od_run *r = q->runs[0];
    int part;
    if (cmd_parse_on(s, q->c, r, &part)) return OD_EINVAL;
    od_curve *cu = run_curve(s, r, part);
    if (!cu) return cmd_fail(s, OD_EINVAL);
    od_curve_info info;
    od_curve_get_info(cu, &info);
    size_t m = info.n_thresholds;
    double *th = od_mallocn(s->ctx, m + 1, sizeof *th), *p = od_mallocn(s->ctx, m + 1, sizeof *p);
    double *re = od_mallocn(s->ctx, m + 1, sizeof *re);
    size_t *tp = od_mallocn(s->ctx, m + 1, sizeof *tp), *fp = od_mallocn(s->ctx, m + 1, sizeof *fp);
    int rc = th && p && re && tp && fp ? 0 : OD_ENOMEM;
    if (!rc) {
        od_curve_points(cu, th, tp, fp);
        for (size_t i = 0; i < m; i++) {
            p[i] = tp[i] + fp[i] ? (double)tp[i] / (double)(tp[i] + fp[i]) : NAN;
            re[i] = info.n_pos ? (double)tp[i] / (double)info.n_pos : NAN;
        }
        od_plot_metrics_data d = { .n = m, .threshold = th, .precision = p, .recall = re,
                                   .current = r->thr.set && !r->thr.point ? r->thr.value : NAN };
        rc = od_plot_metrics(s->ctx, q->script, q->o, &d);
    }
    free(th);
    free(p);
    free(re);
    free(tp);
    free(fp);
    od_curve_free(cu);
    return rc ? cmd_fail(s, rc) : 0;
}

static int build_loss(plot_req *q)
{
    od_run *r = q->runs[0];
    if (r->log.n == 0)
        return cmd_fail(q->s, od_error(q->s->ctx, OD_EDATA, "plot loss: %s has no training history (only neural detectors keep one)", r->name));
    od_plot_loss_data d = { .n = r->log.n, .train = r->log.train, .val = r->log.val };
    int rc = od_plot_loss(q->s->ctx, q->script, q->o, &d);
    return rc ? cmd_fail(q->s, rc) : 0;
}

/* plot explain RUN ROW: the window against its forecast or reconstruction
 * (sequence models; the per-step error on the second axis), or the
 * per-feature contributions as bars, largest first (tabular detectors). */
static int build_explain(plot_req *q)
{
    od_session *s = q->s;
    const cmd_line *c = q->c;
    size_t w[2], nw = 0;
    for (size_t i = 2; i < c->nwords && nw < 2; i++)
        if (strcmp(c->words[i].text, "commands")) w[nw++] = i;
    if (nw < 2) return cmd_error_at(s, 0, "plot explain: expected RUN ROW (e.g. plot explain km 151)");
    od_run *r = cmd_run(s, c, w[0]);
    if (!r) return OD_ENOTFOUND;
    const char *t = c->words[w[1]].text;
    char *end;
    long row = strtol(t, &end, 10);
    if (end == t || *end || row < 1 || (size_t)row > r->n)
        return cmd_error_at(s, c->words[w[1]].col + s->cur_col0 - 1, "plot explain: ROW '%s': expected a row number 1..%zu of %s",
                            t, r->n, r->name);
    od_run_explanation e;
    int rc = od_run_explain(s->ctx, s->ws, r, (size_t)row - 1, &e);
    if (rc) return cmd_fail(s, rc);
    od_plot_opts o = *q->o;
    char title[160];
    snprintf(title, sizeof title, "%s row %ld", r->name, row);
    if (!o.title) o.title = title;
    const od_explanation *x = &e.ex;
    if (x->steps) {
        size_t n = x->steps, c2 = 2 * x->chans;
        double *tt = od_mallocn(s->ctx, n, sizeof *tt), *err = od_calloc(s->ctx, n, sizeof *err);
        double *ys = od_mallocn(s->ctx, n * c2 + 1, sizeof *ys);
        const double **yp = od_calloc(s->ctx, c2 + 1, sizeof *yp);
        char **names = od_calloc(s->ctx, c2 + 1, sizeof *names);
        rc = tt && err && ys && yp && names ? OD_OK : OD_ENOMEM;
        int recon = od_params_is(r->p, "mode", "reconstruct");
        for (size_t ch = 0; !rc && ch < x->chans; ch++) {
            double *a = ys + (2 * ch) * n, *b = ys + (2 * ch + 1) * n;
            for (size_t k = 0; k < n; k++) {
                a[k] = x->target[k * x->chans + ch];
                b[k] = x->pred[k * x->chans + ch];
            }
            yp[2 * ch] = a;
            yp[2 * ch + 1] = b;
            size_t l = strlen(e.names[ch]) + 32;
            names[2 * ch] = od_malloc(s->ctx, l);
            names[2 * ch + 1] = od_malloc(s->ctx, l);
            if (!names[2 * ch] || !names[2 * ch + 1]) { rc = OD_ENOMEM; break; }
            snprintf(names[2 * ch], l, "%s (z)", e.names[ch]);
            snprintf(names[2 * ch + 1], l, "%s %s", e.names[ch], recon ? "reconstruction" : "forecast");
        }
        for (size_t k = 0; !rc && k < n; k++) {
            tt[k] = (double)(x->step0 + (long)k + 1);
            for (size_t ch = 0; ch < x->chans; ch++) err[k] += x->err[k * x->chans + ch];
        }
        if (!rc) {
            od_plot_series_data d = { .n = n, .t = tt, .nch = c2, .y = yp, .names = (const char *const *)names,
                                      .score = err, .score_name = "squared error", .threshold = NAN };
            if (!o.xlabel) o.xlabel = "row";
            rc = od_plot_series(s->ctx, q->script, &o, &d);
        }
        for (size_t k = 0; names && k < c2; k++) free(names[k]);
        free(names);
        free(yp);
        free(ys);
        free(err);
        free(tt);
    } else if (x->contrib) {
        /* bars, largest first */
        size_t d = x->d, *idx = od_mallocn(s->ctx, d + 1, sizeof *idx);
        double *v = od_mallocn(s->ctx, d + 1, sizeof *v);
        const char **nm = od_mallocn(s->ctx, d + 1, sizeof *nm);
        rc = idx && v && nm ? OD_OK : OD_ENOMEM;
        for (size_t j = 0; !rc && j < d; j++) idx[j] = j;
        for (size_t a = 1; !rc && a < d; a++)   /* insertion sort: stable, d is small */
            for (size_t b = a; b > 0 && x->contrib[idx[b]] > x->contrib[idx[b - 1]]; b--) {
                size_t tmp = idx[b];
                idx[b] = idx[b - 1];
                idx[b - 1] = tmp;
            }
        for (size_t j = 0; !rc && j < d; j++) {
            v[j] = x->contrib[idx[j]];
            nm[j] = e.names[idx[j]];
        }
        if (!rc) {
            od_plot_bars_data bd = { .n = d, .value = v, .names = nm, .ylabel = "contribution" };
            rc = od_plot_bars(s->ctx, q->script, &o, &bd);
        }
        free(idx);
        free(v);
        free(nm);
    } else {
        rc = od_error(s->ctx, OD_EDATA, "plot explain: %s has nothing to draw for row %ld", r->name, row);
    }
    od_run_explanation_done(&e);
    return rc ? cmd_fail(s, rc) : 0;
}

/* plot elbow ALGO k=GRID [silhouette=yes]: SSE (kmeans) or BIC and AIC
 * (gmm) against k, the chosen k marked, the silhouette on the second axis. */
static int build_elbow(plot_req *q)
{
    od_session *s = q->s;
    const cmd_line *c = q->c;
    size_t w = 2;
    while (w < c->nwords && !strcmp(c->words[w].text, "commands")) w++;
    if (w >= c->nwords) return cmd_error_at(s, 0, "plot elbow: expected a detector: plot elbow kmeans k=2..12 or plot elbow gmm k=1..10");
    const char *algo = c->words[w].text;
    const od_detector_type *t = od_detector_find(algo);
    if (!t || (strcmp(algo, "kmeans") && strcmp(algo, "gmm")))
        return cmd_error_at(s, c->words[w].col, "plot elbow: '%s': the elbow is drawn for kmeans (SSE) or gmm (BIC and AIC)", algo);
    for (size_t i = w + 1; i < c->nwords; i++)
        if (strcmp(c->words[i].text, "commands"))
            return cmd_error_at(s, c->words[i].col, "plot elbow: unexpected word '%s' (usage: plot elbow kmeans|gmm k=LO..HI [silhouette=yes])", c->words[i].text);
    const cmd_opt *ko = cmd_opt_entry(c, "k");
    if (!ko) return cmd_error_at(s, 0, "plot elbow: expected k=LO..HI (e.g. k=2..12)");
    int sil = 0;
    if (cmd_opt_bool(s, c, "silhouette", &sil) < 0) return OD_EINVAL;
    const od_param_spec *spec = NULL;
    for (size_t i = 0; i < t->nparams; i++)
        if (!strcmp(t->params[i].name, "k")) spec = &t->params[i];
    od_grid_axis ax;
    int rc = od_grid_axis_parse(s->ctx, spec, "k", ko->val, &ax);
    if (rc) return cmd_fail_opt(s, c, rc, "plot elbow");
    if (ax.n < 2) { od_grid_axis_done(&ax); return cmd_error_at(s, ko->vcol, "plot elbow: k=%s: give at least two values", ko->val); }
    od_dataset *d = cmd_dataset(s);
    od_elbow e;
    if (!d) { od_grid_axis_done(&ax); return OD_ESTATE; }
    rc = od_elbow_run(s->ctx, d, t, &ax, sil, &e);
    od_grid_axis_done(&ax);
    if (rc) return cmd_fail_opt(s, c, rc, "plot elbow");
    int km = !strcmp(algo, "kmeans");
    char mark[96] = "", title[160];
    double mx = e.chosen == SIZE_MAX ? NAN : e.k[e.chosen];
    if (!isnan(mx)) snprintf(mark, sizeof mark, "chosen k=%g", mx);
    snprintf(title, sizeof title, "%s elbow on %zu training rows: %s", algo, e.rows, km ? "SSE against k" : "BIC and AIC against k");
    od_plot_xy_series ser[3];
    size_t ns = 0;
    if (km) ser[ns++] = (od_plot_xy_series){ .name = "SSE (inertia)", .x = e.k, .y = e.sse, .n = e.n, .lines = 1 };
    else {
        ser[ns++] = (od_plot_xy_series){ .name = "BIC", .x = e.k, .y = e.bic, .n = e.n, .lines = 1 };
        ser[ns++] = (od_plot_xy_series){ .name = "AIC", .x = e.k, .y = e.aic, .n = e.n, .lines = 1 };
    }
    if (sil) ser[ns++] = (od_plot_xy_series){ .name = "silhouette", .x = e.k, .y = e.silhouette, .n = e.n, .lines = 1, .y2 = 1 };
    od_plot_xy_panel P = { .xlabel = "k", .ylabel = km ? "SSE" : "BIC, AIC", .y2label = "silhouette", .s = ser, .ns = ns,
                           .mark_x = mx, .mark_label = mark };
    /* the numbers and the rule, so the choice is explained where it is drawn */
    FILE *fp = s->outfp;
    if (!wants_commands(c)) {
        fprintf(fp, "%s elbow on %zu training rows; chosen k=%s by %s\n", algo, e.rows, isnan(mx) ? "-" : fmtg(mx, 6), e.rule);
        for (size_t i = 0; i < e.n; i++) {
            fprintf(fp, "  k=%-4g", e.k[i]);
            if (km) fprintf(fp, "  SSE %s", fmtg(e.sse[i], 6));
            else fprintf(fp, "  BIC %s  AIC %s", fmtg(e.bic[i], 7), fmtg(e.aic[i], 7));
            if (sil) fprintf(fp, "  silhouette %s", fmtg(e.silhouette[i], 4));
            fprintf(fp, "%s\n", i == e.chosen ? "  <- chosen" : "");
        }
        if (sil && e.sil_best != SIZE_MAX) fprintf(fp, "  the best silhouette is at k=%g\n", e.k[e.sil_best]);
    }
    rc = od_plot_xy(s->ctx, q->script, q->o, "elbow", title, &P, 1);
    od_elbow_done(&e);
    return rc ? cmd_fail(s, rc) : 0;
}

/* plot search RUN: the metric against each searched parameter, one panel
 * per parameter: every configuration (mean +- sd over the folds) and the
 * best at each value, the best configuration marked. */
static int build_search(plot_req *q)
{
    od_session *s = q->s;
    const od_run *r = q->runs[0];
    const od_search *S = r->search;
    if (!S) return cmd_fail(s, od_error(s->ctx, OD_EDATA, "plot search: %s was not made by search (try: search kmeans k=2..8 as %s)", r->name, r->name));
    size_t na = S->grid.nax, n = S->ndone;
    if (!na || !n) return cmd_fail(s, od_error(s->ctx, OD_EDATA, "plot search: the search of %s has no completed configuration", r->name));
    od_plot_xy_panel *P = od_calloc(s->ctx, na, sizeof *P);
    od_plot_xy_series *ser = od_calloc(s->ctx, 2 * na, sizeof *ser);
    double *buf = od_mallocn(s->ctx, (5 * n + 1) * na, sizeof *buf);
    int rc = P && ser && buf ? 0 : OD_ENOMEM;
    const od_search_row *best = od_search_best(S);
    size_t bvi[OD_GRID_MAX_PARAMS], vi[OD_GRID_MAX_PARAMS];
    if (best) od_grid_config(&S->grid, best->config, bvi);
    char ylab[64];
    snprintf(ylab, sizeof ylab, "%s (%s)", S->crit.name, S->crit.higher_better ? "higher is better" : "lower is better");
    for (size_t a = 0; a < na && !rc; a++) {
        const od_grid_axis *ax = &S->grid.ax[a];
        double *x = buf + a * (5 * n + 1), *y = x + n, *e = y + n, *bx = e + n, *by = bx + n;
        int numeric = 1;
        for (size_t v = 0; v < ax->n; v++) {
            char *end;
            strtod(ax->vals[v], &end);
            numeric &= *end == 0;
        }
        for (size_t i = 0; i < n; i++) {
            const od_search_row *row = &S->rows[i];
            od_grid_config(&S->grid, row->config, vi);
            x[i] = numeric ? strtod(ax->vals[vi[a]], NULL) : (double)vi[a];
            y[i] = row->mean;
            e[i] = row->sd;
        }
        size_t nb = 0;
        for (size_t v = 0; v < ax->n; v++) {   /* the best mean at each value of this parameter */
            double b = NAN;
            for (size_t i = 0; i < n; i++) {
                od_grid_config(&S->grid, S->rows[i].config, vi);
                double m = S->rows[i].mean;
                if (vi[a] != v || isnan(m)) continue;
                if (isnan(b) || (S->crit.higher_better ? m > b : m < b)) b = m;
            }
            if (isnan(b)) continue;
            bx[nb] = numeric ? strtod(ax->vals[v], NULL) : (double)v;
            by[nb++] = b;
        }
        ser[2 * a] = (od_plot_xy_series){ .name = "configurations (mean +- sd)", .x = x, .y = y, .err = e, .n = n };
        ser[2 * a + 1] = (od_plot_xy_series){ .name = "best at each value", .x = bx, .y = by, .n = nb, .lines = 1 };
        P[a] = (od_plot_xy_panel){ .title = ax->name, .xlabel = ax->name, .ylabel = ylab, .xlabels = numeric ? NULL : (const char *const *)ax->vals,
                                   .nx = ax->n, .s = &ser[2 * a], .ns = 2, .mark_label = "best",
                                   .mark_x = !best ? NAN : numeric ? strtod(ax->vals[bvi[a]], NULL) : (double)bvi[a] };
    }
    char title[160];
    snprintf(title, sizeof title, "search %s: %s over %zu folds (%s)", S->detector, S->crit.name, S->nfolds, r->name);
    if (!rc) rc = od_plot_xy(s->ctx, q->script, q->o, "search", title, P, na);
    free(P);
    free(ser);
    free(buf);
    return rc ? cmd_fail(s, rc) : 0;
}

/* The plot kinds: dispatch, the error listing them, the usage line, `help
 * plot` and completion all read this table.  Adding a kind is one entry
 * (and its builder).  help: continuation lines are indented under the first. */
typedef struct {
    const char *name;
    unsigned needs;
    const char *help;
    int (*build)(plot_req *q);
} plot_kind;

static const plot_kind kinds[] = {
    { "roc", NEED_RUNS | NEED_LABELS, "ROC curves of the runs, AUC in the legend, chance diagonal, threshold point", build_roc },
    { "pr", NEED_RUNS | NEED_LABELS, "precision-recall curves, AP in the legend, prevalence baseline", build_pr },
    { "pdf", NEED_RUNS | ONE_RUN,
      "score densities of normal and anomalous rows (histogram + KDE), the\n"
      "threshold and the false-positive / false-negative areas shaded; log=x\n"
      "for heavy-tailed scores: densities of log10(score), x axis in score units", build_pdf },
    { "series", 0,
      "the series with labelled anomalies shaded, flagged points marked and\n"
      "the run's score on the second axis; plot series RUN1 RUN2 ... stacks one\n"
      "panel per run (its score, threshold line and flagged points) under the\n"
      "channels, sharing the x axis (runs on the same dataset and rows)", build_series },
    { "scatter", 0,
      "two columns (x= y=) or the first two principal components, coloured by\n"
      "label, a run's clusters or its score", build_scatter },
    { "metrics", NEED_RUNS | NEED_LABELS | ONE_RUN, "precision, recall and F1 against the threshold", build_metrics },
    { "loss", NEED_RUNS | ONE_RUN, "training and validation loss per epoch of a neural run", build_loss },
    { "explain", OWN_WORDS,
      "plot explain RUN ROW: the window against its forecast or reconstruction\n"
      "(neural runs, squared error on the second axis) or the per-feature\n"
      "contributions as bars, largest first (see explain)", build_explain },
    { "elbow", OWN_WORDS,
      "plot elbow kmeans|gmm k=LO..HI [silhouette=yes]: SSE (kmeans) or BIC and\n"
      "AIC (gmm) against k on the training rows, the chosen k marked (kmeans: the\n"
      "kneedle point, farthest below the line from the first to the last point;\n"
      "gmm: the least BIC); silhouette=yes adds the mean silhouette on a second axis", build_elbow },
    { "search", NEED_RUNS | ONE_RUN,
      "plot search RUN: the metric of a search against each parameter searched\n"
      "(mean +- sd over the folds), the best configuration marked", build_search },
};
enum { NKINDS = sizeof kinds / sizeof kinds[0] };

/* The kind's runs into q, checked against what the kind needs. */
static int plot_kind_runs(plot_req *q, const plot_kind *k)
{
    od_session *s = q->s;
    if (k->needs & OWN_WORDS) return 0;
    if (!(q->runs = plot_runs(s, q->c, &q->nr, (k->needs & NEED_RUNS) != 0))) return OD_EINVAL;
    if ((k->needs & NEED_RUNS) && !q->nr) return cmd_error_at(s, 0, "plot %s: no runs yet (try: detect kmeans k=4)", k->name);
    if ((k->needs & ONE_RUN) && q->nr > 1) q->nr = 1;
    for (size_t i = 0; (k->needs & NEED_LABELS) && i < q->nr; i++)
        if (!q->runs[i]->labels)
            return cmd_fail(s, od_error(s->ctx, OD_EDATA, "plot %s: %s has no labels (a %s curve needs them; plot pdf works without)",
                                        k->name, q->runs[i]->name, k->name));
    return 0;
}

/* The gnuplot script of `plot KIND ...` into script. */
static int plot_script(od_session *s, const cmd_line *c, const od_plot_opts *o, od_out *script)
{
    const char *kind = c->words[1].text;
    const plot_kind *k = NULL;
    for (size_t i = 0; i < NKINDS && !k; i++)
        if (!strcmp(kind, kinds[i].name)) k = &kinds[i];
    if (!k) {
        char list[256] = "";
        for (size_t i = 0; i < NKINDS; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", kinds[i].name);
        return cmd_error_at(s, c->words[1].col, "plot: unknown kind '%s' (%s)", kind, list);
    }
    plot_req q = { .s = s, .c = c, .script = script, .o = o };
    int rc = plot_kind_runs(&q, k);
    if (!rc) rc = k->build(&q);
    free(q.runs);
    return rc;
}

void cmd_plot_close(od_session *s)
{
    if (s->plot) od_gnuplot_close(s->plot);
    s->plot = NULL;
}

/* Run the script through the session's gnuplot (started on first use) and
 * show the dumb terminal's text or say which file was written. */
static int plot_render(od_session *s, const od_plot_opts *o, const char *script, const char *shown)
{
    if (!s->plot) {
        od_gnuplot *gp;
        int rc = od_gnuplot_open(s->ctx, NULL, &gp);
        if (rc) return cmd_fail(s, rc);
        s->plot = gp;
    }
    if (o->term == OD_PLOT_TERM_WINDOW && !od_gnuplot_has_terminal(s->plot, o->window))
        return cmd_fail(s, od_error(s->ctx, OD_ENOTFOUND, "plot: this gnuplot has no %s terminal (apt-get install gnuplot-qt), or use the terminal (set terminal=dumb) or to=FILE.png", o->window));
    if (o->term == OD_PLOT_TERM_SIXEL && !od_gnuplot_has_terminal(s->plot, "sixelgd"))
        return cmd_fail(s, od_error(s->ctx, OD_ENOTFOUND, "plot: terminal=sixel: this gnuplot lacks the sixelgd terminal (a gnuplot built with libgd has it), or use set terminal=dumb"));
    od_out *text = od_out_buffer();
    int rc = text ? od_gnuplot_run(s->ctx, s->plot, script, text, 60) : OD_ENOMEM;
    if (rc) rc = cmd_fail(s, rc);
    else if (o->term == OD_PLOT_TERM_DUMB || o->term == OD_PLOT_TERM_SIXEL) fputs(od_out_str(text), s->outfp);
    else if (o->output) fprintf(s->outfp, "wrote %s\n", shown ? shown : o->output);
    od_out_free(text);
    return rc;
}

static int cmd_plot(od_session *s, const cmd_line *c)
{
    od_plot_opts o;
    if (plot_opts(s, c, &o)) return OD_EINVAL;
    char *real = NULL;   /* to=FILE: the overwrite rule and --safe */
    if (o.output && !wants_commands(c) && !(real = cmd_out_path(s, c, "plot", o.output, cmd_opt_entry(c, "to")->vcol)))
        return OD_EINVAL;
    const char *shown = o.output;
    cmd_outfile out;   /* gnuplot writes a temporary file beside the target, renamed when complete */
    int rc = real ? cmd_outfile_open(s, &out, "plot", real) : 0;
    free(real);
    if (rc) return rc;
    if (shown && !wants_commands(c)) {
        cmd_outfile_detach(&out);
        o.output = out.tmp;
    }
    od_out *script = od_out_buffer();
    if (!rc) rc = script ? plot_script(s, c, &o, script) : cmd_fail(s, OD_ENOMEM);
    if (!rc && wants_commands(c)) fputs(od_out_str(script), s->outfp);
    else if (!rc) rc = plot_render(s, &o, od_out_str(script), shown);
    if (shown && !wants_commands(c)) {
        if (rc) cmd_outfile_abort(&out);
        else rc = cmd_outfile_commit(s, &out);
    }
    od_out_free(script);
    return rc;
}

/* The usage line, `help plot` and the completion words, built from the kind
 * table before main runs (the command entry below is const and read by help,
 * the man page and completion). */
static char plot_usage[256], plot_words[128], plot_help[4096];

static void plot_help_append(const char *fmt, const char *a, const char *b)
{
    size_t l = strlen(plot_help);
    snprintf(plot_help + l, sizeof plot_help - l, fmt, a, b);
}

__attribute__((constructor)) static void plot_strings(void)
{
    for (size_t i = 0; i < NKINDS; i++) {
        size_t l = strlen(plot_words);
        snprintf(plot_words + l, sizeof plot_words - l, "%s%s", i ? "|" : "", kinds[i].name);
        const char *h = kinds[i].help, *e;
        plot_help_append("%-8s %s", kinds[i].name, "");
        for (; (e = strchr(h, '\n')); h = e + 1) {
            char line[160];
            snprintf(line, sizeof line, "%.*s", (int)(e - h), h);
            plot_help_append("%s\n%s", line, "         ");
        }
        plot_help_append("%s\n%s", h, "");
    }
    snprintf(plot_usage, sizeof plot_usage, "plot %s [RUN..] [to=FILE.png|svg|pdf] [commands] [options]", plot_words);
    plot_help_append("%s%s",
                     "Plots draw in the terminal (gnuplot's dumb terminal, sized to the window, in\n"
                     "colour unless NO_COLOR is set), as sixel graphics after `set plot\n"
                     "terminal=sixel` (gnuplot's sixelgd), in a window after `set terminal=qt`, or to a\n"
                     "file with to=.  The word `commands` prints the gnuplot script instead, to keep\n"
                     "or edit.  Names from data files are quoted so they cannot run gnuplot commands.\n\n",
                     "examples:\n  plot roc km gmm\n  plot pr km to=pr.png\n  plot pdf km\n  plot pdf km log=x\n  plot scatter km by=cluster\n"
                     "  plot series lstm to=series.svg width=1200 height=400\n  plot roc km gmm to=roc.png size=slide\n  plot series km gmm lstm\n  plot explain km 151\n  plot roc km commands\n"
                     "  plot elbow kmeans k=2..12 silhouette=yes\n  plot elbow gmm k=1..10\n  plot search km_best");
}

static const cmd_optspec plot_opts_spec[] = {
    { "to", NULL, COMPL_FILE, "write a file instead: .png, .svg or .pdf" },
    { "force", "yes|no", COMPL_NONE, "to=: replace an existing file" },
    { "on", "train|val|test|all", COMPL_NONE, "rows (default: test when split, else all)" },
    { "title", NULL, COMPL_NONE, "plot title" },
    { "width", NULL, COMPL_NONE, "width (characters in the terminal, pixels or points in files)" },
    { "height", NULL, COMPL_NONE, "height" },
    { "size", NULL, COMPL_NONE, "WIDTHxHEIGHT (1200x800), or slide: 1280x720 with 18-point text, for files" },
    { "font", NULL, COMPL_NONE, "files: font size in points" },
    { "x", NULL, COMPL_COLUMN, "scatter: x column" },
    { "y", NULL, COMPL_COLUMN, "scatter: y column" },
    { "by", "label|cluster|score|none", COMPL_NONE, "scatter: colour by" },
    { "columns", NULL, COMPL_COLUMN, "series: channels to draw (default: up to 8 features)" },
    { "bins", NULL, COMPL_NONE, "pdf: number of histogram bins (default Freedman-Diaconis)" },
    { "log", "x|none", COMPL_NONE, "pdf: x: densities of log10(score), tics in score units (default none)" },
    { "logy", "yes|no", COMPL_NONE, "loss: logarithmic y axis" },
    { "k", NULL, COMPL_NONE, "elbow: the values of k (LO..HI, LO..HI:STEP or a,b,c)" },
    { "silhouette", "yes|no", COMPL_NONE, "elbow: add the mean silhouette per k" },
    { NULL, NULL, COMPL_NONE, NULL }
};

const od_command cmd_plot_entry = {
    .name = "plot", .usage = plot_usage,
    .topic = "evaluate", .summary = "plot curves, score densities, the series or a scatter through gnuplot",
    .help = plot_help,
    .min_words = 1, .max_words = -1, .opts = plot_opts_spec, .fn = cmd_plot, .words = COMPL_WORDS,
    .word_values = plot_words,
};
