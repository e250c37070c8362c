// SPDX-License-Identifier: LGPL-2.1-or-later
/* The context: roots, logging, the last error line, lazily opened handles. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libkmod.h>
#include <libudev.h>
#include <pci/pci.h>
#include <systemd/sd-bus.h>

#include "internal.h"

static const char *const default_roots[VFH_ROOT__COUNT] = {
	[VFH_ROOT_SYS] = "/sys",
	[VFH_ROOT_PROC] = "/proc",
	[VFH_ROOT_DEV] = "/dev",
	[VFH_ROOT_RUN] = "/run",
	[VFH_ROOT_CGROUP] = "/sys/fs/cgroup",
	[VFH_ROOT_ETC] = "/etc",
};

static int priority_from_string(const char *s)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
	};
	char *end;
	long v = strtol(s, &end, 10);

	if (*s && *end == '\0' && v >= 0 && v <= LOG_DEBUG)
		return (int)v;
	for (size_t i = 0; i < VFH_ARRAY_SIZE(names); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "error") == 0)
		return LOG_ERR;
	return -1;
}

VFH_EXPORT struct vfh_ctx *vfh_ctx_new(void)
{
	struct vfh_ctx *ctx = calloc(1, sizeof(*ctx));
	const char *env;

	if (!ctx)
		return NULL;
	ctx->refcount = 1;
	ctx->log_priority = LOG_ERR;
	ctx->wait_ms = 10000;
	ctx->write_ms = VFH_WRITE_MS_DEFAULT;
	for (int i = 0; i < VFH_ROOT__COUNT; i++) {
		ctx->root[i] = strdup(default_roots[i]);
		if (!ctx->root[i])
			return vfh_ctx_unref(ctx);
	}
	env = secure_getenv("VFIOHOOK_LOG");
	if (env && priority_from_string(env) >= 0)
		ctx->log_priority = priority_from_string(env);
	return ctx;
}

VFH_EXPORT struct vfh_ctx *vfh_ctx_ref(struct vfh_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

VFH_EXPORT struct vfh_ctx *vfh_ctx_unref(struct vfh_ctx *ctx)
{
	if (!ctx || --ctx->refcount > 0)
		return NULL;
	vfh_wait_disarm(ctx);
	vfh_stuck_reap(ctx);
	if (ctx->udev)
		udev_unref(ctx->udev);
	if (ctx->pacc)
		pci_cleanup(ctx->pacc);
	if (ctx->kmod)
		kmod_unref(ctx->kmod);
	if (ctx->bus)
		sd_bus_flush_close_unref(ctx->bus);
	for (int i = 0; i < VFH_ROOT__COUNT; i++)
		free(ctx->root[i]);
	free(ctx);
	return NULL;
}

VFH_EXPORT int vfh_ctx_set_root(struct vfh_ctx *ctx, enum vfh_root root,
				const char *path)
{
	char *copy;
	size_t len;

	vfh_enter(ctx);
	if ((unsigned)root >= VFH_ROOT__COUNT)
		return vfh_fail(ctx, -EINVAL, "no root number %d", (int)root);
	if (!path || path[0] != '/')
		return vfh_fail(ctx, -EINVAL, "root '%s' is not an absolute path", path ? path : "");
	if (strlen(path) >= VFH_PATH_MAX)
		return vfh_fail(ctx, -ENAMETOOLONG, "root of %zu characters: too long",
				strlen(path));
	copy = strdup(path);
	if (!copy)
		return vfh_fail(ctx, -ENOMEM, "out of memory");
	/* "/sys/" and "/sys" name the same root; keep one spelling so paths
	 * and vfh_ctx_is_live() compare simply. */
	len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	free(ctx->root[root]);
	ctx->root[root] = copy;
	if (root == VFH_ROOT_SYS && ctx->pacc) {
		/* libpci captured the old sysfs path: reopen on next use */
		pci_cleanup(ctx->pacc);
		ctx->pacc = NULL;
	}
	return 0;
}

VFH_EXPORT int vfh_ctx_set_prefix(struct vfh_ctx *ctx, const char *prefix)
{
	char *roots[VFH_ROOT__COUNT] = { 0 };
	size_t plen;
	int r = 0;

	vfh_enter(ctx);
	if (!prefix || prefix[0] != '/')
		return vfh_fail(ctx, -EINVAL, "prefix '%s' is not an absolute path",
				prefix ? prefix : "");
	plen = strlen(prefix);
	while (plen > 0 && prefix[plen - 1] == '/')
		plen--;
	/* all or nothing: build every root before replacing any */
	for (int i = 0; i < VFH_ROOT__COUNT && r == 0; i++) {
		if (plen + strlen(default_roots[i]) >= VFH_PATH_MAX)
			r = -ENAMETOOLONG;
		else if (asprintf(&roots[i], "%.*s%s", (int)plen, prefix, default_roots[i]) < 0) {
			roots[i] = NULL;
			r = -ENOMEM;
		}
	}
	if (r < 0) {
		for (int i = 0; i < VFH_ROOT__COUNT; i++)
			free(roots[i]);
		return vfh_fail(ctx, r, "prefix %.64s...: %s", prefix, strerror(-r));
	}
	for (int i = 0; i < VFH_ROOT__COUNT; i++) {
		free(ctx->root[i]);
		ctx->root[i] = roots[i];
	}
	if (ctx->pacc) {
		pci_cleanup(ctx->pacc);
		ctx->pacc = NULL;
	}
	return 0;
}

VFH_EXPORT const char *vfh_ctx_get_root(const struct vfh_ctx *ctx,
					enum vfh_root root)
{
	if ((unsigned)root >= VFH_ROOT__COUNT)
		return NULL;
	return ctx->root[root];
}

VFH_EXPORT bool vfh_ctx_is_live(const struct vfh_ctx *ctx)
{
	for (int i = 0; i < VFH_ROOT__COUNT; i++)
		if (strcmp(ctx->root[i], default_roots[i]) != 0)
			return false;
	return true;
}

VFH_EXPORT int vfh_ctx_path(const struct vfh_ctx *ctx, enum vfh_root root,
			    char *buf, size_t len, const char *fmt, ...)
{
	/* the error line is not what the const promises to keep: the context
	 * itself is never const (vfh_ctx_new() allocates it) */
	struct vfh_ctx *mut = (struct vfh_ctx *)ctx;
	va_list ap;
	int r;

	vfh_enter(mut);
	if (!buf || !fmt)
		return vfh_fail(mut, -EINVAL, "vfh_ctx_path: no buffer or no format");
	va_start(ap, fmt);
	r = vfh_vpath(ctx, root, buf, len, fmt, ap);
	va_end(ap);
	if (r == -ENAMETOOLONG)
		return vfh_fail(mut, r, "path below %s longer than %zu bytes",
				(unsigned)root < VFH_ROOT__COUNT ? ctx->root[root] : "?", len);
	if (r < 0)
		return vfh_fail(mut, r, "no root number %d, or a path climbing out of its "
				"root (\"..\")", (int)root);
	return r;
}

VFH_EXPORT void vfh_ctx_set_log_fn(struct vfh_ctx *ctx, vfh_log_fn fn, void *data)
{
	ctx->log_fn = fn;
	ctx->log_data = data;
}

VFH_EXPORT void vfh_ctx_set_log_priority(struct vfh_ctx *ctx, int priority)
{
	ctx->log_priority = priority;
}

VFH_EXPORT int vfh_ctx_get_log_priority(const struct vfh_ctx *ctx)
{
	return ctx->log_priority;
}

VFH_EXPORT int vfh_ctx_set_wait_ms(struct vfh_ctx *ctx, unsigned int ms)
{
	vfh_enter(ctx);
	if (ms == 0)
		return vfh_fail(ctx, -EINVAL, "a wait bound of 0 ms would never wait");
	ctx->wait_ms = ms;
	return 0;
}

VFH_EXPORT unsigned int vfh_ctx_get_wait_ms(const struct vfh_ctx *ctx)
{
	return ctx->wait_ms;
}

VFH_EXPORT int vfh_ctx_set_write_ms(struct vfh_ctx *ctx, unsigned int ms)
{
	vfh_enter(ctx);
	if (ms == 0)
		return vfh_fail(ctx, -EINVAL, "a write bound of 0 ms would cut off every write");
	ctx->write_ms = ms;
	return 0;
}

VFH_EXPORT unsigned int vfh_ctx_get_write_ms(const struct vfh_ctx *ctx)
{
	return ctx->write_ms;
}

VFH_EXPORT pid_t vfh_ctx_stuck_writer(const struct vfh_ctx *ctx)
{
	return ctx->stuck_pid;
}

VFH_EXPORT const char *vfh_ctx_errmsg(const struct vfh_ctx *ctx)
{
	return ctx->errmsg;
}

VFH_EXPORT void vfh_ctx_clear_error(struct vfh_ctx *ctx)
{
	ctx->errmsg[0] = '\0';
}

#ifdef VFH_TEST_BUILD
void vfh_ctx_set_test_ops(struct vfh_ctx *ctx, const struct vfh_test_ops *ops,
			  void *data)
{
	ctx->test_ops = ops;
	ctx->test_data = data;
}
#endif

void vfh_log(struct vfh_ctx *ctx, int prio, const char *file, int line,
	     const char *fn, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->log_fn || prio > ctx->log_priority)
		return;
	va_start(ap, fmt);
	ctx->log_fn(ctx->log_data, prio, file, line, fn, fmt, ap);
	va_end(ap);
}

int vfh_fail_at(struct vfh_ctx *ctx, int err, const char *file, int line,
		const char *fn, const char *fmt, ...)
{
	va_list ap;

	char msg[sizeof(ctx->errmsg)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ctx->errmsg_held)
		memcpy(ctx->errmsg, msg, sizeof(msg));
	vfh_log(ctx, LOG_ERR, file, line, fn, "%s", msg);
	return err;
}
