/* tune.h - the interactive threshold tuner (ncurses): the threshold moves
 * over the distinct scores of one part of a run while the flagged count,
 * precision, recall, F1 and the confusion matrix update on every key. */
#ifndef OD_TUNE_H
#define OD_TUNE_H

#include "tune_model.h"

typedef struct {
    const char *title;     /* "tune km: kmeans on blobs, test part" */
    const char *current;   /* the run's threshold now, or NULL */
    size_t p0;             /* starting position */
} tune_view;

/* Runs the screen on the terminal (stdin/stdout must be ttys).  Returns 1
 * with *p set when the user applied a threshold, 0 when cancelled, -1 when
 * the terminal cannot be used. */
int tui_tune(const tune_view *v, const tune_model *tm, size_t *p);

#endif
