/*
 * prstatus.c - reads the registers a CPU saved when the kernel crashed.
 *
 * On panic each CPU stores an NT_PRSTATUS note: struct elf_prstatus of
 * x86_64, whose layout is fixed by the ELF core ABI (it is what gdb reads),
 * so it is decoded by offset rather than by including a header that may
 * differ from the crashed kernel's.
 */
#include <string.h>

#include "lbdump.h"

/* x86_64 struct elf_prstatus: pr_pid at 32, pr_reg (27 x u64) at 112. */
enum { PRSTATUS_PID = 32, PRSTATUS_REGS = 112, PRSTATUS_MIN_SIZE = 112 + 27 * 8 };

const char *const lb_x86_reg_names[LB_X86_NREGS] = {
    "r15",    "r14", "r13", "r12",     "rbp",     "rbx", "r11",      "r10", "r9",
    "r8",     "rax", "rcx", "rdx",     "rsi",     "rdi", "orig_rax", "rip", "cs",
    "eflags", "rsp", "ss",  "fs_base", "gs_base", "ds",  "es",       "fs",  "gs",
};

int lb_prstatus_parse(const uint8_t *desc, size_t len, struct lb_cpu_state *out,
                      struct lb_error *err)
{
    if (len < PRSTATUS_MIN_SIZE) {
        lb_error_set(err, "NT_PRSTATUS note is %zu bytes, an x86_64 one needs %d", len,
                     PRSTATUS_MIN_SIZE);
        return -1;
    }
    memcpy(&out->pid, desc + PRSTATUS_PID, sizeof(out->pid));
    memcpy(out->regs, desc + PRSTATUS_REGS, sizeof(out->regs));
    return 0;
}
