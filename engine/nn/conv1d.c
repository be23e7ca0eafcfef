/* conv1d.c - 1-D convolution over time with stride, zero padding and
 * dilation, channels last:
 *   y[t][o] = act(b[o] + sum_{j<k, c<C} W[o][j][c] x[t*stride - pad + j*dil][c])
 * computed as im2col (each output step's k taps side by side, a (B*T') x
 * (k*C) matrix, kept for backward) times W^T; backward: gW += dz^T cols,
 * dcols = dz W, then col2im adds dcols back onto the input steps they came
 * from. */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <string.h>

/* the k taps of every output step of one sample, side by side */
OD_NN_HOT static void im2col1(const od_nn_layer *L, const float *restrict xb, float *restrict c)
{
    size_t cin = L->cin;
    for (size_t t = 0; t < L->tout; t++)
        for (size_t j = 0; j < L->k; j++, c += cin) {
            long src = (long)(t * L->stride + j * L->dil) - (long)L->pad;
            if (src >= 0 && (size_t)src < L->tin) {
                const float *s = xb + (size_t)src * cin;
                for (size_t i = 0; i < cin; i++) c[i] = s[i];
            } else {
                for (size_t i = 0; i < cin; i++) c[i] = 0;
            }
        }
}

OD_NN_HOT static void col2im1(const od_nn_layer *L, const float *restrict c, float *restrict db)
{
    size_t cin = L->cin;
    for (size_t i = 0; i < L->tin * cin; i++) db[i] = 0;
    for (size_t t = 0; t < L->tout; t++)
        for (size_t j = 0; j < L->k; j++, c += cin) {
            long src = (long)(t * L->stride + j * L->dil) - (long)L->pad;
            if (src < 0 || (size_t)src >= L->tin) continue;
            float *d = db + (size_t)src * cin;
            for (size_t i = 0; i < cin; i++) d[i] += c[i];
        }
}

static void conv_init(const od_nn_layer *L, float *w, gsl_rng *r)
{
    od_nn_uniform(w, L->np, 1.0 / sqrt((double)(L->k * L->cin)), r);
}

/* Cache: the columns (bmax x T' x k*C) while training, then gelu's
 * pre-activation (bmax x T' x out). */
static float *pre_act(const od_nn *net, const od_nn_layer *L, const od_nn_slice *s)
{
    if (L->act != OD_NN_ACT_GELU) return NULL;
    return L->cache + net->bmax * L->tout * L->k * L->cin + s->b0 * L->tout * L->cout;
}

static void conv_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y)
{
    size_t K = L->k * L->cin, M = s->B * L->tout;
    const float *W = net->w + L->poff, *bias = W + L->cout * K;
    float *col = net->train ? L->cache + s->b0 * L->tout * K : s->scr;
    for (size_t b = 0; b < s->B; b++) im2col1(L, x + b * L->tin * L->cin, col + b * L->tout * K);
    float *z = pre_act(net, L, s);
    od_nn_linear_fwd(col, M, K, W, bias, L->cout, z ? z : y);
    od_nn_act_fwd(L->act, z ? z : y, y, M * L->cout);
}

static void conv_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x,
                          const float *y, float *dy, float *dx)
{
    (void)x;
    size_t K = L->k * L->cin, M = s->B * L->tout;
    const float *W = net->w + L->poff;
    float *gW = s->g + L->poff, *gb = gW + L->cout * K;
    const float *col = L->cache + s->b0 * L->tout * K;   /* kept by the forward pass */
    float *dcol = s->scr;
    od_nn_act_bwd(L->act, pre_act(net, L, s), y, dy, M * L->cout);
    od_nn_linear_bwd(col, M, K, W, L->cout, dy, gW, gb, dx ? dcol : NULL, 0.0f);
    if (dx)
        for (size_t b = 0; b < s->B; b++) col2im1(L, dcol + b * L->tout * K, dx + b * L->tin * L->cin);
}

const od_nn_layer_ops od_nn_conv1d_ops = {
    .name = "conv1d", .init = conv_init, .forward = conv_forward, .backward = conv_backward,
};

int od_nn_add_conv1d(od_ctx *ctx, od_nn *net, size_t out, size_t k, size_t stride, size_t pad,
                     size_t dil, od_nn_act act)
{
    if (out == 0 || k == 0 || stride == 0 || dil == 0)
        return od_error(ctx, OD_EINVAL, "conv1d: channels, kernel, stride and dilation must be >= 1");
    if ((unsigned)act >= OD_NN_ACT_COUNT) return od_error(ctx, OD_EINVAL, "conv1d: unknown activation");
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_CONV1D, &L);
    if (rc) return rc;
    size_t span = dil * (k - 1) + 1;
    if (L->tin + 2 * pad < span)
        return od_error(ctx, OD_EINVAL, "conv1d: kernel span %zu exceeds the %zu (padded) time steps",
                        span, L->tin + 2 * pad);
    L->k = k;
    L->stride = stride;
    L->pad = pad;
    L->dil = dil;
    L->act = act;
    L->tout = (L->tin + 2 * pad - span) / stride + 1;
    L->cout = out;
    L->np = out * k * L->cin + out;
    L->ncache = L->tout * k * L->cin + (act == OD_NN_ACT_GELU ? L->tout * out : 0);
    L->nscr = L->tout * k * L->cin;
    od_nn_commit(net, L);
    return OD_OK;
}
