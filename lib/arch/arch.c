/*
 * arch.c - the architecture tables by the names a dump gives them.
 */
#include <elf.h>
#include <string.h>

#include "arch/arch.h"

const struct lb_arch *const lb_arches[] = {&lb_arch_x86_64, &lb_arch_arm64, NULL};

const struct lb_arch *lb_arch_of_elf(uint16_t machine)
{
    for (const struct lb_arch *const *a = lb_arches; *a; a++)
        if ((*a)->elf_machine == machine)
            return *a;
    return NULL;
}

const struct lb_arch *lb_arch_of_name(const char *name)
{
    for (const struct lb_arch *const *a = lb_arches; *a; a++)
        if (strcmp((*a)->name, name) == 0 || ((*a)->alias && strcmp((*a)->alias, name) == 0))
            return *a;
    return NULL;
}
