/* workbench.h - the full-screen workbench (ncurses): header, runs, the
 * threshold of the selected run, a braille plot, the log and a command line.
 *
 * The screen never calls a detector or changes a run itself: everything it
 * does is a command line handed to the host's executor (the same one the
 * REPL uses), so it is journaled and replays in the REPL.  It reads the
 * workspace to draw it, between commands. */
#ifndef OD_WORKBENCH_H
#define OD_WORKBENCH_H

#include <stdio.h>
#include "workspace.h"

typedef struct {
    od_ctx *ctx;
    od_workspace *ws;
    void *user;
    /* Run one command line through the session (journaled); *out receives
     * what it printed (malloc'd, may be NULL).  Returns its status. */
    int (*exec)(void *user, const char *line, char **out);
    /* Completion candidates for the word ending at `point` of line (NULL:
     * none); *start receives where that word starts.  Returns the count;
     * the caller frees each candidate and the array.  May be NULL. */
    size_t (*complete)(void *user, const char *line, size_t point, size_t *start, char ***cands);
    const int *quit;       /* the session's quit flag (`quit` typed on the command line) */
} tui_host;

/* Runs the workbench on the terminal (stdin/stdout must be ttys) until q,
 * `quit` or SIGTERM.  Returns 0 when left with q or quit, 1 after SIGTERM
 * (the terminal restored), -1 when the terminal cannot be used. */
int tui_workbench(const tui_host *h);

/* The key table, as `?` shows it (for `help tui`). */
void tui_keys_print(FILE *fp);

#endif
