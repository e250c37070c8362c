// SPDX-License-Identifier: LGPL-2.1-or-later
/* Moving devices between drivers (bind.c): the writes and their order,
 * the state handed back, undoing a change that failed. */
#include "testlib.h"

#define NIC "0000:00:01.0"
#define NIC2 "0000:00:03.0"
#define GPU "0000:01:00.0"
#define HDA "0000:01:00.1"
#define SATA "0000:00:1f.2"

static void test_bind_writes_in_order(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct vfh_pci_binding prior;

	memset(&prior, 'x', sizeof(prior));
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), 0);
	/* the module first (nothing loaded it on this guest), then override,
	 * unbind, probe: never a moment when the old driver could take it back */
	assert_writes(t->fx, { "@modprobe", "vfio_pci" },
		      { DEV(NIC, "driver_override"), "vfio-pci" },
		      { DRV("e1000e", "unbind"), NIC },
		      { "sys/bus/pci/drivers_probe", NIC });
	assert_driver(t->fx, NIC, "vfio-pci");
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "vfio-pci\n");
	assert_false(fx_exists(t->fx, "sys/bus/pci/drivers/e1000e/" NIC));
	assert_string_equal(prior.driver, "e1000e");
	assert_string_equal(prior.driver_override, "");
	/* the other e1000e NICs stay where they were */
	assert_driver(t->fx, NIC2, "e1000e");
}

static void test_bind_unbound_device(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(SATA);
	struct vfh_pci_binding prior;

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), 0);
	assert_writes(t->fx, { "@modprobe", "vfio_pci" },
		      { DEV(SATA, "driver_override"), "vfio-pci" },
		      { "sys/bus/pci/drivers_probe", SATA });
	assert_driver(t->fx, SATA, "vfio-pci");
	assert_string_equal(prior.driver, "");
}

static void test_bind_already_there_writes_nothing(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct vfh_pci_binding prior;

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "e1000e", &prior), 0);
	assert_no_writes(t->fx);
	assert_string_equal(prior.driver, "e1000e");
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), 0);
	fk_log_clear(t->fx);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), 0);
	assert_no_writes(t->fx);
	assert_string_equal(prior.driver, "vfio-pci");
	assert_string_equal(prior.driver_override, "vfio-pci");
	assert_driver(t->fx, NIC, "vfio-pci");
}

static void test_bind_driver_already_loaded(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	assert_true(fk_module_live(t->fx, "vfio_pci"));
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), 0);
	assert_writes(t->fx, { DEV(NIC, "driver_override"), "vfio-pci" },
		      { DRV("e1000e", "unbind"), NIC },
		      { "sys/bus/pci/drivers_probe", NIC });
}

static int setup_vfio_loaded(void **state)
{
	return t_setup(state, "guest", "module vfio_pci state=live\n");
}

static void test_bind_group_makes_it_viable(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr gpu = t_addr(GPU), hda = t_addr(HDA);

	assert_int_equal(vfh_iommu_group_viable(t->ctx, 9, NULL, 0, NULL, NULL), 0);
	assert_int_equal(vfh_pci_bind(t->ctx, &gpu, "vfio-pci", NULL), 0);
	assert_int_equal(vfh_pci_bind(t->ctx, &hda, "vfio-pci", NULL), 0);
	assert_int_equal(vfh_iommu_group_viable(t->ctx, 9, NULL, 0, NULL, NULL), 1);
	/* the module is loaded once */
	assert_int_equal(fk_log_count(t->fx, "@modprobe"), 1);
	assert_int_equal(fk_log_find(t->fx, 0, DRV("bochs-drm", "unbind"), GPU), 2);
	assert_int_equal(fk_log_find(t->fx, 0, DRV("snd_hda_intel", "unbind"), HDA), 5);
}

static void test_bind_rejects_bad_driver_names(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	char long_name[VFH_NAME_MAX + 1];

	memset(long_name, 'v', VFH_NAME_MAX);
	long_name[VFH_NAME_MAX] = '\0';
	assert_int_equal(vfh_pci_bind(t->ctx, &a, NULL, NULL), -EINVAL);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "", NULL), -EINVAL);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "../../../power", NULL), -EINVAL);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio/pci", NULL), -EINVAL);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, long_name, NULL), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "invalid driver name");
	assert_no_writes(t->fx);
	assert_driver(t->fx, NIC, "e1000e");
}

static void test_bind_missing_device(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr("0000:00:09.0");

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), -ENODEV);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "no PCI device 0000:00:09.0");
	assert_no_writes(t->fx);
}

static void test_bind_loads_the_module(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	assert_false(fx_exists(t->fx, "sys/bus/pci/drivers/vfio-pci"));
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), 0);
	assert_true(fk_module_live(t->fx, "vfio_pci"));
	assert_string_equal(fx_read(t->fx, "sys/module/vfio_pci/initstate"), "live\n");
	assert_true(fx_exists(t->fx, DRV("vfio-pci", "bind")));
}

static void test_bind_module_load_fails(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	fk_fail_module(t->fx, "vfio_pci", true, -ENOEXEC);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), -ENOEXEC);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "loading module vfio_pci failed: Exec format error");
	/* nothing touched before the driver is there */
	assert_writes(t->fx, { "@modprobe", "vfio_pci" });
	assert_driver(t->fx, NIC, "e1000e");
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "(null)\n");
}

static void test_bind_no_such_module(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "nouveau", NULL), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "loading module nouveau failed");
	assert_writes(t->fx, { "@modprobe", "nouveau" });
}

static void test_bind_module_without_that_driver(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "fakedrv", NULL), -ENOENT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "module fakedrv loaded but registered no PCI "
			    "driver named fakedrv");
	assert_writes(t->fx, { "@modprobe", "fakedrv" });
	assert_driver(t->fx, NIC, "e1000e");
}

static int setup_fakedrv(void **state)
{
	return t_setup(state, "guest", "module fakedrv state=absent\n");
}

/* The new driver's probe fails: drivers_probe succeeds, the link never
 * names it, the bound expires; the device goes back where it was. */
static void test_bind_probe_fails_rolls_back(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct vfh_pci_binding prior;

	fk_refuse_probe(t->fx, "vfio-pci", -ENODEV);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), -ETIMEDOUT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx),
			    "0000:00:01.0 was not on vfio-pci within 50 ms (the wait bound); it is on "
			    "no driver (the driver's probe may have failed: journalctl -k)");
	assert_driver(t->fx, NIC, "e1000e");
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "(null)\n");
	assert_writes(t->fx, { DEV(NIC, "driver_override"), "vfio-pci" },
		      { DRV("e1000e", "unbind"), NIC },
		      { "sys/bus/pci/drivers_probe", NIC },
		      { DEV(NIC, "driver_override"), "\n" },
		      { DRV("e1000e", "bind"), NIC });
	assert_string_equal(prior.driver, "e1000e");
}

static void test_bind_probe_write_refused_rolls_back(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	fk_fail_write(t->fx, "sys/bus/pci/drivers_probe", 1, -EINVAL);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), -EINVAL);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "0000:00:01.0 to vfio-pci refused: Invalid "
			    "argument (see the kernel log: journalctl -k)");
	assert_driver(t->fx, NIC, "e1000e");
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "(null)\n");
}

static void test_bind_unbind_busy(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	fk_fail_write(t->fx, DRV("e1000e", "unbind"), 1, -EBUSY);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), -EBUSY);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "unbinding 0000:00:01.0 from e1000e failed: "
			    "Device or resource busy");
	/* still on its driver: only the override is put back */
	assert_writes(t->fx, { DEV(NIC, "driver_override"), "vfio-pci" },
		      { DRV("e1000e", "unbind"), NIC },
		      { DEV(NIC, "driver_override"), "\n" });
	assert_driver(t->fx, NIC, "e1000e");
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "(null)\n");
}

static void test_bind_unbind_without_effect(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	fk_ignore_write(t->fx, DRV("e1000e", "unbind"), 1);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), -ETIMEDOUT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "0000:00:01.0 was still on e1000e 50 ms after "
			    "unbind (the wait bound)");
	assert_driver(t->fx, NIC, "e1000e");
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "(null)\n");
	assert_int_equal(fk_log_count(t->fx, "sys/bus/pci/drivers_probe"), 0);
}

static void test_bind_override_refused(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	fk_fail_write(t->fx, DEV(NIC, "driver_override"), 1, -ENOMEM);
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), -ENOMEM);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "writing driver_override of 0000:00:01.0 "
			    "failed: Cannot allocate memory");
	assert_writes(t->fx, { DEV(NIC, "driver_override"), "vfio-pci" });
	assert_driver(t->fx, NIC, "e1000e");
}

static void test_bind_without_driver_override(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	fx_delete(t->fx, "sys/devices/pci0000:00/0000:00:01.0/driver_override");
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), -EOPNOTSUPP);
	assert_contains(vfh_ctx_errmsg(t->ctx), "has no driver_override (kernel older than 3.16?)");
	assert_driver(t->fx, NIC, "e1000e");
	assert_writes(t->fx, { "@modprobe", "vfio_pci" });
}

/* ---- restore */

static void test_restore_writes(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct vfh_pci_binding prior;

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), 0);
	fk_log_clear(t->fx);
	assert_int_equal(vfh_pci_restore(t->ctx, &a, &prior), 0);
	/* override cleared first, so e1000e's own bind is the one that counts */
	assert_writes(t->fx, { DEV(NIC, "driver_override"), "\n" },
		      { DRV("vfio-pci", "unbind"), NIC },
		      { DRV("e1000e", "bind"), NIC });
	assert_driver(t->fx, NIC, "e1000e");
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "(null)\n");
}

static void test_restore_is_idempotent(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct vfh_pci_binding prior;

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), 0);
	assert_int_equal(vfh_pci_restore(t->ctx, &a, &prior), 0);
	fk_log_clear(t->fx);
	assert_int_equal(vfh_pci_restore(t->ctx, &a, &prior), 0);
	assert_no_writes(t->fx);
	assert_driver(t->fx, NIC, "e1000e");
}

static void test_restore_to_unbound(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(SATA);
	struct vfh_pci_binding prior;

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), 0);
	fk_log_clear(t->fx);
	assert_int_equal(vfh_pci_restore(t->ctx, &a, &prior), 0);
	assert_writes(t->fx, { DEV(SATA, "driver_override"), "\n" },
		      { DRV("vfio-pci", "unbind"), SATA });
	assert_driver(t->fx, SATA, "");
}

static void test_restore_override_only(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct vfh_pci_binding prior = { "vfio-pci", "" };

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), 0);
	fk_log_clear(t->fx);
	assert_int_equal(vfh_pci_restore(t->ctx, &a, &prior), 0);
	assert_writes(t->fx, { DEV(NIC, "driver_override"), "\n" });
	assert_driver(t->fx, NIC, "vfio-pci");
}

static void test_restore_prior_override(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct vfh_pci_binding prior;

	/* the user had pinned the NIC to e1000e with an override */
	fx_write(t->fx, DEV(NIC, "driver_override"), "e1000e\n");
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), 0);
	assert_string_equal(prior.driver_override, "e1000e");
	fk_log_clear(t->fx);
	assert_int_equal(vfh_pci_restore(t->ctx, &a, &prior), 0);
	assert_writes(t->fx, { DEV(NIC, "driver_override"), "e1000e" },
		      { DRV("vfio-pci", "unbind"), NIC },
		      { DRV("e1000e", "bind"), NIC });
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "e1000e\n");
	assert_driver(t->fx, NIC, "e1000e");
}

static void test_restore_falls_back_to_drivers_probe(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct vfh_pci_binding prior;

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), 0);
	fk_log_clear(t->fx);
	fk_fail_write(t->fx, DRV("e1000e", "bind"), 1, -ENODEV);
	assert_int_equal(vfh_pci_restore(t->ctx, &a, &prior), 0);
	assert_writes(t->fx, { DEV(NIC, "driver_override"), "\n" },
		      { DRV("vfio-pci", "unbind"), NIC },
		      { DRV("e1000e", "bind"), NIC },
		      { "sys/bus/pci/drivers_probe", NIC });
	assert_driver(t->fx, NIC, "e1000e");
}

static void test_restore_bind_error(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct vfh_pci_binding prior;

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), 0);
	fk_log_clear(t->fx);
	fk_fail_write(t->fx, DRV("e1000e", "bind"), 1, -EIO);
	assert_int_equal(vfh_pci_restore(t->ctx, &a, &prior), -EIO);
	assert_contains(vfh_ctx_errmsg(t->ctx), "0000:00:01.0 to e1000e refused: Input/output error");
	assert_int_equal(fk_log_count(t->fx, "sys/bus/pci/drivers_probe"), 0);
	assert_driver(t->fx, NIC, "");
}

static void test_restore_unbind_fails(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct vfh_pci_binding prior;

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), 0);
	fk_fail_write(t->fx, DRV("vfio-pci", "unbind"), 1, -EBUSY);
	assert_int_equal(vfh_pci_restore(t->ctx, &a, &prior), -EBUSY);
	assert_driver(t->fx, NIC, "vfio-pci");
}

static void test_restore_bad_input(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC), gone = t_addr("0000:00:09.0");
	struct vfh_pci_binding prior = { "../e1000e", "" };

	assert_int_equal(vfh_pci_restore(t->ctx, &a, &prior), -EINVAL);
	strcpy(prior.driver, "e1000e");
	assert_int_equal(vfh_pci_restore(t->ctx, &gone, &prior), -ENODEV);
	assert_no_writes(t->fx);
}

/* The single-GPU flow: the host driver's module was unloaded while the
 * device was on vfio-pci.  Handing it back loads the module, and the
 * kernel binds the (now unbound, override cleared) device at once
 * (bus_add_driver() -> driver_attach()).  The device is where it must be;
 * the restore must say so. */
static void test_restore_when_module_was_unloaded(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	struct vfh_pci_binding prior;
	int r;

	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", &prior), 0);
	/* the other two e1000e NICs go unbound with it */
	assert_int_equal(vfh_module_unload(t->ctx, "e1000e"), 0);
	assert_false(fk_module_live(t->fx, "e1000e"));
	assert_driver(t->fx, NIC2, "");
	fk_log_clear(t->fx);
	r = vfh_pci_restore(t->ctx, &a, &prior);
	assert_driver(t->fx, NIC, "e1000e");
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "(null)\n");
	if (r != 0)
		fail_msg("vfh_pci_restore returned %d (%s) although %s is on e1000e: loading the "
			 "module bound it, and bind then says EBUSY", r, vfh_ctx_errmsg(t->ctx), NIC);
}

/* ---- unbind */

static void test_unbind(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);

	fx_write(t->fx, DEV(NIC, "driver_override"), "e1000e\n");
	assert_int_equal(vfh_pci_unbind(t->ctx, &a), 0);
	assert_writes(t->fx, { DRV("e1000e", "unbind"), NIC });
	assert_driver(t->fx, NIC, "");
	/* the override is left as it is */
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "e1000e\n");
	fk_log_clear(t->fx);
	assert_int_equal(vfh_pci_unbind(t->ctx, &a), 0);
	assert_no_writes(t->fx);
}

static void test_unbind_failures(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC), b = t_addr(NIC2);

	fk_fail_write(t->fx, DRV("e1000e", "unbind"), 1, -EBUSY);
	assert_int_equal(vfh_pci_unbind(t->ctx, &a), -EBUSY);
	assert_driver(t->fx, NIC, "e1000e");
	fk_ignore_write(t->fx, DRV("e1000e", "unbind"), 1);
	assert_int_equal(vfh_pci_unbind(t->ctx, &b), -ETIMEDOUT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "0000:00:03.0 was still on e1000e 50 ms after "
			    "unbind (the wait bound)");
	assert_driver(t->fx, NIC2, "e1000e");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bind_writes_in_order),
		T(test_bind_unbound_device),
		T(test_bind_already_there_writes_nothing),
		T_ON(test_bind_driver_already_loaded, setup_vfio_loaded),
		T(test_bind_group_makes_it_viable),
		T(test_bind_rejects_bad_driver_names),
		T(test_bind_missing_device),
		T(test_bind_loads_the_module),
		T(test_bind_module_load_fails),
		T(test_bind_no_such_module),
		T_ON(test_bind_module_without_that_driver, setup_fakedrv),
		T_ON(test_bind_probe_fails_rolls_back, setup_vfio_loaded),
		T_ON(test_bind_probe_write_refused_rolls_back, setup_vfio_loaded),
		T_ON(test_bind_unbind_busy, setup_vfio_loaded),
		T_ON(test_bind_unbind_without_effect, setup_vfio_loaded),
		T_ON(test_bind_override_refused, setup_vfio_loaded),
		T(test_bind_without_driver_override),
		T(test_restore_writes),
		T(test_restore_is_idempotent),
		T(test_restore_to_unbound),
		T(test_restore_override_only),
		T(test_restore_prior_override),
		T(test_restore_falls_back_to_drivers_probe),
		T(test_restore_bind_error),
		T(test_restore_unbind_fails),
		T(test_restore_bad_input),
		T(test_restore_when_module_was_unloaded),
		T(test_unbind),
		T(test_unbind_failures),
	};

	t_init();
	return cmocka_run_group_tests_name("bind", tests, NULL, NULL);
}
