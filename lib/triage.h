/*
 * triage.h - inside the dump engine: reading tasks through the kernel's BTF.
 */
#ifndef LBDUMP_TRIAGE_H
#define LBDUMP_TRIAGE_H

#include "lbdump.h"

/* Fills t->tasks (and marks what ran on each CPU) from BTF; notes what fails. */
void triage_tasks(struct lb_kernel *k, const struct lb_kallsyms *ks, struct lb_triage *t);
void triage_note(struct lb_triage *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
