#include "config.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void od_window_free(od_window *w)
{
    if (!w) return;
    if (w->names)
        for (size_t j = 0; j < w->c; j++) free(w->names[j]);
    free(w->names);
    free(w->cols);
    free(w->owned);
    free(w);
}

static const char *mem_text(double bytes, char *buf, size_t size)
{
    static const char *unit[] = { "B", "KB", "MB", "GB", "TB" };
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    char num[40];
    snprintf(buf, size, "%s %s", od_fmt_num(num, sizeof num, bytes, 3), unit[u]);
    return buf;
}

int od_window_new(od_ctx *ctx, const od_frame *f, size_t size, size_t stride,
                  const char *const *cols, size_t ncols, od_window **out, od_out *report)
{
    int rc;
    size_t *idx = NULL, c = 0, n = f->nrow;
    *out = NULL;
    if (size < 1) return od_error(ctx, OD_EINVAL, "window: size=%zu must be at least 1", size);
    if (stride < 1) return od_error(ctx, OD_EINVAL, "window: stride=%zu must be at least 1", stride);
    if (size > n)
        return od_error(ctx, OD_EINVAL, "window: size=%zu is longer than the series (%zu points)", size, n);
    if ((rc = od_prep_columns(ctx, f, cols, ncols, &idx, &c))) return rc;
    for (size_t k = 0; k < c; k++) {
        size_t m = od_prep_count_nan(f->cols[idx[k]].num, n);
        if (m) {
            rc = od_error(ctx, OD_EDATA, "window: column '%s' has %zu missing value%s: clean first (clean missing=interpolate)",
                          f->cols[idx[k]].name, m, m == 1 ? "" : "s");
            free(idx);
            return rc;
        }
    }
    if (size > (size_t)-1 / (c * sizeof(double))) {
        free(idx);
        return od_error(ctx, OD_ERANGE, "window: size=%zu is too large", size);
    }
    long tj = od_frame_role(f, OD_ROLE_TIME);
    if (tj >= 0 && f->cols[tj].num) {
        const double *t = f->cols[tj].num;
        for (size_t i = 1; i < n; i++)
            if (t[i] < t[i - 1]) {
                od_warn(ctx, "window: time column '%s' decreases at row %zu: windows follow row order", f->cols[tj].name,
                        i + 1);
                break;
            }
    }
    od_window *w = od_calloc(ctx, 1, sizeof *w);
    if (!w) { free(idx); return OD_ENOMEM; }
    w->n = n;
    w->c = c;
    w->size = size;
    w->stride = stride;
    w->nwin = (n - size) / stride + 1;
    w->cols = idx;
    w->names = od_calloc(ctx, c, sizeof *w->names);
    if (c > 1 && (w->owned = od_mallocn(ctx, n * c, sizeof *w->owned)) == NULL) {
        od_window_free(w);
        return OD_ENOMEM;
    }
    if (!w->names) {
        od_window_free(w);
        return OD_ENOMEM;
    }
    for (size_t k = 0; k < c; k++)
        if (!(w->names[k] = od_strdup(ctx, f->cols[idx[k]].name))) {
            od_window_free(w);
            return OD_ENOMEM;
        }
    if (c == 1) {
        w->series = f->cols[idx[0]].num;
    } else {
        /* blocked transpose: column-major frame -> row-major series */
        const size_t T = 512;
        for (size_t i0 = 0; i0 < n; i0 += T) {
            size_t i1 = i0 + T < n ? i0 + T : n;
            for (size_t k = 0; k < c; k++) {
                const double *x = f->cols[idx[k]].num;
                for (size_t i = i0; i < i1; i++) w->owned[i * c + k] = x[i];
            }
        }
        w->series = w->owned;
    }
    if (report) {
        char a[64], b[64];
        od_printf(report, "window size=%zu stride=%zu: %zu windows of %zu point%s x %zu channel%s (%zu values each)\n",
                  size, stride, w->nwin, size, size == 1 ? "" : "s", c, c == 1 ? "" : "s", size * c);
        size_t tail = n - ((w->nwin - 1) * stride + size);
        if (tail)
            od_printf(report, "  the last %zu point%s after the last full window %s in no window (no score)\n", tail,
                      tail == 1 ? "" : "s", tail == 1 ? "is" : "are");
        if (stride > size)
            od_printf(report, "  stride %zu > size %zu: the points between two windows are in no window (no score)\n", stride, size);
        if (c > 1)
            od_printf(report, "  memory: %s (the series once; a copied window matrix would take %s)\n",
                      mem_text((double)n * (double)c * sizeof(double), a, sizeof a),
                      mem_text((double)w->nwin * (double)size * (double)c * sizeof(double), b, sizeof b));
        else
            od_printf(report, "  memory: none (the view reads the column in place; a copied window matrix would take %s)\n",
                      mem_text((double)w->nwin * (double)size * sizeof(double), b, sizeof b));
    }
    *out = w;
    return OD_OK;
}

od_data od_window_view(const od_window *w)
{
    return (od_data){ .X = w->series, .n = w->nwin, .d = w->size * w->c, .ld = w->stride * w->c };
}

od_data od_window_series(const od_window *w)
{
    return (od_data){ .X = w->series, .n = w->n, .d = w->c, .ld = w->c };
}

size_t od_window_end(const od_window *w, size_t i)
{
    return i * w->stride + w->size - 1;
}

void od_window_to_points(const od_window *w, const double *wscores, double *pscores)
{
    size_t W = w->size, S = w->stride, n = w->n, p = 0;
    for (; p + 1 < W && p < n; p++) pscores[p] = NAN;   /* warm-up */
    if (S == 1) {
        memcpy(pscores + p, wscores, w->nwin * sizeof *wscores);
        return;
    }
    /* window i takes the points after the previous window's end that it
     * covers: max(end_{i-1} + 1, i*S) .. end_i; the rest are NaN */
    for (size_t i = 0; i < w->nwin; i++) {
        size_t start = i * S, end = start + W - 1;
        for (; p < start; p++) pscores[p] = NAN;
        for (; p <= end; p++) pscores[p] = wscores[i];
    }
    for (; p < n; p++) pscores[p] = NAN;
}

int od_window_materialise(od_ctx *ctx, const od_window *w, const od_frame *f, od_frame **out)
{
    int rc = OD_OK;
    *out = NULL;
    if (f->nrow != w->n)
        return od_error(ctx, OD_EINVAL, "window: the frame has %zu rows but the window was built on %zu", f->nrow, w->n);
    size_t nw = w->nwin, W = w->size, c = w->c;
    size_t *ends = od_mallocn(ctx, nw ? nw : 1, sizeof *ends);
    od_frame *g = od_frame_new(ctx, nw);
    if (!ends || !g) {
        free(ends);
        od_frame_free(g);
        return OD_ENOMEM;
    }
    for (size_t i = 0; i < nw; i++) ends[i] = od_window_end(w, i);
    for (size_t l = 0; l < W && !rc; l++)
        for (size_t k = 0; k < c && !rc; k++) {
            char nm[512];
            size_t lag = W - 1 - l;
            if (lag) snprintf(nm, sizeof nm, "%s_t-%zu", w->names[k], lag);
            else snprintf(nm, sizeof nm, "%s_t", w->names[k]);
            double *x = od_mallocn(ctx, nw ? nw : 1, sizeof *x);
            if (!x) { rc = OD_ENOMEM; break; }
            for (size_t i = 0; i < nw; i++) x[i] = w->series[(i * w->stride + l) * c + k];
            rc = od_frame_add_num_donate(ctx, g, nm, x, OD_COL_NUM, OD_ROLE_FEATURE);
        }
    /* the other columns, at each window's last point */
    for (size_t j = 0; j < f->ncol && !rc; j++) {
        int used = 0;
        for (size_t k = 0; k < c; k++) used |= w->cols[k] == j;
        if (used) continue;
        const od_column *src = &f->cols[j];
        if (src->text) {
            char **tx = od_calloc(ctx, nw ? nw : 1, sizeof *tx);
            if (!tx) { rc = OD_ENOMEM; break; }
            for (size_t i = 0; i < nw && !rc; i++)
                if (src->text[ends[i]] && !(tx[i] = od_strdup(ctx, src->text[ends[i]]))) rc = OD_ENOMEM;
            if (rc) {
                for (size_t i = 0; i < nw; i++) free(tx[i]);
                free(tx);
                break;
            }
            rc = od_frame_add_text_donate(ctx, g, src->name, tx, src->role);
        } else {
            double *x = od_mallocn(ctx, nw ? nw : 1, sizeof *x);
            if (!x) { rc = OD_ENOMEM; break; }
            for (size_t i = 0; i < nw; i++) x[i] = src->num[ends[i]];
            rc = od_frame_add_num_donate(ctx, g, src->name, x, src->type, src->role);
        }
    }
    free(ends);
    if (rc) {
        od_frame_free(g);
        return rc;
    }
    *out = g;
    return OD_OK;
}
