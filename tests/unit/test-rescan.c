// SPDX-License-Identifier: LGPL-2.1-or-later
/* Taking devices off the bus, bringing them back on their bindings, and
 * the kernel's function reset (rescan.c). */
#include <stdlib.h>

#include "testlib.h"

#define GPU "0000:01:00.0"
#define HDA "0000:01:00.1"
#define NIC "0000:00:01.0"

static void test_remove_slot_highest_function_first(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU), hda = t_addr(HDA);
	struct vfh_pci_removed *rm = NULL;
	size_t n = 0;

	assert_int_equal(vfh_pci_remove(t->ctx, &gpu, VFH_REMOVE_SLOT, &rm, &n), 0);
	assert_writes(t->fx, { DEV(HDA, "remove"), "1" }, { DEV(GPU, "remove"), "1" });
	assert_int_equal(n, 2);
	assert_true(vfh_pci_addr_eq(&rm[0].addr, &hda));
	assert_string_equal(rm[0].binding.driver, "snd_hda_intel");
	assert_true(vfh_pci_addr_eq(&rm[1].addr, &gpu));
	assert_string_equal(rm[1].binding.driver, "bochs-drm");
	assert_string_equal(rm[1].binding.driver_override, "");
	assert_null(fx_driver(t->fx, GPU));
	assert_null(fx_driver(t->fx, HDA));
	assert_false(fx_exists(t->fx, "sys/kernel/iommu_groups/9"));
	free(rm);
}

static void test_remove_slot_from_any_function(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr hda = t_addr(HDA);
	struct vfh_pci_removed *rm = NULL;
	size_t n = 0;

	assert_int_equal(vfh_pci_remove(t->ctx, &hda, VFH_REMOVE_SLOT, &rm, &n), 0);
	assert_writes(t->fx, { DEV(HDA, "remove"), "1" }, { DEV(GPU, "remove"), "1" });
	assert_int_equal(n, 2);
	free(rm);
}

static void test_remove_one_function(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr hda = t_addr(HDA);

	assert_int_equal(vfh_pci_remove(t->ctx, &hda, 0, NULL, NULL), 0);
	assert_writes(t->fx, { DEV(HDA, "remove"), "1" });
	assert_null(fx_driver(t->fx, HDA));
	assert_driver(t->fx, GPU, "bochs-drm");
}

static void test_rescan_brings_them_back(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_pci_removed *rm;
	size_t n;

	assert_int_equal(vfh_pci_remove(t->ctx, &gpu, VFH_REMOVE_SLOT, &rm, &n), 0);
	fk_log_clear(t->fx);
	assert_int_equal(vfh_pci_rescan(t->ctx, rm, n), 0);
	/* back on the drivers they had: nothing to restore */
	assert_writes(t->fx, { "sys/bus/pci/rescan", "1" });
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_driver(t->fx, HDA, "snd_hda_intel");
	assert_true(fx_exists(t->fx, "sys/kernel/iommu_groups/9/devices/" GPU));
	free(rm);
}

/* A device that was on vfio-pci through an override comes back from a
 * rescan as new: on its own driver, no override.  The recorded binding
 * is put back, lowest function first. */
static void test_rescan_restores_vfio_bindings(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_pci_removed *rm;
	size_t n;

	assert_int_equal(vfh_pci_remove(t->ctx, &gpu, VFH_REMOVE_SLOT, &rm, &n), 0);
	assert_string_equal(rm[1].binding.driver, "vfio-pci");
	assert_string_equal(rm[1].binding.driver_override, "vfio-pci");
	fk_log_clear(t->fx);
	assert_int_equal(vfh_pci_rescan(t->ctx, rm, n), 0);
	assert_writes(t->fx, { "sys/bus/pci/rescan", "1" },
		      { DEV(GPU, "driver_override"), "vfio-pci" },
		      { DRV("bochs-drm", "unbind"), GPU },
		      { DRV("vfio-pci", "bind"), GPU },
		      { DEV(HDA, "driver_override"), "vfio-pci" },
		      { DRV("snd_hda_intel", "unbind"), HDA },
		      { DRV("vfio-pci", "bind"), HDA });
	assert_driver(t->fx, GPU, "vfio-pci");
	assert_driver(t->fx, HDA, "vfio-pci");
	assert_string_equal(fx_read(t->fx, DEV(GPU, "driver_override")), "vfio-pci\n");
	assert_string_equal(fx_read(t->fx, DEV(HDA, "driver_override")), "vfio-pci\n");
	free(rm);
}

static int setup_gpu_on_vfio(void **state)
{
	return t_setup(state, "guest",
		       "module vfio_pci state=live\n"
		       "pci 0000:01:00.0 driver=vfio-pci native=bochs-drm override=vfio-pci\n"
		       "pci 0000:01:00.1 driver=vfio-pci native=snd_hda_intel override=vfio-pci\n");
}

static void test_rescan_keeps_going_after_a_failed_restore(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_pci_removed *rm;
	size_t n;

	assert_int_equal(vfh_pci_remove(t->ctx, &gpu, VFH_REMOVE_SLOT, &rm, &n), 0);
	fk_fail_write(t->fx, DRV("vfio-pci", "bind"), 1, -EIO);
	assert_int_equal(vfh_pci_rescan(t->ctx, rm, n), -EIO);
	/* the first error is returned, the other function is still restored */
	assert_driver(t->fx, HDA, "vfio-pci");
	assert_driver(t->fx, GPU, "");
	free(rm);
}

static void test_rescan_timeout_names_the_missing_device(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_pci_removed *rm;
	size_t n;

	assert_int_equal(vfh_pci_remove(t->ctx, &gpu, VFH_REMOVE_SLOT, &rm, &n), 0);
	fk_rescan_keep_gone(t->fx, HDA);
	assert_int_equal(vfh_pci_rescan(t->ctx, rm, n), -ETIMEDOUT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "0000:01:00.1 did not come back within 50 ms "
			    "of the rescan (the wait bound); check journalctl -k, a reboot may be "
			    "needed");
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_null(fx_driver(t->fx, HDA));
	free(rm);
}

static void test_rescan_write_fails(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr hda = t_addr(HDA);
	struct vfh_pci_removed *rm;
	size_t n;

	assert_int_equal(vfh_pci_remove(t->ctx, &hda, 0, &rm, &n), 0);
	fk_fail_write(t->fx, "sys/bus/pci/rescan", 1, -EIO);
	assert_int_equal(vfh_pci_rescan(t->ctx, rm, n), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "rescanning the PCI bus failed: Input/output error");
	assert_null(fx_driver(t->fx, HDA));
	assert_int_equal(vfh_pci_rescan(t->ctx, rm, n), 0);
	assert_driver(t->fx, HDA, "snd_hda_intel");
	free(rm);
}

/* The second function does not leave: what left already comes back. */
static void test_remove_without_effect_brings_back_the_rest(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);
	struct vfh_pci_removed *rm = (void *)1;
	size_t n = 5;

	fk_ignore_write(t->fx, DEV(GPU, "remove"), 1);
	assert_int_equal(vfh_pci_remove(t->ctx, &gpu, VFH_REMOVE_SLOT, &rm, &n), -ETIMEDOUT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "0000:01:00.0 was still on the bus 50 ms after "
			    "remove (the wait bound)");
	assert_null(rm);
	assert_int_equal(n, 0);
	assert_writes(t->fx, { DEV(HDA, "remove"), "1" }, { DEV(GPU, "remove"), "1" },
		      { "sys/bus/pci/rescan", "1" });
	assert_driver(t->fx, GPU, "bochs-drm");
	assert_driver(t->fx, HDA, "snd_hda_intel");
}

static void test_remove_refused(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU);

	fk_fail_write(t->fx, DEV(HDA, "remove"), 1, -EACCES);
	assert_int_equal(vfh_pci_remove(t->ctx, &gpu, VFH_REMOVE_SLOT, NULL, NULL), -EACCES);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "removing 0000:01:00.1 from the bus failed: "
			    "Permission denied");
	/* nothing left, nothing to bring back */
	assert_writes(t->fx, { DEV(HDA, "remove"), "1" });
	assert_driver(t->fx, HDA, "snd_hda_intel");
}

static void test_remove_missing_device(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr("0000:05:00.0");

	assert_int_equal(vfh_pci_remove(t->ctx, &a, VFH_REMOVE_SLOT, NULL, NULL), -ENODEV);
	assert_no_writes(t->fx);
}

static void test_remove_bridge_and_rescan(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr br = t_addr("0000:00:05.0");
	struct vfh_pci_removed *rm;
	size_t n;

	assert_int_equal(vfh_pci_remove(t->ctx, &br, 0, &rm, &n), 0);
	assert_int_equal(n, 1);
	/* the kernel takes what is behind a bridge with it */
	assert_null(fx_driver(t->fx, "0000:02:01.0"));
	assert_int_equal(vfh_pci_rescan(t->ctx, rm, n), 0);
	assert_driver(t->fx, "0000:02:01.0", "e1000");
	assert_driver(t->fx, "0000:02:02.0", "e1000");
	free(rm);
}

static void test_reset(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr nic = t_addr(NIC), host = t_addr("0000:00:00.0");

	assert_int_equal(vfh_pci_reset(t->ctx, &nic), 0);
	assert_writes(t->fx, { DEV(NIC, "reset"), "1" });
	assert_int_equal(fk_resets(t->fx, NIC), 1);
	assert_int_equal(vfh_pci_reset(t->ctx, &host), -ENOTTY);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "0000:00:00.0 has no reset method the kernel "
			    "can use (no FLR, PM or bus reset); consider reset = suspend");
	assert_int_equal(fk_resets(t->fx, "0000:00:00.0"), 0);
	fk_fail_write(t->fx, DEV(NIC, "reset"), 1, -ENOTTY);
	assert_int_equal(vfh_pci_reset(t->ctx, &nic), -ENOTTY);
	assert_contains(vfh_ctx_errmsg(t->ctx), "(no usable reset method; consider reset = suspend)");
	fk_fail_write(t->fx, DEV(NIC, "reset"), 1, -EIO);
	assert_int_equal(vfh_pci_reset(t->ctx, &nic), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "resetting 0000:00:01.0 failed: Input/output error");
	assert_int_equal(fk_resets(t->fx, NIC), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_remove_slot_highest_function_first),
		T(test_remove_slot_from_any_function),
		T(test_remove_one_function),
		T(test_rescan_brings_them_back),
		T_ON(test_rescan_restores_vfio_bindings, setup_gpu_on_vfio),
		T_ON(test_rescan_keeps_going_after_a_failed_restore, setup_gpu_on_vfio),
		T(test_rescan_timeout_names_the_missing_device),
		T(test_rescan_write_fails),
		T(test_remove_without_effect_brings_back_the_rest),
		T(test_remove_refused),
		T(test_remove_missing_device),
		T(test_remove_bridge_and_rescan),
		T(test_reset),
	};

	t_init();
	return cmocka_run_group_tests_name("rescan", tests, NULL, NULL);
}
