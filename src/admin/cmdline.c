/*
 * cmdline.c - derives the crash kernel's command line.
 *
 * The crash kernel is the same kernel as the running one, so the running
 * command line is the best guess for the console and platform quirks the
 * machine needs.  What must go: the reservation itself, the root filesystem
 * and init (the capture runs from its initramfs), and anything that makes the
 * kernel reserve memory or start CPUs that a 100 MB kernel cannot afford.
 * What is added keeps the crash kernel small and tolerant of devices left
 * running by the dead kernel.  Skipping tracer_init_tracefs saves the crash
 * kernel the files of every trace event (Linux 6.1 creates their dentries and
 * inodes at boot, megabytes of slab): with it Debian's 6.1 cloud kernel boots
 * and captures in crashkernel=64M, without it it runs out of memory at 72M.
 * The crash kernel's CPUs (nr_cpus=) are load's choice, by what the
 * reservation can feed (estimate.c): they come in as cpu_words.
 */
#include <stdio.h>
#include <string.h>

#include "admin/cmdline.h"
#include "admin/host_arch.h"

/* Parameters dropped by name (the text before '=' or the whole word). */
static const char *const dropped[] = {
    "crashkernel",
    "BOOT_IMAGE",
    "initrd",
    "root",
    "rootflags",
    "rootfstype",
    "rootwait",
    "ro",
    "rw",
    "resume",
    "resume_offset",
    "init",
    "rdinit",
    "nr_cpus",
    "maxcpus",
    "possible_cpus",
    "panic",
    "hugepages",
    "hugepagesz",
    "default_hugepagesz",
    "cma",
    "hugetlb_cma",
    "kexec_jump_back_entry",
    "memmap",
    "mem",
    "elfcorehdr",
    "reset_devices",
    "irqpoll",
    "numa",
    "mce",
    "transparent_hugepage",
    "cgroup_disable",
    "acpi_no_memhotplug",
    "log_buf_len",
    "crash_kexec_post_notifiers",
};

/* Prefixes of families of parameters that belong to the running system's userspace. */
static const char *const dropped_prefixes[] = {"systemd.", "rd.", "udev.", "lifeboat."};

static int is_dropped(const char *word, size_t len)
{
    size_t key = 0;

    while (key < len && word[key] != '=')
        key++;
    for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
        if (strlen(dropped[i]) == key && strncmp(word, dropped[i], key) == 0)
            return 1;
    for (size_t i = 0; i < sizeof(dropped_prefixes) / sizeof(dropped_prefixes[0]); i++)
        if (strncmp(word, dropped_prefixes[i], strlen(dropped_prefixes[i])) == 0)
            return 1;
    return 0;
}

/* Length of the next word, honouring double quotes as the kernel does. */
static size_t word_length(const char *s)
{
    size_t n = 0;
    int quoted = 0;

    while (s[n] && (quoted || (s[n] != ' ' && s[n] != '\t' && s[n] != '\n'))) {
        if (s[n] == '"')
            quoted = !quoted;
        n++;
    }
    return n;
}

static int add(char *out, size_t outlen, size_t *used, const char *word, size_t len)
{
    size_t need = len + (*used ? 1 : 0);

    if (*used + need + 1 > outlen)
        return -1;
    if (*used)
        out[(*used)++] = ' ';
    memcpy(out + *used, word, len);
    *used += len;
    out[*used] = '\0';
    return 0;
}

int capture_cmdline(const char *running, const char *cpu_words, const char *append, char *out,
                    size_t outlen)
{
    size_t used = 0;
    const char *s = running;

    if (outlen == 0)
        return -1;
    out[0] = '\0';
    while (*s) {
        size_t len;

        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        len = word_length(s);
        if (len == 0)
            break;
        /* "--" ends the kernel's parameters; what follows is for init. */
        if (len == 2 && strncmp(s, "--", 2) == 0)
            break;
        if (!is_dropped(s, len) && add(out, outlen, &used, s, len) < 0)
            return -1;
        s += len;
    }
    if (add(out, outlen, &used, capture_cmdline_extra, strlen(capture_cmdline_extra)) < 0)
        return -1;
    if (cpu_words && *cpu_words && add(out, outlen, &used, cpu_words, strlen(cpu_words)) < 0)
        return -1;
    if (append && *append && add(out, outlen, &used, append, strlen(append)) < 0)
        return -1;
    return 0;
}
