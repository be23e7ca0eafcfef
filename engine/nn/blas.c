/* blas.c - the one place engine/nn talks to BLAS.
 *
 * OpenBLAS when configure found it, GSL's CBLAS otherwise, plain C when built
 * with -DOD_NN_PLAIN_GEMM.  The network's matrices are small (tens to a few
 * hundred rows and columns), where a multi-threaded BLAS spends more time
 * waking its threads than computing: the engine runs BLAS single-threaded and
 * splits work over OpenMP threads itself (od_nn_pgemm). */
#include "config.h"
#include "nn_impl.h"

#include <stddef.h>
#ifdef _OPENMP
#include <omp.h>
#endif

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

void od_nn_gemm(int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    if (M == 0 || N == 0) return;
#if defined(OD_NN_PLAIN_GEMM)
    od_nn_gemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    if (K == 0) {
        od_nn_gemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)M, (int)N, (int)K, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
#endif
}

void od_nn_pgemm(int nthr, int ta, int tb, size_t M, size_t N, size_t K, float alpha,
                 const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                 size_t ldc)
{
    double work = (double)M * N * K;
    if (nthr <= 1 || work < 262144.0) {   /* below ~0.5 MFLOP a fork/join costs more than it saves */
        od_nn_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    /* split rows when there are enough of them, otherwise columns; pieces
     * are multiples of 16 so every call runs whole micro-kernel tiles */
    int by_rows = M >= (size_t)nthr * 16 || M >= N;
    size_t len = by_rows ? M : N;
    size_t piece = (len + (size_t)nthr - 1) / (size_t)nthr;
    piece = (piece + 15) / 16 * 16;
    int np = (int)((len + piece - 1) / piece);
    if (np <= 1) {
        od_nn_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#pragma omp parallel for schedule(static, 1) num_threads(np)
    for (int t = 0; t < np; t++) {
        size_t a = (size_t)t * piece, e = a + piece < len ? a + piece : len;
        if (by_rows)
            od_nn_gemm(ta, tb, e - a, N, K, alpha, ta ? A + a : A + a * lda, lda, B, ldb, beta,
                       C + a * ldc, ldc);
        else
            od_nn_gemm(ta, tb, M, e - a, K, alpha, A, lda, tb ? B + a * ldb : B + a, ldb, beta,
                       C + a, ldc);
    }
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
