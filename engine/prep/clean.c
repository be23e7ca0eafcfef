#include "config.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *missing_name(od_missing m)
{
    switch (m) {
    case OD_MISSING_KEEP: return "keep";
    case OD_MISSING_DROP: return "drop";
    case OD_MISSING_MEAN: return "mean";
    case OD_MISSING_MEDIAN: return "median";
    case OD_MISSING_INTERPOLATE: return "interpolate";
    case OD_MISSING_FFILL: return "ffill";
    }
    return "?";
}

static int check_opts(od_ctx *ctx, const od_clean_opts *o)
{
    if ((int)o->missing < OD_MISSING_KEEP || o->missing > OD_MISSING_FFILL)
        return od_error(ctx, OD_EINVAL, "unknown missing= policy %d (drop, mean, median, interpolate, ffill)",
                        (int)o->missing);
    switch (o->clip) {
    case OD_CLIP_NONE: break;
    case OD_CLIP_SD:
        if (!(o->clip_k > 0) || !isfinite(o->clip_k))
            return od_error(ctx, OD_EINVAL, "clip=%g: the number of standard deviations must be > 0", o->clip_k);
        break;
    case OD_CLIP_QUANTILE:
        if (!(o->clip_lo >= 0 && o->clip_hi <= 1 && o->clip_lo < o->clip_hi))
            return od_error(ctx, OD_EINVAL, "clip=%g,%g: quantiles must satisfy 0 <= lo < hi <= 1",
                            o->clip_lo, o->clip_hi);
        break;
    default:
        return od_error(ctx, OD_EINVAL, "unknown clip mode %d", (int)o->clip);
    }
    if (o->missing == OD_MISSING_KEEP && o->clip == OD_CLIP_NONE && !o->drop_constant && !o->drop_duplicates)
        return od_error(ctx, OD_EINVAL, "clean: nothing to do (give missing=, clip=, constant or duplicates)");
    return OD_OK;
}

static int is_constant(const double *x, size_t n)
{
    double first = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) {
            if (isnan(first)) first = x[i];
            else if (x[i] != first) return 0;
        }
    return 1;
}

/* np.interp between (x0,y0) and (x1,y1) at x (prep.h: od_prep_lerp; the one
 * copy of the arithmetic, so oddity score's streamed interpolation is bit for
 * bit this one). */
double od_prep_lerp(double x0, double y0, double x1, double y1, double x)
{
    if (x1 == x0) return y0;
    double slope = (y1 - y0) / (x1 - x0);
    double r = slope * (x - x0) + y0;
    if (isnan(r)) {
        r = slope * (x - x1) + y1;
        if (isnan(r) && y0 == y1) r = y0;
    }
    return r;
}

/* Fill NaN runs of y (n values) linearly against positions t (NULL = row
 * index), with constant extension at both ends.  Returns the cells filled,
 * or (size_t)-1 when y has no valid value. */
static size_t interpolate(double *y, size_t n, const double *t)
{
    size_t first = 0;
    while (first < n && isnan(y[first])) first++;
    if (first == n) return n ? (size_t)-1 : 0;
    size_t filled = first;
    for (size_t i = 0; i < first; i++) y[i] = y[first];
    size_t prev = first;
    for (size_t i = first + 1; i < n; i++) {
        if (isnan(y[i])) continue;
        for (size_t m = prev + 1; m < i; m++) {
            double x0 = t ? t[prev] : (double)prev, x1 = t ? t[i] : (double)i;
            double xm = t ? t[m] : (double)m;
            y[m] = od_prep_lerp(x0, y[prev], x1, y[i], xm);
            filled++;
        }
        prev = i;
    }
    for (size_t i = prev + 1; i < n; i++, filled++) y[i] = y[prev];
    return filled;
}

static size_t ffill(double *y, size_t n)
{
    size_t first = 0;
    while (first < n && isnan(y[first])) first++;
    if (first == n) return n ? (size_t)-1 : 0;
    size_t filled = first;
    for (size_t i = 0; i < first; i++) y[i] = y[first];
    for (size_t i = first + 1; i < n; i++)
        if (isnan(y[i])) {
            y[i] = y[i - 1];
            filled++;
        }
    return filled;
}

typedef struct {
    const od_frame *g;
    const size_t *cols;
    size_t d;
} rowcmp_arg;

/* Order rows by their values (NaN after numbers, NaN equal to NaN), ties by
 * row index so the first occurrence leads its group. */
static int cmp_rows(const void *a, const void *b, void *arg)
{
    const rowcmp_arg *r = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    for (size_t k = 0; k < r->d; k++) {
        const double *c = r->g->cols[r->cols[k]].num;
        double x = c[i], y = c[j];
        int xn = isnan(x), yn = isnan(y);
        if (xn != yn) return xn - yn;
        if (!xn && x != y) return x < y ? -1 : 1;
    }
    return (i > j) - (i < j);
}

static int rows_equal(const rowcmp_arg *r, size_t i, size_t j)
{
    for (size_t k = 0; k < r->d; k++) {
        const double *c = r->g->cols[r->cols[k]].num;
        double x = c[i], y = c[j];
        if (isnan(x) != isnan(y)) return 0;
        if (!isnan(x) && x != y) return 0;
    }
    return 1;
}

/* What the phases of od_prep_clean share: the working copy g of the input,
 * the d cleaned columns idx[] of it, which rows are kept and which columns
 * dropped so far, scratch, per-column fill counts and statistics, and the
 * report being written. */
typedef struct {
    od_ctx *ctx;
    const od_frame *in;
    const od_clean_opts *opt;
    const unsigned char *fit_mask;
    const double *lab;          /* label column of in, or NULL */
    od_frame *g;
    const size_t *idx;
    size_t n, d, nfit, nkeep;
    unsigned char *keep, *dropc;
    double *buf, *stat;         /* buf: n scratch doubles; stat[k]: the fill value of column k,
                                 * stat[d + k]..: see clo/chi */
    double *clo, *chi;          /* the clip bounds of column k (when clipping) */
    size_t *filled;
    od_out *log;
} clean_state;

/* 1. constant columns */
static void clean_constant(clean_state *s)
{
    size_t ndropc = 0;
    for (size_t k = 0; k < s->d; k++)
        if (is_constant(s->g->cols[s->idx[k]].num, s->n)) {
            s->dropc[k] = 1;
            ndropc++;
        }
    if (ndropc) {
        od_printf(s->log, "  constant: dropped %zu column%s:", ndropc, ndropc == 1 ? "" : "s");
        for (size_t k = 0; k < s->d; k++)
            if (s->dropc[k]) od_printf(s->log, " %s", s->g->cols[s->idx[k]].name);
        od_printf(s->log, "\n");
    } else {
        od_printf(s->log, "  constant: no constant column\n");
    }
}

/* 2a. missing=drop: rows with a missing value in a kept column go */
static int clean_missing_drop(clean_state *s)
{
    size_t nd = 0, na = 0;
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < s->d; k++)
            if (!s->dropc[k] && isnan(s->g->cols[s->idx[k]].num[i])) {
                s->keep[i] = 0;
                nd++;
                na += od_prep_is_anom(s->lab, i);
                break;
            }
    s->nkeep -= nd;
    od_printf(s->log, "  missing (drop): dropped %zu row%s with missing values", nd, nd == 1 ? "" : "s");
    if (s->lab) od_printf(s->log, ", %zu of them labelled anomalies", na);
    od_printf(s->log, "\n");
    if (na) od_warn(s->ctx, "clean missing=drop removed %zu rows labelled as anomalies", na);
    if (s->nkeep == 0)
        return od_error(s->ctx, OD_EDATA, "missing=drop would drop every row: use missing=mean, median or interpolate");
    return OD_OK;
}

/* 2b. missing=mean|median: the statistic of the fit rows fills each column */
static int clean_missing_stat(clean_state *s)
{
    const od_clean_opts *opt = s->opt;
    for (size_t k = 0; k < s->d; k++) {
        if (s->dropc[k]) continue;
        double *x = s->g->cols[s->idx[k]].num;
        size_t m = 0;
        double sum = 0;
        for (size_t i = 0; i < s->n; i++)
            if ((!s->fit_mask || s->fit_mask[i]) && !isnan(x[i])) {
                s->buf[m++] = x[i];
                sum += x[i];
            }
        if (!m)
            return od_error(s->ctx, OD_EDATA, "missing=%s: column '%s' has no value in the %s",
                            missing_name(opt->missing), s->g->cols[s->idx[k]].name, s->fit_mask ? "fit part" : "data");
        double v = opt->missing == OD_MISSING_MEAN ? sum / (double)m : od_quantile_select(s->buf, m, 0.5);
        s->stat[k] = v;
        for (size_t i = 0; i < s->n; i++)
            if (isnan(x[i])) {
                x[i] = v;
                s->filled[k]++;
            }
    }
    return OD_OK;
}

/* 2c. missing=interpolate|ffill, in time order when the time column allows */
static int clean_missing_series(clean_state *s)
{
    const od_clean_opts *opt = s->opt;
    const od_frame *in = s->in;
    size_t n = s->n;
    const double *t = NULL;
    long tj = od_frame_role(in, OD_ROLE_TIME);
    if (opt->missing == OD_MISSING_INTERPOLATE && tj >= 0 && in->cols[tj].num) {
        const double *tc = in->cols[tj].num;
        int ok = od_prep_first_nan(tc, n) == n;
        for (size_t i = 1; i < n && ok; i++)
            if (tc[i] < tc[i - 1]) ok = 0;
        if (ok) t = tc;
        else od_warn(s->ctx, "time column '%s' has missing or decreasing values: interpolating in row order",
                     in->cols[tj].name);
    }
    for (size_t k = 0; k < s->d; k++) {
        if (s->dropc[k]) continue;
        double *x = s->g->cols[s->idx[k]].num;
        size_t f = opt->missing == OD_MISSING_FFILL ? ffill(x, n) : interpolate(x, n, t);
        if (f == (size_t)-1)
            return od_error(s->ctx, OD_EDATA, "missing=%s: column '%s' has no value at all",
                            missing_name(opt->missing), s->g->cols[s->idx[k]].name);
        s->filled[k] = f;
    }
    if (opt->missing == OD_MISSING_INTERPOLATE)
        od_printf(s->log, "  missing (interpolate, linear in %s; gaps at the start take the first value, at the end the last)\n",
                  t ? "time" : "row order");
    else
        od_printf(s->log, "  missing (ffill; a gap at the start takes the first value)\n");
    return OD_OK;
}

/* 2d. the report of the filling methods: cells filled, per column */
static void report_filled(clean_state *s)
{
    const od_clean_opts *opt = s->opt;
    int stat = opt->missing == OD_MISSING_MEAN || opt->missing == OD_MISSING_MEDIAN;
    size_t tot = 0, nc = 0;
    for (size_t k = 0; k < s->d; k++) {
        tot += s->filled[k];
        nc += s->filled[k] != 0;
    }
    if (stat)
        od_printf(s->log, "  missing (%s of %zu%s rows): filled %zu cell%s in %zu column%s\n",
                  missing_name(opt->missing), s->nfit, s->fit_mask ? " fit" : "", tot, tot == 1 ? "" : "s",
                  nc, nc == 1 ? "" : "s");
    else
        od_printf(s->log, "    filled %zu cell%s in %zu column%s\n", tot, tot == 1 ? "" : "s", nc, nc == 1 ? "" : "s");
    for (size_t k = 0; k < s->d; k++) {
        if (!s->filled[k]) continue;
        if (stat)
            od_printf(s->log, "    %s: %zu filled with %s\n", s->g->cols[s->idx[k]].name, s->filled[k], od_prep_num(s->stat[k]));
        else
            od_printf(s->log, "    %s: %zu filled\n", s->g->cols[s->idx[k]].name, s->filled[k]);
    }
}

/* 3a. the clipping bounds of one column from its kept fit values, or an error */
static int clip_bounds(clean_state *s, size_t k, double *lo, double *hi)
{
    const od_clean_opts *opt = s->opt;
    const double *x = s->g->cols[s->idx[k]].num;
    size_t m = 0;
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->keep[i] && (!s->fit_mask || s->fit_mask[i]) && !isnan(x[i])) {
            s->buf[m++] = x[i];
            sum += x[i];
        }
    if (!m)
        return od_error(s->ctx, OD_EDATA, "clip: column '%s' has no value in the %s",
                        s->g->cols[s->idx[k]].name, s->fit_mask ? "fit part" : "data");
    if (opt->clip == OD_CLIP_SD) {
        double mean = sum / (double)m, ss = 0;
        for (size_t i = 0; i < m; i++) ss += (s->buf[i] - mean) * (s->buf[i] - mean);
        double sd = sqrt(ss / (double)m);
        *lo = mean - opt->clip_k * sd;
        *hi = mean + opt->clip_k * sd;
    } else {
        double p[2] = { opt->clip_lo, opt->clip_hi }, q[2];
        od_quantiles_select(s->buf, m, p, 2, q);
        *lo = q[0];
        *hi = q[1];
    }
    return OD_OK;
}

/* 3. clipping */
static int clean_clip(clean_state *s)
{
    const od_clean_opts *opt = s->opt;
    size_t n = s->n, cells = 0, acells = 0, crow = 0, arow = 0;
    int rc = OD_OK;
    unsigned char *hit = od_calloc(s->ctx, n ? n : 1, 1);
    od_out *clog = od_out_buffer();
    if (!hit || !clog) {
        rc = OD_ENOMEM;
        goto done;
    }
    for (size_t k = 0; k < s->d; k++) {
        if (s->dropc[k]) continue;
        double *x = s->g->cols[s->idx[k]].num, lo = 0, hi = 0;
        if ((rc = clip_bounds(s, k, &lo, &hi))) goto done;
        s->clo[k] = lo;
        s->chi[k] = hi;
        size_t c = 0;
        for (size_t i = 0; i < n; i++) {
            if (!s->keep[i] || isnan(x[i])) continue;
            double v = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
            if (v != x[i]) {
                x[i] = v;
                c++;
                hit[i] = 1;
                if (od_prep_is_anom(s->lab, i)) acells++;
            }
        }
        cells += c;
        od_printf(clog, "    %s: [%s, %s], %zu clipped\n", s->g->cols[s->idx[k]].name, od_prep_num(lo), od_prep_num(hi), c);
    }
    for (size_t i = 0; i < n; i++)
        if (hit[i]) {
            crow++;
            arow += od_prep_is_anom(s->lab, i);
        }
    char head[160];
    if (opt->clip == OD_CLIP_SD)
        snprintf(head, sizeof head, "mean +- %s sd", od_prep_num(opt->clip_k));
    else
        snprintf(head, sizeof head, "quantiles %s, %s", od_prep_num(opt->clip_lo), od_prep_num(opt->clip_hi));
    od_printf(s->log, "  clip (%s of the %s rows): %zu cell%s in %zu row%s clipped", head,
              s->fit_mask ? "fit" : "kept", cells, cells == 1 ? "" : "s", crow, crow == 1 ? "" : "s");
    if (s->lab) od_printf(s->log, ", %zu cell%s in %zu labelled-anomaly row%s", acells, acells == 1 ? "" : "s",
                          arow, arow == 1 ? "" : "s");
    od_printf(s->log, "\n");
    od_puts(s->log, od_out_str(clog));
    if (arow) od_warn(s->ctx, "clean clip= changed %zu values in %zu rows labelled as anomalies", acells, arow);
done:
    free(hit);
    od_out_free(clog);
    return rc;
}

/* 4. duplicate rows (all numeric feature columns that are kept) */
static int clean_duplicates(clean_state *s)
{
    const od_frame *g = s->g;
    size_t nf = 0, nd = 0, na = 0, *fidx = NULL, *rows = NULL;
    if (!(fidx = od_mallocn(s->ctx, g->ncol ? g->ncol : 1, sizeof *fidx))) return OD_ENOMEM;
    for (size_t j = 0; j < g->ncol; j++) {
        if (g->cols[j].role != OD_ROLE_FEATURE || g->cols[j].type != OD_COL_NUM) continue;
        int dropped = 0;
        for (size_t k = 0; k < s->d; k++)
            if (s->idx[k] == j && s->dropc[k]) dropped = 1;
        if (!dropped) fidx[nf++] = j;
    }
    if (nf) {
        size_t m = 0;
        if (!(rows = od_mallocn(s->ctx, s->nkeep ? s->nkeep : 1, sizeof *rows))) {
            free(fidx);
            return OD_ENOMEM;
        }
        for (size_t i = 0; i < s->n; i++)
            if (s->keep[i]) rows[m++] = i;
        rowcmp_arg a = { g, fidx, nf };
        qsort_r(rows, m, sizeof *rows, cmp_rows, &a);
        for (size_t q = 1; q < m; q++)
            if (rows_equal(&a, rows[q - 1], rows[q])) {
                s->keep[rows[q]] = 0;
                nd++;
                na += od_prep_is_anom(s->lab, rows[q]);
            }
        free(rows);
    }
    free(fidx);
    s->nkeep -= nd;
    od_printf(s->log, "  duplicates: dropped %zu repeated row%s (the first copy kept)", nd, nd == 1 ? "" : "s");
    if (s->lab) od_printf(s->log, ", %zu of them labelled anomalies", na);
    od_printf(s->log, "\n");
    if (na) od_warn(s->ctx, "clean duplicates removed %zu rows labelled as anomalies", na);
    return OD_OK;
}

void od_clean_fit_free(od_clean_fit *f)
{
    if (!f) return;
    for (size_t k = 0; k < f->d && f->names; k++) free(f->names[k]);
    free(f->names);
    free(f->fill);
    free(f->lo);
    free(f->hi);
    memset(f, 0, sizeof *f);
}

int od_prep_clean(od_ctx *ctx, const od_frame *in, const od_clean_opts *opt,
                  const unsigned char *fit_mask, od_frame **out, size_t **kept, od_out *report)
{
    return od_prep_clean_fit(ctx, in, opt, fit_mask, out, kept, report, NULL);
}

/* The fitted rules of the columns kept, into *fit. */
static int record_fit(clean_state *s, od_clean_fit *fit)
{
    const od_clean_opts *opt = s->opt;
    size_t m = 0;
    for (size_t k = 0; k < s->d; k++) m += !s->dropc[k];
    fit->names = od_calloc(s->ctx, m ? m : 1, sizeof *fit->names);
    fit->fill = od_mallocn(s->ctx, m ? m : 1, sizeof *fit->fill);
    fit->lo = od_mallocn(s->ctx, m ? m : 1, sizeof *fit->lo);
    fit->hi = od_mallocn(s->ctx, m ? m : 1, sizeof *fit->hi);
    if (!fit->names || !fit->fill || !fit->lo || !fit->hi) return OD_ENOMEM;
    int stat = opt->missing == OD_MISSING_MEAN || opt->missing == OD_MISSING_MEDIAN;
    for (size_t k = 0, i = 0; k < s->d; k++) {
        if (s->dropc[k]) continue;
        if (!(fit->names[i] = od_strdup(s->ctx, s->in->cols[s->idx[k]].name))) return OD_ENOMEM;
        fit->d = i + 1;
        fit->fill[i] = stat ? s->stat[k] : NAN;
        fit->lo[i] = opt->clip != OD_CLIP_NONE ? s->clo[k] : -INFINITY;
        fit->hi[i] = opt->clip != OD_CLIP_NONE ? s->chi[k] : INFINITY;
        i++;
    }
    return OD_OK;
}

int od_prep_clean_fit(od_ctx *ctx, const od_frame *in, const od_clean_opts *opt, const unsigned char *fit_mask,
                      od_frame **out, size_t **kept, od_out *report, od_clean_fit *fit)
{
    int rc;
    size_t n = in->nrow, d = 0, *idx = NULL, *rows = NULL;
    od_frame *res = NULL;
    *out = NULL;
    if (kept) *kept = NULL;

    if ((rc = check_opts(ctx, opt))) return rc;
    if ((rc = od_prep_columns(ctx, in, opt->cols, opt->ncols, &idx, &d))) return rc;
    clean_state s = { .ctx = ctx, .in = in, .opt = opt, .fit_mask = fit_mask, .lab = od_prep_label_col(in),
                      .idx = idx, .n = n, .d = d, .nkeep = n };
    int needs_fit = opt->missing == OD_MISSING_MEAN || opt->missing == OD_MISSING_MEDIAN || opt->clip != OD_CLIP_NONE;
    if (needs_fit && (rc = od_prep_fit_count(ctx, in, fit_mask, &s.nfit))) goto done;

    rc = OD_ENOMEM;
    s.g = od_frame_copy(ctx, in);
    s.keep = od_mallocn(ctx, n ? n : 1, 1);
    s.dropc = od_calloc(ctx, d, 1);
    s.buf = od_mallocn(ctx, n ? n : 1, sizeof *s.buf);
    s.stat = od_calloc(ctx, 3 * d + 1, sizeof *s.stat);
    if (fit) memset(fit, 0, sizeof *fit);
    s.filled = od_calloc(ctx, d, sizeof *s.filled);
    s.log = od_out_buffer();
    if (!s.g || !s.keep || !s.dropc || !s.buf || !s.stat || !s.filled || !s.log) goto done;
    memset(s.keep, 1, n);
    s.clo = s.stat + d;
    s.chi = s.stat + 2 * d;
    rc = OD_OK;

    if (opt->drop_constant) clean_constant(&s);
    if (opt->missing == OD_MISSING_DROP) rc = clean_missing_drop(&s);
    else if (opt->missing == OD_MISSING_MEAN || opt->missing == OD_MISSING_MEDIAN) rc = clean_missing_stat(&s);
    else if (opt->missing == OD_MISSING_INTERPOLATE || opt->missing == OD_MISSING_FFILL) rc = clean_missing_series(&s);
    if (rc) goto done;
    if (opt->missing != OD_MISSING_DROP && opt->missing != OD_MISSING_KEEP) report_filled(&s);
    if (opt->clip != OD_CLIP_NONE && (rc = clean_clip(&s))) goto done;
    if (opt->drop_duplicates && (rc = clean_duplicates(&s))) goto done;
    if (fit && (rc = record_fit(&s, fit))) {
        od_clean_fit_free(fit);
        goto done;
    }

    /* Assemble the result: drop the constant columns, then the rows. */
    od_frame *g = s.g;
    for (size_t k = d; k-- > 0;)
        if (s.dropc[k]) od_frame_drop_col(g, idx[k]);
    if (!(rows = od_mallocn(ctx, s.nkeep ? s.nkeep : 1, sizeof *rows))) { rc = OD_ENOMEM; goto done; }
    for (size_t i = 0, m = 0; i < n; i++)
        if (s.keep[i]) rows[m++] = i;
    if (s.nkeep != n) {
        if (!(res = od_frame_take_rows(ctx, g, rows, s.nkeep))) { rc = OD_ENOMEM; goto done; }
        od_frame_free(g);
        s.g = g = res;
        res = NULL;
    }
    if (report) {
        od_printf(report, "clean: %zu -> %zu rows, %zu -> %zu columns\n", n, s.nkeep, in->ncol, g->ncol);
        od_puts(report, od_out_str(s.log));
    }
    *out = g;
    s.g = NULL;
    if (kept) {
        *kept = rows;
        rows = NULL;
    }
    rc = OD_OK;
done:
    od_frame_free(s.g);
    od_frame_free(res);
    od_out_free(s.log);
    free(idx);
    free(rows);
    free(s.keep);
    free(s.dropc);
    free(s.buf);
    free(s.stat);
    free(s.filled);
    return rc;
}
