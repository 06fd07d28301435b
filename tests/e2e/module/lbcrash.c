// SPDX-License-Identifier: GPL-2.0
/*
 * lbcrash.c - a test module that makes the kernel fail in chosen ways, for
 * lifeboat's end-to-end tests (Debian's cloud kernel has no lkdtm).
 *
 *   insmod lbcrash.ko mode=null   a NULL pointer write in process context
 *   insmod lbcrash.ko mode=bug    BUG()
 *   insmod lbcrash.ko mode=hung   insmod sleeps uninterruptibly for ever
 *
 * With panic_on_oops or hung_task_panic set, each ends in a panic.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/string.h>

static char *mode = "none";
module_param(mode, charp, 0);

static noinline void lbcrash_null(void)
{
	volatile int *p = NULL;

	*p = 0x1b0a7;
}

static noinline void lbcrash_bug(void)
{
	BUG();
}

static int __init lbcrash_init(void)
{
	if (!strcmp(mode, "null"))
		lbcrash_null();
	else if (!strcmp(mode, "bug"))
		lbcrash_bug();
	else if (!strcmp(mode, "hung"))
		for (;;)
			msleep(1000000);
	return 0;
}

module_init(lbcrash_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lifeboat test: crash the kernel on purpose");
