/* norm.c - layer normalisation over the channels of each time step
 * (PyTorch's nn.LayerNorm(d), eps 1e-5, biased variance):
 *   y = (x - mean) / sqrt(var + eps) * gamma + beta
 * Backward with xhat = (x - mean) rstd and g = dy gamma:
 *   dx = rstd (g - mean(g) - xhat mean(g xhat)). */
#include "config.h"
#include "nn_impl.h"

#include <math.h>

static void ln_init(const od_nn_layer *L, float *w, gsl_rng *r)
{
    (void)r;
    for (size_t j = 0; j < L->cin; j++) {
        w[j] = 1.0f;
        w[L->cin + j] = 0.0f;
    }
}

OD_NN_HOT static void ln_row(const float *restrict x, float *restrict y, float *restrict xh,
                             float *restrict rstd, const float *restrict gm,
                             const float *restrict bt, size_t d)
{
    float m = od_nn_sum(x, d) / (float)d, v;
    for (size_t j = 0; j < d; j++) y[j] = x[j] - m;
    v = od_nn_dot(y, y, d) / (float)d;
    float rs = 1.0f / sqrtf(v + 1e-5f);
    *rstd = rs;
    for (size_t j = 0; j < d; j++) {
        float h = (x[j] - m) * rs;
        xh[j] = h;
        y[j] = h * gm[j] + bt[j];
    }
}

static void ln_forward(od_nn *net, od_nn_layer *L, const float *x, float *y, size_t B)
{
    size_t d = L->cin, M = B * L->tin;
    const float *gm = net->w + L->poff, *bt = gm + d;
    float *xh = L->cache, *rstd = xh + net->bmax * L->tin * d;
    int nthr = od_nn_threads(net);
#pragma omp parallel for schedule(static) num_threads(nthr) if (nthr > 1 && M * d > 16384)
    for (size_t i = 0; i < M; i++) ln_row(x + i * d, y + i * d, xh + i * d, rstd + i, gm, bt, d);
}

OD_NN_HOT static void ln_row_bwd(const float *restrict dy, const float *restrict xh, float rs,
                                 const float *restrict gm, float *restrict dx, size_t d)
{
    for (size_t j = 0; j < d; j++) dx[j] = dy[j] * gm[j];
    float a = od_nn_sum(dx, d) / (float)d, b = od_nn_dot(dx, xh, d) / (float)d;
    for (size_t j = 0; j < d; j++) dx[j] = rs * (dx[j] - a - xh[j] * b);
}

/* columns [0, n) of rows with stride d */
OD_NN_HOT static void ln_param_grads(const float *restrict dy, const float *restrict xh, size_t M,
                                     size_t n, size_t d, float *restrict gg, float *restrict gb)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < n; j++) {
            gg[j] += dy[i * d + j] * xh[i * d + j];
            gb[j] += dy[i * d + j];
        }
}

static void ln_backward(od_nn *net, od_nn_layer *L, const float *x, const float *y, float *dy,
                        float *dx, size_t B)
{
    (void)x; (void)y;
    size_t d = L->cin, M = B * L->tin;
    const float *gm = net->w + L->poff;
    float *gg = net->g + L->poff, *gb = gg + d;
    const float *xh = L->cache, *rstd = xh + net->bmax * L->tin * d;
    int nthr = od_nn_threads(net);
    if (dx) {
#pragma omp parallel for schedule(static) num_threads(nthr) if (nthr > 1 && M * d > 16384)
        for (size_t i = 0; i < M; i++) ln_row_bwd(dy + i * d, xh + i * d, rstd[i], gm, dx + i * d, d);
    }
    /* gamma and beta gradients: columns split over threads, rows in order */
    int np = nthr > 1 && d >= 32 && M * d > 16384 ? 2 : 1;
    size_t half = (d / 2 + 15) / 16 * 16;
    if (half >= d) np = 1;
#pragma omp parallel for schedule(static, 1) num_threads(np) if (np > 1)
    for (int k = 0; k < np; k++) {
        size_t j0 = np > 1 ? (size_t)k * half : 0, j1 = np > 1 && k == 0 ? half : d;
        ln_param_grads(dy + j0, xh + j0, M, j1 - j0, d, gg + j0, gb + j0);
    }
}

const od_nn_layer_ops od_nn_layernorm_ops = {
    .name = "layernorm", .init = ln_init, .forward = ln_forward, .backward = ln_backward,
};

int od_nn_add_layernorm(od_ctx *ctx, od_nn *net)
{
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_LAYERNORM, &L);
    if (rc) return rc;
    L->np = 2 * L->cin;
    L->ncache = L->tin * L->cin + L->tin;
    od_nn_commit(net, L);
    return OD_OK;
}
