/* ctx.h - the engine context: error message, seeded RNG, threads, progress, cancel.
 *
 * Blanket ownership rule of the engine: functions never take ownership of their
 * arguments unless their name says so (`_donate`, `_steal`); `_new`/`_alloc`
 * return objects the caller frees with the matching `_free`.
 *
 * Every fallible engine function returns OD_OK (0) or a negative OD_E* code and
 * leaves a one-line message in the context.  The engine never prints, never
 * exits and never reads the terminal.
 */
#ifndef OD_CTX_H
#define OD_CTX_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <gsl/gsl_rng.h>

enum {
    OD_OK = 0,
    OD_CONTINUE = 1,   /* not an error: an iterative step wants to be called again */
    OD_ENOMEM = -1,    /* out of memory */
    OD_EINVAL = -2,    /* bad argument or option */
    OD_EDATA = -3,     /* malformed or unsuitable data */
    OD_EIO = -4,       /* file could not be read or written */
    OD_EFORMAT = -5,   /* foreign, truncated or wrong-version file */
    OD_ENOCONV = -6,   /* iteration did not converge */
    OD_ECANCEL = -7,   /* interrupted by the user */
    OD_ERANGE = -8,    /* value out of range / numerical overflow */
    OD_ESTATE = -9,    /* operation not valid in the current state */
    OD_ENOTFOUND = -10 /* named thing does not exist */
};

const char *od_strerror(int code);

typedef struct od_ctx od_ctx;

/* progress: `what` names the job, `frac` in [0,1] (negative = unknown),
 * `detail` is a preformatted line (may be NULL).  Called from the thread that
 * called the engine, never from worker threads. */
typedef void (*od_progress_fn)(void *user, const char *what, double frac, const char *detail);

od_ctx *od_ctx_new(unsigned long seed);
void od_ctx_free(od_ctx *ctx);

/* Sets the message (printf-style) and returns `code`, so callers can write
 * `return od_error(ctx, OD_EINVAL, "k=%d exceeds the %zu rows", k, n);` */
int od_error(od_ctx *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *od_ctx_errmsg(const od_ctx *ctx);
void od_ctx_clear_error(od_ctx *ctx);

/* Warnings: non-fatal notes (e.g. "covariance regularised") collected during a
 * call; the front end shows and clears them after each command. */
void od_warn(od_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t od_ctx_nwarnings(const od_ctx *ctx);
const char *od_ctx_warning(const od_ctx *ctx, size_t i);
void od_ctx_clear_warnings(od_ctx *ctx);

/* Randomness: the context owns one gsl_rng (mt19937) seeded from `seed`.
 * od_ctx_rng() is for sequential draws.  For parallel work, derive one
 * independent stream per task with od_rng_stream(): the result depends only on
 * the seed, the number of streams drawn so far and `task`, never on scheduling. */
void od_ctx_set_seed(od_ctx *ctx, unsigned long seed);
unsigned long od_ctx_seed(const od_ctx *ctx);
gsl_rng *od_ctx_rng(od_ctx *ctx);
uint64_t od_ctx_next_stream(od_ctx *ctx);   /* draws a fresh 64-bit stream key */
gsl_rng *od_rng_stream(uint64_t key, uint64_t task); /* new rng; caller frees with gsl_rng_free */
uint64_t od_hash64(uint64_t x);             /* splitmix64 finaliser */

void od_ctx_set_threads(od_ctx *ctx, int n);  /* n <= 0: all cores */
int od_ctx_threads(const od_ctx *ctx);

void od_ctx_set_progress(od_ctx *ctx, od_progress_fn fn, void *user);
void od_progress(od_ctx *ctx, const char *what, double frac, const char *detail);
/* the callback set now (to put it back after lending the ctx to another front end) */
void od_ctx_get_progress(const od_ctx *ctx, od_progress_fn *fn, void **user);

/* Cancel flag: set asynchronously (e.g. from a SIGINT handler through the
 * pointer), polled by long-running engine loops. */
volatile sig_atomic_t *od_ctx_cancel_flag(od_ctx *ctx);
int od_cancelled(const od_ctx *ctx);
void od_ctx_clear_cancel(od_ctx *ctx);
/* A context made for one task of a longer job (a search's fit) stops when
 * the job's context is cancelled too: od_cancelled(ctx) is also true when
 * od_cancelled(parent) is.  Clearing ctx's flag leaves the parent's. */
void od_ctx_set_parent(od_ctx *ctx, const od_ctx *parent);

/* Checked allocation helpers: on failure set OD_ENOMEM in ctx and return NULL. */
void *od_malloc(od_ctx *ctx, size_t n);
void *od_calloc(od_ctx *ctx, size_t n, size_t size);
void *od_mallocn(od_ctx *ctx, size_t n, size_t size); /* overflow-checked n*size */
char *od_strdup(od_ctx *ctx, const char *s);
/* Allocations counted under ODDITY_FAIL_ALLOC or ODDITY_FAIL_ALLOC_COUNT=1 (0 otherwise). */
unsigned long od_alloc_count(void);
/* realloc(p, n) that, failing, leaves p as it was and sets the error */
void *od_realloc(od_ctx *ctx, void *p, size_t n);

/* Monotonic wall clock in seconds. */
double od_now(void);

#endif
