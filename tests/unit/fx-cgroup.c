// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture's cgroup v2 tree below sys/fs/cgroup (the fake kernel's side
 * is fk-cgroup.c).
 *
 *  cgroup /            controllers="cpuset cpu io memory pids" subtree="cpu memory"
 *  cgroup system.slice subtree="..." cpus=LIST
 *  cgroup machine.slice/machine-qemu\x2d1\x2drt.scope
 *  cgroup host tasks=1
 *
 * "/" is the root: its controllers= are what the hierarchy offers (every
 * other cgroup's cgroup.controllers is its parent's subtree_control).  A
 * parent's line comes before its children's.  cpus= needs cpuset in the
 * parent's subtree.  tasks=1: the cgroup has processes (the kernel then
 * refuses to empty its cpuset.cpus).  Without a "cgroup /" line there is no
 * cgroup.controllers: cgroup v2 is not mounted.  cpuset.cpus.effective
 * follows the CPUs of the cpus line (fx-cpu.c): render after it. */
#include <stdio.h>
#include <string.h>

#include "fixture-int.h"

static const char *const ctrl_names[] = {
	"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc",
};

struct fk_cgroups *fk_cgroups(struct fx *fx)
{
	return fx_state(fx, "cgroup", sizeof(struct fk_cgroups));
}

/* "cpuset memory" into bits of ctrl_names[]; -1 on an unknown name */
int fk_cg_ctrl_bits(const char *list, unsigned int *bits)
{
	char buf[256], *save, *tok;

	*bits = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		int bit = fk_cg_ctrl_index(tok);

		if (bit < 0)
			return -1;
		*bits |= 1u << bit;
	}
	return 0;
}

int fk_cg_ctrl_index(const char *name)
{
	for (size_t i = 0; i < VFH_ARRAY_SIZE(ctrl_names); i++)
		if (strcmp(name, ctrl_names[i]) == 0)
			return (int)i;
	return -1;
}

static void ctrl_string(unsigned int bits, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < VFH_ARRAY_SIZE(ctrl_names); i++)
		if (bits & 1u << i)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "",
						 ctrl_names[i]);
}

struct fk_cgroup *fk_cg_find(struct fx *fx, const char *path)
{
	struct fk_cgroups *cg = fk_cgroups(fx);

	for (size_t i = 0; i < cg->n; i++)
		if (strcmp(cg->node[i].path, path) == 0)
			return &cg->node[i];
	return NULL;
}

void fx_cgroup_add(struct fx *fx, const struct fx_ent *e)
{
	struct fk_cgroups *cg = fk_cgroups(fx);
	const char *sub = fx_ent_get(e, "subtree"), *cpus = fx_ent_get(e, "cpus");
	bool root = strcmp(e->name, "/") == 0;
	struct fk_cgroup *c, *parent = NULL;

	if (cg->n == FK_MAX_CGROUP)
		fx_fail("too many cgroups");
	c = &cg->node[cg->n];
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", root ? "" : e->name);
	c->parent = -1;
	if (!root) {
		char up[FX_REL];
		char *slash;

		snprintf(up, sizeof(up), "%s", e->name);
		slash = strrchr(up, '/');
		if (slash)
			*slash = '\0';
		else
			up[0] = '\0';
		parent = fk_cg_find(fx, up);
		if (!parent)
			fx_fail("%s:%d: cgroup %s comes before its parent '%s'", e->file, e->line,
				e->name, up);
		c->parent = (int)(parent - cg->node);
	} else if (fk_cg_ctrl_bits(fx_ent_get(e, "controllers") ? fx_ent_get(e, "controllers") :
				   "", &c->controllers) < 0) {
		fx_fail("%s:%d: unknown controller in '%s'", e->file, e->line,
			fx_ent_get(e, "controllers"));
	}
	c->tasks = fx_ent_get(e, "tasks") && strcmp(fx_ent_get(e, "tasks"), "1") == 0;
	if (sub && fk_cg_ctrl_bits(sub, &c->subtree) < 0)
		fx_fail("%s:%d: unknown controller in subtree='%s'", e->file, e->line, sub);
	if (c->subtree & ~fk_cg_controllers(fx, c))
		fx_fail("%s:%d: subtree='%s' beyond what the cgroup is offered", e->file, e->line,
			sub);
	if (cpus) {
		if (root || !(parent->subtree & 1u))
			fx_fail("%s:%d: cpus= without cpuset in the parent's subtree", e->file,
				e->line);
		if (fk_cpulist_parse(cpus, &c->cpus) < 0)
			fx_fail("%s:%d: cpus=%s", e->file, e->line, cpus);
	}
	cg->n++;
	cg->mounted = cg->mounted || root;
}

unsigned int fk_cg_controllers(struct fx *fx, const struct fk_cgroup *c)
{
	struct fk_cgroups *cg = fk_cgroups(fx);

	return c->parent < 0 ? c->controllers : cg->node[c->parent].subtree;
}

/* cpuset.cpus.effective: what is asked within the parent's, the parent's
 * when nothing (or nothing usable) is asked; the root has the online CPUs */
uint64_t fk_cg_effective(struct fx *fx, const struct fk_cgroup *c)
{
	struct fk_cgroups *cg = fk_cgroups(fx);
	uint64_t up, mine;

	if (c->parent < 0)
		return fk_cpus(fx)->online;
	up = fk_cg_effective(fx, &cg->node[c->parent]);
	if (!(cg->node[c->parent].subtree & 1u))
		return up;
	mine = c->cpus & up;
	return mine ? mine : up;
}

static void render_one(struct fx *fx, const struct fk_cgroup *c)
{
	char dir[FX_REL + 16], rel[FX_REL + 64], buf[256];
	unsigned int ctl = fk_cg_controllers(fx, c);

	snprintf(dir, sizeof(dir), "sys/fs/cgroup%s%s", *c->path ? "/" : "", c->path);
	fx_mkdirs(fx, "%s", dir);
	ctrl_string(ctl, buf, sizeof(buf));
	snprintf(rel, sizeof(rel), "%s/cgroup.controllers", dir);
	fx_putf(fx, rel, "%s\n", buf);
	ctrl_string(c->subtree, buf, sizeof(buf));
	snprintf(rel, sizeof(rel), "%s/cgroup.subtree_control", dir);
	fx_putf(fx, rel, "%s\n", buf);
	snprintf(rel, sizeof(rel), "%s/cgroup.procs", dir);
	if (!fx_exists(fx, "%s", rel))
		fx_putf(fx, rel, "%s", "");
	/* the cpuset files come and go with the controller; the root's
	 * effective ones are always there, cpuset.cpus never on the root */
	snprintf(rel, sizeof(rel), "%s/cpuset.cpus", dir);
	if ((ctl & 1u) && c->parent >= 0) {
		fk_cpulist_format(c->cpus, buf, sizeof(buf));
		fx_putf(fx, rel, "%s\n", buf);
	} else {
		fx_remove(fx, "%s", rel);
	}
	snprintf(rel, sizeof(rel), "%s/cpuset.cpus.effective", dir);
	if (ctl & 1u) {
		fk_cpulist_format(fk_cg_effective(fx, c), buf, sizeof(buf));
		fx_putf(fx, rel, "%s\n", buf);
	} else {
		fx_remove(fx, "%s", rel);
	}
}

void fx_render_cgroups(struct fx *fx)
{
	struct fk_cgroups *cg = fk_cgroups(fx);

	for (size_t i = 0; i < cg->n; i++)
		render_one(fx, &cg->node[i]);
}
