/*
 * commands.h - lifeboat's subcommands, one file each, one table in lifeboat.c.
 */
#ifndef LIFEBOAT_COMMANDS_H
#define LIFEBOAT_COMMANDS_H

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_initramfs(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_estimate(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_savecore(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_ssh_key(int argc, char **argv);
int cmd_report(int argc, char **argv);

/*
 * Whether a command line needs the network build (lifeboat-net: ssh:// and
 * https://), by what the command's table entry says to look at: the
 * configuration it names, a rehearsal's, or URLs among its arguments.
 */
enum network_need {
    NETWORK_NEVER,
    NETWORK_BY_CONFIG,    /* -c FILE, else the default: an ssh or https target */
    NETWORK_BY_REHEARSAL, /* --rehearse, and the configuration or load's copy of it names one */
    NETWORK_BY_URL,       /* an argument that is an ssh:// or https:// URL */
};
int command_needs_network(enum network_need need, int argc, char **argv);

/* The capture as PID 1 in the crash kernel; never returns. */
void capture_as_init(void) __attribute__((noreturn));

/* Default path of the configuration file. */
#ifndef LIFEBOAT_CONF /* set by the build: <sysconfdir>/lifeboat.conf */
#define LIFEBOAT_CONF "/etc/lifeboat.conf"
#endif

#endif
