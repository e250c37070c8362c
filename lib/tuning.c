// SPDX-License-Identifier: LGPL-2.1-or-later
/* The host tunables tuned's cpu-partitioning profile touches besides
 * cgroups and IRQs: where unbound and writeback workqueues may run
 * (Documentation/core-api/workqueue.rst), the cpufreq governor of each
 * CPU, and the real-time throttling budget kernel.sched_rt_runtime_us
 * (Documentation/scheduler/sched-rt-group.rst). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "cpus.h"

static const char *wq_file(enum vfh_wq wq)
{
	switch (wq) {
	case VFH_WQ_UNBOUND:
		return "devices/virtual/workqueue/cpumask";
	case VFH_WQ_WRITEBACK:
		return "bus/workqueue/devices/writeback/cpumask";
	}
	return NULL;
}

VFH_EXPORT int vfh_workqueue_cpumask_read(struct vfh_ctx *ctx, enum vfh_wq wq,
					  struct vfh_cpuset *cpus)
{
	vfh_ctx_clear_error(ctx);
	if (!wq_file(wq) || !cpus)
		return vfh_fail(ctx, -EINVAL, "vfh_workqueue_cpumask_read: bad argument");
	return vfh_read_cpumask(ctx, VFH_ROOT_SYS, cpus, "%s", wq_file(wq));
}

VFH_EXPORT int vfh_workqueue_cpumask_write(struct vfh_ctx *ctx, enum vfh_wq wq,
					   const struct vfh_cpuset *cpus,
					   struct vfh_cpuset *prior)
{
	int r;

	vfh_ctx_clear_error(ctx);
	if (!wq_file(wq) || !cpus)
		return vfh_fail(ctx, -EINVAL, "vfh_workqueue_cpumask_write: bad argument");
	if (vfh_cpuset_empty(cpus))
		return vfh_fail(ctx, -EINVAL, "%s: an empty mask is refused", wq_file(wq));
	if (prior && (r = vfh_read_cpumask(ctx, VFH_ROOT_SYS, prior, "%s", wq_file(wq))) < 0)
		return r;
	return vfh_write_cpus(ctx, VFH_ROOT_SYS, cpus, true, "%s", wq_file(wq));
}

#define GOV_FMT "devices/system/cpu/cpu%u/cpufreq/%s"

static int governor_read(struct vfh_ctx *ctx, unsigned int cpu, char *buf, size_t len)
{
	int r = vfh_read_str(ctx, VFH_ROOT_SYS, buf, len, GOV_FMT, cpu, "scaling_governor");

	if (r == -ENOENT)
		return vfh_fail(ctx, -EOPNOTSUPP, "CPU %u has no cpufreq policy (no "
				"cpu%u/cpufreq/scaling_governor)", cpu, cpu);
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read cpu%u/cpufreq/scaling_governor: %s", cpu,
				strerror(-r));
	return 0;
}

VFH_EXPORT int vfh_cpufreq_governor_read(struct vfh_ctx *ctx, unsigned int cpu, char *buf,
					 size_t len)
{
	vfh_ctx_clear_error(ctx);
	if (!buf || !len)
		return vfh_fail(ctx, -EINVAL, "vfh_cpufreq_governor_read: no buffer");
	return governor_read(ctx, cpu, buf, len);
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p;) {
		size_t m = strcspn(p, " ");

		if (m == n && strncmp(p, word, n) == 0)
			return true;
		p += m;
		p += strspn(p, " ");
	}
	return false;
}

VFH_EXPORT int vfh_cpufreq_governor_write(struct vfh_ctx *ctx, unsigned int cpu,
					  const char *governor, char *prior, size_t plen)
{
	char offered[512], now[VFH_NAME_MAX];
	int r;

	vfh_ctx_clear_error(ctx);
	if (!governor || !*governor || strchr(governor, ' ') || strchr(governor, '\n') ||
	    strlen(governor) >= VFH_NAME_MAX)
		return vfh_fail(ctx, -EINVAL, "invalid cpufreq governor name '%s'",
				governor ? governor : "(null)");
	if (prior && !plen)
		return vfh_fail(ctx, -EINVAL, "vfh_cpufreq_governor_write: prior of 0 bytes");
	r = governor_read(ctx, cpu, now, sizeof(now));
	if (r < 0)
		return r;
	r = vfh_read_str(ctx, VFH_ROOT_SYS, offered, sizeof(offered), GOV_FMT, cpu,
			 "scaling_available_governors");
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read cpu%u/cpufreq/scaling_available_governors: %s",
				cpu, strerror(-r));
	if (!word_in(offered, governor))
		return vfh_fail(ctx, -EINVAL, "CPU %u does not offer the cpufreq governor '%s' "
				"(it offers: %s)", cpu, governor, offered);
	if (prior) {
		if (strlen(now) >= plen)
			return vfh_fail(ctx, -ENOSPC, "CPU %u: governor '%s' does not fit %zu bytes",
					cpu, now, plen);
		strcpy(prior, now);
	}
	r = vfh_write_str(ctx, VFH_ROOT_SYS, governor, GOV_FMT, cpu, "scaling_governor");
	if (r < 0)
		return vfh_fail(ctx, r, "setting CPU %u's cpufreq governor to '%s': %s", cpu,
				governor, strerror(-r));
	r = governor_read(ctx, cpu, now, sizeof(now));
	if (r < 0)
		return r;
	if (strcmp(now, governor) != 0)
		return vfh_fail(ctx, -EIO, "set CPU %u's cpufreq governor to '%s', it reads back "
				"'%s'", cpu, governor, now);
	vfh_info(ctx, "cpu%u: cpufreq governor %s", cpu, governor);
	return 0;
}

#define RT_RUNTIME "sys/kernel/sched_rt_runtime_us"

static int rt_read(struct vfh_ctx *ctx, long *us)
{
	int v, r = vfh_read_int(ctx, VFH_ROOT_PROC, &v, RT_RUNTIME);

	if (r < 0)
		return vfh_fail(ctx, r, "cannot read %s: %s", RT_RUNTIME, strerror(-r));
	*us = v;
	return 0;
}

VFH_EXPORT int vfh_sched_rt_runtime_read(struct vfh_ctx *ctx, long *us)
{
	vfh_ctx_clear_error(ctx);
	if (!us)
		return vfh_fail(ctx, -EINVAL, "vfh_sched_rt_runtime_read: NULL argument");
	return rt_read(ctx, us);
}

VFH_EXPORT int vfh_sched_rt_runtime_write(struct vfh_ctx *ctx, long us, long *prior)
{
	char val[32];
	long now;
	int r;

	vfh_ctx_clear_error(ctx);
	if (us < -1 || us > INT32_MAX)
		return vfh_fail(ctx, -EINVAL, "sched_rt_runtime_us %ld: -1 or 0 and up", us);
	if (prior && (r = rt_read(ctx, prior)) < 0)
		return r;
	snprintf(val, sizeof(val), "%ld", us);
	r = vfh_write_str(ctx, VFH_ROOT_PROC, val, RT_RUNTIME);
	if (r < 0)
		return vfh_fail(ctx, r, "writing %s to %s: %s%s", val, RT_RUNTIME, strerror(-r),
				r == -EINVAL ? " (more than sched_rt_period_us?)" : "");
	r = rt_read(ctx, &now);
	if (r < 0)
		return r;
	if (now != us)
		return vfh_fail(ctx, -EIO, "wrote %s to %s, it reads back %ld", val, RT_RUNTIME,
				now);
	vfh_info(ctx, "%s = %s", RT_RUNTIME, val);
	return 0;
}
