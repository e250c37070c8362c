// SPDX-License-Identifier: LGPL-2.1-or-later
/* Waiting for the kernel without sleeping: listen to kernel uevents (bind,
 * unbind, add, remove) and re-check the condition after each one, until it
 * holds or the context's bound expires. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libudev.h>

#include "internal.h"

long long vfh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vfh_wait_arm(struct vfh_ctx *ctx)
{
	if (ctx->mon)
		return;
	/* a fabricated tree has no kernel to send events; its stand-in acts
	 * synchronously inside the write */
#ifdef VFH_TEST_BUILD
	if (ctx->test_ops)
		return;
#endif
	if (!ctx->udev)
		ctx->udev = udev_new();
	if (!ctx->udev)
		return;
	/* "kernel": straight from the kernel, no udevd needed */
	ctx->mon = udev_monitor_new_from_netlink(ctx->udev, "kernel");
	if (!ctx->mon)
		return;
	udev_monitor_set_receive_buffer_size(ctx->mon, 1 << 20);
	if (udev_monitor_enable_receiving(ctx->mon) < 0) {
		udev_monitor_unref(ctx->mon);
		ctx->mon = NULL;
		vfh_warn(ctx, "cannot listen to kernel uevents; waits fall back to one check");
	}
}

void vfh_wait_disarm(struct vfh_ctx *ctx)
{
	if (ctx->mon) {
		udev_monitor_unref(ctx->mon);
		ctx->mon = NULL;
	}
}

int vfh_wait_until(struct vfh_ctx *ctx, vfh_cond_fn cond, const void *data)
{
	long long deadline = vfh_now_ms() + ctx->wait_ms;
	int r;

	for (;;) {
		struct pollfd pfd;
		long long left;

		r = cond(ctx, data);
		if (r != 0)
			break;
		left = deadline - vfh_now_ms();
		if (left <= 0 || !ctx->mon) {
			r = -ETIMEDOUT;
			break;
		}
		pfd.fd = udev_monitor_get_fd(ctx->mon);
		pfd.events = POLLIN;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (r > 0) {
			struct udev_device *dev;

			/* the content does not matter: any event may be ours */
			while ((dev = udev_monitor_receive_device(ctx->mon)))
				udev_device_unref(dev);
		}
	}
	vfh_wait_disarm(ctx);
	return r < 0 ? r : 0;
}

int vfh_write_and_wait(struct vfh_ctx *ctx, enum vfh_root root, const char *val,
		       vfh_cond_fn cond, const void *data, bool *written,
		       const char *fmt, ...)
{
	char rel[VFH_PATH_MAX];
	va_list ap;
	int n, r;

	if (written)
		*written = false;
	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	vfh_wait_arm(ctx);
	r = vfh_write_str_bounded(ctx, root, val, "%s", rel);
	if (r == -EBUSY && cond(ctx, data) == 1)
		r = 0;
	if (r < 0) {
		vfh_wait_disarm(ctx);
		return r;
	}
	if (written)
		*written = true;
	return vfh_wait_until(ctx, cond, data);
}
