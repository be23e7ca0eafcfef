/* readerr.h - what the CSV and ARFF readers share for their error messages
 * (internal to engine/data). */
#ifndef OD_READERR_H
#define OD_READERR_H

#include <stdarg.h>
#include <stddef.h>
#include "../core/ctx.h"

/* Set "NAME:LINE:COL: message" (or "NAME: message" when line is 0) in ctx
 * and return code. */
int od_read_verror(od_ctx *ctx, const char *name, size_t line, size_t col, int code, const char *fmt, va_list ap);

/* "NAME: out of memory allocating SIZE" (the size when od_malloc and
 * friends set it); returns OD_ENOMEM. */
int od_read_oom(od_ctx *ctx, const char *name);

/* Printable excerpt of s[0..n) for messages: at most 40 bytes (control
 * characters as '?'), then "...".  out needs 44 bytes; returns out. */
const char *od_read_excerpt(const char *s, size_t n, char *out);

#endif
