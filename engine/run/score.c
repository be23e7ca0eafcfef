/* score.c - `oddity score`: a model file's pipeline over a stream of rows
 * (see score.h). */
#include "config.h"
#include "score.h"
#include "data/csv.h"
#include "data/csv_int.h"
#include "core/fmt.h"
#include "data/timeparse.h"
#include "detect/nn_common.h"   /* smooth=: the networks' EWMA, carried across chunks */   /* the loader's number scanner (scan_number_short): the same doubles, bit for bit */

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { MODE_TAB, MODE_WIN, MODE_SEQ };

typedef struct {
    size_t off, len;               /* in the line, quotes and outer spaces removed */
    int quoted;
} field;

/* The input's buffer: data in [pos, len). */
typedef struct {
    FILE *in;
    const char *name;
    char *buf;
    size_t cap, len, pos;
    int eof;
    size_t line;                   /* line number of the last line returned */
    unsigned long long bytes;      /* read so far */
    char emsg[600];                /* the error of a negative next_line */
} linebuf;

/* Lines kept for the parallel parse: line i is arena[loff[i] .. +llen[i]),
 * line number lline[i], followed by CSV_PAD zero bytes. */
typedef struct {
    char *arena;
    size_t alen, acap;
    size_t *loff, *llen, *lline, nlines;
} lineset;

typedef struct {
    od_ctx *ctx;
    const od_model *m;
    const od_pipeline *p;
    const od_score_opts *o;
    od_score_report *rep;
    const char *name, *mpath;
    FILE *in, *out;
    linebuf lb;                    /* the input (read by the reader thread once the header is read, see pipe_run) */
    size_t line;                   /* line number of the last line returned */
    char sep;
    size_t nfields;                /* header fields */
    field *f;
    size_t fcap;
    size_t *src;                   /* nin: field index of each input column */
    unsigned char *nacov, *nan;    /* nin: a clean step fills the column or drops its missing rows; scratch */
    size_t *colin;                 /* ncols: input column of each detector column (no steps) */
    int regular;                   /* the input is a regular file (else the reader thread may be cancelled) */
    int ident;                     /* no steps, colin[j] == j for every input column: raw is the detector's input */
    long *fcol;                    /* nfields: the input column field i holds, or -1 (row_fast) */
    /* the chunk */
    double *raw;                   /* rawcap x nin: the chunk, after the rows a series clean still holds */
    size_t nraw, rawcap;
    /* series clean steps (missing=ffill|interpolate): a row with a gap still
     * open (no value after it yet) is held in raw until the gap closes */
    size_t ntrans;                 /* rows through the pipeline so far: the row index of raw[0] */
    unsigned char *seen;           /* nin: a value of input column j has gone through (ffill: no leading gap left) */
    long tin;                      /* the input column of the time an interpolation runs in, or -1 */
    int ttime;                     /* it holds timestamps */
    int have_t;
    double tlast;                  /* its last value (it must not decrease) */
    int cut;                       /* stopped at a bad row: the rows before it are the end of the series */
    struct series_state {
        size_t *in;                /* d: the input column of each of the step's columns */
        long tin;                  /* the step's time input column, or -1 (row order) */
        unsigned char *have;       /* d: a value went through */
        double *ly, *lx;           /* d: the last value and its time (or row index) */
    } *ser;                        /* per pipeline step (in: NULL unless a series step) */
    size_t *rowno;                 /* row numbers of the pending rows */
    char **text;                   /* keep: their lines */
    size_t npend, pcap;            /* pending rows (not yet written) */
    /* points (after the pipeline), for WIN and SEQ */
    int mode;
    size_t d;
    double *pts;
    size_t npts, ptcap;            /* points held; the first is point pbase */
    size_t pbase, ptot;            /* ptot: points so far */
    size_t span;                   /* SEQ: points a score needs */
    double *wsc;                   /* WIN: scores of windows wbase .. nextw-1 */
    size_t wbase, nextw, wcap;
    size_t pemit;                  /* first point not written */
    double thr;
    int strict, flags;
    size_t smooth;                 /* SEQ smooth= span (0: none) */
    int have_prev;                 /* smooth: prev holds the last smoothed score */
    double prev;
    locale_t cloc;
    /* lines collected for the parallel parse */
    lineset ls;
    unsigned char *lok;
} scorer;

/* ---------------------------------------------------------------- input */

/* What a line is, for next_line and the reader thread's pipe_fill: the line
 * at b (avail bytes read, eof: the input ends there) up to its '\n' or the end
 * of the input, a trailing '\r' dropped, its end overwritten with a NUL (the
 * buffer has room past avail).  1 with its length in *n and the bytes it takes
 * in *adv; 0 when no whole line is there yet. */
static inline int cut_line(char *b, size_t avail, int eof, size_t *n, size_t *adv)
{
    char *nl = avail ? memchr(b, '\n', avail) : NULL;
    if (!nl && !(eof && avail)) return 0;
    size_t l = nl ? (size_t)(nl - b) : avail;
    *adv = l + (nl != NULL);
    if (l && b[l - 1] == '\r') l--;
    b[l] = 0;
    *n = l;
    return 1;
}

/* The next line (without its end) in *s, *n; 0 at the end of the input,
 * -OD_ENOMEM or -OD_EIO with the message in L->emsg.  Touches no ctx: the
 * reader thread runs it. */
static int next_line(linebuf *L, char **s, size_t *n)
{
    for (;;) {
        size_t adv;
        if (cut_line(L->buf + L->pos, L->len - L->pos, L->eof, n, &adv)) {
            *s = L->buf + L->pos;
            L->pos += adv;
            L->line++;
            return 1;
        }
        if (L->eof) return 0;
        if (L->pos) {
            memmove(L->buf, L->buf + L->pos, L->len - L->pos);
            L->len -= L->pos;
            L->pos = 0;
        }
        if (L->cap - L->len < (1u << 16)) {
            size_t nc = L->cap ? L->cap * 2 : (size_t)4 << 20;
            char *nb = realloc(L->buf, nc + CSV_PAD);
            if (!nb) {
                snprintf(L->emsg, sizeof L->emsg, "%s: out of memory (a line longer than %zu bytes?)", L->name, L->cap);
                return -OD_ENOMEM;
            }
            L->buf = nb;
            L->cap = nc;
        }
        size_t got = fread(L->buf + L->len, 1, L->cap - L->len, L->in);
        if (!got) {
            if (ferror(L->in)) {
                snprintf(L->emsg, sizeof L->emsg, "%s: read error: %s", L->name, strerror(errno));
                return -OD_EIO;
            }
            L->eof = 1;
        }
        L->len += got;
        L->bytes += got;
        memset(L->buf + L->len, 0, CSV_PAD);   /* the scanner reads up to 8 bytes past a number */
    }
}

/* next_line on the scorer's input, on the calling thread: errors set in the ctx. */
static int next_line_s(scorer *S, char **s, size_t *n)
{
    int r = next_line(&S->lb, s, n);
    S->line = S->lb.line;
    return r < 0 ? -od_error(S->ctx, -r, "%s", S->lb.emsg) : r;
}

/* Split line s[0..n) at sep into S->f; the field count, or (size_t)-1 for
 * an unterminated quote. */
static size_t split_into(char sep, const char *s, size_t n, field **fp, size_t *fcap)
{
    size_t k = 0, i = 0;
    for (;;) {
        if (k == *fcap) {
            size_t nc = *fcap ? *fcap * 2 : 64;
            field *nf = realloc(*fp, nc * sizeof *nf);
            if (!nf) return (size_t)-2;
            *fp = nf;
            *fcap = nc;
        }
        while (i < n && s[i] == ' ') i++;
        field *f = &(*fp)[k++];
        f->quoted = 0;
        if (i < n && s[i] == '"') {
            size_t j = ++i;
            for (;;) {
                if (j >= n) return (size_t)-1;
                if (s[j] == '"') {
                    if (j + 1 < n && s[j + 1] == '"') { j += 2; continue; }
                    break;
                }
                j++;
            }
            f->off = i;
            f->len = j - i;
            f->quoted = 1;
            i = j + 1;
            while (i < n && s[i] != sep) i++;
        } else {
            size_t j = i;
            while (j < n && s[j] != sep) j++;
            size_t e = j;
            while (e > i && s[e - 1] == ' ') e--;
            f->off = i;
            f->len = e - i;
            i = j;
        }
        if (i >= n) return k;
        i++;   /* the separator */
    }
}

static size_t split(scorer *S, char *s, size_t n)
{
    return split_into(S->sep, s, n, &S->f, &S->fcap);
}

/* ---------------------------------------------------------------- header */

static char sniff_sep(const char *s, size_t n)
{
    static const char cand[] = { ',', '\t', ';', '|' };
    size_t best = 0;
    char sep = ',';
    for (size_t c = 0; c < sizeof cand; c++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) k += s[i] == cand[c];
        if (k > best) { best = k; sep = cand[c]; }
    }
    return sep;
}

/* Whether a clean step of the pipeline names input column j: its missing
 * values are then filled or make the row dropped, not a bad row. */
static int clean_covers(const scorer *S, size_t j)
{
    const od_pipeline *p = S->p;
    for (size_t s = 0; s < p->nsteps; s++) {
        const od_clean_fit *cf = p->steps[s].clean;
        for (size_t k = 0; cf && k < cf->d; k++)
            if (!strcmp(cf->names[k], p->in[j]) && (p->steps[s].drop || p->steps[s].series || !isnan(cf->fill[k]))) return 1;
    }
    return 0;
}

static int collect(scorer *S, const char *s, size_t n);

static int read_header(scorer *S)
{
    char *s;
    size_t n;
    int r;
    do {
        if ((r = next_line_s(S, &s, &n)) <= 0) return r < 0 ? -r : od_error(S->ctx, OD_EDATA, "%s: empty input (expected a header line naming %s)", S->name, S->p->in[0]);
    } while (!n);
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) { s += 3; n -= 3; }
    S->sep = sniff_sep(s, n);
    size_t k = split(S, s, n);
    if (k == (size_t)-2) return od_error(S->ctx, OD_ENOMEM, "out of memory");
    if (k == (size_t)-1) return od_error(S->ctx, OD_EDATA, "%s:%zu: unterminated quote in the header", S->name, S->line);
    S->nfields = k;
    if (S->o->no_header && k != S->p->nin) {
        od_out *o = od_out_buffer();
        for (size_t q = 0; o && q < S->p->nin; q++) od_printf(o, "%s%s", q ? "," : "", S->p->in[q]);
        int e = od_error(S->ctx, OD_EDATA, "%s:%zu: %zu field%s, but the model %s reads %zu columns by position with --no-header (%s)",
                         S->name, S->line, k, k == 1 ? "" : "s", S->mpath, S->p->nin, o ? od_out_str(o) : "");
        od_out_free(o);
        return e;
    }
    if (!(S->src = od_mallocn(S->ctx, S->p->nin, sizeof *S->src))) return OD_ENOMEM;
    if (!(S->nacov = od_calloc(S->ctx, 2 * S->p->nin + 1, 1))) return OD_ENOMEM;
    S->nan = S->nacov + S->p->nin;
    for (size_t j = 0; j < S->p->nin; j++) S->nacov[j] = (unsigned char)clean_covers(S, j);
    for (size_t j = 0; j < S->p->nin && S->o->no_header; j++) S->src[j] = j;
    for (size_t j = 0; j < S->p->nin && !S->o->no_header; j++) {
        const char *want = S->p->in[j];
        size_t i = 0;
        while (i < k && !(S->f[i].len == strlen(want) && !memcmp(s + S->f[i].off, want, S->f[i].len))) i++;
        if (i == k) {
            od_out *o = od_out_buffer();
            for (size_t q = 0; o && q < S->p->nin; q++) od_printf(o, "%s%s", q ? "," : "", S->p->in[q]);
            /* a first line of numbers is data: say so */
            int num = 1;
            for (size_t q = 0; q < k && num; q++) {
                double x;
                if (od_csv_parse_number(s + S->f[q].off, S->f[q].len, &x)) num = 0;
            }
            int e = od_error(S->ctx, OD_EDATA, "%s: no column '%s' (the model %s reads %s)%s", S->name, want, S->mpath,
                             o ? od_out_str(o) : want, num ? "; the first line looks like data: --no-header reads the columns by position" : "");
            od_out_free(o);
            return e;
        }
        S->src[j] = i;
    }
    if (S->o->no_header) {   /* the line is the first row; --keep: no header either */
        if (!S->o->keep) fputs(S->flags ? "row,score,flag\n" : "row,score\n", S->out);
        return collect(S, s, n);
    }
    if (S->o->keep) {
        fwrite(s, 1, n, S->out);
        fprintf(S->out, "%cscore%s\n", S->sep, S->flags ? (S->sep == ',' ? ",flag" : S->sep == '\t' ? "\tflag" : S->sep == ';' ? ";flag" : "|flag") : "");
    } else {
        fputs(S->flags ? "row,score,flag\n" : "row,score\n", S->out);
    }
    return OD_OK;
}

/* ---------------------------------------------------------------- rows */

/* The loader's default missing-value tokens: "", NA, NaN, nan, null, NULL, ? */
static int na_token(const char *s, size_t n)
{
    switch (n) {
    case 0: return 1;
    case 1: return *s == '?';
    case 2: return !memcmp(s, "NA", 2);
    case 3: return !memcmp(s, "NaN", 3) || !memcmp(s, "nan", 3);
    case 4: return !memcmp(s, "null", 4) || !memcmp(s, "NULL", 4);
    default: return 0;
    }
}

/* A bad row: reported; OD_OK to go on (skip), OD_EDATA to stop. */
static int bad_row(scorer *S, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad_row(scorer *S, size_t col, const char *fmt, ...)
{
    char what[512], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (col) snprintf(msg, sizeof msg, "%s:%zu:%zu: %s", S->name, S->line, col, what);
    else snprintf(msg, sizeof msg, "%s:%zu: %s", S->name, S->line, what);
    S->rep->bad++;
    if (S->o->skip_bad) {
        if (S->o->bad) S->o->bad(S->o->arg, msg);
        return OD_OK;
    }
    return od_error(S->ctx, OD_EDATA, "%s (row %zu; --on-error=skip skips such rows)", msg, S->rep->rows);
}

static int push_pending(scorer *S, size_t row, const char *s, size_t n)
{
    if (S->npend == S->pcap) {
        size_t nc = S->pcap ? S->pcap * 2 : 256;
        size_t *nr = od_realloc(S->ctx, S->rowno, nc * sizeof *nr);
        if (!nr) return OD_ENOMEM;
        S->rowno = nr;
        if (S->o->keep) {
            char **nt = od_realloc(S->ctx, S->text, nc * sizeof *nt);
            if (!nt) return OD_ENOMEM;
            S->text = nt;
        }
        S->pcap = nc;
    }
    S->rowno[S->npend] = row;
    if (S->o->keep) {
        char *t = od_malloc(S->ctx, n + 1);
        if (!t) return OD_ENOMEM;
        memcpy(t, s, n);
        t[n] = 0;
        S->text[S->npend] = t;
    }
    S->npend++;
    return OD_OK;
}

/* A row with missing values (nan[j] for input column j) through the clean
 * steps in order, as the workbench's clean would take it: 1 when a
 * missing=drop step drops it, 0 when every missing value is filled before
 * the detector or a later step reads it, else -1 - j (j: a column left
 * missing). */
static long na_fate(const scorer *S, unsigned char *nan)
{
    const od_pipeline *p = S->p;
    for (size_t s = 0; s < p->nsteps; s++) {
        const od_clean_fit *cf = p->steps[s].clean;
        for (size_t k = 0; cf && k < cf->d; k++)
            for (size_t j = 0; j < p->nin; j++) {
                if (!nan[j] || strcmp(cf->names[k], p->in[j])) continue;
                if (p->steps[s].drop) return 1;
                if (!isnan(cf->fill[k]) || p->steps[s].series) nan[j] = 0;
            }
    }
    for (size_t j = 0; j < p->nin; j++)
        if (nan[j]) return -1 - (long)j;
    return 0;
}

/* A clean missing=interpolate in time needs the time in order: *skip when
 * row x goes back (reported as a bad row). */
static int time_order(scorer *S, const double *x, int *skip)
{
    *skip = 0;
    if (S->tin < 0) return OD_OK;
    double t = x[S->tin];
    if (S->have_t && t < S->tlast) {
        char a[40], b[40];
        if (S->ttime) { od_time_format(t, a, sizeof a); od_time_format(S->tlast, b, sizeof b); }
        else { a[od_fmt_double(t, a)] = 0; b[od_fmt_double(S->tlast, b)] = 0; }
        *skip = 1;
        return bad_row(S, 0, "time %s in column '%s' is before the previous row's %s: the model's clean missing=interpolate runs in time order",
                       a, S->p->in[S->tin], b);
    }
    S->tlast = t;
    S->have_t = 1;
    return OD_OK;
}

/* Parse one data line into the chunk (or report it bad). */
static int take_row(scorer *S, char *s, size_t n)
{
    S->rep->rows++;
    size_t k = split(S, s, n);
    if (k == (size_t)-2) return od_error(S->ctx, OD_ENOMEM, "out of memory");
    if (k == (size_t)-1) return bad_row(S, 0, "unterminated quote (a field may not hold a line end here)");
    if (k != S->nfields) return bad_row(S, 0, "%zu fields, expected %zu as in the header", k, S->nfields);
    double *x = S->raw + S->nraw * S->p->nin;
    size_t nna = 0, na1 = 0;
    for (size_t j = 0; j < S->p->nin; j++) {
        const field *f = &S->f[S->src[j]];
        const char *v = s + f->off;
        S->nan[j] = 0;
        if (na_token(v, f->len)) {
            if ((long)j == S->tin)
                return bad_row(S, f->off + 1, "missing time in column '%s' (the model's clean missing=interpolate runs in time)", S->p->in[j]);
            if (!S->nacov[j]) return bad_row(S, f->off + 1, "missing value in column '%s' (the model needs a number)", S->p->in[j]);
            if (!nna++) na1 = f->off + 1;
            S->nan[j] = 1;
            x[j] = NAN;
            continue;
        }
        if ((long)j == S->tin && S->ttime) {
            if (od_time_parse(v, f->len, &x[j]))
                return bad_row(S, f->off + 1, "'%.*s' in column '%s' is not a timestamp (YYYY-MM-DD[ HH:MM[:SS]], as the model's time column was)",
                               (int)(f->len > 40 ? 40 : f->len), v, S->p->in[j]);
            continue;
        }
        const char *e = scan_number_short(v, &x[j], S->cloc);
        if ((!e || e != v + f->len) && od_csv_parse_number(v, f->len, &x[j]))
            return bad_row(S, f->off + 1, "'%.*s' in column '%s' is not a number", (int)(f->len > 40 ? 40 : f->len), v, S->p->in[j]);
        if (!(fabs(x[j]) <= 1e100)) return bad_row(S, f->off + 1, "value %.*s in column '%s' is missing or beyond +-1e100", (int)(f->len > 40 ? 40 : f->len), v, S->p->in[j]);
    }
    if (nna) {
        long fate = na_fate(S, S->nan);
        if (fate == 1) {   /* dropped as clean missing=drop dropped it: no line, the next row keeps its number */
            S->rep->dropped++;
            return OD_OK;
        }
        if (fate < 0) return bad_row(S, na1, "missing value in column '%s' that no clean step of the model fills", S->p->in[-1 - fate]);
    }
    int skip = 0, rc = time_order(S, x, &skip);
    if (rc || skip) return rc;
    S->nraw++;
    return push_pending(S, S->rep->rows, s, n);
}

/* The parallel pass: 1 when the line is a good row (its values in x),
 * else 0 (take_row, run again in order, reports it). */
static int row_ok(const scorer *S, const char *s, size_t n, field **fp, size_t *fcap, double *x)
{
    size_t k = split_into(S->sep, s, n, fp, fcap);
    if (k != S->nfields) return 0;
    for (size_t j = 0; j < S->p->nin; j++) {
        const field *f = &(*fp)[S->src[j]];
        const char *v = s + f->off;
        if (na_token(v, f->len)) return 0;
        if ((long)j == S->tin && S->ttime) {
            if (od_time_parse(v, f->len, &x[j])) return 0;
            continue;
        }
        const char *e = scan_number_short(v, &x[j], S->cloc);
        if ((!e || e != v + f->len) && od_csv_parse_number(v, f->len, &x[j])) return 0;
        if (!(fabs(x[j]) <= 1e100)) return 0;
    }
    return 1;
}

/* The fast pass for a plain line: the fields the model reads scanned in
 * place, left to right, no field table.  1 when the line is a good row (its
 * values in x); 0 when it is anything else (a quote, spaces around a value, a
 * missing or odd value, a wrong field count): row_ok then decides, so both
 * passes accept the same rows with the same values. */
static int row_fast(const scorer *S, const char *s, size_t n, double *x)
{
    const char *p = s, *end = s + n;
    if (memchr(s, '"', n)) return 0;
    for (size_t i = 0;; i++) {
        long j = S->fcol[i];
        if (j >= 0) {
            double v;
            if (*p == ' ') return 0;
            const char *e = scan_number_short(p, &v, S->cloc);
            if (!e || e == p || (e != end && *e != S->sep) || !(fabs(v) <= 1e100)) return 0;
            x[j] = v;
            p = e;
        } else {
            const char *q = memchr(p, S->sep, (size_t)(end - p));
            p = q ? q : end;
        }
        if (i + 1 == S->nfields) return p == end;
        if (p == end) return 0;
        p++;   /* the separator */
    }
}

/* The collected lines (S->arena) into the chunk: parsed by the ctx's
 * threads, then taken in order (bad rows reported in order). */
static int take_lines(scorer *S)
{
    size_t m = S->ls.nlines, nin = S->p->nin, base = S->nraw;
    if (base + m > S->rawcap) {   /* rows held by a series clean before these */
        size_t nc = S->rawcap * 2 > base + m ? S->rawcap * 2 : base + m;
        double *nr = od_realloc(S->ctx, S->raw, nc * nin * sizeof *nr);
        if (!nr) return od_error(S->ctx, OD_ENOMEM, "out of memory (%zu rows held in a gap of missing values)", base);
        S->raw = nr;
        S->rawcap = nc;
    }
    double *raw = S->raw + base * nin;
    int nt = od_ctx_threads(S->ctx);
    if (nt < 1 || m < 4096) nt = 1;
    #pragma omp parallel num_threads(nt)
    {
        field *f = NULL;
        size_t fcap = 0;
        /* dynamic: the reader thread takes a core now and then (each line is
         * parsed alone: the schedule changes no value) */
        #pragma omp for schedule(dynamic, 1024)
        for (size_t i = 0; i < m; i++)
            S->lok[i] = (unsigned char)((S->fcol && row_fast(S, S->ls.arena + S->ls.loff[i], S->ls.llen[i], raw + i * nin)) ||
                                        row_ok(S, S->ls.arena + S->ls.loff[i], S->ls.llen[i], &f, &fcap, raw + i * nin));
        free(f);
    }
    int rc = OD_OK;
    for (size_t i = 0; i < m && !rc; i++) {
        char *line = S->ls.arena + S->ls.loff[i];
        S->line = S->ls.lline[i];
        if (!S->lok[i]) {
            rc = take_row(S, line, S->ls.llen[i]);
            continue;
        }
        S->rep->rows++;
        if (S->nraw != base + i) memcpy(S->raw + S->nraw * nin, raw + i * nin, nin * sizeof *S->raw);
        int skip = 0;
        if ((rc = time_order(S, S->raw + S->nraw * nin, &skip)) || skip) continue;
        S->nraw++;
        rc = push_pending(S, S->rep->rows, line, S->ls.llen[i]);
    }
    S->ls.nlines = 0;
    S->ls.alen = 0;
    return rc;
}

/* Keep line s[0..n), line number line, in L (room for the line numbers
 * given by the caller).  ctx: allocate with it (NULL: the reader thread). */
static int ls_add(od_ctx *ctx, lineset *L, const char *s, size_t n, size_t line)
{
    if (L->alen + n + CSV_PAD > L->acap) {
        size_t nc = L->acap ? L->acap * 2 : (size_t)1 << 20;
        while (nc < L->alen + n + CSV_PAD) nc *= 2;
        char *na = ctx ? od_realloc(ctx, L->arena, nc) : realloc(L->arena, nc);
        if (!na) return OD_ENOMEM;
        L->arena = na;
        L->acap = nc;
    }
    memcpy(L->arena + L->alen, s, n);
    memset(L->arena + L->alen + n, 0, CSV_PAD);
    L->loff[L->nlines] = L->alen;
    L->llen[L->nlines] = n;
    L->lline[L->nlines++] = line;
    L->alen += n + CSV_PAD;
    return OD_OK;
}

/* Keep line s[0..n) (line number S->line) for take_lines. */
static int collect(scorer *S, const char *s, size_t n)
{
    return ls_add(S->ctx, &S->ls, s, n, S->line);
}

/* ---------------------------------------------------------------- output */

/* Row i of the pending rows with score sc, formatted into dst (room for
 * row_room(S, i) bytes); returns its length. */
static size_t row_room(const scorer *S, size_t i)
{
    return (S->o->keep ? strlen(S->text[i]) : 0) + 64;
}

static size_t format_row(const scorer *S, size_t i, double sc, char *dst, size_t room)
{
    size_t l = 0;
    if (S->o->keep) {
        size_t t = strlen(S->text[i]);
        memcpy(dst, S->text[i], t);
        l = t;
        dst[l++] = S->sep;
    } else {
        l = od_fmt_size(S->rowno[i], dst);
        dst[l++] = ',';
    }
    (void)room;
    if (!isnan(sc)) l += od_fmt_double(sc, dst + l);   /* the shortest text that reads back to sc */
    if (S->flags) {
        int fl = !isnan(sc) && (S->strict ? sc > S->thr : sc >= S->thr);
        dst[l++] = S->o->keep ? S->sep : ',';
        dst[l++] = fl ? '1' : '0';
    }
    dst[l++] = '\n';
    return l;
}

/* Write the first k pending rows with scores sc[0..k) and drop them.  The
 * rows are formatted by the ctx's threads, each a contiguous block into its
 * own buffer, and written in order. */
static int emit(scorer *S, size_t k, const double *sc)
{
    int nt = od_ctx_threads(S->ctx);
    if (nt < 1 || k < 2048) nt = 1;
    if ((size_t)nt > 16) nt = 16;
    /* four blocks a thread, taken as they come (the reader thread takes a
     * core now and then), written in order */
    int nb = nt == 1 ? 1 : 4 * nt;
    char *buf[64] = { 0 };
    size_t len[64] = { 0 };
    int fail = 0;
    #pragma omp parallel for schedule(dynamic, 1) num_threads(nt) reduction(|: fail)
    for (int t = 0; t < nb; t++) {
        size_t a = k * (size_t)t / (size_t)nb, b = k * (size_t)(t + 1) / (size_t)nb, room = 1;
        for (size_t i = a; i < b; i++) room += row_room(S, i);
        char *d = malloc(room);
        if (!d) { fail = 1; continue; }
        size_t l = 0;
        for (size_t i = a; i < b; i++) l += format_row(S, i, sc[i], d + l, room - l);
        buf[t] = d;
        len[t] = l;
    }
    for (int t = 0; t < nb; t++) {
        if (!fail && fwrite(buf[t], 1, len[t], S->out) != len[t]) fail = 2;
        free(buf[t]);
    }
    if (fail) return fail == 1 ? od_error(S->ctx, OD_ENOMEM, "out of memory (writing %zu rows)", k)
                               : od_error(S->ctx, OD_EIO, "writing the scores: %s", strerror(errno));
    for (size_t i = 0; i < k; i++) {
        S->rep->written++;
        S->rep->scored += !isnan(sc[i]);
        S->rep->flagged += S->flags && !isnan(sc[i]) && (S->strict ? sc[i] > S->thr : sc[i] >= S->thr);
        if (S->o->keep) free(S->text[i]);
    }
    if (k && S->npend > k) {
        memmove(S->rowno, S->rowno + k, (S->npend - k) * sizeof *S->rowno);
        if (S->o->keep) memmove(S->text, S->text + k, (S->npend - k) * sizeof *S->text);
    }
    S->npend -= k;
    return OD_OK;
}

/* ---------------------------------------------------------------- pipeline */

/* missing=ffill|interpolate on column k of series step s: the n values x of
 * the rows ntrans.. (every gap among them closed by a later value, but at the
 * end), with the state carried from the rows before: the arithmetic of
 * clean.c's ffill() and interpolate(), so the same values bit for bit. */
static int series_fill(scorer *S, size_t s, size_t k, double *x, size_t n, int end)
{
    const od_pipe_step *st = &S->p->steps[s];
    struct series_state *ss = &S->ser[s];
    size_t nin = S->p->nin, gap = 0;   /* gap: the first row of the open gap */
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) continue;
        double xi = ss->tin >= 0 ? S->raw[i * nin + (size_t)ss->tin] : (double)(S->ntrans + i);
        if (!ss->have[k]) {
            for (size_t m = 0; m < i; m++) x[m] = x[i];   /* a gap at the start takes the first value */
        } else if (st->series == OD_SERIES_FFILL) {
            for (size_t m = gap; m < i; m++) x[m] = ss->ly[k];
        } else {
            for (size_t m = gap; m < i; m++) {
                double xm = ss->tin >= 0 ? S->raw[m * nin + (size_t)ss->tin] : (double)(S->ntrans + m);
                x[m] = od_prep_lerp(ss->lx[k], ss->ly[k], xi, x[i], xm);
            }
        }
        ss->have[k] = 1;
        ss->ly[k] = x[i];
        ss->lx[k] = xi;
        gap = i + 1;
    }
    if (gap == n) return OD_OK;
    if (!ss->have[k] && end)
        return od_error(S->ctx, OD_EDATA, "%s: %s: column '%s' has no value at all", S->name, st->desc, S->ser[s].in ? S->p->in[S->ser[s].in[k]] : "?");
    if (!end && (!ss->have[k] || st->series == OD_SERIES_INTERP))   /* ready_rows holds such rows back */
        return od_error(S->ctx, OD_EFORMAT, "%s: %s: a gap of missing values reached the pipeline open (internal error)", S->mpath, st->desc);
    for (size_t m = gap; m < n; m++) x[m] = ss->ly[k];   /* ffill; a gap at the end takes the last value */
    return OD_OK;
}

/* A clean step on the chunk, in place: missing values take the fitted fill
 * value (or, missing=ffill|interpolate, the values around them), then values
 * are clipped to the fitted bounds (NaN stays NaN), as od_prep_clean does.
 * Dropped rows never reach the chunk. */
static int clean_apply(scorer *S, size_t s, const od_clean_fit *cf, od_frame *f, int end)
{
    for (size_t k = 0; k < cf->d; k++) {
        long c = od_frame_find(f, cf->names[k]);
        if (c < 0 || !f->cols[c].num) return od_error(S->ctx, OD_EFORMAT, "%s: the pipeline's clean step reads no column '%s'", S->mpath, cf->names[k]);
        double *x = f->cols[c].num, v = cf->fill[k], lo = cf->lo[k], hi = cf->hi[k];
        if (S->p->steps[s].series) {
            int rc = series_fill(S, s, k, x, f->nrow, end);
            if (rc) return rc;
        }
        if (!isnan(v))
            for (size_t i = 0; i < f->nrow; i++)
                if (isnan(x[i])) x[i] = v;
        if (isfinite(lo) || isfinite(hi))
            for (size_t i = 0; i < f->nrow; i++)
                if (!isnan(x[i])) x[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
    }
    return OD_OK;
}

/* The chunk's first n rows through the pipeline: X (n x d, row-major;
 * caller frees).  end: the last rows of the input. */
static int transform(scorer *S, size_t n, int end, double **X)
{
    const od_pipeline *p = S->p;
    size_t nin = p->nin, d = p->ncols;
    size_t nd = n * d;
    *X = od_mallocn(S->ctx, nd ? nd : 1, sizeof **X);
    if (!*X) return OD_ENOMEM;
    if (!p->nsteps) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++) (*X)[i * d + j] = S->raw[i * nin + S->colin[j]];
        return OD_OK;
    }
    od_frame *f = od_frame_new(S->ctx, n);
    int rc = f ? OD_OK : OD_ENOMEM;
    for (size_t j = 0; j < nin && !rc; j++) {
        double *c = od_mallocn(S->ctx, n ? n : 1, sizeof *c);
        if (!c) { rc = OD_ENOMEM; break; }
        for (size_t i = 0; i < n; i++) c[i] = S->raw[i * nin + j];
        rc = od_frame_add_num_donate(S->ctx, f, p->in[j], c, OD_COL_NUM, OD_ROLE_FEATURE);
    }
    for (size_t s = 0; s < p->nsteps && !rc; s++) {
        od_frame *g = NULL;
        if (p->steps[s].scaler) rc = od_scaler_apply(S->ctx, p->steps[s].scaler, f, &g);
        else if (p->steps[s].pca) rc = od_pca_apply(S->ctx, p->steps[s].pca, f, &g);
        else if (p->steps[s].clean) { rc = clean_apply(S, s, p->steps[s].clean, f, end); continue; }
        else continue;
        od_frame_free(f);
        f = g;
    }
    for (size_t j = 0; j < d && !rc; j++) {
        long c = od_frame_find(f, p->cols[j]);
        if (c < 0) { rc = od_error(S->ctx, OD_EFORMAT, "%s: the pipeline makes no column '%s'", S->mpath, p->cols[j]); break; }
        for (size_t i = 0; i < n; i++) (*X)[i * d + j] = f->cols[c].num[i];
    }
    od_frame_free(f);
    if (rc) { free(*X); *X = NULL; }
    return rc;
}

static int grow_pts(scorer *S, size_t need)
{
    if (need <= S->ptcap) return OD_OK;
    size_t nc = S->ptcap ? S->ptcap : 256;
    while (nc < need) nc *= 2;
    double *np = od_realloc(S->ctx, S->pts, nc * S->d * sizeof *np);
    if (!np) return OD_ENOMEM;
    S->pts = np;
    S->ptcap = nc;
    return OD_OK;
}

static int detector_score(scorer *S, const od_data *v, double *sc)
{
    long *cl = od_mallocn(S->ctx, v->n ? v->n : 1, sizeof *cl);
    if (!cl) return OD_ENOMEM;
    for (size_t i = 0; i < v->n; i++) cl[i] = -2;
    int rc = S->m->type->score(S->ctx, S->m->state, v, sc, cl);
    free(cl);
    return rc;
}

/* WIN: the score of point p from the window scores (as od_window_map). */
static double point_score(scorer *S, size_t p)
{
    size_t W = S->p->win, St = S->p->stride, nw = S->nextw;
    size_t hi = p / St;
    if (hi >= nw) hi = nw ? nw - 1 : 0;
    size_t lo = p + 1 >= W ? (p + 1 - W + St - 1) / St : 0;
    double acc = S->p->wagg == OD_WAGG_MAX ? -INFINITY : 0;
    size_t cnt = 0;
    int nan = 0;
    for (size_t i = lo; nw && i <= hi; i++) {
        if (i * St > p || i * St + W - 1 < p) continue;
        double v = S->wsc[i - S->wbase];
        cnt++;
        if (isnan(v)) { nan = 1; continue; }
        if (S->p->wagg == OD_WAGG_MAX) {
            if (v > acc || cnt == 1) acc = v;
        } else {
            acc += v;
        }
    }
    if (!cnt) return NAN;
    return nan ? NAN : S->p->wagg == OD_WAGG_MAX ? acc : acc / (double)cnt;
}

/* WIN: score the windows the points so far complete, write the points no
 * later window can cover (all of them at the end), drop what is not needed. */
static int win_step(scorer *S, int end)
{
    size_t W = S->p->win, St = S->p->stride, d = S->d;
    size_t nw = S->ptot >= W ? (S->ptot - W) / St + 1 : 0;
    int rc = OD_OK;
    if (nw > S->nextw) {
        size_t k = nw - S->nextw, need = nw - S->wbase;
        if (need > S->wcap) {
            double *nb = od_realloc(S->ctx, S->wsc, need * sizeof *nb);
            if (!nb) return OD_ENOMEM;
            S->wsc = nb;
            S->wcap = need;
        }
        od_data v = { S->pts + (S->nextw * St - S->pbase) * d, k, W * d, St * d };
        if ((rc = detector_score(S, &v, S->wsc + (S->nextw - S->wbase)))) return rc;
        S->nextw = nw;
    }
    size_t upto = end ? S->ptot : (S->nextw * St < S->ptot ? S->nextw * St : S->ptot);
    if (upto > S->pemit) {
        size_t k = upto - S->pemit;
        double *sc = od_mallocn(S->ctx, k, sizeof *sc);
        if (!sc) return OD_ENOMEM;
        for (size_t i = 0; i < k; i++) sc[i] = point_score(S, S->pemit + i);
        rc = emit(S, k, sc);
        free(sc);
        if (rc) return rc;
        S->pemit = upto;
    }
    /* keep the points of the next window and the window scores of unwritten points */
    size_t keep_from = S->nextw * St < S->pemit ? S->nextw * St : S->pemit;
    if (keep_from > S->pbase) {
        size_t drop = keep_from - S->pbase;
        if (drop > S->npts) drop = S->npts;
        memmove(S->pts, S->pts + drop * d, (S->npts - drop) * d * sizeof *S->pts);
        S->npts -= drop;
        S->pbase += drop;
    }
    size_t wlo = S->pemit + 1 >= W ? (S->pemit + 1 - W + St - 1) / St : 0;
    if (wlo > S->nextw) wlo = S->nextw;
    if (wlo > S->wbase) {
        memmove(S->wsc, S->wsc + (wlo - S->wbase), (S->nextw - wlo) * sizeof *S->wsc);
        S->wbase = wlo;
    }
    return OD_OK;
}

/* How many of the chunk's rows can go through the pipeline now: all but
 * those in a gap of missing values a series clean step cannot fill yet (an
 * interpolated gap with no value after it, an ffilled column with no value
 * yet), so chunk boundaries change no value. */
static size_t ready_rows(const scorer *S, int end)
{
    const od_pipeline *p = S->p;
    size_t r = S->nraw, nin = p->nin;
    if (end || S->cut || !S->ser) return r;
    for (;;) {
        size_t r0 = r;
        for (size_t s = 0; s < p->nsteps && r; s++) {
            const struct series_state *ss = &S->ser[s];
            for (size_t k = 0; ss->in && k < p->steps[s].clean->d && r; k++) {
                size_t j = ss->in[k];
                if (!isnan(S->raw[(r - 1) * nin + j])) continue;
                if (p->steps[s].series == OD_SERIES_FFILL) {
                    if (S->seen[j]) continue;
                    size_t q = 0;
                    while (q < r && isnan(S->raw[q * nin + j])) q++;
                    if (q == r) r = 0;   /* a gap at the start: held until the first value */
                } else {
                    while (r > 0 && isnan(S->raw[(r - 1) * nin + j])) r--;   /* held until the gap's next value */
                }
            }
        }
        if (r == r0) return r;
    }
}

static int flush_chunk(scorer *S, int end)
{
    int rc = OD_OK;
    size_t n = ready_rows(S, end), nin = S->p->nin;
    double *X = NULL, *sc = NULL;
    /* no steps and the detector's columns are the input's in order: the
     * chunk is the detector's input as it is (no copy) */
    if (n && !S->ident && (rc = transform(S, n, (end || S->cut) && n == S->nraw, &X))) return rc;
    const double *Xd = S->ident ? S->raw : X;
    if (S->mode == MODE_TAB) {
        if (n) {
            od_data v = { Xd, n, S->d, S->d };
            sc = od_mallocn(S->ctx, n, sizeof *sc);
            rc = sc ? detector_score(S, &v, sc) : OD_ENOMEM;
            if (!rc) rc = emit(S, n, sc);
        }
    } else {
        if (!(rc = grow_pts(S, S->npts + n))) {
            if (n) memcpy(S->pts + S->npts * S->d, Xd, n * S->d * sizeof *Xd);
            S->npts += n;
            S->ptot += n;
        }
        if (!rc && S->mode == MODE_WIN) rc = win_step(S, end);
        else if (!rc && n) {
            /* SEQ: the points held are the new ones and up to span-1 before them */
            sc = od_mallocn(S->ctx, S->npts, sizeof *sc);
            if (!sc) rc = OD_ENOMEM;
            else if (S->npts >= S->span) {
                od_data v = { S->pts, S->npts, S->d, S->d };
                rc = detector_score(S, &v, sc);
            } else {
                for (size_t i = 0; i < S->npts; i++) sc[i] = NAN;
            }
            for (size_t i = S->npts - n; !rc && S->smooth && i < S->npts; i++) {
                if (isnan(sc[i])) continue;   /* the warm-up: the EWMA starts at the first full window, as in od_nnd_score */
                if (S->have_prev) sc[i] = od_nnd_ewma_step(S->smooth, sc[i], S->prev);
                S->prev = sc[i];
                S->have_prev = 1;
            }
            if (!rc) rc = emit(S, n, sc + (S->npts - n));
            size_t keep = S->span - 1 < S->npts ? S->span - 1 : S->npts, drop = S->npts - keep;
            if (keep && drop) memmove(S->pts, S->pts + drop * S->d, keep * S->d * sizeof *S->pts);
            S->npts = keep;
            S->pbase += drop;
        }
    }
    free(X);
    free(sc);
    for (size_t j = 0; S->seen && j < nin; j++)
        for (size_t i = 0; i < n && !S->seen[j]; i++) S->seen[j] = !isnan(S->raw[i * nin + j]);
    if (n < S->nraw) memmove(S->raw, S->raw + n * nin, (S->nraw - n) * nin * sizeof *S->raw);
    S->nraw -= n;
    S->ntrans += n;
    if (!rc && fflush(S->out)) rc = od_error(S->ctx, OD_EIO, "writing the scores: %s", strerror(errno));
    return rc;
}

/* ---------------------------------------------------------------- driver */

/* --on-error=stop at a bad row: the rows before it are written first (a gap
 * still open filled as at the end of the input), then the row's error stands. */
static void stop_at_bad_row(scorer *S)
{
    char msg[1200];
    snprintf(msg, sizeof msg, "%s", od_ctx_errmsg(S->ctx));
    S->cut = 1;
    if (!flush_chunk(S, 0)) od_error(S->ctx, OD_EDATA, "%s", msg);
}

static long input_index(const od_pipeline *p, const char *name)
{
    for (size_t j = 0; j < p->nin; j++)
        if (!strcmp(p->in[j], name)) return (long)j;
    return -1;
}

/* The state of the series clean steps (none: S->ser stays NULL). */
static int series_setup(scorer *S)
{
    const od_pipeline *p = S->p;
    size_t ns = 0;
    for (size_t s = 0; s < p->nsteps; s++) ns += p->steps[s].series && p->steps[s].clean;
    if (!ns) return OD_OK;
    if (!(S->ser = od_calloc(S->ctx, p->nsteps, sizeof *S->ser)) || !(S->seen = od_calloc(S->ctx, p->nin, 1))) return OD_ENOMEM;
    for (size_t s = 0; s < p->nsteps; s++) {
        const od_pipe_step *st = &p->steps[s];
        struct series_state *ss = &S->ser[s];
        ss->tin = -1;
        if (!st->series || !st->clean) continue;
        size_t d = st->clean->d;
        if (!(ss->in = od_mallocn(S->ctx, d ? d : 1, sizeof *ss->in)) || !(ss->have = od_calloc(S->ctx, d ? d : 1, 1)) ||
            !(ss->ly = od_calloc(S->ctx, d ? d : 1, sizeof *ss->ly)) || !(ss->lx = od_calloc(S->ctx, d ? d : 1, sizeof *ss->lx)))
            return OD_ENOMEM;
        for (size_t k = 0; k < d; k++) {
            long j = input_index(p, st->clean->names[k]);
            if (j < 0) return od_error(S->ctx, OD_EFORMAT, "%s: damaged pipeline (%s reads no input column '%s')", S->mpath, st->desc, st->clean->names[k]);
            ss->in[k] = (size_t)j;
        }
        if (st->tcol) {
            if ((ss->tin = input_index(p, st->tcol)) < 0)
                return od_error(S->ctx, OD_EFORMAT, "%s: damaged pipeline (no input column '%s')", S->mpath, st->tcol);
            if (S->tin >= 0 && S->tin != ss->tin)
                return od_error(S->ctx, OD_EFORMAT, "%s: two time columns (%s, %s): not streamed", S->mpath, p->in[S->tin], st->tcol);
            S->tin = ss->tin;
            S->ttime = st->ttime;
        }
    }
    return OD_OK;
}

/* The two-stage pipeline (issue 20): a reader thread reads the input and
 * cuts its lines (pipe_fill) into one of two line sets while the calling
 * thread parses, scores, formats and writes the chunk before: the same lines
 * in the same chunks as the serial loop of od_score_stream, so the same
 * output and the same errors in the same order.  The reader touches neither
 * the ctx nor the scorer; a read error or an out-of-memory ends its last set
 * (whose lines are then dropped, as the serial loop drops them) and is raised
 * by the calling thread when it reaches that set.  Stopped early (a bad row,
 * an error, Ctrl-C) while it may wait in fread on a pipe, it is cancelled
 * there, the only point where it may be. */
typedef struct {
    linebuf *L;
    size_t chunk;
    lineset b[2];
    int full[2];                   /* b[k] is ready for the scorer */
    int last[2];                   /* ...and ends with the input */
    int err[2];                    /* ...and ends with this error (L->emsg) */
    int stop;
    int done;                      /* the reader has returned (end of input or error) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} pipe_st;

/* Fill B (which may hold lines already) with lines up to P->chunk, read in
 * place: the input goes straight into B's arena, whose lines are cut there
 * (cut_line, as next_line does in its buffer), so
 * they need no copy.  The bytes of an unfinished line wait in P->L for the
 * next set, which starts with them.  Returns 0, -1 at the end of the input,
 * or an error code (message in P->L->emsg). */
static int pipe_fill(pipe_st *P, lineset *B)
{
    linebuf *L = P->L;
    enum { BLOCK = 1 << 18 };
    size_t pos = B->alen;   /* the first byte not yet cut into lines */
    for (int from_carry = 1;; from_carry = 0) {
        size_t want = from_carry ? L->len - L->pos : BLOCK;
        if (from_carry && !want) continue;
        if (B->alen + want + CSV_PAD + 1 > B->acap) {
            size_t nc = B->acap ? B->acap : (size_t)4 << 20;
            while (nc < B->alen + want + CSV_PAD + 1) nc *= 2;
            char *na = realloc(B->arena, nc);
            if (!na) {
                snprintf(L->emsg, sizeof L->emsg, "%s: out of memory (%zu bytes of lines)", L->name, nc);
                return OD_ENOMEM;
            }
            B->arena = na;
            B->acap = nc;
        }
        size_t got;
        if (from_carry) {
            memcpy(B->arena + B->alen, L->buf + L->pos, want);
            got = want;
            L->pos = L->len = 0;
        } else if (L->eof) {
            got = 0;
        } else {
            /* the one place the thread may be cancelled (a pipe that waits
             * for ever, see pipe_run): it holds no lock, owns no memory here */
            pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
            got = fread(B->arena + B->alen, 1, want, L->in);
            pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
            if (!got) {
                if (ferror(L->in)) {
                    snprintf(L->emsg, sizeof L->emsg, "%s: read error: %s", L->name, strerror(errno));
                    return OD_EIO;
                }
                L->eof = 1;
            }
            L->bytes += got;
        }
        B->alen += got;
        memset(B->arena + B->alen, 0, CSV_PAD);   /* the scanner reads up to 8 bytes past a number */
        for (;;) {
            size_t l, adv;
            if (!cut_line(B->arena + pos, B->alen - pos, L->eof, &l, &adv)) break;
            size_t next = pos + adv;
            L->line++;
            if (l) {
                B->loff[B->nlines] = pos;
                B->llen[B->nlines] = l;
                B->lline[B->nlines++] = L->line;
            }
            pos = next;
            if (B->nlines == P->chunk) {
                /* the rest waits in L for the next set */
                size_t rest = B->alen - pos;
                if (rest > L->cap) {
                    char *nb = realloc(L->buf, rest + CSV_PAD);
                    if (!nb) {
                        snprintf(L->emsg, sizeof L->emsg, "%s: out of memory (a line longer than %zu bytes?)", L->name, L->cap);
                        return OD_ENOMEM;
                    }
                    L->buf = nb;
                    L->cap = rest;
                }
                memcpy(L->buf, B->arena + pos, rest);
                L->pos = 0;
                L->len = rest;
                B->alen = pos;
                return 0;
            }
        }
        if (L->eof && pos >= B->alen) return -1;
        if (__atomic_load_n(&P->stop, __ATOMIC_RELAXED)) return 0;
    }
}

static void *pipe_reader(void *arg)
{
    pipe_st *P = arg;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    for (int k = 0;; k ^= 1) {
        pthread_mutex_lock(&P->mu);
        while (P->full[k] && !P->stop) pthread_cond_wait(&P->cv, &P->mu);
        int stop = P->stop;
        pthread_mutex_unlock(&P->mu);
        if (stop) return NULL;
        int r = pipe_fill(P, &P->b[k]);
        pthread_mutex_lock(&P->mu);
        P->full[k] = 1;
        P->last[k] = r < 0;
        P->err[k] = r > 0 ? r : 0;
        P->done = r != 0;
        pthread_cond_broadcast(&P->cv);
        pthread_mutex_unlock(&P->mu);
        if (r) return NULL;
    }
}

/* The rows after the header through the pipeline with the reader thread;
 * returns the scorer's status, the last (partial) set of lines left in S->ls
 * for the end of od_score_stream.  *started: 0 when the thread could not be
 * started (nothing read: the caller runs the serial loop). */
static int pipe_run(scorer *S, size_t chunk, int *started)
{
    pipe_st P;
    memset(&P, 0, sizeof P);
    P.L = &S->lb;
    P.chunk = chunk;
    *started = 0;
    for (int k = 0; k < 2; k++)
        if (!(P.b[k].loff = malloc(chunk * sizeof *P.b[k].loff)) || !(P.b[k].llen = malloc(chunk * sizeof *P.b[k].llen)) ||
            !(P.b[k].lline = malloc(chunk * sizeof *P.b[k].lline)))
            goto out;
    /* a first line already kept (--no-header) starts the first set */
    lineset t = P.b[0];
    P.b[0] = S->ls;
    S->ls = t;
    pthread_t tid;
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.cv, NULL);
    if (pthread_create(&tid, NULL, pipe_reader, &P)) {
        t = P.b[0];
        P.b[0] = S->ls;
        S->ls = t;
        pthread_mutex_destroy(&P.mu);
        pthread_cond_destroy(&P.cv);
        goto out;
    }
    *started = 1;
    int rc = OD_OK;
    for (int k = 0; !rc; k ^= 1) {
        pthread_mutex_lock(&P.mu);
        while (!P.full[k] && !od_cancelled(S->ctx)) {   /* Ctrl-C while a pipe waits for input */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100000000;
            if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
            pthread_cond_timedwait(&P.cv, &P.mu, &ts);
        }
        if (!P.full[k]) {
            pthread_mutex_unlock(&P.mu);
            rc = od_error(S->ctx, OD_ECANCEL, "score: interrupted");
            break;
        }
        int err = P.err[k], last = P.last[k];
        if (!err) {   /* take the set, give the reader the empty one */
            t = P.b[k];
            P.b[k] = S->ls;
            S->ls = t;
            P.full[k] = 0;
            pthread_cond_broadcast(&P.cv);
        }
        pthread_mutex_unlock(&P.mu);
        if (err) { rc = od_error(S->ctx, err, "%s", P.L->emsg); break; }
        if (last) break;
        if ((rc = take_lines(S))) {
            if (rc == OD_EDATA) stop_at_bad_row(S);
            break;
        }
        if (S->nraw) rc = flush_chunk(S, 0);
        if (!rc && od_cancelled(S->ctx)) rc = od_error(S->ctx, OD_ECANCEL, "score: interrupted");
    }
    pthread_mutex_lock(&P.mu);
    P.stop = 1;
    int reading = !P.done;
    pthread_cond_broadcast(&P.cv);
    pthread_mutex_unlock(&P.mu);
    /* stopped early (a bad row, an error, Ctrl-C) while the reader may wait
     * in fread on a pipe for input that may never come: cancel it there */
    if (rc && reading && !S->regular) pthread_cancel(tid);
    pthread_join(tid, NULL);
    pthread_mutex_destroy(&P.mu);
    pthread_cond_destroy(&P.cv);
    if (rc) S->ls.nlines = 0;
    for (int k = 0; k < 2; k++) {
        free(P.b[k].arena);
        free(P.b[k].loff);
        free(P.b[k].llen);
        free(P.b[k].lline);
    }
    return rc;
out:
    for (int k = 0; k < 2; k++) {
        free(P.b[k].loff);
        free(P.b[k].llen);
        free(P.b[k].lline);
    }
    return OD_OK;
}

int od_score_check(od_ctx *ctx, const od_model *m, const char *path, const od_score_opts *o)
{
    const od_pipeline *p = m->pipe;
    if (!p)
        return od_error(ctx, OD_EINVAL, "%s: a model file of format version 1 has no pipeline: save the run again (save model RUN to=FILE) to score with it here",
                        path);
    if (p->note) return od_error(ctx, OD_EINVAL, "%s: cannot score new rows: %s", path, p->note);
    if (!p->ncols || !p->nin) return od_error(ctx, OD_EINVAL, "%s: the model records no input columns", path);
    if (m->type->seq && od_params_int(m->p, "smooth") > 0 && m->type->score != od_nnd_score)
        return od_error(ctx, OD_EINVAL, "%s: smooth=%ld carries a running mean over the whole series: not streamed (yet); refit with smooth=0",
                        path, od_params_int(m->p, "smooth"));
    if (o->flags && !o->has_thr && !p->has_thr)
        return od_error(ctx, OD_EINVAL, "%s: --threshold: the model has no threshold (set one with `threshold RUN ...` before save model, or give --threshold=V)",
                        path);
    if (!o->chunk) return od_error(ctx, OD_EINVAL, "--chunk=0: must be at least 1");
    return OD_OK;
}

int od_score_stream(od_ctx *ctx, od_model *m, const char *model_path, FILE *in, const char *name, FILE *out,
                    const od_score_opts *o, od_score_report *rep)
{
    memset(rep, 0, sizeof *rep);
    int rc = od_score_check(ctx, m, model_path, o);
    if (rc) return rc;
    scorer S;
    memset(&S, 0, sizeof S);
    S.ctx = ctx;
    S.m = m;
    S.p = m->pipe;
    S.o = o;
    S.rep = rep;
    S.name = name;
    S.mpath = model_path;
    S.in = in;
    S.lb.in = in;
    S.lb.name = name;
    S.out = out;
    S.d = S.p->ncols;
    S.flags = o->flags;
    S.thr = o->has_thr ? o->thr : S.p->thr;
    S.strict = o->has_thr ? 0 : S.p->strict;
    S.mode = m->type->seq ? MODE_SEQ : S.p->win ? MODE_WIN : MODE_TAB;
    if (S.mode == MODE_SEQ && m->type->score == od_nnd_score) S.smooth = od_nnd_smooth_off(m->state);
    if (S.mode == MODE_SEQ) {
        long W = od_params_int(m->p, "window");
        long h = od_params_is(m->p, "mode", "forecast") ? od_params_int(m->p, "horizon") : 0;
        S.span = (size_t)(W + h);
        if (S.span < 1) S.span = 1;
    }
    size_t chunk = o->chunk;
    if (!(S.cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0))) return od_error(ctx, OD_ENOMEM, "out of memory (C locale)");
    if (!(S.colin = od_mallocn(ctx, S.d, sizeof *S.colin)) || !(S.raw = od_mallocn(ctx, chunk, S.p->nin * sizeof *S.raw)) ||
        !(S.ls.loff = od_mallocn(ctx, chunk, sizeof *S.ls.loff)) || !(S.ls.llen = od_mallocn(ctx, chunk, sizeof *S.ls.llen)) ||
        !(S.ls.lline = od_mallocn(ctx, chunk, sizeof *S.ls.lline)) || !(S.lok = od_malloc(ctx, chunk)))
        rc = OD_ENOMEM;
    for (size_t j = 0; j < S.d && !rc; j++) {
        size_t k = 0;
        while (k < S.p->nin && strcmp(S.p->in[k], S.p->cols[j])) k++;
        S.colin[j] = k;
        if (k == S.p->nin && !S.p->nsteps) rc = od_error(ctx, OD_EFORMAT, "%s: damaged pipeline (column %s)", model_path, S.p->cols[j]);
    }
    S.rawcap = chunk;
    S.tin = -1;
    S.ident = !rc && !S.p->nsteps && S.d == S.p->nin;
    for (size_t j = 0; j < S.d && S.ident; j++) S.ident = S.colin[j] == j;
    if (!rc) rc = series_setup(&S);
    if (!rc) rc = read_header(&S);
    if (!rc && !(S.fcol = od_mallocn(ctx, S.nfields, sizeof *S.fcol))) rc = OD_ENOMEM;
    for (size_t i = 0; !rc && i < S.nfields; i++) S.fcol[i] = -1;
    for (size_t j = 0; !rc && j < S.p->nin; j++) {
        if (S.fcol[S.src[j]] >= 0 || (long)j == (S.ttime ? S.tin : -1)) {   /* two input columns from one field, or timestamps: row_ok alone */
            free(S.fcol);
            S.fcol = NULL;
            break;
        }
        S.fcol[S.src[j]] = (long)j;
    }
    if (!rc && S.ls.nlines == chunk && !(rc = take_lines(&S)) && S.nraw) rc = flush_chunk(&S, 0);   /* --no-header --chunk=1 */
    /* the reader thread (pipe_run); the lines are read here, chunk by
     * chunk, only when it cannot be started */
    struct stat st;
    int piped = 0;
    S.regular = !fstat(fileno(in), &st) && S_ISREG(st.st_mode);
    if (!rc) {
        rc = pipe_run(&S, chunk, &piped);
        if (piped && !rc) goto end;
    }
    while (!rc && !piped) {
        char *s;
        size_t n;
        int r = next_line_s(&S, &s, &n);
        if (r < 0) { rc = -r; break; }
        if (r == 0) break;
        if (!n) continue;
        if ((rc = collect(&S, s, n))) break;
        if (S.ls.nlines < chunk) continue;
        if ((rc = take_lines(&S))) {
            if (rc == OD_EDATA) stop_at_bad_row(&S);
            break;
        }
        if (S.nraw) rc = flush_chunk(&S, 0);
        if (!rc && od_cancelled(ctx)) rc = od_error(ctx, OD_ECANCEL, "score: interrupted");
    }
end:
    if (!rc && S.ls.nlines && (rc = take_lines(&S)) == OD_EDATA) stop_at_bad_row(&S);
    if (!rc) rc = flush_chunk(&S, 1);
    if (!rc && S.npend) {
        /* SEQ/WIN: nothing should be left; be safe */
        double *sc = od_mallocn(ctx, S.npend, sizeof *sc);
        if (!sc) rc = OD_ENOMEM;
        else {
            for (size_t i = 0; i < S.npend; i++) sc[i] = NAN;
            rc = emit(&S, S.npend, sc);
            free(sc);
        }
    }
    if (!rc && fflush(out)) rc = od_error(ctx, OD_EIO, "writing the scores: %s", strerror(errno));
    for (size_t i = 0; o->keep && i < S.npend; i++) free(S.text[i]);
    rep->bytes = S.lb.bytes;
    free(S.lb.buf);
    free(S.f);
    free(S.src);
    free(S.nacov);
    free(S.colin);
    free(S.fcol);
    free(S.raw);
    free(S.seen);
    for (size_t s = 0; S.ser && s < S.p->nsteps; s++) {
        free(S.ser[s].in);
        free(S.ser[s].have);
        free(S.ser[s].ly);
        free(S.ser[s].lx);
    }
    free(S.ser);
    free(S.rowno);
    free(S.text);
    free(S.pts);
    free(S.wsc);
    freelocale(S.cloc);
    free(S.ls.arena);
    free(S.ls.loff);
    free(S.ls.llen);
    free(S.ls.lline);
    free(S.lok);
    return rc;
}
