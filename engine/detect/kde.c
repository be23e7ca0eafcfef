/* kde.c - Gaussian kernel density estimate on a kd-tree; score = -log density. */
#include "config.h"
#include "cl_kdtree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KD_NAME "kde"
#define KD_VERSION 1u
#define KD_LEAF 64
#define KD_LOG2PI 1.8378770664093454836

/* Kernel sums are kept relative to the nearest training point: with
 * s = 1/(2h^2) and m2 the squared distance to the nearest point, each point
 * contributes exp(-s (|q-x|^2 - m2)) in (0, 1], so nothing overflows and the
 * nearest point contributes exactly 1. */
typedef struct {
    const od_kdtree *t;
    const double *q;
    double s, m2;
    double tol_abs;   /* atol in these units */
    double rtol;
    double L, spread; /* global lower bound and bound spread */
    double N;
} kd_walk;

/* no point is nearer than the nearest one, so a box bound below m2 is raised to it */
static inline double kd_u(const kd_walk *w, double d2) { return d2 > w->m2 ? exp(-w->s * (d2 - w->m2)) : 1.0; }

static double kd_leaf_sum(const kd_walk *w, const od_kdnode *N)
{
    double buf[N->end - N->start], sum = 0;
    od_kdtree_leaf_d2(w->t, N, w->q, buf);
    for (size_t p = 0; p < N->end - N->start; p++) sum += kd_u(w, buf[p]);
    return sum;
}

/* exact: every point whose kernel value is not exactly 0 is summed */
static double kd_exact(const kd_walk *w, size_t nd)
{
    const od_kdtree *t = w->t;
    if (kd_u(w, od_kdtree_mind2(t, nd, w->q)) == 0) return 0;
    const od_kdnode *N = &t->nodes[nd];
    if (N->left < 0) return kd_leaf_sum(w, N);
    return kd_exact(w, (size_t)N->left) + kd_exact(w, (size_t)N->right);
}

/* approximate (scikit-learn's depth-first rule): a node whose bound spread
 * is within its share of atol + rtol * (lower bound) keeps its bounds; the
 * walk stops when the global spread is within tolerance */
static void kd_approx(kd_walk *w, size_t nd, double lo, double hi)
{
    const od_kdtree *t = w->t;
    const od_kdnode *N = &t->nodes[nd];
    double cnt = (double)(N->end - N->start);
    double tol = w->tol_abs + w->rtol * w->L;
    if (hi - lo <= tol * cnt / w->N) return;
    if (w->spread <= tol) return;
    if (N->left < 0) {
        w->L -= lo;
        w->spread -= hi - lo;
        w->L += kd_leaf_sum(w, N);
        return;
    }
    size_t a = (size_t)N->left, b = (size_t)N->right;
    double ca = (double)(t->nodes[a].end - t->nodes[a].start), cb = (double)(t->nodes[b].end - t->nodes[b].start);
    double mina = od_kdtree_mind2(t, a, w->q), minb = od_kdtree_mind2(t, b, w->q);
    double loa = ca * kd_u(w, od_kdtree_maxd2(t, a, w->q)), hia = ca * kd_u(w, mina);
    double lob = cb * kd_u(w, od_kdtree_maxd2(t, b, w->q)), hib = cb * kd_u(w, minb);
    w->L += loa + lob - lo;
    w->spread += (hia - loa) + (hib - lob) - (hi - lo);
    if (mina <= minb) {
        kd_approx(w, a, loa, hia);
        kd_approx(w, b, lob, hib);
    } else {
        kd_approx(w, b, lob, hib);
        kd_approx(w, a, loa, hia);
    }
}

int od_kde_logdens(od_ctx *ctx, const od_kdtree *t, double h, double rtol, double atol,
                   const double *Q, size_t m, size_t ldq, double *out)
{
    if (!(h > 0)) return od_error(ctx, OD_EINVAL, "kde: bandwidth=%g must be positive", h);
    double N = (double)t->n, d = (double)t->d;
    double s = 1.0 / (2 * h * h);
    double lognorm = -0.5 * d * (KD_LOG2PI + 2 * log(h)) - log(N);
    #pragma omp parallel for schedule(dynamic, 64)
    for (size_t i = 0; i < m; i++) {
        const double *q = Q + i * ldq;
        double m2;
        od_kdtree_knn(t, q, 1, &m2, NULL);
        kd_walk w = { t, q, s, m2, 0, rtol, 0, 0, N };
        double S;
        if (rtol == 0 && atol == 0) {
            S = kd_exact(&w, 0);
        } else {
            /* atol is on the density; in kernel-sum units it is atol * N / norm * exp(s m2) */
            double la = log(atol) - lognorm + s * m2;
            w.tol_abs = atol > 0 ? (la > 700 ? INFINITY : exp(la)) : 0;
            double lo = N * kd_u(&w, od_kdtree_maxd2(t, 0, q)), hi = N * kd_u(&w, od_kdtree_mind2(t, 0, q));
            w.L = lo;
            w.spread = hi - lo;
            kd_approx(&w, 0, lo, hi);
            S = w.L + 0.5 * w.spread;
        }
        out[i] = log(S) - s * m2 + lognorm;
    }
    return OD_OK;
}

/* ---------------------------------------------------------------- detector */

/* bandwidth= words (choice index = enum value); a number is KD_BW_VALUE */
#define KD_BWS(X) X(KD_BW_SCOTT, "scott") X(KD_BW_SILVERMAN, "silverman")
enum { KD_BWS(OD_X_ENUM) KD_BW_VALUE };
static const char *const kd_bw_names[] = { KD_BWS(OD_X_NAME) "given" };

typedef struct {
    size_t d, n;
    double h, sigma, rtol, atol;
    int bw;
    double *X;        /* training rows, n x d (for save) */
    od_kdtree *t;
} kd_state;

static void kd_free(void *state)
{
    kd_state *s = state;
    if (!s) return;
    od_kdtree_free(s->t);
    free(s->X);
    free(s);
}

static const od_param_spec kd_params[] = {
    { "bandwidth", OD_P_REAL, "scott", 0, HUGE_VAL, OD_CHOICES(KD_BWS),
      "kernel width h: scott, silverman (rules of thumb, see help) or a number" },
    { "rtol", OD_P_REAL, "1e-4", 0, 1, NULL, "relative error allowed in the density (0 = exact)" },
    { "atol", OD_P_REAL, "0", 0, HUGE_VAL, NULL, "absolute error allowed in the density" },
};

static int kd_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    (void)log;
    int rc = od_cl_check_train(ctx, KD_NAME, train);
    if (rc) return rc;
    size_t n = train->n, d = train->d, ld = train->ld;
    kd_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->n = n;
    s->d = d;
    s->rtol = od_params_real(p, "rtol");
    s->atol = od_params_real(p, "atol");
    s->bw = od_params_choice(p, "bandwidth");   /* the word's index, -1 for a number */
    if (s->bw < 0 || s->bw > KD_BW_VALUE) s->bw = KD_BW_VALUE;
    /* sigma: root mean of the per-column population variances */
    double vs = 0;
    for (size_t j = 0; j < d; j++) {
        double mu = 0, v = 0;
        for (size_t i = 0; i < n; i++) mu += train->X[i * ld + j];
        mu /= (double)n;
        for (size_t i = 0; i < n; i++) {
            double t = train->X[i * ld + j] - mu;
            v += t * t;
        }
        vs += v / (double)n;
    }
    s->sigma = sqrt(vs / (double)d);
    double dd = (double)d, nn = (double)n;
    if (s->bw == KD_BW_SCOTT) s->h = pow(nn, -1.0 / (dd + 4)) * s->sigma;
    else if (s->bw == KD_BW_SILVERMAN) s->h = pow(nn * (dd + 2) / 4.0, -1.0 / (dd + 4)) * s->sigma;
    else s->h = od_params_real(p, "bandwidth");
    if (!(s->h > 0)) {
        int given = s->bw == KD_BW_VALUE;
        double h = s->h;
        kd_free(s);
        if (given) return od_error(ctx, OD_EINVAL, "kde: bandwidth=%g must be positive", h);
        return od_error(ctx, OD_EDATA, "kde: every column is constant, so bandwidth=%s is 0; give bandwidth=",
                        od_params_str(p, "bandwidth"));
    }
    s->X = od_mallocn(ctx, n * d, sizeof *s->X);
    if (!s->X) {
        kd_free(s);
        return OD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) memcpy(s->X + i * d, train->X + i * ld, d * sizeof *s->X);
    if (!(s->t = od_kdtree_new(ctx, s->X, n, d, d, KD_LEAF))) {
        kd_free(s);
        return OD_ENOMEM;
    }
    *state = s;
    return OD_OK;
}

static int kd_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    const kd_state *s = state;
    int rc = od_cl_check_score(ctx, KD_NAME, data, s->d);
    if (rc || data->n == 0) return rc;
    /* in blocks, so that a long scoring run can be interrupted */
    size_t blk = 8192;
    for (size_t r0 = 0; r0 < data->n; r0 += blk) {
        if (od_cancelled(ctx)) return od_error(ctx, OD_ECANCEL, "kde: interrupted");
        size_t m = data->n - r0 < blk ? data->n - r0 : blk;
        if ((rc = od_kde_logdens(ctx, s->t, s->h, s->rtol, s->atol, data->X + r0 * data->ld, m, data->ld,
                                 scores + r0)))
            return rc;
        od_progress(ctx, "kde", (double)(r0 + m) / (double)data->n, NULL);
    }
    for (size_t i = 0; i < data->n; i++) {
        scores[i] = -scores[i];
        if (cluster) cluster[i] = 0;
    }
    return OD_OK;
}

static void kd_describe(const void *state, od_out *out)
{
    const kd_state *s = state;
    char a[32], b[32], c[32];
    od_printf(out, "Gaussian KDE on %zu rows x %zu columns\n", s->n, s->d);
    od_printf(out, "bandwidth=%s: h = %s (data sigma %s)\n", kd_bw_names[s->bw], od_fmt_num(a, sizeof a, s->h, 6),
              od_fmt_num(b, sizeof b, s->sigma, 6));
    od_printf(out, "tolerance: rtol=%s atol=%s%s\n", od_fmt_num(a, sizeof a, s->rtol, 3),
              od_fmt_num(c, sizeof c, s->atol, 3), s->rtol == 0 && s->atol == 0 ? " (exact)" : "");
}

static int kd_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const kd_state *s = state;
    int rc;
    uint64_t u[2] = { s->n, s->d };
    double dv[4] = { s->h, s->sigma, s->rtol, s->atol };
    int32_t bw = s->bw;
    if ((rc = od_cl_write_header(ctx, fp, KD_NAME, KD_VERSION))) return rc;
    if ((rc = od_cl_write(ctx, fp, KD_NAME, u, sizeof u[0], 2))) return rc;
    if ((rc = od_cl_write(ctx, fp, KD_NAME, dv, sizeof dv[0], 4))) return rc;
    if ((rc = od_cl_write(ctx, fp, KD_NAME, &bw, sizeof bw, 1))) return rc;
    return od_cl_write(ctx, fp, KD_NAME, s->X, sizeof(double), s->n * s->d);
}

static int kd_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    (void)p;
    int rc;
    uint64_t u[2];
    double dv[4];
    int32_t bw;
    if ((rc = od_cl_read_header(ctx, fp, KD_NAME, KD_VERSION, NULL))) return rc;
    if ((rc = od_cl_read(ctx, fp, KD_NAME, u, sizeof u[0], 2))) return rc;
    if ((rc = od_cl_read(ctx, fp, KD_NAME, dv, sizeof dv[0], 4))) return rc;
    if ((rc = od_cl_read(ctx, fp, KD_NAME, &bw, sizeof bw, 1))) return rc;
    if (u[0] == 0 || u[1] == 0 || u[1] > (1u << 20) || u[0] * u[1] > ((uint64_t)1 << 34) || !(dv[0] > 0) ||
        bw < 0 || bw > KD_BW_VALUE)
        return od_error(ctx, OD_EFORMAT, "kde model file is corrupt");
    kd_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    s->n = u[0], s->d = u[1];
    s->h = dv[0], s->sigma = dv[1], s->rtol = dv[2], s->atol = dv[3];
    s->bw = bw;
    if ((rc = od_cl_read_doubles(ctx, fp, KD_NAME, &s->X, s->n * s->d))) {
        kd_free(s);
        return rc;
    }
    if (!(s->t = od_kdtree_new(ctx, s->X, s->n, s->d, s->d, KD_LEAF))) {
        kd_free(s);
        return OD_ENOMEM;
    }
    *state = s;
    return OD_OK;
}

/* explain: the 5 nearest training rows (the kernel sum is dominated by
 * them) and the per-feature share of the squared distance to them. */
static int kd_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    const kd_state *s = state;
    int rc = od_cl_check_score(ctx, "kde", data, s->d);
    if (rc) return rc;
    if ((rc = od_explain_neighbours(ctx, s->X, s->n, s->d, s->d, data->X + row * data->ld, 5, ex))) return rc;
    snprintf(ex->method, sizeof ex->method, "kde: the %zu nearest training rows (they dominate the kernel sum, bandwidth %.4g) and "
             "the per-feature share of the mean squared distance to them", ex->nnb, s->h);
    return OD_OK;
}

const od_detector_type od_detector_kde = {
    .name = KD_NAME,
    .family = "density",
    .summary = "Gaussian kernel density estimate: score = -log density",
    .help =
        "Kernel density estimate with a Gaussian kernel of width h on the training rows:\n"
        "  p(x) = 1/N sum_i (2 pi h^2)^(-d/2) exp(-|x - x_i|^2 / (2 h^2)),\n"
        "computed in log space on a kd-tree.  With rtol=0 atol=0 the sum is exact and equals\n"
        "scikit-learn's KernelDensity(bandwidth=h).score_samples; otherwise far tree nodes\n"
        "are bounded instead of summed so that the density is within atol + rtol x density\n"
        "(scikit-learn's meaning of rtol/atol; the default rtol=1e-4 changes -log p by at\n"
        "most 1e-4).\n"
        "\n"
        "bandwidth: a number is h itself.  scott: h = n^(-1/(d+4)) x sigma; silverman:\n"
        "h = (n (d+2) / 4)^(-1/(d+4)) x sigma, where sigma is the root mean of the column\n"
        "variances (population, ddof=0) of the training rows.  On z-scored data sigma = 1 and\n"
        "these equal scikit-learn 1.2's bandwidth='scott' / 'silverman'.\n"
        "\n"
        "score = -log p(x); higher = in a sparser region.  describe reports h.\n"
        "\n"
        "Example:  detect kde bandwidth=scott as kd\n"
        "          detect kde bandwidth=0.5 rtol=0 as kd_exact",
    .params = kd_params,
    .nparams = sizeof kd_params / sizeof kd_params[0],
    .seq = 0,
    .fit = kd_fit,
    .score = kd_score,
    .describe = kd_describe,
    .save = kd_save,
    .load = kd_load,
    .free = kd_free,
    .explain = kd_explain,
};
