/* cmd_prep.c - clean, scale, pca, window, split, folds, pseudolabel, undo,
 * lineage, export data.  Every transform pushes a new version of the current
 * dataset (so `undo` steps back) and prints what it did. */
#include "config.h"
#include "cmd.h"
#include "prep/prep.h"
#include "data/csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void cmd_print_lineage(od_session *s, od_dataset *d);

static void print_report(od_session *s, od_out *o)
{
    const char *t = od_out_str(o);
    fputs(t, s->outfp);
    if (*t && t[strlen(t) - 1] != '\n') fputc('\n', s->outfp);
}

/* Training rows of a version as a fit mask (NULL when there is no split). */
static unsigned char *fit_mask(const od_version *v)
{
    if (!v->part) return NULL;
    size_t n = v->frame->nrow;
    unsigned char *m = malloc(n ? n : 1);
    if (m)
        for (size_t i = 0; i < n; i++) m[i] = v->part[i] == OD_PART_TRAIN;
    return m;
}

static int push(od_session *s, od_dataset *d, od_frame *f, const cmd_line *c)
{
    int rc = od_ds_push_donate(s->ctx, s->ws, d, f, c->src);
    return rc ? cmd_fail(s, rc) : 0;
}

static char **cols_opt(const cmd_line *c, size_t *n)
{
    const char *v = cmd_optval(c, "columns");
    *n = 0;
    return v ? cmd_list_split(v, n) : NULL;
}

static int cmd_clean(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    od_clean_opts o = {0};
    size_t nc;
    char **cols = cols_opt(c, &nc);
    o.cols = (const char *const *)cols;
    o.ncols = nc;
    const char *m = cmd_optval(c, "missing");
    if (m) {
        if (!strcmp(m, "drop")) o.missing = OD_MISSING_DROP;
        else if (!strcmp(m, "mean")) o.missing = OD_MISSING_MEAN;
        else if (!strcmp(m, "median")) o.missing = OD_MISSING_MEDIAN;
        else if (!strcmp(m, "interpolate")) o.missing = OD_MISSING_INTERPOLATE;
        else o.missing = OD_MISSING_FFILL;
    }
    const cmd_opt *cl = cmd_opt_entry(c, "clip");
    if (cl) {
        char *end;
        if (strchr(cl->val, ',')) {
            o.clip = OD_CLIP_QUANTILE;
            o.clip_lo = strtod(cl->val, &end);
            if (*end != ',') { free(cols); return cmd_error_at(s, cl->vcol, "clean: clip=%s: expected K or LO,HI quantiles", cl->val); }
            o.clip_hi = strtod(end + 1, &end);
            if (*end || !(o.clip_lo >= 0 && o.clip_lo < o.clip_hi && o.clip_hi <= 1)) {
                free(cols);
                return cmd_error_at(s, cl->vcol, "clean: clip=%s: quantiles must satisfy 0 <= LO < HI <= 1", cl->val);
            }
        } else {
            o.clip = OD_CLIP_SD;
            o.clip_k = strtod(cl->val, &end);
            if (*end || !(o.clip_k > 0)) { free(cols); return cmd_error_at(s, cl->vcol, "clean: clip=%s: expected K > 0 (standard deviations)", cl->val); }
        }
    }
    for (size_t i = 1; i < c->nwords; i++) {
        if (!strcmp(c->words[i].text, "constant")) o.drop_constant = 1;
        else if (!strcmp(c->words[i].text, "duplicates")) o.drop_duplicates = 1;
        else { free(cols); return cmd_error_at(s, c->words[i].col, "clean: unexpected word '%s' (expected constant or duplicates)", c->words[i].text); }
    }
    if (!m && !cl && !o.drop_constant && !o.drop_duplicates) {
        free(cols);
        return cmd_error_at(s, 0, "clean: say what to clean (missing=..., clip=..., constant, duplicates)");
    }
    unsigned char *fm = fit_mask(v);
    od_frame *out = NULL;
    size_t *kept = NULL;
    od_out *rep = od_out_buffer();
    int rc = od_prep_clean(s->ctx, v->frame, &o, fm, &out, &kept, rep);
    free(fm);
    free(cols);
    if (rc) { od_out_free(rep); free(kept); return cmd_fail(s, rc); }
    unsigned char *oldpart = v->part ? malloc(v->frame->nrow) : NULL;
    if (oldpart) memcpy(oldpart, v->part, v->frame->nrow);
    size_t newn = out->nrow, oldn = v->frame->nrow;
    rc = push(s, d, out, c);
    if (!rc && oldpart && newn != oldn && kept) {
        od_version *nv = od_ds_top(d);
        free(nv->part);
        nv->part = malloc(newn ? newn : 1);
        for (size_t i = 0; i < newn; i++) nv->part[i] = oldpart[kept[i]];
        nv->split_desc = nv->split_desc ? nv->split_desc : (v->split_desc ? strdup(v->split_desc) : NULL);
        free(nv->fold);
        nv->fold = NULL;
    }
    free(oldpart);
    free(kept);
    if (!rc) print_report(s, rep);
    od_out_free(rep);
    return rc;
}

static int cmd_scale(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    const char *m = c->words[1].text;
    od_scale_method meth;
    if (!strcmp(m, "zscore")) meth = OD_SCALE_ZSCORE;
    else if (!strcmp(m, "minmax")) meth = OD_SCALE_MINMAX;
    else if (!strcmp(m, "robust")) meth = OD_SCALE_ROBUST;
    else return cmd_error_at(s, c->words[1].col, "scale: unknown method '%s' (expected zscore, minmax or robust)", m);
    size_t nc;
    char **cols = cols_opt(c, &nc);
    unsigned char *fm = fit_mask(v);
    od_frame *out = NULL;
    od_out *rep = od_out_buffer();
    int rc = od_prep_scale(s->ctx, v->frame, meth, (const char *const *)cols, nc, fm, &out, NULL, rep);
    free(fm);
    free(cols);
    if (!rc) rc = push(s, d, out, c);
    else rc = cmd_fail(s, rc);
    if (!rc) print_report(s, rep);
    od_out_free(rep);
    return rc;
}

static int cmd_pca(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    od_pca_opts o = {0};
    long k = 0;
    double var = 0;
    int r, wh = 0;
    if ((r = cmd_opt_long(s, c, "k", &k)) < 0) return r;
    int hk = r;
    if ((r = cmd_opt_double(s, c, "variance", &var)) < 0) return r;
    int hv = r;
    if ((r = cmd_opt_bool(s, c, "whiten", &wh)) < 0) return r;
    if (hk == hv) return cmd_error_at(s, 0, "pca: give exactly one of k=N or variance=F");
    if (hk && k < 1) return cmd_error_at(s, cmd_opt_entry(c, "k")->vcol, "pca: k=%ld: must be at least 1", k);
    o.k = hk ? (size_t)k : 0;
    o.variance = var;
    o.whiten = wh;
    size_t nc;
    char **cols = cols_opt(c, &nc);
    o.cols = (const char *const *)cols;
    o.ncols = nc;
    unsigned char *fm = fit_mask(v);
    od_frame *out = NULL;
    od_out *rep = od_out_buffer();
    int rc = od_prep_pca(s->ctx, v->frame, &o, fm, &out, NULL, rep);
    free(fm);
    free(cols);
    if (!rc) rc = push(s, d, out, c);
    else rc = cmd_fail(s, rc);
    if (!rc) print_report(s, rep);
    od_out_free(rep);
    return rc;
}

static int cmd_window(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    long W = 0, S = 1;
    int r;
    if ((r = cmd_opt_long(s, c, "size", &W)) < 0) return r;
    if (!r) return cmd_error_at(s, 0, "window: expected size=W");
    if ((r = cmd_opt_long(s, c, "stride", &S)) < 0) return r;
    if (W < 1) return cmd_error_at(s, cmd_opt_entry(c, "size")->vcol, "window: size=%ld: must be at least 1", W);
    if (S < 1) return cmd_error_at(s, cmd_opt_entry(c, "stride")->vcol, "window: stride=%ld: must be at least 1", S);
    od_window *w = NULL;
    od_out *rep = od_out_buffer();
    int rc = od_window_new(s->ctx, v->frame, (size_t)W, (size_t)S, NULL, 0, &w, rep);
    if (rc) { od_out_free(rep); return cmd_fail(s, rc); }
    od_window_free(w);
    od_frame *f = od_frame_copy(s->ctx, v->frame);
    if (!f) { od_out_free(rep); return cmd_fail(s, OD_ENOMEM); }
    rc = push(s, d, f, c);
    if (!rc) {
        od_version *nv = od_ds_top(d);
        nv->win = (size_t)W;
        nv->stride = (size_t)S;
        print_report(s, rep);
        fprintf(s->outfp, "  detectors now see one row per window; each score maps back to the window's last point\n");
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

static int cmd_split(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    od_split_opts o = {0};
    int r, ht, hv, hs;
    if ((ht = parse_frac(s, c, "train", &o.train)) < 0) return ht;
    if ((hv = parse_frac(s, c, "val", &o.val)) < 0) return hv;
    if ((hs = parse_frac(s, c, "test", &o.test)) < 0) return hs;
    if (!ht && !hs) return cmd_error_at(s, 0, "split: expected train=F and/or test=F (e.g. split train=0.6 test=0.4)");
    if (!ht) o.train = OD_SPLIT_REST;
    if (!hs && !hv) o.test = OD_SPLIT_REST;
    const char *ord = cmd_optval(c, "order");
    int has_time = od_frame_role(v->frame, OD_ROLE_TIME) >= 0 || v->win;
    o.order = ord ? (!strcmp(ord, "time") ? OD_ORDER_TIME : OD_ORDER_RANDOM) : (has_time ? OD_ORDER_TIME : OD_ORDER_RANDOM);
    int strat = 0;
    if ((r = cmd_opt_bool(s, c, "stratify", &strat)) < 0) return r;
    o.stratify = strat;
    long seed;
    if ((r = cmd_opt_long(s, c, "seed", &seed)) < 0) return r;
    if (r) { o.use_seed = 1; o.seed = (unsigned long)seed; }
    size_t n = v->frame->nrow;
    unsigned char *part = malloc(n ? n : 1);
    od_out *rep = od_out_buffer();
    int rc = od_prep_split(s->ctx, v->frame, &o, part, rep);
    if (rc) { free(part); od_out_free(rep); return cmd_fail(s, rc); }
    od_frame *f = od_frame_copy(s->ctx, v->frame);
    rc = f ? push(s, d, f, c) : cmd_fail(s, OD_ENOMEM);
    if (!rc) {
        od_version *nv = od_ds_top(d);
        free(nv->part);
        nv->part = part;
        part = NULL;
        free(nv->split_desc);
        char desc[256];
        snprintf(desc, sizeof desc, "%s", c->src + strlen("split") + (c->src[5] == ' '));
        if (!ord) {
            size_t l = strlen(desc);
            snprintf(desc + l, sizeof desc - l, "%sorder=%s", l ? " " : "", o.order == OD_ORDER_TIME ? "time" : "random");
        }
        nv->split_desc = strdup(desc);
        print_report(s, rep);
    }
    free(part);
    od_out_free(rep);
    return rc;
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
    const char *ord = cmd_optval(c, "order");
    int has_time = od_frame_role(v->frame, OD_ROLE_TIME) >= 0 || v->win;
    o.order = ord ? (!strcmp(ord, "time") ? OD_ORDER_TIME : OD_ORDER_RANDOM) : (has_time ? OD_ORDER_TIME : OD_ORDER_RANDOM);
    int strat = 0;
    if ((r = cmd_opt_bool(s, c, "stratify", &strat)) < 0) return r;
    o.stratify = strat;
    long seed;
    if ((r = cmd_opt_long(s, c, "seed", &seed)) < 0) return r;
    if (r) { o.use_seed = 1; o.seed = (unsigned long)seed; }
    od_folds *fo = NULL;
    od_out *rep = od_out_buffer();
    int rc = od_prep_folds(s->ctx, v->frame, &o, NULL, &fo, rep);
    if (rc) { od_out_free(rep); return cmd_fail(s, rc); }
    od_frame *f = od_frame_copy(s->ctx, v->frame);
    rc = f ? push(s, d, f, c) : cmd_fail(s, OD_ENOMEM);
    if (!rc) {
        od_version *nv = od_ds_top(d);
        free(nv->fold);
        nv->fold = malloc((fo->n ? fo->n : 1) * sizeof *nv->fold);
        for (size_t i = 0; i < fo->n; i++) nv->fold[i] = (int)fo->block[i];
        nv->nfolds = (int)fo->k;
        print_report(s, rep);
    }
    od_folds_free(fo);
    od_out_free(rep);
    return rc;
}

static int cmd_pseudolabel(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    if (strcmp(c->words[1].text, "mean"))
        return cmd_error_at(s, c->words[1].col, "pseudolabel: unknown method '%s' (expected mean)", c->words[1].text);
    od_pseudo_opts o = {0};
    int r;
    o.k = 3;
    if ((r = cmd_opt_double(s, c, "k", &o.k)) < 0) return r;
    if (!(o.k > 0)) return cmd_error_at(s, cmd_opt_entry(c, "k")->vcol, "pseudolabel: k must be > 0");
    size_t nc;
    char **cols = cols_opt(c, &nc);
    o.cols = (const char *const *)cols;
    o.ncols = nc;
    size_t n = v->frame->nrow;
    unsigned char *flag = malloc(n ? n : 1);
    unsigned char *fm = fit_mask(v);
    od_out *rep = od_out_buffer();
    int rc = od_prep_pseudolabel(s->ctx, v->frame, &o, fm, flag, NULL, rep);
    free(fm);
    free(cols);
    if (rc) { free(flag); od_out_free(rep); return cmd_fail(s, rc); }
    od_frame *f = od_frame_copy(s->ctx, v->frame);
    if (!f) { free(flag); od_out_free(rep); return cmd_fail(s, OD_ENOMEM); }
    /* the old label (if any) is kept but ignored; pseudo_label becomes the label */
    long old = od_frame_role(f, OD_ROLE_LABEL);
    if (old >= 0) f->cols[old].role = OD_ROLE_IGNORED;
    long ex = od_frame_find(f, "pseudo_label");
    if (ex >= 0) od_frame_drop_col(f, (size_t)ex);
    double *lab = malloc((n ? n : 1) * sizeof *lab);
    for (size_t i = 0; i < n; i++) lab[i] = flag[i];
    free(flag);
    rc = od_frame_add_num_donate(s->ctx, f, "pseudo_label", lab, OD_COL_NUM, OD_ROLE_LABEL);
    if (rc) { od_frame_free(f); od_out_free(rep); return cmd_fail(s, rc); }
    rc = push(s, d, f, c);
    if (!rc) {
        print_report(s, rep);
        fprintf(s->outfp, "  pseudo_label is now the label column%s%s%s; detect ... fit=normal fits on rows it marks normal\n",
                old >= 0 ? " (the old label '" : "", old >= 0 ? f->cols[old].name : "", old >= 0 ? "' is kept, ignored)" : "");
    }
    od_out_free(rep);
    return rc;
}

static int cmd_undo(od_session *s, const cmd_line *c)
{
    od_dataset *d = cmd_dataset(s);
    if (!d) return OD_ESTATE;
    char *step = strdup(od_ds_top(d)->step);
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

static int export_data(od_session *s, const cmd_line *c, const char *path)
{
    od_version *v = cmd_version(s, NULL);
    if (!v) return OD_ESTATE;
    const od_frame *f = v->frame;
    od_frame *g = NULL;
    const char *cols = cmd_optval(c, "columns");
    if (cols) {
        size_t k;
        char **names = cmd_list_split(cols, &k);
        g = od_frame_copy(s->ctx, f);
        for (size_t j = g->ncol; j-- > 0;) {
            int keep = g->cols[j].role == OD_ROLE_LABEL || g->cols[j].role == OD_ROLE_TIME;
            for (size_t i = 0; i < k; i++) keep |= !strcmp(names[i], g->cols[j].name);
            if (!keep) od_frame_drop_col(g, j);
        }
        for (size_t i = 0; i < k; i++)
            if (od_frame_find(f, names[i]) < 0) {
                int r = cmd_error_at(s, cmd_opt_entry(c, "columns")->vcol, "export data: no column named '%s'", names[i]);
                free(names);
                od_frame_free(g);
                return r;
            }
        free(names);
        f = g;
    }
    int rc = od_csv_write(s->ctx, f, path);
    if (rc) { od_frame_free(g); return cmd_fail(s, rc); }
    fprintf(s->outfp, "wrote %zu rows x %zu columns to %s\n", f->nrow, f->ncol, path);
    od_frame_free(g);
    return 0;
}

int cmd_export_scores(od_session *s, const cmd_line *c);
int cmd_export_eval(od_session *s, const cmd_line *c, const char *what, const char *path);

static int cmd_export(od_session *s, const cmd_line *c)
{
    const char *what = c->words[1].text;
    const char *path = cmd_optval(c, "to");
    if (!path) return cmd_error_at(s, 0, "export: expected to=FILE.csv");
    if (!strcmp(what, "data")) return export_data(s, c, path);
    if (!strcmp(what, "scores")) return cmd_export_scores(s, c);
    if (!strcmp(what, "metrics") || !strcmp(what, "leaderboard")) return cmd_export_eval(s, c, what, path);
    return cmd_error_at(s, c->words[1].col, "export: expected data, scores, metrics or leaderboard");
}

static const cmd_optspec clean_opts[] = {
    { "missing", "drop|mean|median|interpolate|ffill", COMPL_NONE, "what to do with missing values" },
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
static const cmd_optspec window_opts[] = {
    { "size", NULL, COMPL_NONE, "window length W (points)" },
    { "stride", NULL, COMPL_NONE, "step between windows (default 1)" },
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
static const cmd_optspec export_opts[] = {
    { "to", NULL, COMPL_FILE, "output file (.csv)" },
    { "columns", NULL, COMPL_COLUMN, "export data: only these columns (plus label and time)" },
    { "on", "train|val|test|all", COMPL_NONE, "export metrics: which rows" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec no_opts[] = { { NULL, NULL, COMPL_NONE, NULL } };

const od_command cmd_clean_entry = {
    .name = "clean", .usage = "clean [missing=drop|mean|median|interpolate|ffill] [clip=K|LO,HI] [constant] [duplicates] [columns=..]",
    .topic = "prepare", .summary = "treat missing values, winsorise, drop constant columns or repeated rows",
    .help = "Steps run in the order constant, missing, clip, duplicates.  mean/median are\n"
            "computed on the training rows when a split exists.  interpolate is linear (in\n"
            "time when there is a time column); gaps at the start/end take the nearest valid\n"
            "value.  Cleaning never silently removes what you are looking for: the report\n"
            "says how many labelled anomalies were dropped or clipped.\n\n"
            "examples:\n  clean missing=interpolate\n  clean clip=0.01,0.99 columns=x1,x2\n  clean constant duplicates",
    .min_words = 0, .max_words = 2, .opts = clean_opts, .fn = cmd_clean, .words = COMPL_WORDS, .word_values = "constant|duplicates",
};
const od_command cmd_scale_entry = {
    .name = "scale", .usage = "scale zscore|minmax|robust [columns=..]", .topic = "prepare",
    .summary = "standardise, min-max or robust-scale (median/IQR) the features",
    .help = "Fitted on the training rows when a split exists (no leakage) and applied to all\n"
            "rows; the fitted centre and scale of every column are shown.  Missing values\n"
            "are ignored when fitting and stay missing.\n\n"
            "example:\n  split train=0.6 test=0.4 stratify=yes\n  scale robust",
    .min_words = 1, .max_words = 1, .opts = scale_opts, .fn = cmd_scale, .words = COMPL_WORDS, .word_values = "zscore|minmax|robust",
};
const od_command cmd_pca_entry = {
    .name = "pca", .usage = "pca k=N | variance=F [whiten=yes] [columns=..]", .topic = "prepare",
    .summary = "replace the features by their principal components",
    .help = "Fitted on the training rows when a split exists; prints the explained variance\n"
            "of every component.  Signs follow scikit-learn.\n\n"
            "examples:\n  pca k=2\n  pca variance=0.95 whiten=yes",
    .min_words = 0, .max_words = 0, .opts = pca_opts, .fn = cmd_pca,
};
const od_command cmd_window_entry = {
    .name = "window", .usage = "window size=W [stride=S]", .topic = "prepare",
    .summary = "cut the series into sliding windows for any detector",
    .help = "After this, clustering and density detectors see one row per window (the W\n"
            "values ending at t, all channels) and every score maps back to the window's\n"
            "last point; the first W-1 points score NaN.  Windows are a view of the series:\n"
            "no W-fold copy is made.  Sequence models (tsn, cnn, lstm, gru, attn) window the\n"
            "series themselves with their own window= parameter.\n\n"
            "example:\n  window size=24\n  detect kmeans k=6",
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
const od_command cmd_export_entry = {
    .name = "export", .usage = "export data|scores|metrics|leaderboard [NAME..] to=FILE.csv [columns=..] [on=..]", .topic = "data",
    .summary = "write the current data, run scores, metrics or the leaderboard as CSV",
    .help = "export data writes the current version (with label and time columns) so any\n"
            "step can be checked outside the workbench.  export scores writes one column per\n"
            "run (clustering runs add NAME_cluster, -1 = noise).  export metrics and export\n"
            "leaderboard write one row per run and split, one column per metric.\n\n"
            "examples:\n  export data to=clean.csv\n  export scores km gmm to=scores.csv\n  export leaderboard to=board.csv",
    .min_words = 1, .max_words = -1, .opts = export_opts, .fn = cmd_export, .words = COMPL_WORDS,
    .word_values = "data|scores|metrics|leaderboard",
};
