/* cmd_export.c - export data|scores|metrics|leaderboard: one table of
 * formats.  Dispatch, the usage line, completion and the error listing the
 * formats all read it; adding a format is one entry. */
#include "config.h"
#include "cmd.h"
#include "data/csv.h"

#include <stdlib.h>
#include <string.h>

/* A copy of f without the columns not named in names[0..k) (label and time
 * stay); NULL with the error reported. */
static od_frame *export_columns(od_session *s, const cmd_line *c, const od_frame *f, char **names, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (od_frame_find(f, names[i]) < 0) {
            cmd_error_at(s, cmd_opt_entry(c, "columns")->vcol, "export data: no column named '%s'", names[i]);
            return NULL;
        }
    od_frame *g = od_frame_copy(s->ctx, f);
    if (!g) { cmd_fail(s, OD_ENOMEM); return NULL; }
    for (size_t j = g->ncol; j-- > 0;) {
        int keep = g->cols[j].role == OD_ROLE_LABEL || g->cols[j].role == OD_ROLE_TIME;
        for (size_t i = 0; i < k; i++) keep |= !strcmp(names[i], g->cols[j].name);
        if (!keep) od_frame_drop_col(g, j);
    }
    return g;
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
        if (!names) return cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "export data: out of memory"));
        g = export_columns(s, c, f, names, k);
        free(names);
        if (!g) return OD_EINVAL;
        f = g;
    }
    /* the overwrite rule and --safe, then an atomic write (temporary file, rename) */
    char *real = cmd_out_path(s, c, "export data", path, cmd_opt_entry(c, "to")->vcol);
    cmd_outfile out;
    int rc = real ? cmd_outfile_open(s, &out, "export data", real) : OD_EINVAL;
    free(real);
    if (!rc) {
        cmd_outfile_detach(&out);
        if ((rc = od_csv_write(s->ctx, f, out.tmp))) {
            cmd_outfile_abort(&out);
            rc = cmd_fail(s, rc);
        } else if (!(rc = cmd_outfile_commit(s, &out)))
            fprintf(s->outfp, "wrote %zu rows x %zu columns to %s\n", f->nrow, f->ncol, path);
    }
    od_frame_free(g);
    return rc;
}

static int export_scores(od_session *s, const cmd_line *c, const char *path)
{
    (void)path;
    return cmd_export_scores(s, c);
}

static int export_eval(od_session *s, const cmd_line *c, const char *path)
{
    return cmd_export_eval(s, c, c->words[1].text, path);
}

typedef struct {
    const char *name;
    const char *usage;   /* the whole command for this format */
    int (*fn)(od_session *s, const cmd_line *c, const char *path);
} export_format;

static const export_format formats[] = {
    { "data", "export data to=FILE.csv [columns=..]", export_data },
    { "scores", "export scores [RUN..] to=FILE.csv", export_scores },
    { "metrics", "export metrics [RUN..] to=FILE.csv [on=..]", export_eval },
    { "leaderboard", "export leaderboard [RUN..] to=FILE.csv [on=..]", export_eval },
};
enum { NFORMATS = sizeof formats / sizeof formats[0] };

static int cmd_export(od_session *s, const cmd_line *c)
{
    const char *what = c->words[1].text, *path = cmd_optval(c, "to");
    const export_format *fmt = NULL;
    for (size_t k = 0; k < NFORMATS && !fmt; k++)
        if (!strcmp(what, formats[k].name)) fmt = &formats[k];
    if (!path && fmt) return cmd_error_at(s, 0, "export: expected to=FILE.csv (usage: %s)", fmt->usage);
    if (!path) return cmd_error_at(s, 0, "export: expected to=FILE.csv");
    if (fmt) return fmt->fn(s, c, path);
    char list[128] = "";
    for (size_t k = 0; k < NFORMATS; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k == 0 ? "" : k + 1 < NFORMATS ? ", " : " or ",
                 formats[k].name);
    return cmd_error_at(s, c->words[1].col, "export: expected %s", list);
}

/* The usage line and the completion words, built from the table before main
 * runs (the command entry below is const and read by help, the man page and
 * completion). */
static char export_usage[256], export_words[128];

__attribute__((constructor)) static void export_strings(void)
{
    for (size_t k = 0; k < NFORMATS; k++)
        snprintf(export_words + strlen(export_words), sizeof export_words - strlen(export_words), "%s%s", k ? "|" : "",
                 formats[k].name);
    snprintf(export_usage, sizeof export_usage, "export %s [NAME..] to=FILE.csv [columns=..] [on=..]", export_words);
}

static const cmd_optspec export_opts[] = {
    { "to", NULL, COMPL_FILE, "output file (.csv)" },
    { "columns", NULL, COMPL_COLUMN, "export data: only these columns (plus label and time)" },
    { "on", "train|val|test|all", COMPL_NONE, "export metrics: which rows" },
    { "force", "yes|no", COMPL_NONE, "replace an existing file" },
    { NULL, NULL, COMPL_NONE, NULL }
};

const od_command cmd_export_entry = {
    .name = "export", .usage = export_usage, .topic = "data",
    .summary = "write the current data, run scores, metrics or the leaderboard as CSV",
    .help = "export data writes the current version (with label and time columns) so any\n"
            "step can be checked outside the workbench.  export scores writes one column per\n"
            "run (clustering runs add NAME_cluster, -1 = noise).  export metrics and export\n"
            "leaderboard write one row per run and split, one column per metric.\n\n"
            "examples:\n  export data to=clean.csv\n  export scores km gmm to=scores.csv\n  export leaderboard to=board.csv",
    .min_words = 1, .max_words = -1, .opts = export_opts, .fn = cmd_export, .words = COMPL_WORDS,
    .word_values = export_words,
};
