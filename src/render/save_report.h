/*
 * save_report.h - the summary a user reads after a dump is written.
 */
#ifndef LIFEBOAT_SAVE_REPORT_H
#define LIFEBOAT_SAVE_REPORT_H

#include <stdio.h>

#include "lbdump.h"

void save_report(FILE *out, const struct lb_write_options *opts,
                 const struct lb_write_stats *stats);

#endif
