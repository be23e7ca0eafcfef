#include "config.h"
#include <stdio.h>
#include "oddity.h"
int main(void) { od_ctx *c = od_ctx_new(1); od_ctx_free(c); puts("oddity"); return 0; }
