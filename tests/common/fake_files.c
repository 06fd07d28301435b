/*
 * fake_files.c - open files in the tests' fake kernel: task 2's file table
 * holds a file (/home/secret-a.txt), an abstract-and-path UNIX socket
 * (/sock-secret) and a tty with a pty peer whose buffers hold data; for the
 * unit tests of redaction's open-file walks and the fuzzers' seeds.
 */
#include <string.h>

#include "fake_files.h"

static void put64(uint8_t *mem, uint64_t at, uint64_t v)
{
    memcpy(mem + at, &v, 8);
}

static void put32(uint8_t *mem, uint64_t at, uint32_t v)
{
    memcpy(mem + at, &v, 4);
}

/* A dentry at phys: its parent, and its name (len bytes of text) at name. */
static void dentry(uint8_t *mem, uint64_t at, uint64_t parent, uint64_t name, const char *text)
{
    put64(mem, at + 24, FAKE_KERNEL_VA + parent);
    put32(mem, at + 32 + 4, (uint32_t)strlen(text));
    put64(mem, at + 32 + 8, FAKE_KERNEL_VA + name);
    memcpy(mem + name, text, strlen(text));
}

/* Task 2's tty: a port with a queued buffer and a free one, N_TTY's buffers, a write buffer,
   and a pty peer with a write buffer of its own. */
static void tty(uint8_t *mem)
{
    put64(mem, SK + 96, FAKE_KERNEL_VA + SK + 96); /* the UNIX socket's queues: empty */
    put64(mem, SK + 24, FAKE_KERNEL_VA + SK + 24);
    put64(mem, SK + 40, FAKE_KERNEL_VA + SK + 40);
    put64(mem, FDS + 8, FAKE_KERNEL_VA + FILE_T);
    put64(mem, FILE_T, FAKE_KERNEL_VA + FAKE_TTY_FOPS);
    put64(mem, FILE_T + 32, FAKE_KERNEL_VA + TFP);
    put64(mem, TFP, FAKE_KERNEL_VA + TTY);
    put64(mem, TTY + 24, FAKE_KERNEL_VA + PORT);
    put64(mem, TTY + 40, FAKE_KERNEL_VA + LDISC);
    put64(mem, LDISC, FAKE_KERNEL_VA + FAKE_N_TTY_OPS);
    put64(mem, TTY + 64, FAKE_KERNEL_VA + PEER);
    put64(mem, TTY + 72, FAKE_KERNEL_VA + NTD);
    put32(mem, TTY + 80, 16);
    put64(mem, TTY + 88, FAKE_KERNEL_VA + WB);
    put64(mem, PEER + 64, FAKE_KERNEL_VA + TTY);
    put32(mem, PEER + 80, 8);
    put64(mem, PEER + 88, FAKE_KERNEL_VA + WB2);
    put64(mem, PORT + 8, FAKE_KERNEL_VA + TB1);      /* buf.head */
    put64(mem, PORT + 8 + 16, FAKE_KERNEL_VA + TB2); /* buf.free */
    put32(mem, TB1 + 12, 8);
    mem[TB1 + 28] = 1; /* characters and flags */
    put32(mem, TB2 + 12, 8);
    memset(mem + TB1 + 32, 'q', 16);
    memset(mem + TB2 + 32, 'f', 16); /* characters only: the second 8 are another object's */
    memset(mem + NTD, 'n', 8 + 2 * FAKE_N_TTY_BUF);
    memset(mem + WB, 'w', 16);
    memset(mem + WB2, 'v', 8);
}

void fake_kernel_files(uint8_t *mem)
{
    put64(mem, FAKE_TASKS + 2 * FAKE_TASK_SIZE + 104, FAKE_KERNEL_VA + FILES);
    put64(mem, FILES + 8, FAKE_KERNEL_VA + FDT);
    put32(mem, FDT, 4);
    put64(mem, FDT + 8, FAKE_KERNEL_VA + FDS);
    put64(mem, FDS, FAKE_KERNEL_VA + FILE_A);
    put64(mem, FDS + 16, FAKE_KERNEL_VA + FILE_S);
    put64(mem, FILE_A + 16 + 8, FAKE_KERNEL_VA + DENTRY_A);
    dentry(mem, ROOT, ROOT, NAMES, "/");
    dentry(mem, DIR_A, ROOT, NAMES + 0x10, "home");
    dentry(mem, DENTRY_A, DIR_A, NAMES + 0x20, "secret-a.txt");
    put64(mem, FILE_S, FAKE_KERNEL_VA + FAKE_SOCKET_FOPS);
    put64(mem, FILE_S + 32, FAKE_KERNEL_VA + SOCKET);
    put64(mem, SOCKET + 24, FAKE_KERNEL_VA + SK);
    mem[SK + 16] = 1; /* AF_UNIX */
    put64(mem, SK + 64, FAKE_KERNEL_VA + UADDR);
    put32(mem, UADDR + 4, 14);
    memcpy(mem + UADDR + 8, "\1\0/sock-secret", 14);
    put64(mem, SK + 72 + 8, FAKE_KERNEL_VA + DENTRY_S);
    dentry(mem, DENTRY_S, ROOT, NAMES + 0x40, "sock-secret");
    tty(mem);
}
