#include "config.h"
#include "workspace.h"

#include <stdlib.h>
#include <string.h>

od_workspace *od_ws_new(void)
{
    od_workspace *ws = calloc(1, sizeof *ws);
    if (ws) {
        ws->current = -1;
        ws->byte_cap = (size_t)2 << 30;   /* 2 GiB of kept versions */
    }
    return ws;
}

static void version_free(od_version *v)
{
    od_frame_free(v->frame);
    free(v->step);
    free(v->part);
    free(v->split_desc);
    free(v->pseudo);
    free(v->fold);
    od_prep_step_free(v->recipe);
}

static void dataset_free(od_dataset *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->nv; i++) version_free(&d->v[i]);
    free(d->v);
    free(d->name);
    free(d->path);
    free(d);
}

void od_thresh_clear(od_thresh *t)
{
    free(t->desc);
    free(t->point);
    memset(t, 0, sizeof *t);
}

void od_run_free(od_run *r)
{
    if (!r) return;
    if (r->state && r->type && r->type->free) r->type->free(r->state);
    od_params_free(r->p);
    free(r->name);
    free(r->algo);
    free(r->params);
    for (size_t j = 0; r->cols && j < r->ncols; j++) free(r->cols[j]);
    free(r->cols);
    free(r->dataset);
    od_run_counts_free(r->counts);
    free(r->scores);
    free(r->cluster);
    free(r->labels);
    free(r->pseudo);
    free(r->part);
    free(r->time);
    free(r->fit_on);
    free(r->unscored);
    free(r->detail);
    od_fitlog_done(&r->log);
    od_thresh_clear(&r->thr);
    if (r->search && r->search_free) r->search_free(r->search);
    free(r);
}

void od_ws_free(od_workspace *ws)
{
    if (!ws) return;
    for (size_t i = 0; i < ws->nds; i++) dataset_free(ws->ds[i]);
    for (size_t i = 0; i < ws->nruns; i++) od_run_free(ws->runs[i]);
    free(ws->ds);
    free(ws->runs);
    free(ws);
}

od_dataset *od_ws_dataset(od_workspace *ws, const char *name)
{
    for (size_t i = 0; i < ws->nds; i++)
        if (!strcmp(ws->ds[i]->name, name)) return ws->ds[i];
    return NULL;
}

od_dataset *od_ws_current(od_workspace *ws)
{
    return ws->current >= 0 && (size_t)ws->current < ws->nds ? ws->ds[ws->current] : NULL;
}

size_t od_frame_bytes(const od_frame *f)
{
    if (!f) return 0;
    size_t b = sizeof *f;
    for (size_t j = 0; j < f->ncol; j++) {
        if (f->cols[j].num) b += f->nrow * sizeof(double);
        if (f->cols[j].text)
            for (size_t i = 0; i < f->nrow; i++)
                b += sizeof(char *) + (f->cols[j].text[i] ? strlen(f->cols[j].text[i]) + 1 : 0);
    }
    return b;
}

od_version *od_ds_top(od_dataset *d) { return d && d->nv ? &d->v[d->nv - 1] : NULL; }

/* Release data of the oldest versions until the limits hold. */
static void enforce_limits(od_workspace *ws)
{
    for (;;) {
        size_t total = 0, kept = 0;
        od_version *oldest = NULL;
        for (size_t i = 0; i < ws->nds; i++) {
            od_dataset *d = ws->ds[i];
            size_t dk = 0;
            for (size_t k = 0; k < d->nv; k++)
                if (d->v[k].frame) { total += d->v[k].bytes; dk++; }
            kept += dk;
            /* per-dataset version cap */
            if (dk > OD_WS_MAX_VERSIONS)
                for (size_t k = 0; k + 1 < d->nv; k++)
                    if (d->v[k].frame) { oldest = &d->v[k]; break; }
        }
        if (!oldest && total > ws->byte_cap) {
            for (size_t i = 0; i < ws->nds && !oldest; i++) {
                od_dataset *d = ws->ds[i];
                for (size_t k = 0; k + 1 < d->nv; k++)
                    if (d->v[k].frame) { oldest = &d->v[k]; break; }
            }
        }
        (void)kept;
        if (!oldest) return;
        od_frame_free(oldest->frame);
        oldest->frame = NULL;
        oldest->bytes = 0;
    }
}

int od_ws_add_dataset_donate(od_ctx *ctx, od_workspace *ws, const char *name, const char *path,
                             od_frame *f, const char *step)
{
    od_dataset *d = calloc(1, sizeof *d);
    if (!d) { od_frame_free(f); return od_error(ctx, OD_ENOMEM, "out of memory"); }
    d->name = strdup(name);
    d->path = strdup(path ? path : "");
    d->v = calloc(4, sizeof *d->v);
    d->cap = 4;
    if (!d->name || !d->path || !d->v) {
        od_frame_free(f);
        dataset_free(d);
        return od_error(ctx, OD_ENOMEM, "out of memory");
    }
    d->v[0] = (od_version){ .frame = f, .step = strdup(step), .bytes = od_frame_bytes(f) };
    d->nv = 1;
    for (size_t i = 0; i < ws->nds; i++)
        if (!strcmp(ws->ds[i]->name, name)) {
            dataset_free(ws->ds[i]);
            ws->ds[i] = d;
            ws->current = (long)i;
            enforce_limits(ws);
            return OD_OK;
        }
    if (ws->nds == ws->capds) {
        size_t cap = ws->capds ? 2 * ws->capds : 8;
        od_dataset **p = realloc(ws->ds, cap * sizeof *p);
        if (!p) { dataset_free(d); return od_error(ctx, OD_ENOMEM, "out of memory"); }
        ws->ds = p;
        ws->capds = cap;
    }
    ws->ds[ws->nds] = d;
    ws->current = (long)ws->nds++;
    enforce_limits(ws);
    return OD_OK;
}

int od_ws_drop_dataset(od_workspace *ws, const char *name)
{
    for (size_t i = 0; i < ws->nds; i++)
        if (!strcmp(ws->ds[i]->name, name)) {
            dataset_free(ws->ds[i]);
            memmove(ws->ds + i, ws->ds + i + 1, (ws->nds - i - 1) * sizeof *ws->ds);
            ws->nds--;
            if (ws->current == (long)i) ws->current = ws->nds ? (long)ws->nds - 1 : -1;
            else if (ws->current > (long)i) ws->current--;
            return OD_OK;
        }
    return OD_ENOTFOUND;
}

static void *dupmem(const void *p, size_t n)
{
    if (!p) return NULL;
    void *q = malloc(n ? n : 1);
    if (q) memcpy(q, p, n);
    return q;
}

int od_ds_push_donate(od_ctx *ctx, od_workspace *ws, od_dataset *d, od_frame *f, const char *step)
{
    od_version *top = od_ds_top(d);
    if (d->nv == d->cap) {
        size_t cap = 2 * d->cap;
        od_version *v = realloc(d->v, cap * sizeof *v);
        if (!v) { od_frame_free(f); return od_error(ctx, OD_ENOMEM, "out of memory"); }
        d->v = v;
        d->cap = cap;
        top = &d->v[d->nv - 1];
    }
    od_version nv = { .frame = f, .step = strdup(step), .bytes = od_frame_bytes(f) };
    if (top && top->frame && top->frame->nrow == f->nrow) {
        nv.part = dupmem(top->part, f->nrow);
        nv.split_desc = top->split_desc ? strdup(top->split_desc) : NULL;
        nv.pseudo = top->pseudo ? strdup(top->pseudo) : NULL;
        nv.fold = dupmem(top->fold, f->nrow * sizeof(int));
        nv.nfolds = top->nfolds;
        nv.win = top->win;
        nv.stride = top->stride;
        nv.wagg = top->wagg;
        nv.series = top->series;
    } else if (top) {
        nv.series = top->series;
        nv.win = top->win;
        nv.stride = top->stride;
        nv.wagg = top->wagg;
    }
    d->v[d->nv++] = nv;
    enforce_limits(ws);
    return OD_OK;
}

int od_ds_undo(od_ctx *ctx, od_dataset *d)
{
    if (d->nv <= 1)
        return od_error(ctx, OD_ESTATE, "nothing to undo: '%s' is as loaded", d->name);
    if (!d->v[d->nv - 2].frame)
        return od_error(ctx, OD_ESTATE,
                        "cannot undo '%s': the previous version was released to bound memory", d->v[d->nv - 1].step);
    version_free(&d->v[d->nv - 1]);
    d->nv--;
    return OD_OK;
}

od_run *od_ws_run(od_workspace *ws, const char *name)
{
    for (size_t i = 0; i < ws->nruns; i++)
        if (!strcmp(ws->runs[i]->name, name)) return ws->runs[i];
    return NULL;
}

int od_ws_add_run_donate(od_ctx *ctx, od_workspace *ws, od_run *r)
{
    for (size_t i = 0; i < ws->nruns; i++)
        if (!strcmp(ws->runs[i]->name, r->name)) {
            od_run_free(ws->runs[i]);
            ws->runs[i] = r;
            return OD_OK;
        }
    if (ws->nruns == ws->capruns) {
        size_t cap = ws->capruns ? 2 * ws->capruns : 8;
        od_run **p = realloc(ws->runs, cap * sizeof *p);
        if (!p) { od_run_free(r); return od_error(ctx, OD_ENOMEM, "out of memory"); }
        ws->runs = p;
        ws->capruns = cap;
    }
    ws->runs[ws->nruns++] = r;
    return OD_OK;
}

int od_ws_drop_run(od_workspace *ws, const char *name)
{
    for (size_t i = 0; i < ws->nruns; i++)
        if (!strcmp(ws->runs[i]->name, name)) {
            od_run_free(ws->runs[i]);
            memmove(ws->runs + i, ws->runs + i + 1, (ws->nruns - i - 1) * sizeof *ws->runs);
            ws->nruns--;
            return OD_OK;
        }
    return OD_ENOTFOUND;
}

int od_version_is_series(const od_version *v)
{
    return v->series || v->win > 0 || (v->frame && od_frame_role(v->frame, OD_ROLE_TIME) >= 0);
}
