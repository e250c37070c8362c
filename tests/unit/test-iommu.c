// SPDX-License-Identifier: LGPL-2.1-or-later
/* IOMMU groups: members, whether VFIO can take a group, a slot's other
 * functions (iommu.c). */
#include <stdlib.h>

#include "testlib.h"

static void assert_addrs(const struct vfh_pci_addr *v, size_t n, const char *const *want,
			 size_t nwant)
{
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++) {
		char buf[VFH_PCI_ADDR_MAX];

		vfh_pci_addr_format(&v[i], buf, sizeof(buf));
		assert_string_equal(buf, want[i]);
	}
}

#define ASSERT_ADDRS(v, n, ...) do {                                            \
		static const char *const want_[] = { __VA_ARGS__ };               \
		assert_addrs(v, n, want_, sizeof(want_) / sizeof(want_[0]));      \
	} while (0)

static void test_vfio_ok_drivers(void **state)
{
	static const char *const ok[] = {
		"vfio-pci", "pci-stub", "vfio-pci-core", "vfio_pci", "mlx5-vfio-pci",
		"hisi-acc-vfio-pci", "vfio-pcix", "", NULL,
	};
	static const char *const not_ok[] = {
		"e1000e", "bochs-drm", "snd_hda_intel", "pcieport", "nvidia", "vfio",
		"-vfio-pci", "pci-stub2", "xvfio-pci", "stub",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!vfh_driver_is_vfio_ok(ok[i]))
			fail_msg("'%s' refused", ok[i] ? ok[i] : "(null)");
	for (size_t i = 0; i < sizeof(not_ok) / sizeof(not_ok[0]); i++)
		if (vfh_driver_is_vfio_ok(not_ok[i]))
			fail_msg("'%s' accepted", not_ok[i]);
}

static void test_members(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr *v;
	size_t n;

	assert_int_equal(vfh_iommu_group_members(t->ctx, 9, &v, &n), 0);
	ASSERT_ADDRS(v, n, "0000:01:00.0", "0000:01:00.1");
	free(v);
	assert_int_equal(vfh_iommu_group_members(t->ctx, 5, &v, &n), 0);
	ASSERT_ADDRS(v, n, "0000:00:05.0", "0000:02:01.0", "0000:02:02.0");
	free(v);
	assert_int_equal(vfh_iommu_group_members(t->ctx, 8, &v, &n), 0);
	ASSERT_ADDRS(v, n, "0000:00:1f.0", "0000:00:1f.2", "0000:00:1f.3");
	free(v);
	assert_int_equal(vfh_iommu_group_members(t->ctx, 1, &v, &n), 0);
	ASSERT_ADDRS(v, n, "0000:00:01.0");
	free(v);
}

static void test_members_errors(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr *v = (void *)1;
	size_t n = 7;

	assert_int_equal(vfh_iommu_group_members(t->ctx, 99, &v, &n), -ENOENT);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_contains(vfh_ctx_errmsg(t->ctx), "cannot list IOMMU group 99");
	assert_int_equal(vfh_iommu_group_members(t->ctx, -1, &v, &n), -EINVAL);
}

static void test_members_without_iommu(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr *v;
	size_t n;

	assert_int_equal(vfh_iommu_group_members(t->ctx, 9, &v, &n), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "the kernel has no IOMMU groups");
	assert_contains(vfh_ctx_errmsg(t->ctx), "intel_iommu=on");
}

static void test_members_skip_non_pci(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr *v;
	size_t n;

	/* a platform device sharing the group (an SMMU-era oddity) */
	fx_symlink(t->fx, "sys/kernel/iommu_groups/9/devices/soc:gpu-sram", "sys/devices/platform");
	assert_int_equal(vfh_iommu_group_members(t->ctx, 9, &v, &n), 0);
	ASSERT_ADDRS(v, n, "0000:01:00.0", "0000:01:00.1");
	free(v);
	assert_contains(((struct t *)*state)->log, "IOMMU group 9 holds non-PCI device soc:gpu-sram");
	fx_delete(t->fx, "sys/kernel/iommu_groups/9/devices/soc:gpu-sram");
}

static void test_gpu_group_blocked_by_host_drivers(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr *bl = (void *)1;
	size_t nb = 9;

	assert_int_equal(vfh_iommu_group_viable(t->ctx, 9, NULL, 0, &bl, &nb), 0);
	ASSERT_ADDRS(bl, nb, "0000:01:00.0", "0000:01:00.1");
	free(bl);
	/* without a blockers array: the answer alone */
	assert_int_equal(vfh_iommu_group_viable(t->ctx, 9, NULL, 0, NULL, NULL), 0);
}

static void test_gpu_group_viable_on_vfio(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr("0000:01:00.0"), hda = t_addr("0000:01:00.1");
	struct vfh_pci_addr *bl = (void *)1;
	size_t nb = 9;

	assert_int_equal(vfh_pci_bind(t->ctx, &gpu, "vfio-pci", NULL), 0);
	assert_int_equal(vfh_iommu_group_viable(t->ctx, 9, NULL, 0, &bl, &nb), 0);
	ASSERT_ADDRS(bl, nb, "0000:01:00.1");
	free(bl);
	assert_int_equal(vfh_pci_bind(t->ctx, &hda, "vfio-pci", NULL), 0);
	assert_driver(t->fx, "0000:01:00.0", "vfio-pci");
	assert_driver(t->fx, "0000:01:00.1", "vfio-pci");
	assert_int_equal(vfh_iommu_group_viable(t->ctx, 9, NULL, 0, &bl, &nb), 1);
	assert_null(bl);
	assert_int_equal(nb, 0);
}

static void test_stub_and_unbound_are_fine(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr *bl;
	size_t nb;

	/* 01:00.0 on pci-stub, 01:00.1 unbound (fixture) */
	assert_int_equal(vfh_iommu_group_viable(t->ctx, 9, NULL, 0, &bl, &nb), 1);
	assert_int_equal(nb, 0);
	/* nothing bound at all in the chipset group */
	assert_int_equal(vfh_iommu_group_viable(t->ctx, 8, NULL, 0, &bl, &nb), 1);
	assert_int_equal(nb, 0);
}

static int setup_stub(void **state)
{
	return t_setup(state, "guest",
		       "module pci_stub state=live\n"
		       "pci 0000:01:00.0 driver=pci-stub native=bochs-drm override=pci-stub\n"
		       "pci 0000:01:00.1 driver= native=snd_hda_intel\n");
}

static void test_bridge_excepted(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr *bl;
	size_t nb;

	/* the PCIe-to-PCI bridge is in group 5 with two e1000; the bridge's
	 * driver (none here, pcieport elsewhere) never blocks */
	assert_int_equal(vfh_iommu_group_viable(t->ctx, 5, NULL, 0, &bl, &nb), 0);
	ASSERT_ADDRS(bl, nb, "0000:02:01.0", "0000:02:02.0");
	free(bl);
	/* the root port, bound to pcieport, alone in group 2 */
	assert_int_equal(vfh_iommu_group_viable(t->ctx, 2, NULL, 0, &bl, &nb), 1);
	assert_int_equal(nb, 0);
}

static void test_ignoring(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr leaving[] = { t_addr("0000:02:01.0"), t_addr("0000:02:02.0") };
	struct vfh_pci_addr *bl;
	size_t nb;

	assert_int_equal(vfh_iommu_group_viable(t->ctx, 5, leaving, 2, &bl, &nb), 1);
	assert_int_equal(nb, 0);
	assert_int_equal(vfh_iommu_group_viable(t->ctx, 5, leaving, 1, &bl, &nb), 0);
	ASSERT_ADDRS(bl, nb, "0000:02:02.0");
	free(bl);
	/* ignoring devices of another group changes nothing */
	leaving[0] = t_addr("0000:01:00.0");
	assert_int_equal(vfh_iommu_group_viable(t->ctx, 5, leaving, 1, &bl, &nb), 0);
	assert_int_equal(nb, 2);
	free(bl);
}

static void test_viable_errors(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr *bl = (void *)1;
	size_t nb = 3;

	assert_int_equal(vfh_iommu_group_viable(t->ctx, 99, NULL, 0, &bl, &nb), -ENOENT);
	assert_null(bl);
	assert_int_equal(nb, 0);
	/* a member whose attributes cannot be read: the error, not a guess */
	fx_delete(t->fx, "sys/bus/pci/devices/0000:01:00.1/class");
	assert_int_equal(vfh_iommu_group_viable(t->ctx, 9, NULL, 0, &bl, &nb), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "0000:01:00.1");
	fx_write(t->fx, "sys/bus/pci/devices/0000:01:00.1/class", "0x040300\n");
}

static void test_companions(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr("0000:01:00.0"), *v = (void *)1;
	size_t n = 5;

	assert_int_equal(vfh_pci_companions(t->ctx, &a, &v, &n), 0);
	ASSERT_ADDRS(v, n, "0000:01:00.1");
	free(v);
	a = t_addr("0000:01:00.1");
	assert_int_equal(vfh_pci_companions(t->ctx, &a, &v, &n), 0);
	ASSERT_ADDRS(v, n, "0000:01:00.0");
	free(v);
	a = t_addr("0000:00:1f.3");
	assert_int_equal(vfh_pci_companions(t->ctx, &a, &v, &n), 0);
	ASSERT_ADDRS(v, n, "0000:00:1f.0", "0000:00:1f.2");
	free(v);
	a = t_addr("0000:00:01.0");
	assert_int_equal(vfh_pci_companions(t->ctx, &a, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
	/* the bus says who is there, not the slot number */
	a = t_addr("0000:01:00.1");
	assert_int_equal(vfh_pci_remove(t->ctx, &a, 0, NULL, NULL), 0);
	a = t_addr("0000:01:00.0");
	assert_int_equal(vfh_pci_companions(t->ctx, &a, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vfio_ok_drivers),
		T(test_members),
		T(test_members_errors),
		T_ON(test_members_without_iommu, t_noiommu),
		T(test_members_skip_non_pci),
		T(test_gpu_group_blocked_by_host_drivers),
		T(test_gpu_group_viable_on_vfio),
		T_ON(test_stub_and_unbound_are_fine, setup_stub),
		T(test_bridge_excepted),
		T(test_ignoring),
		T(test_viable_errors),
		T(test_companions),
	};

	t_init();
	return cmocka_run_group_tests_name("iommu", tests, NULL, NULL);
}
