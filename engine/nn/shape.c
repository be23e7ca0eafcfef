/* shape.c - layers that only move data: repeat (1, C) -> (T, C), the bridge
 * from an encoder's last state to a sequence decoder, and last (T, C) -> (1, C). */
#include "config.h"
#include "nn_impl.h"

#include <string.h>

static void rep_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y)
{
    (void)net;
    size_t C = L->cin, T = L->tout;
    for (size_t b = 0; b < s->B; b++)
        for (size_t t = 0; t < T; t++) memcpy(y + (b * T + t) * C, x + b * C, C * sizeof *y);
}

static void rep_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x,
                         const float *y, float *dy, float *dx)
{
    (void)net; (void)x; (void)y;
    if (!dx) return;
    size_t C = L->cin, T = L->tout;
    for (size_t b = 0; b < s->B; b++) {
        float *d = dx + b * C;
        memcpy(d, dy + b * T * C, C * sizeof *d);
        for (size_t t = 1; t < T; t++)
            for (size_t j = 0; j < C; j++) d[j] += dy[(b * T + t) * C + j];
    }
}

const od_nn_layer_ops od_nn_repeat_ops = {
    .name = "repeat", .init = NULL, .forward = rep_forward, .backward = rep_backward,
};

int od_nn_add_repeat(od_ctx *ctx, od_nn *net, size_t T)
{
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_REPEAT, &L);
    if (rc) return rc;
    if (L->tin != 1 || T == 0)
        return od_error(ctx, OD_EINVAL, "repeat needs a single time step in (has %zu) and T >= 1", L->tin);
    L->tout = T;
    od_nn_commit(net, L);
    return OD_OK;
}

static void last_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y)
{
    (void)net;
    size_t C = L->cin, T = L->tin;
    for (size_t b = 0; b < s->B; b++) memcpy(y + b * C, x + (b * T + T - 1) * C, C * sizeof *y);
}

static void last_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x,
                          const float *y, float *dy, float *dx)
{
    (void)net; (void)x; (void)y;
    if (!dx) return;
    size_t C = L->cin, T = L->tin;
    memset(dx, 0, s->B * T * C * sizeof *dx);
    for (size_t b = 0; b < s->B; b++) memcpy(dx + (b * T + T - 1) * C, dy + b * C, C * sizeof *dx);
}

const od_nn_layer_ops od_nn_last_ops = {
    .name = "last", .init = NULL, .forward = last_forward, .backward = last_backward,
};

int od_nn_add_last(od_ctx *ctx, od_nn *net)
{
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_LAST, &L);
    if (rc) return rc;
    L->tout = 1;
    od_nn_commit(net, L);
    return OD_OK;
}
