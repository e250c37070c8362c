// SPDX-License-Identifier: LGPL-2.1-or-later
/* Workqueue masks, cpufreq governors and sched_rt_runtime_us (tuning.c)
 * against the fake kernel: the prior value, the write, the read-back, and
 * what the kernel refuses. */
#include <stdio.h>

#include "testlib.h"
#include "fixture-int.h"

#define WQ "sys/devices/virtual/workqueue/"

static void test_workqueue_unbound(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset s, prior;

	assert_int_equal(vfh_workqueue_cpumask_read(t->ctx, VFH_WQ_UNBOUND, &s), 0);
	assert_string_equal(t_cpulist(&s), "0-7");
	s = t_cpus("0-1");
	assert_int_equal(vfh_workqueue_cpumask_write(t->ctx, VFH_WQ_UNBOUND, &s, &prior), 0);
	assert_string_equal(t_cpulist(&prior), "0-7");
	assert_writes(t->fx, { WQ "cpumask", "03" });
	assert_string_equal(fx_read(t->fx, WQ "cpumask"), "03\n");
	assert_int_equal(vfh_workqueue_cpumask_write(t->ctx, VFH_WQ_UNBOUND, &prior, NULL), 0);
	assert_string_equal(fx_read(t->fx, WQ "cpumask"), "ff\n");
	/* past nr_cpu_ids, or empty: refused before writing */
	fk_log_clear(t->fx);
	s = t_cpus("8");
	assert_int_equal(vfh_workqueue_cpumask_write(t->ctx, VFH_WQ_UNBOUND, &s, NULL), -EINVAL);
	s = t_cpus("");
	assert_int_equal(vfh_workqueue_cpumask_write(t->ctx, VFH_WQ_UNBOUND, &s, NULL), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "an empty mask is refused");
	assert_int_equal(vfh_workqueue_cpumask_read(t->ctx, (enum vfh_wq)7, &s), -EINVAL);
	assert_no_writes(t->fx);
}

/* bus/workqueue/devices/writeback is a link into devices/virtual: the
 * write lands there */
static void test_workqueue_writeback(void **state)
{
	struct t *t = *state;
	struct vfh_cpuset s = t_cpus("1"), prior;

	assert_int_equal(vfh_workqueue_cpumask_write(t->ctx, VFH_WQ_WRITEBACK, &s, &prior), 0);
	assert_string_equal(t_cpulist(&prior), "0-7");
	assert_writes(t->fx, { "sys/bus/workqueue/devices/writeback/cpumask", "02" });
	assert_string_equal(fx_read(t->fx, WQ "writeback/cpumask"), "02\n");
	assert_string_equal(fx_read(t->fx, WQ "cpumask"), "ff\n");
	assert_int_equal(vfh_workqueue_cpumask_read(t->ctx, VFH_WQ_WRITEBACK, &s), 0);
	assert_string_equal(t_cpulist(&s), "1");
	/* the kernel refusing is the caller's error, named */
	fk_fail_write(t->fx, "sys/bus/workqueue/devices/writeback/cpumask", 1, -EBUSY);
	assert_int_equal(vfh_workqueue_cpumask_write(t->ctx, VFH_WQ_WRITEBACK, &prior, NULL),
			 -EBUSY);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "writing 'ff' to bus/workqueue/devices/"
			    "writeback/cpumask: Device or resource busy");
	assert_string_equal(fx_read(t->fx, WQ "writeback/cpumask"), "02\n");
}

#define POLICY(n, f) "sys/devices/system/cpu/cpufreq/policy" #n "/" f

static void test_governor(void **state)
{
	struct t *t = *state;
	char gov[32], prior[32];

	assert_int_equal(vfh_cpufreq_governor_read(t->ctx, 2, gov, sizeof(gov)), 0);
	assert_string_equal(gov, "schedutil");
	assert_int_equal(vfh_cpufreq_governor_write(t->ctx, 2, "performance", prior, sizeof(prior)),
			 0);
	assert_string_equal(prior, "schedutil");
	/* through cpu2/cpufreq, the link to its policy */
	assert_writes(t->fx, { "sys/devices/system/cpu/cpu2/cpufreq/scaling_governor",
			       "performance" });
	assert_string_equal(fx_read(t->fx, POLICY(2, "scaling_governor")), "performance\n");
	assert_string_equal(fx_read(t->fx, POLICY(3, "scaling_governor")), "schedutil\n");
	/* not offered: refused before writing, the offer named */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_cpufreq_governor_write(t->ctx, 2, "ondemand", NULL, 0), -EINVAL);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "CPU 2 does not offer the cpufreq governor "
			    "'ondemand' (it offers: performance powersave schedutil)");
	assert_int_equal(vfh_cpufreq_governor_write(t->ctx, 2, "perf ormance", NULL, 0), -EINVAL);
	assert_int_equal(vfh_cpufreq_governor_write(t->ctx, 2, "", NULL, 0), -EINVAL);
	/* a word of the list only, not a part of one */
	assert_int_equal(vfh_cpufreq_governor_write(t->ctx, 2, "perform", NULL, 0), -EINVAL);
	/* an offline CPU has no policy */
	assert_int_equal(vfh_cpufreq_governor_read(t->ctx, 5, gov, sizeof(gov)), -EOPNOTSUPP);
	assert_contains(vfh_ctx_errmsg(t->ctx), "CPU 5 has no cpufreq policy");
	assert_int_equal(vfh_cpufreq_governor_write(t->ctx, 5, "performance", NULL, 0),
			 -EOPNOTSUPP);
	assert_int_equal(vfh_cpufreq_governor_write(t->ctx, 2, "powersave", prior, 4), -ENOSPC);
	assert_no_writes(t->fx);
	assert_string_equal(fx_read(t->fx, POLICY(2, "scaling_governor")), "performance\n");
}

static void test_governor_not_kept(void **state)
{
	struct t *t = *state;

	fk_ignore_write(t->fx, "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", 1);
	assert_int_equal(vfh_cpufreq_governor_write(t->ctx, 1, "powersave", NULL, 0), -EIO);
	assert_string_equal(vfh_ctx_errmsg(t->ctx), "set CPU 1's cpufreq governor to 'powersave', "
			    "it reads back 'schedutil'");
}

static void test_no_cpufreq(void **state)
{
	struct t *t = *state;
	char gov[32];

	assert_int_equal(vfh_cpufreq_governor_read(t->ctx, 3, gov, sizeof(gov)), -EOPNOTSUPP);
	assert_int_equal(vfh_cpufreq_governor_read(t->ctx, 0, gov, sizeof(gov)), 0);
	assert_string_equal(gov, "powersave");
}

static int t_nocpufreq(void **state)
{
	return t_setup(state, "rt", "cpus nocpufreq=3 governor=powersave\n");
}

#define RT "proc/sys/kernel/sched_rt_runtime_us"

static void test_rt_runtime(void **state)
{
	struct t *t = *state;
	long us, prior;

	assert_int_equal(vfh_sched_rt_runtime_read(t->ctx, &us), 0);
	assert_int_equal(us, 950000);
	assert_int_equal(vfh_sched_rt_runtime_write(t->ctx, -1, &prior), 0);
	assert_int_equal(prior, 950000);
	assert_writes(t->fx, { RT, "-1" });
	assert_string_equal(fx_read(t->fx, RT), "-1\n");
	/* more than the period: the kernel's -EINVAL, the file unchanged */
	assert_int_equal(vfh_sched_rt_runtime_write(t->ctx, 2000000, NULL), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "more than sched_rt_period_us?");
	assert_string_equal(fx_read(t->fx, RT), "-1\n");
	/* below -1: refused before writing */
	fk_log_clear(t->fx);
	assert_int_equal(vfh_sched_rt_runtime_write(t->ctx, -2, NULL), -EINVAL);
	assert_no_writes(t->fx);
	assert_int_equal(vfh_sched_rt_runtime_write(t->ctx, prior, NULL), 0);
	assert_string_equal(fx_read(t->fx, RT), "950000\n");
	fx_write(t->fx, RT, "lots\n");
	assert_int_equal(vfh_sched_rt_runtime_read(t->ctx, &us), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "cannot read sys/kernel/sched_rt_runtime_us");
}

/* Where these writes land, each reaching the fake kernel's owner. */
static void test_paths_owned(void **state)
{
	static const struct {
		const char *path, *owner;
	} want[] = {
		{ "sys/devices/system/cpu/cpufreq/policy2/scaling_governor", "cpu" },
		{ "sys/devices/virtual/workqueue/cpumask", "cpu" },
		{ "sys/devices/virtual/workqueue/writeback/cpumask", "cpu" },
		{ "proc/sys/kernel/sched_rt_runtime_us", "cpu" },
		{ "sys/fs/cgroup/system.slice/cpuset.cpus", "cgroup" },
		{ "sys/fs/cgroup/cgroup.subtree_control", "cgroup" },
		{ "proc/irq/25/smp_affinity_list", "irq" },
		{ "proc/irq/default_smp_affinity", "irq" },
	};

	(void)state;
	for (size_t i = 0; i < VFH_ARRAY_SIZE(want); i++) {
		const struct fk_path *p = fk_path_owner(want[i].path);

		if (!p || strcmp(p->owner, want[i].owner) != 0)
			fail_msg("%s: owner %s, want %s", want[i].path, p ? p->owner : "none",
				 want[i].owner);
	}
	/* the rest of proc/sys stays unclaimed */
	assert_null(fk_path_owner("proc/sys/net/ipv4/ip_forward"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_workqueue_unbound, t_rt),
		T_ON(test_workqueue_writeback, t_rt),
		T_ON(test_governor, t_rt),
		T_ON(test_governor_not_kept, t_rt),
		T_ON(test_no_cpufreq, t_nocpufreq),
		T_ON(test_rt_runtime, t_rt),
		cmocka_unit_test(test_paths_owned),
	};

	t_init();
	return cmocka_run_group_tests_name("tuning", tests, NULL, NULL);
}
