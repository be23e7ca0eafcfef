/* recipe.c - a transform as data (od_prep_step), to fit it again on other
 * rows: see prep.h. */
#include "config.h"
#include "prep.h"

#include <stdlib.h>
#include <string.h>

od_prep_step *od_prep_step_new(od_ctx *ctx, od_step_kind kind, const char *const *cols, size_t ncols)
{
    od_prep_step *st = od_calloc(ctx, 1, sizeof *st);
    if (!st) return NULL;
    st->kind = kind;
    if (cols && ncols) {
        if (!(st->cols = od_calloc(ctx, ncols, sizeof *st->cols))) { free(st); return NULL; }
        st->ncols = ncols;
        for (size_t i = 0; i < ncols; i++)
            if (!(st->cols[i] = od_strdup(ctx, cols[i]))) { od_prep_step_free(st); return NULL; }
    }
    st->clean.cols = st->pca.cols = (const char *const *)st->cols;
    st->clean.ncols = st->pca.ncols = st->ncols;
    return st;
}

void od_prep_step_free(od_prep_step *st)
{
    if (!st) return;
    for (size_t i = 0; i < st->ncols; i++) free(st->cols[i]);
    free(st->cols);
    free(st->kept);
    free(st);
}

int od_prep_step_fitted(const od_prep_step *st)
{
    switch (st->kind) {
    case OD_STEP_SCALE:
    case OD_STEP_PCA: return 1;
    case OD_STEP_CLEAN:
        return st->clean.missing == OD_MISSING_MEAN || st->clean.missing == OD_MISSING_MEDIAN || st->clean.clip != OD_CLIP_NONE;
    default: return 0;
    }
}

int od_prep_step_apply(od_ctx *ctx, const od_prep_step *st, const od_frame *in, const unsigned char *fit_mask,
                       od_frame **out, size_t **kept)
{
    const char *const *cols = (const char *const *)st->cols;
    od_clean_opts co = st->clean;
    od_pca_opts po = st->pca;
    *out = NULL;
    if (kept) *kept = NULL;
    switch (st->kind) {
    case OD_STEP_KEEP:
        *out = od_frame_copy(ctx, in);
        return *out ? OD_OK : OD_ENOMEM;
    case OD_STEP_SCALE: return od_prep_scale(ctx, in, st->scale, cols, st->ncols, fit_mask, out, NULL, NULL);
    case OD_STEP_PCA:
        po.cols = cols;
        po.ncols = st->ncols;
        return od_prep_pca(ctx, in, &po, fit_mask, out, NULL, NULL);
    case OD_STEP_CLEAN: {
        co.cols = cols;
        co.ncols = st->ncols;
        size_t *k = NULL;
        int rc = od_prep_clean(ctx, in, &co, fit_mask, out, &k, NULL);
        if (!rc && kept && *out && (*out)->nrow != in->nrow) { *kept = k; k = NULL; }
        free(k);
        return rc;
    }
    }
    return od_error(ctx, OD_EINVAL, "unknown preprocessing step %d", (int)st->kind);
}
