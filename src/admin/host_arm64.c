/*
 * host_arm64.c - the running system's side of arm64 (host_arch.h).
 */
#include <stdio.h>

#include "admin/host_arch.h"
#include "platform/kexec.h"

/* no machine checks, NUMA or ACPI memory hotplug options to turn off */
const char capture_cmdline_extra[] =
    "reset_devices irqpoll cgroup_disable=memory transparent_hugepage=never cma=0 "
    "hugetlb_cma=0 panic=10 initcall_blacklist=tracer_init_tracefs";

const char *const host_cma_refusal =
    "lifeboat takes crashkernel=,cma on x86_64 only: elsewhere it may load with kexec_load(2), "
    "which does not give the crash kernel the CMA range";

void host_cpu_words(int cpus, char *out, size_t len)
{
    snprintf(out, len, "nr_cpus=%d", cpus);
}

/* PSCI starts any CPU the panic stopped, the boot CPU too. */
int host_crash_cpus_fewest(int cpus, long online)
{
    return online < 1 ? 1 : online < cpus ? (int)online : cpus;
}

/* Debian's arm64 kernels have no kexec_file_load: what it does is done here (kexec_arm64.c). */
int host_crash_load_fallback(int kernel_fd, int initramfs_fd, const char *cmdline,
                             struct lb_error *err)
{
    return kexec_arm64_crash_load(kernel_fd, initramfs_fd, cmdline, err);
}
