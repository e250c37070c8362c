// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel's PCI: devices, their drivers, remove and rescan.
 *
 * The rules, and where they come from (Linux 6.x):
 *  - ADDR/driver_override (driver_set_override(), drivers/base/driver.c):
 *    the value up to the first newline is stored; "\n" or "" clears it;
 *    reading shows "(null)" when unset.
 *  - drivers/X/unbind (unbind_store(), drivers/base/bus.c): -ENODEV unless
 *    the device is bound to X; then it is detached.
 *  - drivers/X/bind (bind_store()): -ENODEV unless X matches the device;
 *    matching (pci_match_device(), drivers/pci/pci-driver.c) is the override
 *    when one is set, else the driver's id table (the fixture's "native");
 *    -EBUSY when the device already has a driver (__driver_probe_device());
 *    a failing probe returns its error (device_driver_attach() turns the
 *    positive probe error back into -errno).  Not -EINVAL: the kernel
 *    never says that for a mismatch.
 *  - bus/pci/drivers_probe (drivers_probe_store()): -ENODEV for an unknown
 *    device; a bound device is left alone; otherwise the first matching
 *    driver whose probe succeeds takes it.  A failing probe is swallowed
 *    (__device_attach_driver() lets the next driver try): the write
 *    succeeds and the device stays unbound.
 *  - ADDR/remove (remove_store(), pci-sysfs.c): kstrtoul, then the device
 *    and everything behind it (a bridge's children) leave: unbound, links
 *    gone, its IOMMU group gone with its last member, its override
 *    forgotten (the pci_dev is freed).
 *  - bus/pci/rescan and ADDR/rescan: every removed device whose parent is
 *    present comes back as new: no override, probed by the driver core
 *    (drivers_autoprobe), so on its id-table driver if one is registered.
 *  - ADDR/reset (reset_store()): only "1"; counted.
 * Loading and unloading the modules that register drivers is in
 * fk-module.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture-int.h"

struct fk_pci *fk_pci_find(struct fx *fx, const char *addr)
{
	for (size_t i = 0; i < fx->npci; i++)
		if (strcmp(fx->pci[i].addr, addr) == 0)
			return &fx->pci[i];
	return NULL;
}

struct fk_driver *fk_driver_find(struct fx *fx, const char *name, bool platform)
{
	for (size_t i = 0; i < fx->ndrv; i++)
		if (fx->drv[i].platform == platform && strcmp(fx->drv[i].name, name) == 0)
			return &fx->drv[i];
	return NULL;
}

void fk_pci_set_driver(struct fx *fx, struct fk_pci *d, const char *drv)
{
	char rel[FX_REL + 64], target[FX_REL];

	if (*d->driver) {
		fx_remove(fx, "%s/driver", d->dir);
		fx_remove(fx, "sys/bus/pci/drivers/%s/%s", d->driver, d->addr);
	}
	d->driver[0] = '\0';
	if (!drv || !*drv)
		return;
	snprintf(d->driver, sizeof(d->driver), "%s", drv);
	snprintf(rel, sizeof(rel), "%s/driver", d->dir);
	snprintf(target, sizeof(target), "sys/bus/pci/drivers/%s", drv);
	fx_symlink(fx, rel, target);
	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/%s", drv, d->addr);
	fx_symlink(fx, rel, d->dir);
}

bool fk_pci_match(const struct fk_pci *d, const char *drv)
{
	if (*d->override)
		return strcmp(d->override, drv) == 0;
	return *d->native && strcmp(d->native, drv) == 0;
}

/* device_attach(): registered drivers in order, the first that matches and
 * probes takes the device. */
static void pci_attach(struct fx *fx, struct fk_pci *d)
{
	if (!d->present || *d->driver)
		return;
	for (size_t i = 0; i < fx->ndrv; i++) {
		const struct fk_driver *drv = &fx->drv[i];

		if (drv->platform || !drv->registered || !fk_pci_match(d, drv->name))
			continue;
		if (drv->refuse)
			continue;
		fk_pci_set_driver(fx, d, drv->name);
		return;
	}
}

void fk_pci_autoprobe(struct fx *fx, struct fk_pci *d)
{
	if (fx->autoprobe)
		pci_attach(fx, d);
}

static struct fk_pci *pci_by_name(struct fx *fx, const char *val)
{
	for (size_t i = 0; i < fx->npci; i++)
		if (fx->pci[i].present && fk_streq_nl(fx->pci[i].addr, val))
			return &fx->pci[i];
	return NULL;
}

static bool is_descendant(const struct fx *fx, const struct fk_pci *d, const struct fk_pci *of)
{
	for (int p = d->parent; p >= 0; p = fx->pci[p].parent)
		if (&fx->pci[p] == of)
			return true;
	return false;
}

static void remove_one(struct fx *fx, struct fk_pci *d)
{
	bool group_left = false;

	fk_pci_set_driver(fx, d, NULL);
	fx_remove(fx, "sys/bus/pci/devices/%s", d->addr);
	if (fx->iommu && d->group >= 0) {
		fx_remove(fx, "sys/kernel/iommu_groups/%d/devices/%s", d->group, d->addr);
		for (size_t i = 0; i < fx->npci; i++)
			if (&fx->pci[i] != d && fx->pci[i].present && fx->pci[i].group == d->group)
				group_left = true;
		/* iommu_group_release(): the group goes with its last device */
		if (!group_left) {
			char grp[64];

			snprintf(grp, sizeof(grp), "sys/kernel/iommu_groups/%d", d->group);
			fx_rmtree(fx, grp);
		}
	}
	fx_rmtree(fx, d->dir);
	d->present = false;
	d->override[0] = '\0';
}

static void remove_subtree(struct fx *fx, struct fk_pci *d)
{
	/* children first, deepest first */
	for (int pass = 0; pass < 16; pass++)
		for (size_t i = 0; i < fx->npci; i++) {
			struct fk_pci *c = &fx->pci[i];
			bool leaf = true;

			if (!c->present || !is_descendant(fx, c, d))
				continue;
			for (size_t j = 0; j < fx->npci; j++)
				if (fx->pci[j].present && is_descendant(fx, &fx->pci[j], c))
					leaf = false;
			if (leaf)
				remove_one(fx, c);
		}
	remove_one(fx, d);
	fk_host_sweep(fx);
}

static void rescan(struct fx *fx)
{
	bool again = true;

	/* parents before children: repeat until nothing more appears */
	while (again) {
		again = false;
		for (size_t i = 0; i < fx->npci; i++) {
			struct fk_pci *d = &fx->pci[i];

			if (d->present || d->keep_gone || (d->parent >= 0 && !fx->pci[d->parent].present))
				continue;
			d->present = true;
			d->override[0] = '\0';
			d->driver[0] = '\0';
			fx_render_pci(fx, d);
			fx_render_pci_children(fx, d);
			fk_pci_autoprobe(fx, d);
			again = true;
		}
	}
	fx_render_virtual(fx);
}

static int pci_attr(struct fx *fx, struct fk_pci *d, const char *attr, const char *val)
{
	unsigned long v;

	if (strcmp(attr, "driver_override") == 0) {
		size_t n = strcspn(val, "\n");

		if (strlen(val) >= 4095)
			return -EINVAL;
		if (n >= sizeof(d->override))
			return -EINVAL;	/* not the kernel's limit: the model's */
		memcpy(d->override, val, n);
		d->override[n] = '\0';
		fx_render_override(fx, d);
		return 0;
	}
	if (strcmp(attr, "remove") == 0) {
		if (fk_kstrtoul(val, &v) < 0)
			return -EINVAL;
		if (v)
			remove_subtree(fx, d);
		return 0;
	}
	if (strcmp(attr, "rescan") == 0) {
		if (fk_kstrtoul(val, &v) < 0)
			return -EINVAL;
		if (v)
			rescan(fx);
		return 0;
	}
	if (strcmp(attr, "reset") == 0) {
		if (fk_kstrtoul(val, &v) < 0 || v != 1)
			return -EINVAL;
		d->resets++;
		return 0;
	}
	return -EACCES;
}

static int pci_driver_attr(struct fx *fx, struct fk_driver *drv, const char *attr,
			   const char *val)
{
	struct fk_pci *d = pci_by_name(fx, val);

	if (strcmp(attr, "bind") == 0) {
		if (!d || !fk_pci_match(d, drv->name))
			return -ENODEV;
		if (*d->driver)
			return -EBUSY;
		if (drv->refuse)
			return drv->refuse;
		fk_pci_set_driver(fx, d, drv->name);
		return 0;
	}
	if (strcmp(attr, "unbind") == 0) {
		if (!d || strcmp(d->driver, drv->name) != 0)
			return -ENODEV;
		fk_pci_set_driver(fx, d, NULL);
		return 0;
	}
	/* new_id/remove_id: dynamic ids are not modelled */
	return -EOPNOTSUPP;
}

static struct fk_pci *pci_of_attr(struct fx *fx, const char *canon, const char **attr)
{
	const char *slash = strrchr(canon, '/');

	if (!slash)
		return NULL;
	for (size_t i = 0; i < fx->npci; i++) {
		size_t n = strlen(fx->pci[i].dir);

		if (fx->pci[i].present && (size_t)(slash - canon) == n &&
		    strncmp(canon, fx->pci[i].dir, n) == 0) {
			*attr = slash + 1;
			return &fx->pci[i];
		}
	}
	return NULL;
}

/* "sys/bus/BUS/drivers/NAME/ATTR" */
struct fk_driver *fk_driver_of_attr(struct fx *fx, const char *path, bool platform,
				    const char **attr)
{
	const char *prefix = platform ? "sys/bus/platform/drivers/" : "sys/bus/pci/drivers/";
	size_t n = strlen(prefix);
	char name[FX_NAME];
	const char *slash;

	if (strncmp(path, prefix, n) != 0)
		return NULL;
	slash = strchr(path + n, '/');
	if (!slash || strchr(slash + 1, '/') || (size_t)(slash - path - n) >= sizeof(name))
		return NULL;
	snprintf(name, sizeof(name), "%.*s", (int)(slash - path - n), path + n);
	*attr = slash + 1;
	return fk_driver_find(fx, name, platform);
}

/* sys/bus/pci/: the drivers' bind/unbind and the bus's own attributes */
int fk_pci_bus_write(struct fx *fx, const char *path, const char *val)
{
	struct fk_driver *drv;
	const char *attr;
	struct fk_pci *d;

	if ((drv = fk_driver_of_attr(fx, path, false, &attr)))
		return drv->registered ? pci_driver_attr(fx, drv, attr, val) : -ENODEV;
	if (strcmp(path, "sys/bus/pci/drivers_probe") == 0) {
		d = pci_by_name(fx, val);
		if (!d)
			return -ENODEV;
		pci_attach(fx, d);
		return 0;
	}
	if (strcmp(path, "sys/bus/pci/rescan") == 0) {
		unsigned long v;

		if (fk_kstrtoul(val, &v) < 0)
			return -EINVAL;
		if (v)
			rescan(fx);
		return 0;
	}
	if (strcmp(path, "sys/bus/pci/drivers_autoprobe") == 0) {
		fx->autoprobe = val[0] != '0';
		fx_putf(fx, path, "%d\n", fx->autoprobe);
		return 0;
	}
	return -EACCES;
}

bool fk_pci_bus_restore(struct fx *fx, const char *path)
{
	if (strcmp(path, "sys/bus/pci/drivers_autoprobe") != 0)
		return false;
	fx_putf(fx, path, "%d\n", fx->autoprobe);
	return true;
}

/* sys/devices/pciDDDD:BB/...: a device's own attributes */
int fk_pci_dev_write(struct fx *fx, const char *path, const char *val)
{
	const char *attr;
	struct fk_pci *d = pci_of_attr(fx, path, &attr);

	return d ? pci_attr(fx, d, attr, val) : -EACCES;
}

/* The file shows the device's state again; remove, rescan and reset are
 * write-only and left to the generic rule. */
bool fk_pci_dev_restore(struct fx *fx, const char *path)
{
	const char *attr;
	struct fk_pci *d = pci_of_attr(fx, path, &attr);

	if (!d)
		return false;
	if (strcmp(attr, "driver_override") == 0) {
		fx_render_override(fx, d);
		return true;
	}
	if (strcmp(attr, "remove") == 0 || strcmp(attr, "rescan") == 0 ||
	    strcmp(attr, "reset") == 0)
		return false;
	fx_render_pci_attrs(fx, d);
	return true;
}

/* ------------------------------------------------------------ test API */

void fk_refuse_probe(struct fx *fx, const char *driver, int err)
{
	struct fk_driver *d = fk_driver_find(fx, driver, false);

	if (!d)
		d = fk_driver_find(fx, driver, true);
	if (!d)
		fx_fail("no driver %s in the fixture", driver);
	d->refuse = err;
}

void fk_rescan_keep_gone(struct fx *fx, const char *addr)
{
	struct fk_pci *d = fk_pci_find(fx, addr);

	if (!d)
		fx_fail("no PCI device %s in the fixture", addr);
	d->keep_gone = true;
}

unsigned int fk_resets(struct fx *fx, const char *addr)
{
	struct fk_pci *d = fk_pci_find(fx, addr);

	return d ? d->resets : 0;
}
