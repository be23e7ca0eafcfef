/* cmd_prep.c - clean, scale, pca, window, split, folds, pseudolabel, undo,
 * lineage.  Every transform pushes a new version of the current
 * dataset (so `undo` steps back) and prints what it did. */
#include "config.h"
#include "cmd.h"
#include "prep/prep.h"
#include "run/run.h"
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void print_report(od_session *s, od_out *o)
{
    const char *t = od_out_str(o);
    fputs(t, s->outfp);
    if (*t && t[strlen(t) - 1] != '\n') fputc('\n', s->outfp);
}

/* Training rows of a version as a fit mask in *m (NULL when there is no
 * split); 0 or a reported OD_ENOMEM. */
static int fit_mask(od_session *s, const od_version *v, unsigned char **m)
{
    *m = NULL;
    if (!v->part) return 0;
    size_t n = v->frame->nrow;
    if (!(*m = od_malloc(s->ctx, n ? n : 1))) return cmd_fail(s, OD_ENOMEM);
    for (size_t i = 0; i < n; i++) (*m)[i] = v->part[i] == OD_PART_TRAIN;
    return 0;
}

/* OD_ENOMEM with its message in the context (for a failed report buffer). */
static int nomem(od_session *s)
{
    return od_error(s->ctx, OD_ENOMEM, "out of memory");
}

static int push(od_session *s, od_dataset *d, od_frame *f, const cmd_line *c)
{
    int rc = od_ds_push_donate(s->ctx, s->ws, d, f, c->src);
    return rc ? cmd_fail(s, rc) : 0;
}

/* The new top version records how it was made (st donated), so `search` can
 * fit the step again inside each fold; 0 or a reported OD_ENOMEM. */
static int keep_recipe(od_session *s, od_dataset *d, od_prep_step *st)
{
    if (!st) return cmd_fail(s, OD_ENOMEM);
    od_version *v = od_ds_top(d);
    od_prep_step_free(v->recipe);
    v->recipe = st;
    return 0;
}

static od_prep_step *recipe_keep(od_session *s)
{
    return od_prep_step_new(s->ctx, OD_STEP_KEEP, NULL, 0);
}

/* The names of these families (missing-value treatments, scalers) live in
 * these tables only: dispatch, usage lines, completion and errors read them
 * (the strings are built before main, see prep_strings below). */
static const struct { const char *name; od_missing how; } missing_how[] = {
    { "drop", OD_MISSING_DROP }, { "mean", OD_MISSING_MEAN }, { "median", OD_MISSING_MEDIAN },
    { "interpolate", OD_MISSING_INTERPOLATE }, { "ffill", OD_MISSING_FFILL },
};
static const struct { const char *name; od_scale_method m; } scalers[] = {
    { "zscore", OD_SCALE_ZSCORE }, { "minmax", OD_SCALE_MINMAX }, { "robust", OD_SCALE_ROBUST },
};
enum { NMISSING = sizeof missing_how / sizeof missing_how[0], NSCALERS = sizeof scalers / sizeof scalers[0] };

/* Append the n names at base (one every `stride` bytes) to buf: "a|b|c" with
 * sep "|", or "a, b or c" with sep ", " and last " or ". */
static void join_names(char *buf, size_t size, const void *base, size_t stride, size_t n, const char *sep, const char *last)
{
    for (size_t i = 0; i < n; i++) {
        const char *name = *(const char *const *)((const char *)base + i * stride);
        size_t l = strlen(buf);
        snprintf(buf + l, size - l, "%s%s", i == 0 ? "" : i + 1 < n ? sep : last, name);
    }
}

/* columns= as a list in *cols (NULL when absent); 0 or a reported OD_ENOMEM. */
static int cols_opt(od_session *s, const cmd_line *c, char ***cols, size_t *n)
{
    const char *v = cmd_optval(c, "columns");
    *n = 0;
    *cols = NULL;
    if (v && !(*cols = cmd_list_split(v, n))) return cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "%s: out of memory", c->words[0].text));
    return 0;
}

static int clean_clip(od_session *s, const cmd_opt *cl, od_clean_opts *o)
{
    char *end;
    if (strchr(cl->val, ',')) {
        o->clip = OD_CLIP_QUANTILE;
        o->clip_lo = strtod(cl->val, &end);
        if (*end != ',') return cmd_error_at(s, cl->vcol, "clean: clip=%s: expected K or LO,HI quantiles", cl->val);
        o->clip_hi = strtod(end + 1, &end);
        if (*end || !(o->clip_lo >= 0 && o->clip_lo < o->clip_hi && o->clip_hi <= 1))
            return cmd_error_at(s, cl->vcol, "clean: clip=%s: quantiles must satisfy 0 <= LO < HI <= 1", cl->val);
        return 0;
    }
    o->clip = OD_CLIP_SD;
    o->clip_k = strtod(cl->val, &end);
    if (*end || !(o->clip_k > 0)) return cmd_error_at(s, cl->vcol, "clean: clip=%s: expected K > 0 (standard deviations)", cl->val);
    return 0;
}

/* missing=, clip= and the words constant / duplicates (columns= is the caller's). */
static int clean_parse(od_session *s, const cmd_line *c, od_clean_opts *o)
{
    const char *m = cmd_optval(c, "missing");
    for (size_t k = 0; m && k < NMISSING; k++)
        if (!strcmp(m, missing_how[k].name)) o->missing = missing_how[k].how;
    const cmd_opt *cl = cmd_opt_entry(c, "clip");
    int rc;
    if (cl && (rc = clean_clip(s, cl, o))) return rc;
    for (size_t i = 1; i < c->nwords; i++) {
        if (!strcmp(c->words[i].text, "constant")) o->drop_constant = 1;
        else if (!strcmp(c->words[i].text, "duplicates")) o->drop_duplicates = 1;
        else return cmd_error_at(s, c->words[i].col, "clean: unexpected word '%s' (expected constant or duplicates)", c->words[i].text);
    }
    if (!m && !cl && !o->drop_constant && !o->drop_duplicates)
        return cmd_error_at(s, 0, "clean: say what to clean (missing=..., clip=..., constant, duplicates)");
    return 0;
}

/* After a clean that dropped rows, the new top version keeps the split of the
 * rows it kept (kept[i] = old row of new row i); folds do not survive. */
static int clean_keep_split(od_session *s, od_dataset *d, const unsigned char *oldpart, char *desc, const size_t *kept)
{
    od_version *nv = od_ds_top(d);
    size_t n = nv->frame->nrow;
    unsigned char *part = od_malloc(s->ctx, n ? n : 1);
    if (!part) { free(desc); return cmd_fail(s, OD_ENOMEM); }
    for (size_t i = 0; i < n; i++) part[i] = oldpart[kept[i]];
    free(nv->part);
    nv->part = part;
    if (!nv->split_desc) nv->split_desc = desc;
    else free(desc);
    free(nv->fold);
    nv->fold = NULL;
    return 0;
}

static int cmd_clean(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    od_clean_opts o = {0};
    char **cols;
    unsigned char *fm = NULL, *oldpart = NULL;
    char *desc = NULL;
    size_t *kept = NULL, oldn = v->frame->nrow;
    int rc = cols_opt(s, c, &cols, &o.ncols);
    o.cols = (const char *const *)cols;
    if (!rc) rc = clean_parse(s, c, &o);
    if (!rc) rc = fit_mask(s, v, &fm);
    /* the version's split, copied: v does not survive the push */
    if (!rc && v->part && (!(oldpart = od_malloc(s->ctx, oldn ? oldn : 1)) ||
                           (v->split_desc && !(desc = od_strdup(s->ctx, v->split_desc)))))
        rc = cmd_fail(s, OD_ENOMEM);
    if (oldpart && !rc) memcpy(oldpart, v->part, oldn);
    od_frame *out = NULL;
    od_out *rep = od_out_buffer();
    if (!rc && (rc = rep ? od_prep_clean(s->ctx, v->frame, &o, fm, &out, &kept, rep) : nomem(s))) rc = cmd_fail(s, rc);
    if (!rc) rc = push(s, d, out, c);
    if (!rc) {
        od_prep_step *st = od_prep_step_new(s->ctx, OD_STEP_CLEAN, o.cols, o.ncols);
        if (st) {
            st->clean = o;
            st->clean.cols = (const char *const *)st->cols;
            st->nin = oldn;
            if (kept && od_ds_top(d)->frame->nrow != oldn) {
                st->nkept = od_ds_top(d)->frame->nrow;
                if (!(st->kept = od_mallocn(s->ctx, st->nkept + 1, sizeof *st->kept))) { od_prep_step_free(st); st = NULL; }
                else memcpy(st->kept, kept, st->nkept * sizeof *kept);
            }
        }
        rc = keep_recipe(s, d, st);
    }
    if (!rc && oldpart && kept && od_ds_top(d)->frame->nrow != oldn) {
        rc = clean_keep_split(s, d, oldpart, desc, kept);
        desc = NULL;
    }
    if (!rc) print_report(s, rep);
    od_out_free(rep);
    free(fm);
    free(cols);
    free(oldpart);
    free(desc);
    free(kept);
    return rc;
}

/* The end of every transform: the engine call's result (rc, out) becomes the
 * new version and its report is printed. */
static int finish(od_session *s, od_dataset *d, const cmd_line *c, int rc, od_frame *out, od_out *rep)
{
    if (rc) rc = cmd_fail(s, rc);
    else rc = push(s, d, out, c);
    if (!rc) print_report(s, rep);
    od_out_free(rep);
    return rc;
}

static int cmd_scale(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    size_t k = 0, nc;
    while (k < NSCALERS && strcmp(c->words[1].text, scalers[k].name)) k++;
    if (k == NSCALERS) {
        char list[128] = "";
        join_names(list, sizeof list, &scalers[0].name, sizeof scalers[0], NSCALERS, ", ", " or ");
        return cmd_error_at(s, c->words[1].col, "scale: unknown method '%s' (expected %s)", c->words[1].text, list);
    }
    char **cols;
    unsigned char *fm;
    int rc = cols_opt(s, c, &cols, &nc);
    if (rc) return rc;
    if ((rc = fit_mask(s, v, &fm))) { free(cols); return rc; }
    od_frame *out = NULL;
    od_out *rep = od_out_buffer();
    rc = rep ? od_prep_scale(s->ctx, v->frame, scalers[k].m, (const char *const *)cols, nc, fm, &out, NULL, rep) : nomem(s);
    od_prep_step *st = rc ? NULL : od_prep_step_new(s->ctx, OD_STEP_SCALE, (const char *const *)cols, nc);
    if (st) st->scale = scalers[k].m;
    free(fm);
    free(cols);
    rc = finish(s, d, c, rc, out, rep);
    if (!rc) rc = keep_recipe(s, d, st);
    else od_prep_step_free(st);
    return rc;
}

static int pca_parse(od_session *s, const cmd_line *c, od_pca_opts *o)
{
    long k = 0;
    int r, wh = 0;
    if ((r = cmd_opt_long(s, c, "k", &k)) < 0) return r;
    int hk = r;
    if ((r = cmd_opt_double(s, c, "variance", &o->variance)) < 0) return r;
    int hv = r;
    if ((r = cmd_opt_bool(s, c, "whiten", &wh)) < 0) return r;
    if (hk == hv) return cmd_error_at(s, 0, "pca: give exactly one of k=N or variance=F");
    if (hk && k < 1) return cmd_error_at(s, cmd_opt_entry(c, "k")->vcol, "pca: k=%ld: must be at least 1", k);
    o->k = hk ? (size_t)k : 0;
    o->whiten = wh;
    return 0;
}

static int cmd_pca(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    od_pca_opts o = {0};
    char **cols;
    unsigned char *fm;
    int rc = pca_parse(s, c, &o);
    if (rc || (rc = cols_opt(s, c, &cols, &o.ncols))) return rc;
    o.cols = (const char *const *)cols;
    if ((rc = fit_mask(s, v, &fm))) { free(cols); return rc; }
    od_frame *out = NULL;
    od_out *rep = od_out_buffer();
    rc = rep ? od_prep_pca(s->ctx, v->frame, &o, fm, &out, NULL, rep) : nomem(s);
    od_prep_step *st = rc ? NULL : od_prep_step_new(s->ctx, OD_STEP_PCA, o.cols, o.ncols);
    if (st) {
        st->pca = o;
        st->pca.cols = (const char *const *)st->cols;
    }
    free(fm);
    free(cols);
    rc = finish(s, d, c, rc, out, rep);
    if (!rc) rc = keep_recipe(s, d, st);
    else od_prep_step_free(st);
    return rc;
}

/* ---- embed ------------------------------------------------------------ */

/* What the new version keeps of the one the embedding was made from, saved
 * before the push (the old version may move). */
typedef struct {
    unsigned char *part;
    char *split_desc, *pseudo;
    size_t n, win, stride;
    int wagg, series;
} embed_src;

static void embed_src_free(embed_src *e)
{
    free(e->part);
    free(e->split_desc);
    free(e->pseudo);
}

static int embed_src_save(od_session *s, const od_version *v, embed_src *e)
{
    memset(e, 0, sizeof *e);
    e->n = v->frame->nrow;
    e->win = v->win;
    e->stride = v->stride;
    e->wagg = v->wagg;
    e->series = od_version_is_series(v);
    if ((v->part && !(e->part = od_malloc(s->ctx, e->n ? e->n : 1))) ||
        (v->split_desc && !(e->split_desc = od_strdup(s->ctx, v->split_desc))) ||
        (v->pseudo && !(e->pseudo = od_strdup(s->ctx, v->pseudo)))) {
        embed_src_free(e);
        return cmd_fail(s, OD_ENOMEM);
    }
    if (e->part) memcpy(e->part, v->part, e->n);
    return 0;
}

/* The split, pseudo-labels and series flag of the source on the new version
 * nv (rows kept[i] of the source, or the same rows when kept is NULL); a
 * series embedding has one row per window, so the source's window view does
 * not carry over. */
static int embed_carry(od_session *s, od_version *nv, embed_src *e, const size_t *kept, int seq)
{
    size_t n = nv->frame->nrow;
    free(nv->part);
    nv->part = NULL;
    if (e->part) {
        if (!(nv->part = od_malloc(s->ctx, n ? n : 1))) return cmd_fail(s, OD_ENOMEM);
        for (size_t i = 0; i < n; i++) nv->part[i] = e->part[kept ? kept[i] : i];
    }
    free(nv->split_desc);
    nv->split_desc = e->split_desc;
    e->split_desc = NULL;
    free(nv->pseudo);
    nv->pseudo = e->pseudo;
    e->pseudo = NULL;
    free(nv->fold);
    nv->fold = NULL;
    nv->nfolds = 0;
    nv->series = e->series || seq;
    nv->win = seq ? 0 : e->win;
    nv->stride = seq ? 0 : e->stride;
    nv->wagg = seq ? 0 : e->wagg;
    return 0;
}

static const struct { const char *name; od_embed_kind kind; } embed_kinds[] = {
    { "ae", OD_EMBED_AE }, { "lstm", OD_EMBED_LSTM },
};
static const struct { const char *name; int act; } embed_acts[] = {
    { "tanh", OD_NN_ACT_TANH }, { "relu", OD_NN_ACT_RELU }, { "sigmoid", OD_NN_ACT_SIGMOID }, { "gelu", OD_NN_ACT_GELU },
};
enum { NEMBED_KINDS = sizeof embed_kinds / sizeof embed_kinds[0], NEMBED_ACTS = sizeof embed_acts / sizeof embed_acts[0] };

/* A positive integer option (default def when absent); <0 after an error. */
static int embed_size(od_session *s, const cmd_line *c, const char *key, long lo, long hi, long def, size_t *v)
{
    long x = def;
    int r = cmd_opt_long(s, c, key, &x);
    if (r < 0) return r;
    if (x < lo || x > hi)
        return cmd_error_at(s, cmd_opt_entry(c, key)->vcol, "embed: option %s=%ld: must be %ld..%ld", key, x, lo, hi);
    *v = (size_t)x;
    return 0;
}

static int embed_parse(od_session *s, const cmd_line *c, od_embed_opts *o)
{
    size_t k = 0;
    while (k < NEMBED_KINDS && strcmp(c->words[1].text, embed_kinds[k].name)) k++;
    if (k == NEMBED_KINDS)
        return cmd_error_at(s, c->words[1].col, "embed: unknown model '%s' (expected ae or lstm)", c->words[1].text);
    o->kind = embed_kinds[k].kind;
    int seq = o->kind == OD_EMBED_LSTM, r;
    if (!seq && cmd_opt_entry(c, "window"))
        return cmd_error_at(s, cmd_opt_entry(c, "window")->col, "embed ae: window= is an option of embed lstm");
    if (seq && cmd_opt_entry(c, "activation"))
        return cmd_error_at(s, cmd_opt_entry(c, "activation")->col, "embed lstm: activation= is an option of embed ae");
    if ((r = embed_size(s, c, "dim", 1, 1024, seq ? 8 : 2, &o->dim)) || (r = embed_size(s, c, "hidden", 1, 4096, 32, &o->hidden)) ||
        (r = embed_size(s, c, "epochs", 1, 1000000, 30, &o->epochs)) || (r = embed_size(s, c, "batch", 1, 65536, 64, &o->batch)) ||
        (r = embed_size(s, c, "window", 2, 100000, 48, &o->window)))
        return r;
    o->lr = 0.001;
    if ((r = cmd_opt_double(s, c, "lr", &o->lr)) < 0) return r;
    if (!(o->lr > 0 && o->lr <= 10))
        return cmd_error_at(s, cmd_opt_entry(c, "lr")->vcol, "embed: option lr=%s: must be in (0, 10]", cmd_optval(c, "lr"));
    o->act = OD_NN_ACT_TANH;
    const char *a = cmd_optval(c, "activation");
    for (size_t j = 0; a && j < NEMBED_ACTS; j++)
        if (!strcmp(a, embed_acts[j].name)) o->act = embed_acts[j].act;
    return 0;
}

static int cmd_embed(od_session *s, const cmd_line *c, cmd_result *res)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    int bad;
    const char *nm = cmd_as_name(s, c, 2, &bad);
    if (bad) return bad;
    od_embed_opts o;
    memset(&o, 0, sizeof o);
    char **cols = NULL;
    unsigned char *fm = NULL;
    embed_src src;
    int rc = embed_parse(s, c, &o);
    if (rc || (rc = cols_opt(s, c, &cols, &o.ncols))) return rc;
    o.cols = (const char *const *)cols;
    if ((rc = fit_mask(s, v, &fm))) { free(cols); return rc; }
    if ((rc = embed_src_save(s, v, &src))) { free(cols); free(fm); return rc; }
    char *from = od_strdup(s->ctx, d->name);
    od_frame *out = NULL;
    size_t *kept = NULL, nkept = 0, trained = 0;
    od_out *rep = od_out_buffer();
    rc = rep && from ? od_prep_embed(s->ctx, v->frame, &o, fm, &out, &kept, &nkept, &trained, rep) : nomem(s);
    free(fm);
    free(cols);
    int stopped = od_cancelled(s->ctx) && !rc && trained < o.epochs;
    if (od_cancelled(s->ctx)) od_ctx_clear_cancel(s->ctx);   /* training stopped, the embedding stands */
    if (rc) rc = cmd_fail(s, rc);
    else if (nm) {
        /* a new dataset: the source stays as it is */
        char step[1024];
        snprintf(step, sizeof step, "%s  (from %s)", c->src, from);
        if ((rc = od_ws_add_dataset_donate(s->ctx, s->ws, nm, "", out, step))) rc = cmd_fail(s, rc);
        else d = od_ws_dataset(s->ws, nm);
    } else {
        rc = push(s, d, out, c);
    }
    if (!rc) rc = embed_carry(s, od_ds_top(d), &src, kept, o.kind == OD_EMBED_LSTM);
    if (!rc) {
        print_report(s, rep);
        if (nm) fprintf(s->outfp, "  new dataset %s (now current); %s is unchanged\n", nm, from);
    }
    if (!rc && stopped) {
        /* Ctrl-C: the journal says what was trained, so a replay makes the same embedding */
        char e[32];
        snprintf(e, sizeof e, "%zu", trained);
        if (!(res->followup = cmd_with_option(s, c->src, "epochs", e))) rc = cmd_fail(s, OD_ENOMEM);
        else {
            res->journal = CMD_JOURNAL_TEXT;
            fprintf(s->errfp, "note: journaled as trained: %s\n", res->followup);
        }
    }
    od_out_free(rep);
    embed_src_free(&src);
    free(kept);
    free(from);
    return rc;
}

/* agg= of `window` (checked against od_wagg_names by the option spec): its
 * index in od_wagg_names. */
static int window_agg(const cmd_line *c)
{
    const char *v = cmd_optval(c, "agg");
    for (int k = 0; v && od_wagg_names[k]; k++)
        if (!strcmp(v, od_wagg_names[k])) return k;
    return OD_WAGG_MAX;
}

static int cmd_window(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    long W = 0, S = 1;
    int r, agg = window_agg(c);
    if ((r = cmd_opt_long(s, c, "size", &W)) < 0) return r;
    if (!r) return cmd_error_at(s, 0, "window: expected size=W");
    if ((r = cmd_opt_long(s, c, "stride", &S)) < 0) return r;
    if (W < 1) return cmd_error_at(s, cmd_opt_entry(c, "size")->vcol, "window: size=%ld: must be at least 1", W);
    if (S < 1) return cmd_error_at(s, cmd_opt_entry(c, "stride")->vcol, "window: stride=%ld: must be at least 1", S);
    od_window *w = NULL;
    od_out *rep = od_out_buffer();
    int rc = rep ? od_window_new(s->ctx, v->frame, (size_t)W, (size_t)S, NULL, 0, &w, rep) : nomem(s);
    if (rc) { od_out_free(rep); return cmd_fail(s, rc); }
    od_window_free(w);
    od_frame *f = od_frame_copy(s->ctx, v->frame);
    if (!f) { od_out_free(rep); return cmd_fail(s, OD_ENOMEM); }
    rc = push(s, d, f, c);
    if (!rc) {
        od_version *nv = od_ds_top(d);
        nv->win = (size_t)W;
        nv->stride = (size_t)S;
        nv->wagg = agg;
        rc = keep_recipe(s, d, recipe_keep(s));
    }
    if (!rc) {
        print_report(s, rep);
        fprintf(s->outfp, "  detectors now see one row per window; a point's score is the %s of the windows that cover it\n",
                od_wagg_names[agg]);
    }
    od_out_free(rep);
    return rc;
}

static int parse_frac(od_session *s, const cmd_line *c, const char *key, double *v)
{
    const cmd_opt *o = cmd_opt_entry(c, key);
    if (!o) return 0;
    if (!strcmp(o->val, "rest")) { *v = OD_SPLIT_REST; return 1; }
    int r = cmd_opt_double(s, c, key, v);
    if (r < 0) return r;
    if (*v < 0 || *v > 1) return cmd_error_at(s, o->vcol, "split: %s=%s: a fraction must be between 0 and 1", key, o->val);
    return 1;
}

/* order=, stratify= and seed= shared by split and folds; order defaults to
 * time when the data has a time axis or a window view. */
static int order_opts(od_session *s, const cmd_line *c, const od_version *v, od_order *order, int *strat, int *use_seed,
                      unsigned long *seed)
{
    const char *ord = cmd_optval(c, "order");
    int has_time = od_version_is_series(v), r;
    *order = ord ? (!strcmp(ord, "time") ? OD_ORDER_TIME : OD_ORDER_RANDOM) : (has_time ? OD_ORDER_TIME : OD_ORDER_RANDOM);
    *strat = 0;
    if ((r = cmd_opt_bool(s, c, "stratify", strat)) < 0) return r;
    long sd;
    if ((r = cmd_opt_long(s, c, "seed", &sd)) < 0) return r;
    if (r) { *use_seed = 1; *seed = (unsigned long)sd; }
    return 0;
}

static int split_parse(od_session *s, const cmd_line *c, const od_version *v, od_split_opts *o)
{
    int ht, hv, hs;
    if ((ht = parse_frac(s, c, "train", &o->train)) < 0) return ht;
    if ((hv = parse_frac(s, c, "val", &o->val)) < 0) return hv;
    if ((hs = parse_frac(s, c, "test", &o->test)) < 0) return hs;
    if (!ht && !hs) return cmd_error_at(s, 0, "split: expected train=F and/or test=F (e.g. split train=0.6 test=0.4)");
    if (!ht) o->train = OD_SPLIT_REST;
    if (!hs && !hv) o->test = OD_SPLIT_REST;
    return order_opts(s, c, v, &o->order, &o->stratify, &o->use_seed, &o->seed);
}

/* The split's description for lineage: its options, with the order it took. */
static char *split_desc(od_session *s, const cmd_line *c, od_order order)
{
    char desc[256];
    snprintf(desc, sizeof desc, "%s", c->src + strlen("split") + (c->src[5] == ' '));
    if (!cmd_optval(c, "order")) {
        size_t l = strlen(desc);
        snprintf(desc + l, sizeof desc - l, "%sorder=%s", l ? " " : "", order == OD_ORDER_TIME ? "time" : "random");
    }
    return od_strdup(s->ctx, desc);
}

static int cmd_split(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    od_split_opts o = {0};
    int rc = split_parse(s, c, v, &o);
    if (rc) return rc;
    size_t n = v->frame->nrow;
    unsigned char *part = od_malloc(s->ctx, n ? n : 1);
    char *desc = split_desc(s, c, o.order);
    if (!part || !desc) { free(part); free(desc); return cmd_fail(s, OD_ENOMEM); }
    od_out *rep = od_out_buffer();
    if ((rc = rep ? od_prep_split(s->ctx, v->frame, &o, part, rep) : nomem(s))) rc = cmd_fail(s, rc);
    od_frame *f = rc ? NULL : od_frame_copy(s->ctx, v->frame);
    if (!rc) rc = f ? push(s, d, f, c) : cmd_fail(s, OD_ENOMEM);
    if (!rc) {
        od_version *nv = od_ds_top(d);
        free(nv->part);
        nv->part = part;
        free(nv->split_desc);
        nv->split_desc = desc;
        nv->series = nv->series || o.order == OD_ORDER_TIME;   /* split in time order: the rows are a series */
        part = NULL;
        desc = NULL;
        rc = keep_recipe(s, d, recipe_keep(s));
    }
    if (!rc) {
        print_report(s, rep);
    }
    free(part);
    free(desc);
    od_out_free(rep);
    return rc;
}

/* The new top version takes the folds (fold id per row). */
static int folds_keep(od_session *s, od_dataset *d, const od_folds *fo)
{
    od_version *nv = od_ds_top(d);
    int *fold = od_mallocn(s->ctx, fo->n ? fo->n : 1, sizeof *fold);
    if (!fold) return cmd_fail(s, OD_ENOMEM);
    for (size_t i = 0; i < fo->n; i++) fold[i] = (int)fo->block[i];
    free(nv->fold);
    nv->fold = fold;
    nv->nfolds = (int)fo->k;
    return 0;
}

static int cmd_folds(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    od_folds_opts o = {0};
    long k;
    int r;
    if ((r = cmd_opt_long(s, c, "k", &k)) < 0) return r;
    if (!r) return cmd_error_at(s, 0, "folds: expected k=K");
    if (k < 2) return cmd_error_at(s, cmd_opt_entry(c, "k")->vcol, "folds: k=%ld: must be at least 2", k);
    o.k = (size_t)k;
    if ((r = order_opts(s, c, v, &o.order, &o.stratify, &o.use_seed, &o.seed))) return r;
    od_folds *fo = NULL;
    od_out *rep = od_out_buffer();
    int rc = rep ? od_prep_folds(s->ctx, v->frame, &o, NULL, &fo, rep) : nomem(s);
    if (rc) { od_out_free(rep); return cmd_fail(s, rc); }
    od_frame *f = od_frame_copy(s->ctx, v->frame);
    rc = f ? push(s, d, f, c) : cmd_fail(s, OD_ENOMEM);
    if (!rc) rc = folds_keep(s, d, fo);
    if (!rc) rc = keep_recipe(s, d, recipe_keep(s));
    if (!rc) print_report(s, rep);
    od_folds_free(fo);
    od_out_free(rep);
    return rc;
}

/* A copy of the frame with the 0/1 column pseudo_label made from flag
 * (ignored as a feature; the version names it as its pseudo-labels).  The
 * label column, the ground truth, keeps its role: metrics are measured
 * against it unless asked for labels=pseudo.  Its name goes to *old. */
static od_frame *pseudo_frame(od_session *s, const od_frame *src, const unsigned char *flag, const char **old)
{
    size_t n = src->nrow;
    od_frame *f = od_frame_copy(s->ctx, src);
    double *lab = f ? od_mallocn(s->ctx, n ? n : 1, sizeof *lab) : NULL;
    if (!lab) { od_frame_free(f); return NULL; }
    long ol = od_frame_role(f, OD_ROLE_LABEL);
    long ex = od_frame_find(f, "pseudo_label");
    if (ex >= 0) od_frame_drop_col(f, (size_t)ex);
    *old = ol >= 0 ? src->cols[ol].name : NULL;
    for (size_t i = 0; i < n; i++) lab[i] = flag[i];
    if (od_frame_add_num_donate(s->ctx, f, "pseudo_label", lab, OD_COL_NUM, OD_ROLE_IGNORED)) { od_frame_free(f); return NULL; }
    return f;
}

static int cmd_pseudolabel(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    if (strcmp(c->words[1].text, "mean"))
        return cmd_error_at(s, c->words[1].col, "pseudolabel: unknown method '%s' (expected mean)", c->words[1].text);
    od_pseudo_opts o = { .k = 3 };
    int rc;
    if ((rc = cmd_opt_double(s, c, "k", &o.k)) < 0) return rc;
    if (!(o.k > 0)) return cmd_error_at(s, cmd_opt_entry(c, "k")->vcol, "pseudolabel: k must be > 0");
    char **cols;
    unsigned char *fm, *flag = od_malloc(s->ctx, v->frame->nrow ? v->frame->nrow : 1);
    if (!flag) return cmd_fail(s, OD_ENOMEM);
    if ((rc = cols_opt(s, c, &cols, &o.ncols))) { free(flag); return rc; }
    o.cols = (const char *const *)cols;
    if ((rc = fit_mask(s, v, &fm))) { free(flag); free(cols); return rc; }
    od_out *rep = od_out_buffer();
    rc = rep ? od_prep_pseudolabel(s->ctx, v->frame, &o, fm, flag, NULL, rep) : nomem(s);
    const char *old = NULL;
    od_frame *f = rc ? NULL : pseudo_frame(s, v->frame, flag, &old);
    char *oldname = old ? od_strdup(s->ctx, old) : NULL;   /* v does not survive the push */
    free(fm);
    free(cols);
    free(flag);
    if (!rc && (!f || (old && !oldname))) rc = OD_ENOMEM;
    if (rc) { od_frame_free(f); od_out_free(rep); free(oldname); return cmd_fail(s, rc); }
    if (!(rc = push(s, d, f, c))) {
        od_version *nv = od_ds_top(d);
        free(nv->pseudo);
        if (!(nv->pseudo = od_strdup(s->ctx, "pseudo_label"))) rc = cmd_fail(s, OD_ENOMEM);
    }
    if (!rc) {
        print_report(s, rep);
        fprintf(s->outfp, "  pseudo_label holds the pseudo-labels: detect ... fit=normal fits on the rows they mark normal\n");
        if (old) fprintf(s->outfp, "  metrics stay measured against the truth ('%s'); labels=pseudo measures against the pseudo-labels\n", oldname);
        else fprintf(s->outfp, "  there is no label column: metrics are measured against the pseudo-labels, and say so\n");
    }
    free(oldname);
    od_out_free(rep);
    return rc;
}

static int cmd_undo(od_session *s, const cmd_line *c)
{
    od_dataset *d = cmd_dataset(s);
    if (!d) return OD_ESTATE;
    char *step = od_strdup(s->ctx, od_ds_top(d)->step);
    if (!step) return cmd_fail(s, OD_ENOMEM);
    int rc = od_ds_undo(s->ctx, d);
    if (rc) { free(step); return cmd_fail(s, rc); }
    od_frame *f = od_ds_top(d)->frame;
    fprintf(s->outfp, "undid: %s (now %zu x %zu)\n", step, f->nrow, f->ncol);
    free(step);
    return 0;
}

static int cmd_lineage(od_session *s, const cmd_line *c)
{
    od_dataset *d = cmd_dataset(s);
    if (!d) return OD_ESTATE;
    cmd_print_lineage(s, d);
    return 0;
}

/* Usage lines, option values and completion words from the tables above and
 * the run layer's od_wagg_names, built before main (the command entries are
 * const and read by help, the man page, validation and completion). */
static char missing_words[96], clean_usage[192], scale_words[64], scale_usage[96], agg_words[32], window_usage[96];

__attribute__((constructor)) static void prep_strings(void)
{
    size_t nagg = 0;
    while (od_wagg_names[nagg]) nagg++;
    join_names(missing_words, sizeof missing_words, &missing_how[0].name, sizeof missing_how[0], NMISSING, "|", "|");
    join_names(scale_words, sizeof scale_words, &scalers[0].name, sizeof scalers[0], NSCALERS, "|", "|");
    join_names(agg_words, sizeof agg_words, &od_wagg_names[0], sizeof od_wagg_names[0], nagg, "|", "|");
    snprintf(clean_usage, sizeof clean_usage, "clean [missing=%s] [clip=K|LO,HI] [constant] [duplicates] [columns=..]", missing_words);
    snprintf(scale_usage, sizeof scale_usage, "scale %s [columns=..]", scale_words);
    snprintf(window_usage, sizeof window_usage, "window size=W [stride=S] [agg=%s]", agg_words);
}

static const cmd_optspec clean_opts[] = {
    { "missing", missing_words, COMPL_NONE, "what to do with missing values" },
    { "clip", NULL, COMPL_NONE, "winsorise at K sd, or at quantiles LO,HI (e.g. 0.01,0.99)" },
    { "columns", NULL, COMPL_COLUMN, "columns to clean (default: all numeric features)" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec scale_opts[] = {
    { "columns", NULL, COMPL_COLUMN, "columns to scale (default: all numeric features)" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec pca_opts[] = {
    { "k", NULL, COMPL_NONE, "number of components" },
    { "variance", NULL, COMPL_NONE, "keep the fewest components explaining this fraction of the variance" },
    { "whiten", "yes|no", COMPL_NONE, "scale components to unit variance" },
    { "columns", NULL, COMPL_COLUMN, "input columns (default: all numeric features)" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec embed_opts[] = {
    { "dim", NULL, COMPL_NONE, "embedding columns e1..eK (default 2 for ae, 8 for lstm)" },
    { "hidden", NULL, COMPL_NONE, "hidden units (default 32)" },
    { "epochs", NULL, COMPL_NONE, "passes over the training rows (default 30)" },
    { "lr", NULL, COMPL_NONE, "Adam learning rate (default 0.001)" },
    { "batch", NULL, COMPL_NONE, "rows (windows) per mini-batch (default 64)" },
    { "window", NULL, COMPL_NONE, "lstm: points per window (default 48)" },
    { "activation", "tanh|relu|sigmoid|gelu", COMPL_NONE, "ae: activation of the hidden layers (default tanh)" },
    { "columns", NULL, COMPL_COLUMN, "input columns (default: all numeric features)" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec window_opts[] = {
    { "size", NULL, COMPL_NONE, "window length W (points)" },
    { "stride", NULL, COMPL_NONE, "step between windows (default 1)" },
    { "agg", agg_words, COMPL_NONE, "a point's score from the windows that cover it (default max)" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec split_opts[] = {
    { "train", NULL, COMPL_NONE, "fraction for training (or rest)" },
    { "val", NULL, COMPL_NONE, "fraction for validation" },
    { "test", NULL, COMPL_NONE, "fraction for testing (or rest)" },
    { "order", "time|random", COMPL_NONE, "time keeps chronology (default when a time axis exists)" },
    { "stratify", "yes|no", COMPL_NONE, "keep the anomaly ratio of each part within one row" },
    { "seed", NULL, COMPL_NONE, "seed for this split (default: the session's RNG)" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec folds_opts[] = {
    { "k", NULL, COMPL_NONE, "number of folds" },
    { "order", "time|random", COMPL_NONE, "time: rolling origin; random: k-fold" },
    { "stratify", "yes|no", COMPL_NONE, "spread anomalies evenly over the folds" },
    { "seed", NULL, COMPL_NONE, "seed for the shuffle" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec pseudo_opts[] = {
    { "k", NULL, COMPL_NONE, "Mahalanobis distance above which a row is a pseudo-anomaly (default 3)" },
    { "columns", NULL, COMPL_COLUMN, "columns (default: all numeric features)" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec no_opts[] = { { NULL, NULL, COMPL_NONE, NULL } };

const od_command cmd_clean_entry = {
    .name = "clean", .usage = clean_usage,
    .topic = "prepare", .summary = "treat missing values, winsorise, drop constant columns or repeated rows",
    .help = "Steps run in the order constant, missing, clip, duplicates.  mean/median are\n"
            "computed on the training rows when a split exists.  interpolate is linear (in\n"
            "time when there is a time column); gaps at the start/end take the nearest valid\n"
            "value.  Cleaning never silently removes what you are looking for: the report\n"
            "says how many labelled anomalies were dropped or clipped.  A model saved after\n"
            "clean (save model) replays missing=, clip= and constant in `oddity score`, bit\n"
            "for bit (interpolate holds a gap's rows until its next value comes, ffill\n"
            "those of a gap at the start: oddity score --help); duplicates is not replayed.\n\n"
            "examples:\n  clean missing=interpolate\n  clean clip=0.01,0.99 columns=x1,x2\n  clean constant duplicates",
    .min_words = 0, .max_words = 2, .opts = clean_opts, .fn = cmd_clean, .words = COMPL_WORDS, .word_values = "constant|duplicates",
};
const od_command cmd_scale_entry = {
    .name = "scale", .usage = scale_usage, .topic = "prepare",
    .summary = "standardise, min-max or robust-scale (median/IQR) the features",
    .help = "Fitted on the training rows when a split exists (no leakage) and applied to all\n"
            "rows; the fitted centre and scale of every column are shown.  Missing values\n"
            "are ignored when fitting and stay missing.\n\n"
            "example:\n  split train=0.6 test=0.4 stratify=yes\n  scale robust",
    .min_words = 1, .max_words = 1, .opts = scale_opts, .fn = cmd_scale, .words = COMPL_WORDS, .word_values = scale_words,
};
const od_command cmd_pca_entry = {
    .name = "pca", .usage = "pca k=N | variance=F [whiten=yes] [columns=..]", .topic = "prepare",
    .summary = "replace the features by their principal components",
    .help = "Fitted on the training rows when a split exists; prints the explained variance\n"
            "of every component.  Signs follow scikit-learn.\n\n"
            "examples:\n  pca k=2\n  pca variance=0.95 whiten=yes",
    .min_words = 0, .max_words = 0, .opts = pca_opts, .fn = cmd_pca,
};
const od_command cmd_embed_entry = {
    .name = "embed", .usage = "embed ae|lstm [dim=K] [hidden=H] [epochs=E] [lr=R] [batch=B] [window=W] [activation=..] [columns=..] [as NAME]",
    .topic = "prepare", .summary = "replace the features by a learned embedding (an autoencoder's bottleneck)",
    .help = "Trains an autoencoder on the training rows (all rows without a split) and makes\n"
            "its bottleneck the columns e1..eK, keeping labels, time and the split, so any\n"
            "detector, plot scatter and describe work on it; undo steps back as after pca.\n"
            "ae (tabular): dense(hidden) -> dense(K) -> dense(hidden) -> dense(d).\n"
            "lstm (series): an LSTM encoder of each window of W points -> K values ->\n"
            "an LSTM decoder; one row per window end (the first W-1 points start the\n"
            "first window), each row keeping the label, time and part of its last point.\n"
            "Inputs are z-scored on the training rows; Adam, mse, shuffled mini-batches,\n"
            "weights and order from the session seed (the same embedding for threads=1\n"
            "and 2: it trains on one thread).  The reconstruction loss of every epoch is\n"
            "shown while training and in the report; Ctrl-C keeps the best weights so far.\n"
            "as NAME makes a new dataset NAME (current; the source is unchanged).\n\n"
            "examples:\n  embed ae dim=2 hidden=32 epochs=30\n  embed lstm dim=8 window=48 as emb_s",
    .min_words = 1, .max_words = 3, .opts = embed_opts, .fn_res = cmd_embed, .words = COMPL_WORDS, .word_values = "ae|lstm",
};
const od_command cmd_window_entry = {
    .name = "window", .usage = window_usage, .topic = "prepare",
    .summary = "cut the series into sliding windows for any detector",
    .help = "After this, clustering and density detectors see one row per window (W\n"
            "consecutive values, all channels; window i starts at point i*S) and every\n"
            "point's score is the maximum (agg=mean: the mean) of the scores of the windows\n"
            "that cover it; points in no window keep no score (NaN).  Windows are a view of\n"
            "the series: no W-fold copy is made.  Sequence models (tsn, cnn, lstm, gru,\n"
            "attn) window the series themselves with their own window= parameter.\n\n"
            "example:\n  window size=24\n  detect kmeans k=6\n  window size=24 stride=12 agg=mean",
    .min_words = 0, .max_words = 0, .opts = window_opts, .fn = cmd_window,
};
const od_command cmd_split_entry = {
    .name = "split", .usage = "split train=F [val=F] test=F [order=time|random] [stratify=yes] [seed=N]", .topic = "prepare",
    .summary = "assign rows to training, validation and test parts",
    .help = "Detectors fit on the training part and score every row; metrics default to the\n"
            "test part.  order=time (the default when there is a time axis) keeps chronology;\n"
            "stratify=yes keeps each part's anomaly ratio within one row of the whole.\n\n"
            "examples:\n  split train=0.6 test=0.4 stratify=yes\n  split train=0.5 val=0.2 test=0.3 order=time",
    .min_words = 0, .max_words = 0, .opts = split_opts, .fn = cmd_split,
};
const od_command cmd_folds_entry = {
    .name = "folds", .usage = "folds k=K [stratify=yes] [order=time|random] [seed=N]", .topic = "prepare",
    .summary = "k-fold or rolling-origin folds for cross-validation",
    .help = "example:\n  folds k=5 stratify=yes", .min_words = 0, .max_words = 0, .opts = folds_opts, .fn = cmd_folds,
};
const od_command cmd_pseudolabel_entry = {
    .name = "pseudolabel", .usage = "pseudolabel mean [k=F] [columns=..]", .topic = "prepare",
    .summary = "mark rows far from the mean (Mahalanobis > k) as pseudo-anomalies",
    .help = "The semi-supervised route without labels: rows whose Mahalanobis distance from\n"
            "the mean of the training rows exceeds k become pseudo_label = 1, and\n"
            "`detect ALGO fit=normal` then fits on the rows marked normal.\n\n"
            "example:\n  pseudolabel mean k=3\n  detect gauss fit=normal",
    .min_words = 1, .max_words = 1, .opts = pseudo_opts, .fn = cmd_pseudolabel, .words = COMPL_WORDS, .word_values = "mean",
};
const od_command cmd_undo_entry = {
    .name = "undo", .usage = "undo", .topic = "prepare", .summary = "step back one transform of the current dataset",
    .help = "Every transform makes a new version; at most 16 versions per dataset (and 2 GiB\n"
            "in all) keep their data, older ones keep only their description.",
    .min_words = 0, .max_words = 0, .opts = no_opts, .fn = cmd_undo,
};
const od_command cmd_lineage_entry = {
    .name = "lineage", .usage = "lineage", .topic = "prepare",
    .summary = "show the chain load -> clean -> scale -> ... that made the current data",
    .help = "", .min_words = 0, .max_words = 0, .opts = no_opts, .fn = cmd_lineage,
};
