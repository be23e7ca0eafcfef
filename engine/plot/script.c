/* script.c - gnuplot script generation: quoting, the common preamble and the
 * roc, pr, series, scatter, metrics and loss plots (pdf is in density.c).
 *
 * Safety rules every generator follows:
 *  - text that may come from data or a user (names, titles, file names) is
 *    only ever written through od_plot_quote(): a string expression made of
 *    single-quoted pieces, which gnuplot 5.4 does not scan for backquote
 *    command substitution or @macros, with ' and " spelled sprintf('%c',N)
 *    (a doubled '' inside a single-quoted string is misread by gnuplot's
 *    scanner when it starts the string, and a lone " flips its macro
 *    scanner's quote state), and control characters turned into spaces;
 *  - such text is marked `noenhanced` (and the terminal is noenhanced), so
 *    {}, ^, _, @, & and \ are printed, not interpreted;
 *  - datablocks hold numbers only (%.10g or NaN), never text, so no line can
 *    end a block early.
 */
#include "config.h"
#include "plot_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ writer */

void od_plotw_printf(od_plotw *w, const char *fmt, ...)
{
    if (w->err) return;
    va_list ap;
    va_start(ap, fmt);
    if (od_vprintf(w->out, fmt, ap) < 0) w->err = 1;
    va_end(ap);
}

int od_plot_quote(od_out *out, const char *s)
{
    if (!s || !*s) return od_puts(out, "''");
    int open = 0, first = 1, rc = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && rc == 0) {
        if (*p == '\'' || *p == '"') {
            if (open) rc |= od_puts(out, "'");
            open = 0;
            if (!first) rc |= od_puts(out, ".");
            rc |= od_printf(out, "sprintf('%%c',%d)", *p);
            first = 0;
            p++;
            continue;
        }
        if (!open) {
            if (!first) rc |= od_puts(out, ".");
            rc |= od_puts(out, "'");
            open = 1;
            first = 0;
        }
        /* a run of ordinary bytes; control characters become spaces */
        const unsigned char *q = p;
        while (*q && *q != '\'' && *q != '"' && *q >= 0x20 && *q != 0x7f) q++;
        if (q > p) {
            rc |= od_write(out, (const char *)p, (size_t)(q - p));
            p = q;
        } else if (*p && *p != '\'' && *p != '"') {
            rc |= od_puts(out, " ");
            p++;
        }
    }
    if (open) rc |= od_puts(out, "'");
    return rc ? -1 : 0;
}

void od_plotw_quote(od_plotw *w, const char *s)
{
    if (w->err) return;
    if (od_plot_quote(w->out, s) < 0) w->err = 1;
}

void od_plotw_quotef(od_plotw *w, const char *fmt, ...)
{
    if (w->err) return;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!buf) {
        va_end(ap2);
        w->err = 1;
        return;
    }
    vsnprintf(buf, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    od_plotw_quote(w, buf);
    free(buf);
}

void od_plotw_num(od_plotw *w, double x)
{
    if (isfinite(x)) od_plotw_printf(w, "%.10g", x);
    else od_plotw_printf(w, "NaN");
}

void od_plotw_num15(od_plotw *w, double x)
{
    if (isfinite(x)) od_plotw_printf(w, "%.15g", x);
    else od_plotw_printf(w, "NaN");
}

const char *od_plotw_colour(size_t i)
{
    static const char *const pal[] = {
        "'#1f77b4'", "'#d62728'", "'#2ca02c'", "'#ff7f0e'", "'#9467bd'",
        "'#8c564b'", "'#e377c2'", "'#17becf'", "'#bcbd22'", "'#7f7f7f'",
    };
    return pal[i % (sizeof pal / sizeof pal[0])];
}

/* ------------------------------------------------------------------ options */

void od_plot_opts_init(od_plot_opts *o)
{
    memset(o, 0, sizeof *o);
    o->term = OD_PLOT_TERM_DUMB;
    o->color = OD_PLOT_COLOR_NONE;
}

od_plot_color od_plot_color_auto(int isatty, const char *term, const char *colorterm,
                                 const char *no_color)
{
    if (!isatty) return OD_PLOT_COLOR_NONE;
    if (no_color && *no_color) return OD_PLOT_COLOR_NONE;
    if (!term || !*term || strcmp(term, "dumb") == 0) return OD_PLOT_COLOR_NONE;
    if (colorterm && (strcmp(colorterm, "truecolor") == 0 || strcmp(colorterm, "24bit") == 0))
        return OD_PLOT_COLOR_ANSIRGB;
    if (strstr(term, "256color")) return OD_PLOT_COLOR_ANSI256;
    return OD_PLOT_COLOR_ANSI;
}

int od_plotw_width(const od_plot_opts *o)
{
    if (o->width > 0) return o->width;
    return o->term == OD_PLOT_TERM_DUMB ? 80 : o->term == OD_PLOT_TERM_PDF ? 504 : 800;
}

int od_plotw_height(const od_plot_opts *o)
{
    if (o->height > 0) return o->height;
    return o->term == OD_PLOT_TERM_DUMB ? 25 : o->term == OD_PLOT_TERM_PDF ? 360 : 600;
}

size_t od_plotw_thin_lines(const double *x, const double *const *ys, size_t k, size_t n, double xlo, double xhi,
                           double ylo, double yhi, double wd, double ht, size_t *keep)
{
    double sx = xhi > xlo ? wd / (xhi - xlo) : 1, sy = yhi > ylo ? ht / (yhi - ylo) : 1;
    size_t m = 0, last = (size_t)-1, pending = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        int fin = isfinite(x[i]);
        for (size_t c = 0; c < k && fin; c++) fin = isfinite(ys[c][i]);
        if (!fin) {
            /* a gap: close the run before it, keep one NaN row */
            if (pending != (size_t)-1) keep[m++] = pending;
            pending = (size_t)-1;
            if (last != (size_t)-1 || m == 0) keep[m++] = i;
            last = (size_t)-1;
            continue;
        }
        int moved = last == (size_t)-1 || fabs(x[i] - x[last]) * sx >= 0.5;
        for (size_t c = 0; c < k && !moved; c++) moved = fabs(ys[c][i] - ys[c][last]) * sy >= 0.5;
        if (moved) {
            if (pending != (size_t)-1) keep[m++] = pending;   /* the corner before the move */
            keep[m++] = i;
            last = i;
            pending = (size_t)-1;
        } else {
            pending = i;
        }
    }
    if (pending != (size_t)-1) keep[m++] = pending;
    return m;
}

static int is_file_term(od_plot_term t)
{
    return t == OD_PLOT_TERM_PNG || t == OD_PLOT_TERM_SVG || t == OD_PLOT_TERM_PDF;
}

int od_plotw_begin(od_ctx *ctx, od_plotw *w, const od_plot_opts *o, const char *kind,
                   const char *title, const char *xlabel, const char *ylabel)
{
    if (!o) return od_error(ctx, OD_EINVAL, "plot %s: no options given", kind);
    int wd = o->width, ht = o->height, lo, hi, lo_h, hi_h;
    const char *unit;
    switch (o->term) {
    case OD_PLOT_TERM_DUMB:
        if (!wd) wd = 80;
        if (!ht) ht = 25;
        lo = 20; hi = 1000; lo_h = 8; hi_h = 500; unit = "characters";
        break;
    case OD_PLOT_TERM_PNG: case OD_PLOT_TERM_SVG: case OD_PLOT_TERM_WINDOW: case OD_PLOT_TERM_SIXEL:
        if (!wd) wd = 800;
        if (!ht) ht = 600;
        lo = lo_h = 64; hi = hi_h = 16384; unit = "pixels";
        break;
    case OD_PLOT_TERM_PDF:
        if (!wd) wd = 504;
        if (!ht) ht = 360;
        lo = lo_h = 72; hi = hi_h = 14400; unit = "points";
        break;
    default:
        return od_error(ctx, OD_EINVAL, "plot %s: unknown terminal %d", kind, (int)o->term);
    }
    if (wd < lo || wd > hi)
        return od_error(ctx, OD_EINVAL, "plot %s: width=%d is outside %d..%d %s", kind, wd, lo, hi, unit);
    if (ht < lo_h || ht > hi_h)
        return od_error(ctx, OD_EINVAL, "plot %s: height=%d is outside %d..%d %s", kind, ht, lo_h, hi_h, unit);
    if (is_file_term(o->term) && (!o->output || !*o->output))
        return od_error(ctx, OD_EINVAL, "plot %s: this terminal needs an output file (to=FILE)", kind);
    const char *win = o->window ? o->window : "qt";
    if (o->term == OD_PLOT_TERM_WINDOW && strcmp(win, "qt") && strcmp(win, "wxt") && strcmp(win, "x11"))
        return od_error(ctx, OD_EINVAL, "plot %s: window terminal '%s' is not one of qt, wxt, x11", kind, win);
    if (o->term == OD_PLOT_TERM_DUMB && (o->color < OD_PLOT_COLOR_NONE || o->color > OD_PLOT_COLOR_ANSIRGB))
        return od_error(ctx, OD_EINVAL, "plot %s: unknown colour mode %d", kind, (int)o->color);

    od_plotw_printf(w, "# oddity plot: %s (gnuplot 5.2 or newer)\n", kind);
    od_plotw_printf(w, "reset session\nset encoding utf8\n");
    char font[32] = "";   /* font=N: the size only, gnuplot keeps its font face */
    if (o->fontsize > 0) snprintf(font, sizeof font, " font \",%d\"", o->fontsize);
    switch (o->term) {
    case OD_PLOT_TERM_DUMB: {
        static const char *const col[] = { "mono", "ansi", "ansi256", "ansirgb" };
        od_plotw_printf(w, "set terminal dumb size %d,%d noenhanced %s\nset output\n", wd, ht, col[o->color]);
        break;
    }
    case OD_PLOT_TERM_PNG:
        od_plotw_printf(w, "set terminal pngcairo size %d,%d noenhanced%s\n", wd, ht, font);
        break;
    case OD_PLOT_TERM_SVG:
        od_plotw_printf(w, "set terminal svg size %d,%d noenhanced%s\n", wd, ht, font);
        break;
    case OD_PLOT_TERM_PDF:
        od_plotw_printf(w, "set terminal pdfcairo size %.4gin,%.4gin noenhanced%s\n", wd / 72.0, ht / 72.0, font);
        break;
    case OD_PLOT_TERM_SIXEL:
        od_plotw_printf(w, "set terminal sixelgd size %d,%d truecolor noenhanced%s\nset output\n", wd, ht, font);
        break;
    case OD_PLOT_TERM_WINDOW:
        od_plotw_printf(w, "set terminal %s size %d,%d noenhanced%s persist title 'oddity'\nset output\n", win, wd, ht, font);
        break;
    }
    if (is_file_term(o->term)) {
        /* gnuplot pipes output to a command when the name starts with '|':
         * such a name (or one starting with a blank) is taken as the file
         * it spells, relative to the current directory */
        od_plotw_printf(w, "set output ");
        if (o->output[0] == '|' || o->output[0] == ' ' || o->output[0] == '\t') {
            od_plotw_quote(w, "./");
            od_plotw_printf(w, ".");
        }
        od_plotw_quote(w, o->output);
        od_plotw_printf(w, "\n");
    }
    od_plotw_printf(w, "set key noenhanced\n");
    const char *t = o->title ? o->title : title;
    const char *xl = o->xlabel ? o->xlabel : xlabel;
    const char *yl = o->ylabel ? o->ylabel : ylabel;
    if (t && *t) {
        od_plotw_printf(w, "set title ");
        od_plotw_quote(w, t);
        od_plotw_printf(w, " noenhanced\n");
    }
    if (xl && *xl) {
        od_plotw_printf(w, "set xlabel ");
        od_plotw_quote(w, xl);
        od_plotw_printf(w, " noenhanced\n");
    }
    if (yl && *yl) {
        od_plotw_printf(w, "set ylabel ");
        od_plotw_quote(w, yl);
        od_plotw_printf(w, " noenhanced\n");
    }
    /* the dumb terminal draws a grid as dots all over the plot: none there */
    if (o->term != OD_PLOT_TERM_DUMB) od_plotw_printf(w, "set grid\n");
    return w->err ? od_error(ctx, OD_ENOMEM, "plot %s: out of memory writing the script", kind) : 0;
}

int od_plotw_end(od_ctx *ctx, od_plotw *w, const od_plot_opts *o)
{
    if (is_file_term(o->term)) od_plotw_printf(w, "unset output\n");
    if (w->err) return od_error(ctx, OD_ENOMEM, "plot: out of memory writing the script");
    return 0;
}

/* ------------------------------------------------------------------ roc / pr */

static int check_curves(od_ctx *ctx, const char *kind, const od_plot_curve *c, size_t nc)
{
    if (!c || nc == 0) return od_error(ctx, OD_EINVAL, "plot %s: no curve given", kind);
    for (size_t k = 0; k < nc; k++) {
        if (c[k].n == 0) return od_error(ctx, OD_EINVAL, "plot %s: curve %zu has no points", kind, k + 1);
        if (!c[k].x || !c[k].y)
            return od_error(ctx, OD_EINVAL, "plot %s: curve %zu has no x or y array", kind, k + 1);
    }
    return 0;
}

static int plot_curves(od_ctx *ctx, od_out *out, const od_plot_opts *o, const od_plot_curve *c,
                       size_t nc, int pr, double prevalence)
{
    const char *kind = pr ? "pr" : "roc";
    int rc = check_curves(ctx, kind, c, nc);
    if (rc) return rc;
    od_plotw w = { out, 0 };
    rc = pr ? od_plotw_begin(ctx, &w, o, kind, "Precision-recall curve", "recall", "precision")
            : od_plotw_begin(ctx, &w, o, kind, "ROC curve", "false positive rate", "true positive rate");
    if (rc) return rc;
    od_plotw_printf(&w, "set xrange [0:1]\nset yrange [0:%s]\n", pr ? "1.05" : "1");
    od_plotw_printf(&w, "set key %s\n", pr ? "bottom left" : "bottom right");
    /* curves with more points than the picture can show are thinned to
     * points half a pixel apart (plus the corners between them) */
    double wd = od_plotw_width(o), ht = od_plotw_height(o);
    size_t *keep = NULL, nmax = 0;
    for (size_t k = 0; k < nc; k++)
        if (c[k].n > nmax) nmax = c[k].n;
    if (!o->full && nmax > 4 * (size_t)(wd + ht) && !(keep = od_mallocn(ctx, nmax, sizeof *keep))) return OD_ENOMEM;
    for (size_t k = 0; k < nc; k++) {
        const double *ys[1] = { c[k].y };
        size_t m = c[k].n;
        if (keep && c[k].n > 4 * (size_t)(wd + ht)) {
            m = od_plotw_thin_lines(c[k].x, ys, 1, c[k].n, 0, 1, 0, 1, wd, ht, keep);
            od_plotw_printf(&w, "# curve %zu: %zu points thinned to %zu\n", k + 1, c[k].n, m);
        }
        od_plotw_printf(&w, "$curve%zu << EOD\n", k + 1);
        for (size_t j = 0; j < m && !w.err; j++) {
            size_t i = m < c[k].n ? keep[j] : j;
            od_plotw_num(&w, c[k].x[i]);
            od_plotw_printf(&w, " ");
            od_plotw_num(&w, c[k].y[i]);
            od_plotw_printf(&w, "\n");
        }
        od_plotw_printf(&w, "EOD\n");
        if (isfinite(c[k].op_x) && isfinite(c[k].op_y)) {
            od_plotw_printf(&w, "$point%zu << EOD\n", k + 1);
            od_plotw_num(&w, c[k].op_x);
            od_plotw_printf(&w, " ");
            od_plotw_num(&w, c[k].op_y);
            od_plotw_printf(&w, "\nEOD\n");
        }
    }
    od_plotw_printf(&w, "plot ");
    for (size_t k = 0; k < nc; k++) {
        char fallback[32];
        const char *name = c[k].name;
        if (!name || !*name) {
            snprintf(fallback, sizeof fallback, "curve %zu", k + 1);
            name = fallback;
        }
        od_plotw_printf(&w, "$curve%zu using 1:2 with lines lw 2 lc rgb %s title ", k + 1, od_plotw_colour(k));
        if (isfinite(c[k].area)) od_plotw_quotef(&w, "%s (%s=%.3f)", name, pr ? "AP" : "AUC", c[k].area);
        else od_plotw_quote(&w, name);
        od_plotw_printf(&w, " noenhanced%s", k + 1 < nc || !pr || isfinite(prevalence) ? ", \\\n     " : "");
    }
    if (!pr)
        od_plotw_printf(&w, "x with lines dt 2 lc rgb " OD_PLOTW_GREY " title 'chance'");
    else if (isfinite(prevalence)) {
        od_plotw_printf(&w, "%.10g with lines dt 2 lc rgb " OD_PLOTW_GREY " title ", prevalence);
        od_plotw_quotef(&w, "baseline (prevalence=%.3f)", prevalence);
    }
    int first = 1;
    for (size_t k = 0; k < nc; k++) {
        if (!(isfinite(c[k].op_x) && isfinite(c[k].op_y))) continue;
        od_plotw_printf(&w, ", \\\n     $point%zu using 1:2 with points pt 7 ps 1.5 lc rgb %s %s",
                        k + 1, od_plotw_colour(k), first ? "title 'current threshold'" : "notitle");
        first = 0;
    }
    od_plotw_printf(&w, "\n");
    free(keep);
    return od_plotw_end(ctx, &w, o);
}

int od_plot_roc(od_ctx *ctx, od_out *out, const od_plot_opts *opts, const od_plot_curve *curves,
                size_t ncurves)
{
    return plot_curves(ctx, out, opts, curves, ncurves, 0, NAN);
}

int od_plot_pr(od_ctx *ctx, od_out *out, const od_plot_opts *opts, const od_plot_curve *curves,
               size_t ncurves, double prevalence)
{
    if (isfinite(prevalence) && (prevalence < 0 || prevalence > 1))
        return od_error(ctx, OD_EINVAL, "plot pr: prevalence=%g is outside [0, 1]", prevalence);
    return plot_curves(ctx, out, opts, curves, ncurves, 1, prevalence);
}

/* ------------------------------------------------------------------ series */

/* Tic label format for time tics `step` seconds apart on an axis spanning
 * `span` seconds. */
static const char *time_format(double step, double span)
{
    if (step < 60) return "%H:%M:%S";
    if (step < 86400) return span > 86400 ? "%m-%d %H:%M" : "%H:%M";
    if (step < 28 * 86400.0) return span > 365 * 86400.0 ? "%Y-%m-%d" : "%m-%d";
    if (step < 365 * 86400.0) return "%Y-%m";
    return "%Y";
}

/* A time x axis whose tic labels do not overlap: the smallest "nice" step
 * that leaves each label its width plus two characters. */
static void time_axis(od_plotw *w, const od_plot_opts *o, double span)
{
    static const double steps[] = {
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
        86400, 2 * 86400, 7 * 86400, 14 * 86400, 2629746, 3 * 2629746, 6 * 2629746,
        31556952, 2 * 31556952.0, 5 * 31556952.0, 10 * 31556952.0, 20 * 31556952.0, 50 * 31556952.0,
        100 * 31556952.0,
    };
    int width = od_plotw_width(o);
    double chars = o->term == OD_PLOT_TERM_DUMB ? width - 14 : o->term == OD_PLOT_TERM_PDF ? (width - 90) / 6.5
                                                                                          : (width - 130) / 7.5;
    if (chars < 10) chars = 10;
    size_t k = 0, last = sizeof steps / sizeof steps[0] - 1;
    for (; k < last; k++) {
        const char *f = time_format(steps[k], span);
        double len = (double)strlen(f) + (strstr(f, "%Y") ? 2 : 0); /* %Y prints 4 characters */
        if (span / steps[k] <= chars / (len + 2)) break;
    }
    od_plotw_printf(w, "set xdata time\nset timefmt '%%s'\nset format x '%s'\nset xtics %.0f\n",
                    time_format(steps[k], span), steps[k]);
}

/* Labelled anomaly runs of a series as rectangles spanning the graph's
 * height; when thinning (nb buckets), runs less than a bucket apart are
 * merged.  Returns the number of rectangles. */
static size_t series_label_runs(od_plotw *w, const od_plot_series_data *d, size_t nb, size_t width,
                                double xmin, double xmax)
{
    size_t n = d->n, nruns = 0, merge_gap = nb ? n / nb : 0;
    for (size_t i = 0; i < n;) {
        if (d->label[i] != 1) { i++; continue; }
        size_t j = i;
        for (;;) {
            while (j + 1 < n && d->label[j + 1] == 1) j++;
            size_t k = j + 1;
            while (k < n && k - j <= merge_gap && d->label[k] != 1) k++;
            if (k < n && d->label[k] == 1 && k - j <= merge_gap) j = k;
            else break;
        }
        double xi = d->t ? d->t[i] : (double)i, xj = d->t ? d->t[j] : (double)j;
        if (isfinite(xi) && isfinite(xj)) {
            double x0 = xi, x1 = xj;
            if (i > 0) {
                double xp = d->t ? d->t[i - 1] : (double)(i - 1);
                if (isfinite(xp)) x0 = 0.5 * (xp + xi);
            }
            if (j + 1 < n) {
                double xn = d->t ? d->t[j + 1] : (double)(j + 1);
                if (isfinite(xn)) x1 = 0.5 * (xj + xn);
            }
            /* at least two pixels (characters) wide, or it would not show */
            double minw = 2 * (xmax - xmin) / (double)width;
            if (x1 - x0 < minw) {
                double c = 0.5 * (x0 + x1);
                x0 = c - 0.5 * minw;
                x1 = c + 0.5 * minw;
            }
            if (x1 <= x0) { x0 -= 0.5; x1 += 0.5; }
            nruns++;
            od_plotw_printf(w, "set object %zu rect from ", nruns);
            od_plotw_num15(w, x0);
            od_plotw_printf(w, ", graph 0 to ");
            od_plotw_num15(w, x1);
            od_plotw_printf(w, ", graph 1 behind fc rgb " OD_PLOTW_ANOMAL " fs transparent solid 0.15 noborder\n");
        }
        i = j + 1;
    }
    return nruns;
}

/* The rows of a series plot, one per row: x, channels, [score], [flag]. */
static void series_rows(od_plotw *w, const od_plot_series_data *d, int flags)
{
    size_t n = d->n, nch = d->nch;
    for (size_t i = 0; i < n && !w->err; i++) {
        od_plotw_num15(w, d->t ? d->t[i] : (double)i);
        for (size_t c = 0; c < nch; c++) {
            od_plotw_printf(w, " ");
            od_plotw_num(w, d->y[c][i]);
        }
        if (d->score) {
            od_plotw_printf(w, " ");
            od_plotw_num(w, d->score[i]);
        }
        if (flags) od_plotw_printf(w, " %d", isfinite(d->score[i]) && d->score[i] >= d->threshold);
        od_plotw_printf(w, "\n");
    }
}

/* The rows of a thinned series plot: per bucket of consecutive rows the
 * minimum at the first x, the highest-scoring flagged row, the maximum at the
 * last x. */
static int series_rows_thinned(od_ctx *ctx, od_plotw *w, const od_plot_series_data *d, size_t nb, int flags)
{
    size_t n = d->n, nch = d->nch, nv = nch + (d->score ? 1 : 0);
    double *lo = od_mallocn(ctx, 2 * (nv ? nv : 1), sizeof *lo);
    if (!lo) return OD_ENOMEM;
    double *hi = lo + nv;
    for (size_t b = 0; b < nb && !w->err; b++) {
        size_t i0 = b * n / nb, i1 = (b + 1) * n / nb;
        double xf = NAN, xl = NAN;
        size_t fbest = (size_t)-1;   /* the highest-scoring flagged row */
        for (size_t v = 0; v < nv; v++) lo[v] = INFINITY, hi[v] = -INFINITY;
        for (size_t i = i0; i < i1; i++) {
            double x = d->t ? d->t[i] : (double)i;
            if (isfinite(x)) {
                if (!isfinite(xf)) xf = x;
                xl = x;
            }
            for (size_t v = 0; v < nv; v++) {
                double y = v < nch ? d->y[v][i] : d->score[i];
                if (!isfinite(y)) continue;
                if (y < lo[v]) lo[v] = y;
                if (y > hi[v]) hi[v] = y;
            }
            if (flags && isfinite(d->score[i]) && d->score[i] >= d->threshold && isfinite(x) &&
                (fbest == (size_t)-1 || d->score[i] > d->score[fbest]))
                fbest = i;
        }
        /* min at the first x, the flagged row itself, max at the last x */
        for (int part = 0; part < 3; part++) {
            if (part == 1) {
                if (fbest == (size_t)-1) continue;
                od_plotw_num15(w, d->t ? d->t[fbest] : (double)fbest);
                for (size_t v = 0; v < nv; v++) {
                    od_plotw_printf(w, " ");
                    od_plotw_num(w, v < nch ? d->y[v][fbest] : d->score[fbest]);
                }
                od_plotw_printf(w, " 1\n");
                continue;
            }
            od_plotw_num15(w, part ? xl : xf);
            for (size_t v = 0; v < nv; v++) {
                od_plotw_printf(w, " ");
                od_plotw_num(w, part ? hi[v] : lo[v]);   /* +-inf (no value) prints as NaN */
            }
            if (flags) od_plotw_printf(w, " 0");
            od_plotw_printf(w, "\n");
        }
    }
    free(lo);
    return OD_OK;
}

/* The plot command of a series: the score first (behind), then the
 * channels, then the flagged points and the labelled runs' key entry. */
static void series_plot_cmd(od_plotw *w, const od_plot_series_data *d, int flags, int y2, size_t nruns)
{
    size_t nch = d->nch, col_score = nch + 2, col_flag = nch + 2 + (d->score ? 1 : 0);
    const char *sname = d->score_name && *d->score_name ? d->score_name : "score";
    od_plotw_printf(w, "plot ");
    const char *sep = "";
    if (d->score) {
        od_plotw_printf(w, "%s$series using 1:%zu%s with lines lc rgb '#909090' title ", sep, col_score,
                        y2 ? " axes x1y2" : "");
        od_plotw_quote(w, sname);
        od_plotw_printf(w, " noenhanced");
        sep = ", \\\n     ";
        if (flags) {
            od_plotw_printf(w, "%s%.10g%s with lines dt 2 lc rgb " OD_PLOTW_ANOMAL " title ", sep, d->threshold,
                            y2 ? " axes x1y2" : "");
            od_plotw_quotef(w, "threshold=%.4g", d->threshold);
        }
    }
    for (size_t c = 0; c < nch; c++) {
        char fallback[40];
        const char *name = d->names && d->names[c] && *d->names[c] ? d->names[c] : NULL;
        if (!name) {
            snprintf(fallback, sizeof fallback, "channel %zu", c + 1);
            name = fallback;
        }
        od_plotw_printf(w, "%s$series using 1:%zu with lines lc rgb %s title ", sep, c + 2,
                        od_plotw_colour(c == 0 ? 0 : c + 1));
        od_plotw_quote(w, name);
        od_plotw_printf(w, " noenhanced");
        sep = ", \\\n     ";
    }
    if (flags) {
        size_t ntarget = nch ? nch : 1;
        for (size_t c = 0; c < ntarget; c++) {
            size_t col = nch ? c + 2 : col_score;
            od_plotw_printf(w, "%s$series using 1:(column(%zu) > 0.5 ? column(%zu) : NaN) with points pt 7 ps 0.8 "
                            "lc rgb " OD_PLOTW_ANOMAL " %s", sep, col_flag, col,
                            c == 0 ? "title 'flagged (score >= threshold)'" : "notitle");
        }
    }
    if (nruns)
        od_plotw_printf(w, "%sNaN with filledcurves y=0 fc rgb " OD_PLOTW_ANOMAL
                        " fs transparent solid 0.15 title 'labelled anomaly'", sep);
    od_plotw_printf(w, "\n");
}

/* Stacked series: the rows x, channels..., then per panel its score and
 * its flag (0/1). */
static int panel_flag(const od_plot_series_panel *p, size_t i)
{
    return isfinite(p->threshold) && isfinite(p->score[i]) && p->score[i] >= p->threshold;
}

static void stacked_row(od_plotw *w, const od_plot_series_data *d, size_t i)
{
    od_plotw_num15(w, d->t ? d->t[i] : (double)i);
    for (size_t c = 0; c < d->nch; c++) {
        od_plotw_printf(w, " ");
        od_plotw_num(w, d->y[c][i]);
    }
    for (size_t k = 0; k < d->npanels; k++) {
        od_plotw_printf(w, " ");
        od_plotw_num(w, d->panels[k].score[i]);
        od_plotw_printf(w, " %d", panel_flag(&d->panels[k], i));
    }
    od_plotw_printf(w, "\n");
}

/* Thinned: per bucket the minimum of every value at the first x, each
 * panel's highest-scoring flagged row as it is, the maximum at the last x. */
static int stacked_rows_thinned(od_ctx *ctx, od_plotw *w, const od_plot_series_data *d, size_t nb)
{
    size_t n = d->n, nch = d->nch, np = d->npanels, nv = nch + np;
    double *lo = od_mallocn(ctx, 2 * nv, sizeof *lo);
    size_t *best = od_mallocn(ctx, np, sizeof *best);
    if (!lo || !best) {
        free(lo);
        free(best);
        return OD_ENOMEM;
    }
    double *hi = lo + nv;
    for (size_t b = 0; b < nb && !w->err; b++) {
        size_t i0 = b * n / nb, i1 = (b + 1) * n / nb;
        double xf = NAN, xl = NAN;
        for (size_t v = 0; v < nv; v++) lo[v] = INFINITY, hi[v] = -INFINITY;
        for (size_t k = 0; k < np; k++) best[k] = (size_t)-1;
        for (size_t i = i0; i < i1; i++) {
            double x = d->t ? d->t[i] : (double)i;
            if (isfinite(x)) {
                if (!isfinite(xf)) xf = x;
                xl = x;
            }
            for (size_t v = 0; v < nv; v++) {
                double y = v < nch ? d->y[v][i] : d->panels[v - nch].score[i];
                if (!isfinite(y)) continue;
                if (y < lo[v]) lo[v] = y;
                if (y > hi[v]) hi[v] = y;
            }
            for (size_t k = 0; k < np; k++)
                if (isfinite(x) && panel_flag(&d->panels[k], i) &&
                    (best[k] == (size_t)-1 || d->panels[k].score[i] > d->panels[k].score[best[k]]))
                    best[k] = i;
        }
        for (int part = 0; part < 2; part++) {
            if (part == 1)
                for (size_t k = 0; k < np; k++)
                    if (best[k] != (size_t)-1) stacked_row(w, d, best[k]);
            od_plotw_num15(w, part ? xl : xf);
            for (size_t v = 0; v < nv; v++) {
                od_plotw_printf(w, " ");
                od_plotw_num(w, part ? hi[v] : lo[v]);   /* +-inf (no value) prints as NaN */
                if (v >= nch) od_plotw_printf(w, " 0");
            }
            od_plotw_printf(w, "\n");
        }
    }
    free(lo);
    free(best);
    return OD_OK;
}

/* One panel of a stacked series: its title, margins and x axis (tic labels
 * and the axis label on the bottom panel only). */
static void stacked_panel(od_plotw *w, const od_plot_opts *o, const char *title, int bottom, int epoch, int has_t,
                          double span)
{
    od_plotw_printf(w, "set title ");
    od_plotw_quote(w, title);
    od_plotw_printf(w, " noenhanced\nset tmargin 2\n");
    if (!bottom) {
        od_plotw_printf(w, "set bmargin 1\nset format x ''\nunset xlabel\n");
        return;
    }
    od_plotw_printf(w, "set bmargin %d\n", o->term == OD_PLOT_TERM_DUMB ? 3 : 4);
    if (epoch) time_axis(w, o, span);
    else od_plotw_printf(w, "set format x '%% h'\n");
    const char *xl = o->xlabel ? o->xlabel : epoch ? "time (UTC)" : has_t ? "t" : "row";
    if (*xl) {
        od_plotw_printf(w, "set xlabel ");
        od_plotw_quote(w, xl);
        od_plotw_printf(w, " noenhanced\n");
    }
}

/* Several runs' scores stacked under the channels (d->npanels > 0). */
static int series_stacked(od_ctx *ctx, od_out *out, const od_plot_opts *o, const od_plot_series_data *d,
                          double xmin, double xmax)
{
    size_t n = d->n, nch = d->nch, np = d->npanels;
    for (size_t k = 0; k < np; k++)
        if (!d->panels[k].score) return od_error(ctx, OD_EINVAL, "plot series: panel %zu has no scores", k + 1);
    int epoch = d->t && d->t_epoch, dumb = o->term == OD_PLOT_TERM_DUMB;
    od_plot_opts bo = *o;   /* the titles are the multiplot's and the panels' */
    bo.title = bo.xlabel = bo.ylabel = "";
    od_plotw w = { out, 0 };
    int rc = od_plotw_begin(ctx, &w, &bo, "series", NULL, NULL, NULL);
    if (rc) return rc;
    size_t width = (size_t)od_plotw_width(o);
    size_t nb = !o->full && n > 4 * width ? 2 * width : 0;
    if (nb) od_plotw_printf(&w, "# %zu rows thinned to the minimum and maximum of each of %zu buckets\n", n, nb);
    if (d->label) series_label_runs(&w, d, nb, width, xmin, xmax);
    od_plotw_printf(&w, "$series << EOD\n");
    if (!nb)
        for (size_t i = 0; i < n && !w.err; i++) stacked_row(&w, d, i);
    else if (stacked_rows_thinned(ctx, &w, d, nb)) return OD_ENOMEM;
    od_plotw_printf(&w, "EOD\n");

    const char *title = o->title ? o->title : d->title ? d->title : "Series";
    od_plotw_printf(&w, "set multiplot layout %zu,1", np + (nch ? 1 : 0));
    if (*title) {
        od_plotw_printf(&w, " title ");
        od_plotw_quote(&w, title);
        od_plotw_printf(&w, " noenhanced");
    }
    /* the same left and right margins and x range: the panels line up */
    od_plotw_printf(&w, "\nset lmargin %d\nset rmargin %d\nset xrange [", dumb ? 10 : 12, dumb ? 3 : 4);
    od_plotw_num15(&w, xmin);
    od_plotw_printf(&w, ":");
    od_plotw_num15(&w, xmax < xmin + 1e-300 ? xmin + 1 : xmax);
    od_plotw_printf(&w, "]\nunset key\n");
    if (epoch) od_plotw_printf(&w, "set xdata time\nset timefmt '%%s'\n");
    if (nch) {
        char *names = NULL;
        size_t len = 0;
        for (size_t c = 0; c < nch; c++) len += (d->names && d->names[c] ? strlen(d->names[c]) : 20) + 2;
        if (!(names = od_malloc(ctx, len + 1))) return OD_ENOMEM;
        names[0] = 0;
        for (size_t c = 0; c < nch; c++) {
            size_t l = strlen(names);
            if (d->names && d->names[c] && *d->names[c]) snprintf(names + l, len + 1 - l, "%s%s", c ? ", " : "", d->names[c]);
            else snprintf(names + l, len + 1 - l, "%schannel %zu", c ? ", " : "", c + 1);
        }
        stacked_panel(&w, o, names, np == 0, epoch, d->t != NULL, xmax - xmin);
        free(names);
        if (nch > 1) od_plotw_printf(&w, "set key top left horizontal noenhanced\n");
        od_plotw_printf(&w, "plot ");
        for (size_t c = 0; c < nch; c++) {
            char fallback[40];
            const char *name = d->names && d->names[c] && *d->names[c] ? d->names[c] : NULL;
            if (!name) {
                snprintf(fallback, sizeof fallback, "channel %zu", c + 1);
                name = fallback;
            }
            od_plotw_printf(&w, "%s$series using 1:%zu with lines lc rgb %s title ", c ? ", \\\n     " : "", c + 2,
                            od_plotw_colour(c == 0 ? 0 : c + 1));
            od_plotw_quote(&w, name);
            od_plotw_printf(&w, " noenhanced");
        }
        od_plotw_printf(&w, "\nunset key\n");
    }
    for (size_t k = 0; k < np; k++) {
        const od_plot_series_panel *p = &d->panels[k];
        char fallback[40], *pt;
        const char *name = p->name && *p->name ? p->name : NULL;
        if (!name) {
            snprintf(fallback, sizeof fallback, "score %zu", k + 1);
            name = fallback;
        }
        size_t nflag = 0;
        for (size_t i = 0; i < n; i++) nflag += (size_t)panel_flag(p, i);
        size_t tl = strlen(name) + 96;
        if (!(pt = od_malloc(ctx, tl))) return OD_ENOMEM;
        if (isfinite(p->threshold))
            snprintf(pt, tl, "%s: score, threshold=%.4g, %zu rows flagged", name, p->threshold, nflag);
        else snprintf(pt, tl, "%s: score (no threshold)", name);
        stacked_panel(&w, o, pt, k + 1 == np, epoch, d->t != NULL, xmax - xmin);
        free(pt);
        size_t col = nch + 2 + 2 * k;
        od_plotw_printf(&w, "plot $series using 1:%zu with lines lc rgb %s notitle", col, od_plotw_colour(k == 0 ? 0 : k + 1));
        if (isfinite(p->threshold)) {
            od_plotw_printf(&w, ", \\\n     %.10g with lines dt 2 lc rgb " OD_PLOTW_ANOMAL " notitle", p->threshold);
            od_plotw_printf(&w, ", \\\n     $series using 1:(column(%zu) > 0.5 ? column(%zu) : NaN) with points pt 7 ps 0.8 "
                            "lc rgb " OD_PLOTW_ANOMAL " notitle", col + 1, col);
        }
        od_plotw_printf(&w, "\n");
    }
    od_plotw_printf(&w, "unset multiplot\n");
    return od_plotw_end(ctx, &w, o);
}

int od_plot_series(od_ctx *ctx, od_out *out, const od_plot_opts *o, const od_plot_series_data *d)
{
    if (!d || d->n == 0) return od_error(ctx, OD_EINVAL, "plot series: no rows");
    if (d->nch == 0 && !d->score && !d->npanels) return od_error(ctx, OD_EINVAL, "plot series: no channel and no score to draw");
    if (d->npanels && !d->panels) return od_error(ctx, OD_EINVAL, "plot series: panel arrays missing");
    if (d->nch > 0 && !d->y) return od_error(ctx, OD_EINVAL, "plot series: channel arrays missing");
    for (size_t c = 0; c < d->nch; c++)
        if (!d->y[c]) return od_error(ctx, OD_EINVAL, "plot series: channel %zu has no values", c + 1);
    size_t n = d->n, nch = d->nch;
    int epoch = d->t && d->t_epoch;
    int flags = d->score && isfinite(d->threshold);
    const char *sname = d->score_name && *d->score_name ? d->score_name : "score";

    /* x positions */
    double xmin = INFINITY, xmax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = d->t ? d->t[i] : (double)i;
        if (isfinite(x)) {
            if (x < xmin) xmin = x;
            if (x > xmax) xmax = x;
        }
    }
    if (!(xmin <= xmax)) return od_error(ctx, OD_EDATA, "plot series: no finite time stamp");
    if (d->npanels) return series_stacked(ctx, out, o, d, xmin, xmax);

    od_plotw w = { out, 0 };
    const char *ylab = nch ? "value" : sname;
    int rc = od_plotw_begin(ctx, &w, o, "series", d->title ? d->title : "Series", epoch ? "time (UTC)" : (d->t ? "t" : "row"), ylab);
    if (rc) return rc;
    if (epoch) time_axis(&w, o, xmax - xmin);
    od_plotw_printf(&w, "set autoscale xfix\n");
    int y2 = d->score && nch > 0;
    if (y2) {
        od_plotw_printf(&w, "set ytics nomirror\nset y2tics\nset y2label ");
        od_plotw_quote(&w, sname);
        od_plotw_printf(&w, " noenhanced\n");
    }
    od_plotw_printf(&w, "set key below\n");

    /* long series are thinned to min/max per bucket of consecutive rows */
    size_t width = (size_t)od_plotw_width(o);
    size_t nb = !o->full && n > 4 * width ? 2 * width : 0;
    if (nb) od_plotw_printf(&w, "# %zu rows thinned to the minimum and maximum of each of %zu buckets\n", n, nb);

    /* labelled anomaly runs as rectangles spanning the graph's height */
    size_t nruns = d->label ? series_label_runs(&w, d, nb, width, xmin, xmax) : 0;

    od_plotw_printf(&w, "$series << EOD\n");
    if (!nb) series_rows(&w, d, flags);
    else if (series_rows_thinned(ctx, &w, d, nb, flags)) return OD_ENOMEM;
    od_plotw_printf(&w, "EOD\n");

    series_plot_cmd(&w, d, flags, y2, nruns);
    return od_plotw_end(ctx, &w, o);
}

/* ------------------------------------------------------------------ scatter */

/* Scatter plots above this many points are thinned (unless opts->full). */
#define OD_PLOTW_SCATTER_FULL 20000

typedef struct {
    int cx, cy;
    long cls;
    size_t idx;   /* (size_t)-1 = empty slot */
} scell;

/* Keep one point per (pixel cell, colour class): the first one, or for
 * BY_SCORE the highest-scoring one; the others get set[i] = -1. */
static int thin_scatter(od_ctx *ctx, const od_plot_scatter_data *d, signed char *set, double xlo, double xhi,
                        double ylo, double yhi, int wd, int ht, size_t *drawn)
{
    size_t n = d->n, cap = 1024, used = 0;
    scell *tab = od_mallocn(ctx, cap, sizeof *tab);
    if (!tab) return OD_ENOMEM;
    for (size_t k = 0; k < cap; k++) tab[k].idx = (size_t)-1;
    double sx = xhi > xlo ? wd / (xhi - xlo) : 0, sy = yhi > ylo ? ht / (yhi - ylo) : 0;
    for (size_t i = 0; i < n; i++) {
        if (set[i] < 0) continue;
        if (2 * (used + 1) > cap) {
            size_t nc = 2 * cap;
            scell *nt = od_mallocn(ctx, nc, sizeof *nt);
            if (!nt) {
                free(tab);
                return OD_ENOMEM;
            }
            for (size_t k = 0; k < nc; k++) nt[k].idx = (size_t)-1;
            for (size_t k = 0; k < cap; k++) {
                if (tab[k].idx == (size_t)-1) continue;
                uint64_t h = od_hash64(((uint64_t)(uint32_t)tab[k].cx << 32 | (uint32_t)tab[k].cy) ^
                                       od_hash64((uint64_t)tab[k].cls));
                size_t p = (size_t)h & (nc - 1);
                while (nt[p].idx != (size_t)-1) p = (p + 1) & (nc - 1);
                nt[p] = tab[k];
            }
            free(tab);
            tab = nt;
            cap = nc;
        }
        int cx = (int)floor((d->x[i] - xlo) * sx), cy = (int)floor((d->y[i] - ylo) * sy);
        long cls = set[i];
        if (d->by == OD_PLOT_BY_CLUSTER && set[i] == 0) cls = 3 + (long)d->cluster[i];
        uint64_t h = od_hash64(((uint64_t)(uint32_t)cx << 32 | (uint32_t)cy) ^ od_hash64((uint64_t)cls));
        size_t p = (size_t)h & (cap - 1);
        while (tab[p].idx != (size_t)-1 && !(tab[p].cx == cx && tab[p].cy == cy && tab[p].cls == cls))
            p = (p + 1) & (cap - 1);
        if (tab[p].idx == (size_t)-1) {
            tab[p] = (scell){ cx, cy, cls, i };
            used++;
        } else if (d->by == OD_PLOT_BY_SCORE && set[i] == 0 && d->score[i] > d->score[tab[p].idx]) {
            set[tab[p].idx] = -1;
            tab[p].idx = i;
        } else {
            set[i] = -1;
        }
    }
    free(tab);
    *drawn = used;
    return 0;
}

/* qsort by score ascending, ties by row (the scores are a file-scope key:
 * set and cleared around the one qsort call in od_plot_scatter). */
static _Thread_local const double *score_keys;
static int cmp_by_score(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = score_keys[i], y = score_keys[j];
    if (x < y) return -1;
    if (x > y) return 1;
    return i < j ? -1 : i > j;
}

static void xy_row(od_plotw *w, double x, double y)
{
    od_plotw_num(w, x);
    od_plotw_printf(w, " ");
    od_plotw_num(w, y);
}

/* The colouring of a scatter plot has the array it needs. */
static int scatter_check(od_ctx *ctx, const od_plot_scatter_data *d)
{
    switch (d->by) {
    case OD_PLOT_BY_NONE: break;
    case OD_PLOT_BY_LABEL:
        if (!d->label) return od_error(ctx, OD_EINVAL, "plot scatter: colour by label but no labels given");
        break;
    case OD_PLOT_BY_CLUSTER:
        if (!d->cluster) return od_error(ctx, OD_EINVAL, "plot scatter: colour by cluster but no cluster ids given");
        break;
    case OD_PLOT_BY_SCORE:
        if (!d->score) return od_error(ctx, OD_EINVAL, "plot scatter: colour by score but no scores given");
        break;
    default:
        return od_error(ctx, OD_EINVAL, "plot scatter: unknown colouring %d", (int)d->by);
    }
    return OD_OK;
}

/* The data blocks of a scatter plot: set 0 in the given order (by score: the
 * highest last, on top), sets 1 and 2 in row order. */
static void scatter_blocks(od_plotw *w, const od_plot_scatter_data *d, const signed char *set,
                           const size_t *order, size_t no, const size_t cnt[3])
{
    size_t n = d->n;
    static const char *const block[3] = { "$points", "$anomalous", "$grey" };
    for (int st = 0; st < 3; st++) {
        if (!cnt[st]) continue;
        od_plotw_printf(w, "%s << EOD\n", block[st]);
        size_t lim = st == 0 ? no : n;
        for (size_t j = 0; j < lim && !w->err; j++) {
            size_t i = st == 0 ? order[j] : j;
            if (set[i] != st) continue;
            xy_row(w, d->x[i], d->y[i]);
            if (st == 0 && d->by == OD_PLOT_BY_CLUSTER) od_plotw_printf(w, " %d", d->cluster[i]);
            if (st == 0 && d->by == OD_PLOT_BY_SCORE) {
                od_plotw_printf(w, " ");
                od_plotw_num(w, d->score[i]);
            }
            od_plotw_printf(w, "\n");
        }
        od_plotw_printf(w, "EOD\n");
    }
}

/* The palette and plot command of a scatter plot for its colouring.  On the
 * dumb terminal colours do not show (or not everywhere): every class gets
 * its own character instead: '.' normal, 'X' anomalous, ',' unlabelled or
 * noise or not scored, clusters their number (0-9, then a-z, '*' beyond),
 * scores a ramp of five characters from low to high, named in the key. */
static void scatter_plot_cmd(od_plotw *w, const od_plot_scatter_data *d, const size_t cnt[3], long cmin, long cmax,
                             double smin, double smax, int dumb)
{
    const char *sep = "";
    const char *pt_n = dumb ? "pt '.'" : "pt 7 ps 0.8", *pt_a = dumb ? "pt 'X'" : "pt 7 ps 1",
               *pt_g = dumb ? "pt ','" : "pt 7 ps 0.8";
    switch (d->by) {
    case OD_PLOT_BY_NONE:
        od_plotw_printf(w, "plot $points using 1:2 with points %s lc rgb " OD_PLOTW_NORMAL " notitle\n", pt_n);
        break;
    case OD_PLOT_BY_LABEL:
        od_plotw_printf(w, "plot ");
        if (cnt[2]) {
            od_plotw_printf(w, "$grey using 1:2 with points %s lc rgb " OD_PLOTW_GREY " title 'unlabelled'", pt_g);
            sep = ", \\\n     ";
        }
        if (cnt[0]) {
            od_plotw_printf(w, "%s$points using 1:2 with points %s lc rgb " OD_PLOTW_NORMAL " title 'normal'", sep, pt_n);
            sep = ", \\\n     ";
        }
        if (cnt[1])
            od_plotw_printf(w, "%s$anomalous using 1:2 with points %s lc rgb " OD_PLOTW_ANOMAL
                            " title 'anomalous'", sep, pt_a);
        od_plotw_printf(w, "\n");
        break;
    case OD_PLOT_BY_CLUSTER: {
        if (cnt[0]) {
            long k = cmax - cmin + 1;
            od_plotw_printf(w, "set cbrange [%.1f:%.1f]\nset cblabel 'cluster'\n", cmin - 0.5, cmax + 0.5);
            if (k <= 10) {
                od_plotw_printf(w, "set palette maxcolors %ld\nset palette defined (", k);
                for (long c = 0; c < k; c++)
                    od_plotw_printf(w, "%s%ld %s", c ? ", " : "", c, od_plotw_colour((size_t)c));
                if (k == 1) od_plotw_printf(w, ", 1 %s", od_plotw_colour(0));
                od_plotw_printf(w, ")\n");
            } else {
                od_plotw_printf(w, "set palette maxcolors %ld\nset palette model HSV defined (0 0 0.75 0.85, 1 0.85 0.75 0.85)\n",
                                k > 256 ? 256 : k);
            }
            if (k <= 20) od_plotw_printf(w, "set cbtics 1\n");
        }
        od_plotw_printf(w, "plot ");
        if (cnt[2]) {
            od_plotw_printf(w, "$grey using 1:2 with points %s lc rgb " OD_PLOTW_GREY " title 'noise'", pt_g);
            sep = ", \\\n     ";
        }
        if (cnt[0] && dumb)
            od_plotw_printf(w, "%s$points using 1:2:(c = int($3), c < 10 ? sprintf('%%d', c) : "
                            "c < 36 ? substr('abcdefghijklmnopqrstuvwxyz', c - 9, c - 9) : '*') "
                            "with labels title 'cluster: its number (10 on: a-z)'", sep);
        else if (cnt[0])
            od_plotw_printf(w, "%s$points using 1:2:3 with points pt 7 ps 0.8 lc palette title 'cluster'", sep);
        od_plotw_printf(w, "\n");
        break;
    }
    case OD_PLOT_BY_SCORE: {
        const char *cn = d->cname && *d->cname ? d->cname : "score";
        double lo = smin, hi = smax;
        if (hi <= lo) { lo -= 0.5; hi += 0.5; }
        if (cnt[0]) {
            od_plotw_printf(w, "set cbrange [%.10g:%.10g]\nset cblabel ", lo, hi);
            od_plotw_quote(w, cn);
            od_plotw_printf(w, " noenhanced\nset palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21908d', "
                            "0.75 '#5dc963', 1 '#fde725')\n");
        }
        od_plotw_printf(w, "plot ");
        if (cnt[2]) {
            od_plotw_printf(w, "$grey using 1:2 with points %s lc rgb " OD_PLOTW_GREY " title 'not scored'", pt_g);
            sep = ", \\\n     ";
        }
        if (cnt[0] && dumb) {
            /* fifths of the colour range: . : o O # (low to high) */
            od_plotw_printf(w, "%s$points using 1:2:(q = int(5 * ($3 - (%.17g)) / (%.17g)), q = q < 0 ? 0 : q > 4 ? 4 : q, "
                            "substr('.:oO#', q + 1, q + 1)) with labels title ", sep, lo, hi - lo);
            od_plotw_quotef(w, "%s: . : o O # (low to high)", cn);
            od_plotw_printf(w, " noenhanced");
        } else if (cnt[0]) {
            od_plotw_printf(w, "%s$points using 1:2:3 with points pt 7 ps 0.8 lc palette title ", sep);
            od_plotw_quote(w, cn);
            od_plotw_printf(w, " noenhanced");
        }
        od_plotw_printf(w, "\n");
        break;
    }
    }
}

int od_plot_scatter(od_ctx *ctx, od_out *out, const od_plot_opts *o, const od_plot_scatter_data *d)
{
    if (!d || d->n == 0) return od_error(ctx, OD_EINVAL, "plot scatter: no rows");
    if (!d->x || !d->y) return od_error(ctx, OD_EINVAL, "plot scatter: x or y array missing");
    size_t n = d->n;
    int rc = scatter_check(ctx, d);
    if (rc) return rc;
    const char *xn = d->xname && *d->xname ? d->xname : "x";
    const char *yn = d->yname && *d->yname ? d->yname : "y";
    size_t tl = strlen(xn) + strlen(yn) + 8;
    char *title = o && o->title ? NULL : malloc(tl);
    if (!title && !(o && o->title)) return od_error(ctx, OD_ENOMEM, "plot scatter: out of memory");
    if (title) snprintf(title, tl, "%s vs %s", yn, xn);
    od_plotw w = { out, 0 };
    rc = od_plotw_begin(ctx, &w, o, "scatter", title, xn, yn);
    free(title);
    if (rc) return rc;
    od_plotw_printf(&w, "set key below\n");

    /* sets: 0 = main / normal / clustered / scored, 1 = anomalous, 2 = grey;
     * -1 = not drawn */
    signed char *set = od_mallocn(ctx, n, 1);
    size_t *order = od_mallocn(ctx, n, sizeof *order);
    if (!set || !order) {
        free(set);
        free(order);
        return OD_ENOMEM;
    }
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        set[i] = -1;
        if (!isfinite(d->x[i]) || !isfinite(d->y[i])) continue;
        if (d->by == OD_PLOT_BY_LABEL) set[i] = d->label[i] == 0 ? 0 : d->label[i] == 1 ? 1 : 2;
        else if (d->by == OD_PLOT_BY_CLUSTER) set[i] = d->cluster[i] < 0 ? 2 : 0;
        else if (d->by == OD_PLOT_BY_SCORE) set[i] = isfinite(d->score[i]) ? 0 : 2;
        else set[i] = 0;
        if (d->x[i] < xlo) xlo = d->x[i];
        if (d->x[i] > xhi) xhi = d->x[i];
        if (d->y[i] < ylo) ylo = d->y[i];
        if (d->y[i] > yhi) yhi = d->y[i];
    }
    size_t drawn = n;
    if (!o->full && n > OD_PLOTW_SCATTER_FULL) {
        /* cells of 3 pixels (a point is drawn about 5 pixels wide), 1 character on dumb */
        int cell = o->term == OD_PLOT_TERM_DUMB ? 1 : 3;
        if ((rc = thin_scatter(ctx, d, set, xlo, xhi, ylo, yhi, od_plotw_width(o) / cell, od_plotw_height(o) / cell,
                               &drawn))) {
            free(set);
            free(order);
            return rc;
        }
        od_plotw_printf(&w, "# %zu points thinned to %zu: one per %s and colour%s\n", n, drawn,
                        o->term == OD_PLOT_TERM_DUMB ? "character" : "3x3 pixels",
                        d->by == OD_PLOT_BY_SCORE ? " (the highest score)" : "");
    }
    size_t cnt[3] = { 0, 0, 0 }, no = 0;
    long cmin = 0, cmax = -1;
    double smin = INFINITY, smax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (set[i] < 0) continue;
        cnt[set[i]]++;
        if (set[i] != 0) continue;
        order[no++] = i;
        if (d->by == OD_PLOT_BY_CLUSTER) {
            if (cmax < cmin) cmin = cmax = d->cluster[i];
            if (d->cluster[i] < cmin) cmin = d->cluster[i];
            if (d->cluster[i] > cmax) cmax = d->cluster[i];
        } else if (d->by == OD_PLOT_BY_SCORE) {
            if (d->score[i] < smin) smin = d->score[i];
            if (d->score[i] > smax) smax = d->score[i];
        }
    }
    if (cnt[0] + cnt[1] + cnt[2] == 0) {
        free(set);
        free(order);
        return od_error(ctx, OD_EDATA, "plot scatter: no row has a finite x and y");
    }
    /* by score: the highest scores drawn last, on top */
    if (d->by == OD_PLOT_BY_SCORE) {
        score_keys = d->score;
        qsort(order, no, sizeof *order, cmp_by_score);
        score_keys = NULL;
    }

    scatter_blocks(&w, d, set, order, no, cnt);
    free(set);
    free(order);

    scatter_plot_cmd(&w, d, cnt, cmin, cmax, smin, smax, o->term == OD_PLOT_TERM_DUMB);
    return od_plotw_end(ctx, &w, o);
}

/* ------------------------------------------------------------------ metrics */

typedef struct {
    double t;
    size_t i;
} thr_idx;

static int cmp_thr(const void *a, const void *b)
{
    const thr_idx *x = a, *y = b;
    if (x->t < y->t) return -1;
    if (x->t > y->t) return 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static double f1_of(double p, double r)
{
    if (!isfinite(p) || !isfinite(r)) return NAN;
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

int od_plot_metrics(od_ctx *ctx, od_out *out, const od_plot_opts *o, const od_plot_metrics_data *d)
{
    if (!d || d->n == 0) return od_error(ctx, OD_EINVAL, "plot metrics: no thresholds");
    if (!d->threshold || !d->precision || !d->recall)
        return od_error(ctx, OD_EINVAL, "plot metrics: threshold, precision or recall array missing");
    size_t n = d->n, m = 0;
    thr_idx *ti = od_mallocn(ctx, n, sizeof *ti);
    if (!ti) return OD_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (isfinite(d->threshold[i])) ti[m++] = (thr_idx){ d->threshold[i], i };
    if (m == 0) {
        free(ti);
        return od_error(ctx, OD_EDATA, "plot metrics: no finite threshold");
    }
    qsort(ti, m, sizeof *ti, cmp_thr);

    od_plotw w = { out, 0 };
    int rc = od_plotw_begin(ctx, &w, o, "metrics", "Precision, recall and F1 by threshold", "threshold", "value");
    if (rc) {
        free(ti);
        return rc;
    }
    od_plotw_printf(&w, "set yrange [0:1.05]\nset key below\n");
    double cur = d->current;
    if (isfinite(cur)) {
        /* values at the smallest given threshold >= cur: when the thresholds
         * are the distinct scores, that one flags exactly the rows cur flags */
        size_t best = ti[m - 1].i;
        for (size_t k = 0; k < m; k++)
            if (ti[k].t >= cur) {
                best = ti[k].i;
                break;
            }
        double f = d->f1 ? d->f1[best] : f1_of(d->precision[best], d->recall[best]);
        double lo = d->threshold[ti[0].i], hi = d->threshold[ti[m - 1].i];
        int right = hi > lo && cur > lo + 0.6 * (hi - lo);
        od_plotw_printf(&w, "set arrow 1 from first %.10g, graph 0 to first %.10g, graph 1 nohead dt 2 lc rgb "
                        OD_PLOTW_DARK "\n", cur, cur);
        od_plotw_printf(&w, "set label 1 ");
        od_plotw_quotef(&w, "threshold=%.4g  P=%.3f R=%.3f F1=%.3f", cur, d->precision[best], d->recall[best], f);
        od_plotw_printf(&w, " at first %.10g, graph 0.97 %s offset character %d,0 noenhanced\n", cur,
                        right ? "right" : "left", right ? -1 : 1);
    }
    /* sorted columns; thinned to half-pixel steps when there are more rows
     * than the picture can show */
    double wd = od_plotw_width(o), ht = od_plotw_height(o);
    size_t nk = m, *keep = NULL;
    double *cols = od_mallocn(ctx, m, 4 * sizeof *cols);
    if (!cols) {
        free(ti);
        return OD_ENOMEM;
    }
    double *tx = cols, *pp = cols + m, *rr = cols + 2 * m, *ff = cols + 3 * m;
    for (size_t k = 0; k < m; k++) {
        size_t i = ti[k].i;
        tx[k] = d->threshold[i];
        pp[k] = d->precision[i];
        rr[k] = d->recall[i];
        ff[k] = d->f1 ? d->f1[i] : f1_of(d->precision[i], d->recall[i]);
    }
    free(ti);
    if (!o->full && m > 4 * (size_t)(wd + ht)) {
        if (!(keep = od_mallocn(ctx, m, sizeof *keep))) {
            free(cols);
            return OD_ENOMEM;
        }
        const double *ys[3] = { pp, rr, ff };
        nk = od_plotw_thin_lines(tx, ys, 3, m, tx[0], tx[m - 1], 0, 1.05, wd, ht, keep);
        od_plotw_printf(&w, "# %zu thresholds thinned to %zu\n", m, nk);
    }
    od_plotw_printf(&w, "$metrics << EOD\n");
    for (size_t j = 0; j < nk && !w.err; j++) {
        size_t k = keep ? keep[j] : j;
        od_plotw_num(&w, tx[k]);
        od_plotw_printf(&w, " ");
        od_plotw_num(&w, pp[k]);
        od_plotw_printf(&w, " ");
        od_plotw_num(&w, rr[k]);
        od_plotw_printf(&w, " ");
        od_plotw_num(&w, ff[k]);
        od_plotw_printf(&w, "\n");
    }
    free(keep);
    free(cols);
    od_plotw_printf(&w, "EOD\n");
    od_plotw_printf(&w, "plot $metrics using 1:2 with lines lw 2 lc rgb %s title 'precision', \\\n"
                    "     $metrics using 1:3 with lines lw 2 lc rgb %s title 'recall', \\\n"
                    "     $metrics using 1:4 with lines lw 2 lc rgb %s title 'F1'\n",
                    od_plotw_colour(0), od_plotw_colour(2), od_plotw_colour(3));
    return od_plotw_end(ctx, &w, o);
}

/* ------------------------------------------------------------------ loss */

int od_plot_loss(od_ctx *ctx, od_out *out, const od_plot_opts *o, const od_plot_loss_data *d)
{
    if (!d || d->n == 0) return od_error(ctx, OD_EINVAL, "plot loss: no epochs");
    if (!d->train) return od_error(ctx, OD_EINVAL, "plot loss: no training loss given");
    int logy = o && o->logy;
    size_t n = d->n, nval = 0, ntrain = 0, dropped = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(d->train[i]) && (!logy || d->train[i] > 0)) ntrain++;
        else if (logy && isfinite(d->train[i])) dropped++;
        if (d->val) {
            if (isfinite(d->val[i]) && (!logy || d->val[i] > 0)) nval++;
            else if (logy && isfinite(d->val[i])) dropped++;
        }
    }
    if (ntrain == 0 && nval == 0)
        return od_error(ctx, OD_EDATA, "plot loss: no finite%s loss value", logy ? " positive" : "");
    od_plotw w = { out, 0 };
    int rc = od_plotw_begin(ctx, &w, o, "loss", "Training loss", "epoch", "loss");
    if (rc) return rc;
    if (dropped) od_warn(ctx, "plot loss: %zu non-positive loss values left out of the log-scale plot", dropped);
    if (logy) od_plotw_printf(&w, "set logscale y\n");
    od_plotw_printf(&w, "set key top right\n");
    if (n <= 1) od_plotw_printf(&w, "set xrange [0.5:1.5]\n");
    /* whole epochs on the x axis: a 1-2-5 step giving at most ~10 tics */
    static const size_t mant[3] = { 1, 2, 5 };
    size_t base = 1, step = 1;
    for (int mi = 0; (step = mant[mi] * base) && n / step > 10;)
        if (++mi == 3) {
            mi = 0;
            base *= 10;
        }
    od_plotw_printf(&w, "set xtics %zu\n", step);
    od_plotw_printf(&w, "$loss << EOD\n");
    for (size_t i = 0; i < n && !w.err; i++) {
        double tr = d->train[i], va = d->val ? d->val[i] : NAN;
        if (logy && !(tr > 0)) tr = NAN;
        if (logy && !(va > 0)) va = NAN;
        od_plotw_printf(&w, "%zu ", i + 1);
        od_plotw_num(&w, tr);
        od_plotw_printf(&w, " ");
        od_plotw_num(&w, va);
        od_plotw_printf(&w, "\n");
    }
    od_plotw_printf(&w, "EOD\n");
    const char *pts = n <= 50 ? "linespoints pt 7 ps 0.6" : "lines";
    od_plotw_printf(&w, "plot ");
    if (ntrain) od_plotw_printf(&w, "$loss using 1:2 with %s lw 2 lc rgb %s title 'train'", pts, od_plotw_colour(0));
    if (nval)
        od_plotw_printf(&w, "%s$loss using 1:3 with %s lw 2 lc rgb %s title 'validation'", ntrain ? ", \\\n     " : "",
                        pts, od_plotw_colour(3));
    od_plotw_printf(&w, "\n");
    return od_plotw_end(ctx, &w, o);
}

int od_plot_bars(od_ctx *ctx, od_out *out, const od_plot_opts *o, const od_plot_bars_data *d)
{
    if (!d || d->n == 0 || !d->value) return od_error(ctx, OD_EINVAL, "plot bars: no bars");
    size_t fin = 0, neg = 0;
    for (size_t i = 0; i < d->n; i++) {
        fin += isfinite(d->value[i]) != 0;
        neg += d->value[i] < 0;
    }
    if (!fin) return od_error(ctx, OD_EDATA, "plot bars: no finite value");
    const char *yl = d->ylabel ? d->ylabel : "contribution";
    od_plotw w = { out, 0 };
    int rc = od_plotw_begin(ctx, &w, o, "bars", "Contributions", "", yl);
    if (rc) return rc;
    od_plotw_printf(&w, "set style fill solid 0.6 border -1\nset boxwidth 0.7\nset key off\n");
    od_plotw_printf(&w, "set xrange [-0.6:%g]\n", (double)d->n - 0.4);
    od_plotw_printf(&w, "set xtics %s(", d->n > 12 ? "rotate by -45 " : "");
    for (size_t i = 0; i < d->n; i++) {
        od_plotw_printf(&w, "%s", i ? ", " : "");
        od_plotw_quote(&w, d->names ? d->names[i] : NULL);
        od_plotw_printf(&w, " %zu", i);
    }
    od_plotw_printf(&w, ")\n");
    if (neg) od_plotw_printf(&w, "set xzeroaxis\n");
    od_plotw_printf(&w, "$bars << EOD\n");
    for (size_t i = 0; i < d->n && !w.err; i++) {
        od_plotw_printf(&w, "%zu ", i);
        od_plotw_num(&w, d->value[i]);
        od_plotw_printf(&w, "\n");
    }
    od_plotw_printf(&w, "EOD\n");
    od_plotw_printf(&w, "plot $bars using 1:2 with boxes lc rgb %s\n", od_plotw_colour(0));
    return od_plotw_end(ctx, &w, o);
}
