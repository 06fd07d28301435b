/*
 * arm64.c - the arm64 table (arch.h), for 4 KiB pages and 39 or 48 bits of
 * kernel virtual address in use (Debian's arm64 kernels: 4 KiB pages; 6.1
 * built for 48 bits, 6.12 for 52, which runs with 48 without LPA2).
 *
 * Since Linux 5.4 the kernel's half of the address space starts with the
 * linear map of physical memory, [PAGE_OFFSET, PAGE_END), where virtual
 * minus PAGE_OFFSET plus PHYS_OFFSET is physical; everything above it (the
 * kernel image, modules, vmalloc, vmemmap) is found by walking the page
 * tables from swapper_pg_dir, whose own physical address is its virtual one
 * minus kimage_voffset.  All of these come from VMCOREINFO.  Descriptors
 * are read from the crashed machine: a bad one ends that translation with an
 * error naming the level and the entry.
 */
#include <elf.h>
#include "arch/arch.h"

#define DESC_VALID     0x1ull
#define DESC_TABLE     0x2ull /* levels 0-2: a table, not a block; level 3: a page */
#define DESC_ADDR_MASK 0x0000fffffffff000ull

enum { ARM64_NREGS = 34, ARM64_SP = 31, ARM64_PC = 32, PAGE = 4096 };

static const char *const reg_names[ARM64_NREGS] = {
    "x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",  "x7",  "x8",  "x9",     "x10", "x11",
    "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21",    "x22", "x23",
    "x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp",  "pc",  "pstate",
};

/* What arm64 keeps of one kernel (lb_kernel.arch_state). */
struct arm64_state {
    uint64_t kimage_voffset, phys_offset; /* VMCOREINFO's: the image's and the linear map's */
    uint64_t page_offset, page_end;       /* the linear map's virtual range */
    uint64_t pac_mask;                    /* the bits a pointer signature takes */
};

static struct arm64_state *arm(const struct lb_kernel *k)
{
    return k->arch_state;
}

static int arm64_kernel_open(struct lb_kernel *k, struct lb_error *err)
{
    uint64_t va_bits, actual, t1sz, pgd_virt, page_size = 4096;

    if (lb_kernel_need_u64(k->info, "NUMBER(VA_BITS)", 10, &va_bits, err) < 0 ||
        lb_kernel_need_u64(k->info, "NUMBER(kimage_voffset)", 16, &arm(k)->kimage_voffset, err) <
            0 ||
        lb_kernel_need_u64(k->info, "NUMBER(PHYS_OFFSET)", 16, &arm(k)->phys_offset, err) < 0 ||
        lb_kernel_need_u64(k->info, "SYMBOL(swapper_pg_dir)", 16, &pgd_virt, err) < 0)
        return -1;
    lb_vmcoreinfo_get_u64(k->info, "PAGESIZE", 10, &page_size);
    /* A kernel built for 52 bits runs with 48 on hardware without LPA2: TCR_EL1.T1SZ says
     * how many the tables have; the linear map still starts at the built PAGE_OFFSET
     * (PHYS_OFFSET was moved to match), and ends where 48 bits end. */
    actual = va_bits;
    if (lb_vmcoreinfo_get_u64(k->info, "NUMBER(TCR_EL1_T1SZ)", 16, &t1sz) == 0 && t1sz && t1sz < 64)
        actual = 64 - t1sz;
    if (page_size != 4096 || (actual != 48 && actual != 39) || va_bits < actual || va_bits > 52) {
        lb_error_set(err,
                     "arm64 with %llu-byte pages and %llu-bit virtual addresses (%llu built): "
                     "only 4 KiB pages with 39 or 48 bits in use are read",
                     (unsigned long long)page_size, (unsigned long long)actual,
                     (unsigned long long)va_bits);
        return -1;
    }
    k->levels = actual == 48 ? 4 : 3;
    arm(k)->page_offset = ~0ull << va_bits;
    arm(k)->page_end = ~0ull << ((va_bits > 48 ? 48 : va_bits) - 1);
    lb_vmcoreinfo_get_u64(k->info, "NUMBER(KERNELPACMASK)", 16, &arm(k)->pac_mask);
    if (pgd_virt < arm(k)->page_end) {
        lb_error_set(err, "VMCOREINFO: swapper_pg_dir 0x%llx is not in the kernel image",
                     (unsigned long long)pgd_virt);
        return -1;
    }
    k->pgd_phys = pgd_virt - arm(k)->kimage_voffset;
    return 0;
}

static int arm64_direct(const struct lb_kernel *k, uint64_t vaddr, uint64_t *phys)
{
    if (vaddr < arm(k)->page_offset || vaddr >= arm(k)->page_end)
        return -1;
    *phys = vaddr - arm(k)->page_offset + arm(k)->phys_offset;
    return 0;
}

static int arm64_vtop(struct lb_kernel *k, uint64_t vaddr, uint64_t *phys, struct lb_error *err)
{
    static const char *const level_names[] = {"PGD", "PUD", "PMD", "PTE"};
    uint64_t table = k->pgd_phys;

    if (arm64_direct(k, vaddr, phys) == 0)
        return 0;
    for (int level = 4 - k->levels; level <= 3; level++) {
        int shift = 12 + 9 * (3 - level);
        uint64_t index = (vaddr >> shift) & 511, entry;
        struct lb_error why;

        if (lb_source_read_phys(k->src, table + index * 8, &entry, 8, &why) < 0) {
            lb_error_set(err, "translating 0x%llx: %s table at 0x%llx is not in the dump",
                         (unsigned long long)vaddr, level_names[level], (unsigned long long)table);
            return -1;
        }
        int block = (entry & DESC_TABLE) == 0;
        if (!(entry & DESC_VALID) || (block && (level == 0 || level == 3))) {
            lb_error_set(err, "translating 0x%llx: %s entry %llu is not valid (0x%llx)",
                         (unsigned long long)vaddr, level_names[level], (unsigned long long)index,
                         (unsigned long long)entry);
            return -1;
        }
        /* A block ends the walk at level 1 (1 GiB) or 2 (2 MiB); a page at level 3. */
        if (level == 3 || block) {
            uint64_t page_mask = (1ull << shift) - 1;
            *phys = ((entry & DESC_ADDR_MASK) & ~page_mask) | (vaddr & page_mask);
            return 0;
        }
        table = entry & DESC_ADDR_MASK;
    }
    return -1; /* not reached: level 3 always returns */
}

static int arm64_next_table(const struct lb_kernel *k, int level, uint64_t entry, uint64_t *table)
{
    (void)k;
    if (level == 0 || !(entry & DESC_VALID) || !(entry & DESC_TABLE))
        return 0;
    *table = entry & DESC_ADDR_MASK;
    return 1;
}

/* Is the page at va mapped where the kernel image's own mapping puts it? */
static int in_image(struct lb_kernel *k, uint64_t va)
{
    struct lb_error ignored;
    uint64_t phys;

    return arm64_vtop(k, va, &phys, &ignored) == 0 && phys == va - arm(k)->kimage_voffset;
}

/*
 * The kernel image: from _stext's page down and up as far as the page
 * tables map pages at kimage_voffset from their physical address (VMCOREINFO
 * has no _end).  The init sections, freed and unmapped after boot, leave a
 * hole of a few MiB before .data: a hole up to MAX_HOLE is stepped over, as
 * long as the image's own mapping resumes after it.  A range guessed longer
 * would give an ELF reader other memory at the image's addresses.  At most
 * 1 GiB, a page at a time.
 */
static int arm64_image(struct lb_kernel *k, uint64_t *virt, uint64_t *phys, uint64_t *size)
{
    const uint64_t limit = 1ull << 30, max_hole = 16ull << 20;
    uint64_t stext, lo, hi, at;

    if (lb_vmcoreinfo_get_u64(k->info, "SYMBOL(_stext)", 16, &stext) < 0 ||
        stext < arm(k)->page_end)
        return -1;
    lo = stext & ~(uint64_t)(PAGE - 1);
    if (!in_image(k, lo))
        return -1;
    while (stext - (lo - PAGE) < limit && in_image(k, lo - PAGE))
        lo -= PAGE;
    hi = lo + PAGE; /* one past the last page found in the image */
    for (at = hi; at - lo < limit && at - hi <= max_hole; at += PAGE)
        if (in_image(k, at))
            hi = at + PAGE;
    *virt = lo;
    *phys = lo - arm(k)->kimage_voffset;
    *size = hi - lo;
    return 0;
}

/* The linear map's address of physical 0: PAGE_OFFSET less PHYS_OFFSET (modulo 2^64). */
static int arm64_page_offset(struct lb_kernel *k, uint64_t *page_offset)
{
    *page_offset = arm(k)->page_offset - arm(k)->phys_offset;
    return 0;
}

/* BL imm26; BLR Xn; BLRAA/BLRAB and their zero-modifier forms (pointer authentication). */
static int arm64_after_call(struct lb_kernel *k, uint64_t ret)
{
    uint32_t insn;
    struct lb_error err;

    if (lb_kernel_read(k, ret - 4, &insn, 4, &err) < 0)
        return 0;
    return (insn & 0xfc000000u) == 0x94000000u || (insn & 0xfffffc1fu) == 0xd63f0000u ||
           (insn & 0xfefff800u) == 0xd63f0800u;
}

/* A return address signed with pointer authentication: the signature bits are set back. */
static uint64_t arm64_strip(const struct lb_kernel *k, uint64_t ret)
{
    return arm(k)->pac_mask && (ret >> 55) & 1 ? ret | arm(k)->pac_mask : ret;
}

const struct lb_arch lb_arch_arm64 = {
    .name = "aarch64",
    .alias = "arm64",
    .elf_machine = EM_AARCH64,
    .reg_names = reg_names,
    .nregs = ARM64_NREGS,
    .pc = ARM64_PC,
    .sp = ARM64_SP,
    .fp = 29,
    .kernel_text_lo = 0xffff800000000000ull,
    .modules_lo = 0xffff800000000000ull,
    .modules_hi = 0xffff800008000000ull,
    .state_size = sizeof(struct arm64_state),
    .kernel_open = arm64_kernel_open,
    .direct = arm64_direct,
    .vtop = arm64_vtop,
    .next_table = arm64_next_table,
    .image = arm64_image,
    .page_offset = arm64_page_offset,
    .after_call = arm64_after_call,
    .strip = arm64_strip,
};
