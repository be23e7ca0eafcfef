/* test_nn_torch.c - forward outputs, losses, parameter and input gradients
 * of small networks with fixed weights, and optimiser steps, against PyTorch
 * (tests/fixtures/nn/torch_cases.txt, written by gen_nn.py beside it). */
#include "config.h"
#include "../od_test.h"
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static od_ctx *ctx;
static FILE *fx;

static int word(char *buf, size_t n)
{
    return fscanf(fx, "%63s", buf) == 1 && n > 0;
}

/* "name count" then count numbers; returns a malloc'd float array */
static float *read_arr(const char *name, size_t *n)
{
    char w[64];
    size_t k;
    if (!word(w, sizeof w) || strcmp(w, name) || fscanf(fx, "%zu", &k) != 1) {
        printf("# fixture: expected array %s, got %s\n", name, w);
        return NULL;
    }
    float *a = malloc((k ? k : 1) * sizeof *a);
    for (size_t i = 0; i < k; i++) {
        double v;
        if (fscanf(fx, "%lf", &v) != 1) { free(a); return NULL; }
        a[i] = (float)v;
    }
    *n = k;
    return a;
}

static double *read_darr(const char *name, size_t *n)
{
    char w[64];
    size_t k;
    if (!word(w, sizeof w) || strcmp(w, name) || fscanf(fx, "%zu", &k) != 1) return NULL;
    double *a = malloc((k ? k : 1) * sizeof *a);
    for (size_t i = 0; i < k; i++)
        if (fscanf(fx, "%lf", &a[i]) != 1) { free(a); return NULL; }
    *n = k;
    return a;
}

static od_nn_act act_of(const char *s)
{
    for (int a = 0; a < OD_NN_ACT_COUNT; a++)
        if (!strcmp(s, od_nn_act_name((od_nn_act)a))) return (od_nn_act)a;
    return OD_NN_ACT_COUNT;
}

/* Tolerances from the error bound of the operations (issue 13), not a
 * blanket 1e-5 (which would hide an 8.5e-6 error on a value of size 1).
 * The references are float64 (gen_nn.py); the engine computes in float32
 * with unit roundoff u = 2^-24.  A float32 sum of K products carries an
 * error of at most gamma_K = K u / (1 - K u) ~ K u times the sum of the
 * magnitudes of its terms (Higham, Accuracy and Stability of Numerical
 * Algorithms, 3.1); through a network the relative errors of the layers
 * add along the longest chain of accumulations from the input to an output.
 * So each case's tolerance is
 *     tol = ULPS * K * u,   ULPS = 2,
 * with K the accumulation length along that chain, counted from the network
 * as it is read (chain_len below): dense fan-in, conv kernel x channels,
 * recurrent (inputs + hidden) x steps, attention 2 x model width + head width
 * + steps, layer norm 2 x width, plus the loss's mean over the outputs.
 * Gradients add the backward chain (the same length again) and the sum over
 * the batch and the time steps that a parameter gradient accumulates.
 * gamma_K's own constant is 1; ULPS = 2 allows the sum of the terms'
 * magnitudes to be up to twice max(1, |want|), the scale cmp() measures
 * against (inputs are N(0,1), weights small).  The measured errors are
 * 10-100 times below these bounds; an 8.5e-6 error on a value of size 1
 * fails every case whose K is below 71 (the dense, conv and 4-head cases'
 * outputs).  Optimiser steps: a handful
 * of elementwise operations per step (K = 12 per step, 2 steps). */
#define ULPS 2.0
static const double u32 = 0x1p-24;
static double chain_len;     /* K of the network last read */

/* max |got - want| / max(1, |want|) */
static double cmp(const float *got, const double *want, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++) e = fmax(e, fabs(got[i] - want[i]) / fmax(1.0, fabs(want[i])));
    return e;
}

static od_nn *read_net(void)
{
    char w[64], a[64];
    size_t T, C;
    if (!word(w, sizeof w) || strcmp(w, "net") || fscanf(fx, "%zu %zu", &T, &C) != 2) return NULL;
    od_nn *net = od_nn_new(ctx, T, C);
    int rc = 0;
    double t = (double)T, c = (double)C, K = 0;   /* the current shape and the chain so far */
    while (word(w, sizeof w) && strcmp(w, "end")) {
        size_t p1, p2, p3, p4, p5;
        int f;
        if (!strcmp(w, "dense") && fscanf(fx, "%zu %63s %d", &p1, a, &f) == 3) {
            rc |= od_nn_add_dense(ctx, net, p1, act_of(a), f);
            K += (f ? t * c : c) + 1, c = (double)p1, t = f ? 1 : t;
        } else if (!strcmp(w, "act") && fscanf(fx, "%63s", a) == 1) {
            rc |= od_nn_add_act(ctx, net, act_of(a));
            K += 1;
        } else if (!strcmp(w, "conv1d") && fscanf(fx, "%zu %zu %zu %zu %zu %63s", &p1, &p2, &p3, &p4, &p5, a) == 6) {
            rc |= od_nn_add_conv1d(ctx, net, p1, p2, p3, p4, p5, act_of(a));
            K += (double)p2 * c + 1, c = (double)p1;
            t = floor((t + 2.0 * (double)p4 - (double)p5 * ((double)p2 - 1) - 1) / (double)p3) + 1;
        } else if ((!strcmp(w, "lstm") || !strcmp(w, "gru")) && fscanf(fx, "%zu %d", &p1, &f) == 2) {
            rc |= w[0] == 'l' ? od_nn_add_lstm(ctx, net, p1, f) : od_nn_add_gru(ctx, net, p1, f);
            K += t * (c + (double)p1 + 2), c = (double)p1, t = f ? t : 1;
        } else if (!strcmp(w, "mha") && fscanf(fx, "%zu %d", &p1, &f) == 2) {
            rc |= od_nn_add_mha(ctx, net, p1, f);
            K += 2 * c + c / (double)p1 + t + 2;
        } else if (!strcmp(w, "ffn") && fscanf(fx, "%zu %63s %d", &p1, a, &f) == 3) {
            rc |= od_nn_add_ffn(ctx, net, p1, act_of(a), f);
            K += c + (double)p1 + 2;
        } else if (!strcmp(w, "layernorm")) {
            rc |= od_nn_add_layernorm(ctx, net);
            K += 2 * c + 2;
        } else if (!strcmp(w, "posenc")) {
            rc |= od_nn_add_posenc(ctx, net);
            K += 1;
        } else if (!strcmp(w, "last")) {
            rc |= od_nn_add_last(ctx, net);
            t = 1;
        } else if (!strcmp(w, "repeat") && fscanf(fx, "%zu", &p1) == 1) {
            rc |= od_nn_add_repeat(ctx, net, p1);
            t = (double)p1;
        } else
            rc = -1;
    }
    chain_len = K;
    if (rc) {
        printf("# building the network failed: %s\n", od_ctx_errmsg(ctx));
        od_nn_free(net);
        return NULL;
    }
    return net;
}

static void run_case(const char *name)
{
    char w[64], loss[64];
    size_t B;
    if (fscanf(fx, "%63s %zu %63s %63s", w, &B, w, loss) != 4) return;
    od_nn_loss lk = strcmp(loss, "mae") ? OD_NN_LOSS_MSE : OD_NN_LOSS_MAE;
    od_nn *net = read_net();
    size_t nw = 0, nx = 0, nt = 0, ny = 0, ndw = 0, ndx = 0;
    float *wts = read_arr("w", &nw), *x = read_arr("x", &nx), *t = read_arr("t", &nt);
    double *y = read_darr("y", &ny), lossval = NAN;
    if (fscanf(fx, "%63s %lf", w, &lossval) != 2) lossval = NAN;
    double *dw = read_darr("dw", &ndw), *dx = read_darr("dx", &ndx);
    if (!net || !wts || !x || !t || !y || !dw || !dx) {
        od_test_true(0, "%s: fixture read", name);
        goto done;
    }
    od_test_int((long long)od_nn_nparams(net), (long long)nw, "%s: parameter count as PyTorch's", name);
    od_test_int((long long)(B * od_nn_out_size(net)), (long long)ny, "%s: output size", name);
    if (od_nn_nparams(net) != nw || B * od_nn_out_size(net) != ny || B * od_nn_in_size(net) != nx) goto done;
    od_nn_prepare(ctx, net, B);
    memcpy(od_nn_params(net), wts, nw * sizeof *wts);
    od_nn_zero_grad(net);
    const float *out = od_nn_forward(net, x, B, 1);
    float *dy = malloc(ny * sizeof *dy), *gx = malloc(nx * sizeof *gx);
    double l = od_nn_loss_eval(lk, out, t, ny, dy);
    double ey = cmp(out, y, ny);
    /* the bounds (see ULPS above): forward chain; loss = chain + mean over
     * the outputs; gradients = forward + backward chain + the sum over the
     * batch and the input steps */
    double kf = chain_len, kl = chain_len + (double)ny, kg = 2 * chain_len + (double)(B * od_nn_in_size(net));
    double tf = ULPS * kf * u32, tl = ULPS * kl * u32, tg = ULPS * kg * u32;
    od_test_true(ey <= tf, "%s: forward output equals PyTorch's (max err %.2g <= %.2g = %g ulps x K=%g)", name, ey, tf,
                 ULPS, kf);
    od_test_rel(l, lossval, tl, "%s: %s loss (rel tol %.2g, K=%g)", name, loss, tl, kl);
    od_nn_backward(net, dy, B, gx);
    double ew = cmp(od_nn_grads(net), dw, ndw), ex = cmp(gx, dx, ndx);
    od_test_true(ew <= tg, "%s: parameter gradients equal PyTorch's (max err %.2g <= %.2g, K=%g)", name, ew, tg, kg);
    od_test_true(ex <= tg, "%s: input gradient equals PyTorch's (max err %.2g <= %.2g, K=%g)", name, ex, tg, kg);
    free(dy);
    free(gx);
done:
    od_nn_free(net);
    free(wts); free(x); free(t); free(y); free(dw); free(dx);
}

static void run_optim(const char *name)
{
    char kind[64];
    double lr, b1, b2, eps, wd, mom;
    int nest;
    if (fscanf(fx, "%63s lr=%lf beta1=%lf beta2=%lf eps=%lf wd=%lf momentum=%lf nesterov=%d", kind, &lr, &b1,
               &b2, &eps, &wd, &mom, &nest) != 8) {
        od_test_true(0, "%s: fixture read", name);
        return;
    }
    size_t n, n1, n2, n3;
    float *w = read_arr("w0", &n), *g1 = read_arr("g1", &n1), *g2 = read_arr("g2", &n2);
    double *want = read_darr("w2", &n3);
    od_nn_optim_opts o = od_nn_optim_defaults(!strcmp(kind, "adam") ? OD_NN_OPT_ADAM
                                              : !strcmp(kind, "adamw") ? OD_NN_OPT_ADAMW : OD_NN_OPT_SGD);
    o.lr = lr; o.beta1 = b1; o.beta2 = b2; o.eps = eps; o.weight_decay = wd; o.momentum = mom; o.nesterov = nest;
    od_nn_optim *opt = od_nn_optim_new(ctx, n, &o);
    od_nn_optim_step(opt, w, g1, lr);
    od_nn_optim_step(opt, w, g2, lr);
    double e = cmp(w, want, n), tol = ULPS * 2 * 12 * u32;   /* 2 steps of ~12 elementwise operations */
    od_test_true(e <= tol, "%s: two steps equal torch.optim's (max err %.2g <= %.2g)", name, e, tol);
    od_nn_optim_free(opt);
    free(w); free(g1); free(g2); free(want);
}

int main(void)
{
    ctx = od_ctx_new(1);
    const char *path = od_test_path("tests/fixtures/nn/torch_cases.txt");
    fx = fopen(path, "r");
    if (!fx) {
        od_test_true(0, "open %s", path);
        return od_test_done();
    }
    char w[64], name[64];
    int ncase = 0, nopt = 0;
    while (fscanf(fx, "%63s", w) == 1) {
        if (!strcmp(w, "case") && fscanf(fx, "%63s", name) == 1) { run_case(name); ncase++; }
        else if (!strcmp(w, "optim") && fscanf(fx, "%63s", name) == 1) { run_optim(name); nopt++; }
        else if (w[0] == '#') { int ch; while ((ch = fgetc(fx)) != EOF && ch != '\n') {} }
    }
    od_test_true(ncase >= 12 && nopt >= 4, "all fixture cases read (%d networks, %d optimisers)", ncase, nopt);
    fclose(fx);
    od_ctx_free(ctx);
    return od_test_done();
}
