/*
 * config.h - lifeboat.conf: where dumps go and what happens after.
 */
#ifndef LIFEBOAT_CONFIG_H
#define LIFEBOAT_CONFIG_H

/* Where the capture initramfs holds the configuration, whatever the host's path. */
#define CAPTURE_CONF "/etc/lifeboat.conf"
/* The capture's SSH key: where 'lifeboat ssh-key' makes it, and where the initramfs holds it. */
#define DEFAULT_SSH_IDENTITY "/etc/lifeboat/id_ed25519"
#define CAPTURE_SSH_IDENTITY "/etc/lifeboat/ssh-identity"
#define CAPTURE_HTTPS_TOKEN  "/etc/lifeboat/https-token"
/* Where dumps go when no target is configured, as with every kdump. */
#define DEFAULT_TARGET "/var/crash"

#include <stddef.h>
#include <stdio.h>

#include "lbdump.h"
#include "platform/devmapper.h"
#include "platform/lvm_pv.h"
#include "platform/netlink.h"
#include "config/target_kind.h"

enum {
    CONFIG_MAX_TARGETS = 8,
    CONFIG_MAX_DM = 32,
    CONFIG_MAX_LVM_PV = 16,
    CONFIG_TEXT_MAX = 65536, /* eight SSH targets pinning the largest RSA keys fit */
    CONFIG_MAX_RECIPIENTS = 8,
    CONFIG_MAX_INTERFACES = 4,
    CONFIG_MAX_ADDRESSES = 4,
    CONFIG_MAX_ROUTES = 8,
    CONFIG_MAX_LINKS = 8,  /* bonds, VLANs, bridges the crash kernel makes */
    CONFIG_MAX_LOWER = 4,  /* a bond's slaves, a bridge's ports */
    CONFIG_LINK_NAME = 16, /* IFNAMSIZ */
    CONFIG_MAX_CPUS = 64,  /* the dump engine's threads at most */
    /*
     * A pinned SSH host key as text, "TYPE BASE64": RSA of 16384 bits, the
     * largest OpenSSH takes, is 2.8 KB of it; 4 KB leaves room for any
     * exponent OpenSSL verifies with such a modulus.
     */
    CONFIG_HOST_KEY_MAX = 4096
};

/*
 * A configured target.  What its kind needs beyond these (an NFS mount's
 * options, a pinned SSH host key or HTTPS public key) is the kind's own, in
 * kind_data, read and written by the kind's file alone.
 */
struct target {
    const struct target_kind *kind;
    char device[256]; /* fs: UUID=, LABEL= or /dev/...; raw: PARTUUID=, WWID=, SERIAL= (what
                         load writes) or /dev/... */
    char path[256];   /* fs: directory inside the filesystem; dir, path: the directory */
    char shown[256];  /* fs made from a path: that path, as the running system names it;
                         URL kinds: the URL as written */
    /* URL kinds: the URL's parts (path above is its directory), and what load found */
    char user[64];
    char host[256];   /* as written: a name or an address */
    unsigned port;    /* 0: the scheme's own */
    char address[64]; /* the host's address, resolved on the running system */
    char kind_data[CONFIG_HOST_KEY_MAX + 128]; /* the kind's own: a struct of chars */
};

/*
 * A device of the crash kernel's network: a NIC, by its MAC address (the
 * only name that survives into another kernel), or a link a network-link
 * line makes, by the name it gives (name[0] set).
 */
struct config_dev {
    uint8_t mac[6];
    char name[CONFIG_LINK_NAME];
};

enum config_link_kind { LINK_VLAN, LINK_BOND, LINK_BRIDGE };

/* The bond modes the capture makes: the numbers of IFLA_BOND_MODE. */
enum { BOND_ACTIVE_BACKUP = 1, BOND_8023AD = 4 };

/*
 * A virtual link load found under a network target's interface, made again
 * in the crash kernel with rtnetlink (written by load, lowest first):
 *
 *     network-link bond bond0 mode active-backup slaves 52:54:00:00:00:01,52:54:00:00:00:02
 *     network-link vlan bond0.10 id 10 on bond0
 *     network-link bridge br0 ports 52:54:00:00:00:01
 */
struct config_link {
    enum config_link_kind kind;
    char name[CONFIG_LINK_NAME];
    unsigned vlan_id;                          /* LINK_VLAN */
    unsigned bond_mode;                        /* LINK_BOND: BOND_ACTIVE_BACKUP or BOND_8023AD */
    struct config_dev lower[CONFIG_MAX_LOWER]; /* a VLAN's parent; a bond's slaves; ports */
    size_t nlower;
    unsigned mtu; /* as the running system has it; 0: the kernel's default */
};

/*
 * How the crash kernel gets an interface's IPv6 address: load writes what
 * the running system's came by ('interface ... slaac', '... dhcp6'), since a
 * prefix or a lease may change between load and a crash (network.c).
 */
enum config_ipv6 { IPV6_STATIC, IPV6_SLAAC, IPV6_DHCP6 };

/* An interface the crash kernel brings up for a network target (written by load). */
struct config_interface {
    uint8_t mac[6];
    char name[CONFIG_LINK_NAME]; /* a network-link's; "": the NIC of mac */
    unsigned mtu;
    int dhcp;              /* the address from a DHCP server in the crash kernel, not these */
    enum config_ipv6 ipv6; /* how the crash kernel gets the interface's IPv6 address */
    struct net_addr addresses[CONFIG_MAX_ADDRESSES];
    unsigned char fallback[CONFIG_MAX_ADDRESSES]; /* IPV6_SLAAC: set only if no router answers */
    size_t naddresses;
};

struct config_route {
    struct net_addr destination; /* prefix 0: the default route */
    struct net_addr gateway;     /* family 0: on the link */
    uint8_t mac[6];              /* the interface it leaves by */
    char name[CONFIG_LINK_NAME]; /* ... or the network-link of this name */
};

/*
 * One line of a mapped device's table (an LVM logical volume under a
 * target), written by load: the devices under it are named by identity
 * (PARTUUID=, WWID=, SERIAL=) or DM=NAME for another line's device, never by
 * a device number, which the crash kernel may give to another disk.
 */
struct config_dm {
    char name[DMT_NAME_MAX];
    struct dm_segment seg;
};

/*
 * An LVM physical volume under a dm line, as load saw it: its PVUUID=
 * identity, its volume group and the group's metadata sequence number.  The
 * crash kernel maps nothing on a PV whose metadata says otherwise now: the
 * tables load took would no longer be the volumes LVM has (stack.c).
 */
struct config_lvm_pv {
    char identity[48];
    char vg[LVM_VG_NAME_MAX];
    uint64_t seqno;
};

enum final_action { FINAL_REBOOT, FINAL_POWEROFF, FINAL_HALT };

struct config {
    struct target targets[CONFIG_MAX_TARGETS];
    size_t ntargets;
    enum final_action final_action;
    char hostname[65];
    unsigned device_timeout; /* seconds to wait for a target device to appear */
    unsigned step_timeout;   /* seconds a step of the capture may go without progress */
    char cmdline_append[512];
    unsigned cpus;       /* the crash kernel's CPUs; 0: as many as the reservation feeds */
    int reservation_cma; /* 'reservation cma': estimate splits crashkernel= (crashkernel.c) */
    enum lb_format format;
    unsigned dump_level;
    unsigned redact; /* LB_REDACT_* classes erased from every dump, its log and report */
    enum lb_codec codec;
    unsigned keep;         /* complete dumps to keep in a target, the new one included; 0: all */
    unsigned min_free_mib; /* free space to make in a target by removing old dumps */
    struct config_dm dm[CONFIG_MAX_DM]; /* lowest layer first */
    size_t ndm;
    struct config_lvm_pv lvm_pv[CONFIG_MAX_LVM_PV];
    size_t nlvm_pv;
    /* encrypt-to: the dump, its log and report are written encrypted to these (age) */
    char encrypt_to[CONFIG_MAX_RECIPIENTS]
                   [100]; /* as written: "age1..." or "ssh-ed25519 AAAA..." */
    struct lb_age_recipient recipients[CONFIG_MAX_RECIPIENTS];
    size_t nrecipients;
    struct config_interface interfaces[CONFIG_MAX_INTERFACES];
    size_t ninterfaces;
    struct config_route routes[CONFIG_MAX_ROUTES];
    size_t nroutes;
    struct config_link links[CONFIG_MAX_LINKS]; /* lowest first */
    size_t nlinks;
    unsigned network_timeout; /* seconds to wait for a link's carrier (and a DHCP lease) */
    int network_dhcp;         /* 'network dhcp': load copies interfaces, not their addresses */
    char ssh_identity[256];   /* the capture's private key for ssh targets ("": the default) */
    char known_hosts[256]; /* where load looks the servers' keys up ("": root's and /etc/ssh's) */
    char https_ca[256];    /* the CA an https server's certificate is checked against at load */
    char https_token[256]; /* a file holding the bearer token for https targets */
};

static inline const char *config_ssh_identity(const struct config *cfg)
{
    return cfg->ssh_identity[0] ? cfg->ssh_identity : DEFAULT_SSH_IDENTITY;
}

/* A target that needs the network in the crash kernel. */
static inline int target_is_network(const struct target *t)
{
    return t->kind && t->kind->network;
}

/* What a user calls the target: its URL, its file system's path, its device and directory. */
void config_target_describe(const struct target *t, char *buf, size_t len);

void config_defaults(struct config *cfg);
/* Parses text; on error err says "ORIGIN:LINE: what is wrong" (LB_ERR_REFUSED). */
int config_parse(const char *text, const char *origin, struct config *cfg, struct lb_error *err);
/* The same, but a bad line is said on stderr and skipped: every good line still counts. */
int config_parse_lenient(const char *text, const char *origin, struct config *cfg,
                         struct lb_error *err);
/* Reads path; a missing file gives the defaults. */
int config_load(const char *path, struct config *cfg, struct lb_error *err);
/* Reads path leniently (the crash kernel): -1 if a line was skipped, cfg still usable. */
int config_load_lenient(const char *path, struct config *cfg, struct lb_error *err);
/* The same, without a word of what it skips: a glance at the file (which build runs a command). */
int config_load_quiet(const char *path, struct config *cfg, struct lb_error *err);
/* Writes cfg back as text that config_parse reads. */
int config_format(const struct config *cfg, char *buf, size_t len);

const char *final_action_name(enum final_action action);

#endif
