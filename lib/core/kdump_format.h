/*
 * kdump_format.h - the kdump-compressed ("diskdump") file layout, as
 * makedumpfile writes it and crash, libkdumpfile and makedumpfile read it
 * (makedumpfile's IMPLEMENTATION and crash's diskdump.h describe it).
 *
 *   block 0                  disk_dump_header
 *   block 1..                kdump_sub_header, VMCOREINFO, ELF notes
 *   bitmap_blocks / 2        1st bitmap: a bit per frame present in memory
 *   bitmap_blocks / 2        2nd bitmap: a bit per frame saved in the dump
 *   pd table                 one page_desc per saved frame, in frame order
 *   page data                each page raw or compressed
 *
 * Bits are little-endian within bytes; a block is one page.  Fields are
 * defined with fixed-width types and explicit padding so the layout is the
 * x86_64 one whatever compiles this.
 */
#ifndef LBDUMP_KDUMP_FORMAT_H
#define LBDUMP_KDUMP_FORMAT_H

#include <stdint.h>

#define KDUMP_SIGNATURE      "KDUMP   "
#define KDUMP_HEADER_VERSION 6

/* page_desc.flags and disk_dump_header.status */
#define KDUMP_ZLIB       0x1
#define KDUMP_LZO        0x2
#define KDUMP_SNAPPY     0x4
#define KDUMP_INCOMPLETE 0x8 /* status only: the dump was cut short */
#define KDUMP_ZSTD       0x20

struct kdump_header {
    char signature[8];
    int32_t header_version;
    char utsname[6][65]; /* sysname, nodename, release, version, machine, domainname */
    uint8_t pad0[6];
    int64_t timestamp_sec;
    int64_t timestamp_usec;
    uint32_t status;
    int32_t block_size;
    int32_t sub_hdr_size; /* blocks */
    uint32_t bitmap_blocks;
    uint32_t max_mapnr; /* 32-bit, obsolete: see max_mapnr_64 */
    uint32_t total_ram_blocks;
    uint32_t device_blocks;
    uint32_t written_blocks;
    uint32_t current_cpu;
    int32_t nr_cpus;
};

struct kdump_sub_header {
    uint64_t phys_base;
    int32_t dump_level;
    int32_t split;
    uint64_t start_pfn;
    uint64_t end_pfn;
    uint64_t offset_vmcoreinfo;
    uint64_t size_vmcoreinfo;
    uint64_t offset_note;
    uint64_t size_note;
    uint64_t offset_eraseinfo;
    uint64_t size_eraseinfo;
    uint64_t start_pfn_64;
    uint64_t end_pfn_64;
    uint64_t max_mapnr_64;
};

struct kdump_page_desc {
    uint64_t offset; /* of the page's data in the file */
    uint32_t size;   /* bytes of data */
    uint32_t flags;  /* codec, or 0 for raw */
    uint64_t page_flags;
};

_Static_assert(sizeof(struct kdump_header) == 464, "disk_dump_header is 464 bytes on x86_64");
_Static_assert(sizeof(struct kdump_sub_header) == 104, "kdump_sub_header is 104 bytes");
_Static_assert(sizeof(struct kdump_page_desc) == 24, "page_desc is 24 bytes");

#endif
