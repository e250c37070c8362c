// SPDX-License-Identifier: LGPL-2.1-or-later
/* cgroup v2 cpusets (cpuset.c) against the fake kernel's cgroup tree:
 * the controller enabled from the root down and undone from the bottom
 * up, cpuset.cpus written and cpuset.cpus.effective following, refusals. */
#include <stdio.h>

#include "testlib.h"

#define CG "sys/fs/cgroup/"
#define SCOPE "machine.slice/machine-qemu\\x2d1\\x2drt.scope"

static int t_rt_vm(void **state)
{
	return t_setup(state, "rt", "cgroup " SCOPE "\n");
}

static void test_root_and_refusals(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset cpus = t_cpus("7"), eff;

	assert_int_equal(vfh_cgroup_cpus_read(t->ctx, "", &cpus, &eff), 0);
	assert_true(vfh_cpuset_empty(&cpus));
	assert_string_equal(t_cpulist(&eff), "0-3");
	assert_int_equal(vfh_cgroup_cpus_read(t->ctx, "/", NULL, &eff), 0);
	/* nothing enabled below the root yet */
	assert_int_equal(vfh_cgroup_cpus_read(t->ctx, "system.slice", &cpus, &eff), -EOPNOTSUPP);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "the cpuset controller is not enabled for "
			    "cgroup 'system.slice' (no cpuset.cpus.effective)");
	assert_int_equal(vfh_cgroup_cpus_write(t->ctx, "system.slice", &cpus, NULL, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(vfh_cgroup_cpus_write(t->ctx, "", &cpus, NULL, NULL), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "root cgroup has no cpuset.cpus");
	assert_int_equal(vfh_cgroup_cpus_read(t->ctx, "nosuch.slice", &cpus, &eff), -ENOENT);
	assert_contains(vfh_ctx_errmsg(t->ctx), "no cgroup 'nosuch.slice' below");
	static const char *const bad[] = { "..", "../x", "a//b", "a/./b", "a/", "system.slice/..",
					   "./a" };
	for (size_t i = 0; i < VFH_ARRAY_SIZE(bad); i++) {
		if (vfh_cgroup_cpus_read(t->ctx, bad[i], &cpus, &eff) != -EINVAL)
			fail_msg("cgroup '%s' accepted", bad[i]);
		assert_contains(vfh_ctx_errmsg(t->ctx), "invalid cgroup path");
	}
	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, "../x", NULL), -EINVAL);
	assert_no_writes(t->fx);
}

static void test_not_v2(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset eff;
	unsigned int n = 9;

	fx_delete(t->fx, CG "cgroup.controllers");
	assert_int_equal(vfh_cgroup_cpus_read(t->ctx, "", NULL, &eff), -EOPNOTSUPP);
	assert_contains(vfh_ctx_errmsg(t->ctx), "cgroup v2 is not mounted at ");
	assert_contains(vfh_ctx_errmsg(t->ctx), "/sys/fs/cgroup (no cgroup.controllers)");
	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, "system.slice", &n), -EOPNOTSUPP);
	assert_int_equal(n, 0);
	assert_no_writes(t->fx);
}

static void test_no_cpuset_offered(void **state)
{
	struct t *t = *state;
	unsigned int n;

	fx_write(t->fx, CG "cgroup.controllers", "cpu io memory pids\n");
	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, "system.slice", &n), -EOPNOTSUPP);
	assert_contains(vfh_ctx_errmsg(t->ctx), "does not offer the cpuset controller");
	assert_no_writes(t->fx);
}

static void test_enable_one_level(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset cpus, eff;
	unsigned int n = 9;

	assert_false(fx_exists(t->fx, CG "system.slice/cpuset.cpus"));
	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, "system.slice", &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "");
	assert_writes(t->fx, { CG "cgroup.subtree_control", "+cpuset" });
	assert_string_equal(fx_read(t->fx, CG "cgroup.subtree_control"), "cpuset cpu io memory pids\n");
	assert_string_equal(fx_read(t->fx, CG "system.slice/cgroup.controllers"),
			    "cpuset cpu io memory pids\n");
	/* every child of the root has the files now */
	assert_string_equal(fx_read(t->fx, CG "system.slice/cpuset.cpus"), "\n");
	assert_string_equal(fx_read(t->fx, CG "user.slice/cpuset.cpus.effective"), "0-3\n");
	assert_int_equal(vfh_cgroup_cpus_read(t->ctx, "system.slice", &cpus, &eff), 0);
	assert_true(vfh_cpuset_empty(&cpus));
	assert_string_equal(t_cpulist(&eff), "0-3");
	/* again: nothing to do */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, "system.slice", &n), 0);
	assert_int_equal(n, 0);
	assert_no_writes(t->fx);
	/* undone */
	assert_int_equal(vfh_cgroup_cpuset_disable(t->ctx, "system.slice", 1), 0);
	assert_writes(t->fx, { CG "cgroup.subtree_control", "-cpuset" });
	assert_string_equal(fx_read(t->fx, CG "cgroup.subtree_control"), "cpu io memory pids\n");
	assert_false(fx_exists(t->fx, CG "system.slice/cpuset.cpus"));
	assert_false(fx_exists(t->fx, CG "system.slice/cpuset.cpus.effective"));
}

static void test_enable_nested_and_undo(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset eff;
	unsigned int n;

	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, SCOPE, &n), 0);
	assert_int_equal(n, 2);
	/* from the root down */
	assert_writes(t->fx, { CG "cgroup.subtree_control", "+cpuset" },
		      { CG "machine.slice/cgroup.subtree_control", "+cpuset" });
	assert_true(fx_exists(t->fx, CG SCOPE "/cpuset.cpus"));
	assert_int_equal(vfh_cgroup_cpus_read(t->ctx, SCOPE, NULL, &eff), 0);
	assert_string_equal(t_cpulist(&eff), "0-3");
	/* the root cannot give it up while machine.slice passes it on */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_cgroup_cpuset_disable(t->ctx, "machine.slice", 1), -EBUSY);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "writing '-cpuset' to cgroup.subtree_control: "
			    "Device or resource busy");
	assert_string_equal(fx_read(t->fx, CG "cgroup.subtree_control"), "cpuset cpu io memory pids\n");
	/* from the bottom up, it can */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_cgroup_cpuset_disable(t->ctx, SCOPE, 2), 0);
	assert_writes(t->fx, { CG "machine.slice/cgroup.subtree_control", "-cpuset" },
		      { CG "cgroup.subtree_control", "-cpuset" });
	assert_string_equal(fx_read(t->fx, CG "cgroup.subtree_control"), "cpu io memory pids\n");
	assert_string_equal(fx_read(t->fx, CG "machine.slice/cgroup.subtree_control"), "\n");
	assert_false(fx_exists(t->fx, CG SCOPE "/cpuset.cpus"));
	assert_false(fx_exists(t->fx, CG "machine.slice/cpuset.cpus"));
	assert_int_equal(vfh_cgroup_cpuset_disable(t->ctx, SCOPE, 4), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "has 2 ancestors, not 4");
}

static void test_enable_fails_midway(void **state)
{
	struct t *t = *state;
	unsigned int n = 9;

	fk_fail_write(t->fx, CG "machine.slice/cgroup.subtree_control", 1, -EBUSY);
	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, SCOPE, &n), -EBUSY);
	assert_int_equal(n, 0);
	/* the first failure is the line; the root is given back */
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "writing '+cpuset' to "
			    "machine.slice/cgroup.subtree_control: Device or resource busy");
	assert_writes(t->fx, { CG "cgroup.subtree_control", "+cpuset" },
		      { CG "machine.slice/cgroup.subtree_control", "+cpuset" },
		      { CG "cgroup.subtree_control", "-cpuset" });
	assert_string_equal(fx_read(t->fx, CG "cgroup.subtree_control"), "cpu io memory pids\n");
	assert_string_equal(fx_read(t->fx, CG "machine.slice/cgroup.subtree_control"), "\n");
}

static void test_write_cpus(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset want = t_cpus("0-1"), prior = t_cpus("7"), eff;

	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, "system.slice", NULL), 0);
	fk_log_clear(t->fx);
	assert_int_equal(vfh_cgroup_cpus_write(t->ctx, "system.slice", &want, &prior, &eff), 0);
	assert_true(vfh_cpuset_empty(&prior));
	assert_string_equal(t_cpulist(&eff), "0-1");
	assert_writes(t->fx, { CG "system.slice/cpuset.cpus", "0-1" });
	assert_string_equal(fx_read(t->fx, CG "system.slice/cpuset.cpus"), "0-1\n");
	assert_string_equal(fx_read(t->fx, CG "system.slice/cpuset.cpus.effective"), "0-1\n");
	/* the siblings keep every CPU */
	assert_string_equal(fx_read(t->fx, CG "user.slice/cpuset.cpus.effective"), "0-3\n");
	/* the kernel refuses CPUs that are not online; the file keeps the old */
	want = t_cpus("2,5");
	assert_int_equal(vfh_cgroup_cpus_write(t->ctx, "system.slice", &want, &prior, NULL),
			 -EINVAL);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "writing '2,5' to system.slice/cpuset.cpus: "
			    "Invalid argument");
	assert_string_equal(t_cpulist(&prior), "0-1");
	assert_string_equal(fx_read(t->fx, CG "system.slice/cpuset.cpus"), "0-1\n");
	/* the empty set clears it: the parent's CPUs again */
	want = t_cpus("");
	assert_int_equal(vfh_cgroup_cpus_write(t->ctx, "system.slice", &want, &prior, &eff), 0);
	assert_string_equal(t_cpulist(&prior), "0-1");
	assert_string_equal(t_cpulist(&eff), "0-3");
	assert_int_equal(fk_log_find(t->fx, 0, CG "system.slice/cpuset.cpus", "\n"), 2);
	assert_string_equal(fx_read(t->fx, CG "system.slice/cpuset.cpus"), "\n");
	assert_string_equal(fx_read(t->fx, CG "system.slice/cpuset.cpus.effective"), "0-3\n");
}

/* A write the kernel takes but does not keep as asked is reported. */
static void test_write_not_kept(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset want = t_cpus("1");

	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, "user.slice", NULL), 0);
	fk_ignore_write(t->fx, CG "user.slice/cpuset.cpus", 1);
	assert_int_equal(vfh_cgroup_cpus_write(t->ctx, "user.slice", &want, NULL, NULL), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "wrote '1' to user.slice/cpuset.cpus, which "
			    "reads back CPUs ''");
}

/* effective = asked within the parent's effective, the parent's when
 * that leaves nothing */
static void test_effective_nested(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset want, eff;

	assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, SCOPE, NULL), 0);
	want = t_cpus("2-3");
	assert_int_equal(vfh_cgroup_cpus_write(t->ctx, "machine.slice", &want, NULL, &eff), 0);
	assert_string_equal(t_cpulist(&eff), "2-3");
	want = t_cpus("1-2");
	assert_int_equal(vfh_cgroup_cpus_write(t->ctx, SCOPE, &want, NULL, &eff), 0);
	assert_string_equal(t_cpulist(&eff), "2");
	assert_string_equal(fx_read(t->fx, CG SCOPE "/cpuset.cpus.effective"), "2\n");
	want = t_cpus("0");
	assert_int_equal(vfh_cgroup_cpus_write(t->ctx, SCOPE, &want, NULL, &eff), 0);
	assert_string_equal(t_cpulist(&eff), "2-3");
	/* the parent widening reaches the child */
	want = t_cpus("");
	assert_int_equal(vfh_cgroup_cpus_write(t->ctx, "machine.slice", &want, NULL, NULL), 0);
	assert_string_equal(fx_read(t->fx, CG SCOPE "/cpuset.cpus.effective"), "0\n");
}

/* Scenario 3 at the cgroup level: the host's cgroups on the housekeeping
 * CPUs, the VM's slice keeping all of them. */
static void test_isolate_host_slices(void **state)
{
	struct t *t = *state;
	static const char *const host[] = { "system.slice", "user.slice", "init.scope" };
	struct vfh_cpuset iso = t_cpus("2-3"), hk, eff;

	assert_int_equal(vfh_cpus_housekeeping(t->ctx, &iso, &hk), 0);
	for (size_t i = 0; i < VFH_ARRAY_SIZE(host); i++) {
		assert_int_equal(vfh_cgroup_cpuset_enable(t->ctx, host[i], NULL), 0);
		assert_int_equal(vfh_cgroup_cpus_write(t->ctx, host[i], &hk, NULL, &eff), 0);
		assert_string_equal(t_cpulist(&eff), "0-1");
	}
	assert_string_equal(fx_read(t->fx, CG "init.scope/cpuset.cpus.effective"), "0-1\n");
	assert_string_equal(fx_read(t->fx, CG "machine.slice/cpuset.cpus.effective"), "0-3\n");
	assert_int_equal(fk_log_count(t->fx, CG "cgroup.subtree_control"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_root_and_refusals, t_rt_vm),
		T_ON(test_not_v2, t_rt),
		T_ON(test_no_cpuset_offered, t_rt_vm),
		T_ON(test_enable_one_level, t_rt_vm),
		T_ON(test_enable_nested_and_undo, t_rt_vm),
		T_ON(test_enable_fails_midway, t_rt_vm),
		T_ON(test_write_cpus, t_rt_vm),
		T_ON(test_write_not_kept, t_rt_vm),
		T_ON(test_effective_nested, t_rt_vm),
		T_ON(test_isolate_host_slices, t_rt_vm),
	};

	t_init();
	return cmocka_run_group_tests_name("cpuset", tests, NULL, NULL);
}
