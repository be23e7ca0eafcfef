/* pcad.c - PCA outlier scores (detector "pca"): the squared reconstruction
 * error from the first k principal components, or PyOD's PCA score (Shyu et
 * al. 2003 as PyOD computes it): the sum over the components after the first
 * k of the distance from the centred row to the component vector divided by
 * the component's explained variance ratio.  The principal components come
 * from engine/prep's PCA (the `pca` command's, sklearn 1.2 signs). */
#include "config.h"
#include "cl_cluster.h"
#include "../prep/prep.h"
#include "../data/frame.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PC_NAME "pca"
#define PC_VERSION 1u

#define PC_SCORES(X) \
    X(RECON, "reconstruction") \
    X(WEIGHTED, "weighted")
#define PC_ENUM(e, s) PC_##e,
enum { PC_SCORES(PC_ENUM) PC_NSCORE };
#define PC_BAR(e, s) "|" s
#define PC_STR(e, s) s,
static const char *const pc_score_names[] = { PC_SCORES(PC_STR) };

typedef struct {
    size_t d, nc, k, n_train;   /* nc = min(d, n) components kept; the score uses k */
    int score;
    double *mean;               /* d */
    double *comp;               /* nc x d */
    double *ev, *evr;           /* nc: explained variance and its ratio */
} pc_state;

static const od_param_spec pc_params[] = {
    { "k", OD_P_INT, "auto", 0, 1e6, "auto",
      "components that model normal rows (auto: reconstruction - the fewest explaining > variance; weighted - 0)" },
    { "variance", OD_P_REAL, "0.9", 1e-9, 1, NULL, "k=auto with score=reconstruction: share of variance to explain" },
    { "score", OD_P_CHOICE, "reconstruction", 0, -1, PC_SCORES(PC_BAR) + 1,
      "squared reconstruction error from k components, or PyOD's weighted distances to the other components" },
};

static void pc_free(void *state)
{
    pc_state *s = state;
    if (!s) return;
    free(s->mean), free(s->comp), free(s->ev), free(s->evr);
    free(s);
}

static int pc_alloc(od_ctx *ctx, pc_state *s)
{
    s->mean = od_mallocn(ctx, s->d, sizeof *s->mean);
    s->comp = od_mallocn(ctx, s->nc * s->d, sizeof *s->comp);
    s->ev = od_mallocn(ctx, s->nc, sizeof *s->ev);
    s->evr = od_mallocn(ctx, s->nc, sizeof *s->evr);
    return s->mean && s->comp && s->ev && s->evr ? OD_OK : OD_ENOMEM;
}

static int pc_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    (void)log;
    int rc = od_cl_check_train(ctx, PC_NAME, train);
    if (rc) return rc;
    size_t n = train->n, d = train->d;
    if (n < 2) return od_error(ctx, OD_EDATA, "pca: needs at least 2 training rows, got %zu", n);
    int score = od_params_choice(p, "score");
    size_t nc = d < n ? d : n;
    /* the data as a frame for engine/prep's PCA */
    od_frame *f = od_frame_new(ctx, n), *proj = NULL;
    od_pca *m = NULL;
    if (!f) return OD_ENOMEM;
    for (size_t j = 0; j < d && !rc; j++) {
        double *col = od_mallocn(ctx, n, sizeof *col);
        char name[32];
        if (!col) {
            rc = OD_ENOMEM;
            break;
        }
        for (size_t i = 0; i < n; i++) col[i] = train->X[i * train->ld + j];
        snprintf(name, sizeof name, "x%zu", j);
        rc = od_frame_add_num_donate(ctx, f, name, col, OD_COL_NUM, OD_ROLE_FEATURE);
    }
    od_pca_opts opt = { .k = nc, .variance = 1, .whiten = 0, .cols = NULL, .ncols = 0 };
    if (!rc) rc = od_prep_pca(ctx, f, &opt, NULL, &proj, &m, NULL);
    od_frame_free(f);
    od_frame_free(proj);
    if (rc) return rc;
    pc_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s || (s->d = d, s->nc = m->k, pc_alloc(ctx, s))) {
        pc_free(s);
        od_pca_free(m);
        return OD_ENOMEM;
    }
    s->n_train = n;
    s->score = score;
    memcpy(s->mean, m->mean, d * sizeof *s->mean);
    memcpy(s->comp, m->components, s->nc * d * sizeof *s->comp);
    memcpy(s->ev, m->explained_variance, s->nc * sizeof *s->ev);
    memcpy(s->evr, m->explained_variance_ratio, s->nc * sizeof *s->evr);
    od_pca_free(m);
    size_t k;
    if (!od_params_is(p, "k", "auto")) {
        k = (size_t)od_params_int(p, "k");
        if (k > s->nc) {
            rc = od_error(ctx, OD_EINVAL, "pca: k=%zu exceeds the %zu components (min of columns and rows)", k, s->nc);
        } else if (score == PC_RECON && k >= d) {
            rc = od_error(ctx, OD_EINVAL, "pca: k=%zu leaves no residual in %zu columns (score=reconstruction needs k < %zu)",
                          k, d, d);
        } else if (score == PC_WEIGHTED && k >= s->nc) {
            rc = od_error(ctx, OD_EINVAL, "pca: score=weighted needs k below the %zu components (k=%zu)", s->nc, k);
        }
    } else if (score == PC_WEIGHTED) {
        k = 0;
    } else {
        /* scikit-learn's PCA(n_components=F): the fewest whose cumulative ratio exceeds F */
        double v = od_params_real(p, "variance"), cum = 0;
        k = s->nc;
        for (size_t c = 0; c < s->nc; c++) {
            cum += s->evr[c];
            if (cum > v) {
                k = c + 1;
                break;
            }
        }
        if (k >= d) {
            k = d - 1;
            od_warn(ctx, "pca: variance=%g needs every component; using k=%zu so that a residual is left", v, k);
        }
    }
    if (!rc && score == PC_WEIGHTED)
        for (size_t c = k; c < s->nc; c++)
            if (!(s->evr[c] > 0)) {
                rc = od_error(ctx, OD_EDATA, "pca: component %zu has zero variance and score=weighted divides by it "
                              "(use score=reconstruction)", c + 1);
                break;
            }
    if (rc) {
        pc_free(s);
        return rc;
    }
    s->k = k;
    *state = s;
    return OD_OK;
}

static int pc_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    (void)cluster;
    const pc_state *s = state;
    int rc = od_cl_check_score(ctx, PC_NAME, data, s->d);
    if (rc || data->n == 0) return rc;
    size_t n = data->n, d = s->d, k = s->k;
    int bad = 0;
    #pragma omp parallel reduction(|:bad)
    {
        double *r = malloc(2 * d * sizeof *r);
        if (!r) bad = 1;
        #pragma omp for schedule(static)
        for (size_t i = 0; i < n; i++) {
            if (!r) continue;
            const double *x = data->X + i * data->ld;
            double *e = r + d, t = 0;
            for (size_t j = 0; j < d; j++) r[j] = x[j] - s->mean[j];
            if (s->score == PC_RECON) {
                memcpy(e, r, d * sizeof *e);
                for (size_t c = 0; c < k; c++) {
                    const double *v = s->comp + c * d;
                    double y = 0;
                    for (size_t j = 0; j < d; j++) y += r[j] * v[j];
                    for (size_t j = 0; j < d; j++) e[j] -= y * v[j];
                }
                for (size_t j = 0; j < d; j++) t += e[j] * e[j];
            } else {
                for (size_t c = k; c < s->nc; c++) {
                    const double *v = s->comp + c * d;
                    double q = 0;
                    for (size_t j = 0; j < d; j++) q += (r[j] - v[j]) * (r[j] - v[j]);
                    t += sqrt(q) / s->evr[c];
                }
            }
            scores[i] = t;
        }
        free(r);
    }
    return bad ? od_error(ctx, OD_ENOMEM, "pca: out of memory") : OD_OK;
}

static void pc_describe(const void *state, od_out *out)
{
    const pc_state *s = state;
    char b1[32];
    double cum = 0;
    for (size_t c = 0; c < s->k; c++) cum += s->evr[c];
    od_printf(out, "PCA detector: %zu of %zu components model normal rows (%s%% of the variance), on %zu rows\n", s->k,
              s->nc, od_fmt_num(b1, sizeof b1, 100 * cum, 4), s->n_train);
    od_printf(out, "score=%s: ", pc_score_names[s->score]);
    if (s->score == PC_RECON)
        od_printf(out, "squared distance to the %zu-dimensional principal subspace\n", s->k);
    else
        od_printf(out, "PyOD weighted form over components %zu..%zu (distance / explained variance ratio)\n",
                  s->k + 1, s->nc);
    for (size_t c = 0; c < s->nc && c < 10; c++)
        od_printf(out, "  PC%zu variance ratio %s%s\n", c + 1, od_fmt_num(b1, sizeof b1, s->evr[c], 4),
                  s->score == PC_RECON ? (c < s->k ? "  (kept)" : "") : (c >= s->k ? "  (scored)" : ""));
}

static int pc_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const pc_state *s = state;
    int rc;
    uint64_t h[5] = { s->d, s->nc, s->k, s->n_train, (uint64_t)s->score };
    if ((rc = od_cl_write_header(ctx, fp, PC_NAME, PC_VERSION))) return rc;
    for (int i = 0; i < 5; i++)
        if ((rc = od_cl_write_u64(ctx, fp, PC_NAME, h[i]))) return rc;
    if ((rc = od_cl_write(ctx, fp, PC_NAME, s->mean, sizeof(double), s->d))) return rc;
    if ((rc = od_cl_write(ctx, fp, PC_NAME, s->comp, sizeof(double), s->nc * s->d))) return rc;
    if ((rc = od_cl_write(ctx, fp, PC_NAME, s->ev, sizeof(double), s->nc))) return rc;
    return od_cl_write(ctx, fp, PC_NAME, s->evr, sizeof(double), s->nc);
}

static int pc_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    (void)p;
    int rc;
    uint64_t h[5];
    static const uint64_t mx[5] = { 1u << 16, 1u << 16, 1u << 16, UINT64_MAX, PC_NSCORE - 1 };
    if ((rc = od_cl_read_header(ctx, fp, PC_NAME, PC_VERSION, NULL))) return rc;
    for (int i = 0; i < 5; i++)
        if ((rc = od_cl_read_u64(ctx, fp, PC_NAME, &h[i], mx[i]))) return rc;
    if (h[0] == 0 || h[1] == 0 || h[1] > h[0] || h[2] > h[1])
        return od_error(ctx, OD_EFORMAT, "pca model file is corrupt");
    pc_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->d = h[0], s->nc = h[1], s->k = h[2], s->n_train = h[3], s->score = (int)h[4];
    /* the mean, the components, their variances and ratios */
    if ((rc = od_cl_need(ctx, fp, PC_NAME, s->d + s->nc * s->d + 2 * s->nc, sizeof(double), "numbers"))) goto fail;
    if ((rc = pc_alloc(ctx, s))) goto fail;
    if ((rc = od_cl_read(ctx, fp, PC_NAME, s->mean, sizeof(double), s->d))) goto fail;
    if ((rc = od_cl_read(ctx, fp, PC_NAME, s->comp, sizeof(double), s->nc * s->d))) goto fail;
    if ((rc = od_cl_read(ctx, fp, PC_NAME, s->ev, sizeof(double), s->nc))) goto fail;
    if ((rc = od_cl_read(ctx, fp, PC_NAME, s->evr, sizeof(double), s->nc))) goto fail;
    *state = s;
    return OD_OK;
fail:
    pc_free(s);
    return rc;
}

/* explain: per-feature squared residual e_j^2 of the reconstruction from
 * the k major components (exact for score=reconstruction). */
static int pc_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    const pc_state *s = state;
    int rc = od_cl_check_score(ctx, PC_NAME, data, s->d);
    if (rc) return rc;
    size_t d = s->d;
    if ((rc = od_explain_alloc_contrib(ctx, ex, d))) return rc;
    const double *x = data->X + row * data->ld;
    double *e = ex->contrib;
    for (size_t j = 0; j < d; j++) e[j] = x[j] - s->mean[j];
    double *r = od_mallocn(ctx, d, sizeof *r);
    if (!r) return OD_ENOMEM;
    memcpy(r, e, d * sizeof *r);
    for (size_t c = 0; c < s->k; c++) {
        const double *v = s->comp + c * d;
        double y = 0;
        for (size_t j = 0; j < d; j++) y += r[j] * v[j];
        for (size_t j = 0; j < d; j++) e[j] -= y * v[j];
    }
    free(r);
    for (size_t j = 0; j < d; j++) e[j] *= e[j];
    ex->exact = s->score == PC_RECON;
    snprintf(ex->method, sizeof ex->method, "pca: per-feature squared reconstruction error from the %zu major component%s%s", s->k,
             s->k == 1 ? "" : "s", s->score == PC_RECON ? " (they sum to the score)" : " (the residual the score's minor-component distances measure)");
    return OD_OK;
}

const od_detector_type od_detector_pca = {
    .name = PC_NAME,
    .family = "linear",
    .summary = "PCA: distance from the principal subspace (reconstruction error)",
    .help =
        "Principal components of the training rows (engine/prep's PCA: covariance,\n"
        "eigenvectors, scikit-learn 1.2's signs).  The first k components model the\n"
        "normal rows.\n"
        "score=reconstruction: |x - m - V_k V_k'(x - m)|^2, the squared distance from the\n"
        "  row to the k-dimensional principal subspace through the mean m: scikit-learn's\n"
        "  sum((X - inverse_transform(transform(X)))^2) with PCA(n_components=k).\n"
        "  k=auto: the fewest components whose explained variance exceeds `variance`.\n"
        "score=weighted: PyOD's PCA score: sum over the components c after the first k of\n"
        "  |x - m - v_c| / (explained variance ratio of c); k=auto is 0 (PyOD's default,\n"
        "  every component).  PyOD standardises first: `scale zscore` before it to match.\n"
        "A large score = a row that breaks the correlations of the normal rows.\n"
        "\n"
        "Example:  scale zscore; detect pca variance=0.95 as pca\n"
        "          detect pca score=weighted as pyod_pca",
    .params = pc_params,
    .nparams = sizeof pc_params / sizeof pc_params[0],
    .seq = 0,
    .fit = pc_fit,
    .score = pc_score,
    .describe = pc_describe,
    .save = pc_save,
    .load = pc_load,
    .free = pc_free,
    .explain = pc_explain,
};
