/*
 * notice.h - the day after a crash: which dumps the configured targets hold
 * (cmd_list.c), and the boot notice that the last boot crashed (notice.c).
 */
#ifndef LIFEBOAT_NOTICE_H
#define LIFEBOAT_NOTICE_H

#include <stdio.h>

#include "dumpdir/dumps.h"

#ifndef LIFEBOAT_STATE
#define LIFEBOAT_STATE "/var/lib/lifeboat"
#endif

/* The dumps in every configured target this system can see now, and /var/crash. */
int list_configured_dumps(const char *conf, struct dump_list *list, struct lb_error *err);
/*
 * At boot: one line on out when the newest dump is newer than the last
 * notice, or when the last boot was armed and ended with no dump and no
 * clean shutdown (with what pstore kept).  Remembered, so each is said once.
 */
void notice_boot(const struct dump_list *newest_first, FILE *out);
/* The last notice, for 'status'. */
void notice_print_last(FILE *out);
/* Where load records the raw targets' identities, for savecore at the next boot. */
#define LIFEBOAT_RAW_IDENTITIES LIFEBOAT_STATE "/raw-targets"
/* What load gave the crash kernel (cmd_load.c): its configuration, and its kernel and CPUs. */
#define LIFEBOAT_LOADED_CONF  LIFEBOAT_STATE "/loaded.conf"
#define LIFEBOAT_LOADED_FACTS LIFEBOAT_STATE "/loaded"
/* The last rehearsal's result, one line (cmd_test.c), for 'lifeboat status'. */
#define LIFEBOAT_REHEARSAL LIFEBOAT_STATE "/rehearsal"
/*
 * savecore: why a raw target still holds a dump it could not save (told by
 * every boot's notice until it is saved), or NULL once none does.
 */
void notice_raw_dump_kept(const char *why);
/* load: this boot is armed; unload (a clean shutdown): it no longer is. */
void notice_arm(void);
void notice_disarm(void);

#endif
