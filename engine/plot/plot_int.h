/* plot_int.h - helpers shared by the script generators of engine/plot (not
 * part of the public API; only the sources in engine/plot include it). */
#ifndef OD_PLOT_INT_H
#define OD_PLOT_INT_H

#include "plot.h"

/* A script writer: remembers the first sink failure so generators can write
 * unconditionally and check once at the end. */
typedef struct {
    od_out *out;
    int err;
} od_plotw;

void od_plotw_printf(od_plotw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A gnuplot string expression (od_plot_quote). */
void od_plotw_quote(od_plotw *w, const char *s);
/* printf-format a text, then write it as a quoted string expression. */
void od_plotw_quotef(od_plotw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A datablock number: %.10g, non-finite values as NaN. */
void od_plotw_num(od_plotw *w, double x);
/* Same with 15 significant digits (time stamps). */
void od_plotw_num15(od_plotw *w, double x);

/* Validate opts and write the preamble: header comment, reset, terminal,
 * output, title and axis labels (the defaults unless opts overrides them). */
int od_plotw_begin(od_ctx *ctx, od_plotw *w, const od_plot_opts *opts, const char *kind,
                   const char *title, const char *xlabel, const char *ylabel);
/* The plot width in pixels (characters for dumb, points for pdf), with the
 * terminal's default for 0. */
int od_plotw_width(const od_plot_opts *opts);
int od_plotw_height(const od_plot_opts *opts);

/* Thin a polyline (x, ys[0..k)) of n rows drawn over [xlo,xhi] x [ylo,yhi]
 * at wd x ht pixels: keeps a row when x or any y moved half a pixel from the
 * last kept row, plus the row just before it (the corner), the last row, and
 * one non-finite row per gap.  Indices into keep[] (room for n); returns
 * their count.  The drawn path stays within about a pixel of the full one. */
size_t od_plotw_thin_lines(const double *x, const double *const *ys, size_t k, size_t n, double xlo, double xhi,
                           double ylo, double yhi, double wd, double ht, size_t *keep);
/* Close the output file for file terminals; OD_ENOMEM if the sink failed. */
int od_plotw_end(od_ctx *ctx, od_plotw *w, const od_plot_opts *opts);

/* The i-th colour of the curve palette, as '#rrggbb' (quoted, ready to print). */
const char *od_plotw_colour(size_t i);

#define OD_PLOTW_NORMAL "'#1f77b4'"
#define OD_PLOTW_ANOMAL "'#d62728'"
#define OD_PLOTW_GREY "'#a0a0a0'"
#define OD_PLOTW_DARK "'#404040'"

#endif
