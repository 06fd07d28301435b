/*
 * cmd_exec.c - 'lifeboat exec KERNEL': reboot into KERNEL through kexec,
 * skipping the firmware.
 *
 * The kernel is loaded with kexec_file_load(2) (with the initrd that goes with
 * it and the running command line, unless told otherwise); then file systems
 * are synced and the kernel is asked to jump.  On a systemd machine prefer
 * 'systemctl kexec', which stops services first: this is for machines without
 * a service manager, and for the capture's own tests.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cmd/commands.h"

static void read_cmdline(char *buf, size_t len)
{
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

    if (n < 0)
        err(1, "/proc/cmdline");
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    close(fd);
}

int cmd_exec(int argc, char **argv)
{
    static const struct option longopts[] = {{"initrd", required_argument, NULL, 'i'},
                                             {"cmdline", required_argument, NULL, 'C'},
                                             {"append", required_argument, NULL, 'a'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *initrd = NULL, *cmdline = NULL, *append = NULL;
    char line[4096];
    int opt, kfd, ifd = -1;
    unsigned long flags = 0;

    while ((opt = getopt_long(argc, argv, "i:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'i':
            initrd = optarg;
            break;
        case 'C':
            cmdline = optarg;
            break;
        case 'a':
            append = optarg;
            break;
        default:
            fprintf(opt == 'h' ? stdout : stderr,
                    "usage: lifeboat exec [-i INITRD] [--cmdline TEXT] [--append TEXT] KERNEL\n");
            return opt == 'h' ? 0 : 2;
        }
    }
    if (optind + 1 != argc)
        errx(2, "usage: lifeboat exec [-i INITRD] [--cmdline TEXT] [--append TEXT] KERNEL");
    if (geteuid() != 0)
        errx(1, "rebooting through kexec needs root");
    if (!cmdline) {
        read_cmdline(line, sizeof(line));
        if (append && strlen(line) + strlen(append) + 2 < sizeof(line))
            strcat(strcat(line, " "), append);
        cmdline = line;
    }
    kfd = open(argv[optind], O_RDONLY | O_CLOEXEC);
    if (kfd < 0)
        err(1, "%s", argv[optind]);
    if (initrd && (ifd = open(initrd, O_RDONLY | O_CLOEXEC)) < 0)
        err(1, "%s", initrd);
    if (!initrd)
        flags |= 4; /* KEXEC_FILE_NO_INITRAMFS */
    if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline, flags) < 0)
        err(1, "kexec_file_load(%s)", argv[optind]);
    fprintf(stderr, "lifeboat: %s loaded; syncing and rebooting into it\n", argv[optind]);
    sync();
    reboot(RB_KEXEC);
    err(1, "reboot(RB_KEXEC)");
}
