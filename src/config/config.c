/*
 * config.c - reads and writes lifeboat.conf.
 *
 * One directive a line, words separated by blanks, '#' starts a comment:
 *
 *     target fs UUID=1b2c... /crash     # filesystem (UUID=, LABEL= or device), directory in it
 *     target fs UUID=1b2c... /crash as /var/crash   # (written by load) what the system calls it
 *     target path /var/crash            # a directory of the running system, by its filesystem
 *     target raw /dev/sdb2              # raw block device
 *     target dir /var/crash             # a directory already mounted (the capture's own)
 *     keep 3                            # complete dumps kept per target, oldest removed
 *     min-free 2048M                    # free space to make by removing the oldest dumps
 *     final-action reboot               # or poweroff, halt
 *     hostname web-17                   # name used in the dump directory
 *     device-timeout 30                 # seconds to wait for a target device
 *     step-timeout 120                  # seconds a step may go without progress
 *     cmdline-append console=ttyS0      # added to the capture kernel's command line
 *     cpus auto                         # the crash kernel's CPUs: as many as the reservation
 *                                       # feeds (load), or a number from 1 to 64
 *     reservation plain                 # or cma: estimate gives crashkernel=P crashkernel=C,cma
 *     format kdump                      # or elf
 *     dump-level 31                     # pages left out, as makedumpfile -d
 *     codec auto                        # LZO or zstd as the CPUs or the target allow;
 *                                       # or zstd, zlib, lzo, none
 *     redact keys,user-data,names       # secrets erased from the dump (or 'all'); a class
 *                                       # this kernel's BTF cannot find fails the dump
 *     encrypt-to age1qyqszqgp...        # the dump encrypted (age) to this key; repeatable,
 *     encrypt-to ssh-ed25519 AAAAC3...  # also an SSH ed25519 public key
 *     target ssh://dump@collector/var/crash  # over SFTP (the network build); load pins the key
 *     target nfs://filer/export/crash   # the crash kernel's NFSv4 client
 *     ssh-identity /etc/lifeboat/id_ed25519  # the capture's SSH key (lifeboat ssh-key)
 *     known-hosts /root/.ssh/known_hosts     # where load looks the servers' keys up
 *     target https://collector/crash/   # PUT over TLS (the network build); load pins the key
 *     https-ca /etc/lifeboat/ca.pem     # the CA its certificate is checked against at load
 *     https-token /etc/lifeboat/token   # a file holding the bearer token it asks for
 *     network-timeout 30                # seconds to wait for a link's carrier
 *     network dhcp                      # the crash kernel asks DHCP for its address
 *     interface 52:54:00:12:34:56 mtu 1500 address 10.0.2.15/24     (written by load)
 *     interface 52:54:00:12:34:56 fallback fd00::1/64 slaac     (written by load: IPv6 by
 *     interface 52:54:00:12:34:56 dhcp6          SLAAC or DHCPv6, asked again in the crash kernel)
 *     route 192.0.2.7/32 via 10.0.2.2 dev 52:54:00:12:34:56          (written by load)
 *     network-link vlan eth0.10 id 10 on 52:54:00:12:34:56          (written by load)
 *     network-link bond bond0 mode active-backup slaves MAC,MAC      (written by load)
 *     network-link bridge br0 ports 52:54:00:12:34:56                (written by load)
 *     interface bond0 address 192.168.1.2/24   (written by load: a link's interface, by name)
 *     dm vg0-var 0 8388608 linear PARTUUID=4f1c...-01 2048
 *                                       # a mapped device under a target (written by load)
 *     lvm-pv PVUUID=0FdpBM-... vg0 7    # a PV under it, its volume group and metadata
 *                                       # seqno when load read it (written by load)
 *
 * The same text travels inside the capture initramfs, so the parser runs in
 * the crash kernel as well: it is strict, bounded and reports the line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_net.h"

/* A line: a network target's carries its pinned host key (CONFIG_HOST_KEY_MAX). */
enum { MAX_WORDS = 16, MAX_LINE = CONFIG_HOST_KEY_MAX + 1024, MAX_FILE = 64 << 10 };

#define HOSTNAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"

struct parse {
    struct config *cfg;
    const char *origin;
    unsigned line;
    struct lb_error *err; /* LB_ERR_REFUSED: "ORIGIN:LINE: what is wrong" */
    int lenient;          /* the crash kernel: a bad line is skipped, the rest still counts */
    int quiet;            /* and nothing said of it (a glance at the file, not its use) */
    unsigned skipped;     /* lines skipped; err holds the first one's error */
};

static const char *const final_names[] = {"reboot", "poweroff", "halt"};

const char *final_action_name(enum final_action action)
{
    return final_names[action];
}

void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->final_action = FINAL_REBOOT;
    cfg->device_timeout = 30;
    cfg->step_timeout = 120;
    cfg->format = LB_FORMAT_KDUMP;
    cfg->dump_level = 31;
    cfg->codec = LB_CODEC_AUTO;
}

__attribute__((format(printf, 2, 3))) static int fail(struct parse *p, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    lb_error_setk(p->err, LB_ERR_REFUSED, "%s:%u: %s", p->origin, p->line, what);
    return -1;
}

static int copy_word(struct parse *p, char *dst, size_t len, const char *word, const char *what)
{
    if (strlen(word) >= len)
        return fail(p, "%s is longer than %zu characters", what, len - 1);
    strcpy(dst, word);
    return 0;
}

/* A recipient is kept as text (to write back) and parsed (to use): both checked here. */
static int parse_encrypt_to(struct parse *p, char **w, int n)
{
    struct config *cfg = p->cfg;
    char *text = cfg->encrypt_to[cfg->nrecipients];
    struct lb_error e;

    if (cfg->nrecipients == CONFIG_MAX_RECIPIENTS)
        return fail(p, "more than %d encrypt-to lines", CONFIG_MAX_RECIPIENTS);
    if (n < 2 || (strcmp(w[1], "ssh-ed25519") == 0 && n < 3))
        return fail(p, "expected 'encrypt-to age1...' or 'encrypt-to ssh-ed25519 AAAA...'");
    if (strcmp(w[1], "ssh-ed25519") == 0) {
        if (strlen(w[2]) >= sizeof(cfg->encrypt_to[0]) - 13)
            return fail(p, "the ssh-ed25519 key is too long to be one");
        snprintf(text, sizeof(cfg->encrypt_to[0]), "ssh-ed25519 %s", w[2]);
    } else if (copy_word(p, text, sizeof(cfg->encrypt_to[0]), w[1], "the recipient") < 0) {
        return -1;
    }
    if (lb_age_recipient_parse(text, &cfg->recipients[cfg->nrecipients], &e) < 0)
        return fail(p, "encrypt-to: %s", e.msg);
    cfg->nrecipients++;
    return 0;
}

/* "target WORD ...": read by the kind WORD names (target_kind.h). */
static int parse_target(struct parse *p, char **w, int n)
{
    const struct target_kind *kind = n >= 2 ? target_kind_for(w[1]) : NULL;
    struct target *t;
    struct lb_error err;
    char expected[512];

    if (p->cfg->ntargets == CONFIG_MAX_TARGETS)
        return fail(p, "more than %d targets", CONFIG_MAX_TARGETS);
    if (!kind && n >= 2 && strstr(w[1], "://")) { /* a URL of no kind: which schemes there are */
        struct target scratch;
        target_url_parse(w[1], &scratch, &err);
        return fail(p, "%s", err.msg);
    }
    if (!kind) {
        size_t used = snprintf(expected, sizeof(expected), "expected");
        for (size_t i = 0; (kind = target_kind_at(i)) && used < sizeof(expected); i++)
            used += snprintf(expected + used, sizeof(expected) - used, "%s 'target %s'",
                             i == 0                  ? ""
                             : target_kind_at(i + 1) ? ","
                                                     : " or",
                             kind->usage);
        return fail(p, "%s", expected);
    }
    t = &p->cfg->targets[p->cfg->ntargets];
    memset(t, 0, sizeof(*t));
    t->kind = kind;
    if (kind->parse(t, w, n, &err) < 0)
        return fail(p, "%s", err.msg);
    p->cfg->ntargets++;
    return 0;
}

static int parse_final(struct parse *p, char **w, int n)
{
    if (n != 2)
        return fail(p, "expected 'final-action reboot|poweroff|halt'");
    for (size_t i = 0; i < sizeof(final_names) / sizeof(final_names[0]); i++)
        if (strcmp(w[1], final_names[i]) == 0) {
            p->cfg->final_action = (enum final_action)i;
            return 0;
        }
    return fail(p, "final action '%s' is not reboot, poweroff or halt", w[1]);
}

/* device-timeout, step-timeout: seconds, from min to 3600. */
static int parse_timeout(struct parse *p, char **w, int n, unsigned min, unsigned *out)
{
    char *end;
    unsigned long v;

    if (n != 2)
        return fail(p, "expected '%s SECONDS'", w[0]);
    errno = 0;
    v = strtoul(w[1], &end, 10);
    if (errno || *end || w[1][0] == '-' || v < min || v > 3600)
        return fail(p, "%s '%s' is not a number of seconds from %u to 3600", w[0], w[1], min);
    *out = (unsigned)v;
    return 0;
}

/* The rest of the line, however many words, joins what earlier lines appended. */
static int parse_append(struct parse *p, const char *rest)
{
    char *dst = p->cfg->cmdline_append;
    size_t used = strlen(dst), len;

    rest += strspn(rest, " \t");
    len = strlen(rest);
    while (len && strchr(" \t\r", rest[len - 1]))
        len--;
    if (len == 0)
        return fail(p, "expected 'cmdline-append PARAMETERS...'");
    if (used + (used ? 1 : 0) + len + 1 > sizeof(p->cfg->cmdline_append))
        return fail(p, "cmdline-append is longer than %zu characters",
                    sizeof(p->cfg->cmdline_append) - 1);
    if (used)
        dst[used++] = ' ';
    memcpy(dst + used, rest, len);
    dst[used + len] = '\0';
    return 0;
}

static int parse_dump(struct parse *p, char **w, int n)
{
    char *end;
    unsigned long v;

    if (n != 2)
        return fail(p, "expected '%s VALUE'", w[0]);
    if (strcmp(w[0], "format") == 0) {
        if (strcmp(w[1], "kdump") && strcmp(w[1], "elf"))
            return fail(p, "format '%s' is not kdump or elf", w[1]);
        p->cfg->format = strcmp(w[1], "elf") == 0 ? LB_FORMAT_ELF : LB_FORMAT_KDUMP;
        return 0;
    }
    if (strcmp(w[0], "codec") == 0) {
        if (lb_codec_parse(w[1], &p->cfg->codec) < 0)
            return fail(p, "codec '%s' is not auto, zstd, zlib, lzo or none", w[1]);
        return 0;
    }
    errno = 0;
    v = strtoul(w[1], &end, 10);
    if (errno || *end || w[1][0] == '-' || v > 31)
        return fail(p, "dump-level '%s' is not a number from 0 to 31", w[1]);
    p->cfg->dump_level = (unsigned)v;
    return 0;
}

/* dm NAME START LENGTH TYPE PARAMS...: the parameters are the rest of the line. */
static int parse_dm(struct parse *p, const char *rest)
{
    struct config_dm *d;
    char name[DMT_NAME_MAX + 1], type[17];
    unsigned long long start, length;
    int used = 0;

    if (p->cfg->ndm == CONFIG_MAX_DM)
        return fail(p, "more than %d dm lines", CONFIG_MAX_DM);
    d = &p->cfg->dm[p->cfg->ndm];
    if (sscanf(rest, " %128s %llu %llu %16s %n", name, &start, &length, type, &used) != 4 ||
        !used || strlen(name) >= sizeof(d->name) || strlen(type) >= sizeof(d->seg.type) ||
        length == 0)
        return fail(p, "expected 'dm NAME START LENGTH TYPE PARAMETERS'");
    rest += used;
    size_t len = strlen(rest);
    while (len && strchr(" \t\r", rest[len - 1]))
        len--;
    if (len == 0 || len >= sizeof(d->seg.params))
        return fail(p, "dm %s: parameters missing or longer than %zu characters", name,
                    sizeof(d->seg.params) - 1);
    memset(d, 0, sizeof(*d));
    strcpy(d->name, name);
    strcpy(d->seg.type, type);
    d->seg.start = start;
    d->seg.length = length;
    memcpy(d->seg.params, rest, len);
    p->cfg->ndm++;
    return 0;
}

/* lvm-pv PVUUID=... VG SEQNO */
static int parse_lvm_pv(struct parse *p, char **w, int n)
{
    struct config_lvm_pv *pv = &p->cfg->lvm_pv[p->cfg->nlvm_pv];
    char *end;
    unsigned long long seqno;

    if (p->cfg->nlvm_pv == CONFIG_MAX_LVM_PV)
        return fail(p, "more than %d lvm-pv lines", CONFIG_MAX_LVM_PV);
    if (n != 4 || strncmp(w[1], "PVUUID=", 7) != 0)
        return fail(p, "expected 'lvm-pv PVUUID=... VOLUME-GROUP SEQNO'");
    errno = 0;
    seqno = strtoull(w[3], &end, 10);
    if (errno || *end || w[3][0] == '-')
        return fail(p, "lvm-pv: seqno '%s' is not a number", w[3]);
    if (copy_word(p, pv->identity, sizeof(pv->identity), w[1], "the PV identity") < 0 ||
        copy_word(p, pv->vg, sizeof(pv->vg), w[2], "the volume group") < 0)
        return -1;
    pv->seqno = seqno;
    p->cfg->nlvm_pv++;
    return 0;
}

/* network dhcp */
static int parse_network(struct parse *p, char **w, int n)
{
    if (n != 2 || strcmp(w[1], "dhcp") != 0)
        return fail(p, "expected 'network dhcp'");
    p->cfg->network_dhcp = 1;
    return 0;
}

/* interface, route, network-link: config_net.c's */
static int parse_net(struct parse *p, char **w, int n)
{
    struct lb_error err;
    int r = w[0][0] == 'i'   ? config_net_interface(p->cfg, w, n, &err)
            : w[0][0] == 'r' ? config_net_route(p->cfg, w, n, &err)
                             : config_net_link(p->cfg, w, n, &err);
    return r < 0 ? fail(p, "%s", err.msg) : 0;
}

/* ssh-identity, known-hosts, https-ca, https-token: an absolute path */
static int parse_file(struct parse *p, char **w, int n, char *dst, size_t len)
{
    if (n != 2 || w[1][0] != '/')
        return fail(p, "expected '%s FILE' with an absolute path", w[0]);
    return copy_word(p, dst, len, w[1], "the file name");
}

static int parse_cpus(struct parse *p, char **w, int n)
{
    char *end;
    unsigned long v = n == 2 ? strtoul(w[1], &end, 10) : 0;

    if (n == 2 && strcmp(w[1], "auto") == 0) {
        p->cfg->cpus = 0;
        return 0;
    }
    if (n != 2 || *end || w[1][0] == '-' || v < 1 || v > CONFIG_MAX_CPUS)
        return fail(p, "expected 'cpus auto' or 'cpus N' with N from 1 to %d", CONFIG_MAX_CPUS);
    p->cfg->cpus = (unsigned)v;
    return 0;
}

static int parse_reservation(struct parse *p, char **w, int n)
{
    if (n != 2 || (strcmp(w[1], "plain") != 0 && strcmp(w[1], "cma") != 0))
        return fail(p, "expected 'reservation plain' or 'reservation cma'");
    p->cfg->reservation_cma = w[1][0] == 'c';
    return 0;
}

static int parse_min_free(struct parse *p, char **w, int n)
{
    char *end;
    unsigned long v = n == 2 ? strtoul(w[1], &end, 10) : 0;

    if (n != 2 || *end != 'M' || end[1] || w[1][0] == '-' || v > 1u << 30)
        return fail(p, "expected 'min-free SIZE' with SIZE in MiB, such as 2048M");
    p->cfg->min_free_mib = (unsigned)v;
    return 0;
}

static int parse_keep(struct parse *p, char **w, int n)
{
    char *end;
    unsigned long v = n == 2 ? strtoul(w[1], &end, 10) : 0;

    if (n != 2 || *end || w[1][0] == '-' || v > 10000)
        return fail(p, "expected 'keep N' with N from 0 (all) to 10000");
    p->cfg->keep = (unsigned)v;
    return 0;
}

static int parse_redact(struct parse *p, char **w, int n)
{
    struct lb_error e;

    if (n != 2 || lb_redact_parse(w[1], &p->cfg->redact, &e) < 0)
        return fail(p, "expected 'redact CLASSES' with CLASSES keys, user-data, names "
                       "(comma-separated) or all");
    return 0;
}

static int parse_hostname(struct parse *p, char **w, int n)
{
    if (n != 2 || w[1][strspn(w[1], HOSTNAME_CHARS)])
        return fail(p, "expected 'hostname NAME' (letters, digits, '.', '-', '_')");
    return copy_word(p, p->cfg->hostname, sizeof(p->cfg->hostname), w[1], "hostname");
}

/*
 * The grammar, once: each directive's name, how its line is read and how it
 * is written back.  config_format writes the directives in this order (a
 * network link before the interfaces that name it), each as its parse reads
 * it, so a configuration load writes is one the crash kernel reads the same.
 */
struct out {
    char *buf;
    size_t len, used;
};

__attribute__((format(printf, 2, 3))) static int emit(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->len - o->used)
        return -1; /* never a line cut short */
    o->used += (size_t)n;
    return 0;
}

static int format_targets(const struct config *cfg, struct out *o)
{
    for (size_t i = 0; i < cfg->ntargets; i++) {
        const struct target *t = &cfg->targets[i];
        char line[MAX_LINE];
        if (t->kind->format(t, line, sizeof(line)) < 0 || emit(o, "%s", line) < 0)
            return -1;
    }
    return 0;
}

static int format_final(const struct config *cfg, struct out *o)
{
    return emit(o, "final-action %s\n", final_action_name(cfg->final_action));
}

static int format_device_timeout(const struct config *cfg, struct out *o)
{
    return emit(o, "device-timeout %u\n", cfg->device_timeout);
}

static int format_step_timeout(const struct config *cfg, struct out *o)
{
    return emit(o, "step-timeout %u\n", cfg->step_timeout);
}

static int format_format(const struct config *cfg, struct out *o)
{
    return emit(o, "format %s\n", cfg->format == LB_FORMAT_ELF ? "elf" : "kdump");
}

static int format_dump_level(const struct config *cfg, struct out *o)
{
    return emit(o, "dump-level %u\n", cfg->dump_level);
}

static int format_codec(const struct config *cfg, struct out *o)
{
    return emit(o, "codec %s\n", lb_codec_name(cfg->codec));
}

static int format_redact(const struct config *cfg, struct out *o)
{
    char classes[64];

    if (!cfg->redact)
        return 0;
    lb_redact_format(cfg->redact, classes, sizeof(classes));
    return emit(o, "redact %s\n", classes);
}

static int format_keep(const struct config *cfg, struct out *o)
{
    return cfg->keep ? emit(o, "keep %u\n", cfg->keep) : 0;
}

static int format_min_free(const struct config *cfg, struct out *o)
{
    return cfg->min_free_mib ? emit(o, "min-free %uM\n", cfg->min_free_mib) : 0;
}

static int format_hostname(const struct config *cfg, struct out *o)
{
    return cfg->hostname[0] ? emit(o, "hostname %s\n", cfg->hostname) : 0;
}

static int format_cpus(const struct config *cfg, struct out *o)
{
    return cfg->cpus ? emit(o, "cpus %u\n", cfg->cpus) : 0;
}

static int format_reservation(const struct config *cfg, struct out *o)
{
    return cfg->reservation_cma ? emit(o, "reservation cma\n") : 0;
}

static int format_append(const struct config *cfg, struct out *o)
{
    return cfg->cmdline_append[0] ? emit(o, "cmdline-append %s\n", cfg->cmdline_append) : 0;
}

static int format_encrypt_to(const struct config *cfg, struct out *o)
{
    for (size_t i = 0; i < cfg->nrecipients; i++)
        if (emit(o, "encrypt-to %s\n", cfg->encrypt_to[i]) < 0)
            return -1;
    return 0;
}

static int format_file(struct out *o, const char *name, const char *path)
{
    return path[0] ? emit(o, "%s %s\n", name, path) : 0;
}

static int format_ssh_identity(const struct config *cfg, struct out *o)
{
    return format_file(o, "ssh-identity", cfg->ssh_identity);
}

static int format_known_hosts(const struct config *cfg, struct out *o)
{
    return format_file(o, "known-hosts", cfg->known_hosts);
}

static int format_https_ca(const struct config *cfg, struct out *o)
{
    return format_file(o, "https-ca", cfg->https_ca);
}

static int format_https_token(const struct config *cfg, struct out *o)
{
    return format_file(o, "https-token", cfg->https_token);
}

static int format_lvm_pv(const struct config *cfg, struct out *o)
{
    for (size_t i = 0; i < cfg->nlvm_pv; i++)
        if (emit(o, "lvm-pv %s %s %llu\n", cfg->lvm_pv[i].identity, cfg->lvm_pv[i].vg,
                 (unsigned long long)cfg->lvm_pv[i].seqno) < 0)
            return -1;
    return 0;
}

static int format_dm(const struct config *cfg, struct out *o)
{
    for (size_t i = 0; i < cfg->ndm; i++) {
        const struct config_dm *d = &cfg->dm[i];
        /* a '#' would start a comment where the crash kernel reads it: the table cut short */
        if (strpbrk(d->name, "#\n") || strpbrk(d->seg.type, "#\n") || strpbrk(d->seg.params, "#\n"))
            return -1;
        if (emit(o, "dm %s %llu %llu %s %s\n", d->name, (unsigned long long)d->seg.start,
                 (unsigned long long)d->seg.length, d->seg.type, d->seg.params) < 0)
            return -1;
    }
    return 0;
}

static int format_links(const struct config *cfg, struct out *o)
{
    return config_net_format_links(cfg, o->buf, o->len, &o->used);
}

static int format_interfaces(const struct config *cfg, struct out *o)
{
    return config_net_format_interfaces(cfg, o->buf, o->len, &o->used);
}

static int format_routes(const struct config *cfg, struct out *o)
{
    return config_net_format_routes(cfg, o->buf, o->len, &o->used);
}

static int format_network(const struct config *cfg, struct out *o)
{
    return cfg->network_dhcp ? emit(o, "network dhcp\n") : 0;
}

static int format_network_timeout(const struct config *cfg, struct out *o)
{
    return cfg->network_timeout ? emit(o, "network-timeout %u\n", cfg->network_timeout) : 0;
}

/* The directives whose word says which field they set. */
static int parse_device_timeout(struct parse *p, char **w, int n)
{
    return parse_timeout(p, w, n, 0, &p->cfg->device_timeout);
}

static int parse_step_timeout(struct parse *p, char **w, int n)
{
    return parse_timeout(p, w, n, 5, &p->cfg->step_timeout);
}

static int parse_network_timeout(struct parse *p, char **w, int n)
{
    return parse_timeout(p, w, n, 1, &p->cfg->network_timeout);
}

static int parse_ssh_identity(struct parse *p, char **w, int n)
{
    return parse_file(p, w, n, p->cfg->ssh_identity, sizeof(p->cfg->ssh_identity));
}

static int parse_known_hosts(struct parse *p, char **w, int n)
{
    return parse_file(p, w, n, p->cfg->known_hosts, sizeof(p->cfg->known_hosts));
}

static int parse_https_ca(struct parse *p, char **w, int n)
{
    return parse_file(p, w, n, p->cfg->https_ca, sizeof(p->cfg->https_ca));
}

static int parse_https_token(struct parse *p, char **w, int n)
{
    return parse_file(p, w, n, p->cfg->https_token, sizeof(p->cfg->https_token));
}

struct directive {
    const char *name;
    int (*parse)(struct parse *p, char **w, int n);       /* the line's words, w[0] the name */
    int (*parse_rest)(struct parse *p, const char *rest); /* or the rest of the line as it is */
    int (*format)(const struct config *cfg, struct out *o);
};

static const struct directive directives[] = {
    {.name = "target", .parse = parse_target, .format = format_targets},
    {.name = "final-action", .parse = parse_final, .format = format_final},
    {.name = "device-timeout", .parse = parse_device_timeout, .format = format_device_timeout},
    {.name = "step-timeout", .parse = parse_step_timeout, .format = format_step_timeout},
    {.name = "format", .parse = parse_dump, .format = format_format},
    {.name = "dump-level", .parse = parse_dump, .format = format_dump_level},
    {.name = "codec", .parse = parse_dump, .format = format_codec},
    {.name = "redact", .parse = parse_redact, .format = format_redact},
    {.name = "keep", .parse = parse_keep, .format = format_keep},
    {.name = "min-free", .parse = parse_min_free, .format = format_min_free},
    {.name = "hostname", .parse = parse_hostname, .format = format_hostname},
    {.name = "cpus", .parse = parse_cpus, .format = format_cpus},
    {.name = "reservation", .parse = parse_reservation, .format = format_reservation},
    {.name = "cmdline-append", .parse_rest = parse_append, .format = format_append},
    {.name = "encrypt-to", .parse = parse_encrypt_to, .format = format_encrypt_to},
    {.name = "ssh-identity", .parse = parse_ssh_identity, .format = format_ssh_identity},
    {.name = "known-hosts", .parse = parse_known_hosts, .format = format_known_hosts},
    {.name = "https-ca", .parse = parse_https_ca, .format = format_https_ca},
    {.name = "https-token", .parse = parse_https_token, .format = format_https_token},
    {.name = "lvm-pv", .parse = parse_lvm_pv, .format = format_lvm_pv},
    {.name = "dm", .parse_rest = parse_dm, .format = format_dm},
    {.name = "network-link", .parse = parse_net, .format = format_links},
    {.name = "interface", .parse = parse_net, .format = format_interfaces},
    {.name = "route", .parse = parse_net, .format = format_routes},
    {.name = "network", .parse = parse_network, .format = format_network},
    {.name = "network-timeout", .parse = parse_network_timeout, .format = format_network_timeout},
};

static int parse_line(struct parse *p, char *line)
{
    char *w[MAX_WORDS], *save = NULL, *hash = strchr(line, '#');
    size_t len;
    int n = 0;

    if (hash)
        *hash = '\0';
    line += strspn(line, " \t\r");
    len = strcspn(line, " \t\r");
    if (len == 0)
        return 0;
    for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
        const struct directive *d = &directives[i];
        if (strlen(d->name) != len || strncmp(line, d->name, len) != 0)
            continue;
        if (d->parse_rest)
            return d->parse_rest(p, line + len);
        for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
            if (n == MAX_WORDS)
                return fail(p, "more than %d words", MAX_WORDS);
            w[n++] = t;
        }
        return d->parse(p, w, n);
    }
    line[len] = '\0';
    return fail(p, "unknown directive '%s'", line);
}

/*
 * Strict, a bad line is an error; lenient (the crash kernel, where a config
 * that worked at load time can only be damaged), it is said and skipped, the
 * first one's error stays in err, and every good line still counts.
 */
static int parse_text(struct parse *p, const char *text)
{
    const char *at = text;
    struct lb_error later;

    config_defaults(p->cfg);
    while (*at) {
        const char *nl = strchr(at, '\n');
        size_t len = nl ? (size_t)(nl - at) : strlen(at);
        char line[MAX_LINE];
        int r;

        p->line++;
        if (len >= sizeof(line)) {
            r = fail(p, "line is longer than %d characters", MAX_LINE - 1);
        } else {
            memcpy(line, at, len);
            line[len] = '\0';
            r = parse_line(p, line);
        }
        at += len + (nl != NULL);
        if (r == 0)
            continue;
        if (!p->lenient)
            return -1;
        if (!p->quiet)
            fprintf(stderr, "lifeboat: %s: line skipped\n", p->err->msg);
        if (p->skipped++ == 0) /* keep the first error; later ones go to scratch */
            p->err = &later;
    }
    return p->skipped ? -1 : 0;
}

int config_parse(const char *text, const char *origin, struct config *cfg, struct lb_error *err)
{
    struct parse p = {.cfg = cfg, .origin = origin, .err = err};
    return parse_text(&p, text);
}

int config_parse_lenient(const char *text, const char *origin, struct config *cfg,
                         struct lb_error *err)
{
    struct parse p = {.cfg = cfg, .origin = origin, .err = err, .lenient = 1};
    return parse_text(&p, text);
}

/* lenient: 0 strict, 1 lenient, 2 lenient and saying nothing of the lines it skips */
static int load(const char *path, struct config *cfg, struct lb_error *err, int lenient)
{
    FILE *f = fopen(path, "re");
    char *text;
    size_t len;
    int r;

    config_defaults(cfg);
    if (!f) {
        if (errno == ENOENT)
            return 0;
        lb_error_setk(err, LB_ERR_SYSTEM, "%s: %s", path, strerror(errno));
        return -1;
    }
    text = malloc(MAX_FILE + 1);
    if (!text) {
        fclose(f);
        lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory", path);
        return -1;
    }
    len = fread(text, 1, MAX_FILE + 1, f);
    fclose(f);
    if (len > MAX_FILE) {
        free(text);
        lb_error_setk(err, LB_ERR_REFUSED, "%s: larger than %d bytes", path, MAX_FILE);
        return -1;
    }
    text[len] = '\0';
    struct parse p = {
        .cfg = cfg, .origin = path, .err = err, .lenient = lenient != 0, .quiet = lenient == 2};
    r = parse_text(&p, text);
    free(text);
    return r;
}

int config_load(const char *path, struct config *cfg, struct lb_error *err)
{
    return load(path, cfg, err, 0);
}

int config_load_lenient(const char *path, struct config *cfg, struct lb_error *err)
{
    return load(path, cfg, err, 1);
}

int config_load_quiet(const char *path, struct config *cfg, struct lb_error *err)
{
    return load(path, cfg, err, 2);
}

void config_target_describe(const struct target *t, char *buf, size_t len)
{
    t->kind->describe(t, buf, len);
}

int config_format(const struct config *cfg, char *buf, size_t len)
{
    struct out o = {.buf = buf, .len = len};

    if (emit(&o, "# lifeboat capture configuration, written by 'lifeboat initramfs'\n") < 0)
        return -1;
    for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
        if (directives[i].format(cfg, &o) < 0)
            return -1;
    return 0;
}
