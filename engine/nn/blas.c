/* blas.c - the one place engine/nn talks to BLAS.
 *
 * OpenBLAS when configure found it, GSL's CBLAS otherwise, plain C when built
 * with -DOD_NN_PLAIN_GEMM.  The network's matrices are small (tens to a few
 * thousand rows, tens of columns), where a multi-threaded BLAS spends more
 * time waking its threads than computing: the engine runs BLAS
 * single-threaded and splits the batch over OpenMP threads itself (net.c). */
#include "config.h"
#include "nn_impl.h"

#include <stddef.h>
#include <string.h>

#if !defined(OD_NN_PLAIN_GEMM)
#ifdef HAVE_OPENBLAS
#include <cblas.h>
#else
#include <gsl/gsl_cblas.h>
#endif
#endif

const char *od_nn_blas_name(void)
{
#if defined(OD_NN_PLAIN_GEMM)
    return "plain C";
#elif defined(HAVE_OPENBLAS)
    return "OpenBLAS";
#else
    return "GSL CBLAS";
#endif
}

void od_nn_gemm_ref(int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    for (size_t i = 0; i < M; i++) {
        float *c = C + i * ldc;
        if (beta == 0)
            for (size_t j = 0; j < N; j++) c[j] = 0;
        else if (beta != 1)
            for (size_t j = 0; j < N; j++) c[j] *= beta;
        for (size_t k = 0; k < K; k++) {
            float a = alpha * (ta ? A[k * lda + i] : A[i * lda + k]);
            if (a == 0) continue;
            if (tb)
                for (size_t j = 0; j < N; j++) c[j] += a * B[j * ldb + k];
            else {
                const float *b = B + k * ldb;
                for (size_t j = 0; j < N; j++) c[j] += a * b[j];
            }
        }
    }
}

/* The network's small products with 32k columns, C = A B (+ C),
 * C (+)= A^T B and C = A B^T (+ C) (B^T one 32-column strip at a time on
 * the stack), go through the register-blocked kernels of kern.c
 * instead: no packing copies, no library locks per call, and 16-lane FMAs
 * on AVX-512 cores that the distribution's OpenBLAS may drive with 8-lane
 * kernels.  Each output's sum runs in a fixed order, so results do not
 * depend on the vector width. */
#if !defined(OD_NN_PLAIN_GEMM)
#define OD_NN_SMALL_K 4096
#define OD_NN_SMALL_KT 256   /* A B^T: a 32-row strip of B transposed on the stack (32 KB) */

static int small_ok(size_t N, size_t K, float alpha, float beta)
{
    return N % 32 == 0 && K <= OD_NN_SMALL_K && alpha == 1.0f && (beta == 0.0f || beta == 1.0f);
}
#endif

void od_nn_gemm(int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    if (M == 0 || N == 0) return;
#if defined(OD_NN_PLAIN_GEMM)
    od_nn_gemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    if (K == 0) {   /* C = beta C: no product */
        od_nn_gemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    if (!tb && small_ok(N, ta ? M : K, alpha, beta)) {
        if (!ta) {
            for (size_t n0 = 0; n0 < N; n0 += 32)
                od_nn_rows_x_b(A, lda, M, K, B + n0, ldb, NULL, C + n0, ldc, 0, beta == 1.0f);
        } else {
            if (beta == 0.0f)
                for (size_t i = 0; i < M; i++) memset(C + i * ldc, 0, N * sizeof *C);
            for (size_t n0 = 0; n0 < N; n0 += 32) od_nn_xt_d(A, 0, lda, 1, K, M, B + n0, ldb, C + n0, ldc);
        }
        return;
    }
    if (!ta && tb && K <= OD_NN_SMALL_KT && small_ok(N, K, alpha, beta)) {
        float bt[OD_NN_SMALL_KT * 32];   /* bt[q][j] = B[n0 + j][q] */
        for (size_t n0 = 0; n0 < N; n0 += 32) {
            for (size_t j = 0; j < 32; j++) {
                const float *b = B + (n0 + j) * ldb;
                for (size_t q = 0; q < K; q++) bt[q * 32 + j] = b[q];
            }
            od_nn_rows_x_b(A, lda, M, K, bt, 32, NULL, C + n0, ldc, 0, beta == 1.0f);
        }
        return;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)M, (int)N, (int)K, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
#endif
}

#if defined(HAVE_OPENBLAS) && !defined(OD_NN_PLAIN_GEMM)
static int blas_depth, blas_saved;
void od_nn_blas_enter(void)
{
    if (blas_depth++ == 0) {
        blas_saved = openblas_get_num_threads();
        if (blas_saved != 1) openblas_set_num_threads(1);
    }
}
void od_nn_blas_leave(void)
{
    if (blas_depth > 0 && --blas_depth == 0 && blas_saved != 1 && blas_saved > 0)
        openblas_set_num_threads(blas_saved);
}
#else
void od_nn_blas_enter(void) {}
void od_nn_blas_leave(void) {}
#endif
