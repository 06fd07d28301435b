/*
 * network_build.c - running lifeboat-net in this build's place (network_build.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/format.h"
#include "platform/network_build.h"

int network_build_is_this(void)
{
#ifdef LIFEBOAT_NETWORK
    return 1;
#else
    return 0;
#endif
}

void network_build_exec(char **argv)
{
#ifdef LIFEBOAT_NETWORK
    (void)argv;
#else
    char self[PATH_MAX], path[PATH_MAX + 16];
    const char *env = getenv("LIFEBOAT_NET");
    ssize_t n;

    if (!argv || !argv[0])
        return;
    if (env && *env) {
        if (format_whole(path, sizeof(path), "%s", env) < 0)
            return; /* a name cut short would run another program */
    } else {
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0)
            return;
        self[n] = '\0';
        *strrchr(self, '/') = '\0';
        if (format_whole(path, sizeof(path), "%s/lifeboat-net", self) < 0)
            return;
    }
    /* Never this program again (LIFEBOAT_NET naming it, lifeboat-net a link to it): a command
     * would run itself without end.  The mark says a network build was meant to run this. */
    struct stat me, it;
    if (access(path, X_OK) < 0 || getenv("LIFEBOAT_NET_RAN") ||
        (stat("/proc/self/exe", &me) == 0 && stat(path, &it) == 0 && me.st_dev == it.st_dev &&
         me.st_ino == it.st_ino))
        return;
    fflush(NULL);
    setenv("LIFEBOAT_NET_RAN", "1", 1);
    execv(path, argv);
    fprintf(stderr, "lifeboat: cannot run %s: %s\n", path, strerror(errno));
#endif
}
