/* nn_common.c - the shared half of the neural sequence detectors (see
 * nn_common.h): normalisation, windows, training with progress and cancel,
 * scoring, describe, model files. */
#include "config.h"
#include "nn_common.h"
#include "cl_cluster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Workspace budget when scoring: batches of up to 256 windows, fewer when a
 * window needs a lot of memory (long attention windows). */
#define OD_NND_SCORE_FLOATS (32u << 20)

void od_nnd_free(void *state)
{
    od_nnd_model *m = state;
    if (!m) return;
    od_params_free(m->p);
    free(m->mean);
    free(m->sd);
    od_nn_free(m->net);
    free(m);
}

/* choice index -> engine value, and the names, of each enumerated option */
static const int opt_vals[] = {OD_NND_OPTIMIZERS(OD_X_ENUM)}, sched_vals[] = {OD_NND_SCHEDULES(OD_X_ENUM)};
static const int loss_vals[] = {OD_NND_LOSSES(OD_X_ENUM)}, act_vals[] = {OD_NND_ACTIVATIONS(OD_X_ENUM)};
static const int mode_vals[] = {OD_NND_MODES(OD_X_ENUM)}, error_vals[] = {OD_NND_ERRORS(OD_X_ENUM)};
static const char *const opt_names[] = {OD_NND_OPTIMIZERS(OD_X_NAME)}, *const sched_names[] = {OD_NND_SCHEDULES(OD_X_NAME)};
static const char *const loss_names[] = {OD_NND_LOSSES(OD_X_NAME)}, *const act_names[] = {OD_NND_ACTIVATIONS(OD_X_NAME)};
static const char *const mode_names[] = {OD_NND_MODES(OD_X_NAME)}, *const error_names[] = {OD_NND_ERRORS(OD_X_NAME)};

/* vals[choice index of option `name`], or -1 when p has no such option */
static int choice_value(const od_params *p, const char *name, const int *vals, size_t n)
{
    int i = od_params_choice(p, name);
    return i >= 0 && (size_t)i < n ? vals[i] : -1;
}
#define CHOICE_VALUE(p, name, vals) choice_value((p), (name), (vals), sizeof(vals) / sizeof(vals)[0])

int od_nnd_act(const od_params *p)
{
    return CHOICE_VALUE(p, "activation", act_vals);
}

/* Issue 13: the float32 network has undefined behaviour on NaN/inf inputs
 * (nn_impl.h: NaN losses, comparisons in max-pooling/argmax, early stopping
 * that never improves), so every value must be finite before training or
 * scoring starts.  The first bad value is named by row and channel. */
static int check_finite(od_ctx *ctx, const char *name, const od_data *d, const char *what)
{
    size_t bad = 0, bi = 0, bj = 0;
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->d; j++)
            if (!isfinite(d->X[i * d->ld + j]) && bad++ == 0) bi = i, bj = j;
    if (!bad) return OD_OK;
    return od_error(ctx, OD_EDATA, "%s: the %s has %zu missing or non-finite value%s (first at point %zu, channel %zu); "
                    "a network cannot train or score on them: clean missing=interpolate first",
                    name, what, bad, bad == 1 ? "" : "s", bi + 1, bj + 1);
}

static int model_geometry(od_ctx *ctx, od_nnd_model *m, const od_params *p, size_t c)
{
    m->c = c;
    m->mode = CHOICE_VALUE(p, "mode", mode_vals);
    m->error = CHOICE_VALUE(p, "error", error_vals);
    m->opt = CHOICE_VALUE(p, "optimizer", opt_vals);
    m->sched = CHOICE_VALUE(p, "schedule", sched_vals);
    m->loss = CHOICE_VALUE(p, "loss", loss_vals);
    m->act = od_nnd_act(p);
    m->smooth = (size_t)od_params_int(p, "smooth");
    m->W = (size_t)od_params_int(p, "window");
    m->h = m->mode == OD_NND_FORECAST ? (size_t)od_params_int(p, "horizon") : 0;
    m->span = m->W + m->h;
    m->mean = od_calloc(ctx, c, sizeof *m->mean);
    m->sd = od_calloc(ctx, c, sizeof *m->sd);
    return m->mean && m->sd ? OD_OK : OD_ENOMEM;
}

/* Builds the network from the options and checks its output size. */
static int build_net(const od_nnd_kind *k, od_ctx *ctx, od_nnd_model *m)
{
    m->net = od_nn_new(ctx, m->W, m->c);
    if (!m->net) return OD_ENOMEM;
    int rc = k->build(ctx, m->net, m->p, m->c, m->mode);
    if (rc) return rc;
    size_t want = (m->mode == OD_NND_FORECAST ? m->h : m->W) * m->c;
    if (od_nn_out_size(m->net) != want)
        return od_error(ctx, OD_EINVAL, "%s: internal: network output %zu values, expected %zu",
                        k->name, od_nn_out_size(m->net), want);
    return OD_OK;
}

/* z-score of every point with the model's statistics, as float (n x c). */
static float *normalise(od_ctx *ctx, const od_nnd_model *m, const od_data *d)
{
    float *s = od_mallocn(ctx, d->n, m->c * sizeof *s);
    if (!s) return NULL;
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < m->c; j++)
            s[i * m->c + j] = (float)((d->X[i * d->ld + j] - m->mean[j]) / m->sd[j]);
    return s;
}

static void fmt_secs(char *buf, size_t n, double s)
{
    if (s < 60) snprintf(buf, n, "%.0fs", s);
    else if (s < 3600) snprintf(buf, n, "%.0fm%02.0fs", floor(s / 60), fmod(s, 60));
    else snprintf(buf, n, "%.0fh%02.0fm", floor(s / 3600), floor(fmod(s, 3600) / 60));
}

static int batch_for_scoring(const od_nn *net)
{
    size_t per = od_nn_floats_per_sample(net);
    size_t b = per ? OD_NND_SCORE_FLOATS / per : 256;
    return (int)(b < 1 ? 1 : b > 256 ? 256 : b);
}

int od_nnd_fit(const od_nnd_kind *k, od_ctx *ctx, const od_params *p, const od_data *train,
               od_fitlog *log, void **state)
{
    *state = NULL;
    size_t n = train->n, c = train->d;
    if (c == 0) return od_error(ctx, OD_EDATA, "%s: the data has no channels", k->name);
    int frc = check_finite(ctx, k->name, train, "training part");
    if (frc) return frc;
    od_nnd_model *m = od_calloc(ctx, 1, sizeof *m);
    if (!m) return OD_ENOMEM;
    m->kind = k;
    float *series = NULL;
    od_nn_train *tr = NULL;
    int rc;
    if (!(m->p = od_params_copy(ctx, p))) { rc = OD_ENOMEM; goto fail; }
    if ((rc = model_geometry(ctx, m, p, c))) goto fail;
    size_t stride = (size_t)od_params_int(p, "stride");
    if (n < m->span + 1) {
        rc = od_error(ctx, OD_EDATA,
                      "%s: the training part has %zu points; window=%zu%s needs at least %zu",
                      k->name, n, m->W, m->h ? " plus horizon" : "", m->span + 1);
        goto fail;
    }
    /* per-channel mean and standard deviation (two passes, double) */
    for (size_t j = 0; j < c; j++) {
        double s = 0, q = 0;
        for (size_t i = 0; i < n; i++) s += train->X[i * train->ld + j];
        double mu = s / (double)n;
        for (size_t i = 0; i < n; i++) {
            double e = train->X[i * train->ld + j] - mu;
            q += e * e;
        }
        double sd = sqrt(q / (double)n);
        m->mean[j] = mu;
        m->sd[j] = sd > 1e-12 * (fabs(mu) > 1 ? fabs(mu) : 1) ? sd : 1.0;
    }
    if ((rc = build_net(k, ctx, m))) goto fail;
    if (!(series = normalise(ctx, m, train))) { rc = OD_ENOMEM; goto fail; }

    /* windows, and the validation part: the last ones in time order, after
     * a gap so that no validation window overlaps a training window */
    size_t nw = (n - m->span) / stride + 1;
    double vfrac = od_params_real(p, "val");
    size_t nval = (size_t)floor(vfrac * (double)nw), gap = (m->span - 1 + stride - 1) / stride;
    if (nval > 0 && nw > nval + gap) {
        m->n_val = nval;
        m->n_train = nw - nval - gap;
    } else {
        if (vfrac > 0)
            od_warn(ctx, "%s: too few windows (%zu) for a validation part; training on all of them "
                    "without early stopping", k->name, nw);
        m->n_val = 0;
        m->n_train = nw;
    }
    size_t step = stride * c;
    size_t toff = m->mode == OD_NND_FORECAST ? m->W * c : 0;
    od_nn_data dtr = {series, step, series + toff, step, m->n_train};
    size_t v0 = (m->n_train + gap) * step;
    od_nn_data dva = {series + v0, step, series + v0 + toff, step, m->n_val};

    size_t batch = (size_t)od_params_int(p, "batch");
    od_nn_train_opts o;
    memset(&o, 0, sizeof o);
    o.opt = od_nn_optim_defaults((od_nn_opt)m->opt);
    o.opt.lr = od_params_real(p, "lr");
    o.opt.weight_decay = od_params_real(p, "weight_decay");
    if (o.opt.kind == OD_NN_OPT_SGD) {
        o.opt.momentum = od_params_real(p, "momentum");
        o.opt.nesterov = o.opt.momentum > 0;
    }
    o.epochs = (size_t)od_params_int(p, "epochs");
    o.batch = batch;
    o.patience = (size_t)od_params_int(p, "patience");
    o.clip = od_params_real(p, "clip");
    o.sched = (od_nn_sched)m->sched;
    o.loss = (od_nn_loss)m->loss;
    if ((rc = od_nn_prepare(ctx, m->net, batch < m->n_train ? batch : m->n_train))) goto fail;
    od_nn_init_weights(ctx, m->net);
    if (!(tr = od_nn_train_init(ctx, m->net, &o, &dtr, m->n_val ? &dva : NULL))) { rc = OD_ENOMEM; goto fail; }

    double total = 0;
    for (;;) {
        rc = od_nn_train_step(ctx, tr);
        if (rc == OD_ECANCEL) {
            size_t e = od_nn_train_epoch(tr), b = od_nn_train_best_epoch(tr);
            od_nn_train_restore_best(tr);
            m->interrupted = 1;
            if (b)
                od_warn(ctx, "training interrupted at epoch %zu; keeping the best weights (epoch %zu)",
                        e + 1, b);
            else
                od_warn(ctx, "training interrupted in epoch 1; keeping the partly trained weights");
            rc = OD_OK;
            break;
        }
        if (rc < 0) goto fail;
        size_t e = od_nn_train_epoch(tr);
        double tl = od_nn_train_loss(tr), vl = od_nn_train_val_loss(tr), secs = od_nn_train_seconds(tr);
        total += secs;
        if (log && od_fitlog_add(log, tl, vl, secs)) { rc = od_error(ctx, OD_ENOMEM, "out of memory (fit log)"); goto fail; }
        char line[160], a[32], eta[32];
        fmt_secs(eta, sizeof eta, total / (double)e * (double)(o.epochs - e));
        if (m->n_val) snprintf(a, sizeof a, "  val %.4g", vl);
        else a[0] = 0;
        snprintf(line, sizeof line, "epoch %zu/%zu  train %.4g%s  %.1fs  ETA %s", e, o.epochs, tl, a,
                 secs, rc == OD_CONTINUE ? eta : "0s");
        od_progress(ctx, "train", (double)e / (double)o.epochs, line);
        if (rc == OD_OK) break;
    }
    m->epochs = od_nn_train_epoch(tr);
    m->best_epoch = od_nn_train_best_epoch(tr);
    m->train_loss = od_nn_train_loss(tr);
    m->val_loss = od_nn_train_val_loss(tr);
    m->early = od_nn_train_stopped_early(tr);
    m->diverged = od_nn_train_diverged(tr);
    m->secs = total;
    if (m->diverged)
        od_warn(ctx, "%s: the loss became NaN/inf in epoch %zu; keeping the weights of epoch %zu "
                "(try a lower lr= or clip=)", k->name, m->epochs, m->best_epoch);
    od_nn_train_free(tr);
    free(series);
    od_nn_release(m->net);
    *state = m;
    return OD_OK;
fail:
    od_nn_train_free(tr);
    free(series);
    od_nnd_free(m);
    return rc;
}

static double window_error(int kind, const float *y, const float *t, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)y[i] - t[i]);
        if (kind == OD_NND_ERR_MSE) s += e * e;
        else if (kind == OD_NND_ERR_MAE) s += e;
        else if (e > s) s = e;
    }
    return kind == OD_NND_ERR_MAX ? s : s / (double)n;
}

/* s[i] <- alpha s[i] + (1 - alpha) s[i-1] in place, alpha = 2 / (span + 1):
 * the exponentially weighted mean of the errors up to each point (pandas'
 * ewm(span, adjust=False)), which damps isolated forecast misses and keeps
 * sustained ones.  The convention is named as such in help and describe:
 * it is NOT Telemanom's (khundman/telemanom errors.py get_errors: pandas
 * ewm(span) with the default adjust=True, i.e. sum (1-a)^i e_t-i / sum (1-a)^i,
 * then e_s[:l_s] = mean(e_s[:2 l_s]), which looks ahead); a score here only
 * depends on the past, so it can be computed online. */
double od_nnd_ewma_step(size_t span, double x, double prev)
{
    double a = 2.0 / ((double)span + 1.0);
    return a * x + (1.0 - a) * prev;
}

static void ewma(double *s, size_t n, size_t span)
{
    for (size_t i = 1; i < n; i++) s[i] = od_nnd_ewma_step(span, s[i], s[i - 1]);
}

size_t od_nnd_smooth_off(void *state)
{
    od_nnd_model *m = state;
    size_t s = m->smooth;
    m->smooth = 0;
    return s;
}

int od_nnd_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster)
{
    od_nnd_model *m = (od_nnd_model *)state;   /* the network's workspaces are scratch */
    size_t n = data->n;
    if (data->d != m->c)
        return od_error(ctx, OD_EDATA, "%s: the model was trained on %zu channel%s, the data has %zu",
                        m->kind->name, m->c, m->c == 1 ? "" : "s", data->d);
    int frc = check_finite(ctx, m->kind->name, data, "data to score");
    if (frc) return frc;
    for (size_t i = 0; i < n; i++) {
        scores[i] = NAN;
        if (cluster) cluster[i] = -1;
    }
    if (n < m->span) {
        od_warn(ctx, "%s: %zu points are fewer than the %zu a window needs; nothing scored", m->kind->name, n,
                m->span);
        return OD_OK;
    }
    float *series = normalise(ctx, m, data), *xb = NULL;
    int rc = OD_OK;
    if (!series) return OD_ENOMEM;
    size_t B = (size_t)batch_for_scoring(m->net), in = m->W * m->c;
    size_t out = od_nn_out_size(m->net), nw = n - m->span + 1;
    if ((rc = od_nn_prepare(ctx, m->net, B))) goto done;
    if (!(xb = od_mallocn(ctx, B, in * sizeof *xb))) { rc = OD_ENOMEM; goto done; }
    for (size_t j0 = 0; j0 < nw; j0 += B) {
        if (od_cancelled(ctx)) { rc = od_error(ctx, OD_ECANCEL, "%s: scoring interrupted", m->kind->name); goto done; }
        size_t nb = nw - j0 < B ? nw - j0 : B;
        for (size_t b = 0; b < nb; b++) memcpy(xb + b * in, series + (j0 + b) * m->c, in * sizeof *xb);
        const float *y = od_nn_forward(m->net, xb, nb, 0);
        for (size_t b = 0; b < nb; b++) {
            const float *t = m->mode == OD_NND_FORECAST ? series + (j0 + b + m->W) * m->c : xb + b * in;
            scores[j0 + b + m->span - 1] = window_error(m->error, y + b * out, t, out);
        }
        if (nw > 16 * B) od_progress(ctx, "score", (double)(j0 + nb) / (double)nw, NULL);
    }
    if (m->smooth) ewma(scores + m->span - 1, nw, m->smooth);
done:
    od_nn_release(m->net);
    free(xb);
    free(series);
    return rc;
}

void od_nnd_describe(const void *state, od_out *out)
{
    const od_nnd_model *m = state;
    char buf[4096];
    od_printf(out, "%s %s, window %zu", m->kind->name,
              m->mode == OD_NND_FORECAST ? "forecaster" : "autoencoder", m->W);
    if (m->h) od_printf(out, ", horizon %zu", m->h);
    od_printf(out, ", %zu channel%s, %zu parameters\n", m->c, m->c == 1 ? "" : "s", od_nn_nparams(m->net));
    od_printf(out, "mode=%s optimizer=%s schedule=%s loss=%s error=%s", OD_X_LOOKUP(mode_vals, mode_names, m->mode),
              OD_X_LOOKUP(opt_vals, opt_names, m->opt), OD_X_LOOKUP(sched_vals, sched_names, m->sched),
              OD_X_LOOKUP(loss_vals, loss_names, m->loss), OD_X_LOOKUP(error_vals, error_names, m->error));
    if (m->act >= 0) od_printf(out, " activation=%s", OD_X_LOOKUP(act_vals, act_names, m->act));
    if (m->smooth) od_printf(out, "\nsmooth=%zu: causal EWM of the errors, pandas ewm(span=%zu, adjust=False), not Telemanom's",
                             m->smooth, m->smooth);
    od_printf(out, "\n");
    if (od_nn_summary(m->net, buf, sizeof buf) == OD_OK) od_puts(out, buf);
    /* no wall-clock time here: describe() output is part of replayable session
     * output; the run's fit time is shown by the front end (runs, compare) */
    od_printf(out, "trained on %zu windows (validation %zu): %zu epoch%s, best epoch %zu%s%s\n",
              m->n_train, m->n_val, m->epochs, m->epochs == 1 ? "" : "s", m->best_epoch,
              m->early ? " (early stop)" : "", m->interrupted ? " (interrupted)" : "");
    od_printf(out, "final loss: train %.4g", m->train_loss);
    if (m->n_val) od_printf(out, ", validation %.4g", m->val_loss);
    od_printf(out, " (z-scored data)\n");
    /* the two ends a default can miss: still learning, or nothing learnt after epoch 1 */
    if (m->n_val && !m->interrupted && m->epochs > 1 && m->best_epoch == m->epochs)
        od_printf(out, "note: the validation loss still fell in the last epoch: the network may be undertrained "
                  "(try epochs=%zu)\n", 2 * m->epochs);
    else if (m->n_val && !m->interrupted && m->epochs > 2 && m->best_epoch == 1)
        od_printf(out, "note: the best validation loss was at epoch 1: later epochs only overfit or diverged "
                  "(try a lower lr= or a higher dropout=)\n");
}

/* ---- model files ------------------------------------------------------------
 *   "ODNNDET1"          magic + format version 1
 *   str detector name   (u32 length + bytes)
 *   str options         ("window=32 hidden=16 ...", as od_params_format)
 *   u64 c, then c x (f64 mean, f64 sd)
 *   u64 n_train, n_val, epochs, best_epoch, flags; f64 train_loss, val_loss, secs
 *   weight block        (engine/nn/io.c, with its own magic and checksum)
 *   "ODNNEND1"
 * integers and doubles little endian. */

static const char magic[8] = {'O', 'D', 'N', 'N', 'D', 'E', 'T', '1'};
static const char endmagic[8] = {'O', 'D', 'N', 'N', 'E', 'N', 'D', '1'};

static int put_u64(FILE *fp, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return fwrite(b, 1, 8, fp) == 8 ? 0 : -1;
}

static int put_f64(FILE *fp, double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    return put_u64(fp, u);
}

static int put_str(FILE *fp, const char *s)
{
    size_t n = strlen(s);
    return put_u64(fp, n) || fwrite(s, 1, n, fp) != n ? -1 : 0;
}

static int get_u64(FILE *fp, uint64_t *v)
{
    unsigned char b[8];
    if (fread(b, 1, 8, fp) != 8) return -1;
    *v = 0;
    for (int i = 0; i < 8; i++) *v |= (uint64_t)b[i] << (8 * i);
    return 0;
}

static int get_f64(FILE *fp, double *x)
{
    uint64_t u;
    if (get_u64(fp, &u)) return -1;
    memcpy(x, &u, 8);
    return 0;
}

static char *get_str(od_ctx *ctx, FILE *fp, int *rc)
{
    uint64_t n;
    *rc = OD_EFORMAT;
    if (get_u64(fp, &n)) return NULL;
    if (n > 65536) return NULL;   /* no option string is that long: foreign or corrupt */
    char *s = od_malloc(ctx, (size_t)n + 1);
    if (!s) { *rc = OD_ENOMEM; return NULL; }
    if (fread(s, 1, (size_t)n, fp) != n) { free(s); return NULL; }
    s[n] = 0;
    *rc = OD_OK;
    return s;
}

int od_nnd_save(od_ctx *ctx, const void *state, FILE *fp)
{
    const od_nnd_model *m = state;
    char *opts = od_params_format(m->p);
    if (!opts) return od_error(ctx, OD_ENOMEM, "out of memory");
    int bad = fwrite(magic, 1, 8, fp) != 8 || put_str(fp, m->kind->name) || put_str(fp, opts) ||
              put_u64(fp, m->c);
    free(opts);
    for (size_t j = 0; !bad && j < m->c; j++) bad = put_f64(fp, m->mean[j]) || put_f64(fp, m->sd[j]);
    uint64_t flags = (uint64_t)m->early | (uint64_t)m->interrupted << 1 | (uint64_t)m->diverged << 2;
    bad = bad || put_u64(fp, m->n_train) || put_u64(fp, m->n_val) || put_u64(fp, m->epochs) ||
          put_u64(fp, m->best_epoch) || put_u64(fp, flags) || put_f64(fp, m->train_loss) ||
          put_f64(fp, m->val_loss) || put_f64(fp, m->secs);
    if (bad) return od_error(ctx, OD_EIO, "%s: could not write the model file", m->kind->name);
    int rc = od_nn_write_params(ctx, m->net, fp);
    if (rc) return rc;
    if (fwrite(endmagic, 1, 8, fp) != 8)
        return od_error(ctx, OD_EIO, "%s: could not write the model file", m->kind->name);
    return OD_OK;
}

/* Splits "k=v k=\"v w\" ..." into keys and values (in place). */
static size_t split_options(char *s, char **keys, char **vals, size_t max)
{
    size_t n = 0;
    while (*s && n < max) {
        while (*s == ' ') s++;
        if (!*s) break;
        keys[n] = s;
        while (*s && *s != '=') s++;
        if (!*s) break;
        *s++ = 0;
        if (*s == '"') {
            vals[n] = ++s;
            while (*s && *s != '"') s++;
        } else {
            vals[n] = s;
            while (*s && *s != ' ') s++;
        }
        if (*s) *s++ = 0;
        n++;
    }
    return n;
}

int od_nnd_load(const od_nnd_kind *k, od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    (void)p;   /* the file carries the options the model was trained with */
    *state = NULL;
    char mg[8], *name = NULL, *opts = NULL;
    int rc;
    od_nnd_model *m = od_calloc(ctx, 1, sizeof *m);
    if (!m) return OD_ENOMEM;
    m->kind = k;
    if (fread(mg, 1, 8, fp) != 8) { rc = od_error(ctx, OD_EFORMAT, "%s model file is truncated", k->name); goto fail; }
    if (memcmp(mg, magic, 8)) {
        rc = od_error(ctx, OD_EFORMAT, "%s: not an oddity neural model file (or a newer format)", k->name);
        goto fail;
    }
    if (!(name = get_str(ctx, fp, &rc))) goto trunc;
    if (strcmp(name, k->name)) {
        rc = od_error(ctx, OD_EFORMAT, "%s: the model file holds a %s model", k->name, name);
        goto fail;
    }
    if (!(opts = get_str(ctx, fp, &rc))) goto trunc;
    char *keys[64], *vals[64];
    size_t nopt = split_options(opts, keys, vals, 64);
    m->p = od_params_parse(ctx, k->params, k->nparams, (const char *const *)keys,
                           (const char *const *)vals, nopt);
    if (!m->p) { rc = OD_EFORMAT; goto fail; }
    uint64_t c;
    if (get_u64(fp, &c)) goto trunc;
    if (c == 0 || c > 1000000) {
        rc = od_error(ctx, OD_EFORMAT, "%s model file is corrupt (%llu channels)", k->name, (unsigned long long)c);
        goto fail;
    }
    if ((rc = od_cl_need(ctx, fp, k->name, c, 2 * sizeof(double), "channel scalings"))) goto fail;
    if ((rc = model_geometry(ctx, m, m->p, (size_t)c))) goto fail;
    for (size_t j = 0; j < m->c; j++)
        if (get_f64(fp, &m->mean[j]) || get_f64(fp, &m->sd[j])) goto trunc;
    uint64_t a, b, e, be, flags;
    if (get_u64(fp, &a) || get_u64(fp, &b) || get_u64(fp, &e) || get_u64(fp, &be) || get_u64(fp, &flags) ||
        get_f64(fp, &m->train_loss) || get_f64(fp, &m->val_loss) || get_f64(fp, &m->secs))
        goto trunc;
    m->n_train = (size_t)a;
    m->n_val = (size_t)b;
    m->epochs = (size_t)e;
    m->best_epoch = (size_t)be;
    m->early = (int)(flags & 1);
    m->interrupted = (int)(flags >> 1 & 1);
    m->diverged = (int)(flags >> 2 & 1);
    if ((rc = build_net(k, ctx, m))) goto fail;
    /* the weights (float32) follow: refuse a file too short to hold them before allocating */
    if ((rc = od_cl_need(ctx, fp, k->name, od_nn_nparams(m->net), sizeof(float), "weights"))) goto fail;
    if ((rc = od_nn_prepare(ctx, m->net, 1))) goto fail;
    if ((rc = od_nn_read_params(ctx, m->net, fp))) goto fail;
    od_nn_release(m->net);
    if (fread(mg, 1, 8, fp) != 8) goto trunc;
    if (memcmp(mg, endmagic, 8)) {
        rc = od_error(ctx, OD_EFORMAT, "%s model file is corrupt (bad end marker)", k->name);
        goto fail;
    }
    free(name);
    free(opts);
    *state = m;
    return OD_OK;
trunc:
    if (rc != OD_ENOMEM) rc = od_error(ctx, OD_EFORMAT, "%s model file is truncated or corrupt", k->name);
fail:
    free(name);
    free(opts);
    od_nnd_free(m);
    return rc;
}

int od_nnd_build_recurrent(od_ctx *ctx, od_nn *net, const od_params *p, size_t c, int mode, od_nnd_add_rnn_fn add)
{
    size_t H = (size_t)od_params_int(p, "hidden"), L = (size_t)od_params_int(p, "layers");
    size_t W = (size_t)od_params_int(p, "window");
    double drop = od_params_real(p, "dropout");
    int rc = 0;
    /* encoder: L stacked layers, the last one keeps only its final state */
    for (size_t l = 0; l < L && !rc; l++) {
        rc = add(ctx, net, H, l + 1 < L);
        if (!rc && drop > 0) rc = od_nn_add_dropout(ctx, net, drop);
    }
    if (rc) return rc;
    if (mode == OD_NND_FORECAST)
        return od_nn_add_dense(ctx, net, (size_t)od_params_int(p, "horizon") * c, OD_NN_ACT_NONE, 0);
    /* decoder: the final state repeated W times through L sequence layers,
     * then one dense map per time step back to the channels */
    if ((rc = od_nn_add_repeat(ctx, net, W))) return rc;
    for (size_t l = 0; l < L && !rc; l++) {
        rc = add(ctx, net, H, 1);
        if (!rc && drop > 0) rc = od_nn_add_dropout(ctx, net, drop);
    }
    return rc ? rc : od_nn_add_dense(ctx, net, c, OD_NN_ACT_NONE, 0);
}

/* explain: the per-step, per-channel squared errors (z-score units) over the
 * window that ends at `row`.  reconstruct: the window's W points against
 * their reconstruction.  forecast: the one-step-ahead forecasts of the (up
 * to) W points ending at the row, each point predicted as the first step
 * after the W points before it.  contrib[ch]: the channel's summed error. */
int od_nnd_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex)
{
    od_nnd_model *m = (od_nnd_model *)state;   /* the network's workspaces are scratch */
    size_t n = data->n, c = m->c, W = m->W;
    if (data->d != c)
        return od_error(ctx, OD_EDATA, "%s: the model was trained on %zu channel%s, the data has %zu", m->kind->name, c,
                        c == 1 ? "" : "s", data->d);
    if (row >= n) return od_error(ctx, OD_EINVAL, "row %zu: the series has %zu points", row + 1, n);
    if (row + 1 < m->span)
        return od_error(ctx, OD_EDATA, "row %zu was not scored: the first %zu points are the warm-up of window=%zu%s (try row %zu or later)",
                        row + 1, m->span - 1, W, m->h ? " plus the horizon" : "", m->span);
    int fc = m->mode == OD_NND_FORECAST;
    size_t s0 = fc ? (row + 1 >= 2 * W ? row + 1 - W : W) : row + 1 - W;
    size_t steps = fc ? row - s0 + 1 : W;   /* forecast: point s needs only the W points before it */
    float *series = normalise(ctx, m, data), *xb = NULL;
    if (!series) return OD_ENOMEM;
    size_t in = W * c, out = od_nn_out_size(m->net), B = (size_t)batch_for_scoring(m->net);
    int rc = od_explain_alloc_contrib(ctx, ex, c);
    ex->err = od_mallocn(ctx, steps * c, sizeof *ex->err);
    ex->target = od_mallocn(ctx, steps * c, sizeof *ex->target);
    ex->pred = od_mallocn(ctx, steps * c, sizeof *ex->pred);
    if (!rc && (!ex->err || !ex->target || !ex->pred)) rc = OD_ENOMEM;
    if (!rc) rc = od_nn_prepare(ctx, m->net, fc ? B : 1);
    if (!rc && !(xb = od_mallocn(ctx, fc ? B : 1, in * sizeof *xb))) rc = OD_ENOMEM;
    ex->steps = steps;
    ex->chans = c;
    ex->step0 = (long)s0;
    if (!rc && !fc) {
        memcpy(xb, series + s0 * c, in * sizeof *xb);
        const float *y = od_nn_forward(m->net, xb, 1, 0);
        for (size_t q = 0; q < W * c; q++) {
            ex->target[q] = xb[q];
            ex->pred[q] = y[q];
        }
    }
    for (size_t a = 0; !rc && fc && a < steps; a += B) {
        size_t nb = steps - a < B ? steps - a : B;
        for (size_t b = 0; b < nb; b++) memcpy(xb + b * in, series + (s0 + a + b - W) * c, in * sizeof *xb);
        const float *y = od_nn_forward(m->net, xb, nb, 0);
        for (size_t b = 0; b < nb; b++)
            for (size_t ch = 0; ch < c; ch++) {
                ex->target[(a + b) * c + ch] = series[(s0 + a + b) * c + ch];
                ex->pred[(a + b) * c + ch] = y[b * out + ch];
            }
    }
    if (!rc) od_nn_release(m->net);
    for (size_t q = 0; !rc && q < steps * c; q++) {
        double e = ex->target[q] - ex->pred[q];
        ex->err[q] = e * e;
        ex->contrib[q % c] += e * e;
    }
    if (!rc)
        snprintf(ex->method, sizeof ex->method, fc ? "%s: per-step, per-channel squared one-step-ahead forecast errors (z-score units) "
                 "of the %zu points up to the row" : "%s: per-step, per-channel squared reconstruction errors (z-score units) of "
                 "the window of %zu points ending at the row", m->kind->name, steps);
    free(xb);
    free(series);
    return rc;
}
