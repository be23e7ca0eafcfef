/* detector.h - the detector interface.
 *
 * A detector is one file in engine/detect/ that ends in one
 *     const od_detector_type od_detector_<name> = { ... };
 * and one line in registry.c.  Its parameter table drives validation,
 * `help detect NAME` and tab completion.
 *
 * Data handed to a detector is a row-major n x d matrix of doubles with no NaN
 * (the front end refuses data with missing values before calling fit/score and
 * tells the user to `clean`).  For sequence models (seq = 1) the rows are time
 * points in time order and the columns are channels.
 *
 * Scores: one double per row, higher = more anomalous; rows a detector cannot
 * score (warm-up of a sequence model) are NaN.
 */
#ifndef OD_DETECTOR_H
#define OD_DETECTOR_H

#include <stdio.h>
#include <stddef.h>
#include "../core/ctx.h"
#include "../core/out.h"
#include "../core/data.h"   /* od_data: the matrix view fit/score take */

typedef enum { OD_P_INT, OD_P_REAL, OD_P_CHOICE, OD_P_BOOL, OD_P_STR } od_ptype;

typedef struct {
    const char *name;
    od_ptype type;
    const char *def;       /* default as text ("8", "k-means++", "auto", "yes") */
    double lo, hi;         /* inclusive range for INT/REAL (lo > hi: unbounded) */
    const char *choices;   /* CHOICE: "a|b|c"; REAL/INT: extra words allowed, e.g. "auto" */
    const char *help;      /* one line */
} od_param_spec;

/* Enumerated parameters: the names of a CHOICE parameter's values are written
 * once, in an X-list of (ENGINE_VALUE, "name") pairs in the list's order, e.g.
 *     #define OD_GMM_COVS(X) X(OD_GMM_FULL, "full") X(OD_GMM_TIED, "tied") ...
 * and everything else is made from it: the enum (enum { OD_GMM_COVS(OD_X_ENUM) }),
 * the spec's choices string (OD_CHOICES(OD_GMM_COVS) = "full|tied|..."), the
 * names a describe() prints (OD_X_NAME), or, for an enum defined elsewhere, the
 * table mapping the choice index to the engine value (OD_X_ENUM).  So the
 * value the user names is the value the engine runs; a detector's describe()
 * prints every enumerated parameter as NAME=VALUE read back from what the
 * fitted model holds (tests/options.sh checks this through the command line). */
#define OD_X_ENUM(e, s) e,
#define OD_X_NAME(e, s) s,
#define OD_X_BAR(e, s) "|" s
#define OD_CHOICES(LIST) (LIST(OD_X_BAR) + 1)
/* The name of engine value v in an int values[] / names[] pair made from one
 * X-list ("?" if none). */
#define OD_X_LOOKUP(vals, names, v) od_x_lookup((vals), (names), sizeof(vals) / sizeof(vals)[0], (int)(v))
static inline const char *od_x_lookup(const int *vals, const char *const *names, size_t n, int v)
{
    for (size_t i = 0; i < n; i++)
        if (vals[i] == v) return names[i];
    return "?";
}

/* A validated set of parameter values (defaults filled in). */
typedef struct od_params od_params;

/* Parse key=value pairs against a spec table.  Unknown keys, bad numbers,
 * out-of-range values and unknown choices get a one-line error naming the
 * option and what is allowed.  keys/vals may be NULL when n == 0. */
od_params *od_params_parse(od_ctx *ctx, const od_param_spec *spec, size_t nspec,
                           const char *const *keys, const char *const *vals, size_t n);
void od_params_free(od_params *p);
od_params *od_params_copy(od_ctx *ctx, const od_params *p);

long od_params_int(const od_params *p, const char *name);
double od_params_real(const od_params *p, const char *name);   /* NaN if the value is a word like "auto" */
int od_params_choice(const od_params *p, const char *name);    /* index into choices */
int od_params_bool(const od_params *p, const char *name);
const char *od_params_str(const od_params *p, const char *name); /* the value as text */
int od_params_is(const od_params *p, const char *name, const char *word); /* value == word */
int od_params_given(const od_params *p, const char *name);     /* set explicitly, not default */
/* "k=8 init=k-means++ ..." in spec order (caller frees). */
char *od_params_format(const od_params *p);

/* Label-free model-selection facts of a fitted model (search without
 * labels, plot elbow); NaN for what a model does not have. */
typedef struct {
    double inertia;        /* k-means: sum of squared distances of the training rows to their centre */
    double loglik;         /* total log-likelihood of the training rows (gmm) */
    double nparams;        /* free parameters (gmm: BIC/AIC) */
    double ntrain;         /* training rows */
} od_fit_stats;

/* Per-epoch training log of neural detectors (for `plot loss`). */
typedef struct {
    size_t n, cap;
    double *train, *val, *secs;   /* val is NaN when there is no validation part */
} od_fitlog;
int od_fitlog_add(od_fitlog *log, double train, double val, double secs);
void od_fitlog_done(od_fitlog *log);

/* Why one row scored as it did: what a detector's optional explain entry
 * fills in.  Every part is optional (NULL / 0 when the method has none):
 *   contrib   per-feature terms (d of them, larger = more anomalous); `exact`
 *             says they add up to the score (or to the stated part of it,
 *             e.g. the squared distance behind a distance score)
 *   nb_x      the nearest training rows (nnb x d, their coordinates, so the
 *             caller can find their row numbers) and nb_dist their distances
 *   err       sequence models: steps x chans errors (z-score units) of the
 *             window ending at the row; target/pred the data and its
 *             forecast or reconstruction (z-score units), step0 the row of
 *             the first step
 * method is the one line that names how the numbers were computed.
 * Free with od_explanation_done. */
typedef struct {
    char method[240];
    size_t d;
    double *contrib;
    int exact;
    long cluster;          /* the centre / component explained against (-1: none) */
    size_t nnb;
    double *nb_x, *nb_dist;
    size_t steps, chans;
    long step0;
    double *err, *target, *pred;
} od_explanation;
void od_explanation_done(od_explanation *e);
/* Helpers for explain entries (explain.c).  Allocate ex->contrib (d zeros). */
int od_explain_alloc_contrib(od_ctx *ctx, od_explanation *ex, size_t d);
/* The k nearest of the n x d rows T (leading dimension ld) to x, skipping one
 * row bitwise equal to x (the leave-one-out rule of the neighbour
 * detectors): their coordinates and distances into ex->nb_x/nb_dist, and
 * ex->contrib[j] = the mean over them of (x_j - nb_j)^2, the per-feature
 * share of the squared distances (exact: they sum to the mean squared
 * distance). */
int od_explain_neighbours(od_ctx *ctx, const double *T, size_t n, size_t d, size_t ld, const double *x, size_t k,
                          od_explanation *ex);

typedef struct od_detector_type {
    const char *name;
    const char *family;    /* "cluster", "density", "neural", ... */
    const char *summary;   /* one line */
    const char *help;      /* paragraph(s): what the score means, an example */
    const od_param_spec *params;
    size_t nparams;
    int seq;               /* 1: rows are a time series (sequence model) */

    /* Fit on `train`; on success *state is the fitted model.  May append to
     * `log` (neural models), report progress and poll the cancel flag through
     * ctx; a cancelled training may still succeed with the best state so far
     * (return OD_OK and od_warn) so the run is usable. */
    int (*fit)(od_ctx *ctx, const od_params *p, const od_data *train, od_fitlog *log, void **state);
    /* Score every row of `data` into scores[n]; cluster[n] (may be NULL) gets the
     * cluster of each row (-1 = noise) for clustering detectors. */
    int (*score)(od_ctx *ctx, const void *state, const od_data *data, double *scores, long *cluster);
    /* Human-readable facts about a fitted model (BIC, clusters, eps chosen...). */
    void (*describe)(const void *state, od_out *out);
    int (*save)(od_ctx *ctx, const void *state, FILE *fp);
    int (*load)(od_ctx *ctx, const od_params *p, FILE *fp, void **state);
    void (*free)(void *state);
    /* Optional: why row `row` of `data` (the matrix score() saw) scored as it
     * did; fills ex (zeroed by the caller).  OD_EDATA for a row it does not
     * score (warm-up). */
    int (*explain)(od_ctx *ctx, const void *state, const od_data *data, size_t row, od_explanation *ex);
    /* Model-selection facts (may be NULL: the detector has none). */
    void (*stats)(const void *state, od_fit_stats *out);
} od_detector_type;

/* Registry */
size_t od_detector_count(void);
const od_detector_type *od_detector_at(size_t i);
const od_detector_type *od_detector_find(const char *name);

#endif
