/* cmd_detect.c - detect, runs, export scores, save model, load model. */
#include "config.h"
#include "cmd.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *cmd_as_name(od_session *s, const cmd_line *c, size_t first, int *bad);

/* Row-major matrix of the feature columns (or the columns named in `on`),
 * refusing missing values.  Caller frees. */
double *cmd_matrix(od_session *s, const od_frame *f, const char *on, int on_col, size_t *d_out)
{
    size_t *idx = malloc((f->ncol + 1) * sizeof *idx);
    size_t d = 0;
    if (!idx) { cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "out of memory")); return NULL; }
    if (on) {
        size_t k;
        char **names = cmd_list_split(on, &k);
        for (size_t i = 0; i < k; i++) {
            long j = od_frame_find(f, names[i]);
            if (j < 0 || f->cols[j].type == OD_COL_TEXT) {
                cmd_error_at(s, on_col, "on=%s: %s '%s'", on, j < 0 ? "no column named" : "not a numeric column:", names[i]);
                free(names);
                free(idx);
                return NULL;
            }
            idx[d++] = (size_t)j;
        }
        free(names);
    } else {
        d = od_frame_feature_cols(f, idx);
    }
    if (d == 0) {
        free(idx);
        cmd_fail(s, od_error(s->ctx, OD_EDATA, "the dataset has no numeric feature columns"));
        return NULL;
    }
    for (size_t k = 0; k < d; k++) {
        const double *col = f->cols[idx[k]].num;
        size_t miss = 0;
        for (size_t i = 0; i < f->nrow; i++) miss += isnan(col[i]);
        if (miss) {
            cmd_fail(s, od_error(s->ctx, OD_EDATA, "column '%s' has %zu missing values: run clean missing=mean|median|interpolate|drop first",
                                 f->cols[idx[k]].name, miss));
            free(idx);
            return NULL;
        }
    }
    double *X = malloc((f->nrow * d + 1) * sizeof *X);
    if (!X) { free(idx); cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "out of memory")); return NULL; }
    for (size_t k = 0; k < d; k++) {
        const double *col = f->cols[idx[k]].num;
        for (size_t i = 0; i < f->nrow; i++) X[i * d + k] = col[i];
    }
    free(idx);
    *d_out = d;
    return X;
}

static void *dup_or_null(const void *p, size_t n)
{
    if (!p) return NULL;
    void *q = malloc(n ? n : 1);
    if (q) memcpy(q, p, n);
    return q;
}

/* Fill the run's copies of labels, split parts and time axis from a version. */
void cmd_run_attach_data(od_run *r, const od_version *v)
{
    const od_frame *f = v->frame;
    r->n = f->nrow;
    long l = od_frame_role(f, OD_ROLE_LABEL);
    if (l >= 0) {
        r->labels = malloc((f->nrow ? f->nrow : 1) * sizeof *r->labels);
        if (r->labels)
            for (size_t i = 0; i < f->nrow; i++)
                r->labels[i] = isnan(f->cols[l].num[i]) ? -1 : f->cols[l].num[i] != 0;
    }
    r->part = dup_or_null(v->part, f->nrow);
    long t = od_frame_role(f, OD_ROLE_TIME);
    if (t >= 0) r->time = dup_or_null(f->cols[t].num, f->nrow * sizeof(double));
    r->is_series = t >= 0 || v->win > 0;
}

/* Print the run's one-line summary with headline metrics when labels exist. */
void cmd_run_summary(od_session *s, const od_run *r);

static const char *const common_keys[] = { "as", "fit", "on", NULL };

static int is_common(const char *k)
{
    for (size_t i = 0; common_keys[i]; i++)
        if (!strcmp(common_keys[i], k)) return 1;
    return 0;
}

/* The body shared by `detect` and `load model`: score every row of the
 * current version with a fitted state and register the run. */
static int finish_run(od_session *s, od_run *r, const od_detector_type *t, const od_version *v, const double *X, size_t d)
{
    const od_frame *f = v->frame;
    size_t n = f->nrow;
    r->scores = malloc((n ? n : 1) * sizeof *r->scores);
    if (!r->scores) return cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "out of memory"));
    int rc;
    double t0 = od_now();
    if (v->win && !t->seq) {
        size_t W = v->win, S = v->stride ? v->stride : 1;
        if (W > n) return cmd_fail(s, od_error(s->ctx, OD_EINVAL, "window size=%zu is longer than the %zu rows", W, n));
        size_t nw = (n - W) / S + 1;
        od_data view = { X, nw, W * d, S * d };
        double *ws = malloc(nw * sizeof *ws);
        long *wc = malloc(nw * sizeof *wc);
        if (!ws || !wc) { free(ws); free(wc); return cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "out of memory")); }
        for (size_t i = 0; i < nw; i++) wc[i] = -2;
        rc = t->score(s->ctx, r->state, &view, ws, wc);
        if (rc == OD_OK) {
            for (size_t i = 0; i < n; i++) r->scores[i] = NAN;
            int has_cl = wc[0] != -2;
            if (has_cl) {
                r->cluster = malloc(n * sizeof *r->cluster);
                for (size_t i = 0; i < n; i++) r->cluster[i] = -1;
            }
            for (size_t i = 0; i < nw; i++) {
                size_t p = i * S + W - 1;
                r->scores[p] = ws[i];
                if (has_cl && r->cluster) r->cluster[p] = wc[i];
            }
        }
        free(ws);
        free(wc);
    } else {
        od_data all = { X, n, d, d };
        long *cl = malloc((n ? n : 1) * sizeof *cl);
        if (!cl) return cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "out of memory"));
        for (size_t i = 0; i < n; i++) cl[i] = -2;
        rc = t->score(s->ctx, r->state, &all, r->scores, cl);
        if (rc == OD_OK && n && cl[0] != -2) r->cluster = cl;
        else free(cl);
    }
    r->score_secs = od_now() - t0;
    if (rc) return cmd_fail(s, rc);
    return OD_OK;
}

static int cmd_detect(od_session *s, const cmd_line *c)
{
    const char *algo = c->words[1].text;
    if (!strcmp(algo, "column")) {
        int cmd_detect_column(od_session *s, const cmd_line *c);
        return cmd_detect_column(s, c);
    }
    const od_detector_type *t = od_detector_find(algo);
    if (!t) {
        char list[512] = "";
        size_t len = 0;
        for (size_t i = 0; i < od_detector_count() && len + 20 < sizeof list; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", od_detector_at(i)->name);
        return cmd_error_at(s, c->words[1].col, "detect: no detector named '%s' (detectors: %s, column)", algo, list);
    }
    int bad;
    const char *nm = cmd_as_name(s, c, 2, &bad);
    if (bad) return bad;
    od_dataset *ds;
    od_version *v = cmd_version(s, &ds);
    if (!v) return OD_ESTATE;
    const od_frame *f = v->frame;

    /* detector parameters: every option that is not a common one */
    const char **keys = malloc((c->nopts + 1) * sizeof *keys);
    const char **vals = malloc((c->nopts + 1) * sizeof *vals);
    size_t np = 0;
    for (size_t i = 0; i < c->nopts; i++)
        if (!is_common(c->opts[i].key)) { keys[np] = c->opts[i].key; vals[np++] = c->opts[i].val; }
    od_params *p = od_params_parse(s->ctx, t->params, t->nparams, keys, vals, np);
    free(keys);
    free(vals);
    if (!p) {
        /* point at the offending option when we can tell which */
        const char *m = od_ctx_errmsg(s->ctx);
        int col = 0;
        for (size_t i = 0; i < c->nopts; i++) {
            size_t kl = strlen(c->opts[i].key);
            if ((!strncmp(m, "option ", 7) && !strncmp(m + 7, c->opts[i].key, kl) && m[7 + kl] == '=') ||
                (!strncmp(m, "unknown option '", 16) && !strncmp(m + 16, c->opts[i].key, kl) && m[16 + kl] == '\''))
                col = c->opts[i].col;
        }
        int r = cmd_error_at(s, col, "detect %s: %s", t->name, m);
        od_ctx_clear_error(s->ctx);
        return r;
    }

    const char *fit = cmd_optval(c, "fit");
    if (!fit) fit = "train";
    if (strcmp(fit, "train") && strcmp(fit, "normal") && strcmp(fit, "all")) {
        od_params_free(p);
        return cmd_error_at(s, cmd_opt_entry(c, "fit")->vcol, "detect: fit=%s: expected train, normal or all", fit);
    }
    const cmd_opt *on = cmd_opt_entry(c, "on");
    size_t d;
    double *X = cmd_matrix(s, f, on ? on->val : NULL, on ? on->vcol : 0, &d);
    if (!X) { od_params_free(p); return OD_EINVAL; }

    /* which rows to fit on */
    size_t n = f->nrow;
    long lab = od_frame_role(f, OD_ROLE_LABEL);
    unsigned char *use = malloc(n ? n : 1);
    double *Xfit = NULL;
    size_t nfit = 0;
    for (size_t i = 0; i < n; i++) {
        int u = 1;
        if (strcmp(fit, "all") && v->part) u = v->part[i] == OD_PART_TRAIN;
        if (!strcmp(fit, "normal")) u = u && lab >= 0 && f->cols[lab].num[i] == 0;
        use[i] = (unsigned char)u;
        nfit += (size_t)u;
    }
    int rc = 0;
    if (!strcmp(fit, "normal") && lab < 0) {
        rc = cmd_error_at(s, cmd_opt_entry(c, "fit")->vcol,
                          "detect: fit=normal needs a label column (or: pseudolabel mean k=3 to make one)");
        goto out;
    }
    /* build the training data */
    od_data train;
    size_t W = v->win, S = v->stride ? v->stride : 1;
    if (W && !t->seq) {
        if (W > n) { rc = cmd_fail(s, od_error(s->ctx, OD_EINVAL, "window size=%zu is longer than the %zu rows", W, n)); goto out; }
        size_t nw = (n - W) / S + 1, k = 0;
        for (size_t i = 0; i < nw; i++) k += use[i * S + W - 1];
        if (k == nw) train = (od_data){ X, nw, W * d, S * d };
        else {
            Xfit = malloc((k * W * d + 1) * sizeof *Xfit);
            if (!Xfit) { rc = cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "out of memory")); goto out; }
            size_t r = 0;
            for (size_t i = 0; i < nw; i++)
                if (use[i * S + W - 1]) memcpy(Xfit + (r++) * W * d, X + i * S * d, W * d * sizeof *X);
            train = (od_data){ Xfit, k, W * d, W * d };
        }
        nfit = train.n;
    } else if (nfit == n) {
        train = (od_data){ X, n, d, d };
    } else {
        Xfit = malloc((nfit * d + 1) * sizeof *Xfit);
        if (!Xfit) { rc = cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "out of memory")); goto out; }
        size_t r = 0;
        for (size_t i = 0; i < n; i++)
            if (use[i]) memcpy(Xfit + (r++) * d, X + i * d, d * sizeof *X);
        train = (od_data){ Xfit, nfit, d, d };
        if (t->seq && v->part && v->split_desc && strstr(v->split_desc, "order=random"))
            od_warn(s->ctx, "a random split breaks the series: %s is fitted on the training rows joined in time order", t->name);
    }
    if (train.n == 0) {
        rc = cmd_fail(s, od_error(s->ctx, OD_EDATA, "detect %s: no rows to fit on (fit=%s)", t->name, fit));
        goto out;
    }

    od_run *r = calloc(1, sizeof *r);
    if (!r) { rc = cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "out of memory")); goto out; }
    char autoname[64];
    if (!nm) {
        for (int k = 1;; k++) {
            snprintf(autoname, sizeof autoname, "%s%d", t->name, k);
            if (!od_ws_run(s->ws, autoname)) break;
        }
        nm = autoname;
    }
    r->name = strdup(nm);
    r->type = t;
    r->algo = strdup(t->name);
    r->p = p;
    p = NULL;
    r->params = od_params_format(r->p);
    r->dataset = strdup(ds->name);
    char fitdesc[128];
    snprintf(fitdesc, sizeof fitdesc, "%s (%zu %s)", !strcmp(fit, "train") && !v->part ? "all" : fit, train.n,
             W && !t->seq ? "windows" : "rows");
    r->fit_on = strdup(fitdesc);
    double t0 = od_now();
    rc = t->fit(s->ctx, r->p, &train, &r->log, &r->state);
    r->fit_secs = od_now() - t0;
    if (rc) {
        od_run_free(r);
        rc = cmd_fail(s, rc);
        goto out;
    }
    if (od_cancelled(s->ctx)) od_ctx_clear_cancel(s->ctx);
    rc = finish_run(s, r, t, v, X, d);
    if (rc) { od_run_free(r); goto out; }
    cmd_run_attach_data(r, v);
    rc = od_ws_add_run_donate(s->ctx, s->ws, r);
    if (rc) { rc = cmd_fail(s, rc); goto out; }
    cmd_run_summary(s, r);
out:
    od_params_free(p);
    free(X);
    free(Xfit);
    free(use);
    return rc;
}

static int cmd_runs(od_session *s, const cmd_line *c)
{
    if (!s->ws->nruns) { fprintf(s->outfp, "no runs yet (try: detect kmeans k=4)\n"); return 0; }
    od_table *t = tbl_new(8, "name", "algo", "data", "fit on", "fit s", "score s", "threshold", "parameters");
    for (size_t j = 0; j < 8; j++) tbl_align(t, j, j == 4 || j == 5);
    for (size_t i = 0; i < s->ws->nruns; i++) {
        od_run *r = s->ws->runs[i];
        char fs[32], ss[32], th[64];
        snprintf(fs, sizeof fs, "%s", s->show_times ? fmtg(r->fit_secs, 3) : "-");
        snprintf(ss, sizeof ss, "%s", s->show_times ? fmtg(r->score_secs, 3) : "-");
        if (r->thr.set) snprintf(th, sizeof th, "%s %s", r->thr.strict ? ">" : ">=", fmtg(r->thr.value, 6));
        else snprintf(th, sizeof th, "-");
        tbl_row(t, r->name, r->algo, r->dataset, r->fit_on ? r->fit_on : "", fs, ss, th, r->params ? r->params : "");
    }
    tbl_print(t, s->outfp);
    tbl_free(t);
    return 0;
}

static int write_scores(od_session *s, const cmd_line *c, const char *path, od_run **runs, size_t nr)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return cmd_fail(s, od_error(s->ctx, OD_EIO, "cannot write %s: %s", path, strerror(errno)));
    size_t n = runs[0]->n;
    int has_time = runs[0]->time != NULL, has_lab = runs[0]->labels != NULL;
    fprintf(fp, "row");
    if (has_time) fprintf(fp, ",time");
    if (has_lab) fprintf(fp, ",label");
    for (size_t k = 0; k < nr; k++) {
        fprintf(fp, ",%s", runs[k]->name);
        if (runs[k]->cluster) fprintf(fp, ",%s_cluster", runs[k]->name);
    }
    fputc('\n', fp);
    for (size_t i = 0; i < n; i++) {
        fprintf(fp, "%zu", i + 1);
        if (has_time) fprintf(fp, ",%.17g", runs[0]->time[i]);
        if (has_lab) {
            if (runs[0]->labels[i] < 0) fprintf(fp, ",");
            else fprintf(fp, ",%d", runs[0]->labels[i]);
        }
        for (size_t k = 0; k < nr; k++) {
            if (isnan(runs[k]->scores[i])) fprintf(fp, ",");
            else fprintf(fp, ",%.17g", runs[k]->scores[i]);
            if (runs[k]->cluster) fprintf(fp, ",%ld", runs[k]->cluster[i]);
        }
        fputc('\n', fp);
    }
    if (fclose(fp)) return cmd_fail(s, od_error(s->ctx, OD_EIO, "cannot write %s: %s", path, strerror(errno)));
    fprintf(s->outfp, "wrote %zu rows x %zu runs to %s\n", n, nr, path);
    return 0;
}

int cmd_export_scores(od_session *s, const cmd_line *c)
{
    const char *path = cmd_optval(c, "to");
    if (!path) return cmd_error_at(s, 0, "export scores: expected to=FILE.csv");
    size_t nr = c->nwords > 2 ? c->nwords - 2 : s->ws->nruns;
    if (!nr) return cmd_error_at(s, 0, "export scores: no runs yet");
    od_run **runs = malloc(nr * sizeof *runs);
    for (size_t k = 0; k < nr; k++) {
        runs[k] = c->nwords > 2 ? cmd_run(s, c, k + 2) : s->ws->runs[k];
        if (!runs[k]) { free(runs); return OD_ENOTFOUND; }
        if (runs[k]->n != runs[0]->n) {
            int r = cmd_error_at(s, c->nwords > 2 ? c->words[k + 2].col : 0,
                                 "export scores: %s has %zu rows but %s has %zu: export them separately", runs[k]->name,
                                 runs[k]->n, runs[0]->name, runs[0]->n);
            free(runs);
            return r;
        }
    }
    int rc = write_scores(s, c, path, runs, nr);
    free(runs);
    return rc;
}

/* ---- model files ------------------------------------------------------ */

static const char MODEL_MAGIC[8] = { 'O', 'D', 'D', 'M', 'O', 'D', 'E', 'L' };
enum { MODEL_VERSION = 1 };

int cmd_save_model(od_session *s, const cmd_line *c)
{
    if (c->nwords < 3) return cmd_error_at(s, 0, "save model: expected a run name (usage: save model RUN to=FILE)");
    od_run *r = cmd_run(s, c, 2);
    if (!r) return OD_ENOTFOUND;
    const char *path = cmd_optval(c, "to");
    if (!path) return cmd_error_at(s, 0, "save model: expected to=FILE");
    if (!r->type || !r->type->save || !r->state)
        return cmd_error_at(s, c->words[2].col, "save model: %s is not a fitted detector (ensembles and columns have no model)", r->name);
    FILE *fp = fopen(path, "wb");
    if (!fp) return cmd_fail(s, od_error(s->ctx, OD_EIO, "cannot write %s: %s", path, strerror(errno)));
    uint32_t ver = MODEL_VERSION;
    uint32_t la = (uint32_t)strlen(r->type->name), lp = (uint32_t)strlen(r->params);
    int ok = fwrite(MODEL_MAGIC, 1, 8, fp) == 8 && fwrite(&ver, 4, 1, fp) == 1 && fwrite(&la, 4, 1, fp) == 1 &&
             fwrite(r->type->name, 1, la, fp) == la && fwrite(&lp, 4, 1, fp) == 1 && fwrite(r->params, 1, lp, fp) == lp;
    int rc = ok ? r->type->save(s->ctx, r->state, fp) : od_error(s->ctx, OD_EIO, "cannot write %s: %s", path, strerror(errno));
    if (fclose(fp) && !rc) rc = od_error(s->ctx, OD_EIO, "cannot write %s: %s", path, strerror(errno));
    if (rc) return cmd_fail(s, rc);
    fprintf(s->outfp, "saved model %s (%s) to %s\n", r->name, r->type->name, path);
    return 0;
}

static int cmd_load_model(od_session *s, const cmd_line *c, const char *path, const char *nm)
{
    od_dataset *ds;
    od_version *v = cmd_version(s, &ds);
    if (!v) return OD_ESTATE;
    FILE *fp = fopen(path, "rb");
    if (!fp) return cmd_fail(s, od_error(s->ctx, OD_EIO, "cannot open %s: %s", path, strerror(errno)));
    char magic[8];
    uint32_t ver, la, lp;
    char algo[64], *params = NULL;
    int rc = 0;
    if (fread(magic, 1, 8, fp) != 8 || memcmp(magic, MODEL_MAGIC, 8)) {
        rc = od_error(s->ctx, OD_EFORMAT, "%s: not an oddity model file (bad magic number)", path);
        goto fail;
    }
    if (fread(&ver, 4, 1, fp) != 1 || ver != MODEL_VERSION) {
        rc = od_error(s->ctx, OD_EFORMAT, "%s: model format version %u is not supported (this oddity reads version %d)", path,
                      (unsigned)ver, MODEL_VERSION);
        goto fail;
    }
    if (fread(&la, 4, 1, fp) != 1 || la == 0 || la >= sizeof algo || fread(algo, 1, la, fp) != la) {
        rc = od_error(s->ctx, OD_EFORMAT, "%s: truncated or damaged model file (header)", path);
        goto fail;
    }
    algo[la] = 0;
    const od_detector_type *t = od_detector_find(algo);
    if (!t || !t->load) {
        rc = od_error(s->ctx, OD_EFORMAT, "%s: model of unknown detector '%s'", path, algo);
        goto fail;
    }
    if (fread(&lp, 4, 1, fp) != 1 || lp > 1 << 20 || !(params = calloc(1, lp + 1)) || fread(params, 1, lp, fp) != lp) {
        rc = od_error(s->ctx, OD_EFORMAT, "%s: truncated or damaged model file (parameters)", path);
        goto fail;
    }
    /* parameters back into key/value pairs */
    cmd_line *pl;
    cmd_err pe;
    size_t llen = lp + 8;
    char *line = malloc(llen);
    snprintf(line, llen, "x %s", params);
    int n = cmd_parse_line(line, &pl, &pe);
    free(line);
    if (n != 1) {
        if (n > 0) cmd_lines_free(pl, n);
        rc = od_error(s->ctx, OD_EFORMAT, "%s: damaged parameters in model file", path);
        goto fail;
    }
    const char **keys = malloc((pl->nopts + 1) * sizeof *keys), **vals = malloc((pl->nopts + 1) * sizeof *vals);
    for (size_t i = 0; i < pl->nopts; i++) { keys[i] = pl->opts[i].key; vals[i] = pl->opts[i].val; }
    od_params *p = od_params_parse(s->ctx, t->params, t->nparams, keys, vals, pl->nopts);
    free(keys);
    free(vals);
    cmd_lines_free(pl, n);
    if (!p) { rc = OD_EFORMAT; goto fail; }
    void *state = NULL;
    rc = t->load(s->ctx, p, fp, &state);
    fclose(fp);
    fp = NULL;
    if (rc) { od_params_free(p); goto fail; }
    od_run *r = calloc(1, sizeof *r);
    r->name = strdup(nm);
    r->type = t;
    r->algo = strdup(t->name);
    r->p = p;
    r->params = params;
    params = NULL;
    r->state = state;
    r->dataset = strdup(ds->name);
    size_t ln = strlen(path) + 16;
    r->fit_on = malloc(ln);
    snprintf(r->fit_on, ln, "file %s", path);
    size_t d;
    double *X = cmd_matrix(s, v->frame, NULL, 0, &d);
    if (!X) { od_run_free(r); return OD_EINVAL; }
    rc = finish_run(s, r, t, v, X, d);
    free(X);
    if (rc) { od_run_free(r); return rc; }
    cmd_run_attach_data(r, v);
    od_ws_add_run_donate(s->ctx, s->ws, r);
    fprintf(s->outfp, "loaded model %s (%s) from %s\n", r->name, t->name, path);
    cmd_run_summary(s, r);
    return 0;
fail:
    if (fp) fclose(fp);
    free(params);
    return cmd_fail(s, rc);
}

int cmd_load_model_words(od_session *s, const cmd_line *c)
{
    /* load model FILE as NAME */
    if (c->nwords < 3) return cmd_error_at(s, 0, "load model: expected a file (usage: load model FILE as NAME)");
    int bad;
    const char *nm = cmd_as_name(s, c, 3, &bad);
    if (bad) return bad;
    if (!nm) return cmd_error_at(s, 0, "load model: expected 'as NAME'");
    return cmd_load_model(s, c, c->words[2].text, nm);
}

static const cmd_optspec runs_opts[] = { { NULL, NULL, COMPL_NONE, NULL } };

const od_command cmd_detect_entry = {
    .name = "detect", .usage = "detect ALGO [as NAME] [fit=train|normal|all] [on=COLS] [PARAM=VALUE..]",
    .topic = "detectors", .summary = "fit a detector and score every row (higher = more anomalous)",
    .help = "Fits ALGO on the training rows (all rows when there is no split) and scores\n"
            "every row.  fit=normal fits on training rows labelled normal only (the\n"
            "semi-supervised variant; with no labels, make some with pseudolabel);\n"
            "fit=all ignores the split.  on=a,b picks the columns (default: the features).\n"
            "After `window size=W`, non-sequence detectors see one row per window and each\n"
            "score maps back to the point that ends the window.  Data with missing values\n"
            "is refused: clean it first.  `detect column col=NAME` turns a column of the\n"
            "dataset (scores from another tool) into a run.\n\n"
            "examples:\n  detect kmeans k=4 as km\n  detect gmm k=3 covariance=full fit=normal\n"
            "  detect lstm window=64 epochs=10 as lstm",
    .min_words = 1, .max_words = 3, .opts = NULL, .fn = cmd_detect, .words = COMPL_DETECTOR,
};
const od_command cmd_runs_entry = {
    .name = "runs", .usage = "runs", .topic = "detectors",
    .summary = "list the runs with their parameters, fit time and score time",
    .help = "", .min_words = 0, .max_words = 0, .opts = runs_opts, .fn = cmd_runs,
};
