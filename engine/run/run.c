/* run.c - parts, fitting and scoring runs, the window -> point map, column
 * runs and ensembles.  See run.h. */
#include "config.h"
#include "run.h"
#include "../core/num.h"
#include "../eval/ensemble.h"
#include "run_int.h"
#include "../detect/cl_cluster.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const od_fit_mode_names[] = { "train", "normal", "all", NULL };
const char *const od_wagg_names[] = { "max", "mean", NULL };

/* ------------------------------------------------------------------ parts */

const char *od_run_part_name(int part)
{
    return part == OD_PART_ALL ? "all" : od_part_name(part);
}

int od_part_parse(od_ctx *ctx, const char *s, int *part)
{
    static const int parts[] = { OD_PART_TRAIN, OD_PART_VAL, OD_PART_TEST, OD_PART_ALL };
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(s, od_run_part_name(parts[i]))) { *part = parts[i]; return OD_OK; }
    return od_error(ctx, OD_EINVAL, "on=%s: expected train, val, test or all", s);
}

int od_run_default_part(const od_run *r)
{
    if (!r->part) return OD_PART_ALL;
    for (size_t i = 0; i < r->n; i++)
        if (r->part[i] == OD_PART_TEST) return OD_PART_TEST;
    return OD_PART_ALL;
}

int od_run_check_part(od_ctx *ctx, const od_run *r, int part)
{
    if (part != OD_PART_ALL && !r->part)
        return od_error(ctx, OD_EINVAL, "on=%s: the data of %s was not split (split train=0.6 test=0.4 first)",
                        od_run_part_name(part), r->name);
    return OD_OK;
}

const char *const od_labels_names[] = { "default", "truth", "pseudo", NULL };

const char *od_labels_desc(int which)
{
    return which == OD_LABELS_PSEUDO ? "pseudo-labels" : "truth";
}

const int *od_run_labels(const od_run *r, int which, int *resolved)
{
    if (which == OD_LABELS_DEFAULT) which = r->labels ? OD_LABELS_TRUTH : OD_LABELS_PSEUDO;
    if (resolved) *resolved = which;
    return which == OD_LABELS_TRUTH ? r->labels : r->pseudo;
}

int od_run_need_labels(od_ctx *ctx, const od_run *r, int which, const int **lab, int *resolved)
{
    *lab = od_run_labels(r, which, resolved);
    if (*lab) return OD_OK;
    if (which == OD_LABELS_PSEUDO)
        return od_error(ctx, OD_EDATA, "labels=pseudo: the data of %s has no pseudo-labels (make them with: pseudolabel mean k=3)", r->name);
    if (which == OD_LABELS_TRUTH && r->pseudo)
        return od_error(ctx, OD_EDATA, "labels=truth: the data of %s has no label column, only pseudo-labels (labels=pseudo)", r->name);
    return od_error(ctx, OD_EDATA, "the data of %s has no label column (nothing to compare against)", r->name);
}

int od_run_in_part(const od_run *r, int part, size_t i)
{
    return part == OD_PART_ALL || (r->part && r->part[i] == part);
}

size_t od_run_part(od_ctx *ctx, const od_run *r, int part, double **sc, int **lab)
{
    return od_run_part_vs(ctx, r, part, OD_LABELS_DEFAULT, sc, lab);
}

size_t od_run_part_vs(od_ctx *ctx, const od_run *r, int part, int which, double **sc, int **lab)
{
    const int *L = od_run_labels(r, which, NULL);
    size_t k = 0;
    *sc = od_mallocn(ctx, r->n ? r->n : 1, sizeof **sc);
    *lab = od_mallocn(ctx, r->n ? r->n : 1, sizeof **lab);
    if (!*sc || !*lab) {
        free(*sc);
        free(*lab);
        *sc = NULL;
        *lab = NULL;
        return (size_t)-1;
    }
    for (size_t i = 0; i < r->n; i++) {
        if (!od_run_in_part(r, part, i)) continue;
        (*sc)[k] = r->scores[i];
        (*lab)[k] = L ? L[i] : -1;
        k++;
    }
    return k;
}

/* ------------------------------------------------------ window -> points */

size_t od_window_map(size_t n, size_t W, size_t S, const double *ws, const long *wcl, od_wagg agg, double *ps,
                     long *pcl)
{
    size_t nw = W && W <= n ? (n - W) / S + 1 : 0, left = 0;
    for (size_t p = 0; p < n; p++) {
        /* windows covering p: i*S <= p <= i*S + W - 1 */
        size_t hi = p / S;                                  /* last window starting at or before p */
        if (hi >= nw) hi = nw ? nw - 1 : 0;
        size_t lo = p + 1 >= W ? (p + 1 - W + S - 1) / S : 0;   /* first window ending at or after p */
        double acc = agg == OD_WAGG_MAX ? -INFINITY : 0;
        size_t cnt = 0, arg = 0;
        int nan = 0;
        for (size_t i = lo; nw && i <= hi; i++) {
            if (i * S > p || i * S + W - 1 < p) continue;
            double v = ws[i];
            cnt++;
            if (isnan(v)) { nan = 1; continue; }
            if (agg == OD_WAGG_MAX) {
                if (v > acc || (cnt == 1)) { acc = v; arg = i; }
            } else {
                acc += v;
                arg = i;
            }
        }
        if (!cnt) {
            ps[p] = NAN;
            if (pcl) pcl[p] = -1;
            left++;
            continue;
        }
        ps[p] = nan ? NAN : agg == OD_WAGG_MAX ? acc : acc / (double)cnt;
        if (pcl) pcl[p] = wcl ? wcl[arg] : -1;
    }
    return left;
}

/* ------------------------------------------------------------ run helpers */

static void *dup_or_null(od_ctx *ctx, const void *p, size_t n, int *fail)
{
    if (!p) return NULL;
    void *q = od_malloc(ctx, n ? n : 1);
    if (!q) { *fail = 1; return NULL; }
    memcpy(q, p, n);
    return q;
}

/* Labels, parts and time axis of a version, copied into the run. */
int od_runi_attach(od_ctx *ctx, od_run *r, const od_dataset *d, const od_version *v)
{
    const od_frame *f = v->frame;
    int fail = 0;
    r->n = f->nrow;
    long l = od_frame_role(f, OD_ROLE_LABEL);
    if (l >= 0) {
        r->labels = od_mallocn(ctx, f->nrow ? f->nrow : 1, sizeof *r->labels);
        if (!r->labels) return OD_ENOMEM;
        for (size_t i = 0; i < f->nrow; i++)
            r->labels[i] = isnan(f->cols[l].num[i]) ? -1 : f->cols[l].num[i] != 0;
    }
    long ps = v->pseudo ? od_frame_find(f, v->pseudo) : -1;
    if (ps >= 0) {
        r->pseudo = od_mallocn(ctx, f->nrow ? f->nrow : 1, sizeof *r->pseudo);
        if (!r->pseudo) return OD_ENOMEM;
        for (size_t i = 0; i < f->nrow; i++) r->pseudo[i] = isnan(f->cols[ps].num[i]) ? -1 : f->cols[ps].num[i] != 0;
    }
    r->part = dup_or_null(ctx, v->part, f->nrow, &fail);
    long t = od_frame_role(f, OD_ROLE_TIME);
    if (t >= 0) r->time = dup_or_null(ctx, f->cols[t].num, f->nrow * sizeof(double), &fail);
    r->is_series = r->is_series || od_version_is_series(v);
    for (size_t k = 0; d && k < d->nv; k++)
        if (&d->v[k] == v) r->dataset_version = k + 1;
    return fail ? OD_ENOMEM : OD_OK;
}

od_run *od_runi_new(od_ctx *ctx, od_workspace *ws, const char *name, const char *algo, const char *dataset)
{
    od_run *r = od_calloc(ctx, 1, sizeof *r);
    if (!r) return NULL;
    char autoname[64];
    if (!name) {
        for (int k = 1;; k++) {
            snprintf(autoname, sizeof autoname, "%s%d", algo, k);
            if (!od_ws_run(ws, autoname)) break;
        }
        name = autoname;
    }
    r->name = od_strdup(ctx, name);
    r->algo = od_strdup(ctx, algo);
    r->dataset = od_strdup(ctx, dataset);
    if (!r->name || !r->algo || !r->dataset) {
        od_run_free(r);
        return NULL;
    }
    return r;
}

int od_runi_add(od_ctx *ctx, od_workspace *ws, od_run *r, od_run **out)
{
    int rc = od_ws_add_run_donate(ctx, ws, r);
    if (rc) return rc;
    if (out) *out = r;
    return OD_OK;
}

/* why rows have no score; OD_ENOMEM rather than a run that does not say */
static int set_unscored(od_ctx *ctx, od_run *r, const char *text)
{
    free(r->unscored);
    r->unscored = od_strdup(ctx, text);
    return r->unscored ? OD_OK : OD_ENOMEM;
}

size_t od_run_unscored(const od_run *r, char *buf, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) k += isnan(r->scores[i]);
    if (n) snprintf(buf, n, "%s", k && r->unscored ? r->unscored : "");
    return k;
}

/* ------------------------------------------------------- the data matrix */

/* Column indices: the named columns (numeric) or the feature columns. */
static int pick_columns(od_ctx *ctx, const od_frame *f, const char *const *cols, size_t ncols, size_t *idx, size_t *d)
{
    *d = 0;
    if (cols) {
        for (size_t i = 0; i < ncols; i++) {
            long j = od_frame_find(f, cols[i]);
            if (j < 0) return od_error(ctx, OD_EINVAL, "on=: no column named '%s'", cols[i]);
            if (f->cols[j].type == OD_COL_TEXT) return od_error(ctx, OD_EINVAL, "on=: not a numeric column: '%s'", cols[i]);
            idx[(*d)++] = (size_t)j;
        }
    } else {
        *d = od_frame_feature_cols(f, idx);
    }
    if (*d == 0) return od_error(ctx, OD_EDATA, "the dataset has no numeric feature columns");
    return OD_OK;
}

/* The kernels this build runs (for --version). */
const char *od_run_kernels(void)
{
    static char buf[96];
#ifdef HAVE_OPENBLAS
    const char *blas = "OpenBLAS";
#else
    const char *blas = "GSL CBLAS";
#endif
    snprintf(buf, sizeof buf, "kmeans %s (runtime CPU dispatch), BLAS %s", od_kmeans_kernel(), blas);
    return buf;
}

/* Row-major n x d matrix of the chosen columns, refusing missing values. */
int od_run_data_matrix(od_ctx *ctx, const od_frame *f, const char *const *cols, size_t ncols, double **Xout, size_t *d_out)
{
    size_t *idx = od_mallocn(ctx, f->ncol + ncols + 1, sizeof *idx), d;
    *Xout = NULL;
    if (!idx) return OD_ENOMEM;
    int rc = pick_columns(ctx, f, cols, ncols, idx, &d);
    if (rc) { free(idx); return rc; }
    for (size_t k = 0; k < d; k++) {
        const double *col = f->cols[idx[k]].num;
        size_t miss = 0;
        for (size_t i = 0; i < f->nrow; i++) miss += isnan(col[i]);
        /* issue 13 (engine/core/num.h, the one rule for numbers at the edges):
         * the readers refuse values beyond +-1e100; a transform can still make
         * one (pca whiten=, scale robust with a tiny IQR), so refuse it here
         * before a detector squares it.  [h-edge: minimal change in engine/run] */
        for (size_t i = 0; i < f->nrow && !miss; i++)
            if (!isnan(col[i]) && !od_value_ok(col[i])) {
                rc = od_error(ctx, OD_EDATA, "column '%s' row %zu holds %g: values beyond +-1e100 would overflow the "
                              "detectors' squared distances; rescale the column (scale robust|zscore) or undo the "
                              "transform that made it", f->cols[idx[k]].name, i + 1, col[i]);
                free(idx);
                return rc;
            }
        if (miss) {
            rc = od_error(ctx, OD_EDATA, "column '%s' has %zu missing values: run clean missing=mean|median|interpolate|drop first",
                          f->cols[idx[k]].name, miss);
            free(idx);
            return rc;
        }
    }
    double *X = od_mallocn(ctx, f->nrow * d + 1, sizeof *X);
    /* columns -> rows in blocks of 256 rows, so each block of X is written
     * whole while it is in cache (column by column over all rows wrote every
     * cache line of X d times) */
    size_t nrow = f->nrow, nb = (nrow + 255) / 256;
    if (X) {
        #pragma omp parallel for schedule(static) num_threads(od_ctx_threads(ctx) > 0 ? od_ctx_threads(ctx) : 1)
        for (size_t b = 0; b < nb; b++) {
            size_t i0 = b * 256, i1 = i0 + 256 < nrow ? i0 + 256 : nrow;
            for (size_t k = 0; k < d; k++) {
                const double *col = f->cols[idx[k]].num;
                for (size_t i = i0; i < i1; i++) X[i * d + k] = col[i];
            }
        }
    }
    free(idx);
    *d_out = d;
    *Xout = X;
    return X ? OD_OK : OD_ENOMEM;
}

/* The names of the columns the detector sees, kept with the run (top,
 * explain). */
static int record_cols(od_ctx *ctx, od_run *r, const od_frame *f, const char *const *cols, size_t ncols)
{
    size_t *idx = od_mallocn(ctx, f->ncol + ncols + 1, sizeof *idx), d;
    if (!idx) return OD_ENOMEM;
    int rc = pick_columns(ctx, f, cols, ncols, idx, &d);
    if (!rc && !(r->cols = od_calloc(ctx, d, sizeof *r->cols))) rc = OD_ENOMEM;
    for (size_t k = 0; !rc && k < d; k++) {
        if (!(r->cols[k] = od_strdup(ctx, f->cols[idx[k]].name))) rc = OD_ENOMEM;
        r->ncols = k + 1;
    }
    free(idx);
    return rc;
}

/* ------------------------------------------------------------- scoring */

/* Score every row of version v with r's fitted state (r->type, r->state). */
static int score_rows(od_ctx *ctx, od_run *r, const od_version *v, const double *X, size_t d)
{
    const od_detector_type *t = r->type;
    size_t n = v->frame->nrow;
    r->scores = od_mallocn(ctx, n ? n : 1, sizeof *r->scores);
    long *cl = od_mallocn(ctx, n ? n : 1, sizeof *cl);
    if (!r->scores || !cl) { free(cl); return OD_ENOMEM; }
    int rc;
    double t0 = od_now();
    if (v->win && !t->seq) {
        size_t W = v->win, S = v->stride ? v->stride : 1;
        if (W > n) { free(cl); return od_error(ctx, OD_EINVAL, "window size=%zu is longer than the %zu rows", W, n); }
        size_t nw = (n - W) / S + 1;
        od_data view = { X, nw, W * d, S * d };
        double *wsc = od_mallocn(ctx, nw, sizeof *wsc);
        long *wcl = od_mallocn(ctx, nw, sizeof *wcl);
        if (!wsc || !wcl) { free(wsc); free(wcl); free(cl); return OD_ENOMEM; }
        for (size_t i = 0; i < nw; i++) wcl[i] = -2;
        rc = t->score(ctx, r->state, &view, wsc, wcl);
        if (rc == OD_OK) {
            int has_cl = wcl[0] != -2;
            size_t left = od_window_map(n, W, S, wsc, has_cl ? wcl : NULL, (od_wagg)v->wagg, r->scores, has_cl ? cl : NULL);
            if (has_cl) { r->cluster = cl; cl = NULL; }
            char why[160];
            if (left == 1 && S <= W) snprintf(why, sizeof why, "the last point: after the last full window (stride=%zu)", S);
            else if (S <= W) snprintf(why, sizeof why, "the last %zu points: after the last full window (stride=%zu)", left, S);
            else snprintf(why, sizeof why, "%zu points: in no window (stride=%zu > size=%zu)", left, S, W);
            if (left) rc = set_unscored(ctx, r, why);
        }
        free(wsc);
        free(wcl);
    } else {
        od_data all = { X, n, d, d };
        for (size_t i = 0; i < n; i++) cl[i] = -2;
        rc = t->score(ctx, r->state, &all, r->scores, cl);
        if (rc == OD_OK && n && cl[0] != -2) { r->cluster = cl; cl = NULL; }
        if (rc == OD_OK && t->seq) {
            size_t k = 0;
            while (k < n && isnan(r->scores[k])) k++;
            char why[160];
            snprintf(why, sizeof why, "the first %zu point%s: warm-up of window=%ld", k, k == 1 ? "" : "s", od_params_int(r->p, "window"));
            if (k) rc = set_unscored(ctx, r, why);
        }
    }
    free(cl);
    r->score_secs = od_now() - t0;
    return rc;
}

/* --------------------------------------------------------------- fitting */

/* Which rows a fit sees (use[i] = 1), with the errors of impossible modes. */
/* fit=normal uses the pseudo-labels when `pseudolabel` made them (that is
 * what they are for), else the label column. */
static long normal_labels(const od_version *v)
{
    long ps = v->pseudo ? od_frame_find(v->frame, v->pseudo) : -1;
    return ps >= 0 ? ps : od_frame_role(v->frame, OD_ROLE_LABEL);
}

int od_runi_fit_rows(od_ctx *ctx, const od_version *v, od_fit_mode fit, unsigned char *use)
{
    const od_frame *f = v->frame;
    long lab = normal_labels(v);
    if (fit == OD_FIT_NORMAL && lab < 0)
        return od_error(ctx, OD_EINVAL, "fit=normal needs a label column (or: pseudolabel mean k=3 to make one)");
    for (size_t i = 0; i < f->nrow; i++) {
        int u = 1;
        if (fit != OD_FIT_ALL && v->part) u = v->part[i] == OD_PART_TRAIN;
        if (fit == OD_FIT_NORMAL) u = u && f->cols[lab].num[i] == 0;
        use[i] = (unsigned char)u;
    }
    return OD_OK;
}

/* The training matrix: a view on X when every row/window is used, else a
 * compact copy in *own (freed by the caller). */
static int fit_data(od_ctx *ctx, const od_version *v, const od_detector_type *t, const double *X, size_t d,
                    const unsigned char *use, od_data *train, double **own)
{
    size_t n = v->frame->nrow, W = v->win, S = v->stride ? v->stride : 1;
    *own = NULL;
    if (W && !t->seq) {
        if (W > n) return od_error(ctx, OD_EINVAL, "window size=%zu is longer than the %zu rows", W, n);
        size_t nw = (n - W) / S + 1, k = 0;
        for (size_t i = 0; i < nw; i++) k += use[i * S + W - 1];
        if (k == nw) { *train = (od_data){ X, nw, W * d, S * d }; return OD_OK; }
        double *Y = od_mallocn(ctx, k * W * d + 1, sizeof *Y);
        if (!Y) return OD_ENOMEM;
        for (size_t i = 0, r = 0; i < nw; i++)
            if (use[i * S + W - 1]) memcpy(Y + (r++) * W * d, X + i * S * d, W * d * sizeof *X);
        *train = (od_data){ Y, k, W * d, W * d };
        *own = Y;
        return OD_OK;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += use[i];
    if (k == n) { *train = (od_data){ X, n, d, d }; return OD_OK; }
    double *Y = od_mallocn(ctx, k * d + 1, sizeof *Y);
    if (!Y) return OD_ENOMEM;
    for (size_t i = 0, r = 0; i < n; i++)
        if (use[i]) memcpy(Y + (r++) * d, X + i * d, d * sizeof *X);
    *train = (od_data){ Y, k, d, d };
    *own = Y;
    if (t->seq && v->part && v->split_desc && strstr(v->split_desc, "order=random"))
        od_warn(ctx, "a random split breaks the series: %s is fitted on the training rows joined in time order", t->name);
    return OD_OK;
}

static int fit_and_score(od_ctx *ctx, od_run *r, const od_version *v, const od_fit_opts *o)
{
    const od_detector_type *t = r->type;
    size_t n = v->frame->nrow, d = 0;
    double *X, *own = NULL;
    int rc = od_run_data_matrix(ctx, v->frame, o->cols, o->ncols, &X, &d);
    unsigned char *use = rc ? NULL : od_malloc(ctx, n ? n : 1);
    if (!rc && !use) rc = OD_ENOMEM;
    od_data train;
    if (!rc) rc = od_runi_fit_rows(ctx, v, o->fit, use);
    if (!rc) rc = fit_data(ctx, v, t, X, d, use, &train, &own);
    if (!rc && train.n == 0)
        rc = od_error(ctx, OD_EDATA, "detect %s: no rows to fit on (fit=%s)", t->name, od_fit_mode_names[o->fit]);
    if (!rc) {
        char desc[128];
        long nl = normal_labels(v);
        snprintf(desc, sizeof desc, "%s%s (%zu %s)", o->fit == OD_FIT_TRAIN && !v->part ? "all" : od_fit_mode_names[o->fit],
                 o->fit != OD_FIT_NORMAL ? "" : v->pseudo && nl >= 0 && !strcmp(v->frame->cols[nl].name, v->pseudo) ? " by pseudo-labels" : " by truth",
                 train.n, v->win && !t->seq ? "windows" : "rows");
        r->fit_on = od_strdup(ctx, desc);
        if (!r->fit_on) rc = OD_ENOMEM;   /* the summary would say "fit on -" (scripts/faultinject) */
    }
    if (!rc) {
        if (t->seq && v->win)
            od_warn(ctx, "%s is a sequence detector: it windows the series itself (window=%ld) and ignores the dataset's window size=%zu",
                    t->name, od_params_int(r->p, "window"), v->win);
        double t0 = od_now();
        rc = t->fit(ctx, r->p, &train, &r->log, &r->state);
        r->fit_secs = od_now() - t0;
        if (od_cancelled(ctx)) {
            /* a network kept what it trained: record the epochs it completed, so
             * the front end can journal a line that trains exactly those */
            if (!rc && r->log.n) r->interrupted = r->log.n;
            od_ctx_clear_cancel(ctx);
        }
    }
    if (!rc) rc = score_rows(ctx, r, v, X, d);
    if (!rc) rc = record_cols(ctx, r, v->frame, o->cols, o->ncols);
    free(X);
    free(own);
    free(use);
    return rc;
}

static od_version *current_version(od_ctx *ctx, od_dataset *d)
{
    od_version *v = d ? od_ds_top(d) : NULL;
    if (!v || !v->frame) od_error(ctx, OD_ESTATE, "no dataset loaded (try: load sample-data/blobs.csv)");
    return v && v->frame ? v : NULL;
}

int od_run_fit(od_ctx *ctx, od_workspace *ws, od_dataset *d, const od_detector_type *t, const od_params *p,
               const od_fit_opts *o, od_run **out)
{
    od_version *v = current_version(ctx, d);
    if (!v) return OD_ESTATE;
    od_run *r = od_runi_new(ctx, ws, o->name, t->name, d->name);
    if (!r) return OD_ENOMEM;
    r->type = t;
    r->is_series = t->seq;
    r->p = od_params_copy(ctx, p);
    r->params = r->p ? od_params_format(r->p) : NULL;
    int rc = !r->p || !r->params ? OD_ENOMEM : fit_and_score(ctx, r, v, o);
    if (!rc) rc = od_runi_attach(ctx, r, d, v);
    if (rc) { od_run_free(r); return rc; }
    return od_runi_add(ctx, ws, r, out);
}

int od_run_fit_detached(od_ctx *ctx, const od_version *v, const od_detector_type *t, const od_params *p,
                        const od_fit_opts *o, od_run **out)
{
    *out = NULL;
    od_run *r = od_calloc(ctx, 1, sizeof *r);
    if (!r) return OD_ENOMEM;
    r->name = od_strdup(ctx, o->name ? o->name : t->name);
    r->algo = od_strdup(ctx, t->name);
    r->dataset = od_strdup(ctx, "");
    r->type = t;
    r->is_series = t->seq;
    r->p = od_params_copy(ctx, p);
    r->params = r->p ? od_params_format(r->p) : NULL;
    int rc = !r->name || !r->algo || !r->dataset || !r->p || !r->params ? OD_ENOMEM : fit_and_score(ctx, r, v, o);
    if (!rc) rc = od_runi_attach(ctx, r, NULL, v);
    if (rc) { od_run_free(r); return rc; }
    *out = r;
    return OD_OK;
}

void od_model_free(od_model *m)
{
    if (!m) return;
    if (m->state && m->type && m->type->free) m->type->free(m->state);
    od_params_free(m->p);
    free(m->params);
    od_pipeline_free(m->pipe);
    memset(m, 0, sizeof *m);
}

int od_run_score(od_ctx *ctx, od_workspace *ws, od_dataset *d, od_model *m, const char *name, const char *source,
                 od_run **out)
{
    od_version *v = current_version(ctx, d);
    if (!v) return OD_ESTATE;
    od_run *r = od_runi_new(ctx, ws, name, m->type->name, d->name);
    if (!r) return OD_ENOMEM;
    r->type = m->type;
    r->is_series = m->type->seq;
    r->p = m->p;
    r->state = m->state;
    r->params = m->params;
    m->p = NULL;
    m->state = NULL;
    m->params = NULL;
    r->fit_on = od_strdup(ctx, source ? source : "-");
    od_out *po = od_out_buffer();
    if (po) {
        od_pipeline_describe(m->pipe, po);
        r->detail = od_out_steal(po);
        od_out_free(po);
    }
    size_t dd = 0;
    double *X = NULL;
    int rc = r->fit_on ? od_run_data_matrix(ctx, v->frame, NULL, 0, &X, &dd) : OD_ENOMEM;
    if (!rc) rc = score_rows(ctx, r, v, X, dd);
    if (!rc) rc = record_cols(ctx, r, v->frame, NULL, 0);
    free(X);
    if (!rc) rc = od_runi_attach(ctx, r, d, v);
    if (!rc && m->pipe && m->pipe->has_thr) {
        /* the model's threshold comes with it, as the value it was */
        char desc[300];
        snprintf(desc, sizeof desc, "%s (from the model file)", m->pipe->thr_desc ? m->pipe->thr_desc : "value");
        if (!(r->thr.desc = od_strdup(ctx, desc))) rc = OD_ENOMEM;
        r->thr.set = !rc;
        r->thr.value = m->pipe->thr;
        r->thr.strict = m->pipe->strict;
        r->thr.oracle = m->pipe->thr_desc && strstr(m->pipe->thr_desc, "(oracle") != NULL;
    }
    if (rc) { od_run_free(r); return rc; }
    return od_runi_add(ctx, ws, r, out);
}

int od_run_from_column(od_ctx *ctx, od_workspace *ws, od_dataset *d, const char *col, const char *name, od_run **out)
{
    od_version *v = current_version(ctx, d);
    if (!v) return OD_ESTATE;
    long j = od_frame_find(v->frame, col);
    if (j < 0) return od_error(ctx, OD_EINVAL, "col=%s: no column named '%s'", col, col);
    if (v->frame->cols[j].type == OD_COL_TEXT) return od_error(ctx, OD_EINVAL, "col=%s: '%s' is a text column, not scores", col, col);
    if (v->frame->cols[j].role == OD_ROLE_LABEL)
        return od_error(ctx, OD_EINVAL, "col=%s: '%s' is the label column; scoring with the answer is not a detector", col, col);
    od_run *r = od_runi_new(ctx, ws, name ? name : col, "column", d->name);
    if (!r) return OD_ENOMEM;
    size_t n = v->frame->nrow, pl = strlen(col) + 8;
    r->params = od_malloc(ctx, pl);
    r->fit_on = od_strdup(ctx, "-");
    r->scores = od_mallocn(ctx, n ? n : 1, sizeof *r->scores);
    int rc = r->params && r->fit_on && r->scores ? OD_OK : OD_ENOMEM;
    if (!rc) {
        snprintf(r->params, pl, "col=%s", col);
        memcpy(r->scores, v->frame->cols[j].num, n * sizeof *r->scores);
        rc = od_runi_attach(ctx, r, d, v);
    }
    if (rc) { od_run_free(r); return rc; }
    return od_runi_add(ctx, ws, r, out);
}

/* ------------------------------------------------------------- ensembles */

static int copy_rows(od_ctx *ctx, od_run *r, const od_run *m)
{
    size_t n = m->n;
    int fail = 0;
    r->n = n;
    r->labels = dup_or_null(ctx, m->labels, n * sizeof *r->labels, &fail);
    r->pseudo = dup_or_null(ctx, m->pseudo, n * sizeof *r->pseudo, &fail);
    r->part = dup_or_null(ctx, m->part, n, &fail);
    r->time = dup_or_null(ctx, m->time, n * sizeof *r->time, &fail);
    r->is_series = m->is_series;
    r->dataset_version = m->dataset_version;
    r->fit_on = od_strdup(ctx, m->fit_on ? m->fit_on : "-");
    return fail || !r->fit_on ? OD_ENOMEM : OD_OK;
}

static char *ensemble_params(od_run *const *m, size_t k, od_norm norm, od_combine combine, const double *w)
{
    od_out *o = od_out_buffer();
    if (!o) return NULL;
    for (size_t i = 0; i < k; i++) od_printf(o, "%s%s", i ? "," : "members=", m[i]->name);
    od_printf(o, " norm=%s combine=%s", od_norm_name(norm), od_combine_name(combine));
    for (size_t i = 0; w && i < k; i++) od_printf(o, "%s%.17g", i ? "," : " weights=", w[i]);
    char *s = od_out_steal(o);
    od_out_free(o);
    return s;
}

int od_runi_combine(od_ctx *ctx, const double *const *scores, size_t k, size_t n, const unsigned char *part, od_norm norm,
                    od_combine combine, const double *w, double *out)
{
    unsigned char *train = NULL;
    if (part && !(train = od_malloc(ctx, n ? n : 1))) return OD_ENOMEM;
    for (size_t i = 0; train && i < n; i++) train[i] = part[i] == OD_PART_TRAIN;
    double **ns = od_calloc(ctx, k, sizeof *ns);
    int rc = ns ? OD_OK : OD_ENOMEM;
    for (size_t j = 0; j < k && !rc; j++) {
        ns[j] = od_mallocn(ctx, n ? n : 1, sizeof **ns);
        rc = ns[j] ? od_ensemble_normalize(ctx, scores[j], n, train, norm, ns[j]) : OD_ENOMEM;
    }
    if (!rc) rc = od_ensemble_combine(ctx, (const double *const *)ns, k, n, combine, w, out);
    for (size_t j = 0; ns && j < k; j++) free(ns[j]);
    free(ns);
    free(train);
    return rc;
}

static int ensemble_scores(od_ctx *ctx, od_run *const *m, size_t k, od_norm norm, od_combine combine, const double *w,
                           double *out)
{
    const double **sc = od_calloc(ctx, k, sizeof *sc);
    if (!sc) return OD_ENOMEM;
    for (size_t j = 0; j < k; j++) sc[j] = m[j]->scores;
    int rc = od_runi_combine(ctx, sc, k, m[0]->n, m[0]->part, norm, combine, w, out);
    free(sc);
    return rc;
}

int od_run_ensemble(od_ctx *ctx, od_workspace *ws, od_run *const *m, size_t k, od_norm norm, od_combine combine,
                    const double *w, const char *name, od_run **out)
{
    if (k < 2) return od_error(ctx, OD_EINVAL, "an ensemble needs at least two runs");
    for (size_t j = 0; j < k; j++) {
        if (strcmp(m[j]->dataset, m[0]->dataset))
            return od_error(ctx, OD_EINVAL, "%s is a run on %s but %s is on %s: an ensemble combines runs on the same rows",
                            m[j]->name, m[j]->dataset, m[0]->name, m[0]->dataset);
        if (m[j]->n != m[0]->n)
            return od_error(ctx, OD_EINVAL, "%s scores %zu rows but %s scores %zu: members must share their rows", m[j]->name,
                            m[j]->n, m[0]->name, m[0]->n);
        if (name && !strcmp(m[j]->name, name))
            return od_error(ctx, OD_EINVAL, "the ensemble cannot replace its member '%s'; choose another name", name);
    }
    od_run *r = od_runi_new(ctx, ws, name, "ensemble", m[0]->dataset);
    if (!r) return OD_ENOMEM;
    r->scores = od_mallocn(ctx, m[0]->n ? m[0]->n : 1, sizeof *r->scores);
    r->params = ensemble_params(m, k, norm, combine, w);
    int rc = r->scores && r->params ? copy_rows(ctx, r, m[0]) : OD_ENOMEM;
    if (!rc) rc = ensemble_scores(ctx, m, k, norm, combine, w, r->scores);
    for (size_t j = 0; j < k; j++) {
        r->fit_secs += m[j]->fit_secs;
        r->score_secs += m[j]->score_secs;
    }
    if (rc) { od_run_free(r); return rc; }
    return od_runi_add(ctx, ws, r, out);
}
