/* cmd_eval.c - run summaries and the `metrics` command. */
#include "config.h"
#include "cmd.h"
#include "eval/curve.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Which rows of a run a metric is computed on. */
typedef enum { ON_ALL = -1, ON_TRAIN = OD_PART_TRAIN, ON_VAL = OD_PART_VAL, ON_TEST = OD_PART_TEST } on_part;

const char *cmd_part_name(int p)
{
    return p == ON_TRAIN ? "train" : p == ON_VAL ? "val" : p == ON_TEST ? "test" : "all";
}

/* Default: the test part when the run's data was split, else all rows. */
static int default_part(const od_run *r)
{
    if (!r->part) return ON_ALL;
    for (size_t i = 0; i < r->n; i++)
        if (r->part[i] == OD_PART_TEST) return ON_TEST;
    return ON_ALL;
}

int cmd_parse_on(od_session *s, const cmd_line *c, const od_run *r, int *part)
{
    const cmd_opt *o = cmd_opt_entry(c, "on");
    if (!o) { *part = default_part(r); return 0; }
    if (!strcmp(o->val, "all")) *part = ON_ALL;
    else if (!strcmp(o->val, "train")) *part = ON_TRAIN;
    else if (!strcmp(o->val, "val")) *part = ON_VAL;
    else if (!strcmp(o->val, "test")) *part = ON_TEST;
    else return cmd_error_at(s, o->vcol, "on=%s: expected train, val, test or all", o->val);
    if (*part != ON_ALL && !r->part)
        return cmd_error_at(s, o->vcol, "on=%s: the data of %s was not split (split train=0.6 test=0.4 first)", o->val, r->name);
    return 0;
}

/* Scores and labels of one part of a run (copies; caller frees both). */
size_t cmd_run_part(const od_run *r, int part, double **sc, int **lab)
{
    size_t k = 0;
    *sc = malloc((r->n ? r->n : 1) * sizeof **sc);
    *lab = malloc((r->n ? r->n : 1) * sizeof **lab);
    for (size_t i = 0; i < r->n; i++) {
        if (part != ON_ALL && (!r->part || r->part[i] != part)) continue;
        (*sc)[k] = r->scores[i];
        (*lab)[k] = r->labels ? r->labels[i] : -1;
        k++;
    }
    return k;
}

const char *cmd_metric_str(const od_metric *m)
{
    return m->defined ? fmtg(m->value, 4) : "undef";
}

void cmd_run_summary(od_session *s, const od_run *r)
{
    FILE *fp = s->outfp;
    size_t nscored = 0;
    for (size_t i = 0; i < r->n; i++) nscored += !isnan(r->scores[i]);
    fprintf(fp, "%s: %s on %s, fit on %s", r->name, r->algo, r->dataset, r->fit_on ? r->fit_on : "-");
    if (s->show_times) fprintf(fp, " in %s s", fmtg(r->fit_secs, 3));
    fprintf(fp, "; scored %zu of %zu rows", nscored, r->n);
    if (s->show_times) fprintf(fp, " in %s s", fmtg(r->score_secs, 3));
    fputc('\n', fp);
    if (r->type && r->type->describe && r->state) {
        od_out *o = od_out_buffer();
        r->type->describe(r->state, o);
        const char *t = od_out_str(o);
        while (*t) {
            const char *e = strchr(t, '\n');
            size_t l = e ? (size_t)(e - t) : strlen(t);
            if (l) fprintf(fp, "  %.*s\n", (int)l, t);
            if (!e) break;
            t = e + 1;
        }
        od_out_free(o);
    }
    if (!r->labels) return;
    int part = default_part(r);
    double *sc;
    int *lab;
    size_t k = cmd_run_part(r, part, &sc, &lab);
    int err = 0;
    od_curve *cv = od_curve_new(s->ctx, sc, lab, k, &err);
    free(sc);
    free(lab);
    if (!cv) { od_ctx_clear_error(s->ctx); return; }
    od_metric auc = od_curve_roc_auc(cv), ap = od_curve_ap(cv);
    od_best_f1 bf = od_curve_best_f1(cv);
    od_curve_info info;
    od_curve_get_info(cv, &info);
    fprintf(fp, "  %s (%zu rows): ROC-AUC %s  AP(step) %s  best-F1(oracle) %s", cmd_part_name(part), info.n_used,
            cmd_metric_str(&auc), cmd_metric_str(&ap), cmd_metric_str(&bf.f1));
    if (bf.f1.defined) fprintf(fp, " at s >= %s", fmtg(bf.threshold, 6));
    if (info.n_nan) fprintf(fp, "  (%zu rows without a score left out)", info.n_nan);
    fputc('\n', fp);
    if (!auc.defined) fprintf(fp, "  ROC-AUC undefined: %s\n", auc.reason);
    od_curve_free(cv);
}

double cmd_ts_headline(od_session *s, const od_run *r, int part, int which);
int cmd_ts_metrics(od_session *s, const od_run *r, int part);

/* ---- detect column: bring your own scores ------------------------------ */

void cmd_run_attach_data(od_run *r, const od_version *v);
const char *cmd_as_name(od_session *s, const cmd_line *c, size_t first, int *bad);

int cmd_detect_column(od_session *s, const cmd_line *c)
{
    int bad;
    const char *nm = cmd_as_name(s, c, 2, &bad);
    if (bad) return bad;
    for (size_t i = 0; i < c->nopts; i++)
        if (strcmp(c->opts[i].key, "col") && strcmp(c->opts[i].key, "as"))
            return cmd_error_at(s, c->opts[i].col, "detect column: unknown option '%s' (options: col, as)", c->opts[i].key);
    const cmd_opt *o = cmd_opt_entry(c, "col");
    if (!o) return cmd_error_at(s, 0, "detect column: expected col=NAME (a numeric column holding scores)");
    od_dataset *ds;
    od_version *v = cmd_version(s, &ds);
    if (!v) return OD_ESTATE;
    long j = od_frame_find(v->frame, o->val);
    if (j < 0) return cmd_error_at(s, o->vcol, "detect column: no column named '%s'", o->val);
    if (v->frame->cols[j].type == OD_COL_TEXT)
        return cmd_error_at(s, o->vcol, "detect column: '%s' is a text column, not scores", o->val);
    if (v->frame->cols[j].role == OD_ROLE_LABEL)
        return cmd_error_at(s, o->vcol, "detect column: '%s' is the label column; scoring with the answer is not a detector", o->val);
    od_run *r = calloc(1, sizeof *r);
    r->name = strdup(nm ? nm : o->val);
    r->algo = strdup("column");
    size_t pl = strlen(o->val) + 8;
    r->params = malloc(pl);
    snprintf(r->params, pl, "col=%s", o->val);
    r->dataset = strdup(ds->name);
    r->fit_on = strdup("-");
    size_t n = v->frame->nrow;
    r->scores = malloc((n ? n : 1) * sizeof *r->scores);
    memcpy(r->scores, v->frame->cols[j].num, n * sizeof *r->scores);
    cmd_run_attach_data(r, v);
    int rc = od_ws_add_run_donate(s->ctx, s->ws, r);
    if (rc) return cmd_fail(s, rc);
    cmd_run_summary(s, r);
    return 0;
}

/* ---- the metric set of one run on one part ----------------------------- */

typedef struct {
    size_t rows, used, nan, pos, neg;
    od_metric auc, ap, prtrapz, bestf1, patn;
    double bestf1_t;
    int has_thr;
    od_confusion cm;
    od_metric prec, rec, f1, acc, spec, mcc;
} run_metrics;

static int compute_metrics(od_session *s, const od_run *r, int part, run_metrics *m, od_curve **keep)
{
    memset(m, 0, sizeof *m);
    double *sc;
    int *lab;
    size_t k = cmd_run_part(r, part, &sc, &lab);
    int err = 0;
    od_curve *cv = od_curve_new(s->ctx, sc, lab, k, &err);
    free(sc);
    free(lab);
    if (!cv) return cmd_fail(s, err);
    od_curve_info info;
    od_curve_get_info(cv, &info);
    m->rows = k;
    m->used = info.n_used;
    m->nan = info.n_nan;
    m->pos = info.n_pos;
    m->neg = info.n_neg;
    m->auc = od_curve_roc_auc(cv);
    m->ap = od_curve_ap(cv);
    m->prtrapz = od_curve_pr_auc_trapz(cv);
    od_best_f1 bf = od_curve_best_f1(cv);
    m->bestf1 = bf.f1;
    m->bestf1_t = bf.threshold;
    m->patn = od_curve_precision_at(cv, 0, NULL);
    if (r->thr.set && !r->thr.point) {
        m->has_thr = 1;
        m->cm = od_curve_confusion(cv, r->thr.value, r->thr.strict ? OD_RULE_GT : OD_RULE_GE);
    } else if (r->thr.set && r->thr.point) {
        /* per-point thresholds (SPOT): count directly */
        m->has_thr = 1;
        for (size_t i = 0; i < r->n; i++) {
            if (part != ON_ALL && (!r->part || r->part[i] != part)) continue;
            if (isnan(r->scores[i]) || !r->labels || r->labels[i] < 0) continue;
            int flag = r->thr.strict ? r->scores[i] > r->thr.point[i] : r->scores[i] >= r->thr.point[i];
            if (r->labels[i]) { if (flag) m->cm.tp++; else m->cm.fn++; }
            else { if (flag) m->cm.fp++; else m->cm.tn++; }
        }
    }
    if (m->has_thr) {
        m->prec = od_metric_precision(&m->cm);
        m->rec = od_metric_recall(&m->cm);
        m->f1 = od_metric_f1(&m->cm);
        m->acc = od_metric_accuracy(&m->cm);
        m->spec = od_metric_specificity(&m->cm);
        m->mcc = od_metric_mcc(&m->cm);
    }
    if (keep) *keep = cv;
    else od_curve_free(cv);
    return 0;
}

static void print_metric_line(od_session *s, const od_metric *m)
{
    if (m->defined) fprintf(s->outfp, "  %-18s %s\n", m->name, fmtg(m->value, 6));
    else fprintf(s->outfp, "  %-18s undefined: %s\n", m->name, m->reason);
}

static int cmd_metrics(od_session *s, const cmd_line *c)
{
    od_run *r = cmd_run(s, c, 1);
    if (!r) return OD_ENOTFOUND;
    int part;
    if (cmd_parse_on(s, c, r, &part)) return OD_EINVAL;
    if (!r->labels) return cmd_fail(s, od_error(s->ctx, OD_EDATA, "metrics: the data of %s has no label column (nothing to compare against)", r->name));
    run_metrics m;
    int rc = compute_metrics(s, r, part, &m, NULL);
    if (rc) return rc;
    FILE *fp = s->outfp;
    fprintf(fp, "%s on %s: %zu rows (%zu anomalous, %zu normal)", r->name, cmd_part_name(part), m.used, m.pos, m.neg);
    if (m.nan) fprintf(fp, "; %zu rows without a score left out", m.nan);
    if (m.rows - m.used - m.nan) fprintf(fp, "; %zu unlabelled rows left out", m.rows - m.used - m.nan);
    fputc('\n', fp);
    if (m.has_thr) {
        fprintf(fp, "threshold: %s  (flag when score %s threshold%s)\n", r->thr.desc ? r->thr.desc : "",
                r->thr.strict ? ">" : ">=", r->thr.oracle ? "; an ORACLE: chosen with the labels" : "");
        fprintf(fp, "                 predicted normal  predicted anomaly\n");
        fprintf(fp, "  normal         %16zu  %17zu\n", m.cm.tn, m.cm.fp);
        fprintf(fp, "  anomalous      %16zu  %17zu\n", m.cm.fn, m.cm.tp);
        print_metric_line(s, &m.prec);
        print_metric_line(s, &m.rec);
        print_metric_line(s, &m.f1);
        print_metric_line(s, &m.acc);
        print_metric_line(s, &m.spec);
        print_metric_line(s, &m.mcc);
    } else {
        fprintf(fp, "no threshold set (threshold %s method=percentile q=0.98, or method=best-f1 ...)\n", r->name);
    }
    fprintf(fp, "threshold-free:\n");
    print_metric_line(s, &m.auc);
    print_metric_line(s, &m.ap);
    print_metric_line(s, &m.prtrapz);
    print_metric_line(s, &m.patn);
    if (m.bestf1.defined) fprintf(fp, "  %-18s %s at score >= %s\n", "best-F1(oracle)", fmtg(m.bestf1.value, 6), fmtg(m.bestf1_t, 6));
    else print_metric_line(s, &m.bestf1);
    if (r->is_series) cmd_ts_metrics(s, r, part);
    return 0;
}

static int cmd_compare(od_session *s, const cmd_line *c)
{
    size_t nr = c->nwords > 1 ? c->nwords - 1 : s->ws->nruns;
    if (!nr) { fprintf(s->outfp, "no runs yet (try: detect kmeans k=4)\n"); return 0; }
    od_run **runs = malloc(nr * sizeof *runs);
    for (size_t k = 0; k < nr; k++) {
        runs[k] = c->nwords > 1 ? cmd_run(s, c, k + 1) : s->ws->runs[k];
        if (!runs[k]) { free(runs); return OD_ENOTFOUND; }
    }
    const char *sort = cmd_optval(c, "sort");
    if (!sort) sort = "ap";
    int sk = !strcmp(sort, "roc_auc") ? 0 : !strcmp(sort, "ap") || !strcmp(sort, "pr_auc") ? 1 : !strcmp(sort, "best_f1") ? 2 : !strcmp(sort, "f1") ? 3 : !strcmp(sort, "name") ? 4 : -1;
    if (sk < 0) { free(runs); return cmd_error_at(s, cmd_opt_entry(c, "sort")->vcol, "compare: sort=%s: expected roc_auc, ap, best_f1, f1 or name", sort); }
    run_metrics *mm = calloc(nr, sizeof *mm);
    int *parts = calloc(nr, sizeof *parts);
    for (size_t k = 0; k < nr; k++) {
        if (cmd_parse_on(s, c, runs[k], &parts[k])) { free(runs); free(mm); free(parts); return OD_EINVAL; }
        if (!runs[k]->labels) { int r = cmd_fail(s, od_error(s->ctx, OD_EDATA, "compare: %s has no labels", runs[k]->name)); free(runs); free(mm); free(parts); return r; }
        if (compute_metrics(s, runs[k], parts[k], &mm[k], NULL)) { free(runs); free(mm); free(parts); return OD_EINVAL; }
    }
    /* order: by the chosen key, descending (name ascending) */
    size_t *ord = malloc(nr * sizeof *ord);
    for (size_t k = 0; k < nr; k++) ord[k] = k;
    for (size_t a = 1; a < nr; a++)
        for (size_t b = a; b > 0; b--) {
            const run_metrics *x = &mm[ord[b - 1]], *y = &mm[ord[b]];
            double vx, vy;
            if (sk == 4) { if (strcmp(runs[ord[b - 1]]->name, runs[ord[b]]->name) <= 0) break; }
            else {
                const od_metric *mx = sk == 0 ? &x->auc : sk == 1 ? &x->ap : sk == 2 ? &x->bestf1 : &x->f1;
                const od_metric *my = sk == 0 ? &y->auc : sk == 1 ? &y->ap : sk == 2 ? &y->bestf1 : &y->f1;
                vx = mx->defined ? mx->value : -1;
                vy = my->defined ? my->value : -1;
                if (vx >= vy) break;
            }
            size_t t = ord[b]; ord[b] = ord[b - 1]; ord[b - 1] = t;
        }
    int series = 0;
    for (size_t k = 0; k < nr; k++) series |= runs[k]->is_series;
    double (*tsfn)(od_session *, const od_run *, int, int) = NULL;
    tsfn = cmd_ts_headline;
    od_table *t = series ? tbl_new(12, "run", "on", "ROC-AUC", "AP(step)", "best-F1", "F1@thr", "P@thr", "R@thr", "PA-F1", "VUS-PR", "fit s", "score s")
                         : tbl_new(10, "run", "on", "ROC-AUC", "AP(step)", "best-F1", "F1@thr", "P@thr", "R@thr", "fit s", "score s");
    tbl_align(t, 1, 0);
    for (size_t q = 0; q < nr; q++) {
        size_t k = ord[q];
        const run_metrics *m = &mm[k];
        char fs[32], ss[32], f1[32], p[32], rr[32], pa[32], vus[32];
        snprintf(fs, sizeof fs, "%s", s->show_times ? fmtg(runs[k]->fit_secs, 3) : "-");
        snprintf(ss, sizeof ss, "%s", s->show_times ? fmtg(runs[k]->score_secs, 3) : "-");
        snprintf(f1, sizeof f1, "%s", m->has_thr ? cmd_metric_str(&m->f1) : "-");
        snprintf(p, sizeof p, "%s", m->has_thr ? cmd_metric_str(&m->prec) : "-");
        snprintf(rr, sizeof rr, "%s", m->has_thr ? cmd_metric_str(&m->rec) : "-");
        if (series) {
            double a = runs[k]->is_series ? tsfn(s, runs[k], parts[k], 0) : NAN;
            double b = runs[k]->is_series ? tsfn(s, runs[k], parts[k], 1) : NAN;
            snprintf(pa, sizeof pa, "%s", isnan(a) ? "-" : fmtg(a, 4));
            snprintf(vus, sizeof vus, "%s", isnan(b) ? "-" : fmtg(b, 4));
            tbl_row(t, runs[k]->name, cmd_part_name(parts[k]), cmd_metric_str(&m->auc), cmd_metric_str(&m->ap), cmd_metric_str(&m->bestf1),
                    f1, p, rr, pa, vus, fs, ss);
        } else
            tbl_row(t, runs[k]->name, cmd_part_name(parts[k]), cmd_metric_str(&m->auc), cmd_metric_str(&m->ap), cmd_metric_str(&m->bestf1),
                    f1, p, rr, fs, ss);
    }
    tbl_print(t, s->outfp);
    tbl_free(t);
    fprintf(s->outfp, "(sorted by %s; best-F1 is an oracle that uses the labels; @thr = at each run's threshold)\n", sort);
    free(ord);
    free(runs);
    free(mm);
    free(parts);
    return 0;
}

int cmd_export_eval(od_session *s, const cmd_line *c, const char *what, const char *path)
{
    size_t nr = c->nwords > 2 ? c->nwords - 2 : s->ws->nruns;
    if (!nr) return cmd_error_at(s, 0, "export %s: no runs yet", what);
    FILE *fp = fopen(path, "w");
    if (!fp) return cmd_fail(s, od_error(s->ctx, OD_EIO, "cannot write %s: %s", path, strerror(errno)));
    fprintf(fp, "run,algo,part,rows,anomalies,scored,roc_auc,ap_step,pr_auc_trapz,best_f1,best_f1_threshold,p_at_n,"
                "threshold,rule,tp,fp,tn,fn,precision,recall,f1,accuracy,specificity,mcc,pa_f1,vus_pr,fit_s,score_s\n");
    size_t rows = 0;
    for (size_t k = 0; k < nr; k++) {
        od_run *r = c->nwords > 2 ? cmd_run(s, c, k + 2) : s->ws->runs[k];
        if (!r) { fclose(fp); return OD_ENOTFOUND; }
        if (!r->labels) continue;
        int parts[4] = { ON_ALL }, np = 1;
        const char *on = cmd_optval(c, "on");
        if (on) { if (cmd_parse_on(s, c, r, &parts[0])) { fclose(fp); return OD_EINVAL; } }
        else if (r->part) { parts[1] = ON_TRAIN; parts[2] = ON_VAL; parts[3] = ON_TEST; np = 4; }
        for (int q = 0; q < np; q++) {
            run_metrics m;
            if (parts[q] == ON_VAL) {
                int any = 0;
                for (size_t i = 0; i < r->n && !any; i++) any = r->part[i] == OD_PART_VAL;
                if (!any) continue;
            }
            if (compute_metrics(s, r, parts[q], &m, NULL)) { fclose(fp); return OD_EINVAL; }
#define MV(x) ((x).defined ? (x).value : NAN)
            fprintf(fp, "%s,%s,%s,%zu,%zu,%zu,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,", r->name, r->algo, cmd_part_name(parts[q]), m.rows, m.pos,
                    m.rows - m.nan, MV(m.auc), MV(m.ap), MV(m.prtrapz), MV(m.bestf1), m.bestf1_t, MV(m.patn));
            if (m.has_thr)
                fprintf(fp, "%.17g,%s,%zu,%zu,%zu,%zu,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,", r->thr.point ? NAN : r->thr.value,
                        r->thr.strict ? ">" : ">=", m.cm.tp, m.cm.fp, m.cm.tn, m.cm.fn, MV(m.prec), MV(m.rec), MV(m.f1), MV(m.acc),
                        MV(m.spec), MV(m.mcc));
            else
                fprintf(fp, ",,,,,,,,,,,,");
            double a = r->is_series ? cmd_ts_headline(s, r, parts[q], 0) : NAN;
            double b = r->is_series ? cmd_ts_headline(s, r, parts[q], 1) : NAN;
            fprintf(fp, "%.17g,%.17g,%.6g,%.6g\n", a, b, r->fit_secs, r->score_secs);
#undef MV
            rows++;
        }
    }
    if (fclose(fp)) return cmd_fail(s, od_error(s->ctx, OD_EIO, "cannot write %s: %s", path, strerror(errno)));
    fprintf(s->outfp, "wrote %zu rows (run x part) to %s\n", rows, path);
    return 0;
}

static const cmd_optspec metrics_opts[] = {
    { "on", "train|val|test|all", COMPL_NONE, "rows to evaluate (default: test when split, else all)" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec compare_opts[] = {
    { "on", "train|val|test|all", COMPL_NONE, "rows to evaluate (default: test when split, else all)" },
    { "sort", "ap|pr_auc|roc_auc|best_f1|f1|name", COMPL_NONE, "leaderboard order (default ap)" },
    { NULL, NULL, COMPL_NONE, NULL }
};

const od_command cmd_metrics_entry = {
    .name = "metrics", .usage = "metrics RUN [on=train|val|test|all]", .topic = "evaluate",
    .summary = "confusion matrix and every metric that applies to a run",
    .help = "At the run's threshold (see threshold): the confusion matrix (rule stated),\n"
            "precision, recall, F1, accuracy, specificity, MCC.  Threshold-free: ROC-AUC\n"
            "(ties count half, as scikit-learn), AP(step) (average precision, step sum),\n"
            "PR-AUC(trapz), P@n (n = number of anomalies) and the best F1 (an oracle).\n"
            "For series also point-adjusted, event and range-based scores and VUS.\n"
            "Rows without a score (warm-up of sequence models) are left out and counted;\n"
            "a metric that cannot be computed says why.\n\n"
            "example:\n  metrics km on=test",
    .min_words = 1, .max_words = 1, .opts = metrics_opts, .fn = cmd_metrics, .words = COMPL_RUN,
};
const od_command cmd_compare_entry = {
    .name = "compare", .usage = "compare [RUN..] [on=..] [sort=ap|roc_auc|best_f1|f1|name]", .topic = "evaluate",
    .summary = "leaderboard of runs: ROC-AUC, AP, best F1, F1/P/R at threshold, times",
    .help = "example:\n  compare\n  compare km gmm on=test sort=roc_auc",
    .min_words = 0, .max_words = -1, .opts = compare_opts, .fn = cmd_compare, .words = COMPL_RUN,
};
