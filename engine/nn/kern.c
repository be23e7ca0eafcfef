/* kern.c - the engine's register-blocked single-precision products on
 * strips of 32 columns: conv1d's direct convolutions and, through
 * od_nn_gemm (blas.c), the small products of the dense, recurrent and
 * attention layers.  Blocks of RB rows by 32 columns stay in vector
 * registers while the inner dimension streams.  Every output's sum runs
 * over the same terms in the same order with fused multiply-adds whatever
 * the vector width, so the 8-lane (AVX2) and 16-lane (AVX-512) versions,
 * picked at run time, give the same bits. */
#include "config.h"
#include "nn_impl.h"

#include <string.h>

typedef float od_kern_v8 __attribute__((vector_size(32)));
typedef int32_t od_kern_i8 __attribute__((vector_size(32)));
typedef float od_kern_v16 __attribute__((vector_size(64)));
typedef int32_t od_kern_i16 __attribute__((vector_size(64)));

/* C[t][n0 .. n0+32) = init[n] + sum_{q<K} A[t*lda + q] Bm[q*ldb + n], t < T
 * (init NULL: C[t][n] when accum, else 0), then max(., 0) when relu; RB
 * rows at a time, vectors of type V (VW lanes, NV = 32 / VW per row,
 * integer twin VI for the mask). */
#define KERN_ROWS_BODY(V, VI, VW, RB)                                                              \
    enum { NV = 32 / VW };                                                                         \
    V acc[RB][NV], bv, z = {0};                                                                    \
    for (size_t t = 0; t < T; t += RB) {                                                           \
        size_t R = T - t < RB ? T - t : RB;                                                        \
        for (size_t r = 0; r < RB; r++)                                                            \
            for (int v = 0; v < NV; v++) {                                                         \
                if (init) memcpy(&acc[r][v], init + VW * v, sizeof bv);                            \
                else if (accum && r < R) memcpy(&acc[r][v], C + (t + r) * ldc + VW * v, sizeof bv); \
                else acc[r][v] = z;                                                                \
            }                                                                                      \
        const float *a = A + t * lda;                                                              \
        if (R == RB) {                                                                             \
            for (size_t q = 0; q < K; q++) {                                                       \
                const float *b = Bm + q * ldb;                                                     \
                for (int v = 0; v < NV; v++) {                                                     \
                    memcpy(&bv, b + VW * v, sizeof bv);                                            \
                    for (size_t r = 0; r < RB; r++) acc[r][v] += a[r * lda + q] * bv;              \
                }                                                                                  \
            }                                                                                      \
        } else {                                                                                   \
            for (size_t q = 0; q < K; q++) {                                                       \
                const float *b = Bm + q * ldb;                                                     \
                for (int v = 0; v < NV; v++) {                                                     \
                    memcpy(&bv, b + VW * v, sizeof bv);                                            \
                    for (size_t r = 0; r < R; r++) acc[r][v] += a[r * lda + q] * bv;               \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        for (size_t r = 0; r < R; r++)                                                             \
            for (int v = 0; v < NV; v++) {                                                         \
                if (relu) acc[r][v] = (V)((VI)acc[r][v] & (acc[r][v] > z));                        \
                memcpy(C + (t + r) * ldc + VW * v, &acc[r][v], sizeof bv);                         \
            }                                                                                      \
    }

#define KERN_ROWS_ARGS                                                                             \
    const float *restrict A, size_t lda, size_t T, size_t K, const float *restrict Bm, size_t ldb,  \
        const float *init, float *restrict C, size_t ldc, int relu, int accum

/* G[q][n0 .. n0+32) += sum_{b<nb, t<T} Xp_b[t*lda + q] D[(b*T + t)*ldd + n]
 * for q < K (Xp_b = X + b*xs); the sum runs over b then t; RB rows of G
 * at a time. */
#define KERN_XTD_BODY(V, VW, RB)                                                                   \
    enum { NV = 32 / VW };                                                                         \
    V acc[RB][NV], bv, z = {0};                                                                    \
    for (size_t q = 0; q < K; q += RB) {                                                           \
        size_t R = K - q < RB ? K - q : RB;                                                        \
        for (size_t r = 0; r < RB; r++)                                                            \
            for (int v = 0; v < NV; v++) acc[r][v] = z;                                            \
        for (size_t b = 0; b < nb; b++) {                                                          \
            const float *x = X + b * xs + q, *d = D + b * T * ldd;                                 \
            if (R == RB) {                                                                         \
                for (size_t t = 0; t < T; t++, x += lda, d += ldd)                                 \
                    for (int v = 0; v < NV; v++) {                                                 \
                        memcpy(&bv, d + VW * v, sizeof bv);                                        \
                        for (size_t r = 0; r < RB; r++) acc[r][v] += x[r] * bv;                    \
                    }                                                                              \
            } else {                                                                               \
                for (size_t t = 0; t < T; t++, x += lda, d += ldd)                                 \
                    for (int v = 0; v < NV; v++) {                                                 \
                        memcpy(&bv, d + VW * v, sizeof bv);                                        \
                        for (size_t r = 0; r < R; r++) acc[r][v] += x[r] * bv;                     \
                    }                                                                              \
            }                                                                                      \
        }                                                                                          \
        for (size_t r = 0; r < R; r++)                                                             \
            for (int v = 0; v < NV; v++) {                                                         \
                float *g = G + (q + r) * ldg + VW * v;                                             \
                memcpy(&bv, g, sizeof bv);                                                         \
                bv += acc[r][v];                                                                   \
                memcpy(g, &bv, sizeof bv);                                                         \
            }                                                                                      \
    }

#define KERN_XTD_ARGS                                                                              \
    const float *restrict X, size_t xs, size_t lda, size_t nb, size_t T, size_t K,                 \
        const float *restrict D, size_t ldd, float *restrict G, size_t ldg

int od_nn_kern_lanes = 16;

OD_NN_HOT static void rows_x_b8(KERN_ROWS_ARGS) { KERN_ROWS_BODY(od_kern_v8, od_kern_i8, 8, 3) }
OD_NN_HOT static void xt_d8(KERN_XTD_ARGS) { KERN_XTD_BODY(od_kern_v8, 8, 3) }

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(OD_NN_NO_CLONES)
/* AVX-512: 32 registers of 16 floats, two per row of 32 columns, so eight
 * rows make 16 accumulators; on cores with full-width 512-bit units this
 * doubles the multiply-add rate of the 8-lane code. */
#define OD_KERN_V4 __attribute__((target("arch=x86-64-v4"), optimize("O3")))
OD_KERN_V4 static void rows_x_b16(KERN_ROWS_ARGS) { KERN_ROWS_BODY(od_kern_v16, od_kern_i16, 16, 8) }
OD_KERN_V4 static void xt_d16(KERN_XTD_ARGS) { KERN_XTD_BODY(od_kern_v16, 16, 10) }
static int kern_v4(void) { return od_nn_kern_lanes >= 16 && __builtin_cpu_supports("x86-64-v4"); }
void od_nn_rows_x_b(KERN_ROWS_ARGS)
{
    if (kern_v4()) rows_x_b16(A, lda, T, K, Bm, ldb, init, C, ldc, relu, accum);
    else rows_x_b8(A, lda, T, K, Bm, ldb, init, C, ldc, relu, accum);
}
void od_nn_xt_d(KERN_XTD_ARGS)
{
    if (kern_v4()) xt_d16(X, xs, lda, nb, T, K, D, ldd, G, ldg);
    else xt_d8(X, xs, lda, nb, T, K, D, ldd, G, ldg);
}
#else
void od_nn_rows_x_b(KERN_ROWS_ARGS) { rows_x_b8(A, lda, T, K, Bm, ldb, init, C, ldc, relu, accum); }
void od_nn_xt_d(KERN_XTD_ARGS) { xt_d8(X, xs, lda, nb, T, K, D, ldd, G, ldg); }
#endif
