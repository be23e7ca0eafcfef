/* main.c - argv, modes (REPL, -f script, -e lines, stdin), the journal. */
#include "config.h"
#include "repl.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

void session_write_header(od_session *s, FILE *fp);

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
        if (frac >= 0 && frac < 1) fprintf(s->errfp, "\r  %s %3d%%", what, (int)(100 * frac));
        else fprintf(s->errfp, "\r\033[K");
        fflush(s->errfp);
    }
}

/* Run a script file line by line.  Errors name FILE:LINE[:COL]. */
int session_run_file(od_session *s, const char *path, int from_source)
{
    FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!fp) {
        if (s->src_name) fprintf(s->errfp, "%s:%ld: ", s->src_name, s->src_lineno);
        fprintf(s->errfp, "error: cannot open %s: %s\n", path, strerror(errno));
        return OD_EIO;
    }
    const char *old_name = s->src_name;
    long old_line = s->src_lineno;
    s->src_name = fp == stdin ? "<stdin>" : path;
    s->src_lineno = 0;
    s->depth++;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0, failed = 0;
    while (!s->quit && (len = getline(&line, &cap, fp)) >= 0) {
        s->src_lineno++;
        if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
        if (len > 0 && line[len - 1] == '\r') line[--len] = 0;
        const char *cur = line;
        od_ctx_clear_cancel(s->ctx);
        int r = od_exec_line(s, cur);
        if (r == 0 && !from_source && s->depth == 1) {
            const char *p = cur;
            while (*p == ' ' || *p == '\t') p++;
            if (*p && *p != '#') session_record(s, cur);
        }
        if (r) {
            failed = 1;
            rc = r;
            if (!s->keep_going) break;
        }
    }
    free(line);
    if (fp != stdin) fclose(fp);
    s->depth--;
    s->src_name = old_name;
    s->src_lineno = old_line;
    return failed ? (rc ? rc : OD_EINVAL) : 0;
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: oddity [OPTION]... [DATA-FILE]...\n"
            "An interactive workbench for unsupervised anomaly detection.\n\n"
            "With no -f or -e, opens the interactive prompt (or reads commands from\n"
            "standard input when it is not a terminal).  DATA-FILEs are loaded first.\n\n"
            "  -f, --file=FILE      run the commands in FILE (a .odd script) and exit\n"
            "  -e, --execute=LINES  run LINES (commands separated by ';') and exit\n"
            "  -i, --interactive    open the prompt after -f/-e\n"
            "  -k, --keep-going     in scripts, continue after an error\n"
            "  -s, --seed=N         seed of every random choice (default 42, or $OD_SEED)\n"
            "  -j, --threads=N      worker threads (default: all cores)\n"
            "      --no-times       do not print timings (byte-identical replays)\n"
            "      --no-journal     do not write the session journal\n"
            "  -h, --help           display this help and exit\n"
            "  -V, --version        output version information and exit\n\n"
            "Interactive sessions are journaled to $XDG_STATE_HOME/oddity/sessions/.\n"
            "Type `help` at the prompt for the commands.  Report bugs to the oddity developers.\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "file", required_argument, NULL, 'f' },
        { "execute", required_argument, NULL, 'e' },
        { "interactive", no_argument, NULL, 'i' },
        { "keep-going", no_argument, NULL, 'k' },
        { "seed", required_argument, NULL, 's' },
        { "threads", required_argument, NULL, 'j' },
        { "no-times", no_argument, NULL, 1 },
        { "no-journal", no_argument, NULL, 2 },
        { "plain", no_argument, NULL, 3 },
        { "man", no_argument, NULL, 4 },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    const char *files[64];
    int nfiles = 0, is_exec[64];
    int force_interactive = 0, keep_going = 0, no_times = 0, no_journal = 0, threads = 0;
    unsigned long seed = 42;
    const char *env = getenv("OD_SEED");
    if (env && *env) seed = strtoul(env, NULL, 10);
    int c;
    while ((c = getopt_long(argc, argv, "f:e:iks:j:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
        case 'e':
            if (nfiles < 64) { is_exec[nfiles] = c == 'e'; files[nfiles++] = optarg; }
            break;
        case 'i': force_interactive = 1; break;
        case 'k': keep_going = 1; break;
        case 's': {
            char *end;
            seed = strtoul(optarg, &end, 10);
            if (*end || !*optarg) { fprintf(stderr, "oddity: --seed=%s: expected a non-negative integer\n", optarg); return 2; }
            break;
        }
        case 'j': threads = atoi(optarg); break;
        case 1: no_times = 1; break;
        case 2: no_journal = 1; break;
        case 3: break;
        case 4: {
            void od_write_man(FILE *fp);
            od_write_man(stdout);
            return 0;
        }
        case 'h': usage(stdout); return 0;
        case 'V':
            printf("oddity %s\nCopyright (C) 2026 the oddity developers.\n"
                   "This is free software; there is NO warranty.\n", PACKAGE_VERSION);
            return 0;
        default:
            fprintf(stderr, "Try 'oddity --help' for more information.\n");
            return 2;
        }
    }

    od_session s = {0};
    s.ctx = od_ctx_new(seed);
    s.ws = od_ws_new();
    if (!s.ctx || !s.ws) { fprintf(stderr, "oddity: out of memory\n"); return 1; }
    s.outfp = stdout;
    s.errfp = stderr;
    s.keep_going = keep_going;
    s.show_times = !no_times && !getenv("ODDITY_NO_TIMES");
    snprintf(s.terminal, sizeof s.terminal, "dumb");
    od_ctx_set_threads(s.ctx, threads);
    od_ctx_set_progress(s.ctx, progress, &s);
    repl_install_sigint(&s);

    int interactive = force_interactive || (nfiles == 0 && isatty(STDIN_FILENO));
    s.interactive = interactive;
    int rc = 0;

    /* positional data files are loaded first */
    for (int i = optind; i < argc && !rc; i++) {
        char *q = cmd_quote(argv[i]);
        size_t l = strlen(q) + 8;
        char *line = malloc(l);
        snprintf(line, l, "load %s", q);
        free(q);
        rc = od_exec_line(&s, line);
        if (!rc) session_record(&s, line);
        free(line);
    }

    if (interactive && !no_journal) {
        char *dir = repl_state_dir();
        if (dir) {
            char path[4400];
            snprintf(path, sizeof path, "%s/sessions", dir);
            mkdir(path, 0700);
            time_t now = time(NULL);
            struct tm tm;
            localtime_r(&now, &tm);
            char stamp[64];
            strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
            snprintf(path, sizeof path, "%s/sessions/session-%s-%ld.odd", dir, stamp, (long)getpid());
            s.journal = fopen(path, "w");
            if (s.journal) {
                s.journal_path = strdup(path);
                session_write_header(&s, s.journal);
                fprintf(s.journal, "set seed=%lu\n", seed);
                for (size_t i = 0; i < s.nhist; i++) fprintf(s.journal, "%s\n", s.hist[i]);
                fflush(s.journal);
            }
            free(dir);
        }
    }

    for (int i = 0; i < nfiles && !s.quit; i++) {
        int r;
        if (is_exec[i]) {
            s.src_name = NULL;
            r = od_exec_line(&s, files[i]);
            if (!r) session_record(&s, files[i]);
        } else {
            r = session_run_file(&s, files[i], 0);
        }
        if (r) {
            rc = r;
            if (!keep_going) break;
        }
    }

    if (interactive && !(rc && nfiles)) {
        if (!isatty(STDIN_FILENO)) rc = session_run_file(&s, "-", 0);
        else {
            printf("oddity %s — type help for the commands, Ctrl-D to quit\n", PACKAGE_VERSION);
            if (s.journal_path) printf("journal: %s\n", s.journal_path);
            rc = repl_run(&s);
        }
    } else if (!interactive && nfiles == 0) {
        rc = session_run_file(&s, "-", 0);
    }

    void cmd_plot_close(od_session *s);
    cmd_plot_close(&s);
    if (s.journal) fclose(s.journal);
    free(s.journal_path);
    for (size_t i = 0; i < s.nhist; i++) free(s.hist[i]);
    free(s.hist);
    od_ws_free(s.ws);
    od_ctx_free(s.ctx);
    return rc ? 1 : 0;
}
