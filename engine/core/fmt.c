/* fmt.c - od_fmt_double: the shortest decimal text that reads back to the
 * same double (see fmt.h).
 *
 * The idea is Ryu's (Ulf Adams, "Ryu: fast float-to-string conversion",
 * PLDI 2018): with x = m * 2^e2, the doubles' rounding interval around x is
 * (4m - 1 - t, 4m + 2) * 2^(e2-2) (t = 1 unless m is a power of two with a
 * closer neighbour below); scale its ends and x to integers vm < vr < vp by a
 * power of ten, then drop trailing decimal digits while the interval still
 * holds a number with fewer digits, and round the last kept digit of x to
 * nearest (ties to even).  Ryu computes the scaled ends with 128-bit
 * approximations of 5^k and tables; here they are computed exactly, with the
 * 128-bit powers 10^0..10^38 and a 64 x 128-bit product shifted right, which
 * covers about 3.4e-21 <= |x| < 9.2e18 (every score in practice).
 * Outside that range the shortest of printf's %.1g..%.17g that strtod reads
 * back is used (slow, exact). */
#include "config.h"
#include "fmt.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

#define P(hi, lo) (((u128)(hi) << 64) | (u128)(lo))
static const u128 pow10_128[39] = {
    P(0x0000000000000000u, 0x0000000000000001u), /* 1e0 */
    P(0x0000000000000000u, 0x000000000000000au), /* 1e1 */
    P(0x0000000000000000u, 0x0000000000000064u), /* 1e2 */
    P(0x0000000000000000u, 0x00000000000003e8u), /* 1e3 */
    P(0x0000000000000000u, 0x0000000000002710u), /* 1e4 */
    P(0x0000000000000000u, 0x00000000000186a0u), /* 1e5 */
    P(0x0000000000000000u, 0x00000000000f4240u), /* 1e6 */
    P(0x0000000000000000u, 0x0000000000989680u), /* 1e7 */
    P(0x0000000000000000u, 0x0000000005f5e100u), /* 1e8 */
    P(0x0000000000000000u, 0x000000003b9aca00u), /* 1e9 */
    P(0x0000000000000000u, 0x00000002540be400u), /* 1e10 */
    P(0x0000000000000000u, 0x000000174876e800u), /* 1e11 */
    P(0x0000000000000000u, 0x000000e8d4a51000u), /* 1e12 */
    P(0x0000000000000000u, 0x000009184e72a000u), /* 1e13 */
    P(0x0000000000000000u, 0x00005af3107a4000u), /* 1e14 */
    P(0x0000000000000000u, 0x00038d7ea4c68000u), /* 1e15 */
    P(0x0000000000000000u, 0x002386f26fc10000u), /* 1e16 */
    P(0x0000000000000000u, 0x016345785d8a0000u), /* 1e17 */
    P(0x0000000000000000u, 0x0de0b6b3a7640000u), /* 1e18 */
    P(0x0000000000000000u, 0x8ac7230489e80000u), /* 1e19 */
    P(0x0000000000000005u, 0x6bc75e2d63100000u), /* 1e20 */
    P(0x0000000000000036u, 0x35c9adc5dea00000u), /* 1e21 */
    P(0x000000000000021eu, 0x19e0c9bab2400000u), /* 1e22 */
    P(0x000000000000152du, 0x02c7e14af6800000u), /* 1e23 */
    P(0x000000000000d3c2u, 0x1bcecceda1000000u), /* 1e24 */
    P(0x0000000000084595u, 0x161401484a000000u), /* 1e25 */
    P(0x000000000052b7d2u, 0xdcc80cd2e4000000u), /* 1e26 */
    P(0x00000000033b2e3cu, 0x9fd0803ce8000000u), /* 1e27 */
    P(0x00000000204fce5eu, 0x3e25026110000000u), /* 1e28 */
    P(0x00000001431e0faeu, 0x6d7217caa0000000u), /* 1e29 */
    P(0x0000000c9f2c9cd0u, 0x4674edea40000000u), /* 1e30 */
    P(0x0000007e37be2022u, 0xc0914b2680000000u), /* 1e31 */
    P(0x000004ee2d6d415bu, 0x85acef8100000000u), /* 1e32 */
    P(0x0000314dc6448d93u, 0x38c15b0a00000000u), /* 1e33 */
    P(0x0001ed09bead87c0u, 0x378d8e6400000000u), /* 1e34 */
    P(0x0013426172c74d82u, 0x2b878fe800000000u), /* 1e35 */
    P(0x00c097ce7bc90715u, 0xb34b9f1000000000u), /* 1e36 */
    P(0x0785ee10d5da46d9u, 0x00f436a000000000u), /* 1e37 */
    P(0x4b3b4ca85a86c47au, 0x098a224000000000u), /* 1e38 */
};
#undef P

/* floor(mul * 10^k / 2^s) for 1 <= s <= 126 (the quotient must fit in 64
 * bits); *exact: the remainder is 0. */
static uint64_t mul_shift(uint64_t mul, u128 p10, int s, int *exact)
{
    u128 a = (u128)mul * (uint64_t)p10, b = (u128)mul * (uint64_t)(p10 >> 64);
    uint64_t r0 = (uint64_t)a;
    u128 mid = (a >> 64) + (u128)(uint64_t)b;
    u128 hi = ((u128)((uint64_t)(b >> 64) + (uint64_t)(mid >> 64)) << 64) | (uint64_t)mid; /* bits 64..191 */
    if (s < 64) {
        *exact = (r0 & (((uint64_t)1 << s) - 1)) == 0;
        return (uint64_t)(hi << (64 - s)) | (r0 >> s);
    }
    int t = s - 64;
    *exact = r0 == 0 && (t == 0 || (hi & (((u128)1 << t) - 1)) == 0);
    return (uint64_t)(hi >> t);
}

static const char dig2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The decimal digits of v, written to end just before end; returns their
 * start.  Two digits per step, eight at a time from the low end in 32-bit
 * arithmetic (the digit loops were a third of od_fmt_double's time). */
static char *put_u64(char *end, uint64_t v)
{
    char *p = end;
    while (v >= 100000000) {
        uint32_t lo = (uint32_t)(v % 100000000), a = lo / 10000, b = lo % 10000;
        v /= 100000000;
        p -= 8;
        memcpy(p, dig2 + 2 * (a / 100), 2);
        memcpy(p + 2, dig2 + 2 * (a % 100), 2);
        memcpy(p + 4, dig2 + 2 * (b / 100), 2);
        memcpy(p + 6, dig2 + 2 * (b % 100), 2);
    }
    uint32_t w = (uint32_t)v;
    while (w >= 100) {
        p -= 2;
        memcpy(p, dig2 + 2 * (w % 100), 2);
        w /= 100;
    }
    if (w >= 10) {
        p -= 2;
        memcpy(p, dig2 + 2 * w, 2);
    } else {
        *--p = (char)('0' + w);
    }
    return p;
}

/* digits[0..n) (n >= 1) times 10^e10 as printf's %g would lay it out with
 * enough precision: fixed point when -4 <= the leading digit's exponent < 17,
 * else d.ddde+XX. */
static size_t layout(char *p, const char *dig, int n, int e10)
{
    char *s = p;
    int X = e10 + n - 1;
    if (X < -4 || X >= 17) {
        *p++ = dig[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, dig + 1, (size_t)(n - 1));
            p += n - 1;
        }
        *p++ = 'e';
        *p++ = X < 0 ? '-' : '+';
        int a = X < 0 ? -X : X;
        if (a >= 100) *p++ = (char)('0' + a / 100);
        *p++ = (char)('0' + a / 10 % 10);
        *p++ = (char)('0' + a % 10);
    } else if (e10 >= 0) {
        memcpy(p, dig, (size_t)n);
        p += n;
        for (int i = 0; i < e10; i++) *p++ = '0';
    } else if (X >= 0) {
        memcpy(p, dig, (size_t)X + 1);
        p += X + 1;
        *p++ = '.';
        memcpy(p, dig + X + 1, (size_t)(n - X - 1));
        p += n - X - 1;
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -X - 1; i++) *p++ = '0';
        memcpy(p, dig, (size_t)n);
        p += n;
    }
    *p = 0;
    return (size_t)(p - s);
}

/* The slow path: the fewest significant digits printf rounds to that strtod
 * reads back as x. */
static size_t slow(double x, char *buf)
{
    for (int prec = 1; prec <= 17; prec++) {
        int n = snprintf(buf, OD_FMT_DOUBLE_MAX, "%.*g", prec, x);
        if (prec == 17 || strtod(buf, NULL) == x) return (size_t)n;
    }
    return 0;
}

size_t od_fmt_double(double x, char *buf)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int neg = (int)(bits >> 63), bexp = (int)((bits >> 52) & 0x7ff);
    uint64_t frac = bits & (((uint64_t)1 << 52) - 1);
    char *p = buf;
    if (bexp == 0x7ff) {
        const char *t = frac ? (neg ? "-nan" : "nan") : (neg ? "-inf" : "inf");
        size_t n = strlen(t);
        memcpy(buf, t, n + 1);
        return n;
    }
    if (neg) *p++ = '-';
    if (!bexp && !frac) {
        *p++ = '0';
        *p = 0;
        return (size_t)(p - buf);
    }
    uint64_t m = bexp ? frac | (uint64_t)1 << 52 : frac;
    int e2 = (bexp ? bexp : 1) - 1075;   /* |x| = m * 2^e2 */
    int even = !(m & 1), mmshift = frac != 0 || bexp <= 1;
    uint64_t mv = 4 * m, mp = 4 * m + 2, mm = 4 * m - 1 - (uint64_t)mmshift;
    int q = e2 - 2;   /* the three are multiples of 2^q */
    uint64_t vr, vp, vm;
    int vrz, vpz, vmz, e10;
    if (q >= 0) {
        if (q > 8) return (size_t)(p - buf) + slow(neg ? -x : x, p);
        vr = mv << q;
        vp = mp << q;
        vm = mm << q;
        vrz = vpz = vmz = 1;
        e10 = 0;
    } else {
        int s = -q;
        /* 10 * 2^s <= 10^k < 100 * 2^s: the interval spans at least 30
         * units, so at least one digit goes (the last one dropped rounds x),
         * and vr < 2^55 * 100 fits in 64 bits */
        int k = (int)(((uint64_t)s * 78913) >> 18) + 2;
        if (k > 38) return (size_t)(p - buf) + slow(neg ? -x : x, p);
        vr = mul_shift(mv, pow10_128[k], s, &vrz);
        vp = mul_shift(mp, pow10_128[k], s, &vpz);
        vm = mul_shift(mm, pow10_128[k], s, &vmz);
        e10 = -k;
    }
    /* the ends belong to the interval when m is even (strtod rounds ties to
     * even), and only when exact */
    if (!even && vpz) vp--;
    vmz = vmz && even;
    int removed = 0, last = 0;
    uint64_t out;
    if (!vmz && !vrz) {
        /* the usual case: neither end nor x is a whole number of units, so
         * no tie: two digits at a time, round on the last one dropped */
        while (vp / 100 > vm / 100) {
            last = (int)(vr % 100) / 10;
            vr /= 100;
            vp /= 100;
            vm /= 100;
            removed += 2;
        }
        if (vp / 10 > vm / 10) {
            last = (int)(vr % 10);
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
        out = vr + (vr == vm || last >= 5);
        goto digits;
    }
    while (vp / 10 > vm / 10) {
        vmz &= vm % 10 == 0;
        vrz &= last == 0;
        last = (int)(vr % 10);
        vr /= 10;
        vp /= 10;
        vm /= 10;
        removed++;
    }
    if (vmz) {
        while (vm % 10 == 0) {
            vrz &= last == 0;
            last = (int)(vr % 10);
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
    }
    if (vrz && last == 5 && vr % 2 == 0) last = 4;   /* an exact tie: to even */
    out = vr + ((vr == vm && !vmz) || last >= 5);
digits:;
    char db[24];
    const char *dig = put_u64(db + sizeof db, out);
    int n = (int)(db + sizeof db - dig);
    /* trailing zeros (an integer such as 100 kept whole) */
    int e = e10 + removed;
    while (n > 1 && dig[n - 1] == '0') { n--; e++; }
    return (size_t)(p - buf) + layout(p, dig, n, e);
}

size_t od_fmt_size(size_t v, char *buf)
{
    char t[24];
    const char *d = put_u64(t + sizeof t, (uint64_t)v);
    size_t n = (size_t)(t + sizeof t - d);
    memcpy(buf, d, n);
    buf[n] = 0;
    return n;
}
