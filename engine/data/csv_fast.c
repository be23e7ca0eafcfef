/* csv_fast.c - the fast path of the CSV reader: one unquoted line of the
 * expected shape parsed in place, parallel regions of such lines, and the
 * streaming loop that hands everything else to the general path. */
#include "config.h"
#include "csv_int.h"
#include "timeparse.h"
#include "../core/num.h"

#include <pthread.h>
#include <sys/mman.h>
#include <time.h>

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
            /* a number beyond +-1e100 (inf, 1e400) goes the general way, which refuses it with its place */
            if (q && __builtin_expect(!(fabs(c->num[row]) <= OD_VALUE_MAX), 0) && !isnan(c->num[row])) goto bail;
            if (!q || (r->na_num && is_na(r, p, (size_t)(q - p)))) {
                if (!(q = fast_na(r, p))) goto bail;
                c->num[row] = NAN;
            }
            p = q;
        } else switch (c->fast) {
        case F_LNUM: {
            double v;
            q = scan_number_short(p, &v, r->cloc);
            if (q && !isnan(v) && !od_value_ok(v)) goto bail;
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
                if (find_ctrl(p, n)) goto bail; /* the general path reports it */
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
    if (od_csv_grow_rows(r, r->nrow + (size_t)((double)n / per * 1.25) + 64)) {
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

int od_csv_stream(reader *r)
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
                if (r->nrow == r->rcap && (rc = od_csv_grow_rows(r, r->nrow + 1))) return rc;
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
            rc = od_csv_general_row(r);
            if (rc == REC_MORE) break;
            if (rc < 0) return rc;
        }
        if (r->eof && r->pos >= r->len) return OD_OK;
        if (od_cancelled(r->ctx)) return od_error(r->ctx, OD_ECANCEL, "%s: loading interrupted", r->name);
        if (r->total) od_progress(r->ctx, "load", (double)(r->base + r->pos) / (double)r->total, NULL);
        if ((rc = od_csv_fill(r))) return rc;
    }
}

