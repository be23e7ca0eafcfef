/* lstm.c - long short-term memory layer (PyTorch's nn.LSTM, one layer).
 *
 *   [i f g o] = x_t W_ih^T + h_{t-1} W_hh^T + b      (gates side by side, 4H)
 *   i, f, o = sigmoid;  g = tanh
 *   c_t = f c_{t-1} + i g;   h_t = o tanh(c_t);   h_{-1} = c_{-1} = 0
 *
 * The input projection of all time steps is one matrix product; only
 * h_{t-1} W_hh^T is sequential (one product per step over the slice's
 * samples; each thread runs the recurrence of its own samples).  In
 * backward the gate activations are overwritten by the gate gradients dG, and
 * the weight gradients are single products over all B*T rows afterwards:
 *   gW_hh += dG^T H_prev,  gW_ih += dG^T X,  gb += sum dG,  dX = dG W_ih. */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <string.h>

/* Cache layout (bmax samples each): gates G (T x 4H), cells C (T x H),
 * tanh(c) (T x H), previous hidden states Hp (T x H; row t = h_{t-1}). */
typedef struct { float *G, *C, *TC, *HP; } lstm_cache;

static lstm_cache cache_of(const od_nn *net, const od_nn_layer *L, size_t b0)
{
    size_t T = L->tin, H = L->hidden, n = net->bmax * T * H, o = b0 * T * H;
    lstm_cache c;
    c.G = L->cache + 4 * o;
    c.C = L->cache + 4 * n + o;
    c.TC = L->cache + 5 * n + o;
    c.HP = L->cache + 6 * n + o;
    return c;
}

OD_NN_HOT static void cell_fwd(float *restrict g, const float *restrict cprev, float *restrict c,
                               float *restrict tc, float *restrict h, size_t H)
{
    for (size_t j = 0; j < H; j++) {
        float i = od_nn_sigmoidf(g[j]), f = od_nn_sigmoidf(g[H + j]);
        float gg = od_nn_tanhf(g[2 * H + j]), o = od_nn_sigmoidf(g[3 * H + j]);
        float cp = cprev ? cprev[j] : 0.0f;
        float v = f * cp + i * gg, t = od_nn_tanhf(v);
        g[j] = i;
        g[H + j] = f;
        g[2 * H + j] = gg;
        g[3 * H + j] = o;
        c[j] = v;
        tc[j] = t;
        h[j] = o * t;
    }
}

OD_NN_HOT static void cell_bwd(float *restrict g, const float *restrict cprev,
                               const float *restrict tc, const float *restrict dh,
                               float *restrict dc, size_t H)
{
    for (size_t j = 0; j < H; j++) {
        float i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j], t = tc[j];
        float cp = cprev ? cprev[j] : 0.0f;
        float d = dc[j] + dh[j] * o * (1.0f - t * t);
        g[j] = d * gg * i * (1.0f - i);
        g[H + j] = d * cp * f * (1.0f - f);
        g[2 * H + j] = d * i * (1.0f - gg * gg);
        g[3 * H + j] = dh[j] * t * o * (1.0f - o);
        dc[j] = d * f;
    }
}

static void lstm_init(const od_nn_layer *L, float *w, gsl_rng *r)
{
    size_t H = L->hidden, I = L->cin;
    double a = 1.0 / sqrt((double)H);
    od_nn_uniform(w, 4 * H * (I + H), a, r);
    float *b = w + 4 * H * (I + H);
    for (size_t j = 0; j < 4 * H; j++)   /* b_ih + b_hh, each uniform */
        b[j] = (float)((2 * gsl_rng_uniform(r) - 1) * a + (2 * gsl_rng_uniform(r) - 1) * a);
}

static void lstm_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *sl, const float *x, float *y)
{
    size_t T = L->tin, I = L->cin, H = L->hidden, G4 = 4 * H, B = sl->B;
    const float *Wih = net->w + L->poff, *Whh = Wih + G4 * I, *b = Whh + G4 * H;
    lstm_cache k = cache_of(net, L, sl->b0);
    float *WhhT = sl->scr + L->nscr * B;   /* WhhT[j][g] = Whh[g][j], once per pass */
    for (size_t g = 0; g < G4; g++)
        for (size_t j = 0; j < H; j++) WhhT[j * G4 + g] = Whh[g * H + j];
    od_nn_linear_fwd(x, B * T, I, Wih, b, G4, k.G, OD_NN_ACT_NONE, NULL);
    for (size_t s = 0; s < B; s++) memset(k.HP + s * T * H, 0, H * sizeof(float));
    for (size_t t = 0; t < T; t++) {
        if (t > 0)
            od_nn_gemm(0, 0, B, G4, H, 1.0f, k.HP + t * H, T * H, WhhT, G4, 1.0f, k.G + t * G4, T * G4);
        for (size_t s = 0; s < B; s++) {
            size_t row = s * T + t;
            float *h = L->flag ? y + row * H : t + 1 < T ? k.HP + (row + 1) * H : y + s * H;
            cell_fwd(k.G + row * G4, t ? k.C + (row - 1) * H : NULL, k.C + row * H, k.TC + row * H, h, H);
            if (L->flag && t + 1 < T) memcpy(k.HP + (row + 1) * H, h, H * sizeof(float));
        }
    }
}

static void lstm_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *sl, const float *x,
                          const float *y, float *dy, float *dx)
{
    (void)y;
    size_t T = L->tin, I = L->cin, H = L->hidden, G4 = 4 * H, B = sl->B;
    const float *Wih = net->w + L->poff, *Whh = Wih + G4 * I;
    float *gWih = sl->g + L->poff, *gWhh = gWih + G4 * I, *gb = gWhh + G4 * H;
    lstm_cache k = cache_of(net, L, sl->b0);
    float *dh = sl->scr, *dc = dh + B * H, *dhn = dc + B * H;
    memset(dc, 0, B * H * sizeof(float));
    memset(dhn, 0, B * H * sizeof(float));
    for (size_t t = T; t-- > 0;) {
        for (size_t s = 0; s < B; s++) {
            size_t row = s * T + t;
            float *d = dh + s * H;
            const float *e = L->flag ? dy + row * H : t == T - 1 ? dy + s * H : NULL;
            for (size_t j = 0; j < H; j++) d[j] = dhn[s * H + j] + (e ? e[j] : 0.0f);
            cell_bwd(k.G + row * G4, t ? k.C + (row - 1) * H : NULL, k.TC + row * H, d, dc + s * H, H);
        }
        if (t > 0) od_nn_gemm(0, 0, B, H, G4, 1.0f, k.G + t * G4, T * G4, Whh, H, 0.0f, dhn, H);
    }
    od_nn_gemm(1, 0, G4, H, B * T, 1.0f, k.G, G4, k.HP, H, 1.0f, gWhh, H);
    od_nn_linear_bwd(x, B * T, I, Wih, G4, k.G, gWih, gb, dx, 0.0f);
}

const od_nn_layer_ops od_nn_lstm_ops = {
    .name = "lstm", .init = lstm_init, .forward = lstm_forward, .backward = lstm_backward,
};

int od_nn_add_lstm(od_ctx *ctx, od_nn *net, size_t hidden, int seq_out)
{
    if (hidden == 0) return od_error(ctx, OD_EINVAL, "lstm: hidden size must be >= 1");
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_LSTM, &L);
    if (rc) return rc;
    L->hidden = hidden;
    L->flag = seq_out != 0;
    L->tout = seq_out ? L->tin : 1;
    L->cout = hidden;
    L->np = 4 * hidden * (L->cin + hidden) + 4 * hidden;
    L->ncache = 7 * L->tin * hidden;
    L->nscr = 3 * hidden;
    L->nscr_thr = 4 * hidden * hidden;
    od_nn_commit(net, L);
    return OD_OK;
}
