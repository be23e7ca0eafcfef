/* man.c - the manual page, generated from the command table (oddity --man),
 * so that the man page, `help` and completion can never disagree. */
#include "config.h"
#include "cmd/cmd.h"

#include <string.h>

/* Write s with roff special characters escaped. */
static void roff(FILE *fp, const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\'')) fputs("\\&", fp);
        if (*s == '\\') fputs("\\e", fp);
        else if (*s == '-') fputs("\\-", fp);
        else fputc(*s, fp);
        bol = *s == '\n';
    }
}

static void block(FILE *fp, const char *text)
{
    /* help texts: paragraphs; indented lines are examples */
    const char *p = text;
    int in_ex = 0;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(l < 1000 ? l : 1000), p);
        if (!*line) { if (in_ex) { fputs(".fi\n", fp); in_ex = 0; } fputs(".PP\n", fp); }
        else if (line[0] == ' ') {
            if (!in_ex) { fputs(".nf\n", fp); in_ex = 1; }
            roff(fp, line);
            fputc('\n', fp);
        } else {
            if (in_ex) { fputs(".fi\n", fp); in_ex = 0; }
            roff(fp, line);
            fputc('\n', fp);
        }
        if (!e) break;
        p = e + 1;
    }
    if (in_ex) fputs(".fi\n", fp);
}

static void man_head(FILE *fp)
{
    fprintf(fp, ".TH ODDITY 1 \"2026\" \"oddity %s\" \"User Commands\"\n", PACKAGE_VERSION);
    fputs(".SH NAME\noddity \\- interactive workbench for unsupervised anomaly detection\n"
          ".SH SYNOPSIS\n.B oddity\n[\\fIOPTION\\fR]... [\\fIDATA-FILE\\fR]...\n.br\n.B oddity score\n\\-\\-model=\\fIM.oddm\\fR [\\fIOPTION\\fR]... [\\fIFILE\\fR|\\-]\n"
          ".SH DESCRIPTION\nAnalysts load a dataset, clean, scale, reduce and window it, split it, run\n"
          "clustering, density and neural detectors side by side, tune thresholds while\n"
          "precision, recall and F1 update, compare detectors and plot the results.  Every\n"
          "action is one line of one command language, so every session is a script that\n"
          "replays to the same numbers.\n"
          ".SH OPTIONS\n"
          ".TP\n\\fB\\-f\\fR, \\fB\\-\\-file\\fR=\\fIFILE\\fR\nrun the commands in FILE and exit\n"
          ".TP\n\\fB\\-e\\fR, \\fB\\-\\-execute\\fR=\\fILINES\\fR\nrun LINES (commands separated by ;) and exit\n"
          ".TP\n\\fB\\-i\\fR, \\fB\\-\\-interactive\\fR\nopen the prompt after \\-f/\\-e\n"
          ".TP\n\\fB\\-k\\fR, \\fB\\-\\-keep\\-going\\fR\nin scripts, continue after an error (the exit status still reports it)\n"
          ".TP\n\\fB\\-s\\fR, \\fB\\-\\-seed\\fR=\\fIN\\fR\nseed of every random choice (default 42, or $OD_SEED)\n"
          ".TP\n\\fB\\-j\\fR, \\fB\\-\\-threads\\fR=\\fIN\\fR\nworker threads (default: all cores)\n"
          ".TP\n\\fB\\-\\-no\\-times\\fR\ndo not print timings, so replays are byte\\-identical\n"
          ".TP\n\\fB\\-\\-no\\-journal\\fR\ndo not write the session journal\n"
          ".TP\n\\fB\\-\\-safe\\fR\nrun \\-f scripts (and a script on standard input) in safe mode: they write only\n"
          "inside the output directory, replace no file, read only inside their own directory\n"
          "and start no program but gnuplot (see SCRIPTS, FILES AND TRUST)\n"
          ".TP\n\\fB\\-\\-out\\-dir\\fR=\\fIDIR\\fR\nthe output directory of \\-\\-safe scripts (default: a new directory beside\n"
          "the script, \\fIFILE\\fR\\-out, created mode 0700 on the first write), of lessons,\n"
          "and where \\-\\-shard writes and \\-\\-merge\\-shards reads the search parts\n"
          ".TP\n\\fB\\-\\-lesson\\fR=\\fIFILE\\fR\nstep through the lesson FILE: its prose, each command before it runs, its\n"
          "exercises (see \\fBlesson\\fR); its lines run in safe mode\n"
          ".TP\n\\fB\\-\\-solve\\fR\nwith \\-\\-lesson: run it without pausing, each exercise solved by its\n"
          "#solution lines and checked by its expect lines (exit 1 when one fails)\n"
          ".TP\n\\fB\\-\\-echo\\fR\nprint every line of \\-f scripts, comments and commands, as it runs\n"
          ".TP\n\\fB\\-\\-shard\\fR=\\fII\\fR/\\fIN\\fR\nevery \\fBsearch\\fR of the scripts runs only shard I of N of its work units\n"
          "(configuration x fold pairs, dealt round\\-robin) and writes them to\n"
          "\\fINAME\\fR.part\\-\\fII\\fR\\-of\\-\\fIN\\fR in \\-\\-out\\-dir or the current directory; later lines that\n"
          "would use its run are skipped (see \\fBsearch\\fR and SCALING OUT in the README)\n"
          ".TP\n\\fB\\-\\-merge\\-shards\\fR=\\fIN\\fR\nevery \\fBsearch\\fR merges its N parts instead of running: the leaderboard and\n"
          "best run of one process, bit for bit; the lines after it run as usual\n"
          ".TP\n\\fB\\-\\-tui\\fR\nopen the full\\-screen workbench (see \\fBtui\\fR) instead of the prompt, when\n"
          "standard input and output are terminals; leaving it quits\n"
          ".TP\n\\fB\\-\\-plain\\fR\nthe prompt (the default; undoes \\-\\-tui)\n"
          ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\ndisplay help and exit\n"
          ".TP\n\\fB\\-V\\fR, \\fB\\-\\-version\\fR\noutput version information and exit\n"
          ".SH THE COMMAND LANGUAGE\n"
          "A line holds commands separated by \\fB;\\fR; \\fB#\\fR starts a comment.  A command is a\n"
          "verb followed by words and \\fIkey\\fR=\\fIvalue\\fR options; values may be quoted with\n"
          "double quotes (escapes \\e\" \\e\\e \\en \\et) or be lists \\fIa,b,c\\fR.  An error points at the\n"
          "offending word with a caret and says what was expected; in scripts it names the\n"
          "file, line and column.\n"
          ".SH COMMANDS\n", fp);
}

/* One .SS per command of the table: usage, summary, help, options. */
static void man_commands(FILE *fp)
{
    for (size_t i = 0; i < od_ncommands; i++) {
        const od_command *c = od_commands[i];
        fputs(".SS ", fp);
        roff(fp, c->usage);
        fputs("\n", fp);
        roff(fp, c->summary);
        fputs(".\n", fp);
        if (c->help && *c->help) { fputs(".PP\n", fp); block(fp, c->help); }
        if (c->help_more) {
            /* what `help CMD` adds from a family's table (the workbench's keys) */
            char *more = NULL;
            size_t len = 0;
            FILE *m = open_memstream(&more, &len);
            if (m) {
                c->help_more(m);
                fclose(m);
                if (more && *more) { fputs(".PP\n", fp); block(fp, more); }
                free(more);
            }
        }
        if (c->opts && c->opts->name) {
            for (const cmd_optspec *o = c->opts; o->name; o++) {
                fputs(".TP\n.B ", fp);
                roff(fp, o->name);
                fputs("\n", fp);
                roff(fp, o->help ? o->help : "");
                if (o->values) { fputs(" (", fp); roff(fp, o->values); fputs(")", fp); }
                fputs("\n", fp);
            }
        }
    }
}

/* One .SS per detector of the registry with its parameters. */
static void man_detectors(FILE *fp)
{
    if (od_detector_count()) {
        fputs(".SH DETECTORS\n", fp);
        for (size_t i = 0; i < od_detector_count(); i++) {
            const od_detector_type *t = od_detector_at(i);
            fputs(".SS ", fp);
            roff(fp, t->name);
            fputs("\n", fp);
            roff(fp, t->summary);
            fputs(".\n", fp);
            if (t->help) { fputs(".PP\n", fp); block(fp, t->help); }
            for (size_t k = 0; k < t->nparams; k++) {
                fputs(".TP\n.BR ", fp);
                roff(fp, t->params[k].name);
                fputs(" \"=", fp);
                roff(fp, t->params[k].def ? t->params[k].def : "");
                fputs("\"\n", fp);
                roff(fp, t->params[k].help ? t->params[k].help : "");
                fputs("\n", fp);
            }
        }
    }
}

/* Help topics that are not commands (help scripts): one .SH each. */
static void man_topics(FILE *fp)
{
    for (const cmd_help_topic *t = cmd_help_topics; t->name; t++) {
        fputs(".SH ", fp);
        for (const char *p = t->title; *p; p++) fputc(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p, fp);
        fputs("\n", fp);
        block(fp, t->text);
        fputs(".PP\n(at the prompt: \\fBhelp ", fp);
        roff(fp, t->name);
        fputs("\\fR)\n", fp);
    }
}

/* The glossary: one .TP per term. */
static void man_glossary(FILE *fp)
{
    fputs(".SH GLOSSARY\nThe words the workbench prints or takes (at the prompt: \\fBhelp TERM\\fR,\n"
          "\\fBhelp glossary\\fR for the list).\n", fp);
    for (const cmd_glossary_entry *g = cmd_glossary; g->term; g++) {
        fputs(".TP\n\\fB", fp);
        roff(fp, g->term);
        fputs("\\fR \\(em ", fp);
        roff(fp, g->title);
        fputs("\n.nf\n", fp);
        roff(fp, g->text);
        fputs("\n.fi\n", fp);
    }
}

const char *score_help(void);   /* app/score.c */

/* `oddity score`: its --help text, so the two cannot drift. */
static void man_score(FILE *fp)
{
    const char *h = score_help();
    const char *body = strchr(h, '\n');   /* after the Usage line */
    fputs(".SH STREAMING SCORING\n.B oddity score\n\\-\\-model=\\fIM.oddm\\fR [\\fIOPTION\\fR]... [\\fIFILE\\fR|\\-]\n.PP\n", fp);
    block(fp, body ? body + 1 : h);
}

void od_write_man(FILE *fp)
{
    man_head(fp);
    man_commands(fp);
    man_topics(fp);
    man_detectors(fp);
    man_glossary(fp);
    man_score(fp);
    fputs(".SH FILES\n.TP\n$XDG_STATE_HOME/oddity/lessons/\nprogress of each lesson (\\fINAME\\fR.progress): exercises solved, the furthest step,\n"
          "whether it was finished; written atomically\n.TP\n$XDG_STATE_HOME/oddity/sessions/\njournals of interactive sessions: one .odd script each, the lines that ran after\n"
          "the header \\fBsave session\\fR writes (the seed and thread count the session started\n"
          "with), so \\fBoddity \\-f\\fR replays it to the same numbers\n"
          ".TP\n$XDG_STATE_HOME/oddity/history\nreadline history of the prompt: the last 1000 lines, mode 0600, written\n"
          "whole at exit through a temporary file (the directory is created mode 0700)\n"
          ".SH ENVIRONMENT\n.TP\nOD_SEED\ndefault seed\n.TP\nNO_COLOR\nno ANSI colour in terminal plots\n"
          ".TP\nODDITY_TIME_LINES\nwhen set, each line's wall and CPU time go to standard error (time: S s cpu C s: LINE)\n"
          ".SH EXAMPLES\n.nf\noddity sample\\-data/blobs.csv\noddity \\-e 'load sample\\-data/blobs.csv; detect kmeans k=4; metrics kmeans1'\n"
          "oddity \\-e 'load sample\\-data/blobs.csv; search kmeans k=2..8 metric=silhouette; plot search kmeans_best'\n"
          "oddity \\-f scripts/demo.odd\n.fi\n", fp);
}
