/* lex.c - the command language's lexer and parser (grammar in lex.h). */
#include "config.h"
#include "lex.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int seterr(cmd_err *e, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->col = col;
    return -1;
}

int cmd_is_name(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_')) return 0;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '.' || *s == '-')) return 0;
    return 1;
}

/* Read a quoted string starting at p (pointing at '"'); append the unescaped
 * text to out; return pointer after the closing quote or NULL on error. */
static const char *read_quoted(const char *line, const char *p, char *out, size_t *olen, cmd_err *e)
{
    const char *start = p++;
    while (*p && *p != '"') {
        if (*p == '\\') {
            p++;
            switch (*p) {
            case '"': out[(*olen)++] = '"'; break;
            case '\\': out[(*olen)++] = '\\'; break;
            case 'n': out[(*olen)++] = '\n'; break;
            case 't': out[(*olen)++] = '\t'; break;
            case 0:
                seterr(e, (int)(p - line) + 1, "unterminated string (expected a closing \")");
                return NULL;
            default:
                seterr(e, (int)(p - line), "unknown escape \\%c in string (use \\\" \\\\ \\n \\t)", *p);
                return NULL;
            }
            p++;
        } else {
            out[(*olen)++] = *p++;
        }
    }
    if (*p != '"') {
        seterr(e, (int)(start - line) + 1, "unterminated string (expected a closing \")");
        return NULL;
    }
    return p + 1;
}

static int push_word(cmd_line *c, char *text, int col, int quoted)
{
    cmd_tok *w = realloc(c->words, (c->nwords + 1) * sizeof *w);
    if (!w) return -1;
    c->words = w;
    c->words[c->nwords++] = (cmd_tok){ text, col, quoted };
    return 0;
}

static int push_opt(cmd_line *c, char *key, char *val, int col, int vcol)
{
    cmd_opt *o = realloc(c->opts, (c->nopts + 1) * sizeof *o);
    if (!o) return -1;
    c->opts = o;
    c->opts[c->nopts++] = (cmd_opt){ key, val, col, vcol };
    return 0;
}

static void line_free(cmd_line *c)
{
    for (size_t i = 0; i < c->nwords; i++) free(c->words[i].text);
    for (size_t i = 0; i < c->nopts; i++) { free(c->opts[i].key); free(c->opts[i].val); }
    free(c->words);
    free(c->opts);
    free(c->src);
}

void cmd_lines_free(cmd_line *cmds, int n)
{
    for (int i = 0; i < n; i++) line_free(&cmds[i]);
    free(cmds);
}

/* Does ch end a word or value? */
static int ends_token(char ch) { return !ch || isspace((unsigned char)ch) || ch == ';' || ch == '#'; }

/* A quoted word or value at p into buf (NUL-terminated); a space, ';', '#'
 * or the end must follow.  Returns the pointer past it or NULL. */
static const char *read_quoted_token(const char *line, const char *p, char *buf, cmd_err *e)
{
    size_t len = 0;
    p = read_quoted(line, p, buf, &len, e);
    if (!p) return NULL;
    buf[len] = 0;
    if (!ends_token(*p)) {
        seterr(e, (int)(p - line) + 1, "expected a space after the closing quote");
        return NULL;
    }
    return p;
}

/* The value of key=value, p just past the '=', into buf. */
static const char *read_value(const char *line, const char *p, char *buf, cmd_err *e)
{
    if (*p == '"') return read_quoted_token(line, p, buf, e);
    size_t len = 0;
    while (!ends_token(*p)) {
        if (*p == '"') {
            seterr(e, (int)(p - line) + 1, "unexpected quote inside a value (quote the whole value)");
            return NULL;
        }
        buf[len++] = *p++;
    }
    buf[len] = 0;
    return p;
}

/* A copy of the token in the scratch buffer, just its size: the memory a line
 * takes stays linear in its length, whatever the number of words. */
static char *token(const char *buf) { return strdup(buf); }

/* key=value: buf (scratch) holds the key; p points at the '='. */
static const char *read_option(const char *line, const char *p, int col, char *buf, cmd_line *c, cmd_err *e)
{
    if (!*buf) { seterr(e, col, "expected an option name before '='"); return NULL; }
    if (!cmd_is_name(buf)) {
        seterr(e, col, "bad option name (names are letters, digits, _ . -)");
        return NULL;
    }
    char *key = token(buf);
    p++;
    int vcol = (int)(p - line) + 1;
    p = read_value(line, p, buf, e);
    if (!p) { free(key); return NULL; }
    char *val = token(buf);
    if (!key || !val || push_opt(c, key, val, col, vcol)) {
        free(key); free(val);
        seterr(e, col, "out of memory");
        return NULL;
    }
    return p;
}

/* A bare word, or key=value, at p (column col), through the scratch buf. */
static const char *read_bare(const char *line, const char *p, int col, char *buf, cmd_line *c, cmd_err *e)
{
    size_t len = 0;
    while (!ends_token(*p)) {
        if (*p == '=') {
            buf[len] = 0;
            return read_option(line, p, col, buf, c, e);
        }
        if (*p == '"') {
            seterr(e, (int)(p - line) + 1, "unexpected quote inside a word (quote the whole word)");
            return NULL;
        }
        buf[len++] = *p++;
    }
    buf[len] = 0;
    char *w = token(buf);
    if (!w || push_word(c, w, col, 0)) { free(w); seterr(e, col, "out of memory"); return NULL; }
    return p;
}

/* Parse one command from p up to ';', '#' or end.  Returns pointer past it.
 * One scratch buffer, room for any token of the rest of the line, serves
 * every token; each is then copied at its own size. */
static const char *parse_command(const char *line, const char *p, cmd_line *c, cmd_err *e)
{
    char *buf = malloc(strlen(p) + 1);
    if (!buf) { seterr(e, (int)(p - line) + 1, "out of memory (a line of %zu bytes)", strlen(line)); return NULL; }
    while (p && *p && *p != ';' && *p != '#') {
        if (isspace((unsigned char)*p)) { p++; continue; }
        int col = (int)(p - line) + 1;
        if (*p != '"') {
            p = read_bare(line, p, col, buf, c, e);
            continue;
        }
        p = read_quoted_token(line, p, buf, e);
        if (!p) break;
        char *w = token(buf);
        if (!w || push_word(c, w, col, 1)) { free(w); seterr(e, col, "out of memory"); p = NULL; }
    }
    free(buf);
    return p;
}

int cmd_parse_line(const char *line, cmd_line **out, cmd_err *e)
{
    cmd_line *cmds = NULL;
    int n = 0;
    const char *p = line;
    e->msg[0] = 0;
    e->col = 0;
    *out = NULL;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p || *p == '#') break;
        if (*p == ';') { p++; continue; }
        cmd_line *t = realloc(cmds, (size_t)(n + 1) * sizeof *t);
        if (!t) { cmd_lines_free(cmds, n); return seterr(e, 0, "out of memory"); }
        cmds = t;
        cmd_line *c = &cmds[n++];
        memset(c, 0, sizeof *c);
        const char *start = p;
        c->col0 = (int)(p - line) + 1;
        const char *q = parse_command(line, p, c, e);
        if (!q) { cmd_lines_free(cmds, n); return -1; }
        const char *end = q;
        while (end > start && isspace((unsigned char)end[-1])) end--;
        c->src = strndup(start, (size_t)(end - start));
        if (!c->src) { cmd_lines_free(cmds, n); return seterr(e, 0, "out of memory"); }
        if (c->nwords == 0 || (c->nopts && c->opts[0].col < c->words[0].col)) {
            int col = c->nopts ? c->opts[0].col : c->col0;
            cmd_lines_free(cmds, n);
            return seterr(e, col, "expected a command name before the options");
        }
        if (c->words[0].quoted || !cmd_is_name(c->words[0].text)) {
            int col = c->words[0].col;
            cmd_lines_free(cmds, n);
            return seterr(e, col, "expected a command name");
        }
        p = q;
        if (*p == '#' || !*p) break;
    }
    *out = cmds;
    return n;
}

int cmd_line_incomplete(const char *line)
{
    int inq = 0;
    for (const char *p = line; *p; p++) {
        if (inq) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == '"') inq = 0;
        } else if (*p == '"') inq = 1;
        else if (*p == '#') break;
    }
    return inq;
}

char **cmd_list_split(const char *s, size_t *n)
{
    size_t k = 1, len = strlen(s);
    for (const char *p = s; *p; p++) k += *p == ',';
    char **v = malloc((k + 1) * sizeof *v + len + 1);
    if (!v) return NULL;
    char *buf = (char *)(v + k + 1);
    memcpy(buf, s, len + 1);
    size_t i = 0;
    char *p = buf;
    for (;;) {
        char *c = strchr(p, ',');
        if (c) *c = 0;
        v[i++] = p;
        if (!c) break;
        p = c + 1;
    }
    v[i] = NULL;
    if (n) *n = i;
    return v;
}

char *cmd_quote(const char *s)
{
    int need = !*s;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p) || *p == '"' || *p == '#' || *p == ';' || *p == '\\' || *p == '=') need = 1;
    if (!need) return strdup(s);
    char *o = malloc(2 * strlen(s) + 3), *q = o;
    if (!o) return NULL;
    *q++ = '"';
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\') { *q++ = '\\'; *q++ = *p; }
        else if (*p == '\n') { *q++ = '\\'; *q++ = 'n'; }
        else if (*p == '\t') { *q++ = '\\'; *q++ = 't'; }
        else *q++ = *p;
    }
    *q++ = '"';
    *q = 0;
    return o;
}
