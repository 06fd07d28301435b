/*
 * make_fake_kernel.c - writes seeds for the fuzzers from the tests' fake
 * kernel: "make_fake_kernel memory FILE" the 256 KiB of kernel memory that
 * fuzz_triage takes (symbols, BTF, 12 tasks, open files, IPsec states and a
 * kTLS socket, fscrypt's and WireGuard's keys, struct pages), "make_fake_kernel core
 * FILE" the whole ELF core around it, for fuzz_elf_source; with a third word
 * "7.3", the same of a Linux 7.3-shaped kernel (see fake_kernel.h);
 * "make_fake_kernel dm FILE" the memory of a kernel with device-mapper built
 * in and a dm-crypt volume (fake_dm.h), for fuzz_triage's dm-crypt walk, or
 * "dm-modules" with device-mapper and dm-crypt as modules;
 * "make_fake_kernel lvm FILE" (or lvm-wrap) an LVM physical volume for fuzz_lvm.
 */
#include <stdio.h>
#include <string.h>

#include "../common/fake_dm.h"
#include "../common/fake_files.h"
#include "../common/fake_kernel.h"
#include "../common/fake_net.h"
#include "../common/fake_wgfs.h"
#include "../common/fake_slab.h"
#include "../common/synth_lvm.h"

int main(int argc, char **argv)
{
    static uint8_t mem[FAKE_KERNEL_MEM], file[FAKE_KERNEL_FILE];
    FILE *f;

    if (argc == 3 && strncmp(argv[1], "lvm", 3) == 0) { /* "lvm" or "lvm-wrap": a PV */
        static uint8_t pv[SYNTH_LVM_IMAGE];
        synth_lvm_pv(pv, "0FdpBMDiDbniDKWYZ5Z1vz8PUy4eqIo7", "lbvg", 7, argv[1][3] == '-');
        if (!(f = fopen(argv[2], "wb")))
            return 1;
        fwrite(pv, 1, sizeof(pv), f);
        return fclose(f) == 0 ? 0 : 1;
    }
    if (argc == 3 && strncmp(argv[1], "dm", 2) == 0) { /* "dm" built in, "dm-modules" */
        fake_kernel_init(mem);
        if (strcmp(argv[1], "dm-modules") == 0)
            fake_kernel_dm_modules(mem);
        else
            fake_kernel_dm(mem);
        if (!(f = fopen(argv[2], "wb")))
            return 1;
        fwrite(mem, 1, sizeof(mem), f);
        return fclose(f) == 0 ? 0 : 1;
    }
    if (argc < 3 || argc > 4 || (strcmp(argv[1], "memory") && strcmp(argv[1], "core")) ||
        (argc == 4 && strcmp(argv[3], "7.3"))) {
        fprintf(stderr, "usage: make_fake_kernel memory|core FILE [7.3] | dm|dm-modules FILE | "
                        "lvm|lvm-wrap FILE\n");
        return 2;
    }
    fake_kernel_init_shape(mem, argc == 4 ? FAKE_LINUX_7_3 : FAKE_LINUX_6_1);
    fake_kernel_tasks(mem, 12, 0);
    fake_kernel_files(mem);   /* open files, a UNIX socket, a tty pair: redaction's walks */
    fake_kernel_net(mem);     /* IPsec states, a kTLS socket: the keys class's network walks */
    fake_kernel_wgfs(mem);    /* fscrypt keys, blk-crypto-fallback's, a WireGuard interface */
    fake_kernel_mem_map(mem); /* struct pages, for the classifier and its check */
    fake_kernel_slab(mem);    /* a SLUB cache's free objects: the walk of freed slab objects */
    fake_kernel_slab_sheaves(mem);
    fake_kernel_file(file, mem);
    if (!(f = fopen(argv[2], "wb")))
        return 1;
    if (strcmp(argv[1], "memory") == 0)
        fwrite(mem, 1, sizeof(mem), f);
    else
        fwrite(file, 1, sizeof(file), f);
    return fclose(f) == 0 ? 0 : 1;
}
