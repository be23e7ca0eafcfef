/* oddity.h - the public API of the oddity engine (libodengine).
 *
 * The engine is a library: no terminal I/O, no exit(); every fallible call
 * returns OD_OK or a negative OD_E* code with a one-line message in the
 * od_ctx.  Functions never take ownership of their arguments unless their
 * name says so (_donate, _steal); _new/_alloc results are freed with the
 * matching _free.  Module headers:
 *   core/ctx.h      context: errors, warnings, seeded RNG streams, threads, progress, cancel
 *   core/out.h      output sinks (FILE, buffer, null)
 *   data/frame.h    datasets: named columns with roles
 *   data/load.h     CSV/TSV/ARFF readers (csv.h, arff.h) and the CSV writer
 *   prep/prep.h     clean, scale, pca, window, split, folds, pseudolabel
 *   detect/detector.h  the detector type objects and their registry
 *   nn/nn.h         the float32 neural-network engine
 *   eval/eval.h     curves, metrics, time-series metrics, thresholds, SPOT, ensembles
 *   plot/plot.h     gnuplot scripts and the gnuplot process
 *   workspace.h     named datasets with versions, runs and thresholds
 */
#ifndef ODDITY_H
#define ODDITY_H

#include "core/ctx.h"
#include "core/out.h"
#include "data/frame.h"
#include "data/load.h"
#include "prep/prep.h"
#include "detect/detector.h"
#include "eval/eval.h"
#include "plot/plot.h"
#include "workspace.h"
#include "run/run.h"
#include "run/search.h"

#endif
