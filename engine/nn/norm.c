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

/* Cache: xhat (bmax x T x d), then 1/std (bmax x T). */
static void ln_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y)
{
    size_t d = L->cin, M = s->B * L->tin;
    const float *gm = net->w + L->poff, *bt = gm + d;
    float *xh = L->cache + s->b0 * L->tin * d, *rstd = L->cache + net->bmax * L->tin * d + s->b0 * L->tin;
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

static void ln_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x,
                        const float *y, float *dy, float *dx)
{
    (void)x; (void)y;
    size_t d = L->cin, M = s->B * L->tin;
    const float *gm = net->w + L->poff;
    float *gg = s->g + L->poff, *gb = gg + d;
    const float *xh = L->cache + s->b0 * L->tin * d, *rstd = L->cache + net->bmax * L->tin * d + s->b0 * L->tin;
    if (dx)
        for (size_t i = 0; i < M; i++) ln_row_bwd(dy + i * d, xh + i * d, rstd[i], gm, dx + i * d, d);
    ln_param_grads(dy, xh, M, d, d, gg, gb);
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
