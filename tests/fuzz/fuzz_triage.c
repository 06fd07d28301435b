/*
 * fuzz_triage.c - libFuzzer target: the fuzzer's bytes as the memory of a
 * crashed kernel, read by the triage (printk ring, kallsyms, page tables,
 * task lists) and the page classifier.
 *
 * The dump around the bytes is fixed: VMCOREINFO with a real 6.1 kernel's
 * structure layout, whose symbols all point into the fuzzed memory through
 * the kernel-image mapping, and two CPUs' registers.  So every pointer the
 * readers follow, every count and every length they trust comes from the
 * fuzzer.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lbdump.h"

#define MEM (256 << 10)
#define K   "ffffffff80"

static const char vmcoreinfo[] = "OSRELEASE=6.1.0-fuzz\n"
                                 "PAGESIZE=4096\n"
                                 "CRASHTIME=1700000000\n"
                                 "NUMBER(phys_base)=0\n"
                                 "NUMBER(pgtable_l5_enabled)=0\n"
                                 "SYMBOL(init_top_pgt)=" K "001000\n"
                                 "SYMBOL(prb)=" K "002000\n"
                                 "SYMBOL(init_uts_ns)=" K "003000\n"
                                 "SYMBOL(_stext)=" K "010000\n"
                                 "SYMBOL(kallsyms_num_syms)=" K "004000\n"
                                 "SYMBOL(kallsyms_relative_base)=" K "004008\n"
                                 "SYMBOL(kallsyms_token_index)=" K "004100\n"
                                 "SYMBOL(kallsyms_token_table)=" K "004400\n"
                                 "SYMBOL(kallsyms_offsets)=" K "008000\n"
                                 "SYMBOL(kallsyms_names)=" K "00c000\n"
                                 "SYMBOL(mem_section)=" K "020000\n"
                                 "OFFSET(uts_namespace.name)=0\n"
                                 "LENGTH(mem_section)=2048\n"
                                 "SIZE(mem_section)=16\n"
                                 "OFFSET(mem_section.section_mem_map)=0\n"
                                 "NUMBER(SECTION_SIZE_BITS)=27\n"
                                 "NUMBER(MAX_PHYSMEM_BITS)=46\n"
                                 "SIZE(page)=64\n"
                                 "SIZE(pglist_data)=174208\n"
                                 "SIZE(zone)=1536\n"
                                 "SIZE(free_area)=88\n"
                                 "SIZE(list_head)=16\n"
                                 "SIZE(nodemask_t)=128\n"
                                 "OFFSET(page.flags)=0\n"
                                 "OFFSET(page._refcount)=52\n"
                                 "OFFSET(page.mapping)=24\n"
                                 "OFFSET(page.lru)=8\n"
                                 "OFFSET(page._mapcount)=48\n"
                                 "OFFSET(page.private)=40\n"
                                 "OFFSET(page.compound_dtor)=16\n"
                                 "OFFSET(page.compound_order)=17\n"
                                 "OFFSET(page.compound_head)=8\n"
                                 "OFFSET(pglist_data.node_zones)=0\n"
                                 "OFFSET(pglist_data.nr_zones)=171552\n"
                                 "OFFSET(pglist_data.node_start_pfn)=171560\n"
                                 "OFFSET(pglist_data.node_spanned_pages)=171576\n"
                                 "OFFSET(pglist_data.node_id)=171584\n"
                                 "OFFSET(zone.free_area)=256\n"
                                 "OFFSET(zone.vm_stat)=1344\n"
                                 "OFFSET(zone.spanned_pages)=144\n"
                                 "OFFSET(free_area.free_list)=0\n"
                                 "OFFSET(list_head.next)=0\n"
                                 "OFFSET(list_head.prev)=8\n"
                                 "OFFSET(vmap_area.va_start)=0\n"
                                 "OFFSET(vmap_area.list)=40\n"
                                 "LENGTH(zone.free_area)=11\n"
                                 "SIZE(printk_ringbuffer)=88\n"
                                 "OFFSET(printk_ringbuffer.desc_ring)=0\n"
                                 "OFFSET(printk_ringbuffer.text_data_ring)=48\n"
                                 "OFFSET(printk_ringbuffer.fail)=80\n"
                                 "SIZE(prb_desc_ring)=48\n"
                                 "OFFSET(prb_desc_ring.count_bits)=0\n"
                                 "OFFSET(prb_desc_ring.descs)=8\n"
                                 "OFFSET(prb_desc_ring.infos)=16\n"
                                 "OFFSET(prb_desc_ring.head_id)=24\n"
                                 "OFFSET(prb_desc_ring.tail_id)=32\n"
                                 "SIZE(prb_desc)=24\n"
                                 "OFFSET(prb_desc.state_var)=0\n"
                                 "OFFSET(prb_desc.text_blk_lpos)=8\n"
                                 "SIZE(prb_data_blk_lpos)=16\n"
                                 "OFFSET(prb_data_blk_lpos.begin)=0\n"
                                 "OFFSET(prb_data_blk_lpos.next)=8\n"
                                 "SIZE(printk_info)=88\n"
                                 "OFFSET(printk_info.seq)=0\n"
                                 "OFFSET(printk_info.ts_nsec)=8\n"
                                 "OFFSET(printk_info.text_len)=16\n"
                                 "OFFSET(printk_info.caller_id)=20\n"
                                 "OFFSET(printk_info.dev_info)=24\n"
                                 "SIZE(dev_printk_info)=64\n"
                                 "OFFSET(dev_printk_info.subsystem)=0\n"
                                 "LENGTH(printk_info_subsystem)=16\n"
                                 "OFFSET(dev_printk_info.device)=16\n"
                                 "LENGTH(printk_info_device)=48\n"
                                 "SIZE(prb_data_ring)=32\n"
                                 "OFFSET(prb_data_ring.size_bits)=0\n"
                                 "OFFSET(prb_data_ring.data)=8\n"
                                 "OFFSET(prb_data_ring.head_lpos)=16\n"
                                 "OFFSET(prb_data_ring.tail_lpos)=24\n"
                                 "SIZE(atomic_long_t)=8\n"
                                 "OFFSET(atomic_long_t.counter)=0\n"
                                 "SIZE(latched_seq)=24\n"
                                 "OFFSET(latched_seq.val)=8\n"
                                 "LENGTH(free_area.free_list)=5\n"
                                 "NUMBER(NR_FREE_PAGES)=0\n"
                                 "NUMBER(PG_lru)=4\n"
                                 "NUMBER(PG_private)=13\n"
                                 "NUMBER(PG_swapcache)=10\n"
                                 "NUMBER(PG_swapbacked)=19\n"
                                 "NUMBER(PG_slab)=9\n"
                                 "NUMBER(PG_head_mask)=65536\n"
                                 "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
                                 "NUMBER(HUGETLB_PAGE_DTOR)=2\n"
                                 "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n"
                                 "NUMBER(pgtable_l5_enabled)=0\n"
                                 "LENGTH(node_data)=1024\n"
                                 "NUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"
                                 "NUMBER(sme_mask)=0\n";

static size_t note(uint8_t *buf, size_t at, const char *name, uint32_t type, const void *desc,
                   size_t len)
{
    Elf64_Nhdr h = {(Elf64_Word)(strlen(name) + 1), (Elf64_Word)len, type};
    size_t np = (h.n_namesz + 3) & ~3u, dp = (len + 3) & ~(size_t)3;

    memcpy(buf + at, &h, sizeof(h));
    memset(buf + at + sizeof(h), 0, np + dp);
    memcpy(buf + at + sizeof(h), name, h.n_namesz);
    memcpy(buf + at + sizeof(h) + np, desc, len);
    return at + sizeof(h) + np + dp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static uint8_t file[MEM + 16384];
    uint8_t prstatus[336] = {0}, notes[8192];
    size_t nlen = 0;
    uint64_t rsp = 0xffffffff80030000ull, rip = 0xffffffff80010010ull;
    struct lb_source *src;
    struct lb_error err;
    char path[64];

    if (fd < 0)
        fd = memfd_create("fuzz-triage", 0);
    memcpy(prstatus + 112 + 16 * 8, &rip, 8);
    memcpy(prstatus + 112 + 19 * 8, &rsp, 8);
    nlen = note(notes, nlen, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
    nlen = note(notes, nlen, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
    nlen = note(notes, nlen, "VMCOREINFO", 0, vmcoreinfo, sizeof(vmcoreinfo) - 1);

    Elf64_Ehdr eh = {
        .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
        .e_type = ET_CORE,
        .e_machine = EM_X86_64,
        .e_version = EV_CURRENT,
        .e_phoff = sizeof(Elf64_Ehdr),
        .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr),
        .e_phnum = 2};
    Elf64_Phdr ph[2] = {
        {.p_type = PT_NOTE, .p_offset = 4096, .p_filesz = nlen},
        {.p_type = PT_LOAD, .p_offset = 16384, .p_paddr = 0, .p_filesz = MEM, .p_memsz = MEM}};
    memset(file, 0, sizeof(file));
    memcpy(file, &eh, sizeof(eh));
    memcpy(file + sizeof(eh), ph, sizeof(ph));
    memcpy(file + 4096, notes, nlen);
    memcpy(file + 16384, data, size < MEM ? size : MEM);
    if (ftruncate(fd, 0) < 0 || pwrite(fd, file, sizeof(file), 0) != (ssize_t)sizeof(file))
        return 0;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (lb_source_open(path, &src, &err) < 0)
        return 0;

    struct lb_triage t;
    lb_triage(src, &t);
    lb_triage_free(&t);

    struct lb_kernel *k;
    if (lb_kernel_open(src, &k, &err) == 0) {
        struct lb_classifier *c;
        if (lb_classifier_open(k, 31, &c, &err) == 0) {
            uint8_t cls[64];
            lb_classify(c, 0, sizeof(cls), cls);
            lb_classifier_close(c);
        }
        lb_kernel_close(k);
    }
    lb_source_close(src);
    return 0;
}
