/*
 * redaction_report.h - what a redaction erased and what it could not find,
 * as text (info, verify, save) and as JSON (metadata.json, info --json).
 */
#ifndef LIFEBOAT_REDACTION_REPORT_H
#define LIFEBOAT_REDACTION_REPORT_H

#include <stdio.h>

#include "lbdump.h"

/* "CLASSES: N ranges, B bytes erased" then a line per type and per thing not found. */
void redaction_text(FILE *out, const char *prefix, const struct lb_redaction_report *r);
/* {"classes": [...], "erased": [{"class", "type", "count", "bytes"}], "not_found": [...]} */
void redaction_json(FILE *out, const struct lb_redaction_report *r);

#endif
