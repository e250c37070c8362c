// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel modules (module.c): state read from sysfs, load and unload
 * through the fake kernel (libkmod's stand-in), refusals. */
#include "testlib.h"

static void test_loaded(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_module_loaded(t->ctx, "e1000e"), 1);
	/* '-' and '_' name the same module */
	assert_int_equal(vfh_module_loaded(t->ctx, "snd-hda-intel"), 1);
	assert_int_equal(vfh_module_loaded(t->ctx, "snd_hda_intel"), 1);
	assert_int_equal(vfh_module_loaded(t->ctx, "vfio_pci"), 0);
	assert_int_equal(vfh_module_loaded(t->ctx, "vfio-pci"), 0);
	assert_int_equal(vfh_module_loaded(t->ctx, "nouveau"), 0);
	/* built in: a directory, never an initstate */
	assert_int_equal(vfh_module_loaded(t->ctx, "pcie_aspm"), 1);
	/* on its way in counts, on its way out does not */
	fx_write(t->fx, "sys/module/e1000/initstate", "coming\n");
	assert_int_equal(vfh_module_loaded(t->ctx, "e1000"), 1);
	fx_write(t->fx, "sys/module/e1000/initstate", "going\n");
	assert_int_equal(vfh_module_loaded(t->ctx, "e1000"), 0);
	assert_no_writes(t->fx);
}

static int setup_builtin(void **state)
{
	return t_setup(state, "guest", "module pcie_aspm state=builtin\n");
}

static void test_bad_names(void **state)
{
	struct t *t = *state;
	char long_name[VFH_NAME_MAX + 1];

	memset(long_name, 'm', VFH_NAME_MAX);
	long_name[VFH_NAME_MAX] = '\0';
	assert_int_equal(vfh_module_loaded(t->ctx, ""), -EINVAL);
	assert_int_equal(vfh_module_loaded(t->ctx, "../e1000e"), -EINVAL);
	assert_int_equal(vfh_module_loaded(t->ctx, ".hidden"), -EINVAL);
	assert_int_equal(vfh_module_loaded(t->ctx, long_name), -EINVAL);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "invalid module name 'mmmmmmmmmmmmmmmmmmmmmmm"
			    "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm'");
	assert_int_equal(vfh_module_load(t->ctx, "a/b"), -EINVAL);
	assert_int_equal(vfh_module_unload(t->ctx, "a/b"), -EINVAL);
	long_name[VFH_NAME_MAX - 1] = '\0';
	assert_int_equal(vfh_module_loaded(t->ctx, long_name), 0);
	assert_no_writes(t->fx);
}

static void test_load(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_module_load(t->ctx, "vfio-pci"), 0);
	assert_writes(t->fx, { "@modprobe", "vfio_pci" });
	assert_int_equal(vfh_module_loaded(t->ctx, "vfio_pci"), 1);
	assert_string_equal(fx_read(t->fx, "sys/module/vfio_pci/initstate"), "live\n");
	assert_true(fx_exists(t->fx, DRV("vfio-pci", "bind")));
	/* loaded already: nothing asked of the kernel */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_module_load(t->ctx, "vfio_pci"), 0);
	assert_int_equal(vfh_module_load(t->ctx, "e1000e"), 0);
	assert_no_writes(t->fx);
}

static void test_load_failures(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_module_load(t->ctx, "nouveau"), -ENOENT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "loading module nouveau failed: No such file "
			    "or directory");
	fk_fail_module(t->fx, "vfio_pci", true, -EPERM);
	assert_int_equal(vfh_module_load(t->ctx, "vfio-pci"), -EPERM);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "loading module vfio_pci failed: Operation not "
			    "permitted");
	assert_int_equal(vfh_module_loaded(t->ctx, "vfio_pci"), 0);
	assert_writes(t->fx, { "@modprobe", "nouveau" }, { "@modprobe", "vfio_pci" });
}

static void test_unload(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_module_unload(t->ctx, "e1000"), 0);
	assert_writes(t->fx, { "@rmmod", "e1000" });
	assert_int_equal(vfh_module_loaded(t->ctx, "e1000"), 0);
	assert_false(fx_exists(t->fx, "sys/module/e1000"));
	/* its devices lost their driver */
	assert_driver(t->fx, "0000:02:01.0", "");
	assert_driver(t->fx, "0000:02:02.0", "");
	/* not loaded: done already */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_module_unload(t->ctx, "e1000"), 0);
	assert_int_equal(vfh_module_unload(t->ctx, "vfio-pci"), 0);
	assert_no_writes(t->fx);
}

static void test_unload_held_by_modules(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_module_unload(t->ctx, "snd-hda-codec"), -EBUSY);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "module snd_hda_codec is in use by modules "
			    "snd_hda_intel: list them first in unload_modules");
	assert_no_writes(t->fx);
	assert_int_equal(vfh_module_loaded(t->ctx, "snd_hda_codec"), 1);
}

static void test_unload_held_by_two(void **state)
{
	struct t *t = *state;
	const char *msg;

	assert_int_equal(vfh_module_unload(t->ctx, "snd_hda_codec"), -EBUSY);
	msg = vfh_ctx_errmsg(t->ctx);
	assert_contains(msg, "is in use by modules ");
	assert_contains(msg, "snd_hda_intel");
	assert_contains(msg, "snd_hda_codec_generic");
	assert_contains(msg, ", ");
}

static int setup_two_holders(void **state)
{
	return t_setup(state, "guest",
		       "module snd_hda_codec_generic\n"
		       "module snd_hda_codec holders=snd_hda_intel,snd_hda_codec_generic refcnt=2\n");
}

static void test_unload_in_use(void **state)
{
	struct t *t = *state;

	/* bochs has refcnt 1 (the console on it) and no holder modules */
	assert_int_equal(vfh_module_unload(t->ctx, "bochs"), -EBUSY);
	assert_contains(vfh_ctx_errmsg(t->ctx), "module bochs is in use (1 users)");
	assert_no_writes(t->fx);
	assert_driver(t->fx, "0000:01:00.0", "bochs-drm");
}

static void test_unload_builtin(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_module_unload(t->ctx, "pcie_aspm"), -EPERM);
	assert_contains(vfh_ctx_errmsg(t->ctx), "built into the kernel");
	assert_no_writes(t->fx);
}

static void test_unload_refused_by_kernel(void **state)
{
	struct t *t = *state;

	fk_fail_module(t->fx, "e1000", false, -EBUSY);
	assert_int_equal(vfh_module_unload(t->ctx, "e1000"), -EBUSY);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "unloading module e1000 failed: Device or "
			    "resource busy");
	assert_writes(t->fx, { "@rmmod", "e1000" });
	assert_int_equal(vfh_module_loaded(t->ctx, "e1000"), 1);
	assert_driver(t->fx, "0000:02:01.0", "e1000");
}

/* Without the fake kernel, a context on a fabricated tree must never
 * reach the real one through libkmod. */
static void test_refused_off_the_live_system(void **state)
{
	struct t *t = *state;
	struct vfh_ctx *ctx = vfh_ctx_new();

	assert_int_equal(vfh_ctx_set_prefix(ctx, fx_root(t->fx)), 0);
	assert_int_equal(vfh_module_load(ctx, "vfio-pci"), -EPERM);
	assert_contains(vfh_ctx_errmsg(ctx), "refusing to change kernel modules through a context "
			"that is not the live system");
	assert_int_equal(vfh_module_unload(ctx, "e1000"), -EPERM);
	assert_int_equal(vfh_module_loaded(ctx, "e1000"), 1);
	vfh_ctx_unref(ctx);
	assert_no_writes(t->fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_loaded, setup_builtin),
		T(test_bad_names),
		T(test_load),
		T(test_load_failures),
		T(test_unload),
		T(test_unload_held_by_modules),
		T_ON(test_unload_held_by_two, setup_two_holders),
		T(test_unload_in_use),
		T_ON(test_unload_builtin, setup_builtin),
		T(test_unload_refused_by_kernel),
		T(test_refused_off_the_live_system),
	};

	t_init();
	return cmocka_run_group_tests_name("module", tests, NULL, NULL);
}
