// SPDX-License-Identifier: LGPL-2.1-or-later
/* AllowedCPUs= of systemd units (systemd.c) through the unit_prop seam:
 * the fake systemd keeps the property and realises it in the fixture's
 * cgroups as systemd does; restoring "not set" is exact. */
#include <stdio.h>

#include "testlib.h"

#define CG "sys/fs/cgroup/"

static void test_set_and_restore(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset prior = t_cpus("5"), hk = t_cpus("0-1"), now;

	assert_int_equal(vfh_unit_get_allowed_cpus(t->ctx, "system.slice", &prior), 0);
	assert_true(vfh_cpuset_empty(&prior));
	assert_int_equal(vfh_unit_set_allowed_cpus(t->ctx, "system.slice", &hk, true), 0);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	assert_writes(t->fx, { "@set-property-runtime", "system.slice AllowedCPUs=0-1" });
	/* systemd enabled cpuset on the way and wrote the slice's cpus */
	assert_string_equal(fx_read(t->fx, CG "cgroup.subtree_control"), "cpuset cpu io memory pids\n");
	assert_string_equal(fx_read(t->fx, CG "system.slice/cpuset.cpus"), "0-1\n");
	assert_string_equal(fx_read(t->fx, CG "system.slice/cpuset.cpus.effective"), "0-1\n");
	assert_string_equal(fx_read(t->fx, CG "machine.slice/cpuset.cpus.effective"), "0-3\n");
	assert_int_equal(vfh_unit_get_allowed_cpus(t->ctx, "system.slice", &now), 0);
	assert_string_equal(t_cpulist(&now), "0-1");
	/* "not set" back: the empty array; no unit needs cpuset any more, so
	 * systemd turns the controller off again */
	assert_int_equal(vfh_unit_set_allowed_cpus(t->ctx, "system.slice", &prior, true), 0);
	assert_false(fx_exists(t->fx, CG "system.slice/cpuset.cpus"));
	assert_string_equal(fx_read(t->fx, CG "cgroup.subtree_control"), "cpu io memory pids\n");
	assert_int_equal(vfh_unit_get_allowed_cpus(t->ctx, "system.slice", &now), 0);
	assert_true(vfh_cpuset_empty(&now));
	/* persistent, when asked */
	assert_int_equal(vfh_unit_set_allowed_cpus(t->ctx, "init.scope", &hk, false), 0);
	assert_writes(t->fx, { "@set-property-runtime", "system.slice AllowedCPUs=0-1" },
		      { "@set-property-runtime", "system.slice AllowedCPUs=" },
		      { "@set-property", "init.scope AllowedCPUs=0-1" });
	assert_string_equal(fx_read(t->fx, CG "init.scope/cpuset.cpus.effective"), "0-1\n");
}

/* The wire format: CPU n is bit n % 8 of byte n / 8. */
static void test_byte_layout(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset s = t_cpus("0,9,63"), back;

	assert_int_equal(vfh_unit_set_allowed_cpus(t->ctx, "user.slice", &s, true), 0);
	assert_writes(t->fx, { "@set-property-runtime", "user.slice AllowedCPUs=0,9,63" });
	assert_int_equal(vfh_unit_get_allowed_cpus(t->ctx, "user.slice", &back), 0);
	assert_true(vfh_cpuset_eq(&s, &back));
	/* the cgroup takes what is online of it */
	assert_string_equal(fx_read(t->fx, CG "user.slice/cpuset.cpus"), "0\n");
}

/* A service without a running cgroup keeps the setting for later. */
static void test_service(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset s = t_cpus("2-3"), back;

	assert_int_equal(vfh_unit_set_allowed_cpus(t->ctx, "libvirtd.service", &s, true), 0);
	assert_int_equal(vfh_unit_get_allowed_cpus(t->ctx, "libvirtd.service", &back), 0);
	assert_string_equal(t_cpulist(&back), "2-3");
	assert_string_equal(fx_read(t->fx, CG "cgroup.subtree_control"), "cpu io memory pids\n");
}

static void test_refusals(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset s = t_cpus("0");

	assert_int_equal(vfh_unit_get_allowed_cpus(t->ctx, "nosuch.slice", &s), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "reading AllowedCPUs of nosuch.slice");
	assert_int_equal(vfh_unit_set_allowed_cpus(t->ctx, "nosuch.service", &s, true), -ENOENT);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "setting AllowedCPUs=0 on nosuch.service: No "
			    "such file or directory");
	assert_int_equal(vfh_unit_set_allowed_cpus(t->ctx, "multi-user.target", &s, true), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "multi-user.target has no cgroup");
	assert_int_equal(vfh_unit_set_allowed_cpus(t->ctx, "a b.slice", &s, true), -EINVAL);
	assert_int_equal(vfh_unit_get_allowed_cpus(t->ctx, "system.slice", NULL), -EINVAL);
	assert_writes(t->fx, { "@set-property-runtime", "nosuch.service AllowedCPUs=0" });
}

static void test_refused_off_the_live_system(void **state)
{
	struct t *t = *state;
	struct vfh_ctx *ctx = vfh_ctx_new();
	struct vfh_cpuset s = t_cpus("0-1");

	assert_int_equal(vfh_ctx_set_prefix(ctx, fx_root(t->fx)), 0);
	assert_int_equal(vfh_unit_set_allowed_cpus(ctx, "system.slice", &s, true), -EPERM);
	assert_contains(vfh_ctx_errmsg(ctx), "refusing to drive systemd");
	assert_int_equal(vfh_unit_get_allowed_cpus(ctx, "system.slice", &s), -EPERM);
	vfh_ctx_unref(ctx);
	assert_no_writes(t->fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_set_and_restore, t_rt),
		T_ON(test_byte_layout, t_rt),
		T_ON(test_service, t_rt),
		T_ON(test_refusals, t_rt),
		T_ON(test_refused_off_the_live_system, t_rt),
	};

	t_init();
	return cmocka_run_group_tests_name("allowedcpus", tests, NULL, NULL);
}
