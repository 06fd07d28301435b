/*
 * libbpf_btf_only.c - the static capture binary with libbpf's BTF parser
 * (btf.o) and without the rest of libbpf: the BPF object loader, USDT, CO-RE
 * relocation, the program generator and the kernel feature probes.
 *
 * lifeboat reads the crashed kernel's BTF and loads nothing into a kernel.
 * But btf.o and bpf.o (which btf.o calls to load a BTF into a kernel) log
 * through libbpf_print(), check results with libbpf_get_error() and ask
 * kernel_supports() about the running kernel, which Debian's libbpf.a
 * defines in libbpf.o, the loader: a static link pulls the loader in for
 * those three and carries 200 KB it never runs (DESIGN.md gives the capture
 * binary 1.5 MB).
 * Defining them here keeps libbpf.o out of the link.  The engine silences
 * libbpf (lib/kernel/btf_util.c: a damaged BTF is said in its own error), so
 * a print function that says nothing is what libbpf.o would do for it.
 * Only static builds link this; the others use libbpf as it is.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/* The last page of the address space: where libbpf's old API encoded -errno as a pointer. */
#define MAX_ERRNO 4095

void libbpf_print(enum libbpf_print_level level, const char *format, ...);

void libbpf_print(enum libbpf_print_level level, const char *format, ...)
{
    (void)level, (void)format; /* the engine set no print function: nothing is said */
}

libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn)
{
    (void)fn; /* only ever NULL from the engine: libbpf_print says nothing whatever it is */
    return NULL;
}

long libbpf_get_error(const void *ptr)
{
    if (ptr && (uintptr_t)ptr < (uintptr_t)-MAX_ERRNO)
        return 0;
    if (ptr) /* an error encoded in the pointer */
        errno = (int)-(intptr_t)ptr;
    return -errno; /* NULL: libbpf 1.x set errno when it failed */
}

/*
 * libbpf's probe of what the running kernel's BPF can do, asked only on the
 * way to loading into it (bpf.o), which lifeboat never takes: nothing.
 */
bool kernel_supports(const void *obj, int feature);

bool kernel_supports(const void *obj, int feature)
{
    (void)obj, (void)feature;
    return false;
}
