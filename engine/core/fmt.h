/* fmt.h - fast number text for the writers (oddity score, export).
 *
 * od_fmt_double writes the shortest decimal text that strtod reads back as
 * exactly x (bit for bit; among the shortest, the nearest to x, ties to even
 * digit), laid out as printf's %g would: fixed point when the leading digit's
 * exponent X is in -4..16 ("0.25", "3", "12.5", "0.0001"), else scientific
 * ("1e-05", "1.2345e+20").  -0 is "-0", infinities "inf"/"-inf", NaN "nan"
 * (or "-nan"), as glibc's printf writes them.  Returns the length; buf needs
 * OD_FMT_DOUBLE_MAX bytes.  Several times faster than snprintf("%.17g"),
 * whose 17 digits also round-trip but are longer.
 *
 * od_fmt_size writes v in decimal ("%zu"); buf needs 21 bytes. */
#ifndef OD_CORE_FMT_H
#define OD_CORE_FMT_H

#include <stddef.h>

#define OD_FMT_DOUBLE_MAX 32

size_t od_fmt_double(double x, char *buf);
size_t od_fmt_size(size_t v, char *buf);

#endif
