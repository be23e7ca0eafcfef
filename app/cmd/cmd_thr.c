/* cmd_thr.c - threshold and ensemble. */
#include "config.h"
#include "cmd.h"
#include "eval/curve.h"
#include "eval/threshold.h"
#include "eval/spot.h"
#include "eval/ensemble.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t cmd_run_part(const od_run *r, int part, double **sc, int **lab);
int cmd_parse_on(od_session *s, const cmd_line *c, const od_run *r, int *part);
const char *cmd_as_name(od_session *s, const cmd_line *c, size_t first, int *bad);
const char *cmd_metric_str(const od_metric *m);

/* Training scores of a run: the training part, or every row without a split. */
static size_t train_scores(const od_run *r, double **out)
{
    size_t k = 0;
    *out = malloc((r->n ? r->n : 1) * sizeof **out);
    for (size_t i = 0; i < r->n; i++)
        if (!r->part || r->part[i] == OD_PART_TRAIN) (*out)[k++] = r->scores[i];
    return k;
}

/* One-line effect of the threshold on the evaluation part. */
static void show_effect(od_session *s, const od_run *r)
{
    size_t flagged = 0, scored = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (isnan(r->scores[i])) continue;
        scored++;
        double t = r->thr.point ? r->thr.point[i] : r->thr.value;
        flagged += r->thr.strict ? r->scores[i] > t : r->scores[i] >= t;
    }
    fprintf(s->outfp, "  flags %zu of %zu scored rows (%s%%)", flagged, scored, fmtg(scored ? 100.0 * flagged / scored : 0, 3));
    if (r->labels) {
        int part;
        cmd_line none = {0};
        cmd_parse_on(s, &none, r, &part);
        od_confusion cm = {0};
        for (size_t i = 0; i < r->n; i++) {
            if (part >= 0 && (!r->part || r->part[i] != part)) continue;
            if (isnan(r->scores[i]) || r->labels[i] < 0) continue;
            double t = r->thr.point ? r->thr.point[i] : r->thr.value;
            int f = r->thr.strict ? r->scores[i] > t : r->scores[i] >= t;
            if (r->labels[i]) { if (f) cm.tp++; else cm.fn++; }
            else { if (f) cm.fp++; else cm.tn++; }
        }
        od_metric p = od_metric_precision(&cm), rc = od_metric_recall(&cm), f1 = od_metric_f1(&cm);
        fprintf(s->outfp, "; on %s: precision %s recall %s F1 %s (TP %zu FP %zu FN %zu TN %zu)",
                cmd_part_name(part),
                cmd_metric_str(&p), cmd_metric_str(&rc), cmd_metric_str(&f1), cm.tp, cm.fp, cm.fn, cm.tn);
    }
    fputc('\n', s->outfp);
}

static int need(od_session *s, const cmd_line *c, const char *key, const char *method, double *v)
{
    int r = cmd_opt_double(s, c, key, v);
    if (r < 0) return r;
    if (r == 0) return cmd_error_at(s, 0, "threshold: method=%s needs %s=", method, key);
    return 0;
}

static int cmd_threshold(od_session *s, const cmd_line *c)
{
    od_run *r = cmd_run(s, c, 1);
    if (!r) return OD_ENOTFOUND;
    const char *m = cmd_optval(c, "method");
    if (!m) {
        if (cmd_opt_entry(c, "value")) m = "value";
        else return cmd_error_at(s, 0, "threshold: expected method=value|contamination|percentile|sigma|iqr|mad|best-f1|spot|dspot");
    }
    od_threshold th;
    od_threshold_init(&th);
    double v = 0, *tr = NULL;
    size_t ntr = train_scores(r, &tr);
    int rc = 0;
    od_rule rule = OD_RULE_GE;
    const char *rs = cmd_optval(c, "rule");
    if (rs && od_rule_parse(s->ctx, rs, &rule)) { free(tr); return cmd_error_at(s, cmd_opt_entry(c, "rule")->vcol, "threshold: rule=%s: expected >= or >", rs); }
    if (!strcmp(m, "value")) {
        if ((rc = need(s, c, "value", m, &v))) goto out;
        rc = od_threshold_value(s->ctx, v, rule, &th);
    } else if (!strcmp(m, "contamination")) {
        if ((rc = need(s, c, "c", m, &v))) goto out;
        rc = od_threshold_contamination(s->ctx, tr, ntr, v, &th);
    } else if (!strcmp(m, "percentile")) {
        if ((rc = need(s, c, "q", m, &v))) goto out;
        rc = od_threshold_percentile(s->ctx, tr, ntr, v, &th);
    } else if (!strcmp(m, "sigma")) {
        v = 3;
        if ((rc = cmd_opt_double(s, c, "k", &v)) < 0) goto out;
        rc = od_threshold_sigma(s->ctx, tr, ntr, v, OD_SD_POPULATION, &th);
    } else if (!strcmp(m, "iqr")) {
        v = 1.5;
        if ((rc = cmd_opt_double(s, c, "k", &v)) < 0) goto out;
        rc = od_threshold_iqr(s->ctx, tr, ntr, v, &th);
    } else if (!strcmp(m, "mad")) {
        v = 3;
        if ((rc = cmd_opt_double(s, c, "k", &v)) < 0) goto out;
        rc = od_threshold_mad(s->ctx, tr, ntr, v, &th);
    } else if (!strcmp(m, "best-f1")) {
        if (!r->labels) { rc = cmd_fail(s, od_error(s->ctx, OD_EDATA, "threshold: best-f1 is an oracle that needs labels; %s has none", r->name)); goto out; }
        int part;
        if ((rc = cmd_parse_on(s, c, r, &part))) goto out;
        double *sc;
        int *lab;
        size_t k = cmd_run_part(r, part, &sc, &lab);
        int err = 0;
        od_curve *cv = od_curve_new(s->ctx, sc, lab, k, &err);
        free(sc);
        free(lab);
        if (!cv) { rc = cmd_fail(s, err); goto out; }
        rc = od_threshold_best_f1(s->ctx, cv, &th);
        od_curve_free(cv);
    } else if (!strcmp(m, "spot") || !strcmp(m, "dspot")) {
        od_spot_opts so;
        od_spot_opts_default(&so);
        int e;
        if ((e = cmd_opt_double(s, c, "q", &so.q)) < 0 || (e = cmd_opt_double(s, c, "level", &so.level)) < 0) { rc = e; goto out; }
        long depth = !strcmp(m, "dspot") ? 10 : 0;
        if ((e = cmd_opt_long(s, c, "depth", &depth)) < 0) { rc = e; goto out; }
        if (!strcmp(m, "spot") && depth) { rc = cmd_error_at(s, cmd_opt_entry(c, "depth")->vcol, "threshold: depth= is for method=dspot"); goto out; }
        if (depth < 0) { rc = cmd_error_at(s, cmd_opt_entry(c, "depth")->vcol, "threshold: depth must be >= 1"); goto out; }
        so.depth = (size_t)depth;
        /* calibrate on the training scores, stream over the other rows in order */
        double *test = malloc((r->n ? r->n : 1) * sizeof *test);
        size_t nt = 0;
        for (size_t i = 0; i < r->n; i++)
            if (r->part && r->part[i] != OD_PART_TRAIN) test[nt++] = r->scores[i];
        if (!r->part) {
            /* no split: calibrate on the first half, stream over the rest */
            size_t h = r->n / 2;
            ntr = 0;
            for (size_t i = 0; i < h; i++) tr[ntr++] = r->scores[i];
            for (size_t i = h; i < r->n; i++) test[nt++] = r->scores[i];
        }
        rc = od_threshold_spot(s->ctx, tr, ntr, test, nt, &so, &th);
        if (!rc) {
            /* per-point thresholds for every row: calibration rows get the first */
            double *pp = malloc((r->n ? r->n : 1) * sizeof *pp);
            double first = nt ? th.per_point[0] : th.value;
            size_t k = 0;
            size_t h = r->n / 2;
            for (size_t i = 0; i < r->n; i++) {
                int calib = r->part ? r->part[i] == OD_PART_TRAIN : i < h;
                pp[i] = calib ? first : th.per_point[k++];
            }
            od_thresh_clear(&r->thr);
            r->thr.point = pp;
        }
        free(test);
    } else {
        rc = cmd_error_at(s, cmd_opt_entry(c, "method")->vcol,
                          "threshold: method=%s: expected value, contamination, percentile, sigma, iqr, mad, best-f1, spot or dspot", m);
        goto out;
    }
    if (rc) { rc = cmd_fail(s, rc); goto out; }
    double *keep = r->thr.point;
    r->thr.point = NULL;
    od_thresh_clear(&r->thr);
    r->thr.point = !strcmp(m, "spot") || !strcmp(m, "dspot") ? keep : (free(keep), NULL);
    r->thr.set = 1;
    r->thr.value = th.value;
    r->thr.strict = th.rule == OD_RULE_GT;
    r->thr.oracle = th.is_oracle;
    char desc[256];
    snprintf(desc, sizeof desc, "%s%s%s%s", th.method, *th.params ? " " : "", th.params, th.is_oracle ? " (oracle: uses the labels)" : "");
    r->thr.desc = strdup(desc);
    fprintf(s->outfp, "%s: threshold%s: flag score %s %s  [%s", r->name, r->thr.point ? " (final, streaming)" : "",
            r->thr.strict ? ">" : ">=", fmtg(th.value, 6), desc);
    if (th.n_used) fprintf(s->outfp, "; from %zu %s scores", th.n_used, th.is_oracle ? "labelled" : "training");
    if (th.n_nan) fprintf(s->outfp, ", %zu NaN left out", th.n_nan);
    fprintf(s->outfp, "]\n");
    if (r->thr.point) {
        size_t al = 0;
        for (size_t i = 0; i < th.n_points; i++) al += th.alarms[i];
        fprintf(s->outfp, "  streamed over %zu points: %zu alarms; per-point thresholds kept with the run\n", th.n_points, al);
    }
    show_effect(s, r);
    rc = 0;
out:
    od_threshold_clear(&th);
    free(tr);
    return rc;
}

static int cmd_ensemble(od_session *s, const cmd_line *c)
{
    int bad;
    /* words: run names up to 'as' */
    size_t nr = 0;
    for (size_t i = 1; i < c->nwords && strcmp(c->words[i].text, "as"); i++) nr++;
    const char *nm = cmd_as_name(s, c, nr + 1, &bad);
    if (bad) return bad;
    if (nr < 2) return cmd_error_at(s, 0, "ensemble: name at least two runs (usage: %s)", cmd_find("ensemble")->usage);
    if (!nm) return cmd_error_at(s, 0, "ensemble: expected 'as NAME'");
    od_norm norm = OD_NORM_RANK;
    od_combine how = OD_COMBINE_MEAN;
    const char *v;
    if ((v = cmd_optval(c, "norm")) && od_norm_parse(s->ctx, v, &norm)) return cmd_error_at(s, cmd_opt_entry(c, "norm")->vcol, "ensemble: %s", od_ctx_errmsg(s->ctx));
    if ((v = cmd_optval(c, "combine")) && od_combine_parse(s->ctx, v, &how)) return cmd_error_at(s, cmd_opt_entry(c, "combine")->vcol, "ensemble: %s", od_ctx_errmsg(s->ctx));
    od_run **m = malloc(nr * sizeof *m);
    for (size_t k = 0; k < nr; k++) {
        m[k] = cmd_run(s, c, k + 1);
        if (!m[k]) { free(m); return OD_ENOTFOUND; }
        if (m[k]->n != m[0]->n) {
            int e = cmd_error_at(s, c->words[k + 1].col, "ensemble: %s scores %zu rows but %s scores %zu: members must share their rows", m[k]->name, m[k]->n, m[0]->name, m[0]->n);
            free(m);
            return e;
        }
        if (!strcmp(m[k]->name, nm)) {
            int e = cmd_error_at(s, c->words[k + 1].col, "ensemble: the ensemble cannot replace its member '%s'; choose another name", nm);
            free(m);
            return e;
        }
    }
    double *w = NULL;
    const cmd_opt *wo = cmd_opt_entry(c, "weights");
    if (how == OD_COMBINE_WEIGHTED) {
        if (!wo) { free(m); return cmd_error_at(s, 0, "ensemble: combine=weighted needs weights=w1,w2,..."); }
        size_t nw;
        char **ws = cmd_list_split(wo->val, &nw);
        if (nw != nr) {
            free(ws);
            free(m);
            return cmd_error_at(s, wo->vcol, "ensemble: %zu weights for %zu runs", nw, nr);
        }
        w = malloc(nr * sizeof *w);
        for (size_t k = 0; k < nr; k++) {
            char *end;
            w[k] = strtod(ws[k], &end);
            if (*end || !*ws[k]) {
                int e = cmd_error_at(s, wo->vcol, "ensemble: weight '%s' is not a number", ws[k]);
                free(ws);
                free(w);
                free(m);
                return e;
            }
        }
        free(ws);
    } else if (wo) {
        free(m);
        return cmd_error_at(s, wo->col, "ensemble: weights= needs combine=weighted");
    }
    size_t n = m[0]->n;
    unsigned char *train = NULL;
    if (m[0]->part) {
        train = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++) train[i] = m[0]->part[i] == OD_PART_TRAIN;
    }
    double **ns = calloc(nr, sizeof *ns);
    int rc = 0;
    for (size_t k = 0; k < nr && !rc; k++) {
        ns[k] = malloc((n ? n : 1) * sizeof **ns);
        rc = od_ensemble_normalize(s->ctx, m[k]->scores, n, train, norm, ns[k]);
    }
    od_run *r = NULL;
    if (!rc) {
        r = calloc(1, sizeof *r);
        r->scores = malloc((n ? n : 1) * sizeof *r->scores);
        rc = od_ensemble_combine(s->ctx, (const double *const *)ns, nr, n, how, w, r->scores);
    }
    for (size_t k = 0; k < nr; k++) free(ns[k]);
    free(ns);
    free(train);
    if (rc) { od_run_free(r); free(w); free(m); return cmd_fail(s, rc); }
    r->name = strdup(nm);
    r->algo = strdup("ensemble");
    od_out *o = od_out_buffer();
    for (size_t k = 0; k < nr; k++) od_printf(o, "%s%s", k ? "," : "members=", m[k]->name);
    od_printf(o, " norm=%s combine=%s", od_norm_name(norm), od_combine_name(how));
    if (w) od_printf(o, " weights=%s", wo->val);
    r->params = od_out_steal(o);
    od_out_free(o);
    r->dataset = strdup(m[0]->dataset);
    r->fit_on = strdup(m[0]->fit_on ? m[0]->fit_on : "-");
    r->n = n;
    if (m[0]->labels) { r->labels = malloc(n * sizeof *r->labels + 1); memcpy(r->labels, m[0]->labels, n * sizeof *r->labels); }
    if (m[0]->part) { r->part = malloc(n + 1); memcpy(r->part, m[0]->part, n); }
    if (m[0]->time) { r->time = malloc(n * sizeof *r->time + 1); memcpy(r->time, m[0]->time, n * sizeof *r->time); }
    r->is_series = m[0]->is_series;
    for (size_t k = 0; k < nr; k++) { r->fit_secs += m[k]->fit_secs; r->score_secs += m[k]->score_secs; }
    free(w);
    free(m);
    rc = od_ws_add_run_donate(s->ctx, s->ws, r);
    if (rc) return cmd_fail(s, rc);
    void cmd_run_summary(od_session *s, const od_run *r);
    cmd_run_summary(s, r);
    return 0;
}

static const cmd_optspec thr_opts[] = {
    { "method", "value|contamination|percentile|sigma|iqr|mad|best-f1|spot|dspot", COMPL_NONE, "how to choose the threshold" },
    { "value", NULL, COMPL_NONE, "method=value: the threshold" },
    { "rule", ">=|>", COMPL_NONE, "method=value: flag when score >= t (default) or > t" },
    { "c", NULL, COMPL_NONE, "contamination: expected share of anomalies in the training scores, (0, 0.5]" },
    { "q", NULL, COMPL_NONE, "percentile: q in 0..100; spot/dspot: risk per point (default 1e-4)" },
    { "k", NULL, COMPL_NONE, "sigma/mad: k spreads above the centre (default 3); iqr: Q3 + k IQR (default 1.5)" },
    { "level", NULL, COMPL_NONE, "spot/dspot: quantile of the initial threshold (default 0.98)" },
    { "depth", NULL, COMPL_NONE, "dspot: moving-average window of the drift (default 10)" },
    { "on", "train|val|test|all", COMPL_NONE, "best-f1: rows whose labels choose it (default: test when split)" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec ens_opts[] = {
    { "norm", "zscore|minmax|rank|none", COMPL_NONE, "how each member's scores are normalised (default rank; zscore/minmax use training statistics)" },
    { "combine", "mean|max|median|weighted", COMPL_NONE, "how normalised scores are combined (default mean)" },
    { "weights", NULL, COMPL_NONE, "combine=weighted: one weight per run" },
    { "as", NULL, COMPL_NONE, "name of the ensemble run" },
    { NULL, NULL, COMPL_NONE, NULL }
};

const od_command cmd_threshold_entry = {
    .name = "threshold", .usage = "threshold RUN method=value|contamination|percentile|sigma|iqr|mad|best-f1|spot|dspot [value=V] [c=F] [q=F] [k=F] [level=F] [depth=N]",
    .topic = "evaluate", .summary = "set a run's threshold, with or without labels",
    .help = "The threshold is stored with the run and used by metrics, compare and plots.\n"
            "Methods without labels work on the training scores (all scores without a split):\n"
            "  value V           score >= V (rule=> for >)\n"
            "  contamination c   PyOD: the 100(1-c) percentile, flag score > t\n"
            "  percentile q      the q-th percentile (linear interpolation, numpy), score > t\n"
            "  sigma k           mean + k sd (population sd), score > t\n"
            "  iqr k             Q3 + k IQR, score > t\n"
            "  mad k             median + k 1.4826 MAD, score > t\n"
            "  spot q level      Siffer et al. 2017: a generalised Pareto tail (Grimshaw's\n"
            "                    maximum likelihood or the method of moments, the better kept)\n"
            "                    fitted over the level quantile of the training scores, then\n"
            "                    streamed over the other rows in order with refits\n"
            "  dspot depth       SPOT on the drift-removed scores (moving average of depth)\n"
            "best-f1 uses the labels of the evaluation rows: it is an oracle and says so.\n"
            "Moving a threshold is instant: try several values and watch F1, or move it\n"
            "with the keys in `tune RUN`, which writes the value line for you.\n\n"
            "examples:\n  threshold km method=percentile q=98\n  threshold km value=3.2\n"
            "  threshold lstm method=spot q=1e-3\n  threshold g method=best-f1",
    .min_words = 1, .max_words = 1, .opts = thr_opts, .fn = cmd_threshold, .words = COMPL_RUN,
};
const od_command cmd_ensemble_entry = {
    .name = "ensemble", .usage = "ensemble RUN RUN.. [norm=zscore|minmax|rank] [combine=mean|max|median|weighted] [weights=..] as NAME",
    .topic = "evaluate", .summary = "combine several runs' scores into a new run",
    .help = "Each member's scores are normalised (rank: average rank / n; zscore and minmax\n"
            "with the statistics of the training rows) and combined row by row; a row that\n"
            "any member cannot score stays unscored.  The ensemble is a run like any other.\n\n"
            "example:\n  ensemble km g kde1 norm=rank combine=mean as ens",
    .min_words = 2, .max_words = -1, .opts = ens_opts, .fn = cmd_ensemble, .words = COMPL_RUN,
};
