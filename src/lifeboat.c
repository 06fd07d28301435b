/*
 * lifeboat.c - the entry point: one binary, many commands.
 *
 * Each command lives in its own cmd_*.c and is listed once in the table
 * below.  Started as /init (of the capture initramfs), the binary is the
 * capture and nothing else: there is no shell and no one to type.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "platform/network_build.h"

#ifndef LIFEBOAT_VERSION
#define LIFEBOAT_VERSION "unknown"
#endif

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"load", cmd_load, "load the crash kernel and capture initramfs (kexec_file_load)"},
    {"unload", cmd_unload, "unload the crash kernel"},
    {"status", cmd_status, "show the crashkernel= reservation and whether a crash is captured"},
    {"initramfs", cmd_initramfs, "write the capture initramfs to a file"},
    {"config", cmd_config, "check the configuration: 'lifeboat config check'"},
    {"estimate", cmd_estimate, "how much crashkernel= this machine needs, from measurement"},
    {"exec", cmd_exec, "reboot into a kernel through kexec, after a sync"},
    {"test", cmd_test, "panic this machine on purpose, to prove a crash is captured"},
    {"capture", cmd_capture,
     "save /proc/vmcore to the configured targets (the crash kernel's job)"},
    {"savecore", cmd_savecore, "at boot: save the dumps left on raw targets into /var/crash"},
    {"list", cmd_list, "the dumps on the configured targets, newest first; at boot, the notice"},
    {"verify", cmd_verify, "check that a dump is whole: exit 0 ok, 1 corrupt, 3 incomplete"},
    {"save", cmd_save, "write a filtered, compressed dump from /proc/vmcore or a dump file"},
    {"convert", cmd_convert, "turn a dump into another format, or a flattened stream into a file"},
    {"dmesg", cmd_dmesg, "print the kernel log saved in a dump"},
    {"info", cmd_info, "describe a dump: kernel release, crash time, memory, CPUs"},
    {"report", cmd_report, "a fleet's dumps grouped by crash signature: text, --json or --html"},
    {"ssh-key", cmd_ssh_key, "make the capture's SSH key; print its line for authorized_keys"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: lifeboat COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'lifeboat COMMAND --help' tells more; see lifeboat(8).\n");
}

int main(int argc, char **argv)
{
    program_invocation_short_name = "lifeboat";
    network_build_remember(argv);
    /* The capture initramfs starts the binary as /init; a container's PID 1 is not a crash. */
    if (argc > 0 && strcmp(argv[0], "/init") == 0)
        capture_as_init();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("lifeboat %s\n", LIFEBOAT_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    warnx("'%s' is not a lifeboat command", argv[1]);
    usage(stderr);
    return 2;
}
