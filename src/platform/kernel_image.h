/*
 * kernel_image.h - a kernel image file as kexec_file_load(2) and 'estimate'
 * need it: an x86 bzImage, or an arm64 Image, plain or gzip-compressed (the
 * arm64 loader takes only a plain Image, so a compressed one is unpacked
 * into memory first).
 */
#ifndef LIFEBOAT_KERNEL_IMAGE_H
#define LIFEBOAT_KERNEL_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lbdump.h"

/*
 * Where the image of kernel release is, under root ("" for the system's /):
 * /boot/vmlinuz-RELEASE, else /usr/lib/modules/RELEASE/vmlinuz (Debian's
 * packages of Linux 7.x put it only there, and an installed system's hooks
 * link it into /boot), else /lib/modules/RELEASE/vmlinuz (a system whose /lib
 * is not /usr/lib).  0 with path, or -1 with err naming every place looked at.
 */
int kernel_image_find(const char *root, const char *release, char *path, size_t len,
                      struct lb_error *err);
/* The same for the running kernel (uname -r). */
int kernel_image_running(char *path, size_t len, struct lb_error *err);
/* The running kernel's release (uname's), "unknown" if it cannot be had; -1 then. */
int host_release(char *release, size_t len);

/* A descriptor of the image kexec_file_load takes; its size.  -1 with err. */
int kernel_image_open(const char *path, off_t *size, struct lb_error *err);
/*
 * The memory the kernel needs to start, from its header: a bzImage's
 * init_size, an arm64 Image's image_size.  *arch: "x86_64" or "arm64".
 */
int kernel_image_memory(const char *path, uint64_t *size, const char **arch, struct lb_error *err);

#endif
