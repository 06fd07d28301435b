/*
 * sftp.h - files on a dump server over SFTP, for one process at a time.
 *
 * The capture's steps run in child processes, and an SSH session cannot be
 * shared across fork(2): a link connects in the process that first uses it,
 * and again after a dropped connection.  A dump file is a sink of
 * positioned writes (the kdump format's header goes last), so a write that
 * a dropped connection cut is simply written again at its offset on a new
 * one: the file on the server is a normal file, no makedumpfile -R needed.
 */
#ifndef LIFEBOAT_SFTP_H
#define LIFEBOAT_SFTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lbdump.h"
#include "platform/ssh.h"

struct sftp_link {
    struct ssh_endpoint endpoint;
    struct ssh_conn conn;
    pid_t pid;        /* the process conn belongs to; 0: none */
    unsigned retries; /* new connections a write may take after a drop */
};

/* Connected in this process (a new connection if it has none). */
int sftp_link_up(struct sftp_link *l, struct lb_error *err);
void sftp_link_down(struct sftp_link *l);

/* A new file (exclusive: never an existing one), mode 0600, as a sink that resumes. */
struct lb_sink *sftp_sink_create(struct sftp_link *l, const char *path, struct lb_error *err);
/* The whole of path is data (created if missing, never truncated first: written over). */
int sftp_put(struct sftp_link *l, const char *path, const void *data, size_t len,
             struct lb_error *err);
int sftp_remove(struct sftp_link *l, const char *path, struct lb_error *err);
/* mkdir(2): fails if path exists. */
int sftp_mkdir(struct sftp_link *l, const char *path, unsigned mode, struct lb_error *err);
/* rename(2), but never over something that exists (the server refuses; so does this). */
int sftp_rmdir(struct sftp_link *l, const char *path, struct lb_error *err);
int sftp_rename(struct sftp_link *l, const char *from, const char *to, struct lb_error *err);
/* 1 if path exists, 0 if not, -1 on error. */
int sftp_exists(struct sftp_link *l, const char *path, struct lb_error *err);
/* Bytes free for us under path (statvfs@openssh.com). */
int sftp_free_bytes(struct sftp_link *l, const char *path, uint64_t *bytes, struct lb_error *err);

#endif
