/* tsmetrics.c - PA, revised PA, event-F1, range-based P/R, VUS. */
#include "config.h"
#include "tsmetrics.h"
#include "evsort.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t od_ts_events(const int *x, size_t n, od_event *ev, size_t cap)
{
    size_t k = 0, i = 0;
    while (i < n) {
        if (!x[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j + 1 < n && x[j + 1]) j++;
        if (ev && k < cap) {
            ev[k].start = i;
            ev[k].end = j;
        }
        k++;
        i = j + 1;
    }
    return k;
}

/* labels in {0,1}; pred (unless NULL) in {0,1} */
static int check_01(od_ctx *ctx, const int *labels, const int *pred, size_t n)
{
    if (n > 0 && !labels) return od_error(ctx, OD_EINVAL, "time-series metrics: labels are required");
    for (size_t i = 0; i < n; i++) {
        if (labels[i] == -1)
            return od_error(ctx, OD_EDATA,
                            "label -1 (unlabelled) at row %zu: time-series metrics need every row labelled", i);
        if (labels[i] != 0 && labels[i] != 1)
            return od_error(ctx, OD_EDATA, "label %d at row %zu: labels must be 0 or 1", labels[i], i);
        if (pred && pred[i] != 0 && pred[i] != 1)
            return od_error(ctx, OD_EDATA, "prediction %d at row %zu: predictions must be 0 or 1", pred[i], i);
    }
    return OD_OK;
}

static void rename_metric(od_metric *m, const char *name)
{
    snprintf(m->name, sizeof m->name, "%s", name);
}

/* F from precision and recall with the module's undefined-state rule. */
static od_metric f_from(const char *name, const od_metric *p, const od_metric *r, double beta)
{
    if ((p->defined && p->value == 0) || (r->defined && r->value == 0)) return od_metric_make(name, 0.0);
    if (!p->defined) return od_metric_undefined(name, "precision undefined: %s", p->reason);
    if (!r->defined) return od_metric_undefined(name, "recall undefined: %s", r->reason);
    double b2 = beta * beta;
    return od_metric_make(name, (1 + b2) * p->value * r->value / (b2 * p->value + r->value));
}

static void prf_init(od_ts_prf *out)
{
    memset(out, 0, sizeof *out);
}

/* events of labels in a fresh array (NULL with *ne = 0 when there are none) */
static od_event *events_of(od_ctx *ctx, const int *x, size_t n, size_t *ne, int *err)
{
    *err = OD_OK;
    *ne = od_ts_events(x, n, NULL, 0);
    if (*ne == 0) return NULL;
    od_event *ev = od_mallocn(ctx, *ne, sizeof *ev);
    if (!ev) {
        *err = OD_ENOMEM;
        return NULL;
    }
    od_ts_events(x, n, ev, *ne);
    return ev;
}

static int any_flagged(const int *pred, size_t a, size_t b)
{
    for (size_t i = a; i <= b; i++)
        if (pred[i]) return 1;
    return 0;
}

int od_ts_point_adjust(od_ctx *ctx, const int *labels, const int *pred, size_t n, int *adjusted,
                       od_ts_prf *out)
{
    prf_init(out);
    if (n > 0 && !pred) return od_error(ctx, OD_EINVAL, "point adjustment: predictions are required");
    int rc = check_01(ctx, labels, pred, n);
    if (rc) return rc;
    od_confusion cm = {0, 0, 0, 0};
    size_t i = 0, nev = 0, hit = 0;
    while (i < n) {
        if (!labels[i]) { /* outside events: the prediction stands */
            if (pred[i]) cm.fp++;
            else cm.tn++;
            if (adjusted) adjusted[i] = pred[i];
            i++;
            continue;
        }
        size_t j = i;
        while (j + 1 < n && labels[j + 1]) j++;
        int h = any_flagged(pred, i, j); /* fill [i, j] explicitly, i = 0 included */
        nev++;
        hit += (size_t)h;
        if (h) cm.tp += j - i + 1;
        else cm.fn += j - i + 1;
        if (adjusted)
            for (size_t k = i; k <= j; k++) adjusted[k] = h ? 1 : pred[k];
        i = j + 1;
    }
    out->cm = cm;
    out->n_events = nev;
    out->events_hit = hit;
    out->n_pred_ranges = od_ts_events(pred, n, NULL, 0);
    out->precision = od_metric_precision(&cm);
    out->recall = od_metric_recall(&cm);
    out->f = od_metric_f1(&cm);
    rename_metric(&out->precision, "PA-precision");
    rename_metric(&out->recall, "PA-recall");
    rename_metric(&out->f, "PA-F1");
    return OD_OK;
}

/* events hit / missed and flagged points outside events */
static void event_counts(const int *labels, const int *pred, size_t n, size_t *nev, size_t *hit, od_confusion *pt)
{
    od_confusion c = {0, 0, 0, 0};
    size_t ne = 0, nh = 0, i = 0;
    while (i < n) {
        if (!labels[i]) {
            if (pred[i]) c.fp++;
            else c.tn++;
            i++;
            continue;
        }
        size_t j = i;
        int h = 0;
        for (; j < n && labels[j]; j++) {
            if (pred[j]) {
                h = 1;
                c.tp++;
            } else {
                c.fn++;
            }
        }
        ne++;
        nh += (size_t)h;
        i = j;
    }
    *nev = ne;
    *hit = nh;
    *pt = c;
}

int od_ts_revised_pa(od_ctx *ctx, const int *labels, const int *pred, size_t n, od_ts_prf *out)
{
    prf_init(out);
    if (n > 0 && !pred) return od_error(ctx, OD_EINVAL, "event metrics: predictions are required");
    int rc = check_01(ctx, labels, pred, n);
    if (rc) return rc;
    size_t nev, hit;
    od_confusion pt;
    event_counts(labels, pred, n, &nev, &hit, &pt);
    od_confusion cm = {hit, pt.fp, pt.tn, nev - hit};
    out->cm = cm;
    out->n_events = nev;
    out->events_hit = hit;
    out->n_pred_ranges = od_ts_events(pred, n, NULL, 0);
    out->precision = od_metric_precision(&cm);
    out->recall = od_metric_recall(&cm);
    out->f = od_metric_f1(&cm);
    if (!out->recall.defined) snprintf(out->recall.reason, sizeof out->recall.reason, "no anomalous events in the labels");
    rename_metric(&out->precision, "RPA-precision");
    rename_metric(&out->recall, "RPA-recall");
    rename_metric(&out->f, "RPA-F1");
    return OD_OK;
}

int od_ts_event_f1(od_ctx *ctx, const int *labels, const int *pred, size_t n, od_ts_prf *out)
{
    prf_init(out);
    if (n > 0 && !pred) return od_error(ctx, OD_EINVAL, "event metrics: predictions are required");
    int rc = check_01(ctx, labels, pred, n);
    if (rc) return rc;
    size_t nev, hit;
    od_confusion pt;
    event_counts(labels, pred, n, &nev, &hit, &pt);
    out->cm = pt;
    out->n_events = nev;
    out->events_hit = hit;
    out->n_pred_ranges = od_ts_events(pred, n, NULL, 0);
    out->precision = od_metric_precision(&pt);
    rename_metric(&out->precision, "point-precision");
    out->recall = nev ? od_metric_make("event-recall", (double)hit / (double)nev)
                      : od_metric_undefined("event-recall", "no anomalous events in the labels");
    out->f = f_from("event-F1", &out->precision, &out->recall, 1.0);
    return OD_OK;
}

/* ------------------------------------------------------- range-based P/R */

void od_range_opts_default(od_range_opts *o)
{
    o->alpha = 0.0;
    o->gamma = OD_GAMMA_ONE;
    o->bias_recall = OD_BIAS_FLAT;
    o->bias_precision = OD_BIAS_FLAT;
    o->beta = 1.0;
}

void od_range_opts_tsb_ad(od_range_opts *o)
{
    od_range_opts_default(o);
    o->alpha = 0.2;
    o->gamma = OD_GAMMA_RECIPROCAL;
}

static const char *const bias_names[] = {"flat", "front", "back", "middle"};
static const char *const card_names[] = {"one", "reciprocal"};

const char *od_bias_name(od_bias b)
{
    return (unsigned)b < 4 ? bias_names[b] : "?";
}

const char *od_cardinality_name(od_cardinality g)
{
    return (unsigned)g < 2 ? card_names[g] : "?";
}

int od_bias_parse(od_ctx *ctx, const char *s, od_bias *b)
{
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, bias_names[i])) {
            *b = (od_bias)i;
            return OD_OK;
        }
    return od_error(ctx, OD_EINVAL, "bias=%s: expected flat, front, back or middle", s ? s : "(null)");
}

int od_cardinality_parse(od_ctx *ctx, const char *s, od_cardinality *g)
{
    for (int i = 0; i < 2; i++)
        if (s && !strcmp(s, card_names[i])) {
            *g = (od_cardinality)i;
            return OD_OK;
        }
    return od_error(ctx, OD_EINVAL, "gamma=%s: expected one or reciprocal", s ? s : "(null)");
}

/* sum of delta(k, L) over k in [k1, k2] (1-based, k1 <= k2 <= L) */
static double delta_sum(od_bias b, size_t L, size_t k1, size_t k2)
{
    double cnt = (double)(k2 - k1 + 1);
    switch (b) {
    case OD_BIAS_FLAT:
        return cnt;
    case OD_BIAS_BACK: /* delta = k */
        return ((double)k1 + (double)k2) * cnt / 2;
    case OD_BIAS_FRONT: /* delta = L - k + 1 */
        return (double)(L + 1) * cnt - ((double)k1 + (double)k2) * cnt / 2;
    case OD_BIAS_MIDDLE: { /* k for k <= L/2, L - k + 1 after */
        size_t m = L / 2;
        double s = 0;
        if (k1 <= m) s += delta_sum(OD_BIAS_BACK, L, k1, k2 < m ? k2 : m);
        if (k2 > m) s += delta_sum(OD_BIAS_FRONT, L, k1 > m + 1 ? k1 : m + 1, k2);
        return s;
    }
    }
    return cnt;
}

/* Tatbul recall of ranges R against ranges Q (precision: call with roles swapped). */
static double range_side(const od_event *R, size_t nr, const od_event *Q, size_t nq, double alpha,
                         od_cardinality gamma, od_bias bias, size_t *hit)
{
    double total = 0;
    size_t j0 = 0, h = 0;
    for (size_t i = 0; i < nr; i++) {
        const od_event *A = &R[i];
        while (j0 < nq && Q[j0].end < A->start) j0++;
        size_t len = A->end - A->start + 1, c = 0;
        double den = delta_sum(bias, len, 1, len), s = 0;
        for (size_t j = j0; j < nq && Q[j].start <= A->end; j++) {
            size_t lo = Q[j].start > A->start ? Q[j].start : A->start;
            size_t hi = Q[j].end < A->end ? Q[j].end : A->end;
            s += delta_sum(bias, len, lo - A->start + 1, hi - A->start + 1) / den;
            c++;
        }
        double g = (gamma == OD_GAMMA_RECIPROCAL && c > 1) ? 1.0 / (double)c : 1.0;
        total += alpha * (c > 0 ? 1.0 : 0.0) + (1 - alpha) * g * s;
        h += c > 0;
    }
    if (hit) *hit = h;
    return total / (double)nr;
}

int od_ts_range_prf(od_ctx *ctx, const int *labels, const int *pred, size_t n, const od_range_opts *o,
                    od_ts_prf *out)
{
    prf_init(out);
    od_range_opts def;
    if (!o) {
        od_range_opts_default(&def);
        o = &def;
    }
    if (!(o->alpha >= 0 && o->alpha <= 1))
        return od_error(ctx, OD_EINVAL, "alpha=%g: must be in [0, 1]", o->alpha);
    if (!(o->beta > 0) || !isfinite(o->beta)) return od_error(ctx, OD_EINVAL, "beta=%g: must be > 0", o->beta);
    if ((unsigned)o->gamma > 1) return od_error(ctx, OD_EINVAL, "gamma: expected one or reciprocal");
    if ((unsigned)o->bias_recall > 3 || (unsigned)o->bias_precision > 3)
        return od_error(ctx, OD_EINVAL, "bias: expected flat, front, back or middle");
    if (n > 0 && !pred) return od_error(ctx, OD_EINVAL, "range metrics: predictions are required");
    int rc = check_01(ctx, labels, pred, n);
    if (rc) return rc;

    char bias[16], pn[160], rn[160], fn[160]; /* od_metric_make truncates to the name size */
    if (o->bias_recall == o->bias_precision) snprintf(bias, sizeof bias, "%s", od_bias_name(o->bias_recall));
    else snprintf(bias, sizeof bias, "%s/%s", od_bias_name(o->bias_recall), od_bias_name(o->bias_precision));
    const char *gname = od_cardinality_name(o->gamma);
    snprintf(pn, sizeof pn, "range-P(gamma=%s,bias=%s)", gname, od_bias_name(o->bias_precision));
    snprintf(rn, sizeof rn, "range-R(a=%g,gamma=%s,bias=%s)", o->alpha, gname, od_bias_name(o->bias_recall));
    if (o->beta == 1) snprintf(fn, sizeof fn, "range-F1(a=%g,gamma=%s,bias=%s)", o->alpha, gname, bias);
    else snprintf(fn, sizeof fn, "range-F(beta=%g,a=%g,gamma=%s,bias=%s)", o->beta, o->alpha, gname, bias);

    size_t nr, np;
    od_event *R = events_of(ctx, labels, n, &nr, &rc);
    if (rc) return rc;
    od_event *Q = events_of(ctx, pred, n, &np, &rc);
    if (rc) {
        free(R);
        return rc;
    }
    size_t hit = 0;
    out->n_events = nr;
    out->n_pred_ranges = np;
    if (nr)
        out->recall = od_metric_make(rn, range_side(R, nr, Q, np, o->alpha, o->gamma, o->bias_recall, &hit));
    else
        out->recall = od_metric_undefined(rn, "no anomalous events in the labels");
    if (np)
        out->precision = od_metric_make(pn, range_side(Q, np, R, nr, 0.0, o->gamma, o->bias_precision, NULL));
    else
        out->precision = od_metric_undefined(pn, "nothing flagged (no predicted ranges)");
    out->events_hit = hit;
    out->f = f_from(fn, &out->precision, &out->recall, o->beta);
    free(R);
    free(Q);
    return OD_OK;
}

/* ------------------------------------------------------------------ VUS */

/* numpy.linspace(0, n-1, K).astype(int) at position k */
static size_t linspace_index(size_t n, size_t K, size_t k)
{
    if (K == 1) return 0;
    if (k == K - 1) return n - 1;
    double delta = (double)(n - 1), div = (double)(K - 1);
    double step = delta / div;
    double y = step == 0 ? (double)k / div * delta : (double)k * step;
    return (size_t)y;
}

int od_ts_vus(od_ctx *ctx, const double *scores, const int *labels, size_t n, size_t L, size_t K, od_vus *out)
{
    char rocn[80], prn[80];
    if (K == 250) {
        snprintf(rocn, sizeof rocn, "VUS-ROC(L=%zu)", L);
        snprintf(prn, sizeof prn, "VUS-PR(L=%zu)", L);
    } else {
        snprintf(rocn, sizeof rocn, "VUS-ROC(L=%zu,K=%zu)", L, K);
        snprintf(prn, sizeof prn, "VUS-PR(L=%zu,K=%zu)", L, K);
    }
    out->L = L;
    out->K = K;
    out->vus_roc = od_metric_undefined(rocn, "not computed");
    out->vus_pr = od_metric_undefined(prn, "not computed");
    if (K < 1) return od_error(ctx, OD_EINVAL, "K=%zu: VUS needs at least one threshold", K);
    if (K > ((size_t)1 << 24)) return od_error(ctx, OD_EINVAL, "K=%zu: too many thresholds (at most 16777216)", K);
    if (n == 0) {
        out->vus_roc = od_metric_undefined(rocn, "no rows");
        out->vus_pr = od_metric_undefined(prn, "no rows");
        return OD_OK;
    }
    if (!scores) return od_error(ctx, OD_EINVAL, "VUS: scores are required");
    int rc = check_01(ctx, labels, NULL, n);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++)
        if (isnan(scores[i]))
            return od_error(ctx, OD_EDATA, "VUS needs a score for every row: row %zu is NaN (fill or trim them first)", i);

    size_t E;
    od_event *ev = events_of(ctx, labels, n, &E, &rc);
    if (rc) return rc;
    size_t P = 0;
    for (size_t i = 0; i < n; i++) P += (size_t)labels[i];
    if (E == 0 || P == n) {
        const char *why = E == 0 ? "no anomalous events in the labels" : "no normal rows in the labels";
        out->vus_roc = od_metric_undefined(rocn, "%s", why);
        out->vus_pr = od_metric_undefined(prn, "%s", why);
        free(ev);
        return OD_OK;
    }

    /* thresholds: scores sorted descending at the linspace positions */
    double *thr = od_mallocn(ctx, K, sizeof *thr);
    uint64_t *keys = od_eval_big_alloc(ctx, n, sizeof *keys);
    uint32_t *kx = od_eval_big_alloc(ctx, n, sizeof *kx);
    size_t *npred = od_calloc(ctx, K, sizeof *npred), *A = od_calloc(ctx, K, sizeof *A);
    size_t *Eh = od_calloc(ctx, K, sizeof *Eh);
    double *Bh = od_calloc(ctx, K, sizeof *Bh);
    double *wbuf = od_calloc(ctx, n, sizeof *wbuf);
    size_t *touched = od_mallocn(ctx, n, sizeof *touched);
    uint32_t *evmin = od_mallocn(ctx, E, sizeof *evmin), *lmin = od_mallocn(ctx, E, sizeof *lmin),
             *rmin = od_mallocn(ctx, E, sizeof *rmin);
    if (!thr || !keys || !kx || !npred || !A || !Eh || !Bh || !wbuf || !touched || !evmin || !lmin || !rmin) {
        rc = OD_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) keys[i] = od_eval_key_desc(scores[i]);
    od_eval_radix_sort_inplace(keys, n, od_ctx_threads(ctx));
    for (size_t k = 0; k < K; k++) thr[k] = od_eval_key_desc_value(keys[linspace_index(n, K, k)]);
    free(keys);
    keys = NULL;

    /* first threshold index at which each row is flagged (thr non-increasing) */
    const uint32_t NEVER = (uint32_t)K;
    for (size_t i = 0; i < n; i++) {
        double s = scores[i];
        size_t lo = 0, hi = K;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s >= thr[mid]) hi = mid;
            else lo = mid + 1;
        }
        kx[i] = (uint32_t)lo;
        if (lo < K) {
            npred[lo]++;
            if (labels[i]) A[lo]++;
        }
    }
    for (size_t k = 1; k < K; k++) {
        npred[k] += npred[k - 1];
        A[k] += A[k - 1];
    }
    for (size_t e = 0; e < E; e++) {
        uint32_t m = NEVER;
        for (size_t x = ev[e].start; x <= ev[e].end; x++)
            if (kx[x] < m) m = kx[x];
        evmin[e] = m;
        lmin[e] = rmin[e] = NEVER;
    }

    double roc_sum = 0, pr_sum = 0, dn = (double)n, dP = (double)P;
    size_t hcur = 0;
    for (size_t ell = 0; ell <= L; ell++) {
        size_t h = ell / 2;
        while (hcur < h) { /* grow the ramps' first-hit minima by one point */
            hcur++;
            for (size_t e = 0; e < E; e++) {
                if (ev[e].start >= hcur && kx[ev[e].start - hcur] < lmin[e]) lmin[e] = kx[ev[e].start - hcur];
                if (ev[e].end + hcur < n && kx[ev[e].end + hcur] < rmin[e]) rmin[e] = kx[ev[e].end + hcur];
            }
        }
        /* buffer weights: right ramp then left ramp per event (TSB-AD's order),
         * summed where ramps meet, clipped to 1; event points stay 1 */
        memset(Bh, 0, K * sizeof *Bh);
        size_t nt = 0;
        if (h > 0) {
            double dl = (double)ell;
            for (size_t e = 0; e < E; e++) {
                size_t a = ev[e].start, b = ev[e].end;
                size_t hiR = b + h < n - 1 ? b + h : n - 1;
                for (size_t x = b + 1; x <= hiR; x++) {
                    if (labels[x]) continue;
                    if (wbuf[x] == 0) touched[nt++] = x;
                    wbuf[x] += sqrt(1.0 - (double)(x - b) / dl);
                }
                size_t loL = a >= h ? a - h : 0;
                for (size_t x = loL; x < a; x++) {
                    if (labels[x]) continue;
                    if (wbuf[x] == 0) touched[nt++] = x;
                    wbuf[x] += sqrt(1.0 - (double)(a - x) / dl);
                }
            }
            for (size_t t = 0; t < nt; t++) {
                size_t x = touched[t];
                double w = wbuf[x] < 1.0 ? wbuf[x] : 1.0;
                if (kx[x] < NEVER) Bh[kx[x]] += w;
                wbuf[x] = 0;
            }
        }
        /* extended events merged unless end_i + h < start_{i+1} - h */
        memset(Eh, 0, K * sizeof *Eh);
        size_t nseg = 0;
        uint32_t segmin = NEVER;
        for (size_t e = 0; e < E; e++) {
            uint32_t m = evmin[e];
            if (lmin[e] < m) m = lmin[e];
            if (rmin[e] < m) m = rmin[e];
            if (m < segmin) segmin = m;
            int last = e + 1 == E || ev[e].end + 2 * h < ev[e + 1].start;
            if (last) {
                if (segmin < NEVER) Eh[segmin]++;
                nseg++;
                segmin = NEVER;
            }
        }
        double cumB = 0, prev_tpr = 0, prev_fpr = 0, auc = 0, ap = 0;
        size_t cumE = 0;
        for (size_t k = 0; k < K; k++) {
            cumB += Bh[k];
            cumE += Eh[k];
            double tp = (double)A[k] + cumB;
            double pnew = (dP + (dP + cumB)) / 2;
            double recall = tp / pnew < 1 ? tp / pnew : 1;
            double tpr = recall * ((double)cumE / (double)nseg);
            double fpr = ((double)npred[k] - tp) / (dn - pnew);
            double prec = tp / (double)npred[k];
            auc += (fpr - prev_fpr) * (tpr + prev_tpr) / 2;
            ap += (tpr - prev_tpr) * prec;
            prev_tpr = tpr;
            prev_fpr = fpr;
        }
        auc += (1 - prev_fpr) * (1 + prev_tpr) / 2;
        roc_sum += auc;
        pr_sum += ap;
    }
    out->vus_roc = od_metric_make(rocn, roc_sum / (double)(L + 1));
    out->vus_pr = od_metric_make(prn, pr_sum / (double)(L + 1));
done:
    free(ev);
    free(thr);
    free(keys);
    free(kx);
    free(npred);
    free(A);
    free(Eh);
    free(Bh);
    free(wbuf);
    free(touched);
    free(evmin);
    free(lmin);
    free(rmin);
    return rc;
}
