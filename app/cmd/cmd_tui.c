/* cmd_tui.c - tui: the full-screen workbench (app/tui/workbench.c).  The
 * screen builds command lines and hands them to exec() below, which runs
 * them through session_exec like the prompt does (journaled, in history),
 * with their output captured for the log pane.  `tui` itself is never
 * journaled: the lines it ran are. */
#include "config.h"
#include "cmd.h"
#include "tui/workbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int tui_exec(void *user, const char *line, char **out)
{
    od_session *s = user;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    FILE *o = s->outfp, *e = s->errfp;
    if (mem) s->outfp = s->errfp = mem;
    od_ctx_clear_cancel(s->ctx);
    int rc = session_exec(s, line, 1);
    if (od_cancelled(s->ctx)) fprintf(s->errfp, "interrupted\n");
    if (mem) {
        fclose(mem);
        s->outfp = o;
        s->errfp = e;
    }
    *out = buf;
    return rc;
}

static size_t tui_complete(void *user, const char *line, size_t point, size_t *start, char ***cands)
{
    od_session *s = user;
    *cands = NULL;
    return s->complete ? s->complete(s, line, point, start, cands) : 0;
}

static int cmd_tui(od_session *s, const cmd_line *c, cmd_result *res)
{
    res->journal = CMD_JOURNAL_NOTHING;
    if (s->line_ncmds != 1)
        return cmd_error_at(s, c->words[0].col, "tui: put tui on a line of its own");
    if (s->depth > 0 || !s->interactive || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return cmd_error_at(s, c->words[0].col, "tui: needs an interactive terminal (the workbench is full-screen)");
    fflush(s->outfp);
    fflush(s->errfp);
    tui_host h = { s->ctx, s->ws, s, tui_exec, tui_complete, &s->quit };
    int rc = tui_workbench(&h);
    if (rc < 0) return cmd_error_at(s, 0, "tui: cannot use this terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "unset");
    if (rc == 1) {
        fprintf(s->errfp, "tui: terminated\n");
        s->quit = 1;
    }
    return 0;
}

static const cmd_optspec tui_opts[] = { { NULL, NULL, COMPL_NONE, NULL } };

static void tui_help_more(FILE *fp)
{
    fputc('\n', fp);
    tui_keys_print(fp);
}

const od_command cmd_tui_entry = {
    .name = "tui", .usage = "tui",
    .topic = "evaluate", .summary = "the full-screen workbench: runs, threshold, plots, log and a command line",
    .help = "Opens the full-screen workbench (also: oddity --tui).  Panes: a header (dataset,\n"
            "rows, anomaly share, split, seed); the runs (name, detector, dataset, ROC-AUC, AP,\n"
            "best F1; s sorts, the selected one highlighted); the threshold of the selected run\n"
            "(the score distribution with the threshold under it, precision, recall, F1, MCC,\n"
            "the confusion matrix with its totals, PA-F1 and VUS-PR on series, recounted on\n"
            "every key); a plot drawn with braille characters (p: score density by class with\n"
            "the threshold, ROC and PR with the operating point, the scores as a series with\n"
            "the flagged points); the log of what the commands printed; a command line (:)\n"
            "with the prompt's history and completion.  The panes are laid out again when the\n"
            "terminal is resized (80x24 is enough).\n"
            "The workbench runs nothing itself: Enter runs `threshold RUN value=V` and a typed\n"
            "command runs as at the prompt, so both are journaled and the journal replays\n"
            "with oddity -f.  The README's tour needs no typing but `load`: a opens a menu of\n"
            "its commands (describe, split, scale, top, metrics, plot, ...), d a detector\n"
            "picker (the line written out with every default), t the threshold rules, Space\n"
            "marks runs for e (their ensemble), c compares; each builds one command line,\n"
            "run and journaled like a typed one (Tab in a menu puts it on the command line to\n"
            "edit first).  Dragging the slider with the mouse moves the threshold; the release\n"
            "applies nothing, Enter does.  `tune RUN` there selects the run.  q leaves (after oddity --tui:\n"
            "quits); `quit` quits.  Needs an interactive terminal and a line of its own.\n\n"
            "example:\n  tui",
    .min_words = 0, .max_words = 0, .opts = tui_opts, .fn_res = cmd_tui, .help_more = tui_help_more,
};
