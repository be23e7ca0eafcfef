/* attn.c - self-attention (transformer encoder) detector.  Each time step is
 * projected to `hidden` (d_model) features, the sinusoidal position code is
 * added, then `layers` post-norm encoder blocks (multi-head self-attention and
 * a ReLU feed-forward block of width `ff`, each with a residual connection
 * followed by layer norm, as PyTorch's TransformerEncoderLayer).
 * mode=forecast: the last step's features predict the next `horizon` points;
 * mode=reconstruct: the encoded window goes through a dense bottleneck and
 * back to the window.  Shared machinery in nn_common.c. */
#include "config.h"
#include "nn_common.h"

static const od_param_spec attn_params[] = {
    OD_NND_COMMON_PARAMS("32", "1", "model width d_model (divisible by heads)", "encoder blocks"),
    {"heads", OD_P_INT, "4", 1, 256, NULL, "attention heads"},
    {"ff", OD_P_INT, "64", 1, 65536, NULL, "width of the feed-forward block"},
    {"bottleneck", OD_P_INT, "8", 1, 4096, NULL, "code size of the autoencoder (mode=reconstruct)"},
};

static int attn_build(od_ctx *ctx, od_nn *net, const od_params *p, size_t c, int mode)
{
    size_t d = (size_t)od_params_int(p, "hidden"), L = (size_t)od_params_int(p, "layers");
    size_t W = (size_t)od_params_int(p, "window"), heads = (size_t)od_params_int(p, "heads");
    size_t ff = (size_t)od_params_int(p, "ff");
    double drop = od_params_real(p, "dropout");
    if (d % heads)
        return od_error(ctx, OD_EINVAL, "attn: heads=%zu must divide hidden=%zu (the model width)", heads, d);
    int rc = od_nn_add_dense(ctx, net, d, OD_NN_ACT_NONE, 0);
    if (!rc) rc = od_nn_add_posenc(ctx, net);
    if (!rc && drop > 0) rc = od_nn_add_dropout(ctx, net, drop);
    for (size_t l = 0; l < L && !rc; l++) {
        rc = od_nn_add_mha(ctx, net, heads, 1);
        if (!rc) rc = od_nn_add_layernorm(ctx, net);
        if (!rc) rc = od_nn_add_ffn(ctx, net, ff, OD_NN_ACT_RELU, 1);
        if (!rc) rc = od_nn_add_layernorm(ctx, net);
        if (!rc && drop > 0) rc = od_nn_add_dropout(ctx, net, drop);
    }
    if (rc) return rc;
    if (mode == OD_NND_FORECAST) {
        if ((rc = od_nn_add_last(ctx, net))) return rc;
        return od_nn_add_dense(ctx, net, (size_t)od_params_int(p, "horizon") * c, OD_NN_ACT_NONE, 0);
    }
    if ((rc = od_nn_add_dense(ctx, net, (size_t)od_params_int(p, "bottleneck"), OD_NN_ACT_RELU, 1))) return rc;
    return od_nn_add_dense(ctx, net, W * c, OD_NN_ACT_NONE, 0);
}

static const od_nnd_kind attn_kind = {"attn", attn_build, attn_params, sizeof attn_params / sizeof attn_params[0]};

static int attn_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    return od_nnd_fit(&attn_kind, ctx, p, train, log, state);
}

static int attn_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    return od_nnd_load(&attn_kind, ctx, p, fp, state);
}

const od_detector_type od_detector_attn = {
    .name = "attn",
    .family = "neural",
    .summary = "self-attention (transformer encoder) forecaster or autoencoder on sliding windows",
    .help =
        "Self-attention encoder on sliding windows of `window` points: each step's channels are\n"
        "projected to `hidden` features, the sinusoidal position code is added, then `layers` encoder\n"
        "blocks (multi-head self-attention with `heads` heads and a ReLU feed-forward block of width\n"
        "`ff`, each with a residual connection and layer norm).  mode=forecast: the last step's\n"
        "features predict the next `horizon` points; mode=reconstruct: a dense bottleneck of\n"
        "`bottleneck` units and a dense layer back to the window.\n"
        OD_NND_COMMON_HELP
        "Example:  detect attn window=64 hidden=32 heads=4 epochs=20 as attn",
    .params = attn_params,
    .nparams = sizeof attn_params / sizeof attn_params[0],
    .seq = 1,
    .fit = attn_fit,
    .score = od_nnd_score,
    .describe = od_nnd_describe,
    .save = od_nnd_save,
    .load = attn_load,
    .free = od_nnd_free,
    .explain = od_nnd_explain,
};
