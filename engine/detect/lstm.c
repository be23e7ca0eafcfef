/* lstm.c - LSTM (long short-term memory) detector.  mode=forecast: stacked LSTM layers read
 * the window and a dense layer maps the last hidden state to the next
 * `horizon` points (Telemanom-style); mode=reconstruct: sequence-to-sequence
 * autoencoder (encoder LSTM -> last state repeated W times -> decoder LSTM ->
 * per-step dense).  Shared machinery in nn_common.c. */
#include "config.h"
#include "nn_common.h"

static const od_param_spec lstm_params[] = {
    OD_NND_COMMON_PARAMS("32", "1", "units of each LSTM layer (the state size)", "stacked LSTM layers (encoder and decoder each)"),
};

static int lstm_build(od_ctx *ctx, od_nn *net, const od_params *p, size_t c, int mode)
{
    return od_nnd_build_recurrent(ctx, net, p, c, mode, od_nn_add_lstm);
}

static const od_nnd_kind lstm_kind = {"lstm", lstm_build, lstm_params, sizeof lstm_params / sizeof lstm_params[0]};

static int lstm_fit(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state)
{
    return od_nnd_fit(&lstm_kind, ctx, p, train, log, state);
}

static int lstm_load(od_ctx *ctx, const od_params *p, FILE *fp, void **state)
{
    return od_nnd_load(&lstm_kind, ctx, p, fp, state);
}

const od_detector_type od_detector_lstm = {
    .name = "lstm",
    .family = "neural",
    .summary = "LSTM forecaster (Telemanom-style) or sequence-to-sequence autoencoder on sliding windows",
    .help =
        "LSTM recurrent network on sliding windows of `window` points (all channels).\n"
        "mode=forecast: stacked LSTM layers read the window and a dense layer predicts the next\n"
        "`horizon` points from the last hidden state (Telemanom-style).  mode=reconstruct: a\n"
        "sequence-to-sequence autoencoder (encoder LSTM, its last state repeated over the window,\n"
        "decoder LSTM, one dense map per step), the state being the bottleneck.\n"
        OD_NND_COMMON_HELP
        "Example:  detect lstm window=64 hidden=32 epochs=20 as lstm",
    .params = lstm_params,
    .nparams = sizeof lstm_params / sizeof lstm_params[0],
    .seq = 1,
    .fit = lstm_fit,
    .score = od_nnd_score,
    .describe = od_nnd_describe,
    .save = od_nnd_save,
    .load = lstm_load,
    .free = od_nnd_free,
    .explain = od_nnd_explain,
};
