// SPDX-License-Identifier: LGPL-2.1-or-later
/* prepare's plan for the host's resources, derived from the domain XML
 * wherever it already says it (hugepages, pinned CPUs, shared-memory
 * files) and from the INI's [memory], [cpus] and [looking-glass]: the
 * checks that refuse what cannot work, then the steps. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine.h"

static int add(struct plan *plan, int r, const struct step *s, struct eng_err *e)
{
	if (r == 0)
		r = eng_plan_add(plan, s);
	if (r == -ENOMEM)
		return eng_fail(e, r, "out of memory");
	if (r < 0)
		return eng_fail(e, r, "'%.100s' cannot be the subject of a step", s->what);
	return 0;
}

/* "2M", "1G" as hugetlbfs's pagesize= spells them */
static void size_name(uint64_t kb, char *buf, size_t len)
{
	if (kb >= (1u << 20) && kb % (1u << 20) == 0)
		snprintf(buf, len, "%" PRIu64 "G", kb >> 20);
	else if (kb >= 1024 && kb % 1024 == 0)
		snprintf(buf, len, "%" PRIu64 "M", kb >> 10);
	else
		snprintf(buf, len, "%" PRIu64 "K", kb);
}

/* [memory] pages = N: N pages instead of what the XML works out, spread
 * over the same pools as they were (the remainder on the first ones). */
static int override_count(const struct hook_config *cfg, struct eng_pages *want, size_t n,
			  struct eng_err *e)
{
	uint64_t n_pools = n;

	for (size_t i = 1; i < n; i++)
		if (want[i].size_kib != want[0].size_kib)
			return eng_fail(e, -EINVAL, "%s: [memory] pages = %u, but the domain XML uses "
					"hugepages of %" PRIu64 " kB and of %" PRIu64 " kB: which? "
					"Remove pages = (the XML's sizes decide), or give every "
					"guest cell the same <page size>", cfg->path,
					cfg->hugepage_count, want[0].size_kib, want[i].size_kib);
	for (size_t i = 0; i < n; i++)
		want[i].count = cfg->hugepage_count / n_pools + (i < cfg->hugepage_count % n_pools);
	return 0;
}

int eng_plan_memory(struct vfh_ctx *ctx, const struct hook_config *cfg,
		    const struct domain_xml *dom, struct plan *plan, struct eng_err *e)
{
	struct eng_pages *want = NULL;
	uint64_t def = 0;
	size_t n = 0;
	int r;

	if (!dom || !dom->hugepages || cfg->hugepages == HUGEPAGES_OFF)
		return 0;
	r = vfh_hugepage_default_size(ctx, &def);
	if (r < 0)
		return eng_fail_lib(e, ctx, r, "the domain XML asks for hugepages, and this host has "
				    "none to give");
	if ((r = eng_hugepages_wanted(dom, def, &want, &n, e)) < 0)
		return r;
	if (cfg->hugepage_count && (r = override_count(cfg, want, n, e)) < 0) {
		free(want);
		return r;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		struct vfh_hugepage_pool pool;
		struct step s;
		char sz[32];
		uint64_t total;

		if (!want[i].count)
			continue;	/* pages = fewer than the pools */
		/* a size the host lacks, a node that is not online: the library
		 * names what there is */
		if ((r = vfh_hugepages_read(ctx, want[i].node, want[i].size_kib, &pool)) < 0 ||
		    (r = vfh_numa_memtotal(ctx, want[i].node, &total)) < 0) {
			eng_fail_lib(e, ctx, r, "hugepages for the domain XML's <memoryBacking>");
			break;
		}
		/* more than the node holds: no compaction will find it */
		if (want[i].count > total / want[i].size_kib) {
			char where[32];

			if (want[i].node == VFH_NODE_ALL)
				snprintf(where, sizeof(where), "this host");
			else
				snprintf(where, sizeof(where), "NUMA node %d", want[i].node);
			r = eng_fail(e, -ENOMEM, "refused: the domain needs %" PRIu64 " hugepages of %"
				     PRIu64 " kB (%" PRIu64 " MiB) on %s, which has %" PRIu64 " MiB of "
				     "memory in all; lower <memory>%s", want[i].count,
				     want[i].size_kib, want[i].count * want[i].size_kib >> 10, where,
				     total >> 10, want[i].node == VFH_NODE_ALL ? "" :
				     ", or spread it over more nodes (<numatune>, <numa> cells)");
			break;
		}
		r = vfh_hugetlbfs_mount(ctx, want[i].size_kib, NULL, 0);
		if (r == 0) {
			size_name(want[i].size_kib, sz, sizeof(sz));
			r = eng_fail(e, -EOPNOTSUPP, "refused: libvirt backs the domain with %" PRIu64
				     " kB hugepages but no hugetlbfs of that size is mounted; mount "
				     "one (mount -t hugetlbfs -o pagesize=%s hugetlbfs "
				     ENG_DEV_SHOWN "hugepages%s) or set hugepages = off in [memory] and "
				     "reserve them yourself", want[i].size_kib, sz,
				     want[i].size_kib == def ? "" : sz);
			break;
		}
		if (r < 0) {
			eng_fail_lib(e, ctx, r, "looking for a hugetlbfs mount");
			break;
		}
		r = add(plan, eng_step_init_hugepages(&s, want[i].node, want[i].size_kib,
						      want[i].count, cfg->hugepage_attempts,
						      cfg->drop_caches,
						      cfg->hugepages == HUGEPAGES_KEEP), &s, e);
	}
	free(want);
	return r < 0 ? r : 0;
}

/* A user or group by name in ETC/passwd or ETC/group (the local files:
 * a root hook asks no directory service), or a number. */
static int lookup_id(struct vfh_ctx *ctx, const char *file, const char *name, uint32_t *id)
{
	char path[512], line[1024];
	unsigned long v;
	char *end;
	FILE *f;

	if (name[0] >= '0' && name[0] <= '9') {
		errno = 0;
		v = strtoul(name, &end, 10);
		if (errno || *end || v > 0xfffffffeUL)
			return -EINVAL;
		*id = (uint32_t)v;
		return 0;
	}
	if (vfh_ctx_path(ctx, VFH_ROOT_ETC, path, sizeof(path), "%s", file) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	/* constants: clang's analyser cannot tell that -errno is never 0,
	 * and *id is unset here (the caller says "cannot be looked up") */
	if (!f)
		return errno == ENOENT ? -ENOENT : -EIO;
	while (fgets(line, sizeof(line), f)) {
		char *save, *n = strtok_r(line, ":", &save), *pw = strtok_r(NULL, ":", &save);
		char *num = strtok_r(NULL, ":", &save);

		if (!n || !pw || !num || strcmp(n, name) != 0)
			continue;
		errno = 0;
		v = strtoul(num, &end, 10);
		fclose(f);
		if (errno || *end || v > 0xfffffffeUL)
			return -EINVAL;
		*id = (uint32_t)v;
		return 0;
	}
	fclose(f);
	return -ENOENT;
}

/* ---- [holders] */

static bool planned(const struct plan *plan, const struct step_ops *ops, const char *what)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->steps[i].ops == ops && strcmp(plan->steps[i].what, what) == 0)
			return true;
	return false;
}

static int add_user_units(struct vfh_ctx *ctx, const struct hook_config *cfg, uint32_t uid,
			  struct plan *plan, struct eng_err *e)
{
	(void)ctx;
	for (size_t i = 0; i < cfg->n_held_user_units; i++) {
		struct step s;
		int r = eng_step_init_user_unit_stop(&s, uid, cfg->held_user_units[i]);

		if (r == 0 && planned(plan, &eng_step_user_unit_stop, s.what))
			continue;
		if ((r = add(plan, r, &s, e)) < 0)
			return r;
	}
	return 0;
}

int eng_plan_holders(struct vfh_ctx *ctx, const struct hook_config *cfg,
		     const struct vfh_pci_addr *devs, size_t n, struct plan *plan,
		     struct eng_err *e)
{
	struct vfh_holder *all = NULL;
	size_t nall = 0;
	int r = 0;

	if (cfg->when_held != HELD_STOP)
		return 0;	/* refuse: pci-bind names the holders, nothing moved */
	for (size_t i = 0; i < n; i++) {
		struct vfh_holder *v, *nv;
		size_t k;

		r = vfh_pci_holders(ctx, &devs[i], &v, &k);
		if (r < 0) {
			free(all);
			return eng_fail_lib(e, ctx, r, "cannot tell what holds the devices");
		}
		if (k == 0)
			continue;
		nv = realloc(all, (nall + k) * sizeof(*all));
		if (!nv) {
			free(v);
			free(all);
			return eng_fail(e, -ENOMEM, "out of memory");
		}
		all = nv;
		memcpy(all + nall, v, k * sizeof(*v));
		nall += k;
		free(v);
	}
	if (nall == 0)
		return 0;	/* nothing holds them: nothing to stop */
	for (size_t i = 0; i < nall; i++)
		eng_log(LOG_INFO, "%d (%s, uid %d) holds a device node; [holders] stops what is "
			"configured", all[i].pid, all[i].comm, all[i].uid);
	for (size_t i = 0; i < cfg->n_held_units && r == 0; i++) {
		struct step s;

		r = eng_step_init(&s, &eng_step_unit_stop, cfg->held_units[i]);
		if (r == 0 && planned(plan, &eng_step_unit_stop, s.what))
			continue;
		r = add(plan, r, &s, e);
	}
	if (r == 0 && cfg->n_held_user_units && strcmp(cfg->held_user, "auto") != 0) {
		uint32_t uid;

		r = lookup_id(ctx, "passwd", cfg->held_user, &uid);
		if (r < 0)
			r = eng_fail(e, r, "%s: [holders] user '%s' %s", cfg->path, cfg->held_user,
				     r == -ENOENT ? "is no user of this host (/etc/passwd)" :
				     "cannot be looked up");
		else
			r = add_user_units(ctx, cfg, uid, plan, e);
	} else if (r == 0 && cfg->n_held_user_units) {
		/* auto: the owners of the holders, root's processes have no
		 * user manager to ask (a system unit stops those) */
		for (size_t i = 0; i < nall && r == 0; i++) {
			bool seen = all[i].uid <= 0;

			for (size_t j = 0; j < i && !seen; j++)
				seen = all[j].uid == all[i].uid;
			if (!seen)
				r = add_user_units(ctx, cfg, (uint32_t)all[i].uid, plan, e);
		}
	}
	free(all);
	return r;
}

int eng_plan_shm(struct vfh_ctx *ctx, const struct hook_config *cfg,
		 const struct domain_xml *dom, struct plan *plan, struct eng_err *e)
{
	uint32_t uid, gid;
	int r;

	for (size_t i = 0; dom && i < dom->n_shmems; i++) {
		const struct dom_shmem *m = &dom->shmems[i];
		struct step s;

		/* a server's memory is its own; the legacy ivshmem and the
		 * doorbell one are not Looking Glass's */
		if (m->server || (*m->model && strcmp(m->model, "ivshmem-plain") != 0))
			continue;
		if ((r = vfh_shm_name_check(ctx, m->name)) < 0)
			return eng_fail_lib(e, ctx, r, "refused: <shmem name='%.64s'>", m->name);
		if (strlen(m->name) > 100)
			return eng_fail(e, -EINVAL, "refused: <shmem name='%.64s...'>: a name of at "
					"most 100 characters, please", m->name);
		if (!m->size)
			return eng_fail(e, -EINVAL, "<shmem name='%s'> has no <size>: add one (Looking "
					"Glass: <size unit='M'>32</size> for 1080p)", m->name);
		if ((r = lookup_id(ctx, "passwd", cfg->lg_owner, &uid)) < 0)
			return eng_fail(e, r, "%s: [looking-glass] owner '%s' %s", cfg->path,
					cfg->lg_owner, r == -ENOENT ? "is no user of this host "
					"(/etc/passwd)" : "cannot be looked up");
		if ((r = lookup_id(ctx, "group", cfg->lg_group, &gid)) < 0)
			return eng_fail(e, r, "%s: [looking-glass] group '%s' %s", cfg->path,
					cfg->lg_group, r == -ENOENT ? "is no group of this host "
					"(/etc/group): set group = in [looking-glass]" :
					"cannot be looked up");
		r = add(plan, eng_step_init_shm_file(&s, m->name, m->size, uid, gid, cfg->lg_mode,
						     cfg->lg_keep), &s, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The CPUs to isolate: [cpus] isolate's list, or what the XML pins. */
static int isolated_set(const struct hook_config *cfg, const struct domain_xml *dom,
			struct vfh_cpuset *out, struct eng_err *e)
{
	struct eng_set all, one;
	bool any = false;

	vfh_cpuset_zero(out);
	if (cfg->isolate == ISOLATE_LIST)
		return vfh_cpuset_parse_list(cfg->isolate_cpus, 0, out) < 0
			       ? eng_fail(e, -EINVAL, "%s: [cpus] isolate: bad list", cfg->path) : 0;
	memset(&all, 0, sizeof(all));
	for (size_t i = 0; dom && i < dom->n_pins; i++) {
		if (eng_set_parse(dom->pins[i].cpuset, &one) < 0)
			return eng_fail(e, -EINVAL, "domain XML: <%s cpuset='%s'> is not a CPU list",
					dom->pins[i].kind, dom->pins[i].cpuset);
		for (size_t w = 0; w < ENG_SET_MAX / 64; w++)
			all.bits[w] |= one.bits[w];
		any = true;
	}
	if (!any && dom && *dom->vcpu_cpuset) {
		if (eng_set_parse(dom->vcpu_cpuset, &all) < 0)
			return eng_fail(e, -EINVAL, "domain XML: <vcpu cpuset='%s'> is not a CPU list",
					dom->vcpu_cpuset);
		any = true;
	}
	if (!any)
		return eng_fail(e, -EINVAL, "%s: [cpus] isolate = auto, but the domain XML pins no "
				"CPU: add <cputune><vcpupin vcpu='0' cpuset='2'/>... (or <vcpu "
				"cpuset=>), or name the CPUs: isolate = 2-3", cfg->path);
	for (int c = eng_set_next(&all, -1); c >= 0; c = eng_set_next(&all, c))
		vfh_cpuset_set(out, (unsigned int)c);
	return 0;
}

/* Which other domain isolates any of `mine`, "" when none. */
static int overlap(struct vfh_ctx *ctx, const char *domain, const struct vfh_cpuset *mine,
		   char *who, size_t len, char *cpus, size_t clen)
{
	struct ledger l;
	int r = eng_ledger_load(ctx, domain, &l);

	who[0] = '\0';
	if (r < 0)
		return r;
	for (size_t i = 0; i < l.n && !*who; i++) {
		struct vfh_cpuset theirs, both;

		if (strcmp(l.v[i].c.type, "isolate") != 0 ||
		    vfh_cpuset_parse_list(l.v[i].c.key, 0, &theirs) < 0)
			continue;
		vfh_cpuset_and(&both, &theirs, mine);
		if (!vfh_cpuset_empty(&both)) {
			snprintf(who, len, "%s", l.v[i].domain);
			vfh_cpuset_format_list(&both, cpus, clen);
		}
	}
	eng_ledger_free(&l);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Without systemd: the host's top-level cgroups, libvirt's excepted, by
 * name (the directory's own order is the filesystem's: a plan must not
 * change with it). */
static int raw_targets(struct vfh_ctx *ctx, char ***names, size_t *n)
{
	const char *root = vfh_ctx_get_root(ctx, VFH_ROOT_CGROUP);
	struct dirent *de;
	DIR *d = opendir(root);

	*names = NULL;
	*n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char **nv;

		if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
		    strncmp(de->d_name, "machine", 7) == 0 || strncmp(de->d_name, "libvirt", 7) == 0)
			continue;
		nv = realloc(*names, (*n + 1) * sizeof(*nv));
		if (nv)
			*names = nv;
		if (!nv || !(nv[*n] = strdup(de->d_name))) {
			for (size_t i = 0; i < *n; i++)
				free((*names)[i]);
			free(*names);
			*names = NULL;
			*n = 0;
			closedir(d);
			return -ENOMEM;
		}
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), by_name);
	return 0;
}

static const char *const slices[] = { "system.slice", "user.slice", "init.scope" };

int eng_plan_cpus(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
		  const struct domain_xml *dom, struct plan *plan, struct eng_err *e)
{
	struct vfh_cpuset iso, keep, tmp;
	char list[128], who[VFH_DOMAIN_MAX + 1], both[128];
	unsigned int *irqs = NULL;
	size_t nirqs = 0;
	bool systemd;
	struct step s;
	int r;

	if (cfg->isolate == ISOLATE_NO)
		return 0;
	if ((r = isolated_set(cfg, dom, &iso, e)) < 0)
		return r;
	/* the host keeps a CPU with every running domain's isolated too */
	if ((r = eng_isolated(ctx, domain, &tmp)) < 0)
		return eng_fail(e, r, "cannot read the other domains' journals: %s", strerror(-r));
	vfh_cpuset_or(&tmp, &tmp, &iso);
	if ((r = vfh_cpus_housekeeping(ctx, &tmp, &keep)) < 0)
		return eng_fail_lib(e, ctx, r, "refused: [cpus] isolate in %s", cfg->path);
	if (vfh_cpuset_format_list(&iso, list, sizeof(list)) < 0)
		return eng_fail(e, -E2BIG, "refused: the CPUs to isolate make too long a list for "
				"the journal; name fewer ranges");
	if ((r = overlap(ctx, domain, &iso, who, sizeof(who), both, sizeof(both))) < 0)
		return eng_fail(e, r, "cannot read the other domains' journals: %s", strerror(-r));
	if (*who)
		return eng_fail(e, -EBUSY, "refused: CPUs %s are isolated for domain '%s' already; "
				"pin this domain elsewhere or shut that one down first", both, who);

	/* systemd owns the cgroup tree when it answers for system.slice */
	r = vfh_unit_get_allowed_cpus(ctx, "system.slice", &tmp);
	systemd = r == 0;
	if (systemd) {
		for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++) {
			if (vfh_unit_get_allowed_cpus(ctx, slices[i], &tmp) < 0)
				continue;	/* not loaded on this host */
			if ((r = add(plan, eng_step_init_cpu_isolate(&s, slices[i], true, list), &s,
				     e)) < 0)
				return r;
		}
	} else {
		char **names;
		size_t n;

		if (vfh_cgroup_cpus_read(ctx, "", NULL, NULL) == -EOPNOTSUPP)
			return eng_fail_lib(e, ctx, -EOPNOTSUPP, "refused: [cpus] isolate needs "
					    "cgroup v2 or systemd");
		if ((r = raw_targets(ctx, &names, &n)) < 0)
			return eng_fail(e, r, "cannot list the host's cgroups: %s", strerror(-r));
		if (n == 0)
			r = eng_fail(e, -EOPNOTSUPP, "refused: [cpus] isolate without systemd keeps the "
				     "host's top-level cgroups off the CPUs, and this host has none "
				     "(its processes are in the root cgroup); run them in a cgroup, "
				     "or use systemd");
		for (size_t i = 0; i < n && r == 0; i++)
			r = add(plan, eng_step_init_cpu_isolate(&s, names[i], false, list), &s, e);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		if (r < 0)
			return r;
	}
	if (cfg->isolate_irqs) {
		/* irqbalance would move them back */
		if (systemd && (r = add(plan, eng_step_init(&s, &eng_step_unit_stop,
							   "irqbalance.service"), &s, e)) < 0)
			return r;
		if ((r = add(plan, eng_step_init_cpumask(&s, "irq-default", list), &s, e)) < 0)
			return r;
		if ((r = vfh_irq_list(ctx, &irqs, &nirqs)) < 0)
			return eng_fail_lib(e, ctx, r, "listing the IRQs");
		for (size_t i = 0; i < nirqs && r == 0; i++) {
			struct vfh_cpuset aff, hit;
			char what[32];

			if (vfh_irq_affinity_read(ctx, irqs[i], &aff) < 0)
				continue;
			vfh_cpuset_and(&hit, &aff, &iso);
			if (vfh_cpuset_empty(&hit))
				continue;	/* never on those CPUs */
			snprintf(what, sizeof(what), "irq%u", irqs[i]);
			r = add(plan, eng_step_init_cpumask(&s, what, list), &s, e);
		}
		free(irqs);
		if (r < 0)
			return r;
	}
	if (cfg->isolate_workqueues) {
		if (vfh_workqueue_cpumask_read(ctx, VFH_WQ_UNBOUND, &tmp) == 0 &&
		    (r = add(plan, eng_step_init_cpumask(&s, "workqueue", list), &s, e)) < 0)
			return r;
		if (vfh_workqueue_cpumask_read(ctx, VFH_WQ_WRITEBACK, &tmp) == 0 &&
		    (r = add(plan, eng_step_init_cpumask(&s, "writeback", list), &s, e)) < 0)
			return r;
	}
	if (*cfg->governor) {
		bool any = false;

		for (int c = 0; c <= vfh_cpuset_last(&iso) && r == 0; c++) {
			char now[32];

			if (!vfh_cpuset_has(&iso, (unsigned int)c))
				continue;
			r = vfh_cpufreq_governor_read(ctx, (unsigned int)c, now, sizeof(now));
			if (r == -EOPNOTSUPP) {
				r = 0;
				continue;	/* no cpufreq policy: nothing to set */
			}
			if (r < 0)
				return eng_fail_lib(e, ctx, r, "[cpus] governor in %s", cfg->path);
			any = true;
			r = add(plan, eng_step_init_governor(&s, (unsigned int)c, cfg->governor), &s,
				e);
		}
		if (r < 0)
			return r;
		if (!any)
			eng_log(LOG_NOTICE, "%s: [cpus] governor = %s: the isolated CPUs %s have no "
				"cpufreq policy (a VM host, or cpufreq off): nothing to set",
				cfg->path, cfg->governor, list);
	}
	if (cfg->rt_runtime == RT_RUNTIME_UNLIMITED &&
	    (r = add(plan, eng_step_init_rt_runtime(&s, -1), &s, e)) < 0)
		return r;
	vfh_ctx_clear_error(ctx);
	return 0;
}
