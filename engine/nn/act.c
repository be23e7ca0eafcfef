/* act.c - activation functions (element-wise kernels and the activation layer).
 *
 * relu     y = max(z, 0)               y' = [z > 0]
 * tanh     y = tanh z                  y' = 1 - y^2
 * sigmoid  y = 1 / (1 + e^-z)          y' = y (1 - y)
 * gelu     y = z Phi(z) (exact, erf)   y' = Phi(z) + z phi(z)
 *
 * sigmoid and tanh use od_nn_expf (nn_impl.h) so the loops vectorise. */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <string.h>

OD_NN_HOT static void vsigmoid(float *restrict y, const float *restrict x, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = od_nn_sigmoidf(x[i]);
}

OD_NN_HOT static void vtanh(float *restrict y, const float *restrict x, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = od_nn_tanhf(x[i]);
}

/* In-place variants need their own loops: restrict forbids y == x above. */
OD_NN_HOT void od_nn_vsigmoid(float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = od_nn_sigmoidf(y[i]);
}
OD_NN_HOT void od_nn_vtanh(float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = od_nn_tanhf(y[i]);
}
OD_NN_HOT static void vrelu(float *y, const float *z, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = z[i] > 0 ? z[i] : 0.0f;
}

static void act_fwd1(od_nn_act a, const float *z, float *y, size_t n)
{
    switch (a) {
    case OD_NN_ACT_NONE:
        if (y != z) memcpy(y, z, n * sizeof *y);
        break;
    case OD_NN_ACT_RELU: vrelu(y, z, n); break;
    case OD_NN_ACT_TANH:
        if (y == z) od_nn_vtanh(y, n); else vtanh(y, z, n);
        break;
    case OD_NN_ACT_SIGMOID:
        if (y == z) od_nn_vsigmoid(y, n); else vsigmoid(y, z, n);
        break;
    case OD_NN_ACT_GELU:
        for (size_t i = 0; i < n; i++) {
            float v = z[i];
            y[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
        }
        break;
    case OD_NN_ACT_COUNT: break;
    }
}

OD_NN_HOT static void drelu(const float *y, float *dy, size_t n)
{
    for (size_t i = 0; i < n; i++) dy[i] = y[i] > 0 ? dy[i] : 0.0f;
}
OD_NN_HOT static void dtanh(const float *y, float *dy, size_t n)
{
    for (size_t i = 0; i < n; i++) dy[i] *= 1.0f - y[i] * y[i];
}
OD_NN_HOT static void dsigmoid(const float *y, float *dy, size_t n)
{
    for (size_t i = 0; i < n; i++) dy[i] *= y[i] * (1.0f - y[i]);
}

static void act_bwd1(od_nn_act a, const float *z, const float *y, float *dy, size_t n)
{
    switch (a) {
    case OD_NN_ACT_NONE: break;
    case OD_NN_ACT_RELU: drelu(y, dy, n); break;
    case OD_NN_ACT_TANH: dtanh(y, dy, n); break;
    case OD_NN_ACT_SIGMOID: dsigmoid(y, dy, n); break;
    case OD_NN_ACT_GELU:
        for (size_t i = 0; i < n; i++) {
            float v = z[i];
            float cdf = 0.5f * (1.0f + erff(v * 0.70710678118654752f));
            float pdf = 0.39894228040143268f * expf(-0.5f * v * v);
            dy[i] *= cdf + v * pdf;
        }
        break;
    case OD_NN_ACT_COUNT: break;
    }
}

OD_NN_HOT static void colsum1(const float *A, size_t M, size_t N, size_t lda, float *out)
{
    for (size_t i = 0; i < M; i++) {
        const float *a = A + i * lda;
        for (size_t j = 0; j < N; j++) out[j] += a[j];
    }
}

void od_nn_act_fwd(od_nn_act a, const float *z, float *y, size_t n) { act_fwd1(a, z, y, n); }

void od_nn_act_bwd(od_nn_act a, const float *z, const float *y, float *dy, size_t n)
{
    act_bwd1(a, z, y, dy, n);
}

OD_NN_HOT void od_nn_vadd(float *restrict y, const float *restrict x, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

void od_nn_colsum_add(const float *A, size_t M, size_t N, size_t lda, float *out)
{
    colsum1(A, M, N, lda, out);
}

void od_nn_uniform(float *w, size_t n, double a, gsl_rng *r)
{
    for (size_t i = 0; i < n; i++) w[i] = (float)((2.0 * gsl_rng_uniform(r) - 1.0) * a);
}

/* ---- the activation layer: y = act(x); gelu keeps x for backward (x is the
 * previous layer's output, still alive during backward). */

static void act_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y)
{
    (void)net;
    od_nn_act_fwd(L->act, x, y, s->B * L->tin * L->cin);
}

static void act_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x,
                         const float *y, float *dy, float *dx)
{
    (void)net;
    if (!dx) return;
    size_t n = s->B * L->tin * L->cin;
    od_nn_act_bwd(L->act, x, y, dy, n);
    memcpy(dx, dy, n * sizeof *dx);
}

const od_nn_layer_ops od_nn_act_ops = {
    .name = "act", .init = NULL, .forward = act_forward, .backward = act_backward,
};

int od_nn_add_act(od_ctx *ctx, od_nn *net, od_nn_act act)
{
    if ((unsigned)act >= OD_NN_ACT_COUNT) return od_error(ctx, OD_EINVAL, "unknown activation");
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_ACT, &L);
    if (rc) return rc;
    L->act = act;
    od_nn_commit(net, L);
    return OD_OK;
}
