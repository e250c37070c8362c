// SPDX-License-Identifier: LGPL-2.1-or-later
/* The engine's error object: one -errno and one line for the user. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

void eng_err_clear(struct eng_err *e)
{
	e->err = 0;
	e->msg[0] = '\0';
}

int eng_fail(struct eng_err *e, int err, const char *fmt, ...)
{
	va_list ap;

	e->err = err;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return err;
}

const char *eng_why(struct vfh_ctx *ctx, int err)
{
	const char *m = ctx ? vfh_ctx_errmsg(ctx) : "";

	return *m ? m : strerror(-err);
}

int eng_fail_lib(struct eng_err *e, struct vfh_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	e->err = err;
	e->msg[0] = '\0';
	if (fmt && *fmt) {
		va_start(ap, fmt);
		n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		if (n < 0 || (size_t)n >= sizeof(e->msg) - 2)
			return err;
		e->msg[n++] = ':';
		e->msg[n++] = ' ';
	}
	snprintf(e->msg + n, sizeof(e->msg) - (size_t)n, "%s", eng_why(ctx, err));
	return err;
}
