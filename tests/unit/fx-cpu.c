// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's CPUs and the tunables that follow them (the fake kernel's
 * side is fk-cpu.c).  One line, no name:
 *
 *  cpus  online=0-3 present=0-3 possible=0-7 isolated=
 *        governors="performance powersave schedutil" governor=schedutil
 *        nocpufreq=LIST (CPUs without a cpufreq policy)
 *        wq=HEXMASK writeback=HEXMASK (default: every possible CPU)
 *        rt_runtime=950000 rt_period=1000000
 *
 * At most 64 CPUs: the model keeps them in a uint64_t.  Without a cpus
 * line there is no sys/devices/system/cpu at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture-int.h"

struct fk_cpus *fk_cpus(struct fx *fx)
{
	return fx_state(fx, "cpu", sizeof(struct fk_cpus));
}

static uint64_t list_key(const struct fx_ent *e, const char *key, const char *def)
{
	const char *v = fx_ent_get(e, key);
	uint64_t m;

	if (fk_cpulist_parse(v ? v : def, &m) < 0)
		fx_fail("%s:%d: %s=%s is not a CPU list (0..63)", e->file, e->line, key,
			v ? v : def);
	return m;
}

static uint64_t mask_key(const struct fx_ent *e, const char *key, uint64_t def)
{
	const char *v = fx_ent_get(e, key);
	uint64_t m;

	if (!v)
		return def;
	if (fk_cpumask_parse(v, &m) < 0)
		fx_fail("%s:%d: %s=%s is not a CPU mask", e->file, e->line, key, v);
	return m;
}

void fx_cpus_add(struct fx *fx, const struct fx_ent *e)
{
	struct fk_cpus *c = fk_cpus(fx);
	const char *gov = fx_ent_get(e, "governor"), *govs = fx_ent_get(e, "governors");

	c->exists = true;
	c->online = list_key(e, "online", "0");
	c->present = list_key(e, "present", "");
	c->possible = list_key(e, "possible", "");
	if (!c->present)
		c->present = c->online;
	if (!c->possible)
		c->possible = c->present;
	if ((c->online & ~c->present) || (c->present & ~c->possible))
		fx_fail("%s:%d: online must be within present, present within possible", e->file,
			e->line);
	c->isolated = list_key(e, "isolated", "");
	c->nocpufreq = list_key(e, "nocpufreq", "");
	c->wq = mask_key(e, "wq", c->possible);
	c->writeback = mask_key(e, "writeback", c->possible);
	snprintf(c->governors, sizeof(c->governors), "%s",
		 govs ? govs : "performance powersave schedutil");
	for (int i = 0; i < 64; i++)
		snprintf(c->governor[i], sizeof(c->governor[i]), "%s", gov ? gov : "schedutil");
	c->rt_period = (long)fx_num(e, "rt_period", 1000000);
	{
		const char *rt = fx_ent_get(e, "rt_runtime");

		c->rt_runtime = rt ? strtol(rt, NULL, 10) : 950000;
	}
}

unsigned int fk_nr_cpu_ids(struct fx *fx)
{
	uint64_t p = fk_cpus(fx)->possible;

	return p ? 64 - (unsigned int)__builtin_clzll(p) : 1;
}

static void put_list(struct fx *fx, const char *rel, uint64_t m)
{
	char buf[256];

	fk_cpulist_format(m, buf, sizeof(buf));
	fx_putf(fx, rel, "%s\n", buf);
}

void fx_render_cpus(struct fx *fx)
{
	struct fk_cpus *c = fk_cpus(fx);
	char buf[256], rel[FX_REL];

	if (!c->exists)
		return;
	put_list(fx, "sys/devices/system/cpu/online", c->online);
	put_list(fx, "sys/devices/system/cpu/present", c->present);
	put_list(fx, "sys/devices/system/cpu/possible", c->possible);
	put_list(fx, "sys/devices/system/cpu/isolated", c->isolated);
	for (unsigned int i = 0; i < 64; i++) {
		if (!(c->present >> i & 1))
			continue;
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%u/online", i);
		fx_putf(fx, rel, "%d\n", (int)(c->online >> i & 1));
		if (!(c->online >> i & 1) || (c->nocpufreq >> i & 1))
			continue;
		/* cpuN/cpufreq links to its policy, as cpufreq_add_dev_interface() */
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpufreq/policy%u/scaling_governor",
			 i);
		fx_putf(fx, rel, "%s\n", c->governor[i]);
		snprintf(rel, sizeof(rel),
			 "sys/devices/system/cpu/cpufreq/policy%u/scaling_available_governors", i);
		fx_putf(fx, rel, "%s\n", c->governors);
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%u/cpufreq", i);
		snprintf(buf, sizeof(buf), "sys/devices/system/cpu/cpufreq/policy%u", i);
		fx_symlink(fx, rel, buf);
	}
	fk_cpumask_format(c->wq, fk_nr_cpu_ids(fx), buf, sizeof(buf));
	fx_putf(fx, "sys/devices/virtual/workqueue/cpumask", "%s\n", buf);
	fk_cpumask_format(c->writeback, fk_nr_cpu_ids(fx), buf, sizeof(buf));
	fx_putf(fx, "sys/devices/virtual/workqueue/writeback/cpumask", "%s\n", buf);
	/* bus/workqueue/devices/ links into devices/virtual/workqueue/ */
	fx_symlink(fx, "sys/bus/workqueue/devices/writeback",
		   "sys/devices/virtual/workqueue/writeback");
	fx_putf(fx, "proc/sys/kernel/sched_rt_runtime_us", "%ld\n", c->rt_runtime);
	fx_putf(fx, "proc/sys/kernel/sched_rt_period_us", "%ld\n", c->rt_period);
}
