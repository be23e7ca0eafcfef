/* conv1d.c - 1-D convolution over time with stride, zero padding and
 * dilation, channels last:
 *   y[t][o] = act(b[o] + sum_{j<k, c<C} W[o][j][c] x[t*stride - pad + j*dil][c])
 * computed as im2col (each output step's k taps side by side, a (B*T') x
 * (k*C) matrix, kept for backward) times W^T; backward: gW += dz^T cols,
 * then dx as a transposed convolution (stride 1) or dcols = dz W scattered
 * back onto the input steps they came from (col2im). */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <string.h>

/* The k taps of every output step of one sample side by side: row t holds
 * x[t*stride - pad + j*dil] for j < k (zero outside 0..tin-1). */
OD_NN_HOT static void im2col(const float *restrict xb, size_t tin, size_t cin, size_t tout, size_t k,
                             size_t stride, long pad, size_t dil, float *restrict c)
{
    for (size_t t = 0; t < tout; t++, c += k * cin) {
        long first = (long)(t * stride) - pad;
        if (dil == 1) {   /* the taps in range are one contiguous run of the input */
            long j0 = first < 0 ? -first : 0, j1 = (long)tin - first;
            if (j1 > (long)k) j1 = (long)k;
            if (j1 < j0) j1 = j0;
            if (j0 > 0) memset(c, 0, (size_t)j0 * cin * sizeof *c);
            if (j1 > j0) memcpy(c + (size_t)j0 * cin, xb + (size_t)(first + j0) * cin, (size_t)(j1 - j0) * cin * sizeof *c);
            if ((size_t)j1 < k) memset(c + (size_t)j1 * cin, 0, (k - (size_t)j1) * cin * sizeof *c);
            continue;
        }
        for (size_t j = 0; j < k; j++) {
            long src = first + (long)(j * dil);
            if (src >= 0 && (size_t)src < tin)
                memcpy(c + j * cin, xb + (size_t)src * cin, cin * sizeof *c);
            else
                memset(c + j * cin, 0, cin * sizeof *c);
        }
    }
}

static void im2col1(const od_nn_layer *L, const float *xb, float *c)
{
    im2col(xb, L->tin, L->cin, L->tout, L->k, L->stride, (long)L->pad, L->dil, c);
}

/* With stride 1 the input gradient is itself a convolution: of dz, padded
 * by dil (k - 1) - pad, with the kernel reversed in time and transposed,
 *   dx[s] = sum_j dz[s + j dil - pad'] W[:, k-1-j, :],
 * so it is one more im2col and one product with K = k*out instead of a
 * product with K = out and a scatter (col2im). */
static int transposed_ok(const od_nn_layer *L)
{
    return L->stride == 1 && L->pad <= L->dil * (L->k - 1);
}

OD_NN_HOT static void col2im1(const od_nn_layer *L, const float *restrict c, float *restrict db)
{
    size_t cin = L->cin;
    for (size_t i = 0; i < L->tin * cin; i++) db[i] = 0;
    for (size_t t = 0; t < L->tout; t++)
        for (size_t j = 0; j < L->k; j++, c += cin) {
            long src = (long)(t * L->stride + j * L->dil) - (long)L->pad;
            if (src < 0 || (size_t)src >= L->tin) continue;
            float *d = db + (size_t)src * cin;
            for (size_t i = 0; i < cin; i++) d[i] += c[i];
        }
}

static void conv_init(const od_nn_layer *L, float *w, gsl_rng *r)
{
    od_nn_uniform(w, L->np, 1.0 / sqrt((double)(L->k * L->cin)), r);
}

/* Cache: the columns (bmax x T' x k*C) while training, then gelu's
 * pre-activation (bmax x T' x out). */
static float *pre_act(const od_nn *net, const od_nn_layer *L, const od_nn_slice *s)
{
    if (L->act != OD_NN_ACT_GELU) return NULL;
    return L->cache + net->bmax * L->tout * L->k * L->cin + s->b0 * L->tout * L->cout;
}


/* Fast path (stride 1, dilation 1, 32k output channels): with channels last
 * the k taps of output step t are one contiguous run of the zero-padded
 * input, so no im2col copy is needed; the products run through the
 * register-blocked kernels of kern.c. */
static int fast_ok(const od_nn_layer *L)
{
    return L->stride == 1 && L->dil == 1 && L->cout % 32 == 0 && L->pad < L->k;
}

/* xp[(tin + 2 pad) x c] = x padded by pad zero steps on both sides. */
static void pad_copy(const float *x, size_t tin, size_t c, size_t pad, float *xp)
{
    memset(xp, 0, pad * c * sizeof *xp);
    memcpy(xp + pad * c, x, tin * c * sizeof *xp);
    memset(xp + (pad + tin) * c, 0, pad * c * sizeof *xp);
}


/* Per sample: out[t] (T x N, N % 32 == 0) = init + xp rows t .. t+k-1 (K = k*c
 * contiguous floats) times Bm (K x N). */
static void conv_rows(const float *xp, size_t xs, size_t c, size_t nb, size_t T, size_t K,
                      const float *Bm, size_t N, const float *init, float *out, int relu)
{
    for (size_t b = 0; b < nb; b++)
        for (size_t n0 = 0; n0 < N; n0 += 32)
            od_nn_rows_x_b(xp + b * xs, c, T, K, Bm + n0, N, init ? init + n0 : NULL, out + b * T * N + n0, N,
                           relu, 0);
}

static void fast_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y)
{
    size_t cin = L->cin, cout = L->cout, K = L->k * cin, tp = L->tin + 2 * L->pad;
    const float *W = net->w + L->poff, *bias = W + cout * K;
    float *xp = s->scr, *Wt = s->scr + L->nscr * s->B;   /* Wt[q][o] = W[o][q] */
    for (size_t b = 0; b < s->B; b++) pad_copy(x + b * L->tin * cin, L->tin, cin, L->pad, xp + b * tp * cin);
    for (size_t o = 0; o < cout; o++)
        for (size_t q = 0; q < K; q++) Wt[q * cout + o] = W[o * K + q];
    float *z = pre_act(net, L, s);
    int relu = L->act == OD_NN_ACT_RELU;
    conv_rows(xp, tp * cin, cin, s->B, L->tout, K, Wt, cout, bias, z ? z : y, relu);
    if (z) od_nn_act_fwd(L->act, z, y, s->B * L->tout * cout);
    else if (!relu && L->act != OD_NN_ACT_NONE) od_nn_act_fwd(L->act, y, y, s->B * L->tout * cout);
}

static void conv_forward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *y)
{
    if (fast_ok(L)) {
        fast_forward(net, L, s, x, y);
        return;
    }
    size_t K = L->k * L->cin, M = s->B * L->tout;
    const float *W = net->w + L->poff, *bias = W + L->cout * K;
    float *col = net->train ? L->cache + s->b0 * L->tout * K : s->scr;
    for (size_t b = 0; b < s->B; b++) im2col1(L, x + b * L->tin * L->cin, col + b * L->tout * K);
    od_nn_linear_fwd(col, M, K, W, bias, L->cout, y, L->act, pre_act(net, L, s));
}


/* gW += dz^T cols with the columns read from the padded input again; dx as
 * the transposed convolution (dz padded by k-1-pad, kernel reversed). */
static void fast_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x, float *dy,
                          float *dx)
{
    size_t cin = L->cin, cout = L->cout, k = L->k, K = k * cin, tp = L->tin + 2 * L->pad;
    size_t M = s->B * L->tout;
    const float *W = net->w + L->poff;
    float *gW = s->g + L->poff, *gb = gW + cout * K;
    float *xp = s->scr, *Gt = s->scr + L->nscr * s->B;   /* Gt[q][o] */
    for (size_t b = 0; b < s->B; b++) pad_copy(x + b * L->tin * cin, L->tin, cin, L->pad, xp + b * tp * cin);
    memset(Gt, 0, K * cout * sizeof *Gt);
    for (size_t n0 = 0; n0 < cout; n0 += 32)
        od_nn_xt_d(xp, tp * cin, cin, s->B, L->tout, K, dy + n0, cout, Gt + n0, cout);
    for (size_t o = 0; o < cout; o++)
        for (size_t q = 0; q < K; q++) gW[o * K + q] += Gt[q * cout + o];
    od_nn_colsum_add(dy, M, cout, cout, gb);
    if (!dx) return;
    if (cin % 32) {   /* generic product and col2im */
        float *dcol = s->scr;
        od_nn_gemm(0, 0, M, K, cout, 1.0f, dy, cout, W, K, 0.0f, dcol, K);
        for (size_t b = 0; b < s->B; b++) col2im1(L, dcol + b * L->tout * K, dx + b * L->tin * cin);
        return;
    }
    size_t pad2 = k - 1 - L->pad, tz = L->tout + 2 * pad2, Kz = k * cout;
    float *zp = s->scr, *Wt = s->scr + L->nscr * s->B;   /* Wt[(j, o)][c] = W[o][k-1-j][c] */
    for (size_t j = 0; j < k; j++)
        for (size_t o = 0; o < cout; o++)
            memcpy(Wt + (j * cout + o) * cin, W + (o * k + (k - 1 - j)) * cin, cin * sizeof *Wt);
    for (size_t b = 0; b < s->B; b++) pad_copy(dy + b * L->tout * cout, L->tout, cout, pad2, zp + b * tz * cout);
    conv_rows(zp, tz * cout, cout, s->B, L->tin, Kz, Wt, cin, NULL, dx, 0);
}

static void conv_backward(od_nn *net, od_nn_layer *L, const od_nn_slice *s, const float *x,
                          const float *y, float *dy, float *dx)
{
    size_t K = L->k * L->cin, M = s->B * L->tout;
    const float *W = net->w + L->poff;
    float *gW = s->g + L->poff, *gb = gW + L->cout * K;
    const float *col = L->cache + s->b0 * L->tout * K;   /* kept by the forward pass */
    float *dcol = s->scr;
    od_nn_act_bwd(L->act, pre_act(net, L, s), y, dy, M * L->cout);
    if (fast_ok(L)) {
        fast_backward(net, L, s, x, dy, dx);
        return;
    }
    if (!dx || !transposed_ok(L)) {
        od_nn_linear_bwd(col, M, K, W, L->cout, dy, gW, gb, dx ? dcol : NULL, 0.0f);
        if (dx)
            for (size_t b = 0; b < s->B; b++) col2im1(L, dcol + b * L->tout * K, dx + b * L->tin * L->cin);
        return;
    }
    od_nn_linear_bwd(col, M, K, W, L->cout, dy, gW, gb, NULL, 0.0f);
    size_t Kz = L->k * L->cout, cin = L->cin, pad2 = L->dil * (L->k - 1) - L->pad;
    float *zcol = s->scr, *Wt = zcol + s->B * L->tin * Kz;   /* Wt[(j, o)][c] = W[o][k-1-j][c] */
    for (size_t j = 0; j < L->k; j++)
        for (size_t o = 0; o < L->cout; o++)
            memcpy(Wt + (j * L->cout + o) * cin, W + (o * L->k + (L->k - 1 - j)) * cin, cin * sizeof *Wt);
    for (size_t b = 0; b < s->B; b++)
        im2col(dy + b * L->tout * L->cout, L->tout, L->cout, L->tin, L->k, 1, (long)pad2, L->dil,
               zcol + b * L->tin * Kz);
    od_nn_gemm(0, 0, s->B * L->tin, cin, Kz, 1.0f, zcol, Kz, Wt, cin, 0.0f, dx, cin);
}

const od_nn_layer_ops od_nn_conv1d_ops = {
    .name = "conv1d", .init = conv_init, .forward = conv_forward, .backward = conv_backward,
};

int od_nn_add_conv1d(od_ctx *ctx, od_nn *net, size_t out, size_t k, size_t stride, size_t pad,
                     size_t dil, od_nn_act act)
{
    if (out == 0 || k == 0 || stride == 0 || dil == 0)
        return od_error(ctx, OD_EINVAL, "conv1d: channels, kernel, stride and dilation must be >= 1");
    if ((unsigned)act >= OD_NN_ACT_COUNT) return od_error(ctx, OD_EINVAL, "conv1d: unknown activation");
    od_nn_layer *L;
    int rc = od_nn_push(ctx, net, OD_NN_CONV1D, &L);
    if (rc) return rc;
    size_t span = dil * (k - 1) + 1;
    if (L->tin + 2 * pad < span)
        return od_error(ctx, OD_EINVAL, "conv1d: kernel span %zu exceeds the %zu (padded) time steps",
                        span, L->tin + 2 * pad);
    L->k = k;
    L->stride = stride;
    L->pad = pad;
    L->dil = dil;
    L->act = act;
    L->tout = (L->tin + 2 * pad - span) / stride + 1;
    L->cout = out;
    L->np = out * k * L->cin + out;
    L->ncache = L->tout * k * L->cin + (act == OD_NN_ACT_GELU ? L->tout * out : 0);
    L->nscr = L->tout * k * L->cin;
    if (L->nscr < L->tin * k * out) L->nscr = L->tin * k * out;
    L->nscr_thr = k * out * L->cin;
    od_nn_commit(net, L);
    return OD_OK;
}
