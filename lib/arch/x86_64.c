/*
 * x86_64.c - the x86_64 table (arch.h).
 *
 * Two mappings matter: the kernel image, at __START_KERNEL_map + (physical -
 * phys_base), which gives the page tables themselves (only up to
 * KERNEL_IMAGE_SIZE: the modules' area follows it, allocated page by page);
 * and everything else,
 * found by walking those page tables (4 or 5 levels, as VMCOREINFO says)
 * from init_top_pgt.  Every entry read is from the crashed machine: a bad one
 * ends that translation with an error naming the level and the entry.
 */
#include <elf.h>
#include <string.h>

#include "arch/arch.h"

#define START_KERNEL_MAP 0xffffffff80000000ull
#define PTE_PRESENT      0x1ull
#define PTE_HUGE         0x80ull
#define PTE_ADDR_MASK    0x000ffffffffff000ull

const char *const lb_x86_reg_names[LB_X86_NREGS] = {
    "r15",    "r14", "r13", "r12",     "rbp",     "rbx", "r11",      "r10", "r9",
    "r8",     "rax", "rcx", "rdx",     "rsi",     "rdi", "orig_rax", "rip", "cs",
    "eflags", "rsp", "ss",  "fs_base", "gs_base", "ds",  "es",       "fs",  "gs",
};

/* What x86_64 keeps of one kernel (lb_kernel.arch_state). */
struct x86_state {
    uint64_t phys_base; /* where the kernel image sits, less where it was linked */
    uint64_t image_end; /* the image's mapping's end: MODULES_VADDR */
};

static struct x86_state *x86(const struct lb_kernel *k)
{
    return k->arch_state;
}

static int x86_kernel_open(struct lb_kernel *k, struct lb_error *err)
{
    uint64_t pgd_virt, l5 = 0;
    int64_t phys_base;

    if (lb_vmcoreinfo_get_s64(k->info, "NUMBER(phys_base)", &phys_base) < 0) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "VMCOREINFO lacks NUMBER(phys_base) (or it is not a number)");
        return -1;
    }
    /* Addresses wrap modulo 2^64, so a negative base works as its two's complement. */
    x86(k)->phys_base = (uint64_t)phys_base;
    /* 1 GiB with KASLR, 512 MiB without; where VMCOREINFO does not say, the smaller: above
     * it the page tables are walked, which is right for the image too */
    uint64_t image_size = 512ull << 20;
    lb_vmcoreinfo_get_u64(k->info, "NUMBER(KERNEL_IMAGE_SIZE)", 10, &image_size);
    if (image_size > (1ull << 30))
        image_size = 1ull << 30;
    x86(k)->image_end = START_KERNEL_MAP + image_size;
    if (lb_kernel_need_u64(k->info, "SYMBOL(init_top_pgt)", 16, &pgd_virt, err) < 0)
        return -1;
    lb_vmcoreinfo_get_u64(k->info, "NUMBER(pgtable_l5_enabled)", 10, &l5);
    k->levels = l5 ? 5 : 4;
    if (pgd_virt < START_KERNEL_MAP) {
        lb_error_set(err, "VMCOREINFO: init_top_pgt 0x%llx is not in the kernel image",
                     (unsigned long long)pgd_virt);
        return -1;
    }
    k->pgd_phys = pgd_virt - START_KERNEL_MAP + x86(k)->phys_base;
    return 0;
}

static int x86_direct(const struct lb_kernel *k, uint64_t vaddr, uint64_t *phys)
{
    if (vaddr < START_KERNEL_MAP || vaddr >= x86(k)->image_end)
        return -1;
    *phys = vaddr - START_KERNEL_MAP + x86(k)->phys_base;
    return 0;
}

static int x86_vtop(struct lb_kernel *k, uint64_t vaddr, uint64_t *phys, struct lb_error *err)
{
    static const char *const level_names[] = {"PTE", "PMD", "PUD", "P4D", "PGD"};
    uint64_t table = k->pgd_phys;

    for (int level = k->levels - 1; level >= 0; level--) {
        int shift = 12 + 9 * level;
        uint64_t index = (vaddr >> shift) & 511, entry;
        struct lb_error why;

        if (lb_source_read_phys(k->src, table + index * 8, &entry, 8, &why) < 0) {
            lb_error_set(err, "translating 0x%llx: %s table at 0x%llx is not in the dump",
                         (unsigned long long)vaddr, level_names[level], (unsigned long long)table);
            return -1;
        }
        if (!(entry & PTE_PRESENT)) {
            lb_error_set(err, "translating 0x%llx: %s entry %llu is not present (0x%llx)",
                         (unsigned long long)vaddr, level_names[level], (unsigned long long)index,
                         (unsigned long long)entry);
            return -1;
        }
        /* A huge page ends the walk at the PUD (1 GiB) or PMD (2 MiB) level. */
        if (level == 0 || ((level == 1 || level == 2) && (entry & PTE_HUGE))) {
            uint64_t page_mask = (1ull << shift) - 1;
            *phys = ((entry & PTE_ADDR_MASK) & ~page_mask) | (vaddr & page_mask);
            return 0;
        }
        table = entry & PTE_ADDR_MASK;
    }
    return -1; /* not reached: level 0 always returns */
}

static int x86_next_table(const struct lb_kernel *k, int level, uint64_t entry, uint64_t *table)
{
    (void)k;
    if (level == 0 || !(entry & PTE_PRESENT) || ((level == 1 || level == 2) && (entry & PTE_HUGE)))
        return 0;
    *table = entry & PTE_ADDR_MASK;
    return 1;
}

/*
 * The kernel image's mapping (__START_KERNEL_map + ...): the run of 2 MiB
 * steps around _stext that the page tables map to contiguous physical memory.
 * An ELF dump needs it as a PT_LOAD with virtual addresses for gdb and
 * vmcore-dmesg, which look kernel symbols up by virtual address.
 */
static int x86_image(struct lb_kernel *k, uint64_t *virt, uint64_t *phys, uint64_t *size)
{
    const uint64_t step = 2ull << 20, limit = 1ull << 30;
    uint64_t stext, lo, hi, p_lo, p;
    struct lb_error ignored;

    if (lb_vmcoreinfo_get_u64(k->info, "SYMBOL(_stext)", 16, &stext) < 0 ||
        stext < START_KERNEL_MAP)
        return -1;
    lo = stext & ~(step - 1);
    if (x86_vtop(k, lo, &p_lo, &ignored) < 0)
        return -1;
    while (lo - step >= START_KERNEL_MAP && x86_vtop(k, lo - step, &p, &ignored) == 0 &&
           p == p_lo - step) {
        lo -= step;
        p_lo = p;
    }
    for (hi = lo + step; hi - lo < limit; hi += step)
        if (x86_vtop(k, hi, &p, &ignored) < 0 || p != p_lo + (hi - lo))
            break;
    *virt = lo;
    *phys = p_lo;
    *size = hi - lo;
    return 0;
}

/*
 * Where the direct map starts (page_offset_base, randomized by KASLR): found
 * from a pointer VMCOREINFO gives that is known to be in the direct map
 * (mem_section), minus the physical address the page tables give for it.
 */
static int x86_page_offset(struct lb_kernel *k, uint64_t *page_offset)
{
    uint64_t v, phys;
    struct lb_error ignored;

    if (lb_vmcoreinfo_get_u64(k->info, "SYMBOL(mem_section)", 16, &v) < 0 ||
        v >= START_KERNEL_MAP || x86_vtop(k, v, &phys, &ignored) < 0 ||
        ((v - phys) & ((1ull << 30) - 1)))
        return -1;
    *page_offset = v - phys;
    return 0;
}

/*
 * Is the instruction that ends at addr a call?  (e8 rel32; ff /2 in its
 * forms.)  Without the ORC tables (not in the dump's memory in a usable
 * form), this is what tells a return address from a stale pointer to text.
 */
static int x86_after_call(struct lb_kernel *k, uint64_t addr)
{
    uint8_t code[8];
    struct lb_error err;

    if (lb_kernel_read(k, addr - 8, code, 8, &err) < 0)
        return 0;
    if (code[3] == 0xe8)
        return 1;
    for (int back = 2; back <= 7; back++) {
        const uint8_t *op = code + 8 - back;
        if (op[0] == 0xff && ((op[1] >> 3) & 7) == 2)
            return 1;
        if (back >= 3 && op[0] >= 0x40 && op[0] <= 0x4f && op[1] == 0xff && ((op[2] >> 3) & 7) == 2)
            return 1; /* with a REX prefix */
    }
    return 0;
}

static uint64_t x86_strip(const struct lb_kernel *k, uint64_t ret)
{
    (void)k;
    return ret;
}

const struct lb_arch lb_arch_x86_64 = {
    .name = "x86_64",
    .elf_machine = EM_X86_64,
    .reg_names = lb_x86_reg_names,
    .nregs = LB_X86_NREGS,
    .pc = LB_RIP,
    .sp = LB_RSP,
    .fp = -1, /* x86_64 kernels are built without frame pointers (ORC) */
    .kernel_text_lo = START_KERNEL_MAP,
    .modules_lo = 0xffffffffc0000000ull,
    .modules_hi = 0xffffffffff000000ull,
    .state_size = sizeof(struct x86_state),
    .kernel_open = x86_kernel_open,
    .direct = x86_direct,
    .vtop = x86_vtop,
    .next_table = x86_next_table,
    .image = x86_image,
    .page_offset = x86_page_offset,
    .after_call = x86_after_call,
    .strip = x86_strip,
};
