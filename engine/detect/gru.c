/* gru.c - GRU (gated recurrent unit) detector.  mode=forecast: stacked GRU layers read
 * the window and a dense layer maps the last hidden state to the next
 * `horizon` points (Telemanom-style); mode=reconstruct: sequence-to-sequence
 * autoencoder (encoder GRU -> last state repeated W times -> decoder GRU ->
 * per-step dense).  Shared machinery in nn_common.c. */
#include "config.h"
#include "nn_common.h"

static const od_param_spec gru_params[] = {
    OD_NND_COMMON_PARAMS("32", "1", "units of each GRU layer (the state size)", "stacked GRU layers (encoder and decoder each)"),
};

static int gru_build(od_ctx *ctx, od_nn *net, const od_params *p, size_t c, int mode)
{
    return od_nnd_build_recurrent(ctx, net, p, c, mode, od_nn_add_gru);
}

static const od_nnd_kind gru_kind = {"gru", gru_build, gru_params, sizeof gru_params / sizeof gru_params[0]};

static int gru_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    return od_nnd_fit(&gru_kind, ctx, p, train, log, state);
}

static int gru_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    return od_nnd_load(&gru_kind, ctx, p, fp, state);
}

const od_detector_type od_detector_gru = {
    .name = "gru",
    .family = "neural",
    .summary = "GRU forecaster (Telemanom-style) or sequence-to-sequence autoencoder on sliding windows",
    .help =
        "GRU recurrent network on sliding windows of `window` points (all channels).\n"
        "mode=forecast: stacked GRU layers read the window and a dense layer predicts the next\n"
        "`horizon` points from the last hidden state (Telemanom-style).  mode=reconstruct: a\n"
        "sequence-to-sequence autoencoder (encoder GRU, its last state repeated over the window,\n"
        "decoder GRU, one dense map per step), the state being the bottleneck.\n"
        OD_NND_COMMON_HELP
        "Example:  detect gru window=64 hidden=32 epochs=20 as gru",
    .params = gru_params,
    .nparams = sizeof gru_params / sizeof gru_params[0],
    .seq = 1,
    .fit = gru_fit,
    .score = od_nnd_score,
    .describe = od_nnd_describe,
    .save = od_nnd_save,
    .load = gru_load,
    .free = od_nnd_free,
    .explain = od_nnd_explain,
};
