/* cl_common.c - helpers shared by the clustering and density detectors:
 * contiguous copies, input checks, small dense linear algebra, model-file I/O. */
#include "config.h"
#include "cl_cluster.h"

#include <math.h>
#include <string.h>
#include <stdlib.h>

const double *od_cl_contig(od_ctx *ctx, const od_data *data, double **buf)
{
    *buf = NULL;
    if (data->ld == data->d || data->n <= 1) return data->X;
    double *c = od_mallocn(ctx, data->n * data->d, sizeof *c);
    if (!c) return NULL;
    for (size_t i = 0; i < data->n; i++)
        memcpy(c + i * data->d, data->X + i * data->ld, data->d * sizeof *c);
    *buf = c;
    return c;
}

int od_cl_check_train(od_ctx *ctx, const char *what, const od_data *data)
{
    if (!data || data->n == 0)
        return od_error(ctx, OD_EDATA, "%s: the training set is empty", what);
    if (data->d == 0)
        return od_error(ctx, OD_EDATA, "%s: the data has no feature columns", what);
    if (!data->X) return od_error(ctx, OD_EINVAL, "%s: no data", what);
    return OD_OK;
}

int od_cl_check_score(od_ctx *ctx, const char *what, const od_data *data, size_t d)
{
    if (!data) return od_error(ctx, OD_EINVAL, "%s: no data to score", what);
    if (data->d != d)
        return od_error(ctx, OD_EDATA, "%s: the model was fitted on %zu columns, the data has %zu",
                        what, d, data->d);
    if (data->n > 0 && !data->X) return od_error(ctx, OD_EINVAL, "%s: no data", what);
    return OD_OK;
}

int od_cl_cholesky(double *A, size_t d)
{
    for (size_t j = 0; j < d; j++) {
        double s = A[j * d + j];
        for (size_t k = 0; k < j; k++) s -= A[j * d + k] * A[j * d + k];
        if (!(s > 0) || !isfinite(s)) return -1;
        double l = sqrt(s);
        A[j * d + j] = l;
        for (size_t i = j + 1; i < d; i++) {
            double t = A[i * d + j];
            for (size_t k = 0; k < j; k++) t -= A[i * d + k] * A[j * d + k];
            A[i * d + j] = t / l;
        }
        for (size_t i = j + 1; i < d; i++) A[j * d + i] = 0;
    }
    return 0;
}

void od_cl_trinv_lower(const double *L, double *Linv, size_t d)
{
    memset(Linv, 0, d * d * sizeof *Linv);
    for (size_t j = 0; j < d; j++) {
        /* column j of L^-1: solve L y = e_j */
        Linv[j * d + j] = 1.0 / L[j * d + j];
        for (size_t i = j + 1; i < d; i++) {
            double s = 0;
            for (size_t k = j; k < i; k++) s -= L[i * d + k] * Linv[k * d + j];
            Linv[i * d + j] = s / L[i * d + i];
        }
    }
}

int od_cl_cholesky_reg(double *A, double *work, size_t d, double *added)
{
    *added = 0;
    memcpy(work, A, d * d * sizeof *A);
    if (od_cl_cholesky(A, d) == 0) return 0;
    double tr = 0;
    for (size_t j = 0; j < d; j++) tr += fabs(work[j * d + j]);
    double ridge = 1e-10 * tr / (double)d;
    if (!(ridge > 1e-300)) ridge = 1e-300;
    for (int attempt = 0; attempt < 400; attempt++, ridge *= 10) {
        if (!isfinite(ridge)) break;
        memcpy(A, work, d * d * sizeof *A);
        for (size_t j = 0; j < d; j++) A[j * d + j] += ridge;
        if (od_cl_cholesky(A, d) == 0) {
            *added = ridge;
            return 0;
        }
    }
    memcpy(A, work, d * d * sizeof *A);
    return -1;
}

double od_cl_logsumexp(const double *v, size_t m)
{
    double mx = -INFINITY;
    for (size_t j = 0; j < m; j++)
        if (v[j] > mx) mx = v[j];
    if (!isfinite(mx)) return mx;
    double s = 0;
    for (size_t j = 0; j < m; j++) s += exp(v[j] - mx);
    return mx + log(s);
}

/* ------------------------------------------------------------- model files */

static const char cl_magic[8] = { 'O', 'D', 'D', 'C', 'L', 'S', 'T', 0 };

int od_cl_write(od_ctx *ctx, FILE *fp, const char *name, const void *p, size_t size, size_t count)
{
    if (count == 0) return OD_OK;
    if (fwrite(p, size, count, fp) != count)
        return od_error(ctx, OD_EIO, "%s: could not write the model file", name);
    return OD_OK;
}

int od_cl_read(od_ctx *ctx, FILE *fp, const char *name, void *p, size_t size, size_t count)
{
    if (count == 0) return OD_OK;
    if (fread(p, size, count, fp) != count) {
        if (ferror(fp)) return od_error(ctx, OD_EIO, "%s: could not read the model file", name);
        return od_error(ctx, OD_EFORMAT, "%s model file is truncated", name);
    }
    return OD_OK;
}

int od_cl_write_header(od_ctx *ctx, FILE *fp, const char *name, uint32_t version)
{
    char nm[16] = { 0 };
    strncpy(nm, name, sizeof nm - 1);
    int rc;
    if ((rc = od_cl_write(ctx, fp, name, cl_magic, 1, sizeof cl_magic))) return rc;
    if ((rc = od_cl_write(ctx, fp, name, nm, 1, sizeof nm))) return rc;
    return od_cl_write(ctx, fp, name, &version, sizeof version, 1);
}

int od_cl_read_header(od_ctx *ctx, FILE *fp, const char *name, uint32_t version, uint32_t *got)
{
    char mg[8], nm[16];
    int rc;
    if ((rc = od_cl_read(ctx, fp, name, mg, 1, sizeof mg))) return rc;
    if (memcmp(mg, cl_magic, sizeof mg))
        return od_error(ctx, OD_EFORMAT, "%s: not an oddity cluster/density model file", name);
    if ((rc = od_cl_read(ctx, fp, name, nm, 1, sizeof nm))) return rc;
    nm[15] = 0;
    if (strcmp(nm, name))
        return od_error(ctx, OD_EFORMAT, "%s: the model file holds a %s model", name, nm);
    uint32_t v;
    if ((rc = od_cl_read(ctx, fp, name, &v, sizeof v, 1))) return rc;
    if (v == 0 || v > version)
        return od_error(ctx, OD_EFORMAT, "%s model file has format version %u; this build reads up to %u",
                        name, (unsigned)v, (unsigned)version);
    if (got) *got = v;
    return OD_OK;
}

int od_cl_write_u64(od_ctx *ctx, FILE *fp, const char *name, uint64_t v)
{
    return od_cl_write(ctx, fp, name, &v, sizeof v, 1);
}

int od_cl_read_u64(od_ctx *ctx, FILE *fp, const char *name, uint64_t *v, uint64_t max)
{
    int rc = od_cl_read(ctx, fp, name, v, sizeof *v, 1);
    if (rc) return rc;
    if (*v > max)
        return od_error(ctx, OD_EFORMAT, "%s model file is corrupt (a count of %llu exceeds %llu)",
                        name, (unsigned long long)*v, (unsigned long long)max);
    return OD_OK;
}

uint64_t od_cl_bytes_left(FILE *fp)
{
    long pos = ftell(fp);
    if (pos < 0 || fseek(fp, 0, SEEK_END)) return UINT64_MAX;
    long end = ftell(fp);
    if (fseek(fp, pos, SEEK_SET) || end < 0) return UINT64_MAX;
    return end > pos ? (uint64_t)(end - pos) : 0;
}

int od_cl_need(od_ctx *ctx, FILE *fp, const char *name, uint64_t count, uint64_t size, const char *what)
{
    uint64_t left = od_cl_bytes_left(fp);
    if (left == UINT64_MAX || !size || count <= left / size) return OD_OK;
    return od_error(ctx, OD_EFORMAT,
                    "%s model file is truncated or damaged: it declares %llu %s (%llu bytes each) but only %llu bytes follow",
                    name, (unsigned long long)count, what, (unsigned long long)size, (unsigned long long)left);
}

int od_cl_read_doubles(od_ctx *ctx, FILE *fp, const char *name, double **out, size_t count)
{
    *out = NULL;
    int rc = od_cl_need(ctx, fp, name, count, sizeof **out, "numbers");
    if (rc) return rc;
    *out = od_mallocn(ctx, count ? count : 1, sizeof **out);
    if (!*out) return OD_ENOMEM;
    rc = od_cl_read(ctx, fp, name, *out, sizeof **out, count);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}
