/*
 * cmd_ssh_key.c - lifeboat ssh-key: the capture's own SSH key, and the line
 * that lets it (and nothing else) write dumps on a server.
 *
 * The key is the capture's alone: it is unencrypted (nobody types a
 * passphrase in a crash kernel), lives in /etc/lifeboat (0600), and travels
 * only inside the capture initramfs.  The line printed for the server's
 * authorized_keys restricts it to SFTP, and SFTP to the requests a capture
 * makes: a stolen key writes files; it opens no shell, reads no file, lists
 * no directory and removes nothing.  With one user per host, chrooted into
 * its own drop box (lifeboat(8), COLLECTOR), it cannot reach another host's
 * dumps at all.  (What kdumpctl propagate does, without ssh-copy-id.)
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "config/config.h"
#include "platform/ssh_keyfile.h"

/*
 * The SFTP requests a capture makes (platform/sftp.c): files created and
 * written, directories made and renamed, sizes and free space read.  No
 * read, readdir, remove, rmdir, setstat on a path, links or copy-data.
 */
#define SFTP_CAPTURE_REQUESTS                                                                      \
    "open,close,write,fsetstat,fstat,lstat,stat,mkdir,rename,realpath,statvfs,fsync"

static void usage(FILE *out)
{
    fprintf(out, "usage: lifeboat ssh-key [-f FILE]\n"
                 "  makes the capture's SSH key (once; an existing one is kept) and prints the\n"
                 "  line for the dump server's authorized_keys\n"
                 "  -f, --file FILE   the private key (default " DEFAULT_SSH_IDENTITY ")\n");
}

int cmd_ssh_key(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"file", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *path = DEFAULT_SSH_IDENTITY;
    char line[700], comment[100];
    struct lb_error why;
    struct utsname u;
    int c;

    while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
        if (c == 'f') {
            path = optarg;
        } else {
            usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    snprintf(comment, sizeof(comment), "lifeboat@%.64s", uname(&u) == 0 ? u.nodename : "unknown");
    if (access(path, F_OK) == 0) {
        if (ssh_keyfile_public(path, line, sizeof(line), &why) < 0) {
            fprintf(stderr, "lifeboat: %s exists, but %s\n", path, why.msg);
            return 1;
        }
        fprintf(stderr, "lifeboat: %s exists: kept\n", path);
    } else {
        if (strcmp(path, DEFAULT_SSH_IDENTITY) == 0 && mkdir("/etc/lifeboat", 0700) < 0 &&
            errno != EEXIST) {
            fprintf(stderr, "lifeboat: cannot create /etc/lifeboat: %s\n", strerror(errno));
            return 1;
        }
        if (ssh_keyfile_create(path, comment, line, sizeof(line), &why) < 0) {
            fprintf(stderr, "lifeboat: %s\n", why.msg);
            return 1;
        }
        fprintf(stderr, "lifeboat: made %s (and %s.pub)\n", path, path);
    }
    fprintf(stderr, "lifeboat: add this line to the dump server's authorized_keys:\n");
    fprintf(stderr, "lifeboat: (one user per host, chrooted, keeps hosts apart: lifeboat(8), "
                    "COLLECTOR)\n");
    printf("restrict,command=\"internal-sftp -p " SFTP_CAPTURE_REQUESTS "\" %s\n", line);
    return 0;
}
