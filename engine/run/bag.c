/* bag.c - one detector fitted on random subsets of the features and/or the
 * training rows, the members combined as `ensemble` combines runs (issue 21;
 * feature bagging: Lazarevic & Kumar, KDD 2005).  See run.h, od_run_bag. */
#include "config.h"
#include "run_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct {
    size_t *feat, nfeat;      /* column indices into the bag's columns, ascending */
    size_t *rows, nrows;      /* the training rows it fits on, ascending */
    unsigned long seed;       /* its own context's seed */
    od_ctx *ctx;
    void *state;
    double *scores;
    long *cluster;
    double fit_secs, score_secs;
    int rc;
} bag_member;

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The first k of a partial Fisher-Yates shuffle of a[0..n), sorted. */
static void pick(gsl_rng *r, size_t *a, size_t n, size_t k)
{
    for (size_t i = 0; i < k && i + 1 < n; i++) {
        size_t j = i + (size_t)gsl_rng_uniform_int(r, (unsigned long)(n - i));
        size_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
    qsort(a, k, sizeof *a, cmp_size);
}

/* Fit member m on its columns and rows of X (n x D) and score every row. */
static void member_run(bag_member *m, const od_detector_type *t, const od_params *p, const double *X, size_t n, size_t D)
{
    od_ctx *c = m->ctx;
    size_t k = m->nfeat;
    double *A = od_mallocn(c, n * k + 1, sizeof *A), *T = od_mallocn(c, m->nrows * k + 1, sizeof *T);
    long *cl = od_mallocn(c, n ? n : 1, sizeof *cl);
    m->scores = od_mallocn(c, n ? n : 1, sizeof *m->scores);
    if (!A || !T || !cl || !m->scores) {
        m->rc = OD_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) A[i * k + j] = X[i * D + m->feat[j]];
    for (size_t i = 0; i < m->nrows; i++) memcpy(T + i * k, A + m->rows[i] * k, k * sizeof *T);
    od_data train = { T, m->nrows, k, k }, all = { A, n, k, k };
    od_fitlog log = { 0 };
    double t0 = od_now();
    m->rc = t->fit(c, p, &train, &log, &m->state);
    m->fit_secs = od_now() - t0;
    od_fitlog_done(&log);
    if (m->rc) goto done;
    for (size_t i = 0; i < n; i++) cl[i] = -2;
    t0 = od_now();
    m->rc = t->score(c, m->state, &all, m->scores, cl);
    m->score_secs = od_now() - t0;
    if (!m->rc && n && cl[0] != -2) {
        m->cluster = cl;
        cl = NULL;
    }
done:
    free(cl);
    free(A);
    free(T);
}

static void member_free(bag_member *m, const od_detector_type *t)
{
    if (m->state && t->free) t->free(m->state);
    od_ctx_free(m->ctx);
    free(m->feat);
    free(m->rows);
    free(m->scores);
    free(m->cluster);
}

/* "x1,x3,x4" */
static char *feature_list(od_ctx *ctx, const od_frame *f, const size_t *cols, const bag_member *m)
{
    od_out *o = od_out_buffer();
    if (!o) {
        od_error(ctx, OD_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t j = 0; j < m->nfeat; j++) od_printf(o, "%s%s", j ? "," : "", f->cols[cols[m->feat[j]]].name);
    char *s = od_out_steal(o);
    od_out_free(o);
    if (!s) od_error(ctx, OD_ENOMEM, "out of memory");
    return s;
}

/* The column indices of the bag's columns (on=, or the features). */
static int bag_columns(od_ctx *ctx, const od_frame *f, const od_bag_opts *o, size_t **cols, size_t *D)
{
    *cols = od_mallocn(ctx, f->ncol + 1, sizeof **cols);
    if (!*cols) return OD_ENOMEM;
    *D = 0;
    if (o->cols && o->ncols) {
        for (size_t i = 0; i < o->ncols; i++) {
            long j = od_frame_find(f, o->cols[i]);
            if (j < 0) return od_error(ctx, OD_EINVAL, "on=: no column named '%s'", o->cols[i]);
            (*cols)[(*D)++] = (size_t)j;
        }
    } else {
        *D = od_frame_feature_cols(f, *cols);
    }
    return OD_OK;
}

/* Feature counts [lo, hi] of the members: Lazarevic & Kumar's [floor(D/2),
 * D-1] by default, else [floor(flo D), floor(fhi D)] (at least 1, at most D). */
static int feature_range(od_ctx *ctx, const od_bag_opts *o, size_t D, size_t *lo, size_t *hi)
{
    if (o->flo <= 0) {
        *lo = D / 2 ? D / 2 : 1;
        *hi = D > 1 ? D - 1 : 1;
        if (*hi < *lo) *hi = *lo;
        return OD_OK;
    }
    if (!(o->flo <= o->fhi && o->fhi <= 1))
        return od_error(ctx, OD_EINVAL, "features=%g..%g: expected 0 < LO <= HI <= 1", o->flo, o->fhi);
    double l = floor(o->flo * (double)D + 1e-9), h = floor(o->fhi * (double)D + 1e-9);
    if (h < 1)
        return od_error(ctx, OD_EINVAL, "features=%g..%g: fewer than one of the %zu columns", o->flo, o->fhi, D);
    *lo = l < 1 ? 1 : (size_t)l;
    *hi = (size_t)h;
    return OD_OK;
}

static char *bag_params(const char *algo, const char *params, const od_bag_opts *o, size_t lo, size_t hi, size_t D, size_t nrows,
                        size_t ntrain)
{
    od_out *b = od_out_buffer();
    if (!b) return NULL;
    od_printf(b, "%s%s%s; n=%zu features=%zu..%zu of %zu rows=%zu of %zu norm=%s combine=%s", algo,
              params && *params ? " " : "", params ? params : "", o->n, lo, hi, D, nrows, ntrain,
              od_norm_name(o->norm), od_combine_name(o->combine));
    for (size_t i = 0; o->weights && i < o->n; i++) od_printf(b, "%s%.17g", i ? "," : " weights=", o->weights[i]);
    char *s = od_out_steal(b);
    od_out_free(b);
    return s;
}

/* Member j as a run of its own (keep=yes): its state, scores and clusters
 * move into the run. */
static int keep_member(od_ctx *ctx, od_workspace *ws, od_dataset *d, const od_version *v, const od_detector_type *t,
                       const od_params *p, const od_run *bag, bag_member *m, size_t j, const char *feats, size_t ntrain)
{
    char name[256], fit[256];
    snprintf(name, sizeof name, "%s.%zu", bag->name, j + 1);
    od_run *r = od_runi_new(ctx, ws, name, t->name, d->name);
    if (!r) return OD_ENOMEM;
    r->type = t;
    r->p = od_params_copy(ctx, p);
    char *ps = r->p ? od_params_format(r->p) : NULL;
    size_t l = (ps ? strlen(ps) : 0) + strlen(feats) + 8;
    r->params = ps ? od_malloc(ctx, l) : NULL;
    if (r->params) snprintf(r->params, l, "%s%son=%s", ps, *ps ? " " : "", feats);
    free(ps);
    snprintf(fit, sizeof fit, "%zu of %zu training rows (member %zu of bag %s)", m->nrows, ntrain, j + 1, bag->name);
    r->fit_on = od_strdup(ctx, fit);
    int rc = r->p && r->params && r->fit_on ? od_runi_attach(ctx, r, d, v) : OD_ENOMEM;
    if (rc) {
        od_run_free(r);
        return rc;
    }
    r->state = m->state;
    r->scores = m->scores;
    r->cluster = m->cluster;
    m->state = NULL;
    m->scores = NULL;
    m->cluster = NULL;
    r->fit_secs = m->fit_secs;
    r->score_secs = m->score_secs;
    return od_runi_add(ctx, ws, r, NULL);
}

int od_run_bag(od_ctx *ctx, od_workspace *ws, od_dataset *d, const od_detector_type *t, const od_params *p,
               const od_bag_opts *o, od_run **out)
{
    od_version *v = d ? od_ds_top(d) : NULL;
    if (!v || !v->frame) return od_error(ctx, OD_ESTATE, "no dataset loaded (try: load sample-data/blobs.csv)");
    if (t->seq)
        return od_error(ctx, OD_EINVAL, "%s is a sequence detector (it windows the series itself); bags take "
                        "the tabular detectors", t->name);
    if (v->win) return od_error(ctx, OD_EINVAL, "not on a window view: bags take rows (undo the window first)");
    if (o->n < 1) return od_error(ctx, OD_EINVAL, "n=%zu: a bag needs at least one member", o->n);
    if (!(o->rows > 0 && o->rows <= 1)) return od_error(ctx, OD_EINVAL, "rows=%g: expected a fraction in (0, 1]", o->rows);
    const od_frame *f = v->frame;
    size_t n = f->nrow, D = 0, *cols = NULL, lo = 0, hi = 0, ntrain = 0, nrows = 0, *train = NULL;
    double *X = NULL;
    unsigned char *use = NULL;
    bag_member *m = NULL;
    od_run *r = NULL;
    int rc = bag_columns(ctx, f, o, &cols, &D);
    if (!rc) {
        /* the names of the chosen columns, for od_run_data_matrix */
        const char **names = od_mallocn(ctx, D + 1, sizeof *names);
        if (!names) rc = OD_ENOMEM;
        for (size_t j = 0; names && j < D; j++) names[j] = f->cols[cols[j]].name;
        if (!rc) rc = od_run_data_matrix(ctx, f, names, D, &X, &D);
        free(names);
    }
    if (!rc) rc = feature_range(ctx, o, D, &lo, &hi);
    if (!rc && !(use = od_malloc(ctx, n ? n : 1))) rc = OD_ENOMEM;
    if (!rc) rc = od_runi_fit_rows(ctx, v, o->fit, use);
    if (!rc) {
        for (size_t i = 0; i < n; i++) ntrain += use[i] != 0;
        if (ntrain == 0) rc = od_error(ctx, OD_EDATA, "%s: no rows to fit on (fit=%s)", t->name, od_fit_mode_names[o->fit]);
    }
    if (!rc && (!(train = od_mallocn(ctx, ntrain, sizeof *train)) ||
                !(m = od_calloc(ctx, o->n, sizeof *m))))
        rc = OD_ENOMEM;
    if (rc) goto done;
    for (size_t i = 0, k = 0; i < n; i++)
        if (use[i]) train[k++] = i;
    nrows = (size_t)floor(o->rows * (double)ntrain + 1e-9);
    if (nrows < 1) nrows = 1;

    /* the subsets: one RNG stream per member, drawn here in member order */
    uint64_t key = od_ctx_next_stream(ctx);
#ifdef _OPENMP
    int nthr = omp_get_max_threads();
#endif
    for (size_t j = 0; j < o->n && !rc; j++) {
        bag_member *b = &m[j];
        gsl_rng *g = od_rng_stream(key, j);
        if (!g) { rc = od_error(ctx, OD_ENOMEM, "out of memory"); break; }
        b->nfeat = lo + (size_t)gsl_rng_uniform_int(g, (unsigned long)(hi - lo + 1));
        b->nrows = nrows;
        b->feat = od_mallocn(ctx, D, sizeof *b->feat);
        b->rows = od_mallocn(ctx, ntrain, sizeof *b->rows);
        if (b->feat && b->rows) {
            for (size_t q = 0; q < D; q++) b->feat[q] = q;
            pick(g, b->feat, D, b->nfeat);
            memcpy(b->rows, train, ntrain * sizeof *train);
            if (nrows < ntrain) pick(g, b->rows, ntrain, nrows);
            b->seed = gsl_rng_get(g);
            b->ctx = od_ctx_new(b->seed);
        }
        gsl_rng_free(g);
        if (!b->feat || !b->rows || !b->ctx) rc = od_error(ctx, OD_ENOMEM, "out of memory");
    }
#ifdef _OPENMP
    omp_set_num_threads(nthr);   /* od_ctx_new set the thread count to every core */
#endif
    if (rc) goto done;

    /* the members, in parallel; each has its own context (errors, warnings,
     * its RNG), so the scores do not depend on the thread count */
    size_t done_count = 0, nm = o->n;
    double t0 = od_now();
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthr)
#endif
    for (size_t j = 0; j < nm; j++) {
        if (od_cancelled(ctx)) {
            m[j].rc = OD_ECANCEL;
            continue;
        }
        member_run(&m[j], t, p, X, n, D);
        size_t now;
#ifdef _OPENMP
#pragma omp atomic capture
#endif
        now = ++done_count;
        int master = 1;
#ifdef _OPENMP
        master = omp_get_thread_num() == 0;
#endif
        if (master) {
            char line[64];
            snprintf(line, sizeof line, "member %zu of %zu", now, nm);
            od_progress(ctx, "bag", (double)now / (double)nm, line);
        }
    }
    double secs = od_now() - t0;
    for (size_t j = 0; j < o->n; j++)
        for (size_t w = 0; m[j].ctx && w < od_ctx_nwarnings(m[j].ctx); w++)
            od_warn(ctx, "bag member %zu: %s", j + 1, od_ctx_warning(m[j].ctx, w));
    for (size_t j = 0; j < o->n && !rc; j++)
        if (m[j].rc == OD_ECANCEL && od_cancelled(ctx)) rc = od_error(ctx, OD_ECANCEL, "%s: interrupted", t->name);
        else if (m[j].rc) rc = od_error(ctx, m[j].rc, "member %zu: %s", j + 1, od_ctx_errmsg(m[j].ctx));
    if (rc) goto done;

    /* the bag: one run, the members combined as `ensemble` does */
    if (!(r = od_runi_new(ctx, ws, o->name, "bag", d->name))) { rc = OD_ENOMEM; goto done; }
    char *ps = od_params_format(p);
    r->params = ps ? bag_params(t->name, ps, o, lo, hi, D, nrows, ntrain) : NULL;
    free(ps);
    r->scores = od_mallocn(ctx, n ? n : 1, sizeof *r->scores);
    const double **sc = od_calloc(ctx, o->n, sizeof *sc);
    od_out *det = od_out_buffer();
    char fit[160];
    snprintf(fit, sizeof fit, "%s (%zu rows), %zu members on %zu rows each", o->fit == OD_FIT_TRAIN && !v->part ? "all" :
             od_fit_mode_names[o->fit], ntrain, o->n, nrows);
    r->fit_on = od_strdup(ctx, fit);
    if (!r->params || !r->scores || !sc || !det || !r->fit_on) rc = OD_ENOMEM;
    for (size_t j = 0; !rc && j < o->n; j++) sc[j] = m[j].scores;
    if (!rc) rc = od_runi_attach(ctx, r, d, v);
    if (!rc) rc = od_runi_combine(ctx, sc, o->n, n, r->part, o->norm, o->combine, o->weights, r->scores);
    free(sc);
    for (size_t j = 0; !rc && j < o->n; j++) {
        char *fl = feature_list(ctx, f, cols, &m[j]);
        if (!fl) { rc = OD_ENOMEM; break; }
        od_printf(det, "member %zu: on=%s (%zu of %zu columns), %zu of %zu training rows\n", j + 1, fl, m[j].nfeat, D,
                  m[j].nrows, ntrain);
        if (o->keep) rc = keep_member(ctx, ws, d, v, t, p, r, &m[j], j, fl, ntrain);
        free(fl);
    }
    if (!rc && !(r->detail = od_out_steal(det))) rc = OD_ENOMEM;
    od_out_free(det);
    r->fit_secs = secs;   /* wall time of the members' fits and scores */
    if (rc) goto done;
    rc = od_runi_add(ctx, ws, r, out);
    r = NULL;
done:
    od_run_free(r);
    for (size_t j = 0; m && j < o->n; j++) member_free(&m[j], t);
    free(m);
    free(train);
    free(use);
    free(X);
    free(cols);
    return rc;
}
