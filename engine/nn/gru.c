/* gru.c - gated recurrent unit (PyTorch's nn.GRU, one layer).
 *
 *   [xr xz xn] = x_t W_ih^T + b_ih;   [hr hz hn] = h_{t-1} W_hh^T + b_hh
 *   r = sigmoid(xr + hr);  z = sigmoid(xz + hz);  n = tanh(xn + r hn)
 *   h_t = (1 - z) n + z h_{t-1};   h_{-1} = 0
 *
 * As in lstm.c: one product for the input projection of all steps, one per
 * step for the recurrence, weight gradients as products over all the slice's
 * rows afterwards.  The gradient w.r.t. [hr hz hn] is [dr dz dn*r]: its
 * first two thirds equal the input-side gradient, so only dn*r is stored
 * (over hn, which backward no longer needs). */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <string.h>

/* Cache (bmax samples each): gates G (T x 3H: r z n), hn (T x H),
 * previous hidden states Hp (T x H; row t = h_{t-1}). */
typedef struct { float *G, *HN, *HP; } gru_cache;

static gru_cache cache_of(const od_nn *net, const od_nn_layer *L, size_t b0)
{
    size_t n = net->bmax * L->tin * L->hidden, o = b0 * L->tin * L->hidden;
    gru_cache c;
    c.G = L->cache + 3 * o;
    c.HN = L->cache + 3 * n + o;
    c.HP = L->cache + 4 * n + o;
    return c;
}

OD_NN_HOT static void cell_fwd(float *restrict g, const float *restrict gh, float *restrict hn,
                               const float *restrict hp, float *restrict h, size_t H)
{
    for (size_t j = 0; j < H; j++) {
        float r = od_nn_sigmoidf(g[j] + gh[j]);
        float z = od_nn_sigmoidf(g[H + j] + gh[H + j]);
        float a = gh[2 * H + j];
        float n = od_nn_tanhf(g[2 * H + j] + r * a);
        g[j] = r;
        g[H + j] = z;
        g[2 * H + j] = n;
        hn[j] = a;
        h[j] = (1.0f - z) * n + z * hp[j];
    }
}

OD_NN_HOT static void cell_bwd(float *restrict g, float *restrict hn, const float *restrict hp,
                               const float *restrict dh, float *restrict dhz, size_t H)
{
    for (size_t j = 0; j < H; j++) {
        float r = g[j], z = g[H + j], n = g[2 * H + j], d = dh[j];
        float dn = d * (1.0f - z) * (1.0f - n * n);
        float dz = d * (hp[j] - n) * z * (1.0f - z);
        float dr = dn * hn[j] * r * (1.0f - r);
        g[j] = dr;
        g[H + j] = dz;
        g[2 * H + j] = dn;
        hn[j] = dn * r;
        dhz[j] = d * z;
    }
}

static void gru_init(const od_nn_layer *L, float *w, gsl_rng *r)
{
    od_nn_uniform(w, L->np, 1.0 / sqrt((double)L->hidden), r);
}

static void gru_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *sl, const float *x, float *y)
{
    size_t T = L->tin, I = L->cin, H = L->hidden, G3 = 3 * H, B = sl->B;
    const float *Wih = net->w + L->poff, *Whh = Wih + G3 * I, *bih = Whh + G3 * H, *bhh = bih + G3;
    gru_cache k = cache_of(net, L, sl->b0);
    float *gh = sl->scr, *WhhT = sl->scr + L->nscr * B;   /* WhhT[j][g] = Whh[g][j], once per pass */
    for (size_t g = 0; g < G3; g++)
        for (size_t j = 0; j < H; j++) WhhT[j * G3 + g] = Whh[g * H + j];
    od_nn_linear_fwd(x, B * T, I, Wih, bih, G3, k.G, OD_NN_ACT_NONE, NULL);
    for (size_t s = 0; s < B; s++) memset(k.HP + s * T * H, 0, H * sizeof(float));
    for (size_t t = 0; t < T; t++) {
        for (size_t s = 0; s < B; s++) memcpy(gh + s * G3, bhh, G3 * sizeof(float));
        if (t > 0) od_nn_gemm(0, 0, B, G3, H, 1.0f, k.HP + t * H, T * H, WhhT, G3, 1.0f, gh, G3);
        for (size_t s = 0; s < B; s++) {
            size_t row = s * T + t;
            float *h = L->flag ? y + row * H : t + 1 < T ? k.HP + (row + 1) * H : y + s * H;
            cell_fwd(k.G + row * G3, gh + s * G3, k.HN + row * H, k.HP + row * H, h, H);
            if (L->flag && t + 1 < T) memcpy(k.HP + (row + 1) * H, h, H * sizeof(float));
        }
    }
}

static void gru_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *sl, const float *x,
                         const float *y, float *dy, float *dx)
{
    (void)y;
    size_t T = L->tin, I = L->cin, H = L->hidden, G3 = 3 * H, B = sl->B;
    const float *Wih = net->w + L->poff, *Whh = Wih + G3 * I;
    float *gWih = sl->g + L->poff, *gWhh = gWih + G3 * I, *gbih = gWhh + G3 * H, *gbhh = gbih + G3;
    gru_cache k = cache_of(net, L, sl->b0);
    float *dh = sl->scr, *dhn = dh + B * H;
    memset(dhn, 0, B * H * sizeof(float));
    for (size_t t = T; t-- > 0;) {
        for (size_t s = 0; s < B; s++) {
            size_t row = s * T + t;
            float *d = dh + s * H;
            const float *e = L->flag ? dy + row * H : t == T - 1 ? dy + s * H : NULL;
            for (size_t j = 0; j < H; j++) d[j] = dhn[s * H + j] + (e ? e[j] : 0.0f);
            cell_bwd(k.G + row * G3, k.HN + row * H, k.HP + row * H, d, dhn + s * H, H);
        }
        if (t > 0) {
            od_nn_gemm(0, 0, B, H, 2 * H, 1.0f, k.G + t * G3, T * G3, Whh, H, 1.0f, dhn, H);
            od_nn_gemm(0, 0, B, H, H, 1.0f, k.HN + t * H, T * H, Whh + 2 * H * H, H, 1.0f, dhn, H);
        }
    }
    od_nn_gemm(1, 0, 2 * H, H, B * T, 1.0f, k.G, G3, k.HP, H, 1.0f, gWhh, H);
    od_nn_gemm(1, 0, H, H, B * T, 1.0f, k.HN, H, k.HP, H, 1.0f, gWhh + 2 * H * H, H);
    od_nn_colsum_add(k.G, B * T, 2 * H, G3, gbhh);
    od_nn_colsum_add(k.HN, B * T, H, H, gbhh + 2 * H);
    od_nn_linear_bwd(x, B * T, I, Wih, G3, k.G, gWih, gbih, dx, 0.0f);
}

const od_nn_layer_ops od_nn_gru_ops = {
    .name = "gru", .init = gru_init, .forward = gru_forward, .backward = gru_backward,
};

int od_nn_add_gru(od_ctx *ctx, od_nn *net, size_t hidden, int seq_out)
{
    if (hidden == 0) return od_error(ctx, OD_EINVAL, "gru: hidden size must be >= 1");
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_GRU, &L);
    if (rc) return rc;
    L->hidden = hidden;
    L->flag = seq_out != 0;
    L->tout = seq_out ? L->tin : 1;
    L->cout = hidden;
    L->np = 3 * hidden * (L->cin + hidden) + 6 * hidden;
    L->ncache = 5 * L->tin * hidden;
    L->nscr = 3 * hidden;
    L->nscr_thr = 3 * hidden * hidden;
    od_nn_commit(net, L);
    return OD_OK;
}
