// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel: what the real one does when the library writes to sysfs,
 * played synchronously inside the write (the library's test seam calls us
 * after the bytes landed in the fixture's file), on a model of the kernel's
 * state that the tree is re-rendered from.
 *
 * This file is the core every write goes through: the log, the faults,
 * and fk_paths[], which hands a write to the subsystem owning its path.
 * Each subsystem's rules, and the kernel code they were taken from, are at
 * the top of its fk-OWNER.c (OWNER: the table's second column).  Modules
 * and units are not files: fk-module.c and fk-systemd.c answer the
 * library's seams for them directly.
 *
 * Adding a subsystem: new fx-NAME.c and fk-NAME.c, their declarations at
 * the end of fixture-int.h, a line in fk_paths[] below for each path
 * prefix it owns and a line in fx_kinds[] (fixture.c) for each spec kind.
 * The steps in full are at the top of fixture-int.h.
 *
 * Writes below PREFIX/run and PREFIX/etc are plain files: logged, kept,
 * successful.  A write no subsystem claims, or that its owner does not
 * know, is refused with -EACCES, as a read-only attribute would be, and
 * shows up in the log; the file keeps what was written unless its name is
 * a write-only attribute's (bind, remove, ...), which reads back empty. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture-int.h"

static const char *const root_dir[VFH_ROOT__COUNT] = {
	[VFH_ROOT_SYS] = "sys",
	[VFH_ROOT_PROC] = "proc",
	[VFH_ROOT_DEV] = "dev",
	[VFH_ROOT_RUN] = "run",
	[VFH_ROOT_CGROUP] = "sys/fs/cgroup",
	[VFH_ROOT_ETC] = "etc",
};

/* Who owns a write, by where it landed (the resolved path: a write to
 * class/vtconsole/vtcon0/bind lands in devices/virtual/vtconsole/).  No
 * prefix may start another: a path has one owner, whatever the order. */
const struct fk_path fk_paths[] = {
	{ "sys/bus/pci/", "pci", fk_pci_bus_write, fk_pci_bus_restore },
	{ "sys/devices/pci", "pci", fk_pci_dev_write, fk_pci_dev_restore },
	{ "sys/bus/platform/", "fb", fk_platform_write, NULL },
	{ "sys/devices/virtual/vtconsole/", "vt", fk_vt_write, fk_vt_restore },
	{ "sys/power/", "power", fk_power_write, fk_power_restore },
	{ "sys/devices/pnp0/", "power", fk_rtc_write, fk_rtc_restore },
	{ "sys/devices/system/cpu/", "cpu", fk_cpu_write, fk_cpu_restore },
	{ "sys/devices/virtual/workqueue/", "cpu", fk_wq_write, fk_wq_restore },
	{ "proc/sys/kernel/", "cpu", fk_sysctl_write, fk_sysctl_restore },
	{ "sys/fs/cgroup/", "cgroup", fk_cgroup_write, fk_cgroup_restore },
	{ "proc/irq/", "irq", fk_irq_write, fk_irq_restore },
	{ "sys/devices/system/node/", "hugepages", fk_hugepages_write, fk_hugepages_restore },
	{ "sys/kernel/mm/hugepages/", "hugepages", fk_hugepages_write, fk_hugepages_restore },
	{ "proc/sys/vm/compact_memory", "hugepages", fk_hugepages_write, fk_hugepages_restore },
	{ "proc/sys/vm/drop_caches", "hugepages", fk_hugepages_write, fk_hugepages_restore },
};
const size_t fk_npaths = VFH_ARRAY_SIZE(fk_paths);

const struct fk_path *fk_path_owner(const char *path)
{
	for (size_t i = 0; i < fk_npaths; i++)
		if (strncmp(path, fk_paths[i].prefix, strlen(fk_paths[i].prefix)) == 0)
			return &fk_paths[i];
	return NULL;
}

static int dispatch(struct fx *fx, const char *path, const char *val)
{
	const struct fk_path *p = fk_path_owner(path);

	return p ? p->write(fx, path, val) : -EACCES;
}

/* After a write, the file shows what the kernel would: its state for the
 * attributes the model knows, nothing for the write-only ones. */
static void restore(struct fx *fx, const char *path)
{
	static const char *const write_only[] = {
		"bind", "unbind", "new_id", "remove_id", "drivers_probe", "rescan", "remove",
		"reset", "uevent",
	};
	const struct fk_path *p = fk_path_owner(path);
	const char *base = strrchr(path, '/');

	if (!fx_exists(fx, "%s", path))
		return;
	if (p && p->restore && p->restore(fx, path))
		return;
	for (size_t i = 0; base && i < VFH_ARRAY_SIZE(write_only); i++)
		if (strcmp(base + 1, write_only[i]) == 0)
			fx_putf(fx, path, "%s", "");
}

/* sysfs_streq(): equal but for one trailing newline on either side */
bool fk_streq_nl(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '\n')
		la--;
	if (lb && b[lb - 1] == '\n')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

int fk_kstrtoul(const char *s, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == ' ')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 0);
	if (errno || end == s || (*end && strcmp(end, "\n") != 0))
		return -EINVAL;
	return 0;
}

size_t fk_log_add(struct fx *fx, const char *path, const char *val)
{
	if (fx->nlog == fx->caplog) {
		size_t cap = fx->caplog ? fx->caplog * 2 : 32;
		struct fk_write *nl = realloc(fx->log, cap * sizeof(*nl));

		if (!nl)
			fx_fail("out of memory");
		fx->log = nl;
		fx->caplog = cap;
	}
	fx->log[fx->nlog].path = strdup(path);
	fx->log[fx->nlog].val = strdup(val);
	fx->log[fx->nlog].result = 0;
	return fx->nlog++;
}

static struct fk_fault *fault_hit(struct fx *fx, const char *path)
{
	struct fk_fault *hit = NULL;

	for (size_t i = 0; i < fx->nfaults; i++) {
		struct fk_fault *f = &fx->faults[i];

		if (strcmp(f->path, path) != 0)
			continue;
		f->seen++;
		if (!hit && (f->nth == 0 || f->nth == f->seen))
			hit = f;
	}
	return hit;
}

static int fk_write_op(void *data, enum vfh_root root, const char *rel, const char *val)
{
	struct fx *fx = data;
	char path[FX_REL], abs[PATH_MAX], real[PATH_MAX];
	const struct fk_fault *f;
	size_t idx, n = strlen(fx->root);
	int r;

	if ((unsigned)root >= VFH_ROOT__COUNT)
		fx_fail("write to root %d", root);
	snprintf(path, sizeof(path), "%s/%s", root_dir[root], rel);
	idx = fk_log_add(fx, path, val);
	/* the library wrote the file already: where did it land? */
	fx_abs(fx, abs, sizeof(abs), path);
	if (!realpath(abs, real))
		fx_fail("the library wrote %s, which does not resolve", path);
	if (strncmp(real, fx->root, n) != 0 || real[n] != '/')
		fx_fail("the library wrote %s, outside the fixture", real);
	f = fault_hit(fx, path);
	if (f)
		r = f->ignore ? 0 : f->err;
	else if (root == VFH_ROOT_RUN || root == VFH_ROOT_ETC)
		r = 0;	/* plain files: no kernel behind them */
	else
		r = dispatch(fx, real + n + 1, val);
	/* a framebuffer comes and goes with a binding, whichever subsystem
	 * made it: fbcon follows after every write */
	fk_fb_sync(fx);
	restore(fx, real + n + 1);
	fx->log[idx].result = r;
	return r;
}

const struct vfh_test_ops fk_ops = {
	.write = fk_write_op,
	.module = fk_module_op,
	.unit = fk_unit_op,
	.unit_prop = fk_unit_prop,
};

/* ------------------------------------------------------------ test API */

size_t fk_nwrites(const struct fx *fx)
{
	return fx->nlog;
}

const struct fk_write *fk_write_at(const struct fx *fx, size_t i)
{
	return i < fx->nlog ? &fx->log[i] : NULL;
}

void fk_log_clear(struct fx *fx)
{
	for (size_t i = 0; i < fx->nlog; i++) {
		free(fx->log[i].path);
		free(fx->log[i].val);
	}
	fx->nlog = 0;
}

int fk_log_find(const struct fx *fx, size_t from, const char *path, const char *val)
{
	for (size_t i = from; i < fx->nlog; i++)
		if (strcmp(fx->log[i].path, path) == 0 && (!val || strcmp(fx->log[i].val, val) == 0))
			return (int)i;
	return -1;
}

size_t fk_log_count(const struct fx *fx, const char *path)
{
	size_t n = 0;

	for (size_t i = 0; i < fx->nlog; i++)
		n += strcmp(fx->log[i].path, path) == 0;
	return n;
}

const char *fk_log_dump(struct fx *fx)
{
	size_t len = 1, used = 0;

	for (size_t i = 0; i < fx->nlog; i++)
		len += strlen(fx->log[i].path) + 2 * strlen(fx->log[i].val) + 32;
	free(fx->dump);
	fx->dump = malloc(len);
	if (!fx->dump)
		return "";
	fx->dump[0] = '\0';
	for (size_t i = 0; i < fx->nlog; i++) {
		const char *v = strcmp(fx->log[i].val, "\n") == 0 ? "\\n" : fx->log[i].val;

		used += (size_t)snprintf(fx->dump + used, len - used, "  %zu: %s = '%s' -> %d\n", i,
					 fx->log[i].path, v, fx->log[i].result);
	}
	return fx->dump;
}

static void add_fault(struct fx *fx, const char *path, unsigned int nth, int err, bool ignore)
{
	struct fk_fault *f;

	if (fx->nfaults == FX_MAX_FAULT)
		fx_fail("too many faults");
	f = &fx->faults[fx->nfaults++];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->nth = nth;
	f->err = err;
	f->ignore = ignore;
}

void fk_fail_write(struct fx *fx, const char *path, unsigned int nth, int err)
{
	if (err >= 0)
		fx_fail("fk_fail_write needs a negative errno");
	add_fault(fx, path, nth, err, false);
}

void fk_ignore_write(struct fx *fx, const char *path, unsigned int nth)
{
	add_fault(fx, path, nth, 0, true);
}
