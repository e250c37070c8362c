// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel's framebuffers and the platform devices that provide
 * some (efi-framebuffer, simple-framebuffer).
 *
 *  - A PCI device marked fb=1 registers a framebuffer while on its native
 *    driver, a platform device marked fb=1 while bound.  fbcon holds a
 *    reference on the module of each PCI framebuffer's driver while it
 *    holds the VTs (fbcon_open()/fbcon_release()).  When the last
 *    framebuffer goes, fbcon lets go of the VTs (fbcon_fb_unbind()) and
 *    unregisters (fbcon_fb_unregistered() -> do_unregister_con_driver()):
 *    its vtconN leaves sysfs.  When one appears again it registers in the
 *    first free slot, bound (do_fbcon_takeover() -> do_take_over_console()),
 *    so possibly under another vtconN (fk_vtcon_slot_lingers()).
 *  - Platform drivers' bind/unbind: the driver core's rules (fk-pci.c),
 *    matched by device name (platform_match()). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture-int.h"

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
		if (fk_vt_is_fbcon(&fx->vtcon[i]) && fx->vtcon[i].gone == gone)
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
void fk_fb_sync(struct fx *fx)
{
	int n = fb_count(fx), holds[FX_MAX_MOD];
	struct fk_vtcon *fbcon = fbcon_of(fx, false);

	if (n == 0 && fx->nfb > 0 && fbcon) {
		fk_vt_give_up(fx, fbcon);
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
		fk_vt_take(fx, fbcon);
	}
	fx->nfb = n;
	fk_vt_render_all(fx);
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

static int platform_driver_attr(struct fx *fx, struct fk_driver *drv, const char *attr,
				const char *val)
{
	struct fk_platform *p = NULL;

	for (size_t i = 0; i < fx->nplat; i++)
		if (fk_streq_nl(fx->plat[i].name, val))
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

int fk_platform_write(struct fx *fx, const char *path, const char *val)
{
	const char *attr;
	struct fk_driver *drv = fk_driver_of_attr(fx, path, true, &attr);

	return drv ? platform_driver_attr(fx, drv, attr, val) : -EACCES;
}
