/* describe.h - per-column statistics of a frame: the numbers behind the
 * `describe` command, computed by the engine and printed by the front end. */
#ifndef OD_RUN_DESCRIBE_H
#define OD_RUN_DESCRIBE_H

#include <stddef.h>
#include "../core/ctx.h"
#include "../data/frame.h"

/* Statistics of one column.  Missing values (NaN, or a NULL text cell) are
 * counted in `missing` and left out of everything else.
 *
 * Numeric and time columns (`numeric` = 1 when at least one value is present):
 *   mean, sd       arithmetic mean and standard deviation with n-1 (sd is NaN
 *                  when n < 2); for a time column they are seconds since the
 *                  epoch and mean little;
 *   min..max       min, the 0.25 / 0.5 / 0.75 quantiles with linear
 *                  interpolation between order statistics (numpy's default
 *                  "linear" method, R type 7) and max;
 *   distinct       number of distinct values (-0 and +0 count as one).
 * Text columns and columns without values have `numeric` = 0, every double
 * NaN and distinct = 0. */
typedef struct {
    const char *name;     /* the column's name (a copy held in the returned block) */
    size_t col;           /* index of the column in the frame */
    od_coltype type;
    od_role role;
    size_t n;             /* values present */
    size_t missing;
    size_t distinct;
    int numeric;
    double mean, sd, min, q25, median, q75, max;
} od_col_stats;

/* Statistics of the columns of `f` named in `names` (all columns when nnames
 * is 0), in frame order, each column once.  On success *out is one block the
 * caller releases with free() (names included) and *nout its length.
 * An unknown name fails with OD_ENOTFOUND, a message naming it, and its index
 * in `names` in *bad (when bad is not NULL).  Columns are computed in parallel
 * (the context's thread count); the results do not depend on it.
 * Quantiles use selection, not a sort: O(n) expected time per column. */
int od_frame_describe(od_ctx *ctx, const od_frame *f, const char *const *names, size_t nnames,
                      od_col_stats **out, size_t *nout, size_t *bad);

#endif
