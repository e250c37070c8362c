// SPDX-License-Identifier: LGPL-2.1-or-later
/* The hook's log: what it did, step by step, with durations.  Under
 * journald every line carries structured fields (SYSLOG_IDENTIFIER=vfiohook,
 * VFIOHOOK_DOMAIN, VFIOHOOK_PHASE, and for a step STEP and DURATION_MS), so
 * that `journalctl -t vfiohook VFIOHOOK_DOMAIN=win11` is one VM's history;
 * without journald, plain syslog with the same text.  stderr gets one line,
 * on failure (engine.c), whatever the log goes to. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "engine.h"

static struct {
	bool journal;			/* journald's socket was there at open */
	char domain[VFH_DOMAIN_MAX + 1];
	char phase[16];
} lg;

/* One field "NAME=value" into f (at most len bytes); 1 when added. */
static int field(struct iovec *iov, char *f, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int field(struct iovec *iov, char *f, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(f, len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	iov->iov_base = f;
	iov->iov_len = (size_t)n < len ? (size_t)n : len - 1;
	return 1;
}

/* step: its 1-based number, 0 for none; ms < 0: no duration */
static void emit(int prio, size_t step, double ms, const char *fmt, va_list args)
	__attribute__((format(printf, 4, 0)));
static void emit(int prio, size_t step, double ms, const char *fmt, va_list args)
{
	char msg[2048], p[16], fac[24], dom[sizeof(lg.domain) + 20], ph[sizeof(lg.phase) + 20],
	     st[40], dur[48];
	struct iovec iov[8];
	va_list copy;
	int n = 0;

	if (lg.journal) {
		va_copy(copy, args);
		memcpy(msg, "MESSAGE=", 8);
		vsnprintf(msg + 8, sizeof(msg) - 8, fmt, copy);
		va_end(copy);
		iov[n].iov_base = msg;
		iov[n++].iov_len = strlen(msg);
		n += field(&iov[n], p, sizeof(p), "PRIORITY=%d", prio);
		n += field(&iov[n], fac, sizeof(fac), "SYSLOG_FACILITY=%d", LOG_DAEMON >> 3);
		iov[n].iov_base = (char *)"SYSLOG_IDENTIFIER=vfiohook";
		iov[n++].iov_len = strlen("SYSLOG_IDENTIFIER=vfiohook");
		if (*lg.domain)
			n += field(&iov[n], dom, sizeof(dom), "VFIOHOOK_DOMAIN=%s", lg.domain);
		if (*lg.phase)
			n += field(&iov[n], ph, sizeof(ph), "VFIOHOOK_PHASE=%s", lg.phase);
		if (step)
			n += field(&iov[n], st, sizeof(st), "STEP=%zu", step);
		if (ms >= 0)
			n += field(&iov[n], dur, sizeof(dur), "DURATION_MS=%.1f", ms);
		if (sd_journal_sendv(iov, n) >= 0)
			return;
		/* journald went away: syslog still may be there */
	}
	vsyslog(LOG_DAEMON | prio, fmt, args);
}

static void lib_to_log(void *data, int prio, const char *file, int line, const char *fn,
		       const char *fmt, va_list args) __attribute__((format(printf, 6, 0)));
static void lib_to_log(void *data, int prio, const char *file, int line, const char *fn,
		       const char *fmt, va_list args)
{
	(void)data;
	(void)file;
	(void)line;
	(void)fn;
	emit(prio, 0, -1, fmt, args);
}

void eng_log_open(struct vfh_ctx *ctx)
{
	char sock[512];
	struct stat st;

	openlog("vfiohook", LOG_PID, LOG_DAEMON);
	/* through the path layer: a test's fake run root has no journald */
	lg.journal = vfh_ctx_path(ctx, VFH_ROOT_RUN, sock, sizeof(sock), "systemd/journal/socket")
			== 0 && stat(sock, &st) == 0 && S_ISSOCK(st.st_mode);
	vfh_ctx_set_log_fn(ctx, lib_to_log, NULL);
	/* the library's own steps (each write, each wait) are worth keeping
	 * at info; VFIOHOOK_LOG=debug adds every sysfs write */
	if (vfh_ctx_get_log_priority(ctx) < LOG_INFO)
		vfh_ctx_set_log_priority(ctx, LOG_INFO);
}

void eng_log_context(const char *domain, const char *phase)
{
	snprintf(lg.domain, sizeof(lg.domain), "%s", domain ? domain : "");
	snprintf(lg.phase, sizeof(lg.phase), "%s", phase ? phase : "");
}

bool eng_log_journald(void)
{
	return lg.journal;
}

void eng_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(prio, 0, -1, fmt, ap);
	va_end(ap);
}

void eng_log_step(int prio, size_t step, double ms, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(prio, step, ms, fmt, ap);
	va_end(ap);
}

double eng_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
