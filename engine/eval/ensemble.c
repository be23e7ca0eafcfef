/* ensemble.c - score normalisation and combination of several runs. */
#include "config.h"
#include "ensemble.h"
#include "evsort.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const norm_names[] = {"none", "zscore", "minmax", "rank"};
static const char *const combine_names[] = {"mean", "max", "median", "weighted"};

const char *od_norm_name(od_norm norm)
{
    return (unsigned)norm < 4 ? norm_names[norm] : "?";
}

const char *od_combine_name(od_combine how)
{
    return (unsigned)how < 4 ? combine_names[how] : "?";
}

int od_norm_parse(od_ctx *ctx, const char *s, od_norm *norm)
{
    if (s && !strcmp(s, "z")) {
        *norm = OD_NORM_ZSCORE;
        return OD_OK;
    }
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, norm_names[i])) {
            *norm = (od_norm)i;
            return OD_OK;
        }
    return od_error(ctx, OD_EINVAL, "norm=%s: expected zscore (z), minmax, rank or none", s ? s : "(null)");
}

int od_combine_parse(od_ctx *ctx, const char *s, od_combine *how)
{
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, combine_names[i])) {
            *how = (od_combine)i;
            return OD_OK;
        }
    return od_error(ctx, OD_EINVAL, "combine=%s: expected mean, max, median or weighted", s ? s : "(null)");
}

static int rank_normalize(od_ctx *ctx, const double *s, size_t n, double *out)
{
    if (n > UINT32_MAX) return od_error(ctx, OD_ERANGE, "rank normalisation: %zu rows is too many", n);
    uint64_t *k = od_eval_big_alloc(ctx, n ? 2 * n : 1, sizeof *k);
    uint32_t *idx = od_eval_big_alloc(ctx, n ? 2 * n : 1, sizeof *idx);
    if (!k || !idx) {
        free(k);
        free(idx);
        return OD_ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(s[i])) continue;
        k[m] = od_eval_key_asc(s[i]);
        idx[m] = (uint32_t)i;
        m++;
    }
    od_eval_radix_sort_idx(k, idx, k + n, idx + n, m);
    for (size_t i = 0; i < n; i++)
        if (isnan(s[i])) out[i] = NAN;
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && k[j] == k[i]) j++;
        /* 1-based ranks i+1 .. j share their mean (i + 1 + j)/2 */
        double r = ((double)(i + 1) + (double)j) / 2 / (double)m;
        for (size_t t = i; t < j; t++) out[idx[t]] = r;
        i = j;
    }
    free(k);
    free(idx);
    return OD_OK;
}

int od_ensemble_norm_stats(od_ctx *ctx, const double *s, size_t n, const unsigned char *train, od_norm norm,
                           double *shift, double *scale)
{
    *shift = 0;
    *scale = 1;
    if (norm != OD_NORM_ZSCORE && norm != OD_NORM_MINMAX) return OD_OK;
    size_t m = 0;
    long double sum = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if ((train && !train[i]) || isnan(s[i])) continue;
        m++;
        sum += s[i];
        if (s[i] < lo) lo = s[i];
        if (s[i] > hi) hi = s[i];
    }
    if (m == 0) return od_error(ctx, OD_EDATA, "normalise: no training row has a score");
    if (norm == OD_NORM_ZSCORE) {
        double mean = (double)(sum / (long double)m);
        long double ss = 0;
        for (size_t i = 0; i < n; i++) {
            if ((train && !train[i]) || isnan(s[i])) continue;
            ss += ((long double)s[i] - mean) * ((long double)s[i] - mean);
        }
        *shift = mean;
        *scale = sqrt((double)(ss / (long double)m));
        if (!(*scale > 0)) {
            od_warn(ctx, "zscore: the training scores are constant (%g): only centred", mean);
            *scale = 1;
        }
    } else {
        *shift = lo;
        *scale = hi - lo;
        if (!(*scale > 0)) {
            od_warn(ctx, "minmax: the training scores are constant (%g): only shifted", lo);
            *scale = 1;
        }
    }
    return OD_OK;
}

void od_ensemble_norm_apply(const double *s, size_t n, double shift, double scale, double *out)
{
    for (size_t i = 0; i < n; i++) out[i] = (s[i] - shift) / scale;
}

int od_ensemble_normalize(od_ctx *ctx, const double *s, size_t n, const unsigned char *train, od_norm norm,
                          double *out)
{
    if (n > 0 && (!s || !out)) return od_error(ctx, OD_EINVAL, "normalise: scores and output are required");
    if (norm == OD_NORM_NONE) {
        if (out != s) memmove(out, s, n * sizeof *out);
        return OD_OK;
    }
    if (norm == OD_NORM_RANK) return rank_normalize(ctx, s, n, out);
    if (norm != OD_NORM_ZSCORE && norm != OD_NORM_MINMAX)
        return od_error(ctx, OD_EINVAL, "normalise: unknown normalisation %d", (int)norm);
    double shift, scale;
    int rc = od_ensemble_norm_stats(ctx, s, n, train, norm, &shift, &scale);
    if (!rc) od_ensemble_norm_apply(s, n, shift, scale, out);
    return rc;
}

static void sort_small(double *a, size_t k)
{
    for (size_t i = 1; i < k; i++) {
        double v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

int od_ensemble_combine(od_ctx *ctx, const double *const *members, size_t k, size_t n, od_combine how,
                        const double *weights, double *out)
{
    if (k == 0) return od_error(ctx, OD_EINVAL, "ensemble: no members");
    if (!members || (n > 0 && !out)) return od_error(ctx, OD_EINVAL, "ensemble: members and output are required");
    for (size_t j = 0; j < k; j++)
        if (!members[j]) return od_error(ctx, OD_EINVAL, "ensemble: member %zu has no scores", j + 1);
    if ((unsigned)how > OD_COMBINE_WEIGHTED) return od_error(ctx, OD_EINVAL, "ensemble: unknown combination %d", (int)how);
    double wsum = 0;
    if (how == OD_COMBINE_WEIGHTED) {
        if (!weights) return od_error(ctx, OD_EINVAL, "combine=weighted needs weights");
        for (size_t j = 0; j < k; j++) {
            if (!(weights[j] >= 0) || !isfinite(weights[j]))
                return od_error(ctx, OD_EINVAL, "weight %zu = %g: weights must be finite and >= 0", j + 1, weights[j]);
            wsum += weights[j];
        }
        if (!(wsum > 0)) return od_error(ctx, OD_EINVAL, "weights sum to 0");
    }
    double *tmp = NULL;
    if (how == OD_COMBINE_MEDIAN) {
        tmp = od_mallocn(ctx, k, sizeof *tmp);
        if (!tmp) return OD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int bad = 0;
        for (size_t j = 0; j < k; j++) bad |= isnan(members[j][i]);
        if (bad) {
            out[i] = NAN;
            continue;
        }
        double v = 0;
        switch (how) {
        case OD_COMBINE_MEAN:
            for (size_t j = 0; j < k; j++) v += members[j][i];
            v /= (double)k;
            break;
        case OD_COMBINE_MAX:
            v = members[0][i];
            for (size_t j = 1; j < k; j++)
                if (members[j][i] > v) v = members[j][i];
            break;
        case OD_COMBINE_MEDIAN:
            for (size_t j = 0; j < k; j++) tmp[j] = members[j][i];
            sort_small(tmp, k);
            v = k % 2 ? tmp[k / 2] : (tmp[k / 2 - 1] + tmp[k / 2]) / 2;
            break;
        case OD_COMBINE_WEIGHTED:
            for (size_t j = 0; j < k; j++) v += weights[j] * members[j][i];
            v /= wsum;
            break;
        }
        out[i] = v;
    }
    free(tmp);
    return OD_OK;
}
