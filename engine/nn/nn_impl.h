/* nn_impl.h - internals of engine/nn shared by the layer files (not public).
 *
 * A layer kind is one file with one const od_nn_layer_ops (forward and
 * backward side by side, kann/darknet style); net.c holds the table of kinds.
 */
#ifndef OD_NN_IMPL_H
#define OD_NN_IMPL_H

#include "nn.h"
#include <gsl/gsl_rng.h>

/* Hot element-wise loops: compiled for x86-64 baseline, AVX2+FMA and AVX-512
 * with run-time dispatch (GCC function multi-versioning), vectorised even at
 * -O2.  The choice depends only on the machine, so results stay reproducible
 * on one machine. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(OD_NN_NO_CLONES)
#define OD_NN_HOT __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4"), \
                                 optimize("O3")))
#else
#define OD_NN_HOT
#endif

#include <stdint.h>
#include <string.h>

/* Widest vectors the kernels of kern.c may use (16: AVX-512 where the CPU
 * has it, 8: AVX2).  Both give the same bits; tests set 8 to prove it. */
extern int od_nn_kern_lanes;

/* Register-blocked products on one strip of 32 columns (kern.c; 16-lane
 * on AVX-512, 8-lane otherwise, the same bits either way):
 *   od_nn_rows_x_b: C[t][0..32) = init | C[t] (accum) | 0  + sum_q A[t*lda+q] B[q*ldb + .]
 *                   for t < T, q < K, then max(., 0) when relu;
 *   od_nn_xt_d:     G[q][0..32) += sum_{b<nb, t<T} X[b*xs + t*lda + q] D[(b*T+t)*ldd + .], q < K. */
void od_nn_rows_x_b(const float *restrict A, size_t lda, size_t T, size_t K, const float *restrict Bm,
                    size_t ldb, const float *init, float *restrict C, size_t ldc, int relu, int accum);
void od_nn_xt_d(const float *restrict X, size_t xs, size_t lda, size_t nb, size_t T, size_t K,
                const float *restrict D, size_t ldd, float *restrict G, size_t ldg);

/* exp as a branch-free Cephes-style polynomial (max relative error 1e-7 in
 * float) so loops that use it vectorise; saturates instead of overflowing. */
static inline float od_nn_expf(float x)
{
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    float n = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;  /* round(x / ln 2) */
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t e = ((int32_t)n + 127) << 23;
    float s;
    memcpy(&s, &e, sizeof s);
    return p * s;
}
static inline float od_nn_sigmoidf(float x) { return 1.0f / (1.0f + od_nn_expf(-x)); }
/* tanh x = 1 - 2 / (e^{2x} + 1): absolute error ~1e-7 near 0, exact limits. */
static inline float od_nn_tanhf(float x) { return 1.0f - 2.0f / (od_nn_expf(2.0f * x) + 1.0f); }

/* Reductions in 16 independent lanes (a GCC vector: one AVX-512 register,
 * two AVX2 or four SSE registers) combined in a fixed order: they vectorise
 * without -ffast-math and give the same bits on every run. */
typedef float od_nn_v16 __attribute__((vector_size(64)));
typedef int32_t od_nn_i16 __attribute__((vector_size(64)));
/* (no vector parameters or return values: their ABI differs per target) */

static inline float od_nn_lanes_sum(const float *a16)
{
    float a[16];
    memcpy(a, a16, sizeof a);
    for (int k = 8; k > 0; k >>= 1)
        for (int j = 0; j < k; j++) a[j] += a[j + k];
    return a[0];
}

static inline float od_nn_sum(const float *x, size_t n)
{
    od_nn_v16 acc = {0}, v;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        memcpy(&v, x + i, sizeof v);
        acc += v;
    }
    float s = od_nn_lanes_sum((const float *)&acc);
    for (; i < n; i++) s += x[i];
    return s;
}

static inline float od_nn_dot(const float *x, const float *y, size_t n)
{
    od_nn_v16 acc = {0}, v, w;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        memcpy(&v, x + i, sizeof v);
        memcpy(&w, y + i, sizeof w);
        acc += v * w;
    }
    float s = od_nn_lanes_sum((const float *)&acc);
    for (; i < n; i++) s += x[i] * y[i];
    return s;
}

static inline float od_nn_max(const float *x, size_t n)
{
    float m = x[0];
    size_t i = 0;
    if (n >= 16) {
        od_nn_v16 acc, v;
        memcpy(&acc, x, sizeof acc);
        for (i = 16; i + 16 <= n; i += 16) {
            memcpy(&v, x + i, sizeof v);
            od_nn_i16 gt = v > acc;
            acc = (od_nn_v16)(((od_nn_i16)v & gt) | ((od_nn_i16)acc & ~gt));
        }
        float a[16];
        memcpy(a, &acc, sizeof a);
        for (int k = 0; k < 16; k++) m = a[k] > m ? a[k] : m;
    }
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

typedef struct od_nn_layer od_nn_layer;

/* The part of a batch one thread works on: samples [b0, b0 + B).  A pass
 * over the network runs as one parallel region; each thread takes its
 * samples through every layer without synchronising (no layer mixes
 * samples), with its own scratch and, in backward, its own gradient
 * accumulator (summed in thread order afterwards). */
typedef struct {
    size_t b0, B;
    float *scr;   /* this thread's scratch: L->nscr * B + L->nscr_thr floats */
    float *g;     /* gradient accumulator (the network's layout), backward only */
} od_nn_slice;

typedef struct {
    const char *name;
    /* Initial weights w[L->np] (PyTorch's defaults). */
    void (*init)(const od_nn_layer *L, float *w, gsl_rng *r);
    /* x: the slice's samples (tin*cin floats each), y: its outputs.  Caches
     * are indexed from sample s->b0.  net->train says whether to keep what
     * backward needs. */
    void (*forward)(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y);
    /* dy may be overwritten; gradients are added to s->g + L->poff; dx is
     * overwritten, NULL when nobody needs it. */
    void (*backward)(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, const float *y,
                     float *dy, float *dx);
} od_nn_layer_ops;

struct od_nn_layer {
    od_nn_kind kind;
    size_t tin, cin, tout, cout;  /* per-sample shapes */
    size_t np, poff;              /* parameters: count and offset in net->w */
    size_t ncache;                /* floats per sample kept from forward to backward */
    size_t nscr;                  /* scratch floats per sample */
    size_t nscr_thr;              /* scratch floats per thread */
    float *cache;                 /* bmax * ncache, owned */
    od_nn_act act;
    size_t k, stride, pad, dil;   /* conv1d */
    size_t heads, hidden, ff;     /* mha, lstm/gru, ffn */
    int flag;                     /* dense: flatten; rnn: seq_out; mha/ffn: residual */
    float p;                      /* dropout probability */
    float *pe;                    /* posenc table (tout x cout), owned */
};

struct od_nn {
    size_t T, C;          /* input shape */
    size_t nl, cap;
    od_nn_layer *L;
    size_t np;
    float *w, *g;
    size_t bmax, nthr;
    float **act;          /* act[l]: output of layer l, bmax samples */
    float *d0, *d1;       /* gradient ping-pong buffers (bmax x dmax) */
    size_t dmax;          /* largest per-sample tensor */
    float *scr;           /* scratch: thread 0's part, then the others' */
    size_t scr0, scr1;    /* floats in thread 0's part and in each other part */
    float *gbuf;          /* per-thread gradient accumulators (nthr > 1) */
    double macs;          /* multiply-adds of one sample's forward pass */
    int train;
    const float *in_x;    /* input of the last forward pass (kept by the caller) */
    uint64_t drop_key, drop_ctr;
};

extern const od_nn_layer_ops od_nn_dense_ops, od_nn_act_ops, od_nn_conv1d_ops, od_nn_lstm_ops,
    od_nn_gru_ops, od_nn_mha_ops, od_nn_layernorm_ops, od_nn_ffn_ops, od_nn_posenc_ops,
    od_nn_dropout_ops, od_nn_repeat_ops, od_nn_last_ops;

/* Appends a layer of kind k whose input is the current output shape (its
 * output shape starts equal); the add function fills it in and calls
 * od_nn_commit, or returns without committing on a bad argument. */
int od_nn_push(od_ctx *ctx, od_nn *net, od_nn_kind k, od_nn_layer **L);
void od_nn_commit(od_nn *net, od_nn_layer *L);

/* Threads a pass may use now: min(OpenMP maximum, threads prepared for). */
int od_nn_threads(const od_nn *net);
/* Single-threaded BLAS for the duration of an engine call (restores the
 * previous setting in od_nn_blas_leave); nests. */
void od_nn_blas_enter(void);
void od_nn_blas_leave(void);

/* Element-wise kernels (act.c), all single-threaded (they run inside a
 * thread's slice). */
void od_nn_act_fwd(od_nn_act a, const float *z, float *y, size_t n);   /* y may be z */
/* dy *= act'(z) given z (pre-activation, may be NULL unless gelu) and y = act(z). */
void od_nn_act_bwd(od_nn_act a, const float *z, const float *y, float *dy, size_t n);
/* y += x */
void od_nn_vadd(float *y, const float *x, size_t n);
void od_nn_vsigmoid(float *y, size_t n);   /* in place */
void od_nn_vtanh(float *y, size_t n);      /* in place */
/* out[j] += sum_i A[i*lda + j], i < M, j < N (rows in order). */
void od_nn_colsum_add(const float *A, size_t M, size_t N, size_t lda, float *out);
/* uniform(-a, a) fill from r */
void od_nn_uniform(float *w, size_t n, double a, gsl_rng *r);

/* Dense helpers shared by dense, conv1d, ffn, mha, lstm and gru:
 * y (M x out) = act(x (M x in) W^T + b) (b may be NULL); z (NULL, or
 * another M x out array) keeps the pre-activation. */
void od_nn_linear_fwd(const float *x, size_t M, size_t in, const float *W, const float *b,
                      size_t out, float *y, od_nn_act act, float *z);
/* gW += dz^T x, gb += colsum dz (gb may be NULL), dx = dz W + beta_dx dx
 * (dx may be NULL). */
void od_nn_linear_bwd(const float *x, size_t M, size_t in, const float *W, size_t out,
                      const float *dz, float *gW, float *gb, float *dx, float beta_dx);

#endif
