/*
 * make_fake_kernel.c - writes seeds for the fuzzers from the tests' fake
 * kernel: "make_fake_kernel memory FILE" the 256 KiB of kernel memory that
 * fuzz_triage takes (symbols, BTF, 12 tasks, struct pages), "make_fake_kernel core FILE"
 * the whole ELF core around it, for fuzz_elf_source.
 */
#include <stdio.h>
#include <string.h>

#include "../common/fake_kernel.h"

int main(int argc, char **argv)
{
    static uint8_t mem[FAKE_KERNEL_MEM], file[FAKE_KERNEL_FILE];
    FILE *f;

    if (argc != 3 || (strcmp(argv[1], "memory") && strcmp(argv[1], "core"))) {
        fprintf(stderr, "usage: make_fake_kernel memory|core FILE\n");
        return 2;
    }
    fake_kernel_init(mem);
    fake_kernel_tasks(mem, 12, 0);
    fake_kernel_mem_map(mem); /* struct pages, for the classifier and its check */
    fake_kernel_file(file, mem);
    if (!(f = fopen(argv[2], "wb")))
        return 1;
    if (strcmp(argv[1], "memory") == 0)
        fwrite(mem, 1, sizeof(mem), f);
    else
        fwrite(file, 1, sizeof(file), f);
    return fclose(f) == 0 ? 0 : 1;
}
