// SPDX-License-Identifier: LGPL-2.1-or-later
/* cgroup v2 cpusets below the context's cgroup root (Documentation/
 * admin-guide/cgroup-v2.rst, "Cpuset"): cpuset.cpus is what a cgroup asks
 * for, cpuset.cpus.effective what its tasks get (the request within the
 * parent's effective CPUs, the parent's when empty).  cpuset.cpus exists
 * only once the parent has "+cpuset" in its cgroup.subtree_control, which
 * it may only have when its own parent does: enabling goes from the root
 * down, disabling from the bottom up. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "cpus.h"

/* Up to this many levels below the root: systemd's deepest are four. */
#define MAX_DEPTH 32
/* A cgroup path, and room for it with a trailing '/' */
#define CG_MAX 1024
#define DIR_MAX (CG_MAX + 2)

/* A cgroup path the library will put below its root: relative, no "."
 * or ".." component, no empty one.  A leading '/' is allowed ("/" is the
 * root).  *rel points past it. */
static int check_cgroup(struct vfh_ctx *ctx, const char *cgroup, const char **rel)
{
	const char *p;

	if (!cgroup)
		return vfh_fail(ctx, -EINVAL, "no cgroup given");
	while (*cgroup == '/')
		cgroup++;
	for (p = cgroup; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return vfh_fail(ctx, -EINVAL, "invalid cgroup path '%s'", cgroup);
		p += n;
		if (*p == '/')
			p++;
	}
	if (p > cgroup && p[-1] == '/')
		return vfh_fail(ctx, -EINVAL, "invalid cgroup path '%s'", cgroup);
	if (strlen(cgroup) >= CG_MAX)
		return vfh_fail(ctx, -ENAMETOOLONG, "cgroup path longer than %d bytes", CG_MAX);
	*rel = cgroup;
	return 0;
}

/* cgroup v2 has cgroup.controllers in every cgroup, v1 nowhere. */
static int check_v2(struct vfh_ctx *ctx)
{
	int r = vfh_exists(ctx, VFH_ROOT_CGROUP, "cgroup.controllers");

	if (r < 0)
		return vfh_fail(ctx, r, "%s: %s", vfh_ctx_get_root(ctx, VFH_ROOT_CGROUP),
				strerror(-r));
	if (r == 0)
		return vfh_fail(ctx, -EOPNOTSUPP, "cgroup v2 is not mounted at %s (no "
				"cgroup.controllers): cpusets need the unified hierarchy",
				vfh_ctx_get_root(ctx, VFH_ROOT_CGROUP));
	return 0;
}

/* Whether word is in the space-separated list of the file. */
static int file_has_word(struct vfh_ctx *ctx, const char *word, const char *dir,
			 const char *file)
{
	char buf[512], *save, *tok;
	int r = vfh_read_str(ctx, VFH_ROOT_CGROUP, buf, sizeof(buf), "%s%s", dir, file);

	if (r < 0)
		return r;
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (strcmp(tok, word) == 0)
			return 1;
	return 0;
}

/* Prefix of rel holding its first `level` components ("" for 0). */
static void ancestor(const char *rel, unsigned int level, char *buf, size_t len)
{
	const char *p = rel;

	for (unsigned int i = 0; i < level && *p; i++) {
		p += strcspn(p, "/");
		if (i + 1 < level && *p == '/')
			p++;
	}
	snprintf(buf, len, "%.*s", (int)(p - rel), rel);
}

static unsigned int depth_of(const char *rel)
{
	unsigned int d = *rel ? 1 : 0;

	for (const char *p = rel; *p; p++)
		d += *p == '/';
	return d;
}

/* "DIR/" or "" for the root, to prefix a file name */
static const char *dir_prefix(const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", rel, *rel ? "/" : "");
	return buf;
}

static int cgroup_ready(struct vfh_ctx *ctx, const char *cgroup, const char **rel)
{
	char dir[DIR_MAX];
	int r = check_cgroup(ctx, cgroup, rel);

	if (r < 0)
		return r;
	r = check_v2(ctx);
	if (r < 0)
		return r;
	r = vfh_exists(ctx, VFH_ROOT_CGROUP, "%s", dir_prefix(*rel, dir, sizeof(dir)));
	if (r == 0)
		return vfh_fail(ctx, -ENOENT, "no cgroup '%s' below %s", *rel,
				vfh_ctx_get_root(ctx, VFH_ROOT_CGROUP));
	if (r < 0)
		return vfh_fail(ctx, r, "cgroup '%s': %s", *rel, strerror(-r));
	return 0;
}

VFH_EXPORT int vfh_cgroup_cpus_read(struct vfh_ctx *ctx, const char *cgroup,
				    struct vfh_cpuset *cpus, struct vfh_cpuset *effective)
{
	char dir[DIR_MAX];
	const char *rel;
	int r;

	vfh_ctx_clear_error(ctx);
	r = cgroup_ready(ctx, cgroup, &rel);
	if (r < 0)
		return r;
	dir_prefix(rel, dir, sizeof(dir));
	if (vfh_exists(ctx, VFH_ROOT_CGROUP, "%scpuset.cpus.effective", dir) != 1)
		return vfh_fail(ctx, -EOPNOTSUPP, "the cpuset controller is not enabled for "
				"cgroup '%s' (no cpuset.cpus.effective)", rel);
	if (cpus && !*rel)
		vfh_cpuset_zero(cpus);	/* the root asks for nothing: it has all */
	else if (cpus && (r = vfh_read_cpulist(ctx, VFH_ROOT_CGROUP, cpus, "%scpuset.cpus", dir)) < 0)
		return r;
	if (effective)
		return vfh_read_cpulist(ctx, VFH_ROOT_CGROUP, effective,
					"%scpuset.cpus.effective", dir);
	return 0;
}

VFH_EXPORT int vfh_cgroup_cpus_write(struct vfh_ctx *ctx, const char *cgroup,
				     const struct vfh_cpuset *cpus, struct vfh_cpuset *prior,
				     struct vfh_cpuset *effective)
{
	char dir[DIR_MAX];
	const char *rel;
	int r;

	vfh_ctx_clear_error(ctx);
	if (!cpus)
		return vfh_fail(ctx, -EINVAL, "vfh_cgroup_cpus_write: no CPUs given");
	r = cgroup_ready(ctx, cgroup, &rel);
	if (r < 0)
		return r;
	if (!*rel)
		return vfh_fail(ctx, -EINVAL, "the root cgroup has no cpuset.cpus to write");
	dir_prefix(rel, dir, sizeof(dir));
	if (vfh_exists(ctx, VFH_ROOT_CGROUP, "%scpuset.cpus", dir) != 1)
		return vfh_fail(ctx, -EOPNOTSUPP, "the cpuset controller is not enabled for "
				"cgroup '%s' (no cpuset.cpus)", rel);
	if (prior && (r = vfh_read_cpulist(ctx, VFH_ROOT_CGROUP, prior, "%scpuset.cpus", dir)) < 0)
		return r;
	r = vfh_write_cpus(ctx, VFH_ROOT_CGROUP, cpus, false, "%scpuset.cpus", dir);
	if (r < 0)
		return r;
	if (effective)
		return vfh_read_cpulist(ctx, VFH_ROOT_CGROUP, effective,
					"%scpuset.cpus.effective", dir);
	return 0;
}

static int subtree_write(struct vfh_ctx *ctx, const char *anc, const char *val)
{
	char dir[DIR_MAX];
	int r = vfh_write_str(ctx, VFH_ROOT_CGROUP, val, "%scgroup.subtree_control",
			      dir_prefix(anc, dir, sizeof(dir)));

	if (r < 0)
		return vfh_fail(ctx, r, "writing '%s' to %scgroup.subtree_control: %s", val, dir,
				strerror(-r));
	return 0;
}

/* "-cpuset" into the subtree_control of levels first+n-1 down to first
 * (level 0: the root), the deepest first */
static int disable_levels(struct vfh_ctx *ctx, const char *rel, unsigned int first,
			  unsigned int n)
{
	char anc[CG_MAX];
	int r;

	for (unsigned int i = n; i-- > 0;) {
		ancestor(rel, first + i, anc, sizeof(anc));
		r = subtree_write(ctx, anc, "-cpuset");
		if (r < 0)
			return r;
	}
	return 0;
}

static int disable(struct vfh_ctx *ctx, const char *rel, unsigned int n)
{
	unsigned int depth = depth_of(rel);

	if (n > depth)
		return vfh_fail(ctx, -EINVAL, "cgroup '%s' has %u ancestors, not %u", rel, depth,
				n);
	return disable_levels(ctx, rel, depth - n, n);
}

VFH_EXPORT int vfh_cgroup_cpuset_enable(struct vfh_ctx *ctx, const char *cgroup,
					unsigned int *enabled)
{
	char anc[CG_MAX];
	unsigned int depth, done = 0, first = 0;
	const char *rel;
	int r;

	vfh_ctx_clear_error(ctx);
	if (enabled)
		*enabled = 0;
	r = cgroup_ready(ctx, cgroup, &rel);
	if (r < 0)
		return r;
	depth = depth_of(rel);
	if (depth > MAX_DEPTH)
		return vfh_fail(ctx, -EINVAL, "cgroup '%s' is deeper than %d levels", rel,
				MAX_DEPTH);
	r = file_has_word(ctx, "cpuset", "", "cgroup.controllers");
	if (r == 0)
		return vfh_fail(ctx, -EOPNOTSUPP, "the cgroup root at %s does not offer the cpuset "
				"controller", vfh_ctx_get_root(ctx, VFH_ROOT_CGROUP));
	if (r < 0)
		return vfh_fail(ctx, r, "cannot read cgroup.controllers: %s", strerror(-r));
	for (unsigned int level = 0; level < depth; level++) {
		char dir[DIR_MAX];

		ancestor(rel, level, anc, sizeof(anc));
		r = file_has_word(ctx, "cpuset", dir_prefix(anc, dir, sizeof(dir)),
				  "cgroup.subtree_control");
		if (r < 0) {
			r = vfh_fail(ctx, r, "cannot read %scgroup.subtree_control: %s", dir,
				     strerror(-r));
			break;
		}
		if (r == 1) {
			/* enabled above what we enable: undoing must not
			 * reach past it */
			if (done) {
				r = vfh_fail(ctx, -EIO, "%scgroup.subtree_control has cpuset "
					     "below a parent without it", dir);
				break;
			}
			continue;
		}
		r = subtree_write(ctx, anc, "+cpuset");
		if (r < 0)
			break;
		if (!done)
			first = level;
		vfh_info(ctx, "cpuset enabled below cgroup '%s'", anc);
		done++;
	}
	if (r < 0) {
		vfh_err_hold(ctx);
		disable_levels(ctx, rel, first, done);
		vfh_err_release(ctx);
		return r;
	}
	if (enabled)
		*enabled = done;
	return 0;
}

VFH_EXPORT int vfh_cgroup_cpuset_disable(struct vfh_ctx *ctx, const char *cgroup,
					 unsigned int n)
{
	const char *rel;
	int r;

	vfh_ctx_clear_error(ctx);
	r = cgroup_ready(ctx, cgroup, &rel);
	if (r < 0)
		return r;
	return disable(ctx, rel, n);
}
