/* cmd.h - the session and the one command table.
 *
 * Every command is one row of the table in table.c (tmux-style entries, one
 * per cmd_<topic>.c file).  Dispatch, option validation, `help`, `help CMD`,
 * the man page's command list and tab completion all read that table. */
#ifndef OD_CMD_H
#define OD_CMD_H

#include <stdio.h>
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
    void (*help_more)(FILE *fp);   /* text generated from a family's table (rules, metrics), or NULL */
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
    const char *cur_line;      /* the line being executed (for caret errors) */
    int cur_col0;
    const char *src_name;      /* script name while running -f/source */
    long src_lineno;
    void *plot;                /* gnuplot process handle (plot module) */
    int line_ncmds;            /* commands on the line being executed */
    int record_override;       /* set by a command: journal record_as instead of the line */
    char *record_as;           /* (NULL: journal nothing) */
};

extern const od_command *const od_commands[];
extern const size_t od_ncommands;
const od_command *cmd_find(const char *name);

/* Execute one input line (may hold several ';'-separated commands).
 * Returns 0 or a negative code; errors have been reported to s->errfp. */
int od_exec_line(od_session *s, const char *line);

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

/* Journal / history */
void session_record(od_session *s, const char *line);

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

/* Run commands (cmd_detect.c, cmd_thr.c, cmd_eval.c) */
void cmd_run_summary(od_session *s, const od_run *r);
int cmd_detect_column(od_session *s, const cmd_line *c);
int cmd_export_scores(od_session *s, const cmd_line *c);
int cmd_export_eval(od_session *s, const cmd_line *c, const char *what, const char *path);
int cmd_save_model(od_session *s, const cmd_line *c);
int cmd_load_model_words(od_session *s, const cmd_line *c);
const char *cmd_metric_str(const od_metric *m);
int cmd_parse_on(od_session *s, const cmd_line *c, const od_run *r, int *part);
size_t cmd_run_part(const od_run *r, int part, double **sc, int **lab);
/* Report the engine error in ctx as "PREFIX: message", the caret under the
 * option the message names ("KEY=...", "option KEY=...", "unknown option
 * 'KEY'"); returns rc. */
int cmd_fail_opt(od_session *s, const cmd_line *c, int rc, const char *prefix);
/* The runs named by words[first..], or every run when none is named.  NULL
 * with *nr = 0 when there are no runs; NULL with *nr > 0 after an error. */
od_run **cmd_runs_of(od_session *s, const cmd_line *c, size_t first, size_t *nr);
const char *cmd_as_name(od_session *s, const cmd_line *c, size_t first, int *bad);
od_table *tbl_new_v(size_t ncol, const char *const *head);
void tbl_row_v(od_table *t, const char *const *cells);

#endif
