/* thresh.c - the threshold rule table and od_run_threshold.
 *
 * Adding a rule: write its function (scores in, od_threshold out) and add
 * one entry to od_thr_rules[]: the `threshold` command's dispatch, option
 * checks, usage, help and completion all read the table. */
#include "config.h"
#include "run.h"
#include "../core/num.h"
#include "../eval/curve.h"
#include "../eval/evsort.h"
#include "../eval/spot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* The scores a label-free rule is calibrated on: the training part, or
 * every row without a split. */
static size_t train_scores(od_ctx *ctx, const od_run *r, double **out)
{
    size_t k = 0;
    *out = od_mallocn(ctx, r->n ? r->n : 1, sizeof **out);
    if (!*out) return (size_t)-1;
    for (size_t i = 0; i < r->n; i++)
        if (!r->part || r->part[i] == OD_PART_TRAIN) (*out)[k++] = r->scores[i];
    return k;
}

typedef int (*stat_fn)(od_ctx *ctx, const double *tr, size_t n, const od_thr_args *a, od_threshold *th);

static int on_training(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th, stat_fn fn)
{
    double *tr;
    size_t n = train_scores(ctx, r, &tr);
    if (n == (size_t)-1) return OD_ENOMEM;
    int rc = fn(ctx, tr, n, a, th);
    free(tr);
    return rc;
}

static int st_contamination(od_ctx *ctx, const double *tr, size_t n, const od_thr_args *a, od_threshold *th)
{
    return od_threshold_contamination(ctx, tr, n, a->c, th);
}
static int st_percentile(od_ctx *ctx, const double *tr, size_t n, const od_thr_args *a, od_threshold *th)
{
    return od_threshold_percentile(ctx, tr, n, a->q, th);
}
static int st_sigma(od_ctx *ctx, const double *tr, size_t n, const od_thr_args *a, od_threshold *th)
{
    return od_threshold_sigma(ctx, tr, n, a->has_k ? a->k : 3, OD_SD_POPULATION, th);
}
static int st_iqr(od_ctx *ctx, const double *tr, size_t n, const od_thr_args *a, od_threshold *th)
{
    return od_threshold_iqr(ctx, tr, n, a->has_k ? a->k : 1.5, th);
}
static int st_mad(od_ctx *ctx, const double *tr, size_t n, const od_thr_args *a, od_threshold *th)
{
    return od_threshold_mad(ctx, tr, n, a->has_k ? a->k : 3, th);
}

static int st_sse(od_ctx *ctx, const double *tr, size_t n, const od_thr_args *a, od_threshold *th)
{
    (void)a;
    return od_threshold_sse(ctx, tr, n, th);
}

static int th_value(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th)
{
    return od_threshold_value(ctx, a->value, a->has_rule ? a->rule : OD_RULE_GE, th);
}
static int from_counts(od_run *r, double q, int c, od_threshold *th);

static int th_contamination(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th)
{
    if (!from_counts((od_run *)r, a->c, 1, th)) return OD_OK;
    return on_training(ctx, r, a, th, st_contamination);
}
static int th_percentile(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th)
{
    if (!from_counts((od_run *)r, a->q, 0, th)) return OD_OK;
    return on_training(ctx, r, a, th, st_percentile);
}
static int th_sigma(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th)
{
    return on_training(ctx, r, a, th, st_sigma);
}
static int th_iqr(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th)
{
    return on_training(ctx, r, a, th, st_iqr);
}
static int th_mad(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th)
{
    return on_training(ctx, r, a, th, st_mad);
}

static int th_sse(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th)
{
    return on_training(ctx, r, a, th, st_sse);
}

static int th_best_f1(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th)
{
    const int *L;
    int which, rc = od_run_need_labels(ctx, r, a->labels, &L, &which);
    if (rc) return od_error(ctx, OD_EDATA, "best-f1 is an oracle that needs labels: %s", od_ctx_errmsg(ctx));
    rc = od_run_check_part(ctx, r, a->part);
    if (rc) return rc;
    double *sc;
    int *lab, err = 0;
    size_t k = od_run_part_vs(ctx, r, a->part, which, &sc, &lab);
    if (k == (size_t)-1) return OD_ENOMEM;
    od_curve *cv = od_curve_new(ctx, sc, lab, k, &err);
    free(sc);
    free(lab);
    if (!cv) return err ? err : OD_EINVAL;
    rc = od_threshold_best_f1(ctx, cv, th);
    od_curve_free(cv);
    if (!rc && which == OD_LABELS_PSEUDO) {
        th->is_oracle = 0;   /* pseudo-labels come from the data, not from the truth: a deployable rule */
        size_t l = strlen(th->params);
        snprintf(th->params + l, sizeof th->params - l, "%svs=pseudo-labels", l ? "," : "");
    }
    return rc;
}

/* SPOT/DSPOT: calibrate on the training scores (without a split: the first
 * half) and stream over the other rows in row order.  th->per_point is
 * widened to every row: calibration rows get the first streamed threshold. */
static int spot_common(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th, int dspot)
{
    od_spot_opts so;
    od_spot_opts_default(&so);
    if (a->has_q) so.q = a->q;
    if (a->has_level) so.level = a->level;
    long depth = a->has_depth ? a->depth : dspot ? 10 : 0;
    if (dspot && depth < 1) return od_error(ctx, OD_EINVAL, "depth=%ld: must be >= 1", depth);
    so.depth = (size_t)depth;
    size_t n = r->n, h = n / 2, nc = 0, nt = 0;
    double *calib = od_mallocn(ctx, n ? n : 1, sizeof *calib), *test = od_mallocn(ctx, n ? n : 1, sizeof *test);
    unsigned char *is_cal = od_malloc(ctx, n ? n : 1);
    int rc = calib && test && is_cal ? OD_OK : OD_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        is_cal[i] = r->part ? r->part[i] == OD_PART_TRAIN : i < h;
        if (is_cal[i]) calib[nc++] = r->scores[i];
        else test[nt++] = r->scores[i];
    }
    if (!rc) rc = od_threshold_spot(ctx, calib, nc, test, nt, &so, th);
    double *pp = rc ? NULL : od_mallocn(ctx, n ? n : 1, sizeof *pp);
    if (!rc && !pp) rc = OD_ENOMEM;
    if (!rc) {
        double first = nt ? th->per_point[0] : th->value;
        for (size_t i = 0, k = 0; i < n; i++) pp[i] = is_cal[i] ? first : th->per_point[k++];
        free(th->per_point);
        th->per_point = pp;
    }
    free(calib);
    free(test);
    free(is_cal);
    return rc;
}
static int th_spot(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th)
{
    return spot_common(ctx, r, a, th, 0);
}
static int th_dspot(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th)
{
    return spot_common(ctx, r, a, th, 1);
}

/* auto: every label-free rule at its defaults, and the one whose threshold
 * is the median of theirs (ties: the earlier rule).  The median is a
 * consensus that one or two rules failing on a score distribution cannot
 * move (sigma on heavy tails, sse on several modes, spot on a short
 * calibration).  SPOT stands in with the threshold it starts streaming with
 * (fitted on the calibration scores), and if chosen is kept as that fixed
 * value.  params lists every candidate with the rows it would flag. */
static int th_auto(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th)
{
    static const struct { const char *name; stat_fn fn; } cand[] = {
        { "sse", st_sse }, { "mad", st_mad }, { "iqr", st_iqr }, { "sigma", st_sigma }, { "spot", NULL },
    };
    enum { NC = sizeof cand / sizeof cand[0] };
    od_threshold t[NC];
    int ok[NC];
    double v[NC];
    size_t m = 0;
    od_thr_args d;
    od_thr_args_init(&d);
    d.part = a->part;
    for (size_t i = 0; i < NC; i++) {
        od_threshold_init(&t[i]);
        int rc = cand[i].fn ? on_training(ctx, r, &d, &t[i], cand[i].fn) : spot_common(ctx, r, &d, &t[i], 0);
        if (rc == OD_ENOMEM) {
            for (size_t j = 0; j <= i; j++) od_threshold_clear(&t[j]);
            return rc;
        }
        ok[i] = !rc && !isnan(t[i].value);
        if (ok[i] && !cand[i].fn) {   /* spot: the threshold it starts the stream with, fixed */
            t[i].value = t[i].per_point && r->n ? t[i].per_point[0] : t[i].value;
            free(t[i].per_point);
            free(t[i].alarms);
            t[i].per_point = NULL;
            t[i].alarms = NULL;
            t[i].n_points = 0;
            t[i].rule = OD_RULE_GT;
        }
        if (ok[i]) v[m++] = t[i].value;
        od_ctx_clear_error(ctx);
    }
    if (!m) return od_error(ctx, OD_EDATA, "method=auto: no label-free rule gave a threshold on these scores");
    double sorted[NC];
    memcpy(sorted, v, m * sizeof *v);
    qsort(sorted, m, sizeof *sorted, od_cmp_double);
    double med = sorted[(m - 1) / 2];   /* the lower median: a threshold some rule set */
    size_t pick = NC;
    for (size_t i = 0; i < NC && pick == NC; i++)
        if (ok[i] && t[i].value == med) pick = i;
    char list[160];
    size_t l = 0;
    list[0] = 0;
    for (size_t i = 0; i < NC && l < sizeof list; i++) {
        if (!ok[i]) { l += (size_t)snprintf(list + l, sizeof list - l, "%s%s n/a", l ? ", " : "", cand[i].name); continue; }
        size_t f = 0;
        for (size_t k = 0; k < r->n; k++) {
            double x = r->scores[k];
            f += !isnan(x) && (t[i].rule == OD_RULE_GT ? x > t[i].value : x >= t[i].value);
        }
        l += (size_t)snprintf(list + l, sizeof list - l, "%s%s %.4g (%zu)", l ? ", " : "", cand[i].name, t[i].value, f);
    }
    *th = t[pick];
    for (size_t i = 0; i < NC; i++)
        if (i != pick) od_threshold_clear(&t[i]);
    snprintf(th->method, sizeof th->method, "auto");
    snprintf(th->params, sizeof th->params, "chose %s, the median of %s", cand[pick].name, list);
    return OD_OK;
}

const od_thr_rule od_thr_rules[] = {
    { "value", "value,rule", "value", "V", "score >= V (rule=> for >)", 0, 0, th_value },
    { "contamination", "c", "c", "c", "PyOD: the 100(1-c) percentile, flag score > t", 0, 0, th_contamination },
    { "percentile", "q", "q", "q", "the q-th percentile (linear interpolation, numpy), score > t", 0, 0, th_percentile },
    { "sigma", "k", "", "k", "mean + k sd (population sd; k default 3), score > t", 0, 0, th_sigma },
    { "iqr", "k", "", "k", "Q3 + k IQR (k default 1.5), score > t", 0, 0, th_iqr },
    { "mad", "k", "", "k", "median + k 1.4826 MAD (k default 3), score > t", 0, 0, th_mad },
    { "sse", "", "", "", "Otsu on scores: the cut between two distinct scores with the\n"
      "least within-group sum of squared errors, score > t", 0, 0, th_sse },
    { "auto", "", "", "", "the median threshold of sse, mad, iqr, sigma and spot at their\n"
      "defaults (a consensus one or two failing rules cannot move);\nprints each with the rows it flags", 0, 0, th_auto },
    { "best-f1", "on,labels", "", "", "the best F1 on the labels of the evaluation rows: an ORACLE", 1, 0, th_best_f1 },
    { "spot", "q,level", "", "q level", "Siffer et al. 2017: a generalised Pareto tail (Grimshaw's\n"
      "maximum likelihood or the method of moments, the better kept)\nfitted over the level quantile of the training scores, then\n"
      "streamed over the other rows in order with refits", 0, 1, th_spot },
    { "dspot", "q,level,depth", "", "depth", "SPOT on the drift-removed scores (moving average of depth)", 0, 1, th_dspot },
};
const size_t od_nthr_rules = sizeof od_thr_rules / sizeof od_thr_rules[0];

const od_thr_rule *od_thr_rule_find(const char *name)
{
    for (size_t i = 0; i < od_nthr_rules; i++)
        if (!strcmp(od_thr_rules[i].name, name)) return &od_thr_rules[i];
    return NULL;
}

const char *od_thr_rule_list(const char *sep)
{
    static char buf[2][256];
    char *b = buf[strcmp(sep, "|") != 0];
    size_t l = 0;
    b[0] = 0;
    for (size_t i = 0; i < od_nthr_rules && l < sizeof buf[0]; i++)
        l += (size_t)snprintf(b + l, sizeof buf[0] - l, "%s%s", i ? sep : "", od_thr_rules[i].name);
    return b;
}

void od_thr_args_init(od_thr_args *a)
{
    memset(a, 0, sizeof *a);
    a->rule = OD_RULE_GE;
    a->part = OD_PART_ALL;
}

void od_thr_report_clear(od_thr_report *rep)
{
    od_threshold_clear(&rep->th);
    memset(rep, 0, sizeof *rep);
}

/* Does comma list `list` hold `word`? */
static int in_list(const char *list, const char *word)
{
    size_t l = strlen(word);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == l && !strncmp(p, word, l)) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

static int parse_num(od_ctx *ctx, const char *key, const char *v, double *x)
{
    char *end;
    errno = 0;
    *x = strtod(v, &end);
    if (end == v || *end || errno == ERANGE || !isfinite(*x)) return od_error(ctx, OD_EINVAL, "%s=%s: expected a number", key, v);
    return OD_OK;
}

static int set_arg(od_ctx *ctx, od_thr_args *a, const char *key, const char *v)
{
    struct { const char *k; double *x; int *has; } nums[] = {
        { "value", &a->value, &a->has_value }, { "c", &a->c, &a->has_c }, { "q", &a->q, &a->has_q },
        { "k", &a->k, &a->has_k }, { "level", &a->level, &a->has_level },
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (!strcmp(key, nums[i].k)) {
            *nums[i].has = 1;
            return parse_num(ctx, key, v, nums[i].x);
        }
    if (!strcmp(key, "depth")) {
        double x;
        int rc = parse_num(ctx, key, v, &x);
        if (rc) return rc;
        if (x != floor(x) || x < 1 || x > 1e9) return od_error(ctx, OD_EINVAL, "depth=%s: expected an integer >= 1", v);
        a->depth = (long)x;
        a->has_depth = 1;
        return OD_OK;
    }
    if (!strcmp(key, "rule")) {
        a->has_rule = 1;
        if (od_rule_parse(ctx, v, &a->rule)) return od_error(ctx, OD_EINVAL, "rule=%s: expected >= or >", v);
        return OD_OK;
    }
    if (!strcmp(key, "on")) return od_part_parse(ctx, v, &a->part);
    if (!strcmp(key, "labels")) {
        int k = 0;
        while (od_labels_names[k] && strcmp(od_labels_names[k], v)) k++;
        if (!od_labels_names[k] || !k) return od_error(ctx, OD_EINVAL, "labels=%s: expected truth or pseudo", v);
        a->labels = k;
        return OD_OK;
    }
    return od_error(ctx, OD_EINVAL, "unknown option '%s'", key);
}

int od_thr_args_parse(od_ctx *ctx, const od_thr_rule *rule, const char *const *keys, const char *const *vals, size_t n,
                      od_thr_args *a)
{
    for (size_t i = 0; i < n; i++) {
        if (!in_list(rule->opts, keys[i]))
            return od_error(ctx, OD_EINVAL, "%s=%s: not an option of method=%s (%s%s)", keys[i], vals[i], rule->name,
                            *rule->opts ? "its options: " : "it has no options", rule->opts);
        int rc = set_arg(ctx, a, keys[i], vals[i]);
        if (rc) return rc;
    }
    return OD_OK;
}

static int check_required(od_ctx *ctx, const od_thr_rule *rule, const char *const *keys, size_t n)
{
    for (const char *p = rule->required; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        int found = 0;
        for (size_t i = 0; i < n; i++) found |= strlen(keys[i]) == l && !strncmp(keys[i], p, l);
        if (!found) return od_error(ctx, OD_EINVAL, "method=%s needs %.*s=", rule->name, (int)l, p);
        if (!e) break;
        p = e + 1;
    }
    return OD_OK;
}

int od_run_flags(const od_run *r, size_t i)
{
    double s = r->scores[i];
    if (!r->thr.set || isnan(s)) return 0;
    double t = r->thr.point ? r->thr.point[i] : r->thr.value;
    return r->thr.strict ? s > t : s >= t;
}

/* Keep th with the run as its threshold. */
static int keep(od_ctx *ctx, od_run *r, od_threshold *th)
{
    char desc[256];
    snprintf(desc, sizeof desc, "%s%s%s%s", th->method, *th->params ? " " : "", th->params,
             th->is_oracle ? " (oracle: uses the labels)" : "");
    char *d = od_strdup(ctx, desc);
    if (!d) return OD_ENOMEM;
    od_thresh_clear(&r->thr);
    r->thr.set = 1;
    r->thr.value = th->value;
    r->thr.strict = th->rule == OD_RULE_GT;
    r->thr.oracle = th->is_oracle;
    r->thr.desc = d;
    r->thr.point = th->per_point;   /* taken over */
    th->per_point = NULL;
    return OD_OK;
}

/* ------------------------------------------------ counts at a threshold
 *
 * Moving a threshold must not rescan the rows (10M rows: 50 ms a move).  On
 * first use a run keeps its scores as sorted order keys (evsort.h): every
 * scored row, and the labelled rows of the default part by class.  The
 * effect of a single threshold t is then three binary searches: flagged =
 * scored rows with score >= t (> t with rule=>), TP and FP the same among the
 * positive and negative rows.  A run's scores, labels and part never change
 * after it is made, so the counts stay valid for its life; per-point
 * thresholds (SPOT) still count row by row. */
typedef struct {
    const double *scores;   /* what the counts were made from (a guard) */
    size_t n;
    int part, labels;
    const int *L;
    size_t m, mp, mn;       /* scored rows; labelled positives, negatives in the part */
    uint64_t *all, *pos, *neg;
} thr_counts;

void od_run_counts_free(void *p)
{
    thr_counts *c = p;
    if (!c) return;
    free(c->all);
    free(c->pos);
    free(c->neg);
    free(c);
}

/* The class of scored row i: 1 labelled positive, 2 labelled negative (in
 * the part), 0 neither (every scored row is also in "all"). */
static inline int row_class(const od_run *r, int part, const int *L, size_t i)
{
    if (!L || !od_run_in_part(r, part, i) || L[i] < 0) return 0;
    return L[i] ? 1 : 2;
}

/* Fill c->all, c->pos, c->neg with the sorted keys.  Three parallel passes
 * over the scores, each thread a fixed block of rows: (1) the counts and the
 * range of the keys; (2) per-thread histograms of the 11-bit digit just
 * below the bits every key shares (scores between 8 and 64 share their top
 * 9 bits, so the top 11 bits put 99% of them in one bucket and the sort ran
 * on one thread); (3) the keys scattered straight into their buckets in the
 * final arrays (no key array to sort in place first).  Then the buckets are
 * sorted in parallel.  The sorted arrays do not depend on the thread count.
 * -1 when out of memory. */
static int build_counts(thr_counts *c, const od_run *r, int part, const int *L, int threads)
{
    const size_t n = r->n;
    int nt = threads > 1 && n >= ((size_t)1 << 16) ? threads : 1;
    size_t *tc = calloc((size_t)nt * 3, sizeof *tc);          /* per thread: m, mp, mn */
    uint64_t *tk = malloc((size_t)nt * 2 * sizeof *tk);       /* per thread: min, max key */
    size_t *hist = NULL;
    size_t cnt[3][2048];
    size_t nb = 1;
    unsigned hi = 0;
    int fail = !tc || !tk, used = 1;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
        int t = 0, T = 1;
#ifdef _OPENMP
        t = omp_get_thread_num();
        T = omp_get_num_threads();
#endif
        size_t lo = n * (size_t)t / (size_t)T, up = n * (size_t)(t + 1) / (size_t)T;
        if (t == 0) used = T;
        if (!fail) {   /* pass 1 */
            size_t k[3] = { 0, 0, 0 };
            uint64_t kmin = UINT64_MAX, kmax = 0;
            for (size_t i = lo; i < up; i++) {
                double x = r->scores[i];
                if (isnan(x)) continue;
                uint64_t key = od_eval_key_asc(x);
                kmin = key < kmin ? key : kmin;
                kmax = key > kmax ? key : kmax;
                k[0]++;
                int cl = row_class(r, part, L, i);
                if (cl) k[cl]++;
            }
            tc[3 * t] = k[0];
            tc[3 * t + 1] = k[1];
            tc[3 * t + 2] = k[2];
            tk[2 * t] = kmin;
            tk[2 * t + 1] = kmax;
        }
#ifdef _OPENMP
#pragma omp barrier
#pragma omp single
#endif
        if (!fail) {   /* totals, arrays, the digit */
            uint64_t kmin = UINT64_MAX, kmax = 0;
            for (int u = 0; u < used; u++) {
                c->m += tc[3 * u];
                c->mp += tc[3 * u + 1];
                c->mn += tc[3 * u + 2];
                kmin = tk[2 * u] < kmin ? tk[2 * u] : kmin;
                kmax = tk[2 * u + 1] > kmax ? tk[2 * u + 1] : kmax;
            }
            int need_all = !(L && c->mp + c->mn == c->m);   /* else flagged = TP + FP */
            if (need_all) c->all = malloc((c->m ? c->m : 1) * sizeof *c->all);
            if (L) {
                c->pos = malloc((c->mp ? c->mp : 1) * sizeof *c->pos);
                c->neg = malloc((c->mn ? c->mn : 1) * sizeof *c->neg);
            }
            if (c->m && kmin != kmax) {
                hi = 64 - (unsigned)__builtin_clzll(kmin ^ kmax);
                unsigned w = hi < 11 ? hi : 11;
                hi -= w;   /* now the digit's shift */
                nb = (size_t)1 << w;
            }
            hist = calloc((size_t)used * 3 * nb, sizeof *hist);
            if ((need_all && !c->all) || (L && (!c->pos || !c->neg)) || !hist) fail = 1;
        }
        if (!fail) {   /* pass 2: histograms */
            size_t *h = hist + (size_t)t * 3 * nb;
            for (size_t i = lo; i < up; i++) {
                double x = r->scores[i];
                if (isnan(x)) continue;
                size_t d = nb > 1 ? (size_t)(od_eval_key_asc(x) >> hi) & (nb - 1) : 0;
                h[d]++;
                int cl = row_class(r, part, L, i);
                if (cl) h[cl * nb + d]++;
            }
        }
#ifdef _OPENMP
#pragma omp barrier
#pragma omp single
#endif
        if (!fail) {   /* per-thread offsets; cnt[class][bucket] */
            for (size_t cl = 0; cl < 3; cl++) {
                size_t o = 0;
                for (size_t b = 0; b < nb; b++) {
                    size_t start = o;
                    for (int u = 0; u < used; u++) {
                        size_t *h = hist + ((size_t)u * 3 + cl) * nb + b, v = *h;
                        *h = o;
                        o += v;
                    }
                    cnt[cl][b] = o - start;
                }
            }
        }
        if (!fail) {   /* pass 3: the scatter */
            size_t *h = hist + (size_t)t * 3 * nb;
            uint64_t *dst[3] = { c->all, c->pos, c->neg };
            for (size_t i = lo; i < up; i++) {
                double x = r->scores[i];
                if (isnan(x)) continue;
                uint64_t key = od_eval_key_asc(x);
                size_t d = nb > 1 ? (size_t)(key >> hi) & (nb - 1) : 0;
                if (dst[0]) dst[0][h[d]++] = key;
                int cl = row_class(r, part, L, i);
                if (cl) dst[cl][h[cl * nb + d]++] = key;
            }
        }
    }
    free(tc);
    free(tk);
    free(hist);
    if (fail) return -1;
    /* the buckets' keys agree from bit hi (the digit's shift) up */
    if (c->all) od_eval_sort_buckets_at(c->all, cnt[0], nb, hi, threads);
    if (L) {
        od_eval_sort_buckets_at(c->pos, cnt[1], nb, hi, threads);
        od_eval_sort_buckets_at(c->neg, cnt[2], nb, hi, threads);
    }
    return 0;
}

static thr_counts *counts_of(od_run *r, int part, const int *L, int labels)
{
    thr_counts *c = r->counts;
    if (c && c->scores == r->scores && c->n == r->n && c->part == part && c->L == L && c->labels == labels) return c;
    od_run_counts_free(c);
    r->counts = NULL;
    if (!(c = calloc(1, sizeof *c))) return NULL;   /* no error: the caller counts row by row */
    c->scores = r->scores, c->n = r->n, c->part = part, c->L = L, c->labels = labels;
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    if (build_counts(c, r, part, L, threads)) { od_run_counts_free(c); return NULL; }
    r->counts = c;
    return c;
}

/* The k-th smallest (0-based) scored row's score, from the sorted keys. */
static double counts_kth(void *arg, size_t k)
{
    const thr_counts *c = arg;
    if (c->all) return od_eval_key_asc_value(c->all[k]);
    /* the k-th of the union of the sorted pos and neg: i keys from pos, j = k+1-i from neg */
    const uint64_t *A = c->pos, *B = c->neg;
    size_t na = c->mp, nb = c->mn;
    size_t lo = k + 1 > nb ? k + 1 - nb : 0, hi = k + 1 < na ? k + 1 : na;
    while (lo < hi) {
        size_t i = lo + (hi - lo) / 2;
        if (A[i] < B[k - i]) lo = i + 1;   /* pos's (i+1)-th below neg's (k+1-i)-th: take more from pos */
        else hi = i;
    }
    size_t i = lo, j = k + 1 - lo;
    uint64_t x = i ? A[i - 1] : 0, y = j ? B[j - 1] : 0;
    return od_eval_key_asc_value(x > y ? x : y);
}

/* percentile / contamination on a run without a split (the training scores
 * are every scored row): read from the run's sorted keys, made here once for
 * the threshold's effect anyway, instead of two copies and a selection of
 * all the scores.  0 when done, else nothing done. */
static int from_counts(od_run *r, double q, int c, od_threshold *th)
{
    if (r->part) return 1;
    int labels;
    int part = od_run_default_part(r);
    const int *L = od_run_labels(r, OD_LABELS_DEFAULT, &labels);
    thr_counts *cn = counts_of(r, part, L, labels);
    if (!cn || !cn->m) return 1;
    return od_threshold_percentile_ranked(NULL, r->n, cn->m, counts_kth, cn, q, c, th);
}

/* keys in a[0..n) that are >= k (strict: > k) */
static size_t count_above(const uint64_t *a, size_t n, uint64_t k, int strict)
{
    size_t lo = 0, hi = n;   /* first index with a[i] >= k (> k) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strict ? a[mid] <= k : a[mid] < k) lo = mid + 1;
        else hi = mid;
    }
    return n - lo;
}

/* What the threshold does: flagged rows, and the confusion on the default part. */
static void effect(od_run *r, od_thr_report *rep)
{
    rep->part = od_run_default_part(r);
    const int *L = od_run_labels(r, OD_LABELS_DEFAULT, &rep->labels);
    thr_counts *c = r->thr.point ? NULL : counts_of(r, rep->part, L, rep->labels);
    if (c) {
        double t = r->thr.value;
        int strict = r->thr.strict;
        rep->scored = c->m;
        if (!isnan(t)) {
            uint64_t k = od_eval_key_asc(t);
            rep->cm.tp = L ? count_above(c->pos, c->mp, k, strict) : 0;
            rep->cm.fp = L ? count_above(c->neg, c->mn, k, strict) : 0;
            rep->flagged = c->all ? count_above(c->all, c->m, k, strict) : rep->cm.tp + rep->cm.fp;
        }
        rep->cm.fn = L ? c->mp - rep->cm.tp : 0;
        rep->cm.tn = L ? c->mn - rep->cm.fp : 0;
        rep->has_effect = L != NULL;
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        if (isnan(r->scores[i])) continue;
        rep->scored++;
        int f = od_run_flags(r, i);
        rep->flagged += (size_t)f;
        if (!L || !od_run_in_part(r, rep->part, i) || L[i] < 0) continue;
        if (L[i]) { if (f) rep->cm.tp++; else rep->cm.fn++; }
        else { if (f) rep->cm.fp++; else rep->cm.tn++; }
    }
    rep->has_effect = L != NULL;
    for (size_t i = 0; rep->th.alarms && i < rep->th.n_points; i++) rep->alarms += rep->th.alarms[i];
}

int od_run_threshold(od_ctx *ctx, od_run *r, const char *method, const char *const *keys, const char *const *vals,
                     size_t n, od_thr_report *rep)
{
    memset(rep, 0, sizeof *rep);
    od_threshold_init(&rep->th);
    const od_thr_rule *rule = od_thr_rule_find(method);
    if (!rule) return od_error(ctx, OD_EINVAL, "method=%s: expected %s", method, od_thr_rule_list(", "));
    od_thr_args a;
    od_thr_args_init(&a);
    a.part = od_run_default_part(r);
    int rc = od_thr_args_parse(ctx, rule, keys, vals, n, &a);
    if (!rc) rc = check_required(ctx, rule, keys, n);
    if (!rc) rc = rule->fn(ctx, r, &a, &rep->th);
    if (!rc) rc = keep(ctx, r, &rep->th);
    if (rc) { od_thr_report_clear(rep); return rc; }
    effect(r, rep);
    return OD_OK;
}
