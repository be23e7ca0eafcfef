/* outfile.c - the trust model for files (help scripts tells the user).
 *
 *   - Relative paths resolve against the directory of the script being
 *     `source`d (s->base_dir), or the current directory (cmd_resolve_path).
 *   - An output command never replaces an existing file unless it has
 *     force=yes or this session wrote the file earlier (cmd_out_path).
 *   - A safe script (--safe -f, source FILE safe=yes) writes only inside its
 *     output directory, never replaces a file it did not write, and reads only
 *     inside its own directory (cmd_out_path, cmd_in_path).
 *   - Files the app writes itself go to a temporary file in the target's
 *     directory, are flushed and fsync'ed, and renamed over the target: a
 *     failed write leaves the old file as it was (cmd_outfile_*).
 *   - Text that comes from data is printed with control characters escaped
 *     (cmd_escape), so a file cannot move the cursor or retitle the terminal.
 *
 * This guards against a script or a data file from someone else; it is not a
 * sandbox against another process racing the checks on the same machine. */
#include "config.h"
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* ---- paths ------------------------------------------------------------ */

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    size_t k = a;
    if (a && dir[a - 1] != '/') p[k++] = '/';
    memcpy(p + k, name, b + 1);
    return p;
}

char *cmd_resolve_path(od_session *s, const char *path)
{
    if (!path) return NULL;
    if (path[0] == '/' || !s->base_dir || !*path) return strdup(path);
    return join(s->base_dir, path);
}

char *cmd_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* Is p the directory root or inside it?  Both canonical. */
static int inside(const char *p, const char *root)
{
    size_t l = strlen(root);
    if (l == 1 && root[0] == '/') return 1;
    return !strncmp(p, root, l) && (p[l] == 0 || p[l] == '/');
}

static int oom(od_session *s, const char *what)
{
    return cmd_error_at(s, 0, "%s: out of memory", what);
}

static int in_written(const od_session *s, const char *canon)
{
    for (size_t i = 0; i < s->nwritten; i++)
        if (!strcmp(s->written[i], canon)) return 1;
    return 0;
}

static int add_written(od_session *s, const char *canon)
{
    if (in_written(s, canon)) return 0;
    if (s->nwritten == s->capwritten) {
        size_t cap = s->capwritten ? 2 * s->capwritten : 16;
        char **w = realloc(s->written, cap * sizeof *w);
        if (!w) return -1;
        s->written = w;
        s->capwritten = cap;
    }
    char *d = strdup(canon);
    if (!d) return -1;
    s->written[s->nwritten++] = d;
    return 0;
}

/* Safe mode: the output directory, created (0700) on the first write.  The
 * default is a new directory beside the script, NAME-out (NAME-out-2, ... when
 * that exists); --out-dir=DIR may exist already.  0 or an error reported. */
static int ensure_out_dir(od_session *s, const char *what)
{
    cmd_safe *sf = &s->safe;
    if (sf->out_dir) return 0;
    if (!sf->out_dir_want) return cmd_error_at(s, 0, "%s: --safe: no output directory (give --out-dir=DIR)", what);
    size_t cap = strlen(sf->out_dir_want) + 16;
    char *dir = malloc(cap);
    if (!dir) return oom(s, what);
    int made = 0;
    for (int k = 1; k < 1000 && !made; k++) {
        if (k == 1) snprintf(dir, cap, "%s", sf->out_dir_want);
        else snprintf(dir, cap, "%s-%d", sf->out_dir_want, k);
        if (mkdir(dir, 0700) == 0) made = 1;
        else if (errno != EEXIST) break;
        else if (sf->out_dir_given) break;   /* --out-dir: use it as it is */
    }
    struct stat st;
    if (!made && !(sf->out_dir_given && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))) {
        int e = errno;
        cmd_error_at(s, 0, "%s: --safe: cannot create the output directory %s: %s (give --out-dir=DIR)", what,
                     cmd_escape(dir), strerror(e));
        free(dir);
        return OD_EIO;
    }
    char *canon = realpath(dir, NULL);
    if (!canon) {
        int e = errno;
        cmd_error_at(s, 0, "%s: --safe: cannot use the output directory %s: %s", what, cmd_escape(dir), strerror(e));
        free(dir);
        return OD_EIO;
    }
    if (made) fprintf(s->outfp, "output directory: %s (new)\n", cmd_escape(dir));
    free(dir);
    sf->out_dir = canon;
    return 0;
}

char *cmd_out_path(od_session *s, const cmd_line *c, const char *what, const char *path, int col)
{
    int force = 0;
    if (c && cmd_opt_bool(s, c, "force", &force) < 0) return NULL;
    if (!path || !*path) {
        cmd_error_at(s, col, "%s: expected a file name", what);
        return NULL;
    }
    char *full;
    if (s->safe.on) {
        if (ensure_out_dir(s, what)) return NULL;
        full = path[0] == '/' ? strdup(path) : join(s->safe.out_dir, path);
    } else {
        full = cmd_resolve_path(s, path);
    }
    if (!full) { oom(s, what); return NULL; }
    const char *slash = strrchr(full, '/');
    const char *base = slash ? slash + 1 : full;
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        cmd_error_at(s, col, "%s: %s names a directory, not a file", what, cmd_escape(path));
        free(full);
        return NULL;
    }
    char *dir = cmd_dir_of(full);
    char *cdir = dir ? realpath(dir, NULL) : NULL;
    if (!cdir) {
        int e = dir ? errno : ENOMEM;
        cmd_error_at(s, col, "%s: cannot write %s: its directory %s: %s", what, cmd_escape(path),
                     dir ? cmd_escape(dir) : "?", strerror(e));
        free(dir);
        free(full);
        return NULL;
    }
    free(dir);
    char *canon = join(cdir, base);
    free(cdir);
    free(full);
    if (!canon) { oom(s, what); return NULL; }
    if (s->safe.on && !inside(canon, s->safe.out_dir)) {
        cmd_error_at(s, col, "%s: --safe: refusing to write outside the output directory %s (%s is %s; run without --safe to allow it)",
                     what, cmd_escape(s->safe.out_dir), cmd_escape(path), cmd_escape(canon));
        free(canon);
        return NULL;
    }
    struct stat st;
    if (lstat(canon, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *target = s->safe.on ? NULL : realpath(canon, NULL);
        if (s->safe.on) {
            cmd_error_at(s, col, "%s: --safe: refusing to write through the symbolic link %s", what, cmd_escape(path));
            free(canon);
            return NULL;
        }
        if (target) {   /* a link to a file: that file is the one replaced */
            free(canon);
            canon = target;
        }
    }
    int exists = lstat(canon, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        cmd_error_at(s, col, "%s: %s is a directory", what, cmd_escape(path));
        free(canon);
        return NULL;
    }
    if (exists && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        cmd_error_at(s, col, "%s: refusing to replace %s: not a regular file", what, cmd_escape(path));
        free(canon);
        return NULL;
    }
    if (exists && S_ISREG(st.st_mode) && access(canon, W_OK) != 0 && errno == EACCES) {
        /* rename() would replace it anyway: keep the meaning of read-only */
        cmd_error_at(s, col, "%s: refusing to replace %s: the file is read-only", what, cmd_escape(path));
        free(canon);
        return NULL;
    }
    if (exists && !in_written(s, canon)) {
        if (s->safe.on) {
            cmd_error_at(s, col, "%s: --safe: refusing to replace existing file %s (a safe script may only replace files it wrote)",
                         what, cmd_escape(path));
            free(canon);
            return NULL;
        }
        if (!force) {
            cmd_error_at(s, col, "%s: refusing to replace existing file %s (give force=yes)", what, cmd_escape(path));
            free(canon);
            return NULL;
        }
    }
    /* Claimed now: a later write in this session may replace it.  When this
     * write fails the old file (if any) is left as it was. */
    if (add_written(s, canon)) {
        free(canon);
        oom(s, what);
        return NULL;
    }
    return canon;
}

char *cmd_in_path(od_session *s, const cmd_line *c, const char *what, const char *path, int col)
{
    (void)c;
    if (!path || !*path) {
        cmd_error_at(s, col, "%s: expected a file name", what);
        return NULL;
    }
    if (!s->safe.on) {
        char *full = strcmp(path, "-") ? cmd_resolve_path(s, path) : strdup(path);
        if (!full) oom(s, what);
        return full;
    }
    char *full = cmd_resolve_path(s, path);
    if (!full) { oom(s, what); return NULL; }
    char *canon = realpath(full, NULL);
    if (!canon) {
        int e = errno;
        cmd_error_at(s, col, "%s: cannot open %s: %s", what, cmd_escape(path), strerror(e));
        free(full);
        return NULL;
    }
    free(full);
    if (!inside(canon, s->safe.read_root) && !(s->safe.read_root2 && inside(canon, s->safe.read_root2))) {
        if (s->safe.read_root2)
            cmd_error_at(s, col, "%s: --safe: refusing to read %s: a lesson reads only inside its own directory %s and the current directory %s",
                         what, cmd_escape(path), cmd_escape(s->safe.read_root), cmd_escape(s->safe.read_root2));
        else
            cmd_error_at(s, col, "%s: --safe: refusing to read %s: it is outside the script's directory %s (run without --safe to allow it)",
                         what, cmd_escape(path), cmd_escape(s->safe.read_root));
        free(canon);
        return NULL;
    }
    return canon;
}

/* ---- safe mode -------------------------------------------------------- */

int cmd_safe_enter(od_session *s, const char *script, cmd_safe *saved)
{
    *saved = s->safe;
    if (s->safe.on) {   /* sticky: a script sourced by a safe one keeps its limits */
        saved->on = -1;   /* nothing to restore */
        return 0;
    }
    cmd_safe n = { 0 };
    n.on = 1;
    char *canon = strcmp(script, "-") ? realpath(script, NULL) : getcwd(NULL, 0);
    if (!canon) {
        int e = errno;
        if (s->src_name) fprintf(s->errfp, "%s:%ld: ", cmd_escape(s->src_name), s->src_lineno);
        fprintf(s->errfp, "error: cannot open %s: %s\n", cmd_escape(script), strerror(e));
        return OD_EIO;
    }
    n.read_root = strcmp(script, "-") ? cmd_dir_of(canon) : strdup(canon);
    if (s->out_dir_opt) {
        n.out_dir_want = strdup(s->out_dir_opt);
        n.out_dir_given = 1;
    } else if (strcmp(script, "-")) {
        /* beside the script as the user named it: dir/NAME-out */
        size_t l = strlen(script);
        if (l > 4 && !strcmp(script + l - 4, ".odd")) l -= 4;
        n.out_dir_want = malloc(l + 5);
        if (n.out_dir_want) snprintf(n.out_dir_want, l + 5, "%.*s-out", (int)l, script);
    } else {
        n.out_dir_want = strdup("oddity-out");
    }
    free(canon);
    if (!n.read_root || !n.out_dir_want) {
        free(n.read_root);
        free(n.out_dir_want);
        fprintf(s->errfp, "error: out of memory\n");
        return OD_ENOMEM;
    }
    s->safe = n;
    return 0;
}

void cmd_safe_leave(od_session *s, cmd_safe *saved)
{
    if (saved->on == -1) return;
    free(s->safe.read_root);
    free(s->safe.read_root2);
    free(s->safe.out_dir);
    free(s->safe.out_dir_want);
    s->safe = *saved;
}

/* ---- atomic writes ---------------------------------------------------- */

static mode_t new_file_mode(void)
{
    mode_t m = umask(022);
    umask(m);
    return 0666 & ~m;
}

int cmd_outfile_open(od_session *s, cmd_outfile *o, const char *what, const char *path)
{
    memset(o, 0, sizeof *o);
    o->what = what;
    o->path = strdup(path);
    char *dir = cmd_dir_of(path);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t cap = (dir ? strlen(dir) : 0) + strlen(base) + 16;
    o->tmp = malloc(cap);
    if (!o->path || !dir || !o->tmp) {
        free(dir);
        cmd_outfile_abort(o);
        return oom(s, what);
    }
    snprintf(o->tmp, cap, "%s/.%s.XXXXXX", dir, base);
    free(dir);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        cmd_error_at(s, 0, "%s: cannot write %s: %s", what, cmd_escape(path), strerror(e));
        cmd_outfile_abort(o);
        return OD_EIO;
    }
    struct stat st;
    (void)fchmod(fd, stat(path, &st) == 0 ? (st.st_mode & 07777) : new_file_mode());
    o->fp = fdopen(fd, "w");
    if (!o->fp) {
        int e = errno;
        close(fd);
        cmd_error_at(s, 0, "%s: cannot write %s: %s", what, cmd_escape(path), strerror(e));
        cmd_outfile_abort(o);
        return OD_EIO;
    }
    return 0;
}

void cmd_outfile_detach(cmd_outfile *o)
{
    if (o->fp) fclose(o->fp);
    o->fp = NULL;
}

void cmd_outfile_abort(cmd_outfile *o)
{
    if (o->fp) fclose(o->fp);
    if (o->tmp) unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}

/* 0, or the errno of the first step that failed */
static int finish(cmd_outfile *o)
{
    int e = 0;
    if (o->fp) {
        FILE *fp = o->fp;
        o->fp = NULL;
        errno = 0;
        if (fflush(fp) || ferror(fp)) e = errno ? errno : EIO;
        if (!e && fsync(fileno(fp))) e = errno;
        errno = 0;
        if (fclose(fp) && !e) e = errno ? errno : EIO;
    } else {
        int fd = open(o->tmp, O_RDONLY);
        if (fd < 0) e = errno;
        else {
            if (fsync(fd)) e = errno;
            close(fd);
        }
    }
    if (!e && rename(o->tmp, o->path)) e = errno;
    if (!e) {   /* the rename itself reaches the disk (best effort) */
        char *dir = cmd_dir_of(o->path);
        int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    return e;
}

int cmd_outfile_commit(od_session *s, cmd_outfile *o)
{
    struct stat st;
    int existed = stat(o->path, &st) == 0;
    int e = finish(o);
    if (e) {
        cmd_error_at(s, 0, "%s: cannot write %s: %s (%s)", o->what, cmd_escape(o->path), strerror(e),
                     existed ? "the old file is left as it was" : "nothing was written");
        cmd_outfile_abort(o);
        return OD_EIO;
    }
    free(o->tmp);
    o->tmp = NULL;
    cmd_outfile_abort(o);
    return 0;
}

/* ---- escaping --------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (2..4), its code point in *cp; 0 if invalid. */
static int utf8_seq(const unsigned char *p, unsigned *cp)
{
    int n;
    unsigned c = p[0];
    if (c >= 0xC2 && c <= 0xDF) { n = 2; c &= 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; c &= 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; c &= 0x07; }
    else return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return n;
}

/* C1 controls and the bidirectional overrides that reorder what is shown */
static int bad_cp(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t cmd_escape_to(char *out, const char *s, size_t n, int flags)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p, cp;
        int l;
        if ((c == '\n' && (flags & CMD_ESC_KEEP_NL)) || (c == '\t' && (flags & CMD_ESC_KEEP_TAB))) {
            if (out) out[k] = (char)c;
            k++;
            p++;
        } else if (c < 0x20 || c == 0x7F) {
            char e[5] = "\\x";
            switch (c) {
            case '\n': strcpy(e, "\\n"); break;
            case '\t': strcpy(e, "\\t"); break;
            case '\r': strcpy(e, "\\r"); break;
            case 0x1B: strcpy(e, "\\e"); break;
            default: e[2] = hex[c >> 4]; e[3] = hex[c & 15]; e[4] = 0; break;
            }
            size_t el = strlen(e);
            if (out) memcpy(out + k, e, el);
            k += el;
            p++;
        } else if (c < 0x80) {
            if (out) out[k] = (char)c;
            k++;
            p++;
        } else if (end - p >= 2 && (l = utf8_seq(p, &cp)) && p + l <= end) {
            if (bad_cp(cp)) {
                if (out) snprintf(out + k, 8, "\\u%04x", cp);
                k += 6;
            } else {
                if (out) memcpy(out + k, p, (size_t)l);
                k += (size_t)l;
            }
            p += l;
        } else {   /* a byte that is not valid UTF-8 */
            if (out) { out[k] = '\\'; out[k + 1] = 'x'; out[k + 2] = hex[c >> 4]; out[k + 3] = hex[c & 15]; }
            k += 4;
            p++;
        }
    }
    if (out) out[k] = 0;
    return k;
}

char *cmd_escape_dup(const char *s, int flags)
{
    if (!s) return NULL;
    size_t n = strlen(s);
    char *out = malloc(cmd_escape_to(NULL, s, n, flags) + 1);
    if (out) cmd_escape_to(out, s, n, flags);
    return out;
}

const char *cmd_escape(const char *s)
{
    static char *ring[8];
    static size_t cap[8];
    static unsigned k;
    if (!s) return "(null)";
    size_t n = strlen(s), m = cmd_escape_to(NULL, s, n, 0);
    if (m == n) {   /* nothing to escape: every byte stays (length unchanged means no escape) */
        return s;
    }
    unsigned i = k++ & 7;
    if (cap[i] < m + 1) {
        char *b = realloc(ring[i], m + 1);
        if (!b) return "(text not shown: out of memory)";
        ring[i] = b;
        cap[i] = m + 1;
    }
    cmd_escape_to(ring[i], s, n, 0);
    return ring[i];
}
