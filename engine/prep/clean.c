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

/* np.interp between (x0,y0) and (x1,y1) at x. */
static double lerp_at(double x0, double y0, double x1, double y1, double x)
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
            y[m] = lerp_at(x0, y[prev], x1, y[i], xm);
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

int od_prep_clean(od_ctx *ctx, const od_frame *in, const od_clean_opts *opt,
                  const unsigned char *fit_mask, od_frame **out, size_t **kept, od_out *report)
{
    int rc;
    size_t n = in->nrow, d = 0, nfit = 0, *idx = NULL, *rows = NULL, *fidx = NULL;
    unsigned char *keep = NULL, *dropc = NULL;
    double *buf = NULL, *stat = NULL;
    size_t *filled = NULL;
    od_frame *g = NULL, *res = NULL;
    od_out *log = NULL, *clog = NULL;
    const double *lab = od_prep_label_col(in);
    *out = NULL;
    if (kept) *kept = NULL;

    if ((rc = check_opts(ctx, opt))) return rc;
    if ((rc = od_prep_columns(ctx, in, opt->cols, opt->ncols, &idx, &d))) return rc;
    int needs_fit = opt->missing == OD_MISSING_MEAN || opt->missing == OD_MISSING_MEDIAN || opt->clip != OD_CLIP_NONE;
    if (needs_fit && (rc = od_prep_fit_count(ctx, in, fit_mask, &nfit))) goto done;

    rc = OD_ENOMEM;
    g = od_frame_copy(ctx, in);
    keep = od_mallocn(ctx, n ? n : 1, 1);
    dropc = od_calloc(ctx, d, 1);
    buf = od_mallocn(ctx, n ? n : 1, sizeof *buf);
    stat = od_calloc(ctx, 2 * d, sizeof *stat);
    filled = od_calloc(ctx, d, sizeof *filled);
    log = od_out_buffer();
    clog = od_out_buffer();
    if (!clog || !g || !keep || !dropc || !buf || !stat || !filled || !log) goto done;
    memset(keep, 1, n);
    rc = OD_OK;

    /* 1. constant columns */
    size_t ndropc = 0;
    if (opt->drop_constant) {
        for (size_t k = 0; k < d; k++)
            if (is_constant(g->cols[idx[k]].num, n)) {
                dropc[k] = 1;
                ndropc++;
            }
        if (ndropc) {
            od_printf(log, "  constant: dropped %zu column%s:", ndropc, ndropc == 1 ? "" : "s");
            for (size_t k = 0; k < d; k++)
                if (dropc[k]) od_printf(log, " %s", g->cols[idx[k]].name);
            od_printf(log, "\n");
        } else {
            od_printf(log, "  constant: no constant column\n");
        }
    }

    /* 2. missing values */
    size_t nkeep = n;
    if (opt->missing == OD_MISSING_DROP) {
        size_t nd = 0, na = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < d; k++)
                if (!dropc[k] && isnan(g->cols[idx[k]].num[i])) {
                    keep[i] = 0;
                    nd++;
                    na += od_prep_is_anom(lab, i);
                    break;
                }
        nkeep -= nd;
        od_printf(log, "  missing (drop): dropped %zu row%s with missing values", nd, nd == 1 ? "" : "s");
        if (lab) od_printf(log, ", %zu of them labelled anomalies", na);
        od_printf(log, "\n");
        if (na) od_warn(ctx, "clean missing=drop removed %zu rows labelled as anomalies", na);
        if (nkeep == 0) {
            rc = od_error(ctx, OD_EDATA, "missing=drop would drop every row: use missing=mean, median or interpolate");
            goto done;
        }
    } else if (opt->missing == OD_MISSING_MEAN || opt->missing == OD_MISSING_MEDIAN) {
        for (size_t k = 0; k < d; k++) {
            if (dropc[k]) continue;
            double *x = g->cols[idx[k]].num;
            size_t m = 0;
            double sum = 0;
            for (size_t i = 0; i < n; i++)
                if ((!fit_mask || fit_mask[i]) && !isnan(x[i])) {
                    buf[m++] = x[i];
                    sum += x[i];
                }
            if (!m) {
                rc = od_error(ctx, OD_EDATA, "missing=%s: column '%s' has no value in the %s",
                              missing_name(opt->missing), g->cols[idx[k]].name, fit_mask ? "fit part" : "data");
                goto done;
            }
            double v = opt->missing == OD_MISSING_MEAN ? sum / (double)m : od_quantile_select(buf, m, 0.5);
            stat[k] = v;
            for (size_t i = 0; i < n; i++)
                if (isnan(x[i])) {
                    x[i] = v;
                    filled[k]++;
                }
        }
    } else if (opt->missing == OD_MISSING_INTERPOLATE || opt->missing == OD_MISSING_FFILL) {
        const double *t = NULL;
        long tj = od_frame_role(in, OD_ROLE_TIME);
        if (opt->missing == OD_MISSING_INTERPOLATE && tj >= 0 && in->cols[tj].num) {
            const double *tc = in->cols[tj].num;
            int ok = od_prep_first_nan(tc, n) == n;
            for (size_t i = 1; i < n && ok; i++)
                if (tc[i] < tc[i - 1]) ok = 0;
            if (ok) t = tc;
            else od_warn(ctx, "time column '%s' has missing or decreasing values: interpolating in row order",
                         in->cols[tj].name);
        }
        for (size_t k = 0; k < d; k++) {
            if (dropc[k]) continue;
            double *x = g->cols[idx[k]].num;
            size_t f = opt->missing == OD_MISSING_FFILL ? ffill(x, n) : interpolate(x, n, t);
            if (f == (size_t)-1) {
                rc = od_error(ctx, OD_EDATA, "missing=%s: column '%s' has no value at all",
                              missing_name(opt->missing), g->cols[idx[k]].name);
                goto done;
            }
            filled[k] = f;
        }
        if (opt->missing == OD_MISSING_INTERPOLATE)
            od_printf(log, "  missing (interpolate, linear in %s; gaps at the start take the first value, at the end the last)\n",
                      t ? "time" : "row order");
        else
            od_printf(log, "  missing (ffill; a gap at the start takes the first value)\n");
    }
    if (opt->missing != OD_MISSING_DROP && opt->missing != OD_MISSING_KEEP) {
        size_t tot = 0, nc = 0;
        for (size_t k = 0; k < d; k++) {
            tot += filled[k];
            nc += filled[k] != 0;
        }
        if (opt->missing == OD_MISSING_MEAN || opt->missing == OD_MISSING_MEDIAN)
            od_printf(log, "  missing (%s of %zu%s rows): filled %zu cell%s in %zu column%s\n",
                      missing_name(opt->missing), nfit, fit_mask ? " fit" : "", tot, tot == 1 ? "" : "s",
                      nc, nc == 1 ? "" : "s");
        else
            od_printf(log, "    filled %zu cell%s in %zu column%s\n", tot, tot == 1 ? "" : "s", nc, nc == 1 ? "" : "s");
        for (size_t k = 0; k < d; k++) {
            if (!filled[k]) continue;
            if (opt->missing == OD_MISSING_MEAN || opt->missing == OD_MISSING_MEDIAN)
                od_printf(log, "    %s: %zu filled with %s\n", g->cols[idx[k]].name, filled[k], od_prep_num(stat[k]));
            else
                od_printf(log, "    %s: %zu filled\n", g->cols[idx[k]].name, filled[k]);
        }
    }

    /* 3. clipping */
    if (opt->clip != OD_CLIP_NONE) {
        size_t cells = 0, acells = 0, crow = 0, arow = 0;
        unsigned char *hit = od_calloc(ctx, n ? n : 1, 1);
        if (!hit) { rc = OD_ENOMEM; goto done; }
        for (size_t k = 0; k < d; k++) {
            if (dropc[k]) continue;
            double *x = g->cols[idx[k]].num;
            size_t m = 0;
            double sum = 0;
            for (size_t i = 0; i < n; i++)
                if (keep[i] && (!fit_mask || fit_mask[i]) && !isnan(x[i])) {
                    buf[m++] = x[i];
                    sum += x[i];
                }
            if (!m) {
                free(hit);
                rc = od_error(ctx, OD_EDATA, "clip: column '%s' has no value in the %s",
                              g->cols[idx[k]].name, fit_mask ? "fit part" : "data");
                goto done;
            }
            double lo, hi;
            if (opt->clip == OD_CLIP_SD) {
                double mean = sum / (double)m, ss = 0;
                for (size_t i = 0; i < m; i++) ss += (buf[i] - mean) * (buf[i] - mean);
                double sd = sqrt(ss / (double)m);
                lo = mean - opt->clip_k * sd;
                hi = mean + opt->clip_k * sd;
            } else {
                double p[2] = { opt->clip_lo, opt->clip_hi }, q[2];
                od_quantiles_select(buf, m, p, 2, q);
                lo = q[0];
                hi = q[1];
            }
            size_t c = 0;
            for (size_t i = 0; i < n; i++) {
                if (!keep[i] || isnan(x[i])) continue;
                double v = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
                if (v != x[i]) {
                    x[i] = v;
                    c++;
                    hit[i] = 1;
                    if (od_prep_is_anom(lab, i)) acells++;
                }
            }
            cells += c;
            od_printf(clog, "    %s: [%s, %s], %zu clipped\n", g->cols[idx[k]].name, od_prep_num(lo), od_prep_num(hi), c);
        }
        for (size_t i = 0; i < n; i++)
            if (hit[i]) {
                crow++;
                arow += od_prep_is_anom(lab, i);
            }
        free(hit);
        char head[160];
        if (opt->clip == OD_CLIP_SD)
            snprintf(head, sizeof head, "mean +- %s sd", od_prep_num(opt->clip_k));
        else
            snprintf(head, sizeof head, "quantiles %s, %s", od_prep_num(opt->clip_lo), od_prep_num(opt->clip_hi));
        od_printf(log, "  clip (%s of the %s rows): %zu cell%s in %zu row%s clipped", head,
                  fit_mask ? "fit" : "kept", cells, cells == 1 ? "" : "s", crow, crow == 1 ? "" : "s");
        if (lab) od_printf(log, ", %zu cell%s in %zu labelled-anomaly row%s", acells, acells == 1 ? "" : "s",
                           arow, arow == 1 ? "" : "s");
        od_printf(log, "\n");
        od_puts(log, od_out_str(clog));
        if (arow) od_warn(ctx, "clean clip= changed %zu values in %zu rows labelled as anomalies", acells, arow);
    }

    /* 4. duplicate rows (all numeric feature columns that are kept) */
    if (opt->drop_duplicates) {
        size_t nf = 0;
        if (!(fidx = od_mallocn(ctx, g->ncol ? g->ncol : 1, sizeof *fidx))) { rc = OD_ENOMEM; goto done; }
        for (size_t j = 0; j < g->ncol; j++) {
            if (g->cols[j].role != OD_ROLE_FEATURE || g->cols[j].type != OD_COL_NUM) continue;
            int dropped = 0;
            for (size_t k = 0; k < d; k++)
                if (idx[k] == j && dropc[k]) dropped = 1;
            if (!dropped) fidx[nf++] = j;
        }
        size_t nd = 0, na = 0;
        if (nf) {
            size_t m = 0;
            if (!(rows = od_mallocn(ctx, nkeep ? nkeep : 1, sizeof *rows))) { rc = OD_ENOMEM; goto done; }
            for (size_t i = 0; i < n; i++)
                if (keep[i]) rows[m++] = i;
            rowcmp_arg a = { g, fidx, nf };
            qsort_r(rows, m, sizeof *rows, cmp_rows, &a);
            for (size_t q = 1; q < m; q++)
                if (rows_equal(&a, rows[q - 1], rows[q])) {
                    keep[rows[q]] = 0;
                    nd++;
                    na += od_prep_is_anom(lab, rows[q]);
                }
            free(rows);
            rows = NULL;
        }
        nkeep -= nd;
        od_printf(log, "  duplicates: dropped %zu repeated row%s (the first copy kept)", nd, nd == 1 ? "" : "s");
        if (lab) od_printf(log, ", %zu of them labelled anomalies", na);
        od_printf(log, "\n");
        if (na) od_warn(ctx, "clean duplicates removed %zu rows labelled as anomalies", na);
    }

    /* Assemble the result: drop the constant columns, then the rows. */
    for (size_t k = d; k-- > 0;)
        if (dropc[k]) od_frame_drop_col(g, idx[k]);
    if (!(rows = od_mallocn(ctx, nkeep ? nkeep : 1, sizeof *rows))) { rc = OD_ENOMEM; goto done; }
    for (size_t i = 0, m = 0; i < n; i++)
        if (keep[i]) rows[m++] = i;
    if (nkeep != n) {
        if (!(res = od_frame_take_rows(ctx, g, rows, nkeep))) { rc = OD_ENOMEM; goto done; }
        od_frame_free(g);
        g = res;
        res = NULL;
    }
    if (report) {
        od_printf(report, "clean: %zu -> %zu rows, %zu -> %zu columns\n", n, nkeep, in->ncol, g->ncol);
        od_puts(report, od_out_str(log));
    }
    *out = g;
    g = NULL;
    if (kept) {
        *kept = rows;
        rows = NULL;
    }
    rc = OD_OK;
done:
    od_frame_free(g);
    od_frame_free(res);
    od_out_free(log);
    od_out_free(clog);
    free(idx);
    free(fidx);
    free(rows);
    free(keep);
    free(dropc);
    free(buf);
    free(stat);
    free(filled);
    return rc;
}
