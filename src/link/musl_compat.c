/*
 * musl_compat.c - the few glibc-only symbols Debian's static libbpf and
 * libelf refer to, for the musl build of the capture binary.
 *
 * Debian compiles its libraries with _FORTIFY_SOURCE against glibc, so their
 * archives call glibc's checked variants (__snprintf_chk and the like) and
 * its large-file aliases (fcntl64).  musl has neither.  Each is given here as
 * the plain function it checks; the checks are compile-time buffer sizes
 * that only matter to code compiled with fortification, which ours is not.
 * Built only with -Dmusl=true.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *__realpath_chk(const char *path, char *resolved, size_t len);
int __snprintf_chk(char *s, size_t max, int flag, size_t len, const char *fmt, ...);
int __sprintf_chk(char *s, int flag, size_t len, const char *fmt, ...);
char *__strcat_chk(char *dst, const char *src, size_t len);
char *__strcpy_chk(char *dst, const char *src, size_t len);
int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap);
int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap);
int __vsnprintf_chk(char *s, size_t max, int flag, size_t len, const char *fmt, va_list ap);
int fcntl64(int fd, int cmd, ...);
void __explicit_bzero_chk(void *p, size_t len, size_t dstlen);

char *__realpath_chk(const char *path, char *resolved, size_t len)
{
    (void)len;
    return realpath(path, resolved);
}

int __snprintf_chk(char *s, size_t max, int flag, size_t len, const char *fmt, ...)
{
    va_list ap;
    int r;

    (void)flag;
    (void)len;
    va_start(ap, fmt);
    r = vsnprintf(s, max, fmt, ap);
    va_end(ap);
    return r;
}

int __sprintf_chk(char *s, int flag, size_t len, const char *fmt, ...)
{
    va_list ap;
    int r;

    (void)flag;
    va_start(ap, fmt);
    r = vsnprintf(s, len, fmt, ap);
    va_end(ap);
    return r;
}

char *__strcat_chk(char *dst, const char *src, size_t len)
{
    (void)len;
    return strcat(dst, src);
}

char *__strcpy_chk(char *dst, const char *src, size_t len)
{
    (void)len;
    return strcpy(dst, src);
}

int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap)
{
    (void)flag;
    return vdprintf(fd, fmt, ap);
}

int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
    (void)flag;
    return vfprintf(f, fmt, ap);
}

int __vsnprintf_chk(char *s, size_t max, int flag, size_t len, const char *fmt, va_list ap)
{
    (void)flag;
    (void)len;
    return vsnprintf(s, max, fmt, ap);
}

int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    long arg;

    va_start(ap, cmd);
    arg = va_arg(ap, long);
    va_end(ap);
    return fcntl(fd, cmd, arg);
}

/* libsodium wipes keys through glibc's checked explicit_bzero. */
void __explicit_bzero_chk(void *p, size_t len, size_t dstlen)
{
    (void)dstlen;
    explicit_bzero(p, len);
}
