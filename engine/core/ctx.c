#include "config.h"
#include "ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <gsl/gsl_errno.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define OD_MAXWARN 32

struct od_ctx {
    char errmsg[1024];
    char *warn[OD_MAXWARN];
    size_t nwarn;
    unsigned long seed;
    gsl_rng *rng;
    uint64_t nstreams;
    int threads;
    od_progress_fn progress;
    void *progress_user;
    volatile sig_atomic_t cancel;
    const od_ctx *parent;       /* its cancel flag counts too (od_ctx_set_parent) */
};

const char *od_strerror(int code)
{
    switch (code) {
    case OD_OK: return "success";
    case OD_CONTINUE: return "not finished";
    case OD_ENOMEM: return "out of memory";
    case OD_EINVAL: return "invalid argument";
    case OD_EDATA: return "bad data";
    case OD_EIO: return "input/output error";
    case OD_EFORMAT: return "bad file format";
    case OD_ENOCONV: return "did not converge";
    case OD_ECANCEL: return "interrupted";
    case OD_ERANGE: return "out of range";
    case OD_ESTATE: return "not possible now";
    case OD_ENOTFOUND: return "not found";
    default: return "unknown error";
    }
}

/* GSL's default handler aborts; the engine must never abort on user input.
 * GSL errors are reported through return codes that every caller checks, so
 * the handler only has to stay quiet. */
static void od_gsl_handler(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)reason; (void)file; (void)line; (void)gsl_errno;
}

od_ctx *od_ctx_new(unsigned long seed)
{
    od_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    gsl_set_error_handler(od_gsl_handler);
    ctx->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!ctx->rng) { free(ctx); return NULL; }
    od_ctx_set_seed(ctx, seed);
    ctx->threads = 0;
    od_ctx_set_threads(ctx, 0);
    return ctx;
}

void od_ctx_free(od_ctx *ctx)
{
    if (!ctx) return;
    od_ctx_clear_warnings(ctx);
    gsl_rng_free(ctx->rng);
    free(ctx);
}

int od_error(od_ctx *ctx, int code, const char *fmt, ...)
{
    if (ctx) {
        /* format into a copy: a caller may wrap the current message,
         * od_error(ctx, c, "context: %s", od_ctx_errmsg(ctx)), and vsnprintf
         * into the buffer it reads from is undefined (it garbled best-f1's
         * "needs labels" message, issue 13) */
        char buf[sizeof ctx->errmsg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        memcpy(ctx->errmsg, buf, sizeof buf);
    }
    return code;
}

const char *od_ctx_errmsg(const od_ctx *ctx) { return ctx->errmsg; }
void od_ctx_clear_error(od_ctx *ctx) { ctx->errmsg[0] = 0; }

void od_warn(od_ctx *ctx, const char *fmt, ...)
{
    if (!ctx || ctx->nwarn >= OD_MAXWARN) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* collapse repeats of the same warning */
    for (size_t i = 0; i < ctx->nwarn; i++)
        if (strcmp(ctx->warn[i], buf) == 0) return;
    char *s = strdup(buf);
    if (s) ctx->warn[ctx->nwarn++] = s;
}

size_t od_ctx_nwarnings(const od_ctx *ctx) { return ctx->nwarn; }
const char *od_ctx_warning(const od_ctx *ctx, size_t i) { return i < ctx->nwarn ? ctx->warn[i] : NULL; }
void od_ctx_clear_warnings(od_ctx *ctx)
{
    for (size_t i = 0; i < ctx->nwarn; i++) free(ctx->warn[i]);
    ctx->nwarn = 0;
}

uint64_t od_hash64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void od_ctx_set_seed(od_ctx *ctx, unsigned long seed)
{
    ctx->seed = seed;
    ctx->nstreams = 0;
    gsl_rng_set(ctx->rng, seed);
}

unsigned long od_ctx_seed(const od_ctx *ctx) { return ctx->seed; }
gsl_rng *od_ctx_rng(od_ctx *ctx) { return ctx->rng; }

uint64_t od_ctx_next_stream(od_ctx *ctx)
{
    return od_hash64((uint64_t)ctx->seed * 0x100000001b3ULL + ++ctx->nstreams);
}

gsl_rng *od_rng_stream(uint64_t key, uint64_t task)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r) return NULL;
    uint64_t s = od_hash64(key ^ od_hash64(task + 1));
    gsl_rng_set(r, (unsigned long)(s ? s : 1));
    return r;
}

void od_ctx_set_threads(od_ctx *ctx, int n)
{
#ifdef _OPENMP
    if (n <= 0) n = omp_get_num_procs();
    omp_set_num_threads(n);
#else
    n = 1;
#endif
    ctx->threads = n;
}

int od_ctx_threads(const od_ctx *ctx) { return ctx->threads; }

void od_ctx_set_progress(od_ctx *ctx, od_progress_fn fn, void *user)
{
    ctx->progress = fn;
    ctx->progress_user = user;
}

void od_ctx_get_progress(const od_ctx *ctx, od_progress_fn *fn, void **user)
{
    *fn = ctx->progress;
    *user = ctx->progress_user;
}

void od_progress(od_ctx *ctx, const char *what, double frac, const char *detail)
{
    if (ctx && ctx->progress) ctx->progress(ctx->progress_user, what, frac, detail);
}

volatile sig_atomic_t *od_ctx_cancel_flag(od_ctx *ctx) { return &ctx->cancel; }
int od_cancelled(const od_ctx *ctx) { return ctx && (ctx->cancel != 0 || od_cancelled(ctx->parent)); }
void od_ctx_set_parent(od_ctx *ctx, const od_ctx *parent) { ctx->parent = parent; }
void od_ctx_clear_cancel(od_ctx *ctx) { ctx->cancel = 0; }

/* ---- allocation ------------------------------------------------------
 * ODDITY_FAIL_ALLOC=N (read once) makes the N-th allocation through these
 * wrappers fail, as a full memory would (scripts/faultinject runs a session
 * with every N); ODDITY_FAIL_ALLOC_COUNT=1 counts them (od_alloc_count; the
 * program prints the count at exit).  Counting is atomic, so it also holds
 * under threads (the fault run uses one thread, so the N-th is the same
 * allocation every time). */
static long fail_at = -2;                 /* -2: not read yet, -1: off */
static unsigned long alloc_count;

unsigned long od_alloc_count(void) { return __atomic_load_n(&alloc_count, __ATOMIC_RELAXED); }

static int alloc_fails(void)
{
    long at = __atomic_load_n(&fail_at, __ATOMIC_RELAXED);
    if (at == -2) {
        const char *e = getenv("ODDITY_FAIL_ALLOC"), *c = getenv("ODDITY_FAIL_ALLOC_COUNT");
        at = e && *e ? strtol(e, NULL, 10) : 0;
        if (at <= 0) at = c && *c == '1' ? 0 : -1;   /* 0: count only */
        __atomic_store_n(&fail_at, at, __ATOMIC_RELAXED);
    }
    if (at < 0) return 0;
    return __atomic_add_fetch(&alloc_count, 1, __ATOMIC_RELAXED) == (unsigned long)at;
}

/* "1.2 GB", "64 KB", "17 bytes" */
static const char *human_size(char *buf, size_t cap, double n)
{
    static const char *const unit[] = { "KB", "MB", "GB", "TB", "PB", "EB" };
    if (n < 1000) {
        snprintf(buf, cap, "%.0f bytes", n);
        return buf;
    }
    int u = -1;
    while (n >= 1000 && u < 5) n /= 1000, u++;
    snprintf(buf, cap, n < 10 ? "%.1f %s" : "%.0f %s", n, unit[u]);
    return buf;
}

static void *oom(od_ctx *ctx, double bytes)
{
    char h[32];
    od_error(ctx, OD_ENOMEM, "out of memory allocating %s", human_size(h, sizeof h, bytes));
    return NULL;
}

/* Large blocks (columns and score arrays of big datasets) ask for transparent
 * huge pages where the kernel leaves that to the program (THP "madvise"): one
 * fault per 2 MiB instead of 512, which on 10M rows is most of the time spent
 * in a fresh 80 MB array.  Only the 2 MiB-aligned interior of the block is
 * advised; a refusal changes nothing. */
enum { HUGE_MIN = 8u << 20, HUGE_PAGE = 2u << 20 };

static void *huge_advise(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    if (p && n >= HUGE_MIN) {
        uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);
        if (e > a) (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
    }
#else
    (void)n;
#endif
    return p;
}

void *od_malloc(od_ctx *ctx, size_t n)
{
    void *p = alloc_fails() ? NULL : huge_advise(malloc(n ? n : 1), n);
    return p ? p : oom(ctx, (double)n);
}

void *od_calloc(od_ctx *ctx, size_t n, size_t size)
{
    void *p = alloc_fails() ? NULL : calloc(n ? n : 1, size ? size : 1);
    if (p && size && n <= SIZE_MAX / size) huge_advise(p, n * size);
    return p ? p : oom(ctx, (double)n * (double)size);
}

void *od_mallocn(od_ctx *ctx, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return oom(ctx, (double)n * (double)size);
    return od_malloc(ctx, n * size);
}

void *od_realloc(od_ctx *ctx, void *p, size_t n)
{
    void *q = alloc_fails() ? NULL : huge_advise(realloc(p, n ? n : 1), n);
    return q ? q : oom(ctx, (double)n);
}

char *od_strdup(od_ctx *ctx, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = od_malloc(ctx, n);
    if (p) memcpy(p, s, n);
    return p;
}

double od_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
