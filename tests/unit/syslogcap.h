/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hook's engine logs through syslog(3).  Inside the unit test programs
 * syslog goes nowhere near the machine's log: these definitions take the
 * place of libc's (the engine is linked statically into each program) and
 * keep what would have been logged, for tests to assert on. */
#ifndef VFH_TEST_SYSLOGCAP_H
#define VFH_TEST_SYSLOGCAP_H

#include <stddef.h>

/* Everything logged since the last clear, one "<prio> message" per line
 * (prio without the facility: 3 err, 4 warning, 6 info, 7 debug). */
const char *t_syslog(void);
void t_syslog_clear(void);
/* How many times openlog() was called, and whether closelog() followed. */
unsigned int t_syslog_opens(void);

#endif
