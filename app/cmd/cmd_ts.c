/* cmd_ts.c - time-series metrics of a run: point-adjusted, revised
 * point-adjusted, event and range-based scores at the run's threshold, and
 * VUS-ROC / VUS-PR (threshold-free).  Computed on the rows of one part that
 * have a score, in time order (warm-up NaNs are left out and counted). */
#include "config.h"
#include "cmd.h"
#include "eval/tsmetrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { VUS_L = 100 };

const char *cmd_metric_str(const od_metric *m);

/* Rows of `part` with a score and a label, in order. */
static size_t ts_rows(const od_run *r, int part, double **sc, int **lab, double **thr)
{
    size_t k = 0;
    *sc = malloc((r->n ? r->n : 1) * sizeof **sc);
    *lab = malloc((r->n ? r->n : 1) * sizeof **lab);
    *thr = malloc((r->n ? r->n : 1) * sizeof **thr);
    for (size_t i = 0; i < r->n; i++) {
        if (part >= 0 && (!r->part || r->part[i] != part)) continue;
        if (isnan(r->scores[i]) || !r->labels || r->labels[i] < 0) continue;
        (*sc)[k] = r->scores[i];
        (*lab)[k] = r->labels[i];
        (*thr)[k] = r->thr.point ? r->thr.point[i] : r->thr.value;
        k++;
    }
    return k;
}

static void predict(const od_run *r, const double *sc, const double *thr, size_t n, int *pred)
{
    for (size_t i = 0; i < n; i++) pred[i] = r->thr.strict ? sc[i] > thr[i] : sc[i] >= thr[i];
}

static void line(od_session *s, const od_metric *m)
{
    if (m->defined) fprintf(s->outfp, "  %-34s %s\n", m->name, fmtg(m->value, 6));
    else fprintf(s->outfp, "  %-34s undefined: %s\n", m->name, m->reason);
}

int cmd_ts_metrics(od_session *s, const od_run *r, int part)
{
    double *sc, *thr;
    int *lab;
    size_t n = ts_rows(r, part, &sc, &lab, &thr);
    int rc = 0;
    fprintf(s->outfp, "time series (%zu scored rows in time order):\n", n);
    if (r->thr.set) {
        int *pred = malloc((n ? n : 1) * sizeof *pred);
        predict(r, sc, thr, n, pred);
        od_ts_prf pa, rpa, ev, rg;
        od_range_opts ro;
        od_range_opts_default(&ro);
        if ((rc = od_ts_point_adjust(s->ctx, lab, pred, n, NULL, &pa)) ||
            (rc = od_ts_revised_pa(s->ctx, lab, pred, n, &rpa)) ||
            (rc = od_ts_event_f1(s->ctx, lab, pred, n, &ev)) ||
            (rc = od_ts_range_prf(s->ctx, lab, pred, n, &ro, &rg))) {
            free(pred);
            goto out;
        }
        fprintf(s->outfp, "  events: %zu labelled, %zu detected; %zu flagged ranges\n", pa.n_events, pa.events_hit, rg.n_pred_ranges);
        line(s, &pa.precision);
        line(s, &pa.recall);
        line(s, &pa.f);
        line(s, &rpa.f);
        line(s, &ev.f);
        line(s, &rg.precision);
        line(s, &rg.recall);
        line(s, &rg.f);
        free(pred);
    }
    od_vus v;
    if ((rc = od_ts_vus(s->ctx, sc, lab, n, VUS_L, 250, &v))) goto out;
    line(s, &v.vus_roc);
    line(s, &v.vus_pr);
out:
    free(sc);
    free(lab);
    free(thr);
    if (rc) {
        fprintf(s->outfp, "  (time-series metrics unavailable: %s)\n", od_ctx_errmsg(s->ctx));
        od_ctx_clear_error(s->ctx);
    }
    return 0;
}

/* which = 0: PA-F1 at the run's threshold (NaN without one); 1: VUS-PR. */
double cmd_ts_headline(od_session *s, const od_run *r, int part, int which)
{
    double *sc, *thr;
    int *lab;
    size_t n = ts_rows(r, part, &sc, &lab, &thr);
    double out = NAN;
    if (which == 0 && r->thr.set) {
        int *pred = malloc((n ? n : 1) * sizeof *pred);
        predict(r, sc, thr, n, pred);
        od_ts_prf pa;
        if (!od_ts_point_adjust(s->ctx, lab, pred, n, NULL, &pa) && pa.f.defined) out = pa.f.value;
        free(pred);
    } else if (which == 1) {
        od_vus v;
        if (!od_ts_vus(s->ctx, sc, lab, n, VUS_L, 250, &v) && v.vus_pr.defined) out = v.vus_pr.value;
    }
    od_ctx_clear_error(s->ctx);
    free(sc);
    free(lab);
    free(thr);
    return out;
}
