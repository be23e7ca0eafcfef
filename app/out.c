/* out.c - aligned text tables and number formatting for the handlers.
 * Out of memory never crashes a table: a row that cannot be stored is
 * dropped and the printed table ends with a line saying so.  Cells hold
 * text from data (column names, values, file names): control characters
 * are escaped as they are stored (cmd_escape), so no table can send the
 * terminal an escape sequence. */
#include "config.h"
#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* A cell as stored: a copy with control characters escaped. */
static char *cell(const char *c)
{
    return cmd_escape_dup(c ? c : "", 0);
}

struct od_table {
    size_t ncol, nrow, cap;
    char **cells;      /* (nrow+1) x ncol, row 0 = header; NULL = out of memory */
    unsigned char *right;
    int lost;          /* rows dropped for want of memory */
};

od_table *tbl_new(size_t ncol, ...)
{
    od_table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->ncol = ncol;
    t->cap = 16;
    t->cells = calloc(t->cap * ncol, sizeof(char *));
    t->right = calloc(ncol ? ncol : 1, 1);
    if (!t->cells || !t->right) {
        free(t->cells);
        free(t->right);
        free(t);
        return NULL;
    }
    va_list ap;
    va_start(ap, ncol);
    for (size_t j = 0; j < ncol; j++) {
        const char *h = va_arg(ap, const char *);
        t->cells[j] = cell(h);
        t->right[j] = j > 0;
    }
    va_end(ap);
    t->nrow = 1;
    return t;
}

void tbl_align(od_table *t, size_t col, int right) { if (t && col < t->ncol) t->right[col] = (unsigned char)right; }

void tbl_row(od_table *t, ...)
{
    if (!t) return;
    if (t->nrow == t->cap) {
        char **c = realloc(t->cells, 2 * t->cap * t->ncol * sizeof(char *));
        if (!c) { t->lost++; return; }
        t->cells = c;
        t->cap *= 2;
    }
    va_list ap;
    va_start(ap, t);
    for (size_t j = 0; j < t->ncol; j++) {
        const char *c = va_arg(ap, const char *);
        t->cells[t->nrow * t->ncol + j] = cell(c);
    }
    va_end(ap);
    t->nrow++;
}

/* display width of UTF-8 text (counts code points) */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void print_row(const od_table *t, size_t i, const size_t *w, FILE *fp)
{
    for (size_t j = 0; j < t->ncol; j++) {
        const char *c = t->cells[i * t->ncol + j];
        if (!c) c = "";
        size_t pad = w[j] - width(c);
        if (j) fputs("  ", fp);
        if (t->right[j]) for (size_t k = 0; k < pad; k++) fputc(' ', fp);
        fputs(c, fp);
        if (!t->right[j] && j + 1 < t->ncol) for (size_t k = 0; k < pad; k++) fputc(' ', fp);
    }
    fputc('\n', fp);
}

void tbl_print(od_table *t, FILE *fp)
{
    size_t *w = t && t->cells && t->right ? calloc(t->ncol ? t->ncol : 1, sizeof *w) : NULL;
    if (!w) {
        fputs("(table not shown: out of memory)\n", fp);
        return;
    }
    for (size_t i = 0; i < t->nrow; i++)
        for (size_t j = 0; j < t->ncol; j++) {
            size_t l = width(t->cells[i * t->ncol + j]);
            if (l > w[j]) w[j] = l;
        }
    for (size_t i = 0; i < t->nrow; i++) print_row(t, i, w, fp);
    if (t->lost) fprintf(fp, "(%d rows not shown: out of memory)\n", t->lost);
    free(w);
}

void tbl_free(od_table *t)
{
    if (!t) return;
    for (size_t i = 0; t->cells && i < t->nrow * t->ncol; i++) free(t->cells[i]);
    free(t->cells);
    free(t->right);
    free(t);
}

const char *fmtg(double x, int sig)
{
    static char buf[16][48];
    static int k;
    char *b = buf[k++ & 15];
    return od_fmt_num(b, sizeof buf[0], x, sig);
}

const char *fmtn(double x) { return fmtg(x, 6); }

void tbl_cell_num(char *buf, size_t n, double x) { od_fmt_num(buf, n, x, 6); }

od_table *tbl_new_v(size_t ncol, const char *const *head)
{
    od_table *t = tbl_new(0);
    if (!t) return NULL;
    free(t->cells);
    free(t->right);
    t->ncol = ncol;
    t->cells = calloc(t->cap * (ncol ? ncol : 1), sizeof(char *));
    t->right = calloc(ncol ? ncol : 1, 1);
    for (size_t j = 0; j < ncol && t->cells && t->right; j++) {
        t->cells[j] = cell(head[j]);
        t->right[j] = j > 0;
    }
    return t;
}

void tbl_row_v(od_table *t, const char *const *cells)
{
    if (!t || !t->cells) return;
    if (t->nrow == t->cap) {
        char **c = realloc(t->cells, 2 * t->cap * (t->ncol ? t->ncol : 1) * sizeof(char *));
        if (!c) { t->lost++; return; }
        t->cells = c;
        t->cap *= 2;
    }
    for (size_t j = 0; j < t->ncol; j++) t->cells[t->nrow * t->ncol + j] = cell(cells[j]);
    t->nrow++;
}
