/* cmd_core.c - help, quit, set, history, source, save (session.c writes the session). */
#include "config.h"
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void print_wrapped(FILE *fp, const char *text, const char *indent)
{
    /* help texts are pre-formatted; indent every line */
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l) fprintf(fp, "%s%.*s\n", indent, (int)l, p);
        else fputc('\n', fp);
        if (!e) break;
        p = e + 1;
    }
}

static void help_detector(od_session *s, const od_detector_type *t)
{
    FILE *fp = s->outfp;
    fprintf(fp, "detect %s — %s (%s%s)\n\n", t->name, t->summary, t->family, t->seq ? ", sequence model" : "");
    if (t->help) { print_wrapped(fp, t->help, "  "); fputc('\n', fp); }
    const cmd_glossary_entry *g = cmd_glossary_find(t->name);
    if (g) { print_wrapped(fp, g->text, "  "); fputc('\n', fp); }
    fprintf(fp, "parameters:\n");
    od_table *tb = tbl_new(4, "  name", "default", "allowed", "meaning");
    tbl_align(tb, 1, 0);
    tbl_align(tb, 2, 0);
    tbl_align(tb, 3, 0);
    for (size_t i = 0; i < t->nparams; i++) {
        const od_param_spec *p = &t->params[i];
        char allowed[160] = "";
        switch (p->type) {
        case OD_P_INT:
        case OD_P_REAL:
            if (p->lo <= p->hi) {
                char a[32], b[32];
                od_fmt_num(a, sizeof a, p->lo, 6);
                od_fmt_num(b, sizeof b, p->hi, 6);
                snprintf(allowed, sizeof allowed, "%s %s..%s%s%s", p->type == OD_P_INT ? "int" : "real", a,
                         p->hi >= 1e300 ? "" : b, p->choices ? " or " : "", p->choices ? p->choices : "");
            } else
                snprintf(allowed, sizeof allowed, "%s%s%s", p->type == OD_P_INT ? "int" : "real",
                         p->choices ? " or " : "", p->choices ? p->choices : "");
            break;
        case OD_P_CHOICE: snprintf(allowed, sizeof allowed, "%s", p->choices); break;
        case OD_P_BOOL: snprintf(allowed, sizeof allowed, "yes|no"); break;
        case OD_P_STR: snprintf(allowed, sizeof allowed, "text"); break;
        }
        char nm[64];
        snprintf(nm, sizeof nm, "  %s", p->name);
        tbl_row(tb, nm, p->def ? p->def : "", allowed, p->help ? p->help : "");
    }
    tbl_print(tb, fp);
    tbl_free(tb);
    fprintf(fp, "\ncommon options: as=NAME fit=train|normal|all on=COLS (see: help detect)\n");
}

/* Topics that are not commands: `help scripts`; the man page prints them too. */
const cmd_help_topic cmd_help_topics[] = {
    { "scripts", "scripts, files and trust",
      "A script is a file of command lines: `oddity -f FILE`, `source FILE`, a lesson,\n"
      "a saved session.  Scripts travel: treat one from someone else like any file\n"
      "from someone else, and run it with --safe.\n\n"
      "Output files.  An output command (save session, save model, export ..., plot\n"
      "to=) never replaces an existing file: it refuses, naming the file, unless the\n"
      "command has force=yes or this session wrote that file earlier.  Every file\n"
      "oddity writes itself goes to a temporary file beside the target, is flushed to\n"
      "the disk and renamed over the target: a full disk or a write error leaves the\n"
      "old file as it was and the error names the file and the reason.\n\n"
      "Relative paths.  In a file run with `source FILE`, relative paths (load,\n"
      "source, save, export, plot to=) resolve against FILE's own directory, so a\n"
      "script and its data travel together.  In `oddity -f FILE` they resolve against\n"
      "the current directory, as a shell script's do (unless --safe, below).\n\n"
      "Safe mode.  `oddity --safe -f FILE` (or `source FILE safe=yes`) runs FILE so that\n"
      "it cannot harm:\n"
      "  - it writes only inside its output directory: --out-dir=DIR, or by default a\n"
      "    new directory beside the script, FILE-out (FILE-out-2, ... if that exists),\n"
      "    created mode 0700 on the first write; relative output paths go there, and\n"
      "    absolute paths, ../ and symbolic links leading out are refused;\n"
      "  - it replaces no file it did not write itself (force=yes does not lift this);\n"
      "  - it reads only files inside its own directory (relative paths resolve\n"
      "    there; ../, absolute paths and symbolic links leading out are refused);\n"
      "  - it starts no program but gnuplot: the plot module is the only code in\n"
      "    oddity that starts a process, and it only runs gnuplot, with names from\n"
      "    the script or the data passed as quoted strings;\n"
      "  - safe mode is sticky: every script it sources is safe too, `source FILE\n"
      "    safe=no` is refused, and no `set` turns it off.\n"
      "A lesson (help lesson) runs its own lines in safe mode too, and may also read\n"
      "inside the current directory (where its data usually is); what you type at\n"
      "its pauses is yours.\n"
      "Each refusal is an error that names the rule (--safe: ...).  Only the script\n"
      "runs in safe mode: -e lines, DATA-FILEs and the prompt after -i are yours.\n"
      "Safe mode guards against the script, not against other programs changing\n"
      "files while it runs.\n\n"
      "Text from data.  Column names, values and file names are printed with control\n"
      "characters escaped (\\e, \\n, \\xNN, \\uNNNN), so a data file cannot move the\n"
      "cursor, retitle or recolour the terminal.\n\n"
      "examples:\n  oddity --safe -f lesson.odd\n  oddity --safe --out-dir=results -f ~/Downloads/homework.odd\n"
      "  source homework/run.odd safe=yes\n  export scores km to=scores.csv force=yes" },
    { NULL, NULL, NULL }
};

static const cmd_help_topic *find_topic(const char *name)
{
    for (const cmd_help_topic *t = cmd_help_topics; t->name; t++)
        if (!strcmp(t->name, name)) return t;
    return NULL;
}

static int cmd_help(od_session *s, const cmd_line *c)
{
    FILE *fp = s->outfp;
    if (c->nwords == 1) {
        fprintf(fp, "oddity %s — commands (help CMD for details, help detect ALGO for a detector):\n", PACKAGE_VERSION);
        const char *topics[32];
        size_t nt = 0;
        for (size_t i = 0; i < od_ncommands; i++) {
            size_t k;
            for (k = 0; k < nt; k++)
                if (!strcmp(topics[k], od_commands[i]->topic)) break;
            if (k == nt && nt < 32) topics[nt++] = od_commands[i]->topic;
        }
        for (size_t k = 0; k < nt; k++) {
            fprintf(fp, "\n%s\n", topics[k]);
            for (size_t i = 0; i < od_ncommands; i++)
                if (!strcmp(od_commands[i]->topic, topics[k]))
                    fprintf(fp, "  %-12s %s\n", od_commands[i]->name, od_commands[i]->summary);
        }
        if (od_detector_count()) {
            fprintf(fp, "\ndetectors (help detect ALGO)\n");
            for (size_t i = 0; i < od_detector_count(); i++)
                fprintf(fp, "  %-12s %s\n", od_detector_at(i)->name, od_detector_at(i)->summary);
        }
        fprintf(fp, "\ntopics\n");
        for (const cmd_help_topic *t = cmd_help_topics; t->name; t++) fprintf(fp, "  %-12s %s\n", t->name, t->title);
        fprintf(fp, "  %-12s %s\n", "glossary", "every term the workbench prints or takes (help TERM explains one)");
        fprintf(fp, "\nSyntax: command word key=value key=\"quoted value\" key=a,b,c ; next command  # comment\n");
        return 0;
    }
    const char *topic = c->words[1].text;
    if (!strcmp(topic, "glossary")) {
        if (c->nwords == 2) { cmd_glossary_list(fp); return 0; }
        const cmd_glossary_entry *g = cmd_glossary_find(c->words[2].text);
        if (!g) return cmd_error_at(s, c->words[2].col, "help glossary: no term '%s' (help glossary lists them)", c->words[2].text);
        cmd_glossary_print(fp, g);
        return 0;
    }
    const od_command *cmd = cmd_find(topic);
    const cmd_help_topic *ht = cmd ? NULL : find_topic(topic);
    if (ht) {
        fprintf(fp, "%s\n\n", ht->title);
        print_wrapped(fp, ht->text, "  ");
        return 0;
    }
    if (!cmd) {
        const od_detector_type *t = od_detector_find(topic);
        if (t) { help_detector(s, t); return 0; }
        const cmd_glossary_entry *g = cmd_glossary_find(topic);
        if (!g && c->nwords == 3) {   /* help early stopping */
            char two[128];
            snprintf(two, sizeof two, "%s %s", topic, c->words[2].text);
            g = cmd_glossary_find(two);
        }
        if (g) { cmd_glossary_print(fp, g); return 0; }
        return cmd_error_at(s, c->words[1].col, "help: no command, detector or glossary term named '%s' (help lists the commands, help glossary the terms)", topic);
    }

    if (!strcmp(cmd->name, "detect") && c->nwords > 2) {
        const od_detector_type *t = od_detector_find(c->words[2].text);
        if (!t)
            return cmd_error_at(s, c->words[2].col, "help detect: no detector named '%s' (type help for the list)",
                                c->words[2].text);
        help_detector(s, t);
        return 0;
    }
    fprintf(fp, "usage: %s\n\n%s\n", cmd->usage, cmd->summary);
    if (cmd->help && *cmd->help) { fputc('\n', fp); print_wrapped(fp, cmd->help, "  "); }
    if (cmd->opts && cmd->opts->name) {
        fprintf(fp, "\noptions:\n");
        for (const cmd_optspec *o = cmd->opts; o->name; o++)
            fprintf(fp, "  %-10s %s%s%s%s\n", o->name, o->help ? o->help : "", o->values && !strchr(o->values, '*') ? " (" : "",
                    o->values && !strchr(o->values, '*') ? o->values : "", o->values && !strchr(o->values, '*') ? ")" : "");
    }
    if (cmd->help_more) cmd->help_more(fp);
    if (cmd_glossary_find(cmd->name)) fprintf(fp, "\nthe term %s: help glossary %s\n", cmd->name, cmd->name);
    if (!strcmp(cmd->name, "detect") && od_detector_count()) {
        fprintf(fp, "\ndetectors:\n");
        for (size_t i = 0; i < od_detector_count(); i++)
            fprintf(fp, "  %-10s %-8s %s\n", od_detector_at(i)->name, od_detector_at(i)->family, od_detector_at(i)->summary);
    }
    return 0;
}

static int cmd_quit(od_session *s, const cmd_line *c)
{
    s->quit = 1;
    return 0;
}

static int cmd_set(od_session *s, const cmd_line *c)
{
    long v;
    int r, b;
    if (c->nwords > 1 && strcmp(c->words[1].text, "plot"))
        return cmd_error_at(s, c->words[1].col, "set: unexpected word '%s' (usage: set [plot] [seed=N] [threads=N] [terminal=T] [times=on|off])", c->words[1].text);
    if (c->nopts == 0) {
        fprintf(s->outfp, "seed=%lu threads=%d terminal=%s times=%s\n", od_ctx_seed(s->ctx), od_ctx_threads(s->ctx),
                s->terminal, s->show_times ? "on" : "off");
        return 0;
    }
    if ((r = cmd_opt_long(s, c, "seed", &v)) < 0) return r;
    if (r) {
        if (v < 0) return cmd_error_at(s, cmd_opt_entry(c, "seed")->vcol, "set: seed must be >= 0");
        od_ctx_set_seed(s->ctx, (unsigned long)v);
    }
    if ((r = cmd_opt_long(s, c, "threads", &v)) < 0) return r;
    if (r) {
        if (v < 0 || v > 1024) return cmd_error_at(s, cmd_opt_entry(c, "threads")->vcol, "set: threads must be 0 (all cores) to 1024");
        od_ctx_set_threads(s->ctx, (int)v);
    }
    if ((r = cmd_opt_bool(s, c, "times", &b)) < 0) return r;
    if (r) s->show_times = b;
    const char *t = cmd_optval(c, "terminal");
    if (t) snprintf(s->terminal, sizeof s->terminal, "%s", t);
    return 0;
}

static int cmd_history(od_session *s, const cmd_line *c)
{
    for (size_t i = 0; i < s->nhist; i++) fprintf(s->outfp, "%5zu  %s\n", i + 1, s->hist[i]);
    return 0;
}

static int cmd_source(od_session *s, const cmd_line *c)
{
    if (s->depth > 16) return cmd_error_at(s, c->words[1].col, "source: scripts nested too deeply (more than 16)");
    int safe = 0;
    if (cmd_opt_bool(s, c, "safe", &safe) < 0) return OD_EINVAL;
    const cmd_opt *o = cmd_opt_entry(c, "safe");
    if (o && !safe && s->safe.on)
        return cmd_error_at(s, o->vcol, "source: --safe: a safe script cannot run a script in unsafe mode (safe mode is sticky)");
    char *path = cmd_in_path(s, c, "source", c->words[1].text, c->words[1].col);
    if (!path) return OD_EIO;
    int rc = session_run_script(s, path, 1, safe);
    free(path);
    return rc;
}

static int cmd_save(od_session *s, const cmd_line *c)
{
    const char *what = c->words[1].text;
    if (!strcmp(what, "model")) return cmd_save_model(s, c);
    if (strcmp(what, "session") != 0)
        return cmd_error_at(s, c->words[1].col, "save: expected 'session' or 'model' (usage: save session FILE [force=yes] | save model RUN to=FILE)");
    if (c->nwords < 3) return cmd_error_at(s, 0, "save session: expected a file name");
    for (size_t i = 0; i < c->nopts; i++)
        if (strcmp(c->opts[i].key, "force"))
            return cmd_error_at(s, c->opts[i].col, "save session: unknown option '%s' (options: force)", c->opts[i].key);
    const char *path = c->words[2].text;
    char *real = cmd_out_path(s, c, "save session", path, c->words[2].col);
    if (!real) return OD_EINVAL;
    int rc = session_save(s, real);
    free(real);
    if (rc) return rc;
    fprintf(s->outfp, "saved %zu lines to %s\n", s->nhist, cmd_escape(path));
    return 0;
}

static const cmd_optspec set_opts[] = {
    { "seed", NULL, COMPL_NONE, "seed of every random choice (default 42)" },
    { "threads", NULL, COMPL_NONE, "worker threads, 0 = all cores" },
    { "terminal", "dumb|sixel|png|svg|pdf|qt|wxt|x11", COMPL_NONE, "default plot terminal (sixel: gnuplot's sixelgd, graphics in terminals that show sixels)" },
    { "times", "on|off", COMPL_NONE, "show timings (off makes output byte-identical across replays)" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec no_opts[] = { { NULL, NULL, COMPL_NONE, NULL } };
static const cmd_optspec source_opts[] = {
    { "safe", "yes|no", COMPL_NONE, "run the script in safe mode (see: help scripts)" },
    { NULL, NULL, COMPL_NONE, NULL }
};

const od_command cmd_help_entry = {
    .name = "help", .usage = "help [COMMAND | TOPIC | detect ALGO | ALGO | TERM | glossary [TERM]]", .topic = "session",
    .summary = "list the commands, or explain one command or detector",
    .help = "Without a word: every command with its summary.  With a command: its usage,\n"
            "description, options and an example.  `help detect kmeans` (or `help kmeans`)\n"
            "shows a detector's parameters with their defaults and ranges.  `help scripts`\n"
            "explains what a script may do and how to run one from someone else.  `help TERM`\n"
            "explains a word the workbench prints or takes (a metric such as ap or pa_f1, a\n"
            "threshold rule, a detector family, a method word such as leakage): what it\n"
            "means, the formula, a reference and a command that shows it; `help glossary`\n"
            "lists the terms and `help glossary TERM` reaches a term a command shares\n"
            "(help glossary pca).\n\n"
            "example:\n  help load\n  help detect gmm\n  help scripts\n  help ap\n  help glossary",
    .min_words = 0, .max_words = 2, .opts = no_opts, .fn = cmd_help, .words = COMPL_COMMAND,
};
const od_command cmd_quit_entry = {
    .name = "quit", .usage = "quit", .topic = "session", .summary = "leave oddity (Ctrl-D does the same)",
    .help = "", .min_words = 0, .max_words = 0, .opts = no_opts, .fn = cmd_quit,
};
const od_command cmd_set_entry = {
    .name = "set", .usage = "set [plot] [seed=N] [threads=N] [terminal=T] [times=on|off]", .topic = "session",
    .summary = "show or change session settings",
    .help = "One seed drives every random choice: the same script with the same seed gives\n"
            "bit-identical scores.  Without options, prints the current settings.\n\n"
            "`set plot terminal=sixel` (the word plot is optional) draws plots as sixel\n"
            "graphics through gnuplot's sixelgd terminal; dumb (text) is the default.\n\n"
            "example:\n  set seed=7 threads=2\n  set plot terminal=sixel",
    .min_words = 0, .max_words = 1, .opts = set_opts, .fn = cmd_set,
};
const od_command cmd_history_entry = {
    .name = "history", .usage = "history", .topic = "session", .summary = "list the lines that ran in this session",
    .help = "Every line that ran is also appended to the session journal (see the manual),\n"
            "so `save session FILE` and `oddity -f FILE` replay it exactly.",
    .min_words = 0, .max_words = 0, .opts = no_opts, .fn = cmd_history,
};
const od_command cmd_source_entry = {
    .name = "source", .usage = "source FILE.odd [safe=yes]", .topic = "session", .summary = "run the lines of a script file",
    .help = "Runs each line of FILE as if typed.  The first error stops the script (unless\n"
            "oddity was started with --keep-going) and names FILE, line and column.\n"
            "Relative paths in FILE (load, source, save, export, plot to=) resolve against\n"
            "FILE's own directory, so a script and its data travel together.  With\n"
            "safe=yes FILE runs in safe mode, as `oddity --safe -f FILE` would (see: help\n"
            "scripts); inside a safe script every source is safe.\n\n"
            "example:\n  source scripts/demo.odd\n  source ~/Downloads/lesson.odd safe=yes",
    .min_words = 1, .max_words = 1, .opts = source_opts, .fn = cmd_source, .words = COMPL_FILE,
};
const od_command cmd_save_entry = {
    .name = "save", .usage = "save session FILE [force=yes] | save model RUN to=FILE [force=yes]", .topic = "session",
    .summary = "save this session as a replayable script (or a fitted model)",
    .help = "`save session FILE` writes every line that ran so far, after the header the\n"
            "journal has too (the seed and thread count the session started with), as a\n"
            "script that `oddity -f FILE` replays to the same numbers whatever flags start it.\n"
            "An existing FILE is replaced only with force=yes or when this session wrote it;\n"
            "the file is written whole or not at all (see: help scripts).\n\n"
            "`save model RUN to=FILE` writes the fitted detector with its pipeline: the\n"
            "preprocessing steps of the run's dataset (clean, scale, pca, window) with their\n"
            "fitted parameters, the input columns and the run's threshold, so `oddity score\n"
            "--model FILE` can score raw rows outside the workbench (oddity score --help).\n"
            "Files are model format 3; those of formats 1 and 2 still load.\n\n"
            "example:\n  save session lesson1.odd\n  save session lesson1.odd force=yes\n  save model km to=km.oddm",
    .min_words = 1, .max_words = 2, .opts = NULL, .fn = cmd_save, .words = COMPL_WORDS, .word_values = "session|model",
};
