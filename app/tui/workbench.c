/* workbench.c - the full-screen workbench (see workbench.h).
 *
 * Layout (recomputed from LINES x COLS on every draw, so a resize only needs
 * a redraw): a header line; the runs pane across the top; the threshold pane
 * (left) and the plot pane (right) in the middle; the log pane; the command
 * line at the bottom.  The threshold pane reads the selected run's tune
 * model (tune_model.c): the distinct scores in decreasing order with
 * cumulative counts, so every key recounts the confusion matrix in O(1) and
 * the point-adjusted F1 in O(log n) (a binary search over the events' top
 * scores).  Enter hands `threshold RUN value=V` to the host's executor.
 *
 * Plots are drawn with braille cells (U+2800: 2x4 dots a cell) when the
 * locale is UTF-8, else with ASCII; curves are told apart by colour and
 * named in a legend line. */
#include "config.h"
#include "workbench.h"
#include "tune_model.h"
#include "run/run.h"
#include "detect/detector.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <readline/history.h>

/* ------------------------------------------------------------- the keys */

typedef enum {
    ACT_NONE, ACT_THR_DOWN, ACT_THR_UP, ACT_THR_DOWN1, ACT_THR_UP1, ACT_THR_DOWN10, ACT_THR_UP10, ACT_THR_NONE,
    ACT_THR_ALL, ACT_BEST, ACT_RESET, ACT_APPLY, ACT_RUN_PREV, ACT_RUN_NEXT, ACT_PANE, ACT_PLOT, ACT_SORT, ACT_CMD,
    ACT_HELP, ACT_QUIT, ACT_REDRAW, ACT_MARK, ACT_MENU, ACT_DETECT, ACT_THRESH, ACT_ENSEMBLE, ACT_COMPARE, ACT_METRICS
} wb_action;

typedef struct {
    int key, key2;
    const char *label;     /* as `?` shows it; NULL: shown on the line before */
    const char *what;
    wb_action act;
} wb_key;

static const wb_key wb_keys[] = {
    { KEY_LEFT, 'h', "<- -> / h l", "threshold down / up: flag one distinct score more / fewer", ACT_THR_DOWN },
    { KEY_RIGHT, 'l', NULL, NULL, ACT_THR_UP },
    { KEY_SLEFT, 'H', "Shift <- -> / H L", "coarse: flag 1% of the rows more / fewer", ACT_THR_DOWN1 },
    { KEY_SRIGHT, 'L', NULL, NULL, ACT_THR_UP1 },
    { KEY_NPAGE, 0, "PgDn / PgUp", "flag 10% more / fewer rows (in the log pane: scroll)", ACT_THR_DOWN10 },
    { KEY_PPAGE, 0, NULL, NULL, ACT_THR_UP10 },
    { KEY_HOME, 'g', "Home End / g G", "flag nothing / everything", ACT_THR_NONE },
    { KEY_END, 'G', NULL, NULL, ACT_THR_ALL },
    { 'b', 0, "b / r", "best F1 (an oracle: chosen with the labels) / the run's own", ACT_BEST },
    { 'r', 0, NULL, NULL, ACT_RESET },
    { '\n', KEY_ENTER, "Enter", "apply: runs `threshold RUN value=V` (journaled)", ACT_APPLY },
    { KEY_UP, 'k', "Up Down / k j", "previous / next run (in the log pane: scroll)", ACT_RUN_PREV },
    { KEY_DOWN, 'j', NULL, NULL, ACT_RUN_NEXT },
    { ' ', 0, "Space", "mark / unmark the run (e and the plots of a take the marked)", ACT_MARK },
    { 'a', 0, "a", "actions: the tour's commands (split, scale, detect, ...)", ACT_MENU },
    { 'd', 0, "d", "detect: pick a detector; its default options written out", ACT_DETECT },
    { 't', 0, "t", "threshold the run by a rule (percentile, mad, sse, auto, ...)", ACT_THRESH },
    { 'e', 0, "e", "ensemble of the marked runs (none marked: all of them)", ACT_ENSEMBLE },
    { 'c', 0, "c / m", "compare the runs / metrics of the run (in the log)", ACT_COMPARE },
    { 'm', 0, NULL, NULL, ACT_METRICS },
    { '\t', 0, "Tab", "next pane: runs, threshold, plot, log", ACT_PANE },
    { 'p', 0, "p / s", "plot kind: density, roc, pr, series / sort the runs", ACT_PLOT },
    { 's', 0, NULL, NULL, ACT_SORT },
    { ':', 0, ":", "command line (Up/Down history, Tab completes, Esc leaves)", ACT_CMD },
    { '?', KEY_F(1), "? / q", "this list (any key closes it) / leave the workbench", ACT_HELP },
    { 'q', 0, NULL, NULL, ACT_QUIT },
    { 12, 0, "Ctrl-L", "redraw the screen", ACT_REDRAW },
};
#define NKEYS (sizeof wb_keys / sizeof wb_keys[0])
#define RUNNING_KEYS "while a command trains: Esc or Ctrl-C stops it, q asks to stop and leave"
#define MOUSE_KEYS "click a run: select it; drag the slider: move the threshold"
#define MENU_KEYS "in a menu: Up/Down or a letter picks, Enter runs the line, Tab edits it, Esc closes"

void tui_keys_print(FILE *fp)
{
    fprintf(fp, "keys:\n");
    for (size_t i = 0; i < NKEYS; i++)
        if (wb_keys[i].label) fprintf(fp, "  %-18s %s\n", wb_keys[i].label, wb_keys[i].what);
    fprintf(fp, "  %-18s %s\n", "mouse", MOUSE_KEYS);
    fprintf(fp, "  %-18s %s\n", "menus", MENU_KEYS);
    fprintf(fp, "  %-18s %s\n", "running", RUNNING_KEYS);
}

static wb_action key_action(int ch)
{
    if (ch == '\r') ch = '\n';
    for (size_t i = 0; i < NKEYS; i++)
        if (ch == wb_keys[i].key || (wb_keys[i].key2 && ch == wb_keys[i].key2)) return wb_keys[i].act;
    return ACT_NONE;
}

/* ------------------------------------------------------------- the state */

enum { PANE_RUNS, PANE_THR, PANE_PLOT, PANE_LOG, PANE_CMD, NPANES };
enum { PLOT_DENSITY, PLOT_ROC, PLOT_PR, PLOT_SERIES, NPLOTS };
static const char *const plot_names[NPLOTS] = { "density", "roc", "pr", "series" };
enum { SORT_MADE, SORT_NAME, SORT_AUC, SORT_AP, SORT_F1, NSORTS };
static const char *const sort_names[NSORTS] = { "made", "name", "roc_auc", "ap", "best_f1" };

/* What the screen knows of one run: rebuilt after every command. */
typedef struct {
    const od_run *r;
    int part;
    tune_model tm;         /* m == 0: no scored rows */
    double auc, ap, bestf1, vuspr;   /* NaN: undefined */
    int series;
    int marked;            /* Space: taken by e and the plots of the actions menu */
    size_t pos, p0;        /* slider position; the run's own threshold's */
    size_t best;           /* best-F1 position (0: none) */
    size_t nev;            /* events (series): top score and length, by top score decreasing */
    double *evmax;
    size_t *evcum;         /* evcum[k]: points in the k+1 events with the highest top scores */
    size_t np;             /* the part's rows in row order (series plot) */
    double *ps;
    int *pl;
    double *pv;            /* the data's first numeric feature on the same rows (series plot), or NULL */
    const char *pvname;
} wb_run;

typedef struct {           /* a slider position kept across rebuilds */
    char *name;
    size_t pos;
    double thr;            /* the run's threshold when it was kept (NaN: none) */
    int marked;
} wb_keep;

#define LOG_MAX 2000

/* A menu entry: the command line it runs, or the menu it opens. */
typedef struct {
    char label[96];
    char line[512];
    int sub;               /* MENU_*: opens that menu instead */
} wb_item;

enum { MENU_NONE, MENU_ACTIONS, MENU_DETECT, MENU_THRESH };

typedef struct {
    const tui_host *h;
    wb_run *runs;
    size_t nruns, sel;
    size_t *order;         /* display order (sorted) */
    int sort, plot, focus, help, utf8, colors;
    int back;              /* the pane the command line returns to */
    char **log;
    size_t nlog, log_scroll;   /* lines from the bottom */
    char cmd[1024];
    size_t cmdlen, cmdpos;
    int hist_at;           /* history entry shown (offset from the end; 0 = the line being typed) */
    char saved[1024];      /* the line being typed while walking history */
    const char *busy;      /* the command line running (NULL: none) */
    int prog_on;           /* the last log line is a transient progress line */
    int stopping, quit_ask, quit_after;   /* Esc/Ctrl-C pressed; q asked; q confirmed */
    int runs_y, runs_h;    /* where the run rows are (mouse) */
    size_t runs_top;
    int sl_y, sl_x, sl_nb; /* where the slider is (mouse): its row, first column, width; sl_nb 0: none */
    double sl_lo, sl_wd;   /* the score at its left edge, the score width of a column */
    int dragging;          /* button 1 went down on the slider and is not up yet */
    int menu;              /* the menu open (MENU_*), MENU_NONE: none */
    wb_item *items;
    size_t nitems, msel, mtop;
} wb;

static volatile sig_atomic_t got_term, got_cont, curses_on;
/* Ctrl-C while a command runs: the cancel flag for the engine, and a note for
 * the log that outlives the command (the command clears the flag as it ends) */
static volatile sig_atomic_t got_int;
static volatile sig_atomic_t *int_cancel;
static void on_int(int sig)
{
    (void)sig;
    got_int = 1;
    if (int_cancel) *int_cancel = 1;
}

/* ------------------------------------------------------------- the log */

static void log_line(wb *w, const char *s, size_t n)
{
    if (w->nlog == LOG_MAX) {
        free(w->log[0]);
        memmove(w->log, w->log + 1, (LOG_MAX - 1) * sizeof *w->log);
        w->nlog--;
    }
    char *d = malloc(n + 1);
    if (!d) return;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r') k = 0;                          /* progress: keep the last state */
        else if (c == '\t') d[k++] = ' ';
        else if (c == 27) {                            /* an escape sequence: drop it */
            if (i + 1 < n && s[i + 1] == '[') {
                i += 2;
                while (i < n && !(s[i] >= '@' && s[i] <= '~')) i++;
            }
        } else if (c >= 32 || c >= 128) d[k++] = (char)c;
    }
    d[k] = 0;
    w->log[w->nlog++] = d;
}

static void log_text(wb *w, const char *text)
{
    if (!text) return;
    while (*text) {
        const char *e = strchr(text, '\n');
        size_t n = e ? (size_t)(e - text) : strlen(text);
        log_line(w, text, n);
        text += n + (e ? 1 : 0);
    }
}

static void logf_(wb *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(wb *w, const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_text(w, buf);
}

/* ------------------------------------------------------------ the runs */

static double metric_value(od_metric m) { return m.defined ? m.value : NAN; }

static int by_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y ? 1 : 0;
}

typedef struct {
    double top;
    size_t len;
} wb_event;

static int by_top_desc(const void *a, const void *b) { return by_desc(&((const wb_event *)a)->top, &((const wb_event *)b)->top); }

/* The events of the part's scored, labelled rows in row order (the rows
 * the series metrics use), for the point-adjusted F1 at any threshold. */
static void build_events(wb_run *x)
{
    wb_event *ev = malloc((x->np ? x->np : 1) * sizeof *ev);
    if (!ev) return;
    size_t ne = 0;
    int in = 0;
    for (size_t i = 0; i < x->np; i++) {
        if (isnan(x->ps[i]) || x->pl[i] < 0) continue;
        if (x->pl[i]) {
            if (!in) ev[ne++] = (wb_event){ x->ps[i], 0 };
            in = 1;
            ev[ne - 1].len++;
            if (x->ps[i] > ev[ne - 1].top) ev[ne - 1].top = x->ps[i];
        } else in = 0;
    }
    qsort(ev, ne, sizeof *ev, by_top_desc);
    x->evmax = malloc((ne ? ne : 1) * sizeof *x->evmax);
    x->evcum = malloc((ne ? ne : 1) * sizeof *x->evcum);
    if (!x->evmax || !x->evcum) {
        free(x->evmax);
        free(x->evcum);
        x->evmax = NULL;
        x->evcum = NULL;
        free(ev);
        return;
    }
    size_t cum = 0;
    for (size_t k = 0; k < ne; k++) {
        x->evmax[k] = ev[k].top;
        x->evcum[k] = cum += ev[k].len;
    }
    x->nev = ne;
    free(ev);
}

static void run_free(wb_run *x)
{
    tune_model_free(&x->tm);
    free(x->evmax);
    free(x->evcum);
    free(x->ps);
    free(x->pl);
    free(x->pv);
    memset(x, 0, sizeof *x);
}

static void build_run(wb *w, wb_run *x, const od_run *r)
{
    od_ctx *ctx = w->h->ctx;
    memset(x, 0, sizeof *x);
    x->r = r;
    x->auc = x->ap = x->bestf1 = x->vuspr = NAN;
    x->part = od_run_default_part(r);
    size_t k = od_run_part(ctx, r, x->part, &x->ps, &x->pl);
    if (k == (size_t)-1) {
        od_ctx_clear_error(ctx);
        x->ps = NULL;
        x->pl = NULL;
        k = 0;
    }
    x->np = k;
    /* the series plot stacks the data's first feature above the score */
    od_dataset *d = od_ws_dataset(w->h->ws, r->dataset);
    const od_frame *f = NULL;
    for (size_t v = d ? d->nv : 0; v-- > 0 && !f;)
        if (d->v[v].frame && d->v[v].frame->nrow == r->n) f = d->v[v].frame;
    long fc = -1;
    for (size_t j = 0; f && j < f->ncol && fc < 0; j++)
        if (f->cols[j].role == OD_ROLE_FEATURE && f->cols[j].type == OD_COL_NUM && f->cols[j].num) fc = (long)j;
    if (k && fc >= 0 && (x->pv = malloc(k * sizeof *x->pv))) {
        size_t m = 0;
        for (size_t i = 0; i < r->n && m < k; i++)
            if (od_run_in_part(r, x->part, i)) x->pv[m++] = f->cols[fc].num[i];
        x->pvname = f->cols[fc].name;
    }
    if (x->ps && tune_model_build(&x->tm, x->ps, r->labels ? x->pl : NULL, k)) memset(&x->tm, 0, sizeof x->tm);
    od_run_eval ev;
    if (r->labels && od_run_eval_part(ctx, r, x->part, NULL, &ev) == 0) {
        x->auc = metric_value(ev.auc);
        x->ap = metric_value(ev.ap);
        x->bestf1 = metric_value(ev.bestf1);
        if (ev.series && ev.ts_ok) x->vuspr = metric_value(ev.vus.vus_pr);
    }
    od_ctx_clear_error(ctx);
    x->series = r->is_series;
    if (x->series && r->labels && x->ps) build_events(x);
    x->best = tune_model_best_f1(&x->tm);
    if (r->thr.set) x->p0 = tune_model_position(&x->tm, r->thr.value, r->thr.strict);
    else x->p0 = tune_model_step_rows(&x->tm, 0, x->tm.n >= 100 ? (long)(x->tm.n / 100) : 1);
    x->pos = x->p0;
}

static double key_of(const wb_run *x, int sort)
{
    switch (sort) {
    case SORT_AUC: return x->auc;
    case SORT_AP: return x->ap;
    case SORT_F1: return x->bestf1;
    default: return 0;
    }
}

static wb *sort_wb;   /* qsort has no user pointer */

static int by_sort(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const wb_run *x = &sort_wb->runs[i], *y = &sort_wb->runs[j];
    int s = sort_wb->sort;
    if (s == SORT_NAME) {
        int c = strcmp(x->r->name, y->r->name);
        if (c) return c;
    } else if (s != SORT_MADE) {
        double u = key_of(x, s), v = key_of(y, s);
        if (isnan(u) != isnan(v)) return isnan(u) ? 1 : -1;   /* undefined last */
        if (u > v) return -1;
        if (u < v) return 1;
    }
    return i < j ? -1 : i > j;
}

static void sort_runs(wb *w)
{
    size_t selrun = w->nruns ? w->order[w->sel] : 0;
    for (size_t i = 0; i < w->nruns; i++) w->order[i] = i;
    sort_wb = w;
    qsort(w->order, w->nruns, sizeof *w->order, by_sort);
    for (size_t i = 0; i < w->nruns; i++)
        if (w->order[i] == selrun) w->sel = i;
}

/* After a command: the runs as the workspace has them now.  A slider moved
 * and not applied stays where it was, unless the run's threshold changed. */
static void rebuild(wb *w)
{
    const char *selname = NULL;
    char selbuf[256] = "";
    wb_keep *keep = calloc(w->nruns ? w->nruns : 1, sizeof *keep);
    size_t nkeep = 0;
    if (w->nruns) {
        snprintf(selbuf, sizeof selbuf, "%s", w->runs[w->order[w->sel]].r->name);
        selname = selbuf;
    }
    for (size_t i = 0; i < w->nruns; i++) {
        if (keep && (keep[nkeep].name = strdup(w->runs[i].r->name))) {
            keep[nkeep].pos = w->runs[i].pos;
            keep[nkeep].thr = w->runs[i].r->thr.set ? w->runs[i].r->thr.value : NAN;
            keep[nkeep].marked = w->runs[i].marked;
            nkeep++;
        }
        run_free(&w->runs[i]);
    }
    free(w->runs);
    free(w->order);
    const od_workspace *ws = w->h->ws;
    w->nruns = 0;
    w->sel = 0;
    w->runs = calloc(ws->nruns ? ws->nruns : 1, sizeof *w->runs);
    w->order = calloc(ws->nruns ? ws->nruns : 1, sizeof *w->order);
    if (w->runs && w->order) {
        for (size_t i = 0; i < ws->nruns; i++) {
            wb_run *x = &w->runs[w->nruns++];
            build_run(w, x, ws->runs[i]);
            for (size_t k = 0; k < nkeep; k++) {
                if (strcmp(keep[k].name, x->r->name)) continue;
                x->marked = keep[k].marked;
                double t = x->r->thr.set ? x->r->thr.value : NAN;
                if ((isnan(t) && isnan(keep[k].thr)) || t == keep[k].thr)
                    x->pos = keep[k].pos > x->tm.m ? x->tm.m : keep[k].pos;
            }
        }
        for (size_t i = 0; i < w->nruns; i++) w->order[i] = i;
        sort_runs(w);
        /* the selection follows the run by name; a new run is selected */
        size_t found = w->nruns;
        for (size_t i = 0; selname && i < w->nruns; i++)
            if (!strcmp(w->runs[w->order[i]].r->name, selname)) found = i;
        if (w->nruns > nkeep && w->nruns) {
            for (size_t i = 0; i < w->nruns; i++)
                if (w->order[i] == w->nruns - 1) found = i;
        }
        w->sel = found < w->nruns ? found : 0;
    } else {
        free(w->runs);
        free(w->order);
        w->runs = NULL;
        w->order = NULL;
    }
    for (size_t k = 0; k < nkeep; k++) free(keep[k].name);
    free(keep);
}

static wb_run *selected(wb *w) { return w->nruns ? &w->runs[w->order[w->sel]] : NULL; }

/* ------------------------------------------------------- drawing helpers */

typedef struct {
    int y, x, h, w;
} rect;

enum { C_NORMAL = 1, C_ANOM, C_THR, C_POINT, C_TITLE, C_SEL };

static void put(const rect *b, int row, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void put(const rect *b, int row, int col, const char *fmt, ...)
{
    if (row < 0 || row >= b->h || col >= b->w) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    int room = b->w - col;
    if ((int)strlen(buf) > room) buf[room > 0 ? room : 0] = 0;
    mvaddstr(b->y + row, b->x + col, buf);
}

/* A pane's title bar: "─ Title ───" in reverse when focused. */
static void title(wb *w, const rect *b, int pane, const char *text)
{
    attr_t a = w->focus == pane ? A_REVERSE | A_BOLD : A_BOLD;
    move(b->y, b->x);
    for (int i = 0; i < b->w; i++) addch(ACS_HLINE);
    attron(a);
    char buf[512];
    snprintf(buf, sizeof buf, " %s ", text);
    if ((int)strlen(buf) > b->w - 2) buf[b->w > 2 ? b->w - 2 : 0] = 0;
    mvaddstr(b->y, b->x + 1, buf);
    attroff(a);
}

static const char *num(char *buf, size_t n, double x, const char *fmt)
{
    if (isnan(x)) snprintf(buf, n, "-");
    else snprintf(buf, n, fmt, x);
    return buf;
}

static const char *mnum(char *buf, size_t n, od_metric m)
{
    return m.defined ? (snprintf(buf, n, "%.4f", m.value), buf) : (snprintf(buf, n, "undef"), buf);
}

/* -------------------------------------------------------- braille canvas */

typedef struct {
    int cw, ch;            /* cells */
    unsigned char *bits;   /* per cell: braille dots */
    unsigned char *col;    /* per cell: colour pair (the highest wins) */
} canvas;

static int cv_new(canvas *c, int cw, int ch)
{
    c->cw = cw > 0 ? cw : 1;
    c->ch = ch > 0 ? ch : 1;
    c->bits = calloc((size_t)(c->cw * c->ch), 1);
    c->col = calloc((size_t)(c->cw * c->ch), 1);
    return c->bits && c->col ? 0 : -1;
}

static void cv_free(canvas *c)
{
    free(c->bits);
    free(c->col);
}

/* Dot (x, y): x in 0..2cw-1 from the left, y in 0..4ch-1 from the bottom. */
static void cv_dot(canvas *c, int x, int y, int color)
{
    static const unsigned char bit[4][2] = { { 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 } };
    if (x < 0 || y < 0 || x >= 2 * c->cw || y >= 4 * c->ch) return;
    int row = 4 * c->ch - 1 - y;
    size_t cell = (size_t)(row / 4 * c->cw + x / 2);
    c->bits[cell] |= bit[row % 4][x % 2];
    if (color > c->col[cell]) c->col[cell] = (unsigned char)color;
}

static void cv_line(canvas *c, int x0, int y0, int x1, int y1, int color)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;
    for (int guard = 0; guard < 100000; guard++) {
        cv_dot(c, x0, y0, color);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * e;
        if (e2 >= dy) { e += dy; x0 += sx; }
        if (e2 <= dx) { e += dx; y0 += sy; }
    }
}

static void cv_show(wb *w, const canvas *c, int y, int x)
{
    static const char ascii[] = " .'`-:;|+*#";
    for (int r = 0; r < c->ch; r++) {
        move(y + r, x);
        for (int k = 0; k < c->cw; k++) {
            size_t cell = (size_t)(r * c->cw + k);
            unsigned b = c->bits[cell];
            int pair = c->col[cell];
            if (w->colors && pair) attron(COLOR_PAIR(pair));
            if (w->utf8) {
                char s[4] = { (char)0xE2, (char)(0xA0 | (b >> 6)), (char)(0x80 | (b & 0x3F)), 0 };
                addstr(b ? s : " ");
            } else {
                int dots = 0;
                for (unsigned v = b; v; v >>= 1) dots += (int)(v & 1);
                addch((chtype)(unsigned char)ascii[dots > 10 ? 10 : dots]);
            }
            if (w->colors && pair) attroff(COLOR_PAIR(pair));
        }
    }
}

/* ------------------------------------------------------------ the panes */

static void draw_header(wb *w)
{
    od_workspace *ws = w->h->ws;
    od_dataset *d = od_ws_current(ws);
    char buf[1024];
    size_t l = (size_t)snprintf(buf, sizeof buf, " oddity");
    if (d) {
        od_version *v = od_ds_top(d);
        l += (size_t)snprintf(buf + l, sizeof buf - l, " | dataset %s v%zu", d->name, d->nv);
        if (v && v->frame) {
            const od_frame *f = v->frame;
            l += (size_t)snprintf(buf + l, sizeof buf - l, " | %zu rows", f->nrow);
            long lc = od_frame_role(f, OD_ROLE_LABEL);
            if (lc >= 0 && f->cols[lc].num) {
                size_t a = 0, k = 0;
                for (size_t i = 0; i < f->nrow; i++)
                    if (!isnan(f->cols[lc].num[i])) { k++; a += f->cols[lc].num[i] != 0; }
                if (k) l += (size_t)snprintf(buf + l, sizeof buf - l, " | %.2f%% anomalies", 100.0 * (double)a / (double)k);
            } else l += (size_t)snprintf(buf + l, sizeof buf - l, " | no labels");
            if (l < sizeof buf) l += (size_t)snprintf(buf + l, sizeof buf - l, " | seed %lu", od_ctx_seed(w->h->ctx));
            if (l < sizeof buf)
                l += (size_t)snprintf(buf + l, sizeof buf - l, " | split %s", v->split_desc ? v->split_desc : "none");
        }
    } else {
        l += (size_t)snprintf(buf + l, sizeof buf - l, " | seed %lu | no dataset (type : load FILE)", od_ctx_seed(w->h->ctx));
    }
    attron(A_REVERSE);
    move(0, 0);
    for (int i = 0; i < COLS; i++) addch(' ');
    rect b = { 0, 0, 1, COLS };
    put(&b, 0, 0, "%s", buf);
    attroff(A_REVERSE);
}

static void draw_runs(wb *w, const rect *b)
{
    char t[128];
    snprintf(t, sizeof t, "Runs (%zu)  sort: %s [s]", w->nruns, sort_names[w->sort]);
    title(w, b, PANE_RUNS, t);
    int wide = b->w >= 70;
    rect in = { b->y + 1, b->x + 1, b->h - 1, b->w - 1 };
    if (wide) put(&in, 0, 0, "%-12s %-12s %-12s %8s %8s %8s", "run", "detector", "dataset", "ROC-AUC", "AP", "best F1");
    else put(&in, 0, 0, "%-10s %-10s %7s %7s %7s", "run", "detector", "ROC-AUC", "AP", "bestF1");
    int rows = in.h - 1;
    if (rows < 1) return;
    if (w->nruns == 0) {
        put(&in, 1, 0, "no runs yet: type : then detect ALGO (help detect)");
        return;
    }
    if (w->sel < w->runs_top) w->runs_top = w->sel;
    if (w->sel >= w->runs_top + (size_t)rows) w->runs_top = w->sel + 1 - (size_t)rows;
    w->runs_y = in.y + 1;
    w->runs_h = rows;
    for (int k = 0; k < rows && w->runs_top + (size_t)k < w->nruns; k++) {
        size_t i = w->runs_top + (size_t)k;
        const wb_run *x = &w->runs[w->order[i]];
        char a[32], p[32], f[32];
        num(a, sizeof a, x->auc, "%.4f");
        num(p, sizeof p, x->ap, "%.4f");
        num(f, sizeof f, x->bestf1, "%.4f");
        if (i == w->sel) attron(A_REVERSE);
        if (wide)
            put(&in, 1 + k, 0, "%-12.12s %-12.12s %-12.12s %8s %8s %8s%s%*s", x->r->name, x->r->algo, x->r->dataset, a, p, f,
                x->marked ? "  marked" : "", in.w, "");
        else
            put(&in, 1 + k, 0, "%-10.10s %-10.10s %7s %7s %7s%s%*s", x->r->name, x->r->algo, a, p, f, x->marked ? " *" : "",
                in.w, "");
        if (i == w->sel) attroff(A_REVERSE);
    }
}

/* The slider: the score distribution as a sparkline over the pane's width
 * (flagged cells highlighted) and a marker under the threshold. */
static void draw_slider(wb *w, const rect *in, int row, const wb_run *x)
{
    const tune_model *tm = &x->tm;
    int nb = in->w - 1;
    if (nb < 4 || tm->m == 0) return;
    double lo = tm->thr[tm->m - 1], hi = tm->thr[0];
    double wd = hi > lo ? (hi - lo) / nb : 1;
    w->sl_y = in->y + row;
    w->sl_x = in->x;
    w->sl_nb = nb;
    w->sl_lo = lo;
    w->sl_wd = hi > lo ? wd : 0;
    size_t *cnt = calloc((size_t)nb, sizeof *cnt);
    if (!cnt) return;
    for (size_t k = 0; k < tm->m; k++) {
        int b = hi > lo ? (int)((tm->thr[k] - lo) / wd) : 0;
        if (b >= nb) b = nb - 1;
        cnt[b] += tm->cnt[k] - (k ? tm->cnt[k - 1] : 0);
    }
    size_t cmax = 1;
    for (int b = 0; b < nb; b++) if (cnt[b] > cmax) cmax = cnt[b];
    double t = tune_model_value(tm, x->pos);
    int tb = x->pos == 0 ? nb : hi > lo ? (int)((t - lo) / wd) : 0;
    if (tb > nb) tb = nb;
    static const char *const blocks[] = { " ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
    static const char ascii[] = " .:-=+*#%@";
    for (int b = 0; b < nb; b++) {
        int lv = 0;
        if (cnt[b]) lv = 1 + (cmax > 1 ? (int)(7.0 * log((double)cnt[b]) / log((double)cmax)) : 7);
        int flagged = b >= tb;
        if (flagged) attron(w->colors ? COLOR_PAIR(C_ANOM) : A_BOLD);
        if (w->utf8) mvaddstr(in->y + row, in->x + b, blocks[lv > 8 ? 8 : lv]);
        else mvaddch(in->y + row, in->x + b, (chtype)(unsigned char)ascii[lv > 9 ? 9 : lv]);
        if (flagged) attroff(w->colors ? COLOR_PAIR(C_ANOM) : A_BOLD);
    }
    move(in->y + row + 1, in->x);
    for (int b = 0; b < nb; b++) addch(ACS_HLINE);
    mvaddch(in->y + row + 1, in->x + (tb < nb ? tb : nb - 1), tb < nb ? '^' : '>');
    free(cnt);
}

static void draw_thr(wb *w, const rect *b)
{
    wb_run *x = selected(w);
    char t[300];
    snprintf(t, sizeof t, "Threshold%s%s", x ? " of " : "", x ? x->r->name : "");
    title(w, b, PANE_THR, t);
    rect in = { b->y + 1, b->x + 1, b->h - 1, b->w - 1 };
    if (!x) { put(&in, 0, 0, "no run selected"); return; }
    const tune_model *tm = &x->tm;
    if (tm->m == 0) { put(&in, 0, 0, "%s has no scored rows in the %s part", x->r->name, od_run_part_name(x->part)); return; }
    char a[40], c[40], d[40], e[40];
    draw_slider(w, &in, 0, x);
    tune_counts k = tune_model_counts(tm, x->pos);
    double v = tune_model_value(tm, x->pos);
    put(&in, 2, 0, "score >= %-11s flags %zu/%zu %s", num(a, sizeof a, v, "%.6g"), k.flagged, tm->n, od_run_part_name(x->part));
    if (x->r->thr.set)
        put(&in, 3, 0, "rule%s: %s%s", x->r->thr.point ? " (per point; slider at its last)" : "",
            x->pos == x->p0 ? "" : "(Enter: value) now ", x->r->thr.desc ? x->r->thr.desc : "set");
    else put(&in, 3, 0, "rule: none yet (Enter applies value=V)");
    if (!tm->labelled) {
        put(&in, 4, 0, "no labels: precision, recall and F1 need");
        put(&in, 5, 0, "a label column (load ... label=COL)");
        return;
    }
    od_confusion cm = { k.tp, k.fp, k.tn, k.fn };
    put(&in, 4, 0, "P %s  R %s  F1 %s", mnum(a, sizeof a, od_metric_precision(&cm)), mnum(c, sizeof c, od_metric_recall(&cm)),
        mnum(d, sizeof d, od_metric_f1(&cm)));
    put(&in, 5, 0, "MCC %s  best F1 %s (b)", mnum(a, sizeof a, od_metric_mcc(&cm)),
        x->best ? num(e, sizeof e, tune_model_counts(tm, x->best).f1, "%.4f") : "-");
    put(&in, 6, 0, "%-10s %8s %8s %7s", "", "flagged", "passed", "total");
    put(&in, 7, 0, "%-10s %8zu %8zu %7zu", "anomalous", k.tp, k.fn, tm->npos);
    put(&in, 8, 0, "%-10s %8zu %8zu %7zu", "normal", k.fp, k.tn, tm->n - tm->npos);
    put(&in, 9, 0, "%-10s %8zu %8zu %7zu", "total", k.flagged, tm->n - k.flagged, tm->n);
    if (x->series) {
        char pa[40] = "-";
        if (x->evmax) {
            /* events whose top score reaches v are flagged whole */
            size_t lo = 0, hi = x->nev;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (x->evmax[mid] >= v) lo = mid + 1;
                else hi = mid;
            }
            size_t tp = lo ? x->evcum[lo - 1] : 0, fp = k.fp, fn = tm->npos - tp;
            od_confusion pcm = { tp, fp, 0, fn };
            mnum(pa, sizeof pa, od_metric_f1(&pcm));
        }
        put(&in, 10, 0, "PA-F1 %s  VUS-PR %s", pa, num(a, sizeof a, x->vuspr, "%.4f"));
    } else put(&in, 10, 0, "(PA-F1, VUS-PR: series only)");
}

/* Score range of the density plot: the top 0.5% may be cut off when they
 * would squeeze everything else into a few columns (as tune does). */
static void density_range(const tune_model *tm, double *lo, double *hi)
{
    *lo = tm->thr[tm->m - 1];
    *hi = tm->thr[0];
    size_t top = (size_t)ceil(0.005 * (double)tm->n);
    size_t pq = tune_model_step_rows(tm, 0, (long)top);
    if (pq > 0 && pq < tm->m) {
        double q = tm->thr[pq - 1];
        if (*hi - q > 4 * (q - *lo) && q > *lo) *hi = q;
    }
}

static void plot_density(wb *w, canvas *c, const wb_run *x, char *legend, size_t nl)
{
    const tune_model *tm = &x->tm;
    int W = c->cw, H = 4 * c->ch;   /* one bin per cell column */
    double lo, hi;
    density_range(tm, &lo, &hi);
    double wd = hi > lo ? (hi - lo) / W : 1;
    double *h0 = calloc((size_t)W, sizeof *h0), *h1 = calloc((size_t)W, sizeof *h1);
    if (!h0 || !h1) { free(h0); free(h1); return; }
    for (size_t k = 0; k < tm->m; k++) {
        int b = hi > lo ? (int)((tm->thr[k] - lo) / wd) : 0;
        if (b >= W) b = W - 1;
        size_t all = tm->cnt[k] - (k ? tm->cnt[k - 1] : 0), pos = tm->labelled ? tm->tp[k] - (k ? tm->tp[k - 1] : 0) : 0;
        h0[b] += (double)(all - pos);
        h1[b] += (double)pos;
    }
    /* smoothed [1 2 1] / 4; each class scaled to its own peak: both shapes stay visible */
    for (int pass = 0; pass < 2; pass++) {
        double *h = pass ? h1 : h0, prev = 0;
        for (int b = 0; b < W; b++) {
            double cur = h[b], next = b + 1 < W ? h[b + 1] : 0;
            h[b] = (prev + 2 * cur + next) / 4;
            prev = cur;
        }
    }
    double m0 = 0, m1 = 0;
    for (int b = 0; b < W; b++) { if (h0[b] > m0) m0 = h0[b]; if (h1[b] > m1) m1 = h1[b]; }
    int py0 = -1, py1 = -1;
    for (int b = 0; b < W; b++) {
        int y0 = m0 > 0 ? (int)lround(h0[b] / m0 * (H - 1)) : 0, y1 = m1 > 0 ? (int)lround(h1[b] / m1 * (H - 1)) : 0;
        if (py0 >= 0) cv_line(c, 2 * b - 1, py0, 2 * b + 1, y0, C_NORMAL);
        if (tm->labelled && tm->npos && py1 >= 0) cv_line(c, 2 * b - 1, py1, 2 * b + 1, y1, C_ANOM);
        py0 = y0;
        py1 = y1;
    }
    double t = tune_model_value(tm, x->pos);
    if (t >= lo && t <= hi) {
        int tx = hi > lo ? (int)(2 * (t - lo) / wd) : 0;
        for (int y = 0; y < H; y += 2) cv_dot(c, tx, y, C_THR);
    }
    snprintf(legend, nl, "~normal%s :threshold  score %.4g..%.4g%s", tm->labelled && tm->npos ? " ~anomalous" : "", lo, hi,
             hi < tm->thr[0] ? " (top 0.5% cut)" : "");
    free(h0);
    free(h1);
    (void)w;
}

/* ROC (x FPR, y TPR) or PR (x recall, y precision) over every position. */
static void plot_curve(canvas *c, const wb_run *x, int pr, char *legend, size_t nl)
{
    const tune_model *tm = &x->tm;
    int W = 2 * c->cw, H = 4 * c->ch;
    size_t neg = tm->n - tm->npos;
    if (!tm->labelled || tm->npos == 0 || (!pr && neg == 0)) {
        snprintf(legend, nl, "%s needs labels with both classes", pr ? "PR" : "ROC");
        return;
    }
    int px = -1, py = -1;
    for (size_t p = pr ? 1 : 0; p <= tm->m; p++) {
        tune_counts k = tune_model_counts(tm, p);
        double fx = pr ? k.recall : k.fpr, fy = pr ? k.precision : k.recall;
        if (isnan(fx) || isnan(fy)) continue;
        int X = (int)lround(fx * (W - 1)), Y = (int)lround(fy * (H - 1));
        if (px >= 0) cv_line(c, px, py, X, Y, C_NORMAL);
        else cv_dot(c, X, Y, C_NORMAL);
        px = X;
        py = Y;
    }
    if (!pr) for (int i = 0; i < W && i < H * W; i += 3) cv_dot(c, i, (int)lround((double)i / (W - 1) * (H - 1)), 0);
    tune_counts k = tune_model_counts(tm, x->pos);
    double fx = pr ? k.recall : k.fpr, fy = pr ? k.precision : k.recall;
    if (!isnan(fx) && !isnan(fy)) {
        int X = (int)lround(fx * (W - 1)), Y = (int)lround(fy * (H - 1));
        for (int d = -2; d <= 2; d++) {
            cv_dot(c, X + d, Y, C_POINT);
            cv_dot(c, X, Y + d, C_POINT);
        }
    }
    /* "+at": the operating point (the threshold's); the axes run 0..1 */
    if (pr) snprintf(legend, nl, "~PR x R y P +at R %.3f P %.3f  AP %.4f", k.recall, k.precision, x->ap);
    else snprintf(legend, nl, "~ROC x FPR y TPR +at FPR %.3f TPR %.3f  ROC-AUC %.4f", k.fpr, k.recall, x->auc);
}

/* The part's scores in row order, aggregated to the width (max of each
 * column), the threshold as a line, columns with flagged rows in the flag
 * colour and labelled anomalies as dots along the bottom. */
static void plot_series(canvas *c, const wb_run *x, char *legend, size_t nl)
{
    int W = 2 * c->cw, H = 4 * c->ch;
    if (!x->np || !x->ps || x->tm.m == 0) { snprintf(legend, nl, "no scores"); return; }
    double lo = x->tm.thr[x->tm.m - 1], hi = x->tm.thr[0];
    double t = tune_model_value(&x->tm, x->pos);
    /* stacked: the data's first feature in the upper half (when the pane
     * has room), the score with its threshold and flags below */
    int dh = x->pv && H >= 16 ? H / 2 - 2 : 0;
    double dlo = NAN, dhi = NAN;
    for (size_t i = 0; dh && i < x->np; i++)
        if (isfinite(x->pv[i])) {
            if (isnan(dlo) || x->pv[i] < dlo) dlo = x->pv[i];
            if (isnan(dhi) || x->pv[i] > dhi) dhi = x->pv[i];
        }
    if (isnan(dlo)) dh = 0;
    int base = x->r->labels ? 2 : 0, HH = H - base - (dh ? dh + 4 : 0);
    if (HH < 2) HH = H, base = 0, dh = 0;
    int py = -1;
    for (int col = 0; col < W; col++) {
        size_t a = (size_t)((double)col * (double)x->np / W), b = (size_t)((double)(col + 1) * (double)x->np / W);
        if (b <= a) b = a + 1;
        if (a >= x->np) break;
        double m = NAN;
        int anom = 0;
        for (size_t i = a; i < b && i < x->np; i++) {
            if (!isnan(x->ps[i]) && (isnan(m) || x->ps[i] > m)) m = x->ps[i];
            if (x->pl[i] > 0) anom = 1;
        }
        if (anom && base) cv_dot(c, col, 0, C_ANOM);
        if (dh) {   /* the data above: its min..max over the column */
            double vlo = NAN, vhi = NAN;
            for (size_t i = a; i < b && i < x->np; i++)
                if (isfinite(x->pv[i])) {
                    if (isnan(vlo) || x->pv[i] < vlo) vlo = x->pv[i];
                    if (isnan(vhi) || x->pv[i] > vhi) vhi = x->pv[i];
                }
            if (!isnan(vlo)) {
                int y0 = H - dh + (dhi > dlo ? (int)lround((vlo - dlo) / (dhi - dlo) * (dh - 1)) : 0);
                int y1 = H - dh + (dhi > dlo ? (int)lround((vhi - dlo) / (dhi - dlo) * (dh - 1)) : 0);
                cv_line(c, col, y0, col, y1, C_NORMAL);
            }
        }
        if (isnan(m)) { py = -1; continue; }
        int y = base + (hi > lo ? (int)lround((m - lo) / (hi - lo) * (HH - 1)) : 0);
        int color = m >= t ? C_ANOM : C_NORMAL;
        if (py >= 0) cv_line(c, col - 1, py, col, y, color);
        else cv_dot(c, col, y, color);
        py = y;
    }
    if (t >= lo && t <= hi) {
        int ty = base + (hi > lo ? (int)lround((t - lo) / (hi - lo) * (HH - 1)) : 0);
        for (int col = 0; col < W; col += 2) cv_dot(c, col, ty, C_THR);
    }
    if (dh) snprintf(legend, nl, "%zu rows: %s %.4g..%.4g above; score %.4g..%.4g  ~flagged  :threshold%s", x->np,
                     x->pvname, dlo, dhi, lo, hi, base ? "  .labelled anomalies" : "");
    else snprintf(legend, nl, "%zu rows, score %.4g..%.4g  ~score  ~flagged  :threshold%s", x->np, lo, hi,
                  base ? "  .labelled anomalies" : "");
}

static void draw_plot(wb *w, const rect *b)
{
    wb_run *x = selected(w);
    char t[300];
    snprintf(t, sizeof t, "Plot: %s%s%s [p]", plot_names[w->plot], x ? " of " : "", x ? x->r->name : "");
    title(w, b, PANE_PLOT, t);
    rect in = { b->y + 1, b->x + 1, b->h - 1, b->w - 1 };
    if (!x || x->tm.m == 0 || in.h < 3 || in.w < 10) { put(&in, 0, 0, "nothing to plot"); return; }
    canvas c;
    if (cv_new(&c, in.w, in.h - 1)) { cv_free(&c); return; }
    char legend[400] = "";
    switch (w->plot) {
    case PLOT_DENSITY: plot_density(w, &c, x, legend, sizeof legend); break;
    case PLOT_ROC: plot_curve(&c, x, 0, legend, sizeof legend); break;
    case PLOT_PR: plot_curve(&c, x, 1, legend, sizeof legend); break;
    default: plot_series(&c, x, legend, sizeof legend); break;
    }
    cv_show(w, &c, in.y, in.x);
    put(&in, in.h - 1, 0, "%s", legend);
    cv_free(&c);
}

static void draw_log(wb *w, const rect *b)
{
    title(w, b, PANE_LOG, w->log_scroll ? "Log (scrolled: End or Down to follow)" : "Log");
    rect in = { b->y + 1, b->x, b->h - 1, b->w };
    int rows = in.h;
    if (rows < 1) return;
    size_t maxscroll = w->nlog > (size_t)rows ? w->nlog - (size_t)rows : 0;
    if (w->log_scroll > maxscroll) w->log_scroll = maxscroll;
    size_t end = w->nlog - w->log_scroll, start = end > (size_t)rows ? end - (size_t)rows : 0;
    for (size_t i = start; i < end; i++) put(&in, (int)(i - start), 0, "%s", w->log[i]);
}

static void draw_cmd(wb *w)
{
    move(LINES - 1, 0);
    clrtoeol();
    rect b = { LINES - 1, 0, 1, COLS };
    if (w->busy) {
        attron(A_BOLD);
        if (w->quit_ask) put(&b, 0, 0, "a command is running: stop it and quit? (y/n)");
        else put(&b, 0, 0, "running%s: %s", w->stopping ? " (stopping)" : "  (Esc or Ctrl-C stops it)", w->busy);
        attroff(A_BOLD);
        curs_set(0);
    } else if (w->focus == PANE_CMD) {
        /* the end of the line when it is longer than the screen */
        int room = COLS - 9;
        size_t off = room > 0 && w->cmdpos > (size_t)room - 1 ? w->cmdpos - (size_t)room + 1 : 0;
        put(&b, 0, 0, "oddity> %s", w->cmd + off);
        curs_set(1);
        move(LINES - 1, 8 + (int)(w->cmdpos - off));
    } else {
        attron(A_DIM);
        put(&b, 0, 0, " ? keys  : command  a actions  d detect  <- -> threshold  Enter apply  Up/Down run  p plot  q quit");
        attroff(A_DIM);
        curs_set(0);
    }
}

static void draw_help(void)
{
    size_t shown = 0;
    for (size_t i = 0; i < NKEYS; i++) shown += wb_keys[i].label != NULL;
    int h = (int)shown + 5, wd = 80;
    if (h > LINES) h = LINES;
    if (wd > COLS) wd = COLS;
    int y = (LINES - h) / 2, x = (COLS - wd) / 2;
    for (int r = 0; r < h; r++) {
        move(y + r, x);
        for (int k = 0; k < wd; k++) addch(' ');
    }
    rect b = { y, x, h, wd };
    int row = 1;
    for (size_t i = 0; i < NKEYS && row < h - 1; i++)
        if (wb_keys[i].label) put(&b, row++, 1, "%-17s %s", wb_keys[i].label, wb_keys[i].what);
    if (row < h - 1) put(&b, row++, 1, "%-17s %s", "mouse", MOUSE_KEYS);
    if (row < h - 1) put(&b, row++, 1, "%-17s %s", "menus", MENU_KEYS);
    if (row < h - 1) put(&b, row++, 1, "%-17s %s", "running", RUNNING_KEYS);
    move(y, x);
    for (int k = 0; k < wd; k++) addch(ACS_HLINE);
    move(y + h - 1, x);
    for (int k = 0; k < wd; k++) addch(ACS_HLINE);
    attron(A_BOLD);
    put(&b, 0, 2, " Keys (any key closes this; help tui at the prompt) ");
    attroff(A_BOLD);
}

static void draw_menu(wb *w);

#define MIN_COLS 60
#define MIN_LINES 16

static void draw(wb *w)
{
    erase();
    w->sl_nb = 0;
    if (COLS < MIN_COLS || LINES < MIN_LINES) {
        mvprintw(0, 0, "the workbench needs %dx%d (this is %dx%d); q leaves", MIN_COLS, MIN_LINES, COLS, LINES);
        refresh();
        return;
    }
    draw_header(w);
    int mid = LINES - 2;                       /* rows 1 .. LINES-2 */
    int runs_h = (int)w->nruns + 2;
    int runs_max = mid / 5 > 5 ? mid / 5 : 5;
    if (runs_h > runs_max) runs_h = runs_max;
    if (runs_h < 4) runs_h = 4;
    int log_h = mid / 4 > 5 ? mid / 4 : 5;
    int body = mid - runs_h - log_h;
    if (body < 12) { log_h -= 12 - body; body = 12; }
    if (log_h < 3) log_h = 3;
    int left = COLS >= 120 ? 50 : 40;
    rect runs = { 1, 0, runs_h, COLS };
    rect thr = { 1 + runs_h, 0, body, left };
    rect plot = { 1 + runs_h, left, body, COLS - left };
    rect log = { 1 + runs_h + body, 0, LINES - 2 - runs_h - body, COLS };
    draw_runs(w, &runs);
    draw_thr(w, &thr);
    draw_plot(w, &plot);
    /* a vertical rule between threshold and plot */
    for (int r = 1; r < body; r++) mvaddch(plot.y + r, plot.x, ACS_VLINE);
    draw_log(w, &log);
    if (w->help) draw_help();
    if (w->menu) draw_menu(w);
    draw_cmd(w);
    refresh();
}

/* ------------------------------------------------------------- commands */

static int first_word(const char *line, char *word, size_t n, const char **rest)
{
    while (*line == ' ' || *line == '\t') line++;
    size_t k = 0;
    while (line[k] && line[k] != ' ' && line[k] != '\t' && line[k] != ';') k++;
    snprintf(word, n, "%.*s", (int)k, line);
    if (rest) {
        const char *r = line + k;
        while (*r == ' ' || *r == '\t') r++;
        *rest = r;
    }
    return (int)k;
}

static void prog_clear(wb *w)
{
    if (w->prog_on && w->nlog) free(w->log[--w->nlog]);
    w->prog_on = 0;
}

/* The keys read while a command runs: Esc or Ctrl-C stop it (the engine
 * polls the cancel flag), q asks before stopping it and leaving, a resize
 * lays the screen out again. */
static void busy_keys(wb *w)
{
    timeout(0);
    int ch;
    while ((ch = getch()) != ERR) {
        if (w->quit_ask) {
            if (ch == 'y' || ch == 'Y') {
                *od_ctx_cancel_flag(w->h->ctx) = 1;
                w->stopping = w->quit_after = 1;
            }
            if (ch != KEY_RESIZE && ch != KEY_MOUSE) w->quit_ask = 0;
            continue;
        }
        if (ch == 27 || ch == 3) {
            *od_ctx_cancel_flag(w->h->ctx) = 1;
            w->stopping = 1;
        } else if (ch == 'q') w->quit_ask = 1;
        else if (ch == 12) clearok(curscr, TRUE);
        else if (ch == KEY_MOUSE) { MEVENT ev; (void)getmouse(&ev); }
    }
    timeout(200);
}

static void wb_progress(void *user, const char *what, double frac, const char *detail)
{
    wb *w = user;
    prog_clear(w);
    if (od_cancelled(w->h->ctx)) w->stopping = 1;    /* Ctrl-C: the session's SIGINT handler set it */
    if (detail && *detail && what && !strcmp(what, "train")) logf_(w, "  %s", detail);
    else if (what && frac >= 0 && frac < 1) {
        logf_(w, "  %s %3d%%%s%s", what, (int)(100 * frac), detail ? "  " : "", detail ? detail : "");
        w->prog_on = 1;
    }
    w->log_scroll = 0;
    busy_keys(w);
    draw(w);
}

static void run_line(wb *w, const char *line)
{
    char verb[32], arg[256];
    const char *rest;
    first_word(line, verb, sizeof verb, &rest);
    logf_(w, "oddity> %s", line);
    w->log_scroll = 0;
    /* screens of their own are the workbench's business here */
    if (!strcmp(verb, "tui")) { logf_(w, "tui: this is the workbench"); return; }
    if (!strcmp(verb, "lesson")) { logf_(w, "lesson: leave the workbench (q) to run a lesson"); return; }
    if (!strcmp(verb, "tune")) {
        first_word(rest, arg, sizeof arg, NULL);
        for (size_t i = 0; i < w->nruns; i++)
            if (!strcmp(w->runs[w->order[i]].r->name, arg)) {
                w->sel = i;
                w->focus = PANE_THR;
                logf_(w, "tune: %s selected: move its threshold with <- ->, Enter applies", arg);
                return;
            }
        logf_(w, "tune: no run named '%s'", arg);
        return;
    }
    /* say what runs while it runs: progress lands in the log pane, the
     * keys are read between progress reports (Esc stops, q asks) */
    od_progress_fn old_fn;
    void *old_user;
    od_ctx_get_progress(w->h->ctx, &old_fn, &old_user);
    od_ctx_set_progress(w->h->ctx, wb_progress, w);
    w->busy = line;
    w->stopping = w->quit_ask = 0;
    draw(w);
    char *out = NULL;
    struct sigaction sa, old_int;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_int;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    got_int = 0;
    int_cancel = od_ctx_cancel_flag(w->h->ctx);
    sigaction(SIGINT, &sa, &old_int);
    w->h->exec(w->h->user, line, &out);
    sigaction(SIGINT, &old_int, NULL);
    int_cancel = NULL;
    if (od_cancelled(w->h->ctx) || got_int) w->stopping = 1;   /* Ctrl-C, even between two progress reports */
    od_ctx_set_progress(w->h->ctx, old_fn, old_user);
    w->busy = NULL;
    w->quit_ask = 0;
    prog_clear(w);
    log_text(w, out);
    free(out);
    /* last, so it is the line in view when the output is longer than the pane */
    if (w->stopping) logf_(w, "stopped: the command was interrupted (the session goes on)");
    w->stopping = 0;
    rebuild(w);
}

static void apply(wb *w)
{
    wb_run *x = selected(w);
    if (!x || x->tm.m == 0) return;
    char line[400];
    snprintf(line, sizeof line, "threshold %s value=%.17g", x->r->name, tune_model_value(&x->tm, x->pos));
    run_line(w, line);
}

/* ---------------------------------------------------------- the command line */

static void cmd_set(wb *w, const char *s)
{
    snprintf(w->cmd, sizeof w->cmd, "%s", s);
    w->cmdlen = w->cmdpos = strlen(w->cmd);
}

static void cmd_history(wb *w, int dir)
{
    int n = history_length;
    int at = w->hist_at + dir;
    if (at < 0 || at > n) return;
    if (w->hist_at == 0) snprintf(w->saved, sizeof w->saved, "%s", w->cmd);
    w->hist_at = at;
    if (at == 0) { cmd_set(w, w->saved); return; }
    HIST_ENTRY *e = history_get(history_base + n - at);
    cmd_set(w, e && e->line ? e->line : "");
}

static void cmd_complete(wb *w)
{
    if (!w->h->complete) return;
    size_t start = 0;
    char **c = NULL;
    w->cmd[w->cmdlen] = 0;
    size_t n = w->h->complete(w->h->user, w->cmd, w->cmdpos, &start, &c);
    if (n == 0) { free(c); return; }
    /* the longest common prefix; with several, list them in the log */
    size_t l = strlen(c[0]);
    for (size_t i = 1; i < n; i++) {
        size_t k = 0;
        while (k < l && c[i][k] == c[0][k]) k++;
        l = k;
    }
    if (start <= w->cmdpos && l > w->cmdpos - start && w->cmdlen + l < sizeof w->cmd - 2) {
        size_t have = w->cmdpos - start;
        memmove(w->cmd + w->cmdpos + (l - have), w->cmd + w->cmdpos, w->cmdlen - w->cmdpos + 1);
        memcpy(w->cmd + start, c[0], l);
        w->cmdlen += l - have;
        w->cmdpos += l - have;
        if (n == 1 && c[0][l - 1] != '=' && w->cmdpos == w->cmdlen && w->cmdlen + 1 < sizeof w->cmd) {
            w->cmd[w->cmdlen++] = ' ';
            w->cmd[w->cmdlen] = 0;
            w->cmdpos++;
        }
    } else if (n > 1) {
        char buf[1024];
        size_t b = 0;
        for (size_t i = 0; i < n && b + 2 < sizeof buf; i++) b += (size_t)snprintf(buf + b, sizeof buf - b, "%s ", c[i]);
        log_text(w, buf);
    }
    for (size_t i = 0; i < n; i++) free(c[i]);
    free(c);
}

static void cmd_key(wb *w, int ch)
{
    switch (ch) {
    case 27: case 7: cmd_set(w, ""); w->focus = w->back; w->hist_at = 0; return;   /* Esc, Ctrl-G: abandon the line */
    case '\n': case '\r': case KEY_ENTER: {
        w->cmd[w->cmdlen] = 0;
        char line[sizeof w->cmd];
        snprintf(line, sizeof line, "%s", w->cmd);
        cmd_set(w, "");
        w->hist_at = 0;
        const char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        w->focus = w->back;
        if (!*p) return;
        add_history(line);
        run_line(w, line);
        return;
    }
    case KEY_BACKSPACE: case 127: case 8:
        if (w->cmdpos > 0) {
            memmove(w->cmd + w->cmdpos - 1, w->cmd + w->cmdpos, w->cmdlen - w->cmdpos + 1);
            w->cmdpos--;
            w->cmdlen--;
        } else if (w->cmdlen == 0) w->focus = w->back;
        return;
    case KEY_DC: case 4:
        if (w->cmdpos < w->cmdlen) {
            memmove(w->cmd + w->cmdpos, w->cmd + w->cmdpos + 1, w->cmdlen - w->cmdpos);
            w->cmdlen--;
        }
        return;
    case KEY_LEFT: case 2: if (w->cmdpos) w->cmdpos--; return;
    case KEY_RIGHT: case 6: if (w->cmdpos < w->cmdlen) w->cmdpos++; return;
    case KEY_HOME: case 1: w->cmdpos = 0; return;
    case KEY_END: case 5: w->cmdpos = w->cmdlen; return;
    case 21: cmd_set(w, ""); return;                                  /* Ctrl-U */
    case KEY_UP: case 16: cmd_history(w, 1); return;
    case KEY_DOWN: case 14: cmd_history(w, -1); return;
    case '\t': cmd_complete(w); return;
    default:
        if (ch >= 32 && ch < 256 && w->cmdlen + 1 < sizeof w->cmd) {
            memmove(w->cmd + w->cmdpos + 1, w->cmd + w->cmdpos, w->cmdlen - w->cmdpos + 1);
            w->cmd[w->cmdpos++] = (char)ch;
            w->cmdlen++;
        }
    }
}

/* ------------------------------------------------------------- the menus
 * Every entry is a command line built from the workspace (the selected
 * run, the marked runs, a detector's defaults): Enter runs it through the
 * host like a typed line (journaled), Tab puts it on the command line to
 * edit first.  The menus never call the engine. */

static void item_add(wb *w, int sub, const char *label, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void item_add(wb *w, int sub, const char *label, const char *fmt, ...)
{
    wb_item *n = realloc(w->items, (w->nitems + 1) * sizeof *n);
    if (!n) return;
    w->items = n;
    wb_item *it = &w->items[w->nitems++];
    snprintf(it->label, sizeof it->label, "%s", label);
    it->line[0] = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(it->line, sizeof it->line, fmt, ap);
        va_end(ap);
    }
    it->sub = sub;
}

/* The marked runs' names in display order (none marked: every run),
 * space-separated; how many. */
static size_t marked_names(wb *w, char *buf, size_t n)
{
    size_t k = 0, l = 0, any = 0;
    buf[0] = 0;
    for (size_t i = 0; i < w->nruns; i++) any |= (size_t)w->runs[i].marked;
    for (size_t i = 0; i < w->nruns && l < n; i++) {
        const wb_run *x = &w->runs[w->order[i]];
        if (any && !x->marked) continue;
        l += (size_t)snprintf(buf + l, n - l, "%s%s", k ? " " : "", x->r->name);
        k++;
    }
    return k;
}

static int run_taken(wb *w, const char *name)
{
    for (size_t i = 0; i < w->nruns; i++)
        if (!strcmp(w->runs[i].r->name, name)) return 1;
    return 0;
}

static int ds_taken(wb *w, const char *name) { return od_ws_dataset(w->h->ws, name) != NULL; }

/* A name not taken yet (runs: ens1, ens2, ...; datasets: emb1, ...). */
static const char *fresh(wb *w, int (*taken)(wb *, const char *), const char *stem, char *buf, size_t n)
{
    for (unsigned k = 1;; k++) {
        snprintf(buf, n, "%s%u", stem, k);
        if (!taken(w, buf)) return buf;
    }
}

/* `detect ALGO` with every option written out at its default, so the
 * journal says what ran (STR options, without a default, are left out). */
static void detect_line(const od_detector_type *t, char *buf, size_t n)
{
    size_t l = (size_t)snprintf(buf, n, "detect %s", t->name);
    for (size_t k = 0; k < t->nparams && l < n; k++) {
        const od_param_spec *ps = &t->params[k];
        if (ps->type == OD_P_STR || !ps->def || !*ps->def || strchr(ps->def, ' ')) continue;
        l += (size_t)snprintf(buf + l, n - l, " %s=%s", ps->name, ps->def);
    }
}

/* The option values a rule needs to run as picked from the menu. */
static const char *rule_defaults(const char *rule)
{
    if (!strcmp(rule, "percentile")) return " q=98";
    if (!strcmp(rule, "contamination")) return " c=0.02";
    return "";
}

/* The rest of the README tour, after the everyday entries (their first
 * letters keep picking what they picked): search, elbow, explain the
 * top-scoring row, pseudo-labels, feature bagging, an embedding, scatter,
 * windows and stacked series plots on a series, and saving. */
static void actions_tour(wb *w, wb_run *x, const od_version *v, int series, const char *names, size_t nm)
{
    const char *run = x ? x->r->name : NULL;
    char label[96], nm1[32];
    int labelled = v && v->frame && od_frame_role(v->frame, OD_ROLE_LABEL) >= 0;
    if (run) {
        od_run_top_result t;
        if (od_run_top(w->h->ctx, w->h->ws, x->r, 1, x->part, &t) == 0) {
            if (t.n) {
                snprintf(label, sizeof label, "explain the top-scoring row of %s (row %zu)", run, t.rows[0] + 1);
                item_add(w, 0, label, "explain %s %zu", run, t.rows[0] + 1);
            }
            od_run_top_done(&t);
        }
        od_ctx_clear_error(w->h->ctx);
    }
    if (labelled)
        item_add(w, 0, "search gmm k=2..6, full/diag, by AP over folds", "search gmm k=2..6 covariance=full,diag metric=ap as %s",
                 fresh(w, run_taken, "gbest", nm1, sizeof nm1));
    item_add(w, 0, "search kmeans k=2..12 by silhouette (no labels)", "search kmeans k=2..12 metric=silhouette as %s",
             fresh(w, run_taken, "kbest", nm1, sizeof nm1));
    if (x && x->r->search) {
        snprintf(label, sizeof label, "plot search %s: the metric per parameter", run);
        item_add(w, 0, label, "plot search %s", run);
    }
    item_add(w, 0, "plot elbow: kmeans SSE against k=2..12", "plot elbow kmeans k=2..12 silhouette=yes");
    item_add(w, 0, "pseudolabel mean k=3: labels without the truth", "pseudolabel mean k=3");
    if (run && x->r->pseudo) {
        snprintf(label, sizeof label, "metrics of %s against the pseudo-labels", run);
        item_add(w, 0, label, "metrics %s labels=pseudo", run);
    }
    item_add(w, 0, "bag lof: 10 LOFs on random column subsets", "bag lof n=10 features=0.5..1.0 as %s",
             fresh(w, run_taken, "bag", nm1, sizeof nm1));
    item_add(w, 0, "embed ae dim=2: an autoencoder's bottleneck as data", "embed ae dim=2 epochs=30 as %s",
             fresh(w, ds_taken, "emb", nm1, sizeof nm1));
    item_add(w, 0, "plot scatter of the data", "plot scatter");
    if (series) {
        if (v && !v->win) item_add(w, 0, "window size=24 stride=4 agg=max", "window size=24 stride=4 agg=max");
        if (nm >= 1) item_add(w, 0, "plot series with the marked runs' scores", "plot series %s", names);
        if (run) item_add(w, 0, "compare sorted by affiliation F1", "compare sort=aff_f1");
    }
    if (run) {
        snprintf(label, sizeof label, "save model %s to %s.oddm", run, run);
        item_add(w, 0, label, "save model %s to=%s.oddm", run, run);
    }
    item_add(w, 0, "save session to session.odd", "save session session.odd");
}

static void menu_close(wb *w)
{
    free(w->items);
    w->items = NULL;
    w->nitems = w->msel = w->mtop = 0;
    w->menu = MENU_NONE;
}

static void menu_open(wb *w, int kind)
{
    menu_close(w);
    wb_run *x = selected(w);
    const char *run = x ? x->r->name : NULL;
    od_dataset *d = od_ws_current(w->h->ws);
    char names[400], label[96];
    size_t nm = marked_names(w, names, sizeof names);
    const od_version *v = d ? od_ds_top(d) : NULL;
    int series = v && v->frame && od_frame_role(v->frame, OD_ROLE_TIME) >= 0;
    if (kind == MENU_DETECT && d) {
        for (size_t i = 0; i < od_detector_count(); i++) {
            const od_detector_type *t = od_detector_at(i);
            if (t->seq && !series) continue;   /* sequence models need a series */
            char line[512];
            detect_line(t, line, sizeof line);
            snprintf(label, sizeof label, "%-12s %s", t->name, t->summary ? t->summary : "");
            item_add(w, 0, label, "%s", line);
        }
    } else if (kind == MENU_THRESH && run) {
        for (size_t i = 0; i < od_nthr_rules; i++) {
            const od_thr_rule *r = &od_thr_rules[i];
            if (!strcmp(r->name, "value")) continue;   /* Enter on the slider */
            const char *nl = strchr(r->help, '\n');
            snprintf(label, sizeof label, "%-14s %.*s", r->name, nl ? (int)(nl - r->help) : (int)strlen(r->help), r->help);
            item_add(w, 0, label, "threshold %s method=%s%s", run, r->name, rule_defaults(r->name));
        }
    } else if (kind == MENU_ACTIONS && d) {
        item_add(w, 0, "describe the data", "describe");
        if (series) item_add(w, 0, "split in time: first half train", "split train=0.5 test=0.5 order=time");
        else item_add(w, 0, "split 60/40, stratified", "split train=0.6 test=0.4 stratify=yes");
        item_add(w, 0, "scale zscore (fitted on the training rows)", "scale zscore");
        item_add(w, MENU_DETECT, "detect: pick a detector ... (d)", NULL);
        if (run) {
            snprintf(label, sizeof label, "threshold %s by a rule ... (t)", run);
            item_add(w, MENU_THRESH, label, NULL);
            snprintf(label, sizeof label, "top rows of %s", run);
            item_add(w, 0, label, "top %s n=10", run);
            snprintf(label, sizeof label, "metrics of %s (m)", run);
            item_add(w, 0, label, "metrics %s", run);
        }
        char ens[32];
        if (nm >= 2)
            item_add(w, 0, "ensemble of the marked runs (e)", "ensemble %s norm=rank combine=mean as %s", names,
                     fresh(w, run_taken, "ens", ens, sizeof ens));
        if (run) item_add(w, 0, "compare the runs (c)", "compare");
        if (nm >= 1) {
            item_add(w, 0, "plot roc of the marked runs", "plot roc %s", names);
            item_add(w, 0, "plot pr of the marked runs", "plot pr %s", names);
        }
        if (run) {
            snprintf(label, sizeof label, "plot pdf of %s", run);
            item_add(w, 0, label, "plot pdf %s", run);
        }
        item_add(w, 0, "list the runs", "runs");
        actions_tour(w, x, v, series, names, nm);
    }
    if (!w->nitems) {
        logf_(w, "%s", !d ? "no dataset yet: type : then load FILE" : "no run selected: d picks a detector");
        return;
    }
    w->menu = kind;
}

/* Run (or, edit = 1, put on the command line) the line of the entry picked. */
static void run_line(wb *w, const char *line);
static void menu_pick(wb *w, int edit)
{
    if (w->msel >= w->nitems) return;
    wb_item it = w->items[w->msel];
    if (it.sub) { menu_open(w, it.sub); return; }
    menu_close(w);
    if (edit) {
        snprintf(w->cmd, sizeof w->cmd, "%s", it.line);
        w->cmdlen = w->cmdpos = strlen(w->cmd);
        w->back = w->focus;
        w->focus = PANE_CMD;
        w->hist_at = 0;
        return;
    }
    add_history(it.line);
    run_line(w, it.line);
}

static void menu_key(wb *w, int ch)
{
    switch (ch) {
    case 27: case 'q': case 7: menu_close(w); return;
    case KEY_UP: if (w->msel > 0) w->msel--; return;
    case KEY_DOWN: if (w->msel + 1 < w->nitems) w->msel++; return;
    case KEY_HOME: w->msel = 0; return;
    case KEY_END: w->msel = w->nitems - 1; return;
    case '\n': case '\r': case KEY_ENTER: menu_pick(w, 0); return;
    case '\t': menu_pick(w, 1); return;
    default:
        /* a letter: the next entry starting with it */
        if (ch > 32 && ch < 127)
            for (size_t k = 1; k <= w->nitems; k++) {
                size_t i = (w->msel + k) % w->nitems;
                if (w->items[i].label[0] == ch) { w->msel = i; return; }
            }
    }
}

static void draw_menu(wb *w)
{
    static const char *const titles[] = { "", "Actions", "Detect", "Threshold by a rule" };
    int wd = COLS < 78 ? COLS : 78, h = (int)w->nitems + 5;
    if (h > LINES - 2) h = LINES - 2;
    int rows = h - 5, y = (LINES - h) / 2, x = (COLS - wd) / 2;
    if (rows < 1) return;
    if (w->msel < w->mtop) w->mtop = w->msel;
    if (w->msel >= w->mtop + (size_t)rows) w->mtop = w->msel + 1 - (size_t)rows;
    for (int r = 0; r < h; r++) {
        move(y + r, x);
        for (int k = 0; k < wd; k++) addch(r == 0 || r == h - 1 ? ACS_HLINE : ' ');
    }
    rect b = { y, x, h, wd };
    attron(A_BOLD);
    put(&b, 0, 2, " %s (Enter runs, Tab edits, Esc closes) ", titles[w->menu]);
    attroff(A_BOLD);
    for (int r = 0; r < rows && w->mtop + (size_t)r < w->nitems; r++) {
        size_t i = w->mtop + (size_t)r;
        if (i == w->msel) attron(A_REVERSE);
        put(&b, 1 + r, 1, "%s %-*.*s", i == w->msel ? ">" : " ", wd - 4, wd - 4, w->items[i].label);
        if (i == w->msel) attroff(A_REVERSE);
    }
    const wb_item *it = &w->items[w->msel];
    if (it->sub) put(&b, h - 3, 1, "Enter opens the menu");
    else {
        /* the line in two rows at most */
        int room = wd - 8;
        put(&b, h - 3, 1, "runs: %.*s", room, it->line);
        if ((int)strlen(it->line) > room) put(&b, h - 2, 7, "%s", it->line + room);
    }
}

/* --------------------------------------------------------------- the keys */

static void move_thr(wb *w, wb_action a)
{
    wb_run *x = selected(w);
    if (!x || x->tm.m == 0) return;
    const tune_model *tm = &x->tm;
    long pct = tm->n >= 100 ? (long)(tm->n / 100) : 1;
    switch (a) {
    case ACT_THR_DOWN: if (x->pos < tm->m) x->pos++; break;
    case ACT_THR_UP: if (x->pos > 0) x->pos--; break;
    case ACT_THR_DOWN1: x->pos = tune_model_step_rows(tm, x->pos, pct); break;
    case ACT_THR_UP1: x->pos = tune_model_step_rows(tm, x->pos, -pct); break;
    case ACT_THR_DOWN10: x->pos = tune_model_step_rows(tm, x->pos, 10 * pct); break;
    case ACT_THR_UP10: x->pos = tune_model_step_rows(tm, x->pos, -10 * pct); break;
    case ACT_THR_NONE: x->pos = 0; break;
    case ACT_THR_ALL: x->pos = tm->m; break;
    case ACT_BEST: if (x->best) x->pos = x->best; break;
    case ACT_RESET: x->pos = x->p0; break;
    default: break;
    }
}

/* The slider under column x: the position flagging the scores at or above
 * that column's left edge (right of the slider: nothing). */
static void slide_to(wb *w, int x)
{
    wb_run *r = selected(w);
    if (!r || r->tm.m == 0 || w->sl_nb == 0) return;
    int b = x - w->sl_x;
    if (b < 0) b = 0;
    if (b >= w->sl_nb) { r->pos = 0; return; }
    r->pos = tune_model_position(&r->tm, w->sl_lo + b * w->sl_wd, 0);
}

/* A press on the slider (its bars or the marker row under them) starts a
 * drag; the motion reports move the threshold, every metric follows; the
 * release ends it where it is (Enter applies, as after the keys). */
static void mouse(wb *w)
{
    MEVENT ev;
    if (getmouse(&ev) != OK) return;
    mmask_t b1 = BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED;
    if (w->dragging) {
        if (ev.bstate & (REPORT_MOUSE_POSITION | b1)) slide_to(w, ev.x);
        if (ev.bstate & (BUTTON1_RELEASED | BUTTON1_CLICKED)) w->dragging = 0;
        return;
    }
    if (!(ev.bstate & (b1 | REPORT_MOUSE_POSITION))) return;
    /* on the slider: a motion report there moves it too (ncurses may report
     * the first event of a drag as motion rather than as the press) */
    if (w->sl_nb && (ev.y == w->sl_y || ev.y == w->sl_y + 1) && ev.x >= w->sl_x && ev.x <= w->sl_x + w->sl_nb) {
        w->focus = PANE_THR;
        slide_to(w, ev.x);
        w->dragging = (ev.bstate & (BUTTON1_PRESSED | REPORT_MOUSE_POSITION)) != 0;
        return;
    }
    if (!(ev.bstate & b1)) return;
    if (ev.y >= w->runs_y && ev.y < w->runs_y + w->runs_h) {
        size_t i = w->runs_top + (size_t)(ev.y - w->runs_y);
        if (i < w->nruns) {
            w->sel = i;
            w->focus = PANE_RUNS;
        }
    }
}

/* Returns 1 to leave. */
static int key(wb *w, int ch)
{
    if (ch == KEY_MOUSE) { mouse(w); return 0; }
    if (w->help) { w->help = 0; return 0; }
    if (w->menu) { menu_key(w, ch); return 0; }
    if (w->focus == PANE_CMD) { cmd_key(w, ch); return 0; }
    wb_action a = key_action(ch);
    if (w->focus == PANE_LOG) {
        int page = LINES / 4 > 1 ? LINES / 4 : 1;
        switch (a) {
        case ACT_RUN_PREV: w->log_scroll++; return 0;
        case ACT_RUN_NEXT: if (w->log_scroll) w->log_scroll--; return 0;
        case ACT_THR_UP10: w->log_scroll += (size_t)page; return 0;
        case ACT_THR_DOWN10: w->log_scroll = w->log_scroll > (size_t)page ? w->log_scroll - (size_t)page : 0; return 0;
        case ACT_THR_ALL: w->log_scroll = 0; return 0;
        default: break;
        }
    }
    switch (a) {
    case ACT_RUN_PREV: if (w->sel > 0) w->sel--; break;
    case ACT_RUN_NEXT: if (w->sel + 1 < w->nruns) w->sel++; break;
    case ACT_PANE: w->focus = (w->focus + 1) % PANE_CMD; break;
    case ACT_PLOT: w->plot = (w->plot + 1) % NPLOTS; break;
    case ACT_SORT: w->sort = (w->sort + 1) % NSORTS; sort_runs(w); break;
    case ACT_CMD: w->back = w->focus; w->focus = PANE_CMD; w->hist_at = 0; break;
    case ACT_HELP: w->help = 1; break;
    case ACT_QUIT: return 1;
    case ACT_REDRAW: clearok(curscr, TRUE); break;
    case ACT_APPLY: apply(w); break;
    case ACT_MARK: if (selected(w)) selected(w)->marked = !selected(w)->marked; break;
    case ACT_MENU: menu_open(w, MENU_ACTIONS); break;
    case ACT_DETECT: menu_open(w, MENU_DETECT); break;
    case ACT_THRESH: menu_open(w, MENU_THRESH); break;
    case ACT_ENSEMBLE: {
        char names[400], line[512], ens[32];
        if (marked_names(w, names, sizeof names) < 2) { logf_(w, "ensemble: needs two runs or more (d makes one)"); break; }
        snprintf(line, sizeof line, "ensemble %s norm=rank combine=mean as %s", names, fresh(w, run_taken, "ens", ens, sizeof ens));
        add_history(line);
        run_line(w, line);
        break;
    }
    case ACT_COMPARE: add_history("compare"); run_line(w, "compare"); break;
    case ACT_METRICS: {
        char line[400];
        if (!selected(w)) break;
        snprintf(line, sizeof line, "metrics %s", selected(w)->r->name);
        add_history(line);
        run_line(w, line);
        break;
    }
    case ACT_NONE: break;
    default: move_thr(w, a); break;
    }
    return 0;
}

/* ------------------------------------------------ signals and the terminal */

/* Button-event tracking (xterm's mode 1002: motion reported while a button
 * is down), which ncurses's own mouse set-up does not ask for: the slider
 * is dragged with it. */
static void mouse_motion(int on)
{
    (void)!write(STDOUT_FILENO, on ? "\033[?1002h" : "\033[?1002l", 8);   /* async-signal-safe: Ctrl-Z calls it */
}

static void on_term(int sig)
{
    (void)sig;
    got_term = 1;
}

/* Job control: leave curses mode, stop, and come back redrawn. */
static void on_tstp(int sig)
{
    (void)sig;
    int e = errno;
    if (curses_on) { (void)!write(STDOUT_FILENO, "\033[?1002l", 8); endwin(); }
    signal(SIGTSTP, SIG_DFL);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGTSTP);
    sigprocmask(SIG_UNBLOCK, &m, NULL);
    raise(SIGTSTP);
    /* continued */
    signal(SIGTSTP, on_tstp);
    got_cont = 1;
    errno = e;
}

static void restore_at_exit(void)
{
    if (curses_on) mouse_motion(0), endwin();
    curses_on = 0;
}

static int utf8_locale(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
}

int tui_workbench(const tui_host *h)
{
    static int registered;
    char *old_locale = setlocale(LC_CTYPE, NULL);
    old_locale = old_locale ? strdup(old_locale) : NULL;
    setlocale(LC_CTYPE, "");
    struct sigaction sa, old_term, old_tstp;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = on_tstp;
    sigaction(SIGTSTP, &sa, &old_tstp);
    got_term = got_cont = 0;
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGTSTP, &old_tstp, NULL);
        if (old_locale) setlocale(LC_CTYPE, old_locale);
        free(old_locale);
        return -1;
    }
    set_term(scr);
    curses_on = 1;
    if (!registered) registered = !atexit(restore_at_exit);
    set_escdelay(25);
    cbreak();                 /* Ctrl-C, Ctrl-Z stay signals */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    timeout(200);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED | REPORT_MOUSE_POSITION, NULL);
    mouseinterval(0);
    mouse_motion(1);
    wb w;
    memset(&w, 0, sizeof w);
    w.h = h;
    w.focus = w.back = PANE_THR;
    w.utf8 = utf8_locale();
    if (has_colors() && start_color() == OK) {
        use_default_colors();
        init_pair(C_NORMAL, COLOR_CYAN, -1);
        init_pair(C_ANOM, COLOR_RED, -1);
        init_pair(C_THR, COLOR_YELLOW, -1);
        init_pair(C_POINT, COLOR_GREEN, -1);
        w.colors = 1;
    }
    w.log = calloc(LOG_MAX, sizeof *w.log);
    rebuild(&w);
    logf_(&w, "the workbench: ? lists the keys, : types a command (journaled like the prompt's), q leaves");
    int dirty = 1, rc = 0;
    while (!*h->quit && w.log) {
        if (got_term) { rc = 1; break; }
        if (got_cont) { got_cont = 0; clearok(curscr, TRUE); mouse_motion(1); dirty = 1; }
        if (dirty) draw(&w);
        dirty = 0;
        int ch = getch();
        if (got_term) { rc = 1; break; }
        if (ch == ERR) continue;
        dirty = 1;
        if (ch == KEY_RESIZE) continue;    /* the layout follows LINES x COLS */
        if (key(&w, ch)) break;
        if (w.quit_after) break;
    }
    mouse_motion(0);
    endwin();
    curses_on = 0;
    delscreen(scr);
    for (size_t i = 0; i < w.nruns; i++) run_free(&w.runs[i]);
    free(w.runs);
    free(w.order);
    for (size_t i = 0; i < w.nlog; i++) free(w.log[i]);
    free(w.log);
    menu_close(&w);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGTSTP, &old_tstp, NULL);
    if (old_locale) setlocale(LC_CTYPE, old_locale);
    free(old_locale);
    return rc;
}
