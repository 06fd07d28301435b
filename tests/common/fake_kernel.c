/*
 * fake_kernel.c - a tiny crashed kernel for the tests and the fuzzers.
 *
 * 256 KiB of "kernel memory" mapped at the kernel image's address by real
 * x86_64 page tables, with VMCOREINFO carrying a real 6.1 kernel's structure
 * layout, or a real 7.3 kernel's (the byte at physical 0 says which shape).  Tests fill in what
 * they need (a kallsyms table, BTF, task lists) with the helpers below, the way the kernel lays
 * them out, so the engine's readers meet the same shapes they meet in a real dump.  The fuzzers
 * start from the same shapes, so mutations reach deep into each reader.
 */
#include <bpf/btf.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "fake_wgfs.h"
#include "synth.h"

#define FK "ffffffff80"

/* What VMCOREINFO says the same in both shapes (a real 6.1 kernel's values). */
#define VMCOREINFO_COMMON                                                                          \
    "PAGESIZE=4096\n"                                                                              \
    "CRASHTIME=1700000000\n"                                                                       \
    "NUMBER(phys_base)=0\n"                                                                        \
    "NUMBER(pgtable_l5_enabled)=0\n"                                                               \
    "SYMBOL(init_top_pgt)=" FK "001000\n"                                                          \
    "SYMBOL(prb)=" FK "002000\n"                                                                   \
    "SYMBOL(init_uts_ns)=" FK "003000\n"                                                           \
    "SYMBOL(_stext)=" FK "010000\n"                                                                \
    "SYMBOL(kallsyms_num_syms)=" FK "004000\n"                                                     \
    "SYMBOL(kallsyms_token_index)=" FK "004100\n"                                                  \
    "SYMBOL(kallsyms_token_table)=" FK "004400\n"                                                  \
    "SYMBOL(kallsyms_offsets)=" FK "008000\n"                                                      \
    "SYMBOL(kallsyms_names)=" FK "00c000\n"                                                        \
    "SYMBOL(mem_section)=" FK "020000\n"                                                           \
    "OFFSET(uts_namespace.name)=0\n"                                                               \
    "LENGTH(mem_section)=2048\n"                                                                   \
    "SIZE(mem_section)=16\n"                                                                       \
    "OFFSET(mem_section.section_mem_map)=0\n"                                                      \
    "NUMBER(SECTION_SIZE_BITS)=27\n"                                                               \
    "NUMBER(MAX_PHYSMEM_BITS)=46\n"                                                                \
    "SIZE(page)=64\n"                                                                              \
    "SIZE(pglist_data)=174208\n"                                                                   \
    "SIZE(zone)=1536\n"                                                                            \
    "SIZE(free_area)=88\n"                                                                         \
    "SIZE(list_head)=16\n"                                                                         \
    "SIZE(nodemask_t)=128\n"                                                                       \
    "OFFSET(page.flags)=0\n"                                                                       \
    "OFFSET(page._refcount)=52\n"                                                                  \
    "OFFSET(page.mapping)=24\n"                                                                    \
    "OFFSET(page.lru)=8\n"                                                                         \
    "OFFSET(page._mapcount)=48\n"                                                                  \
    "OFFSET(page.private)=40\n"                                                                    \
    "OFFSET(pglist_data.node_zones)=0\n"                                                           \
    "OFFSET(pglist_data.nr_zones)=171552\n"                                                        \
    "OFFSET(pglist_data.node_start_pfn)=171560\n"                                                  \
    "OFFSET(pglist_data.node_spanned_pages)=171576\n"                                              \
    "OFFSET(pglist_data.node_id)=171584\n"                                                         \
    "OFFSET(zone.free_area)=256\n"                                                                 \
    "OFFSET(zone.vm_stat)=1344\n"                                                                  \
    "OFFSET(zone.spanned_pages)=144\n"                                                             \
    "OFFSET(free_area.free_list)=0\n"                                                              \
    "OFFSET(list_head.next)=0\n"                                                                   \
    "OFFSET(list_head.prev)=8\n"                                                                   \
    "OFFSET(vmap_area.va_start)=0\n"                                                               \
    "OFFSET(vmap_area.list)=40\n"                                                                  \
    "LENGTH(zone.free_area)=11\n"                                                                  \
    "SIZE(printk_ringbuffer)=88\n"                                                                 \
    "OFFSET(printk_ringbuffer.desc_ring)=0\n"                                                      \
    "OFFSET(printk_ringbuffer.text_data_ring)=48\n"                                                \
    "OFFSET(printk_ringbuffer.fail)=80\n"                                                          \
    "SIZE(prb_desc_ring)=48\n"                                                                     \
    "OFFSET(prb_desc_ring.count_bits)=0\n"                                                         \
    "OFFSET(prb_desc_ring.descs)=8\n"                                                              \
    "OFFSET(prb_desc_ring.infos)=16\n"                                                             \
    "OFFSET(prb_desc_ring.head_id)=24\n"                                                           \
    "OFFSET(prb_desc_ring.tail_id)=32\n"                                                           \
    "SIZE(prb_desc)=24\n"                                                                          \
    "OFFSET(prb_desc.state_var)=0\n"                                                               \
    "OFFSET(prb_desc.text_blk_lpos)=8\n"                                                           \
    "SIZE(prb_data_blk_lpos)=16\n"                                                                 \
    "OFFSET(prb_data_blk_lpos.begin)=0\n"                                                          \
    "OFFSET(prb_data_blk_lpos.next)=8\n"                                                           \
    "OFFSET(printk_info.seq)=0\n"                                                                  \
    "OFFSET(printk_info.ts_nsec)=8\n"                                                              \
    "OFFSET(printk_info.text_len)=16\n"                                                            \
    "OFFSET(printk_info.caller_id)=20\n"                                                           \
    "SIZE(dev_printk_info)=64\n"                                                                   \
    "OFFSET(dev_printk_info.subsystem)=0\n"                                                        \
    "LENGTH(printk_info_subsystem)=16\n"                                                           \
    "OFFSET(dev_printk_info.device)=16\n"                                                          \
    "LENGTH(printk_info_device)=48\n"                                                              \
    "SIZE(prb_data_ring)=32\n"                                                                     \
    "OFFSET(prb_data_ring.size_bits)=0\n"                                                          \
    "OFFSET(prb_data_ring.data)=8\n"                                                               \
    "OFFSET(prb_data_ring.head_lpos)=16\n"                                                         \
    "OFFSET(prb_data_ring.tail_lpos)=24\n"                                                         \
    "SIZE(atomic_long_t)=8\n"                                                                      \
    "OFFSET(atomic_long_t.counter)=0\n"                                                            \
    "SIZE(latched_seq)=24\n"                                                                       \
    "OFFSET(latched_seq.val)=8\n"                                                                  \
    "LENGTH(free_area.free_list)=5\n"                                                              \
    "NUMBER(NR_FREE_PAGES)=0\n"                                                                    \
    "NUMBER(pgtable_l5_enabled)=0\n"                                                               \
    "LENGTH(node_data)=1024\n"                                                                     \
    "NUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"                                                       \
    "NUMBER(sme_mask)=0\n"

/* A real 6.1 kernel's: kallsyms from a base, compound_head, PG_slab, mapcount page types. */
const char fake_kernel_vmcoreinfo_6_1[] =
    "OSRELEASE=6.1.0-fuzz\n" VMCOREINFO_COMMON "SYMBOL(kallsyms_relative_base)=" FK "004008\n"
    "OFFSET(page.compound_dtor)=16\n"
    "OFFSET(page.compound_order)=17\n"
    "OFFSET(page.compound_head)=8\n"
    "SIZE(printk_info)=88\n"
    "OFFSET(printk_info.dev_info)=24\n"
    "NUMBER(PG_lru)=4\n"
    "NUMBER(PG_private)=13\n"
    "NUMBER(PG_swapcache)=10\n"
    "NUMBER(PG_swapbacked)=19\n"
    "NUMBER(PG_slab)=9\n"
    "NUMBER(PG_hwpoison)=22\n"
    "NUMBER(PG_head_mask)=65536\n"
    "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
    "NUMBER(HUGETLB_PAGE_DTOR)=2\n"
    "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n";

/*
 * A real 7.3 kernel's (Debian's 7.3.4 cloud kernel): no kallsyms_relative_base (the offsets
 * are relative to their own places), compound_info where compound_head was, no PG_slab,
 * page types in the top byte of page_type, printk_info grown.
 */
static const char vmcoreinfo_7_3[] =
    "OSRELEASE=7.3.0-fuzz\n" VMCOREINFO_COMMON "OFFSET(page.compound_info)=8\n"
    "NUMBER(PG_lru)=5\n"
    "NUMBER(PG_private)=14\n"
    "NUMBER(PG_swapcache)=10\n"
    "NUMBER(PG_swapbacked)=17\n"
    "NUMBER(PG_hwpoison)=21\n"
    "NUMBER(PG_head_mask)=64\n"
    "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\n"
    "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n"
    "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240\n"
    "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\n"
    "NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)=-150994944\n"
    "SIZE(printk_info)=112\n"
    "OFFSET(printk_info.dev_info)=44\n";

const char *fake_kernel_vmcoreinfo(const uint8_t *mem)
{
    return mem[FAKE_SHAPE_AT] == FAKE_LINUX_7_3 ? vmcoreinfo_7_3 : fake_kernel_vmcoreinfo_6_1;
}

static void put64(uint8_t *mem, uint64_t at, uint64_t v)
{
    memcpy(mem + at, &v, 8);
}

void fake_kernel_init(uint8_t *mem)
{
    fake_kernel_init_shape(mem, FAKE_LINUX_6_1);
}

void fake_kernel_init_shape(uint8_t *mem, enum fake_shape shape)
{
    memset(mem, 0, FAKE_KERNEL_MEM);
    mem[FAKE_SHAPE_AT] = (uint8_t)shape;
    /* 4-level tables: PGD at 0x1000, PUD at 0x5000, PMD at 0x6000; the image is one 2 MiB page */
    put64(mem, 0x1000 + 511 * 8, 0x5000 | 3);
    put64(mem, 0x5000 + 510 * 8, 0x6000 | 3);
    put64(mem, 0x6000, 0x83);
}

/*
 * The kernel's compressed symbol table, with one token per byte value so a
 * name is stored as its own bytes.  Symbols must come sorted by address.
 * Offsets are from kallsyms_relative_base (6.1), or each from its own place
 * in kallsyms_offsets (7.x, where there is no base).
 */
void fake_kernel_symbols(uint8_t *mem, const struct fake_symbol *syms, size_t n)
{
    uint32_t count = (uint32_t)n;
    uint64_t at = FAKE_NAMES;

    int place_relative = mem[FAKE_SHAPE_AT] == FAKE_LINUX_7_3;

    memcpy(mem + FAKE_NUM_SYMS, &count, 4);
    if (!place_relative)
        put64(mem, FAKE_RELATIVE_BASE, FAKE_KERNEL_VA);
    for (unsigned b = 1; b < 256; b++) {
        uint16_t index = (uint16_t)(2 * b);
        memcpy(mem + FAKE_TOKEN_INDEX + 2 * b, &index, 2);
        mem[FAKE_TOKEN_TABLE + 2 * b] = (uint8_t)b;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(syms[i].name) + 1;
        uint64_t from = place_relative ? FAKE_KERNEL_VA + FAKE_OFFSETS + 4 * i : FAKE_KERNEL_VA;
        int32_t off = (int32_t)(syms[i].addr - from);
        if (len > 127 || at + 1 + len > FAKE_NAMES_END)
            abort();
        mem[at] = (uint8_t)len;
        mem[at + 1] = 'T';
        memcpy(mem + at + 2, syms[i].name, len - 1);
        at += 1 + len;
        memcpy(mem + FAKE_OFFSETS + 4 * i, &off, 4);
    }
}

size_t fake_kernel_file(uint8_t *file, const uint8_t *mem)
{
    return fake_kernel_file_with(file, mem, fake_kernel_vmcoreinfo(mem));
}

size_t fake_kernel_file_with(uint8_t *file, const uint8_t *mem, const char *vmcoreinfo)
{
    uint8_t prstatus[336] = {0}, notes[8192];
    size_t nlen = 0;
    uint64_t rsp = FAKE_KERNEL_VA + FAKE_STACK, rip = FAKE_KERNEL_VA + 0x10010;

    memcpy(prstatus + 112 + 16 * 8, &rip, 8);
    memcpy(prstatus + 112 + 19 * 8, &rsp, 8);
    for (int cpu = 0; cpu < 2; cpu++)
        synth_note(notes, &nlen, sizeof(notes), "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
    synth_note(notes, &nlen, sizeof(notes), "VMCOREINFO", 0, vmcoreinfo, strlen(vmcoreinfo));

    Elf64_Ehdr eh = synth_core_header(2);
    Elf64_Phdr ph[2] = {{.p_type = PT_NOTE, .p_offset = 4096, .p_filesz = nlen},
                        {.p_type = PT_LOAD,
                         .p_offset = 16384,
                         .p_paddr = 0,
                         .p_filesz = FAKE_KERNEL_MEM,
                         .p_memsz = FAKE_KERNEL_MEM}};
    memset(file, 0, FAKE_KERNEL_FILE);
    memcpy(file, &eh, sizeof(eh));
    memcpy(file + sizeof(eh), ph, sizeof(ph));
    memcpy(file + 4096, notes, nlen);
    memcpy(file + 16384, mem, FAKE_KERNEL_MEM);
    return FAKE_KERNEL_FILE;
}

char *fake_kernel_core(const uint8_t *mem)
{
    return fake_kernel_core_with(mem, fake_kernel_vmcoreinfo(mem));
}

char *fake_kernel_core_with(const uint8_t *mem, const char *vmcoreinfo)
{
    static uint8_t file[FAKE_KERNEL_FILE];
    char *path = strdup("/tmp/lifeboat-fake-kernel-XXXXXX");
    int fd = path ? mkstemp(path) : -1;

    if (fd < 0)
        abort();
    fake_kernel_file_with(file, mem, vmcoreinfo);
    if (write(fd, file, sizeof(file)) != (ssize_t)sizeof(file))
        abort();
    close(fd);
    return path;
}

/* The BTF a kernel carries, cut down to the types the task walk reads. */
/*
 * The network's keys (redaction's keys class, fake_net.h): the crypto API's
 * transforms, IPsec's states in a network namespace, a TCP socket's tls
 * context (its IVs kmalloc'ed as before Linux 6.8, or arrays in it as since).
 */
static void crypto_types(struct btf *b, int u32, int ch, int vp)
{
    int lh = btf__find_by_name_kind(b, "list_head", BTF_KIND_STRUCT);
    int name = btf__add_array(b, u32, ch, 128);
    btf__add_struct(b, "crypto_alg", 160);
    btf__add_field(b, "cra_list", lh, 0, 0);
    btf__add_field(b, "cra_ctxsize", u32, 24 * 8, 0);
    btf__add_field(b, "cra_alignmask", u32, 28 * 8, 0);
    btf__add_field(b, "cra_name", name, 32 * 8, 0);
    int ctx = btf__add_array(b, u32, vp, 0);
    int tfm = btf__add_struct(b, "crypto_tfm", 32);
    btf__add_field(b, "__crt_alg", vp, 24 * 8, 0);
    btf__add_field(b, "__crt_ctx", ctx, 32 * 8, 0);
    btf__add_struct(b, "crypto_aead", 48);
    btf__add_field(b, "authsize", u32, 0, 0);
    btf__add_field(b, "base", tfm, 16 * 8, 0);
    btf__add_struct(b, "crypto_cipher", 32);
    btf__add_field(b, "base", tfm, 0, 0);
}

static void xfrm_types(struct btf *b, int u32, int u8, int ch, int vp)
{
    static const char *const algs[] = {"xfrm_algo", "xfrm_algo_auth", "xfrm_algo_aead"};
    int lh = btf__find_by_name_kind(b, "list_head", BTF_KIND_STRUCT);
    int name = btf__add_array(b, u32, ch, 64), key = btf__add_array(b, u32, ch, 0);
    int nx = btf__add_struct(b, "netns_xfrm", 64);
    btf__add_field(b, "state_all", lh, 16 * 8, 0);
    btf__add_struct(b, "net", 128);
    btf__add_field(b, "list", lh, 8 * 8, 0);
    btf__add_field(b, "xfrm", nx, 32 * 8, 0);
    btf__add_field(b, "dev_base_head", lh, 96 * 8, 0); /* (fake_wgfs.h) */
    int walk = btf__add_struct(b, "xfrm_state_walk", 24);
    btf__add_field(b, "all", lh, 0, 0);
    btf__add_field(b, "state", u8, 16 * 8, 0);
    btf__add_struct(b, "xfrm_state", 128);
    btf__add_field(b, "km", walk, 40 * 8, 0);
    btf__add_field(b, "aalg", vp, 72 * 8, 0);
    btf__add_field(b, "ealg", vp, 80 * 8, 0);
    btf__add_field(b, "aead", vp, 88 * 8, 0);
    btf__add_field(b, "data", vp, 96 * 8, 0);
    for (size_t i = 0; i < 3; i++) { /* the key after the name and one or two lengths */
        btf__add_struct(b, algs[i], i ? 72 : 68);
        btf__add_field(b, "alg_name", name, 0, 0);
        btf__add_field(b, "alg_key_len", u32, 64 * 8, 0);
        btf__add_field(b, "alg_key", key, (i ? 72 : 68) * 8, 0);
    }
}

static void tls_types(struct btf *b, int u16, int u32, int ch, int vp, int arrays)
{
    int sock = btf__find_by_name_kind(b, "sock", BTF_KIND_STRUCT);
    btf__add_struct(b, "inet_connection_sock", 160);
    btf__add_field(b, "icsk_inet", sock, 0, 0);
    btf__add_field(b, "icsk_ulp_ops", vp, 136 * 8, 0);
    btf__add_field(b, "icsk_ulp_data", vp, 144 * 8, 0);
    int ulp = btf__add_array(b, u32, ch, 16);
    btf__add_struct(b, "tcp_ulp_ops", 32);
    btf__add_field(b, "name", ulp, 16 * 8, 0);
    int prot = btf__add_struct(b, "tls_prot_info", 20);
    btf__add_field(b, "iv_size", u16, 10 * 8, 0);
    btf__add_field(b, "salt_size", u16, 12 * 8, 0);
    btf__add_field(b, "rec_seq_size", u16, 14 * 8, 0);
    int iv = arrays ? btf__add_array(b, u32, ch, 20) : vp,
        seq = arrays ? btf__add_array(b, u32, ch, 8) : vp;
    int cc = btf__add_struct(b, "cipher_context", arrays ? 28 : 16);
    btf__add_field(b, "iv", iv, 0, 0);
    btf__add_field(b, "rec_seq", seq, (arrays ? 20 : 8) * 8, 0);
    int crypto = btf__add_array(b, u32, ch, 56);
    btf__add_struct(b, "tls_context", 216);
    btf__add_field(b, "prot_info", prot, 0, 0);
    btf__add_field(b, "priv_ctx_tx", vp, 24 * 8, 0);
    btf__add_field(b, "priv_ctx_rx", vp, 32 * 8, 0);
    btf__add_field(b, "tx", cc, 40 * 8, 0);
    btf__add_field(b, "rx", cc, 72 * 8, 0);
    btf__add_field(b, "crypto_send", crypto, 104 * 8, 0);
    btf__add_field(b, "crypto_recv", crypto, 160 * 8, 0);
    btf__add_struct(b, "tls_sw_context_tx", 16);
    btf__add_field(b, "aead_send", vp, 8 * 8, 0);
    btf__add_struct(b, "tls_sw_context_rx", 16);
    btf__add_field(b, "aead_recv", vp, 0, 0);
}

static void net_types(struct btf *b, int arrays)
{
    int u8 = btf__find_by_name_kind(b, "u8", BTF_KIND_INT);
    int u16 = btf__find_by_name_kind(b, "short unsigned int", BTF_KIND_INT);
    int u32 = btf__find_by_name_kind(b, "unsigned int", BTF_KIND_INT);
    int ch = btf__find_by_name_kind(b, "char", BTF_KIND_INT);
    int vp = btf__add_ptr(b, 0);

    crypto_types(b, u32, ch, vp);
    xfrm_types(b, u32, u8, ch, vp);
    tls_types(b, u16, u32, ch, vp, arrays);
    fake_wgfs_types(b, arrays);
}

/*
 * SLUB's caches (redaction's redact_slab.c, fake_slab.h), hardened (kmem_cache.random): a
 * cache's per-CPU kmem_cache_cpu, its nodes' partial lists, struct slab with its counters'
 * bitfields as 6.1 has them; and 7.x's per-CPU sheaves and nodes' barns of full sheaves.
 */
static void slab_types(struct btf *b, int u32, int u64, int vp, int lh, unsigned flags)
{
    int oo = btf__add_struct(b, "kmem_cache_order_objects", 4);
    btf__add_field(b, "x", u32, 0, 0);
    int ptrs = btf__add_struct(b, "kmem_cache_per_node_ptrs", 16);
    btf__add_field(b, "barn", vp, 0, 0);
    btf__add_field(b, "node", vp, 8 * 8, 0);
    int per_node = btf__add_array(b, u32, ptrs, FAKE_SLAB_NODES / 2);
    int nodes = btf__add_array(b, u32, vp, FAKE_SLAB_NODES);
    btf__add_struct(b, "kmem_cache", 192 + 8 * FAKE_SLAB_NODES);
    btf__add_field(b, "cpu_slab", vp, 0, 0);
    btf__add_field(b, "cpu_sheaves", vp, 16 * 8, 0); /* 7.x's, beside cpu_slab in 6.18's */
    btf__add_field(b, "size", u32, 24 * 8, 0);
    btf__add_field(b, "object_size", u32, 28 * 8, 0);
    btf__add_field(b, "offset", u32, 40 * 8, 0);
    btf__add_field(b, "oo", oo, 52 * 8, 0);
    btf__add_field(b, "min", oo, 56 * 8, 0);
    btf__add_field(b, "red_left_pad", u32, 76 * 8, 0);
    btf__add_field(b, "name", vp, 96 * 8, 0);
    btf__add_field(b, "list", lh, 104 * 8, 0);
    if (!(flags & FAKE_SLAB_PLAIN))
        btf__add_field(b, "random", u64, 184 * 8, 0);
    if (flags & FAKE_SLAB_PER_NODE)
        btf__add_field(b, "per_node", per_node, 192 * 8, 0);
    else
        btf__add_field(b, "node", nodes, 192 * 8, 0);
    btf__add_struct(b, "kmem_cache_cpu", 32);
    btf__add_field(b, "freelist", vp, 0, 0);
    btf__add_field(b, "tid", u64, 8 * 8, 0);
    btf__add_field(b, "slab", vp, 16 * 8, 0);
    btf__add_field(b, "partial", vp, 24 * 8, 0);
    btf__add_struct(b, "kmem_cache_node", 64);
    btf__add_field(b, "nr_partial", u64, 8 * 8, 0);
    btf__add_field(b, "partial", lh, 16 * 8, 0);
    btf__add_field(b, "barn", vp, 40 * 8, 0);
    btf__add_struct(b, "node_barn", 48);
    btf__add_field(b, "sheaves_full", lh, 8 * 8, 0);
    btf__add_field(b, "sheaves_empty", lh, 24 * 8, 0);
    btf__add_struct(b, "slub_percpu_sheaves", 32);
    btf__add_field(b, "main", vp, 8 * 8, 0);
    btf__add_field(b, "spare", vp, 16 * 8, 0);
    btf__add_field(b, "rcu_free", vp, 24 * 8, 0);
    int objects = btf__add_array(b, u32, vp, 0);
    btf__add_struct(b, "slab_sheaf", 32);
    btf__add_field(b, "barn_list", lh, 0, 0);
    btf__add_field(b, "cache", vp, 16 * 8, 0);
    btf__add_field(b, "size", u32, 24 * 8, 0);
    btf__add_field(b, "objects", objects, 32 * 8, 0);
    int link = btf__add_union(b, NULL, 16); /* a node's list, or a CPU's partial slabs */
    btf__add_field(b, "slab_list", lh, 0, 0);
    btf__add_field(b, "next", vp, 0, 0);
    int counters = btf__add_struct(b, NULL, 4);
    btf__add_field(b, "inuse", u32, 0, 16);
    btf__add_field(b, "objects", u32, 16, 15);
    btf__add_field(b, "frozen", u32, 31, 1);
    btf__add_struct(b, "slab", 64);
    btf__add_field(b, NULL, link, 8 * 8, 0);
    btf__add_field(b, "slab_cache", vp, 24 * 8, 0);
    btf__add_field(b, "freelist", vp, 32 * 8, 0);
    btf__add_field(b, NULL, counters, 40 * 8, 0);
}

static size_t write_btf(uint8_t *mem, uint64_t at, unsigned flags)
{
    struct btf *b = btf__new_empty();
    const void *raw;
    uint32_t size;

    if (!b)
        abort();
    int u32 = btf__add_int(b, "unsigned int", 4, 0);
    int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    int ch = btf__add_int(b, "char", 1, BTF_INT_CHAR);
    int vp = btf__add_ptr(b, 0);
    int comm = btf__add_array(b, u32, ch, 16);
    int lh = btf__add_struct(b, "list_head", 16);
    btf__add_field(b, "next", vp, 0, 0);
    btf__add_field(b, "prev", vp, 64, 0);
    btf__add_struct(b, "signal_struct", 16);
    btf__add_field(b, "thread_head", lh, 0, 0);
    int u64 = btf__add_int(b, "long unsigned int", 8, 0);
    int thread = btf__add_struct(b, "thread_struct", 8);
    btf__add_field(b, "sp", u64, 0, 0);
    int u8 = btf__add_int(b, "u8", 1, 0); /* (a type added amid a struct's fields ends it) */
    int task = btf__add_struct(b, "task_struct", FAKE_TASK_SIZE);
    if (flags & FAKE_SELF_NESTED_BTF) /* anonymous members that are the struct itself */
        for (int i = 0; i < 8; i++)
            btf__add_field(b, NULL, task, 0, 0);
    btf__add_field(b, "tasks", lh, 0, 0);
    btf__add_field(b, "pid", i32, 16 * 8, 0);
    btf__add_field(b, "tgid", i32, 20 * 8, 0);
    btf__add_field(b, "comm", comm, 24 * 8, 0);
    btf__add_field(b, "signal", vp, 40 * 8, 0);
    btf__add_field(b, "thread_node", lh, 48 * 8, 0);
    btf__add_field(b, "real_parent", vp, 64 * 8, 0);
    btf__add_field(b, "__state", u32, 72 * 8, 0);
    /* what redaction reads of a task's stack (lib/kernel/redact_walk.c: dead stacks) */
    btf__add_field(b, "stack", vp, 80 * 8, 0);
    if (flags & FAKE_ON_CPU_U8) {
        btf__add_field(b, "on_cpu", u8, 88 * 8, 0);
        btf__add_field(b, "on_rq", u8, 89 * 8, 0);
    } else {
        btf__add_field(b, "on_cpu", i32, 88 * 8, 0);
    }
    btf__add_field(b, "thread", thread, 96 * 8, 0);
    btf__add_field(b, "files", vp, 104 * 8, 0);
    /* open files, their paths' names and UNIX sockets' (redaction's names class) */
    btf__add_struct(b, "files_struct", 16);
    btf__add_field(b, "fdt", vp, 8 * 8, 0);
    btf__add_struct(b, "fdtable", 16);
    btf__add_field(b, "max_fds", u32, 0, 0);
    btf__add_field(b, "fd", vp, 8 * 8, 0);
    int path = btf__add_struct(b, "path", 16);
    btf__add_field(b, "mnt", vp, 0, 0);
    btf__add_field(b, "dentry", vp, 8 * 8, 0);
    btf__add_struct(b, "file", 64);
    btf__add_field(b, "f_op", vp, 0, 0);
    btf__add_field(b, "f_path", path, 16 * 8, 0);
    btf__add_field(b, "private_data", vp, 32 * 8, 0);
    int qstr = btf__add_struct(b, "qstr", 16);
    btf__add_field(b, "len", u32, 4 * 8, 0);
    btf__add_field(b, "name", vp, 8 * 8, 0);
    btf__add_struct(b, "dentry", 96);
    btf__add_field(b, "d_parent", vp, 24 * 8, 0);
    btf__add_field(b, "d_name", qstr, 32 * 8, 0);
    btf__add_struct(b, "socket", 48);
    btf__add_field(b, "sk", vp, 24 * 8, 0);
    int u16 = btf__add_int(b, "short unsigned int", 2, 0);
    btf__add_struct(b, "sock_common", 136);
    btf__add_field(b, "skc_family", u16, 16 * 8, 0);
    btf__add_struct(b, "unix_sock", 128);
    btf__add_field(b, "addr", vp, 64 * 8, 0);
    btf__add_field(b, "path", path, 72 * 8, 0);
    int sun = btf__add_array(b, u32, ch, 0);
    btf__add_struct(b, "unix_address", 8);
    btf__add_field(b, "len", i32, 4 * 8, 0);
    btf__add_field(b, "name", sun, 8 * 8, 0);
    /* pipes, sockets' receive queues, ttys (redaction's user-data class) */
    btf__add_struct(b, "pipe_inode_info", 32);
    btf__add_field(b, "head", u32, 0, 0);
    btf__add_field(b, "tail", u32, 4 * 8, 0);
    btf__add_field(b, "ring_size", u32, 8 * 8, 0);
    btf__add_field(b, "bufs", vp, 16 * 8, 0);
    btf__add_field(b, "tmp_page", vp, 24 * 8, 0);
    btf__add_struct(b, "pipe_buffer", 40);
    btf__add_field(b, "page", vp, 0, 0);
    btf__add_struct(b, "sock", 128);
    btf__add_field(b, "sk_protocol", u16, 20 * 8, 0);
    btf__add_field(b, "sk_type", u16, 22 * 8, 0);
    btf__add_field(b, "sk_write_queue", lh, 24 * 8, 0);
    btf__add_field(b, "sk_error_queue", lh, 40 * 8, 0);
    btf__add_field(b, "tcp_rtx_queue", vp, 56 * 8, 0);
    btf__add_field(b, "sk_receive_queue", lh, 96 * 8, 0);
    btf__add_struct(b, "tcp_sock", 160);
    btf__add_field(b, "out_of_order_queue", vp, 152 * 8, 0);
    int rb = btf__add_struct(b, "rb_node", 16); /* (the kernel's has its parent first) */
    btf__add_field(b, "rb_right", vp, 0, 0);
    btf__add_field(b, "rb_left", vp, 8 * 8, 0);
    btf__add_struct(b, "sk_buff", 64);
    btf__add_field(b, "next", vp, 0, 0);
    btf__add_field(b, "rbnode", rb, 0, 0);
    btf__add_field(b, "head", vp, 16 * 8, 0);
    btf__add_field(b, "end", u32, 24 * 8, 0);
    btf__add_struct(b, "bio_vec", 16);
    btf__add_field(b, "bv_page", vp, 0, 0);
    btf__add_field(b, "bv_len", u32, 8 * 8, 0);
    btf__add_field(b, "bv_offset", u32, 12 * 8, 0);
    btf__add_struct(b, "skb_shared_info", 64);
    btf__add_field(b, "nr_frags", u8, 2 * 8, 0);
    btf__add_field(b, "frags", vp, 48 * 8, 0);
    btf__add_struct(b, "tty_file_private", 32);
    btf__add_field(b, "tty", vp, 0, 0);
    btf__add_struct(b, "tty_struct", 128);
    btf__add_field(b, "port", vp, 24 * 8, 0);
    btf__add_field(b, "ldisc", vp, 40 * 8, 0);
    btf__add_field(b, "link", vp, 64 * 8, 0);
    btf__add_field(b, "disc_data", vp, 72 * 8, 0);
    btf__add_field(b, "write_cnt", i32, 80 * 8, 0);
    btf__add_field(b, "write_buf", vp, 88 * 8, 0);
    int bufhead = btf__add_struct(b, "tty_bufhead", 32);
    btf__add_field(b, "head", vp, 0, 0);
    btf__add_field(b, "free", vp, 16 * 8, 0);
    btf__add_struct(b, "tty_port", 64);
    btf__add_field(b, "buf", bufhead, 8 * 8, 0);
    int tty_data = btf__add_array(b, u32, u8, 0);
    btf__add_struct(b, "tty_buffer", 32);
    btf__add_field(b, "next", vp, 0, 0);
    btf__add_field(b, "size", u32, 12 * 8, 0);
    btf__add_field(b, "flags", u8, 28 * 8, 0);
    btf__add_field(b, "data", tty_data, 32 * 8, 0);
    btf__add_struct(b, "tty_ldisc", 16);
    btf__add_field(b, "ops", vp, 0, 0);
    int line = btf__add_array(b, u32, u8, FAKE_N_TTY_BUF);
    btf__add_struct(b, "n_tty_data", 8 + 2 * FAKE_N_TTY_BUF);
    btf__add_field(b, "read_buf", line, 8 * 8, 0);
    btf__add_field(b, "echo_buf", line, (8 + FAKE_N_TTY_BUF) * 8, 0);
    /* the host's names (redaction's names class): init_uts_ns at FAKE_UTSNAME */
    int field = btf__add_array(b, u32, ch, 65);
    int uts = btf__add_struct(b, "new_utsname", 6 * 65);
    static const char *const uts_fields[] = {"sysname", "nodename", "release",
                                             "version", "machine",  "domainname"};
    for (int i = 0; i < 6; i++)
        btf__add_field(b, uts_fields[i], field, (uint32_t)(i * 65 * 8), 0);
    btf__add_struct(b, "uts_namespace", 6 * 65 + 2);
    btf__add_field(b, "name", uts, 0, 0);
    /* the per-CPU free lists (redaction's redact_pcp.c); struct page's list is VMCOREINFO's */
    int lists = btf__add_array(b, u32, lh, FAKE_PCP_LISTS);
    btf__add_struct(b, "per_cpu_pages", 32 + 16 * FAKE_PCP_LISTS);
    btf__add_field(b, "count", i32, 4 * 8, 0);
    btf__add_field(b, "lists", lists, 32 * 8, 0);
    int zone = btf__add_struct(b, "zone", 64);
    btf__add_field(b, "per_cpu_pageset", vp, 16 * 8, 0);
    int zones = btf__add_array(b, u32, zone, 2);
    btf__add_struct(b, "pglist_data", 128);
    btf__add_field(b, "node_zones", zones, 0, 0);
    btf__add_struct(b, "vm_struct", 64); /* cached_stacks' */
    btf__add_field(b, "addr", vp, 8 * 8, 0);
    btf__add_field(b, "size", u64, 16 * 8, 0);
    net_types(b, mem[FAKE_SHAPE_AT] == FAKE_LINUX_7_3);
    slab_types(b, u32, u64, vp, lh, flags);
    raw = btf__raw_data(b, &size);
    if (!raw || at + size > FAKE_TASKS)
        abort();
    memcpy(mem + at, raw, size);
    btf__free(b);
    return size;
}

/* One node whose two zones share their per_cpu_pages, of two CPUs, every list empty. */
static void free_lists(uint8_t *mem)
{
    put64(mem, FAKE_NODE + 16, FAKE_KERNEL_VA + FAKE_PCP);
    put64(mem, FAKE_NODE + 64 + 16, FAKE_KERNEL_VA + FAKE_PCP);
    put64(mem, FAKE_PCP_OFFSETS, 0);
    put64(mem, FAKE_PCP_OFFSETS + 8, FAKE_PCP_CPU);
    put64(mem, FAKE_VMEMMAP_BASE, FAKE_KERNEL_VA + FAKE_STRUCT_PAGES);
    for (uint64_t cpu = 0; cpu < 2; cpu++)
        for (uint64_t i = 0; i < FAKE_PCP_LISTS; i++) {
            uint64_t head = FAKE_PCP + cpu * FAKE_PCP_CPU + 32 + 16 * i;
            put64(mem, head, FAKE_KERNEL_VA + head);
            put64(mem, head + 8, FAKE_KERNEL_VA + head);
        }
}

void fake_kernel_tasks(uint8_t *mem, int ntasks, unsigned flags)
{
    uint64_t btf_size = write_btf(mem, FAKE_BTF, flags);
    const struct fake_symbol syms[] = {
        {"_stext", FAKE_KERNEL_VA + FAKE_STEXT},
        {"pipefifo_fops", FAKE_KERNEL_VA + FAKE_PIPE_FOPS},
        {"socket_file_ops", FAKE_KERNEL_VA + FAKE_SOCKET_FOPS},
        {"tty_fops", FAKE_KERNEL_VA + FAKE_TTY_FOPS},
        {"n_tty_ops", FAKE_KERNEL_VA + FAKE_N_TTY_OPS},
        {"_etext", FAKE_KERNEL_VA + FAKE_ETEXT},
        {"slab_caches", FAKE_KERNEL_VA + FAKE_SLAB_CACHES},
        {"page_offset_base", FAKE_KERNEL_VA + FAKE_PAGE_OFFSET_BASE},
        {"contig_page_data", FAKE_KERNEL_VA + FAKE_NODE},
        {"__per_cpu_offset", FAKE_KERNEL_VA + FAKE_PCP_OFFSETS},
        {"vmemmap_base", FAKE_KERNEL_VA + FAKE_VMEMMAP_BASE},
        {"cached_stacks", FAKE_KERNEL_VA + FAKE_CACHED_STACKS},
        {"__start_BTF", FAKE_KERNEL_VA + FAKE_BTF},
        {"__stop_BTF", FAKE_KERNEL_VA + FAKE_BTF + btf_size},
        {"init_task", FAKE_KERNEL_VA + FAKE_TASKS},
        {"panic_cpu", FAKE_KERNEL_VA + FAKE_PANIC_CPU},
        {"net_namespace_list", FAKE_KERNEL_VA + FAKE_NETS},
        {"super_blocks", FAKE_KERNEL_VA + FS_SUPERS}, /* (fake_wgfs.h) */
        {"blk_crypto_keyslots", FAKE_KERNEL_VA + FS_SLOTS_VAR},
        {"blk_crypto_num_keyslots", FAKE_KERNEL_VA + FS_SLOTS_VAR + 8},
    };

    if (ntasks < 1 || ntasks > FAKE_MAX_TASKS)
        abort();
    fake_kernel_symbols(mem, syms, sizeof(syms) / sizeof(syms[0]));
    free_lists(mem);
    put64(mem, FAKE_SLAB_CACHES, FAKE_KERNEL_VA + FAKE_SLAB_CACHES); /* no cache (fake_slab.h) */
    put64(mem, FAKE_SLAB_CACHES + 8, FAKE_KERNEL_VA + FAKE_SLAB_CACHES);
    put64(mem, FAKE_PAGE_OFFSET_BASE, FAKE_KERNEL_VA); /* the direct map is the image's map */
    put64(mem, FAKE_NETS, FAKE_KERNEL_VA + FAKE_NETS); /* no network namespace (fake_net.h) */
    put64(mem, FAKE_NETS + 8, FAKE_KERNEL_VA + FAKE_NETS);
    put64(mem, FS_SUPERS, FAKE_KERNEL_VA + FS_SUPERS); /* no super block (fake_wgfs.h) */
    for (int i = 0; i < ntasks; i++) {
        uint64_t task = FAKE_TASKS + (uint64_t)i * FAKE_TASK_SIZE;
        uint64_t next = FAKE_TASKS + (uint64_t)((i + 1) % ntasks) * FAKE_TASK_SIZE;
        uint64_t prev = FAKE_TASKS + (uint64_t)((i + ntasks - 1) % ntasks) * FAKE_TASK_SIZE;
        uint64_t signal = FAKE_SIGNALS + (uint64_t)i * 16;
        int32_t pid = i;
        if ((flags & FAKE_LOOP_TASKS) && i == ntasks - 1 && ntasks > 2)
            next = FAKE_TASKS + FAKE_TASK_SIZE; /* back to task 1: never to init_task */
        put64(mem, task, FAKE_KERNEL_VA + next);
        put64(mem, task + 8, FAKE_KERNEL_VA + prev);
        if ((flags & FAKE_BREAK_TASKS) && i == ntasks / 2)
            put64(mem, task, 0); /* a link freed mid-unlink, or read while it changed */
        memcpy(mem + task + 16, &pid, 4);
        memcpy(mem + task + 20, &pid, 4);
        snprintf((char *)mem + task + 24, 16, "task%d", i);
        put64(mem, task + 40, FAKE_KERNEL_VA + signal);
        put64(mem, task + 64, FAKE_KERNEL_VA + FAKE_TASKS);
        /* each process has one thread: itself */
        put64(mem, signal, FAKE_KERNEL_VA + task + 48);
        put64(mem, task + 48, FAKE_KERNEL_VA + ((flags & FAKE_LOOP_THREADS) ? task + 48 : signal));
    }
}

void fake_kernel_mem_map(uint8_t *mem)
{
    uint32_t allocated = 0xffffffffu, page_table = ~0x200u; /* _mapcount: -1; 6.1's PG_table */

    /* one SPARSEMEM_EXTREME root, one section (frames 0-32767), its struct pages coded */
    put64(mem, FAKE_MEM_SECTION, FAKE_KERNEL_VA + FAKE_SECTION_ROOT);
    put64(mem, FAKE_SECTION_ROOT, (FAKE_KERNEL_VA + FAKE_STRUCT_PAGES) | 2);
    memset(mem + FAKE_STRUCT_PAGES, 0, FAKE_KERNEL_MEM / 4096 * 64);
    /* As a real kernel leaves them: the image reserved, the PMD table allocated after boot
     * (typed), the panicking stack's pages allocated */
    for (uint64_t pfn = 0; pfn < FAKE_KERNEL_MEM / 4096; pfn++)
        put64(mem, FAKE_STRUCT_PAGES + 64 * pfn, 1ull << FAKE_PG_RESERVED);
    put64(mem, FAKE_STRUCT_PAGES + 64 * 6, 0);
    memcpy(mem + FAKE_STRUCT_PAGES + 64 * 6 + 48, &page_table, 4);
    for (uint64_t pfn = FAKE_STACK / 4096; pfn < (FAKE_STACK + 16384) / 4096; pfn++) {
        put64(mem, FAKE_STRUCT_PAGES + 64 * pfn, 0);
        memcpy(mem + FAKE_STRUCT_PAGES + 64 * pfn + 48, &allocated, 4);
    }
}
