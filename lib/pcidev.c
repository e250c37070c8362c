// SPDX-License-Identifier: LGPL-2.1-or-later
/* What sysfs says about one PCI device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/header.h>

#include "internal.h"

int vfh_pci_driver(struct vfh_ctx *ctx, const char *addr, char *buf, size_t len)
{
	int r = vfh_read_link_name(ctx, VFH_ROOT_SYS, buf, len, PCI_DEV_FMT "/driver", addr);

	if (r == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	return r;
}

static int read_id16(struct vfh_ctx *ctx, const char *addr, const char *attr,
		     uint16_t *out)
{
	uint64_t v;
	int r = vfh_read_u64(ctx, VFH_ROOT_SYS, &v, PCI_DEV_FMT "/%s", addr, attr);

	if (r < 0)
		return r;
	if (v > 0xffff)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* The header type decides what VFIO lets share a group: the kernel accepts
 * any driver on a bridge (header type 1, 2).  The first 64 bytes of config
 * space are readable by anyone; the class is the fallback. */
static bool header_is_bridge(struct vfh_ctx *ctx, const char *addr,
			     uint32_t class)
{
	unsigned char hdr;

	if (vfh_read_at(ctx, VFH_ROOT_SYS, &hdr, 1, PCI_HEADER_TYPE,
			PCI_DEV_FMT "/config", addr) == 1) {
		hdr &= 0x7f;	/* bit 7: multi-function */
		return hdr == PCI_HEADER_TYPE_BRIDGE || hdr == PCI_HEADER_TYPE_CARDBUS;
	}
	class >>= 8;
	return class == PCI_CLASS_BRIDGE_PCI || class == PCI_CLASS_BRIDGE_CARDBUS ||
	       class == PCI_CLASS_BRIDGE_PCI_SEMI;
}

/* Fills info; on failure it holds what was read before it. */
static int info_read(struct vfh_ctx *ctx, const struct vfh_pci_addr *pa,
		     struct vfh_pci_info *info)
{
	char addr[VFH_PCI_ADDR_MAX], group[32];
	uint64_t class;
	int r;

	r = vfh_addr_str(pa, addr);
	if (r < 0)
		return vfh_fail(ctx, r, "unprintable PCI address");
	memset(info, 0, sizeof(*info));
	info->addr = *pa;
	r = vfh_exists(ctx, VFH_ROOT_SYS, PCI_DEV_FMT, addr);
	if (r <= 0)
		return r < 0 ? vfh_fail(ctx, r, "%s: %s", addr, strerror(-r)) :
			       vfh_fail(ctx, -ENODEV, "no PCI device %s", addr);

	if ((r = read_id16(ctx, addr, "vendor", &info->vendor)) < 0 ||
	    (r = read_id16(ctx, addr, "device", &info->device)) < 0 ||
	    (r = vfh_read_u64(ctx, VFH_ROOT_SYS, &class, PCI_DEV_FMT "/class", addr)) < 0)
		return vfh_fail(ctx, r, "cannot read the ids of %s: %s", addr, strerror(-r));
	info->class = (uint32_t)(class & 0xffffff);
	/* absent on some virtual functions: ids stay 0 */
	read_id16(ctx, addr, "subsystem_vendor", &info->subsystem_vendor);
	read_id16(ctx, addr, "subsystem_device", &info->subsystem_device);

	r = vfh_pci_driver(ctx, addr, info->driver, sizeof(info->driver));
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read the driver of %s: %s", addr, strerror(-r));
	r = vfh_read_str(ctx, VFH_ROOT_SYS, info->driver_override,
			 sizeof(info->driver_override), PCI_DEV_FMT "/driver_override", addr);
	if (r < 0 && r != -ENOENT)
		return vfh_fail(ctx, r, "cannot read driver_override of %s: %s", addr, strerror(-r));
	if (strcmp(info->driver_override, "(null)") == 0)
		info->driver_override[0] = '\0';

	info->iommu_group = -1;
	r = vfh_read_link_name(ctx, VFH_ROOT_SYS, group, sizeof(group),
			       PCI_DEV_FMT "/iommu_group", addr);
	if (r == 0) {
		char *end;
		long g = strtol(group, &end, 10);

		if (*end || end == group || g < 0 || g > 0x7fffffff)
			return vfh_fail(ctx, -EINVAL, "%s: odd iommu_group link '%s'", addr, group);
		info->iommu_group = (int)g;
	} else if (r != -ENOENT) {
		return vfh_fail(ctx, r, "cannot read the IOMMU group of %s: %s", addr, strerror(-r));
	}

	r = vfh_read_str(ctx, VFH_ROOT_SYS, info->reset_method,
			 sizeof(info->reset_method), PCI_DEV_FMT "/reset_method", addr);
	if (r < 0)
		info->reset_method[0] = '\0';

	info->boot_vga = -1;
	if ((info->class >> 16) == PCI_BASE_CLASS_DISPLAY) {
		int v;

		info->is_display = true;
		if (vfh_read_int(ctx, VFH_ROOT_SYS, &v, PCI_DEV_FMT "/boot_vga", addr) == 0)
			info->boot_vga = v ? 1 : 0;
	}
	info->is_bridge = header_is_bridge(ctx, addr, info->class);

	r = vfh_read_link_name(ctx, VFH_ROOT_SYS, group, sizeof(group),
			       PCI_DEV_FMT "/physfn", addr);
	if (r == 0) {
		if (vfh_pci_addr_parse(group, &info->physfn) < 0)
			return vfh_fail(ctx, -EINVAL, "%s: odd physfn link '%s'", addr, group);
		info->is_virtfn = true;
	} else if (r != -ENOENT) {
		return vfh_fail(ctx, r, "cannot read the physical function of %s: %s", addr,
				strerror(-r));
	}
	if (vfh_read_int(ctx, VFH_ROOT_SYS, &info->sriov_numvfs, PCI_DEV_FMT "/sriov_numvfs",
			 addr) < 0 || info->sriov_numvfs < 0)
		info->sriov_numvfs = 0;
	return 0;
}

VFH_EXPORT int vfh_pci_info_read_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *pa,
				    struct vfh_pci_info *info, size_t size)
{
	struct vfh_pci_info full;
	int r;

	vfh_enter(ctx);
	if (!pa || !info || size == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_info_read: no address, no struct or "
				"size 0");
	r = info_read(ctx, pa, &full);
	vfh_struct_out(info, size, &full, sizeof(full));
	return r;
}

VFH_EXPORT int vfh_pci_binding_read_sz(struct vfh_ctx *ctx, const struct vfh_pci_addr *pa,
				       struct vfh_pci_binding *b, size_t size)
{
	struct vfh_pci_binding full;
	struct vfh_pci_info info;
	int r;

	vfh_enter(ctx);
	if (!pa || !b || size == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_binding_read: no address, no struct or "
				"size 0");
	r = info_read(ctx, pa, &info);
	if (r < 0)
		return r;
	memcpy(full.driver, info.driver, sizeof(full.driver));
	memcpy(full.driver_override, info.driver_override, sizeof(full.driver_override));
	vfh_struct_out(b, size, &full, sizeof(full));
	return 0;
}
