/* cmd_search.c - `search DETECTOR PARAM=GRID ...`: cross-validated
 * hyperparameter search (engine/run/search.h); prints the leaderboard and
 * makes the best configuration, refitted on the training rows, a run. */
#include "config.h"
#include "cmd.h"

#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SHOW_ROWS = 20 };

/* The options of search itself; every other option is a grid axis. */
static const char *const search_keys[] = { "folds", "metric", "rule", "n", "first", "as", "force", NULL };

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

/* The part file of search `name` for shard I of N: NAME.part-I-of-N in
 * --out-dir or the current directory (in safe mode: the output directory). */
static char *part_name(od_session *s, const char *name, size_t I, size_t N)
{
    const char *dir = s->safe.on ? NULL : s->shard_dir;
    size_t cap = strlen(name) + (dir ? strlen(dir) : 0) + 64;
    char *p = od_malloc(s->ctx, cap);
    if (p) snprintf(p, cap, "%s%s%s.part-%zu-of-%zu", dir ? dir : "", dir ? "/" : "", name, I, N);
    return p;
}

/* Did this session write the file `path` (as cmd_out_path names it)? */
static int written_before(od_session *s, const char *path)
{
    char *full = s->safe.on ? NULL : cmd_resolve_path(s, path);
    char *dir = full ? cmd_dir_of(full) : NULL, *cdir = dir ? realpath(dir, NULL) : NULL;
    const char *slash = full ? strrchr(full, '/') : NULL;
    int hit = 0;
    if (cdir) {
        size_t l = strlen(cdir) + strlen(full) + 2;
        char *canon = malloc(l);
        if (canon) {
            snprintf(canon, l, "%s/%s", strcmp(cdir, "/") ? cdir : "", slash ? slash + 1 : full);
            for (size_t i = 0; i < s->nwritten && !hit; i++) hit = !strcmp(s->written[i], canon);
        }
        free(canon);
    }
    free(cdir);
    free(dir);
    free(full);
    return hit;
}

/* A shard of the search: write its part; no run. */
static int write_part(od_session *s, const cmd_line *c, od_search *S, const od_search_opts *o, const char *nm)
{
    size_t units = 0, ran = 0, K = S->nfolds;
    for (size_t i = 0; i < S->nrows; i++)
        for (size_t j = 0; j < K; j++) {
            units += (i * K + j) % o->nshards == o->shard - 1;
            ran += S->rows[i].ran[j];
        }
    char *text = od_search_part_text(s->ctx, S);
    char *want = text ? part_name(s, nm, o->shard, o->nshards) : NULL;
    if (want && written_before(s, want)) {   /* two searches of one script under one name */
        cmd_error_at(s, 0, "search: %s was written by an earlier search of this session: give each search its own name "
                     "(as NAME)", cmd_escape(want));
        free(text);
        free(want);
        return OD_EINVAL;
    }
    char *path = want ? cmd_out_path(s, c, "search", want, 0) : NULL;
    int rc = text && want ? (path ? 0 : OD_EIO) : cmd_fail(s, OD_ENOMEM);
    cmd_outfile of;
    if (!rc && !(rc = cmd_outfile_open(s, &of, "search", path))) {
        fputs(text, of.fp);
        rc = cmd_outfile_commit(s, &of);
    }
    if (!rc) {
        s->shard_wrote = 1;
        fprintf(s->outfp, "search %s: shard %zu of %zu: %zu of %zu work units (configurations x folds, round-robin) -> %s\n",
                S->detector, o->shard, o->nshards, ran, S->nrows * K, want);
        if (S->interrupted)
            fprintf(s->outfp, "interrupted: %zu of this shard's %zu units ran; the part keeps them (the merge keeps the "
                    "configurations every shard completed)\n", ran, units);
    }
    free(text);
    free(want);
    free(path);
    return rc;
}

/* Print the leaderboard of S and make its best configuration run `nm`. */
static int report(od_session *s, const cmd_line *c, cmd_result *res, od_dataset *d, const od_detector_type *t, od_search *S,
                  const char *nm, int journal_first)
{
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
    int rc;
    if ((rc = best_run(s, d, t, S, nm, &r))) { od_search_free(S); return rc; }
    cmd_run_summary(s, r);
    if (interrupted && journal_first) {
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

/* Read the parts (paths; a word with * ? [ is a pattern) and merge them. */
static int merge_parts(od_session *s, const cmd_line *c, od_dataset *d, const od_search_spec *want_spec, char **paths,
                       size_t np, const int *cols, od_search **out)
{
    char **names = NULL, **texts = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < np && !rc; i++) {
        glob_t gl = {0};
        int pattern = strpbrk(paths[i], "*?[") != NULL;
        if (pattern) {
            char *full = cmd_resolve_path(s, paths[i]);
            int g = full ? glob(full, 0, NULL, &gl) : GLOB_NOSPACE;
            free(full);
            if (g) {
                globfree(&gl);
                rc = g == GLOB_NOMATCH ? cmd_error_at(s, cols[i], "search merge: no file matches %s", cmd_escape(paths[i]))
                                       : cmd_fail(s, OD_ENOMEM);
                break;
            }
        }
        size_t m = pattern ? gl.gl_pathc : 1;
        for (size_t k = 0; k < m && !rc; k++) {
            const char *want = pattern ? gl.gl_pathv[k] : paths[i];
            if (n == cap) {
                size_t nc = cap ? 2 * cap : 8;
                char **a = realloc(names, nc * sizeof *a), **b2 = a ? realloc(texts, nc * sizeof *b2) : NULL;
                if (a) names = a;
                if (b2) texts = b2;
                if (!a || !b2) { rc = cmd_fail(s, OD_ENOMEM); break; }
                cap = nc;
            }
            char *path = cmd_in_path(s, c, "search merge", want, cols[i]);
            if (!path) { rc = OD_EIO; break; }
            FILE *fp = fopen(path, "rb");
            char *buf = NULL;
            size_t len = 0;
            if (fp) {
                size_t bcap = 0, got;
                do {
                    if (len + 4096 + 1 > bcap) {
                        bcap = 2 * bcap + 8192;
                        char *nb = realloc(buf, bcap);
                        if (!nb) { free(buf); buf = NULL; break; }
                        buf = nb;
                    }
                    got = fread(buf + len, 1, bcap - len - 1, fp);
                    len += got;
                } while (got > 0);
                if (buf) buf[len] = 0;
                int e = ferror(fp);
                fclose(fp);
                if (e) { free(buf); buf = NULL; errno = EIO; }
            }
            if (!buf || memchr(buf, 0, len)) {
                rc = cmd_error_at(s, cols[i], "search merge: cannot read %s: %s", cmd_escape(want),
                                  buf ? "not a text file" : strerror(errno));
                free(buf);
                free(path);
                break;
            }
            free(path);
            names[n] = strdup(want);
            texts[n] = buf;
            if (!names[n]) { free(buf); rc = cmd_fail(s, OD_ENOMEM); break; }
            n++;
        }
        if (pattern) globfree(&gl);
    }
    if (!rc) {
        rc = od_search_merge(s->ctx, d, want_spec, (const char *const *)names, (const char *const *)texts, n, out);
        if (rc) rc = cmd_fail_opt(s, c, rc, "search merge");
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
        free(texts[i]);
    }
    free(names);
    free(texts);
    return rc;
}

/* search merge PART... [as NAME] */
static int cmd_search_merge(od_session *s, const cmd_line *c, cmd_result *res)
{
    for (size_t i = 0; i < c->nopts; i++)
        if (strcmp(c->opts[i].key, "as"))
            return cmd_error_at(s, c->opts[i].col, "search merge: unexpected option '%s' (usage: search merge PART.. [as NAME])",
                                c->opts[i].key);
    size_t np = 0;
    while (2 + np < c->nwords && !(!strcmp(c->words[2 + np].text, "as") && !c->words[2 + np].quoted)) np++;
    if (!np) return cmd_error_at(s, c->words[1].col, "search merge: expected the part files (NAME.part-I-of-N ...)");
    int bad;
    const char *nm = cmd_as_name(s, c, 2 + np, &bad);
    if (bad) return bad;
    od_dataset *d = cmd_dataset(s);
    if (!d) return OD_ESTATE;
    char **paths = od_mallocn(s->ctx, np, sizeof *paths);
    int *cols = od_mallocn(s->ctx, np, sizeof *cols);
    if (!paths || !cols) { free(paths); free(cols); return cmd_fail(s, OD_ENOMEM); }
    for (size_t i = 0; i < np; i++) {
        paths[i] = (char *)c->words[2 + i].text;
        cols[i] = c->words[2 + i].col;
    }
    od_search *S = NULL;
    int rc = merge_parts(s, c, d, NULL, paths, np, cols, &S);
    free(paths);
    free(cols);
    if (rc) return rc;
    const od_detector_type *t = od_detector_find(S->detector);
    char defname[64];
    snprintf(defname, sizeof defname, "%s_best", t->name);
    return report(s, c, res, d, t, S, nm ? nm : defname, 0);
}

static int cmd_search(od_session *s, const cmd_line *c, cmd_result *res)
{
    if (!strcmp(c->words[1].text, "merge") && !c->words[1].quoted) return cmd_search_merge(s, c, res);
    const od_detector_type *t = od_detector_find(c->words[1].text);
    if (!t) {
        char list[512] = "";
        for (size_t i = 0; i < od_detector_count(); i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", od_detector_at(i)->name);
        return cmd_error_at(s, c->words[1].col, "search: no detector named '%s' (detectors: %s; or: search merge PART..)",
                            c->words[1].text, list);
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
    if (!rc && s->merge_n) {   /* --merge-shards=N: this search's N parts */
        size_t N = s->merge_n;
        char **paths = od_calloc(s->ctx, N, sizeof *paths);
        int *cols = od_calloc(s->ctx, N, sizeof *cols);
        rc = paths && cols ? 0 : cmd_fail(s, OD_ENOMEM);
        for (size_t i = 0; i < N && !rc; i++)
            if (!(paths[i] = part_name(s, nm, i + 1, N))) rc = cmd_fail(s, OD_ENOMEM);
        od_search_spec spec = { .t = t, .g = &g, .o = &o };   /* the parts must be of this very search */
        if (!rc) rc = merge_parts(s, c, d, &spec, paths, N, cols, &S);
        for (size_t i = 0; paths && i < N; i++) free(paths[i]);
        free(paths);
        free(cols);
        od_grid_done(&g);
        if (rc) return rc;
        return report(s, c, res, d, t, S, nm, 1);
    }
    if (!rc && s->shard_n) {
        o.shard = s->shard_i;
        o.nshards = s->shard_n;
    }
    if (!rc && (rc = od_search_run(s->ctx, d, t, &g, &o, &S))) rc = cmd_fail_opt(s, c, rc, "search");
    od_grid_done(&g);
    if (rc) return rc;
    if (s->shard_n) {
        rc = write_part(s, c, S, &o, nm);
        od_search_free(S);
        res->journal = CMD_JOURNAL_NOTHING;
        return rc;
    }
    return report(s, c, res, d, t, S, nm, 1);
}

static char search_help[6144];

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
             "Sharded (README: Scaling out): `oddity -f SCRIPT --shard=I/N` runs, for\n"
             "every search of SCRIPT, only shard I of its work units (the\n"
             "configuration x fold pairs in order, dealt round-robin: unit u goes to shard\n"
             "u mod N + 1) and writes them to NAME.part-I-of-N (in --out-dir=DIR or the\n"
             "current directory; an existing part is replaced only with force=yes); it makes\n"
             "no run, and skips the later lines that would use one.  `search merge PART..\n"
             "[as NAME]` (files or a pattern, after the same lines and seed as the shards)\n"
             "or `oddity -f SCRIPT --merge-shards=N` merges the N parts into the leaderboard\n"
             "and best run of one process, bit for bit; it refuses a missing or repeated\n"
             "shard and parts of another search (detector, options, grid, seed or data),\n"
             "naming the file.  An interrupted shard keeps the units that ran; the merge\n"
             "keeps the configurations every shard completed.\n\n"
             "examples:\n  search kmeans k=2..8 metric=ap as km_best\n"
             "  search gmm k=1..6 covariance=full,diag folds=3\n"
             "  search iforest trees=50,100,200 samples=64,256 n=4 metric=roc_auc\n"
             "  search lof k=5..40:5 metric=f1 rule=contamination:0.02\n"
             "  search lstm window=24,48 hidden=16,32 lr=log(1e-3..1e-2):3 n=4 folds=3 metric=vus-pr\n"
             "  search merge km.part-*-of-4 as km_best",
             OD_GRID_LOG_POINTS, OD_SEARCH_RULE);
}

const od_command cmd_search_entry = {
    .name = "search",
    .usage = "search ALGO PARAM=GRID.. [folds=K] [metric=M] [rule=R[:V]] [n=N] [first=M] [as NAME] | search merge PART.. [as NAME]",
    .topic = "detectors", .summary = "cross-validated hyperparameter search; the best configuration becomes a run",
    .help = search_help,
    .min_words = 1, .max_words = -1, .opts = NULL, .fn_res = cmd_search, .words = COMPL_DETECTOR,
};
