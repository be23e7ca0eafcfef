/* repl.c - the readline front end: prompt, history, completion, Ctrl-C. */
#include "config.h"
#include "repl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <readline/readline.h>
#include <readline/history.h>

static od_session *S;
static volatile sig_atomic_t at_prompt;

static void on_sigint(int sig)
{
    (void)sig;
    if (S) *od_ctx_cancel_flag(S->ctx) = 1;
    if (at_prompt) {
        /* abandon the line being typed and show a fresh prompt */
        (void)!write(STDOUT_FILENO, "\n", 1);
        rl_on_new_line();
        rl_replace_line("", 0);
        rl_redisplay();
    }
}

void repl_install_sigint(od_session *s)
{
    S = s;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
}

/* ---- completion ------------------------------------------------------ */

static char **cands;
static size_t ncands, capcands;

static void cand_clear(void)
{
    for (size_t i = 0; i < ncands; i++) free(cands[i]);
    ncands = 0;
}

static void cand_add(const char *prefix, const char *s, size_t slen)
{
    size_t pl = strlen(prefix);
    if (slen < pl || strncmp(s, prefix, pl)) return;
    for (size_t i = 0; i < ncands; i++)
        if (strlen(cands[i]) == slen && !strncmp(cands[i], s, slen)) return;   /* a term that is also a detector */
    if (ncands == capcands) {
        size_t cap = capcands ? 2 * capcands : 64;
        char **c = realloc(cands, cap * sizeof *c);
        if (!c) return;   /* out of memory: fewer candidates */
        cands = c;
        capcands = cap;
    }
    char *d = strndup(s, slen);
    if (d) cands[ncands++] = d;
}

static void cand_words(const char *prefix, const char *list, const char *pre)
{
    if (!list) return;
    for (const char *p = list;;) {
        const char *e = strchr(p, '|');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char buf[256];
        snprintf(buf, sizeof buf, "%s%.*s", pre, (int)l, p);
        cand_add(prefix, buf, strlen(buf));
        if (!e) break;
        p = e + 1;
    }
}

static void cand_source(const char *prefix, compl_kind k, const char *words, const char *pre)
{
    char buf[512];
    od_dataset *d;
    switch (k) {
    case COMPL_DATASET:
        for (size_t i = 0; i < S->ws->nds; i++) {
            snprintf(buf, sizeof buf, "%s%s", pre, S->ws->ds[i]->name);
            cand_add(prefix, buf, strlen(buf));
        }
        break;
    case COMPL_RUN:
        for (size_t i = 0; i < S->ws->nruns; i++) {
            snprintf(buf, sizeof buf, "%s%s", pre, S->ws->runs[i]->name);
            cand_add(prefix, buf, strlen(buf));
        }
        break;
    case COMPL_COLUMN:
        if ((d = od_ws_current(S->ws)) && od_ds_top(d)->frame) {
            od_frame *f = od_ds_top(d)->frame;
            for (size_t j = 0; j < f->ncol; j++) {
                snprintf(buf, sizeof buf, "%s%s", pre, f->cols[j].name);
                cand_add(prefix, buf, strlen(buf));
            }
        }
        break;
    case COMPL_DETECTOR:
        for (size_t i = 0; i < od_detector_count(); i++) {
            snprintf(buf, sizeof buf, "%s%s", pre, od_detector_at(i)->name);
            cand_add(prefix, buf, strlen(buf));
        }
        break;
    case COMPL_COMMAND:
        for (size_t i = 0; i < od_ncommands; i++) {
            snprintf(buf, sizeof buf, "%s%s", pre, od_commands[i]->name);
            cand_add(prefix, buf, strlen(buf));
        }
        break;
    case COMPL_WORDS:
        cand_words(prefix, words, pre);
        break;
    default:
        break;
    }
}

static char *gen(const char *text, int state)
{
    static size_t i;
    if (!state) i = 0;
    return i < ncands ? strdup(cands[i++]) : NULL;
}

/* The verb of the segment (text after the last ';' before start) and the
 * number of words before the one being completed; *seg = its offset. */
static int segment_words(const char *line, int start, int *seg, char *verb, size_t nverb)
{
    *seg = 0;
    for (int i = 0; i < start; i++) if (line[i] == ';') *seg = i + 1;
    int nwords = 0;
    const char *p = line + *seg, *end = line + start;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        if (p >= end) break;
        const char *q = p;
        while (q < end && *q != ' ' && *q != '\t') q++;
        if (nwords == 0) snprintf(verb, nverb, "%.*s", (int)(q - p), p);
        nwords++;
        p = q;
    }
    return nwords;
}

/* `detect ALGO ...`: ALGO's detector type, or NULL. */
static const od_detector_type *segment_detector(const od_command *cmd, const char *seg, int nwords)
{
    char algo[64] = "";
    if (strcmp(cmd->name, "detect") || nwords < 2 || sscanf(seg, "%*s %63s", algo) != 1) return NULL;
    return od_detector_find(algo);
}

static int is_column_key(const char *key)
{
    static const char *const keys[] = { "on", "columns", "label", "time", "ignore", "x", "y", "col" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(key, keys[i])) return 1;
    return 0;
}

/* KEY=partial value.  Returns 1 when readline should complete file names. */
static int complete_value(const od_command *cmd, const char *text, const char *seg, int nwords)
{
    const char *eq = strchr(text, '=');
    char key[64], pre[80];
    snprintf(key, sizeof key, "%.*s", (int)(eq - text), text);
    snprintf(pre, sizeof pre, "%s=", key);
    if (cmd->opts)
        for (const cmd_optspec *o = cmd->opts; o->name; o++)
            if (!strcmp(o->name, key)) {
                if (o->values) cand_words(text, o->values, pre);
                else if (o->compl == COMPL_FILE) return 1;
                else cand_source(text, o->compl, NULL, pre);
            }
    const od_detector_type *t = segment_detector(cmd, seg, nwords);
    for (size_t k = 0; t && k < t->nparams; k++)
        if (!strcmp(t->params[k].name, key)) {
            if (t->params[k].type == OD_P_CHOICE) cand_words(text, t->params[k].choices, pre);
            else if (t->params[k].type == OD_P_BOOL) cand_words(text, "yes|no", pre);
        }
    if (t && !strcmp(key, "fit")) cand_words(text, "train|normal|all", pre);
    if (is_column_key(key)) cand_source(text, COMPL_COLUMN, NULL, pre);
    return !strcmp(key, "to");
}

static void cand_option_names(const char *text, const od_command *cmd, const od_detector_type *t)
{
    char buf[80];
    for (const cmd_optspec *o = cmd->opts; o && o->name; o++) {
        snprintf(buf, sizeof buf, "%s=", o->name);
        cand_add(text, buf, strlen(buf));
    }
    for (size_t k = 0; t && k < t->nparams; k++) {
        snprintf(buf, sizeof buf, "%s=", t->params[k].name);
        cand_add(text, buf, strlen(buf));
    }
}

/* A positional word or an option name.  Returns 1 for file names. */
static int complete_word(const od_command *cmd, const char *text, const char *seg, int nwords)
{
    if (cmd->words == COMPL_FILE && nwords == 1) return 1;
    if (!strcmp(cmd->name, "detect") && nwords == 1) cand_source(text, COMPL_DETECTOR, NULL, "");
    else if (!strcmp(cmd->name, "detect")) {
        /* detect ALGO ..: ALGO's options (below) and those of detect itself */
        if (segment_detector(cmd, seg, nwords)) cand_words(text, "fit=|on=", "");
    }
    else if (!strcmp(cmd->name, "help") && nwords == 1) {
        cand_source(text, COMPL_COMMAND, NULL, "");
        cand_source(text, COMPL_DETECTOR, NULL, "");
        for (const cmd_help_topic *t = cmd_help_topics; t->name; t++) cand_add(text, t->name, strlen(t->name));
        cand_add(text, "glossary", 8);
        for (const cmd_glossary_entry *g = cmd_glossary; g->term; g++) cand_add(text, g->term, strlen(g->term));
    } else if (!strcmp(cmd->name, "help") && nwords == 2 && strstr(seg, "glossary")) {
        for (const cmd_glossary_entry *g = cmd_glossary; g->term; g++) cand_add(text, g->term, strlen(g->term));
    } else if (!strcmp(cmd->name, "help") && nwords == 2) cand_source(text, COMPL_DETECTOR, NULL, "");
    else if (!strcmp(cmd->name, "plot") && nwords >= 2) {
        /* plot KIND RUN..: the workspace's runs; plot elbow ALGO: the two it draws */
        char kind[32] = "";
        if (sscanf(seg, "%*s %31s", kind) == 1 && !strcmp(kind, "elbow")) {
            if (nwords == 2) cand_words(text, "kmeans|gmm", "");
        } else if (!(nwords > 3 && !strcmp(kind, "explain")))
            cand_source(text, COMPL_RUN, NULL, "");
    } else cand_source(text, cmd->words, cmd->word_values, "");
    cand_option_names(text, cmd, segment_detector(cmd, seg, nwords));
    return 0;
}

/* The candidates for text, the word at start of line; returns 1 when file
 * names complete it. */
static int collect(const char *line, const char *text, int start)
{
    cand_clear();
    char verb[64] = "";
    int seg;
    int nwords = segment_words(line, start, &seg, verb, sizeof verb);
    if (nwords == 0) {
        cand_source(text, COMPL_COMMAND, NULL, "");
        return 0;
    }
    const od_command *cmd = cmd_find(verb);
    if (!cmd) return 0;
    int files = strchr(text, '=') ? complete_value(cmd, text, line + seg, nwords)
                                  : complete_word(cmd, text, line + seg, nwords);
    if (files) cand_clear();
    return files;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;
    if (collect(rl_line_buffer, text, start)) {
        rl_attempted_completion_over = 0;
        return NULL;
    }
    if (!ncands) return NULL;
    if (ncands == 1 && cands[0][strlen(cands[0]) - 1] == '=') rl_completion_suppress_append = 1;
    return rl_completion_matches(text, gen);
}

/* The workbench's command line (od_session.complete): the same candidates
 * for the word ending at point; file names for a file word. */
static size_t complete_line(od_session *s, const char *line, size_t point, size_t *start, char ***out)
{
    (void)s;
    *out = NULL;
    size_t st = point;
    while (st > 0 && !strchr(" \t;", line[st - 1])) st--;
    *start = st;
    char *text = strndup(line + st, point - st), *prefix = strndup(line, point);
    if (!text || !prefix) { free(text); free(prefix); return 0; }
    int files = collect(prefix, text, (int)st);
    size_t n = 0;
    char **c = NULL;
    if (files) {
        char *f;
        for (int state = 0; (f = rl_filename_completion_function(text, state)); state = 1) {
            char **g = realloc(c, (n + 1) * sizeof *g);
            if (!g) { free(f); break; }
            c = g;
            c[n++] = f;
        }
    } else if (ncands) {
        c = malloc(ncands * sizeof *c);
        for (size_t i = 0; c && i < ncands; i++) if ((c[n] = strdup(cands[i]))) n++;
    }
    cand_clear();
    free(text);
    free(prefix);
    *out = c;
    return n;
}

/* ---- history ------------------------------------------------------------
 * $XDG_STATE_HOME/oddity/history: read when the prompt opens, capped at
 * HISTORY_MAX lines, written whole at exit through a temporary file renamed
 * over the old one, so a full disk or a crash mid-write never truncates it. */

#define HISTORY_MAX 1000

static void history_save(od_session *s, const char *path)
{
    cmd_outfile o;
    if (cmd_outfile_open(s, &o, "history", path)) return;
    (void)fchmod(fileno(o.fp), 0600);   /* what was typed is nobody else's business */
    cmd_outfile_detach(&o);
    int e = write_history(o.tmp);
    if (e) {
        fprintf(s->errfp, "error: history: cannot write %s: %s (the old file is left as it was)\n", cmd_escape(path),
                strerror(e));
        cmd_outfile_abort(&o);
        return;
    }
    cmd_outfile_commit(s, &o);
}

/* ---- the loop -------------------------------------------------------- */

static char hist_path[4200];
static int repl_started;

/* The line reader of the lesson runner's pauses: readline with completion and history. */
static char *repl_read(od_session *s, const char *prompt)
{
    (void)s;
    at_prompt = 1;
    char *line = readline(prompt);
    at_prompt = 0;
    if (line) {
        const char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (p[0] && p[1]) add_history(line);   /* commands, not the single keys */
    }
    return line;
}

void repl_begin(od_session *s)
{
    S = s;
    if (repl_started) return;
    repl_started = 1;
    rl_readline_name = "oddity";
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = " \t;";
    rl_catch_signals = 0;
    char *dir = session_state_dir();
    if (dir) {
        snprintf(hist_path, sizeof hist_path, "%s/history", dir);
        read_history(hist_path);   /* none yet: it is created at exit */
    }
    free(dir);
    stifle_history(HISTORY_MAX);
    repl_install_sigint(s);
    s->read_line = repl_read;
    s->complete = complete_line;
}

void repl_end(od_session *s)
{
    if (!repl_started) return;
    repl_started = 0;
    if (*hist_path) history_save(s, hist_path);
    s->read_line = NULL;
    s->complete = NULL;
}

int repl_run_tui(od_session *s)
{
    repl_begin(s);
    int rc = session_exec(s, "tui", 0);
    repl_end(s);
    return rc;
}

int repl_run(od_session *s)
{
    repl_begin(s);
    while (!s->quit) {
        at_prompt = 1;
        char *line = readline("oddity> ");
        /* continuation lines for an open quote */
        while (line && cmd_line_incomplete(line)) {
            char *more = readline("   ...> ");
            if (!more) break;
            size_t l = strlen(line) + strlen(more) + 2;
            char *j = od_malloc(s->ctx, l);
            if (!j) { free(more); break; }   /* out of memory: run what was typed */
            snprintf(j, l, "%s\n%s", line, more);
            free(line);
            free(more);
            line = j;
        }
        at_prompt = 0;
        if (!line) { fputc('\n', stdout); break; }
        const char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p) {
            add_history(line);
            od_ctx_clear_cancel(s->ctx);
            session_exec(s, line, 1);   /* errors are reported; the prompt goes on */
            if (od_cancelled(s->ctx)) fprintf(s->errfp, "interrupted\n");
        }
        free(line);
    }
    repl_end(s);
    return 0;
}
