#include "config.h"
#include "timeparse.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, const char *e, int n, int *v)
{
    if (e - s < n) return -1;
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int od_time_parse(const char *s, size_t len, double *t)
{
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    const char *e = s + len, *p = s;
    int Y, M, D, h = 0, mi = 0, sec = 0, off = 0;
    double frac = 0;
    if (len < 10 || digits(p, e, 4, &Y) || p[4] != '-' || digits(p + 5, e, 2, &M) || p[7] != '-'
        || digits(p + 8, e, 2, &D))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] + (M == 2 && leap(Y))) return -1;
    p += 10;
    if (p < e) {
        if (*p != 'T' && *p != ' ') return -1;
        p++;
        if (digits(p, e, 2, &h) || p + 2 >= e || p[2] != ':' || digits(p + 3, e, 2, &mi)) return -1;
        p += 5;
        if (p < e && *p == ':') {
            if (digits(p + 1, e, 2, &sec)) return -1;
            p += 3;
            if (p < e && (*p == '.' || *p == ',')) {
                p++;
                const char *f0 = p;
                long fi = 0, fs = 1;
                while (p < e && *p >= '0' && *p <= '9') {
                    if (fs < 1000000000L) {
                        fi = fi * 10 + (*p - '0');
                        fs *= 10;
                    }
                    p++;
                }
                if (p == f0) return -1;
                frac = (double)fi / (double)fs;
            }
        }
        if (h > 23 || mi > 59 || sec > 59) return -1;
        if (p < e && *p == 'Z') p++;
        else if (p < e && (*p == '+' || *p == '-')) {
            int sign = *p == '-' ? -1 : 1, oh, om = 0;
            p++;
            if (digits(p, e, 2, &oh)) return -1;
            p += 2;
            if (p < e && *p == ':') {
                if (digits(p + 1, e, 2, &om)) return -1;
                p += 3;
            } else if (p < e) {
                if (digits(p, e, 2, &om)) return -1;
                p += 2;
            }
            if (oh > 23 || om > 59) return -1;
            off = sign * (oh * 3600 + om * 60);
        }
        if (p != e) return -1;
    }
    int64_t secs = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + mi * 60 + sec - off;
    *t = (double)secs + frac;
    return 0;
}

int od_time_format(double t, char *buf, size_t n)
{
    if (!isfinite(t) || fabs(t) > 2.5e11) {
        if (n) buf[0] = 0;
        return 0;
    }
    double fl = floor(t);
    int64_t secs = (int64_t)fl;
    long micro = lround((t - fl) * 1e6);
    if (micro >= 1000000) {
        secs++;
        micro -= 1000000;
    }
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int len = snprintf(buf, n, "%04lld-%02u-%02u %02d:%02d:%02d", (long long)y, m, d, (int)(rem / 3600),
                       (int)(rem / 60 % 60), (int)(rem % 60));
    if (micro > 0 && len > 0 && (size_t)len < n) {
        char fr[24];
        snprintf(fr, sizeof fr, ".%06ld", micro);
        int k = 7;
        while (k > 1 && fr[k - 1] == '0') k--;
        fr[k] = 0;
        len += snprintf(buf + len, n - (size_t)len, "%s", fr);
    }
    return len;
}
