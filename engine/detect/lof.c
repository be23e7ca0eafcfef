/* lof.c - Local Outlier Factor (Breunig, Kriegel, Ng, Sander 2000) exactly as
 * scikit-learn's LocalOutlierFactor: the score is -negative_outlier_factor_
 * for the training rows (each left out of its own neighbours) and
 * -score_samples() (novelty=True) for other rows. */
#include "config.h"
#include "nbr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LO_NAME "lof"
#define LO_VERSION 1u

typedef struct {
    size_t k, k_asked;
    int asked;       /* algorithm= as given (auto resolves to kdtree or brute) */
    od_nbr *nb;
    double *kdist;   /* n: distance to the k-th neighbour (the row itself left out) */
    double *lrd;     /* n: local reachability density */
    double *train;   /* n: LOF of the training rows */
} lo_state;

static const od_param_spec lo_params[] = {
    { "k", OD_P_INT, "20", 1, 1e6, NULL, "number of neighbours (min(k, rows - 1) is used, as scikit-learn)" },
    { "algorithm", OD_P_CHOICE, "auto", 0, -1, OD_NBR_CHOICES,
      "neighbour search: kd-tree, brute force, or auto (kd-tree up to 15 columns)" },
};

static void lo_free(void *state)
{
    lo_state *s = state;
    if (!s) return;
    od_nbr_free(s->nb);
    free(s->kdist), free(s->lrd), free(s->train);
    free(s);
}

/* scikit-learn's _local_reachability_density for one row */
static double lo_lrd(const lo_state *s, const double *dist, const size_t *idx)
{
    double t = 0;
    for (size_t j = 0; j < s->k; j++) {
        double kd = s->kdist[idx[j]];
        t += dist[j] > kd ? dist[j] : kd;
    }
    return 1.0 / (t / (double)s->k + 1e-10);
}

static double lo_factor(const lo_state *s, const size_t *idx, double lrd)
{
    double t = 0;
    for (size_t j = 0; j < s->k; j++) t += s->lrd[idx[j]] / lrd;
    return t / (double)s->k;
}

static int lo_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    (void)log;
    int rc = od_cl_check_train(ctx, LO_NAME, train);
    if (rc) return rc;
    size_t n = train->n;
    if (n < 2) return od_error(ctx, OD_EDATA, "lof: needs at least 2 training rows, got %zu", n);
    size_t ka = (size_t)od_params_int(p, "k"), k = ka < n - 1 ? ka : n - 1;
    if (k < ka)
        od_warn(ctx, "lof: k=%zu is not below the %zu training rows; using k=%zu (as scikit-learn)", ka, n, k);
    lo_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->k = k;
    s->k_asked = ka;
    s->asked = od_params_choice(p, "algorithm");
    s->asked = od_params_choice(p, "algorithm");
    s->nb = od_nbr_new(ctx, train->X, n, train->d, train->ld, s->asked);
    s->kdist = od_mallocn(ctx, n, sizeof *s->kdist);
    s->lrd = od_mallocn(ctx, n, sizeof *s->lrd);
    s->train = od_mallocn(ctx, n, sizeof *s->train);
    double *dist = od_mallocn(ctx, n * k, sizeof *dist);
    size_t *idx = od_mallocn(ctx, n * k, sizeof *idx);
    if (!s->nb || !s->kdist || !s->lrd || !s->train || !dist || !idx) rc = OD_ENOMEM;
    if (!rc) rc = od_nbr_query_train(ctx, s->nb, k, dist, idx);
    if (!rc) {
        for (size_t i = 0; i < n; i++) s->kdist[i] = dist[i * k + k - 1];
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) s->lrd[i] = lo_lrd(s, dist + i * k, idx + i * k);
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) s->train[i] = lo_factor(s, idx + i * k, s->lrd[i]);
        size_t inf = 0;
        for (size_t i = 0; i < n; i++) inf += !isfinite(s->train[i]);
        if (inf) od_warn(ctx, "lof: %zu rows have an infinite or undefined factor (more than k=%zu duplicates)", inf, k);
    }
    free(dist), free(idx);
    if (rc) {
        lo_free(s);
        return rc;
    }
    *state = s;
    return OD_OK;
}

static int lo_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    (void)cluster;
    const lo_state *s = state;
    int rc = od_cl_check_score(ctx, LO_NAME, data, s->nb->d);
    if (rc || data->n == 0) return rc;
    size_t n = data->n, d = s->nb->d, k = s->k, m = 0;
    size_t *todo = od_mallocn(ctx, n, sizeof *todo);
    if (!todo) return OD_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (od_nbr_same_row(s->nb, i, data->X + i * data->ld)) scores[i] = s->train[i];
        else todo[m++] = i;
    }
    if (m) {
        double *Q = od_mallocn(ctx, m * d, sizeof *Q), *dist = od_mallocn(ctx, m * k, sizeof *dist);
        size_t *idx = od_mallocn(ctx, m * k, sizeof *idx);
        if (!Q || !dist || !idx) rc = OD_ENOMEM;
        if (!rc) {
            for (size_t r = 0; r < m; r++) memcpy(Q + r * d, data->X + todo[r] * data->ld, d * sizeof *Q);
            rc = od_nbr_query(ctx, s->nb, Q, m, d, k, dist, idx);
        }
        if (!rc) {
            #pragma omp parallel for schedule(static)
            for (size_t r = 0; r < m; r++) {
                double l = lo_lrd(s, dist + r * k, idx + r * k);
                scores[todo[r]] = lo_factor(s, idx + r * k, l);
            }
        }
        free(Q), free(dist), free(idx);
    }
    free(todo);
    return rc;
}

static void lo_describe(const void *state, od_out *out)
{
    const lo_state *s = state;
    od_printf(out, "local outlier factor: k=%zu%s on %zu rows x %zu columns, neighbour search algorithm=%s: %s\n", s->k,
              s->k < s->k_asked ? " (k asked for exceeded the rows)" : "", s->nb->n, s->nb->d,
              od_nbr_algo_name(s->asked), od_nbr_algo_name(s->nb->algo));
    size_t above = 0;
    double mx = 0;
    for (size_t i = 0; i < s->nb->n; i++) {
        above += s->train[i] > 1.5;
        if (s->train[i] > mx) mx = s->train[i];
    }
    char b1[32];
    od_printf(out, "training rows with LOF > 1.5: %zu of %zu; largest LOF %s\n", above, s->nb->n,
              od_fmt_num(b1, sizeof b1, mx, 6));
}

static int lo_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const lo_state *s = state;
    int rc;
    size_t n = s->nb->n;
    if ((rc = od_cl_write_header(ctx, fp, LO_NAME, LO_VERSION))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, LO_NAME, s->k))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, LO_NAME, s->k_asked))) return rc;
    if ((rc = od_nbr_save(ctx, fp, LO_NAME, s->nb))) return rc;
    if ((rc = od_cl_write(ctx, fp, LO_NAME, s->kdist, sizeof(double), n))) return rc;
    if ((rc = od_cl_write(ctx, fp, LO_NAME, s->lrd, sizeof(double), n))) return rc;
    return od_cl_write(ctx, fp, LO_NAME, s->train, sizeof(double), n);
}

static int lo_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    (void)p;
    int rc;
    uint64_t k, ka;
    if ((rc = od_cl_read_header(ctx, fp, LO_NAME, LO_VERSION, NULL))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, LO_NAME, &k, 1u << 24))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, LO_NAME, &ka, UINT64_MAX))) return rc;
    lo_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->k = k;
    s->k_asked = ka;
    if ((rc = od_nbr_load(ctx, fp, LO_NAME, &s->nb))) goto fail;
    size_t n = s->nb->n;
    if (k == 0 || k >= n) {
        rc = od_error(ctx, OD_EFORMAT, "lof model file is corrupt (k=%llu)", (unsigned long long)k);
        goto fail;
    }
    if ((rc = od_cl_read_doubles(ctx, fp, LO_NAME, &s->kdist, n))) goto fail;
    if ((rc = od_cl_read_doubles(ctx, fp, LO_NAME, &s->lrd, n))) goto fail;
    if ((rc = od_cl_read_doubles(ctx, fp, LO_NAME, &s->train, n))) goto fail;
    *state = s;
    return OD_OK;
fail:
    lo_free(s);
    return rc;
}

/* explain: the k nearest training rows whose density LOF compares with,
 * and the per-feature share of the mean squared distance to them. */
static int lo_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    const lo_state *s = state;
    if (data->d != s->nb->d) return od_error(ctx, OD_EDATA, "lof: the model has %zu columns, the data %zu", s->nb->d, data->d);
    int rc = od_explain_neighbours(ctx, s->nb->X, s->nb->n, s->nb->d, s->nb->d, data->X + row * data->ld, s->k, ex);
    if (rc) return rc;
    snprintf(ex->method, sizeof ex->method, "lof: the k=%zu nearest training rows (whose local density the row's is compared "
             "with) and the per-feature share of the mean squared distance to them", s->k);
    return OD_OK;
}

const od_detector_type od_detector_lof = {
    .name = LO_NAME,
    .family = "neighbour",
    .summary = "Local Outlier Factor: neighbourhood density relative to the neighbours'",
    .help =
        "Local Outlier Factor (Breunig et al. 2000) as scikit-learn's LocalOutlierFactor.\n"
        "reach(a, b) = max(k-distance(b), |a - b|); lrd(a) = 1 / (mean reach(a, b) over\n"
        "a's k nearest + 1e-10); LOF(a) = mean over those neighbours of lrd(b) / lrd(a).\n"
        "About 1 inside a cluster of even density; clearly above 1 (1.5, 2, ...) for a row\n"
        "in a sparser region than its neighbours - it is relative, so it finds outliers\n"
        "next to dense clusters that a global distance misses.  Training rows (and rows\n"
        "equal to one) leave themselves out: their score is scikit-learn's\n"
        "-negative_outlier_factor_; other rows get -score_samples() of novelty=True.\n"
        "Ties in distance go to the earlier training row.  With more than k copies of a\n"
        "row its lrd is huge (1e10) and the factors of rows near it grow accordingly.\n"
        "Exact neighbour search: kd-tree up to 15 columns, brute force beyond.\n"
        "\n"
        "Example:  scale zscore; detect lof k=20 as lof",
    .params = lo_params,
    .nparams = sizeof lo_params / sizeof lo_params[0],
    .seq = 0,
    .fit = lo_fit,
    .score = lo_score,
    .describe = lo_describe,
    .save = lo_save,
    .load = lo_load,
    .free = lo_free,
    .explain = lo_explain,
};
