#include "config.h"
#include "readerr.h"

#include <stdio.h>
#include <string.h>

int od_read_verror(od_ctx *ctx, const char *name, size_t line, size_t col, int code, const char *fmt, va_list ap)
{
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (line) return od_error(ctx, code, "%s:%zu:%zu: %s", name, line, col, msg);
    return od_error(ctx, code, "%s: %s", name, msg);
}

const char *od_read_excerpt(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < 40; i++) {
        unsigned char c = (unsigned char)s[i];
        out[k++] = (c < 32 || c == 127) ? '?' : (char)c;
    }
    if (n > 40) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = 0;
    return out;
}

int od_read_oom(od_ctx *ctx, const char *name)
{
    const char *m = od_ctx_errmsg(ctx);
    if (!strncmp(m, "out of memory allocating ", 25)) return od_error(ctx, OD_ENOMEM, "%s: %s", name, m);
    return od_error(ctx, OD_ENOMEM, "%s: out of memory", name);
}
