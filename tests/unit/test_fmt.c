/* od_fmt_double (engine/core/fmt.c) against printf and strtod: every text
 * reads back to the same double bit for bit, has the fewest significant
 * digits printf can round-trip with (%.Pg for the smallest P that strtod
 * reads back, or fewer where the interval below x is the narrow one at a
 * power of two), and those digits are printf's (the nearest) whenever
 * printf's text of that length round-trips.  Millions of doubles: random bit
 * patterns (subnormals, huge, the slow path), random mantissas over the fast
 * path's exponents, short decimals, integers, powers of two, and the specials
 * printed as glibc prints them.  The layout is %.17g's: fixed point
 * when the leading digit's exponent is -4..16.  OD_FMT_N=... changes the count. */
#include "config.h"
#include "core/fmt.h"
#include "../od_test.h"

#include <stdint.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t next64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static double from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

static int same_bits(double a, double b)
{
    return !memcmp(&a, &b, sizeof a);
}

/* significant digits of a %g / od_fmt_double text (no sign, point or exponent, leading zeros dropped) */
static int sig_digits(const char *s, char *dig)
{
    int n = 0, lead = 1;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9') continue;
        if (lead && *s == '0') continue;
        lead = 0;
        dig[n++] = *s;
    }
    while (n > 1 && dig[n - 1] == '0') n--;
    dig[n] = 0;
    return n;
}

static long nbad, nchecked;
static char first_bad[256];

static void check(double x)
{
    char a[OD_FMT_DOUBLE_MAX + 8], b[400], da[32], db[400];
    memset(a, 'Z', sizeof a);
    size_t n = od_fmt_double(x, a);
    nchecked++;
    const char *why = NULL;
    if (n != strlen(a) || n >= OD_FMT_DOUBLE_MAX) why = "length";
    else if (!same_bits(strtod(a, NULL), x)) why = "does not read back";
    else {
        snprintf(b, sizeof b, "%.17g", x);
        if (!same_bits(strtod(b, NULL), strtod(a, NULL))) why = "differs from %.17g read back";
        int nd = x == 0 ? 1 : sig_digits(a, da);
        if (!why && nd > 1) {
            snprintf(b, sizeof b, "%.*g", nd - 1, x);
            if (same_bits(strtod(b, NULL), x)) why = "printf has a shorter text";
        }
        if (!why && x != 0) {
            snprintf(b, sizeof b, "%.*g", nd, x);
            if (same_bits(strtod(b, NULL), x) && (sig_digits(b, db), strcmp(da, db))) why = "not the nearest of its length";
        }
        /* the layout: %.17g's choice of fixed or scientific */
        if (!why && x != 0) {
            snprintf(b, sizeof b, "%.17g", x);
            if ((strchr(a, 'e') != NULL) != (strchr(b, 'e') != NULL)) why = "fixed/scientific differs from %.17g";
        }
    }
    if (why) {
        if (!nbad++) snprintf(first_bad, sizeof first_bad, "%a (%.17g): '%s': %s", x, x, a, why);
    }
}

int main(void)
{
    long N = 300000;
    const char *e = getenv("OD_FMT_N");
    if (e) N = atol(e);
    char buf[OD_FMT_DOUBLE_MAX];

    /* specials, as glibc's printf writes them */
    struct { double x; const char *want; } sp[] = {
        { 0.0, "0" }, { -0.0, "-0" }, { INFINITY, "inf" }, { -INFINITY, "-inf" }, { NAN, "nan" },
        { 1.0, "1" }, { -2.5, "-2.5" }, { 0.1, "0.1" }, { 100.0, "100" }, { 1e16, "10000000000000000" },
        { 1e17, "1e+17" }, { 0.0001, "0.0001" }, { 1e-05, "1e-05" }, { 1.5e-300, "1.5e-300" }, { 1e300, "1e+300" },
        { 5e-324, "5e-324" }, { 1.7976931348623157e308, "1.7976931348623157e+308" }, { 2.2250738585072014e-308, "2.2250738585072014e-308" },
        { 1.0 / 3, "0.3333333333333333" }, { 2.0 / 3, "0.6666666666666666" }, { 123456789012345680.0, "1.2345678901234568e+17" },
        { 9007199254740993.0, "9007199254740992" }, { 0.30000000000000004, "0.30000000000000004" },
    };
    for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++) {
        od_fmt_double(sp[i].x, buf);
        od_test_str(buf, sp[i].want, "od_fmt_double(%a)", sp[i].x);
    }
    od_fmt_double(-NAN, buf);
    od_test_true(!strcmp(buf, "-nan") || !strcmp(buf, "nan"), "-NaN: %s", buf);
    od_test_str((od_fmt_size(0, buf), buf), "0", "od_fmt_size(0)");
    od_test_str((od_fmt_size(18446744073709551615u, buf), buf), "18446744073709551615", "od_fmt_size(max)");
    od_test_int((long long)od_fmt_size(1234567, buf), 7, "od_fmt_size length");

    /* the fast path's edges: every power of two (the asymmetric interval), its neighbours, subnormals */
    nbad = nchecked = 0;
    for (int k = -1074; k <= 1023; k++) {
        double x = ldexp(1.0, k);
        check(x);
        check(-x);
        check(nextafter(x, 0));
        check(nextafter(x, INFINITY));
    }
    for (uint64_t b = 1; b < 5000; b++) check(from_bits(b));                     /* smallest subnormals */
    for (uint64_t b = 1; b < 5000; b++) check(from_bits(0x0010000000000000u - b)); /* largest subnormals */
    od_test_true(nbad == 0, "powers of two, neighbours, subnormals: %ld of %ld bad%s%s", nbad, nchecked, nbad ? ": " : "", first_bad);

    nbad = nchecked = 0;
    for (long i = 0; i < N; i++) {
        double x = from_bits(next64());
        if (x == x) check(x);   /* NaN payloads: any NaN prints nan/-nan (above) */
    }
    od_test_true(nbad == 0, "random bit patterns: %ld of %ld bad%s%s", nbad, nchecked, nbad ? ": " : "", first_bad);

    nbad = nchecked = 0;
    for (long i = 0; i < N; i++) {   /* random mantissa, exponent over the fast path and a little past it */
        uint64_t r = next64();
        int ex = (int)(r % 160) - 80;
        check(ldexp((double)(next64() >> 11) / 9007199254740992.0 + 0.5, ex) * ((r >> 40) & 1 ? -1 : 1));
    }
    od_test_true(nbad == 0, "random doubles 2^-80..2^80: %ld of %ld bad%s%s", nbad, nchecked, nbad ? ": " : "", first_bad);

    nbad = nchecked = 0;
    for (long i = 0; i < N / 4; i++) {   /* short decimals: d / 10^j, d*10^j; integers */
        uint64_t r = next64();
        double d = (double)(r % 100000000u);
        int j = (int)((r >> 32) % 40);
        check(d / pow(10, j));
        check(d * pow(10, j % 20));
        check((double)(next64() >> (r >> 58)));
        check(strtod("0.1", NULL) * (double)(r % 1000));
    }
    od_test_true(nbad == 0, "short decimals and integers: %ld of %ld bad%s%s", nbad, nchecked, nbad ? ": " : "", first_bad);
    return od_test_done();
}
