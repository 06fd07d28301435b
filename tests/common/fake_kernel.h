/*
 * fake_kernel.h - a tiny crashed x86_64 kernel in an ELF core, for the unit
 * tests and the fuzzers: see fake_kernel.c.
 */
#ifndef LIFEBOAT_TEST_FAKE_KERNEL_H
#define LIFEBOAT_TEST_FAKE_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_KERNEL_VA 0xffffffff80000000ull

/* Where VMCOREINFO puts things: offsets into the memory (= physical addresses). */
enum {
    FAKE_KERNEL_MEM = 256 << 10,
    FAKE_KERNEL_FILE = FAKE_KERNEL_MEM + 16384,
    FAKE_NUM_SYMS = 0x4000,
    FAKE_RELATIVE_BASE = 0x4008,
    FAKE_TOKEN_INDEX = 0x4100,
    FAKE_TOKEN_TABLE = 0x4400,
    FAKE_OFFSETS = 0x8000,
    FAKE_NAMES = 0xc000,
    FAKE_NAMES_END = 0x10000,
    FAKE_STEXT = 0x10000,
    FAKE_ETEXT = 0x20000,       /* text: frames 16-31 */
    FAKE_PIPE_FOPS = 0x1f000,   /* pipefifo_fops: what a pipe's file's f_op is */
    FAKE_SOCKET_FOPS = 0x1f100, /* socket_file_ops: a socket's */
    FAKE_TTY_FOPS = 0x1f200,    /* tty_fops: a tty's */
    FAKE_N_TTY_OPS = 0x1f300,   /* n_tty_ops: N_TTY's tty_ldisc_ops */
    FAKE_N_TTY_BUF = 64,        /* n_tty_data's read and echo buffers (4096 in a kernel) */
    FAKE_BTF = 0x28000,
    FAKE_TASKS = 0x30000,
    FAKE_TASK_SIZE = 128,
    FAKE_MAX_TASKS = 256,
    FAKE_SIGNALS = FAKE_TASKS + FAKE_MAX_TASKS * FAKE_TASK_SIZE,
    FAKE_MEM_SECTION = 0x20000,
    FAKE_STRUCT_PAGES = 0x3c000, /* 64 bytes a frame, as SIZE(page) says */
    FAKE_SECTION_ROOT = 0x3d000,
    FAKE_PG_HWPOISON = 22,
    FAKE_PG_RESERVED = 12,    /* 6.1's; VMCOREINFO does not say it */
    FAKE_STACK = 0x30000,     /* the saved stack pointer of both CPUs: frames 48-51 */
    FAKE_PANIC_CPU = 0x3e000, /* int: 0 unless a test sets it */
    FAKE_UTSNAME = 0x3000,    /* struct new_utsname: 6 fields of 65 bytes */
    FAKE_NETS = 0x23000,      /* net_namespace_list: empty unless fake_kernel_net */
    /* the per-CPU free lists (redaction's redact_pcp.c): one node of two zones, two CPUs */
    FAKE_NODE = 0x26000,          /* contig_page_data: zones of 64 bytes, per_cpu_pageset at +16 */
    FAKE_PCP_OFFSETS = 0x26200,   /* __per_cpu_offset: 0 and FAKE_PCP_CPU */
    FAKE_VMEMMAP_BASE = 0x26280,  /* vmemmap_base: the virtual address of FAKE_STRUCT_PAGES */
    FAKE_PCP = 0x26400,           /* both zones' per_cpu_pages, CPU 0's; lists[] at +32 */
    FAKE_PCP_CPU = 0x400,         /* CPU 1's, that far on */
    FAKE_CACHED_STACKS = 0x26300, /* cached_stacks (per CPU): two vm_struct pointers, 0 */
    FAKE_PCP_LISTS = 13,          /* 6.1's: 4 orders of 3 migrate types, then the huge pages' */
    /* SLUB's caches (redaction's redact_slab.c): an empty list unless fake_kernel_slab */
    FAKE_SLAB_CACHES = 0x25000,      /* slab_caches: the list's head */
    FAKE_PAGE_OFFSET_BASE = 0x25010, /* page_offset_base: FAKE_KERNEL_VA, the image's map */
    FAKE_SLAB_NODES = 4,             /* kmem_cache.node[]'s entries */
};

/* Damage fake_kernel_tasks can do, as a crashed kernel might have done it. */
enum {
    FAKE_LOOP_TASKS = 1,      /* the process list loops without coming back to init_task */
    FAKE_LOOP_THREADS = 2,    /* every thread list loops on its own node */
    FAKE_SELF_NESTED_BTF = 4, /* task_struct holds 8 anonymous members of its own type */
    FAKE_BREAK_TASKS =
        8, /* the process list's middle link is 0: its tail only the prev links reach */
    FAKE_ON_CPU_U8 = 16, /* task_struct.on_cpu a u8 before on_rq, as Linux 7.x has it */
    /* kmem_cache.per_node[] of {barn, node} pointers where node[] was, as Linux 7.x has it */
    FAKE_SLAB_PER_NODE = 32,
    FAKE_SLAB_PLAIN = 64, /* kmem_cache without random: no SLAB_FREELIST_HARDENED */
};

/*
 * The kernel the fake imitates, in the byte at physical 0 (a page nothing else
 * uses, so a fuzzer's input chooses too): its VMCOREINFO, how kallsyms stores
 * addresses, and how struct pages say what they are.
 */
enum fake_shape {
    FAKE_LINUX_6_1 = 0, /* kallsyms_relative_base, page.compound_head, PG_slab, types -129... */
    FAKE_LINUX_7_3 = 1, /* offsets from their own places, page.compound_info, types 0xf0000000... */
};
enum { FAKE_SHAPE_AT = 0 };

/* The 7.3 shape's page flags and types (VMCOREINFO's values of Debian's 7.3.4 kernel). */
enum {
    FAKE7_PG_LRU = 5,
    FAKE7_PG_HWPOISON = 21,
    FAKE7_PG_HEAD = 6,
};
#define FAKE7_TYPE_BUDDY 0xf0000000u
#define FAKE7_TYPE_SLAB  0xf5000000u

/* The VMCOREINFO of the shape mem[FAKE_SHAPE_AT] names. */
const char *fake_kernel_vmcoreinfo(const uint8_t *mem);
/* The 6.1 shape's VMCOREINFO, for tests that make variants of it. */
extern const char fake_kernel_vmcoreinfo_6_1[];

struct fake_symbol {
    const char *name;
    uint64_t addr;
};

/* Zeroes mem (FAKE_KERNEL_MEM bytes) and writes the page tables: a 6.1 kernel. */
void fake_kernel_init(uint8_t *mem);
/* The same, for a kernel of the given shape. */
void fake_kernel_init_shape(uint8_t *mem, enum fake_shape shape);
/* Writes a kallsyms table of these symbols (sorted by address; include _stext). */
void fake_kernel_symbols(uint8_t *mem, const struct fake_symbol *syms, size_t n);
/*
 * Symbols, BTF and ntasks (at most FAKE_MAX_TASKS) processes of one thread
 * each, linked as the kernel links them, with the damage flags ask for; and
 * the per-CPU free lists, empty.
 */
void fake_kernel_tasks(uint8_t *mem, int ntasks, unsigned flags);
/*
 * A mem_map: every frame's struct page at FAKE_STRUCT_PAGES + 64 * pfn, as a
 * 6.1 kernel leaves them: reserved (the image), the PMD table at frame 6
 * typed, the stack's frames allocated.
 */
void fake_kernel_mem_map(uint8_t *mem);
/* The ELF core around mem, in file (FAKE_KERNEL_FILE bytes); returns its size. */
size_t fake_kernel_file(uint8_t *file, const uint8_t *mem);
/* The same, written to a new temporary file; returns its path (free it, unlink it). */
char *fake_kernel_core(const uint8_t *mem);
/* Both with another VMCOREINFO: a kernel of another layout. */
size_t fake_kernel_file_with(uint8_t *file, const uint8_t *mem, const char *vmcoreinfo);
char *fake_kernel_core_with(const uint8_t *mem, const char *vmcoreinfo);

#endif
