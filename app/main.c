/* main.c - argv and modes (REPL, -f script, -e lines, stdin); the session,
 * its journal and scripts are session.c's. */
#include "config.h"
#include "repl.h"
#include "run/run.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void progress(void *user, const char *what, double frac, const char *detail)
{
    od_session *s = user;
    if (detail && *detail && what && !strcmp(what, "train")) {
        /* one line per training epoch; without timings for replayable output */
        char buf[512];
        snprintf(buf, sizeof buf, "%s", detail);
        if (!s->show_times) {
            char *p = strstr(buf, "  ETA ");
            if (p) *p = 0;
            p = strrchr(buf, ' ');
            size_t l = strlen(buf);
            if (p && l && buf[l - 1] == 's' && p[1] >= '0' && p[1] <= '9') {
                while (p > buf && p[-1] == ' ') p--;
                *p = 0;
            }
        }
        fprintf(s->errfp, "  %s\n", buf);
        fflush(s->errfp);
    } else if (s->interactive && isatty(fileno(s->errfp))) {
        if (frac >= 0 && frac < 1)
            fprintf(s->errfp, "\r  %s %3d%%%s%s\033[K", what, (int)(100 * frac), detail ? "  " : "", detail ? detail : "");
        else fprintf(s->errfp, "\r\033[K");
        fflush(s->errfp);
    }
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: oddity [OPTION]... [DATA-FILE]...\n"
            "  or:  oddity score --model=M.oddm [OPTION]... [FILE|-]   (oddity score --help)\n"
            "An interactive workbench for unsupervised anomaly detection.\n\n"
            "With no -f or -e, opens the interactive prompt (or reads commands from\n"
            "standard input when it is not a terminal).  DATA-FILEs are loaded first.\n\n"
            "  -f, --file=FILE      run the commands in FILE (a .odd script) and exit\n"
            "  -e, --execute=LINES  run LINES (commands separated by ';') and exit\n"
            "  -i, --interactive    open the prompt after -f/-e (or --lesson)\n"
            "      --lesson=FILE    step through the lesson FILE (help lesson): prose, each\n"
            "                       command before it runs, exercises; in safe mode\n"
            "      --solve          with --lesson: run it without pausing, each exercise\n"
            "                       solved by its #solution lines and checked (for CI)\n"
            "      --echo           print every line of -f scripts (comments, commands)\n"
            "                       as it runs\n"
            "  -k, --keep-going     in scripts, continue after an error\n"
            "  -s, --seed=N         seed of every random choice (default 42, or $OD_SEED)\n"
            "  -j, --threads=N      worker threads (default: all cores)\n"
            "      --no-times       do not print timings (byte-identical replays)\n"
            "      --no-journal     do not write the session journal\n"
            "      --safe           run -f scripts in safe mode: they write only in the output\n"
            "                       directory, replace no file, read only beside themselves\n"
            "                       and start no program but gnuplot (help scripts)\n"
            "      --out-dir=DIR    the output directory of --safe scripts (default: a new\n"
            "                       directory beside the script, FILE-out); with --shard or\n"
            "                       --merge-shards, where the search parts are written and read\n"
            "      --shard=I/N      every search runs only shard I of N of its work units\n"
            "                       (configurations x folds, round-robin) and writes them to\n"
            "                       NAME.part-I-of-N; later commands that use its run are\n"
            "                       skipped (help search)\n"
            "      --merge-shards=N every search merges NAME.part-1-of-N .. NAME.part-N-of-N\n"
            "                       instead of running: the leaderboard and run of one process\n"
            "      --tui            open the full-screen workbench (help tui) instead of the\n"
            "                       prompt, when standard input and output are terminals\n"
            "      --plain          the prompt (the default; undoes --tui)\n"
            "  -h, --help           display this help and exit\n"
            "  -V, --version        output version information and exit\n\n"
            "Interactive sessions are journaled to $XDG_STATE_HOME/oddity/sessions/.\n"
            "Type `help` at the prompt for the commands.  Report bugs to the oddity developers.\n");
}

#define MAX_SCRIPTS 64

typedef struct {
    const char *scripts[MAX_SCRIPTS];   /* -f FILE and -e LINES, in order */
    int is_exec[MAX_SCRIPTS];
    int nscripts;
    int force_interactive, keep_going, no_times, no_journal, threads, safe;
    const char *out_dir;                /* --out-dir */
    const char *lesson;                 /* --lesson */
    unsigned long shard_i, shard_n, merge_n;   /* --shard=I/N, --merge-shards=N */
    int solve, echo;
    int tui;                            /* --tui: the workbench instead of the prompt */
    unsigned long seed;
    char **data;                        /* positional DATA-FILEs */
    int ndata;
} options;

enum { OPT_NO_TIMES = 1, OPT_NO_JOURNAL, OPT_PLAIN, OPT_MAN, OPT_SAFE, OPT_OUT_DIR, OPT_LESSON, OPT_SOLVE, OPT_ECHO, OPT_SHARD,
       OPT_MERGE_SHARDS, OPT_TUI };

static int parse_number(const char *opt, const char *arg, unsigned long max, unsigned long *v)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(arg, &end, 10);
    if (!*arg || *end || *arg == '-' || errno == ERANGE || x > max) {
        fprintf(stderr, "oddity: %s=%s: expected an integer from 0 to %lu\n", opt, arg, max);
        return -1;
    }
    *v = x;
    return 0;
}

/* One option; returns -1 to go on, or the exit status. */
static int parse_option(int c, const char *arg, options *o)
{
    unsigned long v;
    switch (c) {
    case 'f':
    case 'e':
        if (o->nscripts == MAX_SCRIPTS) {
            fprintf(stderr, "oddity: too many -f/-e options (at most %d)\n", MAX_SCRIPTS);
            return 2;
        }
        o->is_exec[o->nscripts] = c == 'e';
        o->scripts[o->nscripts++] = arg;
        return -1;
    case 'i': o->force_interactive = 1; return -1;
    case 'k': o->keep_going = 1; return -1;
    case 's':
        if (parse_number("--seed", arg, ULONG_MAX, &o->seed)) return 2;
        return -1;
    case 'j':
        if (parse_number("--threads", arg, 1024, &v)) return 2;
        o->threads = (int)v;
        return -1;
    case OPT_NO_TIMES: o->no_times = 1; return -1;
    case OPT_NO_JOURNAL: o->no_journal = 1; return -1;
    case OPT_PLAIN: o->tui = 0; return -1;
    case OPT_TUI: o->tui = 1; return -1;
    case OPT_SAFE: o->safe = 1; return -1;
    case OPT_SOLVE: o->solve = 1; return -1;
    case OPT_ECHO: o->echo = 1; return -1;
    case OPT_LESSON:
        if (o->lesson) {
            fprintf(stderr, "oddity: --lesson: one lesson at a time\n");
            return 2;
        }
        o->lesson = arg;
        return -1;
    case OPT_OUT_DIR:
        if (!*arg) {
            fprintf(stderr, "oddity: --out-dir: expected a directory\n");
            return 2;
        }
        o->out_dir = arg;
        return -1;
    case OPT_SHARD: {
        char *end;
        errno = 0;
        unsigned long i = strtoul(arg, &end, 10), n = 0;
        if (*end == '/' && end[1] >= '0' && end[1] <= '9') n = strtoul(end + 1, &end, 10);
        if (!*arg || *arg == '-' || *end || errno == ERANGE || !n || n > 100000 || i < 1 || i > n) {
            fprintf(stderr, "oddity: --shard=%s: expected I/N with 1 <= I <= N <= 100000 (shard I of N)\n", arg);
            return 2;
        }
        o->shard_i = i;
        o->shard_n = n;
        return -1;
    }
    case OPT_MERGE_SHARDS:
        if (parse_number("--merge-shards", arg, 100000, &v)) return 2;
        if (!v) {
            fprintf(stderr, "oddity: --merge-shards=0: expected the number of shards (at least 1)\n");
            return 2;
        }
        o->merge_n = v;
        return -1;
    case OPT_MAN: od_write_man(stdout); return 0;
    case 'h': usage(stdout); return 0;
    case 'V':
        printf("oddity %s\nCopyright (C) 2026 the oddity developers.\n"
               "This is free software; there is NO warranty.\n"
               "kernels: %s\n", PACKAGE_VERSION, od_run_kernels());
        return 0;
    default:
        fprintf(stderr, "Try 'oddity --help' for more information.\n");
        return 2;
    }
}

/* Returns -1 to go on, or the exit status (--help, --version, bad usage). */
static int parse_args(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        { "file", required_argument, NULL, 'f' },
        { "execute", required_argument, NULL, 'e' },
        { "interactive", no_argument, NULL, 'i' },
        { "keep-going", no_argument, NULL, 'k' },
        { "seed", required_argument, NULL, 's' },
        { "threads", required_argument, NULL, 'j' },
        { "no-times", no_argument, NULL, OPT_NO_TIMES },
        { "no-journal", no_argument, NULL, OPT_NO_JOURNAL },
        { "plain", no_argument, NULL, OPT_PLAIN },
        { "tui", no_argument, NULL, OPT_TUI },
        { "safe", no_argument, NULL, OPT_SAFE },
        { "out-dir", required_argument, NULL, OPT_OUT_DIR },
        { "lesson", required_argument, NULL, OPT_LESSON },
        { "solve", no_argument, NULL, OPT_SOLVE },
        { "echo", no_argument, NULL, OPT_ECHO },
        { "shard", required_argument, NULL, OPT_SHARD },
        { "merge-shards", required_argument, NULL, OPT_MERGE_SHARDS },
        { "man", no_argument, NULL, OPT_MAN },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    memset(o, 0, sizeof *o);
    o->seed = 42;
    const char *env = getenv("OD_SEED");
    if (env && *env && parse_number("OD_SEED", env, ULONG_MAX, &o->seed)) return 2;
    int c, r;
    while ((c = getopt_long(argc, argv, "f:e:iks:j:hV", longopts, NULL)) != -1)
        if ((r = parse_option(c, optarg, o)) >= 0) return r;
    o->data = argv + optind;
    o->ndata = argc - optind;
    if (o->shard_n && o->merge_n) {
        fprintf(stderr, "oddity: --shard runs a shard and --merge-shards merges them: give one\n");
        return 2;
    }
    if (o->out_dir && !o->safe && !o->lesson && !o->shard_n && !o->merge_n) {
        fprintf(stderr, "oddity: --out-dir is the output directory of --safe scripts, lessons and search parts (give --safe, --lesson, --shard or --merge-shards too)\n");
        return 2;
    }
    if (o->solve && !o->lesson) {
        fprintf(stderr, "oddity: --solve runs a lesson (give --lesson=FILE too)\n");
        return 2;
    }
    if (o->lesson && o->nscripts) {
        fprintf(stderr, "oddity: --lesson cannot be combined with -f or -e (a lesson is a script; source it inside one instead)\n");
        return 2;
    }
    return -1;
}

/* Positional DATA-FILEs: each is a `load` line, journaled as such. */
static int load_data_files(od_session *s, const options *o)
{
    for (int i = 0; i < o->ndata; i++) {
        char *q = cmd_quote(o->data[i]);
        size_t l = q ? strlen(q) + 8 : 0;
        char *line = q ? od_malloc(s->ctx, l) : NULL;
        if (!line) {
            free(q);
            fprintf(s->errfp, "error: out of memory\n");
            return OD_ENOMEM;
        }
        snprintf(line, l, "load %s", q);
        free(q);
        int rc = session_exec(s, line, 1);
        free(line);
        if (rc) return rc;
    }
    return 0;
}

/* -f FILE and -e LINES, in the order given. */
static int run_scripts(od_session *s, const options *o)
{
    int rc = 0;
    for (int i = 0; i < o->nscripts && !s->quit; i++) {
        int r;
        if (o->is_exec[i]) {
            s->src_name = NULL;
            r = session_exec(s, o->scripts[i], 1);
        } else {
            r = session_run_script(s, o->scripts[i], 0, o->safe);
        }
        if (r) {
            rc = r;
            if (!o->keep_going) break;
        }
    }
    return rc;
}

/* The prompt on a terminal; otherwise the lines on standard input. */
static int run_interactive(od_session *s, int tui)
{
    if (!isatty(STDIN_FILENO)) return session_run_file(s, "-", 0);
    if (tui && isatty(STDOUT_FILENO)) return repl_run_tui(s);
    printf("oddity %s — type help for the commands, Ctrl-D to quit\n", PACKAGE_VERSION);
    if (s->journal_path) printf("journal: %s\n", s->journal_path);
    return repl_run(s);
}

int score_main(int argc, char **argv);   /* app/score.c: `oddity score`, the streaming filter */

#ifdef HAVE_OPENBLAS
/* OpenBLAS starts its thread pool when it is loaded, and the idle threads spin
 * on sched_yield for about 0.1 s (2^28 cycles) before they sleep: on a 2-core
 * machine that takes a core from the reader and the workers of a 1M-row
 * `oddity score` (a quarter of its wall time, issue 20) and from the first
 * command of a session (lof, describe...).  Stop the pool at start (OpenBLAS's
 * own call, the one its fork handler makes): the first threaded BLAS call
 * starts it again.  Weak: absent from other OpenBLAS builds. */
extern int blas_thread_shutdown_(void) __attribute__((weak));
#endif

int main(int argc, char **argv)
{
#ifdef HAVE_OPENBLAS
    if (blas_thread_shutdown_) blas_thread_shutdown_();
#endif
    if (argc > 1 && !strcmp(argv[1], "score")) {
        /* The filter alternates a serial reader with short parallel regions
         * (parse, format); libgomp's default spinning workers then take the
         * cores the reader needs (measured: 1.67 s against 0.98 s for 80 MB
         * on 2 loaded cores).  libgomp reads OMP_WAIT_POLICY when it is
         * loaded, so ask for sleeping workers by running again once; a
         * policy the user set is kept, and a failed exec just goes on.
         * The path is read from /proc/self/exe rather than exec'ing that
         * link: under valgrind the link is valgrind's own tool, which
         * refuses to run, while readlink returns the program's path. */
        if (!getenv("OMP_WAIT_POLICY") && !setenv("OMP_WAIT_POLICY", "passive", 1)) {
            char self[4096];
            ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
            if (len > 0) {
                self[len] = 0;
                execv(self, argv);
            }
        }
        return score_main(argc - 1, argv + 1);
    }
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;

    od_session s;
    if (session_open(&s, o.seed, o.threads)) { fprintf(stderr, "oddity: out of memory\n"); return 1; }
    s.keep_going = o.keep_going;
    s.show_times = !o.no_times && !getenv("ODDITY_NO_TIMES");
    s.interactive = o.force_interactive || (o.nscripts == 0 && !o.solve && isatty(STDIN_FILENO));
    s.echo = o.echo;
    s.out_dir_opt = o.out_dir;
    s.shard_i = o.shard_i;
    s.shard_n = o.shard_n;
    s.merge_n = o.merge_n;
    if (o.shard_n || o.merge_n) s.shard_dir = o.out_dir;
    od_ctx_set_progress(s.ctx, progress, &s);
    repl_install_sigint(&s);

    rc = load_data_files(&s, &o);
    if (s.interactive && !o.no_journal) session_open_journal(&s);
    int r = run_scripts(&s, &o);
    if (r) rc = r;
    if (o.lesson && !rc) {
        int tty = !o.solve && isatty(STDIN_FILENO);
        if (tty) repl_begin(&s);
        rc = cmd_lesson_run(&s, o.lesson, o.solve);
        if (tty) repl_end(&s);
        if (!o.force_interactive) {
            session_close(&s);
            return rc ? 1 : 0;
        }
        s.quit = 0;
    }
    if (s.interactive && !(rc && o.nscripts)) rc = run_interactive(&s, o.tui);
    else if (!s.interactive && o.nscripts == 0) rc = session_run_script(&s, "-", 0, o.safe);

    session_close(&s);
    const char *count = getenv("ODDITY_FAIL_ALLOC_COUNT");   /* scripts/faultinject */
    if (count && !strcmp(count, "1")) fprintf(stderr, "oddity: %lu allocations\n", od_alloc_count());
    return rc ? 1 : 0;
}
