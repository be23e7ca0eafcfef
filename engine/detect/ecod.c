/* ecod.c - Empirical-Cumulative-distribution-based Outlier Detection (Li, Zhao,
 * Hu, Botta, Ionescu, Chen 2022) as PyOD's ECOD: per column the left and right
 * tail probabilities F_l(x) = #(train <= x)/n and F_r(x) = #(train >= x)/n;
 * U_l = -ln F_l, U_r = -ln F_r; the column's skewness picks the tail
 * (skew < 0: U_l, > 0: U_r, = 0: U_l + U_r); O = max(that, (U_l + U_r)/2);
 * score = sum of O over the columns.
 *
 * For the training rows this is PyOD's decision_scores_ exactly.  A new row
 * is compared with the training distribution only (PyOD instead re-fits on
 * the training and new rows together): its counts are floored at 1, so a value
 * beyond the training range scores like the most extreme training value
 * (-ln(1/n)) rather than infinity.  A constant column (no skewness: scipy
 * gives NaN, PyOD then NaN scores) is treated as skew 0 here. */
#include "config.h"
#include "cl_cluster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EC_NAME "ecod"
#define EC_VERSION 1u

typedef struct {
    size_t n, d;
    double *sorted;   /* d x n: each column's training values, ascending */
    double *skew;     /* d: sample skewness (0 for a constant column) */
} ec_state;

static void ec_free(void *state)
{
    ec_state *s = state;
    if (!s) return;
    free(s->sorted), free(s->skew);
    free(s);
}

static int ec_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* #(v <= x) and #(v >= x) in the sorted column v[n] */
static void ec_counts(const double *v, size_t n, double x, size_t *le, size_t *ge)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {   /* first index with v > x */
        size_t m = (lo + hi) / 2;
        if (v[m] <= x) lo = m + 1;
        else hi = m;
    }
    *le = lo;
    hi = lo;
    lo = 0;
    while (lo < hi) {   /* first index with v >= x */
        size_t m = (lo + hi) / 2;
        if (v[m] < x) lo = m + 1;
        else hi = m;
    }
    *ge = n - lo;
}

/* the column's outlier score O for value x (and its tail probabilities) */
static double ec_col(const ec_state *s, size_t j, double x, double *pl, double *pr)
{
    size_t le, ge;
    ec_counts(s->sorted + j * s->n, s->n, x, &le, &ge);
    double n = (double)s->n;
    double fl = (double)(le ? le : 1) / n, fr = (double)(ge ? ge : 1) / n;
    double ul = -log(fl), ur = -log(fr);
    double sk = s->skew[j], us = sk < 0 ? ul : sk > 0 ? ur : ul + ur, av = (ul + ur) / 2;
    if (pl) *pl = fl;
    if (pr) *pr = fr;
    return us > av ? us : av;
}

static int ec_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    (void)log, (void)p;
    int rc = od_cl_check_train(ctx, EC_NAME, train);
    if (rc) return rc;
    size_t n = train->n, d = train->d;
    ec_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->n = n;
    s->d = d;
    s->sorted = od_mallocn(ctx, n * d, sizeof *s->sorted);
    s->skew = od_mallocn(ctx, d, sizeof *s->skew);
    if (!s->sorted || !s->skew) {
        ec_free(s);
        return OD_ENOMEM;
    }
    size_t nconst = 0;
    #pragma omp parallel for schedule(static) reduction(+:nconst)
    for (size_t j = 0; j < d; j++) {
        double *v = s->sorted + j * n, mean = 0, m2 = 0, m3 = 0;
        for (size_t i = 0; i < n; i++) mean += v[i] = train->X[i * train->ld + j];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) {
            double t = v[i] - mean;
            m2 += t * t;
            m3 += t * t * t;
        }
        m2 /= (double)n;
        m3 /= (double)n;
        /* scipy.stats.skew: NaN when m2 <= (resolution * mean)^2 */
        double res = 1e-15 * mean;
        if (m2 <= res * res) {
            s->skew[j] = 0;
            nconst++;
        } else {
            s->skew[j] = m3 / pow(m2, 1.5);
        }
        qsort(v, n, sizeof *v, ec_cmp);
    }
    if (nconst) od_warn(ctx, "ecod: %zu constant column%s (no skewness; both tails counted)", nconst, nconst == 1 ? "" : "s");
    *state = s;
    return OD_OK;
}

static int ec_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    (void)cluster;
    const ec_state *s = state;
    int rc = od_cl_check_score(ctx, EC_NAME, data, s->d);
    if (rc || data->n == 0) return rc;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < data->n; i++) {
        const double *x = data->X + i * data->ld;
        double t = 0;
        for (size_t j = 0; j < s->d; j++) t += ec_col(s, j, x[j], NULL, NULL);
        scores[i] = t;
    }
    return OD_OK;
}

static void ec_describe(const void *state, od_out *out)
{
    const ec_state *s = state;
    char b1[32];
    od_printf(out, "ECOD: empirical distribution of each of %zu columns over %zu rows; score = sum over the columns\n"
              "of -ln(tail probability), the tail chosen by the column's skewness\n", s->d, s->n);
    for (size_t j = 0; j < s->d && j < 12; j++)
        od_printf(out, "  column %zu: skewness %s -> %s tail\n", j + 1, od_fmt_num(b1, sizeof b1, s->skew[j], 3),
                  s->skew[j] < 0 ? "left" : s->skew[j] > 0 ? "right" : "both");
    if (s->d > 12) od_printf(out, "  ... %zu more columns\n", s->d - 12);
}

static int ec_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const ec_state *s = state;
    int rc;
    if ((rc = od_cl_write_header(ctx, fp, EC_NAME, EC_VERSION))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, EC_NAME, s->n))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, EC_NAME, s->d))) return rc;
    if ((rc = od_cl_write(ctx, fp, EC_NAME, s->skew, sizeof(double), s->d))) return rc;
    return od_cl_write(ctx, fp, EC_NAME, s->sorted, sizeof(double), s->n * s->d);
}

static int ec_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    (void)p;
    int rc;
    uint64_t n, d;
    if ((rc = od_cl_read_header(ctx, fp, EC_NAME, EC_VERSION, NULL))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, EC_NAME, &n, (uint64_t)1 << 40))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, EC_NAME, &d, 1u << 24))) return rc;
    if (n == 0 || d == 0 || n > ((uint64_t)1 << 40) / d) return od_error(ctx, OD_EFORMAT, "ecod model file is corrupt");
    ec_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->n = n, s->d = d;
    if ((rc = od_cl_read_doubles(ctx, fp, EC_NAME, &s->skew, d))) goto fail;
    if ((rc = od_cl_read_doubles(ctx, fp, EC_NAME, &s->sorted, n * d))) goto fail;
    for (size_t j = 0; j < d; j++)
        for (size_t i = 1; i < n; i++)
            if (!(s->sorted[j * n + i - 1] <= s->sorted[j * n + i])) {
                rc = od_error(ctx, OD_EFORMAT, "ecod model file is corrupt (column %zu not sorted)", j + 1);
                goto fail;
            }
    *state = s;
    return OD_OK;
fail:
    ec_free(s);
    return rc;
}

/* explain: the per-feature -ln(tail probability) terms the score sums. */
static int ec_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    const ec_state *s = state;
    int rc = od_cl_check_score(ctx, EC_NAME, data, s->d);
    if (rc) return rc;
    if ((rc = od_explain_alloc_contrib(ctx, ex, s->d))) return rc;
    const double *x = data->X + row * data->ld;
    for (size_t j = 0; j < s->d; j++) ex->contrib[j] = ec_col(s, j, x[j], NULL, NULL);
    ex->exact = 1;
    snprintf(ex->method, sizeof ex->method, "ecod: per-feature terms -ln(tail probability), the tail chosen by each column's "
             "skewness; the score is their sum");
    return OD_OK;
}

const od_detector_type od_detector_ecod = {
    .name = EC_NAME,
    .family = "density",
    .summary = "ECOD: tail probabilities of each column's empirical distribution, summed",
    .help =
        "ECOD (Li et al. 2022) as PyOD computes it; no parameters to tune.  For each\n"
        "column: left tail F_l(x) = share of training values <= x, right tail F_r(x) =\n"
        "share >= x; U = -ln F.  The column's skewness says which tail is unusual\n"
        "(negative: left, positive: right, zero: both added); the column's score is\n"
        "max(that, the mean of both) and the row's score is the sum over the columns.\n"
        "Large = values in the far tails of many columns.  Training rows get PyOD's\n"
        "decision_scores_; new rows are compared with the training rows (a value beyond\n"
        "their range counts as the most extreme one), where PyOD would re-fit on both.\n"
        "`describe` on the run shows each column's skewness and tail.\n"
        "\n"
        "Example:  detect ecod as ecod",
    .params = NULL,   /* parameter-free */
    .nparams = 0,
    .seq = 0,
    .fit = ec_fit,
    .score = ec_score,
    .describe = ec_describe,
    .save = ec_save,
    .load = ec_load,
    .free = ec_free,
    .explain = ec_explain,
};
