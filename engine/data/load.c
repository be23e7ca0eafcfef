#include "config.h"
#include "load.h"
#include "arff.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *ext_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot + 1 : "";
}

/* Does the file start (after blank and %-comment lines) with "@relation"? */
static int looks_like_arff(const char *path)
{
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
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
    if (strcasecmp(ext, "arff") == 0) return od_arff_read(ctx, path, opts, err);
    if (strcasecmp(ext, "tsv") == 0 && (!opts || !opts->sep)) {
        od_csv_opts o = opts ? *opts : (od_csv_opts){ .header = -1 };
        o.sep = '\t';
        return od_csv_read(ctx, path, &o, err);
    }
    if (strcasecmp(ext, "csv") != 0 && looks_like_arff(path)) return od_arff_read(ctx, path, opts, err);
    return od_csv_read(ctx, path, opts, err);
}
