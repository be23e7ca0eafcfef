/* xy.c - values against a parameter in panels side by side: plot elbow and
 * plot search (see plot.h: od_plot_xy). */
#include "config.h"
#include "plot_int.h"

#include <math.h>
#include <string.h>

static int panel_check(od_ctx *ctx, const char *kind, const od_plot_xy_panel *p, size_t *finite)
{
    *finite = 0;
    if (!p->ns) return od_error(ctx, OD_EINVAL, "plot %s: a panel without series", kind);
    for (size_t k = 0; k < p->ns; k++) {
        const od_plot_xy_series *s = &p->s[k];
        if (s->n && !s->y) return od_error(ctx, OD_EINVAL, "plot %s: a series without values", kind);
        if (!s->x && !p->xlabels) return od_error(ctx, OD_EINVAL, "plot %s: a series without x values", kind);
        for (size_t i = 0; i < s->n; i++) *finite += isfinite(s->y[i]) && (!s->x || isfinite(s->x[i]));
    }
    return OD_OK;
}

int od_plot_xy(od_ctx *ctx, od_out *out, const od_plot_opts *o, const char *kind, const char *title,
               const od_plot_xy_panel *p, size_t np)
{
    if (!np) return od_error(ctx, OD_EINVAL, "plot %s: nothing to draw", kind);
    size_t total = 0;
    for (size_t q = 0; q < np; q++) {
        size_t f;
        int rc = panel_check(ctx, kind, &p[q], &f);
        if (rc) return rc;
        total += f;
    }
    if (!total) return od_error(ctx, OD_EDATA, "plot %s: no finite value to draw", kind);
    od_plotw w = { out, 0 };
    int rc = od_plotw_begin(ctx, &w, o, kind, np == 1 ? title : "", p[0].xlabel ? p[0].xlabel : "", p[0].ylabel ? p[0].ylabel : "");
    if (rc) return rc;
    /* the data: one block per series, "x y err" per row */
    for (size_t q = 0; q < np; q++)
        for (size_t k = 0; k < p[q].ns; k++) {
            const od_plot_xy_series *s = &p[q].s[k];
            od_plotw_printf(&w, "$s%zu_%zu << EOD\n", q, k);
            for (size_t i = 0; i < s->n; i++) {
                od_plotw_num(&w, s->x ? s->x[i] : (double)i);
                od_plotw_printf(&w, " ");
                od_plotw_num(&w, s->y[i]);
                od_plotw_printf(&w, " ");
                od_plotw_num(&w, s->err ? s->err[i] : 0);
                od_plotw_printf(&w, "\n");
            }
            od_plotw_printf(&w, "EOD\n");
        }
    if (np > 1) {
        od_plotw_printf(&w, "set multiplot layout 1,%zu title ", np);
        od_plotw_quote(&w, o && o->title ? o->title : title ? title : "");
        od_plotw_printf(&w, "\n");
    }
    od_plotw_printf(&w, "set key top right\nset grid\n");
    for (size_t q = 0; q < np; q++) {
        const od_plot_xy_panel *P = &p[q];
        if (q) od_plotw_printf(&w, "unset arrow\nunset label\nunset xtics\nset xtics\nunset logscale x\nunset y2tics\nset ytics mirror\n");
        if (np > 1) {
            od_plotw_printf(&w, "set title ");
            od_plotw_quote(&w, P->title ? P->title : "");
            od_plotw_printf(&w, "\nset xlabel ");
            od_plotw_quote(&w, P->xlabel ? P->xlabel : "");
            od_plotw_printf(&w, "\nset ylabel ");
            od_plotw_quote(&w, P->ylabel ? P->ylabel : "");
            od_plotw_printf(&w, "\n");
        }
        int has_y2 = 0;
        for (size_t k = 0; k < P->ns; k++) has_y2 |= P->s[k].y2;
        if (has_y2) {
            od_plotw_printf(&w, "set ytics nomirror\nset y2tics\nset y2label ");
            od_plotw_quote(&w, P->y2label ? P->y2label : "");
            od_plotw_printf(&w, "\n");
        } else {
            od_plotw_printf(&w, "unset y2label\n");
        }
        if (P->logx) od_plotw_printf(&w, "set logscale x\n");
        if (P->xlabels) {
            od_plotw_printf(&w, "set xrange [-0.5:%g]\nset xtics (", (double)P->nx - 0.5);
            for (size_t i = 0; i < P->nx; i++) {
                od_plotw_printf(&w, "%s", i ? ", " : "");
                od_plotw_quote(&w, P->xlabels[i]);
                od_plotw_printf(&w, " %zu", i);
            }
            od_plotw_printf(&w, ")\n");
        } else {
            od_plotw_printf(&w, "set autoscale x\n");
        }
        if (!isnan(P->mark_x)) {
            od_plotw_printf(&w, "set arrow from ");
            od_plotw_num(&w, P->mark_x);
            od_plotw_printf(&w, ", graph 0 to ");
            od_plotw_num(&w, P->mark_x);
            od_plotw_printf(&w, ", graph 1 nohead dt 2 lw 2 lc rgb %s\n", OD_PLOTW_ANOMAL);
            if (P->mark_label) {
                od_plotw_printf(&w, "set label ");
                od_plotw_quote(&w, P->mark_label);
                od_plotw_printf(&w, " at ");
                od_plotw_num(&w, P->mark_x);
                od_plotw_printf(&w, ", graph 0.95 offset 1,0 tc rgb %s\n", OD_PLOTW_ANOMAL);
            }
        }
        od_plotw_printf(&w, "plot ");
        for (size_t k = 0; k < P->ns; k++) {
            const od_plot_xy_series *s = &P->s[k];
            od_plotw_printf(&w, "%s$s%zu_%zu using 1:2%s with %s lw 2 lc rgb %s%s title ", k ? ", \\\n     " : "", q, k,
                            s->err && !s->lines ? ":3" : "",
                            s->lines ? "linespoints pt 7 ps 0.8" : s->err ? "yerrorbars pt 7 ps 0.6" : "points pt 7 ps 0.6",
                            od_plotw_colour(k), s->y2 ? " axes x1y2" : "");
            od_plotw_quote(&w, s->name ? s->name : "");
        }
        od_plotw_printf(&w, "\n");
    }
    if (np > 1) od_plotw_printf(&w, "unset multiplot\n");
    return od_plotw_end(ctx, &w, o);
}
