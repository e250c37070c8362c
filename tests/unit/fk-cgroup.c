// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel's cgroup v2 (kernel/cgroup/cgroup.c, cpuset.c).
 *
 *  - cgroup.subtree_control (cgroup_subtree_control_write()): "+name" and
 *    "-name" tokens; an unknown name is -EINVAL, one the cgroup is not
 *    offered (its cgroup.controllers) -ENOENT; taking away a controller a
 *    child still passes on in its own subtree_control is -EBUSY.  The
 *    children's interface files come and go with it.
 *  - cpuset.cpus (cpuset_write_resmask()): a CPU list, "" clears it
 *    (-ENOSPC when the cgroup has tasks and CPUs set: validate_change(),
 *    Linux 6.1);
 *    CPUs that are not online are -EINVAL (top_cpuset's CPUs).  Shown
 *    reformatted ("0,1" reads "0-1").
 *  - cpuset.cpus.effective: read-only, the request within the parent's
 *    effective CPUs, the parent's when empty (update_cpumasks_hier()). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture-int.h"

/* "sys/fs/cgroup/A/B/FILE" -> the cgroup "A/B", FILE in *file */
static struct fk_cgroup *cg_of(struct fx *fx, const char *path, const char **file)
{
	char rel[FX_REL];
	const char *p = path + strlen("sys/fs/cgroup/");
	const char *slash = strrchr(p, '/');

	if (!slash) {
		*file = p;
		return fk_cg_find(fx, "");
	}
	snprintf(rel, sizeof(rel), "%.*s", (int)(slash - p), p);
	*file = slash + 1;
	return fk_cg_find(fx, rel);
}

static int subtree(struct fx *fx, struct fk_cgroup *c, const char *val)
{
	struct fk_cgroups *cg = fk_cgroups(fx);
	unsigned int on = 0, off = 0;
	char buf[256], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		int bit;

		if (tok[0] != '+' && tok[0] != '-')
			return -EINVAL;
		bit = fk_cg_ctrl_index(tok + 1);
		if (bit < 0)
			return -EINVAL;
		if (tok[0] == '+') {
			on |= 1u << bit;
			off &= ~(1u << bit);
		} else {
			off |= 1u << bit;
			on &= ~(1u << bit);
		}
	}
	if (on & ~fk_cg_controllers(fx, c))
		return -ENOENT;
	for (size_t i = 0; i < cg->n; i++)
		if (cg->node[i].parent == c - cg->node && (cg->node[i].subtree & off))
			return -EBUSY;
	c->subtree = (c->subtree | on) & ~off;
	return 0;
}

int fk_cgroup_write(struct fx *fx, const char *path, const char *val)
{
	const char *file;
	struct fk_cgroup *c = cg_of(fx, path, &file);
	uint64_t m;

	if (!c)
		return -EACCES;
	if (strcmp(file, "cgroup.subtree_control") == 0)
		return subtree(fx, c, val);
	if (strcmp(file, "cpuset.cpus") == 0 && c->parent >= 0 &&
	    (fk_cg_controllers(fx, c) & 1u)) {
		if (fk_cpulist_parse(val, &m) < 0)
			return -EINVAL;
		if (m & ~fk_cpus(fx)->online)
			return -EINVAL;
		if (!m && c->cpus && c->tasks)
			return -ENOSPC;
		c->cpus = m;
		return 0;
	}
	return -EACCES;
}

bool fk_cgroup_restore(struct fx *fx, const char *path)
{
	(void)path;
	fx_render_cgroups(fx);
	return true;
}

/* What systemd does for AllowedCPUs= of a unit whose cgroup is `path`:
 * cpuset on the way down, then cpuset.cpus.  -ENOENT without the cgroup. */
int fk_cgroup_set_cpus(struct fx *fx, const char *path, uint64_t cpus)
{
	struct fk_cgroups *cg = fk_cgroups(fx);
	struct fk_cgroup *c = fk_cg_find(fx, path);

	if (!c || c->parent < 0)
		return -ENOENT;
	if (!(cg->node[0].controllers & 1u))
		return -EOPNOTSUPP;
	for (int i = c->parent; i >= 0; i = cg->node[i].parent)
		cg->node[i].subtree |= 1u;
	c->cpus = cpus & fk_cpus(fx)->online;
	/* systemd enables a controller only while a unit needs it: with no
	 * cpuset.cpus left set anywhere, cpuset goes off again */
	if (!cpus) {
		bool needed = false;

		for (size_t i = 0; i < cg->n; i++)
			needed |= cg->node[i].cpus != 0;
		if (!needed)
			for (size_t i = 0; i < cg->n; i++)
				cg->node[i].subtree &= ~1u;
	}
	fx_render_cgroups(fx);
	return 0;
}
