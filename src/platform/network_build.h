/*
 * network_build.h - the network build, lifeboat-net, run in this one's
 * place when a command needs SSH and this build has none (the way git runs
 * git-remote-https: the crypto stays out of the small program).
 */
#ifndef LIFEBOAT_NETWORK_BUILD_H
#define LIFEBOAT_NETWORK_BUILD_H

/* Whether this is the network build. */
int network_build_is_this(void);
/*
 * In a build without SSH: executes lifeboat-net ($LIFEBOAT_NET, else beside
 * this binary) with the command line argv, and returns only if it cannot;
 * in the network build: returns at once.
 */
void network_build_exec(char **argv);

#endif
