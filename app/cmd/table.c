/* table.c - the one command table: dispatch, help, completion and the man
 * page's list all read it.  Adding a command = its entry in a cmd_<topic>.c
 * file + one line in the X-list below. */
#include "config.h"
#include "cmd.h"

#define OD_COMMAND_LIST(X) \
    X(load) X(datasets) X(use) X(describe) X(head) X(drop) \
    X(clean) X(scale) X(pca) X(embed) X(window) X(split) X(folds) X(pseudolabel) X(undo) X(lineage) X(export) \
    X(detect) X(search) X(bag) X(runs) X(info) X(threshold) X(tune) X(top) X(explain) X(metrics) X(compare) X(ensemble) X(plot) \
    X(expect) X(set) X(history) X(source) X(lesson) X(save) X(help) X(quit) \
    X(tui)

#define X_DECL(n) extern const od_command cmd_##n##_entry;
OD_COMMAND_LIST(X_DECL)
#define X_REF(n) &cmd_##n##_entry,
const od_command *const od_commands[] = { OD_COMMAND_LIST(X_REF) };
const size_t od_ncommands = sizeof od_commands / sizeof od_commands[0];
