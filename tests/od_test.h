/* od_test.h - tiny TAP test helpers shared by every unit test program.
 *
 *   od_test_int(got, want, "what %d", i);
 *   od_test_rel(got, want, 1e-12, "what");   relative tolerance (abs near 0)
 *   od_test_abs(got, want, 1e-9, "what");
 *   od_test_true(cond, "what");
 *   od_test_str(got, want, "what");
 *   return od_test_done();                  prints the plan, exit status
 *
 * One "ok N - ..." / "not ok N - ..." line per check (automake's TAP driver
 * counts them); details of a failure follow as '#' comments.
 * od_test_path("tests/fixtures/x.csv") resolves a path against $top_srcdir. */
#ifndef OD_TEST_H
#define OD_TEST_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int od_test_n, od_test_failed;

static void od_test_report(int ok, const char *fmt, va_list ap)
{
    od_test_n++;
    if (!ok) od_test_failed++;
    printf("%sok %d - ", ok ? "" : "not ", od_test_n);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
}

static inline __attribute__((format(printf, 2, 3))) int od_test_true(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    od_test_report(cond, fmt, ap);
    va_end(ap);
    return cond;
}

static inline __attribute__((format(printf, 3, 4))) int od_test_int(long long got, long long want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    od_test_report(got == want, fmt, ap);
    va_end(ap);
    if (got != want) printf("#   got %lld, want %lld\n", got, want);
    return got == want;
}

static inline int od_test_close(double got, double want, double tol, int rel)
{
    if (isnan(want)) return isnan(got);
    if (isinf(want)) return got == want;
    double err = fabs(got - want);
    double scale = rel && fabs(want) > 1 ? fabs(want) : 1;
    return err <= tol * scale;
}

static inline __attribute__((format(printf, 4, 5))) int od_test_rel(double got, double want, double tol, const char *fmt, ...)
{
    int ok = od_test_close(got, want, tol, 1);
    va_list ap;
    va_start(ap, fmt);
    od_test_report(ok, fmt, ap);
    va_end(ap);
    if (!ok) printf("#   got %.17g, want %.17g (rel tol %g)\n", got, want, tol);
    return ok;
}

static inline __attribute__((format(printf, 4, 5))) int od_test_abs(double got, double want, double tol, const char *fmt, ...)
{
    int ok = od_test_close(got, want, tol, 0);
    va_list ap;
    va_start(ap, fmt);
    od_test_report(ok, fmt, ap);
    va_end(ap);
    if (!ok) printf("#   got %.17g, want %.17g (abs tol %g)\n", got, want, tol);
    return ok;
}

static inline __attribute__((format(printf, 3, 4))) int od_test_str(const char *got, const char *want, const char *fmt, ...)
{
    int ok = got && want && strcmp(got, want) == 0;
    va_list ap;
    va_start(ap, fmt);
    od_test_report(ok, fmt, ap);
    va_end(ap);
    if (!ok) printf("#   got  \"%s\"\n#   want \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
    return ok;
}

static inline void od_test_skip(const char *why)
{
    od_test_n++;
    printf("ok %d # SKIP %s\n", od_test_n, why);
}

static inline const char *od_test_path(const char *rel)
{
    static char buf[8][4096];
    static int k;
    const char *top = getenv("top_srcdir");
    char *b = buf[k++ & 7];
    snprintf(b, sizeof buf[0], "%s/%s", top ? top : ".", rel);
    return b;
}

static inline int od_test_done(void)
{
    printf("1..%d\n", od_test_n);
    return od_test_failed ? 1 : 0;
}

#endif
