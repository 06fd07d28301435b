/*
 * fake_files.h - open files in the tests' fake kernel (fake_files.c): where
 * task 2's files, their dentries, a UNIX socket and a tty pair are.
 */
#ifndef LIFEBOAT_TEST_FAKE_FILES_H
#define LIFEBOAT_TEST_FAKE_FILES_H

#include <stdint.h>

#include "fake_kernel.h"

/* Physical addresses (offsets in mem). */
enum {
    FILES = 0x21000,
    FDT = 0x21040,
    FDS = 0x21080,
    FILE_A = 0x21100,
    FILE_S = 0x21180,
    SOCKET = 0x21200,
    SK = 0x21280,
    UADDR = 0x21380,
    ROOT = 0x21400,
    DIR_A = 0x21480,
    DENTRY_A = 0x21500,
    DENTRY_S = 0x21580,
    NAMES = 0x21800,
};
enum {
    FILE_T = 0x22000,
    TFP = 0x22040,
    TTY = 0x22080,
    PORT = 0x22100,
    LDISC = 0x22180,
    PEER = 0x22200,
    NTD = 0x22300,
    WB = 0x22400,
    TB1 = 0x22500,
    TB2 = 0x22600,
    WB2 = 0x22700,
};

/*
 * On a fake_kernel_tasks'ed mem: task 2's file table (4 slots): a file whose
 * path is /home/secret-a.txt, a tty (tty_fops) with a port holding a queued
 * and a free buffer, N_TTY's buffers, a write buffer and a pty peer, and a
 * UNIX socket bound to an abstract name and to /sock-secret.
 */
void fake_kernel_files(uint8_t *mem);

#endif
