/* dropout.c - inverted dropout: while training each element is kept with
 * probability 1 - p and scaled by 1 / (1 - p); at inference y = x.  The mask
 * comes from a counter-based hash of (network stream, forward pass, element
 * of the batch), so it does not depend on threads or on the order of calls. */
#include "config.h"
#include "nn_impl.h"

#include <string.h>

static void do_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y)
{
    size_t per = L->tin * L->cin, n = s->B * per;
    if (!net->train || L->p <= 0) {
        memcpy(y, x, n * sizeof *y);
        return;
    }
    float keep = 1.0f / (1.0f - L->p), *mask = L->cache + s->b0 * per;
    uint64_t key = od_hash64(net->drop_key ^ od_hash64(net->drop_ctr * 1000003ULL + (uint64_t)L->poff +
                                                       (uint64_t)(uintptr_t)(L - net->L)));
    for (size_t i = 0; i < n; i++) {
        double u = (double)(od_hash64(key + s->b0 * per + i) >> 11) * 0x1.0p-53;
        mask[i] = u < L->p ? 0.0f : keep;
        y[i] = x[i] * mask[i];
    }
}

static void do_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x,
                        const float *y, float *dy, float *dx)
{
    (void)x; (void)y;
    if (!dx) return;
    size_t per = L->tin * L->cin, n = s->B * per;
    if (!net->train || L->p <= 0) {
        memcpy(dx, dy, n * sizeof *dx);
        return;
    }
    const float *mask = L->cache + s->b0 * per;
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * mask[i];
}

const od_nn_layer_ops od_nn_dropout_ops = {
    .name = "dropout", .init = NULL, .forward = do_forward, .backward = do_backward,
};

int od_nn_add_dropout(od_ctx *ctx, od_nn *net, double p)
{
    if (!(p >= 0 && p < 1)) return od_error(ctx, OD_EINVAL, "dropout=%g must be in [0, 1)", p);
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_DROPOUT, &L);
    if (rc) return rc;
    L->p = (float)p;
    L->ncache = L->tin * L->cin;
    od_nn_commit(net, L);
    return OD_OK;
}
