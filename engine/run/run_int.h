/* run_int.h - what run.c shares with the other files of the run layer
 * (bag.c); not part of the public API. */
#ifndef OD_RUN_INT_H
#define OD_RUN_INT_H

#include "run.h"

/* A new run named `name` (NULL: "<algo>N", the first free N). */
od_run *od_runi_new(od_ctx *ctx, od_workspace *ws, const char *name, const char *algo, const char *dataset);
/* Add r to the workspace (replacing one of the same name). */
int od_runi_add(od_ctx *ctx, od_workspace *ws, od_run *r, od_run **out);
/* Labels, pseudo-labels, parts and time axis of version v, copied into r. */
int od_runi_attach(od_ctx *ctx, od_run *r, const od_dataset *d, const od_version *v);
/* The feature matrix: od_run_data_matrix (run.h). */
/* The rows a fit sees (use[i] = 1) under fit mode `fit`. */
int od_runi_fit_rows(od_ctx *ctx, const od_version *v, od_fit_mode fit, unsigned char *use);
/* Normalise k score vectors (n each; zscore/minmax with the statistics of the
 * rows part[i] == OD_PART_TRAIN, all rows when part is NULL) and combine them
 * into out: what `ensemble` does. */
int od_runi_combine(od_ctx *ctx, const double *const *scores, size_t k, size_t n, const unsigned char *part, od_norm norm,
                    od_combine combine, const double *w, double *out);

#endif
