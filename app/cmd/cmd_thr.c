/* cmd_thr.c - threshold and ensemble.  The rules are the run layer's
 * threshold table (engine/run/thresh.c): dispatch, option checks and the
 * rule list in `help threshold` all come from it. */
#include "config.h"
#include "cmd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The effect of the threshold just set. */
static void print_threshold(od_session *s, const od_run *r, const od_thr_report *rep)
{
    FILE *fp = s->outfp;
    const od_threshold *th = &rep->th;
    fprintf(fp, "%s: threshold%s: flag score %s %s  [%s", r->name, r->thr.point ? " (final, streaming)" : "",
            r->thr.strict ? ">" : ">=", fmtg(th->value, 6), r->thr.desc);
    const od_thr_rule *rule = od_thr_rule_find(th->method);
    if (th->n_used) fprintf(fp, "; from %zu %s scores", th->n_used, rule && rule->oracle ? "labelled" : "training");
    if (th->n_nan) fprintf(fp, ", %zu NaN left out", th->n_nan);
    fprintf(fp, "]\n");
    if (r->thr.point)
        fprintf(fp, "  streamed over %zu points: %zu alarms; per-point thresholds kept with the run\n", th->n_points, rep->alarms);
    fprintf(fp, "  flags %zu of %zu scored rows (%s%%)", rep->flagged, rep->scored,
            fmtg(rep->scored ? 100.0 * (double)rep->flagged / (double)rep->scored : 0, 3));
    if (rep->has_effect) {
        od_metric p = od_metric_precision(&rep->cm), rc = od_metric_recall(&rep->cm), f1 = od_metric_f1(&rep->cm);
        fprintf(fp, "; on %s vs %s: precision %s recall %s F1 %s (TP %zu FP %zu FN %zu TN %zu)", od_run_part_name(rep->part),
                od_labels_desc(rep->labels),
                cmd_metric_str(&p), cmd_metric_str(&rc), cmd_metric_str(&f1), rep->cm.tp, rep->cm.fp, rep->cm.fn, rep->cm.tn);
    }
    fputc('\n', fp);
}

static int cmd_threshold(od_session *s, const cmd_line *c)
{
    od_run *r = cmd_run(s, c, 1);
    if (!r) return OD_ENOTFOUND;
    const char *m = cmd_optval(c, "method");
    if (!m && cmd_opt_entry(c, "value")) m = "value";
    if (!m) return cmd_error_at(s, 0, "threshold: expected method=%s", od_thr_rule_list("|"));
    const char **keys = od_mallocn(s->ctx, c->nopts + 1, sizeof *keys), **vals = od_mallocn(s->ctx, c->nopts + 1, sizeof *vals);
    if (!keys || !vals) { free(keys); free(vals); return cmd_fail(s, OD_ENOMEM); }
    size_t n = 0;
    for (size_t i = 0; i < c->nopts; i++)
        if (strcmp(c->opts[i].key, "method")) { keys[n] = c->opts[i].key; vals[n++] = c->opts[i].val; }
    od_thr_report rep;
    int rc = od_run_threshold(s->ctx, r, m, keys, vals, n, &rep);
    free(keys);
    free(vals);
    if (rc) return cmd_fail_opt(s, c, rc, "threshold");
    print_threshold(s, r, &rep);
    od_thr_report_clear(&rep);
    return 0;
}

/* weights=w1,w2,.. (one per member) into a new array. */
static double *parse_weights(od_session *s, const cmd_opt *wo, size_t nr, const char *what)
{
    size_t nw;
    char **ws = cmd_list_split(wo->val, &nw);
    double *w = ws && nw == nr ? od_mallocn(s->ctx, nr, sizeof *w) : NULL;
    if (ws && nw != nr) cmd_error_at(s, wo->vcol, "%s: %zu weights for %zu %s", what, nw, nr, strcmp(what, "bag") ? "runs" : "members");
    for (size_t k = 0; w && k < nr; k++) {
        char *end;
        w[k] = strtod(ws[k], &end);
        if (*end || !*ws[k] || !isfinite(w[k])) {
            cmd_error_at(s, wo->vcol, "%s: weight '%s' is not a number", what, ws[k]);
            free(w);
            w = NULL;
        }
    }
    free(ws);
    return w;
}

int cmd_ensemble_options(od_session *s, const cmd_line *c, size_t nr, od_norm *norm, od_combine *how, double **w)
{
    const char *v, *what = c->words[0].text;
    *norm = OD_NORM_RANK;
    *how = OD_COMBINE_MEAN;
    *w = NULL;
    if ((v = cmd_optval(c, "norm")) && od_norm_parse(s->ctx, v, norm)) return cmd_fail_opt(s, c, OD_EINVAL, what);
    if ((v = cmd_optval(c, "combine")) && od_combine_parse(s->ctx, v, how)) return cmd_fail_opt(s, c, OD_EINVAL, what);
    const cmd_opt *wo = cmd_opt_entry(c, "weights");
    if (*how == OD_COMBINE_WEIGHTED && !wo) return cmd_error_at(s, 0, "%s: combine=weighted needs weights=w1,w2,...", what);
    if (*how != OD_COMBINE_WEIGHTED && wo) return cmd_error_at(s, wo->col, "%s: weights= needs combine=weighted", what);
    if (wo && !(*w = parse_weights(s, wo, nr, what))) return OD_EINVAL;
    return 0;
}

static int cmd_ensemble(od_session *s, const cmd_line *c)
{
    size_t nr = 0;
    for (size_t i = 1; i < c->nwords && strcmp(c->words[i].text, "as"); i++) nr++;
    int bad;
    const char *nm = cmd_as_name(s, c, nr + 1, &bad);
    if (bad) return bad;
    if (nr < 2) return cmd_error_at(s, 0, "ensemble: name at least two runs (usage: %s)", cmd_find("ensemble")->usage);
    if (!nm) return cmd_error_at(s, 0, "ensemble: expected 'as NAME'");
    od_norm norm;
    od_combine how;
    double *w;
    if ((bad = cmd_ensemble_options(s, c, nr, &norm, &how, &w))) return bad;
    od_run **m = od_mallocn(s->ctx, nr, sizeof *m), *r = NULL;
    int rc = m ? 0 : cmd_fail(s, OD_ENOMEM);
    for (size_t k = 0; !rc && k < nr; k++)
        if (!(m[k] = cmd_run(s, c, k + 1))) rc = OD_ENOTFOUND;
    if (!rc && (rc = od_run_ensemble(s->ctx, s->ws, m, nr, norm, how, w, nm, &r))) rc = cmd_fail_opt(s, c, rc, "ensemble");
    if (!rc) cmd_run_summary(s, r);
    free(w);
    free(m);
    return rc;
}

/* "  value V   score >= V ..." lines of the rule table, for `help threshold`. */
static void cmd_threshold_help(FILE *fp)
{
    fprintf(fp, "\nrules (method=):\n");
    for (size_t i = 0; i < od_nthr_rules; i++) {
        const od_thr_rule *t = &od_thr_rules[i];
        char head[48];
        snprintf(head, sizeof head, "%s %s", t->name, t->usage);
        const char *h = t->help;
        for (int first = 1; *h; first = 0) {
            const char *e = strchr(h, '\n');
            size_t l = e ? (size_t)(e - h) : strlen(h);
            fprintf(fp, "  %-18s %.*s\n", first ? head : "", (int)l, h);
            h += l + (e != NULL);
        }
    }
}

/* The rule names for method= (validation, help and completion), built from
 * the rule table before main runs: the command entry is const. */
static char rule_words[256];

__attribute__((constructor)) static void rule_strings(void)
{
    snprintf(rule_words, sizeof rule_words, "%s", od_thr_rule_list("|"));
}

/* Option names: which rule takes which is the rule table's business. */
static const cmd_optspec thr_opts[] = {
    { "method", rule_words, COMPL_NONE, "the rule (below)" },
    { "value", NULL, COMPL_NONE, "value: the threshold" },
    { "rule", ">=|>", COMPL_NONE, "value: flag when score >= t (default) or > t" },
    { "c", NULL, COMPL_NONE, "contamination: expected share of anomalies in the training scores, (0, 0.5]" },
    { "q", NULL, COMPL_NONE, "percentile: q in 0..100; spot/dspot: risk per point (default 1e-4)" },
    { "k", NULL, COMPL_NONE, "sigma/mad: k spreads above the centre (default 3); iqr: Q3 + k IQR (default 1.5)" },
    { "level", NULL, COMPL_NONE, "spot/dspot: quantile of the initial threshold (default 0.98)" },
    { "depth", NULL, COMPL_NONE, "dspot: moving-average window of the drift (default 10)" },
    { "on", "train|val|test|all", COMPL_NONE, "best-f1: rows whose labels choose it (default: test when split)" },
    { "labels", "truth|pseudo", COMPL_NONE, "best-f1: the label column or the pseudo-labels (default: truth when there is one)" },
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
    .name = "threshold", .usage = "threshold RUN method=RULE [value=V] [c=F] [q=F] [k=F] [level=F] [depth=N] [rule=>=|>] [on=PART]",
    .topic = "evaluate", .summary = "set a run's threshold, with or without labels",
    .help = "The threshold is stored with the run and used by metrics, compare and plots.\n"
            "Rules without labels work on the training scores (all scores without a split);\n"
            "spot and dspot calibrate on them and stream over the other rows in order.\n"
            "best-f1 uses the labels of the evaluation rows (on=, default test when split):\n"
            "it is an oracle and says so.  Each rule takes only its own options.\n"
            "Moving a threshold is instant: try several values and watch F1, or move it\n"
            "with the keys in `tune RUN`, which writes the value line for you.\n\n"
            "examples:\n  threshold km method=percentile q=98\n  threshold km value=3.2\n"
            "  threshold lstm method=spot q=1e-3\n  threshold km method=sse\n  threshold g method=best-f1",
    .help_more = cmd_threshold_help,
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
