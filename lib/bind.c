// SPDX-License-Identifier: LGPL-2.1-or-later
/* Moving a PCI device between drivers the way the kernel intends:
 * driver_override + unbind + drivers_probe, each change verified on the
 * driver link, and undone when the next one fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holders.h"
#include "internal.h"

struct want_driver {
	const char *addr;
	const char *driver;	/* "" = unbound */
};

static int driver_is(struct vfh_ctx *ctx, const void *data)
{
	const struct want_driver *w = data;
	char cur[VFH_NAME_MAX];
	int r = vfh_pci_driver(ctx, w->addr, cur, sizeof(cur));

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	return strcmp(cur, w->driver) == 0;
}

static const char *shown(const char *driver)
{
	return *driver ? driver : "no driver";
}

int vfh_pci_driver_ensure(struct vfh_ctx *ctx, const char *driver)
{
	int r = vfh_exists(ctx, VFH_ROOT_SYS, "bus/pci/drivers/%s", driver);

	if (r == 0) {
		r = vfh_module_load(ctx, driver);
		if (r < 0)
			return r;
		r = vfh_exists(ctx, VFH_ROOT_SYS, "bus/pci/drivers/%s", driver);
		if (r == 0)
			return vfh_fail(ctx, -ENOENT, "module %s loaded but registered no PCI "
					"driver named %s", driver, driver);
	}
	if (r < 0)
		return vfh_fail(ctx, r, "cannot look for PCI driver %s: %s", driver, strerror(-r));
	return 0;
}

/* A process holding the device's nodes makes the kernel's unbind wait
 * until it lets go (for ever, for a sound server): never start that write,
 * say who holds it. */
static int refuse_if_held(struct vfh_ctx *ctx, const char *addr, const char *from)
{
	struct vfh_holder *v;
	char who[512];
	size_t n;
	int r = vfh_pci_holders_scan(ctx, addr, &v, &n);

	if (r < 0 || n == 0)
		return 0;	/* nothing known to hold it: the bounded wait decides */
	vfh_holders_text(v, n, who, sizeof(who));
	free(v);
	return vfh_fail(ctx, -EBUSY, "%s is held by %s: unbinding it from %s would block until "
			"%s let%s go (libvirt's start would hang); stop %s first (a sound server: "
			"systemctl --user stop pipewire.socket pipewire.service wireplumber.service)",
			addr, who, from, n == 1 ? "it" : "they", n == 1 ? "s" : "",
			n == 1 ? "it" : "them");
}

/* Unbinds addr from `from` and waits for the link to go. */
static int unbind_from(struct vfh_ctx *ctx, const char *addr, const char *from)
{
	struct want_driver w = { addr, "" };
	bool written;
	int r = vfh_write_and_wait(ctx, VFH_ROOT_SYS, addr, driver_is, &w, &written,
				   "bus/pci/drivers/%s/unbind", from);

	if (r == 0 || r == -ETIME)
		return r;	/* -ETIME: the line says what is stuck */
	if (!written)
		return vfh_fail(ctx, r, "unbinding %s from %s failed: %s", addr, from, strerror(-r));
	if (r == -ETIMEDOUT)
		return vfh_fail(ctx, r, "%s was still on %s %u ms after unbind (the wait bound)",
				addr, from, ctx->wait_ms);
	return vfh_fail(ctx, r, "waiting for %s to leave %s: %s", addr, from, strerror(-r));
}

static int write_override(struct vfh_ctx *ctx, const char *addr, const char *val)
{
	/* "\n" is how the kernel is told to clear it */
	int r = vfh_write_str(ctx, VFH_ROOT_SYS, *val ? val : "\n",
			      PCI_DEV_FMT "/driver_override", addr);

	if (r == -ENOENT)
		return vfh_fail(ctx, -EOPNOTSUPP, "%s has no driver_override (kernel older "
				"than 3.16?)", addr);
	if (r < 0)
		return vfh_fail(ctx, r, "writing driver_override of %s failed: %s", addr,
				strerror(-r));
	return 0;
}

/* Probe (drivers_probe, or the driver's bind file when `explicit`) and wait
 * for the link to name `driver`. */
static int probe_to(struct vfh_ctx *ctx, const char *addr, const char *driver,
		    bool explicit)
{
	struct want_driver w = { addr, driver };
	char now[VFH_NAME_MAX];
	bool written;
	int r;

	if (explicit)
		r = vfh_write_and_wait(ctx, VFH_ROOT_SYS, addr, driver_is, &w, &written,
				       "bus/pci/drivers/%s/bind", driver);
	else
		r = vfh_write_and_wait(ctx, VFH_ROOT_SYS, addr, driver_is, &w, &written,
				       "bus/pci/drivers_probe");
	if (r == 0 || r == -ETIME)
		return r;	/* -ETIME: the line says what is stuck */
	if (!written)
		return vfh_fail(ctx, r, "%s to %s refused: %s (see the kernel log: "
				"journalctl -k)", addr, driver, strerror(-r));
	if (r == -ETIMEDOUT) {
		if (vfh_pci_driver(ctx, addr, now, sizeof(now)) < 0)
			now[0] = '\0';
		return vfh_fail(ctx, r, "%s was not on %s within %u ms (the wait bound); it is "
				"on %s (the driver's probe may have failed: journalctl -k)",
				addr, driver, ctx->wait_ms, shown(now));
	}
	return vfh_fail(ctx, r, "waiting for %s to reach %s: %s", addr, driver, strerror(-r));
}

/* Puts addr back to `prior` after a failed change; best effort, the first
 * error is what the caller reports. */
static void roll_back(struct vfh_ctx *ctx, const char *addr,
		      const struct vfh_pci_binding *prior)
{
	char now[VFH_NAME_MAX];

	vfh_err_hold(ctx);
	write_override(ctx, addr, prior->driver_override);
	if (vfh_pci_driver(ctx, addr, now, sizeof(now)) == 0 &&
	    strcmp(now, prior->driver) != 0) {
		if (*now)
			unbind_from(ctx, addr, now);
		if (*prior->driver)
			probe_to(ctx, addr, prior->driver, true);
	}
	vfh_err_release(ctx);
}

VFH_EXPORT int vfh_pci_bind_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *pa,
			       const char *driver, struct vfh_pci_binding *prior,
			       size_t prior_size)
{
	struct vfh_pci_binding cur;
	char addr[VFH_PCI_ADDR_MAX];
	int r;

	vfh_enter(ctx);
	if (!driver || !*driver || strchr(driver, '/') || strlen(driver) >= VFH_NAME_MAX)
		return vfh_fail(ctx, -EINVAL, "invalid driver name '%s'", driver ? driver : "");
	if (!pa || (prior && prior_size == 0))
		return vfh_fail(ctx, -EINVAL, "vfh_pci_bind: no address, or prior of size 0");
	vfh_addr_str(pa, addr);
	r = vfh_pci_binding_read(ctx, pa, &cur);
	if (r < 0)
		return r;
	if (prior)
		vfh_struct_out(prior, prior_size, &cur, sizeof(cur));
	if (strcmp(cur.driver, driver) == 0) {
		vfh_dbg(ctx, "%s already on %s", addr, driver);
		return 0;
	}
	r = vfh_pci_driver_ensure(ctx, driver);
	if (r < 0)
		return r;
	if (*cur.driver && (r = refuse_if_held(ctx, addr, cur.driver)) < 0)
		return r;
	vfh_info(ctx, "%s: %s -> %s", addr, shown(cur.driver), driver);
	r = write_override(ctx, addr, driver);
	if (r < 0)
		return r;
	if (*cur.driver) {
		r = unbind_from(ctx, addr, cur.driver);
		if (r < 0)
			goto fail;
	}
	r = probe_to(ctx, addr, driver, false);
	if (r < 0)
		goto fail;
	return 0;
fail:
	/* a write that did not return left the device locked by its driver:
	 * any other write to it would block as well */
	if (r != -ETIME)
		roll_back(ctx, addr, &cur);
	return r;
}

VFH_EXPORT int vfh_pci_restore_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *pa,
				  const struct vfh_pci_binding *caller_prior, size_t size)
{
	struct vfh_pci_binding cur, want = { 0 }, *prior = &want;
	char addr[VFH_PCI_ADDR_MAX];
	int r;

	vfh_enter(ctx);
	if (!pa || !caller_prior || size == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_restore: no address, no binding or "
				"size 0");
	r = vfh_struct_in(&want, sizeof(want), caller_prior, size);
	if (r < 0)
		return vfh_fail(ctx, r, "vfh_pci_restore: the binding has fields this library "
				"does not know (%zu bytes, it knows %zu)", size, sizeof(want));
	if (!memchr(want.driver, '\0', sizeof(want.driver)) ||
	    !memchr(want.driver_override, '\0', sizeof(want.driver_override)))
		return vfh_fail(ctx, -EINVAL, "vfh_pci_restore: driver names not terminated");
	if (strchr(prior->driver, '/'))
		return vfh_fail(ctx, -EINVAL, "invalid driver name '%s'", prior->driver);
	vfh_addr_str(pa, addr);
	r = vfh_pci_binding_read(ctx, pa, &cur);
	if (r < 0)
		return r;
	if (strcmp(cur.driver, prior->driver) == 0 &&
	    strcmp(cur.driver_override, prior->driver_override) == 0)
		return 0;
	vfh_info(ctx, "%s: %s -> %s", addr, shown(cur.driver), shown(prior->driver));
	if (strcmp(cur.driver_override, prior->driver_override) != 0) {
		r = write_override(ctx, addr, prior->driver_override);
		if (r < 0)
			return r;
	}
	if (strcmp(cur.driver, prior->driver) == 0)
		return 0;
	if (*cur.driver) {
		r = unbind_from(ctx, addr, cur.driver);
		if (r < 0)
			return r;
	}
	if (!*prior->driver)
		return 0;
	r = vfh_pci_driver_ensure(ctx, prior->driver);
	if (r < 0)
		return r;
	/* loading the module lets the kernel probe the now free device at
	 * once: it may already be where it belongs, or on another driver */
	r = vfh_pci_driver(ctx, addr, cur.driver, sizeof(cur.driver));
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read the driver of %s: %s", addr, strerror(-r));
	if (strcmp(cur.driver, prior->driver) == 0)
		return 0;
	if (*cur.driver && (r = unbind_from(ctx, addr, cur.driver)) < 0)
		return r;
	/* the recorded driver by name, not whatever drivers_probe would pick
	 * first (nouveau and nvidia both loaded, say) */
	r = probe_to(ctx, addr, prior->driver, true);
	if (r == -ENODEV || r == -EINVAL) {
		/* the driver would not take it by name (dynamic id gone): let the
		 * core choose, then check it chose right */
		r = probe_to(ctx, addr, prior->driver, false);
	}
	return r;
}

VFH_EXPORT int vfh_pci_unbind(struct vfh_ctx *ctx, const struct vfh_pci_addr *pa)
{
	char addr[VFH_PCI_ADDR_MAX], cur[VFH_NAME_MAX];
	int r;

	vfh_enter(ctx);
	if (!pa)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_unbind: no address");
	vfh_addr_str(pa, addr);
	r = vfh_pci_driver(ctx, addr, cur, sizeof(cur));
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read the driver of %s: %s", addr, strerror(-r));
	if (!*cur)
		return 0;
	if ((r = refuse_if_held(ctx, addr, cur)) < 0)
		return r;
	return unbind_from(ctx, addr, cur);
}
