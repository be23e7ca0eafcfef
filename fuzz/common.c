/* common.c - what the libFuzzer harnesses share. */
#include "config.h"
#include "common.h"

void fuzz_csv_opts(uint8_t b, od_csv_opts *o)
{
    static const char seps[] = { 0, ',', ';', '\t', '|', ' ', 0, 0 };
    *o = (od_csv_opts){ .header = -1 };
    o->sep = seps[b & 7];
    o->header = (int)((b >> 3) & 3) - 1;   /* -1 detect, 0 none, 1 yes, 2 -> detect */
    if (o->header > 1) o->header = -1;
    if (b & 0x20) o->decimal = ',';
    if (o->decimal == ',' && o->sep == ',') o->sep = ';';
    if (b & 0x40) o->label = "label";
    if (b & 0x80) o->time = "t";
}
