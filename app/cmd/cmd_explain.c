/* cmd_explain.c - top and explain: which rows a run flagged, and why one of
 * them scored as it did.  The rows and values come from the run layer
 * (od_run_top, od_run_explain in engine/run/explain.c); the explanation
 * itself from the detector's explain entry. */
#include "config.h"
#include "cmd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A cell of frame column j, row i: numbers, times (UTC) or escaped text. */
static const char *frame_cell(const od_frame *f, long j, size_t i, char *buf, size_t n)
{
    if (j < 0) return "-";
    const od_column *col = &f->cols[j];
    if (col->type == OD_COL_TEXT) return col->text[i] ? cmd_escape(col->text[i]) : "NA";
    if (isnan(col->num[i])) return "NA";
    if (col->type == OD_COL_TIME) {
        time_t tt = (time_t)col->num[i];
        struct tm tm;
        gmtime_r(&tt, &tm);
        if (!strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm)) buf[0] = 0;
        return buf;
    }
    snprintf(buf, n, "%s", fmtg(col->num[i], 7));
    return buf;
}

/* ROW: a 1-based row number of r (error at the word otherwise). */
static int row_word(od_session *s, const cmd_line *c, size_t w, const od_run *r, size_t *row)
{
    const char *t = c->words[w].text;
    char *end;
    long v = strtol(t, &end, 10);
    if (end == t || *end || v < 1 || (size_t)v > r->n)
        return cmd_error_at(s, c->words[w].col + s->cur_col0 - 1, "%s: ROW '%s': expected a row number 1..%zu of %s",
                            c->words[0].text, t, r->n, r->name);
    *row = (size_t)v - 1;
    return 0;
}

/* ---- top ---------------------------------------------------------------- */

static int cmd_top(od_session *s, const cmd_line *c)
{
    od_run *r = cmd_run(s, c, 1);
    if (!r) return OD_ENOTFOUND;
    long n = 20;
    int got = cmd_opt_long(s, c, "n", &n);
    if (got < 0) return OD_EINVAL;
    if (got && n < 1) return cmd_error_at(s, cmd_opt_entry(c, "n")->vcol, "top: option n=%ld: expected at least 1", n);
    int part = od_run_default_part(r);
    const cmd_opt *po = cmd_opt_entry(c, "part");
    if (po) {
        static const char *const names[] = { "train", "val", "test", "all" };
        static const int parts[] = { OD_PART_TRAIN, OD_PART_VAL, OD_PART_TEST, OD_PART_ALL };
        size_t k = 0;
        while (k < 4 && strcmp(po->val, names[k])) k++;
        if (k == 4) return cmd_error_at(s, po->vcol, "top: option part=%s: expected train, val, test or all", po->val);
        part = parts[k];
        if (part != OD_PART_ALL && !r->part)
            return cmd_error_at(s, po->vcol, "top: part=%s: the data of %s was not split (split train=0.6 test=0.4 first)",
                                po->val, r->name);
    }
    od_run_top_result t;
    int rc = od_run_top(s->ctx, s->ws, r, (size_t)n, part, &t);
    if (rc) { od_run_top_done(&t); return cmd_fail_opt(s, c, rc, "top"); }
    FILE *fp = s->outfp;
    const od_frame *f = t.view.frame;
    fprintf(fp, "%s: the %zu highest-scoring of %zu scored rows (%s rows", r->name, t.n, t.in_part - t.unscored,
            od_run_part_name(part));
    if (t.unscored) fprintf(fp, "; %zu without a score left out", t.unscored);
    fprintf(fp, ")\n");
    if (r->thr.set) fprintf(fp, "flag: score %s %s [%s]\n", r->thr.strict ? ">" : ">=", fmtg(r->thr.value, 6), r->thr.desc);
    fprintf(fp, "%s\n", t.view.note);
    size_t nc = 0, cap = 6 + t.view.ncols;
    const char **head = od_calloc(s->ctx, cap, sizeof *head);
    if (!head) { od_run_top_done(&t); return cmd_fail(s, OD_ENOMEM); }
    int has_time = t.view.time_col >= 0, has_lab = r->labels != NULL, has_thr = r->thr.set;
    head[nc++] = "rank";
    head[nc++] = "row";
    if (has_time) head[nc++] = "time";
    if (has_lab) head[nc++] = "label";
    head[nc++] = "score";
    if (has_thr) head[nc++] = "flag";
    size_t c0 = nc;
    char **names = od_calloc(s->ctx, t.view.ncols + 1, sizeof *names);
    for (size_t j = 0; names && j < t.view.ncols; j++) head[nc++] = names[j] = cmd_escape_dup(f->cols[t.view.col[j]].name, 0);
    od_table *tb = names ? tbl_new_v(nc, head) : NULL;
    for (size_t j = 0; tb && j < nc; j++) tbl_align(tb, j, j != 2 || !has_time);
    char **cells = od_calloc(s->ctx, nc, sizeof *cells);
    char *mem = od_mallocn(s->ctx, nc, 64);
    for (size_t k = 0; tb && cells && mem && k < t.n; k++) {
        size_t i = t.rows[k], q = 0;
        for (size_t j = 0; j < nc; j++) cells[j] = mem + 64 * j;
        snprintf(cells[q++], 64, "%zu", k + 1);
        snprintf(cells[q++], 64, "%zu", i + 1);
        if (has_time) { char b[64]; snprintf(cells[q], 64, "%s", frame_cell(f, t.view.time_col, i, b, sizeof b)); q++; }
        if (has_lab) { if (r->labels[i] < 0) snprintf(cells[q++], 64, "-"); else snprintf(cells[q++], 64, "%d", r->labels[i]); }
        snprintf(cells[q++], 64, "%s", fmtg(r->scores[i], 6));
        if (has_thr) snprintf(cells[q++], 64, "%s", od_run_flags(r, i) ? "yes" : "no");
        for (size_t j = 0; j < t.view.ncols; j++) {
            char b[64];
            snprintf(cells[c0 + j], 64, "%s", frame_cell(f, (long)t.view.col[j], i, b, sizeof b));
        }
        tbl_row_v(tb, (const char *const *)cells);
    }
    if (tb && cells && mem) tbl_print(tb, fp);
    else rc = cmd_fail(s, OD_ENOMEM);
    tbl_free(tb);
    free(cells);
    free(mem);
    for (size_t j = 0; names && j < t.view.ncols; j++) free(names[j]);
    free(names);
    free(head);
    od_run_top_done(&t);
    return rc;
}

/* ---- explain ------------------------------------------------------------ */

typedef struct {
    double v;
    size_t i;
} rank_item;

static int rank_desc(const void *a, const void *b)
{
    const rank_item *x = a, *y = b;
    if (x->v != y->v) return x->v > y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* indices of v[0..n) by value, largest first (caller frees) */
static size_t *ranked(od_session *s, const double *v, size_t n)
{
    rank_item *it = od_mallocn(s->ctx, n ? n : 1, sizeof *it);
    size_t *idx = od_mallocn(s->ctx, n ? n : 1, sizeof *idx);
    if (!it || !idx) { free(it); free(idx); return NULL; }
    for (size_t i = 0; i < n; i++) it[i] = (rank_item){ isnan(v[i]) ? -INFINITY : v[i], i };
    qsort(it, n, sizeof *it, rank_desc);
    for (size_t i = 0; i < n; i++) idx[i] = it[i].i;
    free(it);
    return idx;
}

#define EXPLAIN_SHOW 20

static int print_features(od_session *s, const od_run *r, const od_run_explanation *e, const od_frame *orig)
{
    FILE *fp = s->outfp;
    const od_explanation *x = &e->ex;
    size_t *idx = ranked(s, x->contrib, x->d);
    if (!idx) return cmd_fail(s, OD_ENOMEM);
    double tot = 0;
    for (size_t j = 0; j < x->d; j++) tot += x->contrib[j];
    /* the same values in original units, when an earlier version of the same
     * rows holds the columns (before scale); not after pca */
    double *ov = orig && e->seen ? od_mallocn(s->ctx, x->d, sizeof *ov) : NULL;
    int with_orig = 0;
    for (size_t j = 0; ov && j < x->d; j++) {
        size_t d = r->ncols, row = e->win0 >= 0 ? (size_t)e->win0 + j / d : e->row;
        long oc = od_frame_find(orig, r->cols[j % d]);
        ov[j] = oc >= 0 && orig->cols[oc].type != OD_COL_TEXT && row < orig->nrow ? orig->cols[oc].num[row] : NAN;
        with_orig |= oc >= 0 && !isnan(ov[j]) && ov[j] != e->seen[j];   /* only when a step changed them */
    }
    const char *head[6];
    size_t nc = 0;
    head[nc++] = "rank";
    head[nc++] = r->type->seq ? "channel" : "feature";
    if (with_orig) head[nc++] = "value";
    if (e->seen) head[nc++] = orig ? "as seen" : "value";
    head[nc++] = r->type->seq ? "error" : "contribution";
    head[nc++] = "share";
    od_table *tb = tbl_new_v(nc, head);
    for (size_t j = 0; j < nc; j++) tbl_align(tb, j, j != 1);
    size_t show = x->d < EXPLAIN_SHOW ? x->d : EXPLAIN_SHOW;
    for (size_t k = 0; k < show; k++) {
        size_t j = idx[k], q = 0;
        char cells[6][64];
        const char *cp[6];
        snprintf(cells[q++], 64, "%zu", k + 1);
        snprintf(cells[q++], 64, "%s", cmd_escape(e->names[j]));
        if (with_orig) snprintf(cells[q++], 64, "%s", isnan(ov[j]) ? "-" : fmtg(ov[j], 7));
        if (e->seen) snprintf(cells[q++], 64, "%s", fmtg(e->seen[j], 7));
        snprintf(cells[q++], 64, "%s", fmtg(x->contrib[j], 6));
        if (tot != 0 && isfinite(tot)) snprintf(cells[q++], 64, "%s%%", fmtg(100 * x->contrib[j] / tot, 3));
        else snprintf(cells[q++], 64, "-");
        for (size_t a = 0; a < nc; a++) cp[a] = cells[a];
        tbl_row_v(tb, cp);
    }
    tbl_print(tb, fp);
    tbl_free(tb);
    if (show < x->d) fprintf(fp, "... %zu more (plot explain %s %zu draws them all)\n", x->d - show, r->name, e->row + 1);
    fprintf(fp, "%s sum to %s%s\n", r->type->seq ? "channel errors" : "contributions", fmtg(tot, 6),
            x->exact ? " (an exact decomposition)" : " (a ranking, not a decomposition of the score)");
    free(idx);
    free(ov);
    return 0;
}

static void print_neighbours(od_session *s, const od_run_explanation *e)
{
    FILE *fp = s->outfp;
    fprintf(fp, "nearest %s:", e->win0 >= 0 ? "training windows (first row)" : "training rows");
    for (size_t a = 0; a < e->ex.nnb; a++) {
        if (e->nb_row[a] >= 0) fprintf(fp, " row %ld", e->nb_row[a] + 1);
        else fprintf(fp, " (a training row not in this version)");
        fprintf(fp, " at %s%s", fmtg(e->ex.nb_dist[a], 5), a + 1 < e->ex.nnb ? "," : "\n");
    }
}

static int print_steps(od_session *s, const od_run *r, const od_run_explanation *e)
{
    FILE *fp = s->outfp;
    const od_explanation *x = &e->ex;
    double *tot = od_calloc(s->ctx, x->steps + 1, sizeof *tot);
    if (!tot) return cmd_fail(s, OD_ENOMEM);
    for (size_t t = 0; t < x->steps; t++)
        for (size_t ch = 0; ch < x->chans; ch++) tot[t] += x->err[t * x->chans + ch];
    size_t *idx = ranked(s, tot, x->steps);
    if (!idx) { free(tot); return cmd_fail(s, OD_ENOMEM); }
    size_t show = x->steps < 10 ? x->steps : 10;
    fprintf(fp, "the %zu largest of %zu step errors (rows %ld..%ld):\n", show, x->steps, x->step0 + 1, x->step0 + (long)x->steps);
    size_t nc = 3 + (x->chans > 1 ? x->chans : 2);
    const char **head = od_calloc(s->ctx, nc, sizeof *head);
    char **hn = od_calloc(s->ctx, nc, sizeof *hn);
    if (!head || !hn) { free(head); free(hn); free(idx); free(tot); return cmd_fail(s, OD_ENOMEM); }
    size_t q = 0;
    head[q++] = "rank";
    head[q++] = "row";
    head[q++] = "error";
    if (x->chans > 1)
        for (size_t ch = 0; ch < x->chans; ch++) head[q++] = hn[ch] = cmd_escape_dup(e->names[ch], 0);
    else {
        head[q++] = "value (z)";
        head[q++] = r->type && od_params_is(r->p, "mode", "reconstruct") ? "reconstruction (z)" : "forecast (z)";
    }
    od_table *tb = tbl_new_v(nc, head);
    for (size_t j = 0; j < nc; j++) tbl_align(tb, j, 1);
    char (*cells)[64] = od_calloc(s->ctx, nc, 64);
    const char **cp = od_calloc(s->ctx, nc, sizeof *cp);
    for (size_t k = 0; cells && cp && k < show; k++) {
        size_t t = idx[k];
        q = 0;
        snprintf(cells[q++], 64, "%zu", k + 1);
        snprintf(cells[q++], 64, "%ld%s", x->step0 + (long)t + 1, (size_t)x->step0 + t == e->row ? " *" : "");
        snprintf(cells[q++], 64, "%s", fmtg(tot[t], 5));
        if (x->chans > 1)
            for (size_t ch = 0; ch < x->chans; ch++) snprintf(cells[q++], 64, "%s", fmtg(x->err[t * x->chans + ch], 4));
        else {
            snprintf(cells[q++], 64, "%s", fmtg(x->target[t], 5));
            snprintf(cells[q++], 64, "%s", fmtg(x->pred[t], 5));
        }
        for (size_t j = 0; j < nc; j++) cp[j] = cells[j];
        tbl_row_v(tb, cp);
    }
    tbl_print(tb, fp);
    tbl_free(tb);
    fprintf(fp, "(* the row explained; plot explain %s %zu draws the window)\n", r->name, e->row + 1);
    for (size_t ch = 0; ch < x->chans; ch++) free(hn[ch]);
    free(hn);
    free(head);
    free(cells);
    free(cp);
    free(idx);
    free(tot);
    return 0;
}

static int cmd_explain(od_session *s, const cmd_line *c)
{
    od_run *r = cmd_run(s, c, 1);
    if (!r) return OD_ENOTFOUND;
    size_t row = 0;
    if (row_word(s, c, 2, r, &row)) return OD_EINVAL;
    od_run_explanation e;
    int rc = od_run_explain(s->ctx, s->ws, r, row, &e);
    if (rc) return cmd_fail(s, rc);
    FILE *fp = s->outfp;
    fprintf(fp, "%s row %zu: score %s", r->name, row + 1, fmtg(e.score, 6));
    if (r->thr.set) fprintf(fp, " (%s: score %s %s)", od_run_flags(r, row) ? "flagged" : "not flagged",
                            r->thr.strict ? ">" : ">=", fmtg(r->thr.value, 6));
    if (r->labels) fprintf(fp, ", label %s", r->labels[row] < 0 ? "-" : r->labels[row] ? "1" : "0");
    fputc('\n', fp);
    fprintf(fp, "method: %s\n", e.ex.method);
    if (e.win0 >= 0) fprintf(fp, "the window of rows %ld..%zu (the highest-scoring window covering row %zu)\n", e.win0 + 1,
                             (size_t)e.win0 + e.win_len, row + 1);
    /* original units, when an earlier version of the same rows holds the columns */
    od_run_view v;
    const od_frame *orig = NULL;
    if (od_run_view_get(s->ctx, s->ws, r, &v) == OD_OK) {
        od_dataset *d = od_ws_dataset(s->ws, r->dataset);
        if (d && v.frame != d->v[r->dataset_version - 1].frame) orig = v.frame;
    }
    od_run_view_done(&v);
    if (e.ex.steps) rc = print_steps(s, r, &e);
    if (!rc && e.ex.contrib && (!e.ex.steps || e.ex.chans > 1)) rc = print_features(s, r, &e, orig);
    if (!rc && e.ex.nnb) print_neighbours(s, &e);
    od_run_explanation_done(&e);
    return rc;
}

static const cmd_optspec top_opts[] = {
    { "n", NULL, COMPL_NONE, "rows to show (default 20)" },
    { "part", "train|val|test|all", COMPL_NONE, "rows to rank (default: test when split, else all)" },
    { NULL, NULL, COMPL_NONE, NULL }
};

const od_command cmd_top_entry = {
    .name = "top", .usage = "top RUN [n=20] [part=train|val|test|all]", .topic = "evaluate",
    .summary = "the highest-scoring rows with their values in original units",
    .help = "Lists the n highest-scoring rows of a part (ties: the lower row first) with their\n"
            "row number, time (when the data has a time column), label (when it has one),\n"
            "score, threshold decision (when a threshold is set) and the columns the detector\n"
            "saw, in original units: the values of the earliest version of the dataset that\n"
            "still has the same rows (before scale; after pca, the original feature columns,\n"
            "and a note says so).  Windowed and sequence runs list points.  Text from the data\n"
            "is escaped.\n\n"
            "examples:\n  top km\n  top km n=5 part=all",
    .min_words = 1, .max_words = 1, .opts = top_opts, .fn = cmd_top, .words = COMPL_RUN,
};

static const cmd_optspec explain_opts[] = { { NULL, NULL, COMPL_NONE, NULL } };

const od_command cmd_explain_entry = {
    .name = "explain", .usage = "explain RUN ROW", .topic = "evaluate",
    .summary = "why one row scored as it did",
    .help = "Asks the run's detector why row ROW (1-based, as in top) scored as it did; the\n"
            "first line names the method:\n"
            "  kmeans, hclust   per-feature share of the squared distance to the centre\n"
            "  gmm, gauss       terms z_j (Sigma^-1 z)_j of the squared Mahalanobis distance\n"
            "                   (z = x - mean; they sum to it; gmm: the most responsible component)\n"
            "  kde, dbscan,     the nearest training rows (dbscan: core points) with their\n"
            "  knn, lof         distances, and the per-feature share of the squared distances\n"
            "  iforest          depth-weighted split counts: each split on the row's path\n"
            "                   credits its feature with 1 / that tree's path length\n"
            "  hbos, ecod, pca  the per-feature terms the score sums (exact)\n"
            "  tsn cnn lstm     per-step, per-channel squared errors (z-score units) of the\n"
            "  gru attn         window's reconstruction or of one-step-ahead forecasts\n"
            "A windowed run explains the highest-scoring window covering the row (features\n"
            "COL@ROW).  A row without a score (warm-up) is an error.  plot explain RUN ROW\n"
            "draws it.\n\n"
            "examples:\n  explain km 301\n  explain lstm 1200",
    .min_words = 2, .max_words = 2, .opts = explain_opts, .fn = cmd_explain, .words = COMPL_RUN,
};
