/* frame.h - a dataset: named columns (numeric doubles with NaN = missing, or
 * text), each with a role.  Storage is column-major: one array per column. */
#ifndef OD_FRAME_H
#define OD_FRAME_H

#include <stddef.h>
#include "../core/ctx.h"

typedef enum { OD_COL_NUM, OD_COL_TEXT, OD_COL_TIME } od_coltype;
typedef enum { OD_ROLE_FEATURE, OD_ROLE_LABEL, OD_ROLE_TIME, OD_ROLE_IGNORED } od_role;

typedef struct {
    char *name;
    od_coltype type;   /* OD_COL_TIME: num holds seconds since the epoch (UTC) */
    od_role role;
    double *num;       /* OD_COL_NUM / OD_COL_TIME: nrow doubles, NaN = missing */
    char **text;       /* OD_COL_TEXT: nrow strings (NULL = missing) */
} od_column;

typedef struct od_frame {
    size_t nrow, ncol, cap;
    od_column *cols;
} od_frame;

od_frame *od_frame_new(od_ctx *ctx, size_t nrow);
void od_frame_free(od_frame *f);
od_frame *od_frame_copy(od_ctx *ctx, const od_frame *f);
/* Copy of the rows listed in idx (n of them), in that order. */
od_frame *od_frame_take_rows(od_ctx *ctx, const od_frame *f, const size_t *idx, size_t n);

/* Add a column; the frame takes ownership of `data` (nrow values) on success
 * and on failure frees it.  Names must be unique. */
int od_frame_add_num_donate(od_ctx *ctx, od_frame *f, const char *name, double *data, od_coltype type, od_role role);
int od_frame_add_text_donate(od_ctx *ctx, od_frame *f, const char *name, char **text, od_role role);
int od_frame_drop_col(od_frame *f, size_t j);

/* Column index by name, or -1. */
long od_frame_find(const od_frame *f, const char *name);
/* Index of the (first) column with this role, or -1. */
long od_frame_role(const od_frame *f, od_role role);

/* Numeric feature columns (role FEATURE, type NUM): their indices in `idx`
 * (caller-provided, size ncol) and their count. */
size_t od_frame_feature_cols(const od_frame *f, size_t *idx);

/* Row-major n x d matrix of the feature columns, rows in frame order
 * (or only rows[] when rows != NULL).  Caller frees. */
double *od_frame_features(od_ctx *ctx, const od_frame *f, const size_t *rows, size_t nrows, size_t *d_out);

/* Labels as 0/1 ints (NaN label -> -1); NULL with OD_ENOTFOUND if there is no
 * label column.  Caller frees. */
int *od_frame_labels(od_ctx *ctx, const od_frame *f);

#endif
