#include "config.h"
#include <stdarg.h>
#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { OUT_FILE, OUT_BUF };

struct od_out {
    int kind;
    FILE *fp;
    char *buf;
    size_t len, cap;
};

static od_out *out_new(int kind)
{
    od_out *o = calloc(1, sizeof *o);
    if (o) o->kind = kind;
    return o;
}

od_out *od_out_file(FILE *fp)
{
    od_out *o = out_new(OUT_FILE);
    if (o) o->fp = fp;
    return o;
}

od_out *od_out_buffer(void) { return out_new(OUT_BUF); }

void od_out_free(od_out *out)
{
    if (!out) return;
    free(out->buf);
    free(out);
}

static int buf_reserve(od_out *o, size_t extra)
{
    if (o->len + extra + 1 <= o->cap) return 0;
    size_t cap = o->cap ? o->cap : 256;
    while (cap < o->len + extra + 1) cap *= 2;
    char *p = realloc(o->buf, cap);
    if (!p) return -1;
    o->buf = p;
    o->cap = cap;
    return 0;
}

int od_write(od_out *o, const char *s, size_t n)
{
    if (!o) return 0;
    switch (o->kind) {
    case OUT_FILE: return fwrite(s, 1, n, o->fp) == n ? 0 : -1;
    case OUT_BUF:
        if (buf_reserve(o, n)) return -1;
        memcpy(o->buf + o->len, s, n);
        o->len += n;
        o->buf[o->len] = 0;
        return 0;
    default: return 0;
    }
}

int od_puts(od_out *o, const char *s) { return od_write(o, s, strlen(s)); }

int od_vprintf(od_out *o, const char *fmt, va_list ap)
{
    if (!o) return 0;
    if (o->kind == OUT_FILE) return vfprintf(o->fp, fmt, ap) < 0 ? -1 : 0;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || buf_reserve(o, (size_t)n)) return -1;
    vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
    o->len += (size_t)n;
    return 0;
}

int od_printf(od_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = od_vprintf(o, fmt, ap);
    va_end(ap);
    return r;
}

const char *od_out_str(const od_out *o) { return o && o->buf ? o->buf : ""; }
size_t od_out_len(const od_out *o) { return o ? o->len : 0; }
void od_out_reset(od_out *o)
{
    if (!o) return;
    o->len = 0;
    if (o->buf) o->buf[0] = 0;
}

char *od_out_steal(od_out *o)
{
    char *p = o->buf ? o->buf : calloc(1, 1);
    o->buf = NULL;
    o->len = o->cap = 0;
    return p;
}

char *od_fmt_num(char *buf, size_t size, double x, int sig)
{
    if (isnan(x)) { snprintf(buf, size, "nan"); return buf; }
    if (isinf(x)) { snprintf(buf, size, x > 0 ? "inf" : "-inf"); return buf; }
    if (x == 0) { snprintf(buf, size, "0"); return buf; }
    double ax = fabs(x);
    if (ax >= 1e-4 && ax < 1e15) {
        int mag = (int)floor(log10(ax));
        int dec = sig - 1 - mag;
        if (dec < 0) dec = 0;
        snprintf(buf, size, "%.*f", dec, x);
        if (strchr(buf, '.')) {
            size_t n = strlen(buf);
            while (n > 0 && buf[n - 1] == '0') buf[--n] = 0;
            if (n > 0 && buf[n - 1] == '.') buf[--n] = 0;
        }
        if (strcmp(buf, "-0") == 0) snprintf(buf, size, "0");
    } else {
        snprintf(buf, size, "%.*g", sig, x);
    }
    return buf;
}
