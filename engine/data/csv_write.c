/* csv_write.c - od_csv_write and the number format that reads back exactly. */
#include "config.h"
#include "csv_int.h"
#include "timeparse.h"

#include <errno.h>
#include <stdio.h>

/* Fixed-point text of x with the fewest decimals k <= 17 such that the integer
 * m = x * 10^k (|m| <= 2^53) gives m / 10^k == x: reading that text back
 * divides the same exact m by the same exact power of ten, so it returns x.
 * Returns the length, or 0 when x is out of that range. */
static size_t fmt_fixed(double x, char *buf)
{
    double ax = fabs(x);
    if (!(ax >= 1e-5 && ax < 1e15)) return 0;
    for (int k = 0; k <= 17; k++) {
        double sc = x * pow10_tab[k];
        if (fabs(sc) > 9007199254740992.0) return 0;
        double mr = (double)(int64_t)(sc + (sc >= 0 ? 0.5 : -0.5));
        if (mr / pow10_tab[k] != x) continue;
        uint64_t m = (uint64_t)fabs(mr);
        char dig[24];
        int nd = 0;
        do {
            dig[nd++] = (char)('0' + m % 10);
            m /= 10;
        } while (m);
        while (nd <= k) dig[nd++] = '0'; /* at least one digit before the point */
        size_t len = 0;
        if (x < 0) buf[len++] = '-';
        for (int i = nd - 1; i >= 0; i--) {
            buf[len++] = dig[i];
            if (i == k && k > 0) buf[len++] = '.';
        }
        buf[len] = 0;
        return len;
    }
    return 0;
}

/* Text that reads back to exactly x: fixed point when short, else the
 * shortest of %.15g..%.17g. */
void od_csv_fmt_double(double x, char *buf, size_t n)
{
    if (x == 0) {
        snprintf(buf, n, "%s", signbit(x) ? "-0" : "0");
        return;
    }
    if (n >= 48 && fmt_fixed(x, buf)) return;
    if (isnan(x)) {
        snprintf(buf, n, "%s", "");
        return;
    }
    if (isinf(x)) {
        snprintf(buf, n, "%s", x < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, x);
        if (prec == 17 || strtod(buf, NULL) == x) return;
    }
}
/* ------------------------------------------------------------------ writer */

static int needs_quotes(const char *s)
{
    if (!*s) return 0;
    if (s[0] == ' ' || s[strlen(s) - 1] == ' ') return 1;
    return strpbrk(s, ",\"\r\n") != NULL;
}

static void put_text(FILE *fp, const char *s)
{
    if (!needs_quotes(s)) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

int od_csv_write(od_ctx *ctx, const od_frame *f, const char *path)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return od_error(ctx, OD_EIO, "%s: cannot write: %s", path, strerror(errno));
    setvbuf(fp, NULL, _IOFBF, (size_t)1 << 20);
    char buf[64];
    for (size_t j = 0; j < f->ncol; j++) {
        if (j) fputc(',', fp);
        put_text(fp, f->cols[j].name);
    }
    fputc('\n', fp);
    for (size_t i = 0; i < f->nrow; i++) {
        for (size_t j = 0; j < f->ncol; j++) {
            const od_column *c = &f->cols[j];
            if (j) fputc(',', fp);
            if (c->type == OD_COL_TEXT) {
                if (c->text && c->text[i]) put_text(fp, c->text[i]);
            } else if (c->type == OD_COL_TIME) {
                od_time_format(c->num[i], buf, sizeof buf);
                fputs(buf, fp);
            } else {
                od_csv_fmt_double(c->num[i], buf, sizeof buf);
                fputs(buf, fp);
            }
        }
        fputc('\n', fp);
    }
    int bad = ferror(fp);
    int e = errno;
    if (fclose(fp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) return od_error(ctx, OD_EIO, "%s: write error: %s", path, strerror(e));
    return OD_OK;
}
