// SPDX-License-Identifier: LGPL-2.1-or-later
/* The hook logs to syslog (journald keeps it, tagged vfiohook): what it
 * did, step by step, with durations.  stderr gets one line, on failure. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "engine.h"

static void lib_to_syslog(void *data, int prio, const char *file, int line, const char *fn,
			  const char *fmt, va_list args) __attribute__((format(printf, 6, 0)));

static void lib_to_syslog(void *data, int prio, const char *file, int line, const char *fn,
			  const char *fmt, va_list args)
{
	(void)data;
	(void)file;
	(void)line;
	(void)fn;
	vsyslog(LOG_DAEMON | prio, fmt, args);
}

void eng_log_open(struct vfh_ctx *ctx)
{
	openlog("vfiohook", LOG_PID, LOG_DAEMON);
	vfh_ctx_set_log_fn(ctx, lib_to_syslog, NULL);
	/* the library's own steps (each write, each wait) are worth keeping
	 * at info; VFIOHOOK_LOG=debug adds every sysfs write */
	if (vfh_ctx_get_log_priority(ctx) < LOG_INFO)
		vfh_ctx_set_log_priority(ctx, LOG_INFO);
}

void eng_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(LOG_DAEMON | prio, fmt, ap);
	va_end(ap);
}

double eng_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
