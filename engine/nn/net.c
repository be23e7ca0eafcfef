/* net.c - the sequential network: layers, shapes, workspaces, forward and
 * backward passes over a batch. */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static const od_nn_layer_ops *const kinds[] = {
    [OD_NN_DENSE] = &od_nn_dense_ops,         [OD_NN_ACT] = &od_nn_act_ops,
    [OD_NN_CONV1D] = &od_nn_conv1d_ops,       [OD_NN_LSTM] = &od_nn_lstm_ops,
    [OD_NN_GRU] = &od_nn_gru_ops,             [OD_NN_MHA] = &od_nn_mha_ops,
    [OD_NN_LAYERNORM] = &od_nn_layernorm_ops, [OD_NN_FFN] = &od_nn_ffn_ops,
    [OD_NN_POSENC] = &od_nn_posenc_ops,       [OD_NN_DROPOUT] = &od_nn_dropout_ops,
    [OD_NN_REPEAT] = &od_nn_repeat_ops,       [OD_NN_LAST] = &od_nn_last_ops,
};
_Static_assert(sizeof kinds / sizeof kinds[0] == OD_NN_KIND_COUNT, "one ops table per layer kind");

static const char *const act_names[] = {"linear", "relu", "tanh", "sigmoid", "gelu"};
_Static_assert(sizeof act_names / sizeof act_names[0] == OD_NN_ACT_COUNT, "one name per activation");

const od_nn_layer_ops *od_nn_ops_of(od_nn_kind k) { return kinds[k]; }

const char *od_nn_kind_name(od_nn_kind k) { return k < OD_NN_KIND_COUNT ? kinds[k]->name : "?"; }
const char *od_nn_act_name(od_nn_act a) { return a < OD_NN_ACT_COUNT ? act_names[a] : "?"; }

int od_nn_threads(const od_nn *net)
{
#ifdef _OPENMP
    int t = omp_get_max_threads();
    return t < (int)net->nthr ? t : (int)net->nthr;
#else
    (void)net;
    return 1;
#endif
}

od_nn *od_nn_new(od_ctx *ctx, size_t T, size_t C)
{
    if (T == 0 || C == 0) {
        od_error(ctx, OD_EINVAL, "network input shape %zu x %zu is empty", T, C);
        return NULL;
    }
    od_nn *net = od_calloc(ctx, 1, sizeof *net);
    if (!net) return NULL;
    net->T = T;
    net->C = C;
    return net;
}

void od_nn_free(od_nn *net)
{
    if (!net) return;
    for (size_t l = 0; l < net->nl; l++) {
        free(net->L[l].cache);
        free(net->L[l].pe);
        if (net->act) free(net->act[l]);
    }
    free(net->act);
    free(net->L);
    free(net->w);
    free(net->g);
    free(net->d0);
    free(net->d1);
    free(net->scr);
    free(net);
}

int od_nn_push(od_ctx *ctx, od_nn *net, od_nn_kind k, od_nn_layer **out)
{
    *out = NULL;
    if (net->w)
        return od_error(ctx, OD_ESTATE, "cannot add a %s layer to a prepared network", kinds[k]->name);
    if (net->nl == net->cap) {
        size_t cap = net->cap ? 2 * net->cap : 8;
        od_nn_layer *L = realloc(net->L, cap * sizeof *L);
        if (!L) return od_error(ctx, OD_ENOMEM, "out of memory adding a layer");
        net->L = L;
        net->cap = cap;
    }
    od_nn_layer *L = &net->L[net->nl];
    memset(L, 0, sizeof *L);
    L->kind = k;
    if (net->nl) {
        L->tin = net->L[net->nl - 1].tout;
        L->cin = net->L[net->nl - 1].cout;
    } else {
        L->tin = net->T;
        L->cin = net->C;
    }
    L->tout = L->tin;
    L->cout = L->cin;
    *out = L;
    return OD_OK;
}

void od_nn_commit(od_nn *net, od_nn_layer *L)
{
    L->poff = net->np;
    net->np += L->np;
    net->nl++;
}

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

int od_nn_prepare(od_ctx *ctx, od_nn *net, size_t bmax)
{
    if (net->nl == 0) return od_error(ctx, OD_EINVAL, "network has no layers");
    if (bmax == 0) bmax = 1;
    size_t nthr = 1;
#ifdef _OPENMP
    nthr = (size_t)omp_get_max_threads();
#endif
    if (!net->w) {
        net->w = od_calloc(ctx, net->np ? net->np : 1, sizeof *net->w);
        net->g = od_calloc(ctx, net->np ? net->np : 1, sizeof *net->g);
        if (!net->w || !net->g) return OD_ENOMEM;
    }
    if (net->act && bmax <= net->bmax && nthr <= net->nthr) return OD_OK;
    if (bmax < net->bmax) bmax = net->bmax;
    if (nthr < net->nthr) nthr = net->nthr;

    /* release the old workspaces, then size everything for (bmax, nthr) */
    for (size_t l = 0; l < net->nl; l++) {
        free(net->L[l].cache);
        net->L[l].cache = NULL;
        if (net->act) { free(net->act[l]); net->act[l] = NULL; }
    }
    free(net->d0); free(net->d1); free(net->scr);
    net->d0 = net->d1 = net->scr = NULL;
    if (!net->act && !(net->act = od_calloc(ctx, net->nl, sizeof *net->act))) return OD_ENOMEM;

    size_t dmax = net->T * net->C, smax = 1;
    for (size_t l = 0; l < net->nl; l++) {
        od_nn_layer *L = &net->L[l];
        size_t osz = L->tout * L->cout;
        dmax = max_sz(dmax, osz);
        if (!(net->act[l] = od_mallocn(ctx, bmax, osz * sizeof(float)))) return OD_ENOMEM;
        if (L->ncache && !(L->cache = od_mallocn(ctx, bmax, L->ncache * sizeof(float))))
            return OD_ENOMEM;
        smax = max_sz(smax, L->nscr * bmax + L->nscr_thr * nthr);
    }
    net->d0 = od_mallocn(ctx, bmax, dmax * sizeof(float));
    net->d1 = od_mallocn(ctx, bmax, dmax * sizeof(float));
    net->scr = od_mallocn(ctx, smax, sizeof(float));
    if (!net->d0 || !net->d1 || !net->scr) return OD_ENOMEM;
    net->nscr = smax;
    net->bmax = bmax;
    net->nthr = nthr;
    return OD_OK;
}

void od_nn_release(od_nn *net)
{
    for (size_t l = 0; l < net->nl; l++) {
        free(net->L[l].cache);
        net->L[l].cache = NULL;
        if (net->act) free(net->act[l]);
    }
    free(net->act);
    free(net->d0);
    free(net->d1);
    free(net->scr);
    net->act = NULL;
    net->d0 = net->d1 = net->scr = NULL;
    net->bmax = net->nthr = net->nscr = 0;
}

size_t od_nn_floats_per_sample(const od_nn *net)
{
    size_t s = net->T * net->C, dmax = s;
    for (size_t l = 0; l < net->nl; l++) {
        const od_nn_layer *L = &net->L[l];
        s += L->tout * L->cout + L->ncache + L->nscr;
        dmax = max_sz(dmax, L->tout * L->cout);
    }
    return s + 2 * dmax;
}

void od_nn_init_weights(od_ctx *ctx, od_nn *net)
{
    gsl_rng *r = od_ctx_rng(ctx);
    for (size_t l = 0; l < net->nl; l++) {
        od_nn_layer *L = &net->L[l];
        if (L->np && kinds[L->kind]->init) kinds[L->kind]->init(L, net->w + L->poff, r);
    }
    net->drop_key = od_ctx_next_stream(ctx);
    net->drop_ctr = 0;
}

size_t od_nn_nlayers(const od_nn *net) { return net->nl; }
od_nn_kind od_nn_layer_kind(const od_nn *net, size_t l) { return net->L[l].kind; }

float *od_nn_layer_params(od_nn *net, size_t l, size_t *n)
{
    *n = net->L[l].np;
    return net->w ? net->w + net->L[l].poff : NULL;
}

float *od_nn_layer_grads(od_nn *net, size_t l, size_t *n)
{
    *n = net->L[l].np;
    return net->g ? net->g + net->L[l].poff : NULL;
}

void od_nn_layer_shape(const od_nn *net, size_t l, size_t *T, size_t *C)
{
    *T = net->L[l].tout;
    *C = net->L[l].cout;
}

size_t od_nn_nparams(const od_nn *net) { return net->np; }
float *od_nn_params(od_nn *net) { return net->w; }
float *od_nn_grads(od_nn *net) { return net->g; }
size_t od_nn_in_size(const od_nn *net) { return net->T * net->C; }
size_t od_nn_out_size(const od_nn *net)
{
    return net->nl ? net->L[net->nl - 1].tout * net->L[net->nl - 1].cout : net->T * net->C;
}
size_t od_nn_max_batch(const od_nn *net) { return net->bmax; }

int od_nn_summary(const od_nn *net, char *buf, size_t size)
{
    size_t len = 0;
    if (size) buf[0] = 0;
    for (size_t l = 0; l < net->nl; l++) {
        const od_nn_layer *L = &net->L[l];
        char extra[64] = "";
        if (L->kind == OD_NN_DENSE || L->kind == OD_NN_CONV1D || L->kind == OD_NN_ACT ||
            L->kind == OD_NN_FFN)
            if (L->act != OD_NN_ACT_NONE) snprintf(extra, sizeof extra, " %s", act_names[L->act]);
        if (L->kind == OD_NN_MHA) snprintf(extra, sizeof extra, " heads=%zu", L->heads);
        if (L->kind == OD_NN_CONV1D)
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
                     " k=%zu stride=%zu pad=%zu dil=%zu", L->k, L->stride, L->pad, L->dil);
        int w = snprintf(buf + len, len < size ? size - len : 0, "%-9s %zux%zu -> %zux%zu%s  params %zu\n",
                         kinds[L->kind]->name, L->tin, L->cin, L->tout, L->cout, extra, L->np);
        if (w < 0) return OD_EINVAL;
        len += (size_t)w;
    }
    return len < size ? OD_OK : OD_ERANGE;
}

const float *od_nn_forward(od_nn *net, const float *x, size_t B, int train)
{
    net->train = train;
    net->in_x = x;
    if (train) net->drop_ctr++;
    od_nn_blas_enter();
    const float *in = x;
    for (size_t l = 0; l < net->nl; l++) {
        od_nn_layer *L = &net->L[l];
        kinds[L->kind]->forward(net, L, in, net->act[l], B);
        in = net->act[l];
    }
    od_nn_blas_leave();
    return in;
}

void od_nn_backward(od_nn *net, float *dy, size_t B, float *dx)
{
    od_nn_blas_enter();
    float *cur = dy;
    for (size_t l = net->nl; l-- > 0;) {
        od_nn_layer *L = &net->L[l];
        float *out = l ? (cur == net->d0 ? net->d1 : net->d0) : dx;
        const float *x = l ? net->act[l - 1] : net->in_x;
        kinds[L->kind]->backward(net, L, x, net->act[l], cur, out, B);
        cur = out;
    }
    od_nn_blas_leave();
}

void od_nn_zero_grad(od_nn *net)
{
    if (net->g) memset(net->g, 0, net->np * sizeof *net->g);
}
