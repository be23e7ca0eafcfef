/* gnuplot.c - one gnuplot child process driven through pipes.
 *
 * gnuplot is started with posix_spawn (argv, no shell) with its standard input,
 * output and error on pipes.  A script is written to its input followed by a
 * sentinel:
 *
 *     set print                      (print goes to stderr)
 *     print '<<oddity-done-N>>'
 *     set print '-'                  (print goes to stdout)
 *     print '<<oddity-done-N>>'
 *     set print
 *
 * so when both sentinels have come back, gnuplot has run every line before
 * them and everything it wrote is in our buffers.  The script itself goes
 * into a temporary file that gnuplot `load`s (see load_command).  Writing and reading
 * happen in one poll() loop (a large script cannot deadlock against a
 * chatty gnuplot), with a deadline and the ctx cancel flag checked every
 * 100 ms.  An error stops the loaded script but not gnuplot; a gnuplot that dies, hangs or is cancelled is killed
 * and started again by the next call.  SIGPIPE is blocked around the writes
 * (a dead gnuplot gives EPIPE instead of killing us) and a SIGPIPE that this
 * thread raised is consumed before the mask is restored.
 */
#include "config.h"
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define INSTALL_HINT "apt-get install gnuplot-nox (or gnuplot-qt for windows)"
#define MIN_VERSION 502

struct od_gnuplot {
    char *exe;            /* resolved path */
    pid_t pid;            /* 0 = not running */
    int fd_in, fd_out, fd_err;
    int starts;
    unsigned long seq;    /* sentinel counter */
    int version;          /* major*100+minor */
    char version_str[32];
    char *terminals;      /* " dumb png ... " (space before and after each name) */
};

/* ------------------------------------------------------------------ paths */

static int is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Resolve `name` like execvp would; NULL if not found (or out of memory). */
static char *find_in_path(const char *name)
{
    if (strchr(name, '/')) return is_exec_file(name) ? strdup(name) : NULL;
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    size_t nl = strlen(name);
    while (1) {
        const char *colon = strchr(path, ':');
        size_t dl = colon ? (size_t)(colon - path) : strlen(path);
        char *full = malloc(dl + nl + 3);
        if (!full) return NULL;
        if (dl == 0) snprintf(full, dl + nl + 3, "./%s", name);
        else snprintf(full, dl + nl + 3, "%.*s/%s", (int)dl, path, name);
        if (is_exec_file(full)) return full;
        free(full);
        if (!colon) return NULL;
        path = colon + 1;
    }
}

/* ------------------------------------------------------------------ process */

static void close_fd(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void reap(od_gnuplot *gp, int kill_it)
{
    close_fd(&gp->fd_in);
    close_fd(&gp->fd_out);
    close_fd(&gp->fd_err);
    if (gp->pid > 0) {
        if (kill_it) kill(gp->pid, SIGKILL);
        while (waitpid(gp->pid, NULL, 0) < 0 && errno == EINTR) {}
    }
    gp->pid = 0;
}

static int start(od_ctx *ctx, od_gnuplot *gp)
{
    int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
    if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC)) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            close_fd(&pin[i]);
            close_fd(&pout[i]);
            close_fd(&perr[i]);
        }
        return od_error(ctx, OD_EIO, "gnuplot: cannot create pipes: %s", strerror(e));
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
    posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
    posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
    posix_spawnattr_init(&at);
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGINT);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &def);
    /* its own process group: a Ctrl-C at the terminal goes to us, not to it */
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    char *argv[] = { "gnuplot", NULL };
    pid_t pid;
    int e = posix_spawn(&pid, gp->exe, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close_fd(&pin[0]);
    close_fd(&pout[1]);
    close_fd(&perr[1]);
    if (e) {
        close_fd(&pin[1]);
        close_fd(&pout[0]);
        close_fd(&perr[0]);
        return od_error(ctx, OD_EIO, "gnuplot: cannot start %s: %s", gp->exe, strerror(e));
    }
    gp->pid = pid;
    gp->fd_in = pin[1];
    gp->fd_out = pout[0];
    gp->fd_err = perr[0];
    fcntl(gp->fd_in, F_SETFL, fcntl(gp->fd_in, F_GETFL) | O_NONBLOCK);
    fcntl(gp->fd_out, F_SETFL, fcntl(gp->fd_out, F_GETFL) | O_NONBLOCK);
    fcntl(gp->fd_err, F_SETFL, fcntl(gp->fd_err, F_GETFL) | O_NONBLOCK);
    gp->starts++;
    return 0;
}

/* ------------------------------------------------------------------ one exchange */

typedef struct {
    char *buf;
    size_t len, cap;
} gbuf;

static int gbuf_add(gbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->buf, cap);
        if (!p) return -1;
        b->buf = p;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = 0;
    return 0;
}

enum { EX_DONE, EX_DIED, EX_TIMEOUT, EX_CANCEL, EX_NOMEM };

/* Send `script` plus the sentinel, collect stdout/stderr up to the sentinels. */
static int exchange(od_ctx *ctx, od_gnuplot *gp, const char *script, double timeout, gbuf *out, gbuf *err,
                    size_t *out_end, size_t *err_end)
{
    char tag[64], tail[256];
    gp->seq++;
    snprintf(tag, sizeof tag, "<<oddity-done-%lu>>\n", gp->seq);
    int tl = snprintf(tail, sizeof tail,
                      "\nset print\nprint '<<oddity-done-%lu>>'\nset print '-'\nprint '<<oddity-done-%lu>>'\nset print\n",
                      gp->seq, gp->seq);
    const char *parts[2] = { script, tail };
    size_t plen[2] = { strlen(script), (size_t)tl }, part = 0, off = 0;
    size_t taglen = strlen(tag);
    char *found_out = NULL, *found_err = NULL;
    int eof_out = 0, eof_err = 0, wrote_all = 0, result = EX_DONE;

    sigset_t pipe_set, old_mask, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
    sigpending(&pending);
    int pipe_was_pending = sigismember(&pending, SIGPIPE);
    int got_epipe = 0;

    double deadline = od_now() + timeout;
    while (!(found_out && found_err)) {
        if (eof_out && eof_err) { result = EX_DIED; break; }
        if (od_cancelled(ctx)) { result = EX_CANCEL; break; }
        double left = deadline - od_now();
        if (left <= 0) { result = EX_TIMEOUT; break; }
        struct pollfd pf[3];
        int np = 0, iin = -1, iout = -1, ierr = -1;
        if (!wrote_all && gp->fd_in >= 0) { iin = np; pf[np++] = (struct pollfd){ gp->fd_in, POLLOUT, 0 }; }
        if (!eof_out) { iout = np; pf[np++] = (struct pollfd){ gp->fd_out, POLLIN, 0 }; }
        if (!eof_err) { ierr = np; pf[np++] = (struct pollfd){ gp->fd_err, POLLIN, 0 }; }
        int ms = left > 0.1 ? 100 : (int)(left * 1000) + 1;
        int r = poll(pf, (nfds_t)np, ms);
        if (r < 0) {
            if (errno == EINTR) continue;
            result = EX_DIED;
            break;
        }
        if (r == 0) {
            /* a window helper (gnuplot_qt) may hold our pipes open after
             * gnuplot itself died, so no EOF would come: ask the kernel */
            if (gp->pid > 0 && waitpid(gp->pid, NULL, WNOHANG) == gp->pid) {
                gp->pid = 0;
                result = EX_DIED;
                break;
            }
            continue;
        }
        if (iin >= 0 && (pf[iin].revents & (POLLOUT | POLLERR | POLLHUP))) {
            while (part < 2) {
                ssize_t w = write(gp->fd_in, parts[part] + off, plen[part] - off);
                if (w < 0) {
                    if (errno == EINTR) continue;
                    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                    /* EPIPE or worse: gnuplot is gone; read what it said */
                    if (errno == EPIPE) got_epipe = 1;
                    wrote_all = 1;
                    close_fd(&gp->fd_in);
                    break;
                }
                off += (size_t)w;
                if (off == plen[part]) { part++; off = 0; }
            }
            if (part == 2) wrote_all = 1;
        }
        int idx[2] = { iout, ierr };
        for (int s = 0; s < 2; s++) {
            if (idx[s] < 0 || !(pf[idx[s]].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int fd = s ? gp->fd_err : gp->fd_out;
            gbuf *b = s ? err : out;
            char chunk[65536];
            ssize_t n = read(fd, chunk, sizeof chunk);
            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
                n = 0;
            }
            if (n == 0) {
                if (s) eof_err = 1;
                else eof_out = 1;
                continue;
            }
            size_t before = b->len;
            if (gbuf_add(b, chunk, (size_t)n)) { result = EX_NOMEM; goto out; }
            char **found = s ? &found_err : &found_out;
            if (!*found) {
                /* memmem: a script may make gnuplot write binary (NUL bytes) */
                size_t from = before >= taglen ? before - taglen + 1 : 0;
                char *hit = memmem(b->buf + from, b->len - from, tag, taglen);
                if (hit) *found = hit;
            }
        }
    }
out:
    if (found_out) *out_end = (size_t)(found_out - out->buf);
    if (found_err) *err_end = (size_t)(found_err - err->buf);
    if (got_epipe && !pipe_was_pending) {
        struct timespec zero = { 0, 0 };
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {}
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return result;
}

/* The last non-empty line of a text (for a dying gnuplot's message). */
static void last_line(const char *s, size_t n, char *dst, size_t size)
{
    size_t e = n;
    while (e > 0 && (s[e - 1] == '\n' || s[e - 1] == '\r' || s[e - 1] == ' ')) e--;
    size_t b = e;
    while (b > 0 && s[b - 1] != '\n') b--;
    while (b < e && (s[b] == ' ' || s[b] == '\t')) b++;
    size_t len = e - b < size - 1 ? e - b : size - 1;
    memcpy(dst, s + b, len);
    dst[len] = 0;
}

/* Go through gnuplot's stderr: errors are "  line N: message" (or
 * "  "file" line N: message"); those whose message starts with "warning:"
 * and plain "Warning: ..." lines are warnings.  Returns 1 and copies the
 * first error message into msg if there was an error. */
static int scan_stderr(od_ctx *ctx, const char *s, size_t n, char *msg, size_t size)
{
    int error = 0;
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && s[e] != '\n') e++;
        const char *line = s + i;
        size_t len = e - i;
        i = e + 1;
        while (len && (*line == ' ' || *line == '\t')) { line++; len--; }
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' ')) len--;
        if (!len) continue;
        const char *p = line, *end = line + len;
        if (*p == '"') {
            const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
            if (q && q + 1 < end && q[1] == ' ') p = q + 2;
        }
        const char *text = NULL;
        if (end - p > 5 && memcmp(p, "line ", 5) == 0) {
            const char *q = p + 5;
            while (q < end && *q >= '0' && *q <= '9') q++;
            if (q > p + 5 && q + 1 < end && q[0] == ':' && q[1] == ' ') text = q + 2;
        }
        if (text) {
            size_t tlen = (size_t)(end - text);
            if (tlen >= 8 && strncasecmp(text, "warning:", 8) == 0) {
                const char *w = text + 8;
                while (w < end && *w == ' ') w++;
                od_warn(ctx, "gnuplot: %.*s", (int)(end - w), w);
            } else if (!error) {
                error = 1;
                snprintf(msg, size, "%.*s", (int)tlen, text);
            }
        } else if (len >= 8 && strncasecmp(line, "warning:", 8) == 0) {
            const char *w = line + 8;
            while (w < end && *w == ' ') w++;
            od_warn(ctx, "gnuplot: %.*s", (int)(end - w), w);
        }
    }
    return error;
}

/* gnuplot reads commands from a pipe slowly (about 0.1 ms a line, 4 s for
 * a 40000-row datablock) but `load`s a file fast (0.2 s), so scripts go
 * through a private temporary file (mkstemp, mode 0600, removed after the
 * run) and only `load '<file>'` goes down the pipe.  Returns the load
 * command (caller frees) and the file name in tmp, or NULL (then the script
 * goes down the pipe itself) if no temporary file could be written. */
static char *load_command(const char *script, char *tmp, size_t size)
{
    /* absolute only: gnuplot's load runs a command for a name starting '<' */
    const char *dir = getenv("TMPDIR");
    if (!dir || dir[0] != '/') dir = "/tmp";
    if (snprintf(tmp, size, "%s/oddity-plot-XXXXXX", dir) >= (int)size) return NULL;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t len = strlen(script), off = 0;
    while (off < len) {
        ssize_t w = write(fd, script + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += (size_t)w;
    }
    if (close(fd) != 0 || off < len) {
        unlink(tmp);
        return NULL;
    }
    od_out *o = od_out_buffer();
    char *cmd = NULL;
    if (o && od_puts(o, "load ") == 0 && od_plot_quote(o, tmp) == 0 && od_puts(o, "\n") == 0) cmd = od_out_steal(o);
    od_out_free(o);
    if (!cmd) unlink(tmp);
    return cmd;
}

static int run(od_ctx *ctx, od_gnuplot *gp, const char *script, od_out *text, double timeout, int via_file)
{
    if (!script) return od_error(ctx, OD_EINVAL, "gnuplot: no script");
    if (timeout <= 0) timeout = 60;
    int rc;
    /* a gnuplot that died since the last call (killed, crashed) is replaced */
    if (gp->pid > 0 && waitpid(gp->pid, NULL, WNOHANG) == gp->pid) {
        gp->pid = 0;
        reap(gp, 0);
    }
    if (gp->pid == 0 && (rc = start(ctx, gp))) return rc;
    gbuf out = { 0 }, err = { 0 };
    size_t oend = 0, eend = 0;
    char tmp[4096] = "";
    char *loader = via_file ? load_command(script, tmp, sizeof tmp) : NULL;
    int ex = exchange(ctx, gp, loader ? loader : script, timeout, &out, &err, &oend, &eend);
    if (loader) {
        unlink(tmp);
        free(loader);
    }
    char msg[512];
    switch (ex) {
    case EX_DONE:
        rc = 0;
        if (text) {
            const char *o = out.buf ? out.buf : "";
            size_t k = 0;
            while (k < oend && o[k] == '\f') k++;
            if (od_write(text, o + k, oend - k) < 0) rc = od_error(ctx, OD_ENOMEM, "gnuplot: out of memory");
        }
        if (!rc && scan_stderr(ctx, err.buf ? err.buf : "", eend, msg, sizeof msg))
            rc = od_error(ctx, OD_EINVAL, "gnuplot: %s", msg);
        break;
    case EX_DIED:
        msg[0] = 0;
        if (err.len) last_line(err.buf, err.len, msg, sizeof msg);
        reap(gp, 1);
        rc = od_error(ctx, OD_EIO, "gnuplot exited%s%s", msg[0] ? ": " : "", msg);
        break;
    case EX_TIMEOUT:
        reap(gp, 1);
        rc = od_error(ctx, OD_EIO, "gnuplot did not finish within %g s (stopped; the next plot starts it again)",
                      timeout);
        break;
    case EX_CANCEL:
        reap(gp, 1);
        rc = od_error(ctx, OD_ECANCEL, "plot interrupted (gnuplot stopped)");
        break;
    default:
        reap(gp, 1);
        rc = od_error(ctx, OD_ENOMEM, "gnuplot: out of memory reading its output");
        break;
    }
    free(out.buf);
    free(err.buf);
    return rc;
}

int od_gnuplot_run(od_ctx *ctx, od_gnuplot *gp, const char *script, od_out *text, double timeout)
{
    if (!gp) return od_error(ctx, OD_EINVAL, "gnuplot: not open");
    return run(ctx, gp, script, text, timeout, 1);
}

/* ------------------------------------------------------------------ open / close */

static int probe(od_ctx *ctx, od_gnuplot *gp)
{
    od_out *o = od_out_buffer();
    if (!o) return od_error(ctx, OD_ENOMEM, "gnuplot: out of memory");
    /* tagged lines, so whatever a ~/.gnuplot prints cannot be mistaken */
    int rc = run(ctx, gp,
                 "set print '-'\nprint '<<version>>'.sprintf('%.1f', GPVAL_VERSION).'.'.GPVAL_PATCHLEVEL\n"
                 "print '<<terminals>>'.GPVAL_TERMINALS\nset print\n",
                 o, 10, 0);
    if (rc) {
        od_out_free(o);
        return rc;
    }
    const char *s = od_out_str(o);
    const char *v = strstr(s, "<<version>>"), *t = strstr(s, "<<terminals>>");
    int major = 0, minor = 0;
    if (!v || !t || sscanf(v + 11, "%d.%d", &major, &minor) != 2) {
        od_out_free(o);
        return od_error(ctx, OD_EFORMAT, "gnuplot: could not read its version (is %s gnuplot?)", gp->exe);
    }
    v += 11;
    snprintf(gp->version_str, sizeof gp->version_str, "%.*s", (int)strcspn(v, "\n"), v);
    gp->version = major * 100 + minor;
    t += 13;
    size_t tlen = strcspn(t, "\n");
    free(gp->terminals);
    gp->terminals = malloc(tlen + 3);
    if (!gp->terminals) {
        od_out_free(o);
        return od_error(ctx, OD_ENOMEM, "gnuplot: out of memory");
    }
    snprintf(gp->terminals, tlen + 3, " %.*s ", (int)tlen, t);
    od_out_free(o);
    if (gp->version < MIN_VERSION)
        return od_error(ctx, OD_EFORMAT, "gnuplot %s is too old: oddity needs 5.2 or newer", gp->version_str);
    return 0;
}

int od_gnuplot_open(od_ctx *ctx, const char *exe, od_gnuplot **out)
{
    *out = NULL;
    const char *name = exe && *exe ? exe : "gnuplot";
    od_gnuplot *gp = calloc(1, sizeof *gp);
    if (!gp) return od_error(ctx, OD_ENOMEM, "gnuplot: out of memory");
    gp->fd_in = gp->fd_out = gp->fd_err = -1;
    gp->exe = find_in_path(name);
    if (!gp->exe) {
        free(gp);
        if (strcmp(name, "gnuplot") == 0)
            return od_error(ctx, OD_ENOTFOUND, "gnuplot is not installed: " INSTALL_HINT);
        return od_error(ctx, OD_ENOTFOUND, "gnuplot program '%s' not found: " INSTALL_HINT, name);
    }
    int rc = probe(ctx, gp);
    if (rc) {
        od_gnuplot_close(gp);
        return rc;
    }
    *out = gp;
    return 0;
}

void od_gnuplot_close(od_gnuplot *gp)
{
    if (!gp) return;
    if (gp->pid > 0) {
        sigset_t pipe_set, old;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
        sigset_t pending;
        sigpending(&pending);
        int was = sigismember(&pending, SIGPIPE);
        ssize_t w = gp->fd_in >= 0 ? write(gp->fd_in, "\nquit\n", 6) : 0;
        if (w < 0 && errno == EPIPE && !was) {
            struct timespec zero = { 0, 0 };
            sigtimedwait(&pipe_set, NULL, &zero);
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        close_fd(&gp->fd_in);
        /* give it two seconds to exit, draining its output meanwhile */
        double until = od_now() + 2;
        int exited = 0;
        while (od_now() < until) {
            pid_t r = waitpid(gp->pid, NULL, WNOHANG);
            if (r == gp->pid || (r < 0 && errno != EINTR)) { exited = 1; break; }
            char junk[4096];
            struct pollfd pf[2] = { { gp->fd_out, POLLIN, 0 }, { gp->fd_err, POLLIN, 0 } };
            if (poll(pf, 2, 20) > 0) {
                if (pf[0].revents && read(gp->fd_out, junk, sizeof junk) <= 0) pf[0].fd = -1;
                if (pf[1].revents && read(gp->fd_err, junk, sizeof junk) <= 0) pf[1].fd = -1;
            }
        }
        if (exited) gp->pid = 0;
        reap(gp, 1);
    }
    free(gp->exe);
    free(gp->terminals);
    free(gp);
}

/* ------------------------------------------------------------------ queries */

int od_gnuplot_version(const od_gnuplot *gp) { return gp ? gp->version : 0; }
const char *od_gnuplot_version_str(const od_gnuplot *gp) { return gp ? gp->version_str : ""; }
int od_gnuplot_starts(const od_gnuplot *gp) { return gp ? gp->starts : 0; }

int od_gnuplot_has_terminal(const od_gnuplot *gp, const char *name)
{
    if (!gp || !gp->terminals || !name || !*name || strchr(name, ' ')) return 0;
    size_t n = strlen(name);
    for (const char *p = gp->terminals; (p = strstr(p, name)); p++)
        if (p[-1] == ' ' && p[n] == ' ') return 1;
    return 0;
}

od_plot_color od_gnuplot_color(const od_gnuplot *gp, od_plot_color want)
{
    if (!gp || gp->version < 502) return OD_PLOT_COLOR_NONE;
    return want;
}
