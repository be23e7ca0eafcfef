/* eval.h - the evaluation module in one include: metrics with explicit
 * undefined states (metrics.h), the sorted curve object (curve.h),
 * time-series metrics (tsmetrics.h), thresholds (threshold.h), SPOT/DSPOT
 * (spot.h) and ensembles (ensemble.h).  Exact conventions:
 * docs/algorithms.md; reference fixtures: tests/fixtures/eval/. */
#ifndef OD_EVAL_H
#define OD_EVAL_H

#include "metrics.h"
#include "curve.h"
#include "tsmetrics.h"
#include "affiliation.h"
#include "threshold.h"
#include "spot.h"
#include "ensemble.h"

#endif
