/* ffn.c - position-wise feed-forward block of a transformer encoder:
 *   y = act(x W1^T + b1) W2^T + b2  (+ x when residual)
 * two dense products per time step sharing dense.c's helpers. */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <string.h>

static void ffn_init(const od_nn_layer *L, float *w, gsl_rng *r)
{
    size_t d = L->cin, f = L->ff;
    od_nn_uniform(w, f * d + f, 1.0 / sqrt((double)d), r);
    od_nn_uniform(w + f * d + f, d * f + d, 1.0 / sqrt((double)f), r);
}

/* Cache: hidden pre-activations Z, then activations A (bmax x T x ff each). */
static void ffn_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y)
{
    size_t d = L->cin, f = L->ff, M = s->B * L->tin;
    const float *W1 = net->w + L->poff, *b1 = W1 + f * d, *W2 = b1 + f, *b2 = W2 + d * f;
    float *Z = L->cache + s->b0 * L->tin * f, *A = Z + net->bmax * L->tin * f;
    od_nn_linear_fwd(x, M, d, W1, b1, f, A, L->act, Z);
    od_nn_linear_fwd(A, M, f, W2, b2, d, y, OD_NN_ACT_NONE, NULL);
    if (L->flag) od_nn_vadd(y, x, M * d);
}

static void ffn_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x,
                         const float *y, float *dy, float *dx)
{
    (void)y;
    size_t d = L->cin, f = L->ff, M = s->B * L->tin;
    const float *W1 = net->w + L->poff, *W2 = W1 + f * d + f;
    float *gW1 = s->g + L->poff, *gb1 = gW1 + f * d, *gW2 = gb1 + f, *gb2 = gW2 + d * f;
    const float *Z = L->cache + s->b0 * L->tin * f, *A = Z + net->bmax * L->tin * f;
    float *dA = s->scr;
    od_nn_linear_bwd(A, M, f, W2, d, dy, gW2, gb2, dA, 0.0f);
    od_nn_act_bwd(L->act, Z, A, dA, M * f);
    if (dx && L->flag) memcpy(dx, dy, M * d * sizeof *dx);
    od_nn_linear_bwd(x, M, d, W1, f, dA, gW1, gb1, dx, L->flag ? 1.0f : 0.0f);
}

const od_nn_layer_ops od_nn_ffn_ops = {
    .name = "ffn", .init = ffn_init, .forward = ffn_forward, .backward = ffn_backward,
};

int od_nn_add_ffn(od_ctx *ctx, od_nn *net, size_t ff, od_nn_act act, int residual)
{
    if (ff == 0) return od_error(ctx, OD_EINVAL, "feed-forward block: width must be >= 1");
    if ((unsigned)act >= OD_NN_ACT_COUNT) return od_error(ctx, OD_EINVAL, "feed-forward block: unknown activation");
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_FFN, &L);
    if (rc) return rc;
    L->ff = ff;
    L->act = act;
    L->flag = residual != 0;
    L->np = 2 * ff * L->cin + ff + L->cin;
    L->ncache = 2 * L->tin * ff;
    L->nscr = L->tin * ff;
    od_nn_commit(net, L);
    return OD_OK;
}
