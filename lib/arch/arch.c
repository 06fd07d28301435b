/*
 * arch.c - the architecture tables by the names a dump gives them.
 */
#include <elf.h>
#include <string.h>

#include "arch/arch.h"

const struct lb_arch *lb_arch_of_elf(uint16_t machine)
{
    return machine == EM_X86_64 ? &lb_arch_x86_64 : machine == EM_AARCH64 ? &lb_arch_arm64 : NULL;
}

const struct lb_arch *lb_arch_of_name(const char *name)
{
    return strcmp(name, "x86_64") == 0                                  ? &lb_arch_x86_64
           : strcmp(name, "aarch64") == 0 || strcmp(name, "arm64") == 0 ? &lb_arch_arm64
                                                                        : NULL;
}
