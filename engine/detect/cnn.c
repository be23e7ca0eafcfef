/* cnn.c - 1-D convolutional detector.  mode=forecast: `layers` convolutions
 * (`hidden` channels, kernel `kernel`, same padding, ReLU) over the window,
 * flattened into a dense layer that predicts the next `horizon` points;
 * mode=reconstruct: stride-2 convolutions down to a dense bottleneck and a
 * dense layer back to the window.  Shared machinery in nn_common.c. */
#include "config.h"
#include "nn_common.h"

static const od_param_spec cnn_params[] = {
    OD_NND_COMMON_PARAMS("32", "3", "channels of each convolution", "convolution layers"),
    {"kernel", OD_P_INT, "5", 1, 1024, NULL, "kernel size (time steps)"},
    {"dilation", OD_P_INT, "1", 1, 1024, NULL, "dilation of the kernels"},
    {"bottleneck", OD_P_INT, "8", 1, 4096, NULL, "code size of the autoencoder (mode=reconstruct)"},
};

static int cnn_build(od_ctx *ctx, od_nn *net, const od_params *p, size_t c, int mode)
{
    size_t H = (size_t)od_params_int(p, "hidden"), L = (size_t)od_params_int(p, "layers");
    size_t W = (size_t)od_params_int(p, "window"), k = (size_t)od_params_int(p, "kernel");
    size_t dil = (size_t)od_params_int(p, "dilation"), pad = dil * (k - 1) / 2;
    double drop = od_params_real(p, "dropout");
    size_t stride = mode == OD_NND_FORECAST ? 1 : 2;
    int rc = 0;
    for (size_t l = 0; l < L && !rc; l++) {
        rc = od_nn_add_conv1d(ctx, net, H, k, stride, pad, dil, OD_NN_ACT_RELU);
        if (!rc && drop > 0) rc = od_nn_add_dropout(ctx, net, drop);
    }
    if (rc) return rc;
    if (mode == OD_NND_FORECAST)
        return od_nn_add_dense(ctx, net, (size_t)od_params_int(p, "horizon") * c, OD_NN_ACT_NONE, 1);
    if ((rc = od_nn_add_dense(ctx, net, (size_t)od_params_int(p, "bottleneck"), OD_NN_ACT_RELU, 1))) return rc;
    return od_nn_add_dense(ctx, net, W * c, OD_NN_ACT_NONE, 0);
}

static const od_nnd_kind cnn_kind = {"cnn", cnn_build, cnn_params, sizeof cnn_params / sizeof cnn_params[0]};

static int cnn_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    return od_nnd_fit(&cnn_kind, ctx, p, train, log, state);
}

static int cnn_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    return od_nnd_load(&cnn_kind, ctx, p, fp, state);
}

const od_detector_type od_detector_cnn = {
    .name = "cnn",
    .family = "neural",
    .summary = "1-D convolutional forecaster or autoencoder on sliding windows",
    .help =
        "1-D convolutional network on sliding windows of `window` points (channels are the input\n"
        "channels of the first convolution).  mode=forecast: `layers` convolutions with `hidden`\n"
        "channels, kernel `kernel` (same padding, ReLU), flattened into a dense layer that predicts the\n"
        "next `horizon` points.  mode=reconstruct: stride-2 convolutions, a dense bottleneck of\n"
        "`bottleneck` units and a dense layer back to the whole window.\n"
        OD_NND_COMMON_HELP
        "Example:  detect cnn window=64 hidden=32 layers=3 kernel=5 epochs=20 as cnn",
    .params = cnn_params,
    .nparams = sizeof cnn_params / sizeof cnn_params[0],
    .seq = 1,
    .fit = cnn_fit,
    .score = od_nnd_score,
    .describe = od_nnd_describe,
    .save = od_nnd_save,
    .load = cnn_load,
    .free = od_nnd_free,
    .explain = od_nnd_explain,
};
