/*
 * synth.c - synthetic ELF vmcores for the unit tests, and the ELF pieces the
 * fake kernel (fake_kernel.c) is built from.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "synth.h"

void synth_note(uint8_t *buf, size_t *len, size_t cap, const char *name, uint32_t type,
                const void *desc, size_t desc_len)
{
    Elf64_Nhdr h = {(Elf64_Word)(strlen(name) + 1), (Elf64_Word)desc_len, type};
    size_t name_pad = (h.n_namesz + 3) & ~3u, desc_pad = (desc_len + 3) & ~(size_t)3;

    if (*len + sizeof(h) + name_pad + desc_pad > cap)
        abort();
    memcpy(buf + *len, &h, sizeof(h));
    memset(buf + *len + sizeof(h), 0, name_pad + desc_pad);
    memcpy(buf + *len + sizeof(h), name, h.n_namesz);
    memcpy(buf + *len + sizeof(h) + name_pad, desc, desc_len);
    *len += sizeof(h) + name_pad + desc_pad;
}

size_t synth_kernel_notes(uint8_t *buf, size_t cap, const char *vmcoreinfo, int ncpus)
{
    size_t len = 0;

    for (int cpu = 0; cpu < ncpus; cpu++) {
        uint8_t prstatus[336] = {0};
        uint32_t pid = 100 + (uint32_t)cpu;
        uint64_t rip = 0x1000 + (uint64_t)cpu;
        memcpy(prstatus + 32, &pid, 4);
        memcpy(prstatus + 112 + 16 * 8, &rip, 8);
        synth_note(buf, &len, cap, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
    }
    if (vmcoreinfo)
        synth_note(buf, &len, cap, "VMCOREINFO", 0, vmcoreinfo, strlen(vmcoreinfo));
    return len;
}

uint8_t synth_byte(uint64_t a)
{
    if ((a >> 12) % 4 == 3)
        return 0;
    return (uint8_t)(a * 7 + (a >> 12) + 1) | 1;
}

Elf64_Ehdr synth_core_header(size_t phnum)
{
    Elf64_Ehdr eh = {
        .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
        .e_type = ET_CORE,
        .e_machine = EM_X86_64,
        .e_version = EV_CURRENT,
        .e_phoff = sizeof(Elf64_Ehdr),
        .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr),
        .e_phnum = (Elf64_Half)phnum};
    return eh;
}

char *synth_core(const struct synth_segment *segs, size_t nsegs, const uint8_t *notes,
                 size_t notes_len)
{
    char *path = strdup("/tmp/lifeboat-synth-XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w+");
    Elf64_Ehdr eh = synth_core_header(nsegs + 1);
    uint64_t at = sizeof(eh) + (nsegs + 1) * sizeof(Elf64_Phdr);
    Elf64_Phdr note = {.p_type = PT_NOTE, .p_offset = at, .p_filesz = notes_len};

    if (!f)
        abort();
    fwrite(&eh, sizeof(eh), 1, f);
    fwrite(&note, sizeof(note), 1, f);
    at = (at + notes_len + 4095) & ~4095ull;
    for (size_t i = 0; i < nsegs; i++) {
        uint64_t fsz = segs[i].file_size ? segs[i].file_size : segs[i].size;
        Elf64_Phdr ph = {.p_type = PT_LOAD,
                         .p_offset = at,
                         .p_paddr = segs[i].phys,
                         .p_vaddr = 0xffff888000000000ull + segs[i].phys,
                         .p_filesz = fsz,
                         .p_memsz = segs[i].size};
        fwrite(&ph, sizeof(ph), 1, f);
        at += fsz;
    }
    fwrite(notes, 1, notes_len, f);
    at = (sizeof(eh) + (nsegs + 1) * sizeof(Elf64_Phdr) + notes_len + 4095) & ~4095ull;
    for (size_t i = 0; i < nsegs; i++) {
        uint64_t fsz = segs[i].file_size ? segs[i].file_size : segs[i].size;
        fseek(f, (long)at, SEEK_SET);
        for (uint64_t b = 0; b < fsz; b++)
            fputc(synth_byte(segs[i].phys + b), f);
        at += fsz;
    }
    fclose(f);
    return path;
}
