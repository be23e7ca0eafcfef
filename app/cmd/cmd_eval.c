/* cmd_eval.c - run summaries and the `metrics` command. */
#include "config.h"
#include "cmd.h"
#include "eval/curve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Which rows of a run a metric is computed on. */
typedef enum { ON_ALL = -1, ON_TRAIN = OD_PART_TRAIN, ON_VAL = OD_PART_VAL, ON_TEST = OD_PART_TEST } on_part;

static const char *part_name(int p)
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
    fprintf(fp, "  %s (%zu rows): ROC-AUC %s  AP(step) %s  best-F1(oracle) %s", part_name(part), info.n_used,
            cmd_metric_str(&auc), cmd_metric_str(&ap), cmd_metric_str(&bf.f1));
    if (bf.f1.defined) fprintf(fp, " at s >= %s", fmtg(bf.threshold, 6));
    if (info.n_nan) fprintf(fp, "  (%zu rows without a score left out)", info.n_nan);
    fputc('\n', fp);
    if (!auc.defined) fprintf(fp, "  ROC-AUC undefined: %s\n", auc.reason);
    od_curve_free(cv);
}
