/* fuzz_session.c - session replay: the input is a .odd script run through
 * the command executor in safe mode (oddity --safe -f), from a private
 * temporary directory that holds two small data files, d.csv (tabular, with
 * labels) and t.csv (a series with a time column).  Safe mode keeps writes
 * inside that directory's out/ (emptied after each input) and reads inside
 * it; PATH is emptied so no gnuplot starts (a plot is an error); output goes
 * to /dev/null (to standard error with ODDITY_FUZZ_SHOW=1, to see what an
 * input does).  Lines are capped at 4 KiB of script so an input stays fast. */
#include "config.h"
#include "common.h"
#include "cmd.h"

#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256], script[300], outdir[300];
static FILE *devnull;

static void write_data(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/d.csv", dir);
    FILE *fp = fopen(p, "w");
    if (!fp) abort();
    fprintf(fp, "x1,x2,x3,label\n");
    for (int i = 0; i < 40; i++)
        fprintf(fp, "%.3f,%.3f,%.3f,%d\n", sin(i * 1.3) + (i % 13 == 0 ? 6 : 0), cos(i * 0.7), (double)(i % 5),
                i % 13 == 0);
    fclose(fp);
    snprintf(p, sizeof p, "%s/t.csv", dir);
    if (!(fp = fopen(p, "w"))) abort();
    fprintf(fp, "t,v,label\n");
    for (int i = 0; i < 60; i++)
        fprintf(fp, "2024-01-01 %02d:%02d:00,%.3f,%d\n", i / 60, i % 60, sin(i * 0.4) + (i == 41 ? 5 : 0), i == 41);
    fclose(fp);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

/* the scratch directory goes when the fuzzer exits */
static void cleanup(void)
{
    if (dir[0]) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/oddity-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) abort();
    snprintf(script, sizeof script, "%s/s.odd", dir);
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    atexit(cleanup);
    write_data();
    setenv("PATH", "/nonexistent", 1);   /* no gnuplot, no other program */
    setenv("XDG_STATE_HOME", dir, 1);
    unsetenv("TERM");
    devnull = getenv("ODDITY_FUZZ_SHOW") ? stderr : fopen("/dev/null", "w");
    if (!devnull) abort();
}

static void empty_outdir(void)
{
    DIR *d = opendir(outdir);
    if (!d) return;
    struct dirent *e;
    char p[600];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", outdir, e->d_name);
            unlink(p);
        }
    closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull) setup();
    if (size > 4096) return 0;
    FILE *fp = fopen(script, "w");
    if (!fp) abort();
    fwrite(data, 1, size, fp);
    fclose(fp);
    od_session s;
    if (session_open(&s, 42, 1)) return 0;
    s.outfp = s.errfp = devnull;
    s.keep_going = 1;
    s.show_times = 0;
    s.out_dir_opt = outdir;
    session_run_script(&s, script, 0, 1);
    session_close(&s);
    empty_outdir();
    return 0;
}
