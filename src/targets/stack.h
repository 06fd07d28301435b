/*
 * stack.h - the storage under a target: device-mapper layers (LVM) read at
 * load time and made again in the crash kernel (stack.c).
 */
#ifndef LIFEBOAT_STACK_H
#define LIFEBOAT_STACK_H

#include <stddef.h>

#include "config/config.h"

/*
 * At load: if device is a mapped device, its table and those of the mapped
 * devices under it go into cfg->dm, lowest first, every device below named
 * by its stable identity.  -1 with err for what the crash kernel could not
 * make again: dm-crypt, thin pools, RAID, MD arrays (named, with what to do).
 */
int stack_describe(const char *device, struct config *cfg, struct lb_error *err);
/*
 * In the crash kernel: makes cfg's mapped devices again, read-write, once
 * the devices under them have appeared (waiting up to timeout seconds).
 * -1 with err (LB_ERR_REFUSED: LVM changed it after load); the mapped devices made before the
 * failure stay.
 */
int stack_assemble(const struct config *cfg, unsigned timeout, struct lb_error *err);
/*
 * On the running system (a rehearsal): what stack_assemble checks before it
 * maps anything (the LVM metadata unchanged since load), and that each of
 * cfg's mapped devices is mapped here with the very table the crash kernel
 * would make; nothing is mapped.  -1 with err, the crash kernel's words.
 */
int stack_check(const struct config *cfg, unsigned timeout, struct lb_error *err);

#endif
