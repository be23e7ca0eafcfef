/* test_nn.c - the neural-network engine: BLAS seam, finite-difference
 * gradient checks of every layer and loss (with floating-point exceptions
 * trapped), losses and optimiser steps against hand formulas, a training run,
 * bit-identical retraining, weight files. */
#include "config.h"
#include "../od_test.h"
#include "nn/nn.h"
#include "nn/nn_impl.h"

#include <fenv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#else
static void omp_set_num_threads(int n) { (void)n; }
#endif

static od_ctx *ctx;

static void fill(float *x, size_t n, double a, unsigned *s)
{
    for (size_t i = 0; i < n; i++) {
        *s = *s * 1103515245u + 12345u;
        x[i] = (float)(((*s >> 8) / 16777216.0 * 2 - 1) * a);
    }
}

/* Error bound of a float32 GEMM element (issue 13: tolerances from the
 * operation's bound, not a fixed 1e-5/1e-6): each of the two float32 results
 * is within gamma_{K+2} (|alpha| sum_k |a_ik b_kj| + |beta c_ij|) of the exact
 * value (Higham 3.5; K products, the alpha scaling and the beta term), so they
 * differ by at most twice that, gamma_n ~ n u, u = 2^-24.  Returns the worst
 * ratio |c1 - c2| / bound over the M x N block (<= 1 passes). */
static double gemm_err_ratio(int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A, size_t lda,
                             const float *B, size_t ldb, float beta, const float *C0, const float *C1,
                             const float *C2, size_t ldc)
{
    double worst = 0, g = (double)(K + 2) * 0x1p-24;
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0;
            for (size_t k = 0; k < K; k++)
                s += fabs((double)(ta ? A[k * lda + i] : A[i * lda + k])) * fabs((double)(tb ? B[j * ldb + k] : B[k * ldb + j]));
            double bound = 2 * g * (fabs(alpha) * s + fabs(beta * C0[i * ldc + j])) + 1e-30;
            worst = fmax(worst, fabs((double)C1[i * ldc + j] - C2[i * ldc + j]) / bound);
        }
    return worst;
}

static void test_gemm(void)
{
    static float C0[130 * 140];
    unsigned s = 1;
    static float A[48 * 48], B[48 * 48], C1[48 * 48], C2[48 * 48];
    size_t dims[][3] = {{7, 5, 3}, {33, 17, 29}, {1, 40, 9}, {40, 1, 40}};
    for (size_t k = 0; k < 4; k++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                size_t M = dims[k][0], N = dims[k][1], K = dims[k][2];
                fill(A, sizeof A / sizeof *A, 1, &s);
                fill(B, sizeof B / sizeof *B, 1, &s);
                fill(C1, sizeof C1 / sizeof *C1, 1, &s);
                memcpy(C2, C1, sizeof C1);
                memcpy(C0, C1, sizeof C1);
                size_t lda = (ta ? M : K) + 1, ldb = (tb ? K : N) + 2, ldc = N + 3;
                od_nn_gemm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 0.25f, C1, ldc);
                od_nn_gemm_ref(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 0.25f, C2, ldc);
                double r = gemm_err_ratio(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 0.25f, C0, C1, C2, ldc);
                od_test_true(r <= 1, "gemm %s %zux%zux%zu ta=%d tb=%d matches plain C (err %.2g of its float32 bound)",
                             od_nn_blas_name(), M, N, K, ta, tb, r);
            }
    /* 32k columns, alpha 1, beta 0 or 1 (A B, A^T B, A B^T): the
     * register-blocked path, with row counts off the row blocks */
    static float D[130 * 200], E[200 * 140], F1[130 * 140], F2[130 * 140];
    size_t sd[][3] = {{37, 32, 33}, {64, 128, 32}, {129, 64, 200}, {5, 96, 1}, {130, 32, 130}};
    for (size_t k = 0; k < 5; k++)
        for (int ta = 0; ta < 3; ta++)   /* 2: A B^T */
            for (int beta = 0; beta < 2; beta++) {
                size_t M = sd[k][0], N = sd[k][1], K = sd[k][2];
                int tb = ta == 2;
                fill(D, sizeof D / sizeof *D, 1, &s);
                fill(E, sizeof E / sizeof *E, 1, &s);
                fill(F1, sizeof F1 / sizeof *F1, 1, &s);
                memcpy(F2, F1, sizeof F1);
                memcpy(C0, F1, sizeof F1);
                size_t lda = (ta == 1 ? M : K) + 1, ldb = (tb ? K : N) + 5, ldc = N + 3;
                od_nn_gemm(ta == 1, tb, M, N, K, 1.0f, D, lda, E, ldb, (float)beta, F1, ldc);
                od_nn_gemm_ref(ta == 1, tb, M, N, K, 1.0f, D, lda, E, ldb, (float)beta, F2, ldc);
                double e = 0, emax = 0;
                for (size_t i = 0; i < M; i++)
                    for (size_t j = 0; j < N; j++) {
                        e = fmax(e, fabs(F1[i * ldc + j] - F2[i * ldc + j]));
                        emax = fmax(emax, fabs(F2[i * ldc + j]));
                    }
                size_t outside = 0;   /* padding columns between rows untouched */
                for (size_t i = 0; i < M; i++)
                    for (size_t j = N; j < ldc && i * ldc + j < sizeof F1 / sizeof *F1; j++)
                        outside += F1[i * ldc + j] != F2[i * ldc + j];
                double r = gemm_err_ratio(ta == 1, tb, M, N, K, 1.0f, D, lda, E, ldb, (float)beta, C0, F1, F2, ldc);
                od_test_true(r <= 1 && outside == 0,
                             "gemm %zux%zux%zu ta=%d tb=%d beta=%d (direct kernels) matches plain C (err %.2g, max %.3g; "
                             "%.2g of its float32 bound)", M, N, K, ta == 1, tb, beta, e, emax, r);
            }
}

/* Builds a network with `build`, random weights and inputs, then checks the
 * gradient w.r.t. parameters and input. */
typedef int (*build_fn)(od_nn *net, int variant);

static void check(const char *what, size_t T, size_t C, build_fn build, int variant, od_nn_loss loss,
                  double h, double tol)
{
    od_nn *net = od_nn_new(ctx, T, C);
    int rc = build(net, variant);
    if (rc) {
        od_test_true(0, "%s: build failed: %s", what, od_ctx_errmsg(ctx));
        od_nn_free(net);
        return;
    }
    size_t B = 3;
    od_nn_prepare(ctx, net, B);
    od_nn_init_weights(ctx, net);
    unsigned s = 7 + (unsigned)variant;
    /* perturb every weight so biases and layer-norm gains are not trivial */
    size_t np = od_nn_nparams(net);
    float *w = od_nn_params(net), *noise = malloc((np + 1) * sizeof *noise);
    fill(noise, np, 0.2, &s);
    for (size_t i = 0; i < np; i++) w[i] += noise[i];
    size_t nin = B * od_nn_in_size(net), nout = B * od_nn_out_size(net);
    float *x = malloc(nin * sizeof *x), *t = malloc(nout * sizeof *t);
    fill(x, nin, 1.5, &s);
    fill(t, nout, 1.0, &s);
    /* Along the gradient's own direction the derivative is large and the
     * check is tight; along random directions it is small and the float
     * forward pass's rounding noise (~1e-7 |loss| / h) sets the tolerance. */
    double rel = 1, rel1 = 1;
    feenableexcept(FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW);
    int rc1 = od_nn_check_grad(ctx, net, x, t, B, loss, h, 1, 1, &rel1);
    rc = od_nn_check_grad(ctx, net, x, t, B, loss, h, 5, 1, &rel);
    fedisableexcept(FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW);
    od_test_true(rc1 == 0 && rel1 < 3e-3, "gradient check %s (%s loss), gradient direction: rel err %.2e < 3e-3",
                 what, loss == OD_NN_LOSS_MSE ? "mse" : "mae", rel1);
    od_test_true(rc == 0 && rel < tol, "gradient check %s (%s loss), random directions: worst rel err %.2e < %.0e",
                 what, loss == OD_NN_LOSS_MSE ? "mse" : "mae", rel, tol);
    free(noise);
    free(x);
    free(t);
    od_nn_free(net);
}

static int b_dense(od_nn *n, int v)
{
    return od_nn_add_dense(ctx, n, 5, (od_nn_act)v, 0) || od_nn_add_dense(ctx, n, 3, OD_NN_ACT_NONE, 1);
}
static int b_act(od_nn *n, int v) { return od_nn_add_act(ctx, n, (od_nn_act)v); }
static int b_conv(od_nn *n, int v)
{
    if (v == 0) return od_nn_add_conv1d(ctx, n, 4, 3, 1, 1, 1, OD_NN_ACT_TANH);
    if (v == 1) return od_nn_add_conv1d(ctx, n, 4, 3, 2, 2, 2, OD_NN_ACT_NONE) ||
                       od_nn_add_conv1d(ctx, n, 2, 2, 1, 0, 1, OD_NN_ACT_GELU);
    if (v == 2) return od_nn_add_conv1d(ctx, n, 3, 5, 3, 4, 1, OD_NN_ACT_SIGMOID);
    /* 32 output channels, stride 1, dilation 1, padding < kernel: the direct
     * register-blocked kernels (forward, weight and input gradient) */
    if (v == 4) return od_nn_add_conv1d(ctx, n, 32, 5, 1, 2, 1, OD_NN_ACT_TANH) ||
                       od_nn_add_conv1d(ctx, n, 32, 3, 1, 1, 1, OD_NN_ACT_NONE);
    /* stride 1 with dilation: the transposed-convolution input gradient */
    return od_nn_add_conv1d(ctx, n, 3, 3, 1, 2, 2, OD_NN_ACT_TANH) ||
           od_nn_add_conv1d(ctx, n, 2, 4, 1, 3, 1, OD_NN_ACT_NONE);
}
static int b_lstm(od_nn *n, int v)
{
    if (v == 0) return od_nn_add_lstm(ctx, n, 4, 1);
    if (v == 1) return od_nn_add_lstm(ctx, n, 5, 0);
    return od_nn_add_lstm(ctx, n, 4, 1) || od_nn_add_lstm(ctx, n, 3, 0) ||
           od_nn_add_repeat(ctx, n, 4) || od_nn_add_lstm(ctx, n, 3, 1);
}
static int b_gru(od_nn *n, int v)
{
    if (v == 0) return od_nn_add_gru(ctx, n, 4, 1);
    if (v == 1) return od_nn_add_gru(ctx, n, 5, 0);
    return od_nn_add_gru(ctx, n, 4, 1) || od_nn_add_gru(ctx, n, 3, 0) || od_nn_add_dense(ctx, n, 2, OD_NN_ACT_NONE, 0);
}
static int b_mha(od_nn *n, int v)
{
    if (v == 0) return od_nn_add_mha(ctx, n, 2, 0);
    return od_nn_add_posenc(ctx, n) || od_nn_add_mha(ctx, n, 3, 1) || od_nn_add_layernorm(ctx, n) ||
           od_nn_add_ffn(ctx, n, 7, OD_NN_ACT_RELU, 1) || od_nn_add_layernorm(ctx, n) ||
           od_nn_add_last(ctx, n);
}
static int b_ln(od_nn *n, int v) { (void)v; return od_nn_add_layernorm(ctx, n); }
static int b_ffn(od_nn *n, int v) { return od_nn_add_ffn(ctx, n, 6, (od_nn_act)v, v & 1); }
static int b_misc(od_nn *n, int v)
{
    (void)v;
    return od_nn_add_dense(ctx, n, 4, OD_NN_ACT_TANH, 1) || od_nn_add_repeat(ctx, n, 3) ||
           od_nn_add_posenc(ctx, n) || od_nn_add_dropout(ctx, n, 0.0) || od_nn_add_last(ctx, n);
}

static void test_gradients(void)
{
    for (int a = 0; a < OD_NN_ACT_COUNT; a++) {
        char what[64];
        snprintf(what, sizeof what, "dense %s + flatten", od_nn_act_name((od_nn_act)a));
        double h = a == OD_NN_ACT_RELU ? 3e-3 : 3e-2;   /* fewer kinks crossed */
        check(what, 4, 3, b_dense, a, OD_NN_LOSS_MSE, h, 2e-2);
        snprintf(what, sizeof what, "activation %s", od_nn_act_name((od_nn_act)a));
        check(what, 4, 3, b_act, a, OD_NN_LOSS_MSE, h, 2e-2);
    }
    check("dense (mae)", 4, 3, b_dense, 2, OD_NN_LOSS_MAE, 3e-3, 2e-2);
    check("conv1d k3 same", 9, 2, b_conv, 0, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("conv1d stride 2 pad 2 dil 2 + gelu conv", 11, 3, b_conv, 1, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("conv1d k5 stride 3 pad 4", 10, 2, b_conv, 2, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("conv1d stride 1 dilation 2, k4 pad 3", 9, 2, b_conv, 3, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("conv1d 32 channels k5 then k3 (direct kernels)", 11, 2, b_conv, 4, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("lstm sequence out", 5, 3, b_lstm, 0, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("lstm last state", 6, 2, b_lstm, 1, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    /* small gradients through three recurrences: noisier random directions */
    check("lstm stacked autoencoder", 4, 2, b_lstm, 2, OD_NN_LOSS_MSE, 1e-2, 6e-2);
    check("gru sequence out", 5, 3, b_gru, 0, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("gru last state", 6, 2, b_gru, 1, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("gru stacked + dense", 4, 2, b_gru, 2, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("mha 2 heads", 5, 4, b_mha, 0, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("encoder block (posenc, mha, ln, ffn, ln, last)", 5, 6, b_mha, 1, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("layernorm", 3, 5, b_ln, 0, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("layernorm (mae)", 3, 5, b_ln, 0, OD_NN_LOSS_MAE, 3e-3, 2e-2);
    check("ffn relu", 3, 4, b_ffn, OD_NN_ACT_RELU, OD_NN_LOSS_MSE, 3e-3, 2e-2);
    check("ffn gelu residual", 3, 4, b_ffn, OD_NN_ACT_GELU, OD_NN_LOSS_MSE, 3e-2, 2e-2);
    check("dense, repeat, posenc, dropout(0), last", 3, 2, b_misc, 0, OD_NN_LOSS_MSE, 3e-2, 2e-2);
}

static void test_loss(void)
{
    float y[4] = {1, -2, 0.5f, 3}, t[4] = {0, -2, 1.5f, 1}, dy[4];
    double l = od_nn_loss_eval(OD_NN_LOSS_MSE, y, t, 4, dy);
    od_test_rel(l, (1 + 0 + 1 + 4) / 4.0, 1e-12, "mse value");
    od_test_rel(dy[0], 0.5, 1e-7, "mse grad [0] = 2 e / n");
    od_test_rel(dy[3], 1.0, 1e-7, "mse grad [3]");
    l = od_nn_loss_eval(OD_NN_LOSS_MAE, y, t, 4, dy);
    od_test_rel(l, (1 + 0 + 1 + 2) / 4.0, 1e-12, "mae value");
    od_test_rel(dy[1], 0.0, 1e-12, "mae subgradient 0 at a tie");
    od_test_rel(dy[2], -0.25, 1e-7, "mae grad sign / n");
}

static void test_optim(void)
{
    float w[2] = {1.0f, -0.5f}, g[2] = {0.2f, -0.1f};
    od_nn_optim_opts o = od_nn_optim_defaults(OD_NN_OPT_ADAM);
    od_nn_optim *opt = od_nn_optim_new(ctx, 2, &o);
    od_nn_optim_step(opt, w, g, 0.1);
    /* first Adam step moves each weight by lr * sign(g) (up to eps) */
    od_test_rel(w[0], 1.0 - 0.1, 1e-6, "adam first step = lr sign(g)");
    od_test_rel(w[1], -0.5 + 0.1, 1e-6, "adam first step (negative gradient)");
    od_nn_optim_free(opt);

    float v[1] = {1.0f}, h[1] = {0.5f};
    o = od_nn_optim_defaults(OD_NN_OPT_SGD);
    o.momentum = 0.9;
    o.nesterov = 1;
    o.weight_decay = 0.1;
    opt = od_nn_optim_new(ctx, 1, &o);
    od_nn_optim_step(opt, v, h, 0.1);   /* d = 0.6, b = 0.6, d' = 0.6 + 0.54 = 1.14 */
    od_test_rel(v[0], 1.0 - 0.114, 1e-6, "sgd nesterov + weight decay step 1");
    od_nn_optim_step(opt, v, h, 0.1);   /* d = 0.5 + 0.0886 = 0.5886; b = 0.54+0.5886; d' = d + 0.9 b */
    double d = 0.5 + 0.1 * 0.886, b = 0.9 * 0.6 + d, dd = d + 0.9 * b;
    od_test_rel(v[0], 0.886 - 0.1 * dd, 1e-6, "sgd nesterov step 2");
    od_nn_optim_free(opt);

    float z[1] = {2.0f}, gz[1] = {0.0f};
    o = od_nn_optim_defaults(OD_NN_OPT_ADAMW);
    opt = od_nn_optim_new(ctx, 1, &o);
    od_nn_optim_step(opt, z, gz, 0.1);
    od_test_rel(z[0], 2.0 * (1 - 0.1 * 0.01), 1e-6, "adamw decoupled decay with zero gradient");
    od_nn_optim_free(opt);

    float gc[3] = {3, 4, 0};
    double nrm = od_nn_clip_grad(gc, 3, 1.0);
    od_test_rel(nrm, 5.0, 1e-12, "gradient norm");
    od_test_rel(sqrt(gc[0] * gc[0] + gc[1] * gc[1]), 1.0, 1e-5, "clipped to max norm");
    od_test_rel(od_nn_sched_lr(OD_NN_SCHED_COSINE, 1.0, 5, 10), 0.5, 1e-12, "cosine half way");
    od_test_rel(od_nn_sched_lr(OD_NN_SCHED_STEP, 1.0, 5, 8), 0.25, 1e-12, "step: halved every epochs/4");
}

/* y = sum of the window's points: a linear target an MLP learns fast. */
static od_nn *train_once(unsigned long seed, double *final_loss, size_t *epochs_run)
{
    od_ctx_set_seed(ctx, seed);
    size_t W = 8, n = 400;
    static float series[400], target[400];
    unsigned s = 3;
    fill(series, n, 1.0, &s);
    for (size_t i = 0; i + W <= n; i++) {
        double a = 0;
        for (size_t j = 0; j < W; j++) a += series[i + j] * (j + 1) / (double)W;
        target[i] = (float)a;
    }
    od_nn *net = od_nn_new(ctx, W, 1);
    od_nn_add_dense(ctx, net, 16, OD_NN_ACT_TANH, 0);
    od_nn_add_dropout(ctx, net, 0.1);
    od_nn_add_dense(ctx, net, 1, OD_NN_ACT_NONE, 1);
    od_nn_prepare(ctx, net, 32);
    od_nn_init_weights(ctx, net);
    od_nn_data tr = {series, 1, target, 1, 300}, va = {series + 300, 1, target + 300, 1, n - W + 1 - 300};
    od_nn_train_opts o = {.epochs = 40, .batch = 32, .patience = 0, .opt = od_nn_optim_defaults(OD_NN_OPT_ADAM),
                          .clip = 5, .sched = OD_NN_SCHED_COSINE, .loss = OD_NN_LOSS_MSE};
    o.opt.lr = 0.01;
    od_nn_train *t = od_nn_train_init(ctx, net, &o, &tr, &va);
    int rc;
    while ((rc = od_nn_train_step(ctx, t)) == OD_CONTINUE) {}
    *final_loss = od_nn_train_val_loss(t);
    *epochs_run = od_nn_train_epoch(t);
    od_nn_train_free(t);
    return rc == OD_OK ? net : (od_nn_free(net), NULL);
}

static void test_training(void)
{
    double l1, l2;
    size_t e1, e2;
    od_nn *a = train_once(42, &l1, &e1), *b = train_once(42, &l2, &e2);
    od_test_true(a && b, "training runs to the end");
    if (!a || !b) { od_nn_free(a); od_nn_free(b); return; }
    od_test_true(l1 < 0.02, "validation loss after 40 epochs %.4g < 0.02", l1);
    od_test_int((long long)e1, 40, "all epochs run without patience");
    od_test_true(od_nn_nparams(a) == od_nn_nparams(b) &&
                 memcmp(od_nn_params(a), od_nn_params(b), od_nn_nparams(a) * sizeof(float)) == 0,
                 "same seed -> bit-identical weights");
    double l3;
    size_t e3;
    od_nn *c = train_once(43, &l3, &e3);
    od_test_true(c && memcmp(od_nn_params(a), od_nn_params(c), od_nn_nparams(a) * sizeof(float)) != 0,
                 "another seed -> other weights");
    od_nn_free(c);

    /* weight file round trip, truncated and foreign files */
    char path[] = "/tmp/od_test_nn_XXXXXX";
    int fd = mkstemp(path);
    FILE *fp = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    od_test_true(fp != NULL, "temp file");
    if (fp) {
        od_test_int(od_nn_write_params(ctx, a, fp), OD_OK, "write weights");
        long size = ftell(fp);
        rewind(fp);
        memset(od_nn_params(b), 0, od_nn_nparams(b) * sizeof(float));
        od_test_int(od_nn_read_params(ctx, b, fp), OD_OK, "read weights back");
        od_test_true(memcmp(od_nn_params(a), od_nn_params(b), od_nn_nparams(a) * sizeof(float)) == 0,
                     "weights identical after the round trip");
        fflush(fp);
        od_test_int(ftruncate(fd, size - 9), 0, "truncate");
        rewind(fp);
        od_test_int(od_nn_read_params(ctx, b, fp), OD_EFORMAT, "truncated file -> OD_EFORMAT (%s)",
                    od_ctx_errmsg(ctx));
        rewind(fp);
        fputs("not a weight file at all", fp);
        fflush(fp);
        rewind(fp);
        od_test_int(od_nn_read_params(ctx, b, fp), OD_EFORMAT, "foreign file -> OD_EFORMAT (%s)",
                    od_ctx_errmsg(ctx));
        fclose(fp);
        unlink(path);
    }
    od_nn_free(a);
    od_nn_free(b);
}

/* Large enough that the layers split their work over threads: 1 and 2
 * threads agree to rounding, and 2 threads twice agree to the bit. */
static void grads_with(int threads, od_nn *net, const float *x, const float *t, size_t B, float *g, float *dx)
{
    omp_set_num_threads(threads);
    od_nn_zero_grad(net);
    size_t nout = B * od_nn_out_size(net);
    float *dy = malloc(nout * sizeof *dy);
    const float *y = od_nn_forward(net, x, B, 1);
    od_nn_loss_eval(OD_NN_LOSS_MSE, y, t, nout, dy);
    od_nn_backward(net, dy, B, dx);
    memcpy(g, od_nn_grads(net), od_nn_nparams(net) * sizeof *g);
    free(dy);
}

static int b_big(od_nn *n, int v)
{
    switch (v) {
    case 0: return od_nn_add_dense(ctx, n, 32, OD_NN_ACT_NONE, 0) || od_nn_add_posenc(ctx, n) ||
                   od_nn_add_mha(ctx, n, 4, 1) || od_nn_add_layernorm(ctx, n) ||
                   od_nn_add_ffn(ctx, n, 64, OD_NN_ACT_RELU, 1) || od_nn_add_layernorm(ctx, n) ||
                   od_nn_add_last(ctx, n) || od_nn_add_dense(ctx, n, 1, OD_NN_ACT_NONE, 0);
    case 1: return od_nn_add_conv1d(ctx, n, 32, 5, 1, 2, 1, OD_NN_ACT_RELU) ||
                   od_nn_add_conv1d(ctx, n, 32, 5, 1, 2, 1, OD_NN_ACT_TANH) || od_nn_add_dense(ctx, n, 1, OD_NN_ACT_NONE, 1);
    case 2: return od_nn_add_lstm(ctx, n, 32, 1) || od_nn_add_lstm(ctx, n, 32, 0) || od_nn_add_dense(ctx, n, 1, OD_NN_ACT_NONE, 0);
    default: return od_nn_add_gru(ctx, n, 48, 0) || od_nn_add_dense(ctx, n, 1, OD_NN_ACT_NONE, 0);
    }
}

static void test_threads(void)
{
    static const char *names[] = {"attention block", "conv1d x2", "lstm x2", "gru"};
    size_t B = 32, T = 32;
    for (int v = 0; v < 4; v++) {
        od_nn *net = od_nn_new(ctx, T, 2);
        b_big(net, v);
        od_nn_prepare(ctx, net, B);
        od_nn_init_weights(ctx, net);
        size_t np = od_nn_nparams(net), nin = B * T * 2, nout = B * od_nn_out_size(net);
        float *x = malloc(nin * sizeof *x), *t = malloc(nout * sizeof *t);
        float *g1 = malloc(np * sizeof *g1), *g2 = malloc(np * sizeof *g2), *g3 = malloc(np * sizeof *g3);
        float *d1 = malloc(nin * sizeof *d1), *d2 = malloc(nin * sizeof *d2), *d3 = malloc(nin * sizeof *d3);
        unsigned s = 11;
        fill(x, nin, 1.0, &s);
        fill(t, nout, 1.0, &s);
        grads_with(1, net, x, t, B, g1, d1);
        grads_with(2, net, x, t, B, g2, d2);
        grads_with(2, net, x, t, B, g3, d3);
        double e = 0, gmax = 0;
        for (size_t i = 0; i < np; i++) { e = fmax(e, fabs(g1[i] - g2[i])); gmax = fmax(gmax, fabs(g1[i])); }
        for (size_t i = 0; i < nin; i++) e = fmax(e, fabs(d1[i] - d2[i]));
        od_test_true(e <= 1e-5 * fmax(gmax, 1e-3), "%s: 1 and 2 threads agree (max diff %.2g, max grad %.2g)", names[v], e, gmax);
        od_test_true(!memcmp(g2, g3, np * sizeof *g2) && !memcmp(d2, d3, nin * sizeof *d2),
                     "%s: 2 threads twice -> bit-identical gradients", names[v]);
        free(x); free(t); free(g1); free(g2); free(g3); free(d1); free(d2); free(d3);
        od_nn_free(net);
    }
    omp_set_num_threads(2);
}

/* conv1d's direct kernels with 16 lanes (AVX-512) and with 8 (AVX2): the
 * same sums in the same order with fused multiply-adds, so the same bits
 * (forward output, parameter and input gradients), also when the time
 * steps are not a multiple of the row block. */
static void test_conv_lanes(void)
{
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && !defined(OD_NN_NO_CLONES)
    if (!__builtin_cpu_supports("x86-64-v4")) { od_test_skip("conv1d lanes: this CPU has no AVX-512"); return; }
    static const size_t Ts[] = {32, 29, 29, 29};
    static const int Vs[] = {1, 1, 2, 0};
    static const char *const Ns[] = {"conv1d x2", "conv1d x2", "lstm x2 (recurrent products)",
                                     "attention block (A B^T products)"};
    for (int k = 0; k < 4; k++) {
        size_t B = 5, T = Ts[k];
        od_nn *net = od_nn_new(ctx, T, 2);
        b_big(net, Vs[k]);
        od_nn_prepare(ctx, net, B);
        od_nn_init_weights(ctx, net);
        size_t np = od_nn_nparams(net), nin = B * T * 2, nout = B * od_nn_out_size(net);
        float *x = malloc(nin * sizeof *x), *t = malloc(nout * sizeof *t);
        float *g1 = malloc(np * sizeof *g1), *g2 = malloc(np * sizeof *g2);
        float *d1 = malloc(nin * sizeof *d1), *d2 = malloc(nin * sizeof *d2);
        unsigned s = 5;
        fill(x, nin, 1.0, &s);
        fill(t, nout, 1.0, &s);
        od_nn_kern_lanes = 8;
        grads_with(2, net, x, t, B, g1, d1);
        od_nn_kern_lanes = 16;
        grads_with(2, net, x, t, B, g2, d2);
        double e = 0;
        for (size_t i = 0; i < np; i++) e = fmax(e, fabs(g1[i] - g2[i]));
        for (size_t i = 0; i < nin; i++) e = fmax(e, fabs(d1[i] - d2[i]));
        od_test_true(!memcmp(g1, g2, np * sizeof *g1) && !memcmp(d1, d2, nin * sizeof *d1),
                     "%s, %zu steps: 8- and 16-lane kernels give bit-identical gradients (max diff %.2g)", Ns[k], T, e);
        free(x); free(t); free(g1); free(g2); free(d1); free(d2);
        od_nn_free(net);
    }
#else
    od_test_skip("conv1d lanes: no AVX-512 dispatch in this build");
#endif
}

static void test_errors(void)
{
    od_nn *net = od_nn_new(ctx, 8, 4);
    od_test_int(od_nn_add_mha(ctx, net, 3, 1), OD_EINVAL, "heads must divide width (%s)", od_ctx_errmsg(ctx));
    od_test_int(od_nn_add_conv1d(ctx, net, 2, 20, 1, 0, 1, OD_NN_ACT_NONE), OD_EINVAL,
                "conv kernel longer than input (%s)", od_ctx_errmsg(ctx));
    od_test_int(od_nn_add_repeat(ctx, net, 3), OD_EINVAL, "repeat needs one step (%s)", od_ctx_errmsg(ctx));
    od_test_int(od_nn_add_dropout(ctx, net, 1.0), OD_EINVAL, "dropout 1 refused");
    od_test_int(od_nn_add_dense(ctx, net, 3, OD_NN_ACT_RELU, 0), OD_OK, "dense after failed adds");
    size_t T, C;
    od_nn_layer_shape(net, 0, &T, &C);
    od_test_true(od_nn_nlayers(net) == 1 && T == 8 && C == 3, "failed adds leave no layer behind");
    od_test_int(od_nn_prepare(ctx, net, 4), OD_OK, "prepare");
    od_test_int(od_nn_add_last(ctx, net), OD_ESTATE, "no layers after prepare");
    od_nn_free(net);
}

int main(void)
{
    ctx = od_ctx_new(1);
    test_gemm();
    test_loss();
    test_optim();
    test_gradients();
    test_training();
    test_threads();
    test_conv_lanes();
    test_errors();
    od_ctx_free(ctx);
    return od_test_done();
}
