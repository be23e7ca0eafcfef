/* bench_nn.c - training and inference throughput (windows/s) of the neural
 * engine on exactly the workloads of ../shared/bench/torch_models.py:
 * batch 64 windows of 64 steps, one channel, Adam lr 1e-3, MSE loss, the
 * forecast of the next value (the MLP reconstructs the window).
 *
 *   bench_nn [steps=100] [threads=2] [model]
 *
 * One line per model plus one JSON line, and for the LSTMs, the GRU and the
 * CNN the arithmetic rate of a training step (recurrent: 3 x 2*B*T*gH*H
 * flops in the recurrent products; CNN: the convolutions' forward, weight
 * gradient and input gradient products, 2*B*T*out*k*in each). */
#include "config.h"
#include "nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define B 64
#define W 64

typedef struct {
    const char *name;
    int (*build)(od_ctx *ctx, od_nn *net);
    double flops;   /* per training step, main products only (0: not reported) */
} model;

static int mlp(od_ctx *c, od_nn *n)
{
    return od_nn_add_dense(c, n, 32, OD_NN_ACT_RELU, 1) || od_nn_add_dense(c, n, 8, OD_NN_ACT_RELU, 0) ||
           od_nn_add_dense(c, n, 32, OD_NN_ACT_RELU, 0) || od_nn_add_dense(c, n, W, OD_NN_ACT_NONE, 0);
}
static int lstm32(od_ctx *c, od_nn *n) { return od_nn_add_lstm(c, n, 32, 0) || od_nn_add_dense(c, n, 1, OD_NN_ACT_NONE, 0); }
static int lstm64(od_ctx *c, od_nn *n) { return od_nn_add_lstm(c, n, 64, 0) || od_nn_add_dense(c, n, 1, OD_NN_ACT_NONE, 0); }
static int gru32(od_ctx *c, od_nn *n) { return od_nn_add_gru(c, n, 32, 0) || od_nn_add_dense(c, n, 1, OD_NN_ACT_NONE, 0); }
static int cnn(od_ctx *c, od_nn *n)
{
    return od_nn_add_conv1d(c, n, 32, 5, 1, 2, 1, OD_NN_ACT_RELU) ||
           od_nn_add_conv1d(c, n, 32, 5, 1, 2, 1, OD_NN_ACT_RELU) ||
           od_nn_add_conv1d(c, n, 32, 5, 1, 2, 1, OD_NN_ACT_RELU) || od_nn_add_dense(c, n, 1, OD_NN_ACT_NONE, 1);
}
static int attn(od_ctx *c, od_nn *n)
{
    return od_nn_add_dense(c, n, 32, OD_NN_ACT_NONE, 0) || od_nn_add_posenc(c, n) || od_nn_add_mha(c, n, 4, 1) ||
           od_nn_add_layernorm(c, n) || od_nn_add_ffn(c, n, 64, OD_NN_ACT_RELU, 1) ||
           od_nn_add_layernorm(c, n) || od_nn_add_last(c, n) || od_nn_add_dense(c, n, 1, OD_NN_ACT_NONE, 0);
}

static const model models[] = {
    {"mlp_ae_h32", mlp, 0},
    {"lstm_h32", lstm32, 3.0 * 2 * B * W * 4 * 32 * 32},
    {"lstm_h64", lstm64, 3.0 * 2 * B * W * 4 * 64 * 64},
    {"gru_h32", gru32, 3.0 * 2 * B * W * 3 * 32 * 32},
    /* layer 1 (1 -> 32): forward and weight gradient; layers 2, 3 (32 -> 32):
     * forward, weight gradient and input gradient */
    {"cnn_3x32_k5", cnn, 2.0 * 2 * B * W * 32 * 5 * 1 + 2 * 3.0 * 2 * B * W * 32 * 5 * 32},
    {"attn_d32", attn, 0},
};

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 100, threads = argc > 2 ? atoi(argv[2]) : 2;
    const char *only = argc > 3 ? argv[3] : NULL;
    if (steps < 1) steps = 1;
    od_ctx *ctx = od_ctx_new(0);
    od_ctx_set_threads(ctx, threads);
    printf("# bench_nn: %d steps, %d threads, BLAS %s, batch %d x window %d\n", steps, od_ctx_threads(ctx),
           od_nn_blas_name(), B, W);
    printf("%-12s %12s %12s %10s %9s\n", "model", "train win/s", "infer win/s", "ms/step", "GFLOP/s");
    float *x = malloc(B * W * sizeof *x), *y = malloc(B * W * sizeof *y), *dy = malloc(B * W * sizeof *dy);
    gsl_rng *r = od_ctx_rng(ctx);
    for (int i = 0; i < B * W; i++) x[i] = (float)(2 * gsl_rng_uniform(r) - 1);
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        const model *m = &models[k];
        if (only && strcmp(only, m->name)) continue;
        od_nn *net = od_nn_new(ctx, W, 1);
        if (!net || m->build(ctx, net) || od_nn_prepare(ctx, net, B)) {
            fprintf(stderr, "%s: %s\n", m->name, od_ctx_errmsg(ctx));
            return 1;
        }
        od_nn_init_weights(ctx, net);
        size_t out = od_nn_out_size(net);
        const float *tgt = out == W ? x : y;
        for (size_t i = 0; i < B * out && out != W; i++) y[i] = (float)(2 * gsl_rng_uniform(r) - 1);
        od_nn_optim_opts o = od_nn_optim_defaults(OD_NN_OPT_ADAM);
        od_nn_optim *opt = od_nn_optim_new(ctx, od_nn_nparams(net), &o);
        double t0 = 0, tt = 0, ti = 0;
        for (int s = 0; s < steps + 10; s++) {
            if (s == 10) t0 = od_now();
            od_nn_zero_grad(net);
            const float *p = od_nn_forward(net, x, B, 1);
            od_nn_loss_eval(OD_NN_LOSS_MSE, p, tgt, B * out, dy);
            od_nn_backward(net, dy, B, NULL);
            od_nn_optim_step(opt, od_nn_params(net), od_nn_grads(net), 1e-3);
        }
        tt = od_now() - t0;
        for (int s = 0; s < steps + 5; s++) {
            if (s == 5) t0 = od_now();
            od_nn_forward(net, x, B, 0);
        }
        ti = od_now() - t0;
        double trw = B * steps / tt, inw = B * steps / ti, ms = 1000 * tt / steps;
        char gf[32] = "-";
        if (m->flops > 0) snprintf(gf, sizeof gf, "%.1f", m->flops * steps / tt / 1e9);
        printf("%-12s %12.0f %12.0f %10.3f %9s\n", m->name, trw, inw, ms, gf);
        printf("{\"model\": \"%s\", \"threads\": %d, \"train_windows_per_s\": %.1f, \"infer_windows_per_s\": %.1f, "
               "\"ms_per_train_step\": %.3f}\n", m->name, od_ctx_threads(ctx), trw, inw, ms);
        fflush(stdout);
        od_nn_optim_free(opt);
        od_nn_free(net);
    }
    free(x); free(y); free(dy);
    od_ctx_free(ctx);
    return 0;
}
