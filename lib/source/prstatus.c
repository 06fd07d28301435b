/*
 * prstatus.c - reads the registers a CPU saved when the kernel crashed.
 *
 * On panic each CPU stores an NT_PRSTATUS note: struct elf_prstatus, whose
 * layout is fixed by the ELF core ABI (it is what gdb reads): on 64-bit
 * machines pr_pid at 32 and pr_reg at 112, pr_reg being the architecture's
 * registers (x86_64: 27, arm64: 34).  It is decoded by offset rather than by
 * including a header that may differ from the crashed kernel's.
 */
#include <string.h>

#include "arch/arch.h"
#include "source/source.h"

enum { PRSTATUS_PID = 32, PRSTATUS_REGS = 112 };

static int parse(const struct lb_arch *arch, const uint8_t *desc, size_t len,
                 struct lb_cpu_state *out, struct lb_error *err)
{
    size_t need = PRSTATUS_REGS + arch->nregs * 8;

    if (len < need) {
        lb_error_set(err, "NT_PRSTATUS note is %zu bytes, an %s one needs %zu", len, arch->name,
                     need);
        return -1;
    }
    memset(out, 0, sizeof(*out));
    memcpy(&out->pid, desc + PRSTATUS_PID, sizeof(out->pid));
    memcpy(out->regs, desc + PRSTATUS_REGS, arch->nregs * 8);
    out->nregs = (uint32_t)arch->nregs;
    return 0;
}

int lb_prstatus_parse(const uint8_t *desc, size_t len, struct lb_cpu_state *out,
                      struct lb_error *err)
{
    return parse(&lb_arch_x86_64, desc, len, out, err);
}

int lb_source_prstatus(const struct lb_source *src, const uint8_t *desc, size_t len,
                       struct lb_cpu_state *out, struct lb_error *err)
{
    return parse(src->arch, desc, len, out, err);
}

const char *lb_source_arch(const struct lb_source *src)
{
    return src->arch->name;
}

const char *const *lb_source_reg_names(const struct lb_source *src, size_t *n, size_t *pc,
                                       size_t *sp)
{
    *n = src->arch->nregs;
    if (pc)
        *pc = src->arch->pc;
    if (sp)
        *sp = src->arch->sp;
    return src->arch->reg_names;
}
