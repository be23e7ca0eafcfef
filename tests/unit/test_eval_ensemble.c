/* test_eval_ensemble.c - engine/eval ensembles: z-score / min-max on the
 * training rows, average ranks (scipy.stats.rankdata), mean / max / median /
 * weighted combinations, against tests/fixtures/eval/ensemble.txt. */
#include "config.h"
#include "../od_test.h"
#include "eval/ensemble.h"
#include "test_eval_fixture.h"

#define TOL 1e-12
#define MAXK 8

static void test_fixture(od_ctx *ctx)
{
    fx_file f;
    if (fx_open(&f, od_test_path("tests/fixtures/eval/ensemble.txt"))) {
        od_test_true(0, "open ensemble.txt");
        return;
    }
    double *m[MAXK] = {0}, *train = NULL, w[MAXK];
    unsigned char *tr = NULL;
    size_t n = 0, k = 0, iz = 0, imm = 0, irk = 0;
    int id = -1, ncases = 0;
    double *buf = NULL;
    while (fx_next(&f)) {
        if (fx_is(&f, "case")) {
            id = atoi(f.rest);
            for (size_t j = 0; j < k; j++) free(m[j]);
            k = iz = imm = irk = 0;
        } else if (fx_is(&f, "train")) {
            free(train);
            free(tr);
            free(buf);
            train = fx_nums_alloc(f.rest, &n);
            tr = malloc(n);
            buf = malloc(n * sizeof *buf);
            for (size_t i = 0; i < n; i++) tr[i] = train[i] != 0;
        } else if (fx_is(&f, "w")) {
            fx_nums(f.rest, w, MAXK);
        } else if (fx_is(&f, "m")) {
            size_t nn;
            m[k++] = fx_nums_alloc(f.rest, &nn);
        } else if (!strncmp(f.tag, "norm_", 5)) {
            size_t nn;
            double *want = fx_nums_alloc(f.rest, &nn);
            od_norm norm;
            size_t j;
            if (!strcmp(f.tag, "norm_z")) {
                norm = OD_NORM_ZSCORE;
                j = iz++;
            } else if (!strcmp(f.tag, "norm_minmax")) {
                norm = OD_NORM_MINMAX;
                j = imm++;
            } else {
                norm = OD_NORM_RANK;
                j = irk++;
            }
            int rc = od_ensemble_normalize(ctx, m[j], n, tr, norm, buf);
            char what[64];
            snprintf(what, sizeof what, "case %d member %zu %s", id, j + 1, od_norm_name(norm));
            if (rc) od_test_true(0, "%s: %s", what, od_ctx_errmsg(ctx));
            else fx_check_array(buf, want, n, TOL, what);
            free(want);
        } else if (!strncmp(f.tag, "comb_", 5)) {
            size_t nn;
            double *want = fx_nums_alloc(f.rest, &nn);
            od_combine how;
            od_combine_parse(ctx, f.tag + 5, &how);
            int rc = od_ensemble_combine(ctx, (const double *const *)m, k, n, how, w, buf);
            char what[64];
            snprintf(what, sizeof what, "case %d combine=%s of %zu members", id, od_combine_name(how), k);
            if (rc) od_test_true(0, "%s: %s", what, od_ctx_errmsg(ctx));
            else fx_check_array(buf, want, n, TOL, what);
            free(want);
        } else if (fx_is(&f, "end")) {
            ncases++;
        }
    }
    for (size_t j = 0; j < k; j++) free(m[j]);
    free(train);
    free(tr);
    free(buf);
    fx_close(&f);
    od_test_true(ncases >= 20, "%d ensemble cases", ncases);
}

static void test_by_hand(od_ctx *ctx)
{
    /* ranks of 3 1 3 NaN 2: sorted 1 2 3 3 -> ranks 1, 2, 3.5, 3.5; / 4 */
    double s[5] = {3, 1, 3, NAN, 2}, out[5];
    od_ensemble_normalize(ctx, s, 5, NULL, OD_NORM_RANK, out);
    double want[5] = {3.5 / 4, 0.25, 3.5 / 4, NAN, 0.5};
    fx_check_array(out, want, 5, TOL, "average ranks / n, NaN kept");
    /* constant training part: warned, only shifted */
    double c[4] = {2, 2, 2, 5};
    unsigned char tr[4] = {1, 1, 1, 0};
    od_ctx_clear_warnings(ctx);
    od_test_int(od_ensemble_normalize(ctx, c, 4, tr, OD_NORM_ZSCORE, out), OD_OK, "constant training scores");
    od_test_true(out[3] == 3 && od_ctx_nwarnings(ctx) == 1, "zscore of a constant: centred only, one warning (%s)",
                 od_ctx_nwarnings(ctx) ? od_ctx_warning(ctx, 0) : "");
    unsigned char none[4] = {0, 0, 0, 0};
    od_test_int(od_ensemble_normalize(ctx, c, 4, none, OD_NORM_MINMAX, out), OD_EDATA, "no training rows refused");
    /* weights */
    const double *ms[2] = {s, c};
    double wbad[2] = {1, -1};
    od_test_int(od_ensemble_combine(ctx, ms, 2, 4, OD_COMBINE_WEIGHTED, wbad, out), OD_EINVAL, "negative weight refused");
    od_test_true(strstr(od_ctx_errmsg(ctx), "weight 2") != NULL, "names the weight: %s", od_ctx_errmsg(ctx));
    od_test_int(od_ensemble_combine(ctx, ms, 2, 4, OD_COMBINE_WEIGHTED, NULL, out), OD_EINVAL, "weighted without weights");
    od_norm nm;
    od_test_true(od_norm_parse(ctx, "z", &nm) == OD_OK && nm == OD_NORM_ZSCORE, "norm=z parses");
    od_test_int(od_norm_parse(ctx, "softmax", &nm), OD_EINVAL, "unknown norm refused");
}

int main(void)
{
    od_ctx *ctx = od_ctx_new(3);
    test_fixture(ctx);
    test_by_hand(ctx);
    od_ctx_free(ctx);
    return od_test_done();
}
