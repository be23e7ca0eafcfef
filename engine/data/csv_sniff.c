/* csv_sniff.c - what the CSV reader decides from the first records: text
 * check, separator, header, column names, options, types, and which column
 * and value is the label. */
#include "config.h"
#include "csv_int.h"
#include "readerr.h"

#include <stdio.h>

static const char *const label_names[] = { "label", "is_anomaly", "anomaly", "outlier", "class" };

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
    if (k == 1) return od_csv_fail(r, line, col, OD_EFORMAT, "NUL byte: this looks like a binary file (expected delimited text)");
    return od_csv_fail(r, line, col, OD_EFORMAT,
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
void od_csv_sample_free(sample_t *s)
{
    free(s->arena);
    free(s->f);
    free(s->recline);
}

static int sample_add(reader *r, sample_t *s)
{
    if (s->nrec == s->reccap) {
        size_t nc = s->reccap ? 2 * s->reccap : 64;
        size_t *nl = od_realloc(r->ctx, s->recline, nc * sizeof *nl);
        if (!nl) return od_read_oom(r->ctx, r->name);
        s->recline = nl;
        s->reccap = nc;
    }
    if (s->alen + r->scrlen > s->acap) {
        size_t nc = s->acap ? s->acap : 4096;
        while (nc < s->alen + r->scrlen) nc *= 2;
        char *na = od_realloc(r->ctx, s->arena, nc);
        if (!na) return od_read_oom(r->ctx, r->name);
        s->arena = na;
        s->acap = nc;
    }
    if (s->nf + r->nf > s->fcap) {
        size_t nc = s->fcap ? s->fcap : 256;
        while (nc < s->nf + r->nf) nc *= 2;
        fld_t *nf = od_realloc(r->ctx, s->f, nc * sizeof *nf);
        if (!nf) return od_read_oom(r->ctx, r->name);
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
    return od_csv_fail(r, 0, 0, OD_EINVAL, "%s=%s: no column named '%s' (columns: %s)", opt, name, name, list);
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
        if (j == r->lab) return od_csv_fail(r, 0, 0, OD_EINVAL, "time=%s: '%s' is also the label column", o->time, o->time);
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
        int hc = od_csv_classify(r, hs, h->len);
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
            int c = od_csv_classify(r, fs, f->len);
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
    r->cols = od_calloc(r->ctx, r->ncol, sizeof *r->cols);
    if (!r->cols) return od_read_oom(r->ctx, r->name);
    for (size_t j = 0; j < r->ncol; j++) {
        char tmp[32];
        const char *nm = tmp;
        snprintf(tmp, sizeof tmp, "V%zu", j + 1);
        if (header && s->f[j].len) nm = s->arena + s->f[j].off;
        if (!(r->cols[j].name = od_strdup(r->ctx, nm))) return od_read_oom(r->ctx, r->name);
        r->cols[j].keep = 1;
    }
    /* duplicates: sort the indices by name (O(n log n) for wide files) and
     * report the repeat that comes first in the file */
    size_t *idx = od_malloc(r->ctx, r->ncol * sizeof *idx), bj = SIZE_MAX, bk = 0;
    if (!idx) return od_read_oom(r->ctx, r->name);
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
        return od_csv_fail(r, header ? s->f[bj].line : 0, header ? s->f[bj].col : 0, OD_EDATA,
                           "duplicate column name '%s' (also column %zu; expected unique names)",
                           od_read_excerpt(r->cols[bj].name, strlen(r->cols[bj].name), ex), bk + 1);
    }
    return OD_OK;
}

/* A value that looks like a number but is not one that the reader reads:
 * a decimal comma ("1,5", "1.234,5"), hexadecimal ("0x1A"), or digits with
 * stray dots or commas ("1..2", "1.2.3", "1,234,567"). */
enum { BADNUM_NONE, BADNUM_COMMA, BADNUM_HEX, BADNUM_OTHER };

static int bad_number_kind(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i + 2 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        for (i += 2; i < n; i++)
            if (!isxdigit((unsigned char)s[i])) return BADNUM_NONE;
        return BADNUM_HEX;
    }
    if (i >= n || !(is_digit(s[i]) || (s[i] == '.' && i + 1 < n && is_digit(s[i + 1])))) return BADNUM_NONE;
    size_t commas = 0, dots = 0, lastcomma = 0, lastdot = 0;
    for (; i < n; i++) {
        if (s[i] == ',') commas++, lastcomma = i + 1;
        else if (s[i] == '.') dots++, lastdot = i + 1;
        else if (!is_digit(s[i])) return BADNUM_NONE;
    }
    if (!is_digit(s[n - 1])) return commas || dots > 1 ? BADNUM_OTHER : BADNUM_NONE;
    if (commas == 1 && lastcomma > lastdot) return BADNUM_COMMA;
    return commas || dots > 1 ? BADNUM_OTHER : BADNUM_NONE;
}

/* A column that would be text although most of its values look like numbers
 * the reader does not read: an error at the first such value, naming the fix
 * (ignore=COL keeps the column as text). */
static int check_numberlike(reader *r, const sample_t *s, size_t first, size_t j, const size_t *n)
{
    size_t nc = r->ncol, nbad = 0;
    const fld_t *fb = NULL;
    int kind = BADNUM_NONE;
    for (size_t i = first; i < s->nrec; i++) {
        const fld_t *f = &s->f[i * nc + j];
        int k = bad_number_kind(s->arena + f->off, f->len);
        if (k == BADNUM_NONE) continue;
        if (!fb) fb = f, kind = k;
        nbad++;
    }
    if (!fb || 2 * (nbad + n[C_NUM]) <= n[C_NUM] + n[C_TIME] + n[C_TEXT]) return OD_OK;
    const col_t *c = &r->cols[j];
    char ex[64];
    const char *v = od_read_excerpt(s->arena + fb->off, fb->len, ex);
    if (kind == BADNUM_COMMA)
        return od_csv_fail(r, fb->line, fb->col, OD_EDATA,
                           "'%s' in column '%s' has a decimal comma (expected a decimal point, as in 1.5: give "
                           "decimal=, to read decimal commas, or ignore=%s to keep the column as text)",
                           v, c->name, c->name);
    if (kind == BADNUM_HEX)
        return od_csv_fail(r, fb->line, fb->col, OD_EDATA,
                           "'%s' in column '%s' is hexadecimal, which is not read (expected decimal numbers: convert the "
                           "column, or give ignore=%s to keep it as text)",
                           v, c->name, c->name);
    return od_csv_fail(r, fb->line, fb->col, OD_EDATA,
                       "'%s' in column '%s' is not a number, though most of the column looks numeric (expected numbers "
                       "such as 1.5 or 2e-3: fix the value, add it to missing= if it means missing, or give ignore=%s to "
                       "keep the column as text)",
                       v, c->name, c->name);
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
            n[od_csv_classify(r, s->arena + f->off, f->len)]++;
        }
        if (c->label) c->type = n[C_NUM] + n[C_TIME] + n[C_TEXT] == 0 ? T_UNDEC : n[C_TIME] + n[C_TEXT] ? T_LTEXT : T_LNUM;
        else if (n[C_NUM] + n[C_TIME] + n[C_TEXT] == 0) c->type = T_UNDEC;
        else if (n[C_NUM] > n[C_TIME] + n[C_TEXT]) c->type = T_NUM;
        else if (n[C_TIME] > n[C_NUM] + n[C_TEXT]) c->type = T_TIME;
        else c->type = T_TEXT;
        int rc;
        if (c->type == T_TEXT && !c->ignored && (long)j != r->timecol && (rc = check_numberlike(r, s, first, j, n)))
            return rc;
        if ((long)j == r->timecol && c->type == T_TEXT) {
            /* point at the first value that is not a timestamp */
            for (size_t i = first; i < s->nrec; i++) {
                const fld_t *f = &s->f[i * nc + j];
                int k = od_csv_classify(r, s->arena + f->off, f->len);
                if (k == C_TEXT) {
                    char ex[64];
                    return od_csv_fail(r, f->line, f->col, OD_EDATA,
                                       "time=%s: '%s' is not a timestamp (expected YYYY-MM-DD[ HH:MM[:SS]] in the time column)",
                                       c->name, od_read_excerpt(s->arena + f->off, f->len, ex));
                }
            }
        }
    }
    /* text only: nothing to look for anomalies in (is it a data file?) */
    long text = -1;
    for (size_t j = 0; j < nc; j++) {
        int t = r->cols[j].keep ? r->cols[j].type : T_TEXT;
        if (t != T_TEXT && t != T_LTEXT) return OD_OK;
        if (text < 0 && t == T_TEXT) text = (long)j;
    }
    for (size_t i = first; text >= 0 && i < s->nrec; i++) {
        const fld_t *f = &s->f[i * nc + (size_t)text];
        if (od_csv_classify(r, s->arena + f->off, f->len) != C_TEXT) continue;
        char ex[64];
        return od_csv_fail(r, f->line, f->col, OD_EDATA,
                           "'%s' in column '%s': every column is text (expected at least one column of numbers or "
                           "timestamps; is this a data file, and is sep= right?)",
                           od_read_excerpt(s->arena + f->off, f->len, ex), r->cols[text].name);
    }
    return OD_OK;
}

/* ------------------------------------------------------------------ sniff */

int od_csv_sniff(reader *r, sample_t *s, int *header)
{
    int rc;
    *header = 0;
    if ((rc = check_text(r, r->pos))) return rc;
    if (!r->sep) r->sep = detect_sep(r);
    if (r->sep == ',' && r->opts->decimal == ',')
        return od_csv_fail(r, 0, 0, OD_EINVAL, "decimal=,: the separator is ',' too (expected sep=; or sep=tab with decimal commas)");
    /* sample records; an error after the first record waits until the names
     * are checked, so that a bad header line (earlier in the file) wins */
    size_t maxrec = CSV_SAMPLE_ROWS + 1;
    int late = 0;
    char latemsg[1024];
    for (;;) {
        rc = od_csv_tokenize(r);
        if (rc == REC_MORE) {
            if ((rc = od_csv_fill(r))) return rc;
            continue;
        }
        if (rc == REC_OK && s->nrec == 0) {
            r->ncol = r->nf;
            r->ncol_line = r->recline;
            if (CSV_SAMPLE_FIELDS / r->ncol + 1 < maxrec) maxrec = CSV_SAMPLE_FIELDS / r->ncol + 2;
        } else if (rc == REC_OK && r->nf != r->ncol)
            rc = od_csv_ragged(r);
        if (rc < 0) {
            if (s->nrec == 0 || rc == OD_ENOMEM) return rc;
            late = rc;
            snprintf(latemsg, sizeof latemsg, "%s", od_ctx_errmsg(r->ctx));
            break;
        }
        if (rc == REC_OK) {
            if ((rc = sample_add(r, s))) return rc;
            if (s->nrec >= maxrec) break;
        }
        if (r->pos >= r->len && r->eof) break;
    }
    if (s->nrec == 0) return od_csv_fail(r, 1, 1, OD_EDATA, "empty file (expected a header line and rows of values)");
    *header = decide_header(r, s);
    if ((rc = set_names(r, s, *header))) return rc;
    if (late) return od_error(r->ctx, late, "%s", latemsg);
    if ((rc = resolve_options(r))) return rc;
    return infer_types(r, s, *header ? 1 : 0);
}
