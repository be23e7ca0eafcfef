/* explain.c - `top` and `explain`: the highest-scoring rows of a run in
 * original units, and why one row scored as it did (the detector's explain
 * entry on the data version the run was fitted on).  See run.h. */
#include "config.h"
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void od_run_view_done(od_run_view *v)
{
    free(v->col);
    memset(v, 0, sizeof *v);
    v->time_col = -1;
}

/* The version a run was made from, if it is still the one it was. */
static const od_version *run_version(od_ctx *ctx, od_workspace *ws, const od_run *r, od_dataset **dout)
{
    od_dataset *d = od_ws_dataset(ws, r->dataset);
    if (dout) *dout = d;
    if (!d) {
        od_error(ctx, OD_ESTATE, "the dataset '%s' of %s is no longer loaded", r->dataset, r->name);
        return NULL;
    }
    if (!r->dataset_version || r->dataset_version > d->nv || !d->v[r->dataset_version - 1].frame ||
        d->v[r->dataset_version - 1].frame->nrow != r->n) {
        od_error(ctx, OD_ESTATE, "the version of '%s' that %s was made from is gone (undone or released); fit the run again",
                 r->dataset, r->name);
        return NULL;
    }
    return &d->v[r->dataset_version - 1];
}

int od_run_view_get(od_ctx *ctx, od_workspace *ws, const od_run *r, od_run_view *v)
{
    memset(v, 0, sizeof *v);
    v->time_col = -1;
    od_dataset *d;
    const od_version *rv = run_version(ctx, ws, r, &d);
    if (!rv) return OD_ESTATE;
    size_t k = r->dataset_version - 1, root = k;
    /* walk back while the versions keep their data and the rows */
    while (root > 0 && d->v[root - 1].frame && d->v[root - 1].frame->nrow == r->n) root--;
    const od_frame *f = d->v[root].frame;
    v->frame = f;
    v->col = od_mallocn(ctx, f->ncol + r->ncols + 1, sizeof *v->col);
    if (!v->col) return OD_ENOMEM;
    int all = r->cols != NULL;
    for (size_t j = 0; j < r->ncols && all; j++) {
        long c = od_frame_find(f, r->cols[j]);
        if (c < 0 || f->cols[c].type == OD_COL_TEXT) all = 0;
        else v->col[v->ncols++] = (size_t)c;
    }
    const char *units = root == 0 ? "original units (as loaded)" : "the units of the earliest version with these rows";
    if (all) {
        snprintf(v->note, sizeof v->note, "values in %s", units);
        if (root != 0) snprintf(v->note, sizeof v->note, "values as of version %zu (%s): an earlier step changed the rows",
                                root + 1, d->v[root].step ? d->v[root].step : "?");
    } else {
        v->ncols = od_frame_feature_cols(f, v->col);
        if (r->cols) {
            char saw[128] = "";
            for (size_t j = 0; j < r->ncols && j < 4; j++)
                snprintf(saw + strlen(saw), sizeof saw - strlen(saw), "%s%s", j ? ", " : "", r->cols[j]);
            snprintf(v->note, sizeof v->note, "the detector saw %s%s (made by a transform such as pca); the feature columns "
                     "are shown instead, in %s", saw, r->ncols > 4 ? ", ..." : "", units);
        }
        else snprintf(v->note, sizeof v->note, "a run without its own columns (%s): the feature columns in %s", r->algo, units);
    }
    v->time_col = od_frame_role(f, OD_ROLE_TIME);
    return OD_OK;
}

typedef struct {
    double s;
    size_t i;
} top_item;

static int top_cmp(const void *a, const void *b)
{
    const top_item *x = a, *y = b;
    if (x->s != y->s) return x->s > y->s ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int od_run_top(od_ctx *ctx, od_workspace *ws, const od_run *r, size_t n, int part, od_run_top_result *out)
{
    memset(out, 0, sizeof *out);
    out->view.time_col = -1;
    int rc = od_run_check_part(ctx, r, part);
    if (rc) return rc;
    if ((rc = od_run_view_get(ctx, ws, r, &out->view))) return rc;
    top_item *it = od_mallocn(ctx, r->n ? r->n : 1, sizeof *it);
    if (!it) return OD_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (!od_run_in_part(r, part, i)) continue;
        out->in_part++;
        if (isnan(r->scores[i])) { out->unscored++; continue; }
        it[m++] = (top_item){ r->scores[i], i };
    }
    qsort(it, m, sizeof *it, top_cmp);
    if (n > m) n = m;
    out->rows = od_mallocn(ctx, n ? n : 1, sizeof *out->rows);
    if (!out->rows) { free(it); return OD_ENOMEM; }
    for (size_t k = 0; k < n; k++) out->rows[k] = it[k].i;
    out->n = n;
    free(it);
    return OD_OK;
}

void od_run_top_done(od_run_top_result *t)
{
    free(t->rows);
    od_run_view_done(&t->view);
    memset(t, 0, sizeof *t);
}

void od_run_explanation_done(od_run_explanation *e)
{
    for (size_t j = 0; e->names && j < e->ex.d; j++) free(e->names[j]);
    od_explanation_done(&e->ex);   /* after the names: it zeroes ex.d */
    free(e->names);
    free(e->seen);
    free(e->nb_row);
    memset(e, 0, sizeof *e);
}

/* The run's columns of frame f as a row-major matrix (NaN kept). */
static int run_matrix(od_ctx *ctx, const od_run *r, const od_frame *f, double **out)
{
    size_t d = r->ncols, n = f->nrow;
    double *X = od_mallocn(ctx, n * d + 1, sizeof *X);
    *out = NULL;
    if (!X) return OD_ENOMEM;
    for (size_t j = 0; j < d; j++) {
        long c = od_frame_find(f, r->cols[j]);
        if (c < 0 || f->cols[c].type == OD_COL_TEXT) {
            free(X);
            return od_error(ctx, OD_ESTATE, "the data of %s changed since it was fitted (no numeric column '%s'); fit the run again",
                            r->name, r->cols[j]);
        }
        for (size_t i = 0; i < n; i++) X[i * d + j] = f->cols[c].num[i];
    }
    *out = X;
    return OD_OK;
}

static int same_score(double a, double b)
{
    return a == b || fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b));
}

int od_run_explain(od_ctx *ctx, od_workspace *ws, const od_run *r, size_t row, od_run_explanation *out)
{
    memset(out, 0, sizeof *out);
    out->win0 = -1;
    const od_detector_type *t = r->type;
    if (!t || !r->state) {
        if (!strcmp(r->algo, "ensemble"))
            return od_error(ctx, OD_EINVAL, "%s is an ensemble run, not a detector's: explain its members instead", r->name);
        return od_error(ctx, OD_EINVAL, "%s holds scores read from a column (%s), not a detector's: nothing to explain", r->name,
                        r->params ? r->params : "?");
    }
    if (!r->cols)
        return od_error(ctx, OD_ESTATE, "%s does not record the columns its detector saw: fit it again to explain it", r->name);
    if (t == &od_bag_type)
        return od_error(ctx, OD_EINVAL, "%s is a bag: its score combines its members' scores; explain a member (bag ... keep=yes, "
                        "then explain %s.1 ROW)", r->name, r->name);
    if (!t->explain) return od_error(ctx, OD_EINVAL, "%s: the %s detector cannot explain its scores", r->name, t->name);
    if (row >= r->n) return od_error(ctx, OD_EINVAL, "ROW=%zu: %s has rows 1..%zu", row + 1, r->name, r->n);
    if (isnan(r->scores[row])) {
        char why[200];
        od_run_unscored(r, why, sizeof why);
        return od_error(ctx, OD_EDATA, "row %zu of %s has no score (%s): nothing to explain", row + 1, r->name,
                        *why ? why : "not scored");
    }
    const od_version *v = run_version(ctx, ws, r, NULL);
    if (!v) return OD_ESTATE;
    size_t n = r->n, d = r->ncols;
    double *X;
    int rc = run_matrix(ctx, r, v->frame, &X);
    if (rc) return rc;
    od_data data = { X, n, d, d };
    size_t er = row;                  /* the row of `data` explained */
    int win = v->win && !t->seq;
    if (win) {
        size_t W = v->win, S = v->stride ? v->stride : 1, nw = (n - W) / S + 1;
        data = (od_data){ X, nw, W * d, S * d };
        /* the windows covering the point; the highest-scoring one */
        size_t lo = row + 1 >= W ? (row + 1 - W + S - 1) / S : 0, hi = row / S < nw ? row / S : nw - 1;
        double best = -INFINITY, sc;
        for (size_t i = lo; i <= hi; i++) {
            od_data one = { X + i * S * d, 1, W * d, W * d };
            if ((rc = t->score(ctx, r->state, &one, &sc, NULL))) break;
            if (sc > best) { best = sc; er = i; }
        }
        if (!rc && v->wagg == OD_WAGG_MAX && !same_score(best, r->scores[row]))
            rc = od_error(ctx, OD_ESTATE, "the data of %s changed since it was fitted (row %zu now scores %g, the run has %g); fit "
                          "the run again", r->name, row + 1, best, r->scores[row]);
        out->win0 = (long)(er * S);
        out->win_len = W;
    } else if (!t->seq) {
        double sc;
        for (size_t j = 0; j < d; j++)
            if (isnan(X[row * d + j]))
                rc = od_error(ctx, OD_EDATA, "row %zu has a missing value in '%s'", row + 1, r->cols[j]);
        od_data one = { X + row * d, 1, d, d };
        if (!rc) rc = t->score(ctx, r->state, &one, &sc, NULL);
        if (!rc && !same_score(sc, r->scores[row]))
            rc = od_error(ctx, OD_ESTATE, "the data of %s changed since it was fitted (row %zu now scores %g, the run has %g); fit "
                          "the run again", r->name, row + 1, sc, r->scores[row]);
    }
    if (!rc) rc = t->explain(ctx, r->state, &data, er, &out->ex);
    out->row = row;
    out->score = r->scores[row];
    size_t fd = out->ex.d;
    if (!rc && !(out->names = od_calloc(ctx, fd ? fd : 1, sizeof *out->names))) rc = OD_ENOMEM;
    for (size_t j = 0; !rc && j < fd; j++) {
        char buf[256];
        if (win) snprintf(buf, sizeof buf, "%s@%zu", r->cols[j % d], (size_t)out->win0 + j / d + 1);
        else snprintf(buf, sizeof buf, "%s", r->cols[j % d]);
        if (!(out->names[j] = od_strdup(ctx, buf))) rc = OD_ENOMEM;
    }
    if (!rc && !t->seq && fd == data.d) {
        if (!(out->seen = od_mallocn(ctx, fd ? fd : 1, sizeof *out->seen))) rc = OD_ENOMEM;
        for (size_t j = 0; !rc && j < fd; j++) out->seen[j] = data.X[er * data.ld + j];
    }
    /* neighbours: find their rows (windows) by their coordinates */
    if (!rc && out->ex.nnb) {
        if (!(out->nb_row = od_mallocn(ctx, out->ex.nnb, sizeof *out->nb_row))) rc = OD_ENOMEM;
        for (size_t a = 0; !rc && a < out->ex.nnb; a++) {
            out->nb_row[a] = -1;
            for (size_t i = 0; i < data.n; i++)
                if (!memcmp(data.X + i * data.ld, out->ex.nb_x + a * data.d, data.d * sizeof *X)) {
                    out->nb_row[a] = win ? (long)(i * (v->stride ? v->stride : 1)) : (long)i;
                    break;
                }
        }
    }
    free(X);
    if (rc) od_run_explanation_done(out);
    return rc;
}
