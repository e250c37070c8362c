// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake systemd: an in-memory table of units, reached through the
 * library's unit seam.  An unknown unit cannot be started or stopped
 * (-ENOENT, systemd's "Unit not found").
 *
 * AllowedCPUs= (the unit_prop seam): kept per unit (runtime or not, as
 * systemd keeps both), logged as "@set-property" "UNIT AllowedCPUs=LIST"
 * (runtime: "@set-property-runtime"), and applied as systemd's cgroup
 * realisation does: cpuset enabled down to the unit's cgroup, its
 * cpuset.cpus written (the empty set clears it).  A slice's cgroup is
 * its name's dash path ("a-b.slice" in "a.slice/a-b.slice"); other units
 * live where a top-level cgroup of their name is, else in system.slice. */
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>

#include "fixture-int.h"

/* A unit's process leaves /proc when it stops and comes back when it
 * starts (kept aside as proc/.stopped-PID, which no scan takes for a pid). */
static void unit_process(struct fx *fx, const struct fk_unit *u, bool run)
{
	char live[PATH_MAX], aside[PATH_MAX], rel[64];

	if (!u->pid)
		return;
	snprintf(rel, sizeof(rel), "proc/%d", u->pid);
	fx_abs(fx, live, sizeof(live), rel);
	snprintf(rel, sizeof(rel), "proc/.stopped-%d", u->pid);
	fx_abs(fx, aside, sizeof(aside), rel);
	if (run)
		rename(aside, live);
	else
		rename(live, aside);
}

int fk_unit_op(void *data, const char *unit, const char *verb)
{
	struct fx *fx = data;
	struct fk_unit *u = NULL;
	size_t idx;
	int r = 0;

	for (size_t i = 0; i < fx->nunit; i++)
		if (strcmp(fx->unit[i].name, unit) == 0)
			u = &fx->unit[i];
	if (strcmp(verb, "is-active") == 0)
		return u && u->active;
	idx = fk_log_add(fx, strcmp(verb, "start") == 0 ? "@start" :
		      strcmp(verb, "stop") == 0 ? "@stop" : "@unit", unit);
	if (!u)
		r = -ENOENT;
	else if (strcmp(verb, "start") == 0)
		r = u->fail_start ? u->fail_start : (u->active = true, 0);
	else if (strcmp(verb, "stop") == 0)
		r = u->fail_stop ? u->fail_stop : (u->active = false, 0);
	else
		r = -EINVAL;
	if (r == 0)
		unit_process(fx, u, u->active);
	fx->log[idx].result = r;
	return r;
}

struct fk_unit_cpus {
	uint64_t allowed[FX_MAX_UNIT];
};

static void unit_cgroup(struct fx *fx, const char *unit, char *buf, size_t len)
{
	size_t n = strlen(unit), used = 0;

	if (n > 6 && strcmp(unit + n - 6, ".slice") == 0) {
		buf[0] = '\0';
		if (strcmp(unit, "-.slice") == 0)
			return;
		/* "a-b-c.slice": a.slice/a-b.slice/a-b-c.slice */
		for (const char *d = strchr(unit, '-'); d && d < unit + n - 6; d = strchr(d + 1, '-'))
			used += (size_t)snprintf(buf + used, len - used, "%.*s.slice/",
						 (int)(d - unit), unit);
		snprintf(buf + used, len - used, "%s", unit);
		return;
	}
	if (fk_cg_find(fx, unit))
		snprintf(buf, len, "%s", unit);
	else
		snprintf(buf, len, "system.slice/%s", unit);
}

int fk_unit_prop(void *data, const char *unit, const char *prop, bool set, bool runtime,
		 uint8_t *val, size_t *len)
{
	struct fx *fx = data;
	struct fk_unit_cpus *uc = fx_state(fx, "unit-cpus", sizeof(*uc));
	char entry[512], list[256], cg[FX_REL];
	uint64_t m = 0;
	size_t i, idx;
	int r;

	for (i = 0; i < fx->nunit; i++)
		if (strcmp(fx->unit[i].name, unit) == 0)
			break;
	if (strcmp(prop, "AllowedCPUs") != 0)
		return -EINVAL;
	if (!set) {
		if (i == fx->nunit)
			return -ENOENT;
		m = uc->allowed[i];
		for (size_t b = 0; b < 8 && b < *len; b++)
			val[b] = (uint8_t)(m >> (8 * b));
		/* systemd sends no trailing zero bytes */
		*len = m ? (size_t)(64 - __builtin_clzll(m) + 7) / 8 : 0;
		return 0;
	}
	for (size_t b = 0; b < *len; b++) {
		if (b >= 8 && val[b])
			return -EINVAL;
		if (b < 8)
			m |= (uint64_t)val[b] << (8 * b);
	}
	fk_cpulist_format(m, list, sizeof(list));
	snprintf(entry, sizeof(entry), "%s AllowedCPUs=%s", unit, list);
	idx = fk_log_add(fx, runtime ? "@set-property-runtime" : "@set-property", entry);
	if (i == fx->nunit) {
		fx->log[idx].result = -ENOENT;
		return -ENOENT;
	}
	uc->allowed[i] = m;
	unit_cgroup(fx, unit, cg, sizeof(cg));
	r = fk_cgroup_set_cpus(fx, cg, m);
	/* a unit without a cgroup (not running) keeps the setting for later */
	if (r == -ENOENT)
		r = 0;
	fx->log[idx].result = r;
	return r;
}

/* ------------------------------------------------------------ test API */

void fk_fail_unit(struct fx *fx, const char *unit, const char *verb, int err)
{
	for (size_t i = 0; i < fx->nunit; i++)
		if (strcmp(fx->unit[i].name, unit) == 0) {
			if (strcmp(verb, "start") == 0)
				fx->unit[i].fail_start = err;
			else
				fx->unit[i].fail_stop = err;
			return;
		}
	fx_fail("no unit %s in the fixture", unit);
}

uint64_t fk_unit_allowed_cpus(struct fx *fx, const char *unit)
{
	struct fk_unit_cpus *uc = fx_state(fx, "unit-cpus", sizeof(*uc));

	for (size_t i = 0; i < fx->nunit; i++)
		if (strcmp(fx->unit[i].name, unit) == 0)
			return uc->allowed[i];
	return 0;
}

int fk_unit_active(const struct fx *fx, const char *unit)
{
	for (size_t i = 0; i < fx->nunit; i++)
		if (strcmp(fx->unit[i].name, unit) == 0)
			return fx->unit[i].active;
	return -1;
}
