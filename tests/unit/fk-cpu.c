// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel's CPUs and tunables, and the CPU list/mask spellings the
 * other fakes (fk-cgroup.c, fk-irq.c) share.  Written apart from the
 * library's cpulist.c on purpose: a fake using the code under test would
 * agree with its bugs.
 *
 *  - cpuN/cpufreq/scaling_governor (store_scaling_governor(),
 *    drivers/cpufreq/cpufreq.c): a governor of
 *    scaling_available_governors, else -EINVAL.
 *  - workqueue/cpumask (workqueue_unbound_cpumask_store(),
 *    kernel/workqueue.c): a hex mask, kept within the possible CPUs;
 *    nothing left is -EINVAL.  Shown with nr_cpu_ids bits.
 *  - workqueue/writeback/cpumask (wq_cpumask_store() for a WQ_SYSFS
 *    workqueue): the same parse; a mask without a possible CPU falls back
 *    to the unbound cpumask, as apply_wqattrs_prepare() does.
 *  - kernel/sched_rt_runtime_us (sched_rt_handler(), kernel/sched/rt.c):
 *    an int, -1 or 0..sched_rt_period_us, else -EINVAL.
 *  - online, present, possible, isolated: read-only (-EACCES). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture-int.h"

/* ---------------------------------------------------------- spellings */

/* cpulist_parse() as the fake needs it: "", "0-3,8", one trailing
 * newline allowed; CPUs 0..63. */
int fk_cpulist_parse(const char *s, uint64_t *m)
{
	uint64_t v = 0;
	size_t n = strlen(s);
	char buf[512], *save, *tok;

	if (n && s[n - 1] == '\n')
		n--;
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (n == 0) {
		*m = 0;
		return 0;
	}
	if (buf[0] == ',' || buf[n - 1] == ',' || strstr(buf, ",,"))
		return -EINVAL;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long lo, hi;

		if (*tok < '0' || *tok > '9')
			return -EINVAL;
		lo = strtoul(tok, &end, 10);
		hi = lo;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -EINVAL;
			hi = strtoul(end + 1, &end, 10);
		}
		if (*end || hi < lo || hi > 63)
			return -EINVAL;
		for (unsigned long c = lo; c <= hi; c++)
			v |= UINT64_C(1) << c;
	}
	*m = v;
	return 0;
}

void fk_cpulist_format(uint64_t m, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int c = 0; c < 64; c++) {
		unsigned int e = c;

		if (!(m >> c & 1))
			continue;
		while (e + 1 < 64 && (m >> (e + 1) & 1))
			e++;
		used += (size_t)snprintf(buf + used, len - used, e == c ? "%s%u" : "%s%u-%u",
					 used ? "," : "", c, e);
		c = e;
	}
}

/* bitmap_parse(): 32-bit hex groups, most significant first, one trailing
 * newline allowed; bits 0..63. */
int fk_cpumask_parse(const char *s, uint64_t *m)
{
	char buf[512], *groups[64];
	size_t n = strlen(s), ng = 0;
	uint64_t v = 0;

	if (n && s[n - 1] == '\n')
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (char *p = buf;; p++) {
		char *comma = strchr(p, ',');

		if (ng == 64)
			return -EINVAL;
		groups[ng++] = p;
		if (!comma)
			break;
		*comma = '\0';
		p = comma;
	}
	for (size_t i = 0; i < ng; i++) {
		size_t shift = (ng - 1 - i) * 32;
		char *end;
		unsigned long w;

		if (!*groups[i] || strlen(groups[i]) > 8 || strspn(groups[i],
				"0123456789abcdefABCDEF") != strlen(groups[i]))
			return -EINVAL;
		w = strtoul(groups[i], &end, 16);
		if (w && shift >= 64)
			return -EINVAL;
		if (w)
			v |= (uint64_t)w << shift;
	}
	*m = v;
	return 0;
}

void fk_cpumask_format(uint64_t m, unsigned int nbits, char *buf, size_t len)
{
	unsigned int chunk = nbits % 32 ? nbits % 32 : 32;
	size_t used = 0;

	buf[0] = '\0';
	for (int i = (int)((nbits + 31) / 32 * 32) - 32; i >= 0; i -= 32) {
		uint32_t w = i < 64 ? (uint32_t)(m >> i) : 0;

		if (chunk < 32)
			w &= (UINT32_C(1) << chunk) - 1;
		used += (size_t)snprintf(buf + used, len - used, "%s%0*x", used ? "," : "",
					 (int)(chunk + 3) / 4, w);
		chunk = 32;
	}
}

/* ------------------------------------------------------------ writes */

/* "sys/devices/system/cpu/cpufreq/policyN/scaling_governor" */
static int governor(struct fx *fx, const char *path, const char *val)
{
	struct fk_cpus *c = fk_cpus(fx);
	unsigned int cpu;
	char gov[32], tail[64];
	size_t n;

	if (sscanf(path, "sys/devices/system/cpu/cpufreq/policy%u/%63s", &cpu, tail) != 2 ||
	    strcmp(tail, "scaling_governor") != 0 || cpu >= 64)
		return -EACCES;
	n = strlen(val);
	if (n >= sizeof(gov))
		return -EINVAL;
	memcpy(gov, val, n + 1);
	if (n && gov[n - 1] == '\n')
		gov[--n] = '\0';
	for (const char *p = c->governors; *p;) {
		size_t m = strcspn(p, " ");

		if (m == n && strncmp(p, gov, n) == 0) {
			memcpy(c->governor[cpu], gov, n + 1);
			return 0;
		}
		p += m;
		p += strspn(p, " ");
	}
	return -EINVAL;
}

int fk_cpu_write(struct fx *fx, const char *path, const char *val)
{
	if (strncmp(path, "sys/devices/system/cpu/cpufreq/", 31) == 0)
		return governor(fx, path, val);
	return -EACCES;
}

bool fk_cpu_restore(struct fx *fx, const char *path)
{
	(void)path;
	fx_render_cpus(fx);
	return true;
}

int fk_wq_write(struct fx *fx, const char *path, const char *val)
{
	struct fk_cpus *c = fk_cpus(fx);
	uint64_t m;

	if (strcmp(path, "sys/devices/virtual/workqueue/cpumask") == 0) {
		if (fk_cpumask_parse(val, &m) < 0)
			return -EINVAL;
		m &= c->possible;
		if (!m)
			return -EINVAL;
		c->wq = m;
		return 0;
	}
	if (strcmp(path, "sys/devices/virtual/workqueue/writeback/cpumask") == 0) {
		if (fk_cpumask_parse(val, &m) < 0)
			return -EINVAL;
		m &= c->possible;
		c->writeback = m ? m : c->wq;
		return 0;
	}
	return -EACCES;
}

bool fk_wq_restore(struct fx *fx, const char *path)
{
	(void)path;
	fx_render_cpus(fx);
	return true;
}

int fk_sysctl_write(struct fx *fx, const char *path, const char *val)
{
	struct fk_cpus *c = fk_cpus(fx);
	char *end;
	long v;

	if (strcmp(path, "proc/sys/kernel/sched_rt_runtime_us") != 0)
		return -EACCES;
	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || (*end && strcmp(end, "\n") != 0))
		return -EINVAL;
	if (v < -1 || v > INT32_MAX || (v != -1 && v > c->rt_period))
		return -EINVAL;
	c->rt_runtime = v;
	return 0;
}

bool fk_sysctl_restore(struct fx *fx, const char *path)
{
	if (strncmp(path, "proc/sys/kernel/sched_rt_", 25) != 0)
		return false;
	fx_render_cpus(fx);
	return true;
}
