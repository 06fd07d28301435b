/*
 * needs_network.c - which command lines the network build must run
 * (commands.h), decided at dispatch, before the command has done anything.
 *
 * ssh:// and https:// need libssh2 and OpenSSL, which only lifeboat-net
 * carries (DESIGN.md "Budgets"); lifeboat runs it in its own place, as git
 * runs git-remote-https.  Deciding here, from the command line and the
 * configuration it names, means no command is cut in two: none has made a
 * directory or printed a line when the other build takes over.  A guess
 * that is too wide costs nothing but the bigger binary; one too narrow is
 * still refused by name where the target is prepared (target_ssh_absent.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/notice.h"
#include "cmd/commands.h"
#include "config/config.h"

static int is_network_url(const char *s)
{
    return strncmp(s, "ssh://", 6) == 0 || strncmp(s, "https://", 8) == 0;
}

/* The -c/--config argument of a command line (its options are getopt's), or the default. */
static const char *config_path(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--config=", 9) == 0)
            return argv[i] + 9;
        if (strncmp(argv[i], "-c", 2) == 0 && argv[i][2] && argv[i][1] != '-')
            return argv[i] + 2;
    }
    return LIFEBOAT_CONF;
}

/* Whether the configuration in path names an ssh:// or https:// target; 0 if it cannot be read
 * (the command says why, in its own words). */
static int config_names_network(const char *path)
{
    struct config *cfg = calloc(1, sizeof(*cfg));
    char why[256];
    int found = 0;

    if (cfg && access(path, R_OK) == 0) {
        config_load_lenient(path, cfg, why, sizeof(why)); /* what it read is enough here */
        for (size_t i = 0; i < cfg->ntargets && i < CONFIG_MAX_TARGETS; i++)
            if (cfg->targets[i].kind == TARGET_SSH || cfg->targets[i].kind == TARGET_HTTPS)
                found = 1;
    }
    free(cfg);
    return found;
}

static int has_arg(int argc, char **argv, const char *word)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], word) == 0)
            return 1;
    return 0;
}

int command_needs_network(enum network_need need, int argc, char **argv)
{
    switch (need) {
    case NETWORK_NEVER:
        return 0;
    case NETWORK_BY_CONFIG:
        return config_names_network(config_path(argc, argv));
    case NETWORK_BY_REHEARSAL: /* a rehearsal runs what load gave the crash kernel, if it did */
        return has_arg(argc, argv, "--rehearse") &&
               (config_names_network(config_path(argc, argv)) ||
                config_names_network(LIFEBOAT_LOADED_CONF));
    case NETWORK_BY_URL:
        for (int i = 1; i < argc; i++)
            if (is_network_url(argv[i]))
                return 1;
        return 0;
    }
    return 0;
}
