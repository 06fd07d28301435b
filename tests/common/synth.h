/*
 * synth.h - builds small ELF vmcores for the unit tests: a few segments of
 * known content and the notes a kernel would leave.
 */
#ifndef LIFEBOAT_TEST_SYNTH_H
#define LIFEBOAT_TEST_SYNTH_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

struct synth_segment {
    uint64_t phys;
    uint64_t size;      /* bytes of memory */
    uint64_t file_size; /* bytes in the file; 0 means size */
};

/* Appends an ELF note to buf (at *len, capacity cap). */
void synth_note(uint8_t *buf, size_t *len, size_t cap, const char *name, uint32_t type,
                const void *desc, size_t desc_len);
/* Notes holding VMCOREINFO text and ncpus NT_PRSTATUS with rip = 0x1000 + cpu. */
size_t synth_kernel_notes(uint8_t *buf, size_t cap, const char *vmcoreinfo, int ncpus);

/* Byte at physical address a of the synthetic memory (zero pages where (a >> 12) % 4 == 3). */
uint8_t synth_byte(uint64_t a);

/* The header of an x86_64 ELF core whose phnum program headers follow it. */
Elf64_Ehdr synth_core_header(size_t phnum);

/* Writes an ELF core to a new temporary file; returns its path (free it). */
char *synth_core(const struct synth_segment *segs, size_t nsegs, const uint8_t *notes,
                 size_t notes_len);

#endif
