/* common.h - what the libFuzzer harnesses share (fuzz/README.md). */
#ifndef OD_FUZZ_COMMON_H
#define OD_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include "data/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first byte of an input chooses reader options (so the corpus can hold
 * every separator, header mode and decimal mark); the rest is the file. */
void fuzz_csv_opts(uint8_t b, od_csv_opts *o);

#endif
