/* search.c - cross-validated hyperparameter search and elbow curves.  See
 * search.h. */
#include "config.h"
#include "search.h"
#include "../core/num.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ------------------------------------------------------------------ grid */

static int push_val(od_ctx *ctx, od_grid_axis *a, const char *text, size_t *cap)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->vals[i], text)) return 1;   /* repeat */
    if (a->n >= OD_GRID_MAX_AXIS) return 2;
    if (a->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        char **v = realloc(a->vals, nc * sizeof *v);
        if (!v) return od_error(ctx, OD_ENOMEM, "out of memory"), -1;
        a->vals = v;
        *cap = nc;
    }
    if (!(a->vals[a->n] = od_strdup(ctx, text))) return -1;
    a->n++;
    return 0;
}

static int parse_num(const char *s, size_t len, double *x)
{
    char buf[64], *end;
    if (len == 0 || len >= sizeof buf) return 0;
    memcpy(buf, s, len);
    buf[len] = 0;
    *x = strtod(buf, &end);
    return *end == 0 && isfinite(*x);
}

static void fmt_val(char *buf, size_t n, double x, int is_int)
{
    if (is_int) snprintf(buf, n, "%.0f", x);
    else snprintf(buf, n, "%.6g", x);
}

/* One ITEM of the spec (item[0..len)) appended to the axis. */
static int parse_item(od_ctx *ctx, const od_param_spec *spec, const char *key, const char *val, const char *item,
                      size_t len, od_grid_axis *a, size_t *cap)
{
    int numeric = !spec || spec->type == OD_P_INT || spec->type == OD_P_REAL;
    int is_int = spec && spec->type == OD_P_INT;
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (item[i] == '.' && item[i + 1] == '.') { dots = item + i; break; }
    int islog = len > 4 && !strncmp(item, "log(", 4);
    char text[64];
    if (!dots && !islog) {
        if (len >= sizeof text) return od_error(ctx, OD_EINVAL, "%s=%s: the value '%.*s' is too long", key, val, (int)len, item);
        if (len == 0) return od_error(ctx, OD_EINVAL, "%s=%s: an empty value in the list", key, val);
        memcpy(text, item, len);
        text[len] = 0;
        int r = push_val(ctx, a, text, cap);
        if (r == 1) return od_error(ctx, OD_EINVAL, "%s=%s: the value %s is given twice", key, val, text);
        if (r == 2) return od_error(ctx, OD_EINVAL, "%s=%s: more than %d values", key, val, OD_GRID_MAX_AXIS);
        return r < 0 ? OD_ENOMEM : OD_OK;
    }
    if (!numeric)
        return od_error(ctx, OD_EINVAL, "%s=%s: %s takes words (%s); ranges and log() are for numbers: list the values a,b,c",
                        key, val, key, spec->choices ? spec->choices : "yes|no");
    const char *p = item, *end = item + len;
    const char *close = NULL, *colon = NULL;
    if (islog) {
        p = item + 4;
        close = memchr(p, ')', (size_t)(end - p));
        if (!close || !dots || dots > close)
            return od_error(ctx, OD_EINVAL, "%s=%s: expected log(LO..HI) or log(LO..HI):COUNT", key, val);
        if (close + 1 < end && close[1] != ':')
            return od_error(ctx, OD_EINVAL, "%s=%s: unexpected '%.*s' after log(...) (expected :COUNT)", key, val,
                            (int)(end - close - 1), close + 1);
        colon = close + 1 < end ? close + 1 : NULL;
    } else {
        colon = memchr(dots + 2, ':', (size_t)(end - dots - 2));
        close = colon ? colon : end;
    }
    double lo, hi, step = 1, cnt = OD_GRID_LOG_POINTS;
    if (!parse_num(p, (size_t)(dots - p), &lo) || !parse_num(dots + 2, (size_t)(close - dots - 2), &hi))
        return od_error(ctx, OD_EINVAL, "%s=%s: expected numbers in %sLO..HI%s", key, val, islog ? "log(" : "", islog ? ")" : "");
    if (colon && !parse_num(colon + 1, (size_t)(end - colon - 1), islog ? &cnt : &step))
        return od_error(ctx, OD_EINVAL, "%s=%s: expected a number after ':' (%s)", key, val, islog ? "the count of values" : "the step");
    if (lo > hi) return od_error(ctx, OD_EINVAL, "%s=%s: the range runs backwards (%g > %g)", key, val, lo, hi);
    size_t n;
    if (islog) {
        if (!(lo > 0)) return od_error(ctx, OD_EINVAL, "%s=%s: log() needs LO > 0", key, val);
        if (cnt != floor(cnt) || cnt < 2 || cnt > 1000) return od_error(ctx, OD_EINVAL, "%s=%s: the count must be a whole number 2..1000", key, val);
        n = (size_t)cnt;
    } else {
        if (!(step > 0)) return od_error(ctx, OD_EINVAL, "%s=%s: the step must be > 0", key, val);
        if (is_int && (lo != floor(lo) || hi != floor(hi) || step != floor(step)))
            return od_error(ctx, OD_EINVAL, "%s=%s: %s is an integer: LO, HI and the step must be whole numbers", key, val, key);
        double m = floor((hi - lo) / step * (1 + 1e-9) + 1e-9) + 1;
        if (m > OD_GRID_MAX_AXIS) return od_error(ctx, OD_EINVAL, "%s=%s: more than %d values", key, val, OD_GRID_MAX_AXIS);
        n = (size_t)m;
    }
    for (size_t i = 0; i < n; i++) {
        double x;
        if (islog) x = i + 1 == n ? hi : i == 0 ? lo : exp(log(lo) + (log(hi) - log(lo)) * (double)i / (double)(n - 1));
        else x = lo + (double)i * step;
        if (is_int) x = round(x);
        fmt_val(text, sizeof text, x, is_int);
        int r = push_val(ctx, a, text, cap);
        if (r == 1 && islog && is_int) continue;   /* rounded log values may repeat */
        if (r == 1) return od_error(ctx, OD_EINVAL, "%s=%s: the value %s is given twice", key, val, text);
        if (r == 2) return od_error(ctx, OD_EINVAL, "%s=%s: more than %d values", key, val, OD_GRID_MAX_AXIS);
        if (r < 0) return OD_ENOMEM;
    }
    return OD_OK;
}

void od_grid_axis_done(od_grid_axis *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) free(a->vals[i]);
    free(a->vals);
    free(a->name);
    memset(a, 0, sizeof *a);
}

int od_grid_axis_parse(od_ctx *ctx, const od_param_spec *spec, const char *key, const char *val, od_grid_axis *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    if (!*val) return od_error(ctx, OD_EINVAL, "%s=: expected values (a,b,c, LO..HI, LO..HI:STEP or log(LO..HI))", key);
    if (!(out->name = od_strdup(ctx, key))) return OD_ENOMEM;
    int rc = OD_OK;
    for (const char *p = val; !rc;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        rc = parse_item(ctx, spec, key, val, p, len, out, &cap);
        if (!c) break;
        p = c + 1;
    }
    if (rc) od_grid_axis_done(out);
    return rc;
}

int od_grid_add(od_ctx *ctx, od_grid *g, const od_detector_type *t, const char *key, const char *val)
{
    const od_param_spec *spec = NULL;
    for (size_t i = 0; i < t->nparams && !spec; i++)
        if (!strcmp(t->params[i].name, key)) spec = &t->params[i];
    if (!spec) {
        char list[512] = "";
        for (size_t i = 0; i < t->nparams; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", t->params[i].name);
        return od_error(ctx, OD_EINVAL, "unknown option '%s': %s has the parameters %s", key, t->name, list);
    }
    for (size_t i = 0; i < g->nax; i++)
        if (!strcmp(g->ax[i].name, key)) return od_error(ctx, OD_EINVAL, "option %s=%s: %s is given twice", key, val, key);
    if (g->nax >= OD_GRID_MAX_PARAMS) return od_error(ctx, OD_EINVAL, "option %s=%s: more than %d parameters", key, val, OD_GRID_MAX_PARAMS);
    od_grid_axis a;
    int rc = od_grid_axis_parse(ctx, spec, key, val, &a);
    if (rc) return rc;
    for (size_t i = 0; i < a.n; i++) {   /* every value as the parameter table reads it */
        const char *v = a.vals[i];
        od_params *p = od_params_parse(ctx, t->params, t->nparams, &key, &v, 1);
        if (!p) {   /* the message names the value: "option k=2.5: expected an integer" */
            od_grid_axis_done(&a);
            return OD_EINVAL;
        }
        od_params_free(p);
    }
    od_grid_axis *ax = realloc(g->ax, (g->nax + 1) * sizeof *ax);
    if (!ax) { od_grid_axis_done(&a); return od_error(ctx, OD_ENOMEM, "out of memory"); }
    g->ax = ax;
    g->ax[g->nax++] = a;
    return OD_OK;
}

void od_grid_done(od_grid *g)
{
    for (size_t i = 0; i < g->nax; i++) od_grid_axis_done(&g->ax[i]);
    free(g->ax);
    memset(g, 0, sizeof *g);
}

size_t od_grid_size(const od_grid *g)
{
    size_t n = 1;
    for (size_t i = 0; i < g->nax; i++) {
        if (g->ax[i].n && n > SIZE_MAX / g->ax[i].n) return SIZE_MAX;
        n *= g->ax[i].n;
    }
    return n;
}

void od_grid_config(const od_grid *g, size_t idx, size_t *vi)
{
    for (size_t i = g->nax; i-- > 0;) {
        vi[i] = idx % g->ax[i].n;
        idx /= g->ax[i].n;
    }
}

static int grid_copy(od_ctx *ctx, const od_grid *g, od_grid *out)
{
    memset(out, 0, sizeof *out);
    if (!g->nax) return OD_OK;
    if (!(out->ax = od_calloc(ctx, g->nax, sizeof *out->ax))) return OD_ENOMEM;
    out->nax = g->nax;
    for (size_t i = 0; i < g->nax; i++) {
        od_grid_axis *a = &out->ax[i];
        if (!(a->name = od_strdup(ctx, g->ax[i].name)) || !(a->vals = od_calloc(ctx, g->ax[i].n, sizeof *a->vals)))
            return OD_ENOMEM;
        a->n = g->ax[i].n;
        for (size_t j = 0; j < a->n; j++)
            if (!(a->vals[j] = od_strdup(ctx, g->ax[i].vals[j]))) return OD_ENOMEM;
    }
    return OD_OK;
}

/* ----------------------------------------------------------------- folds */

int od_search_folds(od_ctx *ctx, const od_version *v, size_t k, unsigned long seed, od_folds **out)
{
    const od_frame *f = v->frame;
    size_t n = f->nrow;
    unsigned char *rows = NULL;
    if (v->part) {
        if (!(rows = od_malloc(ctx, n ? n : 1))) return OD_ENOMEM;
        for (size_t i = 0; i < n; i++) rows[i] = v->part[i] == OD_PART_TRAIN;
    }
    od_folds_opts o = { .k = k, .use_seed = 1, .seed = seed };
    o.order = od_version_is_series(v) ? OD_ORDER_TIME : OD_ORDER_RANDOM;
    o.stratify = o.order == OD_ORDER_RANDOM && od_frame_role(f, OD_ROLE_LABEL) >= 0;
    int rc = od_prep_folds(ctx, f, &o, rows, out, NULL);
    free(rows);
    if (rc) return od_error(ctx, rc, "folds=%zu: %s", k, od_ctx_errmsg(ctx));
    return OD_OK;
}

/* ------------------------------------------------------------- criterion */

const char *const od_search_crit_names = "silhouette|sse|bic|aic|val-loss";

static const struct {
    const char *name;
    od_crit_kind kind;
    int higher_better;
    const char *family;     /* detector it applies to: a name, "neural" for the family, NULL = any */
    const char *desc;
} crits[] = {
    { "silhouette", OD_CRIT_SILHOUETTE, 1, "kmeans",
      "mean silhouette of each fold's test rows in the fitted clusters (Euclidean; higher is better)" },
    { "sse", OD_CRIT_SSE, 0, "kmeans", "mean squared distance of each fold's test rows to their nearest centre (lower is better; it falls as k grows)" },
    { "bic", OD_CRIT_BIC, 0, "gmm", "BIC = -2 logL + p ln n of each fold's fit on its training rows (lower is better)" },
    { "aic", OD_CRIT_AIC, 0, "gmm", "AIC = -2 logL + 2p of each fold's fit on its training rows (lower is better)" },
    { "val-loss", OD_CRIT_VALLOSS, 0, "neural",
      "validation loss: the mean score (forecast or reconstruction error) of each fold's held-out rows (lower is better)" },
};
enum { NCRITS = sizeof crits / sizeof crits[0] };

static int crit_fits(const od_detector_type *t, const char *family)
{
    return !family || !strcmp(t->name, family) || !strcmp(t->family, family);
}

int od_search_crit_pick(od_ctx *ctx, const od_detector_type *t, const char *metric, int has_labels, int series,
                        od_search_crit *out)
{
    memset(out, 0, sizeof *out);
    if (!metric) {
        if (has_labels) metric = "ap";
        else {
            for (size_t i = 0; i < NCRITS; i++)
                if (crit_fits(t, crits[i].family)) { metric = crits[i].name; break; }
            if (!metric)
                return od_error(ctx, OD_EDATA, "search %s: the data has no labels, and %s has no label-free criterion "
                                "(kmeans: silhouette or sse, gmm: bic or aic, neural detectors: val-loss); load data with a "
                                "label column, or make pseudo-labels (pseudolabel mean k=3)", t->name, t->name);
        }
    }
    for (size_t i = 0; i < NCRITS; i++)
        if (!strcmp(metric, crits[i].name)) {
            if (!crit_fits(t, crits[i].family))
                return od_error(ctx, OD_EINVAL, "metric=%s: is for %s detectors, not %s", metric, crits[i].family, t->name);
            out->kind = crits[i].kind;
            out->name = crits[i].name;
            out->higher_better = crits[i].higher_better;
            out->desc = crits[i].desc;
            return OD_OK;
        }
    char key[64];
    snprintf(key, sizeof key, "%s", !strcmp(metric, "roc") ? "roc_auc" : metric);
    for (char *p = key; *p; p++)
        if (*p == '-') *p = '_';
    const od_metric_def *m = od_metric_def_find(key);
    if (!m) {
        char list[800] = "";
        for (size_t i = 0; i < od_nmetric_defs; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s, ", od_metric_defs[i].key);
        return od_error(ctx, OD_EINVAL, "metric=%s: unknown (metrics: %s%s)", metric, list, od_search_crit_names);
    }
    if ((m->needs & OD_NEEDS_SERIES) && !series)
        return od_error(ctx, OD_EINVAL, "metric=%s: is for series, and this data is not one (load series=yes, or a time column)", metric);
    if (!has_labels)
        return od_error(ctx, OD_EDATA, "metric=%s: needs labels, and the data has none (label-free: %s)", metric, od_search_crit_names);
    out->kind = OD_CRIT_METRIC;
    out->metric = m;
    out->name = m->key;
    out->higher_better = 1;
    out->desc = m->convention;
    return OD_OK;
}

int od_search_rule(od_ctx *ctx, const char *rule, od_search_crit *c)
{
    c->rule = NULL;
    c->rule_key[0] = c->rule_val[0] = 0;
    if (c->kind != OD_CRIT_METRIC || !(c->metric->needs & OD_NEEDS_THRESHOLD)) {
        if (!rule) return OD_OK;
        return od_error(ctx, OD_EINVAL, "rule=%s: only for a metric measured at a threshold (f1, mcc, precision, pa_f1, ...); "
                        "%s is measured over every threshold", rule, c->name);
    }
    const char *spec = rule ? rule : OD_SEARCH_RULE, *colon = strchr(spec, ':');
    char name[32];
    size_t l = colon ? (size_t)(colon - spec) : strlen(spec);
    snprintf(name, sizeof name, "%.*s", (int)(l < sizeof name ? l : sizeof name - 1), spec);
    const od_thr_rule *r = l < sizeof name ? od_thr_rule_find(name) : NULL;
    if (!r) return od_error(ctx, OD_EINVAL, "rule=%s: expected a threshold rule (%s), or NAME:VALUE", spec, od_thr_rule_list(", "));
    if (r->oracle)
        return od_error(ctx, OD_EINVAL, "rule=%s: an oracle (it chooses with the labels of the rows it is measured on); "
                        "choose a label-free rule (sse, mad, iqr, sigma, contamination:C, percentile:Q, ...)", spec);
    /* its first option takes VALUE: "c" of contamination, "q" of "q,level" */
    size_t kl = strcspn(r->opts, ",");
    if (colon) {
        if (!kl) return od_error(ctx, OD_EINVAL, "rule=%s: method=%s takes no value", spec, r->name);
        if (!colon[1] || strlen(colon + 1) >= sizeof c->rule_val || kl >= sizeof c->rule_key)
            return od_error(ctx, OD_EINVAL, "rule=%s: expected %s:VALUE", spec, r->name);
        snprintf(c->rule_key, sizeof c->rule_key, "%.*s", (int)kl, r->opts);
        snprintf(c->rule_val, sizeof c->rule_val, "%s", colon + 1);
    }
    /* what the rule needs, and that VALUE reads: try its options now */
    od_thr_args a;
    od_thr_args_init(&a);
    const char *k = c->rule_key, *v = c->rule_val;
    int rc = od_thr_args_parse(ctx, r, &k, &v, *k ? 1 : 0, &a);
    if (rc) return od_error(ctx, rc, "rule=%s: %s", spec, od_ctx_errmsg(ctx));
    if (*r->required && (!*k || strcmp(r->required, k)))
        return od_error(ctx, OD_EINVAL, "rule=%s: method=%s needs a value: rule=%s:%s", spec, r->name, r->name, r->usage);
    c->rule = r;
    return OD_OK;
}

/* ------------------------------------------------------------ silhouette */

enum { SIL_MAX = 2000 };

double od_silhouette(const double *X, size_t n, size_t d, const long *cl)
{
    long kmax = -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (cl[i] >= 0) { m++; if (cl[i] > kmax) kmax = cl[i]; }
    if (kmax < 1 || m < 2) return NAN;
    size_t K = (size_t)kmax + 1, step = (m + SIL_MAX - 1) / SIL_MAX;
    size_t *idx = malloc(m * sizeof *idx);
    double *sum = calloc(K, sizeof *sum);
    size_t *cnt = calloc(K, sizeof *cnt);
    if (!idx || !sum || !cnt) { free(idx); free(sum); free(cnt); return NAN; }
    size_t q = 0, seen = 0;
    for (size_t i = 0; i < n; i++)
        if (cl[i] >= 0) {
            if (seen++ % step == 0) idx[q++] = i;
        }
    for (size_t a = 0; a < q; a++) cnt[cl[idx[a]]]++;
    size_t used = 0;
    for (size_t k = 0; k < K; k++) used += cnt[k] > 0;
    double tot = 0;
    if (used >= 2) {
        for (size_t a = 0; a < q; a++) {
            const double *x = X + idx[a] * d;
            memset(sum, 0, K * sizeof *sum);
            for (size_t b = 0; b < q; b++) {
                if (b == a) continue;
                const double *y = X + idx[b] * d;
                double s = 0;
                for (size_t j = 0; j < d; j++) s += (x[j] - y[j]) * (x[j] - y[j]);
                sum[cl[idx[b]]] += sqrt(s);
            }
            size_t own = (size_t)cl[idx[a]];
            if (cnt[own] <= 1) continue;   /* alone in its cluster: 0 */
            double ai = sum[own] / (double)(cnt[own] - 1), bi = INFINITY;
            for (size_t k = 0; k < K; k++)
                if (k != own && cnt[k] && sum[k] / (double)cnt[k] < bi) bi = sum[k] / (double)cnt[k];
            double mx = ai > bi ? ai : bi;
            tot += mx > 0 ? (bi - ai) / mx : 0;
        }
    }
    free(idx);
    free(sum);
    free(cnt);
    return used >= 2 ? tot / (double)q : NAN;
}

/* ------------------------------------------------- the version chain, per fold */

/* The steps to fit again: versions base+1 .. top of d (*base = top when
 * nothing needs refitting).  Refuses a chain where a fitted step is followed
 * by one that cannot be replayed, or whose starting version was released. */
static int refit_plan(od_ctx *ctx, const od_dataset *d, size_t *base, char **desc)
{
    size_t top = d->nv - 1, b0 = 0;
    *desc = NULL;
    for (size_t i = top + 1; i-- > 1;)
        if (!d->v[i].recipe) { b0 = i; break; }
    for (size_t i = 0; i <= b0; i++)
        if (d->v[i].recipe && od_prep_step_fitted(d->v[i].recipe))
            return od_error(ctx, OD_ESTATE, "'%s' was fitted on rows that include the folds' test rows, and the later "
                            "step '%s' cannot be replayed inside each fold; undo back to before '%s' and search there",
                            d->v[i].step, d->v[b0].step, d->v[i].step);
    size_t first = SIZE_MAX;
    for (size_t i = b0 + 1; i <= top && first == SIZE_MAX; i++)
        if (od_prep_step_fitted(d->v[i].recipe)) first = i;
    if (first == SIZE_MAX) { *base = top; return OD_OK; }
    *base = first - 1;
    if (!d->v[*base].frame)
        return od_error(ctx, OD_ESTATE, "the version before '%s' was released to bound memory, so the step cannot be "
                        "fitted again per fold; reload the data and redo the steps", d->v[first].step);
    od_out *o = od_out_buffer();
    if (!o) return OD_ENOMEM;
    for (size_t i = first; i <= top; i++)
        if (od_prep_step_fitted(d->v[i].recipe)) od_printf(o, "%s%s", i == first ? "" : "; ", d->v[i].step);
    *desc = od_out_steal(o);
    od_out_free(o);
    return *desc ? OD_OK : OD_ENOMEM;
}

/* The frame of the top version with every step after `base` fitted again on
 * the rows train[] (top-row indices) marks. */
static int replay(od_ctx *ctx, const od_dataset *d, size_t base, const unsigned char *train, od_frame **out)
{
    size_t top = d->nv - 1, ntop = d->v[top].frame->nrow, nb = d->v[base].frame->nrow;
    unsigned char *mask = od_calloc(ctx, nb ? nb : 1, 1);
    if (!mask) return OD_ENOMEM;
    for (size_t t = 0; t < ntop; t++) {
        if (!train[t]) continue;
        size_t r = t;
        for (size_t i = top; i > base; i--)
            if (d->v[i].recipe->kept) r = d->v[i].recipe->kept[r];
        mask[r] = 1;
    }
    const od_frame *cur = d->v[base].frame;
    od_frame *own = NULL;
    int rc = OD_OK;
    for (size_t i = base + 1; i <= top && !rc; i++) {
        const od_prep_step *st = d->v[i].recipe;
        od_frame *nf = NULL;
        size_t *kept = NULL;
        rc = od_prep_step_apply(ctx, st, cur, mask, &nf, &kept);
        if (rc) {
            rc = od_error(ctx, rc, "'%s' fitted on a fold: %s", d->v[i].step, od_ctx_errmsg(ctx));
            break;
        }
        int same = (!kept && !st->kept) ||
                   (kept && st->kept && nf->nrow == st->nkept && !memcmp(kept, st->kept, st->nkept * sizeof *kept));
        if (!same) {
            free(kept);
            od_frame_free(nf);
            rc = od_error(ctx, OD_ESTATE, "'%s' drops other rows when fitted on a fold than it dropped on the "
                          "training rows; drop rows before any scale/pca/clip step", d->v[i].step);
            break;
        }
        if (kept) {
            for (size_t r = 0; r < nf->nrow; r++) mask[r] = mask[kept[r]];
            free(kept);
        }
        od_frame_free(own);
        own = nf;
        cur = nf;
    }
    free(mask);
    if (rc) { od_frame_free(own); return rc; }
    if (!own && !(own = od_frame_copy(ctx, cur))) return OD_ENOMEM;
    *out = own;
    return OD_OK;
}

int od_search_refit(od_ctx *ctx, const od_dataset *d, const unsigned char *train, od_frame **out, char **steps)
{
    size_t base;
    char *desc = NULL;
    *out = NULL;
    if (steps) *steps = NULL;
    if (!d || !d->nv || !od_ds_top((od_dataset *)d)->frame) return od_error(ctx, OD_ESTATE, "no dataset loaded");
    int rc = refit_plan(ctx, d, &base, &desc);
    if (!rc && base < d->nv - 1) rc = replay(ctx, d, base, train, out);
    else if (!rc && !(*out = od_frame_copy(ctx, d->v[d->nv - 1].frame))) rc = OD_ENOMEM;
    if (!rc && steps) *steps = desc;
    else free(desc);
    return rc;
}

/* ---------------------------------------------------------------- search */

void od_search_free(od_search *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nrows; i++) {
        free(s->rows[i].params);
        free(s->rows[i].fold);
        free(s->rows[i].why);
        for (size_t j = 0; s->rows[i].fwhy && j < s->nfolds; j++) free(s->rows[i].fwhy[j]);
        free(s->rows[i].fwhy);
        for (size_t j = 0; s->rows[i].fwarn && j < s->nfolds; j++) free(s->rows[i].fwarn[j]);
        free(s->rows[i].fwarn);
        free(s->rows[i].ran);
        free(s->rows[i].fsecs);
    }
    free(s->head);
    free(s->rows);
    free(s->order);
    od_grid_done(&s->grid);
    free(s->detector);
    free(s->folds_desc);
    free(s->refit_desc);
    free(s->labels_desc);
    free(s);
}

const od_search_row *od_search_best(const od_search *s)
{
    return s->ndone && s->rows[s->order[0]].ndef ? &s->rows[s->order[0]] : NULL;
}

void od_search_row_params(const od_search *s, const od_search_row *r, const char **keys, const char **vals)
{
    size_t vi[OD_GRID_MAX_PARAMS];
    od_grid_config(&s->grid, r->config, vi);
    for (size_t i = 0; i < s->grid.nax; i++) {
        keys[i] = s->grid.ax[i].name;
        vals[i] = s->grid.ax[i].vals[vi[i]];
    }
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static const od_search *sort_s;
static int row_cmp(const void *a, const void *b)
{
    const od_search_row *x = &sort_s->rows[*(const size_t *)a], *y = &sort_s->rows[*(const size_t *)b];
    if ((x->ndef > 0) != (y->ndef > 0)) return x->ndef > 0 ? -1 : 1;
    if (x->ndef && y->ndef && x->mean != y->mean) {
        int better = sort_s->crit.higher_better ? x->mean > y->mean : x->mean < y->mean;
        return better ? -1 : 1;
    }
    return x->config < y->config ? -1 : x->config > y->config;
}

static void finish_row(od_search_row *r, size_t K)
{
    double s = 0, ss = 0;
    size_t m = 0;
    for (size_t j = 0; j < K; j++)
        if (!isnan(r->fold[j])) { s += r->fold[j]; m++; }
    r->ndef = m;
    r->mean = m ? s / (double)m : NAN;
    for (size_t j = 0; j < K; j++)
        if (!isnan(r->fold[j])) ss += (r->fold[j] - r->mean) * (r->fold[j] - r->mean);
    r->sd = m > 1 ? sqrt(ss / (double)(m - 1)) : m ? 0 : NAN;
    r->done = 1;
}

/* The criterion of one fitted fold (r scored every row; its part marks the
 * fold's train and test rows). */
static double fold_value(od_ctx *ctx, const od_search_crit *c, od_run *r, const od_frame *f, int windowed)
{
    if (c->kind == OD_CRIT_METRIC) {
        if (c->rule) {   /* the threshold, from the fold's training scores */
            const char *k = c->rule_key, *v = c->rule_val;
            od_thr_report rep;
            int rc = od_run_threshold(ctx, r, c->rule->name, &k, &v, *k ? 1 : 0, &rep);
            od_thr_report_clear(&rep);
            if (rc && rc != OD_ENOMEM) od_error(ctx, rc, "threshold %s: %s", c->rule->name, od_ctx_errmsg(ctx));
            if (rc) return NAN;
        }
        od_run_eval ev;
        od_eval_opts eo;
        od_eval_opts_init(&eo);
        eo.series = (c->metric->needs & OD_NEEDS_SERIES) != 0;   /* VUS only when asked for */
        if (od_run_eval_part(ctx, r, OD_PART_TEST, &eo, &ev)) return NAN;
        od_metric m = od_run_metric(&ev, c->metric);
        if (!m.defined) od_error(ctx, OD_EDATA, "%s undefined: %s", c->name, m.reason);
        return m.defined ? m.value : NAN;
    }
    if (c->kind == OD_CRIT_BIC || c->kind == OD_CRIT_AIC) {
        od_fit_stats st;
        if (!r->type->stats) return od_error(ctx, OD_EINVAL, "%s has no likelihood", r->type->name), NAN;
        r->type->stats(r->state, &st);
        return -2 * st.loglik + st.nparams * (c->kind == OD_CRIT_BIC ? log(st.ntrain) : 2);
    }
    size_t m = 0;
    double acc = 0;
    if (c->kind == OD_CRIT_SSE || c->kind == OD_CRIT_VALLOSS) {
        if (c->kind == OD_CRIT_SSE && !od_params_is(r->p, "score", "distance"))
            return od_error(ctx, OD_EINVAL, "metric=sse needs score=distance"), NAN;
        for (size_t i = 0; i < r->n; i++)
            if (r->part[i] == OD_PART_TEST && !isnan(r->scores[i])) {
                acc += c->kind == OD_CRIT_SSE ? r->scores[i] * r->scores[i] : r->scores[i];
                m++;
            }
        if (!m) od_error(ctx, OD_EDATA, "no scored test rows");
        return m ? acc / (double)m : NAN;
    }
    /* silhouette of the test rows */
    if (windowed || !r->cluster) return od_error(ctx, OD_EINVAL, "silhouette needs clusters of rows (not windows)"), NAN;
    double *X;
    size_t d;
    if (od_run_data_matrix(ctx, f, NULL, 0, &X, &d)) return NAN;
    long *cl = malloc((r->n ? r->n : 1) * sizeof *cl);
    double v = NAN;
    if (cl) {
        for (size_t i = 0; i < r->n; i++) cl[i] = r->part[i] == OD_PART_TEST ? r->cluster[i] : -1;
        v = od_silhouette(X, r->n, d, cl);
        if (isnan(v)) od_error(ctx, OD_EDATA, "silhouette undefined: fewer than 2 clusters among the test rows");
    }
    free(cl);
    free(X);
    return v;
}

typedef struct {
    od_ctx *ctx;
    const od_dataset *d;
    const od_version *top;
    const od_detector_type *t;
    od_search *s;
    od_folds *fo;
    od_frame **frames;          /* per fold: the refitted frame (NULL: the top frame) */
    unsigned char **parts;      /* per fold: OD_PART_TRAIN / TEST / NONE per row */
    uint64_t key;
} search_job;

/* What one unit (a configuration on one fold) leaves for the gathering
 * that follows the parallel loop: the engine context is not touched from
 * worker threads. */
typedef struct {
    double secs;                /* its fit + score time */
    char *why;                  /* why the fold has no score (or the out-of-memory message), or NULL */
    char **warn;                /* its warnings */
    size_t nwarn;
    int rc;                     /* OD_ENOMEM stops the search */
    int ran;                    /* 1: completed, 2: ran while Ctrl-C was pending (not counted) */
} search_unit;

static void unit_done(search_unit *u)
{
    free(u->why);
    for (size_t w = 0; w < u->nwarn; w++) free(u->warn[w]);
    free(u->warn);
}

/* Fit configuration row on fold j in context c (this thread's; reseeded
 * from the unit's own stream, so the result depends on neither the thread
 * nor what ran before); the value into row->fold[j], the rest into u. */
static int run_fold(search_job *J, od_ctx *c, od_search_row *row, size_t j, search_unit *u)
{
    od_search *s = J->s;
    size_t K = s->nfolds;
    gsl_rng *g = od_rng_stream(J->key, 1 + (uint64_t)row->config * K + j);
    if (!g) return u->rc = OD_ENOMEM;
    unsigned long seed = gsl_rng_get(g);
    gsl_rng_free(g);
    od_ctx_set_seed(c, seed);
    od_ctx_clear_error(c);
    od_ctx_clear_warnings(c);
    const char *keys[OD_GRID_MAX_PARAMS], *vals[OD_GRID_MAX_PARAMS];
    od_search_row_params(s, row, keys, vals);
    od_params *p = od_params_parse(c, J->t->params, J->t->nparams, keys, vals, s->grid.nax);
    int rc = p ? OD_OK : !strncmp(od_ctx_errmsg(c), "out of memory", 13) ? OD_ENOMEM : OD_EINVAL;
    od_run *r = NULL;
    od_version tv = *J->top;
    tv.frame = J->frames[j] ? J->frames[j] : J->top->frame;
    tv.part = J->parts[j];
    tv.split_desc = NULL;
    tv.fold = NULL;
    tv.recipe = NULL;
    od_fit_opts fo = { .name = "fold", .fit = OD_FIT_TRAIN };
    if (!rc) rc = od_run_fit_detached(c, &tv, J->t, p, &fo, &r);
    double v = NAN;
    if (!rc) {
        od_ctx_clear_error(c);
        v = fold_value(c, &s->crit, r, tv.frame, tv.win && !J->t->seq);
        u->secs = r->fit_secs + r->score_secs;
        if (isnan(v) && !strncmp(od_ctx_errmsg(c), "out of memory", 13)) rc = OD_ENOMEM;   /* od_malloc's: not the fold's */
    }
    char buf[300];
    if (rc == OD_ENOMEM) snprintf(buf, sizeof buf, "%s", od_ctx_errmsg(c));
    else if (isnan(v)) snprintf(buf, sizeof buf, "fold %zu: %s", j + 1, *od_ctx_errmsg(c) ? od_ctx_errmsg(c) : "no score");
    if ((rc == OD_ENOMEM || isnan(v)) && !(u->why = od_strdup(c, buf))) rc = OD_ENOMEM;
    size_t nw = od_ctx_nwarnings(c);
    if (nw && !(u->warn = od_calloc(c, nw, sizeof *u->warn))) rc = OD_ENOMEM;
    for (size_t w = 0; u->warn && w < nw; w++)
        if ((u->warn[u->nwarn] = od_strdup(c, od_ctx_warning(c, w)))) u->nwarn++;
        else rc = OD_ENOMEM;
    row->fold[j] = v;
    od_run_free(r);
    od_params_free(p);
    return u->rc = rc == OD_ENOMEM ? rc : OD_OK;
}

static char *row_params(od_ctx *ctx, const od_search *s, size_t config)
{
    size_t vi[OD_GRID_MAX_PARAMS];
    od_grid_config(&s->grid, config, vi);
    od_out *o = od_out_buffer();
    if (!o) return NULL;
    for (size_t i = 0; i < s->grid.nax; i++)
        od_printf(o, "%s%s=%s", i ? " " : "", s->grid.ax[i].name, s->grid.ax[i].vals[vi[i]]);
    char *t = od_out_steal(o);
    od_out_free(o);
    if (!t) od_error(ctx, OD_ENOMEM, "out of memory");
    return t;
}

/* The configurations to try, in order: every one, or `sample` drawn without
 * repeats (sorted), then the first `first`. */
static int pick_configs(od_ctx *ctx, od_search *s, const od_search_opts *o, uint64_t key)
{
    size_t G = s->grid_size, n = G;
    size_t *cfg;
    if (G > ((size_t)1 << 52))
        return od_error(ctx, OD_EINVAL, "the grid has more than 2^52 configurations: give fewer values");
    if (o->sample > OD_GRID_MAX_SAMPLE)
        return od_error(ctx, OD_EINVAL, "n=%zu: at most %d configurations are sampled", o->sample, OD_GRID_MAX_SAMPLE);
    if (o->sample && o->sample < G) {
        n = o->sample;
        if (!(cfg = od_mallocn(ctx, n, sizeof *cfg))) return OD_ENOMEM;
        gsl_rng *g = od_rng_stream(key, 0);
        if (!g) { free(cfg); return od_error(ctx, OD_ENOMEM, "out of memory"); }
        /* Floyd's algorithm: n distinct values of 0..G-1 */
        size_t m = 0;
        for (size_t j = G - n; j < G; j++) {
            size_t t = (size_t)(gsl_rng_uniform(g) * (double)(j + 1));
            if (t > j) t = j;
            int dup = 0;
            for (size_t q = 0; q < m && !dup; q++) dup = cfg[q] == t;
            cfg[m++] = dup ? j : t;
        }
        gsl_rng_free(g);
        qsort(cfg, n, sizeof *cfg, cmp_size);
    } else {
        if (G > OD_GRID_MAX)
            return od_error(ctx, OD_EINVAL, "the grid has %zu configurations (more than %d): sample some with n=N", G,
                            OD_GRID_MAX);
        if (!(cfg = od_mallocn(ctx, n ? n : 1, sizeof *cfg))) return OD_ENOMEM;
        for (size_t i = 0; i < n; i++) cfg[i] = i;
    }
    if (o->first && o->first < n) n = o->first;
    s->rows = od_calloc(ctx, n ? n : 1, sizeof *s->rows);
    int rc = s->rows ? OD_OK : OD_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        s->rows[i].config = cfg[i];
        s->nrows++;
        if (!(s->rows[i].params = row_params(ctx, s, cfg[i])) ||
            !(s->rows[i].fold = od_mallocn(ctx, s->nfolds, sizeof(double))) ||
            !(s->rows[i].ran = od_calloc(ctx, s->nfolds, 1)) ||
            !(s->rows[i].fsecs = od_calloc(ctx, s->nfolds, sizeof(double))) ||
            !(s->rows[i].fwhy = od_calloc(ctx, s->nfolds, sizeof(char *))) ||
            !(s->rows[i].fwarn = od_calloc(ctx, s->nfolds, sizeof(char *))))
            rc = OD_ENOMEM;
        for (size_t j = 0; !rc && j < s->nfolds; j++) s->rows[i].fold[j] = NAN;
    }
    free(cfg);
    return rc;
}

/* ---------------------------------------------------------------- shards */

static uint64_t fp_mix(uint64_t h, uint64_t x) { return od_hash64(h ^ od_hash64(x + 0x9e3779b97f4a7c15ULL)); }

static uint64_t fp_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    h = fp_mix(h, n);
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w = 0;
        for (size_t k = 0; k < 8 && i + k < n; k++) w |= (uint64_t)b[i + k] << (8 * k);
        h = fp_mix(h, w);
    }
    return h;
}

static uint64_t fp_str(uint64_t h, const char *s) { return s ? fp_bytes(h, s, strlen(s)) : fp_mix(h, 0xdeadULL); }

uint64_t od_search_data_fingerprint(const od_dataset *d)
{
    uint64_t h = 0x0dd17ULL;
    if (!d || !d->nv) return h;
    for (size_t i = 0; i < d->nv; i++) h = fp_str(h, d->v[i].step);   /* the lineage */
    const od_version *v = &d->v[d->nv - 1];
    const od_frame *f = v->frame;
    if (!f) return h;
    h = fp_mix(fp_mix(h, f->nrow), f->ncol);
    for (size_t c = 0; c < f->ncol; c++) {
        const od_column *col = &f->cols[c];
        h = fp_mix(fp_mix(fp_str(h, col->name), (uint64_t)col->type), (uint64_t)col->role);
        for (size_t r = 0; r < f->nrow; r++) {
            if (col->num) {
                uint64_t w;
                memcpy(&w, &col->num[r], sizeof w);
                h = fp_mix(h, w);
            } else h = fp_str(h, col->text ? col->text[r] : NULL);
        }
    }
    if (v->part) h = fp_bytes(h, v->part, f->nrow);
    h = fp_mix(fp_mix(fp_mix(h, v->win), v->stride), (uint64_t)v->series);
    return fp_str(h, v->pseudo);
}

/* The header every part of this search shares (see search.h). */
static int part_head(od_ctx *ctx, const od_dataset *d, const od_detector_type *t, const od_grid *g,
                     const od_search_opts *o, od_search *s)
{
    od_out *b = od_out_buffer();
    if (!b) return od_error(ctx, OD_ENOMEM, "out of memory");
    od_printf(b, "oddity-search-part 1\ndetector %s\noptions folds=%zu metric=%s rule=%s n=%zu first=%zu\n", t->name,
              o->folds, o->metric ? o->metric : "-", o->rule ? o->rule : "-", o->sample, o->first);
    for (size_t a = 0; a < g->nax; a++) {
        od_printf(b, "axis %s", g->ax[a].name);
        for (size_t i = 0; i < g->ax[a].n; i++) od_printf(b, "\t%s", g->ax[a].vals[i]);
        od_printf(b, "\n");
    }
    od_printf(b, "key %016llx\ndata %016llx\n", (unsigned long long)s->key,
              (unsigned long long)od_search_data_fingerprint(d));
    s->head = od_out_steal(b);
    od_out_free(b);
    return s->head ? OD_OK : od_error(ctx, OD_ENOMEM, "out of memory");
}

static int search_setup(od_ctx *ctx, od_dataset *d, const od_detector_type *t, const od_grid *g, const od_search_opts *o,
                        search_job *J, size_t *base)
{
    od_version *v = d ? od_ds_top(d) : NULL;
    if (!v || !v->frame) return od_error(ctx, OD_ESTATE, "no dataset loaded (try: load sample-data/blobs.csv)");
    od_search *s = J->s;
    J->top = v;
    int series = od_version_is_series(v) || t->seq;
    long lab = od_frame_role(v->frame, OD_ROLE_LABEL);
    int has_pseudo = v->pseudo && od_frame_find(v->frame, v->pseudo) >= 0;
    int rc = od_search_crit_pick(ctx, t, o->metric, lab >= 0 || has_pseudo, series, &s->crit);
    if (!rc) rc = od_search_rule(ctx, o->rule, &s->crit);
    if (rc) return rc;
    s->nfolds = o->folds ? o->folds : series ? 3 : 5;
    if (!(s->detector = od_strdup(ctx, t->name))) return OD_ENOMEM;
    if ((rc = grid_copy(ctx, g, &s->grid))) return rc;
    s->grid_size = od_grid_size(g);
    if ((rc = refit_plan(ctx, d, base, &s->refit_desc))) return rc;
    J->key = s->key = od_ctx_next_stream(ctx);
    if ((rc = part_head(ctx, d, t, g, o, s))) return rc;
    if ((rc = od_search_folds(ctx, v, s->nfolds, (unsigned long)od_hash64(J->key ^ 0x5eedULL), &J->fo))) return rc;
    size_t n = v->frame->nrow, m = 0;
    for (size_t i = 0; i < n; i++) m += J->fo->block[i] >= 0;
    char buf[160];
    snprintf(buf, sizeof buf, "%zu-fold %s over %zu %srows", s->nfolds,
             J->fo->order == OD_ORDER_TIME ? "rolling origin (time order)" : lab >= 0 ? "stratified" : "k-fold", m,
             v->part ? "training " : "");
    s->folds_desc = od_strdup(ctx, buf);
    snprintf(buf, sizeof buf, "%s%s%s%s%s%s", s->crit.kind != OD_CRIT_METRIC ? "no labels used" : lab >= 0 ? "vs truth" : "vs pseudo-labels",
             s->crit.rule ? ", at threshold method=" : "", s->crit.rule ? s->crit.rule->name : "", *s->crit.rule_key ? " " : "",
             s->crit.rule_key, *s->crit.rule_key ? "=" : "");
    if (*s->crit.rule_key) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s", s->crit.rule_val);
    if (s->crit.rule) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " set on each fold's training scores");
    s->labels_desc = od_strdup(ctx, buf);
    if (!s->folds_desc || !s->labels_desc) return OD_ENOMEM;
    return pick_configs(ctx, s, o, J->key);
}

/* Per fold: the parts (train/test) and, when steps are refitted, the frame. */
static int fold_data(od_ctx *ctx, search_job *J, size_t base, const unsigned char *need)
{
    size_t K = J->s->nfolds, n = J->top->frame->nrow;
    J->frames = od_calloc(ctx, K, sizeof *J->frames);
    J->parts = od_calloc(ctx, K, sizeof *J->parts);
    unsigned char *tr = od_malloc(ctx, n ? n : 1), *te = od_malloc(ctx, n ? n : 1);
    int rc = J->frames && J->parts && tr && te ? OD_OK : OD_ENOMEM;
    for (size_t j = 0; j < K && !rc; j++) {
        od_folds_masks(J->fo, j, tr, te);
        if (!(J->parts[j] = od_malloc(ctx, n ? n : 1))) { rc = OD_ENOMEM; break; }
        size_t ntr = 0, nte = 0;
        for (size_t i = 0; i < n; i++) {
            J->parts[j][i] = tr[i] ? OD_PART_TRAIN : te[i] ? OD_PART_TEST : OD_PART_NONE;
            ntr += tr[i];
            nte += te[i];
        }
        if (!ntr || !nte) { rc = od_error(ctx, OD_EDATA, "fold %zu has no %s rows", j + 1, ntr ? "test" : "training"); break; }
        if (base < J->d->nv - 1 && (!need || need[j])) {
            /* in a scratch context: the steps' warnings were shown when they ran */
            od_ctx *c = od_ctx_new(od_ctx_seed(ctx));
            if (!c) { rc = od_error(ctx, OD_ENOMEM, "out of memory"); break; }
            od_ctx_set_threads(c, od_ctx_threads(ctx));
            rc = replay(c, J->d, base, tr, &J->frames[j]);
            if (rc) od_error(ctx, rc, "%s", od_ctx_errmsg(c));
            od_ctx_free(c);
        }
    }
    free(tr);
    free(te);
    return rc;
}

static void job_done(search_job *J)
{
    for (size_t j = 0; J->s && j < J->s->nfolds; j++) {
        if (J->frames) od_frame_free(J->frames[j]);
        if (J->parts) free(J->parts[j]);
    }
    free(J->frames);
    free(J->parts);
    od_folds_free(J->fo);
}

static void search_progress(od_ctx *ctx, const od_search *s, size_t task, size_t ntask, double t0)
{
    char detail[160];
    double el = od_now() - t0, eta = task ? el / (double)task * (double)(ntask - task) : NAN;
    size_t K = s->nfolds;
    if (isnan(eta)) snprintf(detail, sizeof detail, "configuration 1/%zu", s->nrows);
    else snprintf(detail, sizeof detail, "configuration %zu/%zu, fold %zu/%zu  ETA %.0f s", task / K + 1 > s->nrows ? s->nrows : task / K + 1,
                  s->nrows, task % K + 1, K, eta);
    od_progress(ctx, "search", ntask ? (double)task / (double)ntask : 1, detail);
}

/* Every configuration on every fold: the units (row i, fold j), in that
 * order, run in parallel on the session's threads, each in its thread's own
 * context reseeded per unit.  Detectors that are parallel inside get the
 * threads left over (threads / units in flight, at least 1); the neural
 * detectors, parallel over their batches through BLAS, run their units one
 * after another with every thread.  Warnings, the first failing fold's
 * reason and the out-of-memory error are gathered afterwards in unit order,
 * so the output is the same for any thread count.  Ctrl-C: no new unit
 * starts; the rows whose folds all completed before it, a prefix (first=M
 * replays it), are kept. */
static int run_units(search_job *J, double t0)
{
    od_ctx *ctx = J->ctx;
    od_search *s = J->s;
    size_t K = s->nfolds, U = s->nrows * K, N = s->nshards, I = s->shard;
    size_t mine = N ? (U >= I ? (U - I) / N + 1 : 0) : U;   /* this shard's units */
    int T = od_ctx_threads(ctx) > 0 ? od_ctx_threads(ctx) : 1;
    int outer = !strcmp(J->t->family, "neural") ? 1 : U < (size_t)T ? (int)(U ? U : 1) : T;
    int inner = T / outer > 0 ? T / outer : 1;
    search_unit *u = od_calloc(ctx, U ? U : 1, sizeof *u);
    od_ctx **tc = od_calloc(ctx, (size_t)outer, sizeof *tc);
    int rc = u && tc ? OD_OK : OD_ENOMEM;
    for (int q = 0; q < outer && !rc; q++) {
        if (!(tc[q] = od_ctx_new(od_ctx_seed(ctx)))) rc = od_error(ctx, OD_ENOMEM, "out of memory");
        else od_ctx_set_parent(tc[q], ctx);   /* Ctrl-C reaches a long fit (a network stops at the end of its step) */
    }
    od_ctx_set_threads(ctx, od_ctx_threads(ctx));   /* od_ctx_new set this thread's count to every core */
    size_t finished = 0;
    int stop = 0;
    if (!rc) search_progress(ctx, s, 0, mine, t0);
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(outer)
#endif
    for (size_t q = 0; q < (rc ? 0 : U); q++) {
        if (N && q % N != I - 1) continue;   /* another shard's unit (round-robin) */
        if (od_cancelled(ctx) || __atomic_load_n(&stop, __ATOMIC_RELAXED)) continue;
        int me = 0;
#ifdef _OPENMP
        me = omp_get_thread_num();
#endif
        od_ctx_set_threads(tc[me], inner);   /* this worker's nested regions */
        if (run_fold(J, tc[me], &s->rows[q / K], q % K, &u[q])) __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
        u[q].ran = od_cancelled(ctx) ? 2 : 1;
        size_t now = __atomic_add_fetch(&finished, 1, __ATOMIC_RELAXED);
        if (me == 0) search_progress(ctx, s, now, mine, t0);   /* the calling thread only */
    }
    od_ctx_set_threads(ctx, od_ctx_threads(ctx));
    for (size_t q = 0; u && q < U; q++) {
        for (size_t w = 0; w < u[q].nwarn; w++) od_warn(ctx, "%s", u[q].warn[w]);
        if (!rc && u[q].rc) rc = od_error(ctx, u[q].rc, "%s", u[q].why ? u[q].why : "out of memory");
    }
    /* what a part file records of each unit that ran (od_search_part_text) */
    for (size_t q = 0; !rc && q < U; q++) {
        od_search_row *row = &s->rows[q / K];
        size_t j = q % K;
        if (u[q].ran != 1) continue;
        row->ran[j] = 1;
        row->fsecs[j] = u[q].secs;
        if (u[q].why) {
            if (!(row->fwhy[j] = od_strdup(ctx, u[q].why))) { rc = OD_ENOMEM; break; }
            for (char *c = row->fwhy[j]; *c; c++)
                if (*c == '\n' || *c == '\r') *c = ' ';   /* one line in a part file */
        }
        if (N && u[q].nwarn) {   /* a shard: its part carries the unit's warnings, for the merge to show */
            od_out *w = od_out_buffer();
            if (!w) { rc = OD_ENOMEM; break; }
            for (size_t k = 0; k < u[q].nwarn; k++) {
                for (const char *c = u[q].warn[k]; *c; c++) od_printf(w, "%c", *c == '\n' || *c == '\r' ? ' ' : *c);
                od_printf(w, "\n");
            }
            row->fwarn[j] = od_out_steal(w);
            od_out_free(w);
            if (!row->fwarn[j]) { rc = OD_ENOMEM; break; }
        }
    }
    for (size_t i = 0; !rc && N && i < s->nrows; i++) {   /* a shard: the rows whose units of this shard all ran */
        size_t j = 0;
        while (j < K && (((i * K + j) % N != I - 1) || u[i * K + j].ran == 1)) j++;
        if (j < K) break;
        s->ndone++;
    }
    for (size_t i = 0; !rc && !N && i < s->nrows; i++) {
        od_search_row *row = &s->rows[i];
        double secs = 0;
        size_t j = 0;
        while (j < K && u[i * K + j].ran == 1) secs += u[i * K + j++].secs;
        if (j < K) break;
        for (j = 0; j < K && !row->why; j++)
            if (u[i * K + j].why && !(row->why = od_strdup(ctx, u[i * K + j].why))) rc = OD_ENOMEM;
        row->secs = secs / (double)K;
        finish_row(row, K);
        s->ndone++;
    }
    for (size_t q = 0; u && q < U; q++) unit_done(&u[q]);
    for (int q = 0; tc && q < outer; q++) od_ctx_free(tc[q]);
    free(tc);
    free(u);
    return rc;
}

int od_search_run(od_ctx *ctx, od_dataset *d, const od_detector_type *t, const od_grid *g, const od_search_opts *o,
                  od_search **out)
{
    *out = NULL;
    od_search *s = od_calloc(ctx, 1, sizeof *s);
    if (!s) return OD_ENOMEM;
    search_job J = { .ctx = ctx, .d = d, .t = t, .s = s };
    size_t base = 0;
    double t0 = od_now();
    int rc = search_setup(ctx, d, t, g, o, &J, &base);
    size_t N = o->nshards, I = o->shard;
    if (!rc && N && (I < 1 || I > N)) rc = od_error(ctx, OD_EINVAL, "shard %zu/%zu: expected 1 <= I <= N", I, N);
    s->shard = N ? I : 0;
    s->nshards = N;
    size_t K = s->nfolds, ntask = s->nrows * K;
    unsigned char *need = NULL;
    if (!rc && N) {   /* the folds this shard fits on: refit only their frames */
        if (!(need = od_calloc(ctx, K, 1))) rc = OD_ENOMEM;
        for (size_t u = I - 1; !rc && u < ntask; u += N) need[u % K] = 1;
    }
    if (!rc) rc = fold_data(ctx, &J, base, need);
    free(need);
    if (!rc) rc = run_units(&J, t0);
    if (!rc && od_cancelled(ctx)) {
        s->interrupted = 1;
        od_ctx_clear_cancel(ctx);
    }
    od_progress(ctx, "search", 1, NULL);
    job_done(&J);
    if (!rc && !(s->order = od_mallocn(ctx, s->ndone ? s->ndone : 1, sizeof *s->order))) rc = OD_ENOMEM;
    if (rc) { od_search_free(s); return rc; }
    for (size_t i = 0; i < s->ndone; i++) s->order[i] = i;
    sort_s = s;
    qsort(s->order, s->ndone, sizeof *s->order, row_cmp);
    sort_s = NULL;
    s->secs = od_now() - t0;
    *out = s;
    return OD_OK;
}

char *od_search_part_text(od_ctx *ctx, const od_search *s)
{
    od_out *b = od_out_buffer();
    if (!b || !s->head) { od_out_free(b); od_error(ctx, OD_ENOMEM, "out of memory"); return NULL; }
    od_printf(b, "%sshard %zu %zu\n", s->head, s->shard, s->nshards);
    size_t units = 0;
    for (size_t i = 0; i < s->nrows; i++)
        for (size_t j = 0; j < s->nfolds; j++) {
            const od_search_row *r = &s->rows[i];
            if (!r->ran[j]) continue;
            od_printf(b, "unit %zu %zu %a %a%s%s\n", i, j, r->fold[j], r->fsecs[j], r->fwhy[j] ? " " : "",
                      r->fwhy[j] ? r->fwhy[j] : "");
            for (const char *w = r->fwarn ? r->fwarn[j] : NULL; w && *w;) {   /* the unit's warnings */
                const char *e = strchr(w, '\n');
                size_t len = e ? (size_t)(e - w) : strlen(w);
                od_printf(b, "warn %.*s\n", (int)len, w);
                w += len + (e != NULL);
            }
            units++;
        }
    od_printf(b, "end %zu %a\n", units, s->secs);
    char *t = od_out_steal(b);
    od_out_free(b);
    if (!t) od_error(ctx, OD_ENOMEM, "out of memory");
    return t;
}

/* What differs between two part headers, for the message. */
static const char *head_diff(const char *a, const char *b)
{
    while (*a && *a == *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        if (!ea || !eb || ea - a != eb - b || memcmp(a, b, (size_t)(ea - a))) break;
        a = ea + 1;
        b = eb + 1;
    }
    if (!strncmp(a, "detector ", 9)) return "the detector differs";
    if (!strncmp(a, "options ", 8)) return "the options (folds=, metric=, rule=, n=, first=) differ";
    if (!strncmp(a, "axis ", 5) || !strncmp(b, "axis ", 5)) return "the grid differs";
    if (!strncmp(a, "key ", 4)) return "the random state differs (the seed, or the lines before the search)";
    if (!strncmp(a, "data ", 5)) return "the data differs";
    return "the header differs";
}

typedef struct {
    const char *name, *text, *units;   /* units: the first line after the shard line */
    size_t head_len, shard, nshards;
} merge_part;

static int part_scan(od_ctx *ctx, const char *name, const char *text, merge_part *p)
{
    static const char magic[] = "oddity-search-part 1\n";
    memset(p, 0, sizeof *p);
    p->name = name;
    p->text = text;
    if (strncmp(text, magic, sizeof magic - 1))
        return od_error(ctx, OD_EDATA, "%s: not a search part (its first line is not 'oddity-search-part 1'; "
                        "parts are written by oddity --shard=I/N)", name);
    const char *sh = strstr(text, "\nshard ");
    if (!sh) return od_error(ctx, OD_EDATA, "%s: no 'shard I N' line (a damaged part)", name);
    p->head_len = (size_t)(sh + 1 - text);
    char *end;
    p->shard = strtoul(sh + 7, &end, 10);
    p->nshards = *end == ' ' ? strtoul(end + 1, &end, 10) : 0;
    if (*end != '\n' || !p->nshards || p->shard < 1 || p->shard > p->nshards)
        return od_error(ctx, OD_EDATA, "%s: a damaged 'shard I N' line", name);
    p->units = end + 1;
    return OD_OK;
}

static size_t line_no(const char *text, const char *at)
{
    size_t n = 1;
    for (const char *q = text; q < at; q++) n += *q == '\n';
    return n;
}

/* The units of part p into s. */
static int part_units(od_ctx *ctx, od_search *s, const merge_part *p, double *wall)
{
    size_t K = s->nfolds, N = p->nshards, count = 0;
    char **last = NULL;   /* the warnings of the last unit read */
    const char *l = p->units;
    while (*l) {
        const char *nl = strchr(l, '\n');
        if (!nl) break;
        size_t ln = line_no(p->text, l);
        char *e;
        if (!strncmp(l, "end ", 4)) {
            size_t c = strtoul(l + 4, &e, 10);
            double w = *e == ' ' ? strtod(e + 1, &e) : NAN;
            if (e != nl || c != count)
                return od_error(ctx, OD_EDATA, "%s:%zu: the end line says %zu units, the part has %zu (a damaged part)", p->name,
                                ln, c, count);
            if (w > *wall) *wall = w;
            return OD_OK;
        }
        if (!strncmp(l, "warn ", 5)) {   /* a warning of the unit on the line before */
            if (!last) return od_error(ctx, OD_EDATA, "%s:%zu: a 'warn' line before any 'unit' line", p->name, ln);
            size_t old = *last ? strlen(*last) : 0, len = (size_t)(nl - l - 5);
            char *w = realloc(*last, old + len + 2);
            if (!w) return od_error(ctx, OD_ENOMEM, "out of memory");
            memcpy(w + old, l + 5, len);
            w[old + len] = '\n';
            w[old + len + 1] = 0;
            *last = w;
            l = nl + 1;
            continue;
        }
        if (strncmp(l, "unit ", 5)) return od_error(ctx, OD_EDATA, "%s:%zu: expected 'unit', 'warn' or 'end'", p->name, ln);
        size_t i = strtoul(l + 5, &e, 10), j = 0;
        double v = NAN, sec = NAN;
        int ok = *e == ' ';
        if (ok) j = strtoul(e + 1, &e, 10), ok = *e == ' ';
        if (ok) v = strtod(e + 1, &e), ok = *e == ' ';
        if (ok) sec = strtod(e + 1, &e), ok = *e == ' ' || *e == '\n';
        if (!ok) return od_error(ctx, OD_EDATA, "%s:%zu: a damaged unit line", p->name, ln);
        if (i >= s->nrows || j >= K)
            return od_error(ctx, OD_EDATA, "%s:%zu: unit (configuration %zu, fold %zu) is outside the search (%zu x %zu)", p->name,
                            ln, i + 1, j + 1, s->nrows, K);
        if ((i * K + j) % N != p->shard - 1)
            return od_error(ctx, OD_EDATA, "%s:%zu: unit (configuration %zu, fold %zu) is not shard %zu's", p->name, ln, i + 1, j + 1,
                            p->shard);
        od_search_row *r = &s->rows[i];
        if (r->ran[j]) return od_error(ctx, OD_EDATA, "%s:%zu: unit (configuration %zu, fold %zu) given twice", p->name, ln, i + 1, j + 1);
        r->ran[j] = 1;
        r->fold[j] = v;
        r->fsecs[j] = sec;
        last = &r->fwarn[j];
        if (*e == ' ') {
            size_t len = (size_t)(nl - e - 1);
            if (!(r->fwhy[j] = od_malloc(ctx, len + 1))) return OD_ENOMEM;
            memcpy(r->fwhy[j], e + 1, len);
            r->fwhy[j][len] = 0;
        }
        count++;
        l = nl + 1;
    }
    return od_error(ctx, OD_EDATA, "%s: truncated (no 'end' line): the shard did not finish writing it", p->name);
}

/* The options and grid of a part's header, as the search was given them. */
static int head_parse(od_ctx *ctx, const merge_part *p, const od_detector_type **t, od_grid *g, od_search_opts *o,
                      char *metric, size_t mcap, char *rule, size_t rcap)
{
    memset(o, 0, sizeof *o);
    const char *l = strchr(p->text, '\n') + 1, *end = p->text + p->head_len;
    char name[64];
    *t = NULL;
    int rc = OD_OK;
    for (; l < end && !rc; l = strchr(l, '\n') + 1) {
        size_t len = (size_t)(strchr(l, '\n') - l);
        if (!strncmp(l, "detector ", 9)) {
            snprintf(name, sizeof name, "%.*s", (int)(len - 9), l + 9);
            if (!(*t = od_detector_find(name))) return od_error(ctx, OD_EDATA, "%s: no detector named '%s'", p->name, name);
        } else if (!strncmp(l, "options ", 8)) {
            char m[64], r[64];
            if (sscanf(l, "options folds=%zu metric=%63s rule=%63s n=%zu first=%zu", &o->folds, m, r, &o->sample, &o->first) != 5)
                return od_error(ctx, OD_EDATA, "%s:%zu: a damaged options line", p->name, line_no(p->text, l));
            snprintf(metric, mcap, "%s", m);
            o->metric = strcmp(m, "-") ? metric : NULL;
            snprintf(rule, rcap, "%s", r);
            o->rule = strcmp(r, "-") ? rule : NULL;
        } else if (!strncmp(l, "axis ", 5)) {
            if (!*t) return od_error(ctx, OD_EDATA, "%s: 'axis' before 'detector'", p->name);
            char *ln = od_malloc(ctx, len + 1);
            if (!ln) return OD_ENOMEM;
            memcpy(ln, l + 5, len - 5);
            ln[len - 5] = 0;
            char *tab = strchr(ln, '\t');
            if (!tab) { free(ln); return od_error(ctx, OD_EDATA, "%s:%zu: an axis without values", p->name, line_no(p->text, l)); }
            *tab = 0;
            for (char *q = tab + 1; *q; q++)
                if (*q == '\t') *q = ',';
            rc = od_grid_add(ctx, g, *t, ln, tab + 1);
            free(ln);
        }
    }
    if (!rc && !*t) rc = od_error(ctx, OD_EDATA, "%s: no 'detector' line", p->name);
    return rc;
}

int od_search_merge(od_ctx *ctx, od_dataset *d, const od_search_spec *want, const char *const *names,
                    const char *const *texts, size_t n, od_search **out)
{
    *out = NULL;
    if (!n) return od_error(ctx, OD_EINVAL, "expected the part files (NAME.part-I-of-N ...)");
    merge_part *P = od_calloc(ctx, n, sizeof *P);
    if (!P) return OD_ENOMEM;
    int rc = OD_OK;
    size_t N = 0;
    const merge_part **by = NULL;   /* by[I-1]: the part of shard I */
    for (size_t i = 0; i < n && !rc; i++) {
        if ((rc = part_scan(ctx, names[i], texts[i], &P[i]))) break;
        if (!i) {
            N = P[0].nshards;
            if (!(by = od_calloc(ctx, N, sizeof *by))) { rc = OD_ENOMEM; break; }
        } else if (P[i].head_len != P[0].head_len || memcmp(P[i].text, P[0].text, P[0].head_len)) {
            rc = od_error(ctx, OD_EDATA, "%s: a part of another search than %s (%s)", names[i], names[0],
                          head_diff(P[i].text, P[0].text));
            break;
        } else if (P[i].nshards != N) {
            rc = od_error(ctx, OD_EDATA, "%s: shard %zu of %zu, but %s is a shard of %zu", names[i], P[i].shard, P[i].nshards,
                          names[0], N);
            break;
        }
        if (by[P[i].shard - 1]) {
            rc = od_error(ctx, OD_EDATA, "%s: shard %zu of %zu given twice (also %s)", names[i], P[i].shard, N,
                          by[P[i].shard - 1]->name);
            break;
        }
        by[P[i].shard - 1] = &P[i];
    }
    if (!rc && n < N) {
        od_out *b = od_out_buffer();
        if (!b) rc = OD_ENOMEM;
        for (size_t I = 0; b && I < N; I++)
            if (!by[I]) od_printf(b, "%s%zu", od_out_len(b) ? ", " : "", I + 1);
        char *miss = b ? od_out_steal(b) : NULL;
        od_out_free(b);
        if (!rc) rc = od_error(ctx, OD_EDATA, "shard%s %s of %zu missing: give all %zu parts (%zu given)",
                               miss && strchr(miss, ',') ? "s" : "", miss ? miss : "?", N, N, n);
        free(miss);
    }
    od_search *s = NULL;
    search_job J = {0};
    od_grid g = {0};
    char metric[64], rule[64];
    if (!rc) {
        const od_detector_type *t;
        od_search_opts o;
        const od_grid *gp = &g;
        if (want) {
            t = want->t;
            gp = want->g;
            o = *want->o;
            o.shard = o.nshards = 0;
        } else rc = head_parse(ctx, &P[0], &t, &g, &o, metric, sizeof metric, rule, sizeof rule);
        if (!rc && !(s = od_calloc(ctx, 1, sizeof *s))) rc = OD_ENOMEM;
        size_t base = 0;
        J = (search_job){ .ctx = ctx, .d = d, .t = t, .s = s };
        if (!rc) rc = search_setup(ctx, d, t, gp, &o, &J, &base);   /* draws the stream key as the search did */
        if (!rc && (strlen(s->head) != P[0].head_len || memcmp(s->head, P[0].text, P[0].head_len)))
            rc = od_error(ctx, OD_EDATA, "%s: %s: %s (run the merge after the same lines, with the same seed, as the "
                          "shards: oddity -f SCRIPT --merge-shards=N)", names[0],
                          want ? "a part of another search than this line" : "not a part of a search on this session's data",
                          head_diff(P[0].text, s->head));
    }
    double wall = 0;
    for (size_t i = 0; i < n && !rc; i++) rc = part_units(ctx, s, &P[i], &wall);
    for (size_t q = 0; !rc && q < s->nrows * s->nfolds; q++) {   /* the warnings in unit order, as one process shows them */
        const char *w = s->rows[q / s->nfolds].fwarn[q % s->nfolds];
        while (w && *w) {
            const char *e = strchr(w, '\n');
            size_t len = e ? (size_t)(e - w) : strlen(w);
            od_warn(ctx, "%.*s", (int)len, w);
            w += len + (e != NULL);
        }
    }
    if (!rc) {
        size_t K = s->nfolds;
        for (size_t i = 0; i < s->nrows; i++) {
            od_search_row *r = &s->rows[i];
            size_t m = 0;
            for (size_t j = 0; j < K; j++) m += r->ran[j];
            if (m < K) break;
            double secs = 0;
            for (size_t j = 0; j < K; j++) {
                secs += r->fsecs[j];
                if (r->fwhy[j] && !r->why && !(r->why = od_strdup(ctx, r->fwhy[j]))) rc = OD_ENOMEM;
            }
            r->secs = secs / (double)K;
            finish_row(r, K);
            s->ndone++;
        }
        s->interrupted = s->ndone < s->nrows;
        if (!rc && !(s->order = od_mallocn(ctx, s->ndone ? s->ndone : 1, sizeof *s->order))) rc = OD_ENOMEM;
    }
    if (!rc) {
        for (size_t i = 0; i < s->ndone; i++) s->order[i] = i;
        sort_s = s;
        qsort(s->order, s->ndone, sizeof *s->order, row_cmp);
        sort_s = NULL;
        s->secs = wall;
    }
    if (s) job_done(&J);
    od_grid_done(&g);
    free(by);
    free(P);
    if (rc) { od_search_free(s); return rc; }
    *out = s;
    return OD_OK;
}

/* ----------------------------------------------------------------- elbow */

void od_elbow_done(od_elbow *e)
{
    free(e->k);
    free(e->sse);
    free(e->bic);
    free(e->aic);
    free(e->silhouette);
    memset(e, 0, sizeof *e);
}

int od_elbow_run(od_ctx *ctx, od_dataset *d, const od_detector_type *t, const od_grid_axis *k, int silhouette, od_elbow *e)
{
    memset(e, 0, sizeof *e);
    e->chosen = e->sil_best = SIZE_MAX;
    od_version *v = d ? od_ds_top(d) : NULL;
    if (!v || !v->frame) return od_error(ctx, OD_ESTATE, "no dataset loaded (try: load sample-data/blobs.csv)");
    int km = !strcmp(t->name, "kmeans");
    if (!km && strcmp(t->name, "gmm"))
        return od_error(ctx, OD_EINVAL, "plot elbow: %s: the elbow is for kmeans (SSE) and gmm (BIC/AIC)", t->name);
    if (v->win) return od_error(ctx, OD_EINVAL, "plot elbow: not on windowed data (undo the window first)");
    size_t n = k->n;
    e->n = n;
    e->k = od_mallocn(ctx, n, sizeof *e->k);
    e->sse = od_mallocn(ctx, n, sizeof *e->sse);
    e->bic = od_mallocn(ctx, n, sizeof *e->bic);
    e->aic = od_mallocn(ctx, n, sizeof *e->aic);
    if (silhouette) e->silhouette = od_mallocn(ctx, n, sizeof *e->silhouette);
    if (!e->k || !e->sse || !e->bic || !e->aic || (silhouette && !e->silhouette)) { od_elbow_done(e); return OD_ENOMEM; }
    double *X = NULL;
    size_t dim = 0;
    int rc = silhouette ? od_run_data_matrix(ctx, v->frame, NULL, 0, &X, &dim) : OD_OK;
    double t0 = od_now();
    for (size_t i = 0; i < n && !rc; i++) {
        if (od_cancelled(ctx)) { od_ctx_clear_cancel(ctx); rc = od_error(ctx, OD_ECANCEL, "plot elbow: interrupted"); break; }
        char detail[96];
        double el = od_now() - t0;
        snprintf(detail, sizeof detail, "k=%s (%zu/%zu)  ETA %.0f s", k->vals[i], i + 1, n, i ? el / (double)i * (double)(n - i) : 0);
        od_progress(ctx, "elbow", (double)i / (double)n, detail);
        const char *key = "k";
        od_params *p = od_params_parse(ctx, t->params, t->nparams, &key, (const char *const *)&k->vals[i], 1);
        if (!p) { rc = OD_EINVAL; break; }
        od_run *r = NULL;
        od_fit_opts fo = { .name = "elbow", .fit = OD_FIT_TRAIN };
        rc = od_run_fit_detached(ctx, v, t, p, &fo, &r);
        od_params_free(p);
        if (rc) { rc = od_error(ctx, rc, "plot elbow: k=%s: %s", k->vals[i], od_ctx_errmsg(ctx)); break; }
        od_fit_stats st;
        t->stats(r->state, &st);
        e->k[i] = strtod(k->vals[i], NULL);
        e->sse[i] = st.inertia;
        e->bic[i] = isnan(st.loglik) ? NAN : -2 * st.loglik + st.nparams * log(st.ntrain);
        e->aic[i] = isnan(st.loglik) ? NAN : -2 * st.loglik + 2 * st.nparams;
        e->rows = (size_t)st.ntrain;
        if (silhouette) {
            long *cl = od_mallocn(ctx, r->n ? r->n : 1, sizeof *cl);
            if (!cl || !r->cluster) {
                free(cl);
                od_run_free(r);
                rc = cl ? od_error(ctx, OD_EINVAL, "plot elbow: %s gives no clusters", t->name) : OD_ENOMEM;
                break;
            }
            for (size_t q = 0; q < r->n; q++) cl[q] = !v->part || v->part[q] == OD_PART_TRAIN ? r->cluster[q] : -1;
            e->silhouette[i] = od_silhouette(X, r->n, dim, cl);
            free(cl);
            if (!isnan(e->silhouette[i]) && (e->sil_best == SIZE_MAX || e->silhouette[i] > e->silhouette[e->sil_best]))
                e->sil_best = i;
        }
        od_run_free(r);
    }
    od_progress(ctx, "elbow", 1, NULL);
    free(X);
    if (rc) { od_elbow_done(e); return rc; }
    if (km) {
        /* kneedle (Satopaa et al. 2011): k and SSE scaled to 0..1, the point
         * farthest below the straight line from the first to the last */
        e->rule = "kneedle: the k farthest below the line from the first to the last point, k and SSE scaled to 0..1";
        double x0 = e->k[0], x1 = e->k[n - 1], ylo = INFINITY, yhi = -INFINITY, best = 0;
        for (size_t i = 0; i < n; i++) {
            if (e->sse[i] < ylo) ylo = e->sse[i];
            if (e->sse[i] > yhi) yhi = e->sse[i];
        }
        for (size_t i = 1; n >= 3 && x1 > x0 && yhi > ylo && i + 1 < n; i++) {
            double xn = (e->k[i] - x0) / (x1 - x0), yn = (e->sse[i] - ylo) / (yhi - ylo);
            double chord = (e->sse[0] - ylo) / (yhi - ylo) + xn * ((e->sse[n - 1] - e->sse[0]) / (yhi - ylo));
            double dist = chord - yn;
            if (dist > best) { best = dist; e->chosen = i; }
        }
    } else {
        e->rule = "the least BIC";
        for (size_t i = 0; i < n; i++)
            if (!isnan(e->bic[i]) && (e->chosen == SIZE_MAX || e->bic[i] < e->bic[e->chosen])) e->chosen = i;
    }
    return OD_OK;
}
