/*
 * cmd_test.c - 'lifeboat test': crash this machine on purpose, to prove that
 * the whole chain (reservation, crash kernel, drivers, target) works.
 *
 * It refuses unless a crash kernel is loaded (a panic then would just hang or
 * reboot the machine with nothing saved), and asks the user to type the
 * host's name, as a deliberate act, unless --yes is given.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "commands.h"
#include "platform/kexec.h"

int cmd_test(int argc, char **argv)
{
    int yes = argc == 2 && strcmp(argv[1], "--yes") == 0;
    struct crash_reservation res;
    struct utsname u;
    char answer[128] = "";
    int fd;

    if (argc > 2 || (argc == 2 && !yes)) {
        int help = argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
        fprintf(help ? stdout : stderr, "usage: lifeboat test [--yes]\n"
                                        "Panics this machine now, to prove a crash is captured.\n");
        return help ? 0 : 2;
    }
    if (geteuid() != 0)
        errx(1, "crashing the machine needs root");
    if (crash_reservation_read(&res) < 0 || res.size == 0 || !res.loaded)
        errx(1, "no crash kernel is loaded: a crash now would save nothing ('lifeboat status')");
    uname(&u);
    if (!yes) {
        printf("This panics %s now; the crash kernel will save a dump and reboot.\n"
               "Type the host name (%s) to go on: ",
               u.nodename, u.nodename);
        fflush(stdout);
        if (!fgets(answer, sizeof(answer), stdin) ||
            strncmp(answer, u.nodename, strlen(u.nodename)) != 0 ||
            (answer[strlen(u.nodename)] != '\n' && answer[strlen(u.nodename)] != '\0'))
            errx(1, "not confirmed: nothing done");
    }
    sync();
    fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "c", 1) != 1)
        err(1, "/proc/sysrq-trigger");
    errx(1, "the kernel did not crash");
}
