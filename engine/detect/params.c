#include "config.h"
#include "detector.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct od_params {
    const od_param_spec *spec;
    size_t n;
    char **val;       /* text of each value, spec order */
    double *num;      /* parsed number (NaN for words) */
    int *choice;      /* CHOICE index, BOOL 0/1 */
    unsigned char *given;
};

void od_params_free(od_params *p)
{
    if (!p) return;
    if (p->val)   /* NULL when od_params_parse ran out of memory part way */
        for (size_t i = 0; i < p->n; i++) free(p->val[i]);
    free(p->val);
    free(p->num);
    free(p->choice);
    free(p->given);
    free(p);
}

/* Is `word` one of the '|'-separated alternatives in `list`?  Returns its index or -1. */
static int choice_index(const char *list, const char *word)
{
    if (!list) return -1;
    size_t wl = strlen(word);
    int k = 0;
    for (const char *s = list;; k++) {
        const char *e = strchr(s, '|');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == wl && strncmp(s, word, l) == 0) return k;
        if (!e) break;
        s = e + 1;
    }
    return -1;
}

static int parse_bool(const char *v)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on")) return 1;
    if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off")) return 0;
    return -1;
}

static int set_value(od_ctx *ctx, od_params *p, size_t i, const char *v)
{
    const od_param_spec *s = &p->spec[i];
    char *copy = od_strdup(ctx, v);
    if (!copy) return OD_ENOMEM;
    free(p->val[i]);
    p->val[i] = copy;
    p->num[i] = NAN;
    p->choice[i] = -1;
    switch (s->type) {
    case OD_P_INT:
    case OD_P_REAL: {
        if (s->choices && (p->choice[i] = choice_index(s->choices, v)) >= 0) return OD_OK;
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (end == v || *end || errno == ERANGE || !isfinite(x))
            return od_error(ctx, OD_EINVAL, "option %s=%s: expected %s%s%s", s->name, v,
                            s->type == OD_P_INT ? "an integer" : "a number",
                            s->choices ? " or " : "", s->choices ? s->choices : "");
        if (s->type == OD_P_INT && x != floor(x))
            return od_error(ctx, OD_EINVAL, "option %s=%s: expected an integer", s->name, v);
        if (s->lo <= s->hi && (x < s->lo || x > s->hi)) {
            char a[32], b[32];
            od_fmt_num(a, sizeof a, s->lo, 6);
            od_fmt_num(b, sizeof b, s->hi, 6);
            if (isinf(s->hi))
                return od_error(ctx, OD_EINVAL, "option %s=%s: must be at least %s", s->name, v, a);
            return od_error(ctx, OD_EINVAL, "option %s=%s: must be between %s and %s", s->name, v, a, b);
        }
        p->num[i] = x;
        return OD_OK;
    }
    case OD_P_CHOICE:
        if ((p->choice[i] = choice_index(s->choices, v)) < 0)
            return od_error(ctx, OD_EINVAL, "option %s=%s: expected one of %s", s->name, v, s->choices);
        return OD_OK;
    case OD_P_BOOL:
        if ((p->choice[i] = parse_bool(v)) < 0)
            return od_error(ctx, OD_EINVAL, "option %s=%s: expected yes or no", s->name, v);
        return OD_OK;
    case OD_P_STR:
        return OD_OK;
    }
    return OD_OK;
}

od_params *od_params_parse(od_ctx *ctx, const od_param_spec *spec, size_t nspec,
                           const char *const *keys, const char *const *vals, size_t n)
{
    od_params *p = od_calloc(ctx, 1, sizeof *p);
    if (!p) return NULL;
    p->spec = spec;
    p->n = nspec;
    p->val = od_calloc(ctx, nspec + 1, sizeof *p->val);
    p->num = od_calloc(ctx, nspec + 1, sizeof *p->num);
    p->choice = od_calloc(ctx, nspec + 1, sizeof *p->choice);
    p->given = od_calloc(ctx, nspec + 1, 1);
    if (!p->val || !p->num || !p->choice || !p->given) goto fail;
    for (size_t i = 0; i < nspec; i++) {
        int rc = set_value(ctx, p, i, spec[i].def ? spec[i].def : "");
        if (rc) {
            /* a default that fails validation is a programming error; say so
             * (out of memory keeps od_malloc's message, which names the size) */
            if (rc != OD_ENOMEM)
                od_error(ctx, OD_EINVAL, "internal: default of option %s (%s) is invalid", spec[i].name,
                         spec[i].def ? spec[i].def : "");
            goto fail;
        }
    }
    for (size_t k = 0; k < n; k++) {
        size_t i;
        for (i = 0; i < nspec; i++)
            if (!strcmp(spec[i].name, keys[k])) break;
        if (i == nspec) {
            char list[512] = "";
            size_t len = 0;
            for (size_t j = 0; j < nspec && len + 40 < sizeof list; j++)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", j ? ", " : "", spec[j].name);
            od_error(ctx, OD_EINVAL, "unknown option '%s' (options: %s)", keys[k], nspec ? list : "none");
            goto fail;
        }
        if (set_value(ctx, p, i, vals[k])) goto fail;
        p->given[i] = 1;
    }
    return p;
fail:
    od_params_free(p);
    return NULL;
}

od_params *od_params_copy(od_ctx *ctx, const od_params *p)
{
    od_params *q = od_params_parse(ctx, p->spec, p->n, NULL, NULL, 0);
    if (!q) return NULL;
    for (size_t i = 0; i < p->n; i++) {
        if (set_value(ctx, q, i, p->val[i])) { od_params_free(q); return NULL; }
        q->given[i] = p->given[i];
    }
    return q;
}

static long find(const od_params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->spec[i].name, name)) return (long)i;
    return -1;
}

long od_params_int(const od_params *p, const char *name)
{
    long i = find(p, name);
    return i < 0 || isnan(p->num[i]) ? 0 : (long)p->num[i];
}

double od_params_real(const od_params *p, const char *name)
{
    long i = find(p, name);
    return i < 0 ? NAN : p->num[i];
}

int od_params_choice(const od_params *p, const char *name)
{
    long i = find(p, name);
    return i < 0 ? -1 : p->choice[i];
}

int od_params_bool(const od_params *p, const char *name)
{
    long i = find(p, name);
    return i < 0 ? 0 : p->choice[i] == 1;
}

const char *od_params_str(const od_params *p, const char *name)
{
    long i = find(p, name);
    return i < 0 ? NULL : p->val[i];
}

int od_params_is(const od_params *p, const char *name, const char *word)
{
    const char *v = od_params_str(p, name);
    return v && !strcmp(v, word);
}

int od_params_given(const od_params *p, const char *name)
{
    long i = find(p, name);
    return i >= 0 && p->given[i];
}

char *od_params_format(const od_params *p)
{
    od_out *o = od_out_buffer();
    if (!o) return NULL;
    for (size_t i = 0; i < p->n; i++) {
        const char *v = p->val[i];
        int quote = strpbrk(v, " \t\"#;=") != NULL || !*v;
        od_printf(o, i ? " %s=%s%s%s" : "%s=%s%s%s", p->spec[i].name, quote ? "\"" : "", v, quote ? "\"" : "");
    }
    char *s = od_out_steal(o);
    od_out_free(o);
    return s;
}

int od_fitlog_add(od_fitlog *log, double train, double val, double secs)
{
    if (log->n == log->cap) {
        size_t cap = log->cap ? 2 * log->cap : 64;
        double *a = realloc(log->train, cap * sizeof *a);
        if (!a) return OD_ENOMEM;
        log->train = a;
        double *b = realloc(log->val, cap * sizeof *b);
        if (!b) return OD_ENOMEM;
        log->val = b;
        double *c = realloc(log->secs, cap * sizeof *c);
        if (!c) return OD_ENOMEM;
        log->secs = c;
        log->cap = cap;
    }
    log->train[log->n] = train;
    log->val[log->n] = val;
    log->secs[log->n] = secs;
    log->n++;
    return OD_OK;
}

void od_fitlog_done(od_fitlog *log)
{
    free(log->train);
    free(log->val);
    free(log->secs);
    *log = (od_fitlog){0};
}
