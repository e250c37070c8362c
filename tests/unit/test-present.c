// SPDX-License-Identifier: LGPL-2.1-or-later
/* The two questions the engine asks instead of access() on sysfs paths:
 * can the kernel reset this device (reset.c), is this platform device
 * there (framebuffer.c). */
#include "testlib.h"

#define NIC "0000:00:01.0"
#define GPU "0000:01:00.0"
#define SATA "0000:00:1f.2"

static void test_reset_supported(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr nic = t_addr(NIC), gpu = t_addr(GPU), sata = t_addr(SATA);
	struct vfh_pci_addr missing = t_addr("0000:00:09.0");

	assert_true(fx_exists(t->fx, DEV(NIC, "reset")));
	assert_int_equal(vfh_pci_reset_supported(t->ctx, &nic), 1);
	assert_int_equal(vfh_pci_reset_supported(t->ctx, &gpu), 1);
	/* no reset_method: the fixture makes no reset file, as the kernel */
	assert_false(fx_exists(t->fx, DEV(SATA, "reset")));
	assert_int_equal(vfh_pci_reset_supported(t->ctx, &sata), 0);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	assert_int_equal(vfh_pci_reset_supported(t->ctx, &missing), -ENODEV);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "no PCI device 0000:00:09.0");
	/* it follows the tree, not the fixture's spec */
	fx_delete(t->fx, DEV(NIC, "reset"));
	assert_int_equal(vfh_pci_reset_supported(t->ctx, &nic), 0);
	/* a question, not an action */
	assert_no_writes(t->fx);
	assert_int_equal(fk_resets(t->fx, NIC), 0);
}

/* what vfh_pci_reset() then does agrees with the answer */
static void test_reset_agrees(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr nic = t_addr(NIC), sata = t_addr(SATA);

	assert_int_equal(vfh_pci_reset_supported(t->ctx, &nic), 1);
	assert_int_equal(vfh_pci_reset(t->ctx, &nic), 0);
	assert_int_equal(fk_resets(t->fx, NIC), 1);
	assert_int_equal(vfh_pci_reset_supported(t->ctx, &sata), 0);
	assert_int_equal(vfh_pci_reset(t->ctx, &sata), -ENOTTY);
}

static void test_platform_dev_present(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_platform_dev_present(t->ctx, "efi-framebuffer.0"), 1);
	/* present though unbound */
	assert_int_equal(vfh_platform_dev_present(t->ctx, "simple-framebuffer.0"), 1);
	assert_int_equal(vfh_platform_dev_present(t->ctx, "serial8250"), 1);
	assert_int_equal(vfh_platform_dev_present(t->ctx, "vesa-framebuffer.0"), 0);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	assert_int_equal(vfh_platform_dev_present(t->ctx, "../devices"), -EINVAL);
	assert_int_equal(vfh_platform_dev_present(t->ctx, "."), -EINVAL);
	assert_int_equal(vfh_platform_dev_present(t->ctx, ""), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "invalid platform device name");
	fx_delete(t->fx, "sys/bus/platform/devices/simple-framebuffer.0");
	assert_int_equal(vfh_platform_dev_present(t->ctx, "simple-framebuffer.0"), 0);
	assert_no_writes(t->fx);
}

static void test_platform_dev_absent_on_guest(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_platform_dev_present(t->ctx, "efi-framebuffer.0"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_supported),
		T(test_reset_agrees),
		T_ON(test_platform_dev_present, t_efifb),
		T(test_platform_dev_absent_on_guest),
	};

	t_init();
	return cmocka_run_group_tests_name("present", tests, NULL, NULL);
}
