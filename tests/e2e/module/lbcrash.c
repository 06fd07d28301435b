// SPDX-License-Identifier: GPL-2.0
/*
 * lbcrash.c - a test module that makes the kernel fail in chosen ways, for
 * lifeboat's end-to-end tests (Debian's cloud kernel has no lkdtm).
 *
 *   insmod lbcrash.ko mode=null   a NULL pointer write in process context
 *   insmod lbcrash.ko mode=bug    BUG()
 *   insmod lbcrash.ko mode=hung   insmod sleeps uninterruptibly for ever
 *
 * With panic_on_oops or hung_task_panic set, each ends in a panic.  Two more
 * leave the crashed kernel's structures broken for the capture to meet, as a
 * real crash may, and panic at once:
 *
 *   insmod lbcrash.ko mode=looptasks  the process list and a thread list
 *                                     loop without coming back to their heads
 *   insmod lbcrash.ko mode=badpgt     the page tables of the struct page
 *                                     array (vmemmap) point at no memory
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/pgtable.h>
#include <asm/tlbflush.h>

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

static noinline void lbcrash_looptasks(void)
{
	struct task_struct *first = next_task(&init_task);

	first->tasks.next = &first->tasks;
	first->thread_node.next = &first->thread_node;
	panic("lbcrash: the task lists loop");
}

static noinline void lbcrash_badpgt(void)
{
	unsigned long addr = vmemmap_base;
	/* the kernel half of every PGD shares its lower levels: break the PUD entry there */
	pgd_t *pgd = (pgd_t *)__va(__read_cr3() & CR3_ADDR_MASK) + pgd_index(addr);
	p4d_t *p4d = p4d_offset(pgd, addr);
	pud_t *pud = pud_offset(p4d, addr);

	set_pud(pud, __pud(0x7f0000000UL | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED));
	panic("lbcrash: the vmemmap page tables point at no memory");
}

static int __init lbcrash_init(void)
{
	if (!strcmp(mode, "null"))
		lbcrash_null();
	else if (!strcmp(mode, "bug"))
		lbcrash_bug();
	else if (!strcmp(mode, "looptasks"))
		lbcrash_looptasks();
	else if (!strcmp(mode, "badpgt"))
		lbcrash_badpgt();
	else if (!strcmp(mode, "hung"))
		for (;;)
			msleep(1000000);
	return 0;
}

module_init(lbcrash_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lifeboat test: crash the kernel on purpose");
