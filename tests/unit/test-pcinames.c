// SPDX-License-Identifier: LGPL-2.1-or-later
/* libpci kept to enumeration and names (pcinames.c): the device list
 * pointed at the context's sysfs, pci.ids names, and libpci's errors
 * turned into -EIO without ending the process. */
#include <dirent.h>
#include <stdlib.h>

#include "testlib.h"

#define GPU "0000:01:00.0"

static const char *const guest_devices[] = {
	"0000:00:00.0", "0000:00:01.0", "0000:00:02.0", "0000:00:03.0", "0000:00:04.0",
	"0000:00:05.0", "0000:00:06.0", "0000:00:07.0", "0000:00:1f.0", "0000:00:1f.2",
	"0000:00:1f.3", "0000:01:00.0", "0000:01:00.1", "0000:02:01.0", "0000:02:02.0",
};

static void assert_list(struct t *t, const char *const *want, size_t n)
{
	struct vfh_pci_addr *v = NULL;
	size_t got = 0;
	int r = vfh_pci_list(t->ctx, &v, &got);

	if (r < 0)
		fail_msg("vfh_pci_list: %d %s", r, vfh_ctx_errmsg(t->ctx));
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++) {
		char buf[VFH_PCI_ADDR_MAX];

		vfh_pci_addr_format(&v[i], buf, sizeof(buf));
		assert_string_equal(buf, want[i]);
	}
	free(v);
}

static void test_list_is_sorted_and_complete(void **state)
{
	struct t *t = *state;

	assert_list(t, guest_devices, 15);
	/* again: libpci's second scan must not duplicate devices */
	assert_list(t, guest_devices, 15);
}

static void test_list_follows_the_bus(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	static const char *const want[] = {
		"0000:00:00.0", "0000:00:01.0", "0000:00:02.0", "0000:00:03.0", "0000:00:04.0",
		"0000:00:05.0", "0000:00:06.0", "0000:00:07.0", "0000:00:1f.0", "0000:00:1f.2",
		"0000:00:1f.3", "0000:01:00.1", "0000:02:01.0", "0000:02:02.0",
	};

	assert_list(t, guest_devices, 15);
	assert_int_equal(vfh_pci_remove(t->ctx, &gpu, 0, NULL, NULL), 0);
	assert_list(t, want, 14);
	assert_int_equal(vfh_pci_rescan(t->ctx, NULL, 0), 0);
	assert_list(t, guest_devices, 15);
}

static void test_list_wide_domain(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr *v = NULL;
	size_t n = 0;
	struct vfh_pci_info info;

	assert_int_equal(vfh_pci_list(t->ctx, &v, &n), 0);
	assert_int_equal(n, 16);
	assert_int_equal(v[15].domain, 0x10000);
	assert_int_equal(v[15].bus, 0xe0);
	assert_int_equal(v[15].slot, 0x1d);
	assert_int_equal(vfh_pci_info_read(t->ctx, &v[15], &info), 0);
	assert_string_equal(info.driver, "nvme");
	assert_int_equal(info.iommu_group, 12);
	free(v);
}

static int setup_vmd(void **state)
{
	return t_setup(state, "guest",
		       "pci 10000:e0:1d.0 id=8086:f1a8 class=0x010802 group=12 driver=nvme\n");
}

static void test_list_another_root(void **state)
{
	struct t *t = *state;
	struct fx *other = fx_new_with("guest", "drop pci 0000:00:1f.3\n");
	static const char *const want[] = {
		"0000:00:00.0", "0000:00:01.0", "0000:00:02.0", "0000:00:03.0", "0000:00:04.0",
		"0000:00:05.0", "0000:00:06.0", "0000:00:07.0", "0000:00:1f.0", "0000:00:1f.2",
		"0000:01:00.0", "0000:01:00.1", "0000:02:01.0", "0000:02:02.0",
	};

	assert_list(t, guest_devices, 15);
	/* libpci captured the old sysfs path: it must follow the new root */
	fx_attach(other, t->ctx);
	assert_list(t, want, 14);
	fx_attach(t->fx, t->ctx);
	fx_free(other);
}

static void test_list_skips_odd_entries_and_leaks_nothing(void **state)
{
	struct t *t = *state;
	int fds;

	assert_list(t, guest_devices, 15);
	fds = t_open_fds();
	/* an entry that is not an address is not a device: skipped, the list
	 * is the same, and nothing is left open */
	fx_write(t->fx, "sys/bus/pci/devices/garbage", "");
	assert_list(t, guest_devices, 15);
	fx_delete(t->fx, "sys/bus/pci/devices/garbage");
	assert_list(t, guest_devices, 15);
	if (t_open_fds() != fds)
		fail_msg("vfh_pci_list leaked %d file descriptor(s)", t_open_fds() - fds);
}

static void test_names(void **state)
{
	struct t *t = *state;
	struct vfh_pci_info nic = t_info(t, "0000:00:01.0"), gpu = t_info(t, GPU);
	char vendor[128], device[128], small[6];

	assert_int_equal(vfh_pci_names(t->ctx, &nic, vendor, sizeof(vendor), device,
				       sizeof(device)), 0);
	assert_string_equal(vendor, "Intel Corporation");
	assert_string_equal(device, "82574L Gigabit Network Connection");
	/* 1234:1111 (QEMU's std VGA) is not in pci.ids: empty, no numbers */
	assert_int_equal(vfh_pci_names(t->ctx, &gpu, vendor, sizeof(vendor), device,
				       sizeof(device)), 0);
	assert_string_equal(vendor, "");
	assert_string_equal(device, "");
	assert_int_equal(vfh_pci_names(t->ctx, &nic, small, sizeof(small), device, 0), 0);
	assert_true(strlen(small) < sizeof(small));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_list_is_sorted_and_complete),
		T(test_list_follows_the_bus),
		T_ON(test_list_wide_domain, setup_vmd),
		T(test_list_another_root),
		T(test_names),
		T(test_list_skips_odd_entries_and_leaks_nothing),
	};

	t_init();
	return cmocka_run_group_tests_name("pcinames", tests, NULL, NULL);
}
