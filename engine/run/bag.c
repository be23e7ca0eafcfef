/* bag.c - one detector fitted on random subsets of the features and/or the
 * training rows, the members combined as `ensemble` combines runs (issue 21;
 * feature bagging: Lazarevic & Kumar, KDD 2005).  See run.h, od_run_bag. */
#include "config.h"
#include "run_int.h"
#include "../detect/cl_cluster.h"

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
static char *feature_list(od_ctx *ctx, const od_frame *f, const size_t *cols, const size_t *feat, size_t nfeat)
{
    od_out *o = od_out_buffer();
    if (!o) {
        od_error(ctx, OD_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t j = 0; j < nfeat; j++) od_printf(o, "%s%s", j ? "," : "", f->cols[cols[feat[j]]].name);
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

/* ------------------------------------------------------------ the model */

/* What a bag keeps to score again: every member's columns, rows, detector
 * state and normalisation (the shift and scale of its training scores), and
 * the combine rule.  It is the state of od_bag_type, so `save model` writes
 * it and `load model` (od_run_score) scores with it. */
typedef struct {
    size_t *feat, nfeat;          /* indices into the bag's columns, ascending */
    size_t *rows, nrows;          /* the training rows it was fitted on (row numbers of the data fitted) */
    double shift, scale;          /* zscore/minmax of its training scores; 0 and 1 otherwise */
    void *state;
} bag_part;

typedef struct {
    const od_detector_type *t;    /* the members' detector */
    od_params *p;                 /* its parameters */
    char **cols;                  /* the bag's column names (D) */
    size_t D, ntrain, n;
    od_norm norm;
    od_combine combine;
    double *weights;              /* n, or NULL */
    bag_part *m;                  /* n */
} bag_model;

enum { BAG_VERSION = 1, BAG_MAX_MEMBERS = 10000, BAG_MAX_STR = 4096 };
static const char BAG[] = "bag";

static void bag_model_free(void *state)
{
    bag_model *b = state;
    if (!b) return;
    for (size_t j = 0; b->m && j < b->n; j++) {
        if (b->m[j].state && b->t && b->t->free) b->t->free(b->m[j].state);
        free(b->m[j].feat);
        free(b->m[j].rows);
    }
    for (size_t j = 0; b->cols && j < b->D; j++) free(b->cols[j]);
    free(b->cols);
    free(b->m);
    free(b->weights);
    od_params_free(b->p);
    free(b);
}

/* Member scores (n each) into the bag's: each normalised with its kept
 * shift and scale (rank: among the rows scored), then combined. */
static int bag_combine(od_ctx *ctx, const bag_model *b, const double *const *sc, size_t n, double *out)
{
    double **ns = od_calloc(ctx, b->n, sizeof *ns);
    int rc = ns ? OD_OK : OD_ENOMEM;
    for (size_t j = 0; j < b->n && !rc; j++) {
        if (!(ns[j] = od_mallocn(ctx, n ? n : 1, sizeof **ns))) rc = OD_ENOMEM;
        else if (b->norm == OD_NORM_ZSCORE || b->norm == OD_NORM_MINMAX)
            od_ensemble_norm_apply(sc[j], n, b->m[j].shift, b->m[j].scale, ns[j]);
        else rc = od_ensemble_normalize(ctx, sc[j], n, NULL, b->norm, ns[j]);
    }
    if (!rc) rc = od_ensemble_combine(ctx, (const double *const *)ns, b->n, n, b->combine, b->weights, out);
    for (size_t j = 0; ns && j < b->n; j++) free(ns[j]);
    free(ns);
    return rc;
}

/* Every member on its columns of `data` (n x D), then bag_combine. */
static int bag_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    const bag_model *b = state;
    size_t n = data->n;
    (void)cluster;   /* a bag has no clusters: left as the caller set it */
    if (data->d != b->D) {
        char list[200] = "";
        for (size_t j = 0; j < b->D && strlen(list) + 40 < sizeof list; j++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", j ? "," : "", b->cols[j]);
        return od_error(ctx, OD_EINVAL, "the bag was fitted on %zu columns (%s%s) but the data has %zu", b->D, list,
                        strlen(list) + 40 >= sizeof list ? ",..." : "", data->d);
    }
    double **sc = od_calloc(ctx, b->n, sizeof *sc);
    double *A = NULL;
    int rc = sc ? OD_OK : OD_ENOMEM;
    for (size_t j = 0; j < b->n && !rc; j++) {
        const bag_part *m = &b->m[j];
        size_t k = m->nfeat;
        free(A);
        A = od_mallocn(ctx, n * k + 1, sizeof *A);
        sc[j] = od_mallocn(ctx, n ? n : 1, sizeof **sc);
        if (!A || !sc[j]) { rc = OD_ENOMEM; break; }
        for (size_t i = 0; i < n; i++)
            for (size_t q = 0; q < k; q++) A[i * k + q] = data->X[i * data->ld + m->feat[q]];
        od_data sub = { A, n, k, k };
        rc = b->t->score(ctx, m->state, &sub, sc[j], NULL);
        if (rc && rc != OD_ENOMEM) rc = od_error(ctx, rc, "bag member %zu: %s", j + 1, od_ctx_errmsg(ctx));
    }
    free(A);
    if (!rc) rc = bag_combine(ctx, b, (const double *const *)sc, n, scores);
    for (size_t j = 0; sc && j < b->n; j++) free(sc[j]);
    free(sc);
    return rc;
}

/* "member 1: on=x1,x3 (2 of 4 columns), 1800 of 3000 training rows", a line each */
static void bag_describe(const void *state, od_out *o)
{
    const bag_model *b = state;
    for (size_t j = 0; j < b->n; j++) {
        const bag_part *m = &b->m[j];
        od_printf(o, "member %zu: on=", j + 1);
        for (size_t q = 0; q < m->nfeat; q++) od_printf(o, "%s%s", q ? "," : "", b->cols[m->feat[q]]);
        od_printf(o, " (%zu of %zu columns), %zu of %zu training rows\n", m->nfeat, b->D, m->nrows, b->ntrain);
    }
}

static int write_str(od_ctx *ctx, FILE *fp, const char *s)
{
    size_t l = strlen(s);
    int rc = od_cl_write_u64(ctx, fp, BAG, l);
    return rc ? rc : od_cl_write(ctx, fp, BAG, s, 1, l);
}

static int read_str(od_ctx *ctx, FILE *fp, char **out)
{
    uint64_t l;
    *out = NULL;
    int rc = od_cl_read_u64(ctx, fp, BAG, &l, BAG_MAX_STR);
    if (!rc) rc = od_cl_need(ctx, fp, BAG, l, 1, "bytes of text");
    if (rc) return rc;
    if (!(*out = od_malloc(ctx, l + 1))) return OD_ENOMEM;
    rc = od_cl_read(ctx, fp, BAG, *out, 1, l);
    if (!rc) {
        (*out)[l] = 0;
        if (strlen(*out) != l) rc = od_error(ctx, OD_EFORMAT, "bag model file is damaged (a name holds a zero byte)");
    }
    if (rc) { free(*out); *out = NULL; }
    return rc;
}

static int write_sizes(od_ctx *ctx, FILE *fp, const size_t *a, size_t n)
{
    int rc = od_cl_write_u64(ctx, fp, BAG, n);
    for (size_t i = 0; i < n && !rc; i++) rc = od_cl_write_u64(ctx, fp, BAG, a[i]);
    return rc;
}

/* A count (1..max) and that many ascending indices below `below`. */
static int read_sizes(od_ctx *ctx, FILE *fp, size_t **a, size_t *n, uint64_t max, uint64_t below, const char *what)
{
    uint64_t k;
    *a = NULL;
    *n = 0;
    int rc = od_cl_read_u64(ctx, fp, BAG, &k, max);
    if (!rc && k == 0) rc = od_error(ctx, OD_EFORMAT, "bag model file is damaged (a member has no %s)", what);
    if (!rc) rc = od_cl_need(ctx, fp, BAG, k, 8, what);
    if (rc) return rc;
    if (!(*a = od_mallocn(ctx, k, sizeof **a))) return OD_ENOMEM;
    *n = (size_t)k;
    for (size_t i = 0; i < k && !rc; i++) {
        uint64_t v;
        rc = od_cl_read_u64(ctx, fp, BAG, &v, below - 1);
        if (!rc && i && v <= (*a)[i - 1])
            rc = od_error(ctx, OD_EFORMAT, "bag model file is damaged (a member's %s are not in ascending order)", what);
        if (!rc) (*a)[i] = (size_t)v;
    }
    return rc;
}

static int bag_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const bag_model *b = state;
    int rc = od_cl_write_header(ctx, fp, BAG, BAG_VERSION);
    if (!rc) rc = od_cl_write_u64(ctx, fp, BAG, b->D);
    for (size_t j = 0; j < b->D && !rc; j++) rc = write_str(ctx, fp, b->cols[j]);
    if (!rc) rc = write_str(ctx, fp, b->t->name);
    if (!rc) rc = od_cl_write_u64(ctx, fp, BAG, b->t->nparams);
    for (size_t i = 0; i < b->t->nparams && !rc; i++) {
        rc = write_str(ctx, fp, b->t->params[i].name);
        if (!rc) rc = write_str(ctx, fp, od_params_str(b->p, b->t->params[i].name));
    }
    uint32_t nc[2] = { (uint32_t)b->norm, (uint32_t)b->combine };
    if (!rc) rc = od_cl_write_u64(ctx, fp, BAG, b->n);
    if (!rc) rc = od_cl_write(ctx, fp, BAG, nc, sizeof nc[0], 2);
    if (!rc) rc = od_cl_write_u64(ctx, fp, BAG, b->ntrain);
    if (!rc) rc = od_cl_write_u64(ctx, fp, BAG, b->weights != NULL);
    if (!rc && b->weights) rc = od_cl_write(ctx, fp, BAG, b->weights, sizeof *b->weights, b->n);
    for (size_t j = 0; j < b->n && !rc; j++) {
        const bag_part *m = &b->m[j];
        double ss[2] = { m->shift, m->scale };
        rc = write_sizes(ctx, fp, m->feat, m->nfeat);
        if (!rc) rc = write_sizes(ctx, fp, m->rows, m->nrows);
        if (!rc) rc = od_cl_write(ctx, fp, BAG, ss, sizeof ss[0], 2);
        if (!rc) rc = b->t->save(ctx, m->state, fp);   /* the member's own payload */
    }
    return rc;
}

/* The parameters of the members' detector, stored as KEY, VALUE pairs. */
static int load_params(od_ctx *ctx, FILE *fp, bag_model *b)
{
    uint64_t nkv;
    int rc = od_cl_read_u64(ctx, fp, BAG, &nkv, b->t->nparams);
    char **kv = rc ? NULL : od_calloc(ctx, 2 * nkv + 2, sizeof *kv);
    if (!rc && !kv) rc = OD_ENOMEM;
    for (size_t i = 0; i < 2 * nkv && !rc; i++) rc = read_str(ctx, fp, &kv[i]);
    const char **keys = rc ? NULL : od_calloc(ctx, nkv + 1, sizeof *keys), **vals = rc ? NULL : od_calloc(ctx, nkv + 1, sizeof *vals);
    if (!rc && (!keys || !vals)) rc = OD_ENOMEM;
    for (size_t i = 0; i < nkv && !rc; i++) {
        keys[i] = kv[2 * i];
        vals[i] = kv[2 * i + 1];
    }
    if (!rc && !(b->p = od_params_parse(ctx, b->t->params, b->t->nparams, keys, vals, (size_t)nkv)))
        rc = !strncmp(od_ctx_errmsg(ctx), "out of memory", 13) ? OD_ENOMEM
             : od_error(ctx, OD_EFORMAT, "bag model file is damaged (%s parameters: %s)", b->t->name, od_ctx_errmsg(ctx));
    for (size_t i = 0; kv && i < 2 * nkv; i++) free(kv[i]);
    free(kv);
    free(keys);
    free(vals);
    return rc;
}

static int bag_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    (void)p;
    *state = NULL;
    bag_model *b = od_calloc(ctx, 1, sizeof *b);
    if (!b) return OD_ENOMEM;
    uint64_t D = 0, n = 0, nt = 0, hasw = 0;
    uint32_t nc[2] = { 0, 0 };
    char *name = NULL;
    int rc = od_cl_read_header(ctx, fp, BAG, BAG_VERSION, NULL);
    if (!rc) rc = od_cl_read_u64(ctx, fp, BAG, &D, 1u << 20);
    if (!rc && D == 0) rc = od_error(ctx, OD_EFORMAT, "bag model file is damaged (no columns)");
    if (!rc) rc = od_cl_need(ctx, fp, BAG, D, 8, "column names");
    if (!rc && !(b->cols = od_calloc(ctx, D, sizeof *b->cols))) rc = OD_ENOMEM;
    for (size_t j = 0; j < D && !rc; j++) {
        b->D = j + 1;
        rc = read_str(ctx, fp, &b->cols[j]);
    }
    if (!rc) rc = read_str(ctx, fp, &name);
    if (!rc && (!(b->t = od_detector_find(name)) || b->t->seq))
        rc = od_error(ctx, OD_EFORMAT, "bag model file is damaged (members of an unknown detector '%s')", name);
    free(name);
    if (!rc) rc = load_params(ctx, fp, b);
    if (!rc) rc = od_cl_read_u64(ctx, fp, BAG, &n, BAG_MAX_MEMBERS);
    if (!rc && n == 0) rc = od_error(ctx, OD_EFORMAT, "bag model file is damaged (no members)");
    if (!rc) rc = od_cl_read(ctx, fp, BAG, nc, sizeof nc[0], 2);
    if (!rc && (nc[0] > OD_NORM_RANK || nc[1] > OD_COMBINE_WEIGHTED))
        rc = od_error(ctx, OD_EFORMAT, "bag model file is damaged (normalisation %u, combination %u)", (unsigned)nc[0],
                      (unsigned)nc[1]);
    b->norm = (od_norm)nc[0];
    b->combine = (od_combine)nc[1];
    if (!rc) rc = od_cl_read_u64(ctx, fp, BAG, &nt, (uint64_t)1 << 48);
    b->ntrain = (size_t)nt;
    if (!rc) rc = od_cl_read_u64(ctx, fp, BAG, &hasw, 1);
    if (!rc && hasw) rc = od_cl_read_doubles(ctx, fp, BAG, &b->weights, (size_t)n);
    if (!rc && (hasw != 0) != (b->combine == OD_COMBINE_WEIGHTED))
        rc = od_error(ctx, OD_EFORMAT, "bag model file is damaged (weights %s combine=%s)", hasw ? "with" : "missing for",
                      od_combine_name(b->combine));
    if (!rc) rc = od_cl_need(ctx, fp, BAG, n, 40, "members");   /* two counts, two indices, shift and scale at least */
    if (!rc && !(b->m = od_calloc(ctx, n, sizeof *b->m))) rc = OD_ENOMEM;
    for (size_t j = 0; j < n && !rc; j++) {
        bag_part *m = &b->m[j];
        double ss[2];
        b->n = j + 1;
        rc = read_sizes(ctx, fp, &m->feat, &m->nfeat, D, D, "columns");
        if (!rc) rc = read_sizes(ctx, fp, &m->rows, &m->nrows, nt, (uint64_t)1 << 48, "rows");
        if (!rc) rc = od_cl_read(ctx, fp, BAG, ss, sizeof ss[0], 2);
        if (!rc && !(isfinite(ss[0]) && isfinite(ss[1]) && ss[1] > 0))
            rc = od_error(ctx, OD_EFORMAT, "bag model file is damaged (member %zu: shift %g, scale %g)", j + 1, ss[0], ss[1]);
        m->shift = ss[0];
        m->scale = ss[1];
        if (!rc) {
            rc = b->t->load(ctx, b->p, fp, &m->state);
            if (rc && rc != OD_ENOMEM) rc = od_error(ctx, rc, "bag member %zu: %s", j + 1, od_ctx_errmsg(ctx));
        }
    }
    if (rc) { bag_model_free(b); return rc; }
    *state = b;
    return OD_OK;
}

const od_detector_type od_bag_type = {
    .name = "bag", .family = "ensemble", .summary = "a bag's members and how they combine (bag.c)",
    .help = "made by the bag command, not by detect", .params = NULL, .nparams = 0, .seq = 0,
    .fit = NULL, .score = bag_score, .describe = bag_describe, .save = bag_save, .load = bag_load, .free = bag_model_free,
};

int od_bag_params(od_ctx *ctx, od_params **out)
{
    *out = od_params_parse(ctx, NULL, 0, NULL, NULL, 0);
    return *out ? OD_OK : OD_ENOMEM;
}

/* A copy of a member's state through its own save and load (a kept member's
 * run and the bag each own one). */
static int clone_state(od_ctx *ctx, const od_detector_type *t, const od_params *p, const void *state, void **out)
{
    char *buf = NULL;
    size_t len = 0;
    *out = NULL;
    FILE *w = open_memstream(&buf, &len);
    if (!w) return od_error(ctx, OD_ENOMEM, "out of memory");
    int rc = t->save(ctx, state, w);
    if (fclose(w) && !rc) rc = od_error(ctx, OD_ENOMEM, "out of memory");
    FILE *r = rc ? NULL : fmemopen(buf, len ? len : 1, "rb");
    if (!rc && !r) rc = od_error(ctx, OD_ENOMEM, "out of memory");
    if (!rc) rc = t->load(ctx, p, r, out);
    if (r) fclose(r);
    free(buf);
    return rc;
}

/* The bag run's model from its fitted members (their states move into it),
 * its scores from theirs, and its columns. */
static int bag_model_make(od_ctx *ctx, od_run *r, const od_frame *f, const size_t *cols, size_t D,
                          const od_detector_type *t, const od_params *p, const od_bag_opts *o, size_t ntrain, bag_member *mem)
{
    size_t n = r->n;
    bag_model *b = od_calloc(ctx, 1, sizeof *b);
    if (!b) return OD_ENOMEM;
    b->t = t;
    b->norm = o->norm;
    b->combine = o->combine;
    b->ntrain = ntrain;
    int rc = (b->p = od_params_copy(ctx, p)) && (b->cols = od_calloc(ctx, D, sizeof *b->cols)) &&
             (b->m = od_calloc(ctx, o->n, sizeof *b->m)) && (r->cols = od_calloc(ctx, D, sizeof *r->cols)) &&
             (r->p = od_params_parse(ctx, NULL, 0, NULL, NULL, 0)) ? OD_OK : OD_ENOMEM;
    if (!rc && o->weights) {
        if (!(b->weights = od_mallocn(ctx, o->n, sizeof *b->weights))) rc = OD_ENOMEM;
        else memcpy(b->weights, o->weights, o->n * sizeof *b->weights);
    }
    for (size_t j = 0; j < D && !rc; j++) {
        b->D = r->ncols = j + 1;
        if (!(b->cols[j] = od_strdup(ctx, f->cols[cols[j]].name)) || !(r->cols[j] = od_strdup(ctx, b->cols[j]))) rc = OD_ENOMEM;
    }
    /* zscore/minmax: the statistics of the training part (every row without a split), as od_run_ensemble */
    unsigned char *train = NULL;
    if (!rc && r->part && !(train = od_malloc(ctx, n ? n : 1))) rc = OD_ENOMEM;
    for (size_t i = 0; train && i < n; i++) train[i] = r->part[i] == OD_PART_TRAIN;
    const double **sc = rc ? NULL : od_calloc(ctx, o->n, sizeof *sc);
    if (!rc && !sc) rc = OD_ENOMEM;
    for (size_t j = 0; j < o->n && !rc; j++) {
        bag_part *q = &b->m[j];
        bag_member *m = &mem[j];
        b->n = j + 1;
        q->feat = m->feat, q->nfeat = m->nfeat, q->rows = m->rows, q->nrows = m->nrows, q->state = m->state;
        m->feat = NULL, m->rows = NULL, m->state = NULL;
        sc[j] = m->scores;
        rc = od_ensemble_norm_stats(ctx, m->scores, n, train, o->norm, &q->shift, &q->scale);
    }
    if (!rc) rc = bag_combine(ctx, b, sc, n, r->scores);
    free(sc);
    free(train);
    r->type = &od_bag_type;
    r->state = b;   /* freed with the run */
    return rc;
}

/* Member j as a run of its own (keep=yes): its state, scores and clusters
 * move into the run. */
static int keep_member(od_ctx *ctx, od_workspace *ws, od_dataset *d, const od_version *v, const od_detector_type *t,
                       const od_params *p, const od_run *bag, bag_member *m, const void *state, size_t j, const char *feats,
                       size_t ntrain)
{
    char name[256];
    snprintf(name, sizeof name, "%s.%zu", bag->name, j + 1);
    od_run *r = od_runi_new(ctx, ws, name, t->name, d->name);
    if (!r) return OD_ENOMEM;
    r->type = t;
    r->p = od_params_copy(ctx, p);
    r->params = r->p ? od_params_format(r->p) : NULL;   /* the detector's alone: its model file loads */
    size_t l = strlen(feats) + strlen(bag->name) + 128;
    if ((r->fit_on = od_malloc(ctx, l)))
        snprintf(r->fit_on, l, "%zu of %zu training rows on=%s (member %zu of bag %s)", m->nrows, ntrain, feats, j + 1,
                 bag->name);
    int rc = r->p && r->params && r->fit_on ? od_runi_attach(ctx, r, d, v) : OD_ENOMEM;
    if (rc) {
        od_run_free(r);
        return rc;
    }
    if ((rc = clone_state(ctx, t, r->p, state, &r->state))) {
        od_run_free(r);
        return rc;
    }
    r->scores = m->scores;
    r->cluster = m->cluster;
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

    /* the bag: one run, the members combined as `ensemble` does; it keeps
     * the members as its model (od_bag_type) */
    if (!(r = od_runi_new(ctx, ws, o->name, "bag", d->name))) { rc = OD_ENOMEM; goto done; }
    char *ps = od_params_format(p);
    r->params = ps ? bag_params(t->name, ps, o, lo, hi, D, nrows, ntrain) : NULL;
    free(ps);
    r->scores = od_mallocn(ctx, n ? n : 1, sizeof *r->scores);
    char fit[160];
    snprintf(fit, sizeof fit, "%s (%zu rows), %zu members on %zu rows each", o->fit == OD_FIT_TRAIN && !v->part ? "all" :
             od_fit_mode_names[o->fit], ntrain, o->n, nrows);
    r->fit_on = od_strdup(ctx, fit);
    if (!r->params || !r->scores || !r->fit_on) rc = OD_ENOMEM;
    if (!rc) rc = od_runi_attach(ctx, r, d, v);
    if (!rc) rc = bag_model_make(ctx, r, f, cols, D, t, p, o, ntrain, m);
    for (size_t j = 0; !rc && o->keep && j < o->n; j++) {
        const bag_part *q = &((const bag_model *)r->state)->m[j];
        char *fl = feature_list(ctx, f, cols, q->feat, q->nfeat);
        if (!fl) { rc = OD_ENOMEM; break; }
        rc = keep_member(ctx, ws, d, v, t, p, r, &m[j], q->state, j, fl, ntrain);
        free(fl);
    }
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
