/* run.h - the run layer: one owner for every result.
 *
 * A front end (REPL, TUI, scripts, a future `oddity score`) turns a command
 * into ONE call here and prints what comes back.  Everything between a
 * command and a number lives in this layer, so two front ends cannot drift:
 *
 *   od_run_fit        which rows a fit sees (fit=train|normal|all, the split),
 *                     the columns, the window view, the window -> point map
 *   od_run_score      a fitted or loaded model on the current dataset version
 *   od_run_from_column  a column of scores computed elsewhere, as a run
 *   od_run_part       the scores and labels of one part (train|val|test|all)
 *   od_run_threshold  every threshold rule, by name, from the threshold table
 *   od_run_eval       every metric of one run on one part, from the metric table
 *   od_model_save/load  the model file format (its one owner)
 *
 * Families are tables: threshold rules (od_thr_rule), metrics (od_metric_def)
 * and window aggregates are const arrays below; dispatch, validation, help,
 * completion, `compare` columns and `export` headers read them.  Adding a
 * threshold rule or a metric is one entry in thresh.c or metric.c.
 */
#ifndef OD_RUN_H
#define OD_RUN_H

#include <stddef.h>
#include <stdio.h>
#include "../core/ctx.h"
#include "../workspace.h"
#include "../eval/metrics.h"
#include "../eval/threshold.h"
#include "../eval/tsmetrics.h"
#include "../eval/ensemble.h"

/* The compute kernels this machine runs, for `oddity --version`: e.g.
 * "kmeans avx512 (runtime CPU dispatch), BLAS OpenBLAS". */
const char *od_run_kernels(void);

/* ------------------------------------------------------------------ parts */

/* OD_PART_TRAIN/VAL/TEST (prep.h) or OD_PART_ALL: every row. */
enum { OD_PART_ALL = -1 };

const char *od_run_part_name(int part);        /* "train" "val" "test" "all" (prep.h: od_part_name) */
/* "train|val|test|all" -> part; OD_EINVAL naming the value otherwise. */
int od_part_parse(od_ctx *ctx, const char *s, int *part);
/* The part a run is judged on by default: test when its data was split and
 * has test rows, else all rows. */
int od_run_default_part(const od_run *r);
/* OD_EINVAL when part names a part of a run whose data was not split. */
int od_run_check_part(od_ctx *ctx, const od_run *r, int part);
/* Which labels a number is measured against: the ground truth (the label
 * column) or the pseudo-labels made by `pseudolabel`.  DEFAULT: the truth
 * when the data has it, else the pseudo-labels. */
enum { OD_LABELS_DEFAULT = 0, OD_LABELS_TRUTH = 1, OD_LABELS_PSEUDO = 2 };
extern const char *const od_labels_names[];      /* "default" "truth" "pseudo", NULL */
const char *od_labels_desc(int which);           /* "truth" / "pseudo-labels" */
/* The labels `which` resolves to (*resolved = TRUTH or PSEUDO), or NULL when
 * the run has none of that kind. */
const int *od_run_labels(const od_run *r, int which, int *resolved);
/* OD_EDATA naming what is missing when od_run_labels gives NULL. */
int od_run_need_labels(od_ctx *ctx, const od_run *r, int which, const int **lab, int *resolved);

/* Scores and labels (-1 = unknown) of the rows of one part, in row order
 * (copies; the caller frees both), against the default labels (see
 * od_run_part_vs).  Returns the number of rows, or (size_t)-1 when out of
 * memory (message in ctx). */
size_t od_run_part(od_ctx *ctx, const od_run *r, int part, double **scores, int **labels);
size_t od_run_part_vs(od_ctx *ctx, const od_run *r, int part, int which, double **scores, int **labels);
/* Does row i belong to `part`? */
int od_run_in_part(const od_run *r, int part, size_t i);

/* ---------------------------------------------------------- fitting a run */

typedef enum { OD_FIT_TRAIN = 0, OD_FIT_NORMAL = 1, OD_FIT_ALL = 2 } od_fit_mode;
extern const char *const od_fit_mode_names[];   /* "train" "normal" "all", NULL */

/* How the scores of overlapping windows map back to the points they cover
 * (`window ... agg=`).  Every point covered by at least one window gets the
 * aggregate of the scores of the windows that cover it; a point covered by
 * no window (after the last full window when the stride does not divide
 * n - size) stays NaN and is counted as such. */
typedef enum { OD_WAGG_MAX = 0, OD_WAGG_MEAN = 1 } od_wagg;
extern const char *const od_wagg_names[];       /* "max" "mean", NULL */

typedef struct {
    const char *name;              /* run name; NULL: "<algo>N", the first free N */
    od_fit_mode fit;
    const char *const *cols;       /* columns to use; NULL: the feature columns */
    size_t ncols;
} od_fit_opts;

/* Fit detector `t` with parameters `p` (copied) on the current version of
 * dataset `d` and score every row; the run is added to the workspace
 * (replacing one of the same name) and returned in *out (owned by ws).
 *
 * Rows seen by the fit: fit=train: the training part (every row without a
 * split); fit=normal: the training rows labelled 0; fit=all: every row.
 * After `window size=W stride=S`, a non-sequence detector sees one row per
 * window (window i = points i*S .. i*S+W-1, belonging to the part of its last
 * point) and its window scores map back to points by the version's
 * aggregate (od_wagg).  A sequence detector reads the series itself (its own
 * window=) and scores every point after its warm-up. */
int od_run_fit(od_ctx *ctx, od_workspace *ws, od_dataset *d, const od_detector_type *t, const od_params *p,
               const od_fit_opts *o, od_run **out);

/* The same fit on version v, which need not belong to a dataset (search
 * fits on each fold's refitted frame and parts), into a run that is NOT
 * added to a workspace: the caller frees *out with od_run_free. */
int od_run_fit_detached(od_ctx *ctx, const od_version *v, const od_detector_type *t, const od_params *p,
                        const od_fit_opts *o, od_run **out);
/* The row-major nrow x *d matrix of the named numeric columns (NULL: the
 * feature columns); missing values and values beyond +-1e100 are refused.
 * The caller frees *X. */
int od_run_data_matrix(od_ctx *ctx, const od_frame *f, const char *const *cols, size_t ncols, double **X, size_t *d);

/* The per-point map of window scores (nwin = (n - W)/S + 1 windows): see
 * od_wagg.  wcl (may be NULL) are window clusters; pcl (may be NULL) gets,
 * per point, the cluster of the window whose score the point took (max) or
 * of the last window covering it (mean), -1 when uncovered.  Returns the
 * number of points left NaN. */
size_t od_window_map(size_t n, size_t W, size_t S, const double *ws, const long *wcl, od_wagg agg,
                     double *ps, long *pcl);

/* The preprocessing a model was fitted behind, with its fitted parameters
 * (model formats 2 and 3; see pipeline.c): what `oddity score` replays on new rows. */
typedef struct od_pipeline od_pipeline;

/* A fitted model that is not (yet) a run: what a model file holds. */
typedef struct {
    const od_detector_type *type;
    od_params *p;
    char *params;                  /* od_params_format(p) */
    void *state;
    od_pipeline *pipe;             /* formats 2 and 3: the pipeline; NULL for version-1 files */
    unsigned version;              /* the file's format version */
} od_model;
void od_model_free(od_model *m);

/* Score the current version of `d` with model `m` (its state is taken over:
 * m->state and m->p become the run's and are set to NULL) and add the run
 * `name` to the workspace.  `source` says where the model came from
 * ("file km.oddm"). */
int od_run_score(od_ctx *ctx, od_workspace *ws, od_dataset *d, od_model *m, const char *name, const char *source,
                 od_run **out);

/* A numeric column of the current version of `d` as a run's scores
 * (scores computed by another tool).  The label column is refused. */
int od_run_from_column(od_ctx *ctx, od_workspace *ws, od_dataset *d, const char *col, const char *name, od_run **out);

/* Combine runs' scores into a new run (see eval/ensemble.h): members must
 * share their rows; zscore/minmax use the training rows' statistics. */
int od_run_ensemble(od_ctx *ctx, od_workspace *ws, od_run *const *members, size_t k, od_norm norm, od_combine combine,
                    const double *weights, const char *name, od_run **out);

/* ------------------------------------------------------------------ bags */

typedef struct {
    const char *name;              /* the bag run's name; NULL: "bagN" */
    od_fit_mode fit;               /* which rows are training rows (as od_run_fit) */
    const char *const *cols;       /* columns to draw from; NULL: the features */
    size_t ncols;
    size_t n;                      /* members (>= 1) */
    double flo, fhi;               /* feature fractions: each member takes a count drawn
                                      uniformly in [floor(flo D), floor(fhi D)] (at least 1);
                                      flo <= 0: [floor(D/2), D-1], Lazarevic & Kumar 2005 */
    double rows;                   /* fraction of the training rows each member fits on, (0, 1] */
    od_norm norm;                  /* as od_run_ensemble */
    od_combine combine;
    const double *weights;         /* OD_COMBINE_WEIGHTED: n weights */
    int keep;                      /* also add the members as runs NAME.1 .. NAME.n */
} od_bag_opts;

/* Fit detector t (tabular, not on a window view) n times, member j on a
 * random subset of the columns and of the training rows drawn from
 * od_rng_stream(key, j) (key: one draw of the ctx RNG), each member with its
 * own context seeded from that stream; members run in parallel and score
 * every row, so the bag does not depend on the thread count.  The member
 * scores are normalised and combined exactly as od_run_ensemble does
 * (od_ensemble_normalize with the training rows' statistics, then
 * od_ensemble_combine).  The bag is one run (algo "bag") whose model
 * (type od_bag_type, state: the members' columns, rows, fitted states,
 * normalisation shift and scale, the combine rule) describes every member
 * and is what `save model` writes.  keep: the members become runs too,
 * NAME.j, with on=COLUMNS in their parameters (each with its own copy of the
 * member's state). */
int od_run_bag(od_ctx *ctx, od_workspace *ws, od_dataset *d, const od_detector_type *t, const od_params *p,
               const od_bag_opts *o, od_run **out);

/* The model of a bag run, as a detector type outside the registry (no
 * `detect bag`): score runs every member on its columns of the bag's
 * columns, normalises each with the shift and scale kept from the bag's
 * training scores (rank: among the rows scored, as ever) and combines them;
 * save/load write and read the bag's parameters, every member's column and
 * row subsets, the normalisation and combine rule, and every member's own
 * model payload (its detector's save/load).  model.c dispatches "bag" here. */
extern const od_detector_type od_bag_type;
/* The (empty) parameters of od_bag_type, for a loaded model. */
int od_bag_params(od_ctx *ctx, od_params **out);

/* Rows without a score: how many and why ("the first 23 points: warm-up of
 * window=24").  Writes the reason into buf (empty when every row is scored). */
size_t od_run_unscored(const od_run *r, char *buf, size_t n);

/* ------------------------------------------------------------ thresholds */

/* The arguments any threshold rule may read; *_given says the user set it. */
typedef struct {
    double value, c, q, k, level;
    long depth;
    int has_value, has_c, has_q, has_k, has_level, has_depth;
    od_rule rule;
    int has_rule;
    int part;                      /* best-f1: whose labels choose it */
    int labels;                    /* best-f1: truth or pseudo-labels (OD_LABELS_*) */
} od_thr_args;
void od_thr_args_init(od_thr_args *a);

typedef struct {
    const char *name;              /* "percentile" */
    const char *opts;              /* options it reads, "q" or "q,level" */
    const char *required;          /* options it needs, or "" */
    const char *usage;             /* "q" one-word argument for the help table */
    const char *help;              /* one line */
    int oracle;                    /* needs the labels */
    int streaming;                 /* per-point thresholds (SPOT) */
    int (*fn)(od_ctx *ctx, const od_run *r, const od_thr_args *a, od_threshold *th);
} od_thr_rule;

extern const od_thr_rule od_thr_rules[];
extern const size_t od_nthr_rules;
const od_thr_rule *od_thr_rule_find(const char *name);
/* "value|contamination|..." (static storage). */
const char *od_thr_rule_list(const char *sep);

/* What od_run_threshold did, for the front end to print. */
typedef struct {
    od_threshold th;               /* method, params, value, rule, oracle, counts */
    size_t flagged, scored;        /* over every scored row */
    int has_effect;                /* labels exist: the confusion below is set */
    int labels;                    /* ... against these (OD_LABELS_TRUTH/PSEUDO) */
    int part;                      /* the part the effect is counted on */
    od_confusion cm;
    size_t alarms;                 /* streaming rules: alarms raised */
} od_thr_report;
void od_thr_report_clear(od_thr_report *rep);

/* Set run r's threshold by rule `method` (from the table) with the options
 * keys[i]=vals[i] (parsed against the rule's option list); keeps
 * the threshold with the run and fills rep (cleared with
 * od_thr_report_clear).  Unknown methods, missing or foreign options: one
 * error naming the option. */
int od_run_threshold(od_ctx *ctx, od_run *r, const char *method, const char *const *keys, const char *const *vals,
                     size_t n, od_thr_report *rep);
/* Parse key=value options against a rule's option list into a. */
int od_thr_args_parse(od_ctx *ctx, const od_thr_rule *rule, const char *const *keys, const char *const *vals, size_t n,
                      od_thr_args *a);

/* Is score s (row i) flagged by r's threshold?  (NaN never is.) */
int od_run_flags(const od_run *r, size_t i);

/* --------------------------------------------------------------- metrics */

enum {
    OD_NEEDS_THRESHOLD = 1,        /* only with a threshold set */
    OD_NEEDS_SERIES = 2,           /* only on series (time order) */
};

/* Everything the metrics of one run on one part are computed from. */
typedef struct od_run_eval od_run_eval;

typedef struct {
    const char *key;               /* "roc_auc": sort=, export header */
    const char *title;             /* "ROC-AUC": the compare column's title */
    int column;                    /* position among compare's columns, 1 = first; 0: not a column */
    unsigned needs;                /* OD_NEEDS_* */
    const char *convention;        /* what it means, for help */
    od_metric (*fn)(const od_run_eval *ev);
} od_metric_def;

extern const od_metric_def od_metric_defs[];
extern const size_t od_nmetric_defs;
const od_metric_def *od_metric_def_find(const char *key);

struct od_run_eval {
    const od_run *run;
    int part;
    int labels;                    /* OD_LABELS_TRUTH or OD_LABELS_PSEUDO: what it is measured against */
    const int *lab;                /* those labels (n) */
    size_t rows;                   /* rows in the part */
    size_t used, nan, unlabelled;  /* rows used, rows without a score, without a label */
    size_t pos, neg;
    int has_thr, series;
    od_confusion cm;               /* at the run's threshold (has_thr) */
    od_metric auc, ap, prtrapz, patn, bestf1;
    double bestf1_t;
    /* series (time order, scored and labelled rows): at the threshold */
    int ts_ok;                     /* the series metrics could be computed */
    char ts_err[160];
    size_t ts_rows, events, events_hit, pred_ranges;
    od_ts_prf pa, rpa, ev, rg, af;
    od_range_opts range;
    od_vus vus;
    size_t vus_L;
};

/* How the metrics are computed. */
typedef struct {
    int series;                    /* compute the series metrics (of series runs) */
    int labels;                    /* OD_LABELS_*: what the metrics are measured against */
    od_range_opts range;           /* range-based P/R (alpha, cardinality, bias) */
} od_eval_opts;
void od_eval_opts_init(od_eval_opts *o);   /* series on, od_range_opts_default */
/* range options from key=value words: alpha=A (0..1) cardinality=one|reciprocal
 * bias=flat|front|back|middle; other keys are left alone (return 0). */
int od_eval_opts_set(od_ctx *ctx, od_eval_opts *o, const char *key, const char *val);

/* Compute every metric of r on `part` (labels needed: OD_EDATA otherwise);
 * o may be NULL (od_eval_opts_init). */
int od_run_eval_part(od_ctx *ctx, const od_run *r, int part, const od_eval_opts *o, od_run_eval *ev);
/* The value of metric `d` for ev (undefined with a reason when it does not
 * apply: no threshold, not a series). */
od_metric od_run_metric(const od_run_eval *ev, const od_metric_def *d);

/* ------------------------------------------------------- top and explain */

/* Where a run's rows are shown in original units: the dataset version chain's
 * root (as loaded) when every version from it to the run's keeps the rows,
 * else the run's own version (a step dropped rows).  cols: the run's columns
 * as found in that frame, or, when the detector saw columns a transform made
 * (pca), the frame's feature columns; note says which, in one line. */
typedef struct {
    const od_frame *frame;         /* a view owned by the workspace */
    size_t *col, ncols;            /* columns of frame to show */
    long time_col;                 /* frame's time column, or -1 */
    char note[256];
} od_run_view;
void od_run_view_done(od_run_view *v);
int od_run_view_get(od_ctx *ctx, od_workspace *ws, const od_run *r, od_run_view *v);

/* The n highest-scoring rows of `part` (ties: lower row first); rows
 * without a score are left out and counted.  rows: 0-based (caller frees). */
typedef struct {
    size_t *rows, n;
    size_t in_part, unscored;      /* rows of the part, of which without a score */
    od_run_view view;
} od_run_top_result;
int od_run_top(od_ctx *ctx, od_workspace *ws, const od_run *r, size_t n, int part, od_run_top_result *out);
void od_run_top_done(od_run_top_result *t);

/* Why row `row` (0-based point) of run r scored as it did, through its
 * detector's explain entry on the data version it was fitted on.  Errors:
 * a run without a detector (ensemble, column), a detector without explain,
 * a row without a score (warm-up: the reason), data that changed since the
 * run was made.  A windowed tabular run explains the window whose score the
 * point took (the highest-scoring window covering it). */
typedef struct {
    od_explanation ex;
    size_t row;
    double score;
    char **names;                  /* ex.d names: columns, or COL@ROW for window features */
    double *seen;                  /* ex.d: the values the detector saw (NULL for sequence models) */
    long *nb_row;                  /* ex.nnb: 0-based row (window: its first point) of each neighbour, -1 unknown */
    long win0;                     /* windowed tabular runs: first point of the window explained, else -1 */
    size_t win_len;
} od_run_explanation;
int od_run_explain(od_ctx *ctx, od_workspace *ws, const od_run *r, size_t row, od_run_explanation *out);
void od_run_explanation_done(od_run_explanation *e);

/* ---------------------------------------------------------- model files */

/* File: 8-byte magic "ODDMODEL", uint32 format version, uint32 length +
 * detector name, uint32 length + parameters ("k=8 init=..."), then the
 * detector's own payload.  Written to a temporary file in the same
 * directory and renamed over the target, so a file is never half-written. */
int od_model_save(od_ctx *ctx, const od_run *r, const char *path);
/* The same with the run's pipeline (formats 2 and 3): the prep steps of the run's
 * dataset version chain, refitted on the rows each was fitted on (so the
 * parameters are the ones the run saw), the input columns, the tabular window
 * view and the threshold.  A chain that cannot be replayed on new rows is
 * saved with a note saying which step (the model still loads and scores in
 * the workbench; `oddity score` refuses it naming the step).  ws may be NULL
 * (then the note says so). */
int od_model_save_ws(od_ctx *ctx, od_workspace *ws, const od_run *r, const char *path);
/* Read a model file (clear errors for foreign, truncated or newer files). */
int od_model_load(od_ctx *ctx, const char *path, od_model *out);
/* The same from an open stream (a file or fmemopen'd bytes); path names it in errors. */
int od_model_load_stream(od_ctx *ctx, FILE *fp, const char *path, od_model *out);

/* ------------------------------------------------ pipelines (pipeline.c) */

enum { OD_PIPE_SCALE = 1, OD_PIPE_PCA = 2, OD_PIPE_NOOP = 3, OD_PIPE_CLEAN = 4 };

typedef struct {
    int kind;                      /* OD_PIPE_* */
    char *desc;                    /* the command that made it: "scale zscore" */
    od_scaler *scaler;             /* SCALE */
    od_pca *pca;                   /* PCA */
    od_clean_fit *clean;           /* CLEAN: per column fill value and clip bounds */
    int drop;                      /* CLEAN missing=drop: a row missing a value in one of clean's columns is dropped */
    int series;                    /* CLEAN (format 3): OD_SERIES_FFILL or _INTERP: missing values filled from the
                                    * rows around (oddity score holds a gap's rows until its next value); 0: none */
    char *tcol;                    /* CLEAN interpolate: the time column it interpolates in; NULL: row order */
    int ttime;                     /* tcol holds timestamps (1: read as the loader reads them) or numbers (0) */
} od_pipe_step;
enum { OD_SERIES_FFILL = 1, OD_SERIES_INTERP = 2 };

struct od_pipeline {
    char *note;                    /* why it cannot be replayed on new rows, or NULL */
    char *dataset;                 /* "blobs (version 3 of 3)" */
    char **in;                     /* the input columns it reads (nin) */
    size_t nin;
    od_pipe_step *steps;
    size_t nsteps;
    char **cols;                   /* the detector's columns, after the steps (ncols) */
    size_t ncols;
    size_t win, stride;            /* tabular window view (win 0: none) */
    int wagg;                      /* od_wagg */
    int has_thr, strict;           /* the run's threshold: flagged iff s > thr (strict) or s >= thr */
    double thr;
    char *thr_desc;
};

/* The pipeline of run r (its dataset's version chain in ws): see
 * od_model_save_ws.  *out NULL only on OD_ENOMEM. */
int od_pipeline_build(od_ctx *ctx, od_workspace *ws, const od_run *r, od_pipeline **out);
void od_pipeline_free(od_pipeline *p);
/* Serialise (bytes appended to a buffer the caller frees) and read back. */
int od_pipeline_encode(od_ctx *ctx, const od_pipeline *p, unsigned char **buf, size_t *len);
int od_pipeline_decode(od_ctx *ctx, const unsigned char *buf, size_t len, unsigned version, const char *path, od_pipeline **out);
/* Lines for load model / info: "pipeline: scale zscore -> pca k=2 -> kmeans ..." */
void od_pipeline_describe(const od_pipeline *p, od_out *o);

#endif
