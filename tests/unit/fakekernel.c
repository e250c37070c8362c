// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel: what the real one does when the library writes to sysfs,
 * played synchronously inside the write (the library's test seam calls us
 * after the bytes landed in the fixture's file), on a model of the kernel's
 * state that the tree is re-rendered from.
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
 *  - module load (libkmod in the real library): the module's drivers
 *    register, and bus_add_driver() -> driver_attach() binds every unbound
 *    device they match.  Unload detaches their devices and unregisters
 *    them; a module still held reports -EWOULDBLOCK like delete_module().
 *  - vtconN/bind (store_bind(), drivers/tty/vt/vt.c): always "succeeds",
 *    whatever vt_bind()/vt_unbind() made of it; the library must read bind
 *    back.  Both ignore a system console driver ("(S)", no
 *    CON_DRIVER_FLAG_MODULE).  Binding a modular one ("(M)") only takes
 *    the VTs the default driver holds, the first registered "(S)" one:
 *    where every driver is "(M)" (the QEMU guest: fbcon and dummycon), or
 *    another "(M)" driver holds the VTs, writing 1 does nothing.
 *    Unbinding (do_unbind_con_driver()) hands the VTs to the first other
 *    registered driver, whatever its kind: unbinding dummycon gives them
 *    back to fbcon.  Observed on the guest (6.1): fbcon=1 dummy=0; unbind
 *    fbcon -> 0/1; bind fbcon -> 0/1; bind dummy -> 0/1; unbind dummy -> 1/0.
 *  - framebuffers: a PCI device marked fb=1 registers one while on its
 *    native driver, a platform device marked fb=1 while bound.  fbcon
 *    holds a reference on the module of each PCI framebuffer's driver
 *    while it holds the VTs (fbcon_open()/fbcon_release()).  When the last
 *    framebuffer goes, fbcon lets go of the VTs (fbcon_fb_unbind()) and
 *    unregisters (fbcon_fb_unregistered() -> do_unregister_con_driver()):
 *    its vtconN leaves sysfs.  When one appears again it registers in the
 *    first free slot, bound (do_fbcon_takeover() -> do_take_over_console()),
 *    so possibly under another vtconN (fk_vtcon_slot_lingers()).
 *  - platform drivers' bind/unbind: the same driver-core rules, matched by
 *    device name (platform_match()).
 *  - rtcN/wakealarm (wakealarm_store(), drivers/rtc/sysfs.c): "+N" or an
 *    absolute time in the future arms it, -EBUSY if one is armed already;
 *    0 (or a past time) disarms; reading shows the time only while armed.
 *  - power/mem_sleep (mem_sleep_store()): one of the offered modes, else
 *    -EINVAL; shown with the current one in brackets.
 *  - power/state: "mem" sleeps in the current mem_sleep mode (state_store()
 *    maps PM_SUSPEND_MEM to mem_sleep_current), "freeze" in s2idle.
 *    pm_suspend() counts every successful suspend in suspend_stats.success,
 *    s2idle included; a failed one counts in fail and names
 *    last_failed_dev.  The wake alarm fires on resume and disarms.  A
 *    suspend with no alarm armed is counted separately: a real host would
 *    not have woken up.
 *  - systemd units: an in-memory table; unknown units cannot be started or
 *    stopped (-ENOENT, systemd's "Unit not found").
 * Writes below PREFIX/run and PREFIX/etc are plain files: logged, kept,
 * successful.  Anything else written is refused with -EACCES, as a
 * read-only attribute would be, and shows up in the log. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture-int.h"

#define FK_NOW 1700000000UL	/* the fake RTC's clock */

static const char *const root_dir[VFH_ROOT__COUNT] = {
	[VFH_ROOT_SYS] = "sys",
	[VFH_ROOT_PROC] = "proc",
	[VFH_ROOT_DEV] = "dev",
	[VFH_ROOT_RUN] = "run",
	[VFH_ROOT_CGROUP] = "sys/fs/cgroup",
	[VFH_ROOT_ETC] = "etc",
};

/* ---------------------------------------------------------------- model */

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

/* The kernel's module names use '_'; modprobe accepts either. */
static bool modname_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

struct fk_module *fk_module_find(struct fx *fx, const char *name)
{
	for (size_t i = 0; i < fx->nmod; i++)
		if (modname_eq(fx->mod[i].name, name))
			return &fx->mod[i];
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

/* sysfs_streq(): equal but for one trailing newline on either side */
static bool streq_nl(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '\n')
		la--;
	if (lb && b[lb - 1] == '\n')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

static int kstrtoul(const char *s, unsigned long *v)
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

static struct fk_pci *pci_by_name(struct fx *fx, const char *val)
{
	for (size_t i = 0; i < fx->npci; i++)
		if (fx->pci[i].present && streq_nl(fx->pci[i].addr, val))
			return &fx->pci[i];
	return NULL;
}

/* ------------------------------------------------------ remove / rescan */

static bool is_descendant(const struct fx *fx, const struct fk_pci *d, const struct fk_pci *of)
{
	for (int p = d->parent; p >= 0; p = fx->pci[p].parent)
		if (&fx->pci[p] == of)
			return true;
	return false;
}

/* Links into a subtree that went away go with it, as the kernel removes
 * the class devices (net, block, virtio) of a removed device. */
static void sweep_dir(struct fx *fx, const char *rel, const char *prefix)
{
	char abs[PATH_MAX], path[PATH_MAX * 2 + 2], real[PATH_MAX];
	struct dirent *de;
	DIR *d;

	fx_abs(fx, abs, sizeof(abs), rel);
	d = opendir(abs);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", abs, de->d_name);
		if (!realpath(path, real) && errno == ENOENT)
			fx_remove(fx, "%s/%s", rel, de->d_name);
	}
	closedir(d);
}

static void sweep(struct fx *fx)
{
	static const char *const dirs[] = {
		"sys/class/net", "sys/class/block", "sys/dev/block", "sys/bus/virtio/devices",
	};
	char abs[PATH_MAX], rel[FX_REL];
	struct dirent *de;
	DIR *d;

	for (size_t i = 0; i < VFH_ARRAY_SIZE(dirs); i++)
		sweep_dir(fx, dirs[i], "");
	fx_abs(fx, abs, sizeof(abs), "sys/devices/virtual/net");
	if ((d = opendir(abs))) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(rel, sizeof(rel), "sys/devices/virtual/net/%s", de->d_name);
				sweep_dir(fx, rel, "lower_");
			}
		closedir(d);
	}
	fx_abs(fx, abs, sizeof(abs), "sys/devices/virtual/block");
	if ((d = opendir(abs))) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(rel, sizeof(rel), "sys/devices/virtual/block/%s/slaves",
					 de->d_name);
				sweep_dir(fx, rel, "");
			}
		closedir(d);
	}
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
	sweep(fx);
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

/* ------------------------------------------------------------ the writes */

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
		if (kstrtoul(val, &v) < 0)
			return -EINVAL;
		if (v)
			remove_subtree(fx, d);
		return 0;
	}
	if (strcmp(attr, "rescan") == 0) {
		if (kstrtoul(val, &v) < 0)
			return -EINVAL;
		if (v)
			rescan(fx);
		return 0;
	}
	if (strcmp(attr, "reset") == 0) {
		if (kstrtoul(val, &v) < 0 || v != 1)
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

static int platform_driver_attr(struct fx *fx, struct fk_driver *drv, const char *attr,
				const char *val)
{
	struct fk_platform *p = NULL;

	for (size_t i = 0; i < fx->nplat; i++)
		if (streq_nl(fx->plat[i].name, val))
			p = &fx->plat[i];
	if (strcmp(attr, "bind") == 0) {
		if (!p || strcmp(p->native, drv->name) != 0)
			return -ENODEV;
		if (*p->driver)
			return -EBUSY;
		if (drv->refuse)
			return drv->refuse;
		snprintf(p->driver, sizeof(p->driver), "%s", drv->name);
		fx_render_platform(fx, p);
		return 0;
	}
	if (strcmp(attr, "unbind") == 0) {
		if (!p || strcmp(p->driver, drv->name) != 0)
			return -ENODEV;
		p->driver[0] = '\0';
		fx_render_platform(fx, p);
		return 0;
	}
	return -EACCES;
}

static bool vt_modular(const struct fk_vtcon *c)
{
	return strncmp(c->name, "(M)", 3) == 0;
}

static bool vt_is_fbcon(const struct fk_vtcon *c)
{
	return strstr(c->name, "frame buffer") != NULL;
}

/* The first registered console driver (registered_con_driver[] order),
 * other than `except`; only system ones when system_only. */
static struct fk_vtcon *vt_first(struct fx *fx, const struct fk_vtcon *except, bool system_only)
{
	struct fk_vtcon *best = NULL;

	for (size_t i = 0; i < fx->nvtcon; i++) {
		struct fk_vtcon *c = &fx->vtcon[i];

		if (c->gone || c == except || (system_only && vt_modular(c)))
			continue;
		if (!best || c->index < best->index)
			best = c;
	}
	return best;
}

/* do_bind_con_driver(): c takes the VTs from whoever holds them */
static void vt_take(struct fx *fx, struct fk_vtcon *c)
{
	for (size_t i = 0; i < fx->nvtcon; i++)
		fx->vtcon[i].bound = false;
	c->bound = true;
}

/* do_unbind_con_driver(): the VTs go to the first other driver; without
 * one nothing changes (-ENODEV, which store_bind() ignores) */
static void vt_give_up(struct fx *fx, struct fk_vtcon *c)
{
	struct fk_vtcon *back = vt_first(fx, c, false);

	if (!c->bound || !back)
		return;
	c->bound = false;
	back->bound = true;
}

static void vt_render_all(struct fx *fx)
{
	for (size_t i = 0; i < fx->nvtcon; i++)
		if (!fx->vtcon[i].gone)
			fx_render_vtcon(fx, &fx->vtcon[i]);
}

static int vtcon_bind(struct fx *fx, struct fk_vtcon *c, const char *val)
{
	int bind = (int)strtoul(val, NULL, 0);	/* simple_strtoul: no error */

	if (c->decline || !vt_modular(c))
		return 0;
	if (bind) {
		/* vt_bind(): only what the default (system) driver holds */
		struct fk_vtcon *def = vt_first(fx, NULL, true);

		if (def && def->bound)
			vt_take(fx, c);
	} else {
		vt_give_up(fx, c);
	}
	vt_render_all(fx);
	return 0;
}

/* ---------------------------------------------------------- framebuffers */

static bool pci_has_fb(const struct fk_pci *d)
{
	return d->fb && d->present && *d->driver && strcmp(d->driver, d->native) == 0;
}

static int fb_count(const struct fx *fx)
{
	int n = 0;

	for (size_t i = 0; i < fx->npci; i++)
		n += pci_has_fb(&fx->pci[i]);
	for (size_t i = 0; i < fx->nplat; i++)
		n += fx->plat[i].fb && *fx->plat[i].driver;
	return n;
}

static struct fk_vtcon *fbcon_of(struct fx *fx, bool gone)
{
	for (size_t i = 0; i < fx->nvtcon; i++)
		if (vt_is_fbcon(&fx->vtcon[i]) && fx->vtcon[i].gone == gone)
			return &fx->vtcon[i];
	return NULL;
}

/* What fbcon holds of each module now: one reference per framebuffer of a
 * driver in it, while fbcon has the VTs. */
static void fb_holds(struct fx *fx, int *holds)
{
	const struct fk_vtcon *fbcon = fbcon_of(fx, false);

	memset(holds, 0, sizeof(int) * FX_MAX_MOD);
	if (!fbcon || !fbcon->bound)
		return;
	for (size_t i = 0; i < fx->npci; i++) {
		const struct fk_driver *drv;

		if (!pci_has_fb(&fx->pci[i]))
			continue;
		drv = fk_driver_find(fx, fx->pci[i].driver, false);
		if (drv && drv->module >= 0)
			holds[drv->module]++;
	}
}

void fk_fb_init(struct fx *fx)
{
	int holds[FX_MAX_MOD];

	fx->nfb = fb_count(fx);
	fb_holds(fx, holds);
	for (size_t i = 0; i < fx->nmod; i++) {
		if (fx->mod[i].state == MOD_LIVE && fx->mod[i].refcnt < holds[i])
			fx_fail("module %s: refcnt=%d, but fbcon holds %d of its framebuffers",
				fx->mod[i].name, fx->mod[i].refcnt, holds[i]);
		fx->mod[i].fbref = holds[i];
	}
}

/* After every change: fbcon follows the framebuffers, the modules'
 * refcnt follows fbcon. */
static void fb_sync(struct fx *fx)
{
	int n = fb_count(fx), holds[FX_MAX_MOD];
	struct fk_vtcon *fbcon = fbcon_of(fx, false);

	if (n == 0 && fx->nfb > 0 && fbcon) {
		vt_give_up(fx, fbcon);
		/* do_unregister_con_driver() refuses a driver still bound */
		if (!fbcon->bound) {
			char rel[64];

			fbcon->gone = true;
			if (fx->vt_lingers)
				fx->vt_zombie |= 1u << fbcon->index;
			snprintf(rel, sizeof(rel), "sys/devices/virtual/vtconsole/vtcon%d",
				 fbcon->index);
			fx_rmtree(fx, rel);
			fx_remove(fx, "sys/class/vtconsole/vtcon%d", fbcon->index);
		}
	} else if (n > 0 && fx->nfb == 0 && !fbcon && (fbcon = fbcon_of(fx, true))) {
		int idx = 0;

		for (bool taken = true; taken && idx < 16; idx += taken) {
			taken = (fx->vt_zombie >> idx) & 1;
			for (size_t i = 0; i < fx->nvtcon; i++)
				taken |= !fx->vtcon[i].gone && fx->vtcon[i].index == idx;
		}
		if (idx == 16)
			fx_fail("no free vtcon slot for fbcon");
		fbcon->index = idx;
		fbcon->gone = false;
		vt_take(fx, fbcon);
	}
	fx->nfb = n;
	vt_render_all(fx);
	fb_holds(fx, holds);
	for (size_t i = 0; i < fx->nmod; i++) {
		struct fk_module *m = &fx->mod[i];

		if (holds[i] == m->fbref)
			continue;
		m->refcnt += holds[i] - m->fbref;
		m->fbref = holds[i];
		if (m->state == MOD_LIVE)
			fx_render_module(fx, m);
	}
}

static int wakealarm(struct fx *fx, struct fk_rtc *r, const char *val)
{
	unsigned long v, alarm;
	bool adjust = val[0] == '+';

	if (kstrtoul(val + adjust, &v) < 0)
		return -EINVAL;
	alarm = adjust ? FK_NOW + v : v;
	if (alarm > FK_NOW) {
		if (r->armed)
			return -EBUSY;
		r->armed = true;
		r->alarm = alarm;
	} else {
		r->armed = false;
	}
	fx_render_rtc(fx, r);
	return 0;
}

static int mem_sleep(struct fx *fx, const char *val)
{
	for (int i = 0; i < fx->noffered; i++)
		if (streq_nl(fx->offered[i], val)) {
			fx->mem_sleep = i;
			fx_render_power(fx);
			return 0;
		}
	return -EINVAL;
}

static bool in_list(const char *list, const char *word)
{
	char buf[128], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (streq_nl(tok, word))
			return true;
	return false;
}

static int power_state(struct fx *fx, const char *val)
{
	const char *mode;
	bool armed = false;

	if (!in_list(fx->state, val))
		return -EINVAL;
	if (streq_nl(val, "mem"))
		mode = fx->has_mem_sleep && fx->mem_sleep >= 0 ? fx->offered[fx->mem_sleep] : "deep";
	else if (streq_nl(val, "freeze"))
		mode = "s2idle";
	else
		return -EOPNOTSUPP;	/* hibernation is not modelled */
	if (fx->suspend_err_n) {
		fx->suspend_err_n--;
		fx->fail++;
		snprintf(fx->last_failed_dev, sizeof(fx->last_failed_dev), "%s",
			 fx->suspend_err_dev);
		fx_render_power(fx);
		return fx->suspend_err;
	}
	if (fx->uncounted) {
		if (fx->uncounted != UINT_MAX)
			fx->uncounted--;
		return 0;
	}
	for (size_t i = 0; i < fx->nrtc; i++)
		if (fx->rtc[i].armed) {
			armed = true;
			/* it woke us: fired, so no longer armed */
			fx->rtc[i].armed = false;
			fx_render_rtc(fx, &fx->rtc[i]);
		}
	if (!armed)
		fx->slept_without_alarm++;
	if (fx->nslept < FX_MAX_SLEEP)
		snprintf(fx->slept[fx->nslept++], sizeof(fx->slept[0]), "%s", mode);
	fx->success++;
	fx_render_power(fx);
	return 0;
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
static struct fk_driver *driver_of_attr(struct fx *fx, const char *canon, bool platform,
					const char **attr)
{
	const char *prefix = platform ? "sys/bus/platform/drivers/" : "sys/bus/pci/drivers/";
	size_t n = strlen(prefix);
	char name[FX_NAME];
	const char *slash;

	if (strncmp(canon, prefix, n) != 0)
		return NULL;
	slash = strchr(canon + n, '/');
	if (!slash || strchr(slash + 1, '/') || (size_t)(slash - canon - n) >= sizeof(name))
		return NULL;
	snprintf(name, sizeof(name), "%.*s", (int)(slash - canon - n), canon + n);
	*attr = slash + 1;
	return fk_driver_find(fx, name, platform);
}

static int dispatch(struct fx *fx, const char *canon, const char *val)
{
	const char *attr;
	struct fk_pci *d;
	struct fk_driver *drv;

	if ((d = pci_of_attr(fx, canon, &attr)))
		return pci_attr(fx, d, attr, val);
	if ((drv = driver_of_attr(fx, canon, false, &attr)))
		return drv->registered ? pci_driver_attr(fx, drv, attr, val) : -ENODEV;
	if ((drv = driver_of_attr(fx, canon, true, &attr)))
		return platform_driver_attr(fx, drv, attr, val);
	if (strcmp(canon, "sys/bus/pci/drivers_probe") == 0) {
		d = pci_by_name(fx, val);
		if (!d)
			return -ENODEV;
		pci_attach(fx, d);
		return 0;
	}
	if (strcmp(canon, "sys/bus/pci/rescan") == 0) {
		unsigned long v;

		if (kstrtoul(val, &v) < 0)
			return -EINVAL;
		if (v)
			rescan(fx);
		return 0;
	}
	if (strcmp(canon, "sys/bus/pci/drivers_autoprobe") == 0) {
		fx->autoprobe = val[0] != '0';
		fx_putf(fx, canon, "%d\n", fx->autoprobe);
		return 0;
	}
	for (size_t i = 0; i < fx->nvtcon; i++) {
		char want[FX_REL];

		snprintf(want, sizeof(want), "sys/devices/virtual/vtconsole/vtcon%d/bind",
			 fx->vtcon[i].index);
		if (!fx->vtcon[i].gone && strcmp(canon, want) == 0)
			return vtcon_bind(fx, &fx->vtcon[i], val);
	}
	for (size_t i = 0; i < fx->nrtc; i++) {
		char want[FX_REL + 16];

		snprintf(want, sizeof(want), "%s/wakealarm", fx->rtc[i].dir);
		if (strcmp(canon, want) == 0)
			return wakealarm(fx, &fx->rtc[i], val);
	}
	if (strcmp(canon, "sys/power/mem_sleep") == 0)
		return mem_sleep(fx, val);
	if (strcmp(canon, "sys/power/state") == 0)
		return power_state(fx, val);
	return -EACCES;
}

/* After a write, the file shows what the kernel would: its state for the
 * attributes the model knows, nothing for the write-only ones. */
static void restore(struct fx *fx, const char *canon)
{
	static const char *const write_only[] = {
		"bind", "unbind", "new_id", "remove_id", "drivers_probe", "rescan", "remove",
		"reset", "uevent",
	};
	const char *attr, *base = strrchr(canon, '/');
	struct fk_pci *d;

	if (!fx_exists(fx, "%s", canon))
		return;
	if ((d = pci_of_attr(fx, canon, &attr)) && strcmp(attr, "driver_override") == 0) {
		fx_render_override(fx, d);
		return;
	}
	if (d && strcmp(attr, "remove") != 0 && strcmp(attr, "rescan") != 0 &&
	    strcmp(attr, "reset") != 0) {
		fx_render_pci_attrs(fx, d);
		return;
	}
	if (strncmp(canon, "sys/devices/virtual/vtconsole/", 30) == 0) {
		vt_render_all(fx);
		return;
	}
	if (strstr(canon, "/wakealarm")) {
		for (size_t i = 0; i < fx->nrtc; i++)
			fx_render_rtc(fx, &fx->rtc[i]);
		return;
	}
	if (strncmp(canon, "sys/power/", 10) == 0) {
		fx_render_power(fx);
		return;
	}
	if (strcmp(canon, "sys/bus/pci/drivers_autoprobe") == 0) {
		fx_putf(fx, canon, "%d\n", fx->autoprobe);
		return;
	}
	for (size_t i = 0; base && i < VFH_ARRAY_SIZE(write_only); i++)
		if (strcmp(base + 1, write_only[i]) == 0)
			fx_putf(fx, canon, "%s", "");
}

static size_t log_add(struct fx *fx, const char *path, const char *val)
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
	idx = log_add(fx, path, val);
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
	fb_sync(fx);
	restore(fx, real + n + 1);
	fx->log[idx].result = r;
	return r;
}

static void holders_drop(struct fx *fx, const char *name)
{
	for (size_t i = 0; i < fx->nmod; i++) {
		struct fk_module *m = &fx->mod[i];
		char buf[256], out[256] = "", *save, *tok;
		bool changed = false;

		snprintf(buf, sizeof(buf), "%s", m->holders);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (modname_eq(tok, name)) {
				changed = true;
				continue;
			}
			if (*out)
				strcat(out, ",");
			strcat(out, tok);
		}
		if (!changed)
			continue;
		snprintf(m->holders, sizeof(m->holders), "%s", out);
		if (m->refcnt > 0)
			m->refcnt--;
		fx_render_module(fx, m);
	}
}

static int fk_module_op(void *data, const char *name, bool load)
{
	struct fx *fx = data;
	struct fk_module *m = fk_module_find(fx, name);
	size_t idx = log_add(fx, load ? "@modprobe" : "@rmmod", name);
	int r = 0;

	if (!m) {
		r = -ENOENT;
	} else if (load) {
		if (m->fail_load)
			r = m->fail_load;
		else if (m->state == MOD_ABSENT) {
			m->state = MOD_LIVE;
			m->refcnt = 0;
			for (size_t i = 0; i < fx->ndrv; i++)
				if (fx->drv[i].module == (int)(m - fx->mod)) {
					fx->drv[i].registered = true;
					fx_render_driver_dir(fx, &fx->drv[i]);
				}
			fx_render_module(fx, m);
			/* bus_add_driver() -> driver_attach() */
			for (size_t i = 0; i < fx->npci; i++)
				fk_pci_autoprobe(fx, &fx->pci[i]);
		}
	} else {
		if (m->fail_unload)
			r = m->fail_unload;
		else if (m->state == MOD_ABSENT || m->state == MOD_BUILTIN)
			r = -ENOENT;
		else if (m->refcnt > 0 || *m->holders)
			r = -EWOULDBLOCK;
		else {
			for (size_t i = 0; i < fx->ndrv; i++) {
				struct fk_driver *drv = &fx->drv[i];
				char dir[FX_REL];

				if (drv->module != (int)(m - fx->mod) || !drv->registered)
					continue;
				for (size_t j = 0; j < fx->npci; j++)
					if (fx->pci[j].present && strcmp(fx->pci[j].driver, drv->name) == 0)
						fk_pci_set_driver(fx, &fx->pci[j], NULL);
				drv->registered = false;
				snprintf(dir, sizeof(dir), "sys/bus/pci/drivers/%s", drv->name);
				fx_rmtree(fx, dir);
			}
			m->state = MOD_ABSENT;
			fx_render_module(fx, m);
			holders_drop(fx, m->name);
		}
	}
	fb_sync(fx);
	fx->log[idx].result = r;
	return r;
}

static int fk_unit_op(void *data, const char *unit, const char *verb)
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
	idx = log_add(fx, strcmp(verb, "start") == 0 ? "@start" :
		      strcmp(verb, "stop") == 0 ? "@stop" : "@unit", unit);
	if (!u)
		r = -ENOENT;
	else if (strcmp(verb, "start") == 0)
		r = u->fail_start ? u->fail_start : (u->active = true, 0);
	else if (strcmp(verb, "stop") == 0)
		r = u->fail_stop ? u->fail_stop : (u->active = false, 0);
	else
		r = -EINVAL;
	fx->log[idx].result = r;
	return r;
}

const struct vfh_test_ops fk_ops = {
	.write = fk_write_op,
	.module = fk_module_op,
	.unit = fk_unit_op,
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

void fk_refuse_probe(struct fx *fx, const char *driver, int err)
{
	struct fk_driver *d = fk_driver_find(fx, driver, false);

	if (!d)
		d = fk_driver_find(fx, driver, true);
	if (!d)
		fx_fail("no driver %s in the fixture", driver);
	d->refuse = err;
}

void fk_fail_module(struct fx *fx, const char *module, bool load, int err)
{
	struct fk_module *m = fk_module_find(fx, module);

	if (!m)
		fx_fail("no module %s in the fixture", module);
	if (load)
		m->fail_load = err;
	else
		m->fail_unload = err;
}

void fk_suspend_uncounted(struct fx *fx, unsigned int n)
{
	fx->uncounted = n;
}

void fk_suspend_fail(struct fx *fx, unsigned int n, int err, const char *dev)
{
	fx->suspend_err_n = n;
	fx->suspend_err = err;
	snprintf(fx->suspend_err_dev, sizeof(fx->suspend_err_dev), "%s", dev ? dev : "");
}

void fk_rescan_keep_gone(struct fx *fx, const char *addr)
{
	struct fk_pci *d = fk_pci_find(fx, addr);

	if (!d)
		fx_fail("no PCI device %s in the fixture", addr);
	d->keep_gone = true;
}

void fk_vtcon_decline(struct fx *fx, int index)
{
	for (size_t i = 0; i < fx->nvtcon; i++)
		if (!fx->vtcon[i].gone && fx->vtcon[i].index == index) {
			fx->vtcon[i].decline = true;
			return;
		}
	fx_fail("no vtcon%d in the fixture", index);
}

void fk_vtcon_slot_lingers(struct fx *fx)
{
	fx->vt_lingers = true;
}

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

unsigned int fk_suspends(const struct fx *fx)
{
	return fx->nslept;
}

const char *fk_suspend_mode(const struct fx *fx, unsigned int i)
{
	return i < fx->nslept ? fx->slept[i] : NULL;
}

unsigned int fk_suspends_without_alarm(const struct fx *fx)
{
	return fx->slept_without_alarm;
}

unsigned int fk_resets(struct fx *fx, const char *addr)
{
	struct fk_pci *d = fk_pci_find(fx, addr);

	return d ? d->resets : 0;
}

int fk_unit_active(const struct fx *fx, const char *unit)
{
	for (size_t i = 0; i < fx->nunit; i++)
		if (strcmp(fx->unit[i].name, unit) == 0)
			return fx->unit[i].active;
	return -1;
}

bool fk_module_live(struct fx *fx, const char *module)
{
	struct fk_module *m = fk_module_find(fx, module);

	return m && m->state != MOD_ABSENT;
}
