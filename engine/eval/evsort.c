/* evsort.c - LSD radix sort of 64-bit keys and quickselect of doubles. */
#include "config.h"
#include "evsort.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#ifdef _OPENMP
#include <omp.h>
#endif

void *od_eval_big_alloc(od_ctx *ctx, size_t n, size_t size)
{
    void *p = ctx ? od_mallocn(ctx, n, size) : (size && n > SIZE_MAX / size ? NULL : malloc(n * size));
#ifdef MADV_HUGEPAGE
    size_t bytes = n * size;
    if (p && bytes >= ((size_t)4 << 20)) {
        const uintptr_t huge = (uintptr_t)2 << 20;
        uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
        uintptr_t hi = ((uintptr_t)p + bytes) & ~(huge - 1);
        if (hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* advice only: errors ignored */
    }
#endif
    return p;
}

#define DIGIT_BITS 11
#define NBUCKET (1u << DIGIT_BITS)
#define NPASS 6 /* ceil(64 / 11) */

/* One read pass for all six histograms; returns which passes are needed. */
static void histograms(const uint64_t *a, size_t n, size_t (*h)[NBUCKET])
{
    memset(h, 0, sizeof(size_t) * NPASS * NBUCKET);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = a[i];
        h[0][k & (NBUCKET - 1)]++;
        h[1][(k >> 11) & (NBUCKET - 1)]++;
        h[2][(k >> 22) & (NBUCKET - 1)]++;
        h[3][(k >> 33) & (NBUCKET - 1)]++;
        h[4][(k >> 44) & (NBUCKET - 1)]++;
        h[5][(k >> 55) & (NBUCKET - 1)]++;
    }
}

/* Turn counts into start offsets; returns 0 when one bucket holds all keys
 * (the pass would not move anything). */
static int offsets(size_t *h, size_t n)
{
    size_t sum = 0;
    int useful = 1;
    for (unsigned b = 0; b < NBUCKET; b++) {
        size_t c = h[b];
        if (c == n) useful = 0;
        h[b] = sum;
        sum += c;
    }
    return useful;
}

void od_eval_radix_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
    if (n < 2) return;
    if (n <= 64) { /* insertion sort: small inputs dominate the tests */
        for (size_t i = 1; i < n; i++) {
            uint64_t v = a[i];
            size_t j = i;
            while (j > 0 && a[j - 1] > v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        return;
    }
    size_t (*h)[NBUCKET] = malloc(sizeof(size_t) * NPASS * NBUCKET);
    size_t hs[1][NBUCKET];
    uint64_t *src = a, *dst = tmp;
    if (h) {
        histograms(a, n, h);
    }
    for (int p = 0; p < NPASS; p++) {
        unsigned shift = (unsigned)(p * DIGIT_BITS);
        size_t *off;
        if (h) {
            off = h[p];
        } else { /* no memory for the six tables: count this digit alone */
            memset(hs, 0, sizeof hs);
            for (size_t i = 0; i < n; i++) hs[0][(src[i] >> shift) & (NBUCKET - 1)]++;
            off = hs[0];
        }
        if (!offsets(off, n)) continue;
        for (size_t i = 0; i < n; i++) {
            uint64_t k = src[i];
            dst[off[(k >> shift) & (NBUCKET - 1)]++] = k;
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
    free(h);
}

static void insertion_u64(uint64_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* In-place MSD ("American flag") radix sort.  A bucket's keys agree on every
 * bit from `hi` up; the next digit is the `w` bits below hi, with w chosen
 * from the bucket size (about 2 keys per bucket, at most 11 bits).  Only
 * buckets of more than 32 keys are sorted recursively; one insertion pass
 * over the whole range then finishes the small buckets (the keys are already
 * grouped by digit, so each key moves within its bucket only). */
static void msd_sort(uint64_t *a, size_t n, unsigned hi)
{
    while (n > 32 && hi > 0) {
        unsigned w = 4;
        while (w < DIGIT_BITS && ((size_t)2 << w) < n) w++;
        if (w > hi) w = hi;
        unsigned shift = hi - w;
        size_t nb = (size_t)1 << w;
        uint64_t mask = nb - 1;
        size_t cnt[NBUCKET], head[NBUCKET], tail[NBUCKET];
        memset(cnt, 0, nb * sizeof *cnt);
        for (size_t i = 0; i < n; i++) cnt[(a[i] >> shift) & mask]++;
        size_t sum = 0, full = nb;
        for (size_t b = 0; b < nb; b++) {
            if (cnt[b] == n) full = b;
            head[b] = sum;
            sum += cnt[b];
            tail[b] = sum;
        }
        if (full < nb) { /* every key has the same digit: go one digit down */
            hi = shift;
            continue;
        }
        for (size_t b = 0; b < nb; b++) {
            while (head[b] < tail[b]) {
                uint64_t v = a[head[b]];
                size_t d = (v >> shift) & mask;
                while (d != b) { /* follow the cycle until a key for bucket b turns up */
                    uint64_t t = a[head[d]];
                    a[head[d]++] = v;
                    v = t;
                    d = (v >> shift) & mask;
                }
                a[head[b]++] = v;
            }
        }
        if (shift > 0) {
            size_t off = 0;
            for (size_t b = 0; b < nb; b++) {
                if (cnt[b] > 32) msd_sort(a + off, cnt[b], shift);
                off += cnt[b];
            }
        }
        break;
    }
    insertion_u64(a, n);
}

#define SMALL_BUCKET 32768 /* sorted in place (in cache) below this many keys */

/* Sort a big bucket whose keys agree on the bits from `hi` up.  The keys are
 * in a (in_a) or at the same offsets in t; the result must end in a.  One
 * streaming scatter by the next 11-bit digit into the other buffer, then each
 * sub-bucket is finished in place (small) or recursively (big). */
static void sort_big(uint64_t *a, uint64_t *t, size_t n, unsigned hi, int in_a)
{
    uint64_t *src = in_a ? a : t, *dst = in_a ? t : a;
    size_t cnt[NBUCKET], pos[NBUCKET];
    unsigned w, shift;
    for (;;) {
        w = hi < DIGIT_BITS ? hi : DIGIT_BITS;
        shift = hi - w;
        size_t nb = (size_t)1 << w, mask = nb - 1, full = 0;
        memset(cnt, 0, nb * sizeof *cnt);
        for (size_t i = 0; i < n; i++) cnt[(src[i] >> shift) & mask]++;
        for (size_t b = 0; b < nb; b++) full |= cnt[b] == n;
        if (!full || shift == 0) break;
        hi = shift; /* every key has the same digit: go one digit down */
    }
    size_t nb = (size_t)1 << w, mask = nb - 1, o = 0;
    for (size_t b = 0; b < nb; b++) {
        pos[b] = o;
        o += cnt[b];
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k = src[i];
        dst[pos[(k >> shift) & mask]++] = k;
    }
    int dst_is_a = !in_a;
    o = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t c = cnt[b];
        if (c > SMALL_BUCKET && shift > 0) {
            sort_big(a + o, t + o, c, shift, dst_is_a);
        } else {
            if (c > 1) msd_sort(dst + o, c, shift);
            if (!dst_is_a) memcpy(a + o, t + o, c * sizeof *a);
        }
        o += c;
    }
}

/* sort_big for a bucket holding most of the keys, with nt threads: the
 * count and the scatter by the next useful digit over blocks of keys in
 * parallel (per-thread histograms), then the sub-buckets in parallel.  The
 * keys are in a and end in a; t has room for n.  -1 (nothing done) when
 * short of memory. */
static int sort_big_par(uint64_t *a, uint64_t *t, size_t n, unsigned hi, int nt)
{
    size_t *h = calloc((size_t)nt * NBUCKET, sizeof *h);
    size_t cnt[NBUCKET], sub[NBUCKET];
    if (!h) return -1;
    unsigned shift = 0, w = 0;
    int used = 1, short_team = 0;
    for (;;) {   /* the digit: skip those every key shares */
        w = hi < DIGIT_BITS ? hi : DIGIT_BITS;
        shift = hi - w;
        size_t nb = (size_t)1 << w, mask = nb - 1;
        memset(h, 0, (size_t)nt * NBUCKET * sizeof *h);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
        {
            int id = 0, T = 1;
#ifdef _OPENMP
            id = omp_get_thread_num();
            T = omp_get_num_threads();
#endif
            if (id == 0) used = T;
            size_t lo = n * (size_t)id / (size_t)T, up = n * (size_t)(id + 1) / (size_t)T, *hh = h + (size_t)id * NBUCKET;
            for (size_t i = lo; i < up; i++) hh[(a[i] >> shift) & mask]++;
        }
        int full = 0;
        for (size_t b = 0; b < nb; b++) {
            size_t c = 0;
            for (int u = 0; u < used; u++) c += h[(size_t)u * NBUCKET + b];
            cnt[b] = c;
            full |= c == n;
        }
        if (!full || shift == 0) break;
        hi = shift;
    }
    size_t nb = (size_t)1 << w, mask = nb - 1, o = 0;
    for (size_t b = 0; b < nb; b++) {   /* thread u's part of bucket b starts at h[u][b] */
        sub[b] = o;
        for (int u = 0; u < used; u++) {
            size_t *hb = h + (size_t)u * NBUCKET + b, c = *hb;
            *hb = o;
            o += c;
        }
    }
#ifdef _OPENMP
#pragma omp parallel num_threads(used)
#endif
    {
        int id = 0, T = 1;
#ifdef _OPENMP
        id = omp_get_thread_num();
        T = omp_get_num_threads();
#endif
        if (T != used) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            short_team = 1;
        } else {
            size_t lo = n * (size_t)id / (size_t)T, up = n * (size_t)(id + 1) / (size_t)T, *hh = h + (size_t)id * NBUCKET;
            for (size_t i = lo; i < up; i++) {
                uint64_t k = a[i];
                t[hh[(k >> shift) & mask]++] = k;
            }
        }
    }
    free(h);
    if (short_team) return -1;   /* a is untouched: the caller sorts it alone */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(used)
#endif
    for (size_t b = 0; b < nb; b++) {
        size_t c = cnt[b], off = sub[b];
        if (c > SMALL_BUCKET && shift > 0) {
            sort_big(a + off, t + off, c, shift, 0);
        } else {
            if (c > 1) msd_sort(t + off, c, shift);
            memcpy(a + off, t + off, c * sizeof *a);
        }
    }
    return 0;
}

void od_eval_sort_buckets_at(uint64_t *a, const size_t *cnt, size_t nb, unsigned hi, int threads)
{
    size_t off[NBUCKET], o = 0, big = 0, maxc = 0;
    for (size_t b = 0; b < nb; b++) {
        off[b] = o;
        o += cnt[b];
        if (cnt[b] > 1) big++;
        if (cnt[b] > maxc) maxc = cnt[b];
    }
    if (o < 2 || hi == 0) return;
    size_t done = nb;   /* a bucket sorted by sort_big_par */
    if (threads > 1 && o >= ((size_t)1 << 18) && maxc > o / 2 && maxc > SMALL_BUCKET) {
        /* one bucket holds most keys (scores within a few powers of two, by
         * the top digit): its threads share it */
        size_t b = 0;
        while (cnt[b] != maxc) b++;
        uint64_t *t = od_eval_big_alloc(NULL, maxc, sizeof *t);
        if (t && !sort_big_par(a + off[b], t, maxc, hi, threads)) {
            done = b;
            big--;
            maxc = 0;   /* the scratch below: for the other buckets */
            for (size_t c = 0; c < nb; c++)
                if (c != done && cnt[c] > maxc) maxc = cnt[c];
        }
        free(t);
    }
    int nt = threads > 1 && o >= ((size_t)1 << 18) && big > 1 ? threads : 1;
    /* the buckets are disjoint ranges, so the result does not depend on the
     * schedule; dynamic scheduling only balances the uneven bucket sizes */
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
        /* scratch for the scatter passes: as big as the largest bucket (NULL
         * when short of memory: then everything is sorted in place) */
        uint64_t *t = maxc > SMALL_BUCKET ? od_eval_big_alloc(NULL, maxc, sizeof *t) : NULL;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (size_t b = 0; b < nb; b++) {
            if (cnt[b] < 2 || b == done) continue;
            if (cnt[b] > SMALL_BUCKET && t) sort_big(a + off[b], t, cnt[b], hi, 1);
            else msd_sort(a + off[b], cnt[b], hi);
        }
        free(t);
    }
    (void)nt;
}

void od_eval_sort_buckets(uint64_t *a, const size_t *cnt, int threads)
{
    od_eval_sort_buckets_at(a, cnt, NBUCKET, 53, threads);
}

void od_eval_radix_sort_inplace(uint64_t *a, size_t n, int threads)
{
    size_t cnt[NBUCKET];
    memset(cnt, 0, sizeof cnt);
    for (size_t i = 0; i < n; i++) cnt[od_eval_key_top(a[i])]++;
    size_t head[NBUCKET], tail[NBUCKET], sum = 0;
    for (size_t b = 0; b < NBUCKET; b++) {
        head[b] = sum;
        sum += cnt[b];
        tail[b] = sum;
    }
    for (size_t b = 0; b < NBUCKET; b++) {
        while (head[b] < tail[b]) {
            uint64_t v = a[head[b]];
            size_t d = od_eval_key_top(v);
            while (d != b) {
                uint64_t t = a[head[d]];
                a[head[d]++] = v;
                v = t;
                d = od_eval_key_top(v);
            }
            a[head[b]++] = v;
        }
    }
    od_eval_sort_buckets(a, cnt, threads);
}

void od_eval_radix_sort_idx(uint64_t *k, uint32_t *idx, uint64_t *tmpk, uint32_t *tmpi, size_t n)
{
    if (n < 2) return;
    size_t (*h)[NBUCKET] = malloc(sizeof(size_t) * NPASS * NBUCKET);
    size_t hs[1][NBUCKET];
    uint64_t *sk = k, *dk = tmpk;
    uint32_t *si = idx, *di = tmpi;
    if (h) histograms(k, n, h);
    for (int p = 0; p < NPASS; p++) {
        unsigned shift = (unsigned)(p * DIGIT_BITS);
        size_t *off;
        if (h) {
            off = h[p];
        } else {
            memset(hs, 0, sizeof hs);
            for (size_t i = 0; i < n; i++) hs[0][(sk[i] >> shift) & (NBUCKET - 1)]++;
            off = hs[0];
        }
        if (!offsets(off, n)) continue;
        for (size_t i = 0; i < n; i++) {
            uint64_t v = sk[i];
            size_t d = off[(v >> shift) & (NBUCKET - 1)]++;
            dk[d] = v;
            di[d] = si[i];
        }
        uint64_t *t = sk;
        sk = dk;
        dk = t;
        uint32_t *ti = si;
        si = di;
        di = ti;
    }
    if (sk != k) {
        memcpy(k, sk, n * sizeof *k);
        memcpy(idx, si, n * sizeof *idx);
    }
    free(h);
}

