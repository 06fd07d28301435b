/*
 * sftp.c - dump files on an SFTP server (sftp.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

#include "platform/sftp.h"

int sftp_link_up(struct sftp_link *l, struct lb_error *err)
{
    if (l->pid == getpid() && l->conn.sftp)
        return 0;
    if (l->pid != getpid())
        memset(&l->conn, 0, sizeof(l->conn)); /* the parent's: never used, never closed here */
    else
        ssh_close(&l->conn);
    l->conn.fd = -1;
    l->pid = 0;
    if (ssh_open(&l->conn, &l->endpoint, NULL, err) < 0)
        return -1;
    l->pid = getpid();
    return 0;
}

void sftp_link_down(struct sftp_link *l)
{
    if (l->pid == getpid())
        ssh_close(&l->conn);
    l->pid = 0;
}

static void sftp_why(struct sftp_link *l, const char *what, const char *path, struct lb_error *err)
{
    lb_error_setk(err, LB_ERR_SYSTEM, "%s %s on the server: %s", what, path,
                  ssh_sftp_error(&l->conn));
}

static LIBSSH2_SFTP_HANDLE *open_file(struct sftp_link *l, const char *path, unsigned long flags)
{
    return libssh2_sftp_open_ex(l->conn.sftp, path, (unsigned)strlen(path), flags, 0600,
                                LIBSSH2_SFTP_OPENFILE);
}

/* ---- the sink --------------------------------------------------------- */

struct sftp_sink {
    struct lb_sink base;
    struct sftp_link *link;
    LIBSSH2_SFTP_HANDLE *handle;
    char path[1024];
};

static int write_at(struct sftp_sink *s, const uint8_t *p, size_t len, uint64_t offset)
{
    libssh2_sftp_seek64(s->handle, offset);
    while (len > 0) {
        ssize_t n = libssh2_sftp_write(s->handle, (const char *)p, len);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A new connection, and the file opened again where it is (never created anew). */
static int reconnect(struct sftp_sink *s, struct lb_error *err)
{
    s->handle = NULL; /* it belonged to the connection that went */
    ssh_close(&s->link->conn);
    s->link->pid = 0;
    if (sftp_link_up(s->link, err) < 0)
        return -1;
    s->handle = open_file(s->link, s->path, LIBSSH2_FXF_WRITE);
    if (!s->handle) {
        sftp_why(s->link, "cannot open", s->path, err);
        return -1;
    }
    return 0;
}

static int sink_write(struct lb_sink *base, const void *buf, size_t len, uint64_t offset,
                      struct lb_error *err)
{
    struct sftp_sink *s = (struct sftp_sink *)base;
    struct lb_error lost;

    for (unsigned attempt = 0;; attempt++) {
        if (s->handle && write_at(s, buf, len, offset) == 0)
            return 0;
        if (s->handle && !ssh_connection_lost(&s->link->conn)) {
            int full =
                libssh2_sftp_last_error(s->link->conn.sftp) == LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM ||
                libssh2_sftp_last_error(s->link->conn.sftp) == LIBSSH2_FX_QUOTA_EXCEEDED;
            lb_error_setk(err, full ? LB_ERR_NO_SPACE : LB_ERR_OUTPUT_IO,
                          "write of %zu bytes at offset %llu of %s on the server: %s", len,
                          (unsigned long long)offset, s->path, ssh_sftp_error(&s->link->conn));
            return -1;
        }
        if (attempt == s->link->retries) {
            lb_error_setk(err, LB_ERR_OUTPUT_IO, "%s: the connection to the server was lost",
                          s->path);
            return -1;
        }
        fprintf(stderr, "lifeboat: the connection to the server dropped: again from offset %llu\n",
                (unsigned long long)offset);
        if (reconnect(s, &lost) < 0)
            fprintf(stderr, "lifeboat: %s\n", lost.msg);
    }
}

static int sink_finish(struct lb_sink *base, uint64_t size, int whole, struct lb_error *err)
{
    struct sftp_sink *s = (struct sftp_sink *)base;
    LIBSSH2_SFTP_ATTRIBUTES attrs = {.flags = LIBSSH2_SFTP_ATTR_SIZE, .filesize = size};

    if (!s->handle) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "%s: no connection to finish it", s->path);
        return -1;
    }
    /* the last bytes may be a hole: the file is given its length */
    if (whole && libssh2_sftp_fsetstat(s->handle, &attrs) < 0) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "cannot set the size of %s on the server: %s", s->path,
                      ssh_sftp_error(&s->link->conn));
        return -1;
    }
    /* fsync@openssh.com: on the server's disk before the directory is renamed; a server
     * without it (not OpenSSH) still has the bytes, acknowledged */
    libssh2_sftp_fsync(s->handle);
    return 0;
}

static void sink_free(struct lb_sink *base)
{
    struct sftp_sink *s = (struct sftp_sink *)base;

    if (s->handle)
        libssh2_sftp_close_handle(s->handle);
    free(s);
}

static const struct lb_sink_ops sink_ops = {
    .write = sink_write,
    .finish = sink_finish,
    .free = sink_free,
};

struct lb_sink *sftp_sink_create(struct sftp_link *l, const char *path, struct lb_error *err)
{
    struct sftp_sink *s;

    if (strlen(path) >= sizeof(s->path)) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "path too long");
        return NULL;
    }
    if (sftp_link_up(l, err) < 0) {
        err->kind = LB_ERR_OUTPUT_IO; /* for the engine, the sink is the output */
        return NULL;
    }
    if (!(s = calloc(1, sizeof(*s)))) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    s->base.ops = &sink_ops;
    s->base.caps = LB_SINK_HOLES; /* the server writes at the offset: the gap reads as zeros */
    s->link = l;
    strcpy(s->path, path);
    s->handle = open_file(l, path, LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL);
    if (!s->handle) {
        sftp_why(l, "cannot create", path, err);
        err->kind = LB_ERR_OUTPUT_IO;
        free(s);
        return NULL;
    }
    return &s->base;
}

/* ---- whole files and directories --------------------------------------- */

int sftp_put(struct sftp_link *l, const char *path, const void *data, size_t len,
             struct lb_error *err)
{
    LIBSSH2_SFTP_HANDLE *h;
    const char *p = data;

    if (sftp_link_up(l, err) < 0)
        return -1;
    if (!(h = open_file(l, path, LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT))) {
        sftp_why(l, "cannot open", path, err);
        return -1;
    }
    while (len > 0) {
        ssize_t n = libssh2_sftp_write(h, p, len);
        if (n <= 0) {
            sftp_why(l, "cannot write", path, err);
            libssh2_sftp_close_handle(h);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    libssh2_sftp_fsync(h);
    if (libssh2_sftp_close_handle(h) != 0) { /* where the server says the write failed */
        sftp_why(l, "cannot close", path, err);
        return -1;
    }
    return 0;
}

int sftp_remove(struct sftp_link *l, const char *path, struct lb_error *err)
{
    if (sftp_link_up(l, err) < 0)
        return -1;
    if (libssh2_sftp_unlink_ex(l->conn.sftp, path, (unsigned)strlen(path)) < 0) {
        sftp_why(l, "cannot remove", path, err);
        return -1;
    }
    return 0;
}

int sftp_mkdir(struct sftp_link *l, const char *path, unsigned mode, struct lb_error *err)
{
    if (sftp_link_up(l, err) < 0)
        return -1;
    if (libssh2_sftp_mkdir_ex(l->conn.sftp, path, (unsigned)strlen(path), (long)mode) < 0) {
        sftp_why(l, "cannot create directory", path, err);
        return -1;
    }
    return 0;
}

int sftp_rmdir(struct sftp_link *l, const char *path, struct lb_error *err)
{
    if (sftp_link_up(l, err) < 0)
        return -1;
    if (libssh2_sftp_rmdir_ex(l->conn.sftp, path, (unsigned)strlen(path)) < 0) {
        sftp_why(l, "cannot remove directory", path, err);
        return -1;
    }
    return 0;
}

int sftp_exists(struct sftp_link *l, const char *path, struct lb_error *err)
{
    LIBSSH2_SFTP_ATTRIBUTES attrs;

    if (sftp_link_up(l, err) < 0)
        return -1;
    if (libssh2_sftp_stat_ex(l->conn.sftp, path, (unsigned)strlen(path), LIBSSH2_SFTP_LSTAT,
                             &attrs) == 0)
        return 1;
    if (!ssh_connection_lost(&l->conn) &&
        (libssh2_sftp_last_error(l->conn.sftp) == LIBSSH2_FX_NO_SUCH_FILE ||
         libssh2_sftp_last_error(l->conn.sftp) == LIBSSH2_FX_NO_SUCH_PATH))
        return 0;
    sftp_why(l, "cannot look up", path, err);
    return -1;
}

int sftp_rename(struct sftp_link *l, const char *from, const char *to, struct lb_error *err)
{
    int there = sftp_exists(l, to, err);

    if (there != 0) {
        if (there > 0)
            lb_error_setk(err, LB_ERR_REFUSED, "%s exists on the server: not renamed over", to);
        return -1;
    }
    /* no flags: SFTP v3's rename, which OpenSSH's server refuses over an existing name */
    if (libssh2_sftp_rename_ex(l->conn.sftp, from, (unsigned)strlen(from), to, (unsigned)strlen(to),
                               0) < 0) {
        sftp_why(l, "cannot rename", from, err);
        return -1;
    }
    return 0;
}

int sftp_free_bytes(struct sftp_link *l, const char *path, uint64_t *bytes, struct lb_error *err)
{
    LIBSSH2_SFTP_STATVFS st;

    if (sftp_link_up(l, err) < 0)
        return -1;
    if (libssh2_sftp_statvfs(l->conn.sftp, path, strlen(path), &st) < 0) {
        sftp_why(l, "cannot read the free space of", path, err);
        return -1;
    }
    *bytes = (uint64_t)st.f_bavail * st.f_frsize;
    return 0;
}
