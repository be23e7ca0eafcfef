/* bench_csv - time od_csv_read on one file.
 *
 *   bench/bench_csv [FILE] [REPEATS] [THREADS]
 *
 * FILE defaults to /tmp/odd-bench/blobs_n1000000_d8.csv (written by
 * /usr/bin/python3 ../shared/bench/gen_data.py --out /tmp/odd-bench),
 * REPEATS to 5, THREADS to 0 (all cores).  Prints the median wall time, MB/s,
 * the shape, and the peak RSS (getrusage ru_maxrss) against the size of the
 * parsed doubles, then one JSON line for scripts. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "core/ctx.h"
#include "data/csv.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/odd-bench/blobs_n1000000_d8.csv";
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    int threads = argc > 3 ? atoi(argv[3]) : 0;
    if (reps < 1) reps = 1;
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "bench_csv: %s: not found (generate it with gen_data.py --out /tmp/odd-bench)\n", path);
        return 1;
    }
    od_ctx *ctx = od_ctx_new(1);
    if (!ctx) return 1;
    od_ctx_set_threads(ctx, threads);
    double *t = calloc((size_t)reps, sizeof *t);
    size_t nrow = 0, ncol = 0;
    if (!t) return 1;
    for (int i = 0; i < reps; i++) {
        int err;
        double t0 = od_now();
        od_frame *f = od_csv_read(ctx, path, &(od_csv_opts){ .header = -1 }, &err);
        t[i] = od_now() - t0;
        if (!f) {
            fprintf(stderr, "bench_csv: %s\n", od_ctx_errmsg(ctx));
            return 1;
        }
        nrow = f->nrow;
        ncol = f->ncol;
        od_frame_free(f);
        od_ctx_clear_warnings(ctx);
    }
    qsort(t, (size_t)reps, sizeof *t, cmp);
    double med = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double mb = (double)st.st_size / 1e6;
    double peak = (double)ru.ru_maxrss * 1024.0 / 1e6;
    double doubles = (double)nrow * (double)ncol * 8.0 / 1e6;
    printf("file      %s (%.1f MB)\n", path, mb);
    printf("shape     %zu rows x %zu columns\n", nrow, ncol);
    printf("threads   %d\n", od_ctx_threads(ctx));
    printf("median    %.4f s over %d runs (min %.4f, max %.4f)\n", med, reps, t[0], t[reps - 1]);
    printf("speed     %.0f MB/s\n", mb / med);
    printf("peak RSS  %.1f MB = %.2f x the parsed doubles (%.1f MB)\n", peak, peak / doubles, doubles);
    printf("{\"bench\":\"csv\",\"file\":\"%s\",\"rows\":%zu,\"cols\":%zu,\"threads\":%d,\"median_s\":%.5f,"
           "\"min_s\":%.5f,\"mb_per_s\":%.1f,\"peak_rss_mb\":%.1f,\"doubles_mb\":%.1f}\n",
           path, nrow, ncol, od_ctx_threads(ctx), med, t[0], mb / med, peak, doubles);
    free(t);
    od_ctx_free(ctx);
    return 0;
}
