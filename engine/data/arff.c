#include "config.h"
#include "arff.h"
#include "timeparse.h"
#include "readerr.h"
#include "../core/num.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum { A_NUM, A_STR, A_DATE, A_NOM } atype;

typedef struct {
    char *name;
    atype type;
    char **vals; /* nominal values */
    size_t nvals;
    size_t line;
    double *num;
    char **text;
    int keep, ignored, label, lookalike, multiclass;
} attr_t;

typedef struct {
    od_ctx *ctx;
    const char *name;
    const od_csv_opts *opts;
    const char *buf;
    size_t len;
    attr_t *a;
    size_t na, acap;
    size_t nrow, rcap;
    size_t *rowline;
    /* current line */
    size_t line;
    const char *ls;
    /* field scratch */
    char *scr;
    size_t scrcap, scrlen;
    size_t *foff, *fcol;
    int *fq;
    size_t nf, fcap;
} arff;

static int fail(arff *r, size_t line, size_t col, int code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(arff *r, size_t line, size_t col, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = od_read_verror(r->ctx, r->name, line, col, code, fmt, ap);
    va_end(ap);
    return rc;
}


static int oom(arff *r) { return od_read_oom(r->ctx, r->name); }

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* ---- scratch fields: strings copied (unquoted, unescaped, NUL-terminated) */

static int put(arff *r, const char *s, size_t n)
{
    if (r->scrlen + n + 1 > r->scrcap) {
        size_t nc = r->scrcap ? r->scrcap : 256;
        while (nc < r->scrlen + n + 1) nc *= 2;
        char *ns = od_realloc(r->ctx, r->scr, nc);
        if (!ns) return oom(r);
        r->scr = ns;
        r->scrcap = nc;
    }
    memcpy(r->scr + r->scrlen, s, n);
    r->scrlen += n;
    return OD_OK;
}

static int add_field(arff *r, size_t off, size_t col, int quoted)
{
    if (r->nf == r->fcap) {
        size_t nc = r->fcap ? 2 * r->fcap : 32;
        size_t *no = od_realloc(r->ctx, r->foff, nc * sizeof *no);
        if (!no) return oom(r);
        r->foff = no;
        size_t *ncl = od_realloc(r->ctx, r->fcol, nc * sizeof *ncl);
        if (!ncl) return oom(r);
        r->fcol = ncl;
        int *nq = od_realloc(r->ctx, r->fq, nc * sizeof *nq);
        if (!nq) return oom(r);
        r->fq = nq;
        r->fcap = nc;
    }
    r->foff[r->nf] = off;
    r->fcol[r->nf] = col;
    r->fq[r->nf] = quoted;
    r->nf++;
    return OD_OK;
}

/* Reads one value at *pp (quoted with ' or " and backslash escapes, or bare up
 * to one of `stops` or the end) into the scratch as a new field. */
static int read_value(arff *r, const char **pp, const char *e, const char *stops)
{
    const char *p = *pp;
    int rc;
    while (p < e && is_space(*p)) p++;
    size_t off = r->scrlen, col = (size_t)(p - r->ls) + 1;
    int quoted = 0;
    if (p < e && (*p == '\'' || *p == '"')) {
        char q = *p++;
        quoted = 1;
        for (;;) {
            if (p >= e)
                return fail(r, r->line, col, OD_EDATA, "unterminated quoted value (expected a closing %c on the same line)", q);
            if (*p == q) {
                p++;
                break;
            }
            char c = *p;
            if (c == '\\' && p + 1 < e) {
                p++;
                c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p;
            }
            if ((rc = put(r, &c, 1))) return rc;
            p++;
        }
        while (p < e && is_space(*p)) p++;
    } else {
        const char *s0 = p;
        char st[4] = { 0, 0, 0, 0 }; /* up to four stop characters, compared inline */
        for (int i = 0; i < 4 && stops[i]; i++) st[i] = stops[i];
        for (int i = (int)strlen(stops); i < 4; i++) st[i] = st[0];
        while (p < e && *p != st[0] && *p != st[1] && *p != st[2] && *p != st[3]) p++;
        const char *s1 = p;
        while (s1 > s0 && is_space(s1[-1])) s1--;
        if ((rc = put(r, s0, (size_t)(s1 - s0)))) return rc;
    }
    if ((rc = put(r, "", 1))) return rc;
    if ((rc = add_field(r, off, col, quoted))) return rc;
    *pp = p;
    return OD_OK;
}

static const char *fld(const arff *r, size_t i) { return r->scr + r->foff[i]; }

/* ---- header */

static int add_attr(arff *r, size_t line)
{
    if (r->na == r->acap) {
        size_t nc = r->acap ? 2 * r->acap : 16;
        attr_t *n = od_realloc(r->ctx, r->a, nc * sizeof *n);
        if (!n) return oom(r);
        r->a = n;
        r->acap = nc;
    }
    r->a[r->na] = (attr_t){ .line = line, .keep = 1 };
    r->na++;
    return OD_OK;
}

static int word_is(const char *p, const char *e, const char *w)
{
    size_t k = strlen(w);
    return (size_t)(e - p) >= k && strncasecmp(p, w, k) == 0 && (p + k == e || is_space(p[k]) || p[k] == '{');
}

static int parse_attribute(arff *r, const char *p, const char *e)
{
    int rc;
    char ex[64];
    p += 10; /* "@attribute" */
    r->nf = 0;
    r->scrlen = 0;
    while (p < e && is_space(*p)) p++;
    if (p >= e) return fail(r, r->line, (size_t)(p - r->ls) + 1, OD_EFORMAT, "@attribute without a name (expected @attribute NAME TYPE)");
    if ((rc = read_value(r, &p, e, " \t\r{"))) return rc;
    if (!*fld(r, 0)) return fail(r, r->line, r->fcol[0], OD_EFORMAT, "empty attribute name (expected @attribute NAME TYPE)");
    if ((rc = add_attr(r, r->line))) return rc;
    attr_t *a = &r->a[r->na - 1];
    if (!(a->name = od_strdup(r->ctx, fld(r, 0)))) return oom(r);
    for (size_t k = 0; k + 1 < r->na; k++)
        if (strcmp(r->a[k].name, a->name) == 0)
            return fail(r, r->line, r->fcol[0], OD_EDATA, "duplicate attribute name '%s' (also attribute %zu; expected unique names)",
                        od_read_excerpt(a->name, strlen(a->name), ex), k + 1);
    while (p < e && is_space(*p)) p++;
    size_t tcol = (size_t)(p - r->ls) + 1;
    if (p < e && *p == '{') {
        p++;
        a->type = A_NOM;
        r->nf = 0;
        r->scrlen = 0;
        for (;;) {
            if ((rc = read_value(r, &p, e, ",}"))) return rc;
            if (p >= e) return fail(r, r->line, tcol, OD_EFORMAT, "nominal list not closed (expected '}')");
            if (*p == '}') {
                p++;
                break;
            }
            if (*p != ',') return fail(r, r->line, (size_t)(p - r->ls) + 1, OD_EFORMAT, "unexpected character in a nominal list (expected ',' or '}')");
            p++;
        }
        if (r->nf == 1 && !r->fq[0] && !*fld(r, 0))
            return fail(r, r->line, tcol, OD_EFORMAT, "empty nominal list (expected {value1,value2,...})");
        if (!(a->vals = od_calloc(r->ctx, r->nf, sizeof *a->vals))) return oom(r);
        a->nvals = r->nf;
        for (size_t i = 0; i < r->nf; i++) {
            for (size_t k = 0; k < i; k++)
                if (strcmp(fld(r, k), fld(r, i)) == 0)
                    return fail(r, r->line, r->fcol[i], OD_EFORMAT, "nominal value '%s' listed twice", od_read_excerpt(fld(r, i), strlen(fld(r, i)), ex));
            if (!(a->vals[i] = od_strdup(r->ctx, fld(r, i)))) return oom(r);
        }
        while (p < e && is_space(*p)) p++;
        if (p < e && *p != '%')
            return fail(r, r->line, (size_t)(p - r->ls) + 1, OD_EFORMAT, "unexpected text after the nominal list (expected the end of the line)");
        return OD_OK;
    }
    if (word_is(p, e, "numeric") || word_is(p, e, "real") || word_is(p, e, "integer")) a->type = A_NUM;
    else if (word_is(p, e, "string")) a->type = A_STR;
    else if (word_is(p, e, "date")) a->type = A_DATE;
    else if (word_is(p, e, "relational"))
        return fail(r, r->line, tcol, OD_EFORMAT, "relational attributes are not supported (expected numeric, string, date or {...})");
    else {
        const char *w = p;
        while (w < e && !is_space(*w)) w++;
        if (p >= e)
            return fail(r, r->line, tcol, OD_EFORMAT, "attribute '%s' has no type (expected numeric, real, integer, string, date or {a,b,...})",
                        od_read_excerpt(a->name, strlen(a->name), ex));
        return fail(r, r->line, tcol, OD_EFORMAT, "unknown attribute type '%s' (expected numeric, real, integer, string, date or {a,b,...})",
                    od_read_excerpt(p, (size_t)(w - p), ex));
    }
    return OD_OK;
}

/* ---- data */

static int grow(arff *r)
{
    size_t nc = r->rcap ? 2 * r->rcap : 256;
    size_t *nl = od_realloc(r->ctx, r->rowline, nc * sizeof *nl);
    if (!nl) return oom(r);
    r->rowline = nl;
    for (size_t j = 0; j < r->na; j++) {
        attr_t *a = &r->a[j];
        if (a->type == A_STR) {
            char **t = od_realloc(r->ctx, a->text, nc * sizeof *t);
            if (!t) return oom(r);
            a->text = t;
        } else {
            double *v = od_realloc(r->ctx, a->num, nc * sizeof *v);
            if (!v) return oom(r);
            a->num = v;
        }
    }
    r->rcap = nc;
    return OD_OK;
}

static void row_abort(arff *r, size_t row, size_t upto)
{
    for (size_t j = 0; j < upto; j++)
        if (r->a[j].type == A_STR) {
            free(r->a[j].text[row]);
            r->a[j].text[row] = NULL;
        }
}

static int parse_row(arff *r, const char *p, const char *e)
{
    int rc;
    char ex[64];
    r->nf = 0;
    r->scrlen = 0;
    if (*p == '{') return fail(r, r->line, (size_t)(p - r->ls) + 1, OD_EFORMAT, "sparse ARFF is not supported (expected one value per attribute, comma-separated)");
    for (;;) {
        if ((rc = read_value(r, &p, e, ",%"))) return rc;
        if (p >= e || *p == '%') break;
        if (*p != ',') return fail(r, r->line, (size_t)(p - r->ls) + 1, OD_EDATA, "unexpected '%c' after a quoted value (expected ',' or the end of the line)", *p);
        p++;
    }
    /* instance weight: a trailing {w} */
    if (r->nf == r->na + 1 && !r->fq[r->nf - 1] && fld(r, r->nf - 1)[0] == '{') r->nf--;
    if (r->nf != r->na) {
        size_t col = r->nf > r->na ? r->fcol[r->na] : (size_t)(e - r->ls) + 1;
        return fail(r, r->line, col, OD_EDATA, "row has %zu value%s, expected %zu (one per @attribute)", r->nf, r->nf == 1 ? "" : "s", r->na);
    }
    if (r->nrow == r->rcap && (rc = grow(r))) return rc;
    size_t i = r->nrow;
    for (size_t j = 0; j < r->na; j++) {
        attr_t *a = &r->a[j];
        const char *s = fld(r, j);
        size_t n = strlen(s);
        int missing = !r->fq[j] && strcmp(s, "?") == 0;
        if (a->type == A_STR) {
            a->text[i] = NULL;
            if (!missing && !(a->text[i] = od_strdup(r->ctx, s))) {
                row_abort(r, i, j);
                return oom(r);
            }
            continue;
        }
        double v = NAN;
        rc = OD_OK;
        if (!missing) {
            if (a->type == A_NUM) {
                if (od_csv_parse_number(s, n, &v))
                    rc = fail(r, r->line, r->fcol[j], OD_EDATA, "'%s' in numeric attribute '%s' (expected a number or ?)", od_read_excerpt(s, n, ex), a->name);
                else if (!isnan(v) && !od_value_ok(v)) /* the one rule for numbers at the edges (core/num.h) */
                    rc = fail(r, r->line, r->fcol[j], OD_EDATA, "'%s' in numeric attribute '%s' %s (values must be finite, "
                              "at most 1e100 in size, so squares cannot overflow): write ? to read it as missing, "
                              "or rescale the attribute", od_read_excerpt(s, n, ex), a->name, od_value_why(v));
            } else if (a->type == A_DATE) {
                if (od_time_parse(s, n, &v))
                    rc = fail(r, r->line, r->fcol[j], OD_EDATA, "'%s' in date attribute '%s' (expected YYYY-MM-DD[THH:MM:SS] or ?)", od_read_excerpt(s, n, ex), a->name);
            } else {
                size_t k = 0;
                while (k < a->nvals && strcmp(a->vals[k], s) != 0) k++;
                if (k == a->nvals) {
                    char list[160];
                    size_t m = 0;
                    for (size_t t = 0; t < a->nvals && m < sizeof list - 8; t++) {
                        int w = snprintf(list + m, sizeof list - m, "%s%s", t ? "," : "", a->vals[t]);
                        if (w < 0 || (size_t)w >= sizeof list - m) {
                            snprintf(list + (m < sizeof list - 5 ? m : sizeof list - 5), 5, "...");
                            break;
                        }
                        m += (size_t)w;
                    }
                    rc = fail(r, r->line, r->fcol[j], OD_EDATA, "'%s' is not a value of nominal attribute '%s' (expected one of {%s} or ?)",
                              od_read_excerpt(s, n, ex), a->name, list);
                } else
                    v = (double)k;
            }
            if (rc) {
                row_abort(r, i, j);
                return rc;
            }
        }
        a->num[i] = v;
    }
    r->rowline[i] = r->line;
    r->nrow++;
    return OD_OK;
}

static int parse(arff *r)
{
    const char *p = r->buf, *end = r->buf + r->len;
    int rc, indata = 0, relation = 0, any = 0;
    char ex[64];
    size_t at;
    int k = od_csv_check_text(r->buf, r->len, 1, &at);
    if (k) {
        size_t line = 1, ls = 0;
        for (size_t i = 0; i < at; i++)
            if (r->buf[i] == '\n') {
                line++;
                ls = i + 1;
            }
        if (k == 1) return fail(r, line, at - ls + 1, OD_EFORMAT, "NUL byte: this looks like a binary file (expected ARFF text)");
        return fail(r, line, at - ls + 1, OD_EFORMAT, "invalid UTF-8 byte 0x%02X (expected UTF-8 text; convert it, e.g. iconv -f latin1 -t utf-8)",
                    (unsigned char)r->buf[at]);
    }
    /* control characters (as the CSV reader: below 32 but tab and line ends,
     * and DEL) anywhere in an ARFF file: names and values are printed, and
     * such bytes could move the cursor or retitle the terminal */
    for (size_t i = 0, line = 1, ls = 0; i < r->len; i++) {
        unsigned char c = (unsigned char)r->buf[i];
        if (c == '\n') {
            line++;
            ls = i + 1;
        } else if ((c < 32 && c != '\t' && c != '\r') || c == 127) {
            return fail(r, line, i - ls + 1, OD_EFORMAT,
                        "control character 0x%02X (expected printable text: printed, it could take over the terminal; remove it)", c);
        }
    }
    if (r->len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    r->line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        r->line++;
        r->ls = p;
        const char *q = p;
        p = nl ? nl + 1 : end;
        while (q < e && is_space(*q)) q++;
        const char *t = e;
        while (t > q && is_space(t[-1])) t--;
        if (q == t || *q == '%') continue;
        any = 1;
        size_t col = (size_t)(q - r->ls) + 1;
        if (indata) {
            if ((rc = parse_row(r, q, t))) return rc;
            if (od_cancelled(r->ctx)) return od_error(r->ctx, OD_ECANCEL, "%s: loading interrupted", r->name);
            continue;
        }
        if (word_is(q, t, "@relation")) relation = 1;
        else if (word_is(q, t, "@attribute")) {
            if ((rc = parse_attribute(r, q, t))) return rc;
        } else if (word_is(q, t, "@data")) {
            if (r->na == 0) return fail(r, r->line, col, OD_EFORMAT, "@data before any @attribute (expected the attributes first)");
            indata = 1;
        } else if (*q == '@') {
            const char *w = q;
            while (w < t && !is_space(*w)) w++;
            return fail(r, r->line, col, OD_EFORMAT, "unknown keyword '%s' (expected @relation, @attribute or @data)", od_read_excerpt(q, (size_t)(w - q), ex));
        } else
            return fail(r, r->line, col, OD_EFORMAT, "%s (expected @relation, @attribute or @data before the data)",
                        relation || r->na ? "data line before @data" : "not an ARFF header");
    }
    if (!any) return fail(r, 1, 1, OD_EDATA, "empty file (expected an ARFF header and data)");
    if (!indata) return fail(r, r->line ? r->line : 1, 1, OD_EFORMAT, "no @data section (expected @data after the @attribute lines)");
    if (r->nrow == 0) return fail(r, r->line, 1, OD_EDATA, "no data rows after @data (0 rows; expected one instance per line)");
    return OD_OK;
}

/* ---- options, label, frame */

static long find_attr(const arff *r, const char *name)
{
    for (size_t j = 0; j < r->na; j++)
        if (strcmp(r->a[j].name, name) == 0) return (long)j;
    return -1;
}

static int no_such(arff *r, const char *opt, const char *name)
{
    char list[200];
    size_t k = 0;
    list[0] = 0;
    for (size_t j = 0; j < r->na; j++) {
        int w = snprintf(list + k, sizeof list - k, "%s%s", j ? ", " : "", r->a[j].name);
        if (w < 0 || (size_t)w >= sizeof list - k) {
            snprintf(list + (k < sizeof list - 5 ? k : sizeof list - 5), 5, "...");
            break;
        }
        k += (size_t)w;
    }
    return fail(r, 0, 0, OD_EINVAL, "%s=%s: no attribute named '%s' (attributes: %s)", opt, name, name, list);
}

/* Distinct label values: for the first row bringing a third, its index in *third. */
static int label_values(const arff *r, const attr_t *a, size_t *third, char vals[2][64], const char **sv, size_t cnt[2], int *n)
{
    double dv[2];
    const char *ts[2] = { NULL, NULL };
    *n = 0;
    cnt[0] = cnt[1] = 0;
    for (size_t i = 0; i < r->nrow; i++) {
        int k;
        if (a->type == A_STR) {
            const char *s = a->text[i];
            if (!s) continue;
            for (k = 0; k < *n && strcmp(ts[k], s) != 0; k++);
            if (k == *n) {
                if (*n == 2) {
                    *third = i;
                    return -1;
                }
                ts[(*n)++] = s;
            }
        } else {
            double v = a->num[i];
            if (isnan(v)) continue;
            for (k = 0; k < *n && dv[k] != v; k++);
            if (k == *n) {
                if (*n == 2) {
                    *third = i;
                    return -1;
                }
                dv[(*n)++] = v;
            }
        }
        cnt[k]++;
    }
    for (int k = 0; k < *n; k++) {
        if (a->type == A_STR) sv[k] = ts[k];
        else if (a->type == A_NOM) sv[k] = a->vals[(size_t)dv[k]];
        else {
            snprintf(vals[k], 64, "%.17g", dv[k]);
            for (int prec = 15; prec <= 17; prec++) {
                snprintf(vals[k], 64, "%.*g", prec, dv[k]);
                if (strtod(vals[k], NULL) == dv[k]) break;
            }
            sv[k] = vals[k];
        }
    }
    return 0;
}

static int make_label(arff *r, long j, int explicit_)
{
    attr_t *a = &r->a[j];
    char vals[2][64], ex[64];
    const char *sv[2] = { NULL, NULL };
    size_t cnt[2], third = 0;
    int n;
    if (a->type == A_DATE) {
        if (explicit_) return fail(r, 0, 0, OD_EINVAL, "label=%s: a date attribute cannot be the label (expected 0/1 or two values)", a->name);
        return 0;
    }
    if (a->type == A_NOM && a->nvals > 2 && !explicit_) {
        /* a multi-class attribute: used as the label only if at most two values occur */
        if (label_values(r, a, &third, vals, sv, cnt, &n)) {
            a->multiclass = 1;
            return 0;
        }
    } else if (label_values(r, a, &third, vals, sv, cnt, &n)) {
        const char *s = a->type == A_STR ? a->text[third] : a->type == A_NOM ? a->vals[(size_t)a->num[third]] : NULL;
        char nb[64];
        if (!s) {
            snprintf(nb, sizeof nb, "%.17g", a->num[third]);
            s = nb;
        }
        return fail(r, r->rowline[third], 1, OD_EDATA,
                    "label attribute '%s' has a third distinct value '%s' (expected 0/1 or two values; choose another with label= or drop it with ignore=)",
                    a->name, od_read_excerpt(s, strlen(s), ex));
    }
    /* a declared two-valued nominal: both names, observed or not */
    if (a->type == A_NOM && a->nvals == 2) {
        size_t c2[2] = { 0, 0 };
        for (size_t i = 0; i < r->nrow; i++)
            if (!isnan(a->num[i])) c2[(int)a->num[i]]++;
        sv[0] = a->vals[0];
        sv[1] = a->vals[1];
        cnt[0] = c2[0];
        cnt[1] = c2[1];
        n = 2;
    }
    a->label = 1;
    a->keep = 1;
    a->ignored = 0;
    if (n == 0) {
        od_warn(r->ctx, "%s: label attribute '%s' has no values (all missing)", r->name, a->name);
        return 1;
    }
    const char *why;
    int numeric = a->type == A_NUM;
    if (a->type == A_NOM) { /* {0,1}, {-1,1}: numbers written as nominal values */
        double v;
        numeric = 1;
        for (int k = 0; k < n; k++)
            if (od_csv_parse_number(sv[k], strlen(sv[k]), &v) || isnan(v)) numeric = 0;
    }
    int pick = od_csv_label_pick(sv, cnt, n, numeric, &why);
    double code[2];
    for (int k = 0; k < n; k++) code[k] = k == pick ? 1.0 : 0.0;
    if (a->type == A_STR) {
        double *v = od_malloc(r->ctx, (r->nrow ? r->nrow : 1) * sizeof *v);
        if (!v) return oom(r);
        for (size_t i = 0; i < r->nrow; i++) {
            const char *s = a->text[i];
            v[i] = !s ? NAN : strcmp(s, sv[0]) == 0 ? code[0] : code[1];
        }
        /* the names live in the text column: keep copies for the warning */
        for (int k = 0; k < n; k++) {
            snprintf(vals[k], sizeof vals[k], "%s", sv[k]);
            sv[k] = vals[k];
        }
        for (size_t i = 0; i < r->nrow; i++) free(a->text[i]);
        free(a->text);
        a->text = NULL;
        a->num = v;
    } else {
        for (size_t i = 0; i < r->nrow; i++) {
            double x = a->num[i];
            if (isnan(x)) continue;
            int k;
            if (a->type == A_NOM) {
                const char *s = a->vals[(size_t)x];
                k = strcmp(s, sv[0]) == 0 ? 0 : 1;
            } else {
                k = 0;
                if (n == 2 && strtod(sv[1], NULL) == x) k = 1;
            }
            a->num[i] = code[k];
        }
    }
    if (!(numeric && strcmp(why, "0/1") == 0)) {
        char e0[64], e1[64];
        if (n == 1)
            od_warn(r->ctx, "%s: label attribute '%s' has the single value '%s', read as %d (%s)", r->name, a->name,
                    od_read_excerpt(sv[0], strlen(sv[0]), e0), pick == 0, why);
        else if (pick < 0)
            od_warn(r->ctx, "%s: label attribute '%s': no value reads as an anomaly; all rows read as 0", r->name, a->name);
        else
            od_warn(r->ctx, "%s: label attribute '%s': '%s' -> 1 (anomaly, %zu rows), '%s' -> 0 (%s)", r->name, a->name,
                    od_read_excerpt(sv[pick], strlen(sv[pick]), e0), cnt[pick], od_read_excerpt(sv[1 - pick], strlen(sv[1 - pick]), e1), why);
    }
    return 1;
}

static int iprefix(const char *s, const char *w) { return strncasecmp(s, w, strlen(w)) == 0; }

static int build(arff *r, od_frame **out)
{
    const od_csv_opts *o = r->opts;
    long j;
    int rc;
    if (o->ncolumns) {
        for (size_t k = 0; k < r->na; k++) r->a[k].keep = 0;
        for (size_t i = 0; i < o->ncolumns; i++) {
            if ((j = find_attr(r, o->columns[i])) < 0) return no_such(r, "columns", o->columns[i]);
            r->a[j].keep = 1;
        }
    }
    for (size_t i = 0; i < o->nignore; i++) {
        if ((j = find_attr(r, o->ignore[i])) < 0) return no_such(r, "ignore", o->ignore[i]);
        r->a[j].ignored = 1;
    }
    long timecol = -1;
    if (o->time) {
        if ((timecol = find_attr(r, o->time)) < 0) return no_such(r, "time", o->time);
        if (r->a[timecol].type == A_STR || r->a[timecol].type == A_NOM)
            return fail(r, 0, 0, OD_EINVAL, "time=%s: attribute '%s' is not numeric or a date (expected a date attribute)", o->time, o->time);
    }
    long lab = -1;
    if (o->label) {
        if ((lab = find_attr(r, o->label)) < 0) return no_such(r, "label", o->label);
        if (lab == timecol) return fail(r, 0, 0, OD_EINVAL, "time=%s: '%s' is also the label", o->time, o->time);
        if ((rc = make_label(r, lab, 1)) < 0) return rc;
    } else {
        for (size_t k = 0; k < r->na && lab < 0; k++) {
            attr_t *a = &r->a[k];
            if (a->ignored || (long)k == timecol || !od_csv_is_label_name(a->name)) continue;
            if ((rc = make_label(r, (long)k, 0)) < 0) return rc;
            if (rc) lab = (long)k;
        }
        if (lab >= 0)
            for (size_t k = 0; k < r->na; k++) {
                attr_t *a = &r->a[k];
                int listed = 0;
                for (size_t i = 0; i < o->ncolumns; i++)
                    if (strcmp(o->columns[i], a->name) == 0) listed = 1;
                if ((long)k != lab && !a->ignored && !listed && (od_csv_is_label_name(a->name) || iprefix(a->name, "label_"))) {
                    a->ignored = 1;
                    a->lookalike = 1;
                }
            }
    }
    if (timecol >= 0) {
        r->a[timecol].keep = 1;
        r->a[timecol].ignored = 0;
    } else
        for (size_t k = 0; k < r->na && timecol < 0; k++)
            if (r->a[k].keep && !r->a[k].ignored && r->a[k].type == A_DATE) timecol = (long)k;
    od_frame *f = od_frame_new(r->ctx, r->nrow);
    if (!f) return OD_ENOMEM;
    for (size_t k = 0; k < r->na; k++) {
        attr_t *a = &r->a[k];
        if (!a->keep) continue;
        od_role role = OD_ROLE_FEATURE;
        if (a->label) role = OD_ROLE_LABEL;
        else if ((long)k == timecol) role = OD_ROLE_TIME;
        else if (a->ignored || a->type == A_STR || a->type == A_DATE || a->multiclass) role = OD_ROLE_IGNORED;
        if (a->lookalike)
            od_warn(r->ctx, "%s: attribute '%s' looks like a second label: ignored (list it in columns= to use it)", r->name, a->name);
        if (a->multiclass)
            od_warn(r->ctx, "%s: attribute '%s' has %zu classes, so it is not used as a 0/1 label: kept as codes, ignored", r->name,
                    a->name, a->nvals);
        if (a->type == A_STR && !a->label) {
            char **t = a->text;
            a->text = NULL;
            rc = od_frame_add_text_donate(r->ctx, f, a->name, t, role);
        } else {
            double *v = a->num;
            a->num = NULL;
            rc = od_frame_add_num_donate(r->ctx, f, a->name, v, a->type == A_DATE ? OD_COL_TIME : OD_COL_NUM, role);
        }
        if (rc) {
            od_frame_free(f);
            return rc;
        }
    }
    *out = f;
    return OD_OK;
}

static void arff_free(arff *r)
{
    for (size_t j = 0; j < r->na; j++) {
        attr_t *a = &r->a[j];
        free(a->name);
        for (size_t k = 0; k < a->nvals; k++) free(a->vals[k]);
        free(a->vals);
        free(a->num);
        if (a->text) {
            for (size_t i = 0; i < r->nrow; i++) free(a->text[i]);
            free(a->text);
        }
    }
    free(r->a);
    free(r->rowline);
    free(r->scr);
    free(r->foff);
    free(r->fcol);
    free(r->fq);
}

od_frame *od_arff_read_mem(od_ctx *ctx, const char *name, const char *buf, size_t len, const od_csv_opts *opts, int *err)
{
    static const od_csv_opts defaults = { .header = -1 };
    arff r = { .ctx = ctx, .name = name ? name : "(memory)", .opts = opts ? opts : &defaults, .buf = buf, .len = len };
    od_frame *f = NULL;
    int rc = parse(&r);
    if (!rc) rc = build(&r, &f);
    arff_free(&r);
    if (err) *err = f ? OD_OK : rc;
    return f;
}

od_frame *od_arff_read(od_ctx *ctx, const char *path, const od_csv_opts *opts, int *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
    if (fd < 0) {
        rc = od_error(ctx, OD_EIO, "%s: cannot open: %s", path, strerror(errno));
        if (err) *err = rc;
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) st.st_mode = 0;
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        rc = od_error(ctx, OD_EIO, "%s: is a directory (expected a data file)", path);
        if (err) *err = rc;
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    if (S_ISREG(st.st_mode) && st.st_size > 0) cap = (size_t)st.st_size + 1; /* one read, no regrowth */
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            close(fd);
            rc = od_read_oom(ctx, path);
            if (err) *err = rc;
            return NULL;
        }
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) free(buf);
            buf = nb;
            cap *= 2;
            continue;
        }
        if (od_cancelled(ctx)) {
            rc = od_error(ctx, OD_ECANCEL, "%s: loading interrupted", path);
            free(buf);
            close(fd);
            if (err) *err = rc;
            return NULL;
        }
        ssize_t k = read(fd, buf + len, cap - len);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            rc = od_error(ctx, OD_EIO, "%s: read error: %s", path, strerror(errno));
            free(buf);
            close(fd);
            if (err) *err = rc;
            return NULL;
        }
        if (k == 0) break;
        len += (size_t)k;
    }
    close(fd);
    od_frame *f = od_arff_read_mem(ctx, path, buf, len, opts, err);
    free(buf);
    return f;
}
