/* cmd.h - the session and the one command table.
 *
 * Every command is one row of the table in table.c (tmux-style entries, one
 * per cmd_<topic>.c file).  Dispatch, option validation, `help`, `help CMD`,
 * the man page's command list and tab completion all read that table. */
#ifndef OD_CMD_H
#define OD_CMD_H

#include <stdio.h>
#include <time.h>
#include <sys/types.h>
#include "oddity.h"
#include "workspace.h"
#include "lex.h"

typedef enum {
    COMPL_NONE, COMPL_FILE, COMPL_DATASET, COMPL_COLUMN, COMPL_RUN,
    COMPL_DETECTOR, COMPL_COMMAND, COMPL_WORDS
} compl_kind;

typedef struct {
    const char *name;
    const char *values;   /* "a|b|c" offered by completion; NULL = free */
    compl_kind compl;     /* completion source for the value */
    const char *help;
} cmd_optspec;

typedef struct od_session od_session;

/* Safe mode (outfile.c): the limits of a script from someone else. */
typedef struct {
    int on;                    /* sticky for the script and every script it sources */
    char *read_root;           /* canonical directory reads must stay inside */
    char *out_dir;             /* canonical output directory once it exists, else NULL */
    char *out_dir_want;        /* where it is created on the first write */
    int out_dir_given;         /* --out-dir=DIR: may exist already */
    char *read_root2;          /* a lesson: the current directory may be read too, or NULL */
} cmd_safe;

/* What goes to `history` and the journal in place of a command's own text.
 * A command that does not stand for itself (tune: a key-driven screen) says
 * so through a result instead of touching the session. */
typedef enum {
    CMD_JOURNAL_SELF = 0,      /* the command's own text (the default) */
    CMD_JOURNAL_NOTHING,       /* nothing: the command changed no state (tune cancelled) */
    CMD_JOURNAL_FOLLOWUP,      /* run `followup` now and journal it instead (tune applied) */
    CMD_JOURNAL_TEXT,          /* journal `followup` as the line that stands for what ran, without running it
                                  (detect interrupted by Ctrl-C: the epochs that were trained) */
} cmd_journal;

typedef struct {
    cmd_journal journal;
    char *followup;            /* CMD_JOURNAL_FOLLOWUP: one line of commands; od_exec_line frees it */
} cmd_result;

typedef struct {
    const char *name;
    const char *usage;         /* "load PATH [as NAME] [label=COL] ..." */
    const char *summary;       /* one line */
    const char *help;          /* paragraphs + a worked example */
    int min_words, max_words;  /* positional words after the verb (-1 = any) */
    const cmd_optspec *opts;   /* terminated by {NULL}; NULL = the handler validates */
    int (*fn)(od_session *s, const cmd_line *c);
    compl_kind words;          /* completion source for positional words */
    const char *word_values;   /* COMPL_WORDS: "a|b|c" */
    const char *topic;         /* grouping for `help` */
    /* instead of fn, for a command that is journaled as something else */
    int (*fn_res)(od_session *s, const cmd_line *c, cmd_result *res);
    void (*help_more)(FILE *fp);   /* help text generated from a family's table (rules, metrics), or NULL */
} od_command;

struct od_session {
    od_ctx *ctx;
    od_workspace *ws;
    FILE *outfp;               /* normal output (stdout) */
    FILE *errfp;               /* errors, warnings, progress (stderr) */
    int interactive;           /* readline front end */
    int keep_going;
    int show_times;            /* print timings (off for byte-identical replays) */
    int quit;
    int depth;                 /* source nesting */
    char terminal[32];         /* default plot terminal */
    FILE *journal;             /* interactive session journal, or NULL */
    char *journal_path;
    char **hist;               /* lines that ran, for `history` and `save session` */
    size_t nhist, caphist;
    unsigned long start_seed;  /* the state the session started in: the header */
    int start_threads;         /* of the journal and of `save session` (effective count) */
    time_t start_time;         /* a comment in the header */
    const char *cur_line;      /* the line being executed (for caret errors) */
    int cur_col0;
    const char *src_name;      /* script name while running -f/source */
    long src_lineno;
    void *plot;                /* gnuplot process handle (plot module) */
    int line_ncmds;            /* commands on the line being executed */
    /* trust (outfile.c; `help scripts`) */
    char *base_dir;            /* relative paths resolve against it (a sourced script's directory); NULL = cwd */
    cmd_safe safe;             /* safe mode limits, on while a safe script runs */
    const char *out_dir_opt;   /* --out-dir=DIR (not owned) */
    char **written;            /* canonical paths this session wrote: they may be replaced */
    size_t nwritten, capwritten;
    int journal_failed;        /* a journal write failed (reported once) */
    int echo;                  /* -f --echo: print each script line (comments and commands) as it runs */
    int in_lesson;             /* a lesson runs (lessons do not nest) */
    /* the line reader of the lesson runner's pauses: readline at a terminal
     * (repl.c), NULL = read standard input */
    char *(*read_line)(od_session *s, const char *prompt);
    /* the scripts running now, outermost first (device, inode): `source` of
     * one of them is refused, so a script sourcing itself twice cannot run
     * 2^16 copies of itself (found by fuzz/fuzz_session.c) */
    struct { dev_t dev; ino_t ino; } running[24];
    int nrunning;
    const char *cur_cmd;       /* the command running (names out-of-memory errors) */
    unsigned long nerrors;     /* errors printed: a command that fails silently gets one */
    /* --shard=I/N: every search runs shard I of N of its work units and writes
     * NAME.part-I-of-N (cmd_search.c); once one has, the commands that would
     * use its run are skipped (exec.c).  --merge-shards=N: every search merges
     * its N parts instead of running.  Parts go to, and are read from,
     * shard_dir (--out-dir) or the current directory. */
    size_t shard_i, shard_n, merge_n;
    int shard_wrote;
    const char *shard_dir;
    /* completion candidates for the word ending at `point` of line (repl.c,
     * for the workbench's command line), or NULL; *start: where that word
     * starts; the caller frees each candidate and the array */
    size_t (*complete)(od_session *s, const char *line, size_t point, size_t *start, char ***cands);
};

extern const od_command *const od_commands[];
extern const size_t od_ncommands;
const od_command *cmd_find(const char *name);

/* Execute one input line (may hold several ';'-separated commands).
 * Returns 0 or a negative code; errors have been reported to s->errfp.
 * Records nothing: session_exec() runs a line and journals it. */
int od_exec_line(od_session *s, const char *line);
/* The same; *journal (when not NULL) receives the text that stands for what
 * ran, for history and the journal: the line itself, or (when a command
 * failed or asked for a result other than itself) the commands that ran
 * joined by "; ".  NULL when nothing ran.  The caller frees it. */
int od_exec_line_journal(od_session *s, const char *line, char **journal);

/* Reporting helpers for handlers. */
int cmd_fail(od_session *s, int code);                 /* report ctx error message */
int cmd_error_at(od_session *s, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cmd_note(od_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *cmd_optval(const cmd_line *c, const char *key);      /* value or NULL */
const cmd_opt *cmd_opt_entry(const cmd_line *c, const char *key);
int cmd_opt_double(od_session *s, const cmd_line *c, const char *key, double *v);  /* 0 absent, 1 set, <0 err */
int cmd_opt_long(od_session *s, const cmd_line *c, const char *key, long *v);
int cmd_opt_bool(od_session *s, const cmd_line *c, const char *key, int *v);
/* Dataset helpers: current dataset/version with a clear error if none. */
od_dataset *cmd_dataset(od_session *s);
od_version *cmd_version(od_session *s, od_dataset **d);
od_run *cmd_run(od_session *s, const cmd_line *c, size_t word);
const char *cmd_part_name(int part);   /* OD_PART_* or -1 (all rows): "train" "val" "test" "all" */

/* ---- the session (session.c): start state, history, journal, scripts ----
 * The journal and `save session` share one header, written by
 * session_write_header(): a comment naming the version and the start time,
 * then `set seed=N threads=N` with the state the session started in (every
 * setting that changes results), so a saved session replays to the same
 * numbers whatever flags started it. */
int session_open(od_session *s, unsigned long seed, int threads);  /* 0 or OD_ENOMEM */
void session_close(od_session *s);
int session_open_journal(od_session *s);   /* $XDG_STATE_HOME/oddity/sessions/; 0 or <0 */
void session_write_header(od_session *s, FILE *fp);
/* header + history, atomically, to a path cmd_out_path() approved; 0 or an error reported */
int session_save(od_session *s, const char *path);
void session_record(od_session *s, const char *line);
int session_exec(od_session *s, const char *line, int record);    /* run, then record */
/* Run a script.  from_source: a `source`d script (its lines are not
 * recorded) whose relative paths resolve against its own directory; safe:
 * run it in safe mode (a no-op when already safe: safe mode is sticky). */
int session_run_file(od_session *s, const char *path, int from_source);
int session_run_script(od_session *s, const char *path, int from_source, int safe);
char *session_state_dir(void);   /* $XDG_STATE_HOME/oddity (created) or NULL; caller frees */

/* Output tables (app/out.c) */
typedef struct od_table od_table;
od_table *tbl_new(size_t ncol, ...);   /* ncol header strings */
void tbl_align(od_table *t, size_t col, int right);
void tbl_row(od_table *t, ...);        /* ncol strings (copied) */
void tbl_cell_num(char *buf, size_t n, double x);  /* sensible significant digits */
void tbl_print(od_table *t, FILE *fp);
void tbl_free(od_table *t);
const char *fmtn(double x);            /* rotating static buffers, 6 significant digits */
const char *fmtg(double x, int sig);

/* ---- trust: paths, overwrite rules, safe mode, atomic files, escaping (outfile.c) ----
 * Every command that writes a file calls cmd_out_path() and every one that
 * reads one calls cmd_in_path() before touching the path; both report their
 * own errors (caret at col) and return a malloc'd path to use, or NULL. */
/* PATH relative to the sourced script's directory (or as given); malloc'd, NULL = out of memory */
char *cmd_resolve_path(od_session *s, const char *path);
char *cmd_dir_of(const char *path);     /* "a/b" -> "a", "b" -> ".", "/b" -> "/"; malloc'd */
/* What may be written: refuses an existing file unless c has force=yes or this
 * session wrote it; in safe mode anything outside the output directory (relative
 * paths are inside it), any existing file it did not write and symbolic links.
 * what = "save session", "export scores", ...: the message's prefix. */
char *cmd_out_path(od_session *s, const cmd_line *c, const char *what, const char *path, int col);
/* What may be read: in safe mode only files inside the script's directory. */
char *cmd_in_path(od_session *s, const cmd_line *c, const char *what, const char *path, int col);
/* Safe mode for one script: enter saves the state leave restores. */
int cmd_safe_enter(od_session *s, const char *script, cmd_safe *saved);
void cmd_safe_leave(od_session *s, cmd_safe *saved);

/* A file written atomically: open creates a temporary file beside path (same
 * mode as the file it replaces); write to fp; commit flushes, fsyncs and
 * renames it over path.  For an engine function that takes a path: detach
 * (closes fp), let it write o.tmp, then commit (or abort).  open and commit
 * report errors naming the file and the reason, and leave an old file as it
 * was; abort removes the temporary file silently. */
typedef struct {
    const char *what;          /* message prefix */
    char *path, *tmp;
    FILE *fp;
} cmd_outfile;
int cmd_outfile_open(od_session *s, cmd_outfile *o, const char *what, const char *path);
void cmd_outfile_detach(cmd_outfile *o);
int cmd_outfile_commit(od_session *s, cmd_outfile *o);
void cmd_outfile_abort(cmd_outfile *o);

/* Text from data (column names, values, file names) for the terminal: control
 * characters as \e \n \t \r \xNN, DEL and bytes that are not UTF-8 as \xNN,
 * C1 controls and bidi overrides as \uNNNN.  cmd_escape returns s itself when
 * nothing needs escaping, else one of 8 rotating buffers (valid until 8 more calls). */
enum { CMD_ESC_KEEP_NL = 1, CMD_ESC_KEEP_TAB = 2 };
const char *cmd_escape(const char *s);
char *cmd_escape_dup(const char *s, int flags);             /* malloc'd; NULL = out of memory */
size_t cmd_escape_to(char *out, const char *s, size_t n, int flags);   /* out NULL: the length */

/* Help topics that are not commands (`help scripts`), for help and the man page. */
typedef struct {
    const char *name, *title, *text;
} cmd_help_topic;
extern const cmd_help_topic cmd_help_topics[];   /* terminated by {NULL} */

/* The man page (app/man.c), generated from the command table. */
void od_write_man(FILE *fp);
od_table *tbl_new_v(size_t ncol, const char *const *head);
void tbl_row_v(od_table *t, const char *const *cells);

/* ---- shared between the cmd_<topic>.c files, by the file defining them ----
 * Declared here and nowhere else: no .c file declares another's function. */
/* cmd_data.c */
const char *cmd_as_name(od_session *s, const cmd_line *c, size_t first, int *bad);
void cmd_print_lineage(od_session *s, od_dataset *d);
/* cmd_detect.c */
void cmd_run_summary(od_session *s, const od_run *r);
int cmd_detect_column(od_session *s, const cmd_line *c);
int cmd_export_scores(od_session *s, const cmd_line *c);
int cmd_save_model(od_session *s, const cmd_line *c);
int cmd_load_model_words(od_session *s, const cmd_line *c);
/* cmd_eval.c */
int cmd_parse_on(od_session *s, const cmd_line *c, const od_run *r, int *part);
size_t cmd_run_part(const od_run *r, int part, double **sc, int **lab);
const char *cmd_metric_str(const od_metric *m);
int cmd_export_eval(od_session *s, const cmd_line *c, const char *what, const char *path);
/* Report the engine error in ctx as "PREFIX: message", the caret under the
 * option the message names ("KEY=...", "option KEY=...", "unknown option
 * 'KEY'"); returns rc. */
int cmd_fail_opt(od_session *s, const cmd_line *c, int rc, const char *prefix);
/* The runs named by words[first..], or every run when none is named.  NULL
 * with *nr = 0 when there are no runs; NULL with *nr > 0 after an error. */
od_run **cmd_runs_of(od_session *s, const cmd_line *c, size_t first, size_t *nr);
/* cmd_thr.c: norm=, combine= and weights= (nr of them) of ensemble and bag;
 * 0 or a reported error */
int cmd_ensemble_options(od_session *s, const cmd_line *c, size_t nr, od_norm *norm, od_combine *how, double **w);
/* cmd_detect.c: `text` with its option key=VALUE set to key=val (appended
 * when absent); NULL when out of memory */
char *cmd_with_option(od_session *s, const char *text, const char *key, const char *val);
/* cmd_detect.c: "  " + each line of text */
void cmd_print_indented(od_session *s, const char *text);
/* cmd_plot.c */
void cmd_plot_close(od_session *s);
/* cmd_lesson.c: run a lesson (help lesson); solve = non-interactively with the
 * exercises' solutions applied.  0, or an error reported. */
int cmd_lesson_run(od_session *s, const char *path, int solve);
/* glossary.c: the glossary (help glossary, help TERM) */
typedef struct {
    const char *term;          /* what `help TERM` takes */
    const char *aliases;       /* other names, '|'-separated ("roc-auc|auc"), or NULL */
    const char *title;         /* one line */
    const char *text;          /* 2-6 lines: meaning, formula, reference, a command that shows it */
} cmd_glossary_entry;
extern const cmd_glossary_entry cmd_glossary[];   /* terminated by {NULL} */
const cmd_glossary_entry *cmd_glossary_find(const char *term);
void cmd_glossary_print(FILE *fp, const cmd_glossary_entry *g);
void cmd_glossary_list(FILE *fp);

#endif
