/* dense.c - fully connected layer, y = act(x W^T + b).
 *
 * Applied per time step ((B*T) x C matrix) or, with flatten, to the whole
 * sample (B x T*C).  Backward: dz = dy act'(z); gW += dz^T x; gb += sum dz;
 * dx = dz W (two matrix products and a column sum, darknet's connected layer). */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <string.h>

OD_NN_HOT static void bias_rows(float *restrict z, const float *restrict b, size_t M, size_t n)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < n; j++) z[i * n + j] += b[j];
}

OD_NN_HOT static void bias_relu_rows(float *restrict z, const float *restrict b, size_t M, size_t n)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < n; j++) {
            float v = z[i * n + j] + b[j];
            z[i * n + j] = v > 0 ? v : 0.0f;
        }
}

void od_nn_linear_fwd(const float *x, size_t M, size_t in, const float *W, const float *b,
                      size_t out, float *y, od_nn_act act, float *z)
{
    float *dst = z ? z : y;
    od_nn_gemm(0, 1, M, out, in, 1.0f, x, in, W, in, 0.0f, dst, out);
    if (act == OD_NN_ACT_RELU && dst == y && b) {
        bias_relu_rows(y, b, M, out);
        return;
    }
    if (b) bias_rows(dst, b, M, out);
    if (act != OD_NN_ACT_NONE || dst != y) od_nn_act_fwd(act, dst, y, M * out);
}

void od_nn_linear_bwd(const float *x, size_t M, size_t in, const float *W, size_t out,
                      const float *dz, float *gW, float *gb, float *dx, float beta_dx)
{
    od_nn_gemm(1, 0, out, in, M, 1.0f, dz, out, x, in, 1.0f, gW, in);
    if (gb) od_nn_colsum_add(dz, M, out, out, gb);
    if (dx) od_nn_gemm(0, 0, M, in, out, 1.0f, dz, out, W, in, beta_dx, dx, in);
}

static void dense_dims(const od_nn_layer *L, size_t B, size_t *M, size_t *in)
{
    if (L->flag) { *M = B; *in = L->tin * L->cin; }
    else { *M = B * L->tin; *in = L->cin; }
}

static void dense_init(const od_nn_layer *L, float *w, gsl_rng *r)
{
    size_t M, in;
    dense_dims(L, 1, &M, &in);
    od_nn_uniform(w, L->np, 1.0 / sqrt((double)in), r);
}

/* gelu keeps its pre-activation in the cache */
static float *pre_act(const od_nn_layer *L, const od_nn_slice *s)
{
    return L->act == OD_NN_ACT_GELU ? L->cache + s->b0 * L->tout * L->cout : NULL;
}

static void dense_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y)
{
    size_t M, in, out = L->cout;
    dense_dims(L, s->B, &M, &in);
    const float *W = net->w + L->poff, *b = W + out * in;
    od_nn_linear_fwd(x, M, in, W, b, out, y, L->act, pre_act(L, s));
}

static void dense_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x,
                           const float *y, float *dy, float *dx)
{
    size_t M, in, out = L->cout;
    dense_dims(L, s->B, &M, &in);
    const float *W = net->w + L->poff;
    float *gW = s->g + L->poff, *gb = gW + out * in;
    od_nn_act_bwd(L->act, pre_act(L, s), y, dy, M * out);
    od_nn_linear_bwd(x, M, in, W, out, dy, gW, gb, dx, 0.0f);
}

const od_nn_layer_ops od_nn_dense_ops = {
    .name = "dense", .init = dense_init, .forward = dense_forward, .backward = dense_backward,
};

int od_nn_add_dense(od_ctx *ctx, od_nn *net, size_t out, od_nn_act act, int flatten)
{
    if (out == 0) return od_error(ctx, OD_EINVAL, "dense layer needs at least one output");
    if ((unsigned)act >= OD_NN_ACT_COUNT) return od_error(ctx, OD_EINVAL, "dense layer: unknown activation");
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_DENSE, &L);
    if (rc) return rc;
    L->flag = flatten != 0;
    L->act = act;
    size_t in = flatten ? L->tin * L->cin : L->cin;
    if (flatten) L->tout = 1;
    L->cout = out;
    L->np = out * in + out;
    L->ncache = act == OD_NN_ACT_GELU ? L->tout * out : 0;
    od_nn_commit(net, L);
    return OD_OK;
}
