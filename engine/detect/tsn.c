/* tsn.c - time-series network: windows through a fully-connected network.
 * mode=forecast: W points (all channels, flattened) -> hidden layers ->
 * the next `horizon` points; mode=reconstruct: an autoencoder W*c -> hidden
 * -> bottleneck -> hidden -> W*c.  Shared machinery in nn_common.c. */
#include "config.h"
#include "nn_common.h"

static const od_param_spec tsn_params[] = {
    OD_NND_COMMON_PARAMS("32", "1", "units per hidden layer", "hidden layers (each side of the bottleneck)"),
    {"bottleneck", OD_P_INT, "8", 1, 4096, NULL, "code size of the autoencoder (mode=reconstruct)"},
    {"activation", OD_P_CHOICE, "relu", 0, -1, OD_CHOICES(OD_NND_ACTIVATIONS), "hidden-layer activation"},
};

static int tsn_build(od_ctx *ctx, od_nn *net, const od_params *p, size_t c, int mode)
{
    od_nn_act act = (od_nn_act)od_nnd_act(p);
    size_t H = (size_t)od_params_int(p, "hidden"), L = (size_t)od_params_int(p, "layers");
    size_t W = (size_t)od_params_int(p, "window");
    double drop = od_params_real(p, "dropout");
    int rc = 0;
    for (size_t l = 0; l < L && !rc; l++) {
        rc = od_nn_add_dense(ctx, net, H, act, l == 0);
        if (!rc && drop > 0) rc = od_nn_add_dropout(ctx, net, drop);
    }
    if (rc) return rc;
    if (mode == OD_NND_FORECAST)
        return od_nn_add_dense(ctx, net, (size_t)od_params_int(p, "horizon") * c, OD_NN_ACT_NONE, 0);
    if ((rc = od_nn_add_dense(ctx, net, (size_t)od_params_int(p, "bottleneck"), act, 0))) return rc;
    for (size_t l = 0; l < L && !rc; l++) {
        rc = od_nn_add_dense(ctx, net, H, act, 0);
        if (!rc && drop > 0) rc = od_nn_add_dropout(ctx, net, drop);
    }
    return rc ? rc : od_nn_add_dense(ctx, net, W * c, OD_NN_ACT_NONE, 0);
}

static const od_nnd_kind tsn_kind = {"tsn", tsn_build, tsn_params, sizeof tsn_params / sizeof tsn_params[0]};

static int tsn_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    return od_nnd_fit(&tsn_kind, ctx, p, train, log, state);
}

static int tsn_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    return od_nnd_load(&tsn_kind, ctx, p, fp, state);
}

const od_detector_type od_detector_tsn = {
    .name = "tsn",
    .family = "neural",
    .summary = "fully-connected network on sliding windows: forecast error or autoencoder reconstruction error",
    .help =
        "Each window of `window` consecutive points (all channels, z-scored with the training part's\n"
        "mean and standard deviation) goes through a fully-connected network.\n"
        "mode=forecast predicts the next `horizon` points; the score of a point is the error of the\n"
        "prediction that ends at it.  mode=reconstruct is an autoencoder (window -> hidden ->\n"
        "bottleneck -> hidden -> window); the score of a point is the reconstruction error of the\n"
        "window that ends at it.  error= reduces the errors over the predicted values and channels\n"
        "(mse, mae or max).  The first window+horizon-1 (forecast) or window-1 points score NaN.\n"
        "smooth=S replaces each score by the exponentially weighted mean of the errors up to it.\n"
        "Training: Adam (or adamw/sgd) on shuffled mini-batches; the last val= fraction of the\n"
        "windows is the validation part, training stops after patience= epochs without improvement\n"
        "and keeps the best weights.  Ctrl-C stops training and keeps the best weights so far.\n"
        "Example:  detect tsn window=64 hidden=32 mode=reconstruct bottleneck=8 epochs=30 as mlp",
    .params = tsn_params,
    .nparams = sizeof tsn_params / sizeof tsn_params[0],
    .seq = 1,
    .fit = tsn_fit,
    .score = od_nnd_score,
    .describe = od_nnd_describe,
    .save = od_nnd_save,
    .load = tsn_load,
    .free = od_nnd_free,
    .explain = od_nnd_explain,
};
