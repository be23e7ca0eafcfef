/* train.c - the training loop as INIT / STEP: one od_nn_train_step is one
 * epoch of shuffled mini-batches, then the validation loss, the early-stopping
 * test and the snapshot of the best weights.  Nothing is allocated after
 * od_nn_train_init. */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct od_nn_train {
    od_nn *net;
    od_nn_train_opts o;
    od_nn_data tr, va;
    od_nn_optim *opt;
    size_t *perm;
    float *xb, *yb, *dy, *best;
    size_t B, epoch, best_epoch;
    double best_loss, loss, vloss, secs;
    int stopped, diverged, done;
};

void od_nn_train_free(od_nn_train *t)
{
    if (!t) return;
    od_nn_optim_free(t->opt);
    free(t->perm);
    free(t->xb);
    free(t->yb);
    free(t->dy);
    free(t->best);
    free(t);
}

od_nn_train *od_nn_train_init(od_ctx *ctx, od_nn *net, const od_nn_train_opts *o,
                              const od_nn_data *train, const od_nn_data *val)
{
    if (!train || train->n == 0) {
        od_error(ctx, OD_EDATA, "no training samples");
        return NULL;
    }
    if (o->epochs == 0 || o->batch == 0) {
        od_error(ctx, OD_EINVAL, "epochs and batch must be at least 1");
        return NULL;
    }
    if ((unsigned)o->loss >= OD_NN_LOSS_COUNT || (unsigned)o->sched >= OD_NN_SCHED_COUNT) {
        od_error(ctx, OD_EINVAL, "unknown loss or schedule");
        return NULL;
    }
    size_t B = o->batch < train->n ? o->batch : train->n;
    if (od_nn_prepare(ctx, net, B)) return NULL;
    od_nn_train *t = od_calloc(ctx, 1, sizeof *t);
    if (!t) return NULL;
    t->net = net;
    t->o = *o;
    t->tr = *train;
    if (val && val->n) t->va = *val;
    t->B = B;
    size_t bm = od_nn_max_batch(net), in = od_nn_in_size(net), out = od_nn_out_size(net);
    t->opt = od_nn_optim_new(ctx, net->np, &o->opt);
    t->perm = od_mallocn(ctx, train->n, sizeof *t->perm);
    t->xb = od_mallocn(ctx, bm, in * sizeof(float));
    t->yb = od_mallocn(ctx, bm, out * sizeof(float));
    t->dy = od_mallocn(ctx, bm, out * sizeof(float));
    t->best = od_mallocn(ctx, net->np ? net->np : 1, sizeof(float));
    if (!t->opt || !t->perm || !t->xb || !t->yb || !t->dy || !t->best) {
        od_nn_train_free(t);
        return NULL;
    }
    for (size_t i = 0; i < train->n; i++) t->perm[i] = i;
    memcpy(t->best, net->w, net->np * sizeof(float));
    t->best_loss = INFINITY;
    t->loss = t->vloss = NAN;
    return t;
}

static void gather(const od_nn_data *d, const size_t *idx, size_t first, size_t B, size_t in,
                   size_t out, float *xb, float *yb)
{
    for (size_t b = 0; b < B; b++) {
        size_t i = idx ? idx[first + b] : first + b;
        memcpy(xb + b * in, d->x + i * d->xstride, in * sizeof(float));
        memcpy(yb + b * out, d->y + i * d->ystride, out * sizeof(float));
    }
}

double od_nn_evaluate(od_nn *net, const od_nn_data *d, od_nn_loss loss, float *xb, float *yb)
{
    if (!d || d->n == 0) return NAN;
    size_t bm = net->bmax, in = od_nn_in_size(net), out = od_nn_out_size(net);
    double s = 0;
    for (size_t i = 0; i < d->n; i += bm) {
        size_t B = d->n - i < bm ? d->n - i : bm;
        gather(d, NULL, i, B, in, out, xb, yb);
        const float *y = od_nn_forward(net, xb, B, 0);
        s += od_nn_loss_eval(loss, y, yb, B * out, NULL) * (double)B;
    }
    return s / (double)d->n;
}

int od_nn_train_step(od_ctx *ctx, od_nn_train *t)
{
    if (t->done) return OD_OK;
    od_nn *net = t->net;
    size_t n = t->tr.n, in = od_nn_in_size(net), out = od_nn_out_size(net);
    double t0 = od_now();
    gsl_rng *r = od_ctx_rng(ctx);
    for (size_t i = n; i > 1; i--) {   /* Fisher-Yates */
        size_t j = (size_t)gsl_rng_uniform_int(r, (unsigned long)i);
        size_t tmp = t->perm[i - 1];
        t->perm[i - 1] = t->perm[j];
        t->perm[j] = tmp;
    }
    double lr = od_nn_sched_lr(t->o.sched, t->o.opt.lr, t->epoch, t->o.epochs);
    double sum = 0;
    for (size_t i = 0; i < n; i += t->B) {
        if (od_cancelled(ctx)) return OD_ECANCEL;
        size_t B = n - i < t->B ? n - i : t->B;
        gather(&t->tr, t->perm, i, B, in, out, t->xb, t->yb);
        od_nn_zero_grad(net);
        const float *y = od_nn_forward(net, t->xb, B, 1);
        sum += od_nn_loss_eval(t->o.loss, y, t->yb, B * out, t->dy) * (double)B;
        od_nn_backward(net, t->dy, B, NULL);
        if (t->o.clip > 0) od_nn_clip_grad(net->g, net->np, t->o.clip);
        od_nn_optim_step(t->opt, net->w, net->g, lr);
    }
    t->epoch++;
    t->loss = sum / (double)n;
    t->vloss = t->va.n ? od_nn_evaluate(net, &t->va, t->o.loss, t->xb, t->yb) : NAN;
    t->secs = od_now() - t0;
    double crit = t->va.n ? t->vloss : t->loss;
    if (!isfinite(crit)) {
        t->diverged = 1;
        t->done = 1;
        if (t->best_epoch == 0)
            return od_error(ctx, OD_ENOCONV,
                            "training diverged in epoch %zu (loss %g): lower lr= or set clip=",
                            t->epoch, crit);
        od_nn_train_restore_best(t);
        return OD_OK;
    }
    if (crit < t->best_loss) {
        t->best_loss = crit;
        t->best_epoch = t->epoch;
        memcpy(t->best, net->w, net->np * sizeof(float));
    } else if (t->va.n && t->o.patience && t->epoch - t->best_epoch >= t->o.patience) {
        t->stopped = 1;
    }
    if (t->stopped || t->epoch >= t->o.epochs) {
        t->done = 1;
        od_nn_train_restore_best(t);
        return OD_OK;
    }
    return OD_CONTINUE;
}

void od_nn_train_restore_best(od_nn_train *t)
{
    if (t->best_epoch) memcpy(t->net->w, t->best, t->net->np * sizeof(float));
}

size_t od_nn_train_epoch(const od_nn_train *t) { return t->epoch; }
size_t od_nn_train_best_epoch(const od_nn_train *t) { return t->best_epoch; }
double od_nn_train_loss(const od_nn_train *t) { return t->loss; }
double od_nn_train_val_loss(const od_nn_train *t) { return t->vloss; }
double od_nn_train_seconds(const od_nn_train *t) { return t->secs; }
int od_nn_train_stopped_early(const od_nn_train *t) { return t->stopped; }
int od_nn_train_diverged(const od_nn_train *t) { return t->diverged; }
