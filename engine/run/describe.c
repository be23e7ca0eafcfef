/* describe.c - per-column statistics of a frame (see describe.h).
 *
 * One column at a time, columns in parallel (dynamically: static chunks gave
 * 10M x 9 on 2 threads 5 features to one thread, 3 and the label to the
 * other), in two streaming passes
 * over the column: (1) count, long-double sum, min, max and a histogram of
 * OD_DESC_BINS equal-width bins over the range of a fixed sample of the
 * column (values outside it go to the end bins); (2) the long-double sum of
 * squared deviations and a stable scatter of the values into their bins.
 * The bin of a value is monotone in the value, so every order statistic lies
 * in the bin where the cumulative count reaches its rank: the quartiles and
 * the median come from a three-way quickselect inside those few bins (the
 * exact order statistics, as a full sort gives them), and values in different
 * bins differ, so the distinct count is the sum of per-bin counts from a
 * small cache-resident hash set that is never cleared (bins in increasing
 * order: an entry not above the previous bin's largest value is stale).
 * Everything is O(n) expected per column; heavily skewed data (one bin
 * holding most values) stays correct, only slower, and the selection falls
 * back to a sort of the remaining range if its pivots keep going wrong.
 * Nothing depends on the thread count (the sums run in row order). */
#include "config.h"
#include "describe.h"
#include "../eval/evsort.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- order statistics by selection ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void swap_d(double *a, size_t i, size_t j)
{
    double t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static double median3(double x, double y, double z)
{
    if (x < y) return y < z ? y : (x < z ? z : x);
    return x < z ? x : (y < z ? z : y);
}

/* Rearrange a[lo..hi) so that a[r] is the r-th smallest value of the range for
 * every r in ranks[0..nr) (ascending, all inside [lo, hi)).  `budget` bounds
 * the partition rounds before the range is simply sorted. */
static void select_ranks(double *a, size_t lo, size_t hi, const size_t *ranks, size_t nr, int budget)
{
    while (nr && hi - lo > 1) {
        if (budget-- <= 0 || hi - lo <= 16) {
            qsort(a + lo, hi - lo, sizeof *a, cmp_double);
            return;
        }
        double p = median3(a[lo], a[lo + (hi - lo) / 2], a[hi - 1]);
        size_t lt = lo, i = lo, gt = hi;   /* [lo,lt) < p, [lt,i) == p, [gt,hi) > p */
        while (i < gt) {
            if (a[i] < p) swap_d(a, lt++, i++);
            else if (a[i] > p) swap_d(a, i, --gt);
            else i++;
        }
        size_t nl = 0, ng = nr;   /* ranks[0..nl) fall left of lt, ranks[ng..nr) at or right of gt */
        while (nl < nr && ranks[nl] < lt) nl++;
        while (ng > nl && ranks[ng - 1] >= gt) ng--;
        /* the ranks in [lt, gt) already hold p; recurse into the smaller side */
        if (nl && nr - ng) {
            if (lt - lo < hi - gt) {
                select_ranks(a, lo, lt, ranks, nl, budget);
                lo = gt; ranks += ng; nr -= ng;
            } else {
                select_ranks(a, gt, hi, ranks + ng, nr - ng, budget);
                hi = lt; nr = nl;
            }
        } else if (nl) {
            hi = lt; nr = nl;
        } else {
            lo = gt; ranks += ng; nr -= ng;
        }
    }
}

/* The linear quantile of the sorted order (numpy "linear", R type 7), written
 * exactly as GSL's gsl_stats_quantile_from_sorted_data so the numbers printed
 * by `describe` did not change when the full sort went away. */
static double quantile_at(const double *a, size_t n, double q)
{
    const double index = q * (double)(n - 1);
    const size_t lhs = (size_t)index;
    const double delta = index - (double)lhs;
    if (lhs == n - 1) return a[lhs];
    return (1 - delta) * a[lhs] + delta * a[lhs + 1];
}

/* The ranks the quartiles and the median need, ascending and once each. */
static size_t quartile_ranks(size_t n, size_t *want)
{
    size_t nw = 0;
    size_t l25 = (size_t)(0.25 * (double)(n - 1)), l75 = (size_t)(0.75 * (double)(n - 1));
    const size_t cand[6] = { l25, l25 + 1, (n - 1) / 2, n / 2, l75, l75 + 1 };
    for (int k = 0; k < 6; k++) {           /* insert in order, once, inside [0, n) */
        size_t r = cand[k], i = nw;
        if (r >= n) continue;
        while (i && want[i - 1] > r) i--;
        if (i && want[i - 1] == r) continue;
        memmove(want + i + 1, want + i, (nw - i) * sizeof *want);
        want[i] = r;
        nw++;
    }
    return nw;
}

/* Quartiles and median from an array where a[r] is the r-th smallest for the
 * ranks quartile_ranks gives. */
static void quartiles_from(const double *a, size_t n, od_col_stats *st)
{
    st->q25 = quantile_at(a, n, 0.25);
    st->q75 = quantile_at(a, n, 0.75);
    size_t lo = (n - 1) / 2, hi = n / 2;    /* gsl_stats_median_from_sorted_data */
    st->median = lo == hi ? a[lo] : (a[lo] + a[hi]) / 2.0;
}

static int selection_budget(size_t n)
{
    int budget = 8;
    for (size_t m = n; m > 1; m >>= 1) budget += 2;
    return budget;
}

/* ---- distinct values with an open-addressing hash set ---- */

/* Distinct values of a[0..n) (-0 == +0), all greater than every value of the
 * earlier calls (the bins are visited in increasing order).  The table is
 * never cleared: a slot holding an order key <= *floor is a value of an
 * earlier bin, so it counts as empty (keys are never 0: only a NaN has that
 * key).  cap (a power of two, at least 2n) slots of tab are used; *floor
 * becomes the largest key of this bin. */
static size_t count_distinct(const double *a, size_t n, uint64_t *tab, size_t cap, uint64_t *floor)
{
    size_t d = 0, shift = 64;
    for (size_t c = cap; c > 1; c >>= 1) shift--;
    const uint64_t fl = *floor;
    uint64_t top = fl;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = od_eval_key_asc(a[i]);
        top = key > top ? key : top;
        size_t h = (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> shift);   /* Fibonacci hashing */
        uint64_t t = tab[h];
        /* the first slot settles most keys (a new value or a repeat): one
         * well-predicted branch; a collision probes on */
        if (__builtin_expect((t <= fl) | (t == key), 1)) {
            d += t <= fl;
            tab[h] = key;
            continue;
        }
        while (tab[h] > fl && tab[h] != key) h = (h + 1) & (cap - 1);
        if (tab[h] <= fl) { tab[h] = key; d++; }
    }
    *floor = top;
    return d;
}

static size_t table_cap(size_t m)
{
    size_t cap = 16;
    while (cap < 2 * m) cap <<= 1;
    return cap;
}

/* Bins up to this many values share the never-cleared table (at most
 * table_cap(OD_DESC_SMALL) slots, cache-resident); a bigger bin (the label
 * column's zeros, skewed data) gets a table of its own that starts small and
 * doubles when half full, so its size follows the distinct values, not the
 * values (a 0/1 column used to clear a 256 MB table). */
#define OD_DESC_SMALL ((size_t)1 << 15)

static size_t insert_key(uint64_t *tab, size_t cap, unsigned shift, uint64_t key)
{
    size_t h = (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> shift);
    while (tab[h] && tab[h] != key) h = (h + 1) & (cap - 1);
    if (tab[h]) return 0;
    tab[h] = key;
    return 1;
}

/* Distinct values of a big bin; (size_t)-1 when out of memory.  A run of
 * equal values (a bin of one value) costs a comparison per value. */
static size_t count_distinct_big(const double *a, size_t n)
{
    size_t cap = (size_t)1 << 12, d = 0;
    unsigned shift = 64 - 12;
    uint64_t *tab = calloc(cap, sizeof *tab), prev = 0;
    if (!tab) return (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = od_eval_key_asc(a[i]);
        if (key == prev) continue;
        prev = key;
        d += insert_key(tab, cap, shift, key);
        if (2 * d > cap) {
            uint64_t *t2 = od_eval_big_alloc(NULL, 2 * cap, sizeof *t2);
            if (!t2) { free(tab); return (size_t)-1; }
            memset(t2, 0, 2 * cap * sizeof *t2);
            for (size_t j = 0; j < cap; j++)
                if (tab[j]) insert_key(t2, 2 * cap, shift - 1, tab[j]);
            free(tab);
            tab = t2;
            cap *= 2;
            shift--;
        }
    }
    free(tab);
    return d;
}

/* ---- one column ---- */

#define OD_DESC_BINS 4096
#define OD_DESC_SAMPLE 4096

/* The bin of x: (x - lo) * scale clamped to [0, OD_DESC_BINS), monotone in x
 * (a NaN product, +-inf times a zero scale, goes to bin 0, as every value
 * does then). */
static size_t bin_of(double x, double lo, double scale)
{
    double b = (x - lo) * scale;
    if (!(b > 0)) return 0;
    return b >= OD_DESC_BINS - 1 ? OD_DESC_BINS - 1 : (size_t)b;
}

static int range_scale(double mn, double mx, double *lo, double *scale)
{
    double s = OD_DESC_BINS / (mx - mn);
    *lo = mn;
    *scale = s < 1e300 ? s : 0;              /* a subnormal range: one bin, still exact */
    return 1;
}

/* The bin range [*lo, lo + OD_DESC_BINS / *scale): from the finite values of
 * a fixed sample of the column (every nrow/OD_DESC_SAMPLE-th row), so the
 * histogram can be made in the same pass as the sums; values outside it go
 * to the end bins (the bins stay monotone, only those two grow).  0 when the
 * sample says nothing (no two different finite values): then the caller
 * uses the exact min and max. */
static int sample_range(const double *v, size_t nrow, double *lo, double *scale)
{
    size_t step = nrow / OD_DESC_SAMPLE ? nrow / OD_DESC_SAMPLE : 1;
    double mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < nrow; i += step) {
        double x = v[i];
        if (!isfinite(x)) continue;
        mn = x < mn ? x : mn;
        mx = x > mx ? x : mx;
    }
    if (!(mn < mx)) return 0;
    return range_scale(mn, mx, lo, scale);
}

/* Fills st (name/col/type/role already set); -1 when out of memory.  a is
 * the calling thread's buffer of nrow doubles (reused column after column:
 * a fresh 80 MB block per column cost more in page faults than the
 * statistics, on virtual machines).
 *
 * Two streaming passes: (1) count, long-double sum, min, max and the
 * histogram (bins from a sample's range); (2) the long-double sum of squared
 * deviations from the mean and the stable scatter of the values into their
 * bins.  The sums run in row order, as they always did. */
static int column_stats(const od_column *col, size_t nrow, od_col_stats *st, double *a)
{
    st->n = st->missing = st->distinct = 0;
    st->numeric = 0;
    st->mean = st->sd = st->min = st->q25 = st->median = st->q75 = st->max = NAN;
    if (!col->num) {
        for (size_t i = 0; i < nrow; i++) st->missing += col->text[i] == NULL;
        st->n = nrow - st->missing;
        return 0;
    }
    const double *v = col->num;
    size_t *cnt = calloc(OD_DESC_BINS + 1, sizeof *cnt);
    if (!cnt) return -1;
    double lo = 0, scale = 0;
    int binned = sample_range(v, nrow, &lo, &scale);
    /* pass 1: count, sum, min, max (and the histogram when the bins are known);
     * two copies of the loop so the row loop does not test `binned` (gcc -O2
     * does not unswitch loops) */
    size_t m = 0;
    long double sum = 0;
    double mn = INFINITY, mx = -INFINITY;
    if (binned) {
        for (size_t i = 0; i < nrow; i++) {
            double x = v[i];
            if (isnan(x)) continue;
            m++;
            sum += x;
            mn = x < mn ? x : mn;
            mx = x > mx ? x : mx;
            cnt[bin_of(x, lo, scale) + 1]++;
        }
    } else {
        for (size_t i = 0; i < nrow; i++) {
            double x = v[i];
            if (isnan(x)) continue;
            m++;
            sum += x;
            mn = x < mn ? x : mn;
            mx = x > mx ? x : mx;
        }
    }
    st->n = m;
    st->missing = nrow - m;
    if (!m) { free(cnt); return 0; }
    st->numeric = 1;
    st->min = mn;
    st->max = mx;
    st->mean = (double)(sum / (long double)m);
    if (mn == mx) {                          /* one value (+0 and -0 are one) */
        st->sd = m < 2 ? NAN : 0;
        st->distinct = 1;
        st->q25 = st->median = st->q75 = mn;
        free(cnt);
        return 0;
    }
    if (!binned) {                           /* bins between the exact min and max */
        range_scale(mn, mx, &lo, &scale);
        for (size_t i = 0; i < nrow; i++)
            if (!isnan(v[i])) cnt[bin_of(v[i], lo, scale) + 1]++;
    }
    /* cnt[b] becomes the start of bin b */
    size_t big = 0;
    for (size_t b = 0; b < OD_DESC_BINS; b++) {
        if (cnt[b + 1] > big) big = cnt[b + 1];
        cnt[b + 1] += cnt[b];
    }
    size_t *pos = malloc(OD_DESC_BINS * sizeof *pos);
    size_t tcap = table_cap(big < OD_DESC_SMALL ? big : OD_DESC_SMALL);
    uint64_t *tab = pos ? calloc(tcap, sizeof *tab) : NULL;
    if (!tab) { free(cnt); free(pos); return -1; }
    memcpy(pos, cnt, OD_DESC_BINS * sizeof *pos);
    /* pass 2: squared deviations and the scatter by bin */
    long double ss = 0;
    const long double mean = sum / (long double)m;
    for (size_t i = 0; i < nrow; i++) {
        double x = v[i];
        if (isnan(x)) continue;
        long double t = x - mean;
        ss += t * t;
        a[pos[bin_of(x, lo, scale)]++] = x;
    }
    free(pos);
    st->sd = m < 2 ? NAN : sqrt((double)(ss / (long double)(m - 1)));
    /* values in different bins differ: the distinct count is a sum over bins */
    uint64_t floor_key = 0;
    size_t d = 0;
    for (size_t b = 0; b < OD_DESC_BINS; b++) {
        size_t start = cnt[b], len = cnt[b + 1] - start;
        if (len > OD_DESC_SMALL) {
            size_t db = count_distinct_big(a + start, len);
            if (db == (size_t)-1) { free(tab); free(cnt); return -1; }
            d += db;
        } else if (len) {
            d += count_distinct(a + start, len, tab, table_cap(len), &floor_key);
        }
    }
    st->distinct = d;
    free(tab);
    /* the order statistics: select each wanted rank inside its bin */
    size_t want[6], nw = quartile_ranks(m, want);
    for (size_t w = 0, b = 0; w < nw;) {
        while (cnt[b + 1] <= want[w]) b++;
        size_t k = w;
        while (k < nw && want[k] < cnt[b + 1]) k++;
        size_t blo = cnt[b], bhi = cnt[b + 1];
        select_ranks(a, blo, bhi, want + w, k - w, selection_budget(bhi - blo));
        w = k;
    }
    quartiles_from(a, m, st);
    free(cnt);
    return 0;
}

int od_frame_describe(od_ctx *ctx, const od_frame *f, const char *const *names, size_t nnames,
                      od_col_stats **out, size_t *nout, size_t *bad)
{
    *out = NULL;
    *nout = 0;
    unsigned char *sel = od_calloc(ctx, f->ncol ? f->ncol : 1, 1);
    if (!sel) return OD_ENOMEM;
    for (size_t i = 0; i < nnames; i++) {
        long j = od_frame_find(f, names[i]);
        if (j < 0) {
            free(sel);
            if (bad) *bad = i;
            return od_error(ctx, OD_ENOTFOUND, "no column named '%s'", names[i]);
        }
        sel[j] = 1;
    }
    size_t n = 0, chars = 0;
    for (size_t j = 0; j < f->ncol; j++)
        if (!nnames || sel[j]) { n++; chars += strlen(f->cols[j].name) + 1; }
    if (n > (SIZE_MAX - chars) / sizeof(od_col_stats)) { free(sel); return od_error(ctx, OD_ENOMEM, "out of memory"); }
    od_col_stats *st = od_malloc(ctx, n * sizeof *st + chars + 1);
    if (!st) { free(sel); return OD_ENOMEM; }
    char *p = (char *)(st + n);
    for (size_t j = 0, k = 0; j < f->ncol; j++) {
        if (nnames && !sel[j]) continue;
        size_t l = strlen(f->cols[j].name) + 1;
        memcpy(p, f->cols[j].name, l);
        st[k] = (od_col_stats){ .name = p, .col = j, .type = f->cols[j].type, .role = f->cols[j].role };
        p += l;
        k++;
    }
    free(sel);
    int nt = od_ctx_threads(ctx), oom = 0;
    if (nt < 1) nt = 1;
    #pragma omp parallel num_threads(nt)
    {
        double *a = od_eval_big_alloc(NULL, f->nrow ? f->nrow : 1, sizeof *a);
        if (!a) {
            #pragma omp atomic write
            oom = 1;
        }
        #pragma omp for schedule(dynamic, 1)
        for (size_t k = 0; k < n; k++)
            if (a && column_stats(&f->cols[st[k].col], f->nrow, &st[k], a)) {
                #pragma omp atomic write
                oom = 1;
            }
        free(a);
    }
    if (oom) { free(st); return od_error(ctx, OD_ENOMEM, "describe: out of memory"); }
    *out = st;
    *nout = n;
    return OD_OK;
}
