// SPDX-License-Identifier: LGPL-2.1-or-later
/* Taking devices off the bus and bringing them back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct presence {
	const struct vfh_pci_removed *devs;
	size_t n;
	bool present;		/* wait for all present, or all gone */
	size_t first_missing;	/* out: the first device not as wanted */
};

static int devices_are(struct vfh_ctx *ctx, const void *data)
{
	struct presence *p = (struct presence *)data;

	for (size_t i = 0; i < p->n; i++) {
		char a[VFH_PCI_ADDR_MAX];
		int r;

		vfh_addr_str(&p->devs[i].addr, a);
		r = vfh_exists(ctx, VFH_ROOT_SYS, PCI_DEV_FMT, a);
		if (r < 0)
			return r;
		if ((r == 1) != p->present) {
			p->first_missing = i;
			return 0;
		}
	}
	return 1;
}

/* The slot's functions in removal order: highest function first, so a
 * multi-function device loses function 0 last. */
static int targets(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
		   unsigned int flags, struct vfh_pci_removed **out, size_t *n)
{
	struct vfh_pci_addr *others = NULL;
	size_t nothers = 0;
	struct vfh_pci_removed *v;
	int r;

	if (flags & VFH_REMOVE_SLOT) {
		r = vfh_pci_companions(ctx, addr, &others, &nothers);
		if (r < 0)
			return r;
	}
	v = calloc(nothers + 1, sizeof(*v));
	if (!v) {
		free(others);
		return vfh_fail(ctx, -ENOMEM, "out of memory");
	}
	v[0].addr = *addr;
	for (size_t i = 0; i < nothers; i++)
		v[i + 1].addr = others[i];
	free(others);
	*n = nothers + 1;
	for (size_t i = 0; i < *n; i++)
		for (size_t j = i + 1; j < *n; j++)
			if (vfh_pci_addr_cmp(&v[j].addr, &v[i].addr) > 0) {
				struct vfh_pci_removed t = v[i];

				v[i] = v[j];
				v[j] = t;
			}
	for (size_t i = 0; i < *n; i++) {
		r = vfh_pci_binding_read(ctx, &v[i].addr, &v[i].binding);
		if (r < 0) {
			free(v);
			return r;
		}
	}
	*out = v;
	return 0;
}

VFH_EXPORT int vfh_pci_remove_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *addr,
				 unsigned int flags, struct vfh_pci_removed **removed,
				 size_t *n_removed, size_t stride)
{
	struct vfh_pci_removed *v = NULL;
	size_t n = 0, done = 0;
	int r;

	vfh_enter(ctx);
	if (removed) {
		*removed = NULL;
		if (n_removed)
			*n_removed = 0;
	}
	if (!addr || (removed && (!n_removed || stride == 0)))
		return vfh_fail(ctx, -EINVAL, "vfh_pci_remove: no address, no count or stride 0");
	if (flags & ~(unsigned int)VFH_REMOVE_SLOT)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_remove: unknown flags 0x%x", flags);
	r = targets(ctx, addr, flags, &v, &n);
	if (r < 0)
		return r;
	for (; done < n; done++) {
		struct presence gone = { &v[done], 1, false, 0 };
		char a[VFH_PCI_ADDR_MAX];
		bool written;

		vfh_addr_str(&v[done].addr, a);
		r = vfh_write_and_wait(ctx, VFH_ROOT_SYS, "1", devices_are, &gone, &written,
				       PCI_DEV_FMT "/remove", a);
		if (r == -ETIME) {
			/* the stuck remove holds the bus's rescan lock: a
			 * rescan now would block as well */
			free(v);
			return r;
		}
		if (r < 0 && !written) {
			r = vfh_fail(ctx, r, "removing %s from the bus failed: %s", a, strerror(-r));
			break;
		}
		if (r < 0) {
			r = vfh_fail(ctx, r, "%s was still on the bus %u ms after remove (the "
				     "wait bound)", a, ctx->wait_ms);
			break;
		}
		vfh_info(ctx, "removed %s (was on %s)", a,
			 *v[done].binding.driver ? v[done].binding.driver : "no driver");
	}
	if (r < 0) {
		/* nothing half-done: bring back what went */
		vfh_err_hold(ctx);
		if (done > 0)
			vfh_pci_rescan(ctx, v, done);
		vfh_err_release(ctx);
		free(v);
		return r;
	}
	if (removed) {
		r = vfh_array_out((void **)removed, v, n, sizeof(*v), stride);
		if (r < 0)
			return vfh_fail(ctx, r, "out of memory for the list of removed devices "
					"(they are off the bus)");
		*n_removed = n;
	} else {
		free(v);
	}
	return 0;
}

static int rescan(struct vfh_ctx *ctx, const struct vfh_pci_removed *devs, size_t n)
{
	struct presence back = { devs, n, true, 0 };
	int r, first_err = 0;
	bool written;

	r = vfh_write_and_wait(ctx, VFH_ROOT_SYS, "1", devices_are, &back, &written,
			       "bus/pci/rescan");
	if (r == -ETIME)
		return r;	/* the line says what is stuck */
	if (r < 0 && !written)
		return vfh_fail(ctx, r, "rescanning the PCI bus failed: %s", strerror(-r));
	if (r < 0) {
		char a[VFH_PCI_ADDR_MAX];

		vfh_addr_str(&devs[back.first_missing].addr, a);
		return vfh_fail(ctx, r, "%s did not come back within %u ms of the rescan (the "
				"wait bound); check journalctl -k, a reboot may be needed", a,
				ctx->wait_ms);
	}
	/* back in increasing function order, then each on its old driver */
	for (size_t i = n; i-- > 0;) {
		r = vfh_pci_restore(ctx, &devs[i].addr, &devs[i].binding);
		if (r < 0 && !first_err) {
			/* the next restores would clear its line */
			first_err = r;
			vfh_err_hold(ctx);
		}
	}
	if (first_err)
		vfh_err_release(ctx);
	return first_err;
}

/* The caller's array at its stride, as this library lays it out. */
static int removed_in(struct vfh_ctx *ctx, const void *in, size_t n, size_t stride,
		      struct vfh_pci_removed **out)
{
	struct vfh_pci_removed *v;

	*out = NULL;
	if (n == 0)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return vfh_fail(ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int r = vfh_struct_in(&v[i], sizeof(v[i]), (const char *)in + i * stride, stride);

		if (r < 0) {
			free(v);
			return vfh_fail(ctx, r, "vfh_pci_rescan: device %zu has fields this "
					"library does not know", i);
		}
	}
	*out = v;
	return 0;
}

VFH_EXPORT int vfh_pci_rescan_sz(struct vfh_ctx *ctx, const struct vfh_pci_removed *in,
				 size_t n, size_t stride)
{
	struct vfh_pci_removed *copy = NULL;
	int r;

	vfh_enter(ctx);
	if ((n && !in) || stride == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_rescan: no devices or stride 0");
	if (stride == sizeof(*in))
		return rescan(ctx, in, n);
	r = removed_in(ctx, in, n, stride, &copy);
	if (r == 0)
		r = rescan(ctx, copy, n);
	free(copy);
	return r;
}
