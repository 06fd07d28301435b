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
    enum network_need network; /* when lifeboat-net runs it instead (needs_network.c) */
    const char *summary;
};

static const struct command commands[] = {
    {.name = "load",
     .run = cmd_load,
     .network = NETWORK_BY_CONFIG,
     .summary = "load the crash kernel and capture initramfs (kexec_file_load)"},
    {.name = "unload",
     .run = cmd_unload,
     .network = NETWORK_NEVER,
     .summary = "unload the crash kernel"},
    {.name = "status",
     .run = cmd_status,
     .network = NETWORK_BY_CONFIG,
     .summary = "show the crashkernel= reservation and whether a crash is captured"},
    {.name = "initramfs",
     .run = cmd_initramfs,
     .network = NETWORK_BY_CONFIG,
     .summary = "write the capture initramfs to a file"},
    {.name = "config",
     .run = cmd_config,
     .network = NETWORK_BY_CONFIG,
     .summary = "check the configuration: 'lifeboat config check'"},
    {.name = "estimate",
     .run = cmd_estimate,
     .network = NETWORK_BY_CONFIG,
     .summary = "how much crashkernel= this machine needs, from measurement"},
    {.name = "exec",
     .run = cmd_exec,
     .network = NETWORK_NEVER,
     .summary = "reboot into a kernel through kexec, after a sync"},
    {.name = "test",
     .run = cmd_test,
     .network = NETWORK_BY_REHEARSAL,
     .summary = "panic this machine on purpose, to prove a crash is captured"},
    {.name = "capture",
     .run = cmd_capture,
     .network = NETWORK_BY_CONFIG,
     .summary = "save /proc/vmcore to the configured targets (the crash kernel's job)"},
    {.name = "savecore",
     .run = cmd_savecore,
     .network = NETWORK_NEVER,
     .summary = "at boot: save the dumps left on raw targets into /var/crash"},
    {.name = "list",
     .run = cmd_list,
     .network = NETWORK_NEVER,
     .summary = "the dumps on the configured targets, newest first; at boot, the notice"},
    {.name = "verify",
     .run = cmd_verify,
     .network = NETWORK_NEVER,
     .summary = "check that a dump is whole: exit 0 ok, 1 corrupt, 3 incomplete"},
    {.name = "save",
     .run = cmd_save,
     .network = NETWORK_BY_URL,
     .summary = "write a filtered, compressed dump from /proc/vmcore or a dump file"},
    {.name = "convert",
     .run = cmd_convert,
     .network = NETWORK_BY_URL,
     .summary = "turn a dump into another format, or a flattened stream into a file"},
    {.name = "dmesg",
     .run = cmd_dmesg,
     .network = NETWORK_NEVER,
     .summary = "print the kernel log saved in a dump"},
    {.name = "info",
     .run = cmd_info,
     .network = NETWORK_NEVER,
     .summary = "describe a dump: kernel release, crash time, memory, CPUs"},
    {.name = "report",
     .run = cmd_report,
     .network = NETWORK_NEVER,
     .summary = "a fleet's dumps grouped by crash signature: text, --json or --html"},
    {.name = "ssh-key",
     .run = cmd_ssh_key,
     .network = NETWORK_NEVER,
     .summary = "make the capture's SSH key; print its line for authorized_keys"},
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
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const struct command *c = &commands[i];
        if (strcmp(argv[1], c->name) != 0)
            continue;
        /* before the command does anything: the network build runs it, or it runs here (and
         * refuses an ssh or https target by name, if lifeboat-net is not installed) */
        if (!network_build_is_this() && command_needs_network(c->network, argc - 1, argv + 1))
            network_build_exec(argv);
        return c->run(argc - 1, argv + 1);
    }
    warnx("'%s' is not a lifeboat command", argv[1]);
    usage(stderr);
    return 2;
}
