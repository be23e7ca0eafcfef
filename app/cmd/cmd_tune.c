/* cmd_tune.c - tune: move a run's threshold with the keys while precision,
 * recall, F1 and the confusion matrix update (app/tui/tune.c).  What lands
 * in the journal and `history` is not `tune` but the `threshold RUN
 * value=V` line it applied, so a session with tuning replays unattended. */
#include "config.h"
#include "cmd.h"
#include "tui/tune.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The rows of the part tune shows, as a tune model; 0 or an error reported. */
static int tune_build(od_session *s, const od_run *r, int part, tune_model *tm)
{
    double *sc;
    int *lab;
    size_t n = cmd_run_part(r, part, &sc, &lab);
    int bad = tune_model_build(tm, sc, r->labels ? lab : NULL, n);
    free(sc);
    free(lab);
    if (bad) return cmd_error_at(s, 0, "tune: out of memory");
    if (tm->m == 0) {
        tune_model_free(tm);
        return cmd_error_at(s, 0, "tune: %s has no scored rows in the %s part", r->name, cmd_part_name(part));
    }
    return 0;
}

/* The screen's title, the run's current threshold and the start position. */
static void tune_setup(const od_run *r, int part, const tune_model *tm, tune_view *v, char *title, size_t ntitle,
                       char *current, size_t ncurrent)
{
    size_t l = (size_t)snprintf(title, ntitle, "tune %s: %s on %s, %s part: %zu scored rows", r->name, r->algo,
                                r->dataset, cmd_part_name(part), tm->n);
    if (tm->labelled && l < ntitle) snprintf(title + l, ntitle - l, ", %zu anomalies", tm->npos);
    v->title = title;
    v->current = NULL;
    if (r->thr.set) {
        snprintf(current, ncurrent, "current threshold: %s%s", r->thr.desc ? r->thr.desc : "set",
                 r->thr.point ? " (per-point: tune starts from its last value)" : "");
        v->current = current;
        v->p0 = tune_model_position(tm, r->thr.value, r->thr.strict);
    } else {
        long one = tm->n >= 100 ? (long)(tm->n / 100) : 1;
        v->p0 = tune_model_step_rows(tm, 0, one);   /* about 1% flagged */
    }
}

/* `tune` itself is never journaled: when a threshold is applied, the
 * `threshold RUN value=V` line runs next (od_exec_line runs the follow-up)
 * and stands for it in history and the journal; when cancelled, nothing. */
static int cmd_tune(od_session *s, const cmd_line *c, cmd_result *res)
{
    od_run *r = cmd_run(s, c, 1);
    if (!r) return OD_ENOTFOUND;
    if (s->line_ncmds != 1)
        return cmd_error_at(s, c->words[0].col, "tune: put tune on a line of its own (its result is journaled as a threshold line)");
    /* not from a script or `source` (depth > 0): those replay unattended */
    if (s->depth > 0 || !s->interactive || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return cmd_error_at(s, c->words[0].col, "tune: needs an interactive terminal; in a script set the threshold with: threshold %s value=V",
                            r->name);
    int part;
    if (cmd_parse_on(s, c, r, &part)) return OD_EINVAL;
    tune_model tm;
    if (tune_build(s, r, part, &tm)) return OD_EINVAL;
    char title[512], current[512];
    tune_view v;
    tune_setup(r, part, &tm, &v, title, sizeof title, current, sizeof current);
    fflush(s->outfp);
    size_t p = v.p0;
    int rc = tui_tune(&v, &tm, &p);
    double value = tune_model_value(&tm, p);
    tune_model_free(&tm);
    if (rc < 0) return cmd_error_at(s, 0, "tune: cannot use this terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "unset");
    if (rc == 0 || (r->thr.set && !r->thr.point && p == v.p0)) {
        fprintf(s->outfp, "tune: %s unchanged\n", r->name);
        res->journal = CMD_JOURNAL_NOTHING;
        return 0;
    }
    int len = snprintf(NULL, 0, "threshold %s value=%.17g", r->name, value);
    char *line = len < 0 ? NULL : od_malloc(s->ctx, (size_t)len + 1);
    if (!line) return cmd_fail(s, OD_ENOMEM);
    snprintf(line, (size_t)len + 1, "threshold %s value=%.17g", r->name, value);
    fprintf(s->outfp, "%s\n", line);
    res->journal = CMD_JOURNAL_FOLLOWUP;
    res->followup = line;
    return 0;
}

static const cmd_optspec tune_opts[] = {
    { "on", "train|val|test|all", COMPL_NONE, "rows whose scores and labels are shown (default: test when split)" },
    { NULL, NULL, COMPL_NONE, NULL }
};

const od_command cmd_tune_entry = {
    .name = "tune", .usage = "tune RUN [on=train|val|test|all]",
    .topic = "evaluate", .summary = "move a run's threshold with the keys, metrics updating live",
    .help = "A full-screen view of one part of a run (default: test when split): the threshold\n"
            "moves over the distinct scores while the flagged count, precision, recall, F1,\n"
            "false-positive rate and the confusion matrix are recounted on every key, over a\n"
            "histogram of the scores ('#' flagged, '^' the threshold, '*' bins holding\n"
            "labelled anomalies).  Without labels it shows what is flagged.\n"
            "keys: <- ->  threshold down/up to the next distinct score (also h l)\n"
            "      down/up  flag 1% more/fewer rows (also j k); PgDn/PgUp 10%\n"
            "      Home/End flag nothing/everything   b best F1 (oracle)   r back to the start\n"
            "      Enter apply   q or Esc cancel\n"
            "Enter runs `threshold RUN value=V` (flag score >= V); that line, not `tune`,\n"
            "goes to history and the journal, so the session replays unattended.  Needs an\n"
            "interactive terminal and a line of its own.\n\n"
            "example:\n  tune km\n  tune lstm on=val",
    .min_words = 1, .max_words = 1, .opts = tune_opts, .fn_res = cmd_tune, .words = COMPL_RUN,
};
