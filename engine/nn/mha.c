/* mha.c - multi-head scaled dot-product self-attention (PyTorch's
 * nn.MultiheadAttention with q = k = v = x, no mask), optionally residual.
 *
 *   [Q K V] = x W_in^T + b_in;  per head h (d_k = d / heads columns each):
 *   P_h = softmax(Q_h K_h^T / sqrt(d_k)) (rows);  O_h = P_h V_h
 *   y = O W_out^T + b_out  (+ x when residual)
 * Backward per head: dP = dO_h V_h^T, dV_h = P^T dO_h,
 *   dS = P * (dP - rowsum(P * dP)),  dQ_h = dS K_h / sqrt(d_k),  dK_h = dS^T Q_h / sqrt(d_k). */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <string.h>

typedef struct { float *QKV, *P, *O; } mha_cache;

static mha_cache cache_of(const od_nn *net, const od_nn_layer *L, size_t b0)
{
    size_t T = L->tin, d = L->cin, bm = net->bmax, hTT = L->heads * T * T;
    mha_cache c;
    c.QKV = L->cache + b0 * T * 3 * d;
    c.P = L->cache + bm * T * 3 * d + b0 * hTT;
    c.O = L->cache + bm * (T * 3 * d + hTT) + b0 * T * d;
    return c;
}

OD_NN_HOT static void softmax_rows(float *P, size_t T)
{
    for (size_t i = 0; i < T; i++) {
        float *p = P + i * T, m = od_nn_max(p, T);
        for (size_t j = 0; j < T; j++) p[j] = od_nn_expf(p[j] - m);
        float inv = 1.0f / od_nn_sum(p, T);
        for (size_t j = 0; j < T; j++) p[j] *= inv;
    }
}

/* dS = P * (dP - rowsum(P * dP)), in place over dP */
OD_NN_HOT static void softmax_bwd(const float *restrict P, float *restrict dP, size_t T)
{
    for (size_t i = 0; i < T; i++) {
        const float *p = P + i * T;
        float *g = dP + i * T, s = od_nn_dot(p, g, T);
        for (size_t j = 0; j < T; j++) g[j] = p[j] * (g[j] - s);
    }
}

static void mha_init(const od_nn_layer *L, float *w, gsl_rng *r)
{
    size_t d = L->cin;
    od_nn_uniform(w, 3 * d * d, sqrt(6.0 / (double)(4 * d)), r);
    memset(w + 3 * d * d, 0, 3 * d * sizeof *w);
    od_nn_uniform(w + 3 * d * d + 3 * d, d * d, 1.0 / sqrt((double)d), r);
    memset(w + 4 * d * d + 3 * d, 0, d * sizeof *w);
}

static void mha_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *sl, const float *x, float *y)
{
    size_t T = L->tin, d = L->cin, nh = L->heads, dk = d / nh, d3 = 3 * d, B = sl->B;
    const float *Win = net->w + L->poff, *bin = Win + d3 * d, *Wo = bin + d3, *bo = Wo + d * d;
    mha_cache k = cache_of(net, L, sl->b0);
    float scale = 1.0f / sqrtf((float)dk);
    od_nn_linear_fwd(x, B * T, d, Win, bin, d3, k.QKV, OD_NN_ACT_NONE, NULL);
    for (size_t bh = 0; bh < B * nh; bh++) {
        size_t b = bh / nh, h = bh % nh;
        const float *Q = k.QKV + b * T * d3 + h * dk, *K = Q + d, *V = Q + 2 * d;
        float *P = k.P + bh * T * T;
        od_nn_gemm(0, 1, T, T, dk, scale, Q, d3, K, d3, 0.0f, P, T);
        softmax_rows(P, T);
        od_nn_gemm(0, 0, T, dk, T, 1.0f, P, T, V, d3, 0.0f, k.O + b * T * d + h * dk, d);
    }
    od_nn_linear_fwd(k.O, B * T, d, Wo, bo, d, y, OD_NN_ACT_NONE, NULL);
    if (L->flag) od_nn_vadd(y, x, B * T * d);
}

static void mha_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *sl, const float *x,
                         const float *y, float *dy, float *dx)
{
    (void)y;
    size_t T = L->tin, d = L->cin, nh = L->heads, dk = d / nh, d3 = 3 * d, B = sl->B;
    const float *Win = net->w + L->poff, *Wo = Win + d3 * d + d3;
    float *gWin = sl->g + L->poff, *gbin = gWin + d3 * d, *gWo = gbin + d3, *gbo = gWo + d * d;
    mha_cache k = cache_of(net, L, sl->b0);
    float scale = 1.0f / sqrtf((float)dk);
    float *dO = sl->scr, *dQKV = dO + B * T * d, *dP = dQKV + B * T * d3;
    od_nn_linear_bwd(k.O, B * T, d, Wo, d, dy, gWo, gbo, dO, 0.0f);
    for (size_t bh = 0; bh < B * nh; bh++) {
        size_t b = bh / nh, h = bh % nh;
        const float *Q = k.QKV + b * T * d3 + h * dk, *K = Q + d, *V = Q + 2 * d;
        const float *P = k.P + bh * T * T, *dOh = dO + b * T * d + h * dk;
        float *dQ = dQKV + b * T * d3 + h * dk, *dK = dQ + d, *dV = dQ + 2 * d;
        od_nn_gemm(0, 1, T, T, dk, 1.0f, dOh, d, V, d3, 0.0f, dP, T);
        od_nn_gemm(1, 0, T, dk, T, 1.0f, P, T, dOh, d, 0.0f, dV, d3);
        softmax_bwd(P, dP, T);
        od_nn_gemm(0, 0, T, dk, T, scale, dP, T, K, d3, 0.0f, dQ, d3);
        od_nn_gemm(1, 0, T, dk, T, scale, dP, T, Q, d3, 0.0f, dK, d3);
    }
    if (dx && L->flag) memcpy(dx, dy, B * T * d * sizeof *dx);
    od_nn_linear_bwd(x, B * T, d, Win, d3, dQKV, gWin, gbin, dx, L->flag ? 1.0f : 0.0f);
}

const od_nn_layer_ops od_nn_mha_ops = {
    .name = "mha", .init = mha_init, .forward = mha_forward, .backward = mha_backward,
};

int od_nn_add_mha(od_ctx *ctx, od_nn *net, size_t heads, int residual)
{
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_MHA, &L);
    if (rc) return rc;
    size_t d = L->cin, T = L->tin;
    if (heads == 0 || d % heads)
        return od_error(ctx, OD_EINVAL, "attention: heads=%zu must divide the model width %zu",
                        heads, d);
    L->heads = heads;
    L->flag = residual != 0;
    L->np = 4 * d * d + 4 * d;
    L->ncache = 4 * T * d + heads * T * T;
    L->nscr = 4 * T * d;
    L->nscr_thr = T * T;
    od_nn_commit(net, L);
    return OD_OK;
}
