/* fuzz_csv.c - the CSV/TSV reader (sniffer, general and fast paths) on bytes
 * from memory, as a pipe's contents reach it.  First byte: options (common.c). */
#include "config.h"
#include "common.h"
#include "oddity.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    od_csv_opts o;
    fuzz_csv_opts(data[0], &o);
    od_ctx *ctx = od_ctx_new(1);
    if (!ctx) return 0;
    /* an exact-size copy: a read past the end is an ASan report */
    char *buf = malloc(size - 1 ? size - 1 : 1);
    if (buf) {
        memcpy(buf, data + 1, size - 1);
        int err = 0;
        od_frame *f = od_csv_read_mem(ctx, "fuzz.csv", buf, size - 1, &o, &err);
        if (!f && !err) abort();   /* a failure must say why */
        if (!f && !od_ctx_errmsg(ctx)[0]) abort();
        od_frame_free(f);
        free(buf);
    }
    od_ctx_free(ctx);
    return 0;
}
