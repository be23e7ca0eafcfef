/* cmd_eval.c - metrics, compare, export metrics|leaderboard, and the helpers
 * the run commands share (on=, run lists, errors that point at an option).
 * The metrics and their order are the run layer's metric table
 * (engine/run/metric.c): `metrics` prints its entries, `compare` shows the
 * entries with a title as columns and sorts by any key, `export metrics`
 * writes one column per key. */
#include "config.h"
#include "cmd.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared helpers --------------------------------------------------- */

const char *cmd_metric_str(const od_metric *m)
{
    return m->defined ? fmtg(m->value, 4) : "undef";
}

const char *cmd_part_name(int part)
{
    return od_run_part_name(part);
}

int cmd_parse_on(od_session *s, const cmd_line *c, const od_run *r, int *part)
{
    const cmd_opt *o = cmd_opt_entry(c, "on");
    if (!o) { *part = od_run_default_part(r); return 0; }
    if (od_part_parse(s->ctx, o->val, part) || od_run_check_part(s->ctx, r, *part)) {
        int e = cmd_error_at(s, o->vcol, "%s", od_ctx_errmsg(s->ctx));
        od_ctx_clear_error(s->ctx);
        return e;
    }
    return 0;
}

size_t cmd_run_part(const od_run *r, int part, double **sc, int **lab)
{
    size_t k = od_run_part(NULL, r, part, sc, lab);
    return k == (size_t)-1 ? 0 : k;
}

/* The column of the option a message is about: "KEY=..." at its start,
 * "option KEY=..." or "unknown option 'KEY'"; 0 when none. */
static int option_col(const cmd_line *c, const char *m)
{
    for (size_t i = 0; i < c->nopts; i++) {
        const char *k = c->opts[i].key;
        size_t kl = strlen(k);
        if (!strncmp(m, k, kl) && m[kl] == '=') return c->opts[i].vcol;
        if (!strncmp(m, "option ", 7) && !strncmp(m + 7, k, kl) && m[7 + kl] == '=') return c->opts[i].col;
        if (!strncmp(m, "unknown option '", 16) && !strncmp(m + 16, k, kl) && m[16 + kl] == '\'') return c->opts[i].col;
    }
    return 0;
}

int cmd_fail_opt(od_session *s, const cmd_line *c, int rc, const char *prefix)
{
    const char *m = od_ctx_errmsg(s->ctx);
    if (!*m) m = od_strerror(rc);
    int e = cmd_error_at(s, option_col(c, m), "%s: %s", prefix, m);
    od_ctx_clear_error(s->ctx);
    return rc ? rc : e;
}

od_run **cmd_runs_of(od_session *s, const cmd_line *c, size_t first, size_t *nr)
{
    size_t given = c->nwords > first ? c->nwords - first : 0, n = given ? given : s->ws->nruns;
    *nr = 0;
    if (!n) return NULL;
    od_run **runs = od_mallocn(s->ctx, n, sizeof *runs);
    *nr = n;
    if (!runs) { cmd_fail(s, OD_ENOMEM); return NULL; }
    for (size_t k = 0; k < n; k++)
        if (!(runs[k] = given ? cmd_run(s, c, first + k) : s->ws->runs[k])) { free(runs); return NULL; }
    return runs;
}

/* alpha=, cardinality=, bias= of the range-based metrics. */
static int eval_options(od_session *s, const cmd_line *c, od_eval_opts *o)
{
    od_eval_opts_init(o);
    for (size_t i = 0; i < c->nopts; i++)
        if (od_eval_opts_set(s->ctx, o, c->opts[i].key, c->opts[i].val)) return cmd_fail_opt(s, c, OD_EINVAL, c->words[0].text);
    return 0;
}

/* ---- metrics ---------------------------------------------------------- */

static void print_metric_line(od_session *s, const od_metric *m, int width)
{
    if (m->defined) fprintf(s->outfp, "  %-*s %s\n", width, m->name, fmtg(m->value, 6));
    else fprintf(s->outfp, "  %-*s undefined: %s\n", width, m->name, m->reason);
}

/* The entries of the metric table with exactly these needs, in order. */
static void print_group(od_session *s, const od_run_eval *ev, unsigned needs, int width)
{
    for (size_t i = 0; i < od_nmetric_defs; i++)   /* long names (range metrics with options) widen the column */
        if (od_metric_defs[i].needs == needs) {
            od_metric m = od_run_metric(ev, &od_metric_defs[i]);
            if ((int)strlen(m.name) > width) width = (int)strlen(m.name);
        }
    for (size_t i = 0; i < od_nmetric_defs; i++) {
        const od_metric_def *d = &od_metric_defs[i];
        if (d->needs != needs) continue;
        od_metric m = od_run_metric(ev, d);
        if (!strcmp(d->key, "best_f1") && m.defined)
            fprintf(s->outfp, "  %-*s %s at score >= %s\n", width, m.name, fmtg(m.value, 6), fmtg(ev->bestf1_t, 6));
        else print_metric_line(s, &m, width);
    }
}

static void print_confusion(od_session *s, const od_run *r, const od_run_eval *ev)
{
    FILE *fp = s->outfp;
    fprintf(fp, "threshold: %s  (flag when score %s threshold%s)\n", r->thr.desc ? r->thr.desc : "",
            r->thr.strict ? ">" : ">=", r->thr.oracle ? "; an ORACLE: chosen with the labels" : "");
    fprintf(fp, "                 predicted normal  predicted anomaly\n");
    fprintf(fp, "  normal         %16zu  %17zu\n", ev->cm.tn, ev->cm.fp);
    fprintf(fp, "  anomalous      %16zu  %17zu\n", ev->cm.fn, ev->cm.tp);
}

static void print_series(od_session *s, const od_run_eval *ev)
{
    fprintf(s->outfp, "time series (%zu scored rows in time order):\n", ev->ts_rows);
    if (!ev->ts_ok) {
        fprintf(s->outfp, "  (time-series metrics unavailable: %s)\n", ev->ts_err);
        return;
    }
    int w = 34;   /* one column for both groups, as wide as the longest name */
    for (size_t i = 0; i < od_nmetric_defs; i++)
        if (od_metric_defs[i].needs & OD_NEEDS_SERIES && (ev->has_thr || !(od_metric_defs[i].needs & OD_NEEDS_THRESHOLD))) {
            od_metric m = od_run_metric(ev, &od_metric_defs[i]);
            if ((int)strlen(m.name) > w) w = (int)strlen(m.name);
        }
    if (ev->has_thr) {
        fprintf(s->outfp, "  events: %zu labelled, %zu detected; %zu flagged ranges\n", ev->events, ev->events_hit, ev->pred_ranges);
        print_group(s, ev, OD_NEEDS_THRESHOLD | OD_NEEDS_SERIES, w);
    }
    print_group(s, ev, OD_NEEDS_SERIES, w);
}

static int cmd_metrics(od_session *s, const cmd_line *c)
{
    od_run *r = cmd_run(s, c, 1);
    if (!r) return OD_ENOTFOUND;
    int part;
    if (cmd_parse_on(s, c, r, &part)) return OD_EINVAL;
    od_run_eval ev;
    od_eval_opts eo;
    if (eval_options(s, c, &eo)) return OD_EINVAL;
    int rc = od_run_eval_part(s->ctx, r, part, &eo, &ev);
    if (rc) return cmd_fail_opt(s, c, rc, "metrics");
    FILE *fp = s->outfp;
    char why[200];
    od_run_unscored(r, why, sizeof why);
    fprintf(fp, "%s on %s vs %s: %zu rows (%zu anomalous, %zu normal)", r->name, od_run_part_name(part), od_labels_desc(ev.labels),
            ev.used, ev.pos, ev.neg);
    if (ev.nan) fprintf(fp, "; %zu rows without a score left out%s%s%s", ev.nan, *why ? " (" : "", why, *why ? ")" : "");
    if (ev.unlabelled) fprintf(fp, "; %zu unlabelled rows left out", ev.unlabelled);
    fputc('\n', fp);
    if (ev.has_thr) {
        print_confusion(s, r, &ev);
        print_group(s, &ev, OD_NEEDS_THRESHOLD, 18);
    } else {
        fprintf(fp, "no threshold set (threshold %s method=percentile q=98, or method=best-f1 ...)\n", r->name);
    }
    fprintf(fp, "threshold-free:\n");
    print_group(s, &ev, 0, 18);
    if (ev.series) print_series(s, &ev);
    return 0;
}

/* ---- compare ---------------------------------------------------------- */

typedef struct {
    od_run *run;
    od_run_eval ev;
    double key;
    size_t idx;        /* position in the list: ties keep it */
} cmp_row;

static int sort_key(od_session *s, const cmd_line *c, const od_metric_def **def)
{
    const char *sort = cmd_optval(c, "sort");
    *def = NULL;
    if (!sort || !strcmp(sort, "name")) {
        if (!sort) *def = od_metric_def_find("ap");
        return 0;
    }
    if ((*def = od_metric_def_find(sort))) return 0;
    char list[512];
    size_t l = 0;
    for (size_t i = 0; i < od_nmetric_defs && l < sizeof list; i++)
        l += (size_t)snprintf(list + l, sizeof list - l, "%s, ", od_metric_defs[i].key);
    return cmd_error_at(s, cmd_opt_entry(c, "sort")->vcol, "compare: sort=%s: expected %sor name", sort, list);
}

static int by_key(const void *a, const void *b)
{
    const cmp_row *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? 1 : -1;   /* descending; ties keep the list order */
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int by_name(const void *a, const void *b)
{
    const cmp_row *x = a, *y = b;
    int d = strcmp(x->run->name, y->run->name);
    return d ? d : x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The compare columns: the metric table's, then the sort key and the
 * range-based F1 when asked for (their titles carry their parameters). */
static size_t compare_columns(const od_metric_def *key, int series, int range, const od_metric_def **cols)
{
    size_t n = 0;
    for (int rank = 1; rank < 24; rank++)
        for (size_t i = 0; i < od_nmetric_defs; i++) {
            const od_metric_def *d = &od_metric_defs[i];
            if (d->column == rank && (!(d->needs & OD_NEEDS_SERIES) || series)) cols[n++] = d;
        }
    if (key && !key->column) cols[n++] = key;
    const od_metric_def *rf = od_metric_def_find("range_f1");
    if (range && series && key != rf) cols[n++] = rf;
    return n;
}

/* A column's title: the table's, or for an extra column the name of its
 * first defined value (e.g. "range-F1(a=0.2,gamma=one,bias=flat)"). */
static void column_title(const od_metric_def *d, const cmp_row *rows, size_t nr, char *buf, size_t n)
{
    snprintf(buf, n, "%s", d->column ? d->title : d->key);
    for (size_t q = 0; !d->column && q < nr; q++) {
        od_metric m = od_run_metric(&rows[q].ev, d);
        if (m.defined) { snprintf(buf, n, "%s", m.name); return; }
    }
}

static void compare_cells(od_session *s, const cmp_row *row, const od_metric_def **cols, size_t ncols, char (*cells)[48],
                          const char **out)
{
    const od_run *r = row->run;
    size_t k = 0;
    out[k++] = r->name;
    if (r->dataset_version > 1) snprintf(cells[k], sizeof cells[k], "%s v%zu", r->dataset, r->dataset_version);
    else snprintf(cells[k], sizeof cells[k], "%s", r->dataset);
    out[k] = cells[k], k++;
    out[k++] = od_run_part_name(row->ev.part);
    snprintf(cells[k], sizeof cells[k], "%zu", row->ev.used);
    out[k] = cells[k], k++;
    for (size_t j = 0; j < ncols; j++, k++) {
        od_metric m = od_run_metric(&row->ev, cols[j]);
        unsigned nd = cols[j]->needs;
        int na = (nd & OD_NEEDS_SERIES) ? !m.defined : (nd & OD_NEEDS_THRESHOLD) && !row->ev.has_thr;
        /* a value at an oracle threshold (chosen with the labels) is starred */
        snprintf(cells[k], sizeof cells[k], "%s%s", na ? "-" : cmd_metric_str(&m),
                 !na && (nd & OD_NEEDS_THRESHOLD) && r->thr.oracle ? "*" : "");
        out[k] = cells[k];
    }
    snprintf(cells[k], sizeof cells[k], "%s", s->show_times ? fmtg(r->fit_secs, 3) : "-");
    out[k] = cells[k], k++;
    snprintf(cells[k], sizeof cells[k], "%s", s->show_times ? fmtg(r->score_secs, 3) : "-");
    out[k] = cells[k];
}

static void compare_table(od_session *s, cmp_row *rows, size_t nr, const od_metric_def **cols, size_t ncols)
{
    const char *head[40];
    char titles[32][OD_METRIC_NAME_MAX], cells[40][48];
    size_t nc = 0;
    head[nc++] = "run";
    head[nc++] = "data";
    head[nc++] = "on";
    head[nc++] = "rows";
    for (size_t j = 0; j < ncols; j++) {
        column_title(cols[j], rows, nr, titles[j], sizeof titles[j]);
        head[nc++] = titles[j];
    }
    head[nc++] = "fit s";
    head[nc++] = "score s";
    od_table *t = tbl_new_v(nc, head);
    tbl_align(t, 1, 0);
    tbl_align(t, 2, 0);
    for (size_t q = 0; q < nr; q++) {
        const char *row[40];
        compare_cells(s, &rows[q], cols, ncols, cells, row);
        tbl_row_v(t, row);
    }
    tbl_print(t, s->outfp);
    tbl_free(t);
}

/* Without named runs, compare the runs on the same rows: those of the
 * current dataset (or of the first run when the current one has none)
 * with the same row count.  Returns how many were left out. */
static size_t same_rows(od_session *s, od_run **runs, size_t *nr)
{
    od_dataset *cur = od_ws_current(s->ws);
    const od_run *ref = runs[0];
    for (size_t k = 0; cur && k < *nr; k++)
        if (!strcmp(runs[k]->dataset, cur->name)) { ref = runs[k]; break; }
    const char *ds = ref->dataset;
    size_t n = ref->n, kept = 0;
    for (size_t k = 0; k < *nr; k++)
        if (!strcmp(runs[k]->dataset, ds) && runs[k]->n == n) runs[kept++] = runs[k];
    size_t out = *nr - kept;
    *nr = kept;
    return out;
}

static int compare_rows(od_session *s, const cmd_line *c, od_run **runs, size_t nr, const od_metric_def *key,
                        const od_eval_opts *eo, cmp_row *rows, int *series)
{
    *series = 0;
    for (size_t k = 0; k < nr; k++) {
        int part, rc;
        rows[k].run = runs[k];
        rows[k].idx = k;
        if ((rc = cmd_parse_on(s, c, runs[k], &part))) return rc;
        if ((rc = od_run_eval_part(s->ctx, runs[k], part, eo, &rows[k].ev))) return cmd_fail_opt(s, c, rc, "compare");
        od_metric m = key ? od_run_metric(&rows[k].ev, key) : od_metric_make("", 0);
        rows[k].key = m.defined ? m.value : -INFINITY;
        *series |= rows[k].ev.series;
    }
    return 0;
}

/* What the numbers were measured against: sort order, oracles, rows left out. */
static void compare_notes(od_session *s, const cmd_line *c, const cmp_row *rows, size_t nr, size_t left)
{
    int oracle = 0, kinds = 0;
    for (size_t q = 0; q < nr; q++) {
        oracle |= rows[q].run->thr.set && rows[q].run->thr.oracle;
        kinds |= 1 << rows[q].ev.labels;
    }
    if (kinds == 1 << OD_LABELS_TRUTH || kinds == 1 << OD_LABELS_PSEUDO)
        fprintf(s->outfp, "(measured against the %s)\n", kinds == 1 << OD_LABELS_TRUTH ? "truth (the label column)" : "pseudo-labels");
    else
        for (size_t q = 0; q < nr; q++)
            fprintf(s->outfp, "(%s: measured against the %s)\n", rows[q].run->name, od_labels_desc(rows[q].ev.labels));
    fprintf(s->outfp, "(sorted by %s; rows = scored labelled rows of the part; best-F1 is an oracle that uses the labels; "
                      "@thr = at each run's threshold%s",
            cmd_optval(c, "sort") ? cmd_optval(c, "sort") : "ap", oracle ? ", * = an oracle threshold chosen with the labels" : "");
    if (left) fprintf(s->outfp, "; %zu run%s on other rows left out: name the runs to compare them", left, left == 1 ? "" : "s");
    fprintf(s->outfp, ")\n");
    for (size_t q = 0; q < nr; q++) {
        const od_run_eval *ev = &rows[q].ev;
        char why[200];
        od_run_unscored(rows[q].run, why, sizeof why);
        if (ev->nan) fprintf(s->outfp, "  %s: %zu rows without a score left out%s%s%s\n", rows[q].run->name, ev->nan,
                             *why ? " (" : "", why, *why ? ")" : "");
    }
}

static int cmd_compare(od_session *s, const cmd_line *c)
{
    const od_metric_def *key, *cols[32];
    od_eval_opts eo;
    if (sort_key(s, c, &key) || eval_options(s, c, &eo)) return OD_EINVAL;
    size_t nr, left = 0;
    od_run **runs = cmd_runs_of(s, c, 1, &nr);
    if (!runs && !nr) { fprintf(s->outfp, "no runs yet (try: detect kmeans k=4)\n"); return 0; }
    if (runs && c->nwords <= 1) left = same_rows(s, runs, &nr);
    cmp_row *rows = runs ? od_calloc(s->ctx, nr, sizeof *rows) : NULL;
    int series, rc = runs && !rows ? cmd_fail(s, OD_ENOMEM) : runs ? 0 : OD_ENOTFOUND;
    if (!rc) rc = compare_rows(s, c, runs, nr, key, &eo, rows, &series);
    if (!rc) {
        int range = cmd_opt_entry(c, "alpha") || cmd_opt_entry(c, "bias") || cmd_opt_entry(c, "cardinality");
        qsort(rows, nr, sizeof *rows, key ? by_key : by_name);
        compare_table(s, rows, nr, cols, compare_columns(key, series, range, cols));
        compare_notes(s, c, rows, nr, left);
    }
    free(rows);
    free(runs);
    return rc;
}

/* ---- export metrics | leaderboard ------------------------------------- */

static void export_header(FILE *fp)
{
    fprintf(fp, "run,algo,part,rows,anomalies,scored");
    for (size_t i = 0; i < od_nmetric_defs; i++) fprintf(fp, ",%s", od_metric_defs[i].key);
    fprintf(fp, ",best_f1_threshold,threshold,rule,threshold_oracle,tp,fp,tn,fn,fit_s,score_s\n");
}

static void export_row(FILE *fp, const od_run *r, const od_run_eval *ev)
{
    fprintf(fp, "%s,%s,%s,%zu,%zu,%zu", r->name, r->algo, od_run_part_name(ev->part), ev->rows, ev->pos, ev->rows - ev->nan);
    for (size_t i = 0; i < od_nmetric_defs; i++) {
        od_metric m = od_run_metric(ev, &od_metric_defs[i]);
        fprintf(fp, ",%.17g", m.defined ? m.value : NAN);
    }
    fprintf(fp, ",%.17g", ev->bestf1_t);
    if (ev->has_thr)
        fprintf(fp, ",%.17g,%s,%d,%zu,%zu,%zu,%zu", r->thr.point ? NAN : r->thr.value, r->thr.strict ? ">" : ">=", r->thr.oracle,
                ev->cm.tp, ev->cm.fp, ev->cm.tn, ev->cm.fn);
    else
        fprintf(fp, ",,,,,,,");
    fprintf(fp, ",%.6g,%.6g\n", r->fit_secs, r->score_secs);
}

/* The parts one run is exported on: on= if given, else all and each part. */
static int export_parts(od_session *s, const cmd_line *c, const od_run *r, int *parts)
{
    int np = 0;
    if (cmd_opt_entry(c, "on")) return cmd_parse_on(s, c, r, &parts[0]) ? -1 : 1;
    parts[np++] = OD_PART_ALL;
    for (int p = OD_PART_TRAIN; r->part && p <= OD_PART_TEST; p++) {
        int any = 0;
        for (size_t i = 0; i < r->n && !any; i++) any = r->part[i] == p;
        if (any || p != OD_PART_VAL) parts[np++] = p;
    }
    return np;
}

int cmd_export_eval(od_session *s, const cmd_line *c, const char *what, const char *path)
{
    size_t nr, rows = 0;
    od_run **runs = cmd_runs_of(s, c, 2, &nr);
    if (!runs) return nr ? OD_ENOTFOUND : cmd_error_at(s, 0, "export %s: no runs yet", what);
    char *real = cmd_out_path(s, c, what, path, cmd_opt_entry(c, "to")->vcol);
    cmd_outfile out;
    int rc = real ? cmd_outfile_open(s, &out, what, real) : OD_EINVAL;
    free(real);
    FILE *fp = rc ? NULL : out.fp;
    if (fp) export_header(fp);
    for (size_t k = 0; !rc && k < nr; k++) {
        int parts[4], np = runs[k]->labels || runs[k]->pseudo ? export_parts(s, c, runs[k], parts) : 0;
        if (np < 0) rc = OD_EINVAL;
        for (int q = 0; !rc && q < np; q++, rows++) {
            od_run_eval ev;
            if ((rc = od_run_eval_part(s->ctx, runs[k], parts[q], NULL, &ev))) rc = cmd_fail_opt(s, c, rc, "export");
            else export_row(fp, runs[k], &ev);
        }
    }
    if (fp && rc) cmd_outfile_abort(&out);
    else if (fp) rc = cmd_outfile_commit(s, &out);
    if (!rc) fprintf(s->outfp, "wrote %zu rows (run x part) to %s\n", rows, path);
    free(runs);
    return rc;
}

#define RANGE_OPTS \
    { "alpha", NULL, COMPL_NONE, "range-based recall: weight of finding an event at all, 0..1 (default 0)" }, \
    { "cardinality", "one|reciprocal", COMPL_NONE, "range-based: penalty for an event cut into pieces (default one)" }, \
    { "bias", "flat|front|back|middle", COMPL_NONE, "range-based: which part of an event matters most (default flat)" },
static const cmd_optspec metrics_opts[] = {
    { "on", "train|val|test|all", COMPL_NONE, "rows to evaluate (default: test when split, else all)" },
    { "labels", "truth|pseudo", COMPL_NONE, "measure against the label column or the pseudo-labels (default: truth when there is one)" },
    RANGE_OPTS
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec compare_opts[] = {
    { "on", "train|val|test|all", COMPL_NONE, "rows to evaluate (default: test when split, else all)" },
    { "sort", NULL, COMPL_NONE, "leaderboard order: a metric key (default ap; see help metrics) or name" },
    { "labels", "truth|pseudo", COMPL_NONE, "measure against the label column or the pseudo-labels (default: truth when there is one)" },
    RANGE_OPTS
    { NULL, NULL, COMPL_NONE, NULL }
};

/* The metric table as help text. */
static void metrics_help(FILE *fp)
{
    fprintf(fp, "\nmetrics (key: meaning; [thr] needs a threshold, [series] a time series):\n");
    for (size_t i = 0; i < od_nmetric_defs; i++) {
        const od_metric_def *d = &od_metric_defs[i];
        fprintf(fp, "  %-16s %s%s%s\n", d->key, d->convention, d->needs & OD_NEEDS_THRESHOLD ? " [thr]" : "",
                d->needs & OD_NEEDS_SERIES ? " [series]" : "");
    }
}

const od_command cmd_metrics_entry = {
    .name = "metrics", .usage = "metrics RUN [on=train|val|test|all]", .topic = "evaluate",
    .summary = "confusion matrix and every metric that applies to a run",
    .help = "At the run's threshold (see threshold): the confusion matrix (rule stated) and\n"
            "the point-wise metrics; threshold-free: ranking metrics and the best F1 (an\n"
            "oracle); for series also point-adjusted, event and range-based scores and VUS.\n"
            "Rows without a score (warm-up of sequence models, points after the last full\n"
            "window) are left out and counted with the reason; a metric that cannot be\n"
            "computed says why.\n\n"
            "example:\n  metrics km on=test",
    .help_more = metrics_help,
    .min_words = 1, .max_words = 1, .opts = metrics_opts, .fn = cmd_metrics, .words = COMPL_RUN,
};
const od_command cmd_compare_entry = {
    .name = "compare", .usage = "compare [RUN..] [on=..] [sort=METRIC|name]", .topic = "evaluate",
    .summary = "leaderboard of runs: ROC-AUC, AP, best F1, F1/P/R at threshold, times",
    .help = "Columns: the metrics with a title in the metric table (see help metrics);\n"
            "sort= takes any metric key.\n\n"
            "example:\n  compare\n  compare km gmm on=test sort=roc_auc",
    .min_words = 0, .max_words = -1, .opts = compare_opts, .fn = cmd_compare, .words = COMPL_RUN,
};
