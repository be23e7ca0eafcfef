/* iforest.h - Isolation Forest internals exposed for the unit tests. */
#ifndef OD_IFOREST_H
#define OD_IFOREST_H

#include <stddef.h>

/* scikit-learn's _average_path_length c(n): the mean path length of an
 * unsuccessful search in a binary search tree of n points:
 * 0 for n <= 1, 1 for n = 2, else 2 (ln(n-1) + Euler's gamma) - 2 (n-1)/n. */
double od_iforest_c(double n);

#endif
