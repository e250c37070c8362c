// SPDX-License-Identifier: LGPL-2.1-or-later
/* What the host cannot give away: the controllers behind its mounted
 * filesystems and swap, the NICs carrying its default routes, its last
 * display. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct needs {
	struct vfh_host_need *v;
	size_t n, cap;
	/* a mount that could not be traced to its controller: every storage
	 * controller (or NIC, for a network filesystem) is presumed needed,
	 * for the first such reason */
	char storage_why[128], net_why[128];
};

/* Fail closed: remembers the first mount that could not be traced (a
 * reason cut at its buffer is still a reason). */
static void presume(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void presume(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (*why)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

static int need_add(struct needs *nd, const struct vfh_pci_addr *a, const char *why)
{
	for (size_t i = 0; i < nd->n; i++)
		if (vfh_pci_addr_eq(&nd->v[i].addr, a))
			return 0;
	struct vfh_host_need h = { .addr = *a };

	snprintf(h.why, sizeof(h.why), "%s", why);
	return vfh_array_push((void **)&nd->v, &nd->n, &nd->cap, &h, sizeof(h));
}

/* The PCI device closest to a sysfs object: the last PCI address among the
 * components of its resolved path.  0 found, -ENOENT none. */
static int pci_of_sysfs(struct vfh_ctx *ctx, const char *rel, struct vfh_pci_addr *out)
{
	char real[PATH_MAX], *save, *tok;
	bool found = false;

	if (vfh_realpath(ctx, VFH_ROOT_SYS, real, sizeof(real), "%s", rel) < 0)
		return -ENOENT;
	for (tok = strtok_r(real, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		struct vfh_pci_addr a;

		if (vfh_pci_addr_parse(tok, &a) == 0) {
			*out = a;
			found = true;
		}
	}
	return found ? 0 : -ENOENT;
}

/* A block device by "major:minor", following dm/md slaves to the disks.
 * Returns how many PCI devices it found (0: none, the device is virtual or
 * on no PCI bus), or -errno. */
static int add_block(struct vfh_ctx *ctx, struct needs *nd, const char *rel,
		     const char *why, int depth)
{
	int found = 0;

	struct vfh_pci_addr a;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (depth > 8)
		return 0;
	d = vfh_opendir(ctx, VFH_ROOT_SYS, "%s/slaves", rel);
	if (d) {
		bool any = false;

		while ((de = readdir(d)) && r >= 0) {
			char sub[VFH_PATH_MAX];

			if (de->d_name[0] == '.')
				continue;
			any = true;
			snprintf(sub, sizeof(sub), "class/block/%s", de->d_name);
			r = add_block(ctx, nd, sub, why, depth + 1);
			if (r > 0)
				found += r;
		}
		closedir(d);
		if (r < 0)
			return r;
		if (any)
			return found;
	}
	if (pci_of_sysfs(ctx, rel, &a) == 0)
		return (r = need_add(nd, &a, why)) < 0 ? r : 1;
	return 0;
}

/* A virtio-9p or virtiofs mount names its device by tag. */
static int add_virtio_tag(struct vfh_ctx *ctx, struct needs *nd, const char *tag,
			  const char *why)
{
	struct dirent *de;
	DIR *d = vfh_opendir(ctx, VFH_ROOT_SYS, "bus/virtio/devices");
	int r = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && r == 0) {
		char t[256];
		struct vfh_pci_addr a;
		char rel[VFH_PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		if (vfh_read_str(ctx, VFH_ROOT_SYS, t, sizeof(t), "bus/virtio/devices/%s/mount_tag",
				 de->d_name) < 0 &&
		    vfh_read_str(ctx, VFH_ROOT_SYS, t, sizeof(t), "bus/virtio/devices/%s/tag",
				 de->d_name) < 0)
			continue;
		if (strcmp(t, tag) != 0)
			continue;
		snprintf(rel, sizeof(rel), "bus/virtio/devices/%s", de->d_name);
		if (pci_of_sysfs(ctx, rel, &a) == 0)
			r = need_add(nd, &a, why);
	}
	closedir(d);
	return r;
}

/* A block device by its /dev name ("/dev/nvme0n1p2", "/dev/mapper/root"). */
static int add_dev_node(struct vfh_ctx *ctx, struct needs *nd, const char *dev,
			const char *why)
{
	const char *node = dev + VFH_DEVNODE_PREFIX_LEN;	/* "nvme0n1p2", "mapper/root" */
	const char *base = strrchr(dev, '/') + 1;
	char sys[600], target[64];

	/* a symlink to the node (mapper/, disk/by-*): resolved below the
	 * context's dev root */
	if (strchr(node, '/')) {
		if (vfh_read_link_name(ctx, VFH_ROOT_DEV, target, sizeof(target), "%s", node) < 0)
			return 0;	/* not traced */
		base = target;
	}
	if (!*base || strcmp(base, "..") == 0 || strcmp(base, ".") == 0)
		return 0;
	snprintf(sys, sizeof(sys), "class/block/%s", base);
	return add_block(ctx, nd, sys, why, 0);
}

/* Filesystems whose data comes over the network: the NIC they use is not
 * traced (routes to the server may leave by any NIC). */
static bool is_netfs(const char *fstype)
{
	static const char *const net[] = { "nfs", "nfs4", "cifs", "smb3", "ceph", "glusterfs",
					   "afs", "ocfs2", "gfs2", "fuse.glusterfs",
					   "fuse.sshfs" };

	for (size_t i = 0; i < VFH_ARRAY_SIZE(net); i++)
		if (strcmp(fstype, net[i]) == 0)
			return true;
	return false;
}

/* Block devices that are no hardware of their own: a loop device's file
 * is on another mount (traced there), zram and ram disks are memory. */
static bool is_virtual_block(struct vfh_ctx *ctx, unsigned int maj, unsigned int min)
{
	char name[64];

	if (vfh_read_link_name(ctx, VFH_ROOT_SYS, name, sizeof(name), "dev/block/%u:%u", maj,
			       min) < 0)
		return false;
	return strncmp(name, "loop", 4) == 0 || strncmp(name, "zram", 4) == 0 ||
	       strncmp(name, "ram", 3) == 0;
}

/* bcachefs spans devices: its source lists their nodes joined by ':'; found
 * when every one of them was traced. */
static int add_dev_list(struct vfh_ctx *ctx, struct needs *nd, const char *source,
			const char *why, bool *all)
{
	char copy[1024], *save, *tok;
	int r = 0;

	snprintf(copy, sizeof(copy), "%s", source);
	*all = true;
	for (tok = strtok_r(copy, ":", &save); tok && r >= 0; tok = strtok_r(NULL, ":", &save)) {
		if (strncmp(tok, VFH_DEVNODE_PREFIX, VFH_DEVNODE_PREFIX_LEN) != 0) {
			*all = false;	/* UUID=..., a label */
			continue;
		}
		r = add_dev_node(ctx, nd, tok, why);
		if (r == 0)
			*all = false;
	}
	return r < 0 ? r : 0;
}

/* mountinfo: "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw".
 * A mount of storage that cannot be traced to its controller fails
 * closed: every storage controller is presumed needed (every NIC for a
 * network filesystem). */
static int mounts(struct vfh_ctx *ctx, struct needs *nd)
{
	char line[4096];
	FILE *f;
	int r = 0;

	f = vfh_fopen(ctx, VFH_ROOT_PROC, "self/mountinfo");
	if (!f)
		return vfh_fail(ctx, -errno, "cannot read %s/self/mountinfo: %s",
				ctx->root[VFH_ROOT_PROC], strerror(errno));
	while (r >= 0 && fgets(line, sizeof(line), f)) {
		char mnt[1024], fstype[64], source[1024], why[1100], rel[64];
		unsigned int maj, min;
		const char *dash = strstr(line, " - ");
		bool all;

		if (sscanf(line, "%*u %*u %u:%u %*s %1023s", &maj, &min, mnt) != 3 || !dash ||
		    sscanf(dash + 3, "%63s %1023s", fstype, source) != 2)
			continue;
		snprintf(why, sizeof(why), "mounted %s", mnt);
		if (strcmp(fstype, "zfs") == 0) {
			/* a pool's disks show neither in the dataset's device
			 * number nor as holders in sysfs */
			presume(nd->storage_why, sizeof(nd->storage_why), "%s is mounted from the ZFS "
				"dataset %s, whose disks cannot be traced", mnt, source);
		} else if (strcmp(fstype, "bcachefs") == 0) {
			r = add_dev_list(ctx, nd, source, why, &all);
			if (r >= 0 && !all)
				presume(nd->storage_why, sizeof(nd->storage_why), "%s is mounted from "
					"bcachefs on %s, not every disk of which can be traced", mnt,
					source);
		} else if (is_netfs(fstype)) {
			presume(nd->net_why, sizeof(nd->net_why), "%s is mounted over the network "
				"(%s), through a NIC that cannot be traced", mnt, fstype);
		} else if (maj != 0) {
			snprintf(rel, sizeof(rel), "dev/block/%u:%u", maj, min);
			r = add_block(ctx, nd, rel, why, 0);
			if (r == 0 && !is_virtual_block(ctx, maj, min))
				presume(nd->storage_why, sizeof(nd->storage_why), "%s is mounted from "
					"%s, which cannot be traced to a PCI controller", mnt, source);
		} else if (strcmp(fstype, "9p") == 0 || strcmp(fstype, "virtiofs") == 0) {
			r = add_virtio_tag(ctx, nd, source, why);
		} else if (strncmp(source, VFH_DEVNODE_PREFIX, VFH_DEVNODE_PREFIX_LEN) == 0) {
			/* btrfs (and others) show an anonymous device number:
			 * the source names the disk */
			r = add_dev_node(ctx, nd, source, why);
			if (r == 0)
				presume(nd->storage_why, sizeof(nd->storage_why), "%s is mounted from "
					"%s, which cannot be traced to a PCI controller", mnt, source);
		}
	}
	fclose(f);
	return r < 0 ? r : 0;
}

/* Every PCI device of class `cls` (0x01: storage, 0x02: network), presumed
 * needed for why. */
static int presume_class(struct vfh_ctx *ctx, struct needs *nd, unsigned int cls,
			 const char *why)
{
	struct vfh_pci_addr *all;
	size_t n;
	int r;

	if (!*why)
		return 0;
	r = vfh_pci_list(ctx, &all, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct vfh_pci_info info;
		size_t before = nd->n;

		vfh_err_hold(ctx);
		r = vfh_pci_info_read(ctx, &all[i], &info);
		vfh_err_release(ctx);
		if (r < 0) {
			r = 0;
			continue;
		}
		if ((info.class >> 16) != cls)
			continue;
		r = need_add(nd, &all[i], why);
		if (r >= 0 && nd->n > before)
			nd->v[nd->n - 1].presumed = true;
	}
	free(all);
	return r;
}

/* procfs "swaps", a device node per line: "<node> partition 8388604 0 -2" */
static int swaps(struct vfh_ctx *ctx, struct needs *nd)
{
	char line[1024];
	FILE *f;
	int r = 0;

	f = vfh_fopen(ctx, VFH_ROOT_PROC, "swaps");
	if (!f)
		return 0;
	while (r >= 0 && fgets(line, sizeof(line), f)) {
		char dev[512], why[600];

		if (sscanf(line, "%511s partition", dev) != 1 ||
		    strncmp(dev, VFH_DEVNODE_PREFIX, VFH_DEVNODE_PREFIX_LEN) != 0)
			continue;
		snprintf(why, sizeof(why), "swap on %s", dev);
		r = add_dev_node(ctx, nd, dev, why);
		/* zram (memory) is no controller's */
		if (r == 0 && strncmp(dev + VFH_DEVNODE_PREFIX_LEN, "zram", 4) != 0)
			presume(nd->storage_why, sizeof(nd->storage_why), "swap on %s cannot be "
				"traced to a PCI controller", dev);
	}
	fclose(f);
	return r < 0 ? r : 0;
}

/* A NIC, or for a bridge/bond/vlan the NICs below it. */
static int add_netdev(struct vfh_ctx *ctx, struct needs *nd, const char *ifname,
		      const char *why, int depth)
{
	struct vfh_pci_addr a;
	struct dirent *de;
	char rel[VFH_PATH_MAX];
	DIR *d;
	int r = 0;

	if (depth > 8 || strchr(ifname, '/') || ifname[0] == '.')
		return 0;
	snprintf(rel, sizeof(rel), "class/net/%s/device", ifname);
	if (pci_of_sysfs(ctx, rel, &a) == 0)
		return need_add(nd, &a, why);
	d = vfh_opendir(ctx, VFH_ROOT_SYS, "class/net/%s", ifname);
	if (!d)
		return 0;
	while ((de = readdir(d)) && r == 0)
		if (strncmp(de->d_name, "lower_", 6) == 0)
			r = add_netdev(ctx, nd, de->d_name + 6, why, depth + 1);
	closedir(d);
	return r;
}

static int default_routes(struct vfh_ctx *ctx, struct needs *nd)
{
	char line[512];
	FILE *f;
	int r = 0;

	/* "Iface Destination Gateway Flags RefCnt Use Metric Mask ..." */
	if ((f = vfh_fopen(ctx, VFH_ROOT_PROC, "net/route"))) {
		while (r == 0 && fgets(line, sizeof(line), f)) {
			char ifname[64], dest[16], mask[16], why[128];

			if (sscanf(line, "%63s %15s %*s %*s %*s %*s %*s %15s", ifname, dest, mask) != 3)
				continue;
			if (strcmp(dest, "00000000") != 0 || strcmp(mask, "00000000") != 0)
				continue;
			snprintf(why, sizeof(why), "default route via %s", ifname);
			r = add_netdev(ctx, nd, ifname, why, 0);
		}
		fclose(f);
	}
	/* "dest plen src slen nexthop metric refcnt use flags ifname" */
	if (r == 0 && (f = vfh_fopen(ctx, VFH_ROOT_PROC, "net/ipv6_route"))) {
		while (r == 0 && fgets(line, sizeof(line), f)) {
			char dest[40], plen[4], ifname[64], why[128];

			if (sscanf(line, "%39s %3s %*s %*s %*s %*s %*s %*s %*s %63s", dest, plen,
				   ifname) != 3)
				continue;
			if (strspn(dest, "0") != 32 || strcmp(plen, "00") != 0 ||
			    strcmp(ifname, "lo") == 0)
				continue;
			snprintf(why, sizeof(why), "default route via %s", ifname);
			r = add_netdev(ctx, nd, ifname, why, 0);
		}
		fclose(f);
	}
	return r;
}

VFH_EXPORT int vfh_host_needs_sz(struct vfh_ctx *ctx, struct vfh_host_need **out, size_t *n,
				 size_t stride)
{
	struct needs nd = { 0 };
	int r;

	vfh_enter(ctx);
	if (!out || !n || stride == 0)
		return vfh_fail(ctx, -EINVAL, "vfh_host_needs: no array, no count or stride 0");
	*out = NULL;
	*n = 0;
	r = mounts(ctx, &nd);
	if (r == 0)
		r = swaps(ctx, &nd);
	if (r == 0)
		r = default_routes(ctx, &nd);
	if (r == 0)
		r = presume_class(ctx, &nd, 0x01, nd.storage_why);
	if (r == 0)
		r = presume_class(ctx, &nd, 0x02, nd.net_why);
	if (r < 0) {
		free(nd.v);
		/* mounts() names its own failure; the others fail only for memory */
		return ctx->errmsg[0] ? r : vfh_fail(ctx, r, "cannot list what the host needs: "
						     "%s", strerror(-r));
	}
	r = vfh_array_out((void **)out, nd.v, nd.n, sizeof(*nd.v), stride);
	if (r < 0)
		return vfh_fail(ctx, r, "out of memory");
	*n = nd.n;
	return 0;
}

VFH_EXPORT int vfh_displays_remaining(struct vfh_ctx *ctx,
				      const struct vfh_pci_addr *leaving, size_t n)
{
	struct vfh_pci_addr *all;
	size_t nall;
	int count = 0, r;

	vfh_enter(ctx);
	if (n && !leaving)
		return vfh_fail(ctx, -EINVAL, "vfh_displays_remaining: %zu devices but no array", n);
	r = vfh_pci_list(ctx, &all, &nall);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nall; i++) {
		struct vfh_pci_info info;
		int ri;

		if (vfh_addrs_has(leaving, n, &all[i]))
			continue;
		/* a device that cannot be read is not counted: not an error of
		 * this call, so it leaves no error line */
		vfh_err_hold(ctx);
		ri = vfh_pci_info_read(ctx, &all[i], &info);
		vfh_err_release(ctx);
		if (ri < 0)
			continue;
		if (info.is_display && *info.driver && !vfh_driver_is_vfio_ok(info.driver))
			count++;
	}
	free(all);
	return count;
}
