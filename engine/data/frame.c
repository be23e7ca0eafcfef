#include "config.h"
#include "frame.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

od_frame *od_frame_new(od_ctx *ctx, size_t nrow)
{
    od_frame *f = od_calloc(ctx, 1, sizeof *f);
    if (f) f->nrow = nrow;
    return f;
}

static void col_free(od_column *c, size_t nrow)
{
    free(c->name);
    free(c->num);
    if (c->text) {
        for (size_t i = 0; i < nrow; i++) free(c->text[i]);
        free(c->text);
    }
}

void od_frame_free(od_frame *f)
{
    if (!f) return;
    for (size_t j = 0; j < f->ncol; j++) col_free(&f->cols[j], f->nrow);
    free(f->cols);
    free(f);
}

static int reserve_col(od_ctx *ctx, od_frame *f)
{
    if (f->ncol < f->cap) return OD_OK;
    size_t cap = f->cap ? 2 * f->cap : 8;
    od_column *c = realloc(f->cols, cap * sizeof *c);
    if (!c) return od_error(ctx, OD_ENOMEM, "out of memory adding a column");
    f->cols = c;
    f->cap = cap;
    return OD_OK;
}

long od_frame_find(const od_frame *f, const char *name)
{
    for (size_t j = 0; j < f->ncol; j++)
        if (strcmp(f->cols[j].name, name) == 0) return (long)j;
    return -1;
}

long od_frame_role(const od_frame *f, od_role role)
{
    for (size_t j = 0; j < f->ncol; j++)
        if (f->cols[j].role == role) return (long)j;
    return -1;
}

int od_frame_add_num_donate(od_ctx *ctx, od_frame *f, const char *name, double *data, od_coltype type, od_role role)
{
    int rc;
    if (od_frame_find(f, name) >= 0) {
        free(data);
        return od_error(ctx, OD_EINVAL, "duplicate column name '%s'", name);
    }
    if ((rc = reserve_col(ctx, f))) { free(data); return rc; }
    char *nm = od_strdup(ctx, name);
    if (!nm) { free(data); return OD_ENOMEM; }
    f->cols[f->ncol++] = (od_column){ .name = nm, .type = type, .role = role, .num = data };
    return OD_OK;
}

int od_frame_add_text_donate(od_ctx *ctx, od_frame *f, const char *name, char **text, od_role role)
{
    int rc;
    if (od_frame_find(f, name) >= 0 || (rc = reserve_col(ctx, f))) {
        if (text) {
            for (size_t i = 0; i < f->nrow; i++) free(text[i]);
            free(text);
        }
        if (od_frame_find(f, name) >= 0)
            return od_error(ctx, OD_EINVAL, "duplicate column name '%s'", name);
        return OD_ENOMEM;
    }
    char *nm = od_strdup(ctx, name);
    if (!nm) {
        for (size_t i = 0; i < f->nrow; i++) free(text[i]);
        free(text);
        return OD_ENOMEM;
    }
    f->cols[f->ncol++] = (od_column){ .name = nm, .type = OD_COL_TEXT, .role = role, .text = text };
    return OD_OK;
}

int od_frame_drop_col(od_frame *f, size_t j)
{
    if (j >= f->ncol) return OD_EINVAL;
    col_free(&f->cols[j], f->nrow);
    memmove(f->cols + j, f->cols + j + 1, (f->ncol - j - 1) * sizeof *f->cols);
    f->ncol--;
    return OD_OK;
}

static int copy_col(od_ctx *ctx, od_column *dst, const od_column *src, const size_t *idx, size_t n, size_t srcrows)
{
    *dst = (od_column){ .type = src->type, .role = src->role };
    dst->name = od_strdup(ctx, src->name);
    if (!dst->name) return OD_ENOMEM;
    if (src->num) {
        dst->num = od_mallocn(ctx, n, sizeof(double));
        if (!dst->num) return OD_ENOMEM;
        if (idx) for (size_t i = 0; i < n; i++) dst->num[i] = src->num[idx[i]];
        else memcpy(dst->num, src->num, n * sizeof(double));
    }
    if (src->text) {
        dst->text = od_calloc(ctx, n, sizeof(char *));
        if (!dst->text) return OD_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            const char *s = src->text[idx ? idx[i] : i];
            if (s && !(dst->text[i] = od_strdup(ctx, s))) return OD_ENOMEM;
        }
    }
    (void)srcrows;
    return OD_OK;
}

od_frame *od_frame_take_rows(od_ctx *ctx, const od_frame *f, const size_t *idx, size_t n)
{
    od_frame *g = od_frame_new(ctx, idx ? n : f->nrow);
    if (!g) return NULL;
    g->cols = od_calloc(ctx, f->ncol ? f->ncol : 1, sizeof *g->cols);
    if (!g->cols) { free(g); return NULL; }
    g->cap = f->ncol ? f->ncol : 1;
    for (size_t j = 0; j < f->ncol; j++) {
        g->ncol = j + 1;
        if (copy_col(ctx, &g->cols[j], &f->cols[j], idx, g->nrow, f->nrow)) {
            od_frame_free(g);
            return NULL;
        }
    }
    return g;
}

od_frame *od_frame_copy(od_ctx *ctx, const od_frame *f)
{
    return od_frame_take_rows(ctx, f, NULL, f->nrow);
}

size_t od_frame_feature_cols(const od_frame *f, size_t *idx)
{
    size_t d = 0;
    for (size_t j = 0; j < f->ncol; j++)
        if (f->cols[j].role == OD_ROLE_FEATURE && f->cols[j].type == OD_COL_NUM) idx[d++] = j;
    return d;
}

double *od_frame_features(od_ctx *ctx, const od_frame *f, const size_t *rows, size_t nrows, size_t *d_out)
{
    size_t *idx = od_mallocn(ctx, f->ncol ? f->ncol : 1, sizeof *idx);
    if (!idx) return NULL;
    size_t d = od_frame_feature_cols(f, idx);
    size_t n = rows ? nrows : f->nrow;
    if (d == 0) {
        free(idx);
        od_error(ctx, OD_EDATA, "the dataset has no numeric feature columns");
        return NULL;
    }
    double *X = od_mallocn(ctx, n * d != 0 ? n * d : 1, sizeof *X);
    if (!X) { free(idx); return NULL; }
    for (size_t k = 0; k < d; k++) {
        const double *c = f->cols[idx[k]].num;
        if (rows) for (size_t i = 0; i < n; i++) X[i * d + k] = c[rows[i]];
        else for (size_t i = 0; i < n; i++) X[i * d + k] = c[i];
    }
    free(idx);
    *d_out = d;
    return X;
}

int *od_frame_labels(od_ctx *ctx, const od_frame *f)
{
    long j = od_frame_role(f, OD_ROLE_LABEL);
    if (j < 0) {
        od_error(ctx, OD_ENOTFOUND, "the dataset has no label column");
        return NULL;
    }
    int *y = od_mallocn(ctx, f->nrow ? f->nrow : 1, sizeof *y);
    if (!y) return NULL;
    const double *c = f->cols[j].num;
    for (size_t i = 0; i < f->nrow; i++) y[i] = isnan(c[i]) ? -1 : (c[i] != 0);
    return y;
}
