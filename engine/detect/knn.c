/* knn.c - k-nearest-neighbour distance (Ramaswamy et al. 2000; Angiulli &
 * Pizzuti 2002), as PyOD's KNN: the distance to the k-th nearest training row
 * (method=largest), or the mean or median of the distances to the k nearest.
 * Training rows leave themselves out (nbr.h), so the scores of the training
 * rows equal PyOD's decision_scores_ and NearestNeighbors().kneighbors(). */
#include "config.h"
#include "nbr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KN_NAME "knn"
#define KN_VERSION 1u

/* the score methods: enum and choices string from one list */
#define KN_METHODS(X) \
    X(LARGEST, "largest") \
    X(MEAN, "mean") \
    X(MEDIAN, "median")
#define KN_ENUM(e, s) KN_##e,
enum { KN_METHODS(KN_ENUM) KN_NMETHOD };
#define KN_BAR(e, s) "|" s
#define KN_STR(e, s) s,
static const char *const kn_method_names[] = { KN_METHODS(KN_STR) };

typedef struct {
    size_t k;
    int method, algo;
    int asked;       /* algorithm= as given (auto resolves to kdtree or brute) */
    od_nbr *nb;
    double *train;   /* n_train scores of the training rows (themselves left out) */
} kn_state;

static const od_param_spec kn_params[] = {
    { "k", OD_P_INT, "5", 1, 1e6, NULL, "number of nearest neighbours (at most rows - 1)" },
    { "method", OD_P_CHOICE, "largest", 0, -1, KN_METHODS(KN_BAR) + 1,
      "distance to the k-th neighbour, or the mean or median distance to the k nearest" },
    { "algorithm", OD_P_CHOICE, "auto", 0, -1, OD_NBR_CHOICES,
      "neighbour search: kd-tree, brute force, or auto (kd-tree up to 15 columns)" },
};

static void kn_free(void *state)
{
    kn_state *s = state;
    if (!s) return;
    od_nbr_free(s->nb);
    free(s->train);
    free(s);
}

/* score of one row from its k sorted distances */
static double kn_reduce(const double *dist, size_t k, int method)
{
    switch (method) {
    case KN_MEAN: {
        double t = 0;
        for (size_t j = 0; j < k; j++) t += dist[j];
        return t / (double)k;
    }
    case KN_MEDIAN:
        return k % 2 ? dist[k / 2] : 0.5 * (dist[k / 2 - 1] + dist[k / 2]);
    default:
        return dist[k - 1];
    }
}

static int kn_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    (void)log;
    int rc = od_cl_check_train(ctx, KN_NAME, train);
    if (rc) return rc;
    size_t n = train->n;
    long k = od_params_int(p, "k");
    if (n < 2) return od_error(ctx, OD_EDATA, "knn: needs at least 2 training rows, got %zu", n);
    if ((size_t)k >= n)
        return od_error(ctx, OD_EINVAL, "knn: k=%ld needs more than %ld training rows (there are %zu)", k, k, n);
    kn_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->k = (size_t)k;
    s->method = od_params_choice(p, "method");
    s->asked = od_params_choice(p, "algorithm");
    s->nb = od_nbr_new(ctx, train->X, n, train->d, train->ld, s->asked);
    s->train = od_mallocn(ctx, n, sizeof *s->train);
    double *dist = od_mallocn(ctx, n * s->k, sizeof *dist);
    if (!s->nb || !s->train || !dist) rc = OD_ENOMEM;
    if (!rc) rc = od_nbr_query_train(ctx, s->nb, s->k, dist, NULL);
    if (!rc)
        for (size_t i = 0; i < n; i++) s->train[i] = kn_reduce(dist + i * s->k, s->k, s->method);
    free(dist);
    if (rc) {
        kn_free(s);
        return rc;
    }
    *state = s;
    return OD_OK;
}

static int kn_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    (void)cluster;
    const kn_state *s = state;
    int rc = od_cl_check_score(ctx, KN_NAME, data, s->nb->d);
    if (rc || data->n == 0) return rc;
    size_t n = data->n, d = s->nb->d, k = s->k, m = 0;
    /* rows that are the training rows in their places reuse the fit's scores */
    size_t *todo = od_mallocn(ctx, n, sizeof *todo);
    if (!todo) return OD_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (od_nbr_same_row(s->nb, i, data->X + i * data->ld)) scores[i] = s->train[i];
        else todo[m++] = i;
    }
    if (m) {
        double *Q = od_mallocn(ctx, m * d, sizeof *Q), *dist = od_mallocn(ctx, m * k, sizeof *dist);
        if (!Q || !dist) rc = OD_ENOMEM;
        if (!rc) {
            for (size_t r = 0; r < m; r++) memcpy(Q + r * d, data->X + todo[r] * data->ld, d * sizeof *Q);
            rc = od_nbr_query(ctx, s->nb, Q, m, d, k, dist, NULL);
        }
        if (!rc)
            for (size_t r = 0; r < m; r++) scores[todo[r]] = kn_reduce(dist + r * k, k, s->method);
        free(Q), free(dist);
    }
    free(todo);
    return rc;
}

static void kn_describe(const void *state, od_out *out)
{
    const kn_state *s = state;
    od_printf(out, "k-nearest-neighbour distance: k=%zu, method=%s, on %zu rows x %zu columns\n", s->k,
              kn_method_names[s->method], s->nb->n, s->nb->d);
    od_printf(out, "neighbour search: algorithm=%s: %s%s\n", od_nbr_algo_name(s->asked), od_nbr_algo_name(s->nb->algo),
              s->nb->algo == OD_NBR_KDTREE ? " (exact)" : " (exact: every training row through a dgemm filter, exact distances for the candidates)");
    double mx = 0, mean = 0;
    for (size_t i = 0; i < s->nb->n; i++) {
        mean += s->train[i];
        if (s->train[i] > mx) mx = s->train[i];
    }
    char b1[32], b2[32];
    od_printf(out, "training scores (each row left out of its own neighbours): mean %s, max %s\n",
              od_fmt_num(b1, sizeof b1, mean / (double)s->nb->n, 6), od_fmt_num(b2, sizeof b2, mx, 6));
}

static int kn_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const kn_state *s = state;
    int rc;
    if ((rc = od_cl_write_header(ctx, fp, KN_NAME, KN_VERSION))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, KN_NAME, s->k))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, KN_NAME, (uint64_t)s->method))) return rc;
    if ((rc = od_nbr_save(ctx, fp, KN_NAME, s->nb))) return rc;
    return od_cl_write(ctx, fp, KN_NAME, s->train, sizeof *s->train, s->nb->n);
}

static int kn_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    (void)p;
    int rc;
    uint64_t k, method;
    if ((rc = od_cl_read_header(ctx, fp, KN_NAME, KN_VERSION, NULL))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, KN_NAME, &k, 1u << 24))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, KN_NAME, &method, KN_NMETHOD - 1))) return rc;
    kn_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->k = k;
    s->method = (int)method;
    s->asked = od_params_choice(p, "algorithm");
    if ((rc = od_nbr_load(ctx, fp, KN_NAME, &s->nb))) goto fail;
    if (k == 0 || k >= s->nb->n) {
        rc = od_error(ctx, OD_EFORMAT, "knn model file is corrupt (k=%llu)", (unsigned long long)k);
        goto fail;
    }
    if ((rc = od_cl_read_doubles(ctx, fp, KN_NAME, &s->train, s->nb->n))) goto fail;
    *state = s;
    return OD_OK;
fail:
    kn_free(s);
    return rc;
}

/* explain: the k nearest training rows (the row itself left out, as the
 * score does) and the per-feature share of the mean squared distance. */
static int kn_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    const kn_state *s = state;
    if (data->d != s->nb->d) return od_error(ctx, OD_EDATA, "knn: the model has %zu columns, the data %zu", s->nb->d, data->d);
    int rc = od_explain_neighbours(ctx, s->nb->X, s->nb->n, s->nb->d, s->nb->d, data->X + row * data->ld, s->k, ex);
    if (rc) return rc;
    snprintf(ex->method, sizeof ex->method, "knn: the k=%zu nearest training rows and the per-feature share of the mean squared "
             "distance to them", s->k);
    return OD_OK;
}

const od_detector_type od_detector_knn = {
    .name = KN_NAME,
    .family = "neighbour",
    .summary = "k-nearest-neighbour distance (largest, mean or median of the k distances)",
    .help =
        "Scores a row by how far it is from its nearest training rows (Euclidean):\n"
        "method=largest: the distance to the k-th nearest (Ramaswamy et al. 2000);\n"
        "method=mean: the mean distance to the k nearest (Angiulli & Pizzuti 2002);\n"
        "method=median: their median.  A larger score = a sparser neighbourhood.\n"
        "A training row is left out of its own neighbours (any row equal to a training\n"
        "row counts as it), so the scores equal PyOD's KNN decision_scores_ and\n"
        "scikit-learn's NearestNeighbors(n_neighbors=k).kneighbors(); other rows use\n"
        "their k nearest training rows (PyOD's decision_function).  Ties in distance go\n"
        "to the earlier training row.  The search is exact: a kd-tree (the one DBSCAN\n"
        "uses) up to 15 columns, a brute-force scan beyond (algorithm=).  Distances mix\n"
        "the columns' units: `scale zscore` first.\n"
        "\n"
        "Example:  detect knn k=10 method=mean as knn10",
    .params = kn_params,
    .nparams = sizeof kn_params / sizeof kn_params[0],
    .seq = 0,
    .fit = kn_fit,
    .score = kn_score,
    .describe = kn_describe,
    .save = kn_save,
    .load = kn_load,
    .free = kn_free,
    .explain = kn_explain,
};
