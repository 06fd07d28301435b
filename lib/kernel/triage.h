/*
 * triage.h - inside the dump engine: reading tasks through the kernel's BTF.
 */
#ifndef LBDUMP_TRIAGE_H
#define LBDUMP_TRIAGE_H

#include "kernel/kernel.h"
#include "lbdump.h"

/* Fills t->tasks (and marks what ran on each CPU) from BTF; notes what fails. */
void lb_triage_tasks(struct lb_kernel *k, const struct lb_kallsyms *ks, struct lb_triage *t);
struct btf;
/*
 * Every task's address (sorted, each once) into *addr (malloc'd), the walk
 * bounded as triage's; what it could not follow is noted in t.
 */
int lb_tasks_addresses(struct lb_kernel *k, const struct lb_kallsyms *ks, struct btf *btf,
                       int ncpus, uint64_t **addr, size_t *n, struct lb_triage *t);
void lb_triage_note(struct lb_triage *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
