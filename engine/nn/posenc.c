/* posenc.c - adds the sinusoidal position code of "Attention is all you
 * need": pe[t][2i] = sin(t w_i), pe[t][2i+1] = cos(t w_i),
 * w_i = exp(-2i ln(10000) / C).  No parameters; dx = dy. */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void pe_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y)
{
    (void)net;
    size_t n = L->tin * L->cin;
    for (size_t b = 0; b < s->B; b++)
        for (size_t i = 0; i < n; i++) y[b * n + i] = x[b * n + i] + L->pe[i];
}

static void pe_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x,
                        const float *y, float *dy, float *dx)
{
    (void)net; (void)x; (void)y;
    if (dx) memcpy(dx, dy, s->B * L->tin * L->cin * sizeof *dx);
}

const od_nn_layer_ops od_nn_posenc_ops = {
    .name = "posenc", .init = NULL, .forward = pe_forward, .backward = pe_backward,
};

int od_nn_add_posenc(od_ctx *ctx, od_nn *net)
{
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_POSENC, &L);
    if (rc) return rc;
    size_t T = L->tin, C = L->cin;
    float *pe = od_mallocn(ctx, T * C, sizeof *pe);
    if (!pe) return OD_ENOMEM;
    for (size_t t = 0; t < T; t++)
        for (size_t j = 0; j < C; j++) {
            double w = exp(-(double)(j & ~(size_t)1) * log(10000.0) / (double)C);
            pe[t * C + j] = (float)((j & 1) ? cos((double)t * w) : sin((double)t * w));
        }
    L->pe = pe;
    od_nn_commit(net, L);
    return OD_OK;
}
