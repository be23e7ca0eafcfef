/* util.h - helpers shared by the prep sources (not part of the public API). */
#ifndef OD_PREP_UTIL_H
#define OD_PREP_UTIL_H

#include <math.h>
#include <stddef.h>
#include "prep.h"
#include "../core/num.h"   /* od_quantiles_select: numpy linear quantiles */

/* Number of fit rows (all rows when mask == NULL); error OD_EDATA when none. */
int od_prep_fit_count(od_ctx *ctx, const od_frame *f, const unsigned char *mask, size_t *nfit);

/* The label column's values, or NULL when the frame has none. */
const double *od_prep_label_col(const od_frame *f);

static inline int od_prep_is_anom(const double *lab, size_t i)
{
    return lab && !isnan(lab[i]) && lab[i] != 0;
}

/* Copy column src (all rows) into frame g under the same name/role/type. */
int od_prep_copy_col(od_ctx *ctx, od_frame *g, const od_column *src, size_t nrow);

/* A copy of `in` in which column j takes the data repl[j] (nrow doubles,
 * donated) when repl[j] != NULL.  All repl[] arrays are freed on failure. */
int od_prep_frame_with(od_ctx *ctx, const od_frame *in, double **repl, od_frame **out);

/* First index in [0,n) of the first NaN in x, or n. */
size_t od_prep_first_nan(const double *x, size_t n);
size_t od_prep_count_nan(const double *x, size_t n);

/* Format with 6 significant digits into one of a few rotating buffers. */
const char *od_prep_num(double x);
/* 100*part/whole with 3 significant digits (0 when whole is 0). */
const char *od_prep_pct(double part, double whole);

/* Stable order of rows by the time column (NaN last) when the frame has one,
 * else identity; caller frees. */
size_t *od_prep_time_order(od_ctx *ctx, const od_frame *f);

/* Rows per block so that a centred block (rows x d) stays ~8 MB. */
size_t od_prep_block_rows(size_t d);

/* Gather rows r0..r0+b-1 of the row list `rows` (all rows when NULL) of the
 * columns x[0..d-1] into Z (b x d, column-major, ld b), minus mean. */
void od_prep_gather(const double *const *x, size_t d, const size_t *rows, size_t r0, size_t b,
                    const double *mean, double *Z);

/* Mean (d) and scatter matrix S = sum (x - mean)(x - mean)^T (d x d, full,
 * row-major) of the fit rows of columns x[0..d-1] (n rows, nfit of them in
 * fit_mask or all when NULL).  Blocked, CBLAS dsyrk. */
int od_prep_scatter(od_ctx *ctx, const double *const *x, size_t d, size_t n, const unsigned char *fit_mask,
                    size_t nfit, double *mean, double *S);

/* Fisher-Yates shuffle with gsl_rng_uniform_int (deterministic for the rng). */
void od_prep_shuffle(gsl_rng *r, size_t *a, size_t n);

#endif
