/* search.h - cross-validated hyperparameter search and elbow curves.
 *
 *   od_grid          the values to try: one axis per parameter, parsed from
 *                    KEY=SPEC once, here (od_grid_add)
 *   od_search_folds  the folds: stratified k-fold over the training rows of
 *                    tabular data (plain k-fold without labels), rolling
 *                    origin in time order on a series
 *   od_search_run    every configuration on every fold; every preprocessing
 *                    step of the version chain that was fitted on training
 *                    rows (scale, pca, clean missing=mean|median, clip=) is
 *                    fitted again on each fold's training rows, so no fold
 *                    sees its test rows; a leaderboard, best first
 *   od_elbow         one fit per k on the training rows: SSE (k-means),
 *                    BIC and AIC (gmm), silhouette, and the k a stated rule
 *                    picks
 *
 * Randomness: a search draws ONE stream key from the session
 * (od_ctx_next_stream); the fold shuffle, the sample of n= configurations
 * and every fit (configuration c, fold j: od_rng_stream(key, 1 + c*K + j))
 * come from it, so scores depend neither on the thread count nor on which
 * configurations were sampled or completed before.
 */
#ifndef OD_SEARCH_H
#define OD_SEARCH_H

#include "run.h"

/* ------------------------------------------------------------------ grid */

/* SPEC := ITEM {, ITEM}
 * ITEM := VALUE                 one value (a number or a word)
 *       | LO..HI                LO, LO+1, ... <= HI
 *       | LO..HI:STEP           LO, LO+STEP, ... <= HI (+1e-9 relative slack)
 *       | log(LO..HI)           OD_GRID_LOG_POINTS values spaced evenly in log(x), LO and HI included
 *       | log(LO..HI):COUNT     COUNT such values (2..1000)
 * Integer parameters take integer LO, HI and STEP; log values are rounded
 * and repeats dropped.  Words (choices, yes/no) take lists only.  A value
 * repeated in the list is an error; so is an axis of more than
 * OD_GRID_MAX_AXIS values. */
#define OD_GRID_LOG_POINTS 5
#define OD_GRID_MAX_AXIS 10000
#define OD_GRID_MAX 100000          /* configurations of a full grid (n= samples larger grids) */
#define OD_GRID_MAX_SAMPLE 10000    /* n= at most */
#define OD_GRID_MAX_PARAMS 64       /* parameters searched at once */

typedef struct {
    char *name;                     /* the parameter */
    char **vals;                    /* n values as text, as the parameter table reads them */
    size_t n;
} od_grid_axis;

typedef struct {
    od_grid_axis *ax;
    size_t nax;
} od_grid;

/* Parse KEY=SPEC into an axis; spec (may be NULL: any text, numbers as
 * reals) says the parameter's type.  Errors: one line starting "KEY=SPEC:". */
int od_grid_axis_parse(od_ctx *ctx, const od_param_spec *spec, const char *key, const char *val, od_grid_axis *out);
void od_grid_axis_done(od_grid_axis *a);
/* Add KEY=SPEC for detector t (KEY must be one of its parameters, given once). */
int od_grid_add(od_ctx *ctx, od_grid *g, const od_detector_type *t, const char *key, const char *val);
void od_grid_done(od_grid *g);
/* Number of configurations (SIZE_MAX when it overflows). */
size_t od_grid_size(const od_grid *g);
/* Configuration idx (0 .. size-1; the last axis varies fastest) as value
 * indices vi[nax]. */
void od_grid_config(const od_grid *g, size_t idx, size_t *vi);

/* ----------------------------------------------------------------- folds */

/* The search's folds over the training rows of v (every row without a
 * split): on a series (od_version_is_series) rolling origin in time order
 * (fold j fits on blocks 0..j and tests on block j+1: no future row in any
 * fit); otherwise k-fold, stratified by the label column when there is one.
 * seed drives the shuffle. */
int od_search_folds(od_ctx *ctx, const od_version *v, size_t k, unsigned long seed, od_folds **out);

/* The top version's frame of d with every fitted step of its lineage fitted
 * again on the rows train[] marks (top-version rows): what a fold's fits see.
 * steps (may be NULL): the steps refitted, "scale zscore; pca k=2", or NULL
 * when none is (the frame is then a copy of the top one).  Errors name the
 * step that cannot be replayed. */
int od_search_refit(od_ctx *ctx, const od_dataset *d, const unsigned char *train, od_frame **out, char **steps);

/* ------------------------------------------------------------- criterion */

typedef enum {
    OD_CRIT_METRIC = 0,             /* a metric of the metric table, on the fold's test rows */
    OD_CRIT_SILHOUETTE,             /* mean silhouette of the test rows in the fitted clusters (higher better) */
    OD_CRIT_SSE,                    /* mean squared distance of the test rows to their centre (lower better) */
    OD_CRIT_BIC,                    /* -2 logL + p ln n of the fold's fit on its training rows (lower better) */
    OD_CRIT_AIC,                    /* -2 logL + 2p (lower better) */
    OD_CRIT_VALLOSS                 /* mean score (forecast / reconstruction error) of the test rows (lower better) */
} od_crit_kind;

typedef struct {
    od_crit_kind kind;
    const od_metric_def *metric;    /* OD_CRIT_METRIC */
    const od_thr_rule *rule;        /* a metric measured at a threshold: the label-free rule set on each
                                       fold's run, calibrated on the fold's training scores */
    char rule_key[16], rule_val[32];/* its one option (rule=NAME:VALUE), rule_key "" when none */
    const char *name;               /* "ap", "silhouette", "bic", "val-loss" */
    int higher_better;
    const char *desc;               /* one line: what it measures */
} od_search_crit;

/* The criterion named by `metric` (NULL: ap with labels; without labels
 * the family's label-free criterion: silhouette for kmeans, bic for gmm,
 * val-loss for neural detectors, else an error saying labels are needed).
 * Metric names also take '-' for '_' and roc for roc_auc.  Metrics measured
 * at a threshold (f1, mcc, pa_f1, ...) are measured at the threshold that
 * rule `rule` sets on each fold's run (see od_search_rule). */
int od_search_crit_pick(od_ctx *ctx, const od_detector_type *t, const char *metric, int has_labels, int series,
                        od_search_crit *out);
/* rule=NAME or NAME:VALUE (NULL: OD_SEARCH_RULE) for a metric measured at a
 * threshold: a label-free rule of the rule table (not an oracle: it would
 * choose with the test rows' labels), VALUE its first option (c, q, k, ...).
 * Refused for a criterion without a threshold. */
#define OD_SEARCH_RULE "sse"
int od_search_rule(od_ctx *ctx, const char *rule, od_search_crit *c);
/* "silhouette|sse|bic|aic|val-loss" */
extern const char *const od_search_crit_names;

/* ---------------------------------------------------------------- search */

typedef struct {
    size_t folds;                   /* 0: 5 on tabular data, 3 on a series */
    const char *metric;             /* NULL: see od_search_crit_pick */
    size_t sample;                  /* > 0: this many configurations drawn at random (without repeats) */
    size_t first;                   /* > 0: only the first this many configurations (a replay of an interrupted search) */
    size_t shard, nshards;          /* nshards > 0: run only the work units of shard 1..nshards (see below) */
    const char *rule;               /* threshold metrics: rule=NAME[:VALUE] (NULL: OD_SEARCH_RULE) */
} od_search_opts;

typedef struct {
    size_t config;                  /* index in the full grid */
    char *params;                   /* the searched values: "k=4 score=distance" */
    double *fold;                   /* score per fold, NaN = undefined or failed */
    double mean, sd;                /* over the defined folds (sd: ddof 1; 0 for one fold) */
    size_t ndef;                    /* folds with a score */
    double secs;                    /* mean time of a fit + score */
    char *why;                      /* why a fold has no score (the first one), or NULL */
    int done;                       /* every fold ran */
    unsigned char *ran;             /* per fold: the unit ran (a shard runs some of them) */
    double *fsecs;                  /* per fold: seconds of its fit + score */
    char **fwhy;                    /* per fold: why it has no score, or NULL */
    char **fwarn;                   /* per fold: its warnings, one per line, or NULL (a part carries them) */
} od_search_row;

typedef struct od_search {
    char *detector;
    od_grid grid;                   /* a copy of the axes */
    od_search_crit crit;
    size_t nfolds;
    char *folds_desc;               /* "5-fold stratified over 2100 training rows" */
    char *refit_desc;               /* "scale zscore; pca k=2" refitted per fold, or NULL */
    char *labels_desc;              /* "vs truth" / "vs pseudo-labels" / "no labels" */
    size_t grid_size;               /* configurations in the full grid */
    od_search_row *rows;            /* the configurations tried, in evaluation order */
    size_t nrows;
    size_t ndone;                   /* rows[0..ndone) completed */
    int interrupted;                /* Ctrl-C: the rows done are kept */
    size_t *order;                  /* ndone indices into rows, best first */
    double secs;                    /* wall time of the whole search */
    size_t shard, nshards;          /* a shard's partial search (nshards > 0): only its units ran, no order */
    uint64_t key;                   /* the stream key the search drew */
    char *head;                     /* the part file's header: what makes two parts the same search */
} od_search;

/* Search detector t over grid g on the current version of d.  The units
 * (configuration, fold) run in parallel on the session's threads (neural
 * detectors: one after another, each with every thread); progress with an ETA goes
 * through the ctx progress callback ("search"); the cancel flag stops the
 * search after the fit in progress, keeping the configurations whose folds
 * all ran (interrupted = 1, return OD_OK).  A fold that fails (a fit that
 * does not converge, too few rows) scores NaN and says why.  Refuses a
 * version chain with a step that cannot be fitted again per fold, naming it. */
int od_search_run(od_ctx *ctx, od_dataset *d, const od_detector_type *t, const od_grid *g, const od_search_opts *o,
                  od_search **out);
void od_search_free(od_search *s);
/* The best row (NULL when none has a score). */
const od_search_row *od_search_best(const od_search *s);
/* The parameters of row r as keys/values for od_params_parse: vals[i] of
 * keys[i], g->nax of each (pointers into s). */
void od_search_row_params(const od_search *s, const od_search_row *r, const char **keys, const char **vals);

/* ---------------------------------------------------------------- shards
 *
 * A search's work units are its (configuration, fold) pairs, numbered
 * u = row * folds + fold in evaluation order; shard I of N (1-based) runs
 * the units with u mod N == I - 1 (round-robin, so every shard gets a share
 * of cheap and dear configurations).  Each unit's score does not depend on
 * which process runs it (its own random stream), so the parts merged give
 * the leaderboard of one process, bit for bit.
 *
 * A part is text: a header (format, detector, the options and grid as given,
 * the search's stream key, the data fingerprint) that every part of one
 * search shares, the shard line, then one line per unit that ran (row, fold,
 * score and seconds as C99 hex floats, the reason a fold has no score), each
 * followed by its warnings ("warn TEXT", shown by the merge in unit order as
 * one process shows them), and an end line with the unit count, so a
 * truncated part is refused. */

/* The part text of a sharded search s; malloc'd. */
char *od_search_part_text(od_ctx *ctx, const od_search *s);
/* Merge parts (texts[i] read from names[i], for the messages) into the
 * search one process would have run on the current version of d: refuses
 * a part that is not a part, is truncated, belongs to another search (the
 * message names the file and what differs: detector, options, grid, seed or
 * data), repeats a shard, or a missing shard.  Draws the search's stream
 * key from ctx as the search did, and refuses parts whose key differs (the
 * seed or the lines before the search differ).  Units missing at the end of
 * a part (an interrupted shard) leave the search interrupted after the last
 * configuration every part completed.  want (may be NULL): the search the
 * parts must be (--merge-shards: the script's own line); NULL: the one the
 * first part names. */
typedef struct {
    const od_detector_type *t;
    const od_grid *g;
    const od_search_opts *o;
} od_search_spec;
int od_search_merge(od_ctx *ctx, od_dataset *d, const od_search_spec *want, const char *const *names,
                    const char *const *texts, size_t n, od_search **out);
/* The fingerprint of the data a search sees: the top version's frame (names,
 * roles, values), split, window and lineage. */
uint64_t od_search_data_fingerprint(const od_dataset *d);

/* ----------------------------------------------------------------- elbow */

typedef struct {
    size_t n;
    double *k;                      /* the values tried */
    double *sse, *bic, *aic;        /* per k (NaN where the detector has none) */
    double *silhouette;             /* per k when asked, else NULL */
    size_t chosen;                  /* index of the k the rule picks (SIZE_MAX: none) */
    const char *rule;               /* how `chosen` was picked, one line */
    size_t sil_best;                /* index of the best silhouette (SIZE_MAX: none or not asked) */
    size_t rows;                    /* training rows fitted on */
} od_elbow;

/* Fit t (kmeans or gmm) for every value of axis k (parameter "k") on the
 * training rows of the current version of d.  k-means: SSE (inertia); the
 * chosen k is the kneedle point (Satopaa et al. 2011): with k and SSE
 * scaled to 0..1, the inner point farthest below the straight line from the
 * first point to the last (needs 3 values or more; none when no point lies
 * below the line).  gmm: BIC and AIC; the chosen k has the least BIC.
 * silhouette: the mean silhouette of the training rows (at most 2000, every
 * m-th row) per k. */
int od_elbow_run(od_ctx *ctx, od_dataset *d, const od_detector_type *t, const od_grid_axis *k, int silhouette,
                 od_elbow *out);
void od_elbow_done(od_elbow *e);

/* Mean silhouette (Euclidean; a row alone in its cluster scores 0, as
 * scikit-learn) of the n x d rows X with clusters cl (rows with cl < 0 are
 * left out).  NaN with fewer than 2 clusters. */
double od_silhouette(const double *X, size_t n, size_t d, const long *cl);

#endif
