/* prep.h - preprocessing: clean, scale, pca, window, split, folds, pseudolabel.
 *
 * Conventions shared by every function here:
 *
 *  - The input frame is never modified.  Transforms return a NEW frame in
 *    *out (caller frees with od_frame_free); the workspace keeps the versions
 *    for undo.  On error *out is left NULL, nothing else is changed and the
 *    ctx holds a one-line message naming the option or value at fault.
 *
 *  - `report` (may be NULL) receives a short human-readable account of what
 *    changed: the first line is a one-line summary (usable in a lineage list),
 *    the following lines (indented by two spaces) give details: rows / cells
 *    changed, fitted parameters per column, explained variance...
 *    Anything that removes or alters rows labelled as anomalies (label column
 *    != 0) says how many of them were touched.
 *
 *  - Column selection: `cols`/`ncols` name the columns to work on; cols ==
 *    NULL (or ncols == 0) means every numeric feature column (role FEATURE,
 *    type NUM), in frame order.  Named columns must exist and be numeric
 *    (OD_COL_NUM); any role is accepted when named explicitly.
 *
 *  - `fit_mask` (may be NULL = all rows): nrow bytes, non-zero for the rows
 *    any statistic is fitted on (the training part when a split exists).  The
 *    fitted transform is then applied to ALL rows.  An empty fit part is an
 *    error.
 *
 *  - NaN policy: stated per function below, and tested.
 */
#ifndef OD_PREP_H
#define OD_PREP_H

#include <stddef.h>
#include "../core/ctx.h"
#include "../core/out.h"
#include "../data/frame.h"
#include "../core/data.h"

/* Resolve a column selection (see above) to column indices.  On success
 * *idx (caller frees) holds *d indices.  Errors: unknown name (OD_ENOTFOUND),
 * non-numeric or repeated column (OD_EINVAL), no numeric feature column
 * (OD_EDATA). */
int od_prep_columns(od_ctx *ctx, const od_frame *f, const char *const *cols, size_t ncols,
                    size_t **idx, size_t *d);

/* ------------------------------------------------------------------ clean */

typedef enum {
    OD_MISSING_KEEP = 0,    /* leave NaN where it is */
    OD_MISSING_DROP,        /* drop every row with a NaN in a selected column */
    OD_MISSING_MEAN,        /* replace by the column mean of the fit rows */
    OD_MISSING_MEDIAN,      /* replace by the column median of the fit rows */
    OD_MISSING_INTERPOLATE, /* linear between the neighbouring valid values */
    OD_MISSING_FFILL        /* carry the last valid value forward */
} od_missing;

typedef enum {
    OD_CLIP_NONE = 0,
    OD_CLIP_SD,             /* winsorise at mean +- k sd (fit rows, ddof = 0) */
    OD_CLIP_QUANTILE        /* winsorise at the lo and hi quantiles of the fit rows */
} od_clip;

typedef struct {
    const char *const *cols;   /* selection (NULL: all numeric features) */
    size_t ncols;
    od_missing missing;
    od_clip clip;
    double clip_k;             /* OD_CLIP_SD: k > 0 */
    double clip_lo, clip_hi;   /* OD_CLIP_QUANTILE: 0 <= lo < hi <= 1, e.g. 0.01, 0.99 */
    int drop_constant;         /* drop selected columns that are constant */
    int drop_duplicates;       /* drop repeated rows, keep the first */
} od_clean_opts;

/* Clean a frame.  The steps run in this order, each only when asked for:
 *
 *  1. constant: drop selected columns whose values are all equal over ALL
 *     rows (NaN ignored; an all-NaN column counts as constant).  All rows,
 *     not only the fit rows: a column that is constant in training but moves
 *     in the test part carries exactly the signal an anomaly detector wants.
 *  2. missing:
 *     drop        rows with NaN in any selected column are removed;
 *     mean/median the statistic of the non-NaN fit-row values (sklearn
 *                 SimpleImputer); a column with no value in the fit rows is
 *                 an error;
 *     interpolate linear in row order, or in time when the frame has a time
 *                 column that is free of NaN and non-decreasing (pandas
 *                 interpolate(method='time')); a NaN run at the start is
 *                 filled with the first valid value (backfill) and one at the
 *                 end with the last valid value (pandas limit_direction=
 *                 'both'); an all-NaN column is an error;
 *     ffill       each NaN takes the last valid value above it; a leading
 *                 NaN run takes the first valid value (backfill).
 *     Interpolate and ffill fit nothing (fit_mask is not used).
 *  3. clip: values outside [lo, hi] are set to lo / hi, with lo/hi computed
 *     on the fit rows (NaN ignored) AFTER step 2.  NaN stays NaN.
 *  4. duplicates: a row whose numeric feature columns (all of them, not only
 *     the selection; NaN equal to NaN) equal those of an earlier row is
 *     dropped.
 *
 * NaN in columns that are not selected is never touched.  The report says,
 * per step, what changed and how many labelled anomalies were dropped or
 * clipped ("dropped 12 rows, 3 of them labelled anomalies").
 *
 * kept (may be NULL): on success *kept (caller frees) holds (*out)->nrow
 * indices of the input rows that survive, in order, so the caller can carry
 * a split or other per-row arrays over to the new frame. */
int od_prep_clean(od_ctx *ctx, const od_frame *in, const od_clean_opts *opt,
                  const unsigned char *fit_mask, od_frame **out, size_t **kept, od_out *report);

/* What a clean fitted, per selected column it kept (d of them), so the same
 * rules can be replayed on new rows (`oddity score`): fill[k] the value
 * missing=mean|median put in (NaN: none), lo[k]/hi[k] the clip bounds
 * (-inf/+inf: none).  Free with od_clean_fit_free. */
typedef struct {
    size_t d;
    char **names;
    double *fill, *lo, *hi;
} od_clean_fit;
void od_clean_fit_free(od_clean_fit *f);
/* od_prep_clean, also filling *fit (zeroed first; caller frees with
 * od_clean_fit_free) when fit is not NULL. */
int od_prep_clean_fit(od_ctx *ctx, const od_frame *in, const od_clean_opts *opt, const unsigned char *fit_mask,
                      od_frame **out, size_t **kept, od_out *report, od_clean_fit *fit);

/* The value at x of the line through (x0,y0) and (x1,y1), as np.interp
 * computes it (y0 when x1 == x0): the arithmetic of clean missing=interpolate,
 * shared with oddity score's streamed replay of it. */
double od_prep_lerp(double x0, double y0, double x1, double y1, double x);

/* ------------------------------------------------------------------ scale */

typedef enum { OD_SCALE_ZSCORE, OD_SCALE_MINMAX, OD_SCALE_ROBUST } od_scale_method;

/* A fitted scaler: x' = (x - center[j]) / scale[j] for column names[j].
 *   zscore: center = mean, scale = population sd (ddof 0, sklearn StandardScaler)
 *   minmax: center = min,  scale = max - min     (sklearn MinMaxScaler, range 0..1)
 *   robust: center = median, scale = q75 - q25   (sklearn RobustScaler,
 *           quantile_range 25..75, numpy linear percentiles)
 * A constant column (over the fit rows) gets scale 1, as sklearn does. */
typedef struct {
    od_scale_method method;
    size_t d;
    char **names;        /* d column names */
    double *center;      /* d */
    double *scale;       /* d */
    size_t nfit;         /* rows the statistics came from */
} od_scaler;

/* Fit a scaler on the fit rows of the selected columns and apply it to every
 * row.  NaN: ignored when fitting, kept as NaN in the output.  A column with
 * no value in the fit rows is an error.  model (may be NULL): receives the
 * fitted scaler (caller frees with od_scaler_free).  Warns (od_warn) about
 * constant columns. */
int od_prep_scale(od_ctx *ctx, const od_frame *in, od_scale_method method,
                  const char *const *cols, size_t ncols, const unsigned char *fit_mask,
                  od_frame **out, od_scaler **model, od_out *report);
/* Apply a fitted scaler to another frame (columns found by name). */
int od_scaler_apply(od_ctx *ctx, const od_scaler *s, const od_frame *in, od_frame **out);
void od_scaler_free(od_scaler *s);
const char *od_scale_method_name(od_scale_method m);   /* "zscore" ... */

/* -------------------------------------------------------------------- pca */

typedef struct {
    size_t k;            /* number of components (>= 1), or 0 to use `variance` */
    double variance;     /* with k == 0: smallest k whose cumulative explained
                            variance ratio exceeds this fraction, 0 < F <= 1 */
    int whiten;          /* divide each component by its sd (sklearn whiten=True) */
    const char *const *cols;   /* selection (NULL: all numeric features) */
    size_t ncols;
} od_pca_opts;

/* A fitted PCA (the sklearn attributes with the same names). */
typedef struct {
    size_t d, k, nfit;
    char **names;                /* d input column names */
    double *mean;                /* d */
    double *components;          /* k x d row-major: components[c*d + j] */
    double *explained_variance;  /* d: all eigenvalues (ddof 1), descending; the first k are kept */
    double *explained_variance_ratio; /* d */
    double *singular_values;     /* d: sqrt(explained_variance * (nfit - 1)) */
    double total_variance;
    int whiten;
} od_pca;

/* Principal components of the selected columns, fitted on the fit rows
 * (covariance of the centred fit rows, ddof 1, by blocks through CBLAS
 * dsyrk, then GSL's symmetric eigensolver on the d x d matrix), applied to
 * all rows.  Forming the covariance squares the condition number: the
 * leading components agree with an SVD to ~1e-12, but eigenvalues below
 * ~1e-13 of the largest are not resolved (they carry no usable variance).  The output frame has the selected columns replaced
 * by PC1..PCk (at the position of the first selected column); every other
 * column is kept.  Signs follow scikit-learn 1.2's svd_flip: in each
 * component the fit row with the largest |score| scores positive.
 * Errors: k > number of selected columns or > fit rows, NaN in a selected
 * column (NaN policy: refuse, "clean first"), variance outside (0,1], a
 * kept column already named PC<i>.  model (may be NULL): the fitted PCA. */
int od_prep_pca(od_ctx *ctx, const od_frame *in, const od_pca_opts *opt,
                const unsigned char *fit_mask, od_frame **out, od_pca **model, od_out *report);
/* Project another frame with a fitted PCA (same column names). */
int od_pca_apply(od_ctx *ctx, const od_pca *p, const od_frame *in, od_frame **out);
void od_pca_free(od_pca *p);

/* ------------------------------------------------------------------ embed */

/* Learned embeddings (issue 21): an autoencoder trained on the fit rows with
 * the float32 network engine (engine/nn: Adam, mse, gradient norm clipped at
 * 5, shuffled mini-batches from the ctx RNG, weights initialised from it),
 * whose bottleneck becomes the columns e1..e<dim>.
 *   OD_EMBED_AE    tabular: dense(hidden, act) -> dense(dim) -> dense(hidden,
 *                  act) -> dense(d); one embedding row per input row.
 *   OD_EMBED_LSTM  series: lstm(hidden) -> dense(dim) -> repeat(window) ->
 *                  lstm(hidden) -> dense per step; the rows are the points
 *                  in row order, and there is one output row per window end
 *                  (rows window-1 .. n-1 of the input, every other column
 *                  taken at the window's last point; *kept lists them).
 * Inputs are z-scored with the fit rows' mean and population sd.  Training
 * samples: the fit rows (ae), the windows whose points are all fit rows
 * (lstm).  No validation part: the weights of the lowest training loss are
 * kept.  The loss of every epoch goes into the report and through
 * od_progress: as "train" (the front end prints a line per epoch, as for the
 * neural detectors) from 2000 training samples on, else as "embed".  Training runs on one thread whatever the ctx says, so the
 * embedding depends on the seed only.  Ctrl-C (the cancel flag) stops
 * training and keeps the best weights so far (a warning says so; the flag is
 * left set for the caller).  NaN policy: refuse ("clean first"). */
typedef enum { OD_EMBED_AE = 0, OD_EMBED_LSTM = 1 } od_embed_kind;

typedef struct {
    od_embed_kind kind;
    size_t dim;                /* bottleneck width k >= 1 */
    size_t hidden;             /* hidden width >= 1 */
    size_t epochs, batch;      /* >= 1 */
    double lr;                 /* Adam learning rate, (0, 10] */
    size_t window;             /* lstm: points per window (>= 2) */
    int act;                   /* ae: od_nn_act of the hidden layers */
    const char *const *cols;   /* selection (NULL: all numeric features) */
    size_t ncols;
} od_embed_opts;

const char *od_embed_kind_name(od_embed_kind k);   /* "ae" "lstm" */
/* kept/nkept (may be NULL): for lstm, the input row of every output row
 * (caller frees); NULL for ae (the rows are the input's).  trained (may be
 * NULL): the epochs completed (fewer than opt->epochs after Ctrl-C; an
 * interruption in the first epoch is OD_ECANCEL). */
int od_prep_embed(od_ctx *ctx, const od_frame *in, const od_embed_opts *opt, const unsigned char *fit_mask,
                  od_frame **out, size_t **kept, size_t *nkept, size_t *trained, od_out *report);

/* ----------------------------------------------------------------- window */

/* Sliding windows over a series (frame rows in time order, the selected
 * columns are the channels).  The series is held once, row-major n x c;
 * window i covers points i*stride .. i*stride + size - 1 and is row i of the
 * zero-copy view od_window_view(): {series, nwin, size*c, stride*c}.
 * Memory is at most n*c doubles whatever the window size, and nothing at all
 * for one channel: then `series` IS the frame's column (borrowed), so the
 * frame must outlive the window (frames are never modified in place). */
typedef struct {
    size_t n;            /* series length (points) */
    size_t c;            /* channels */
    size_t size, stride; /* W, S */
    size_t nwin;         /* (n - W) / S + 1 */
    const double *series;/* n x c row-major (borrowed when c == 1) */
    double *owned;       /* the copy when c > 1 (else NULL); freed with the window */
    char **names;        /* c channel names */
    size_t *cols;        /* c column indices in the source frame */
} od_window;

/* Build the series matrix from the frame (a transpose when c > 1; a borrowed
 * pointer when c == 1).  NaN policy: refuse (OD_EDATA, "clean first").
 * Errors: size < 1, stride < 1, size > series length.  report (may be
 * NULL): windows, values per window, memory of the view vs a copy. */
int od_window_new(od_ctx *ctx, const od_frame *f, size_t size, size_t stride,
                  const char *const *cols, size_t ncols, od_window **out, od_out *report);
void od_window_free(od_window *w);
/* The view for a detector: rows = windows, d = size*c, ld = stride*c. */
od_data od_window_view(const od_window *w);
/* The (raw) series as an n x c view, for sequence models that window
 * themselves. */
od_data od_window_series(const od_window *w);
/* Index of the last point of window i: i*stride + size - 1. */
size_t od_window_end(const od_window *w, size_t i);
/* Per-window scores (nwin) to per-point scores (n): point p takes the score
 * of the window that ends at p or, with stride > 1, of the first window
 * ending after p, provided that window covers p.  Points covered by no such
 * window (the first size-1 points, points after the last window's end, gaps
 * when stride > size) get NaN. */
void od_window_to_points(const od_window *w, const double *wscores, double *pscores);
/* Materialise the windows as a frame (for export): one row per window,
 * columns <name>_t-(W-1) .. <name>_t-1, <name>_t in view order (for each lag,
 * every channel), followed by the source frame's other columns (label, time,
 * text...) taken at each window's last point.  f must be the frame the
 * window was built from.  Costs nwin*size*c doubles. */
int od_window_materialise(od_ctx *ctx, const od_window *w, const od_frame *f, od_frame **out);

/* ------------------------------------------------------- split and folds */

enum { OD_PART_TRAIN = 0, OD_PART_VAL = 1, OD_PART_TEST = 2, OD_PART_NONE = 3 };
typedef enum { OD_ORDER_TIME, OD_ORDER_RANDOM } od_order;
#define OD_SPLIT_REST (-1.0)   /* a fraction meaning "whatever the others leave" */

typedef struct {
    double train, val, test;  /* fractions in [0,1], sum <= 1 (+1e-9); at most
                                 one may be OD_SPLIT_REST */
    od_order order;
    int stratify;             /* keep the anomaly ratio in every part (random order only) */
    int use_seed;             /* 1: a private RNG seeded with `seed`; 0: the ctx RNG */
    unsigned long seed;
} od_split_opts;

/* Assign every row to a part: part[i] in OD_PART_TRAIN/VAL/TEST, or
 * OD_PART_NONE when the fractions sum to less than 1.
 * Sizes: n_test = ceil(test*n), n_val = ceil(val*n) (as sklearn's
 * train_test_split rounds the test part up), n_train = floor(train*n); when
 * the fractions sum to 1 the train part takes all remaining rows so no row
 * is left out.  (Products within 1e-9 of an integer count as that integer.)
 * order=time: train = the first rows, then val, then test, then the unused
 * rows; "first" is chronological by the time column when there is one
 * (stable; NaN times last), else row order.
 * order=random: a uniform shuffle (mt19937; the ctx RNG or `seed`).
 * stratify: rows are drawn separately from the labelled anomalies and the
 * other rows (missing labels count as normal) so that every part's anomaly
 * count is within one row of its size times the overall anomaly ratio
 * (largest remainder); needs a label column and order=random.
 * Features play no part (NaN in them is irrelevant). */
int od_prep_split(od_ctx *ctx, const od_frame *f, const od_split_opts *opt,
                  unsigned char *part, od_out *report);
/* "train" / "val" / "test" / "none" */
const char *od_part_name(int part);

typedef struct {
    size_t k;               /* folds (>= 2) */
    od_order order;         /* random: k-fold; time: rolling origin */
    int stratify;           /* random order only; needs labels */
    int use_seed;
    unsigned long seed;
} od_folds_opts;

/* Fold assignment.  block[i] (n entries) is the block of row i, -1 for rows
 * that take no part (rows == NULL: all rows take part).
 * random: blocks 0..k-1 of sizes differing by at most one (as sklearn KFold:
 *   the first n%k blocks have one row more); fold j tests on block j and
 *   trains on the others.  stratify: labelled anomalies are dealt first, so
 *   every block holds floor or ceil(A/k) of them.
 * time: rolling origin (sklearn TimeSeriesSplit): rows in time order are cut
 *   into k+1 blocks; blocks 1..k have floor(m/(k+1)) rows and block 0 the
 *   rest; fold j (0..k-1) trains on blocks 0..j and tests on block j+1. */
typedef struct {
    size_t n, k;
    od_order order;
    long *block;
} od_folds;

int od_prep_folds(od_ctx *ctx, const od_frame *f, const od_folds_opts *opt,
                  const unsigned char *rows, od_folds **out, od_out *report);
/* Train and test masks (n bytes each, either may be NULL) of fold j < k.
 * Returns the number of test rows. */
size_t od_folds_masks(const od_folds *fo, size_t j, unsigned char *train, unsigned char *test);
void od_folds_free(od_folds *fo);

/* ------------------------------------------------------------ pseudolabel */

typedef struct {
    double k;                  /* distance threshold (> 0) */
    const char *const *cols;   /* selection (NULL: all numeric features) */
    size_t ncols;
} od_pseudo_opts;

/* Pseudo-labels by Mahalanobis distance from the mean: mean and covariance
 * (ddof 0, as sklearn EmpiricalCovariance) of the fit rows; a singular
 * covariance is regularised with a ridge (warning says how much).
 * flag[i] = 1 when the distance of row i exceeds k, else 0 (n bytes).
 * dist (may be NULL): the distances (n doubles).  NaN policy: refuse ("clean
 * first").  The report gives the count and share flagged, and the share a
 * Gaussian would exceed (chi-square with d degrees of freedom). */
int od_prep_pseudolabel(od_ctx *ctx, const od_frame *f, const od_pseudo_opts *opt,
                        const unsigned char *fit_mask, unsigned char *flag, double *dist,
                        od_out *report);


/* --------------------------------------------------------------- recipes */

/* What a transform did, kept with the version it made (od_version.recipe), so
 * the transform can be fitted again on other rows: `search` refits every step
 * inside each cross-validation fold so that no fold sees its test rows.
 * KEEP: the frame is the previous version's (split, folds, window). */
typedef enum { OD_STEP_KEEP = 1, OD_STEP_CLEAN, OD_STEP_SCALE, OD_STEP_PCA } od_step_kind;

typedef struct {
    od_step_kind kind;
    char **cols;               /* the selection (owned, ncols names); NULL: all numeric features */
    size_t ncols;
    od_clean_opts clean;       /* CLEAN (clean.cols is `cols`) */
    od_scale_method scale;     /* SCALE */
    od_pca_opts pca;           /* PCA (pca.cols is `cols`) */
    size_t nin;                /* rows of the input frame */
    size_t *kept;              /* CLEAN that dropped rows: the nkept surviving input rows; else NULL */
    size_t nkept;
} od_prep_step;

/* A step of `kind` on the columns cols[0..ncols) (copied; NULL = all numeric
 * features); the caller fills the kind's options.  NULL when out of memory. */
od_prep_step *od_prep_step_new(od_ctx *ctx, od_step_kind kind, const char *const *cols, size_t ncols);
void od_prep_step_free(od_prep_step *st);
/* Does the step fit a statistic on the fit rows (scale, pca, clean with
 * missing=mean|median or clip=)?  KEEP and the other cleans do not. */
int od_prep_step_fitted(const od_prep_step *st);
/* Apply the step to `in`, its statistics fitted on fit_mask (NULL: all
 * rows): a new frame in *out; kept (may be NULL) as od_prep_clean's (NULL
 * when the step keeps every row). */
int od_prep_step_apply(od_ctx *ctx, const od_prep_step *st, const od_frame *in, const unsigned char *fit_mask,
                       od_frame **out, size_t **kept);

#endif
