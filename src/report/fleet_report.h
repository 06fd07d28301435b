/*
 * fleet_report.h - 'lifeboat report' as text, JSON or a static HTML page
 * (fleet_report.c).
 */
#ifndef LIFEBOAT_FLEET_REPORT_H
#define LIFEBOAT_FLEET_REPORT_H

#include <stdio.h>

#include "report/fleet.h"

void fleet_report_text(FILE *out, const struct fleet *fleet);
void fleet_report_json(FILE *out, const struct fleet *fleet);
/* One HTML file needing nothing else: no script, no fetch, a chart drawn as SVG. */
void fleet_report_html(FILE *out, const struct fleet *fleet);

#endif
