/* csv_int.h - internals shared by the CSV reader's files (not part of the API).
 *
 *   csv_read.c   the driver, input refills, the general-path record tokenizer,
 *                column storage, number parsing, building the frame
 *   csv_sniff.c  text check, separator, the sample: header, names, options,
 *                types; the label-column heuristics
 *   csv_fast.c   the fast path (one unquoted line of the expected shape), its
 *                parallel regions and the streaming loop that drives both paths
 *   csv_write.c  od_csv_write and the round-trip number format
 *
 * The hot helpers (number scanning, missing-value tokens) are static inline
 * here so the fast path inlines them as before the split. */
#ifndef OD_DATA_CSV_INT_H
#define OD_DATA_CSV_INT_H

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "csv.h"

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

/* ------------------------------------------------------------------ numbers */

static const double pow10_tab[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

static inline int is_digit(char c) { return (unsigned)(c - '0') < 10u; }

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

static inline int ieq(const char *a, size_t n, const char *b)
{
    size_t k = strlen(b);
    if (n != k) return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return 0;
    return 1;
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

/* Records sampled before the types are decided (arena of unescaped fields). */
typedef struct {
    char *arena;
    size_t alen, acap;
    fld_t *f;
    size_t nf, fcap;
    size_t nrec, reccap;
    size_t *recline;
} sample_t;

static inline int is_na(const reader *r, const char *s, size_t n)
{
    for (size_t i = 0; i < r->nna; i++) {
        const char *t = r->na[i];
        if (strlen(t) == n && memcmp(t, s, n) == 0) return 1;
    }
    return 0;
}

/* First control byte in s[0..n) (below 32 except tab and line ends, or DEL),
 * or NULL: printed, such text could move the cursor or retitle the terminal. */
static inline const char *find_ctrl(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 32 && c != '\t' && c != '\n' && c != '\r') || c == 127) return s + i;
    }
    return NULL;
}

static inline int is_blank(char c, char sep) { return c == ' ' || (c == '\t' && sep != '\t'); }

/* csv_read.c */
int od_csv_fail(reader *r, size_t line, size_t col, int code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* s[0..len) is NUL-terminated at s[len]. */
int od_csv_parse_number_z(const char *s, size_t len, double *v, locale_t cloc);
int od_csv_classify(const reader *r, const char *s, size_t n);   /* C_NA, C_NUM, C_TIME or C_TEXT */
int od_csv_fill(reader *r);            /* refill the buffer from the input */
int od_csv_tokenize(reader *r);        /* one record into r->f / r->scr: REC_OK, REC_MORE, REC_BLANK */
int od_csv_ragged(reader *r);          /* the error for a record with the wrong field count */
int od_csv_grow_rows(reader *r, size_t need);
int od_csv_general_row(reader *r);     /* one record through the general path */

/* csv_sniff.c: from the first buffer: check the text, pick the separator,
 * sample records, decide the header, the names, the options' columns and the
 * types.  *header: 1 when line 1 is a header.  The caller frees s. */
int od_csv_sniff(reader *r, sample_t *s, int *header);
void od_csv_sample_free(sample_t *s);

/* csv_fast.c: parse the rest of the input (fast path, parallel regions,
 * general path for what the fast one declines). */
int od_csv_stream(reader *r);

/* csv_write.c: text that reads back to exactly x. */
void od_csv_fmt_double(double x, char *buf, size_t n);

#endif
