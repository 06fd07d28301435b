/*
 * redact_report.h - what the redaction unit tests ask of a report and of a
 * plan: an erased type's entry, whether a "not redacted" line says some
 * words, how many bytes of a physical range the plan's ranges cover; and
 * one walk run on the fake kernel as lb_source_redact would run it.  After
 * cmocka.h and fake_source.h.
 */
#ifndef LIFEBOAT_TEST_REDACT_REPORT_H
#define LIFEBOAT_TEST_REDACT_REPORT_H

#include <stdint.h>
#include <string.h>

#include "kernel/btf_util.h"
#include "kernel/kernel.h"
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

/* A walk's plan, report, result and error. */
struct walked {
    struct redaction plan;
    struct lb_redaction_report rep;
    int r;
    struct lb_error err;
};

/* Runs walk on the fake kernel as planted, with a budget of steps. */
static inline void redact_walk_fake(struct walked *w, uint64_t steps,
                                    int (*walk)(struct redact_ctx *c, struct lb_error *err))
{
    struct redact_ctx c = {.plan = &w->plan, .rep = &w->rep, .steps_left = steps, .ncpus = 2};
    char *path;
    struct lb_source *src = open_fake(&path);

    memset(w, 0, sizeof(*w));
    c.src = src;
    assert_int_equal(lb_kernel_open(src, &c.k, &w->err), 0);
    assert_int_equal(
        lb_kallsyms_load_only(c.k, lb_redact_symbols, lb_redact_nsymbols, &c.ks, &w->err), 0);
    c.btf = lb_btf_from_kernel(c.k, c.ks, &w->err);
    assert_non_null(c.btf);
    w->r = walk(&c, &w->err);
    btf__free(c.btf);
    lb_kallsyms_free(c.ks);
    lb_kernel_close(c.k);
    close_fake(src, path);
}

#endif
