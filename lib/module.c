// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel modules through libkmod (no modprobe process).  State is read from
 * the context's sysfs; loading and unloading only ever act on the live
 * kernel, so a context pointed at a fabricated tree refuses them. */
#include <stdio.h>
#include <string.h>

#include <libkmod.h>

#include "internal.h"

static int normalize(struct vfh_ctx *ctx, const char *name, char *out, size_t len)
{
	size_t n;

	if (!name)
		return vfh_fail(ctx, -EINVAL, "no module name");
	n = strlen(name);
	if (n == 0 || n >= len || strchr(name, '/') || name[0] == '.')
		return vfh_fail(ctx, -EINVAL, "invalid module name '%s'", name);
	for (size_t i = 0; i <= n; i++)
		out[i] = name[i] == '-' ? '_' : name[i];
	return 0;
}

static int loaded(struct vfh_ctx *ctx, const char *mod)
{
	char state[32];
	int r = vfh_read_str(ctx, VFH_ROOT_SYS, state, sizeof(state), "module/%s/initstate", mod);

	if (r == 0)
		return strcmp(state, "live") == 0 || strcmp(state, "coming") == 0;
	/* built-in modules may have a directory, never an initstate */
	if (r == -ENOENT)
		r = vfh_exists(ctx, VFH_ROOT_SYS, "module/%s", mod);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read the state of module %s: %s", mod,
				strerror(-r));
	return r;
}

VFH_EXPORT int vfh_module_loaded(struct vfh_ctx *ctx, const char *name)
{
	char mod[VFH_NAME_MAX];
	int r;

	vfh_enter(ctx);
	r = normalize(ctx, name, mod, sizeof(mod));
	return r < 0 ? r : loaded(ctx, mod);
}

static int kmod_ready(struct vfh_ctx *ctx)
{
	if (!vfh_ctx_is_live(ctx))
		return vfh_fail(ctx, -EPERM, "refusing to change kernel modules through a "
				"context that is not the live system");
	if (!ctx->kmod) {
		ctx->kmod = kmod_new(NULL, NULL);
		if (!ctx->kmod)
			return vfh_fail(ctx, -ENOMEM, "libkmod: cannot create a context");
	}
	return 0;
}

VFH_EXPORT int vfh_module_load(struct vfh_ctx *ctx, const char *name)
{
	struct kmod_list *list = NULL, *it;
	char mod[VFH_NAME_MAX];
	int r;

	vfh_enter(ctx);
	r = normalize(ctx, name, mod, sizeof(mod));
	if (r < 0)
		return r;
	r = loaded(ctx, mod);
	if (r != 0)
		return r < 0 ? r : 0;
#ifdef VFH_TEST_BUILD
	if (ctx->test_ops && ctx->test_ops->module) {
		r = ctx->test_ops->module(ctx->test_data, mod, true);
		return r < 0 ? vfh_fail(ctx, r, "loading module %s failed: %s", mod,
					strerror(-r)) : 0;
	}
#endif
	r = kmod_ready(ctx);
	if (r < 0)
		return r;
	r = kmod_module_new_from_lookup(ctx->kmod, name, &list);
	if (r < 0)
		return vfh_fail(ctx, r, "looking up module %s failed: %s", name, strerror(-r));
	if (!list)
		return vfh_fail(ctx, -ENOENT, "no module named %s (a driver may live in a "
				"module of another name: load that one first)", name);
	kmod_list_foreach(it, list) {
		struct kmod_module *m = kmod_module_get_module(it);

		/* IGNORE_COMMAND: a modprobe.d "install" line would have libkmod
		 * run it through a shell, from a root hook */
		r = kmod_module_probe_insert_module(m, KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY |
						    KMOD_PROBE_IGNORE_COMMAND, NULL, NULL, NULL,
						    NULL);
		kmod_module_unref(m);
		if (r < 0)
			break;
	}
	kmod_module_unref_list(list);
	if (r < 0)
		return vfh_fail(ctx, r, "loading module %s failed: %s (see journalctl -k)",
				name, strerror(-r));
	vfh_info(ctx, "loaded module %s", name);
	return 0;
}

/* "nvidia_drm, nvidia_modeset" from /sys/module/NAME/holders. */
static void holders_of(struct vfh_ctx *ctx, const char *mod, char *buf, size_t len)
{
	struct dirent *de;
	size_t used = 0;
	DIR *d;

	buf[0] = '\0';
	d = vfh_opendir(ctx, VFH_ROOT_SYS, "module/%s/holders", mod);
	if (!d)
		return;
	while ((de = readdir(d))) {
		int n;

		if (de->d_name[0] == '.')
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", de->d_name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	closedir(d);
}

VFH_EXPORT int vfh_module_unload(struct vfh_ctx *ctx, const char *name)
{
	struct kmod_module *m = NULL;
	char mod[VFH_NAME_MAX], holders[256];
	int refcnt = 0, r;

	vfh_enter(ctx);
	r = normalize(ctx, name, mod, sizeof(mod));
	if (r < 0)
		return r;
	r = loaded(ctx, mod);
	if (r <= 0)
		return r;
	if (vfh_exists(ctx, VFH_ROOT_SYS, "module/%s/initstate", mod) == 0)
		return vfh_fail(ctx, -EPERM, "module %s is built into the kernel and cannot be "
				"unloaded; remove it from unload_modules", mod);
	holders_of(ctx, mod, holders, sizeof(holders));
	vfh_read_int(ctx, VFH_ROOT_SYS, &refcnt, "module/%s/refcnt", mod);
	if (*holders)
		return vfh_fail(ctx, -EBUSY, "module %s is in use by modules %s: list them "
				"first in unload_modules", mod, holders);
	if (refcnt > 0)
		return vfh_fail(ctx, -EBUSY, "module %s is in use (%d users): stop the programs "
				"holding it (a persistence daemon, the compositor, the display "
				"manager) before the VM starts", mod, refcnt);
#ifdef VFH_TEST_BUILD
	if (ctx->test_ops && ctx->test_ops->module) {
		r = ctx->test_ops->module(ctx->test_data, mod, false);
		return r < 0 ? vfh_fail(ctx, r, "unloading module %s failed: %s", mod,
					strerror(-r)) : 0;
	}
#endif
	r = kmod_ready(ctx);
	if (r < 0)
		return r;
	r = kmod_module_new_from_name(ctx->kmod, mod, &m);
	if (r < 0)
		return vfh_fail(ctx, r, "libkmod: %s: %s", mod, strerror(-r));
	r = kmod_module_remove_module(m, 0);
	kmod_module_unref(m);
	if (r < 0)
		return vfh_fail(ctx, r, "unloading module %s failed: %s", mod, strerror(-r));
	vfh_info(ctx, "unloaded module %s", mod);
	return 0;
}
