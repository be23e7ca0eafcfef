#include "config.h"
#include "csv.h"
#include "timeparse.h"
#include "readerr.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Bytes read per refill; the buffer grows only for a record longer than this. */
#define CSV_CHUNK ((size_t)4 << 20)
/* Rows used to infer the column types and whether there is a header. */
#define CSV_SAMPLE_ROWS 1000
#define CSV_SAMPLE_FIELDS 200000
/* Bytes checked for NUL and invalid UTF-8. */
#define CSV_SNIFF ((size_t)64 << 10)
/* Below this many bytes in a region the parallel split is not worth it. */
#define CSV_PAR_MIN ((size_t)256 << 10)
/* The longest record (line, or lines joined by quotes) held in memory. */
#define CSV_MAX_RECORD ((size_t)256 << 20)
/* Zero bytes kept after the data in the read buffer (NUL sentinel + SWAR reads). */
#define CSV_PAD 16

static const char *const default_na[] = { "", "NA", "NaN", "nan", "null", "NULL", "?" };
static const char *const label_names[] = { "label", "is_anomaly", "anomaly", "outlier", "class" };

/* ------------------------------------------------------------------ numbers */

static const double pow10_tab[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

static int is_digit(char c) { return (unsigned)(c - '0') < 10u; }

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CSV_SWAR 1
#else
#define CSV_SWAR 0
#endif

static const uint64_t pow10_u64[9] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000 };

/* Appends the run of decimal digits at s to *m (mod 2^64); returns its end.
 * With swar, eight bytes are examined at a time, so at least 8 readable bytes
 * must follow any digit (the read buffer is padded for that). */
static inline __attribute__((always_inline)) const char *scan_digits(const char *s, uint64_t *m, int swar)
{
    uint64_t acc = *m;
    if (CSV_SWAR && swar) {
        for (;;) {
            uint64_t x;
            memcpy(&x, s, 8);
            uint64_t t = x ^ 0x3030303030303030ULL; /* digit bytes -> 0..9 */
            uint64_t bad = (t | (t + 0x7676767676767676ULL)) & 0x8080808080808080ULL;
            int k = bad ? __builtin_ctzll(bad) >> 3 : 8;
            if (k) {
                uint64_t v = k == 8 ? t : (t << (8 * (8 - k)));
                v = v * 10 + (v >> 8);
                v = (((v & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32)))
                     + (((v >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32))))
                    >> 32;
                acc = acc * pow10_u64[k] + v;
                s += k;
            }
            if (k < 8) break;
        }
    } else {
        while (is_digit(*s)) {
            acc = acc * 10 + (uint64_t)(*s - '0');
            s++;
        }
    }
    *m = acc;
    return s;
}

/* Parses a decimal number starting at p: [+-] digits [. digits] [e [+-] digits]
 * with at least one mantissa digit.  Returns the end of the number or NULL.
 * The value is exact (Clinger's fast path: a mantissa of at most 2^53 times or
 * over an exact power of ten rounds once), else strtod_l in the C locale.
 * The text must be followed by a byte that is not part of a number (the
 * buffers here always end with a NUL sentinel). */
static inline __attribute__((always_inline)) const char *scan_number(const char *p, double *out, locale_t cloc, int swar)
{
    const char *s = p;
    int neg = *s == '-'; /* branch-free: signs are random in real data */
    s += neg | (*s == '+');
    uint64_t m = 0;
    int any = 0;
    long nd, e10 = 0;
    while (*s == '0') {
        s++;
        any = 1;
    }
    const char *d0 = s;
    s = scan_digits(s, &m, swar);
    nd = s - d0;
    any |= nd > 0;
    if (*s == '.') {
        s++;
        const char *f0 = s;
        if (nd == 0)
            while (*s == '0') s++;
        const char *f1 = s;
        s = scan_digits(s, &m, swar);
        nd += s - f1;
        e10 = -(long)(s - f0);
        any |= s > f0;
    }
    if (!any) return NULL;
    if (*s == 'e' || *s == 'E') {
        s++;
        int eneg = 0;
        if (*s == '-') {
            eneg = 1;
            s++;
        } else if (*s == '+')
            s++;
        if (!is_digit(*s)) return NULL;
        long ev = 0;
        while (is_digit(*s)) {
            if (ev < 1000000) ev = ev * 10 + (*s - '0');
            s++;
        }
        e10 += eneg ? -ev : ev;
    }
    if (nd <= 19 && m <= ((uint64_t)1 << 53) && (uint64_t)(e10 + 22) <= 44) {
        double v = (double)m;
        v = e10 < 0 ? v / pow10_tab[-e10] : v * pow10_tab[e10];
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        bits |= (uint64_t)neg << 63;
        memcpy(out, &bits, sizeof bits);
    } else if (nd == 0) {
        *out = neg ? -0.0 : 0.0;
    } else {
        *out = strtod_l(p, NULL, cloc);
    }
    return s;
}

/* The common short form -?D+(.D+)? with at most 19 digits, as written by
 * "%f"-style formatting (pandas): one pass, no exponent, no leading '+'; anything else
 * goes to scan_number.  Same results: the mantissa (<= 2^53) over an exact
 * power of ten (<= 10^22) rounds once. */
static inline __attribute__((always_inline)) const char *scan_number_short(const char *p, double *out, locale_t cloc)
{
    const char *s = p;
    uint64_t neg = *s == '-';
    s += neg;
    const char *d0 = s;
    uint64_t m = 0;
    while (is_digit(*s)) {
        m = m * 10 + (uint64_t)(*s - '0');
        s++;
    }
    size_t ni = (size_t)(s - d0), nf = 0;
    if (*s == '.') {
        const char *f0 = ++s;
        s = scan_digits(s, &m, 1);
        nf = (size_t)(s - f0);
    }
    if (ni + nf - 1 >= 19 || nf > 22 || m > ((uint64_t)1 << 53) || (*s | 0x20) == 'e')
        return scan_number(p, out, cloc, 1);
    double v = (double)m / pow10_tab[nf];
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits |= neg << 63;
    memcpy(out, &bits, sizeof bits);
    return s;
}

static int ieq(const char *a, size_t n, const char *b)
{
    size_t k = strlen(b);
    if (n != k) return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return 0;
    return 1;
}

/* s[0..len) is NUL-terminated at s[len]. */
static int parse_number_z(const char *s, size_t len, double *v, locale_t cloc)
{
    if (len == 0) return -1;
    const char *e = scan_number(s, v, cloc, 0);
    if (e == s + len) return 0;
    const char *t = s;
    size_t n = len;
    int neg = 0;
    if (*t == '-' || *t == '+') {
        neg = *t == '-';
        t++;
        n--;
    }
    if (ieq(t, n, "inf") || ieq(t, n, "infinity")) {
        *v = neg ? -INFINITY : INFINITY;
        return 0;
    }
    if (ieq(t, n, "nan")) {
        *v = NAN;
        return 0;
    }
    return -1;
}

int od_csv_parse_number(const char *s, size_t len, double *v)
{
    char small[128], *b = small;
    if (len >= sizeof small && !(b = malloc(len + 1))) return -1;
    memcpy(b, s, len);
    b[len] = 0;
    locale_t cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    int rc = cloc ? parse_number_z(b, len, v, cloc) : -1;
    if (cloc) freelocale(cloc);
    if (b != small) free(b);
    return rc;
}

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
static void fmt_double(double x, char *buf, size_t n)
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

/* ------------------------------------------------------------------ labels */

static int icontains(const char *s, const char *w)
{
    size_t n = strlen(s), k = strlen(w);
    for (size_t i = 0; i + k <= n; i++)
        if (ieq(s + i, k, w)) return 1;
    return 0;
}

static int iprefix(const char *s, const char *w)
{
    size_t k = strlen(w);
    return strlen(s) >= k && ieq(s, k, w);
}

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ieq(s, strlen(s), list[i])) return 1;
    return 0;
}

static int negated(const char *s) { return iprefix(s, "non") || iprefix(s, "not"); }

static int anomaly_word(const char *s)
{
    static const char *const exact[] = { "yes", "y", "true", "t", "o", "a", "1", "positive", "pos" };
    static const char *const part[] = { "anom", "outlier", "abnormal", "attack", "fraud" };
    if (in_list(s, exact, sizeof exact / sizeof *exact)) return 1;
    if (negated(s)) return 0;
    for (size_t i = 0; i < sizeof part / sizeof *part; i++)
        if (icontains(s, part[i])) return 1;
    return 0;
}

static int normal_word(const char *s)
{
    static const char *const exact[] = { "normal", "no", "n", "false", "f", "0", "inlier", "benign",
                                         "negative", "neg", "nominal", "ok", "good" };
    if (in_list(s, exact, sizeof exact / sizeof *exact)) return 1;
    return negated(s) && (icontains(s, "anom") || icontains(s, "outlier"));
}

int od_csv_is_label_name(const char *name)
{
    return in_list(name, label_names, sizeof label_names / sizeof *label_names);
}

int od_csv_label_pick(const char *const *vals, const size_t *counts, int n, int numeric, const char **why)
{
    *why = "named";
    if (n <= 0) return -1;
    if (numeric) {
        double v[2];
        int all01 = 1;
        for (int i = 0; i < n; i++) {
            v[i] = strtod(vals[i], NULL);
            if (v[i] != 0 && v[i] != 1) all01 = 0;
        }
        if (all01) {
            *why = "0/1";
            for (int i = 0; i < n; i++)
                if (v[i] == 1) return i;
            return -1;
        }
        *why = "less frequent";
        if (n == 1) {
            *why = "single value";
            return -1;
        }
        if (counts[0] != counts[1]) return counts[0] < counts[1] ? 0 : 1;
        *why = "larger value (equal counts)";
        return v[0] > v[1] ? 0 : 1;
    }
    if (n == 1) return anomaly_word(vals[0]) ? 0 : -1;
    int a0 = anomaly_word(vals[0]), a1 = anomaly_word(vals[1]);
    if (a0 != a1) return a0 ? 0 : 1;
    int n0 = normal_word(vals[0]), n1 = normal_word(vals[1]);
    if (n0 != n1) return n0 ? 1 : 0;
    *why = "less frequent";
    if (counts[0] != counts[1]) return counts[0] < counts[1] ? 0 : 1;
    *why = "sorts last (equal counts)";
    return strcmp(vals[0], vals[1]) > 0 ? 0 : 1;
}

/* ------------------------------------------------------------------ reader */

enum { T_UNDEC, T_NUM, T_TIME, T_TEXT, T_LNUM, T_LTEXT };
enum { F_BAIL, F_NUM, F_TIME, F_TEXT, F_SKIP, F_LNUM, F_LTEXT, F_UNDEC };
enum { C_NA, C_NUM, C_TIME, C_TEXT };
enum { REC_OK = 0, REC_MORE = 1, REC_BLANK = 2 };

typedef struct {
    char *name;
    int keep, type, fast, ignored, label, lookalike;
    double *num;
    char **text;
    size_t nbad, nvalid;
} col_t;

typedef struct {
    size_t off, len, line, col;
    int quoted;
} fld_t;

typedef struct {
    od_ctx *ctx;
    const char *name;
    const od_csv_opts *opts;
    locale_t cloc;
    /* source */
    int fd;
    const char *mem;
    size_t memlen, mempos;
    uint64_t total; /* size when known, else 0 */
    int eof;
    /* buffer: data in [pos, len), buf[len] == 0 */
    char *buf;
    size_t cap, len, pos;
    uint64_t base; /* offset of buf[0] in the input */
    size_t line;   /* line of buf[pos] */
    uint64_t linestart;
    char sep;
    const char *const *na;
    size_t nna;
    int na_num; /* some NA token reads as a number (e.g. -999) */
    int looks_header; /* header=0 given, but line 1 looks like one */
    /* parallel regions so far: wall and CPU seconds */
    double par_wall, par_cpu;
    int par_regions;
    /* current record */
    char *scr;
    size_t scrcap, scrlen;
    fld_t *f;
    size_t fcap, nf;
    size_t recline, eolcol;
    /* columns */
    size_t ncol;
    col_t *cols;
    size_t nrow, rcap;
    size_t ncol_line; /* line whose field count defines ncol */
    /* label */
    long lab;
    int nlv;
    double lv[2];
    char *ls[2];
    long timecol;
    int threads;
} reader;

static int fail(reader *r, size_t line, size_t col, int code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(reader *r, size_t line, size_t col, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = od_read_verror(r->ctx, r->name, line, col, code, fmt, ap);
    va_end(ap);
    return rc;
}


static int is_na(const reader *r, const char *s, size_t n)
{
    for (size_t i = 0; i < r->nna; i++) {
        const char *t = r->na[i];
        if (strlen(t) == n && memcmp(t, s, n) == 0) return 1;
    }
    return 0;
}

static int classify(const reader *r, const char *s, size_t n)
{
    double v;
    if (is_na(r, s, n)) return C_NA;
    if (parse_number_z(s, n, &v, r->cloc) == 0) return C_NUM;
    if (od_time_parse(s, n, &v) == 0) return C_TIME;
    return C_TEXT;
}

/* ---- input */

static int fill(reader *r)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->base += r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len + 1 >= r->cap) {
        size_t ncap = r->cap * 2;
        if (ncap > CSV_MAX_RECORD)
            return fail(r, r->line, 1, OD_EDATA, "a record longer than %zu MB starts here (expected a line end; is a quote left open?)",
                        CSV_MAX_RECORD >> 20);
        char *nb = realloc(r->buf, ncap + CSV_PAD);
        if (!nb) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory for a record of %zu bytes", r->name, r->len);
        r->buf = nb;
        r->cap = ncap;
    }
    while (!r->eof && r->len + 1 < r->cap) {
        size_t want = r->cap - 1 - r->len;
        if (r->fd < 0) {
            size_t k = r->memlen - r->mempos < want ? r->memlen - r->mempos : want;
            memcpy(r->buf + r->len, r->mem + r->mempos, k);
            r->mempos += k;
            r->len += k;
            if (r->mempos == r->memlen) r->eof = 1;
        } else {
            ssize_t k = read(r->fd, r->buf + r->len, want);
            if (k < 0) {
                if (errno == EINTR) continue;
                return fail(r, 0, 0, OD_EIO, "read error: %s", strerror(errno));
            }
            if (k == 0) r->eof = 1;
            r->len += (size_t)k;
        }
    }
    memset(r->buf + r->len, 0, CSV_PAD);
    return OD_OK;
}

/* ---- record tokenizer (general path) */

static int scr_put(reader *r, const char *s, size_t n)
{
    if (r->scrlen + n + 1 > r->scrcap) {
        size_t nc = r->scrcap ? r->scrcap : 256;
        while (nc < r->scrlen + n + 1) nc *= 2;
        char *ns = realloc(r->scr, nc);
        if (!ns) return od_error(r->ctx, OD_ENOMEM, "out of memory reading a record of %s", r->name);
        r->scr = ns;
        r->scrcap = nc;
    }
    memcpy(r->scr + r->scrlen, s, n);
    r->scrlen += n;
    return OD_OK;
}

static int fld_add(reader *r, size_t off, size_t len, size_t line, size_t col, int quoted)
{
    if (r->nf == r->fcap) {
        size_t nc = r->fcap ? 2 * r->fcap : 64;
        fld_t *nf = realloc(r->f, nc * sizeof *nf);
        if (!nf) return od_error(r->ctx, OD_ENOMEM, "out of memory reading a record of %s", r->name);
        r->f = nf;
        r->fcap = nc;
    }
    r->f[r->nf++] = (fld_t){ off, len, line, col, quoted };
    return OD_OK;
}

static int is_blank(char c, char sep) { return c == ' ' || (c == '\t' && sep != '\t'); }

/* Splits the record at buf[pos] into fields (copied, unescaped and
 * NUL-terminated into r->scr).  REC_MORE: the record is not complete in the
 * buffer yet (nothing consumed).  REC_BLANK: an empty line (consumed). */
static int tokenize(reader *r)
{
    const char *b = r->buf, *p = b + r->pos, *e = b + r->len;
    const char sep = r->sep;
    size_t line = r->line;
    uint64_t ls = r->linestart;
    int rc;
    char ex[64];
    r->nf = 0;
    r->scrlen = 0;
    r->recline = line;
#define COLAT(q) ((size_t)(r->base + (uint64_t)((q) - b) - ls) + 1)
    for (;;) {
        while (p < e && is_blank(*p, sep)) p++;
        size_t col = COLAT(p), off = r->scrlen, fline = line;
        int quoted = 0;
        if (p < e && *p == '"') {
            size_t qcol = col;
            quoted = 1;
            p++;
            for (;;) {
                const char *q = p;
                while (q < e && *q != '"' && *q != '\n' && *q != 0) q++;
                if (q > p && (rc = scr_put(r, p, (size_t)(q - p)))) return rc;
                p = q;
                if (p >= e) {
                    if (!r->eof) return REC_MORE;
                    return fail(r, fline, qcol, OD_EDATA,
                                "unterminated quoted field: the quote opened here is never closed (expected a closing '\"')");
                }
                if (*p == '"') {
                    if (p + 1 >= e && !r->eof) return REC_MORE;
                    if (p + 1 < e && p[1] == '"') {
                        if ((rc = scr_put(r, "\"", 1))) return rc;
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == 0)
                    return fail(r, line, COLAT(p), OD_EFORMAT, "NUL byte: this looks like a binary file (expected text)");
                if ((rc = scr_put(r, "\n", 1))) return rc;
                p++;
                line++;
                ls = r->base + (uint64_t)(p - b);
            }
            while (p < e && is_blank(*p, sep)) p++;
            if (p < e && *p != sep && *p != '\n' && *p != '\r')
                return fail(r, line, COLAT(p), OD_EDATA,
                            "unexpected '%s' after the closing quote of a field (expected the separator or the end of the line)",
                            od_read_excerpt(p, 1, ex));
        } else {
            const char *s0 = p;
            while (p < e && *p != sep && *p != '\n' && *p != '\r') {
                if (*p == '"')
                    return fail(r, line, COLAT(p), OD_EDATA,
                                "stray '\"' inside an unquoted field (expected the whole field in quotes, with \"\" for each quote)");
                if (*p == 0)
                    return fail(r, line, COLAT(p), OD_EFORMAT, "NUL byte: this looks like a binary file (expected text)");
                p++;
            }
            if (p >= e && !r->eof) return REC_MORE;
            const char *s1 = p;
            while (s1 > s0 && is_blank(s1[-1], sep)) s1--;
            if ((rc = scr_put(r, s0, (size_t)(s1 - s0)))) return rc;
        }
        size_t flen = r->scrlen - off;
        if (p >= e && !r->eof) return REC_MORE;
        if ((rc = scr_put(r, "", 1))) return rc;
        if ((rc = fld_add(r, off, flen, fline, col, quoted))) return rc;
        if (p < e && *p == sep) {
            p++;
            continue;
        }
        r->eolcol = COLAT(p);
        if (p >= e) break; /* end of input (eof) */
        if (*p == '\r') {
            if (p + 1 >= e && !r->eof) return REC_MORE;
            p++;
            if (p < e && *p == '\n') p++;
        } else
            p++;
        line++;
        ls = r->base + (uint64_t)(p - b);
        break;
    }
#undef COLAT
    r->pos = (size_t)(p - b);
    r->line = line;
    r->linestart = ls;
    if (r->nf == 1 && !r->f[0].quoted && r->f[0].len == 0) return REC_BLANK;
    return REC_OK;
}

static int ragged(reader *r)
{
    if (r->nf > r->ncol)
        return fail(r, r->f[r->ncol].line, r->f[r->ncol].col, OD_EDATA,
                    "row has %zu fields, expected %zu (as in line %zu)", r->nf, r->ncol, r->ncol_line);
    return fail(r, r->line > r->recline ? r->line - 1 : r->recline, r->eolcol, OD_EDATA,
                "row has %zu field%s, expected %zu (as in line %zu)", r->nf, r->nf == 1 ? "" : "s", r->ncol,
                r->ncol_line);
}

/* ---- column storage */

static int grow_rows(reader *r, size_t need)
{
    if (need <= r->rcap) return OD_OK;
    size_t nc = r->rcap + r->rcap / 2;
    if (nc < need) nc = need;
    if (nc < 64) nc = 64;
    for (size_t j = 0; j < r->ncol; j++) {
        col_t *c = &r->cols[j];
        if (!c->keep) continue;
        if (c->num) {
            double *nn = realloc(c->num, nc * sizeof *nn);
            if (!nn) goto oom;
            c->num = nn;
        }
        if (c->text) {
            char **nt = realloc(c->text, nc * sizeof *nt);
            if (!nt) goto oom;
            c->text = nt;
        }
    }
    r->rcap = nc;
    return OD_OK;
oom:
    return od_error(r->ctx, OD_ENOMEM, "%s: out of memory for %zu rows", r->name, nc);
}

static void set_fast(col_t *c)
{
    if (!c->keep) c->fast = F_SKIP;
    else switch (c->type) {
    case T_NUM: c->fast = F_NUM; break;
    case T_TIME: c->fast = F_TIME; break;
    case T_TEXT: c->fast = F_TEXT; break;
    case T_LNUM: c->fast = F_LNUM; break;
    case T_LTEXT: c->fast = F_LTEXT; break;
    case T_UNDEC: c->fast = F_UNDEC; break;
    default: c->fast = F_BAIL; break;
    }
}

/* A column missing so far receives its first value: it takes that type. */
static int decide(reader *r, size_t j, int cls)
{
    col_t *c = &r->cols[j];
    if (c->label) c->type = cls == C_NUM ? T_LNUM : T_LTEXT;
    else if (cls == C_NUM) c->type = T_NUM;
    else if (cls == C_TIME) c->type = T_TIME;
    else {
        c->type = T_TEXT;
        char **t = calloc(r->rcap ? r->rcap : 1, sizeof *t);
        if (!t) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory", r->name);
        free(c->num);
        c->num = NULL;
        c->text = t;
    }
    set_fast(c);
    return OD_OK;
}

static int label_third(reader *r, size_t j, const char *s, size_t n, size_t line, size_t col)
{
    char ex[64], a[64], b2[64];
    col_t *c = &r->cols[j];
    if (c->type == T_LNUM) {
        fmt_double(r->lv[0], a, sizeof a);
        fmt_double(r->lv[1], b2, sizeof b2);
    } else {
        od_read_excerpt(r->ls[0], strlen(r->ls[0]), a);
        od_read_excerpt(r->ls[1], strlen(r->ls[1]), b2);
    }
    return fail(r, line, col, OD_EDATA,
                "label column '%s' has a third distinct value '%s' after '%s' and '%s' (expected 0/1 or two values; "
                "choose another column with label= or drop it with ignore=)",
                c->name, od_read_excerpt(s, n, ex), a, b2);
}

/* Stores field s[0..n) (NUL-terminated) as row `row` of column j. */
static int store(reader *r, size_t j, size_t row, const char *s, size_t n, size_t line, size_t col)
{
    col_t *c = &r->cols[j];
    char ex[64];
    double v;
    int rc;
    if (!c->keep) return OD_OK;
    if (c->type == T_UNDEC) {
        int cls = classify(r, s, n);
        if (cls == C_NA) {
            c->num[row] = NAN;
            return OD_OK;
        }
        if ((rc = decide(r, j, cls))) return rc;
    }
    switch (c->type) {
    case T_NUM:
        if (is_na(r, s, n))
            c->num[row] = NAN;
        else if (parse_number_z(s, n, &v, r->cloc) == 0) {
            c->num[row] = v;
            c->nvalid++;
        } else if (c->ignored) {
            c->num[row] = NAN;
            c->nbad++;
        } else
            return fail(r, line, col, OD_EDATA,
                        "'%s' in numeric column '%s' (expected a number or a missing-value token such as NA%s)",
                        od_read_excerpt(s, n, ex), c->name,
                        r->looks_header && line == r->ncol_line ? "; with header=0 line 1 is data, but it looks like a header" : "");
        return OD_OK;
    case T_TIME:
        if (is_na(r, s, n))
            c->num[row] = NAN;
        else if (od_time_parse(s, n, &v) == 0) {
            c->num[row] = v;
            c->nvalid++;
        } else if (c->ignored) {
            c->num[row] = NAN;
            c->nbad++;
        } else
            return fail(r, line, col, OD_EDATA,
                        "'%s' in timestamp column '%s' (expected YYYY-MM-DD[ HH:MM[:SS]] or a missing-value token)",
                        od_read_excerpt(s, n, ex), c->name);
        return OD_OK;
    case T_TEXT:
        if (is_na(r, s, n)) c->text[row] = NULL;
        else {
            if (!(c->text[row] = malloc(n + 1))) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory", r->name);
            memcpy(c->text[row], s, n + 1);
            c->nvalid++;
        }
        return OD_OK;
    case T_LNUM:
        if (is_na(r, s, n)) {
            c->num[row] = NAN;
            return OD_OK;
        }
        if (parse_number_z(s, n, &v, r->cloc) || isnan(v))
            return fail(r, line, col, OD_EDATA,
                        "'%s' in label column '%s' whose values are numbers (expected 0/1 or two distinct values)",
                        od_read_excerpt(s, n, ex), c->name);
        for (int k = 0; k < r->nlv; k++)
            if (r->lv[k] == v) {
                c->num[row] = v;
                c->nvalid++;
                return OD_OK;
            }
        if (r->nlv == 2) return label_third(r, j, s, n, line, col);
        r->lv[r->nlv++] = v;
        c->num[row] = v;
        c->nvalid++;
        return OD_OK;
    case T_LTEXT:
        if (is_na(r, s, n)) {
            c->num[row] = NAN;
            return OD_OK;
        }
        for (int k = 0; k < r->nlv; k++)
            if (strcmp(r->ls[k], s) == 0) {
                c->num[row] = k;
                c->nvalid++;
                return OD_OK;
            }
        if (r->nlv == 2) return label_third(r, j, s, n, line, col);
        if (!(r->ls[r->nlv] = malloc(n + 1))) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory", r->name);
        memcpy(r->ls[r->nlv], s, n + 1);
        c->num[row] = r->nlv++;
        c->nvalid++;
        return OD_OK;
    }
    return OD_OK;
}

/* Releases the text stored in columns [0, upto) of a row that is not kept. */
static void row_abort(reader *r, size_t row, size_t upto)
{
    for (size_t j = 0; j < upto && j < r->ncol; j++) {
        col_t *c = &r->cols[j];
        if (c->keep && c->text) {
            free(c->text[row]);
            c->text[row] = NULL;
        }
    }
}

/* One record through the general path.  Returns REC_OK, REC_MORE or an error. */
static int general_row(reader *r)
{
    int rc = tokenize(r);
    if (rc == REC_MORE || rc < 0) return rc;
    if (rc == REC_BLANK) return REC_OK;
    if (r->nf != r->ncol) return ragged(r);
    if ((rc = grow_rows(r, r->nrow + 1))) return rc;
    for (size_t j = 0; j < r->ncol; j++) {
        const fld_t *f = &r->f[j];
        if ((rc = store(r, j, r->nrow, r->scr + f->off, f->len, f->line, f->col))) {
            row_abort(r, r->nrow, j);
            return rc;
        }
    }
    r->nrow++;
    return REC_OK;
}

/* ---- fast path: one unquoted line of the expected shape.  Returns the end of
 * the line (past '\n') or NULL to let the general path handle it.  Thread-safe
 * apart from F_TEXT's malloc; reads only the label values already known. */
/* If the field at p is a missing-value token (unquoted, untrimmed): its end. */
static inline const char *fast_na(const reader *r, const char *p)
{
    const char sep = r->sep, *q = p;
    while (*q != sep && *q != '\n' && *q != '\r' && *q != '"' && *q) q++;
    if (*q == '"' || !*q) return NULL;
    return is_na(r, p, (size_t)(q - p)) ? q : NULL;
}

static const char *fast_row(const reader *r, const char *p, size_t row)
{
    const char sep = r->sep;
    const size_t nc = r->ncol;
    size_t j;
    for (j = 0; j < nc; j++) {
        col_t *c = &r->cols[j];
        const char *q;
        if (c->fast == F_NUM) { /* the common case first, outside the switch */
            q = scan_number_short(p, &c->num[row], r->cloc);
            if (!q || (r->na_num && is_na(r, p, (size_t)(q - p)))) {
                if (!(q = fast_na(r, p))) goto bail;
                c->num[row] = NAN;
            }
            p = q;
        } else switch (c->fast) {
        case F_LNUM: {
            double v;
            q = scan_number_short(p, &v, r->cloc);
            if (!q || (r->na_num && is_na(r, p, (size_t)(q - p)))) {
                if (!(q = fast_na(r, p))) goto bail;
                v = NAN;
            } else if (!(r->nlv > 0 && (v == r->lv[0] || (r->nlv > 1 && v == r->lv[1]))))
                goto bail;
            c->num[row] = v;
            p = q;
            break;
        }
        case F_UNDEC: /* no value yet: missing ones pass, the first value goes the general way */
            if (!(q = fast_na(r, p))) goto bail;
            c->num[row] = NAN;
            p = q;
            break;
        case F_SKIP:
            while (*p != sep && *p != '\n' && *p != '\r' && *p != '"' && *p) p++;
            if (*p == '"' || !*p) goto bail;
            break;
        case F_TIME:
        case F_TEXT:
        case F_LTEXT: {
            q = p;
            while (*q != sep && *q != '\n' && *q != '\r' && *q != '"' && *q) q++;
            if (*q == '"' || !*q) goto bail;
            size_t n = (size_t)(q - p);
            if (n && (is_blank(p[0], sep) || is_blank(q[-1], sep))) goto bail;
            if (is_na(r, p, n)) {
                if (c->fast == F_TEXT) c->text[row] = NULL;
                else c->num[row] = NAN;
            } else if (c->fast == F_TIME) {
                if (od_time_parse(p, n, &c->num[row])) goto bail;
            } else if (c->fast == F_LTEXT) {
                int k = 0;
                while (k < r->nlv && !(strlen(r->ls[k]) == n && memcmp(r->ls[k], p, n) == 0)) k++;
                if (k == r->nlv) goto bail;
                c->num[row] = k;
            } else {
                char *t = malloc(n + 1);
                if (!t) goto bail;
                memcpy(t, p, n);
                t[n] = 0;
                c->text[row] = t;
            }
            p = q;
            break;
        }
        default: goto bail;
        }
        if (j + 1 < nc) {
            if (*p != sep) goto bail;
            p++;
        }
    }
    if (*p == '\r') p++;
    if (*p != '\n') goto bail;
    return p + 1;
bail:
    for (size_t k = 0; k < j && k < nc; k++)
        if (r->cols[k].fast == F_TEXT) {
            free(r->cols[k].text[row]);
            r->cols[k].text[row] = NULL;
        }
    return NULL;
}

/* Lines [p, e) (e just past a '\n', no '"' inside) parsed by nthreads workers,
 * each on a share split at line ends, rows written straight to their final
 * place.  Stops at the first line of a share that needs the general path and
 * keeps only the rows before the first such line in file order, so the result
 * does not depend on the number of threads.  Returns the bytes consumed. */
static size_t count_lines(const char *s, const char *e)
{
    size_t k = 0;
    while (s < e) {
        const char *nl = memchr(s, '\n', (size_t)(e - s));
        if (!nl) break;
        k++;
        s = nl + 1;
    }
    return k;
}

/* One share of a parallel region: lines [s, se), rows from row0. */
typedef struct {
    const reader *r;
    const char *s0, *s, *se, *stop;
    size_t base, cap, row0, done, skip;
    double cpu; /* CPU seconds the share used */
} share_t;

static double thread_cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *share_run(void *arg)
{
    share_t *sh = arg;
    double c0 = thread_cpu();
    size_t row = sh->base + count_lines(sh->s0, sh->s), k = 0, sk = 0;
    const char *s = sh->s, *se = sh->se;
    while (s < se) {
        if (*s == '\n' || (*s == '\r' && s[1] == '\n')) {
            s += *s == '\n' ? 1 : 2;
            sk++;
            continue;
        }
        if (row + k >= sh->cap) break;
        const char *q = fast_row(sh->r, s, row + k);
        if (!q) break;
        s = q;
        k++;
    }
    sh->row0 = row;
    sh->done = k;
    sh->skip = sk;
    sh->stop = s;
    sh->cpu = thread_cpu() - c0;
    return NULL;
}

/* Lines [p, e) (e just past a '\n', no '"' inside) parsed by nthreads
 * threads, each on a share split at line ends, rows written straight to their
 * final place.  Plain threads, started per region and joined: no spinning
 * workers, which on a busy machine steal the time the parser needs.  Share t
 * counts the lines before it itself (cheap next to parsing), so there is no
 * barrier.  A share stops at the first line that needs the general path;
 * only the rows before the first such line in file order are kept, so the
 * result does not depend on the number of threads.  Returns the bytes used. */
static size_t fast_parallel(reader *r, const char *p, const char *e, int nthreads)
{
    enum { MAXT = 16 };
    share_t sh[MAXT];
    pthread_t tid[MAXT];
    int started[MAXT];
    if (nthreads > MAXT) nthreads = MAXT;
    size_t n = (size_t)(e - p);
    /* room for the rows expected from the bytes per row seen so far; a share
     * that reaches the capacity stops and the serial path goes on from there */
    double per = r->nrow ? (double)(r->base + r->pos) / (double)r->nrow : 8.0;
    if (per < 1) per = 1;
    if (grow_rows(r, r->nrow + (size_t)((double)n / per * 1.25) + 64)) {
        od_ctx_clear_error(r->ctx);
        return 0;
    }
    const char *prev = p;
    for (int t = 0; t < nthreads; t++) {
        const char *s = prev, *se = e;
        if (t + 1 < nthreads) {
            const char *cut = p + n * (size_t)(t + 1) / (size_t)nthreads;
            if (cut < s) cut = s;
            const char *nl = cut < e ? memchr(cut, '\n', (size_t)(e - cut)) : NULL;
            se = nl ? nl + 1 : e;
        }
        sh[t] = (share_t){ .r = r, .s0 = p, .s = s, .se = se, .base = r->nrow, .cap = r->rcap };
        prev = se;
    }
    double w0 = od_now();
    for (int t = 1; t < nthreads; t++) started[t] = pthread_create(&tid[t], NULL, share_run, &sh[t]) == 0;
    share_run(&sh[0]);
    for (int t = 1; t < nthreads; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else share_run(&sh[t]); /* could not start a thread: do it here */
    }
    /* On a machine busy with other work the threads only take turns on one
     * core, which is slower than one thread.  After two regions, if the CPU
     * time of the shares was not clearly more than the wall time, the rest of
     * this file is read by one thread (the frame is the same either way). */
    r->par_wall += od_now() - w0;
    for (int t = 0; t < nthreads; t++) r->par_cpu += sh[t].cpu;
    if (++r->par_regions >= 2 && r->par_cpu < 1.2 * r->par_wall) r->threads = 1;
    /* keep the complete shares and the first partial one, moving each share's
     * rows down over the places of the blank lines before it */
    size_t kept = 0, nlines = 0, base = r->nrow;
    const char *end = p;
    int t = 0;
    for (; t < nthreads; t++) {
        if (sh[t].row0 != base + kept && sh[t].done)
            for (size_t j = 0; j < r->ncol; j++) {
                col_t *c = &r->cols[j];
                if (!c->keep) continue;
                if (c->num) memmove(c->num + base + kept, c->num + sh[t].row0, sh[t].done * sizeof(double));
                if (c->text) memmove(c->text + base + kept, c->text + sh[t].row0, sh[t].done * sizeof(char *));
            }
        kept += sh[t].done;
        nlines += sh[t].done + sh[t].skip;
        end = sh[t].stop;
        if (sh[t].stop != sh[t].se) break;
    }
    /* rows parsed by later shares are dropped (parsed again serially): free
     * their text */
    for (int u = t + 1; u < nthreads; u++)
        for (size_t j = 0; j < r->ncol; j++) {
            col_t *c = &r->cols[j];
            if (c->keep && c->text)
                for (size_t i = 0; i < sh[u].done; i++) {
                    free(c->text[sh[u].row0 + i]);
                    c->text[sh[u].row0 + i] = NULL;
                }
        }
    r->nrow += kept;
    r->line += nlines;
    return (size_t)(end - p);
}

/* End of the region from buf[pos] that the parallel path may take: up to the
 * line end before the next '"' (or the last complete line). */
static const char *par_end(const reader *r, const char *lastnl)
{
    const char *p = r->buf + r->pos;
    const char *q = memchr(p, '"', (size_t)(lastnl + 1 - p));
    if (!q) return lastnl + 1;
    const char *nl = q > p ? memrchr(p, '\n', (size_t)(q - p)) : NULL;
    return nl ? nl + 1 : p;
}

/* Transparent huge pages for the part of a column sure to be filled: one
 * fault per 2 MB instead of per 4 kB (faults are costly on virtual machines).
 * The estimated tail stays in small pages so unused capacity is not touched. */
static void advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t h = (uintptr_t)2 << 20;
    uintptr_t a = ((uintptr_t)p + h - 1) & ~(h - 1), e = ((uintptr_t)p + bytes) & ~(h - 1);
    if (e > a) madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

/* Maps the pages of [p, p + bytes) now, in one call, instead of one page fault
 * per 4 kB while parsing (faults cost microseconds each on virtual machines).
 * Only used for capacity that the input's size says will be filled. */
static void prefault(void *p, size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
    const uintptr_t pg = 4096;
    uintptr_t a = ((uintptr_t)p + pg - 1) & ~(pg - 1), e = ((uintptr_t)p + bytes) & ~(pg - 1);
    if (e > a) (void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)bytes;
#endif
}

/* Before parsing a block: map the column pages its rows will fill (estimated
 * from the bytes per row so far, +10%), one madvise per column instead of a
 * fault per 4 kB page.  Bounded by the block, so a wrong estimate costs
 * little. */
static void prefault_block(reader *r)
{
    if (r->nrow == 0 || r->rcap <= r->nrow) return;
    double per = (double)(r->base + r->pos) / (double)r->nrow;
    if (per < 1) per = 1;
    size_t rows = (size_t)((double)(r->len - r->pos) / per * 1.1) + 64;
    if (rows > r->rcap - r->nrow) rows = r->rcap - r->nrow;
    if (rows * sizeof(double) < ((size_t)256 << 10)) return;
    for (size_t j = 0; j < r->ncol; j++)
        if (r->cols[j].keep && r->cols[j].num) prefault(r->cols[j].num + r->nrow, rows * sizeof(double));
}

static int stream(reader *r)
{
    int rc;
    for (;;) {
        prefault_block(r);
        char *b = r->buf;
        const char *lastnl = r->pos < r->len ? memrchr(b + r->pos, '\n', r->len - r->pos) : NULL;
        const char *pend = NULL;
        while (r->pos < r->len) {
            const char *p = b + r->pos;
            if (lastnl && p <= lastnl) {
                if (r->threads > 1) {
                    if (!pend || pend < p) pend = par_end(r, lastnl);
                    if ((size_t)(pend - p) >= CSV_PAR_MIN) {
                        size_t used = fast_parallel(r, p, pend, r->threads);
                        r->pos += used;
                        r->linestart = r->base + r->pos;
                        if (b + r->pos == pend) continue;
                        goto general; /* the line at pos needs the general path */
                    }
                }
                if (*p == '\n' || (*p == '\r' && p[1] == '\n')) { /* blank line */
                    r->pos += *p == '\n' ? 1 : 2;
                    r->line++;
                    r->linestart = r->base + r->pos;
                    continue;
                }
                if (r->nrow == r->rcap && (rc = grow_rows(r, r->nrow + 1))) return rc;
                const char *q = fast_row(r, p, r->nrow);
                if (q) {
                    r->nrow++;
                    r->pos = (size_t)(q - b);
                    r->line++;
                    r->linestart = r->base + r->pos;
                    continue;
                }
            } else if (!r->eof)
                break;
        general:
            rc = general_row(r);
            if (rc == REC_MORE) break;
            if (rc < 0) return rc;
        }
        if (r->eof && r->pos >= r->len) return OD_OK;
        if (od_cancelled(r->ctx)) return od_error(r->ctx, OD_ECANCEL, "%s: loading interrupted", r->name);
        if (r->total) od_progress(r->ctx, "load", (double)(r->base + r->pos) / (double)r->total, NULL);
        if ((rc = fill(r))) return rc;
    }
}

/* ---- sniffing */

static void line_col_of(const reader *r, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, ls = r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (size_t i = 0; i < off; i++)
        if (r->buf[i] == '\n') {
            l++;
            ls = i + 1;
        }
    *line = l;
    *col = off - ls + 1;
}

int od_csv_check_text(const char *buf, size_t n, int at_end, size_t *at)
{
    const unsigned char *b = (const unsigned char *)buf;
    for (size_t i = 0; i < n; i++) {
        /* eight ASCII bytes without a NUL at a time */
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, b + i, 8);
            if ((x & 0x8080808080808080ULL) || ((x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL)) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned c = b[i];
        if (c == 0) {
            *at = i;
            return 1;
        }
        if (c < 0x80) continue;
        size_t k = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        int ok = k > 0;
        for (size_t t = 1; ok && t < k; t++) {
            if (i + t >= n) {
                if (!at_end) return 0; /* cut by the end of the block */
                ok = 0;
                break;
            }
            unsigned d = b[i + t];
            if ((d & 0xC0) != 0x80) ok = 0;
            if (t == 1 && ((c == 0xE0 && d < 0xA0) || (c == 0xED && d >= 0xA0) || (c == 0xF0 && d < 0x90)
                           || (c == 0xF4 && d >= 0x90)))
                ok = 0;
        }
        if (!ok) {
            *at = i;
            return 2;
        }
        i += k - 1;
    }
    return 0;
}

static int check_text(reader *r, size_t from)
{
    size_t n = r->len < CSV_SNIFF ? r->len : CSV_SNIFF, at, line, col;
    int k = od_csv_check_text(r->buf + from, n > from ? n - from : 0, r->eof && n == r->len, &at);
    if (!k) return OD_OK;
    at += from;
    line_col_of(r, at, &line, &col);
    if (k == 1) return fail(r, line, col, OD_EFORMAT, "NUL byte: this looks like a binary file (expected delimited text)");
    return fail(r, line, col, OD_EFORMAT,
                "invalid UTF-8 byte 0x%02X (expected UTF-8 text; convert it, e.g. iconv -f latin1 -t utf-8)",
                (unsigned char)r->buf[at]);
}

static char detect_sep(const reader *r)
{
    static const char cand[4] = { ',', '\t', ';', '|' };
    size_t cnt[4][20], nl = 0;
    const char *p = r->buf + r->pos, *e = r->buf + r->len;
    while (p < e && nl < 20) {
        const char *q = p;
        size_t c[4] = { 0, 0, 0, 0 };
        int inq = 0;
        while (q < e && (inq || *q != '\n')) {
            if (*q == '"') inq = !inq;
            else if (!inq)
                for (int k = 0; k < 4; k++) c[k] += *q == cand[k];
            q++;
        }
        if (q >= e && !r->eof) break; /* partial last line */
        int blank = 1;
        for (const char *s = p; s < q; s++)
            if (*s != ' ' && *s != '\r' && *s != '\t') blank = 0;
        if (!blank) {
            for (int k = 0; k < 4; k++) cnt[k][nl] = c[k];
            nl++;
        }
        p = q + 1;
    }
    int best = -1;
    for (int k = 0; k < 4; k++) {
        if (nl == 0 || cnt[k][0] == 0) continue;
        int same = 1;
        for (size_t i = 1; i < nl; i++)
            if (cnt[k][i] != cnt[k][0]) same = 0;
        if (same && (best < 0 || cnt[k][0] > cnt[best][0])) best = k;
    }
    if (best >= 0) return cand[best];
    for (int k = 0; k < 4; k++)
        if (nl && cnt[k][0] && (best < 0 || cnt[k][0] > cnt[best][0])) best = k;
    return best >= 0 ? cand[best] : ',';
}

/* ---- sample */

typedef struct {
    char *arena;
    size_t alen, acap;
    fld_t *f;
    size_t nf, fcap;
    size_t nrec, reccap;
    size_t *recline;
} sample_t;

static void sample_free(sample_t *s)
{
    free(s->arena);
    free(s->f);
    free(s->recline);
}

static int sample_add(reader *r, sample_t *s)
{
    if (s->nrec == s->reccap) {
        size_t nc = s->reccap ? 2 * s->reccap : 64;
        size_t *nl = realloc(s->recline, nc * sizeof *nl);
        if (!nl) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory", r->name);
        s->recline = nl;
        s->reccap = nc;
    }
    if (s->alen + r->scrlen > s->acap) {
        size_t nc = s->acap ? s->acap : 4096;
        while (nc < s->alen + r->scrlen) nc *= 2;
        char *na = realloc(s->arena, nc);
        if (!na) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory", r->name);
        s->arena = na;
        s->acap = nc;
    }
    if (s->nf + r->nf > s->fcap) {
        size_t nc = s->fcap ? s->fcap : 256;
        while (nc < s->nf + r->nf) nc *= 2;
        fld_t *nf = realloc(s->f, nc * sizeof *nf);
        if (!nf) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory", r->name);
        s->f = nf;
        s->fcap = nc;
    }
    memcpy(s->arena + s->alen, r->scr, r->scrlen);
    for (size_t i = 0; i < r->nf; i++) {
        fld_t f = r->f[i];
        f.off += s->alen;
        s->f[s->nf++] = f;
    }
    s->alen += r->scrlen;
    s->recline[s->nrec++] = r->recline;
    return OD_OK;
}

/* ---- options */

static int find_col(const reader *r, const char *name)
{
    for (size_t j = 0; j < r->ncol; j++)
        if (strcmp(r->cols[j].name, name) == 0) return (int)j;
    return -1;
}

static int no_such_col(reader *r, const char *opt, const char *name)
{
    char list[200];
    size_t k = 0;
    list[0] = 0;
    for (size_t j = 0; j < r->ncol && k < sizeof list - 8; j++) {
        int w = snprintf(list + k, sizeof list - k, "%s%s", j ? ", " : "", r->cols[j].name);
        if (w < 0 || (size_t)w >= sizeof list - k) {
            snprintf(list + (sizeof list - 5 > k ? k : sizeof list - 5), 5, "...");
            k = sizeof list;
            break;
        }
        k += (size_t)w;
    }
    return fail(r, 0, 0, OD_EINVAL, "%s=%s: no column named '%s' (columns: %s)", opt, name, name, list);
}

static int resolve_options(reader *r)
{
    const od_csv_opts *o = r->opts;
    int j;
    if (o->ncolumns) {
        for (size_t j2 = 0; j2 < r->ncol; j2++) r->cols[j2].keep = 0;
        for (size_t i = 0; i < o->ncolumns; i++) {
            if ((j = find_col(r, o->columns[i])) < 0) return no_such_col(r, "columns", o->columns[i]);
            r->cols[j].keep = 1;
        }
    }
    for (size_t i = 0; i < o->nignore; i++) {
        if ((j = find_col(r, o->ignore[i])) < 0) return no_such_col(r, "ignore", o->ignore[i]);
        r->cols[j].ignored = 1;
    }
    r->lab = -1;
    if (o->label) {
        if ((j = find_col(r, o->label)) < 0) return no_such_col(r, "label", o->label);
        r->lab = j;
    } else {
        for (size_t k = 0; k < sizeof label_names / sizeof *label_names && r->lab < 0; k++)
            for (size_t j2 = 0; j2 < r->ncol; j2++)
                if (!r->cols[j2].ignored && ieq(r->cols[j2].name, strlen(r->cols[j2].name), label_names[k])) {
                    r->lab = (long)j2;
                    break;
                }
        if (r->lab >= 0)
            for (size_t j2 = 0; j2 < r->ncol; j2++) {
                col_t *c = &r->cols[j2];
                int listed = 0;
                for (size_t i = 0; i < o->ncolumns; i++)
                    if (strcmp(o->columns[i], c->name) == 0) listed = 1;
                if ((long)j2 != r->lab && !c->ignored && !listed
                    && (od_csv_is_label_name(c->name) || iprefix(c->name, "label_"))) {
                    c->ignored = 1;
                    c->lookalike = 1;
                }
            }
    }
    if (r->lab >= 0) {
        r->cols[r->lab].label = 1;
        r->cols[r->lab].keep = 1;
        r->cols[r->lab].ignored = 0;
    }
    r->timecol = -1;
    if (o->time) {
        if ((j = find_col(r, o->time)) < 0) return no_such_col(r, "time", o->time);
        if (j == r->lab) return fail(r, 0, 0, OD_EINVAL, "time=%s: '%s' is also the label column", o->time, o->time);
        r->timecol = j;
        r->cols[j].keep = 1;
        r->cols[j].ignored = 0;
    }
    return OD_OK;
}

/* ---- header and names */

static int decide_header(reader *r, const sample_t *s)
{
    int mode = r->opts->header;
    if (mode == 1) return 1;
    size_t nr = s->nrec, nc = r->ncol;
    int ev_for = 0, ev_against = 0, allfull = 1;
    for (size_t j = 0; j < nc; j++) {
        const fld_t *h = &s->f[j];
        const char *hs = s->arena + h->off;
        int hc = classify(r, hs, h->len);
        if (h->len == 0) allfull = 0;
        if (hc == C_NUM || hc == C_TIME) {
            ev_against++;
            continue;
        }
        if (hc == C_NA) continue;
        size_t nnum = 0, ntext = 0, same = 0;
        for (size_t i = 1; i < nr; i++) {
            const fld_t *f = &s->f[i * nc + j];
            const char *fs = s->arena + f->off;
            int c = classify(r, fs, f->len);
            if (c == C_NUM || c == C_TIME) nnum++;
            else if (c == C_TEXT) ntext++;
            if (f->len == h->len && memcmp(fs, hs, h->len) == 0) same++;
        }
        if (same) ev_against++;
        else if (nnum > 0 && ntext == 0) ev_for++;
    }
    if (mode == 0) {
        r->looks_header = ev_for > 0 && ev_against == 0; /* for a hint if line 1 fails */
        return 0;
    }
    return ev_for > 0 || (ev_against == 0 && allfull);
}

/* qsort has no context argument; set_names runs on the calling thread only
 * and does not nest, so a thread-local pointer is enough. */
static _Thread_local const col_t *sort_cols;

static int cmp_name(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(sort_cols[i].name, sort_cols[j].name);
    return c ? c : (i > j) - (i < j);
}

static int set_names(reader *r, const sample_t *s, int header)
{
    r->cols = calloc(r->ncol, sizeof *r->cols);
    if (!r->cols) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory", r->name);
    for (size_t j = 0; j < r->ncol; j++) {
        char tmp[32];
        const char *nm = tmp;
        snprintf(tmp, sizeof tmp, "V%zu", j + 1);
        if (header && s->f[j].len) nm = s->arena + s->f[j].off;
        if (!(r->cols[j].name = strdup(nm))) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory", r->name);
        r->cols[j].keep = 1;
    }
    /* duplicates: sort the indices by name (O(n log n) for wide files) and
     * report the repeat that comes first in the file */
    size_t *idx = malloc(r->ncol * sizeof *idx), bj = SIZE_MAX, bk = 0;
    if (!idx) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory", r->name);
    for (size_t j = 0; j < r->ncol; j++) idx[j] = j;
    sort_cols = r->cols;
    qsort(idx, r->ncol, sizeof *idx, cmp_name);
    for (size_t i = 1; i < r->ncol; i++)
        if (strcmp(r->cols[idx[i]].name, r->cols[idx[i - 1]].name) == 0 && idx[i] < bj) {
            size_t g = i - 1; /* the first of this run of equal names */
            while (g > 0 && strcmp(r->cols[idx[g - 1]].name, r->cols[idx[i]].name) == 0) g--;
            bj = idx[i];
            bk = idx[g];
        }
    free(idx);
    if (bj != SIZE_MAX) {
        char ex[64];
        return fail(r, header ? s->f[bj].line : 0, header ? s->f[bj].col : 0, OD_EDATA,
                    "duplicate column name '%s' (also column %zu; expected unique names)",
                    od_read_excerpt(r->cols[bj].name, strlen(r->cols[bj].name), ex), bk + 1);
    }
    return OD_OK;
}

/* Types from the sample's data rows (records first..nrec). */
static int infer_types(reader *r, const sample_t *s, size_t first)
{
    size_t nc = r->ncol;
    for (size_t j = 0; j < nc; j++) {
        col_t *c = &r->cols[j];
        if (!c->keep) {
            c->type = T_UNDEC;
            continue;
        }
        size_t n[4] = { 0, 0, 0, 0 };
        for (size_t i = first; i < s->nrec; i++) {
            const fld_t *f = &s->f[i * nc + j];
            n[classify(r, s->arena + f->off, f->len)]++;
        }
        if (c->label) c->type = n[C_NUM] + n[C_TIME] + n[C_TEXT] == 0 ? T_UNDEC : n[C_TIME] + n[C_TEXT] ? T_LTEXT : T_LNUM;
        else if (n[C_NUM] + n[C_TIME] + n[C_TEXT] == 0) c->type = T_UNDEC;
        else if (n[C_NUM] > n[C_TIME] + n[C_TEXT]) c->type = T_NUM;
        else if (n[C_TIME] > n[C_NUM] + n[C_TEXT]) c->type = T_TIME;
        else c->type = T_TEXT;
        if ((long)j == r->timecol && c->type == T_TEXT) {
            /* point at the first value that is not a timestamp */
            for (size_t i = first; i < s->nrec; i++) {
                const fld_t *f = &s->f[i * nc + j];
                int k = classify(r, s->arena + f->off, f->len);
                if (k == C_TEXT) {
                    char ex[64];
                    return fail(r, f->line, f->col, OD_EDATA,
                                "time=%s: '%s' is not a timestamp (expected YYYY-MM-DD[ HH:MM[:SS]] in the time column)",
                                c->name, od_read_excerpt(s->arena + f->off, f->len, ex));
                }
            }
        }
    }
    return OD_OK;
}

static int alloc_cols(reader *r, size_t rcap, size_t sure)
{
    if (rcap < 16) rcap = 16;
    for (size_t j = 0; j < r->ncol; j++) {
        col_t *c = &r->cols[j];
        if (!c->keep) {
            set_fast(c);
            continue;
        }
        if (c->type == T_TEXT) c->text = calloc(rcap, sizeof *c->text);
        else c->num = malloc(rcap * sizeof *c->num);
        if (!c->text && !c->num) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory for %zu rows", r->name, rcap);
        if (c->num && sure * sizeof(double) >= ((size_t)4 << 20)) advise_huge(c->num, sure * sizeof(double));
        set_fast(c);
    }
    r->rcap = rcap;
    return OD_OK;
}

/* ---- finishing */

static void cols_free(reader *r)
{
    if (!r->cols) return;
    for (size_t j = 0; j < r->ncol; j++) {
        col_t *c = &r->cols[j];
        free(c->name);
        free(c->num);
        if (c->text) {
            for (size_t i = 0; i < r->nrow; i++) free(c->text[i]);
            free(c->text);
        }
    }
    free(r->cols);
    r->cols = NULL;
}

static void map_label(reader *r)
{
    col_t *c = &r->cols[r->lab];
    size_t cnt[2] = { 0, 0 };
    for (size_t i = 0; i < r->nrow; i++) {
        double v = c->num[i];
        if (isnan(v)) continue;
        if (c->type == T_LTEXT) cnt[(int)v]++;
        else cnt[v == r->lv[0] ? 0 : 1]++;
    }
    char b0[64], b1[64];
    const char *vals[2];
    if (c->type == T_LTEXT) {
        vals[0] = r->ls[0];
        vals[1] = r->ls[1];
    } else {
        fmt_double(r->lv[0], b0, sizeof b0);
        fmt_double(r->lv[1], b1, sizeof b1);
        vals[0] = b0;
        vals[1] = b1;
    }
    if (r->nlv == 0) {
        od_warn(r->ctx, "%s: label column '%s' has no values (all missing)", r->name, c->name);
        return;
    }
    const char *why;
    int a = od_csv_label_pick(vals, cnt, r->nlv, c->type == T_LNUM, &why);
    if (c->type == T_LNUM && strcmp(why, "0/1") == 0) return;
    for (size_t i = 0; i < r->nrow; i++) {
        double v = c->num[i];
        if (isnan(v)) continue;
        int k = c->type == T_LTEXT ? (int)v : (v == r->lv[0] ? 0 : 1);
        c->num[i] = k == a ? 1.0 : 0.0;
    }
    char e0[64], e1[64];
    if (r->nlv == 1)
        od_warn(r->ctx, "%s: label column '%s' has the single value '%s', read as %d (%s)", r->name, c->name,
                od_read_excerpt(vals[0], strlen(vals[0]), e0), a == 0, why);
    else
        od_warn(r->ctx, "%s: label column '%s': '%s' -> 1 (anomaly, %zu rows), '%s' -> 0 (%s)", r->name, c->name,
                od_read_excerpt(vals[a], strlen(vals[a]), e0), cnt[a], od_read_excerpt(vals[1 - a], strlen(vals[1 - a]), e1), why);
}

static od_frame *build_frame(reader *r, size_t header_line, int header)
{
    if (r->nrow == 0) {
        if (header)
            fail(r, header_line, 1, OD_EDATA, "header line but no data rows (0 rows; expected rows of values after line %zu)",
                 header_line);
        else fail(r, 1, 1, OD_EDATA, "empty file (expected a header line and rows of values)");
        return NULL;
    }
    if (r->lab >= 0) map_label(r);
    long tcol = r->timecol;
    for (size_t j = 0; j < r->ncol && tcol < 0; j++)
        if (r->cols[j].keep && r->cols[j].type == T_TIME && !r->cols[j].ignored) tcol = (long)j;
    od_frame *f = od_frame_new(r->ctx, r->nrow);
    if (!f) return NULL;
    size_t nkeep = 0;
    for (size_t j = 0; j < r->ncol; j++) nkeep += r->cols[j].keep != 0;
    /* the names are unique (checked on the header): the columns go straight
     * into the frame, without od_frame_add_*'s linear duplicate search */
    if (!(f->cols = calloc(nkeep ? nkeep : 1, sizeof *f->cols))) {
        od_frame_free(f);
        od_error(r->ctx, OD_ENOMEM, "%s: out of memory", r->name);
        return NULL;
    }
    f->cap = nkeep ? nkeep : 1;
    for (size_t j = 0; j < r->ncol; j++) {
        col_t *c = &r->cols[j];
        if (!c->keep) continue;
        od_role role = OD_ROLE_FEATURE;
        od_coltype type = OD_COL_NUM;
        if (c->label) role = OD_ROLE_LABEL;
        else if ((long)j == tcol) role = OD_ROLE_TIME;
        else if (c->ignored || c->type == T_TEXT || c->type == T_TIME) role = OD_ROLE_IGNORED;
        if (c->type == T_TIME) type = OD_COL_TIME;
        if (c->lookalike)
            od_warn(r->ctx, "%s: column '%s' looks like a second label column: ignored (list it in columns= to use it)",
                    r->name, c->name);
        if (c->nbad)
            od_warn(r->ctx, "%s: ignored column '%s': %zu values that are not %s were read as missing", r->name, c->name,
                    c->nbad, c->type == T_TIME ? "timestamps" : "numbers");
        if (c->type == T_UNDEC && !c->label && role == OD_ROLE_FEATURE) {
            role = OD_ROLE_IGNORED;
            od_warn(r->ctx, "%s: column '%s' has no values (all missing): ignored", r->name, c->name);
        }
        od_column *fc = &f->cols[f->ncol++];
        *fc = (od_column){ .name = c->name, .type = c->text ? OD_COL_TEXT : type, .role = role };
        c->name = NULL;
        if (c->text) {
            char **t = realloc(c->text, r->nrow * sizeof *t);
            fc->text = t ? t : c->text;
            c->text = NULL;
        } else {
            double *v = realloc(c->num, r->nrow * sizeof *v);
            fc->num = v ? v : c->num;
            c->num = NULL;
        }
    }
    return f;
}

/* ---- driver */

static od_frame *read_all(reader *r, int *err)
{
    od_frame *f = NULL;
    sample_t s = { 0 };
    int rc, header = 0;
    size_t header_line = 0, first = 0;
    if ((rc = fill(r))) goto out;
    /* UTF-8 byte order mark */
    if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
        r->pos = 3;
        r->linestart = 3;
    }
    if ((rc = check_text(r, r->pos))) goto out;
    if (!r->sep) r->sep = detect_sep(r);
    /* sample records; an error after the first record waits until the names
     * are checked, so that a bad header line (earlier in the file) wins */
    size_t maxrec = CSV_SAMPLE_ROWS + 1;
    int late = 0;
    char latemsg[1024];
    for (;;) {
        rc = tokenize(r);
        if (rc == REC_MORE) {
            if ((rc = fill(r))) goto out;
            continue;
        }
        if (rc == REC_OK && s.nrec == 0) {
            r->ncol = r->nf;
            r->ncol_line = r->recline;
            if (CSV_SAMPLE_FIELDS / r->ncol + 1 < maxrec) maxrec = CSV_SAMPLE_FIELDS / r->ncol + 2;
        } else if (rc == REC_OK && r->nf != r->ncol)
            rc = ragged(r);
        if (rc < 0) {
            if (s.nrec == 0 || rc == OD_ENOMEM) goto out;
            late = rc;
            snprintf(latemsg, sizeof latemsg, "%s", od_ctx_errmsg(r->ctx));
            break;
        }
        if (rc == REC_OK) {
            if ((rc = sample_add(r, &s))) goto out;
            if (s.nrec >= maxrec) break;
        }
        if (r->pos >= r->len && r->eof) break;
    }
    if (s.nrec == 0) {
        rc = fail(r, 1, 1, OD_EDATA, "empty file (expected a header line and rows of values)");
        goto out;
    }
    header = decide_header(r, &s);
    if ((rc = set_names(r, &s, header))) goto out;
    if (late) {
        rc = od_error(r->ctx, late, "%s", latemsg);
        goto out;
    }
    if (header) {
        header_line = s.recline[0];
        first = 1;
    }
    if ((rc = resolve_options(r))) goto out;
    if ((rc = infer_types(r, &s, first))) goto out;
    /* capacity: the sample's bytes per row extrapolated to the input size */
    size_t est = s.nrec - first + 64, sure = 0;
    if (r->total) {
        uint64_t used = r->base + r->pos;
        double per = (double)used / (double)(s.nrec ? s.nrec : 1);
        if (per < 1) per = 1;
        double more = (double)(r->total - used) / per;
        if (more > 0 && more < 1e12) {
            est += (size_t)(more * 1.05);
            sure = s.nrec - first + (size_t)more;
        }
    }
    if ((rc = alloc_cols(r, est, sure))) goto out;
    for (size_t i = first; i < s.nrec; i++) {
        for (size_t j = 0; j < r->ncol; j++) {
            const fld_t *fl = &s.f[i * r->ncol + j];
            if ((rc = store(r, j, r->nrow, s.arena + fl->off, fl->len, fl->line, fl->col))) {
                row_abort(r, r->nrow, j);
                goto out;
            }
        }
        r->nrow++;
    }
    sample_free(&s);
    memset(&s, 0, sizeof s);
    if ((rc = stream(r))) goto out;
    f = build_frame(r, header_line, header);
    rc = f ? OD_OK : OD_EDATA;
    if (!f && r->nrow) rc = OD_ENOMEM;
out:
    sample_free(&s);
    if (!f && rc == OD_OK) rc = OD_EDATA;
    if (err) *err = f ? OD_OK : rc;
    return f;
}

static void reader_init(reader *r, od_ctx *ctx, const char *name, const od_csv_opts *opts)
{
    static const od_csv_opts defaults = { .header = -1 };
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->name = name;
    r->opts = opts ? opts : &defaults;
    r->fd = -1;
    r->line = 1;
    r->sep = r->opts->sep;
    r->na = r->opts->na ? r->opts->na : default_na;
    r->nna = r->opts->na ? r->opts->nna : sizeof default_na / sizeof *default_na;
    for (size_t i = 0; i < r->nna; i++) {
        double v;
        if (od_csv_parse_number(r->na[i], strlen(r->na[i]), &v) == 0 && !isnan(v)) r->na_num = 1;
    }
    r->lab = -1;
    r->timecol = -1;
    r->threads = od_ctx_threads(ctx);
}

static void reader_done(reader *r)
{
    cols_free(r);
    free(r->buf);
    free(r->scr);
    free(r->f);
    free(r->ls[0]);
    free(r->ls[1]);
    if (r->cloc) freelocale(r->cloc);
    if (r->fd >= 0) close(r->fd);
}

static od_frame *run(reader *r, int *err)
{
    od_frame *f = NULL;
    int rc = OD_OK;
    if (r->sep == '"' || r->sep == '\n' || r->sep == '\r' || r->sep == 0x7f) {
        rc = fail(r, 0, 0, OD_EINVAL, "sep=%s: cannot be the separator (expected one character such as , ; | or a tab)",
                  r->sep == '"' ? "\"" : r->sep == '\n' ? "\\n" : r->sep == '\r' ? "\\r" : "DEL");
        goto done;
    }
    r->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    r->cap = CSV_CHUNK + 1;
    if (r->total && r->total < CSV_CHUNK) r->cap = (size_t)r->total + 2; /* small input: small buffer */
    r->buf = malloc(r->cap + CSV_PAD);
    if (!r->cloc || !r->buf) {
        rc = od_error(r->ctx, OD_ENOMEM, "%s: out of memory", r->name);
        goto done;
    }
    f = read_all(r, &rc);
done:
    reader_done(r);
    if (err) *err = rc;
    return f;
}

od_frame *od_csv_read(od_ctx *ctx, const char *path, const od_csv_opts *opts, int *err)
{
    reader r;
    reader_init(&r, ctx, path, opts);
    r.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r.fd < 0) {
        int rc = fail(&r, 0, 0, OD_EIO, "cannot open: %s", strerror(errno));
        if (err) *err = rc;
        return NULL;
    }
    struct stat st;
    if (fstat(r.fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            int rc = fail(&r, 0, 0, OD_EIO, "is a directory (expected a data file)");
            close(r.fd);
            if (err) *err = rc;
            return NULL;
        }
        if (S_ISREG(st.st_mode)) r.total = (uint64_t)st.st_size;
    }
    return run(&r, err);
}

od_frame *od_csv_read_mem(od_ctx *ctx, const char *name, const char *buf, size_t len, const od_csv_opts *opts, int *err)
{
    reader r;
    reader_init(&r, ctx, name ? name : "(memory)", opts);
    r.mem = buf;
    r.memlen = len;
    r.total = len;
    if (len == 0) r.eof = 1;
    return run(&r, err);
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
                fmt_double(c->num[i], buf, sizeof buf);
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
