#ifndef OD_REPL_H
#define OD_REPL_H
#include <unistd.h>
#include "cmd/cmd.h"
int repl_run(od_session *s);
/* readline, completion and the history file for a lesson run outside repl_run */
void repl_begin(od_session *s);
void repl_end(od_session *s);
void repl_install_sigint(od_session *s);
/* oddity --tui: the workbench (tui) with the prompt's history and completion */
int repl_run_tui(od_session *s);
#endif
