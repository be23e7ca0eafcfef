#include "config.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>

const char *od_part_name(int part)
{
    switch (part) {
    case OD_PART_TRAIN: return "train";
    case OD_PART_VAL: return "val";
    case OD_PART_TEST: return "test";
    default: return "none";
    }
}

/* floor / ceil that treat values within 1e-9 of an integer as that integer */
static size_t floor_tol(double x)
{
    double r = nearbyint(x);
    if (fabs(x - r) <= 1e-9) return (size_t)r;
    return (size_t)floor(x);
}

static size_t ceil_tol(double x)
{
    double r = nearbyint(x);
    if (fabs(x - r) <= 1e-9) return (size_t)r;
    return (size_t)ceil(x);
}

static int is_rest(double v) { return v == OD_SPLIT_REST; }

/* Part sizes sz[0..3] (train, val, test, none). */
static int split_sizes(od_ctx *ctx, const od_split_opts *o, size_t n, size_t sz[4])
{
    const double fr[3] = { o->train, o->val, o->test };
    static const char *nm[3] = { "train", "val", "test" };
    int rest = -1;
    double sum = 0;
    for (int p = 0; p < 3; p++) {
        if (is_rest(fr[p])) {
            if (rest >= 0)
                return od_error(ctx, OD_EINVAL, "split: only one of %s and %s can take the rest", nm[rest], nm[p]);
            rest = p;
            continue;
        }
        if (!(fr[p] >= 0 && fr[p] <= 1))
            return od_error(ctx, OD_EINVAL, "split: %s=%g must be a fraction between 0 and 1", nm[p], fr[p]);
        sum += fr[p];
    }
    if (sum > 1 + 1e-9) {
        char msg[256];
        size_t len = 0;
        msg[0] = 0;
        for (int p = 0; p < 3; p++)
            if (!is_rest(fr[p]) && fr[p] > 0)
                len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s", len ? " + " : "", nm[p]);
        for (int p = 0, first = 1; p < 3 && len < sizeof msg; p++)
            if (!is_rest(fr[p]) && fr[p] > 0) {
                len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%g", first ? " = " : " + ", fr[p]);
                first = 0;
            }
        return od_error(ctx, OD_EINVAL, "split: %s = %g exceeds 1", msg, sum);
    }
    size_t tr = 0, va = 0, te = 0;
    if (rest < 0 && fabs(sum - 1) <= 1e-9) rest = 0;   /* train takes what rounding leaves */
    if (rest != 0) tr = floor_tol(o->train * (double)n);
    if (rest != 1) va = ceil_tol(o->val * (double)n);
    if (rest != 2) te = ceil_tol(o->test * (double)n);
    if (tr + va + te > n)
        return od_error(ctx, OD_EINVAL, "split: %zu rows are too few for these fractions", n);
    if (rest == 0) tr = n - va - te;
    else if (rest == 1) va = n - tr - te;
    else if (rest == 2) te = n - tr - va;
    sz[0] = tr;
    sz[1] = va;
    sz[2] = te;
    sz[3] = n - tr - va - te;
    return OD_OK;
}

/* Largest-remainder allocation of `total` items over parts of sizes sz[4]
 * (sum N) in proportion to their sizes. */
static void allocate(size_t total, const size_t sz[4], size_t N, size_t a[4])
{
    double rem[4];
    size_t used = 0;
    for (int p = 0; p < 4; p++) {
        double e = N ? (double)total * (double)sz[p] / (double)N : 0;
        a[p] = (size_t)floor(e);
        if (a[p] > sz[p]) a[p] = sz[p];
        rem[p] = e - (double)a[p];
        used += a[p];
    }
    while (used < total) {
        int best = -1;
        for (int p = 0; p < 4; p++)
            if (a[p] < sz[p] && (best < 0 || rem[p] > rem[best])) best = p;
        if (best < 0) break;
        a[best]++;
        rem[best] = -1;
        used++;
    }
}

static gsl_rng *pick_rng(od_ctx *ctx, int use_seed, unsigned long seed, gsl_rng **own)
{
    *own = NULL;
    if (!use_seed) return od_ctx_rng(ctx);
    *own = gsl_rng_alloc(gsl_rng_mt19937);
    if (!*own) {
        od_error(ctx, OD_ENOMEM, "out of memory for a random generator");
        return NULL;
    }
    gsl_rng_set(*own, seed);
    return *own;
}

int od_prep_split(od_ctx *ctx, const od_frame *f, const od_split_opts *o, unsigned char *part, od_out *report)
{
    int rc;
    size_t n = f->nrow, sz[4];
    size_t *ord = NULL;
    gsl_rng *own = NULL;
    const double *lab = od_prep_label_col(f);
    if (o->order != OD_ORDER_TIME && o->order != OD_ORDER_RANDOM)
        return od_error(ctx, OD_EINVAL, "split: unknown order %d (time, random)", (int)o->order);
    if ((rc = split_sizes(ctx, o, n, sz))) return rc;
    if (o->stratify && !lab)
        return od_error(ctx, OD_EINVAL, "split: stratify=yes needs a label column (none is set)");
    if (o->stratify && o->order == OD_ORDER_TIME)
        return od_error(ctx, OD_EINVAL, "split: stratify=yes needs order=random (a time split keeps the order)");
    if (o->order == OD_ORDER_TIME) {
        if (!(ord = od_prep_time_order(ctx, f))) return OD_ENOMEM;
    } else {
        gsl_rng *r = pick_rng(ctx, o->use_seed, o->seed, &own);
        if (!r) return OD_ENOMEM;
        if (!(ord = od_mallocn(ctx, n ? n : 1, sizeof *ord))) {
            if (own) gsl_rng_free(own);
            return OD_ENOMEM;
        }
        if (!o->stratify) {
            for (size_t i = 0; i < n; i++) ord[i] = i;
            od_prep_shuffle(r, ord, n);
        } else {
            /* anomalies first, then the rest, each shuffled; then deal each
             * group over the parts by its own allocation */
            size_t A = 0;
            for (size_t i = 0; i < n; i++) A += od_prep_is_anom(lab, i);
            size_t ia = 0, in = A;
            size_t *tmp = od_mallocn(ctx, n ? n : 1, sizeof *tmp);
            if (!tmp) {
                free(ord);
                if (own) gsl_rng_free(own);
                return OD_ENOMEM;
            }
            for (size_t i = 0; i < n; i++) {
                if (od_prep_is_anom(lab, i)) tmp[ia++] = i;
                else tmp[in++] = i;
            }
            od_prep_shuffle(r, tmp, A);
            od_prep_shuffle(r, tmp + A, n - A);
            size_t a[4], b[4], pa = 0, pb = A, q = 0;
            allocate(A, sz, n, a);
            for (int p = 0; p < 4; p++) b[p] = sz[p] - a[p];
            for (int p = 0; p < 4; p++) {
                for (size_t m = 0; m < a[p]; m++) ord[q++] = tmp[pa++];
                for (size_t m = 0; m < b[p]; m++) ord[q++] = tmp[pb++];
            }
            free(tmp);
        }
        if (own) gsl_rng_free(own);
    }
    size_t q = 0;
    for (int p = 0; p < 4; p++)
        for (size_t m = 0; m < sz[p]; m++) part[ord[q++]] = (unsigned char)p;
    free(ord);

    const double fr[3] = { o->train, o->val, o->test };
    for (int p = 0; p < 3; p++)
        if (sz[p] == 0 && (is_rest(fr[p]) || fr[p] > 0))
            od_warn(ctx, "split: the %s part is empty (%zu rows)", od_part_name(p), n);
    if (report) {
        od_printf(report, "split order=%s%s: train %zu, val %zu, test %zu", o->order == OD_ORDER_TIME ? "time" : "random",
                  o->stratify ? " stratify=yes" : "", sz[0], sz[1], sz[2]);
        if (sz[3]) od_printf(report, ", unused %zu", sz[3]);
        od_printf(report, " of %zu rows\n", n);
        if (o->order == OD_ORDER_RANDOM && o->use_seed) od_printf(report, "  seed %lu\n", o->seed);
        if (o->order == OD_ORDER_TIME)
            od_printf(report, "  in %s order: train first, then val, then test\n",
                      od_frame_role(f, OD_ROLE_TIME) >= 0 ? "time-column" : "row");
        size_t cnt[4] = { 0 };
        for (size_t i = 0; i < n && lab; i++) cnt[part[i]] += od_prep_is_anom(lab, i);
        for (int p = 0; p < 4; p++) {
            if (!sz[p] && p == 3) continue;
            od_printf(report, "  %-6s %9zu rows  %5s%%", od_part_name(p), sz[p], od_prep_pct((double)sz[p], (double)n));
            if (lab)
                od_printf(report, "  %zu anomal%s (%s%%)", cnt[p], cnt[p] == 1 ? "y" : "ies",
                          od_prep_pct((double)cnt[p], (double)sz[p]));
            od_printf(report, "\n");
        }
    }
    return OD_OK;
}

void od_folds_free(od_folds *fo)
{
    if (!fo) return;
    free(fo->block);
    free(fo);
}

size_t od_folds_masks(const od_folds *fo, size_t j, unsigned char *train, unsigned char *test)
{
    size_t nt = 0;
    long J = (long)j;
    for (size_t i = 0; i < fo->n; i++) {
        long b = fo->block[i];
        int te, tr;
        if (fo->order == OD_ORDER_TIME) {
            te = b == J + 1;
            tr = b >= 0 && b <= J;
        } else {
            te = b == J;
            tr = b >= 0 && b != J;
        }
        if (train) train[i] = (unsigned char)tr;
        if (test) test[i] = (unsigned char)te;
        nt += te;
    }
    return nt;
}

int od_prep_folds(od_ctx *ctx, const od_frame *f, const od_folds_opts *o,
                  const unsigned char *rows, od_folds **out, od_out *report)
{
    size_t n = f->nrow, m = 0, k = o->k;
    const double *lab = od_prep_label_col(f);
    *out = NULL;
    if (o->order != OD_ORDER_TIME && o->order != OD_ORDER_RANDOM)
        return od_error(ctx, OD_EINVAL, "folds: unknown order %d (time, random)", (int)o->order);
    if (k < 2) return od_error(ctx, OD_EINVAL, "folds: k=%zu must be at least 2", k);
    if (o->stratify && !lab)
        return od_error(ctx, OD_EINVAL, "folds: stratify=yes needs a label column (none is set)");
    if (o->stratify && o->order == OD_ORDER_TIME)
        return od_error(ctx, OD_EINVAL, "folds: stratify=yes needs order=random (rolling origin keeps the order)");
    for (size_t i = 0; i < n; i++) m += !rows || rows[i];
    if (o->order == OD_ORDER_RANDOM && k > m)
        return od_error(ctx, OD_EINVAL, "folds: k=%zu exceeds the %zu rows", k, m);
    if (o->order == OD_ORDER_TIME && m / (k + 1) == 0)
        return od_error(ctx, OD_EINVAL, "folds: %zu rows are too few for k=%zu rolling-origin folds (%zu blocks)", m, k,
                        k + 1);
    od_folds *fo = od_calloc(ctx, 1, sizeof *fo);
    size_t *ord = od_mallocn(ctx, n ? n : 1, sizeof *ord);
    if (!fo || !(fo->block = od_mallocn(ctx, n ? n : 1, sizeof *fo->block)) || !ord) {
        od_folds_free(fo);
        free(ord);
        return OD_ENOMEM;
    }
    fo->n = n;
    fo->k = k;
    fo->order = o->order;
    for (size_t i = 0; i < n; i++) fo->block[i] = -1;
    size_t A = 0;
    if (o->order == OD_ORDER_TIME) {
        size_t *t = od_prep_time_order(ctx, f);
        if (!t) {
            od_folds_free(fo);
            free(ord);
            return OD_ENOMEM;
        }
        size_t q = 0;
        for (size_t i = 0; i < n; i++)
            if (!rows || rows[t[i]]) ord[q++] = t[i];
        free(t);
        size_t ts = m / (k + 1), b0 = m - k * ts;
        for (size_t q2 = 0; q2 < m; q2++) fo->block[ord[q2]] = q2 < b0 ? 0 : (long)(1 + (q2 - b0) / ts);
    } else {
        gsl_rng *own;
        gsl_rng *r = pick_rng(ctx, o->use_seed, o->seed, &own);
        if (!r) {
            od_folds_free(fo);
            free(ord);
            return OD_ENOMEM;
        }
        size_t q = 0;
        if (o->stratify) {
            for (size_t i = 0; i < n; i++)
                if ((!rows || rows[i]) && od_prep_is_anom(lab, i)) ord[q++] = i;
            A = q;
            for (size_t i = 0; i < n; i++)
                if ((!rows || rows[i]) && !od_prep_is_anom(lab, i)) ord[q++] = i;
            od_prep_shuffle(r, ord, A);
            od_prep_shuffle(r, ord + A, m - A);
        } else {
            for (size_t i = 0; i < n; i++)
                if (!rows || rows[i]) ord[q++] = i;
            od_prep_shuffle(r, ord, m);
        }
        if (own) gsl_rng_free(own);
        for (size_t q2 = 0; q2 < m; q2++) fo->block[ord[q2]] = (long)(q2 % k);
    }
    free(ord);
    if (report) {
        size_t nb = o->order == OD_ORDER_TIME ? k + 1 : k;
        od_printf(report, "folds k=%zu %s%s over %zu rows\n", k,
                  o->order == OD_ORDER_TIME ? "rolling origin (time order)" : "random",
                  o->stratify ? " stratified" : "", m);
        for (size_t b = 0; b < nb; b++) {
            size_t c = 0, a = 0;
            for (size_t i = 0; i < n; i++)
                if (fo->block[i] == (long)b) {
                    c++;
                    a += od_prep_is_anom(lab, i);
                }
            od_printf(report, "  block %zu: %zu rows", b, c);
            if (lab) od_printf(report, ", %zu anomal%s", a, a == 1 ? "y" : "ies");
            if (o->order == OD_ORDER_TIME && b > 0)
                od_printf(report, "  (fold %zu: train on blocks 0..%zu, test on this one)", b, b - 1);
            od_printf(report, "\n");
        }
    }
    *out = fo;
    return OD_OK;
}
