// SPDX-License-Identifier: LGPL-2.1-or-later
/* syslog(3) kept in memory: see syslogcap.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "syslogcap.h"

static char captured[65536];
static size_t used;
static unsigned int opens;

void openlog(const char *ident, int option, int facility)
{
	(void)ident;
	(void)option;
	(void)facility;
	opens++;
}

void closelog(void)
{
}

void vsyslog(int priority, const char *format, va_list ap)
{
	int n;

	if (used >= sizeof(captured) - 1)
		return;
	n = snprintf(captured + used, sizeof(captured) - used, "<%d> ", LOG_PRI(priority));
	if (n > 0)
		used += (size_t)n;
	if (used < sizeof(captured) - 1) {
		n = vsnprintf(captured + used, sizeof(captured) - used, format, ap);
		if (n > 0)
			used += (size_t)n;
	}
	if (used > sizeof(captured) - 2)
		used = sizeof(captured) - 2;
	captured[used++] = '\n';
	captured[used] = '\0';
}

void syslog(int priority, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vsyslog(priority, format, ap);
	va_end(ap);
}

const char *t_syslog(void)
{
	return captured;
}

void t_syslog_clear(void)
{
	used = 0;
	captured[0] = '\0';
}

unsigned int t_syslog_opens(void)
{
	return opens;
}
