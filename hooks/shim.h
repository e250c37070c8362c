/* MERGE: temporary until lib's vfh_platform_dev_present / vfh_pci_reset_supported land */
#include <unistd.h>
static inline int vfh_platform_dev_present(struct vfh_ctx *ctx, const char *dev)
{
	char path[512];

	if (vfh_ctx_path(ctx, VFH_ROOT_SYS, path, sizeof(path), "bus/platform/devices/%s", dev) < 0)
		return -EINVAL;
	return access(path, F_OK) == 0;
}
static inline int vfh_pci_reset_supported(struct vfh_ctx *ctx, const struct vfh_pci_addr *a)
{
	char path[512], s[VFH_PCI_ADDR_MAX];

	vfh_pci_addr_format(a, s, sizeof(s));
	if (vfh_ctx_path(ctx, VFH_ROOT_SYS, path, sizeof(path), "bus/pci/devices/%s/reset", s) < 0)
		return -EINVAL;
	return access(path, F_OK) == 0;
}
