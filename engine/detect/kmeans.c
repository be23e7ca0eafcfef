/* kmeans.c - k-means (Lloyd) clustering; score = distance to the nearest
 * centroid, or CBLOF (He et al. 2003, as PyOD computes it). */
#include "config.h"
#include "cl_cluster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>

#define KM_NAME "kmeans"
#define KM_VERSION 1u

typedef double km_v8 __attribute__((vector_size(64)));
typedef long long km_v8l __attribute__((vector_size(64)));
typedef int32_t km_v8i __attribute__((vector_size(32)));
#define KM_STACK_D 512   /* wider rows: the transposed block goes on the heap */
#define KM_ICNT 64   /* the d = 8 kernel counts in a local integer array up to this many centres */
/* The kernels prefetch the rows KM_PF_ROWS ahead into all cache levels
 * (prefetcht0): the stream otherwise outruns the hardware prefetcher.
 * Measured on 1M x 8 (Sapphire Rapids, whole passes interleaved): 64 rows
 * ahead with T0 ~25% faster than 32 ahead with NTA; 128 or 256 ahead, or T1,
 * no better. */
#ifndef KM_PF_ROWS
#define KM_PF_ROWS 64
#endif

/* xt[j] = (x_0j, ..., x_7j) for the nr <= 8 rows at X (leading dimension ld;
 * missing rows repeat row 0): 8 x 8 blocks transposed in registers.  The
 * last block of a row narrower than 8 is read whole where the avail doubles
 * from X allow it (one fixed-size load instead of a copy of variable length);
 * xt[j] for j >= d then holds other values, which the caller never reads. */
static inline __attribute__((always_inline)) void km_v8_transpose_rows(const double *X, size_t ld, size_t nr, size_t d,
                                                                       size_t avail, km_v8 *xt)
{
#ifdef __clang__   /* clang (the fuzz build) spells GCC's __builtin_shuffle this way */
#define KM_SHUF(a, b, m) KM_SHUF_##m(a, b)
#define KM_SHUF_lo1(a, b) __builtin_shufflevector(a, b, 0, 8, 2, 10, 4, 12, 6, 14)
#define KM_SHUF_hi1(a, b) __builtin_shufflevector(a, b, 1, 9, 3, 11, 5, 13, 7, 15)
#define KM_SHUF_lo2(a, b) __builtin_shufflevector(a, b, 0, 1, 8, 9, 4, 5, 12, 13)
#define KM_SHUF_hi2(a, b) __builtin_shufflevector(a, b, 2, 3, 10, 11, 6, 7, 14, 15)
#define KM_SHUF_lo3(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11)
#define KM_SHUF_hi3(a, b) __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15)
#else
#define KM_SHUF(a, b, m) __builtin_shuffle(a, b, m)
    static const km_v8l lo1 = { 0, 8, 2, 10, 4, 12, 6, 14 }, hi1 = { 1, 9, 3, 11, 5, 13, 7, 15 };
    static const km_v8l lo2 = { 0, 1, 8, 9, 4, 5, 12, 13 }, hi2 = { 2, 3, 10, 11, 6, 7, 14, 15 };
    static const km_v8l lo3 = { 0, 1, 2, 3, 8, 9, 10, 11 }, hi3 = { 4, 5, 6, 7, 12, 13, 14, 15 };
#endif
    for (size_t jb = 0; jb < d; jb += 8) {
        size_t w = d - jb < 8 ? d - jb : 8;
        km_v8 r[8], t[8], u[8];
        for (size_t q = 0; q < 8; q++) {
            size_t off = (q < nr ? q : 0) * ld + jb;
            const double *src = X + off;
            if (w == 8 || off + 8 <= avail) memcpy(&r[q], src, sizeof r[q]);
            else {
                km_v8 z = { 0, 0, 0, 0, 0, 0, 0, 0 };
                memcpy(&z, src, w * sizeof(double));
                r[q] = z;
            }
        }
        for (int p = 0; p < 4; p++) {
            t[2 * p] = KM_SHUF(r[2 * p], r[2 * p + 1], lo1);
            t[2 * p + 1] = KM_SHUF(r[2 * p], r[2 * p + 1], hi1);
        }
        u[0] = KM_SHUF(t[0], t[2], lo2), u[2] = KM_SHUF(t[0], t[2], hi2);
        u[1] = KM_SHUF(t[1], t[3], lo2), u[3] = KM_SHUF(t[1], t[3], hi2);
        u[4] = KM_SHUF(t[4], t[6], lo2), u[6] = KM_SHUF(t[4], t[6], hi2);
        u[5] = KM_SHUF(t[5], t[7], lo2), u[7] = KM_SHUF(t[5], t[7], hi2);
        for (int q = 0; q < 4; q++) {
            xt[jb + (size_t)q] = KM_SHUF(u[q], u[q + 4], lo3);
            xt[jb + (size_t)q + 4] = KM_SHUF(u[q], u[q + 4], hi3);
        }
    }
}

/* Assign rows [r0, r1) to the nearest of the k centroids, 8 rows at a time
 * with the rows in the vector lanes, so that the running minimum and its
 * index are lane-wise (no horizontal reductions, no branches).  The centres
 * are visited G at a time (G independent accumulators, so the FMA latency is
 * hidden), each distance summed over the columns in column order exactly as
 * od_cl_sqdist does; ties go to the lowest centroid index.  Cp holds the
 * centres padded to a multiple of 8 with +inf rows (never chosen).  Writes
 * lab (int32, counting changes against the old value), optionally the
 * squared distance mind2 and the per-cluster sums (k x d) and counts.
 * Returns the number of labels changed, SIZE_MAX when out of memory. */
static inline __attribute__((always_inline))
size_t km_kernel_impl(const double *X, size_t r0, size_t r1, size_t d, size_t ld,
                      const double *Cp, size_t kp, int32_t *lab, double *mind2,
                      double *sums, double *cnt, double *sec2, const size_t G, const int want2)
{
    size_t changed = 0;
    km_v8 xs[d <= KM_STACK_D ? d + 8 : 1];
    km_v8 *xt = d <= KM_STACK_D ? xs : aligned_alloc(64, (d + 8) * sizeof *xt);
    if (!xt) return SIZE_MAX;
    for (size_t g = r0; g < r1; g += 8) {
        size_t nr = r1 - g < 8 ? r1 - g : 8;
        if (d < 32 && g + KM_PF_ROWS + 8 <= r1)   /* as the d = 8 kernel (longer rows: no gain, d = 64 worse) */
            for (size_t q = 0; q < 8; q++)
                for (size_t j = 0; j < d; j += 8) __builtin_prefetch(X + (g + KM_PF_ROWS + q) * ld + j, 0, 3);
        km_v8_transpose_rows(X + g * ld, ld, nr, d, (nr - 1) * ld + d, xt);
        km_v8 best = { INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY };
        km_v8 second = best;
        km_v8l bl = { 0, 0, 0, 0, 0, 0, 0, 0 };
        for (size_t c0 = 0; c0 < kp; c0 += G) {
            km_v8 acc[8];
            #pragma GCC unroll 8
            for (size_t q = 0; q < G; q++) acc[q] = (km_v8){ 0, 0, 0, 0, 0, 0, 0, 0 };
            const double *cc = Cp + c0 * d;
            for (size_t j = 0; j < d; j++) {
                km_v8 x = xt[j];
                #pragma GCC unroll 8
                for (size_t q = 0; q < G; q++) {
                    km_v8 t = x - cc[q * d + j];
                    acc[q] += t * t;
                }
            }
            #pragma GCC unroll 8
            for (size_t q = 0; q < G; q++) {
                km_v8l lt = acc[q] < best;
                if (want2) {   /* second smallest: the old best where acc wins, else min(second, acc) */
                    km_v8l ls = acc[q] < second;
                    km_v8 m = (km_v8)(((km_v8l)acc[q] & ls) | ((km_v8l)second & ~ls));
                    second = (km_v8)(((km_v8l)best & lt) | ((km_v8l)m & ~lt));
                }
                best = (km_v8)(((km_v8l)acc[q] & lt) | ((km_v8l)best & ~lt));
                bl = ((long long)(c0 + q) & lt) | (bl & ~lt);
            }
        }
        for (size_t r = 0; r < nr; r++) {
            size_t i = g + r;
            int32_t l = (int32_t)bl[r];
            if (lab[i] != l) {
                changed++;
                lab[i] = l;
            }
            if (mind2) mind2[i] = best[r];
            if (want2) sec2[i] = second[r];
            if (sums) {
                const double *x = X + i * ld;
                double *s = sums + (size_t)l * d;
                if (d == 8) {
                    km_v8 a, b;
                    memcpy(&a, s, sizeof a);
                    memcpy(&b, x, sizeof b);
                    a += b;
                    memcpy(s, &a, sizeof a);
                } else {
                    #pragma omp simd
                    for (size_t j = 0; j < d; j++) s[j] += x[j];
                }
                cnt[l] += 1;
            }
        }
    }
    if (xt != xs) free(xt);
    return changed;
}

/* The 8 x 8 transpose of km_v8_transpose_rows on rows already loaded:
 * xt[j] = (r_0[j], ..., r_7[j]). */
static inline __attribute__((always_inline)) void km_v8_transpose8(const km_v8 *r, km_v8 *xt)
{
#ifndef __clang__
    static const km_v8l lo1 = { 0, 8, 2, 10, 4, 12, 6, 14 }, hi1 = { 1, 9, 3, 11, 5, 13, 7, 15 };
    static const km_v8l lo2 = { 0, 1, 8, 9, 4, 5, 12, 13 }, hi2 = { 2, 3, 10, 11, 6, 7, 14, 15 };
    static const km_v8l lo3 = { 0, 1, 2, 3, 8, 9, 10, 11 }, hi3 = { 4, 5, 6, 7, 12, 13, 14, 15 };
#endif
    km_v8 t[8], u[8];
    #pragma GCC unroll 4
    for (int p = 0; p < 4; p++) {
        t[2 * p] = KM_SHUF(r[2 * p], r[2 * p + 1], lo1);
        t[2 * p + 1] = KM_SHUF(r[2 * p], r[2 * p + 1], hi1);
    }
    u[0] = KM_SHUF(t[0], t[2], lo2), u[2] = KM_SHUF(t[0], t[2], hi2);
    u[1] = KM_SHUF(t[1], t[3], lo2), u[3] = KM_SHUF(t[1], t[3], hi2);
    u[4] = KM_SHUF(t[4], t[6], lo2), u[6] = KM_SHUF(t[4], t[6], hi2);
    u[5] = KM_SHUF(t[5], t[7], lo2), u[7] = KM_SHUF(t[5], t[7], hi2);
    #pragma GCC unroll 4
    for (int q = 0; q < 4; q++) {
        xt[q] = KM_SHUF(u[q], u[q + 4], lo3);
        xt[q + 4] = KM_SHUF(u[q], u[q + 4], hi3);
    }
}

/* km_kernel_impl for d = 8 (one row = one km_v8): the same arithmetic per lane
 * (so the same labels and distances, bit for bit), with the loops over the
 * columns and the rows of a group unrolled, the rows loaded once and kept in
 * registers for the transpose and the per-cluster sums, and the labels of a
 * full group compared and stored as one vector. */
static inline __attribute__((always_inline))
size_t km_kernel8_impl(const double *X, size_t r0, size_t r1, size_t ld,
                       const double *Cp, size_t kp, int32_t *lab, double *mind2,
                       double *sums, double *cnt, double *sec2, const size_t G, const int want2)
{
    size_t changed = 0;
    km_v8i nchg = { 0, 0, 0, 0, 0, 0, 0, 0 };   /* minus the changed labels of full groups, per lane */
    size_t icnt[KM_ICNT];                        /* the counts as integers, when kp <= KM_ICNT */
    const int icount = sums && kp <= KM_ICNT;
    if (icount) memset(icnt, 0, kp * sizeof *icnt);
    for (size_t g = r0; g < r1; g += 8) {
        size_t nr = r1 - g < 8 ? r1 - g : 8;
        const double *xg = X + g * ld;
        km_v8 r[8], xt[8];
        if (g + KM_PF_ROWS + 8 <= r1) {
            #pragma GCC unroll 8
            for (size_t q = 0; q < 8; q++) __builtin_prefetch(xg + (KM_PF_ROWS + q) * ld, 0, 3);
        }
        if (nr == 8) {
            #pragma GCC unroll 8
            for (size_t q = 0; q < 8; q++) memcpy(&r[q], xg + q * ld, sizeof r[q]);
        } else {
            for (size_t q = 0; q < 8; q++) memcpy(&r[q], xg + (q < nr ? q : 0) * ld, sizeof r[q]);
        }
        km_v8_transpose8(r, xt);
        km_v8 best = { INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY };
        km_v8 second = best;
        km_v8l bl = { 0, 0, 0, 0, 0, 0, 0, 0 };
        for (size_t c0 = 0; c0 < kp; c0 += G) {
            km_v8 acc[8];
            const double *cc = Cp + c0 * 8;
            #pragma GCC unroll 8
            for (size_t q = 0; q < G; q++) acc[q] = (km_v8){ 0, 0, 0, 0, 0, 0, 0, 0 };
            #pragma GCC unroll 8
            for (size_t j = 0; j < 8; j++) {
                #pragma GCC unroll 8
                for (size_t q = 0; q < G; q++) {
                    km_v8 t = xt[j] - cc[q * 8 + j];
                    acc[q] += t * t;
                }
            }
            #pragma GCC unroll 8
            for (size_t q = 0; q < G; q++) {
                km_v8l lt = acc[q] < best;
                if (want2) {
                    km_v8l ls = acc[q] < second;
                    km_v8 m = (km_v8)(((km_v8l)acc[q] & ls) | ((km_v8l)second & ~ls));
                    second = (km_v8)(((km_v8l)best & lt) | ((km_v8l)m & ~lt));
                }
                best = (km_v8)(((km_v8l)acc[q] & lt) | ((km_v8l)best & ~lt));
                bl = ((long long)(c0 + q) & lt) | (bl & ~lt);
            }
        }
        km_v8i l32 = __builtin_convertvector(bl, km_v8i);
        if (nr == 8) {
            km_v8i old;
            memcpy(&old, lab + g, sizeof old);
            nchg += old != l32;
            memcpy(lab + g, &l32, sizeof l32);
            if (mind2) memcpy(mind2 + g, &best, sizeof best);
            if (want2) memcpy(sec2 + g, &second, sizeof second);
            if (sums) {
                /* The labels are read back from lab as scalars (the barrier stops GCC
                 * from forwarding them from l32 by lane extracts, which would take
                 * the vector ports from the distance arithmetic); the counts are
                 * integers for the same reason. */
                __asm__("" ::: "memory");
                #pragma GCC unroll 8
                for (size_t q = 0; q < 8; q++) {
                    size_t l = (size_t)lab[g + q];
                    double *s = sums + l * 8;
                    km_v8 a;
                    memcpy(&a, s, sizeof a);
                    a += r[q];
                    memcpy(s, &a, sizeof a);
                    if (icount) icnt[l]++;
                    else cnt[l] += 1;
                }
            }
            continue;
        }
        for (size_t q = 0; q < nr; q++) {
            size_t i = g + q;
            int32_t l = l32[q];
            if (lab[i] != l) {
                changed++;
                lab[i] = l;
            }
            if (mind2) mind2[i] = best[q];
            if (want2) sec2[i] = second[q];
            if (sums) {
                double *s = sums + (size_t)l * 8;
                km_v8 a;
                memcpy(&a, s, sizeof a);
                a += r[q];
                memcpy(s, &a, sizeof a);
                if (icount) icnt[l]++;
                else cnt[l] += 1;
            }
        }
    }
    if (icount)   /* exact (integers below 2^53); cnt has k <= kp entries, a padding centre is never chosen */
        for (size_t c = 0; c < kp; c++)
            if (icnt[c]) cnt[c] += icnt[c];
    changed -= (size_t)(nchg[0] + nchg[1] + nchg[2] + nchg[3] + nchg[4] + nchg[5] + nchg[6] + nchg[7]);
    return changed;
}

typedef size_t km_kernel_fn(const double *X, size_t r0, size_t r1, size_t d, size_t ld,
                            const double *Cp, size_t kp, int32_t *lab, double *mind2,
                            double *sums, double *cnt);
typedef size_t km_kernel2_fn(const double *X, size_t r0, size_t r1, size_t d, size_t ld,
                             const double *Cp, size_t kp, int32_t *lab, double *mind2,
                             double *sec2);

/* One instance per instruction set, picked at run time (km_pick): 8 centres
 * per pass where there are 32 vector registers, 4 where there are 16.  The
 * AVX2 and AVX-512 instances fuse the multiply-add (FMA), so their distances
 * may differ from the baseline instance's in the last bit.  The "2" instances
 * (Hamerly's full recomputations) also return the second smallest distance;
 * their nearest centre and its distance are those of the plain instance,
 * bit for bit (the same arithmetic per lane). */
#define KM_INSTANCES(TGT, SUF, G)                                                                      \
    TGT static size_t km_kernel_##SUF(const double *X, size_t r0, size_t r1, size_t d, size_t ld,    \
                                      const double *Cp, size_t kp, int32_t *lab, double *mind2,     \
                                      double *sums, double *cnt)                                    \
    {                                                                                                \
        if (d == 8) return km_kernel8_impl(X, r0, r1, ld, Cp, kp, lab, mind2, sums, cnt, NULL, G, 0); \
        return km_kernel_impl(X, r0, r1, d, ld, Cp, kp, lab, mind2, sums, cnt, NULL, G, 0);         \
    }                                                                                                \
    TGT static size_t km_kernel2_##SUF(const double *X, size_t r0, size_t r1, size_t d, size_t ld,   \
                                       const double *Cp, size_t kp, int32_t *lab, double *mind2,    \
                                       double *sec2)                                                \
    {                                                                                                \
        if (d == 8) return km_kernel8_impl(X, r0, r1, ld, Cp, kp, lab, mind2, NULL, NULL, sec2, G, 1); \
        return km_kernel_impl(X, r0, r1, d, ld, Cp, kp, lab, mind2, NULL, NULL, sec2, G, 1);        \
    }
KM_INSTANCES(__attribute__((target("avx512f,avx512dq,avx512vl,fma"))), avx512, 8)
KM_INSTANCES(__attribute__((target("avx2,fma"))), avx2, 4)
KM_INSTANCES(, base, 4)

static const struct {
    const char *name;
    km_kernel_fn *fn;
    km_kernel2_fn *fn2;
} km_kernels[] = {
    { "avx512", km_kernel_avx512, km_kernel2_avx512 },
    { "avx2", km_kernel_avx2, km_kernel2_avx2 },
    { "sse2", km_kernel_base, km_kernel2_base },
};
enum { KM_NKERNEL = sizeof km_kernels / sizeof km_kernels[0] };

static int km_cpu_has(int i)
{
    __builtin_cpu_init();
    if (i == 0) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
    if (i == 1) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return 1;
}

static int km_current = -1;   /* index into km_kernels; -1: not picked yet */

static int km_pick(void)
{
    int i = __atomic_load_n(&km_current, __ATOMIC_RELAXED);
    if (i >= 0) return i;
    for (i = 0; i < KM_NKERNEL - 1 && !km_cpu_has(i); i++) continue;
    __atomic_store_n(&km_current, i, __ATOMIC_RELAXED);
    return i;
}

const char *od_kmeans_kernel(void)
{
    return km_kernels[km_pick()].name;
}

int od_kmeans_use_kernel(const char *name)
{
    if (!name) {                       /* back to the automatic choice */
        __atomic_store_n(&km_current, -1, __ATOMIC_RELAXED);
        return 0;
    }
    for (int i = 0; i < KM_NKERNEL; i++)
        if (!strcmp(name, km_kernels[i].name)) {
            if (!km_cpu_has(i)) return -1;
            __atomic_store_n(&km_current, i, __ATOMIC_RELAXED);
            return 0;
        }
    return -1;
}

/* k rounded up to a multiple of 8: the rows of a padded centre array. */
static size_t km_kpad(size_t k)
{
    return (k + 7) / 8 * 8;
}

/* Cp (km_kpad(k) x d) = the centres C, then +inf rows. */
static void km_pad(const double *C, size_t k, size_t d, double *Cp)
{
    memcpy(Cp, C, k * d * sizeof *Cp);
    for (size_t i = k * d; i < km_kpad(k) * d; i++) Cp[i] = INFINITY;
}

static size_t km_kernel(const double *X, size_t r0, size_t r1, size_t d, size_t ld,
                        const double *Cp, size_t kp, int32_t *lab, double *mind2,
                        double *sums, double *cnt)
{
    return km_kernels[km_pick()].fn(X, r0, r1, d, ld, Cp, kp, lab, mind2, sums, cnt);
}

int od_kmeans_assign(const double *X, size_t n, size_t d, size_t ld, const double *C,
                     size_t k, long *label, double *dist)
{
    size_t nb = (n + OD_CL_BLOCK - 1) / OD_CL_BLOCK, kp = km_kpad(k);
    double *Cp = malloc(kp * d * sizeof *Cp);
    if (!Cp) return OD_ENOMEM;
    km_pad(C, k, d, Cp);
    int fail = 0;
    #pragma omp parallel
    {
        int32_t lab[OD_CL_BLOCK];
        double m2[OD_CL_BLOCK];
        #pragma omp for schedule(static)
        for (size_t b = 0; b < nb; b++) {
            size_t r0 = b * OD_CL_BLOCK, r1 = r0 + OD_CL_BLOCK < n ? r0 + OD_CL_BLOCK : n;
            for (size_t i = 0; i < r1 - r0; i++) lab[i] = -1;
            if (km_kernel(X + r0 * ld, 0, r1 - r0, d, ld, Cp, kp, lab, m2, NULL, NULL) == SIZE_MAX) {
                #pragma omp atomic write
                fail = 1;
                continue;
            }
            for (size_t i = r0; i < r1; i++) {
                if (label) label[i] = lab[i - r0];
                if (dist) dist[i] = sqrt(m2[i - r0]);
            }
        }
    }
    free(Cp);
    return fail ? OD_ENOMEM : OD_OK;
}

/* Sum of v[0..n-1] in fixed blocks (deterministic for any thread count). */
static double km_sum(const double *v, size_t n)
{
    size_t nb = (n + OD_CL_BLOCK - 1) / OD_CL_BLOCK;
    double tot = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t r0 = b * OD_CL_BLOCK, r1 = r0 + OD_CL_BLOCK < n ? r0 + OD_CL_BLOCK : n;
        double s = 0;
        for (size_t i = r0; i < r1; i++) s += v[i];
        tot += s;
    }
    return tot;
}

/* --------------------------------------------------------------- k-means++ */

int od_kmeans_plusplus(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld,
                       size_t k, double *centers)
{
    if (k == 0 || k > n) return od_error(ctx, OD_EINVAL, "kmeans: k=%zu must be between 1 and the %zu rows", k, n);
    gsl_rng *rng = od_ctx_rng(ctx);
    size_t L = 2 + (size_t)floor(log((double)k));
    double *closest = od_mallocn(ctx, n, sizeof *closest);
    double *cand = od_mallocn(ctx, L * n, sizeof *cand);
    double *cum = od_mallocn(ctx, n, sizeof *cum);
    size_t *cid = od_mallocn(ctx, L, sizeof *cid);
    double *pot = od_mallocn(ctx, L, sizeof *pot);
    if (!closest || !cand || !cum || !cid || !pot) {
        free(closest), free(cand), free(cum), free(cid), free(pot);
        return OD_ENOMEM;
    }
    size_t first = (size_t)gsl_rng_uniform_int(rng, n);
    memcpy(centers, X + first * ld, d * sizeof *centers);
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) closest[i] = od_cl_sqdist(X + i * ld, centers, d);
    double cur = km_sum(closest, n);
    int rc = OD_OK;
    for (size_t c = 1; c < k; c++) {
        if (od_cancelled(ctx)) {
            rc = od_error(ctx, OD_ECANCEL, "kmeans: seeding interrupted");
            break;
        }
        double acc = 0;
        for (size_t i = 0; i < n; i++) {
            acc += closest[i];
            cum[i] = acc;
        }
        for (size_t t = 0; t < L; t++) {
            double r = gsl_rng_uniform(rng) * cur;
            size_t lo = 0, hi = n;       /* first i with cum[i] >= r */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (cum[mid] < r) lo = mid + 1;
                else hi = mid;
            }
            cid[t] = lo < n ? lo : n - 1;
        }
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            for (size_t t = 0; t < L; t++) {
                double s = od_cl_sqdist(X + i * ld, X + cid[t] * ld, d);
                cand[t * n + i] = s < closest[i] ? s : closest[i];
            }
        size_t bt = 0;
        for (size_t t = 0; t < L; t++) {
            pot[t] = km_sum(cand + t * n, n);
            if (pot[t] < pot[bt]) bt = t;
        }
        cur = pot[bt];
        memcpy(closest, cand + bt * n, n * sizeof *closest);
        memcpy(centers + c * d, X + cid[bt] * ld, d * sizeof *centers);
    }
    free(closest), free(cand), free(cum), free(cid), free(pot);
    return rc;
}

/* ------------------------------------------------------------------- Lloyd */

typedef struct {
    size_t i;
    double d2;
} km_far;

static int km_far_cmp(const void *a, const void *b)
{
    const km_far *x = a, *y = b;
    if (x->d2 != y->d2) return x->d2 < y->d2 ? 1 : -1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* sklearn's _relocate_empty_clusters_dense: each empty cluster takes one of
 * the rows farthest from their (old) centre. */
static int km_relocate(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld,
                       const double *Cold, size_t k, const int32_t *lab, double *sums,
                       double *cnt, int32_t *newlab)
{
    size_t nempty = 0;
    for (size_t c = 0; c < k; c++) nempty += cnt[c] == 0;
    if (nempty == 0) return OD_OK;
    if (nempty > n) nempty = n;
    km_far *f = od_mallocn(ctx, n, sizeof *f);
    if (!f) return OD_ENOMEM;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        f[i].i = i;
        f[i].d2 = od_cl_sqdist(X + i * ld, Cold + (size_t)lab[i] * d, d);
    }
    qsort(f, n, sizeof *f, km_far_cmp);
    size_t e = 0;
    for (size_t c = 0; c < k && e < nempty; c++) {
        if (cnt[c] != 0) continue;
        size_t i = f[e++].i;
        size_t old = (size_t)lab[i];
        for (size_t j = 0; j < d; j++) {
            sums[old * d + j] -= X[i * ld + j];
            sums[c * d + j] = X[i * ld + j];
        }
        cnt[c] = 1;
        cnt[old] -= 1;
        if (newlab) newlab[i] = (int32_t)c;
    }
    free(f);
    return OD_OK;
}

/* ----------------------------------------------------------------- Hamerly */

/* Hamerly (2010), "Making k-means even faster", as an exact accelerator of
 * the Lloyd step above.  u[i] bounds from above the true distance from row i
 * to its centre, l[i] from below the true distance to every other centre.
 * Every bound is rounded outwards by KM_RHO (relative), more than the error of
 * a computed distance (sum of d non-negative squares, then sqrt), so a row is
 * skipped only when its centre is nearer than every other one by a margin the
 * computed (Lloyd) distances cannot reverse: its label is then the one Lloyd's
 * argmin gives, with no tie possible.  A row the bounds cannot decide is
 * recomputed by the Lloyd kernel itself (km_kernel2: the same arithmetic per
 * lane, ties to the lowest index), so its label is Lloyd's bit for bit.  The
 * per-cluster sums are then added row by row in block order, as Lloyd's are;
 * a block whose labels did not change keeps its sums from the pass before
 * (the same rows added in the same order: the same bits), so after the first
 * iterations most blocks are never read in full. */
#define KM_EPS 2.220446049250313e-16
static double km_rho(size_t d)
{
    return (double)(d + 16) * KM_EPS;
}

typedef struct {
    const double *C;     /* k x d: the centres of this assignment */
    const double *Cp;    /* padded copy for the kernel */
    size_t k, kp, d;
    const double *delta; /* k: upper bound of each centre's last move */
    double dmax1, dmax2; /* largest and second largest delta */
    size_t imax;         /* index of dmax1 */
    const double *half;  /* k: lower bound of half the distance to the nearest other centre */
    double rho;
    int first;           /* no bounds yet: compute every row */
} km_hctx;

/* Recompute the np gathered rows idx[] exactly (buf: np x d scratch). */
static size_t km_hflush(const km_hctx *h, const double *X, size_t ld, const size_t *idx, size_t np,
                        double *buf, int32_t *lab, double *u, double *l)
{
    int32_t lb[8];
    double m2[8], s2[8];
    size_t d = h->d, changed = 0;
    for (size_t q = 0; q < np; q++) {
        memcpy(buf + q * d, X + idx[q] * ld, d * sizeof *buf);
        lb[q] = -1;
    }
    km_kernels[km_pick()].fn2(buf, 0, np, d, d, h->Cp, h->kp, lb, m2, s2);
    for (size_t q = 0; q < np; q++) {
        size_t i = idx[q];
        if (lab[i] != lb[q]) {
            changed++;
            lab[i] = lb[q];
        }
        u[i] = sqrt(m2[q]) * (1 + h->rho);
        l[i] = sqrt(s2[q]) * (1 - h->rho);
    }
    return changed;
}

/* Hamerly's assignment of rows [r0, r1), then their per-cluster sums and
 * counts (k x d, k) in row order.  Returns the labels changed, SIZE_MAX when
 * out of memory. */
static size_t km_hamerly_block(const km_hctx *h, const double *X, size_t r0, size_t r1, size_t ld,
                               int32_t *lab, double *u, double *l, double *sums, double *cnt)
{
    size_t d = h->d, changed = 0, np = 0, idx[8];
    if (h->first) {   /* no bounds yet: every row through the kernel, in place */
        changed = km_kernels[km_pick()].fn2(X, r0, r1, d, ld, h->Cp, h->kp, lab, u, l);
        if (changed == SIZE_MAX) return SIZE_MAX;
        for (size_t i = r0; i < r1; i++) {
            u[i] = sqrt(u[i]) * (1 + h->rho);
            l[i] = sqrt(l[i]) * (1 - h->rho);
        }
        goto sums;
    }
    double *buf = malloc(8 * d * sizeof *buf);
    if (!buf) return SIZE_MAX;
    double grow = 1 + 2 * KM_EPS, shrink = 1 - 2 * KM_EPS, m3 = 1 + 3 * h->rho;
    for (size_t i = r0; i < r1; i++) {
        {
            size_t a = (size_t)lab[i];
            double ui = (u[i] + h->delta[a]) * grow;
            double li = l[i] - (a == h->imax ? h->dmax2 : h->dmax1);
            if (li > 0) li *= shrink;
            l[i] = li;
            double m = h->half[a] > li ? h->half[a] : li;
            if (ui * m3 < m) {
                u[i] = ui;
                continue;
            }
            ui = sqrt(od_cl_sqdist(X + i * ld, h->C + a * d, d)) * (1 + h->rho);
            u[i] = ui;
            if (ui * m3 < m) continue;
        }
        idx[np++] = i;
        if (np == 8) {
            changed += km_hflush(h, X, ld, idx, np, buf, lab, u, l);
            np = 0;
        }
    }
    if (np) changed += km_hflush(h, X, ld, idx, np, buf, lab, u, l);
    free(buf);
    if (changed == 0) return 0;   /* same labels: the block's sums from the last pass stand, bit for bit */
sums:
    memset(sums, 0, h->k * d * sizeof *sums);
    memset(cnt, 0, h->k * sizeof *cnt);
    for (size_t i = r0; i < r1; i++) {
        const double *x = X + i * ld;
        size_t a = (size_t)lab[i];
        double *s = sums + a * d;
        for (size_t j = 0; j < d; j++) s[j] += x[j];
        cnt[a] += 1;
    }
    return changed;
}

/* half[c] = a lower bound of half the distance from centre c to its nearest
 * other centre (+inf when k = 1). */
static void km_half(const double *C, size_t k, size_t d, double rho, double *half)
{
    for (size_t c = 0; c < k; c++) half[c] = INFINITY;
    for (size_t a = 0; a < k; a++)
        for (size_t b = a + 1; b < k; b++) {
            double t = sqrt(od_cl_sqdist(C + a * d, C + b * d, d)) * (1 - rho) * 0.5;
            if (t < half[a]) half[a] = t;
            if (t < half[b]) half[b] = t;
        }
}

int od_kmeans_run(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, size_t k,
                  const double *init, int max_iter, double tol,
                  double *centroids, long *labels, double *inertia, int *n_iter,
                  int *converged)
{
    return od_kmeans_run_algo(ctx, X, n, d, ld, k, init, max_iter, tol, OD_KM_LLOYD,
                              centroids, labels, inertia, n_iter, converged);
}

int od_kmeans_run_algo(od_ctx *ctx, const double *X, size_t n, size_t d, size_t ld, size_t k,
                       const double *init, int max_iter, double tol, int algo,
                       double *centroids, long *labels, double *inertia, int *n_iter,
                       int *converged)
{
    if (n == 0 || d == 0) return od_error(ctx, OD_EDATA, "kmeans: no data");
    if (k == 0 || k > n) return od_error(ctx, OD_EINVAL, "kmeans: k=%zu exceeds the %zu training rows", k, n);
    if (max_iter < 1) return od_error(ctx, OD_EINVAL, "kmeans: max_iter=%d must be at least 1", max_iter);
    size_t nb = (n + OD_CL_BLOCK - 1) / OD_CL_BLOCK;
    size_t stride = k * d + k;           /* per-block partial sums + counts */
    double *C = od_mallocn(ctx, k * d, sizeof *C);
    double *Cn = od_mallocn(ctx, k * d, sizeof *Cn);
    size_t kp = km_kpad(k);
    double *Cp = od_mallocn(ctx, kp * d, sizeof *Cp);
    double *part = od_mallocn(ctx, nb * stride, sizeof *part);
    double *sums = od_mallocn(ctx, stride, sizeof *sums);
    size_t *chg = od_mallocn(ctx, nb, sizeof *chg);
    int32_t *lab = od_mallocn(ctx, n, sizeof *lab);
    double *m2 = od_mallocn(ctx, n, sizeof *m2);
    int ham = algo != OD_KM_LLOYD;
    double *hu = ham ? od_mallocn(ctx, n, sizeof *hu) : NULL;
    double *hl = ham ? od_mallocn(ctx, n, sizeof *hl) : NULL;
    double *delta = ham ? od_mallocn(ctx, k, sizeof *delta) : NULL;
    double *half = ham ? od_mallocn(ctx, k, sizeof *half) : NULL;
    km_hctx hc = { .k = k, .kp = kp, .d = d, .rho = km_rho(d), .first = 1, .delta = delta, .half = half };
    int rc = OD_OK;
    if (!C || !Cn || !Cp || !part || !sums || !chg || !lab || !m2 || (ham && (!hu || !hl || !delta || !half))) {
        rc = OD_ENOMEM;
        goto done;
    }
    memcpy(C, init, k * d * sizeof *C);
    /* sklearn's tolerance: tol times the mean of the per-feature variances */
    double tol_s = 0;
    if (tol > 0) {
        double vs = 0;
        for (size_t j = 0; j < d; j++) {
            double mu = 0, v = 0;
            for (size_t i = 0; i < n; i++) mu += X[i * ld + j];
            mu /= (double)n;
            for (size_t i = 0; i < n; i++) {
                double t = X[i * ld + j] - mu;
                v += t * t;
            }
            vs += v / (double)n;
        }
        tol_s = vs / (double)d * tol;
    }
    for (size_t i = 0; i < n; i++) lab[i] = -1;
    int strict = 0, it, conv = 0;
    for (it = 0; it < max_iter; it++) {
        if (od_cancelled(ctx)) {
            rc = od_error(ctx, OD_ECANCEL, "kmeans: interrupted after %d iterations", it);
            goto done;
        }
        km_pad(C, k, d, Cp);
        if (ham) {
            hc.C = C;
            hc.Cp = Cp;
            km_half(C, k, d, hc.rho, half);
        }
        #pragma omp parallel for schedule(static)
        for (size_t b = 0; b < nb; b++) {
            size_t r0 = b * OD_CL_BLOCK, r1 = r0 + OD_CL_BLOCK < n ? r0 + OD_CL_BLOCK : n;
            double *p = part + b * stride;
            if (ham) {   /* keeps p where no label of the block changed */
                chg[b] = km_hamerly_block(&hc, X, r0, r1, ld, lab, hu, hl, p, p + k * d);
                continue;
            }
            memset(p, 0, stride * sizeof *p);
            chg[b] = km_kernel(X, r0, r1, d, ld, Cp, kp, lab, NULL, p, p + k * d);
        }
        hc.first = 0;
        size_t changed = 0;
        memset(sums, 0, stride * sizeof *sums);
        for (size_t b = 0; b < nb; b++) {
            if (chg[b] == SIZE_MAX) {
                rc = od_error(ctx, OD_ENOMEM, "kmeans: out of memory");
                goto done;
            }
            changed += chg[b];
            const double *p = part + b * stride;
            for (size_t q = 0; q < stride; q++) sums[q] += p[q];
        }
        double *cnt = sums + k * d;
        if ((rc = km_relocate(ctx, X, n, d, ld, C, k, lab, sums, cnt, NULL))) goto done;
        double shift = 0;
        for (size_t c = 0; c < k; c++) {
            if (cnt[c] > 0) {
                double a = 1.0 / cnt[c];
                for (size_t j = 0; j < d; j++) Cn[c * d + j] = sums[c * d + j] * a;
            } else {
                for (size_t j = 0; j < d; j++) Cn[c * d + j] = sums[c * d + j];
            }
            double s = 0;
            for (size_t j = 0; j < d; j++) {
                double t = C[c * d + j] - Cn[c * d + j];
                s += t * t;
            }
            double cs = sqrt(s);
            shift += cs * cs;
            if (ham) delta[c] = cs * (1 + hc.rho);
        }
        if (ham) {
            hc.dmax1 = hc.dmax2 = 0;
            hc.imax = 0;
            for (size_t c = 0; c < k; c++) {
                if (delta[c] > hc.dmax1) {
                    hc.dmax2 = hc.dmax1;
                    hc.dmax1 = delta[c];
                    hc.imax = c;
                } else if (delta[c] > hc.dmax2) {
                    hc.dmax2 = delta[c];
                }
            }
        }
        double *tmp = C;
        C = Cn;
        Cn = tmp;
        od_progress(ctx, "kmeans", (double)(it + 1) / max_iter, NULL);
        if (tol < 0) continue;   /* benchmarks: exactly max_iter iterations */
        if (changed == 0) {
            strict = 1;
            conv = 1;
            break;
        }
        if (shift <= tol_s) {
            conv = 1;
            break;
        }
    }
    if (it == max_iter) it = max_iter - 1;
    /* labels and distances against the final centres */
    int fail = 0;
    km_pad(C, k, d, Cp);
    #pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t r0 = b * OD_CL_BLOCK, r1 = r0 + OD_CL_BLOCK < n ? r0 + OD_CL_BLOCK : n;
        if (km_kernel(X, r0, r1, d, ld, Cp, kp, lab, m2, NULL, NULL) == SIZE_MAX) fail = 1;
    }
    if (fail) {
        rc = od_error(ctx, OD_ENOMEM, "kmeans: out of memory");
        goto done;
    }
    (void)strict;
    double in = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t r0 = b * OD_CL_BLOCK, r1 = r0 + OD_CL_BLOCK < n ? r0 + OD_CL_BLOCK : n;
        double s = 0;
        for (size_t i = r0; i < r1; i++) s += od_cl_sqdist(X + i * ld, C + (size_t)lab[i] * d, d);
        in += s;
    }
    memcpy(centroids, C, k * d * sizeof *C);
    if (labels)
        for (size_t i = 0; i < n; i++) labels[i] = lab[i];
    if (inertia) *inertia = in;
    if (n_iter) *n_iter = it + 1;
    if (converged) *converged = conv;
done:
    free(C), free(Cn), free(Cp), free(part), free(sums), free(chg), free(lab), free(m2);
    free(hu), free(hl), free(delta), free(half);
    return rc;
}

/* ---------------------------------------------------------------- detector */

/* init= and score= values (choice index = enum value) */
#define KM_INITS(X) X(KM_INIT_PLUSPLUS, "k-means++") X(KM_INIT_RANDOM, "random") X(KM_INIT_FIRST, "first")
#define KM_SCORES(X) X(KM_SCORE_DISTANCE, "distance") X(KM_SCORE_CBLOF, "cblof")
#define KM_ALGOS(X) X(KM_ALGO_AUTO, "auto") X(KM_ALGO_LLOYD, "lloyd") X(KM_ALGO_HAMERLY, "hamerly")
enum { KM_INITS(OD_X_ENUM) KM_NINIT };
enum { KM_SCORES(OD_X_ENUM) KM_NSCORE };
enum { KM_ALGOS(OD_X_ENUM) KM_NALGO };
static const char *const km_init_names[] = { KM_INITS(OD_X_NAME) };
static const char *const km_score_names[] = { KM_SCORES(OD_X_NAME) };
static const char *const km_algo_names[] = { KM_ALGOS(OD_X_NAME) };

typedef struct {
    size_t k, d, n_train;
    double *C;          /* k x d */
    double *size;       /* k: training rows per cluster */
    unsigned char *large;
    int scoring;        /* KM_SCORE_* */
    int init;           /* KM_INIT_* (not in the payload: re-read from the model file's options) */
    int algo;           /* KM_ALGO_* (likewise) */
    double alpha, beta, inertia;
    int n_iter, converged, n_init;
    size_t nlarge;
} km_state;

static void km_free(void *state)
{
    km_state *s = state;
    if (!s) return;
    free(s->C);
    free(s->size);
    free(s->large);
    free(s);
}

static const od_param_spec km_params[] = {
    { "k", OD_P_INT, "8", 1, 1e6, NULL, "number of clusters" },
    { "init", OD_P_CHOICE, "k-means++", 0, -1, OD_CHOICES(KM_INITS),
      "seeding: k-means++, k random rows, or the first k rows" },
    { "n_init", OD_P_INT, "auto", 1, 1000, "auto",
      "runs from different seeds, the lowest inertia wins (auto: 1 for k-means++, 10 for random)" },
    { "max_iter", OD_P_INT, "300", 1, 1e7, NULL, "maximum Lloyd iterations per run" },
    { "tol", OD_P_REAL, "1e-4", 0, HUGE_VAL, NULL,
      "stop when the summed squared centre shift <= tol x mean feature variance" },
    { "algorithm", OD_P_CHOICE, "auto", 0, -1, OD_CHOICES(KM_ALGOS),
      "Lloyd step: plain (lloyd, auto) or with Hamerly's bounds (hamerly); the same result bit for bit" },
    { "score", OD_P_CHOICE, "cblof", 0, -1, OD_CHOICES(KM_SCORES),
      "CBLOF (small clusters scored against large ones; the default) or the distance to the nearest centroid" },
    { "alpha", OD_P_REAL, "0.9", 0.5, 1, NULL, "CBLOF: large clusters hold at least this share of the rows" },
    { "beta", OD_P_REAL, "5", 1, HUGE_VAL, NULL, "CBLOF: size ratio that separates large from small clusters" },
};

/* PyOD CBLOF's split into large and small clusters. */
static void km_cblof_split(od_ctx *ctx, km_state *s)
{
    (void)ctx;
    size_t k = s->k;
    size_t *ord = malloc(k * sizeof *ord);
    memset(s->large, 0, k);
    if (!ord) {
        memset(s->large, 1, k);
        s->nlarge = k;
        return;
    }
    for (size_t i = 0; i < k; i++) ord[i] = i;
    /* stable sort by size, descending (np.argsort(-size) is a quicksort; ties by index here) */
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && s->size[ord[j - 1]] < s->size[ord[j]]; j--) {
            size_t t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    size_t thr = 0, first_a = 0, first_b = 0, both = 0;
    double cum = 0;
    for (size_t i = 1; i < k; i++) {
        cum += s->size[ord[i - 1]];
        int a = cum >= (double)s->n_train * s->alpha;
        int b = s->size[ord[i]] > 0 ? s->size[ord[i - 1]] / s->size[ord[i]] >= s->beta : 1;
        if (a && !first_a) first_a = i;
        if (b && !first_b) first_b = i;
        if (a && b && !both) both = i;
    }
    thr = both ? both : first_a ? first_a : first_b;
    if (!thr) thr = k;   /* no split: every cluster is large, the score is the distance (describe says so) */
    for (size_t i = 0; i < thr; i++) s->large[ord[i]] = 1;
    s->nlarge = thr;
    free(ord);
}

static int km_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    (void)log;
    int rc = od_cl_check_train(ctx, KM_NAME, train);
    if (rc) return rc;
    size_t n = train->n, d = train->d, ld = train->ld;
    long kl = od_params_int(p, "k");
    if (kl < 1 || (size_t)kl > n)
        return od_error(ctx, OD_EINVAL, "kmeans: k=%ld exceeds the %zu training rows", kl, n);
    size_t k = (size_t)kl;
    int init_kind = od_params_choice(p, "init");
    int init_random = init_kind == KM_INIT_RANDOM, init_first = init_kind == KM_INIT_FIRST;
    long n_init = od_params_is(p, "n_init", "auto") ? (init_random ? 10 : 1) : od_params_int(p, "n_init");
    if (init_first) n_init = 1;
    int max_iter = (int)od_params_int(p, "max_iter");
    double tol = od_params_real(p, "tol");
    int ak = od_params_choice(p, "algorithm");
    /* auto = lloyd: at d=8, k=8 the AVX kernel is bound by memory traffic and
       Hamerly's bounds (read and written every pass) cost more than they save */
    int algo = ak == KM_ALGO_HAMERLY ? OD_KM_HAMERLY : OD_KM_LLOYD;
    km_state *s = od_calloc(ctx, 1, sizeof *s);
    double *init = od_mallocn(ctx, k * d, sizeof *init);
    double *C = od_mallocn(ctx, k * d, sizeof *C);
    long *lab = od_mallocn(ctx, n, sizeof *lab);
    long *blab = od_mallocn(ctx, n, sizeof *blab);
    size_t *perm = init_random ? od_mallocn(ctx, n, sizeof *perm) : NULL;
    if (!s || !init || !C || !lab || !blab || (init_random && !perm)) {
        rc = OD_ENOMEM;
        goto fail;
    }
    s->k = k;
    s->d = d;
    s->n_train = n;
    s->scoring = od_params_choice(p, "score");
    s->init = init_kind;
    s->algo = ak;
    s->alpha = od_params_real(p, "alpha");
    s->beta = od_params_real(p, "beta");
    s->n_init = (int)n_init;
    s->C = od_mallocn(ctx, k * d, sizeof *s->C);
    s->size = od_calloc(ctx, k, sizeof *s->size);
    s->large = od_calloc(ctx, k, 1);
    if (!s->C || !s->size || !s->large) {
        rc = OD_ENOMEM;
        goto fail;
    }
    double best = INFINITY;
    for (long r = 0; r < n_init; r++) {
        if (init_first) {
            for (size_t i = 0; i < k; i++) memcpy(init + i * d, train->X + i * ld, d * sizeof *init);
        } else if (init_random) {
            gsl_rng *rng = od_ctx_rng(ctx);
            for (size_t i = 0; i < n; i++) perm[i] = i;
            for (size_t i = 0; i < k; i++) {   /* partial Fisher-Yates */
                size_t j = i + (size_t)gsl_rng_uniform_int(rng, n - i);
                size_t t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
                memcpy(init + i * d, train->X + perm[i] * ld, d * sizeof *init);
            }
        } else if ((rc = od_kmeans_plusplus(ctx, train->X, n, d, ld, k, init))) {
            goto fail;
        }
        double in;
        int it, conv;
        rc = od_kmeans_run_algo(ctx, train->X, n, d, ld, k, init, max_iter, tol, algo, C, lab, &in, &it, &conv);
        if (rc == OD_ECANCEL && r > 0) {
            od_warn(ctx, "kmeans: interrupted; keeping the best of %ld runs", r);
            rc = OD_OK;
            break;
        }
        if (rc) goto fail;
        if (in < best) {
            best = in;
            memcpy(s->C, C, k * d * sizeof *C);
            memcpy(blab, lab, n * sizeof *lab);
            s->inertia = in;
            s->n_iter = it;
            s->converged = conv;
        }
    }
    for (size_t i = 0; i < n; i++) s->size[blab[i]] += 1;
    size_t nonempty = 0;
    for (size_t c = 0; c < k; c++) nonempty += s->size[c] > 0;
    if (nonempty < k)
        od_warn(ctx, "kmeans: only %zu distinct clusters for k=%zu (duplicate rows?)", nonempty, k);
    if (!s->converged)
        od_warn(ctx, "kmeans: no convergence in max_iter=%d iterations", max_iter);
    if (s->scoring == KM_SCORE_CBLOF) km_cblof_split(ctx, s);
    else {
        memset(s->large, 1, k);
        s->nlarge = k;
    }
    free(init), free(C), free(lab), free(blab), free(perm);
    *state = s;
    return OD_OK;
fail:
    free(init), free(C), free(lab), free(blab), free(perm);
    km_free(s);
    return rc;
}

static int km_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    const km_state *s = state;
    int rc = od_cl_check_score(ctx, KM_NAME, data, s->d);
    if (rc || data->n == 0) return rc;
    size_t n = data->n, d = s->d;
    long *lab = cluster ? cluster : od_mallocn(ctx, n, sizeof *lab);
    if (!lab) return OD_ENOMEM;
    if (od_kmeans_assign(data->X, n, d, data->ld, s->C, s->k, lab, scores)) {
        if (lab != cluster) free(lab);
        return od_error(ctx, OD_ENOMEM, "kmeans: out of memory");
    }
    if (s->scoring == KM_SCORE_CBLOF && s->nlarge < s->k) {
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) {
            if (s->large[lab[i]]) continue;
            double b = INFINITY;
            for (size_t c = 0; c < s->k; c++)
                if (s->large[c]) {
                    double v = od_cl_sqdist(data->X + i * data->ld, s->C + c * d, d);
                    if (v < b) b = v;
                }
            scores[i] = sqrt(b);
        }
    }
    if (lab != cluster) free(lab);
    return OD_OK;
}

static void km_stats(const void *state, od_fit_stats *o)
{
    const km_state *s = state;
    *o = (od_fit_stats){ .inertia = s->inertia, .loglik = NAN, .nparams = (double)(s->k * s->d), .ntrain = (double)s->n_train };
}

static void km_describe(const void *state, od_out *out)
{
    const km_state *s = state;
    char b1[32];
    od_printf(out, "k-means: k=%zu, init=%s, algorithm=%s, score=%s, on %zu rows x %zu columns, %d run(s)\n", s->k,
              km_init_names[s->init], km_algo_names[s->algo], km_score_names[s->scoring], s->n_train, s->d, s->n_init);
    od_printf(out, "inertia (sum of squared distances): %s\n", od_fmt_num(b1, sizeof b1, s->inertia, 8));
    od_printf(out, "iterations: %d (%s)\n", s->n_iter, s->converged ? "converged" : "not converged");
    if (s->scoring != KM_SCORE_CBLOF)
        od_printf(out, "score: distance to nearest centroid\n");
    else if (s->nlarge == s->k)
        od_printf(out, "score: CBLOF, no split into large and small clusters (alpha=%g, beta=%g): every cluster is "
                  "large and the score is the distance to the nearest centroid\n", s->alpha, s->beta);
    else
        od_printf(out, "score: CBLOF, %zu large clusters and %zu small (alpha=%g, beta=%g)\n", s->nlarge, s->k - s->nlarge,
                  s->alpha, s->beta);
    for (size_t c = 0; c < s->k; c++) {
        od_printf(out, "cluster %zu: %.0f rows%s  centre (", c, s->size[c],
                  s->scoring == KM_SCORE_CBLOF ? (s->large[c] ? " large" : " small") : "");
        for (size_t j = 0; j < s->d && j < 8; j++)
            od_printf(out, "%s%s", j ? ", " : "", od_fmt_num(b1, sizeof b1, s->C[c * s->d + j], 4));
        od_printf(out, "%s)\n", s->d > 8 ? ", ..." : "");
    }
}

static int km_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const km_state *s = state;
    int rc;
    int32_t iv[4] = { s->scoring, s->n_iter, s->converged, s->n_init };
    double dv[3] = { s->alpha, s->beta, s->inertia };
    if ((rc = od_cl_write_header(ctx, fp, KM_NAME, KM_VERSION))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, KM_NAME, s->k))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, KM_NAME, s->d))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, KM_NAME, s->n_train))) return rc;
    if ((rc = od_cl_write_u64(ctx, fp, KM_NAME, s->nlarge))) return rc;
    if ((rc = od_cl_write(ctx, fp, KM_NAME, iv, sizeof iv[0], 4))) return rc;
    if ((rc = od_cl_write(ctx, fp, KM_NAME, dv, sizeof dv[0], 3))) return rc;
    if ((rc = od_cl_write(ctx, fp, KM_NAME, s->C, sizeof *s->C, s->k * s->d))) return rc;
    if ((rc = od_cl_write(ctx, fp, KM_NAME, s->size, sizeof *s->size, s->k))) return rc;
    return od_cl_write(ctx, fp, KM_NAME, s->large, 1, s->k);
}

static int km_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    int rc;
    uint64_t k, d, nt, nl;
    if ((rc = od_cl_read_header(ctx, fp, KM_NAME, KM_VERSION, NULL))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, KM_NAME, &k, 1u << 24))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, KM_NAME, &d, 1u << 24))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, KM_NAME, &nt, UINT64_MAX))) return rc;
    if ((rc = od_cl_read_u64(ctx, fp, KM_NAME, &nl, k))) return rc;
    if (k == 0 || d == 0 || k * d > (1u << 28))
        return od_error(ctx, OD_EFORMAT, "kmeans model file is corrupt (k=%llu, d=%llu)",
                        (unsigned long long)k, (unsigned long long)d);
    km_state *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    int32_t iv[4];
    double dv[3];
    s->k = k;
    s->d = d;
    s->n_train = nt;
    s->nlarge = nl;
    if ((rc = od_cl_read(ctx, fp, KM_NAME, iv, sizeof iv[0], 4))) goto fail;
    if ((rc = od_cl_read(ctx, fp, KM_NAME, dv, sizeof dv[0], 3))) goto fail;
    s->scoring = iv[0] == KM_SCORE_CBLOF ? KM_SCORE_CBLOF : KM_SCORE_DISTANCE;
    s->n_iter = iv[1];
    s->converged = iv[2];
    s->n_init = iv[3];
    s->init = p ? od_params_choice(p, "init") : 0;
    if (s->init < 0 || s->init >= KM_NINIT) s->init = 0;
    s->algo = p ? od_params_choice(p, "algorithm") : 0;
    if (s->algo < 0 || s->algo >= KM_NALGO) s->algo = 0;
    s->alpha = dv[0];
    s->beta = dv[1];
    s->inertia = dv[2];
    if ((rc = od_cl_read_doubles(ctx, fp, KM_NAME, &s->C, k * d))) goto fail;
    if ((rc = od_cl_read_doubles(ctx, fp, KM_NAME, &s->size, k))) goto fail;
    if (!(s->large = od_malloc(ctx, k))) {
        rc = OD_ENOMEM;
        goto fail;
    }
    if ((rc = od_cl_read(ctx, fp, KM_NAME, s->large, 1, k))) goto fail;
    *state = s;
    return OD_OK;
fail:
    km_free(s);
    return rc;
}

/* explain: per-feature terms (x_j - c_j)^2 of the squared distance to the
 * centre the score measures (the nearest one; for score=cblof rows of small
 * clusters, the nearest large one). */
static int km_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    const km_state *s = state;
    int rc = od_cl_check_score(ctx, KM_NAME, data, s->d);
    if (rc) return rc;
    const double *x = data->X + row * data->ld;
    size_t d = s->d, c0 = 0;
    double b = INFINITY;
    for (size_t c = 0; c < s->k; c++) {
        double v = od_cl_sqdist(x, s->C + c * d, d);
        if (v < b) { b = v; c0 = c; }
    }
    int small = s->scoring == KM_SCORE_CBLOF && s->nlarge < s->k && !s->large[c0];
    if (small) {
        b = INFINITY;
        for (size_t c = 0; c < s->k; c++)
            if (s->large[c]) {
                double v = od_cl_sqdist(x, s->C + c * d, d);
                if (v < b) { b = v; c0 = c; }
            }
    }
    if ((rc = od_explain_alloc_contrib(ctx, ex, d))) return rc;
    for (size_t j = 0; j < d; j++) ex->contrib[j] = (x[j] - s->C[c0 * d + j]) * (x[j] - s->C[c0 * d + j]);
    ex->exact = 1;
    ex->cluster = (long)c0;
    snprintf(ex->method, sizeof ex->method, "k-means: per-feature share of the squared distance to the nearest %scentre (cluster %zu)",
             small ? "large " : "", c0);
    return OD_OK;
}

const od_detector_type od_detector_kmeans = {
    .name = KM_NAME,
    .family = "cluster",
    .summary = "k-means clustering: distance to the nearest centroid (or CBLOF)",
    .help =
        "Lloyd's k-means with k-means++ seeding (scikit-learn's greedy variant with\n"
        "2+ln(k) local trials).  Given the same initial centroids it follows scikit-learn's\n"
        "KMeans(algorithm='lloyd') step for step: stop when no label changes or when the\n"
        "summed squared centre shift <= tol x mean feature variance; empty clusters take\n"
        "the rows farthest from their centres.\n"
        "algorithm=hamerly runs the same Lloyd steps with Hamerly's (2010) bounds:\n"
        "one upper bound per row to its centre, one lower bound to the others, moved by\n"
        "the centre shifts; a row is recomputed only when the bounds cannot decide.  Labels,\n"
        "centres, inertia and iterations are those of algorithm=lloyd (auto), bit for bit;\n"
        "it is slower at small k and d (the kernel is bound by memory traffic there).\n"
        "\n"
        "score=cblof (the default): as PyOD's CBLOF (unweighted): clusters are sorted by\n"
        "  size; the first split where the large ones hold >= alpha of the rows and/or the\n"
        "  size ratio across the split is >= beta separates large from small clusters.  A\n"
        "  row whose nearest centroid is large scores its distance to it; a row nearest to\n"
        "  a small cluster scores its distance to the nearest large centroid.  When no split\n"
        "  exists every cluster is large and the score is the distance (describe says so).\n"
        "  On the 17 ODDS sets\n"
        "  (docs/odds-bench.md) it ranks best of 18 detector columns (mean ROC-AUC 0.816).\n"
        "score=distance: Euclidean distance from the row to the nearest centroid (0.778).\n"
        "init=first starts from the first k rows (reproducible without a seed).\n"
        "n_init=auto runs once for k-means++ and 10 times for random seeding (scikit-learn\n"
        "1.2's default is 10 runs; 1.4 made 'auto' the default).  Features on different\n"
        "scales dominate the distance: `scale zscore` first.\n"
        "\n"
        "Example:  detect kmeans k=8 as km\n"
        "          detect kmeans k=12 score=distance as kd",
    .params = km_params,
    .nparams = sizeof km_params / sizeof km_params[0],
    .seq = 0,
    .fit = km_fit,
    .score = km_score,
    .describe = km_describe,
    .save = km_save,
    .load = km_load,
    .free = km_free,
    .explain = km_explain,
    .stats = km_stats,
};
