/*
 * redact_report.h - what the redaction unit tests ask of a report and of a
 * plan: an erased type's entry, whether a "not redacted" line says some
 * words, how many bytes of a physical range the plan's ranges cover.
 */
#ifndef LIFEBOAT_TEST_REDACT_REPORT_H
#define LIFEBOAT_TEST_REDACT_REPORT_H

#include <stdint.h>
#include <string.h>

#include "kernel/redact.h"
#include "lbdump.h"

/* The report's entry for an erased type, or NULL. */
static inline const struct lb_redacted *redact_report_item(const struct lb_redaction_report *r,
                                                           const char *type)
{
    for (size_t i = 0; i < r->nerased; i++)
        if (strcmp(r->erased[i].type, type) == 0)
            return &r->erased[i];
    return NULL;
}

/* How many objects of type were erased (0 if none). */
static inline uint64_t redact_report_count(const struct lb_redaction_report *r, const char *type)
{
    const struct lb_redacted *it = redact_report_item(r, type);
    return it ? it->count : 0;
}

/* Whether a "not redacted" line holds words. */
static inline int redact_report_says(const struct lb_redaction_report *r, const char *words)
{
    for (size_t i = 0; i < r->nnot_found; i++)
        if (strstr(r->not_found[i], words))
            return 1;
    return 0;
}

/* How many bytes of phys..phys+len the plan's ranges (merged or not, overlapping or not) cover. */
static inline uint64_t redact_plan_erased_bytes(const struct redaction *p, uint64_t phys,
                                                uint64_t len)
{
    uint64_t n = 0, at = phys, end = phys + len;

    while (at < end) {
        uint64_t covered_to = at, next = end;
        for (size_t i = 0; i < p->n; i++) {
            uint64_t s = p->r[i].start, e = p->r[i].start + p->r[i].len;
            if (s <= at && at < e && e > covered_to)
                covered_to = e;
            else if (s > at && s < next)
                next = s;
        }
        if (covered_to > at) {
            covered_to = covered_to < end ? covered_to : end;
            n += covered_to - at;
            at = covered_to;
        } else {
            at = next;
        }
    }
    return n;
}

#endif
