/* loss.c - mean squared and mean absolute error (mean over all elements, as
 * PyTorch's reduction='mean'); the sum is accumulated in double. */
#include "config.h"
#include "nn_impl.h"

#include <math.h>

double od_nn_loss_eval(od_nn_loss kind, const float *y, const float *t, size_t n, float *dy)
{
    if (n == 0) return NAN;
    double s = 0;
    float inv = 1.0f / (float)n;
    if (kind == OD_NN_LOSS_MAE) {
        for (size_t i = 0; i < n; i++) {
            float e = y[i] - t[i];
            s += fabsf(e);
            if (dy) dy[i] = e > 0 ? inv : e < 0 ? -inv : 0.0f;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            float e = y[i] - t[i];
            s += (double)e * e;
            if (dy) dy[i] = 2.0f * e * inv;
        }
    }
    return s / (double)n;
}
