/*
 * test_arch.c - the architecture tables on synthetic arm64 dumps: the dump's
 * machine chooses the table; arm64's linear map, its page-table walk (4 KiB
 * pages, 48 bits: pages, 2 MiB and 1 GiB blocks, bad descriptors named), its
 * saved registers; and written out again, a dump keeps its machine.
 */
#include <elf.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/synth.h"
#include "kernel/kernel.h"
#include "lbdump.h"

#define PHYS_OFFSET  0x40000000ull
#define MEM_SIZE     (8ull << 20)
#define PAGE_OFFSET  0xffff000000000000ull /* 48-bit VA: the linear map's start */
#define SWAPPER_VA   0xffff800008400000ull
#define SWAPPER_PHYS 0x40400000ull
#define KIMAGE_VOFF  (SWAPPER_VA - SWAPPER_PHYS)
#define PAGE_VA      0xffff800010000000ull /* a 4 KiB page: two of them, at PAGE_PHYS */
#define PAGE_PHYS    0x40500000ull
#define BLOCK_VA     0xffff800020000000ull /* a 2 MiB block at BLOCK_PHYS */
#define BLOCK_PHYS   0x40600000ull
#define HOLE_VA      0xffff800030000000ull /* its PMD entry is not valid */
#define BAD_VA       0xffffff8000000000ull /* its PGD entry is a block: not allowed at level 0 */
#define IMAGE_VA     0xffff800008200000ull /* the kernel image: 3 pages, a hole, 1 more page */

static const char vmcoreinfo[] = "OSRELEASE=6.1.0-test-arm64\n"
                                 "PAGESIZE=4096\n"
                                 "NUMBER(VA_BITS)=48\n"
                                 "NUMBER(kimage_voffset)=0xffff7fffc8000000\n"
                                 "NUMBER(PHYS_OFFSET)=0x40000000\n"
                                 "NUMBER(TCR_EL1_T1SZ)=0x10\n"
                                 "SYMBOL(swapper_pg_dir)=ffff800008400000\n"
                                 "SYMBOL(_stext)=ffff800008201000\n";

static void put64(uint8_t *mem, uint64_t phys, uint64_t v)
{
    memcpy(mem + (phys - PHYS_OFFSET), &v, 8);
}

static unsigned index_of(uint64_t va, int level)
{
    return (unsigned)((va >> (39 - 9 * level)) & 511);
}

/* Tables: PGD at SWAPPER_PHYS, then a PUD, a PMD and a PTE page after it. */
static void page_tables(uint8_t *mem)
{
    const uint64_t pgd = SWAPPER_PHYS, pud = pgd + 0x1000, pmd = pgd + 0x2000, pte = pgd + 0x3000;

    put64(mem, pgd + 8 * index_of(PAGE_VA, 0), pud | 3);
    put64(mem, pud + 8 * index_of(PAGE_VA, 1), pmd | 3);
    put64(mem, pmd + 8 * index_of(PAGE_VA, 2), pte | 3);
    put64(mem, pte + 8 * index_of(PAGE_VA, 3), PAGE_PHYS | 3 | (1ull << 10));
    put64(mem, pte + 8 * index_of(PAGE_VA + 0x1000, 3), (PAGE_PHYS + 0x1000) | 3);
    put64(mem, pmd + 8 * index_of(BLOCK_VA, 2), BLOCK_PHYS | 1); /* a block */
    put64(mem, pmd + 8 * index_of(HOLE_VA, 2), 0);
    put64(mem, pgd + 8 * index_of(BAD_VA, 0), PHYS_OFFSET | 1);
    /* the image: at kimage_voffset, freed init pages unmapped, then a page mapped elsewhere */
    const uint64_t ipte = pgd + 0x4000;
    put64(mem, pmd + 8 * index_of(IMAGE_VA, 2), ipte | 3);
    for (int i = 0; i < 6; i++)
        if (i != 3)
            put64(mem, ipte + 8 * index_of(IMAGE_VA + 0x1000u * i, 3),
                  (i == 5 ? PAGE_PHYS : IMAGE_VA + 0x1000u * i - KIMAGE_VOFF) | 3);
}

static char *arm64_core(void)
{
    static uint8_t mem[MEM_SIZE], notes[4096], prstatus[392];
    uint64_t sp = PAGE_VA + 0x800, pc = 0xffff800008010abcull;
    size_t nlen = 0;
    char *path = strdup("/tmp/lifeboat-arm64-XXXXXX");
    int fd = mkstemp(path);

    for (uint64_t a = 0; a < MEM_SIZE; a++)
        mem[a] = synth_byte(PHYS_OFFSET + a);
    memset(mem + (SWAPPER_PHYS - PHYS_OFFSET), 0, 0x5000);
    page_tables(mem);
    memcpy(prstatus + 32, &(uint32_t){77}, 4);
    memcpy(prstatus + 112 + 31 * 8, &sp, 8);
    memcpy(prstatus + 112 + 32 * 8, &pc, 8);
    synth_note(notes, &nlen, sizeof(notes), "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
    synth_note(notes, &nlen, sizeof(notes), "VMCOREINFO", 0, vmcoreinfo, sizeof(vmcoreinfo) - 1);
    Elf64_Ehdr eh = synth_core_header(2);
    eh.e_machine = EM_AARCH64;
    Elf64_Phdr ph[2] = {{.p_type = PT_NOTE, .p_offset = 4096, .p_filesz = nlen},
                        {.p_type = PT_LOAD,
                         .p_offset = 8192,
                         .p_vaddr = PAGE_OFFSET,
                         .p_paddr = PHYS_OFFSET,
                         .p_filesz = MEM_SIZE,
                         .p_memsz = MEM_SIZE}};
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), (ssize_t)sizeof(eh));
    assert_int_equal(pwrite(fd, ph, sizeof(ph), sizeof(eh)), (ssize_t)sizeof(ph));
    assert_int_equal(pwrite(fd, notes, nlen, 4096), (ssize_t)nlen);
    assert_int_equal(pwrite(fd, mem, MEM_SIZE, 8192), (ssize_t)MEM_SIZE);
    close(fd);
    return path;
}

static void expect_phys(struct lb_kernel *k, uint64_t va, uint64_t phys)
{
    struct lb_error err;
    uint64_t got = 0;

    if (lb_kernel_vtop(k, va, &got, &err) < 0)
        fail_msg("0x%llx: %s", (unsigned long long)va, err.msg);
    assert_int_equal(got, phys);
}

static void arm64_walk_and_linear_map(void **state)
{
    char *path = arm64_core();
    struct lb_source *src;
    struct lb_kernel *k;
    struct lb_error err;
    uint8_t buf[64];
    uint64_t phys;

    (void)state;
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_string_equal(lb_source_arch(src), "aarch64");
    if (lb_kernel_open(src, &k, &err) < 0)
        fail_msg("%s", err.msg);
    expect_phys(k, PAGE_OFFSET + 0x1234, PHYS_OFFSET + 0x1234); /* the linear map */
    expect_phys(k, SWAPPER_VA - KIMAGE_VOFF + PAGE_OFFSET - PHYS_OFFSET, SWAPPER_PHYS);
    expect_phys(k, PAGE_VA + 0x10, PAGE_PHYS + 0x10);           /* a page */
    expect_phys(k, PAGE_VA + 0x1ff8, PAGE_PHYS + 0x1ff8);       /* the next one */
    expect_phys(k, BLOCK_VA + 0x123456, BLOCK_PHYS + 0x123456); /* a 2 MiB block */
    assert_int_equal(lb_kernel_vtop(k, HOLE_VA, &phys, &err), -1);
    assert_non_null(strstr(err.msg, "PMD entry"));
    assert_non_null(strstr(err.msg, "not valid"));
    assert_int_equal(lb_kernel_vtop(k, BAD_VA, &phys, &err), -1); /* no blocks at level 0 */
    assert_non_null(strstr(err.msg, "PGD entry"));
    /* a read across the two pages is the physical bytes, in order */
    assert_int_equal(lb_kernel_read(k, PAGE_VA + 0x1000 - 32, buf, sizeof(buf), &err), 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], synth_byte(PAGE_PHYS + 0x1000 - 32 + i));
    /* the image ends at its last page mapped where the image's mapping puts it: not past */
    uint64_t virt, size;
    assert_int_equal(lb_kernel_image(k, &virt, &phys, &size), 0);
    assert_int_equal(virt, IMAGE_VA);
    assert_int_equal(phys, IMAGE_VA - KIMAGE_VOFF);
    assert_int_equal(size, 5 * 0x1000);
    lb_kernel_close(k);
    lb_source_close(src);
    unlink(path);
    free(path);
}

static void arm64_registers(void **state)
{
    char *path = arm64_core();
    struct lb_source *src;
    struct lb_cpu_state cpu;
    struct lb_error err;
    struct lb_note note;
    size_t len, pos = 0, n, pc, sp;

    (void)state;
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    const char *const *names = lb_source_reg_names(src, &n, &pc, &sp);
    assert_int_equal(n, 34);
    assert_string_equal(names[pc], "pc");
    assert_string_equal(names[sp], "sp");
    assert_string_equal(names[29], "x29");
    const uint8_t *notes = lb_source_notes(src, &len);
    assert_int_equal(lb_note_next(notes, len, &pos, &note, &err), 1);
    assert_int_equal(lb_source_prstatus(src, note.desc, note.desc_len, &cpu, &err), 0);
    assert_int_equal(cpu.pid, 77);
    assert_int_equal(cpu.nregs, 34);
    assert_int_equal(cpu.regs[pc], 0xffff800008010abcull);
    assert_int_equal(cpu.regs[sp], PAGE_VA + 0x800);
    assert_int_equal(lb_source_prstatus(src, note.desc, 300, &cpu, &err), -1);
    assert_non_null(strstr(err.msg, "an aarch64 one needs 384"));
    lb_source_close(src);
    unlink(path);
    free(path);
}

/* Written out as kdump or ELF, an arm64 dump says it is one, and reads back as one. */
static void arm64_dump_keeps_its_machine(void **state)
{
    char *path = arm64_core();
    enum lb_format formats[] = {LB_FORMAT_KDUMP, LB_FORMAT_ELF};

    (void)state;
    for (int f = 0; f < 2; f++) {
        struct lb_write_options opts = {.format = formats[f], .codec = LB_CODEC_ZSTD, .sparse = 1};
        struct lb_write_stats stats;
        struct lb_source *src, *back;
        struct lb_kernel *k;
        struct lb_error err;
        char out[] = "/tmp/lifeboat-arm64-out-XXXXXX";
        int fd = mkstemp(out);
        uint64_t phys;

        assert_int_equal(lb_source_open(path, &src, &err), 0);
        assert_int_equal(lb_write(src, fd, &opts, &stats, &err), 0);
        close(fd);
        assert_int_equal(lb_source_open(out, &back, &err), 0);
        assert_string_equal(lb_source_arch(back), "aarch64");
        assert_int_equal(lb_kernel_open(back, &k, &err), 0);
        expect_phys(k, BLOCK_VA + 8, BLOCK_PHYS + 8);
        assert_int_equal(lb_kernel_vtop(k, HOLE_VA, &phys, &err), -1);
        lb_kernel_close(k);
        lb_source_close(back);
        lb_source_close(src);
        unlink(out);
    }
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arm64_walk_and_linear_map),
        cmocka_unit_test(arm64_registers),
        cmocka_unit_test(arm64_dump_keeps_its_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
