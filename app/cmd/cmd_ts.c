/* cmd_ts.c - time-series metrics of a run (point-adjusted, event, range, VUS). */
#include "config.h"
#include "cmd.h"

#include <math.h>

int cmd_ts_metrics(od_session *s, const od_run *r, int part)
{
    (void)s; (void)r; (void)part;
    return 0;
}

double cmd_ts_headline(od_session *s, const od_run *r, int part, int which)
{
    (void)s; (void)r; (void)part; (void)which;
    return NAN;
}
