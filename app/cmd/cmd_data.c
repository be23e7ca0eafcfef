/* cmd_data.c - load, datasets, use, describe, head, drop. */
#include "config.h"
#include "cmd.h"
#include "data/load.h"
#include "data/timeparse.h"
#include "run/describe.h"
#include "run/run.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* `as NAME` given either as two words or as as=NAME; returns NULL if absent. */
const char *cmd_as_name(od_session *s, const cmd_line *c, size_t first, int *bad)
{
    *bad = 0;
    const char *nm = cmd_optval(c, "as");
    for (size_t i = first; i < c->nwords; i++) {
        if (!strcmp(c->words[i].text, "as") && !c->words[i].quoted) {
            if (i + 1 >= c->nwords) {
                *bad = cmd_error_at(s, c->words[i].col, "%s: expected a name after 'as'", c->words[0].text);
                return NULL;
            }
            nm = c->words[i + 1].text;
            if (!cmd_is_name(nm)) {
                *bad = cmd_error_at(s, c->words[i + 1].col, "%s: '%s' is not a valid name (letters, digits, _ . -; starting with a letter)",
                                    c->words[0].text, nm);
                return NULL;
            }
            return nm;
        } else if (i >= first) {
            *bad = cmd_error_at(s, c->words[i].col, "%s: unexpected word '%s' (usage: %s)", c->words[0].text,
                                c->words[i].text, cmd_find(c->words[0].text)->usage);
            return NULL;
        }
    }
    if (nm && !cmd_is_name(nm)) {
        *bad = cmd_error_at(s, cmd_opt_entry(c, "as")->vcol, "%s: '%s' is not a valid name", c->words[0].text, nm);
        return NULL;
    }
    return nm;
}

static void default_name(const char *path, char *buf, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t k = 0;
    for (; *b && *b != '.' && k + 1 < n; b++)
        buf[k++] = isalnum((unsigned char)*b) || *b == '_' || *b == '-' ? *b : '_';
    buf[k] = 0;
    if (!k || !(isalpha((unsigned char)buf[0]) || buf[0] == '_')) {
        memmove(buf + 1, buf, k + 1 < n ? k + 1 : n - 1);
        buf[0] = 'd';
    }
}

static void summary_line(od_session *s, const char *name, const od_frame *f)
{
    size_t nf = 0, nt = 0;
    for (size_t j = 0; j < f->ncol; j++) {
        if (f->cols[j].role == OD_ROLE_FEATURE && f->cols[j].type == OD_COL_NUM) nf++;
        if (f->cols[j].role == OD_ROLE_IGNORED) nt++;
    }
    fprintf(s->outfp, "%s: %zu rows x %zu columns (%zu features", name, f->nrow, f->ncol, nf);
    if (nt) fprintf(s->outfp, ", %zu ignored", nt);
    fprintf(s->outfp, ")");
    long l = od_frame_role(f, OD_ROLE_LABEL);
    if (l >= 0) {
        size_t a = 0, m = 0;
        for (size_t i = 0; i < f->nrow; i++) {
            double v = f->cols[l].num[i];
            if (isnan(v)) m++;
            else a += v != 0;
        }
        fprintf(s->outfp, "; label '%s': %zu anomalies (%s%%)", f->cols[l].name, a,
                fmtg(f->nrow ? 100.0 * a / f->nrow : 0, 3));
        if (m) fprintf(s->outfp, ", %zu unlabelled", m);
    } else
        fprintf(s->outfp, "; no label column");
    long t = od_frame_role(f, OD_ROLE_TIME);
    if (t >= 0) fprintf(s->outfp, "; time '%s'", f->cols[t].name);
    fputc('\n', s->outfp);
}

/* The lists of `load` (ignore=, columns=, missing=): one allocation each. */
typedef struct { char **ign, **cols, **na; } load_lists;

static int load_list(od_session *s, const cmd_line *c, const char *key, char ***out, const char *const **to, size_t *n)
{
    const cmd_opt *e = cmd_opt_entry(c, key);
    if (!e) return 0;
    if (!(*out = cmd_list_split(e->val, n))) return cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "load: out of memory"));
    *to = (const char *const *)*out;
    return 0;
}

/* Options of `load` into o; the lists it allocates go to l (freed by the caller). */
static int load_parse(od_session *s, const cmd_line *c, od_csv_opts *o, load_lists *l)
{
    const cmd_opt *e;
    if ((e = cmd_opt_entry(c, "sep"))) {
        const char *v = e->val;
        if (!strcmp(v, "tab") || !strcmp(v, "\\t") || !strcmp(v, "\t")) o->sep = '\t';
        else if (strlen(v) == 1 && strchr(",;|", v[0])) o->sep = v[0];
        else return cmd_error_at(s, e->vcol, "load: sep=%s: expected , ; | or tab", v);
    }
    if ((e = cmd_opt_entry(c, "decimal"))) {
        if (strcmp(e->val, ".") && strcmp(e->val, ",")) return cmd_error_at(s, e->vcol, "load: decimal=%s: expected . or ,", e->val);
        o->decimal = e->val[0];
    }
    o->header = -1;
    if ((e = cmd_opt_entry(c, "header"))) o->header = !strcmp(e->val, "yes") ? 1 : !strcmp(e->val, "no") ? 0 : -1;
    o->label = cmd_optval(c, "label");
    o->time = cmd_optval(c, "time");
    int rc;
    if ((rc = load_list(s, c, "ignore", &l->ign, &o->ignore, &o->nignore))) return rc;
    if ((rc = load_list(s, c, "columns", &l->cols, &o->columns, &o->ncolumns))) return rc;
    return load_list(s, c, "missing", &l->na, &o->na, &o->nna);
}

static int cmd_load(od_session *s, const cmd_line *c)
{
    const char *path = c->words[1].text;
    if (!strcmp(path, "model") && !c->words[1].quoted && c->nwords > 2) return cmd_load_model_words(s, c);
    int bad;
    const char *nm = cmd_as_name(s, c, 2, &bad);
    if (bad) return bad;
    char name[128];
    if (nm) snprintf(name, sizeof name, "%s", nm);
    else default_name(path, name, sizeof name);

    od_csv_opts o = {0};
    load_lists l = {0};
    int rc = load_parse(s, c, &o, &l);
    double t0 = od_now();
    od_frame *f = NULL;
    if (!rc) {
        int err = 0;
        char *real = cmd_in_path(s, c, "load", path, c->words[1].col);   /* --safe: not above the script */
        if (!real) rc = OD_EINVAL;
        else if (!(f = od_data_load(s->ctx, real, &o, &err))) rc = cmd_fail(s, err ? err : OD_EDATA);
        free(real);
    }
    double dt = od_now() - t0;
    free(l.ign);
    free(l.cols);
    free(l.na);
    if (rc) return rc;
    int series = 0;
    if (cmd_opt_bool(s, c, "series", &series) < 0) { od_frame_free(f); return OD_EINVAL; }
    if ((rc = od_ws_add_dataset_donate(s->ctx, s->ws, name, path, f, c->src))) return cmd_fail(s, rc);
    od_ds_top(od_ws_dataset(s->ws, name))->series = series;
    fprintf(s->outfp, "loaded ");
    summary_line(s, name, f);
    if (s->show_times) fprintf(s->outfp, "  read %s in %s s\n", path, fmtg(dt, 3));
    return 0;
}

static int cmd_datasets(od_session *s, const cmd_line *c)
{
    if (!s->ws->nds) { fprintf(s->outfp, "no datasets (try: load sample-data/blobs.csv)\n"); return 0; }
    od_table *t = tbl_new(6, "", "name", "rows", "cols", "version", "source");
    if (!t) return cmd_fail(s, OD_ENOMEM);
    tbl_align(t, 1, 0);
    tbl_align(t, 5, 0);
    for (size_t i = 0; i < s->ws->nds; i++) {
        od_dataset *d = s->ws->ds[i];
        od_version *v = od_ds_top(d);
        char r[32], k[32], ver[32];
        snprintf(r, sizeof r, "%zu", v->frame->nrow);
        snprintf(k, sizeof k, "%zu", v->frame->ncol);
        snprintf(ver, sizeof ver, "%zu", d->nv);
        tbl_row(t, (long)i == s->ws->current ? "*" : "", d->name, r, k, ver, d->path);
    }
    tbl_print(t, s->outfp);
    tbl_free(t);
    return 0;
}

static int cmd_use(od_session *s, const cmd_line *c)
{
    const char *nm = c->words[1].text;
    for (size_t i = 0; i < s->ws->nds; i++)
        if (!strcmp(s->ws->ds[i]->name, nm)) {
            s->ws->current = (long)i;
            fprintf(s->outfp, "using ");
            summary_line(s, nm, od_ds_top(s->ws->ds[i])->frame);
            return 0;
        }
    return cmd_error_at(s, c->words[1].col, "use: no dataset named '%s' (see: datasets)", nm);
}

void cmd_print_lineage(od_session *s, od_dataset *d)
{
    fprintf(s->outfp, "lineage of %s:\n", d->name);
    for (size_t k = 0; k < d->nv; k++) {
        od_version *v = &d->v[k];
        fprintf(s->outfp, "  %zu. %s", k + 1, v->step);
        if (v->frame) fprintf(s->outfp, "  [%zu x %zu]", v->frame->nrow, v->frame->ncol);
        else fprintf(s->outfp, "  [data released]");
        fputc('\n', s->outfp);
    }
    od_version *v = od_ds_top(d);
    if (v->split_desc) fprintf(s->outfp, "  split: %s\n", v->split_desc);
    if (v->win)
        fprintf(s->outfp, "  window: size=%zu stride=%zu%s%s\n", v->win, v->stride, v->wagg ? " agg=" : "",
                v->wagg ? od_wagg_names[v->wagg] : "");
}

static const char *role_name(od_coltype type, od_role role)
{
    switch (role) {
    case OD_ROLE_FEATURE: return type == OD_COL_TEXT ? "text" : "feature";
    case OD_ROLE_LABEL: return "label";
    case OD_ROLE_TIME: return "time";
    default: return "ignored";
    }
}

/* One row of `describe`: timestamps show their quantiles as dates (UTC);
 * their mean and sd mean little and stay blank. */
static void describe_row(od_table *t, const od_col_stats *st)
{
    char n1[32], n2[32], ds[32];
    const char *role = role_name(st->type, st->role);
    snprintf(n1, sizeof n1, "%zu", st->n);
    snprintf(n2, sizeof n2, "%zu", st->missing);
    snprintf(ds, sizeof ds, "%zu", st->distinct);
    if (!st->numeric) {
        tbl_row(t, st->name, role, n1, n2, "", "", "", "", "", "", "", "");
    } else if (st->type == OD_COL_TIME) {
        char q[5][32];
        const double at[5] = { st->min, st->q25, st->median, st->q75, st->max };
        for (int k = 0; k < 5; k++) od_time_format(at[k], q[k], sizeof q[k]);
        tbl_row(t, st->name, role, n1, n2, "", "", q[0], q[1], q[2], q[3], q[4], ds);
    } else {
        tbl_row(t, st->name, role, n1, n2, fmtn(st->mean), fmtn(st->sd), fmtn(st->min), fmtn(st->q25),
                fmtn(st->median), fmtn(st->q75), fmtn(st->max), ds);
    }
}

static int cmd_describe(od_session *s, const cmd_line *c)
{
    od_dataset *d;
    od_version *v = cmd_version(s, &d);
    if (!v) return OD_ESTATE;
    size_t nsel = c->nwords - 1, n, bad = 0;
    const char **sel = od_mallocn(s->ctx, nsel ? nsel : 1, sizeof *sel);
    if (!sel) return cmd_fail(s, OD_ENOMEM);
    for (size_t w = 0; w < nsel; w++) sel[w] = c->words[w + 1].text;
    od_col_stats *st;
    int rc = od_frame_describe(s->ctx, v->frame, sel, nsel, &st, &n, &bad);
    free(sel);
    if (rc == OD_ENOTFOUND) {
        od_ctx_clear_error(s->ctx);
        return cmd_error_at(s, c->words[bad + 1].col, "describe: no column named '%s' in %s", c->words[bad + 1].text, d->name);
    }
    if (rc) return cmd_fail(s, rc);
    od_table *t = tbl_new(12, "column", "role", "n", "missing", "mean", "sd", "min", "q25", "median", "q75", "max", "distinct");
    if (!t) { free(st); return cmd_fail(s, OD_ENOMEM); }
    summary_line(s, d->name, v->frame);
    tbl_align(t, 1, 0);
    for (size_t k = 0; k < n; k++) describe_row(t, &st[k]);
    free(st);
    tbl_print(t, s->outfp);
    tbl_free(t);
    if (d->nv > 1 || v->split_desc || v->win) cmd_print_lineage(s, d);
    return 0;
}

/* The text of one cell of `head`: column 0 is the row number, row -1 the
 * header.  Numbers are formatted into buf. */
static const char *head_cell(const od_frame *f, size_t j, long i, char *buf, size_t n)
{
    if (j == 0) {
        if (i < 0) return "row";
        snprintf(buf, n, "%ld", i + 1);
        return buf;
    }
    const od_column *col = &f->cols[j - 1];
    if (i < 0) return cmd_escape(col->name);   /* text from the data: control characters escaped */
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

static int cmd_head(od_session *s, const cmd_line *c)
{
    od_version *v = cmd_version(s, NULL);
    if (!v) return OD_ESTATE;
    long n = 10;
    if (c->nwords > 1) {
        char *end;
        n = strtol(c->words[1].text, &end, 10);
        if (*end || n < 0) return cmd_error_at(s, c->words[1].col, "head: expected a row count, got '%s'", c->words[1].text);
    }
    const od_frame *f = v->frame;
    if ((size_t)n > f->nrow) n = (long)f->nrow;
    size_t nc = f->ncol + 1;
    size_t *w = od_calloc(s->ctx, nc, sizeof *w);
    if (!w) return cmd_fail(s, OD_ENOMEM);
    char buf[64];
    for (long i = -1; i < n; i++)        /* widths first, then the rows */
        for (size_t j = 0; j < nc; j++) {
            size_t l = strlen(head_cell(f, j, i, buf, sizeof buf));
            if (l > w[j]) w[j] = l;
        }
    for (long i = -1; i < n; i++) {
        for (size_t j = 0; j < nc; j++) fprintf(s->outfp, j ? "  %*s" : "%*s", (int)w[j], head_cell(f, j, i, buf, sizeof buf));
        fputc('\n', s->outfp);
    }
    free(w);
    return 0;
}

static int cmd_drop(od_session *s, const cmd_line *c)
{
    for (size_t i = 1; i < c->nwords; i++) {
        const char *nm = c->words[i].text;
        if (od_ws_drop_run(s->ws, nm) == OD_OK) { fprintf(s->outfp, "dropped run %s\n", nm); continue; }
        if (od_ws_drop_dataset(s->ws, nm) == OD_OK) { fprintf(s->outfp, "dropped dataset %s\n", nm); continue; }
        return cmd_error_at(s, c->words[i].col, "drop: no run or dataset named '%s'", nm);
    }
    return 0;
}

static const cmd_optspec load_opts[] = {
    { "as", NULL, COMPL_NONE, "name of the dataset (default: file name)" },
    { "label", NULL, COMPL_NONE, "label column (default: label, is_anomaly, anomaly, outlier or class)" },
    { "time", NULL, COMPL_NONE, "time column (default: the first timestamp column)" },
    { "ignore", NULL, COMPL_NONE, "columns to keep but not use, e.g. ignore=label_point,id" },
    { "columns", NULL, COMPL_NONE, "load only these columns (plus label and time)" },
    { "sep", NULL, COMPL_NONE, "field separator: , ; | or tab (default: detected)" },
    { "header", "yes|no|auto", COMPL_NONE, "first line is a header (default: detected)" },
    { "missing", NULL, COMPL_NONE, "tokens meaning missing (default: empty,NA,NaN,nan,null,NULL,?)" },
    { "series", "yes|no", COMPL_NONE, "the rows are a series in time order even without a time column (default: no)" },
    { "decimal", NULL, COMPL_NONE, "decimal mark of numbers: . (default) or , as in 1,5 (then sep is not ,)" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec no_opts[] = { { NULL, NULL, COMPL_NONE, NULL } };

const od_command cmd_load_entry = {
    .name = "load", .usage = "load PATH [as NAME] [label=COL] [time=COL] [ignore=a,b] [columns=a,b] [sep=,] [header=yes|no] [missing=NA,?] [decimal=,] | load model FILE as NAME",
    .topic = "data", .summary = "read a CSV/TSV or ARFF file into a named dataset",
    .help = "Reads CSV (RFC 4180; separator , ; tab or | detected), TSV or ARFF.  Column\n"
            "types are inferred: numbers, text, timestamps (ISO 8601 or YYYY-MM-DD HH:MM:SS).\n"
            "The label column (0/1 or two values) is found by name unless label= is given;\n"
            "the time column is the first timestamp column unless time= is given.  Text\n"
            "columns are kept but ignored.  A malformed file gets one error naming the file,\n"
            "line and column, and nothing is loaded; values that look like numbers but are\n"
            "not read (1,5  0x1A  1..2), a file of text only and control characters are such\n"
            "errors, naming the option that helps (decimal=, for decimal commas, ignore=COL).\n"
            "Numbers must be finite and at most 1e100 in size (so squares cannot overflow):\n"
            "inf, 1e400 or 1e155 are refused; list such a token in missing= (missing=NA,inf)\n"
            "to read it as missing.  series=yes says the rows are a series in time order\n"
            "without a time column.  PATH may be a pipe or a FIFO (load /dev/stdin, load <(cmd)):\n"
            "it is read whole first; Ctrl-C stops the wait for a FIFO's writer.\n\n"
            "examples:\n  load sample-data/blobs.csv\n  load sample-data/series.csv as s label=label\n"
            "  load data.csv ignore=label_point missing=NA,-999\n  load european.csv sep=; decimal=,\n\n"
            "`load model FILE as NAME` reads a model saved with `save model` and scores the\n"
            "current dataset with it (a truncated or foreign file gets a clear error).  It\n"
            "shows the pipeline the model carries (the prep steps with their fitted\n"
            "parameters, the input columns, the threshold, which the run takes); the current\n"
            "dataset must already be prepared that way: `oddity score` applies the pipeline\n"
            "to raw rows (oddity score --help).",
    .min_words = 1, .max_words = 4, .opts = load_opts, .fn = cmd_load, .words = COMPL_FILE,
};
const od_command cmd_datasets_entry = {
    .name = "datasets", .usage = "datasets", .topic = "data", .summary = "list the loaded datasets (* = current)",
    .help = "", .min_words = 0, .max_words = 0, .opts = no_opts, .fn = cmd_datasets,
};
const od_command cmd_use_entry = {
    .name = "use", .usage = "use NAME", .topic = "data", .summary = "make a loaded dataset the current one",
    .help = "example:\n  use blobs", .min_words = 1, .max_words = 1, .opts = no_opts, .fn = cmd_use, .words = COMPL_DATASET,
};
const od_command cmd_describe_entry = {
    .name = "describe", .usage = "describe [COLUMN..]", .topic = "data",
    .summary = "per-column statistics, label balance and the lineage of the current dataset",
    .help = "For each column: count, missing values, mean, standard deviation (n-1), min,\n"
            "quartiles (linear interpolation), max and the number of distinct values.\n\n"
            "example:\n  describe\n  describe x1 x2",
    .min_words = 0, .max_words = -1, .opts = no_opts, .fn = cmd_describe, .words = COMPL_COLUMN,
};
const od_command cmd_head_entry = {
    .name = "head", .usage = "head [N]", .topic = "data", .summary = "show the first N rows (default 10)",
    .help = "example:\n  head 5", .min_words = 0, .max_words = 1, .opts = no_opts, .fn = cmd_head,
};
const od_command cmd_drop_entry = {
    .name = "drop", .usage = "drop NAME..", .topic = "data", .summary = "forget runs or datasets by name",
    .help = "example:\n  drop km1 km2", .min_words = 1, .max_words = -1, .opts = no_opts, .fn = cmd_drop, .words = COMPL_RUN,
};
