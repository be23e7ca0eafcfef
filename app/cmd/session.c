/* session.c - the session: the state it started in, the lines that ran
 * (history and the journal), scripts, and `save session`.
 *
 * The journal of an interactive session and `save session FILE` are the
 * same script: session_write_header() then the lines that ran.  The header
 * is a comment (version, start time) and `set seed=N threads=N` with the
 * state the session started in, so the script replays to the same numbers
 * whatever --seed, $OD_SEED or --threads started the replay.  Settings that
 * do not change results (terminal, times) are not written. */
#include "config.h"
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

int session_open(od_session *s, unsigned long seed, int threads)
{
    memset(s, 0, sizeof *s);
    s->ctx = od_ctx_new(seed);
    s->ws = od_ws_new();
    if (!s->ctx || !s->ws) {
        od_ws_free(s->ws);
        od_ctx_free(s->ctx);
        s->ws = NULL;
        s->ctx = NULL;
        return OD_ENOMEM;
    }
    s->outfp = stdout;
    s->errfp = stderr;
    snprintf(s->terminal, sizeof s->terminal, "dumb");
    od_ctx_set_threads(s->ctx, threads);
    s->start_seed = od_ctx_seed(s->ctx);
    s->start_threads = od_ctx_threads(s->ctx);   /* effective: 0 resolved to the cores */
    s->start_time = time(NULL);
    return 0;
}

void session_close(od_session *s)
{
    cmd_plot_close(s);
    if (s->journal) fclose(s->journal);
    s->journal = NULL;
    free(s->journal_path);
    s->journal_path = NULL;
    for (size_t i = 0; i < s->nhist; i++) free(s->hist[i]);
    free(s->hist);
    s->hist = NULL;
    s->nhist = s->caphist = 0;
    od_ws_free(s->ws);
    od_ctx_free(s->ctx);
    s->ws = NULL;
    s->ctx = NULL;
    for (size_t i = 0; i < s->nwritten; i++) free(s->written[i]);
    free(s->written);
    s->written = NULL;
    s->nwritten = s->capwritten = 0;
    free(s->safe.read_root);
    free(s->safe.read_root2);
    free(s->safe.out_dir);
    free(s->safe.out_dir_want);
    memset(&s->safe, 0, sizeof s->safe);
    free(s->base_dir);
    s->base_dir = NULL;
}

void session_write_header(od_session *s, FILE *fp)
{
    char date[64] = "";
    struct tm tm;
    if (localtime_r(&s->start_time, &tm)) strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(fp, "# oddity %s session started %s\n", PACKAGE_VERSION, date);
    fprintf(fp, "set seed=%lu threads=%d\n", s->start_seed, s->start_threads);
}

static void write_lines(od_session *s, FILE *fp)
{
    session_write_header(s, fp);
    for (size_t i = 0; i < s->nhist; i++) fprintf(fp, "%s\n", s->hist[i]);
}

int session_save(od_session *s, const char *path)
{
    cmd_outfile o;
    int rc = cmd_outfile_open(s, &o, "save session", path);
    if (rc) return rc;
    write_lines(s, o.fp);
    return cmd_outfile_commit(s, &o);
}

/* A journal write failed: say so once, close it, and go on without it. */
static void journal_failed(od_session *s, int e)
{
    if (!s->journal) return;
    fclose(s->journal);
    s->journal = NULL;
    s->journal_failed = 1;
    fprintf(s->errfp, "journal: cannot write %s: %s; the session goes on without a journal\n",
            cmd_escape(s->journal_path ? s->journal_path : "?"), strerror(e ? e : EIO));
    fflush(s->errfp);
}

/* Write one line (or the header when line is NULL) and flush; 0 or the errno. */
static int journal_write(od_session *s, const char *line)
{
    errno = 0;
    if (line) fprintf(s->journal, "%s\n", line);
    else write_lines(s, s->journal);
    if (fflush(s->journal) || ferror(s->journal)) return errno ? errno : EIO;
    return 0;
}

char *session_state_dir(void)
{
    const char *x = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char buf[4096];
    int l;
    if (x && *x) l = snprintf(buf, sizeof buf, "%s/oddity", x);
    else if (home && *home) l = snprintf(buf, sizeof buf, "%s/.local/state/oddity", home);
    else return NULL;
    if (l < 0 || (size_t)l >= sizeof buf) return NULL;
    /* mkdir -p */
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') { *p = 0; mkdir(buf, 0700); *p = '/'; }
    mkdir(buf, 0700);
    return strdup(buf);
}

int session_open_journal(od_session *s)
{
    char *dir = session_state_dir();
    if (!dir) return OD_ENOTFOUND;
    char stamp[64] = "";
    struct tm tm;
    if (localtime_r(&s->start_time, &tm)) strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    size_t cap = strlen(dir) + 128;
    char *path = od_malloc(s->ctx, cap);
    if (!path) { free(dir); return OD_ENOMEM; }
    snprintf(path, cap, "%s/sessions", dir);
    mkdir(path, 0700);
    snprintf(path, cap, "%s/sessions/session-%s-%ld.odd", dir, stamp, (long)getpid());
    free(dir);
    s->journal = fopen(path, "w");
    if (!s->journal) {
        fprintf(s->errfp, "warning: no journal: cannot write %s: %s\n", path, strerror(errno));
        free(path);
        return OD_EIO;
    }
    s->journal_path = path;
    int e = journal_write(s, NULL);   /* the header, and lines that ran before it opened (DATA-FILEs) */
    if (e) {
        journal_failed(s, e);
        return OD_EIO;
    }
    return 0;
}

/* A line continued inside an open quote at the prompt holds newlines: they
 * are written as the \n escape the lexer reads back, so the journal and
 * `save session` keep one replayable line per command line. */
static char *one_line(const char *line)
{
    size_t n = 0;
    for (const char *p = line; *p; p++) n += *p == '\n';
    char *out = malloc(strlen(line) + n + 1), *q = out;
    if (!out) return NULL;
    for (const char *p = line; *p; p++) {
        if (*p == '\n') { *q++ = '\\'; *q++ = 'n'; }
        else *q++ = *p;
    }
    *q = 0;
    return out;
}

void session_record(od_session *s, const char *raw)
{
    char *copy = one_line(raw);
    const char *line = copy ? copy : raw;
    if (copy && s->nhist == s->caphist) {
        size_t cap = s->caphist ? 2 * s->caphist : 64;
        char **h = realloc(s->hist, cap * sizeof *h);
        if (h) {
            s->hist = h;
            s->caphist = cap;
        }
    }
    if (!copy || s->nhist == s->caphist) {
        line = raw;
        free(copy);
        fprintf(s->errfp, "error: out of memory: the line is missing from history and `save session`\n");
    } else {
        s->hist[s->nhist++] = copy;
    }
    int e;
    if (s->journal && (e = journal_write(s, line))) journal_failed(s, e);
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ODDITY_TIME_LINES set (to anything): each line's wall time and the CPU time
 * of all threads go to the error stream as "time: WALL s cpu CPU s: LINE"
 * (scripts/bench times the interactive commands one line at a time). */
int session_exec(od_session *s, const char *line, int record)
{
    static int timing = -1;
    if (timing < 0) timing = getenv("ODDITY_TIME_LINES") != NULL;
    double t0 = timing ? od_now() : 0, c0 = timing ? cpu_now() : 0;
    char *journal = NULL;
    int rc = od_exec_line_journal(s, line, record ? &journal : NULL);
    if (journal) session_record(s, journal);
    free(journal);
    if (timing) {
        fprintf(s->errfp, "time: %.6f s cpu %.6f s: %s\n", od_now() - t0, cpu_now() - c0, line);
        fflush(s->errfp);
    }
    return rc;
}

/* Run a script file line by line.  Errors name FILE:LINE[:COL].  Lines of
 * the top-level script are recorded; those of a `source`d one are not (the
 * `source` line is).  A sourced script's relative paths resolve against its
 * own directory (so does a safe script's); a top-level script's against the
 * current directory, as a shell's would. */
static int run_lines(od_session *s, FILE *fp, int record)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    while (!s->quit && (len = getline(&line, &cap, fp)) >= 0) {
        s->src_lineno++;
        if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
        if (len > 0 && line[len - 1] == '\r') line[--len] = 0;
        od_ctx_clear_cancel(s->ctx);
        /* a lesson's `#solution CMD` line runs in a replay, so the replay
         * reaches the lesson's `expect` checks with the exercises solved
         * (help lesson); every other comment line is a comment */
        const char *run = line;
        while (*run == ' ' || *run == '\t') run++;
        int is_solution = !strncmp(run, "#solution ", 10);
        if (is_solution) run += 10;
        else run = line;
        if (s->echo) {
            const char *t = line;
            while (*t == ' ' || *t == '\t') t++;
            if (is_solution) fprintf(s->outfp, "oddity> %s   # the exercise's solution\n", cmd_escape(run));
            else if (*t == '#' || !*t) fprintf(s->outfp, "%s\n", cmd_escape(line));
            else fprintf(s->outfp, "oddity> %s\n", cmd_escape(line));
            fflush(s->outfp);
        }
        int r = session_exec(s, run, record);
        if (r) {
            rc = r;
            if (!s->keep_going) break;
        }
    }
    free(line);
    return rc;
}

int session_run_script(od_session *s, const char *path, int from_source, int safe)
{
    int is_stdin = !strcmp(path, "-");
    FILE *fp = is_stdin ? stdin : fopen(path, "r");
    if (!fp) {
        int e = errno;
        if (s->src_name) fprintf(s->errfp, "%s:%ld: ", cmd_escape(s->src_name), s->src_lineno);
        fprintf(s->errfp, "error: cannot open %s: %s\n", cmd_escape(path), strerror(e));
        return OD_EIO;
    }
    struct stat st;
    int tracked = 0;
    if (!is_stdin && fstat(fileno(fp), &st) == 0) {
        for (int i = 0; i < s->nrunning; i++)
            if (s->running[i].dev == st.st_dev && s->running[i].ino == st.st_ino) {
                if (s->src_name) fprintf(s->errfp, "%s:%ld: ", cmd_escape(s->src_name), s->src_lineno);
                fprintf(s->errfp, "error: source: %s is already running (a script cannot source itself, directly or through another)\n",
                        cmd_escape(path));
                fclose(fp);
                return OD_EINVAL;
            }
        if (s->nrunning < (int)(sizeof s->running / sizeof s->running[0])) {
            s->running[s->nrunning].dev = st.st_dev;
            s->running[s->nrunning++].ino = st.st_ino;
            tracked = 1;
        }
    }
    cmd_safe saved_safe;
    if (safe && cmd_safe_enter(s, path, &saved_safe)) {
        if (tracked) s->nrunning--;
        if (!is_stdin) fclose(fp);
        return OD_EIO;
    }
    char *old_base = s->base_dir;
    if (!is_stdin && (from_source || s->safe.on)) {
        char *canon = realpath(path, NULL);
        s->base_dir = canon ? cmd_dir_of(canon) : NULL;
        free(canon);
        if (!s->base_dir) s->base_dir = cmd_dir_of(path);
    } else if (old_base) {
        s->base_dir = strdup(old_base);
    }
    const char *old_name = s->src_name;
    long old_line = s->src_lineno;
    s->src_name = is_stdin ? "<stdin>" : path;
    s->src_lineno = 0;
    s->depth++;
    int rc = run_lines(s, fp, !from_source && s->depth == 1);
    if (!is_stdin) fclose(fp);
    s->depth--;
    s->src_name = old_name;
    s->src_lineno = old_line;
    free(s->base_dir);
    s->base_dir = old_base;
    if (safe) cmd_safe_leave(s, &saved_safe);
    if (tracked) s->nrunning--;
    return rc;
}

int session_run_file(od_session *s, const char *path, int from_source)
{
    return session_run_script(s, path, from_source, 0);
}
