/* gradcheck.c - finite-difference check of the backward pass (kann's
 * kad_check_grad): the directional derivative of the loss along a random
 * unit direction u, analytic g.u against (f(w + h u) - f(w - h u)) / 2h. */
#include "config.h"
#include "nn_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

static double loss_at(od_nn *net, const float *x, const float *t, size_t B, od_nn_loss loss)
{
    const float *y = od_nn_forward(net, x, B, 1);
    return od_nn_loss_eval(loss, y, t, B * od_nn_out_size(net), NULL);
}

/* Random unit direction; trial 0 takes the gradient's own direction, where
 * the directional derivative is largest. */
static void direction(gsl_rng *r, double *u, const float *g, size_t n, int trial)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        u[i] = trial == 0 ? g[i] : gsl_ran_gaussian(r, 1.0);
        s += u[i] * u[i];
    }
    s = sqrt(s);
    for (size_t i = 0; i < n; i++) u[i] /= s;
}

/* Central difference of the loss along u (on the parameters when v == NULL,
 * else on the input v[nin]) with step h, Richardson-extrapolated over h and
 * h/2 so that larger, less noisy steps can be used:
 * D = (4 D(h/2) - D(h)) / 3.  *a gets g.(w+ - w-)/2h averaged the same way,
 * with the perturbations actually representable in float. */
static double numeric(od_nn *net, const float *base, float *pert, size_t n, const double *u,
                      const float *g, double h, const float *x, const float *t, size_t B,
                      od_nn_loss loss, int on_input, double *a)
{
    double D[2], A[2];
    for (int k = 0; k < 2; k++) {
        double hk = k ? h / 2 : h, f[2], an = 0;
        for (int sgn = 0; sgn < 2; sgn++) {
            for (size_t i = 0; i < n; i++) pert[i] = (float)(base[i] + (sgn ? -hk : hk) * u[i]);
            if (sgn == 0)
                for (size_t i = 0; i < n; i++) an += g[i] * (double)pert[i];
            else
                for (size_t i = 0; i < n; i++) an -= g[i] * (double)pert[i];
            f[sgn] = loss_at(net, on_input ? pert : x, t, B, loss);
        }
        D[k] = (f[0] - f[1]) / (2 * hk);
        A[k] = an / (2 * hk);
    }
    *a = (4 * A[1] - A[0]) / 3;
    return (4 * D[1] - D[0]) / 3;
}

int od_nn_check_grad(od_ctx *ctx, od_nn *net, const float *x, const float *t, size_t B,
                     od_nn_loss loss, double h, int trials, int check_input, double *rel)
{
    *rel = 0;
    int rc = od_nn_prepare(ctx, net, B);
    if (rc) return rc;
    size_t np = net->np, nin = B * od_nn_in_size(net), nout = B * od_nn_out_size(net);
    size_t nmax = np > nin ? np : nin;
    float *w0 = od_mallocn(ctx, np ? np : 1, sizeof *w0);
    float *g = od_mallocn(ctx, np ? np : 1, sizeof *g);
    float *dx = od_mallocn(ctx, nin, sizeof *dx);
    float *dy = od_mallocn(ctx, nout, sizeof *dy);
    float *xp = od_mallocn(ctx, nin, sizeof *xp);
    double *u = od_mallocn(ctx, nmax, sizeof *u);
    if (!w0 || !g || !dx || !dy || !xp || !u) { rc = OD_ENOMEM; goto done; }
    memcpy(w0, net->w, np * sizeof *w0);
    od_nn_zero_grad(net);
    const float *y = od_nn_forward(net, x, B, 1);
    od_nn_loss_eval(loss, y, t, nout, dy);
    od_nn_backward(net, dy, B, dx);
    memcpy(g, net->g, np * sizeof *g);
    double gn = 0, xn = 0;
    for (size_t i = 0; i < np; i++) gn += (double)g[i] * g[i];
    for (size_t i = 0; i < nin; i++) xn += (double)dx[i] * dx[i];
    gn = sqrt(gn);
    xn = sqrt(xn);
    gsl_rng *r = od_ctx_rng(ctx);
    for (int k = 0; k < trials; k++) {
        /* error relative to the larger of the two derivatives, floored at
         * 1% of the gradient norm (directions nearly orthogonal to the
         * gradient have derivatives at the level of float noise) */
        if (np && gn > 0) {
            double a, n;
            direction(r, u, g, np, k);
            n = numeric(net, w0, net->w, np, u, g, h, x, t, B, loss, 0, &a);
            memcpy(net->w, w0, np * sizeof *w0);
            double e = fabs(a - n) / fmax(fmax(fabs(a), fabs(n)), 0.1 * gn);
            if (e > *rel) *rel = e;
        }
        if (check_input && xn > 0) {
            double a, n;
            direction(r, u, dx, nin, k);
            n = numeric(net, x, xp, nin, u, dx, h, x, t, B, loss, 1, &a);
            double e = fabs(a - n) / fmax(fmax(fabs(a), fabs(n)), 0.1 * xn);
            if (e > *rel) *rel = e;
        }
    }
done:
    free(w0); free(g); free(dx); free(dy); free(xp); free(u);
    return rc;
}
