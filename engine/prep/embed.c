/* embed.c - learned embeddings (issue 21): the bottleneck of an autoencoder,
 * trained on the fit rows with the float32 network engine (engine/nn), as
 * the new columns e1..ek of a dataset version.  See prep.h. */
#include "config.h"
#include "prep.h"
#include "util.h"
#include "../nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Training samples from which every epoch's loss is shown as a line while
 * training (below, in the report only). */
#define OD_EMBED_EPOCH_LINES 2000

const char *od_embed_kind_name(od_embed_kind k)
{
    return k == OD_EMBED_LSTM ? "lstm" : "ae";
}

/* The layers, encoder first.  ae: dense(hidden, act) -> dense(dim) [the
 * bottleneck, linear] -> dense(hidden, act) -> dense(d).  lstm: lstm(hidden,
 * last state) -> dense(dim) [bottleneck] -> repeat(W) -> lstm(hidden, all
 * steps) -> dense(c) per step.  encoder_only stops after the bottleneck: its
 * parameters are then a prefix of the whole network's (the engine lays the
 * parameters out layer by layer). */
static int build(od_ctx *ctx, od_nn *net, const od_embed_opts *o, size_t c, int encoder_only)
{
    int rc;
    if (o->kind == OD_EMBED_AE) {
        if ((rc = od_nn_add_dense(ctx, net, o->hidden, o->act, 0)) || (rc = od_nn_add_dense(ctx, net, o->dim, OD_NN_ACT_NONE, 0)))
            return rc;
        if (encoder_only) return OD_OK;
        if ((rc = od_nn_add_dense(ctx, net, o->hidden, o->act, 0))) return rc;
        return od_nn_add_dense(ctx, net, c, OD_NN_ACT_NONE, 0);
    }
    if ((rc = od_nn_add_lstm(ctx, net, o->hidden, 0)) || (rc = od_nn_add_dense(ctx, net, o->dim, OD_NN_ACT_NONE, 0)))
        return rc;
    if (encoder_only) return OD_OK;
    if ((rc = od_nn_add_repeat(ctx, net, o->window)) || (rc = od_nn_add_lstm(ctx, net, o->hidden, 1))) return rc;
    return od_nn_add_dense(ctx, net, c, OD_NN_ACT_NONE, 0);
}

/* The output frame: `base` with the selected columns replaced by e1..ek (at
 * the position of the first selected one); y[c] are donated. */
static int build_frame(od_ctx *ctx, const od_frame *base, const size_t *idx, size_t d, double **y, size_t k,
                       od_frame **out)
{
    int rc = OD_OK;
    unsigned char *sel = od_calloc(ctx, base->ncol ? base->ncol : 1, 1);
    od_frame *g = od_frame_new(ctx, base->nrow);
    if (!sel || !g) rc = OD_ENOMEM;
    for (size_t q = 0; q < d && !rc; q++) sel[idx[q]] = 1;
    size_t first = idx[0];
    for (size_t q = 1; q < d; q++)
        if (idx[q] < first) first = idx[q];
    for (size_t j = 0; j < base->ncol && !rc; j++) {
        if (j == first)
            for (size_t c = 0; c < k && !rc; c++) {
                char nm[32];
                snprintf(nm, sizeof nm, "e%zu", c + 1);
                double *col = y[c];
                y[c] = NULL;
                rc = od_frame_add_num_donate(ctx, g, nm, col, OD_COL_NUM, OD_ROLE_FEATURE);
            }
        if (!sel[j] && !rc) rc = od_prep_copy_col(ctx, g, &base->cols[j], base->nrow);
    }
    free(sel);
    if (rc) {
        od_frame_free(g);
        return rc;
    }
    *out = g;
    return OD_OK;
}

static int check_opts(od_ctx *ctx, const od_embed_opts *o, size_t n, size_t d)
{
    if (o->dim < 1) return od_error(ctx, OD_EINVAL, "embed: dim=%zu: must be at least 1", o->dim);
    if (o->hidden < 1) return od_error(ctx, OD_EINVAL, "embed: hidden=%zu: must be at least 1", o->hidden);
    if (o->epochs < 1) return od_error(ctx, OD_EINVAL, "embed: epochs=%zu: must be at least 1", o->epochs);
    if (o->batch < 1) return od_error(ctx, OD_EINVAL, "embed: batch=%zu: must be at least 1", o->batch);
    if (!(o->lr > 0 && o->lr <= 10)) return od_error(ctx, OD_EINVAL, "embed: lr=%g: must be in (0, 10]", o->lr);
    if (o->kind == OD_EMBED_AE && o->dim >= d)
        od_warn(ctx, "embed: dim=%zu is not smaller than the %zu input column%s: the autoencoder can copy its input",
                o->dim, d, d == 1 ? "" : "s");
    if (o->kind == OD_EMBED_LSTM) {
        if (o->window < 2) return od_error(ctx, OD_EINVAL, "embed: window=%zu: must be at least 2", o->window);
        if (o->window > n)
            return od_error(ctx, OD_EINVAL, "embed: window=%zu is longer than the %zu rows", o->window, n);
    }
    return OD_OK;
}

/* Trains `net` on the samples, one epoch per step, with the loss of every
 * epoch in loss[] and through progress; Ctrl-C keeps the best weights. */
static int train(od_ctx *ctx, od_nn *net, const od_embed_opts *o, const od_nn_data *dat, double *loss,
                 size_t *epochs, int *interrupted)
{
    od_nn_train_opts t;
    memset(&t, 0, sizeof t);
    t.opt = od_nn_optim_defaults(OD_NN_OPT_ADAM);
    t.opt.lr = o->lr;
    t.epochs = o->epochs;
    t.batch = o->batch;
    t.loss = OD_NN_LOSS_MSE;
    t.sched = OD_NN_SCHED_NONE;
    t.clip = 5;
    int rc = od_nn_prepare(ctx, net, o->batch < dat->n ? o->batch : dat->n);
    if (rc) return rc;
    od_nn_init_weights(ctx, net);
    od_nn_train *tr = od_nn_train_init(ctx, net, &t, dat, NULL);
    if (!tr) return OD_ENOMEM;
    *epochs = 0;
    *interrupted = 0;
    for (;;) {
        rc = od_nn_train_step(ctx, tr);
        if (rc == OD_ECANCEL) {
            od_nn_train_restore_best(tr);
            *interrupted = 1;
            od_warn(ctx, "embed: training interrupted in epoch %zu; keeping the best weights so far",
                    od_nn_train_epoch(tr) + 1);
            rc = OD_OK;
            break;
        }
        if (rc < 0) break;
        size_t e = od_nn_train_epoch(tr);
        loss[e - 1] = od_nn_train_loss(tr);
        *epochs = e;
        char line[128];
        snprintf(line, sizeof line, "epoch %zu/%zu  reconstruction loss %.4g", e, o->epochs, loss[e - 1]);
        /* "train": the front ends print one line per epoch (as for the networks'
         * fits) when an epoch is long enough to watch; "embed": a percentage */
        od_progress(ctx, dat->n >= OD_EMBED_EPOCH_LINES ? "train" : "embed", (double)e / (double)o->epochs, line);
        if (rc == OD_OK) break;
    }
    if (!rc && od_nn_train_diverged(tr))
        od_warn(ctx, "embed: the loss became NaN/inf; keeping the weights of epoch %zu (try a lower lr=)",
                od_nn_train_best_epoch(tr));
    od_nn_train_free(tr);
    return rc;
}

/* The encoder's output for every sample (nsamp x dim, double, column-major
 * into y[c]). */
static int encode(od_ctx *ctx, od_nn *net, const od_embed_opts *o, size_t c, const float *x, size_t xstride,
                  size_t nsamp, double **y)
{
    od_nn *enc = od_nn_new(ctx, o->kind == OD_EMBED_LSTM ? o->window : 1, c);
    if (!enc) return OD_ENOMEM;
    size_t B = 256, in = od_nn_in_size(enc);
    float *xb = NULL;
    int rc = build(ctx, enc, o, c, 1);
    if (!rc) rc = od_nn_prepare(ctx, enc, B);
    if (!rc && !(xb = od_mallocn(ctx, B, in * sizeof *xb))) rc = OD_ENOMEM;
    if (!rc) memcpy(od_nn_params(enc), od_nn_params(net), od_nn_nparams(enc) * sizeof(float));
    for (size_t i0 = 0; !rc && i0 < nsamp; i0 += B) {
        size_t nb = nsamp - i0 < B ? nsamp - i0 : B;
        for (size_t b = 0; b < nb; b++) memcpy(xb + b * in, x + (i0 + b) * xstride, in * sizeof *xb);
        const float *z = od_nn_forward(enc, xb, nb, 0);
        for (size_t b = 0; b < nb; b++)
            for (size_t k = 0; k < o->dim; k++) y[k][i0 + b] = (double)z[b * o->dim + k];
    }
    free(xb);
    od_nn_free(enc);
    return rc;
}

int od_prep_embed(od_ctx *ctx, const od_frame *in, const od_embed_opts *opt, const unsigned char *fit_mask,
                  od_frame **out, size_t **kept, size_t *nkept, size_t *trained, od_out *report)
{
    int rc;
    size_t *idx = NULL, d = 0, nfit = 0, n = in->nrow, *ends = NULL, nout = n, nsamp = 0, epochs = 0;
    float *z = NULL, *tr = NULL;
    double *mean = NULL, *sd = NULL, *loss = NULL, **y = NULL;
    od_nn *net = NULL;
    od_frame *base = NULL;
    int interrupted = 0;
    *out = NULL;
    if (kept) *kept = NULL;
    if (nkept) *nkept = 0;
    if (trained) *trained = 0;
#ifdef _OPENMP
    /* one thread: the network engine sums per-thread gradients in an order
     * that depends on the thread count, and an embedding must be the same
     * whatever threads= says */
    int saved_threads = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    if ((rc = od_prep_columns(ctx, in, opt->cols, opt->ncols, &idx, &d))) goto done;
    if ((rc = check_opts(ctx, opt, n, d))) goto done;
    if ((rc = od_prep_fit_count(ctx, in, fit_mask, &nfit))) goto done;
    for (size_t j = 0; j < d; j++) {
        size_t bad = od_prep_count_nan(in->cols[idx[j]].num, n);
        if (bad) {
            rc = od_error(ctx, OD_EDATA, "embed: column '%s' has %zu missing values: clean first", in->cols[idx[j]].name, bad);
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            if (!od_value_ok(in->cols[idx[j]].num[i])) {
                rc = od_error(ctx, OD_EDATA, "embed: column '%s' row %zu holds %g: rescale it first", in->cols[idx[j]].name,
                              i + 1, in->cols[idx[j]].num[i]);
                goto done;
            }
    }
    for (size_t j = 0; j < in->ncol; j++) {
        size_t c;
        char tail;
        int s = 0;
        for (size_t q = 0; q < d; q++) s |= idx[q] == j;
        if (!s && sscanf(in->cols[j].name, "e%zu%c", &c, &tail) == 1 && c >= 1 && c <= opt->dim) {
            rc = od_error(ctx, OD_EINVAL, "embed: the dataset already has a column '%s' that is kept; rename or drop it",
                          in->cols[j].name);
            goto done;
        }
    }
    rc = OD_ENOMEM;
    if (!(mean = od_calloc(ctx, d, sizeof *mean)) || !(sd = od_calloc(ctx, d, sizeof *sd)) ||
        !(loss = od_calloc(ctx, opt->epochs, sizeof *loss)) || !(z = od_mallocn(ctx, n ? n : 1, d * sizeof *z)))
        goto done;
    /* z-scores with the fit rows' mean and population sd (constant: sd 1) */
    for (size_t j = 0; j < d; j++) {
        const double *x = in->cols[idx[j]].num;
        double s = 0, q = 0;
        for (size_t i = 0; i < n; i++)
            if (!fit_mask || fit_mask[i]) s += x[i];
        double mu = s / (double)nfit;
        for (size_t i = 0; i < n; i++)
            if (!fit_mask || fit_mask[i]) q += (x[i] - mu) * (x[i] - mu);
        double v = sqrt(q / (double)nfit);
        mean[j] = mu;
        sd[j] = v > 1e-12 * (fabs(mu) > 1 ? fabs(mu) : 1) ? v : 1.0;
        for (size_t i = 0; i < n; i++) z[i * d + j] = (float)((x[i] - mu) / sd[j]);
    }
    size_t T = opt->kind == OD_EMBED_LSTM ? opt->window : 1, ntr = 0;
    nsamp = n - T + 1;
    /* training samples: the fit rows (ae), the windows wholly inside the fit
     * rows (lstm) */
    if (!(tr = od_mallocn(ctx, nsamp ? nsamp : 1, T * d * sizeof *tr))) goto done;
    for (size_t s = 0; s < nsamp; s++) {
        int use = 1;
        for (size_t t = 0; fit_mask && t < T && use; t++) use = fit_mask[s + t] != 0;
        if (use) memcpy(tr + (ntr++) * T * d, z + s * d, T * d * sizeof *tr);
    }
    if (ntr == 0) {
        rc = od_error(ctx, OD_EDATA, "embed: no window of %zu points lies wholly in the training part", T);
        goto done;
    }
    if (!(net = od_nn_new(ctx, T, d))) goto done;
    if ((rc = build(ctx, net, opt, d, 0))) goto done;
    od_nn_data dat = { tr, T * d, tr, T * d, ntr };
    if ((rc = train(ctx, net, opt, &dat, loss, &epochs, &interrupted))) goto done;
    if (trained) *trained = epochs;
    if (interrupted && epochs == 0) {
        rc = od_error(ctx, OD_ECANCEL, "embed: interrupted in epoch 1: nothing was trained");
        goto done;
    }
    rc = OD_ENOMEM;
    if (!(y = od_calloc(ctx, opt->dim, sizeof *y))) goto done;
    for (size_t k = 0; k < opt->dim; k++)
        if (!(y[k] = od_mallocn(ctx, nsamp ? nsamp : 1, sizeof **y))) goto done;
    if ((rc = encode(ctx, net, opt, d, z, d, nsamp, y))) goto done;
    if (opt->kind == OD_EMBED_LSTM) {
        rc = OD_ENOMEM;
        if (!(ends = od_mallocn(ctx, nsamp, sizeof *ends))) goto done;
        for (size_t s = 0; s < nsamp; s++) ends[s] = s + T - 1;
        if (!(base = od_frame_take_rows(ctx, in, ends, nsamp))) goto done;
        nout = nsamp;
    }
    if ((rc = build_frame(ctx, base ? base : in, idx, d, y, opt->dim, out))) goto done;
    if (report) {
        od_printf(report, "embed %s: %zu column%s -> %zu (e1..e%zu), %s autoencoder trained on %zu %s%s\n",
                  od_embed_kind_name(opt->kind), d, d == 1 ? "" : "s", opt->dim, opt->dim,
                  opt->kind == OD_EMBED_LSTM ? "sequence" : "dense", ntr, opt->kind == OD_EMBED_LSTM ? "windows" : "rows",
                  fit_mask ? " (fit part)" : "");
        od_printf(report, "  network: %zu parameters, hidden=%zu", od_nn_nparams(net), opt->hidden);
        if (opt->kind == OD_EMBED_AE) od_printf(report, " activation=%s", od_nn_act_name(opt->act));
        else od_printf(report, " window=%zu", opt->window);
        od_printf(report, ", adam lr=%s batch=%zu, inputs z-scored on the fit rows\n", od_prep_num(opt->lr), opt->batch);
        od_printf(report, "  reconstruction loss (mse, z-scored) by epoch:");
        for (size_t e = 0; e < epochs; e++) od_printf(report, "%s%s", e % 10 ? " " : "\n   ", od_prep_num(loss[e]));
        od_printf(report, "\n");
        if (interrupted) od_printf(report, "  interrupted after %zu epoch%s\n", epochs, epochs == 1 ? "" : "s");
        if (opt->kind == OD_EMBED_LSTM)
            od_printf(report, "  one row per window end: %zu rows (the first %zu points start the first window)\n", nout,
                      T - 1);
    }
    if (kept && ends) {
        *kept = ends;
        ends = NULL;
        if (nkept) *nkept = nout;
    }
    rc = OD_OK;
done:
#ifdef _OPENMP
    omp_set_num_threads(saved_threads);
#endif
    if (y)
        for (size_t k = 0; k < opt->dim; k++) free(y[k]);
    free(y);
    od_frame_free(base);
    od_nn_free(net);
    free(ends);
    free(tr);
    free(z);
    free(loss);
    free(sd);
    free(mean);
    free(idx);
    return rc;
}
