/* score.h - score a stream of CSV/TSV rows with a model file's pipeline
 * (`oddity score`): rows are read in chunks, put through the model's
 * preprocessing and detector, and written out as they are scored.
 *
 * Reading: after the header a thread of its own reads `in` and cuts its
 * lines ahead (two chunks at most) while the calling thread scores and
 * writes; it touches neither the ctx nor `out`, opts->bad is called on the
 * calling thread.  Stopped early (a bad row, an error, the ctx cancelled)
 * it may be cancelled inside fread on `in` (a pipe that waits for input):
 * what `in` still holds is then not to be relied on.
 *
 * Memory: three chunks of lines, plus for a series model the last window of
 * points (the context the next chunk's first windows need), so a tabular model scores
 * any length of input in constant memory.  A clean missing=interpolate (or
 * ffill, for a gap at the start) holds the rows of a gap until its next value
 * comes: memory then grows with the longest such gap.  Scores equal the workbench's
 * scores of the same rows bit for bit: the same preprocessing code, the same
 * detector score function, the same window -> point map (od_window_map).
 *
 * Rows: row N is the N-th data record of the input (the header and blank
 * lines are not counted), as `export scores` numbers the rows of the same
 * file loaded in the workbench; a skipped bad row keeps its number.
 *
 * Input: the first non-blank line is the header (it must name the model's
 * input columns; other columns are passed over); the separator is the one
 * among , ; TAB | that the header holds most of; fields may be quoted
 * ("" escapes a quote) but may not hold line ends.  Numbers are read exactly
 * as the loader reads them (od_csv_parse_number).  A bad row (wrong field
 * count, a missing or non-numeric value in a column the model reads, a value
 * beyond +-1e100) is reported through opts->bad as "NAME:LINE:COL: ..." and
 * skipped (skip_bad) or ends the run (OD_EDATA, the same message in ctx). */
#ifndef OD_SCORE_H
#define OD_SCORE_H

#include <stdio.h>
#include "run.h"

typedef struct {
    size_t chunk;                  /* rows per chunk (>= 1) */
    int keep;                      /* write the input columns before score[,flag] */
    int flags;                     /* write the flag column (needs a threshold) */
    int has_thr;                   /* use thr (not the model's threshold) */
    double thr;
    int skip_bad;                  /* skip bad rows (else stop at the first) */
    int no_header;                 /* the input has no header: field j is input column j */
    void (*bad)(void *arg, const char *msg);   /* each bad row, one line (may be NULL) */
    void *arg;
} od_score_opts;

typedef struct {
    size_t rows;                   /* data records read */
    size_t written, scored, flagged, bad;
    size_t dropped;                /* rows a clean missing=drop step removed (no output line) */
    unsigned long long bytes;      /* input bytes */
} od_score_report;

/* Can model m be replayed on new rows?  OD_EINVAL naming the reason (a
 * version-1 file, a pipeline note, a smoothed sequence model, --threshold
 * without one), with `path` (the model file) in the message. */
int od_score_check(od_ctx *ctx, const od_model *m, const char *path, const od_score_opts *o);

/* Score the rows of `in` (named `name` in messages) with m, writing to out.
 * Errors: OD_EDATA (a bad row with stop, a missing input column: "NAME: no
 * column 'x' (the model MODEL reads a,b,c)"), OD_EIO (reading or writing),
 * OD_ENOMEM, the detector's. */
int od_score_stream(od_ctx *ctx, od_model *m, const char *model_path, FILE *in, const char *name, FILE *out,
                    const od_score_opts *o, od_score_report *rep);

#endif
