// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture builder and the fake kernel, checked against what the real
 * sysfs shows and what the real kernel does: every other test relies on
 * them. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testlib.h"

#define GPU "0000:01:00.0"
#define HDA "0000:01:00.1"
#define NIC "0000:00:01.0"
#define GPU_DIR "sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0"

/* Writes through the library's path layer, as every library call does. */
static int kwrite(struct t *t, const char *val, const char *rel)
{
	assert_int_equal(strncmp(rel, "sys/", 4), 0);
	return vfh_write_str(t->ctx, VFH_ROOT_SYS, val, "%s", rel + 4);
}

static void test_links_are_relative_and_depth_correct(void **state)
{
	struct t *t = *state;
	struct fx *fx = t->fx;

	assert_string_equal(fx_readlink(fx, "sys/bus/pci/devices/" GPU),
			    "../../../devices/pci0000:00/0000:00:02.0/0000:01:00.0");
	assert_string_equal(fx_readlink(fx, "sys/bus/pci/devices/" NIC),
			    "../../../devices/pci0000:00/0000:00:01.0");
	assert_string_equal(fx_readlink(fx, GPU_DIR "/driver"),
			    "../../../../bus/pci/drivers/bochs-drm");
	assert_string_equal(fx_readlink(fx, "sys/devices/pci0000:00/0000:00:01.0/driver"),
			    "../../../bus/pci/drivers/e1000e");
	assert_string_equal(fx_readlink(fx, GPU_DIR "/iommu_group"),
			    "../../../../kernel/iommu_groups/9");
	assert_string_equal(fx_readlink(fx, "sys/kernel/iommu_groups/9/devices/" GPU),
			    "../../../../devices/pci0000:00/0000:00:02.0/0000:01:00.0");
	assert_string_equal(fx_readlink(fx, "sys/bus/pci/drivers/bochs-drm/" GPU),
			    "../../../../devices/pci0000:00/0000:00:02.0/0000:01:00.0");
	assert_string_equal(fx_readlink(fx, "sys/bus/pci/drivers/e1000e/module"),
			    "../../../../module/e1000e");
	assert_string_equal(fx_readlink(fx, "sys/class/net/eth0"),
			    "../../devices/pci0000:00/0000:00:01.0/net/eth0");
	assert_string_equal(fx_readlink(fx, "sys/devices/pci0000:00/0000:00:01.0/net/eth0/device"),
			    "../../../0000:00:01.0");
	assert_string_equal(fx_readlink(fx, "sys/class/vtconsole/vtcon0"),
			    "../../devices/virtual/vtconsole/vtcon0");
	/* devices behind the PCIe-to-PCI bridge sit in its directory */
	assert_true(fx_exists(fx, "sys/devices/pci0000:00/0000:00:05.0/0000:02:02.0/vendor"));
	fx_check(fx);
}

static void test_attributes_as_the_kernel_shows_them(void **state)
{
	struct t *t = *state;
	struct fx *fx = t->fx;

	assert_string_equal(fx_read(fx, DEV(GPU, "vendor")), "0x1234\n");
	assert_string_equal(fx_read(fx, DEV(GPU, "device")), "0x1111\n");
	assert_string_equal(fx_read(fx, DEV(GPU, "class")), "0x030000\n");
	assert_string_equal(fx_read(fx, DEV(GPU, "subsystem_vendor")), "0x1af4\n");
	assert_string_equal(fx_read(fx, DEV(GPU, "driver_override")), "(null)\n");
	assert_string_equal(fx_read(fx, DEV(GPU, "reset_method")), "bus\n");
	assert_string_equal(fx_read(fx, DEV(GPU, "boot_vga")), "1\n");
	assert_string_equal(fx_read(fx, DEV(NIC, "reset_method")), "pm\n");
	assert_true(fx_exists(fx, DEV(NIC, "reset")));
	assert_true(fx_exists(fx, DEV(GPU, "remove")));
	assert_true(fx_exists(fx, DEV(GPU, "rescan")));
	/* no reset method: neither file; not VGA: no boot_vga */
	assert_false(fx_exists(fx, DEV("0000:00:00.0", "reset_method")));
	assert_false(fx_exists(fx, DEV("0000:00:00.0", "reset")));
	assert_false(fx_exists(fx, DEV(HDA, "boot_vga")));
	assert_string_equal(fx_read(fx, "sys/bus/pci/drivers_autoprobe"), "1\n");
	assert_string_equal(fx_read(fx, "sys/kernel/iommu_groups/9/type"), "DMA\n");
}

static unsigned char config_byte(struct fx *fx, const char *addr, int off)
{
	char rel[128], path[PATH_MAX];
	unsigned char b = 0xff;
	int fd;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/config", addr);
	snprintf(path, sizeof(path), "%s/%s", fx_root(fx), rel);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, off), 1);
	close(fd);
	return b;
}

static void test_config_header(void **state)
{
	struct t *t = *state;
	struct stat st;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/" DEV(GPU, "config"), fx_root(t->fx));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 64);
	assert_int_equal(config_byte(t->fx, GPU, 0), 0x34);
	assert_int_equal(config_byte(t->fx, GPU, 1), 0x12);
	assert_int_equal(config_byte(t->fx, GPU, 0x0b), 0x03);
	/* function 0 of a multi-function slot: bit 7 */
	assert_int_equal(config_byte(t->fx, GPU, 0x0e), 0x80);
	assert_int_equal(config_byte(t->fx, HDA, 0x0e), 0x00);
	assert_int_equal(config_byte(t->fx, "0000:00:02.0", 0x0e), 0x01);
	assert_int_equal(config_byte(t->fx, "0000:00:05.0", 0x0e), 0x01);
	assert_int_equal(config_byte(t->fx, "0000:00:05.0", 0x19), 0x02);	/* secondary */
	assert_int_equal(config_byte(t->fx, "0000:00:1f.0", 0x0e), 0x80);
	assert_int_equal(config_byte(t->fx, NIC, 0x0e), 0x00);
}

static void test_drivers_modules_and_the_rest(void **state)
{
	struct t *t = *state;
	struct fx *fx = t->fx;

	assert_true(fx_exists(fx, DRV("e1000e", "bind")));
	assert_true(fx_exists(fx, DRV("e1000e", "unbind")));
	assert_true(fx_exists(fx, DRV("pcieport", "bind")));
	assert_false(fx_exists(fx, "sys/bus/pci/drivers/vfio-pci"));
	assert_false(fx_exists(fx, "sys/module/vfio_pci"));
	assert_string_equal(fx_read(fx, "sys/module/e1000e/initstate"), "live\n");
	assert_string_equal(fx_read(fx, "sys/module/bochs/refcnt"), "1\n");
	assert_string_equal(fx_readlink(fx, "sys/module/snd_hda_codec/holders/snd_hda_intel"),
			    "../../snd_hda_intel");
	assert_string_equal(fx_read(fx, "sys/class/vtconsole/vtcon0/name"),
			    "(M) frame buffer device\n");
	assert_string_equal(fx_read(fx, "sys/class/vtconsole/vtcon0/bind"), "1\n");
	assert_string_equal(fx_read(fx, "sys/class/vtconsole/vtcon1/bind"), "0\n");
	assert_string_equal(fx_read(fx, "sys/power/mem_sleep"), "s2idle [deep]\n");
	assert_string_equal(fx_read(fx, "sys/power/state"), "freeze mem disk\n");
	assert_string_equal(fx_read(fx, "sys/power/suspend_stats/success"), "0\n");
	assert_string_equal(fx_read(fx, "sys/class/rtc/rtc0/wakealarm"), "");
	assert_string_equal(fx_read(fx, "sys/bus/virtio/devices/virtio0/mount_tag"), "hostroot\n");
	assert_contains(fx_read(fx, "proc/self/mountinfo"), "21 1 0:21 / / ro,relatime shared:1 - 9p hostroot ro,relatime\n");
	assert_contains(fx_read(fx, "proc/net/route"), "Iface\tDestination");
	assert_true(fx_exists(fx, "run"));
	assert_true(fx_exists(fx, "etc"));
	assert_true(fx_exists(fx, "dev"));
}

static void test_check_prefix_refuses_root(void **state)
{
	struct t *t = *state;
	char link[PATH_MAX], file[PATH_MAX];

	assert_int_equal(fx_check_prefix("/"), -EPERM);
	assert_int_equal(fx_check_prefix("//"), -EPERM);
	assert_int_equal(fx_check_prefix("/tmp/.."), -EPERM);
	snprintf(link, sizeof(link), "%s/run/to-root", fx_root(t->fx));
	assert_int_equal(symlink("/", link), 0);
	assert_int_equal(fx_check_prefix(link), -EPERM);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(fx_check_prefix(NULL), -EINVAL);
	assert_int_equal(fx_check_prefix(""), -EINVAL);
	snprintf(file, sizeof(file), "%s/nothing-here", fx_root(t->fx));
	assert_int_equal(fx_check_prefix(file), -ENOENT);
	snprintf(file, sizeof(file), "%s/sys/power/state", fx_root(t->fx));
	assert_int_equal(fx_check_prefix(file), -ENOTDIR);
	assert_int_equal(fx_check_prefix(fx_root(t->fx)), 0);
}

static void test_free_removes_the_tree(void **state)
{
	struct fx *fx = fx_new("guest");
	char root[PATH_MAX];
	struct stat st;

	(void)state;
	snprintf(root, sizeof(root), "%s", fx_root(fx));
	assert_int_equal(stat(root, &st), 0);
	assert_non_null(strstr(root, "/vfh-fx."));
	fx_free(fx);
	assert_int_equal(stat(root, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_each_fixture_is_fresh(void **state)
{
	struct fx *a = fx_new("guest"), *b = fx_new("guest");

	(void)state;
	assert_string_not_equal(fx_root(a), fx_root(b));
	fx_write(a, DEV(GPU, "driver_override"), "vfio-pci\n");
	assert_string_equal(fx_read(b, DEV(GPU, "driver_override")), "(null)\n");
	fx_free(a);
	fx_free(b);
}

static void test_extra_lines_merge(void **state)
{
	struct fx *fx = fx_new_with("guest", "module vfio_pci state=live\n"
				    "pci 0000:01:00.0 driver=vfio-pci native=bochs-drm "
				    "override=vfio-pci\n"
				    "drop pci 0000:00:1f.3\n");

	(void)state;
	assert_string_equal(fx_driver(fx, GPU), "vfio-pci");
	assert_string_equal(fx_read(fx, DEV(GPU, "driver_override")), "vfio-pci\n");
	/* keys not given keep their value */
	assert_string_equal(fx_read(fx, DEV(GPU, "vendor")), "0x1234\n");
	assert_false(fx_exists(fx, "sys/bus/pci/devices/0000:00:1f.3"));
	assert_string_equal(fx_read(fx, "sys/module/vfio_pci/initstate"), "live\n");
	fx_check(fx);
	fx_free(fx);
}

/* The coherence check every teardown runs must itself catch things. */
static void test_check_catches_incoherence(void **state)
{
	struct fx *fx = fx_new("guest");
	const char *msg;

	(void)state;
	assert_null(fx_check_msg(fx));
	fx_delete(fx, "sys/bus/pci/drivers/e1000e/" NIC);
	msg = fx_check_msg(fx);
	assert_non_null(msg);
	assert_contains(msg, "0000:00:01.0/driver names e1000e but drivers/e1000e/0000:00:01.0 "
			"does not lead back");
	fx_symlink(fx, "sys/bus/pci/drivers/e1000e/" NIC, "sys/devices/pci0000:00/0000:00:01.0");
	assert_null(fx_check_msg(fx));
	fx_symlink(fx, "sys/class/net/eth9", "sys/devices/pci0000:00/0000:00:09.0");
	msg = fx_check_msg(fx);
	assert_non_null(msg);
	assert_contains(msg, "dangling symlink /sys/class/net/eth9");
	fx_delete(fx, "sys/class/net/eth9");
	fx_delete(fx, "sys/kernel/iommu_groups/9/devices/" GPU);
	assert_contains(fx_check_msg(fx), "sys/kernel/iommu_groups/9/devices/0000:01:00.0 does not "
			"lead back");
	fx_free(fx);
}

static void test_other_fixtures_build(void **state)
{
	static const char *const names[] = {
		"efifb", "noiommu", "s2idle", "nvmeroot", "routenic", "bridge",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct fx *fx = fx_new(names[i]);

		fx_check(fx);
		fx_free(fx);
	}
}

static void test_noiommu_has_no_groups(void **state)
{
	struct t *t = *state;

	assert_false(fx_exists(t->fx, "sys/kernel/iommu_groups"));
	assert_false(fx_exists(t->fx, DEV(GPU, "iommu_group")));
	assert_true(fx_exists(t->fx, DEV(GPU, "vendor")));
}

static void test_nvmeroot_shape(void **state)
{
	struct t *t = *state;
	const char *link = fx_readlink(t->fx, "sys/dev/block/259:2");

	assert_string_equal(link, "../../devices/pci0000:00/0000:00:1c.0/0000:03:00.0/nvme/nvme0/"
			    "nvme0n1/nvme0n1p2");
	assert_string_equal(fx_readlink(t->fx, "sys/devices/virtual/block/dm-0/slaves/nvme0n1p3"),
			    "../../../../pci0000:00/0000:00:1c.0/0000:03:00.0/nvme/nvme0/nvme0n1/"
			    "nvme0n1p3");
	assert_string_equal(fx_readlink(t->fx, "dev/mapper/cryptswap"), "../dm-0");
	assert_contains(fx_read(t->fx, "proc/swaps"), "/dev/mapper/cryptswap\tpartition");
	assert_contains(fx_read(t->fx, "proc/self/mountinfo"), " 259:2 / / rw,relatime ");
	assert_null(strstr(fx_read(t->fx, "proc/self/mountinfo"), " /mnt "));
}

/* ---- the fake kernel */

static void test_fk_override_set_and_clear(void **state)
{
	struct t *t = *state;

	assert_int_equal(kwrite(t, "vfio-pci", DEV(GPU, "driver_override")), 0);
	assert_string_equal(fx_read(t->fx, DEV(GPU, "driver_override")), "vfio-pci\n");
	assert_int_equal(kwrite(t, "pci-stub\nrest", DEV(GPU, "driver_override")), 0);
	assert_string_equal(fx_read(t->fx, DEV(GPU, "driver_override")), "pci-stub\n");
	assert_int_equal(kwrite(t, "\n", DEV(GPU, "driver_override")), 0);
	assert_string_equal(fx_read(t->fx, DEV(GPU, "driver_override")), "(null)\n");
	/* the driver is not touched by an override */
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_writes(t->fx, { DEV(GPU, "driver_override"), "vfio-pci" },
		      { DEV(GPU, "driver_override"), "pci-stub\nrest" },
		      { DEV(GPU, "driver_override"), "\n" });
}

static void test_fk_unbind_bind_rules(void **state)
{
	struct t *t = *state;

	/* not bound to that driver */
	assert_int_equal(kwrite(t, NIC, DRV("e1000", "unbind")), -ENODEV);
	assert_int_equal(kwrite(t, "0000:09:00.0", DRV("e1000e", "unbind")), -ENODEV);
	/* bound already */
	assert_int_equal(kwrite(t, NIC, DRV("e1000e", "bind")), -EBUSY);
	assert_int_equal(kwrite(t, NIC, DRV("e1000e", "unbind")), 0);
	assert_driver(t->fx, NIC, "");
	assert_false(fx_exists(t->fx, "sys/bus/pci/drivers/e1000e/" NIC));
	/* the id table does not match */
	assert_int_equal(kwrite(t, NIC, DRV("e1000", "bind")), -ENODEV);
	/* an override for another driver stops even the matching one */
	assert_int_equal(kwrite(t, "e1000", DEV(NIC, "driver_override")), 0);
	assert_int_equal(kwrite(t, NIC, DRV("e1000e", "bind")), -ENODEV);
	/* and makes the named one match, id table or not */
	assert_int_equal(kwrite(t, NIC, DRV("e1000", "bind")), 0);
	assert_driver(t->fx, NIC, "e1000");
	assert_int_equal(kwrite(t, NIC "\n", DRV("e1000", "unbind")), 0);
	assert_driver(t->fx, NIC, "");
}

static void test_fk_drivers_probe(void **state)
{
	struct t *t = *state;

	assert_int_equal(kwrite(t, "0000:09:00.0", "sys/bus/pci/drivers_probe"), -ENODEV);
	/* bound: left alone */
	assert_int_equal(kwrite(t, NIC, "sys/bus/pci/drivers_probe"), 0);
	assert_driver(t->fx, NIC, "e1000e");
	assert_int_equal(kwrite(t, NIC, DRV("e1000e", "unbind")), 0);
	assert_int_equal(kwrite(t, NIC, "sys/bus/pci/drivers_probe"), 0);
	assert_driver(t->fx, NIC, "e1000e");
	/* override naming an unregistered driver: nothing binds, no error */
	assert_int_equal(kwrite(t, "vfio-pci", DEV(NIC, "driver_override")), 0);
	assert_int_equal(kwrite(t, NIC, DRV("e1000e", "unbind")), 0);
	assert_int_equal(kwrite(t, NIC, "sys/bus/pci/drivers_probe"), 0);
	assert_driver(t->fx, NIC, "");
	/* a probe that fails is swallowed by drivers_probe, not by bind */
	assert_int_equal(kwrite(t, "\n", DEV(NIC, "driver_override")), 0);
	fk_refuse_probe(t->fx, "e1000e", -EIO);
	assert_int_equal(kwrite(t, NIC, "sys/bus/pci/drivers_probe"), 0);
	assert_driver(t->fx, NIC, "");
	assert_int_equal(kwrite(t, NIC, DRV("e1000e", "bind")), -EIO);
	assert_driver(t->fx, NIC, "");
	/* the action files read back empty */
	assert_string_equal(fx_read(t->fx, "sys/bus/pci/drivers_probe"), "");
	assert_string_equal(fx_read(t->fx, DRV("e1000e", "bind")), "");
}

static void test_fk_remove_and_rescan(void **state)
{
	struct t *t = *state;

	assert_int_equal(kwrite(t, "vfio-pci", DEV(GPU, "driver_override")), 0);
	assert_int_equal(kwrite(t, "x", DEV(GPU, "remove")), -EINVAL);
	assert_int_equal(kwrite(t, "1", DEV(GPU, "remove")), 0);
	assert_null(fx_driver(t->fx, GPU));
	assert_false(fx_exists(t->fx, GPU_DIR));
	assert_false(fx_exists(t->fx, "sys/bus/pci/drivers/bochs-drm/" GPU));
	assert_false(fx_exists(t->fx, "sys/kernel/iommu_groups/9/devices/" GPU));
	/* the group stays while a member does */
	assert_true(fx_exists(t->fx, "sys/kernel/iommu_groups/9/devices/" HDA));
	assert_int_equal(kwrite(t, "1", DEV(HDA, "remove")), 0);
	assert_false(fx_exists(t->fx, "sys/kernel/iommu_groups/9"));
	fx_check(t->fx);
	assert_int_equal(kwrite(t, "1", "sys/bus/pci/rescan"), 0);
	/* back as new devices: native drivers, no override */
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_driver(t->fx, HDA, "snd_hda_intel");
	assert_string_equal(fx_read(t->fx, DEV(GPU, "driver_override")), "(null)\n");
	assert_true(fx_exists(t->fx, "sys/kernel/iommu_groups/9/devices/" GPU));
	fx_check(t->fx);
}

static void test_fk_remove_bridge_takes_children(void **state)
{
	struct t *t = *state;

	assert_int_equal(kwrite(t, "1", DEV("0000:00:05.0", "remove")), 0);
	assert_null(fx_driver(t->fx, "0000:02:01.0"));
	assert_null(fx_driver(t->fx, "0000:02:02.0"));
	assert_false(fx_exists(t->fx, "sys/class/net/eth3"));
	assert_false(fx_exists(t->fx, "sys/kernel/iommu_groups/5"));
	fx_check(t->fx);
	fk_rescan_keep_gone(t->fx, "0000:02:02.0");
	assert_int_equal(kwrite(t, "1", "sys/bus/pci/rescan"), 0);
	assert_driver(t->fx, "0000:00:05.0", "");
	assert_driver(t->fx, "0000:02:01.0", "e1000");
	assert_null(fx_driver(t->fx, "0000:02:02.0"));
	assert_true(fx_exists(t->fx, "sys/class/net/eth3"));
	assert_false(fx_exists(t->fx, "sys/class/net/eth4"));
}

static void test_fk_power_and_rtc(void **state)
{
	struct t *t = *state;

	assert_int_equal(kwrite(t, "+5", "sys/class/rtc/rtc0/wakealarm"), 0);
	assert_string_equal(fx_read(t->fx, "sys/class/rtc/rtc0/wakealarm"), "1700000005\n");
	assert_int_equal(kwrite(t, "+5", "sys/class/rtc/rtc0/wakealarm"), -EBUSY);
	assert_int_equal(kwrite(t, "0", "sys/class/rtc/rtc0/wakealarm"), 0);
	assert_string_equal(fx_read(t->fx, "sys/class/rtc/rtc0/wakealarm"), "");
	assert_int_equal(kwrite(t, "+x", "sys/class/rtc/rtc0/wakealarm"), -EINVAL);
	assert_int_equal(kwrite(t, "shallow", "sys/power/mem_sleep"), -EINVAL);
	assert_string_equal(fx_read(t->fx, "sys/power/mem_sleep"), "s2idle [deep]\n");
	assert_int_equal(kwrite(t, "s2idle", "sys/power/mem_sleep"), 0);
	assert_string_equal(fx_read(t->fx, "sys/power/mem_sleep"), "[s2idle] deep\n");
	assert_int_equal(kwrite(t, "standby", "sys/power/state"), -EINVAL);
	assert_string_equal(fx_read(t->fx, "sys/power/state"), "freeze mem disk\n");
	/* an s2idle counts as a success as well (pm_suspend()) */
	assert_int_equal(kwrite(t, "+2", "sys/class/rtc/rtc0/wakealarm"), 0);
	assert_int_equal(kwrite(t, "mem", "sys/power/state"), 0);
	assert_string_equal(fx_read(t->fx, "sys/power/suspend_stats/success"), "1\n");
	assert_string_equal(fx_read(t->fx, "sys/class/rtc/rtc0/wakealarm"), "");
	assert_int_equal(kwrite(t, "deep", "sys/power/mem_sleep"), 0);
	assert_int_equal(kwrite(t, "mem", "sys/power/state"), 0);
	assert_int_equal(fk_suspends(t->fx), 2);
	assert_string_equal(fk_suspend_mode(t->fx, 0), "s2idle");
	assert_string_equal(fk_suspend_mode(t->fx, 1), "deep");
	assert_int_equal(fk_suspends_without_alarm(t->fx), 1);
	fk_suspend_fail(t->fx, 1, -EBUSY, "0000:00:01.0");
	assert_int_equal(kwrite(t, "mem", "sys/power/state"), -EBUSY);
	assert_string_equal(fx_read(t->fx, "sys/power/suspend_stats/fail"), "1\n");
	assert_string_equal(fx_read(t->fx, "sys/power/suspend_stats/last_failed_dev"),
			    "0000:00:01.0\n");
	fk_suspend_uncounted(t->fx, 1);
	assert_int_equal(kwrite(t, "mem", "sys/power/state"), 0);
	assert_string_equal(fx_read(t->fx, "sys/power/suspend_stats/success"), "2\n");
}

static void test_fk_faults(void **state)
{
	struct t *t = *state;

	fk_fail_write(t->fx, DEV(GPU, "driver_override"), 2, -ENOMEM);
	assert_int_equal(kwrite(t, "a", DEV(GPU, "driver_override")), 0);
	assert_int_equal(kwrite(t, "b", DEV(GPU, "driver_override")), -ENOMEM);
	/* a failed write changes nothing, the file shows the kernel's state */
	assert_string_equal(fx_read(t->fx, DEV(GPU, "driver_override")), "a\n");
	assert_int_equal(kwrite(t, "c", DEV(GPU, "driver_override")), 0);
	assert_string_equal(fx_read(t->fx, DEV(GPU, "driver_override")), "c\n");
	fk_ignore_write(t->fx, DEV(GPU, "remove"), 0);
	assert_int_equal(kwrite(t, "1", DEV(GPU, "remove")), 0);
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_int_equal(fk_write_at(t->fx, 1)->result, -ENOMEM);
	assert_int_equal(fk_log_find(t->fx, 0, DEV(GPU, "driver_override"), "c"), 2);
	assert_int_equal(fk_log_find(t->fx, 3, DEV(GPU, "driver_override"), NULL), -1);
	assert_int_equal(fk_log_count(t->fx, DEV(GPU, "driver_override")), 3);
	/* unknown attributes are read-only */
	assert_int_equal(kwrite(t, "0x1", DEV(GPU, "vendor")), -EACCES);
	assert_string_equal(fx_read(t->fx, DEV(GPU, "vendor")), "0x1234\n");
}

static void test_fk_plain_files(void **state)
{
	struct t *t = *state;

	fx_write(t->fx, "run/state", "old\n");
	assert_int_equal(vfh_write_str(t->ctx, VFH_ROOT_RUN, "new", "state"), 0);
	assert_string_equal(fx_read(t->fx, "run/state"), "new");
	/* an attribute the model does not know is read-only, left alone */
	assert_int_equal(kwrite(t, "1", "sys/kernel/iommu_groups/9/type"), -EACCES);
	assert_writes(t->fx, { "run/state", "new" }, { "sys/kernel/iommu_groups/9/type", "1" });
	assert_int_equal(fk_write_at(t->fx, 1)->result, -EACCES);
}

/* What the guest's 6.1 kernel did, both consoles modular ("(M)") */
static void test_fk_vtcon(void **state)
{
	struct t *t = *state;

	assert_int_equal(kwrite(t, "0", "sys/class/vtconsole/vtcon0/bind"), 0);
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/bind"), "0\n");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/bind"), "1\n");
	/* only what a system driver holds can be bound: none here */
	assert_int_equal(kwrite(t, "1", "sys/class/vtconsole/vtcon0/bind"), 0);
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/bind"), "0\n");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/bind"), "1\n");
	assert_int_equal(kwrite(t, "1", "sys/class/vtconsole/vtcon1/bind"), 0);
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/bind"), "0\n");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/bind"), "1\n");
	/* unbinding the dummy hands the VTs back to fbcon */
	assert_int_equal(kwrite(t, "0", "sys/class/vtconsole/vtcon1/bind"), 0);
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/bind"), "1\n");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/bind"), "0\n");
}

/* A UEFI host: the dummy is the system driver ("(S)") */
static void test_fk_vtcon_system_driver(void **state)
{
	struct t *t = *state;

	/* a system console driver cannot be bound or unbound */
	assert_int_equal(kwrite(t, "1", "sys/class/vtconsole/vtcon0/bind"), 0);
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/bind"), "0\n");
	assert_int_equal(kwrite(t, "0", "sys/class/vtconsole/vtcon1/bind"), 0);
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/bind"), "1\n");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/bind"), "0\n");
	assert_int_equal(kwrite(t, "0", "sys/class/vtconsole/vtcon0/bind"), 0);
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/bind"), "1\n");
	/* binding fbcon takes what the system driver holds */
	assert_int_equal(kwrite(t, "1", "sys/class/vtconsole/vtcon1/bind"), 0);
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/bind"), "0\n");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/bind"), "1\n");
}

/* fbcon goes with the last framebuffer and comes back with the first */
static void test_fk_fbcon_registration(void **state)
{
	struct t *t = *state;

	assert_int_equal(kwrite(t, GPU, "sys/bus/pci/drivers/bochs-drm/unbind"), 0);
	assert_false(fx_exists(t->fx, "sys/class/vtconsole/vtcon0"));
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/bind"), "1\n");
	assert_string_equal(fx_read(t->fx, "sys/module/bochs/refcnt"), "0\n");
	/* the framebuffer is back: so is fbcon, in its slot, holding the VTs */
	assert_int_equal(kwrite(t, GPU, "sys/bus/pci/drivers/bochs-drm/bind"), 0);
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/name"),
			    "(M) frame buffer device\n");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon0/bind"), "1\n");
	assert_string_equal(fx_read(t->fx, "sys/class/vtconsole/vtcon1/bind"), "0\n");
	assert_string_equal(fx_read(t->fx, "sys/module/bochs/refcnt"), "1\n");
	fx_check(t->fx);
}

static void test_fk_modules(void **state)
{
	struct t *t = *state;

	assert_int_equal(t->ctx->test_ops->module(t->ctx->test_data, "no_such", true), -ENOENT);
	assert_int_equal(t->ctx->test_ops->module(t->ctx->test_data, "vfio_pci", true), 0);
	assert_true(fx_exists(t->fx, DRV("vfio-pci", "bind")));
	assert_string_equal(fx_read(t->fx, "sys/module/vfio_pci/initstate"), "live\n");
	assert_string_equal(fx_readlink(t->fx, "sys/module/vfio_pci/drivers/pci:vfio-pci"),
			    "../../../bus/pci/drivers/vfio-pci");
	/* held: the kernel refuses */
	assert_int_equal(t->ctx->test_ops->module(t->ctx->test_data, "snd_hda_codec", false),
			 -EWOULDBLOCK);
	/* unloading a driver module detaches its devices */
	assert_int_equal(t->ctx->test_ops->module(t->ctx->test_data, "snd_hda_intel", false), 0);
	assert_driver(t->fx, HDA, "");
	assert_false(fx_exists(t->fx, "sys/bus/pci/drivers/snd_hda_intel"));
	assert_false(fx_exists(t->fx, "sys/module/snd_hda_intel"));
	assert_false(fx_exists(t->fx, "sys/module/snd_hda_codec/holders/snd_hda_intel"));
	assert_string_equal(fx_read(t->fx, "sys/module/snd_hda_codec/refcnt"), "0\n");
	/* loading it again binds what it matches (driver_attach()) */
	assert_int_equal(t->ctx->test_ops->module(t->ctx->test_data, "snd_hda_intel", true), 0);
	assert_driver(t->fx, HDA, "snd_hda_intel");
	assert_writes(t->fx, { "@modprobe", "no_such" }, { "@modprobe", "vfio_pci" },
		      { "@rmmod", "snd_hda_codec" }, { "@rmmod", "snd_hda_intel" },
		      { "@modprobe", "snd_hda_intel" });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_links_are_relative_and_depth_correct),
		T(test_attributes_as_the_kernel_shows_them),
		T(test_config_header),
		T(test_drivers_modules_and_the_rest),
		T(test_check_prefix_refuses_root),
		cmocka_unit_test(test_free_removes_the_tree),
		cmocka_unit_test(test_each_fixture_is_fresh),
		cmocka_unit_test(test_extra_lines_merge),
		cmocka_unit_test(test_check_catches_incoherence),
		cmocka_unit_test(test_other_fixtures_build),
		T_ON(test_noiommu_has_no_groups, t_noiommu),
		T_ON(test_nvmeroot_shape, t_nvmeroot),
		T(test_fk_override_set_and_clear),
		T(test_fk_unbind_bind_rules),
		T(test_fk_drivers_probe),
		T(test_fk_remove_and_rescan),
		T(test_fk_remove_bridge_takes_children),
		T(test_fk_power_and_rtc),
		T(test_fk_faults),
		T(test_fk_plain_files),
		T(test_fk_vtcon),
		T_ON(test_fk_vtcon_system_driver, t_efifb),
		T(test_fk_fbcon_registration),
		T(test_fk_modules),
	};

	t_init();
	return cmocka_run_group_tests_name("fixture", tests, NULL, NULL);
}
