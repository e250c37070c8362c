// SPDX-License-Identifier: LGPL-2.1-or-later
/* Platform devices: the firmware's framebuffers (efifb, simplefb, vesafb),
 * which keep a single GPU's memory claimed after boot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const fb_drivers[] = {
	"efi-framebuffer", "simple-framebuffer", "vesa-framebuffer",
};

static bool is_fb_device(const char *name)
{
	for (size_t i = 0; i < VFH_ARRAY_SIZE(fb_drivers); i++) {
		size_t n = strlen(fb_drivers[i]);

		if (strncmp(name, fb_drivers[i], n) == 0 && name[n] == '.')
			return true;
	}
	return false;
}

VFH_EXPORT int vfh_fb_platform_list_sz(struct vfh_ctx *ctx, struct vfh_platform_dev **devs,
				       size_t *n, size_t stride)
{
	struct vfh_platform_dev *v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	vfh_enter(ctx);
	if (!devs || !n || stride == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_fb_platform_list: no array, no count or "
				"stride 0");
	*devs = NULL;
	*n = 0;
	d = vfh_opendir(ctx, VFH_ROOT_SYS, "bus/platform/devices");
	if (!d)
		return errno == ENOENT ? 0 : vfh_fail(ctx, -errno, "cannot list platform "
						      "devices: %s", strerror(errno));
	while ((de = readdir(d))) {
		struct vfh_platform_dev p = { 0 };

		if (!is_fb_device(de->d_name) || strlen(de->d_name) >= sizeof(p.device))
			continue;
		r = vfh_read_link_name(ctx, VFH_ROOT_SYS, p.driver, sizeof(p.driver),
				       "bus/platform/devices/%s/driver", de->d_name);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		strcpy(p.device, de->d_name);
		r = vfh_array_push((void **)&v, &cnt, &cap, &p, sizeof(p));
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		free(v);
		return vfh_fail(ctx, r, "cannot read framebuffer devices: %s", strerror(-r));
	}
	r = vfh_array_out((void **)devs, v, cnt, sizeof(*v), stride);
	if (r < 0)
		return vfh_fail(ctx, r, "out of memory");
	*n = cnt;
	return 0;
}

struct want_platform {
	const char *device;
	const char *driver;	/* "" = unbound */
};

static int platform_driver_is(struct vfh_ctx *ctx, const void *data)
{
	const struct want_platform *w = data;
	char cur[VFH_NAME_MAX];
	int r = vfh_read_link_name(ctx, VFH_ROOT_SYS, cur, sizeof(cur),
				   "bus/platform/devices/%s/driver", w->device);

	if (r == -ENOENT)
		cur[0] = '\0';
	else if (r < 0)
		return r;
	return strcmp(cur, w->driver) == 0;
}

static int platform_move(struct vfh_ctx *ctx, const char *driver, const char *device,
			 bool bind)
{
	struct want_platform w = { device, bind ? driver : "" };
	bool written;
	int r;

	vfh_enter(ctx);
	if (!driver || !device || strchr(driver, '/') || strchr(device, '/') || !*driver ||
	    !*device || strcmp(driver, "..") == 0 || strcmp(device, "..") == 0)
		return vfh_fail(ctx, -EINVAL, "invalid platform device %s/%s",
				driver ? driver : "", device ? device : "");
	if (platform_driver_is(ctx, &w) == 1)
		return 0;
	r = vfh_write_and_wait(ctx, VFH_ROOT_SYS, device, platform_driver_is, &w, &written,
			       "bus/platform/drivers/%s/%s", driver, bind ? "bind" : "unbind");
	if (r == -ETIME)
		return r;	/* the line says what is stuck */
	if (r < 0 && !written) {
		return vfh_fail(ctx, r, "%s %s %s %s failed: %s", bind ? "binding" : "unbinding",
				device, bind ? "to" : "from", driver, strerror(-r));
	}
	if (r < 0)
		return vfh_fail(ctx, r, "%s did not %s %s within %u ms (the wait bound)", device,
				bind ? "bind to" : "leave", driver, ctx->wait_ms);
	vfh_info(ctx, "%s %s %s", device, bind ? "bound to" : "unbound from", driver);
	return 0;
}

VFH_EXPORT int vfh_platform_unbind(struct vfh_ctx *ctx, const char *driver,
				   const char *device)
{
	return platform_move(ctx, driver, device, false);
}

VFH_EXPORT int vfh_platform_bind(struct vfh_ctx *ctx, const char *driver,
				 const char *device)
{
	return platform_move(ctx, driver, device, true);
}

VFH_EXPORT int vfh_platform_dev_present(struct vfh_ctx *ctx, const char *device)
{
	int r;

	vfh_enter(ctx);
	if (!device || !*device || strchr(device, '/') || strcmp(device, ".") == 0 ||
	    strcmp(device, "..") == 0)
		return vfh_fail(ctx, -EINVAL, "invalid platform device name '%s'",
				device ? device : "");
	r = vfh_exists(ctx, VFH_ROOT_SYS, "bus/platform/devices/%s", device);
	if (r < 0)
		return vfh_fail(ctx, r, "platform device %s: %s", device, strerror(-r));
	return r;
}
