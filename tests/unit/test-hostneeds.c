// SPDX-License-Identifier: LGPL-2.1-or-later
/* What the host cannot give away (hostneeds.c): the controllers behind
 * its mounts and swap, the NICs of its default routes, its last display. */
#include <stdlib.h>

#include "testlib.h"

struct want {
	const char *addr;
	const char *why;
};

/* The needs must be exactly these, in any order (a dm device's slaves
 * come in directory order). */
static void assert_needs(struct t *t, const struct want *want, size_t nwant)
{
	struct vfh_host_need *v = NULL;
	size_t n = 0;
	int r = vfh_host_needs(t->ctx, &v, &n);
	bool ok = r == 0 && n == nwant;

	for (size_t i = 0; ok && i < nwant; i++) {
		size_t hits = 0;

		for (size_t j = 0; j < n; j++) {
			char a[VFH_PCI_ADDR_MAX];

			vfh_pci_addr_format(&v[j].addr, a, sizeof(a));
			hits += strcmp(a, want[i].addr) == 0 && strcmp(v[j].why, want[i].why) == 0;
		}
		ok = hits == 1;
	}
	if (!ok) {
		print_error("vfh_host_needs returned %d (%s); want:\n", r,
			    r < 0 ? vfh_ctx_errmsg(t->ctx) : "ok");
		for (size_t i = 0; i < nwant; i++)
			print_error("  %s \"%s\"\n", want[i].addr, want[i].why);
		print_error("got:\n");
		for (size_t j = 0; j < n; j++) {
			char a[VFH_PCI_ADDR_MAX];

			vfh_pci_addr_format(&v[j].addr, a, sizeof(a));
			print_error("  %s \"%s\"\n", a, v[j].why);
		}
	}
	free(v);
	if (!ok)
		fail();
}

#define ASSERT_NEEDS(t, ...) do {                                               \
		static const struct want want_[] = { __VA_ARGS__ };               \
		assert_needs(t, want_, sizeof(want_) / sizeof(want_[0]));         \
	} while (0)

/* The guest's root and output dir are virtio-9p shares: by tag. */
static void test_guest_9p_shares(void **state)
{
	ASSERT_NEEDS((struct t *)*state, { "0000:00:06.0", "mounted /" },
		     { "0000:00:07.0", "mounted /mnt" });
}

static void test_root_on_nvme(void **state)
{
	/* "/" and "/boot/efi" on one disk, swap on dm-crypt on the same: one
	 * entry, the first reason */
	ASSERT_NEEDS((struct t *)*state, { "0000:03:00.0", "mounted /" });
}

static void test_swap_through_dm(void **state)
{
	ASSERT_NEEDS((struct t *)*state, { "0000:00:06.0", "mounted /" },
		     { "0000:00:07.0", "mounted /mnt" },
		     { "0000:03:00.0", "swap on /dev/mapper/cryptswap" },
		     { "0000:00:1f.2", "swap on /dev/sda2" });
}

static int setup_swaps(void **state)
{
	return t_setup(state, "guest",
		       "pci 0000:00:1c.0 id=1b36:000c class=0x060400 group=10 driver=pcieport\n"
		       "pci 0000:03:00.0 parent=0000:00:1c.0 id=1b36:0010 class=0x010802 group=11 "
		       "driver=nvme\n"
		       "block nvme0n1 dev=259:0 pci=0000:03:00.0 path=nvme/nvme0\n"
		       "block nvme0n1p3 dev=259:3 parent=nvme0n1\n"
		       "block dm-0 dev=253:0 slaves=nvme0n1p3\n"
		       "dev mapper/cryptswap target=../dm-0\n"
		       "swap /dev/mapper/cryptswap\n"
		       "block sda dev=8:0 pci=0000:00:1f.2 path=ata1/host0/target0:0:0/0:0:0:0/block\n"
		       "block sda2 dev=8:2 parent=sda\n"
		       "swap /dev/sda2\n"
		       "block zram0 dev=252:0\n"
		       "swap /dev/zram0\n");
}

/* An md or dm device on two disks needs both controllers. */
static void test_raid_needs_every_disk(void **state)
{
	ASSERT_NEEDS((struct t *)*state, { "0000:00:1f.2", "mounted /" },
		     { "0000:03:00.0", "mounted /" });
}

static int setup_raid(void **state)
{
	return t_setup(state, "guest",
		       "pci 0000:00:1c.0 id=1b36:000c class=0x060400 group=10 driver=pcieport\n"
		       "pci 0000:03:00.0 parent=0000:00:1c.0 id=1b36:0010 class=0x010802 group=11 "
		       "driver=nvme\n"
		       "block nvme0n1 dev=259:0 pci=0000:03:00.0 path=nvme/nvme0\n"
		       "block sda dev=8:0 pci=0000:00:1f.2 path=ata1/host0/target0:0:0/0:0:0:0/block\n"
		       "block md0 dev=9:0 slaves=sda,nvme0n1\n"
		       "block dm-1 dev=253:1 slaves=md0\n"
		       "mount / dev=253:1 fs=ext4 src=/dev/mapper/root\n"
		       "drop mount /mnt\n");
}

static void test_default_route_via_nic(void **state)
{
	/* eth0 carries only a local subnet; the ::/0 route via lo is not one */
	ASSERT_NEEDS((struct t *)*state, { "0000:00:06.0", "mounted /" },
		     { "0000:00:07.0", "mounted /mnt" },
		     { "0000:00:03.0", "default route via eth1" });
}

static void test_default_route_via_bridge(void **state)
{
	ASSERT_NEEDS((struct t *)*state, { "0000:00:06.0", "mounted /" },
		     { "0000:00:07.0", "mounted /mnt" },
		     { "0000:00:04.0", "default route via br0" });
}

static void test_ipv6_default_route(void **state)
{
	ASSERT_NEEDS((struct t *)*state, { "0000:00:06.0", "mounted /" },
		     { "0000:00:07.0", "mounted /mnt" },
		     { "0000:02:02.0", "default route via eth4" });
}

static int setup_route6(void **state)
{
	return t_setup(state, "guest", "route6 lo\nroute6 eth4\nroute6 eth0 dest=fe800000000000000000000000000000 plen=40\n");
}

static void test_nothing_behind_virtual_mounts(void **state)
{
	/* tmpfs, proc, sysfs, a loop device, and a 9p tag no device has */
	ASSERT_NEEDS((struct t *)*state, { "0000:00:06.0", "mounted /" });
}

static int setup_virtual_mounts(void **state)
{
	return t_setup(state, "guest",
		       "block loop0 dev=7:0\n"
		       "mount /srv dev=7:0 fs=squashfs src=/dev/loop0\n"
		       "mount /mnt dev=0:33 fs=9p src=nosuchtag\n");
}

/* btrfs reports an anonymous device (major 0) for every subvolume: the
 * disk is only in the mount source. */
static void test_btrfs_root_on_nvme(void **state)
{
	ASSERT_NEEDS((struct t *)*state, { "0000:03:00.0", "mounted /" });
}

static int setup_btrfs(void **state)
{
	return t_setup(state, "nvmeroot",
		       "mount / dev=0:26 fs=btrfs src=/dev/nvme0n1p2 root=/@ "
		       "opts=rw,relatime,ssd,space_cache=v2,subvolid=256,subvol=/@\n"
		       "drop mount /boot/efi\n"
		       "drop swap /dev/mapper/cryptswap\n");
}

/* ---- mounts that cannot be traced fail closed */

#define NVME "0000:03:00.0"
#define SATA "0000:00:1f.2"
#define ZFS_WHY "/ is mounted from the ZFS dataset rpool/ROOT/debian, whose disks cannot be traced"

/* How many needs are presumed (fail closed), and that exactly those whose
 * why starts with `presumed_why` are. */
static void assert_presumed(struct t *t, const char *presumed_why, size_t want)
{
	struct vfh_host_need *v;
	size_t n, got = 0;

	assert_int_equal(vfh_host_needs(t->ctx, &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		bool should = presumed_why && strncmp(v[i].why, presumed_why,
						       strlen(presumed_why)) == 0;

		assert_int_equal(v[i].presumed, should);
		got += v[i].presumed;
	}
	free(v);
	assert_int_equal(got, want);
}

/* ZFS: the dataset's device number is anonymous, the pool's disks are no
 * holders of anything: every storage controller is kept, the NVMe that
 * /boot/efi is traced to for that reason */
static int setup_zfs(void **state)
{
	return t_setup(state, "nvmeroot",
		       "mount / dev=0:26 fs=zfs src=rpool/ROOT/debian opts=rw,xattr,posixacl\n"
		       "mount /home dev=0:27 fs=zfs src=rpool/home opts=rw\n");
}

static void test_zfs_root_fails_closed(void **state)
{
	ASSERT_NEEDS((struct t *)*state, { NVME, "mounted /boot/efi" },
		     { SATA, ZFS_WHY });
	assert_presumed(*state, "/ is mounted from the ZFS", 1);
}

static int setup_zfs_only(void **state)
{
	return t_setup(state, "nvmeroot",
		       "mount / dev=0:26 fs=zfs src=rpool/ROOT/debian opts=rw\n"
		       "drop mount /boot/efi\n"
		       "drop swap /dev/mapper/cryptswap\n");
}

static void test_zfs_root_keeps_every_storage_controller(void **state)
{
	ASSERT_NEEDS((struct t *)*state, { NVME, ZFS_WHY }, { SATA, ZFS_WHY });
	assert_presumed(*state, "/ is mounted from the ZFS", 2);
}

/* bcachefs over two disks, one of which is not shown: fail closed */
static int setup_bcachefs_partly(void **state)
{
	return t_setup(state, "nvmeroot",
		       "mount / dev=0:26 fs=bcachefs src=/dev/nvme0n1p2:/dev/sdb1 opts=rw\n"
		       "drop mount /boot/efi\n"
		       "drop swap /dev/mapper/cryptswap\n");
}

static void test_bcachefs_partly_traced(void **state)
{
	ASSERT_NEEDS((struct t *)*state, { NVME, "mounted /" },
		     { SATA, "/ is mounted from bcachefs on /dev/nvme0n1p2:/dev/sdb1, not every "
			     "disk of which can be traced" });
	assert_presumed(*state, "/ is mounted from bcachefs", 1);
}

/* bcachefs whose every disk is traced: those controllers, nothing more */
static int setup_bcachefs_traced(void **state)
{
	return t_setup(state, "nvmeroot",
		       "block sda dev=8:0 pci=0000:00:1f.2 path=ata1/host0/target0:0:0/0:0:0:0/block\n"
		       "block sda2 dev=8:2 parent=sda\n"
		       "pci 0000:00:1f.3 id=8086:2930 class=0x010601 group=8\n"
		       "mount / dev=0:26 fs=bcachefs src=/dev/nvme0n1p2:/dev/sda2 opts=rw\n"
		       "drop mount /boot/efi\n"
		       "drop swap /dev/mapper/cryptswap\n");
}

static void test_bcachefs_traced(void **state)
{
	ASSERT_NEEDS((struct t *)*state, { NVME, "mounted /" }, { SATA, "mounted /" });
	assert_presumed(*state, NULL, 0);
}

/* NFS root: the NIC it goes through is not known: every NIC is kept (the
 * storage controllers are not: nothing is mounted from them) */
static int setup_nfs_root(void **state)
{
	return t_setup(state, "guest",
		       "mount / dev=0:40 fs=nfs4 src=10.0.0.1:/export/root opts=rw,vers=4.2\n");
}

static void test_nfs_root_keeps_every_nic(void **state)
{
#define NFS_WHY "/ is mounted over the network (nfs4), through a NIC that cannot be traced"
	ASSERT_NEEDS((struct t *)*state, { "0000:00:07.0", "mounted /mnt" },
		     { "0000:00:01.0", NFS_WHY }, { "0000:00:03.0", NFS_WHY },
		     { "0000:00:04.0", NFS_WHY }, { "0000:02:01.0", NFS_WHY },
		     { "0000:02:02.0", NFS_WHY });
	assert_presumed(*state, "/ is mounted over the network", 5);
}

static void test_needs_mountinfo(void **state)
{
	struct t *t = *state;
	struct vfh_host_need *v = (void *)1;
	size_t n = 4;

	fx_delete(t->fx, "proc/self/mountinfo");
	assert_int_equal(vfh_host_needs(t->ctx, &v, &n), -ENOENT);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_contains(vfh_ctx_errmsg(t->ctx), "/proc/self/mountinfo: No such file or directory");
	/* swaps and routes are optional */
	fx_write(t->fx, "proc/self/mountinfo", "");
	fx_delete(t->fx, "proc/swaps");
	fx_delete(t->fx, "proc/net");
	assert_int_equal(vfh_host_needs(t->ctx, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
}

/* ---- displays */

static int remaining(struct t *t, const char *const *leaving, size_t n)
{
	struct vfh_pci_addr a[4];

	for (size_t i = 0; i < n; i++)
		a[i] = t_addr(leaving[i]);
	return vfh_displays_remaining(t->ctx, a, n);
}

static void test_displays_remaining(void **state)
{
	struct t *t = *state;
	static const char *const gpu[] = { "0000:01:00.0" }, *const nic[] = { "0000:00:01.0" };

	assert_int_equal(remaining(t, NULL, 0), 1);
	assert_int_equal(remaining(t, nic, 1), 1);
	/* the guest's only display */
	assert_int_equal(remaining(t, gpu, 1), 0);
}

static void test_displays_second_gpu(void **state)
{
	struct t *t = *state;
	static const char *const gpu[] = { "0000:01:00.0" };
	static const char *const both[] = { "0000:01:00.0", "0000:00:08.0" };

	assert_int_equal(remaining(t, NULL, 0), 2);
	assert_int_equal(remaining(t, gpu, 1), 1);
	assert_int_equal(remaining(t, both, 2), 0);
}

static int setup_second_gpu(void **state)
{
	/* a 3D controller (class 0x0302) counts, an unbound VGA does not */
	return t_setup(state, "guest",
		       "pci 0000:00:08.0 id=10de:1eb8 class=0x030200 group=13 driver=nvidia\n"
		       "pci 0000:00:09.0 id=1234:1111 class=0x030000 group=14 native=bochs-drm\n");
}

static void test_displays_on_vfio_do_not_count(void **state)
{
	struct t *t = *state;

	assert_int_equal(remaining(t, NULL, 0), 0);
}

static int setup_gpu_on_vfio(void **state)
{
	return t_setup(state, "guest",
		       "module vfio_pci state=live\n"
		       "pci 0000:01:00.0 driver=vfio-pci native=bochs-drm override=vfio-pci\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_guest_9p_shares),
		T_ON(test_root_on_nvme, t_nvmeroot),
		T_ON(test_swap_through_dm, setup_swaps),
		T_ON(test_raid_needs_every_disk, setup_raid),
		T_ON(test_default_route_via_nic, t_routenic),
		T_ON(test_default_route_via_bridge, t_bridge),
		T_ON(test_ipv6_default_route, setup_route6),
		T_ON(test_nothing_behind_virtual_mounts, setup_virtual_mounts),
		T_ON(test_btrfs_root_on_nvme, setup_btrfs),
		T_ON(test_zfs_root_fails_closed, setup_zfs),
		T_ON(test_zfs_root_keeps_every_storage_controller, setup_zfs_only),
		T_ON(test_bcachefs_partly_traced, setup_bcachefs_partly),
		T_ON(test_bcachefs_traced, setup_bcachefs_traced),
		T_ON(test_nfs_root_keeps_every_nic, setup_nfs_root),
		T(test_needs_mountinfo),
		T(test_displays_remaining),
		T_ON(test_displays_second_gpu, setup_second_gpu),
		T_ON(test_displays_on_vfio_do_not_count, setup_gpu_on_vfio),
	};

	t_init();
	return cmocka_run_group_tests_name("hostneeds", tests, NULL, NULL);
}
