/* explain.c - what the detectors' explain entries share (detector.h):
 * freeing an explanation, the per-feature array and the neighbour search
 * the density and neighbour detectors explain with. */
#include "config.h"
#include "detector.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void od_explanation_done(od_explanation *e)
{
    if (!e) return;
    free(e->contrib);
    free(e->nb_x);
    free(e->nb_dist);
    free(e->err);
    free(e->target);
    free(e->pred);
    memset(e, 0, sizeof *e);
}

int od_explain_alloc_contrib(od_ctx *ctx, od_explanation *ex, size_t d)
{
    ex->contrib = od_calloc(ctx, d ? d : 1, sizeof *ex->contrib);
    ex->d = d;
    ex->cluster = -1;
    return ex->contrib ? OD_OK : OD_ENOMEM;
}

int od_explain_neighbours(od_ctx *ctx, const double *T, size_t n, size_t d, size_t ld, const double *x, size_t k,
                          od_explanation *ex)
{
    int rc = od_explain_alloc_contrib(ctx, ex, d);
    if (rc) return rc;
    if (k > n) k = n;
    ex->nb_x = od_mallocn(ctx, k * d + 1, sizeof *ex->nb_x);
    ex->nb_dist = od_mallocn(ctx, k + 1, sizeof *ex->nb_dist);
    size_t *idx = od_mallocn(ctx, k + 1, sizeof *idx);
    if (!ex->nb_x || !ex->nb_dist || !idx) { free(idx); return OD_ENOMEM; }
    /* insertion into a sorted list of the k best (distance, then lower row) */
    size_t m = 0;
    int skipped = 0;
    for (size_t i = 0; i < n; i++) {
        const double *t = T + i * ld;
        double s = 0;
        for (size_t j = 0; j < d; j++) s += (x[j] - t[j]) * (x[j] - t[j]);
        if (!skipped && !memcmp(t, x, d * sizeof *x)) { skipped = 1; continue; }
        if (m == k && !(s < ex->nb_dist[k - 1])) continue;
        size_t p = m < k ? m++ : k - 1;
        while (p > 0 && ex->nb_dist[p - 1] > s) {
            ex->nb_dist[p] = ex->nb_dist[p - 1];
            idx[p] = idx[p - 1];
            p--;
        }
        ex->nb_dist[p] = s;
        idx[p] = i;
    }
    ex->nnb = m;
    for (size_t a = 0; a < m; a++) {
        const double *t = T + idx[a] * ld;
        memcpy(ex->nb_x + a * d, t, d * sizeof *t);
        for (size_t j = 0; j < d; j++) ex->contrib[j] += (x[j] - t[j]) * (x[j] - t[j]) / (double)m;
        ex->nb_dist[a] = sqrt(ex->nb_dist[a]);
    }
    ex->exact = 1;
    free(idx);
    return OD_OK;
}
