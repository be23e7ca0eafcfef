/* evsort.h - sorting helpers shared by the eval module (internal).
 *
 * Doubles are sorted through a 64-bit key whose unsigned order is the
 * numerical order of the doubles (NaN excluded by the callers; -0.0 and +0.0
 * map to the same key), with an LSD radix sort: 11-bit digits, 6 passes at
 * most, passes in which every key has the same digit are skipped.  Linear
 * time, which is what makes the 10M-score curves fast. */
#ifndef OD_EVAL_EVSORT_H
#define OD_EVAL_EVSORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../core/ctx.h"

/* Ascending-order key of x (x not NaN), branch-free: negative numbers have
 * all bits flipped, the others only the sign bit; -0.0 becomes +0.0. */
static inline uint64_t od_eval_key_asc(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    u &= (uint64_t)0 - (uint64_t)(x != 0);          /* -0.0 -> +0.0 */
    uint64_t neg = (uint64_t)0 - (u >> 63);          /* all ones when negative */
    return u ^ (neg | UINT64_C(0x8000000000000000));
}

/* Descending-order key: ascending unsigned order = descending score order. */
static inline uint64_t od_eval_key_desc(double x)
{
    return ~od_eval_key_asc(x);
}

static inline double od_eval_key_asc_value(uint64_t k)
{
    uint64_t flip = (k >> 63) - 1; /* 0 when the top bit is set, all ones otherwise */
    uint64_t u = k ^ (flip | UINT64_C(0x8000000000000000));
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static inline double od_eval_key_desc_value(uint64_t k)
{
    return od_eval_key_asc_value(~k);
}

/* Sort a[0..n) ascending; tmp has room for n keys.  The result is in a. */
void od_eval_radix_sort(uint64_t *a, uint64_t *tmp, size_t n);

/* Sort a[0..n) ascending in place (MSD "American flag" radix sort, 11-bit
 * digits, insertion sort below 48 keys): no scratch memory, which matters more
 * than the passes when fresh pages are expensive.  With threads > 1 the
 * buckets of the first digit are sorted in parallel (same result). */
void od_eval_radix_sort_inplace(uint64_t *a, size_t n, int threads);

/* Top digit of a key for od_eval_sort_buckets (2048 buckets). */
static inline size_t od_eval_key_top(uint64_t k)
{
    return (size_t)(k >> 53);
}

/* Finish sorting a[] that is already grouped by top digit: bucket b holds
 * cnt[b] keys, buckets in increasing order (callers scatter the keys into
 * their buckets while computing them, so the first pass costs nothing). */
void od_eval_sort_buckets(uint64_t *a, const size_t *cnt, int threads);

/* The same for nb <= 2048 buckets whose keys agree on every bit from bit
 * `hi` up (od_eval_sort_buckets is hi = 53, nb = 2048): callers that know
 * the range of their keys bucket them by the bits just below the prefix all
 * keys share (scores spanning a few powers of two share their top 9 or 10
 * bits, so the top 11 would put nearly every key in one bucket). */
void od_eval_sort_buckets_at(uint64_t *a, const size_t *cnt, size_t nb, unsigned hi, int threads);

/* Sort keys ascending carrying a payload idx (stable); tmpk/tmpi have room for
 * n entries.  The result is in k/idx. */
void od_eval_radix_sort_idx(uint64_t *k, uint32_t *idx, uint64_t *tmpk, uint32_t *tmpi, size_t n);

/* malloc for big arrays (n*size bytes, overflow-checked): regions of 4 MB
 * and more are advised to use transparent huge pages before first touch (as
 * numpy does), which divides the page-fault cost of fresh memory by up to
 * 512.  Free with free().  Sets OD_ENOMEM in ctx (when ctx != NULL) on failure. */
void *od_eval_big_alloc(od_ctx *ctx, size_t n, size_t size);

#endif
