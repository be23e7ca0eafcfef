/* data.h - od_data, the matrix view every algorithm reads.
 *
 * A row-major n x d matrix view: row i starts at X + i*ld (ld >= d for
 * ordinary matrices; ld < d for a sliding-window view, whose rows overlap in
 * memory: windows of W points of a c-channel series with stride s are the view
 * {series, n_windows, W*c, s*c}, so windowing copies nothing).  Always index
 * as X[i*ld + j]; ld == d means contiguous.  A view: it owns nothing. */
#ifndef OD_CORE_DATA_H
#define OD_CORE_DATA_H

#include <stddef.h>

typedef struct {
    const double *X;
    size_t n, d;
    size_t ld;
} od_data;

#endif
