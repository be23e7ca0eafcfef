/* optim.c - SGD (momentum, Nesterov), Adam and AdamW with PyTorch's update
 * rules (torch.optim, single-tensor path), gradient-norm clipping and
 * learning-rate schedules.
 *
 * SGD:   d = g + wd w;  b = m b + d (b = d at the first step);
 *        d = nesterov ? d + m b : b;  w -= lr d
 * Adam:  d = g + wd w;  m1 = b1 m1 + (1 - b1) d;  m2 = b2 m2 + (1 - b2) d^2;
 *        w -= lr / (1 - b1^t) * m1 / (sqrt(m2) / sqrt(1 - b2^t) + eps)
 * AdamW: as Adam with d = g, after w *= 1 - lr wd. */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct od_nn_optim {
    od_nn_optim_opts o;
    size_t n;
    long t;          /* steps taken */
    float *m1, *m2;  /* SGD: m1 = momentum buffer */
};

od_nn_optim_opts od_nn_optim_defaults(od_nn_opt kind)
{
    od_nn_optim_opts o = {.kind = kind, .lr = 1e-3, .momentum = 0, .nesterov = 0,
                          .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0};
    if (kind == OD_NN_OPT_ADAMW) o.weight_decay = 0.01;
    if (kind == OD_NN_OPT_SGD) o.lr = 0.01;
    return o;
}

od_nn_optim *od_nn_optim_new(od_ctx *ctx, size_t n, const od_nn_optim_opts *o)
{
    if ((unsigned)o->kind >= OD_NN_OPT_COUNT) {
        od_error(ctx, OD_EINVAL, "unknown optimizer");
        return NULL;
    }
    od_nn_optim *p = od_calloc(ctx, 1, sizeof *p);
    if (!p) return NULL;
    p->o = *o;
    p->n = n;
    p->m1 = od_calloc(ctx, n ? n : 1, sizeof *p->m1);
    p->m2 = od_calloc(ctx, n ? n : 1, sizeof *p->m2);
    if (!p->m1 || !p->m2) {
        od_nn_optim_free(p);
        return NULL;
    }
    return p;
}

void od_nn_optim_free(od_nn_optim *p)
{
    if (!p) return;
    free(p->m1);
    free(p->m2);
    free(p);
}

OD_NN_HOT static void sgd(float *restrict w, const float *restrict g, float *restrict b, size_t n,
                          float lr, float wd, float mom, int nesterov, int first)
{
    for (size_t i = 0; i < n; i++) {
        float d = g[i] + wd * w[i];
        if (mom != 0) {
            float v = first ? d : mom * b[i] + d;
            b[i] = v;
            d = nesterov ? d + mom * v : v;
        }
        w[i] -= lr * d;
    }
}

OD_NN_HOT static void adam(float *restrict w, const float *restrict g, float *restrict m1,
                           float *restrict m2, size_t n, float b1, float b2, float step,
                           float bc2s, float eps, float wd, float decay)
{
    for (size_t i = 0; i < n; i++) {
        float x = w[i] * decay;
        float d = g[i] + wd * x;
        float a = b1 * m1[i] + (1 - b1) * d;
        float v = b2 * m2[i] + (1 - b2) * d * d;
        m1[i] = a;
        m2[i] = v;
        w[i] = x - step * a / (sqrtf(v) / bc2s + eps);
    }
}

void od_nn_optim_step(od_nn_optim *p, float *w, const float *g, double lr)
{
    const od_nn_optim_opts *o = &p->o;
    p->t++;
    if (o->kind == OD_NN_OPT_SGD) {
        sgd(w, g, p->m1, p->n, (float)lr, (float)o->weight_decay, (float)o->momentum,
            o->nesterov, p->t == 1);
        return;
    }
    double bc1 = 1 - pow(o->beta1, (double)p->t), bc2 = 1 - pow(o->beta2, (double)p->t);
    int adamw = o->kind == OD_NN_OPT_ADAMW;
    adam(w, g, p->m1, p->m2, p->n, (float)o->beta1, (float)o->beta2, (float)(lr / bc1),
         (float)sqrt(bc2), (float)o->eps, adamw ? 0.0f : (float)o->weight_decay,
         adamw ? (float)(1 - lr * o->weight_decay) : 1.0f);
}

double od_nn_clip_grad(float *g, size_t n, double max_norm)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)g[i] * g[i];
    double norm = sqrt(s);
    if (max_norm > 0 && norm > max_norm) {
        float c = (float)(max_norm / (norm + 1e-6));
        for (size_t i = 0; i < n; i++) g[i] *= c;
    }
    return norm;
}

double od_nn_sched_lr(od_nn_sched s, double lr, size_t e, size_t epochs)
{
    switch (s) {
    case OD_NN_SCHED_STEP: {
        size_t every = epochs / 4 ? epochs / 4 : 1;
        return lr * pow(0.5, (double)(e / every));
    }
    case OD_NN_SCHED_COSINE:
        return epochs ? 0.5 * lr * (1 + cos(M_PI * (double)e / (double)epochs)) : lr;
    default:
        return lr;
    }
}
