#include "config.h"
#include "readerr.h"
#include "load.h"
#include "arff.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes looked at to tell ARFF from CSV. */
#define SNIFF_BYTES 4096

static const char *ext_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot + 1 : "";
}

/* Does buf[0..n) start (after blank and %-comment lines) with "@relation"? */
static int looks_like_arff(const char *data, size_t n)
{
    char buf[SNIFF_BYTES];
    if (n > sizeof buf - 1) n = sizeof buf - 1;
    if (n == 0) return 0;
    memcpy(buf, data, n);
    buf[n] = 0;
    const char *p = buf;
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF) p += 3;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (*p != '%') break;
        while (*p && *p != '\n') p++;
    }
    return strncasecmp(p, "@relation", 9) == 0;
}

/* The same for a regular file: its first bytes (read again by the reader). */
static int file_looks_like_arff(const char *path)
{
    char buf[SNIFF_BYTES];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    return n > 0 && looks_like_arff(buf, (size_t)n);
}

/* Reads all of fd (opened O_NONBLOCK: a pipe, a FIFO, a terminal, a device)
 * into *out, waiting in poll() slices so that the cancel flag (Ctrl-C)
 * interrupts the wait for a writer and every read.  Input that cannot be read
 * twice is read once, here, and the readers parse the buffer: nothing that
 * was looked at is lost. */
static int slurp_stream(od_ctx *ctx, const char *path, int fd, int fifo, char **out, size_t *outlen)
{
    size_t cap = (size_t)1 << 16, len = 0;
    char *buf = malloc(cap);
    int rc = OD_OK, any = 0;
    if (!buf) return od_read_oom(ctx, path);
    for (;;) {
        if (od_cancelled(ctx)) {
            if (fifo && !any)
                rc = od_error(ctx, OD_ECANCEL, "load: interrupted while waiting for a writer on FIFO %s (nothing was read)", path);
            else
                rc = od_error(ctx, OD_ECANCEL, "%s: loading interrupted (after %zu bytes)", path, len);
            break;
        }
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int k = poll(&p, 1, 100);
        if (k < 0 && errno != EINTR && errno != EAGAIN) {
            rc = od_error(ctx, OD_EIO, "%s: read error: %s", path, strerror(errno));
            break;
        }
        if (k <= 0) continue;
        if (len + 1 >= cap) {
            if (cap > ((size_t)-1) / 4) {
                rc = od_error(ctx, OD_ENOMEM, "%s: out of memory for %zu bytes of input", path, len);
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = od_error(ctx, OD_ENOMEM, "%s: out of memory for %zu bytes of input", path, cap * 2);
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            rc = od_error(ctx, OD_EIO, "%s: read error: %s", path, strerror(errno));
            break;
        }
        if (n == 0) break; /* end of input: every writer closed */
        any = 1;
        len += (size_t)n;
    }
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *outlen = len;
    return OD_OK;
}

od_frame *od_data_load(od_ctx *ctx, const char *path, const od_csv_opts *opts, int *err)
{
    static const char *const packed[] = { "gz", "bz2", "xz", "zst", "zip", "Z", "lz4", "7z" };
    const char *ext = ext_of(path);
    int dummy;
    if (!err) err = &dummy;
    for (size_t i = 0; i < sizeof packed / sizeof *packed; i++)
        if (strcasecmp(ext, packed[i]) == 0) {
            *err = od_error(ctx, OD_EFORMAT, "%s: compressed files are not supported: %s first", path,
                            strcasecmp(ext, "gz") == 0 ? "gunzip" : "decompress it");
            return NULL;
        }
    int is_arff = strcasecmp(ext, "arff") == 0, is_tsv = strcasecmp(ext, "tsv") == 0;
    od_csv_opts o = opts ? *opts : (od_csv_opts){ .header = -1 };
    if (is_tsv && !o.sep) o.sep = '\t';

    /* Not a regular file (a pipe, a FIFO, /dev/fd/N, a terminal): read it
     * once into memory, then sniff and parse that buffer under the user's
     * path.  O_NONBLOCK: opening a FIFO does not wait for a writer here;
     * slurp_stream waits, and Ctrl-C ends the wait. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        char *buf = NULL;
        size_t len = 0;
        int rc = slurp_stream(ctx, path, fd, S_ISFIFO(st.st_mode), &buf, &len);
        close(fd);
        if (rc) {
            *err = rc;
            return NULL;
        }
        od_frame *f = (is_arff || (!is_tsv && strcasecmp(ext, "csv") != 0 && looks_like_arff(buf, len)))
                          ? od_arff_read_mem(ctx, path, buf, len, opts, err)
                          : od_csv_read_mem(ctx, path, buf, len, &o, err);
        free(buf);
        return f;
    }
    if (fd >= 0) close(fd);

    if (is_arff) return od_arff_read(ctx, path, opts, err);
    if (is_tsv) return od_csv_read(ctx, path, &o, err);
    if (strcasecmp(ext, "csv") != 0 && file_looks_like_arff(path)) return od_arff_read(ctx, path, opts, err);
    return od_csv_read(ctx, path, opts, err);
}
