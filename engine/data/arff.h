/* arff.h - Weka ARFF reader (dense data only).
 *
 * Header: % comments, @relation NAME, @attribute NAME TYPE with TYPE one of
 * numeric, real, integer, string, date [FORMAT] (values read as ISO 8601, see
 * timeparse.h; the format string is not interpreted) or a nominal list
 * {a,b,c}; names and values may be quoted with ' or ".  Then @data and one
 * comma-separated instance per line, '?' = missing; an instance weight {w}
 * after the last value is ignored.  Sparse instances ({index value, ...}) and
 * relational attributes are rejected with an error naming the line.
 *
 * Columns: numeric -> OD_COL_NUM features; date -> OD_COL_TIME (the time column
 * is time= or the first date attribute, others are ignored); string -> text,
 * ignored; nominal -> numeric codes 0..k-1 in declaration order (features),
 * except the label.  The label is the attribute named by opts->label, else the
 * first attribute named like a label (label, is_anomaly, anomaly, outlier,
 * class; case-insensitive) that has at most two values: its values are mapped
 * to 0/1 by the same rules as the CSV reader (csv.h; a nominal's declared
 * names are used, e.g. {yes,no}, {o,n}, {outlier,normal}).  A label-named
 * nominal with more than two values is not used as the label: it is kept as
 * codes with role ignored, with a warning.  opts->ignore, ->columns, ->time
 * work as for CSV; opts->sep, ->header and ->na do not apply ('?' is missing).
 * Errors: "FILE:LINE:COL: what is wrong (what was expected)".
 */
#ifndef OD_ARFF_H
#define OD_ARFF_H

#include "csv.h"

od_frame *od_arff_read(od_ctx *ctx, const char *path, const od_csv_opts *opts, int *err);

/* The same from memory (name is used in messages). */
od_frame *od_arff_read_mem(od_ctx *ctx, const char *name, const char *buf, size_t len, const od_csv_opts *opts, int *err);

#endif
