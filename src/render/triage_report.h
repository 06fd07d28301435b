/*
 * triage_report.h - the triage report as JSON.
 */
#ifndef LIFEBOAT_TRIAGE_REPORT_H
#define LIFEBOAT_TRIAGE_REPORT_H

#include <stdio.h>

#include "lbdump.h"

/* Bytes of physical memory the dump describes (the kernel-image segment not counted twice). */
uint64_t triage_memory(struct lb_source *src);
void triage_report_json(FILE *out, const char *path, struct lb_source *src,
                        const struct lb_triage *t);

#endif
