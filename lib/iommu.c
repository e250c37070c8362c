// SPDX-License-Identifier: LGPL-2.1-or-later
/* IOMMU groups: who shares a group, whether VFIO can take it, and the other
 * functions of a slot (a GPU's HDMI audio). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

VFH_EXPORT bool vfh_driver_is_vfio_ok(const char *driver)
{
	size_t n;

	if (!driver || !*driver)
		return true;
	if (strcmp(driver, "pci-stub") == 0 || strcmp(driver, "vfio-pci") == 0 ||
	    strncmp(driver, "vfio-", 5) == 0 || strncmp(driver, "vfio_", 5) == 0)
		return true;
	n = strlen(driver);
	return n > 9 && strcmp(driver + n - 9, "-vfio-pci") == 0;
}

VFH_EXPORT int vfh_iommu_group_members(struct vfh_ctx *ctx, int group,
				       struct vfh_pci_addr **addrs, size_t *n)
{
	char what[32];
	int r;

	vfh_enter(ctx);
	if (!addrs || !n)
		return vfh_fail(ctx, -EINVAL, "vfh_iommu_group_members: no array or no count");
	*addrs = NULL;
	*n = 0;
	if (group < 0)
		return vfh_fail(ctx, -EINVAL, "no IOMMU group %d", group);
	/* non-PCI members (rare platform devices) are not ours to move; the
	 * kernel judges them when the group is opened */
	snprintf(what, sizeof(what), "IOMMU group %d", group);
	r = vfh_addrs_from_dir(ctx, what, addrs, n, "kernel/iommu_groups/%d/devices", group);
	if (r == -ENOENT && vfh_exists(ctx, VFH_ROOT_SYS, "kernel/iommu_groups") == 0)
		return vfh_fail(ctx, r, "the kernel has no IOMMU groups: enable the IOMMU "
				"(intel_iommu=on or amd_iommu=on, VT-d/AMD-Vi in firmware)");
	if (r < 0)
		return vfh_fail(ctx, r, "cannot list IOMMU group %d: %s", group, strerror(-r));
	return 0;
}

VFH_EXPORT int vfh_iommu_group_viable(struct vfh_ctx *ctx, int group,
				      const struct vfh_pci_addr *ignoring,
				      size_t n_ignoring,
				      struct vfh_pci_addr **blockers,
				      size_t *n_blockers)
{
	struct vfh_pci_addr *members, *bl = NULL;
	size_t n, nb = 0, cap = 0;
	int r;

	vfh_enter(ctx);
	if ((blockers && !n_blockers) || (n_ignoring && !ignoring))
		return vfh_fail(ctx, -EINVAL, "vfh_iommu_group_viable: an array without its "
				"count, or a count without its array");
	if (blockers) {
		*blockers = NULL;
		*n_blockers = 0;
	}
	r = vfh_iommu_group_members(ctx, group, &members, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct vfh_pci_info info;

		if (vfh_addrs_has(ignoring, n_ignoring, &members[i]))
			continue;
		r = vfh_pci_info_read(ctx, &members[i], &info);
		if (r < 0)
			goto out;
		if (info.is_bridge || vfh_driver_is_vfio_ok(info.driver))
			continue;
		r = vfh_addrs_push(&bl, &nb, &cap, &members[i]);
		if (r < 0) {
			r = vfh_fail(ctx, r, "out of memory");
			goto out;
		}
	}
	r = nb == 0 ? 1 : 0;
	if (blockers) {
		*blockers = bl;
		*n_blockers = nb;
		bl = NULL;
	}
out:
	free(bl);
	free(members);
	return r;
}

VFH_EXPORT int vfh_pci_companions(struct vfh_ctx *ctx,
				  const struct vfh_pci_addr *addr,
				  struct vfh_pci_addr **addrs, size_t *n)
{
	struct vfh_pci_addr *v = NULL;
	size_t cnt = 0, cap = 0;
	int r;

	vfh_enter(ctx);
	if (!addr || !addrs || !n)
		return vfh_fail(ctx, -EINVAL, "vfh_pci_companions: no address, array or count");
	*addrs = NULL;
	*n = 0;
	/* SR-IOV: a virtual function shares its slot number with its PF
	 * and sibling VFs, but they are separate devices, never one card's
	 * functions: a VF has no companions and is no one's */
	{
		char s[VFH_PCI_ADDR_MAX];

		vfh_addr_str(addr, s);
		r = vfh_exists(ctx, VFH_ROOT_SYS, PCI_DEV_FMT "/physfn", s);
		if (r < 0)
			goto fail;
		if (r > 0)
			return 0;
	}
	for (uint8_t f = 0; f < 8; f++) {
		struct vfh_pci_addr a = *addr;
		char s[VFH_PCI_ADDR_MAX];

		a.func = f;
		if (f == addr->func)
			continue;
		vfh_addr_str(&a, s);
		r = vfh_exists(ctx, VFH_ROOT_SYS, PCI_DEV_FMT, s);
		if (r < 0)
			goto fail;
		if (r == 0)
			continue;
		r = vfh_exists(ctx, VFH_ROOT_SYS, PCI_DEV_FMT "/physfn", s);
		if (r < 0)
			goto fail;
		if (r > 0)
			continue;
		r = vfh_addrs_push(&v, &cnt, &cap, &a);
		if (r < 0)
			goto fail;
	}
	*addrs = v;
	*n = cnt;
	return 0;
fail:
	free(v);
	return vfh_fail(ctx, r, "cannot list the functions of %04x:%02x:%02x: %s", addr->domain,
			addr->bus, addr->slot, strerror(-r));
}
