/* csv.h - delimited text (CSV/TSV/...) reader and writer.
 *
 * Reading: RFC 4180 quoting ("" escapes a quote; quoted fields may hold
 * separators and newlines), LF or CRLF line ends, an optional UTF-8 BOM, blank
 * lines skipped, spaces around unquoted fields trimmed.  The separator and the
 * header line are detected unless given.
 *
 * Column types are inferred from the first data rows (up to 1000): a column
 * whose non-missing values are mostly numbers is numeric (OD_COL_NUM); mostly
 * ISO 8601 timestamps (see timeparse.h) is OD_COL_TIME (seconds since the epoch,
 * UTC); anything else is text (OD_COL_TEXT, role OD_ROLE_IGNORED: kept, not a
 * feature).  A column that is missing throughout those rows takes the type of
 * its first value.  Afterwards a numeric or timestamp column must stay so: a
 * value that is neither of its type nor a missing-value token is an error,
 * except in columns named in `ignore`, where it becomes NaN (with a warning).
 * Numbers are converted exactly as strtod() does in the C locale (bit for bit);
 * "inf"/"-inf"/"infinity" are infinities.
 *
 * Roles: the label column (see od_csv_opts.label) becomes a numeric 0/1 column
 * with role OD_ROLE_LABEL (NaN where missing); the time column gets
 * OD_ROLE_TIME; further timestamp columns, text columns and columns named in
 * `ignore` get OD_ROLE_IGNORED; every other numeric column is a feature.  When
 * the label was found by name, other columns that look like labels too (a label
 * name, or a name starting with "label_") are ignored with a warning, so a
 * second ground-truth column cannot leak into the features.
 *
 * Label values: at most two distinct values.  Numbers {0,1} (or one of them)
 * are kept.  Otherwise one value is chosen as the anomaly (1): for text, the
 * value that reads like an anomaly (contains "anom", "outlier", "abnormal",
 * "attack", "fraud", or is yes/y/true/t/o/a/1/positive/pos) when exactly one
 * does, else the other value when exactly one reads as normal (normal, no, n,
 * false, f, 0, inlier, benign, negative, neg, nominal, ok, good); failing that,
 * and always for numbers, the less frequent value (on a tie, the larger number
 * or the text that sorts last).  A warning says which mapping was used.
 *
 * Speed and memory: the input is read in 4 MB blocks (never whole), columns
 * are sized from the bytes per row of the first rows; quote-free stretches are
 * parsed by od_ctx_threads(ctx) threads (one again once they are seen only
 * taking turns on a busy machine), with the same result for any number.
 *
 * Errors: one message "FILE:LINE:COL: what is wrong (what was expected)"
 * (LINE and COL are 1-based; COL counts bytes) or "FILE: ..." when no position
 * applies; on error nothing is returned half-built.
 */
#ifndef OD_CSV_H
#define OD_CSV_H

#include <stddef.h>
#include "frame.h"

typedef struct {
    char sep;                 /* 0 = detect among , ; \t | */
    int header;               /* -1 = detect, 0 = none (columns named V1..Vn), 1 = yes */
    const char *label;        /* label column name; NULL = by name: label, is_anomaly, anomaly, outlier, class (case-insensitive) */
    const char *time;         /* time column name; NULL = first column whose type is timestamp */
    const char *const *ignore;  size_t nignore;   /* columns to mark OD_ROLE_IGNORED */
    const char *const *columns; size_t ncolumns;  /* if set: keep only these (plus label and time) */
    const char *const *na;      size_t nna;       /* NA tokens; NULL = "", NA, NaN, nan, null, NULL, ? */
    char decimal;             /* 0 or '.' = decimal point; ',' = decimal comma ("1,5"; a '.' is then not
                                 part of a number, and the separator cannot be ',') */
} od_csv_opts;          /* zero-initialised = all defaults */

/* Reads a delimited text file.  opts may be NULL: all defaults with the
 * header detected.  Header: -1 detects it (line 1 is a header when some field
 * of it is text over a column whose other values are numbers or timestamps,
 * or when none of its fields is a number, a timestamp, empty, or repeated
 * below);
 * 1 forces it; 0 means none (a zero-initialised od_csv_opts therefore reads
 * line 1 as data: set header = -1 to detect; when such a line 1 then fails as
 * data and looks like a header, the message says so).
 * Returns a new frame (free with od_frame_free), or NULL with *err set to a
 * negative OD_E* code (OD_EIO, OD_EDATA, OD_EFORMAT, OD_EINVAL, OD_ENOMEM,
 * OD_ECANCEL) and the message in ctx.  err may be NULL.  Warnings (label
 * mapping, ignored look-alike or empty columns) go to od_warn. */
od_frame *od_csv_read(od_ctx *ctx, const char *path, const od_csv_opts *opts, int *err);

/* The same from memory: buf[0..len) (need not be NUL-terminated); `name` is
 * used in messages in place of a path. */
od_frame *od_csv_read_mem(od_ctx *ctx, const char *name, const char *buf, size_t len, const od_csv_opts *opts, int *err);

/* Writes the frame as CSV: a header line, then one line per row, all columns
 * in frame order (label and time included), ',' separated, '\n' ends.
 * Numbers are written so that they read back to the same double: in fixed
 * point with the fewest decimals that do (e.g. 0.1, 2.85507, 3) when
 * 1e-5 <= |x| < 1e15, else the shortest of %.15g/%.16g/%.17g that does; -0
 * as "-0"; NaN (and NULL text) is written as an empty field; infinities as
 * inf/-inf; OD_COL_TIME as "YYYY-MM-DD HH:MM:SS" (UTC, plus a fraction when
 * there is one); fields holding ',', '"', a line end or outer spaces are
 * quoted.  Returns OD_OK or OD_EIO with the path and strerror in the message. */
int od_csv_write(od_ctx *ctx, const od_frame *f, const char *path);

/* --- helpers shared by the readers (CSV, ARFF) --- */

/* Parses the number in s[0..len) exactly as strtod would in the C locale
 * (sign, digits, optional fraction and exponent; inf/infinity/nan in any case).
 * Returns 0 and sets *v, or -1 if s is not entirely such a number. */
int od_csv_parse_number(const char *s, size_t len, double *v);

/* Scans buf[0..n) for a NUL byte or invalid UTF-8 (a multi-byte sequence cut
 * by n counts as valid unless at_end).  Returns 0 if clean, else 1 (NUL) or
 * 2 (invalid UTF-8) with the offset of the offending byte in *at. */
int od_csv_check_text(const char *buf, size_t n, int at_end, size_t *at);

/* Is `name` one of the default label column names (case-insensitive)? */
int od_csv_is_label_name(const char *name);

/* Given the 1 or 2 distinct values of a label column (as text; numeric = they
 * are numbers) and how often each occurs, returns the index (0 or 1) of the
 * value that means "anomaly" (1), or -1 when it is a single normal-looking
 * value.  *why describes the rule used ("named", "less frequent", "0/1"). */
int od_csv_label_pick(const char *const *vals, const size_t *counts, int n, int numeric, const char **why);

#endif
