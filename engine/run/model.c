/* model.c - the model file: its one owner.
 *
 *   "ODDMODEL"  8 bytes
 *   uint32      format version (3; version 1 files, without the pipeline, and
 *               version 2 ones, without clean missing=ffill|interpolate, are read too)
 *   uint32 + bytes   detector name
 *   uint32 + bytes   parameters, "k=8 init=k-means++ ..." (od_params_format)
 *   uint32 + bytes   versions 2 and 3: the pipeline (pipeline.c: prep steps with their
 *                    fitted parameters, input columns, window view, threshold)
 *   ...         the detector's own payload (its save/load)
 *
 * Integers are in the byte order of the machine that wrote the file (every
 * supported machine is little-endian).  A file is written to a temporary
 * name in the target's directory and renamed over it only when complete. */
#include "config.h"
#include "run.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char MODEL_MAGIC[8] = { 'O', 'D', 'D', 'M', 'O', 'D', 'E', 'L' };
enum { MODEL_VERSION = 3, MAX_PARAMS = 1 << 20, MAX_PIPE = 1 << 28 };

static int write_header(FILE *fp, const char *algo, const char *params, const unsigned char *pipe, size_t npipe)
{
    uint32_t ver = MODEL_VERSION, la = (uint32_t)strlen(algo), lp = (uint32_t)strlen(params), lq = (uint32_t)npipe;
    return fwrite(MODEL_MAGIC, 1, 8, fp) == 8 && fwrite(&ver, 4, 1, fp) == 1 && fwrite(&la, 4, 1, fp) == 1 &&
           fwrite(algo, 1, la, fp) == la && fwrite(&lp, 4, 1, fp) == 1 && fwrite(params, 1, lp, fp) == lp &&
           fwrite(&lq, 4, 1, fp) == 1 && fwrite(pipe, 1, npipe, fp) == npipe;
}

int od_model_save(od_ctx *ctx, const od_run *r, const char *path)
{
    return od_model_save_ws(ctx, NULL, r, path);
}

int od_model_save_ws(od_ctx *ctx, od_workspace *ws, const od_run *r, const char *path)
{
    if (!r->type || !r->type->save || !r->state)
        return od_error(ctx, OD_EINVAL, "%s is not a fitted detector (ensembles and columns have no model)", r->name);
    od_pipeline *pl = NULL;
    unsigned char *pipe = NULL;
    size_t npipe = 0;
    int prc = od_pipeline_build(ctx, ws, r, &pl);
    if (!prc) prc = od_pipeline_encode(ctx, pl, &pipe, &npipe);
    od_pipeline_free(pl);
    if (prc) return prc;
    size_t l = strlen(path);
    char *tmp = od_malloc(ctx, l + 16);
    if (!tmp) { free(pipe); return OD_ENOMEM; }
    snprintf(tmp, l + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!fp) {
        int e = errno;
        if (fd >= 0) { close(fd); unlink(tmp); }
        free(tmp);
        free(pipe);
        return od_error(ctx, OD_EIO, "cannot write %s: %s", path, strerror(e));
    }
    int rc = write_header(fp, r->type->name, r->params ? r->params : "", pipe, npipe)
                 ? r->type->save(ctx, r->state, fp)
                 : od_error(ctx, OD_EIO, "cannot write %s: %s", path, strerror(errno));
    if (fflush(fp) || fsync(fileno(fp))) {
        if (!rc) rc = od_error(ctx, OD_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    if (fclose(fp) && !rc) rc = od_error(ctx, OD_EIO, "cannot write %s: %s", path, strerror(errno));
    if (!rc && rename(tmp, path)) rc = od_error(ctx, OD_EIO, "cannot write %s: %s", path, strerror(errno));
    if (rc) unlink(tmp);
    free(tmp);
    free(pipe);
    return rc;
}

/* "k=8 name=\"a b\" ..." into key/value arrays (pointers into buf, which is
 * modified).  Returns the pair count or -1 when malformed. */
static long split_params(char *buf, char **keys, char **vals, size_t cap)
{
    size_t n = 0;
    char *p = buf;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        char *k = p, *eq = strchr(p, '=');
        if (!eq || eq == k || n == cap) return -1;
        *eq = 0;
        p = eq + 1;
        char *v = p;
        if (*p == '"') {
            v = ++p;
            char *q = strchr(p, '"');
            if (!q) return -1;
            *q = 0;
            p = q + 1;
        } else {
            while (*p && *p != ' ') p++;
        }
        if (*p) *p++ = 0;
        if (strchr(k, ' ')) return -1;
        keys[n] = k;
        vals[n++] = v;
    }
    return (long)n;
}

static int read_u32(FILE *fp, uint32_t *x)
{
    return fread(x, 4, 1, fp) == 1;
}

static int read_header(od_ctx *ctx, FILE *fp, const char *path, char *algo, size_t na, char **params, unsigned *version)
{
    char magic[8];
    uint32_t ver, la, lp;
    if (fread(magic, 1, 8, fp) != 8 || memcmp(magic, MODEL_MAGIC, 8))
        return od_error(ctx, OD_EFORMAT, "%s: not an oddity model file (bad magic number)", path);
    if (!read_u32(fp, &ver) || ver < 1 || ver > MODEL_VERSION)
        return od_error(ctx, OD_EFORMAT, "%s: model format version %u is not supported (this oddity reads versions 1 to %d)", path,
                        (unsigned)ver, MODEL_VERSION);
    *version = ver;
    if (!read_u32(fp, &la) || la == 0 || la >= na || fread(algo, 1, la, fp) != la)
        return od_error(ctx, OD_EFORMAT, "%s: truncated or damaged model file (header)", path);
    algo[la] = 0;
    if (!read_u32(fp, &lp) || lp > MAX_PARAMS)
        return od_error(ctx, OD_EFORMAT, "%s: truncated or damaged model file (parameters)", path);
    if (!(*params = od_calloc(ctx, 1, lp + 1))) return OD_ENOMEM;   /* not the file's fault (scripts/faultinject) */
    if (fread(*params, 1, lp, fp) != lp)
        return od_error(ctx, OD_EFORMAT, "%s: truncated or damaged model file (parameters)", path);
    return OD_OK;
}

static int parse_params(od_ctx *ctx, const od_detector_type *t, const char *path, const char *params, od_params **out)
{
    size_t l = strlen(params), cap = l / 2 + 1;
    char *buf = od_strdup(ctx, params);
    char **keys = od_mallocn(ctx, cap, sizeof *keys), **vals = od_mallocn(ctx, cap, sizeof *vals);
    int rc = buf && keys && vals ? OD_OK : OD_ENOMEM;
    long n = rc ? 0 : split_params(buf, keys, vals, cap);
    if (!rc && n < 0) rc = od_error(ctx, OD_EFORMAT, "%s: damaged parameters in model file", path);
    if (!rc) {
        *out = od_params_parse(ctx, t->params, t->nparams, (const char *const *)keys, (const char *const *)vals, (size_t)n);
        if (!*out) rc = OD_EFORMAT;
    }
    free(buf);
    free(keys);
    free(vals);
    return rc;
}

static int read_pipeline(od_ctx *ctx, FILE *fp, const char *path, unsigned version, od_pipeline **out)
{
    uint32_t l;
    if (!read_u32(fp, &l) || l > MAX_PIPE) return od_error(ctx, OD_EFORMAT, "%s: truncated or damaged model file (pipeline)", path);
    unsigned char *b = od_malloc(ctx, l ? l : 1);
    if (!b) return OD_ENOMEM;
    int rc = fread(b, 1, l, fp) == l ? od_pipeline_decode(ctx, b, l, version, path, out)
                                     : od_error(ctx, OD_EFORMAT, "%s: truncated or damaged model file (pipeline)", path);
    free(b);
    return rc;
}

int od_model_load_stream(od_ctx *ctx, FILE *fp, const char *path, od_model *m)
{
    memset(m, 0, sizeof *m);
    char algo[64];
    int rc = read_header(ctx, fp, path, algo, sizeof algo, &m->params, &m->version);
    if (!rc && m->version >= 2) rc = read_pipeline(ctx, fp, path, m->version, &m->pipe);
    if (!rc) {
        m->type = !strcmp(algo, od_bag_type.name) ? &od_bag_type : od_detector_find(algo);
        if (!m->type || !m->type->load) rc = od_error(ctx, OD_EFORMAT, "%s: model of unknown detector '%s'", path, algo);
    }
    if (!rc) rc = m->type == &od_bag_type ? od_bag_params(ctx, &m->p) : parse_params(ctx, m->type, path, m->params, &m->p);
    if (!rc) {
        rc = m->type->load(ctx, m->p, fp, &m->state);
        /* the detectors' messages name the detector; say which file too */
        if (rc && rc != OD_ENOMEM) od_error(ctx, rc, "%s: %s", path, od_ctx_errmsg(ctx));
    }
    if (rc) od_model_free(m);
    return rc;
}

int od_model_load(od_ctx *ctx, const char *path, od_model *m)
{
    memset(m, 0, sizeof *m);
    FILE *fp = fopen(path, "rb");
    if (!fp) return od_error(ctx, OD_EIO, "cannot open %s: %s", path, strerror(errno));
    int rc = od_model_load_stream(ctx, fp, path, m);
    fclose(fp);
    return rc;
}
