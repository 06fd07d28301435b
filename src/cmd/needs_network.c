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

/* Whether word is --NAME or an abbreviation getopt_long takes for it (4 characters at least:
 * "--co", "--reh"), with "=VALUE" after it when value is given. */
static int long_option(const char *word, const char *name, const char **value)
{
    size_t len = strcspn(word, "=");

    if (len < 4 || strncmp(word, name, len) != 0)
        return 0;
    if (value)
        *value = word[len] == '=' ? word + len + 1 : NULL;
    return 1;
}

/* The -c/--config argument of a command line (the last, as getopt takes it), or the default. */
static const char *config_path(int argc, char **argv)
{
    const char *path = LIFEBOAT_CONF, *value;

    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-c") == 0 || (long_option(argv[i], "--config", &value) && !value)) {
            if (i + 1 < argc)
                path = argv[++i];
        } else if (long_option(argv[i], "--config", &value)) {
            path = value;
        } else if (argv[i][0] == '-' && argv[i][1] == 'c' && argv[i][2]) {
            path = argv[i] + 2;
        }
    }
    return path;
}

/* Whether the configuration in path names an ssh:// or https:// target; 0 if it cannot be read
 * (the command says why, in its own words). */
static int config_names_network(const char *path)
{
    struct config *cfg = calloc(1, sizeof(*cfg));
    struct lb_error failed;
    int found = 0;

    if (cfg && access(path, R_OK) == 0) {
        config_load_quiet(path, cfg, &failed); /* what it read is enough here */
        for (size_t i = 0; i < cfg->ntargets && i < CONFIG_MAX_TARGETS; i++)
            if (cfg->targets[i].kind->network_build)
                found = 1;
    }
    free(cfg);
    return found;
}

static int has_option(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (long_option(argv[i], name, NULL))
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
        return has_option(argc, argv, "--rehearse") &&
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
