/* oddity.h - the public API of the oddity engine (libodengine).
 * The engine is a library: no terminal I/O, no exit(); every fallible call
 * returns OD_OK or a negative OD_E* code with a message in the od_ctx. */
#ifndef ODDITY_H
#define ODDITY_H

#include "core/ctx.h"
#include "core/out.h"
#include "data/frame.h"
#include "detect/detector.h"

#endif
