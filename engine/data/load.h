/* load.h - open a dataset file by its kind.
 *
 *   .arff                          -> od_arff_read
 *   .gz .bz2 .xz .zst .zip .Z      -> error: compressed files are not supported
 *   .csv .tsv (sep '\t' unless given) .txt .dat, anything else -> od_csv_read
 *     (a file without a .csv/.tsv extension whose first line starts with
 *     "@relation" is read as ARFF)
 *
 * Input that is not a regular file (a pipe, /dev/stdin, /dev/fd/N, a FIFO) is
 * read once, whole, into memory and then sniffed and parsed from there, so no
 * byte is lost; messages still name `path`.  A FIFO is opened without waiting
 * for a writer; the wait and every read poll the context's cancel flag, so
 * Ctrl-C ends them (OD_ECANCEL, "load: interrupted while waiting for a writer
 * on FIFO PATH ...").
 */
#ifndef OD_LOAD_H
#define OD_LOAD_H

#include "csv.h"

/* opts may be NULL (defaults, header detected).  Returns a new frame or NULL
 * with *err (may be NULL) set and the message in ctx. */
od_frame *od_data_load(od_ctx *ctx, const char *path, const od_csv_opts *opts, int *err);

#endif
