/* pipeline.c - the preprocessing a model was fitted behind, as data with its
 * fitted parameters (model format 2; 3 adds the series clean steps), so new
 * rows can be scored from the model file alone (`oddity score`).
 *
 * Built from the run's dataset version chain: every step between the data as
 * loaded and the version the run was fitted on.  Scale and pca are fitted
 * again on the same input frame and training rows as the command fitted them
 * (the same code, so the same numbers), and so is clean (missing=drop, mean,
 * median, clip=: the fill values and clip bounds it fitted; missing=ffill and
 * interpolate: the policy, and for interpolate the time column it ran in, or
 * row order, as the workbench chose on the fitted data); split, folds, window
 * and a clean that only dropped constant columns change no value of a row;
 * anything else (clean duplicates, which needs the rows around, embed,
 * pseudolabel, a missing=ffill|interpolate after pca or before a
 * missing=drop...) is kept as a note naming the step: the model loads,
 * `oddity score` refuses it.
 *
 * Encoding (all integers uint32 or uint64 little endian, doubles as their 8
 * bytes, strings u32 length + bytes):
 *   str note ("" = replayable), str dataset
 *   u32 nin, nin x str
 *   u32 nsteps; per step u32 kind, str desc, then
 *     SCALE: u32 method, u32 d, u64 nfit, d x (str name, f64 center, f64 scale)
 *     PCA:   u32 d, u32 k, u32 whiten, u64 nfit, d x str name, d x f64 mean,
 *            k*d x f64 components, d x f64 explained variance
 *     CLEAN: u32 drop, u32 d, d x (str name, f64 fill, f64 lo, f64 hi),
 *            format 3 only: u32 series (0, 1 ffill, 2 interpolate), str time
 *            column ("" = row order), u32 time kind (1 timestamps, 0 numbers)
 *   u32 ncols, ncols x str
 *   u32 win, u32 stride, u32 wagg
 *   u32 has_thr, u32 strict, f64 thr, str thr_desc */
#include "config.h"
#include "run.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void od_pipeline_free(od_pipeline *p)
{
    if (!p) return;
    free(p->note);
    free(p->dataset);
    for (size_t i = 0; i < p->nin; i++) free(p->in[i]);
    free(p->in);
    for (size_t i = 0; i < p->nsteps; i++) {
        free(p->steps[i].desc);
        od_scaler_free(p->steps[i].scaler);
        od_pca_free(p->steps[i].pca);
        od_clean_fit_free(p->steps[i].clean);
        free(p->steps[i].clean);
        free(p->steps[i].tcol);
    }
    free(p->steps);
    for (size_t i = 0; i < p->ncols; i++) free(p->cols[i]);
    free(p->cols);
    free(p->thr_desc);
    free(p);
}

/* ------------------------------------------------------------ building */

static int set_note(od_ctx *ctx, od_pipeline *p, const char *fmt, const char *a)
{
    if (p->note) return OD_OK;
    size_t l = strlen(fmt) + strlen(a) + 1;
    if (!(p->note = od_malloc(ctx, l))) return OD_ENOMEM;
    snprintf(p->note, l, fmt, a);
    return OD_OK;
}

static int has_name(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s)) return 1;
    return 0;
}

/* Append s to the list unless present. */
static int add_name(od_ctx *ctx, char ***v, size_t *n, const char *s)
{
    if (has_name(*v, *n, s)) return OD_OK;
    char **nv = od_realloc(ctx, *v, (*n + 1) * sizeof *nv);
    if (!nv) return OD_ENOMEM;
    *v = nv;
    if (!(nv[*n] = od_strdup(ctx, s))) return OD_ENOMEM;
    (*n)++;
    return OD_OK;
}

static int add_step(od_ctx *ctx, od_pipeline *p, int kind, const char *desc, od_pipe_step **out)
{
    od_pipe_step *ns = od_realloc(ctx, p->steps, (p->nsteps + 1) * sizeof *ns);
    if (!ns) return OD_ENOMEM;
    p->steps = ns;
    memset(&ns[p->nsteps], 0, sizeof *ns);
    ns[p->nsteps].kind = kind;
    if (!(ns[p->nsteps].desc = od_strdup(ctx, desc ? desc : "?"))) return OD_ENOMEM;
    *out = &ns[p->nsteps++];
    return OD_OK;
}

/* The input columns: every column a step or the detector reads that no
 * earlier step made (pca's PC1..PCk). */
static int input_columns(od_ctx *ctx, od_pipeline *p)
{
    char **made = NULL;
    size_t nmade = 0;
    int rc = OD_OK;
    for (size_t s = 0; s < p->nsteps && !rc; s++) {
        const od_pipe_step *st = &p->steps[s];
        size_t d = st->scaler ? st->scaler->d : st->pca ? st->pca->d : st->clean ? st->clean->d : 0;
        char **names = st->scaler ? st->scaler->names : st->pca ? st->pca->names : st->clean ? st->clean->names : NULL;
        for (size_t j = 0; j < d && !rc; j++)
            if (!has_name(made, nmade, names[j])) rc = add_name(ctx, &p->in, &p->nin, names[j]);
        if (st->tcol && !rc) rc = add_name(ctx, &p->in, &p->nin, st->tcol);   /* interpolate in time: read it too */
        for (size_t c = 0; st->pca && c < st->pca->k && !rc; c++) {
            char nm[32];
            snprintf(nm, sizeof nm, "PC%zu", c + 1);
            rc = add_name(ctx, &made, &nmade, nm);
        }
    }
    for (size_t j = 0; j < p->ncols && !rc; j++)
        if (!has_name(made, nmade, p->cols[j])) rc = add_name(ctx, &p->in, &p->nin, p->cols[j]);
    for (size_t i = 0; i < nmade; i++) free(made[i]);
    free(made);
    return rc;
}

/* The time column clean missing=interpolate interpolated frame f in, as
 * clean.c chooses it: the time column when it has no missing value and never
 * decreases, else none (row order). */
static int interp_time(od_ctx *ctx, const od_frame *f, od_pipe_step *ps)
{
    long tj = od_frame_role(f, OD_ROLE_TIME);
    if (tj < 0 || !f->cols[tj].num) return OD_OK;
    const double *tc = f->cols[tj].num;
    size_t n = f->nrow;
    for (size_t i = 0; i < n; i++)
        if (isnan(tc[i]) || (i && tc[i] < tc[i - 1])) return OD_OK;
    ps->ttime = f->cols[tj].type == OD_COL_TIME;
    return (ps->tcol = od_strdup(ctx, f->cols[tj].name)) ? OD_OK : OD_ENOMEM;
}

/* A step oddity score cannot stream after or before a series clean: a pca
 * before it (the filled columns would not be input columns) or a
 * missing=drop after it (the dropped rows are the filled rows' neighbours). */
static int series_order(od_ctx *ctx, od_pipeline *p)
{
    int pca = 0, series = 0;
    for (size_t s = 0; s < p->nsteps; s++) {
        const od_pipe_step *st = &p->steps[s];
        if (st->series && pca)
            return set_note(ctx, p, "step '%s' fills values made by a pca before it: not replayed by oddity score", st->desc);
        if (st->drop && series)
            return set_note(ctx, p, "step '%s' drops rows after a missing=ffill|interpolate step: not replayed by oddity score", st->desc);
        pca |= st->pca != NULL;
        series |= st->series != 0;
    }
    return OD_OK;
}

/* The fitted parameters of the step that made version i (from version i-1). */
static int refit_step(od_ctx *ctx, od_pipeline *p, const od_dataset *d, size_t i)
{
    const od_version *v = &d->v[i], *prev = &d->v[i - 1];
    const od_prep_step *st = v->recipe;
    if (!st) {
        if (v->step && !strncmp(v->step, "pseudolabel", 11)) return OD_OK;   /* adds an ignored column only */
        return set_note(ctx, p, "step '%s' cannot be replayed on new rows", v->step ? v->step : "?");
    }
    if (st->kind == OD_STEP_KEEP) return OD_OK;
    if (st->kind == OD_STEP_CLEAN) {
        const od_clean_opts *c = &st->clean;
        if (c->missing == OD_MISSING_KEEP && c->clip == OD_CLIP_NONE && !c->drop_duplicates) return OD_OK;
        if (c->drop_duplicates)
            return set_note(ctx, p, "step '%s' is not replayed by oddity score: duplicates compares every row with "
                            "every other (missing=drop, mean, median, ffill, interpolate and clip= are)", v->step ? v->step : "clean");
    }
    if (!prev->frame) return set_note(ctx, p, "the data before step '%s' was released to bound memory: cannot refit it", v->step ? v->step : "?");
    size_t n = prev->frame->nrow;
    unsigned char *fm = NULL;
    if (prev->part) {
        if (!(fm = od_malloc(ctx, n ? n : 1))) return OD_ENOMEM;
        for (size_t r = 0; r < n; r++) fm[r] = prev->part[r] == OD_PART_TRAIN;
    }
    od_frame *out = NULL;
    od_pipe_step *ps = NULL;
    int kind = st->kind == OD_STEP_SCALE ? OD_PIPE_SCALE : st->kind == OD_STEP_CLEAN ? OD_PIPE_CLEAN : OD_PIPE_PCA;
    int rc = add_step(ctx, p, kind, v->step, &ps);
    if (!rc && st->kind == OD_STEP_CLEAN) {
        od_clean_opts co = st->clean;
        co.cols = (const char *const *)st->cols;
        co.ncols = st->ncols;
        ps->drop = co.missing == OD_MISSING_DROP;
        ps->series = co.missing == OD_MISSING_FFILL ? OD_SERIES_FFILL : co.missing == OD_MISSING_INTERPOLATE ? OD_SERIES_INTERP : 0;
        if (!(ps->clean = od_calloc(ctx, 1, sizeof *ps->clean))) rc = OD_ENOMEM;
        else rc = od_prep_clean_fit(ctx, prev->frame, &co, fm, &out, NULL, NULL, ps->clean);
        if (!rc && ps->series == OD_SERIES_INTERP) rc = interp_time(ctx, prev->frame, ps);
    } else if (!rc && st->kind == OD_STEP_SCALE)
        rc = od_prep_scale(ctx, prev->frame, st->scale, (const char *const *)st->cols, st->ncols, fm, &out, &ps->scaler, NULL);
    else if (!rc) {
        od_pca_opts po = st->pca;
        po.cols = (const char *const *)st->cols;
        po.ncols = st->ncols;
        rc = od_prep_pca(ctx, prev->frame, &po, fm, &out, &ps->pca, NULL);
    }
    od_frame_free(out);
    free(fm);
    return rc;
}

int od_pipeline_build(od_ctx *ctx, od_workspace *ws, const od_run *r, od_pipeline **out)
{
    od_pipeline *p = od_calloc(ctx, 1, sizeof *p);
    *out = NULL;
    if (!p) return OD_ENOMEM;
    int rc = OD_OK;
    for (size_t j = 0; j < r->ncols && !rc; j++) rc = add_name(ctx, &p->cols, &p->ncols, r->cols[j]);
    if (!rc && r->thr.set && !r->thr.point) {
        p->has_thr = 1;
        p->strict = r->thr.strict;
        p->thr = r->thr.value;
        if (!(p->thr_desc = od_strdup(ctx, r->thr.desc ? r->thr.desc : "value"))) rc = OD_ENOMEM;
    }
    const od_dataset *d = ws && r->dataset ? od_ws_dataset(ws, r->dataset) : NULL;
    size_t rv = r->dataset_version;
    if (rc) {
    } else if (!r->cols || !r->ncols) {
        rc = set_note(ctx, p, "%s: the run does not record its columns", r->name);
    } else if (!d || rv < 1 || rv > d->nv) {
        rc = set_note(ctx, p, "the data %s was fitted on is no longer in the session: its preprocessing is unknown", r->name);
    } else {
        char buf[512];
        snprintf(buf, sizeof buf, "%s (version %zu of %zu)", d->name, rv, d->nv);
        if (!(p->dataset = od_strdup(ctx, buf))) rc = OD_ENOMEM;
        if (!d->path || !*d->path)   /* made by `embed ... as NAME`: its first version is not raw data */
            rc = set_note(ctx, p, "the data was made by '%s', not loaded from a file", d->v[0].step ? d->v[0].step : "?");
        for (size_t i = 1; i < rv && !rc && !p->note; i++) rc = refit_step(ctx, p, d, i);
        if (!rc && !p->note) rc = series_order(ctx, p);
        const od_version *v = &d->v[rv - 1];
        if (!rc && !r->type->seq && v->win) {
            p->win = v->win;
            p->stride = v->stride ? v->stride : 1;
            p->wagg = v->wagg;
        }
        if (!rc && !p->note && v->frame && r->n != v->frame->nrow)
            rc = set_note(ctx, p, "the data %s was fitted on has changed since (undo?): refit and save again", r->name);
    }
    if (!rc) rc = input_columns(ctx, p);
    if (rc) { od_pipeline_free(p); return rc; }
    *out = p;
    return OD_OK;
}

/* ------------------------------------------------------------ encoding */

typedef struct {
    unsigned char *b;
    size_t n, cap;
    int fail;
} wbuf;

static void put(wbuf *w, const void *x, size_t n)
{
    if (w->fail) return;
    if (w->n + n > w->cap) {
        size_t c = w->cap ? w->cap * 2 : 256;
        while (c < w->n + n) c *= 2;
        unsigned char *nb = realloc(w->b, c);
        if (!nb) { w->fail = 1; return; }
        w->b = nb;
        w->cap = c;
    }
    memcpy(w->b + w->n, x, n);
    w->n += n;
}
static void put_u32(wbuf *w, size_t v) { uint32_t x = (uint32_t)v; put(w, &x, 4); }
static void put_u64(wbuf *w, size_t v) { uint64_t x = (uint64_t)v; put(w, &x, 8); }
static void put_f64(wbuf *w, double v) { put(w, &v, 8); }
static void put_str(wbuf *w, const char *s)
{
    s = s ? s : "";
    put_u32(w, strlen(s));
    put(w, s, strlen(s));
}

int od_pipeline_encode(od_ctx *ctx, const od_pipeline *p, unsigned char **buf, size_t *len)
{
    wbuf w = { 0 };
    put_str(&w, p->note);
    put_str(&w, p->dataset);
    put_u32(&w, p->nin);
    for (size_t i = 0; i < p->nin; i++) put_str(&w, p->in[i]);
    put_u32(&w, p->nsteps);
    for (size_t s = 0; s < p->nsteps; s++) {
        const od_pipe_step *st = &p->steps[s];
        put_u32(&w, (size_t)st->kind);
        put_str(&w, st->desc);
        if (st->kind == OD_PIPE_SCALE) {
            const od_scaler *sc = st->scaler;
            put_u32(&w, (size_t)sc->method);
            put_u32(&w, sc->d);
            put_u64(&w, sc->nfit);
            for (size_t j = 0; j < sc->d; j++) {
                put_str(&w, sc->names[j]);
                put_f64(&w, sc->center[j]);
                put_f64(&w, sc->scale[j]);
            }
        } else if (st->kind == OD_PIPE_PCA) {
            const od_pca *pc = st->pca;
            put_u32(&w, pc->d);
            put_u32(&w, pc->k);
            put_u32(&w, (size_t)pc->whiten);
            put_u64(&w, pc->nfit);
            for (size_t j = 0; j < pc->d; j++) put_str(&w, pc->names[j]);
            for (size_t j = 0; j < pc->d; j++) put_f64(&w, pc->mean[j]);
            for (size_t j = 0; j < pc->k * pc->d; j++) put_f64(&w, pc->components[j]);
            for (size_t j = 0; j < pc->d; j++) put_f64(&w, pc->explained_variance[j]);
        } else if (st->kind == OD_PIPE_CLEAN) {
            const od_clean_fit *cf = st->clean;
            put_u32(&w, (size_t)st->drop);
            put_u32(&w, cf->d);
            for (size_t j = 0; j < cf->d; j++) {
                put_str(&w, cf->names[j]);
                put_f64(&w, cf->fill[j]);
                put_f64(&w, cf->lo[j]);
                put_f64(&w, cf->hi[j]);
            }
            put_u32(&w, (size_t)st->series);
            put_str(&w, st->tcol);
            put_u32(&w, (size_t)st->ttime);
        }
    }
    put_u32(&w, p->ncols);
    for (size_t i = 0; i < p->ncols; i++) put_str(&w, p->cols[i]);
    put_u32(&w, p->win);
    put_u32(&w, p->stride);
    put_u32(&w, (size_t)p->wagg);
    put_u32(&w, (size_t)p->has_thr);
    put_u32(&w, (size_t)p->strict);
    put_f64(&w, p->thr);
    put_str(&w, p->thr_desc);
    if (w.fail) { free(w.b); return od_error(ctx, OD_ENOMEM, "save model: out of memory (pipeline)"); }
    *buf = w.b;
    *len = w.n;
    return OD_OK;
}

typedef struct {
    const unsigned char *b;
    size_t n, pos;
    int bad;
} rbuf;

static void get(rbuf *r, void *x, size_t n)
{
    if (r->bad || n > r->n - r->pos) { r->bad = 1; memset(x, 0, n); return; }
    memcpy(x, r->b + r->pos, n);
    r->pos += n;
}
static size_t get_u32(rbuf *r) { uint32_t x; get(r, &x, 4); return x; }
static size_t get_u64(rbuf *r) { uint64_t x; get(r, &x, 8); return (size_t)x; }
static double get_f64(rbuf *r) { double x; get(r, &x, 8); return x; }
/* A string (NULL when damaged or out of memory: r->bad set). */
static char *get_str(rbuf *r)
{
    size_t l = get_u32(r);
    if (r->bad || l > r->n - r->pos) { r->bad = 1; return NULL; }
    char *s = malloc(l + 1);
    if (!s) { r->bad = 2; return NULL; }
    memcpy(s, r->b + r->pos, l);
    s[l] = 0;
    r->pos += l;
    return s;
}
/* A count that must fit in what is left (each item takes at least `min` bytes). */
static size_t get_count(rbuf *r, size_t min)
{
    size_t c = get_u32(r);
    if (!r->bad && c > (r->n - r->pos) / (min ? min : 1)) r->bad = 1;
    return r->bad ? 0 : c;
}
static void *get_arr(rbuf *r, size_t n, size_t sz)
{
    if (r->bad) return NULL;
    void *a = calloc(n ? n : 1, sz);
    if (!a) r->bad = 2;
    return a;
}

static void decode_scale(rbuf *r, od_pipe_step *st)
{
    od_scaler *sc = get_arr(r, 1, sizeof *sc);
    if (!sc) return;
    st->scaler = sc;
    sc->method = (od_scale_method)get_u32(r);
    if (sc->method > OD_SCALE_ROBUST) r->bad = 1;
    sc->d = get_count(r, 20);
    sc->nfit = get_u64(r);
    sc->names = get_arr(r, sc->d, sizeof *sc->names);
    sc->center = get_arr(r, sc->d, sizeof *sc->center);
    sc->scale = get_arr(r, sc->d, sizeof *sc->scale);
    for (size_t j = 0; j < sc->d && !r->bad; j++) {
        sc->names[j] = get_str(r);
        sc->center[j] = get_f64(r);
        sc->scale[j] = get_f64(r);
    }
    if (r->bad) sc->d = 0;   /* names may be partly filled: free what is there */
}

static void decode_pca(rbuf *r, od_pipe_step *st)
{
    od_pca *pc = get_arr(r, 1, sizeof *pc);
    if (!pc) return;
    st->pca = pc;
    pc->d = get_count(r, 20);
    pc->k = get_u32(r);
    pc->whiten = (int)get_u32(r);
    pc->nfit = get_u64(r);
    if (!r->bad && (pc->k < 1 || pc->k > pc->d || pc->k > (r->n - r->pos) / 8 / pc->d)) r->bad = 1;   /* before allocating k*d */
    pc->names = get_arr(r, pc->d, sizeof *pc->names);
    pc->mean = get_arr(r, pc->d, sizeof *pc->mean);
    pc->components = get_arr(r, pc->k * pc->d, sizeof *pc->components);
    pc->explained_variance = get_arr(r, pc->d, sizeof *pc->explained_variance);
    pc->explained_variance_ratio = get_arr(r, pc->d, sizeof *pc->explained_variance_ratio);
    pc->singular_values = get_arr(r, pc->d, sizeof *pc->singular_values);
    for (size_t j = 0; j < pc->d && !r->bad; j++) pc->names[j] = get_str(r);
    for (size_t j = 0; j < pc->d && !r->bad; j++) pc->mean[j] = get_f64(r);
    for (size_t j = 0; j < pc->k * pc->d && !r->bad; j++) pc->components[j] = get_f64(r);
    for (size_t j = 0; j < pc->d && !r->bad; j++) pc->explained_variance[j] = get_f64(r);
}

static void decode_clean(rbuf *r, od_pipe_step *st, unsigned version)
{
    od_clean_fit *cf = get_arr(r, 1, sizeof *cf);
    if (!cf) return;
    st->clean = cf;
    st->drop = (int)get_u32(r);
    if (st->drop > 1) r->bad = 1;
    size_t d = get_count(r, 28);
    cf->names = get_arr(r, d, sizeof *cf->names);
    cf->fill = get_arr(r, d, sizeof *cf->fill);
    cf->lo = get_arr(r, d, sizeof *cf->lo);
    cf->hi = get_arr(r, d, sizeof *cf->hi);
    for (size_t j = 0; j < d && !r->bad; j++) {
        cf->d = j + 1;
        cf->names[j] = get_str(r);
        cf->fill[j] = get_f64(r);
        cf->lo[j] = get_f64(r);
        cf->hi[j] = get_f64(r);
        if (!(cf->lo[j] <= cf->hi[j])) r->bad = 1;
    }
    if (version < 3 || r->bad) return;   /* format 2: no series steps */
    st->series = (int)get_u32(r);
    st->tcol = get_str(r);
    st->ttime = (int)get_u32(r);
    if (r->bad) return;
    if (st->series < 0 || st->series > OD_SERIES_INTERP || st->ttime < 0 || st->ttime > 1 || (st->series && st->drop) ||
        (*st->tcol && st->series != OD_SERIES_INTERP))
        r->bad = 1;
    if (!*st->tcol) { free(st->tcol); st->tcol = NULL; }
}

int od_pipeline_decode(od_ctx *ctx, const unsigned char *buf, size_t len, unsigned version, const char *path, od_pipeline **out)
{
    *out = NULL;
    od_pipeline *p = od_calloc(ctx, 1, sizeof *p);
    if (!p) return OD_ENOMEM;
    rbuf r = { buf, len, 0, 0 };
    p->note = get_str(&r);
    p->dataset = get_str(&r);
    p->nin = get_count(&r, 4);
    p->in = get_arr(&r, p->nin, sizeof *p->in);
    for (size_t i = 0; i < p->nin && !r.bad; i++) p->in[i] = get_str(&r);
    size_t ns = get_count(&r, 8);
    p->steps = get_arr(&r, ns, sizeof *p->steps);
    for (size_t s = 0; s < ns && !r.bad; s++) {
        od_pipe_step *st = &p->steps[s];
        p->nsteps = s + 1;
        st->kind = (int)get_u32(&r);
        st->desc = get_str(&r);
        if (st->kind == OD_PIPE_SCALE) decode_scale(&r, st);
        else if (st->kind == OD_PIPE_PCA) decode_pca(&r, st);
        else if (st->kind == OD_PIPE_CLEAN) decode_clean(&r, st, version);
        else if (st->kind != OD_PIPE_NOOP) r.bad = 1;
    }
    p->ncols = get_count(&r, 4);
    p->cols = get_arr(&r, p->ncols, sizeof *p->cols);
    for (size_t i = 0; i < p->ncols && !r.bad; i++) p->cols[i] = get_str(&r);
    p->win = get_u32(&r);
    p->stride = get_u32(&r);
    p->wagg = (int)get_u32(&r);
    p->has_thr = (int)get_u32(&r);
    p->strict = (int)get_u32(&r);
    p->thr = get_f64(&r);
    p->thr_desc = get_str(&r);
    if (!r.bad && (r.pos != len || (p->wagg != OD_WAGG_MAX && p->wagg != OD_WAGG_MEAN) || (p->win && !p->stride)))
        r.bad = 1;
    if (r.bad) {
        od_pipeline_free(p);
        return r.bad == 2 ? od_error(ctx, OD_ENOMEM, "%s: out of memory reading the pipeline", path)
                          : od_error(ctx, OD_EFORMAT, "%s: truncated or damaged model file (pipeline)", path);
    }
    if (*p->note == 0) { free(p->note); p->note = NULL; }
    *out = p;
    return OD_OK;
}

/* ------------------------------------------------------------ describe */

void od_pipeline_describe(const od_pipeline *p, od_out *o)
{
    if (!p) {
        od_printf(o, "pipeline: none recorded (model format 1): score data prepared as it was for the fit\n");
        return;
    }
    od_printf(o, "pipeline:");
    for (size_t s = 0; s < p->nsteps; s++) od_printf(o, " %s ->", p->steps[s].desc);
    if (p->win) od_printf(o, " window size=%zu stride=%zu agg=%s ->", p->win, p->stride, od_wagg_names[p->wagg]);
    od_printf(o, " detector\n");
    if (p->dataset) od_printf(o, "  fitted on %s\n", p->dataset);
    od_printf(o, "  input columns:");
    for (size_t i = 0; i < p->nin; i++) od_printf(o, "%s%s", i ? "," : " ", p->in[i]);
    od_printf(o, "\n  detector columns:");
    for (size_t i = 0; i < p->ncols; i++) od_printf(o, "%s%s", i ? "," : " ", p->cols[i]);
    od_printf(o, "\n");
    for (size_t s = 0; s < p->nsteps; s++) {
        const od_pipe_step *st = &p->steps[s];
        if (st->scaler) {
            od_printf(o, "  %s:", st->desc);
            for (size_t j = 0; j < st->scaler->d; j++)
                od_printf(o, " %s (%.6g, %.6g)", st->scaler->names[j], st->scaler->center[j], st->scaler->scale[j]);
            od_printf(o, "\n");
        } else if (st->pca) {
            od_printf(o, "  %s: %zu components of %zu columns%s\n", st->desc, st->pca->k, st->pca->d,
                      st->pca->whiten ? ", whitened" : "");
        } else if (st->clean) {
            od_printf(o, "  %s:%s", st->desc, st->drop ? " rows missing a value dropped;" : "");
            if (st->series == OD_SERIES_FFILL) od_printf(o, " missing values carried forward (a gap at the start takes the first value);");
            else if (st->series == OD_SERIES_INTERP) {
                if (st->tcol) od_printf(o, " missing values interpolated linearly in time (column %s)", st->tcol);
                else od_printf(o, " missing values interpolated linearly in row order");
                od_printf(o, " (a gap at the start takes the first value, at the end the last);");
            }
            for (size_t j = 0; j < st->clean->d; j++) {
                const od_clean_fit *cf = st->clean;
                od_printf(o, " %s", cf->names[j]);
                if (!isnan(cf->fill[j])) od_printf(o, " fill %.6g", cf->fill[j]);
                if (isfinite(cf->lo[j]) || isfinite(cf->hi[j])) od_printf(o, " clip [%.6g, %.6g]", cf->lo[j], cf->hi[j]);
            }
            od_printf(o, "\n");
        }
    }
    if (p->has_thr) od_printf(o, "  threshold: %s: flagged when score %s %.17g\n", p->thr_desc ? p->thr_desc : "", p->strict ? ">" : ">=", p->thr);
    else od_printf(o, "  threshold: none (set one before save model for --threshold)\n");
    if (p->note) od_printf(o, "  not replayable by oddity score: %s\n", p->note);
}
