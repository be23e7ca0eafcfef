/* num.h - numeric helpers shared by every engine module.
 *
 * One comparator for qsort on doubles and one linear quantile, numpy's
 * default method ("linear", Hyndman & Fan type 7) with numpy's _lerp, so a
 * quantile here equals np.quantile(x, p) to the last bit:
 *
 *     v = (n - 1) * p;  lo = floor(v);  g = v - lo
 *     q = _lerp(x[lo], x[lo + 1], g)         (x sorted ascending)
 *     _lerp(a, b, t) = a + (b - a) * t       when t <  0.5
 *                    = b - (b - a) * (1 - t) when t >= 0.5
 *
 * with q = max(x) when v >= n - 1 and q = min(x) when v < 0.  When v is a whole
 * number (g = 0) the order statistic x[lo] itself is returned: numpy computes
 * x[lo] + (x[lo+1] - x[lo]) * 0, the same number except when x[lo+1] is
 * infinite (numpy: NaN from inf * 0, numpy issue #12282) or for the sign of a
 * zero.  The selection versions give the same numbers without a full sort. */
#ifndef OD_CORE_NUM_H
#define OD_CORE_NUM_H

#include <math.h>
#include <stddef.h>

/* The largest magnitude a data value may have (issue 13, "numbers at the
 * edges").  The one rule: every value the engine computes with is either
 * missing (NaN) or finite with |x| <= OD_VALUE_MAX.  The readers refuse any
 * other number (inf, -inf, an overflow like 1e400, or 1e155) at load with
 * file:line:col; the run layer refuses a data matrix that breaks it (a
 * transform such as pca whiten= or scale robust can make large values).
 * 1e100 leaves room for what the algorithms do with values: squared
 * differences (<= 4e200) summed over any realistic number of rows and
 * columns, products in covariances, exp/log of their ratios, all stay finite,
 * so no command needs its own overflow check. */
#define OD_VALUE_MAX 1e100

/* 1 if x is a value the engine accepts in data: finite with |x| <= OD_VALUE_MAX. */
static inline int od_value_ok(double x) { return x >= -OD_VALUE_MAX && x <= OD_VALUE_MAX; }

/* The error text that says why a number is refused (for the readers' messages):
 * "not finite" or "beyond +-1e100". */
static inline const char *od_value_why(double x)
{
    return isfinite(x) ? "is beyond +-1e100" : "is not a finite number";
}

/* qsort comparator for doubles: ascending, NaN after every number (NaNs equal
 * to each other), -0.0 and +0.0 equal.  A total order, so qsort is well defined
 * on any input. */
int od_cmp_double(const void *a, const void *b);

/* numpy's _lerp (see above). */
double od_lerp(double a, double b, double t);

/* Linear quantile p in [0, 1] of sorted[0..n) (ascending, no NaN, n >= 1). */
double od_quantile_sorted(const double *sorted, size_t n, double p);

/* The same quantile of a[0..n) (no NaN, n >= 1) by selection, expected linear
 * time; reorders a (pass a scratch copy). */
double od_quantile_select(double *a, size_t n, double p);

/* Quantiles p[0..np) of a[0..n) into q[0..np) by selection; reorders a.  Any
 * order of p works; ascending p reuses the previous partition and is fastest. */
void od_quantiles_select(double *a, size_t n, const double *p, size_t np, double *q);

/* The k-th smallest (0-based, k < n) of a[0..n) (no NaN); reorders a so that
 * a[k] holds it, a[0..k) <= a[k] <= a(k..n). */
double od_select(double *a, size_t n, size_t k);

/* Smallest / largest of a[0..n), n >= 1 (first one met among equals). */
double od_min(const double *a, size_t n);
double od_max(const double *a, size_t n);

#endif
