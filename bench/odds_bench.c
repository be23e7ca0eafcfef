/* odds_bench.c - quality of the clustering/density detectors on the ODDS
 * datasets with the PyOD benchmark protocol: for each seed a random 60/40
 * train/test split, z-scored with the training part's mean and standard
 * deviation, fit on train, score test; ROC-AUC and precision@n (n = number of
 * anomalies in the test part, PyOD's precision_n_scores: threshold at the
 * (1 - n/N) percentile with linear interpolation, predicted = score >= it).
 *
 *   odds_bench --odds DIR [--seeds 10] [--splits DIR] [--out FILE.tsv]
 *              [--only a,b] [--det kmeans,cblof,gmm,kde,gauss,mcd,dbscan,hclust,
 *                                  iforest,knn,lof,pca,hbos,ecod] (default: all)
 *              [--case NAME:ALGO:K=V,K=V]..  (more columns, e.g. gmm-auto:gmm:k=auto)
 *
 * --splits DIR writes DIR/NAME.split (per seed: a "train" and a "test" line of
 * row numbers) and DIR/NAME.eps (the eps=auto chosen per seed), so that
 * bench/odds_sklearn.py scores scikit-learn on exactly the same splits.
 * --out FILE.tsv gets one line per dataset, detector and seed.  A split whose
 * test part holds no anomaly (possible for lympho) has no ROC-AUC and is left
 * out of the means. */
#include "config.h"
#include "detect/cl_cluster.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name, *algo, *opts;   /* column name, detector, its options */
} det_case;

/* every detector at its defaults (the column name says which options differ) */
static const det_case dets[] = {
    { "kmeans", "kmeans", "score=distance" },   /* the column measured before cblof became the default */
    { "cblof", "kmeans", "score=cblof" },
    { "gmm", "gmm", "" },
    { "kde", "kde", "bandwidth=scott rtol=1e-4" },
    { "gauss", "gauss", "" },
    { "mcd", "gauss", "robust=yes" },     /* the gauss detector with FAST-MCD */
    { "dbscan", "dbscan", "minpts=5" },   /* eps: auto, computed below and passed explicitly */
    { "hclust", "hclust", "linkage=ward" },   /* likewise: single is the default now (hc-single) */
    { "iforest", "iforest", "" },
    { "knn", "knn", "" },
    { "lof", "lof", "" },
    { "pca", "pca", "" },
    { "hbos", "hbos", "" },
    { "ecod", "ecod", "" },
};
#define NBUILTIN (sizeof dets / sizeof dets[0])
#define NDET (NBUILTIN + 32)
static det_case cases[NDET];   /* the built-in columns, then --case NAME:ALGO:OPTS ones */
static size_t ncase;

/* ---- tiny CSV reader: header line, numeric fields, the last column is the label */
static double *read_csv(const char *path, size_t *n, size_t *d, int **label)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return NULL;
    char *line = NULL;
    size_t cap = 0, rows = 0, rcap = 1024, cols = 0;
    double *X = NULL;
    int *y = NULL;
    if (getline(&line, &cap, fp) < 0) goto fail;
    for (char *p = line; *p; p++) cols += *p == ',';
    if (cols < 1) goto fail;   /* cols features + 1 label */
    X = malloc(rcap * cols * sizeof *X);
    y = malloc(rcap * sizeof *y);
    if (!X || !y) goto fail;
    while (getline(&line, &cap, fp) > 0) {
        if (line[0] == '\n' || line[0] == 0) continue;
        if (rows == rcap) {
            rcap *= 2;
            double *nx = realloc(X, rcap * cols * sizeof *X);
            int *ny = realloc(y, rcap * sizeof *y);
            if (!nx || !ny) {
                free(nx ? nx : X);
                free(ny ? ny : y);
                X = NULL;
                y = NULL;
                goto fail;
            }
            X = nx, y = ny;
        }
        char *p = line, *e;
        for (size_t j = 0; j <= cols; j++) {
            double v = strtod(p, &e);
            if (e == p) goto fail;
            if (j < cols) X[rows * cols + j] = v;
            else y[rows] = v != 0;
            p = e + (*e == ',');
        }
        rows++;
    }
    free(line);
    fclose(fp);
    *n = rows, *d = cols, *label = y;
    return X;
fail:
    free(line), free(X), free(y);
    fclose(fp);
    return NULL;
}

/* ---- splitmix64-driven Fisher-Yates: the split depends only on (seed, n) */
static uint64_t sm64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void permute(size_t *p, size_t n, uint64_t seed)
{
    uint64_t s = seed * 1000003ULL + 12345;
    for (size_t i = 0; i < n; i++) p[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(sm64(&s) % i), t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
}

/* ---- metrics */
typedef struct {
    double s;
    int y;
} sy;

static int sy_cmp(const void *a, const void *b)
{
    double x = ((const sy *)a)->s, z = ((const sy *)b)->s;
    return (x > z) - (x < z);
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, z = *(const double *)b;
    return (x > z) - (x < z);
}

/* ROC-AUC = Mann-Whitney U / (P N) with ties counted 1/2 (= sklearn's) */
static double roc_auc(const double *s, const int *y, size_t n)
{
    sy *v = malloc(n * sizeof *v);
    if (!v) return NAN;
    for (size_t i = 0; i < n; i++) v[i] = (sy){ s[i], y[i] };
    qsort(v, n, sizeof *v, sy_cmp);
    double ranksum = 0, P = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].s == v[i].s) j++;
        double r = 0.5 * ((double)i + 1 + (double)j);   /* average rank, 1-based */
        for (size_t q = i; q < j; q++)
            if (v[q].y) ranksum += r, P++;
        i = j;
    }
    free(v);
    double N = (double)n - P;
    if (P == 0 || N == 0) return NAN;
    return (ranksum - P * (P + 1) / 2) / (P * N);
}

/* PyOD precision_n_scores */
static double prec_at_n(const double *s, const int *y, size_t n)
{
    size_t P = 0;
    for (size_t i = 0; i < n; i++) P += (size_t)y[i];
    if (P == 0) return NAN;
    double *t = malloc(n * sizeof *t);
    if (!t) return NAN;
    memcpy(t, s, n * sizeof *t);
    qsort(t, n, sizeof *t, dbl_cmp);
    double q = 100.0 * (1.0 - (double)P / (double)n);
    double pos = q / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(pos), hi = lo + 1 < n ? lo + 1 : lo;
    double thr = t[lo] + (pos - (double)lo) * (t[hi] - t[lo]);
    free(t);
    size_t pred = 0, tp = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] >= thr) {
            pred++;
            tp += (size_t)y[i];
        }
    return pred ? (double)tp / (double)pred : 0;
}

static int want(const char *list, const char *name)
{
    if (!list) return 1;
    size_t l = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p++)
        if ((p == list || p[-1] == ',') && (p[l] == 0 || p[l] == ',')) return 1;
    return 0;
}

static int str_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* fit det on (Xtr, ntr) and score Xte; returns 0 or an error code */
static int run_det(od_ctx *ctx, const det_case *dc, const char *extra, const double *Xtr, size_t ntr,
                   const double *Xte, size_t nte, size_t d, double *sc)
{
    const od_detector_type *t = od_detector_find(dc->algo);
    if (!t) return od_error(ctx, OD_ENOTFOUND, "no detector %s", dc->name);
    char buf[256];
    snprintf(buf, sizeof buf, "%s %s", dc->opts, extra ? extra : "");
    const char *keys[8], *vals[8];
    size_t m = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, " ", &save); tok && m < 8; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = 0;
        keys[m] = tok;
        vals[m++] = eq + 1;
    }
    od_params *p = od_params_parse(ctx, t->params, t->nparams, keys, vals, m);
    if (!p) return OD_EINVAL;
    od_data tr = { Xtr, ntr, d, d }, te = { Xte, nte, d, d };
    void *st = NULL;
    int rc = t->fit(ctx, p, &tr, NULL, &st);
    if (!rc) rc = t->score(ctx, st, &te, sc, NULL);
    if (st) t->free(st);
    od_params_free(p);
    return rc;
}

int main(int argc, char **argv)
{
    const char *odds = NULL, *splits = NULL, *out = NULL, *only = NULL, *detl = NULL;
    int seeds = 10;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--odds") && i + 1 < argc) odds = argv[++i];
        else if (!strcmp(argv[i], "--splits") && i + 1 < argc) splits = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--det") && i + 1 < argc) detl = argv[++i];
        else if (!strcmp(argv[i], "--seeds") && i + 1 < argc) seeds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--case") && i + 1 < argc && ncase < 32) {
            /* NAME:ALGO:K=V,K=V (the options' commas become spaces) */
            char *c = strdup(argv[++i]), *a = c ? strchr(c, ':') : NULL, *o = a ? strchr(a + 1, ':') : NULL;
            if (!o) {
                fprintf(stderr, "odds_bench: --case wants NAME:ALGO:OPTIONS, got '%s'\n", argv[i]);
                return 2;
            }
            *a++ = 0, *o++ = 0;
            for (char *q = o; *q; q++)
                if (*q == ',') *q = ' ';
            cases[NBUILTIN + ncase++] = (det_case){ c, a, o };
        }
        else {
            fprintf(stderr, "usage: %s --odds DIR [--seeds N] [--splits DIR] [--out FILE] [--only a,b] "
                    "[--det kmeans,cblof,gmm,...]\n", argv[0]);
            return 2;
        }
    }
    for (size_t k = 0; k < NBUILTIN; k++) cases[k] = dets[k];
    ncase += NBUILTIN;
    if (!odds) {
        fprintf(stderr, "odds_bench: --odds DIR is required\n");
        return 2;
    }
    DIR *dh = opendir(odds);
    if (!dh) {
        printf("odds_bench: %s not found: skipped\n", odds);
        return 0;
    }
    char *names[256];
    size_t nn = 0;
    for (struct dirent *e; (e = readdir(dh)) && nn < 256;) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".csv")) {
            names[nn] = strndup(e->d_name, l - 4);
            if (names[nn] && want(only, names[nn])) nn++;
            else free(names[nn]);
        }
    }
    closedir(dh);
    qsort(names, nn, sizeof names[0], str_cmp);
    FILE *fo = out ? fopen(out, "w") : NULL;
    if (out && !fo) {
        fprintf(stderr, "odds_bench: cannot write %s\n", out);
        return 1;
    }
    if (fo) fprintf(fo, "dataset\tdetector\tseed\troc_auc\tprec_n\tfit_score_s\n");
    int use[NDET];
    size_t nuse = 0;
    for (size_t k = 0; k < NDET; k++)
        nuse += (size_t)(use[k] = k < NBUILTIN ? want(detl, cases[k].name) : k < ncase);
    printf("oddity on ODDS: %d seeds, 60/40 split, z-scored on train; mean ROC-AUC / precision@n over seeds\n", seeds);
    printf("%-12s %6s %4s %6s", "dataset", "n", "d", "anom%");
    for (size_t k = 0; k < NDET; k++)
        if (use[k]) printf("  %13s", cases[k].name);
    printf("\n");
    double tot_auc[NDET] = { 0 }, tot_pn[NDET] = { 0 };
    size_t tot_cnt[NDET] = { 0 };
    for (size_t f = 0; f < nn; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.csv", odds, names[f]);
        size_t n, d;
        int *y;
        double *X = read_csv(path, &n, &d, &y);
        if (!X) {
            printf("%-12s cannot read %s\n", names[f], path);
            continue;
        }
        size_t npos = 0;
        for (size_t i = 0; i < n; i++) npos += (size_t)y[i];
        size_t ntr = (size_t)floor(0.6 * (double)n), nte = n - ntr;
        size_t *perm = malloc(n * sizeof *perm);
        double *Xtr = malloc(ntr * d * sizeof *Xtr), *Xte = malloc(nte * d * sizeof *Xte), *sc = malloc(nte * sizeof *sc);
        int *yte = malloc(nte * sizeof *yte);
        double *mu = malloc(d * sizeof *mu), *sd = malloc(d * sizeof *sd);
        FILE *fs = NULL, *fe = NULL;
        if (splits) {
            snprintf(path, sizeof path, "%s/%s.split", splits, names[f]);
            fs = fopen(path, "w");
            snprintf(path, sizeof path, "%s/%s.eps", splits, names[f]);
            fe = fopen(path, "w");
        }
        double sa[NDET] = { 0 }, sp[NDET] = { 0 };
        size_t cnt[NDET] = { 0 };
        for (int s = 0; s < seeds; s++) {
            permute(perm, n, (uint64_t)s);
            if (fs) {
                fprintf(fs, "train");
                for (size_t i = 0; i < ntr; i++) fprintf(fs, " %zu", perm[i]);
                fprintf(fs, "\ntest");
                for (size_t i = ntr; i < n; i++) fprintf(fs, " %zu", perm[i]);
                fprintf(fs, "\n");
            }
            for (size_t j = 0; j < d; j++) {
                double m = 0, v = 0;
                for (size_t i = 0; i < ntr; i++) m += X[perm[i] * d + j];
                m /= (double)ntr;
                for (size_t i = 0; i < ntr; i++) v += (X[perm[i] * d + j] - m) * (X[perm[i] * d + j] - m);
                v = sqrt(v / (double)ntr);
                mu[j] = m;
                sd[j] = v > 0 ? v : 1;
            }
            for (size_t i = 0; i < n; i++) {
                double *dst = i < ntr ? Xtr + i * d : Xte + (i - ntr) * d;
                for (size_t j = 0; j < d; j++) dst[j] = (X[perm[i] * d + j] - mu[j]) / sd[j];
                if (i >= ntr) yte[i - ntr] = y[perm[i]];
            }
            for (size_t k = 0; k < NDET; k++) {
                if (!use[k]) continue;
                od_ctx *ctx = od_ctx_new((unsigned long)s);
                char extra[64] = "";
                int rc = 0;
                if (!strcmp(cases[k].name, "dbscan")) {
                    double eps;
                    rc = od_dbscan_auto_eps(ctx, Xtr, ntr, d, d, 5, &eps);
                    if (!rc) snprintf(extra, sizeof extra, "eps=%.17g", eps);
                    if (fe) fprintf(fe, "%d %.17g\n", s, rc ? NAN : eps);
                }
                double t0 = od_now();
                if (!rc) rc = run_det(ctx, &cases[k], extra, Xtr, ntr, Xte, nte, d, sc);
                double secs = od_now() - t0;
                double auc = NAN, pn = NAN;
                if (!rc) {
                    for (size_t i = 0; i < nte; i++)
                        if (sc[i] > 1e308) sc[i] = 1e308;   /* +inf (no core point near) ranks first */
                    auc = roc_auc(sc, yte, nte);
                    pn = prec_at_n(sc, yte, nte);
                    if (isfinite(auc)) sa[k] += auc, sp[k] += pn, cnt[k]++;   /* a test part without anomalies is skipped */
                } else if (s == 0) {
                    fprintf(stderr, "%s %s: %s\n", names[f], cases[k].name, od_ctx_errmsg(ctx));
                }
                if (fo) fprintf(fo, "%s\t%s\t%d\t%.6f\t%.6f\t%.4f\n", names[f], cases[k].name, s, auc, pn, secs);
                od_ctx_free(ctx);
            }
        }
        printf("%-12s %6zu %4zu %6.2f", names[f], n, d, 100.0 * (double)npos / (double)n);
        for (size_t k = 0; k < NDET; k++) {
            if (!use[k]) continue;
            if (cnt[k]) {
                printf("  %6.3f/%6.3f", sa[k] / (double)cnt[k], sp[k] / (double)cnt[k]);
                tot_auc[k] += sa[k] / (double)cnt[k];
                tot_pn[k] += sp[k] / (double)cnt[k];
                tot_cnt[k]++;
            } else {
                printf("  %13s", "failed");
            }
        }
        printf("\n");
        fflush(stdout);
        if (fs) fclose(fs);
        if (fe) fclose(fe);
        free(perm), free(Xtr), free(Xte), free(sc), free(yte), free(mu), free(sd), free(X), free(y);
    }
    printf("%-12s %6s %4s %6s", "mean", "", "", "");
    for (size_t k = 0; k < NDET; k++)
        if (use[k]) printf("  %6.3f/%6.3f", tot_cnt[k] ? tot_auc[k] / (double)tot_cnt[k] : NAN,
                           tot_cnt[k] ? tot_pn[k] / (double)tot_cnt[k] : NAN);
    printf("\n");
    if (fo) fclose(fo);
    for (size_t f = 0; f < nn; f++) free(names[f]);
    (void)nuse;
    return 0;
}
