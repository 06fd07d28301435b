/*
 * dump_options.h - the options 'save' and 'convert' share: format, codec,
 * level, threads, dump level.
 */
#ifndef LIFEBOAT_DUMP_OPTIONS_H
#define LIFEBOAT_DUMP_OPTIONS_H

#include <getopt.h>
#include <stdio.h>

#include "lbdump.h"
#include "tools/dump_keys.h"

#define DUMP_OPTIONS_SHORT "d:f:c:l:t:e:i:r:"
#define DUMP_OPTIONS_LONG                                                                          \
    {"dump-level", required_argument, NULL, 'd'}, {"format", required_argument, NULL, 'f'},        \
        {"codec", required_argument, NULL, 'c'}, {"level", required_argument, NULL, 'l'},          \
        {"threads", required_argument, NULL, 't'}, {"encrypt-to", required_argument, NULL, 'e'},   \
        {"identity", required_argument, NULL, 'i'},                                                \
        {"ssh-identity", required_argument, NULL, 'S'},                                            \
        {"known-hosts", required_argument, NULL, 'K'}, {"host-key", required_argument, NULL, 'H'}, \
        {"ca", required_argument, NULL, 'A'}, {"redact", required_argument, NULL, 'r'},            \
        {"write-rate", required_argument, NULL, 'W'},                                              \
    {                                                                                              \
        "token-file", required_argument, NULL, 'T'                                                 \
    }

#define DUMP_OPTIONS_HELP                                                                          \
    "  -f, --format F      kdump (compressed, default) or elf\n"                                   \
    "  -c, --codec C       auto (default), zstd, zlib, lzo or none (kdump only); auto\n"           \
    "                      takes LZO or zstd a batch at a time, as the CPUs or the\n"              \
    "                      target are the limit\n"                                                 \
    "  -l, --level N       compression level (default 1; for auto, zstd's highest: 3)\n"           \
    "  --write-rate MIB    write DEST at most MIB MiB a second\n"                                  \
    "  -t, --threads N     compression threads (default: online CPUs)\n"                           \
    "  -e, --encrypt-to R  encrypt the dump (age format) to R: an age1... key or an\n"             \
    "                      ssh-ed25519 public key (repeatable; DEST gets no suffix)\n"             \
    "  -i, --identity FILE the key that decrypts an encrypted SOURCE\n"                            \
    "  -r, --redact CLASSES  erase keys, user-data, names (comma-separated, or all) from\n"        \
    "                      the dump written; fails if this kernel's structures are unknown\n"      \
    "DEST ssh://[USER@]HOST[:PORT]/PATH writes the dump over SFTP (lifeboat-net):\n"               \
    "  --ssh-identity FILE the SSH key (default /etc/lifeboat/id_ed25519, else ~/.ssh's)\n"        \
    "  --known-hosts FILE  where the server's key is looked up (default ~/.ssh/known_hosts\n"      \
    "                      and /etc/ssh/ssh_known_hosts)\n"                                        \
    "  --host-key 'TYPE BASE64'  the server's key, instead of known_hosts\n"                       \
    "DEST https://HOST[:PORT]/PATH PUTs makedumpfile's flattened format (lifeboat-net):\n"         \
    "  --ca FILE           the CA the certificate is checked against (default: the system's)\n"    \
    "  --token-file FILE   a bearer token for the server, its first line\n"

/* Defaults: kdump, compress auto, all online CPUs, dump_level as given. */
struct lb_write_options dump_options_default(unsigned dump_level);
/*
 * Parses a command's options, all of them dump options (-d only if
 * allow_level): --help prints usage and exits 0, anything else unknown prints
 * it and exits 2.  Returns optind; exits on a bad value.
 */
int dump_options_parse(int argc, char **argv, struct lb_write_options *o, struct dump_keys *keys,
                       int allow_level, void (*usage)(FILE *out));

#endif
