/* nn_common.h - what the five neural sequence detectors (tsn, cnn, lstm, gru,
 * attn) share: the common options, z-score normalisation, sliding windows,
 * the training loop with progress/fit log/cancel, scoring and model files.
 * A detector file only supplies its parameter table, its help and a function
 * that stacks its layers.
 *
 * Windows: a sample is W consecutive points (all channels).  mode=forecast
 * predicts the `horizon` points after it; mode=reconstruct reproduces the
 * window.  The score of point t is the error of the window that ends at t
 * (forecast: the predicted points t-horizon+1..t from the W points before
 * them; reconstruct: the window t-W+1..t), in z-score units, reduced over
 * the predicted values and channels by error=mse (mean square), mae (mean
 * absolute) or max (largest absolute).  The first W+horizon-1 (forecast) or
 * W-1 (reconstruct) points score NaN. */
#ifndef OD_NN_COMMON_H
#define OD_NN_COMMON_H

#include "detector.h"
#include "../nn/nn.h"

/* Enumerated options: each X-list makes the choices string, the table from
 * choice index to engine value and the names describe() prints (detector.h). */
#define OD_NND_MODES(X) X(OD_NND_FORECAST, "forecast") X(OD_NND_RECONSTRUCT, "reconstruct")
#define OD_NND_OPTIMIZERS(X) X(OD_NN_OPT_ADAM, "adam") X(OD_NN_OPT_ADAMW, "adamw") X(OD_NN_OPT_SGD, "sgd")
#define OD_NND_SCHEDULES(X) X(OD_NN_SCHED_NONE, "none") X(OD_NN_SCHED_STEP, "step") X(OD_NN_SCHED_COSINE, "cosine")
#define OD_NND_LOSSES(X) X(OD_NN_LOSS_MSE, "mse") X(OD_NN_LOSS_MAE, "mae")
#define OD_NND_ERRORS(X) X(OD_NND_ERR_MSE, "mse") X(OD_NND_ERR_MAE, "mae") X(OD_NND_ERR_MAX, "max")
/* activation= of the detectors that have one (tsn) */
#define OD_NND_ACTIVATIONS(X) \
    X(OD_NN_ACT_RELU, "relu") X(OD_NN_ACT_TANH, "tanh") X(OD_NN_ACT_SIGMOID, "sigmoid") X(OD_NN_ACT_GELU, "gelu")

/* Options every neural detector has, in this order (the detector's own
 * options follow).  HIDDEN and LAYERS are the detector's defaults (text). */
#define OD_NND_COMMON_PARAMS(HIDDEN, LAYERS, HIDDEN_HELP, LAYERS_HELP)                                   \
    {"mode", OD_P_CHOICE, "forecast", 0, -1, OD_CHOICES(OD_NND_MODES),                                     \
     "forecast: predict the next horizon points; reconstruct: autoencoder of the window"},              \
    {"window", OD_P_INT, "32", 2, 100000, NULL, "points per input window (W)"},                          \
    {"horizon", OD_P_INT, "1", 1, 10000, NULL, "points predicted after each window (forecast mode)"},    \
    {"hidden", OD_P_INT, HIDDEN, 1, 4096, NULL, HIDDEN_HELP},                                            \
    {"layers", OD_P_INT, LAYERS, 1, 16, NULL, LAYERS_HELP},                                              \
    {"epochs", OD_P_INT, "20", 1, 1000000, NULL, "passes over the training windows"},                    \
    {"batch", OD_P_INT, "64", 1, 65536, NULL, "windows per mini-batch"},                                 \
    {"lr", OD_P_REAL, "0.001", 1e-9, 10, NULL, "learning rate"},                                         \
    {"optimizer", OD_P_CHOICE, "adam", 0, -1, OD_CHOICES(OD_NND_OPTIMIZERS), "adam, adamw (decoupled decay) or sgd"}, \
    {"momentum", OD_P_REAL, "0.9", 0, 0.999, NULL, "sgd momentum (Nesterov)"},                           \
    {"weight_decay", OD_P_REAL, "0", 0, 1, NULL, "L2 penalty (adamw: decoupled decay)"},                 \
    {"dropout", OD_P_REAL, "0", 0, 0.95, NULL, "dropout probability while training"},                    \
    {"patience", OD_P_INT, "5", 0, 1000000, NULL,                                                        \
     "stop after this many epochs without a better validation loss (0: never)"},                        \
    {"val", OD_P_REAL, "0.2", 0, 0.9, NULL,                                                              \
     "fraction of the training windows (the last ones, in time order) kept for validation"},           \
    {"clip", OD_P_REAL, "5", 0, 1e6, NULL, "clip the gradient norm to this (0: no clipping)"},          \
    {"schedule", OD_P_CHOICE, "none", 0, -1, OD_CHOICES(OD_NND_SCHEDULES),                                         \
     "learning rate: constant, halved every epochs/4, or cosine decay"},                                \
    {"loss", OD_P_CHOICE, "mse", 0, -1, OD_CHOICES(OD_NND_LOSSES), "training loss"},                                     \
    {"error", OD_P_CHOICE, "mse", 0, -1, OD_CHOICES(OD_NND_ERRORS), "score of a window: mean square, mean absolute or max error"}, \
    {"smooth", OD_P_INT, "0", 0, 1000000, NULL,                                                          \
     "span of a causal EWM of the errors, pandas ewm(span, adjust=False); not Telemanom's smoothing (0: raw)"}, \
    {"stride", OD_P_INT, "1", 1, 100000, NULL, "step between training windows"}

/* The help paragraph every sequence detector (cnn, lstm, gru, attn) ends
 * with, before its example: inputs, scores, smoothing, training. */
#define OD_NND_COMMON_HELP \
    "Inputs are z-scored per channel with the training part's mean and standard deviation.\n" \
    "The score of a point is the error of the window that ends at it: forecast mode compares the\n" \
    "`horizon` predicted points with the real ones, reconstruct mode the whole window with its\n" \
    "reconstruction; error= reduces over values and channels (mse, mae or max).  The first\n" \
    "window+horizon-1 (forecast) or window-1 (reconstruct) points score NaN.  smooth=S replaces\n" \
    "each score by a causal exponentially weighted mean of the errors up to it: s_t = a e_t +\n" \
    "(1-a) s_t-1, a = 2/(S+1), from the first scored point (pandas ewm(span=S, adjust=False)).\n" \
    "This is not Telemanom's smoothing, which uses the bias-adjusted mean (adjust=True) and then\n" \
    "replaces the first l_s smoothed errors by the mean of the first 2 l_s (using later points).\n" \
    "Training: shuffled mini-batches (optimizer=adam|adamw|sgd, lr, schedule, clip); the last val=\n" \
    "fraction of the windows validates, patience= epochs without improvement stop training and the\n" \
    "best weights are kept.  Ctrl-C stops training and keeps the best weights so far.\n"

enum { OD_NND_MODES(OD_X_ENUM) OD_NND_NMODE };
enum { OD_NND_ERRORS(OD_X_ENUM) OD_NND_NERROR };

/* Stacks the detector's layers on `net` (input W x c already set); the last
 * layer must output horizon*c values (forecast) or W*c (reconstruct). */
typedef int (*od_nnd_build_fn)(od_ctx *ctx, od_nn *net, const od_params *p, size_t c, int mode);

typedef struct {
    const char *name;
    od_nnd_build_fn build;
    const od_param_spec *params;   /* the detector's table (to re-read saved options) */
    size_t nparams;
} od_nnd_kind;

/* The fitted model (the detector's state). */
typedef struct {
    const od_nnd_kind *kind;
    od_params *p;
    size_t c, W, h, span;         /* channels, window, horizon (0 in reconstruct mode), W + h */
    int mode, error;              /* OD_NND_FORECAST.., OD_NND_ERR_* */
    int opt, sched, loss;         /* od_nn_opt, od_nn_sched, od_nn_loss the training used */
    int act;                      /* od_nn_act of activation= (-1: the detector has none) */
    size_t smooth;   /* EWMA span over the scores (0: none) */
    double *mean, *sd;            /* per-channel normalisation from the training part */
    od_nn *net;
    size_t n_train, n_val;        /* windows */
    size_t epochs, best_epoch;
    double train_loss, val_loss, secs;
    int early, interrupted, diverged;
} od_nnd_model;

/* The recurrent detectors' network (lstm, gru): L stacked layers made by
 * `add` (forecast: the last keeps only its final state, then a dense layer
 * predicts horizon x c values; reconstruct: that state repeated W times
 * through L sequence layers, then a dense map per step back to c channels),
 * with dropout after each layer when dropout > 0. */
typedef int (*od_nnd_add_rnn_fn)(od_ctx *ctx, od_nn *net, size_t hidden, int seq_out);
int od_nnd_build_recurrent(od_ctx *ctx, od_nn *net, const od_params *p, size_t c, int mode, od_nnd_add_rnn_fn add);

/* The engine value of an enumerated option (the table from choice index to
 * value made from the option's X-list); -1 if the detector has no such option. */
int od_nnd_act(const od_params *p);

int od_nnd_fit(const od_nnd_kind *k, od_ctx *ctx, const od_params *p, const od_data *train,
               od_fitlog *log, void **state);
int od_nnd_score(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster);
/* The smooth= span of a model (0: none), and from now on od_nnd_score returns
 * the raw window errors: `oddity score` carries the EWMA across its chunks. */
size_t od_nnd_smooth_off(void *state);
/* The EWMA smooth= applies (pandas ewm(span, adjust=False)): s = a x + (1 - a) prev. */
double od_nnd_ewma_step(size_t span, double x, double prev);
void od_nnd_describe(const void *state, od_out *out);
int od_nnd_explain(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex);
int od_nnd_save(od_ctx *ctx, const void *state, FILE *fp);
int od_nnd_load(const od_nnd_kind *k, od_ctx *ctx, const od_params *p, FILE *fp, void **state);
void od_nnd_free(void *state);

#endif
