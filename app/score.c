/* score.c - `oddity score --model M.oddm [FILE|-]`: the streaming filter, a
 * thin front end over od_score_stream (engine/run/score.c). */
#include "config.h"
#include "core/ctx.h"
#include "run/run.h"
#include "run/score.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int score_main(int argc, char **argv);
const char *score_help(void);

static const char score_usage[] =
    "Usage: oddity score --model=M.oddm [OPTION]... [FILE|-]\n"
    "Score the rows of a CSV/TSV file (or standard input: no FILE, or -) with a model\n"
    "saved by `save model RUN to=M.oddm`, which carries its whole pipeline: the\n"
    "preprocessing fitted with it (clean missing=drop|mean|median|ffill|interpolate\n"
    "and clip=, scale, pca, window), its input columns and its threshold.  Rows are\n"
    "read in chunks and written as they are scored.\n"
    "\n"
    "clean missing=ffill carries each column's last value forward across chunks;\n"
    "missing=interpolate fills a gap linearly between the values around it, in the\n"
    "time column when the fit did (then it must not go back: such a row, or one\n"
    "with a missing or unreadable time, is a bad row) or else in row order.  The\n"
    "rows of a gap that cannot be filled yet (interpolate: until its next value;\n"
    "ffill: a gap at the start, until the first value) are held until it can, so\n"
    "memory then grows with the gap's length; a gap at the end takes the last value.\n"
    "Chunk sizes change no value.\n"
    "\n"
    "Output: a header, then one line per input row: row,score[,flag] (or, with --keep,\n"
    "the input line followed by score[,flag] in the input's separator).  Row N is the\n"
    "N-th data record of the input (header and blank lines not counted), the number\n"
    "`export scores` gives the same row when the file is loaded in the workbench; a\n"
    "skipped bad row keeps its number.  A row the model's clean missing=drop drops\n"
    "writes no line (the rows after it keep their numbers).  An unscored row (the warm-up of a series model,\n"
    "points after the last full window) has an empty score.  Scores are written as the\n"
    "shortest text that reads back to the same double and equal the workbench's bit\n"
    "for bit.\n"
    "\n"
    "  -m, --model=FILE      the model file (required)\n"
    "  -t, --threshold[=V]   add the flag column: 1 when the score reaches the model's\n"
    "                        threshold (or V: flagged when score >= V)\n"
    "  -k, --keep            write the input columns before score[,flag]\n"
    "      --on-error=stop|skip  a bad row (wrong field count, missing or non-numeric\n"
    "                        value in a column the model reads) stops with status 1\n"
    "                        (stop, the default) or is skipped; either way it is\n"
    "                        reported on stderr as FILE:LINE[:COL]: what, and skips\n"
    "                        are counted in a summary line at the end\n"
    "      --no-header       the input has no header line: its fields are the model's\n"
    "                        input columns in the order `load model` lists them (the\n"
    "                        field count must match); with --keep no header is written\n"
    "      --chunk=N         rows per chunk (default 65536); memory is one chunk\n"
    "                        (plus one window for series models)\n"
    "  -j, --threads=N       worker threads (default: all cores); scores do not depend on it\n"
    "                        (the input is read ahead by one more thread)\n"
    "  -q, --quiet           no summary line on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 done, 1 a bad row (stop) or an error, 2 bad usage.\n"
    "\n"
    "examples:\n"
    "  oddity score --model km.oddm data.csv > scores.csv\n"
    "  zcat huge.csv.gz | oddity score --model km.oddm --threshold > flags.csv\n";

const char *score_help(void)
{
    return score_usage;
}

static void report_bad(void *arg, const char *msg)
{
    (void)arg;
    fprintf(stderr, "oddity score: %s (skipped)\n", msg);
}

static int parse_size(const char *opt, const char *v, size_t *out)
{
    char *e;
    unsigned long long x = strtoull(v, &e, 10);
    if (!*v || *e || *v == '-' || x < 1 || x > (1ULL << 32)) {
        fprintf(stderr, "oddity score: %s=%s: expected a whole number from 1 to %llu\n", opt, v, 1ULL << 32);
        return 2;
    }
    *out = (size_t)x;
    return 0;
}


static volatile sig_atomic_t *cancel_flag;
static void on_sigint(int sig)
{
    (void)sig;
    if (cancel_flag) *cancel_flag = 1;
}

int score_main(int argc, char **argv)
{
    enum { O_ONERR = 256, O_CHUNK, O_NOHEADER };
    static const struct option longopts[] = {
        { "model", required_argument, NULL, 'm' },   { "threshold", optional_argument, NULL, 't' },
        { "keep", no_argument, NULL, 'k' },           { "on-error", required_argument, NULL, O_ONERR },
        { "chunk", required_argument, NULL, O_CHUNK }, { "threads", required_argument, NULL, 'j' },
        { "quiet", no_argument, NULL, 'q' },          { "help", no_argument, NULL, 'h' },
        { "no-header", no_argument, NULL, O_NOHEADER },
        { NULL, 0, NULL, 0 }
    };
    od_score_opts o;
    memset(&o, 0, sizeof o);
    o.chunk = 65536;
    o.bad = report_bad;
    const char *model = NULL;
    size_t threads = 0;
    int c, quiet = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:t::kj:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 't':
            o.flags = 1;
            if (optarg) {
                char *e;
                o.thr = strtod(optarg, &e);
                if (!*optarg || *e || o.thr != o.thr) {
                    fprintf(stderr, "oddity score: --threshold=%s: expected a number\n", optarg);
                    return 2;
                }
                o.has_thr = 1;
            }
            break;
        case 'k': o.keep = 1; break;
        case O_NOHEADER: o.no_header = 1; break;
        case O_ONERR:
            if (!strcmp(optarg, "skip")) o.skip_bad = 1;
            else if (!strcmp(optarg, "stop")) o.skip_bad = 0;
            else {
                fprintf(stderr, "oddity score: --on-error=%s: expected stop or skip\n", optarg);
                return 2;
            }
            break;
        case O_CHUNK:
            if (parse_size("--chunk", optarg, &o.chunk)) return 2;
            break;
        case 'j':
            if (parse_size("--threads", optarg, &threads) || threads > 1024) {
                if (threads > 1024) fprintf(stderr, "oddity score: --threads=%s: at most 1024\n", optarg);
                return 2;
            }
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(score_usage, stdout); return 0;
        default: fprintf(stderr, "Try 'oddity score --help' for more information.\n"); return 2;
        }
    }
    if (!model) {
        fprintf(stderr, "oddity score: --model=FILE is required\nTry 'oddity score --help' for more information.\n");
        return 2;
    }
    if (argc - optind > 1) {
        fprintf(stderr, "oddity score: one input at a time (got %d); concatenate them or run one oddity score per file\n", argc - optind);
        return 2;
    }
    const char *path = optind < argc ? argv[optind] : "-";
    int std = !strcmp(path, "-");
    od_ctx *ctx = od_ctx_new(42);
    if (!ctx) { fprintf(stderr, "oddity score: out of memory\n"); return 1; }
    if (threads) od_ctx_set_threads(ctx, (int)threads);
    od_model m;
    int rc = od_model_load(ctx, model, &m);
    if (!rc) rc = od_score_check(ctx, &m, model, &o);
    FILE *in = NULL;
    if (!rc) {
        in = std ? stdin : fopen(path, "rb");
        if (!in) {
            fprintf(stderr, "oddity score: cannot open %s: %s\n", path, strerror(errno));
            od_model_free(&m);
            od_ctx_free(ctx);
            return 1;
        }
    }
    od_score_report rep;
    memset(&rep, 0, sizeof rep);
    if (!rc) {
        signal(SIGINT, on_sigint);
        cancel_flag = od_ctx_cancel_flag(ctx);
        rc = od_score_stream(ctx, &m, model, in, std ? "(stdin)" : path, stdout, &o, &rep);
    }
    if (rc) fprintf(stderr, "oddity score: %s\n", od_ctx_errmsg(ctx));
    else if (!quiet || rep.bad)
        fprintf(stderr, "oddity score: %zu rows read, %zu written (%zu scored%s), %zu bad row%s skipped%s%.0zu%s\n", rep.rows, rep.written,
                rep.scored, o.flags ? "" : "", rep.bad, rep.bad == 1 ? "" : "s", rep.dropped ? ", " : "", rep.dropped,
                rep.dropped ? " dropped by the model's clean missing=drop" : "");
    if (!rc && o.flags && !quiet) fprintf(stderr, "oddity score: %zu flagged\n", rep.flagged);
    if (in && !std) fclose(in);
    od_model_free(&m);
    od_ctx_free(ctx);
    return rc ? 1 : 0;
}
