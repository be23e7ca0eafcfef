/* evsort.c - LSD radix sort of 64-bit keys and quickselect of doubles. */
#include "config.h"
#include "evsort.h"

#include <stdlib.h>

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

static inline void swapd(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

double od_eval_select(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        if (hi - lo < 16) { /* insertion sort the short range */
            for (size_t i = lo + 1; i <= hi; i++) {
                double v = a[i];
                size_t j = i;
                while (j > lo && a[j - 1] > v) {
                    a[j] = a[j - 1];
                    j--;
                }
                a[j] = v;
            }
            break;
        }
        /* median of three pivot, then a three-way partition so that runs of
         * equal values (heavy ties) cost linear time */
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swapd(&a[mid], &a[lo]);
        if (a[hi] < a[lo]) swapd(&a[hi], &a[lo]);
        if (a[hi] < a[mid]) swapd(&a[hi], &a[mid]);
        double piv = a[mid];
        size_t lt = lo, i = lo, gt = hi;
        while (i <= gt) {
            if (a[i] < piv) {
                swapd(&a[i], &a[lt]);
                lt++;
                i++;
            } else if (a[i] > piv) {
                swapd(&a[i], &a[gt]);
                if (gt == 0) break;
                gt--;
            } else {
                i++;
            }
        }
        /* now a[lo..lt) < piv, a[lt..gt] == piv, a(gt..hi] > piv */
        if (k < lt) hi = lt - 1;
        else if (k > gt) lo = gt + 1;
        else return a[k];
    }
    return a[k];
}

double od_eval_min(const double *a, size_t n)
{
    double m = a[0];
    for (size_t i = 1; i < n; i++)
        if (a[i] < m) m = a[i];
    return m;
}
