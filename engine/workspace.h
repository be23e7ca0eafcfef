/* workspace.h - the named datasets (with their version chains) and runs of a
 * session.  Pure data structures: no I/O.
 *
 * Versions: every transform pushes a new version of a dataset; `undo` pops
 * one.  Memory stays bounded: at most OD_WS_MAX_VERSIONS versions are kept
 * per dataset and at most `byte_cap` bytes over all kept frames; when either
 * is exceeded the oldest versions (never the current one) lose their data,
 * keeping only their description for `lineage`.  Undo stops at a version
 * whose data was released, with a message saying so. */
#ifndef OD_WORKSPACE_H
#define OD_WORKSPACE_H

#include "core/ctx.h"
#include "data/frame.h"
#include "detect/detector.h"
#include "prep/prep.h"   /* OD_PART_* */

#define OD_WS_MAX_VERSIONS 16

typedef struct {
    od_frame *frame;       /* NULL once released to bound memory */
    char *step;            /* the command that made it, e.g. "scale zscore" */
    unsigned char *part;   /* split: OD_PART_* per row, or NULL */
    char *split_desc;      /* "train=0.6 test=0.4 order=random seed=1" */
    int *fold;             /* fold id per row (or -1), or NULL */
    int nfolds;
    size_t win, stride;    /* window view over the feature columns; win = 0: none */
    int wagg;              /* how window scores map to points: od_wagg (run/run.h) */
    char *pseudo;          /* name of the pseudo-label column (pseudolabel), or NULL */
    int series;            /* declared a series: load series=yes, or split order=time */
    od_prep_step *recipe;  /* how the step can be fitted again on other rows (search), or
                              NULL: a step that cannot (load, pseudolabel) */
    size_t bytes;
} od_version;

typedef struct {
    char *name;
    char *path;
    od_version *v;
    size_t nv, cap;
} od_dataset;

typedef struct {
    int set;
    double value;          /* the threshold */
    int strict;            /* 1: flagged iff score > value; 0: score >= value */
    int oracle;            /* chosen with the labels */
    char *desc;            /* "percentile q=0.99 on train (rule s > t)" */
    double *point;         /* per-point thresholds (SPOT/DSPOT), or NULL */
} od_thresh;

typedef struct {
    char *name;
    const od_detector_type *type;   /* NULL for ensembles / column runs */
    char *algo;                     /* "kmeans", "ensemble", "column" */
    char *params;                   /* formatted parameters */
    char **cols;                    /* the columns the detector saw (ncols names), or NULL (ensembles, column runs) */
    size_t ncols;
    od_params *p;
    void *state;
    char *dataset;
    size_t dataset_version;         /* the dataset's version count when the run was made (1 = as loaded) */
    size_t n;                       /* rows (points of the original series for windowed/seq runs) */
    double *scores;                 /* n, NaN = not scored */
    long *cluster;                  /* n or NULL */
    int *labels;                    /* ground truth: n or NULL (-1 = unknown) */
    int *pseudo;                    /* pseudo-labels (pseudolabel): n or NULL */
    unsigned char *part;            /* n or NULL */
    double *time;                   /* n or NULL: time axis (seconds) */
    int is_series;                  /* the dataset has a time axis / sequence order */
    char *fit_on;                   /* "train (600 rows)" */
    char *unscored;                 /* why rows have no score, or NULL */
    char *detail;                   /* more lines for `info` (a bag's members), or NULL */
    size_t interrupted;             /* training stopped by Ctrl-C: the epochs it completed (0: not interrupted) */
    double fit_secs, score_secs;
    od_fitlog log;
    od_thresh thr;
    void *counts;                   /* the sorted scores threshold moves count on (run/thresh.c), built on first use */
    void *search;                   /* the search that chose this run (run/search.h: od_search), or NULL */
    void (*search_free)(void *);
} od_run;

typedef struct {
    od_dataset **ds;
    size_t nds, capds;
    long current;                   /* index into ds, -1 = none */
    od_run **runs;
    size_t nruns, capruns;
    size_t byte_cap;
} od_workspace;

od_workspace *od_ws_new(void);
void od_ws_free(od_workspace *ws);

od_dataset *od_ws_dataset(od_workspace *ws, const char *name);
od_dataset *od_ws_current(od_workspace *ws);
/* Add a dataset with its first version (the frame is donated); replaces a
 * dataset of the same name.  Becomes current. */
int od_ws_add_dataset_donate(od_ctx *ctx, od_workspace *ws, const char *name, const char *path,
                             od_frame *f, const char *step);
int od_ws_drop_dataset(od_workspace *ws, const char *name);

od_version *od_ds_top(od_dataset *d);
/* Push a new version; frame donated; part/fold/window carried over from the
 * previous version unless the caller changes them afterwards. */
int od_ds_push_donate(od_ctx *ctx, od_workspace *ws, od_dataset *d, od_frame *f, const char *step);
int od_ds_undo(od_ctx *ctx, od_dataset *d);

od_run *od_ws_run(od_workspace *ws, const char *name);
int od_ws_add_run_donate(od_ctx *ctx, od_workspace *ws, od_run *r);   /* replaces same name */
int od_ws_drop_run(od_workspace *ws, const char *name);
void od_run_free(od_run *r);
void od_thresh_clear(od_thresh *t);
void od_run_counts_free(void *counts);   /* run/thresh.c */

size_t od_frame_bytes(const od_frame *f);

/* Is this version a series (rows in time order)?  The one place that decides:
 * a time column, a window view, or declared (load series=yes, split
 * order=time).  A sequence detector's run is a series run whatever this says. */
int od_version_is_series(const od_version *v);

#endif
