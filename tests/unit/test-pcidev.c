// SPDX-License-Identifier: LGPL-2.1-or-later
/* What sysfs says about one PCI device (pcidev.c). */
#include "testlib.h"

#define GPU "0000:01:00.0"
#define HDA "0000:01:00.1"

static void test_gpu(void **state)
{
	struct vfh_pci_info i = t_info(*state, GPU);

	assert_int_equal(i.vendor, 0x1234);
	assert_int_equal(i.device, 0x1111);
	assert_int_equal(i.subsystem_vendor, 0x1af4);
	assert_int_equal(i.subsystem_device, 0x1100);
	assert_int_equal(i.class, 0x030000);
	assert_string_equal(i.driver, "bochs-drm");
	assert_string_equal(i.driver_override, "");
	assert_int_equal(i.iommu_group, 9);
	assert_string_equal(i.reset_method, "bus");
	assert_int_equal(i.boot_vga, 1);
	assert_true(i.is_display);
	/* header type 0x80: a multi-function endpoint, not a bridge */
	assert_false(i.is_bridge);
}

static void test_audio_function(void **state)
{
	struct vfh_pci_info i = t_info(*state, HDA);

	assert_int_equal(i.class, 0x040300);
	assert_string_equal(i.driver, "snd_hda_intel");
	assert_int_equal(i.iommu_group, 9);
	assert_int_equal(i.boot_vga, -1);
	assert_false(i.is_display);
	assert_false(i.is_bridge);
}

static void test_bridges_and_unbound(void **state)
{
	struct t *t = *state;
	struct vfh_pci_info i;

	i = t_info(t, "0000:00:02.0");
	assert_true(i.is_bridge);
	assert_string_equal(i.driver, "pcieport");
	assert_string_equal(i.reset_method, "");
	assert_int_equal(i.iommu_group, 2);
	i = t_info(t, "0000:00:05.0");
	assert_true(i.is_bridge);
	assert_string_equal(i.driver, "");
	assert_string_equal(i.reset_method, "pm");
	/* host and ISA bridges are not PCI bridges: VFIO judges their driver */
	i = t_info(t, "0000:00:00.0");
	assert_false(i.is_bridge);
	assert_string_equal(i.driver, "");
	i = t_info(t, "0000:00:1f.0");
	assert_false(i.is_bridge);
	assert_int_equal(i.iommu_group, 8);
	i = t_info(t, "0000:02:02.0");
	assert_string_equal(i.driver, "e1000");
	assert_int_equal(i.iommu_group, 5);
}

/* The header type decides; the class is only the fallback when config
 * space cannot be read. */
static void test_bridge_by_header_type_then_class(void **state)
{
	struct t *t = *state;

	(void)t;
	assert_false(t_info(t, "0000:00:0a.0").is_bridge);	/* bridge class, header 0 */
	assert_true(t_info(t, "0000:00:0b.0").is_bridge);	/* NIC class, header 1 */
	assert_true(t_info(t, "0000:00:0c.0").is_bridge);	/* CardBus, header 2 */
	assert_true(t_info(t, "0000:00:0d.0").is_bridge);	/* 0x81: multi-function bridge */
	assert_true(t_info(t, "0000:00:0e.0").is_bridge);	/* no config: class 0x0604 */
	assert_true(t_info(t, "0000:00:0f.0").is_bridge);	/* no config: class 0x0607 */
	assert_true(t_info(t, "0000:00:10.0").is_bridge);	/* no config: class 0x0609 */
	assert_false(t_info(t, "0000:00:11.0").is_bridge);	/* no config: class 0x0601 */
	assert_false(t_info(t, "0000:00:12.0").is_bridge);	/* header 3: not a bridge */
}

static int setup_bridges(void **state)
{
	return t_setup(state, "guest",
		       "pci 0000:00:0a.0 id=1b36:000c class=0x060400 hdr=0 group=20\n"
		       "pci 0000:00:0b.0 id=8086:10d3 class=0x020000 hdr=1 group=21\n"
		       "pci 0000:00:0c.0 id=104c:ac56 class=0x060700 group=22\n"
		       "pci 0000:00:0d.0 id=1b36:000c class=0x060400 hdr=0x81 group=23\n"
		       "pci 0000:00:0e.0 id=1b36:000c class=0x060400 hdr=none group=24\n"
		       "pci 0000:00:0f.0 id=104c:ac56 class=0x060700 hdr=none group=25\n"
		       "pci 0000:00:10.0 id=1b36:000c class=0x060900 hdr=none group=26\n"
		       "pci 0000:00:11.0 id=8086:2918 class=0x060100 hdr=none group=27\n"
		       "pci 0000:00:12.0 id=8086:2918 class=0x060400 hdr=3 group=28\n");
}

static void test_override_shown(void **state)
{
	struct t *t = *state;

	fx_write(t->fx, "sys/bus/pci/devices/" GPU "/driver_override", "vfio-pci\n");
	assert_string_equal(t_info(t, GPU).driver_override, "vfio-pci");
	fx_write(t->fx, "sys/bus/pci/devices/" GPU "/driver_override", "(null)\n");
	assert_string_equal(t_info(t, GPU).driver_override, "");
	/* kernels before 3.16 have no attribute: nothing overridden */
	fx_delete(t->fx, "sys/bus/pci/devices/" GPU "/driver_override");
	assert_string_equal(t_info(t, GPU).driver_override, "");
}

static void test_optional_attributes(void **state)
{
	struct t *t = *state;
	struct vfh_pci_info i;

	/* no subsystem ids (some virtual functions): zeros, not an error */
	fx_delete(t->fx, "sys/bus/pci/devices/" GPU "/subsystem_vendor");
	fx_delete(t->fx, "sys/bus/pci/devices/" GPU "/subsystem_device");
	/* a kernel too old for reset_method */
	fx_delete(t->fx, "sys/bus/pci/devices/" GPU "/reset_method");
	/* no boot_vga: unknown */
	fx_delete(t->fx, "sys/bus/pci/devices/" GPU "/boot_vga");
	i = t_info(t, GPU);
	assert_int_equal(i.subsystem_vendor, 0);
	assert_int_equal(i.subsystem_device, 0);
	assert_string_equal(i.reset_method, "");
	assert_int_equal(i.boot_vga, -1);
	assert_true(i.is_display);
	fx_write(t->fx, "sys/bus/pci/devices/" GPU "/boot_vga", "0\n");
	assert_int_equal(t_info(t, GPU).boot_vga, 0);
}

static void test_no_iommu(void **state)
{
	struct vfh_pci_info i = t_info(*state, GPU);

	assert_int_equal(i.iommu_group, -1);
	assert_string_equal(i.driver, "bochs-drm");
}

static void test_missing_device(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr("0000:01:00.2");
	struct vfh_pci_info info;
	struct vfh_pci_binding b;

	assert_int_equal(vfh_pci_info_read(t->ctx, &a, &info), -ENODEV);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "no PCI device 0000:01:00.2");
	assert_int_equal(vfh_pci_binding_read(t->ctx, &a, &b), -ENODEV);
}

static void test_bad_ids(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(GPU);
	struct vfh_pci_info info;

	fx_write(t->fx, "sys/bus/pci/devices/" GPU "/vendor", "0x12345\n");
	assert_int_equal(vfh_pci_info_read(t->ctx, &a, &info), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "cannot read the ids of 0000:01:00.0");
	fx_write(t->fx, "sys/bus/pci/devices/" GPU "/vendor", "banana\n");
	assert_int_equal(vfh_pci_info_read(t->ctx, &a, &info), -EINVAL);
	fx_write(t->fx, "sys/bus/pci/devices/" GPU "/vendor", "0x1234\n");
	fx_delete(t->fx, "sys/bus/pci/devices/" GPU "/class");
	assert_int_equal(vfh_pci_info_read(t->ctx, &a, &info), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "No such file or directory");
	fx_write(t->fx, "sys/bus/pci/devices/" GPU "/class", "0x030000\n");
	assert_int_equal(vfh_pci_info_read(t->ctx, &a, &info), 0);
}

static void test_odd_iommu_group_link(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(GPU);
	struct vfh_pci_info info;

	fx_symlink(t->fx, "sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/iommu_group",
		   "sys/kernel/iommu_groups/9/type");
	assert_int_equal(vfh_pci_info_read(t->ctx, &a, &info), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "odd iommu_group link 'type'");
	/* put back what the teardown checks */
	fx_symlink(t->fx, "sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/iommu_group",
		   "sys/kernel/iommu_groups/9");
}

static void test_binding_read(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr("0000:00:01.0");
	struct vfh_pci_binding b;

	memset(&b, 'x', sizeof(b));
	assert_int_equal(vfh_pci_binding_read(t->ctx, &a, &b), 0);
	assert_string_equal(b.driver, "e1000e");
	assert_string_equal(b.driver_override, "");
	fx_write(t->fx, "sys/bus/pci/devices/0000:00:01.0/driver_override", "vfio-pci\n");
	assert_int_equal(vfh_pci_binding_read(t->ctx, &a, &b), 0);
	assert_string_equal(b.driver_override, "vfio-pci");
	a = t_addr("0000:00:00.0");
	assert_int_equal(vfh_pci_binding_read(t->ctx, &a, &b), 0);
	assert_string_equal(b.driver, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_gpu),
		T(test_audio_function),
		T(test_bridges_and_unbound),
		T_ON(test_bridge_by_header_type_then_class, setup_bridges),
		T(test_override_shown),
		T(test_optional_attributes),
		T_ON(test_no_iommu, t_noiommu),
		T(test_missing_device),
		T(test_bad_ids),
		T(test_odd_iommu_group_link),
		T(test_binding_read),
	};

	t_init();
	return cmocka_run_group_tests_name("pcidev", tests, NULL, NULL);
}
