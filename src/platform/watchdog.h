/*
 * watchdog.h - the hardware watchdog the crashed kernel left running.
 */
#ifndef LIFEBOAT_WATCHDOG_H
#define LIFEBOAT_WATCHDOG_H

/*
 * Opens /dev/watchdogN if sysfs says that watchdog is active (a timer the
 * first kernel armed keeps counting through the crash); -1 if none is.  An
 * idle watchdog is left alone: opening it would arm it.
 */
int watchdog_open_running(void);

#endif
