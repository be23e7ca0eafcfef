/* test_eval_fixture.h - reader for the line-oriented fixtures written by
 * tests/fixtures/eval/gen_eval.py, shared by the test_eval*.c programs.
 *
 * A fixture is lines "TAG v1 v2 ...", '#' comments, cases delimited by
 * "case ..." / "end".  fx_next() hands out one line at a time: its tag and the
 * rest; fx_nums() parses the rest as numbers ("nan", "inf", "undef" -> NaN). */
#ifndef TEST_EVAL_FIXTURE_H
#define TEST_EVAL_FIXTURE_H

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *buf;
    char *cur;
    char tag[32];
    char *rest;
} fx_file;

__attribute__((unused)) static int fx_open(fx_file *f, const char *path)
{
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f->buf = malloc((size_t)len + 1);
    if (!f->buf || fread(f->buf, 1, (size_t)len, fp) != (size_t)len) {
        fclose(fp);
        free(f->buf);
        f->buf = NULL;
        return -1;
    }
    fclose(fp);
    f->buf[len] = '\0';
    f->cur = f->buf;
    return 0;
}

__attribute__((unused)) static void fx_close(fx_file *f)
{
    free(f->buf);
    f->buf = NULL;
}

/* Next non-comment line: tag in f->tag, the rest in f->rest. 0 at the end. */
__attribute__((unused)) static int fx_next(fx_file *f)
{
    while (f->cur && *f->cur) {
        char *line = f->cur;
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
            f->cur = nl + 1;
        } else {
            f->cur = line + strlen(line);
        }
        if (line[0] == '#' || line[0] == '\0') continue;
        size_t k = strcspn(line, " ");
        size_t t = k < sizeof f->tag - 1 ? k : sizeof f->tag - 1;
        memcpy(f->tag, line, t);
        f->tag[t] = '\0';
        f->rest = line[k] ? line + k + 1 : line + k;
        return 1;
    }
    return 0;
}

__attribute__((unused)) static int fx_is(const fx_file *f, const char *tag)
{
    return strcmp(f->tag, tag) == 0;
}

/* Parses up to cap numbers of s into out; returns how many. */
__attribute__((unused)) static size_t fx_nums(const char *s, double *out, size_t cap)
{
    size_t n = 0;
    while (*s && n < cap) {
        while (*s == ' ') s++;
        if (!*s) break;
        if (!strncmp(s, "undef", 5)) {
            out[n++] = NAN;
            s += 5;
            continue;
        }
        char *end;
        double v = strtod(s, &end);
        if (end == s) break;
        out[n++] = v;
        s = end;
    }
    return n;
}

/* Growable parse: returns a malloc'd array and its length. */
__attribute__((unused)) static double *fx_nums_alloc(const char *s, size_t *n)
{
    size_t cap = 16;
    for (const char *p = s; *p; p++)
        if (*p == ' ') cap++;
    double *a = malloc(cap * sizeof *a);
    if (!a) {
        *n = 0;
        return NULL;
    }
    *n = fx_nums(s, a, cap);
    return a;
}

/* Compare arrays: one TAP line for the whole array, the first mismatch shown.
 * NaN in want needs NaN in got. */
__attribute__((unused)) static int fx_check_array(const double *got, const double *want, size_t n, double tol, const char *what)
{
    size_t bad = n;
    for (size_t i = 0; i < n; i++) {
        if (!od_test_close(got[i], want[i], tol, 1)) {
            bad = i;
            break;
        }
    }
    od_test_true(bad == n, "%s (%zu points)", what, n);
    if (bad < n) printf("#   at %zu: got %.17g, want %.17g\n", bad, got[bad], want[bad]);
    return bad == n;
}

#endif
