// SPDX-License-Identifier: LGPL-2.1-or-later
/* The kernel's own function reset of one device (FLR, PM or bus reset,
 * whichever reset_method says). */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* 1 when the device has a reset file, 0 when not; -ENODEV (with the
 * error line) when the device is not there. */
static int has_reset(struct vfh_ctx *ctx, const char *addr)
{
	int r = vfh_exists(ctx, VFH_ROOT_SYS, PCI_DEV_FMT, addr);

	if (r == 0)
		return vfh_fail(ctx, -ENODEV, "no PCI device %s", addr);
	if (r > 0)
		r = vfh_exists(ctx, VFH_ROOT_SYS, PCI_DEV_FMT "/reset", addr);
	return r < 0 ? vfh_fail(ctx, r, "%s: %s", addr, strerror(-r)) : r;
}

VFH_EXPORT int vfh_pci_reset(struct vfh_ctx *ctx, const struct vfh_pci_addr *pa)
{
	char addr[VFH_PCI_ADDR_MAX];
	int r;

	vfh_enter(ctx);
	if (!pa)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_reset: no address");
	vfh_addr_str(pa, addr);
	r = has_reset(ctx, addr);
	if (r == 0)
		return vfh_fail(ctx, -ENOTTY, "%s has no reset method the kernel can use "
				"(no FLR, PM or bus reset); consider reset = suspend", addr);
	if (r < 0)
		return r;
	r = vfh_write_str_bounded(ctx, VFH_ROOT_SYS, "1", PCI_DEV_FMT "/reset", addr);
	if (r == -ETIME)
		return r;	/* the line says what is stuck */
	if (r < 0)
		return vfh_fail(ctx, r, "resetting %s failed: %s%s", addr, strerror(-r),
				r == -ENOTTY ? " (no usable reset method; consider reset = suspend)" : "");
	vfh_info(ctx, "reset %s", addr);
	return 0;
}

VFH_EXPORT int vfh_pci_reset_supported(struct vfh_ctx *ctx, const struct vfh_pci_addr *pa)
{
	char addr[VFH_PCI_ADDR_MAX];

	vfh_enter(ctx);
	if (!pa)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_reset_supported: no address");
	vfh_addr_str(pa, addr);
	return has_reset(ctx, addr);
}
