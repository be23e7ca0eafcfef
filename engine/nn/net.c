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
    free(net->gbuf);
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

/* Multiply-adds of one sample's forward pass (decides how many threads a
 * batch is worth). */
static double layer_macs(const od_nn_layer *L)
{
    double T = (double)L->tin, C = (double)L->cin, O = (double)L->cout;
    switch (L->kind) {
    case OD_NN_DENSE: return L->flag ? T * C * O : T * C * O;
    case OD_NN_CONV1D: return (double)L->tout * L->k * C * O;
    case OD_NN_LSTM: return T * 4.0 * L->hidden * (C + L->hidden);
    case OD_NN_GRU: return T * 3.0 * L->hidden * (C + L->hidden);
    case OD_NN_MHA: return T * 4.0 * C * C + 2.0 * T * T * C;
    case OD_NN_FFN: return T * 2.0 * C * L->ff;
    default: return T * C;
    }
}

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
    od_nn_release(net);
    if (!(net->act = od_calloc(ctx, net->nl, sizeof *net->act))) return OD_ENOMEM;

    /* scratch: thread 0 may get the whole batch (one thread), the others at
     * most half of it */
    size_t dmax = net->T * net->C, half = (bmax + 1) / 2, s0 = 1, s1 = 1;
    net->macs = 0;
    for (size_t l = 0; l < net->nl; l++) {
        od_nn_layer *L = &net->L[l];
        size_t osz = L->tout * L->cout;
        dmax = max_sz(dmax, osz);
        if (!(net->act[l] = od_mallocn(ctx, bmax, osz * sizeof(float)))) return OD_ENOMEM;
        if (L->ncache && !(L->cache = od_mallocn(ctx, bmax, L->ncache * sizeof(float)))) return OD_ENOMEM;
        s0 = max_sz(s0, L->nscr * bmax + L->nscr_thr);
        s1 = max_sz(s1, L->nscr * half + L->nscr_thr);
        net->macs += layer_macs(L);
    }
    net->d0 = od_mallocn(ctx, bmax, dmax * sizeof(float));
    net->d1 = od_mallocn(ctx, bmax, dmax * sizeof(float));
    net->scr = od_mallocn(ctx, s0 + (nthr - 1) * s1, sizeof(float));
    if (!net->d0 || !net->d1 || !net->scr) return OD_ENOMEM;
    if (nthr > 1 && !(net->gbuf = od_mallocn(ctx, nthr * (net->np ? net->np : 1), sizeof(float))))
        return OD_ENOMEM;
    net->dmax = dmax;
    net->scr0 = s0;
    net->scr1 = s1;
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
    free(net->gbuf);
    net->act = NULL;
    net->d0 = net->d1 = net->scr = net->gbuf = NULL;
    net->bmax = net->nthr = net->dmax = net->scr0 = net->scr1 = 0;
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

/* Threads worth using for a batch of B: at most one per sample, and about
 * a million multiply-adds each at least (a fork/join costs microseconds). */
static int pass_threads(const od_nn *net, size_t B)
{
    size_t nt = (size_t)od_nn_threads(net);
    if (nt > B) nt = B;
    double per = (double)B * net->macs / 1e6;
    if ((double)nt > per) nt = per >= 1 ? (size_t)per : 1;
    return nt ? (int)nt : 1;
}

static void slice_of(const od_nn *net, size_t B, int nt, int t, od_nn_slice *s)
{
    size_t piece = (B + (size_t)nt - 1) / (size_t)nt;
    s->b0 = (size_t)t * piece;
    if (s->b0 > B) s->b0 = B;
    s->B = s->b0 + piece < B ? piece : B - s->b0;
    s->scr = net->scr + (t ? net->scr0 + (size_t)(t - 1) * net->scr1 : 0);
    s->g = nt > 1 ? net->gbuf + (size_t)t * net->np : net->g;
}

static void forward_slice(od_nn *net, const float *x, const od_nn_slice *s)
{
    const float *in = x + s->b0 * net->T * net->C;
    for (size_t l = 0; l < net->nl; l++) {
        od_nn_layer *L = &net->L[l];
        float *y = net->act[l] + s->b0 * L->tout * L->cout;
        kinds[L->kind]->forward(net, L, s, in, y);
        in = y;
    }
}

const float *od_nn_forward(od_nn *net, const float *x, size_t B, int train)
{
    net->train = train;
    net->in_x = x;
    if (train) net->drop_ctr++;
    od_nn_blas_enter();
    int nt = pass_threads(net, B);
    if (nt <= 1) {
        od_nn_slice s;
        slice_of(net, B, 1, 0, &s);
        forward_slice(net, x, &s);
    } else {
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
        {
            od_nn_slice s;
            int t = 0;
#ifdef _OPENMP
            t = omp_get_thread_num();
#endif
            slice_of(net, B, nt, t, &s);
            if (s.B) forward_slice(net, x, &s);
        }
    }
    od_nn_blas_leave();
    return net->act[net->nl - 1];
}

/* Backward through all layers for one slice.  The ping-pong buffers are cut
 * per thread at b0 * dmax, so a thread ahead by a layer never touches another
 * thread's part. */
static void backward_slice(od_nn *net, float *dy, float *dx, const od_nn_slice *s)
{
    const od_nn_layer *last = &net->L[net->nl - 1];
    float *cur = dy + s->b0 * last->tout * last->cout;
    float *bufs[2] = {net->d0 + s->b0 * net->dmax, net->d1 + s->b0 * net->dmax};
    int next = 0;
    for (size_t l = net->nl; l-- > 0;) {
        od_nn_layer *L = &net->L[l];
        float *out = l ? bufs[next] : dx ? dx + s->b0 * net->T * net->C : NULL;
        const float *x = l ? net->act[l - 1] + s->b0 * L->tin * L->cin : net->in_x + s->b0 * net->T * net->C;
        kinds[L->kind]->backward(net, L, s, x, net->act[l] + s->b0 * L->tout * L->cout, cur, out);
        cur = out;
        next ^= 1;
    }
}

void od_nn_backward(od_nn *net, float *dy, size_t B, float *dx)
{
    od_nn_blas_enter();
    int nt = pass_threads(net, B);
    if (nt <= 1) {
        od_nn_slice s;
        slice_of(net, B, 1, 0, &s);
        backward_slice(net, dy, dx, &s);
    } else {
        size_t np = net->np;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
        {
            od_nn_slice s;
            int t = 0;
#ifdef _OPENMP
            t = omp_get_thread_num();
#endif
            slice_of(net, B, nt, t, &s);
            memset(s.g, 0, np * sizeof *s.g);
            if (s.B) backward_slice(net, dy, dx, &s);
#ifdef _OPENMP
#pragma omp barrier
#endif
            /* sum the threads' gradients in thread order, parameters split */
            size_t piece = (np + (size_t)nt - 1) / (size_t)nt, a = (size_t)t * piece;
            size_t e = a + piece < np ? a + piece : np;
            for (size_t i = a; i < e; i++) {
                float v = net->g[i];
                for (int k = 0; k < nt; k++) v += net->gbuf[(size_t)k * np + i];
                net->g[i] = v;
            }
        }
    }
    od_nn_blas_leave();
}

void od_nn_zero_grad(od_nn *net)
{
    if (net->g) memset(net->g, 0, net->np * sizeof *net->g);
}
