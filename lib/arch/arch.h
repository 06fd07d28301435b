/*
 * arch.h - inside the dump engine: what differs between the architectures
 * whose dumps it reads, as one table of operations each (DESIGN.md,
 * "Architectures").  The table is chosen from the dump itself (its ELF
 * machine, or the kdump header's), so any build reads any architecture's
 * dumps; a machine without a table is refused by name when the dump opens.
 */
#ifndef LBDUMP_ARCH_H
#define LBDUMP_ARCH_H

#include "lbdump.h"

/* x86_64's NT_PRSTATUS pr_reg, in order (the ELF core ABI's user_regs_struct). */
enum lb_x86_reg {
    LB_R15,
    LB_R14,
    LB_R13,
    LB_R12,
    LB_RBP,
    LB_RBX,
    LB_R11,
    LB_R10,
    LB_R9,
    LB_R8,
    LB_RAX,
    LB_RCX,
    LB_RDX,
    LB_RSI,
    LB_RDI,
    LB_ORIG_RAX,
    LB_RIP,
    LB_CS,
    LB_EFLAGS,
    LB_RSP,
    LB_SS,
    LB_FS_BASE,
    LB_GS_BASE,
    LB_DS,
    LB_ES,
    LB_FS,
    LB_GS,
    LB_X86_NREGS
};

extern const char *const lb_x86_reg_names[LB_X86_NREGS];

/* The crashed kernel's address space: shared by kernel.c and the architectures. */
struct lb_kernel {
    struct lb_source *src;
    struct lb_vmcoreinfo *info;
    const struct lb_arch *arch;
    uint64_t pgd_phys; /* the kernel's top page table */
    int levels;        /* of page tables */
    void *arch_state;  /* the architecture's own (its state_size bytes, zeroed at open) */
};

struct lb_arch {
    const char *name;     /* as the kernel's utsname says it: "x86_64", "aarch64" */
    const char *alias;    /* another name users give it ("arm64"), or NULL */
    uint16_t elf_machine; /* EM_X86_64, EM_AARCH64 */
    const char *const *reg_names;
    size_t nregs, pc, sp;    /* NT_PRSTATUS pr_reg: how many, which is pc, which sp */
    int fp;                  /* the frame pointer, where the kernel always keeps frame records
                                (arm64: x29 -> {previous x29, return address}); -1: none */
    uint64_t kernel_text_lo; /* kernel text is above this */
    uint64_t modules_lo, modules_hi;
    size_t state_size; /* of what it keeps of one kernel (lb_kernel.arch_state) */
    /* Reads what VMCOREINFO says of the address space into k. */
    int (*kernel_open)(struct lb_kernel *k, struct lb_error *err);
    /* A translation without the page tables (the kernel image, a linear map), or -1. */
    int (*direct)(const struct lb_kernel *k, uint64_t vaddr, uint64_t *phys);
    /* Walks the page tables. */
    int (*vtop)(struct lb_kernel *k, uint64_t vaddr, uint64_t *phys, struct lb_error *err);
    /*
     * Does this entry of a table at level (levels - 1: the top; 0: the tables
     * of pages) point to a table of the next level?  1 and its physical
     * address, or 0 (not present, a huge page or block, a page).
     */
    int (*next_table)(const struct lb_kernel *k, int level, uint64_t entry, uint64_t *table);
    /* The kernel image's virtual and physical start and size. */
    int (*image)(struct lb_kernel *k, uint64_t *virt, uint64_t *phys, uint64_t *size);
    /* The linear map's virtual address of physical address 0 (va = it + phys). */
    int (*page_offset)(struct lb_kernel *k, uint64_t *page_offset);
    /* Is the instruction before this return address a call?  (a stack word is a frame) */
    int (*after_call)(struct lb_kernel *k, uint64_t ret);
    /* A saved return address as a plain address (arm64: without its pointer signature). */
    uint64_t (*strip)(const struct lb_kernel *k, uint64_t ret);
};

extern const struct lb_arch lb_arch_x86_64, lb_arch_arm64;
/* Every architecture the engine reads, NULL-terminated: a new one is a file and an entry. */
extern const struct lb_arch *const lb_arches[];

/* The table for an ELF machine, or NULL. */
const struct lb_arch *lb_arch_of_elf(uint16_t machine);
/* The table for a utsname machine ("x86_64", "aarch64"), or NULL. */
const struct lb_arch *lb_arch_of_name(const char *name);

/* Helpers the architectures share (kernel/kernel.c). */
/* Reads kernel virtual memory, page by page. */
int lb_kernel_read(struct lb_kernel *k, uint64_t vaddr, void *buf, size_t len,
                   struct lb_error *err);
int lb_kernel_need_u64(const struct lb_vmcoreinfo *info, const char *key, int base, uint64_t *v,
                       struct lb_error *err);

#endif
