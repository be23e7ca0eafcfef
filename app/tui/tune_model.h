/* tune_model.h - what the threshold tuner shows, without the screen: the
 * distinct scores of one part of a run in decreasing order with how many
 * rows (and labelled anomalies) score at or above each, so moving the
 * threshold and recounting the confusion matrix is O(1) or O(log n).
 *
 * Position p in 0..m flags the rows with score >= thr[p-1] (p = 0 flags
 * nothing).  Rows with a NaN score are left out; with labels, rows whose
 * label is unknown (< 0) are left out too. */
#ifndef OD_TUNE_MODEL_H
#define OD_TUNE_MODEL_H

#include <stddef.h>

typedef struct {
    size_t n;          /* rows counted */
    size_t npos;       /* labelled anomalies among them */
    int labelled;
    size_t m;          /* distinct scores */
    double *thr;       /* m distinct scores, decreasing */
    size_t *cnt;       /* cnt[k]: rows with score >= thr[k] */
    size_t *tp;        /* tp[k]: anomalies with score >= thr[k] (labelled only) */
} tune_model;

typedef struct {
    size_t flagged, tp, fp, fn, tn;
    double precision, recall, f1, fpr;   /* NaN when undefined (0/0) */
} tune_counts;

/* Builds the model from n scores and labels (labels NULL: unlabelled).
 * Returns 0, or -1 when out of memory. */
int tune_model_build(tune_model *tm, const double *scores, const int *labels, size_t n);
void tune_model_free(tune_model *tm);

tune_counts tune_model_counts(const tune_model *tm, size_t p);
/* Threshold value of position p: thr[p-1], or for p = 0 the next double
 * above the largest score (flags nothing with rule >=). */
double tune_model_value(const tune_model *tm, size_t p);
/* Position flagging what "score >= v" (strict: "score > v") flags. */
size_t tune_model_position(const tune_model *tm, double v, int strict);
/* Position flagging at least `rows` more (delta > 0) or fewer (delta < 0)
 * rows than p does, clamped to 0..m. */
size_t tune_model_step_rows(const tune_model *tm, size_t p, long delta);
/* Position of the best F1 (ties: the highest threshold); 0 if unlabelled
 * or no anomalies. */
size_t tune_model_best_f1(const tune_model *tm);

#endif
