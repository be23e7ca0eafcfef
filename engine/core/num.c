/* num.c - the shared comparator, selection and linear quantile (num.h). */
#include "config.h"
#include "num.h"

#include <math.h>
#include <stdlib.h>

int od_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    int nx = isnan(x) != 0, ny = isnan(y) != 0;
    if (nx || ny) return nx - ny;
    return (x > y) - (x < y);
}

double od_lerp(double a, double b, double t)
{
    double d = b - a;
    return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

double od_min(const double *a, size_t n)
{
    double m = a[0];
    for (size_t i = 1; i < n; i++)
        if (a[i] < m) m = a[i];
    return m;
}

double od_max(const double *a, size_t n)
{
    double m = a[0];
    for (size_t i = 1; i < n; i++)
        if (a[i] > m) m = a[i];
    return m;
}

double od_quantile_sorted(const double *sorted, size_t n, double p)
{
    double v = (double)(n - 1) * p;
    if (v >= (double)(n - 1)) return sorted[n - 1];
    if (!(v >= 0)) return sorted[0];
    double fl = floor(v);
    size_t lo = (size_t)fl;
    if (v == fl) return sorted[lo]; /* an order statistic: no inf * 0 from the next one */
    return od_lerp(sorted[lo], sorted[lo + 1], v - fl);
}

static inline void swapd(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/* k-th smallest of the whole array into a[k], working on a[lo..hi] only: the
 * caller guarantees a[lo..hi] holds exactly the order statistics lo..hi.
 * Median-of-three pivot and a three-way partition, so runs of equal values
 * (heavy ties) cost linear time; insertion sort below 16 values; a qsort after
 * 64 rounds bounds the worst case. */
static double select_range(double *a, size_t lo, size_t hi, size_t k)
{
    int rounds = 0;
    while (hi > lo) {
        if (hi - lo < 16) {
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
        if (++rounds > 64) {
            qsort(a + lo, hi - lo + 1, sizeof *a, od_cmp_double);
            break;
        }
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

double od_select(double *a, size_t n, size_t k)
{
    return select_range(a, 0, n - 1, k);
}

void od_quantiles_select(double *a, size_t n, const double *p, size_t np, double *q)
{
    size_t from = 0; /* a[from..n) holds the order statistics from..n-1 */
    for (size_t m = 0; m < np; m++) {
        double v = (double)(n - 1) * p[m];
        if (v >= (double)(n - 1)) {
            q[m] = od_max(a + from, n - from);
            continue;
        }
        if (!(v >= 0)) {
            q[m] = od_min(a, n);
            continue;
        }
        double fl = floor(v);
        size_t lo = (size_t)fl;
        if (lo < from) from = 0;
        double x0 = select_range(a, from, n - 1, lo);
        from = lo;
        if (v == fl) {
            q[m] = x0;
            continue;
        }
        double x1 = od_min(a + lo + 1, n - lo - 1); /* the next order statistic */
        q[m] = od_lerp(x0, x1, v - fl);
    }
}

double od_quantile_select(double *a, size_t n, double p)
{
    double q;
    od_quantiles_select(a, n, &p, 1, &q);
    return q;
}
