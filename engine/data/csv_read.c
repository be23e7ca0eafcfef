/* csv_read.c - the CSV reader's driver: input, the general-path tokenizer,
 * column storage, numbers, and the frame at the end (csv_int.h has the map). */
#include "config.h"
#include "csv_int.h"
#include "timeparse.h"
#include "readerr.h"
#include "../core/num.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const default_na[] = { "", "NA", "NaN", "nan", "null", "NULL", "?" };

/* ------------------------------------------------------------------ numbers */

int od_csv_parse_number_z(const char *s, size_t len, double *v, locale_t cloc)
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
    int rc = cloc ? od_csv_parse_number_z(b, len, v, cloc) : -1;
    if (cloc) freelocale(cloc);
    if (b != small) free(b);
    return rc;
}

int od_csv_fail(reader *r, size_t line, size_t col, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = od_read_verror(r->ctx, r->name, line, col, code, fmt, ap);
    va_end(ap);
    return rc;
}

/* A number as the options read it: with decimal=',' the comma is the decimal
 * mark and a '.' makes the value not a number. */
static int parse_num(const reader *r, const char *s, size_t n, double *v)
{
    if (r->opts->decimal != ',') return od_csv_parse_number_z(s, n, v, r->cloc);
    if (n == 0 || memchr(s, '.', n)) return -1;
    char small[128], *b = n < sizeof small ? small : malloc(n + 1);
    if (!b) return -1;
    for (size_t i = 0; i < n; i++) b[i] = s[i] == ',' ? '.' : s[i];
    b[n] = 0;
    int rc = od_csv_parse_number_z(b, n, v, r->cloc);
    if (b != small) free(b);
    return rc;
}

int od_csv_classify(const reader *r, const char *s, size_t n)
{
    double v;
    if (is_na(r, s, n)) return C_NA;
    if (parse_num(r, s, n, &v) == 0) return C_NUM;
    if (od_time_parse(s, n, &v) == 0) return C_TIME;
    return C_TEXT;
}

/* ---- input */

int od_csv_fill(reader *r)
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
            return od_csv_fail(r, r->line, 1, OD_EDATA, "a record longer than %zu MB starts here (expected a line end; is a quote left open?)",
                               CSV_MAX_RECORD >> 20);
        char *nb = od_realloc(r->ctx, r->buf, ncap + CSV_PAD);
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
            if (od_cancelled(r->ctx)) return od_error(r->ctx, OD_ECANCEL, "%s: loading interrupted", r->name);
            ssize_t k = read(r->fd, r->buf + r->len, want);
            if (k < 0) {
                if (errno == EINTR) continue;
                return od_csv_fail(r, 0, 0, OD_EIO, "read error: %s", strerror(errno));
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
        char *ns = od_realloc(r->ctx, r->scr, nc);
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
        fld_t *nf = od_realloc(r->ctx, r->f, nc * sizeof *nf);
        if (!nf) return od_error(r->ctx, OD_ENOMEM, "out of memory reading a record of %s", r->name);
        r->f = nf;
        r->fcap = nc;
    }
    r->f[r->nf++] = (fld_t){ off, len, line, col, quoted };
    return OD_OK;
}

/* Splits the record at buf[pos] into fields (copied, unescaped and
 * NUL-terminated into r->scr).  REC_MORE: the record is not complete in the
 * buffer yet (nothing consumed).  REC_BLANK: an empty line (consumed). */
int od_csv_tokenize(reader *r)
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
                    return od_csv_fail(r, fline, qcol, OD_EDATA,
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
                    return od_csv_fail(r, line, COLAT(p), OD_EFORMAT, "NUL byte: this looks like a binary file (expected text)");
                if ((rc = scr_put(r, "\n", 1))) return rc;
                p++;
                line++;
                ls = r->base + (uint64_t)(p - b);
            }
            while (p < e && is_blank(*p, sep)) p++;
            if (p < e && *p != sep && *p != '\n' && *p != '\r')
                return od_csv_fail(r, line, COLAT(p), OD_EDATA,
                                   "unexpected '%s' after the closing quote of a field (expected the separator or the end of the line)",
                                   od_read_excerpt(p, 1, ex));
        } else {
            const char *s0 = p;
            while (p < e && *p != sep && *p != '\n' && *p != '\r') {
                if (*p == '"')
                    return od_csv_fail(r, line, COLAT(p), OD_EDATA,
                                       "stray '\"' inside an unquoted field (expected the whole field in quotes, with \"\" for each quote)");
                if (*p == 0)
                    return od_csv_fail(r, line, COLAT(p), OD_EFORMAT, "NUL byte: this looks like a binary file (expected text)");
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

int od_csv_ragged(reader *r)
{
    if (r->nf > r->ncol)
        return od_csv_fail(r, r->f[r->ncol].line, r->f[r->ncol].col, OD_EDATA,
                           "row has %zu fields, expected %zu (as in line %zu)", r->nf, r->ncol, r->ncol_line);
    return od_csv_fail(r, r->line > r->recline ? r->line - 1 : r->recline, r->eolcol, OD_EDATA,
                       "row has %zu field%s, expected %zu (as in line %zu)", r->nf, r->nf == 1 ? "" : "s", r->ncol,
                       r->ncol_line);
}

/* ---- column storage */

int od_csv_grow_rows(reader *r, size_t need)
{
    if (need <= r->rcap) return OD_OK;
    size_t nc = r->rcap + r->rcap / 2;
    if (nc < need) nc = need;
    if (nc < 64) nc = 64;
    for (size_t j = 0; j < r->ncol; j++) {
        col_t *c = &r->cols[j];
        if (!c->keep) continue;
        if (c->num) {
            double *nn = od_realloc(r->ctx, c->num, nc * sizeof *nn);
            if (!nn) goto oom;
            c->num = nn;
        }
        if (c->text) {
            char **nt = od_realloc(r->ctx, c->text, nc * sizeof *nt);
            if (!nt) goto oom;
            c->text = nt;
        }
    }
    r->rcap = nc;
    return OD_OK;
oom:
    return od_error(r->ctx, OD_ENOMEM, "%s: out of memory for %zu rows", r->name, nc);
}

static void set_fast(col_t *c, int dec_comma)
{
    if (!c->keep) c->fast = F_SKIP;
    else switch (c->type) {
    case T_NUM: c->fast = dec_comma ? F_BAIL : F_NUM; break; /* decimal=,: the general path */
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
        char **t = od_calloc(r->ctx, r->rcap ? r->rcap : 1, sizeof *t);
        if (!t) return od_read_oom(r->ctx, r->name);
        free(c->num);
        c->num = NULL;
        c->text = t;
    }
    set_fast(c, r->opts->decimal == ',');
    return OD_OK;
}

static int label_third(reader *r, size_t j, const char *s, size_t n, size_t line, size_t col)
{
    char ex[64], a[64], b2[64];
    col_t *c = &r->cols[j];
    if (c->type == T_LNUM) {
        od_csv_fmt_double(r->lv[0], a, sizeof a);
        od_csv_fmt_double(r->lv[1], b2, sizeof b2);
    } else {
        od_read_excerpt(r->ls[0], strlen(r->ls[0]), a);
        od_read_excerpt(r->ls[1], strlen(r->ls[1]), b2);
    }
    return od_csv_fail(r, line, col, OD_EDATA,
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
        int cls = od_csv_classify(r, s, n);
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
        else if (parse_num(r, s, n, &v) == 0 && (isnan(v) || od_value_ok(v) || c->ignored)) {
            c->num[row] = v;
            c->nvalid++;
        } else if (parse_num(r, s, n, &v) == 0) {
            /* the one rule for numbers at the edges (core/num.h) */
            return od_csv_fail(r, line, col, OD_EDATA,
                               "'%s' in numeric column '%s' %s (values must be finite, at most 1e100 in size, so "
                               "squares cannot overflow): to read it as missing add it to missing= (e.g. missing=NA,%s), "
                               "or rescale the column",
                               od_read_excerpt(s, n, ex), c->name, od_value_why(v), od_read_excerpt(s, n, ex));
        } else if (c->ignored) {
            c->num[row] = NAN;
            c->nbad++;
        } else
            return od_csv_fail(r, line, col, OD_EDATA,
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
            return od_csv_fail(r, line, col, OD_EDATA,
                               "'%s' in timestamp column '%s' (expected YYYY-MM-DD[ HH:MM[:SS]] or a missing-value token)",
                               od_read_excerpt(s, n, ex), c->name);
        return OD_OK;
    case T_TEXT:
        if (is_na(r, s, n)) c->text[row] = NULL;
        else {
            const char *bad = find_ctrl(s, n);
            if (bad)
                return od_csv_fail(r, line, col + (size_t)(bad - s), OD_EDATA,
                                   "control character 0x%02X in '%s' in text column '%s' (expected printable text: printed, it "
                                   "could take over the terminal; remove it, or leave the column out with columns=)",
                                   (unsigned char)*bad, od_read_excerpt(s, n, ex), c->name);
            if (!(c->text[row] = od_malloc(r->ctx, n + 1))) return od_read_oom(r->ctx, r->name);
            memcpy(c->text[row], s, n + 1);
            c->nvalid++;
        }
        return OD_OK;
    case T_LNUM:
        if (is_na(r, s, n)) {
            c->num[row] = NAN;
            return OD_OK;
        }
        if (od_csv_parse_number_z(s, n, &v, r->cloc) || isnan(v))
            return od_csv_fail(r, line, col, OD_EDATA,
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
        if (!(r->ls[r->nlv] = od_malloc(r->ctx, n + 1))) return od_read_oom(r->ctx, r->name);
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
int od_csv_general_row(reader *r)
{
    int rc = od_csv_tokenize(r);
    if (rc == REC_MORE || rc < 0) return rc;
    if (rc == REC_BLANK) return REC_OK;
    if (r->nf != r->ncol) return od_csv_ragged(r);
    if ((rc = od_csv_grow_rows(r, r->nrow + 1))) return rc;
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

static int alloc_cols(reader *r, size_t rcap, size_t sure)
{
    if (rcap < 16) rcap = 16;
    for (size_t j = 0; j < r->ncol; j++) {
        col_t *c = &r->cols[j];
        if (!c->keep) {
            set_fast(c, r->opts->decimal == ',');
            continue;
        }
        if (c->type == T_TEXT) c->text = od_calloc(r->ctx, rcap, sizeof *c->text);
        else c->num = od_malloc(r->ctx, rcap * sizeof *c->num);
        if (!c->text && !c->num) return od_error(r->ctx, OD_ENOMEM, "%s: out of memory for %zu rows", r->name, rcap);
        if (c->num && sure * sizeof(double) >= ((size_t)4 << 20)) advise_huge(c->num, sure * sizeof(double));
        set_fast(c, r->opts->decimal == ',');
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
        od_csv_fmt_double(r->lv[0], b0, sizeof b0);
        od_csv_fmt_double(r->lv[1], b1, sizeof b1);
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
            od_csv_fail(r, header_line, 1, OD_EDATA, "header line but no data rows (0 rows; expected rows of values after line %zu)",
                        header_line);
        else od_csv_fail(r, 1, 1, OD_EDATA, "empty file (expected a header line and rows of values)");
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
    if (!(f->cols = od_calloc(r->ctx, nkeep ? nkeep : 1, sizeof *f->cols))) {
        od_frame_free(f);
        od_read_oom(r->ctx, r->name);
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
            char **t = od_realloc(r->ctx, c->text, r->nrow * sizeof *t);
            fc->text = t ? t : c->text;
            c->text = NULL;
        } else {
            double *v = od_realloc(r->ctx, c->num, r->nrow * sizeof *v);
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
    if ((rc = od_csv_fill(r))) goto out;
    /* UTF-8 byte order mark */
    if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
        r->pos = 3;
        r->linestart = 3;
    }
    if ((rc = od_csv_sniff(r, &s, &header))) goto out;
    if (header) {
        header_line = s.recline[0];
        first = 1;
    }
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
    od_csv_sample_free(&s);
    memset(&s, 0, sizeof s);
    if ((rc = od_csv_stream(r))) goto out;
    f = build_frame(r, header_line, header);
    rc = f ? OD_OK : OD_EDATA;
    if (!f && r->nrow) rc = OD_ENOMEM;
out:
    od_csv_sample_free(&s);
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
        rc = od_csv_fail(r, 0, 0, OD_EINVAL, "sep=%s: cannot be the separator (expected one character such as , ; | or a tab)",
                         r->sep == '"' ? "\"" : r->sep == '\n' ? "\\n" : r->sep == '\r' ? "\\r" : "DEL");
        goto done;
    }
    if (r->opts->decimal && r->opts->decimal != '.' && r->opts->decimal != ',') {
        rc = od_csv_fail(r, 0, 0, OD_EINVAL, "decimal=%c: expected . or ,", r->opts->decimal);
        goto done;
    }
    r->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    r->cap = CSV_CHUNK + 1;
    if (r->total && r->total < CSV_CHUNK) r->cap = (size_t)r->total + 2; /* small input: small buffer */
    r->buf = od_malloc(r->ctx, r->cap + CSV_PAD);
    if (!r->cloc || !r->buf) {
        rc = od_read_oom(r->ctx, r->name);
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
        int rc = od_csv_fail(&r, 0, 0, OD_EIO, "cannot open: %s", strerror(errno));
        if (err) *err = rc;
        return NULL;
    }
    struct stat st;
    if (fstat(r.fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            int rc = od_csv_fail(&r, 0, 0, OD_EIO, "is a directory (expected a data file)");
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
