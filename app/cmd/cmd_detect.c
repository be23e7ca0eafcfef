/* cmd_detect.c - detect, detect column, runs, run summaries, export scores,
 * save model, load model.  Each handler parses its words, makes one call to
 * the run layer (engine/run/run.h) and prints what comes back. */
#include "config.h"
#include "cmd.h"
#include "core/fmt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- run summaries ---------------------------------------------------- */

void cmd_print_indented(od_session *s, const char *text)
{
    for (const char *t = text; *t;) {
        const char *e = strchr(t, '\n');
        size_t l = e ? (size_t)(e - t) : strlen(t);
        if (l) fprintf(s->outfp, "  %.*s\n", (int)l, t);
        if (!e) break;
        t = e + 1;
    }
}

static void print_describe(od_session *s, const od_run *r)
{
    if (r->detail) cmd_print_indented(s, r->detail);
    if (!r->type || !r->type->describe || !r->state) return;
    od_out *o = od_out_buffer();
    if (!o) return;
    r->type->describe(r->state, o);
    cmd_print_indented(s, od_out_str(o));
    od_out_free(o);
}

/* The headline of a labelled run on its default part. */
static void print_headline(od_session *s, const od_run *r)
{
    od_run_eval ev;
    od_eval_opts o;
    od_eval_opts_init(&o);
    o.series = 0;
    int part = od_run_default_part(r);
    /* a run without labels on its part has no headline; any other failure
     * (out of memory) is said, not dropped (scripts/faultinject) */
    int rc = od_run_eval_part(s->ctx, r, part, &o, &ev);
    if (rc == OD_ENOMEM) { cmd_fail(s, rc); return; }
    if (rc) { od_ctx_clear_error(s->ctx); return; }
    fprintf(s->outfp, "  %s (%zu rows, vs %s): ROC-AUC %s  AP(step) %s  best-F1(oracle) %s", od_run_part_name(part), ev.used,
            od_labels_desc(ev.labels),
            cmd_metric_str(&ev.auc), cmd_metric_str(&ev.ap), cmd_metric_str(&ev.bestf1));
    if (ev.bestf1.defined) fprintf(s->outfp, " at s >= %s", fmtg(ev.bestf1_t, 6));
    if (ev.nan) fprintf(s->outfp, "  (%zu rows without a score left out)", ev.nan);
    fputc('\n', s->outfp);
    if (!ev.auc.defined) fprintf(s->outfp, "  ROC-AUC undefined: %s\n", ev.auc.reason);
}

void cmd_run_summary(od_session *s, const od_run *r)
{
    FILE *fp = s->outfp;
    char why[200];
    size_t nan = od_run_unscored(r, why, sizeof why);
    fprintf(fp, "%s: %s on %s, fit on %s", r->name, r->algo, r->dataset, r->fit_on ? r->fit_on : "-");
    if (s->show_times) fprintf(fp, " in %s s", fmtg(r->fit_secs, 3));
    fprintf(fp, "; scored %zu of %zu rows", r->n - nan, r->n);
    if (s->show_times) fprintf(fp, " in %s s", fmtg(r->score_secs, 3));
    if (*why) fprintf(fp, " (no score: %s)", why);
    fputc('\n', fp);
    print_describe(s, r);
    if (r->labels || r->pseudo) print_headline(s, r);
}

/* ---- detect ----------------------------------------------------------- */

static const char *const common_keys[] = { "as", "fit", "on", NULL };

static int is_common(const char *k)
{
    for (size_t i = 0; common_keys[i]; i++)
        if (!strcmp(common_keys[i], k)) return 1;
    return 0;
}

/* The detector's own parameters: every option that is not a common one. */
static od_params *detector_params(od_session *s, const cmd_line *c, const od_detector_type *t)
{
    const char **keys = od_mallocn(s->ctx, c->nopts + 1, sizeof *keys), **vals = od_mallocn(s->ctx, c->nopts + 1, sizeof *vals);
    od_params *p = NULL;
    size_t np = 0;
    if (keys && vals) {
        for (size_t i = 0; i < c->nopts; i++)
            if (!is_common(c->opts[i].key)) { keys[np] = c->opts[i].key; vals[np++] = c->opts[i].val; }
        p = od_params_parse(s->ctx, t->params, t->nparams, keys, vals, np);
    }
    free(keys);
    free(vals);
    if (!p) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "detect %s", t->name);
        cmd_fail_opt(s, c, OD_EINVAL, prefix);
    }
    return p;
}

/* fit= and on= into o (o->cols points into *cols, freed by the caller). */
static int fit_options(od_session *s, const cmd_line *c, od_fit_opts *o, char ***cols)
{
    memset(o, 0, sizeof *o);
    *cols = NULL;
    const cmd_opt *f = cmd_opt_entry(c, "fit");
    for (size_t i = 0; f && od_fit_mode_names[i]; i++)
        if (!strcmp(f->val, od_fit_mode_names[i])) { o->fit = (od_fit_mode)i; f = NULL; break; }
    if (f) return cmd_error_at(s, f->vcol, "detect: fit=%s: expected train, normal or all", f->val);
    const char *on = cmd_optval(c, "on");
    if (on) {
        *cols = cmd_list_split(on, &o->ncols);
        if (!*cols) return cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "out of memory"));
        o->cols = (const char *const *)*cols;
    }
    return 0;
}

static int detector_not_found(od_session *s, const cmd_line *c)
{
    char list[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < od_detector_count() && len + 20 < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", od_detector_at(i)->name);
    return cmd_error_at(s, c->words[1].col, "detect: no detector named '%s' (detectors: %s, column)", c->words[1].text, list);
}

/* `text` with its option key=VALUE set to key=val (appended when absent). */
char *cmd_with_option(od_session *s, const char *text, const char *key, const char *val)
{
    size_t kl = strlen(key), tl = strlen(text);
    const char *p = text, *hit = NULL;
    while ((p = strstr(p, key)) && !hit) {
        if ((p == text || p[-1] == ' ') && p[kl] == '=') hit = p;
        p += kl;
    }
    size_t cap = tl + kl + strlen(val) + 3;
    char *out = od_malloc(s->ctx, cap);
    if (!out) return NULL;
    if (!hit) snprintf(out, cap, "%s %s=%s", text, key, val);
    else {
        const char *end = hit + kl + 1;
        while (*end && *end != ' ' && *end != ';' && *end != '#') end++;
        snprintf(out, cap, "%.*s%s=%s%s", (int)(hit - text), text, key, val, end);
    }
    return out;
}

/* Training stopped by Ctrl-C keeps what it trained: the run's parameters and
 * the journal say epochs=N, so a replay trains exactly those epochs. */
static int journal_interrupted(od_session *s, const cmd_line *c, od_run *r, cmd_result *res)
{
    char n[32];
    snprintf(n, sizeof n, "%zu", r->interrupted);
    char *line = cmd_with_option(s, c->src, "epochs", n), *params = cmd_with_option(s, r->params, "epochs", n);
    if (!line || !params) { free(line); free(params); return cmd_fail(s, OD_ENOMEM); }
    free(r->params);
    r->params = params;
    res->journal = CMD_JOURNAL_TEXT;
    res->followup = line;
    fprintf(s->errfp, "note: journaled as trained: %s\n", line);
    return 0;
}

static int cmd_detect(od_session *s, const cmd_line *c, cmd_result *res)
{
    if (!strcmp(c->words[1].text, "column")) return cmd_detect_column(s, c);
    const od_detector_type *t = od_detector_find(c->words[1].text);
    if (!t) return detector_not_found(s, c);
    int bad;
    const char *nm = cmd_as_name(s, c, 2, &bad);
    if (bad) return bad;
    od_dataset *d = cmd_dataset(s);
    if (!d) return OD_ESTATE;
    od_params *p = detector_params(s, c, t);
    if (!p) return OD_EINVAL;
    od_fit_opts o;
    char **cols;
    int rc = fit_options(s, c, &o, &cols);
    od_run *r = NULL;
    o.name = nm;
    if (!rc) rc = od_run_fit(s->ctx, s->ws, d, t, p, &o, &r);
    if (rc && *od_ctx_errmsg(s->ctx)) rc = cmd_fail_opt(s, c, rc, "detect");
    else if (!rc) cmd_run_summary(s, r);
    if (!rc && r->interrupted) rc = journal_interrupted(s, c, r, res);   /* only networks log epochs */
    od_params_free(p);
    free(cols);
    return rc;
}

int cmd_detect_column(od_session *s, const cmd_line *c)
{
    int bad;
    const char *nm = cmd_as_name(s, c, 2, &bad);
    if (bad) return bad;
    for (size_t i = 0; i < c->nopts; i++)
        if (strcmp(c->opts[i].key, "col") && strcmp(c->opts[i].key, "as"))
            return cmd_error_at(s, c->opts[i].col, "detect column: unknown option '%s' (options: col, as)", c->opts[i].key);
    const char *col = cmd_optval(c, "col");
    if (!col) return cmd_error_at(s, 0, "detect column: expected col=NAME (a numeric column holding scores)");
    od_dataset *d = cmd_dataset(s);
    if (!d) return OD_ESTATE;
    od_run *r;
    int rc = od_run_from_column(s->ctx, s->ws, d, col, nm, &r);
    if (rc) return cmd_fail_opt(s, c, rc, "detect column");
    cmd_run_summary(s, r);
    return 0;
}

/* ---- runs ------------------------------------------------------------- */

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
        if (r->thr.set)
            snprintf(th, sizeof th, "%s %s%s%s", r->thr.strict ? ">" : ">=", fmtg(r->thr.value, 6), r->thr.point ? " (streaming)" : "",
                     r->thr.oracle ? " (oracle)" : "");
        else snprintf(th, sizeof th, "-");
        tbl_row(t, r->name, r->algo, r->dataset, r->fit_on ? r->fit_on : "", fs, ss, th, r->params ? r->params : "");
    }
    tbl_print(t, s->outfp);
    tbl_free(t);
    return 0;
}

/* ---- export scores ---------------------------------------------------- */

static void write_score_rows(FILE *fp, od_run **runs, size_t nr)
{
    const od_run *r0 = runs[0];
    fprintf(fp, "row%s%s", r0->time ? ",time" : "", r0->labels ? ",label" : "");
    for (size_t k = 0; k < nr; k++) {
        fprintf(fp, ",%s", runs[k]->name);
        if (runs[k]->cluster) fprintf(fp, ",%s_cluster", runs[k]->name);
    }
    fputc('\n', fp);
    char num[OD_FMT_DOUBLE_MAX];   /* numbers as oddity score writes them: the shortest text that reads back */
    for (size_t i = 0; i < r0->n; i++) {
        fprintf(fp, "%zu", i + 1);
        if (r0->time) { fputc(',', fp); od_fmt_double(r0->time[i], num); fputs(num, fp); }
        if (r0->labels) r0->labels[i] < 0 ? fputc(',', fp) : fprintf(fp, ",%d", r0->labels[i]);
        for (size_t k = 0; k < nr; k++) {
            if (isnan(runs[k]->scores[i])) fputc(',', fp);
            else { fputc(',', fp); od_fmt_double(runs[k]->scores[i], num); fputs(num, fp); }
            if (runs[k]->cluster) fprintf(fp, ",%ld", runs[k]->cluster[i]);
        }
        fputc('\n', fp);
    }
}

int cmd_export_scores(od_session *s, const cmd_line *c)
{
    const char *path = cmd_optval(c, "to");
    if (!path) return cmd_error_at(s, 0, "export scores: expected to=FILE.csv");
    size_t nr;
    od_run **runs = cmd_runs_of(s, c, 2, &nr);
    if (!runs) return nr ? OD_ENOTFOUND : cmd_error_at(s, 0, "export scores: no runs yet");
    for (size_t k = 1; k < nr; k++)
        if (runs[k]->n != runs[0]->n) {
            int e = cmd_error_at(s, c->nwords > 2 ? c->words[k + 2].col : 0, "export scores: %s has %zu rows but %s has %zu: export them separately",
                                 runs[k]->name, runs[k]->n, runs[0]->name, runs[0]->n);
            free(runs);
            return e;
        }
    char *real = cmd_out_path(s, c, "export scores", path, cmd_opt_entry(c, "to")->vcol);
    cmd_outfile out;
    int rc = real ? cmd_outfile_open(s, &out, "export scores", real) : OD_EINVAL;
    free(real);
    if (!rc) {
        write_score_rows(out.fp, runs, nr);
        rc = cmd_outfile_commit(s, &out);
        if (!rc) fprintf(s->outfp, "wrote %zu rows x %zu runs to %s\n", runs[0]->n, nr, path);
    }
    free(runs);
    return rc;
}

/* ---- model files ------------------------------------------------------ */

int cmd_save_model(od_session *s, const cmd_line *c)
{
    if (c->nwords < 3) return cmd_error_at(s, 0, "save model: expected a run name (usage: save model RUN to=FILE)");
    od_run *r = cmd_run(s, c, 2);
    if (!r) return OD_ENOTFOUND;
    const char *path = cmd_optval(c, "to");
    if (!path) return cmd_error_at(s, 0, "save model: expected to=FILE");
    char *real = cmd_out_path(s, c, "save model", path, cmd_opt_entry(c, "to")->vcol);
    if (!real) return OD_EINVAL;
    cmd_outfile out;
    int rc = cmd_outfile_open(s, &out, "save model", real);
    free(real);
    if (rc) return rc;
    cmd_outfile_detach(&out);
    rc = od_model_save_ws(s->ctx, s->ws, r, out.tmp);
    if (rc) { cmd_outfile_abort(&out); return cmd_fail_opt(s, c, rc, "save model"); }
    if ((rc = cmd_outfile_commit(s, &out))) return rc;
    fprintf(s->outfp, "saved model %s (%s) to %s\n", r->name, r->type->name, path);
    return 0;
}

int cmd_load_model_words(od_session *s, const cmd_line *c)
{
    /* load model FILE as NAME */
    if (c->nwords < 3) return cmd_error_at(s, 0, "load model: expected a file (usage: load model FILE as NAME)");
    int bad;
    const char *nm = cmd_as_name(s, c, 3, &bad);
    if (bad) return bad;
    if (!nm) return cmd_error_at(s, 0, "load model: expected 'as NAME'");
    od_dataset *d = cmd_dataset(s);
    if (!d) return OD_ESTATE;
    const char *path = c->words[2].text;
    /* a model file is read like a data file: relative to a sourced script,
     * and under --safe only inside the script's directory */
    char *real = cmd_in_path(s, c, "load model", path, c->words[2].col);
    if (!real) return OD_EINVAL;
    od_model m;
    int rc = od_model_load(s->ctx, real, &m);
    free(real);
    if (rc) return cmd_fail(s, rc);
    size_t l = strlen(path) + 8;
    char *src = od_malloc(s->ctx, l);
    od_run *r = NULL;
    if (src) snprintf(src, l, "file %s", path);
    rc = src ? od_run_score(s->ctx, s->ws, d, &m, nm, src, &r) : OD_ENOMEM;
    free(src);
    od_model_free(&m);
    if (rc) return cmd_fail(s, rc);
    fprintf(s->outfp, "loaded model %s (%s) from %s\n", r->name, r->type->name, path);
    cmd_run_summary(s, r);
    return 0;
}

const od_command cmd_detect_entry = {
    .name = "detect", .usage = "detect ALGO [as NAME] [fit=train|normal|all] [on=COLS] [PARAM=VALUE..]",
    .topic = "detectors", .summary = "fit a detector and score every row (higher = more anomalous)",
    .help = "Fits ALGO on the training rows (all rows when there is no split) and scores\n"
            "every row.  fit=normal fits on training rows labelled normal only (the\n"
            "semi-supervised variant; with no labels, make some with pseudolabel);\n"
            "fit=all ignores the split.  on=a,b picks the columns (default: the features).\n"
            "After `window size=W`, non-sequence detectors see one row per window and each\n"
            "point's score is the maximum (or, with window agg=mean, the mean) of the\n"
            "scores of the windows that cover it.  Sequence detectors (tsn, cnn, lstm, gru,\n"
            "attn) window the series themselves (window=) and leave the warm-up unscored.\n"
            "Data with missing values is refused: clean it first.  `detect column col=NAME`\n"
            "turns a column of the dataset (scores from another tool) into a run.\n\n"
            "examples:\n  detect kmeans k=4 as km\n  detect gmm k=3 covariance=full fit=normal\n"
            "  detect lstm window=64 epochs=10 as lstm",
    .min_words = 1, .max_words = 3, .opts = NULL, .fn_res = cmd_detect, .words = COMPL_DETECTOR,
};
const od_command cmd_runs_entry = {
    .name = "runs", .usage = "runs", .topic = "detectors",
    .summary = "list the runs with their parameters, fit time and score time",
    .help = "", .min_words = 0, .max_words = 0, .opts = (const cmd_optspec[]){ { NULL, NULL, COMPL_NONE, NULL } }, .fn = cmd_runs,
};
