/* plot.h - plots through gnuplot.
 *
 * Two halves:
 *
 *  1. Script generation (pure, no process, golden-tested): od_plot_<kind>()
 *     takes plain arrays and options and writes a complete, self-contained
 *     gnuplot script to an od_out.  Data travel in named datablocks
 *     (`$name << EOD` ... `EOD`) that hold numbers only (non-finite values are
 *     written as NaN, which gnuplot treats as a gap); every piece of text that
 *     may come from a data file or a user script (titles, column, run and
 *     file names) is written as a gnuplot string expression by
 *     od_plot_quote(), which gnuplot never expands: no backquote command
 *     substitution, no @macro, no enhanced-text markup (`noenhanced`), no way
 *     to end the string early.  The same script can be saved and run by hand
 *     with `gnuplot FILE`.
 *
 *  2. The gnuplot process (od_gnuplot): one long-lived `gnuplot` child
 *     talking through pipes; a script goes in as `load` of a temporary file
 *     on its stdin, the dumb terminal's text comes back from its stdout,
 *     errors from its stderr.  A script that gnuplot rejects gives its
 *     error message; a gnuplot that dies or hangs is restarted on the next
 *     call.
 *
 * No gnuplot on the machine: script generation works as always and
 * od_gnuplot_open() returns OD_ENOTFOUND with an installation hint.
 */
#ifndef OD_PLOT_H
#define OD_PLOT_H

#include <stddef.h>
#include "../core/ctx.h"
#include "../core/out.h"

/* ---------------------------------------------------------------- options */

typedef enum {
    OD_PLOT_TERM_DUMB = 0, /* text; width x height in characters (default 80 x 25) */
    OD_PLOT_TERM_PNG,      /* pngcairo; pixels (default 800 x 600) */
    OD_PLOT_TERM_SVG,      /* svg; pixels (default 800 x 600) */
    OD_PLOT_TERM_PDF,      /* pdfcairo; points, 1/72 inch (default 504 x 360 = 7 x 5 in) */
    OD_PLOT_TERM_WINDOW    /* interactive window (opts.window: qt, wxt or x11), persist;
                              pixels (default 800 x 600) */,
    OD_PLOT_TERM_SIXEL     /* sixelgd: sixel graphics on the text stream; pixels (default 800 x 600) */
} od_plot_term;

/* Colour on the dumb terminal (escape sequences; gnuplot >= 5.2). */
typedef enum {
    OD_PLOT_COLOR_NONE = 0,
    OD_PLOT_COLOR_ANSI,    /* 8 colours */
    OD_PLOT_COLOR_ANSI256,
    OD_PLOT_COLOR_ANSIRGB  /* 24-bit */
} od_plot_color;

typedef struct {
    od_plot_term term;
    int width, height;     /* 0 = the terminal's default (see od_plot_term) */
    int fontsize;          /* PNG/SVG/PDF/sixel/window: font size in points; 0 = gnuplot's default */
    od_plot_color color;   /* dumb terminal only */
    const char *output;    /* PNG/SVG/PDF: the file to write (required); ignored otherwise */
    const char *window;    /* WINDOW: "qt", "wxt" or "x11"; NULL = "qt" */
    const char *title;     /* NULL = the kind's default title; "" = no title */
    const char *xlabel;    /* NULL = the kind's default axis label; "" = none */
    const char *ylabel;
    int logy;              /* loss: logarithmic y axis (non-positive values become gaps) */
    int full;              /* never thin out large data (see od_plot_series, _scatter, _roc) */
} od_plot_opts;

/* Defaults: dumb terminal, default size, no colour, default titles. */
void od_plot_opts_init(od_plot_opts *opts);

/* The dumb-terminal colour a text terminal should get, from the values of the
 * environment variables TERM, COLORTERM and NO_COLOR (pass getenv() results,
 * NULL when unset) and whether stdout is a terminal:
 * not a tty, NO_COLOR set and non-empty, TERM unset/empty/"dumb" -> NONE;
 * COLORTERM "truecolor"/"24bit" -> ANSIRGB; TERM containing "256color" ->
 * ANSI256; otherwise ANSI.  Pure: reads no environment itself. */
od_plot_color od_plot_color_auto(int isatty, const char *term, const char *colorterm,
                                 const char *no_color);

/* Write `s` as a gnuplot string expression that gnuplot takes literally:
 * single-quoted pieces (inside which gnuplot expands neither backquotes nor
 * @macros nor backslashes) joined by `.`, with ' and " written as
 * sprintf('%c',39) and sprintf('%c',34) so the command line never holds a
 * doubled quote or an unbalanced double quote (both confuse gnuplot 5.4's
 * macro and string scanners).  Control characters (newline, tab, ESC ...)
 * become spaces.  NULL is written as ''.  Returns 0 or -1 if the sink failed. */
int od_plot_quote(od_out *out, const char *s);

/* ---------------------------------------------------------------- kinds
 *
 * Every od_plot_<kind>() writes one complete script to `out` and returns 0 or
 * a negative OD_E* code with a message in ctx (OD_EINVAL for bad options or
 * arrays, OD_EDATA for data with nothing to draw, OD_ENOMEM).  On error `out`
 * may hold part of a script: use a buffer sink and reset it. */

/* One ROC or precision-recall curve. */
typedef struct {
    const char *name;      /* legend name (may come from data: quoted) */
    const double *x, *y;   /* ROC: fpr, tpr; PR: recall, precision; n points in drawing order */
    size_t n;
    double area;           /* ROC: AUC, PR: AP; NaN = not shown in the legend */
    double op_x, op_y;     /* operating point at the current threshold; NaN = none */
} od_plot_curve;

/* ROC: curves with legend "NAME (AUC=0.912)", the chance diagonal and each
 * curve's operating point.  (ROC, PR and metrics curves with more than
 * 4 x (width + height) points are thinned unless opts->full: a point is kept
 * when it moved half a pixel from the last kept one, plus the corner before
 * it, so the drawn path stays within a pixel of the full one.) */
int od_plot_roc(od_ctx *ctx, od_out *out, const od_plot_opts *opts,
                const od_plot_curve *curves, size_t ncurves);

/* Precision-recall: legend "NAME (AP=0.81)", the prevalence baseline (a
 * horizontal line at P/(P+N); NaN = not drawn) and each operating point. */
int od_plot_pr(od_ctx *ctx, od_out *out, const od_plot_opts *opts,
               const od_plot_curve *curves, size_t ncurves, double prevalence);

/* Histogram bin-count rules, numerically as numpy.histogram_bin_edges:
 * FD    (Freedman-Diaconis) width = 2 IQR n^(-1/3), bins = ceil(range/width);
 *       falls back to STURGES when the IQR is 0;
 * STURGES width = range / (log2 n + 1), bins = ceil(range/width).
 * The count is clamped to [1, OD_PLOT_MAXBINS]. */
typedef enum { OD_PLOT_BINS_FD = 0, OD_PLOT_BINS_STURGES } od_plot_bin_rule;
#define OD_PLOT_MAXBINS 200

typedef struct {
    const double *score;   /* n scores; non-finite ones are skipped */
    size_t n;
    const int *label;      /* NULL: the overall density only; else per row 0 = normal,
                              1 = anomalous, anything else = skipped */
    double threshold;      /* NaN = none; rows with score >= threshold are flagged */
    int bins;              /* > 0: that many bins; 0 = by `rule` */
    od_plot_bin_rule rule;
    int grid;              /* KDE grid points; 0 = 256 */
    const char *name;      /* what the scores are (run name) for the x label; NULL = "score" */
    int logx;              /* 1: the densities of log10(score) on an x axis with tics in score
                              units (1e-3, 0.01, ...); scores <= 0 are left out (see
                              od_plot_pdf_nonpositive), OD_EDATA naming log=x when none is > 0;
                              a threshold <= 0 is not drawn (a warning) */
} od_plot_pdf_data;

/* Score distribution: density histograms (common bins over all rows, each
 * class normalised to area 1) and Gaussian KDE curves (Silverman bandwidth,
 * see od_plot_bandwidth) of the normal and anomalous rows, the threshold as a
 * vertical line, the false-positive area (normal density right of the
 * threshold) and the false-negative area (anomalous density left of it)
 * shaded, with the empirical counts in the legend.  Without labels: the
 * overall histogram and density and the threshold line.  With logx all of
 * it (bins, bandwidths, the KDE grid, the threshold's place) is on log10 of
 * the scores, the y axis is density per decade, and the x tics sit at
 * log10 of round score values labelled with those values (decades, or
 * 1-2-5 / 1..9 steps, or plain steps over a narrow range), the threshold
 * labelled with its value. */
int od_plot_pdf(od_ctx *ctx, od_out *out, const od_plot_opts *opts, const od_plot_pdf_data *d);

/* How many of the rows od_plot_pdf would draw (finite scores, with labels
 * 0 or 1 when labelled) a log x axis leaves out: the scores <= 0. */
size_t od_plot_pdf_nonpositive(const od_plot_pdf_data *d);

typedef struct {
    size_t n;                    /* rows */
    const double *t;             /* n x positions; NULL = row index 0..n-1 */
    int t_epoch;                 /* t are seconds since the epoch: a time axis (UTC) */
    size_t nch;                  /* channels (may be 0 when a score is given) */
    const double *const *y;      /* nch arrays of n values; NaN = gap */
    const char *const *names;    /* nch channel names (quoted); NULL = "channel K" */
    const int *label;            /* NULL or per row: 1 = labelled anomaly; runs are shaded */
    const double *score;         /* NULL or per-row anomaly score on the y2 axis; NaN = not scored */
    const char *score_name;      /* NULL = "score" */
    double threshold;            /* NaN = none; rows with score >= threshold are marked */
    /* Stacked runs (plot series RUN1 RUN2 ...): when npanels > 0, score is
     * ignored and each panel gets its own plot under the channels' one
     * (multiplot, one column, the same x range; only the bottom one labels
     * the x axis): its score, its threshold as a dashed line and its flagged
     * rows marked; labelled runs are shaded in every panel. */
    const struct od_plot_series_panel *panels;
    size_t npanels;
    const char *title;           /* the default title; NULL = "Series" */
} od_plot_series_data;

typedef struct od_plot_series_panel {
    const double *score;         /* n values; NaN = not scored */
    const char *name;            /* the run's name (quoted); NULL = "score K" */
    double threshold;            /* NaN = none; rows with score >= threshold are marked */
} od_plot_series_panel;

/* Series: the channels against time or index, labelled anomaly runs shaded
 * (a run covers the midpoints to its neighbours), flagged rows marked on
 * every channel (on the score when there is no channel), the score on y2 with
 * the threshold as a dashed line.
 * A series longer than 4 x the plot width (pixels, or characters for dumb)
 * is thinned unless opts->full: the rows are cut into 2 x width buckets of
 * consecutive rows and each bucket is drawn as two rows, the minimum of
 * every channel and the score at its first x and the maximum at its last x,
 * so the envelope (every spike) stays visible; a bucket with flagged rows
 * also gets its highest-scoring flagged row as it is, and that is marked;
 * labelled runs closer than one bucket merge.  Shaded runs are at least two
 * pixels (characters) wide.
 * (gnuplot needs about a minute to draw a million rows, a second for the
 * thinned ones.) */
int od_plot_series(od_ctx *ctx, od_out *out, const od_plot_opts *opts, const od_plot_series_data *d);

typedef enum {
    OD_PLOT_BY_NONE = 0,   /* one colour */
    OD_PLOT_BY_LABEL,      /* label[]: 0 normal, 1 anomalous, other = unlabelled (grey) */
    OD_PLOT_BY_CLUSTER,    /* cluster[]: id >= 0 on a discrete palette, negative = noise (grey) */
    OD_PLOT_BY_SCORE       /* score[]: continuous palette over [min, max] of finite scores */
} od_plot_colour_by;

typedef struct {
    size_t n;
    const double *x, *y;         /* rows with a non-finite x or y are skipped */
    const char *xname, *yname;   /* axis labels (quoted); NULL = "x", "y" */
    od_plot_colour_by by;
    const int *label;            /* BY_LABEL */
    const int *cluster;          /* BY_CLUSTER */
    const double *score;         /* BY_SCORE (NaN = grey point) */
    const char *cname;           /* colour-bar label for BY_SCORE; NULL = "score" */
} od_plot_scatter_data;

/* Scatter plot; BY_SCORE points are drawn in ascending score order (the
 * highest on top).  More than 20000 points are thinned unless opts->full:
 * one point per cell of 3x3 pixels (1 character on dumb) and colour class
 * (label set, cluster id; for BY_SCORE the highest-scoring point of the
 * cell), which draws the same picture in a fraction of the time (gnuplot
 * needs ~20 s for a million points). */
int od_plot_scatter(od_ctx *ctx, od_out *out, const od_plot_opts *opts, const od_plot_scatter_data *d);

typedef struct {
    size_t n;
    const double *threshold;     /* n thresholds (x axis, any order: drawn sorted) */
    const double *precision, *recall, *f1;  /* n values each; f1 NULL = 2PR/(P+R) */
    double current;              /* current threshold, marked; NaN = none */
} od_plot_metrics_data;

/* Precision, recall and F1 against the threshold, the current one marked
 * with a dashed line and its values, taken at the smallest given threshold
 * >= current (when the thresholds are the distinct scores, that one flags
 * exactly the rows the current one flags; the largest if none is). */
int od_plot_metrics(od_ctx *ctx, od_out *out, const od_plot_opts *opts, const od_plot_metrics_data *d);

typedef struct {
    size_t n;                    /* epochs (x = 1..n) */
    const double *train;         /* n values, NaN = absent */
    const double *val;           /* NULL or n values, NaN = absent (no curve if all absent) */
} od_plot_loss_data;

/* Training and validation loss per epoch; opts->logy for a log-scale y. */
int od_plot_loss(od_ctx *ctx, od_out *out, const od_plot_opts *opts, const od_plot_loss_data *d);

typedef struct {
    size_t n;                    /* bars, drawn left to right in this order */
    const double *value;         /* n heights; non-finite = no bar */
    const char *const *names;    /* n x-tic labels (quoted) */
    const char *ylabel;          /* NULL = "contribution" */
} od_plot_bars_data;

/* A bar chart (explain: per-feature contributions), a zero line when some
 * bars are negative. */
int od_plot_bars(od_ctx *ctx, od_out *out, const od_plot_opts *opts, const od_plot_bars_data *d);

/* ---------------------------------------------------------------- densities
 * The numbers behind od_plot_pdf, exposed for tests and other front ends. */

/* Number of histogram bins for the finite values of x under `rule` (see
 * od_plot_bin_rule); OD_EDATA if there is no finite value. */
int od_plot_hist_bins(od_ctx *ctx, const double *x, size_t n, od_plot_bin_rule rule, size_t *nbins);

/* Counts of the finite values of x in `nbins` equal bins over [lo, hi]
 * (the last bin includes hi; values outside are not counted), binned
 * exactly as numpy.histogram.  counts has nbins entries. */
int od_plot_hist_counts(od_ctx *ctx, const double *x, size_t n, double lo, double hi,
                        size_t nbins, double *counts);

/* Silverman's rule of thumb (Silverman 1986, eq. 3.31) for the finite values
 * of x: h = 0.9 min(sd, IQR/1.34) n^(-1/5), sd with n-1, IQR from linearly
 * interpolated quartiles.  When that minimum is 0 the larger of the two is
 * used; when both are 0 (one distinct value) h = 1e-3 max(|x|, 1).
 * OD_EDATA if there is no finite value. */
int od_plot_bandwidth(od_ctx *ctx, const double *x, size_t n, double *h);

/* Gaussian kernel density of the finite values of x with bandwidth h at the
 * m points grid[] (any order) into dens[].  Exact sums for up to 2000 values;
 * above that the values are linearly binned onto a grid of spacing h/16
 * first (relative error about 1e-4 of the peak density). */
int od_plot_kde(od_ctx *ctx, const double *x, size_t n, double h,
                const double *grid, size_t m, double *dens);

/* Values against a parameter, in one or more panels side by side (plot
 * elbow: SSE or BIC/AIC and silhouette against k; plot search: the metric
 * against each searched parameter).  A series is drawn as lines with points
 * (lines = 0: points only, with error bars when err is given); y2 puts it on
 * the second y axis.  x: numbers (n values), or NULL with xlabels: words at
 * 0, 1, ... mark_x (not NaN): a dashed vertical line labelled mark_label. */
typedef struct {
    const char *name;              /* legend (quoted) */
    const double *x;               /* n values; NULL: the panel's x */
    const double *y;               /* n values (NaN: left out) */
    const double *err;             /* n error bars or NULL */
    size_t n;
    int lines;                     /* 1: lines and points; 0: points */
    int y2;                        /* on the second y axis */
} od_plot_xy_series;

typedef struct {
    const char *title;             /* panel title (NULL: none) */
    const char *xlabel, *ylabel, *y2label;
    const char *const *xlabels;    /* nx words for a categorical x axis, or NULL */
    size_t nx;
    int logx;
    const od_plot_xy_series *s;
    size_t ns;
    double mark_x;
    const char *mark_label;
} od_plot_xy_panel;

/* kind: the plot's name in messages and the header ("elbow", "search");
 * title: the whole plot's (opts->title overrides it). */
int od_plot_xy(od_ctx *ctx, od_out *out, const od_plot_opts *opts, const char *kind, const char *title,
               const od_plot_xy_panel *p, size_t np);

/* ---------------------------------------------------------------- process */

typedef struct od_gnuplot od_gnuplot;

/* Start gnuplot (`exe` = NULL: "gnuplot" looked up in PATH; a name with a
 * '/' is used as is) with pipes on stdin, stdout and stderr (no shell),
 * and probe its version and terminals.  OD_ENOTFOUND "gnuplot is not
 * installed: ..." when there is no such program; OD_EFORMAT when it is older
 * than 5.0 (no datablocks); OD_EIO when it does not answer. */
int od_gnuplot_open(od_ctx *ctx, const char *exe, od_gnuplot **gp);

/* Quit gnuplot (interactive windows opened with `persist` stay) and free. */
void od_gnuplot_close(od_gnuplot *gp);

/* Run a script and wait until gnuplot has done it.  The script is written
 * to a private temporary file in $TMPDIR (or /tmp), which gnuplot `load`s
 * (gnuplot reads a file ~20x faster than a pipe) and which is removed
 * afterwards; without a writable temporary directory the script goes down
 * the pipe.  A sentinel printed after the script on gnuplot's stdout and
 * stderr tells when it is done.  What gnuplot wrote to stdout (the dumb
 * terminal's picture, without its leading form feed) goes to `text` (NULL =
 * discarded).  Warnings become od_warn()s.  If gnuplot rejected a command
 * (which stops the rest of that script): OD_EINVAL with "gnuplot: MESSAGE"
 * (its first error, one line); gnuplot itself goes on.  If it died, or gave
 * no sentinel within `timeout` seconds (<= 0: 60 s), or ctx was cancelled
 * (OD_ECANCEL), the process is killed, OD_EIO is returned and the next call
 * starts a new gnuplot (as it does when gnuplot died between calls).
 * One thread at a time per od_gnuplot. */
int od_gnuplot_run(od_ctx *ctx, od_gnuplot *gp, const char *script, od_out *text, double timeout);

/* What the probe found.  Version as major*100+minor (504 for 5.4), patch
 * level, the full version text ("5.4.4"). */
int od_gnuplot_version(const od_gnuplot *gp);
const char *od_gnuplot_version_str(const od_gnuplot *gp);
/* 1 if gnuplot lists the terminal `name` in GPVAL_TERMINALS. */
int od_gnuplot_has_terminal(const od_gnuplot *gp, const char *name);
/* The best colour not above `want` that this gnuplot's dumb terminal has
 * (all three from 5.2 on; NONE before). */
od_plot_color od_gnuplot_color(const od_gnuplot *gp, od_plot_color want);
/* How many gnuplot processes were started (1 after open; +1 per restart). */
int od_gnuplot_starts(const od_gnuplot *gp);

#endif
