/* timeparse.h - ISO 8601 timestamps <-> seconds since the Unix epoch (UTC).
 *
 * Accepted (the whole text must match; no surrounding spaces):
 *   YYYY-MM-DD
 *   YYYY-MM-DD[T ]HH:MM
 *   YYYY-MM-DD[T ]HH:MM:SS[.fraction]
 * each time form optionally followed by 'Z' or a UTC offset +HH:MM, +HHMM, +HH
 * (or '-').  No zone means UTC.  Fields are range-checked (month 1-12, the day
 * exists in that month, hour 0-23, minute 0-59, second 0-59). */
#ifndef OD_TIMEPARSE_H
#define OD_TIMEPARSE_H

#include <stddef.h>

/* Parses s[0..len) into *t (seconds since 1970-01-01 00:00:00 UTC, with the
 * fraction).  Returns 0 on success, -1 if the text is not such a timestamp
 * (then *t is untouched).  Pure: no allocation, no context, thread-safe. */
int od_time_parse(const char *s, size_t len, double *t);

/* Writes t as "YYYY-MM-DD HH:MM:SS" (UTC), followed by ".ffffff" with trailing
 * zeros removed when t has a fraction of a second (rounded to microseconds).
 * Writes "" for NaN/inf.  Returns the length written (as snprintf; buf holds at
 * least 32 bytes to be safe). */
int od_time_format(double t, char *buf, size_t n);

#endif
