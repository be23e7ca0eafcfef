/* lex.h - the command language's lexer and parser.
 *
 *   line     := command { ';' command } [ '#' comment ]
 *   command  := verb { word | key=value }
 *   word     := bare | "quoted string with \" \\ \n \t escapes"
 *   value    := bare | "quoted" | a,b,c (a list: split with cmd_list_split)
 *   names    := [A-Za-z_][A-Za-z0-9_.-]*
 *
 * Every token remembers its column (1-based) so errors can point at it. */
#ifndef OD_LEX_H
#define OD_LEX_H

#include <stddef.h>

typedef struct {
    char *text;    /* unquoted, unescaped */
    int col;       /* 1-based column of the token's first character */
    int quoted;
} cmd_tok;

typedef struct {
    char *key;
    char *val;
    int col;       /* column of the key */
    int vcol;      /* column of the value */
} cmd_opt;

typedef struct {
    char *src;               /* the command's own text (trimmed) */
    int col0;                /* column of src within the line */
    size_t nwords;
    cmd_tok *words;          /* words[0] is the verb */
    size_t nopts;
    cmd_opt *opts;
} cmd_line;

typedef struct {
    char msg[256];
    int col;                 /* 1-based column in the line, 0 = none */
} cmd_err;

/* Parse one input line into commands.  Returns the number of commands
 * (0 for blank/comment lines) or -1 with *err filled.  *cmds is allocated. */
int cmd_parse_line(const char *line, cmd_line **cmds, cmd_err *err);
void cmd_lines_free(cmd_line *cmds, int n);

/* Is the line unfinished (open quote) so a continuation prompt should follow? */
int cmd_line_incomplete(const char *line);

/* Split "a,b,c" into a NULL-terminated array of strings (one allocation). */
char **cmd_list_split(const char *s, size_t *n);

/* Quote a value for writing back into a script if it needs it. Caller frees. */
char *cmd_quote(const char *s);

int cmd_is_name(const char *s);

#endif
