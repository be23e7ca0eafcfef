/* fuzz_model.c - the model-file loader (engine/run/model.c and every
 * detector's load) on bytes read through fmemopen.  A model that loads is
 * described and scores three small matrices (1, 2 and 3 columns): a damaged
 * file must be refused by the loader or by the column check, never crash. */
#include "config.h"
#include "common.h"
#include "oddity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > (1u << 20)) return 0;
    od_ctx *ctx = od_ctx_new(1);
    if (!ctx) return 0;
    od_ctx_set_threads(ctx, 1);
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp) { od_ctx_free(ctx); return 0; }
    od_model m;
    int rc = od_model_load_stream(ctx, fp, "fuzz.oddm", &m);
    fclose(fp);
    if (rc) {
        if (!od_ctx_errmsg(ctx)[0]) abort();   /* a refusal says why */
        od_ctx_free(ctx);
        return 0;
    }
    od_out *o = od_out_buffer();
    if (o && m.type->describe) m.type->describe(m.state, o);
    od_out_free(o);
    double X[24], sc[8];
    long cl[8];
    for (int i = 0; i < 24; i++) X[i] = sin(i * 1.7) * 3;
    for (size_t d = 1; d <= 3; d++) {
        od_data dat = { X, 8 / d, d, d };
        od_ctx_clear_error(ctx);
        if (m.type->score(ctx, m.state, &dat, sc, cl) && !od_ctx_errmsg(ctx)[0]) abort();
    }
    od_model_free(&m);
    od_ctx_free(ctx);
    return 0;
}
