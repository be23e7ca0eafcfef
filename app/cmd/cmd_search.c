/* cmd_search.c - `search DETECTOR PARAM=GRID ...`: cross-validated
 * hyperparameter search (engine/run/search.h); prints the leaderboard and
 * makes the best configuration, refitted on the training rows, a run. */
#include "config.h"
#include "cmd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SHOW_ROWS = 20 };

/* The options of search itself; every other option is a grid axis. */
static const char *const search_keys[] = { "folds", "metric", "rule", "n", "first", "as", NULL };

static int is_search_key(const char *k)
{
    for (size_t i = 0; search_keys[i]; i++)
        if (!strcmp(search_keys[i], k)) return 1;
    return 0;
}

/* A positive whole number option; 0 absent, 1 set, <0 reported. */
static int count_opt(od_session *s, const cmd_line *c, const char *key, long lo, size_t *v)
{
    long x;
    int r = cmd_opt_long(s, c, key, &x);
    if (r <= 0) return r;
    if (x < lo) return cmd_error_at(s, cmd_opt_entry(c, key)->vcol, "search: %s=%ld: must be at least %ld", key, x, lo);
    *v = (size_t)x;
    return 1;
}

static int search_parse(od_session *s, const cmd_line *c, const od_detector_type *t, od_grid *g, od_search_opts *o)
{
    memset(o, 0, sizeof *o);
    int r;
    if ((r = count_opt(s, c, "folds", 2, &o->folds)) < 0) return r;
    if ((r = count_opt(s, c, "n", 1, &o->sample)) < 0) return r;
    if ((r = count_opt(s, c, "first", 1, &o->first)) < 0) return r;
    o->metric = cmd_optval(c, "metric");
    o->rule = cmd_optval(c, "rule");
    for (size_t i = 0; i < c->nopts; i++) {
        if (is_search_key(c->opts[i].key)) continue;
        int rc = od_grid_add(s->ctx, g, t, c->opts[i].key, c->opts[i].val);
        if (rc) return cmd_fail_opt(s, c, rc, "search");
    }
    return 0;
}

/* `text` with its option key=VALUE set to key=val (appended when absent). */
static char *set_option(od_session *s, const char *text, const char *key, const char *val)
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

static void print_leaderboard(od_session *s, const od_search *S)
{
    FILE *fp = s->outfp;
    size_t na = S->grid.nax, K = S->nfolds;
    fprintf(fp, "search %s: %zu configuration%s", S->detector, S->nrows, S->nrows == 1 ? "" : "s");
    if (S->nrows < S->grid_size) fprintf(fp, " of %zu", S->grid_size);
    fprintf(fp, " x %s; %s (%s)\n", S->folds_desc, S->crit.name, S->labels_desc);
    fprintf(fp, "  %s: %s\n", S->crit.name, S->crit.desc);
    if (S->refit_desc) fprintf(fp, "  fitted again inside every fold on its training rows: %s\n", S->refit_desc);
    else fprintf(fp, "  no preprocessing step to refit per fold\n");
    size_t nc = 1 + na + 3 + (s->show_times != 0);
    const char **head = calloc(nc, sizeof *head), **row = calloc(nc, sizeof *row);
    char (*cells)[48] = calloc(nc, sizeof *cells);
    char mean_h[48], sd_h[8] = "sd";
    snprintf(mean_h, sizeof mean_h, "%s mean", S->crit.name);
    if (!head || !row || !cells) { free(head); free(row); free(cells); return; }
    head[0] = "rank";
    for (size_t a = 0; a < na; a++) head[1 + a] = S->grid.ax[a].name;
    head[1 + na] = mean_h;
    head[2 + na] = sd_h;
    head[3 + na] = "folds";
    if (s->show_times) head[4 + na] = "s/fit";
    od_table *t = tbl_new_v(nc, head);
    for (size_t c = 0; t && c < nc; c++) tbl_align(t, c, c == 0 || c > na);
    size_t show = S->ndone < SHOW_ROWS ? S->ndone : SHOW_ROWS;
    for (size_t q = 0; t && q < show; q++) {
        const od_search_row *r = &S->rows[S->order[q]];
        const char *keys[OD_GRID_MAX_PARAMS], *vals[OD_GRID_MAX_PARAMS];
        od_search_row_params(S, r, keys, vals);
        snprintf(cells[0], sizeof cells[0], "%zu", q + 1);
        for (size_t a = 0; a < na; a++) snprintf(cells[1 + a], sizeof cells[0], "%s", vals[a]);
        snprintf(cells[1 + na], sizeof cells[0], "%s", r->ndef ? fmtg(r->mean, 4) : "-");
        snprintf(cells[2 + na], sizeof cells[0], "%s", r->ndef ? fmtg(r->sd, 2) : "-");
        snprintf(cells[3 + na], sizeof cells[0], "%zu/%zu", r->ndef, K);
        if (s->show_times) snprintf(cells[4 + na], sizeof cells[0], "%s", fmtg(r->secs, 2));
        for (size_t c = 0; c < nc; c++) row[c] = cells[c];
        tbl_row_v(t, row);
    }
    if (t) tbl_print(t, fp);
    tbl_free(t);
    if (S->ndone > show) fprintf(fp, "  ... and %zu more (plot search NAME draws them all)\n", S->ndone - show);
    size_t notes = 0;
    for (size_t q = 0; q < S->ndone && notes < 5; q++) {
        const od_search_row *r = &S->rows[S->order[q]];
        if (r->why) { fprintf(fp, "  %s: %s\n", r->params, r->why); notes++; }
    }
    if (s->show_times) fprintf(fp, "  searched in %s s\n", fmtg(S->secs, 3));
    free(head);
    free(row);
    free(cells);
}

static void search_free_v(void *p) { od_search_free(p); }

/* The best configuration, refitted on the training rows, as run `name`. */
static int best_run(od_session *s, od_dataset *d, const od_detector_type *t, od_search *S, const char *name, od_run **out)
{
    const od_search_row *b = od_search_best(S);
    const char *keys[OD_GRID_MAX_PARAMS], *vals[OD_GRID_MAX_PARAMS];
    od_search_row_params(S, b, keys, vals);
    od_params *p = od_params_parse(s->ctx, t->params, t->nparams, keys, vals, S->grid.nax);
    if (!p) return cmd_fail(s, OD_EINVAL);
    od_fit_opts o = { .name = name, .fit = OD_FIT_TRAIN };
    int rc = od_run_fit(s->ctx, s->ws, d, t, p, &o, out);
    od_params_free(p);
    if (rc) return cmd_fail(s, rc);
    (*out)->search = S;
    (*out)->search_free = search_free_v;
    return 0;
}

static int cmd_search(od_session *s, const cmd_line *c, cmd_result *res)
{
    const od_detector_type *t = od_detector_find(c->words[1].text);
    if (!t) {
        char list[512] = "";
        for (size_t i = 0; i < od_detector_count(); i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", od_detector_at(i)->name);
        return cmd_error_at(s, c->words[1].col, "search: no detector named '%s' (detectors: %s)", c->words[1].text, list);
    }
    int bad;
    const char *nm = cmd_as_name(s, c, 2, &bad);
    if (bad) return bad;
    char defname[64];
    snprintf(defname, sizeof defname, "%s_best", t->name);
    if (!nm) nm = defname;
    od_dataset *d = cmd_dataset(s);
    if (!d) return OD_ESTATE;
    od_grid g = {0};
    od_search_opts o;
    int rc = search_parse(s, c, t, &g, &o);
    od_search *S = NULL;
    if (!rc && (rc = od_search_run(s->ctx, d, t, &g, &o, &S))) rc = cmd_fail_opt(s, c, rc, "search");
    od_grid_done(&g);
    if (rc) return rc;
    print_leaderboard(s, S);
    const od_search_row *b = od_search_best(S);
    if (S->interrupted)
        fprintf(s->outfp, "interrupted: %zu of %zu configurations completed; %s\n", S->ndone, S->nrows,
                b ? "the best so far is kept" : "none has a score");
    if (!b) {
        if (S->interrupted) res->journal = CMD_JOURNAL_NOTHING;   /* no run was made: nothing to replay */
        fflush(s->outfp);
        int e = S->interrupted ? 0 : cmd_error_at(s, 0, "search: no configuration has a score (%s)",
                                                   S->ndone && S->rows[0].why ? S->rows[0].why : "nothing completed");
        od_search_free(S);
        return e ? e : OD_OK;
    }
    fprintf(s->outfp, "best: %s  %s %s +- %s over %zu folds; refitted on the training rows as %s\n", b->params, S->crit.name,
            fmtg(b->mean, 4), fmtg(b->sd, 2), b->ndef, nm);
    size_t ndone = S->ndone;
    int interrupted = S->interrupted;
    od_run *r = NULL;
    if ((rc = best_run(s, d, t, S, nm, &r))) { od_search_free(S); return rc; }
    cmd_run_summary(s, r);
    if (interrupted) {
        char n[32];
        snprintf(n, sizeof n, "%zu", ndone);
        char *line = set_option(s, c->src, "first", n);
        if (!line) return cmd_fail(s, OD_ENOMEM);
        res->journal = CMD_JOURNAL_TEXT;
        res->followup = line;
        fprintf(s->errfp, "note: journaled as completed: %s\n", line);
    }
    return 0;
}

static char search_help[4096];

__attribute__((constructor)) static void search_strings(void)
{
    snprintf(search_help, sizeof search_help,
             "Tries every configuration of the grid (or n= of them drawn at random, seeded by\n"
             "the session seed) on cross-validation folds of the training rows (every row\n"
             "without a split) and prints a leaderboard, best first: the configuration, the\n"
             "mean and standard deviation over the folds and the time per fit.  The best\n"
             "configuration is fitted again on the training rows and becomes run NAME\n"
             "(default ALGO_best), so metrics, plot, threshold and ensemble work on it;\n"
             "`plot search NAME` draws the metric against each parameter.\n\n"
             "grid values (PARAM=...):\n"
             "  a,b,c            a list (numbers or words)\n"
             "  LO..HI           LO, LO+1, ..., HI\n"
             "  LO..HI:STEP      LO, LO+STEP, ... up to HI\n"
             "  log(LO..HI)      %d values evenly spaced in log(x), LO and HI included\n"
             "  log(LO..HI):N    N such values\n"
             "  items combine: k=2..4,8,16.  Integer parameters take whole numbers; a\n"
             "  parameter not given keeps its default.\n\n"
             "folds: stratified k-fold on tabular data (plain k-fold without labels);\n"
             "rolling origin on a series (fold j fits on the first j+1 blocks in time order\n"
             "and tests on the next: no future row in any fit).  Default 5, 3 on a series.\n"
             "Every step of the dataset's lineage fitted on training rows (scale, pca,\n"
             "clean missing=mean|median, clip=) is fitted again inside each fold on the\n"
             "fold's training rows, so no fold sees its test rows.  A lineage that cannot be\n"
             "replayed that way (pseudolabel after a fitted step, rows dropped after one) is\n"
             "refused, naming the step.\n\n"
             "metric: any metric of the metric table (help metrics): measured over every\n"
             "threshold (ap, roc_auc, best_f1, pr_auc_trapz, p_at_n; vus_pr, vus_roc on a\n"
             "series; also roc, best-f1, vus-pr), or at a threshold (f1, precision, recall,\n"
             "mcc, accuracy, specificity; pa_f1, event_f1, range_f1, ... on a series);\n"
             "default ap.  A metric at a threshold is measured on each fold's test rows at\n"
             "the threshold that rule=NAME[:VALUE] sets from the fold's own training scores\n"
             "(default rule=%s; e.g. rule=mad, rule=sigma:3, rule=contamination:0.02,\n"
             "rule=percentile:98; VALUE is the rule's first option, help threshold; oracle\n"
             "rules are refused: they choose with the test rows' labels).  Without labels a\n"
             "label-free criterion of the family is used and named: silhouette (default) or\n"
             "sse for kmeans, bic (default) or aic for gmm, val-loss (the mean held-out\n"
             "score) for neural detectors; other detectors need labels.  Ties go to the\n"
             "configuration listed first.\n\n"
             "The fits (a configuration on a fold) run in parallel on the session's threads\n"
             "(set threads=N, --threads): one fit per thread, each detector's own parallel\n"
             "parts on the threads left over; the neural detectors, parallel inside, fit one\n"
             "after another on every thread.  Every fit draws from its own random stream\n"
             "(configuration, fold), so the leaderboard is the same for any thread count.\n"
             "Ctrl-C stops starting fits and keeps the configurations whose folds all\n"
             "completed (the journal records first=M, which replays to the same\n"
             "leaderboard).  first=M evaluates only the first M configurations.\n\n"
             "examples:\n  search kmeans k=2..8 metric=ap as km_best\n"
             "  search gmm k=1..6 covariance=full,diag folds=3\n"
             "  search iforest trees=50,100,200 samples=64,256 n=4 metric=roc_auc\n"             "  search lof k=5..40:5 metric=f1 rule=contamination:0.02\n"
             "  search lstm window=24,48 hidden=16,32 lr=log(1e-3..1e-2):3 n=4 folds=3 metric=vus-pr",
             OD_GRID_LOG_POINTS, OD_SEARCH_RULE);
}

const od_command cmd_search_entry = {
    .name = "search",
    .usage = "search ALGO PARAM=GRID.. [folds=K] [metric=M] [rule=R[:V]] [n=N] [first=M] [as NAME]",
    .topic = "detectors", .summary = "cross-validated hyperparameter search; the best configuration becomes a run",
    .help = search_help,
    .min_words = 1, .max_words = 3, .opts = NULL, .fn_res = cmd_search, .words = COMPL_DETECTOR,
};
