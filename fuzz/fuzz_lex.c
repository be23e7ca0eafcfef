/* fuzz_lex.c - the command language: lexer and parser (app/cmd/lex.c), list
 * splitting, quoting, and the detector-parameter parse step a `detect` line
 * goes through (od_params_parse with the detector's table).  Properties:
 * cmd_quote(x) lexes back to x as one word; every error names a column
 * inside the line (or 0). */
#include "config.h"
#include "common.h"
#include "oddity.h"
#include "lex.h"

#include <stdlib.h>
#include <string.h>

static void check_quote(const char *text)
{
    char *q = cmd_quote(text);
    if (!q) return;
    size_t l = strlen(q);
    char *line = malloc(l + 3);
    if (line) {
        memcpy(line, "w ", 2);
        memcpy(line + 2, q, l + 1);
        cmd_line *c;
        cmd_err e;
        int n = cmd_parse_line(line, &c, &e);
        /* a quoted text lexes back to itself as one word */
        if (n != 1 || c[0].nwords != 2 || c[0].nopts != 0 || strcmp(c[0].words[1].text, text)) abort();
        cmd_lines_free(c, n);
        free(line);
    }
    free(q);
}

static void params_step(od_ctx *ctx, const cmd_line *c)
{
    /* `detect NAME key=value...`: the detector named, or one chosen by the verb */
    const od_detector_type *t = c->nwords > 1 ? od_detector_find(c->words[1].text) : NULL;
    if (!t) t = od_detector_at(strlen(c->words[0].text) % od_detector_count());
    const char **keys = calloc(c->nopts + 1, sizeof *keys), **vals = calloc(c->nopts + 1, sizeof *vals);
    if (keys && vals) {
        for (size_t i = 0; i < c->nopts; i++) keys[i] = c->opts[i].key, vals[i] = c->opts[i].val;
        od_params *p = od_params_parse(ctx, t->params, t->nparams, keys, vals, c->nopts);
        if (p) {
            char *s = od_params_format(p);
            free(s);
        } else if (!od_ctx_errmsg(ctx)[0]) {
            abort();   /* a refusal says why */
        }
        od_params_free(p);
    }
    free(keys);
    free(vals);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (!line) return 0;
    memcpy(line, data, size);
    line[size] = 0;
    size_t len = strlen(line);
    (void)cmd_line_incomplete(line);
    od_ctx *ctx = od_ctx_new(1);
    cmd_line *c;
    cmd_err e;
    int n = cmd_parse_line(line, &c, &e);
    if (n < 0) {
        if (e.col < 0 || (size_t)e.col > len + 1 || !e.msg[0]) abort();
    }
    for (int i = 0; i < n; i++) {
        if (c[i].col0 < 1 || (size_t)c[i].col0 > len) abort();
        for (size_t w = 0; w < c[i].nwords; w++) {
            if (c[i].words[w].col < 1 || (size_t)c[i].words[w].col > len) abort();
            check_quote(c[i].words[w].text);
        }
        for (size_t k = 0; k < c[i].nopts; k++) {
            size_t nl;
            char **v = cmd_list_split(c[i].opts[k].val, &nl);
            if (v && nl < 1) abort();
            free(v);
            check_quote(c[i].opts[k].val);
        }
        if (ctx) {
            od_ctx_clear_error(ctx);
            params_step(ctx, &c[i]);
        }
    }
    if (n > 0) cmd_lines_free(c, n);
    od_ctx_free(ctx);
    free(line);
    return 0;
}
