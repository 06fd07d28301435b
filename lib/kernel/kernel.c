/*
 * kernel.c - the crashed kernel's virtual memory, for reading its structures.
 *
 * Kernel structures (the printk ring, mem_map, task lists) are reached
 * through kernel virtual addresses.  How those map to physical memory is the
 * architecture's (arch/): a direct translation where the kernel has one (the
 * kernel image on x86_64, the linear map on arm64), else a walk of the page
 * tables the crashed kernel left, which works for every dump format,
 * including those that carry no virtual addresses.  Every entry read is from
 * the crashed machine: a bad one ends that translation with an error, never
 * the dump.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "source/source.h"

int lb_kernel_need_u64(const struct lb_vmcoreinfo *info, const char *key, int base, uint64_t *v,
                       struct lb_error *err)
{
    if (lb_vmcoreinfo_get_u64(info, key, base, v) == 0)
        return 0;
    lb_error_setk(err, LB_ERR_NO_DATA, "VMCOREINFO lacks %s (or it is not a number)", key);
    return -1;
}

int lb_kernel_open(struct lb_source *src, struct lb_kernel **out, struct lb_error *err)
{
    struct lb_kernel *k = calloc(1, sizeof(*k));
    const uint8_t *notes;
    size_t len;

    if (!k) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    k->src = src;
    k->arch = src->arch;
    if (!(k->arch_state = calloc(1, k->arch->state_size ? k->arch->state_size : 1))) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        lb_kernel_close(k);
        return -1;
    }
    notes = lb_source_notes(src, &len);
    if (lb_vmcoreinfo_from_notes(notes, len, &k->info, err) < 0 ||
        k->arch->kernel_open(k, err) < 0) {
        lb_kernel_close(k);
        return -1;
    }
    *out = k;
    return 0;
}

void lb_kernel_close(struct lb_kernel *k)
{
    if (!k)
        return;
    lb_vmcoreinfo_free(k->info);
    free(k->arch_state);
    free(k);
}

struct lb_kernel *lb_kernel_view(const struct lb_kernel *k)
{
    struct lb_kernel *view = malloc(sizeof(*view));

    if (!view)
        return NULL;
    *view = *k; /* its dictionary and the architecture's state are shared, read only */
    if (!(view->src = lb_source_view(k->src))) {
        free(view);
        return NULL;
    }
    return view;
}

void lb_kernel_view_close(struct lb_kernel *view)
{
    if (!view)
        return;
    lb_source_view_close(view->src);
    free(view);
}

const struct lb_vmcoreinfo *lb_kernel_vmcoreinfo(const struct lb_kernel *k)
{
    return k->info;
}

struct lb_source *lb_kernel_source(const struct lb_kernel *k)
{
    return k->src;
}

enum { READ_RUN = 256 << 10 }; /* bytes read at once at most (see lb_kernel_read) */

int lb_kernel_vtop(struct lb_kernel *k, uint64_t vaddr, uint64_t *phys, struct lb_error *err)
{
    return k->arch->vtop(k, vaddr, phys, err);
}

/*
 * Pages that follow each other physically as well (the vmemmap's struct
 * pages, in 2 MiB pieces) are read with one call: a page at a time, the
 * classifier made 32,000 reads of a 4 GiB machine's struct pages.
 */
int lb_kernel_read(struct lb_kernel *k, uint64_t vaddr, void *buf, size_t len, struct lb_error *err)
{
    uint8_t *p = buf;

    while (len > 0) {
        uint64_t phys, next, in_page = 4096 - (vaddr & 4095);
        size_t chunk = len < in_page ? len : (size_t)in_page;

        if (k->arch->direct(k, vaddr, &phys) < 0 && k->arch->vtop(k, vaddr, &phys, err) < 0)
            return -1;
        /* Extend over whole pages while the next one is the next frame. */
        while (chunk < len && chunk < READ_RUN && (phys + chunk) % 4096 == 0) {
            size_t more = len - chunk < 4096 ? len - chunk : 4096;
            struct lb_error ignored;
            if ((k->arch->direct(k, vaddr + chunk, &next) < 0 &&
                 k->arch->vtop(k, vaddr + chunk, &next, &ignored) < 0) ||
                next != phys + chunk)
                break;
            chunk += more;
        }
        if (lb_source_read_phys(k->src, phys, p, chunk, err) < 0)
            return -1;
        p += chunk;
        vaddr += chunk;
        len -= chunk;
    }
    return 0;
}

/*
 * The kernel image's mapping.  An ELF dump needs it as a PT_LOAD with virtual
 * addresses for gdb and vmcore-dmesg, which look kernel symbols up by
 * virtual address.
 */
int lb_kernel_image(struct lb_kernel *k, uint64_t *virt, uint64_t *phys, uint64_t *size)
{
    return k->arch->image(k, virt, phys, size);
}

/* Where the linear (direct) map of physical memory starts. */
int lb_kernel_page_offset(struct lb_kernel *k, uint64_t *page_offset)
{
    return k->arch->page_offset(k, page_offset);
}
