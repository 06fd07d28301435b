/*
 * host_x86_64.c - the running system's side of x86_64 (host_arch.h).
 */
#include <stdio.h>

#include "admin/host_arch.h"

const char capture_cmdline_extra[] =
    "reset_devices irqpoll cgroup_disable=memory mce=off numa=off "
    "transparent_hugepage=never cma=0 hugetlb_cma=0 acpi_no_memhotplug panic=10 "
    "initcall_blacklist=tracer_init_tracefs";

const char *const host_cma_refusal = NULL;

/*
 * x86 before Linux 6.9: a crash kernel started on a CPU other than the boot
 * CPU would send the boot CPU INIT while bringing up the others, which can
 * reset the machine; the boot CPU's APIC ID (processor 0's "initial apicid")
 * is named so it is left alone.  -1 if unknown.
 */
static long boot_cpu_apicid(void)
{
    char line[256];
    long id = -1;
    FILE *f = fopen("/proc/cpuinfo", "re");

    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "initial apicid : %ld", &id) == 1)
            break; /* processor 0's comes first */
    if (f)
        fclose(f);
    return id;
}

void host_cpu_words(int cpus, char *out, size_t len)
{
    long apicid = cpus > 1 ? boot_cpu_apicid() : -1;

    if (apicid >= 0)
        snprintf(out, len, "nr_cpus=%d disable_cpu_apicid=%ld", cpus, apicid);
    else
        snprintf(out, len, "nr_cpus=%d", cpus);
}

/* A panic on any CPU but the boot CPU leaves the crash kernel the others only. */
int host_crash_cpus_fewest(int cpus, long online)
{
    long others = online - 1;
    return others < 1 ? 1 : others < cpus ? (int)others : cpus;
}

int host_crash_load_fallback(int kernel_fd, int initramfs_fd, const char *cmdline,
                             struct lb_error *err)
{
    (void)kernel_fd, (void)initramfs_fd, (void)cmdline, (void)err;
    return -2; /* every x86_64 kernel lifeboat loads has kexec_file_load */
}
