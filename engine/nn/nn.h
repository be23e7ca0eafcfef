/* nn.h - a small float32 neural-network engine for the sequence detectors.
 *
 * A network is a sequential stack of layers.  Every sample is a (T x C)
 * row-major block (time points x channels); a batch is B samples stored one
 * after another, so a batch is also a (B*T x C) matrix and a per-time-step
 * dense layer is one matrix product.  Parameters of all layers live in one
 * flat float array (od_nn_params) with a gradient array of the same size
 * (od_nn_grads): optimisers, snapshots of the best weights, file I/O and the
 * gradient checker all work on that one vector.
 *
 * Weight layouts follow PyTorch so reference values carry over directly:
 *   dense     W (out x in) row-major, then b (out)
 *   conv1d    W (out x k x in)  [PyTorch's (out x in x k) with the last two
 *             axes swapped, because activations are channels-last], then b
 *   lstm      W_ih (4H x I), W_hh (4H x H), b (4H) = b_ih + b_hh; gates i,f,g,o
 *   gru       W_ih (3H x I), W_hh (3H x H), b_ih (3H), b_hh (3H); gates r,z,n
 *   mha       W_in (3d x d) = [Wq;Wk;Wv], b_in (3d), W_out (d x d), b_out (d)
 *   layernorm gamma (d), beta (d)          (eps 1e-5, biased variance)
 *   ffn       W1 (ff x d), b1 (ff), W2 (d x ff), b2 (d)
 *
 * Life cycle: od_nn_new, od_nn_add_* (shapes are checked as layers are
 * added), od_nn_prepare (allocates parameters and every workspace for a
 * maximum batch: nothing is allocated afterwards), od_nn_init_weights, then
 * forward/backward or the training loop (od_nn_train_*).
 *
 * Threads: a forward or backward pass is one OpenMP parallel region; each
 * thread takes a fixed slice of the batch through every layer (no layer mixes
 * samples) calling single-threaded BLAS, with its own scratch and gradient
 * accumulator; the accumulators are summed in thread order.  So there is no
 * synchronisation inside a pass, and results are bit-identical for the same
 * seed and thread count.  Small batches of small networks run on one thread.
 */
#ifndef OD_NN_H
#define OD_NN_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include "../core/ctx.h"

typedef enum {
    OD_NN_ACT_NONE, OD_NN_ACT_RELU, OD_NN_ACT_TANH, OD_NN_ACT_SIGMOID, OD_NN_ACT_GELU,
    OD_NN_ACT_COUNT
} od_nn_act;

typedef enum { OD_NN_LOSS_MSE, OD_NN_LOSS_MAE, OD_NN_LOSS_COUNT } od_nn_loss;
typedef enum { OD_NN_OPT_SGD, OD_NN_OPT_ADAM, OD_NN_OPT_ADAMW, OD_NN_OPT_COUNT } od_nn_opt;
typedef enum { OD_NN_SCHED_NONE, OD_NN_SCHED_STEP, OD_NN_SCHED_COSINE, OD_NN_SCHED_COUNT } od_nn_sched;

typedef enum {
    OD_NN_DENSE, OD_NN_ACT, OD_NN_CONV1D, OD_NN_LSTM, OD_NN_GRU, OD_NN_MHA,
    OD_NN_LAYERNORM, OD_NN_FFN, OD_NN_POSENC, OD_NN_DROPOUT, OD_NN_REPEAT, OD_NN_LAST,
    OD_NN_KIND_COUNT
} od_nn_kind;

const char *od_nn_act_name(od_nn_act a);

typedef struct od_nn od_nn;

/* ---- building ------------------------------------------------------------ */

/* A network whose samples are T x C.  Returns NULL (OD_ENOMEM in ctx). */
od_nn *od_nn_new(od_ctx *ctx, size_t T, size_t C);
void od_nn_free(od_nn *net);

/* Each add_* returns OD_OK or OD_EINVAL (bad size / shape) / OD_ESTATE (after
 * od_nn_prepare).  The current output shape is (T, C); each comment says what
 * the layer makes of it. */

/* Per time step: (T, C) -> (T, out).  flatten=1: the sample is one vector,
 * (T, C) -> (1, out) with in = T*C. */
int od_nn_add_dense(od_ctx *ctx, od_nn *net, size_t out, od_nn_act act, int flatten);
int od_nn_add_act(od_ctx *ctx, od_nn *net, od_nn_act act);
/* (T, C) -> (T', out), T' = (T + 2 pad - dil (k - 1) - 1) / stride + 1. */
int od_nn_add_conv1d(od_ctx *ctx, od_nn *net, size_t out, size_t k, size_t stride, size_t pad,
                     size_t dil, od_nn_act act);
/* (T, C) -> (T, H) with seq_out = 1, (1, H) (last hidden state) otherwise.
 * Initial hidden and cell states are zero. */
int od_nn_add_lstm(od_ctx *ctx, od_nn *net, size_t hidden, int seq_out);
int od_nn_add_gru(od_ctx *ctx, od_nn *net, size_t hidden, int seq_out);
/* Multi-head scaled dot-product self-attention, (T, d) -> (T, d); heads
 * divides d.  residual = 1 adds the input to the output. */
int od_nn_add_mha(od_ctx *ctx, od_nn *net, size_t heads, int residual);
int od_nn_add_layernorm(od_ctx *ctx, od_nn *net);
/* Position-wise feed-forward W2 act(W1 x + b1) + b2, (T, d) -> (T, d). */
int od_nn_add_ffn(od_ctx *ctx, od_nn *net, size_t ff, od_nn_act act, int residual);
/* Adds the sinusoidal position code pe[t][2i] = sin(t w_i), pe[t][2i+1] =
 * cos(t w_i), w_i = 10000^(-2i/C). */
int od_nn_add_posenc(od_ctx *ctx, od_nn *net);
/* Inverted dropout with probability p (active only while training). */
int od_nn_add_dropout(od_ctx *ctx, od_nn *net, double p);
/* (1, C) -> (T, C): the vector repeated T times. */
int od_nn_add_repeat(od_ctx *ctx, od_nn *net, size_t T);
/* (T, C) -> (1, C): the last time step. */
int od_nn_add_last(od_ctx *ctx, od_nn *net);

/* Allocates parameters (zero), gradients and all workspaces for batches of up
 * to max_batch samples and the current OpenMP maximum of threads.  May be
 * called again (e.g. for a larger batch); parameters are kept. */
int od_nn_prepare(od_ctx *ctx, od_nn *net, size_t max_batch);

/* Frees the workspaces (parameters stay); od_nn_prepare makes them again. */
void od_nn_release(od_nn *net);
/* Workspace floats one sample of a batch needs (activations, caches,
 * scratch), to choose a batch size that fits a memory budget. */
size_t od_nn_floats_per_sample(const od_nn *net);

/* PyTorch's default initialisation (uniform +-1/sqrt(fan_in); Xavier for the
 * attention input projection; layer norm gamma 1, beta 0) from the ctx RNG. */
void od_nn_init_weights(od_ctx *ctx, od_nn *net);

/* ---- inspection ------------------------------------------------------------ */
size_t od_nn_nlayers(const od_nn *net);
/* Output shape of layer l (l = nlayers - 1: the network's output). */
void od_nn_layer_shape(const od_nn *net, size_t l, size_t *T, size_t *C);
size_t od_nn_nparams(const od_nn *net);
float *od_nn_params(od_nn *net);
float *od_nn_grads(od_nn *net);
size_t od_nn_in_size(const od_nn *net);    /* T*C of a sample */
size_t od_nn_out_size(const od_nn *net);   /* floats of one output sample */
size_t od_nn_max_batch(const od_nn *net);
/* One line per layer ("lstm 1x64 -> 64x32  params 4352"), for describe(). */
int od_nn_summary(const od_nn *net, char *buf, size_t size);

/* ---- computing ------------------------------------------------------------- */

/* Forward pass of B <= max_batch samples x (B x in_size, contiguous).
 * train = 1 keeps what backward needs and applies dropout.  Returns a view of
 * the output (B x out_size), valid until the next forward. */
const float *od_nn_forward(od_nn *net, const float *x, size_t B, int train);
/* Backward pass after od_nn_forward(train = 1) of the same batch: dy (B x
 * out_size, overwritten) is the loss gradient w.r.t. the output; parameter
 * gradients are ADDED to od_nn_grads; dx (B x in_size, may be NULL) gets the
 * gradient w.r.t. the input. */
void od_nn_backward(od_nn *net, float *dy, size_t B, float *dx);
void od_nn_zero_grad(od_nn *net);

/* Mean loss over the n elements; dy (may be NULL) gets d loss / d y.
 * MSE: mean (y - t)^2; MAE: mean |y - t| (subgradient 0 at y = t). */
double od_nn_loss_eval(od_nn_loss kind, const float *y, const float *t, size_t n, float *dy);

/* ---- optimisers ------------------------------------------------------------ */
typedef struct {
    od_nn_opt kind;
    double lr;
    double momentum;      /* SGD */
    int nesterov;         /* SGD */
    double beta1, beta2, eps;  /* Adam, AdamW */
    double weight_decay;  /* SGD/Adam: L2 added to the gradient; AdamW: decoupled */
} od_nn_optim_opts;

/* PyTorch defaults: lr 1e-3, momentum 0, betas 0.9 0.999, eps 1e-8, wd 0
 * (AdamW: wd 0.01). */
od_nn_optim_opts od_nn_optim_defaults(od_nn_opt kind);

typedef struct od_nn_optim od_nn_optim;
od_nn_optim *od_nn_optim_new(od_ctx *ctx, size_t n, const od_nn_optim_opts *o);
void od_nn_optim_free(od_nn_optim *opt);
/* One update of w[n] from g[n] with learning rate lr (the schedule's value). */
void od_nn_optim_step(od_nn_optim *opt, float *w, const float *g, double lr);
/* Scales g so that its L2 norm is at most max_norm (PyTorch's
 * clip_grad_norm_: factor max_norm / (norm + 1e-6)); returns the norm. */
double od_nn_clip_grad(float *g, size_t n, double max_norm);
/* Learning rate of epoch e (0-based) of `epochs`: step = x0.5 every
 * max(1, epochs/4) epochs; cosine = 0.5 lr (1 + cos(pi e / epochs)). */
double od_nn_sched_lr(od_nn_sched s, double lr, size_t e, size_t epochs);

/* ---- training loop (INIT / STEP) ------------------------------------------ */

/* Samples: input i is x + i*xstride (in_size floats), its target y + i*ystride
 * (out_size floats); rows may overlap (sliding windows are views). */
typedef struct {
    const float *x; size_t xstride;
    const float *y; size_t ystride;
    size_t n;
} od_nn_data;

typedef struct {
    size_t epochs, batch;
    size_t patience;       /* 0: no early stopping */
    od_nn_optim_opts opt;
    double clip;           /* 0: no clipping */
    od_nn_sched sched;
    od_nn_loss loss;
} od_nn_train_opts;

typedef struct od_nn_train od_nn_train;

/* The training state for `net` (prepared for at least opts->batch).  `val`
 * may be NULL or empty: no validation and no early stopping (the best weights
 * are then those of the lowest training loss).  The data must outlive it. */
od_nn_train *od_nn_train_init(od_ctx *ctx, od_nn *net, const od_nn_train_opts *opts,
                              const od_nn_data *train, const od_nn_data *val);
/* One epoch.  Returns OD_CONTINUE while more epochs remain, OD_OK when
 * training is finished (all epochs, or patience epochs without a better
 * validation loss: the best weights are then restored), OD_ECANCEL when the
 * cancel flag was seen between batches (the epoch is abandoned), or an error. */
int od_nn_train_step(od_ctx *ctx, od_nn_train *tr);
/* Copies the best weights so far into the network. */
void od_nn_train_restore_best(od_nn_train *tr);
size_t od_nn_train_epoch(const od_nn_train *tr);       /* epochs completed */
size_t od_nn_train_best_epoch(const od_nn_train *tr);  /* 1-based, 0 = none */
double od_nn_train_loss(const od_nn_train *tr);        /* last epoch's mean training loss */
double od_nn_train_val_loss(const od_nn_train *tr);    /* NaN without validation */
double od_nn_train_seconds(const od_nn_train *tr);     /* last epoch's wall time */
int od_nn_train_stopped_early(const od_nn_train *tr);
/* The loss became NaN/inf: training stopped with the best weights so far. */
int od_nn_train_diverged(const od_nn_train *tr);
void od_nn_train_free(od_nn_train *tr);

/* Mean loss of the network (eval mode) over a data set; NaN if empty. */
double od_nn_evaluate(od_nn *net, const od_nn_data *d, od_nn_loss loss, float *xbuf, float *ybuf);

/* ---- files ----------------------------------------------------------------- */
/* Parameters as a versioned block: magic "ODNNWT01", count, floats (little
 * endian IEEE), FNV-1a checksum.  od_nn_read_params checks that the count
 * matches the network; a short, foreign or corrupt block is OD_EFORMAT. */
int od_nn_write_params(od_ctx *ctx, const od_nn *net, FILE *fp);
int od_nn_read_params(od_ctx *ctx, od_nn *net, FILE *fp);

/* ---- gradient check ---------------------------------------------------------- */
/* Compares the analytic directional derivative of the loss of (x, t) with
 * central differences (f(w + h u) - f(w - h u)) / 2h, Richardson-extrapolated
 * over h and h/2, along `trials` unit directions u in parameter space (the
 * first is the gradient's own direction, the others random) and, with
 * check_input, in input space.  The forward pass runs in float, the loss is
 * summed in double.  *rel gets the worst |a - n| / max(|a|, |n|, 10% of the
 * gradient norm).  Dropout must be absent or 0. */
int od_nn_check_grad(od_ctx *ctx, od_nn *net, const float *x, const float *t, size_t B,
                     od_nn_loss loss, double h, int trials, int check_input, double *rel);

/* BLAS seam (engine/nn/blas.c): row-major C = alpha op(A) op(B) + beta C. */
void od_nn_gemm(int transA, int transB, size_t M, size_t N, size_t K, float alpha,
                const float *A, size_t lda, const float *B, size_t ldb, float beta,
                float *C, size_t ldc);
/* The same in plain C (the fallback, and a reference for tests). */
void od_nn_gemm_ref(int transA, int transB, size_t M, size_t N, size_t K, float alpha,
                    const float *A, size_t lda, const float *B, size_t ldb, float beta,
                    float *C, size_t ldc);
/* Name of the BLAS in use ("OpenBLAS", "GSL CBLAS", "plain C"). */
const char *od_nn_blas_name(void);

#endif
